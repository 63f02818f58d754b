// SPDX-License-Identifier: BSD-2-Clause
#include "replay.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "dns.h"
#include "loader.h"
#include "pcap_source.h"
#include "record.h"

/*
 * BPF_PROG_TEST_RUN takes at most about a page of packet data. Offline, the
 * datapath takes lengths from the IP header, so a longer packet (a GRO
 * super-packet in a capture, a jumbo frame) is handed over cut to this size
 * without changing its counts.
 */
#define REPLAY_MAX_DATA 3072
#define CLOSE_CHECK_NS	100000000ULL /* capture time between close checks */

int nt_replay(const char *path, struct nt_datapath *dp, struct nt_collector *col,
	      struct nt_recorder *rec, struct ring_buffer *rb, struct nt_dns *dns,
	      uint64_t scan_interval_ns, volatile int *stop, struct nt_replay_stats *st, char *err,
	      size_t errlen)
{
	struct pcap_source *src = pcap_source_open(path, err, errlen);
	int prog_fd = nt_dp_prog_fd(dp, "tc_ingress");
	uint64_t next_scan = 0, next_close = 0;
	struct __sk_buff ctx;
	struct pcap_pkt pkt;
	int r, ret = 0;

	memset(st, 0, sizeof(*st));
	if (!src)
		return -1;
	while (!*stop && (r = pcap_source_next(src, &pkt, err, errlen)) == 1) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .repeat = 1);

		st->packets++;
		if (pkt.len < 14) {
			st->skipped++;
			continue;
		}
		memset(&ctx, 0, sizeof(ctx));
		ctx.tstamp = pkt.ts_ns;
		opts.data_in = pkt.frame;
		opts.data_size_in = pkt.len < REPLAY_MAX_DATA ? pkt.len : REPLAY_MAX_DATA;
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			st->run_errors++;
		if (!st->first_ns)
			st->first_ns = pkt.ts_ns;
		if (pkt.ts_ns > st->last_ns)
			st->last_ns = pkt.ts_ns;
		ring_buffer__consume(rb);
		if (st->last_ns >= next_close) {
			nt_collector_closing(col, st->last_ns);
			nt_dns_expire(dns, st->last_ns);
			next_close = st->last_ns + CLOSE_CHECK_NS;
		}
		if (st->last_ns >= next_scan) {
			if (next_scan)
				nt_collector_scan(col, st->last_ns);
			next_scan = st->last_ns + scan_interval_ns;
			nt_recorder_flush(rec);
		}
	}
	if (r < 0)
		ret = -1;
	else if (*stop)
		ret = 1;
	st->skipped +=
		pcap_source_stats(src)->skipped_linktype + pcap_source_stats(src)->skipped_short;
	ring_buffer__consume(rb);
	pcap_source_close(src);
	return ret;
}
