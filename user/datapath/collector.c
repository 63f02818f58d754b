// SPDX-License-Identifier: BSD-2-Clause
/*
 * collector.c - flow lifetime: scan, expire, report deltas, merge overflow.
 *
 * Userspace keeps state only for flows that need it: flows already reported
 * once (to compute deltas for the next report) and flows that received
 * overflow counts. A short-lived flow costs no userspace memory at all.
 */
#include "collector.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define SCAN_CHUNK 4096

struct flow_state {
	struct nt_flow_key key; /* uthash key */
	/* what earlier reports already carried */
	uint64_t rep_pkts[2], rep_bytes[2];
	uint64_t rep_end_ns; /* end of the last report's interval */
	uint64_t rep_at_ns;  /* when it was made */
	uint32_t report_seq;
	/* overflow counts not yet reported */
	bool has_ov;
	uint64_t ov_pkts[2], ov_bytes[2];
	uint64_t ov_first_ns, ov_last_ns;
	uint8_t ov_flags[2];
	uint8_t ov_initiator;
	uint8_t ov_hook;
	uint8_t ov_icmp_type, ov_icmp_code;
	uint32_t ov_ifindex;
	UT_hash_handle hh;
};

/* A close event waiting for its linger; in a hash by key, whose insertion
 * order (due times follow event order) makes it a FIFO too. */
struct closing {
	struct nt_flow_key key;
	uint64_t close_ns; /* the generation that closed */
	uint64_t due_ns;
	UT_hash_handle hh;
};

/* A kernel entry a scan decided to remove, as the scan saw it. */
struct expiry {
	struct nt_flow_key key;
	uint64_t first_ns, close_ns; /* the generation judged */
	uint8_t why;
};

struct nt_collector {
	struct nt_collector_opts o;
	struct nt_collector_stats st;
	struct flow_state *flows; /* uthash head */
	uint32_t n_ov;		  /* states with has_ov */
	struct closing *closing;  /* close events waiting (uthash head) */
	struct nt_flow_key *keys; /* scan buffers */
	struct nt_flow_val *vals;
	struct nt_flow_gen *gens; /* drain buffer of the ended map */
	struct expiry *expire;	  /* entries to remove after a scan */
	size_t n_expire, cap_expire;
};

const char *nt_end_reason_name(enum nt_end_reason r)
{
	static const char *const names[] = {
		[NT_END_IDLE] = "idle",		  [NT_END_ACTIVE] = "active",
		[NT_END_TCP_CLOSE] = "tcp_close", [NT_END_SHUTDOWN] = "shutdown",
		[NT_END_EVICTED] = "evicted",
	};
	return r <= NT_END_EVICTED ? names[r] : "unknown";
}

struct nt_collector *nt_collector_new(const struct nt_collector_opts *o)
{
	struct nt_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	c->keys = calloc(SCAN_CHUNK, sizeof(*c->keys));
	c->vals = calloc(SCAN_CHUNK, sizeof(*c->vals));
	c->gens = calloc(SCAN_CHUNK, sizeof(*c->gens));
	if (!c->keys || !c->vals || !c->gens) {
		nt_collector_free(c);
		return NULL;
	}
	return c;
}

void nt_collector_free(struct nt_collector *c)
{
	struct flow_state *s, *tmp;
	struct closing *cl, *ctmp;

	if (!c)
		return;
	HASH_ITER(hh, c->flows, s, tmp) {
		HASH_DEL(c->flows, s);
		free(s);
	}
	HASH_ITER(hh, c->closing, cl, ctmp) {
		HASH_DEL(c->closing, cl);
		free(cl);
	}
	free(c->keys);
	free(c->vals);
	free(c->gens);
	free(c->expire);
	free(c);
}

const struct nt_collector_stats *nt_collector_stats(const struct nt_collector *c)
{
	return &c->st;
}

static struct flow_state *state_find(struct nt_collector *c, const struct nt_flow_key *k)
{
	struct flow_state *s = NULL;

	if (c->flows)
		HASH_FIND(hh, c->flows, k, sizeof(*k), s);
	return s;
}

static struct flow_state *state_get(struct nt_collector *c, const struct nt_flow_key *k)
{
	struct flow_state *s = state_find(c, k);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->key = *k;
	HASH_ADD(hh, c->flows, key, sizeof(s->key), s);
	return s;
}

