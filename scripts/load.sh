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
PEAK=$(mktemp)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA" "$PEAK"' EXIT

"$KITE" serve --data-dir "$DATA" --addr "$ADDR" --log-level warn &
PID=$!
for _ in $(seq 100); do curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

bench() { echo "== kite bench $*"; "$KITE" bench --url "http://$ADDR" "$@"; echo; }

# Peak memory of the server over the whole run, sampled every 100 ms:
# RssAnon (heap, stacks, Bleve's buffers) apart from the mapped files, and
# the Go heap in use from /metrics.
(
	anon=0 rss=0 heap=0
	while kill -0 "$PID" 2>/dev/null; do
		a=$(awk '/RssAnon/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
		r=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
		h=$(curl -fsS "http://$ADDR/metrics" 2>/dev/null | awk '/^go_memstats_heap_inuse_bytes/ {printf "%d", $2/1024}')
		[ "${a:-0}" -gt "$anon" ] && anon=$a
		[ "${r:-0}" -gt "$rss" ] && rss=$r
		[ "${h:-0}" -gt "$heap" ] && heap=$h
		echo "$anon $rss $heap" >"$PEAK"
		sleep 0.1
	done
) &

bench -w new-failure -n "$SEED" -c 32
# Let the index catch up, then measure the data directory at SEED issues.
until curl -fsS "http://$ADDR/api/v1/search?namespace=bench-0&q=sort:-lastSeen&limit=1" >/dev/null 2>&1; do sleep 0.2; done
sleep 2
echo "after the fill: store $(du -m "$DATA/kite.db" | cut -f1) MB, index $(du -sm "$DATA/index.bleve" | cut -f1) MB, data directory $(du -sm "$DATA" | cut -f1) MB"
read -r anon rss heap <"$PEAK"
echo "peak during the fill: RssAnon $((anon / 1024)) MB, VmRSS $((rss / 1024)) MB, Go heap in use $((heap / 1024)) MB"; echo
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
# The search benchmark set (docs/benchmarks.md, "Planned search").
for q in "pipeline" "42" "registry.io/org/img-42:latest" "is:active severity:>=major" "sort:-lastSeen" "pipeline is:active severity:>=major"; do
	bench -w query --query "$q" -n "$NS" -c 1
	bench -w query --query "$q" -n "$NS" -c 8
done
grep -E "VmRSS|RssAnon|RssFile" /proc/$PID/status
read -r anon rss heap <"$PEAK"
echo "peak over the run: RssAnon $((anon / 1024)) MB, VmRSS $((rss / 1024)) MB, Go heap in use $((heap / 1024)) MB"
echo "store file after the run: $(du -h "$DATA/kite.db" | cut -f1)"
echo "index after the run: $(du -sh "$DATA/index.bleve" | cut -f1)"
kill "$PID"; wait "$PID" 2>/dev/null || true
echo "== kite reindex"
"$KITE" reindex --data-dir "$DATA"
