"""Flow churn, live: a SYN on the tuple of a closed TCP flow starts a new
flow record (one per attempt, as Zeek's conn.log has it), and under a SYN
flood every packet is in a record or in a loss counter."""
import json
import subprocess
import time

import pytest

from conftest import Capture, Sensor, find_flow, flows, oracle, read_records, sh, validate

A4, B4 = "10.202.0.1", "10.202.0.2"


def pair(topo):
    a = topo.ns("a")
    b = topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24")
    topo.offloads(a, "va", False)
    topo.offloads(b, "vb", False)
    # nothing but the test's traffic on the link: no IPv6 (router and
    # neighbour solicitations), permanent neighbours (no ARP probes)
    for ns, ifn, peer_ns, peer_if, peer_ip in ((a, "va", b, "vb", B4), (b, "vb", a, "va", A4)):
        topo.run(ns, "sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1")
        mac = json.loads(topo.run(peer_ns, "ip", "-j", "link", "show", peer_if).stdout)[0]
        topo.run(ns, "ip", "neigh", "replace", peer_ip, "lladdr", mac["address"], "dev", ifn,
                 "nud", "permanent")
    return a, b


def heartbeat(recs):
    hb = [r for r in recs if r["event"]["dataset"] == "nettrail.heartbeat"]
    assert hb, "no heartbeat record"
    return hb[-1]["nettrail"]["heartbeat"]["counters"]


def link_packets(topo, ns, ifn):
    """Packets the interface saw: received, sent, and refused on send."""
    s = json.loads(topo.run(ns, "ip", "-s", "-j", "link", "show", ifn).stdout)[0]["stats64"]
    return s["rx"]["packets"] + s["tx"]["packets"] + s["tx"]["dropped"]


def test_syn_after_rst_starts_a_new_flow(topo, tmp_path):
    """Five SYNs from one source port, one a second, each refused with a
    RST: five REJ records (joining the closed flow within its linger gave
    three)."""
    a, b = pair(topo)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                "--idle-timeout", "30")
    topo.run(a, "hping3", "-q", "-S", "-s", "41000", "-k", "-p", "5999", "-c", "5", "-i", "1",
             B4, check=False, timeout=20)
    time.sleep(1.5)  # the last close's linger
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = find_flow(nt.records(), 6, A4, B4, 5999)
    orc = [o for o in oracle(cap.path) if o.get("dport") == 5999]
    assert sum(o["src_packets"] for o in orc) == 5 and sum(o["dst_packets"] for o in orc) == 5
    assert len(recs) == 5, [r["nettrail"]["flow"] for r in recs]
    assert [r["source"]["port"] for r in recs] == [41000] * 5
    assert [r["nettrail"]["tcp"]["conn_state"] for r in recs] == ["REJ"] * 5
    assert [r["nettrail"]["flow"]["end_reason"] for r in recs] == ["tcp_close"] * 5
    assert [(r["source"]["packets"], r["destination"]["packets"]) for r in recs] == [(1, 1)] * 5
    assert [(r["source"]["bytes"], r["destination"]["bytes"]) for r in recs] == [(40, 40)] * 5
    assert len({r["nettrail"]["flow"]["id"] for r in recs}) == 5
    starts = [r["event"]["start"] for r in recs]
    assert starts == sorted(starts) and len(set(starts)) == 5
    # one community id: the same tuple each time
    assert len({r["network"]["community_id"] for r in recs}) == 1
    # each attempt ended at its RST, handed up whole (no close linger)
    hb = heartbeat(nt.records())
    assert (hb["flow_ends"], hb["flow_restarts"], hb["close_events_lost"]) == (5, 0, 0)
    validate(nt.out)


