#!/usr/bin/env bash
# Process and container attribution (bpf/sock.bpf.c, user/enrich/sockattr.c,
# user/enrich/cgroupmap.c) on real kernel objects: builds tests/sockattr/driver.c,
# makes a veth pair between two network namespaces (a pod talking to a
# pod), and runs the driver, which attaches the six programs to the cgroup
# v2 root, makes kubelet-shaped cgroups, runs processes in them and checks
# every attribution exactly. One line per check, then "N passed, M failed".
# Needs root, cgroup v2 mounted (any mode), clang, bpftool, libbpf, iproute2.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
out=build/sockattr_driver
fail_early() { echo "FAIL $*"; echo "0 passed, 1 failed"; exit 1; }

mlog=$(mktemp)
make -s build/sock.skel.h >"$mlog" 2>&1 ||
	fail_early "build/sock.skel.h: $(tail -n 5 "$mlog")"
rm -f "$mlog"
${CC:-cc} -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	-Werror=implicit-function-declaration -Werror=int-conversion \
	-Iinclude -Iuser -Iuser/enrich -Iuser/encode -Ibuild tests/sockattr/driver.c user/enrich/sockattr.c \
	user/enrich/cgroupmap.c -o "$out" -lbpf -lelf -lz 2>build/sockattr_driver.cc.log ||
	fail_early "compile the driver: $(tail -n 5 build/sockattr_driver.cc.log)"

# shellcheck source=tests/lib/netns.sh
. tests/lib/netns.sh
set +e
nt_init || fail_early "netns.sh: nt_init"
a=$(nt_ns_prefix)sa b=$(nt_ns_prefix)sb
{ nt_ns_add "$a" && nt_ns_add "$b" &&
  nt_veth "$a" eth0 10.200.77.1/24 "$b" eth0 10.200.77.2/24; } >/dev/null 2>&1 ||
	fail_early "veth pair between two namespaces"

timeout 120 "$out" "/var/run/netns/$a" "/var/run/netns/$b" 10.200.77.2 10.200.77.1
rc=$?
nt_cleanup
# a driver that died half way leaves its test cgroups: move what is left in
# them to the root and remove them (deepest first)
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
for d in "$cg"/nettrail-test-*; do
	[ -d "$d" ] || continue
	pid=${d##*-}
	kill -0 "$pid" 2>/dev/null && continue
	find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null |
		while read -r p; do echo "$p" >"$cg/cgroup.procs" 2>/dev/null; done
	find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	[ -d "$d" ] && echo "# could not remove $d"
done
exit $rc
