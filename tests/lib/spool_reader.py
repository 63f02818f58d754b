#!/usr/bin/python3
"""Reads a nettrail spool directory (user/sink/spool.c, docs/kafka.md) without
nettrail: which segments, which blocks (offsets, record counts, whether they
pass their checks) and which records (type, key, nettrail.record_id), so a
test knows exactly what a spool holds and where its block boundaries are.

    segment = "NTSPOOL\\x01" block*
    block   = header(32 bytes: 8 little-endian u32: magic 0x4e54534b, nrec,
              raw_len, comp_len, crc32(compressed), flags, rsvd,
              crc32(first 28 header bytes)) + comp_len bytes of zlib data
    record  = u32 len, u32 crc32(next len bytes), u8 type, u16 klen,
              u32 vlen, key, value

usage: spool_reader.py DIR      (one line per block, then a summary)

Nothing here trusts the bytes: a block that fails a check is reported with
its reason and its records are not listed, as nettrail would skip it.
"""
import json
import os
import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FILE_MAGIC = b"NTSPOOL\x01"
FILE_HDR = 8
BLK_MAGIC = 0x4E54534B
BLK_HDR = 32
REC_HDR = 15
TYPES = {0: "flow", 1: "dns", 2: "heartbeat"}


@dataclass
class Record:
    type: int
    key: bytes
    value: bytes

    @property
    def type_name(self):
        return TYPES.get(self.type, str(self.type))

    @property
    def json(self):
        return json.loads(self.value)

    @property
    def record_id(self):
        try:
            return self.json["nettrail"]["record_id"]
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class Block:
    segment: Path
    offset: int             # of the 32-byte header in the segment file
    nrec: int               # as the header says
    raw_len: int
    comp_len: int
    error: str = None       # None when the block passes every check
    records: list = field(default_factory=list)

    @property
    def end(self):
        """Offset just past the block (header + compressed bytes)."""
        return self.offset + BLK_HDR + self.comp_len

    @property
    def payload_offset(self):
        return self.offset + BLK_HDR

    @property
    def ok(self):
        return self.error is None

    @property
    def record_ids(self):
        return [r.record_id for r in self.records]


@dataclass
class Segment:
    path: Path
    size: int
    error: str = None
    blocks: list = field(default_factory=list)

    @property
    def id(self):
        return int(self.path.name[:16], 16)

    @property
    def records(self):
        return [r for b in self.blocks for r in b.records]


def _parse_records(raw, nrec):
    """The records of a decompressed block; (records, error)."""
    out, off = [], 0
    while len(out) < nrec and off + REC_HDR <= len(raw):
        rlen, crc = struct.unpack_from("<II", raw, off)
        if rlen < 7 or rlen > len(raw) - off - 8:
            return out, f"record {len(out)} at {off}: bad length {rlen}"
        body = raw[off + 8:off + 8 + rlen]
        off += 8 + rlen
        if zlib.crc32(body) != crc:
            return out, f"record at {off - 8 - rlen}: bad CRC"
        typ, klen, vlen = struct.unpack_from("<BHI", body, 0)
        if 7 + klen + vlen != rlen:
            return out, f"record at {off - 8 - rlen}: lengths disagree"
        out.append(Record(typ, bytes(body[7:7 + klen]), bytes(body[7 + klen:])))
    if len(out) != nrec:
        return out, f"{len(out)} records of {nrec}"
    if off != len(raw):
        return out, f"{len(raw) - off} bytes after the last record"
    return out, None


def _resync(data, frm):
    """The next offset holding a valid block header (as nettrail resyncs)."""
    magic = struct.pack("<I", BLK_MAGIC)
    off = data.find(magic, frm)
    while off >= 0 and off + BLK_HDR <= len(data):
        if struct.unpack_from("<I", data, off + 28)[0] == zlib.crc32(data[off:off + 28]):
            return off
        off = data.find(magic, off + 1)
    return None


def read_segment(path):
    """Every block of one segment, in file order (a Block with error for
    each that fails a check; after a damaged header, reading resumes at the
    next valid header, as nettrail does)."""
    path = Path(path)
    data = path.read_bytes()
    seg = Segment(path, len(data))
    if data[:FILE_HDR] != FILE_MAGIC:
        seg.error = "not a spool segment"
        return seg
    off = FILE_HDR
    while off < len(data):
        if off + BLK_HDR > len(data):
            seg.blocks.append(Block(path, off, 0, 0, 0, "truncated header"))
            break
        h = struct.unpack_from("<8I", data, off)
        magic, nrec, raw_len, comp_len, crc, _flags, _rsvd, hcrc = h
        if magic != BLK_MAGIC or hcrc != zlib.crc32(data[off:off + 28]):
            seg.blocks.append(Block(path, off, nrec, raw_len, comp_len, "damaged header"))
            nxt = _resync(data, off + 1)
            if nxt is None:
                break
            off = nxt
            continue
        b = Block(path, off, nrec, raw_len, comp_len)
        seg.blocks.append(b)
        payload = data[off + BLK_HDR:off + BLK_HDR + comp_len]
        if len(payload) < comp_len:
            b.error = "truncated block"
            break
        off = b.end
        if zlib.crc32(payload) != crc:
            b.error = "payload CRC"
            continue
        try:
            raw = zlib.decompress(payload)
        except zlib.error as e:
            b.error = f"zlib: {e}"
            continue
        if len(raw) != raw_len:
            b.error = f"raw length {len(raw)} != {raw_len}"
            continue
        b.records, b.error = _parse_records(raw, nrec)
    return seg


def segment_paths(d):
    """<16 hex>.seg files, in the order nettrail reads them (lowest id first)."""
    out = []
    for name in os.listdir(d):
        if len(name) == 20 and name.endswith(".seg"):
            try:
                int(name[:16], 16)
            except ValueError:
                continue
            out.append(Path(d) / name)
    return sorted(out, key=lambda p: int(p.name[:16], 16))


def read_pos(seg_path):
    """The read position a clean shutdown saved (<id>.pos: "roff nread"),
    or None: blocks before it were delivered and are not sent again."""
    pos = Path(str(seg_path)[:-4] + ".pos")
    try:
        roff, _nread = pos.read_text().split()
        return int(roff)
    except (OSError, ValueError):
        return None


def read_spool(d):
    """Every segment of a spool directory, in read order."""
    return [read_segment(p) for p in segment_paths(d)]


def blocks(d, pending_only=True):
    """Blocks in read order; by default without those before a segment's
    saved read position (already delivered)."""
    out = []
    for s in read_spool(d):
        roff = read_pos(s.path) if pending_only else None
        out += [b for b in s.blocks if roff is None or b.offset >= roff]
    return out


def records(d):
    """The records of every valid block, in the order nettrail replays them."""
    return [r for b in blocks(d) if b.ok for r in b.records]


def record_ids(d):
    return [r.record_id for r in records(d)]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    total = 0
    for s in read_spool(argv[1]):
        print(f"{s.path.name} {s.size} bytes{' ' + s.error if s.error else ''}")
        for b in s.blocks:
            ids = b.record_ids
            span = f"{ids[0]} .. {ids[-1]}" if ids else ""
            print(f"  @{b.offset} nrec {b.nrec} comp {b.comp_len} raw {b.raw_len} "
                  f"{b.error or 'ok'} {span}")
            total += len(b.records)
    print(f"{total} readable records")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
