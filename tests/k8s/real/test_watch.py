"""The sensor's Kubernetes client (user/enrich/k8s*.c, through
tests/k8s/k8s_client_driver.c) against a real kube-apiserver v1.37.2:

- every workload kind through real owner references (Deployment ->
  ReplicaSet, StatefulSet, DaemonSet, CronJob -> Job, a bare Job, a bare
  pod), Services and a Node, exact identities in both families;
- list then watch from the list's resourceVersion, and watches re-opened
  from the last RV seen (events, then bookmarks), read from the apiserver's
  audit log of the sensor's own requests;
- bookmarks asked for (allowWatchBookmarks=true) and the RV they carry used;
- the apiserver restarted: the watches resume from their RVs (no relist),
  the 403s a starting apiserver answers are retried quickly; restarted with
  etcd compacted (and a pod deleted behind its back): 410, a relist, and the
  sweep deletes that pod;
- the token rotated in --token-auth-file and the apiserver restarted: 401s
  counted, and recovery once the client's token file has the new token;
- RBAC: a rule removed from the ClusterRole gives real 403s, counted and
  flagged; put back, the resource is allowed again.
"""
import json
import time

import pytest

import driver as drv
import rig

NS = "apps"
NODE = "node-a"
NODE_IPS = ("172.18.0.2", "fd00:172:18::2")
SVC_IPS = ("10.96.100.1", "fd00:96::a:1")
WATCH_TIMEOUT = 5  # the client's timeoutSeconds: bookmarks come 2 s before it


def compact(o):
    return json.dumps(o, separators=(",", ":"))


class World:
    """The plane, the objects of one node, and the expected identities."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.plane = p = rig.ControlPlane(rig.binaries(), tmp / "plane")
        self.token = p.sa_token(rig.SENSOR_NS, rig.SENSOR_SA, name="sensor")
        p.start()
        for ns in (NS, rig.SENSOR_NS):
            p.create(rig.namespace(ns))
        rig.bind_sensor(p)
        p.create(rig.node(NODE, [("InternalIP", NODE_IPS[0]), ("InternalIP", NODE_IPS[1]),
                                 ("Hostname", NODE)]))
        dep = p.create(rig.deployment("web", NS, {"app": "web"}))
        rs = p.create(rig.replicaset("web-6d4cf56db6", NS, {"app": "web", "pod-template-hash": "6d4cf56db6"},
                                     dep))
        sts = p.create(rig.statefulset("db", NS, {"app": "db"}, "db"))
        ds = p.create(rig.daemonset("agent", NS, {"app": "agent"}))
        cj = p.create(rig.cronjob("report", NS, {"app": "report"}))
        cjob = p.create(rig.job("report-29000000", NS, {"app": "report"}, cj))
        once = p.create(rig.job("once", NS, {"app": "once"}))
        self.pods = {}
        # name: (labels, owner, ips, workload)
        for i, (name, labels, owner, wl) in enumerate([
                ("web-6d4cf56db6-x1k2p", {"app": "web", "pod-template-hash": "6d4cf56db6"}, rs,
                 ("Deployment", "web")),
                ("db-0", {"app": "db"}, sts, ("StatefulSet", "db")),
                ("agent-7xk2p", {"app": "agent"}, ds, ("DaemonSet", "agent")),
                ("report-29000000-5vq8w", {"app": "report"}, cjob, ("CronJob", "report")),
                ("once-q9z8x", {"app": "once"}, once, ("Job", "once")),
                ("debug", {"run": "debug"}, None, ("Pod", "debug"))], start=2):
            self.add_pod(name, labels, owner, (f"10.200.1.{i}", f"fd00:200:1::{i}"), wl)
        self.svc = p.create(rig.service("web", NS, {"app": "web"}, [(80, 8080)], list(SVC_IPS)))
        self.last_rv = int(self.svc["metadata"]["resourceVersion"])
        self.token_file = tmp / "sensor-token"
        self.token_file.write_text(self.token)
        self.exe = drv.build(tmp / "drv")
        self.d = None

    def add_pod(self, name, labels, owner, ips, wl):
        p = self.plane
        made = p.create(rig.pod(name, NS, NODE, labels, owner))
        made = p.patch("Pod", name, rig.pod_status(list(ips), NODE_IPS[0],
                                                   {"main": "containerd://" + "ab" * 32}),
                       ns=NS, sub="status")
        self.pods[name] = dict(uid=made["metadata"]["uid"], labels=labels, ips=ips, wl=wl)
        return made

    def ident(self, name, service=None):
        q = self.pods[name]
        o = {"namespace": NS, "pod": {"name": name, "uid": q["uid"]},
             "labels": dict(sorted(q["labels"].items())),
             "workload": {"kind": q["wl"][0], "name": q["wl"][1]}}
        if service or (service is None and q["labels"].get("app") == "web"):
            o["service"] = {"name": "web"}
        o["node"] = {"name": NODE}
        o["service_account"] = "default"
        return "pod " + compact(o)

    def start_driver(self, *opts):
        self.d = drv.Driver(self.exe, f"https://127.0.0.1:{self.plane.api_port}", self.plane.ca,
                            self.token_file, "--grace", 2, "--watch-timeout", WATCH_TIMEOUT,
                            "--forbidden-retry", 2, *opts, stderr=self.tmp / "drv.err")
        return self.d

    def watches(self, resource="pods"):
        """(time, resourceVersion, query) of the sensor's watch requests on RESOURCE."""
        out = []
        for e in self.plane.audit(rig.SENSOR_USER):
            if e["verb"] == "watch" and e["objectRef"]["resource"] == resource and \
                    e["stage"] == "ResponseStarted":
                q = dict(kv.split("=", 1) for kv in e["requestURI"].split("?", 1)[1].split("&"))
                out.append((e["stageTimestamp"], int(q.get("resourceVersion", "0")), q))
        return out

    def close(self):
        if self.d:
            self.d.quit()
        self.plane.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("watch"))
    yield w
    w.close()


