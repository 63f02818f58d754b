/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * flow_key.bpf.h - the canonical flow key on the BPF side: struct
 * nt_flow_key and its one builder nt_flow_key_make() come from nettrail.h
 * (shared with userspace); here, the key as five 64-bit words, for the
 * compares and copies a program makes per packet.
 */
#ifndef NT_BPF_LIB_FLOW_KEY_H
#define NT_BPF_LIB_FLOW_KEY_H

#include "common.bpf.h"
#include "nettrail.h"

#define FLOW_KEY_WORDS 5

union flow_key_words {
	struct nt_flow_key key;
	__u64 w[FLOW_KEY_WORDS];
};

_Static_assert(sizeof(struct nt_flow_key) == FLOW_KEY_WORDS * 8,
	       "struct nt_flow_key is five 64-bit words");

static __always_inline int flow_key_equal(const union flow_key_words *a,
					  const union flow_key_words *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] &&
	       a->w[3] == b->w[3] && a->w[4] == b->w[4];
}

static __always_inline void flow_key_copy(union flow_key_words *dst,
					  const union flow_key_words *src)
{
	dst->w[0] = src->w[0];
	dst->w[1] = src->w[1];
	dst->w[2] = src->w[2];
	dst->w[3] = src->w[3];
	dst->w[4] = src->w[4];
}

#endif /* NT_BPF_LIB_FLOW_KEY_H */
