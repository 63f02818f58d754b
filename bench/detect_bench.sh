#!/usr/bin/env bash
# The detector's throughput and memory (make bench runs it; docs/BENCHMARKS.md
# has the figures): a million flow records over one hour of event time (plus
# DNS and heartbeats, bench/gen_detect_records.py, generated once into
# build/bench), read from a file by build/nettrail-detect pinned to one core,
# RUNS times (default 3). One JSON line per run: records, seconds (wall and
# user CPU), records per CPU second, max RSS, the state store's peak bytes and
# evictions from the final heartbeat.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
mkdir -p "$B"
FLOWS=${FLOWS:-1000000}
DATA=$B/detect-$FLOWS.jsonl
make -s build/nettrail-detect
[ -s "$DATA" ] || python3 bench/gen_detect_records.py "$DATA" --flows "$FLOWS" --seed 1 >&2
CPU=${CPU:-1}
for i in $(seq "${RUNS:-3}"); do
	python3 - "$DATA" "$CPU" <<'PY'
import json, resource, subprocess, sys, time
data, cpu = sys.argv[1], sys.argv[2]
t0 = time.time()
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
p = subprocess.run(["taskset", "-c", cpu, "build/nettrail-detect", "--input", "file:" + data],
                   capture_output=True, text=True, check=True)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
wall = time.time() - t0
user = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
hb = json.loads(p.stdout.splitlines()[-1])["nettrail"]["detect"]
lines = hb["counters"]["lines"]
print(json.dumps({"case": "detect-file", "records": lines,
                  "flows": hb["counters"]["flow_records"], "wall_s": round(wall, 2),
                  "cpu_s": round(user, 2), "records_per_cpu_s": round(lines / user),
                  "records_per_wall_s": round(lines / wall), "max_rss_mb": round(r1.ru_maxrss / 1024, 1),
                  "state_peak_mb": round(hb["gauges"]["state_peak_bytes"] / 1048576, 1),
                  "state_evictions": hb["counters"]["state_evictions"],
                  "alerts": hb["counters"]["alerts"]}))
PY
done
