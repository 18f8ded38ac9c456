#!/usr/bin/env bash
# Builds the binaries the watcher's integration tests run (etcd and
# kube-apiserver, as envtest expects them) from the Go module proxy into a
# cache directory outside the clone, once; later runs reuse them. Prints
# the directory to point KUBEBUILDER_ASSETS at.
#
#   KUBEBUILDER_ASSETS=$(scripts/envtest.sh) go test ./watch/
set -euo pipefail

ETCD_VERSION=v3.6.16
KUBE_VERSION=v1.35.4
STAGING_VERSION=v0.35.4
DIR=${KITE_ENVTEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kite/envtest/$KUBE_VERSION}
mkdir -p "$DIR"

log() { echo "envtest: $*" >&2; }

# quiet runs a command, showing its output only when it fails.
quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out" >&2
		return 1
	fi
}

if [ ! -x "$DIR/etcd" ]; then
	log "building etcd $ETCD_VERSION into $DIR (a few minutes, once)"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(
		cd "$work"
		quiet go mod init envtest-etcd
		quiet go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
		CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$DIR/etcd.tmp" go.etcd.io/etcd/server/v3
	)
	mv "$DIR/etcd.tmp" "$DIR/etcd"
	rm -rf "$work"
	trap - EXIT
fi

if [ ! -x "$DIR/kube-apiserver" ]; then
	log "building kube-apiserver $KUBE_VERSION into $DIR (a few minutes, once)"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(
		cd "$work"
		quiet go mod init envtest-apiserver
		go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
		# k8s.io/kubernetes replaces its staging modules with local
		# paths; point each at its published release instead.
		go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >mod.json
		gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' mod.json)
		for m in $(awk '/^replace \(/{r=1; next} r && /^\)/{r=0} r && $1 ~ /^k8s.io\// && $3 ~ /^\.\/staging/ {print $1}' "$gomod"); do
			go mod edit -replace "$m=$m@$STAGING_VERSION"
		done
		go mod edit -godebug default=go1.25
		quiet go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION"
		minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
		CGO_ENABLED=0 go build -trimpath -o "$DIR/kube-apiserver.tmp" \
			-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
			k8s.io/kubernetes/cmd/kube-apiserver
	)
	mv "$DIR/kube-apiserver.tmp" "$DIR/kube-apiserver"
	rm -rf "$work"
	trap - EXIT
fi

echo "$DIR"
