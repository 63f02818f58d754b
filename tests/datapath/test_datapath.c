// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_datapath.c - the TC program (bpf/flow.bpf.c) run with
 * BPF_PROG_TEST_RUN on crafted frames.
 *
 * Every test loads a fresh skeleton (cfg_pcap_mode = 1 unless it says
 * live: time is the skb->tstamp we pass), runs frames through tc_ingress,
 * then reads the flow table, the summed per-CPU counters and the ring
 * buffer, and compares them with exact figures. Every run also checks the
 * program's return value: TC_ACT_UNSPEC, always.
 *
 * The expected key is built here from the contract in nettrail.h and
 * docs/datapath.md (lower (address, port) first, addresses compared as
 * bytes in network order, IPv4 as ::ffff:a.b.c.d), independently of the
 * program's own comparison.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "flow.skel.h"
#include "sock.skel.h"
#include "nettrail.h"
#include "nt_capture.h"
#include "nt_sock.h"
#include "datapath/pkt.h"
#include "datapath/loader.h"

#define TC_ACT_UNSPEC (-1)
#define T0	      1000000000000ULL /* 1000 s on the capture clock */
#define TS(i)	      (T0 + (uint64_t)(i)*1000003ULL)
#define SEC_NS	      1000000000ULL

#define FIN NT_TCP_FIN
#define SYN NT_TCP_SYN
#define RST NT_TCP_RST
#define PSH NT_TCP_PSH
#define ACK NT_TCP_ACK
#define ECE NT_TCP_ECE
#define CWR NT_TCP_CWR

#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMP_	1
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_	132
#define IPPROTO_GRE_	47

/* ---- the loaded datapath --------------------------------------------- */

static struct flow_bpf *skel;
static int prog_fd;
static struct ring_buffer *rb;
static struct nt_event evs[64];
static int nevs;		   /* events taken off the ring so far */
static int ev_bad_size;		   /* records of an unexpected size */
static struct nt_flow_end ends[8]; /* NT_EV_FLOW_END records */
static int nends;
static unsigned runs; /* successful test runs */
static unsigned lo_ifindex;
static struct bpf_program *ct_prog; /* the conntrack program dp_open loaded */
static struct nt_syn_slot *slots;   /* the SYN slots, mmapped as the collector does */
static size_t slots_len;
static uint32_t n_slots;

struct dp_cfg {
	int live;		   /* cfg_pcap_mode = 0 */
	unsigned max_flows;	   /* 0: the object's default */
	unsigned overflow_per_sec; /* 0: the object's default */
	unsigned sample_pkts;	   /* payload samples per direction;
					 * 0: none (flow-accounting tests) */
	unsigned dns_port;	   /* 0: no DNS sampling */
	unsigned tls_cert_max;	   /* 0: the object's default */
	int ct_lookup;		   /* load tc_nat_ct_lookup, not tc_nat_ct */
	unsigned syn_slots;	   /* 0: the object's default; -1u: none */
};

static int on_event(void *ctx, void *data, size_t sz)
{
	(void)ctx;
	if (sz == sizeof(struct nt_flow_end) && *(uint32_t *)data == NT_EV_FLOW_END) {
		if (nends < (int)(sizeof(ends) / sizeof(ends[0])))
			memcpy(&ends[nends], data, sizeof(ends[0]));
		nends++;
		return 0;
	}
	if (sz != sizeof(struct nt_event)) {
		ev_bad_size++;
		return 0;
	}
	if (nevs < (int)(sizeof(evs) / sizeof(evs[0])))
		memcpy(&evs[nevs], data, sizeof(evs[0]));
	nevs++;
	return 0;
}

static void dp_open_cfg(struct dp_cfg c)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	/* The overflow rate limiter is per CPU: keep every run on one. */
	cr_assert_geq(cpu, 0, "sched_getcpu: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "sched_setaffinity: %s",
		     strerror(errno));

	libbpf_set_print(NULL);
	skel = flow_bpf__open();
	cr_assert_not_null(skel, "flow_bpf__open: %s", strerror(errno));
	skel->rodata->cfg_pcap_mode = c.live ? 0 : 1;
	skel->rodata->cfg_sample_pkts = (__u8)c.sample_pkts;
	skel->rodata->cfg_dns_ports[0] = (__u16)c.dns_port;
	if (c.tls_cert_max)
		skel->rodata->cfg_tls_cert_max_bytes = c.tls_cert_max;
	if (c.overflow_per_sec)
		skel->rodata->cfg_overflow_per_sec = c.overflow_per_sec;
	if (c.max_flows)
		cr_assert_eq(bpf_map__set_max_entries(skel->maps.flows, c.max_flows), 0);
	if (c.syn_slots == -1u) {
		skel->rodata->cfg_syn_slots = 0;
	} else if (c.syn_slots) {
		skel->rodata->cfg_syn_slots = c.syn_slots;
		cr_assert_eq(bpf_map__set_max_entries(skel->maps.syn_slots, c.syn_slots), 0);
	}
	cr_assert_eq(
		bpf_map__set_max_entries(skel->maps.cap_scratch, (__u32)libbpf_num_possible_cpus()),
		0);
	cr_assert_eq(nt_dp_ct_prepare(skel, c.ct_lookup ? NT_NAT_CT_LOOKUP : NT_NAT_CT_SKB), 0);
	cr_assert_eq(flow_bpf__load(skel), 0, "flow_bpf__load: %s (root?)", strerror(errno));
	ct_prog = c.ct_lookup ? skel->progs.tc_nat_ct_lookup : skel->progs.tc_nat_ct;
	prog_fd = bpf_program__fd(skel->progs.tc_ingress);
	n_slots = bpf_map__max_entries(skel->maps.syn_slots);
	slots_len = n_slots * sizeof(*slots);
	slots = mmap(NULL, slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(skel->maps.syn_slots), 0);
	cr_assert_neq(slots, MAP_FAILED, "mmap syn_slots: %s", strerror(errno));
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	cr_assert_not_null(rb, "ring_buffer__new: %s", strerror(errno));
	lo_ifindex = if_nametoindex("lo");
	cr_assert_neq(lo_ifindex, 0u, "no lo interface");
	runs = 0;
	nevs = 0;
	nends = 0;
	ev_bad_size = 0;
}

#define dp_open(...) dp_open_cfg((struct dp_cfg){ __VA_ARGS__ })

static void dp_close(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	munmap(slots, slots_len);
	slots = NULL;
	flow_bpf__destroy(skel);
	skel = NULL;
}

/* ---- running frames ---------------------------------------------------- */

struct run_ctx {
	uint64_t ts; /* skb->tstamp */
	uint32_t gso_segs, gso_size;
	uint32_t ifindex; /* 0: the kernel's default (loopback) */
	int egress;	  /* run tc_egress instead of tc_ingress */
};

/* One BPF_PROG_TEST_RUN; returns 0 or -errno. Checks the return value. */
static int run_raw(const uint8_t *f, size_t len, struct run_ctx r)
{
	struct __sk_buff ctx;
	int fd = r.egress ? bpf_program__fd(skel->progs.tc_egress) : prog_fd;

	memset(&ctx, 0, sizeof(ctx));
	ctx.tstamp = r.ts;
	ctx.gso_segs = r.gso_segs;
	ctx.gso_size = r.gso_size;
	ctx.ifindex = r.ifindex;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (__u32)len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	cr_assert_eq((int)o.retval, TC_ACT_UNSPEC,
		     "the program returned %d, not TC_ACT_UNSPEC (len %zu)", (int)o.retval, len);
	runs++;
	return 0;
}

static void run_ok(const uint8_t *f, size_t len, struct run_ctx r)
{
	int err = run_raw(f, len, r);

	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN (len %zu): %s", len, strerror(-err));
}

static uint8_t frame[PKT_BUF];

static size_t build(const struct pkt_spec *s, struct pkt_layout *l)
{
	size_t n = pkt_build(frame, sizeof(frame), s, l);

	cr_assert_gt(n, 0u, "pkt_build refused the spec");
	return n;
}

static void send_ex(const struct pkt_spec *s, struct run_ctx r)
{
	size_t n = build(s, NULL);

	run_ok(frame, n, r);
}

static void send_at(const struct pkt_spec *s, uint64_t ts)
{
	send_ex(s, (struct run_ctx){ .ts = ts });
}

/* ---- keys -------------------------------------------------------------- */

static void mapped(uint8_t out[16], const uint8_t a[16], int ver)
{
	if (ver == 4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a, 4);
	} else {
		memcpy(out, a, 16);
	}
}

/*
 * The canonical key of a spec's packet, from the contract; *side is the key
 * side of its sender. portless: the key a later fragment without its first
 * fragment gets.
 */
static struct nt_flow_key key_x(const struct pkt_spec *s, int *side, int portless)
{
	struct nt_flow_key k;
	uint8_t a[16], b[16];
	uint16_t sp = 0, dp = 0;
	int c, swap;

	memset(&k, 0, sizeof(k));
	mapped(a, s->src, s->ip_version);
	mapped(b, s->dst, s->ip_version);
	k.proto = s->proto;
	k.ip_version = s->ip_version;
	if (!portless &&
	    (s->proto == IPPROTO_TCP_ || s->proto == IPPROTO_UDP_ || s->proto == IPPROTO_SCTP_)) {
		sp = s->sport;
		dp = s->dport;
	} else if (!portless && (s->proto == IPPROTO_ICMP_ || s->proto == IPPROTO_ICMPV6_)) {
		uint8_t req = s->proto == IPPROTO_ICMP_ ? 8 : 128;
		uint8_t rep = s->proto == IPPROTO_ICMP_ ? 0 : 129;

		if (s->icmp_type == req || s->icmp_type == rep) {
			sp = dp = s->icmp_id;
			k.icmp_echo = 1;
		} else {
			sp = s->icmp_type;
			dp = s->icmp_code;
		}
	}
	c = memcmp(a, b, 16);
	swap = c > 0 || (c == 0 && sp > dp);
	memcpy(k.addr[0], swap ? b : a, 16);
	memcpy(k.addr[1], swap ? a : b, 16);
	k.port[0] = swap ? dp : sp;
	k.port[1] = swap ? sp : dp;
	if (side)
		*side = swap;
	return k;
}

static struct nt_flow_key key_of(const struct pkt_spec *s, int *side)
{
	return key_x(s, side, 0);
}

static const char *key_str(const struct nt_flow_key *k, char *buf, size_t n)
{
	char a[2][INET6_ADDRSTRLEN];

	for (int i = 0; i < 2; i++) {
		if (k->ip_version == 4)
			inet_ntop(AF_INET, k->addr[i] + 12, a[i], sizeof(a[i]));
		else
			inet_ntop(AF_INET6, k->addr[i], a[i], sizeof(a[i]));
	}
	snprintf(buf, n, "[v%u proto %u echo %u] %s:%u - %s:%u", k->ip_version, k->proto,
		 k->icmp_echo, a[0], k->port[0], a[1], k->port[1]);
	return buf;
}

/* ---- reading the maps --------------------------------------------------- */

/* Parked SYNs (the SYN slots): flows too, for every test that reads the
 * table; slot_of() is where the programs park a key. */
static unsigned slots_open(void)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < n_slots; i++)
		n += slots[i].state == NT_SYN_SLOT_OPEN;
	return n;
}

static struct nt_syn_slot *slot_of(const struct nt_flow_key *k)
{
	struct nt_syn_slot *s = &slots[nt_syn_slot_hash(k) & (n_slots - 1)];

	return s->state == NT_SYN_SLOT_OPEN && !memcmp(&s->key, k, sizeof(*k)) ? s : NULL;
}

static unsigned flow_count(void)
{
	int fd = bpf_map__fd(skel->maps.flows);
	struct nt_flow_key k, next;
	unsigned n = 0;
	int err = bpf_map_get_next_key(fd, NULL, &next);

	while (!err) {
		n++;
		k = next;
		err = bpf_map_get_next_key(fd, &k, &next);
	}
	return n + slots_open();
}

/* Every key in the table, for failure messages. */
static const char *flow_dump(void)
{
	static char out[4096];
	int fd = bpf_map__fd(skel->maps.flows);
	struct nt_flow_key k, next;
	size_t o = 0;
	char b[200];
	int err = bpf_map_get_next_key(fd, NULL, &next);

	out[0] = 0;
	while (!err && o < sizeof(out) - 220) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "\n  %s",
				      key_str(&next, b, sizeof(b)));
		k = next;
		err = bpf_map_get_next_key(fd, &k, &next);
	}
	for (uint32_t i = 0; i < n_slots && o < sizeof(out) - 240; i++)
		if (slots[i].state == NT_SYN_SLOT_OPEN)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\n  %s (SYN slot %u)",
					      key_str(&slots[i].key, b, sizeof(b)), i);
	return o ? out : " (empty)";
}

static int flow_find(const struct nt_flow_key *k, struct nt_flow_val *v)
{
	struct nt_syn_slot *s;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.flows), k, v) == 0)
		return 1;
	if (!(s = slot_of(k)))
		return 0;
	*v = s->val;
	return 1;
}

static struct nt_flow_val flow_get(const struct nt_flow_key *k)
{
	struct nt_flow_val v;
	char b[200];

	memset(&v, 0, sizeof(v));
	cr_assert(flow_find(k, &v), "no flow %s; the table holds:%s", key_str(k, b, sizeof(b)),
		  flow_dump());
	return v;
}

static const char *stat_name[NT_STAT_MAX] = {
	"PACKETS",
	"NON_IP",
	"ERR_L2",
	"ERR_L3",
	"ERR_EXTHDR",
	"ERR_L4",
	"FRAG_UNMATCHED",
	"TABLE_FULL",
	"OVERFLOW_SENT",
	"OVERFLOW_LOST_PKTS",
	"OVERFLOW_LOST_BYTES",
	"RINGBUF_FULL",
	"CLOSE_EV_LOST",
	"NOT_OWNER",
	"SAMPLES",
	"SAMPLES_LOST",
	"FLOW_RESTARTS",
	"FLOW_ENDS_SLOW",
	"FLOW_RESTARTS_MERGED",
	"NAT_LINKED",
	"NAT_XLATE_OWNER",
	"NAT_CT_MISS",
	"NAT_NO_CT",
	"NAT_LINK_FAILED",
	"NAT_UNTRACKED",
	"SYN_PARKED",
	"SYN_SLOT_TAKEN",
	"SYN_PROMOTED",
	"SYN_SPILLED",
};

/* Where a SYN's flow waits is not what most tests are about: these two are
 * checked by the SYN slot tests (stat_get), not by EXPECT_STATS. */
static int stat_is_slot_path(int i)
{
	return i == NT_STAT_SYN_PARKED || i == NT_STAT_SYN_PROMOTED;
}

static void stats_read(uint64_t out[NT_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct nt_stats *pc;
	__u32 zero = 0;

	cr_assert_gt(ncpu, 0);
	pc = calloc((size_t)ncpu, sizeof(*pc));
	cr_assert_not_null(pc);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &zero, pc), 0,
		     "stats lookup: %s", strerror(errno));
	memset(out, 0, sizeof(uint64_t) * NT_STAT_MAX);
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < NT_STAT_MAX; i++)
			out[i] += pc[c].v[i];
	free(pc);
}

/*
 * Every counter exact: NT_STAT_PACKETS must equal the number of runs, the
 * others what want says (want[NT_STAT_PACKETS] is ignored).
 */
static void check_stats(const uint64_t want[NT_STAT_MAX])
{
	uint64_t got[NT_STAT_MAX];

	stats_read(got);
	cr_expect_eq(got[NT_STAT_PACKETS], (uint64_t)runs, "NT_STAT_PACKETS is %llu, but %u runs",
		     (unsigned long long)got[NT_STAT_PACKETS], runs);
	for (int i = 1; i < NT_STAT_MAX; i++)
		if (!stat_is_slot_path(i))
			cr_expect_eq(got[i], want[i], "NT_STAT_%s is %llu, want %llu", stat_name[i],
				     (unsigned long long)got[i], (unsigned long long)want[i]);
}

#define EXPECT_STATS(...) \
	check_stats((const uint64_t[NT_STAT_MAX]){ [NT_STAT_PACKETS] = 0, __VA_ARGS__ })

/* What check_val leaves alone. */
#define SKIP_TIME 0x1 /* live mode: the clock is the kernel's */
#define SKIP_ICMP 0x2 /* icmp_type/icmp_code asserted elsewhere */

#define VEQ(f)                                                                                    \
	cr_expect_eq(g->f, w->f, "%s: " #f " is %llu, want %llu", what, (unsigned long long)g->f, \
		     (unsigned long long)w->f)

static void check_val(const char *what, const struct nt_flow_val *g, const struct nt_flow_val *w,
		      unsigned skip)
{
	if (!(skip & SKIP_TIME)) {
		VEQ(first_ns);
		VEQ(last_ns);
		VEQ(syn_ns);
		VEQ(synack_ns);
		VEQ(ack_ns);
		VEQ(close_ns);
	}
	VEQ(pkts[0]);
	VEQ(pkts[1]);
	VEQ(bytes[0]);
	VEQ(bytes[1]);
	cr_expect_eq(g->tcp_flags, w->tcp_flags, "%s: tcp_flags is 0x%04x, want 0x%04x", what,
		     g->tcp_flags, w->tcp_flags);
	VEQ(owner_ifindex);
	VEQ(seen_ifindex[0]);
	VEQ(seen_ifindex[1]);
	VEQ(seen_ifindex[2]);
	VEQ(initiator);
	VEQ(rst_first);
	VEQ(owner_hook);
	cr_expect_eq(g->attrs, w->attrs, "%s: attrs is 0x%02x, want 0x%02x", what, g->attrs,
		     w->attrs);
	if (!(skip & SKIP_ICMP)) {
		VEQ(icmp_type);
		VEQ(icmp_code);
	}
}

/* The expected value of a flow on lo at tc ingress; tests fill the rest. */
static struct nt_flow_val val0(void)
{
	struct nt_flow_val v;

	memset(&v, 0, sizeof(v));
	v.owner_ifindex = if_nametoindex("lo");
	v.owner_hook = NT_HOOK_TC_INGRESS;
	return v;
}

/* Looks the flow up by its canonical key and checks every field. */
static void expect_flow(const char *what, const struct nt_flow_key *k, const struct nt_flow_val *w,
			unsigned skip)
{
	struct nt_flow_val g = flow_get(k);

	check_val(what, &g, w, skip);
}

static void expect_no_flows(const char *what)
{
	cr_expect_eq(flow_count(), 0u, "%s: flows created:%s", what, flow_dump());
}

/* ---- events --------------------------------------------------------------- */

static int drain(void)
{
	int n = ring_buffer__consume(rb);

	cr_assert_geq(n, 0, "ring_buffer__consume: %d", n);
	cr_assert_eq(ev_bad_size, 0, "ring records of the wrong size");
	return nevs;
}

static void expect_event(int i, const struct nt_event *w)
{
	const struct nt_event *g = &evs[i];
	char b1[200], b2[200];
	static const uint8_t zero[sizeof(w->_pad)];

	cr_assert_lt(i, nevs, "event %d missing (%d events)", i, nevs);
	cr_expect_eq(g->type, w->type, "event %d: type %u, want %u", i, g->type, w->type);
	cr_expect_eq(g->ifindex, w->ifindex, "event %d: ifindex %u, want %u", i, g->ifindex,
		     w->ifindex);
	cr_expect_eq(g->ts_ns, w->ts_ns, "event %d: ts_ns %llu, want %llu", i,
		     (unsigned long long)g->ts_ns, (unsigned long long)w->ts_ns);
	cr_expect(!memcmp(&g->key, &w->key, sizeof(g->key)), "event %d: key %s, want %s", i,
		  key_str(&g->key, b1, sizeof(b1)), key_str(&w->key, b2, sizeof(b2)));
	cr_expect_eq(g->pkts, w->pkts, "event %d: pkts %u, want %u", i, g->pkts, w->pkts);
	cr_expect_eq(g->bytes, w->bytes, "event %d: bytes %u, want %u", i, g->bytes, w->bytes);
	cr_expect_eq(g->side, w->side, "event %d: side %u, want %u", i, g->side, w->side);
	cr_expect_eq(g->tcp_flags, w->tcp_flags, "event %d: tcp_flags 0x%x, want 0x%x", i,
		     g->tcp_flags, w->tcp_flags);
	cr_expect_eq(g->hook, w->hook, "event %d: hook %u, want %u", i, g->hook, w->hook);
	cr_expect_eq(g->icmp_type, w->icmp_type, "event %d: icmp_type %u", i, g->icmp_type);
	cr_expect_eq(g->icmp_code, w->icmp_code, "event %d: icmp_code %u", i, g->icmp_code);
	cr_expect(!memcmp(g->_pad, zero, sizeof(zero)), "event %d: padding not zeroed", i);
}

