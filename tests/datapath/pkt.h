/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt.h - a small packet builder for the datapath tests.
 *
 * One struct pkt_spec describes a frame: Ethernet, up to two VLAN tags,
 * IPv4 (options, IHL / version / tot_len overrides, fragments) or IPv6
 * (a chain of extension headers, fragment header included), then TCP,
 * UDP, SCTP, ICMP, ICMPv6 or any other protocol number, then a payload
 * (for SCTP it stands for the chunks). pkt_build() lays it out and returns
 * the frame length; the IPv4 header checksum is always right, and so are
 * the L4 checksums (SCTP: CRC32c) of datagrams that are not fragmented.
 * Everything not set is zero, which means "normal".
 */
#ifndef NT_TEST_PKT_H
#define NT_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_P_IP	 0x0800
#define PKT_ETH_P_ARP	 0x0806
#define PKT_ETH_P_IPV6	 0x86DD
#define PKT_ETH_P_8021Q	 0x8100
#define PKT_ETH_P_8021AD 0x88A8
#define PKT_ETH_P_LLDP	 0x88CC

/* IPv6 extension header types (next-header values). */
#define PKT_EXT_HOPOPTS	 0
#define PKT_EXT_ROUTING	 43
#define PKT_EXT_FRAGMENT 44
#define PKT_EXT_AH	 51
#define PKT_EXT_DSTOPTS	 60
#define PKT_EXT_MH	 135 /* mobility header: laid out like options */

#define PKT_MAX_EXT 16
#define PKT_BUF	    16384

struct pkt_ext {
	uint8_t type;	   /* PKT_EXT_* */
	uint16_t len;	   /* total bytes; 0: the minimum (8, AH 12).
			      * Multiple of 8 (AH: of 4). Fragment: always 8 */
	uint16_t frag_off; /* fragment header: offset in 8-byte units */
	bool frag_more;	   /* fragment header: M flag */
	uint32_t frag_id;  /* fragment header: identification */
};

struct pkt_spec {
	/* L2 */
	uint8_t nvlan;	       /* 0, 1 or 2 tags, outer first */
	uint16_t vlan_tpid[2]; /* 0: 0x8100 */
	uint16_t vlan_tci[2];
	uint16_t ethertype; /* 0: from ip_version */

	/* L3: ip_version 0 means no IP header (payload follows L2) */
	uint8_t ip_version;	  /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4: the first 4 bytes */
	uint8_t proto;		  /* IPPROTO_* (the final, upper layer one) */
	uint8_t version_nibble;	  /* 0: ip_version; else written instead */
	uint8_t ttl;		  /* 0: 64 */
	/* IPv4 */
	uint8_t ip_opt_len; /* option bytes, multiple of 4, <= 40 */
	bool ihl_set;	    /* write ihl instead of the real IHL */
	uint8_t ihl;
	uint16_t ip_id;
	uint16_t frag_off; /* in 8-byte units */
	bool mf, df;
	/* IPv4 tot_len / IPv6 payload_len: write len_field instead */
	bool len_set;
	uint16_t len_field;
	/* IPv6 */
	uint8_t n_ext;
	struct pkt_ext ext[PKT_MAX_EXT];
	uint32_t flow_label;

	/* L4 */
	bool no_l4;	       /* no L4 header (a later fragment) */
	uint16_t sport, dport; /* TCP/UDP/SCTP */
	uint8_t tcp_flags;
	uint8_t tcp_doff; /* 0: 5; more: NOP options */
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo request/reply */
	uint32_t sctp_vtag;	    /* SCTP verification tag */

	size_t payload_len;
};

/* Where build put things. All offsets from the start of the frame. */
struct pkt_layout {
	size_t len;	   /* frame length */
	size_t l3_off;	   /* IP header */
	size_t ip_hdr_len; /* IPv4 header with options; IPv6 40 + ext hdrs */
	size_t l4_off;	   /* L4 header (== payload_off with no L4) */
	size_t l4_hdr_len; /* TCP doff*4, UDP/ICMP 8, SCTP 12, others 0 */
	size_t payload_off;
	size_t ip_len;		     /* IP-layer bytes built: len - l3_off */
	size_t ext_off[PKT_MAX_EXT]; /* each IPv6 extension header */
};

/* Address helpers: IPv4 dotted quad / IPv6 text into a 16-byte slot. */
void pkt_addr(uint8_t a[16], const char *text);
/* Sets ip_version from the form of the addresses and fills them. */
void pkt_ips(struct pkt_spec *s, const char *src, const char *dst);

/* Ready-made specs (everything else zero). */
struct pkt_spec pkt_tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			uint8_t flags, size_t payload);
struct pkt_spec pkt_udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			size_t payload);
/* SCTP: the 12-byte common header; payload bytes stand for its chunks. */
struct pkt_spec pkt_sctp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			 uint32_t vtag, size_t payload);
/* ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses). */
struct pkt_spec pkt_icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id,
			 size_t payload);
struct pkt_spec pkt_proto(const char *src, const char *dst, uint8_t proto, size_t payload);

/* Appends an IPv6 extension header to the chain; returns it. */
struct pkt_ext *pkt_add_ext(struct pkt_spec *s, uint8_t type, uint16_t len);

/*
 * Lays out the frame in buf (cap bytes). Returns its length, 0 when it
 * does not fit or the spec is invalid. lay may be NULL.
 */
size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s, struct pkt_layout *lay);

/* The IP-layer length the spec describes (IP header + everything after),
 * whatever len_field says. */
size_t pkt_ip_len(const struct pkt_spec *s);

/* Truncation: the length of the frame cut at byte offset at. */
static inline size_t pkt_truncate(size_t len, size_t at)
{
	return at < len ? at : len;
}

/* Pads a frame to the Ethernet minimum (60 bytes without FCS) with zeros;
 * returns the new length. */
size_t pkt_pad(uint8_t *buf, size_t len, size_t cap);

/* CRC32c (Castagnoli) of len bytes, the SCTP checksum (RFC 9260 App. A). */
uint32_t pkt_crc32c(const void *data, size_t len);

/* Internet checksum of len bytes, folded, starting from sum. */
uint16_t pkt_csum(const void *data, size_t len, uint32_t sum);

/* 1 when the IPv4 header at ip (ihl from its own first byte) checks. */
bool pkt_ipv4_csum_ok(const uint8_t *ip);

#endif /* NT_TEST_PKT_H */
