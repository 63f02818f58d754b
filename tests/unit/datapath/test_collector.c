// SPDX-License-Identifier: BSD-2-Clause
/*
 * The collector on a real BPF hash map: the test creates the flow map as the
 * loader does (BPF_MAP_TYPE_HASH, nt_flow_key -> nt_flow_val, no flags),
 * writes entries the way the datapath would, feeds ring-buffer events through
 * nt_collector_on_event as main.c's ring_buffer__new callback does, drives
 * scans with explicit `now` timestamps and checks every report exactly.
 *
 * Needs root (or CAP_BPF) for bpf_map_create.
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"

/* Timeouts in hook-clock nanoseconds (small numbers keep the arithmetic
 * readable; the collector only compares them). */
#define IDLE   20000ULL
#define ACTIVE 30000ULL
#define LINGER 1200ULL

#define MAP_MAX 8192
#define MAX_REP 8192

static int map_fd = -1;
static struct nt_collector *col;
static struct nt_flow_report *reps;
static size_t n_reps;
static int forgets, gets;
/* runs after each report is stored: lets a test act as the datapath while
 * the collector is between its scan and its removals */
static void (*report_hook)(const struct nt_flow_report *r);
/* the SYN slots open_col_opts hands the collector (NULL: none), calloc'd as
 * the kernel's mmapped array would be zeroed (every slot FREE) */
static struct nt_syn_slot *slots;
static uint32_t n_slots;

static void on_report(void *ctx, const struct nt_flow_report *r)
{
	cr_assert_eq(ctx, &n_reps, "report_ctx is handed back");
	cr_assert_lt(n_reps, MAX_REP);
	reps[n_reps++] = *r;
	if (report_hook)
		report_hook(r);
}

static const struct nt_flow_meta *meta_get(void *ctx, const struct nt_flow_key *k)
{
	gets++;
	return NULL;
}

static void meta_forget(void *ctx, const struct nt_flow_key *k)
{
	forgets++;
}

static int make_map(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "flows", sizeof(struct nt_flow_key),
				sizeof(struct nt_flow_val), MAP_MAX, NULL);

	cr_assert_geq(fd, 0, "bpf_map_create: %s (needs root)", strerror(errno));
	return fd;
}

static void setup(void)
{
	reps = calloc(MAX_REP, sizeof(*reps));
	cr_assert_not_null(reps);
	n_reps = 0;
	forgets = gets = 0;
	report_hook = NULL;
	slots = NULL;
	n_slots = 0;
	map_fd = make_map();
}

static void teardown(void)
{
	nt_collector_free(col);
	col = NULL;
	if (map_fd >= 0)
		close(map_fd);
	map_fd = -1;
	free(reps);
	reps = NULL;
	free(slots);
	slots = NULL;
}

TestSuite(collector, .init = setup, .fini = teardown);

/* tcp_present's counts for the next collector opened (NULL: none) */
static uint32_t *present_counts;
static uint32_t n_present;

static void open_col_opts(int fd, uint64_t active_ns, uint64_t idle_ns)
{
	struct nt_collector_opts o = {
		.flows_fd = fd,
		.max_flows = MAP_MAX,
		.idle_ns = idle_ns,
		.active_ns = active_ns,
		.close_linger_ns = LINGER,
		.report = on_report,
		.report_ctx = &n_reps,
		.meta_get = meta_get,
		.meta_forget = meta_forget,
		.syn_slots = slots,
		.n_syn_slots = n_slots,
		.tcp_present = present_counts,
		.n_tcp_present = n_present,
	};

	col = nt_collector_new(&o);
	cr_assert_not_null(col);
}

static void open_col_fd(int fd, uint64_t active_ns)
{
	open_col_opts(fd, active_ns, IDLE);
}

static void open_col(uint64_t active_ns)
{
	open_col_fd(map_fd, active_ns);
}

/* 10.0.0.a:pa <-> 10.0.0.b:pb, IPv4-mapped, side 0 the lower pair. */
static struct nt_flow_key key4(uint8_t a, uint16_t pa, uint8_t b, uint16_t pb, uint8_t proto)
{
	struct nt_flow_key k;

	memset(&k, 0, sizeof(k));
	for (int i = 0; i < 2; i++) {
		k.addr[i][10] = 0xff;
		k.addr[i][11] = 0xff;
		k.addr[i][12] = 10;
	}
	k.addr[0][15] = a;
	k.addr[1][15] = b;
	k.port[0] = pa;
	k.port[1] = pb;
	k.proto = proto;
	k.ip_version = 4;
	return k;
}

static struct nt_flow_key tcp_key(void)
{
	return key4(1, 40000, 2, 80, 6);
}

/* A value as the datapath leaves it: side 0 opened the flow. */
static struct nt_flow_val val(uint64_t first, uint64_t last, uint64_t p0, uint64_t p1, uint64_t b0,
			      uint64_t b1)
{
	struct nt_flow_val v;

	memset(&v, 0, sizeof(v));
	v.first_ns = first;
	v.last_ns = last;
	v.pkts[0] = p0;
	v.pkts[1] = p1;
	v.bytes[0] = b0;
	v.bytes[1] = b1;
	v.owner_ifindex = 2;
	v.owner_hook = NT_HOOK_TC_INGRESS;
	return v;
}

static void put(const struct nt_flow_key *k, const struct nt_flow_val *v)
{
	cr_assert_eq(bpf_map_update_elem(map_fd, k, v, BPF_ANY), 0, "update: %s", strerror(errno));
}

static bool in_map(const struct nt_flow_key *k)
{
	struct nt_flow_val v;

	return bpf_map_lookup_elem(map_fd, k, &v) == 0;
}

static void overflow_ev(const struct nt_flow_key *k, uint64_t ts, uint8_t side, uint32_t pkts,
			uint32_t bytes, uint8_t flags, uint32_t ifindex)
{
	struct nt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = NT_EV_OVERFLOW;
	ev.ifindex = ifindex;
	ev.ts_ns = ts;
	ev.key = *k;
	ev.pkts = pkts;
	ev.bytes = bytes;
	ev.side = side;
	ev.tcp_flags = flags;
	ev.hook = NT_HOOK_TC_EGRESS;
	cr_assert_eq(nt_collector_on_event(col, &ev, sizeof(ev)), 0);
}

static void close_ev(const struct nt_flow_key *k, uint64_t ts)
{
	struct nt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = NT_EV_CLOSE;
	ev.ifindex = 2;
	ev.ts_ns = ts;
	ev.key = *k;
	cr_assert_eq(nt_collector_on_event(col, &ev, sizeof(ev)), 0);
}

static const struct nt_collector_stats *stats(void)
{
	return nt_collector_stats(col);
}

static void expect_counts(const struct nt_flow_report *r, uint64_t p0, uint64_t p1, uint64_t b0,
			  uint64_t b1)
{
	cr_expect_eq(r->pkts[0], p0, "pkts[0] %llu, want %llu", (unsigned long long)r->pkts[0],
		     (unsigned long long)p0);
	cr_expect_eq(r->pkts[1], p1, "pkts[1] %llu, want %llu", (unsigned long long)r->pkts[1],
		     (unsigned long long)p1);
	cr_expect_eq(r->bytes[0], b0, "bytes[0] %llu, want %llu", (unsigned long long)r->bytes[0],
		     (unsigned long long)b0);
	cr_expect_eq(r->bytes[1], b1, "bytes[1] %llu, want %llu", (unsigned long long)r->bytes[1],
		     (unsigned long long)b1);
}

