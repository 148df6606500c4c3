#!/usr/bin/env bash
# Peers side by side: starts throw-away Redis and PostgreSQL + PostGIS servers on loopback
# (temporary directories, non-default ports, no persistence for Redis, PostgreSQL's
# durable defaults), runs stayaway_peer_bench against each with the load arguments given
# after `--`, and stops them again. Installs what is missing (scripts/deps.sh, optional
# group), building stayaway_peer_bench in $BUILD_DIR (default build-release, Release).
#
#   scripts/peers.sh [--out FILE] [--only redis|postgis] -- --sweep 1000,2000 --duration 5 [--devices N] ...
#
# Prints {"redis": [reports], "postgis": [reports]} (the JSON of tools/loadgen/run_report.h)
# and writes it to FILE with --out. Ports: $REDIS_PORT (6390), $PG_PORT (5544).
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user that
# the Debian package creates.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

out=""
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: scripts/peers.sh [--out FILE] [--only redis|postgis] -- LOAD ARGS" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || set -- --rate 1000 --duration 5

stayaway_install_deps "${STAYAWAY_PEER_PACKAGES[@]}"
build_dir=${BUILD_DIR:-build-release}
if [ ! -f "$build_dir/build.ninja" ]; then
  # -O2: see scripts/bench_e2e (GCC 12's false -Wrestrict warnings at -O3).
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTAYAWAY_BUILD_TESTS=OFF \
    -DSTAYAWAY_BUILD_BENCH=OFF "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
fi
cmake --build "$build_dir" --target stayaway_peer_bench >&2
bench="$build_dir/bench/peers/stayaway_peer_bench"

redis_port=${REDIS_PORT:-6390}
pg_port=${PG_PORT:-5544}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
tmp=$(mktemp -d /tmp/stayaway-peers.XXXXXX)
chmod 755 "$tmp"

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

redis_started=""
pg_started=""
cleanup() {
  if [ -n "$redis_started" ]; then redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; fi
  if [ -n "$pg_started" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

results_redis="[]"
results_pg="[]"
if [ -z "$only" ] || [ "$only" = redis ]; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$tmp" --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log"
  redis_started=1
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$redis_port" >&2
  results_redis=$("$bench" --store redis --redis "127.0.0.1:$redis_port" "$@")
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  redis_started=""
fi
if [ -z "$only" ] || [ "$only" = postgis ]; then
  mkdir -p "$tmp/pg"
  [ ${#as_pg[@]} -gt 0 ] && chown postgres "$tmp/pg"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$tmp/pg" -A trust -U postgres >"$tmp/initdb.log" 2>&1
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/server.log" -w \
    -o "-p $pg_port -k $tmp/pg -c listen_addresses=127.0.0.1" start >/dev/null
  pg_started=1
  echo "== PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') + PostGIS on 127.0.0.1:$pg_port" >&2
  results_pg=$("$bench" --store postgis \
    --postgres "host=127.0.0.1 port=$pg_port user=postgres dbname=postgres" "$@")
fi

json=$(python3 -c 'import json, sys
def load(text):
    v = json.loads(text)
    return v if isinstance(v, list) else [v]
print(json.dumps({"redis": load(sys.argv[1]), "postgis": load(sys.argv[2])}, indent=1))' \
  "$results_redis" "$results_pg")
[ -n "$out" ] && printf '%s\n' "$json" >"$out"
printf '%s\n' "$json"
