/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ipv6.bpf.h - IPv6 extension headers: the one walker both programs use to
 * find the upper-layer header (and note a fragment header on the way).
 */
#ifndef NT_BPF_LIB_IPV6_H
#define NT_BPF_LIB_IPV6_H

#include "common.bpf.h"

#define IPV6_HLEN 40

/* Next-header values that are extension headers (the kernel's names). */
#define NEXTHDR_HOP	 0 /* hop-by-hop options */
#define NEXTHDR_ROUTING	 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH	 51 /* AH: its length counts 4-byte units */
#define NEXTHDR_DEST	 60 /* destination options */
#define NEXTHDR_MOBILITY 135

/* Longest chain walked; a longer one is an error (parse_errors_exthdr). */
#define IPV6_MAX_HEADERS 8

#define IPV6_FRAG_OFFSET 0xfff8 /* fragment header frag_off (host order) */
#define IPV6_FRAG_MF	 0x0001

static __always_inline int ipv6_is_exthdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case NEXTHDR_HOP:
	case NEXTHDR_ROUTING:
	case NEXTHDR_FRAGMENT:
	case NEXTHDR_AUTH:
	case NEXTHDR_DEST:
	case NEXTHDR_MOBILITY:
		return 1;
	default:
		return 0;
	}
}

/* Lengths: options-style headers count 8-byte units beyond the first
 * 8 bytes, AH 4-byte units beyond the first 8 (RFC 8200, RFC 4302). */
static __always_inline __u32 ipv6_optlen(const struct ipv6_opt_hdr *h)
{
	return ((__u32)h->hdrlen + 1) * 8;
}

static __always_inline __u32 ipv6_authlen(const struct ipv6_opt_hdr *h)
{
	return ((__u32)h->hdrlen + 2) * 4;
}

/* What ipv6_skip_exthdrs() found. */
enum ipv6_walk {
	IPV6_WALK_ERR = -1,	  /* chain too long, or cut short */
	IPV6_WALK_L4 = 0,	  /* the upper-layer header */
	IPV6_WALK_LATER_FRAG = 1, /* a later fragment: no upper-layer header */
};

/*
 * Walks the extension headers from *off (the header after the fixed one),
 * *nexthdr being the fixed header's next header. On IPV6_WALK_L4 they are
 * the upper-layer protocol and where its header starts; on
 * IPV6_WALK_LATER_FRAG, the fragment's next header and where its data
 * starts. A fragment header's identification (host order) goes to
 * *frag_id and *frag_first is set for a first fragment (of more than one);
 * either may be NULL.
 *
 * Rare on the wire: bpf_skb_load_bytes rather than direct packet access
 * keeps it simple for the verifier (and works where headers are not in the
 * linear part of the skb).
 */
static __always_inline int ipv6_skip_exthdrs(struct __sk_buff *skb, __u8 *nexthdr, __u32 *off,
					     __u32 *frag_id, __u8 *frag_first)
{
	__u8 nh = *nexthdr;
	__u32 o = *off;

#pragma unroll
	for (int i = 0; i < IPV6_MAX_HEADERS; i++) {
		union {
			struct ipv6_opt_hdr opt;
			struct frag_hdr frag;
		} h;

		if (!ipv6_is_exthdr(nh))
			goto done;
		if (bpf_skb_load_bytes(skb, o, &h, sizeof(h)) < 0)
			return IPV6_WALK_ERR;
		switch (nh) {
		case NEXTHDR_FRAGMENT: {
			__u16 fo = bpf_ntohs(h.frag.frag_off);

			if (frag_id)
				*frag_id = bpf_ntohl(h.frag.identification);
			if (fo & IPV6_FRAG_OFFSET) {
				*nexthdr = h.frag.nexthdr;
				*off = o + sizeof(h.frag);
				return IPV6_WALK_LATER_FRAG;
			}
			if ((fo & IPV6_FRAG_MF) && frag_first)
				*frag_first = 1;
			o += sizeof(h.frag);
			break;
		}
		case NEXTHDR_AUTH:
			o += ipv6_authlen(&h.opt);
			break;
		default: /* hop-by-hop, routing, destination, mobility */
			o += ipv6_optlen(&h.opt);
			break;
		}
		if (o > skb->len)
			return IPV6_WALK_ERR; /* the header's body is cut short */
		nh = h.opt.nexthdr;
	}
	if (ipv6_is_exthdr(nh))
		return IPV6_WALK_ERR; /* more than IPV6_MAX_HEADERS */
done:
	*nexthdr = nh;
	*off = o;
	return IPV6_WALK_L4;
}

#endif /* NT_BPF_LIB_IPV6_H */
