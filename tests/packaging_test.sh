#!/usr/bin/env bash
# The Debian package, end to end (ctest packaging_test): scripts/package packs this build's
# binaries (--no-build: seconds, no Release build), and then
#   - the .deb is named stayaway_VERSION_ARCH.deb with the project's version, and holds
#     the binaries, the console (every file of console/), the unit, the conffile, docs and
#     man pages with the modes and owners Debian expects, and nothing group- or
#     world-writable, setuid or owned by anyone but root;
#   - its control fields, conffiles and maintainer scripts are there, and the postinst,
#     run against stand-ins for the commands it calls, creates the system user and
#     /var/lib/stayaway 0700 and enables the unit only when the administrator had;
#   - lintian reports no error or warning (overrides carry their reasons);
#   - `systemd-analyze security --offline=true` rates the packaged unit OK or better;
#   - the packaged stayawayd runs from the extracted tree with the packaged configuration,
#     finds its console beside its binary (GET / and /me/ answer the packaged files) and
#     takes the bootstrap admin token from a file, as the unit hands it over.
# Usage: packaging_test.sh SOURCE_DIR BUILD_DIR. Without dpkg-deb, dpkg-shlibdeps, lintian
# or a systemd-analyze with --offline it exits 77 (skipped), unless
# STAYAWAY_REQUIRE_PACKAGING=1 (scripts/test sets it; scripts/deps.sh,
# STAYAWAY_PACKAGING_PACKAGES, installs them).
set -euo pipefail
shopt -s extglob
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)

missing=()
for tool in dpkg-deb dpkg-shlibdeps dpkg-parsechangelog lintian systemd-analyze curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if command -v systemd-analyze >/dev/null &&
   ! systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
  missing+=("systemd-analyze with --offline (systemd 250 or newer)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]} (scripts/deps.sh, STAYAWAY_PACKAGING_PACKAGES)"
  [ "${STAYAWAY_REQUIRE_PACKAGING:-}" = 1 ] && { echo "FAIL: STAYAWAY_REQUIRE_PACKAGING=1"; exit 1; }
  exit 77
fi

tmp=$(mktemp -d)
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...: runs the command, reports a failure
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
# shellcheck disable=SC2053  # the second operand is a pattern
like() { [[ $1 == $2 ]]; }  # like TEXT GLOB
lacks() { ! grep -q -- "$2" <<<"$1"; }  # lacks TEXT PATTERN

# --- Build the package from this build's binaries.
"$source_dir/scripts/package" --build-dir "$build_dir" --no-build --out "$tmp/out" --no-lintian
version=$(sed -n 's/^project(stayaway VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
arch=$(dpkg --print-architecture)
debs=("$tmp"/out/stayaway_"$version"-*_"$arch".deb)
[ -f "${debs[0]}" ] || { echo "FAIL: no stayaway_${version}-*_$arch.deb in: $(ls "$tmp/out")"; exit 1; }
deb=${debs[0]}
echo "ok: built $(basename "$deb")"

# --- Contents: "MODE OWNER PATH" for every entry.
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}' >"$tmp/contents"
has() {  # has MODE PATH
  grep -qxF -- "$1 root/root ./$2" "$tmp/contents" || fail "the package lacks $1 root/root ./$2"
}
has -rwxr-xr-x usr/bin/stayawayd
has -rwxr-xr-x usr/bin/stayaway
has -rw-r--r-- lib/systemd/system/stayawayd.service
has -rw-r--r-- etc/stayaway/stayawayd.toml
has -rw-r--r-- usr/share/doc/stayaway/copyright
has -rw-r--r-- usr/share/doc/stayaway/changelog.Debian.gz
has -rw-r--r-- usr/share/doc/stayaway/README.md
has -rw-r--r-- usr/share/doc/stayaway/SECURITY.md
has -rw-r--r-- usr/share/doc/stayaway/examples/stayawayd.toml
has -rw-r--r-- usr/share/man/man8/stayawayd.8.gz
has -rw-r--r-- usr/share/man/man1/stayaway.1.gz
has -rw-r--r-- usr/share/lintian/overrides/stayaway
has drwxr-xr-x usr/share/stayaway/console/
while IFS= read -r file; do
  has -rw-r--r-- "usr/share/stayaway/console/$file"
done < <(cd "$source_dir/console" && find . -type f -printf '%P\n')
check "every entry is owned by root" \
  test -z "$(awk '$2 != "root/root"' "$tmp/contents")"
check "nothing is group- or world-writable, setuid or setgid" \
  test -z "$(awk '$1 ~ /^.....w|^........w|s|S/' "$tmp/contents")"
check "nothing outside /usr, /lib/systemd/system and /etc/stayaway" \
  test -z "$(awk '$3 !~ /^\.\/(usr\/|lib\/systemd\/system\/|lib\/$|lib\/systemd\/$|etc\/$|etc\/stayaway\/|$)/' "$tmp/contents")"

# --- Control area.
field() { dpkg-deb --field "$deb" "$1"; }
check "Package is stayaway" test "$(field Package)" = stayaway
check "Version $(field Version) is the project's $version with a Debian revision" \
  like "$(field Version)" "$version-[0-9]*"
check "the file is named after the package's version" \
  test "$(basename "$deb")" = "stayaway_$(field Version)_$arch.deb"
check "Architecture is $arch" test "$(field Architecture)" = "$arch"
check "Depends names libc6" like "$(field Depends)" "*libc6 (>=*"
check "Depends names adduser" like "$(field Depends)" "*adduser*"
# dpkg-shlibdeps finds the MQTT client library the daemon links (daemon/mqtt_bridge.h).
check "Depends names libmosquitto1" like "$(field Depends)" "*libmosquitto1*"
mkdir -p "$tmp/control"
dpkg-deb --control "$deb" "$tmp/control"
check "the configuration is a conffile" \
  grep -qxF /etc/stayaway/stayawayd.toml "$tmp/control/conffiles"
for script in postinst prerm postrm; do
  check "$script is executable" test -x "$tmp/control/$script"
done

# The postinst against stand-ins: each records its arguments; getent finds no stayaway
# user; deb-systemd-helper answers debian-installed and was-enabled as $INSTALLED and
# $ENABLED say. /run/systemd/system is left alone (the stand-ins cannot fake a directory).
stubs=$tmp/stubs
mkdir -p "$stubs"
for cmd in adduser mkdir chown chmod dpkg-statoverride systemctl deb-systemd-invoke \
           getent deb-systemd-helper; do
  cat >"$stubs/$cmd" <<EOF
#!/bin/sh
echo "$cmd \$*" >>"\$STUB_LOG"
case "$cmd \$1" in
  "getent "*|"dpkg-statoverride "*) exit 2 ;;
  "deb-systemd-helper debian-installed") exit \$INSTALLED ;;
  "deb-systemd-helper --quiet") exit \$ENABLED ;;
