/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nettrail.h - the structs and constants that the BPF programs and the
 * userspace collector share. This file is the single definition of the
 * kernel/userspace ABI: change it and both sides rebuild.
 *
 * It is included from BPF C (after vmlinux.h) and from userspace C (after
 * <linux/types.h>), so it uses only __u8/__u16/__u32/__u64.
 */
#ifndef NETTRAIL_H
#define NETTRAIL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * A bidirectional flow key. The two endpoints are stored in canonical order
 * (the lower (address, port) pair is side 0), so both directions of one
 * connection find the same entry with a single lookup. IPv4 addresses are
 * stored IPv4-mapped (::ffff:a.b.c.d) so one code path serves both families.
 *
 * For ICMP echo request/reply (v4 8/0, v6 128/129) both ports hold the echo
 * identifier, so a request and its reply share a flow; for other ICMP types
 * port[0]/port[1] hold type/code of that message as seen, in key order.
 */
struct nt_flow_key {
	__u8 addr[2][16]; /* side 0, side 1 (network byte order) */
	__u16 port[2];	  /* host byte order (TCP, UDP, SCTP); 0 when the
	                    * protocol has none */
	__u8 proto;	  /* IANA protocol number */
	__u8 ip_version;  /* 4 or 6 */
	__u8 icmp_echo;	  /* 1: ICMP echo flow keyed by identifier */
	__u8 _pad;
};

/* x (network order) in host order, for comparing addresses numerically. */
static inline __attribute__((always_inline)) __u32 nt_flow_be32(__u32 x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(x);
#else
	return x;
#endif
}

/*
 * The canonical key of a packet from src to dst: addresses as 4 words in
 * network order (IPv4 mapped, ::ffff:a.b.c.d), ports in host order. Side 0
 * gets the numerically lower address, or the lower port when the
 * addresses are equal. Returns the key side of the source (1: swapped).
 *
 * The one builder of the key: both BPF programs use it (through
 * bpf/lib/flow_key.bpf.h), and so can userspace and the tests.
 */
static inline __attribute__((always_inline)) __u8
nt_flow_key_make(struct nt_flow_key *k, const __u32 *src, const __u32 *dst, __u16 sport,
		 __u16 dport, __u8 proto, __u8 ip_version, __u8 icmp_echo)
{
	__u8 swap = 0;
	int i;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 4; i++) {
		if (src[i] != dst[i]) {
			swap = nt_flow_be32(src[i]) > nt_flow_be32(dst[i]);
			goto decided;
		}
	}
	swap = sport > dport;
decided:
	if (!swap) {
		__builtin_memcpy(k->addr[0], src, 16);
		__builtin_memcpy(k->addr[1], dst, 16);
		k->port[0] = sport;
		k->port[1] = dport;
	} else {
		__builtin_memcpy(k->addr[0], dst, 16);
		__builtin_memcpy(k->addr[1], src, 16);
		k->port[0] = dport;
		k->port[1] = sport;
	}
	k->proto = proto;
	k->ip_version = ip_version;
	k->icmp_echo = icmp_echo;
	k->_pad = 0;
	return swap;
}

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define NT_TCP_FIN 0x01
#define NT_TCP_SYN 0x02
#define NT_TCP_RST 0x04
#define NT_TCP_PSH 0x08
#define NT_TCP_ACK 0x10
#define NT_TCP_URG 0x20
#define NT_TCP_ECE 0x40
#define NT_TCP_CWR 0x80

/* How many interfaces besides the owner a flow remembers having crossed. */
#define NT_MAX_SEEN_IFACES 3

/* nt_flow_val.attrs bits */
#define NT_ATTR_FRAG	  0x01 /* at least one IP fragment was counted */
#define NT_ATTR_FRAG_NOL4 0x02 /* a later fragment could not be matched */
#define NT_ATTR_MIDSTREAM 0x04 /* TCP flow first seen without a SYN */
#define NT_ATTR_DNS	  0x08 /* a DNS port: every payload is sampled */
/* TLS certificate sampling: this key side's handshake is sampled past the
 * first cfg_sample_pkts packets while its nt_cert_key is in the tls_cert
 * map (NT_ATTR_CERT0 << side). */
#define NT_ATTR_CERT0	  0x10
#define NT_ATTR_CERT1	  0x20
#define NT_ATTR_NAT	  0x40 /* a translated half is linked here (nat_flows has it) */
/* the owner counts the translated half: the untranslated one was not seen first */
#define NT_ATTR_NAT_XLATE 0x80

/*
 * The per-flow value. Counters are indexed by key side (0/1), not by
 * initiator: userspace maps sides to source/destination with `initiator`.
 * pkts/bytes/tcp_flags are updated with atomics (one shared entry per flow,
 * updated from every CPU); the timestamps are written once each.
 *
 * bytes are IP-layer bytes (IP header + payload) as on the wire: a GSO
 * super-packet of N segments counts N packets and N sets of headers.
 */
