// SPDX-License-Identifier: BSD-2-Clause
/* quic.c - QUIC Initial packets opened, their CRYPTO frames reassembled. */
#include "quic.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include <string.h>

/* Version-independent long header packet types (v1 numbering). */
enum { PT_INITIAL = 0, PT_0RTT = 1, PT_HANDSHAKE = 2, PT_RETRY = 3 };

static const uint8_t salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
				      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };

struct version {
	uint32_t v;
	const char *name;
	const uint8_t *salt;
	int v2; /* RFC 9369: "quicv2" labels, rotated type bits */
};

/* Drafts 29-32 share a salt; 33 and 34 took version 1's. */
static const struct version versions[] = {
	{ NT_QUIC_V1, "1", salt_v1, 0 },	  { NT_QUIC_V2, "2", salt_v2, 1 },
	{ 0xff00001du, "draft-29", salt_d29, 0 }, { 0xff00001eu, "draft-30", salt_d29, 0 },
	{ 0xff00001fu, "draft-31", salt_d29, 0 }, { 0xff000020u, "draft-32", salt_d29, 0 },
	{ 0xff000021u, "draft-33", salt_v1, 0 },  { 0xff000022u, "draft-34", salt_v1, 0 },
};

static const struct version *version_find(uint32_t v)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i].v == v)
			return &versions[i];
	return NULL;
}

const char *nt_quic_version_name(uint32_t version)
{
	const struct version *v = version_find(version);

	return v ? v->name : NULL;
}

/* ---- libcrypto: one set of contexts per thread, made once ---------- */

struct crypto {
	EVP_KDF_CTX *kdf;
	EVP_CIPHER_CTX *ecb, *gcm;
};

static struct crypto *crypto(void)
{
	static _Thread_local struct crypto c;
	EVP_KDF *kdf;

	if (c.gcm)
		return &c;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	c.kdf = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (c.kdf) { /* the digest once: fetching it per derivation costs */
		OSSL_PARAM d[] = { OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
				   OSSL_PARAM_END };

		if (EVP_KDF_CTX_set_params(c.kdf, d) != 1) {
			EVP_KDF_CTX_free(c.kdf);
			c.kdf = NULL;
		}
	}
	c.ecb = EVP_CIPHER_CTX_new();
	if (c.ecb && !EVP_EncryptInit_ex(c.ecb, EVP_aes_128_ecb(), NULL, NULL, NULL)) {
		EVP_CIPHER_CTX_free(c.ecb);
		c.ecb = NULL;
	}
	if (c.ecb)
		EVP_CIPHER_CTX_set_padding(c.ecb, 0);
	if (c.kdf && c.ecb) {
		c.gcm = EVP_CIPHER_CTX_new();
		if (c.gcm && !EVP_DecryptInit_ex(c.gcm, EVP_aes_128_gcm(), NULL, NULL, NULL)) {
			EVP_CIPHER_CTX_free(c.gcm);
			c.gcm = NULL;
		}
	}
	return c.gcm ? &c : NULL;
}

/* HKDF-Extract(salt, ikm) with SHA-256: 32 bytes. */
static int hkdf_extract(EVP_KDF_CTX *k, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
			size_t ikm_len, uint8_t out[32])
{
	int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	OSSL_PARAM p[] = {
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
		OSSL_PARAM_END,
	};

	/* a zero-length DCID is an empty key: HKDF wants bytes, and
	 * HMAC with an empty key equals HMAC with one zero byte */
	static const uint8_t zero;

	if (!ikm_len)
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)&zero, 1);
	return EVP_KDF_derive(k, out, 32, p) == 1 ? 0 : -1;
}

