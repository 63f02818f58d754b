// SPDX-License-Identifier: BSD-2-Clause
/* hset.c - see hset.h. */
#include "hset.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static uint32_t slot_of(const struct dt_hset *s, uint64_t key)
{
	uint32_t mask = s->cap - 1, i = (uint32_t)(key ^ (key >> 32)) & mask;

	while (s->key[i] && s->key[i] != key)
		i = (i + 1) & mask;
	return i;
}

static void rehash(struct dt_hset *s, uint32_t cap)
{
	struct dt_hset n = { calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(dt_time)), cap, 0 };

	if (!n.key || !n.t)
		abort();
	for (uint32_t i = 0; i < s->cap; i++) {
		if (!s->key[i])
			continue;
		uint32_t j = slot_of(&n, s->key[i]);

		n.key[j] = s->key[i];
		n.t[j] = s->t[i];
		n.n++;
	}
	free(s->key);
	free(s->t);
	*s = n;
}

int dt_hset_add(struct dt_hset *s, uint64_t key, dt_time t)
{
	uint32_t i;

	if (!key)
		key = 1;
	if (!s->cap || (s->n + 1) * 2 > s->cap)
		rehash(s, s->cap ? s->cap * 2 : 16);
	i = slot_of(s, key);
	if (s->key[i]) {
		if (t > s->t[i])
			s->t[i] = t;
		return 0;
	}
	s->key[i] = key;
	s->t[i] = t;
	s->n++;
	return 1;
}

int dt_hset_has(const struct dt_hset *s, uint64_t key)
{
	if (!key)
		key = 1;
	return s->cap && s->key[slot_of(s, key)] == key;
}

void dt_hset_prune(struct dt_hset *s, dt_time before)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < s->cap; i++)
		if (s->key[i] && s->t[i] >= before)
			kept++;
	if (kept == s->n)
		return;
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->key[i] && s->t[i] < before)
			s->key[i] = 0;
	/* reinsert what is left: open addressing has no tombstones */
	s->n = kept;
	rehash(s, s->cap);
}

size_t dt_hset_bytes(const struct dt_hset *s)
{
	/* two arrays, as malloc holds them */
	return dt_alloc_bytes(sizeof(uint64_t) * s->cap) + dt_alloc_bytes(sizeof(dt_time) * s->cap);
}

void dt_hset_free(struct dt_hset *s)
{
	free(s->key);
	free(s->t);
	memset(s, 0, sizeof(*s));
}

uint64_t dt_hash_str(const char *s, int fold)
{
	char buf[512];
	size_t n = strlen(s);

	if (!fold || n >= sizeof(buf))
		return XXH3_64bits(s, n);
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	return XXH3_64bits(buf, n);
}
