"""Shared fixtures for the live tests: network namespaces joined by veth
pairs, nettrail running inside one of them, tcpdump as the independent
capture, and the tshark-based flow oracle (tests/lib/flow_oracle.py).

Every test needs root and a kernel that runs BPF: they never skip. A test
that cannot set up its namespaces fails with the reason.
"""
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETTRAIL = ROOT / "build" / "nettrail"
ORACLE = ROOT / "tests" / "lib" / "flow_oracle.py"
VALIDATE = ROOT / "tests" / "lib" / "validate_records.py"
VALIDATE_OCSF = ROOT / "tests" / "lib" / "validate_ocsf.py"
PY = "/usr/bin/python3"


def sh(*args, check=True, **kw):
    """Runs a command; raises with its stderr when it fails."""
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: rc={r.returncode} {r.stderr.strip()}")
    return r


def prefetched(name):
    """Under make test, waits for the background fetch NAME (tests/lib/prefetch.sh)."""
    sh(str(ROOT / "tests" / "lib" / "prefetch.sh"), "wait", name)


class Topo:
    """Namespaces and veth pairs made for one test, removed afterwards."""

    def __init__(self, tag):
        self.prefix = f"nt{os.getpid() % 10000}{tag}"
        self.namespaces = []
        self.procs = []

    def ns(self, name):
        full = f"{self.prefix}{name}"
        sh("ip", "netns", "add", full)
        self.namespaces.append(full)
        sh("ip", "-n", full, "link", "set", "lo", "up")
        return full

    def veth(self, ns1, if1, a1, ns2, if2, a2, v6=None):
        """veth pair if1@ns1 <-> if2@ns2 with IPv4 (and IPv6 /64) addresses."""
        sh("ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", "name", if2, "netns", ns2)
        for ns, ifn, a, a6 in ((ns1, if1, a1, v6 and v6[0]), (ns2, if2, a2, v6 and v6[1])):
            if a:
                sh("ip", "-n", ns, "addr", "add", a, "dev", ifn)
            if a6:
                sh("ip", "-n", ns, "addr", "add", a6, "dev", ifn, "nodad")
            sh("ip", "-n", ns, "link", "set", ifn, "up")

    def offloads(self, ns, ifn, on):
        state = "on" if on else "off"
        sh("ip", "netns", "exec", ns, "ethtool", "-K", ifn, "tso", state, "gso", state,
           "gro", state, "tx", state, "rx", state, check=False)

    def run(self, ns, *cmd, check=True, **kw):
        return sh("ip", "netns", "exec", ns, *cmd, check=check, **kw)

    def spawn(self, ns, *cmd, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)


@pytest.fixture
def topo(request):
    import re
    t = Topo(re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-4:])
    yield t
    t.close()