/* HKDF-Expand-Label(secret, "tls13 " + label, "", len) (RFC 8446 7.1). */
static int expand_label(EVP_KDF_CTX *k, const uint8_t secret[32], const char *label, uint8_t *out,
			size_t len)
{
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	size_t ll = strlen(label);
	uint8_t info[4 + 6 + 32];
	OSSL_PARAM p[4];

	info[0] = (uint8_t)(len >> 8);
	info[1] = (uint8_t)len;
	info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ll);
	info[9 + ll] = 0; /* empty context */
	p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 10 + ll);
	p[3] = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(k, out, len, p) == 1 ? 0 : -1;
}

/* One side's Initial keys: label "client in" or "server in". */
static int initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, const char *side,
			struct nt_quic_keys *out)
{
	const struct version *v = version_find(version);
	struct crypto *c = crypto();
	uint8_t initial[32], client[32];
	int bad;

	if (!v || !c || dcid_len > NT_QUIC_CID_MAX)
		return -1;
	bad = hkdf_extract(c->kdf, v->salt, 20, dcid, dcid_len, initial) ||
	      expand_label(c->kdf, initial, side, client, 32) ||
	      expand_label(c->kdf, client, v->v2 ? "quicv2 key" : "quic key", out->key, 16) ||
	      expand_label(c->kdf, client, v->v2 ? "quicv2 iv" : "quic iv", out->iv, 12) ||
	      expand_label(c->kdf, client, v->v2 ? "quicv2 hp" : "quic hp", out->hp, 16);
	return bad ? -1 : 0;
}

int nt_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct nt_quic_keys *out)
{
	return initial_keys(version, dcid, dcid_len, "client in", out);
}

int nt_quic_server_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct nt_quic_keys *out)
{
	return initial_keys(version, dcid, dcid_len, "server in", out);
}

/* ---- packets ------------------------------------------------------- */

/* A variable-length integer (RFC 9000 16) at p[*i], within n. */
static int varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	size_t len;
	uint64_t x;

	if (*i >= n)
		return -1;
	len = (size_t)1 << (p[*i] >> 6);
	if (n - *i < len)
		return -1;
	x = p[*i] & 0x3f;
	for (size_t k = 1; k < len; k++)
		x = x << 8 | p[*i + k];
	*i += len;
	*v = x;
	return 0;
}

/* One long header packet, as far as its version is known. */
struct lhdr {
	uint32_t version;
	const struct version *ver; /* NULL: not known here (or 0: negotiation) */
	int type;		   /* PT_*, when ver */
	const uint8_t *dcid, *scid;
	uint8_t dcid_len, scid_len;
	size_t pn_off;	 /* packet number offset (Initial, 0-RTT, Handshake) */
	uint64_t length; /* the Length field: packet number + payload */
	size_t end;	 /* bytes of this packet (all that is left for Retry) */
	int cut;	 /* the Length field runs past the bytes there are */
};

/* Up to and including the connection IDs (RFC 8999 5.1). */
static int parse_ids(const uint8_t *p, size_t n, struct lhdr *h, size_t *i)
{
	if (n < 7 || !(p[0] & 0x80))
		return -1;
	h->version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	h->dcid_len = p[5];
	if (h->dcid_len > NT_QUIC_CID_MAX || n < 7u + h->dcid_len)
		return -1;
	h->dcid = p + 6;
	h->scid_len = p[6 + h->dcid_len];
	*i = 7u + h->dcid_len;
	if (h->scid_len > NT_QUIC_CID_MAX || n - *i < h->scid_len)
		return -1;
	h->scid = p + *i;
	*i += h->scid_len;
	return 0;
}

/* The long header at p[0 .. n). -1 when cut short before its Length. */
static int parse_long(const uint8_t *p, size_t n, struct lhdr *h)
{
	uint64_t tok;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (parse_ids(p, n, h, &i))
		return -1;
	h->ver = version_find(h->version);
	if (!h->ver)
		return 0;
	h->type = (p[0] >> 4) & 3;
	if (h->ver->v2)
		h->type = (h->type + 3) & 3; /* 01 Initial ... 00 Retry */
	if (h->type == PT_RETRY) {
		h->end = n;
		return n - i >= 16 ? 0 : -1; /* token, integrity tag */
	}
	if (h->type == PT_INITIAL) {
		if (varint(p, n, &i, &tok) || tok > n - i)
			return -1;
		i += (size_t)tok;
	}
	if (varint(p, n, &i, &h->length))
		return -1;
	h->pn_off = i;
	h->cut = h->length > n - i;
	h->end = h->cut ? n : i + (size_t)h->length;
	return 0;
}

