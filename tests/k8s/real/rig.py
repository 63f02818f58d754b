"""A real Kubernetes control plane for tests: etcd and kube-apiserver, built
by build.sh from the Go module proxy, on 127.0.0.1 of the host namespace
(random free ports), with TLS (tests/k8s/make_certs.sh), static bearer
tokens (--token-auth-file), RBAC, service-account keys and an audit log of
every request the sensor makes. No controller-manager, scheduler or kubelet:
the helpers below write objects the way those would (pod status through the
status subresource, EndpointSlices as the EndpointSlice controller does).

    cp = ControlPlane(bindir, workdir); cp.start()
    cp.create_namespace("shop"); cp.create("pods", pod, ns="shop"); ...
    port = cp.bridge("nsname")   # the API on 127.0.0.1:port inside a netns
    cp.stop()                    # apiserver first, then etcd (by PID)

Used by tests/k8s/real/test_*.py (suite tests/suites/k8s_real.sh) and by
kubeproxy.py. Standard library only.
"""
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
K8S_VERSION = "v1.37.2"
ETCD_VERSION = "v3.7.3"
SERVICE_CIDRS = "10.96.0.0/12,fd00:96::/108"

# group paths of the kinds the helpers write: kind -> (api prefix, plural, namespaced)
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "Pod": ("/api/v1", "pods", True),
    "Service": ("/api/v1", "services", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "ReplicaSet": ("/apis/apps/v1", "replicasets", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "DaemonSet": ("/apis/apps/v1", "daemonsets", True),
    "Job": ("/apis/batch/v1", "jobs", True),
    "CronJob": ("/apis/batch/v1", "cronjobs", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
    "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
}

AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  userGroups: [system:serviceaccounts]
- level: None
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(log=None):
    """The directory holding etcd, kube-apiserver and kube-proxy (built once,
    cached under ~/.cache/nettrail/k8s-real/)."""
    r = subprocess.run(["bash", str(HERE / "build.sh")], stdout=subprocess.PIPE,
                       stderr=log or subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"build.sh failed: {(r.stderr or '')[-2000:]}")
    return Path(r.stdout.strip().splitlines()[-1])


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


class ControlPlane:
    def __init__(self, bindir, workdir):
        self.bin = Path(bindir)
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.etcd = self.apiserver = None
        self.bridges = []
        self.tokens = {}  # name -> [token, user, uid, groups]
        self.etcd_port = self.api_port = None
        self._files()  # tokens can be added before start()

    # ---- setup ------------------------------------------------------------
    def _files(self):
        certs = self.dir / "certs"
        subprocess.run(["bash", str(ROOT / "tests" / "k8s" / "make_certs.sh"), str(certs)],
                       check=True, capture_output=True)
        self.ca = certs / "ca.crt"
        self.cert, self.key = certs / "server.crt", certs / "server.key"
        self.sa_key, self.sa_pub = self.dir / "sa.key", self.dir / "sa.pub"
        subprocess.run(["openssl", "genrsa", "-out", str(self.sa_key), "2048"], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", str(self.sa_key), "-pubout", "-out",
                        str(self.sa_pub)], check=True, capture_output=True)
        self.token_file = self.dir / "tokens.csv"
        self.audit_log = self.dir / "audit.log"
        (self.dir / "audit-policy.yaml").write_text(AUDIT_POLICY)
        self.admin_token = self.add_token("admin", "admin", ["system:masters"])
        # kube-proxy's user, bound to system:node-proxier by the bootstrap RBAC
        self.add_token("kube-proxy", "system:kube-proxy", [])
        self.ssl = ssl.create_default_context(cafile=str(self.ca))

    def add_token(self, name, user, groups, uid=None):
        """A bearer token for USER in GROUPS; the apiserver reads the file at
        start only (restart_apiserver() after adding one to a running plane)."""
        tok = secrets.token_hex(24)
        self.tokens[name] = [tok, user, uid or f"uid-{name}", list(groups)]
        self._write_tokens()
        return tok

    def sa_token(self, ns, sa, name=None):
        """A token for ServiceAccount NS/SA as the apiserver names one:
        user system:serviceaccount:NS:SA, its groups."""
        return self.add_token(name or f"sa-{ns}-{sa}", f"system:serviceaccount:{ns}:{sa}",
                              ["system:serviceaccounts", f"system:serviceaccounts:{ns}"])

    def rotate_token(self, name):
        """Replaces NAME's token in the token file (takes effect at the next
        apiserver start); returns the new token."""
        self.tokens[name][0] = secrets.token_hex(24)
        self._write_tokens()
        return self.tokens[name][0]

    def _write_tokens(self):
        tmp = self.token_file.with_suffix(".new")
        tmp.write_text("".join(f'{t},{u},{i},"{",".join(g)}"\n' for t, u, i, g in self.tokens.values()))
        os.replace(tmp, self.token_file)

    def start(self, timeout=120):
        self.etcd_port, peer = free_port(), free_port()
        url, purl = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{peer}"
        self.etcd_log = open(self.dir / "etcd.log", "ab")
        self.etcd = subprocess.Popen(
            [str(self.bin / "etcd"), "--name", "rig", "--data-dir", str(self.dir / "etcd-data"),
             "--listen-client-urls", url, "--advertise-client-urls", url,
             "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
             "--initial-cluster", f"rig={purl}", "--unsafe-no-fsync", "--log-level", "warn",
             # progress notifications every second (10 min by default): the
             # apiserver's watch caches, and so its bookmarks, follow writes
             # of other kinds within a second, as on a busy cluster
             "--watch-progress-notify-interval", "1s",
             "--listen-metrics-urls", ""],
            stdout=self.etcd_log, stderr=subprocess.STDOUT)
        self.api_port = free_port()
        self.start_apiserver(timeout)
        return self

    def start_apiserver(self, timeout=120):
        self.api_log = open(self.dir / "apiserver.log", "ab")
        self.apiserver = subprocess.Popen(
            [str(self.bin / "kube-apiserver"),
             f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
             "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
             f"--secure-port={self.api_port}", f"--cert-dir={self.dir / 'certs'}",
             f"--tls-cert-file={self.cert}", f"--tls-private-key-file={self.key}",
             f"--token-auth-file={self.token_file}", "--authorization-mode=RBAC",
             f"--service-cluster-ip-range={SERVICE_CIDRS}",
             "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
             f"--service-account-key-file={self.sa_pub}",
             f"--service-account-signing-key-file={self.sa_key}",
             "--endpoint-reconciler-type=none", "--disable-admission-plugins=ServiceAccount",
             f"--audit-policy-file={self.dir / 'audit-policy.yaml'}",
             f"--audit-log-path={self.audit_log}", "--audit-log-mode=blocking",
             "--profiling=false", "--v=1"],
            stdout=self.api_log, stderr=subprocess.STDOUT)
        self.wait_ready(timeout)

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            for p, what in ((self.etcd, "etcd"), (self.apiserver, "kube-apiserver")):
                if p.poll() is not None:
                    raise RuntimeError(f"{what} exited {p.returncode}: {self.tail(what)}")
            try:
                if self.raw("GET", "/readyz")[0] == 200:
                    return
            except (OSError, ApiError) as e:
                last = e
            time.sleep(0.2)
        raise RuntimeError(f"kube-apiserver not ready in {timeout} s ({last}): {self.tail('kube-apiserver')}")

    def tail(self, what, n=2000):
        f = self.dir / ("etcd.log" if what == "etcd" else "apiserver.log")
        return f.read_text(errors="replace")[-n:] if f.exists() else ""

    @staticmethod
    def _kill(p, timeout=30):
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop_apiserver(self):
        self._kill(self.apiserver)
        self.apiserver = None

    def restart_apiserver(self, timeout=120):
        self.stop_apiserver()
        self.start_apiserver(timeout)

    def stop(self):
        """Bridges, then the apiserver, then etcd (etcd first hangs the apiserver)."""
        for p in self.bridges:
            self._kill(p, 5)
        self.bridges = []
        self.stop_apiserver()
        self._kill(self.etcd)
        self.etcd = None

    # ---- etcd directly (its JSON gateway), for what no API call does --------
    def etcd_call(self, op, body):
        """POST /v3/<op> to etcd's gRPC gateway; the decoded answer."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.etcd_port}/v3/{op}",
                                     data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    @staticmethod
    def _b64(s):
        import base64
        return base64.b64encode(s.encode()).decode()

    def etcd_delete(self, key):
        """Deletes KEY (e.g. /registry/pods/NS/NAME) behind the apiserver's back."""
        return int(self.etcd_call("kv/deleterange", {"key": self._b64(key)}).get("deleted", 0))

    def etcd_compact(self):
        """Writes a key of no resource, then compacts etcd up to it: every
        resourceVersion before is gone (a watch from one gets 410)."""
        rev = int(self.etcd_call("kv/put", {"key": self._b64("/nettrail-rig/compact"),
                                       "value": self._b64(str(time.time()))})["header"]["revision"])
        self.etcd_call("kv/compaction", {"revision": str(rev), "physical": True})
        return rev

    # ---- reaching it from a network namespace -----------------------------
    def bridge(self, netns, port=6443):
        """The API on 127.0.0.1:PORT inside NETNS, through a unix socket and
        two socat processes: no route and no address outside loopback."""
        sock = self.dir / f"api-{netns}.sock"
        host = subprocess.Popen(["socat", f"UNIX-LISTEN:{sock},fork,unlink-early",
                                 f"TCP:127.0.0.1:{self.api_port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.bridges.append(host)
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.02)
        inner = subprocess.Popen(["ip", "netns", "exec", netns, "socat",
                                  f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr",
                                  f"UNIX-CONNECT:{sock}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.bridges.append(inner)
        for _ in range(100):
            r = subprocess.run(["ip", "netns", "exec", netns, "ss", "-ltnH", f"sport = :{port}"],
                               capture_output=True, text=True)
            if "LISTEN" in r.stdout:
                return port
            time.sleep(0.05)
        raise RuntimeError(f"socat bridge into {netns} did not listen")

    def kubeconfig(self, path, token_name, server=None):
        """A kubeconfig for TOKEN_NAME's token (server defaults to the host's port)."""
        server = server or f"https://127.0.0.1:{self.api_port}"
        doc = {"apiVersion": "v1", "kind": "Config", "current-context": "rig",
               "clusters": [{"name": "rig", "cluster": {"server": server,
                                                        "certificate-authority": str(self.ca)}}],
               "users": [{"name": token_name, "user": {"token": self.tokens[token_name][0]}}],
               "contexts": [{"name": "rig", "context": {"cluster": "rig", "user": token_name}}]}
        Path(path).write_text(json.dumps(doc, indent=1))
        return path

    # ---- REST -------------------------------------------------------------
    def raw(self, method, path, body=None, ctype="application/json", token=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(f"https://127.0.0.1:{self.api_port}{path}", data=data,
                                     method=method)
        req.add_header("Authorization", f"Bearer {token or self.admin_token}")
        if data is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            raise ApiError(e.code, e.read().decode(errors="replace")) from None

    def call(self, method, path, body=None, ctype="application/json", token=None):
        return json.loads(self.raw(method, path, body, ctype, token)[1] or b"{}")

    @staticmethod
    def path(kind, ns=None, name=None, sub=None):
        prefix, plural, namespaced = KINDS[kind]
        p = prefix + (f"/namespaces/{ns}" if namespaced and ns else "") + f"/{plural}"
        return p + (f"/{name}" if name else "") + (f"/{sub}" if sub else "")

    def create(self, obj):
        m = obj["metadata"]
        return self.call("POST", self.path(obj["kind"], m.get("namespace")), obj)

    def get(self, kind, name, ns=None):
        return self.call("GET", self.path(kind, ns, name))

    def list(self, kind, ns=None, query=""):
        return self.call("GET", self.path(kind, ns) + (f"?{query}" if query else ""))

    def patch(self, kind, name, patch, ns=None, sub=None):
        """A JSON merge patch (null removes a key)."""
        return self.call("PATCH", self.path(kind, ns, name, sub), patch,
                         "application/merge-patch+json")

    def delete(self, kind, name, ns=None, grace=0):
        return self.call("DELETE", self.path(kind, ns, name),
                         {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": grace})

    def replace(self, obj):
        m = obj["metadata"]
        cur = self.get(obj["kind"], m["name"], m.get("namespace"))
        obj = dict(obj, metadata=dict(m, resourceVersion=cur["metadata"]["resourceVersion"]))
        return self.call("PUT", self.path(obj["kind"], m.get("namespace"), m["name"]), obj)

    def allowed(self, user, groups, verb, resource, group=""):
        """The authorizer's answer (a SubjectAccessReview, as the admin)."""
        r = self.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                      {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                       "spec": {"user": user, "groups": groups,
                                "resourceAttributes": {"verb": verb, "resource": resource,
                                                       "group": group}}})
        return bool(r["status"].get("allowed"))

    def wait_allowed(self, user, groups, verb, resource, group="", want=True, timeout=20):
        """Until the RBAC authorizer has seen a role change (its informer)."""
        deadline = time.time() + timeout
        while self.allowed(user, groups, verb, resource, group) != want:
            if time.time() > deadline:
                raise AssertionError(f"{user} {verb} {resource}.{group}: still {not want}")
            time.sleep(0.1)

    def bulk(self, reqs, threads=4):
        """REQS: [(method, path, body, content type)], sent over THREADS
        keep-alive connections; returns the decoded answers in order."""
        import http.client
        import threading
        out = [None] * len(reqs)
        errs = []

        def worker(idx):
            c = http.client.HTTPSConnection("127.0.0.1", self.api_port, context=self.ssl, timeout=60)
            for i in idx:
                method, path, body, ctype = reqs[i]
                c.request(method, path, json.dumps(body), {"Content-Type": ctype,
                                                            "Authorization": f"Bearer {self.admin_token}"})
                r = c.getresponse()
                data = r.read()
                if r.status >= 300:
                    errs.append(f"{method} {path}: {r.status} {data[:200]}")
                    return
                out[i] = json.loads(data)
            c.close()
        ts = [threading.Thread(target=worker, args=(range(k, len(reqs), threads),)) for k in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errs:
            raise RuntimeError(errs[0])
        return out

    def audit(self, user=None):
        """The audit log's events (ResponseComplete/ResponseStarted), of USER."""
        if not self.audit_log.exists():
            return []
        out = []
        with open(self.audit_log) as f:
            for line in f:
                if line.strip():
                    e = json.loads(line)
                    if user is None or e["user"]["username"] == user:
                        out.append(e)
        return out


SENSOR_NS, SENSOR_SA = "monitoring", "nettrail"  # the chart installed with -n monitoring
SENSOR_USER = f"system:serviceaccount:{SENSOR_NS}:{SENSOR_SA}"
RBAC_RULES = [  # the chart's ClusterRole (charts/nettrail/templates/rbac.yaml)
    {"apiGroups": [""], "resources": ["pods", "services", "nodes", "namespaces"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]},
]


def bind_sensor(plane, rules=RBAC_RULES, name="nettrail-sensor"):
    """A ClusterRole with RULES bound to the sensor's ServiceAccount."""
    plane.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                  "metadata": {"name": name}, "rules": rules})
    plane.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                  "metadata": {"name": name},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                              "name": name},
                  "subjects": [{"kind": "ServiceAccount", "name": SENSOR_SA,
                                "namespace": SENSOR_NS}]})


# ---- objects, as the controllers and the kubelet would write them ---------
def owner_ref(obj):
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def node(name, addresses, pod_cidrs=None):
    """ADDRESSES: [(type, address)], e.g. [("InternalIP", "172.31.0.1")].
    The apiserver takes a Node's status on create, as a kubelet registers it."""
    spec = {"podCIDR": pod_cidrs[0], "podCIDRs": pod_cidrs} if pod_cidrs else {}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}, "spec": spec,
            "status": {"addresses": [{"type": t, "address": a} for t, a in addresses],
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "rig"}]}}


