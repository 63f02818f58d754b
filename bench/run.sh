#!/usr/bin/env bash
# make bench: every benchmark, one JSON line per figure, also saved to
# build/bench/results.jsonl. docs/BENCHMARKS.md records the figures with
# the machine they came from. Needs root (BPF).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
mkdir -p "$B"
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -Iinclude -Iuser -Iuser/datapath -Iuser/inspect -Iuser/enrich -Iuser/encode -Iuser/sink -Ibuild"
LIBS=$(make -s --no-print-directory print-ldlibs)
OBJS=$(ls build/user/*.o build/user/*/*.o | grep -v '/main\.o$')  # everything but main()

# bench_datapath's flood-warm and syn-warm cases drive the programs with it
clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/"$(gcc -dumpmachine)" -c bench/syn_driver.bpf.c \
	-o $B/syn_driver.bpf.o
gcc $CFLAGS bench/bench_datapath.c $OBJS -o $B/bench_datapath $LIBS
gcc $CFLAGS bench/ab_datapath.c -o $B/ab_datapath $LIBS
gcc $CFLAGS bench/bench_collector.c $OBJS -o $B/bench_collector $LIBS
gcc $CFLAGS -Itests/k8s bench/bench_enrich.c tests/k8s/synth_pods.c $OBJS -o $B/bench_enrich $LIBS
gcc -O2 bench/gen_pcap.c -o $B/gen_pcap -lpcap
gcc $CFLAGS -Itests bench/bench_parsers.c user/inspect/dns.c user/inspect/dns_msg.c user/inspect/dns_psl.c \
	user/inspect/tls_hello.c user/inspect/quic.c user/inspect/tls_cert.c user/inspect/stream.c \
	-o $B/bench_parsers -lcrypto -lpsl

{
	echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
	$B/bench_datapath --repeat "${REPEAT:-2000000}"
	# before/after, in turns: AB_BASE=path/to/base/flow.bpf.o make bench
	if [ -n "${AB_BASE:-}" ]; then
		$B/ab_datapath "$AB_BASE" build/flow.bpf.o 16 1
		$B/ab_datapath "$AB_BASE" build/flow.bpf.o 16 1000
	fi
	# on-demand capture: packets per second into the file (docs/capture.md)
	bench/capture_bench.sh 3 64
	bench/capture_bench.sh 3 1400
	$B/bench_collector --flows 10000 --rounds 10
	$B/bench_parsers tests/fuzz/corpus
	$B/bench_enrich --pods 10000 --records 1000000
	$B/bench_enrich --pods 100000 --records 1000000 | grep enrich-on
	$B/bench_enrich --formats --pods 10000 --records 300000 --rounds 5

	# offline replay of a generated capture of a million packets
	PKTS=${PKTS:-1000000}
	summary=$($B/gen_pcap $B/replay.pcap --packets "$PKTS" --flows 5000 --seed 1)
	t0=$(date +%s.%N)
	build/nettrail --pcap $B/replay.pcap -o file:$B/replay.jsonl --heartbeat 0
	t1=$(date +%s.%N)
	flows=$(grep -c '"nettrail.flow"' $B/replay.jsonl)
	pk=$(python3 -c "import json,sys
t=0
for l in open('$B/replay.jsonl'):
    r=json.loads(l)
    if r['event']['dataset']=='nettrail.flow': t+=r['network']['packets']
print(t)")
	python3 -c "import json; s=json.loads('$summary'); dt=$t1-$t0; print(json.dumps({'case':'pcap-replay','packets':s['packets'],'packets_in_records':$pk,'flow_records':$flows,'seconds':round(dt,3),'packets_per_s':round(s['packets']/dt)}))"
	rm -f $B/replay.jsonl

	# full sync of 2,000 pods from a real kube-apiserver v1.37.2 (built or
	# taken from ~/.cache/nettrail/k8s-real by tests/k8s/real/build.sh)
	python3 tests/k8s/real/bench_sync.py --pods 2000 --runs 3
	# the node's packet rate under a SYN flood, with and without nettrail
	bench/flood.sh
	# the reference detector: records per second from a file, memory at 1M flows in an hour
	bench/detect_bench.sh
} | tee $B/results.jsonl