enum nt_quic_look nt_quic_look(const uint8_t *p, size_t len, size_t wire_len)
{
	struct lhdr h;

	if (wire_len < NT_QUIC_MIN_DGRAM || len < 1 || (p[0] & 0xc0) != 0xc0)
		return NT_QUIC_NOT;
	if (parse_long(p, len, &h) || h.version == 0)
		return NT_QUIC_NOT;
	if (!h.ver)
		return NT_QUIC_UNKNOWN_VERSION;
	return h.type == PT_INITIAL ? NT_QUIC_INITIAL : NT_QUIC_NOT;
}

/* ---- a connection -------------------------------------------------- */

struct keyslot {
	int ok;
	uint32_t version;
	uint8_t cid[NT_QUIC_CID_MAX], cid_len;
	struct nt_quic_keys k;
};

struct range {
	uint32_t lo, hi; /* [lo, hi) */
};

enum { KS_FIRST, KS_RETRY, KS_OTHER };

/* One direction's CRYPTO stream, put back together by offset. */
struct stream {
	struct range r[NT_QUIC_RANGES];
	uint8_t nr;
	uint8_t type; /* the handshake message it must hold: 1 or 2 */
	int done, given_up;
	uint32_t cap, hello_len;
	uint8_t *buf;
};

#define TLS_REC 5 /* a record header put before the ServerHello */

struct nt_quic_conn {
	struct nt_quic_meta meta;
	int opened; /* an Initial was opened: meta is set */
	int epoch;  /* 1 once an Initial opened under the Retry's keys */
	/* KS_FIRST: the client's first DCID, whose keys protect its Initials
	 * until a Retry; KS_RETRY: the Retry's SCID, whose keys protect them
	 * after it; KS_OTHER: the last other DCID tried */
	struct keyslot ks[3];
	struct keyslot server; /* the server's keys, for the current DCID */
	struct stream cs, ss;  /* client (ClientHello), server (ServerHello) */
	uint8_t buf[NT_QUIC_CRYPTO_MAX];
	uint8_t sbuf[TLS_REC + NT_QUIC_SERVER_MAX];
};

struct nt_quic_conn *nt_quic_conn_new(struct nt_quic_stats *st)
{
	struct nt_quic_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (st)
		st->conns_alive++;
	c->cs = (struct stream){ .type = 1, .cap = NT_QUIC_CRYPTO_MAX, .buf = c->buf };
	c->ss = (struct stream){ .type = 2, .cap = NT_QUIC_SERVER_MAX, .buf = c->sbuf + TLS_REC };
	return c;
}

static int stream_over(const struct stream *s)
{
	return s->done || s->given_up;
}

/* Bytes past a hole that never filled. */
static int stream_gap(const struct stream *s)
{
	return !stream_over(s) && s->nr && (s->nr > 1 || s->r[0].lo);
}

void nt_quic_conn_free(struct nt_quic_conn *c, struct nt_quic_stats *st)
{
	if (!c)
		return;
	if (st) {
		st->conns_alive--;
		st->crypto_gaps += (uint64_t)(stream_gap(&c->cs) + stream_gap(&c->ss));
	}
	free(c);
}

int nt_quic_finished(const struct nt_quic_conn *c)
{
	return c->cs.given_up || (c->cs.done && stream_over(&c->ss));
}

const struct nt_quic_meta *nt_quic_meta(const struct nt_quic_conn *c)
{
	return c && c->opened ? &c->meta : NULL;
}

