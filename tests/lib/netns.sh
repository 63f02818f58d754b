# shellcheck shell=bash
# Network namespaces for live tests (iproute2). Source it, then call nt_init:
#
#   . tests/lib/netns.sh
#   nt_init                                    # prefix nt<pid>, cleanup on EXIT
#   a=$(nt_ns_prefix)a b=$(nt_ns_prefix)b
#   nt_ns_add "$a"; nt_ns_add "$b"
#   nt_veth "$a" eth0 10.200.1.1/24 "$b" eth0 10.200.1.2/24
#   ip netns exec "$a" ping -c1 "$(nt_v6 10.200.1.2)"
#
# Everything lives in namespaces named with the run's prefix; the host's own
# links, addresses and sysctls are never touched. Addresses: 10.200.x.y/24 and
# the matching fd00:200:x::y/64 (nt_v6), inside the namespaces only.
# A test that needs its own EXIT trap calls nt_cleanup from it.
set -euo pipefail

NT_PREFIX=${NT_PREFIX:-}
NT_NAMESPACES=()   # created by this run, in order
NT_LINKS=()        # "ns/ifname" of the veth ends this run created

# nt_init: check the tools, pick the prefix, register nt_cleanup on EXIT.
nt_init() {
	[[ $(id -u) == 0 ]] || { echo "netns.sh: needs root" >&2; return 1; }
	command -v ip >/dev/null || { echo "netns.sh: needs iproute2" >&2; return 1; }
	NT_PREFIX=${NT_PREFIX:-nt$$}
	trap nt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# nt_ns_prefix: the prefix of every namespace of this run (nt<pid>).
nt_ns_prefix() {
	[[ -n $NT_PREFIX ]] || { echo "netns.sh: call nt_init first" >&2; return 1; }
	echo "$NT_PREFIX"
}

# nt_ns_add NAME: create namespace NAME (it must start with the run's prefix),
# lo up, no duplicate address detection, so IPv6 addresses work at once.
nt_ns_add() {
	local ns=$1 prefix
	prefix=$(nt_ns_prefix)
	[[ $ns == "$prefix"* ]] || { echo "netns.sh: $ns does not start with $prefix" >&2; return 1; }
	ip netns add "$ns"
	NT_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# nt_v6 10.200.X.Y[/24]: the IPv6 twin of a test address, fd00:200:X::Y[/64].
nt_v6() {
	local addr=${1%/*} len=
	[[ $1 == */* ]] && len=/64
	[[ $addr =~ ^10\.200\.([0-9]+)\.([0-9]+)$ ]] || { echo "netns.sh: $1 is not 10.200.x.y" >&2; return 1; }
	echo "fd00:200:${BASH_REMATCH[1]}::${BASH_REMATCH[2]}$len"
}

# nt_veth NS1 IF1 ADDR1/PREFIX NS2 IF2 ADDR2/PREFIX: a veth pair between two
# namespaces of this run, created directly inside them, each end with its IPv4
# address and its IPv6 twin (nodad), both up.
nt_veth() {
	local ns1=$1 if1=$2 addr1=$3 ns2=$4 if2=$5 addr2=$6
	ip link add name "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2"
	NT_LINKS+=("$ns1/$if1")
	_nt_addr "$ns1" "$if1" "$addr1"
	_nt_addr "$ns2" "$if2" "$addr2"
}

_nt_addr() {
	local ns=$1 dev=$2 addr=$3
	ip -n "$ns" addr add "$addr" dev "$dev"
	ip -n "$ns" -6 addr add "$(nt_v6 "$addr")" dev "$dev" nodad
	ip -n "$ns" link set "$dev" up
}

# nt_offloads NS IF on|off: checksum, scatter-gather, TSO, GSO and GRO together.
nt_offloads() {
	local ns=$1 dev=$2 state=$3
	[[ $state == on || $state == off ]] || { echo "netns.sh: nt_offloads wants on|off" >&2; return 1; }
	ip netns exec "$ns" ethtool -K "$dev" rx-checksumming "$state" tx-checksumming "$state" \
		sg "$state" tso "$state" gso "$state" gro "$state" >/dev/null
}

# nt_wait_port NS PORT [SECONDS]: wait (default 5 s) for a TCP listener on PORT.
nt_wait_port() {
	local ns=$1 port=$2 tries=$((${3:-5} * 10))
	while ((tries-- > 0)); do
		[[ -n $(ip netns exec "$ns" ss -Hltn "sport = :$port") ]] && return 0
		sleep 0.1
	done
	echo "netns.sh: nothing listens on tcp port $port in $ns" >&2
	return 1
}

# nt_routed_node [PODS]: a "node" namespace routing PODS (default 2) "pod"
# namespaces, like a CNI with routed veths. Pod i has eth0 = 10.200.i.2/24 and
# fd00:200:i::2/64, default routes via the node's end vpod<i> = 10.200.i.1.
# Sets NT_NODE, NT_POD<i> (namespace names), NT_POD<i>_IP4/_IP6, NT_NODE_IF<i>.
nt_routed_node() {
	local pods=${1:-2} prefix i pod
	prefix=$(nt_ns_prefix)
	NT_NODE=${prefix}node
	nt_ns_add "$NT_NODE"
	ip netns exec "$NT_NODE" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	for ((i = 1; i <= pods; i++)); do
		pod=${prefix}pod$i
		nt_ns_add "$pod"
		nt_veth "$NT_NODE" "vpod$i" "10.200.$i.1/24" "$pod" eth0 "10.200.$i.2/24"
		ip -n "$pod" route add default via "10.200.$i.1"
		ip -n "$pod" -6 route add default via "fd00:200:$i::1"
		printf -v "NT_POD$i" %s "$pod"
		printf -v "NT_POD${i}_IP4" %s "10.200.$i.2"
		printf -v "NT_POD${i}_IP6" %s "fd00:200:$i::2"
		printf -v "NT_NODE_IF$i" %s "vpod$i"
	done
}

# nt_cleanup: end the processes left in this run's namespaces, delete its
# links and namespaces (newest first). Safe to call twice.
nt_cleanup() {
	local i ns pids
	for ((i = ${#NT_LINKS[@]} - 1; i >= 0; i--)); do
		ip -n "${NT_LINKS[i]%%/*}" link del "${NT_LINKS[i]#*/}" 2>/dev/null || true
	done
	NT_LINKS=()
	for ((i = ${#NT_NAMESPACES[@]} - 1; i >= 0; i--)); do
		ns=${NT_NAMESPACES[i]}
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		if [[ -n $pids ]]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null || true
			sleep 0.2
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			# shellcheck disable=SC2086
			[[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	NT_NAMESPACES=()
}