esac
exit 0
EOF
  chmod +x "$stubs/$cmd"
done
run_postinst() {  # run_postinst INSTALLED ENABLED ARGS...: the calls, one a line
  local installed=$1 enabled=$2
  shift 2
  : >"$tmp/calls"
  STUB_LOG=$tmp/calls INSTALLED=$installed ENABLED=$enabled PATH="$stubs:$PATH" \
    sh "$tmp/control/postinst" "$@"
  cat "$tmp/calls"
}
calls=$(run_postinst 1 0 configure "")
expect() {  # expect LINE: the postinst made this call
  grep -qxF -- "$1" <<<"$calls" || fail "postinst did not call: $1 (it called: $calls)"
}
expect "adduser --system --group --quiet --home /var/lib/stayaway --no-create-home --gecos stayaway monitoring daemon stayaway"
expect "mkdir -p /var/lib/stayaway"
expect "chown stayaway:stayaway /var/lib/stayaway"
expect "chmod 0700 /var/lib/stayaway"
expect "deb-systemd-helper update-state stayawayd.service"
check "a first install does not enable the service" \
  lacks "$calls" "deb-systemd-helper enable"
calls=$(run_postinst 0 0 configure "0.0.1-1")
expect "deb-systemd-helper enable stayawayd.service"
calls=$(run_postinst 0 1 configure "0.0.1-1")
check "an upgrade leaves a disabled service disabled" \
  lacks "$calls" "deb-systemd-helper enable"
echo "ok: postinst"

# --- lintian: no error, no warning.
if lintian --fail-on error,warning "$deb" >"$tmp/lintian" 2>&1; then
  echo "ok: lintian"
else
  fail "lintian:"
