"""Live datapath tests: real traffic between network namespaces, nettrail
attached to the veth on one side, counts checked against an independent
capture of the same interface (tcpdump, read by tshark)."""
import base64
import hashlib
import ipaddress
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import (Capture, Sensor, attachment, find_flow, flows, ifindex, oracle,
                      oracle_flow, read_records, sh, tcx_links, totals, validate, wait_attached,
                      NETTRAIL)

A4, B4 = "10.201.0.1", "10.201.0.2"
A6, B6 = "fd00:201::1", "fd00:201::2"


def community_id(src, dst, proto, sport, dport):
    """Independent Community ID v1 (seed 0) for TCP/UDP, from the spec."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if (s.packed, sport) > (d.packed, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", 0) + s.packed + d.packed + struct.pack("!BxHH", proto, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def pair(topo, offloads=False):
    a = topo.ns("a")
    b = topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24", v6=(f"{A6}/64", f"{B6}/64"))
    topo.offloads(a, "va", offloads)
    topo.offloads(b, "vb", offloads)
    return a, b


def tcp_transfer(topo, a, b, dst, port, up, down):
    """Client in a sends `up` bytes, server in b answers `down` bytes."""
    # the server writes `down` bytes, then reads everything the client sent
    srv = topo.spawn(b, "socat", f"TCP6-LISTEN:{port},reuseaddr,ipv6only=0",
                     f"SYSTEM:head -c {down} /dev/zero; cat > /dev/null",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 5
    while time.time() < deadline:
        if f":{port}" in topo.run(b, "ss", "-ltn", check=False).stdout:
            break
        time.sleep(0.05)
    target = f"TCP:[{dst}]:{port}" if ":" in dst else f"TCP:{dst}:{port}"
    topo.run(a, "sh", "-c", f"head -c {up} /dev/zero | socat -t 2 - {target} > /dev/null")
    srv.wait(timeout=10)


def udp_exchange(topo, a, b, dst, port):
    """One datagram ("hello\\n") to a responder that answers "goodbye\\n"."""
    srv = topo.spawn(b, "socat", "-T", "3", f"UDP-RECVFROM:{port}", "SYSTEM:echo goodbye",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 5
    while time.time() < deadline:
        if f":{port}" in topo.run(b, "ss", "-lun", check=False).stdout:
            break
        time.sleep(0.05)
    r = topo.run(a, "sh", "-c", f"echo hello | socat -t 1 - UDP:{dst}:{port}")
    assert r.stdout == "goodbye\n", r.stdout
    srv.wait(timeout=10)


def test_tcp_udp_icmp_exact_counts_offloads_off(topo, tmp_path):
    a, b = pair(topo)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    tcp_transfer(topo, a, b, B4, 5000, 200000, 70000)
    udp_exchange(topo, a, b, B4, 5353)
    topo.run(a, "ping", "-c", "3", "-i", "0.2", B4)
    topo.run(a, "ping", "-6", "-c", "2", "-i", "0.2", B6)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = nt.records()
    validate(nt.out)
    orc = oracle(cap.path)

    tcp = find_flow(recs, 6, A4, B4, 5000)
    assert tcp, "no TCP flow record"
    assert totals(tcp) == oracle_flow(orc, 6, A4, B4, 5000)
    last = tcp[-1]
    assert last["nettrail"]["tcp"]["conn_state"] == "SF"
    assert last["nettrail"]["flow"]["end_reason"] == "tcp_close"
    assert last["source"]["port"] != 5000  # the client is the source
    assert set(last["nettrail"]["tcp"]["flags"]["source"]) >= {"SYN", "ACK", "FIN"}
    assert last["nettrail"]["tcp"]["handshake_rtt_us"] >= 0
    assert last["network"]["community_id"] == community_id(
        A4, B4, 6, last["source"]["port"], 5000)
    assert last["network"]["direction"] == "internal"
    assert last["nettrail"]["observer"] == {"interface": "va", "hook": "tc", "interfaces": ["va"]}
    # payload check independent of the oracle: 200000 bytes up, 70000 down,
    # 20+20(+12 timestamps) bytes of headers per packet at least
    s_pk, s_b = totals(tcp)["source"]
    d_pk, d_b = totals(tcp)["destination"]
    assert s_b >= 200000 + 40 * s_pk and d_b >= 70000 + 40 * d_pk

    udp = find_flow(recs, 17, A4, B4, 5353)
    assert totals(udp) == {"source": (1, 20 + 8 + 6), "destination": (1, 20 + 8 + 8)}

    icmp = find_flow(recs, 1, A4, B4)
    echo = [r for r in icmp if r["nettrail"]["icmp"]["type"] == 8]
    assert totals(echo) == {"source": (3, 3 * 84), "destination": (3, 3 * 84)}
    icmp6 = [r for r in find_flow(recs, 58, A6, B6) if r["nettrail"]["icmp"]["type"] == 128]
    assert totals(icmp6) == {"source": (2, 2 * 104), "destination": (2, 2 * 104)}
    # every flow on the capture is accounted exactly, ARP aside
    for o in orc:
        mine = find_flow(recs, o["proto"], o["src"], o["dst"], o.get("dport"))
        if o["proto"] in (1, 58):
            continue  # ICMP flows are keyed by type/id, checked above
        assert totals(mine) == oracle_flow(orc, o["proto"], o["src"], o["dst"], o.get("dport")), o


def test_tcp_ipv6_and_gso_offloads_on(topo, tmp_path):
    a, b = pair(topo, offloads=True)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    tcp_transfer(topo, a, b, B4, 5001, 3000000, 1000000)
    tcp_transfer(topo, a, b, B6, 5002, 1000000, 500000)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = nt.records()
    validate(nt.out)
    # with offloads on the capture holds super-packets; the oracle expands
    # each into its wire segments (MSS 1448: 1500 MTU, timestamps on)
    orc4 = oracle(cap.path, gso_mss=1448)
    orc6 = oracle(cap.path, gso_mss=1428)
    v4 = find_flow(recs, 6, A4, B4, 5001)
    v6 = find_flow(recs, 6, A6, B6, 5002)
    assert totals(v4) == oracle_flow(orc4, 6, A4, B4, 5001)
    assert totals(v6) == oracle_flow(orc6, 6, A6, B6, 5002)
    assert v6[-1]["network"]["type"] == "ipv6"
    assert v6[-1]["nettrail"]["tcp"]["conn_state"] == "SF"
    # GSO really happened, or this test proves nothing
    big = sh("tshark", "-r", str(cap.path), "-Y", "tcp.len > 1448", "-T", "fields",
             "-e", "frame.number").stdout.split()
    assert len(big) > 10, "no GSO super-packets were captured"


def test_rej_and_s0(topo, tmp_path):
    a, b = pair(topo)
    # a neighbour that never answers: the SYN leaves, nothing comes back
    topo.run(a, "ip", "neigh", "add", "10.201.0.99", "lladdr", "02:00:00:00:00:99", "dev", "va")
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                "--idle-timeout", "2")
    topo.run(a, "nc", "-z", "-w", "1", B4, "5999", check=False)
    topo.run(a, "nc", "-z", "-w", "2", "10.201.0.99", "6000", check=False)
    time.sleep(3.5)  # S0 ends by idle timeout, not shutdown
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = nt.records()
    validate(nt.out)
    orc = oracle(cap.path)
    rej = find_flow(recs, 6, A4, B4, 5999)
    assert len(rej) == 1
    assert rej[0]["nettrail"]["tcp"]["conn_state"] == "REJ"
    assert rej[0]["nettrail"]["flow"]["end_reason"] == "tcp_close"
    assert totals(rej) == oracle_flow(orc, 6, A4, B4, 5999) == {
        "source": (1, 60), "destination": (1, 40)}
    s0 = find_flow(recs, 6, A4, "10.201.0.99", 6000)
    assert len(s0) == 1
    assert s0[0]["nettrail"]["tcp"]["conn_state"] == "S0"
    assert s0[0]["nettrail"]["flow"]["end_reason"] == "idle"
    assert totals(s0) == oracle_flow(orc, 6, A4, "10.201.0.99", 6000)
    assert s0[0]["destination"]["packets"] == 0 and s0[0]["source"]["packets"] >= 2


def test_close_reported_within_two_seconds(topo, tmp_path):
    a, b = pair(topo)
    out = tmp_path / "out.jsonl"
    nt = Sensor(topo, a, out, "-i", "va", "--heartbeat", "0", "--idle-timeout", "60")
    tcp_transfer(topo, a, b, B4, 5003, 10000, 10000)
    done = time.time()
    rec = None
    while time.time() < done + 5 and rec is None:
        recs = read_records(out) if out.exists() else []
        got = find_flow(recs, 6, A4, B4, 5003)
        if got:
            rec = got[0]
            seen = time.time()
        time.sleep(0.05)
    assert rec is not None, "closed flow not reported within 5 s"
    assert seen - done < 2.0, f"reported {seen - done:.2f}s after the close"
    assert rec["nettrail"]["flow"]["end_reason"] == "tcp_close"
    assert nt.stop() == 0


def test_active_reports_are_deltas(topo, tmp_path):
    a, b = pair(topo)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                "--active-timeout", "1", "--idle-timeout", "30")
    # one ping a second for 4 s: a live flow that gets periodic reports
    topo.run(a, "ping", "-c", "5", "-i", "1", B4)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    rep = [r for r in find_flow(nt.records(), 1, A4, B4) if r["nettrail"]["icmp"]["type"] == 8]
    reasons = [r["nettrail"]["flow"]["end_reason"] for r in rep]
    assert reasons.count("active") >= 2 and reasons[-1] == "shutdown", reasons
    assert len({r["nettrail"]["flow"]["id"] for r in rep}) == 1
    assert [r["nettrail"]["flow"]["report_seq"] for r in rep] == list(range(1, len(rep) + 1))
    assert totals(rep) == {"source": (5, 5 * 84), "destination": (5, 5 * 84)}
    for prev, cur in zip(rep, rep[1:]):
        assert cur["event"]["start"] >= prev["event"]["end"]


def test_routed_node_counts_once(topo, tmp_path):
    node = topo.ns("node")
    p1 = topo.ns("p1")
    p2 = topo.ns("p2")
    topo.veth(node, "h1", "10.202.1.1/24", p1, "eth0", "10.202.1.2/24",
              v6=("fd00:202:1::1/64", "fd00:202:1::2/64"))
    topo.veth(node, "h2", "10.202.2.1/24", p2, "eth0", "10.202.2.2/24",
              v6=("fd00:202:2::1/64", "fd00:202:2::2/64"))
    topo.run(node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    topo.run(node, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    for p, n in ((p1, 1), (p2, 2)):
        topo.run(p, "ip", "route", "add", "default", "via", f"10.202.{n}.1")
        topo.run(p, "ip", "-6", "route", "add", "default", "via", f"fd00:202:{n}::1")
        topo.offloads(p, "eth0", False)
    for h in ("h1", "h2"):
        topo.offloads(node, h, False)
    cap = Capture(topo, node, "h1", tmp_path / "cap.pcap")
    nt = Sensor(topo, node, tmp_path / "out.jsonl", "-i", "h1,h2", "--heartbeat", "0")
    tcp_transfer(topo, p1, p2, "10.202.2.2", 5004, 150000, 20000)
    tcp_transfer(topo, p1, p2, "fd00:202:2::2", 5005, 50000, 5000)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    recs = nt.records()
    validate(nt.out)
    orc = oracle(cap.path)
    for src, dst, port in (("10.202.1.2", "10.202.2.2", 5004),
                           ("fd00:202:1::2", "fd00:202:2::2", 5005)):
        rep = find_flow(recs, 6, src, dst, port)
        assert totals(rep) == oracle_flow(orc, 6, src, dst, port)
        assert rep[-1]["nettrail"]["observer"]["interface"] == "h1"
        assert rep[-1]["nettrail"]["observer"]["interfaces"] == ["h1", "h2"]
    hb = [r for r in recs if r["event"]["dataset"] == "nettrail.heartbeat"][-1]
    assert hb["nettrail"]["heartbeat"]["counters"]["not_owner_packets"] > 0


def test_pcap_replay_matches_live(topo, tmp_path):
    a, b = pair(topo)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap")
    cooked = Capture(topo, a, "any", tmp_path / "any.pcap")  # Linux cooked v2
    nt = Sensor(topo, a, tmp_path / "live.jsonl", "-i", "va", "--heartbeat", "0")
    tcp_transfer(topo, a, b, B4, 5006, 120000, 30000)
    tcp_transfer(topo, a, b, B6, 5007, 40000, 4000)
    topo.run(a, "ping", "-c", "2", "-i", "0.2", B4)
    topo.run(a, "nc", "-z", "-w", "1", B4, "5998", check=False)
    cap.stop()
    cooked.stop()
    assert nt.stop() == 0, nt.stderr
    live = flows(nt.records())
    r = sh(str(NETTRAIL), "--pcap", str(cap.path), "-o", f"file:{tmp_path}/off.jsonl")
    validate(tmp_path / "off.jsonl")
    off = flows(read_records(tmp_path / "off.jsonl"))

    def key(r):
        return (r["network"]["community_id"], r["source"]["ip"], r["destination"]["ip"])

    def summary(recs):
        """Counts per flow of the test's own traffic. Link-local multicast
        (MLD reports, neighbour solicitations) is left out: the kernel sends
        it on its own schedule, so the capture and the sensor, started and
        stopped a moment apart, see different amounts of it."""
        out = {}
        for r in recs:
            if ipaddress.ip_address(r["destination"]["ip"]).is_multicast:
                continue
            k = key(r)
            s = out.setdefault(k, [0, 0, 0, 0, None])
            s[0] += r["source"]["packets"]
            s[1] += r["source"]["bytes"]
            s[2] += r["destination"]["packets"]
            s[3] += r["destination"]["bytes"]
            if "tcp" in r["nettrail"]:
                s[4] = r["nettrail"]["tcp"]["conn_state"]
        return out

    lv, ov = summary(live), summary(off)
    assert ov == lv
    linktype = sh("capinfos", "-E", str(tmp_path / "any.pcap")).stdout
    assert "Linux cooked" in linktype, linktype
    sh(str(NETTRAIL), "--pcap", str(tmp_path / "any.pcap"), "-o", f"file:{tmp_path}/any.jsonl")
    validate(tmp_path / "any.jsonl")
    assert summary(flows(read_records(tmp_path / "any.jsonl"))) == lv
    assert all(r["nettrail"]["observer"]["hook"] == "pcap" for r in off)
    assert all(r["nettrail"]["observer"]["interface"] == "cap.pcap" for r in off)


def test_filters_removed_and_second_run_works(topo, tmp_path):
    """--attach tc: our clsact filters, and the qdisc we made, go at exit."""
    a, b = pair(topo)
    for i in range(2):
        nt = Sensor(topo, a, tmp_path / f"o{i}.jsonl", "-i", "va", "--heartbeat", "0",
                    "--attach", "tc")
        assert attachment(topo, a, "va", nt.p.pid) == "tc"
        assert tcx_links(nt.p.pid) == {}
        assert nt.stop(signal_kind()) == 0, nt.stderr
        for d in ("ingress", "egress"):
            left = topo.run(a, "tc", "filter", "show", "dev", "va", d).stdout
            assert left.strip() == "", left
        assert "clsact" not in topo.run(a, "tc", "qdisc", "show", "dev", "va").stdout


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_tcx_links_go_with_the_process(topo, tmp_path, how):
    """The default (auto) on this kernel: a tcx link per direction, no
    clsact; the links go when the process goes, even killed."""
    a, b = pair(topo)
    nt = Sensor(topo, a, tmp_path / "o.jsonl", "-i", "va", "--heartbeat", "0")
    links = tcx_links(nt.p.pid, ifindex(topo, a, "va"))
    assert sorted(links.values()) == ["46 (ingress)", "47 (egress)"], links
    assert "clsact" not in topo.run(a, "tc", "qdisc", "show", "dev", "va").stdout
    nt.stop(getattr(signal, how))
    for lid in links:
        r = sh("bpftool", "link", "show", "id", str(lid), check=False)
        assert r.returncode != 0, r.stdout


# a CNI's filter in miniature: drops IPv4 ICMP (this kernel has no act_gact)
DROP_ICMP = r"""
struct __sk_buff { unsigned int pad[19]; unsigned int data, data_end; };
__attribute__((section("tc"), used)) int drop_icmp(struct __sk_buff *skb)
{
    unsigned char *d = (void *)(long)skb->data, *e = (void *)(long)skb->data_end;

    if (d + 34 > e)
        return -1;
    return d[12] == 8 && d[13] == 0 && d[23] == 1 ? 2 : -1; /* TC_ACT_SHOT : UNSPEC */
}
char _license[] __attribute__((section("license"), used)) = "GPL";
"""


def test_tcx_runs_before_clsact_and_the_chain_goes_on(topo, tmp_path):
    """A CNI's own clsact filter (here a bpf filter dropping ICMP on va's ingress)
    still acts with nettrail attached by tcx (our programs return
    TCX_NEXT), and nettrail, before it, counts what it drops. (That nettrail
    is first among tcx programs, BPF_F_BEFORE, is not tested here.)"""
    a, b = pair(topo)
    src = tmp_path / "drop_icmp.c"
    src.write_text(DROP_ICMP)
    sh("clang", "-O2", "-target", "bpf", "-c", str(src), "-o", str(tmp_path / "drop_icmp.o"))
    topo.run(a, "tc", "qdisc", "add", "dev", "va", "clsact")
    topo.run(a, "tc", "filter", "add", "dev", "va", "ingress", "prio", "5", "bpf", "da", "obj",
             str(tmp_path / "drop_icmp.o"), "sec", "tc")
    out = tmp_path / "o.jsonl"
    nt = Sensor(topo, a, out, "-i", "va", "--heartbeat", "0", "--idle-timeout", "1")
    assert attachment(topo, a, "va", nt.p.pid) == "tcx"
    r = topo.run(b, "ping", "-c", "3", "-i", "0.2", "-W", "1", A4, check=False)
    assert "\n3 packets transmitted, 0 received" in r.stdout, r.stdout
    time.sleep(2.5)
    assert nt.stop() == 0, nt.stderr
    icmp = [f for f in flows(nt.records()) if f["network"]["transport"] == "icmp"]
    assert len(icmp) == 1, icmp
    f = icmp[0]
    assert (f["source"]["ip"], f["source"]["packets"], f["source"]["bytes"]) == (B4, 3, 3 * 84)  # IP bytes
    assert f["destination"]["packets"] == 0
    # the CNI's filter is still in place, and nettrail left it alone
    assert "drop_icmp" in topo.run(a, "tc", "filter", "show", "dev", "va", "ingress").stdout


def signal_kind():
    import signal
    return signal.SIGINT


def test_duration_exits_zero_and_reports_shutdown(topo, tmp_path):
    a, b = pair(topo)
    out = tmp_path / "o.jsonl"
    p = topo.spawn(a, str(NETTRAIL), "-i", "va", "--duration", "2", "-o", f"file:{out}",
                   stderr=subprocess.PIPE)
    wait_attached(topo, a, "va", p)  # not a fixed sleep: a loaded machine loads slower
    topo.run(a, "ping", "-c", "1", B4)
    assert p.wait(timeout=10) == 0
    recs = read_records(out)
    validate(out)
    echo = find_flow(recs, 1, A4, B4)
    assert [r["nettrail"]["flow"]["end_reason"] for r in echo] == ["shutdown"]
    hb = [r for r in recs if r["event"]["dataset"] == "nettrail.heartbeat"]
    assert hb and hb[-1]["nettrail"]["heartbeat"]["interfaces"] == ["va"]
    assert hb[-1]["nettrail"]["heartbeat"]["counters"]["packets"] >= 2


@pytest.mark.parametrize("args,rc,msg", [
    (["-i", "nosuch0"], 1, "nettrail: unknown interface 'nosuch0'"),
    (["--idle-timeout", "x"], 2, "nettrail: --idle-timeout: 'x' is not a whole number"),
    (["--pcap", "/nonexistent.pcap"], 1, "nettrail: cannot open /nonexistent.pcap"),
    (["-o", "file:/nonexistent/dir/x"], 1, "nettrail: cannot open output /nonexistent/dir/x"),
])
def test_cli_errors(topo, args, rc, msg):
    a = topo.ns("a")
    r = topo.run(a, str(NETTRAIL), *args, check=False, timeout=20)
    assert r.returncode == rc, r.stderr
    assert r.stderr.startswith(msg), r.stderr
    assert r.stderr.count("\n") <= 2


def test_corrupt_capture(tmp_path):
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 10)
    r = sh(str(NETTRAIL), "--pcap", str(bad), check=False, timeout=20)
    assert r.returncode == 1 and r.stderr.startswith("nettrail: "), r.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all" * 10)
    r = sh(str(NETTRAIL), "--pcap", str(junk), check=False, timeout=20)
    assert r.returncode == 1 and "not a pcap" in r.stderr, r.stderr


def test_new_interface_attached_and_vanished_forgotten(topo, tmp_path):
    a = topo.ns("a")
    b = topo.ns("b")
    out = tmp_path / "o.jsonl"
    # nettrail starts before any matching interface exists
    p = topo.spawn(a, str(NETTRAIL), "-i", "vx*", "--heartbeat", "1", "-o", f"file:{out}",
                   stderr=subprocess.PIPE)
    time.sleep(0.5)
    topo.veth(a, "vx1", "10.203.0.1/24", b, "vy1", "10.203.0.2/24")
    wait_attached(topo, a, "vx1", p, timeout=5)
    topo.run(a, "ping", "-c", "2", "-i", "0.2", "10.203.0.2")
    time.sleep(1.2)  # at least one heartbeat while attached
    topo.run(a, "ip", "link", "del", "vx1")
    time.sleep(1.5)
    p.send_signal(2)
    assert p.wait(timeout=10) == 0, p.stderr.read().decode()
    recs = read_records(out)
    validate(out)
    echo = [r for r in find_flow(recs, 1, "10.203.0.1", "10.203.0.2")
            if r["nettrail"]["icmp"]["type"] == 8]
    assert totals(echo) == {"source": (2, 168), "destination": (2, 168)}
    assert echo[0]["nettrail"]["observer"]["interface"] == "vx1"
    hbs = [r["nettrail"]["heartbeat"]["interfaces"] for r in recs
           if r["event"]["dataset"] == "nettrail.heartbeat"]
    assert ["vx1"] in hbs, hbs          # attached while it existed
    assert hbs[-1] == [], hbs           # forgotten once deleted


def test_not_enough_privilege(topo, tmp_path):
    a = topo.ns("a")
    r = topo.run(a, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", str(NETTRAIL), "--duration", "1",
                 check=False, timeout=20)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("nettrail: not enough privilege"), r.stderr
