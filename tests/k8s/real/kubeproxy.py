"""The real kube-proxy (built by build.sh) in a node's network namespace,
against a rig.ControlPlane, for tests that need the NAT rules kube-proxy
itself writes (Service ClusterIP -> endpoint DNAT), in iptables or nftables
mode:

    kp = KubeProxy(plane, "nsname", "iptables", node_name="node-1",
                   cluster_cidr="10.244.0.0/16", workdir=tmp)
    kp.start()
    kp.wait_for("10.96.0.50", "10.244.2.2:8080")   # the rules are in
    kp.rules()                                    # iptables-save / nft list
    kp.stop()

kube-proxy reaches the apiserver on the host's loopback through
ControlPlane.bridge() (a unix socket, socat on both sides), as the user
system:kube-proxy (bound to system:node-proxier by the apiserver's
bootstrap RBAC). Conntrack sysctl tuning is off (--conntrack-max-per-core=0
and timeouts 0): a network namespace may not set those sysctls. The
namespace needs ip_forward (and IPv6 forwarding) on for routed pods; the
Node object NODE_NAME should exist with its InternalIP(s) (kube-proxy takes
its node IPs from it).
"""
import subprocess
import time
from pathlib import Path

MODES = ("iptables", "nftables")


class KubeProxy:
    def __init__(self, plane, netns, mode, node_name, cluster_cidr, workdir):
        assert mode in MODES, mode
        self.plane, self.netns, self.mode = plane, netns, mode
        self.node_name, self.cluster_cidr = node_name, cluster_cidr
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.p = None

    def start(self, api_port=None):
        """API_PORT: an existing bridge's port in the namespace (else one is made)."""
        if "kube-proxy" not in self.plane.tokens:
            raise RuntimeError("the control plane has no kube-proxy token")
        port = api_port or self.plane.bridge(self.netns, 6443)
        kc = self.plane.kubeconfig(self.dir / f"kube-proxy-{self.mode}.kubeconfig", "kube-proxy",
                                   server=f"https://127.0.0.1:{port}")
        self.log_path = self.dir / f"kube-proxy-{self.mode}.log"
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, str(self.plane.bin / "kube-proxy"),
             f"--kubeconfig={kc}", f"--proxy-mode={self.mode}",
             f"--hostname-override={self.node_name}", f"--cluster-cidr={self.cluster_cidr}",
             "--conntrack-max-per-core=0", "--conntrack-tcp-timeout-established=0",
             "--conntrack-tcp-timeout-close-wait=0", "--conntrack-udp-timeout=0",
             "--conntrack-udp-timeout-stream=0",
             "--metrics-bind-address=127.0.0.1:10249", "--healthz-bind-address=127.0.0.1:10256",
             "--v=2"],
            stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def log_tail(self, n=3000):
        return self.log_path.read_text(errors="replace")[-n:]

    def _ns(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.netns, *cmd], capture_output=True,
                              text=True)

    def rules(self, family=4):
        """What kube-proxy wrote: the nat table (iptables) or the
        '<ip|ip6> kube-proxy' nftables table, as text."""
        if self.mode == "iptables":
            return self._ns("iptables-save" if family == 4 else "ip6tables-save", "-t", "nat").stdout
        return self._ns("nft", "list", "table", "ip" if family == 4 else "ip6", "kube-proxy").stdout

    def wait_for(self, cluster_ip, endpoint, timeout=30, family=4):
        """Waits until the rules send CLUSTER_IP to ENDPOINT ('ip:port'); returns the rules."""
        deadline = time.time() + timeout
        text = ""
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"kube-proxy exited: {self.log_tail()}")
            text = self.rules(family)
            if cluster_ip in text and endpoint in text:
                return text
            time.sleep(0.2)
        raise AssertionError(f"kube-proxy ({self.mode}) wrote no rule {cluster_ip} -> {endpoint}"
                             f" in {timeout} s:\n{text[-3000:]}\n--- log:\n{self.log_tail()}")

    def stop(self):
        if self.alive():
            self.p.terminate()
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p = None
