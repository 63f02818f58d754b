"""--output kafka with --spool-dir against a real Apache Kafka broker
(KRaft, tests/kafka/broker.sh) that goes away and comes back: no record is
lost, what the spool holds is replayed in order, damage and a full spool
are counted exactly, start-up errors are one clear line, and the /metrics
counters add up.

Every record carries nettrail.record_id = "<run id>-<seq>", seq 1..N over
all the records of one run (N = kafka_produced), so "nothing lost" is an
exact set equality over the flow, dns and heartbeat topics. What a spool
holds on disk is read independently by tests/lib/spool_reader.py.

Live sensors run in the root network namespace (so they reach the broker on
127.0.0.1), attached only to the root end of a veth pair whose other end is
in a namespace of the test; the traffic is a steady stream of new UDP flows.
Runs that only need "the broker is down" and are not about the broker
itself point at a closed port (a broker that is down, from nettrail's side).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import NETTRAIL, ROOT, prefetched, sh

sys.path.insert(0, str(ROOT / "tests" / "lib"))
import spool_reader  # noqa: E402

BROKER = ROOT / "tests" / "kafka" / "broker.sh"
GEN = ROOT / "build" / "bench" / "gen_pcap"
TOPICS = ("flow", "dns", "heartbeat")
TYPE_TOPIC = {0: "flow", 1: "dns", 2: "heartbeat"}

SUMMARY = re.compile(
    r"nettrail: kafka: produced (?P<produced>\d+), acked (?P<acked>\d+), "
    r"failed (?P<failed>\d+), spooled (?P<spooled>\d+), replayed (?P<replayed>\d+), "
    r"resent (?P<resent>\d+), producer resets (?P<resets>\d+), spool dropped full "
    r"(?P<dropped_full>\d+) corrupt (?P<dropped_corrupt>\d+) io (?P<dropped_io>\d+), "
    r"in spool (?P<in_spool>\d+) \(at start (?P<at_start>\d+)\)")


# ---- broker ------------------------------------------------------------------

class Broker:
    """The module's one broker; stop/kill/restart keep its port and data."""

    def __init__(self, d):
        self.dir = d
        prefetched("kafka")
        r = sh(str(BROKER), "start", str(d), timeout=240)
        self.boot = self._boot(r)
        self.port = int(self.boot.rsplit(":", 1)[1])

    @staticmethod
    def _boot(r):
        boot = [l.split("=", 1)[1] for l in r.stdout.splitlines() if l.startswith("BOOTSTRAP=")]
        assert boot, r.stdout + r.stderr
        return boot[0]

    def up(self):
        return sh(str(BROKER), "status", str(self.dir), check=False).returncode == 0

    def stop(self):
        sh(str(BROKER), "stop", str(self.dir), timeout=90)

    def kill(self):
        sh(str(BROKER), "kill", str(self.dir), timeout=30)

    def restart(self):
        r = sh(str(BROKER), "restart", str(self.dir), timeout=240)
        assert self._boot(r) == self.boot


@pytest.fixture(scope="module")
def broker_m(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("kafka"))
    yield b
    sh(str(BROKER), "stop", str(b.dir), check=False, timeout=90)


@pytest.fixture
def broker(broker_m):
    """The broker, running when the test starts (a failed test may have
    left it stopped)."""
    if not broker_m.up():
        broker_m.restart()
    return broker_m


def closed_port():
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def prefix():
    return f"sp{uuid.uuid4().hex[:10]}."


def partitions(boot, topic):
    r = sh("kcat", "-L", "-b", boot, "-t", topic, "-J", timeout=30)
    t = json.loads(r.stdout)["topics"][0]
    if t.get("error"):
        return None
    return len(t["partitions"])


def consume(boot, topic):
    """Every message of the topic, in offset order, as
    (partition, offset, key, record dict). [] when the topic does not exist."""
    n = partitions(boot, topic)
    if n is None:
        return []
    assert n == 1, f"{topic} has {n} partitions: order checks assume one"
    r = sh("kcat", "-C", "-b", boot, "-t", topic, "-o", "beginning", "-e", "-q", "-J",
           timeout=120)
    out = []
    for line in r.stdout.splitlines():
        if line.strip():
            m = json.loads(line)
            out.append((m["partition"], m["offset"], m["key"], json.loads(m["payload"])))
    return out


def consume_all(boot, pfx):
    """{topic suffix: [record_id in arrival order]}"""
    return {t: [m[3]["nettrail"]["record_id"] for m in consume(boot, pfx + t)] for t in TOPICS}


def all_ids(by_topic):
    return [i for t in TOPICS for i in by_topic[t]]


def split_id(rid):
    run, seq = rid.rsplit("-", 1)
    return run, int(seq)


def run_ids(rid_list, run):
    return [i for i in rid_list if split_id(i)[0] == run]


def expected(run, n):
    return {f"{run}-{i}" for i in range(1, n + 1)}


