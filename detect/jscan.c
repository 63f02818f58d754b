// SPDX-License-Identifier: BSD-2-Clause
/* jscan.c - see jscan.h: a validating, non-allocating JSON field scanner. */
#include "jscan.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The per-token helpers are inlined into the loops that call them: a fifth
 * of the scan time was calls (measured, docs/BENCHMARKS.md). */
#define HOT static inline __attribute__((always_inline))

struct ctx {
	const char *p, *end;
	const struct dt_jpaths *paths;
	struct dt_jval *vals;
	char *arena;
	size_t acap, aused;
	uint64_t seen[DT_JNODES_MAX / 64];
	enum dt_jerr err;
};

static const char *const err_names[DT_JERR_COUNT] = {
	[DT_JERR_OK] = "ok",
	[DT_JERR_NOT_OBJECT] = "not a JSON object",
	[DT_JERR_SYNTAX] = "JSON syntax error",
	[DT_JERR_TRUNCATED] = "truncated JSON",
	[DT_JERR_TOO_DEEP] = "JSON nested too deep",
	[DT_JERR_BAD_STRING] = "bad JSON string",
	[DT_JERR_TRAILING] = "bytes after the JSON object",
};

const char *dt_jerr_name(enum dt_jerr e)
{
	return e < DT_JERR_COUNT ? err_names[e] : "?";
}

/* ---- compiling the paths ---- */

static int new_node(struct dt_jpaths *p, const char *key, size_t n)
{
	struct dt_jnode *nd;

	if (p->n_nodes >= DT_JNODES_MAX || n == 0 || n > DT_JKEY_MAX)
		return -1;
	nd = &p->node[p->n_nodes];
	memset(nd, 0, sizeof(*nd));
	memcpy(nd->key, key, n);
	nd->keylen = (uint8_t)n;
	nd->slot = nd->child = nd->next = -1;
	return p->n_nodes++;
}

/* Cheap on purpose (a key is looked up for every member of a wanted
 * object); collisions are resolved by comparing the key. */
static unsigned key_hash(int parent, const char *k, size_t n)
{
	uint32_t h = (uint32_t)parent << 24 ^ (uint32_t)n << 16 ^
		     (uint32_t)(unsigned char)k[0] << 8 ^ (unsigned char)k[n - 1] ^
		     (uint32_t)(unsigned char)k[n / 2] << 4;

	return (h * 2654435761u) >> (32 - 9) & (DT_JTABLE - 1);
}

static uint64_t key_bit(const char *k, size_t n)
{
	return 1ULL << ((n * 7 + (unsigned char)k[0]) & 63);
}

static int child_of(struct dt_jpaths *p, int parent, const char *key, size_t n)
{
	int c;
	unsigned h;

	for (c = p->node[parent].child; c >= 0; c = p->node[c].next)
		if (p->node[c].keylen == n && !memcmp(p->node[c].key, key, n))
			return c;
	if ((c = new_node(p, key, n)) < 0)
		return -1;
	p->node[c].next = p->node[parent].child;
	p->node[c].parent = (int16_t)parent;
	p->node[parent].child = (int16_t)c;
	p->node[parent].kids |= key_bit(key, n);
	for (h = key_hash(parent, key, n); p->table[h] >= 0; h = (h + 1) & (DT_JTABLE - 1))
		;
	p->table[h] = (int16_t)c;
	return c;
}

/* A TEXT node may have no TEXT node above or below it (the arena bound). */
static bool text_nests(const struct dt_jpaths *p, int node, bool above)
{
	for (int c = p->node[node].child; c >= 0; c = p->node[c].next)
		if ((above && p->node[c].text) || text_nests(p, c, above || p->node[c].text))
			return true;
	return false;
}

int dt_jpaths_compile(struct dt_jpaths *p, const struct dt_jpath_spec *spec, int n)
{
	memset(p, 0, sizeof(*p));
	memset(p->table, 0xff, sizeof(p->table));
	if (new_node(p, "$", 1) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *s = spec[i].path;
		int node = 0;

		while (*s) {
			const char *dot = strchr(s, '.');
			size_t k = dot ? (size_t)(dot - s) : strlen(s);

			if ((node = child_of(p, node, s, k)) < 0)
				return -1;
			s += k + (dot ? 1 : 0);
		}
		if (node == 0 || p->node[node].slot >= 0)
			return -1;
		p->node[node].slot = (int16_t)i;
		p->node[node].text = spec[i].flags & DT_JF_TEXT;
	}
	p->n_slots = n;
	return text_nests(p, 0, false) ? -1 : 0;
}

