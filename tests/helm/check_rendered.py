#!/usr/bin/python3
"""Checks one `helm template` rendering of charts/nettrail (tests/suites/helm.sh).

usage: check_rendered.py OBJECTS.json DEFAULTS.json VALUES.json NETTRAIL APPVERSION [PCAP]

OBJECTS.json is the rendering as a JSON array (tests/helm/validate -dump),
DEFAULTS.json the chart's values.yaml and VALUES.json the values file, both as
JSON. Prints one "ok NAME" or "FAIL NAME: why" line per check.

The last check runs the real binary: `NETTRAIL --check-config` with the
DaemonSet's args (each $(VAR) replaced by a dummy) and exactly the environment
the pod would have (the ConfigMap's data plus NETTRAIL_NODE_NAME), in a chroot
with the pod's mount paths (/host/sys/fs/cgroup, the spool, its tmp dir, the Kafka TLS
directory), because --check-config checks that the cgroup root is readable.
Then it compares the effective configuration it prints with the values.
With PCAP and output stdout, the binary also replays PCAP with those args and
that environment (plus --pcap and --k8s off, no metrics listener), and every
record must carry orchestrator.cluster.name = clusterName, or none at all
when clusterName is unset.
Needs root (mount namespace, chroot, BPF). Standard library only.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

objs_path, defaults_path, values_path, nettrail, app_version = sys.argv[1:6]
pcap = sys.argv[6] if len(sys.argv) > 6 else None
objs = json.load(open(objs_path))


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


V = merge(json.load(open(defaults_path)), json.load(open(values_path)))
fails = 0


def check(name, cond, why=""):
    global fails
    if cond:
        print(f"ok {name}")
    else:
        fails += 1
        print(f"FAIL {name}: {why}")


def of_kind(kind):
    return [o for o in objs if o.get("kind") == kind]


ds_list = of_kind("DaemonSet")
cm_list = of_kind("ConfigMap")
check("one DaemonSet and one ConfigMap", len(ds_list) == 1 and len(cm_list) == 1,
      f"{len(ds_list)} DaemonSets, {len(cm_list)} ConfigMaps")
if not ds_list or not cm_list:
    sys.exit(1)
ds, cm = ds_list[0], cm_list[0]
pod = ds["spec"]["template"]["spec"]
ctrs = pod["containers"]
check("one container, no init containers", len(ctrs) == 1 and not pod.get("initContainers"),
      f"{len(ctrs)} containers")
c = ctrs[0]
sc = c.get("securityContext", {})
caps = sc.get("capabilities", {})
want_caps = {"BPF", "NET_ADMIN", "PERFMON"} | ({"SYS_RESOURCE"} if V["sysResourceCapability"] else set())

# ---- security ---------------------------------------------------------------
check("not privileged", sc.get("privileged") in (None, False), f"privileged={sc.get('privileged')}")
check("capabilities drop exactly [ALL]", caps.get("drop") == ["ALL"], f"drop={caps.get('drop')}")
check(f"capabilities add exactly {sorted(want_caps)}",
      sorted(caps.get("add", [])) == sorted(want_caps) and len(caps.get("add", [])) == len(want_caps),
      f"add={caps.get('add')}")
check("runAsUser 0, runAsNonRoot false", sc.get("runAsUser") == 0 and sc.get("runAsNonRoot") is False,
      f"runAsUser={sc.get('runAsUser')} runAsNonRoot={sc.get('runAsNonRoot')}")
check("allowPrivilegeEscalation false", sc.get("allowPrivilegeEscalation") is False)
check("readOnlyRootFilesystem true", sc.get("readOnlyRootFilesystem") is True)
seccomp = (sc.get("seccompProfile") or pod.get("securityContext", {}).get("seccompProfile") or {})
check("seccompProfile RuntimeDefault", seccomp.get("type") == "RuntimeDefault", f"{seccomp}")
check("no host PID/IPC namespaces", not pod.get("hostPID") and not pod.get("hostIPC"))
check("hostNetwork, dnsPolicy ClusterFirstWithHostNet",
      pod.get("hostNetwork") is True and pod.get("dnsPolicy") == "ClusterFirstWithHostNet",
      f"hostNetwork={pod.get('hostNetwork')} dnsPolicy={pod.get('dnsPolicy')}")
check("priorityClassName system-node-critical", pod.get("priorityClassName") == "system-node-critical")
check("tolerates every taint", {"operator": "Exists"} in pod.get("tolerations", []), f"{pod.get('tolerations')}")
for t in V["extraTolerations"]:
    check(f"extra toleration {t.get('key')}", t in pod.get("tolerations", []))
us = ds["spec"].get("updateStrategy", {})
check("RollingUpdate with maxUnavailable from values",
      us.get("type") == "RollingUpdate" and us.get("rollingUpdate", {}).get("maxUnavailable") == V["updateStrategy"]["maxUnavailable"],
      f"{us}")

# ---- image, probes, ports ---------------------------------------------------
check("image ghcr.io/nettrail/nettrail:" + app_version,
      c.get("image") == f"ghcr.io/nettrail/nettrail:{app_version}", c.get("image"))
port = V["metrics"]["port"]
ports = c.get("ports", [])
check(f"one port, metrics {port}/TCP",
      len(ports) == 1 and ports[0].get("name") == "metrics" and ports[0].get("containerPort") == port,
      f"{ports}")
for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
    hg = c.get(probe, {}).get("httpGet", {})
    check(f"{probe} GET {path} on the metrics port", hg.get("path") == path and hg.get("port") in ("metrics", port),
          f"{c.get(probe)}")

# ---- volumes and mounts -----------------------------------------------------
vols = {v["name"]: v for v in pod.get("volumes", [])}


def source(m):
    v = vols.get(m["name"], {})
    if "hostPath" in v:
        return ("hostPath", v["hostPath"]["path"])
    if "emptyDir" in v:
        return ("emptyDir",)
    if "secret" in v:
        return ("secret", v["secret"]["secretName"])
    return ("?", json.dumps(v))


got = sorted((m["mountPath"], bool(m.get("readOnly")), source(m)) for m in c.get("volumeMounts", []))
want = [("/sys/fs/bpf", False, ("hostPath", "/sys/fs/bpf")),
        ("/sys/kernel/btf", True, ("hostPath", "/sys/kernel/btf")),
        ("/host/sys/fs/cgroup", True, ("hostPath", "/sys/fs/cgroup")),
        ("/tmp", False, ("emptyDir",))]  # fixed-path-ok: the pod's own /tmp
if V["output"] == "kafka":  # the spool holds what Kafka cannot take; stdout has none
    want.append(("/var/lib/nettrail/spool", False,
                 ("hostPath", V["spool"]["hostPath"]) if V["spool"]["type"] == "hostPath" else ("emptyDir",)))
if V["processAttribution"]["hostProc"]:
    want.append(("/host/proc", True, ("hostPath", "/proc")))
if V["capture"]["enabled"]:  # the capture control socket's directory, in memory
    want.append(("/run/nettrail", False, ("emptyDir",)))
k = V["kafka"]
tls_mount = V["output"] == "kafka" and k["tls"]["enabled"] and k["tls"]["secretName"]
if tls_mount:
    want.append(("/etc/nettrail/kafka-tls", True, ("secret", k["tls"]["secretName"])))
want.sort()
check(f"exactly the {len(want)} expected volume mounts", got == want,
      f"got {got}, want {want}")
mounted = {m["name"] for m in c.get("volumeMounts", [])}
check("no volume that is not mounted", set(vols) == mounted, f"volumes {sorted(vols)}, mounted {sorted(mounted)}")
mp = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
check("/sys/fs/bpf mountPropagation None",
      mp.get("/sys/fs/bpf", {}).get("mountPropagation", "None") == "None")

# ---- environment, ConfigMap, secrets ---------------------------------------
data = cm.get("data", {})
check("ConfigMap: only NETTRAIL_* keys", data and all(re.fullmatch(r"NETTRAIL_[A-Z0-9_]+", x) for x in data),
      f"{sorted(data)}")
check("envFrom the ConfigMap",
      c.get("envFrom") == [{"configMapRef": {"name": cm["metadata"]["name"]}}], f"{c.get('envFrom')}")
env = {e["name"]: e for e in c.get("env", [])}
check("NETTRAIL_NODE_NAME from spec.nodeName",
      env.get("NETTRAIL_NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName")
check("no literal env values (settings in the ConfigMap, secrets by reference)",
      all("value" not in e for e in env.values()), f"{[e for e in env.values() if 'value' in e]}")
sasl = V["output"] == "kafka" and k["sasl"]["mechanism"]
if sasl:
    for var, key in (("KAFKA_SASL_USERNAME", k["sasl"]["usernameKey"]), ("KAFKA_SASL_PASSWORD", k["sasl"]["passwordKey"])):
        ref = env.get(var, {}).get("valueFrom", {}).get("secretKeyRef", {})
        check(f"{var} from Secret {k['sasl']['secretName']}/{key}",
              ref == {"name": k["sasl"]["secretName"], "key": key}, f"{env.get(var)}")
else:
    check("no SASL variables", "KAFKA_SASL_USERNAME" not in env and "KAFKA_SASL_PASSWORD" not in env)
if V["clusterName"]:
    check("cluster name in the ConfigMap", data.get("NETTRAIL_CLUSTER_NAME") == V["clusterName"],
          f"{data.get('NETTRAIL_CLUSTER_NAME')!r}")
else:  # unset: no variable at all (nettrail refuses an empty --cluster-name)
    check("no cluster name: no NETTRAIL_CLUSTER_NAME in the ConfigMap", "NETTRAIL_CLUSTER_NAME" not in data,
          f"{data.get('NETTRAIL_CLUSTER_NAME')!r}")
cap_want = ({"NETTRAIL_CAPTURE": "on", "NETTRAIL_CONTROL_SOCKET": "/run/nettrail/control.sock"}
            if V["capture"]["enabled"] else {"NETTRAIL_CAPTURE": "off"})
cap_got = {x: data[x] for x in data if x in ("NETTRAIL_CAPTURE", "NETTRAIL_CONTROL_SOCKET")}
check(f"capture {'on, its socket in the emptyDir' if V['capture']['enabled'] else 'off, no socket'}",
      cap_got == cap_want, f"{cap_got}")
cvol = (vols.get("control") or {}).get("emptyDir", {})
if V["capture"]["enabled"]:
    check("control socket volume: in memory, 1Mi", cvol == {"medium": "Memory", "sizeLimit": "1Mi"}, f"{cvol}")
raw_args = c.get("args", [])
check("cluster name never in args (ConfigMap only)",
      not any(a.startswith("--cluster-name") for a in raw_args), f"{raw_args}")
outs = [a for a in raw_args if a.startswith("--output") or a == "-o"]
check(f"args select the sink: exactly one --output={V['output']}", outs == [f"--output={V['output']}"],
      f"{outs}")
check("sink not also in the ConfigMap", "NETTRAIL_OUTPUT" not in data)
if V["output"] != "kafka":
    kflags = [a for a in raw_args if re.match(r"--(kafka|spool)", a)]
    kvars = [x for x in data if re.match(r"NETTRAIL_(KAFKA|SPOOL)_", x)]
    check(f"output {V['output']}: no Kafka or spool flag in args, no NETTRAIL_KAFKA_*/SPOOL_* variable",
          not kflags and not kvars, f"args {kflags}, ConfigMap {kvars}")
check("no secret in the ConfigMap or args",
      not re.search(r"(?i)(password|secret)=(?!\$\(|\$\{)", " ".join(list(data.values()) + c.get("args", []))))

# ---- RBAC, ServiceAccount ---------------------------------------------------
roles = of_kind("ClusterRole")
sa_mount = pod.get("automountServiceAccountToken")
if V["kubernetes"]["enabled"]:
    rules = roles[0]["rules"] if len(roles) == 1 else []
    norm = sorted((tuple(r["apiGroups"]), tuple(sorted(r["resources"])), tuple(sorted(r["verbs"]))) for r in rules)
    wv = ("get", "list", "watch")
    check("ClusterRole: get/list/watch on exactly pods, services, nodes, namespaces, replicasets, jobs",
          norm == sorted([(("",), ("namespaces", "nodes", "pods", "services"), wv),
                          (("apps",), ("replicasets",), wv), (("batch",), ("jobs",), wv)]), f"{norm}")
    crb = of_kind("ClusterRoleBinding")
    sa = of_kind("ServiceAccount")
    check("ClusterRoleBinding: the ClusterRole to the pod's ServiceAccount",
          len(crb) == 1 and len(sa) == 1 and crb[0]["roleRef"]["name"] == roles[0]["metadata"]["name"]
          and crb[0]["subjects"] == [{"kind": "ServiceAccount", "name": sa[0]["metadata"]["name"],
                                      "namespace": sa[0]["metadata"]["namespace"]}]
          and pod.get("serviceAccountName") == sa[0]["metadata"]["name"], f"{crb}")
    check("service account token mounted", sa_mount is True)
else:
    check("no ClusterRole/Binding with kubernetes disabled",
          not roles and not of_kind("ClusterRoleBinding"), f"{len(roles)} ClusterRoles")
    check("no service account token with kubernetes disabled", sa_mount is False)

m = V["metrics"]
for kind, on in (("Service", m["service"]["enabled"]), ("ServiceMonitor", m["serviceMonitor"]["enabled"]),
                 ("PodMonitor", m["podMonitor"]["enabled"])):
    check(f"{kind} {'rendered' if on else 'absent'}", len(of_kind(kind)) == (1 if on else 0))

# ---- the binary accepts it --------------------------------------------------
args = []
dummies = {"KAFKA_SASL_USERNAME": "dummy-user", "KAFKA_SASL_PASSWORD": "dummy-password"}
unresolved = []


def expand(s):
    def rep(mo):
        if mo.group(1) in dummies:
            return dummies[mo.group(1)]
        unresolved.append(mo.group(1))
        return mo.group(0)
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", rep, s)


def env_refs(s):
    """${VAR}: read by nettrail itself from its environment (secrets)."""
    return re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", s)


args = [expand(a) for a in c.get("args", [])]
refs = [v for a in c.get("args", []) for v in env_refs(a)]
check("every $(VAR) and ${VAR} in args is a declared env variable", not unresolved and
      all(v in env for v in refs), f"{unresolved} {refs}")
check("no secret value on the command line (only ${VAR} references)",
      not any("dummy-" in a for a in args))
check("args only, the image's entrypoint runs", "command" not in c)
run_env = {kk: expand(vv) for kk, vv in data.items()}
run_env["NETTRAIL_NODE_NAME"] = "node-1"
for v in refs:
    run_env[v] = dummies[v]

root = tempfile.mkdtemp(prefix="nt-helm-root.")
bindir = os.path.dirname(os.path.abspath(nettrail))
setup = f"""
set -e
r={root}
mount -t tmpfs -o mode=755 nt-helm "$r"
for d in usr bin lib lib64 sbin; do [ -e /$d ] || continue
  if [ -L /$d ]; then ln -s "$(readlink /$d)" "$r/$d"; else mkdir "$r/$d"; mount --bind -o ro /$d "$r/$d"; fi
