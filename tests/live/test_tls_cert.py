"""TLS certificates on flow records (issue 20), from real peers: `openssl
s_server -tls1_2` with certificates this test makes with openssl in its
temp dir, `openssl s_client` between two namespaces, nettrail on the
client's veth. Oracles: `openssl x509` on the generated files, and tshark's
decode of the capture (x509 fields, JA3S). The capture replayed with
--pcap gives the same TLS fields as the live run."""
import subprocess

from conftest import NETTRAIL, Capture, Sensor, find_flow, read_records, sh, validate
from test_payload import A4, B4, pair, wait_listen

PORT = 8443

CA_CNF = """[ca]
default_ca = CA_default
[CA_default]
dir = .
database = {d}/index.txt
new_certs_dir = {d}
serial = {d}/serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
stateOrProvinceName = optional
localityName = optional
"""


class PKI:
    """Keys and certificates made with openssl in a temp dir; openssl ca
    sets the validity dates (expired, not yet valid) exactly."""

    def __init__(self, d):
        self.d = d
        (d / "index.txt").write_text("")
        (d / "serial").write_text("1000\n")
        (d / "ca.cnf").write_text(CA_CNF.format(d=d))

    def cert(self, name, subj, issuer=None, kind="rsa", ca=False, san=None, comment_len=0,
             start="20250101000000Z", end="20451231000000Z", ext=""):
        d = self.d
        key, csr, pem = d / f"{name}.key", d / f"{name}.csr", d / f"{name}.pem"
        if kind == "rsa":
            sh("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
               "-out", str(key))
        else:
            sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-out", str(key))
        sh("openssl", "req", "-new", "-key", str(key), "-subj", subj, "-out", str(csr))
        lines = ["[v3]", "basicConstraints = critical,CA:true" if ca else
                 "basicConstraints = CA:false"]
        if san:
            lines.append("subjectAltName = " + ",".join(san))
        if comment_len:  # a long extension: big chains
            lines.append("nsComment = \"" + "x" * comment_len + "\"")
        lines.append(ext)
        (d / f"{name}.ext").write_text("\n".join(lines) + "\n")
        signer = ["-selfsign", "-keyfile", str(key)] if issuer is None else \
            ["-cert", str(d / f"{issuer}.pem"), "-keyfile", str(d / f"{issuer}.key")]
        sh("openssl", "ca", "-config", str(d / "ca.cnf"), "-batch", "-notext", *signer,
           "-in", str(csr), "-out", str(pem), "-extfile", str(d / f"{name}.ext"),
           "-extensions", "v3", "-startdate", start, "-enddate", end, "-preserveDN")
        return pem

    def x509(self, pem):
        """What `openssl x509` says of a certificate: the oracle."""
        out = sh("openssl", "x509", "-in", str(pem), "-noout", "-nameopt", "RFC2253",
                 "-fingerprint", "-sha256", "-subject", "-issuer", "-dates", "-serial",
                 "-ext", "subjectAltName").stdout
        sha1 = sh("openssl", "x509", "-in", str(pem), "-noout", "-fingerprint",
                  "-sha1").stdout
        f = {"sha1": sha1.split("=", 1)[1].strip().replace(":", "")}
        lines = out.splitlines()
        for i, line in enumerate(lines):
            k, _, v = line.partition("=")
            if k == "sha256 Fingerprint":
                f["sha256"] = v.replace(":", "")
            elif k in ("subject", "issuer", "serial", "notBefore", "notAfter"):
                f[k] = v
            elif "Subject Alternative Name" in line:
                f["san"] = [s.strip().split(":", 1)[1] for s in lines[i + 1].split(",")]
        return f


