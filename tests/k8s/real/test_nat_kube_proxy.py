"""Translated connections on rules the real kube-proxy v1.37.2 writes
(iptables and nftables mode), not hand-written ones: nettrail on every
interface of the node namespace of test_kube_proxy.py reports a pod's
connection to a ClusterIP as one record, client -> ClusterIP, with
destination.nat the backend kube-proxy chose, counted exactly as tcpdump in
the client pod saw it (tests/live/test_nat.py has every other case, on
kube-proxy-shaped rules)."""
import sys

import pytest

import kubeproxy
import rig
from test_kube_proxy import BACKENDS, CLUSTER_CIDR, NODE, NS, Node, backend_pod, plane  # noqa: F401

sys.path.insert(0, str(rig.ROOT / "tests" / "live"))
from conftest import Capture, Sensor, flows, oracle, oracle_flow, totals  # noqa: E402

CLIENT = "10.244.1.2"
CLUSTER_IP = {"iptables": "10.96.0.60", "nftables": "10.96.0.61"}


@pytest.mark.parametrize("mode", kubeproxy.MODES)
def test_one_record_per_service_connection(plane, tmp_path, mode):  # noqa: F811
    node = Node(tmp_path, "n" + mode[:2])
    kp = kubeproxy.KubeProxy(plane, node.node, mode, NODE, CLUSTER_CIDR, tmp_path)
    try:
        name, cip = f"nat-{mode}", CLUSTER_IP[mode]
        svc = plane.create(rig.service(name, NS, {"app": "echo"}, [(80, 8080)], [cip]))
        be = backend_pod(plane, f"natbe-{mode}", BACKENDS["be2"])
        plane.create(rig.endpointslice(svc, "IPv4", [(BACKENDS["be2"], be, NODE)], [("p80", 8080)]))
        kp.start()
        kp.wait_for(cip, f"{BACKENDS['be2']}:8080")
        nt = Sensor(node.topo, node.node, tmp_path / "out.jsonl", "-i", "vcli,vbe1,vbe2",
                    "--heartbeat", "0", "--idle-timeout", "1")
        cap = Capture(node.topo, node.ns["cli"], "eth0", tmp_path / "cli.pcap")
        assert node.curl(f"http://{cip}/who") == "be2"
        cap.stop()
        assert nt.stop() == 0, nt.stderr
        recs = [r for r in flows(nt.records()) if r["network"]["iana_number"] == "6"]
        mine = [r for r in recs if r["source"]["ip"] == CLIENT]
        assert {r["destination"]["ip"] for r in mine} == {cip}, recs
        assert len({r["source"]["port"] for r in mine}) == 1, mine  # one connection
        f = mine[-1]
        assert f["destination"]["port"] == 80
        assert f["destination"]["nat"] == {"ip": BACKENDS["be2"], "port": 8080}
        assert "nat" not in f["source"]  # from inside the cluster CIDR: no SNAT
        assert totals(mine) == oracle_flow(oracle(cap.path), 6, CLIENT, cip, 80)
        assert sorted(f["nettrail"]["observer"]["interfaces"]) == ["vbe2", "vcli"]
        assert kp.alive()
    finally:
        kp.stop()
        node.topo.close()