struct nt_flow_val {
	__u64 first_ns;				/* first packet (hook clock, see nt_config) */
	__u64 last_ns;				/* last packet */
	__u64 pkts[2];				/* packets sent by side 0 / side 1 */
	__u64 bytes[2];				/* IP bytes sent by side 0 / side 1 */
	__u64 syn_ns;				/* initiator's first SYN */
	__u64 synack_ns;			/* responder's first SYN+ACK */
	__u64 ack_ns;				/* initiator's first ACK after the SYN+ACK */
	__u64 close_ns;				/* FIN seen both ways, or first RST */
	__u32 tcp_flags;			/* bits 0-7: side 0 flags, bits 8-15: side 1 */
	__u32 owner_ifindex;			/* the interface that counts this flow */
	__u32 seen_ifindex[NT_MAX_SEEN_IFACES]; /* others that saw it */
	__u8 initiator;				/* key side (0/1) that opened the flow */
	__u8 rst_first;				/* 0: no RST, 1: side 0 sent the first, 2: side 1 */
	__u8 owner_hook;			/* NT_HOOK_* of the first packet */
	__u8 attrs;				/* NT_ATTR_* */
	__u8 icmp_type;				/* initiator's first ICMP type/code */
	__u8 icmp_code;
	__u8 samples[2]; /* payload samples sent up, per key side */
	/* on-demand capture's decision for this flow, cached for one
	 * selection (NT_CAP_GEN...: nt_capture.h); 0: never made */
	__u32 cap;
};

enum nt_hook {
	NT_HOOK_TC_INGRESS = 1,
	NT_HOOK_TC_EGRESS = 2,
	NT_HOOK_PCAP = 3,
};

/* Ring buffer events (struct nt_event.type). */
enum nt_event_type {
	/* The flow table was full: this packet's counts travel here instead.
	 * Rate-limited per CPU; what exceeds the rate is counted as lost. */
	NT_EV_OVERFLOW = 1,
	/* A TCP flow closed (FIN both ways or RST): report it promptly.
	 * ts_ns is the flow's close_ns (it names the generation). */
	NT_EV_CLOSE = 2,
	/* A SYN on a closed flow's tuple started a new flow in its entry: the
	 * closed flow's final value, whole (struct nt_flow_end). */
	NT_EV_FLOW_END = 3,
};

struct nt_event {
	__u32 type; /* enum nt_event_type */
	__u32 ifindex;
	__u64 ts_ns;
	struct nt_flow_key key;
	/* NT_EV_OVERFLOW only: */
	__u32 pkts;  /* GSO segments */
	__u32 bytes; /* IP bytes as on the wire */
	__u8 side;   /* key side that sent the packet */
	__u8 tcp_flags;
	__u8 hook;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 _pad[3];
};

/*
 * NT_EV_FLOW_END: a closed flow that a new SYN on its tuple replaced, as it
 * was. When the ring is full the same value goes to the `ended` hash map
 * instead, keyed by struct nt_flow_gen, and the collector drains it.
 */
struct nt_flow_end {
	__u32 type; /* NT_EV_FLOW_END */
	__u32 ifindex;
	struct nt_flow_key key;
	struct nt_flow_val val;
};

/* A flow generation: its key and first packet's time. */
/*
 * Embryonic TCP connections. A SYN (no ACK, no payload) whose tuple has no
 * flow entry waits in a slot of a direct-mapped array (the syn_slots map,
 * mmapped by the collector) instead of taking a flow-table entry: in a
 * scan or a SYN flood most SYNs are refused (RST) or never answered, and a
 * slot's write and read cost a fraction of the table's locked insert and
 * delete. The slot holds the flow's value exactly as the table would: the
 * first other packet of the connection (SYN+ACK, data, a second interface)
 * moves it into the table as it is; the refusing RST ends it from the slot
 * (NT_EV_FLOW_END); the collector reports an unanswered one when it is
 * idle. The state word is claimed with a compare-and-swap by whoever reads
 * or writes the rest.
 */
enum nt_syn_slot_state {
	NT_SYN_SLOT_FREE = 0,
	NT_SYN_SLOT_BUSY = 1, /* a program or the collector holds it */
	NT_SYN_SLOT_OPEN = 2, /* a parked SYN */
};

struct nt_syn_slot {
	__u32 state; /* enum nt_syn_slot_state */
	__u32 _pad;
	struct nt_flow_key key;
	struct nt_flow_val val;
};

/* The slot of a key: a multiplicative hash of its ten 32-bit words, mixed
 * (murmur3's finalizer) so that the low bits, the index, depend on all. */
