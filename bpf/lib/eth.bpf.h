/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * eth.bpf.h - the link layer: Ethernet and its 802.1Q / 802.1ad tags.
 */
#ifndef NT_BPF_LIB_ETH_H
#define NT_BPF_LIB_ETH_H

#include "common.bpf.h"

#define ETH_HLEN      14
#define ETH_P_IP      0x0800
#define ETH_P_IPV6    0x86DD
#define ETH_P_ARP     0x0806
#define ETH_P_8021Q   0x8100
#define ETH_P_8021AD  0x88A8
#define VLAN_HLEN     4
#define ETH_MAX_VLANS 2 /* QinQ: an outer and an inner tag */

/*
 * The Ethernet header at data and up to ETH_MAX_VLANS tags after it:
 * *proto is the EtherType they carry (network order), *off where its
 * header starts. Returns 0, or -1 when a header is cut short.
 */
static __always_inline int eth_parse(void *data, void *data_end, __be16 *proto, __u32 *off)
{
	struct ethhdr *eth = data;
	__u32 o = ETH_HLEN;
	__be16 p;

	if ((void *)(eth + 1) > data_end)
		return -1;
	p = eth->h_proto;
#pragma unroll
	for (int i = 0; i < ETH_MAX_VLANS; i++) {
		struct vlan_hdr *vh = data + o;

		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return -1;
		p = vh->h_vlan_encapsulated_proto;
		o += VLAN_HLEN;
	}
	*proto = p;
	*off = o;
	return 0;
}

#endif /* NT_BPF_LIB_ETH_H */