const uint8_t *nt_quic_hello(const struct nt_quic_conn *c, size_t *len)
{
	if (!c || !c->cs.done)
		return NULL;
	*len = c->cs.hello_len;
	return c->buf;
}

const uint8_t *nt_quic_server_hello(struct nt_quic_conn *c, size_t *len)
{
	if (!c || !c->ss.done)
		return NULL;
	c->sbuf[0] = 0x16; /* handshake, TLS 1.2 on the wire, its length */
	c->sbuf[1] = 3;
	c->sbuf[2] = 3;
	c->sbuf[3] = (uint8_t)(c->ss.hello_len >> 8);
	c->sbuf[4] = (uint8_t)c->ss.hello_len;
	*len = TLS_REC + c->ss.hello_len;
	return c->sbuf;
}

static int slot_is(const struct keyslot *s, uint32_t version, const uint8_t *cid, size_t n)
{
	return s->ok && s->version == version && s->cid_len == n && !memcmp(s->cid, cid, n);
}

/* The rest of a key slot, once its keys were derived (or not). */
static int slot_fill(struct keyslot *s, uint32_t version, const uint8_t *cid, size_t n)
{
	s->version = version;
	s->cid_len = (uint8_t)n;
	memcpy(s->cid, cid, n);
	return s->ok ? 0 : -1;
}

static int slot_set(struct keyslot *s, uint32_t version, const uint8_t *cid, size_t n)
{
	s->ok = !nt_quic_client_keys(version, cid, n, &s->k);
	return slot_fill(s, version, cid, n);
}

static int slot_set_server(struct keyslot *s, uint32_t version, const uint8_t *cid, size_t n)
{
	s->ok = !nt_quic_server_keys(version, cid, n, &s->k);
	return slot_fill(s, version, cid, n);
}

/* The keys of the packet's own DCID: the first DCID's, the Retry's, or
 * derived now into KS_OTHER when it names another one. */
static struct keyslot *keys_for(struct nt_quic_conn *c, const struct lhdr *h)
{
	struct keyslot *o = &c->ks[KS_OTHER];

	if (!c->ks[KS_FIRST].ok) {
		if (slot_set(&c->ks[KS_FIRST], h->version, h->dcid, h->dcid_len))
			return NULL;
		c->meta.dcid_len = h->dcid_len; /* the client's first DCID */
		memcpy(c->meta.dcid, h->dcid, h->dcid_len);
	}
	for (int i = KS_FIRST; i <= KS_RETRY; i++)
		if (slot_is(&c->ks[i], h->version, h->dcid, h->dcid_len))
			return &c->ks[i];
	if (!slot_is(o, h->version, h->dcid, h->dcid_len) &&
	    slot_set(o, h->version, h->dcid, h->dcid_len))
		return NULL;
	return o;
}

/*
 * Removes the header protection (RFC 9001 5.4) and opens the payload of
 * the Initial at p into out. 0 opened (*out_len bytes), -1 the tag did not
 * verify.
 */
static int open_packet(const struct nt_quic_keys *k, const uint8_t *p, const struct lhdr *h,
		       uint8_t *out, size_t *out_len)
{
	struct crypto *cr = crypto();
	uint8_t mask[16], first, pn[4], nonce[12];
	size_t pnl, ct_off, ct_len;
	int n;

	if (!cr || !EVP_EncryptInit_ex(cr->ecb, NULL, NULL, k->hp, NULL) ||
	    !EVP_EncryptUpdate(cr->ecb, mask, &n, p + h->pn_off + 4, 16) || n != 16)
		return -1;
	first = p[0] ^ (mask[0] & 0x0f);
	pnl = (size_t)(first & 3) + 1;
	memcpy(nonce, k->iv, 12);
	for (size_t j = 0; j < pnl; j++) {
		pn[j] = p[h->pn_off + j] ^ mask[1 + j];
		nonce[12 - pnl + j] ^= pn[j];
	}
	ct_off = h->pn_off + pnl;
	ct_len = h->pn_off + (size_t)h->length - 16 - ct_off;
	if (!EVP_DecryptInit_ex(cr->gcm, NULL, NULL, k->key, nonce) ||
	    !EVP_DecryptUpdate(cr->gcm, NULL, &n, &first, 1) ||
	    !EVP_DecryptUpdate(cr->gcm, NULL, &n, p + 1, (int)h->pn_off - 1) ||
	    !EVP_DecryptUpdate(cr->gcm, NULL, &n, pn, (int)pnl) ||
	    !EVP_DecryptUpdate(cr->gcm, out, &n, p + ct_off, (int)ct_len) ||
	    !EVP_CIPHER_CTX_ctrl(cr->gcm, EVP_CTRL_GCM_SET_TAG, 16, (void *)(p + ct_off + ct_len)))
		return -1;
	*out_len = (size_t)n;
	if (EVP_DecryptFinal_ex(cr->gcm, out + n, &n) != 1)
		return -1;
	*out_len += (size_t)n;
	return 0;
}

