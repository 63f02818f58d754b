/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nat.bpf.h - translated connections (kube-proxy DNAT, SNAT, masquerade)
 * counted once, in the entry of the tuple their initiator sent.
 *
 * Included by flow.bpf.c after its accounting steps (struct pkt, struct
 * acct, flow_new, flow_update, flow_sample, note_seen), which it reuses.
 *
 * Where it runs: only when the main flow lookup misses (a flow's first
 * packet, or every packet of a translated half). An established
 * untranslated packet never gets here.
 *
 *   nat_on_miss()  a packet whose key is in nat_links is a translated half
 *                  of a known connection: it goes to the primary entry,
 *                  which notes this interface and does not count it again
 *                  (unless the primary was made from the translated half).
 *                  A new TCP/UDP flow at TC egress (after netfilter
 *                  POSTROUTING: conntrack has confirmed it) tail-calls
 *                  tc_nat_ct, once per flow.
 *   tc_nat_ct      reads the connection conntrack attached to the packet
 *                  in netfilter (the kernel sk_buff's _nfct, through
 *                  bpf_cast_to_kern_ctx; kernels >= 6.3): none (_nfct 0:
 *                  conntrack did not see it, so nothing translated it) is
 *                  counted as usual at once (nat_untracked); otherwise its
 *                  status and tuples are read from the nf_conn itself (no
 *                  hash lookup, no reference taken). If the connection is
 *                  NATed and this packet is its translated forward half, it
 *                  links the two keys in nat_links and nat_flows and
 *                  accounts the packet to the primary; otherwise the packet
 *                  is counted as usual.
 *   tc_nat_ct_lookup  the same for kernels with the conntrack kfuncs but
 *                  without bpf_cast_to_kern_ctx: asks conntrack
 *                  (bpf_skb_ct_lookup) about the packet's tuple swapped,
 *                  which is the reply tuple when the packet is the
 *                  translated forward half (a miss: nat_conntrack_miss).
 *
 * They are the only programs that call kfuncs. The loader loads one of them
 * (and puts it in nat_progs) only when the kernel has its kfuncs
 * (nf_conntrack built in or loaded); without either the tail call falls
 * through, the flow is counted under its own tuple, and nat_unchecked says
 * how often. The externs are weak, so the object loads either way.
 */
#ifndef NT_BPF_LIB_NAT_H
#define NT_BPF_LIB_NAT_H

#include "common.bpf.h"
#include <bpf/bpf_core_read.h>

extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple,
					 __u32 tuple_sz, struct bpf_ct_opts *opts,
					 __u32 opts_sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* skb->_nfct: the nf_conn pointer, the ctinfo in its low 3 bits */
#define NAT_NFCT_PTRMASK (~7UL)

/* vmlinux's BTF id of struct nf_conn, for bpf_rdonly_cast: set by the
 * loader (nt_dp_ct_prepare) with tc_nat_ct. A constant to the verifier; not
 * bpf_core_type_id_kernel(), which libbpf finds ambiguous (nf_conn___init
 * is a flavour of nf_conn to it). */
const volatile __u32 cfg_nf_conn_btf_id = 0;

/* bpf_ct_opts as every kernel with the kfuncs accepts it (6.x added
 * ct_zone fields after these) */
#define NAT_CT_OPTS_SZ 12

/* translated key -> primary key (+ addresses): the datapath's link */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384); /* --max-flows / 4, set by the loader */
	__type(key, struct nt_flow_key);
	__type(value, struct nt_nat);
} nat_links SEC(".maps");

/* 1 once a link was made (nat_link): until then nat_links is empty, and a
 * flow's first packet does not look it up (a node or namespace where
 * nothing is translated, a SYN flood there, pays nothing for it). Never
 * goes back to 0. */
__u32 nat_links_used = 0;

/* primary key -> translated key (+ addresses): for the collector */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nt_flow_key);
	__type(value, struct nt_nat);
} nat_flows SEC(".maps");

/* slot 0: tc_nat_ct, when the kernel has the conntrack kfuncs */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nat_progs SEC(".maps");

/* The packet handed to tc_nat_ct across the tail call. busy: set while
 * tc_nat_ct runs, so its own call of account() does not tail-call again.
 * TC runs with bottom halves off: nothing nests on one CPU. */
struct nat_scratch {
	struct pkt p;
	struct acct a;
	struct nt_nat l; /* what conntrack said, between the two steps */
	__u32 busy;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat_scratch);
} nat_scratch SEC(".maps");

/*
 * Counts or notes a translated half's packet in its connection's primary
 * entry. The packet's key side maps to the primary's through the
 * initiator's side in each key.
 */
