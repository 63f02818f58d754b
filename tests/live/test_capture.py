"""On-demand capture (docs/capture.md): `nettrail capture` against the sensor
of a node-shaped topology (test_k8s.Cluster: a node namespace routing pod
namespaces and an outside one, the fake API server for Kubernetes metadata).

The oracles: tcpdump inside the selected pod sees the frames a capture must
hold (count and original lengths); tshark and capinfos read the files back
(frames, lengths, EPB comments, IDB descriptions); the ISB is read by a small
block walker (readers show no isb_ifdrop). The audit records are checked
against docs/schema/capture.schema.json at the end."""
import base64
import hashlib
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import NETTRAIL, Capture, read_records, sh, validate, wait_for
from test_k8s import NODE, NS, OUT4, PODS, Cluster, pod_obj

WEB, DB, DBG = PODS["web"], PODS["db"], PODS["dbg"]
WEB_POD = f"{NS}/{WEB['pod']}"


@pytest.fixture(scope="module")
def cl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cap")
    c = Cluster(tmp, tag="cap", sensor_args=("--control-socket", str(tmp / "run" / "ctl.sock")))
    c.sock = str(tmp / "run" / "ctl.sock")
    c.tmp = tmp
    pin_neighbours(c)
    wait_for(lambda: os.path.exists(c.sock), 10, "the control socket", c.sensor)
    yield c
    c.close()
    validate(c.out_file, inside="10.244.0.0/16,fd00:244::/32,10.96.0.0/12,fd00:96::/108")


def mac(cl, ns, dev):
    return cl.topo.run(ns, "cat", f"/sys/class/net/{dev}/address").stdout.strip()


def pin_neighbours(cl, only=None):
    """Permanent ARP entries both ways on every pod's (and the outside's)
    link: a capture holds ARP frames, and the kernel's own neighbour probes
    must not land in the exact counts the tests assert. test_arp unpins
    web's to make its frames."""
    t = cl.topo
    for tag, v4 in [*((k, p["v4"]) for k, p in PODS.items()), ("out", OUT4)]:
        if only and tag != only:
            continue
        gw4 = "203.0.113.1" if tag == "out" else v4.rsplit(".", 1)[0] + ".1"
        t.run(cl.ns[tag], "ip", "neigh", "replace", gw4, "lladdr", mac(cl, cl.node, f"p{tag}"),
              "dev", "eth0", "nud", "permanent")
        t.run(cl.node, "ip", "neigh", "replace", v4, "lladdr", mac(cl, cl.ns[tag], "eth0"), "dev",
              f"p{tag}", "nud", "permanent")


def client(cl, *args, out=None, prefix=(), **kw):
    """`nettrail capture` (a Popen) writing to out (a path), or args' -w."""
    cmd = [*prefix, str(NETTRAIL), "capture", "--control-socket", cl.sock, *args]
    if out is not None:
        cmd += ["-w", str(out)]
    return subprocess.Popen(cmd, stdout=kw.pop("stdout", subprocess.PIPE),
                            stderr=subprocess.PIPE, **kw)


def finish(p, timeout=30):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, err.decode().strip(), out


def wait_running(cl, n):
    """until the sensor says n captures are running (its selections pushed)"""
    wait_for(lambda: cl.metric("nettrail_captures_active") == n, 10, f"{n} captures active",
             cl.sensor)


def fields(path, *names, filt=None):
    cmd = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|"]
    if filt:
        cmd += ["-Y", filt]
    for n in names:
        cmd += ["-e", n]
    r = sh(*cmd)
    return [l.split("|") for l in r.stdout.splitlines()]


def lengths(path, filt="ip"):
    return sorted(int(f[0]) for f in fields(path, "frame.len", filt=filt))


