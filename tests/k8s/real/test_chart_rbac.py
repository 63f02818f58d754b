"""The chart's ServiceAccount, ClusterRole and ClusterRoleBinding, rendered by
helm (charts/nettrail, release nettrail in namespace monitoring) and applied
to a real kube-apiserver v1.37.2, are the sensor's identity: a token bound
to that ServiceAccount (user system:serviceaccount:monitoring:<name>, its
groups) through --token-auth-file. The rules are exactly sufficient: the
client syncs with no 403, and its requests are list and watch on its six
resources (the apiserver's audit log); every rule taken out, and the list
or the watch verb taken out of a rule, gives real 403s that the client
counts and flags for exactly the resources of that rule. `get` is granted
and unused (docs/kubernetes.md, RBAC)."""
import copy
import os
import subprocess

import pytest

import driver as drv
import rig

NS = "monitoring"
RESOURCES = {"": ["pods", "services", "nodes", "namespaces"], "apps": ["replicasets"],
             "batch": ["jobs"]}
ORDER = ["namespaces", "nodes", "replicasets", "jobs", "services", "pods"]  # enum nt_k8s_res


def helm():
    h = os.environ.get("K8S_REAL_HELM") or str(rig.Path.home() / ".cache/nettrail/bin/helm")
    assert os.access(h, os.X_OK), f"no helm at {h} (tests/suites/k8s_real.sh installs it)"
    return h


class Chart:
    def __init__(self, tmp):
        r = subprocess.run([helm(), "template", "nettrail", str(rig.ROOT / "charts" / "nettrail"), "-n", NS,
                            "--show-only", "templates/serviceaccount.yaml",
                            "--show-only", "templates/rbac.yaml"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        self.yaml = r.stdout
        docs = {k: (ns, name) for k, ns, name, _ in rig.yaml_docs(self.yaml)}
        assert sorted(docs) == ["ClusterRole", "ClusterRoleBinding", "ServiceAccount"], docs
        self.sa = docs["ServiceAccount"][1]
        self.role = docs["ClusterRole"][1]
        self.user = f"system:serviceaccount:{NS}:{self.sa}"
        self.groups = ["system:serviceaccounts", f"system:serviceaccounts:{NS}", "system:authenticated"]
        self.plane = p = rig.ControlPlane(rig.binaries(), tmp / "plane")
        self.token_file = tmp / "sa-token"
        self.token_file.write_text(p.sa_token(NS, self.sa))
        p.start()
        p.create(rig.namespace(NS))
        made = rig.apply_yaml(p, self.yaml)
        self.rules = [o for o in made if o["kind"] == "ClusterRole"][0]["rules"]
        p.create(rig.node("node-a", [("InternalIP", "172.18.0.2")]))
        pod = p.create(rig.pod("one", NS, "node-a", {"app": "one"}))
        p.patch("Pod", "one", rig.pod_status(["10.200.9.9"], "172.18.0.2", {"main": "containerd://" + "cd" * 32}),
                ns=NS, sub="status")
        self.pod_uid = pod["metadata"]["uid"]
        self.exe = drv.build(tmp / "drv")
        self.tmp = tmp

    def set_rules(self, rules):
        p = self.plane
        p.replace({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": self.role}, "rules": rules})
        for r in rules:  # the authorizer has the new role
            for g in r["apiGroups"]:
                for res in r["resources"]:
                    for v in r["verbs"]:
                        p.wait_allowed(self.user, self.groups, v, res, g)

    def sync(self, name):
        d = drv.Driver(self.exe, f"https://127.0.0.1:{self.plane.api_port}", self.plane.ca, self.token_file,
                       "--watch-timeout", 30, "--forbidden-retry", 60, stderr=self.tmp / f"{name}.err")
        return d, d.ask("sync 30")


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    c = Chart(tmp_path_factory.mktemp("chart"))
    yield c
    c.plane.stop()


def test_the_rendered_role_is_what_the_docs_say(chart):
    assert [(r["apiGroups"], r["resources"], r["verbs"]) for r in chart.rules] == \
        [([g], res, ["get", "list", "watch"]) for g, res in RESOURCES.items()]
    assert chart.rules == rig.RBAC_RULES  # what the other real-server tests bind


def test_the_chart_identity_syncs_with_no_403(chart):
    start = len(chart.plane.audit(chart.user))
    d, got = chart.sync("full")
    assert got.startswith("synced ")
    assert d.waitstat(10, "watches", "==", 6) == "ok"
    s = d.stats()
    assert (s["forbidden"], s["forbidden_resources"], s["auth_errors"], s["pods"]) == ("0", "-", "0", "1")
    assert d.lookup("10.200.9.9").startswith('10.200.9.9 pod {"namespace":"monitoring","pod":{"name":"one"')
    d.quit()
    ev = chart.plane.audit(chart.user)[start:]
    assert ev and all(e["responseStatus"]["code"] == 200 for e in ev), \
        [(e["verb"], e["requestURI"], e["responseStatus"]["code"]) for e in ev if e["responseStatus"]["code"] != 200]
    used = {(e["verb"], e["objectRef"].get("apiGroup", ""), e["objectRef"]["resource"]) for e in ev}
    assert used == {(v, g, r) for g, rs in RESOURCES.items() for r in rs for v in ("list", "watch")}


def drop(rules, group, verb=None):
    """RULES without GROUP's rule (or without only VERB in it)."""
    out = []
    for r in copy.deepcopy(rules):
        if r["apiGroups"] == [group]:
            if verb is None:
                continue
            r["verbs"] = [v for v in r["verbs"] if v != verb]
        out.append(r)
    return out


@pytest.mark.parametrize("group,verb", [("", None), ("apps", None), ("batch", None), ("", "list"),
                                        ("", "watch"), ("apps", "watch"), ("batch", "list")])
def test_a_rule_taken_out_gives_403_for_exactly_its_resources(chart, group, verb):
    chart.set_rules(drop(chart.rules, group, verb))
    if verb is None:
        chart.plane.wait_allowed(chart.user, chart.groups, "list", RESOURCES[group][0], group, want=False)
    start = len(chart.plane.audit(chart.user))
    d, got = chart.sync(f"drop-{group or 'core'}-{verb}")
    try:
        assert got.startswith("synced ")  # a forbidden resource counts as in
        # a list refused at once; a watch refused after a list worked after
        # the quick retries (0.5 + 1 + 2 + 4 + 8 s: docs/kubernetes.md)
        want = ",".join(r for r in ORDER if r in RESOURCES[group])
        assert d.wait_stat("forbidden_resources", want, 40) == want, d.stats()
        refused = {(e["verb"], e["objectRef"]["resource"]) for e in chart.plane.audit(chart.user)[start:]
                   if e["responseStatus"]["code"] == 403}
        assert refused == {(verb or "list", r) for r in RESOURCES[group]}
        what = f"group {group}" if group else 'the core group ("")'
        assert f"add get/list/watch on {RESOURCES[group][0]} in {what}" in d.stderr()
    finally:
        d.quit()
        chart.set_rules(chart.rules)