static struct nt_event close_ev(const struct nt_flow_key *k, uint64_t ts)
{
	struct nt_event e;

	memset(&e, 0, sizeof(e));
	e.type = NT_EV_CLOSE;
	e.ifindex = lo_ifindex;
	e.ts_ns = ts;
	e.key = *k;
	return e;
}

static struct nt_event overflow_ev(const struct pkt_spec *s, uint64_t ts, uint32_t pkts,
				   uint32_t bytes)
{
	struct nt_event e;
	int side;

	memset(&e, 0, sizeof(e));
	e.type = NT_EV_OVERFLOW;
	e.ifindex = lo_ifindex;
	e.ts_ns = ts;
	e.key = key_of(s, &side);
	e.pkts = pkts;
	e.bytes = bytes;
	e.side = (uint8_t)side;
	e.tcp_flags = s->proto == IPPROTO_TCP_ ? s->tcp_flags : 0;
	e.hook = NT_HOOK_TC_INGRESS;
	if (s->proto == IPPROTO_ICMP_ || s->proto == IPPROTO_ICMPV6_) {
		e.icmp_type = s->icmp_type;
		e.icmp_code = s->icmp_code;
	}
	return e;
}

/* The packets and bytes a flow's value counts each way (side 0, side 1). */
static void set_counts(struct nt_flow_val *v, uint64_t p0, uint64_t p1, uint64_t b0, uint64_t b1)
{
	v->pkts[0] = p0;
	v->pkts[1] = p1;
	v->bytes[0] = b0;
	v->bytes[1] = b1;
}

static uint32_t flags_of(int side, uint8_t f)
{
	return (uint32_t)f << (8 * side);
}

TestSuite(pkt);
TestSuite(datapath, .fini = dp_close);

/* ======================================================================= */
/* The packet builder itself                                               */
/* ======================================================================= */

Test(pkt, ipv4_tcp_vlan_options_layout)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN | ACK, 10);
	struct pkt_layout l;
	uint8_t *ip, *th;
	uint32_t sum = 0;
	size_t n;

	s.nvlan = 1;
	s.vlan_tci[0] = 100;
	s.ip_opt_len = 8;
	s.tcp_doff = 8;
	s.ip_id = 0x1234;
	s.df = 1;
	n = build(&s, &l);
	cr_assert_eq(n, 14u + 4 + 28 + 32 + 10);
	cr_assert_eq(l.l3_off, 18u);
	cr_assert_eq(l.ip_hdr_len, 28u);
	cr_assert_eq(l.l4_off, 46u);
	cr_assert_eq(l.l4_hdr_len, 32u);
	cr_assert_eq(l.payload_off, 78u);
	cr_assert_eq(l.ip_len, 70u);
	cr_assert_eq(pkt_ip_len(&s), 70u);
	cr_assert_eq(frame[12] << 8 | frame[13], 0x8100);
	cr_assert_eq(frame[14] << 8 | frame[15], 100);
	cr_assert_eq(frame[16] << 8 | frame[17], 0x0800);
	ip = frame + l.l3_off;
	cr_assert_eq(ip[0], 0x47);
	cr_assert_eq(ip[2] << 8 | ip[3], 70);
	cr_assert_eq(ip[4] << 8 | ip[5], 0x1234);
	cr_assert_eq(ip[6] << 8 | ip[7], 0x4000);
	cr_assert_eq(ip[9], 6);
	cr_assert(pkt_ipv4_csum_ok(ip));
	cr_assert_eq(memcmp(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8), 0);
	th = frame + l.l4_off;
	cr_assert_eq(th[0] << 8 | th[1], 40000);
	cr_assert_eq(th[2] << 8 | th[3], 80);
	cr_assert_eq(th[12], 0x80);
	cr_assert_eq(th[13], SYN | ACK);
	/* TCP checksum over the pseudo header verifies */
	for (int i = 0; i < 4; i += 2)
		sum += (uint32_t)(ip[12 + i] << 8 | ip[13 + i]) +
		       (uint32_t)(ip[16 + i] << 8 | ip[17 + i]);
	sum += 6 + 42;
	cr_assert_eq(pkt_csum(th, 42, sum), 0);
	/* a corrupted header fails the check */
	ip[8] ^= 1;
	cr_assert_not(pkt_ipv4_csum_ok(ip));
	cr_assert_eq(pkt_truncate(n, 30), 30u);
	cr_assert_eq(pkt_truncate(n, 1000), n);
}

Test(pkt, ipv4_overrides_and_fragments)
{
	struct pkt_spec s = pkt_udp("192.168.1.1", 1, "192.168.1.2", 2, 4);
	struct pkt_layout l;
	uint8_t *ip;

	s.ihl_set = 1;
	s.ihl = 3;
	s.version_nibble = 6;
	s.len_set = 1;
	s.len_field = 999;
	s.mf = 1;
	s.frag_off = 0x1abc;
	build(&s, &l);
	ip = frame + l.l3_off;
	cr_assert_eq(ip[0], 0x63);
	cr_assert_eq(ip[2] << 8 | ip[3], 999);
	cr_assert_eq(ip[6] << 8 | ip[7], 0x2000 | 0x1abc);
	/* the checksum covers the 20 bytes built */
	cr_assert_eq(pkt_csum(ip, 20, 0), 0);
	cr_assert_eq(l.ip_len, 32u);

	s = pkt_proto("10.1.1.1", "10.1.1.2", 253, 7);
	build(&s, &l);
	cr_assert_eq(l.l4_hdr_len, 0u);
	cr_assert_eq(l.ip_len, 27u);
	cr_assert_eq(frame[l.l3_off + 9], 253);
	cr_assert_eq(pkt_pad(frame, l.len, sizeof(frame)), 60u);
}

Test(pkt, sctp_layout_and_crc32c)
{
	struct pkt_spec s = pkt_sctp("10.1.0.1", 5000, "10.1.0.2", 38412, 0xdeadbeef, 20);
	struct pkt_layout l;
	uint8_t *h, copy[64];
	uint32_t crc;

	/* the CRC32c check value (RFC 3720 B.4 / the usual "123456789") */
	cr_assert_eq(pkt_crc32c("123456789", 9), 0xe3069283u);
	build(&s, &l);
	cr_assert_eq(l.l4_hdr_len, 12u);
	cr_assert_eq(l.ip_len, 20u + 12 + 20);
	cr_assert_eq(frame[l.l3_off + 9], 132);
	h = frame + l.l4_off;
	cr_assert_eq(h[0] << 8 | h[1], 5000);
	cr_assert_eq(h[2] << 8 | h[3], 38412);
	cr_assert_eq(memcmp(h + 4, "\xde\xad\xbe\xef", 4), 0);
	memcpy(copy, h, 32);
	memset(copy + 8, 0, 4);
	crc = pkt_crc32c(copy, 32);
	cr_assert_eq((uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 |
			     (uint32_t)h[11] << 24,
		     crc);
}

Test(pkt, ipv6_extension_chain_layout)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 5000, "2001:db8::2", 53, 12);
	struct pkt_layout l;
	struct pkt_ext *f;
	uint8_t *ip;

	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 16);
	pkt_add_ext(&s, PKT_EXT_ROUTING, 24);
	f = pkt_add_ext(&s, PKT_EXT_FRAGMENT, 0);
	f->frag_off = 0x123;
	f->frag_more = 1;
	f->frag_id = 0xdeadbeef;
	pkt_add_ext(&s, PKT_EXT_AH, 16);
	pkt_add_ext(&s, PKT_EXT_DSTOPTS, 0);
	build(&s, &l);
	cr_assert_eq(l.ip_hdr_len, 40u + 16 + 24 + 8 + 16 + 8);
	cr_assert_eq(l.ip_len, 40u + 72 + 8 + 12);
	ip = frame + l.l3_off;
	cr_assert_eq(frame[12] << 8 | frame[13], 0x86dd);
	cr_assert_eq(ip[0] >> 4, 6);
	cr_assert_eq(ip[4] << 8 | ip[5], 72 + 8 + 12);
	cr_assert_eq(ip[6], PKT_EXT_HOPOPTS);
	cr_assert_eq(l.ext_off[0], 54u);
	cr_assert_eq(frame[54], PKT_EXT_ROUTING);
	cr_assert_eq(frame[55], 1); /* (16 / 8) - 1 */
	cr_assert_eq(frame[70], PKT_EXT_FRAGMENT);
	cr_assert_eq(frame[71], 2); /* (24 / 8) - 1 */
	cr_assert_eq(l.ext_off[2], 94u);
	cr_assert_eq(frame[94], PKT_EXT_AH);
	cr_assert_eq(frame[96] << 8 | frame[97], 0x123 << 3 | 1);
	cr_assert_eq(memcmp(frame + 98, "\xde\xad\xbe\xef", 4), 0);
	cr_assert_eq(frame[102], PKT_EXT_DSTOPTS);
	cr_assert_eq(frame[103], 2); /* AH: (16 / 4) - 2 */
	cr_assert_eq(frame[118], 17);
	cr_assert_eq(frame[119], 0);
	cr_assert_eq(l.l4_off, 126u);
	cr_assert_eq(frame[126] << 8 | frame[127], 5000);
	cr_assert_eq(pkt_ip_len(&s), l.ip_len);
	/* invalid length: refused */
	s.ext[0].len = 12;
	cr_assert_eq(pkt_build(frame, sizeof(frame), &s, NULL), 0u);
}

/* ======================================================================= */
/* TCP                                                                     */
/* ======================================================================= */

/*
 * Handshake with options, data both ways, FIN both ways, last ACK:
 *   t0 C>S SYN|ECE|CWR (doff 10)   t1 S>C SYN|ACK|ECE (doff 10)
 *   t2 C>S ACK                     t3 C>S PSH|ACK 100 bytes
 *   t4 S>C ACK 300 bytes           t5 C>S FIN|ACK
 *   t6 S>C FIN|ACK (close)         t7 C>S ACK
 */
static void handshake(const char *cli, uint16_t cport, const char *srv, uint16_t sport)
{
	struct pkt_spec p[8];
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	struct nt_event ce;
	int cs, ss, hdr;

	dp_open();
	p[0] = pkt_tcp(cli, cport, srv, sport, SYN | ECE | CWR, 0);
	p[0].tcp_doff = 10;
	p[1] = pkt_tcp(srv, sport, cli, cport, SYN | ACK | ECE, 0);
	p[1].tcp_doff = 10;
	p[2] = pkt_tcp(cli, cport, srv, sport, ACK, 0);
	p[3] = pkt_tcp(cli, cport, srv, sport, PSH | ACK, 100);
	p[4] = pkt_tcp(srv, sport, cli, cport, ACK, 300);
	p[5] = pkt_tcp(cli, cport, srv, sport, FIN | ACK, 0);
	p[6] = pkt_tcp(srv, sport, cli, cport, FIN | ACK, 0);
	p[7] = pkt_tcp(cli, cport, srv, sport, ACK, 0);
	for (int i = 0; i < 8; i++) {
		send_at(&p[i], TS(i));
		if (i == 5)
			cr_assert_eq(drain(), 0, "close event before both FINs");
	}

	k = key_of(&p[0], &cs);
	ss = !cs;
	hdr = p[0].ip_version == 6 ? 40 : 20;
	w.first_ns = TS(0);
	w.last_ns = TS(7);
	w.syn_ns = TS(0);
	w.synack_ns = TS(1);
	w.ack_ns = TS(2);
	w.close_ns = TS(6);
	w.pkts[cs] = 5;
	w.pkts[ss] = 3;
	/* 40+0, 20, 20+100, 20, 20 and 40+0, 20+300, 20 of TCP */
	w.bytes[cs] = (uint64_t)(5 * hdr + 220);
	w.bytes[ss] = (uint64_t)(3 * hdr + 380);
	w.tcp_flags = flags_of(cs, SYN | ECE | CWR | ACK | PSH | FIN) |
		      flags_of(ss, SYN | ACK | ECE | FIN);
	w.initiator = (uint8_t)cs;
	cr_assert_eq(flow_count(), 1u, "both directions must share one entry:%s", flow_dump());
	expect_flow("handshake", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 1, "want exactly one close event, got %d", nevs);
	ce = close_ev(&k, TS(6));
	expect_event(0, &ce);
}

Test(datapath, tcp_handshake_v4_client_lower)
{
	handshake("10.0.0.1", 40000, "10.0.0.2", 80);
}

Test(datapath, tcp_handshake_v4_client_higher)
{
	handshake("10.0.0.2", 40000, "10.0.0.1", 80);
}

Test(datapath, tcp_handshake_v4_same_address_ports_decide)
{
	handshake("10.0.0.7", 40000, "10.0.0.7", 80);
}

Test(datapath, tcp_handshake_v6_client_lower)
{
	handshake("2001:db8::1", 40000, "2001:db8::2", 443);
}

Test(datapath, tcp_handshake_v6_client_higher)
{
	handshake("2001:db8::2", 40000, "2001:db8::1", 443);
}

/* SYN+ACK first: the initiator is its receiver, not the first sender. */
Test(datapath, tcp_synack_first)
{
	struct pkt_spec sa = pkt_tcp("10.0.0.1", 80, "10.0.0.2", 40000, SYN | ACK, 0);
	struct pkt_spec ack = pkt_tcp("10.0.0.2", 40000, "10.0.0.1", 80, ACK, 0);
	struct pkt_spec data = pkt_tcp("10.0.0.2", 40000, "10.0.0.1", 80, PSH | ACK, 50);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	int ss;

	dp_open();
	send_at(&sa, TS(0));
	send_at(&ack, TS(1));
	send_at(&data, TS(2));
	k = key_of(&sa, &ss);
	cr_assert_eq(ss, 0);
	w.first_ns = TS(0);
	w.last_ns = TS(2);
	w.synack_ns = TS(0);
	w.ack_ns = TS(1);
	set_counts(&w, 1, 2, 40, 40 + 90);
	w.tcp_flags = flags_of(0, SYN | ACK) | flags_of(1, ACK | PSH);
	w.initiator = 1;
	cr_assert_eq(flow_count(), 1u);
	expect_flow("synack first", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 0);
}

/* A capture reordered: SYN+ACK, then the SYN, then the ACK; then both
 * retransmitted. The first of each stamps its time, retransmissions don't. */
Test(datapath, tcp_syn_after_synack_and_retransmissions)
{
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec ack = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&sa, TS(0));
	send_at(&syn, TS(1));
	send_at(&ack, TS(2));
	send_at(&syn, TS(3));
	send_at(&sa, TS(4));
	send_at(&ack, TS(5));
	k = key_of(&syn, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(5);
	w.syn_ns = TS(1);
	w.synack_ns = TS(0);
	w.ack_ns = TS(2);
	set_counts(&w, 4, 2, 160, 80);
	w.tcp_flags = flags_of(0, SYN | ACK) | flags_of(1, SYN | ACK);
	w.initiator = 0;
	expect_flow("reordered handshake", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 0);
}

/* First packet a plain ACK: midstream, initiator = first sender. */
Test(datapath, tcp_midstream)
{
	struct pkt_spec d = pkt_tcp("10.0.0.2", 40000, "10.0.0.1", 80, PSH | ACK, 10);
	struct pkt_spec a = pkt_tcp("10.0.0.1", 80, "10.0.0.2", 40000, ACK, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&d, TS(0));
	send_at(&a, TS(1));
	k = key_of(&d, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	set_counts(&w, 1, 1, 40, 50);
	w.tcp_flags = flags_of(1, PSH | ACK) | flags_of(0, ACK);
	w.initiator = 1;
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("midstream", &k, &w, 0);
	cr_assert_eq(flow_count(), 1u);
	EXPECT_STATS();
	cr_assert_eq(drain(), 0);
}

/* The REJ flow of SYN -> RST, as it ends at the RST. */
static struct nt_flow_val rej_val(uint64_t t_syn, uint64_t t_rst)
{
	struct nt_flow_val w = val0();

	w.first_ns = w.syn_ns = t_syn;
	w.last_ns = w.close_ns = t_rst;
	w.rst_first = 2;
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = w.bytes[1] = 40;
	w.tcp_flags = flags_of(0, SYN) | flags_of(1, RST | ACK);
	return w;
}

/* SYN answered by RST (REJ): rst_first = the responder's side, close at the
 * RST; the attempt ends there, without the close linger: its final value
 * goes up at once (NT_EV_FLOW_END, no close event) and the entry is freed.
 * A stray RST after it (no stack sends one) is a midstream flow of its own. */
Test(datapath, tcp_rst_after_syn)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, RST | ACK, 0);
	struct pkt_spec rst2 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, RST, 0);
	struct nt_flow_val w = rej_val(TS(0), TS(1));
	struct nt_flow_key k;
	struct nt_event e;

	dp_open();
	send_at(&syn, TS(0));
	send_at(&rst, TS(1));
	k = key_of(&syn, NULL);
	cr_assert_eq(flow_count(), 0u, "the REJ entry is freed:%s", flow_dump());
	cr_assert_eq(drain(), 0, "no close event, got %d", nevs);
	cr_assert_eq(nends, 1, "want one flow end, got %d", nends);
	cr_expect_eq(ends[0].ifindex, lo_ifindex);
	cr_expect(!memcmp(&ends[0].key, &k, sizeof(k)));
	check_val("rej", &ends[0].val, &w, 0);

	send_at(&rst2, TS(2));
	w = val0();
	w.first_ns = w.last_ns = w.close_ns = TS(2);
	w.rst_first = 1;
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = flags_of(0, RST);
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("stray rst", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 1, "want one close event, got %d", nevs);
	e = close_ev(&k, TS(2));
	expect_event(0, &e);
	cr_assert_eq(nends, 1);
}

/* A RST as the very first packet of a flow closes it at once. */
Test(datapath, tcp_rst_first_packet)
{
	struct pkt_spec rst = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 5555, RST | ACK, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	struct nt_event e;

	dp_open();
	send_at(&rst, TS(3));
	k = key_of(&rst, NULL);
	w.first_ns = w.last_ns = TS(3);
	w.close_ns = TS(3);
	w.rst_first = 2;
	w.pkts[1] = 1;
	w.bytes[1] = 40;
	w.tcp_flags = flags_of(1, RST | ACK);
	w.initiator = 1;
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("rst first", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 1);
	e = close_ev(&k, TS(3));
	expect_event(0, &e);
}

/* ---- SYN slots (include/nettrail.h: struct nt_syn_slot) ----------------- */

static void fill_table(unsigned n);

/* Entries in the flow table itself (flow_count adds the parked SYNs). */
static unsigned table_count(void)
{
	return flow_count() - slots_open();
}

static uint64_t stat_get(int id)
{
	uint64_t got[NT_STAT_MAX];

	stats_read(got);
	return got[id];
}

/* A refused SYN, with SYN slots and without: the same flow end, as the
 * table made it; with slots, the SYN waits in its slot (no table entry)
 * and the RST frees it. */
static void rej_with_slots(unsigned slots_cfg, int parked)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, RST | ACK, 0);
	struct nt_flow_val w = rej_val(TS(0), TS(1)), sw = val0();
	struct nt_flow_key k = key_of(&syn, NULL);
	struct nt_syn_slot *s;

	dp_open(.syn_slots = slots_cfg);
	send_at(&syn, TS(0));
	s = slot_of(&k);
	cr_assert_eq(s != NULL, parked, "SYN parked: %d, want %d", s != NULL, parked);
	cr_assert_eq(table_count(), parked ? 0u : 1u, "table:%s", flow_dump());
	sw.first_ns = sw.last_ns = sw.syn_ns = TS(0);
	sw.pkts[0] = 1;
	sw.bytes[0] = 40;
	sw.tcp_flags = flags_of(0, SYN);
	expect_flow("the SYN", &k, &sw, 0);
	send_at(&rst, TS(1));
	cr_assert_eq(flow_count(), 0u, "the REJ is gone:%s", flow_dump());
	cr_assert_eq(drain(), 0, "no close event, got %d", nevs);
	cr_assert_eq(nends, 1, "want one flow end, got %d", nends);
	cr_expect(!memcmp(&ends[0].key, &k, sizeof(k)));
	check_val("rej", &ends[0].val, &w, 0);
	cr_expect_eq(stat_get(NT_STAT_SYN_PARKED), (uint64_t)parked);
	cr_expect_eq(stat_get(NT_STAT_SYN_PROMOTED), 0u);
	EXPECT_STATS();
	dp_close();
}

Test(datapath, syn_slot_rej_same_end_as_the_table)
{
	rej_with_slots(0, 1);	/* the object's default: slots on */
	rej_with_slots(-1u, 0); /* off: the table, as before */
}

