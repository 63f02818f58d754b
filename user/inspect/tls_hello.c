// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tls_hello.c - TLS ClientHello / ServerHello parser, JA4 and JA3
 * (see tls_hello.h). SHA-256 and MD5 come from OpenSSL libcrypto.
 *
 * JA4 follows FoxIO-LLC/ja4 technical_details/JA4.md (BSD-3-Clause; the
 * client fingerprint only), JA3 salesforce/ja3.
 */
#include "tls_hello.h"
#include "util.h"

#include <string.h>

#include <openssl/evp.h>

#define TLS_CT_HANDSHAKE    0x16
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_REC_HDR	    5
#define TLS_HS_HDR	    4

#define EXT_SERVER_NAME	       0x0000
#define EXT_SUPPORTED_GROUPS   0x000a
#define EXT_EC_POINT_FORMATS   0x000b
#define EXT_SIG_ALGS	       0x000d
#define EXT_ALPN	       0x0010
#define EXT_SUPPORTED_VERSIONS 0x002b

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static inline int is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/*
 * A read cursor over bytes already known to be inside the message. Every
 * accessor checks the remaining length first and returns -1 when short.
 */
struct cur {
	const uint8_t *p;
	size_t n;
};

static int cur_skip(struct cur *c, size_t k)
{
	if (c->n < k)
		return -1;
	c->p += k;
	c->n -= k;
	return 0;
}

static int cur_u8(struct cur *c, uint8_t *v)
{
	if (c->n < 1)
		return -1;
	*v = c->p[0];
	c->p++;
	c->n--;
	return 0;
}

static int cur_u16(struct cur *c, uint16_t *v)
{
	if (c->n < 2)
		return -1;
	*v = be16(c->p);
	c->p += 2;
	c->n -= 2;
	return 0;
}

/* cur_vec - split off a vector with a 1- or 2-byte length prefix (inline:
 * called for every vector of a hello, its prefix size is known there). */
static inline int cur_vec(struct cur *c, int prefix, struct cur *sub)
{
	size_t k;

	if (prefix == 1) {
		uint8_t l;

		if (cur_u8(c, &l))
			return -1;
		k = l;
	} else {
		uint16_t l;

		if (cur_u16(c, &l))
			return -1;
		k = l;
	}
	if (c->n < k)
		return -1;
	sub->p = c->p;
	sub->n = k;
	c->p += k;
	c->n -= k;
	return 0;
}

/*
 * record_header - check the record header at p (avail bytes present) as
 * far as the bytes go. The first record of a stream decides NOT_TLS; a
 * later bad header inside a fragmented message is MALFORMED.
 */
static enum tls_parse_result record_header(const uint8_t *p, size_t avail, int first, size_t *rlen)
{
	enum tls_parse_result bad = first ? TLS_NOT_TLS : TLS_MALFORMED;

	if (avail < 1)
		return TLS_NEED_MORE;
	if (p[0] != TLS_CT_HANDSHAKE)
		return bad;
	if (avail < 2)
		return TLS_NEED_MORE;
	if (p[1] != 0x03)
		return bad;
	if (avail < 3)
		return TLS_NEED_MORE;
	if (p[2] > 0x04)
		return bad;
	if (avail < TLS_REC_HDR)
		return TLS_NEED_MORE;
	*rlen = be16(p + 3);
	if (*rlen == 0 || *rlen > TLS_RECORD_MAX_LEN)
		return TLS_MALFORMED;
	return TLS_OK;
}

struct hs_msg {
	struct cur body; /* handshake body, after the 4-byte header */
	uint16_t record_version;
};

/*
 * hs_first_message - find the first handshake message of the stream and
 * check that it has type want. When it sits in the first record it is used
 * in place; otherwise the fragments are copied into scratch, which holds
 * TLS_HS_HDR + TLS_HS_MAX_LEN bytes. A NULL buf is an empty stream.
 */
