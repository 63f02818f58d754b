// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flow.bpf.c - TC (clsact) programs that aggregate every IP packet into one
 * bidirectional flow entry per connection.
 *
 * Per packet: parse L2/L3/L4 headers, build a canonical key (lower endpoint
 * first), one hash lookup, two atomic adds. Everything that can be done once
 * per flow (initiator, handshake timestamps, close detection) happens only on
 * packets that carry SYN/FIN/RST, or on the first packet of the flow.
 *
 * A packet is counted once per node: the interface that created the entry
 * (owner_ifindex) counts it; any other attached interface the same packet
 * crosses only notes that it saw the flow.
 *
 * Nothing is dropped silently: a full flow table sends the packet's counts up
 * a ring buffer (rate limited per CPU); every failure bumps a per-CPU counter.
 * The programs never drop or modify traffic: they return TC_ACT_UNSPEC so the
 * next filter (a CNI's own program, say) runs as if nettrail were not there.
 */
#include "lib/common.bpf.h"
#include "lib/stats.bpf.h"
#include "lib/eth.bpf.h"
#include "lib/ipv4.bpf.h"
#include "lib/ipv6.bpf.h"
#include "lib/l4.bpf.h"
#include "lib/flow_key.bpf.h"
#include "nettrail.h"

#define TC_ACT_UNSPEC (-1)

/* Load-time configuration, set by the loader before load (CO-RE style). */
const volatile __u8 cfg_pcap_mode = 0;		     /* time from skb->tstamp */
const volatile __u32 cfg_overflow_per_sec = 2000;    /* overflow events/s/CPU */
const volatile __u8 cfg_sample_pkts = 4;	     /* payload samples per direction */
const volatile __u16 cfg_dns_ports[4] = { 53 };	     /* 0 ends the list */
const volatile __u32 cfg_tls_cert_max_bytes = 32768; /* certificate sampling cap, 0: off */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* --max-flows, set by the loader */
	__type(key, struct nt_flow_key);
	__type(value, struct nt_flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_ratelimit);
} ratelimit SEC(".maps");

#define EVENTS_RING_BYTES (1024 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RING_BYTES);
} events SEC(".maps");

/*
 * Closed flows that a new SYN on their tuple replaced while the events ring
 * was full (the slow way of NT_EV_FLOW_END), keyed by generation; the
 * collector drains it every tick with one batch call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct nt_flow_gen);
	__type(value, struct nt_flow_val);
} ended SEC(".maps");

/* Embryonic TCP connections (struct nt_syn_slot, include/nettrail.h): a
 * SYN without a flow entry waits here, the slot picked by its key's hash. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1024); /* cfg_syn_slots, set by the loader */
	__type(key, __u32);
	__type(value, struct nt_syn_slot);
} syn_slots SEC(".maps");

/* syn_slots' size, a power of two; 0: SYNs go into the table */
const volatile __u32 cfg_syn_slots = 1024;

/* How many TCP entries of the flow table each key hash has (index:
 * nt_tcp_present_index): a SYN whose count is 0 has no entry, and parks
 * without looking the table up (a bucket's cache miss and a 40-byte
 * jhash: a third of a flood packet's cost, bench_datapath flood-warm).
 * Kept by every insert and delete of a TCP entry, here and in the
 * collector (mmapped). A count that is too high costs a lookup; one too
 * low can only come from two CPUs racing on one tuple, the race the
 * lookup had too (the collector merges a parked SYN into its table flow). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4096); /* cfg_tcp_present, set by the loader */
	__type(key, __u32);
	__type(value, __u32);
} tcp_present SEC(".maps");

/* tcp_present's size, a power of two */
const volatile __u32 cfg_tcp_present = 4096;

static __always_inline __u32 *tcp_present_of(const struct nt_flow_key *k)
{
	__u32 i = nt_tcp_present_index(k, cfg_tcp_present);

	return bpf_map_lookup_elem(&tcp_present, &i);
}

/* The table gained (d = 1) or lost (d = -1) the entry of key k. */
static __always_inline void tcp_present_add(const struct nt_flow_key *k, int d)
{
	__u32 *c;

	if (k->proto != IPPROTO_TCP)
		return;
	c = tcp_present_of(k);
	if (c)
		__sync_fetch_and_add(c, d);
}

/* flow_new()'s scratch: a new flow's value, built here rather than on the
 * stack (the verifier's 512-byte bound on a chain of calls). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_flow_val);
} new_val SEC(".maps");

/* Payload samples (TLS hellos, protocol openings, DNS messages). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} samples SEC(".maps");

/* Flow directions whose TLS certificate is being sampled: bytes left. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nt_cert_key);
	__type(value, __u32);
} tls_cert SEC(".maps");

/* First fragments leave their ports here for the later fragments. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct nt_frag_key);
	__type(value, struct nt_frag_val);
} frags SEC(".maps");

/* What the parser learned about one packet. */
struct pkt {
	__u32 src[4], dst[4]; /* IPv4 mapped into IPv6 */
	__u16 sport, dport;
	__u32 ip_bytes; /* IP-layer bytes of this skb, before GSO math */
	__u32 hdr_len;	/* IP + L4 header bytes (for GSO segments) */
	__u8 proto;
	__u8 ip_version;
	__u8 tcp_flags;
	__u8 icmp_type, icmp_code;
	__u8 icmp_echo;
	__u8 frag;	 /* NT_ATTR_FRAG / NT_ATTR_FRAG_NOL4 */
	__u8 frag_first; /* first fragment of a fragmented datagram */
	__u32 frag_id;
	__u32 l3off; /* where the IP header starts (0: no link layer) */
	__u32 tcp_seq;
	__u32 cap; /* capture_miss()'s word for this packet; 0: not made */
};

/*
 * Two clocks. The precise one (bpf_ktime_get_ns, ~33 ns on a VM's clock
 * source) stamps what must be exact: a flow's first packet, SYN/FIN/RST,
 * the ACK that completes the handshake. Plain data and ACK packets only move
 * last_ns forward, and take the coarse clock (CLOCK_MONOTONIC_COARSE: one
 * read, no clock-source access; one kernel tick, 1-4 ms, of resolution).
 * Offline, both are the capture timestamp.
 */