def isb(path):
    """(ifrecv, ifdrop) of each Interface Statistics Block of a pcapng file"""
    data, out, off = open(path, "rb").read(), [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if btype == 5:
            o, opts = off + 20, {}
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack_from("<HH", data, o)
                if code == 0:
                    break
                if olen == 8:
                    opts[code] = struct.unpack_from("<Q", data, o + 4)[0]
                o += 4 + (olen + 3) // 4 * 4
            out.append((opts.get(4), opts.get(5)))
        off += blen
    return out


def community_id(saddr, daddr, proto, sport, dport):
    """Community ID v1, seed 0 (corelight/community-id-spec), IPv4; for an
    ICMP echo exchange sport, dport = 8, 0 (the spec's one-way mapping makes
    request and reply one flow)"""
    s, d = socket.inet_aton(saddr), socket.inet_aton(daddr)
    if (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    h = hashlib.sha1(struct.pack("!H", 0) + s + d + struct.pack("!BBHH", proto, 0, sport, dport))
    return "1:" + base64.b64encode(h.digest()).decode()


def offloads(cl, on):
    t = cl.topo
    for tag in ("web", "db", "out"):
        t.offloads(cl.ns[tag], "eth0", on)
        t.offloads(cl.node, f"p{tag}", on)


def traffic(cl, bulk=200000):
    """what the web pod sees: pings from outside, a bulk TCP upload to the
    outside, an HTTP fetch from the db pod; and the db pod's own traffic to
    outside, which a capture of web must not hold"""
    t = cl.topo
    srv = t.spawn(cl.ns["out"], "sh", "-c", "nc -l -p 5555 > /dev/null",
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    t.run(cl.ns["out"], "ping", "-c", "3", "-i", "0.2", WEB["v4"])
    t.run(cl.ns["web"], "sh", "-c", f"head -c {bulk} /dev/zero | nc -q 1 -N {OUT4} 5555")
    pid = cl.curl_in_pod("db", f"http://{WEB['v4']}:8080/")
    t.run(cl.ns["db"], "ping", "-c", "3", "-i", "0.2", OUT4)
    srv.wait(timeout=10)
    return pid


def with_tcpdump(cl, name, *args, bulk=20000):
    """a capture of args (running before the traffic) next to tcpdump in the
    web pod; returns (rc, stderr, file, tcpdump's file)"""
    td = Capture(cl.topo, cl.ns["web"], "eth0", cl.tmp / f"td_{name}.pcap", snaplen=262144)
    f = cl.tmp / f"{name}.pcapng"
    p = client(cl, *args, out=f)
    wait_running(cl, 1)
    pid = traffic(cl, bulk=bulk)
    rc, err, _ = finish(p)
    td.stop()
    return rc, err, f, td.path, pid


@pytest.mark.parametrize("on", [False, True], ids=["offloads-off", "offloads-on"])
def test_pod_capture_equals_tcpdump_in_the_pod(cl, on):
    offloads(cl, on)
    try:
        rc, err, f, td, _ = with_tcpdump(cl, f"pod{on}", "--pod", WEB_POD, "--duration", "6",
                                      bulk=200000)
    finally:
        offloads(cl, False)
    assert rc == 0, err
    want = lengths(td)
    assert len(want) > 20
    assert lengths(f) == want  # every frame once, original lengths
    assert max(want) > 1514 if on else max(want) <= 1514  # GSO packets whole
    assert err == f"nettrail capture: {len(want)} packets, {sum(want)} bytes, 0 dropped (duration)"
    # nothing of the db pod's own traffic
    for src, dst in fields(f, "ip.src", "ip.dst"):
        assert WEB["v4"] in (src, dst), (src, dst)
    desc = {r[0] for r in fields(f, "frame.interface_description")}
    assert desc == {f"namespace={NS} pod={WEB['pod']} node={NODE}"}
    assert sh("capinfos", "-c", "-M", str(f)).stdout.split()[-1] == str(len(want))


def test_ip_capture_and_the_epb_comments(cl):
    rc, err, f, td, pid = with_tcpdump(cl, "ip", "--ip", WEB["v4"] + "/32", "--duration", "5")
    assert rc == 0, err
    assert lengths(f) == lengths(td)
    # each frame's flow in its comment: Community ID, flow id (TCP), the pod
    rows = fields(f, "ip.src", "ip.dst", "ip.proto", "tcp.srcport", "tcp.dstport",
                  "frame.comment", "frame.packet_flags_direction", filt="tcp")
    assert rows
    for src, dst, proto, sp, dp, comment, direction in rows:
        cid = community_id(src, dst, 6, int(sp), int(dp))
        words = comment.split()
        assert words[0] == f"community_id={cid}", comment
        assert words[1].startswith("flow_id=") and len(words[1]) == len("flow_id=") + 16
        assert words[2] == f"pod={WEB_POD}", comment
        # relative to the selected pod: from it outbound (2), to it inbound (1)
        assert int(direction, 16) == (2 if src == WEB["v4"] else 1), (src, dst, direction)
    # the local process, once the cgroup hooks have told it: the db pod's curl
    curl = [r[5] for r in rows if r[4] == "8080"]
    assert curl and curl[-1].endswith(f" pid={pid} comm=curl"), curl
    # an --ip selection without a pod: no pod in the interface description
    assert {r[0] for r in fields(f, "frame.interface_description")} == {""}


def test_flow_by_community_id(cl):
    t = cl.topo
    srv = t.spawn(cl.ns["out"], "sh", "-c", "nc -l -k -p 5556 > /dev/null",
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    slow = "i=0; while [ $i -lt 40 ]; do echo x; sleep 0.1; i=$((i+1)); done"
    a = t.spawn(cl.ns["web"], "sh", "-c", f"({slow}) | nc -q 1 -p 40001 {OUT4} 5556",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b = t.spawn(cl.ns["web"], "sh", "-c", f"({slow}) | nc -q 1 -p 40002 {OUT4} 5556",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cid = community_id(WEB["v4"], OUT4, 6, 40001, 5556)
    time.sleep(0.5)  # the flow is in the table
    f = cl.tmp / "flow.pcapng"
    rc, err, _ = finish(client(cl, "--flow", cid, "--duration", "2", out=f))
    a.wait(timeout=10)
    b.wait(timeout=10)
    srv.kill()
    assert rc == 0, err
    ports = fields(f, "tcp.srcport", "tcp.dstport", "frame.comment")
    assert len(ports) >= 20  # ~10 writes a second, each with its ACK
    for sp, dp, comment in ports:
        assert {sp, dp} == {"40001", "5556"}
        assert comment.startswith(f"community_id={cid} ")
    rc, err, _ = finish(client(cl, "--flow", community_id(WEB["v4"], OUT4, 6, 1, 2), "-w",
                               str(cl.tmp / "none.pcapng")))
    assert rc == 1 and err == (f"nettrail capture: flow {community_id(WEB['v4'], OUT4, 6, 1, 2)}"
                               " is not in this node's flow table")


def slow_flow(cl, sport, dport, seconds):
    """a TCP flow web -> outside (crossing pweb, its owner, then pout) that
    writes a line every 0.1 s for `seconds`; returns (server, client)"""
    t = cl.topo
    srv = t.spawn(cl.ns["out"], "sh", "-c", f"nc -l -p {dport} > /dev/null",
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    n = int(seconds * 10)
    slow = f"i=0; while [ $i -lt {n} ]; do echo x; sleep 0.1; i=$((i+1)); done"
    c = t.spawn(cl.ns["web"], "sh", "-c", f"({slow}) | nc -q 1 -p {sport} {OUT4} {dport}",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return srv, c


def tcp_rows(path):
    """(sport, dport, seq, ack, len) of each TCP frame"""
    return [tuple(r) for r in fields(path, "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.ack",
                                     "tcp.len", filt="tcp")]


def test_capture_started_on_an_established_flow(cl):
    """The flow's capture decision is cached in its entry, made while another
    capture (of db) ran: a capture of web started later copies the flow's
    next packets (capture_gen moved on), once each though they cross two
    attached interfaces (pweb owns the flow, pout only notes it)"""
    other = client(cl, "--ip", DB["v4"], "--duration", "6", out=cl.tmp / "est_db.pcapng")
    wait_running(cl, 1)
    srv, c = slow_flow(cl, 40003, 5557, 4)
    time.sleep(1)  # established, its word made for the db capture
    f = cl.tmp / "est.pcapng"
    rc, err, _ = finish(client(cl, "--pod", WEB_POD, "--duration", "2", out=f))
    c.wait(timeout=10)
    srv.wait(timeout=10)
    assert rc == 0, err
    rows = tcp_rows(f)
    assert len(rows) >= 20, rows  # ~10 writes a second, each with its ACK
    assert {frozenset(r[:2]) for r in rows} == {frozenset(("40003", "5557"))}
    assert len(set(rows)) == len(rows), "a frame copied twice"
    assert {r[0] for r in fields(f, "frame.interface_name")} == {"pweb"}  # the owner
    rc, err, _ = finish(other)
    assert rc == 0 and err.endswith(" 0 packets, 0 bytes, 0 dropped (duration)"), err


def test_a_new_selection_does_not_reuse_a_stale_decision(cl):
    """A capture of web ends, one of db starts (in the same slot) while web's
    flow goes on: none of web's packets in the second file"""
    srv, c = slow_flow(cl, 40004, 5558, 6)
    time.sleep(0.5)
    f1, f2 = cl.tmp / "stale1.pcapng", cl.tmp / "stale2.pcapng"
    rc, err, _ = finish(client(cl, "--pod", WEB_POD, "--duration", "2", out=f1))
    assert rc == 0, err
    p = client(cl, "--pod", f"{NS}/{DB['pod']}", "--duration", "2", out=f2)
    wait_running(cl, 1)
    cl.topo.run(cl.ns["out"], "ping", "-c", "2", "-i", "0.2", DB["v4"])
    rc, err, _ = finish(p)
    c.wait(timeout=10)
    srv.wait(timeout=10)
    assert rc == 0, err
    assert len(tcp_rows(f1)) >= 10
    assert {frozenset(r[:2]) for r in tcp_rows(f1)} == {frozenset(("40004", "5558"))}
    assert tcp_rows(f2) == []  # web's flow kept no decision of the first capture
    assert lengths(f2) == [98] * 4
    assert err == "nettrail capture: 4 packets, 392 bytes, 0 dropped (duration)", err


def test_filter(cl):
    rc, err, f, td, _ = with_tcpdump(cl, "filter", "--pod", WEB_POD, "--filter", "icmp",
                                  "--duration", "4")
    assert rc == 0, err
    want = lengths(td, "icmp")
    assert len(want) == 6 and lengths(f, "frame") == want
    assert {r[0] for r in fields(f, "frame.interface_name")} == {"pout"}  # the owner


def test_limits(cl):
    t = cl.topo
    # packets: exactly N, exit 0
    f = cl.tmp / "pk.pcapng"
    p = client(cl, "--pod", WEB_POD, "--packets", "5", out=f)
    wait_running(cl, 1)
    t.run(cl.ns["out"], "ping", "-c", "6", "-i", "0.1", WEB["v4"])
    rc, err, _ = finish(p)
    assert rc == 0 and err == "nettrail capture: 5 packets, 490 bytes, 0 dropped (packets)", err
    assert lengths(f) == [98] * 5
    # bytes: the packets that fit (98-byte frames: 4 in 400)
    f = cl.tmp / "by.pcapng"
    p = client(cl, "--pod", WEB_POD, "--bytes", "400", out=f)
    wait_running(cl, 1)
    t.run(cl.ns["out"], "ping", "-c", "4", "-i", "0.1", WEB["v4"])
    rc, err, _ = finish(p)
    assert rc == 0 and err == "nettrail capture: 4 packets, 392 bytes, 0 dropped (bytes)", err
    # duration
    start = time.time()
    rc, err, _ = finish(client(cl, "--pod", WEB_POD, "--duration", "2", out=cl.tmp / "d.pcapng"))
    assert rc == 0 and err.endswith("(duration)") and 1.9 < time.time() - start < 3.5, err
    # snaplen: cut frames, original lengths kept
    rc, err, f, td, _ = with_tcpdump(cl, "snap", "--pod", WEB_POD, "--snaplen", "64",
                                  "--duration", "4")
    assert rc == 0, err
    rows = fields(f, "frame.len", "frame.cap_len", filt="ip")
    assert sorted(int(r[0]) for r in rows) == lengths(td, "ip")
    assert all(int(c) == min(64, int(l)) for l, c in rows)


def test_four_at_once_and_a_fifth_refused(cl):
    ps = [client(cl, "--pod", WEB_POD, "--duration", "4", out=cl.tmp / f"c{i}.pcapng")
          for i in range(4)]
    wait_running(cl, 4)
    rc, err, _ = finish(client(cl, "--ip", OUT4, out=cl.tmp / "c5.pcapng"))
    assert rc == 1 and err == ("nettrail capture: 4 captures are already running on this node "
                               "(the most at once); try again when one ends"), err
    assert not (cl.tmp / "c5.pcapng").exists()
    cl.topo.run(cl.ns["out"], "ping", "-c", "3", "-i", "0.2", WEB["v4"])
    for i, p in enumerate(ps):
        rc, err, _ = finish(p)
        assert rc == 0 and err == "nettrail capture: 6 packets, 588 bytes, 0 dropped (duration)"
        assert lengths(cl.tmp / f"c{i}.pcapng") == [98] * 6
    assert cl.sensor.poll() is None


def test_stream_to_stdout_into_tshark(cl):
    p = client(cl, "--pod", WEB_POD, "--duration", "3", "-w", "-")
    wait_running(cl, 1)
    ts = subprocess.Popen(["tshark", "-r", "-", "-T", "fields", "-e", "frame.len", "-e",
                           "frame.comment"], stdin=p.stdout, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    p.stdout.close()
    cl.topo.run(cl.ns["out"], "ping", "-c", "3", "-i", "0.2", WEB["v4"])
    out, _ = ts.communicate(timeout=20)
    rc, err, _ = finish(p)
    assert rc == 0, err
    rows = [l.split("\t") for l in out.decode().splitlines()]
    assert [r[0] for r in rows] == ["98"] * 6
    assert all(r[1].endswith(f"pod={WEB_POD}") for r in rows)


def test_client_leaving_ends_the_capture(cl):
    """`... -w - | head -c 100`: the client dies of SIGPIPE, the sensor ends
    the capture at once (client_closed) and keeps running"""
    p = subprocess.Popen(f"{NETTRAIL} capture --control-socket {cl.sock} --pod {WEB_POD} "
                         f"--duration 3600 -w - | head -c 100 > /dev/null", shell=True)
    wait_running(cl, 1)
    cl.topo.run(cl.ns["out"], "ping", "-c", "3", "-i", "0.2", WEB["v4"])
    p.wait(timeout=10)
    wait_running(cl, 0)
    assert cl.sensor.poll() is None


@pytest.mark.parametrize("args,msg,code", [
    (("--pod", f"{NS}/nope"), f"pod {NS}/nope not found in this node's Kubernetes metadata", 1),
    (("--pod", WEB_POD, "--filter", "tcp prot 80"),
     "bad filter 'tcp prot 80': can't parse filter expression: syntax error", 1),
    (("--ip", "10.0.0.0/33"), "--ip '10.0.0.0/33': not an address or CIDR", 2),
    (("--ip", "10.0.0.300"), "--ip '10.0.0.300': not an address or CIDR", 2),
    (("--duration", "3601", "--ip", OUT4), "--duration '3601': 1 to 3600 seconds", 2),
    (("--pod", "Shop/web"), "--pod 'Shop/web': not a valid namespace/name", 2),
], ids=["unknown-pod", "bad-filter", "bad-prefix", "bad-address", "long-duration", "bad-pod"])
def test_bad_requests(cl, args, msg, code):
    rc, err, _ = finish(client(cl, *args, out=cl.tmp / "bad.pcapng"))
    assert (rc, err) == (code, f"nettrail capture: {msg}")
    assert not (cl.tmp / "bad.pcapng").exists()
    assert cl.sensor.poll() is None


def test_non_root_client_refused_by_the_socket(cl):
    """from the socket's own directory (0755, made by the sensor), so that
    only the socket's mode (0600) stands in the way"""
    run = os.path.dirname(cl.sock)
    assert oct(os.stat(run).st_mode & 0o777) == "0o755"
    assert oct(os.stat(cl.sock).st_mode & 0o777) == "0o600"
    rc, err, _ = finish(client(cl, "--control-socket", "ctl.sock", "--ip", OUT4, out="-", cwd=run,
                               prefix=("setpriv", "--reuid=65534", "--regid=65534",
                                       "--clear-groups")))
    assert rc == 1 and err == ("nettrail capture: cannot connect to ctl.sock: Permission denied "
                               "(the control socket is root's only)")
    assert cl.sensor.poll() is None


def test_selector_includes_pods_that_appear(cl):
    cl.control("delete", {"kind": "Pod", "namespace": NS, "name": DBG["pod"]})
    time.sleep(1.5)
    f = cl.tmp / "sel.pcapng"
    p = client(cl, "--selector", f"{NS}:app=debug", "--duration", "5", out=f)
    wait_running(cl, 1)
    cl.control("add", {"object": pod_obj(DBG)})
    time.sleep(2.5)  # the watch event, then the session's next resolve (1 s)
    cl.topo.run(cl.ns["out"], "ping", "-c", "2", "-i", "0.2", DBG["v4"])
    rc, err, _ = finish(p)
    assert rc == 0, err
    assert lengths(f) == [98] * 4
    assert {r[0] for r in fields(f, "frame.comment")} == {
        f"community_id={community_id(OUT4, DBG['v4'], 1, 8, 0)} pod={NS}/{DBG['pod']}"}


def test_ring_full_drops_counted_in_the_file_and_the_heartbeat(cl):
    """The sensor stopped (SIGSTOP) while a flood goes to the pod: the ring
    fills, the rest is lost and counted; captured + dropped = what tcpdump
    in the pod saw"""
    sink = cl.topo.spawn(cl.ns["web"], "socat", "-u", "UDP-RECV:9", "/dev/null",
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # no ICMP back
    td = Capture(cl.topo, cl.ns["web"], "eth0", cl.tmp / "td_fl.pcap", snaplen=96)
    f = cl.tmp / "flood.pcapng"
    p = client(cl, "--pod", WEB_POD, "--duration", "6", out=f)
    wait_running(cl, 1)
    cl.sensor.send_signal(signal.SIGSTOP)
    try:
        cl.topo.run(cl.ns["out"], "hping3", "-q", "--udp", "-s", "40000", "-k", "-p", "9", "-d",
                    "1400", "-i", "u200", "-c", "12000", WEB["v4"], check=False)
    finally:
        cl.sensor.send_signal(signal.SIGCONT)
    rc, err, _ = finish(p)
    td.stop()
    sink.kill()
    assert rc == 0, err
    seen = len(lengths(td.path))
    got = len(lengths(f))
    (recv, drop), = isb(f)
    assert drop > 0 and got + drop == seen, (got, drop, seen)
    assert recv == got + drop
    assert err == f"nettrail capture: {got} packets, {got * 1442} bytes, {drop} dropped (duration)"
    time.sleep(1.5)  # a heartbeat after the end
    hb = [r for r in read_records(cl.out_file) if r["event"]["dataset"] == "nettrail.heartbeat"]
    assert hb[-1]["nettrail"]["heartbeat"]["counters"]["capture_ring_drops"] >= drop


def test_arp(cl):
    """ARP frames that name the pod's address are captured, as tcpdump's
    "host" sees them: web asks for its gateway and the node for web (both
    entries unpinned, so both sides resolve), the frames equal those tcpdump
    sees in the pod, each with its direction from the pod; ARP about another
    pod's address stays out"""
    t = cl.topo
    gw4 = WEB["v4"].rsplit(".", 1)[0] + ".1"
    t.run(cl.ns["web"], "ip", "neigh", "del", gw4, "dev", "eth0")
    t.run(cl.node, "ip", "neigh", "del", WEB["v4"], "dev", "pweb")
    t.run(cl.node, "ip", "neigh", "del", DB["v4"], "dev", "pdb")
    try:
        td = Capture(cl.topo, cl.ns["web"], "eth0", cl.tmp / "td_arp.pcap", snaplen=262144)
        f = cl.tmp / "arp.pcapng"
        p = client(cl, "--pod", WEB_POD, "--duration", "3", out=f)
        wait_running(cl, 1)
        t.run(cl.ns["web"], "ping", "-c", "1", gw4)  # web asks for its gateway
        t.run(cl.node, "ping", "-c", "1", WEB["v4"])  # the node asks for web
        t.run(cl.node, "ping", "-c", "1", DB["v4"])  # the node asks for db: not web's
        rc, err, _ = finish(p)
        td.stop()
    finally:
        pin_neighbours(cl, "web")
        pin_neighbours(cl, "db")
    assert rc == 0, err
    want = fields(td.path, "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", filt="arp")
    got = fields(f, "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", filt="arp")
    # a request and its reply at least (the first exchange teaches both
    # ends, so the second ping may need none), all naming web, none db
    assert len(want) >= 2 and got == want, (got, want)
    assert {r[0] for r in got} == {"1", "2"}, got
    assert all(WEB["v4"] in r[1:] and gw4 in r[1:] for r in got), got
    # direction from the pod: what it sends outbound (2), what it gets inbound (1)
    for op, src, dst, flags in fields(f, "arp.opcode", "arp.src.proto_ipv4",
                                      "arp.dst.proto_ipv4", "frame.packet_flags_direction",
                                      filt="arp"):
        assert int(flags, 16) == (2 if src == WEB["v4"] else 1), (op, src, dst, flags)
    assert {r[0] for r in fields(f, "frame.interface_name", filt="arp")} == {"pweb"}
    n = len(fields(f, "frame.number"))
    assert err.startswith(f"nettrail capture: {n} packets, "), err


def test_audit_records(cl):
    """every capture above has its audit record; one checked field by field
    (the schema check is the fixture's, at the end)"""
    f = cl.tmp / "audit.pcapng"
    p = client(cl, "--pod", WEB_POD, "--filter", "icmp", "--packets", "2", "--snaplen", "100",
               out=f)
    wait_running(cl, 1)
    cl.topo.run(cl.ns["out"], "ping", "-c", "2", "-i", "0.2", WEB["v4"])
    rc, err, _ = finish(p)
    assert rc == 0, err
    q = client(cl, "--pod", f"{NS}/gone", "--duration", "9", out=f)
    assert finish(q)[0] == 1
    time.sleep(0.5)
    recs = [r for r in read_records(cl.out_file) if r["event"]["dataset"] == "nettrail.capture"]
    mine = [r for r in recs if r["process"]["pid"] == p.pid]
    assert len(mine) == 1
    a = mine[0]
    assert a["user"] == {"id": "0"}
    assert a["event"]["outcome"] == "success" and a["event"]["action"] == "packet-capture"
    assert a["nettrail"]["capture"] == {
        "selector": {"pods": [WEB_POD]}, "filter": "icmp",
        "limits": {"duration_s": 60, "packets": 2, "bytes": 100000000, "snaplen": 100},
        "packets": 2, "bytes": 196, "dropped": 0, "filtered": 0, "end_reason": "packets"}
    refused = [r for r in recs if r["nettrail"]["capture"]["end_reason"] == "refused"]
    no, = [r for r in refused if r["process"]["pid"] == q.pid]
    assert no["event"]["outcome"] == "failure"
    assert no["event"]["reason"] == f"pod {NS}/gone not found in this node's Kubernetes metadata"
    assert no["nettrail"]["capture"]["limits"]["duration_s"] == 9
    c = cl.metric  # published once a second
    wait_for(lambda: c("nettrail_captures_refused_total") == len(refused), 5, "refusals counted")
    assert c("nettrail_captures_started_total") == len(recs) - len(refused)


def test_capture_off_refuses(tmp_path):
    c = Cluster(tmp_path, tag="cof", sensor_args=(
        "--capture", "off", "--control-socket", str(tmp_path / "off.sock")))
    try:
        wait_for(lambda: os.path.exists(tmp_path / "off.sock"), 10, "the socket", c.sensor)
        p = subprocess.run([str(NETTRAIL), "capture", "--ip", OUT4, "-w", "-"], capture_output=True,
                           text=True, env={**os.environ,
                                           "NETTRAIL_CONTROL_SOCKET": str(tmp_path / "off.sock")})
        assert (p.returncode, p.stderr.strip()) == (
            1, "nettrail capture: capture is disabled on this sensor (--capture off)")
        assert p.stdout == ""
    finally:
        c.close()


def test_interface_selection(cl):
    """--interface: every IP packet on it, the direction the interface's own
    (its ingress inbound); the flow's other interface (pweb) is not copied"""
    f = cl.tmp / "iface.pcapng"
    p = client(cl, "--interface", "pout", "--duration", "3", out=f)
    wait_running(cl, 1)
    cl.topo.run(cl.ns["out"], "ping", "-c", "3", "-i", "0.2", WEB["v4"])
    rc, err, _ = finish(p)
    assert rc == 0, err
    rows = fields(f, "frame.interface_name", "ip.src", "frame.packet_flags_direction",
                  "frame.comment", filt="ip")  # (IPv6 neighbour discovery too: not counted)
    assert len(rows) == 6
    for name, src, direction, comment in rows:
        assert name == "pout"
        # into pout from the outside host: its ingress, inbound (1)
        assert int(direction, 16) == (1 if src == OUT4 else 2), (src, direction)
        assert comment.endswith(f" pod={WEB_POD}")  # the identity cache's
    rc, err, _ = finish(client(cl, "--interface", "nope0", out=cl.tmp / "nope.pcapng"))
    assert (rc, err) == (1, "nettrail capture: no interface nope0 on this node")


def test_garbage_on_the_socket(cl):
    """bytes that are not a request: a one-line error frame, the connection
    closed, an audit record (validated with the others), the sensor on"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(cl.sock)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    msg = b"not a capture request (version?)"
    assert data == b"E" + struct.pack("!I", len(msg)) + msg
    assert cl.sensor.poll() is None


def test_walkthrough_syn_scan_through_the_kubectl_plugin(cl):
    """docs/capture.md, "Forensic walk-through", command by command: the dbg
    pod SYN-scans ports 1-100 of the web pod; the analyst captures web with
    `kubectl nettrail capture` (here through tests/kubectl/stub-kubectl,
    whose exec runs the real client against this sensor); tshark shows the
    SYNs without ACK from the scanner, the RSTs of the closed ports, and the
    scanner's identity in the EPB comments."""
    repo = NETTRAIL.parent.parent
    with open(cl.tmp / "pods.txt", "w") as f:
        f.write(f"{NS} {WEB['pod']} {NODE} app=web\n"
                f"nettrail nettrail-x1 {NODE} app.kubernetes.io/name=nettrail\n")
    env = dict(os.environ, KUBECTL=str(repo / "tests/kubectl/stub-kubectl"), STUB_EXEC_REAL="1",
               STUB_DIR=str(cl.tmp), STUB_LOG=str(cl.tmp / "calls"),
               NETTRAIL_CONTROL_SOCKET=cl.sock, PATH=f"{NETTRAIL.parent}:{os.environ['PATH']}")
    out = cl.tmp / "web-0.pcapng"
    with open(out, "wb") as fo:
        p = subprocess.Popen([str(repo / "tools/kubectl-nettrail"), "capture", WEB["pod"], "-n", NS,
                              "--duration", "6"], stdout=fo, stderr=subprocess.PIPE, env=env)
        wait_running(cl, 1)
        cl.topo.run(cl.ns["dbg"], "nmap", "-sS", "-Pn", "-n", "-T5", "--max-retries", "0",
                    "-p", "1-100", WEB["v4"])
        _, err = p.communicate(timeout=30)
    err = err.decode()
    assert p.returncode == 0, err
    assert f"capturing {NS}/{WEB['pod']} through nettrail/nettrail-x1 on node {NODE}" in err
    assert "nettrail capture: " in err and " 0 dropped (duration)" in err

    # capinfos: a pcapng file, Ethernet, the web pod's interface described
    ci = sh("capinfos", "-t", "-E", "-I", str(out)).stdout
    assert "pcapng" in ci and "Ethernet" in ci
    desc = fields(out, "frame.interface_description", filt="tcp")
    assert {d[0] for d in desc} == {f"namespace={NS} pod={WEB['pod']} node={NODE}"}
    # 1. the SYNs without ACK: one per port, all from the scanner, inbound
    syns = fields(out, "ip.src", "tcp.dstport", "frame.packet_flags_direction",
                  filt="tcp.flags.syn==1 && tcp.flags.ack==0")
    assert len(syns) == 100 and {s[0] for s in syns} == {DBG["v4"]}
    assert sorted(int(s[1]) for s in syns) == list(range(1, 101))
    assert {s[2] for s in syns} == {"0x00000001"}  # inbound to the pod
    # 2. the RSTs from the closed ports: one per SYN, from the pod, outbound
    rsts = fields(out, "ip.src", "tcp.srcport", "frame.packet_flags_direction",
                  filt="tcp.flags.reset==1")
    assert len(rsts) == 100 and {r[0] for r in rsts} == {WEB["v4"]}
    assert sorted(int(r[1]) for r in rsts) == list(range(1, 101))
    assert {r[2] for r in rsts} == {"0x00000002"}  # outbound
    # 3. who scanned: the EPB comments name the captured pod and the peer
    com = fields(out, "frame.comment", "ip.src", "tcp.srcport", "tcp.dstport",
                 filt="tcp.flags.syn==1 && tcp.flags.ack==0")
    for c, src, sport, dport in com:
        assert c.startswith("community_id=" + community_id(src, WEB["v4"], 6, int(sport),
                                                           int(dport)) + " "), c
        assert f" pod={WEB_POD} peer={NS}/{DBG['pod']}" in c, c
    # the kubectl calls the plugin made: the pod's node, the sensor there, the exec
    calls = open(cl.tmp / "calls").read().splitlines()
    assert [c.split("|")[:2] for c in calls] == [["get", "pod"], ["get", "pods"], ["exec", "-i"]]
