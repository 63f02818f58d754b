#!/usr/bin/env bash
# Kafka sink throughput (docs/BENCHMARKS.md, "Kafka sink"): flow records
# through user/sink/kafka.c into a real Kafka broker on loopback, one producing
# thread, every compression codec, then the on-disk spool (write with the
# broker unreachable, replay into a live broker), then librdkafka settings.
# One JSON line per run in build/bench/kafka_results.jsonl, medians printed
# as a table at the end. Needs root (the record source is a `nettrail
# --pcap` run), Java 17 and kcat (tests/kafka/broker.sh); about 25 minutes.
#
#   bench/kafka_bench.sh                 everything
#   N=1000000 RUNS=1 TUNE=0 bench/kafka_bench.sh   a quick look
#
# Environment: N records per saturating run (3000000), RUNS repetitions of
# each case (3; the table shows the median), CPU the core the producer is
# pinned to (1; the broker JVM is not pinned: it shares both cores), CODECS
# ("lz4 zstd none snappy gzip"), RATE for the paced runs (150000/s) over
# PACED_S seconds (20), SPOOL_CODEC (lz4), BACKLOG records spooled before
# the recovery case (1000000), TUNE=0 skips the librdkafka
# settings sweep, SUMMARY=FILE only prints the table of an earlier run.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
K=$B/kafka
mkdir -p "$K"
N=${N:-3000000}
RUNS=${RUNS:-3}
CPU=${CPU:-1}
CODECS=${CODECS:-lz4 zstd none snappy gzip}
RATE=${RATE:-150000}
PACED_S=${PACED_S:-20}
SPOOL_CODEC=${SPOOL_CODEC:-lz4}
TUNE=${TUNE:-1}
BACKLOG=${BACKLOG:-1000000}
OUT=${OUT:-$B/kafka_results.jsonl}

