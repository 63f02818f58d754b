// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_collector - collector CPU per 10,000 flows expired: the batch scan,
 * lookup-and-delete of each expired flow, and the full ECS JSON encoding
 * of its record, written to /dev/null.
 *
 *   bench_collector [--flows N] [--rounds R]
 *
 * Each round fills the kernel table with N flows (from userspace, with a
 * batch update), then expires them all with one scan; only the scan is
 * timed (process CPU time). Prints one JSON object.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "flow.skel.h"
#include "record.h"
#include "sink.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ifname(void *ctx, uint32_t i)
{
	return "eth0";
}

static void fill(int fd, unsigned n)
{
	struct nt_flow_key *k = calloc(n, sizeof(*k));
	struct nt_flow_val *v = calloc(n, sizeof(*v));
	__u32 count = n;

	for (unsigned i = 0; i < n; i++) {
		k[i].addr[0][10] = k[i].addr[0][11] = 0xff;
		k[i].addr[1][10] = k[i].addr[1][11] = 0xff;
		k[i].addr[0][12] = 10;
		k[i].addr[0][13] = (uint8_t)(i >> 16);
		k[i].addr[0][14] = (uint8_t)(i >> 8);
		k[i].addr[0][15] = (uint8_t)i;
		k[i].addr[1][12] = 93;
		k[i].addr[1][15] = 7;
		k[i].port[0] = 40000 + (i % 20000);
		k[i].port[1] = 443;
		k[i].proto = 6;
		k[i].ip_version = 4;
		v[i].first_ns = 1000000000ULL;
		v[i].last_ns = 2000000000ULL;
		v[i].syn_ns = 1000000000ULL;
		v[i].synack_ns = 1000100000ULL;
		v[i].ack_ns = 1000200000ULL;
		v[i].close_ns = 0;
		v[i].pkts[0] = 12;
		v[i].pkts[1] = 10;
		v[i].bytes[0] = 1500;
		v[i].bytes[1] = 9000;
		v[i].tcp_flags = 0x1b | (0x1b << 8);
		v[i].owner_ifindex = 2;
		v[i].owner_hook = NT_HOOK_TC_INGRESS;
	}
	if (bpf_map_update_batch(fd, k, v, &count, NULL) || count != n) {
		perror("update_batch");
		exit(1);
	}
	free(k);
	free(v);
}

int main(int argc, char **argv)
{
	unsigned flows = 10000, rounds = 10;
	struct flow_bpf *s;
	struct nt_recorder rec;
	struct nt_sink sink;
	struct nt_collector *col;
	double total = 0, best = 1e9;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--flows"))
			flows = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = (unsigned)atoi(argv[i + 1]);
	}
	libbpf_set_print(NULL);
	s = flow_bpf__open();
	bpf_map__set_max_entries(s->maps.flows, flows * 2);
	if (!s || flow_bpf__load(s)) {
		fprintf(stderr, "cannot load the datapath (root?)\n");
		return 1;
	}
	nt_sink_open_fd(&sink, open("/dev/null", O_WRONLY));
	nt_recorder_init(&rec, nt_sink_output(&sink), "bench-node", "bench");
	rec.ifname = ifname;
	struct nt_collector_opts o = {
		.flows_fd = bpf_map__fd(s->maps.flows),
		.max_flows = flows * 2,
		.idle_ns = 15000000000ULL,
		.active_ns = 60000000000ULL,
		.close_linger_ns = 500000000ULL,
		.report = nt_record_flow,
		.report_ctx = &rec,
	};
	col = nt_collector_new(&o);
	for (unsigned r = 0; r < rounds; r++) {
		double t0, dt;

		fill(o.flows_fd, flows);
		t0 = cpu_s();
		nt_collector_scan(col, 100000000000ULL); /* all idle */
		nt_recorder_flush(&rec);
		dt = cpu_s() - t0;
		total += dt;
		if (dt < best)
			best = dt;
	}
	printf("{\"case\":\"collector-expire\",\"flows\":%u,\"rounds\":%u,"
	       "\"records\":%llu,\"cpu_ms_per_10k_mean\":%.2f,"
	       "\"cpu_ms_per_10k_best\":%.2f,\"records_per_cpu_s\":%.0f}\n",
	       flows, rounds, (unsigned long long)nt_collector_stats(col)->flows_reported,
	       total / rounds * 1e3 * 10000 / flows, best * 1e3 * 10000 / flows,
	       flows * rounds / total);
	nt_collector_free(col);
	nt_recorder_free(&rec);
	flow_bpf__destroy(s);
	return 0;
}
