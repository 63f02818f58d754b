#!/usr/bin/python3
"""Turn the DNS, TLS and QUIC fuzz seed corpora into an Ethernet pcap for --pcap replay.

usage: corpus_to_pcap.py OUT.pcap [--corpus DIR] [--mutations N] [--seed S]
                         [--expect FILE]

Every corpus file becomes traffic between 10.77.0.1 (client) and 10.77.0.53
(server), one flow per file, each with its own client port:

  dns_msg/<name>       one UDP datagram client -> 53; files starting r_
                       (responses) go from 53 back to the client.
  dns_msg/tcp_<name>   a TCP connection to port 53: SYN, SYN+ACK, ACK, the
                       stream as one data segment, FIN, FIN, ACK. The stream
                       is the file when its 2-byte length prefixes frame it
                       exactly (tcp_stream_*), otherwise the file is one bare
                       message and gets its prefix here (tcp_q_*, tcp_r_*).
                       tcp_r_* and tcp_stream_server are sent by the server.
  tls_hello/<name>     a TCP connection to port 443: handshake, the bytes
                       from the client (from the server for sh_*) in two
                       segments split at the middle, FIN, FIN, ACK.
  quic/<name>          UDP datagrams to port 443: the seed's raw client
                       datagrams (fuzz_quic.c chunks of kind 0) from the
                       client, its raw server ones (kind 1, a Retry) back;
                       the chunks the fuzzer seals itself are left out.

Then, for every file, N mutated copies (default 20; seeded PRNG, fixed
default seed) are sent the same way: byte flips, truncations and corrupted
length fields (DNS header counts, label lengths, RDLENGTH, the TCP length
prefix; TLS record, handshake, session id, cipher suite, compression,
extension block and extension lengths; QUIC connection ID lengths and the
Initial's Length), one to three per copy.

IPv4 header, UDP and TCP checksums are correct, sequence numbers follow the
bytes sent, timestamps are 1 ms apart. Prints one JSON line: packets, flows,
dns_datagrams, tls_streams, quic_datagrams (and dns_tcp_streams, mutated,
seed).

--expect FILE writes one JSON line per well-formed DNS query among the
unmutated seeds (QR 0, one question, an uncompressed name): transport, the
client port, id and question name, for checking the sensor's DNS records.
Standard library only.
"""
import argparse
import json
import random
import struct
import sys
from pathlib import Path

