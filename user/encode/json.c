// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * json.c - the JSON-lines writer declared in json.h.
 *
 * Every value is appended in one pass: jw_begin() reserves room for the
 * separator, the key and the value's worst-case length, writes the first
 * two and hands back a pointer for the value. Strings are the exception:
 * their escaped length is unknown, so they reserve per run.
 */
#include "json.h"
#include "util.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_DEFAULT_CAP 256

/* "00" "01" ... "99": two decimal digits per lookup. */
static const char digits2[200] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

/* plain[c]: byte c is copied into a string as is (printable ASCII other
 * than '"' and '\\'). */
static const unsigned char plain[256] = {
	/* 0x00 - 0x1f: control characters */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0,
	/* 0x20 - 0x2f: '"' is 0x22 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 - 0x5f: '\\' is 0x5c */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1,
	/* 0x70 - 0x7f: DEL is 0x7f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	/* 0x80 - 0xff: zero, non-ASCII goes through the UTF-8 check */
};

/* short_esc[c]: the letter after '\\' for c, or 0 for \u00XX. */
static const char short_esc[0x60] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',  ['\r'] = 'r',
	['\t'] = 't', ['"'] = '"',  ['\\'] = '\\',
};

/* jw_die - report a fatal condition (out of memory, caller bug); never
 * returns. */
static _Noreturn __attribute__((cold)) void jw_die(const char *why)
{
	nt_err("json writer: %s", why);
	abort();
}

/* jw_grow - make room for at least need more bytes, at least doubling. */
static __attribute__((cold, noinline)) void jw_grow(struct jw *w, size_t need)
{
	size_t want, cap;
	char *buf;

	if (need > SIZE_MAX - w->len)
		jw_die("size overflow");
	want = w->len + need;
	cap = w->cap > SIZE_MAX / 2 ? SIZE_MAX : w->cap * 2;
	if (cap < want)
		cap = want;
	buf = realloc(w->buf, cap);
	if (!buf)
		jw_die("out of memory");
	w->buf = buf;
	w->cap = cap;
}

/* jw_reserve - guarantee that n more bytes fit after w->len. */
static inline void jw_reserve(struct jw *w, size_t n)
{
	if (n > w->cap - w->len)
		jw_grow(w, n);
}