static void expect_interval(const struct nt_flow_report *r, uint64_t flow_start, uint64_t start,
			    uint64_t end)
{
	cr_expect_eq(r->flow_start_ns, flow_start, "flow_start_ns %llu",
		     (unsigned long long)r->flow_start_ns);
	cr_expect_eq(r->start_ns, start, "start_ns %llu", (unsigned long long)r->start_ns);
	cr_expect_eq(r->end_ns, end, "end_ns %llu", (unsigned long long)r->end_ns);
}

/* ---- deltas and idle expiry ------------------------------------------ */

Test(collector, active_reports_carry_deltas_then_idle)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 25000, 3, 2, 180, 120);

	open_col(ACTIVE);
	put(&k, &v);

	nt_collector_scan(col, 30999); /* younger than the active timeout */
	cr_assert_eq(n_reps, 0);

	nt_collector_scan(col, 31000); /* first_ns + ACTIVE */
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_ACTIVE);
	cr_expect_eq(reps[0].report_seq, 1);
	expect_counts(&reps[0], 3, 2, 180, 120);
	expect_interval(&reps[0], 1000, 1000, 25000);
	cr_expect_not(reps[0].overflow);
	cr_assert(in_map(&k), "an active report leaves the flow in the table");

	/* the datapath counts on: cumulative {5, 6} packets, {300, 400} bytes */
	v = val(1000, 50000, 5, 6, 300, 400);
	put(&k, &v);
	nt_collector_scan(col, 60999); /* 30000 after the last report: not yet */
	cr_assert_eq(n_reps, 1);
	nt_collector_scan(col, 61000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].reason, NT_END_ACTIVE);
	cr_expect_eq(reps[1].report_seq, 2);
	expect_counts(&reps[1], 2, 4, 120, 280);
	/* this report covers what followed the previous one */
	expect_interval(&reps[1], 1000, 25000, 50000);

	/* one more packet each way, then silence */
	v = val(1000, 65000, 6, 7, 360, 460);
	put(&k, &v);
	nt_collector_scan(col, 84999); /* last_ns + IDLE - 1 */
	cr_assert_eq(n_reps, 2);
	nt_collector_scan(col, 85000);
	cr_assert_eq(n_reps, 3);
	cr_expect_eq(reps[2].reason, NT_END_IDLE);
	cr_expect_eq(reps[2].report_seq, 3);
	expect_counts(&reps[2], 1, 1, 60, 60);
	expect_interval(&reps[2], 1000, 50000, 65000);
	cr_expect_not(in_map(&k));

	/* the deltas add up to the kernel's cumulative counters */
	uint64_t p[2] = { 0, 0 }, b[2] = { 0, 0 };

	for (size_t i = 0; i < n_reps; i++)
		for (int s = 0; s < 2; s++) {
			p[s] += reps[i].pkts[s];
			b[s] += reps[i].bytes[s];
		}
	cr_expect_eq(p[0], 6);
	cr_expect_eq(p[1], 7);
	cr_expect_eq(b[0], 360);
	cr_expect_eq(b[1], 460);
	cr_expect_eq(stats()->flows_reported, 3);
	/* payload metadata: looked up for each report, forgotten once */
	cr_expect_eq(gets, 3);
	cr_expect_eq(forgets, 1);
}

Test(collector, active_with_nothing_new_is_not_reported)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 25000, 3, 2, 180, 120);

	open_col_opts(map_fd, ACTIVE, 100000); /* idle longer than active */
	put(&k, &v);
	nt_collector_scan(col, 31000);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_ACTIVE);

	/* due again, but not a packet since: no report */
	nt_collector_scan(col, 61000);
	cr_assert_eq(n_reps, 1);
	cr_assert(in_map(&k));

	/* one packet more; the active timer restarted at 61000 */
	v = val(1000, 70000, 4, 2, 240, 120);
	put(&k, &v);
	nt_collector_scan(col, 90999);
	cr_assert_eq(n_reps, 1);
	nt_collector_scan(col, 91000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].reason, NT_END_ACTIVE);
	cr_expect_eq(reps[1].report_seq, 2);
	expect_counts(&reps[1], 1, 0, 60, 0);
	expect_interval(&reps[1], 1000, 25000, 70000);

	/* the final report carries what is left since the last one: nothing,
	 * over an empty interval at the flow's last packet */
	nt_collector_scan(col, 170000);
	cr_assert_eq(n_reps, 3);
	cr_expect_eq(reps[2].reason, NT_END_IDLE);
	cr_expect_eq(reps[2].report_seq, 3);
	expect_counts(&reps[2], 0, 0, 0, 0);
	expect_interval(&reps[2], 1000, 70000, 70000);
	cr_expect_not(in_map(&k));
	cr_expect_eq(stats()->flows_reported, 3);
}

Test(collector, idle_flow_reported_once_and_deleted)
{
	struct nt_flow_key k = key4(3, 5353, 4, 53, 17);
	struct nt_flow_val v = val(1000, 2000, 3, 2, 180, 120);

	open_col(0); /* no periodic reports */
	put(&k, &v);

	nt_collector_scan(col, 21999); /* one short of last_ns + IDLE */
	cr_assert_eq(n_reps, 0);
	cr_assert(in_map(&k));
	cr_expect_eq(stats()->flows_tracked, 1);

	nt_collector_scan(col, 22000);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_IDLE);
	cr_expect_eq(reps[0].report_seq, 1);
	cr_expect_eq(memcmp(&reps[0].key, &k, sizeof(k)), 0);
	expect_counts(&reps[0], 3, 2, 180, 120);
	expect_interval(&reps[0], 1000, 1000, 2000);
	cr_expect_eq(reps[0].src, 0);

	struct nt_flow_val out;

	cr_expect_eq(bpf_map_lookup_elem(map_fd, &k, &out), -ENOENT);
	cr_expect_eq(errno, ENOENT);

	nt_collector_scan(col, 100000);
	cr_expect_eq(n_reps, 1, "reported exactly once");
	cr_expect_eq(stats()->flows_tracked, 0);
	cr_expect_eq(stats()->flows_reported, 1);
	cr_expect_eq(stats()->scan_errors, 0);
}

/* More entries than one lookup batch (SCAN_CHUNK 4096): every flow once. */
Test(collector, scan_reads_the_whole_table_in_batches)
{
	enum { N = 5000 };
	static uint8_t seen[N];

	open_col(0);
	for (int i = 0; i < N; i++) {
		struct nt_flow_key k = key4(1, (uint16_t)(10000 + i), 2, 443, 6);
		struct nt_flow_val v = val(100, 200 + (uint64_t)i, 1, 1, 60, (uint64_t)i);

		put(&k, &v);
	}
	nt_collector_scan(col, 200 + 2500 + IDLE); /* flows 0..2500 are idle */
	cr_assert_eq(n_reps, 2501);
	cr_expect_eq(stats()->flows_tracked, N);
	nt_collector_scan(col, 200 + N + IDLE);
	cr_assert_eq(n_reps, N);
	cr_expect_eq(stats()->flows_tracked, N - 2501);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n_reps; i++) {
		int j = reps[i].key.port[0] - 10000;

		cr_assert(j >= 0 && j < N);
		cr_expect_eq(seen[j], 0, "flow %d reported twice", j);
		seen[j] = 1;
		cr_expect_eq(reps[i].bytes[1], (uint64_t)j);
		cr_expect_eq(reps[i].end_ns, 200 + (uint64_t)j);
	}
	nt_collector_scan(col, 10 * IDLE);
	cr_expect_eq(n_reps, N);
	cr_expect_eq(stats()->flows_tracked, 0);
	cr_expect_eq(stats()->scan_errors, 0);
}

