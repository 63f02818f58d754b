#!/usr/bin/env bash
# bench/flood.sh - the node's packet rate under a SYN flood with a new
# 5-tuple on every packet, with and without nettrail, side by side.
#
#   bench/flood.sh            (root; part of make bench)
#   FLOOD_SECONDS=10 FLOOD_RUNS=3 FLOOD_ACCT_SECONDS=3 NETTRAIL=build/nettrail
#   FLOOD_NT_ARGS="..." (more nettrail options for every run)
#   FLOOD_BASE=path/to/other/nettrail (another build in every round:
#   without, base, NETTRAIL; a flood-ratio line for each build)
#   FLOOD_TC=0 (leave out the run with --attach tc, on by default: every
#   round also runs NETTRAIL attached through clsact, for the tcx/tc ratio)
#   FLOOD_PAIRS=20 FLOOD_PAIR_SECONDS=2 (then that many short rounds, in
#   the same order; 0: none)
#
# Two namespaces joined by a veth; hping3 floods SYNs to a closed port from
# one (a new source port each packet), the other's kernel answers each with
# a RST. The figure is the packets that cross the veth (rx + tx of the
# flooding side's end, `ip -s link`) per second. Runs alternate without and
# with nettrail (attached to that veth, records to /dev/null), FLOOD_RUNS
# each; the ratio is best with over best without. Then one accounting run
# per --max-flows (default and 4096): the records go to a file, and every
# packet the link counted must be in a record or in a loss counter of the
# final heartbeat. Prints one JSON line per run and per figure.
#
# A 10 s flood's rate moves by up to +-10% from one run to the next on a
# small VM, more than the difference being measured, so short rounds
# follow with a second figure per build: the median over the rounds of
# with / without in the same round ("flood-paired"), which a slow spell of
# the machine shifts for both sides of a round alike.
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${NETTRAIL:-build/nettrail}
SECS=${FLOOD_SECONDS:-10}
RUNS=${FLOOD_RUNS:-3}
ACCT_SECS=${FLOOD_ACCT_SECONDS:-3}
W=$(mktemp -d)
A=ntfl$$a
B=ntfl$$b
NTPID=