/* The SYN+ACK moves a parked SYN's flow into the table as it is; the
 * handshake goes on there. */
Test(datapath, syn_slot_promoted_by_synack)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec ack = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK, 0);
	struct nt_flow_key k = key_of(&syn, NULL);
	struct nt_flow_val w = val0(), g;

	dp_open();
	send_at(&syn, TS(0));
	cr_assert_not_null(slot_of(&k), "the SYN is not parked:%s", flow_dump());
	send_at(&sa, TS(1));
	cr_assert_null(slot_of(&k), "the slot is still open");
	cr_assert_eq(table_count(), 1u, "table:%s", flow_dump());
	send_at(&ack, TS(2));
	w.first_ns = w.syn_ns = TS(0);
	w.synack_ns = TS(1);
	w.ack_ns = w.last_ns = TS(2);
	w.pkts[0] = 2;
	w.pkts[1] = 1;
	w.bytes[0] = w.bytes[1] = 40;
	w.bytes[0] += 40;
	w.tcp_flags = flags_of(0, SYN | ACK) | flags_of(1, SYN | ACK);
	cr_assert(bpf_map_lookup_elem(bpf_map__fd(skel->maps.flows), &k, &g) == 0,
		  "not in the table");
	check_val("promoted", &g, &w, 0);
	cr_expect_eq(stat_get(NT_STAT_SYN_PARKED), 1u);
	cr_expect_eq(stat_get(NT_STAT_SYN_PROMOTED), 1u);
	EXPECT_STATS();
	cr_assert_eq(drain(), 0);
	cr_assert_eq(nends, 0);
}

/* A retransmitted SYN counts into its parked flow, which stays parked. */
Test(datapath, syn_slot_retransmission_stays_parked)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct nt_flow_key k = key_of(&syn, NULL);
	struct nt_flow_val w = val0();

	dp_open();
	send_at(&syn, TS(0));
	send_at(&syn, TS(1));
	cr_assert_not_null(slot_of(&k), "not parked:%s", flow_dump());
	cr_assert_eq(table_count(), 0u, "table:%s", flow_dump());
	w.first_ns = w.syn_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = 2;
	w.bytes[0] = 80;
	w.tcp_flags = flags_of(0, SYN);
	check_val("parked twice", &slot_of(&k)->val, &w, 0);
	cr_expect_eq(stat_get(NT_STAT_SYN_PARKED), 1u);
	cr_expect_eq(stat_get(NT_STAT_SYN_PROMOTED), 0u);
	EXPECT_STATS();
}

/* One slot: a second tuple's SYN finds it taken and goes into the table;
 * each RST ends its own attempt, from the slot and from the table. */
Test(datapath, syn_slot_taken_goes_to_the_table)
{
	struct pkt_spec a = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec b = pkt_tcp("10.0.0.1", 40001, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec ra = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, RST | ACK, 0);
	struct pkt_spec rb_ = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40001, RST | ACK, 0);
	struct nt_flow_key ka = key_of(&a, NULL), kb = key_of(&b, NULL);
	struct nt_flow_val w = rej_val(TS(0), TS(2));

	dp_open(.syn_slots = 1);
	send_at(&a, TS(0));
	send_at(&b, TS(1));
	cr_assert_not_null(slot_of(&ka), "a is not parked:%s", flow_dump());
	cr_assert_eq(table_count(), 1u, "b is not in the table:%s", flow_dump());
	EXPECT_STATS([NT_STAT_SYN_SLOT_TAKEN] = 1);
	send_at(&ra, TS(2));
	send_at(&rb_, TS(3));
	cr_assert_eq(flow_count(), 0u, "%s", flow_dump());
	cr_assert_eq(nends, 0);
	cr_assert_eq(drain(), 0);
	cr_assert_eq(nends, 2, "want two flow ends, got %d", nends);
	cr_expect(!memcmp(&ends[0].key, &ka, sizeof(ka)));
	check_val("a, from its slot", &ends[0].val, &w, 0);
	cr_expect(!memcmp(&ends[1].key, &kb, sizeof(kb)));
	w = rej_val(TS(1), TS(3));
	check_val("b, from the table", &ends[1].val, &w, 0);
	cr_expect_eq(stat_get(NT_STAT_SYN_PARKED), 1u);
}

/* tcp_present's count of a key (flow.bpf.c) */
static uint32_t *present(const struct nt_flow_key *k)
{
	static uint32_t c;
	int fd = bpf_map__fd(skel->maps.tcp_present);
	uint32_t i = nt_tcp_present_index(k, bpf_map__max_entries(skel->maps.tcp_present));

	cr_assert_eq(bpf_map_lookup_elem(fd, &i, &c), 0);
	return &c;
}

static void present_set(const struct nt_flow_key *k, uint32_t v)
{
	uint32_t i = nt_tcp_present_index(k, bpf_map__max_entries(skel->maps.tcp_present));

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.tcp_present), &i, &v, BPF_ANY), 0);
}

/* The table's TCP entries are counted by key hash: a promotion and an
 * insert add one, a REJ's delete takes it off; a SYN whose count is not 0
 * looks the table up (a retransmission counts into its table flow), one
 * whose count is 0 parks without looking (set to 0 by hand here: the
 * count, not the table, decides). */
Test(datapath, tcp_present_counts_the_table)
{
	struct pkt_spec a = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec b = pkt_tcp("10.0.0.1", 40001, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec b2 = pkt_tcp("10.0.0.1", 40002, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec rb_ = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40001, RST | ACK, 0);
	struct pkt_spec rb2 = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40002, RST | ACK, 0);
	struct nt_flow_key ka = key_of(&a, NULL), kb = key_of(&b, NULL), kb2 = key_of(&b2, NULL);
	struct nt_flow_val g;
	uint32_t before;

	dp_open(.syn_slots = 1);
	send_at(&a, TS(0));
	cr_assert_not_null(slot_of(&ka));
	cr_expect_eq(*present(&ka), 0u, "a parked SYN is not in the table");
	send_at(&sa, TS(1));
	cr_assert_eq(table_count(), 1u, "promoted:%s", flow_dump());
	cr_expect_eq(*present(&ka), 1u);
	send_at(&a, TS(2)); /* counted 1: looked up, into its flow */
	cr_assert_null(slot_of(&ka), "the retransmission parked:%s", flow_dump());
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.flows), &ka, &g), 0);
	cr_expect_eq(g.pkts[0], 2u);
	send_at(&b, TS(3)); /* the one slot is free again: b parks */
	before = *present(&kb2);
	send_at(&b2, TS(4)); /* taken: into the table */
	cr_assert_eq(table_count(), 2u, "%s", flow_dump());
	cr_expect_eq(*present(&kb2), before + 1);
	send_at(&rb_, TS(5)); /* b's REJ, from its slot */
	cr_assert_null(slot_of(&kb));
	send_at(&rb2, TS(5)); /* b2's, from the table: deleted, uncounted */
	cr_assert_eq(table_count(), 1u, "%s", flow_dump());
	cr_expect_eq(*present(&kb2), before);
	/* a's count set to 0 by hand: its next SYN parks beside its flow */
	present_set(&ka, 0);
	send_at(&a, TS(6));
	cr_assert_not_null(slot_of(&ka), "a count of 0 still looked the table up");
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.flows), &ka, &g), 0);
	cr_expect_eq(g.pkts[0], 2u);
}

/* A full table: the parked SYN's flow cannot move in at its SYN+ACK, so
 * it goes up as it is (a flow end, not closed: the collector reports it
 * evicted), and what follows is the table's overflow. */
Test(datapath, syn_slot_spilled_when_the_table_is_full)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct nt_flow_key k = key_of(&syn, NULL);
	struct nt_flow_val w = val0();

	dp_open(.max_flows = 16);
	fill_table(16);
	send_at(&syn, TS(100));
	cr_assert_not_null(slot_of(&k), "not parked:%s", flow_dump());
	send_at(&sa, TS(101));
	cr_assert_null(slot_of(&k), "the slot is still open");
	cr_assert_eq(table_count(), 16u);
	cr_assert_eq(drain(), 0);
	cr_assert_eq(nends, 1, "want the spilled flow, got %d ends", nends);
	w.first_ns = w.syn_ns = TS(100);
	w.synack_ns = w.last_ns = TS(101);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = w.bytes[1] = 40;
	w.tcp_flags = flags_of(0, SYN) | flags_of(1, SYN | ACK);
	cr_expect(!memcmp(&ends[0].key, &k, sizeof(k)));
	cr_expect_eq(ends[0].val.close_ns, 0u);
	check_val("spilled", &ends[0].val, &w, 0);
	EXPECT_STATS([NT_STAT_SYN_SPILLED] = 1);
}

/* ---- a SYN on a closed flow's tuple: a new flow ------------------------- */

/* A RST that refuses a SYN and carries bytes (some stacks explain
 * themselves): the attempt ends all the same; nothing is sampled from, or
 * written into, the freed entry. */
Test(datapath, rej_rst_with_payload_ends_unsampled)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, RST | ACK, 12);
	struct nt_flow_val w = rej_val(TS(0), TS(1));

	dp_open(.sample_pkts = 4);
	send_at(&syn, TS(0));
	send_at(&rst, TS(1));
	cr_assert_eq(flow_count(), 0u, "%s", flow_dump());
	cr_assert_eq(drain(), 0);
	cr_assert_eq(nends, 1);
	w.bytes[1] = 52;
	check_val("rej with bytes", &ends[0].val, &w, 0);
	cr_expect_eq(ends[0].val.samples[0] + ends[0].val.samples[1], 0);
	EXPECT_STATS();
}

/* Five SYNs on one tuple, each refused (a scan, or a client's retries):
 * five flows, each ended at its RST. */
Test(datapath, rej_attempts_are_flows_of_their_own)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, RST | ACK, 0);
	struct nt_flow_val w;

	dp_open();
	for (int i = 0; i < 5; i++) {
		send_at(&syn, TS(2 * i));
		send_at(&rst, TS(2 * i + 1));
	}
	cr_assert_eq(drain(), 0, "no close events");
	cr_assert_eq(nends, 5, "want five flow ends, got %d", nends);
	for (int i = 0; i < 5; i++) {
		w = rej_val(TS(2 * i), TS(2 * i + 1));
		check_val("attempt", &ends[i].val, &w, 0);
	}
	cr_assert_eq(flow_count(), 0u);
	EXPECT_STATS();
}

/* A connection (handshake done) aborted with a RST, then a SYN from the
 * same port within the close linger: the SYN starts a new flow in the
 * entry; the closed one goes up whole, as it was, in an NT_EV_FLOW_END
 * after its close event. */
Test(datapath, syn_after_rst_starts_a_new_flow)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, RST, 0);
	struct nt_flow_val w = val0(), old = val0();
	struct nt_flow_key k = key_of(&syn, NULL);
	struct nt_event e;

	dp_open();
	send_at(&syn, TS(0));
	send_at(&sa, TS(1));
	send_at(&rst, TS(2));
	send_at(&syn, TS(3));
	old.first_ns = old.syn_ns = TS(0);
	old.synack_ns = TS(1);
	old.last_ns = old.close_ns = TS(2);
	old.rst_first = 1;
	set_counts(&old, 2, 1, 80, 40);
	old.tcp_flags = flags_of(0, SYN | RST) | flags_of(1, SYN | ACK);
	w.first_ns = w.last_ns = w.syn_ns = TS(3);
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = flags_of(0, SYN);
	expect_flow("the new attempt", &k, &w, 0);
	cr_assert_eq(flow_count(), 1u);
	EXPECT_STATS([NT_STAT_FLOW_RESTARTS] = 1);
	cr_assert_eq(drain(), 1, "want one close event, got %d", nevs);
	e = close_ev(&k, TS(2));
	expect_event(0, &e);
	cr_assert_eq(nends, 1, "want one flow end, got %d", nends);
	cr_expect_eq(ends[0].ifindex, lo_ifindex);
	cr_expect(!memcmp(&ends[0].key, &k, sizeof(k)));
	check_val("the closed connection", &ends[0].val, &old, 0);
}

/* A connection closed with FIN both ways (and its last ACK), then a SYN
 * from the same port: a new flow; the closed one keeps every packet. A SYN
 * on a flow that is open (a retransmission) is counted into it. */
Test(datapath, syn_after_fin_close_starts_a_new_flow)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec ack = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK, 0);
	struct pkt_spec fin1 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, FIN | ACK, 0);
	struct pkt_spec fin2 = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, FIN | ACK, 0);
	struct nt_flow_val old = val0(), w = val0();
	struct nt_flow_key k = key_of(&syn, NULL);

	dp_open();
	send_at(&syn, TS(0));
	send_at(&syn, TS(1)); /* retransmitted: the same flow */
	send_at(&sa, TS(2));
	send_at(&ack, TS(3));
	send_at(&fin1, TS(4));
	send_at(&fin2, TS(5));
	send_at(&ack, TS(6)); /* the last ACK, within the linger */
	cr_assert_eq(nends, 0);
	send_at(&syn, TS(7));
	old.first_ns = old.syn_ns = TS(0);
	old.synack_ns = TS(2);
	old.ack_ns = TS(3);
	old.close_ns = TS(5);
	old.last_ns = TS(6);
	set_counts(&old, 5, 2, 200, 80);
	old.tcp_flags = flags_of(0, SYN | ACK | FIN) | flags_of(1, SYN | ACK | FIN);
	drain();
	cr_assert_eq(nends, 1);
	check_val("the closed connection", &ends[0].val, &old, 0);
	w.first_ns = w.last_ns = w.syn_ns = TS(7);
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = flags_of(0, SYN);
	expect_flow("the new connection", &k, &w, 0);
	EXPECT_STATS([NT_STAT_FLOW_RESTARTS] = 1);
}

/* Closes RST-first flows of distinct tuples until the events ring refuses
 * one; returns how many were sent. */
static unsigned fill_events_ring(void)
{
	struct pkt_spec r = pkt_tcp("10.9.0.1", 80, "10.9.0.2", 1, RST | ACK, 0);
	uint64_t st[NT_STAT_MAX];
	unsigned i;

	for (i = 0; i < 100000; i++) {
		r.dport = (uint16_t)(1 + i % 60000);
		r.src[2] = (uint8_t)(i / 60000);
		send_at(&r, TS(10));
		if ((i & 255) == 0) {
			stats_read(st);
			if (st[NT_STAT_RINGBUF_FULL])
				return i + 1;
		}
	}
	cr_assert_fail("the events ring never filled");
	return i;
}

/* The ring is full when a SYN restarts a closed flow: the closed flow goes
 * to the ended map instead (counted: flow_ends_slow), keyed by its
 * generation. With the ended map full too, the SYN is counted into the
 * closed flow (flow_restarts_merged): nothing is lost. */
Test(datapath, syn_restart_slow_ways_when_the_ring_is_full)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 23, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec rst = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 23, RST, 0);
	struct nt_flow_val old = val0(), got, w;
	struct nt_flow_gen gen;
	int ended_fd;
	unsigned filled, max_ended;
	uint64_t st[NT_STAT_MAX];

	dp_open(.max_flows = 131072);
	ended_fd = bpf_map__fd(skel->maps.ended);
	max_ended = bpf_map__max_entries(skel->maps.ended);
	send_at(&syn, TS(0));
	send_at(&sa, TS(1));
	send_at(&rst, TS(1));
	old.first_ns = old.syn_ns = TS(0);
	old.synack_ns = old.last_ns = old.close_ns = TS(1);
	old.rst_first = 1;
	set_counts(&old, 2, 1, 80, 40);
	old.tcp_flags = flags_of(0, SYN | RST) | flags_of(1, SYN | ACK);
	filled = fill_events_ring();
	send_at(&syn, TS(2));
	memset(&gen, 0, sizeof(gen));
	gen.key = key_of(&syn, NULL);
	gen.first_ns = TS(0);
	cr_assert_eq(bpf_map_lookup_elem(ended_fd, &gen, &got), 0, "not in the ended map");
	check_val("the closed flow, in the ended map", &got, &old, 0);
	w = val0();
	w.first_ns = w.last_ns = w.syn_ns = TS(2);
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = flags_of(0, SYN);
	expect_flow("the new attempt", &gen.key, &w, 0);
	stats_read(st);
	cr_expect_eq(st[NT_STAT_FLOW_ENDS_SLOW], 1);
	cr_expect_eq(st[NT_STAT_FLOW_RESTARTS], 1);
	cr_expect_eq(st[NT_STAT_FLOW_RESTARTS_MERGED], 0);

	/* fill the ended map: max_ended restarts of other closed flows */
	for (unsigned i = 1; i < max_ended; i++) {
		struct pkt_spec r = pkt_tcp("10.9.0.1", 80, "10.9.0.2", 1, SYN, 0);

		r.dport = (uint16_t)(1 + i % 60000);
		r.src[2] = (uint8_t)(i / 60000);
		send_at(&r, TS(11));
	}
	stats_read(st);
	cr_assert_eq(st[NT_STAT_FLOW_ENDS_SLOW], max_ended, "%llu",
		     (unsigned long long)st[NT_STAT_FLOW_ENDS_SLOW]);
	/* the next restart has nowhere to put the closed flow */
	send_at(&rst, TS(3));
	send_at(&syn, TS(4));
	stats_read(st);
	cr_expect_eq(st[NT_STAT_FLOW_RESTARTS_MERGED], 1);
	cr_expect_eq(st[NT_STAT_FLOW_RESTARTS], max_ended);
	got = flow_get(&gen.key);
	cr_expect_eq(got.pkts[0], 3, "SYN, RST and the SYN counted into the closed flow");
	cr_expect_eq(got.first_ns, TS(2));
	cr_expect_eq(got.close_ns, TS(3));
	cr_assert_gt(filled, 1000u);
}

/* tc_egress counts the same way and records its hook. */
Test(datapath, egress_hook_recorded)
{
	struct pkt_spec s = pkt_udp("10.0.0.1", 1000, "10.0.0.2", 53, 20);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_ex(&s, (struct run_ctx){ .ts = TS(0), .egress = 1 });
	k = key_of(&s, NULL);
	w.first_ns = w.last_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = 48;
	w.owner_hook = NT_HOOK_TC_EGRESS;
	expect_flow("egress", &k, &w, 0);
	EXPECT_STATS();
}

/* ======================================================================= */
/* UDP, ICMP, other protocols                                              */
/* ======================================================================= */

Test(datapath, udp_both_directions)
{
	struct pkt_spec q1 = pkt_udp("10.0.0.2", 5353, "10.0.0.1", 53, 20);
	struct pkt_spec r = pkt_udp("10.0.0.1", 53, "10.0.0.2", 5353, 100);
	struct pkt_spec q2 = pkt_udp("10.0.0.2", 5353, "10.0.0.1", 53, 30);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&q1, TS(0));
	send_at(&r, TS(1));
	send_at(&q2, TS(2));
	k = key_of(&q1, NULL);
	cr_assert_eq(k.port[0], 53);
	w.first_ns = TS(0);
	w.last_ns = TS(2);
	set_counts(&w, 1, 2, 128, 48 + 58);
	w.initiator = 1;
	cr_assert_eq(flow_count(), 1u);
	expect_flow("udp", &k, &w, 0);
	EXPECT_STATS();
	cr_assert_eq(drain(), 0);
}

/* Request then reply: one flow keyed by the identifier; another identifier
 * is another flow. */
Test(datapath, icmp_echo_request_then_reply)
{
	struct pkt_spec req = pkt_icmp("10.0.0.2", "10.0.0.1", 8, 0, 0x1234, 56);
	struct pkt_spec rep = pkt_icmp("10.0.0.1", "10.0.0.2", 0, 0, 0x1234, 56);
	struct pkt_spec req2 = pkt_icmp("10.0.0.2", "10.0.0.1", 8, 0, 0x4321, 16);
	struct nt_flow_val w = val0(), w2 = val0();
	struct nt_flow_key k, k2;

	dp_open();
	send_at(&req, TS(0));
	send_at(&rep, TS(1));
	send_at(&req2, TS(2));
	k = key_of(&req, NULL);
	cr_assert_eq(k.port[0], 0x1234);
	cr_assert_eq(k.port[1], 0x1234);
	cr_assert_eq(k.icmp_echo, 1);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = w.bytes[1] = 84;
	w.initiator = 1;
	w.icmp_type = 8;
	expect_flow("echo", &k, &w, 0);
	k2 = key_of(&req2, NULL);
	w2.first_ns = w2.last_ns = TS(2);
	w2.pkts[1] = 1;
	w2.bytes[1] = 44;
	w2.initiator = 1;
	w2.icmp_type = 8;
	expect_flow("echo 2", &k2, &w2, 0);
	cr_assert_eq(flow_count(), 2u);
	EXPECT_STATS();
}

