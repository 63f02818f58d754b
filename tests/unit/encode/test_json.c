// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_json.c - unit tests for the JSON-lines writer (user/encode/json.c).
 *
 * Exact expected output for structure, every escape class, integers and
 * timestamps; plus a randomized hostile-bytes test whose output is checked
 * by a small strict JSON/UTF-8 validator in this file and decoded back to
 * code points, which must equal an independent reference of the U+FFFD
 * "maximal subpart" substitution. No dependency besides Criterion.
 *
 * Build: gcc -std=c11 -D_GNU_SOURCE -Iuser -Iinclude
 *        tests/unit/test_json.c user/encode/json.c -lcriterion
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "json.h"

/* ---- helpers ---------------------------------------------------------- */

/* str_value - the output of one jw_strn() call at top level. */
static const char *str_value(struct jw *w, const char *s, size_t n)
{
	jw_reset(w);
	jw_strn(w, NULL, s, n);
	return jw_cstr(w);
}

#define expect_str(in, want)                                                              \
	do {                                                                              \
		struct jw w_;                                                             \
		jw_init(&w_, 0);                                                          \
		cr_expect_str_eq(str_value(&w_, in, sizeof(in) - 1), want, "input " #in); \
		jw_free(&w_);                                                             \
	} while (0)

/* xorshift64* - a fixed, portable PRNG so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* ---- a small strict JSON + UTF-8 validator ------------------------- */

struct jv {
	const unsigned char *s;
	size_t n, i;
	uint32_t *cps; /* decoded code points of strings, or NULL */
	size_t ncp, capcp;
	int depth;
};

/* utf8_decode_strict - decode one sequence by bit arithmetic (not by
 * Table 3-7 ranges, to be independent of json.c); returns its length or 0
 * when ill-formed (overlong, surrogate, > 10FFFF, truncated, bad byte). */
static size_t utf8_decode_strict(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, k;
	uint32_t c;

	if (s[0] < 0x80)
		len = 1, c = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_decode_strict(s + i, n - i, &cp);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

static void jv_emit(struct jv *p, uint32_t cp)
{
	if (!p->cps)
		return;
	if (p->ncp == p->capcp) {
		p->capcp = p->capcp ? p->capcp * 2 : 64;
		p->cps = realloc(p->cps, p->capcp * sizeof(*p->cps));
		cr_assert_not_null(p->cps);
	}
	p->cps[p->ncp++] = cp;
}

static void jv_ws(struct jv *p)
{
	while (p->i < p->n && p->s[p->i] && strchr(" \t\r\n", p->s[p->i]))
		p->i++;
}

static int jv_lit(struct jv *p, const char *lit)
{
	size_t l = strlen(lit);

	if (p->n - p->i < l || memcmp(p->s + p->i, lit, l))
		return -1;
	p->i += l;
	return 0;
}

static int jv_hex4(struct jv *p, uint32_t *v)
{
	int k, c;

	if (p->n - p->i < 4)
		return -1;
	for (*v = 0, k = 0; k < 4; k++) {
		c = p->s[p->i++];
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* jv_uescape - after "\u": one code point, pairing surrogates; a lone
 * surrogate is rejected (valid JSON grammar, but not valid Unicode). */
static int jv_uescape(struct jv *p, uint32_t *cp)
{
	uint32_t lo;

	if (jv_hex4(p, cp))
		return -1;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return -1;
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (jv_lit(p, "\\u") || jv_hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

static int jv_escape(struct jv *p, uint32_t *cp)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	if (p->i >= p->n)
		return -1;
	if (p->s[p->i] == 'u') {
		p->i++;
		return jv_uescape(p, cp);
	}
	e = strchr(from, p->s[p->i]);
	if (!e || !p->s[p->i])
		return -1;
	p->i++;
	*cp = (unsigned char)to[e - from];
	return 0;
}

static int jv_string(struct jv *p)
{
	uint32_t cp;
	size_t k;

	if (jv_lit(p, "\""))
		return -1;
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];

		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c < 0x20)
			return -1; /* raw control characters are invalid */
		if (c == '\\') {
			p->i++;
			if (jv_escape(p, &cp))
				return -1;
		} else {
			k = utf8_decode_strict(p->s + p->i, p->n - p->i, &cp);
			if (!k)
				return -1;
			p->i += k;
		}
		jv_emit(p, cp);
	}
	return -1;
}

static int jv_digits(struct jv *p)
{
	size_t start = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > start ? 0 : -1;
}

static int jv_number(struct jv *p)
{
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (jv_digits(p))
		return -1;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (jv_digits(p))
			return -1;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (jv_digits(p))
			return -1;
	}
	return 0;
}

static int jv_value(struct jv *p);

/* jv_members - the inside of an object (obj) or array, after the opener. */
static int jv_members(struct jv *p, int obj, char close)
{
	jv_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		if (obj) {
			jv_ws(p);
			if (jv_string(p))
				return -1;
			jv_ws(p);
			if (jv_lit(p, ":"))
				return -1;
		}
		if (jv_value(p))
			return -1;
		jv_ws(p);
		if (p->i >= p->n)
			return -1;
		if (p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		if (p->s[p->i++] != ',')
			return -1;
	}
}

static int jv_value(struct jv *p)
{
	unsigned char c;
	int r;

	jv_ws(p);
	if (p->i >= p->n)
		return -1;
	c = p->s[p->i];
	switch (c) {
	case '{':
	case '[':
		if (++p->depth > 64)
			return -1;
		p->i++;
		r = jv_members(p, c == '{', c == '{' ? '}' : ']');
		p->depth--;
		return r;
	case '"':
		return jv_string(p);
	case 't':
		return jv_lit(p, "true");
	case 'f':
		return jv_lit(p, "false");
	case 'n':
		return jv_lit(p, "null");
	default:
		return jv_number(p);
	}
}

/* json_lines_valid - buf is one or more "value\n" records, nothing else. */
static int json_lines_valid(const char *buf, size_t n, uint32_t **cps, size_t *ncp)
{
	struct jv p = { (const unsigned char *)buf, n, 0, NULL, 0, 0, 0 };
	int ok = n > 0;

	if (cps)
		p.cps = malloc(64 * sizeof(uint32_t)), p.capcp = 64;
	while (ok && p.i < n) {
		if (jv_value(&p) || p.i >= n || p.s[p.i] != '\n')
			ok = 0;
		p.i++;
	}
	if (cps) {
		*cps = p.cps;
		*ncp = p.ncp;
	}
	return ok;
}

/* ---- structure -------------------------------------------------------- */

Test(json, nesting_and_commas)
{
	struct jw w;

	jw_init(&w, 0);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "a", 1);
	jw_obj_open(&w, "b");
	jw_str(&w, "c", "x");
	jw_arr_open(&w, "d");
	jw_u64(&w, NULL, 1);
	jw_i64(&w, NULL, -2);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "e", 1);
	jw_bool(&w, "f", 0);
	jw_obj_close(&w);
	jw_arr_open(&w, NULL);
	jw_arr_close(&w);
	jw_obj_open(&w, NULL);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_arr_open(&w, "g");
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_obj_open(&w, "h");
	jw_obj_close(&w);
	jw_null(&w, "i");
	jw_raw(&w, "j", "[1,{\"k\":2}]", 11);
	jw_str(&w, "l", NULL);
	jw_obj_close(&w);
	jw_newline(&w);
	cr_assert_eq(w.depth, 0);
	cr_assert_str_eq(jw_cstr(&w), "{\"a\":1,\"b\":{\"c\":\"x\",\"d\":[1,-2,{\"e\":true,"
				      "\"f\":false},[],{}],\"g\":[]},\"h\":{},\"i\":null,"
				      "\"j\":[1,{\"k\":2}],\"l\":null}\n");
	cr_assert(json_lines_valid(w.buf, w.len, NULL, NULL));
	jw_free(&w);
}

