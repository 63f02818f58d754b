// SPDX-License-Identifier: BSD-2-Clause
/* stream.c - a TCP stream direction rebuilt up to a cap (see stream.h). */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#define STEP 4096

struct nt_stream *nt_stream_new(uint32_t base, uint32_t cap)
{
	struct nt_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->filled = calloc(cap / 8 + 1, 1);
	if (!st->filled) {
		free(st);
		return NULL;
	}
	st->base = base;
	st->cap = cap;
	return st;
}

void nt_stream_free(struct nt_stream *st)
{
	if (!st)
		return;
	free(st->buf);
	free(st->filled);
	free(st);
}

static bool is_filled(const struct nt_stream *st, uint32_t i)
{
	return st->filled[i >> 3] & (1u << (i & 7));
}

/* buf holds at least end bytes (end <= cap), growing by STEP. */
static int grow(struct nt_stream *st, uint32_t end)
{
	uint32_t n;
	uint8_t *b;

	if (end <= st->alloc)
		return 0;
	n = (end + STEP - 1) / STEP * STEP;
	if (n > st->cap)
		n = st->cap;
	b = realloc(st->buf, n);
	if (!b)
		return -1;
	st->buf = b;
	st->alloc = n;
	return 0;
}

long nt_stream_add(struct nt_stream *st, uint32_t seq, const uint8_t *data, size_t len)
{
	int32_t rel = (int32_t)(seq - st->base);
	uint64_t start, end;

	if (rel < 0) {
		/* before the base: keep only what reaches past it */
		if ((uint64_t) - (int64_t)rel >= len)
			return st->have;
		data += -(int64_t)rel;
		len -= (size_t) - (int64_t)rel;
		rel = 0;
	}
	start = (uint64_t)rel;
	end = start + len;
	if (end > st->cap) {
		st->capped = true;
		end = st->cap;
	}
	if (start >= end)
		return st->have;
	if (grow(st, (uint32_t)end))
		return -1;
	for (uint64_t i = start; i < end; i++) {
		if (is_filled(st, (uint32_t)i))
			continue; /* the bytes seen first stay */
		st->buf[i] = data[i - start];
		st->filled[i >> 3] |= (uint8_t)(1u << (i & 7));
	}
	while (st->have < st->cap && is_filled(st, st->have))
		st->have++;
	return st->have;
}