static void state_drop(struct nt_collector *c, struct flow_state *s)
{
	if (!s)
		return;
	if (s->has_ov)
		c->n_ov--;
	HASH_DEL(c->flows, s);
	free(s);
}

/*
 * The initiator is the SYN sender (the datapath decided it). A TCP flow
 * first seen midstream has no SYN to go by: when exactly one end uses a
 * well-known port (< 1024), that end is the server, as Zeek would guess.
 */
static uint8_t pick_source(const struct nt_flow_key *k, uint8_t initiator, uint8_t attrs)
{
	if (attrs & NT_ATTR_MIDSTREAM) {
		int lo0 = k->port[0] < 1024, lo1 = k->port[1] < 1024;

		if (lo0 && !lo1)
			return 1;
		if (lo1 && !lo0)
			return 0;
	}
	return initiator & 1;
}

/* A translated flow: its NAT addresses (the kernel linked them). With the
 * flow's final report its links go too: a translated tuple is reused by
 * later connections (masquerade ports), and a stale link would hand their
 * packets to this one. A late packet at egress links again through
 * conntrack. One lookup per report of a translated flow; an untranslated
 * one costs nothing. */
static void nat_fill(struct nt_collector *c, const struct nt_flow_key *k, struct nt_flow_report *r,
		     bool final)
{
	if (!(r->attrs & NT_ATTR_NAT) || c->o.nat_flows_fd <= 0)
		return;
	if (bpf_map_lookup_elem(c->o.nat_flows_fd, k, &r->nat)) {
		c->st.nat_missing++;
		return;
	}
	r->has_nat = true;
	if (!final)
		return;
	bpf_map_delete_elem(c->o.nat_flows_fd, k);
	if (c->o.nat_links_fd > 0)
		bpf_map_delete_elem(c->o.nat_links_fd, &r->nat.other);
}

/* Builds and emits a report from a kernel value (may be NULL) and state. */
static void emit(struct nt_collector *c, const struct nt_flow_key *k, const struct nt_flow_val *v,
		 struct flow_state *s, enum nt_end_reason why, uint64_t now)
{
	struct nt_flow_report r;
	uint64_t tot = 0;

	memset(&r, 0, sizeof(r));
	r.key = *k;
	r.reason = why;
	if (v) {
		for (int i = 0; i < 2; i++) {
			r.pkts[i] = v->pkts[i];
			r.bytes[i] = v->bytes[i];
			r.tcp_flags[i] = (uint8_t)(v->tcp_flags >> (8 * i));
		}
		r.flow_start_ns = r.start_ns = v->first_ns;
		r.end_ns = v->last_ns;
		r.rst_first = v->rst_first;
		r.attrs = v->attrs;
		r.icmp_type = v->icmp_type;
		r.icmp_code = v->icmp_code;
		r.hook = v->owner_hook;
		r.ifindex[0] = v->owner_ifindex;
		memcpy(&r.ifindex[1], v->seen_ifindex, sizeof(v->seen_ifindex));
		r.src = pick_source(k, v->initiator, v->attrs);
		if (v->syn_ns && v->ack_ns > v->syn_ns)
			r.handshake_rtt_ns = v->ack_ns - v->syn_ns;
	}
	if (s) {
		for (int i = 0; i < 2; i++) {
			r.pkts[i] -= s->rep_pkts[i];
			r.bytes[i] -= s->rep_bytes[i];
		}
		if (s->report_seq && s->rep_end_ns > r.start_ns)
			r.start_ns = s->rep_end_ns;
		r.report_seq = s->report_seq;
	}
	if (s && s->has_ov) {
		/* fold in what the ring buffer carried while the table was full */
		r.overflow = true;
		for (int i = 0; i < 2; i++) {
			r.pkts[i] += s->ov_pkts[i];
			r.bytes[i] += s->ov_bytes[i];
			r.tcp_flags[i] |= s->ov_flags[i];
		}
		if (!v) {
			r.flow_start_ns = r.start_ns = s->ov_first_ns;
			r.end_ns = s->ov_last_ns;
			r.src = s->ov_initiator;
			r.hook = s->ov_hook;
			r.ifindex[0] = s->ov_ifindex;
			r.icmp_type = s->ov_icmp_type;
			r.icmp_code = s->ov_icmp_code;
		} else {
			if (s->ov_first_ns < r.start_ns)
				r.start_ns = s->ov_first_ns;
			if (s->ov_last_ns > r.end_ns)
				r.end_ns = s->ov_last_ns;
		}
		memset(s->ov_pkts, 0, sizeof(s->ov_pkts));
		memset(s->ov_bytes, 0, sizeof(s->ov_bytes));
		s->has_ov = false;
		c->n_ov--;
	}
	r.report_seq++;
	nat_fill(c, k, &r, why != NT_END_ACTIVE);
	if (c->o.meta_get)
		r.meta = c->o.meta_get(c->o.meta_ctx, k);
	tot = r.pkts[0] + r.pkts[1];
	if (why == NT_END_ACTIVE && tot == 0)
		goto remember; /* nothing new since the last report */
	c->o.report(c->o.report_ctx, &r);
	c->st.flows_reported++;
remember:
	if (why != NT_END_ACTIVE && c->o.meta_forget)
		c->o.meta_forget(c->o.meta_ctx, k);
	if (why != NT_END_ACTIVE || !v)
		return;
	if (!s && !(s = state_get(c, k)))
		return;
	for (int i = 0; i < 2; i++) {
		s->rep_pkts[i] = v->pkts[i];
		s->rep_bytes[i] = v->bytes[i];
	}
	if (tot) {
		s->rep_end_ns = v->last_ns;
		s->report_seq = r.report_seq;
	}
	s->rep_at_ns = now;
}