def duplicates(ids):
    seen, dup = set(), 0
    for i in ids:
        if i in seen:
            dup += 1
        seen.add(i)
    return dup


def summary(stderr):
    m = SUMMARY.findall(stderr)
    assert len(m) == 1, f"no (single) kafka summary line:\n{stderr}"
    return {k: int(v) for k, v in SUMMARY.search(stderr).groupdict().items()}


def segs(d):
    return sorted(p.name for p in Path(d).glob("*.seg"))


def gen_pcap(path, flows, packets, seed):
    if not GEN.exists():
        GEN.parent.mkdir(parents=True, exist_ok=True)
        sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(GEN))
    sh(str(GEN), str(path), "--packets", str(packets), "--flows", str(flows),
       "--seed", str(seed))
    return path


def run_pcap(pcap, boot, pfx, spool, *extra, rc=0, timeout=120):
    """One offline run to Kafka; returns (summary, stderr)."""
    r = sh(str(NETTRAIL), "--pcap", str(pcap), "-o", "kafka", "--kafka-brokers", boot,
           "--kafka-topic-prefix", pfx, "--spool-dir", str(spool), "--node-name", "spool-node",
           "--process-attribution", "off", *extra, check=False, timeout=timeout)
    assert r.returncode == rc, r.stderr
    return summary(r.stderr), r.stderr


# ---- metrics -----------------------------------------------------------------

def scrape(port):
    """{sample name: value} from /metrics, parsed by prometheus_client."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
        text = r.read().decode()
    return {s.name: int(s.value) if float(s.value).is_integer() else s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def invariant(m):
    """(left, right) of produced + at_start == acked + ... + outstanding."""
    left = m["nettrail_kafka_produced_total"] + m["nettrail_kafka_spool_records_at_start"]
    right = (m["nettrail_kafka_acked_total"] + m["nettrail_kafka_failed_total"]
             + m["nettrail_spool_dropped_full_total"] + m["nettrail_spool_dropped_corrupt_total"]
             + m["nettrail_spool_dropped_io_total"] + m["nettrail_kafka_spool_records"]
             + m["nettrail_kafka_outstanding"])
    return left, right


def wait_metrics(port, cond, timeout, what, proc=None):
    """Polls /metrics until cond(m); returns m. Fails with the last one."""
    deadline = time.time() + timeout
    m = None
    while time.time() < deadline:
        if proc is not None:
            assert proc.poll() is None, f"nettrail exited while waiting for {what}"
        try:
            m = scrape(port)
            if cond(m):
                return m
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out ({timeout} s) waiting for {what}; last metrics: "
                         + json.dumps({k: v for k, v in (m or {}).items()
                                       if "kafka" in k or "spool" in k}))


class MetricsLog(threading.Thread):
    """Scrapes /metrics every 0.2 s in the background."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.samples = []  # (time, metrics)
        self.halt = threading.Event()
        self.start()

    def run(self):
        while not self.halt.is_set():
            try:
                self.samples.append((time.time(), scrape(self.port)))
            except (OSError, ValueError):
                pass
            self.halt.wait(0.2)

    def stop(self):
        self.halt.set()
        self.join(timeout=5)

    def between(self, t0, t1, name):
        return [m[name] for t, m in self.samples if t0 <= t <= t1]


# ---- a live sensor in the root namespace ----------------------------------

class LiveSensor:
    """nettrail -o kafka attached to the root end of a veth pair (the other
    end in a namespace of topo), reachable metrics, stderr in a file."""

    def __init__(self, topo, tmp, tag, boot, pfx, spool, *extra, net):
        self.topo = topo
        self.ifn = f"{topo.prefix}{tag}"[-15:]
        self.net = net  # "10.x.y": .1 here, .2 in the namespace
        self.peer_ip = f"{net}.2"
        self.ns = topo.ns(tag)
        sh("ip", "link", "add", self.ifn, "type", "veth", "peer", "name", "vb", "netns", self.ns)
        sh("ip", "addr", "add", f"{net}.1/24", "dev", self.ifn)
        sh("ip", "link", "set", self.ifn, "up")
        sh("ip", "-n", self.ns, "addr", "add", f"{net}.2/24", "dev", "vb")
        sh("ip", "-n", self.ns, "link", "set", "vb", "up")
        self.port = closed_port()  # free for /metrics
        self.errpath = Path(tmp) / f"nettrail-{tag}-{int(time.time() * 1000)}.err"
        self.errf = open(self.errpath, "w")
        self.p = subprocess.Popen(
            [str(NETTRAIL), "-i", self.ifn, "-o", "kafka", "--kafka-brokers", boot,
             "--kafka-topic-prefix", pfx, "--spool-dir", str(spool),
             "--metrics-addr", f"127.0.0.1:{self.port}", "--node-name", "spool-node",
             "--process-attribution", "off", *extra],
            stdout=subprocess.DEVNULL, stderr=self.errf)
        topo.procs.append(self.p)
        deadline = time.time() + 15
        while time.time() < deadline:
            assert self.p.poll() is None, f"nettrail exited: {self.errpath.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("nettrail never ready")

    def metrics(self):
        return scrape(self.port)

    def wait(self, cond, timeout, what):
        return wait_metrics(self.port, cond, timeout, what, self.p)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout=timeout)
        self.errf.close()
        self.stderr = self.errpath.read_text()
        return rc


