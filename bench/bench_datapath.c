// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_datapath - per-packet cost of the TC ingress program, measured with
 * BPF_PROG_TEST_RUN, next to an empty TC program on the same packets.
 *
 *   bench_datapath [--repeat N] [--only CASE[,CASE...]]
 *   (--only: the cases whose names start with one of these, e.g.
 *   established,syn-insert)
 *
 * Cases (each in a freshly loaded datapath):
 *   established/1       one flow in the table, its packet run N times
 *                       (best of 5 trials, nettrail and empty alike)
 *   established/1000    the packet's flow among 1,000
 *   established/50000   the packet's flow among 50,000
 *   cycle/50000         50,000 different established flows in turn, one
 *                       run each (cold-ish cache; includes syscall cost,
 *                       so compared with the empty program in the same loop)
 *   syn-insert          100,000 SYNs of new flows, one run each (no answer:
 *                       the SYN slots fill, the rest go into the table)
 *   syn-park            100,000 SYNs of new flows, each parked in a free SYN
 *                       slot (freed between runs, as the refusing RST does)
 *   flood-warm          the flood's packets back to back in one repeat loop
 *                       (bench/syn_driver.bpf.c: 2,000 SYN/RST pairs, each a
 *                       new flow; ns per packet, warm, as established/N)
 *   syn-warm            20,000 unanswered SYNs back to back: the first park,
 *                       once the slots are taken the rest go into the table
 *   udp-sample/1        50,000 new UDP flows, one 1200-byte datagram each (a
 *                       QUIC client Initial), sampled (--sample-packets 4)
 *                       against the same with sampling off (0): what a
 *                       payload sample costs the kernel, ring drained apart
 *   udp-sample/gso3     the same datagrams as one UDP GSO super-packet of 3
 *                       (a ClientHello over 3 Initials), 3 samples each
 *   syn-rst-new         a SYN flood to a closed port: 50,000 SYN/RST pairs,
 *                       each a new flow (ns per pair)
 *   syn-rst-restart     the same tuples twice more: each SYN on a closed
 *                       flow's tuple, a new flow in its entry (ns per pair)
 *   nat/translated-half a translated half's packet (bpf/lib/nat.bpf.h): main
 *                       miss, nat_links hit, primary noted; next to
 *                       established/1 in the same datapath
 *   nat/...-new-flow    SYNs of new flows at egress with tc_nat_ct installed
 *                       (the per-flow conntrack check: tail call, the
 *                       skb's _nfct, none here, account() again), with
 *                       tc_nat_ct_lookup (bpf_skb_ct_lookup, a miss here),
 *                       at egress without either, and at ingress, in turns
 *   capture/idle        established/1 with no capture running (the capture
 *                       path's whole cost: one load of capture_flags and a
 *                       branch; its cost against a build without capture
 *                       is ab_datapath's, AB_BASE in bench/run.sh)
 *   capture/unselected  a capture running that does not select the packet:
 *                       its flow's cached decision (the two LPM lookups,
 *                       one per address, once per flow and selection)
 *   capture/selected    a capture selecting it: the cached decision and a
 *                       copy of the 74-byte frame up cap_ring (drained
 *                       between runs of 1,000)
 *   capture/syn-insert-idle, capture/syn-insert-unselected
 *                       100,000 SYNs of new flows with no capture, and with
 *                       a capture of another address running (each new
 *                       flow decided once: two LPM lookups)
 *   kernel memory       bytes per flow entry, from the map's memlock figure
 *
 * Prints one JSON object per case: ns per packet for nettrail and for the
 * empty program, and the difference.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <endian.h>
#include <errno.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.skel.h"
#include "loader.h"
#include "nettrail.h"
#include "nt_capture.h"

static unsigned char frame_tmpl[74] = {
	/* Ethernet */
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
	/* IPv4: 20 bytes, tot_len 60 */
	0x45, 0, 0, 60, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	/* TCP: 20 bytes, ACK */
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0,
	/* 20 bytes payload */
};

static void set_flow(unsigned char *f, unsigned i, unsigned char flags)
{
	/* vary the source address and port: 10.0.x.y:port -> 10.0.0.2:443 */
	f[26] = 10;
	f[27] = (unsigned char)(1 + (i >> 16));
	f[28] = (unsigned char)(i >> 8);
	f[29] = (unsigned char)i;
	f[34] = (unsigned char)(0x9c + (i & 1));
	f[47] = flags;
}

/* both_ct: load tc_nat_ct_lookup next to tc_nat_ct */
static struct flow_bpf *load_ct(unsigned max_flows, int both_ct)
{
	struct flow_bpf *s = flow_bpf__open();

	if (!s)
		return NULL;
	s->rodata->cfg_pcap_mode = 0;
	bpf_map__set_max_entries(s->maps.flows, max_flows);
	/* the capture's copy buffer, one per CPU, as the loader sizes it */
	bpf_map__set_max_entries(s->maps.cap_scratch, (__u32)libbpf_num_possible_cpus());
	if (nt_dp_ct_prepare(s, NT_NAT_CT_SKB) ||
	    bpf_program__set_autoload(s->progs.tc_nat_ct_lookup, both_ct) || flow_bpf__load(s)) {
		flow_bpf__destroy(s);
		return NULL;
	}
	return s;
}

static struct flow_bpf *load(unsigned max_flows)
{
	return load_ct(max_flows, 0);
}

/*
 * Runs one packet `repeat` times, in 5 trials; returns the best trial's
 * ns per run (the kernel's own average over the repeats). The best of
 * several trials filters out what the other core's load adds.
 */
static double run_repeat(int fd, unsigned char *f, unsigned repeat)
{
	double best = 1e18;

	for (int t = 0; t < 5; t++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(frame_tmpl),
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("test_run");
			exit(1);
		}
		if (o.duration < best)
			best = o.duration;
	}
	return best;
}