cleanup() {
	[ -n "$NTPID" ] && kill "$NTPID" 2>/dev/null && wait "$NTPID" 2>/dev/null
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" addr add 10.250.0.1/24 dev va
ip -n "$B" addr add 10.250.0.2/24 dev vb
for n in "$A" "$B"; do
	ip -n "$n" link set lo up
done
ip -n "$A" link set va up
ip -n "$B" link set vb up
ip netns exec "$A" ping -c 1 -W 2 10.250.0.2 >/dev/null # neighbours resolved

# packets the veth end in A saw: received + sent + refused on send (a packet
# the egress hook saw that the veth then dropped)
link_packets() {
	ip -n "$A" -s -j link show va | python3 -c \
		'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["rx"]["packets"]+s["tx"]["packets"]+s["tx"]["dropped"])'
}

# cpu seconds (user + system) of a live process
cpu_of() {
	awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"
}

# nettrail (pid) attached to va: its tcx links (fdinfo), or its clsact filter
attached() {
	grep -qs "link_type:.tcx" /proc/"$1"/fdinfo/* ||
		tc -n "$A" filter show dev va ingress 2>/dev/null | grep -q tc_ingress
}

nt_start() { # args: nettrail options (NTBIN: the build, $NT unless set)
	# shellcheck disable=SC2086
	ip netns exec "$A" "${NTBIN:-$NT}" -i va --heartbeat 0 ${FLOOD_NT_ARGS:-} "$@" 2>"$W/nt.err" &
	NTPID=$!
	for _ in $(seq 100); do
		ip -n "$A" link show va >/dev/null
		attached "$NTPID" && return 0
		sleep 0.05
	done
	echo "nettrail did not attach: $(cat "$W/nt.err")" >&2
	exit 1
}

nt_stop() {
	kill -TERM "$NTPID"
	wait "$NTPID" || true
	NTPID=
}

# floods for $1 seconds; prints the packets the link counted
flood() {
	local p0 p1
	p0=$(link_packets)
	ip netns exec "$A" timeout "$1" hping3 --flood -q -S -p 9 10.250.0.2 >/dev/null 2>&1 || true
	sleep 0.3 # the last RSTs
	p1=$(link_packets)
	echo $((p1 - p0))
}

# one flood with nettrail ($1: the build, $2: its label, then more
# options): prints its JSON line, leaves the packets in $with_n
flood_with() {
	local c0 c1 cpu bin=$1 label=$2
	shift 2
	NTBIN=$bin nt_start --idle-timeout 2 -o file:/dev/null "$@"
	c0=$(cpu_of "$NTPID")
	with_n=$(flood "$SECS")
	c1=$(cpu_of "$NTPID")
	nt_stop
	cpu=$(python3 -c "print(round($c1 - $c0, 2))")
	echo "{\"case\":\"flood-with$phase\",\"build\":\"$label\",\"run\":$r,\"packets\":$with_n,\"packets_per_s\":$((with_n / SECS)),\"nettrail_cpu_s\":$cpu,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
}

ratio_line() { # build best_with
	python3 -c "print('{\"case\":\"flood-ratio\",\"build\":\"$1\",\"best_without\":%d,\"best_with\":%d,\"ratio\":%.3f}' % ($best_without, $2, $2 / $best_without))"
}

best_without=0
best_with=0
best_base=0
best_tc=0
phase=
# one round: without, then each build; $SECS seconds each
one_round() {
	local n
	n=$(flood "$SECS")
	echo "{\"case\":\"flood-without$phase\",\"run\":$r,\"packets\":$n,\"packets_per_s\":$((n / SECS)),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
	[ "$n" -gt "$best_without" ] && best_without=$n
	if [ -n "${FLOOD_BASE:-}" ]; then
		flood_with "$FLOOD_BASE" "$FLOOD_BASE"
		[ "$with_n" -gt "$best_base" ] && best_base=$with_n
	fi
	if [ "${FLOOD_TC:-1}" = 1 ]; then
		flood_with "$NT" "$NT --attach tc" --attach tc
		[ "$with_n" -gt "$best_tc" ] && best_tc=$with_n
	fi
	flood_with "$NT" "$NT"
	[ "$with_n" -gt "$best_with" ] && best_with=$with_n
	return 0
}
for r in $(seq "$RUNS"); do
	one_round
done
[ -n "${FLOOD_BASE:-}" ] && ratio_line "$FLOOD_BASE" "$best_base"
[ "${FLOOD_TC:-1}" = 1 ] && ratio_line "$NT --attach tc" "$best_tc"
ratio_line "$NT" "$best_with"

# the short rounds: the median of with / without within a round, per build
phase=-paired
SECS=${FLOOD_PAIR_SECONDS:-2}
for r in $(seq "${FLOOD_PAIRS:-20}"); do
	one_round
done | tee "$W/paired.jsonl"
python3 - "$W/paired.jsonl" <<'EOF'
import json, statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rounds.setdefault(r["run"], {})[r.get("build", "")] = r["packets"]
builds = [b for b in next(iter(rounds.values()), {}) if b]
for b in builds:
    ratios = [x[b] / x[""] for x in rounds.values() if x.get("") and b in x]
    print(json.dumps({"case": "flood-paired", "build": b, "rounds": len(ratios),
                      "median_ratio": round(statistics.median(ratios), 3),
                      "mean_ratio": round(sum(x[b] for x in rounds.values()) /
                                          sum(x[""] for x in rounds.values()), 3)}))
EOF

# accounting: every packet in a record or a loss counter
for mf in 65536 4096; do
	nt_start --idle-timeout 2 --max-flows "$mf" -o "file:$W/acct.jsonl"
	n=$(flood "$ACCT_SECS")
	nt_stop
	python3 - "$W/acct.jsonl" "$n" "$mf" <<'EOF'
import json, sys
path, wire, mf = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
in_records = flows = 0
hb = None
with open(path) as f:
    for line in f:
        r = json.loads(line)
        ds = r["event"]["dataset"]
        if ds == "nettrail.flow":
            in_records += r["network"]["packets"]
            flows += 1
        elif ds == "nettrail.heartbeat":
            hb = r["nettrail"]["heartbeat"]["counters"]
lost = hb["overflow_lost_packets"]
# frames that are not IP or do not parse are counted, not flows
other = hb["non_ip"] + hb["parse_errors_l2"] + hb["parse_errors_l3"] + hb["parse_errors_l4"]
print(json.dumps({"case": "flood-accounting", "max_flows": mf, "link_packets": wire,
                  "hook_packets": hb["packets"], "in_records": in_records,
                  "overflow_lost_packets": lost, "not_flows": other, "flow_records": flows,
                  "accounted": in_records + lost + other,
                  "unaccounted": wire - (in_records + lost + other),
                  "table_full": hb["table_full"], "ringbuf_full": hb["ringbuf_full"],
                  "close_events_lost": hb["close_events_lost"],
                  # (absent from builds before the flood work: NETTRAIL=old)
                  "flow_restarts": hb.get("flow_restarts"),
                  "flow_ends": hb.get("flow_ends"),
                  "flow_ends_slow": hb.get("flow_ends_slow"),
                  "flow_restarts_merged": hb.get("flow_restarts_merged"),
                  "closes_from_scan": hb.get("closes_from_scan")}))
EOF
	rm -f "$W/acct.jsonl"
done
