#!/usr/bin/env python3
"""Generates docs/metrics.md and the counters/gauges sections of
docs/schema/heartbeat.schema.json from the counter registry
(user/counters.def), as `nettrail --list-metrics` prints it.

  tools/gen_metrics.py [--check] [NETTRAIL]

--check writes nothing and exits 1 when either file differs from what the
registry gives (make test runs it, so the docs cannot drift)."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "schema" / "heartbeat.schema.json"
DOC = ROOT / "docs" / "metrics.md"


def registry(binary):
    out = subprocess.run([binary, "--list-metrics"], check=True, capture_output=True,
                         text=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    return [(k, n, h) for k, n, h in rows]


def schema_text(rows):
    s = json.loads(SCHEMA.read_text())
    hb = s["properties"]["nettrail"]["properties"]["heartbeat"]
    for kind, key, desc in (("counter", "counters", "cumulative since start"),
                            ("gauge", "gauges", "values now")):
        names = [(n, h) for k, n, h in rows if k == kind]
        hb["properties"][key] = {
            "description": f"{desc}; generated from user/counters.def (tools/gen_metrics.py)",
            "type": "object", "additionalProperties": False,
            "required": [n for n, _ in names],
            "properties": {n: {"$ref": "#/$defs/count", "description": h} for n, h in names},
        }
    if "gauges" not in hb["required"]:
        hb["required"].append("gauges")
    return json.dumps(s, indent=2, ensure_ascii=False) + "\n"


def doc_text(rows):
    out = ["# Counters and gauges", "",
           "Generated from the registry in `user/counters.def` by `tools/gen_metrics.py`;",
           "`nettrail --list-metrics` prints the same list. Every counter is in the",
           "heartbeat record (`nettrail.heartbeat.counters.<name>`) and on `/metrics`",
           "(`nettrail_<name>_total`); every gauge in `nettrail.heartbeat.gauges.<name>`",
           "and `nettrail_<name>`. Counters are cumulative since start; a loss of any",
           "kind (map full, ring full, queue full, parse failure, eviction) has one.", ""]
    for kind, title in (("counter", "Counters"), ("gauge", "Gauges")):
        out += [f"## {title}", "", "| name | meaning |", "|---|---|"]
        out += [f"| `{n}` | {h} |" for k, n, h in rows if k == kind]
        out.append("")
    return "\n".join(out)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    binary = args[0] if args else str(ROOT / "build" / "nettrail")
    rows = registry(binary)
    want = {SCHEMA: schema_text(rows), DOC: doc_text(rows)}
    if "--check" in sys.argv:
        stale = [str(p.relative_to(ROOT)) for p, t in want.items()
                 if not p.exists() or p.read_text() != t]
        if stale:
            print(f"out of date with user/counters.def: {', '.join(stale)} "
                  "(run tools/gen_metrics.py)")
            return 1
        print(f"{len(rows)} metrics: docs/metrics.md and the heartbeat schema match the registry")
        return 0
    for p, t in want.items():
        p.write_text(t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