/* Reply seen first: the initiator is the reply's receiver (the asker). */
static void echo_reply_first(unsigned skip)
{
	struct pkt_spec rep = pkt_icmp("10.0.0.2", "10.0.0.1", 0, 0, 77, 8);
	struct pkt_spec req = pkt_icmp("10.0.0.1", "10.0.0.2", 8, 0, 77, 8);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	int side;

	dp_open();
	send_at(&rep, TS(0));
	send_at(&req, TS(1));
	k = key_of(&rep, &side);
	cr_assert_eq(side, 1);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = w.bytes[1] = 36;
	w.initiator = 0;
	/* nettrail.h: icmp_type/code are the initiator's first ICMP
	 * type/code. The initiator (side 0) sent an echo request. */
	w.icmp_type = 8;
	w.icmp_code = 0;
	cr_assert_eq(flow_count(), 1u);
	expect_flow("echo reply first", &k, &w, skip);
	EXPECT_STATS();
}

Test(datapath, icmp_echo_reply_first)
{
	echo_reply_first(SKIP_ICMP);
}

/*
 * Same traffic; the value's icmp_type must be the initiator's (8, echo
 * request), as nettrail.h says, and as the collector assumes: it hashes the
 * Community ID from (initiator, icmp_type, icmp_code), so a reply-typed
 * entry gives the flow a different Community ID than the same exchange
 * seen request first.
 */
Test(datapath, icmp_echo_reply_first_records_initiators_type)
{
	echo_reply_first(0);
}

Test(datapath, icmpv6_echo)
{
	struct pkt_spec req = pkt_icmp("2001:db8::2", "2001:db8::1", 128, 0, 7, 32);
	struct pkt_spec rep = pkt_icmp("2001:db8::1", "2001:db8::2", 129, 0, 7, 32);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&req, TS(0));
	send_at(&rep, TS(1));
	send_at(&req, TS(2));
	k = key_of(&req, NULL);
	cr_assert_eq(k.proto, 58);
	cr_assert_eq(k.icmp_echo, 1);
	cr_assert_eq(k.port[0], 7);
	w.first_ns = TS(0);
	w.last_ns = TS(2);
	set_counts(&w, 1, 2, 80, 160);
	w.initiator = 1;
	w.icmp_type = 128;
	cr_assert_eq(flow_count(), 1u);
	expect_flow("icmpv6 echo", &k, &w, 0);
	EXPECT_STATS();
}

/* Other ICMP messages: keyed by type/code (in key order). */
Test(datapath, icmp_non_echo_keyed_by_type_code)
{
	struct pkt_spec unr = pkt_icmp("10.0.0.2", "10.0.0.1", 3, 1, 0, 28);
	struct pkt_spec tex = pkt_icmp("10.0.0.1", "10.0.0.2", 11, 0, 0, 28);
	struct pkt_spec ns = pkt_icmp("2001:db8::2", "2001:db8::1", 135, 0, 0, 16);
	struct nt_flow_val w;
	struct nt_flow_key k;

	dp_open();
	send_at(&unr, TS(0));
	send_at(&tex, TS(1));
	send_at(&ns, TS(2));
	cr_assert_eq(flow_count(), 3u, "%s", flow_dump());

	k = key_of(&unr, NULL);
	cr_assert_eq(k.port[0], 1); /* sent by side 1: code, type */
	cr_assert_eq(k.port[1], 3);
	cr_assert_eq(k.icmp_echo, 0);
	w = val0();
	w.first_ns = w.last_ns = TS(0);
	w.pkts[1] = 1;
	w.bytes[1] = 56;
	w.initiator = 1;
	w.icmp_type = 3;
	w.icmp_code = 1;
	expect_flow("unreachable", &k, &w, 0);

	k = key_of(&tex, NULL);
	cr_assert_eq(k.port[0], 11);
	cr_assert_eq(k.port[1], 0);
	w = val0();
	w.first_ns = w.last_ns = TS(1);
	w.pkts[0] = 1;
	w.bytes[0] = 56;
	w.initiator = 0;
	w.icmp_type = 11;
	expect_flow("time exceeded", &k, &w, 0);

	k = key_of(&ns, NULL);
	cr_assert_eq(k.port[0], 0);
	cr_assert_eq(k.port[1], 135);
	w = val0();
	w.first_ns = w.last_ns = TS(2);
	w.pkts[1] = 1;
	w.bytes[1] = 40 + 8 + 16;
	w.initiator = 1;
	w.icmp_type = 135;
	expect_flow("neighbour solicitation", &k, &w, 0);
	EXPECT_STATS();
}

/* Protocols without parsed ports: counted by number, ports 0. */
Test(datapath, other_protocols_portless)
{
	struct pkt_spec gre1 = pkt_proto("10.0.0.1", "10.0.0.2", IPPROTO_GRE_, 32);
	struct pkt_spec gre2 = pkt_proto("10.0.0.2", "10.0.0.1", IPPROTO_GRE_, 12);
	struct pkt_spec x = pkt_proto("10.0.0.2", "10.0.0.1", 253, 10);
	struct pkt_spec x6 = pkt_proto("2001:db8::1", "2001:db8::2", 253, 4);
	struct nt_flow_val w;
	struct nt_flow_key k;

	dp_open();
	send_at(&gre1, TS(0));
	send_at(&gre2, TS(1));
	send_at(&x, TS(2));
	send_at(&x6, TS(3));
	cr_assert_eq(flow_count(), 3u, "%s", flow_dump());

	k = key_of(&gre1, NULL);
	cr_assert_eq(k.port[0], 0);
	cr_assert_eq(k.port[1], 0);
	w = val0();
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = 52;
	w.bytes[1] = 32;
	expect_flow("gre", &k, &w, 0);

	k = key_of(&x, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(2);
	w.pkts[1] = 1;
	w.bytes[1] = 30;
	w.initiator = 1;
	expect_flow("proto 253", &k, &w, 0);

	k = key_of(&x6, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(3);
	w.pkts[0] = 1;
	w.bytes[0] = 44;
	expect_flow("proto 253 v6", &k, &w, 0);
	EXPECT_STATS();
}

/* ======================================================================= */
/* SCTP: one flow per association, keyed by its ports like UDP             */
/* ======================================================================= */

/* One packet of the two-association exchange below. */
struct sctp_step {
	int assoc; /* 0: client port 5000, 1: client port 5001 */
	int from_client;
	size_t chunks; /* chunk bytes after the 12-byte header */
};

/* INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK of two
 * associations, interleaved. Chunk bytes: association 0 sends 316 up and
 * 220 down in 3 + 3 packets, association 1 352 up and 220 down in 4 + 3. */
static const struct sctp_step sctp_steps[] = {
	{ 0, 1, 20 }, { 0, 0, 200 }, { 1, 1, 20 }, { 0, 1, 180 }, { 1, 0, 200 },
	{ 0, 0, 4 },  { 1, 1, 180 }, { 1, 0, 4 },  { 0, 1, 116 }, { 0, 0, 16 },
	{ 1, 1, 76 }, { 1, 1, 76 },  { 1, 0, 16 },
};

#define NGAP_PORT 38412

static struct pkt_spec sctp_step_spec(const struct sctp_step *st, const char *cli, const char *srv)
{
	uint16_t cport = (uint16_t)(5000 + st->assoc);
	uint32_t vtag = 0x10000 * (uint32_t)(st->assoc + 1) + !st->from_client;

	if (st->from_client)
		return pkt_sctp(cli, cport, srv, NGAP_PORT, vtag, st->chunks);
	return pkt_sctp(srv, NGAP_PORT, cli, cport, vtag, st->chunks);
}

/*
 * Runs the exchange and checks both flows: ports, initiator (the client,
 * which sent the INIT) and exact packets and bytes each way. up/down: IP
 * bytes the client / the server sent, per association.
 */
static void sctp_two_associations(const char *cli, const char *srv, const uint64_t up[2],
				  const uint64_t down[2])
{
	static const uint64_t up_pkts[2] = { 3, 4 }, down_pkts[2] = { 3, 3 };
	static const unsigned first[2] = { 0, 2 }, last[2] = { 9, 12 };
	size_t n = sizeof(sctp_steps) / sizeof(sctp_steps[0]);

	dp_open();
	for (size_t i = 0; i < n; i++) {
		struct pkt_spec s = sctp_step_spec(&sctp_steps[i], cli, srv);

		send_at(&s, TS(i));
	}
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	for (int a = 0; a < 2; a++) {
		struct sctp_step init = { a, 1, 20 };
		struct pkt_spec s = sctp_step_spec(&init, cli, srv);
		struct nt_flow_val w = val0();
		struct nt_flow_key k;
		int c; /* the client's key side */

		k = key_of(&s, &c);
		cr_assert_eq(k.proto, 132);
		cr_assert_eq(k.port[c], 5000 + a, "client port %u", k.port[c]);
		cr_assert_eq(k.port[!c], NGAP_PORT, "server port %u", k.port[!c]);
		w.first_ns = TS(first[a]);
		w.last_ns = TS(last[a]);
		w.pkts[c] = up_pkts[a];
		w.bytes[c] = up[a];
		w.pkts[!c] = down_pkts[a];
		w.bytes[!c] = down[a];
		w.initiator = (uint8_t)c;
		expect_flow(a ? "association 5001" : "association 5000", &k, &w, 0);
	}
	EXPECT_STATS();
	cr_assert_eq(drain(), 0, "SCTP has no close events");
}

/* IPv4, client the lower address: 32 header bytes a packet. */
Test(datapath, sctp_two_associations_v4)
{
	sctp_two_associations("10.1.0.1", "10.1.0.2",
			      (const uint64_t[2]){ 316 + 3 * 32, 352 + 4 * 32 },
			      (const uint64_t[2]){ 220 + 3 * 32, 220 + 3 * 32 });
}

/* IPv6, client the higher address (key side 1): 52 header bytes. */
Test(datapath, sctp_two_associations_v6)
{
	sctp_two_associations("fd00:1::10", "fd00:1::2",
			      (const uint64_t[2]){ 316 + 3 * 52, 352 + 4 * 52 },
			      (const uint64_t[2]){ 220 + 3 * 52, 220 + 3 * 52 });
}

/* The same address both ends (a pod to itself): the ports decide. */
Test(datapath, sctp_same_address_ports_decide)
{
	struct pkt_spec up = pkt_sctp("10.1.0.1", NGAP_PORT, "10.1.0.1", 5000, 1, 20);
	struct pkt_spec down = pkt_sctp("10.1.0.1", 5000, "10.1.0.1", NGAP_PORT, 2, 200);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&up, TS(0));
	send_at(&down, TS(1));
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	k = key_of(&up, NULL);
	cr_assert_eq(k.port[0], 5000);
	cr_assert_eq(k.port[1], NGAP_PORT);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[1] = 20 + 12 + 20;
	w.bytes[0] = 20 + 12 + 200;
	w.initiator = 1;
	expect_flow("same address", &k, &w, 0);
	EXPECT_STATS();
}

/*
 * IP fragments of SCTP datagrams of two associations: each later fragment
 * takes the ports its first fragment left, so it counts to that
 * association; one whose first was not seen counts portless (like UDP).
 */
Test(datapath, sctp_fragments_follow_their_first)
{
	struct pkt_spec a1 = pkt_sctp("10.1.0.1", 5000, "10.1.0.2", NGAP_PORT, 7, 1468);
	struct pkt_spec b1 = pkt_sctp("10.1.0.1", 5001, "10.1.0.2", NGAP_PORT, 8, 1468);
	struct pkt_spec a2 = pkt_proto("10.1.0.1", "10.1.0.2", 132, 200);
	struct pkt_spec b2 = pkt_proto("10.1.0.1", "10.1.0.2", 132, 300);
	struct pkt_spec lost = pkt_proto("10.1.0.1", "10.1.0.2", 132, 40);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	a1.ip_id = a2.ip_id = 0x0a0a;
	b1.ip_id = b2.ip_id = 0x0b0b;
	lost.ip_id = 0x0c0c;
	a1.mf = b1.mf = 1;
	a2.frag_off = b2.frag_off = lost.frag_off = 185; /* 1480 bytes */
	a2.no_l4 = b2.no_l4 = lost.no_l4 = 1;
	dp_open();
	send_at(&a1, TS(0));
	send_at(&b1, TS(1));
	send_at(&b2, TS(2));
	send_at(&a2, TS(3));
	send_at(&lost, TS(4));
	cr_assert_eq(flow_count(), 3u, "%s", flow_dump());

	k = key_of(&a1, NULL);
	cr_assert_eq(k.port[0], 5000);
	w.first_ns = TS(0);
	w.last_ns = TS(3);
	w.pkts[0] = 2;
	w.bytes[0] = 1500 + 220;
	w.attrs = NT_ATTR_FRAG;
	expect_flow("association 5000 fragments", &k, &w, 0);

	k = key_of(&b1, NULL);
	cr_assert_eq(k.port[0], 5001);
	w.first_ns = TS(1);
	w.last_ns = TS(2);
	w.bytes[0] = 1500 + 320;
	expect_flow("association 5001 fragments", &k, &w, 0);

	k = key_x(&lost, NULL, 1);
	w.first_ns = w.last_ns = TS(4);
	w.pkts[0] = 1;
	w.bytes[0] = 60;
	w.attrs = NT_ATTR_FRAG | NT_ATTR_FRAG_NOL4;
	expect_flow("unmatched SCTP fragment", &k, &w, 0);
	EXPECT_STATS([NT_STAT_FRAG_UNMATCHED] = 1);
}

static struct pkt_spec sctp_frag6(uint16_t sport, uint16_t off, bool more, uint32_t id,
				  size_t payload)
{
	struct pkt_spec s;
	struct pkt_ext *e;

	if (off == 0) {
		s = pkt_sctp("fd00:1::1", sport, "fd00:1::2", NGAP_PORT, 9, payload);
	} else {
		s = pkt_proto("fd00:1::1", "fd00:1::2", 132, payload);
		s.no_l4 = 1;
	}
	e = pkt_add_ext(&s, PKT_EXT_FRAGMENT, 0);
	e->frag_off = off;
	e->frag_more = more;
	e->frag_id = id;
	return s;
}

Test(datapath, sctp_ipv6_fragments_follow_their_first)
{
	struct pkt_spec a1 = sctp_frag6(5000, 0, 1, 0xa, 1436);
	struct pkt_spec b1 = sctp_frag6(5001, 0, 1, 0xb, 1436);
	struct pkt_spec b2 = sctp_frag6(0, 181, 0, 0xb, 100);
	struct pkt_spec a2 = sctp_frag6(0, 181, 0, 0xa, 50);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&a1, TS(0));
	send_at(&b1, TS(1));
	send_at(&b2, TS(2));
	send_at(&a2, TS(3));
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());

	k = key_of(&a1, NULL);
	cr_assert_eq(k.port[0], 5000);
	w.first_ns = TS(0);
	w.last_ns = TS(3);
	w.pkts[0] = 2;
	w.bytes[0] = (40 + 8 + 12 + 1436) + (40 + 8 + 50);
	w.attrs = NT_ATTR_FRAG;
	expect_flow("v6 association 5000 fragments", &k, &w, 0);

	k = key_of(&b1, NULL);
	cr_assert_eq(k.port[0], 5001);
	w.first_ns = TS(1);
	w.last_ns = TS(2);
	w.bytes[0] = (40 + 8 + 12 + 1436) + (40 + 8 + 100);
	expect_flow("v6 association 5001 fragments", &k, &w, 0);
	EXPECT_STATS();
}

/* SCTP GSO (GSO_BY_FRAGS): every wire packet has its own IP and 12-byte
 * SCTP header, as for TCP and UDP. */
Test(datapath, gso_sctp_counts_segments)
{
	struct pkt_spec g4 = pkt_sctp("10.1.0.1", 5000, "10.1.0.2", NGAP_PORT, 1, 2900);
	struct pkt_spec g6 = pkt_sctp("fd00:1::1", 5001, "fd00:1::2", NGAP_PORT, 2, 2900);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_ex(&g4, (struct run_ctx){ .ts = TS(0), .gso_segs = 3, .gso_size = 1000 });
	send_ex(&g6, (struct run_ctx){ .ts = TS(1), .gso_segs = 2, .gso_size = 1500 });
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	k = key_of(&g4, NULL);
	w.first_ns = w.last_ns = TS(0);
	w.pkts[0] = 3;
	w.bytes[0] = (20 + 12 + 2900) + 2 * (20 + 12);
	expect_flow("sctp gso v4", &k, &w, 0);
	k = key_of(&g6, NULL);
	w.first_ns = w.last_ns = TS(1);
	w.pkts[0] = 2;
	w.bytes[0] = (40 + 12 + 2900) + (40 + 12);
	expect_flow("sctp gso v6", &k, &w, 0);
	EXPECT_STATS();
}

/* ======================================================================= */
/* L2 and L3 variants                                                      */
/* ======================================================================= */

/* Untagged, 802.1Q, 802.1ad + 802.1Q, 802.1Q + 802.1Q: same counts. */
Test(datapath, vlan_tags_counted_like_untagged)
{
	static const char *src[2] = { "10.0.0.1", "2001:db8::1" };
	static const char *dst[2] = { "10.0.0.2", "2001:db8::2" };

	dp_open();
	for (int v = 0; v < 2; v++) {
		for (int t = 0; t < 4; t++) {
			struct pkt_spec s = pkt_udp(src[v], (uint16_t)(1000 + t), dst[v], 53, 20);
			struct nt_flow_val w = val0();
			struct nt_flow_key k;
			char what[32];

			s.nvlan = t == 0 ? 0 : t == 1 ? 1 : 2;
			s.vlan_tpid[0] = t == 2 ? PKT_ETH_P_8021AD : PKT_ETH_P_8021Q;
			s.vlan_tci[0] = 200;
			s.vlan_tpid[1] = PKT_ETH_P_8021Q;
			s.vlan_tci[1] = 100;
			send_at(&s, TS(v * 4 + t));
			k = key_of(&s, NULL);
			w.first_ns = w.last_ns = TS(v * 4 + t);
			w.pkts[0] = 1;
			w.bytes[0] = v ? 68 : 48;
			snprintf(what, sizeof(what), "v%d tags case %d", v ? 6 : 4, t);
			expect_flow(what, &k, &w, 0);
		}
	}
	cr_assert_eq(flow_count(), 8u);
	EXPECT_STATS();
}

/* IHL 6..15: options skipped, ports parsed, bytes = tot_len. */
Test(datapath, ipv4_options_all_ihl)
{
	dp_open();
	for (int ihl = 6; ihl <= 15; ihl++) {
		struct pkt_spec s =
			pkt_tcp("10.0.0.1", (uint16_t)(1000 + ihl), "10.0.0.2", 80, ACK, 10);
		struct nt_flow_val w = val0();
		struct nt_flow_key k;
		char what[32];

		s.ip_opt_len = (uint8_t)((ihl - 5) * 4);
		send_at(&s, TS(ihl));
		k = key_of(&s, NULL);
		w.first_ns = w.last_ns = TS(ihl);
		w.pkts[0] = 1;
		w.bytes[0] = (uint64_t)(ihl * 4 + 20 + 10);
		w.tcp_flags = ACK;
		w.attrs = NT_ATTR_MIDSTREAM;
		snprintf(what, sizeof(what), "ihl %d", ihl);
		expect_flow(what, &k, &w, 0);
	}
	cr_assert_eq(flow_count(), 10u);
	EXPECT_STATS();
}

/* ======================================================================= */
/* Fragments                                                               */
/* ======================================================================= */