static __always_inline struct nt_stats *stats_get(void)
{
	return stats_lookup(&stats);
}

static __always_inline __u64 time_fine(struct __sk_buff *skb)
{
	return cfg_pcap_mode ? skb->tstamp : bpf_ktime_get_ns();
}

/*
 * The coarse clock, read once per tick per CPU: bpf_jiffies64() is a load
 * the verifier inlines, and only when it moves is the coarse clock read
 * (a helper call, ~14 ns on this VM: a quarter of an established packet's
 * cost). The value is the one bpf_ktime_get_coarse_ns() gives within the
 * same tick, so last_ns keeps its resolution of one tick.
 */
struct coarse_clock {
	__u64 jiffies;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct coarse_clock);
} coarse_clock SEC(".maps");

static __always_inline __u64 time_coarse(struct __sk_buff *skb)
{
	struct coarse_clock *c;
	__u32 zero = 0;
	__u64 j;

	if (cfg_pcap_mode)
		return skb->tstamp;
	j = bpf_jiffies64();
	c = bpf_map_lookup_elem(&coarse_clock, &zero);
	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->ns;
}

/* Remembers a first fragment's ports, keyed by datagram. */
static __always_inline void frag_remember(struct pkt *p)
{
	struct nt_frag_key fk = {};
	struct nt_frag_val fv = { .sport = p->sport, .dport = p->dport };

	__builtin_memcpy(fk.saddr, p->src, 16);
	__builtin_memcpy(fk.daddr, p->dst, 16);
	fk.id = p->frag_id;
	fk.proto = p->proto;
	bpf_map_update_elem(&frags, &fk, &fv, BPF_ANY);
}

/* A later fragment: take the ports of its first fragment, if seen. */
static __always_inline void frag_lookup(struct pkt *p, struct nt_stats *st)
{
	struct nt_frag_key fk = {};
	struct nt_frag_val *fv;

	__builtin_memcpy(fk.saddr, p->src, 16);
	__builtin_memcpy(fk.daddr, p->dst, 16);
	fk.id = p->frag_id;
	fk.proto = p->proto;
	fv = bpf_map_lookup_elem(&frags, &fk);
	if (fv) {
		p->sport = fv->sport;
		p->dport = fv->dport;
		p->frag = NT_ATTR_FRAG;
	} else {
		p->frag = NT_ATTR_FRAG | NT_ATTR_FRAG_NOL4;
		stat_inc(st, NT_STAT_FRAG_UNMATCHED);
	}
}

/*
 * Parses the L4 header at l4off. Returns 0, or -1 when it is truncated.
 * TCP, UDP and SCTP are keyed by their ports (SCTP: one flow per
 * association's port pair). Protocols without ports leave them 0 and
 * count by protocol number.
 */
static __always_inline int parse_l4(struct __sk_buff *skb, struct pkt *p, __u32 l4off, __u32 l3off)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (l4off > 512)
		return -1;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = data + l4off;

		if ((void *)(th + 1) > data_end)
			return -1;
		l4_ports(th, &p->sport, &p->dport);
		p->tcp_flags = ((__u8 *)th)[TCP_FLAGS_OFF];
		p->tcp_seq = bpf_ntohl(th->seq);
		p->hdr_len = l4off - l3off + th->doff * 4;
	} else if (p->proto == IPPROTO_UDP || p->proto == IPPROTO_SCTP) {
		/* both open with source and destination port (l4.bpf.h) */
		struct udphdr *uh = data + l4off;
		__u32 hl = UDP_HLEN;

		if ((void *)(uh + 1) > data_end)
			return -1;
		if (p->proto == IPPROTO_SCTP) {
			if ((void *)uh + SCTP_HLEN > data_end)
				return -1;
			hl = SCTP_HLEN;
		}
		l4_ports(uh, &p->sport, &p->dport);
		p->hdr_len = l4off - l3off + hl;
	} else if (l4_is_icmp(p->proto)) {
		__u8 *ih = data + l4off;
		__u8 req = icmp_echo_request(p->proto);
		__u8 rep = icmp_echo_reply(p->proto);

		if ((void *)(ih + ICMP_HLEN) > data_end)
			return -1;
		p->icmp_type = ih[0];
		p->icmp_code = ih[1];
		if (ih[0] == req || ih[0] == rep) {
			/* request and reply share a flow: key by identifier */
			p->icmp_echo = 1;
			p->sport = p->dport = icmp_echo_id(ih);
		} else {
			p->sport = ih[0];
			p->dport = ih[1];
		}
		p->hdr_len = l4off - l3off + ICMP_HLEN;
	} else {
		p->hdr_len = l4off - l3off;
	}
	return 0;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct pkt *p, __u32 off,
				      struct nt_stats *st)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *iph = data + off;
	__u32 ihl, tot, avail, frag_off;

	if ((void *)(iph + 1) > data_end) {
		stat_inc(st, NT_STAT_ERR_L3);
		return -1;
	}
	ihl = ipv4_hdrlen(iph);
	if (iph->version != 4 || ihl < IPV4_HLEN_MIN || data + off + ihl > data_end) {
		stat_inc(st, NT_STAT_ERR_L3);
		return -1;
	}
	p->ip_version = 4;
	p->proto = iph->protocol;
	ipv4_mapped(p->src, iph->saddr);
	ipv4_mapped(p->dst, iph->daddr);

	tot = bpf_ntohs(iph->tot_len);
	avail = skb->len - off;
	/* tot_len is 0 on IPv4 BIG TCP super-packets; live, never trust a
	 * length beyond what the skb holds (padding is trimmed by taking
	 * the smaller). Offline, the capture may be cut short by its
	 * snaplen, so the header's word is the wire truth. */
	if (tot == 0 || (!cfg_pcap_mode && tot > avail))
		tot = avail;
	if (tot < ihl) {
		stat_inc(st, NT_STAT_ERR_L3);
		return -1;
	}
	p->ip_bytes = tot;

	frag_off = bpf_ntohs(iph->frag_off);
	if (ipv4_is_fragment(frag_off)) {
		p->frag_id = iph->id;
		if (ipv4_is_later_fragment(frag_off)) {
			p->hdr_len = ihl;
			frag_lookup(p, st);
			return 0;
		}
		p->frag = NT_ATTR_FRAG;
		p->frag_first = 1;
	}
	if (parse_l4(skb, p, off + ihl, off) < 0) {
		stat_inc(st, NT_STAT_ERR_L4);
		return -1;
	}
	if (p->frag_first)
		frag_remember(p);
	return 0;
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct pkt *p, __u32 off,
				      struct nt_stats *st)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + off;
	__u32 plen, avail, l4off = off + IPV6_HLEN;
	int r;

	if ((void *)(ip6 + 1) > data_end) {
		stat_inc(st, NT_STAT_ERR_L3);
		return -1;
	}
	if (ip6->version != 6) {
		stat_inc(st, NT_STAT_ERR_L3);
		return -1;
	}
	p->ip_version = 6;
	p->proto = ip6->nexthdr;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);

	plen = bpf_ntohs(ip6->payload_len) + IPV6_HLEN;
	avail = skb->len - off;
	if (plen == IPV6_HLEN && avail > IPV6_HLEN) /* jumbogram / BIG TCP */
		plen = avail;
	if (!cfg_pcap_mode && plen > avail)
		plen = avail;
	p->ip_bytes = plen;

	r = ipv6_skip_exthdrs(skb, &p->proto, &l4off, &p->frag_id, &p->frag_first);
	if (r == IPV6_WALK_ERR) {
		stat_inc(st, NT_STAT_ERR_EXTHDR);
		return -1;
	}
	if (r == IPV6_WALK_LATER_FRAG) {
		p->hdr_len = l4off - off;
		frag_lookup(p, st);
		return 0;
	}
	if (parse_l4(skb, p, l4off, off) < 0) {
		stat_inc(st, NT_STAT_ERR_L4);
		return -1;
	}
	if (p->frag_first) {
		p->frag = NT_ATTR_FRAG;
		frag_remember(p);
	}
	return 0;
}