def gmt(s):
    """openssl's 'Jan  1 00:00:00 2020 GMT' as the record's RFC 3339."""
    import datetime
    t = datetime.datetime.strptime(s, "%b %d %H:%M:%S %Y %Z")
    return t.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def serve(topo, ns, pki, leaf, chain=(), *extra):
    """openssl s_server -tls1_2 with leaf (and its chain) on PORT."""
    d = pki.d
    args = ["openssl", "s_server", "-quiet", "-accept", str(PORT), "-cert", str(d / f"{leaf}.pem"),
            "-key", str(d / f"{leaf}.key"), "-www", *extra]
    if chain:
        (d / "chain.pem").write_text("".join((d / f"{c}.pem").read_text() for c in chain))
        args += ["-cert_chain", str(d / "chain.pem")]
    topo.spawn(ns, *args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
    wait_listen(topo, ns, PORT)


def connect(topo, ns, sni, *extra):
    out = topo.run(ns, "sh", "-c", f"echo | timeout 5 openssl s_client -connect {B4}:{PORT} "
                   f"-servername {sni} {' '.join(extra)} 2>&1", check=False).stdout
    assert "BEGIN CERTIFICATE" in out or "Server certificate" in out, out
    return out


def run(topo, tmp_path, pki, sni, leaf, chain=(), server_extra=(), client_extra=(),
        offloads=False, sensor_extra=(), conns=None):
    """One sensor run over one (or more) TLS connections; the flow records
    of each, and the capture."""
    a, b = pair(topo)
    if offloads:
        for ns, ifn in ((a, "va"), (b, "vb")):
            topo.offloads(ns, ifn, True)
    serve(topo, b, pki, leaf, chain, *server_extra)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=65535)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0",
                *sensor_extra)
    for s in (conns or [sni]):
        connect(topo, a, s, *client_extra)
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    recs = nt.records()
    fl = [r for r in find_flow(recs, 6, A4, B4, PORT) if "tls" in r]
    assert fl, f"no TLS flow in {recs}"
    return fl, cap.path, recs


def last(fl):
    return fl[-1]


def check_leaf(side, x, want, pki_issuer=None):
    """tls.server / tls.client against openssl x509's fields."""
    assert side["hash"]["sha256"] == want["sha256"]
    assert side["hash"]["sha1"] == want["sha1"]
    assert side["subject"] == want["subject"]
    assert side["issuer"] == want["issuer"]
    assert side["not_before"] == gmt(want["notBefore"])
    assert side["not_after"] == gmt(want["notAfter"])
    assert side["x509"]["serial_number"] == want["serial"]
    assert side["x509"]["version_number"] == "3"
    if "san" in want:
        assert side["x509"]["alternative_names"] == want["san"]


def tshark_certs(pcap):
    """tshark's decode of the capture: per Certificate message, its
    certificates' serials and dNSNames, and the ServerHello's JA3S."""
    out = sh("tshark", "-r", str(pcap), "-Y", "tls.handshake.type == 11", "-T", "fields",
             "-E", "separator=|", "-e", "x509af.serialNumber", "-e", "x509ce.dNSName",
             "-e", "tls.handshake.certificate_length", "-e", "x509af.algorithm.id").stdout
    ja3s = sh("tshark", "-r", str(pcap), "-Y", "tls.handshake.type == 2", "-T", "fields",
              "-E", "separator=|", "-e", "tls.handshake.ja3s",
              "-e", "tls.handshake.ja3s_full").stdout
    return [l.split("|") for l in out.splitlines() if l.strip()], \
        [l.split("|") for l in ja3s.splitlines() if l.strip()]


def hexserial(tshark_serial):
    """tshark prints serials as 0x-prefixed or colon hex; upper, no colons."""
    s = tshark_serial.split(",")[0].replace(":", "").upper()
    return s[2:] if s.startswith("0X") else s


def normal_pki(tmp_path):
    pki = PKI(tmp_path)
    pki.cert("root", "/O=Nettrail Test/CN=Test Root CA", kind="ec", ca=True)
    pki.cert("inter", "/O=Nettrail Test/CN=Test Intermediate CA", issuer="root", kind="ec",
             ca=True)
    pki.cert("leaf", "/C=DE/ST=Berlin/L=Berlin/O=Nettrail Test/OU=Edge/CN=api.example.test",
             issuer="inter", san=["DNS:api.example.test", "DNS:www.example.test",
                                  "IP:10.201.0.2"])
    return pki


