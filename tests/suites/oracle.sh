#!/usr/bin/env bash
# Live check of tests/lib/flow_oracle.py (and netns.sh): a TCP transfer pod1 -> pod2 through
# the routed node, captured before (GSO super-packets) and after (segmented) the node.
set -euo pipefail
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/netns.sh"
nt_init
out=$(mktemp -d)
nt_routed_node
nt_offloads "$NT_POD1" eth0 on                 # pod1 sends TSO super-packets
nt_offloads "$NT_NODE" "$NT_NODE_IF2" off      # the node segments them on the way to pod2
for i in 1 2; do
	ip netns exec "$NT_NODE" tcpdump --immediate-mode -q -n -s 128 -i "vpod$i" -w "$out/vpod$i.pcap" 'ip or ip6' 2>/dev/null &
	eval "dump$i=\$!"
done
sleep 1
ip netns exec "$NT_POD2" socat -u TCP-LISTEN:5001,reuseaddr OPEN:/dev/null &
nt_wait_port "$NT_POD2" 5001
head -c 5000000 /dev/urandom | ip netns exec "$NT_POD1" socat -u - "TCP:$NT_POD2_IP4:5001"
ip netns exec "$NT_POD2" socat -u UDP6-RECVFROM:5353 SYSTEM:'cat' >/dev/null &
sleep 0.3
echo hello | ip netns exec "$NT_POD1" socat -u - "UDP6-SENDTO:[$NT_POD2_IP6]:5353"
ip netns exec "$NT_POD1" ping -c 3 -i 0.2 -s 3000 "$NT_POD2_IP4" >/dev/null   # fragmented ICMP
ip netns exec "$NT_POD1" ping -6 -c 2 -i 0.2 "$NT_POD2_IP6" >/dev/null
sleep 1
kill -INT "$dump1" "$dump2"; wait "$dump1" "$dump2" || true

for i in 1 2; do
	echo "== vpod$i"
	/usr/bin/python3 "$lib/flow_oracle.py" "$out/vpod$i.pcap" | tee "$out/flows$i.jsonl"
done
echo "== vpod1 with --gso-mss 1448"
/usr/bin/python3 "$lib/flow_oracle.py" "$out/vpod1.pcap" --gso-mss 1448 | tee "$out/flows1gso.jsonl"
echo "== capinfos / tshark totals for vpod2"
capinfos -c "$out/vpod2.pcap" | tail -1
tshark -n -r "$out/vpod2.pcap" -q -z 'io,stat,0,SUM(ip.len)ip.len,COUNT(ipv6.plen)ipv6.plen,SUM(ipv6.plen)ipv6.plen' 2>/dev/null | grep -E '<>'
/usr/bin/python3 - "$out" <<'PY'
import json, sys, subprocess, re
out = sys.argv[1]
def load(n): return [json.loads(l) for l in open(f"{out}/{n}")]
ok = True
for name in ("vpod1", "vpod2"):
    flows = load(f"flows{name[-1]}.jsonl")
    pk = sum(f["src_packets"] + f["dst_packets"] for f in flows)
    by = sum(f["src_bytes"] + f["dst_bytes"] for f in flows)
    cap = int(re.search(r"(\d+)\s*$", subprocess.run(["capinfos", "-c", "-M", f"{out}/{name}.pcap"], capture_output=True, text=True).stdout).group(1))
    st = subprocess.run(["tshark", "-n", "-r", f"{out}/{name}.pcap", "-q", "-z",
        "io,stat,0,SUM(ip.len)ip.len,COUNT(ipv6.plen)ipv6.plen,SUM(ipv6.plen)ipv6.plen"], capture_output=True, text=True).stdout
    row = [l for l in st.splitlines() if "<>" in l][-1].split("|")
    nums = [int(x) for x in row if x.strip().isdigit()]
    v4sum, v6count, v6sum = nums[-3:]
    print(f"{name}: oracle {pk} packets {by} bytes; capinfos {cap} packets; tshark ip.len+ipv6 {v4sum + v6sum + 40 * v6count} bytes")
    ok &= pk == cap and by == v4sum + v6sum + 40 * v6count
tcp = lambda n: [f for f in load(n) if f["proto"] == 6][0]
a, b, g = tcp("flows1.jsonl"), tcp("flows2.jsonl"), tcp("flows1gso.jsonl")
keys = ("src_packets", "src_bytes", "dst_packets", "dst_bytes")
print("tcp before node, raw :", [a[k] for k in keys])
print("tcp before node, gso :", [g[k] for k in keys])
print("tcp after node       :", [b[k] for k in keys])
ok &= all(g[k] == b[k] for k in keys) and a["src_packets"] < b["src_packets"]
ok &= (a["src"], a["sport"], a["dst"], a["dport"]) == (b["src"], b["sport"], b["dst"], b["dport"]) and a["dport"] == 5001
print("OK" if ok else "MISMATCH"); print("1 passed, 0 failed" if ok else "0 passed, 1 failed"); sys.exit(0 if ok else 1)
PY
