"""SCTP: every association is a flow of its own, with its ports (issue 11
item 5: two NGAP associations, 10.1.0.1:5000 and 10.1.0.1:5001 to
10.1.0.2:38412, once gave one record with port 0 both ends).

Offline: a crafted capture of whole associations replayed with --pcap.
Live: real associations (handshake, DATA/SACK, graceful shutdown) between
two network namespaces, made by tests/sctp/sctp_peer.c; its stack is the
kernel's where the kernel has SCTP and usrsctp over raw IP sockets where it
has not (this project's machines: CONFIG_IP_SCTP is off). Oracles: the
generator's own byte sums, tcpdump + tshark (tests/lib/flow_oracle.py), and
for Community ID both Wireshark's communityid post-dissector and an
independent implementation here."""
import base64
import hashlib
import ipaddress
import struct
import subprocess
import time

from conftest import (ROOT, NETTRAIL, Capture, Sensor, flows, oracle, read_records, sh, totals,
                      validate)

NGAP = 38412
A4, B4 = "10.1.0.1", "10.1.0.2"
A6, B6 = "fd00:1::1", "fd00:1::2"
PEER = ROOT / "build" / "tests" / "sctp_peer"


def community_id(src, dst, proto, sport, dport):
    """Community ID v1, seed 0, for a protocol with ports (the spec)."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if (s.packed, sport) > (d.packed, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", 0) + s.packed + d.packed + struct.pack("!BxHH", proto, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def tshark_community_ids(pcap):
    """{(src, sport, dst, dport): id} from Wireshark's communityid post-dissector."""
    r = sh("tshark", "-n", "-r", str(pcap), "--enable-protocol", "communityid", "-Y", "sctp",
           "-T", "fields", "-E", "separator=,", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst",
           "-e", "ipv6.dst", "-e", "sctp.srcport", "-e", "sctp.dstport", "-e", "communityid")
    out = {}
    for line in r.stdout.splitlines():
        s4, s6, d4, d6, sp, dp, cid = line.split(",")
        out[(s4 or s6, int(sp), d4 or d6, int(dp))] = cid
    assert out, f"tshark gave no Community IDs: {r.stderr}"
    return out


def sctp_records(recs):
    """{(src, sport, dst, dport): [reports]} of the SCTP flows."""
    out = {}
    for r in flows(recs):
        if r["network"]["transport"] == "sctp":
            key = (r["source"]["ip"], r["source"].get("port"), r["destination"]["ip"],
                   r["destination"].get("port"))
            out.setdefault(key, []).append(r)
    return out


def oracle_assoc(orc, tup):
    """The oracle's counts of one association (conftest.oracle_flow matches
    the server port only, and both associations share it)."""
    m = [o for o in orc if o["proto"] == 132 and (o["src"], o["sport"], o["dst"], o["dport"]) == tup]
    assert len(m) == 1, f"oracle has {len(m)} flows {tup}: {orc}"
    return {"source": (m[0]["src_packets"], m[0]["src_bytes"]),
            "destination": (m[0]["dst_packets"], m[0]["dst_bytes"])}


def check_flow(reports, tup, cids):
    """What every SCTP flow must say, whatever made it."""
    src, sport, dst, dport = tup
    for r in reports:
        net = r["network"]
        assert (net["transport"], net["iana_number"]) == ("sctp", "132"), net
        assert net["type"] == ("ipv4" if ":" not in src else "ipv6")
        assert net["community_id"] == community_id(src, dst, 132, sport, dport)
        assert net["community_id"] == cids[tup], (net["community_id"], cids[tup])
        assert "tcp" not in r["nettrail"]


# ---- offline: a crafted capture ------------------------------------------

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return ~crc & 0xFFFFFFFF


def chunk(ctype, value=b"", flags=0):
    c = struct.pack("!BBH", ctype, flags, 4 + len(value)) + value
    return c + b"\0" * (-len(c) % 4)