class Capture:
    """tcpdump on one interface, started before traffic, stopped after."""

    def __init__(self, topo, ns, ifn, path, snaplen=256):
        self.path = path
        self.p = topo.spawn(ns, "tcpdump", "-i", ifn, "-s", str(snaplen), "-U", "--immediate-mode",
                            "-n", "-w", str(path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # tcpdump says "listening on" once its socket is live
        seen = ""
        for _ in range(4):
            line = self.p.stderr.readline().decode()
            seen += line
            if "listening" in line or not line:
                break
        assert "listening" in seen, f"tcpdump did not start: {seen}"

    def stop(self):
        """Stops the capture; fails unless it holds every packet it saw."""
        time.sleep(0.3)
        self.p.send_signal(signal.SIGINT)
        self.p.wait(timeout=10)
        err = self.p.stderr.read().decode()
        stats = {}
        for line in err.splitlines():
            parts = line.split(" packets ")
            if len(parts) == 2 and parts[0].strip().isdigit():
                stats[parts[1].strip()] = int(parts[0])
        assert stats.get("dropped by kernel") == 0, err
        assert stats.get("captured") == stats.get("received by filter"), err


_ocsf_runs = itertools.count()


def ocsf_args():
    """Every live sensor writes each flow and DNS record twice, in ECS and in
    OCSF (docs/ocsf.md), at OCSF 1.1.0 and 1.8.0 in turn: validate() checks
    every OCSF record against the official schema and its ECS twin field by
    field; read_records() hands the tests the ECS records only."""
    return ["--record-format", "ecs,ocsf",
            "--ocsf-version", ("1.1.0", "1.8.0")[next(_ocsf_runs) % 2]]


def ifindex(topo, ns, ifn):
    return json.loads(topo.run(ns, "ip", "-j", "link", "show", ifn).stdout)[0]["ifindex"]


def tcx_links(pid, idx=None):
    """{link id: attach type} of the tcx links process pid holds (on ifindex
    idx, when given), read from its fdinfo: the kernel names a tcx link's
    device and direction there (bookworm's bpftool 7.1 cannot)."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(l.split(":\t", 1) for l in f.read().splitlines() if ":\t" in l)
        except OSError:
            continue
        if info.get("link_type") == "tcx" and (idx is None or int(info["ifindex"]) == idx):
            out[int(info["link_id"])] = info["attach_type"]
    return out


def attachment(topo, ns, ifn, pid):
    """How nettrail (pid) is attached to ifn: "tcx" (both its links), "tc"
    (our clsact filter) or None."""
    if len(tcx_links(pid, ifindex(topo, ns, ifn))) == 2:
        return "tcx"
    r = topo.run(ns, "tc", "filter", "show", "dev", ifn, "ingress", check=False)
    return "tc" if "tc_ingress" in r.stdout else None


def wait_attached(topo, ns, ifn, p, timeout=10):
    """Until nettrail (Popen p) is attached to ifn, tcx or tc (it is then
    ready); fails after timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert p.poll() is None, f"nettrail exited: {p.stderr.read().decode()}"
        if attachment(topo, ns, ifn, p.pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"nettrail did not attach to {ifn} in {timeout} s")


class Sensor:
    """nettrail running in a namespace, writing JSON lines to a file (ECS
    and OCSF: see ocsf_args)."""

    def __init__(self, topo, ns, out, *args):
        self.out = out
        self.p = topo.spawn(ns, str(NETTRAIL), *args, *ocsf_args(), "-o", f"file:{out}",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.ns = ns
        self.topo = topo
        if "-i" in args:
            wait_attached(topo, ns, args[args.index("-i") + 1].split(",")[0], self.p)

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout=20)
        self.stderr = self.p.stderr.read().decode()
        return rc

    def records(self):
        return read_records(self.out)


def wait_for(cond, timeout, what, proc=None):
    """Polls cond() until it holds; fails after timeout seconds, or at once
    when proc (a Popen, e.g. the sensor) has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        assert proc is None or proc.poll() is None, \
            f"{proc.args[-1] if proc.args else 'process'} exited: {proc.stderr.read().decode()}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def read_records(path):
    """The ECS records of a file (OCSF twins, with a class_uid, left out)."""
    with open(path) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    return [r for r in recs if "class_uid" not in r]


def flows(records):
    return [r for r in records if r["event"]["dataset"] == "nettrail.flow"]


def validate(path, inside=None):
    """inside: the cluster's CIDRs, when the sensor ran with them. The ECS
    records against docs/schema/; OCSF ones, when the run wrote them,
    against the OCSF schemas and their ECS twins (tests/lib/validate_ocsf.py)."""
    path = Path(path)
    lines = path.read_text().splitlines(keepends=True)
    ecs = [l for l in lines if not l.startswith('{"activity_id":')]
    if len(ecs) != len(lines):
        only = path.with_name(path.name + ".ecs")
        only.write_text("".join(ecs))
        r = sh(PY, str(VALIDATE_OCSF), "--twins", str(path), check=False)
        assert r.returncode == 0, f"OCSF validation failed:\n{r.stdout}\n{r.stderr}"
        path = only
    r = sh(PY, str(VALIDATE), *(["--inside", inside] if inside else []), str(path), check=False)
    assert r.returncode == 0, f"schema validation failed:\n{r.stdout}\n{r.stderr}"


def oracle(pcap, gso_mss=None):
    cmd = [PY, str(ORACLE), str(pcap)]
    if gso_mss:
        cmd += ["--gso-mss", str(gso_mss)]
    r = sh(*cmd)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def find_flow(recs, proto, src, dst, dport=None):
    """All reports of the flow from src to dst (source = initiator)."""
    out = [r for r in flows(recs)
           if r["network"]["iana_number"] == str(proto)
           and r["source"]["ip"] == src and r["destination"]["ip"] == dst
           and (dport is None or r["destination"].get("port") == dport)]
    return out


def totals(reports):
    """Sums the counters of every report of one flow (deltas add up)."""
    keys = ("source", "destination")
    return {k: (sum(r[k]["packets"] for r in reports), sum(r[k]["bytes"] for r in reports))
            for k in keys}


def oracle_flow(orc, proto, src, dst, dport=None):
    m = [o for o in orc if o["proto"] == proto and o["src"] == src and o["dst"] == dst
         and (dport is None or o.get("dport") == dport)]
    assert len(m) == 1, f"oracle has {len(m)} flows {src}->{dst}:{dport}: {orc}"
    o = m[0]
    return {"source": (o["src_packets"], o["src_bytes"]),
            "destination": (o["dst_packets"], o["dst_bytes"])}


class Broker:
    """A real Kafka broker (tests/kafka/broker.sh) in its own directory; a
    context manager: `with Broker(d) as boot:` gives host:port and stops it."""

    SCRIPT = ROOT / "tests" / "kafka" / "broker.sh"

    def __init__(self, d):
        self.d = d

    def __enter__(self):
        prefetched("kafka")
        r = sh(str(self.SCRIPT), "start", str(self.d), timeout=240)
        boot = [l.split("=", 1)[1] for l in r.stdout.splitlines() if l.startswith("BOOTSTRAP=")]
        assert boot, r.stdout + r.stderr
        return boot[0]

    def __exit__(self, *exc):
        sh(str(self.SCRIPT), "stop", str(self.d), check=False, timeout=60)