def pod(name, ns, node_name, labels=None, owner=None, sa="default", containers=("main",)):
    meta = {"name": name, "namespace": ns, "labels": dict(labels or {})}
    if owner:
        meta["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node_name, "serviceAccountName": sa,
                     "containers": [{"name": c, "image": "example/app:1"} for c in containers]}}


def pod_status(ips, host_ip, container_ids, phase="Running"):
    """The status a kubelet reports: IPS [v4, v6...], CONTAINER_IDS {name: 'containerd://<64 hex>'}."""
    return {"status": {
        "phase": phase, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "podIP": ips[0] if ips else None, "podIPs": [{"ip": i} for i in ips],
        "conditions": [{"type": "Ready", "status": "True" if phase == "Running" else "False"}],
        "containerStatuses": [
            {"name": n, "ready": phase == "Running", "restartCount": 0, "image": "example/app:1",
             "imageID": "docker.io/example/app@sha256:" + "0" * 64, "containerID": cid,
             "started": phase == "Running",
             "state": {"running": {"startedAt": "2026-12-01T08:00:00Z"}} if phase == "Running"
             else {"terminated": {"exitCode": 0, "reason": "Completed"}}}
            for n, cid in container_ids.items()]}}


def template(labels):
    return {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": "example/app:1"}]}}


def deployment(name, ns, labels):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template(labels)}}


