"""Payload-derived fields on flow records, from real peers between network
namespaces: TLS (OpenSSL), HTTP (curl against Python's server), DNS (dig
against dnsmasq). tshark reads the same capture as the independent oracle
for SNI, ALPN and JA3."""
import subprocess
import time

from conftest import Capture, Sensor, find_flow, sh, validate

A4, B4 = "10.201.0.1", "10.201.0.2"
A6, B6 = "fd00:201::1", "fd00:201::2"


def pair(topo, mtu=None):
    a, b = topo.ns("a"), topo.ns("b")
    topo.veth(a, "va", f"{A4}/24", b, "vb", f"{B4}/24", v6=(f"{A6}/64", f"{B6}/64"))
    for ns, ifn in ((a, "va"), (b, "vb")):
        topo.offloads(ns, ifn, False)
        if mtu:
            topo.run(ns, "ip", "link", "set", ifn, "mtu", str(mtu))
    return a, b


def wait_listen(topo, ns, port, udp=False):
    deadline = time.time() + 5
    while time.time() < deadline:
        if f":{port} " in topo.run(ns, "ss", "-lnu" if udp else "-lnt", check=False).stdout:
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def tls_server(topo, ns, tmp_path, port):
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=test")
    topo.spawn(ns, "openssl", "s_server", "-quiet", "-accept", str(port), "-cert", str(crt),
               "-key", str(key), "-alpn", "h2,http/1.1", "-www", stdin=subprocess.DEVNULL,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(topo, ns, port)


def tls_client(topo, ns, host, port, sni, alpn, *extra):
    return topo.run(ns, "sh", "-c",
                    f"echo | timeout 5 openssl s_client -connect {host}:{port} -servername {sni} "
                    f"-alpn {alpn} {' '.join(extra)} 2>&1", check=False).stdout


def tshark_hellos(pcap):
    out = sh("tshark", "-r", str(pcap), "-Y", "tls.handshake.type == 1", "-T", "fields",
             "-E", "separator=|", "-e", "tls.handshake.extensions_server_name",
             "-e", "tls.handshake.ja3", "-e", "tls.handshake.extensions_alpn_str",
             "-e", "tcp.srcport").stdout
    return [l.split("|") for l in out.splitlines() if l.strip()]


def check_tls(recs, hellos, src, dst, sni, alpn, ver):
    fl = find_flow(recs, 6, src, dst, 8443)
    assert fl, f"no flow {src} -> {dst}"
    r = fl[-1]
    assert r["network"]["protocol"] == "tls"
    assert r["tls"]["client"]["server_name"] == sni
    assert r["tls"]["client"]["ja3"] == hellos[sni][1]
    assert r["tls"]["next_protocol"] == alpn[0]
    assert r["nettrail"]["tls"]["alpn"] == alpn == hellos[sni][2].split(",")
    assert r["tls"]["version"] == ver
    # the suite the server chose, by name, and by number beside it
    names = {0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
             0x1303: "TLS_CHACHA20_POLY1305_SHA256",
             0xc02b: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
             0xc02c: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
             0xcca9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}
    assert r["tls"]["cipher"] == names[r["nettrail"]["tls"]["cipher_id"]]
    ja4 = r["tls"]["client"]["ja4"]
    # JA4_a: t, the highest offered version, d (an SNI), counts, ALPN ends
    assert ja4[:4] == ("t13d" if ver == "1.3" else "t12d") and ja4[8:10] == alpn[0][0] + alpn[0][-1], ja4
    assert ja4.split("_")[0][4:8] == r["nettrail"]["tls"]["ja4_r"].split("_")[0][4:8]


def test_tls_clienthello_split_across_segments(topo, tmp_path):
    a, b = pair(topo, mtu=200)  # MSS 148: the ClientHello needs 2+ segments
    tls_server(topo, b, tmp_path, 8443)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    out = tls_client(topo, a, B4, 8443, "api.example.test", "h2,http/1.1", "-tls1_3")
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    assert "ALPN protocol: h2" in out, out
    validate(nt.out)
    hellos = {h[0]: h for h in tshark_hellos(cap.path)}
    assert set(hellos) == {"api.example.test"}, hellos
    segs = sh("tshark", "-r", str(cap.path), "-Y",
              f"tcp.dstport == 8443 && ip.src == {A4} && tcp.len > 0", "-T", "fields",
              "-e", "tcp.len").stdout.split()
    assert len(segs) >= 2 and int(segs[0]) <= 148, segs
    check_tls(nt.records(), hellos, A4, B4, "api.example.test", ["h2", "http/1.1"], "1.3")


def test_tls12_over_ipv6(topo, tmp_path):
    a, b = pair(topo)
    tls_server(topo, b, tmp_path, 8443)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    out = tls_client(topo, a, f"[{B6}]", 8443, "v6.example.test", "http/1.1", "-tls1_2")
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    assert "ALPN protocol: http/1.1" in out, out
    validate(nt.out)
    hellos = {h[0]: h for h in tshark_hellos(cap.path)}
    check_tls(nt.records(), hellos, A6, B6, "v6.example.test", ["http/1.1"], "1.2")


def test_curl_tls(topo, tmp_path):
    a, b = pair(topo)
    tls_server(topo, b, tmp_path, 8443)
    cap = Capture(topo, a, "va", tmp_path / "cap.pcap", snaplen=4096)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    r = topo.run(a, "curl", "-sk", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}",
                 "--resolve", f"web.example.test:8443:{B4}", "https://web.example.test:8443/")
    cap.stop()
    assert nt.stop() == 0, nt.stderr
    assert r.stdout == "200", r.stdout
    validate(nt.out)
    hellos = {h[0]: h for h in tshark_hellos(cap.path)}
    check_tls(nt.records(), hellos, A4, B4, "web.example.test", ["http/1.1"], "1.3")


