# Sourced by scripts/test and scripts/demo: installs the Debian packages stayaway builds
# with, when any is missing. Uses sudo when not root.
STAYAWAY_PACKAGES=(
  cmake g++ ninja-build ccache lld pkg-config
  libboost-dev libgeos-dev libgeographiclib-dev libhowardhinnant-date-dev tzdata
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libcli11-dev libsodium-dev libssl-dev zlib1g-dev openssl curl
  libmosquitto-dev mosquitto
  librdkafka-dev
)

stayaway_install_deps() {
  local missing=()
  local pkg
  for pkg in "${STAYAWAY_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Optional group for the peer benchmarks (scripts/peers.sh, scripts/bench_e2e): the Redis
# and PostgreSQL client libraries and throw-away servers. scripts/test does not need them;
# without the libraries CMake skips stayaway_peer_bench with a message.
STAYAWAY_PEER_PACKAGES=(
  libhiredis-dev libpq-dev redis-server postgresql postgresql-15-postgis-3 python3
)

# The console's browser test (tests/browser, ctest console_browser_test): Debian's chromium
# driven by npm playwright-core, pinned by tests/browser/package-lock.json.
# Node and npm come from Debian's nodejs and npm unless a node with npm is already there
# (another packaging of nodejs bundles npm and conflicts with Debian's).
STAYAWAY_BROWSER_PACKAGES=(chromium)

stayaway_install_browser_test_deps() {
  if command -v node >/dev/null && command -v npm >/dev/null; then
    stayaway_install_deps "${STAYAWAY_BROWSER_PACKAGES[@]}"
  else
    stayaway_install_deps "${STAYAWAY_BROWSER_PACKAGES[@]}" nodejs npm
  fi
  local dir=tests/browser
  # npm writes node_modules/.package-lock.json: older than the lock file means stale.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing the browser test's npm packages (npm ci in $dir)"
    npm ci --prefix "$dir" --no-audit --no-fund
  fi
}

# The OpenAPI document's test (tests/openapi, ctest openapi_test): yaml, ajv and an OpenAPI
# schema validator, pinned by tests/openapi/package-lock.json; node and npm as for the
# browser test (call stayaway_install_browser_test_deps first).
stayaway_install_openapi_test_deps() {
  local dir=tests/openapi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing the OpenAPI test's npm packages (npm ci in $dir)"
    npm ci --prefix "$dir" --no-audit --no-fund
  fi
}

# The Debian package (scripts/package) and its test (tests/packaging_test.sh, ctest
# packaging_test): dpkg-deb, dpkg-shlibdeps and dpkg-parsechangelog (dpkg-dev), lintian,
# and systemd-analyze (systemd) to rate the unit's sandbox. scripts/test installs them.
STAYAWAY_PACKAGING_PACKAGES=(dpkg-dev lintian systemd)