/* First (MF, offset 0), middle and last fragment: one port-ful flow. */
Test(datapath, ipv4_fragments_follow_the_first)
{
	struct pkt_spec f1 = pkt_udp("10.0.0.1", 5000, "10.0.0.2", 6000, 24);
	struct pkt_spec f2 = pkt_proto("10.0.0.1", "10.0.0.2", 17, 32);
	struct pkt_spec f3 = pkt_proto("10.0.0.1", "10.0.0.2", 17, 16);
	struct pkt_spec back = pkt_udp("10.0.0.2", 6000, "10.0.0.1", 5000, 4);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	f1.ip_id = f2.ip_id = f3.ip_id = 0x1234;
	f1.mf = f2.mf = 1;
	f2.frag_off = 4; /* 32 bytes */
	f3.frag_off = 8; /* 64 bytes */
	f2.no_l4 = f3.no_l4 = 1;
	dp_open();
	send_at(&f1, TS(0));
	send_at(&f2, TS(1));
	send_at(&f3, TS(2));
	send_at(&back, TS(3));
	k = key_of(&f1, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(3);
	set_counts(&w, 3, 1, 52 + 52 + 36, 32);
	w.attrs = NT_ATTR_FRAG;
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	expect_flow("fragments", &k, &w, 0);
	EXPECT_STATS();
}

/* A later fragment whose first was never seen: portless, FRAG_NOL4. */
Test(datapath, ipv4_fragment_without_first)
{
	struct pkt_spec f1 = pkt_udp("10.0.0.1", 5000, "10.0.0.2", 6000, 24);
	struct pkt_spec lost = pkt_proto("10.0.0.1", "10.0.0.2", 17, 16);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	f1.ip_id = 0x1234;
	f1.mf = 1;
	lost.ip_id = 0x9999; /* another datagram */
	lost.frag_off = 4;
	lost.no_l4 = 1;
	dp_open();
	send_at(&f1, TS(0));
	send_at(&lost, TS(1));
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	k = key_x(&lost, NULL, 1);
	w.first_ns = w.last_ns = TS(1);
	w.pkts[0] = 1;
	w.bytes[0] = 36;
	w.attrs = NT_ATTR_FRAG | NT_ATTR_FRAG_NOL4;
	expect_flow("unmatched fragment", &k, &w, 0);
	k = key_of(&f1, NULL);
	w.first_ns = w.last_ns = TS(0);
	w.bytes[0] = 52;
	w.attrs = NT_ATTR_FRAG;
	expect_flow("first fragment", &k, &w, 0);
	EXPECT_STATS([NT_STAT_FRAG_UNMATCHED] = 1);
}

/*
 * A portless protocol: the first fragment of datagram 1 makes the portless
 * flow (FRAG); its later fragment matches; then a later fragment of
 * datagram 2, whose first was not seen, lands in the same portless flow and
 * must add NT_ATTR_FRAG_NOL4 (the flow now holds unmatched fragments).
 */
Test(datapath, unmatched_fragment_flags_existing_fragment_flow)
{
	struct pkt_spec a1 = pkt_proto("10.0.0.1", "10.0.0.2", 253, 32);
	struct pkt_spec a2 = pkt_proto("10.0.0.1", "10.0.0.2", 253, 16);
	struct pkt_spec b2 = pkt_proto("10.0.0.1", "10.0.0.2", 253, 16);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	a1.ip_id = a2.ip_id = 1;
	b2.ip_id = 2;
	a1.mf = 1;
	a2.frag_off = b2.frag_off = 4;
	dp_open();
	send_at(&a1, TS(0));
	send_at(&a2, TS(1));
	send_at(&b2, TS(2));
	k = key_of(&a1, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(2);
	w.pkts[0] = 3;
	w.bytes[0] = 52 + 36 + 36;
	w.attrs = NT_ATTR_FRAG | NT_ATTR_FRAG_NOL4;
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	EXPECT_STATS([NT_STAT_FRAG_UNMATCHED] = 1);
	expect_flow("portless fragments", &k, &w, 0);
}

static struct pkt_spec frag6(uint16_t off, bool more, uint32_t id, size_t payload)
{
	struct pkt_spec s;
	struct pkt_ext *e;

	if (off == 0) {
		s = pkt_udp("2001:db8::1", 5000, "2001:db8::2", 6000, payload);
	} else {
		s = pkt_proto("2001:db8::1", "2001:db8::2", 17, payload);
		s.no_l4 = 1;
	}
	e = pkt_add_ext(&s, PKT_EXT_FRAGMENT, 0);
	e->frag_off = off;
	e->frag_more = more;
	e->frag_id = id;
	return s;
}

Test(datapath, ipv6_fragments_follow_the_first)
{
	struct pkt_spec f1 = frag6(0, 1, 0xabcdef01, 24);
	struct pkt_spec f2 = frag6(4, 0, 0xabcdef01, 16);
	struct pkt_spec f3 = frag6(4, 0, 0x11111111, 16);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&f1, TS(0));
	send_at(&f2, TS(1));
	EXPECT_STATS();
	k = key_of(&f1, NULL);
	cr_assert_eq(k.port[0], 5000);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = 2;
	w.bytes[0] = 80 + 64;
	w.attrs = NT_ATTR_FRAG;
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	expect_flow("v6 fragments", &k, &w, 0);

	/* another datagram's later fragment, first never seen */
	send_at(&f3, TS(2));
	k = key_x(&f3, NULL, 1);
	w = val0();
	w.first_ns = w.last_ns = TS(2);
	w.pkts[0] = 1;
	w.bytes[0] = 64;
	w.attrs = NT_ATTR_FRAG | NT_ATTR_FRAG_NOL4;
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	expect_flow("v6 unmatched fragment", &k, &w, 0);
	EXPECT_STATS([NT_STAT_FRAG_UNMATCHED] = 1);
}

/* ======================================================================= */
/* IPv6 extension headers                                                  */
/* ======================================================================= */

Test(datapath, ipv6_extension_chain_parsed)
{
	struct pkt_spec syn = pkt_tcp("2001:db8::1", 40000, "2001:db8::2", 443, SYN, 0);
	struct pkt_spec u = pkt_udp("2001:db8::2", 7000, "2001:db8::1", 7001, 12);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	pkt_add_ext(&syn, PKT_EXT_HOPOPTS, 8);
	pkt_add_ext(&syn, PKT_EXT_ROUTING, 24);
	pkt_add_ext(&syn, PKT_EXT_DSTOPTS, 16);
	pkt_add_ext(&u, PKT_EXT_HOPOPTS, 0);
	pkt_add_ext(&u, PKT_EXT_DSTOPTS, 8);
	pkt_add_ext(&u, PKT_EXT_ROUTING, 16);
	pkt_add_ext(&u, PKT_EXT_AH, 24);
	pkt_add_ext(&u, PKT_EXT_DSTOPTS, 8);
	dp_open();
	send_at(&syn, TS(0));
	send_at(&u, TS(1));
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	k = key_of(&syn, NULL);
	w.first_ns = w.last_ns = w.syn_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = 40 + 48 + 20;
	w.tcp_flags = SYN;
	expect_flow("hbh+routing+dstopts+tcp", &k, &w, 0);
	k = key_of(&u, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(1);
	w.pkts[1] = 1;
	w.bytes[1] = 40 + 64 + 8 + 12;
	w.initiator = 1;
	expect_flow("5 headers incl. AH + udp", &k, &w, 0);
	EXPECT_STATS();
}

static struct pkt_spec chain(int n)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 1111, "2001:db8::2", 2222, 8);

	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 8);
	for (int i = 1; i < n; i++)
		pkt_add_ext(&s, PKT_EXT_DSTOPTS, 8);
	return s;
}

Test(datapath, ipv6_extension_chain_of_9_rejected)
{
	struct pkt_spec s = chain(9);

	dp_open();
	send_at(&s, TS(0));
	expect_no_flows("9 extension headers");
	EXPECT_STATS([NT_STAT_ERR_EXTHDR] = 1);
}

/* docs/datapath.md: "up to 8 extension headers"; only a chain longer than
 * 8 is an error. */
Test(datapath, ipv6_extension_chain_of_8_accepted)
{
	struct pkt_spec s = chain(8);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_at(&s, TS(0));
	EXPECT_STATS();
	k = key_of(&s, NULL);
	w.first_ns = w.last_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = 40 + 64 + 8 + 8;
	expect_flow("8 extension headers", &k, &w, 0);
}

Test(datapath, ipv6_mobility_header_walked)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 1111, "2001:db8::2", 2222, 8);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 8);
	pkt_add_ext(&s, PKT_EXT_MH, 16);
	dp_open();
	send_at(&s, TS(0));
	EXPECT_STATS();
	k = key_of(&s, NULL);
	w.first_ns = w.last_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = 40 + 24 + 8 + 8;
	expect_flow("hbh+mobility+udp", &k, &w, 0);
}

/* ======================================================================= */
/* Malformed frames                                                        */
/* ======================================================================= */

/*
 * Runs the frame cut at every length from 0 to its full length. The kernel
 * refuses some with EINVAL before the program runs: anything shorter than
 * the 14-byte Ethernet header, and (6.18) a frame whose Ethernet type is
 * IPv4 or IPv6 but which is shorter than the fixed IP header (20 / 40
 * bytes; with a VLAN tag the kernel does not look). Every other cut must
 * bump NT_STAT_PACKETS and exactly the counter want(at) names (-1: none,
 * the frame parses), and create no flow until the full frame.
 */
#define WANT_EINVAL (-2)

typedef int (*want_fn)(size_t at, const struct pkt_layout *l);

static int kernel_refuses(const struct pkt_spec *s, size_t at)
{
	if (at < 14)
		return 1;
	if (s->nvlan)
		return 0;
	return (s->ip_version == 4 && at < 14 + 20) || (s->ip_version == 6 && at < 14 + 40);
}

static void sweep(const struct pkt_spec *s, want_fn want, const char *what)
{
	struct pkt_layout l;
	size_t n = build(s, &l);
	uint8_t copy[PKT_BUF];
	unsigned ok_runs = 0;

	memcpy(copy, frame, n);
	for (size_t at = 0; at <= n; at++) {
		uint64_t before[NT_STAT_MAX], after[NT_STAT_MAX];
		int err, c = want(at, &l);

		stats_read(before);
		err = run_raw(copy, at, (struct run_ctx){ .ts = TS(at) });
		if (kernel_refuses(s, at)) {
			cr_assert_eq(err, -EINVAL, "%s: %zu bytes: want EINVAL, got %d", what, at,
				     err);
			stats_read(after);
			cr_assert_eq(memcmp(before, after, sizeof(after)), 0,
				     "%s: a refused run moved counters", what);
			continue;
		}
		cr_assert_eq(err, 0, "%s: run at %zu: %s", what, at, strerror(-err));
		stats_read(after);
		for (int i = 0; i < NT_STAT_MAX; i++) {
			uint64_t d = after[i] - before[i];
			uint64_t e = i == NT_STAT_PACKETS || i == c;

			if (stat_is_slot_path(i))
				continue;
			cr_expect_eq(d, e,
				     "%s: cut at %zu of %zu: NT_STAT_%s "
				     "moved by %llu, want %llu",
				     what, at, n, stat_name[i], (unsigned long long)d,
				     (unsigned long long)e);
		}
		if (c >= 0)
			cr_assert_eq(flow_count(), 0u, "%s: cut at %zu made a flow:%s", what, at,
				     flow_dump());
		ok_runs++;
	}
	cr_assert_eq(runs, ok_runs);
	cr_assert_eq(flow_count(), 1u, "%s: the full frame counts", what);
}

static int want_l2l3l4(size_t at, const struct pkt_layout *l, size_t l3fix, size_t l4fix)
{
	if (at < 14)
		return WANT_EINVAL;
	if (at < l->l3_off)
		return NT_STAT_ERR_L2;
	if (at < l->l3_off + l3fix)
		return NT_STAT_ERR_L3;
	if (at < l->l4_off)
		return NT_STAT_ERR_EXTHDR; /* IPv6 ext hdrs / IPv4 options */
	if (at < l->l4_off + l4fix)
		return NT_STAT_ERR_L4;
	return -1;
}

static int want_v4_tcp(size_t at, const struct pkt_layout *l)
{
	return want_l2l3l4(at, l, 20, 20);
}

static int want_v6_udp(size_t at, const struct pkt_layout *l)
{
	return want_l2l3l4(at, l, 40, 8);
}

static int want_v4_icmp(size_t at, const struct pkt_layout *l)
{
	return want_l2l3l4(at, l, 20, 8);
}

Test(datapath, truncated_eth_ipv4_tcp)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	sweep(&s, want_v4_tcp, "eth/ipv4/tcp");
	EXPECT_STATS([NT_STAT_ERR_L4] = 20);
	k = key_of(&s, NULL);
	w.first_ns = w.last_ns = w.syn_ns = TS(54);
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = SYN;
	expect_flow("full frame", &k, &w, 0);
}

Test(datapath, truncated_eth_two_vlans_ipv4_tcp)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, PSH | ACK, 0);

	s.nvlan = 2;
	s.vlan_tpid[0] = PKT_ETH_P_8021AD;
	s.vlan_tpid[1] = PKT_ETH_P_8021Q;
	dp_open();
	sweep(&s, want_v4_tcp, "eth/vlan/vlan/ipv4/tcp");
	EXPECT_STATS([NT_STAT_ERR_L2] = 8, [NT_STAT_ERR_L3] = 20, [NT_STAT_ERR_L4] = 20);
}

Test(datapath, truncated_eth_vlan_ipv4_icmp)
{
	struct pkt_spec s = pkt_icmp("10.0.0.1", "10.0.0.2", 8, 0, 1, 0);

	s.nvlan = 1;
	dp_open();
	sweep(&s, want_v4_icmp, "eth/vlan/ipv4/icmp");
	EXPECT_STATS([NT_STAT_ERR_L2] = 4, [NT_STAT_ERR_L3] = 20, [NT_STAT_ERR_L4] = 8);
}

Test(datapath, truncated_eth_ipv6_udp)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 5000, "2001:db8::2", 53, 0);

	dp_open();
	sweep(&s, want_v6_udp, "eth/ipv6/udp");
	EXPECT_STATS([NT_STAT_ERR_L4] = 8);
}

Test(datapath, truncated_eth_vlan_ipv6_hbh8_udp)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 5000, "2001:db8::2", 53, 0);

	s.nvlan = 1;
	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 8);
	dp_open();
	sweep(&s, want_v6_udp, "eth/vlan/ipv6/hbh/udp");
	EXPECT_STATS([NT_STAT_ERR_L2] = 4, [NT_STAT_ERR_L3] = 40, [NT_STAT_ERR_EXTHDR] = 8,
		     [NT_STAT_ERR_L4] = 8);
}

/*
 * An extension header longer than 8 bytes cut inside its body: the chain
 * is cut short (docs: parse_errors_exthdr), not the UDP header.
 */
Test(datapath, truncated_inside_ipv6_extension_body)
{
	struct pkt_spec s = pkt_udp("2001:db8::1", 5000, "2001:db8::2", 53, 0);

	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 24);
	pkt_add_ext(&s, PKT_EXT_DSTOPTS, 16);
	dp_open();
	sweep(&s, want_v6_udp, "eth/ipv6/hbh24/dst16/udp");
	EXPECT_STATS([NT_STAT_ERR_EXTHDR] = 40, [NT_STAT_ERR_L4] = 8);
}

/* Cut inside the IPv4 options: a truncated IP header (L3), not L4. */
static int want_v4_opts_tcp(size_t at, const struct pkt_layout *l)
{
	int c = want_l2l3l4(at, l, 20, 20);

	return c == NT_STAT_ERR_EXTHDR ? NT_STAT_ERR_L3 : c;
}

Test(datapath, truncated_inside_ipv4_options)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);

	s.ip_opt_len = 12;
	dp_open();
	sweep(&s, want_v4_opts_tcp, "eth/ipv4+options/tcp");
	EXPECT_STATS([NT_STAT_ERR_L3] = 12, [NT_STAT_ERR_L4] = 20);
}

/* The SCTP common header is 12 bytes: a cut inside it is an L4 error. */
static int want_v4_sctp(size_t at, const struct pkt_layout *l)
{
	return want_l2l3l4(at, l, 20, 12);
}

static int want_v6_sctp(size_t at, const struct pkt_layout *l)
{
	return want_l2l3l4(at, l, 40, 12);
}

Test(datapath, truncated_eth_ipv4_sctp)
{
	struct pkt_spec s = pkt_sctp("10.1.0.1", 5000, "10.1.0.2", NGAP_PORT, 1, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	sweep(&s, want_v4_sctp, "eth/ipv4/sctp");
	EXPECT_STATS([NT_STAT_ERR_L4] = 12);
	k = key_of(&s, NULL);
	cr_assert_eq(k.port[0], 5000);
	w.first_ns = w.last_ns = TS(46);
	w.pkts[0] = 1;
	w.bytes[0] = 32;
	expect_flow("full frame", &k, &w, 0);
}

Test(datapath, truncated_eth_vlan_ipv6_sctp)
{
	struct pkt_spec s = pkt_sctp("fd00:1::1", 5000, "fd00:1::2", NGAP_PORT, 1, 0);

	s.nvlan = 1;
	dp_open();
	sweep(&s, want_v6_sctp, "eth/vlan/ipv6/sctp");
	EXPECT_STATS([NT_STAT_ERR_L2] = 4, [NT_STAT_ERR_L3] = 40, [NT_STAT_ERR_L4] = 12);
}

/* Run one frame; exactly counter c (and PACKETS) must move, no flow. */
static void expect_rejected(const struct pkt_spec *s, int c, const char *what)
{
	uint64_t before[NT_STAT_MAX], after[NT_STAT_MAX];

	stats_read(before);
	send_at(s, TS(runs));
	stats_read(after);
	for (int i = 0; i < NT_STAT_MAX; i++) {
		uint64_t d = after[i] - before[i];
		uint64_t e = i == NT_STAT_PACKETS || i == c;

		cr_expect_eq(d, e, "%s: NT_STAT_%s moved by %llu, want %llu", what, stat_name[i],
			     (unsigned long long)d, (unsigned long long)e);
	}
	expect_no_flows(what);
}

Test(datapath, ipv4_ihl_below_5)
{
	dp_open();
	for (int ihl = 0; ihl < 5; ihl++) {
		struct pkt_spec s = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 40);
		char what[16];

		s.ihl_set = 1;
		s.ihl = (uint8_t)ihl;
		snprintf(what, sizeof(what), "ihl %d", ihl);
		expect_rejected(&s, NT_STAT_ERR_L3, what);
	}
	cr_assert_eq(runs, 5u);
	EXPECT_STATS([NT_STAT_ERR_L3] = 5);
}

Test(datapath, ip_version_nibble_wrong)
{
	static const uint8_t v4bad[] = { 6, 5, 0, 15 };
	static const uint8_t v6bad[] = { 4, 7, 0 };

	dp_open();
	for (size_t i = 0; i < sizeof(v4bad); i++) {
		struct pkt_spec s = pkt_udp("10.0.0.1", 1, "10.0.0.2", 2, 60);

		s.version_nibble = v4bad[i];
		if (!v4bad[i]) { /* 0 means "default" in the builder */
			size_t n = build(&s, NULL);

			frame[14] &= 0x0f;
			run_ok(frame, n, (struct run_ctx){ .ts = TS(i) });
			continue;
		}
		expect_rejected(&s, NT_STAT_ERR_L3, "ipv4 ethertype, bad version");
	}
	for (size_t i = 0; i < sizeof(v6bad); i++) {
		struct pkt_spec s = pkt_udp("2001:db8::1", 1, "2001:db8::2", 2, 60);

		s.version_nibble = v6bad[i];
		if (!v6bad[i]) {
			size_t n = build(&s, NULL);

			frame[14] &= 0x0f;
			run_ok(frame, n, (struct run_ctx){ .ts = TS(i) });
			continue;
		}
		expect_rejected(&s, NT_STAT_ERR_L3, "ipv6 ethertype, bad version");
	}
	cr_assert_eq(runs, 7u);
	expect_no_flows("bad versions");
	EXPECT_STATS([NT_STAT_ERR_L3] = 7);
}

/* tot_len shorter than the header it claims (pcap mode trusts tot_len). */
Test(datapath, ipv4_tot_len_below_ihl)
{
	struct pkt_spec a = pkt_udp("10.0.0.1", 1, "10.0.0.2", 2, 10);
	struct pkt_spec b = pkt_udp("10.0.0.1", 1, "10.0.0.2", 2, 10);

	a.len_set = 1;
	a.len_field = 19;
	b.ip_opt_len = 40; /* IHL 15: 60 bytes */
	b.len_set = 1;
	b.len_field = 40;
	dp_open();
	expect_rejected(&a, NT_STAT_ERR_L3, "tot_len 19");
	expect_rejected(&b, NT_STAT_ERR_L3, "ihl 15, tot_len 40");
	EXPECT_STATS([NT_STAT_ERR_L3] = 2);
}

Test(datapath, non_ip_frames)
{
	struct pkt_spec arp = { .ethertype = PKT_ETH_P_ARP, .payload_len = 28 };
	struct pkt_spec lldp = { .ethertype = PKT_ETH_P_LLDP, .payload_len = 46 };
	struct pkt_spec varp = { .ethertype = PKT_ETH_P_ARP, .nvlan = 1, .payload_len = 28 };

	dp_open();
	expect_rejected(&arp, NT_STAT_NON_IP, "arp");
	expect_rejected(&lldp, NT_STAT_NON_IP, "lldp");
	expect_rejected(&varp, NT_STAT_NON_IP, "arp in a vlan");
	EXPECT_STATS([NT_STAT_NON_IP] = 3);
}

/* ======================================================================= */
/* Lengths: GSO, snap length, padding                                      */
/* ======================================================================= */

