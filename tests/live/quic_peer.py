"""A QUIC client or server on aioquic (PyPI, fetched by test_quic.py into
$HOME/.cache/nettrail), for the live QUIC tests: the client controls what
its ClientHello holds (SNI, a list of ALPN values, the version, aioquic's
1200-byte "quantum readiness" transport parameter that makes a hello as
large as a post-quantum one), the server can demand a Retry.

  quic_peer.py server HOST PORT CERT KEY [--retry] [--alpn A,B]
  quic_peer.py client HOST PORT --sni NAME --alpn A,B [--version 1|2] [--big]

The client exits 0 once the handshake completed and prints the ALPN the
server chose; the server runs until it is killed.
"""
import argparse
import asyncio
import ssl
import sys

from aioquic.asyncio import connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.packet import QuicProtocolVersion

VERSIONS = {"1": QuicProtocolVersion.VERSION_1, "2": QuicProtocolVersion.VERSION_2}


async def server(a):
    cfg = QuicConfiguration(is_client=False, alpn_protocols=a.alpn.split(","))
    cfg.load_cert_chain(a.cert, a.key)
    await serve(a.host, a.port, configuration=cfg, retry=a.retry)
    print("listening", flush=True)
    await asyncio.Future()


async def client(a):
    cfg = QuicConfiguration(is_client=True, alpn_protocols=a.alpn.split(","),
                            server_name=a.sni, verify_mode=ssl.CERT_NONE,
                            quantum_readiness_test=a.big)
    cfg.original_version = VERSIONS[a.version]
    cfg.supported_versions = [VERSIONS[a.version]]
    async with connect(a.host, a.port, configuration=cfg) as c:
        await asyncio.wait_for(c.ping(), 5)
        print(c._quic.tls.alpn_negotiated, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("cert", nargs="?")
    p.add_argument("key", nargs="?")
    p.add_argument("--retry", action="store_true")
    p.add_argument("--alpn", default="h3")
    p.add_argument("--sni")
    p.add_argument("--version", default="1", choices=sorted(VERSIONS))
    p.add_argument("--big", action="store_true")
    a = p.parse_args()
    try:
        asyncio.run(asyncio.wait_for(client(a), 10) if a.mode == "client" else server(a))
    except Exception as e:  # one line, as every tool here
        print(f"quic_peer: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
