/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ipv4.bpf.h - IPv4 header fields, fragments, and the IPv4-mapped form in
 * which flow keys hold IPv4 addresses.
 */
#ifndef NT_BPF_LIB_IPV4_H
#define NT_BPF_LIB_IPV4_H

#include "common.bpf.h"

#define IPV4_HLEN_MIN 20
#define IP_MF	      0x2000 /* frag_off (host order): more fragments */
#define IP_OFFSET     0x1fff /* frag_off: fragment offset, 8-byte units */

/* Header length in bytes (IHL); below IPV4_HLEN_MIN means invalid. */
static __always_inline __u32 ipv4_hdrlen(const struct iphdr *iph)
{
	return iph->ihl * 4;
}

/* frag_off in host order: any fragment of a fragmented datagram */
static __always_inline int ipv4_is_fragment(__u16 frag_off)
{
	return frag_off & (IP_MF | IP_OFFSET);
}

/* frag_off in host order: a fragment other than the first (no L4 header) */
static __always_inline int ipv4_is_later_fragment(__u16 frag_off)
{
	return frag_off & IP_OFFSET;
}

/* a[] (4 words, network order) = ::ffff:addr, as flow keys hold IPv4. */
static __always_inline void ipv4_mapped(__u32 a[4], __be32 addr)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0xffff);
	a[3] = addr;
}

#endif /* NT_BPF_LIB_IPV4_H */