/* The closed flow's report, from its final value: the kernel sent it up
 * when a new SYN on its tuple took its entry (NT_EV_FLOW_END, or the ended
 * map), or the collector took it from the table. */
static void report_final(struct nt_collector *c, const struct nt_flow_key *k,
			 const struct nt_flow_val *v, enum nt_end_reason why, uint64_t now)
{
	struct flow_state *s = state_find(c, k);

	emit(c, k, v, s, why, now);
	state_drop(c, s);
}

/* Counts that reached us apart from their flow's kernel entry, kept to be
 * folded into its next report (emit). */
static void ov_add(struct nt_collector *c, struct flow_state *s, const struct nt_flow_val *v)
{
	if (!s->has_ov) {
		s->has_ov = true;
		c->n_ov++;
		s->ov_first_ns = v->first_ns;
		s->ov_initiator = v->initiator;
		s->ov_hook = v->owner_hook;
		s->ov_ifindex = v->owner_ifindex;
		s->ov_icmp_type = v->icmp_type;
		s->ov_icmp_code = v->icmp_code;
	}
	for (int i = 0; i < 2; i++) {
		s->ov_pkts[i] += v->pkts[i];
		s->ov_bytes[i] += v->bytes[i];
		s->ov_flags[i] |= (uint8_t)(v->tcp_flags >> (8 * i));
	}
	if (v->first_ns < s->ov_first_ns)
		s->ov_first_ns = v->first_ns;
	if (v->last_ns > s->ov_last_ns)
		s->ov_last_ns = v->last_ns;
}

/*
 * A parked SYN's flow (from its slot, or spilled up the ring): reported on
 * its own, unless the table holds its tuple too (a race: another CPU made
 * the entry while the SYN was parked). Then its counts are the same
 * connection's and join that flow's next report, as overflow counts do;
 * the entry's own state (deltas, report number) is left as it is.
 */
static void report_parked(struct nt_collector *c, const struct nt_flow_key *k,
			  const struct nt_flow_val *v, enum nt_end_reason why, uint64_t now)
{
	struct nt_flow_val t;
	struct flow_state *s;

	if (bpf_map_lookup_elem(c->o.flows_fd, k, &t) == 0 && (s = state_get(c, k))) {
		ov_add(c, s, v);
		return;
	}
	report_final(c, k, v, why, now);
}

/* A pending close of this generation is settled (the flow was reported). */
static void closing_cancel(struct nt_collector *c, const struct nt_flow_key *k, uint64_t close_ns)
{
	struct closing *cl = NULL;

	HASH_FIND(hh, c->closing, k, sizeof(*k), cl);
	if (cl && cl->close_ns == close_ns) {
		HASH_DEL(c->closing, cl);
		free(cl);
	}
}