/*
 * Opens the Initial at p with the keys of its DCID, else (the server's CID
 * after its first Initial) with those of the connection's current keys:
 * the Retry's once there was one, else the first DCID's. The slot that
 * opened it, or NULL.
 */
static struct keyslot *open_initial(struct nt_quic_conn *c, const uint8_t *p, const struct lhdr *h,
				    uint8_t *out, size_t *n)
{
	struct keyslot *ks = keys_for(c, h);
	struct keyslot *cur = &c->ks[c->ks[KS_RETRY].ok ? KS_RETRY : KS_FIRST];

	if (!ks)
		return NULL;
	if (!open_packet(&ks->k, p, h, out, n))
		return ks;
	if (ks != cur && cur->ok && cur->version == h->version &&
	    !open_packet(&cur->k, p, h, out, n))
		return cur;
	return NULL;
}

/* Adds [lo, hi) to the sorted, disjoint ranges; -1 when too many. */
static int range_add(struct stream *c, uint32_t lo, uint32_t hi)
{
	struct range out[NT_QUIC_RANGES + 1];
	int m = 0, placed = 0;

	for (int i = 0; i < c->nr; i++) {
		struct range r = c->r[i];

		if (r.hi < lo) {
			out[m++] = r;
		} else if (r.lo > hi) {
			if (!placed)
				out[m++] = (struct range){ lo, hi };
			placed = 1;
			out[m++] = r;
		} else {
			lo = r.lo < lo ? r.lo : lo;
			hi = r.hi > hi ? r.hi : hi;
		}
	}
	if (!placed)
		out[m++] = (struct range){ lo, hi };
	if (m > NT_QUIC_RANGES)
		return -1;
	memcpy(c->r, out, (size_t)m * sizeof(out[0]));
	c->nr = (uint8_t)m;
	return 0;
}

/* A CRYPTO frame's bytes into the stream buffer, at their offset. */
static void crypto_add(struct stream *c, uint64_t off, const uint8_t *d, uint64_t len,
		       struct nt_quic_stats *st)
{
	if (!len)
		return;
	if (off >= c->cap || len > c->cap - off) {
		st->crypto_absurd++; /* no hello reaches that far */
		if (off >= c->cap)
			return;
		len = c->cap - off;
	}
	if (range_add(c, (uint32_t)off, (uint32_t)(off + len))) {
		st->crypto_gaps++;
		return;
	}
	memcpy(c->buf + off, d, (size_t)len);
}

/* Whether the stream now starts with a whole hello of its type. */
static void hello_check(struct stream *c, struct nt_quic_stats *st)
{
	uint32_t have, need;

	if (!c->nr || c->r[0].lo)
		return;
	have = c->r[0].hi;
	if (c->buf[0] != c->type) { /* not the hello wanted */
		c->given_up = 1;
		return;
	}
	if (have < 4)
		return;
	need = 4 + ((uint32_t)c->buf[1] << 16 | (uint32_t)c->buf[2] << 8 | c->buf[3]);
	if (need > c->cap) {
		st->crypto_absurd++;
		c->given_up = 1;
		return;
	}
	if (have >= need) {
		c->hello_len = need;
		c->done = 1;
		if (c->type == 1)
			st->client_hellos++;
		else
			st->server_hellos++;
	}
}