/*
 * BPF_PROG_TEST_RUN takes about a page of data, so the super-packets are
 * handed over cut to 3072 bytes, as the offline reader does: pcap mode
 * takes the IP length from the header.
 */
Test(datapath, gso_tcp_counts_segments)
{
	struct pkt_spec g4 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, PSH | ACK, 4000);
	struct pkt_spec g6 = pkt_tcp("2001:db8::1", 40000, "2001:db8::2", 80, PSH | ACK, 4000);
	struct pkt_spec a4 = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, ACK, 0);
	struct pkt_spec gu = pkt_udp("10.0.0.1", 4433, "10.0.0.2", 443, 1500);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	size_t n;

	g4.tcp_doff = 8;
	g6.tcp_doff = 8;
	dp_open();
	n = build(&g4, NULL);
	cr_assert_eq(n, 14u + 4052);
	run_ok(frame, pkt_truncate(n, 3072),
	       (struct run_ctx){ .ts = TS(0), .gso_segs = 4, .gso_size = 1000 });
	send_at(&a4, TS(1));
	n = build(&g6, NULL);
	run_ok(frame, pkt_truncate(n, 3072),
	       (struct run_ctx){ .ts = TS(2), .gso_segs = 4, .gso_size = 1000 });
	send_ex(&gu, (struct run_ctx){ .ts = TS(3), .gso_segs = 3, .gso_size = 500 });

	k = key_of(&g4, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = 4;
	w.bytes[0] = 4052 + 3 * (20 + 32);
	w.pkts[1] = 1;
	w.bytes[1] = 40;
	w.tcp_flags = flags_of(0, PSH | ACK) | flags_of(1, ACK);
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("gso v4", &k, &w, 0);

	k = key_of(&g6, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(2);
	w.pkts[0] = 4;
	w.bytes[0] = 4072 + 3 * (40 + 32);
	w.tcp_flags = PSH | ACK;
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("gso v6", &k, &w, 0);

	k = key_of(&gu, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(3);
	w.pkts[0] = 3;
	w.bytes[0] = 1528 + 2 * 28;
	expect_flow("udp gso", &k, &w, 0);
	cr_assert_eq(flow_count(), 3u);
	EXPECT_STATS();
}

/* gso_segs 0 and 1 both mean one packet. */
Test(datapath, gso_segs_0_and_1)
{
	struct pkt_spec s = pkt_udp("10.0.0.1", 1, "10.0.0.2", 2, 100);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;

	dp_open();
	send_ex(&s, (struct run_ctx){ .ts = TS(0), .gso_segs = 0 });
	send_ex(&s, (struct run_ctx){ .ts = TS(1), .gso_segs = 1, .gso_size = 100 });
	k = key_of(&s, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = 2;
	w.bytes[0] = 256;
	expect_flow("gso 0/1", &k, &w, 0);
	EXPECT_STATS();
}

/*
 * Lengths against the frame:
 *  - a snaplen-cut frame (tot_len / payload_len beyond the data): pcap
 *    mode counts the header's length; live mode what is present;
 *  - Ethernet padding after a short datagram: never counted;
 *  - tot_len 0 (IPv4 BIG TCP), payload_len 0 (IPv6 jumbogram / BIG TCP):
 *    the frame's IP bytes.
 */
static void lengths(int live)
{
	struct pkt_spec cut4 = pkt_udp("10.0.0.1", 1000, "10.0.0.2", 53, 1472);
	struct pkt_spec cut6 = pkt_udp("2001:db8::1", 1000, "2001:db8::2", 53, 1452);
	struct pkt_spec pad = pkt_udp("10.0.0.1", 1001, "10.0.0.2", 53, 0);
	struct pkt_spec big = pkt_tcp("10.0.0.1", 1002, "10.0.0.2", 80, ACK, 100);
	struct pkt_spec jumbo = pkt_tcp("2001:db8::1", 1003, "2001:db8::2", 80, ACK, 100);
	struct nt_flow_val w;
	struct nt_flow_key k;
	unsigned skip = live ? SKIP_TIME : 0;
	size_t n;

	big.len_set = 1;
	big.len_field = 0;
	jumbo.len_set = 1;
	jumbo.len_field = 0;
	dp_open(.live = live);
	n = build(&cut4, NULL);
	cr_assert_eq(n, 14u + 1500);
	run_ok(frame, 14 + 20 + 8 + 64, (struct run_ctx){ .ts = TS(0) });
	n = build(&cut6, NULL);
	cr_assert_eq(n, 14u + 1500);
	run_ok(frame, 14 + 40 + 8 + 32, (struct run_ctx){ .ts = TS(1) });
	n = build(&pad, NULL);
	cr_assert_eq(n, 42u);
	n = pkt_pad(frame, n, sizeof(frame));
	cr_assert_eq(n, 60u);
	run_ok(frame, n, (struct run_ctx){ .ts = TS(2) });
	send_at(&big, TS(3));
	send_at(&jumbo, TS(4));

	k = key_of(&cut4, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = live ? 92 : 1500;
	expect_flow(live ? "live cut v4" : "pcap cut v4", &k, &w, skip);

	k = key_of(&cut6, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(1);
	w.pkts[0] = 1;
	w.bytes[0] = live ? 80 : 1500;
	expect_flow(live ? "live cut v6" : "pcap cut v6", &k, &w, skip);

	k = key_of(&pad, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(2);
	w.pkts[0] = 1;
	w.bytes[0] = 28;
	expect_flow("padded", &k, &w, skip);

	k = key_of(&big, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(3);
	w.pkts[0] = 1;
	w.bytes[0] = 140;
	w.tcp_flags = ACK;
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("tot_len 0", &k, &w, skip);

	k = key_of(&jumbo, NULL);
	w = val0();
	w.first_ns = w.last_ns = TS(4);
	w.pkts[0] = 1;
	w.bytes[0] = 160;
	w.tcp_flags = ACK;
	w.attrs = NT_ATTR_MIDSTREAM;
	expect_flow("payload_len 0", &k, &w, skip);
	cr_assert_eq(flow_count(), 5u);
	EXPECT_STATS();
}

Test(datapath, lengths_pcap_mode)
{
	lengths(0);
}

Test(datapath, lengths_live_mode)
{
	lengths(1);
}

/* Live mode: the clock is the kernel's, whatever tstamp says; and it
 * moves forward. */
Test(datapath, live_mode_uses_kernel_clock)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", 1, "10.0.0.2", 2, SYN, 0);
	struct nt_flow_val v;
	struct nt_flow_key k;
	struct timespec a, b;
	uint64_t lo, hi;

	dp_open(.live = 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	send_at(&s, 5);
	clock_gettime(CLOCK_MONOTONIC, &b);
	lo = (uint64_t)a.tv_sec * SEC_NS + (uint64_t)a.tv_nsec;
	hi = (uint64_t)b.tv_sec * SEC_NS + (uint64_t)b.tv_nsec;
	k = key_of(&s, NULL);
	v = flow_get(&k);
	cr_expect(v.first_ns >= lo && v.first_ns <= hi, "first_ns %llu outside [%llu, %llu]",
		  (unsigned long long)v.first_ns, (unsigned long long)lo, (unsigned long long)hi);
	cr_expect_eq(v.syn_ns, v.first_ns);
	cr_expect_eq(v.last_ns, v.first_ns);
	EXPECT_STATS();
}

/* ======================================================================= */
/* Full table                                                              */
/* ======================================================================= */

static void fill_table(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pkt_spec s = pkt_udp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 10);

		send_at(&s, TS(i));
	}
	cr_assert_eq(flow_count(), n, "fill: %u flows", flow_count());
	EXPECT_STATS();
}

Test(datapath, table_full_sends_overflow_events)
{
	struct pkt_spec u = pkt_udp("10.0.0.1", 2000, "10.0.0.2", 53, 10);
	struct pkt_spec ur = pkt_udp("10.0.0.2", 53, "10.0.0.1", 2000, 50);
	struct pkt_spec t = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 3000, PSH | ACK, 2000);
	struct pkt_spec ic = pkt_icmp("10.0.0.1", "10.0.0.2", 3, 4, 0, 28);
	struct pkt_spec old = pkt_udp("10.0.0.1", 1000, "10.0.0.2", 53, 20);
	struct nt_flow_val w = val0(), v;
	struct nt_flow_key k;
	struct nt_event e;

	dp_open(.max_flows = 16);
	fill_table(16);
	send_at(&u, TS(100));
	send_at(&ur, TS(101));
	send_ex(&t, (struct run_ctx){ .ts = TS(102), .gso_segs = 2, .gso_size = 1000 });
	send_at(&ic, TS(103));
	send_at(&old, TS(104)); /* an existing flow still counts */

	cr_assert_eq(flow_count(), 16u);
	k = key_of(&u, NULL);
	cr_assert_not(flow_find(&k, &v), "the 17th flow got into the table");
	k = key_of(&old, NULL);
	w.first_ns = TS(0);
	w.last_ns = TS(104);
	w.pkts[0] = 2;
	w.bytes[0] = 38 + 48;
	expect_flow("existing flow", &k, &w, 0);
	EXPECT_STATS([NT_STAT_TABLE_FULL] = 4, [NT_STAT_OVERFLOW_SENT] = 4);

	cr_assert_eq(drain(), 4, "want 4 overflow events, got %d", nevs);
	e = overflow_ev(&u, TS(100), 1, 38);
	cr_assert_eq(e.side, 0);
	expect_event(0, &e);
	e = overflow_ev(&ur, TS(101), 1, 78);
	cr_assert_eq(e.side, 1);
	expect_event(1, &e);
	e = overflow_ev(&t, TS(102), 2, 2040 + 40);
	cr_assert_eq(e.side, 1);
	cr_assert_eq(e.tcp_flags, PSH | ACK);
	expect_event(2, &e);
	e = overflow_ev(&ic, TS(103), 1, 56);
	cr_assert_eq(e.key.port[0], 3);
	cr_assert_eq(e.icmp_code, 4);
	expect_event(3, &e);
}

/* cfg_overflow_per_sec = 2: the third overflow within a second of the
 * window's start is lost (counted); the window restarts a second later. */
Test(datapath, overflow_rate_limit)
{
	struct pkt_spec u = pkt_udp("10.0.0.1", 2000, "10.0.0.2", 53, 10);
	struct pkt_spec g = pkt_udp("10.0.0.1", 2000, "10.0.0.2", 53, 30);
	uint64_t t1 = T0 + 10 * SEC_NS;
	struct nt_event e;

	dp_open(.max_flows = 16, .overflow_per_sec = 2);
	fill_table(16);
	send_at(&u, t1);
	send_at(&u, t1 + 1000000);
	EXPECT_STATS([NT_STAT_TABLE_FULL] = 2, [NT_STAT_OVERFLOW_SENT] = 2);
	send_ex(&g, (struct run_ctx){ .ts = t1 + 2000000, .gso_segs = 3, .gso_size = 10 });
	EXPECT_STATS([NT_STAT_TABLE_FULL] = 3, [NT_STAT_OVERFLOW_SENT] = 2,
		     [NT_STAT_OVERFLOW_LOST_PKTS] = 3, [NT_STAT_OVERFLOW_LOST_BYTES] = 58 + 2 * 28);
	send_at(&u, t1 + SEC_NS - 1);
	send_at(&u, t1 + SEC_NS);
	EXPECT_STATS([NT_STAT_TABLE_FULL] = 5, [NT_STAT_OVERFLOW_SENT] = 3,
		     [NT_STAT_OVERFLOW_LOST_PKTS] = 4,
		     [NT_STAT_OVERFLOW_LOST_BYTES] = 58 + 2 * 28 + 38);
	cr_assert_eq(drain(), 3, "want 3 overflow events, got %d", nevs);
	e = overflow_ev(&u, t1, 1, 38);
	expect_event(0, &e);
	e = overflow_ev(&u, t1 + 1000000, 1, 38);
	expect_event(1, &e);
	e = overflow_ev(&u, t1 + SEC_NS, 1, 38);
	expect_event(2, &e);
	cr_assert_eq(flow_count(), 16u);
}

/* ======================================================================= */
/* Once per node                                                           */
/* ======================================================================= */

static void links_del(void)
{
	if (system("ip link del ntdpA >/dev/null 2>&1")) { /* absent: fine */
	}
	if (system("ip link del ntdpB >/dev/null 2>&1")) { /* absent: fine */
	}
}

static void node_fini(void)
{
	dp_close();
	links_del();
}

/* Two interfaces: dummies, or on a kernel built without CONFIG_DUMMY (this
 * VM's) a veth pair: any two real ifindexes will do, the program only
 * compares them. */
static void two_links(unsigned *a, unsigned *b)
{
	links_del();
	if (system("ip link add ntdpA type dummy >/dev/null 2>&1") == 0) {
		cr_assert_eq(system("ip link add ntdpB type dummy"), 0,
			     "ip link add ntdpB type dummy failed");
	} else {
		cr_assert_eq(system("ip link add ntdpA type veth peer name "
				    "ntdpB"),
			     0, "neither a dummy nor a veth pair could be made");
	}
	*a = if_nametoindex("ntdpA");
	*b = if_nametoindex("ntdpB");
	cr_assert(*a && *b && *a != *b);
}

TestSuite(node, .fini = node_fini);

Test(node, counted_once_per_node)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	unsigned a, b;

	two_links(&a, &b);
	dp_open();

	send_ex(&syn, (struct run_ctx){ .ts = TS(0), .ifindex = a });
	send_ex(&syn, (struct run_ctx){ .ts = TS(1), .ifindex = b });
	k = key_of(&syn, NULL);
	w.owner_ifindex = a;
	w.seen_ifindex[0] = b;
	w.first_ns = w.last_ns = w.syn_ns = TS(0);
	w.pkts[0] = 1;
	w.bytes[0] = 40;
	w.tcp_flags = SYN;
	expect_flow("seen on two interfaces", &k, &w, 0);
	EXPECT_STATS([NT_STAT_NOT_OWNER] = 1);

	/* the reply crosses B first this time, then A; then lo sees it */
	send_ex(&sa, (struct run_ctx){ .ts = TS(2), .ifindex = b });
	send_ex(&sa, (struct run_ctx){ .ts = TS(3), .ifindex = a });
	send_ex(&sa, (struct run_ctx){ .ts = TS(4) });
	w.seen_ifindex[1] = lo_ifindex;
	w.last_ns = w.synack_ns = TS(3);
	w.pkts[1] = 1;
	w.bytes[1] = 40;
	w.tcp_flags |= flags_of(1, SYN | ACK);
	expect_flow("reply", &k, &w, 0);
	cr_assert_eq(flow_count(), 1u);
	EXPECT_STATS([NT_STAT_NOT_OWNER] = 3);
}

/* ======================================================================= */
/* The canonical order itself                                              */
/* ======================================================================= */

/*
 * nettrail.h / docs/datapath.md: side 0 is the lower address (then lower
 * port). Addresses that differ in more than the last byte of a 32-bit word
 * tell a byte-order comparison from a comparison of host-order words.
 */
static void lower_first(const char *lo, const char *hi)
{
	struct pkt_spec q = pkt_udp(hi, 1000, lo, 2000, 10);
	struct pkt_spec r = pkt_udp(lo, 2000, hi, 1000, 20);
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	uint8_t a[16];
	int side;

	dp_open();
	send_at(&q, TS(0));
	send_at(&r, TS(1));
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	k = key_of(&q, &side);
	cr_assert_eq(side, 1);
	pkt_addr(a, lo);
	cr_assert_eq(
		memcmp(k.addr[0] + (q.ip_version == 4 ? 12 : 0), a, q.ip_version == 4 ? 4 : 16), 0);
	w.first_ns = TS(0);
	w.last_ns = TS(1);
	w.pkts[0] = w.pkts[1] = 1;
	w.bytes[0] = r.ip_version == 4 ? 48 : 68;
	w.bytes[1] = r.ip_version == 4 ? 38 : 58;
	w.initiator = 1;
	expect_flow("lower address first", &k, &w, 0);
	EXPECT_STATS();
}

Test(datapath, canonical_order_v4_lower_address_first)
{
	lower_first("10.0.0.2", "10.0.1.1");
}

Test(datapath, canonical_order_v6_lower_address_first)
{
	lower_first("2001:db8::1", "fe80::1");
}

/* ---- payload samples ---------------------------------------------------- */

static struct nt_sample samples_got[32];
static int n_samples;

static int on_sample(void *ctx, void *data, size_t sz)
{
	(void)ctx;
	cr_assert_eq(sz, sizeof(struct nt_sample));
	if (n_samples < 32)
		memcpy(&samples_got[n_samples], data, sizeof(samples_got[0]));
	n_samples++;
	return 0;
}

/* Runs a spec and checks the sample it should produce (or not). */
static void send_and_sample(const struct pkt_spec *s, uint64_t ts, struct ring_buffer *srb,
			    int want, uint8_t kind, uint8_t side, uint8_t initiator)
{
	struct pkt_layout lay;
	size_t n = build(s, &lay);
	int before = n_samples;

	run_ok(frame, n, (struct run_ctx){ .ts = ts });
	ring_buffer__consume(srb);
	cr_assert_eq(n_samples - before, want, "samples: %d, want %d", n_samples - before, want);
	if (!want)
		return;
	struct nt_sample *g = &samples_got[n_samples - 1];
	size_t plen = lay.len - lay.payload_off;
	size_t cap = plen < NT_SAMPLE_MAX ? plen : NT_SAMPLE_MAX;

	cr_expect_eq(g->kind, kind, "kind %u, want %u (ts %llu)", g->kind, kind,
		     (unsigned long long)ts);
	cr_expect_eq(g->side, side);
	cr_expect_eq(g->initiator, initiator);
	cr_expect_eq(g->ts_ns, ts);
	cr_expect_eq(g->payload_len, plen);
	cr_expect_eq(g->cap_len, cap);
	cr_expect_eq(g->tcp_seq, s->proto == 6 ? s->seq : 0u);
	cr_expect_eq(memcmp(g->data, frame + lay.payload_off, cap), 0,
		     "sample bytes differ from the packet's payload");
}

Test(datapath, payload_samples_first_packets_and_dns)
{
	struct ring_buffer *srb;
	struct pkt_spec syn, c1, c2, c3, s1, dns, ping, big;
	int side;

	dp_open(.sample_pkts = 2, .dns_port = 53);
	srb = ring_buffer__new(bpf_map__fd(skel->maps.samples), on_sample, NULL, NULL);
	cr_assert_not_null(srb);
	n_samples = 0;

	/* TCP 10.0.0.1:40000 -> 10.0.0.2:443: the client is key side 0 */
	syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 443, NT_TCP_SYN, 0);
	syn.seq = 1000;
	key_x(&syn, &side, 0);
	cr_assert_eq(side, 0);
	send_and_sample(&syn, 1000, srb, 0, 0, 0, 0); /* no payload */
	c1 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 443, NT_TCP_ACK | NT_TCP_PSH, 100);
	c1.seq = 1001;
	c2 = c1;
	c2.payload_len = 200;
	c2.seq = 1101;
	c3 = c1;
	c3.payload_len = 300;
	c3.seq = 1301;
	send_and_sample(&c1, 2000, srb, 1, NT_SAMPLE_FIRST, 0, 0);
	send_and_sample(&c2, 3000, srb, 1, NT_SAMPLE_FIRST, 0, 0);
	send_and_sample(&c3, 4000, srb, 0, 0, 0, 0); /* budget spent */
	s1 = pkt_tcp("10.0.0.2", 443, "10.0.0.1", 40000, NT_TCP_ACK, 50);
	s1.seq = 9001;
	send_and_sample(&s1, 5000, srb, 1, NT_SAMPLE_FIRST, 1, 0);

	/* DNS: every message, beyond the per-direction budget */
	dns = pkt_udp("10.0.0.1", 5353, "10.0.0.9", 53, 40);
	for (int i = 0; i < 4; i++)
		send_and_sample(&dns, 6000 + i, srb, 1, NT_SAMPLE_DNS, 0, 0);

	/* ICMP payloads are not sampled */
	ping = pkt_icmp("10.0.0.1", "10.0.0.2", 8, 0, 7, 56);
	send_and_sample(&ping, 7000, srb, 0, 0, 0, 0);

	/* a payload larger than a sample is cut, its length kept */
	big = pkt_udp("10.0.0.1", 7000, "10.0.0.3", 7001, 3000);
	send_and_sample(&big, 8000, srb, 1, NT_SAMPLE_FIRST, 0, 0);

	EXPECT_STATS([NT_STAT_SAMPLES] = 8);
	ring_buffer__free(srb);
	dp_close();
}

/* A UDP GSO super-packet (a QUIC client's ClientHello over 3 Initials sent
 * with UDP_SEGMENT): each gso_size datagram is a sample of its own, with its
 * own bytes, within the direction's budget (4: one more from the next). */
Test(datapath, payload_samples_udp_gso_datagrams)
{
	struct ring_buffer *srb;
	struct pkt_spec q = pkt_udp("10.0.0.1", 50000, "10.0.0.2", 443, 3 * 1200);
	struct pkt_layout lay;
	size_t n;

	dp_open(.sample_pkts = 4);
	srb = ring_buffer__new(bpf_map__fd(skel->maps.samples), on_sample, NULL, NULL);
	cr_assert_not_null(srb);
	n_samples = 0;
	n = build(&q, &lay);
	for (size_t i = 0; i < 3 * 1200; i++) /* a pattern per datagram */
		frame[lay.payload_off + i] = (uint8_t)(i / 1200 + 1);
	run_ok(frame, n, (struct run_ctx){ .ts = TS(0), .gso_segs = 3, .gso_size = 1200 });
	ring_buffer__consume(srb);
	cr_assert_eq(n_samples, 3);
	for (int i = 0; i < 3; i++) {
		struct nt_sample *g = &samples_got[i];

		cr_expect_eq(g->kind, NT_SAMPLE_FIRST);
		cr_expect_eq(g->payload_len, 1200);
		cr_expect_eq(g->cap_len, 1200);
		cr_expect_eq(g->data[0], i + 1);
		cr_expect_eq(g->data[1199], i + 1);
	}
	run_ok(frame, n, (struct run_ctx){ .ts = TS(1), .gso_segs = 3, .gso_size = 1200 });
	ring_buffer__consume(srb);
	cr_assert_eq(n_samples, 4);
	cr_expect_eq(samples_got[3].data[0], 1);
	EXPECT_STATS([NT_STAT_SAMPLES] = 4);
	ring_buffer__free(srb);
	dp_close();
}

/* A TCP payload of n bytes from src:sport, starting with head[hn]: runs
 * it and returns the samples it made. */
static int send_tls(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq,
		    size_t n, const uint8_t *head, size_t hn, struct ring_buffer *srb)
{
	struct pkt_spec s = pkt_tcp(src, sport, dst, dport, NT_TCP_ACK | NT_TCP_PSH, n);
	struct pkt_layout lay;
	size_t len;
	int before = n_samples;

	s.seq = seq;
	len = build(&s, &lay);
	if (hn)
		memcpy(frame + lay.payload_off, head, hn);
	run_ok(frame, len, (struct run_ctx){ .ts = 1000 + seq });
	ring_buffer__consume(srb);
	return n_samples - before;
}

/* the attrs of the flow of client port cport with server 10.0.0.2:443 */
static uint8_t attrs_of(uint16_t cport)
{
	struct pkt_spec s = pkt_tcp("10.0.0.1", cport, "10.0.0.2", 443, 0, 0);
	int side;
	struct nt_flow_key k = key_x(&s, &side, 0);

	return flow_get(&k).attrs;
}

Test(datapath, tls_certificate_sampling)
{
	/* ServerHello record (74 bytes) then a handshake record: TLS 1.2 */
	static const uint8_t sh12[] = { 0x16, 3, 3, 0, 74, 2, 0, 0, 70, [79] = 0x16, 3, 3 };
	/* ServerHello then ChangeCipherSpec: TLS 1.3 */
	static const uint8_t sh13[] = { 0x16, 3, 3, 0, 74, 2, 0, 0, 70, [79] = 0x14, 3, 3 };
	/* a client's flight opening with its Certificate (mutual TLS) */
	static const uint8_t ccert[] = { 0x16, 3, 3, 1, 0, 11, 0, 0, 200 };
	const char *c = "10.0.0.1", *sv = "10.0.0.2";
	struct ring_buffer *srb;
	struct nt_cert_key ck;
	struct pkt_spec s = pkt_tcp(c, 40003, sv, 443, 0, 0);
	int side;

	dp_open(.sample_pkts = 2, .tls_cert_max = 4300);
	srb = ring_buffer__new(bpf_map__fd(skel->maps.samples), on_sample, NULL, NULL);
	cr_assert_not_null(srb);
	n_samples = 0;

	/* A: a TLS 1.2 server flight, sampled past the 2 packets up to 4300
	 * bytes: 300, then 3000 in two chunks, then the last 1000 cut */
	cr_assert_eq(send_tls(c, 40001, sv, 443, 1, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(sv, 443, c, 40001, 5000, 300, sh12, sizeof(sh12), srb), 1);
	cr_expect_eq(samples_got[n_samples - 1].kind, NT_SAMPLE_FIRST);
	cr_expect_eq(attrs_of(40001) & (NT_ATTR_CERT0 | NT_ATTR_CERT1), NT_ATTR_CERT1);
	cr_assert_eq(send_tls(sv, 443, c, 40001, 5300, 3000, NULL, 0, srb), 2);
	cr_expect_eq(samples_got[n_samples - 2].kind, NT_SAMPLE_CERT);
	cr_expect_eq(samples_got[n_samples - 2].cap_len, 2048);
	cr_expect_eq(samples_got[n_samples - 1].tcp_seq, 5300 + 2048);
	cr_expect_eq(samples_got[n_samples - 1].cap_len, 952);
	cr_assert_eq(send_tls(sv, 443, c, 40001, 8300, 1500, NULL, 0, srb), 1);
	cr_expect_eq(samples_got[n_samples - 1].cap_len, 1000, "the cap: 4300 bytes in all");
	cr_expect_eq(attrs_of(40001) & NT_ATTR_CERT1, 0, "capped: the kernel ended it");
	cr_assert_eq(send_tls(sv, 443, c, 40001, 9800, 500, NULL, 0, srb), 0);

	/* B: TLS 1.3 never starts it */
	cr_assert_eq(send_tls(c, 40002, sv, 443, 1, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(sv, 443, c, 40002, 5000, 300, sh13, sizeof(sh13), srb), 1);
	cr_expect_eq(attrs_of(40002) & (NT_ATTR_CERT0 | NT_ATTR_CERT1), 0);
	cr_assert_eq(send_tls(sv, 443, c, 40002, 5300, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(sv, 443, c, 40002, 5400, 100, NULL, 0, srb), 0);

	/* C: userspace ends it: the next packet clears the flag */
	cr_assert_eq(send_tls(c, 40003, sv, 443, 1, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(sv, 443, c, 40003, 5000, 300, sh12, sizeof(sh12), srb), 1);
	cr_expect_eq(attrs_of(40003) & NT_ATTR_CERT1, NT_ATTR_CERT1);
	memset(&ck, 0, sizeof(ck));
	ck.flow = key_x(&s, &side, 0);
	ck.side = !side;
	cr_assert_eq(bpf_map_delete_elem(bpf_map__fd(skel->maps.tls_cert), &ck), 0);
	cr_assert_eq(send_tls(sv, 443, c, 40003, 5300, 100, NULL, 0, srb), 1);
	cr_expect_eq(samples_got[n_samples - 1].kind, NT_SAMPLE_FIRST, "its own budget left");
	cr_expect_eq(attrs_of(40003) & NT_ATTR_CERT1, 0);
	cr_assert_eq(send_tls(sv, 443, c, 40003, 5400, 100, NULL, 0, srb), 0);

	/* D: a client's Certificate flight (the initiator, key side 0) */
	cr_assert_eq(send_tls(c, 40004, sv, 443, 1, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(c, 40004, sv, 443, 101, 300, ccert, sizeof(ccert), srb), 1);
	cr_expect_eq(attrs_of(40004) & (NT_ATTR_CERT0 | NT_ATTR_CERT1), NT_ATTR_CERT0);
	cr_assert_eq(send_tls(c, 40004, sv, 443, 401, 100, NULL, 0, srb), 1);
	cr_expect_eq(samples_got[n_samples - 1].kind, NT_SAMPLE_CERT);
	/* ... but a server's Certificate opening a packet does not start it */
	cr_assert_eq(send_tls(c, 40005, sv, 443, 1, 100, NULL, 0, srb), 1);
	cr_assert_eq(send_tls(sv, 443, c, 40005, 5000, 300, ccert, sizeof(ccert), srb), 1);
	cr_expect_eq(attrs_of(40005) & (NT_ATTR_CERT0 | NT_ATTR_CERT1), 0);
	ring_buffer__free(srb);
	dp_close();
}

/* ======================================================================= */
/* bpf/sock.bpf.c's packet parser, through its test hook nt_key_probe      */
/* ======================================================================= */

/*
 * The cgroup_skb programs key a socket's packet exactly as the TC programs
 * key its flow. BPF_PROG_TEST_RUN hands a cgroup_skb program the frame
 * from the IP header on (the kernel takes the Ethernet header off), with a
 * dummy socket, so the hook runs the parser alone and leaves its result
 * in the sock_probe map.
 */
static struct sock_bpf *sk_skel;

static void sk_open(void)
{
	struct bpf_program *p;

	libbpf_set_print(NULL);
	sk_skel = sock_bpf__open();
	cr_assert_not_null(sk_skel, "sock_bpf__open: %s", strerror(errno));
	bpf_object__for_each_program(p, sk_skel->obj)
		bpf_program__set_autoload(p, p == sk_skel->progs.nt_key_probe);
	cr_assert_eq(sock_bpf__load(sk_skel), 0, "sock_bpf__load: %s (root?)", strerror(errno));
}

static void sk_close(void)
{
	sock_bpf__destroy(sk_skel);
	sk_skel = NULL;
}

TestSuite(sockparse, .init = sk_open, .fini = sk_close);

/* Runs the frame (cut at `cut` bytes unless 0) through the parser; returns
 * the side it gave (-1: not parsed), the key in *k. */
static int sk_parse(const struct pkt_spec *s, size_t cut, struct nt_flow_key *k)
{
	int mfd = bpf_map__fd(sk_skel->maps.sock_probe);
	struct nt_sock_probe pr;
	__u32 zero = 0;
	size_t n = build(s, NULL);

	if (cut)
		n = pkt_truncate(n, cut);
	memset(&pr, 0, sizeof(pr));
	pr.side = -2;
	cr_assert_eq(bpf_map_update_elem(mfd, &zero, &pr, BPF_ANY), 0);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)n, .repeat = 1);
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(sk_skel->progs.nt_key_probe), &o), 0,
		     "BPF_PROG_TEST_RUN: %s", strerror(errno));
	cr_assert_eq(o.retval, 1u, "a cgroup_skb program allows: returned %u", o.retval);
	cr_assert_eq(bpf_map_lookup_elem(mfd, &zero, &pr), 0);
	cr_assert_eq(pr.runs, 1u);
	*k = pr.key;
	return pr.side;
}

static void sk_expect_key(const char *what, const struct pkt_spec *s)
{
	struct nt_flow_key k, want;
	char b1[200], b2[200];
	int side, got;

	want = key_of(s, &side);
	got = sk_parse(s, 0, &k);
	cr_assert_eq(got, side, "%s: side %d, want %d", what, got, side);
	cr_assert_eq(memcmp(&k, &want, sizeof(k)), 0, "%s: key %s, want %s", what,
		     key_str(&k, b1, sizeof(b1)), key_str(&want, b2, sizeof(b2)));
}

static void sk_expect_reject(const char *what, const struct pkt_spec *s, size_t cut)
{
	struct nt_flow_key k;

	cr_assert_eq(sk_parse(s, cut, &k), -1, "%s: parsed, want rejected", what);
}

Test(sockparse, ipv4_tcp_udp_and_options)
{
	struct pkt_spec t = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN, 0);
	struct pkt_spec u = pkt_udp("10.0.0.1", 5000, "10.0.0.1", 4000, 10);

	sk_expect_key("tcp v4, source on side 1", &t);
	sk_expect_key("udp v4, same address: ports decide", &u);
	t.ip_opt_len = 40;
	sk_expect_key("tcp v4, 40 bytes of options", &t);
}

Test(sockparse, ipv4_later_fragment_rejected)
{
	struct pkt_spec f = pkt_udp("10.0.0.1", 5000, "10.0.0.2", 53, 8);

	f.mf = 1;
	sk_expect_key("first fragment", &f);
	f.frag_off = 3;
	f.no_l4 = 1;
	sk_expect_reject("later fragment", &f, 0);
}

Test(sockparse, not_tcp_or_udp_rejected)
{
	struct pkt_spec i = pkt_icmp("10.0.0.1", "10.0.0.2", 8, 0, 7, 8);
	struct pkt_spec c = pkt_sctp("2001:db8::1", 1, "2001:db8::2", 2, 9, 16);

	sk_expect_reject("icmp", &i, 0);
	sk_expect_reject("sctp", &c, 0);
}

Test(sockparse, ipv6_options_routing_fragment)
{
	struct pkt_spec s = pkt_tcp("2001:db8::2", 443, "2001:db8::1", 40000, SYN | ACK, 0);
	struct pkt_ext *f;

	sk_expect_key("tcp v6", &s);
	pkt_add_ext(&s, PKT_EXT_HOPOPTS, 8);
	pkt_add_ext(&s, PKT_EXT_ROUTING, 24);
	pkt_add_ext(&s, PKT_EXT_DSTOPTS, 16);
	sk_expect_key("hbh+routing+dstopts+tcp", &s);
	f = pkt_add_ext(&s, PKT_EXT_FRAGMENT, 0);
	f->frag_more = 1;
	f->frag_id = 77;
	sk_expect_key("... + first fragment", &s);
	f->frag_off = 10;
	s.no_l4 = 1;
	sk_expect_reject("... + later fragment", &s, 0);
}

/* The TC programs' walker: AH and mobility headers are walked too. */
Test(sockparse, ipv6_ah_and_mobility_walked)
{
	struct pkt_spec a = pkt_tcp("2001:db8::1", 40000, "2001:db8::2", 443, ACK, 20);
	struct pkt_spec m = pkt_udp("2001:db8::1", 1111, "2001:db8::2", 2222, 8);

	pkt_add_ext(&a, PKT_EXT_AH, 24);
	sk_expect_key("ah+tcp", &a);
	pkt_add_ext(&m, PKT_EXT_HOPOPTS, 8);
	pkt_add_ext(&m, PKT_EXT_MH, 16);
	sk_expect_key("hbh+mobility+udp", &m);
}

/* Up to 8 extension headers, as for the TC programs; 9 is an error. */
Test(sockparse, ipv6_chains_up_to_8)
{
	for (int n = 1; n <= 8; n++) {
		struct pkt_spec s = chain(n);
		char what[64];

		snprintf(what, sizeof(what), "%d extension headers", n);
		sk_expect_key(what, &s);
	}
	{
		struct pkt_spec s = chain(9);

		sk_expect_reject("9 extension headers", &s, 0);
	}
}

Test(sockparse, truncated_rejected)
{
	struct pkt_spec s = chain(3);
	struct pkt_layout l;

	pkt_add_ext(&s, PKT_EXT_DSTOPTS, 64);
	build(&s, &l);
	sk_expect_reject("cut inside an extension header's body", &s, l.ext_off[3] + 32);
	sk_expect_reject("cut inside the UDP ports", &s, l.l4_off + 3);
	sk_expect_key("whole", &s);
}

/* ======================================================================= */
/* Translated connections (bpf/lib/nat.bpf.h)                              */
/* ======================================================================= */

/*
 * A Service connection as kube-proxy makes it: the client sends
 * 10.244.1.2:40000 -> 10.96.0.10:80 (the primary tuple), the backend sees
 * 10.244.1.1:50000 -> 10.244.2.2:8080 (DNAT and SNAT). nat_link() is what
 * tc_nat_ct writes after asking conntrack; here the test writes it.
 */
#define NAT_CLI "10.244.1.2"
#define NAT_VIP "10.96.0.10"
#define NAT_SRC "10.244.1.1"
#define NAT_BE	"10.244.2.2"

static void nat_link_write(const struct pkt_spec *orig, const struct pkt_spec *xl)
{
	struct nt_nat l;
	struct nt_flow_key xk;
	int oside, xside;

	memset(&l, 0, sizeof(l));
	l.other = key_of(orig, &oside);
	xk = key_of(xl, &xside);
	l.init_side = (uint8_t)oside;
	l.xlate_init_side = (uint8_t)xside;
	l.flags = NT_NAT_SNAT | NT_NAT_DNAT;
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nat_links), &xk, &l, BPF_ANY), 0);
	skel->bss->nat_links_used = 1; /* as nat_link() sets it */
}