/* ---- overflow ------------------------------------------------------------ */

Test(collector, overflow_merges_into_the_kernel_flow)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 2000, 3, 2, 180, 120);

	v.tcp_flags = (NT_TCP_SYN | NT_TCP_ACK) | (uint32_t)(NT_TCP_SYN | NT_TCP_ACK) << 8;
	open_col(0);
	put(&k, &v);
	/* three packets that found the table full, one of them a GSO burst */
	overflow_ev(&k, 2500, 0, 1, 60, NT_TCP_ACK | NT_TCP_PSH, 2);
	overflow_ev(&k, 2600, 1, 2, 3000, NT_TCP_ACK, 2);
	overflow_ev(&k, 3000, 1, 1, 52, NT_TCP_ACK | NT_TCP_URG, 2);
	cr_expect_eq(stats()->overflow_merged, 3);

	nt_collector_scan(col, 21999);
	cr_assert_eq(n_reps, 0, "not idle yet (kernel last_ns 2000)");
	nt_collector_scan(col, 22000);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_IDLE);
	cr_expect(reps[0].overflow);
	expect_counts(&reps[0], 3 + 1, 2 + 2 + 1, 180 + 60, 120 + 3000 + 52);
	/* the interval stretches to the last overflow packet */
	expect_interval(&reps[0], 1000, 1000, 3000);
	cr_expect_eq(reps[0].tcp_flags[0], NT_TCP_SYN | NT_TCP_ACK | NT_TCP_PSH);
	cr_expect_eq(reps[0].tcp_flags[1], NT_TCP_SYN | NT_TCP_ACK | NT_TCP_URG);
	cr_expect_eq(reps[0].ifindex[0], 2);
	cr_expect_eq(reps[0].hook, NT_HOOK_TC_INGRESS, "the kernel entry's hook");
	cr_expect_not(in_map(&k));

	nt_collector_scan(col, 100000);
	cr_expect_eq(n_reps, 1, "overflow counts are not reported a second time");
	cr_expect_eq(stats()->overflow_merged, 3);
}

Test(collector, overflow_into_active_flow_adds_to_the_delta)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 25000, 3, 2, 180, 120);

	open_col(ACTIVE);
	put(&k, &v);
	nt_collector_scan(col, 31000);
	cr_assert_eq(n_reps, 1);
	expect_counts(&reps[0], 3, 2, 180, 120);

	v = val(1000, 50000, 4, 3, 240, 180); /* +1 each way in the kernel */
	put(&k, &v);
	overflow_ev(&k, 40000, 1, 2, 2800, NT_TCP_ACK, 2);
	nt_collector_scan(col, 61000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].reason, NT_END_ACTIVE);
	cr_expect(reps[1].overflow);
	expect_counts(&reps[1], 1, 1 + 2, 60, 60 + 2800);

	/* the next report has the kernel's new counts only */
	v = val(1000, 52000, 5, 3, 300, 180);
	put(&k, &v);
	nt_collector_scan(col, 72000);
	cr_assert_eq(n_reps, 3);
	cr_expect_eq(reps[2].reason, NT_END_IDLE);
	cr_expect_not(reps[2].overflow);
	expect_counts(&reps[2], 1, 0, 60, 0);
	cr_expect_eq(stats()->overflow_merged, 1);
}