static enum tls_parse_result hs_first_message(const uint8_t *buf, size_t len, uint8_t want,
					      uint8_t *scratch, struct hs_msg *m)
{
	size_t off = 0, have = 0, need = 0;
	int first = 1;

	if (!buf)
		len = 0;
	for (;;) {
		enum tls_parse_result r;
		const uint8_t *frag;
		size_t rlen, flen, i = 0;

		r = record_header(buf + off, len - off, first, &rlen);
		if (r != TLS_OK)
			return r;
		frag = buf + off + TLS_REC_HDR;
		flen = len - off - TLS_REC_HDR;
		if (flen > rlen)
			flen = rlen;
		if (first) {
			m->record_version = be16(buf + 1);
			if (flen >= 1 && frag[0] != want)
				return TLS_NOT_TLS;
			if (flen >= TLS_HS_HDR) {
				uint32_t hlen = be24(frag + 1);

				if (hlen > TLS_HS_MAX_LEN)
					return TLS_MALFORMED;
				if (hlen <= flen - TLS_HS_HDR) {
					m->body.p = frag + TLS_HS_HDR;
					m->body.n = hlen;
					return TLS_OK;
				}
			}
		}
		while (i < flen && (need == 0 || have < need)) {
			size_t k;

			if (have < TLS_HS_HDR) {
				scratch[have++] = frag[i++];
				if (have == 1 && scratch[0] != want)
					return TLS_NOT_TLS;
				if (have == TLS_HS_HDR) {
					uint32_t hlen = be24(scratch + 1);

					if (hlen > TLS_HS_MAX_LEN)
						return TLS_MALFORMED;
					need = TLS_HS_HDR + hlen;
				}
				continue;
			}
			k = flen - i;
			if (k > need - have)
				k = need - have;
			memcpy(scratch + have, frag + i, k);
			have += k;
			i += k;
		}
		if (need != 0 && have == need) {
			m->body.p = scratch + TLS_HS_HDR;
			m->body.n = need - TLS_HS_HDR;
			return TLS_OK;
		}
		if (flen < rlen)
			return TLS_NEED_MORE;
		off += TLS_REC_HDR + rlen;
		first = 0;
	}
}

/* Push v into a bounded u16 list, flagging overflow. */
static void push16(uint16_t *arr, uint8_t *n, size_t max, uint16_t v, uint8_t *trunc)
{
	if (*n < max)
		arr[(*n)++] = v;
	else
		*trunc = 1;
}

/* parse_u16_list - a vector of u16 (prefix bytes of length) that must fill
 * the extension exactly; GREASE dropped. */
static int parse_u16_list(struct cur *d, int prefix, uint16_t *arr, uint8_t *n, size_t max,
			  uint8_t *trunc)
{
	struct cur l;

	if (cur_vec(d, prefix, &l) || d->n != 0 || (l.n & 1))
		return -1;
	for (size_t i = 0; i < l.n; i += 2) {
		uint16_t v = be16(l.p + i);

		if (!is_grease(v))
			push16(arr, n, max, v, trunc);
	}
	return 0;
}

static int parse_sni(struct cur *d, struct tls_client_hello *ch)
{
	struct cur list, name;
	int got = 0;

	if (cur_vec(d, 2, &list) || d->n != 0 || list.n == 0)
		return -1;
	while (list.n) {
		uint8_t type;
		size_t i;

		if (cur_u8(&list, &type) || cur_vec(&list, 2, &name))
			return -1;
		if (type != 0 || got)
			continue;
		got = 1;
		if (name.n == 0 || name.n > TLS_SNI_MAX) {
			ch->sni_invalid = 1;
			continue;
		}
		for (i = 0; i < name.n; i++)
			if (name.p[i] < 0x20 || name.p[i] == 0x7f)
				break;
		if (i < name.n) {
			ch->sni_invalid = 1;
			continue;
		}
		memcpy(ch->sni, name.p, name.n);
		ch->sni[name.n] = '\0';
	}
	return 0;
}

static int parse_alpn(struct cur *d, struct tls_client_hello *ch)
{
	struct cur list, name;

	if (cur_vec(d, 2, &list) || d->n != 0)
		return -1;
	while (list.n) {
		size_t k;

		if (cur_vec(&list, 1, &name))
			return -1;
		if (ch->n_alpn_total == 0) {
			ch->alpn0_len = (uint16_t)name.n;
			if (name.n) {
				ch->alpn0_first = name.p[0];
				ch->alpn0_last = name.p[name.n - 1];
			}
		}
		if (ch->n_alpn_total < UINT8_MAX)
			ch->n_alpn_total++;
		if (ch->n_alpn >= TLS_MAX_ALPN) {
			ch->truncated_lists = 1;
			continue;
		}
		k = name.n;
		if (k > TLS_ALPN_NAME_MAX) {
			k = TLS_ALPN_NAME_MAX;
			ch->truncated_lists = 1;
		}
		memcpy(ch->alpn[ch->n_alpn], name.p, k);
		ch->alpn[ch->n_alpn][k] = '\0';
		ch->n_alpn++;
	}
	return 0;
}

