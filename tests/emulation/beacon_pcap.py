#!/usr/bin/env python3
"""A day-long capture for the beacon scenario, written as a classic pcap.

    beacon_pcap.py OUT.pcap BEACON_SRC NODE POD

- BEACON_SRC -> 198.51.100.77:443 every 300 s with uniform +-15 s jitter, for
  24 h: a TCP connection each time (handshake, 180 bytes up, 420 down, FIN);
- NODE -> POD:8080 every 10 s (kubelet-style probes): a short HTTP exchange.
Timestamps start at 2026-11-23T00:00:00Z; the seed is fixed, so the file is
always the same. IPv4 and TCP checksums are correct.
"""
import random
import socket
import struct
import sys

T0 = 1795392000  # 2026-11-23T00:00:00Z


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(src, dst, sport, dport, seq, ack, flags, data=b""):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    c = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp


def conversation(t, cli, srv, sport, dport, up, down):
    """(time, frame) of one clean TCP connection starting at t."""
    S, A, P, F = 0x02, 0x10, 0x08, 0x01
    c, s = 1000, 5000
    out = [(t, packet(cli, srv, sport, dport, c, 0, S)),
           (t + 0.001, packet(srv, cli, dport, sport, s, c + 1, S | A)),
           (t + 0.002, packet(cli, srv, sport, dport, c + 1, s + 1, A)),
           (t + 0.003, packet(cli, srv, sport, dport, c + 1, s + 1, P | A, b"x" * up)),
           (t + 0.010, packet(srv, cli, dport, sport, s + 1, c + 1 + up, P | A, b"y" * down)),
           (t + 0.011, packet(cli, srv, sport, dport, c + 1 + up, s + 1 + down, F | A)),
           (t + 0.012, packet(srv, cli, dport, sport, s + 1 + down, c + 2 + up, F | A)),
           (t + 0.013, packet(cli, srv, sport, dport, c + 2 + up, s + 2 + down, A))]
    return out


def main():
    path, beacon, node, pod = sys.argv[1:5]
    rnd = random.Random(15)
    frames = []
    for i in range(288):
        t = T0 + 300 * i + rnd.uniform(-15, 15) + 30
        frames += conversation(t, beacon, "198.51.100.77", 40000 + i, 443, 180, 420)
    for i in range(8640):
        frames += conversation(T0 + 10 * i + 1, node, pod, 20000 + i % 30000, 8080, 90, 160)
    frames.sort(key=lambda f: f[0])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, fr in frames:
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(fr), len(fr)) + fr)


if __name__ == "__main__":
    main()
