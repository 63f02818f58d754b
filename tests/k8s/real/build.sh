#!/usr/bin/env bash
# Builds, or reuses, the real control plane the k8s_real suite runs:
# etcd v3.7.3 (etcd/go.mod) and kube-apiserver + kube-proxy v1.37.2 (go.mod,
# the wrapper module around k8s.io/kubernetes), all from the Go module proxy.
# The binaries are cached in ~/.cache/nettrail/k8s-real/<key>/, the key a hash
# of both go.mod/go.sum pairs, this script and the Go version: a warm run
# rebuilds nothing. Cold: about 5 minutes on 2 cores, 2.4 GB peak RSS.
# Prints the directory holding etcd, kube-apiserver and kube-proxy on stdout;
# the go build log goes to stderr. Exit 1 with a one-line reason on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
K8S_VERSION=v1.37.2
GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || { echo "build.sh: go is missing" >&2; exit 1; }
key=$(cat "$here/go.mod" "$here/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$0" |
	{ cat; "$GO" version; } | sha256sum | cut -c1-16)
out=${HOME:-/root}/.cache/nettrail/k8s-real/$key
if [ -x "$out/etcd" ] && [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-proxy" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out.tmp"
export GOFLAGS=-mod=readonly
ldv="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
ldv="$ldv -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION")"
ldv="$ldv -X k8s.io/component-base/version.gitTreeState=clean"
echo "# building etcd into $out" >&2
(cd "$here/etcd" && nice "$GO" build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3) >&2 ||
	{ echo "build.sh: go build etcd failed" >&2; exit 1; }
echo "# building kube-apiserver and kube-proxy $K8S_VERSION into $out" >&2
(cd "$here" && nice "$GO" build -trimpath -ldflags "-s -w $ldv" -o "$out.tmp/" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-proxy) >&2 ||
	{ echo "build.sh: go build kube-apiserver kube-proxy failed" >&2; exit 1; }
rm -rf "$out" && mv "$out.tmp" "$out"
# the binaries of other keys (older go.mod/go.sum or flags) are not used again
find "$(dirname "$out")" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
echo "$out"
