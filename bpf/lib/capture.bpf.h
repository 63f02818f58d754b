/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture.bpf.h - on-demand packet capture (docs/capture.md).
 *
 * Idle, the whole cost is one load of capture_flags and a branch in
 * account(): the sensor sets it only while a capture is running. Then the
 * decision is made per flow, not per packet, and cached in the flow's
 * entry (nt_flow_val.cap, nt_capture.h) for one selection (capture_gen,
 * bumped by the sensor after every change of the maps):
 *
 *   cap_decide()    the selections for a flow's key and an interface:
 *                   cap_iface (a hash lookup by ifindex, --interface only)
 *                   and cap_addr (an LPM lookup of each address)
 *   capture_flow()  a packet of a flow in the table: its owner interface
 *                   takes the cached mask, no lookup; another interface
 *                   copies only what an --interface selection of its own
 *                   adds (one cap_iface lookup, --interface only)
 *   capture_miss()  a packet whose flow the lookup did not find (a new
 *                   flow, a SYN, a translated NAT half, a full table):
 *                   decided as it always was, per packet; the word goes
 *                   into the entry the packet makes (struct acct.cap)
 *   capture_arp()   an ARP frame (handle(), non-IP): by either address it
 *                   names, or its interface; no flow, no owner rule
 *
 * A selected packet is copied up the capture ring, up to the largest
 * snaplen asked (at most NT_CAP_MAX_COPY), with skb->len as its original
 * length: a GSO packet whole, as the kernel holds it.
 *
 * One copy per node, by the counting rule: a packet is copied on the
 * interface that owns its flow (owner_ifindex); a flow not in the table yet
 * is owned by the interface that is about to insert it. An interface
 * selection copies on a non-owner only when the owner is not selected by
 * the same capture.
 *
 * A full ring is counted per slot (cap_drops), which the session reads
 * into its file's ISB, its summary and the registry.
 */
#ifndef NT_BPF_LIB_CAPTURE_H
#define NT_BPF_LIB_CAPTURE_H

#include "nt_capture.h"

/* Written by the sensor (mmap of .data.capture) as captures come and go. */
__u32 capture_flags SEC(".data.capture") = 0;
__u32 capture_snaplen SEC(".data.capture") = 0;
/* The selection's generation (1..NT_CAP_GEN_MAX): bumped after the maps. */
__u32 capture_gen SEC(".data.capture") = 1;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nt_cap_addr_key);
	__type(value, __u8); /* slot mask */
} cap_addr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);  /* ifindex */
	__type(value, __u8); /* slot mask */
} cap_iface SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NT_CAP_RING_BYTES); /* a page with --capture off */
} cap_ring SEC(".maps");

/* Packets lost to a full ring, per slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NT_CAP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} cap_drops SEC(".maps");

struct cap_buf {
	struct nt_cap_hdr h;
	__u8 data[NT_CAP_MAX_COPY + 1];
};

/* One copy buffer per CPU (too large for a per-CPU map's value): TC
 * programs do not migrate, and ingress/egress do not nest on a CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the CPU count, set by the loader */
	__type(key, __u32);
	__type(value, struct cap_buf);
} cap_scratch SEC(".maps");

static __always_inline __u8 cap_addr_mask(const __u32 a[4])
{
	struct nt_cap_addr_key k = { .prefixlen = 128 };
	__u8 *m;

	__builtin_memcpy(k.addr, a, 16);
	m = bpf_map_lookup_elem(&cap_addr, &k);
	return m ? *m : 0;
}

static __always_inline __u8 cap_iface_mask(__u32 ifindex)
{
	__u8 *m = bpf_map_lookup_elem(&cap_iface, &ifindex);

	return m ? *m : 0;
}

static __always_inline void cap_drop(__u32 mask)
{
#pragma unroll
	for (int i = 0; i < NT_CAP_SLOTS; i++) {
		__u32 slot = i; /* a constant in each copy of the body */
		__u64 *d;

		if (!(mask & (1u << i)))
			continue;
		d = bpf_map_lookup_elem(&cap_drops, &slot);
		if (d)
			(*d)++;
	}
}

/* Copies the packet up the ring, or counts it lost. l2: the frame starts
 * with an Ethernet header. */
static __noinline int cap_copy(struct __sk_buff *skb, __u32 mask, __u32 hook, __u32 l2)
{
	__u32 cpu = bpf_get_smp_processor_id(), len, n = capture_snaplen;
	struct cap_buf *b = bpf_map_lookup_elem(&cap_scratch, &cpu);

	if (!skb || !b)
		return 0;
	len = skb->len;
	if (n > len)
		n = len;
	if (n > NT_CAP_MAX_COPY)
		n = NT_CAP_MAX_COPY;
	b->h.ts_ns = bpf_ktime_get_ns();
	b->h.ifindex = skb->ifindex;
	b->h.len = len;
	b->h.mask = mask;
	b->h.hook = hook;
	b->h.l2 = l2;
	n &= 0xffff;
	if (n == 0 || bpf_skb_load_bytes(skb, 0, b->data, n))
		n = 0;
	b->h.caplen = n;
	if (bpf_ringbuf_output(&cap_ring, b, sizeof(b->h) + n, 0))
		cap_drop(mask);
	return 0;
}