class Traffic(threading.Thread):
    """A new UDP flow every `every` seconds: one datagram to the next port."""

    def __init__(self, dst, every=0.02):
        super().__init__(daemon=True)
        self.dst = dst
        self.every = every
        self.sent = 0
        self.halt = threading.Event()
        self.start()

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        port = 20000
        while not self.halt.is_set():
            try:
                s.sendto(b"nettrail spool test", (self.dst, port))
                self.sent += 1
            except OSError:
                pass
            port = 20000 + (port - 19999) % 40000
            self.halt.wait(self.every)
        s.close()

    def stop(self):
        self.halt.set()
        self.join(timeout=5)



class Problems:
    """Checks that are all evaluated and reported together, so one failing
    run shows every symptom (a bug report's evidence), not only the first."""

    def __init__(self):
        self.found = []

    def check(self, ok, what):
        if not ok:
            self.found.append(what)
        return ok

    def assert_none(self):
        assert not self.found, "\n\n".join(self.found)


def dump_spool(d):
    out = []
    for s in spool_reader.read_spool(d):
        out.append(f"{s.path.name} {s.size} bytes")
        for b in s.blocks:
            ids = b.record_ids
            out.append(f"  @{b.offset} nrec {b.nrec} comp {b.comp_len} {b.error or 'ok'} "
                       f"{ids[0] if ids else ''} .. {ids[-1] if ids else ''}")
    return "\n".join(out)


def ascending_by_run(ids, runs):
    """The list a spool should hold: runs in this order, each run's records
    once, seq ascending."""
    return sorted(ids, key=lambda i: (runs.index(split_id(i)[0]), split_id(i)[1]))


def deliver_live(topo, tmp, tag, boot, pfx, spool, net):
    """A live run (no traffic) against a healthy broker until what the spool
    held at start is settled: returns (metrics then, exit summary, stderr)."""
    nt = LiveSensor(topo, tmp, tag, boot, pfx, spool, "--heartbeat", "0", net=net)

    def settled(m):
        done = (m["nettrail_kafka_acked_total"] + m["nettrail_spool_dropped_corrupt_total"]
                + m["nettrail_kafka_failed_total"])
        return (m["nettrail_kafka_spool_records"] == 0 and m["nettrail_kafka_outstanding"] == 0
                and done >= m["nettrail_kafka_spool_records_at_start"])
    m = nt.wait(settled, 60, "the spool delivered")
    assert nt.stop() == 0, nt.stderr
    return m, summary(nt.stderr), nt.stderr


# ---- 2: a 30 s outage while traffic flows ----------------------------------

def test_outage_mid_stream_loses_nothing(broker, topo, tmp_path):
    spool = tmp_path / "spool"
    pfx = prefix()
    nt = LiveSensor(topo, tmp_path, "o2", broker.boot, pfx, spool, "--idle-timeout", "1",
                    "--heartbeat", "2", "--spool-fsync-ms", "200", net="10.231.2")
    log = MetricsLog(nt.port)
    tr = Traffic(nt.peer_ip, 0.02)
    try:
        # straight to Kafka first
        nt.wait(lambda m: m["nettrail_kafka_acked_total"] >= 50 and
                m["nettrail_kafka_broker_up"] == 1, 30, "50 records acknowledged")
        t_down = time.time()
        broker.stop()
        time.sleep(30)  # the outage, with traffic flowing
        during = nt.metrics()
        t_up = time.time()
        broker.restart()
        # back: the spool drains while traffic still flows
        nt.wait(lambda m: m["nettrail_kafka_acked_total"] > during["nettrail_kafka_acked_total"]
                and m["nettrail_kafka_spool_records"] == 0, 90, "the spool drained")
    finally:
        tr.stop()
    # quiescence: every flow reported, nothing in the spool or in librdkafka
    quiet = nt.wait(lambda m: m["nettrail_kafka_spool_records"] == 0 and
                    m["nettrail_kafka_outstanding"] == 0 and
                    m["nettrail_flows_tracked"] == 0, 30, "quiescence")
    log.stop()
    left, right = invariant(quiet)
    assert left == right, quiet
    assert quiet["nettrail_kafka_broker_up"] == 1
    assert 0 in log.between(t_down + 5, t_up, "nettrail_kafka_broker_up")
    assert nt.stop() == 0, nt.stderr
    s = summary(nt.stderr)
    stderr = nt.stderr
    # the spool was used during the outage, and is empty and gone now
    assert s["spooled"] > 0 and during["nettrail_kafka_spooled_total"] > 0, stderr
    spool_during = log.between(t_down, t_up, "nettrail_kafka_spool_records")
    assert max(spool_during) > 0, "spool_records never rose during the outage"
    assert quiet["nettrail_kafka_spool_records"] == 0
    assert s["in_spool"] == 0 and s["failed"] == 0, stderr
    assert s["dropped_full"] == s["dropped_corrupt"] == s["dropped_io"] == 0, stderr
    assert segs(spool) == [], dump_spool(spool)
    # zero loss: record_ids 1..N of the run, over the three topics
    got = consume_all(broker.boot, pfx)
    ids = all_ids(got)
    run = split_id(ids[0])[0]
    assert {split_id(i)[0] for i in ids} == {run}
    missing = expected(run, s["produced"]) - set(ids)
    assert not missing, f"{len(missing)} records lost: {sorted(missing, key=lambda i: split_id(i)[1])[:20]}"
    assert set(ids) == expected(run, s["produced"])
    dup = duplicates(ids)
    assert dup <= s["resent"], f"{dup} duplicates, resent {s['resent']}: {stderr}"
    if s["resent"] == 0:
        assert dup == 0
    # the exit line agrees with the consumer: every record acknowledged once
    assert s["acked"] == s["produced"] == len(set(ids)), stderr
    assert len(got["heartbeat"]) >= 15  # one every 2 s, and at exit