def replicaset(name, ns, labels, owner=None):
    meta = {"name": name, "namespace": ns, "labels": dict(labels)}
    if owner:
        meta["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template(labels)}}


def statefulset(name, ns, labels, service):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 1, "serviceName": service, "selector": {"matchLabels": labels},
                     "template": template(labels)}}


def daemonset(name, ns, labels):
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": template(labels)}}


def job_template(labels):
    t = template(labels)
    t["spec"]["restartPolicy"] = "Never"
    return t


def cronjob(name, ns, labels):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name, "namespace": ns},
            "spec": {"schedule": "0 * * * *",
                     "jobTemplate": {"spec": {"template": job_template(labels)}}}}


def job(name, ns, labels, owner=None):
    meta = {"name": name, "namespace": ns}
    if owner:
        meta["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
            "spec": {"template": job_template(labels)}}


def service(name, ns, selector, ports, cluster_ips=None):
    """PORTS: [(port, target_port)], TCP. CLUSTER_IPS: fixed addresses (both
    families: RequireDualStack), or None for one the apiserver allocates."""
    spec = {"selector": selector, "ports": [{"name": f"p{p}", "port": p, "targetPort": t,
                                             "protocol": "TCP"} for p, t in ports]}
    if cluster_ips:
        spec["clusterIP"], spec["clusterIPs"] = cluster_ips[0], list(cluster_ips)
        spec["ipFamilies"] = ["IPv6" if ":" in ip else "IPv4" for ip in cluster_ips]
        spec["ipFamilyPolicy"] = "RequireDualStack" if len(cluster_ips) > 1 else "SingleStack"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": spec}