static __always_inline void nat_account(struct __sk_buff *skb, struct pkt *p, struct acct *a,
					const struct nt_nat *l)
{
	__u8 side = (a->side == l->xlate_init_side) ? l->init_side : !l->init_side;
	struct acct *pa = a; /* rewritten in place: the caller is done with it
			      * (a copy would not fit the sampling chain's stack) */
	struct nt_syn_slot *s;
	struct nt_flow_val *v;

	pa->key = l->other;
	pa->side = side;
	pa->park = 0; /* its entry gets the NAT attributes below */
	v = bpf_map_lookup_elem(&flows, &pa->key);
	if (!v && (s = syn_slot_claim(&pa->key))) {
		/* the untranslated SYN is parked: into the table with it */
		syn_promote(pa, &s->val);
		__sync_lock_test_and_set(&s->state, NT_SYN_SLOT_FREE);
		v = bpf_map_lookup_elem(&flows, &pa->key);
	}
	if (!v) {
		/* the untranslated half was not seen (DNAT in OUTPUT of a
		 * node process, an interface not attached, or the entry was
		 * reported and removed): the translated half makes and
		 * counts the connection's entry, under the initiator's tuple */
		if (pa->side) {
			p->sport = pa->key.port[1];
			p->dport = pa->key.port[0];
		} else {
			p->sport = pa->key.port[0];
			p->dport = pa->key.port[1];
		}
		switch (flow_new(skb, p, pa, &v)) {
		case FLOW_INSERTED:
			v = bpf_map_lookup_elem(&flows, &pa->key);
			if (!v)
				return;
			v->attrs |= NT_ATTR_NAT | NT_ATTR_NAT_XLATE;
			stat_inc(stats_get(), NT_STAT_NAT_XLATE_OWNER);
			flow_sample(skb, p, pa, v);
			return;
		case FLOW_RACED:
			break;
		default:
			return;
		}
	}
	if ((v->attrs & NT_ATTR_NAT) == 0)
		v->attrs |= NT_ATTR_NAT;
	if (v->attrs & NT_ATTR_NAT_XLATE) {
		/* the owner counts this half (other interfaces note it) */
		if (flow_update(skb, p, pa, v) == FLOW_COUNTED)
			flow_sample(skb, p, pa, v);
		return;
	}
	/* the same packet was (or will be) counted in its untranslated form */
	if (v->owner_ifindex != a->ifindex)
		note_seen(v, a->ifindex);
	stat_inc(stats_get(), NT_STAT_NOT_OWNER);
}

/* A TCP SYN at egress opens a new connection: a link of its tuple is an
 * old connection's (a reused masquerade port), so conntrack is asked again
 * and the link rewritten. */
static __always_inline int nat_new_conn_at_egress(struct pkt *p, struct acct *a)
{
	return a->hook == NT_HOOK_TC_EGRESS && !cfg_pcap_mode && p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN;
}

/*
 * account(), main lookup missed: a translated half of a known connection,
 * or (at egress, TCP/UDP) a flow conntrack may know as translated. Returns
 * 1 when the packet was handled here; 0: count it as a flow of its own.
 */
static __always_inline int nat_on_miss(struct __sk_buff *skb, struct pkt *p, struct acct *a)
{
	struct nat_scratch *s = NULL;
	struct nt_nat *l;
	__u32 zero = 0;

	/* a translated half's SYN first crosses the node at egress (after
	 * POSTROUTING) and leaves it there: a SYN at ingress is never one, so
	 * a flood of SYNs pays nothing here */
	if (a->hook == NT_HOOK_TC_INGRESS && p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN)
		return 0;
	if (a->hook == NT_HOOK_TC_EGRESS) {
		s = bpf_map_lookup_elem(&nat_scratch, &zero);
		if (s && s->busy)
			return 0; /* tc_nat_ct itself, counting an untranslated
				   * flow: nat_links was asked before the call */
	}
	l = nat_links_used ? bpf_map_lookup_elem(&nat_links, &a->key) : NULL;
	if (l) {
		if (!nat_new_conn_at_egress(p, a)) {
			nat_account(skb, p, a, l);
			return 1;
		}
		bpf_map_delete_elem(&nat_links, &a->key); /* an old connection's */
	}
	if (!s || cfg_pcap_mode)
		return 0;
	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || (p->frag & NT_ATTR_FRAG_NOL4))
		return 0;
	/* a flow in the table is never asked about, so only a flow's first
	 * packet at egress pays for conntrack. A SYN (the caller inserts it
	 * first, without a lookup) nearly always opens a flow: it is asked
	 * without looking (a retransmitted SYN, or one on a closed flow's
	 * tuple, costs a conntrack check and is counted as before) */
	if (!(p->proto == IPPROTO_TCP &&
	      (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN) &&
	    bpf_map_lookup_elem(&flows, &a->key))
		return 0;
	s->p = *p;
	s->a = *a;
	s->busy = 1;
	bpf_tail_call(skb, &nat_progs, 0);
	/* no tc_nat_ct: the kernel has no conntrack kfuncs */
	s->busy = 0;
	stat_inc(stats_get(), NT_STAT_NAT_NO_CT);
	return 0;
}