# ---- 3: broker down from the start, two runs, then delivery in order ------

def test_spooled_across_runs_delivered_in_order(broker, topo, tmp_path):
    spool = tmp_path / "spool"
    pfx = prefix()
    p = Problems()
    broker.stop()
    # run 1: live, the broker never reachable
    s1 = LiveSensor(topo, tmp_path, "r1", broker.boot, pfx, spool, "--idle-timeout", "1",
                    "--heartbeat", "1", "--kafka-flush-timeout", "1", net="10.231.3")
    tr = Traffic(s1.peer_ip)
    try:
        s1.wait(lambda m: m["nettrail_kafka_spooled_total"] >= 100 and
                m["nettrail_kafka_broker_up"] == 0, 30, "100 records spooled")
    finally:
        tr.stop()
    assert s1.stop() == 0, s1.stderr
    sum1 = summary(s1.stderr)
    assert sum1["acked"] == 0 and sum1["failed"] == 0, s1.stderr
    assert sum1["in_spool"] == sum1["produced"], s1.stderr
    assert all(b.ok for b in spool_reader.blocks(spool)), dump_spool(spool)
    ids1 = spool_reader.record_ids(spool)
    run1 = split_id(ids1[0])[0]
    p.check(sorted(ids1) == sorted(expected(run1, sum1["produced"])),
            f"after run 1 (produced {sum1['produced']}, 'in spool {sum1['in_spool']}', "
            f"resent {sum1['resent']}) the spool holds {len(ids1)} records, "
            f"{duplicates(ids1)} of them twice:\n{dump_spool(spool)}")
    # run 2: offline, still down
    pcap2 = gen_pcap(tmp_path / "r2.pcap", 40, 400, 7)
    sum2, err2 = run_pcap(pcap2, broker.boot, pfx, spool, "--kafka-flush-timeout", "1")
    p.check(sum2["at_start"] == sum1["in_spool"],
            f"run 1 said 'in spool {sum1['in_spool']}', run 2 found {sum2['at_start']} at start")
    assert sum2["in_spool"] == sum2["at_start"] + sum2["produced"], err2
    recs = spool_reader.records(spool)
    ids = [r.record_id for r in recs]
    run2 = next(split_id(i)[0] for i in ids if split_id(i)[0] != run1)
    want = ascending_by_run(expected(run1, sum1["produced"]) | expected(run2, sum2["produced"]),
                            [run1, run2])
    p.check(ids == want, "the spool is not run 1 then run 2, each record once, seq "
            f"ascending:\n{dump_spool(spool)}")
    # the broker is back: a third run delivers it all
    broker.restart()
    pcap3 = gen_pcap(tmp_path / "r3.pcap", 1, 10, 9)
    pfx3 = prefix()
    sum3, err3 = run_pcap(pcap3, broker.boot, pfx3, spool, "--kafka-flush-timeout", "30")
    p.check(sum3["at_start"] == sum2["in_spool"],
            f"run 2 said 'in spool {sum2['in_spool']}', run 3 found {sum3['at_start']} at start")
    assert sum3["at_start"] == len(recs), err3
    assert sum3["in_spool"] == 0 and sum3["failed"] == 0 and sum3["resent"] == 0, err3
    assert sum3["replayed"] == len(recs) + sum3["produced"], err3
    assert segs(spool) == [], dump_spool(spool)
    got = consume_all(broker.boot, pfx3)
    everything = all_ids(got)
    run3 = next(split_id(i)[0] for i in everything if split_id(i)[0] not in (run1, run2))
    assert set(everything) == set(ids) | expected(run3, sum3["produced"])
    # arrival order on each topic's one partition is spool order
    for typ, topic in TYPE_TOPIC.items():
        in_spool = [r.record_id for r in recs if r.type == typ]
        arrived = [i for i in got[topic] if split_id(i)[0] != run3]
        assert arrived == in_spool, topic
        p.check(arrived == [i for i in want if i in set(in_spool)],
                f"{topic}: arrival is not run 1 then run 2, each record once, seq ascending: "
                f"{arrived[:6]} ...")
    p.check(duplicates(everything) == 0,
            f"{duplicates(everything)} duplicates delivered although run 3 resent nothing "
            f"(resent: run 1 {sum1['resent']}, run 2 {sum2['resent']}, run 3 {sum3['resent']})")
    # nothing arrived on run 1's or run 2's topics
    assert all(not v for v in consume_all(broker.boot, pfx).values())
    p.assert_none()


