#!/usr/bin/env bash
# capture_bench.sh - on-demand capture throughput: packets per second into
# the file. A node namespace routes two host namespaces; the sensor runs in
# the node one; `nettrail capture --ip` of the receiver writes to a file
# while hping3 floods it with UDP for SECONDS. Prints one JSON line: sent
# (hping3's count), delivered (reached the receiver: its iptables DROP rule
# counts them; the rest were lost on the way, before any TC hook, e.g. a
# full veth backlog), captured and dropped (ring full or slow client), and
# the rates of each.
#
#   bench/capture_bench.sh [SECONDS] [PAYLOAD_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3}
size=${2:-64}
tmp=$(mktemp -d)
p="ntcb$$"
sensor=""
cleanup() {
	[ -n "$sensor" ] && kill "$sensor" 2>/dev/null && wait "$sensor" 2>/dev/null
	for n in n a b; do ip netns del "$p$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for n in n a b; do ip netns add "$p$n"; ip -n "$p$n" link set lo up; done
ip link add eth0 netns "${p}a" type veth peer name va netns "${p}n"
ip link add eth0 netns "${p}b" type veth peer name vb netns "${p}n"
ip -n "${p}a" addr add 10.77.1.2/24 dev eth0
ip -n "${p}b" addr add 10.77.2.2/24 dev eth0
ip -n "${p}n" addr add 10.77.1.1/24 dev va
ip -n "${p}n" addr add 10.77.2.1/24 dev vb
for x in "${p}a eth0" "${p}b eth0" "${p}n va" "${p}n vb"; do
	set -- $x
	ip -n "$1" link set "$2" up
done
ip -n "${p}a" route add default via 10.77.1.1
ip -n "${p}b" route add default via 10.77.2.1
ip netns exec "${p}n" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "${p}b" iptables -A INPUT -p udp --dport 9 -j DROP # no ICMP back
ip netns exec "${p}n" build/nettrail -i va,vb -o file:/dev/null --heartbeat 0 \
	--control-socket "$tmp/ctl.sock" --process-attribution off 2>"$tmp/sensor.err" &
sensor=$!
for _ in $(seq 50); do [ -S "$tmp/ctl.sock" ] && break; sleep 0.1; done
# --bytes: past the 100 MB default, which 1442-byte frames reach in a second
build/nettrail capture --control-socket "$tmp/ctl.sock" --ip 10.77.2.2 \
	--duration $((secs + 3)) --bytes 4000000000 -w "$tmp/c.pcapng" 2>"$tmp/client.err" &
client=$!
sleep 1
ip netns exec "${p}a" timeout "$secs" hping3 --udp --flood -q -s 40000 -k -p 9 -d "$size" \
	10.77.2.2 >/dev/null 2>"$tmp/hping.err" || true
wait "$client" || true
sent=$(grep -o '^[0-9]* packets transmitted' "$tmp/hping.err" | cut -d' ' -f1)
delivered=$(ip netns exec "${p}b" iptables -L INPUT -v -x -n | awk '$3 == "DROP" {print $1}')
read -r got dropped < <(sed -n 's/.*: \([0-9]*\) packets, [0-9]* bytes, \([0-9]*\) dropped.*/\1 \2/p' \
	"$tmp/client.err")
echo "{\"case\":\"capture-throughput\",\"seconds\":$secs,\"frame_bytes\":$((size + 42)),\"sent\":${sent:-0},\"delivered\":${delivered:-0},\"captured\":${got:-0},\"dropped\":${dropped:-0},\"sent_pps\":$(((${sent:-0}) / secs)),\"captured_pps\":$(((${got:-0}) / secs))}"
