/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture.bpf.h - on-demand packet capture (docs/capture.md).
 *
 * Idle, the whole cost is one load of capture_flags and a branch: the
 * sensor sets it only while a capture is running. Then a packet is checked
 * against the selections (cap_iface: one array lookup by ifindex; cap_addr:
 * an LPM lookup of each address), and a selected packet is copied up the
 * capture ring, up to the largest snaplen asked (at most NT_CAP_MAX_COPY),
 * with skb->len as its original length: a GSO packet whole, as the kernel
 * holds it.
 *
 * One copy per node, by the counting rule: a packet is copied on the
 * interface that owns its flow (owner_ifindex), read before account()
 * runs; a flow not in the table yet is owned by the interface that is
 * about to insert it. An interface selection copies on a non-owner only
 * when the owner is not selected by the same capture.
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

/* The slots that keep the packet after the owner rule. */
static __always_inline __u8 cap_owner_rule(struct __sk_buff *skb, struct pkt *p, __u8 amask,
					   __u8 imask)
{
	struct nt_flow_key key = {};
	struct nt_flow_val *v;

	nt_flow_key_make(&key, p->src, p->dst, p->sport, p->dport, p->proto, p->ip_version,
			 p->icmp_echo);
	v = bpf_map_lookup_elem(&flows, &key);
	if (!v || v->owner_ifindex == skb->ifindex)
		return amask | imask;
	/* another interface owns it: copied there, unless an interface
	 * selection of this capture does not cover the owner */
	return imask & ~cap_iface_mask(v->owner_ifindex);
}

static __always_inline void cap_drop(__u8 mask)
{
	for (__u32 i = 0; i < NT_CAP_SLOTS; i++) {
		__u64 *d;

		if (!(mask & (1u << i)))
			continue;
		d = bpf_map_lookup_elem(&cap_drops, &i);
		if (d)
			(*d)++;
	}
}

/* Copies the packet up the ring, or counts it lost. */
static __always_inline void cap_copy(struct __sk_buff *skb, __u8 mask, __u8 hook, int l2)
{
	__u32 cpu = bpf_get_smp_processor_id(), len = skb->len, n = capture_snaplen;
	struct cap_buf *b = bpf_map_lookup_elem(&cap_scratch, &cpu);

	if (!b)
		return;
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
}

/* The capture path, for a parsed IP packet (struct pkt, flow.bpf.c);
 * called only while capture_flags is set, before account(). */
static __noinline int capture_packet(struct __sk_buff *skb, struct pkt *p, __u8 hook, int l2)
{
	__u32 flags = capture_flags;
	__u8 amask = 0, imask = 0, mask;

	if (!skb || !p)
		return 0;
	if (flags & NT_CAP_F_IFACE)
		imask = cap_iface_mask(skb->ifindex);
	if (flags & NT_CAP_F_ADDR)
		amask = cap_addr_mask(p->src) | cap_addr_mask(p->dst);
	if (!(amask | imask))
		return 0;
	mask = cap_owner_rule(skb, p, amask, imask);
	if (mask)
		cap_copy(skb, mask, hook, l2);
	return 0;
}

#endif
