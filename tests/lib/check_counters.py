#!/usr/bin/env python3
"""Every counter a module keeps reaches the heartbeat and /metrics.

Each field of each module's stats struct (struct nt_<module>_stats in
user/*.h) must be read by user/telemetry.c, which fills the registry's
snapshot (user/counters.h); and every registry entry must be filled there.
A counter collected and never reported fails this check."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
USER = ROOT / "user"
tele = (USER / "telemetry.c").read_text()
reg = (USER / "counters.h").read_text() + (ROOT / "include" / "nettrail.h").read_text()
failed = passed = 0


def check(ok, what):
    global failed, passed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def fields(body):
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    out = []
    for decl in body.split(";"):
        decl = decl.strip()
        m = re.match(r"(?:const\s+)?(?:unsigned|int|uint\d+_t|__u\d+|size_t)\s+(.*)", decl, re.S)
        if m:
            out += [n.strip().lstrip("*") for n in m.group(1).split(",") if n.strip()]
    return out


# stats folded into another module's before telemetry.c reads them
VIA = {"nt_spool_stats": ("sink/kafka.c", "ss->")}
# fields that are not counters or gauges
NOT_METRICS = {("nt_replay_stats", "first_ns"), ("nt_replay_stats", "last_ns"),
               ("nt_sink_stats", "last_errno")}

for h in sorted(USER.rglob("*.h")):
    for m in re.finditer(r"struct (nt_\w+_stats) \{(.*?)\n\};", h.read_text(), re.S):
        where, ref = VIA.get(m.group(1), ("telemetry.c", "s->"))
        text = (USER / where).read_text()
        for f in fields(m.group(2)):
            if (m.group(1), f) in NOT_METRICS:
                continue
            check(re.search(rf"{re.escape(ref)}{re.escape(f)}\b", text),
                  f"{h.relative_to(ROOT)}: {m.group(1)}.{f} is never read by user/{where}")

ids_c = re.findall(r"\bC\(([A-Z0-9_]+), \"", reg)
ids_g = re.findall(r"\bG\(([A-Z0-9_]+), \"", reg)
for i in ids_c:
    check(f"NT_C_{i}]" in tele, f"counter {i} is never filled in user/telemetry.c")
for i in ids_g:
    check(f"NT_G_{i}]" in tele, f"gauge {i} is never filled in user/telemetry.c")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
