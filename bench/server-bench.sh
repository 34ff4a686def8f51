#!/usr/bin/env bash
# Load benchmark of tailor-sync on 127.0.0.1 with wrk (loopback only, bounded
# in time), against one server on a fresh SQLite file:
#   hello           GET /hello: the ceiling of the HTTP layer (RESTinio + routing)
#   ingest          POST /v1/events, batches of BATCH events, group commit
#   profiles        GET /v1/profiles/{uid}?limit=100 over the shoppers just written
# each first saturated (closed loop: every connection sends its next request as
# soon as the last is answered, so latency = connections / throughput), then
# hello and ingest paced (each connection waits PACE_MS between requests, as
# browsers do: offered load = CONNECTIONS / PACE_MS requests per second), and
# ingest-jitter, paced with think times drawn from [PACE_MS/2, 3·PACE_MS/2]
# (same offered load; shoppers' browsers flush independently, whereas one
# fixed think time keeps the connections one group commit answered in step).
# Usage: bench/server-bench.sh [DURATION_S] [CONNECTIONS]   (defaults 60, 1000)
# Env: BATCH (20), UIDS (10000), PACE_MS (380: 2,630 req/s = 52,600 events/s
#      offered at 1,000 connections, so that at least 50,000 are answered when
#      each request also takes its latency), DB (a temp SQLite file; or postgres://...),
#      SERVER_THREADS (2), WRK_THREADS (2), BIN (build/native/tailor-sync),
#      SERVER_ARGS (more tailor-sync flags, e.g. "--sqlite-synchronous normal"),
#      RUNS (all six: "hello ingest profiles hello-paced ingest-paced ingest-jitter"),
#      SHAPE (mixed: each batch spreads over BATCH shoppers, as a store backend
#      forwarding many shoppers would send; shopper: each batch is one shopper's,
#      as the browser SDK sends with its per-shopper token).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60}
CONNS=${2:-1000}
BATCH=${BATCH:-20}
UIDS=${UIDS:-10000}
BIN=${BIN:-build/native/tailor-sync}
RUNS=" ${RUNS:-hello ingest profiles hello-paced ingest-paced ingest-jitter} "
export SHAPE=${SHAPE:-mixed}
export BENCH_DIR=$PWD/bench
[[ -x $BIN ]] || { echo "build first: TAILOR_JOBS=1 scripts/build.sh native" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/tailor-bench-XXXX)
DB=${DB:-$work/bench.db}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KEY="bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
URL=http://127.0.0.1:$PORT
$BIN --db "$DB" --port "$PORT" --admin-key "$KEY" --threads "${SERVER_THREADS:-2}" \
  --access-log off --rate-ip 0 --rate-key 0 --max-connections 20000 ${SERVER_ARGS:-} 2>"$work/server.log" &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '"listening"' "$work/server.log" && break; sleep 0.1; done
grep -q '"listening"' "$work/server.log" || { cat "$work/server.log"; exit 1; }

# Peak and current resident memory; RssFile is the memory-mapped database.
rss() { awk '/VmHWM|RssAnon|RssFile/ {printf "%s %s MiB  ", $1, int($2/1024)}' "/proc/$PID/status"; }
accepted() { curl -s "$URL/metrics" | awk '/^tailor_events_total\{outcome="accepted"\}/ {print $2}'; }

# Correctness first: a batch goes in and comes back out of the profile.
curl -sf -XPOST "$URL/v1/events" -H "Authorization: Bearer $KEY" \
  -d '[{"id":"check-1","type":"view","ts":1,"uid":"check","item_id":"a"}]' | grep -q '"accepted":1'
curl -sf "$URL/v1/profiles/check" -H "Authorization: Bearer $KEY" | grep -q '"id":"check-1"'
curl -sf "$URL/hello" | grep -q hello

echo "tailor-sync $(git rev-parse --short HEAD) | $(wrk -v 2>&1 | head -1) | $(nproc) cores | $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "storage: ${DB%%\?*}  server threads: ${SERVER_THREADS:-2}  wrk threads: ${WRK_THREADS:-2}  batch: $BATCH ($SHAPE)"
run() {  # name, then wrk args
  local name=$1; shift
  wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d5s --timeout 5s "$@" >/dev/null 2>&1 || true   # warm-up
  local out
  out=$(wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${DURATION}s" --timeout 5s "$@" 2>&1)
  echo "$name $(grep '^RESULT' <<<"$out" | sed 's/^RESULT //')  $(rss)"
}
ingest() {  # name; checks that every 2xx request stored BATCH new events
  local before after out reqs
  before=$(accepted)
  out=$(run "$1" -s bench/server-events.lua "$URL" -- "$KEY" "$UIDS" "$1$$" "$BATCH")
  after=$(accepted)
  echo "$out"
  reqs=$(sed 's/.*"requests":\([0-9]*\).*/\1/' <<<"$out")
  echo "  $1: $((after - before)) events accepted (warm-up + timed run);" \
    "timed: $reqs requests x $BATCH = $((reqs * BATCH)) events," \
    "$(python3 -c "import json,sys; r=json.loads(sys.argv[1].split(' ',1)[1].split('  ')[0]); print(round(r['rps']*$BATCH), 'events/s')" "$out")"
}
wanted() { [[ $RUNS == *" $1 "* ]]; }
wanted hello && run hello -s bench/server-hello.lua "$URL"
wanted ingest && ingest ingest
wanted profiles && run profiles -s bench/server-profiles.lua "$URL" -- "$KEY" "$UIDS" 100
export DELAY_MS=${PACE_MS:-380}
echo "paced: each connection waits ${DELAY_MS} ms between requests (jitter: ${DELAY_MS}/2 to 3·${DELAY_MS}/2)"
wanted hello-paced && run hello-paced -s bench/server-hello.lua "$URL"
wanted ingest-paced && ingest ingest-paced
export PACE=jitter
wanted ingest-jitter && ingest ingest-jitter
unset DELAY_MS PACE
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "$URL/metrics" | grep -E "^tailor_(commits_total|committed_events_total|commit_seconds_total|storage_bytes|storage_events|checkpoint_duration_seconds_(sum|count)|ingest_queue_wait_seconds_sum) "
# The server's own view of ingest latency (from request parsed to response queued).
curl -s "$URL/metrics" | grep -E '^(tailor_http_request_duration_seconds_bucket\{route="events"|tailor_commit_duration_seconds_bucket|tailor_ingest_queue_wait_seconds_bucket|tailor_checkpoint_duration_seconds_bucket)' | sed 's/^tailor_//; s/_seconds_bucket//' | tr '\n' ' '; echo