def test_syn_after_fin_close_starts_a_new_flow(topo, tmp_path):
    """Two connections from the same source port, back to back, each closed
    with FIN both ways: two records, each with its own handshake."""
    a, b = pair(topo)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                "--idle-timeout", "30")
    # the server closes first, so the client's port is free at once (the
    # server's TIME_WAIT takes the next SYN: its sequence number is higher)
    srv = topo.spawn(b, "socat", "TCP-LISTEN:5010,reuseaddr,fork", "SYSTEM:echo hello",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 5
    while ":5010" not in topo.run(b, "ss", "-ltn", check=False).stdout:
        assert time.time() < deadline, "server did not listen"
        time.sleep(0.05)
    for _ in range(2):
        r = topo.run(a, "socat", "-T", "2", "-",
                     f"TCP:{B4}:5010,sourceport=41001,reuseaddr", input="", timeout=10)
        assert r.stdout == "hello\n", r.stdout + r.stderr
    time.sleep(1.6)  # the second close's linger
    srv.kill()
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = find_flow(nt.records(), 6, A4, B4, 5010)
    assert len(recs) == 2, [r["nettrail"] for r in recs]
    for r in recs:
        assert r["source"]["port"] == 41001
        assert r["nettrail"]["tcp"]["conn_state"] == "SF"
        assert r["nettrail"]["flow"]["end_reason"] == "tcp_close"
        assert "handshake_rtt_us" in r["nettrail"]["tcp"]
    assert recs[0]["event"]["end"] <= recs[1]["event"]["start"]
    # both connections' packets, each counted once
    orc = [o for o in oracle(cap.path) if o.get("dport") == 5010]
    assert sum(o["src_packets"] + o["dst_packets"] for o in orc) == \
        sum(r["network"]["packets"] for r in recs)
    assert heartbeat(nt.records())["flow_restarts"] == 1
    validate(nt.out)


@pytest.mark.parametrize("target", ["refused", "unanswered"])
def test_flood_every_packet_accounted(topo, tmp_path, target):
    """hping3 --flood for 3 s, a new source port each SYN, into a table of
    4,096 flows: the packets in records plus the packets the loss counters
    name equal what the link counted, exactly. Refused (a RST for each SYN):
    each attempt ends at its RST, the table keeps up, every packet is in a
    record. Unanswered (a neighbour that never replies): S0 flows wait for
    their idle timeout, the table fills, the rest is counted as lost."""
    a, b = pair(topo)
    dst = B4
    if target == "unanswered":
        dst = "10.202.0.99"
        topo.run(a, "ip", "neigh", "add", dst, "lladdr", "02:00:00:00:00:99", "dev", "va")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                "--idle-timeout", "2", "--max-flows", "4096")
    before = link_packets(topo, a, "va")
    topo.run(a, "timeout", "3", "hping3", "--flood", "-q", "-S", "-p", "9", dst, check=False)
    time.sleep(0.5)  # the last RSTs
    wire = link_packets(topo, a, "va") - before
    assert nt.stop() == 0, nt.stderr
    recs = read_records(nt.out)
    hb = heartbeat(recs)
    in_records = sum(r["network"]["packets"] for r in flows(recs))
    assert wire > 20000, f"the flood sent only {wire} packets"
    assert hb["packets"] == wire, (hb["packets"], wire)
    assert in_records + hb["overflow_lost_packets"] == wire, (in_records, hb, wire)
    assert hb["parse_errors_l3"] == hb["parse_errors_l4"] == 0
    tcp = [r for r in flows(recs) if r["network"]["transport"] == "tcp"
           and r.get("destination", {}).get("port") == 9]
    if target == "refused":
        assert hb["table_full"] == 0 and in_records == wire, hb
        # one record per attempt, each refused
        assert len(tcp) == wire // 2, (len(tcp), wire)
        assert {r["nettrail"]["tcp"]["conn_state"] for r in tcp} == {"REJ"}
    else:
        assert hb["table_full"] > 0 and hb["overflow_lost_packets"] > 0, hb
        assert {r["nettrail"]["tcp"]["conn_state"] for r in tcp
                if not r["nettrail"]["flow"].get("overflow")} == {"S0"}
