// SPDX-License-Identifier: BSD-2-Clause
/* tls_cert.c - TLS Certificate messages read with OpenSSL (see tls_cert.h). */
#include "tls_cert.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <uthash.h>

#define REC_HDR	   5
#define HS_HDR	   4
#define REC_MAX	   (16384 + 2048) /* TLSCiphertext bound (RFC 5246 6.2.3) */
#define CT_HS	   22
#define HS_CERT	   11
#define HS_SH_DONE 14
#define HS_CV	   15
#define HS_CKE	   16
#define HS_FIN	   20

const char *const tls_cert_attr_ecs[TLS_CERT_N_ATTRS] = {
	"common_name", "organization",	    "organizational_unit",
	"country",     "state_or_province", "locality",
};

static const int attr_nid[TLS_CERT_N_ATTRS] = {
	NID_commonName,	 NID_organizationName,	  NID_organizationalUnitName,
	NID_countryName, NID_stateOrProvinceName, NID_localityName,
};

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* ---- framing: records -> the Certificate message ---------------------- */

/* Copies the handshake fragments of buf's records into scratch; *end set
 * when a non-handshake record ends the clear-text flight. */
static enum tls_cert_find_result gather(const uint8_t *buf, size_t len, uint8_t *scratch,
					size_t cap, size_t *have, int *end)
{
	size_t off = 0;

	*have = 0;
	*end = 0;
	while (off < len) {
		size_t rlen, flen;

		if (len - off < REC_HDR)
			return TLS_CERT_NEED_MORE;
		if (buf[off + 1] != 0x03)
			return TLS_CERT_MALFORMED;
		if (buf[off] != CT_HS) {
			*end = 1;
			return TLS_CERT_FOUND;
		}
		rlen = (size_t)buf[off + 3] << 8 | buf[off + 4];
		if (rlen == 0 || rlen > REC_MAX)
			return TLS_CERT_MALFORMED;
		flen = len - off - REC_HDR < rlen ? len - off - REC_HDR : rlen;
		if (flen > cap - *have)
			return TLS_CERT_NEED_MORE;
		memcpy(scratch + *have, buf + off + REC_HDR, flen);
		*have += flen;
		off += REC_HDR + flen;
	}
	return TLS_CERT_FOUND;
}

enum tls_cert_find_result tls_cert_find(const uint8_t *buf, size_t len, uint8_t *scratch,
					size_t scratch_cap, const uint8_t **msg, size_t *msg_len)
{
	enum tls_cert_find_result r;
	size_t have, off = 0;
	int end;

	if (!buf || len == 0)
		return TLS_CERT_NEED_MORE;
	if (buf[0] != CT_HS)
		return TLS_CERT_ABSENT;
	r = gather(buf, len, scratch, scratch_cap, &have, &end);
	if (r != TLS_CERT_FOUND)
		return r;
	while (off + HS_HDR <= have) {
		uint8_t type = scratch[off];
		size_t mlen = be24(scratch + off + 1);

		if (type == HS_SH_DONE || type == HS_CKE || type == HS_CV || type == HS_FIN)
			return TLS_CERT_ABSENT;
		if (mlen > have - off - HS_HDR)
			return end ? TLS_CERT_MALFORMED : TLS_CERT_NEED_MORE;
		if (type == HS_CERT) {
			*msg = scratch + off + HS_HDR;
			*msg_len = mlen;
			return TLS_CERT_FOUND;
		}
		off += HS_HDR + mlen;
	}
	if (end)
		return off == have ? TLS_CERT_ABSENT : TLS_CERT_MALFORMED;
	return TLS_CERT_NEED_MORE;
}

/* ---- certificates, with OpenSSL ----------------------------------------- */

/* A copy of n bytes, cut at TLS_CERT_STR_MAX, control bytes made '?'. */
static char *clean_dup(const unsigned char *s, size_t n, bool *trunc)
{
	char *o;

	if (n > TLS_CERT_STR_MAX) {
		n = TLS_CERT_STR_MAX;
		*trunc = true;
	}
	o = malloc(n + 1);
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++)
		o[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
	o[n] = '\0';
	return o;
}

static void strs_push(struct tls_cert_strs *l, size_t max, char *s, bool *trunc)
{
	char **v;

	if (!s)
		return;
	if (l->n >= max || !(v = realloc(l->v, (l->n + 1) * sizeof(*v)))) {
		*trunc = true;
		free(s);
		return;
	}
	l->v = v;
	l->v[l->n++] = s;
}