/*
 * Close events are batched: the collector reads the ring at every 100 ms
 * tick anyway, so a close wakes it only when its record (sz bytes and the
 * ring's header, already reserved: counted in the ring's data) takes the
 * unread data across an eighth of the ring (128 KiB, 256 KiB...): at most
 * 8 wakeups per ring's worth of records, not one per close. Waking on
 * every record past a quarter of the ring, as before, cost a self-IPI per
 * refused SYN once a flood filled a quarter of the ring between ticks (16%
 * of the datapath's time in that flood) and woke the collector for each
 * record. Past three quarters every record wakes it again: a collector
 * that other work keeps off the CPU is that far behind, and a full ring
 * leaves refused SYNs lingering in the table (a 4,096-flow table filled in
 * a loaded test run). A crossing missed by a race with another CPU or the
 * reader is caught by the next one or the tick.
 */
static __always_inline __u64 close_wakeup(__u64 sz)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 q = EVENTS_RING_BYTES / 8, rec = (sz + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;

	if (avail > 6 * q || (avail >= rec && avail / q != (avail - rec) / q))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void send_close(struct nt_flow_key *k, __u64 now, __u32 ifindex,
				       struct nt_stats *st)
{
	struct nt_event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(st, NT_STAT_RINGBUF_FULL);
		stat_inc(st, NT_STAT_CLOSE_EV_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = NT_EV_CLOSE;
	ev->ifindex = ifindex;
	ev->ts_ns = now;
	ev->key = *k;
	bpf_ringbuf_submit(ev, close_wakeup(sizeof(*ev)));
}

/* The table is full: hand this packet's counts to userspace, rate limited. */
static __always_inline void send_overflow(struct nt_flow_key *k, struct pkt *p, __u8 side,
					  __u32 segs, __u32 bytes, __u64 now, __u32 ifindex,
					  __u8 hook, struct nt_stats *st)
{
	__u32 zero = 0;
	struct nt_ratelimit *rl = bpf_map_lookup_elem(&ratelimit, &zero);
	struct nt_event *ev;

	stat_inc(st, NT_STAT_TABLE_FULL);
	if (!rl)
		goto lost;
	if (now - rl->window_ns >= 1000000000ULL) {
		rl->window_ns = now;
		rl->count = 0;
	}
	if (rl->count >= cfg_overflow_per_sec)
		goto lost;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(st, NT_STAT_RINGBUF_FULL);
		goto lost;
	}
	rl->count++;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = NT_EV_OVERFLOW;
	ev->ifindex = ifindex;
	ev->ts_ns = now;
	ev->key = *k;
	ev->pkts = segs;
	ev->bytes = bytes;
	ev->side = side;
	ev->tcp_flags = p->tcp_flags;
	ev->hook = hook;
	ev->icmp_type = p->icmp_type;
	ev->icmp_code = p->icmp_code;
	bpf_ringbuf_submit(ev, 0);
	stat_inc(st, NT_STAT_OVERFLOW_SENT);
	return;
lost:
	stat_add(st, NT_STAT_OVERFLOW_LOST_PKTS, segs);
	stat_add(st, NT_STAT_OVERFLOW_LOST_BYTES, bytes);
}

/* Notes a second interface on a flow another interface counts. */
static __always_inline void note_seen(struct nt_flow_val *v, __u32 ifindex)
{
#pragma unroll
	for (int i = 0; i < NT_MAX_SEEN_IFACES; i++) {
		__u32 cur = v->seen_ifindex[i];

		if (cur == ifindex)
			return;
		if (cur == 0) {
			v->seen_ifindex[i] = ifindex;
			return;
		}
	}
}

/* A flow's final value, whole, into its reserved NT_EV_FLOW_END record. */
static __always_inline void flow_end_submit(struct nt_flow_end *ev, const struct nt_flow_key *k,
					    const struct nt_flow_val *v, __u32 ifindex)
{
	ev->type = NT_EV_FLOW_END;
	ev->ifindex = ifindex;
	ev->key = *k;
	__builtin_memcpy(&ev->val, v, sizeof(ev->val));
	bpf_ringbuf_submit(ev, close_wakeup(sizeof(*ev)));
}

/*
 * A SYN refused with a RST (Zeek's REJ: no SYN+ACK, no payload): nothing
 * more belongs to that attempt (another SYN would start a new flow anyway),
 * so it ends now, without the close linger: its final value goes up whole
 * (NT_EV_FLOW_END) and the entry is freed at once. A scan or a flood of
 * refused SYNs holds a table entry for one round trip, and costs the
 * collector no syscall. Returns 0 (the flow lingers as any close) when the
 * ring is full.
 */
static __always_inline int flow_end_now(struct nt_flow_key *k, struct nt_flow_val *v, __u32 ifindex,
					__u8 in_table)
{
	struct nt_flow_end *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev)
		return 0;
	flow_end_submit(ev, k, v, ifindex);
	/* (a parked SYN's slot is freed by its caller) */
	if (in_table && !bpf_map_delete_elem(&flows, k))
		tcp_present_add(k, -1);
	return 1;
}

