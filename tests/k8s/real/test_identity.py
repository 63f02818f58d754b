"""The identity suite of tests/live/test_k8s.py against a real kube-apiserver
v1.37.2 (rig.py) instead of the fake one: the same node, pods, cgroups and
flows, with the objects created through the real API as the controllers and
the kubelet would write them (Deployment -> ReplicaSet -> Pod owner
references with the server's UIDs, a StatefulSet, a bare pod, dual-stack
Services, the Node with both addresses, pod status through the status
subresource). The sensor runs in the node namespace as the ServiceAccount
monitoring/nettrail, bound to the chart's ClusterRole rules (docs/kubernetes.md
RBAC), and reaches the apiserver through a unix-socket bridge. Every test
of test_k8s.py but the fault injection (that stays with the fake server)
runs here unchanged, and asserts the same exact fields: both ends, workload,
Service, node, labels (changed through the API), internal/outbound/inbound,
IPv4 and IPv6, pod deleted and its IP reused."""
import sys

import pytest

import rig

sys.path.insert(0, str(rig.ROOT / "tests" / "live"))
import test_k8s as base  # noqa: E402
from test_k8s import NODE, NODE4, NODE6, NS, PODS, SVC_DB4, SVC_WEB4, SVC_WEB6, validate  # noqa: E402


class RealCluster(base.Cluster):
    def start_api(self, tmp):
        self.plane = rig.ControlPlane(rig.binaries(), tmp / "plane")
        token = self.plane.sa_token(rig.SENSOR_NS, rig.SENSOR_SA)
        self.plane.start()
        p = self.plane
        for ns in (NS, rig.SENSOR_NS):
            p.create(rig.namespace(ns))
        rig.bind_sensor(p)
        p.create(rig.node(NODE, [("InternalIP", NODE4), ("InternalIP", NODE6), ("Hostname", NODE)]))
        dep = p.create(rig.deployment("web", NS, {"app": "web"}))
        owners = {"ReplicaSet": p.create(rig.replicaset("web-7d9c8b6f5", NS, {"app": "web"}, dep)),
                  "StatefulSet": p.create(rig.statefulset("db", NS, {"app": "db"}, "db"))}
        for q in PODS.values():
            made = self.control("add", {"object": base.pod_obj(q)}, owners)["object"]
            q["uid"] = made["metadata"]["uid"]  # the server's, for the cgroups and k8s_of()
        p.create(rig.service("web", NS, {"app": "web"}, [(8080, 8080)], [SVC_WEB4, SVC_WEB6]))
        p.create(rig.service("db", NS, {"app": "db"}, [(5432, 5432)], [SVC_DB4]))
        self.api_url = f"https://127.0.0.1:{p.bridge(self.node)}"
        self.ca = p.ca
        self.client_token = tmp / "client-token"
        self.client_token.write_text(token)

    def control(self, op, body, owners=None):
        """The fake server's control operations that a real API does too."""
        p = self.plane
        if op == "add":
            obj = body["object"]
            meta = {k: v for k, v in obj["metadata"].items()
                    if k not in ("uid", "creationTimestamp", "ownerReferences")}
            refs = obj["metadata"].get("ownerReferences")
            if refs and owners:  # the owner this server made, with its UID
                meta["ownerReferences"] = [rig.owner_ref(owners[refs[0]["kind"]])]
            made = p.create({k: v for k, v in obj.items() if k != "status"} | {"metadata": meta})
            if "status" in obj:
                st = obj["status"]
                ips = [i["ip"] for i in st["podIPs"]]
                cids = {c["name"]: c["containerID"] for c in st["containerStatuses"]}
                made = p.patch("Pod", meta["name"], rig.pod_status(ips, NODE4, cids), ns=meta["namespace"],
                               sub="status")
            return {"object": made}
        if op == "modify":
            return {"object": p.patch(body["kind"], body["name"], body["patch"], ns=body["namespace"])}
        if op == "delete":
            return {"object": p.delete(body["kind"], body["name"], ns=body["namespace"])}
        raise NotImplementedError(f"{op}: a fault of the fake server only")

    def close(self):
        super().close()
        if getattr(self, "plane", None):
            self.plane.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = RealCluster(tmp_path_factory.mktemp("k8sreal"), tag="kr")
    yield c
    c.close()
    # the sensor's own requests: never refused by the chart's RBAC
    codes = [e["responseStatus"]["code"] for e in c.plane.audit(rig.SENSOR_USER)]
    assert codes and all(code == 200 for code in codes), codes
    validate(c.out_file, inside="10.244.0.0/16,fd00:244::/32,10.96.0.0/12,fd00:96::/108")


# The tests of test_k8s.py, in its order, against this cluster (the pod
# deletion last: the pod it puts back has a new UID).
def test_east_west_both_ends_and_the_local_process(cluster):
    base.test_east_west_both_ends_and_the_local_process(cluster)


def test_east_west_over_ipv6(cluster):
    base.test_east_west_over_ipv6(cluster)


def test_pod_to_service_cluster_ip(cluster):
    base.test_pod_to_service_cluster_ip(cluster)


def test_pod_to_outside_is_outbound(cluster):
    base.test_pod_to_outside_is_outbound(cluster)


def test_outside_to_pod_is_inbound(cluster):
    base.test_outside_to_pod_is_inbound(cluster)


def test_pod_to_its_node(cluster):
    base.test_pod_to_its_node(cluster)


def test_dns_records_carry_the_client_identity(cluster):
    base.test_dns_records_carry_the_client_identity(cluster)


def test_labels_changed_through_the_api(cluster):
    base.patch_labels(cluster, "web", {"app": "web", "tier": "front", "v": "1"})
    base.label_of(cluster, "web", {"app": "web", "tier": "front", "v": "1"})
    base.patch_labels(cluster, "web", {"v": None})
    base.label_of(cluster, "web", PODS["web"]["labels"])


def test_pod_deleted_and_ip_reused(cluster):
    base.test_pod_deleted_and_ip_reused(cluster)