fi
grep -v 'running with root privileges' "$tmp/lintian" || true

# --- The unit's sandbox, as shipped.
mkdir -p "$tmp/root"
dpkg-deb --extract "$deb" "$tmp/root"
unit=$tmp/root/lib/systemd/system/stayawayd.service
cmp -s "$unit" "$source_dir/packaging/stayawayd.service" ||
  fail "the packaged unit differs from packaging/stayawayd.service"
security=$(cd "$tmp" && systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
overall=$(sed -n 's/.*Overall exposure level for stayawayd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' \
          <<<"$security")
echo "systemd-analyze security: ${overall:-no overall line}"
read -r exposure level <<<"${overall:-x x}"
# systemd's levels: 5.0 and above MEDIUM or worse, 1.0 to 4.9 OK, below that SAFE/PERFECT.
check "the unit's exposure $exposure is below 5.0 (OK)" \
  awk -v e="$exposure" 'BEGIN { exit !(e ~ /^[0-9.]+$/ && e + 0 < 5.0) }'
check "the unit's level $level is OK or better" like "$level" "@(OK|SAFE|PERFECT)"
check "the unit starts the packaged binary as the postinst's user" \
  grep -q '^ExecStart=/usr/bin/stayawayd .*--config /etc/stayaway/stayawayd.toml --data-dir /var/lib/stayaway' "$unit"
check "the unit runs as stayaway" grep -qx 'User=stayaway' "$unit"
# Every directive known to this systemd, nothing to warn about: verified with ExecStart on
# the extracted binary (verify wants it to exist).
mkdir -p "$tmp/verify"
sed "s|=/usr/bin/stayawayd |=$tmp/root/usr/bin/stayawayd |" "$unit" >"$tmp/verify/stayawayd.service"
verify=$(systemd-analyze verify "$tmp/verify/stayawayd.service" 2>&1) || fail "systemd-analyze verify failed"
check "systemd-analyze verify has nothing to say about the unit${verify:+: $verify}" test -z "$verify"

# --- The packaged binaries, from the extracted tree.
bin=$tmp/root/usr/bin
check "stayawayd --version says $version" like "$("$bin/stayawayd" --version)" "stayawayd $version *"
check "stayaway --version says $version" like "$("$bin/stayaway" --version)" "stayaway $version *"

token=packaging-test-token-0123456789abcdef
printf '%s\n' "$token" >"$tmp/admin.token"
chmod 0600 "$tmp/admin.token"
data=$tmp/data
"$bin/stayawayd" --config "$tmp/root/etc/stayaway/stayawayd.toml" --data-dir "$data" \
  --ingest-port 0 --http-port 0 --osmand-port 0 \
  --bootstrap-admin-token-file "$tmp/admin.token" 2>"$tmp/stayawayd.log" &
daemon_pid=$!
for _ in $(seq 200); do
  [ "$(grep -c _port= "$data/ports" 2>/dev/null)" = 3 ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.05
done
http_port=$(sed -n 's/^http_port=//p' "$data/ports" 2>/dev/null || true)
if [ -z "$http_port" ]; then
  fail "the packaged stayawayd did not start:"
  cat "$tmp/stayawayd.log"
else
  get() { curl -sS -o "$tmp/body" -w '%{http_code}' "$@"; }
  check "GET / is 200" test "$(get "http://127.0.0.1:$http_port/")" = 200
  check "GET / is the packaged console's index.html" \
    cmp -s "$tmp/body" "$tmp/root/usr/share/stayaway/console/index.html"
  check "GET /me/ is 200" test "$(get "http://127.0.0.1:$http_port/me/")" = 200
  check "GET /me/ is the packaged me/index.html" \
    cmp -s "$tmp/body" "$tmp/root/usr/share/stayaway/console/me/index.html"
  check "the bootstrap admin token from the file is accepted (GET /v1/whoami 200)" \
    test "$(get -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/v1/whoami")" = 200
  check "the data directory is owner-only" test "$(stat -c %a "$data")" = 700
  kill -TERM "$daemon_pid"
  status=0
  wait "$daemon_pid" || status=$?
  daemon_pid=""
  check "stayawayd stops cleanly on SIGTERM" test "$status" = 0
  check "stayawayd did not report the console missing" \
    lacks "$(cat "$tmp/stayawayd.log")" "console is not installed"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all packaging checks passed"