/* Once-per-flow TCP bookkeeping: only for SYN/FIN/RST-bearing packets.
 * Returns 1 when the flow ended with this packet (its entry is gone). */
static __always_inline int tcp_events(struct nt_flow_key *k, struct nt_flow_val *v, __u8 side,
				      __u8 fl, __u64 now, __u32 ifindex, __u8 in_table,
				      struct nt_stats *st)
{
	__u32 all;

	if ((fl & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN) {
		if (side == v->initiator && !v->syn_ns)
			v->syn_ns = now;
	} else if (fl & NT_TCP_SYN) {
		if (side != v->initiator && !v->synack_ns)
			v->synack_ns = now;
	}
	if (v->close_ns)
		return 0;
	all = v->tcp_flags;
	if (fl & NT_TCP_RST) {
		if (!v->rst_first)
			v->rst_first = side + 1;
	} else if (!((all & NT_TCP_FIN) && (all & (NT_TCP_FIN << 8)))) {
		return 0;
	}
	v->close_ns = now;
	if (fl & NT_TCP_RST && side != v->initiator && v->syn_ns && !v->synack_ns &&
	    !(v->samples[0] | v->samples[1]) && flow_end_now(k, v, ifindex, in_table))
		return 1;
	send_close(k, now, ifindex, st);
	return 0;
}

static __always_inline int is_dns(struct pkt *p)
{
	if (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP)
		return 0;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u16 port = cfg_dns_ports[i];

		if (!port)
			break;
		if (p->sport == port || p->dport == port)
			return 1;
	}
	return 0;
}

/* What send_sample needs, gathered in one place on the stack. */
struct sample_args {
	struct nt_flow_key key;
	__u64 now;
	__u32 off;  /* payload offset in the skb */
	__u32 plen; /* payload bytes */
	__u32 tcp_seq;
	__u8 side, initiator, kind, tcp_flags;
};

/*
 * Copies a packet's payload (up to NT_SAMPLE_MAX bytes) to the sample ring.
 * Runs for a flow direction's first cfg_sample_pkts payload packets and for
 * DNS: a handful of times per flow, never per packet of a bulk transfer.
 * A global (non-inlined) function: the verifier checks it once, on its own,
 * instead of once per parse path of the caller.
 */
__noinline int send_sample(struct __sk_buff *skb, struct sample_args *a)
{
	struct nt_stats *st;
	struct nt_sample *s;
	__u32 avail, n;

	if (!skb || !a)
		return 0;
	st = stats_get();
	if (a->off >= skb->len)
		return 0;
	avail = skb->len - a->off;
	n = a->plen < avail ? a->plen : avail;
	if (n > NT_SAMPLE_MAX)
		n = NT_SAMPLE_MAX;
	if (n == 0)
		return 0;
	s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		stat_inc(st, NT_STAT_RINGBUF_FULL);
		stat_inc(st, NT_STAT_SAMPLES_LOST);
		return 0;
	}
	s->ts_ns = a->now;
	s->key = a->key;
	s->ifindex = skb->ifindex;
	s->tcp_seq = a->tcp_seq;
	s->payload_len = a->plen > 0xffff ? 0xffff : a->plen;
	s->side = a->side;
	s->tcp_flags = a->tcp_flags;
	s->kind = a->kind;
	s->initiator = a->initiator;
	if (bpf_skb_load_bytes(skb, a->off, s->data, n))
		n = 0;
	s->cap_len = n;
	bpf_ringbuf_submit(s, 0);
	stat_inc(st, NT_STAT_SAMPLES);
	return 1;
}

/* What the steps of account() share about the packet being counted. */
struct acct {
	struct nt_flow_key key;
	__u32 segs;  /* packets on the wire (GSO segments) */
	__u32 bytes; /* IP bytes on the wire */
	__u32 ifindex;
	__u8 side; /* key side of the sender */
	__u8 hook;
	__u8 park;    /* a new flow's SYN may wait in a SYN slot */
	__u8 in_slot; /* the flow being counted is a parked SYN's */
	__u32 cap;    /* a new entry's nt_flow_val.cap (capture_miss) */
};

