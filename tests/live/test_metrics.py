"""--metrics-addr: Prometheus text format checked with a real parser
(prometheus_client), the same counters as the heartbeat, probes."""
import socket
import subprocess
import time

import pytest

from conftest import NETTRAIL, read_records, sh
from prometheus_client.parser import text_string_to_metric_families


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(topo, ns, url):
    r = topo.run(ns, "curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "3", url,
                 check=False)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def test_metrics_and_probes(topo, tmp_path):
    a = topo.ns("a")
    b = topo.ns("b")
    topo.veth(a, "va", "10.201.0.1/24", b, "vb", "10.201.0.2/24")
    port = 9464
    out = tmp_path / "o.jsonl"
    p = topo.spawn(a, str(NETTRAIL), "-i", "va", "--heartbeat", "1", "--metrics-addr",
                   f"127.0.0.1:{port}", "-o", f"file:{out}", stderr=subprocess.PIPE)
    deadline = time.time() + 10
    code = 0
    while time.time() < deadline and code != 200:
        code, _ = get(topo, a, f"http://127.0.0.1:{port}/readyz")
        time.sleep(0.1)
    assert code == 200, "never ready"
    assert get(topo, a, f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
    assert get(topo, a, f"http://127.0.0.1:{port}/nope")[0] == 404
    topo.run(a, "ping", "-c", "3", "-i", "0.2", "10.201.0.2")
    time.sleep(1.5)
    code, text = get(topo, a, f"http://127.0.0.1:{port}/metrics")
    assert code == 200
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    val = {s.name: s.value for f in fams.values() for s in f.samples}
    assert val["nettrail_up"] == 1
    assert val["nettrail_interfaces_attached"] == 1
    assert val["nettrail_flow_table_size"] == 65536
    assert val["nettrail_packets_total"] >= 6
    assert fams["nettrail_packets"].type == "counter"
    p.send_signal(2)
    assert p.wait(timeout=15) == 0, p.stderr.read().decode()
    # every heartbeat counter and gauge is a metric, and vice versa
    hb = [r for r in read_records(out) if r["event"]["dataset"] == "nettrail.heartbeat"][-1]
    counters = hb["nettrail"]["heartbeat"]["counters"]
    gauges = hb["nettrail"]["heartbeat"]["gauges"]
    assert {f"nettrail_{k}_total" for k in counters} == \
        {n for n in val if n.endswith("_total")}
    assert {f"nettrail_{k}" for k in gauges} == {n for n in val if not n.endswith("_total")}
    assert gauges["up"] == 1 and gauges["interfaces_attached"] == 1
    # ...and exactly the registry's, in its order, with its help texts
    reg = [l.split("\t") for l in sh(str(NETTRAIL), "--list-metrics").stdout.splitlines()]
    assert list(counters) == [n for k, n, _ in reg if k == "counter"]
    assert list(gauges) == [n for k, n, _ in reg if k == "gauge"]
    for kind, name, help_ in reg:
        fam = fams[f"nettrail_{name}"]
        assert fam.type == kind and fam.documentation == help_, (name, fam.documentation)


@pytest.mark.parametrize("addr,rc,msg", [
    ("localhost", 2, "nettrail: --metrics-addr: 'localhost' is not HOST:PORT"),
    ("127.0.0.1:99999", 2, "nettrail: --metrics-addr: '127.0.0.1:99999' is not HOST:PORT"),
])
def test_metrics_addr_errors(addr, rc, msg):
    r = sh(str(NETTRAIL), "--pcap", "/nonexistent.pcap", "--metrics-addr", addr, check=False,
           timeout=20)
    assert r.returncode == rc and r.stderr.startswith(msg), r.stderr


def test_metrics_port_in_use():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        r = sh(str(NETTRAIL), "--pcap", "/nonexistent.pcap", "--metrics-addr",
               f"127.0.0.1:{port}", check=False, timeout=20)
    finally:
        s.close()
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith(f"nettrail: --metrics-addr 127.0.0.1:{port}: cannot listen"), r.stderr