def test_sync_and_every_workload_kind(world):
    d = world.start_driver()
    assert d.ask("sync 30").startswith("synced ")
    assert d.waitstat(10, "watches", "==", 6) == "ok"
    s = d.stats()
    # the apiserver's own "kubernetes" Service is one of the two
    assert {k: s[k] for k in ("lists", "watches", "relists_410", "auth_errors", "pods", "services",
                              "nodes", "synced", "forbidden", "forbidden_resources")} == \
        {"lists": "6", "watches": "6", "relists_410": "0", "auth_errors": "0", "pods": "6",
         "services": "2", "nodes": "1", "synced": "1", "forbidden": "0", "forbidden_resources": "-"}
    for name, q in world.pods.items():
        for ip in q["ips"]:
            assert d.lookup(ip) == f"{ip} {world.ident(name)}"
    svc = 'service {"namespace":"apps","service":{"name":"web"}}'
    assert d.lookup(SVC_IPS[0]) == f"{SVC_IPS[0]} {svc}"
    assert d.lookup(SVC_IPS[1]) == f"{SVC_IPS[1]} {svc}"
    assert d.lookup("10.96.0.1") == '10.96.0.1 service {"namespace":"default","service":{"name":"kubernetes"}}'
    for ip in NODE_IPS:
        assert d.lookup(ip) == f'{ip} node {{"node":{{"name":"{NODE}"}}}}'
    uid = world.pods["db-0"]["uid"]
    assert d.ask(f"uid {uid}") == f"{uid} {world.ident('db-0')[4:]}"


def test_watch_from_the_list_rv_and_on_from_each_event(world):
    d = world.d
    first = world.watches()[0]
    # the list's RV: at least every write before the driver started
    assert first[1] >= world.last_rv and first[2]["allowWatchBookmarks"] == "true"
    assert first[2]["timeoutSeconds"] == str(WATCH_TIMEOUT)
    made = world.plane.patch("Pod", "debug", {"metadata": {"labels": {"run": "debug", "v": "2"}}}, ns=NS)
    rv = int(made["metadata"]["resourceVersion"])
    world.pods["debug"]["labels"] = {"run": "debug", "v": "2"}
    assert d.expect(10, "10.200.1.7", world.ident("debug")) == "ok"
    # the next watch re-opens from that event's RV (or a later bookmark's)
    n = len(world.watches())
    deadline = time.time() + 3 * WATCH_TIMEOUT
    while len(world.watches()) == n and time.time() < deadline:
        time.sleep(0.2)
    ws = world.watches()
    assert len(ws) > n, "the watch was not re-opened after its timeout"
    assert ws[n][1] >= rv
    rvs = [w[1] for w in ws]
    assert rvs == sorted(rvs), f"watch RVs went backwards: {rvs}"
    assert d.stat("relists_410") == 0 and d.stat("lists") == 6


def test_bookmarks_move_the_rv_without_events(world):
    """Writes the sensor does not watch (ConfigMaps) move the global RV; the
    bookmark the apiserver sends 2 s before each watch's timeout carries it,
    and the next watch starts there, though no pod changed."""
    d = world.d
    pod_rv = max(w[1] for w in world.watches())
    cm = world.plane.create({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "unrelated", "namespace": NS}, "data": {"a": "1"}})
    cm_rv = int(cm["metadata"]["resourceVersion"])
    assert cm_rv > pod_rv
    deadline = time.time() + 6 * WATCH_TIMEOUT
    while time.time() < deadline and max(w[1] for w in world.watches()) < cm_rv:
        time.sleep(0.3)
    got = max(w[1] for w in world.watches())
    assert got >= cm_rv, f"no watch from a bookmark's RV: {pod_rv} -> {got} (want >= {cm_rv})"
    assert d.stat("lists") == 6 and d.stat("watch_events") >= 1