/* account(), new flow: the entry this first packet makes. */
static __always_inline void flow_init(struct nt_flow_val *nv, struct pkt *p, struct acct *a,
				      __u64 now)
{
	__u8 side = a->side, fl = p->tcp_flags;

	nv->first_ns = nv->last_ns = now;
	nv->pkts[side & 1] = a->segs;
	nv->bytes[side & 1] = a->bytes;
	nv->owner_ifindex = a->ifindex;
	nv->owner_hook = a->hook;
	nv->cap = a->cap;
	nv->attrs = p->frag | (is_dns(p) ? NT_ATTR_DNS : 0);
	nv->initiator = side;
	nv->icmp_type = p->icmp_type;
	nv->icmp_code = p->icmp_code;
	if (p->proto == IPPROTO_TCP) {
		nv->tcp_flags = (__u32)fl << (side * 8);
		if ((fl & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN) {
			nv->syn_ns = now;
		} else if (fl & NT_TCP_SYN) {
			/* SYN+ACK first: its receiver opened it */
			nv->initiator = !side;
			nv->synack_ns = now;
		} else {
			nv->attrs |= NT_ATTR_MIDSTREAM;
		}
		if (fl & NT_TCP_RST) {
			nv->rst_first = side + 1;
			nv->close_ns = now;
		}
	} else if (p->icmp_echo && icmp_echo_is_reply(p->icmp_type)) {
		/* a reply: the peer asked, with a request */
		nv->initiator = !side;
		nv->icmp_type = icmp_echo_request_of(p->icmp_type);
	}
}

/* ---- SYN slots (struct nt_syn_slot) ----------------------------------- */

static __always_inline struct nt_syn_slot *syn_slot_of(const struct nt_flow_key *k)
{
	__u32 i = nt_syn_slot_hash(k) & (cfg_syn_slots - 1);

	return bpf_map_lookup_elem(&syn_slots, &i);
}

/* Two keys are equal: five 8-byte compares (both are 8-byte aligned). */
static __always_inline int key_eq(const struct nt_flow_key *a, const struct nt_flow_key *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/*
 * flow_new(), a SYN (no ACK, no RST, no payload, not a fragment) of a tuple
 * with no entry: its flow waits in its SYN slot when the slot is free, the
 * value the table would get written in place (no locked insert, and the
 * refusing RST frees it without a delete). Returns 1 when parked.
 */
static __always_inline int syn_park(struct pkt *p, struct acct *a, __u64 now)
{
	struct nt_syn_slot *s;
	__u32 *c, h, i;

	if (!cfg_syn_slots || p->ip_bytes > p->hdr_len || p->frag ||
	    (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK | NT_TCP_RST)) != NT_TCP_SYN)
		return 0;
	/* one hash of the key for both arrays (the SYN's hot path) */
	h = nt_syn_slot_hash(&a->key);
	i = nt_tcp_present_of_hash(h, cfg_tcp_present);
	c = bpf_map_lookup_elem(&tcp_present, &i);
	if (!c || (*c && bpf_map_lookup_elem(&flows, &a->key)))
		return 0; /* the tuple has a flow: flow_new's insert meets it */
	i = h & (cfg_syn_slots - 1);
	s = bpf_map_lookup_elem(&syn_slots, &i);
	if (!s)
		return 0;
	if (__sync_val_compare_and_swap(&s->state, NT_SYN_SLOT_FREE, NT_SYN_SLOT_BUSY) !=
	    NT_SYN_SLOT_FREE) {
		stat_inc(stats_get(), NT_STAT_SYN_SLOT_TAKEN);
		return 0;
	}
	s->key = a->key;
	__builtin_memset(&s->val, 0, sizeof(s->val));
	flow_init(&s->val, p, a, now);
	__sync_lock_test_and_set(&s->state, NT_SYN_SLOT_OPEN);
	stat_inc(stats_get(), NT_STAT_SYN_PARKED);
	return 1;
}

enum flow_new_result {
	FLOW_INSERTED, /* the packet is counted in a new entry */
	FLOW_RACED,    /* it exists (another CPU inserted it first, or a SYN met
			* a live flow): *vp */
	FLOW_LOST,     /* the table is full: sent as an overflow */
	FLOW_PARKED,   /* a SYN: counted in a SYN slot (syn_park) */
};

/*
 * A SYN on the tuple of a closed flow (RST, or FIN both ways) starts a new
 * flow, as Zeek counts one connection per attempt: the new value nv
 * replaces the closed one in its entry, and the closed one goes up whole,
 * as it was (NT_EV_FLOW_END; the `ended` map when the ring is full).
 * Returns 1 when nv is in the table, 0 when the SYN is to be counted into
 * the closed flow after all (ring and ended map both full: counted).
 */
static __always_inline int flow_restart(struct acct *a, struct nt_flow_val *v,
					struct nt_flow_val *nv)
{
	struct nt_stats *st = stats_get();
	struct nt_flow_gen gen = { .key = a->key, .first_ns = v->first_ns };
	struct nt_flow_end *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(st, NT_STAT_RINGBUF_FULL);
		if (bpf_map_update_elem(&ended, &gen, v, BPF_NOEXIST)) {
			stat_inc(st, NT_STAT_FLOW_RESTARTS_MERGED);
			return 0;
		}
	}
	/* Atomic in the table: a reader sees the closed flow or the new one.
	 * v stays readable (the replaced element is not reused while this
	 * program runs), so its final value is copied after the swap. */
	if (bpf_map_update_elem(&flows, &a->key, nv, BPF_EXIST)) {
		/* gone: the collector has just taken the closed flow itself */
		if (ev)
			bpf_ringbuf_discard(ev, 0);
		else
			bpf_map_delete_elem(&ended, &gen);
		if (bpf_map_update_elem(&flows, &a->key, nv, BPF_NOEXIST))
			return 0;
		tcp_present_add(&a->key, 1);
		return 1;
	}
	if (ev) {
		flow_end_submit(ev, &a->key, v, a->ifindex);
	} else {
		stat_inc(st, NT_STAT_FLOW_ENDS_SLOW);
	}
	stat_inc(st, NT_STAT_FLOW_RESTARTS);
	return 1;
}

/*
 * account(), a flow not in the table (or, for a SYN, probably not): insert
 * its entry. A SYN tries the insert first, without a lookup: in a scan or a
 * flood nearly every SYN opens a flow. When the entry exists, *vp is it,
 * unless it was a closed flow that this SYN restarted. The new value is built in a per-CPU scratch (new_val), not
 * on the stack: the verifier bounds the stack of the deepest chain of
 * calls at 512 bytes, and the sampling path (account, cert_sample,
 * send_sample) is deep already.
 */
static __always_inline int flow_new(struct __sk_buff *skb, struct pkt *p, struct acct *a,
				    struct nt_flow_val **vp)
{
	__u32 zero = 0;
	struct nt_flow_val *nv = bpf_map_lookup_elem(&new_val, &zero);
	struct nt_flow_val *v;
	__u64 now;
	int r;

