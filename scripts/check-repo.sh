#!/usr/bin/env bash
# Repository checks that make lint runs beside the linters:
#  - no tracked file over 1 MB and no tracked executable binary (a root
#    `go build ./cmd/kite` leaves an 80 MB kite there, which once slipped in
#    and then travelled in every clone and image);
#  - one Kubernetes minor version across the k8s.io modules in the build
#    (client-go, api, apimachinery and the rest are released together and
#    are not supported mixed).
# Prints every problem it finds and exits 1 if there was one.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
MAX_BYTES=${MAX_BYTES:-1048576}
fail=0

while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted in the work tree
	size=$(stat -c %s "$f")
	if [ "$size" -gt "$MAX_BYTES" ]; then
		echo "tracked file over $MAX_BYTES bytes: $f ($size bytes)" >&2
		fail=1
	fi
	# ELF, Mach-O, PE and wasm binaries by their first bytes.
	magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46 | cffaedfe | cefaedfe | feedface | feedfacf | 4d5a* | 0061736d)
		echo "tracked executable binary: $f" >&2
		fail=1
		;;
	esac
done < <(git ls-files -z)

# Modules released in step with Kubernetes: k8s.io/{api,apimachinery,
# client-go,apiserver,component-base,...} at v0.MINOR.PATCH. klog, utils and
# kube-openapi have versions of their own.
minors=$("$GO" list -m -f '{{.Path}} {{.Version}}' all |
	awk '$1 ~ /^k8s\.io\// && $1 !~ /^k8s\.io\/(klog|utils|kube-openapi)/ && $2 ~ /^v0\.[0-9]+\./ {split($2, v, "."); print v[2], $1}' |
	sort -u)
if [ "$(cut -d' ' -f1 <<<"$minors" | sort -u | wc -l)" -gt 1 ]; then
	echo "k8s.io modules at more than one minor version (v0.MINOR module):" >&2
	sed 's/^/  /' <<<"$minors" >&2
	fail=1
fi
exit "$fail"
