#!/usr/bin/env bash
# Load run for docs/benchmarks.md: start a fresh kite serve, fill it with
# SEED issues through the webhook API, then run each kite bench workload
# against the filled store. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

KITE=${KITE:-bin/kite}
SEED=${SEED:-100000}
N=${N:-20000}
NS=${NS:-2000} # searches per search run
ADDR=${ADDR:-127.0.0.1:18090}
DATA=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT

"$KITE" serve --data-dir "$DATA" --addr "$ADDR" --log-level warn &
PID=$!
for _ in $(seq 100); do curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

bench() { echo "== kite bench $*"; "$KITE" bench --url "http://$ADDR" "$@"; echo; }

bench -w new-failure -n "$SEED" -c 32
echo "store file: $(du -h "$DATA/kite.db" | cut -f1)"; echo
bench -w new-failure -n "$N" -c 32
bench -w repeat-failure -n "$N" -c 32
bench -w success -n "$N" -c 32
bench -w list -n "$N" -c 1
bench -w list -n "$N" -c 8
bench -w get -n "$N" -c 1
bench -w get -n "$N" -c 8
bench -w search -n "$NS" -c 1
bench -w search -n "$NS" -c 8
bench -w facets -n "$NS" -c 1
bench -w list-search -n "$NS" -c 1
bench -w list-short -n "$NS" -c 1
bench -w list-short -n "$NS" -c 8
grep -E "VmRSS|RssAnon|RssFile" /proc/$PID/status
echo "store file after the run: $(du -h "$DATA/kite.db" | cut -f1)"
echo "index after the run: $(du -sh "$DATA/index.bleve" | cut -f1)"
kill "$PID"; wait "$PID" 2>/dev/null || true
echo "== kite reindex"
"$KITE" reindex --data-dir "$DATA"