def test_watches_resume_after_the_apiserver_restarts(world):
    """etcd keeps every revision: the watches re-open from their RVs, no relist."""
    d = world.d
    lists, f0, w0 = d.stat("lists"), d.stat("forbidden"), d.stat("watches")
    start = len(world.plane.audit(rig.SENSOR_USER))
    world.plane.restart_apiserver()
    assert d.waitstat(30, "watches", ">=", w0 + 6) == "ok", d.stats()
    world.add_pod("late-pod", {"run": "late"}, None, ("10.200.1.20", "fd00:200:1::20"), ("Pod", "late-pod"))
    assert d.expect(20, "10.200.1.20", world.ident("late-pod")) == "ok"
    assert d.stat("lists") == lists and d.stat("relists_410") == 0
    # a restarting apiserver answers 403 until its RBAC authorizer has the
    # roles: those are retried quickly, never flagged (forbidden_retry_s)
    early = [e["responseStatus"]["code"] for e in world.plane.audit(rig.SENSOR_USER)[start:]]
    print(f"after the restart: {d.stat('forbidden') - f0} 403s counted, answers {early[:12]}")
    assert d.stats()["forbidden_resources"] == "-"


def test_relist_after_a_restart_with_etcd_compacted(world):
    """While the apiserver is down, a pod is deleted in etcd and etcd is
    compacted past every RV the client has: its watches get 410, it lists
    again, and the sweep deletes the pod whose DELETED event it never saw
    (its IP in the grace, then gone)."""
    d = world.d
    p = world.plane
    lists, r410 = d.stat("lists"), d.stat("relists_410")
    p.stop_apiserver()
    assert p.etcd_delete(f"/registry/pods/{NS}/once-q9z8x") == 1
    p.etcd_compact()
    p.start_apiserver()
    assert d.waitstat(30, "relists_410", ">=", r410 + 6) == "ok", d.stats()
    assert d.waitstat(30, "lists", ">=", lists + 6) == "ok", d.stats()
    assert d.expect(10, "10.200.1.6", "none") == "ok"
    assert d.lookup("10.200.1.20") == f"10.200.1.20 {world.ident('late-pod')}"
    assert d.ask("sync 1").startswith("synced")


def test_401_after_the_token_is_rotated(world):
    d = world.d
    before = d.stat("auth_errors")
    new = world.plane.rotate_token("sensor")
    world.plane.restart_apiserver()
    assert d.waitstat(30, "auth_errors", ">=", before + 1) == "ok", d.stats()
    # identities kept while refused
    assert d.lookup("10.200.1.20") == f"10.200.1.20 {world.ident('late-pod')}"
    tmp = world.token_file.with_suffix(".new")
    tmp.write_text(new)
    tmp.replace(world.token_file)
    world.plane.patch("Pod", "late-pod", {"metadata": {"labels": {"run": "late", "token": "new"}}}, ns=NS)
    world.pods["late-pod"]["labels"] = {"run": "late", "token": "new"}
    assert d.expect(20, "10.200.1.20", world.ident("late-pod")) == "ok"
    settled = d.stat("auth_errors")
    time.sleep(2)
    assert d.stat("auth_errors") == settled
    audit = [e["responseStatus"]["code"] for e in world.plane.audit(rig.SENSOR_USER)]
    assert 401 in audit or settled > before


def test_403_from_rbac_and_back(world):
    d = world.d
    p = world.plane
    rules = [r for r in rig.RBAC_RULES if r["apiGroups"] != ["batch"]]
    start = len(p.audit(rig.SENSOR_USER))
    p.replace({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "nettrail-sensor"}, "rules": rules})
    f0 = d.stat("forbidden")
    # believed after five quick retries (0.5 + 1 + 2 + 4 + 8 s): then flagged
    assert d.wait_stat("forbidden_resources", "jobs", 40) == "jobs", d.stats()
    assert d.stat("forbidden") >= f0 + 6
    codes = [(e["objectRef"]["resource"], e["responseStatus"]["code"])
             for e in p.audit(rig.SENSOR_USER)[start:] if e["responseStatus"]["code"] == 403]
    assert codes and all(r == "jobs" for r, _ in codes), codes
    assert "jobs.batch forbidden: add get/list/watch on jobs in group batch" in d.stderr()
    p.replace({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "nettrail-sensor"}, "rules": rig.RBAC_RULES})
    assert d.wait_stat("forbidden_resources", "-", 20) == "-"
    assert "jobs.batch allowed now" in d.stderr()
