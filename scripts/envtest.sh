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

# build NAME VERSION PREPARE PACKAGE [LDFLAGS]: unless $DIR/NAME exists,
# build PACKAGE in a throwaway module that PREPARE (a function run inside
# it) sets up, and install it as $DIR/NAME.
build() {
	local name=$1 version=$2 prepare=$3 pkg=$4 ldflags=${5:-}
	[ -x "$DIR/$name" ] && return 0
	log "building $name $version into $DIR (a few minutes, once)"
	local work
	work=$(mktemp -d)
	(
		cd "$work"
		quiet go mod init "envtest-$name"
		"$prepare"
		CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$DIR/$name.tmp" "$pkg"
	) || { rm -rf "$work"; return 1; }
	rm -rf "$work"
	mv "$DIR/$name.tmp" "$DIR/$name"
}

prepare_etcd() {
	quiet go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
}

# k8s.io/kubernetes replaces its staging modules with local paths; point
# each at its published release instead.
prepare_apiserver() {
	go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
	go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >mod.json
	local gomod m
	gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' mod.json)
	for m in $(awk '/^replace \(/{r=1; next} r && /^\)/{r=0} r && $1 ~ /^k8s.io\// && $3 ~ /^\.\/staging/ {print $1}' "$gomod"); do
		go mod edit -replace "$m=$m@$STAGING_VERSION"
	done
	go mod edit -godebug default=go1.25
	quiet go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION"
}

minor=${KUBE_VERSION#v1.}
minor=${minor%%.*}
build etcd "$ETCD_VERSION" prepare_etcd go.etcd.io/etcd/server/v3
build kube-apiserver "$KUBE_VERSION" prepare_apiserver k8s.io/kubernetes/cmd/kube-apiserver \
	"-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"

echo "$DIR"