/*
 * One run per packet over n distinct flows; ns per packet, as the kernel
 * times each run (o.duration: the program alone, without the syscall and
 * the skb's making, which vary by hundreds of ns on a busy machine).
 */
static double run_cycle(int fd, unsigned n, unsigned char flags)
{
	unsigned char f[sizeof(frame_tmpl)];
	double sum = 0;

	memcpy(f, frame_tmpl, sizeof(f));
	for (unsigned i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
			    .repeat = 1);

		set_flow(f, i, flags);
		bpf_prog_test_run_opts(fd, &o);
		sum += o.duration;
	}
	return sum / n;
}

/*
 * SYNs of n new flows, each parked in a free SYN slot: between runs the
 * parked slots are freed from userspace (mmapped, as the collector reads
 * them), as a refusing RST frees its slot in a flood. Kernel-timed ns per
 * SYN (the userspace step is outside the figure).
 */
static double run_park(struct flow_bpf *s, unsigned n)
{
	int fd = bpf_program__fd(s->progs.tc_ingress);
	uint32_t ns = bpf_map__max_entries(s->maps.syn_slots);
	size_t len = ns * sizeof(struct nt_syn_slot);
	struct nt_syn_slot *sl = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				      bpf_map__fd(s->maps.syn_slots), 0);
	unsigned char f[sizeof(frame_tmpl)];
	double sum = 0;

	if (sl == MAP_FAILED)
		return -1;
	memcpy(f, frame_tmpl, sizeof(f));
	for (unsigned i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
			    .repeat = 1);

		set_flow(f, i, 0x02);
		bpf_prog_test_run_opts(fd, &o);
		sum += o.duration;
		for (uint32_t j = 0; j < ns; j++)
			if (sl[j].state == NT_SYN_SLOT_OPEN)
				sl[j].state = NT_SYN_SLOT_FREE;
	}
	munmap(sl, len);
	return sum / n;
}

static int drop_event(void *ctx, void *data, size_t size)
{
	return 0;
}

/*
 * The flood's packets, without payload (54 bytes): for each of n new flows
 * a SYN from the client, then the server's RST+ACK; then `again` more
 * rounds of the same SYN/RST pairs on the same tuples, each SYN on a closed
 * flow (a new flow record). The events ring is drained between packets, as
 * the collector would (the table keeps the closed flows: a second call
 * on the same tuples restarts every one). Returns the ns per pair
 * (kernel-timed); the caller subtracts the empty program's.
 */
