"""Translated connections on a routed node: kube-proxy-shaped iptables and
nftables rules (ClusterIP with probability-split endpoints, the masquerade
mark, NodePorts with externalTrafficPolicy Cluster and Local), CNI
masquerade for 10.244.0.0/16 out of the uplink, and nettrail on every
interface of the node. Each connection must be one record, as the
initiator sent it, counted exactly as tcpdump inside the initiator saw it,
with ECS source.nat / destination.nat and both identities (the fake API
server serves the Services, their EndpointSlices and the pods).

Topology (node-1 routes everything; node-2 is the other node):
  client pod 10.244.1.2 (also a server: hairpin) -- pcl  10.244.1.1
  web pod    10.244.2.2 :8080 (same node)        -- pweb 10.244.2.1
  dns pod    10.244.4.2 :53 (dnsmasq)            -- pdns 10.244.4.1
  node-2     172.31.0.2, routes 10.244.3.0/24    -- up0  172.31.0.1
      api pods 10.244.3.2, 10.244.3.3 :8080 behind node-2
  outside    198.51.100.2                        -- up1  198.51.100.1

The rules are written by hand in the shapes kube-proxy writes them
(kp_iptables, kp_nftables). tests/k8s/real/test_nat_kube_proxy.py runs the
ClusterIP case on the rules the real kube-proxy writes (both modes); the
other cases can follow it there: create k8s_state()'s Services and
EndpointSlices in the real API server (nodePort 30080 with
externalTrafficPolicy Cluster, a Service with Local), run kube-proxy with
--nodeport-addresses 198.51.100.1/32 in the node namespace instead of
Node.rules(); the assertions do not depend on chain names.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (Capture, NETTRAIL, PY, ROOT, Topo, flows, oracle, oracle_flow,
                      read_records, sh, totals, validate, wait_for)

K8S = ROOT / "tests" / "k8s"
NODE, NODE2, NS = "node-1", "node-2", "shop"
CLIENT, WEB, DNS = "10.244.1.2", "10.244.2.2", "10.244.4.2"
API = ("10.244.3.2", "10.244.3.3")
CLIENT6, WEB6 = "fd00:244:1::2", "fd00:244:2::2"
PCL, PWEB, PCL6 = "10.244.1.1", "10.244.2.1", "fd00:244:1::1"
NODE4, NODE2_4, OUT, UP1 = "172.31.0.1", "172.31.0.2", "198.51.100.2", "198.51.100.1"
SVC_WEB, SVC_API, SVC_DNS, SVC_SELF, SVC_WEB6 = ("10.96.0.10", "10.96.0.11", "10.96.0.53",
                                                 "10.96.0.12", "fd00:96::10")
NP_CLUSTER, NP_LOCAL = 30080, 30081
IFACES = "pcl,pweb,pdns,up0,up1"


def uid(n):
    return f"5eed0000-0000-4000-8000-{n:012d}"


POD_DEFS = {
    # pod name: (namespace, ips, labels, owner kind/name, node)
    "client-0": (NS, [CLIENT, CLIENT6], {"app": "client"}, ("StatefulSet", "client"), NODE),
    "web-5d8f9-aaaaa": (NS, [WEB, WEB6], {"app": "web"}, ("ReplicaSet", "web-5d8f9"), NODE),
    "api-6c7d8-bbbbb": (NS, [API[0]], {"app": "api"}, ("ReplicaSet", "api-6c7d8"), NODE2),
    "api-6c7d8-ccccc": (NS, [API[1]], {"app": "api"}, ("ReplicaSet", "api-6c7d8"), NODE2),
    "coredns-7b9-ddddd": ("kube-system", [DNS], {"k8s-app": "kube-dns"},
                          ("ReplicaSet", "coredns-7b9"), NODE),
}
SERVICES = {
    # name: (namespace, cluster IPs, selector, port, protocol, backends)
    "web": (NS, [SVC_WEB, SVC_WEB6], {"app": "web"}, 80, "TCP", [WEB]),
    "api": (NS, [SVC_API], {"app": "api"}, 80, "TCP", list(API)),
    "client": (NS, [SVC_SELF], {"app": "client"}, 80, "TCP", [CLIENT]),
    "kube-dns": ("kube-system", [SVC_DNS], {"k8s-app": "kube-dns"}, 53, "UDP", [DNS]),
}


def k8s_state():
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "uid": uid(i)}}
             for i, n in enumerate((NS, "kube-system"), 1)]
    for i, (n, a) in enumerate(((NODE, NODE4), (NODE2, NODE2_4)), 10):
        items.append({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "uid": uid(i)},
                      "status": {"addresses": [{"type": "InternalIP", "address": a}] + ([{"type": "ExternalIP", "address": UP1}] if n == NODE else [])}})
    owners = sorted({o[1] for _, _, _, o, _ in POD_DEFS.values()})
    for i, (name, (ns, ips, labels, (ok, on), node)) in enumerate(POD_DEFS.items(), 20):
        ouid = uid(40 + owners.index(on))
        if ok == "ReplicaSet" and not any(x["metadata"]["name"] == on for x in items):
            items.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                          "metadata": {"name": on, "namespace": ns, "uid": ouid,
                                       "ownerReferences": [{
                                           "apiVersion": "apps/v1", "kind": "Deployment",
                                           "name": on.rsplit("-", 1)[0], "uid": uid(i + 60),
                                           "controller": True}]},
                          "spec": {"replicas": 1, "selector": {"matchLabels": labels}}})
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": uid(i), "labels": labels,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": ok, "name": on,
                                              "uid": ouid, "controller": True}]},
            "spec": {"nodeName": node, "serviceAccountName": "default",
                     "containers": [{"name": "main", "image": "example/app:1"}]},
            "status": {"phase": "Running", "podIP": ips[0], "podIPs": [{"ip": a} for a in ips]}})
    for i, (name, (ns, cips, sel, port, proto, backends)) in enumerate(SERVICES.items(), 80):
        items.append({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": name, "namespace": ns, "uid": uid(i)},
                      "spec": {"clusterIP": cips[0], "clusterIPs": cips, "selector": sel,
                               "ports": [{"port": port, "protocol": proto,
                                          "targetPort": 8080 if proto == "TCP" else 53}]}})
        items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                      "metadata": {"name": f"{name}-abc12", "namespace": ns, "uid": uid(i + 10),
                                   "labels": {"kubernetes.io/service-name": name}},
                      "addressType": "IPv4",
                      "endpoints": [{"addresses": [b], "conditions": {"ready": True}}
                                    for b in backends],
                      "ports": [{"port": 8080 if proto == "TCP" else 53, "protocol": proto}]})
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def kp_iptables(v6=False):
    """The nat table as kube-proxy's iptables mode writes it (plus the CNI's
    masquerade), for iptables-restore."""
    if v6:
        svcs = [("WEB6", SVC_WEB6, 80, "tcp", [(f"[{WEB6}]:8080", WEB6)], None)]
    else:
        svcs = [("WEB", SVC_WEB, 80, "tcp", [(f"{WEB}:8080", WEB)], NP_CLUSTER),
                ("API", SVC_API, 80, "tcp", [(f"{a}:8080", a) for a in API], None),
                ("SELF", SVC_SELF, 80, "tcp", [(f"{CLIENT}:8080", CLIENT)], None),
                ("DNS", SVC_DNS, 53, "udp", [(f"{DNS}:53", DNS)], None)]
    cidr = "fd00:244::/32" if v6 else "10.244.0.0/16"
    chains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]
    rules = [
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
        "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
        "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" "
        "-j MASQUERADE --random-fully",
    ]
    for name, vip, port, proto, eps, nodeport in svcs:
        svc = f"KUBE-SVC-{name}"
        chains.append(svc)
        rules.append(f"-A KUBE-SERVICES -d {vip}/{128 if v6 else 32} -p {proto} -m {proto} "
                     f"--dport {port} -j {svc}")
        rules.append(f"-A {svc} ! -s {cidr} -d {vip}/{128 if v6 else 32} -p {proto} -m {proto} "
                     f"--dport {port} -j KUBE-MARK-MASQ")
        for i, (to, ip) in enumerate(eps):
            sep = f"KUBE-SEP-{name}{i}"
            chains.append(sep)
            left = len(eps) - i
            prob = "" if left == 1 else \
                f"-m statistic --mode random --probability {1 / left:.11f} "
            rules.append(f"-A {svc} {prob}-j {sep}")
            rules.append(f"-A {sep} -s {ip}/{128 if v6 else 32} -j KUBE-MARK-MASQ")
            rules.append(f"-A {sep} -p {proto} -m {proto} -j DNAT --to-destination {to}")
        if nodeport:
            # externalTrafficPolicy Cluster: masquerade, any endpoint;
            # a second NodePort for the same pods with Local: no SNAT
            ext, svl = f"KUBE-EXT-{name}", f"KUBE-SVL-{name}"
            chains += [ext, svl]
            rules += [
                f"-A KUBE-NODEPORTS -p {proto} -m {proto} --dport {nodeport} -j {ext}",
                f"-A {ext} -j KUBE-MARK-MASQ",
                f"-A {ext} -j {svc}",
                f"-A KUBE-NODEPORTS -p {proto} -m {proto} --dport {NP_LOCAL} -j {svl}",
                f"-A {svl} -j KUBE-SEP-{name}0",
            ]
    rules.append("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    # the CNI: pods leaving the cluster network are masqueraded
    rules.append(f"-A POSTROUTING -s {cidr} ! -d {cidr} -o up1 -j MASQUERADE")
    return ("*nat\n" + "".join(f":{c} - [0:0]\n" for c in chains) + "\n".join(rules) +
            "\nCOMMIT\n")


class Node:
    """The routed node, its pods, node-2, the outside host, the API server
    and nettrail on the node's interfaces."""

    def __init__(self, tmp, mode, *extra):
        self.tmp = tmp
        self.sensor = None
        self.topo = t = Topo("nat" + mode[:2])
        self.node = t.ns("node")
        for k in ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                  "net.ipv4.conf.all.send_redirects=0"):
            t.run(self.node, "sysctl", "-qw", k)
        self.client, self.web, self.dns = t.ns("cl"), t.ns("web"), t.ns("dns")
        self.node2, self.out = t.ns("n2"), t.ns("out")
        self.api = [t.ns("api0"), t.ns("api1")]
        for ns, ifn, ip, gw, v6 in ((self.client, "pcl", CLIENT, PCL, (CLIENT6, PCL6)),
                                    (self.web, "pweb", WEB, PWEB, (WEB6, "fd00:244:2::1")),
                                    (self.dns, "pdns", DNS, "10.244.4.1", None)):
            t.veth(ns, "eth0", ip + "/24", self.node, ifn, gw + "/24",
                   v6=v6 and (v6[0] + "/64", v6[1] + "/64"))
            t.run(ns, "ip", "route", "add", "default", "via", gw)
            if v6:
                t.run(ns, "ip", "-6", "route", "add", "default", "via", v6[1])
        t.veth(self.node2, "eth0", NODE2_4 + "/24", self.node, "up0", NODE4 + "/24")
        t.veth(self.out, "eth0", OUT + "/24", self.node, "up1", UP1 + "/24")
        t.run(self.node, "ip", "route", "add", "10.244.3.0/24", "via", NODE2_4)
        # the node's own route to the Service range (a default route would do)
        t.run(self.node, "ip", "route", "add", "10.96.0.0/12", "via", NODE2_4)
        t.run(self.node2, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        t.run(self.node2, "ip", "route", "add", "10.244.0.0/16", "via", NODE4)
        for i, ns in enumerate(self.api):
            t.veth(ns, "eth0", API[i] + "/24", self.node2, f"pa{i}", f"10.244.3.{10 + i}/32")
            t.run(self.node2, "ip", "route", "replace", API[i], "dev", f"pa{i}")
            t.run(ns, "ip", "route", "add", "default", "dev", "eth0")
        t.run(self.node2, "sysctl", "-qw", "net.ipv4.conf.all.proxy_arp=1")
        for ns, ifn in ((self.client, "eth0"), (self.web, "eth0"), (self.dns, "eth0"),
                        (self.node2, "eth0"), (self.out, "eth0"), (self.api[0], "eth0"),
                        (self.api[1], "eth0")):
            t.offloads(ns, ifn, False)
        for ifn in IFACES.split(","):
            t.offloads(self.node, ifn, False)
        self.rules(mode)
        for ns in (self.client, self.web):
            for _ in range(50):
                if t.run(ns, "ip", "-6", "route", "show", "default", check=False).stdout:
                    break
                time.sleep(0.05)
        self.start_servers()
        self.start_api()
        self.out_file = tmp / "records.jsonl"
        self.sensor = t.spawn(
            self.node, str(NETTRAIL), "-i", IFACES, "-o", f"file:{self.out_file}",
            "--k8s-api", f"https://127.0.0.1:{self.api_port}", "--k8s-ca", str(self.ca),
            "--k8s-token-file", str(self.token), "--cluster-name", "lab", "--node-name", NODE,
            "--cluster-cidr", "10.244.0.0/16,fd00:244::/32",
            "--service-cidr", "10.96.0.0/12,fd00:96::/108", "--idle-timeout", "1",
            "--heartbeat", "1", *extra, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_for(self.synced, 20, "k8s sync")

    def rules(self, mode):
        t = self.topo
        if mode == "iptables":
            t.run(self.node, "iptables-restore", "--noflush", input=kp_iptables())
            t.run(self.node, "ip6tables-restore", "--noflush", input=kp_iptables(v6=True))
        else:
            t.run(self.node, "nft", "-f", "-", input=kp_nftables())

    def start_servers(self):
        t = self.topo
        srv = ("socat", "TCP6-LISTEN:{},reuseaddr,fork,ipv6only=0",
               "SYSTEM:head -c 50000 /dev/zero; cat > /dev/null")
        for ns in [self.web, self.client] + self.api:
            t.spawn(ns, srv[0], srv[1].format(8080), srv[2],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.spawn(self.out, srv[0], srv[1].format(9000), srv[2],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = self.tmp / "dnsmasq.conf"
        conf.write_text("no-resolv\nno-hosts\nbind-interfaces\nlisten-address=" + DNS +
                        "\naddress=/shop.example/192.0.2.7\n")
        t.spawn(self.dns, "dnsmasq", "-k", "-C", str(conf), "--pid-file=",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for ns, port, opt in [(self.web, 8080, "-ltn"), (self.client, 8080, "-ltn"),
                              (self.api[0], 8080, "-ltn"), (self.api[1], 8080, "-ltn"),
                              (self.out, 9000, "-ltn"), (self.dns, 53, "-lun")]:
            self.wait_for(lambda: f":{port}" in t.run(ns, "ss", opt, check=False).stdout, 10,
                          f"server :{port}")

    def start_api(self):
        t, tmp = self.topo, self.tmp
        certs = tmp / "certs"
        sh("bash", str(K8S / "make_certs.sh"), str(certs))
        self.token = tmp / "client-token"
        shutil.copy(certs / "token", self.token)
        (tmp / "state.json").write_text(json.dumps(k8s_state()))
        self.apisrv = t.spawn(self.node, PY, str(K8S / "fake_apiserver.py"), "--state",
                              str(tmp / "state.json"), "--port", "0", "--cert",
                              str(certs / "server.crt"), "--key", str(certs / "server.key"),
                              "--token-file", str(certs / "token"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.apisrv.stdout.readline()
        assert line.startswith("LISTENING"), line + self.apisrv.stderr.read()
        self.api_port = int(dict(x.split("=") for x in line.split()[1:])["api"])
        self.ca = certs / "ca.crt"

    def synced(self):
        recs = self.records()
        hb = [r for r in recs if r["event"]["dataset"] == "nettrail.heartbeat"]
        return bool(hb) and hb[-1]["nettrail"]["heartbeat"]["gauges"].get("k8s_synced") == 1

    def wait_for(self, cond, timeout, what):
        wait_for(cond, timeout, what, self.sensor)

    def records(self):
        return read_records(self.out_file) if self.out_file.exists() else []

    def counters(self):
        hb = [r for r in self.records() if r["event"]["dataset"] == "nettrail.heartbeat"]
        return hb[-1]["nettrail"]["heartbeat"]["counters"] if hb else {}

    def connection(self, tmp, ns, cmd, src, proto, sport_pred=None):
        """Runs cmd in ns with tcpdump on its eth0; returns (records of the
        connection from src, oracle of the capture), waiting for the final
        report."""
        cap = Capture(self.topo, ns, "eth0", tmp / f"{ns}-{time.time_ns()}.pcap")
        n = len(self.records())
        self.topo.run(ns, "sh", "-c", cmd)
        cap.stop()
        orc = [o for o in oracle(cap.path) if o["proto"] == proto and o["src"] == src]
        assert len(orc) >= 1, orc
        o = orc[0]
        got = []

        def final():
            got[:] = [r for r in flows(self.records()[n:])
                      if r["network"]["iana_number"] == str(proto) and
                      r["source"]["ip"] == o["src"] and r["source"].get("port") == o["sport"]]
            return got and got[-1]["nettrail"]["flow"]["end_reason"] != "active"
        self.wait_for(final, 15, f"the record of {o}")
        # no other record of the protocol in the meantime (a translated
        # half counted apart would be one): one record per connection
        others = [r for r in flows(self.records()[n:])
                  if r not in got and r["network"]["iana_number"] == str(proto)]
        return got, orc, others

    def close(self):
        if self.sensor and self.sensor.poll() is None:
            self.sensor.send_signal(signal.SIGTERM)
            self.sensor.wait(timeout=30)
        self.topo.close()


def kp_nftables_table(fam):
    """One family's table as kube-proxy's nftables mode writes it (table
    ip / ip6 kube-proxy): the service-ips verdict map, per-service and
    per-endpoint chains, numgen for the split, the masquerade mark."""
    if fam == "ip6":
        cidr, addr_t = "fd00:244::/32", "ipv6_addr"
        svcs = [("web", SVC_WEB6, 80, "tcp", [(f"[{WEB6}]:8080", WEB6)])]
    else:
        cidr, addr_t = "10.244.0.0/16", "ipv4_addr"
        svcs = [("web", SVC_WEB, 80, "tcp", [(f"{WEB}:8080", WEB)]),
                ("api", SVC_API, 80, "tcp", [(f"{a}:8080", a) for a in API]),
                ("client", SVC_SELF, 80, "tcp", [(f"{CLIENT}:8080", CLIENT)]),
                ("kube-dns", SVC_DNS, 53, "udp", [(f"{DNS}:53", DNS)])]
    loop = "::1" if fam == "ip6" else "127.0.0.0/8"
    out = [f"add table {fam} kube-proxy", f"flush table {fam} kube-proxy",
           f"table {fam} kube-proxy {{",
           "  chain mark-for-masquerade { meta mark set meta mark | 0x4000 }",
           "  chain masquerading {",
           "    meta mark & 0x4000 == 0 return",
           "    meta mark set meta mark ^ 0x4000",
           "    masquerade fully-random",
           "  }",
           "  chain nat-prerouting { type nat hook prerouting priority dstnat; jump services }",
           "  chain nat-output { type nat hook output priority -100; jump services }",
           "  chain nat-postrouting { type nat hook postrouting priority srcnat; "
           "jump masquerading }"]
    elems, np_elems = [], []
    for name, vip, port, proto, eps in svcs:
        chain = f"service-{name.upper()}-{NS}/{name}/{proto}/p{port}"
        elems.append(f"{vip} . {proto} . {port} : goto {chain}")
        body = [f"{fam} daddr {vip} {proto} dport {port} {fam} saddr != {cidr} "
                "jump mark-for-masquerade"]
        epchains = []
        for i, (ep, ip) in enumerate(eps):
            tport = ep.rsplit(":", 1)[1]
            ec = (f"endpoint-{name.upper()}{i}-{NS}/{name}/{proto}/p{port}__"
                  f"{ip.replace(':', '-')}/{tport}")
            epchains.append(ec)
            out.append(f"  chain {ec} {{ {fam} saddr {ip} jump mark-for-masquerade; "
                       f"meta l4proto {proto} dnat to {ep} }}")
        body.append("numgen random mod %d vmap { %s }" % (
            len(eps), ", ".join(f"{i} : goto {c}" for i, c in enumerate(epchains))))
        out.append(f"  chain {chain} {{ " + "; ".join(body) + " }")
        if name == "web" and fam == "ip":
            ext = f"external-WEB-{NS}/web/tcp/p80"
            out.append(f"  chain {ext} {{ jump mark-for-masquerade; goto {chain} }}")
            np_elems.append(f"tcp . {NP_CLUSTER} : goto {ext}")
            np_elems.append(f"tcp . {NP_LOCAL} : goto {epchains[0]}")
    out.append(f"  map service-ips {{ type {addr_t} . inet_proto . inet_service : verdict; "
               "elements = { " + ", ".join(elems) + " } }")
    svc_rule = f"  chain services {{ {fam} daddr . meta l4proto . th dport vmap @service-ips"
    if np_elems:
        out.append("  map service-nodeports { type inet_proto . inet_service : verdict; "
                   "elements = { " + ", ".join(np_elems) + " } }")
        svc_rule += (f"; fib daddr type local {fam} daddr != {loop} meta l4proto . th dport "
                     "vmap @service-nodeports")
    out.append(svc_rule + " }")
    out.append("}")
    return out


def kp_nftables():
    """Both kube-proxy tables, and the CNI's masquerade in a table of its own."""
    out = kp_nftables_table("ip") + kp_nftables_table("ip6")
    out.append("table ip cni-masq { chain post { type nat hook postrouting priority srcnat; "
               "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 oifname \"up1\" masquerade; }; }")
    # nft 1.0 wants a separator before a one-line block's closing brace
    return "\n".join(x[:-2] + "; }" if x.endswith(" }") and x[-3] not in "{;" else x
                     for x in out) + "\n"


@pytest.fixture(scope="module", params=["iptables", "nftables"])
def node(request, tmp_path_factory):
    n = Node(tmp_path_factory.mktemp("nat" + request.param), request.param)
    yield n
    n.close()
    validate(n.out_file, inside="10.244.0.0/16,fd00:244::/32,10.96.0.0/12,fd00:96::/108")


def pod_k8s(name, service):
    ns, _, labels, (kind, owner), nodename = POD_DEFS[name]
    if kind == "ReplicaSet":
        kind, owner = "Deployment", owner.rsplit("-", 1)[0]
    return {"namespace": ns, "pod": {"name": name, "uid": uid(20 + list(POD_DEFS).index(name))},
            "labels": labels, "workload": {"kind": kind, "name": owner},
            "service": {"name": service}, "node": {"name": nodename},
            "service_account": "default"}


def tcp_to(dst, port, up=30000):
    target = f"TCP:[{dst}]:{port}" if ":" in dst else f"TCP:{dst}:{port}"
    return f"head -c {up} /dev/zero | socat -t 2 - {target} > /dev/null"


def check_one(got, orc, others, tmp=None):
    """One record per connection, counted exactly as the initiator saw it."""
    assert others == [], others
    o = orc[0]
    want = oracle_flow(orc, o["proto"], o["src"], o["dst"], o.get("dport"))
    assert totals(got) == want, (got, orc)
    f = got[-1]
    assert f["destination"]["ip"] == o["dst"] and f["destination"]["port"] == o["dport"]
    return f


def test_clusterip_same_node(node, tmp_path):
    got, orc, others = node.connection(tmp_path, node.client, tcp_to(SVC_WEB, 80), CLIENT, 6)
    f = check_one(got, orc, others)
    assert f["destination"]["ip"] == SVC_WEB
    assert f["destination"]["nat"] == {"ip": WEB, "port": 8080}
    assert "nat" not in f["source"]
    assert f["nettrail"]["tcp"]["conn_state"] == "SF"
    assert f["network"]["direction"] == "internal"
    assert f["source"]["kubernetes"] == pod_k8s("client-0", "client")
    assert f["destination"]["kubernetes"] == pod_k8s("web-5d8f9-aaaaa", "web")
    assert f["nettrail"]["observer"]["interface"] == "pcl"
    assert sorted(f["nettrail"]["observer"]["interfaces"]) == ["pcl", "pweb"]


def test_clusterip_remote_node(node, tmp_path):
    got, orc, others = node.connection(tmp_path, node.client, tcp_to(SVC_API, 80), CLIENT, 6)
    f = check_one(got, orc, others)
    backend = f["destination"]["nat"]["ip"]
    assert backend in API and f["destination"]["nat"]["port"] == 8080
    name = "api-6c7d8-bbbbb" if backend == API[0] else "api-6c7d8-ccccc"
    assert f["destination"]["kubernetes"] == pod_k8s(name, "api")
    assert sorted(f["nettrail"]["observer"]["interfaces"]) == ["pcl", "up0"]


def test_masquerade_egress(node, tmp_path):
    got, orc, others = node.connection(tmp_path, node.client, tcp_to(OUT, 9000), CLIENT, 6)
    f = check_one(got, orc, others)
    assert "nat" not in f["destination"]
    assert f["source"]["nat"]["ip"] == UP1
    assert isinstance(f["source"]["nat"]["port"], int)
    assert f["network"]["direction"] == "outbound"
    assert f["source"]["kubernetes"] == pod_k8s("client-0", "client")
    assert sorted(f["nettrail"]["observer"]["interfaces"]) == ["pcl", "up1"]


@pytest.mark.parametrize("port,snat", [(NP_CLUSTER, True), (NP_LOCAL, False)])
def test_nodeport_from_outside(node, tmp_path, port, snat):
    got, orc, others = node.connection(tmp_path, node.out, tcp_to(UP1, port), OUT, 6)
    f = check_one(got, orc, others)
    assert f["destination"]["ip"] == UP1 and f["destination"]["port"] == port
    assert f["destination"]["nat"] == {"ip": WEB, "port": 8080}
    if snat:
        assert f["source"]["nat"]["ip"] == PWEB
    else:
        assert "nat" not in f["source"]
    assert f["network"]["direction"] == "inbound"
    assert f["destination"]["kubernetes"] == pod_k8s("web-5d8f9-aaaaa", "web")
    assert sorted(f["nettrail"]["observer"]["interfaces"]) == ["pweb", "up1"]


def test_udp_dns_service(node, tmp_path):
    got, orc, others = node.connection(
        tmp_path, node.client, f"dig +short +tries=1 @{SVC_DNS} www.shop.example A", CLIENT, 17)
    f = check_one(got, orc, others)
    assert f["destination"]["nat"] == {"ip": DNS, "port": 53}
    assert f["destination"]["kubernetes"] == pod_k8s("coredns-7b9-ddddd", "kube-dns")
    sport = f["source"]["port"]
    dns = []
    node.wait_for(lambda: dns.extend(
        r for r in node.records() if r["event"]["dataset"] == "nettrail.dns" and
        r["source"].get("port") == sport) or dns, 10, "the DNS record")
    d = dns[0]
    assert d["dns"]["question"]["name"] == "www.shop.example"
    assert d["dns"]["resolved_ip"] == ["192.0.2.7"]
    assert d["destination"]["ip"] == SVC_DNS
    assert d["destination"]["nat"] == {"ip": DNS, "port": 53}
    assert d["destination"]["kubernetes"] == pod_k8s("coredns-7b9-ddddd", "kube-dns")
    assert len(dns) == 1


def test_ipv6_service(node, tmp_path):
    got, orc, others = node.connection(tmp_path, node.client, tcp_to(f"{'fd00:96::10'}", 80),
                                       CLIENT6, 6)
    f = check_one(got, orc, others)
    assert f["destination"]["ip"] == SVC_WEB6
    assert f["destination"]["nat"] == {"ip": WEB6, "port": 8080}
    assert f["destination"]["kubernetes"] == pod_k8s("web-5d8f9-aaaaa", "web")


def test_hairpin(node, tmp_path):
    got, orc, others = node.connection(tmp_path, node.client, tcp_to(SVC_SELF, 80), CLIENT, 6)
    f = check_one(got, orc, others)
    assert f["destination"]["nat"] == {"ip": CLIENT, "port": 8080}
    assert f["source"]["nat"]["ip"] == PCL
    assert f["nettrail"]["observer"]["interfaces"] == ["pcl"]
    assert f["destination"]["kubernetes"] == pod_k8s("client-0", "client")


def test_node_process_to_service(node, tmp_path):
    """A node process to a ClusterIP: DNATed (and masqueraded) in OUTPUT, so
    no hook sees the tuple it sent. The translated half makes the record
    under that tuple and counts it, exactly as the backend's veth saw it."""
    cap = Capture(node.topo, node.node, "pweb", tmp_path / "pweb.pcap")
    n = len(node.records())
    node.topo.run(node.node, "sh", "-c", tcp_to(SVC_WEB, 80))
    cap.stop()
    got = []

    def final():
        got[:] = [r for r in flows(node.records()[n:]) if r["destination"]["ip"] == SVC_WEB]
        return got and got[-1]["nettrail"]["flow"]["end_reason"] != "active"
    node.wait_for(final, 15, "the node's connection")
    orc = [o for o in oracle(cap.path) if o["proto"] == 6 and o["dst"] == WEB]
    assert len(orc) == 1, orc
    assert [r for r in flows(node.records()[n:]) if r not in got and
            r["network"]["iana_number"] == "6"] == []
    f = got[-1]
    assert f["source"]["ip"] == NODE4 and f["destination"]["port"] == 80
    assert f["source"]["nat"] == {"ip": PWEB, "port": orc[0]["sport"]}
    assert f["destination"]["nat"] == {"ip": WEB, "port": 8080}
    assert totals(got) == oracle_flow(orc, 6, PWEB, WEB, 8080)
    assert f["nettrail"]["tcp"]["conn_state"] == "SF"
    assert f["nettrail"]["observer"]["interfaces"] == ["pweb"]
    assert f["destination"]["kubernetes"] == pod_k8s("web-5d8f9-aaaaa", "web")


def nat_ct_program(pid):
    """The name of the program the sensor (pid) put in its nat_progs."""
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                m = re.search(r"^map_id:\s*(\d+)", f.read(), re.M)
        except OSError:
            continue
        if not m or json.loads(sh("bpftool", "-j", "map", "show", "id", m.group(1)).stdout
                               ).get("name") != "nat_progs":
            continue
        dump = json.loads(sh("bpftool", "-j", "map", "dump", "id", m.group(1)).stdout)
        prog = dump[0]["formatted"]["value"]
        return json.loads(sh("bpftool", "-j", "prog", "show", "id", str(prog)).stdout)["name"]
    return None


def test_counters(node):
    """Every connection above was linked once, through conntrack (the nf_conn
    netfilter attached to the packet, tc_nat_ct); none was left unchecked or
    unlinked; only the node's own was counted from its translated half."""
    linked = 9  # same node, remote, masquerade, 2 NodePorts, DNS, IPv6, hairpin, node
    node.wait_for(lambda: node.counters().get("nat_linked", 0) >= linked, 5, "the links")
    time.sleep(1.2)  # one more heartbeat: nothing else links late
    c = node.counters()
    hb = [r for r in node.records() if r["event"]["dataset"] == "nettrail.heartbeat"][-1]
    assert hb["nettrail"]["heartbeat"]["gauges"]["nat_conntrack"] == 1
    assert c["nat_linked"] == linked
    assert c["nat_unchecked"] == 0
    assert c["nat_link_failed"] == 0
    assert c["nat_translated_first"] == 1  # the node process's connection
    assert c["nat_entry_missing"] == 0
    # linked through the packet's own nf_conn (kernel >= 6.3): no lookup,
    # so no miss; every egress flow here went through conntrack
    assert nat_ct_program(node.sensor.pid) == "tc_nat_ct"
    assert c["nat_conntrack_miss"] == 0
    assert c["nat_untracked"] == 0


def test_nat_link_off(tmp_path):
    """--nat-link off: conntrack is never asked, each half of a Service
    connection is a flow of its own (as without the conntrack kfuncs), and
    the heartbeat says so: nat_conntrack 0, nat_unchecked counting."""
    n = Node(tmp_path, "iptables", "--nat-link", "off")
    try:
        got, orc, others = n.connection(tmp_path, n.client, tcp_to(SVC_WEB, 80), CLIENT, 6)
        want = oracle_flow(orc, 6, CLIENT, SVC_WEB, 80)
        orig = [r for r in got if r["destination"]["ip"] == SVC_WEB]
        half = [r for r in got + others if r["destination"]["ip"] == WEB]
        # two records, each counting every packet: what linking prevents
        assert totals(orig) == want and "nat" not in orig[-1]["destination"]
        assert totals(half) == want and half[-1]["destination"]["port"] == 8080, others
        n.wait_for(lambda: n.counters().get("nat_unchecked", 0) >= 1, 5, "nat_unchecked")
        hb = [r for r in n.records() if r["event"]["dataset"] == "nettrail.heartbeat"][-1]
        assert hb["nettrail"]["heartbeat"]["gauges"]["nat_conntrack"] == 0
        assert n.counters()["nat_linked"] == 0
    finally:
        n.close()