def test_normal_chain_rsa_leaf_with_oracles_and_replay(topo, tmp_path):
    pki = normal_pki(tmp_path)
    fl, pcap, recs = run(topo, tmp_path, pki, "api.example.test", "leaf", chain=["inter"],
                         server_extra=["-tls1_2"])
    r = last(fl)
    assert r["tls"]["version"] == "1.2"
    srv = r["tls"]["server"]
    want = pki.x509(tmp_path / "leaf.pem")
    check_leaf(srv, srv["x509"], want)
    x = srv["x509"]
    assert x["subject"]["common_name"] == ["api.example.test"]
    assert x["subject"]["organization"] == ["Nettrail Test"]
    assert x["subject"]["organizational_unit"] == ["Edge"]
    assert x["subject"]["country"] == ["DE"]
    assert x["subject"]["locality"] == ["Berlin"]
    assert x["subject"]["state_or_province"] == ["Berlin"]
    assert x["issuer"]["common_name"] == ["Test Intermediate CA"]
    assert x["alternative_names"] == ["api.example.test", "www.example.test", "10.201.0.2"]
    assert x["public_key_algorithm"] == "RSA" and x["public_key_size"] == 2048
    assert "public_key_curve" not in x
    assert x["signature_algorithm"] == "ecdsa-with-SHA256"  # signed by the EC intermediate
    nt = r["nettrail"]["tls"]
    assert nt["certificate_visible"] is True
    s = nt["server"]
    assert s["certificate_status"] == "parsed" and s["certificates"] == 2
    assert s["self_signed"] is False and s["expired"] is False
    assert s["not_yet_valid"] is False and s["name_mismatch"] is False
    inter = pki.x509(tmp_path / "inter.pem")
    assert s["chain"] == [{"subject": inter["subject"], "issuer": inter["issuer"],
                           "sha256": inter["sha256"]}]
    # tshark: the same serials and names, and the same JA3S
    certs, ja3s = tshark_certs(pcap)
    assert len(certs) == 1, certs
    serials = certs[0][0].split(",")
    assert [hexserial(v) for v in serials] == [want["serial"], inter["serial"]]
    assert certs[0][1].split(",") == ["api.example.test", "www.example.test"]
    assert ja3s and ja3s[0][0] == srv["ja3s"], (ja3s, srv["ja3s"])
    assert ja3s[0][1] == nt["ja3s_string"]
    # replay of the capture: the same TLS fields
    out = tmp_path / "replay.jsonl"
    rr = sh(str(NETTRAIL), "--pcap", str(pcap), "-o", f"file:{out}", "--heartbeat", "0")
    assert rr.returncode == 0, rr.stderr
    validate(out)
    rp = [x for x in find_flow(read_records(out), 6, A4, B4, PORT) if "tls" in x]
    assert rp and rp[-1]["tls"] == r["tls"], (rp, r["tls"])
    assert rp[-1]["nettrail"]["tls"] == nt
    hb = [x for x in read_records(out) if x["event"]["dataset"] == "nettrail.heartbeat"]
    c = hb[-1]["nettrail"]["heartbeat"]["counters"]
    assert c["tls_certificates_parsed"] == 1 and c["tls_certificate_parse_errors"] == 0
    assert c["tls_certificate_capped"] == 0


def test_self_signed_ecdsa_leaf(topo, tmp_path):
    pki = PKI(tmp_path)
    pki.cert("self", "/CN=self.example.test", kind="ec", san=["DNS:self.example.test"])
    fl, pcap, _ = run(topo, tmp_path, pki, "self.example.test", "self",
                      server_extra=["-tls1_2"])
    r = last(fl)
    srv, s = r["tls"]["server"], r["nettrail"]["tls"]["server"]
    check_leaf(srv, srv["x509"], pki.x509(tmp_path / "self.pem"))
    assert srv["x509"]["public_key_algorithm"] == "EC"
    assert srv["x509"]["public_key_curve"] == "prime256v1"
    assert srv["x509"]["public_key_size"] == 256
    assert s["self_signed"] is True and s["certificates"] == 1 and "chain" not in s
    assert s["name_mismatch"] is False


