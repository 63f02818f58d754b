#!/usr/bin/env python3
"""Every counter a module keeps reaches the heartbeat and /metrics.

Each field of each module's stats struct (struct nt_<module>_stats in
user/**/*.h) must be in a row of the registry (user/counters.def: the row
names the field it is read from) or be derived in user/telemetry.c; and
every derived row (CX, GX) must be filled there. A counter collected and
never reported fails this check."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
USER = ROOT / "user"
tele = (USER / "telemetry.c").read_text()
table = (USER / "counters.def").read_text()
failed = passed = 0

# which stats struct each module's rows of counters.def are read from
MODULES = {"COLLECTOR": "nt_collector_stats", "REPLAY": "nt_replay_stats",
           "SINK": "nt_sink_stats", "PROCESS": "nt_telemetry_src",
           "PAYLOAD": "nt_payload_stats", "QUIC": "nt_quic_stats", "DNS": "nt_dns_stats", "KAFKA": "nt_kafka_stats",
           "K8S": "nt_k8s_stats", "ENRICH": "nt_enrich_stats", "SOCKATTR": "nt_sockattr_stats",
           "CAPTURE": "nt_capture_stats"}


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


# the fields each module's rows read, and the derived rows (CX, GX)
rows = {}
derived = []
for m in re.finditer(r"#define NT_METRICS_(\w+)\(C, G, CX, GX\)(.*?)(?=\n\n|\n/\*)", table, re.S):
    mod, body = m.group(1), m.group(2)
    if mod == "USER":
        continue
    check(mod in MODULES, f"counters.def: module {mod} has no stats struct in check_counters.py")
    rows[MODULES.get(mod)] = set(re.findall(r"\b[CG]\([A-Z0-9_]+, \"[^\"]*\", \"[^\"]*\", (\w+)\)", body))
    derived += re.findall(r"\b([CG])X\(([A-Z0-9_]+),", body)

# stats folded into another module's before telemetry.c reads them
VIA = {"nt_spool_stats": ("sink/kafka.c", "ss->")}
# fields that are not counters or gauges
NOT_METRICS = {("nt_replay_stats", "first_ns"), ("nt_replay_stats", "last_ns"),
               ("nt_sink_stats", "last_errno")}

for h in sorted(USER.rglob("*.h")):
    for m in re.finditer(r"struct (nt_\w+_stats) \{(.*?)\n\};", h.read_text(), re.S):
        name = m.group(1)
        for f in fields(m.group(2)):
            if (name, f) in NOT_METRICS:
                continue
            if name in VIA:
                where, ref = VIA[name]
                ok = re.search(rf"{re.escape(ref)}{re.escape(f)}\b", (USER / where).read_text())
                check(ok, f"{h.relative_to(ROOT)}: {name}.{f} is never read by user/{where}")
                continue
            ok = f in rows.get(name, ()) or re.search(rf"s->{re.escape(f)}\b", tele)
            check(ok, f"{h.relative_to(ROOT)}: {name}.{f} is in no row of user/counters.def "
                      "and not derived in user/telemetry.c")

for kind, i in derived:
    check(f"NT_{kind}_{i}]" in tele, f"derived {kind}X {i} is never filled in user/telemetry.c")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
