#!/usr/bin/env bash
# Abuse battery: a kite serve with SEED issues (filled through its webhooks
# unless DATA already holds them) gets requests built to be expensive,
# alone and several at once, and a client that leaves mid-search. The
# harness, not the tests, holds the bounds: no answer may be a 500, no
# request may cost more than CPU_BOUND CPU-seconds of the server, and its
# anonymous memory may never pass ANON_BOUND_MB (the pod's limit is 1 Gi).
# It prints one line per case and exits 1 when any bound is broken.
#
#   make battery                       # fresh data directory, 100,000 issues
#   DATA=/tmp/k100 make battery        # reuse a filled one (kept)
set -euo pipefail
cd "$(dirname "$0")/.."

KITE=${KITE:-bin/kite}
SEED=${SEED:-100000}
ADDR=${ADDR:-127.0.0.1:18095}
CPU_BOUND=${CPU_BOUND:-1.5}
ANON_BOUND_MB=${ANON_BOUND_MB:-768}
KEEP=${DATA:+1}
DATA=${DATA:-$(mktemp -d)}
BASE="http://$ADDR"
TICK=$(getconf CLK_TCK)

cleanup() {
	kill "${SAMPLER:-}" "${PID:-}" 2>/dev/null || true
	wait 2>/dev/null || true
	[ -n "$KEEP" ] || rm -rf "$DATA"
}
trap cleanup EXIT