Test(collector, overflow_only_flow_is_its_own_report)
{
	struct nt_flow_key k = key4(5, 443, 6, 51000, 6);
	struct nt_flow_key other = tcp_key();
	struct nt_flow_val v = val(1000, 9000, 1, 1, 60, 60);

	open_col(0);
	put(&other, &v); /* an unrelated kernel flow */
	/* the table was full for this one from its first packet: the server
	 * (side 0, port 443) answers SYN+ACK first in what reached us */
	overflow_ev(&k, 5000, 0, 1, 60, NT_TCP_SYN | NT_TCP_ACK, 4);
	overflow_ev(&k, 6000, 1, 1, 52, NT_TCP_ACK, 4);
	overflow_ev(&k, 7000, 0, 3, 4380, NT_TCP_ACK | NT_TCP_PSH, 4);
	cr_expect_eq(stats()->overflow_merged, 3);

	nt_collector_scan(col, 26999); /* last overflow packet + IDLE - 1 */
	cr_assert_eq(n_reps, 0);
	nt_collector_scan(col, 27000);
	cr_assert_eq(n_reps, 1);
	const struct nt_flow_report *r = &reps[0];

	cr_expect_eq(memcmp(&r->key, &k, sizeof(k)), 0);
	cr_expect_eq(r->reason, NT_END_IDLE);
	cr_expect(r->overflow);
	cr_expect_eq(r->report_seq, 1);
	cr_expect_eq(r->src, 1, "the SYN+ACK's receiver opened the flow");
	expect_counts(r, 4, 1, 4440, 52);
	expect_interval(r, 5000, 5000, 7000);
	cr_expect_eq(r->tcp_flags[0], NT_TCP_SYN | NT_TCP_ACK | NT_TCP_PSH);
	cr_expect_eq(r->tcp_flags[1], NT_TCP_ACK);
	cr_expect_eq(r->ifindex[0], 4, "the overflow packets' interface");
	cr_expect_eq(r->ifindex[1], 0);
	cr_expect_eq(r->hook, NT_HOOK_TC_EGRESS);
	cr_expect(in_map(&other), "the unrelated flow is not idle yet");

	nt_collector_scan(col, 29000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(memcmp(&reps[1].key, &other, sizeof(other)), 0);
	cr_expect_not(reps[1].overflow);
	nt_collector_scan(col, 100000);
	cr_expect_eq(n_reps, 2);
}

Test(collector, short_event_is_ignored)
{
	struct nt_flow_key k = tcp_key();
	struct nt_event ev;

	open_col(0);
	memset(&ev, 0, sizeof(ev));
	ev.type = NT_EV_OVERFLOW;
	ev.key = k;
	ev.pkts = 1;
	ev.bytes = 60;
	cr_expect_eq(nt_collector_on_event(col, &ev, sizeof(ev) - 1), 0);
	ev.type = 99; /* unknown type, full size */
	cr_expect_eq(nt_collector_on_event(col, &ev, sizeof(ev)), 0);
	cr_expect_eq(stats()->overflow_merged, 0);
	nt_collector_flush(col, 100000, NT_END_SHUTDOWN);
	cr_expect_eq(n_reps, 0);
}

/* ---- interfaces, sides, TCP attributes ----------------------------------- */

Test(collector, report_names_owner_and_seen_interfaces)
{
	struct nt_flow_key k1 = tcp_key(), k2 = key4(1, 40001, 2, 80, 6);
	struct nt_flow_val v1 = val(1000, 2000, 1, 1, 60, 60);
	struct nt_flow_val v2 = val(1000, 2000, 1, 1, 60, 60);

	v1.owner_ifindex = 7;
	v1.owner_hook = NT_HOOK_TC_EGRESS;
	v1.seen_ifindex[0] = 3;
	v1.seen_ifindex[1] = 9;
	v2.owner_ifindex = 12;
	v2.seen_ifindex[0] = 13;
	v2.seen_ifindex[1] = 14;
	v2.seen_ifindex[2] = 15;
	open_col(0);
	put(&k1, &v1);
	put(&k2, &v2);
	nt_collector_scan(col, 22000);
	cr_assert_eq(n_reps, 2);
	for (size_t i = 0; i < n_reps; i++) {
		const struct nt_flow_report *r = &reps[i];

		if (r->key.port[0] == 40000) {
			cr_expect_eq(r->ifindex[0], 7);
			cr_expect_eq(r->ifindex[1], 3);
			cr_expect_eq(r->ifindex[2], 9);
			cr_expect_eq(r->ifindex[3], 0);
			cr_expect_eq(r->hook, NT_HOOK_TC_EGRESS);
		} else {
			cr_expect_eq(r->key.port[0], 40001);
			cr_expect_eq(r->ifindex[0], 12);
			cr_expect_eq(r->ifindex[1], 13);
			cr_expect_eq(r->ifindex[2], 14);
			cr_expect_eq(r->ifindex[3], 15);
			cr_expect_eq(r->hook, NT_HOOK_TC_INGRESS);
		}
	}
}

Test(collector, initiator_maps_key_sides_to_source)
{
	/* A: side 1 opened it with a SYN */
	struct nt_flow_key a = key4(2, 40000, 9, 51000, 6);
	/* B: midstream, side 0 uses 443: side 1 is the client */
	struct nt_flow_key b = key4(1, 443, 2, 51001, 6);
	/* C: midstream, both ports high: the first packet's sender stays */
	struct nt_flow_key c = key4(1, 50000, 2, 51002, 6);
	/* D: the SYN came from the low port (side 1): the SYN decides */
	struct nt_flow_key d = key4(1, 51003, 2, 20, 6);
	/* E: midstream, side 1 uses 53: side 0 is the client */
	struct nt_flow_key e = key4(1, 51004, 2, 53, 6);
	/* F: side 0 opened it */
	struct nt_flow_key f = key4(1, 51005, 2, 8080, 6);
	struct nt_flow_val va = val(1000, 2000, 2, 5, 100, 900);
	struct nt_flow_val vb = va, vc = va, vd = va, ve = va, vf = va;

	va.initiator = 1;
	vb.initiator = 0;
	vb.attrs = NT_ATTR_MIDSTREAM;
	vc.initiator = 1;
	vc.attrs = NT_ATTR_MIDSTREAM;
	vd.initiator = 1;
	ve.initiator = 1;
	ve.attrs = NT_ATTR_MIDSTREAM;
	open_col(0);
	put(&a, &va);
	put(&b, &vb);
	put(&c, &vc);
	put(&d, &vd);
	put(&e, &ve);
	put(&f, &vf);
	nt_collector_flush(col, 3000, NT_END_SHUTDOWN);
	cr_assert_eq(n_reps, 6);
	for (size_t i = 0; i < n_reps; i++) {
		const struct nt_flow_report *r = &reps[i];
		uint8_t want;

		switch (r->key.port[1]) {
		case 51000:
			want = 1;
			break;
		case 51001:
			want = 1;
			break;
		case 51002:
			want = 1;
			break;
		case 20:
			want = 1;
			break;
		case 53:
		case 8080:
			want = 0;
			break;
		default:
			cr_assert_fail("unexpected key port %u", r->key.port[1]);
		}
		cr_expect_eq(r->src, want, "port %u: src %u, want %u", r->key.port[1], r->src,
			     want);
		/* counters stay by key side whatever the source is */
		expect_counts(r, 2, 5, 100, 900);
		cr_expect_eq(r->reason, NT_END_SHUTDOWN);
	}
}

Test(collector, tcp_attributes_by_key_side)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 2000, 4, 3, 240, 180);

	v.syn_ns = 1000;
	v.synack_ns = 1200;
	v.ack_ns = 1350;
	v.tcp_flags = (NT_TCP_SYN | NT_TCP_ACK | NT_TCP_RST) | (uint32_t)(NT_TCP_SYN | NT_TCP_ACK)
								       << 8;
	v.rst_first = 1;
	v.close_ns = 1900; /* the RST closed it */
	v.attrs = NT_ATTR_FRAG;
	open_col(0);
	put(&k, &v);
	nt_collector_scan(col, 22000);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_TCP_CLOSE, "closed, whatever found it");
	cr_expect_eq(reps[0].handshake_rtt_ns, 350);
	cr_expect_eq(reps[0].tcp_flags[0], NT_TCP_SYN | NT_TCP_ACK | NT_TCP_RST);
	cr_expect_eq(reps[0].tcp_flags[1], NT_TCP_SYN | NT_TCP_ACK);
	cr_expect_eq(reps[0].rst_first, 1);
	cr_expect_eq(reps[0].attrs, NT_ATTR_FRAG);
}

/* ---- TCP close ------------------------------------------------------------ */

Test(collector, closed_flow_reported_after_linger_by_the_scan)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 10000, 5, 4, 400, 300);

	v.close_ns = 10000; /* FIN both ways at 10000 */
	open_col(0);
	put(&k, &v);
	nt_collector_scan(col, 10000 + LINGER - 1);
	cr_assert_eq(n_reps, 0, "not before the linger");
	/* the last ACK arrives inside the linger and belongs to the report */
	v.pkts[0] = 6;
	v.bytes[0] = 452;
	v.last_ns = 10300;
	put(&k, &v);
	nt_collector_scan(col, 10000 + LINGER);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_TCP_CLOSE);
	expect_counts(&reps[0], 6, 4, 452, 300);
	expect_interval(&reps[0], 1000, 1000, 10300);
	cr_expect_not(in_map(&k));
}

Test(collector, close_event_reports_promptly)
{
	struct nt_flow_key k = tcp_key(), k2 = key4(1, 40002, 2, 80, 6);
	struct nt_flow_val v = val(1000, 10000, 5, 4, 400, 300);
	struct nt_flow_val v2 = val(1000, 10500, 2, 1, 120, 60);

	v.close_ns = 10000;
	v2.close_ns = 10500;
	open_col(0);
	put(&k, &v);
	put(&k2, &v2);
	close_ev(&k, 10000);
	close_ev(&k2, 10500);

	nt_collector_closing(col, 10000 + LINGER - 1);
	cr_assert_eq(n_reps, 0, "not before the linger");
	cr_assert(in_map(&k));
	/* the last ACK, inside the linger */
	v.pkts[1] = 5;
	v.bytes[1] = 352;
	v.last_ns = 10200;
	put(&k, &v);

	/* no scan, far from idle: the close event alone reports it */
	nt_collector_closing(col, 10000 + LINGER);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(memcmp(&reps[0].key, &k, sizeof(k)), 0);
	cr_expect_eq(reps[0].reason, NT_END_TCP_CLOSE);
	expect_counts(&reps[0], 5, 5, 400, 352);
	expect_interval(&reps[0], 1000, 1000, 10200);
	cr_expect_not(in_map(&k));
	cr_expect(in_map(&k2), "the second close is not due yet");

	nt_collector_closing(col, 10500 + LINGER);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(memcmp(&reps[1].key, &k2, sizeof(k2)), 0);
	cr_expect_eq(reps[1].reason, NT_END_TCP_CLOSE);
	expect_counts(&reps[1], 2, 1, 120, 60);

	/* a later scan does not report them again */
	nt_collector_scan(col, 100000);
	cr_expect_eq(n_reps, 2);
	cr_expect_eq(stats()->scan_errors, 0);
}