static inline __attribute__((always_inline)) __u32 nt_syn_slot_hash(const struct nt_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = 0x811c9dc5;
	int i;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < (int)(sizeof(*k) / 4); i++)
		h = (h ^ w[i]) * 0x01000193;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	return h;
}

/* The flow table's TCP entries by key hash (the tcp_present map, n a power
 * of two): another part of the slot hash, so slots and counts collide apart.
 * h: nt_syn_slot_hash of the key, for a caller that has it already. */
static inline __attribute__((always_inline)) __u32 nt_tcp_present_of_hash(__u32 h, __u32 n)
{
	return ((h >> 16) | (h << 16)) & (n - 1);
}

static inline __attribute__((always_inline)) __u32 nt_tcp_present_index(const struct nt_flow_key *k,
									__u32 n)
{
	__u32 h = nt_syn_slot_hash(k);

	return nt_tcp_present_of_hash(h, n);
}

struct nt_flow_gen {
	struct nt_flow_key key;
	__u64 first_ns;
};

/*
 * Per-CPU counters (one per-CPU array element holding all of them).
 * Anything that is lost or not understood is counted here; userspace sums
 * the CPUs and reports them in metrics and in the heartbeat record.
 */
/*
 * A payload sample: the first payload-bearing packets of each flow direction
 * (at most cfg_sample_pkts, for TLS ClientHello/ServerHello and application
 * protocol detection) and every DNS message, on their own ring buffer.
 */
#define NT_SAMPLE_MAX 2048

enum nt_sample_kind {
	NT_SAMPLE_FIRST = 1, /* one of a flow direction's first payloads */
	NT_SAMPLE_DNS = 2,   /* a packet to or from a DNS port */
	NT_SAMPLE_CERT = 3,  /* TLS certificate sampling (NT_ATTR_CERT0) */
};

/*
 * A flow direction whose TLS handshake (up to its Certificate message) is
 * sampled past the first packets: the key of the tls_cert map, whose value
 * (__u32) is the payload bytes it may still send up. The kernel inserts it
 * on a ServerHello (or a client's Certificate) that a TLS 1.2-style flight
 * follows, and deletes it at the byte cap; userspace deletes it as soon as
 * the Certificate message is whole or cannot come.
 */
struct nt_cert_key {
	struct nt_flow_key flow;
	__u32 side; /* key side that sends the certificate */
};

struct nt_sample {
	__u64 ts_ns;
	struct nt_flow_key key;
	__u32 ifindex;
	__u32 tcp_seq;	   /* host order; 0 for other protocols */
	__u16 payload_len; /* L4 payload bytes in the packet */
	__u16 cap_len;	   /* bytes in data[] */
	__u8 side;	   /* key side that sent it */
	__u8 tcp_flags;
	__u8 kind;	/* enum nt_sample_kind */
	__u8 initiator; /* the flow's initiator side, as known now */
	__u8 data[NT_SAMPLE_MAX];
};

/*
 * Per-CPU kernel counters, declared once: X(ID, name, help). The enum
 * (NT_STAT_<ID>) indexes struct nt_stats; userspace's counter registry
 * (user/counters.h) takes the names and help texts from the same list, so
 * every kernel counter reaches the heartbeat and /metrics.
 */
