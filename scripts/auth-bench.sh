#!/usr/bin/env bash
# What authentication and authorization add to a request, end to end: an
# etcd and a kube-apiserver (envtest's binaries, RBAC on) on loopback, a
# service account bound to kite-issues-view and kite-issues-edit, and
# kite serve over one data directory with --auth=none and
# --auth=kubernetes in turn, ROUNDS times. kite bench sends each workload
# one request at a time with the account's token (which --auth=none
# ignores), so the p50 difference is what the cached authentication and
# authorization path costs a request. Then STREAM_CLIENTS event stream
# clients follow a new-failure run (STREAM_N writes at concurrency 8),
# whose events an authenticated server authorizes one by one.
#
#   make build && scripts/auth-bench.sh
#
# KUBEBUILDER_ASSETS names the directory of etcd and kube-apiserver
# (default: what scripts/envtest.sh builds). Rate limits are off on both
# servers: the budgets are not what is measured. Everything stays on
# 127.0.0.1.
set -euo pipefail

KITE=${KITE:-bin/kite}
ASSETS=${KUBEBUILDER_ASSETS:-$(scripts/envtest.sh)}
SEED=${SEED:-2000}
N=${N:-20000}
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-get list}
STREAM_CLIENTS=${STREAM_CLIENTS:-10}
STREAM_N=${STREAM_N:-2000}
ETCD_PORT=${ETCD_PORT:-18379}
API_PORT=${API_PORT:-18443}
ADDR=${ADDR:-127.0.0.1:18092}
WORK=$(mktemp -d)
PIDS=()
KITE_PID=
cleanup() {
	[ -n "$KITE_PID" ] && kill "$KITE_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "auth-bench: $*" >&2; }

# The cluster: the service-account signing key and an admin token are
# ours, so that tokens can be minted and Kite can make its reviews.
openssl genrsa -out "$WORK/sa.key" 2048 2>/dev/null
openssl rsa -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub" 2>/dev/null
ADMIN=$(openssl rand -hex 16)
echo "$ADMIN,admin,admin,system:masters" >"$WORK/tokens.csv"
"$ASSETS/etcd" --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
	--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
	--initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
	--initial-cluster "default=http://127.0.0.1:$((ETCD_PORT + 1))" >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
"$ASSETS/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address 127.0.0.1 \
	--secure-port "$API_PORT" --cert-dir "$WORK/certs" --service-cluster-ip-range 10.0.0.0/24 \
	--authorization-mode RBAC --token-auth-file "$WORK/tokens.csv" \
	--service-account-issuer "https://127.0.0.1:$API_PORT" --service-account-key-file "$WORK/sa.pub" \
	--service-account-signing-key-file "$WORK/sa.key" --disable-admission-plugins ServiceAccount >"$WORK/apiserver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do
	curl -ksf -H "Authorization: Bearer $ADMIN" "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -ksf -H "Authorization: Bearer $ADMIN" "https://127.0.0.1:$API_PORT/readyz" >/dev/null || {
	tail -20 "$WORK/apiserver.log" >&2
	exit 1
}
export KUBECONFIG=$WORK/kubeconfig
kubectl config set-cluster envtest --server "https://127.0.0.1:$API_PORT" --insecure-skip-tls-verify=true >/dev/null
kubectl config set-credentials admin --token "$ADMIN" >/dev/null
kubectl config set-context envtest --cluster envtest --user admin >/dev/null
kubectl config use-context envtest >/dev/null
kubectl apply -f deploy/base/rbac-access.yaml >/dev/null
kubectl create namespace kite-bench >/dev/null
kubectl create serviceaccount bench -n kite-bench >/dev/null
for role in kite-issues-view kite-issues-edit; do
	kubectl create clusterrolebinding "bench-$role" --clusterrole "$role" --serviceaccount kite-bench:bench >/dev/null
done
TOKEN=$(kubectl create token bench -n kite-bench --duration 2h)
log "cluster up at 127.0.0.1:$API_PORT; $("$KITE" version 2>/dev/null | head -1)"

# serve MODE: kite serve with --auth=MODE on the one data directory.
serve() {
	local args=(serve --data-dir "$WORK/data" --addr "$ADDR" --log-level warn --watch off --auth "$1"
		--reads-per-second 0 --writes-per-second 0 --metrics-open)
	[ "$1" = kubernetes ] && args+=(--kubeconfig "$KUBECONFIG")
	"$KITE" "${args[@]}" &
	KITE_PID=$!
	for _ in $(seq 300); do curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
	log "kite serve --auth=$1 did not become ready"
	exit 1
}
stop() { kill "$KITE_PID"; wait "$KITE_PID" 2>/dev/null || true; KITE_PID=; }

serve kubernetes
"$KITE" bench --url "http://$ADDR" --token "$TOKEN" -w new-failure -n "$SEED" -c 8 | grep -E "requests|throughput"
stop
for round in $(seq "$ROUNDS"); do
	for mode in none kubernetes; do
		serve "$mode"
		for w in $WORKLOADS; do
			echo "== round $round --auth=$mode $w c=1"
			"$KITE" bench --url "http://$ADDR" --token "$TOKEN" -w "$w" -n "$N" -c 1 | grep -E "requests|latency"
		done
		if [ "$STREAM_CLIENTS" -gt 0 ]; then
			echo "== round $round --auth=$mode new-failure c=8, $STREAM_CLIENTS stream clients"
			"$KITE" bench --url "http://$ADDR" --token "$TOKEN" -w new-failure -n "$STREAM_N" -c 8 \
				--stream-clients "$STREAM_CLIENTS" | grep -E "throughput|latency|stream|delivery"
		fi
		stop
	done
done
