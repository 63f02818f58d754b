// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock.bpf.c - local process and cgroup attribution of flows.
 *
 * Six programs, all attached to the cgroup v2 root (so every socket of the
 * node, in every network namespace, passes through them):
 *
 *   cgroup/connect4, connect6   process context: note pid, uid and comm of
 *   cgroup/sendmsg4, sendmsg6   the caller in the socket's storage
 *   cgroup_skb/egress, ingress  once per (flow, socket): send the flow key,
 *                               the socket's cgroup id, its local side and
 *                               whatever process the storage holds up a
 *                               ring buffer
 *
 * These programs only attribute: they never count a packet (the TC programs
 * of flow.bpf.c are the only counters) and always allow it (return 1).
 *
 * Per packet on a connected socket (TCP other than a listener, connected
 * UDP) once the flow is attributed: one socket-storage lookup and two
 * compares. Unconnected UDP sockets (many peers) parse the headers, compare
 * the key with the socket's last one and, when it differs, look it up in an
 * LRU map keyed by flow.
 */
#include "lib/common.bpf.h"
#include "lib/stats.bpf.h"
#include "lib/ipv4.bpf.h"
#include "lib/ipv6.bpf.h"
#include "lib/l4.bpf.h"
#include "lib/flow_key.bpf.h"
#include "nt_sock.h"

/* What a socket remembers. Cloned with the socket (BPF_F_CLONE): an
 * accepted socket starts with its listener's state, so the flow the
 * listener attributed on the SYN is not sent up a second time. */
struct sk_state {
	union flow_key_words last; /* the last flow sent up (or found sent) */
	__u32 pid, uid;
	char comm[16];
	__u32 gen; /* bumped whenever the process info changes */
	__u8 has_proc;
	__u8 done; /* `last` is attributed with this gen */
	__u8 _pad[2];
};

struct flow_seen {
	__u64 cookie; /* socket that sent it up */
	__u32 gen;    /* with this process info */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sk_state);
} sk_state SEC(".maps");

/* (flow, socket) pairs already sent up, for unconnected sockets and
 * listeners. Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nt_flow_key);
	__type(value, struct flow_seen);
} sock_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sock_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_sock_stats);
} sock_stats SEC(".maps");

static __always_inline void sock_stat_inc(int idx)
{
	struct nt_sock_stats *st = stats_lookup(&sock_stats);

	stat_inc(st, idx);
}

/* ---- process context: connect, sendmsg ------------------------------ */

static __always_inline void note_proc(struct sk_state *st, __u32 pid)
{
	st->pid = pid;
	st->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(st->comm, sizeof(st->comm));
	st->has_proc = NT_PROC_SENDER;
	st->gen++;
	st->done = 0;
	sock_stat_inc(NT_SOCK_STAT_PROC_SET);
}

/* connect(): a new peer (and maybe a new process): attribute afresh. */
static __always_inline int on_connect(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct sk_state *st;

	if (!sk)
		return 1;
	st = bpf_sk_storage_get(&sk_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sock_stat_inc(NT_SOCK_STAT_NO_STORAGE);
		return 1;
	}
	note_proc(st, bpf_get_current_pid_tgid() >> 32);
	return 1;
}

/* sendmsg() with an address on an unconnected UDP socket: per datagram,
 * so the common case (same process as last time) returns at once. */
static __always_inline int on_sendmsg(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct sk_state *st;
	__u32 pid;

	if (!sk)
		return 1;
	st = bpf_sk_storage_get(&sk_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sock_stat_inc(NT_SOCK_STAT_NO_STORAGE);
		return 1;
	}
	pid = bpf_get_current_pid_tgid() >> 32;
	if (st->has_proc && st->pid == pid)
		return 1;
	note_proc(st, pid);
	return 1;
}

SEC("cgroup/connect4")
int nt_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx);
}

SEC("cgroup/connect6")
int nt_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx);
}

SEC("cgroup/sendmsg4")
int nt_sendmsg4(struct bpf_sock_addr *ctx)
{
	return on_sendmsg(ctx);
}

SEC("cgroup/sendmsg6")
int nt_sendmsg6(struct bpf_sock_addr *ctx)
{
	return on_sendmsg(ctx);
}

/* ---- packets: cgroup_skb at the root -------------------------------- */

/* Reads the packet's addresses and ports (the skb starts at the IP header)
 * into the canonical key. Returns the side of the key that sent it, or -1. */