Test(collector, close_after_active_reports_the_rest)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 25000, 3, 2, 180, 120);

	open_col(ACTIVE);
	put(&k, &v);
	nt_collector_scan(col, 31000);
	cr_assert_eq(n_reps, 1);
	v = val(1000, 33000, 5, 4, 300, 240);
	v.close_ns = 33000;
	put(&k, &v);
	close_ev(&k, 33000);
	nt_collector_closing(col, 33000 + LINGER);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].reason, NT_END_TCP_CLOSE);
	cr_expect_eq(reps[1].report_seq, 2);
	expect_counts(&reps[1], 2, 2, 120, 120);
	expect_interval(&reps[1], 1000, 25000, 33000);
}

/* The scan finds a closed flow whose close event was lost (the ring was
 * full): it is reported all the same, with its final counters, and counted
 * as a close that went the slow way. Closes with their event are not. */
Test(collector, lost_close_event_reported_by_the_scan_and_counted)
{
	struct nt_flow_key k = tcp_key(), k2 = key4(1, 40002, 2, 80, 6);
	struct nt_flow_val v = val(1000, 10300, 6, 4, 452, 300);
	struct nt_flow_val v2 = val(1000, 10000, 1, 1, 40, 40);

	v.close_ns = 10000;
	v2.close_ns = 10000;
	open_col(0);
	put(&k, &v);
	put(&k2, &v2);
	close_ev(&k2, 10000); /* k's event was lost */
	nt_collector_scan(col, 10000 + LINGER);
	cr_assert_eq(n_reps, 2);
	for (int i = 0; i < 2; i++)
		cr_expect_eq(reps[i].reason, NT_END_TCP_CLOSE);
	cr_expect_eq(memcmp(&reps[0].key, &k2, sizeof(k2)), 0, "the event's close first");
	expect_counts(&reps[1], 6, 4, 452, 300);
	expect_interval(&reps[1], 1000, 1000, 10300);
	cr_expect_eq(stats()->closes_from_scan, 1);
	cr_expect_not(in_map(&k));
	cr_expect_not(in_map(&k2));
}

static void flow_end_ev(const struct nt_flow_key *k, const struct nt_flow_val *v)
{
	struct nt_flow_end fe;

	memset(&fe, 0, sizeof(fe));
	fe.type = NT_EV_FLOW_END;
	fe.ifindex = 2;
	fe.key = *k;
	fe.val = *v;
	cr_assert_eq(nt_collector_on_event(col, &fe, sizeof(fe)), 0);
}

/* A SYN restarted a closed flow: its final value comes up whole and is
 * reported at once; its pending close is settled, so when the close is due
 * the new flow in the entry is left alone. */
Test(collector, flow_end_reports_the_closed_flow_and_keeps_the_new_one)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val old = val(1000, 1100, 1, 1, 40, 40);
	struct nt_flow_val cur = val(2000, 2000, 1, 0, 40, 0);

	old.close_ns = 1100;
	open_col(0);
	close_ev(&k, 1100);
	put(&k, &cur); /* the kernel has restarted the entry */
	flow_end_ev(&k, &old);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_TCP_CLOSE);
	expect_counts(&reps[0], 1, 1, 40, 40);
	expect_interval(&reps[0], 1000, 1000, 1100);
	cr_expect_eq(forgets, 1, "the closed flow's metadata is forgotten");
	nt_collector_closing(col, 1100 + LINGER);
	nt_collector_scan(col, 1100 + LINGER);
	cr_expect_eq(n_reps, 1);
	cr_expect(in_map(&k), "the new flow stays");
	cr_expect_eq(stats()->flow_ends, 1);
	cr_expect_eq(stats()->closes_from_scan, 0);
}

/* The close event is due, but the flow it names was restarted and its end
 * has not been read yet: what the removal takes out is the new flow, which
 * goes back into the table, unreported. */
Test(collector, due_close_of_a_restarted_entry_puts_the_new_flow_back)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val cur = val(2000, 2000, 1, 0, 40, 0);
	struct nt_flow_val got;

	open_col(0);
	close_ev(&k, 1100);
	put(&k, &cur);
	nt_collector_closing(col, 1100 + LINGER);
	cr_expect_eq(n_reps, 0);
	cr_assert_eq(bpf_map_lookup_elem(map_fd, &k, &got), 0, "the new flow is back");
	cr_expect_eq(got.first_ns, 2000);
	cr_expect_eq(got.pkts[0], 1);
}

/* The programs' count of the table's TCP entries by key hash (tcp_present):
 * a TCP flow the collector deletes takes 1 off its count, one it puts back
 * adds 1; a UDP flow leaves the counts alone. */
Test(collector, deleted_tcp_flows_leave_the_present_counts)
{
	struct nt_flow_key t = tcp_key(), u = key4(3, 5353, 4, 53, 17),
			   r = key4(5, 40000, 6, 80, 6);
	struct nt_flow_val v = val(1000, 2000, 3, 2, 180, 120);
	struct nt_flow_val cur = val(3000, 3000, 1, 0, 40, 0);
	uint32_t counts[64] = { 0 };
	uint32_t it = nt_tcp_present_index(&t, 64), iu = nt_tcp_present_index(&u, 64),
		 ir = nt_tcp_present_index(&r, 64);

	cr_assert(it != iu && it != ir && iu != ir, "the keys share a count: %u %u %u", it, iu, ir);
	present_counts = counts;
	n_present = 64;
	open_col(0);
	present_counts = NULL;
	counts[it] = counts[ir] = 1; /* as the programs counted them in */
	counts[iu] = 7;		     /* (never a UDP key's: a stand-in, left alone) */
	put(&t, &v);
	put(&u, &v);
	nt_collector_scan(col, 22000); /* both idle: reported and deleted */
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(counts[it], 0u);
	cr_expect_eq(counts[iu], 7u);
	/* a restarted entry taken and put back: its count is as it was */
	close_ev(&r, 1100);
	put(&r, &cur);
	nt_collector_closing(col, 1100 + LINGER);
	cr_assert(in_map(&r), "the new flow is back");
	cr_expect_eq(counts[ir], 1u);
}

/* Closed flows the kernel put in the ended map (the ring was full) are
 * taken out in one batch at the next close check and reported. */