GOMEMLIMIT=1GiB "$KITE" serve --data-dir "$DATA" --addr "$ADDR" --log-level error &
PID=$!
for _ in $(seq 300); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
have=$(curl -fsS "$BASE/api/v1/issues?namespace=bench-3&limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/')
if [ "$have" -eq 0 ]; then
	"$KITE" bench --url "$BASE" -w new-failure -n "$SEED" -c 32 | grep -E "requests|throughput"
fi
# The index may be (re)building (a new mapping): the cases need it ready.
for _ in $(seq 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/search?namespace=bench-3&limit=1")" = 200 ] && break
	sleep 0.5
done
# The bench's runs name their pipelines bench-<run>-<i>: a prefix of one
# run's identifiers matches thousands of index terms.
P=$(curl -fsS "$BASE/api/v1/issues?namespace=bench-3&limit=1" | grep -o '"resourceName":"bench-[a-z0-9]*-' | head -1 | cut -d'"' -f4)

# Anonymous memory, sampled every 50 ms for the whole run.
PEAK=$(mktemp)
echo 0 >"$PEAK"
(
	peak=0
	while kill -0 "$PID" 2>/dev/null; do
		kb=$(awk '/RssAnon/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
		if [ "${kb:-0}" -gt "$peak" ]; then peak=$kb; echo "$peak" >"$PEAK"; fi
		sleep 0.05
	done
) &
SAMPLER=$!

cpu() { awk -v t="$TICK" '{printf "%.2f", ($14+$15)/t}' "/proc/$PID/stat"; }
# calc EXPR: floating-point arithmetic and comparisons (1 or 0), with awk.
calc() { awk "BEGIN { v = $1; if (v == v + 0) printf \"%.2f\", v; else print v }"; }
rep() { local s=""; for _ in $(seq "$2"); do s+="$1 "; done; echo "$s"; }
# 32 different words that each match every issue (a word given twice is
# looked up once).
WORDS="pipeline run failed bench the with reason tests pkg orders testcheckout testrefund Pipeline Run Failed Bench The With Reason Tests Pkg Orders TestCheckout TestRefund pipelines runs failing benches reasons test orders"
ALLNS="namespace=$(seq -s, -f bench-%g 0 9)"
stopped() { curl -fsS "$BASE/metrics" | awk -v r="$1" -F' ' '$1 == "kite_searches_stopped_total{reason=\""r"\"}" {print $2}'; }

FAILED=0
# run NAME N PATH [curl --data-urlencode args...]: N copies at once; every
# status must be below 500 or a 503/507, the CPU of all N within N bounds.
run() {
	local name=$1 n=$2 path=$3; shift 3
	local args=() a
	for a in "$@"; do args+=(--data-urlencode "$a"); done
	local c0 t0 codes
	c0=$(cpu); t0=$(date +%s.%N)
	codes=$(for _ in $(seq "$n"); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -G "$BASE$path" "${args[@]}" &
	done; wait)
	local used wall bad=""
	used=$(calc "$(cpu) - $c0"); wall=$(calc "$(date +%s.%N) - $t0")
	for c in $codes; do
		if [ "$c" -ge 500 ] && [ "$c" != 503 ] && [ "$c" != 507 ]; then bad="status $c"; fi
	done
	if [ "$(calc "$used > $CPU_BOUND * $n")" = 1.00 ]; then bad="${bad:+$bad, }cpu ${used}s over $CPU_BOUND x $n"; fi
	printf '%-44s x%-2s %-16s cpu %6.2fs  wall %6.2fs  %s\n' "$name" "$n" "$(echo $codes | tr ' ' ',' | cut -c1-16)" "$used" "$wall" "${bad:-ok}"
	[ -z "$bad" ] || FAILED=1
}

L=/api/v1/issues
S=/api/v1/search
NS=namespace=bench-3
echo "== $SEED issues; bounds: $CPU_BOUND CPU-s a request, ${ANON_BOUND_MB} MB anonymous memory"
run "list search=???"                          4 $L $NS "search=???"
run "list search=* and %"                      2 $L $NS "search=* % _"
run "list search= 20 common words"             2 $L $NS "search=$(echo $WORDS | cut -d' ' -f1-20)"
run "list search= 21 words (400)"              1 $L $NS "search=$(rep run 21)"
run "list search= one 256-byte word"           2 $L $NS "search=$(head -c 256 /dev/zero | tr '\0' a)"
run "list search= 100 KB word (400)"           1 $L $NS "search=$(head -c 100000 /dev/zero | tr '\0' a)"
run "list search= identifier prefix"           4 $L $NS "search=$P"
run "list search= 20 identifier prefixes"      2 $L $NS "search=$(for i in $(seq 20); do printf '%s%s ' "$P" "$i"; done)"
run "list offset=2^63-1 with search (400)"     1 $L $NS "search=bench" "offset=9223372036854775807"
run "list offset=1,000,000 with search"        2 $L $NS "search=bench" "offset=1000000"
run "list 1000-issue pages"                    8 $L $NS "limit=1000"
run "q= 16 x -lastSeen:<1s"                    4 $S $NS "q=$(rep '-lastSeen:<1s' 16)"
run "q= 290 x -lastSeen:<1s (400)"             1 $S $NS "q=$(rep '-lastSeen:<1s' 290)"
run "q= 16 x lastSeen:>99999d"                 4 $S $NS "q=$(rep 'lastSeen:>99999d' 16)"
run "q= lastSeen:2000-01-01..9999-12-31"       2 $S $NS "q=lastSeen:2000-01-01..9999-12-31"
run "q= identifier prefix (400 too broad)"     4 $S $NS "q=$P"
run "q= 32 common words"                       2 $S $NS "q=$WORDS"
run "q= 32 common words, 10 namespaces"        2 $S "$ALLNS" "q=$WORDS"
run "q= 32 word starts"                        2 $S $NS "q=pip Pip pIp piP PIp pIP PiP PIP fai Fai fAi faI FAi fAI FaI FAI ben Ben bEn beN BEn bEN BeN BEN rea Rea rEa reA REa rEA ReA REA"
run "q= 32 phrases"                            2 $S $NS "q=$(rep '"pipeline run"' 16)"
run "q= 5 sort keys (400)"                     1 $S $NS "q=$(rep sort:lastSeen 5)"
run "q= facets over every namespace"           4 $S "namespace=$(seq -s, -f bench-%g 0 9)" "facets=severity,issueType,namespace,state" "limit=1000"

# A client that leaves mid-search: the search stops with it (counted as
# cancelled), and the server spends little after the client's 0.05 s.
before=$(stopped cancelled)
c0=$(cpu)
curl -s -o /dev/null --max-time 0.05 -G "$BASE$S" --data-urlencode "$ALLNS" --data-urlencode "q=$WORDS" || true
sleep 2
used=$(calc "$(cpu) - $c0")
verdict=ok
if [ "$(calc "$used > $CPU_BOUND")" = 1.00 ] || [ "$(stopped cancelled)" = "$before" ]; then verdict="kept running after its client left"; FAILED=1; fi
printf '%-44s     %-16s cpu %6.2fs  stopped: cancelled %s -> %s  %s\n' "client leaves a search after 0.05 s" "-" "$used" "$before" "$(stopped cancelled)" "$verdict"

METRICS=$(curl -fsS "$BASE/metrics")
grep -E '^kite_http_panics_total|^kite_searches_stopped_total|^kite_http_requests_total.*code="5' <<<"$METRICS" || true
peak_mb=$(( $(cat "$PEAK") / 1024 ))
verdict=ok
if [ "$peak_mb" -gt "$ANON_BOUND_MB" ]; then verdict="over ${ANON_BOUND_MB} MB"; FAILED=1; fi
echo "peak anonymous memory: ${peak_mb} MB ($verdict)"
grep -q '^kite_http_panics_total 0' <<<"$METRICS" || { echo "a request panicked"; FAILED=1; }
if grep -E '^kite_http_requests_total.*code="5' <<<"$METRICS" | grep -vE 'code="50[37]"' | grep -q .; then echo "a request answered 5xx"; FAILED=1; fi
kill -0 "$PID" || { echo "kite serve died"; FAILED=1; }
exit $FAILED