size_t dt_jscan_arena_size(const struct dt_jpaths *p, size_t len)
{
	/* kept strings take at most len bytes, kept texts 1.5 len (NULs), and a
	 * string inside a kept text is kept twice */
	return 3 * len + (size_t)p->n_slots + 64;
}

/* ---- scanning ---- */

static int fail(struct ctx *c, enum dt_jerr e)
{
	if (!c->err)
		c->err = e;
	return -1;
}

/* At the end of the text, truncated; else the given error. */
static int fail_at(struct ctx *c, enum dt_jerr e)
{
	return fail(c, c->p >= c->end ? DT_JERR_TRUNCATED : e);
}

HOT void ws(struct ctx *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static unsigned hex4(const char *s)
{
	return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 |
			  hexval(s[3]));
}

/* The first byte from p that ends a run of plain string bytes: '"', '\\'
 * or a control character (16 bytes at a time with SSE2). */
HOT const char *plain_end(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
		int bits;

		/* max(v, 0x1f) == 0x1f: v <= 0x1f, unsigned */
		m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
		bits = _mm_movemask_epi8(m);
		if (bits)
			return p + __builtin_ctz((unsigned)bits);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/* A string at c->p (its opening quote): validates it, leaves its contents in
 * raw/rawlen (escaped form) and whether it has an escape. */
HOT int string(struct ctx *c, const char **raw, size_t *rawlen, bool *esc)
{
	const char *s = ++c->p;

	*esc = false;
	for (;;) {
		c->p = plain_end(c->p, c->end);
		if (c->p >= c->end)
			return fail(c, DT_JERR_TRUNCATED);
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"')
			break;
		if (ch < 0x20)
			return fail(c, DT_JERR_BAD_STRING);
		*esc = true;
		if (c->end - c->p < 2)
			return fail(c, DT_JERR_TRUNCATED);
		ch = (unsigned char)c->p[1];
		if (ch == 'u') {
			if (c->end - c->p < 6)
				return fail(c, DT_JERR_TRUNCATED);
			for (int i = 2; i < 6; i++)
				if (hexval(c->p[i]) < 0)
					return fail(c, DT_JERR_BAD_STRING);
			c->p += 6;
		} else if (strchr("\"\\/bfnrt", ch) && ch) {
			c->p += 2;
		} else {
			return fail(c, DT_JERR_BAD_STRING);
		}
	}
	*raw = s;
	*rawlen = (size_t)(c->p - s);
	c->p++;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The code point of the \u escape at s (a pair of them for a surrogate
 * pair: *used 12 bytes); a lone surrogate is U+FFFD. */
static unsigned u_escape(const char *s, const char *end, size_t *used)
{
	unsigned cp = hex4(s + 2);

	*used = 6;
	if (cp < 0xd800 || cp > 0xdfff)
		return cp;
	if (cp <= 0xdbff && end - s >= 12 && s[6] == '\\' && s[7] == 'u') {
		unsigned lo = hex4(s + 8);

		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*used = 12;
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	return 0xfffd;
}

/* Unescapes a validated string's raw bytes into out (at least n bytes); its length. */
static size_t unescape(const char *s, size_t n, char *out)
{
	const char *end = s + n;
	size_t o = 0, used;

	while (s < end) {
		if (*s != '\\') {
			out[o++] = *s++;
			continue;
		}
		switch (s[1]) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			o += put_utf8(out + o, u_escape(s, end, &used));
			s += used;
			continue;
		default:
			out[o++] = s[1];
			break; /* " \ / */
		}
		s += 2;
	}
	return o;
}

static char *arena_take(struct ctx *c, size_t n)
{
	char *p;

	if (c->acap - c->aused < n) {
		fail(c, DT_JERR_SYNTAX); /* cannot happen with dt_jscan_arena_size() */
		return NULL;
	}
	p = c->arena + c->aused;
	c->aused += n;
	return p;
}

HOT int keep_string(struct ctx *c, struct dt_jval *v, const char *raw, size_t n, bool esc)
{
	char *o = arena_take(c, n + 1);

	if (!o)
		return -1;
	v->n = esc ? unescape(raw, n, o) : (memcpy(o, raw, n), n);
	o[v->n] = 0;
	c->aused -= n - v->n; /* give back what the escapes saved */
	v->s = o;
	v->type = DT_J_STRING;
	return 0;
}

static int literal(struct ctx *c, const char *word, enum dt_jtype t, struct dt_jval *v)
{
	size_t n = strlen(word), left = (size_t)(c->end - c->p);

	if (memcmp(c->p, word, left < n ? left : n))
		return fail(c, DT_JERR_SYNTAX);
	if (left < n)
		return fail(c, DT_JERR_TRUNCATED);
	c->p += n;
	if (v)
		v->type = t;
	return 0;
}

static bool digit(const struct ctx *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

static int digits(struct ctx *c)
{
	if (!digit(c))
		return fail_at(c, DT_JERR_SYNTAX);
	while (digit(c))
		c->p++;
	return 0;
}

/* RFC 8259 number; an INT (clamped to int64) without fraction or exponent. */
static int number(struct ctx *c, struct dt_jval *v)
{
	bool neg = false, is_int = true, big = false;
	uint64_t acc = 0;

	if (*c->p == '-') {
		neg = true;
		c->p++;
	}
	if (!digit(c))
		return fail_at(c, DT_JERR_SYNTAX);
	if (*c->p == '0') {
		c->p++;
	} else {
		for (; digit(c); c->p++) {
			unsigned dg = (unsigned)(*c->p - '0');

			if (acc > (UINT64_MAX - dg) / 10)
				big = true;
			else
				acc = acc * 10 + dg;
		}
	}
	if (c->p < c->end && *c->p == '.') {
		is_int = false;
		c->p++;
		if (digits(c))
			return -1;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		is_int = false;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (digits(c))
			return -1;
	}
	if (!v)
		return 0;
	v->type = is_int ? DT_J_INT : DT_J_DOUBLE;
	if (neg)
		v->i = big || acc > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - acc);
	else
		v->i = big || acc > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)acc;
	return 0;
}

static int value(struct ctx *c, int node, int depth);

/* Forgets what an earlier occurrence of a repeated key left under node. */
static void forget(struct ctx *c, int node)
{
	const struct dt_jnode *nd = &c->paths->node[node];

	if (nd->slot >= 0)
		memset(&c->vals[nd->slot], 0, sizeof(c->vals[0]));
	c->seen[node / 64] &= ~(1ULL << (node % 64));
	for (int k = nd->child; k >= 0; k = c->paths->node[k].next)
		forget(c, k);
}

/* The child of node with this key (raw, maybe escaped), or -1. */
HOT int find_key(const struct ctx *c, int node, const char *raw, size_t n, bool esc)
{
	char buf[6 * DT_JKEY_MAX + 1];

	if (node < 0)
		return -1;
	if (esc) {
		if (n >= sizeof(buf))
			return -1;
		n = unescape(raw, n, buf);
		raw = buf;
	}
	if (n == 0 || n > DT_JKEY_MAX || !(c->paths->node[node].kids & key_bit(raw, n)))
		return -1;
	for (unsigned h = key_hash(node, raw, n);; h = (h + 1) & (DT_JTABLE - 1)) {
		int k = c->paths->table[h];
		const struct dt_jnode *nd = &c->paths->node[k < 0 ? 0 : k];

		if (k < 0)
			return -1;
		if (nd->parent == node && nd->keylen == n && !memcmp(nd->key, raw, n))
			return k;
	}
}

HOT int member(struct ctx *c, int node, int depth)
{
	const char *raw;
	size_t n;
	bool esc;
	int k;

	if (c->p >= c->end || *c->p != '"')
		return fail_at(c, DT_JERR_SYNTAX);
	if (string(c, &raw, &n, &esc))
		return -1;
	k = find_key(c, node, raw, n, esc);
	ws(c);
	if (c->p >= c->end || *c->p != ':')
		return fail_at(c, DT_JERR_SYNTAX);
	c->p++;
	ws(c);
	if (k >= 0) {
		if (c->seen[k / 64] & (1ULL << (k % 64)))
			forget(c, k);
		c->seen[k / 64] |= 1ULL << (k % 64);
	}
	return value(c, k, depth);
}

/* The items of an object (its members, close '}') or an array (its values,
 * close ']'), from the opening byte at c->p. */
static int items(struct ctx *c, int node, int depth, char close)
{
	if (depth > DT_JSON_MAX_DEPTH)
		return fail(c, DT_JERR_TOO_DEEP);
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		if (close == '}' ? member(c, node, depth) : value(c, -1, depth))
			return -1;
		ws(c);
		if (c->p >= c->end)
			return fail(c, DT_JERR_TRUNCATED);
		if (*c->p == close) {
			c->p++;
			return 0;
		}
		if (*c->p != ',')
			return fail(c, DT_JERR_SYNTAX);
		c->p++;
		ws(c);
	}
}