	if (!skb || !p || !a || !nv)
		return FLOW_LOST;
	now = time_fine(skb);
	if (a->park && syn_park(p, a, now))
		return FLOW_PARKED;
	__builtin_memset(nv, 0, sizeof(*nv));
	flow_init(nv, p, a, now);
	r = bpf_map_update_elem(&flows, &a->key, nv, BPF_NOEXIST);
	if (r == 0) {
		tcp_present_add(&a->key, 1);
		if (nv->close_ns)
			send_close(&a->key, now, a->ifindex, stats_get());
		return FLOW_INSERTED;
	}
	v = r == -EEXIST ? bpf_map_lookup_elem(&flows, &a->key) : NULL;
	if (v) {
		if (v->close_ns && nv->syn_ns && flow_restart(a, v, nv))
			return FLOW_INSERTED;
		*vp = v;
		return FLOW_RACED;
	}
	send_overflow(&a->key, p, a->side, a->segs, a->bytes, now, a->ifindex, a->hook,
		      stats_get());
	return FLOW_LOST;
}

/* account(), TCP: flags, and the handshake and close timestamps. */
static __always_inline int flow_update_tcp(struct __sk_buff *skb, struct pkt *p, struct acct *a,
					   struct nt_flow_val *v, __u64 now)
{
	__u8 fl = p->tcp_flags, side = a->side;
	__u32 f = (__u32)fl << ((side & 1) * 8);

	if ((v->tcp_flags | f) != v->tcp_flags)
		__sync_fetch_and_or(&v->tcp_flags, f);
	if (fl & (NT_TCP_SYN | NT_TCP_FIN | NT_TCP_RST) &&
	    tcp_events(&a->key, v, side, fl, now, a->ifindex, !a->in_slot, stats_get()))
		return 1; /* ended: v is no longer in the table */
	if (!v->ack_ns && v->synack_ns && side == v->initiator &&
	    (fl & (NT_TCP_ACK | NT_TCP_SYN)) == NT_TCP_ACK) {
		now = time_fine(skb);
		v->ack_ns = now;
		if (now > v->last_ns)
			v->last_ns = now;
	}
	return 0;
}

enum flow_update_result {
	FLOW_NOTED,   /* another interface owns the flow: this one is noted */
	FLOW_COUNTED, /* counted into v; its payload is next (flow_sample) */
	FLOW_ENDED,   /* counted, and the flow ended with it (a REJ): v is gone */
};

/* account(), a flow in the table (or a SYN slot): count the packet into v. */
static __always_inline int flow_update(struct __sk_buff *skb, struct pkt *p, struct acct *a,
				       struct nt_flow_val *v)
{
	__u8 side = a->side;
	__u64 now;

	if (v->owner_ifindex != a->ifindex) {
		note_seen(v, a->ifindex);
		stat_inc(stats_get(), NT_STAT_NOT_OWNER);
		return FLOW_NOTED;
	}
	__sync_fetch_and_add(&v->pkts[side & 1], a->segs);
	__sync_fetch_and_add(&v->bytes[side & 1], a->bytes);
	if (p->tcp_flags & (NT_TCP_SYN | NT_TCP_FIN | NT_TCP_RST))
		now = time_fine(skb);
	else
		now = time_coarse(skb);
	if (now > v->last_ns)
		v->last_ns = now;
	if ((p->frag & v->attrs) != p->frag)
		v->attrs |= p->frag;
	if (p->proto == IPPROTO_TCP && flow_update_tcp(skb, p, a, v, now))
		return FLOW_ENDED;
	return FLOW_COUNTED;
}

/*
 * Does a clear-text TLS Certificate flight start in this sampled TCP
 * payload? A ServerHello from the responder whose record goes on with more
 * handshake, or is followed by a handshake record (TLS <= 1.2; a TLS 1.3
 * ServerHello is followed by ChangeCipherSpec or encrypted records), or a
 * Certificate message from the initiator (mutual TLS). When the next record
 * is in a later packet, sampling starts and userspace decides. Reads at
 * most 10 bytes, only of packets that are sampled anyway.
 */
static __always_inline int cert_flight_starts(struct __sk_buff *skb, struct sample_args *a)
{
	__u8 h[9], next = 0;
	__u32 rlen, hlen;

	if (a->plen < sizeof(h) || bpf_skb_load_bytes(skb, a->off, h, sizeof(h)))
		return 0;
	if (h[0] != 0x16 || h[1] != 0x03 || h[2] > 0x03)
		return 0;
	if (h[5] == 0x0b)
		return a->side == a->initiator;
	if (h[5] != 0x02 || a->side == a->initiator)
		return 0;
	rlen = (__u32)h[3] << 8 | h[4];
	hlen = (__u32)h[6] << 16 | (__u32)h[7] << 8 | h[8];
	if (4 + hlen < rlen || 5 + rlen >= a->plen)
		return 1;
	if (bpf_skb_load_bytes(skb, a->off + 5 + rlen, &next, 1))
		return 1;
	return next == 0x16;
}

#define NT_CERT_CHUNKS 32 /* samples per packet: a 64 KiB GSO payload */

/*
 * Certificate sampling of one packet: its payload in NT_SAMPLE_MAX chunks
 * (a GSO packet holds many segments' worth), while the direction's byte
 * budget in tls_cert lasts; start inserts the budget. Returns 1 while the
 * direction stays in certificate mode, 0 when the budget is spent (the
 * entry goes), -1 when userspace ended it (nothing was sent). Rewrites
 * *a. A global function: the verifier checks it once.
 */
__noinline int cert_sample(struct __sk_buff *skb, struct sample_args *a, __u32 start)
{
	struct nt_cert_key ck = {};
	__u32 *left, budget, done = 0, off, plen, seq;

	if (!skb || !a)
		return -1;
	ck.flow = a->key;
	ck.side = a->side;
	if (start) {
		budget = cfg_tls_cert_max_bytes;
		bpf_map_update_elem(&tls_cert, &ck, &budget, BPF_ANY);
	}
	left = bpf_map_lookup_elem(&tls_cert, &ck);
	if (!left)
		return -1;
	budget = *left;
	/* a is the caller's, used up here: each chunk rewrites it */
	off = a->off;
	plen = a->plen;
	seq = a->tcp_seq;
	for (int i = 0; i < NT_CERT_CHUNKS && done < plen && budget; i++) {
		__u32 n = plen - done;

		if (n > NT_SAMPLE_MAX)
			n = NT_SAMPLE_MAX;
		if (n > budget)
			n = budget;
		a->off = off + done;
		a->plen = n;
		a->tcp_seq = seq + done;
		if (i || !start)
			a->kind = NT_SAMPLE_CERT;
		send_sample(skb, a);
		done += n;
		budget -= n;
	}
	if (!budget) {
		bpf_map_delete_elem(&tls_cert, &ck);
		return 0;
	}
	*left = budget;
	return 1;
}

