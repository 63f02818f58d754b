#!/usr/bin/env python3
"""Full sync of the sensor's Kubernetes client from a real kube-apiserver
v1.37.2 holding N pods created through the API (20 namespaces, each a
Deployment -> ReplicaSet owning its pods, a Service; every pod Running with
a dual-stack IP set through the status subresource, as a kubelet does).

    python3 tests/k8s/real/bench_sync.py [--pods 2000] [--runs 3] [--workdir DIR]

One JSON line per figure: pods created per second through the API, then per
run the time from nt_k8s_start() to synced (the driver's `sync`) and the
driver's RSS after the sync, against the same driver synced on the same
cluster before the pods existed; each run of the real server is followed by
one of the stand-in (tests/k8s/fake_apiserver.py) serving the very same
objects (dumped from the real one), for the ratio. Used by bench/run.sh and by test_scale.py.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import driver as drv  # noqa: E402
import rig  # noqa: E402

NAMESPACES = 20


def pod_ip(i):
    return f"10.201.{i // 250}.{i % 250 + 1}", f"fd00:201::{i:x}"


def populate(p, pods):
    """Creates the objects; returns (seconds, the last pod's name and uid)."""
    rss = {}
    for n in range(NAMESPACES):
        ns = f"scale-{n:02d}"
        p.create(rig.namespace(ns))
        lab = {"app": f"app{n}", "pod-template-hash": "5d8f7c6b9"}
        dep = p.create(rig.deployment(f"app{n}", ns, {"app": f"app{n}"}))
        rss[ns] = p.create(rig.replicaset(f"app{n}-5d8f7c6b9", ns, lab, dep))
        p.create(rig.service(f"app{n}", ns, {"app": f"app{n}"}, [(80, 8080)]))
    t0 = time.monotonic()
    creates = []
    for i in range(pods):
        ns = f"scale-{i % NAMESPACES:02d}"
        rs = rss[ns]
        obj = rig.pod(f"app{i % NAMESPACES}-5d8f7c6b9-{i:05d}", ns, "node-a", rs["metadata"]["labels"], rs)
        creates.append(("POST", p.path("Pod", ns), obj, "application/json"))
    made = p.bulk(creates)
    patches = []
    for i, m in enumerate(made):
        st = rig.pod_status(list(pod_ip(i)), "172.18.0.2", {"main": "containerd://" + f"{i:064x}"})
        patches.append(("PATCH", p.path("Pod", m["metadata"]["namespace"], m["metadata"]["name"], "status"), st,
                        "application/merge-patch+json"))
    p.bulk(patches)
    return time.monotonic() - t0, made[-1]


def dump_state(p, path):
    """The objects of the client's six resources, as the fake server's --state."""
    items = []
    for kind in ("Namespace", "Node", "ReplicaSet", "Job", "Service", "Pod"):
        prefix = rig.KINDS[kind][0]
        api_version = prefix.split("/apis/")[1] if "/apis/" in prefix else "v1"
        items += [dict(o, kind=kind, apiVersion=api_version) for o in p.list(kind)["items"]]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}))


def start_fake(p, state, token_file, work):
    """tests/k8s/fake_apiserver.py serving STATE with the plane's certificate: its port."""
    certs = p.ca.parent
    f = subprocess.Popen(["/usr/bin/python3", str(rig.ROOT / "tests" / "k8s" / "fake_apiserver.py"), "--state",
                          str(state), "--port", "0", "--cert", str(certs / "server.crt"), "--key",
                          str(certs / "server.key"), "--token-file", str(token_file)],
                         stdout=subprocess.PIPE, stderr=open(work / "fake.err", "ab"), text=True)
    line = f.stdout.readline()
    if not line.startswith("LISTENING"):
        f.kill()
        raise RuntimeError(f"fake server: {line}")
    return f, int(line.split()[1].split("=")[1])


def one_sync(exe, p, token_file, tmp, name, port=None):
    d = drv.Driver(exe, f"https://127.0.0.1:{port or p.api_port}", p.ca, token_file, stderr=tmp / f"{name}.err")
    try:
        got = d.ask("sync 120")
        if not got.startswith("synced "):
            raise RuntimeError(f"no sync: {got} {d.stats()} {d.stderr()}")
        return d, int(got.split()[1])
    except BaseException:
        d.quit()
        raise


def measure(pods, runs, work, log=print, fake_too=False):
    work = Path(work)
    p = rig.ControlPlane(rig.binaries(), work / "plane")
    token_file = work / "token"
    token_file.write_text(p.sa_token(rig.SENSOR_NS, rig.SENSOR_SA))
    p.start()
    results = {"runs": []}
    try:
        p.create(rig.namespace(rig.SENSOR_NS))
        rig.bind_sensor(p)
        p.create(rig.node("node-a", [("InternalIP", "172.18.0.2")]))
        exe = drv.build(work / "drv")
        d, ms = one_sync(exe, p, token_file, work, "empty")
        base_rss = d.rss_kb()
        d.quit()
        secs, last = populate(p, pods)
        results.update(pods=pods, create_s=round(secs, 1), base_rss_kb=base_rss, last=last)
        log(json.dumps({"case": "k8s-real-create", "pods": pods, "seconds": round(secs, 1),
                        "pods_per_s": round(pods / secs)}))
        fake = None
        if fake_too:  # the same objects from the stand-in, runs alternating
            dump_state(p, work / "state.json")
            fake, fake_port = start_fake(p, work / "state.json", token_file, work)
        for r in range(runs):
            for server, port in (("real", None), ("fake", fake and fake_port)):
                if server == "fake" and not fake:
                    continue
                d, ms = one_sync(exe, p, token_file, work, f"{server}{r}", port)
                try:
                    d.waitstat(10, "watches", "==", 6)  # the stats of the last list are in
                    st = d.stats()
                    rss = d.rss_kb()
                    run = {"server": server, "sync_ms": ms, "rss_kb": rss, "rss_delta_kb": rss - base_rss,
                           "stats": st, "lookup": d.lookup(pod_ip(pods - 1)[1])}
                finally:
                    d.quit()
                results["runs"].append(run)
                log(json.dumps({"case": f"k8s-{server}-sync", "pods": int(st["pods"]), "sync_ms": ms,
                                "rss_kb": rss, "rss_delta_kb": rss - base_rss}))
    finally:
        if fake:
            fake.kill()
            fake.wait()
        p.stop()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir")
    ap.add_argument("--no-fake", action="store_true", help="skip the stand-in's runs")
    a = ap.parse_args()
    if a.workdir:
        measure(a.pods, a.runs, a.workdir, fake_too=not a.no_fake)
    else:
        with tempfile.TemporaryDirectory(prefix="k8s-real-bench.") as w:
            measure(a.pods, a.runs, w, fake_too=not a.no_fake)


if __name__ == "__main__":
    main()