Test(collector, ended_map_drained_and_reported)
{
	struct nt_flow_key k = tcp_key(), k2 = key4(1, 40002, 2, 80, 6);
	struct nt_flow_val old = val(1000, 1100, 1, 1, 40, 40);
	struct nt_flow_val old2 = val(1500, 1600, 2, 1, 100, 40);
	struct nt_flow_gen g, g2;
	int ended = bpf_map_create(BPF_MAP_TYPE_HASH, "ended", sizeof(struct nt_flow_gen),
				   sizeof(struct nt_flow_val), 64, NULL);
	struct nt_collector_opts o = {
		.flows_fd = map_fd,
		.ended_fd = ended,
		.max_flows = MAP_MAX,
		.idle_ns = IDLE,
		.close_linger_ns = LINGER,
		.report = on_report,
		.report_ctx = &n_reps,
	};

	cr_assert_geq(ended, 0, "bpf_map_create: %s", strerror(errno));
	old.close_ns = 1100;
	old2.close_ns = 1600;
	memset(&g, 0, sizeof(g));
	memset(&g2, 0, sizeof(g2));
	g.key = k;
	g.first_ns = 1000;
	g2.key = k2;
	g2.first_ns = 1500;
	cr_assert_eq(bpf_map_update_elem(ended, &g, &old, BPF_NOEXIST), 0);
	cr_assert_eq(bpf_map_update_elem(ended, &g2, &old2, BPF_NOEXIST), 0);
	col = nt_collector_new(&o);
	cr_assert_not_null(col);
	close_ev(&k, 1100);
	nt_collector_closing(col, 1200);
	cr_assert_eq(n_reps, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct nt_flow_report *r = &reps[i];
		int first = !memcmp(&r->key, &k, sizeof(k));

		cr_expect_eq(r->reason, NT_END_TCP_CLOSE);
		expect_counts(r, first ? 1 : 2, 1, first ? 40 : 100, 40);
	}
	cr_expect_neq(bpf_map_get_next_key(ended, NULL, &g), 0, "the ended map is empty");
	cr_expect_eq(stats()->flow_ends, 2);
	/* k's close was settled: nothing more when it is due */
	nt_collector_closing(col, 1100 + LINGER);
	cr_expect_eq(n_reps, 2);
	cr_expect_eq(stats()->scan_errors, 0);
	close(ended);
}

/* Between the scan's batch read and the removal of the second of two idle
 * flows, the datapath counts its FIN+ACK and the peer's ACK and closes it:
 * the report is the entry as removed, and says tcp_close. */
static struct nt_flow_key race_keys[2];

static void close_the_other(const struct nt_flow_report *r)
{
	const struct nt_flow_key *other =
		memcmp(&r->key, &race_keys[0], sizeof(r->key)) ? &race_keys[0] : &race_keys[1];
	struct nt_flow_val v = val(1000, 22000, 4, 3, 232, 172);

	if (n_reps != 1)
		return;
	v.close_ns = 22000;
	put(other, &v);
}

Test(collector, flow_closing_during_the_scan_reports_as_closed)
{
	struct nt_flow_val v = val(1000, 2000, 3, 2, 180, 120);

	race_keys[0] = key4(1, 40000, 2, 80, 6);
	race_keys[1] = key4(1, 40001, 2, 80, 6);
	open_col(0);
	put(&race_keys[0], &v);
	put(&race_keys[1], &v);
	report_hook = close_the_other;
	nt_collector_scan(col, 22000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[0].reason, NT_END_IDLE);
	expect_counts(&reps[0], 3, 2, 180, 120);
	cr_expect_eq(reps[1].reason, NT_END_TCP_CLOSE);
	expect_counts(&reps[1], 4, 3, 232, 172);
	expect_interval(&reps[1], 1000, 1000, 22000);
	cr_expect_not(in_map(&race_keys[0]));
	cr_expect_not(in_map(&race_keys[1]));
}

/* ---- shutdown -------------------------------------------------------------- */

Test(collector, flush_reports_everything_at_shutdown)
{
	struct nt_flow_key live = key4(1, 40000, 2, 80, 6);
	struct nt_flow_key closed = key4(1, 40001, 2, 80, 6);  /* close event pending */
	struct nt_flow_key closed2 = key4(1, 40002, 2, 80, 6); /* close_ns, no event */
	struct nt_flow_key idle = key4(1, 40003, 2, 80, 6);
	struct nt_flow_key ov = key4(1, 40004, 2, 80, 6); /* overflow only */
	struct nt_flow_val vl = val(1000, 50000, 3, 2, 180, 120);
	struct nt_flow_val vc = val(1000, 49900, 4, 4, 240, 240);
	struct nt_flow_val vc2 = val(1000, 49950, 1, 1, 40, 40);
	struct nt_flow_val vi = val(1000, 2000, 1, 0, 60, 0);

	vc.close_ns = 49900;
	vc2.close_ns = 49950;
	open_col(ACTIVE);
	put(&live, &vl);
	put(&closed, &vc);
	put(&closed2, &vc2);
	put(&idle, &vi);
	close_ev(&closed, 49900);
	overflow_ev(&ov, 49000, 0, 2, 120, 0, 2);

	nt_collector_flush(col, 50100, NT_END_SHUTDOWN);
	cr_assert_eq(n_reps, 5);
	for (size_t i = 0; i < n_reps; i++) {
		const struct nt_flow_report *r = &reps[i];

		switch (r->key.port[0]) {
		case 40000:
			cr_expect_eq(r->reason, NT_END_SHUTDOWN);
			expect_counts(r, 3, 2, 180, 120);
			break;
		case 40001:
			cr_expect_eq(r->reason, NT_END_TCP_CLOSE);
			expect_counts(r, 4, 4, 240, 240);
			break;
		case 40002:
			cr_expect_eq(r->reason, NT_END_TCP_CLOSE);
			expect_counts(r, 1, 1, 40, 40);
			break;
		case 40003:
			cr_expect_eq(r->reason, NT_END_IDLE, "idle before the shutdown");
			expect_counts(r, 1, 0, 60, 0);
			break;
		case 40004:
			cr_expect_eq(r->reason, NT_END_SHUTDOWN);
			cr_expect(r->overflow);
			expect_counts(r, 2, 0, 120, 0);
			break;
		default:
			cr_assert_fail("unexpected flow port %u", r->key.port[0]);
		}
	}
	struct nt_flow_key k;

	cr_expect_eq(bpf_map_get_next_key(map_fd, NULL, &k), -ENOENT, "the table is empty");
	cr_expect_eq(stats()->flows_reported, 5);
	cr_expect_eq(forgets, 5);

	/* nothing left for a second flush */
	nt_collector_flush(col, 60000, NT_END_SHUTDOWN);
	cr_expect_eq(n_reps, 5);
}

/* ---- SYN slots ------------------------------------------------------------ */

/* n zeroed (FREE) slots for the collector opened next */
static void make_slots(uint32_t n)
{
	slots = calloc(n, sizeof(*slots));
	cr_assert_not_null(slots);
	n_slots = n;
}

/* A SYN parked in slot i as the kernel leaves it (state last): key side
 * `side` sent `pkts` SYNs (60 bytes each), the first at first_ns and the
 * last at last_ns, and nothing answered. */
static struct nt_syn_slot *park(uint32_t i, uint32_t state, const struct nt_flow_key *k,
				uint8_t side, uint64_t pkts, uint64_t first_ns, uint64_t last_ns)
{
	struct nt_syn_slot *s = &slots[i];

	cr_assert_lt(i, n_slots);
	s->key = *k;
	s->val = val(first_ns, last_ns, 0, 0, 0, 0);
	s->val.pkts[side] = pkts;
	s->val.bytes[side] = 60 * pkts;
	s->val.syn_ns = first_ns;
	s->val.tcp_flags = (uint32_t)NT_TCP_SYN << (8 * side);
	s->val.initiator = side;
	s->state = state;
	return s;
}