/* flow_sample(), TLS: certificate sampling of this direction goes on,
 * starts, or ends. 0 when the packet was not handled here. */
static __always_inline int flow_sample_cert(struct __sk_buff *skb, struct sample_args *sa,
					    struct nt_flow_val *v, __u8 bit)
{
	int on = v->attrs & bit, r;

	if (!on && !cert_flight_starts(skb, sa))
		return 0;
	r = cert_sample(skb, sa, !on);
	if (r > 0 && !on)
		v->attrs |= bit;
	else if (r <= 0 && on)
		v->attrs &= ~bit;
	return r >= 0;
}

/* Datagrams of one UDP GSO super-packet sampled, at most. */
#define NT_GSO_SAMPLES 8

/* account(), last: a payload worth a look (TCP, UDP) goes up while its
 * direction has samples left, always on a DNS flow, and while its TLS
 * certificate is being sampled. One compare per packet once a direction's
 * samples are spent. A UDP GSO super-packet is gso_segs datagrams of
 * gso_size payload bytes (a QUIC client may send its ClientHello's Initials
 * so): each is sampled as the datagram it becomes. */
static __always_inline void flow_sample(struct __sk_buff *skb, struct pkt *p, struct acct *a,
					struct nt_flow_val *v)
{
	__u8 side = a->side, left;
	__u8 cert = NT_ATTR_CERT0 << (side & 1);
	__u32 seg = 0, nseg = 1, total;
	int dns;

	if (p->ip_bytes <= p->hdr_len)
		return; /* no payload */
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return;
	if (p->frag & NT_ATTR_FRAG_NOL4)
		return;
	/* DNS-ness was decided once, when the flow was created */
	if (v->samples[side & 1] >= cfg_sample_pkts && !(v->attrs & (NT_ATTR_DNS | cert)))
		return;
	dns = v->attrs & NT_ATTR_DNS;
	left = v->samples[side & 1] < cfg_sample_pkts;
	struct sample_args sa = {
		.key = a->key,
		.now = time_fine(skb),
		.off = p->l3off + p->hdr_len,
		.plen = p->ip_bytes - p->hdr_len,
		.tcp_seq = p->tcp_seq,
		.side = side,
		.initiator = v->initiator,
		.kind = dns ? NT_SAMPLE_DNS : NT_SAMPLE_FIRST,
		.tcp_flags = p->tcp_flags,
	};

	if (!dns && cfg_tls_cert_max_bytes && p->proto == IPPROTO_TCP) {
		if (v->samples[side & 1] < 255)
			v->samples[side & 1]++;
		if (!flow_sample_cert(skb, &sa, v, cert) && left)
			send_sample(skb, &sa);
		return;
	}
	total = sa.plen;
	if (p->proto == IPPROTO_UDP && a->segs > 1 && skb->gso_size) {
		seg = skb->gso_size;
		nseg = a->segs;
	}
	for (__u32 i = 0; i < NT_GSO_SAMPLES && i < nseg; i++) {
		if (i && v->samples[side & 1] >= cfg_sample_pkts && !dns)
			break;
		if (seg) {
			if (i * seg >= total)
				break;
			sa.off = p->l3off + p->hdr_len + i * seg;
			sa.plen = total - i * seg < seg ? total - i * seg : seg;
		}
		if (v->samples[side & 1] < 255)
			v->samples[side & 1]++;
		send_sample(skb, &sa);
	}
}

/*
 * account(), TCP: the SYN slot of this packet's tuple, claimed (BUSY) when
 * it holds a parked SYN of the same tuple; NULL otherwise. The first check
 * is a plain read; the claim is a compare-and-swap, and the key is checked
 * again once the slot is held.
 */
static __always_inline struct nt_syn_slot *syn_slot_claim(const struct nt_flow_key *k)
{
	struct nt_syn_slot *s;

	if (!cfg_syn_slots)
		return NULL;
	s = syn_slot_of(k);
	if (!s || s->state != NT_SYN_SLOT_OPEN || !key_eq(&s->key, k))
		return NULL;
	if (__sync_val_compare_and_swap(&s->state, NT_SYN_SLOT_OPEN, NT_SYN_SLOT_BUSY) !=
	    NT_SYN_SLOT_OPEN)
		return NULL;
	if (key_eq(&s->key, k))
		return s;
	__sync_lock_test_and_set(&s->state, NT_SYN_SLOT_OPEN);
	return NULL;
}

/*
 * A parked SYN's flow goes into the table as it is. When it cannot (the
 * table is full, or another CPU made an entry of the tuple first), its
 * value goes up as a flow of its own (NT_EV_FLOW_END), or its counts into
 * the loss counters when the ring is full too. Returns 1 when in the table.
 */
static __always_inline int syn_promote(struct acct *a, struct nt_flow_val *v)
{
	struct nt_stats *st = stats_get();
	struct nt_flow_end *ev;
	long r = bpf_map_update_elem(&flows, &a->key, v, BPF_NOEXIST);

	if (r == 0) {
		tcp_present_add(&a->key, 1);
		stat_inc(st, NT_STAT_SYN_PROMOTED);
		return 1;
	}
	stat_inc(st, NT_STAT_SYN_SPILLED); /* (not table_full: nothing is lost) */
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(st, NT_STAT_RINGBUF_FULL);
		stat_add(st, NT_STAT_OVERFLOW_LOST_PKTS, v->pkts[0] + v->pkts[1]);
		stat_add(st, NT_STAT_OVERFLOW_LOST_BYTES, v->bytes[0] + v->bytes[1]);
		return 0;
	}
	flow_end_submit(ev, &a->key, v, a->ifindex);
	return 0;
}

/*
 * After a parked SYN's flow counted a packet (r: flow_update's result): the
 * SYN again leaves it parked; its end (a refusing RST) frees the slot;
 * anything else moves it into the table. Returns the table entry whose
 * payload sampling is next, or NULL when nothing is left to do.
 */