static __always_inline int packet_key(struct __sk_buff *skb, struct nt_flow_key *k)
{
	__u32 src[4] = {}, dst[4] = {};
	__u16 sport, dport;
	__be16 ports[2];
	__u32 l4off;
	__u8 proto, ver, first;

	if (bpf_skb_load_bytes(skb, 0, &first, 1))
		return -1;
	ver = first >> 4;
	if (ver == 4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return -1;
		l4off = ipv4_hdrlen(&ip);
		if (l4off < IPV4_HLEN_MIN)
			return -1;
		/* a later fragment carries no ports; cgroup hooks see whole
		 * datagrams (egress before fragmentation, ingress after
		 * reassembly), so this is not expected */
		if (ipv4_is_later_fragment(bpf_ntohs(ip.frag_off)))
			return -1;
		proto = ip.protocol;
		ipv4_mapped(src, ip.saddr);
		ipv4_mapped(dst, ip.daddr);
	} else if (ver == 6) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return -1;
		__builtin_memcpy(src, &ip6.saddr, 16);
		__builtin_memcpy(dst, &ip6.daddr, 16);
		proto = ip6.nexthdr;
		l4off = IPV6_HLEN;
		/* the TC programs' walk; a later fragment has no ports */
		if (ipv6_skip_exthdrs(skb, &proto, &l4off, NULL, NULL) != IPV6_WALK_L4)
			return -1;
	} else {
		return -1;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -1;
	if (l4off > 1024 || bpf_skb_load_bytes(skb, l4off, ports, 4))
		return -1;
	l4_ports(ports, &sport, &dport);
	return nt_flow_key_make(k, src, dst, sport, dport, proto, ver, 0);
}

static __always_inline void emit(struct __sk_buff *skb, struct sk_state *st, struct nt_flow_key *k,
				 __u8 local_side, __u8 hook, __u64 cookie)
{
	struct nt_sock_event *ev;

	ev = bpf_ringbuf_reserve(&sock_events, sizeof(*ev), 0);
	if (!ev) {
		sock_stat_inc(NT_SOCK_STAT_RINGBUF_FULL);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->key = *k;
	ev->attr.cgroup_id = bpf_skb_cgroup_id(skb);
	ev->attr.sock_cookie = cookie;
	ev->attr.local_side = local_side;
	ev->attr.hook = hook;
	if (st->has_proc) {
		ev->attr.has_proc = st->has_proc;
		ev->attr.pid = st->pid;
		ev->attr.uid = st->uid;
		__builtin_memcpy(ev->attr.comm, st->comm, sizeof(ev->attr.comm));
		ev->attr.comm[15] = 0;
	}
	bpf_ringbuf_submit(ev, 0);
	sock_stat_inc(NT_SOCK_STAT_EVENTS);
}

static __always_inline int handle(struct __sk_buff *skb, __u8 hook)
{
	union flow_key_words k = {};
	struct bpf_sock *sk = skb->sk;
	struct flow_seen *seen, nseen = {};
	struct sk_state *st;
	int side, connected;
	__u64 cookie;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP)
		return 1;
	/* the kernel's own TCP control sockets (RSTs and ACKs sent for no
	 * socket, or for a time-wait one) are full sockets in state CLOSE:
	 * such packets belong to no local socket and are not attributed */
	if (sk->protocol == IPPROTO_TCP && sk->state == BPF_TCP_CLOSE)
		return 1;
	st = bpf_sk_storage_get(&sk_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		sock_stat_inc(NT_SOCK_STAT_NO_STORAGE);
		return 1;
	}
	/* a connected socket has one flow: once it is attributed, done */
	if (sk->protocol == IPPROTO_TCP)
		connected = sk->state != BPF_TCP_LISTEN;
	else
		connected = sk->dst_port != 0;
	if (connected && st->done)
		return 1;

	side = packet_key(skb, &k.key);
	if (side < 0) {
		sock_stat_inc(NT_SOCK_STAT_PARSE_ERR);
		return 1;
	}
	if (st->done && flow_key_equal(&st->last, &k))
		return 1;

	cookie = bpf_get_socket_cookie(skb);
	if (!connected) {
		/* many flows on one socket: was this one sent up? */
		seen = bpf_map_lookup_elem(&sock_seen, &k.key);
		if (seen && seen->cookie == cookie && seen->gen == st->gen)
			goto remember;
		nseen.cookie = cookie;
		nseen.gen = st->gen;
		bpf_map_update_elem(&sock_seen, &k.key, &nseen, BPF_ANY);
	}
	/* egress: the packet's source is local; ingress: its destination */
	emit(skb, st, &k.key, hook == NT_SOCK_HOOK_EGRESS ? side : !side, hook, cookie);
remember:
	flow_key_copy(&st->last, &k);
	st->done = 1;
	return 1;
}

SEC("cgroup_skb/egress")
int nt_skb_egress(struct __sk_buff *skb)
{
	return handle(skb, NT_SOCK_HOOK_EGRESS);
}

SEC("cgroup_skb/ingress")
int nt_skb_ingress(struct __sk_buff *skb)
{
	return handle(skb, NT_SOCK_HOOK_INGRESS);
}

/* Test hook (tests/datapath): packet_key() alone, on frames that
 * BPF_PROG_TEST_RUN hands it (their socket is a dummy one that handle()
 * would skip). nt_sockattr_open() neither loads it nor creates its map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_sock_probe);
} sock_probe SEC(".maps");

SEC("cgroup_skb/egress")
int nt_key_probe(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct nt_sock_probe *pr = bpf_map_lookup_elem(&sock_probe, &zero);

	if (pr) {
		pr->side = packet_key(skb, &pr->key);
		pr->runs++;
	}
	return 1;
}

/* Empty programs: the baseline of the per-packet cost benchmark (the cost
 * of any cgroup program being attached at all). Never attached by
 * nt_sockattr_open(). */
SEC("cgroup_skb/egress")
int nt_skb_empty(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int nt_sendmsg_empty(struct bpf_sock_addr *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