/* An unanswered SYN stays parked until it is idle, then is reported once,
 * from the slot as it was, and the slot is freed. */
Test(collector, parked_syn_reported_when_idle_and_slot_freed)
{
	struct nt_flow_key k = tcp_key();		  /* side 0 (port 40000) sent it */
	struct nt_flow_key k2 = key4(1, 80, 2, 40001, 6); /* side 1 (port 40001) sent it */
	struct nt_syn_slot *s, *s2;

	make_slots(8);
	/* two SYNs (one retransmitted) at 5000 and 8000; one SYN at 9000 */
	s = park(3, NT_SYN_SLOT_OPEN, &k, 0, 2, 5000, 8000);
	s2 = park(6, NT_SYN_SLOT_OPEN, &k2, 1, 1, 9000, 9000);
	open_col(0);

	nt_collector_scan(col, 8000 + IDLE - 1);
	cr_assert_eq(n_reps, 0, "younger than idle: not reported");
	cr_expect_eq(s->state, NT_SYN_SLOT_OPEN);
	cr_expect_eq(s2->state, NT_SYN_SLOT_OPEN);
	cr_expect_eq(stats()->syn_slots_open, 2);
	cr_expect_eq(stats()->syn_slots_expired, 0);

	nt_collector_scan(col, 8000 + IDLE);
	cr_assert_eq(n_reps, 1);
	const struct nt_flow_report *r = &reps[0];

	cr_expect_eq(memcmp(&r->key, &k, sizeof(k)), 0);
	cr_expect_eq(r->reason, NT_END_IDLE);
	cr_expect_eq(r->report_seq, 1);
	cr_expect_eq(r->src, 0);
	expect_counts(r, 2, 0, 120, 0);
	expect_interval(r, 5000, 5000, 8000);
	cr_expect_eq(r->tcp_flags[0], NT_TCP_SYN);
	cr_expect_eq(r->tcp_flags[1], 0);
	cr_expect_eq(r->handshake_rtt_ns, 0);
	cr_expect_eq(r->ifindex[0], 2);
	cr_expect_eq(r->hook, NT_HOOK_TC_INGRESS);
	cr_expect_not(r->overflow);
	cr_expect_eq(s->state, NT_SYN_SLOT_FREE, "the slot is freed");
	cr_expect_eq(s2->state, NT_SYN_SLOT_OPEN, "the younger one stays");
	cr_expect_eq(stats()->syn_slots_expired, 1);
	cr_expect_eq(stats()->syn_slots_open, 1);

	nt_collector_scan(col, 9000 + IDLE);
	cr_assert_eq(n_reps, 2);
	r = &reps[1];
	cr_expect_eq(memcmp(&r->key, &k2, sizeof(k2)), 0);
	cr_expect_eq(r->reason, NT_END_IDLE);
	cr_expect_eq(r->src, 1, "the SYN's sender is the source");
	expect_counts(r, 0, 1, 0, 60);
	expect_interval(r, 9000, 9000, 9000);
	cr_expect_eq(r->tcp_flags[0], 0);
	cr_expect_eq(r->tcp_flags[1], NT_TCP_SYN);
	cr_expect_eq(s2->state, NT_SYN_SLOT_FREE);
	cr_expect_eq(stats()->syn_slots_expired, 2);
	cr_expect_eq(stats()->syn_slots_open, 0);

	nt_collector_scan(col, 100000);
	cr_expect_eq(n_reps, 2, "reported exactly once");
	cr_expect_eq(stats()->syn_slots_expired, 2);
	cr_expect_eq(stats()->syn_slots_open, 0);
	cr_expect_eq(stats()->flows_reported, 2);
	cr_expect_eq(stats()->flows_tracked, 0, "nothing went into the table");
	cr_expect_eq(forgets, 2);
}

/* A flush reports every parked SYN: the idle ones as idle (at exactly
 * last_ns + idle too), the younger ones with the flush's reason. */
Test(collector, flush_reports_parked_syns_with_their_reason)
{
	struct nt_flow_key young = key4(1, 40000, 2, 80, 6);
	struct nt_flow_key idle = key4(1, 40001, 2, 80, 6);
	struct nt_flow_key old = key4(1, 40002, 2, 443, 6);

	make_slots(4);
	park(0, NT_SYN_SLOT_OPEN, &young, 0, 1, 80001, 80001);
	park(1, NT_SYN_SLOT_OPEN, &idle, 0, 1, 80000, 80000);
	park(3, NT_SYN_SLOT_OPEN, &old, 0, 3, 1000, 7000);
	open_col(ACTIVE);

	nt_collector_flush(col, 80000 + IDLE, NT_END_SHUTDOWN);
	cr_assert_eq(n_reps, 3);
	for (size_t i = 0; i < n_reps; i++) {
		const struct nt_flow_report *r = &reps[i];

		cr_expect_eq(r->src, 0);
		cr_expect_eq(r->tcp_flags[0], NT_TCP_SYN);
		switch (r->key.port[0]) {
		case 40000:
			cr_expect_eq(r->reason, NT_END_SHUTDOWN, "one short of idle");
			expect_counts(r, 1, 0, 60, 0);
			expect_interval(r, 80001, 80001, 80001);
			break;
		case 40001:
			cr_expect_eq(r->reason, NT_END_IDLE, "idle at the flush");
			expect_counts(r, 1, 0, 60, 0);
			expect_interval(r, 80000, 80000, 80000);
			break;
		case 40002:
			cr_expect_eq(r->reason, NT_END_IDLE);
			expect_counts(r, 3, 0, 180, 0);
			expect_interval(r, 1000, 1000, 7000);
			break;
		default:
			cr_assert_fail("unexpected flow port %u", r->key.port[0]);
		}
	}
	for (uint32_t i = 0; i < n_slots; i++)
		cr_expect_eq(slots[i].state, NT_SYN_SLOT_FREE, "slot %u", i);
	cr_expect_eq(stats()->syn_slots_expired, 3);
	cr_expect_eq(stats()->syn_slots_open, 0);
	cr_expect_eq(stats()->flows_reported, 3);

	nt_collector_flush(col, 200000, NT_END_SHUTDOWN);
	cr_expect_eq(n_reps, 3, "nothing left for a second flush");
	cr_expect_eq(stats()->syn_slots_expired, 3);
}

/* A BUSY slot is a program's (or being moved into the table), a FREE one
 * holds whatever it last held: neither is reported nor touched, however
 * old what is in it, and only OPEN slots count as open. */