static double run_flood(struct flow_bpf *s, int fd, unsigned n, unsigned again)
{
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(s->maps.events), drop_event, NULL, NULL);
	unsigned char syn[sizeof(frame_tmpl)], rst[sizeof(frame_tmpl)];
	double sum = 0;

	for (unsigned r = 0; r <= again; r++) {
		for (unsigned i = 0; i < n; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o1, .data_in = syn, .data_size_in = 54,
				    .repeat = 1);
			LIBBPF_OPTS(bpf_test_run_opts, o2, .data_in = rst, .data_size_in = 54,
				    .repeat = 1);

			memcpy(syn, frame_tmpl, sizeof(syn));
			set_flow(syn, i, 0x02);
			syn[17] = 40; /* tot_len: no payload */
			memcpy(rst, syn, sizeof(rst));
			memcpy(rst + 26, syn + 30, 4);
			memcpy(rst + 30, syn + 26, 4);
			memcpy(rst + 34, syn + 36, 2);
			memcpy(rst + 36, syn + 34, 2);
			rst[47] = 0x14;
			bpf_prog_test_run_opts(fd, &o1);
			bpf_prog_test_run_opts(fd, &o2);
			sum += o1.duration + o2.duration;
			if (rb && (i & 63) == 0)
				ring_buffer__consume(rb);
		}
	}
	ring_buffer__free(rb);
	return sum / ((double)n * (again + 1));
}

static int drop_sample(void *ctx, void *data, size_t n)
{
	(void)ctx;
	(void)data;
	(void)n;
	return 0;
}

/*
 * Kernel ns per run (the test run's own duration, no syscall) of n new UDP
 * flows, each one 1200 * segs payload-byte packet (a GSO super-packet of
 * segs datagrams when segs > 1), in a datapath taking `samples` payload
 * samples per direction; the sample ring is drained between batches.
 */
static double run_udp(unsigned samples, unsigned n, unsigned segs)
{
	static unsigned char f[14 + 20 + 8 + 3 * 1200];
	size_t len = 14 + 20 + 8 + 1200 * (size_t)segs;
	struct flow_bpf *s = flow_bpf__open();
	struct ring_buffer *rb;
	struct __sk_buff ctx = { .gso_segs = segs, .gso_size = segs > 1 ? 1200 : 0 };
	double total = 0;

	if (!s)
		exit(1);
	s->rodata->cfg_pcap_mode = 0;
	s->rodata->cfg_sample_pkts = (__u8)samples;
	bpf_map__set_max_entries(s->maps.flows, 131072);
	if (flow_bpf__load(s))
		exit(1);
	rb = ring_buffer__new(bpf_map__fd(s->maps.samples), drop_sample, NULL, NULL);
	memset(f, 0, sizeof(f));
	memcpy(f, frame_tmpl, 34);
	f[16] = (unsigned char)((len - 14) >> 8); /* IPv4 tot_len, UDP */
	f[17] = (unsigned char)(len - 14);
	f[23] = 17;
	f[36] = 0x01; /* dport 443 */
	f[37] = 0xbb;
	f[38] = (unsigned char)((len - 34) >> 8);
	f[39] = (unsigned char)(len - 34);
	f[42] = 0xc3; /* a long header's first byte */
	for (unsigned i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (__u32)len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		f[27] = (unsigned char)(1 + (i >> 16)); /* a new source each */
		f[28] = (unsigned char)(i >> 8);
		f[29] = (unsigned char)i;
		if (bpf_prog_test_run_opts(bpf_program__fd(s->progs.tc_ingress), &o)) {
			perror("test_run");
			exit(1);
		}
		total += o.duration;
		if (i % 256 == 255)
			ring_buffer__consume(rb);
	}
	ring_buffer__free(rb);
	flow_bpf__destroy(s);
	return total / n;
}

/* Sampled against not, alternated side by side (best of 3 each). */
static void sample_cost(const char *name, unsigned segs)
{
	double on = 1e18, off = 1e18;

	for (int t = 0; t < 3; t++) {
		double a = run_udp(4, 50000, segs), b = run_udp(0, 50000, segs);

		on = a < on ? a : on;
		off = b < off ? b : off;
	}
	printf("{\"case\":\"%s\",\"sampled_ns\":%.1f,\"not_sampled_ns\":%.1f,"
	       "\"added_ns\":%.1f,\"samples_per_packet\":%u,\"added_ns_per_sample\":%.1f}\n",
	       name, on, off, on - off, segs, (on - off) / segs);
	fflush(stdout);
}