static void strs_free(struct tls_cert_strs *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The RFC 2253 string of a name (X509_NAME_print_ex, XN_FLAG_RFC2253). */
static char *name_rfc2253(const X509_NAME *nm, bool *trunc)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *o = NULL;
	long n;

	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n >= 0)
			o = clean_dup((const unsigned char *)(p ? p : ""), (size_t)n, trunc);
	}
	BIO_free(b);
	return o;
}

static void name_attrs(const X509_NAME *nm, struct tls_cert_strs out[TLS_CERT_N_ATTRS], bool *trunc)
{
	for (int a = 0; a < TLS_CERT_N_ATTRS; a++) {
		int i = -1;

		while ((i = X509_NAME_get_index_by_NID(nm, attr_nid[a], i)) >= 0) {
			X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
			unsigned char *u = NULL;
			int n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));

			if (n >= 0)
				strs_push(&out[a], TLS_CERT_VALUES_MAX,
					  clean_dup(u, (size_t)n, trunc), trunc);
			OPENSSL_free(u);
		}
	}
}

static void alt_names(X509 *x, struct tls_x509 *o)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s = NULL;

		if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
			s = g->d.ia5;
			strs_push(&o->alt_names, TLS_CERT_SANS_MAX,
				  clean_dup(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
					    &o->truncated),
				  &o->truncated);
		} else if (g->type == GEN_IPADD) {
			char ip[INET6_ADDRSTRLEN];
			int len = ASN1_STRING_length(g->d.iPAddress);
			const void *a = ASN1_STRING_get0_data(g->d.iPAddress);

			if ((len == 4 && inet_ntop(AF_INET, a, ip, sizeof(ip))) ||
			    (len == 16 && inet_ntop(AF_INET6, a, ip, sizeof(ip))))
				strs_push(&o->alt_names, TLS_CERT_SANS_MAX, strdup(ip),
					  &o->truncated);
		}
	}
	GENERAL_NAMES_free(gens);
}

static void upper_hex(char *out, const unsigned char *b, size_t n)
{
	static const char dig[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = dig[b[i] >> 4];
		out[2 * i + 1] = dig[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The fingerprint of the certificate (X509_digest: over its DER). */
static void digest(X509 *x, const EVP_MD *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (X509_digest(x, md, d, &n))
		upper_hex(out, d, n);
	else
		out[0] = '\0';
}

static int64_t unix_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static char *serial_hex(X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL, *o = h ? strdup(h) : NULL;

	OPENSSL_free(h);
	BN_free(bn);
	return o;
}

static void public_key(X509 *x, struct tls_x509 *o)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *name;

	if (!pk)
		return;
	o->pk_size = EVP_PKEY_get_bits(pk);
	name = EVP_PKEY_get0_type_name(pk);
	snprintf(o->pk_alg, sizeof(o->pk_alg), "%s", name ? name : "");
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, o->pk_curve,
					    sizeof(o->pk_curve), NULL))
		o->pk_curve[0] = '\0';
}

static void signature_alg(X509 *x, struct tls_x509 *o)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;

	X509_get0_signature(NULL, &alg, x);
	if (alg)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (!obj || OBJ_obj2txt(o->sig_alg, sizeof(o->sig_alg), obj, 0) <= 0)
		o->sig_alg[0] = '\0';
}

/* Everything ECS says of the leaf. */
static void x509_full(X509 *x, struct tls_x509 *o)
{
	o->subject = name_rfc2253(X509_get_subject_name(x), &o->truncated);
	o->issuer = name_rfc2253(X509_get_issuer_name(x), &o->truncated);
	name_attrs(X509_get_subject_name(x), o->subj, &o->truncated);
	name_attrs(X509_get_issuer_name(x), o->iss, &o->truncated);
	alt_names(x, o);
	digest(x, EVP_sha1(), o->sha1);
	digest(x, EVP_sha256(), o->sha256);
	o->not_before = unix_time(X509_get0_notBefore(x));
	o->not_after = unix_time(X509_get0_notAfter(x));
	o->serial = serial_hex(x);
	o->version = (int)X509_get_version(x) + 1;
	signature_alg(x, o);
	public_key(x, o);
	o->self_signed = X509_self_signed(x, 1) == 1;
}

static void x509_brief(X509 *x, struct tls_x509_brief *o)
{
	bool t = false;

	o->subject = name_rfc2253(X509_get_subject_name(x), &t);
	o->issuer = name_rfc2253(X509_get_issuer_name(x), &t);
	o->serial = serial_hex(x);
	digest(x, EVP_sha256(), o->sha256);
}