/* A container at a path: parsed, then its text kept when the path asks. */
static int container(struct ctx *c, int node, int depth, struct dt_jval *v)
{
	const char *start = c->p;
	bool obj = *c->p == '{';

	if (items(c, node, depth + 1, obj ? '}' : ']'))
		return -1;
	if (!v)
		return 0;
	v->type = obj ? DT_J_OBJECT : DT_J_ARRAY;
	if (c->paths->node[node].text) {
		size_t n = (size_t)(c->p - start);
		char *o = arena_take(c, n + 1);

		if (!o)
			return -1;
		memcpy(o, start, n);
		o[n] = 0;
		v->s = o;
		v->n = n;
	}
	return 0;
}

/* One value at c->p; node: its path node (-1: not wanted). */
static int value(struct ctx *c, int node, int depth)
{
	int slot = node >= 0 ? c->paths->node[node].slot : -1;
	struct dt_jval *v = slot >= 0 ? &c->vals[slot] : NULL;
	const char *raw;
	size_t n;
	bool esc;

	if (c->p >= c->end)
		return fail(c, DT_JERR_TRUNCATED);
	switch (*c->p) {
	case '{':
	case '[':
		return container(c, node, depth, v);
	case '"':
		if (string(c, &raw, &n, &esc))
			return -1;
		return v ? keep_string(c, v, raw, n, esc) : 0;
	case 't':
		return literal(c, "true", DT_J_TRUE, v);
	case 'f':
		return literal(c, "false", DT_J_FALSE, v);
	case 'n':
		return literal(c, "null", DT_J_NULL, v);
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return number(c, v);
		return fail(c, DT_JERR_SYNTAX);
	}
}