/* The connection's tuple in one direction, as flow keys want it. */
struct nat_tuple {
	__u32 src[4], dst[4];
	__u16 sport, dport; /* host order */
};

/* Direct loads: a trusted pointer (bpf_skb_ct_lookup's) or a read-only
 * cast one (the skb's own nf_conn), whose loads cannot fault. */
static __always_inline void nat_read_tuple(struct nf_conn *ct, int dir, __u8 ipv,
					   struct nat_tuple *t)
{
	struct nf_conntrack_tuple *ctt = &ct->tuplehash[dir & 1].tuple;

	if (ipv == 4) {
		ipv4_mapped(t->src, ctt->src.u3.ip);
		ipv4_mapped(t->dst, ctt->dst.u3.ip);
	} else {
#pragma unroll
		for (int i = 0; i < 4; i++) {
			t->src[i] = ctt->src.u3.all[i];
			t->dst[i] = ctt->dst.u3.all[i];
		}
	}
	t->sport = bpf_ntohs(ctt->src.u.all);
	t->dport = bpf_ntohs(ctt->dst.u.all);
}

/* The connection's status; its tuples into o and r when it is NATed. */
static __always_inline __u32 nat_ct_read(struct nf_conn *ct, __u8 ipv, struct nat_tuple *o,
					 struct nat_tuple *r)
{
	__u32 status = ct->status;

	if (status & (IPS_SRC_NAT | IPS_DST_NAT)) {
		nat_read_tuple(ct, 0, ipv, o);
		nat_read_tuple(ct, 1, ipv, r);
	}
	return status;
}

static __always_inline int nat_addr_eq(const __u32 *a, const __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/*
 * Is the packet p the translated forward half of the connection (status,
 * orig tuple o, reply tuple r)? If so, fills l (other = the primary key)
 * and returns 1; 0 otherwise.
 */
static __always_inline int nat_ct_match(struct pkt *p, struct acct *a, __u32 status,
					const struct nat_tuple *o, const struct nat_tuple *r,
					struct nt_nat *l)
{
	if (!(status & (IPS_SRC_NAT | IPS_DST_NAT)))
		return 0;
	/* p must be the reply tuple reversed (and not the orig tuple) */
	if (!nat_addr_eq(p->src, r->dst) || !nat_addr_eq(p->dst, r->src) || p->sport != r->dport ||
	    p->dport != r->sport)
		return 0;
	if (nat_addr_eq(p->src, o->src) && nat_addr_eq(p->dst, o->dst) && p->sport == o->sport &&
	    p->dport == o->dport)
		return 0;
	l->init_side = nt_flow_key_make(&l->other, o->src, o->dst, o->sport, o->dport, p->proto,
					p->ip_version, 0);
	l->xlate_init_side = a->side;
	__builtin_memcpy(l->src_nat, r->dst, 16);
	__builtin_memcpy(l->dst_nat, r->src, 16);
	l->sport_nat = r->dport;
	l->dport_nat = r->sport;
	l->flags = 0;
	if (!nat_addr_eq(r->src, o->dst) || r->sport != o->dport)
		l->flags |= NT_NAT_DNAT;
	if (!nat_addr_eq(r->dst, o->src) || r->dport != o->sport)
		l->flags |= NT_NAT_SNAT;
	return 1;
}

/*
 * tc_nat_ct: the connection conntrack attached to the packet. At TC egress
 * the packet has been through netfilter's POSTROUTING: _nfct 0 means
 * conntrack did not see it (no rule in this namespace needs it, or
 * NOTRACK), so nothing translated it. Returns 1 when p is the translated
 * forward half (l filled), 0 otherwise.
 */
static __always_inline int nat_ct_query_skb(struct __sk_buff *skb, struct pkt *p, struct acct *a,
					    struct nt_nat *l)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct nat_tuple o = {}, r = {};
	unsigned long nfct = kskb->_nfct & NAT_NFCT_PTRMASK;
	struct nf_conn *ct;

	if (!nfct) {
		stat_inc(stats_get(), NT_STAT_NAT_UNTRACKED);
		return 0;
	}
	if (!cfg_nf_conn_btf_id)
		return 0; /* loaded without nettrail's loader (bpftool): a
			   * constant, the verifier drops what follows */
	ct = bpf_rdonly_cast((void *)nfct, cfg_nf_conn_btf_id);
	return nat_ct_match(p, a, nat_ct_read(ct, p->ip_version, &o, &r), &o, &r, l);
}

