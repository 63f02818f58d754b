"""network.protocol from real openings between network namespaces: a real
OpenSSH server and client (with each side's software version), and crafted
RDP, VNC, Stratum and SMTP exchanges from a small Python peer. Every server
listens on a port that is not its protocol's usual one (RDP on VNC's 5900,
VNC on RDP's 3389, ...), so a name can only come from the bytes; the same
ports carrying bytes that no rule accepts leave network.protocol out.

nettrail runs in namespace a on va; the clients run in a, the servers in b.
"""
import json
import os
import random
import subprocess
import time

import pytest

from conftest import PY, Sensor, find_flow, sh, validate

A4, B4 = "10.201.0.1", "10.201.0.2"
SSHD = "/usr/sbin/sshd"
SSH_PORT = 2222

# One TCP conversation, scripted: argv = role host port steps-json. Steps
# are [who, hex] in order: the role whose turn it is sends the bytes, the
# other reads exactly that many. Then both sides half-close and read to EOF,
# so neither exits before the other has everything.
PEER = r"""
import json, socket, sys
role, host, port, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
if role == "s":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    ls.settimeout(15)
    c, _ = ls.accept()
    ls.close()
else:
    c = socket.create_connection((host, port), timeout=5)
c.settimeout(5)
for who, data in steps:
    data = bytes.fromhex(data)
    if who == role:
        c.sendall(data)
        continue
    got = b""
    while len(got) < len(data):
        d = c.recv(len(data) - len(got))
        if not d:
            sys.exit(f"peer closed after {len(got)} of {len(data)} bytes")
        got += d
    if got != data:
        sys.exit(f"expected {data!r}, got {got!r}")
c.shutdown(socket.SHUT_WR)
while c.recv(4096):
    pass
c.close()
"""


def pair(topo):
    a, b = topo.ns("a"), topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24")
    for ns, ifn in ((a, "va"), (b, "vb")):
        topo.offloads(ns, ifn, False)
    return a, b


def wait_listen(topo, ns, port, proc=None):
    deadline = time.time() + 5
    while time.time() < deadline:
        if f":{port} " in topo.run(ns, "ss", "-lnt", check=False).stdout:
            return
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"server on {port} exited rc={proc.returncode}: {err}")
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def sensor(topo, ns, tmp_path):
    return Sensor(topo, ns, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")


def finish(nt):
    """Stops nettrail, validates everything it wrote, returns the records."""
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    return nt.records()


def flow_of(recs, port):
    fl = find_flow(recs, 6, A4, B4, port)
    assert fl, f"no flow {A4} -> {B4}:{port} in {[r.get('destination') for r in recs]}"
    return fl[-1]


# -- crafted exchanges -------------------------------------------------------

def x224_cr():
    """TPKT + X.224 Connection Request with a cookie and an RDP_NEG_REQ
    asking for TLS|CredSSP (MS-RDPBCGR 2.2.1.1)."""
    body = b"Cookie: mstshash=tester\r\n" + bytes([1, 0, 8, 0, 3, 0, 0, 0])
    x224 = bytes([0xE0, 0, 0, 0, 0, 0]) + body          # CR CDT, dst-ref, src-ref, class 0
    return bytes([3, 0]) + (5 + len(x224)).to_bytes(2, "big") + bytes([len(x224)]) + x224


def x224_cc():
    """TPKT + X.224 Connection Confirm with an RDP_NEG_RSP selecting TLS."""
    x224 = bytes([0xD0, 0, 0, 0x12, 0x34, 0]) + bytes([2, 0, 8, 0, 1, 0, 0, 0])
    return bytes([3, 0]) + (5 + len(x224)).to_bytes(2, "big") + bytes([len(x224)]) + x224


STRATUM_SUB = b'{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n'
STRATUM_RES = (b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],'
               b'"08000002",4],"error":null}\n')

# Ports swapped among the protocols: none is the port of what it carries.
RDP_PORT, VNC_PORT, STRATUM_PORT, SMTP_PORT = 5900, 3389, 2525, 3333

