"""QUIC flows between network namespaces: the client's Initial packets are
decrypted, their ClientHello parsed. Peers: Debian's ngtcp2 examples
(gtlsclient/gtlsserver, GnuTLS) and aioquic (PyPI, fetched into
$HOME/.cache/nettrail by the aioquic fixture; tests/live/quic_peer.py),
over IPv4 and IPv6, on 443 and on other ports, QUIC versions 1 and 2, a
server that demands a Retry, and a ClientHello that needs three Initial
packets (40 ALPN values and aioquic's 1200-byte "quantum readiness"
transport parameter, the size of a post-quantum hello).

Oracle: tshark (4.0, Debian) decrypts the same capture's Initials: SNI,
ALPN, JA3, version and connection IDs, and the ServerHello's version and
cipher suite (from the server's Initial) come from it. tshark 4.0 has no JA4
field: the expected JA4 is computed here from tshark's dissected lists
(ciphers, extensions, signature algorithms, versions, ALPN) by JA4.md's
rules, independently of nettrail's C. Then the capture is replayed through
`nettrail --pcap`, which must give the same QUIC and TLS fields."""
import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (NETTRAIL, PY, Capture, Sensor, find_flow, prefetched, read_records, sh,
                      validate)

A4, B4 = "10.202.0.1", "10.202.0.2"
A6, B6 = "fd00:202::1", "fd00:202::2"
PEER = Path(__file__).resolve().parent / "quic_peer.py"
AIOQUIC = "aioquic==1.2.0"
BIG_ALPN = ["h3"] + [f"x-nettrail-test-alpn-value-{i:02d}" for i in range(40)]