def sctp(sport, dport, vtag, *chunks):
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + b"".join(chunks)
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def ip_packet(src, dst, l4):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 6:
        return b"\x86\xdd", struct.pack("!IHBB", 6 << 28, len(l4), 132, 64) + s.packed + d.packed + l4
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, 132, 0, s.packed, d.packed)
    c = sum(struct.unpack("!10H", h))
    c = (c & 0xFFFF) + (c >> 16)
    c = (c & 0xFFFF) + (c >> 16)
    return b"\x08\x00", h[:10] + struct.pack("!H", ~c & 0xFFFF) + h[12:] + l4


def association(cli, cport, srv, exchanges):
    """One NGAP-like association, as (from_client, sctp packet): INIT ...
    COOKIE ACK, one DATA each way per (up, down) exchange, each SACKed,
    then SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE."""
    ctag, stag, ctsn, stsn = 0x10000 + cport, 0x20000 + cport, 100, 500
    init = struct.pack("!IIHHI", ctag, 65536, 2, 2, ctsn)
    cookie = struct.pack("!HH", 7, 36) + bytes(range(32))  # State Cookie parameter
    up = lambda *c: (True, sctp(cport, NGAP, stag, *c))
    down = lambda *c: (False, sctp(NGAP, cport, ctag, *c))
    yield True, sctp(cport, NGAP, 0, chunk(1, init))
    yield down(chunk(2, struct.pack("!IIHHI", stag, 65536, 2, 2, stsn) + cookie))
    yield up(chunk(10, bytes(range(32))))
    yield down(chunk(11))
    for n_up, n_down in exchanges:
        yield up(chunk(0, struct.pack("!IHHI", ctsn, 0, 0, 60) + b"u" * n_up, flags=3))
        yield down(chunk(3, struct.pack("!IIHH", ctsn, 65536, 0, 0)),
                   chunk(0, struct.pack("!IHHI", stsn, 0, 0, 60) + b"d" * n_down, flags=3))
        yield up(chunk(3, struct.pack("!IIHH", stsn, 65536, 0, 0)))
        ctsn, stsn = ctsn + 1, stsn + 1
    yield up(chunk(7, struct.pack("!I", stsn - 1)))
    yield down(chunk(8))
    yield True, sctp(cport, NGAP, stag, chunk(14))


def write_capture(path, assocs):
    """Interleaves the associations packet by packet, 1 ms apart, into a
    pcap; returns {tuple: {"source": (pkts, bytes), "destination": ...}}
    summed from the IP packets written."""
    gens = [(tup, association(tup[0], tup[1], tup[2], ex)) for tup, ex in assocs]
    want = {tup: {"source": [0, 0], "destination": [0, 0]} for tup, _ in assocs}
    t = 1_700_000_000_000_000  # microseconds
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while gens:
            for g in list(gens):
                tup, it = g
                pkt = next(it, None)
                if pkt is None:
                    gens.remove(g)
                    continue
                up, l4 = pkt
                src, dst = (tup[0], tup[2]) if up else (tup[2], tup[0])
                etype, ip = ip_packet(src, dst, l4)
                frame = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + etype + ip
                f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(frame), len(frame)) + frame)
                side = want[tup]["source" if up else "destination"]
                side[0] += 1
                side[1] += len(ip)
                t += 1000
    return {tup: {k: tuple(v) for k, v in w.items()} for tup, w in want.items()}


def test_offline_sctp_associations_keep_their_ports(tmp_path):
    pcap, out = tmp_path / "ngap.pcap", tmp_path / "out.jsonl"
    assocs = [((A4, 5000, B4, NGAP), [(120, 60), (800, 40)]),
              ((A4, 5001, B4, NGAP), [(64, 300)]),
              ((A6, 5000, B6, NGAP), [(1000, 10), (20, 20), (5, 500)])]
    want = write_capture(pcap, assocs)
    r = sh(str(NETTRAIL), "--pcap", str(pcap), "-o", f"file:{out}", check=False)
    assert r.returncode == 0, r.stderr
    validate(out)
    recs = read_records(out)
    got = sctp_records(recs)
    assert sorted(got) == sorted(want), f"SCTP flows: {sorted(got)}"
    assert len([t for t in got if ":" not in t[0]]) == 2, "two IPv4 associations, two flows"
    orc = oracle(pcap)
    cids = tshark_community_ids(pcap)
    for tup, reports in got.items():
        check_flow(reports, tup, cids)
        assert totals(reports) == want[tup] == oracle_assoc(orc, tup), tup
    # the two IPv4 associations: distinct IDs, neither the port-less one
    ids = {got[t][0]["network"]["community_id"] for t in got if ":" not in t[0]}
    assert len(ids) == 2 and community_id(A4, B4, 132, 0, 0) not in ids
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"]
    assert hb and hb[0]["nettrail"]["heartbeat"]["counters"]["parse_errors_l4"] == 0


