/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nt_capture.h - what the kernel's capture path (bpf/lib/capture.bpf.h) and
 * the sensor's capture sessions (user/capture/) share: the selection maps'
 * keys and values, and the header of each packet copied up the capture ring.
 *
 * A capture occupies one of NT_CAP_SLOTS slots; selections map to a bit
 * mask of slots, and each copied packet carries the mask it matched.
 */
#ifndef NT_CAPTURE_H
#define NT_CAPTURE_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define NT_CAP_SLOTS	  4	    /* concurrent captures */
#define NT_CAP_MAX_COPY	  65535	    /* bytes copied per packet at most */
#define NT_CAP_RING_BYTES (8 << 20) /* the capture ring (--capture on) */

/* capture_flags (the kernel's one global read per packet) */
#define NT_CAP_F_ADDR  1u /* cap_addr holds selections */
#define NT_CAP_F_IFACE 2u /* cap_iface holds selections */

/*
 * nt_flow_val.cap: a flow's capture decision, made once per selection. The
 * sensor bumps capture_gen (1..65535, never 0) after every change of the
 * selection maps; a word whose generation differs is made again.
 *   bits 0-15   capture_gen it was made for
 *   bits 16-23  the slots copying on the owner interface (addresses and
 *               the owner's --interface)
 *   bits 24-31  the slots of the owner's --interface selections
 */
#define NT_CAP_GEN_MAX		0xffffu
#define NT_CAP_GEN(c)		((c)&0xffffu)
#define NT_CAP_OWNER_MASK(c)	(((c) >> 16) & 0xffu)
#define NT_CAP_OWNER_IMASK(c)	((c) >> 24)
#define NT_CAP_WORD(gen, m, im) ((gen) | (__u32)(m) << 16 | (__u32)(im) << 24)

/* cap_addr key: an LPM prefix over the IPv6 form (IPv4 mapped ::ffff:a.b.c.d) */
struct nt_cap_addr_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* One packet on the capture ring: this header, then caplen bytes. */
struct nt_cap_hdr {
	__u64 ts_ns;   /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 ifindex; /* the interface it was copied on (the flow's owner) */
	__u32 len;     /* skb->len: the packet as the kernel held it (GSO whole) */
	__u32 caplen;  /* bytes that follow */
	__u8 mask;     /* the slots whose selection it matched */
	__u8 hook;     /* NT_HOOK_TC_INGRESS / NT_HOOK_TC_EGRESS */
	__u8 l2;       /* 1: starts with an Ethernet header; 0: raw IP */
	__u8 _pad;
};

#endif
