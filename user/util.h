/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util.h - the clock, hex, buffer and hash-table helpers the stages share
 * (header only: the parsers are built alone, for the fuzzers and benches).
 */
#ifndef NT_UTIL_H
#define NT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define NT_NS_PER_S 1000000000ull

/* Lower-case hex digits (static: the parsers link without the rest). */
static const char nt_hexdig[16] = "0123456789abcdef";

static inline uint64_t nt_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static inline uint64_t nt_mono_ns(void)
{
	return nt_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t nt_mono_ms(void)
{
	return nt_mono_ns() / 1000000;
}

/* n bytes as 2n lower-case hex digits and a NUL (out holds 2n + 1). */
static inline void nt_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = nt_hexdig[b[i] >> 4];
		out[2 * i + 1] = nt_hexdig[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * buf realloc'd to the first doubling of *cap (of min when *cap is 0) that
 * holds need bytes: the new buffer, *cap set; NULL when out of memory or
 * of size_t, buf and *cap as they were.
 */
static inline void *nt_grow(void *buf, size_t *cap, size_t need, size_t min)
{
	size_t c = *cap ? *cap : min;
	void *nb;

	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	nb = realloc(buf, c);
	if (nb)
		*cap = c;
	return nb;
}

/*
 * Takes every entry out of the uthash table head (handle hh) and hands it
 * to drop, which frees it; head is NULL after. For files with uthash.h.
 */
#define NT_HASH_DRAIN(head, drop)                   \
	do {                                        \
		__typeof__(head) nt_e_, nt_t_;      \
		HASH_ITER(hh, head, nt_e_, nt_t_) { \
			HASH_DEL(head, nt_e_);      \
			drop(nt_e_);                \
		}                                   \
	} while (0)

#endif
