"""2,000 pods created through a real kube-apiserver (bench_sync.py): the
client syncs all of them (exact counts, the last pod's identity), within
bounds that hold on a busy 2-core machine. The figures themselves come from
`make bench` (bench/run.sh runs bench_sync.py) into docs/BENCHMARKS.md."""
import json

import bench_sync

PODS = 2000


def test_2000_pods_sync_from_the_real_apiserver(tmp_path):
    lines = []
    r = bench_sync.measure(PODS, 1, tmp_path, log=lines.append)
    print("\n".join(lines))
    run = r["runs"][0]
    st = run["stats"]
    # the pods, the 20 Services + the apiserver's "kubernetes", one node
    assert (st["pods"], st["services"], st["nodes"], st["synced"], st["forbidden"]) == \
        (str(PODS), "21", "1", "1", "0")
    assert st["lists"] == "6" and st["relists_410"] == "0"
    last = r["last"]["metadata"]
    v6 = bench_sync.pod_ip(PODS - 1)[1]
    want = {"namespace": last["namespace"], "pod": {"name": last["name"], "uid": last["uid"]},
            "labels": {"app": "app19", "pod-template-hash": "5d8f7c6b9"},
            "workload": {"kind": "Deployment", "name": "app19"}, "service": {"name": "app19"},
            "node": {"name": "node-a"}, "service_account": "default"}
    assert run["lookup"] == f"{v6} pod {json.dumps(want, separators=(',', ':'))}"
    # bounds, not figures: 2,000 pods of ~3 KB, 4 pages of 500
    assert run["sync_ms"] < 20000
    assert 0 < run["rss_delta_kb"] < 64 * 1024