@pytest.fixture(scope="module")
def aioquic():
    """aioquic and its wheels under $HOME/.cache/nettrail (a PYTHONPATH)."""
    prefetched("aioquic")
    d = Path(os.environ.get("HOME", "/root")) / ".cache" / "nettrail" / "aioquic-1.2.0"
    if not (d / "aioquic").is_dir():
        d.mkdir(parents=True, exist_ok=True)
        sh(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--only-binary=:all:", "--target", str(d), AIOQUIC)
    return str(d)


def pair(topo):
    a, b = topo.ns("a"), topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24", v6=(f"{A6}/64", f"{B6}/64"))
    return a, b


def cert(tmp_path):
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=test")
    return key, crt


def wait_udp(topo, ns, port):
    deadline = time.time() + 10
    while time.time() < deadline:
        if f":{port} " in topo.run(ns, "ss", "-lnu", check=False).stdout:
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on udp {port}")


def ngtcp2_server(topo, ns, host, port, tmp_path, *extra):
    key, crt = cert(tmp_path)
    topo.spawn(ns, "gtlsserver", "-q", *extra, host, str(port), str(key), str(crt),
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_udp(topo, ns, port)


def ngtcp2_client(topo, ns, host, port):
    uri = f"https://[{host}]/" if ":" in host else f"https://{host}/"
    r = topo.run(ns, "timeout", "10", "gtlsclient", "-q", "--exit-on-all-streams-close", host,
                 str(port), uri, check=False)
    assert r.returncode == 0, f"gtlsclient: rc={r.returncode} {r.stderr[-500:]}"


def aioquic_server(topo, ns, path, host, port, tmp_path, *extra):
    key, crt = cert(tmp_path)
    topo.spawn(ns, "env", f"PYTHONPATH={path}", PY, str(PEER), "server", host, str(port),
               str(crt), str(key), *extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_udp(topo, ns, port)


def aioquic_client(topo, ns, path, host, port, sni, alpn, *extra):
    r = topo.run(ns, "env", f"PYTHONPATH={path}", PY, str(PEER), "client", host, str(port),
                 "--sni", sni, "--alpn", ",".join(alpn), *extra, check=False)
    assert r.returncode == 0, f"quic_peer client: {r.stderr[-500:]}"
    return r.stdout.strip()


def tshark(pcap, filt, *fields):
    args = ["tshark", "-r", str(pcap), "-Y", filt, "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=,", "-E", "separator=|"]
    for f in fields:
        args += ["-e", f]
    out = sh(*args).stdout
    return [l.split("|") for l in out.splitlines() if l.strip()]


def is_grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def ja4_from_tshark(ciphers, exts, sigs, versions, alpn, sni):
    """JA4 (FoxIO JA4.md) of a QUIC ClientHello from tshark's lists."""
    def nums(s):
        return [int(x, 0) for x in s.split(",") if x] if s else []
    c = [v for v in nums(ciphers) if not is_grease(v)]
    e = [v for v in nums(exts) if not is_grease(v)]
    s = [v for v in nums(sigs) if not is_grease(v)]
    vs = [v for v in nums(versions) if not is_grease(v)]
    ver = {0x0304: "13", 0x0303: "12"}[max(vs)]
    first = alpn.split(",")[0] if alpn else ""
    a = f"q{ver}{'d' if sni else 'i'}{len(c):02d}{len(e):02d}" + \
        (first[0] + first[-1] if first else "00")
    cs = ",".join(f"{v:04x}" for v in sorted(c))
    es = ",".join(f"{v:04x}" for v in sorted(v for v in e if v not in (0, 16)))
    ss = ",".join(f"{v:04x}" for v in s)
    h = lambda x: hashlib.sha256(x.encode()).hexdigest()[:12]
    return f"{a}_{h(cs)}_{h(es + '_' + ss if ss else es)}"


def expected(pcap, client):
    """What tshark says of the client's ClientHello and first Initial."""
    src = "ipv6.src" if ":" in client else "ip.src"
    hello = tshark(pcap, f"tls.handshake.type == 1 && {src} == {client}",
                   "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
                   "tls.handshake.ja3", "tls.handshake.ciphersuite",
                   "tls.handshake.extension.type", "tls.handshake.sig_hash_alg",
                   "tls.handshake.extensions.supported_version")
    assert hello, f"tshark saw no ClientHello from {client}"
    sni, alpn, ja3, ciphers, exts, sigs, versions = hello[0]
    # the client's first long header packet is its first Initial (v2's
    # Initial type bits differ from v1's)
    first = tshark(pcap, f"quic.header_form == 1 && {src} == {client}",
                   "quic.version", "quic.dcid", "quic.scid")[0]
    server = tshark(pcap, f"tls.handshake.type == 2 && {src.replace('src', 'dst')} == {client}",
                    "tls.handshake.ciphersuite", "tls.handshake.extensions.supported_version")
    assert server, f"tshark saw no ServerHello to {client}"
    return {"cipher": int(server[0][0].split(",")[0], 16),
            "server_version": int(server[0][1].split(",")[0], 16),
            "sni": sni, "alpn": alpn.split(","), "ja3": ja3,
            "ja4": ja4_from_tshark(ciphers, exts, sigs, versions, alpn, sni),
            "version": int(first[0].split(",")[0], 16),
            "dcid": first[1].split(",")[0].replace(":", ""),
            "scid": first[2].split(",")[0].replace(":", "")}


def quic_fields(r):
    """The fields QUIC fills on a flow record."""
    return {"protocol": r["network"].get("protocol"), "tls": r.get("tls"),
            "nettrail.tls": r["nettrail"].get("tls"), "quic": r["nettrail"].get("quic")}


def check_flow(recs, src, dst, port, want, version_name, retry=False, server_hello=True):
    fl = find_flow(recs, 17, src, dst, port)
    assert fl, f"no UDP flow {src} -> {dst}:{port}"
    r = fl[0]
    assert r["network"]["protocol"] == "quic", r["network"]
    c = r["tls"]["client"]
    assert c["server_name"] == want["sni"]
    assert c["ja3"] == want["ja3"]
    assert c["ja4"] == want["ja4"], (c["ja4"], r["nettrail"]["tls"]["ja4_r"])
    assert r["tls"]["next_protocol"] == want["alpn"][0]
    assert r["nettrail"]["tls"]["alpn"] == want["alpn"][:8]
    assert r["nettrail"]["tls"]["client_version"] == "1.3"
    # the ServerHello, from the server's Initial
    if server_hello:
        assert want["server_version"] == 0x0304 and r["tls"]["version"] == "1.3"
        assert r["nettrail"]["tls"]["cipher_id"] == want["cipher"]
    q = r["nettrail"]["quic"]
    assert q["version"] == version_name
    assert q["client_initial_dcid"] == want["dcid"]
    assert q["client_scid"] == want["scid"]
    assert q.get("retry", False) == retry
    return r


def replay_same(pcap, tmp_path, live, src, dst, port, *args):
    """--pcap over the capture gives the same QUIC and TLS fields."""
    out = tmp_path / "replay.jsonl"
    r = sh(str(NETTRAIL), "--pcap", str(pcap), "-o", f"file:{out}", "--heartbeat", "0", *args,
           check=False)
    assert r.returncode == 0, r.stderr
    validate(out)
    fl = find_flow(read_records(out), 17, src, dst, port)
    assert fl, "the replay has no such flow"
    assert quic_fields(fl[0]) == quic_fields(live)


def counters(recs):
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    return hb["nettrail"]["heartbeat"]["counters"]


def test_ngtcp2_ipv4_443_and_ipv6_custom_port(topo, tmp_path):
    a, b = pair(topo)
    ngtcp2_server(topo, b, B4, 443, tmp_path)
    ngtcp2_server(topo, b, B6, 7443, tmp_path)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va")
    ngtcp2_client(topo, a, B4, 443)
    ngtcp2_client(topo, a, B6, 7443)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    recs = nt.records()
    for src, dst, port in ((A4, B4, 443), (A6, B6, 7443)):
        want = expected(cap.path, src)
        assert want["version"] == 1 and want["alpn"] == ["h3"], want
        live = check_flow(recs, src, dst, port, want, "1")
        replay_same(cap.path, tmp_path, live, src, dst, port)
    c = counters(recs)
    assert c["quic_client_hellos"] == 2 and c["quic_server_hellos"] == 2
    assert c["quic_initials_decrypted"] >= 4
    assert c["quic_decrypt_failures"] == 0 and c["quic_crypto_gaps"] == 0
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    assert hb["nettrail"]["heartbeat"]["gauges"]["quic_conns_alive"] == 0


def test_aioquic_three_initials_retry_ipv6(topo, tmp_path, aioquic):
    a, b = pair(topo)
    aioquic_server(topo, b, aioquic, B6, 8443, tmp_path, "--retry")
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va")
    got = aioquic_client(topo, a, aioquic, B6, 8443, "big.example.test", BIG_ALPN, "--big")
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    assert got == "h3"
    validate(nt.out)
    # the hello took 3 Initials before the Retry (tshark's own reading)
    before = tshark(cap.path, f"quic.long.packet_type == 0 && ipv6.src == {A6}",
                    "quic.dcid", "quic.frame_type")
    retry = tshark(cap.path, f"quic.long.packet_type == 3 && ipv6.src == {B6}", "quic.scid")
    assert retry, "the server sent no Retry"
    first_dcid = before[0][0]
    assert sum(1 for d, ft in before if d == first_dcid and "6" in ft.split(",")) >= 3, before
    want = expected(cap.path, A6)
    assert want["sni"] == "big.example.test" and want["alpn"] == BIG_ALPN
    # aioquic's server answers every Initial before the Retry with a Retry
    # (3 to 8 of them), then ACK-only Initials: its ServerHello comes after
    # the 4 samples of its direction, and is not looked for here
    live = check_flow(nt.records(), A6, B6, 8443, want, "1", retry=True, server_hello=False)
    assert len(live["nettrail"]["tls"]["alpn"]) == 8
    replay_same(cap.path, tmp_path, live, A6, B6, 8443)
    c = counters(nt.records())
    assert c["quic_retries"] == 1 and c["quic_client_hellos"] == 1
    assert c["quic_decrypt_failures"] == 0


def test_aioquic_version2_ipv4(topo, tmp_path, aioquic):
    a, b = pair(topo)
    aioquic_server(topo, b, aioquic, B4, 4433, tmp_path, "--alpn", "doq,h3")
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    got = aioquic_client(topo, a, aioquic, B4, 4433, "v2.example.test", ["doq", "h3"],
                         "--version", "2")
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    assert got == "doq"
    validate(nt.out)
    want = expected(cap.path, A4)
    assert want["version"] == 0x6b3343cf, want
    live = check_flow(nt.records(), A4, B4, 4433, want, "2")
    replay_same(cap.path, tmp_path, live, A4, B4, 4433)
