"""The real kube-proxy v1.37.2 (kubeproxy.py) in a node network namespace, in
iptables and in nftables mode, against a real kube-apiserver: for a Service
and the EndpointSlice written as the EndpointSlice controller would, it
writes KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT rules (iptables) or
the `ip kube-proxy` table (nftables); a client in a pod namespace reaches the
backend pod through the ClusterIP; when the EndpointSlice moves to another
pod, the rules and the traffic follow."""
import re
import subprocess
import sys
import time

import pytest

import kubeproxy
import rig

sys.path.insert(0, str(rig.ROOT / "tests" / "live"))
from conftest import Topo  # noqa: E402

NS = "proxy"
NODE, NODE4 = "node-1", "172.31.0.1"
CLUSTER_CIDR = "10.244.0.0/16"
BACKENDS = {"be1": "10.244.2.2", "be2": "10.244.3.2"}
CLUSTER_IP = {"iptables": "10.96.0.50", "nftables": "10.96.0.51"}


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    p = rig.ControlPlane(rig.binaries(), tmp_path_factory.mktemp("kp") / "plane").start()
    p.create(rig.namespace(NS))
    p.create(rig.node(NODE, [("InternalIP", NODE4), ("Hostname", NODE)], ["10.244.0.0/16"]))
    yield p
    p.stop()


class Node:
    """node namespace routing a client pod and two backend pods (HTTP servers
    answering their own name)."""

    def __init__(self, tmp, tag):
        self.topo = t = Topo(tag)
        self.node = t.ns("node")
        t.run(self.node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        t.run(self.node, "ip", "addr", "add", NODE4 + "/32", "dev", "lo")
        self.ns = {}
        for i, (name, ip) in enumerate([("cli", "10.244.1.2"), *BACKENDS.items()]):
            ns = self.ns[name] = t.ns(name)
            gw = ip.rsplit(".", 1)[0] + ".1"
            t.veth(ns, "eth0", ip + "/24", self.node, f"v{name}", gw + "/24")
            t.run(ns, "ip", "route", "add", "default", "via", gw)
            if name != "cli":
                d = tmp / name
                d.mkdir()
                (d / "who").write_text(name + "\n")
                t.spawn(ns, "python3", "-m", "http.server", "8080", "--bind", ip, "--directory", str(d),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in BACKENDS:
            for _ in range(100):
                if "LISTEN" in t.run(self.ns[name], "ss", "-ltnH", "sport = :8080", check=False).stdout:
                    break
                time.sleep(0.05)

    def curl(self, url):
        r = self.topo.run(self.ns["cli"], "curl", "-s", "--max-time", "5", url, check=False)
        return r.stdout.strip()


def backend_pod(plane, name, ip):
    made = plane.create(rig.pod(f"{name}-{ip.replace('.', '-')}", NS, NODE, {"app": "echo"}))
    return plane.patch("Pod", made["metadata"]["name"], rig.pod_status([ip], NODE4, {"main": "containerd://" + "ef" * 32}),
                       ns=NS, sub="status")


@pytest.mark.parametrize("mode", kubeproxy.MODES)
def test_kube_proxy_rules_and_traffic_through_the_cluster_ip(plane, tmp_path, mode):
    node = Node(tmp_path, mode[:3])
    kp = kubeproxy.KubeProxy(plane, node.node, mode, NODE, CLUSTER_CIDR, tmp_path)
    try:
        name = f"echo-{mode}"
        cip = CLUSTER_IP[mode]
        svc = plane.create(rig.service(name, NS, {"app": "echo"}, [(80, 8080)], [cip]))
        pods = {b: backend_pod(plane, f"{b}-{mode}", ip) for b, ip in BACKENDS.items()}
        plane.create(rig.endpointslice(svc, "IPv4", [(BACKENDS["be1"], pods["be1"], NODE)], [("p80", 8080)]))
        kp.start()
        text = kp.wait_for(cip, f"{BACKENDS['be1']}:8080")
        if mode == "iptables":
            svc_chain = re.search(rf"-A KUBE-SERVICES -d {re.escape(cip)}/32 -p tcp -m comment --comment "
                                  rf"\"{NS}/{name}:p80 cluster IP\" -m tcp --dport 80 -j (KUBE-SVC-\w+)", text)
            assert svc_chain, text
            sep = re.search(rf"-A {svc_chain.group(1)} .*-j (KUBE-SEP-\w+)", text)
            assert sep, text
            assert re.search(rf"-A {sep.group(1)} -p tcp .*-j DNAT --to-destination {BACKENDS['be1']}:8080",
                             text), text
        else:
            assert "table ip kube-proxy" in text
            assert re.search(rf"{re.escape(cip)} \. tcp \. 80 : goto service-\w+-{NS}/{name}/tcp/p80", text), text
            assert re.search(rf"dnat to {BACKENDS['be1']}:8080", text), text
        assert node.curl(f"http://{cip}/who") == "be1"
        # the EndpointSlice moves to the other pod: rules and traffic follow
        es = plane.get("EndpointSlice", f"{name}-ipv4", NS)
        moved = rig.endpointslice(svc, "IPv4", [(BACKENDS["be2"], pods["be2"], NODE)], [("p80", 8080)])
        moved["metadata"]["resourceVersion"] = es["metadata"]["resourceVersion"]
        plane.call("PUT", plane.path("EndpointSlice", NS, moved["metadata"]["name"]), moved)
        deadline = time.time() + 20
        while BACKENDS["be1"] + ":8080" in kp.rules() and time.time() < deadline:
            time.sleep(0.2)
        text = kp.wait_for(cip, f"{BACKENDS['be2']}:8080")
        assert f"{BACKENDS['be1']}:8080" not in text
        assert node.curl(f"http://{cip}/who") == "be2"
        assert kp.alive()
    finally:
        kp.stop()
        node.topo.close()