#define NT_KERNEL_STATS(X)                                                                         \
	X(PACKETS, "packets", "packets seen by any hook")                                          \
	X(NON_IP, "non_ip", "frames that are not IPv4 or IPv6 (ARP, LLDP...): not a loss")         \
	X(ERR_L2, "parse_errors_l2", "truncated Ethernet or VLAN headers")                         \
	X(ERR_L3, "parse_errors_l3", "truncated or invalid IP headers")                            \
	X(ERR_EXTHDR, "parse_errors_exthdr", "IPv6 extension header chains too long or truncated") \
	X(ERR_L4, "parse_errors_l4", "truncated transport headers (TCP, UDP, SCTP, ICMP)")         \
	X(FRAG_UNMATCHED, "fragments_unmatched",                                                   \
	  "later IP fragments counted without ports: their first fragment was not seen")           \
	X(TABLE_FULL, "table_full", "flow inserts that failed: the kernel flow table was full")    \
	X(OVERFLOW_SENT, "overflow_events",                                                        \
	  "packets of a full flow table sent to userspace on the ring buffer instead")             \
	X(OVERFLOW_LOST_PKTS, "overflow_lost_packets",                                             \
	  "packets of a full flow table lost: over the overflow rate or the ring buffer full")     \
	X(OVERFLOW_LOST_BYTES, "overflow_lost_bytes", "IP bytes of the overflow_lost_packets")     \
	X(RINGBUF_FULL, "ringbuf_full", "ring buffer reservations that failed (any event)")        \
	X(CLOSE_EV_LOST, "close_events_lost",                                                      \
	  "TCP close events lost (the flow is still reported, by the table scan: "                 \
	  "closes_from_scan)")                                                                     \
	X(NOT_OWNER, "not_owner_packets",                                                          \
	  "packets seen on a second interface of the node: counted once, by the first")            \
	X(SAMPLES, "payload_samples",                                                              \
	  "payload packets handed up (first packets of each flow direction, DNS)")                 \
	X(SAMPLES_LOST, "payload_samples_lost", "payload samples lost: the sample ring was full")  \
	X(FLOW_RESTARTS, "flow_restarts",                                                          \
	  "SYNs on the tuple of a closed TCP flow that started a new flow (the closed one is "     \
	  "reported as it was)")                                                                   \
	X(FLOW_ENDS_SLOW, "flow_ends_slow",                                                        \
	  "closed flows replaced by a new SYN that went up through the ended map: ring full")      \
	X(FLOW_RESTARTS_MERGED, "flow_restarts_merged",                                            \
	  "SYNs on a closed flow counted into it instead of a new flow: ring and ended map full")  \
	X(NAT_LINKED, "nat_linked",                                                                \
	  "translated connection halves linked to their connection (conntrack said so)")           \
	X(NAT_XLATE_OWNER, "nat_translated_first",                                                 \
	  "translated connections whose untranslated half was not seen: counted from the other")   \
	X(NAT_CT_MISS, "nat_conntrack_miss",                                                       \
	  "new TCP/UDP flows at egress unknown to conntrack: not checked for translation")         \
	X(NAT_NO_CT, "nat_unchecked",                                                              \
	  "new TCP/UDP flows at egress not checked for translation: conntrack kfuncs unavailable") \
	X(NAT_LINK_FAILED, "nat_link_failed",                                                      \
	  "translated halves that could not be linked (NAT map update failed): counted apart")     \
	X(NAT_UNTRACKED, "nat_untracked",                                                          \
	  "new TCP/UDP flows at egress that conntrack did not track (no nf_conn on the packet): "  \
	  "untranslated, counted without a conntrack lookup")                                      \
	X(SYN_PARKED, "syn_parked",                                                                \
	  "SYNs that opened a flow in a SYN slot instead of the flow table (not a loss)")          \
	X(SYN_SLOT_TAKEN, "syn_slot_taken",                                                        \
	  "SYNs whose slot held another SYN: they went into the flow table (not a loss)")          \
	X(SYN_PROMOTED, "syn_promoted",                                                            \
	  "parked SYNs moved into the flow table by their connection's next packet")               \
	X(SYN_SPILLED, "syn_slot_spilled",                                                         \
	  "parked SYNs that could not move into the flow table (full, or taken by a race): "       \
	  "reported from their value as they were")

#define NT_STAT_ENUM_(id, name, help) NT_STAT_##id,
enum nt_stat { NT_KERNEL_STATS(NT_STAT_ENUM_) NT_STAT_MAX };
#undef NT_STAT_ENUM_

struct nt_stats {
	__u64 v[NT_STAT_MAX];
};

/* Per-CPU rate limiter state for overflow events. */
struct nt_ratelimit {
	__u64 window_ns;
	__u64 count;
};

/* IPv4 fragment reassembly hint: maps a datagram to its ports. */
struct nt_frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;
	__u8 proto;
	__u8 _pad[3];
};

struct nt_frag_val {
	__u16 sport;
	__u16 dport;
};

/*
 * A translated connection (kube-proxy DNAT to a Service backend, SNAT or
 * masquerade), as conntrack describes it. The connection is counted in one
 * flow entry, keyed by the tuple its initiator sent (the "primary" key);
 * the translated half's packets carry another tuple. Two maps hold this:
 * nat_links (translated key -> this, other = the primary key) for the
 * datapath, nat_flows (primary key -> this, other = the translated key) for
 * userspace. Addresses IPv4-mapped, ports in host order.
 */
struct nt_nat {
	struct nt_flow_key other;
	__u32 src_nat[4];     /* the initiator's address after SNAT (ECS source.nat.ip) */
	__u32 dst_nat[4];     /* the destination after DNAT (ECS destination.nat.ip) */
	__u16 sport_nat;      /* source.nat.port */
	__u16 dport_nat;      /* destination.nat.port */
	__u8 flags;	      /* NT_NAT_SNAT | NT_NAT_DNAT */
	__u8 xlate_init_side; /* translated key: the side the initiator sends from */
	__u8 init_side;	      /* primary key: the initiator's side */
	__u8 _pad;
};

#define NT_NAT_SNAT 0x01
#define NT_NAT_DNAT 0x02

#endif /* NETTRAIL_H */
