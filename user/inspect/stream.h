/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream.h - one TCP stream direction rebuilt from its segments, up to a
 * byte cap, from a base sequence number on.
 *
 * For the long prefixes (a TLS certificate flight: tens of KiB over many
 * segments) that the fixed 4 KiB prefix of payload.c does not hold. Each
 * byte has a place (seq - base) in one buffer that grows by 4 KiB steps up
 * to the cap, and a bit saying it was filled: segments may come out of
 * order, repeat or overlap, and the bytes seen first are kept. Bytes before
 * the base are dropped; bytes past the cap set `capped`. `have` is the
 * length of the contiguous prefix. Memory: the cap and an eighth of it.
 */
#ifndef NT_STREAM_H
#define NT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nt_stream {
	uint32_t base;	 /* sequence number of byte 0 */
	uint32_t cap;	 /* bytes it may ever hold */
	uint32_t alloc;	 /* bytes of buf allocated */
	uint32_t have;	 /* contiguous bytes from byte 0 */
	bool capped;	 /* a segment reached past the cap */
	uint8_t *buf;	 /* alloc bytes */
	uint8_t *filled; /* cap / 8 + 1 bytes: one bit per byte */
};

/* A stream that starts at base and holds at most cap bytes; NULL when out
 * of memory. */
struct nt_stream *nt_stream_new(uint32_t base, uint32_t cap);
void nt_stream_free(struct nt_stream *st);

/*
 * Adds a segment. Returns the contiguous length (st->have), or -1 when out
 * of memory (the segment is dropped).
 */
long nt_stream_add(struct nt_stream *st, uint32_t seq, const uint8_t *data, size_t len);

#endif
