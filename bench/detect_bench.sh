#!/usr/bin/env bash
# The detector's throughput and memory (make bench runs it; docs/BENCHMARKS.md
# has the figures): a million flow records over one hour of event time (plus
# DNS and heartbeats, bench/gen_detect_records.py, generated once into
# build/bench), read from a file by build/nettrail-detect pinned to one core,
# RUNS times (default 3), once per memory cap in CAPS (MiB, default "256 64":
# the default cap and a smaller one). With BASE_BIN (another build of
# nettrail-detect, e.g. from main), each run alternates the two binaries, so a
# shared machine's load falls on both alike. One JSON line per run: binary,
# cap, records, seconds (wall, user, system), records per CPU second, peak RSS
# (ru_maxrss: VmHWM), the state store's peak bytes and evictions from the
# final heartbeat, and RSS over the cap.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
mkdir -p "$B"
FLOWS=${FLOWS:-1000000}
DATA=$B/detect-$FLOWS.jsonl
make -s build/nettrail-detect
[ -s "$DATA" ] || python3 bench/gen_detect_records.py "$DATA" --flows "$FLOWS" --seed 1 >&2
CPU=${CPU:-1}
BINS="build/nettrail-detect"
[ -n "${BASE_BIN:-}" ] && BINS="$BASE_BIN $BINS"
for i in $(seq "${RUNS:-3}"); do
	for cap in ${CAPS:-256 64}; do
		for bin in $BINS; do
			python3 - "$DATA" "$CPU" "$bin" "$cap" <<'PY'
import json, resource, subprocess, sys, time
data, cpu, binary, cap = sys.argv[1:5]
t0 = time.time()
p = subprocess.run(["taskset", "-c", cpu, binary, "--input", "file:" + data,
                    "--memory-cap", cap], capture_output=True, text=True, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)  # this python's only child
wall = time.time() - t0
cpu_s = r.ru_utime + r.ru_stime
hb = json.loads(p.stdout.splitlines()[-1])["nettrail"]["detect"]
lines = hb["counters"]["lines"]
rss = r.ru_maxrss * 1024
print(json.dumps({"case": "detect-file", "binary": binary, "cap_mib": int(cap), "records": lines,
                  "flows": hb["counters"]["flow_records"], "wall_s": round(wall, 2),
                  "user_s": round(r.ru_utime, 2), "sys_s": round(r.ru_stime, 2),
                  "records_per_cpu_s": round(lines / cpu_s),
                  "max_rss_mib": round(rss / 1048576, 1),
                  "rss_over_cap_mib": round(rss / 1048576 - int(cap), 1),
                  "state_peak_mib": round(hb["gauges"]["state_peak_bytes"] / 1048576, 1),
                  "state_evictions": hb["counters"]["state_evictions"],
                  "alerts": hb["counters"]["alerts"]}))
PY
		done
	done
done