static void populate(struct flow_bpf *s, unsigned n)
{
	run_cycle(bpf_program__fd(s->progs.tc_ingress), n, 0x10);
}

static const char *only; /* --only: comma-separated case name prefixes */

/* Is a case whose name starts with `name` asked for? */
static int want(const char *name)
{
	const char *o = only;

	if (!o)
		return 1;
	while (*o) {
		size_t n = strcspn(o, ",");

		if (n && !strncmp(name, o, n))
			return 1;
		o += n + (o[n] == ',');
	}
	return 0;
}

static void report(const char *name, double nt, double empty)
{
	printf("{\"case\":\"%s\",\"nettrail_ns\":%.1f,\"empty_ns\":%.1f,"
	       "\"added_ns\":%.1f}\n",
	       name, nt, empty, nt - empty);
	fflush(stdout);
}

static long long memlock_of(int map_fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A translated half: 10.9.x.y:50000 -> 10.9.0.2:8080 linked to flow i of
 * frame_tmpl. */
static void nat_case(unsigned repeat)
{
	struct flow_bpf *s = load(65536);
	unsigned char f[sizeof(frame_tmpl)], x[sizeof(frame_tmpl)];
	struct nt_nat l;
	struct nt_flow_key xk;
	__u32 src[4] = { 0, 0, htobe32(0xffff), 0 }, dst[4] = { 0, 0, htobe32(0xffff), 0 };
	double nt, est, em;

	populate(s, 1);
	memcpy(f, frame_tmpl, sizeof(f));
	set_flow(f, 0, 0x10);
	memset(&l, 0, sizeof(l));
	memcpy(&src[3], f + 26, 4);
	memcpy(&dst[3], f + 30, 4);
	l.init_side = nt_flow_key_make(&l.other, src, dst, (__u16)(f[34] << 8 | f[35]),
				       (__u16)(f[36] << 8 | f[37]), 6, 4, 0);
	memcpy(x, f, sizeof(x));
	x[26] = x[30] = 10;
	x[27] = x[31] = 9;
	x[34] = 0xc3; /* 50000 */
	x[35] = 0x50;
	x[36] = 0x1f; /* 8080 */
	x[37] = 0x90;
	memcpy(&src[3], x + 26, 4);
	memcpy(&dst[3], x + 30, 4);
	l.xlate_init_side = nt_flow_key_make(&xk, src, dst, 50000, 8080, 6, 4, 0);
	l.flags = NT_NAT_DNAT | NT_NAT_SNAT;
	bpf_map_update_elem(bpf_map__fd(s->maps.nat_links), &xk, &l, BPF_ANY);
	s->bss->nat_links_used = 1;
	nt = run_repeat(bpf_program__fd(s->progs.tc_ingress), x, repeat);
	est = run_repeat(bpf_program__fd(s->progs.tc_ingress), f, repeat);
	em = run_repeat(bpf_program__fd(s->progs.tc_empty), x, repeat);
	report("nat/translated-half", nt, em);
	report("nat/untranslated-same-load", est, em);
	flow_bpf__destroy(s);
}

/* Wall-clock seconds (run_new's per-flow cost includes the syscall). */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n SYNs of new flows (numbered from first) through prog; wall ns each. */
static double run_new(int prog, unsigned first, unsigned n)
{
	unsigned char f[sizeof(frame_tmpl)];
	double t0;

	memcpy(f, frame_tmpl, sizeof(f));
	t0 = now_s();
	for (unsigned i = first; i < first + n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
			    .repeat = 1);

		set_flow(f, i, 0x02);
		bpf_prog_test_run_opts(prog, &o);
	}
	return (now_s() - t0) * 1e9 / n;
}

/* New flows at egress with tc_nat_ct installed, with tc_nat_ct_lookup,
 * without either, and at ingress, in rounds of 20,000 taken in turn (the
 * machine is shared). */