/* The table lost (d = -1) or regained (1) the TCP flow k: the programs'
 * count of its key hash (tcp_present in flow.bpf.c), which a SYN reads to
 * skip its table lookup. */
static void tcp_present_add(struct nt_collector *c, const struct nt_flow_key *k, int d)
{
	if (c->o.tcp_present && k->proto == 6 /* TCP */)
		__atomic_fetch_add(&c->o.tcp_present[nt_tcp_present_index(k, c->o.n_tcp_present)],
				   (uint32_t)d, __ATOMIC_RELAXED);
}

/*
 * Removes a flow from the kernel and reports its final counters. gen, when
 * given, is the generation that was judged (by first_ns; by close_ns when
 * first_ns is 0, for a close event): if a new SYN has since restarted the
 * entry, what came out is the new flow, which goes back (the closed one
 * reached us whole, NT_EV_FLOW_END).
 */
static void finish(struct nt_collector *c, const struct nt_flow_key *k, enum nt_end_reason why,
		   uint64_t now, const struct expiry *gen)
{
	struct nt_flow_val v;
	struct flow_state *s;

	if (bpf_map_lookup_and_delete_elem(c->o.flows_fd, k, &v)) {
		if (errno != ENOENT)
			c->st.scan_errors++;
		return; /* already gone: reported by an earlier path */
	}
	tcp_present_add(c, k, -1);
	if (gen && (gen->first_ns ? v.first_ns != gen->first_ns : v.close_ns != gen->close_ns)) {
		if (bpf_map_update_elem(c->o.flows_fd, k, &v, BPF_NOEXIST) == 0) {
			tcp_present_add(c, k, 1);
			return;
		}
		why = NT_END_EVICTED; /* its next packets made a new entry */
	}
	s = state_find(c, k);
	if (why == NT_END_SHUTDOWN || why == NT_END_IDLE) {
		/* a flow that closed reports as closed, whatever the trigger */
		if (v.close_ns)
			why = NT_END_TCP_CLOSE;
	}
	emit(c, k, &v, s, why, now);
	state_drop(c, s);
}

int nt_collector_on_event(void *ctx, void *data, size_t size)
{
	struct nt_collector *c = ctx;
	const struct nt_event *ev = data;
	struct flow_state *s;
	int side;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == NT_EV_FLOW_END && size >= sizeof(struct nt_flow_end)) {
		const struct nt_flow_end *fe = data;

		c->st.flow_ends++;
		if (!fe->val.close_ns) {
			/* a parked SYN that could not move into the table: not
			 * closed, it ends as evicted, at its last packet */
			report_parked(c, &fe->key, &fe->val, NT_END_EVICTED, fe->val.last_ns);
			return 0;
		}
		closing_cancel(c, &fe->key, fe->val.close_ns);
		report_final(c, &fe->key, &fe->val, NT_END_TCP_CLOSE, fe->val.close_ns);
		return 0;
	}
	if (ev->type == NT_EV_CLOSE) {
		struct closing *cl = NULL;

		HASH_FIND(hh, c->closing, &ev->key, sizeof(ev->key), cl);
		if (cl) /* an earlier generation's, settled by the scan */
			HASH_DEL(c->closing, cl);
		else if (!(cl = malloc(sizeof(*cl))))
			return 0; /* the scan still finds it */
		cl->key = ev->key;
		cl->close_ns = ev->ts_ns;
		cl->due_ns = ev->ts_ns + c->o.close_linger_ns;
		HASH_ADD(hh, c->closing, key, sizeof(cl->key), cl);
		return 0;
	}
	if (ev->type != NT_EV_OVERFLOW)
		return 0;
	s = state_get(c, &ev->key);
	if (!s)
		return 0;
	side = ev->side & 1;
	if (!s->has_ov) {
		s->has_ov = true;
		c->n_ov++;
		s->ov_first_ns = ev->ts_ns;
		s->ov_initiator = side;
		if ((ev->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK)) == (NT_TCP_SYN | NT_TCP_ACK))
			s->ov_initiator = !side;
		s->ov_hook = ev->hook;
		s->ov_ifindex = ev->ifindex;
		s->ov_icmp_type = ev->icmp_type;
		s->ov_icmp_code = ev->icmp_code;
	}
	s->ov_pkts[side] += ev->pkts;
	s->ov_bytes[side] += ev->bytes;
	s->ov_flags[side] |= ev->tcp_flags;
	if (ev->ts_ns > s->ov_last_ns)
		s->ov_last_ns = ev->ts_ns;
	c->st.overflow_merged++;
	return 0;
}