/* The connection's SYN and SYN+ACK (with `reply` payload bytes) in both
 * forms, two interfaces a and b, a fresh datapath, the link written. */
struct nat_conn {
	struct pkt_spec syn, xsyn, xsa, sa;
	unsigned a, b;
};

static struct nat_conn nat_conn_open(unsigned reply)
{
	struct nat_conn c = {
		.syn = pkt_tcp(NAT_CLI, 40000, NAT_VIP, 80, SYN, 0),
		.xsyn = pkt_tcp(NAT_SRC, 50000, NAT_BE, 8080, SYN, 0),
		.xsa = pkt_tcp(NAT_BE, 8080, NAT_SRC, 50000, SYN | ACK, reply),
		.sa = pkt_tcp(NAT_VIP, 80, NAT_CLI, 40000, SYN | ACK, reply),
	};

	two_links(&c.a, &c.b);
	dp_open();
	nat_link_write(&c.syn, &c.xsyn);
	return c;
}

/* The translated half of a connection whose untranslated half was counted:
 * noted on the primary entry, never counted, no entry of its own. */
Test(node, nat_translated_half_noted_once)
{
	struct nat_conn c = nat_conn_open(0);
	struct pkt_spec syn = c.syn, xsyn = c.xsyn, xsa = c.xsa, sa = c.sa;
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	int cs;
	unsigned a = c.a, b = c.b;

	send_ex(&syn, (struct run_ctx){ .ts = TS(0), .ifindex = a });
	send_ex(&xsyn, (struct run_ctx){ .ts = TS(1), .ifindex = b, .egress = 1 });
	send_ex(&xsa, (struct run_ctx){ .ts = TS(2), .ifindex = b });
	send_ex(&sa, (struct run_ctx){ .ts = TS(3), .ifindex = a, .egress = 1 });
	k = key_of(&syn, &cs);
	w.owner_ifindex = a;
	w.seen_ifindex[0] = b;
	w.first_ns = w.syn_ns = TS(0);
	w.last_ns = w.synack_ns = TS(3);
	w.pkts[cs] = w.pkts[!cs] = 1;
	w.bytes[cs] = w.bytes[!cs] = 40;
	w.tcp_flags = flags_of(cs, SYN) | flags_of(!cs, SYN | ACK);
	w.initiator = (uint8_t)cs;
	w.attrs = NT_ATTR_NAT;
	cr_assert_eq(flow_count(), 1u, "one entry per connection:%s", flow_dump());
	expect_flow("primary", &k, &w, 0);
	EXPECT_STATS([NT_STAT_NOT_OWNER] = 2);
}

/* No untranslated half (a node process DNATed in OUTPUT, or the client's
 * interface not attached): the translated half makes the entry under the
 * initiator's tuple and counts there, both ways; the untranslated form
 * crossing another interface later is only noted. */
Test(node, nat_translated_first_counts_under_primary)
{
	struct nat_conn c = nat_conn_open(100);
	struct pkt_spec syn = c.syn, xsyn = c.xsyn, xsa = c.xsa, sa = c.sa;
	struct nt_flow_val w = val0();
	struct nt_flow_key k;
	int cs;
	unsigned a = c.a, b = c.b;

	send_ex(&xsyn, (struct run_ctx){ .ts = TS(0), .ifindex = b, .egress = 1 });
	send_ex(&xsa, (struct run_ctx){ .ts = TS(1), .ifindex = b });
	send_ex(&sa, (struct run_ctx){ .ts = TS(2), .ifindex = a, .egress = 1 });
	k = key_of(&syn, &cs);
	w.owner_ifindex = b;
	w.owner_hook = NT_HOOK_TC_EGRESS;
	w.seen_ifindex[0] = a;
	w.first_ns = w.syn_ns = TS(0);
	w.last_ns = w.synack_ns = TS(1);
	w.pkts[cs] = w.pkts[!cs] = 1;
	w.bytes[cs] = 40;
	w.bytes[!cs] = 140;
	w.tcp_flags = flags_of(cs, SYN) | flags_of(!cs, SYN | ACK);
	w.initiator = (uint8_t)cs;
	w.attrs = NT_ATTR_NAT | NT_ATTR_NAT_XLATE;
	cr_assert_eq(flow_count(), 1u, "one entry per connection:%s", flow_dump());
	expect_flow("primary made by the translated half", &k, &w, 0);
	EXPECT_STATS([NT_STAT_NOT_OWNER] = 1, [NT_STAT_NAT_XLATE_OWNER] = 1);
}