# ---- 4: kill -9 while spooling, and a block cut short ----------------------

def test_kill9_while_spooling_and_cut_block(broker, topo, tmp_path):
    spool = tmp_path / "spool"
    pfx = prefix()
    broker.stop()
    nt = LiveSensor(topo, tmp_path, "k4", broker.boot, pfx, spool, "--idle-timeout", "1",
                    "--heartbeat", "1", net="10.231.4")
    tr = Traffic(nt.peer_ip)
    try:
        deadline = time.time() + 30
        while len([b for b in spool_reader.blocks(spool) if b.ok and b.nrec > 1]) < 3:
            assert time.time() < deadline, "the spool never had 3 blocks"
            assert nt.p.poll() is None
            time.sleep(0.2)
        assert nt.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        tr.stop()
    blocks = spool_reader.blocks(spool)
    assert len(blocks) >= 3 and all(b.ok for b in blocks), dump_spool(spool)
    ids_s = [i for b in blocks for i in b.record_ids]
    run = split_id(ids_s[0])[0]
    assert duplicates(ids_s) == 0 and {split_id(i)[0] for i in ids_s} == {run}
    # a write cut in the middle of the last block's payload
    last = max(blocks, key=lambda b: (b.segment.name, b.offset))
    cut = last.payload_offset + last.comp_len // 2
    os.truncate(last.segment, cut)
    cut_ids = set(last.record_ids)
    assert len(cut_ids) == last.nrec >= 1
    broker.restart()
    pfx3 = prefix()
    m, sum3, err3 = deliver_live(topo, tmp_path, "d4", broker.boot, pfx3, spool, "10.231.14")
    p = Problems()
    left, right = invariant(m)
    p.check(left == right, "the counters do not add up after a cut block: produced "
            f"{m['nettrail_kafka_produced_total']} + at start "
            f"{m['nettrail_kafka_spool_records_at_start']} = {left}, but acked "
            f"{m['nettrail_kafka_acked_total']} + dropped corrupt "
            f"{m['nettrail_spool_dropped_corrupt_total']} + failed, full, io, spool, "
            f"outstanding = {right}")
    assert m["nettrail_spool_corrupt_blocks_total"] == 1, err3
    assert m["nettrail_spool_dropped_corrupt_total"] == last.nrec, err3
    assert sum3["dropped_corrupt"] == last.nrec, err3
    # at start, nettrail counts every block with a whole header, the cut
    # one too (then counts its records as lost), so the books balance
    assert sum3["at_start"] == len(ids_s), err3
    assert sum3["in_spool"] == 0 and sum3["failed"] == 0, err3
    lines = [l for l in err3.splitlines() if l.startswith("nettrail: spool: ") and l.endswith("(skipped)")]
    assert lines == [f"nettrail: spool: {spool}/{last.segment.name} at byte {last.offset}: "
                     "truncated block (skipped)"], err3
    got = consume_all(broker.boot, pfx3)
    everything = all_ids(got)
    run3 = next(split_id(i)[0] for i in everything if split_id(i)[0] != run)
    assert sorted(everything) == sorted((set(ids_s) - cut_ids) | expected(run3, sum3["produced"]))
    assert segs(spool) == []
    p.assert_none()


# ---- 5: a damaged block in the middle of a segment -------------------------