/* ---- the cache of decoded certificates ---------------------------------- */

struct cached {
	uint8_t sha256[32]; /* of the DER */
	X509 *x;
	UT_hash_handle hh;
};

struct tls_cert_cache {
	struct cached *by_hash; /* insertion order: least recently used first */
	unsigned n, max;
	uint64_t hits;
};

struct tls_cert_cache *tls_cert_cache_new(unsigned max)
{
	struct tls_cert_cache *c = calloc(1, sizeof(*c));

	if (c)
		c->max = max ? max : 1;
	return c;
}

static void cached_drop(struct tls_cert_cache *c, struct cached *e)
{
	HASH_DEL(c->by_hash, e);
	X509_free(e->x);
	free(e);
	c->n--;
}

void tls_cert_cache_free(struct tls_cert_cache *c)
{
	struct cached *e, *t;

	if (!c)
		return;
	HASH_ITER(hh, c->by_hash, e, t)
		cached_drop(c, e);
	free(c);
}

uint64_t tls_cert_cache_hits(const struct tls_cert_cache *c)
{
	return c ? c->hits : 0;
}

/* The certificate of der[0 .. len): from the cache, or decoded (and kept).
 * The caller frees the reference it gets. NULL when it does not parse. */
static X509 *decode(struct tls_cert_cache *c, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	uint8_t h[32];
	unsigned int hl = 0;
	struct cached *e = NULL;
	X509 *x;

	if (c && EVP_Digest(der, len, h, &hl, EVP_sha256(), NULL) && hl == 32) {
		HASH_FIND(hh, c->by_hash, h, 32, e);
		if (e) {
			c->hits++;
			HASH_DEL(c->by_hash, e); /* most recently used: to the end */
			HASH_ADD(hh, c->by_hash, sha256, 32, e);
			X509_up_ref(e->x);
			return e->x;
		}
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	if (!x || !c || hl != 32 || !(e = calloc(1, sizeof(*e))))
		return x;
	if (c->n >= c->max)
		cached_drop(c, c->by_hash);
	memcpy(e->sha256, h, 32);
	e->x = x;
	X509_up_ref(x);
	HASH_ADD(hh, c->by_hash, sha256, 32, e);
	c->n++;
	return x;
}

/* Does the leaf name host? RFC 6125 through X509_check_host. */
static int8_t name_mismatch(X509 *x, const char *sni)
{
	if (!sni || !sni[0])
		return -1;
	return X509_check_host(x, sni, strlen(sni), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) !=
	       1;
}

int tls_cert_parse(const uint8_t *body, size_t len, const char *sni, struct tls_cert_cache *cache,
		   struct tls_certs *out)
{
	size_t off = 3;

	memset(out, 0, sizeof(*out));
	if (len < 3 || be24(body) != len - 3)
		return -1;
	while (off < len) {
		size_t clen;
		X509 *x;

		if (len - off < 3 || (clen = be24(body + off)) > len - off - 3 || clen == 0)
			goto bad;
		off += 3 + clen;
		out->n_certs++;
		if (out->n_certs > 1 + TLS_CERT_CHAIN_MAX)
			continue; /* only counted */
		x = decode(cache, body + off - clen, clen);
		if (!x) {
			if (out->n_certs == 1)
				goto bad;
			out->n_bad++;
			continue;
		}
		if (out->n_certs == 1) {
			out->has_leaf = true;
			x509_full(x, &out->leaf);
			out->name_mismatch = name_mismatch(x, sni);
		} else {
			x509_brief(x, &out->chain[out->n_chain++]);
		}
		X509_free(x);
	}
	if (!out->has_leaf)
		out->name_mismatch = -1;
	return 0;
bad:
	tls_certs_free(out);
	return -1;
}

void tls_certs_free(struct tls_certs *c)
{
	struct tls_x509 *l = &c->leaf;

	free(l->subject);
	free(l->issuer);
	free(l->serial);
	for (int a = 0; a < TLS_CERT_N_ATTRS; a++) {
		strs_free(&l->subj[a]);
		strs_free(&l->iss[a]);
	}
	strs_free(&l->alt_names);
	for (int i = 0; i < c->n_chain; i++) {
		free(c->chain[i].subject);
		free(c->chain[i].issuer);
		free(c->chain[i].serial);
	}
	memset(c, 0, sizeof(*c));
}