static int parse_point_formats(struct cur *d, struct tls_client_hello *ch)
{
	struct cur l;

	if (cur_vec(d, 1, &l) || d->n != 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		if (ch->n_point_formats < TLS_MAX_POINT_FORMATS)
			ch->point_formats[ch->n_point_formats++] = l.p[i];
		else
			ch->truncated_lists = 1;
	}
	return 0;
}

/* Extensions whose content is parsed: only the first occurrence counts. */
enum {
	SEEN_SNI = 1 << 0,
	SEEN_GROUPS = 1 << 1,
	SEEN_PF = 1 << 2,
	SEEN_SIG = 1 << 3,
	SEEN_ALPN = 1 << 4,
	SEEN_VERS = 1 << 5,
};

static int parse_extension(uint16_t type, struct cur *d, struct tls_client_hello *ch,
			   unsigned *seen)
{
	unsigned bit;

	switch (type) {
	case EXT_SERVER_NAME:
		bit = SEEN_SNI;
		break;
	case EXT_SUPPORTED_GROUPS:
		bit = SEEN_GROUPS;
		break;
	case EXT_EC_POINT_FORMATS:
		bit = SEEN_PF;
		break;
	case EXT_SIG_ALGS:
		bit = SEEN_SIG;
		break;
	case EXT_ALPN:
		bit = SEEN_ALPN;
		break;
	case EXT_SUPPORTED_VERSIONS:
		bit = SEEN_VERS;
		break;
	default:
		return 0;
	}
	if (*seen & bit)
		return 0;
	*seen |= bit;

	switch (type) {
	case EXT_SERVER_NAME:
		ch->has_sni_ext = 1;
		return parse_sni(d, ch);
	case EXT_SUPPORTED_GROUPS:
		return parse_u16_list(d, 2, ch->groups, &ch->n_groups, TLS_MAX_GROUPS,
				      &ch->truncated_lists);
	case EXT_EC_POINT_FORMATS:
		return parse_point_formats(d, ch);
	case EXT_SIG_ALGS:
		return parse_u16_list(d, 2, ch->sig_algs, &ch->n_sig_algs, TLS_MAX_SIG_ALGS,
				      &ch->truncated_lists);
	case EXT_ALPN:
		return parse_alpn(d, ch);
	default: /* EXT_SUPPORTED_VERSIONS */
		return parse_u16_list(d, 1, ch->versions, &ch->n_versions, TLS_MAX_VERSIONS,
				      &ch->truncated_lists);
	}
}

/* hello_head - legacy_version, random and legacy_session_id: how both
 * hellos begin. */
static inline int hello_head(struct cur *c, uint16_t *legacy_version)
{
	struct cur sid;

	if (cur_u16(c, legacy_version) || cur_skip(c, 32) || cur_vec(c, 1, &sid) || sid.n > 32)
		return -1;
	return 0;
}

/*
 * walk_exts - the extensions block that ends a hello: none at all, or a
 * vector that fills the rest of the message exactly, each extension in it
 * handed to fn with its type and data. -1 when malformed or fn fails.
 * Inline: each hello's fn becomes a direct call, inlined in turn.
 */
static inline int walk_exts(struct cur c, int (*fn)(void *ctx, uint16_t type, struct cur *d),
			    void *ctx)
{
	struct cur exts;

	if (c.n == 0)
		return 0; /* no extensions block */
	if (cur_vec(&c, 2, &exts) || c.n != 0)
		return -1;
	while (exts.n) {
		uint16_t type;
		struct cur d;

		if (cur_u16(&exts, &type) || cur_vec(&exts, 2, &d) || fn(ctx, type, &d))
			return -1;
	}
	return 0;
}

struct client_exts {
	struct tls_client_hello *ch;
	unsigned seen; /* SEEN_* */
};

static int client_ext(void *ctx, uint16_t type, struct cur *d)
{
	struct client_exts *x = ctx;
	struct tls_client_hello *ch = x->ch;

	if (is_grease(type))
		return 0;
	ch->n_exts_total++;
	push16(ch->exts, &ch->n_exts, TLS_MAX_EXTS, type, &ch->truncated_lists);
	return parse_extension(type, d, ch, &x->seen);
}

static enum tls_parse_result parse_client_body(struct cur c, struct tls_client_hello *ch)
{
	struct client_exts x = { ch, 0 };
	struct cur ciphers, comp;