POSITIVE = {
    # name: (port, [(who, bytes)...]) -- "c" client (in a), "s" server (in b)
    "rdp": (RDP_PORT, [("c", x224_cr()), ("s", x224_cc())]),
    "vnc": (VNC_PORT, [("s", b"RFB 003.008\n"), ("c", b"RFB 003.008\n"),
                       ("s", b"\x01\x01"), ("c", b"\x01")]),
    "stratum": (STRATUM_PORT, [("c", STRATUM_SUB), ("s", STRATUM_RES)]),
    "smtp": (SMTP_PORT, [("s", b"220 mail.example.test ESMTP Postfix\r\n"),
                         ("c", b"EHLO client\r\n"),
                         ("s", b"250-mail.example.test\r\n250 8BITMIME\r\n"),
                         ("c", b"QUIT\r\n"), ("s", b"221 2.0.0 Bye\r\n")]),
}


def noise(seed, n=200):
    """Fixed pseudo-random bytes (the same on every run)."""
    return random.Random(seed).randbytes(n)


NEGATIVE = {
    # the same ports, openings that no rule accepts
    "random-on-rdp-port": (RDP_PORT, [("c", noise(1)), ("s", noise(2))]),
    "random-on-stratum-port": (STRATUM_PORT, [("c", noise(3)), ("s", noise(4))]),
    "random-on-smtp-port": (SMTP_PORT, [("s", noise(5)), ("c", noise(6))]),
    "ssh-9.9-on-ssh-port": (SSH_PORT, [("s", b"SSH-9.9-x\r\n"), ("c", b"SSH-9.9-x\r\n")]),
    "rfb-3.8-on-vnc-port": (VNC_PORT, [("s", b"RFB 3.8\n"), ("c", b"RFB 3.8\n")]),
    # near misses: a TPKT whose X.224 length indicator is one short, and
    # JSON-RPC whose method is not a mining one
    "tpkt-bad-li-on-rdp-port": (RDP_PORT, [("c", x224_cr()[:4] + bytes([x224_cr()[4] - 1])
                                             + x224_cr()[5:]), ("s", noise(10))]),
    "jsonrpc-on-stratum-port": (STRATUM_PORT, [
        ("c", b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}\n'),
        ("s", b'{"jsonrpc":"2.0","id":1,"result":"0x10"}\n')]),
}


