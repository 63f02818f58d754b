/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hset.h - a set of 64-bit hashes with a time each (open addressing).
 *
 * The windowed rules keep what they have seen as hashes, not strings: the
 * unique subdomains of a registered domain (dns_tunnel), the destinations of
 * a workload (new_destination). Each member keeps the last event time it was
 * seen, so a window can drop what it no longer covers. 16 bytes a slot at
 * a load of at most 1/2; dt_hset_bytes() (the two arrays' malloc chunks) is
 * what the state store accounts.
 */
#ifndef DT_HSET_H
#define DT_HSET_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

struct dt_hset {
	uint64_t *key; /* 0: an empty slot (a hash of 0 is stored as 1) */
	dt_time *t;
	uint32_t cap, n;
};

/* 1 when key is new, 0 when it was there (its time becomes the later one). */
int dt_hset_add(struct dt_hset *s, uint64_t key, dt_time t);
int dt_hset_has(const struct dt_hset *s, uint64_t key);
/* Drops the members last seen before `before`. */
void dt_hset_prune(struct dt_hset *s, dt_time before);
size_t dt_hset_bytes(const struct dt_hset *s);
void dt_hset_free(struct dt_hset *s);

/* The hash of a string (XXH3, 64 bits), case-folded for ASCII when fold. */
uint64_t dt_hash_str(const char *s, int fold);

#endif