/* An ACK frame's fields after its type (RFC 9000 19.3). */
static int skip_ack(const uint8_t *p, size_t n, size_t *i, int ecn)
{
	uint64_t v, ranges;

	if (varint(p, n, i, &v) || varint(p, n, i, &v) || varint(p, n, i, &ranges) ||
	    varint(p, n, i, &v))
		return -1;
	for (uint64_t k = 0; k < ranges; k++)
		if (varint(p, n, i, &v) || varint(p, n, i, &v))
			return -1;
	if (ecn)
		for (int k = 0; k < 3; k++)
			if (varint(p, n, i, &v))
				return -1;
	return 0;
}

/* The frames of an opened Initial: CRYPTO kept, PADDING/PING/ACK skipped. */
static void frames(struct stream *c, const uint8_t *p, size_t n, struct nt_quic_stats *st)
{
	size_t i = 0;

	while (i < n) {
		uint64_t t, off, len;

		if (!p[i]) { /* PADDING */
			i++;
			continue;
		}
		if (varint(p, n, &i, &t))
			break;
		if (t == 0x01) /* PING */
			continue;
		if (t == 0x02 || t == 0x03) {
			if (skip_ack(p, n, &i, t == 0x03))
				goto bad;
			continue;
		}
		if (t == 0x1c) /* CONNECTION_CLOSE: nothing after it matters */
			return;
		if (t != 0x06)
			goto bad; /* not allowed in an Initial */
		if (varint(p, n, &i, &off) || varint(p, n, &i, &len))
			goto bad;
		if (len > n - i) {
			st->crypto_absurd++; /* longer than its packet */
			return;
		}
		crypto_add(c, off, p + i, len, st);
		i += (size_t)len;
	}
	return;
bad:
	st->frame_errors++;
}

/* Plaintext of the usual Initial (a datagram of 1200 to 1500 bytes) on
 * the stack; a larger one (jumbo frames, a fuzzer) on the heap. */
#define PLAIN_STACK 2048

/* An opened client Initial's frames, into the CRYPTO stream. */
static void client_frames(struct nt_quic_conn *c, const struct lhdr *h, const struct keyslot *ks,
			  const uint8_t *plain, size_t n, struct nt_quic_stats *st)
{
	st->initials++;
	/* The first Initial under the Retry's keys starts the stream over;
	 * after it, late Initials from before the Retry are left out. While
	 * none came, the flight before the Retry may still complete. */
	if (ks == &c->ks[KS_RETRY] && !c->epoch) {
		c->epoch = 1;
		c->cs.nr = 0;
	} else if (ks != &c->ks[KS_RETRY] && c->epoch) {
		return;
	}
	if (!c->opened) {
		c->opened = 1;
		c->meta.version = h->version;
		c->meta.scid_len = h->scid_len;
		memcpy(c->meta.scid, h->scid, h->scid_len);
	}
	frames(&c->cs, plain, n, st);
	hello_check(&c->cs, st);
}

/* One client Initial: opened (open_initial), its frames kept. */
static void client_initial(struct nt_quic_conn *c, const uint8_t *p, const struct lhdr *h,
			   struct nt_quic_stats *st)
{
	uint8_t stack[PLAIN_STACK], *plain = stack;
	struct keyslot *ks;
	size_t n = 0;

	if (h->cut || h->length < 20) {
		st->truncated++; /* no room for the sample, or cut short */
		return;
	}
	if (h->length > sizeof(stack) && !(plain = malloc((size_t)h->length))) {
		st->decrypt_failures++;
		return;
	}
	ks = open_initial(c, p, h, plain, &n);
	if (ks)
		client_frames(c, h, ks, plain, n, st);
	else
		st->decrypt_failures++;
	if (plain != stack)
		free(plain);
}

