"""nettrail-detect on a real Apache Kafka broker (KRaft, tests/kafka): records on
the sensor's three topics in through a consumer group, alerts out on the alert
topic, a periodic heartbeat, /metrics while it runs, and the group's committed
offsets on a second run."""
import json
import socket
import subprocess
import time
import urllib.request
import uuid

import jsonschema
import pytest

from conftest import ROOT, Broker, sh

DETECT = ROOT / "build" / "nettrail-detect"
T0 = 1795426800  # 2026-11-23T09:40:00Z
POD = {"namespace": "shop", "pod": {"name": "web-1", "uid": "u-1"},
       "workload": {"kind": "Deployment", "name": "web"}}


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    with Broker(tmp_path_factory.mktemp("kafka-detect")) as boot:
        yield boot


def ts(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(sec))) + \
        ".%06dZ" % round((sec - int(sec)) * 1e6)


def base(ds, t, rid, host="node-a"):
    return {"@timestamp": ts(t), "event": {"dataset": ds}, "observer": {"hostname": host},
            "nettrail": {"record_id": rid}}


def records():
    """Everything within 100 s, so no window ends whichever topic is read first."""
    flows, dns, hbs = [], [], []
    for p in range(15):  # a port scan: 15 rejected ports in 30 s
        t = T0 + 2 * p
        r = base("nettrail.flow", t + 0.5, "scan-%d" % p)
        r["event"].update(start=ts(t), end=ts(t + 0.5))
        r["source"] = {"ip": "10.1.0.66", "port": 40000 + p, "bytes": 60, "packets": 1,
                       "kubernetes": POD}
        r["destination"] = {"ip": "10.2.0.10", "port": 1 + p, "bytes": 40, "packets": 1}
        r["network"] = {"transport": "tcp", "direction": "internal"}
        r["nettrail"].update(flow={"id": "%016x" % p, "start": ts(t), "report_seq": 1,
                                   "end_reason": "tcp_close"},
                             tcp={"conn_state": "REJ"})
        flows.append(r)
    for i in range(100):  # a dig loop: 100 unique short subdomains
        r = base("nettrail.dns", T0 + i * 0.5, "dns-%d" % i)
        r["source"] = {"ip": "10.1.0.44", "port": 50000 + i, "kubernetes": POD}
        r["destination"] = {"ip": "10.96.0.10", "port": 53}
        r["dns"] = {"question": {"name": "q%d.example.net" % i, "type": "A",
                                 "registered_domain": "example.net", "subdomain": "q%d" % i}}
        dns.append(r)
    for i in range(2):  # a healthy sensor
        r = base("nettrail.heartbeat", T0 + 60 * i, "hb-%d" % i)
        r["nettrail"]["heartbeat"] = {"interval_s": 60, "uptime_s": 60 * i,
                                      "interfaces": ["eth0"], "counters": {"packets": 5 + i}}
        hbs.append(r)
    return flows, dns, hbs


def produce(boot, topic, recs, tmp_path):
    f = tmp_path / (topic + ".jsonl")
    f.write_text("".join(json.dumps(r) + "\n" for r in recs))
    sh("kcat", "-P", "-b", boot, "-t", topic, "-l", str(f), timeout=60)


def consume(boot, topic):
    """Every message of the topic, to its end."""
    r = sh("kcat", "-C", "-b", boot, "-t", topic, "-o", "beginning", "-e", "-q", "-J",
           timeout=60)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    return {l.split()[0]: int(l.split()[1]) for l in text.splitlines()
            if l and not l.startswith("#")}