def endpointslice(svc, family, endpoints, ports):
    """What the EndpointSlice controller writes for SVC: ENDPOINTS [(ip, pod
    object, node name)], PORTS [(name, port)], FAMILY IPv4 or IPv6."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{name}-{family.lower()}", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": name,
                                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                         "ownerReferences": [owner_ref(svc)]},
            "addressType": family,
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True, "serving": True,
                                                              "terminating": False},
                           "nodeName": node_name,
                           "targetRef": {"kind": "Pod", "namespace": ns,
                                         "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}}
                          for ip, p, node_name in endpoints],
            "ports": [{"name": n, "port": port, "protocol": "TCP"} for n, port in ports]}


def binaries():
    """$K8S_REAL_BIN (set by tests/suites/k8s_real.sh after build.sh), else build."""
    return Path(os.environ["K8S_REAL_BIN"]) if os.environ.get("K8S_REAL_BIN") else build()


def yaml_docs(text):
    """(kind, namespace, name, yaml) of each document of a multi-document
    YAML stream as helm renders it (top-level kind, metadata.name/namespace
    at two spaces); the apiserver takes the YAML itself (application/yaml)."""
    out = []
    for doc in text.split("\n---"):
        kind = ns = name = None
        in_meta = False
        for line in doc.splitlines():
            if line.startswith("kind:"):
                kind = line.split(":", 1)[1].strip()
            in_meta = line.startswith("metadata:") or (in_meta and line.startswith(" "))
            if in_meta and line.startswith("  name:"):
                name = line.split(":", 1)[1].strip().strip('"')
            if in_meta and line.startswith("  namespace:"):
                ns = line.split(":", 1)[1].strip().strip('"')
        if kind:
            out.append((kind, ns, name, doc.strip() + "\n"))
    return out


def apply_yaml(plane, text):
    """Creates every object of TEXT (helm template output); returns them as JSON."""
    made = []
    for kind, ns, _, doc in yaml_docs(text):
        made.append(plane.call("POST", plane.path(kind, ns), doc.encode(), "application/yaml"))
    return made
