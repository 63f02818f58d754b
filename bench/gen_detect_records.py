#!/usr/bin/env python3
"""Synthetic nettrail records for the detector benchmark (bench/detect_bench.sh).

    gen_detect_records.py OUT.jsonl --flows N [--seed S]

N flow records spread evenly over one hour of event time (written as the
sensor writes them: @timestamp and event.end the report's time), shaped like the
sensor's (ECS fields, both ends' Kubernetes identity for pods, TCP state and
flags, about 900 bytes a line): 2000 pods in 200 workloads talking to 500
services (70 %) and to 50,000 outside addresses under 5,000 registered
domains (30 %, outbound); 2 % are failed attempts (S0/REJ), 5 % active
reports of longer flows; plus one DNS record per 20 flows (unique names under
the same domains) and a heartbeat per node every 30 s. Deterministic for a
seed; prints {"flows":N,"dns":D,"heartbeats":H,"bytes":B}.
"""
import json
import random
import sys
import time

T0 = 1795426800  # 2026-11-23T09:40:00Z


def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ".%06dZ" % int(
        (t - int(t)) * 1e6)


def main():
    out, n = sys.argv[1], int(sys.argv[sys.argv.index("--flows") + 1])
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rnd = random.Random(seed)
    pods = []
    for i in range(2000):
        wl = "app-%d" % (i % 200)
        pods.append(("10.244.%d.%d" % (i // 250, i % 250 + 2), json.dumps(
            {"namespace": "ns-%d" % (i % 20), "pod": {"name": "%s-%05d" % (wl, i),
                                                       "uid": "u-%d" % i},
             "labels": {"app": wl}, "workload": {"kind": "Deployment", "name": wl},
             "node": {"name": "node-%d" % (i % 10)}}, separators=(",", ":"))))
    svcs = ["10.96.%d.%d" % (i // 250, i % 250 + 1) for i in range(500)]
    ext = ["198.%d.%d.%d" % (18 + i // 65536 % 2, i // 256 % 256, i % 256) for i in range(50000)]
    nd = nh = 0
    size = 0
    with open(out, "w") as f:
        for k in range(n):
            t = T0 + 3600.0 * k / n
            src, sk8s = pods[rnd.randrange(2000)]
            outb = rnd.random() < 0.3
            j = rnd.randrange(50000)
            dst = ext[j] if outb else svcs[rnd.randrange(500)]
            state = "S0" if rnd.random() < 0.02 else "SF"
            active = rnd.random() < 0.05
            dur = 30.0 if active else rnd.uniform(0.001, 2)
            dstobj = '{"ip":"%s","port":%d,"bytes":%d,"packets":%d%s}' % (
                dst, 443 if outb else 8080, rnd.randrange(100, 50000), rnd.randrange(1, 40),
                ',"domain":"h%d.d%d.example","registered_domain":"d%d.example"' % (
                    j % 7, j % 5000, j % 5000) if outb else "")
            line = ('{"@timestamp":"%s","event":{"kind":"event","category":["network"],'
                    '"type":["connection"],"dataset":"nettrail.flow","module":"nettrail",'
                    '"start":"%s","end":"%s","duration":%d},"observer":{"hostname":"node-%d",'
                    '"type":"sensor","vendor":"nettrail","product":"nettrail","version":"0.1.0"},'
                    '"orchestrator":{"cluster":{"name":"lab"}},"source":{"ip":"%s","port":%d,'
                    '"bytes":%d,"packets":%d,"kubernetes":%s},"destination":%s,"network":'
                    '{"transport":"tcp","iana_number":"6","type":"ipv4","community_id":'
                    '"1:abcdefghijklmnopqrstuvwxyz0=","direction":"%s","bytes":1,"packets":1},'
                    '"nettrail":{"schema_version":"1.0.0","record_id":"bench-%d","flow":{"id":'
                    '"%016x","start":"%s","report_seq":1,"end_reason":"%s"},"tcp":{"conn_state":'
                    '"%s","flags":{"source":["SYN","ACK","PSH","FIN"],"destination":["SYN","ACK",'
                    '"PSH","FIN"]}},"observer":{"interface":"eth0","hook":"tc"}}}\n') % (
                ts(t), ts(t - dur), ts(t), int(dur * 1e9), k % 10, src,
                rnd.randrange(30000, 60000), rnd.randrange(100, 20000), rnd.randrange(1, 30),
                sk8s, dstobj, "outbound" if outb else "internal", k, k, ts(t - dur),
                "active" if active else "tcp_close", state)
            f.write(line)
            size += len(line)
            if k % 20 == 0:
                nd += 1
                d = rnd.randrange(5000)
                line = ('{"@timestamp":"%s","event":{"dataset":"nettrail.dns"},"observer":'
                        '{"hostname":"node-%d"},"source":{"ip":"%s","port":53000,"kubernetes":%s},'
                        '"destination":{"ip":"10.96.0.10","port":53},"network":{"transport":'
                        '"udp","direction":"internal","protocol":"dns"},"dns":{"type":"answer",'
                        '"question":{"name":"n%d.d%d.example","type":"A","class":"IN",'
                        '"registered_domain":"d%d.example","subdomain":"n%d"}},"nettrail":'
                        '{"schema_version":"1.0.0","record_id":"bench-dns-%d"}}\n') % (
                    ts(t), k % 10, src, sk8s, k % 90, d, d, k % 90, nd)
                f.write(line)
                size += len(line)
            while T0 + 30 * (nh // 10) <= t:
                line = ('{"@timestamp":"%s","event":{"kind":"metric","dataset":'
                        '"nettrail.heartbeat"},"observer":{"hostname":"node-%d"},"nettrail":'
                        '{"schema_version":"1.0.0","record_id":"bench-hb-%d","heartbeat":'
                        '{"interval_s":30,"uptime_s":%d,"interfaces":["eth0"],"counters":'
                        '{"packets":%d,"ringbuf_full":0}}}}\n') % (
                    ts(T0 + 30 * (nh // 10)), nh % 10, nh, 30 * (nh // 10), nh * 1000)
                f.write(line)
                size += len(line)
                nh += 1
    print(json.dumps({"flows": n, "dns": nd, "heartbeats": nh, "bytes": size}))


if __name__ == "__main__":
    main()
