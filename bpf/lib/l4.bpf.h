/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * l4.bpf.h - transport headers as flows see them: the port pair of TCP,
 * UDP and SCTP, and what stands for ports in ICMP and ICMPv6 (the echo
 * identifier, or type and code).
 */
#ifndef NT_BPF_LIB_L4_H
#define NT_BPF_LIB_L4_H

#include "common.bpf.h"

#define TCP_FLAGS_OFF 13 /* the flags byte (NT_TCP_*) */
#define UDP_HLEN      8
#define SCTP_HLEN \
	12	    /* common header: ports, verification tag,
			  * checksum (repeated in every GSO segment) */
#define ICMP_HLEN 8 /* type, code, checksum, 4 bytes (echo: id, seq) */

#define ICMP_ECHOREPLY	    0
#define ICMP_ECHO	    8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129

/* The two ports that open a TCP, UDP or SCTP header at h, host order. */
static __always_inline void l4_ports(const void *h, __u16 *sport, __u16 *dport)
{
	const __be16 *p = h;

	*sport = bpf_ntohs(p[0]);
	*dport = bpf_ntohs(p[1]);
}

static __always_inline int l4_is_icmp(__u8 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* proto: IPPROTO_ICMP or IPPROTO_ICMPV6 */
static __always_inline __u8 icmp_echo_request(__u8 proto)
{
	return proto == IPPROTO_ICMP ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
}

static __always_inline __u8 icmp_echo_reply(__u8 proto)
{
	return proto == IPPROTO_ICMP ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
}

/* The type of a message already known to be an echo: is it the reply?
 * (Neither family's reply type is the other's request.) */
static __always_inline int icmp_echo_is_reply(__u8 type)
{
	return type == ICMP_ECHOREPLY || type == ICMPV6_ECHO_REPLY;
}

/* The request type that a reply answers. */
static __always_inline __u8 icmp_echo_request_of(__u8 reply_type)
{
	return reply_type == ICMP_ECHOREPLY ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
}

/* The identifier of the echo message at ih (ICMP_HLEN bytes), host order:
 * request and reply share it, so it keys their flow. */
static __always_inline __u16 icmp_echo_id(const __u8 *ih)
{
	return ((__u16)ih[4] << 8) | ih[5];
}

#endif /* NT_BPF_LIB_L4_H */
