/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nt_sock.h - the kernel/userspace ABI of the socket attribution programs
 * (bpf/sock.bpf.c, user/sockattr.c): which local socket, cgroup and process
 * a flow belongs to. See docs/process.md.
 *
 * Included from BPF C (after vmlinux.h) and from userspace C, like
 * nettrail.h, whose struct nt_flow_key it shares: the attribution of a flow
 * is keyed by exactly the key the TC programs count it under.
 */
#ifndef NETTRAIL_NT_SOCK_H
#define NETTRAIL_NT_SOCK_H

#include "nettrail.h"

/* struct nt_sock_attr.has_proc */
enum nt_sock_proc {
	NT_PROC_NONE = 0,   /* no process known (accepted socket, socket
	                       * older than the programs, kernel socket) */
	NT_PROC_SENDER = 1, /* the process that called connect() or, for an
	                       * unconnected UDP socket, sendmsg() */
};

/* struct nt_sock_attr.hook: the hook that saw the flow's first packet on
 * this socket */
enum nt_sock_hook {
	NT_SOCK_HOOK_EGRESS = 1,
	NT_SOCK_HOOK_INGRESS = 2,
};

/*
 * What one local socket says about a flow. A flow between two local
 * sockets (loopback, same-node pods) has one of these per side.
 */
struct nt_sock_attr {
	__u64 cgroup_id;   /* cgroup v2 id (inode) of the socket's cgroup */
	__u64 sock_cookie; /* SO_COOKIE of the local socket */
	__u32 pid;	   /* process (thread group) id; 0 unless has_proc */
	__u32 uid;	   /* its real uid; 0 unless has_proc */
	char comm[16];	   /* its comm, NUL-terminated; "" unless has_proc */
	__u8 local_side;   /* 0: the key's side 0 (addr[0]/port[0]) is this
	                        * socket's end, 1: side 1 is */
	__u8 has_proc;	   /* enum nt_sock_proc */
	__u8 hook;	   /* enum nt_sock_hook */
	__u8 _pad[5];
};

/* One ring buffer record: a (flow, local socket) seen for the first time. */
struct nt_sock_event {
	struct nt_flow_key key;
	struct nt_sock_attr attr;
};

/* Per-CPU counters of the attribution programs (one per-CPU array element). */
enum nt_sock_stat {
	NT_SOCK_STAT_EVENTS = 0,   /* attributions sent up the ring */
	NT_SOCK_STAT_RINGBUF_FULL, /* attributions lost: ring full */
	NT_SOCK_STAT_NO_STORAGE,   /* socket storage could not be created:
	                             * packet not attributed */
	NT_SOCK_STAT_PARSE_ERR,	   /* a socket packet whose IP/L4 header could
	                             * not be read */
	NT_SOCK_STAT_PROC_SET,	   /* connect/sendmsg recorded a process */
	NT_SOCK_STAT_MAX,
};

struct nt_sock_stats {
	__u64 v[NT_SOCK_STAT_MAX];
};

/* The test hook's record (sock.bpf.c nt_key_probe, tests/datapath): what
 * the packet parser made of the last frame run through it. */
struct nt_sock_probe {
	struct nt_flow_key key; /* valid when side >= 0 */
	__s32 side;		/* key side of the packet's source, -1: not
	                         * parsed (counted as PARSE_ERR by handle()) */
	__u32 runs;
};

/*
 * The canonical key of a TCP or UDP packet: nt_flow_key_make() of
 * nettrail.h, the one builder both BPF programs key flows with, so an
 * attribution is keyed byte for byte as the TC programs count the flow
 * (the sockattr suite checks it on real traffic). Returns 1 when the
 * source went to side 1.
 */
static inline __attribute__((always_inline)) __u8
nt_sock_make_key(struct nt_flow_key *k, const __u32 *src, const __u32 *dst, __u16 sport,
		 __u16 dport, __u8 proto, __u8 ip_version)
{
	return nt_flow_key_make(k, src, dst, sport, dport, proto, ip_version, 0);
}

#endif /* NETTRAIL_NT_SOCK_H */