/*
 * Closed flows that a new SYN replaced while the events ring was full: the
 * kernel left them in the ended map. One batch call takes them all out.
 */
static void drain_ended(struct nt_collector *c, uint64_t now)
{
	struct nt_flow_gen out_batch;
	void *in = NULL;
	int err;

	if (c->o.ended_fd <= 0)
		return;
	for (;;) {
		__u32 count = SCAN_CHUNK;

		err = bpf_map_lookup_and_delete_batch(c->o.ended_fd, in, &out_batch, c->gens,
						      c->vals, &count, NULL);
		if (err && errno != ENOENT) {
			c->st.scan_errors++;
			return;
		}
		for (__u32 i = 0; i < count; i++) {
			closing_cancel(c, &c->gens[i].key, c->vals[i].close_ns);
			report_final(c, &c->gens[i].key, &c->vals[i], NT_END_TCP_CLOSE, now);
			c->st.flow_ends++;
		}
		if (err)
			return; /* ENOENT: all read */
		in = &out_batch;
	}
}

void nt_collector_closing(struct nt_collector *c, uint64_t now)
{
	struct closing *cl, *tmp;

	drain_ended(c, now);
	/* due times are in event order: the hash's order is a FIFO */
	HASH_ITER(hh, c->closing, cl, tmp) {
		struct expiry gen = { .close_ns = cl->close_ns };

		if (cl->due_ns > now)
			break;
		HASH_DEL(c->closing, cl);
		finish(c, &cl->key, NT_END_TCP_CLOSE, now, &gen);
		free(cl);
	}
}

static void expire_push(struct nt_collector *c, const struct nt_flow_key *k,
			const struct nt_flow_val *v, enum nt_end_reason why)
{
	if (c->n_expire == c->cap_expire) {
		size_t cap = c->cap_expire ? c->cap_expire * 2 : 1024;
		struct expiry *n = realloc(c->expire, cap * sizeof(*n));

		if (!n) { /* the flow stays in the table: the next scan tries again */
			c->st.expire_deferred++;
			return;
		}
		c->expire = n;
		c->cap_expire = cap;
	}
	c->expire[c->n_expire] = (struct expiry){
		.key = *k, .first_ns = v->first_ns, .close_ns = v->close_ns, .why = (uint8_t)why
	};
	c->n_expire++;
}

/* Decides one kernel entry's fate during a scan. */
static void judge(struct nt_collector *c, const struct nt_flow_key *k, const struct nt_flow_val *v,
		  uint64_t now, int flush, enum nt_end_reason flush_reason)
{
	struct flow_state *s;
	uint64_t since;

	if (v->close_ns && (flush || now >= v->close_ns + c->o.close_linger_ns)) {
		struct closing *cl = NULL;

		HASH_FIND(hh, c->closing, k, sizeof(*k), cl);
		if (cl && cl->close_ns == v->close_ns && !flush)
			return; /* its close event is due too: reported there */
		expire_push(c, k, v, NT_END_TCP_CLOSE);
		return;
	}
	if (now >= v->last_ns + c->o.idle_ns) {
		expire_push(c, k, v, NT_END_IDLE);
		return;
	}
	if (flush) {
		expire_push(c, k, v, flush_reason);
		return;
	}
	if (!c->o.active_ns || now < v->first_ns + c->o.active_ns)
		return; /* too young for a periodic report: no state exists */
	s = state_find(c, k);
	since = s && s->rep_at_ns ? s->rep_at_ns : v->first_ns;
	if (now >= since + c->o.active_ns)
		emit(c, k, v, s, NT_END_ACTIVE, now);
}