	if (hello_head(&c, &ch->legacy_version) || cur_vec(&c, 2, &ciphers) || (ciphers.n & 1) ||
	    cur_vec(&c, 1, &comp))
		return TLS_MALFORMED;
	for (size_t i = 0; i < ciphers.n; i += 2) {
		uint16_t v = be16(ciphers.p + i);

		if (is_grease(v))
			continue;
		ch->n_ciphers_total++;
		push16(ch->ciphers, &ch->n_ciphers, TLS_MAX_CIPHERS, v, &ch->truncated_lists);
	}
	return walk_exts(c, client_ext, &x) ? TLS_MALFORMED : TLS_OK;
}

/* Of the server's extensions the types are kept (JA3S) and only
 * supported_versions is read. */
static int server_ext(void *ctx, uint16_t type, struct cur *d)
{
	struct tls_server_hello *sh = ctx;

	if (sh->n_exts < TLS_MAX_EXTS)
		sh->exts[sh->n_exts++] = type;
	if (type != EXT_SUPPORTED_VERSIONS)
		return 0;
	if (d->n != 2)
		return -1;
	sh->selected_version = be16(d->p);
	return 0;
}

enum tls_parse_result tls_parse_client_hello(const uint8_t *buf, size_t len,
					     struct tls_client_hello *out)
{
	uint8_t scratch[TLS_HS_HDR + TLS_HS_MAX_LEN];
	enum tls_parse_result r;
	struct hs_msg m;

	r = hs_first_message(buf, len, TLS_HS_CLIENT_HELLO, scratch, &m);
	if (r != TLS_OK)
		return r;
	memset(out, 0, sizeof(*out));
	out->record_version = m.record_version;
	return parse_client_body(m.body, out);
}

enum tls_parse_result tls_parse_client_hello_msg(const uint8_t *msg, size_t len,
						 struct tls_client_hello *out)
{
	struct cur body;
	uint32_t hlen;

	if (len >= 1 && msg[0] != TLS_HS_CLIENT_HELLO)
		return TLS_NOT_TLS;
	if (len < TLS_HS_HDR)
		return TLS_NEED_MORE;
	hlen = be24(msg + 1);
	if (hlen > TLS_HS_MAX_LEN)
		return TLS_MALFORMED;
	if (len - TLS_HS_HDR < hlen)
		return TLS_NEED_MORE;
	body.p = msg + TLS_HS_HDR;
	body.n = hlen;
	memset(out, 0, sizeof(*out));
	return parse_client_body(body, out);
}

enum tls_parse_result tls_parse_server_hello(const uint8_t *buf, size_t len,
					     struct tls_server_hello *out)
{
	uint8_t scratch[TLS_HS_HDR + TLS_HS_MAX_LEN];
	enum tls_parse_result r;
	struct hs_msg m;
	struct cur c;
	uint8_t comp;

	r = hs_first_message(buf, len, TLS_HS_SERVER_HELLO, scratch, &m);
	if (r != TLS_OK)
		return r;
	memset(out, 0, sizeof(*out));
	c = m.body;
	if (hello_head(&c, &out->legacy_version) || cur_u16(&c, &out->cipher) || cur_u8(&c, &comp))
		return TLS_MALFORMED;
	out->selected_version = out->legacy_version;
	return walk_exts(c, server_ext, out) ? TLS_MALFORMED : TLS_OK;
}

int tls_looks_like_handshake(const uint8_t *buf, size_t len)
{
	size_t rlen = 0;

	if (len == 0)
		return 1;
	if (!buf || record_header(buf, len, 1, &rlen) == TLS_NOT_TLS)
		return 0;
	if (len < TLS_REC_HDR)
		return 1;
	if (rlen == 0 || rlen > TLS_RECORD_MAX_LEN)
		return 0;
	if (len < 6)
		return 1;
	if (buf[5] != TLS_HS_CLIENT_HELLO && buf[5] != TLS_HS_SERVER_HELLO)
		return 0;
	/* The handshake length is only contiguous when the record holds it. */
	if (len >= 9 && rlen >= TLS_HS_HDR && be24(buf + 6) > TLS_HS_MAX_LEN)
		return 0;
	return 1;
}

/* ---- fingerprints ---- */