def test_expired_and_name_mismatch(topo, tmp_path):
    pki = PKI(tmp_path)
    pki.cert("ca", "/CN=Old CA", kind="ec", ca=True, start="20190101000000Z")
    pki.cert("old", "/CN=old.example.test", issuer="ca", kind="ec",
             san=["DNS:old.example.test"], start="20200101000000Z", end="20210101000000Z")
    fl, _, _ = run(topo, tmp_path, pki, "other.example.test", "old", chain=["ca"],
                   server_extra=["-tls1_2"])
    r = last(fl)
    s = r["nettrail"]["tls"]["server"]
    assert s["expired"] is True and s["not_yet_valid"] is False
    assert s["name_mismatch"] is True and s["self_signed"] is False
    assert r["tls"]["server"]["not_after"] == "2021-01-01T00:00:00.000000Z"


def test_not_yet_valid(topo, tmp_path):
    pki = PKI(tmp_path)
    pki.cert("future", "/CN=future.example.test", kind="ec", san=["DNS:future.example.test"],
             start="20400101000000Z", end="20450101000000Z")
    fl, _, _ = run(topo, tmp_path, pki, "future.example.test", "future",
                   server_extra=["-tls1_2"])
    s = last(fl)["nettrail"]["tls"]["server"]
    assert s["not_yet_valid"] is True and s["expired"] is False


def test_wildcard_san(topo, tmp_path):
    pki = PKI(tmp_path)
    pki.cert("wild", "/CN=wildcard", kind="ec", san=["DNS:*.svc.example.test"])
    names = ["api.svc.example.test", "a.b.svc.example.test", "svc.example.test"]
    fl, _, recs = run(topo, tmp_path, pki, None, "wild", server_extra=["-tls1_2"], conns=names)
    got = {r["tls"]["client"]["server_name"]: r["nettrail"]["tls"]["server"]["name_mismatch"]
           for r in fl}
    # RFC 6125: the wildcard is one whole left-most label
    assert got == {"api.svc.example.test": False, "a.b.svc.example.test": True,
                   "svc.example.test": True}, got
    assert len({r["tls"]["server"]["hash"]["sha256"] for r in fl}) == 1
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    c = hb["nettrail"]["heartbeat"]["counters"]
    # the same certificate three times: decoded once, then from the cache
    assert c["tls_certificates_parsed"] == 3 and c["tls_certificate_cache_hits"] == 2


def big_chain(tmp_path):
    """A leaf and 4 intermediates with 4 KB comments: over 16 KB."""
    pki = PKI(tmp_path)
    pki.cert("root", "/CN=Big Root", kind="ec", ca=True)
    prev = "root"
    for i in range(4):
        pki.cert(f"i{i}", f"/CN=Big Intermediate {i}", issuer=prev, kind="ec", ca=True,
                 comment_len=4000)
        prev = f"i{i}"
    pki.cert("leaf", "/CN=big.example.test", issuer=prev, san=["DNS:big.example.test"])
    return pki, ["i3", "i2", "i1", "i0"]


