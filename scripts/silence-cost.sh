#!/usr/bin/env bash
# What active silences cost ingest: a fresh kite serve takes ROUNDS pairs
# of 20,000 dedupe webhooks (kite bench -w repeat-failure), first with no
# active silence, then with 100 over the bench namespaces (none matching,
# the common case; expired again after each round), and prints the
# server's CPU time for each run (from /proc, in clock ticks): CPU per
# request varies less between runs than throughput does.
set -euo pipefail
cd "$(dirname "$0")/.."

KITE=${KITE:-bin/kite}
ROUNDS=${ROUNDS:-4}
ADDR=${ADDR:-127.0.0.1:18098}
DATA=$(mktemp -d)
"$KITE" serve --data-dir "$DATA" --addr "$ADDR" --log-level error &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

cpu() { awk '{print $14+$15}' "/proc/$PID/stat"; }
run() {
	local c0
	c0=$(cpu)
	"$KITE" bench --url "http://$ADDR" -w repeat-failure -n 20000 -c 32 >/dev/null
	echo $(($(cpu) - c0))
}
namespaces='"bench-0","bench-1","bench-2","bench-3","bench-4","bench-5","bench-6","bench-7","bench-8","bench-9"'
silence() {
	for i in $(seq 100); do
		curl -fsS -o /dev/null -X POST "http://$ADDR/api/v1/silences" -H 'Content-Type: application/json' \
			-d "{\"namespaces\":[$namespaces],\"query\":\"reason:flaky$i-$1 scope:component-$i\",\"for\":\"2h\",\"comment\":\"cost run\"}"
	done
}
expire() {
	for id in $(curl -fsS "http://$ADDR/api/v1/silences?namespace=bench-0&state=active" | grep -o '"id":"[^"]*"' | cut -d'"' -f4); do
		curl -fsS -o /dev/null -X DELETE "http://$ADDR/api/v1/silences/$id"
	done
}

run >/dev/null # the first run creates the scopes
echo "server CPU ticks ($(getconf CLK_TCK)/s) for 20,000 webhooks"
for round in $(seq "$ROUNDS"); do
	none=$(run)
	silence "$round"
	some=$(run)
	expire
	echo "round $round: no silence $none, 100 silences $some"
done
