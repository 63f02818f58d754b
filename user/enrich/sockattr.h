/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sockattr.h - local process and cgroup attribution of flows: loads
 * bpf/sock.bpf.c, attaches its six programs to the cgroup v2 root, drains
 * the attributions into a bounded table keyed by struct nt_flow_key (the
 * key the TC programs count under). See docs/process.md.
 *
 * Not thread safe: one owner (the collector thread).
 */
#ifndef NETTRAIL_SOCKATTR_H
#define NETTRAIL_SOCKATTR_H

#include <stddef.h>
#include <stdint.h>

#include "nt_sock.h"

struct nt_sockattr;

struct nt_sockattr_opts {
	uint32_t max_flows;   /* userspace table entries (default 131072,
	                        * about 200 bytes each); past it the least
	                        * recently used entry is evicted (counted) */
	uint32_t kernel_lru;  /* kernel (flow, socket) LRU for unconnected
	                        * sockets (default 65536, ~100 bytes each) */
	uint32_t ringbuf_kib; /* ring buffer (default 256 KiB: ~3,600 new
	                        * flows between two polls) */
};

/* Loads the sock.bpf.o skeleton, attaches all six programs to the cgroup
 * v2 root (cgroup_root, or NULL: discovered from /proc/mounts). NULL and
 * a one-line message in err on failure, with nothing left attached. */
struct nt_sockattr *nt_sockattr_open(const char *cgroup_root, char *err, size_t errlen);
/* The same with limits (o may be NULL: defaults). */
struct nt_sockattr *nt_sockattr_open_opts(const char *cgroup_root, const struct nt_sockattr_opts *o,
					  char *err, size_t errlen);

/* Drains pending attributions (no syscall when there are none: the ring
 * is memory mapped). Returns how many were taken, or -1. Call every tick. */
int nt_sockattr_poll(struct nt_sockattr *s);

/* The attribution of a flow, NULL if none. When both ends are local
 * sockets (loopback, same-node pods), the side with a process wins, then
 * the first one seen; nt_sockattr_find_side() gives each. The pointer is
 * valid until the next poll/forget/close. */
const struct nt_sock_attr *nt_sockattr_find(struct nt_sockattr *s, const struct nt_flow_key *k);
/* The attribution of the local socket at key side `side` (0/1), or NULL. */
const struct nt_sock_attr *nt_sockattr_find_side(struct nt_sockattr *s, const struct nt_flow_key *k,
						 int side);

/* Drops the flow's attribution (after the flow's final report). */
void nt_sockattr_forget(struct nt_sockattr *s, const struct nt_flow_key *k);

/* lost: attributions lost (ring full, socket storage refused, evicted from
 * a full table); tracked: flows in the table now. */
void nt_sockattr_counters(struct nt_sockattr *s, uint64_t *lost, uint64_t *tracked);

struct nt_sockattr_stats {
	uint64_t events;       /* attributions received */
	uint64_t ringbuf_full; /* lost in the kernel: ring full */
	uint64_t no_storage;   /* socket storage could not be created */
	uint64_t parse_errors; /* socket packets with unreadable headers */
	uint64_t proc_set;     /* connect/sendmsg noted a process */
	uint64_t evicted;      /* entries evicted from a full table */
	uint64_t tracked;      /* entries now */
};
void nt_sockattr_stats(struct nt_sockattr *s, struct nt_sockattr_stats *st);

/* The cgroup v2 mount the programs are attached to. */
const char *nt_sockattr_cgroup_root(struct nt_sockattr *s);

/* Detaches everything, frees everything. NULL is fine. */
void nt_sockattr_close(struct nt_sockattr *s);

#endif /* NETTRAIL_SOCKATTR_H */
