"""Kubernetes identity, process and container attribution, and direction,
on a node-shaped topology: a "node" namespace routes three "pod" namespaces
and an "outside" one; the pods' processes live in kubelet-shaped cgroups in
the test's own cgroup v2 mount; the fake API server (tests/k8s) serves the
matching objects over HTTPS. nettrail runs in the node namespace, as on a
node, and every assertion is on exact field values."""
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from conftest import NETTRAIL, PY, ROOT, Topo, flows, ocsf_args, read_records, sh, validate, wait_for

K8S = ROOT / "tests" / "k8s"

NODE = "node-1"
NS = "shop"


def uid(n):
    return str(uuid.UUID(int=0x5eed0000_0000_4000_8000_000000000000 + n))


def cid(n):
    return f"{n:02x}" * 32


PODS = {
    # name: (netns tag, ipv4, ipv6, labels, owner, sa, cgroup form)
    "web": dict(pod="web-7d9c8b6f5-abcde", v4="10.244.1.2", v6="fd00:244:1::2", uid=uid(1),
                cid=cid(0xa1), labels={"app": "web", "tier": "front"},
                owner=("ReplicaSet", "web-7d9c8b6f5"), sa="web", form="systemd-burstable"),
    "db": dict(pod="db-0", v4="10.244.2.2", v6="fd00:244:2::2", uid=uid(2), cid=cid(0xb2),
               labels={"app": "db"}, owner=("StatefulSet", "db"), sa="db", form="cgroupfs"),
    "dbg": dict(pod="debug", v4="10.244.3.2", v6="fd00:244:3::2", uid=uid(3), cid=cid(0xc3),
                labels={"app": "debug"}, owner=None, sa="default", form="systemd-besteffort-crio"),
}
OUT4, OUT6 = "203.0.113.10", "2001:db8:1::10"
NODE4, NODE6 = "172.31.0.1", "fd00:31::1"
SVC_WEB4, SVC_WEB6 = "10.96.0.10", "fd00:96::10"
SVC_DB4 = "10.96.0.20"


def pod_obj(p, name=None, uid_=None):
    meta = {"name": name or p["pod"], "namespace": NS, "uid": uid_ or p["uid"],
            "labels": dict(p["labels"]), "creationTimestamp": "2026-11-23T08:00:00Z"}
    if p["owner"]:
        kind, oname = p["owner"]
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": oname,
                                    "uid": uid(100 + len(oname)), "controller": True,
                                    "blockOwnerDeletion": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": NODE, "serviceAccountName": p["sa"],
                     "containers": [{"name": "main", "image": "example/app:1"}]},
            "status": {"phase": "Running", "podIP": p["v4"],
                       "podIPs": [{"ip": p["v4"]}, {"ip": p["v6"]}],
                       "containerStatuses": [{"name": "main", "ready": True,
                                              "containerID": f"containerd://{p['cid']}"}]}}


def state():
    items = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "uid": uid(50)}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE, "uid": uid(51)},
         "status": {"addresses": [{"type": "InternalIP", "address": NODE4},
                                  {"type": "InternalIP", "address": NODE6},
                                  {"type": "Hostname", "address": NODE}]}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "web-7d9c8b6f5", "namespace": NS, "uid": uid(100 + len("web-7d9c8b6f5")),
                      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                           "uid": uid(60), "controller": True}]},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "web", "namespace": NS, "uid": uid(61)},
         "spec": {"clusterIP": SVC_WEB4, "clusterIPs": [SVC_WEB4, SVC_WEB6],
                  "ipFamilies": ["IPv4", "IPv6"], "selector": {"app": "web"},
                  "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "db", "namespace": NS, "uid": uid(62)},
         "spec": {"clusterIP": SVC_DB4, "clusterIPs": [SVC_DB4], "selector": {"app": "db"},
                  "ports": [{"port": 5432, "protocol": "TCP"}]}},
    ]
    items += [pod_obj(p) for p in PODS.values()]
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def cgroup_path(root, p):
    u = p["uid"]
    if p["form"] == "systemd-burstable":
        return os.path.join(root, "kubepods.slice", "kubepods-burstable.slice",
                            f"kubepods-burstable-pod{u.replace('-', '_')}.slice",
                            f"cri-containerd-{p['cid']}.scope")
    if p["form"] == "systemd-besteffort-crio":
        return os.path.join(root, "kubepods.slice", "kubepods-besteffort.slice",
                            f"kubepods-besteffort-pod{u.replace('-', '_')}.slice",
                            f"crio-{p['cid']}.scope")
    return os.path.join(root, "kubepods", "besteffort", f"pod{u}", p["cid"])