Test(collector, busy_and_free_slots_are_never_reported)
{
	struct nt_flow_key kb = key4(1, 40000, 2, 80, 6), kf = key4(1, 40001, 2, 80, 6);
	struct nt_flow_key ko = key4(1, 40002, 2, 80, 6), ky = key4(1, 40003, 2, 80, 6);
	struct nt_syn_slot busy, freed;

	make_slots(8);
	park(1, NT_SYN_SLOT_BUSY, &kb, 0, 1, 1000, 1000);
	park(2, NT_SYN_SLOT_FREE, &kf, 0, 4, 1000, 2000);
	park(4, NT_SYN_SLOT_OPEN, &ko, 0, 1, 1000, 1000);
	park(5, NT_SYN_SLOT_OPEN, &ky, 0, 1, 50000, 50000);
	busy = slots[1];
	freed = slots[2];
	open_col(0);

	nt_collector_scan(col, 60000); /* all but ky idle */
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].key.port[0], 40002);
	cr_expect_eq(reps[0].reason, NT_END_IDLE);
	cr_expect_eq(stats()->syn_slots_expired, 1);
	cr_expect_eq(stats()->syn_slots_open, 1, "the BUSY slot is not open");

	nt_collector_flush(col, 60000, NT_END_SHUTDOWN);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].key.port[0], 40003);
	cr_expect_eq(reps[1].reason, NT_END_SHUTDOWN);
	cr_expect_eq(stats()->syn_slots_expired, 2);
	cr_expect_eq(stats()->syn_slots_open, 0);
	cr_expect_eq(memcmp(&slots[1], &busy, sizeof(busy)), 0, "the BUSY slot is untouched");
	cr_expect_eq(memcmp(&slots[2], &freed, sizeof(freed)), 0, "the FREE slot is untouched");
	cr_expect_eq(slots[4].state, NT_SYN_SLOT_FREE);
	cr_expect_eq(slots[5].state, NT_SYN_SLOT_FREE);
	cr_expect_eq(stats()->flows_reported, 2);
}

/* The SYN, then the SYN+ACK that tried to move it into the table. */
static struct nt_flow_val spilled_syn(void)
{
	struct nt_flow_val v = val(5000, 5300, 1, 1, 60, 60);

	v.syn_ns = 5000;
	v.synack_ns = 5300;
	v.tcp_flags = NT_TCP_SYN | (uint32_t)(NT_TCP_SYN | NT_TCP_ACK) << 8;
	return v;
}

/* A parked SYN that could not move into a full table comes up as
 * NT_EV_FLOW_END with no close: it is reported at once as evicted, ending
 * at its last packet. (A closed flow's end, close_ns set:
 * flow_end_reports_the_closed_flow_and_keeps_the_new_one.) */
Test(collector, flow_end_of_an_unclosed_parked_syn_is_evicted)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = spilled_syn();

	open_col(0);
	flow_end_ev(&k, &v);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(memcmp(&reps[0].key, &k, sizeof(k)), 0);
	cr_expect_eq(reps[0].reason, NT_END_EVICTED);
	cr_expect_eq(reps[0].report_seq, 1);
	cr_expect_eq(reps[0].src, 0);
	expect_counts(&reps[0], 1, 1, 60, 60);
	expect_interval(&reps[0], 5000, 5000, 5300);
	cr_expect_eq(reps[0].tcp_flags[0], NT_TCP_SYN);
	cr_expect_eq(reps[0].tcp_flags[1], NT_TCP_SYN | NT_TCP_ACK);
	cr_expect_eq(reps[0].handshake_rtt_ns, 0, "no ACK yet");
	cr_expect_eq(stats()->flow_ends, 1);
	cr_expect_eq(stats()->flows_reported, 1);
}

/* The race: another CPU made the table entry of the tuple while its SYN
 * was parked. The spilled value is the same connection's: its counts join
 * the entry's next report (as overflow counts do), one record in all. */
Test(collector, flow_end_of_a_raced_parked_syn_joins_the_table_flow)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = spilled_syn();
	struct nt_flow_val cur = val(5100, 5200, 2, 0, 120, 0);

	open_col(0);
	put(&k, &cur);
	flow_end_ev(&k, &v);
	cr_expect_eq(n_reps, 0, "not reported apart");
	cr_expect_eq(stats()->flow_ends, 1);
	nt_collector_scan(col, 5300 + IDLE);
	cr_assert_eq(n_reps, 1);
	cr_expect_eq(reps[0].reason, NT_END_IDLE);
	cr_expect_eq(reps[0].report_seq, 1);
	cr_expect(reps[0].overflow);
	expect_counts(&reps[0], 3, 1, 180, 60);
	expect_interval(&reps[0], 5100, 5000, 5300);
	cr_expect_eq(reps[0].tcp_flags[1], NT_TCP_SYN | NT_TCP_ACK);
}

/* An idle parked SYN whose tuple the table holds too (the same race) joins
 * that flow's reports, and leaves its deltas and report number alone. */
Test(collector, parked_syn_joins_the_table_flow_and_leaves_its_state_alone)
{
	struct nt_flow_key k = tcp_key();
	struct nt_flow_val v = val(1000, 25000, 3, 2, 180, 120);

	make_slots(4);
	park(0, NT_SYN_SLOT_OPEN, &k, 0, 1, 5000, 5000);
	open_col(ACTIVE);
	put(&k, &v);
	nt_collector_scan(col, 31000); /* the table flow's active report; the slot idles */
	cr_assert_eq(n_reps, 1, "the parked SYN is not reported apart");
	cr_expect_eq(reps[0].reason, NT_END_ACTIVE);
	expect_counts(&reps[0], 3, 2, 180, 120);
	cr_expect_eq(slots[0].state, NT_SYN_SLOT_FREE);
	cr_expect_eq(stats()->syn_slots_expired, 1);
	v = val(1000, 50000, 5, 6, 300, 400);
	put(&k, &v);
	nt_collector_scan(col, 61000);
	cr_assert_eq(n_reps, 2);
	cr_expect_eq(reps[1].reason, NT_END_ACTIVE);
	cr_expect_eq(reps[1].report_seq, 2);
	expect_counts(&reps[1], 2 + 1, 4, 120 + 60, 280);
}

/* ---- errors ---------------------------------------------------------------- */

Test(collector, map_errors_are_counted)
{
	struct nt_flow_key k = tcp_key();
	int m = make_map(), dead = 900;
	int rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, 4096, NULL);

	cr_assert_geq(rb, 0, "ringbuf: %s", strerror(errno));
	/* a closed fd (a high number nothing reuses): every map syscall on it
	 * fails with EBADF */
	cr_assert_eq(dup2(m, dead), dead);
	close(dead);
	close(m);
	open_col_fd(dead, ACTIVE);
	nt_collector_scan(col, 50000);
	cr_expect_eq(stats()->scan_errors, 1);
	cr_expect_eq(stats()->flows_tracked, 0);
	close_ev(&k, 50000);
	nt_collector_closing(col, 50000 + LINGER);
	cr_expect_eq(stats()->scan_errors, 2, "lookup_and_delete failed");
	nt_collector_flush(col, 60000, NT_END_SHUTDOWN);
	cr_expect_eq(stats()->scan_errors, 3);
	cr_expect_eq(n_reps, 0);
	nt_collector_free(col);

	/* a map of the wrong type: no batch lookup */
	open_col_fd(rb, ACTIVE);
	nt_collector_scan(col, 50000);
	cr_expect_eq(stats()->scan_errors, 1);
	cr_expect_eq(n_reps, 0);
	nt_collector_free(col);

	/* not a BPF map at all */
	int devnull = open("/dev/null", O_RDONLY);

	cr_assert_geq(devnull, 0);
	open_col_fd(devnull, ACTIVE);
	nt_collector_scan(col, 50000);
	nt_collector_flush(col, 60000, NT_END_SHUTDOWN);
	cr_expect_eq(stats()->scan_errors, 2);
	cr_expect_eq(n_reps, 0);
	close(devnull);
	close(rb);
}
