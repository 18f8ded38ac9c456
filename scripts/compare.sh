#!/usr/bin/env bash
# Back-to-back comparison of two builds of kite on the same data: fill one
# data directory with SEED issues, then serve it with each build in turn,
# ROUNDS times, and run each workload at each concurrency against it.
#
#   OLD=/tmp/kite-old NEW=bin/kite WORKLOADS="list-short" scripts/compare.sh
#
# DATA=DIR serves a data directory filled before (kept) instead.
#
# The bench client is NEW's; both builds must read the data directory's
# schema. Everything stays on 127.0.0.1.
set -euo pipefail

OLD=${OLD:?path of the build before the change}
NEW=${NEW:-bin/kite}
SEED=${SEED:-100000}
N=${N:-1000}
ROUNDS=${ROUNDS:-2}
WORKLOADS=${WORKLOADS:-list-short}
CONCURRENCY=${CONCURRENCY:-1 8}
ADDR=${ADDR:-127.0.0.1:18091}
KEEP=${DATA:+1}
DATA=${DATA:-$(mktemp -d)}
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$DATA"' EXIT

serve() {
	"$1" serve --data-dir "$DATA" --addr "$ADDR" --log-level warn &
	PID=$!
	for _ in $(seq 300); do curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "$1 did not become ready" >&2
	exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

if [ -z "$KEEP" ]; then
	serve "$NEW"
	"$NEW" bench --url "http://$ADDR" -w new-failure -n "$SEED" -c 32 | grep throughput
	stop
fi
for round in $(seq "$ROUNDS"); do
	for build in "$OLD" "$NEW"; do
		serve "$build"
		for w in $WORKLOADS; do
			for c in $CONCURRENCY; do
				echo "== $build round $round $w c=$c"
				"$NEW" bench --url "http://$ADDR" -w "$w" -n "$N" -c "$c" | grep -E "throughput|latency"
			done
		done
		grep -E "VmRSS|RssAnon" "/proc/$PID/status"
		stop
	done
done