enum dt_jerr dt_jscan(const struct dt_jpaths *p, const char *text, size_t len, struct dt_jval *vals,
		      char *arena, size_t arena_cap)
{
	struct ctx c = { .p = text,
			 .end = text + len,
			 .paths = p,
			 .vals = vals,
			 .arena = arena,
			 .acap = arena_cap };

	memset(vals, 0, sizeof(*vals) * (size_t)p->n_slots);
	ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return DT_JERR_NOT_OBJECT;
	if (items(&c, 0, 1, '}'))
		return c.err;
	ws(&c);
	return c.p < c.end ? DT_JERR_TRAILING : DT_JERR_OK;
}

bool dt_jarray_has_string(const char *t, size_t len, const char *s)
{
	static const struct dt_jpaths none = { .n_nodes = 1,
					       .node = { { .slot = -1, .child = -1 } } };
	struct ctx c = { .p = t, .end = t + len, .paths = &none };
	size_t want = strlen(s);
	char buf[256];

	if (!len || *t != '[')
		return false;
	c.p++;
	for (ws(&c); c.p < c.end && *c.p != ']'; ws(&c)) {
		const char *raw;
		size_t n;
		bool esc;

		if (*c.p == '"') {
			if (string(&c, &raw, &n, &esc))
				return false;
			if (esc && n < sizeof(buf)) {
				n = unescape(raw, n, buf);
				raw = buf;
			}
			if (n == want && !(esc && raw != buf) && !memcmp(raw, s, n))
				return true;
		} else if (value(&c, -1, 2)) {
			return false;
		}
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
	}
	return false;
}