class Cluster:
    """The node, its pods and the sensor; the API server is the fake one
    here (start_api/control), a real one in tests/k8s/real/test_identity.py."""

    def __init__(self, tmp, tag="k8s", sensor_args=()):
        self.tmp = tmp
        self.sensor_args = tuple(sensor_args)
        self.topo = Topo(tag)
        self.sensor = None
        self.cgdirs = []
        self.cgroot = None
        self.cgmount = None
        try:
            self.network()
            self.start_api(tmp)
            self.cgroups(tmp)
            self.start_servers_and_sensor(tmp)
        except BaseException:
            self.close()
            raise

    def network(self):
        t = self.topo
        self.node = t.ns("node")
        t.run(self.node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        t.run(self.node, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        self.ns = {}
        for i, (tag, p) in enumerate(PODS.items(), start=1):
            ns = t.ns(tag)
            self.ns[tag] = ns
            gw4, gw6 = p["v4"].rsplit(".", 1)[0] + ".1", p["v6"].rsplit(":", 1)[0] + ":1"
            t.veth(ns, "eth0", p["v4"] + "/24", self.node, f"p{tag}", gw4 + "/24",
                   v6=(p["v6"] + "/64", gw6 + "/64"))
            t.run(ns, "ip", "route", "add", "default", "via", gw4)
            t.run(ns, "ip", "-6", "route", "add", "default", "via", gw6)
        out = t.ns("out")
        self.ns["out"] = out
        t.veth(out, "eth0", OUT4 + "/24", self.node, "pout", "203.0.113.1/24",
               v6=(OUT6 + "/64", "2001:db8:1::1/64"))
        t.run(out, "ip", "route", "add", "default", "via", "203.0.113.1")
        t.run(out, "ip", "-6", "route", "add", "default", "via", "2001:db8:1::1")
        # the node's own address, and the web Service's ClusterIPs answered
        # by the web pod (no kube-proxy here: the route plays its part)
        t.run(self.node, "ip", "addr", "add", NODE4 + "/32", "dev", "lo")
        t.run(self.node, "ip", "addr", "add", NODE6 + "/128", "dev", "lo", "nodad")
        t.run(self.ns["web"], "ip", "addr", "add", SVC_WEB4 + "/32", "dev", "lo")
        t.run(self.ns["web"], "ip", "addr", "add", SVC_WEB6 + "/128", "dev", "lo", "nodad")
        t.run(self.node, "ip", "route", "add", SVC_WEB4 + "/32", "via", PODS["web"]["v4"])
        t.run(self.node, "ip", "-6", "route", "add", SVC_WEB6 + "/128", "via", PODS["web"]["v6"])
        for ns in list(self.ns.values()):
            for _ in range(50):  # IPv6 addresses usable (nodad) and routes in place
                if t.run(ns, "ip", "-6", "route", "show", "default", check=False).stdout:
                    break
                time.sleep(0.05)

    def cgroups(self, tmp):
        """the test's own cgroup v2 mount, kubelet-shaped (pod uids known)"""
        os.makedirs(tmp / "cgroup")
        sh("mount", "-t", "cgroup2", "nettrail-test", str(tmp / "cgroup"))
        self.cgmount = str(tmp / "cgroup")
        # the mount shows the machine's one hierarchy: the pods' tree goes
        # under a parent of this run's own, so two runs never share a cgroup
        self.cgroot = os.path.join(self.cgmount, f"nettrail-test-k8s-{os.getpid()}")
        for p in PODS.values():
            d = cgroup_path(self.cgroot, p)
            os.makedirs(d, exist_ok=True)
            self.cgdirs.append(d)

    def start_api(self, tmp):
        """the fake API server, in the node namespace like a node reaches it"""
        t = self.topo
        certs = tmp / "certs"
        sh("bash", str(K8S / "make_certs.sh"), str(certs))
        self.server_token = certs / "token"
        self.client_token = tmp / "client-token"
        shutil.copy(self.server_token, self.client_token)
        (tmp / "state.json").write_text(json.dumps(state()))
        self.api = t.spawn(self.node, PY, str(K8S / "fake_apiserver.py"), "--state",
                           str(tmp / "state.json"), "--port", "0", "--cert",
                           str(certs / "server.crt"), "--key", str(certs / "server.key"),
                           "--token-file", str(self.server_token), "--bookmark-interval", "1",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.api.stdout.readline()
        assert line.startswith("LISTENING"), line + self.api.stderr.read()
        kv = dict(x.split("=") for x in line.split()[1:])
        self.api_port, self.ctl_port = int(kv["api"]), int(kv["control"])
        self.ca = certs / "ca.crt"
        self.api_url = f"https://127.0.0.1:{self.api_port}"

    def start_servers_and_sensor(self, tmp):
        """servers in their pods' containers, the sensor in the node namespace"""
        t, out = self.topo, self.ns["out"]
        self.servers = [
            self.in_pod("db", "python3", "-m", "http.server", "5432", "--bind", "::"),
            self.in_pod("web", "python3", "-m", "http.server", "8080", "--bind", "::"),
            t.spawn(out, "python3", "-m", "http.server", "80", "--bind", "::",
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            t.spawn(self.node, "python3", "-m", "http.server", "9100", "--bind", "::",
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        self.out_file = tmp / "records.jsonl"
        self.metrics = "127.0.0.1:19464"
        self.sensor = t.spawn(
            self.node, str(NETTRAIL), "-i", "pweb,pdb,pdbg,pout", "-o", f"file:{self.out_file}",
            "--k8s-api", self.api_url, "--k8s-ca", str(self.ca),
            "--k8s-token-file", str(self.client_token), "--cluster-name", "lab",
            "--node-name", NODE, "--cluster-cidr", "10.244.0.0/16,fd00:244::/32",
            "--service-cidr", "10.96.0.0/12,fd00:96::/108", "--cgroup-root", self.cgroot,
            "--idle-timeout", "1", "--heartbeat", "1", "--metrics-addr", self.metrics,
            "--cloud-provider", "aws", "--cloud-region", "eu-west-1", "--cloud-account", "123456789012",
            *ocsf_args(), *self.sensor_args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_for(lambda: self.metric("nettrail_k8s_synced") == 1, 20, "k8s sync")
        for port, tag in ((5432, "db"), (8080, "web")):
            self.wait_for(lambda: t.run(self.ns[tag], "ss", "-ltn", f"sport = :{port}",
                                        check=False).stdout.count("LISTEN") > 0, 10, f"{tag} server")

    def in_pod(self, tag, *cmd, stdout=subprocess.DEVNULL):
        """A process in the pod's network namespace and container cgroup."""
        procs = os.path.join(cgroup_path(self.cgroot, PODS[tag]), "cgroup.procs")
        return self.topo.spawn(self.ns[tag], "sh", "-c",
                               f'echo $$ > {procs} && echo "PID $$" && exec "$@"', "sh", *cmd,
                               stdout=subprocess.PIPE if stdout is None else stdout,
                               stderr=subprocess.DEVNULL)

    def curl_in_pod(self, tag, url):
        """curl from a pod's container: returns its pid."""
        p = self.in_pod(tag, "curl", "-s", "-o", "/dev/null", "--max-time", "5", "-g", url,
                        stdout=None)
        out, _ = p.communicate(timeout=15)
        assert p.returncode == 0, f"curl {url} from {tag}: rc={p.returncode}"
        return int(out.decode().split()[1])

    def metric(self, name):
        r = self.topo.run(self.node, "curl", "-s", f"http://{self.metrics}/metrics", check=False)
        for line in r.stdout.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def control(self, op, body):
        r = self.topo.run(self.node, "curl", "-s", "-f", "-X", "POST", "--data", json.dumps(body),
                          f"http://127.0.0.1:{self.ctl_port}/{op}")
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def wait_for(self, cond, timeout, what):
        wait_for(cond, timeout, what, self.sensor)

    def records(self):
        return read_records(self.out_file) if self.out_file.exists() else []

    def flow(self, dst, dport, src=None, timeout=10, after=0):
        """The first flow record to dst:dport (from src) after record index `after`."""
        found = []

        def look():
            for r in flows(self.records()[after:]):
                if r["destination"]["ip"] == dst and r["destination"].get("port") == dport and \
                        (src is None or r["source"]["ip"] == src):
                    found.append(r)
                    return True
            return False
        self.wait_for(look, timeout, f"a flow to {dst}:{dport}")
        return found[0]

    def close(self):
        if self.sensor and self.sensor.poll() is None:
            self.sensor.send_signal(signal.SIGTERM)
            self.sensor.wait(timeout=30)
        self.topo.close()
        for d in sorted(self.cgdirs, key=len, reverse=True):
            p = d
            while p != self.cgroot:
                try:
                    os.rmdir(p)
                except OSError:
                    break
                p = os.path.dirname(p)
        if self.cgroot:
            try:
                os.rmdir(self.cgroot)
            except OSError:
                pass
            sh("umount", self.cgmount, check=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("k8s"))
    yield c
    c.close()
    validate(c.out_file, inside="10.244.0.0/16,fd00:244::/32,10.96.0.0/12,fd00:96::/108")


def k8s_of(tag, service=True):
    p = PODS[tag]
    want = {"namespace": NS, "pod": {"name": p["pod"], "uid": p["uid"]}, "labels": p["labels"],
            "node": {"name": NODE}, "service_account": p["sa"]}
    kind, name = p["owner"] or ("Pod", p["pod"])
    if kind == "ReplicaSet":
        kind, name = "Deployment", "web"
    want["workload"] = {"kind": kind, "name": name}
    if service and tag in ("web", "db"):
        want["service"] = {"name": tag}
    return want


def local(f, end):
    """container/process/user of one end ("source"/"destination"), from the
    top-level fields or nettrail.peer_local (both ends on this node)."""
    if f["nettrail"].get("local_end") == end:
        return {k: f[k] for k in ("container", "process", "user") if k in f}
    if "peer_local" in f["nettrail"]:
        return f["nettrail"]["peer_local"]
    return {}


def test_east_west_both_ends_and_the_local_process(cluster):
    n = len(cluster.records())
    pid = cluster.curl_in_pod("web", f"http://{PODS['db']['v4']}:5432/")
    f = cluster.flow(PODS["db"]["v4"], 5432, after=n)
    assert f["source"]["ip"] == PODS["web"]["v4"]
    assert f["source"]["kubernetes"] == k8s_of("web")
    assert f["destination"]["kubernetes"] == k8s_of("db")
    assert f["network"]["direction"] == "internal"
    assert f["process"] == {"pid": pid, "name": "curl"}
    assert f["container"] == {"id": PODS["web"]["cid"]}
    assert f["user"] == {"id": "0"}
    assert f["nettrail"]["local_end"] == "source"
    # the server end is a socket of this node too: its container, no pid
    # (an accepted socket)
    assert f["nettrail"]["peer_local"] == {"container": {"id": PODS["db"]["cid"]}}
    assert f["orchestrator"]["cluster"]["name"] == "lab"
    assert f["cloud"] == {"provider": "aws", "region": "eu-west-1", "account": {"id": "123456789012"}}


def test_east_west_over_ipv6(cluster):
    n = len(cluster.records())
    pid = cluster.curl_in_pod("dbg", f"http://[{PODS['web']['v6']}]:8080/")
    f = cluster.flow(PODS["web"]["v6"], 8080, after=n)
    assert f["source"]["ip"] == PODS["dbg"]["v6"]
    assert f["source"]["kubernetes"] == k8s_of("dbg")
    assert f["destination"]["kubernetes"] == k8s_of("web")
    assert f["network"]["direction"] == "internal"
    assert f["process"] == {"pid": pid, "name": "curl"}
    assert f["container"] == {"id": PODS["dbg"]["cid"]}


def test_pod_to_service_cluster_ip(cluster):
    for ip, url in ((SVC_WEB4, f"http://{SVC_WEB4}:8080/"), (SVC_WEB6, f"http://[{SVC_WEB6}]:8080/")):
        n = len(cluster.records())
        cluster.curl_in_pod("dbg", url)
        f = cluster.flow(ip, 8080, after=n)
        assert f["destination"]["kubernetes"] == {"namespace": NS, "service": {"name": "web"}}
        assert f["source"]["kubernetes"] == k8s_of("dbg")
        assert f["network"]["direction"] == "internal"


def test_pod_to_outside_is_outbound(cluster):
    for dst, url in ((OUT4, f"http://{OUT4}/"), (OUT6, f"http://[{OUT6}]/")):
        n = len(cluster.records())
        pid = cluster.curl_in_pod("web", url)
        f = cluster.flow(dst, 80, after=n)
        assert f["network"]["direction"] == "outbound"
        assert f["source"]["kubernetes"] == k8s_of("web")
        assert "kubernetes" not in f["destination"]
        assert f["process"] == {"pid": pid, "name": "curl"}


def test_outside_to_pod_is_inbound(cluster):
    for dst, url in ((PODS["db"]["v4"], f"http://{PODS['db']['v4']}:5432/"),
                     (PODS["db"]["v6"], f"http://[{PODS['db']['v6']}]:5432/")):
        n = len(cluster.records())
        cluster.topo.run(cluster.ns["out"], "curl", "-s", "-o", "/dev/null", "-g", url)
        f = cluster.flow(dst, 5432, after=n)
        assert f["network"]["direction"] == "inbound"
        assert "kubernetes" not in f["source"]
        assert f["destination"]["kubernetes"] == k8s_of("db")
        # the accepting socket's container; no process for an accepted
        # socket ("outside" shares this kernel, so its curl is local too)
        assert local(f, "destination") == {"container": {"id": PODS["db"]["cid"]}}


def test_pod_to_its_node(cluster):
    n = len(cluster.records())
    cluster.curl_in_pod("dbg", f"http://{NODE4}:9100/")
    f = cluster.flow(NODE4, 9100, after=n)
    assert f["destination"]["kubernetes"] == {"node": {"name": NODE}}
    assert f["network"]["direction"] == "internal"


def test_dns_records_carry_the_client_identity(cluster):
    # a DNS query from a pod to the outside (no answer needed)
    n = len(cluster.records())
    cluster.in_pod("dbg", "dig", "+tries=1", "+time=1", f"@{OUT4}", "shop.example").wait(timeout=10)
    def dns():
        return [r for r in cluster.records()[n:] if r["event"]["dataset"] == "nettrail.dns"]
    cluster.wait_for(lambda: dns(), 15, "a DNS record")
    r = dns()[0]
    assert r["dns"]["question"]["name"] == "shop.example"
    assert r["source"]["kubernetes"] == k8s_of("dbg")
    assert r["network"]["direction"] == "outbound"


def label_of(cluster, tag, want, timeout=15):
    """Waits until flows from the pod carry labels == want."""
    seen = []

    def ok():
        n = len(cluster.records())
        cluster.curl_in_pod(tag, f"http://{OUT4}/")
        f = cluster.flow(OUT4, 80, src=PODS[tag]["v4"], after=n)
        seen.append(f["source"].get("kubernetes"))
        return f["source"].get("kubernetes", {}).get("labels") == want
    try:
        cluster.wait_for(ok, timeout, f"labels {want}")
    except AssertionError as e:
        raise AssertionError(f"{e}; last seen {seen[-1:]}") from None


def patch_labels(cluster, tag, labels):
    cluster.control("modify", {"kind": "Pod", "namespace": NS, "name": PODS[tag]["pod"],
                               "patch": {"metadata": {"labels": labels}}})


def test_api_faults_recovered_without_restart(cluster):
    before = read_hb(cluster)
    # a watch dropped mid-stream
    cluster.control("drop_watches", {"mode": "abrupt"})
    patch_labels(cluster, "web", {"app": "web", "tier": "front", "v": "1"})
    label_of(cluster, "web", {"app": "web", "tier": "front", "v": "1"})
    # 410 Gone: the resource version expired, a relist follows
    cluster.control("expire_before_rv", {})
    cluster.control("drop_watches", {"mode": "expired"})
    patch_labels(cluster, "web", {"app": "web", "tier": "front", "v": "2"})
    label_of(cluster, "web", {"app": "web", "tier": "front", "v": "2"})
    # token rotated on the server: 401 until the client's file rotates too
    new = cluster.server_token.read_text().strip() + "x"
    tmp = cluster.server_token.with_suffix(".new")
    tmp.write_text(new)
    os.replace(tmp, cluster.server_token)
    cluster.control("drop_watches", {"mode": "clean"})
    cluster.wait_for(lambda: read_hb(cluster)["k8s_api_errors"] > before["k8s_api_errors"], 20,
                     "a 401 counted")
    tmp = cluster.client_token.with_suffix(".new")
    tmp.write_text(new)
    os.replace(tmp, cluster.client_token)
    patch_labels(cluster, "web", {"app": "web", "tier": "front", "v": "3"})
    label_of(cluster, "web", {"app": "web", "tier": "front", "v": "3"}, timeout=40)
    after = read_hb(cluster)
    assert after["k8s_relists"] > before["k8s_relists"]
    patch_labels(cluster, "web", {"v": None})  # JSON merge patch: removes it
    label_of(cluster, "web", PODS["web"]["labels"])


def read_hb(cluster):
    hbs = [r for r in cluster.records() if r["event"]["dataset"] == "nettrail.heartbeat"]
    return hbs[-1]["nettrail"]["heartbeat"]["counters"]


def test_pod_deleted_and_ip_reused(cluster):
    p = PODS["dbg"]
    cluster.control("delete", {"kind": "Pod", "namespace": NS, "name": p["pod"]})
    new = pod_obj(p, name="debug-2", uid_=uid(33))
    new["metadata"]["labels"] = {"app": "debug", "gen": "2"}
    added = cluster.control("add", {"object": new})["object"]["metadata"]["uid"]
    assert added == uid(33) or cluster.__class__ is not Cluster  # a real server picks its own
    label_of(cluster, "dbg", {"app": "debug", "gen": "2"})
    n = len(cluster.records())
    cluster.curl_in_pod("dbg", f"http://{OUT4}/")
    f = cluster.flow(OUT4, 80, src=p["v4"], after=n)
    assert f["source"]["kubernetes"]["pod"] == {"name": "debug-2", "uid": added}
    # put the original back for the tests after this one
    cluster.control("delete", {"kind": "Pod", "namespace": NS, "name": "debug-2"})
    cluster.control("add", {"object": pod_obj(p)})
    label_of(cluster, "dbg", p["labels"])


def test_api_down_from_the_start_records_flow_unenriched(tmp_path):
    """No API server answering: records still flow, without identity, and
    a counter says how many were made unsynced."""
    gen = ROOT / "build" / "bench" / "gen_pcap"
    gen.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(gen))
    sh(str(gen), str(tmp_path / "g.pcap"), "--packets", "400", "--flows", "20", "--seed", "3")
    certs = tmp_path / "certs"
    sh("bash", str(K8S / "make_certs.sh"), str(certs))
    out = tmp_path / "o.jsonl"
    r = sh(str(NETTRAIL), "--pcap", str(tmp_path / "g.pcap"), "-o", f"file:{out}",
           "--k8s-api", "https://127.0.0.1:1", "--k8s-ca", str(certs / "ca.crt"),
           "--k8s-token-file", str(certs / "token"), "--cluster-cidr", "10.0.0.0/8",
           check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    recs = read_records(out)
    fl = flows(recs)
    assert len(fl) == 20
    assert all("kubernetes" not in f["source"] and "kubernetes" not in f["destination"] for f in fl)
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    assert hb["nettrail"]["heartbeat"]["counters"]["k8s_unsynced_records"] == 20
    validate(out, inside="10.0.0.0/8")