CLIENT_IP = bytes([10, 77, 0, 1])
SERVER_IP = bytes([10, 77, 0, 53])
CLIENT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000035")
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
FIRST_PORT = 20000
DEFAULT_SEED = 0x4E54


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    """Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.usec = 1_700_000_000 * 1_000_000
        self.packets = 0
        self.ip_id = 1

    def close(self):
        self.f.close()

    def ip(self, src_is_client, proto, l4):
        src, dst = (CLIENT_IP, SERVER_IP) if src_is_client else (SERVER_IP, CLIENT_IP)
        smac, dmac = (CLIENT_MAC, SERVER_MAC) if src_is_client else (SERVER_MAC, CLIENT_MAC)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), self.ip_id & 0xFFFF,
                          0x4000, 64, proto, 0, src, dst)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        self.ip_id += 1
        frame = dmac + smac + b"\x08\x00" + hdr + l4
        self.f.write(struct.pack("<IIII", self.usec // 1_000_000, self.usec % 1_000_000,
                                 len(frame), len(frame)))
        self.f.write(frame)
        self.usec += 1000  # 1 ms apart
        self.packets += 1

    @staticmethod
    def pseudo(src_is_client, proto, length):
        src, dst = (CLIENT_IP, SERVER_IP) if src_is_client else (SERVER_IP, CLIENT_IP)
        return src + dst + struct.pack("!BBH", 0, proto, length)

    def udp(self, src_is_client, cport, sport, payload):
        a, b = (cport, sport) if src_is_client else (sport, cport)
        l4 = struct.pack("!HHHH", a, b, 8 + len(payload), 0) + payload
        c = csum(self.pseudo(src_is_client, 17, len(l4)) + l4) or 0xFFFF
        self.ip(src_is_client, 17, l4[:6] + struct.pack("!H", c) + l4[8:])

    def tcp(self, src_is_client, cport, sport, seq, ack, flags, payload=b""):
        a, b = (cport, sport) if src_is_client else (sport, cport)
        l4 = struct.pack("!HHIIBBHHH", a, b, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         5 << 4, flags, 64240, 0, 0) + payload
        c = csum(self.pseudo(src_is_client, 6, len(l4)) + l4)
        self.ip(src_is_client, 6, l4[:16] + struct.pack("!H", c) + l4[18:])


def tcp_connection(pc, rng, cport, sport, segments, from_client):
    """Handshake, the segments from one side, FIN from each side, last ACK."""
    cseq, sseq = rng.getrandbits(32), rng.getrandbits(32)
    pc.tcp(True, cport, sport, cseq, 0, SYN)
    cseq += 1
    pc.tcp(False, cport, sport, sseq, cseq, SYN | ACK)
    sseq += 1
    pc.tcp(True, cport, sport, cseq, sseq, ACK)
    for seg in segments:
        if from_client:
            pc.tcp(True, cport, sport, cseq, sseq, PSH | ACK, seg)
            cseq += len(seg)
        else:
            pc.tcp(False, cport, sport, sseq, cseq, PSH | ACK, seg)
            sseq += len(seg)
    pc.tcp(True, cport, sport, cseq, sseq, FIN | ACK)
    cseq += 1
    pc.tcp(False, cport, sport, sseq, cseq, FIN | ACK)
    sseq += 1
    pc.tcp(True, cport, sport, cseq, sseq, ACK)


# ---- where the length fields are ------------------------------------------

def dns_name_fields(b, off, out):
    """Label length offsets of the name at off; returns the offset after it."""
    for _ in range(128):
        if off >= len(b):
            return None
        n = b[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n & 0xC0:
            return None
        out.append((off, 1))
        off += 1
        if n == 0:
            return off
        off += n
    return None


def dns_length_fields(b, base=0):
    """(offset, size) of the length/count fields of the DNS message at base."""
    out = [(base + o, 2) for o in (4, 6, 8, 10)]
    if len(b) < base + 12:
        return out
    qd, an, ns, ar = struct.unpack_from("!HHHH", b, base + 4)
    off = base + 12
    for _ in range(min(qd, 8)):
        off = dns_name_fields(b, off, out)
        if off is None:
            return out
        off += 4
    for _ in range(min(an + ns + ar, 64)):
        off = dns_name_fields(b, off, out)
        if off is None or off + 10 > len(b):
            return out
        out.append((off + 8, 2))
        off += 10 + struct.unpack_from("!H", b, off + 8)[0]
    return out


def dns_tcp_frames(b):
    """Message offsets when 2-byte length prefixes frame b exactly, else None."""
    off, starts = 0, []
    while off + 2 <= len(b):
        n = struct.unpack_from("!H", b, off)[0]
        if n == 0 or off + 2 + n > len(b):
            return None
        starts.append(off + 2)
        off += 2 + n
    return starts if off == len(b) and starts else None


def tls_length_fields(b):
    """(offset, size) of the length fields of a TLS ClientHello/ServerHello record."""
    out = [(3, 2), (6, 3)]
    if len(b) < 44 or b[5] not in (1, 2):
        return out
    client = b[5] == 1
    off = 43
    out.append((off, 1))                      # session id
    off += 1 + b[off]
    if client:
        if off + 2 > len(b):
            return out
        out.append((off, 2))                  # cipher suites
        off += 2 + struct.unpack_from("!H", b, off)[0]
        if off + 1 > len(b):
            return out
        out.append((off, 1))                  # compression methods
        off += 1 + b[off]
    else:
        off += 3                              # cipher, compression
    if off + 2 > len(b):
        return out
    out.append((off, 2))                      # extensions block
    off += 2
    while off + 4 <= len(b):
        etype, elen = struct.unpack_from("!HH", b, off)
        out.append((off + 2, 2))
        body = off + 4
        if etype in (0, 10, 13, 16, 43, 45, 51) and body + 2 <= len(b):
            # inner list lengths: SNI, groups, sigalgs, ALPN, versions, ...
            out.append((body, 2 if etype not in (43, 45) or not client else 1))
        off = body + elen
    return out


def quic_chunks(b):
    """The raw datagrams of a fuzz_quic seed: (from_client, bytes)."""
    out, i = [], 1
    while i + 3 <= len(b):
        kind, n = b[i], struct.unpack_from("!H", b, i + 1)[0]
        data = b[i + 3:i + 3 + n]
        i += 3 + n
        if kind & 3 in (0, 1):
            out.append(((kind & 3) == 0, data))
    return out


def quic_length_fields(b):
    """A long header's DCID and SCID lengths and (no token) its Length."""
    if len(b) < 7:
        return [(0, 1)]
    fields = [(5, 1)]
    s = 6 + b[5]
    if s < len(b):
        fields.append((s, 1))
        t = s + 1 + b[s]
        if t + 3 <= len(b) and b[t] == 0:
            fields.append((t + 1, 2))
    return fields


# ---- mutations ------------------------------------------------------------

def corrupt(b, fields, rng):
    off, size = rng.choice(fields)
    if off + size > len(b):
        return b
    old = int.from_bytes(b[off:off + size], "big")
    top = (1 << (8 * size)) - 1
    new = rng.choice([0, 1, top, top >> 1, old + 1, old - 1, old * 2, old + rng.randint(2, 64),
                      old - rng.randint(2, 64), rng.randint(0, top)]) & top
    if new == old:
        new = (old ^ (1 << rng.randrange(8 * size))) & top
    return b[:off] + new.to_bytes(size, "big") + b[off + size:]


def mutate(b, fields, rng):
    b = bytearray(b)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(3)
        if op == 0:                                    # byte flips
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(b))
                b[i] ^= rng.randint(1, 255)
        elif op == 1 and len(b) > 1:                   # truncation
            b = b[:rng.randint(1, len(b) - 1)]
        else:                                          # a length field
            b = bytearray(corrupt(bytes(b), fields, rng))
    return bytes(b) if b else b"\0"


