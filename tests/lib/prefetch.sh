#!/usr/bin/env bash
# prefetch.sh: the one-time fetches and builds of make test, off its critical
# path. tests/run_all.sh starts them in the background before the first
# suite; each suite that needs one waits for it, then finds its cache warm.
#
#   prefetch.sh start DIR   run every item below in two lanes at idle
#                           priority (SCHED_IDLE: only the CPU the suites
#                           leave; else nice 19), item NAME's output in
#                           DIR/NAME.log and its exit status in DIR/NAME.rc
#   prefetch.sh wait NAME   when NT_PREFETCH_DIR is set (run_all.sh sets
#                           it), wait for item NAME (at most
#                           NT_PREFETCH_WAIT seconds, 1800): exit 0 when it
#                           succeeded, else 1 with a one-line reason on
#                           stderr; exit 0 at once when NT_PREFETCH_DIR is
#                           unset (a suite run alone fetches inline); fails
#                           at once when NT_PREFETCH_PID (the start) is gone
#
# Items (each is the suite's own idempotent fetch, a cache hit when warm):
#   aioquic   pip aioquic into ~/.cache/nettrail (tests/live/test_quic.py)
#   kafka     the broker's jars (tests/kafka/broker.sh fetch)
#   ocsf      ocsf-json-schema (tools/gen_ocsf_schemas.py's package_dir)
#   helm      helm (tests/lib/ensure_helm.sh) and the Go packages of the
#             chart validator (tests/helm/validate) into the Go build cache
#   k8s-real  etcd, kube-apiserver, kube-proxy (tests/k8s/real/build.sh)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3

item() { # NAME COMMAND...: runs one item, its log and exit status in $dir
	local name=$1 t=$SECONDS rc
	shift
	"$@" >"$dir/$name.log" 2>&1
	rc=$?
	echo "# $name: exit $rc after $((SECONDS - t)) s" >>"$dir/$name.log"
	echo $rc >"$dir/$name.rc.tmp" && mv "$dir/$name.rc.tmp" "$dir/$name.rc"
}
aioquic() {
	local d=${HOME:-/root}/.cache/nettrail/aioquic-1.2.0
	[ -d "$d/aioquic" ] && return 0
	mkdir -p "$d" && "$PY" -m pip install -q --disable-pip-version-check --only-binary=:all: \
		--target "$d" aioquic==1.2.0
}
ocsf() { (cd "$root/tools" && "$PY" -c 'import gen_ocsf_schemas as g; print(g.package_dir())'); }
helm() {
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	"$root/tests/lib/ensure_helm.sh" "$dir/helm-install.log" &&
		(cd "$root/tests/helm/validate" && GOFLAGS=-mod=readonly "$go" build -o "$dir/validate" .)
}

case ${1:-} in
start)
	dir=${2:?usage: prefetch.sh start DIR}
	mkdir -p "$dir/tmp"
	export TMPDIR=$dir/tmp NT_HELM_INSTALL_TIMEOUT=2400
	# idle priority: a suite never waits for the CPU these take; a suite
	# that waits for an item leaves it the whole machine
	chrt --idle -p 0 $$ >/dev/null 2>&1 || renice -n 19 $$ >/dev/null
	# lane 1: the long Go build; lane 2: what the early suites (live) need first
	item k8s-real bash "$root/tests/k8s/real/build.sh" &
	item aioquic aioquic
	item kafka "$root/tests/kafka/broker.sh" fetch
	item ocsf ocsf
	item helm helm
	wait
	;;
wait)
	name=${2:?usage: prefetch.sh wait NAME}
	[ -n "${NT_PREFETCH_DIR:-}" ] || exit 0
	rcf=$NT_PREFETCH_DIR/$name.rc t=$SECONDS limit=${NT_PREFETCH_WAIT:-1800}
	until [ -e "$rcf" ]; do
		if [ -n "${NT_PREFETCH_PID:-}" ] && ! kill -0 "$NT_PREFETCH_PID" 2>/dev/null && [ ! -e "$rcf" ]; then
			echo "prefetch $name: the background fetch ended without it (log: $NT_PREFETCH_DIR/$name.log)" >&2
			exit 1
		fi
		if [ $((SECONDS - t)) -ge "$limit" ]; then
			echo "prefetch $name: still running after $limit s (log: $NT_PREFETCH_DIR/$name.log)" >&2
			exit 1
		fi
		sleep 1
	done
	[ $((SECONDS - t)) -gt 0 ] && echo "# prefetch $name: waited $((SECONDS - t)) s" >&2
	[ "$(cat "$rcf")" = 0 ] && exit 0
	echo "prefetch $name failed ($(cat "$rcf")): $(grep -v '^# ' "$NT_PREFETCH_DIR/$name.log" | tail -3 | tr '\n' ' ')" >&2
	exit 1
	;;
*)
	echo "usage: prefetch.sh start DIR | wait NAME" >&2
	exit 2
	;;
esac