Test(json, records_reset_and_top_level)
{
	struct jw w;

	jw_init(&w, 0);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "n", 1);
	jw_obj_close(&w);
	jw_newline(&w);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "n", 2);
	jw_u64(&w, "m", 3);
	jw_obj_close(&w);
	jw_newline(&w);
	cr_assert_str_eq(jw_cstr(&w), "{\"n\":1}\n{\"n\":2,\"m\":3}\n");
	cr_assert_eq(w.len, strlen("{\"n\":1}\n{\"n\":2,\"m\":3}\n"));

	/* reset mid-record: depth and commas start over */
	jw_obj_open(&w, NULL);
	jw_obj_open(&w, "x");
	jw_u64(&w, "y", 1);
	jw_reset(&w);
	cr_assert_eq(w.len, 0);
	cr_assert_eq(w.depth, 0);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "z", 4);
	jw_obj_close(&w);
	cr_assert_str_eq(jw_cstr(&w), "{\"z\":4}");
	jw_free(&w);
}

Test(json, max_depth_is_usable)
{
	struct jw w;
	char want[2 * JW_MAX_DEPTH + 1];
	int d;

	jw_init(&w, 0);
	for (d = 0; d < JW_MAX_DEPTH; d++) {
		jw_arr_open(&w, NULL);
		want[d] = '[';
		want[2 * JW_MAX_DEPTH - 1 - d] = ']';
	}
	want[2 * JW_MAX_DEPTH] = '\0';
	for (d = 0; d < JW_MAX_DEPTH; d++)
		jw_arr_close(&w);
	cr_assert_str_eq(jw_cstr(&w), want);
	jw_free(&w);
}