def test_chain_over_16k_with_offloads(topo, tmp_path):
    pki, chain = big_chain(tmp_path)
    fl, pcap, recs = run(topo, tmp_path, pki, "big.example.test", "leaf", chain=chain,
                         server_extra=["-tls1_2"], offloads=True)
    r = last(fl)
    s = r["nettrail"]["tls"]["server"]
    assert s["certificate_status"] == "parsed" and s["certificates"] == 5
    assert [c["sha256"] for c in s["chain"]] == \
        [pki.x509(tmp_path / f"{c}.pem")["sha256"] for c in chain]
    check_leaf(r["tls"]["server"], None, pki.x509(tmp_path / "leaf.pem"))
    certs, _ = tshark_certs(pcap)
    assert sum(int(x) for x in certs[0][2].split(",")) > 16384, certs
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    c = hb["nettrail"]["heartbeat"]["counters"]
    assert c["tls_certificates_parsed"] == 1 and c["payload_samples_lost"] == 0
    assert c["tls_cert_samples"] >= 8  # 16+ KB in 2 KB samples beyond the first


def test_chain_over_cap_is_counted(topo, tmp_path):
    pki, chain = big_chain(tmp_path)
    fl, _, recs = run(topo, tmp_path, pki, "big.example.test", "leaf", chain=chain,
                      server_extra=["-tls1_2"], sensor_extra=["--tls-cert-max-bytes", "8192"])
    r = last(fl)
    assert r["nettrail"]["tls"]["server"]["certificate_status"] == "capped"
    assert "hash" not in r["tls"]["server"] and "certificate_visible" not in r["nettrail"]["tls"]
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    c = hb["nettrail"]["heartbeat"]["counters"]
    assert c["tls_certificate_capped"] == 1 and c["tls_certificates_parsed"] == 0
    # 8 KB in 1448-byte segments: at most 6 samples past the first
    assert 1 <= c["tls_cert_samples"] <= 6


def test_mutual_tls_client_certificate(topo, tmp_path):
    pki = normal_pki(tmp_path)
    pki.cert("client", "/O=Nettrail Test/CN=workload-a", issuer="inter", kind="ec",
             ext="extendedKeyUsage = clientAuth")
    (tmp_path / "cas.pem").write_text((tmp_path / "root.pem").read_text() +
                                      (tmp_path / "inter.pem").read_text())
    fl, pcap, _ = run(topo, tmp_path, pki, "api.example.test", "leaf", chain=["inter"],
                      server_extra=["-tls1_2", "-Verify", "2", "-CAfile",
                                    str(tmp_path / "cas.pem")],
                      client_extra=["-cert", str(tmp_path / "client.pem"), "-key",
                                    str(tmp_path / "client.key"), "-cert_chain",
                                    str(tmp_path / "inter.pem")])
    r = last(fl)
    cl = r["tls"]["client"]
    want = pki.x509(tmp_path / "client.pem")
    check_leaf(cl, cl["x509"], want)
    assert cl["x509"]["subject"]["common_name"] == ["workload-a"]
    assert cl["server_name"] == "api.example.test"
    c = r["nettrail"]["tls"]["client"]
    assert c["certificate_status"] == "parsed" and c["certificates"] == 2
    assert c["chain"][0]["sha256"] == pki.x509(tmp_path / "inter.pem")["sha256"]
    assert "name_mismatch" not in c
    assert r["tls"]["server"]["hash"]["sha256"] == pki.x509(tmp_path / "leaf.pem")["sha256"]
    certs, _ = tshark_certs(pcap)
    assert len(certs) == 2, certs  # the server's and the client's Certificate
    assert hexserial(certs[1][0]) == want["serial"]


def test_tls13_certificate_not_visible(topo, tmp_path):
    pki = normal_pki(tmp_path)
    fl, _, recs = run(topo, tmp_path, pki, "api.example.test", "leaf", chain=["inter"],
                      server_extra=["-tls1_3"])
    r = last(fl)
    assert r["tls"]["version"] == "1.3"
    assert r["nettrail"]["tls"]["certificate_visible"] is False
    assert r["nettrail"]["tls"]["server"] == {"certificate_status": "encrypted"}
    assert "hash" not in r["tls"]["server"] and "ja3s" in r["tls"]["server"]
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    c = hb["nettrail"]["heartbeat"]["counters"]
    assert c["tls_cert_samples"] == 0 and c["tls_certificates_parsed"] == 0