# ---- live: real SCTP between namespaces ----------------------------------

def build_peer():
    PEER.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", "-Wall", "-std=c11", "-D_GNU_SOURCE", str(ROOT / "tests" / "sctp" / "sctp_peer.c"),
       "-o", str(PEER), "-lusrsctp", "-lpthread")


def endpoint(addr, port):
    """sctp_peer's ADDR:PORT, IPv6 in brackets."""
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def start_server(topo, ns, *listen):
    srv = topo.spawn(ns, str(PEER), "server", "300", *listen,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = srv.stdout.readline()
    assert line == "ready\n", f"sctp_peer server: {line!r} {srv.stderr.read() if not line else ''}"
    return srv


def test_live_sctp_associations_exact_counts(topo, tmp_path):
    build_peer()
    a, b = topo.ns("a"), topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24", v6=(f"{A6}/64", f"{B6}/64"))
    topo.offloads(a, "va", False)
    topo.offloads(b, "vb", False)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    srv = start_server(topo, b, f"{endpoint(B4, NGAP)}:2", f"{endpoint(B6, NGAP)}:1")
    # two associations from two client ports to one server port, and one
    # over IPv6; COUNT messages of SIZE bytes up, 300 bytes back for each
    specs = {(A4, 5000, B4, NGAP): (5, 1000), (A4, 5001, B4, NGAP): (3, 2000),
             (A6, 5000, B6, NGAP): (2, 500)}
    args = [f"{endpoint(s, sp)}-{endpoint(d, dp)}:{n}:{size}"
            for (s, sp, d, dp), (n, size) in specs.items()]
    r = topo.run(a, str(PEER), "client", *args, check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    stack = r.stderr.strip()
    done = [tuple(int(x) for x in l.split()) for l in r.stdout.splitlines()]
    assert done == [(sp, n * size, n * 300) for (_, sp, _, _), (n, size) in specs.items()], done
    assert srv.wait(timeout=20) == 0, srv.stderr.read()
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    recs = nt.records()
    got = sctp_records(recs)
    assert sorted(got) == sorted(specs), f"SCTP flows: {sorted(got)} ({stack})"
    assert len([t for t in got if ":" not in t[0]]) == 2, "two IPv4 associations, two flows"

    # the capture holds a real exchange: valid CRC32c on every packet,
    # handshake to shutdown on every association
    rows = sh("tshark", "-n", "-r", str(cap.path), "-o", "sctp.checksum:crc-32c", "-Y", "sctp",
              "-T", "fields", "-e", "sctp.checksum.status", "-e", "sctp.chunk_type").stdout.split("\n")
    rows = [l.split("\t") for l in rows if l]
    assert rows and all(st == "1" for st, _ in rows), f"bad SCTP checksums ({stack})"
    types = {int(t) for _, ts in rows for t in ts.split(",")}
    assert {1, 2, 10, 11, 0, 3, 7, 8, 14} <= types, types

    orc = oracle(cap.path)
    cids = tshark_community_ids(cap.path)
    for tup, reports in got.items():
        check_flow(reports, tup, cids)
        (n, size) = specs[tup]
        t = totals(reports)
        assert t == oracle_assoc(orc, tup), (tup, t)
        # DATA chunks alone carry n * size up and n * 300 down
        assert t["source"][1] > n * size and t["destination"][1] > n * 300, (tup, t)
        assert reports[0]["source"]["port"] == tup[1]  # the INIT sender is the source