/* The decision for the flow of key k on interface ifindex, as if it owned
 * the flow, for generation gen: a few lookups, once per flow and selection. */
static __noinline __u32 cap_decide(__u32 flags, __u32 gen, struct nt_flow_key *k, __u32 ifindex)
{
	__u32 amask = 0, imask = 0;

	if (!k)
		return 0;
	if (flags & NT_CAP_F_IFACE)
		imask = cap_iface_mask(ifindex);
	if (flags & NT_CAP_F_ADDR)
		amask = cap_addr_mask((const __u32 *)k->addr[0]) |
			cap_addr_mask((const __u32 *)k->addr[1]);
	return NT_CAP_WORD(gen & NT_CAP_GEN_MAX, amask | imask, imask);
}

/* A packet of flow v (in the table, key k) while a capture runs. */
static __always_inline void capture_flow(struct __sk_buff *skb, struct pkt *p,
					 struct nt_flow_key *k, struct nt_flow_val *v, __u32 hook)
{
	__u32 flags = capture_flags, gen = capture_gen, c = *(volatile __u32 *)&v->cap, m;

	if (NT_CAP_GEN(c) != gen) {
		c = cap_decide(flags, gen, k, v->owner_ifindex);
		v->cap = c; /* one store: a reader sees a whole word */
	}
	if (v->owner_ifindex == skb->ifindex)
		m = NT_CAP_OWNER_MASK(c);
	else if (flags & NT_CAP_F_IFACE) /* copied at the owner, unless this
					  * capture does not select it */
		m = cap_iface_mask(skb->ifindex) & ~NT_CAP_OWNER_IMASK(c);
	else
		return;
	if (m)
		cap_copy(skb, m, hook, p->l3off != 0);
}

/*
 * A packet whose flow the main lookup did not find, while a capture runs:
 * decided as if this interface made the flow; when the packet is selected,
 * a flow that is in the table after all (a SYN, which inserts without a
 * lookup, on a live flow; another CPU's insert) applies its owner rule.
 * p->cap keeps the word: tc_nat_ct's call of account() for the same packet
 * does not copy it again, and account() puts the word into the entry the
 * packet makes (never into a NAT primary: other addresses).
 */
static __always_inline void capture_miss(struct __sk_buff *skb, struct pkt *p,
					 struct nt_flow_key *k, __u32 hook)
{
	struct nt_flow_val *v;
	__u32 m, im;

	if (p->cap)
		return; /* decided (and copied) before the tail call */
	p->cap = cap_decide(capture_flags, capture_gen, k, skb->ifindex);
	m = NT_CAP_OWNER_MASK(p->cap);
	if (!m)
		return;
	v = bpf_map_lookup_elem(&flows, k);
	if (v && v->owner_ifindex != skb->ifindex) {
		/* another interface owns it: copied there, unless an
		 * interface selection of this capture does not cover it */
		im = NT_CAP_OWNER_IMASK(p->cap);
		m = im & ~cap_iface_mask(v->owner_ifindex);
	}
	if (m)
		cap_copy(skb, m, hook, p->l3off != 0);
}

/* An ARP packet for IPv4 over Ethernet (RFC 826). */
struct cap_arp {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 op;
	__u8 sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

/*
 * An ARP frame (at off) while a capture runs. It names two addresses, the
 * sender's and the target's, and is selected by either, as pcap-filter's
 * "host" takes ARP; or by its interface. Nothing forwards it, so it crosses
 * one interface and has no owner rule. Counted nowhere else (non_ip): a
 * few lookups, on ARP frames only, and only during a capture.
 */
static __noinline int capture_arp(struct __sk_buff *skb, __u32 off, __u32 hook)
{
	__u32 flags = capture_flags, ip[4] = { 0, 0, bpf_htonl(0xffff), 0 }, m = 0;
	struct cap_arp a;

	if (!skb)
		return 0;
	if (flags & NT_CAP_F_IFACE)
		m = cap_iface_mask(skb->ifindex);
	if ((flags & NT_CAP_F_ADDR) && !bpf_skb_load_bytes(skb, off, &a, sizeof(a)) &&
	    a.htype == bpf_htons(1) && a.ptype == bpf_htons(ETH_P_IP) && a.hlen == 6 &&
	    a.plen == 4) {
		__builtin_memcpy(&ip[3], a.spa, 4);
		m |= cap_addr_mask(ip);
		__builtin_memcpy(&ip[3], a.tpa, 4);
		m |= cap_addr_mask(ip);
	}
	if (m)
		cap_copy(skb, m, hook, 1);
	return 0;
}

#endif