def exchange(topo, b, port, steps):
    """Runs one scripted conversation client(a) -> server(b):port."""
    spec = json.dumps([[who, data.hex()] for who, data in steps])
    srv = topo.spawn(b, PY, "-c", PEER, "s", B4, str(port), spec,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_listen(topo, b, port, srv)
    return srv, spec


def talk(topo, a, srv, port, spec):
    r = topo.run(a, PY, "-c", PEER, "c", B4, str(port), spec, check=False, timeout=20)
    assert r.returncode == 0, f"client on {port}: {r.stderr}"
    assert srv.wait(timeout=10) == 0, f"server on {port}: {srv.stderr.read().decode()}"


def run_exchange(topo, tmp_path, port, steps):
    a, b = pair(topo)
    srv, spec = exchange(topo, b, port, steps)
    nt = sensor(topo, a, tmp_path)
    talk(topo, a, srv, port, spec)
    return flow_of(finish(nt), port)


@pytest.mark.parametrize("proto", sorted(POSITIVE))
def test_crafted_opening_named(topo, tmp_path, proto):
    port, steps = POSITIVE[proto]
    r = run_exchange(topo, tmp_path, port, steps)
    assert r["network"].get("protocol") == proto, r["network"]
    assert "ssh" not in r.get("nettrail", {})


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_non_matching_opening_unnamed(topo, tmp_path, case):
    port, steps = NEGATIVE[case]
    r = run_exchange(topo, tmp_path, port, steps)
    assert "protocol" not in r["network"], r["network"]
    assert "ssh" not in r.get("nettrail", {})


def test_same_port_named_per_flow(topo, tmp_path):
    """Two connections to one port in one run: only the one whose bytes
    match is named; the port does not carry a name from flow to flow."""
    a, b = pair(topo)
    nt = None
    for steps in (POSITIVE["smtp"][1], [("s", noise(7)), ("c", noise(8))]):
        srv, spec = exchange(topo, b, SMTP_PORT, steps)
        if nt is None:
            nt = sensor(topo, a, tmp_path)
        talk(topo, a, srv, SMTP_PORT, spec)
    recs = finish(nt)
    fl = find_flow(recs, 6, A4, B4, SMTP_PORT)
    by_sport = {}
    for r in fl:
        by_sport[r["source"]["port"]] = r
    assert len(by_sport) == 2, fl
    # in the order they started: the SMTP exchange, then the noise
    first, second = sorted(by_sport.values(), key=lambda r: r["event"]["start"])
    assert first["network"].get("protocol") == "smtp", first["network"]
    assert "protocol" not in second["network"], second["network"]


SSH_CRAFTED = {
    # case: (steps, expected nettrail.ssh)
    "server-only": ([("s", b"SSH-2.0-dropbear_2022.83\r\n"), ("c", noise(9))],
                    {"server": "dropbear_2022.83"}),
    "client-only": ([("c", b"SSH-2.0-PuTTY_Release_0.78\r\n"), ("s", noise(11))],
                    {"client": "PuTTY_Release_0.78"}),
    "both-1.99-server": ([("s", b"SSH-1.99-Cisco-1.25\r\n"),
                          ("c", b"SSH-2.0-PuTTY_Release_0.78 extra comment\r\n")],
                         {"client": "PuTTY_Release_0.78", "server": "Cisco-1.25"}),
}


@pytest.mark.parametrize("case", sorted(SSH_CRAFTED))
def test_ssh_banner_sides(topo, tmp_path, case):
    """Each side's software comes from its own banner (client = initiator);
    a side whose opening is not a banner reports nothing."""
    steps, want = SSH_CRAFTED[case]
    r = run_exchange(topo, tmp_path, SSH_PORT, steps)
    assert r["network"].get("protocol") == "ssh", r["network"]
    assert r["nettrail"]["ssh"] == want, r["nettrail"]


# -- real OpenSSH --------------------------------------------------------------

def software(banner):
    """'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' -> 'OpenSSH_9.2p1'."""
    assert banner.startswith("SSH-2.0-"), banner
    return banner[len("SSH-2.0-"):].split(" ")[0]


def sshd(topo, ns, tmp_path):
    assert os.path.exists(SSHD), f"{SSHD} missing: apt-get install openssh-server"
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
    key = tmp_path / "ssh_host_ed25519_key"
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nettrail-test", "-f", str(key))
    conf = tmp_path / "sshd_config"
    conf.write_text(
        f"Port {SSH_PORT}\nListenAddress {B4}\nHostKey {key}\nPidFile {tmp_path}/sshd.pid\n"
        "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\nAuthorizedKeysFile none\nStrictModes no\n"
        "LogLevel VERBOSE\n")
    sh(SSHD, "-t", "-f", str(conf))
    p = topo.spawn(ns, SSHD, "-D", "-e", "-f", str(conf),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_listen(topo, ns, SSH_PORT, p)
    return p


def test_openssh_real_session(topo, tmp_path):
    a, b = pair(topo)
    srv = sshd(topo, b, tmp_path)
    # the server's banner, read over b's loopback (not seen on va)
    banner = topo.run(b, PY, "-c",
                      "import socket\n"
                      f"s = socket.create_connection(({B4!r}, {SSH_PORT}), timeout=5)\n"
                      "print(s.makefile('rb').readline().decode().rstrip())\n",
                      timeout=10).stdout.strip()
    server_sw = software(banner)
    sshd_v = sh(SSHD, "-V", check=False).stderr.split(",")[0].strip()   # 'OpenSSH_9.2'
    assert sshd_v.startswith("OpenSSH_") and server_sw.startswith(sshd_v), (sshd_v, banner)
    # ssh -V: 'OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL ...': the banner's software
    client_sw = sh("ssh", "-V", check=False).stderr.split(",")[0].split(" ")[0]
    assert client_sw.startswith("OpenSSH_"), client_sw

    nt = sensor(topo, a, tmp_path)
    r = topo.run(a, "ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
                 "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                 "-o", "ConnectTimeout=5", "-o", "IdentitiesOnly=yes",
                 "-o", "IdentityFile=/dev/null", "-p", str(SSH_PORT),
                 f"nobody@{B4}", "true", check=False, timeout=30)
    # authentication fails, after the banners and the key exchange
    assert r.returncode == 255 and "Permission denied" in r.stderr, r.stderr
    assert srv.poll() is None, "sshd exited"
    rec = flow_of(finish(nt), SSH_PORT)
    assert rec["network"].get("protocol") == "ssh", rec["network"]
    assert rec["nettrail"]["ssh"] == {"client": client_sw, "server": server_sw}, \
        (rec["nettrail"], client_sw, server_sw)