static void nat_new_flow_case(void)
{
	struct flow_bpf *s = load_ct(524288, 1);
	int fd = bpf_program__fd(s->progs.tc_nat_ct), pa = bpf_map__fd(s->maps.nat_progs);
	int fdl = bpf_program__fd(s->progs.tc_nat_ct_lookup);
	int in = bpf_program__fd(s->progs.tc_ingress), eg = bpf_program__fd(s->progs.tc_egress);
	double t[5] = { 0 };
	unsigned next = 0, n = 20000, rounds = 5;
	__u32 zero = 0;

	for (unsigned r = 0; r < rounds; r++) {
		bpf_map_update_elem(pa, &zero, &fd, BPF_ANY);
		t[0] += run_new(eg, next, n);
		next += n;
		bpf_map_update_elem(pa, &zero, &fdl, BPF_ANY);
		t[4] += run_new(eg, next, n);
		next += n;
		bpf_map_delete_elem(pa, &zero);
		t[1] += run_new(eg, next, n);
		next += n;
		t[2] += run_new(in, next, n);
		next += n;
		t[3] += run_new(bpf_program__fd(s->progs.tc_empty), next, n);
		next += n;
	}
	report("nat/egress-new-flow-conntrack", t[0] / rounds, t[3] / rounds);
	report("nat/egress-new-flow-conntrack-lookup", t[4] / rounds, t[3] / rounds);
	report("nat/egress-new-flow-no-conntrack", t[1] / rounds, t[3] / rounds);
	report("nat/ingress-new-flow", t[2] / rounds, t[3] / rounds);
	flow_bpf__destroy(s);
}

static int drop_copy(void *ctx, void *data, size_t n)
{
	return 0;
}

/* ns per packet over 300 runs of 1,000 repeats, the ring drained after each */
static double run_drained(int fd, unsigned char *f, struct ring_buffer *rb)
{
	double sum = 0;

	for (int t = 0; t < 300; t++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(frame_tmpl),
			    .repeat = 1000);

		bpf_prog_test_run_opts(fd, &o);
		sum += o.duration;
		ring_buffer__consume(rb);
	}
	return sum / 300;
}

static void capture_case(unsigned repeat)
{
	struct flow_bpf *s = load(65536);
	struct nt_cap_addr_key k = { .prefixlen = 128 };
	unsigned char f[sizeof(frame_tmpl)];
	struct ring_buffer *rb;
	int fd, efd;
	__u8 mask = 1;
	double idle, other, sel, em;

	if (!s)
		return;
	fd = bpf_program__fd(s->progs.tc_ingress);
	efd = bpf_program__fd(s->progs.tc_empty);
	rb = ring_buffer__new(bpf_map__fd(s->maps.cap_ring), drop_copy, NULL, NULL);
	populate(s, 1);
	memcpy(f, frame_tmpl, sizeof(f));
	set_flow(f, 0, 0x10);
	idle = run_repeat(fd, f, repeat);
	em = run_repeat(efd, f, repeat);
	report("capture/idle", idle, em);
	/* a capture of 192.0.2.1: not this packet's */
	k.addr[10] = k.addr[11] = 0xff;
	k.addr[12] = 192, k.addr[13] = 0, k.addr[14] = 2, k.addr[15] = 1;
	bpf_map_update_elem(bpf_map__fd(s->maps.cap_addr), &k, &mask, BPF_ANY);
	s->data_capture->capture_snaplen = 262144 > NT_CAP_MAX_COPY ? NT_CAP_MAX_COPY : 262144;
	s->data_capture->capture_gen++; /* as the sensor does after the maps */
	s->data_capture->capture_flags = NT_CAP_F_ADDR;
	other = run_repeat(fd, f, repeat);
	report("capture/unselected", other, em);
	/* and of 10.0.0.2, its destination */
	k.addr[12] = 10, k.addr[13] = 0, k.addr[14] = 0, k.addr[15] = 2;
	bpf_map_update_elem(bpf_map__fd(s->maps.cap_addr), &k, &mask, BPF_ANY);
	s->data_capture->capture_gen++;
	sel = run_drained(fd, f, rb);
	report("capture/selected", sel, run_drained(efd, f, rb));
	ring_buffer__free(rb);
	flow_bpf__destroy(s);
}

