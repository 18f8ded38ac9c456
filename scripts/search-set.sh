#!/usr/bin/env bash
# The search benchmark set (docs/benchmarks.md, "Planned search"): each
# query of the set against a filled data directory, at concurrency 1 and 8,
# with every build in BUILDS served in turn for ROUNDS rounds.
#
#   DATA=/tmp/k100 BUILDS="/tmp/kite-before bin/kite" scripts/search-set.sh
#
# DATA must hold the bench namespaces (bench-0 ...), as make load, make
# battery or compare.sh fill them. Everything stays on 127.0.0.1.
set -euo pipefail

DATA=${DATA:?a data directory filled by kite bench -w new-failure}
BUILDS=${BUILDS:-bin/kite}
N=${N:-2000}
ROUNDS=${ROUNDS:-1}
CONCURRENCY=${CONCURRENCY:-1 8}
ADDR=${ADDR:-127.0.0.1:18092}
BENCH=${BENCH:-bin/kite}
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null' EXIT

# The set: a word in every issue of a namespace ("Pipeline run failed"),
# a word in about 1% of them, an identifier, filters only, and the
# newest-seen order; then the bench's usual word plus filters.
QUERIES=(
	"pipeline"
	"42"
	"registry.io/org/img-42:latest"
	"is:active severity:>=major"
	"sort:-lastSeen"
	"pipeline is:active severity:>=major"
)

serve() {
	"$1" serve --data-dir "$DATA" --addr "$ADDR" --log-level warn &
	PID=$!
	for _ in $(seq 600); do
		# Ready, and the index caught up (a search answers).
		curl -fsS "http://$ADDR/api/v1/search?namespace=bench-0&q=pipeline&limit=1" >/dev/null 2>&1 && return
		sleep 0.1
	done
	echo "$1 did not become ready" >&2
	exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

for round in $(seq "$ROUNDS"); do
	for build in $BUILDS; do
		serve "$build"
		for q in "${QUERIES[@]}"; do
			for c in $CONCURRENCY; do
				echo "== $build round $round c=$c q=$q"
				"$BENCH" bench --url "http://$ADDR" -w query --query "$q" -n "$N" -c "$c" | grep -E "throughput|latency"
			done
		done
		grep -E "VmRSS|RssAnon" "/proc/$PID/status"
		stop
	done
done