done
mkdir -p "$r/etc/nettrail/kafka-tls" "$r/opt/nettrail" "$r/host/sys/fs/cgroup" "$r/var/lib/nettrail/spool" "$r/tmp" "$r/proc" "$r/sys/kernel/btf" "$r/sys/fs/bpf" "$r/run/nettrail"
cp /etc/ld.so.cache "$r/etc/" 2>/dev/null || true
for f in ca.crt tls.crt tls.key; do echo dummy > "$r/etc/nettrail/kafka-tls/$f"; done
mount --bind -o ro {bindir} "$r/opt/nettrail"
mount --bind -o ro /sys/fs/cgroup "$r/host/sys/fs/cgroup"
mount --bind -o ro /sys/kernel/btf "$r/sys/kernel/btf"
mount -t proc proc "$r/proc"
"""
exe = "/opt/nettrail/" + os.path.basename(nettrail)
inner = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         setup + 'exec chroot "$0" "$@"', root, "/usr/bin/env", "-i"] + \
        [f"{kk}={vv}" for kk, vv in sorted(run_env.items())] + [exe, "--check-config"] + args
try:
    p = subprocess.run(inner, capture_output=True, text=True, timeout=60)
finally:
    try:
        os.rmdir(root)
    except OSError:
        pass
check("nettrail --check-config accepts the rendered args and ConfigMap env (exit 0)",
      p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()[-400:]}")
eff = {}
props = []
for line in p.stdout.splitlines():
    kk, _, vv = line.partition("=")
    if kk == "kafka-prop":
        props.append(vv)
    else:
        eff.setdefault(kk, []).append(vv)
E = {kk: ",".join(vv) for kk, vv in eff.items()}
if p.returncode == 0:
    expect = {
        "cluster-name": V["clusterName"],
        "node-name": "node-1",
        "output": V["output"],
        "idle-timeout": str(V["timeouts"]["idle"]),
        "active-timeout": str(V["timeouts"]["active"]),
        "heartbeat": str(V["timeouts"]["heartbeat"]),
        "max-flows": str(V["flowTable"]["maxFlows"]),
        "metrics-addr": f"0.0.0.0:{port}",
        "k8s": "on" if V["kubernetes"]["enabled"] else "off",
        "cgroup-root": "/host/sys/fs/cgroup",
        "cloud-provider": V["cloud"]["provider"],
        "cloud-region": V["cloud"]["region"],
        "cloud-account": V["cloud"]["account"],
        "cluster-cidr": ",".join(V["kubernetes"]["clusterCIDRs"]),
        "service-cidr": ",".join(V["kubernetes"]["serviceCIDRs"]),
        "record-format": V["outputFormat"],
        "capture": "on" if V["capture"]["enabled"] else "off",
        "ocsf-version": V["ocsfVersion"] if V["outputFormat"] != "ecs" else "1.1.0",
    }
    mb = V["spool"]["maxBytes"]
    if isinstance(mb, str):
        mb = int(mb[:-1]) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[mb[-1]] if mb[-1] in "KMG" else int(mb)
    if V["output"] != "kafka":
        expect.update({"kafka-brokers": "", "spool-dir": ""})
    if V["output"] == "kafka":
        expect.update({"spool-dir": "/var/lib/nettrail/spool", "spool-max-bytes": str(mb),
                       "spool-full-policy": V["spool"]["fullPolicy"]})
        expect.update({"kafka-brokers": ",".join(k["brokers"]), "kafka-topic-prefix": k["topicPrefix"],
                       "kafka-flush-timeout": str(k["flushTimeoutSeconds"])})
        for t in ("flow", "dns", "heartbeat"):
            expect[f"kafka-topic-{t}"] = k["topics"][t]
        for t, key in (("ocsf-network", "ocsfNetwork"), ("ocsf-dns", "ocsfDns")):
            expect[f"kafka-topic-{t}"] = k["topics"][key]
    bad = {kk: (E.get(kk), vv) for kk, vv in expect.items() if E.get(kk) != vv}
    check(f"effective configuration matches the values ({len(expect)} settings)", not bad,
          "; ".join(f"{kk}: got {g!r}, want {w!r}" for kk, (g, w) in bad.items()))
    if V["output"] == "kafka":
        want_props = [f"compression.type={k['compression']}"]
        proto = ("SASL_SSL" if k["tls"]["enabled"] and sasl else "SSL" if k["tls"]["enabled"]
                 else "SASL_PLAINTEXT" if sasl else None)
        if proto:
            want_props.append(f"security.protocol={proto}")
        if tls_mount:
            want_props.append("ssl.ca.location=/etc/nettrail/kafka-tls/ca.crt")
            if k["tls"]["clientCert"]:
                want_props += ["ssl.certificate.location=/etc/nettrail/kafka-tls/tls.crt",
                               "ssl.key.location=/etc/nettrail/kafka-tls/tls.key"]
        if sasl:
            want_props.append(f"sasl.mechanism={k['sasl']['mechanism']}")
        for kk, vv in k["extraProperties"].items():
            want_props.append(f"{kk}={str(vv).lower() if isinstance(vv, bool) else vv}")
        missing = [x for x in want_props if x not in props]
        check(f"kafka properties in effect ({len(want_props)} expected)", not missing,
              f"missing {missing}; got {props}")
        if sasl:
            leaked = [x for x in props if "dummy-password" in x]
            check("SASL secret redacted in --check-config output", not leaked and "dummy-password" not in p.stdout,
                  f"{leaked}")

# ---- records from the rendered settings -------------------------------------
if pcap and V["output"] == "stdout" and p.returncode == 0:
    # Outside the chroot: a pcap replay reads no cgroup; no listener on the
    # node's metrics port (a test must not take it), no API server (--k8s off).
    renv = {kk: vv for kk, vv in run_env.items() if kk != "NETTRAIL_METRICS_ADDR"}
    r = subprocess.run(["env", "-i"] + [f"{kk}={vv}" for kk, vv in sorted(renv.items())] +
                       [nettrail] + args + ["--pcap", pcap, "--k8s", "off"],
                       capture_output=True, text=True, timeout=120)
    recs, bad_lines = [], 0
    for line in r.stdout.splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            bad_lines += 1
    # an OCSF record (outputFormat ocsf) holds the cluster under unmapped
    names = {json.dumps((x.get("orchestrator") or {}).get("cluster", {}).get("name")) if "orchestrator" in x
             else "absent" for x in [r.get("unmapped", r) if "class_uid" in r else r for r in recs]}
    formats = {"ocsf" if "class_uid" in x else "ecs" for x in recs if "heartbeat" not in
               x.get("event", {}).get("dataset", "")}
    check(f"pcap replay with these settings: formats {sorted(formats)}",
          formats == set(V["outputFormat"].split(",")), f"{sorted(formats)}")
    want_names = {json.dumps(V["clusterName"])} if V["clusterName"] else {"absent"}
    check(f"pcap replay with these settings: {len(recs)} records on stdout, orchestrator.cluster.name "
          + (repr(V["clusterName"]) + " in each" if V["clusterName"] else "in none"),
          r.returncode == 0 and recs and not bad_lines and names == want_names,
          f"exit {r.returncode}, {len(recs)} records, {bad_lines} non-JSON lines, names {sorted(names)}: "
          f"{r.stderr.strip()[-300:]}")
sys.exit(1 if fails else 0)
