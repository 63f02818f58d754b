#!/usr/bin/env python3
"""End-to-end: a generated JSON-lines file through build/nettrail-detect.

    e2e.py BINARY TMPDIR

Writes one hour of nettrail records (normal traffic, DNS, heartbeats, a port
scan, an address scan, SSH into a pod, a Stratum miner, a long connection, an
SNI beacon, a DNS tunnel, a workload reaching a new destination with a bulk
upload, a node's sensor going silent, and malformed lines), runs the detector
on it (with short windows from a --config file) and asserts the exact alerts
(rule, key, evidence ids), that every alert validates against
docs/schema/alert.schema.json, the counters, that a replay gives
byte-identical output, that stdin works, and that --memory-cap evicts and
counts. Exits non-zero on the first failure.
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

T0 = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)
POD = {"namespace": "shop", "pod": {"name": "web-1", "uid": "u-1"},
       "workload": {"kind": "Deployment", "name": "web"}, "node": {"name": "node-a"}}
DB = {"namespace": "shop", "pod": {"name": "db-0", "uid": "u-2"},
      "workload": {"kind": "StatefulSet", "name": "db"}}
JOB = {"namespace": "batch", "pod": {"name": "job-x1", "uid": "u-3"},
       "workload": {"kind": "Job", "name": "job"}}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the windows of the rules that learn, shortened to fit the hour
CONFIG = """new_destination.learning = 20m
egress_spike.bucket = 5m
egress_spike.min_buckets = 3
egress_spike.history = 6
egress_spike.min_mb = 1
"""


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Gen:
    def __init__(self):
        self.n = 0
        self.records = []  # (sort time, line)

    def flow(self, src, dst, dport, start, dur=1.0, transport="tcp", state="SF",
             proto=None, direction="internal", reason="tcp_close", seq=1, src_k8s=None,
             dst_k8s=None, sni=None, sbytes=500, dpk=4, flow_start=None, host="node-a",
             dreg=None):
        self.n += 1
        rid = "e2e-%d" % self.n
        end = start + timedelta(seconds=dur)
        rec = {
            "@timestamp": ts(end),
            "event": {"kind": "event", "category": ["network"], "type": ["connection"],
                      "dataset": "nettrail.flow", "module": "nettrail",
                      "start": ts(start), "end": ts(end), "duration": int(dur * 1e9)},
            "source": {"ip": src, "port": 40000 + self.n % 20000, "bytes": sbytes,
                       "packets": 3},
            "destination": {"ip": dst, "port": dport, "bytes": 60 * dpk, "packets": dpk},
            "network": {"transport": transport, "type": "ipv4", "direction": direction,
                        "bytes": sbytes + 60 * dpk, "packets": 3 + dpk,
                        "iana_number": "6" if transport == "tcp" else "17",
                        "community_id": "1:x"},
            "observer": {"hostname": host},
            "orchestrator": {"cluster": {"name": "lab"}},
            "nettrail": {"schema_version": "1.0.0", "record_id": rid,
                         "flow": {"id": "%016x" % self.n,
                                  "start": ts(flow_start or start),
                                  "report_seq": seq, "end_reason": reason},
                         "observer": {"interface": "veth1", "hook": "tc"}},
        }
        if transport == "tcp":
            rec["nettrail"]["tcp"] = {"conn_state": state, "flags": {
                "source": ["SYN"], "destination": ["SYN", "ACK"]}}
        if proto:
            rec["network"]["protocol"] = proto
        if src_k8s:
            rec["source"]["kubernetes"] = src_k8s
        if dst_k8s:
            rec["destination"]["kubernetes"] = dst_k8s
        if sni:
            rec["tls"] = {"client": {"server_name": sni}}
        if dreg:
            rec["destination"]["domain"] = "files." + dreg
            rec["destination"]["registered_domain"] = dreg
        self.records.append((end, json.dumps(rec, separators=(",", ":"))))
        return rid

    def raw(self, t, line):
        self.records.append((t, line))

    def text(self):
        return "".join(l + "\n" for _, l in sorted(self.records, key=lambda r: r[0]))


def build():
    g = Gen()
    want = {}
    # background: pods talking normally, every 7 s for an hour, varied sizes
    for i in range(500):
        g.flow("10.1.0.%d" % (i % 7 + 10), "10.2.0.%d" % (i % 5 + 10), 8080,
               T0 + timedelta(seconds=7 * i), sbytes=300 + (i * 7919) % 5000,
               src_k8s=POD, dst_k8s=DB)
    # ordinary DNS and a healthy sensor's heartbeats every 180 s: no alert
    for i in range(20):
        t = T0 + timedelta(seconds=180 * i)
        g.raw(t, json.dumps({"@timestamp": ts(t), "event": {"dataset": "nettrail.dns"},
                             "observer": {"hostname": "node-a"},
                             "source": {"ip": "10.1.0.10", "port": 40000 + i},
                             "destination": {"ip": "10.96.0.10", "port": 53},
                             "dns": {"question": {"name": "www.example.com", "type": "A",
                                                  "registered_domain": "example.com",
                                                  "subdomain": "www"}},
                             "nettrail": {"record_id": "dns-%d" % i}}))
        g.raw(t, json.dumps({"@timestamp": ts(t), "event": {"dataset": "nettrail.heartbeat"},
                             "observer": {"hostname": "node-a"},
                             "nettrail": {"record_id": "hb-%d" % i,
                                          "heartbeat": {"interval_s": 180, "uptime_s": 180 * i,
                                                        "interfaces": ["eth0"],
                                                        "counters": {"packets": 1000 * i}}}}))
    # port scan: 15 rejected ports of the db pod from a pod, within 45 s
    ev = [g.flow("10.1.0.66", "10.2.0.10", 1 + p, T0 + timedelta(seconds=600 + 3 * p),
                 state="REJ", src_k8s=POD, dst_k8s=DB) for p in range(15)]
    want[("port_scan", "10.1.0.66|10.2.0.10")] = ev
    # ... and 14 ports of another host: below the threshold
    for p in range(14):
        g.flow("10.1.0.66", "10.2.0.11", 1 + p, T0 + timedelta(seconds=700 + 3 * p),
               state="S0", src_k8s=POD)
    # address scan from outside: 25 hosts on 22/tcp unanswered in 2 minutes
    ev = [g.flow("203.0.113.9", "10.3.0.%d" % (h + 1), 22,
                 T0 + timedelta(seconds=900 + 5 * h), state="S0", direction="inbound")
          for h in range(25)]
    want[("address_scan", "203.0.113.9|tcp/22")] = ev[5:]
    # SSH into a pod from outside, twice (the second suppressed)
    rid = g.flow("198.51.100.5", "10.2.0.12", 22, T0 + timedelta(seconds=1200),
                 proto="ssh", direction="inbound", dst_k8s=DB)
    g.flow("198.51.100.5", "10.2.0.12", 22, T0 + timedelta(seconds=1500),
           proto="ssh", direction="inbound", dst_k8s=DB)
    want[("remote_access_in_container", "198.51.100.5|10.2.0.12|tcp|22|ssh")] = [rid]
    # SSH between two machines outside the cluster: no pod, no alert
    g.flow("192.0.2.1", "192.0.2.2", 22, T0 + timedelta(seconds=1250), proto="ssh",
           direction="external")
    # a miner on port 443
    rid = g.flow("10.1.0.77", "198.51.100.99", 443, T0 + timedelta(seconds=1300),
                 proto="stratum", direction="outbound", src_k8s=POD)
    want[("crypto_mining", "10.1.0.77|198.51.100.99|tcp|443|stratum")] = [rid]
    # a long connection: active reports every 10 minutes, 1 h reached at the 6th
    fs = T0 + timedelta(seconds=60)
    for k in range(1, 7):
        rid = g.flow("10.1.0.88", "198.51.100.50", 443, fs + timedelta(seconds=600 * (k - 1)),
                     dur=600, reason="active", seq=k, direction="outbound", src_k8s=POD,
                     flow_start=fs)
    want[("long_connection", "node-a|%016x|%d" % (g.n, int(fs.timestamp() * 1e6)))] = [rid]
    # an SNI beacon across two addresses, every 60 s, constant size
    ev = [g.flow("10.1.0.99", "198.51.100.%d" % (60 + i % 2), 443,
                 T0 + timedelta(seconds=120 + 60 * i), direction="outbound",
                 sni="cdn.bad.example", sbytes=1337, src_k8s=POD) for i in range(40)]
    want[("beaconing", "name|10.1.0.99|cdn.bad.example")] = ev[:20]
    # a DNS tunnel: 40-character base32 labels under one registered domain (20 suffice)
    b32 = "abcdefghijklmnopqrstuvwxyz234567"
    ev = []
    for i in range(30):
        t = T0 + timedelta(seconds=2000 + 5 * i)
        label = "".join(b32[(i * 7 + j * 13) % 32] for j in range(40))
        rid = "tun-%d" % i
        g.raw(t, json.dumps({"@timestamp": ts(t), "event": {"dataset": "nettrail.dns"},
                             "observer": {"hostname": "node-a"},
                             "orchestrator": {"cluster": {"name": "lab"}},
                             "source": {"ip": "10.1.0.44", "port": 41000 + i,
                                        "kubernetes": POD},
                             "destination": {"ip": "10.96.0.10", "port": 53},
                             "network": {"transport": "udp", "protocol": "dns"},
                             "dns": {"question": {"name": label + ".t.example.net",
                                                  "type": "NULL",
                                                  "registered_domain": "example.net",
                                                  "subdomain": label + ".t"}},
                             "nettrail": {"record_id": rid}}))
        ev.append(rid)
    want[("dns_tunnel", "10.1.0.44|example.net")] = ev[:20]
    # a job: small uploads in three 5-minute buckets, then 5 MB to a domain it never used
    for k in range(4):
        g.flow("10.1.0.55", "198.51.100.7", 443, T0 + timedelta(seconds=100 + 300 * k),
               direction="outbound", src_k8s=JOB, sbytes=2000)
    rid = g.flow("10.1.0.55", "203.0.113.200", 443, T0 + timedelta(seconds=1630),
                 direction="outbound", src_k8s=JOB, sbytes=5 << 20, dreg="example.org")
    want[("new_destination", "batch/job|example.org")] = [rid]
    want[("egress_spike", "batch/job")] = [rid]
    # node-b's sensor: two heartbeats 30 s apart, then silence while node-a goes on
    for i in range(2):
        t = T0 + timedelta(seconds=30 * i)
        g.raw(t, json.dumps({"@timestamp": ts(t), "event": {"dataset": "nettrail.heartbeat"},
                             "observer": {"hostname": "node-b"},
                             "orchestrator": {"cluster": {"name": "lab"}},
                             "nettrail": {"record_id": "hb-b-%d" % i,
                                          "heartbeat": {"interval_s": 30, "uptime_s": 30 * i,
                                                        "interfaces": ["eth0"],
                                                        "counters": {"packets": 10 + i}}}}))
    want[("sensor_blind", "node-b|heartbeat_missing")] = ["hb-b-0", "hb-b-1"]
    # malformed lines
    g.raw(T0 + timedelta(seconds=5), "this is not json")
    g.raw(T0 + timedelta(seconds=6), json.dumps({"event": {"dataset": "zeek.conn"}}))
    g.raw(T0 + timedelta(seconds=7), json.dumps(
        {"@timestamp": ts(T0), "event": {"dataset": "nettrail.flow"},
         "observer": {"hostname": "n"}, "nettrail": {"record_id": "broken"}}))
    return g, want


def run(binary, args, stdin=None):
    p = subprocess.run([binary] + args, input=stdin, capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise SystemExit("detector exited %d: %s" % (p.returncode, p.stderr))
    return p.stdout, p.stderr


def check(cond, msg):
    if not cond:
        raise SystemExit("FAIL: " + msg)
    print("ok:", msg)


def main():
    binary, tmp = sys.argv[1], sys.argv[2]
    g, want = build()
    path = os.path.join(tmp, "e2e.jsonl")
    with open(path, "w") as f:
        f.write(g.text())
    cpath = os.path.join(tmp, "e2e.conf")
    with open(cpath, "w") as f:
        f.write(CONFIG)
    cfg = ["--config", cpath]
    out, err = run(binary, ["--input", "file:" + path] + cfg)
    docs = [json.loads(l) for l in out.splitlines()]
    alerts = [d for d in docs if d["event"]["kind"] == "alert"]
    got = {(a["rule"]["name"], a["nettrail"]["alert"]["key"]): a["nettrail"]["alert"]["evidence"]
           for a in alerts}
    check(len(alerts) == len(got), "one alert per (rule, key)")
    check(sorted(got) == sorted(want), "exactly the expected alerts: %s" % sorted(got))
    for k, ev in want.items():
        check(got[k] == ev, "evidence of %s" % (k,))
    import jsonschema
    with open(os.path.join(ROOT, "docs", "schema", "alert.schema.json")) as f:
        schema = jsonschema.Draft202012Validator(json.load(f))
    for a in alerts:
        errs = [e.message for e in schema.iter_errors(a)]
        check(not errs, "%s validates against alert.schema.json %s" % (a["rule"]["name"], errs))
        blind = a["rule"]["name"] == "sensor_blind"
        check(a["threat"]["framework"] == "MITRE ATT&CK"
              and a["observer"]["hostname"] == ("node-b" if blind else "node-a")
              and a["orchestrator"]["cluster"]["name"] == "lab"
              and (a["related"]["ip"] or a["related"]["hosts"] == ["node-b"]),
              "common fields of %s" % a["rule"]["name"])
    by = {a["rule"]["name"]: a for a in alerts}
    check(by["port_scan"]["source"]["kubernetes"] == POD
          and by["port_scan"]["destination"]["kubernetes"] == DB, "port scan identities")
    check(by["remote_access_in_container"]["destination"]["kubernetes"] == DB
          and by["remote_access_in_container"]["threat"]["technique"]["subtechnique"]["id"]
          == ["T1021.004"], "remote access identity and sub-technique")
    check(by["beaconing"]["destination"]["domain"] == "cdn.bad.example"
          and by["beaconing"]["nettrail"]["alert"]["beaconing"]["score"] >= 0.7,
          "beacon destination and score")
    hb = docs[-1]
    check(hb["event"]["dataset"] == "nettrail.detect.heartbeat", "heartbeat record last")
    c = hb["nettrail"]["detect"]["counters"]
    check(c["malformed_not_json"] == 1 and c["malformed_unknown_dataset"] == 1
          and c["malformed_missing_field"] == 1, "malformed lines counted by reason")
    check(c["dns_records"] == 50 and c["heartbeat_records"] == 22, "DNS and heartbeats read")
    check(by["dns_tunnel"]["source"]["kubernetes"] == POD
          and by["dns_tunnel"]["destination"]["domain"] == "example.net"
          and by["dns_tunnel"]["nettrail"]["alert"]["dns_tunnel"]["signals"]
          == ["suspicious_labels", "tunnel_query_types"], "DNS tunnel: the pod, the domain, the signals")
    check(by["new_destination"]["source"]["kubernetes"] == JOB
          and by["egress_spike"]["source"]["kubernetes"] == JOB
          and by["egress_spike"]["nettrail"]["alert"]["egress_spike"]["top_destination"]
          == "example.org", "new destination and egress spike: the job")
    check(c["alerts"] == len(want) and c["alerts_suppressed"] >= 1, "alert counters")
    check(hb["@timestamp"] == max(t for t, _ in g.records).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
          "heartbeat at the last event time")
    check("malformed=3" in err and "alerts=%d" % len(want) in err, "stderr summary")
    out2, _ = run(binary, ["--input", "file:-"] + cfg, stdin=g.text())
    check(out2 == out, "replay through stdin: byte-identical output")
    opath = os.path.join(tmp, "alerts.jsonl")
    if os.path.exists(opath):
        os.remove(opath)
    run(binary, ["--input", "file:" + path, "-o", "file:" + opath] + cfg)
    with open(opath) as f:
        check(f.read() == out, "file output")
    # memory cap: 6000 scanners in 0.1 MB
    g2 = Gen()
    for i in range(6000):
        g2.flow("10.%d.%d.%d" % (50 + i // 62500, i // 250 % 250, i % 250), "10.9.0.1", 80,
                T0 + timedelta(milliseconds=10 * i), state="S0")
    out3, err3 = run(binary, ["--input", "file:-", "--memory-cap", "0.1"], stdin=g2.text())
    hb3 = json.loads(out3.splitlines()[-1])["nettrail"]["detect"]
    check(hb3["counters"]["state_evictions"] > 0
          and hb3["gauges"]["state_peak_bytes"] <= 0.1 * 1048576 + 4096,
          "memory cap: evictions counted (%d), peak %d" % (
              hb3["counters"]["state_evictions"], hb3["gauges"]["state_peak_bytes"]))
    p = subprocess.run([binary, "--input", "kafka:x"], capture_output=True, text=True)
    check(p.returncode == 2, "unknown input refused")
    print("e2e: all checks passed")


if __name__ == "__main__":
    main()