Test(json, too_deep_aborts, .signal = SIGABRT, .init = cr_redirect_stderr)
{
	struct jw w;
	int d;

	jw_init(&w, 0);
	for (d = 0; d <= JW_MAX_DEPTH; d++)
		jw_arr_open(&w, NULL);
}

Test(json, close_without_open_aborts, .signal = SIGABRT, .init = cr_redirect_stderr)
{
	struct jw w;

	jw_init(&w, 0);
	jw_obj_close(&w);
}

Test(json, buffer_grows_from_one_byte)
{
	struct jw w;
	char big[5000];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	jw_init(&w, 1);
	jw_obj_open(&w, NULL);
	jw_strn(&w, "big", big, sizeof(big));
	jw_u64(&w, "n", UINT64_MAX);
	jw_obj_close(&w);
	cr_assert_eq(w.len, 8 + sizeof(big) + 1 + 25 + 1);
	cr_assert_eq(memcmp(w.buf, "{\"big\":\"abcdef", 14), 0);
	cr_assert_str_eq(jw_cstr(&w) + w.len - 26, ",\"n\":18446744073709551615}");
	cr_assert_geq(w.cap, w.len);
	jw_free(&w);
	cr_assert_null(w.buf);
	jw_free(&w); /* twice is harmless */
}

/* ---- string escaping -------------------------------------------------- */