/* Reports overflow-only flows (no kernel entry) once they are idle. */
static void scan_overflow(struct nt_collector *c, uint64_t now, int flush,
			  enum nt_end_reason flush_reason)
{
	struct flow_state *s, *tmp;
	struct nt_flow_val v;

	if (!c->n_ov)
		return;
	HASH_ITER(hh, c->flows, s, tmp) {
		if (!s->has_ov)
			continue;
		if (!flush && now < s->ov_last_ns + c->o.idle_ns)
			continue;
		if (bpf_map_lookup_elem(c->o.flows_fd, &s->key, &v) == 0)
			continue; /* merged when the kernel flow reports */
		emit(c, &s->key, NULL, s, flush ? flush_reason : NT_END_IDLE, now);
		state_drop(c, s);
	}
}

/*
 * Parked SYNs (the kernel's SYN slots, read in place): one that is idle, or
 * every one at a flush, is taken (the state word's compare-and-swap, as the
 * programs do) and reported as a flow from the table would be. A parked
 * SYN is never closed (its end, a refusing RST, frees the slot).
 */
static void scan_syn_slots(struct nt_collector *c, uint64_t now, int flush,
			   enum nt_end_reason flush_reason)
{
	uint64_t open = 0;

	for (uint32_t i = 0; i < c->o.n_syn_slots; i++) {
		struct nt_syn_slot *s = &c->o.syn_slots[i];
		uint32_t want = NT_SYN_SLOT_OPEN;
		struct nt_flow_key k;
		struct nt_flow_val v;

		if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != NT_SYN_SLOT_OPEN)
			continue;
		open++;
		if (!flush && now < s->val.last_ns + c->o.idle_ns)
			continue;
		if (!__atomic_compare_exchange_n(&s->state, &want, NT_SYN_SLOT_BUSY, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue; /* a packet of its connection has it */
		k = s->key;
		v = s->val;
		__atomic_store_n(&s->state, NT_SYN_SLOT_FREE, __ATOMIC_RELEASE);
		open--;
		report_parked(c, &k, &v,
			      flush && now < v.last_ns + c->o.idle_ns ? flush_reason : NT_END_IDLE,
			      now);
		c->st.syn_slots_expired++;
	}
	c->st.syn_slots_open = open;
}

static void scan(struct nt_collector *c, uint64_t now, int flush, enum nt_end_reason flush_reason)
{
	struct nt_flow_key out_batch;
	void *in = NULL;
	uint64_t tracked = 0;
	int err;

	c->n_expire = 0;
	for (;;) {
		__u32 count = SCAN_CHUNK;

		err = bpf_map_lookup_batch(c->o.flows_fd, in, &out_batch, c->keys, c->vals, &count,
					   NULL);
		if (err && errno != ENOENT) {
			c->st.scan_errors++;
			break;
		}
		for (__u32 i = 0; i < count; i++)
			judge(c, &c->keys[i], &c->vals[i], now, flush, flush_reason);
		tracked += count;
		if (err)
			break; /* ENOENT: the whole table was read */
		in = &out_batch;
	}
	c->st.flows_tracked = tracked;
	for (size_t i = 0; i < c->n_expire; i++) {
		const struct expiry *e = &c->expire[i];

		if (e->why == NT_END_TCP_CLOSE)
			c->st.closes_from_scan++; /* its close event was lost */
		finish(c, &e->key, (enum nt_end_reason)e->why, now, e);
	}
	scan_syn_slots(c, now, flush, flush_reason);
	scan_overflow(c, now, flush, flush_reason);
}

void nt_collector_scan(struct nt_collector *c, uint64_t now)
{
	nt_collector_closing(c, now);
	scan(c, now, 0, NT_END_IDLE);
}

void nt_collector_flush(struct nt_collector *c, uint64_t now, enum nt_end_reason reason)
{
	struct closing *cl, *tmp;

	drain_ended(c, now);
	/* closes whose linger has not passed still report as closed */
	HASH_ITER(hh, c->closing, cl, tmp) {
		struct expiry gen = { .close_ns = cl->close_ns };

		HASH_DEL(c->closing, cl);
		finish(c, &cl->key, NT_END_TCP_CLOSE, now, &gen);
		free(cl);
	}
	scan(c, now, 1, reason);
}