static enum nt_quic_result stream_result(const struct stream *s)
{
	return s->done ? NT_QUIC_HELLO : s->given_up ? NT_QUIC_GIVE_UP : NT_QUIC_MORE;
}

enum nt_quic_result nt_quic_client_datagram(struct nt_quic_conn *c, const uint8_t *p, size_t len,
					    struct nt_quic_stats *st)
{
	size_t off = 0;

	while (off < len && !stream_over(&c->cs)) {
		struct lhdr h;

		if (!(p[off] & 0x80))
			break; /* a short header, or padding: the rest is not ours */
		if (parse_long(p + off, len - off, &h)) {
			st->truncated++;
			break;
		}
		if (!h.ver) {
			if (h.version)
				st->unknown_versions++;
			break;
		}
		if (h.type == PT_RETRY)
			break; /* not from a client */
		if (h.type == PT_INITIAL)
			client_initial(c, p + off, &h, st);
		if (h.cut)
			break;
		off += h.end;
	}
	return stream_result(&c->cs);
}

int nt_quic_is_retry(const uint8_t *p, size_t len, uint32_t version)
{
	struct lhdr h;

	return !parse_long(p, len, &h) && h.ver && h.type == PT_RETRY && h.version == version;
}

/* A Retry: the client's next Initials go to its SCID, under its keys, and
 * carry the CRYPTO stream again from offset 0 (client_frames). */
static void server_retry(struct nt_quic_conn *c, const struct lhdr *h, struct nt_quic_stats *st)
{
	if (c->ks[KS_RETRY].ok || h->version != c->ks[KS_FIRST].version ||
	    slot_set(&c->ks[KS_RETRY], h->version, h->scid, h->scid_len))
		return;
	c->meta.retry = 1;
	st->retries++;
}

/* One server Initial, under the server keys of the connection's current
 * DCID (the client's first, or the Retry's): its ServerHello kept. */
static void server_initial(struct nt_quic_conn *c, const uint8_t *p, const struct lhdr *h,
			   struct nt_quic_stats *st)
{
	const struct keyslot *cur = &c->ks[c->ks[KS_RETRY].ok ? KS_RETRY : KS_FIRST];
	uint8_t stack[PLAIN_STACK], *plain = stack;
	size_t n = 0;

	if (h->version != cur->version) /* compatible version negotiation */
		return;
	if (h->cut || h->length < 20) {
		st->truncated++;
		return;
	}
	if (!slot_is(&c->server, cur->version, cur->cid, cur->cid_len) &&
	    slot_set_server(&c->server, cur->version, cur->cid, cur->cid_len)) {
		st->decrypt_failures++;
		return;
	}
	if (h->length > sizeof(stack) && !(plain = malloc((size_t)h->length))) {
		st->decrypt_failures++;
		return;
	}
	if (open_packet(&c->server.k, p, h, plain, &n)) {
		st->decrypt_failures++;
	} else {
		st->initials++;
		frames(&c->ss, plain, n, st);
		hello_check(&c->ss, st);
	}
	if (plain != stack)
		free(plain);
}

enum nt_quic_result nt_quic_server_datagram(struct nt_quic_conn *c, const uint8_t *p, size_t len,
					    struct nt_quic_stats *st)
{
	size_t off = 0;

	while (c->ks[KS_FIRST].ok && off < len && !stream_over(&c->ss)) {
		struct lhdr h;

		if (!(p[off] & 0x80) || parse_long(p + off, len - off, &h) || !h.ver)
			break;
		if (h.type == PT_RETRY) {
			server_retry(c, &h, st);
			break;
		}
		if (h.type == PT_INITIAL)
			server_initial(c, p + off, &h, st);
		if (h.cut)
			break;
		off += h.end;
	}
	return stream_result(&c->ss);
}