summary() { # results.jsonl: medians of every case, as a Markdown table
	python3 - "$1" <<'PY'
import json, statistics, sys
rows, order = {}, []
for line in open(sys.argv[1]):
    if not line.startswith('{'):
        continue
    r = json.loads(line)
    if r.get('case') is None:
        continue
    if r['case'] not in rows:
        order.append(r['case'])
    rows.setdefault(r['case'], []).append(r)
med = lambda rs, f: statistics.median(f(r) for r in rs)
for rs in rows.values():
    for r in rs:
        # a run that began with records in the spool delivered those too:
        # rates and costs per record over everything it delivered
        extra = r.get('spool_at_start', 0) if r['mode'] == 'spool-live' else 0
        if extra:
            tot = r['records'] + extra
            r['records_per_s'] = tot / r['wall_s']
            r['cpu_us_per_record'] = r['cpu_s'] / tot * 1e6
            for k in ('wire_bytes_per_record', 'log_bytes_per_record'):
                r[k] = r[k] * r['records'] / tot
            r['records'] = tot
print('| case | runs | records | records/s (median; min-max) | CPU us/record (main + librdkafka threads) | main thread us/rec | rdk:broker us/rec | broker JVM CPU us/rec | bytes/record: wire / broker log / spool | queue full | spooled | duplicates | zero loss |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for c in order:
    rs = rows[c]
    th = lambda r, k: r['threads_cpu_s'].get(k, 0) / r['records'] * 1e6
    rps = [r['records_per_s'] for r in rs]
    dup = sum(r.get('verify', {}).get('duplicates', 0) for r in rs)
    print('| %s | %d | %s | **%s** (%s-%s) | %.2f | %.2f | %.2f | %.2f | %s / %s / %s | %s | %s | %s | %s |' % (
        c, len(rs), '{:,}'.format(int(med(rs, lambda r: r['records']))),
        '{:,}'.format(round(statistics.median(rps))), '{:,}'.format(round(min(rps))),
        '{:,}'.format(round(max(rps))),
        med(rs, lambda r: r['cpu_us_per_record']),
        med(rs, lambda r: th(r, 'main')), med(rs, lambda r: th(r, 'rdk:broker')),
        med(rs, lambda r: r['broker_jvm_cpu_s'] / r['records'] * 1e6),
        '%.0f' % med(rs, lambda r: r['wire_bytes_per_record']) if rs[0]['wire_bytes_per_record'] else '-',
        '%.0f' % med(rs, lambda r: r['log_bytes_per_record']) if rs[0]['log_bytes_per_record'] else '-',
        '%.0f' % med(rs, lambda r: r['spool_bytes_per_record']) if rs[0]['spool_bytes_per_record'] else '-',
        '{:,}'.format(round(med(rs, lambda r: r['queue_full']))),
        '{:,}'.format(round(med(rs, lambda r: r['spooled']))),
        '{:,}'.format(dup) if any('verify' in r for r in rs) else '-',
        'yes' if all(r['zero_loss'] for r in rs) else 'NO'))
print()
print('| case | batch msgs | batch bytes (compressed) | librdkafka queue latency ms | RTT ms | most messages queued | CPU share of one core |')
print('|---|---|---|---|---|---|---|')
for c in order:
    rs = rows[c]
    if not rs[0]['batch_msgs_avg']:
        continue
    print('| %s | %.0f | %.0f | %.1f | %.1f | %s | %.0f%% |' % (c,
        med(rs, lambda r: r['batch_msgs_avg']), med(rs, lambda r: r['batch_bytes_avg']),
        med(rs, lambda r: r['int_latency_ms']), med(rs, lambda r: r['rtt_ms']),
        '{:,}'.format(round(med(rs, lambda r: r['librdkafka_msgs_max']))),
        med(rs, lambda r: r['cpu_s'] / r['wall_s'] * 100)))
PY
}

if [ -n "${SUMMARY:-}" ]; then
	summary "$SUMMARY"
	exit 0
fi

# ---- build ------------------------------------------------------------------
make all >&2  # the objects are the product as it is now
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -Iinclude -Iuser -Iuser/datapath -Iuser/inspect -Iuser/enrich -Iuser/encode -Iuser/sink -Ibuild"
# the product's own link line (the Makefile's LDLIBS), so a library added
# there is picked up here
LIBS=$(make -s --no-print-directory --eval='nt-print-ldlibs: ; @echo $(LDLIBS)' nt-print-ldlibs 2>/dev/null) ||
	LIBS="-lbpf -lelf -lz -lpcap -lcrypto -lxxhash -lrdkafka -lmicrohttpd -lcurl -ljson-c -lpthread"
OBJS=$(ls build/user/*.o build/user/*/*.o | grep -v '/main\.o$')  # everything but main()
# --wrap: the benchmark adds a statistics callback to the sink's producer
gcc $CFLAGS bench/kafka_bench.c $OBJS -o $B/kafka_bench -Wl,--wrap=rd_kafka_new $LIBS
gcc -O2 bench/gen_pcap.c -o $B/gen_pcap -lpcap

# ---- real flow records from a generated capture ----------------------------
if [ ! -s "$K/records.jsonl" ]; then
	$B/gen_pcap "$K/records.pcap" --packets 200000 --flows 20000 --seed 1 >/dev/null
	rm -f "$K/records.jsonl"
	build/nettrail --pcap "$K/records.pcap" -o "file:$K/records.jsonl" --heartbeat 0
	rm -f "$K/records.pcap"
fi

# ---- a broker ---------------------------------------------------------------
W=$(mktemp -d -t nettrail-kafka-bench.XXXXXX)
cleanup() {
	tests/kafka/broker.sh stop "$W/broker" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
BOOT=$(tests/kafka/broker.sh start "$W/broker" | sed -n 's/^BOOTSTRAP=//p')
BPID=$(cat "$W/broker/broker.pid")
HZ=$(getconf CLK_TCK)
jvm_ticks() { awk '{print $14 + $15}' "/proc/$BPID/stat"; }

# one run: case name, then kafka_bench arguments; the line it prints, with
# the case, the repetition and the broker JVM's CPU during the run, goes
# to $OUT
run=0
bench() {
	local name=$1; shift
	local t0 t1 line
	t0=$(jvm_ticks)
	line=$(taskset -c "$CPU" $B/kafka_bench --records "$K/records.jsonl" \
		--brokers "$BOOT" --broker-data "$W/broker/data" "$@" 2>>"$W/stderr") || {
		echo "kafka_bench: case $name failed (exit $?): $line" >&2
		tail -n 5 "$W/stderr" >&2
	}
	t1=$(jvm_ticks)
	[ -n "$line" ] || return 0
	python3 -c "import json,sys; r=json.loads(sys.argv[1]); r['case']=sys.argv[2]; r['run']=int(sys.argv[3]); r['broker_jvm_cpu_s']=(int(sys.argv[4])-int(sys.argv[5]))/int(sys.argv[6]); r['cpu_pinned']=sys.argv[7]; print(json.dumps(r))" \
		"$line" "$name" "$run" "$t1" "$t0" "$HZ" "$CPU" | tee -a "$OUT" | cut -c1-160 >&2
}

{
	echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); librdkafka $(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null); Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' tests/kafka/pom.xml | head -1); producer on CPU $CPU; N=$N RUNS=$RUNS"
} | tee "$OUT" >&2

# warm the broker's JIT first: the first million records through a fresh
# JVM run at about half speed
for c in lz4 zstd; do
	taskset -c "$CPU" $B/kafka_bench --records "$K/records.jsonl" --brokers "$BOOT" \
		-n 1000000 --prop compression.type=$c >/dev/null 2>>"$W/stderr"
done

for run in $(seq 1 "$RUNS"); do
	# as fast as one producing thread goes, each codec; read back and
	# compared record by record
	for c in $CODECS; do
		bench "direct $c" -n "$N" --prop compression.type=$c --verify
	done
	# the same, free to use both cores (still sharing them with the JVM)
	CPU=0-$(($(nproc) - 1)) bench "direct lz4, not pinned" -n "$N" --prop compression.type=lz4 --verify
	# the target rate, paced in batches of 1000
	for c in lz4 zstd; do
		bench "direct $c, paced $RATE/s" --rate "$RATE" --seconds "$PACED_S" \
			--prop compression.type=$c --verify
	done
	# the spool configured, broker up: it takes what the local queue
	# cannot (queue full), and replays it
	for c in lz4 zstd; do
		rm -rf "$W/spool"
		bench "spool configured $c, paced $RATE/s" --mode spool-live --spool-dir "$W/spool" \
			--rate "$RATE" --seconds "$PACED_S" --prop compression.type=$c --verify
	done
	rm -rf "$W/spool"
	bench "spool configured $SPOOL_CODEC, saturated" --mode spool-live --spool-dir "$W/spool" \
		-n "$N" --prop compression.type=$SPOOL_CODEC --verify
	# broker unreachable: everything to the spool; then a fresh sink
	# (a restart) drains it into the live broker, ticking every 100 ms
	# as the product does, and once ticking every 10 ms
	for tick in 100 10; do
		rm -rf "$W/spool"
		bench "spool write (broker down)" --mode spool-write --spool-dir "$W/spool" \
			--brokers 127.0.0.1:1 -n "$N"
		bench "spool replay $SPOOL_CODEC, tick $tick ms" --mode spool-replay --spool-dir "$W/spool" \
			--tick-ms "$tick" --prop compression.type=$SPOOL_CODEC --verify-n "$N"
	done
	# recovery: the spool holds a backlog (BACKLOG records, an outage)
	# when the broker comes back, while new records keep arriving at RATE
	rm -rf "$W/spool"
	bench "spool write (broker down), backlog" --mode spool-write --spool-dir "$W/spool" \
		--brokers 127.0.0.1:1 -n "$BACKLOG"
	bench "recovery: backlog + $RATE/s new" --mode spool-live --spool-dir "$W/spool" \
		-n "$N" --rate "$RATE" --first "$BACKLOG" --verify-n $((BACKLOG + N)) \
		--prop compression.type=$SPOOL_CODEC
	rm -rf "$W/spool"
	if [ "$TUNE" = 1 ]; then
		# librdkafka settings against the lz4 default (linger.ms=50,
		# batch.num.messages=10000, batch.size=1000000,
		# queue.buffering.max.messages=100000)
		for p in "linger.ms=5" "linger.ms=500" \
			"batch.num.messages=1000" \
			"batch.size=250000" \
			"batch.size=4000000 message.max.bytes=4000000" \
			"queue.buffering.max.messages=20000" \
			"queue.buffering.max.messages=1000000"; do
			args=()
			for kv in $p; do args+=(--prop "$kv"); done
			bench "lz4 $p" -n "$N" --prop compression.type=lz4 "${args[@]}"
		done
	fi
done

echo >&2
summary "$OUT"