static __always_inline struct nt_flow_val *syn_slot_settle(struct pkt *p, struct acct *a,
							   struct nt_syn_slot *s, int r)
{
	struct nt_flow_val *v = NULL;

	if (r == FLOW_COUNTED && p->ip_bytes <= p->hdr_len &&
	    (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK | NT_TCP_RST | NT_TCP_FIN)) == NT_TCP_SYN) {
		__sync_lock_test_and_set(&s->state, NT_SYN_SLOT_OPEN);
		return NULL;
	}
	if (r != FLOW_ENDED && syn_promote(a, &s->val) && r == FLOW_COUNTED &&
	    p->ip_bytes > p->hdr_len)
		v = bpf_map_lookup_elem(&flows, &a->key);
	__sync_lock_test_and_set(&s->state, NT_SYN_SLOT_FREE);
	return v;
}

__noinline int account(struct __sk_buff *skb, struct pkt *p, __u32 hook);

/* translated connections: nat_on_miss() and tc_nat_ct */
#include "lib/nat.bpf.h"
/* on-demand capture: capture_flow(), capture_miss() (docs/capture.md) */
#include "lib/capture.bpf.h"

/*
 * Counts one parsed packet into its flow: flow_new() or flow_update(),
 * then flow_sample(). A global function: the verifier checks it once with
 * the packet's fields unknown, rather than once for every way through the
 * parser (which multiplied its work sixfold). The per-CPU counters are
 * looked up (stats_get) only on the rare paths that count something: an
 * established packet never does.
 */
__noinline int account(struct __sk_buff *skb, struct pkt *p, __u32 hook)
{
	struct nt_syn_slot *s = NULL;
	struct acct a = {};
	struct nt_flow_val *v;
	int tcp, r;

	if (!skb || !p)
		return 0;
	a.ifindex = skb->ifindex;
	a.hook = hook;
	a.park = 1;
	/* Wire accounting: a GSO packet is gso_segs packets on the wire,
	 * each with its own copy of the headers. */
	a.segs = skb->gso_segs;
	a.bytes = p->ip_bytes;
	if (a.segs > 1)
		a.bytes += (a.segs - 1) * p->hdr_len;
	else
		a.segs = 1;
	/* lower endpoint first; side: the key side of the sender */
	a.side = nt_flow_key_make(&a.key, p->src, p->dst, p->sport, p->dport, p->proto,
				  p->ip_version, p->icmp_echo);

	/* An answer to a parked SYN (RST, SYN+ACK), or the SYN again, finds
	 * its SYN slot first; a SYN (without ACK) inserts first; anything
	 * else looks up first, and a TCP packet that finds nothing tries the
	 * slot (the initiator's ACK or data after an unseen SYN+ACK). */
	tcp = p->proto == IPPROTO_TCP;
	if (tcp && (p->tcp_flags & (NT_TCP_SYN | NT_TCP_RST)))
		s = syn_slot_claim(&a.key);
	if (s)
		v = &s->val;
	else if (tcp && (p->tcp_flags & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN)
		v = NULL;
	else if (!(v = bpf_map_lookup_elem(&flows, &a.key)) && tcp &&
		 !(p->tcp_flags & (NT_TCP_SYN | NT_TCP_RST)) && (s = syn_slot_claim(&a.key)))
		v = &s->val;
	if (!v) {
		/* idle: this load and branch only (here and below) */
		if (capture_flags)
			capture_miss(skb, p, &a.key, hook);
		if (nat_on_miss(skb, p, &a))
			return TC_ACT_UNSPEC; /* a translated half: counted once */
		a.cap = p->cap;		      /* the entry this packet makes, its owner's */
		switch (flow_new(skb, p, &a, &v)) {
		case FLOW_INSERTED:
			/* counted; what is left is its payload */
			if (p->ip_bytes <= p->hdr_len)
				return TC_ACT_UNSPEC;
			v = bpf_map_lookup_elem(&flows, &a.key);
			if (v)
				goto sample;
			return TC_ACT_UNSPEC;
		case FLOW_RACED:
			break; /* count into the entry that is there */
		default:
			return TC_ACT_UNSPEC; /* parked, or lost (counted) */
		}
	} else if (capture_flags)
		capture_flow(skb, p, &a.key, v, hook);
	a.in_slot = s != NULL;
	r = flow_update(skb, p, &a, v);
	if (s && !(v = syn_slot_settle(p, &a, s, r)))
		return TC_ACT_UNSPEC;
	if (r != FLOW_COUNTED)
		return TC_ACT_UNSPEC;
sample:
	flow_sample(skb, p, &a, v);
	return TC_ACT_UNSPEC;
}

static __always_inline int handle(struct __sk_buff *skb, __u8 hook, int l2)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct nt_stats *st = stats_get();
	__u32 off = 0;
	struct pkt p = {};
	__be16 proto;
	int r;

	stat_inc(st, NT_STAT_PACKETS);
	if (l2) {
		if (eth_parse(data, data_end, &proto, &off) < 0)
			goto err_l2;
	} else {
		proto = skb->protocol;
	}

	p.l3off = off;
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(skb, &p, off, st);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(skb, &p, off, st);
	else {
		stat_inc(st, NT_STAT_NON_IP);
		if (capture_flags && l2 && proto == bpf_htons(ETH_P_ARP))
			capture_arp(skb, off, hook);
		return TC_ACT_UNSPEC;
	}
	if (r < 0)
		return TC_ACT_UNSPEC;
	return account(skb, &p, hook);

err_l2:
	stat_inc(st, NT_STAT_ERR_L2);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return handle(skb, NT_HOOK_TC_INGRESS, 1);
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	return handle(skb, NT_HOOK_TC_EGRESS, 1);
}

/* For interfaces without a link-layer header (tun, wireguard, ipip). */
SEC("tc")
int tc_ingress_l3(struct __sk_buff *skb)
{
	return handle(skb, NT_HOOK_TC_INGRESS, 0);
}

SEC("tc")
int tc_egress_l3(struct __sk_buff *skb)
{
	return handle(skb, NT_HOOK_TC_EGRESS, 0);
}

/* An empty program: the baseline for the per-packet cost benchmark. */
SEC("tc")
int tc_empty(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