/*
 * tc_nat_ct_lookup: asks conntrack about the packet's tuple swapped (the
 * reply tuple when p is the translated half). Returns as nat_ct_query_skb.
 */
static __always_inline int nat_ct_query_lookup(struct __sk_buff *skb, struct pkt *p, struct acct *a,
					       struct nt_nat *l)
{
	struct bpf_ct_opts opts = { .netns_id = BPF_F_CURRENT_NETNS, .l4proto = p->proto };
	struct bpf_sock_tuple t = {};
	struct nat_tuple o = {}, r = {};
	struct nf_conn *ct;
	__u32 status, tsz;

	if (p->ip_version == 4) {
		t.ipv4.saddr = p->dst[3];
		t.ipv4.daddr = p->src[3];
		t.ipv4.sport = bpf_htons(p->dport);
		t.ipv4.dport = bpf_htons(p->sport);
		tsz = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, p->dst, 16);
		__builtin_memcpy(t.ipv6.daddr, p->src, 16);
		t.ipv6.sport = bpf_htons(p->dport);
		t.ipv6.dport = bpf_htons(p->sport);
		tsz = sizeof(t.ipv6);
	}
	ct = bpf_skb_ct_lookup(skb, &t, tsz, &opts, NAT_CT_OPTS_SZ);
	if (!ct) {
		stat_inc(stats_get(), NT_STAT_NAT_CT_MISS);
		return 0;
	}
	status = nat_ct_read(ct, p->ip_version, &o, &r);
	bpf_ct_release(ct);
	return nat_ct_match(p, a, status, &o, &r, l);
}

/* Records both directions of the link. Returns 0, or -1 (counted). */
static __always_inline int nat_link(struct acct *a, struct nt_nat *l)
{
	struct nt_flow_key primary = l->other;

	if (!nat_links_used)
		nat_links_used = 1; /* before the link: a packet of it may follow
				     * on another CPU at once */
	if (bpf_map_update_elem(&nat_links, &a->key, l, BPF_ANY))
		goto fail;
	l->other = a->key;
	if (bpf_map_update_elem(&nat_flows, &primary, l, BPF_ANY)) {
		bpf_map_delete_elem(&nat_links, &a->key);
		goto fail;
	}
	l->other = primary;
	stat_inc(stats_get(), NT_STAT_NAT_LINKED);
	return 0;
fail:
	stat_inc(stats_get(), NT_STAT_NAT_LINK_FAILED);
	return -1;
}

/* tc_nat_ct's work, in frames of their own (account(), which may
 * tail-call, must be reached through small frames, and the conntrack query's
 * locals must not sit under the sampling chain): ask conntrack and link,
 * then count. Return 1 when the packet was a translated half, linked. */
static __noinline int nat_ct_link_skb(struct __sk_buff *skb, struct nat_scratch *s)
{
	__builtin_memset(&s->l, 0, sizeof(s->l));
	return nat_ct_query_skb(skb, &s->p, &s->a, &s->l) && !nat_link(&s->a, &s->l);
}

static __noinline int nat_ct_link_lookup(struct __sk_buff *skb, struct nat_scratch *s)
{
	__builtin_memset(&s->l, 0, sizeof(s->l));
	return nat_ct_query_lookup(skb, &s->p, &s->a, &s->l) && !nat_link(&s->a, &s->l);
}

static __noinline int nat_ct_account(struct __sk_buff *skb, struct nat_scratch *s)
{
	nat_account(skb, &s->p, &s->a, &s->l);
	return 1;
}

/* Tail-called by nat_on_miss for a new TCP/UDP flow at egress. from_skb: a
 * constant, so each program holds only its own kfunc calls. */
static __always_inline int nat_ct_run(struct __sk_buff *skb, int from_skb)
{
	struct nat_scratch *s;
	__u32 zero = 0;
	int linked;

	s = bpf_map_lookup_elem(&nat_scratch, &zero);
	if (!s)
		return TC_ACT_UNSPEC;
	if (!s->busy)
		return TC_ACT_UNSPEC;
	linked = from_skb ? nat_ct_link_skb(skb, s) : nat_ct_link_lookup(skb, s);
	if (linked)
		nat_ct_account(skb, s);
	else
		account(skb, &s->p, s->a.hook);
	s->busy = 0;
	return TC_ACT_UNSPEC;
}

/* kernels >= 6.3 (bpf_cast_to_kern_ctx, bpf_rdonly_cast); the loader
 * loads one of the two (nt_dp_ct_prepare) */
SEC("tc")
int tc_nat_ct(struct __sk_buff *skb)
{
	return nat_ct_run(skb, 1);
}

/* kernels with the conntrack kfuncs only */
SEC("tc")
int tc_nat_ct_lookup(struct __sk_buff *skb)
{
	return nat_ct_run(skb, 0);
}

#endif /* NT_BPF_LIB_NAT_H */