def test_http_dns_named_and_unknown_unlabelled(topo, tmp_path):
    a, b = pair(topo)
    topo.spawn(b, "/usr/bin/python3", "-m", "http.server", "8080", "--bind", B4,
               "--directory", str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    topo.spawn(b, "dnsmasq", "--no-daemon", "--port=53", f"--listen-address={B4}",
               "--bind-interfaces", "--no-resolv", "--no-hosts",
               "--address=/svc.example.test/10.9.8.7", stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
    topo.spawn(b, "socat", "-u", "TCP-LISTEN:9000,reuseaddr", "OPEN:/dev/null",
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(topo, b, 8080)
    wait_listen(topo, b, 53, udp=True)
    wait_listen(topo, b, 9000)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")
    r = topo.run(a, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://{B4}:8080/")
    assert r.stdout == "200"
    r = topo.run(a, "dig", "+short", "+tries=1", "+time=2", f"@{B4}", "svc.example.test", "A")
    assert r.stdout.strip() == "10.9.8.7"
    topo.run(a, "sh", "-c", f"head -c 3000 /dev/urandom | socat -u - TCP:{B4}:9000")
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    recs = nt.records()
    http = find_flow(recs, 6, A4, B4, 8080)
    assert http and http[-1]["network"]["protocol"] == "http"
    dns = find_flow(recs, 17, A4, B4, 53)
    assert dns and dns[-1]["network"]["protocol"] == "dns"
    other = find_flow(recs, 6, A4, B4, 9000)
    assert other and "protocol" not in other[-1]["network"]
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    c = hb["nettrail"]["heartbeat"]["counters"]
    assert c["dns_messages"] == 2 and c["dns_parse_errors"] == 0
    assert c["payload_samples"] >= 4 and c["payload_samples_lost"] == 0


def dnsmasq(topo, ns):
    topo.spawn(ns, "dnsmasq", "--no-daemon", "--port=53", f"--listen-address={B4}",
               "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/example.test/",
               f"--host-record=svc.example.test,{B4},{B6}",
               "--cname=alias.example.test,svc.example.test",
               "--mx-host=example.test,mail.example.test,10",
               "--txt-record=example.test,v=spf1 -all",
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(topo, ns, 53, udp=True)


def test_dns_records_and_names_on_flows(topo, tmp_path):
    a, b = pair(topo)
    dnsmasq(topo, b)
    topo.spawn(b, "socat", "-u", "TCP-LISTEN:7000,reuseaddr,fork", "OPEN:/dev/null",
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(topo, b, 7000)
    nt = Sensor(topo, a, tmp_path / "out.jsonl", "-i", "va", "--heartbeat", "0")

    def dig(*args):
        return topo.run(a, "dig", "+tries=1", "+time=2", f"@{B4}", *args).stdout

    assert "svc.example.test." in dig("alias.example.test", "A")
    assert "fd00:201::2" in dig("+tcp", "svc.example.test", "AAAA")
    assert "mail.example.test." in dig("example.test", "MX")
    assert "v=spf1" in dig("example.test", "TXT")
    assert "NXDOMAIN" in dig("nope.example.test", "A")
    # a connection to the address just resolved
    topo.run(a, "sh", "-c", f"echo hi | socat -u - TCP:{B4}:7000")
    assert nt.stop() == 0, nt.stderr
    validate(nt.out)
    recs = nt.records()
    dns = {(r["dns"]["question"]["name"], r["dns"]["question"]["type"]): r
           for r in recs if r["event"]["dataset"] == "nettrail.dns"}
    assert set(dns) == {("alias.example.test", "A"), ("svc.example.test", "AAAA"),
                        ("example.test", "MX"), ("example.test", "TXT"),
                        ("nope.example.test", "A")}, set(dns)
    r = dns[("alias.example.test", "A")]
    assert r["dns"]["type"] == "answer" and r["dns"]["response_code"] == "NOERROR"
    assert [(x["name"], x["type"], x["data"]) for x in r["dns"]["answers"]] == [
        ("alias.example.test", "CNAME", "svc.example.test"),
        ("svc.example.test", "A", B4)]
    assert r["dns"]["resolved_ip"] == [B4]
    assert set(r["dns"]["header_flags"]) >= {"RD", "RA"} or set(r["dns"]["header_flags"]) >= {"RD"}
    assert 0 < r["event"]["duration"] < 1_000_000_000
    assert r["source"]["ip"] == A4 and r["destination"] == {"ip": B4, "port": 53}
    assert r["network"]["transport"] == "udp"
    r = dns[("svc.example.test", "AAAA")]
    assert r["network"]["transport"] == "tcp" and r["dns"]["resolved_ip"] == [B6]
    assert dns[("example.test", "MX")]["dns"]["answers"][0]["data"] == "10 mail.example.test"
    assert dns[("example.test", "TXT")]["dns"]["answers"][0]["data"] == '"v=spf1 -all"'
    nx = dns[("nope.example.test", "A")]
    assert nx["dns"]["response_code"] == "NXDOMAIN" and "answers" not in nx["dns"]
    # the later flow to the resolved address is named by the question asked
    fl = find_flow(recs, 6, A4, B4, 7000)
    assert fl and fl[-1]["destination"]["domain"] == "alias.example.test"
    hb = [x for x in recs if x["event"]["dataset"] == "nettrail.heartbeat"][-1]
    assert hb["nettrail"]["heartbeat"]["counters"]["dns_messages"] == 10