def detect(boot, prefix, group, *extra):
    return subprocess.Popen(
        [str(DETECT), "--input", "kafka", "--kafka-brokers", boot, "--kafka-topic-prefix",
         prefix, "--kafka-group", group, "-o", "kafka", "--kafka-topic-alert",
         prefix + "alert", "--kafka-idle-exit", "4", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_detect_through_kafka(broker, tmp_path):
    prefix = "dt%s." % uuid.uuid4().hex[:8]
    flows, dns, hbs = records()
    produce(broker, prefix + "flow", flows, tmp_path)
    produce(broker, prefix + "dns", dns, tmp_path)
    produce(broker, prefix + "heartbeat", hbs, tmp_path)
    port = free_port()
    p = detect(broker, prefix, "g-" + prefix, "--heartbeat", "1",
               "--metrics-addr", "127.0.0.1:%d" % port)
    m, deadline = {}, time.time() + 60
    while time.time() < deadline and m.get("nettrail_detect_lines_total") != 117:
        time.sleep(0.5)
        try:
            m = scrape(port)
        except OSError:
            pass
    assert m.get("nettrail_detect_flow_records_total") == 15, m
    assert m["nettrail_detect_dns_records_total"] == 100
    assert m["nettrail_detect_heartbeat_records_total"] == 2
    assert m["nettrail_detect_alerts_port_scan_total"] == 1
    assert m["nettrail_detect_alerts_dns_tunnel_total"] == 1
    assert m["nettrail_detect_alerts_sensor_blind_total"] == 0
    assert m["nettrail_detect_sensor_nodes"] == 1
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "alerts=2 " in err and "output_errors=0" in err, err

    msgs = consume(broker, prefix + "alert")
    docs = [json.loads(x["payload"]) for x in msgs]
    alerts = {d["rule"]["name"]: (x["key"], d) for x, d in zip(msgs, docs)
              if d["event"]["kind"] == "alert"}
    assert sorted(alerts) == ["dns_tunnel", "port_scan"]
    key, scan = alerts["port_scan"]
    assert key == "port_scan|10.1.0.66|10.2.0.10"
    assert scan["nettrail"]["alert"]["evidence"] == ["scan-%d" % i for i in range(15)]
    assert scan["source"]["kubernetes"] == POD
    key, tun = alerts["dns_tunnel"]
    assert key == "dns_tunnel|10.1.0.44|example.net"
    assert tun["nettrail"]["alert"]["evidence"] == ["dns-%d" % i for i in range(80, 100)]
    assert tun["source"]["kubernetes"]["pod"]["name"] == "web-1"
    with open(ROOT / "docs" / "schema" / "alert.schema.json") as f:
        schema = jsonschema.Draft202012Validator(json.load(f))
    for _, d in alerts.values():
        assert not [e.message for e in schema.iter_errors(d)]
    # periodic heartbeats on the same topic, the final one last
    hb = [d for d in docs if d["event"]["kind"] == "metric"]
    assert len(hb) >= 2 and hb[0]["nettrail"]["detect"]["final"] is False
    assert hb[-1] is docs[-1] and hb[-1]["nettrail"]["detect"]["final"] is True
    assert hb[-1]["nettrail"]["detect"]["counters"]["alerts"] == 2

    # the same group again: its offsets were committed, nothing is read twice
    p2 = detect(broker, prefix, "g-" + prefix, "--heartbeat", "0")
    _, err2 = p2.communicate(timeout=60)
    assert p2.returncode == 0 and "lines=0 " in err2, err2
    # a new group reads from the start again
    p3 = detect(broker, prefix, "h-" + prefix, "--heartbeat", "0")
    _, err3 = p3.communicate(timeout=60)
    assert p3.returncode == 0 and "lines=117 " in err3 and "alerts=2 " in err3, err3


@pytest.mark.parametrize("args,msg", [
    (["--input", "kafka"], "nettrail-detect: kafka needs --kafka-brokers"),
    (["--input", "kafka", "--kafka-brokers", "127.0.0.1:9", "--kafka-prop", "acks"],
     "nettrail-detect: --kafka-prop: 'acks' is not key=value"),
    (["--input", "kafka", "--kafka-brokers", "127.0.0.1:9", "--kafka-prop", "no.such=1"],
     "nettrail-detect: kafka property no.such=1: "),
    (["--input", "file:-", "-o", "kafka"], "nettrail-detect: kafka needs --kafka-brokers"),
    (["--input", "file:-", "--metrics-addr", "nowhere"], "nettrail-detect: --metrics-addr"),
])
def test_detect_kafka_usage_errors(args, msg):
    r = subprocess.run([str(DETECT), *args], input="", capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2 and r.stderr.startswith(msg), r.stderr