Test(json, escape_quote_backslash_short_forms)
{
	expect_str("plain text 123 ~!@#$%^&*()_+{}|:<>?/",
		   "\"plain text 123 ~!@#$%^&*()_+{}|:<>?/\"");
	expect_str("", "\"\"");
	expect_str("\"", "\"\\\"\"");
	expect_str("\\", "\"\\\\\"");
	expect_str("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_str("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	expect_str("/", "\"/\"");
}

Test(json, escape_every_control_character)
{
	static const char *const want[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006",
		"\\u0007", "\\b",     "\\t",	 "\\n",	    "\\u000b", "\\f",	  "\\r",
		"\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014",
		"\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a", "\\u001b",
		"\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};
	struct jw w;
	char in[3], exp[16];
	int c;

	jw_init(&w, 0);
	for (c = 0; c < 32; c++) {
		in[0] = 'x';
		in[1] = (char)c;
		in[2] = 'y';
		snprintf(exp, sizeof(exp), "\"x%sy\"", want[c]);
		cr_expect_str_eq(str_value(&w, in, 3), exp, "byte %d", c);
	}
	jw_free(&w);
}

Test(json, escape_del_nul_and_line_separators)
{
	expect_str("\x7f", "\"\\u007f\"");
	expect_str("a\0b", "\"a\\u0000b\"");
	expect_str("\0\0", "\"\\u0000\\u0000\"");
	expect_str("\xe2\x80\xa8", "\"\\u2028\"");
	expect_str("\xe2\x80\xa9", "\"\\u2029\"");
	expect_str("a\xe2\x80\xa8"
		   "b\xe2\x80\xa9"
		   "c",
		   "\"a\\u2028b\\u2029c\"");
	/* the neighbours are ordinary characters */
	expect_str("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"");
	/* a truncated U+2028 is ill-formed, not a separator */
	expect_str("\xe2\x80", "\"\\ufffd\"");
}

Test(json, jw_str_stops_at_nul)
{
	struct jw w;

	jw_init(&w, 0);
	jw_str(&w, NULL, "ab\0cd");
	cr_assert_str_eq(jw_cstr(&w), "\"ab\"");
	jw_free(&w);
}

Test(json, valid_utf8_passes_through)
{
	expect_str("\xc2\x80", "\"\xc2\x80\""); /* U+0080 */
	expect_str("\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"");
	expect_str("\xdf\xbf", "\"\xdf\xbf\"");			/* U+07FF */
	expect_str("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");		/* U+0800 */
	expect_str("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* euro */
	expect_str("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
	expect_str("\xee\x80\x80", "\"\xee\x80\x80\"");		/* U+E000 */
	expect_str("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");		/* U+FFFD */
	expect_str("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF */
	expect_str("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""); /* U+10000 */
	expect_str("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""); /* emoji */
	expect_str("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
}

#define R "\\ufffd"

Test(json, invalid_utf8_replaced_per_maximal_subpart)
{
	/* overlong forms */
	expect_str("\xc0\x80", "\"" R R "\"");
	expect_str("\xc1\xbf", "\"" R R "\"");
	expect_str("\xe0\x80\x80", "\"" R R R "\"");
	expect_str("\xe0\x9f\xbf", "\"" R R R "\"");
	expect_str("\xf0\x80\x80\x80", "\"" R R R R "\"");
	expect_str("\xf0\x8f\xbf\xbf", "\"" R R R R "\"");
	/* surrogates, alone and as a CESU-8 pair */
	expect_str("\xed\xa0\x80", "\"" R R R "\"");
	expect_str("\xed\xbf\xbf", "\"" R R R "\"");
	expect_str("\xed\xa0\xbd\xed\xb8\x80", "\"" R R R R R R "\"");
	/* above U+10FFFF and never-valid bytes */
	expect_str("\xf4\x90\x80\x80", "\"" R R R R "\"");
	expect_str("\xf5\x80", "\"" R R "\"");
	expect_str("\xf8\x88\x80\x80\x80", "\"" R R R R R "\"");
	expect_str("\xfe\xff", "\"" R R "\"");
	/* truncated sequences: one U+FFFD for the whole valid prefix */
	expect_str("\xc2", "\"" R "\"");
	expect_str("\xe2\x82", "\"" R "\"");
	expect_str("\xe2\x82"
		   "A",
		   "\"" R "A\"");
	expect_str("\xf0\x9f\x98", "\"" R "\"");
	expect_str("\xf0\x9f\x98"
		   "A",
		   "\"" R "A\"");
	expect_str("\xf0\x9f"
		   "A",
		   "\"" R "A\"");
	expect_str("\xc2\xc2\x80", "\"" R "\xc2\x80\"");
	/* stray continuation bytes */
	expect_str("\x80", "\"" R "\"");
	expect_str("\xbf", "\"" R "\"");
	expect_str("a\x80"
		   "b",
		   "\"a" R "b\"");
	/* The Unicode Standard, Table 3-8 */
	expect_str("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
		   "\"a" R R R "b" R "c" R R "d\"");
}

/* escaped_form - what the writer must make of the single byte c. */
static void escaped_form(unsigned char c, char *exp, size_t size)
{
	if (c == '"' || c == '\\')
		snprintf(exp, size, "\\%c", c);
	else if (c < 0x20 || c == 0x7f)
		snprintf(exp, size, "\\u%04x", c);
	else if (c >= 0x80)
		snprintf(exp, size, R);
	else
		snprintf(exp, size, "%c", c);
}

/*
 * Long strings with one special byte at every position: exercises the
 * 8-byte fast path, its tail, and the switch between them.
 */
Test(json, fast_path_boundaries)
{
	static const unsigned char special[] = {
		'"',  '\\', 0x00, 0x01, 0x1f, 0x7f, 0x80,
		0xff, 0x20, 0x7e, 0x21, 0x5b, 0x5d, /* plain edges: not escaped */
	};
	struct jw w;
	char in[40], exp[16];
	size_t len, pos, k;

	jw_init(&w, 0);
	for (len = 1; len <= sizeof(in); len++) {
		for (pos = 0; pos < len; pos++) {
			for (k = 0; k < sizeof(special); k++) {
				memset(in, 'q', len);
				in[pos] = (char)special[k];
				escaped_form(special[k], exp, sizeof(exp));
				str_value(&w, in, len);
				cr_assert_eq(w.len, len + 1 + strlen(exp),
					     "len %zu pos %zu byte %#x", len, pos, special[k]);
				cr_assert_eq(memcmp(w.buf + 1 + pos, exp, strlen(exp)), 0,
					     "len %zu pos %zu byte %#x", len, pos, special[k]);
			}
		}
	}
	jw_free(&w);
}

/* ---- hostile bytes ---------------------------------------------------- */

/*
 * Reference for U+FFFD substitution, built a different way from json.c:
 * enumerate every scalar value, encode it, and record which byte strings
 * are proper prefixes of a well-formed sequence. A maximal subpart is then
 * the longest such prefix at the current position.
 */
static unsigned char *prefix2, *prefix3; /* bitmaps: 2^16, 2^24 bits */
static unsigned char prefix1[256];

static size_t utf8_encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

#define BIT_SET(m, i) ((m)[(i) >> 3] |= (unsigned char)(1u << ((i)&7)))
#define BIT_GET(m, i) (((m)[(i) >> 3] >> ((i)&7)) & 1)

static void build_prefix_sets(void)
{
	unsigned char b[4];
	uint32_t cp;
	size_t len;

	prefix2 = calloc(1, 1u << 13);
	prefix3 = calloc(1, 1u << 21);
	cr_assert(prefix2 && prefix3);
	for (cp = 0x80; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		len = utf8_encode(cp, b);
		prefix1[b[0]] = 1;
		if (len >= 3)
			BIT_SET(prefix2, (uint32_t)b[0] << 8 | b[1]);
		if (len == 4)
			BIT_SET(prefix3, (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2]);
	}
}

static int is_proper_prefix(const unsigned char *s, size_t len)
{
	if (len == 1)
		return prefix1[s[0]];
	if (len == 2)
		return BIT_GET(prefix2, (uint32_t)s[0] << 8 | s[1]);
	if (len == 3)
		return BIT_GET(prefix3, (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2]);
	return 0;
}

/* ref_step - code point (or U+FFFD) at s and the bytes it consumes. */
static size_t ref_step(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, k = 0;

	for (len = 1; len <= 4 && len <= n; len++) {
		if (utf8_decode_strict(s, len, cp) == len)
			return len;
		if (!is_proper_prefix(s, len))
			break;
		k = len;
	}
	*cp = 0xfffd;
	return k ? k : 1;
}

static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *out)
{
	size_t i = 0, m = 0;

	while (i < n)
		i += ref_step(s + i, n - i, &out[m++]);
	return m;
}

/* gen_piece - append a random, often nasty, piece of input at p. */
static size_t gen_piece(unsigned char *p)
{
	static const uint32_t cps[] = {
		0x80,	0x7ff,	0x800,	0xfffd, 0xffff, 0x10000, 0x10ffff,
		0x2028, 0x2029, 0xd7ff, 0xe000, 0xe9,	0x20ac,	 0x1f600,
	};
	static const unsigned char ctl[] = { 0, '\n', '"', '\\', 0x7f, 0x1f };
	unsigned r = rng_below(100);
	uint32_t cp;
	size_t len;

	if (r < 30) {
		p[0] = (unsigned char)rng();
		return 1;
	}
	if (r < 50) {
		p[0] = (unsigned char)(0x20 + rng_below(0x5f));
		return 1;
	}
	if (r < 60) {
		p[0] = ctl[rng_below(sizeof(ctl))];
		return 1;
	}
	if (r < 85) {
		if (rng_below(2))
			cp = cps[rng_below(sizeof(cps) / sizeof(cps[0]))];
		else
			cp = 0x80 + rng_below(0x1fffff - 0x80); /* may be
						 * surrogate or > 10FFFF */
		len = utf8_encode(cp & 0x1fffff, p);
		if (rng_below(4) == 0)
			len -= rng_below((unsigned)len); /* truncate */
		return len;
	}
	p[0] = (unsigned char)(0x80 + rng_below(0x40)); /* continuation */
	return 1;
}

Test(json, hostile_bytes_give_valid_json_and_utf8)
{
	enum { ITER = 100000, MAXLEN = 64 };
	unsigned char in[MAXLEN + 8];
	uint32_t want[MAXLEN + 8], *got;
	size_t n, nwant, ngot, i;
	struct jw w;
	int it;

	build_prefix_sets();
	jw_init(&w, 16);
	for (it = 0; it < ITER; it++) {
		for (n = 0; n < MAXLEN && rng_below(40);)
			n += gen_piece(in + n);
		jw_reset(&w);
		jw_obj_open(&w, NULL);
		jw_strn(&w, "s", (const char *)in, n);
		jw_arr_open(&w, "a");
		jw_strn(&w, NULL, (const char *)in, n);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_newline(&w);

		cr_assert(utf8_valid((const unsigned char *)w.buf, w.len),
			  "iteration %d: output is not UTF-8", it);
		cr_assert(json_lines_valid(w.buf, w.len, &got, &ngot),
			  "iteration %d: invalid JSON: %.*s", it, (int)w.len, w.buf);
		cr_assert_null(memchr(w.buf, 0x7f, w.len));
		cr_assert_null(memmem(w.buf, w.len, "\xe2\x80\xa8", 3));
		cr_assert_null(memmem(w.buf, w.len, "\xe2\x80\xa9", 3));

		/* decoded strings: "s", value, "a", value */
		nwant = ref_decode(in, n, want);
		cr_assert_eq(ngot, 2 + 2 * nwant, "iteration %d", it);
		for (i = 0; i < nwant; i++) {
			cr_assert_eq(got[1 + i], want[i], "iteration %d cp %zu", it, i);
			cr_assert_eq(got[2 + nwant + i], want[i]);
		}
		free(got);
	}
	jw_free(&w);
	free(prefix2);
	free(prefix3);
}

/* The validator itself must reject what the writer must never produce. */
Test(json, validator_rejects_bad_json)
{
	static const char *const bad[] = {
		"{\"a\":1\n",
		"{\"a\":1}",
		"{\"a\":1,}\n",
		"[1 2]\n",
		"\"\x01\"\n",
		"\"\xc0\x80\"\n",
		"\"\xed\xa0\x80\"\n",
		"\"\\ud800\"\n",
		"\"\\x\"\n",
		"{a:1}\n",
		"01\n",
		"[\n",
		"\"\xe2\x82\"\n",
		"\"\x80\"\n",
	};
	static const char good[] = "{\"a\":[1,-2.5e3,\"\\ud83d\\ude00\",true,null]}\n[]\n";
	size_t i;

	cr_assert(json_lines_valid(good, strlen(good), NULL, NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(json_lines_valid(bad[i], strlen(bad[i]), NULL, NULL), "accepted %s",
			      bad[i]);
}

/* ---- integers --------------------------------------------------------- */

static const char *fmt_u64(uint64_t v)
{
	static char buf[JW_U64_MAX_LEN + 1];

	buf[jw_fmt_u64(buf, v)] = '\0';
	return buf;
}

Test(json, u64_edges)
{
	char ref[32];
	uint64_t p = 1;
	int k;

	cr_assert_str_eq(fmt_u64(0), "0");
	cr_assert_str_eq(fmt_u64(9), "9");
	cr_assert_str_eq(fmt_u64(10), "10");
	cr_assert_str_eq(fmt_u64(99), "99");
	cr_assert_str_eq(fmt_u64(100), "100");
	cr_assert_str_eq(fmt_u64(UINT64_MAX), "18446744073709551615");
	cr_assert_eq(jw_fmt_u64(ref, UINT64_MAX), 20);
	cr_assert_eq(jw_fmt_u64(ref, 0), 1);
	/* every power of ten, its neighbours, and random values */
	for (k = 0; k < 20; k++, p *= 10) {
		snprintf(ref, sizeof(ref), "%" PRIu64, p);
		cr_assert_str_eq(fmt_u64(p), ref);
		snprintf(ref, sizeof(ref), "%" PRIu64, p - 1);
		cr_assert_str_eq(fmt_u64(p - 1), ref);
		snprintf(ref, sizeof(ref), "%" PRIu64, p + 1);
		cr_assert_str_eq(fmt_u64(p + 1), ref);
	}
	for (k = 0; k < 100000; k++) {
		uint64_t v = rng() >> rng_below(64);

		snprintf(ref, sizeof(ref), "%" PRIu64, v);
		cr_assert_str_eq(fmt_u64(v), ref);
	}
}

Test(json, i64_edges)
{
	struct jw w;

	jw_init(&w, 0);
	jw_arr_open(&w, NULL);
	jw_i64(&w, NULL, 0);
	jw_i64(&w, NULL, -1);
	jw_i64(&w, NULL, 9);
	jw_i64(&w, NULL, -10);
	jw_i64(&w, NULL, INT64_MAX);
	jw_i64(&w, NULL, INT64_MIN);
	jw_u64(&w, NULL, UINT64_MAX);
	jw_arr_close(&w);
	cr_assert_str_eq(jw_cstr(&w), "[0,-1,9,-10,9223372036854775807,-9223372036854775808,"
				      "18446744073709551615]");
	jw_free(&w);
}

/* ---- time ------------------------------------------------------------- */

static const char *fmt_time(uint64_t ns)
{
	static char buf[JW_RFC3339_US_LEN + 1];

	cr_assert_eq(jw_fmt_rfc3339_us(buf, ns), JW_RFC3339_US_LEN);
	buf[JW_RFC3339_US_LEN] = '\0';
	return buf;
}

/* gmtime_ref - the same timestamp through the C library. */
static const char *gmtime_ref(uint64_t ns)
{
	static char buf[64];
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	cr_assert_not_null(gmtime_r(&t, &tm));
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%06uZ", (unsigned)(ns % 1000000000u / 1000));
	return buf;
}

#define SEC 1000000000ULL

Test(json, rfc3339_exact_values)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} t[] = {
		{ 0, "1970-01-01T00:00:00.000000Z" },
		{ 999, "1970-01-01T00:00:00.000000Z" }, /* truncated */
		{ 1000, "1970-01-01T00:00:00.000001Z" },
		{ SEC - 1, "1970-01-01T00:00:00.999999Z" },
		{ 86399 * SEC + 999999999, "1970-01-01T23:59:59.999999Z" },
		{ 94694399 * SEC, "1972-12-31T23:59:59.000000Z" },
		{ 951782400 * SEC, "2000-02-29T00:00:00.000000Z" },
		{ 951868800 * SEC, "2000-03-01T00:00:00.000000Z" },
		{ 978307199 * SEC, "2000-12-31T23:59:59.000000Z" },
		{ 1709251199 * SEC, "2024-02-29T23:59:59.000000Z" },
		{ 1795426800 * SEC + 123456789, "2026-11-23T09:40:00.123456Z" },
		{ 2147483647 * SEC, "2038-01-19T03:14:07.000000Z" },
		{ 2147483648 * SEC, "2038-01-19T03:14:08.000000Z" },
		{ 4107542399 * SEC, "2100-02-28T23:59:59.000000Z" },
		{ 4107542400 * SEC, "2100-03-01T00:00:00.000000Z" },
		{ 13574606400 * SEC, "2400-02-29T12:00:00.000000Z" },
		{ UINT64_MAX, "2554-07-21T23:34:33.709551Z" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_str_eq(fmt_time(t[i].ns), t[i].want, "row %zu", i);
}

Test(json, rfc3339_matches_gmtime)
{
	uint64_t day, ns;
	int k;

	/* every day from 1970 to the end of the uint64_t range */
	for (day = 0; day < UINT64_MAX / SEC / 86400; day++) {
		ns = (day * 86400 + rng() % 86400) * SEC + rng() % SEC;
		cr_assert_str_eq(fmt_time(ns), gmtime_ref(ns), "day %" PRIu64, day);
		ns = day * 86400 * SEC; /* midnight */
		cr_assert_str_eq(fmt_time(ns), gmtime_ref(ns));
	}
	for (k = 0; k < 100000; k++) {
		ns = rng();
		cr_assert_str_eq(fmt_time(ns), gmtime_ref(ns), "ns %" PRIu64, ns);
	}
}

Test(json, jw_time_is_a_json_string)
{
	struct jw w;

	jw_init(&w, 0);
	jw_obj_open(&w, NULL);
	jw_time(&w, "@timestamp", 1795426800 * SEC + 123456789);
	jw_time(&w, "end", 0);
	jw_obj_close(&w);
	cr_assert_str_eq(jw_cstr(&w), "{\"@timestamp\":\"2026-11-23T09:40:00.123456Z\","
				      "\"end\":\"1970-01-01T00:00:00.000000Z\"}");
	jw_free(&w);
}