/* jw_put - append n bytes. */
static inline void jw_put(struct jw *w, const void *p, size_t n)
{
	jw_reserve(w, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* jw_putc - append one byte. */
static inline void jw_putc(struct jw *w, char c)
{
	jw_reserve(w, 1);
	w->buf[w->len++] = c;
}

/*
 * jw_begin - write the separator and "key": for the next value, with room
 * reserved for vmax more bytes after them. Returns where the value goes;
 * the caller sets w->len past what it writes there.
 */
static inline char *jw_begin(struct jw *w, const char *key, size_t klen, size_t vmax)
{
	char *p;

	jw_reserve(w, klen + 4 + vmax);
	p = w->buf + w->len;
	if (w->depth > 0) {
		if (w->first[w->depth])
			w->first[w->depth] = 0;
		else
			*p++ = ',';
	}
	if (key) {
		*p++ = '"';
		memcpy(p, key, klen);
		p += klen;
		*p++ = '"';
		*p++ = ':';
	}
	return p;
}

/* jw_end - mark everything up to p as written. */
static inline void jw_end(struct jw *w, char *p)
{
	w->len = (size_t)(p - w->buf);
}

void jw_init(struct jw *w, size_t initial_cap)
{
	w->cap = initial_cap ? initial_cap : JW_DEFAULT_CAP;
	w->buf = malloc(w->cap);
	if (!w->buf)
		jw_die("out of memory");
	w->len = 0;
	w->depth = 0;
	memset(w->first, 1, sizeof(w->first));
}

void jw_free(struct jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->depth = 0;
}

void jw_reset(struct jw *w)
{
	/* first[d] is re-armed whenever depth d is entered; depth 0 never
	 * writes commas */
	w->len = 0;
	w->depth = 0;
}

const char *jw_cstr(struct jw *w)
{
	jw_reserve(w, 1);
	w->buf[w->len] = '\0';
	return w->buf;
}

/* jw_open - start a container ('{' or '['). */
static void jw_open(struct jw *w, const char *key, size_t klen, char c)
{
	char *p;

	if (w->depth >= JW_MAX_DEPTH)
		jw_die("nesting deeper than JW_MAX_DEPTH");
	p = jw_begin(w, key, klen, 1);
	*p++ = c;
	jw_end(w, p);
	w->depth++;
	w->first[w->depth] = 1;
}

/* jw_close - end the innermost container with c ('}' or ']'). */
static void jw_close(struct jw *w, char c)
{
	if (w->depth <= 0)
		jw_die("close without open");
	w->depth--;
	jw_putc(w, c);
}

void jw_obj_open_k(struct jw *w, const char *key, size_t klen)
{
	jw_open(w, key, klen, '{');
}

void jw_obj_close(struct jw *w)
{
	jw_close(w, '}');
}

void jw_arr_open_k(struct jw *w, const char *key, size_t klen)
{
	jw_open(w, key, klen, '[');
}

void jw_arr_close(struct jw *w)
{
	jw_close(w, ']');
}

void jw_newline(struct jw *w)
{
	jw_putc(w, '\n');
}

/* ---- strings ---------------------------------------------------------- */

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * word_is_plain - true when none of the 8 bytes in x needs attention:
 * none is < 0x20, >= 0x7f, '"' or '\\'. Each test below is the classic
 * "has a byte less than / more than / equal to" bit trick; they may set
 * the wrong bit position after a match but are never wrong about whether
 * there is one, which is all that is used here.
 */
static inline int word_is_plain(uint64_t x)
{
	uint64_t q = x ^ (ONES * '"');
	uint64_t b = x ^ (ONES * '\\');
	uint64_t t;

	t = (x - ONES * 0x20) & ~x; /* a byte < 0x20 */
	t |= (x + ONES * 0x01) | x; /* a byte >= 0x7f */
	t |= (q - ONES) & ~q;	    /* a '"' */
	t |= (b - ONES) & ~b;	    /* a '\\' */
	return (t & HIGHS) == 0;
}

/* plain_run - length of the prefix of s[0..n) that is copied as is. */
static size_t plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t x;

	while (n - i >= 8) {
		memcpy(&x, s + i, 8);
		if (!word_is_plain(x))
			break;
		i += 8;
	}
	while (i < n && plain[s[i]])
		i++;
	return i;
}

/* put_ascii_escape - escape the ASCII byte c (< 0x80, not plain). */
static void put_ascii_escape(struct jw *w, unsigned char c)
{
	char *p;

	jw_reserve(w, 6);
	p = w->buf + w->len;
	p[0] = '\\';
	if (c < sizeof(short_esc) && short_esc[c]) {
		p[1] = short_esc[c];
		w->len += 2;
		return;
	}
	p[1] = 'u';
	p[2] = '0';
	p[3] = '0';
	p[4] = nt_hexdig[c >> 4];
	p[5] = nt_hexdig[c & 0xf];
	w->len += 6;
}

/*
 * utf8_check - classify the sequence that starts with the non-ASCII byte
 * s[0] (n >= 1 bytes available), following Table 3-7 "Well-Formed UTF-8
 * Byte Sequences" of The Unicode Standard. Returns k > 0 when s[0..k) is
 * well-formed, or -m when s[0..m) (m >= 1) is the maximal subpart of an
 * ill-formed sequence, to be replaced by one U+FFFD.
 */
static int utf8_check(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int need, k;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* no overlongs */
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* no overlongs */
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		return -1; /* continuation byte, C0, C1, F5..FF */
	}
	for (k = 1; k <= need; k++) {
		if ((size_t)k >= n || s[k] < lo || s[k] > hi)
			return -k;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* put_utf8 - write the non-ASCII sequence at s, escaped or replaced as
 * needed; returns the number of input bytes consumed (>= 1). */
static size_t put_utf8(struct jw *w, const unsigned char *s, size_t n)
{
	int k = utf8_check(s, n);

	if (k < 0) {
		jw_put(w, "\\ufffd", 6);
		return (size_t)-k;
	}
	if (k == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) {
		jw_put(w, s[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
		return 3;
	}
	jw_put(w, s, (size_t)k);
	return (size_t)k;
}

/* put_escaped - write s[0..n) as the inside of a JSON string. */
static void put_escaped(struct jw *w, const unsigned char *s, size_t n)
{
	size_t i = 0, run;

	while (i < n) {
		run = plain_run(s + i, n - i);
		if (run) {
			jw_put(w, s + i, run);
			i += run;
		} else if (s[i] < 0x80) {
			put_ascii_escape(w, s[i]);
			i++;
		} else {
			i += put_utf8(w, s + i, n - i);
		}
	}
}

void jw_strn_k(struct jw *w, const char *key, size_t klen, const char *s, size_t n)
{
	char *p;

	if (!s) {
		jw_raw_k(w, key, klen, "null", 4);
		return;
	}
	p = jw_begin(w, key, klen, 1);
	*p++ = '"';
	jw_end(w, p);
	put_escaped(w, (const unsigned char *)s, n);
	jw_putc(w, '"');
}

/* ---- scalars ---------------------------------------------------------- */

/* u64_digits - number of decimal digits of v (1 to 20). */
static unsigned u64_digits(uint64_t v)
{
	unsigned n = 1;

	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

size_t jw_fmt_u64(char *out, uint64_t v)
{
	size_t len = u64_digits(v), i = len;
	unsigned d;

	while (v >= 100) {
		d = (unsigned)(v % 100) * 2;
		v /= 100;
		out[--i] = digits2[d + 1];
		out[--i] = digits2[d];
	}
	if (v >= 10) {
		d = (unsigned)v * 2;
		out[--i] = digits2[d + 1];
		out[--i] = digits2[d];
	} else {
		out[--i] = (char)('0' + v);
	}
	return len;
}

void jw_u64_k(struct jw *w, const char *key, size_t klen, uint64_t v)
{
	char *p = jw_begin(w, key, klen, JW_U64_MAX_LEN);

	jw_end(w, p + jw_fmt_u64(p, v));
}

void jw_i64_k(struct jw *w, const char *key, size_t klen, int64_t v)
{
	char *p = jw_begin(w, key, klen, JW_U64_MAX_LEN + 1);

	if (v < 0) {
		*p++ = '-';
		/* unsigned negation: also right for INT64_MIN */
		p += jw_fmt_u64(p, 0 - (uint64_t)v);
	} else {
		p += jw_fmt_u64(p, (uint64_t)v);
	}
	jw_end(w, p);
}

void jw_raw_k(struct jw *w, const char *key, size_t klen, const char *json, size_t n)
{
	char *p = jw_begin(w, key, klen, n);

	memcpy(p, json, n);
	jw_end(w, p + n);
}

/* ---- time ------------------------------------------------------------- */

/* put2 - two decimal digits of v (< 100). */
static inline void put2(char *p, unsigned v)
{
	memcpy(p, digits2 + 2 * v, 2);
}

/*
 * civil_from_days - proleptic Gregorian date of day z (0 = 1970-01-01).
 * Howard Hinnant's algorithm ("chrono-Compatible Low-Level Date
 * Algorithms"), restricted to z >= 0 so all arithmetic is unsigned. Eras
 * are 400-year cycles starting on 0000-03-01, so February is the last
 * month of its year and leap days fall at the end.
 */
static void civil_from_days(uint64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	uint64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468; /* now days since 0000-03-01 */
	era = z / 146097;
	doe = (unsigned)(z - era * 146097); /* day of era, [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
	mp = (5 * doy + 2) / 153;		       /* month, March = 0 */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

size_t jw_fmt_rfc3339_us(char *out, uint64_t unix_ns)
{
	uint64_t secs = unix_ns / 1000000000u;
	unsigned us = (unsigned)(unix_ns % 1000000000u) / 1000;
	unsigned sod = (unsigned)(secs % 86400);
	unsigned y, m, d;

	civil_from_days(secs / 86400, &y, &m, &d);
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, sod / 3600);
	out[13] = ':';
	put2(out + 14, sod / 60 % 60);
	out[16] = ':';
	put2(out + 17, sod % 60);
	out[19] = '.';
	put2(out + 20, us / 10000);
	put2(out + 22, us / 100 % 100);
	put2(out + 24, us % 100);
	out[26] = 'Z';
	return JW_RFC3339_US_LEN;
}

void jw_time_k(struct jw *w, const char *key, size_t klen, uint64_t unix_ns)
{
	char *p = jw_begin(w, key, klen, JW_RFC3339_US_LEN + 2);

	*p++ = '"';
	p += jw_fmt_rfc3339_us(p, unix_ns);
	*p++ = '"';
	jw_end(w, p);
}