/*
 * Live, at egress, a new TCP/UDP flow asks conntrack through the conntrack
 * program (tail call, once per flow): here conntrack knows none of the
 * test's flows (BPF_PROG_TEST_RUN's skb carries no nf_conn: tc_nat_ct
 * counts nat_untracked without a lookup, tc_nat_ct_lookup looks up and
 * counts nat_conntrack_miss) and each is counted as usual; the busy flag
 * is cleared, so the next new flow asks again. Without a program in
 * nat_progs (no conntrack kfuncs) the flow is counted and nat_unchecked
 * says it was not checked. Established packets never ask.
 */
static void egress_new_flow_asks_once(int lookup)
{
	struct pkt_spec s1 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec d1 = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK, 10);
	struct pkt_spec u2 = pkt_udp("10.0.0.1", 40001, "10.0.0.2", 53, 20);
	struct nt_flow_key k;
	struct nt_flow_val v;
	__u32 zero = 0;
	int fd, side;

	dp_open(.live = 1, .ct_lookup = lookup);
	send_ex(&s1, (struct run_ctx){ .egress = 1 });
	EXPECT_STATS([NT_STAT_NAT_NO_CT] = 1);
	fd = bpf_program__fd(ct_prog);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nat_progs), &zero, &fd, BPF_ANY), 0,
		     "nat_progs: %s", strerror(errno));
	send_ex(&d1, (struct run_ctx){ .egress = 1 });
	send_ex(&u2, (struct run_ctx){ .egress = 1 });
	send_ex(&u2, (struct run_ctx){ .egress = 1 });
	if (lookup)
		EXPECT_STATS([NT_STAT_NAT_NO_CT] = 1, [NT_STAT_NAT_CT_MISS] = 1);
	else
		EXPECT_STATS([NT_STAT_NAT_NO_CT] = 1, [NT_STAT_NAT_UNTRACKED] = 1);
	cr_assert_eq(flow_count(), 2u, "%s", flow_dump());
	k = key_of(&u2, &side);
	v = flow_get(&k);
	cr_assert_eq(v.pkts[side], 2u, "the UDP flow counted %llu packets",
		     (unsigned long long)v.pkts[side]);
}

Test(datapath, nat_egress_new_flow_asks_conntrack_once)
{
	egress_new_flow_asks_once(0);
}

Test(datapath, nat_egress_new_flow_asks_conntrack_once_lookup)
{
	egress_new_flow_asks_once(1);
}

/*
 * Live, tc_nat_ct: a packet conntrack did not track (no nf_conn on the skb,
 * as BPF_PROG_TEST_RUN makes it, and as in a namespace without conntrack
 * rules) is counted at once, under its own tuple, as nat_untracked: one per
 * new flow at egress (SYN scans and UDP alike), never per packet, and no
 * conntrack lookup (nat_conntrack_miss stays 0). Every packet is in a flow.
 */
Test(datapath, nat_untracked_counted_without_lookup)
{
	struct pkt_spec syn, rst, u;
	__u32 zero = 0;
	int fd;
	uint64_t pkts = 0;
	struct nt_flow_val v;

	dp_open(.live = 1);
	fd = bpf_program__fd(skel->progs.tc_nat_ct);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nat_progs), &zero, &fd, BPF_ANY),
		     0);
	for (int i = 0; i < 5; i++) { /* a SYN scan: 5 ports, 3 refused */
		syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", (uint16_t)(20 + i), SYN, 0);
		send_ex(&syn, (struct run_ctx){ .egress = 1 });
		if (i < 3) {
			rst = pkt_tcp("10.0.0.2", (uint16_t)(20 + i), "10.0.0.1", 40000, RST | ACK,
				      0);
			send_ex(&rst, (struct run_ctx){ 0 });
		}
	}
	u = pkt_udp("10.0.0.1", 40001, "10.0.0.2", 53, 20);
	for (int i = 0; i < 3; i++)
		send_ex(&u, (struct run_ctx){ .egress = 1 });
	EXPECT_STATS([NT_STAT_NAT_UNTRACKED] = 6);
	cr_assert_eq(flow_count(), 3u, "2 SYNs unanswered and the UDP flow:%s", flow_dump());
	drain();
	cr_assert_eq(nends, 3, "the 3 refused attempts went up whole (REJ): %d", nends);
	for (int i = 0; i < nends; i++)
		pkts += ends[i].val.pkts[0] + ends[i].val.pkts[1];
	for (int i = 3; i < 5; i++) {
		syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", (uint16_t)(20 + i), SYN, 0);
		struct nt_flow_key k = key_of(&syn, NULL);

		v = flow_get(&k);
		pkts += v.pkts[0] + v.pkts[1];
	}
	{
		struct nt_flow_key k = key_of(&u, NULL);

		v = flow_get(&k);
		pkts += v.pkts[0] + v.pkts[1];
	}
	cr_assert_eq(pkts, 11u, "every packet in a flow: %llu", (unsigned long long)pkts);
}

/* Live, a TCP SYN at egress whose tuple has a link (an old connection's: a
 * reused masquerade port) is not handed to the old connection: the link
 * goes, conntrack is asked again (here it knows nothing), and the SYN
 * makes a flow of its own. Its later packets do not find the old link. */
Test(node, nat_stale_link_dropped_by_a_new_syn)
{
	struct nat_conn c = nat_conn_open(0);
	struct nt_flow_key xk;
	struct nt_nat l;
	struct pkt_spec xack = pkt_tcp(NAT_SRC, 50000, NAT_BE, 8080, ACK, 10);
	__u32 zero = 0;
	int fd;

	dp_close();
	dp_open(.live = 1);
	fd = bpf_program__fd(skel->progs.tc_nat_ct);
	nat_link_write(&c.syn, &c.xsyn);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nat_progs), &zero, &fd, BPF_ANY),
		     0);
	send_ex(&c.xsyn, (struct run_ctx){ .ifindex = c.b, .egress = 1 });
	send_ex(&xack, (struct run_ctx){ .ifindex = c.b, .egress = 1 });
	xk = key_of(&c.xsyn, NULL);
	cr_assert_neq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nat_links), &xk, &l), 0,
		      "the stale link is gone");
	cr_assert_eq(flow_count(), 1u, "%s", flow_dump());
	cr_assert_eq(flow_get(&xk).pkts[0] + flow_get(&xk).pkts[1], 2u);
	EXPECT_STATS([NT_STAT_NAT_UNTRACKED] = 1);
}

/* ======================================================================= */
/* On-demand capture: the decision cached per flow (bpf/lib/capture.bpf.h) */
/* ======================================================================= */

static struct nt_cap_hdr caps[16];
static int ncaps;

static int on_cap(void *ctx, void *data, size_t sz)
{
	(void)ctx;
	if (sz >= sizeof(caps[0]) && ncaps < (int)(sizeof(caps) / sizeof(caps[0])))
		memcpy(&caps[ncaps], data, sizeof(caps[0]));
	ncaps++;
	return 0;
}

/* The packets copied up cap_ring since the last call: how many (caps[]). */
static int caps_take(void)
{
	struct ring_buffer *r =
		ring_buffer__new(bpf_map__fd(skel->maps.cap_ring), on_cap, NULL, NULL);

	cr_assert_not_null(r, "ring_buffer__new(cap_ring): %s", strerror(errno));
	ncaps = 0;
	ring_buffer__consume(r);
	ring_buffer__free(r);
	return ncaps;
}

/* cap_addr[addr/128] = slot mask (0: the entry goes), as session.c does. */
static void cap_sel_addr(const char *addr, uint8_t mask)
{
	struct nt_cap_addr_key k = { .prefixlen = 128 };
	uint8_t a[16] = { 0 };
	int fd = bpf_map__fd(skel->maps.cap_addr);

	cr_assert_eq(inet_pton(AF_INET, addr, a), 1);
	mapped(k.addr, a, 4);
	if (mask)
		cr_assert_eq(bpf_map_update_elem(fd, &k, &mask, BPF_ANY), 0);
	else
		bpf_map_delete_elem(fd, &k);
}

static void cap_sel_iface(unsigned ifindex, uint8_t mask)
{
	int fd = bpf_map__fd(skel->maps.cap_iface);

	if (mask)
		cr_assert_eq(bpf_map_update_elem(fd, &ifindex, &mask, BPF_ANY), 0);
	else
		bpf_map_delete_elem(fd, &ifindex);
}

/* After the maps, as the sensor's push(): capture_gen moves on, then
 * capture_flags. Returns the new generation. */
static uint32_t cap_push(uint32_t flags)
{
	uint32_t g = skel->data_capture->capture_gen % NT_CAP_GEN_MAX + 1;

	skel->data_capture->capture_gen = g;
	skel->data_capture->capture_flags = flags;
	return g;
}

/* The copy i was made on ifindex for slots mask. */
static void expect_cap(int i, unsigned ifindex, unsigned mask)
{
	cr_assert_lt(i, ncaps);
	cr_expect_eq(caps[i].ifindex, ifindex, "copy %d on ifindex %u, want %u", i, caps[i].ifindex,
		     ifindex);
	cr_expect_eq(caps[i].mask, mask, "copy %d for slots 0x%x, want 0x%x", i, caps[i].mask,
		     mask);
}

/* A TCP connection 10.0.0.1:40000 -> 10.0.0.2:80, handshake done on lo. */
static struct pkt_spec cap_established(const char *cli, const char *srv)
{
	struct pkt_spec syn = pkt_tcp(cli, 40000, srv, 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp(srv, 80, cli, 40000, SYN | ACK, 0);
	struct pkt_spec data = pkt_tcp(cli, 40000, srv, 80, ACK, 100);

	send_at(&syn, TS(0));
	send_at(&sa, TS(1));
	send_at(&data, TS(2));
	return data;
}

TestSuite(capture, .fini = node_fini);

/* A capture started while a flow is established copies its next packets:
 * the flow's word (made for no capture) is of another generation. Then the
 * word decides alone: the selection's entry removed without a new
 * generation (which the sensor never does) still copies, so an established
 * packet pays no lookup. */
Test(capture, started_on_an_established_flow)
{
	struct pkt_spec data, other;
	struct nt_flow_key k;
	uint32_t g;
	unsigned lo;

	dp_open();
	lo = lo_ifindex;
	data = cap_established("10.0.0.1", "10.0.0.2");
	other = cap_established("10.0.0.3", "10.0.0.4");
	cr_assert_eq(caps_take(), 0, "copies with no capture");
	k = key_of(&data, NULL);
	cr_assert_eq(flow_get(&k).cap, 0u, "a word made with no capture");

	cap_sel_addr("10.0.0.2", 1);
	g = cap_push(NT_CAP_F_ADDR);
	send_at(&data, TS(3));
	send_at(&other, TS(3));
	cr_assert_eq(caps_take(), 1, "one copy, of the selected flow");
	expect_cap(0, lo, 1);
	cr_expect_eq(caps[0].len, (uint32_t)build(&data, NULL));
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 1, 0), "word 0x%x", flow_get(&k).cap);
	k = key_of(&other, NULL);
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 0, 0), "word 0x%x", flow_get(&k).cap);

	cap_sel_addr("10.0.0.2", 0); /* behind the kernel's back: no new gen */
	send_at(&data, TS(4));
	cr_assert_eq(caps_take(), 1, "the cached word decides, no lookup");
	cap_push(0); /* the capture ends */
	send_at(&data, TS(5));
	cr_assert_eq(caps_take(), 0, "copies after the capture ended");
}

/* A capture ends and another starts in the same slot, selecting another
 * address: the first one's decisions are not reused. */
Test(capture, a_new_selection_does_not_reuse_a_stale_word)
{
	struct pkt_spec x, y;
	struct nt_flow_key kx, ky;
	uint32_t g;

	dp_open();
	x = cap_established("10.0.0.1", "10.0.0.2");
	y = cap_established("10.0.0.5", "10.0.0.6");
	cap_sel_addr("10.0.0.2", 1);
	cap_push(NT_CAP_F_ADDR);
	send_at(&x, TS(3));
	send_at(&y, TS(3));
	cr_assert_eq(caps_take(), 1);
	kx = key_of(&x, NULL);
	cr_assert_eq(NT_CAP_OWNER_MASK(flow_get(&kx).cap), 1u);

	cap_sel_addr("10.0.0.2", 0);
	cap_push(0);
	cap_sel_addr("10.0.0.6", 1);
	g = cap_push(NT_CAP_F_ADDR);
	send_at(&x, TS(4));
	cr_assert_eq(caps_take(), 0, "x copied by a selection that ended");
	send_at(&y, TS(4));
	cr_assert_eq(caps_take(), 1, "y not copied by the new selection");
	expect_cap(0, lo_ifindex, 1);
	ky = key_of(&y, NULL);
	cr_expect_eq(flow_get(&kx).cap, NT_CAP_WORD(g, 0, 0));
	cr_expect_eq(flow_get(&ky).cap, NT_CAP_WORD(g, 1, 0));
}

/* Two interfaces: a flow's packets are copied on its owner only; the SYN
 * that makes the entry leaves its word there (no second decision). An
 * --interface selection copies on a non-owner only when the same capture
 * does not select the owner. */
Test(capture, one_copy_per_node_by_the_owner_rule)
{
	struct pkt_spec syn = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 0);
	struct pkt_spec sa = pkt_tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 0);
	struct pkt_spec ack = pkt_tcp("10.0.0.1", 40000, "10.0.0.2", 80, ACK, 50);
	struct nt_flow_key k = key_of(&syn, NULL);
	unsigned a, b;
	uint32_t g;

	two_links(&a, &b);
	dp_open();
	cap_sel_addr("10.0.0.2", 1);
	g = cap_push(NT_CAP_F_ADDR);
	send_ex(&syn, (struct run_ctx){ .ts = TS(0), .ifindex = a });
	send_ex(&syn, (struct run_ctx){ .ts = TS(1), .ifindex = b });
	cr_assert_eq(caps_take(), 1, "the SYN copied once");
	expect_cap(0, a, 1);
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 1, 0), "the SYN's word in the entry");
	send_ex(&sa, (struct run_ctx){ .ts = TS(2), .ifindex = b });
	send_ex(&sa, (struct run_ctx){ .ts = TS(3), .ifindex = a });
	send_ex(&ack, (struct run_ctx){ .ts = TS(4), .ifindex = a });
	send_ex(&ack, (struct run_ctx){ .ts = TS(5), .ifindex = b });
	cr_assert_eq(caps_take(), 2, "the SYN+ACK and the ACK, once each");
	expect_cap(0, a, 1);
	expect_cap(1, a, 1);

	/* a second capture (slot 1) of interface b: b is not the owner, and
	 * this capture does not select a */
	cap_sel_iface(b, 2);
	g = cap_push(NT_CAP_F_ADDR | NT_CAP_F_IFACE);
	send_ex(&ack, (struct run_ctx){ .ts = TS(6), .ifindex = a });
	send_ex(&ack, (struct run_ctx){ .ts = TS(7), .ifindex = b });
	cr_assert_eq(caps_take(), 2);
	expect_cap(0, a, 1);
	expect_cap(1, b, 2);
	/* now it selects a too: copied at the owner, once, for both */
	cap_sel_iface(a, 2);
	g = cap_push(NT_CAP_F_ADDR | NT_CAP_F_IFACE);
	send_ex(&ack, (struct run_ctx){ .ts = TS(8), .ifindex = a });
	send_ex(&ack, (struct run_ctx){ .ts = TS(9), .ifindex = b });
	cr_assert_eq(caps_take(), 1);
	expect_cap(0, a, 3);
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 3, 2), "word 0x%x", flow_get(&k).cap);
}

/* A translated half (nat_links) is copied as before, on the interface that
 * sees it; when it makes the connection's primary entry, the primary gets
 * no word of the translated addresses: decided for its own when its own
 * packets come. */
Test(capture, nat_translated_half_and_its_primary)
{
	struct nat_conn c = nat_conn_open(0);
	struct nt_flow_key k = key_of(&c.syn, NULL);
	uint32_t g;

	cap_sel_addr(NAT_BE, 1);
	g = cap_push(NT_CAP_F_ADDR);
	send_ex(&c.xsyn, (struct run_ctx){ .ts = TS(0), .ifindex = c.b, .egress = 1 });
	send_ex(&c.xsa, (struct run_ctx){ .ts = TS(1), .ifindex = c.b });
	cr_assert_eq(caps_take(), 2, "the translated half, both ways");
	expect_cap(0, c.b, 1);
	expect_cap(1, c.b, 1);
	cr_expect_eq(flow_get(&k).cap, 0u, "the primary got the translated half's word 0x%x",
		     flow_get(&k).cap);
	send_ex(&c.sa, (struct run_ctx){ .ts = TS(2), .ifindex = c.a, .egress = 1 });
	cr_assert_eq(caps_take(), 0, "the untranslated half is not selected");
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 0, 0));
}

/* Live, a new flow at egress goes through tc_nat_ct (a tail call, then
 * account() again when conntrack did not track it): copied once, and its entry
 * holds the word. */
Test(capture, tail_called_new_flow_copied_once)
{
	struct pkt_spec u = pkt_udp("10.0.0.1", 5000, "10.0.0.2", 53, 20);
	struct nt_flow_key k = key_of(&u, NULL);
	int fd;
	__u32 zero = 0;
	uint32_t g;

	dp_open(.live = 1);
	fd = bpf_program__fd(skel->progs.tc_nat_ct);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nat_progs), &zero, &fd, BPF_ANY),
		     0);
	cap_sel_addr("10.0.0.2", 1);
	g = cap_push(NT_CAP_F_ADDR);
	send_ex(&u, (struct run_ctx){ .egress = 1 });
	EXPECT_STATS([NT_STAT_NAT_UNTRACKED] = 1); /* tail-called: no _nfct in a test run */
	cr_assert_eq(caps_take(), 1, "a tail-called packet copied twice (or never)");
	expect_cap(0, lo_ifindex, 1);
	cr_expect_eq(flow_get(&k).cap, NT_CAP_WORD(g, 1, 0));
}

/* An ARP frame: request (op 1) or reply (2), sender spa, target tpa. */
static size_t arp_frame(uint8_t *f, uint16_t op, const char *spa, const char *tpa)
{
	static const uint8_t hdr[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0,
				       0,    1,	   0x08, 0x06, 0,    1,	   8, 0, 6, 4 };

	memset(f, 0, 60);
	memcpy(f, hdr, sizeof(hdr));
	f[21] = (uint8_t)op;
	f[22] = 2; /* sha 02:00:00:00:00:01 */
	f[27] = 1;
	cr_assert_eq(inet_pton(AF_INET, spa, f + 28), 1);
	cr_assert_eq(inet_pton(AF_INET, tpa, f + 38), 1);
	return 60; /* padded to Ethernet's minimum, as on the wire */
}

/* ARP is selected by either address it names (pcap-filter's "host"), or by
 * its interface; copied whole, once; idle or unselected, nothing. */
Test(capture, arp_by_either_address_or_interface)
{
	uint8_t f[60];

	dp_open();
	run_ok(f, arp_frame(f, 1, "10.0.0.1", "10.0.0.2"), (struct run_ctx){ 0 });
	cr_assert_eq(caps_take(), 0, "no capture running: nothing copied");
	cap_sel_addr("10.0.0.2", 1);
	skel->data_capture->capture_snaplen = 262144;
	cap_push(NT_CAP_F_ADDR);
	run_ok(f, arp_frame(f, 1, "10.0.0.1", "10.0.0.2"), (struct run_ctx){ 0 });
	run_ok(f, arp_frame(f, 2, "10.0.0.2", "10.0.0.1"), (struct run_ctx){ 0 });
	run_ok(f, arp_frame(f, 1, "10.0.0.1", "10.0.0.3"), (struct run_ctx){ 0 });
	cr_assert_eq(caps_take(), 2, "the request for and the reply from 10.0.0.2");
	expect_cap(0, lo_ifindex, 1);
	expect_cap(1, lo_ifindex, 1);
	cr_expect_eq(caps[0].len, 60);
	cr_expect_eq(caps[0].caplen, 60);
	cr_expect_eq(caps[0].l2, 1);
	cap_sel_addr("10.0.0.2", 0);
	cap_sel_iface(lo_ifindex, 2);
	cap_push(NT_CAP_F_IFACE);
	run_ok(f, arp_frame(f, 1, "10.0.0.1", "10.0.0.3"), (struct run_ctx){ 0 });
	cr_assert_eq(caps_take(), 1, "any ARP on a selected interface");
	expect_cap(0, lo_ifindex, 2);
	EXPECT_STATS([NT_STAT_NON_IP] = 5);
}
