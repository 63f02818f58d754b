/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stats.bpf.h - per-CPU counters. A program keeps them in one element of a
 * BPF_MAP_TYPE_PERCPU_ARRAY whose value is a struct of one array, __u64
 * v[] (struct nt_stats, struct nt_sock_stats); userspace sums the CPUs.
 * Look the element up once (stats_lookup) and count through the pointer,
 * which may be NULL: a counter is never a reason to fail.
 */
#ifndef NT_BPF_LIB_STATS_H
#define NT_BPF_LIB_STATS_H

#include "common.bpf.h"

static __always_inline void *stats_lookup(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/* st: a pointer to the counters struct, or NULL; idx: its enum constant
 * (an index out of range counts nothing, and is folded away when constant) */
#define stat_add(st, idx, n)                                           \
	do {                                                           \
		typeof(st) __st = (st);                                \
		if (__st && (idx) >= 0 && (idx) < ARRAY_SIZE(__st->v)) \
			__st->v[(idx)] += (n);                         \
	} while (0)

#define stat_inc(st, idx) stat_add(st, idx, 1)

#endif /* NT_BPF_LIB_STATS_H */