static char *put_hex4(char *p, uint16_t v)
{
	p[0] = nt_hexdig[v >> 12];
	p[1] = nt_hexdig[(v >> 8) & 0xf];
	p[2] = nt_hexdig[(v >> 4) & 0xf];
	p[3] = nt_hexdig[v & 0xf];
	return p + 4;
}

static char *put_dec(char *p, unsigned v)
{
	char tmp[8];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void sort_u16(uint16_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t v = a[i];
		size_t j = i;

		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

/* hex_list - "xxxx,yyyy,..." of n values; returns the end. */
static char *hex_list(char *p, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = put_hex4(p, v[i]);
	}
	return p;
}

/* hash12 - first 12 hex digits of SHA-256(s[0..n)); "000000000000" when
 * the hashed field is empty (JA4+ general rule) or the digest fails. */
static void hash12(const char *s, size_t n, int empty, char out[12])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (empty || !EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) || mdlen < 6) {
		memset(out, '0', 12);
		return;
	}
	for (int i = 0; i < 6; i++) {
		out[2 * i] = nt_hexdig[md[i] >> 4];
		out[2 * i + 1] = nt_hexdig[md[i] & 0xf];
	}
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	default:
		return "00";
	}
}

static int is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void copy_cut(char *dst, size_t dst_len, const char *src, size_t n)
{
	if (!dst || dst_len == 0)
		return;
	if (n > dst_len - 1)
		n = dst_len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Room for the longest strings (TLS_JA4_R_MAX_LEN, TLS_JA3_MAX_LEN). */
#define JA4_R_BUF 2048
#define JA3_BUF	  2048
_Static_assert(TLS_JA4_R_MAX_LEN < JA4_R_BUF && TLS_JA3_MAX_LEN < JA3_BUF,
	       "fingerprint buffers too small");

void tls_ja4(const struct tls_client_hello *ch, char transport, char out[37], char *out_r,
	     size_t out_r_len)
{
	uint16_t ciphers[TLS_MAX_CIPHERS], exts[TLS_MAX_EXTS];
	size_t nc = ch->n_ciphers, ne = 0, nx;
	char raw[JA4_R_BUF], *p = raw, *cs, *es;
	uint16_t ver = ch->legacy_version;
	unsigned cnt;
	const char *v;

	if (nc > TLS_MAX_CIPHERS)
		nc = TLS_MAX_CIPHERS;
	nx = ch->n_exts > TLS_MAX_EXTS ? TLS_MAX_EXTS : ch->n_exts;
	if (ch->n_versions) {
		size_t n = ch->n_versions > TLS_MAX_VERSIONS ? TLS_MAX_VERSIONS : ch->n_versions;

		ver = 0;
		for (size_t i = 0; i < n; i++)
			if (ch->versions[i] > ver)
				ver = ch->versions[i];
	}

	/* JA4_a: transport, version, SNI, counts, ALPN */
	v = ja4_version(ver);
	*p++ = transport;
	*p++ = v[0];
	*p++ = v[1];
	*p++ = ch->has_sni_ext ? 'd' : 'i';
	cnt = ch->n_ciphers_total > 99 ? 99 : ch->n_ciphers_total;
	*p++ = (char)('0' + cnt / 10);
	*p++ = (char)('0' + cnt % 10);
	cnt = ch->n_exts_total > 99 ? 99 : ch->n_exts_total;
	*p++ = (char)('0' + cnt / 10);
	*p++ = (char)('0' + cnt % 10);
	/*
	 * ALPN, JA4.md: the first and last byte of the first name as sent;
	 * if either is not [0-9A-Za-z], the first and last hex digit of that
	 * name instead (0x30 0xAB -> "3b", 0xBA 0xAD -> "bd"); "00" with no
	 * extension, no names or an empty first name. FoxIO's python/ja4.py
	 * and rust/ja4 print "99" or '9' for non-ASCII bytes instead; that
	 * is not in JA4.md, tshark 4.2 follows JA4.md.
	 */
	if (ch->n_alpn_total == 0 || ch->alpn0_len == 0) {
		*p++ = '0';
		*p++ = '0';
	} else if (is_alnum(ch->alpn0_first) && is_alnum(ch->alpn0_last)) {
		*p++ = (char)ch->alpn0_first;
		*p++ = (char)ch->alpn0_last;
	} else {
		*p++ = nt_hexdig[ch->alpn0_first >> 4];
		*p++ = nt_hexdig[ch->alpn0_last & 0xf];
	}

	/* JA4_b: sorted ciphers; JA4_c: sorted extensions less SNI and
	 * ALPN, then "_" and the signature algorithms in their order */
	memcpy(ciphers, ch->ciphers, nc * sizeof(ciphers[0]));
	sort_u16(ciphers, nc);
	for (size_t i = 0; i < nx; i++)
		if (ch->exts[i] != EXT_SERVER_NAME && ch->exts[i] != EXT_ALPN)
			exts[ne++] = ch->exts[i];
	sort_u16(exts, ne);

	*p++ = '_';
	cs = p;
	p = hex_list(p, ciphers, nc);
	*p++ = '_';
	es = p;
	p = hex_list(p, exts, ne);
	if (ch->n_sig_algs) {
		size_t ns = ch->n_sig_algs > TLS_MAX_SIG_ALGS ? TLS_MAX_SIG_ALGS : ch->n_sig_algs;

		*p++ = '_';
		p = hex_list(p, ch->sig_algs, ns);
	}

	memcpy(out, raw, 11);
	hash12(cs, (size_t)(es - 1 - cs), nc == 0, out + 11);
	out[23] = '_';
	hash12(es, (size_t)(p - es), ne == 0, out + 24);
	out[36] = '\0';
	copy_cut(out_r, out_r_len, raw, (size_t)(p - raw));
}

static char *dec_list16(char *p, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = '-';
		p = put_dec(p, v[i]);
	}
	return p;
}

