#!/usr/bin/python3
"""Independent flow oracle: bidirectional flows of a capture, counted by tshark.

usage: flow_oracle.py CAPTURE [--gso-mss N]

Prints one JSON object per flow, in order of first packet:
  {"proto":6,"src":"10.200.1.2","sport":41234,"dst":"10.200.2.2","dport":8080,
   "src_packets":..,"src_bytes":..,"dst_packets":..,"dst_bytes":..,
   "start":"...Z","end":"...Z","src_flags":[..],"dst_flags":[..]}
src is the initiator: the SYN sender for TCP (the receiver of a SYN+ACK when
no SYN was seen), the first sender otherwise. Bytes are IP-layer bytes: IPv4
total length, IPv6 payload length + 40. sport/dport are null for protocols
without ports (ICMP flows are keyed by the address pair only); src_flags and
dst_flags (TCP flags seen each way) only appear on TCP flows.

--gso-mss N models segmentation offload: a TCP packet with more than N payload
bytes counts as ceil(len / N) segments, each with its own IP and TCP headers.

IP fragments are not reassembled: a later fragment is counted to the flow of
its first fragment (same addresses, protocol and fragment id), or to a portless
flow when that was not seen. One flow per 5-tuple for the whole capture (a
reused TCP port pair is not split).
"""
import argparse
import datetime
import json
import subprocess
import sys

FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.id", "ip.frag_offset",
          "ip.flags.mf", "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.plen", "ipv6.hopopts.nxt",
          "ipv6.routing.nxt", "ipv6.dstopts.nxt", "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset",
          "ipv6.fraghdr.more", "ipv6.fraghdr.ident", "tcp.srcport", "tcp.dstport", "tcp.len",
          "tcp.flags", "udp.srcport", "udp.dstport", "sctp.srcport", "sctp.dstport"]
PORTS = {6: "tcp", 17: "udp", 132: "sctp"}
IPV6_EXT = {0: "ipv6.hopopts.nxt", 43: "ipv6.routing.nxt", 60: "ipv6.dstopts.nxt", 44: "ipv6.fraghdr.nxt"}
TCP_FLAGS = [(0x01, "FIN"), (0x02, "SYN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK"),
             (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR")]
SYN, ACK = 0x02, 0x10


def tshark_rows(capture):
    cmd = ["tshark", "-n", "-r", capture, "-T", "fields", "-E", "separator=,", "-E", "occurrence=f",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
    for field in FIELDS:
        cmd += ["-e", field]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"tshark failed ({run.returncode}): {run.stderr.strip()}")
    for line in run.stdout.splitlines():
        yield dict(zip(FIELDS, line.split(",")))


def packet(row):
    """-> (time ns, src, dst, proto, sport, dport, ip bytes, tcp payload, tcp flags, fragment) or None."""
    if row["ip.src"]:
        src, dst, proto, size = row["ip.src"], row["ip.dst"], int(row["ip.proto"]), int(row["ip.len"])
        offset, more = int(row["ip.frag_offset"] or 0), row["ip.flags.mf"] in ("1", "True")
        frag_id = row["ip.id"]
    elif row["ipv6.src"]:
        src, dst, size = row["ipv6.src"], row["ipv6.dst"], int(row["ipv6.plen"]) + 40
        proto, offset, more, frag_id = int(row["ipv6.nxt"]), 0, False, None
        for _ in range(8):                      # walk the extension headers
            if proto not in IPV6_EXT or not row[IPV6_EXT[proto]]:
                break
            if proto == 44:                     # this packet's own fragment header
                offset = int(row["ipv6.fraghdr.offset"] or 0)
                more, frag_id = row["ipv6.fraghdr.more"] in ("1", "True"), row["ipv6.fraghdr.ident"]
            proto = int(row[IPV6_EXT[proto]])
    else:
        return None                             # not IP
    sport = dport = None
    name = PORTS.get(proto)
    if name and offset == 0 and row[f"{name}.srcport"]:
        sport, dport = int(row[f"{name}.srcport"]), int(row[f"{name}.dstport"])
    fragment = (src, dst, proto, frag_id) if (offset or more) else None
    payload = int(row["tcp.len"]) if proto == 6 and sport is not None and row["tcp.len"] else None
    flags = int(row["tcp.flags"], 16) if proto == 6 and sport is not None and row["tcp.flags"] else 0
    seconds, _, frac = row["frame.time_epoch"].partition(".")
    ns = int(seconds) * 10**9 + int((frac + "000000000")[:9])
    return ns, src, dst, proto, sport, dport, size, payload, flags, fragment, offset


def rfc3339(ns):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=ns // 1000)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def flows(capture, gso_mss=None):
    table, first_fragments = {}, {}
    for row in tshark_rows(capture):
        pkt = packet(row)
        if pkt is None:
            continue
        ns, src, dst, proto, sport, dport, size, payload, flags, fragment, offset = pkt
        if fragment and offset:                 # a later fragment: ports of its first one
            sport, dport = first_fragments.get(fragment, (None, None))
        elif fragment:
            first_fragments[fragment] = (sport, dport)
        packets, size_counted = 1, size
        if gso_mss and payload and payload > gso_mss:
            packets = -(-payload // gso_mss)
            size_counted = payload + packets * (size - payload)
        me, peer = (src, sport), (dst, dport)
        key = (proto,) + tuple(sorted([me, peer], key=repr))
        flow = table.get(key)
        if flow is None:
            flow = table[key] = {"initiator": me, "how": 0, "start": ns, "end": ns,
                                 "count": {me: [0, 0, 0], peer: [0, 0, 0]}}
        # initiator: SYN sender (2) > receiver of a SYN+ACK (1) > first sender (0)
        if proto == 6 and flags & SYN:
            how, who = (1, peer) if flags & ACK else (2, me)
            if how > flow["how"]:
                flow["how"], flow["initiator"] = how, who
        count = flow["count"][me]
        count[0] += packets
        count[1] += size_counted
        count[2] |= flags
        flow["start"], flow["end"] = min(flow["start"], ns), max(flow["end"], ns)
    for key, flow in sorted(table.items(), key=lambda kv: kv[1]["start"]):
        (sip, sport) = flow["initiator"]
        (dip, dport) = key[2] if key[1] == flow["initiator"] else key[1]
        src, dst = flow["count"][(sip, sport)], flow["count"][(dip, dport)]
        out = {"proto": key[0], "src": sip, "sport": sport, "dst": dip, "dport": dport,
               "src_packets": src[0], "src_bytes": src[1], "dst_packets": dst[0], "dst_bytes": dst[1],
               "start": rfc3339(flow["start"]), "end": rfc3339(flow["end"])}
        if key[0] == 6:
            out["src_flags"] = [name for bit, name in TCP_FLAGS if src[2] & bit]
            out["dst_flags"] = [name for bit, name in TCP_FLAGS if dst[2] & bit]
        yield out


def main():
    parser = argparse.ArgumentParser(description="bidirectional flows of a capture, by tshark")
    parser.add_argument("capture")
    parser.add_argument("--gso-mss", type=int, metavar="N", help="count TCP packets over N payload bytes as GSO")
    args = parser.parse_args()
    if args.gso_mss is not None and args.gso_mss <= 0:
        parser.error("--gso-mss must be positive")
    for flow in flows(args.capture, args.gso_mss):
        print(json.dumps(flow, separators=(",", ":")))


if __name__ == "__main__":
    main()