/* A capture of 192.0.2.1 running in s (as the sensor: maps, generation,
 * flags). */
static void capture_other(struct flow_bpf *s)
{
	struct nt_cap_addr_key k = { .prefixlen = 128 };
	__u8 mask = 1;

	k.addr[10] = k.addr[11] = 0xff;
	k.addr[12] = 192, k.addr[13] = 0, k.addr[14] = 2, k.addr[15] = 1;
	bpf_map_update_elem(bpf_map__fd(s->maps.cap_addr), &k, &mask, BPF_ANY);
	s->data_capture->capture_snaplen = NT_CAP_MAX_COPY;
	s->data_capture->capture_gen++;
	s->data_capture->capture_flags = NT_CAP_F_ADDR;
}

/* New flows (100,000 SYNs, one run each) with no capture and with a
 * capture of another address: the per-flow decision's cost. */
static void capture_syn_case(void)
{
	struct flow_bpf *idle = load(131072), *cap = load(131072);
	double ti, tc, em;

	if (!idle || !cap)
		return;
	capture_other(cap);
	ti = run_cycle(bpf_program__fd(idle->progs.tc_ingress), 100000, 0x02);
	tc = run_cycle(bpf_program__fd(cap->progs.tc_ingress), 100000, 0x02);
	em = run_cycle(bpf_program__fd(idle->progs.tc_empty), 100000, 0x02);
	report("capture/syn-insert-idle", ti, em);
	report("capture/syn-insert-unselected", tc, em);
	flow_bpf__destroy(idle);
	flow_bpf__destroy(cap);
}

/* syn-insert and syn-park: a new flow's SYN, into the table and parked */
/*
 * The flood's packets back to back, warm: bench/syn_driver.bpf.c makes each
 * run of BPF_PROG_TEST_RUN's repeat loop the next packet and tail-calls
 * nettrail's tc_ingress (empty: tc_empty, the baseline). Best of 7 trials of
 * `runs` runs, each on a fresh load (free slots, empty table: each trial
 * meets what the first did); kernel-timed ns per packet. The ring is not
 * drained: 2,000 refused pairs fill 352 KiB of its 1 MiB.
 */
static double run_warm(int pairs, int empty, unsigned runs)
{
	unsigned char f[sizeof(frame_tmpl)];
	double best = 1e18;

	memcpy(f, frame_tmpl, sizeof(f));
	f[17] = 40; /* tot_len: no payload */
	for (int t = 0; t < 7; t++) {
		struct bpf_object *d = bpf_object__open_file("build/bench/syn_driver.bpf.o", NULL);
		struct flow_bpf *s = load(131072);
		struct bpf_program *p;
		__u32 zero = 0;
		int tfd;

		if (!d || !s || bpf_object__load(d)) {
			fprintf(stderr,
				"bench_datapath: cannot load build/bench/syn_driver.bpf.o\n");
			exit(1);
		}
		tfd = bpf_program__fd(empty ? s->progs.tc_empty : s->progs.tc_ingress);
		p = bpf_object__find_program_by_name(d, pairs ? "drive_pairs" : "drive_syns");
		if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(d, "target"), &zero, &tfd,
					BPF_ANY)) {
			perror("bench_datapath: target");
			exit(1);
		}
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = 54, .repeat = runs);
		if (bpf_prog_test_run_opts(bpf_program__fd(p), &o)) {
			perror("bench_datapath: test_run");
			exit(1);
		}
		if (o.duration < best)
			best = o.duration;
		bpf_object__close(d);
		flow_bpf__destroy(s);
	}
	return best;
}

/* flood-warm: SYN + refusing RST pairs; syn-warm: unanswered SYNs, 256
 * into 1,024 free slots (about one in eight meets a taken slot and goes
 * into the table) */
static void warm_cases(void)
{
	if (want("flood-warm"))
		report("flood-warm", run_warm(1, 0, 4000), run_warm(1, 1, 4000));
	if (want("syn-warm"))
		report("syn-warm", run_warm(0, 0, 20000), run_warm(0, 1, 20000));
}