# ---- the capture ----------------------------------------------------------

def dns_query_expectation(b):
    """(id, name) when b is a well-formed single-question query, else None."""
    if len(b) < 12:
        return None
    qid, flags, qd, an = struct.unpack_from("!HHHH", b, 0)
    if flags & 0x8000 or qd != 1 or an:
        return None
    labels, off = [], 12
    while off < len(b) and b[off]:
        n = b[off]
        if n & 0xC0 or off + 1 + n > len(b):
            return None
        # presentation format as dns_msg.h writes it: a byte outside
        # 0x21..0x7e, '.' or '\\' as \\DDD (a tunnel's binary labels)
        labels.append("".join(chr(c) if 0x20 < c < 0x7f and c not in (0x2e, 0x5c)
                              else f"\\{c:03d}" for c in b[off + 1:off + 1 + n]))
        off += 1 + n
    if off + 5 > len(b) or not labels:
        return None
    return qid, ".".join(labels)


def main():
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--corpus", default=str(root / "tests" / "fuzz" / "corpus"))
    ap.add_argument("--mutations", type=int, default=20)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--expect", help="write the well-formed queries here (JSON lines)")
    a = ap.parse_args()

    corpus = Path(a.corpus)
    dns_files = sorted(p for p in (corpus / "dns_msg").iterdir() if p.is_file())
    tls_files = sorted(p for p in (corpus / "tls_hello").iterdir() if p.is_file())
    if not dns_files or not tls_files:
        sys.exit(f"corpus_to_pcap: no seeds under {corpus}/dns_msg or {corpus}/tls_hello")

    rng = random.Random(a.seed)
    pc = Pcap(a.out)
    port = FIRST_PORT
    st = {"packets": 0, "flows": 0, "dns_datagrams": 0, "dns_tcp_streams": 0,
          "tls_streams": 0, "quic_datagrams": 0, "mutated": 0, "seed": a.seed}
    expect = []

    def next_port():
        nonlocal port
        p = port
        port += 1
        if port > 65535:
            sys.exit("corpus_to_pcap: out of client ports")
        return p

    for path in dns_files:
        raw, name = path.read_bytes(), path.name
        if not raw:
            continue
        if name.startswith("tcp_"):
            starts = dns_tcp_frames(raw)
            stream = raw if starts else struct.pack("!H", len(raw)) + raw
            starts = starts or [2]
            fields = [(s - 2, 2) for s in starts]
            for s in starts:
                fields += dns_length_fields(stream, s)
            from_client = not (name.startswith("tcp_r_") or name.endswith("_server"))
            for i in range(1 + a.mutations):
                data = stream if i == 0 else mutate(stream, fields, rng)
                cport = next_port()
                tcp_connection(pc, rng, cport, 53, [data], from_client)
                st["dns_tcp_streams"] += 1
                st["flows"] += 1
                if i == 0 and from_client:
                    for s in starts:
                        n = struct.unpack_from("!H", stream, s - 2)[0]
                        q = dns_query_expectation(stream[s:s + n])
                        if q:
                            expect.append({"file": name, "transport": "tcp", "port": cport,
                                           "id": q[0], "name": q[1]})
        else:
            fields = dns_length_fields(raw)
            from_client = not name.startswith("r_")
            for i in range(1 + a.mutations):
                data = raw if i == 0 else mutate(raw, fields, rng)
                cport = next_port()
                pc.udp(from_client, cport, 53, data)
                st["dns_datagrams"] += 1
                st["flows"] += 1
                if i == 0 and from_client:
                    q = dns_query_expectation(raw)
                    if q:
                        expect.append({"file": name, "transport": "udp", "port": cport,
                                       "id": q[0], "name": q[1]})
        st["mutated"] += a.mutations

    for path in tls_files:
        raw, name = path.read_bytes(), path.name
        if not raw:
            continue
        fields = tls_length_fields(raw)
        from_client = not name.startswith("sh_")
        for i in range(1 + a.mutations):
            data = raw if i == 0 else mutate(raw, fields, rng)
            mid = len(data) // 2
            segs = [data[:mid], data[mid:]] if mid else [data]
            tcp_connection(pc, rng, next_port(), 443, segs, from_client)
            st["tls_streams"] += 1
            st["flows"] += 1
        st["mutated"] += a.mutations

    quic_dir = corpus / "quic"
    for path in sorted(quic_dir.iterdir()) if quic_dir.is_dir() else []:
        chunks = quic_chunks(path.read_bytes())
        if not chunks:
            continue
        for i in range(1 + a.mutations):
            cport = next_port()
            for from_client, data in chunks:
                if i:
                    data = mutate(data, quic_length_fields(data), rng)
                pc.udp(from_client, cport, 443, data)
                st["quic_datagrams"] += 1
            st["flows"] += 1
        st["mutated"] += a.mutations

    pc.close()
    st["packets"] = pc.packets
    if a.expect:
        with open(a.expect, "w") as f:
            for e in expect:
                f.write(json.dumps(e) + "\n")
    print(json.dumps(st))


if __name__ == "__main__":
    main()