def test_corrupt_block_skipped_and_counted(broker, topo, tmp_path):
    spool = tmp_path / "spool"
    dead = f"127.0.0.1:{closed_port()}"
    # ~700 flow records: blocks are written at 256 KiB raw, so three of them
    s1, err1 = run_pcap(gen_pcap(tmp_path / "many.pcap", 700, 5600, 13), dead, prefix(), spool,
                        "--kafka-flush-timeout", "1")
    assert s1["in_spool"] == s1["produced"] and s1["acked"] == 0, err1
    blocks = spool_reader.blocks(spool)
    assert len(blocks) >= 3 and all(b.ok for b in blocks), dump_spool(spool)
    run = split_id(blocks[0].record_ids[0])[0]
    assert sorted(i for b in blocks for i in b.record_ids) == sorted(expected(run, s1["produced"]))
    bad = blocks[len(blocks) // 2]
    assert bad is not blocks[0] and bad is not blocks[-1]
    with open(bad.segment, "r+b") as f:
        off = bad.payload_offset + bad.comp_len // 2
        f.seek(off)
        byte = f.read(1)
        f.seek(off)
        f.write(bytes([byte[0] ^ 0x5A]))
    after = spool_reader.blocks(spool)
    assert [b.ok for b in after] == [b is not bad for b in blocks]
    pfx = prefix()
    m, s2, err2 = deliver_live(topo, tmp_path, "d5", broker.boot, pfx, spool, "10.231.15")
    left, right = invariant(m)
    assert left == right, m
    assert m["nettrail_spool_corrupt_blocks_total"] == 1, err2
    assert m["nettrail_spool_dropped_corrupt_total"] == bad.nrec, err2
    assert s2["dropped_corrupt"] == bad.nrec, err2
    assert s2["in_spool"] == 0 and s2["failed"] == 0 and s2["dropped_full"] == 0, err2
    lines = [l for l in err2.splitlines() if l.startswith("nettrail: spool: ") and l.endswith("(skipped)")]
    assert lines == [f"nettrail: spool: {spool}/{bad.segment.name} at byte {bad.offset}: "
                     "block fails its checksum (skipped)"], err2
    got = consume_all(broker.boot, pfx)
    everything = all_ids(got)
    run2 = next(split_id(i)[0] for i in everything if split_id(i)[0] != run)
    assert sorted(everything) == sorted((expected(run, s1["produced"]) - set(bad.record_ids))
                                        | expected(run2, s2["produced"]))
    assert segs(spool) == []


# ---- 6: a full spool, both policies ----------------------------------------

@pytest.mark.parametrize("policy", ["drop-oldest", "drop-newest"])
def test_spool_full_policy(broker, tmp_path, policy, big_pcap):
    spool = tmp_path / "spool"
    dead = f"127.0.0.1:{closed_port()}"
    s1, err1 = run_pcap(big_pcap, dead, prefix(), spool, "--spool-max-bytes", "1M",
                        "--spool-full-policy", policy, "--kafka-flush-timeout", "1")
    n, dropped = s1["produced"], s1["dropped_full"]
    # the spool took what it could: > 1 MB of records came, it holds < 1 MiB
    assert s1["resent"] == 0 and s1["acked"] == 0 and s1["failed"] == 0, err1
    assert dropped > 0 and s1["in_spool"] == n - dropped, err1
    assert sum(p.stat().st_size for p in Path(spool).glob("*.seg")) <= 1 << 20
    ids_disk = spool_reader.record_ids(spool)
    run = split_id(ids_disk[0])[0]
    keep = range(dropped + 1, n + 1) if policy == "drop-oldest" else range(1, n - dropped + 1)
    assert ids_disk == [f"{run}-{i}" for i in keep]
    pfx = prefix()
    s2, err2 = run_pcap(gen_pcap(tmp_path / "one.pcap", 1, 10, 11), broker.boot, pfx, spool,
                        "--kafka-flush-timeout", "60")
    assert s2["at_start"] == n - dropped, err2
    assert s2["in_spool"] == 0 and s2["failed"] == 0 and s2["dropped_full"] == 0, err2
    got = consume_all(broker.boot, pfx)
    everything = all_ids(got)
    run2 = next(split_id(i)[0] for i in everything if split_id(i)[0] != run)
    mine = run_ids(everything, run)
    assert duplicates(mine) == 0
    missing = expected(run, n) - set(mine)
    # exactly the counted ones are missing, and they are the oldest / newest
    assert len(missing) == dropped
    assert missing == {f"{run}-{i}" for i in range(1, n + 1) if i not in keep}
    assert set(mine) | missing == expected(run, n)
    assert set(run_ids(everything, run2)) == expected(run2, s2["produced"])
    # in spool order on each topic
    for topic in TOPICS:
        seqs = [split_id(i)[1] for i in got[topic] if split_id(i)[0] == run]
        assert seqs == sorted(seqs), topic


@pytest.fixture(scope="module")
def big_pcap(tmp_path_factory):
    """About 9000 flow records (~9 MB of JSON, ~1.1 MB compressed)."""
    return gen_pcap(tmp_path_factory.mktemp("big") / "big.pcap", 9000, 72000, 17)


# ---- 7: start-up errors ----------------------------------------------------

def start_error(*args):
    """A start that must fail: (exit code, stderr lines)."""
    r = sh(str(NETTRAIL), "--pcap", "/nonexistent.pcap", "-o", "kafka", *args,
           check=False, timeout=30)
    return r.returncode, r.stderr.splitlines()


HINT = "Try 'nettrail --help'."  # follows a usage error (exit 2)


def test_startup_error_bad_broker_list(tmp_path):
    rc, err = start_error("--kafka-brokers", "nohostport", "--spool-dir", str(tmp_path / "s"))
    assert (rc, err) == (2, ["nettrail: --kafka-brokers: 'nohostport' is not a list of host:port",
                             HINT])
    assert not (tmp_path / "s").exists()  # refused before anything is touched


def test_startup_error_bad_property(tmp_path):
    rc, err = start_error("--kafka-brokers", f"127.0.0.1:{closed_port()}", "--kafka-prop",
                          "no.such.property=1", "--spool-dir", str(tmp_path / "s"))
    assert (rc, err) == (2, ['nettrail: kafka property no.such.property=1: No such '
                             'configuration property: "no.such.property"', HINT])
    assert not (tmp_path / "s").exists()


def test_startup_error_metrics_port_in_use(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        rc, err = start_error("--kafka-brokers", f"127.0.0.1:{closed_port()}",
                              "--spool-dir", str(tmp_path / "s"),
                              "--metrics-addr", f"127.0.0.1:{port}")
    finally:
        s.close()
    # one line: the cause, and nothing from a Kafka producer that never had
    # a record to send
    assert (rc, err) == (1, [f"nettrail: --metrics-addr 127.0.0.1:{port}: cannot listen "
                             "(address in use or not local?)"])


def test_startup_error_spool_dir_under_a_file():
    rc, err = start_error("--kafka-brokers", f"127.0.0.1:{closed_port()}",
                          "--spool-dir", "/etc/hostname/spool")
    assert (rc, err) == (1, ["nettrail: --spool-dir /etc/hostname/spool: Not a directory"])


def test_startup_error_spool_dir_read_only(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(ro))
    try:
        (ro / "spool").mkdir()
        sh("mount", "-o", "remount,ro", str(ro))
        # the directory exists, or has to be made
        for d in (ro / "spool", ro / "new" / "spool"):
            rc, err = start_error("--kafka-brokers", f"127.0.0.1:{closed_port()}",
                                  "--spool-dir", str(d))
            assert (rc, err) == (1, [f"nettrail: --spool-dir {d}: Read-only file system"])
    finally:
        sh("umount", str(ro))


def test_startup_error_spool_dir_locked(tmp_path, topo):
    spool = tmp_path / "held"
    dead = f"127.0.0.1:{closed_port()}"
    nt = LiveSensor(topo, tmp_path, "l7", dead, prefix(), spool, net="10.231.7")
    try:
        rc, err = start_error("--kafka-brokers", dead, "--spool-dir", str(spool))
        assert (rc, err) == (1, [f"nettrail: --spool-dir {spool}: in use by another nettrail"])
        assert nt.p.poll() is None  # the holder is not disturbed
    finally:
        assert nt.stop() == 0, nt.stderr
    # released at exit: the same start now gets past the spool
    rc, err = start_error("--kafka-brokers", dead, "--spool-dir", str(spool))
    assert rc == 1 and "nettrail: cannot open /nonexistent.pcap: No such file or directory" \
        in err and not [l for l in err if "in use" in l], err


# ---- 8: /metrics: the counters add up, broker_up follows the broker --------

def test_metrics_invariant_and_broker_up(broker, topo, tmp_path):
    spool = tmp_path / "spool"
    pfx = prefix()
    nt = LiveSensor(topo, tmp_path, "m8", broker.boot, pfx, spool, "--idle-timeout", "1",
                    "--heartbeat", "1", net="10.231.8")
    tr = Traffic(nt.peer_ip, 0.02)
    try:
        m = nt.wait(lambda m: m["nettrail_kafka_acked_total"] >= 20, 30, "acknowledgements")
        assert m["nettrail_kafka_broker_up"] == 1
        broker.kill()
        nt.wait(lambda m: m["nettrail_kafka_broker_up"] == 0, 30, "broker_up 0")
        nt.wait(lambda m: m["nettrail_kafka_spool_records"] > 0, 30, "records in the spool")
    finally:
        tr.stop()
    # quiescent during the outage: no flow left, the spool holds the rest
    nt.wait(lambda m: m["nettrail_flows_tracked"] == 0, 30, "flows reported")
    down = nt.metrics()
    assert down["nettrail_kafka_broker_up"] == 0
    assert down["nettrail_kafka_spool_records"] > 0 and down["nettrail_kafka_spool_bytes"] > 0
    left, right = invariant(down)
    assert left == right, down
    broker.restart()
    up = nt.wait(lambda m: m["nettrail_kafka_broker_up"] == 1 and
                 m["nettrail_kafka_spool_records"] == 0 and
                 m["nettrail_kafka_outstanding"] == 0, 90, "recovery")
    left, right = invariant(up)
    assert left == right, up
    assert up["nettrail_kafka_spool_records_at_start"] == 0
    assert up["nettrail_kafka_acked_total"] > down["nettrail_kafka_acked_total"]
    assert up["nettrail_kafka_spool_bytes"] == 0
    # counters are counters and gauges are gauges, to a real parser
    with urllib.request.urlopen(f"http://127.0.0.1:{nt.port}/metrics", timeout=3) as r:
        fams = {f.name: f.type for f in text_string_to_metric_families(r.read().decode())}
    for c in ("kafka_produced", "kafka_acked", "kafka_failed", "kafka_spooled",
              "kafka_replayed", "kafka_resent", "kafka_producer_resets", "spool_dropped_full",
              "spool_dropped_corrupt", "spool_dropped_io", "spool_corrupt_blocks"):
        assert fams.get(f"nettrail_{c}") == "counter", c
    for g in ("kafka_outstanding", "kafka_broker_up", "kafka_spool_records",
              "kafka_spool_bytes", "kafka_spool_records_at_start"):
        assert fams.get(f"nettrail_{g}") == "gauge", g
    assert nt.stop() == 0, nt.stderr
    s = summary(nt.stderr)
    assert s["in_spool"] == 0 and s["failed"] == 0
    assert s["produced"] + s["at_start"] == s["acked"] + s["failed"] + s["dropped_full"] + \
        s["dropped_corrupt"] + s["dropped_io"] + s["in_spool"], nt.stderr
    ids = all_ids(consume_all(broker.boot, pfx))
    run = split_id(ids[0])[0]
    assert set(ids) == expected(run, s["produced"])
    assert duplicates(ids) <= s["resent"]


# ---- 9: a failed delivery that finds no memory, while degraded --------------

def test_lost_failure_settles_and_the_spool_keeps_draining(broker, topo, tmp_path):
    """Records replayed from the spool fail (the broker is down) and the
    first 3 of those failures find no memory to be kept (--fault
    kafka-keep-fail=3): they are lost and counted, their block is settled,
    so the degraded sink keeps probing, and when the broker is back the
    spool drains to empty; every other record arrives."""
    spool = tmp_path / "spool"
    pfx = prefix()
    broker.stop()
    # run 1: offline, the broker down: everything goes to the spool
    s1, err1 = run_pcap(gen_pcap(tmp_path / "b.pcap", 60, 600, 21), broker.boot, pfx, spool,
                        "--kafka-flush-timeout", "1")
    assert s1["in_spool"] == s1["produced"] and s1["acked"] == 0, err1
    ids1 = spool_reader.record_ids(spool)
    run1 = split_id(ids1[0])[0]
    assert sorted(ids1) == sorted(expected(run1, s1["produced"])), dump_spool(spool)
    # run 2: live, nothing new to send (no heartbeat, no traffic); its
    # replays time out after 2 s while the broker is down
    nt = LiveSensor(topo, tmp_path, "n9", broker.boot, pfx, spool, "--heartbeat", "0",
                    "--kafka-prop", "message.timeout.ms=2000",
                    "--fault", "kafka-keep-fail=3", net="10.231.9")
    lost = nt.wait(lambda m: m["nettrail_kafka_failed_total"] >= 3 and
                   m["nettrail_kafka_resent_total"] > 0, 30, "3 failures lost, the rest kept")
    assert lost["nettrail_kafka_spool_records_at_start"] == s1["produced"]
    time.sleep(3)  # degraded: probes go on (they fail too) while the broker is down
    assert nt.metrics()["nettrail_kafka_failed_total"] == 3
    broker.restart()
    m = nt.wait(lambda m: m["nettrail_kafka_spool_records"] == 0 and
                m["nettrail_kafka_outstanding"] == 0 and
                m["nettrail_kafka_acked_total"] >= s1["produced"] - 3, 60,
                "the spool drained after the lost records")
    left, right = invariant(m)
    assert left == right, m
    assert m["nettrail_kafka_failed_total"] == 3, m
    # failed > 0: exit 1, with the count
    assert nt.stop() == 1, nt.stderr
    s = summary(nt.stderr)
    assert s["failed"] == 3 and s["in_spool"] == 0 and s["at_start"] == s1["produced"], nt.stderr
    assert s["dropped_full"] == s["dropped_corrupt"] == s["dropped_io"] == 0, nt.stderr
    assert "nettrail: kafka: no memory to keep a failed delivery for re-sending (1 lost so far): " \
        in nt.stderr, nt.stderr
    assert segs(spool) == [], dump_spool(spool)
    got = all_ids(consume_all(broker.boot, pfx))
    run2 = {split_id(i)[0] for i in got} - {run1}
    want = expected(run1, s1["produced"]) | (expected(run2.pop(), s["produced"]) if run2 else set())
    assert len(want) == s1["produced"] + s["produced"]
    missing = want - set(got)
    assert len(missing) == 3 and {split_id(i)[0] for i in missing} == {run1}, sorted(missing)
    assert set(got) <= want
    assert duplicates(got) <= s["resent"], (duplicates(got), s)