static void syn_cases(void)
{
	if (want("syn-insert")) {
		struct flow_bpf *s = load(131072);
		double nt, em;

		nt = run_cycle(bpf_program__fd(s->progs.tc_ingress), 100000, 0x02);
		em = run_cycle(bpf_program__fd(s->progs.tc_empty), 100000, 0x02);
		report("syn-insert", nt, em);
		flow_bpf__destroy(s);
	}
	if (want("syn-park")) {
		struct flow_bpf *s = load(131072);
		double nt, em;

		nt = run_park(s, 100000);
		em = run_cycle(bpf_program__fd(s->progs.tc_empty), 100000, 0x02);
		report("syn-park", nt, em);
		flow_bpf__destroy(s);
	}
	warm_cases();
}

int main(int argc, char **argv)
{
	unsigned repeat = 2000000, sizes[] = { 1, 1000, 50000 };
	unsigned char f[sizeof(frame_tmpl)];
	char name[64];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--repeat"))
			repeat = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
	}
	libbpf_set_print(NULL);

	for (size_t k = 0; k < 3 && want("established"); k++) {
		struct flow_bpf *s = load(65536);
		double nt, em;

		if (!s) {
			fprintf(stderr, "cannot load the datapath (root?)\n");
			return 1;
		}
		populate(s, sizes[k]);
		memcpy(f, frame_tmpl, sizeof(f));
		set_flow(f, sizes[k] / 2, 0x10);
		nt = run_repeat(bpf_program__fd(s->progs.tc_ingress), f, repeat);
		em = run_repeat(bpf_program__fd(s->progs.tc_empty), f, repeat);
		snprintf(name, sizeof(name), "established/%u", sizes[k]);
		report(name, nt, em);
		flow_bpf__destroy(s);
	}
	if (want("cycle")) {
		struct flow_bpf *s = load(65536);
		double nt, em;

		populate(s, 50000);
		nt = run_cycle(bpf_program__fd(s->progs.tc_ingress), 50000, 0x10);
		em = run_cycle(bpf_program__fd(s->progs.tc_empty), 50000, 0x10);
		report("cycle/50000", nt, em);
		flow_bpf__destroy(s);
	}
	syn_cases();
	if (want("udp-sample"))
		sample_cost("udp-sample/1", 1);
	if (want("udp-sample"))
		sample_cost("udp-sample/gso3", 3);
	if (want("syn-rst")) {
		/* a SYN flood to a closed port: every pair a new flow, then the
		 * same tuples again (each SYN restarts a closed flow) */
		struct flow_bpf *s = load(131072);
		struct flow_bpf *e = load(131072);
		double nt, em;

		nt = run_flood(s, bpf_program__fd(s->progs.tc_ingress), 50000, 0);
		em = run_flood(e, bpf_program__fd(e->progs.tc_empty), 50000, 0);
		report("syn-rst-new", nt, em);
		nt = run_flood(s, bpf_program__fd(s->progs.tc_ingress), 50000, 1);
		em = run_flood(e, bpf_program__fd(e->progs.tc_empty), 50000, 1);
		report("syn-rst-restart", nt, em);
		flow_bpf__destroy(s);
		flow_bpf__destroy(e);
	}
	if (want("nat")) {
		nat_case(repeat);
		nat_new_flow_case();
	}
	if (want("capture")) {
		capture_case(repeat);
		capture_syn_case();
	}
	if (want("kernel-memory")) {
		unsigned n[2] = { 1024, 262144 };
		long long m[2];

		for (int i = 0; i < 2; i++) {
			struct flow_bpf *s = load(n[i]);

			m[i] = memlock_of(bpf_map__fd(s->maps.flows));
			flow_bpf__destroy(s);
		}
		printf("{\"case\":\"kernel-memory\",\"key_bytes\":%zu,"
		       "\"value_bytes\":%zu,\"memlock_1024\":%lld,"
		       "\"memlock_262144\":%lld,\"bytes_per_flow\":%.1f}\n",
		       sizeof(struct nt_flow_key), sizeof(struct nt_flow_val), m[0], m[1],
		       (double)(m[1] - m[0]) / (n[1] - n[0]));
	}
	return 0;
}