void tls_ja3(const struct tls_client_hello *ch, char *out, size_t out_len, char md5_hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char s[JA3_BUF], *p = s;
	size_t npf;

	p = put_dec(p, ch->legacy_version);
	*p++ = ',';
	p = dec_list16(p, ch->ciphers,
		       ch->n_ciphers > TLS_MAX_CIPHERS ? TLS_MAX_CIPHERS : ch->n_ciphers);
	*p++ = ',';
	p = dec_list16(p, ch->exts, ch->n_exts > TLS_MAX_EXTS ? TLS_MAX_EXTS : ch->n_exts);
	*p++ = ',';
	p = dec_list16(p, ch->groups,
		       ch->n_groups > TLS_MAX_GROUPS ? TLS_MAX_GROUPS : ch->n_groups);
	*p++ = ',';
	npf = ch->n_point_formats > TLS_MAX_POINT_FORMATS ? TLS_MAX_POINT_FORMATS :
							    ch->n_point_formats;
	for (size_t i = 0; i < npf; i++) {
		if (i)
			*p++ = '-';
		p = put_dec(p, ch->point_formats[i]);
	}

	if (EVP_Digest(s, (size_t)(p - s), md, &mdlen, EVP_md5(), NULL) && mdlen == 16)
		nt_hex(md5_hex, md, 16);
	else
		md5_hex[0] = '\0';
	copy_cut(out, out_len, s, (size_t)(p - s));
}

void tls_ja3s(const struct tls_server_hello *sh, char *out, size_t out_len, char md5_hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char s[TLS_JA3S_MAX_LEN + 1], *p = s;

	p = put_dec(p, sh->legacy_version);
	*p++ = ',';
	p = put_dec(p, sh->cipher);
	*p++ = ',';
	p = dec_list16(p, sh->exts, sh->n_exts > TLS_MAX_EXTS ? TLS_MAX_EXTS : sh->n_exts);
	if (EVP_Digest(s, (size_t)(p - s), md, &mdlen, EVP_md5(), NULL) && mdlen == 16)
		nt_hex(md5_hex, md, 16);
	else
		md5_hex[0] = '\0';
	copy_cut(out, out_len, s, (size_t)(p - s));
}

const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "1.3";
	case 0x0303:
		return "1.2";
	case 0x0302:
		return "1.1";
	case 0x0301:
		return "1.0";
	case 0x0300:
		return "3.0";
	case 0x0002:
		return "2.0";
	default:
		return NULL;
	}
}

const char *tls_cipher_name(uint16_t id)
{
	/* IANA TLS Cipher Suites registry: the suites servers choose today */
	static const struct {
		uint16_t id;
		const char *name;
	} suites[] = {
		{ 0x1301, "TLS_AES_128_GCM_SHA256" },
		{ 0x1302, "TLS_AES_256_GCM_SHA384" },
		{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
		{ 0x1304, "TLS_AES_128_CCM_SHA256" },
		{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
		{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
		{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
		{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
		{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
		{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
		{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
		{ 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
		{ 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
		{ 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
		{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
		{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return suites[i].name;
	return NULL;
}
