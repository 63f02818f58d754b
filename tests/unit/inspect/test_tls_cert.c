// SPDX-License-Identifier: BSD-2-Clause
/*
 * TLS certificates: certificates made here with OpenSSL, framed as TLS
 * Certificate messages and records by hand, then read back by tls_cert.c
 * (fields, fingerprints against an independent digest of the DER, derived
 * flags, RFC 6125 wildcards, bounds, malformed framing); the handshake
 * walk across records; JA3S against a computed reference; the stream
 * rebuilt from out-of-order and overlapping segments; and the payload
 * stage driving it all, with the kernel's stop and the byte cap.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "payload.h"
#include "stream.h"
#include "tls_cert.h"
#include "tls_hello.h"

#define T_FROM 1700000000L /* 2023-11-14T22:13:20Z */
#define T_TO   1900000000L

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	cr_assert_not_null(k);
	return k;
}

/* A certificate for cn with SANs (an OpenSSL config list, or NULL), issued
 * by issuer/ikey or self-signed with key. */
static X509 *mkcert(const char *cn, const char *san, X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Nettrail Unit", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	ASN1_TIME_set(X509_getm_notBefore(x), T_FROM);
	ASN1_TIME_set(X509_getm_notAfter(x), T_TO);
	X509_set_pubkey(x, key);
	if (san) {
		X509V3_CTX ctx;
		X509_EXTENSION *e;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		cr_assert_not_null(e, "SAN %s", san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	cr_assert(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static void put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* A Certificate message body of n certificates; returns its length. */
static size_t cert_body(uint8_t *out, X509 **certs, int n)
{
	size_t off = 3;

	for (int i = 0; i < n; i++) {
		unsigned char *p = out + off + 3;
		int len = i2d_X509(certs[i], &p);

		put24(out + off, (size_t)len);
		off += 3 + (size_t)len;
	}
	put24(out, off - 3);
	return off;
}

/* Handshake messages in records of at most rec bytes each. */
static size_t records(uint8_t *out, const uint8_t *hs, size_t n, size_t rec)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += rec) {
		size_t k = n - i < rec ? n - i : rec;

		out[o] = 22;
		out[o + 1] = 3;
		out[o + 2] = 3;
		out[o + 3] = (uint8_t)(k >> 8);
		out[o + 4] = (uint8_t)k;
		memcpy(out + o + 5, hs + i, k);
		o += 5 + k;
	}
	return o;
}

/* A handshake message of type t around body. */
static size_t hs_msg(uint8_t *out, uint8_t t, const uint8_t *body, size_t n)
{
	out[0] = t;
	put24(out + 1, n);
	memcpy(out + 4, body, n);
	return 4 + n;
}

/* A ServerHello body: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, extensions
 * renegotiation_info, server_name, ec_point_formats, session_ticket,
 * status_request, ALPN (and supported_versions 1.3 when tls13). */
static size_t server_hello(uint8_t *out, int tls13)
{
	static const uint8_t exts[] = { 0xff, 0x01, 0,	  1, 0, 0,    0, 0, 0,	 0,  0x0b,
					0,    2,    1,	  0, 0, 0x23, 0, 0, 0,	 5,  0,
					0,    0,    0x10, 0, 5, 0,    3, 2, 'h', '2' };
	static const uint8_t v13[] = { 0, 0x2b, 0, 2, 3, 4 };
	size_t o = 0, el = sizeof(exts) + (tls13 ? sizeof(v13) : 0);

	out[o++] = 3;
	out[o++] = 3;
	memset(out + o, 0x5a, 32);
	o += 32;
	out[o++] = 0; /* session id */
	out[o++] = 0xc0;
	out[o++] = 0x2f;
	out[o++] = 0; /* compression */
	out[o++] = (uint8_t)(el >> 8);
	out[o++] = (uint8_t)el;
	memcpy(out + o, exts, sizeof(exts));
	o += sizeof(exts);
	if (tls13) {
		memcpy(out + o, v13, sizeof(v13));
		o += sizeof(v13);
	}
	return o;
}

static uint8_t body[200000], hs[200000], wire[200000], scratch[200000];

Test(tls_cert, leaf_fields_fingerprints_and_flags)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert("api.example.test", "DNS:api.example.test,IP:10.0.0.1,email:a@b.test",
			 NULL, NULL, k);
	unsigned char der[4096], *p = der, md[32];
	unsigned int mdlen;
	char hex[65];
	struct tls_certs c;
	size_t n = cert_body(body, &x, 1);
	int dlen = i2d_X509(x, &p);

	cr_assert_eq(tls_cert_parse(body, n, "api.example.test", NULL, &c), 0);
	cr_assert(c.has_leaf);
	cr_assert_eq(c.n_certs, 1);
	cr_assert_eq(c.n_chain, 0);
	cr_assert_str_eq(c.leaf.subject, "CN=api.example.test,O=Nettrail Unit");
	cr_assert_str_eq(c.leaf.issuer, "CN=api.example.test,O=Nettrail Unit");
	cr_assert_eq(c.leaf.subj[TLS_CERT_CN].n, 1);
	cr_assert_str_eq(c.leaf.subj[TLS_CERT_CN].v[0], "api.example.test");
	cr_assert_str_eq(c.leaf.subj[TLS_CERT_O].v[0], "Nettrail Unit");
	cr_assert_eq(c.leaf.subj[TLS_CERT_OU].n, 0);
	cr_assert_eq(c.leaf.alt_names.n, 3);
	cr_assert_str_eq(c.leaf.alt_names.v[0], "api.example.test");
	cr_assert_str_eq(c.leaf.alt_names.v[1], "10.0.0.1");
	cr_assert_str_eq(c.leaf.alt_names.v[2], "a@b.test");
	/* the fingerprint is the SHA-256 of the DER, digested here apart */
	EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02X", md[i]);
	cr_assert_str_eq(c.leaf.sha256, hex);
	cr_assert_eq(strlen(c.leaf.sha1), 40);
	cr_assert_eq(c.leaf.not_before, T_FROM);
	cr_assert_eq(c.leaf.not_after, T_TO);
	cr_assert_str_eq(c.leaf.serial, "1234");
	cr_assert_eq(c.leaf.version, 3);
	cr_assert_str_eq(c.leaf.sig_alg, "ecdsa-with-SHA256");
	cr_assert_str_eq(c.leaf.pk_alg, "EC");
	cr_assert_str_eq(c.leaf.pk_curve, "prime256v1");
	cr_assert_eq(c.leaf.pk_size, 256);
	cr_assert(c.leaf.self_signed);
	cr_assert_eq(c.name_mismatch, 0);
	tls_certs_free(&c);
	X509_free(x);
	EVP_PKEY_free(k);
}

Test(tls_cert, cache_answers_repeated_certificates)
{
	EVP_PKEY *k = ec_key(), *k2 = ec_key();
	X509 *x = mkcert("a.example.test", "DNS:a.example.test", NULL, NULL, k);
	X509 *y = mkcert("b.example.test", "DNS:b.example.test", NULL, NULL, k2);
	X509 *xx[2] = { x, x };
	struct tls_cert_cache *cache = tls_cert_cache_new(1);
	struct tls_certs c, d;
	size_t n = cert_body(body, xx, 2);

	cr_assert_eq(tls_cert_parse(body, n, "a.example.test", cache, &c), 0);
	cr_assert_eq(tls_cert_cache_hits(cache), 1, "the chain repeats the leaf");
	cr_assert_eq(tls_cert_parse(body, n, "b.example.test", cache, &d), 0);
	cr_assert_eq(tls_cert_cache_hits(cache), 3);
	cr_assert_str_eq(d.leaf.sha256, c.leaf.sha256);
	cr_assert_eq(c.name_mismatch, 0);
	cr_assert_eq(d.name_mismatch, 1, "the SNI is checked on every flow");
	tls_certs_free(&c);
	tls_certs_free(&d);
	n = cert_body(body, &y, 1); /* a second certificate pushes the first out */
	cr_assert_eq(tls_cert_parse(body, n, NULL, cache, &c), 0);
	tls_certs_free(&c);
	n = cert_body(body, &x, 1);
	cr_assert_eq(tls_cert_parse(body, n, NULL, cache, &c), 0);
	cr_assert_eq(tls_cert_cache_hits(cache), 3, "evicted: decoded again");
	cr_assert_str_eq(c.leaf.subject, "CN=a.example.test,O=Nettrail Unit");
	tls_certs_free(&c);
	tls_cert_cache_free(cache);
	X509_free(x);
	X509_free(y);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

Test(tls_cert, issued_leaf_is_not_self_signed_and_chain_is_bounded)
{
	EVP_PKEY *ck = ec_key(), *lk = ec_key();
	X509 *ca = mkcert("Unit CA", NULL, NULL, NULL, ck);
	X509 *certs[13];
	struct tls_certs c;
	size_t n;

	certs[0] = mkcert("leaf.example.test", "DNS:leaf.example.test", ca, ck, lk);
	for (int i = 1; i < 13; i++)
		certs[i] = ca;
	n = cert_body(body, certs, 13);
	cr_assert_eq(tls_cert_parse(body, n, NULL, NULL, &c), 0);
	cr_assert_not(c.leaf.self_signed);
	cr_assert_str_eq(c.leaf.issuer, "CN=Unit CA,O=Nettrail Unit");
	cr_assert_eq(c.n_certs, 13);
	cr_assert_eq(c.n_chain, TLS_CERT_CHAIN_MAX);
	cr_assert_str_eq(c.chain[9].subject, "CN=Unit CA,O=Nettrail Unit");
	cr_assert_eq(strlen(c.chain[0].sha256), 64);
	cr_assert_str_eq(c.chain[0].serial, "1234");
	cr_assert_eq(c.name_mismatch, -1, "no SNI: unknown");
	tls_certs_free(&c);
	X509_free(certs[0]);
	X509_free(ca);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(lk);
}

/* name_mismatch of a certificate (SANs, CN) for an SNI */
static int mismatch(const char *cn, const char *san, const char *sni)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert(cn, san, NULL, NULL, k);
	struct tls_certs c;
	size_t n = cert_body(body, &x, 1);
	int r;

	cr_assert_eq(tls_cert_parse(body, n, sni, NULL, &c), 0);
	r = c.name_mismatch;
	tls_certs_free(&c);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

Test(tls_cert, wildcards_per_rfc6125)
{
	const char *w = "DNS:*.svc.example.test";

	cr_expect_eq(mismatch("x", w, "api.svc.example.test"), 0);
	cr_expect_eq(mismatch("x", w, "API.Svc.Example.Test"), 0, "case-insensitive");
	cr_expect_eq(mismatch("x", w, "a.b.svc.example.test"), 1, "one label only");
	cr_expect_eq(mismatch("x", w, "svc.example.test"), 1, "not the parent");
	cr_expect_eq(mismatch("x", "DNS:f*.example.test", "foo.example.test"), 1, "no partial");
	cr_expect_eq(mismatch("x", "DNS:*.test", "a.test"), 1, "not a whole TLD");
	cr_expect_eq(mismatch("x", "DNS:api.*.test", "api.svc.test"), 1, "left-most only");
	cr_expect_eq(mismatch("cn.example.test", NULL, "cn.example.test"), 0, "CN without SANs");
	cr_expect_eq(mismatch("cn.example.test", "DNS:other.example.test", "cn.example.test"), 1,
		     "DNS SANs present: the CN is not looked at");
	cr_expect_eq(
		mismatch("x", "DNS:other.example.test,DNS:api.example.test", "api.example.test"),
		0);
	cr_expect_eq(mismatch("x", w, ""), -1, "no SNI");
}

Test(tls_cert, malformed_messages)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert("m.example.test", NULL, NULL, NULL, k);
	X509 *two[2] = { x, x };
	struct tls_certs c;
	size_t n = cert_body(body, two, 2);
	static const uint8_t empty[] = { 0, 0, 0 };

	cr_assert_eq(tls_cert_parse(body, 2, NULL, NULL, &c), -1, "short");
	cr_assert_eq(tls_cert_parse(body, n - 1, NULL, NULL, &c), -1, "list length");
	put24(body, n - 2); /* list says one byte less: the last cert overruns it */
	cr_assert_eq(tls_cert_parse(body, n - 1, NULL, NULL, &c), -1, "cert length");
	put24(body, n - 3);
	body[7] ^= 0xff; /* the leaf's DER header */
	cr_assert_eq(tls_cert_parse(body, n, NULL, NULL, &c), -1, "leaf DER");
	cr_assert_null(c.leaf.subject);
	n = cert_body(body, two, 2);
	body[n - 40] ^= 0xff; /* inside the second cert's signature: still DER? */
	body[(n + 3) / 2 + 4] = 0x00;
	cr_assert_eq(tls_cert_parse(body, n, NULL, NULL, &c), 0, "a bad chain cert is skipped");
	cr_assert(c.has_leaf);
	cr_assert_eq(c.n_certs, 2);
	cr_assert_eq(c.n_chain + c.n_bad, 1);
	tls_certs_free(&c);
	cr_assert_eq(tls_cert_parse(empty, 3, "a.test", NULL, &c), 0, "an empty list");
	cr_assert_not(c.has_leaf);
	cr_assert_eq(c.n_certs, 0);
	cr_assert_eq(c.name_mismatch, -1);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* ServerHello + Certificate + ServerHelloDone in records of rec bytes */
static size_t flight(X509 **certs, int n, size_t rec, size_t *cert_len)
{
	uint8_t shb[256];
	size_t o, bl = cert_body(body, certs, n);

	o = hs_msg(hs, 2, shb, server_hello(shb, 0));
	o += hs_msg(hs + o, 11, body, bl);
	o += hs_msg(hs + o, 14, NULL, 0);
	*cert_len = bl;
	return records(wire, hs, o, rec);
}

Test(tls_cert, certificate_found_across_records)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert("r.example.test", NULL, NULL, NULL, k);
	X509 *certs[3] = { x, x, x };
	const uint8_t *msg;
	size_t len, bl, n = flight(certs, 3, 100, &bl);
	size_t whole = 0;

	cr_assert_eq(tls_cert_find(wire, n, scratch, sizeof(scratch), &msg, &len), TLS_CERT_FOUND);
	cr_assert_eq(len, bl);
	cr_assert_eq(memcmp(msg, body, bl), 0);
	/* every shorter prefix asks for more, up to the message's last byte */
	for (size_t i = 0; i < n; i++) {
		enum tls_cert_find_result r =
			tls_cert_find(wire, i, scratch, sizeof(scratch), &msg, &len);

		cr_assert(r == TLS_CERT_NEED_MORE || r == TLS_CERT_FOUND, "prefix %zu: %d", i, r);
		if (r == TLS_CERT_FOUND && !whole)
			whole = i;
	}
	cr_assert_gt(whole, 0);
	cr_assert_eq(tls_cert_find(wire, n, scratch, bl / 2, &msg, &len), TLS_CERT_NEED_MORE,
		     "over the scratch cap: the caller's byte cap decides");
	X509_free(x);
	EVP_PKEY_free(k);
}

Test(tls_cert, flights_without_a_certificate)
{
	uint8_t shb[256], w2[1024];
	const uint8_t *msg;
	size_t len, o = hs_msg(hs, 2, shb, server_hello(shb, 0)), n;
	static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };

	/* resumption: ServerHello, then ChangeCipherSpec */
	n = records(w2, hs, o, 1000);
	memcpy(w2 + n, ccs, sizeof(ccs));
	cr_assert_eq(tls_cert_find(w2, n + sizeof(ccs), scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_ABSENT);
	cr_assert_eq(tls_cert_find(w2, n, scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_NEED_MORE);
	/* ServerHello, ServerHelloDone (an anonymous suite) */
	o += hs_msg(hs + o, 14, NULL, 0);
	n = records(w2, hs, o, 1000);
	cr_assert_eq(tls_cert_find(w2, n, scratch, sizeof(scratch), &msg, &len), TLS_CERT_ABSENT);
	/* not a handshake at all; a bad record version; a zero-length record */
	cr_assert_eq(tls_cert_find(ccs, sizeof(ccs), scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_ABSENT);
	w2[1] = 2;
	cr_assert_eq(tls_cert_find(w2, n, scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_MALFORMED);
	w2[1] = 3;
	w2[3] = w2[4] = 0;
	cr_assert_eq(tls_cert_find(w2, n, scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_MALFORMED);
	/* a message cut by a ChangeCipherSpec */
	o = hs_msg(hs, 2, shb, server_hello(shb, 0));
	n = records(w2, hs, o - 10, 1000);
	memcpy(w2 + n, ccs, sizeof(ccs));
	cr_assert_eq(tls_cert_find(w2, n + sizeof(ccs), scratch, sizeof(scratch), &msg, &len),
		     TLS_CERT_MALFORMED);
}

Test(tls_cert, ja3s_computed_reference)
{
	uint8_t shb[256], w2[512];
	struct tls_server_hello sh;
	char s[TLS_JA3S_MAX_LEN + 1], md5[33];
	size_t n = records(w2, hs, hs_msg(hs, 2, shb, server_hello(shb, 0)), 1000);

	cr_assert_eq(tls_parse_server_hello(w2, n, &sh), TLS_OK);
	tls_ja3s(&sh, s, sizeof(s), md5);
	cr_assert_str_eq(s, "771,49199,65281-0-11-35-5-16");
	/* python3 -c "import hashlib; print(hashlib.md5(b'771,49199,65281-0-11-35-5-16')
	 * .hexdigest())" */
	cr_assert_str_eq(md5, "19e4a55cecd087d9ebf88da03db13a0f");
	n = records(w2, hs, hs_msg(hs, 2, shb, server_hello(shb, 1)), 1000);
	cr_assert_eq(tls_parse_server_hello(w2, n, &sh), TLS_OK);
	tls_ja3s(&sh, s, sizeof(s), md5);
	cr_assert_str_eq(s, "771,49199,65281-0-11-35-5-16-43", "legacy version, as salesforce");
}

Test(tls_cert, stream_out_of_order_overlapping_and_capped)
{
	struct nt_stream *st = nt_stream_new(1000, 20);
	const uint8_t *a = (const uint8_t *)"abcdefghijklmnopqrstuvwxyz";

	cr_assert_eq(nt_stream_add(st, 1005, a + 5, 5), 0, "a hole first");
	cr_assert_eq(nt_stream_add(st, 995, (const uint8_t *)"XXXXXabc", 8), 3, "before the base");
	cr_assert_eq(nt_stream_add(st, 1002, (const uint8_t *)"ZZZZZZZZ", 8), 10,
		     "overlap: the first bytes stay");
	cr_assert_eq(memcmp(st->buf, "abcZZfghij", 10), 0);
	cr_assert_not(st->capped);
	cr_assert_eq(nt_stream_add(st, 1010, a + 10, 16), 20);
	cr_assert(st->capped);
	cr_assert_eq(memcmp(st->buf, "abcZZfghijklmnopqrst", 20), 0);
	nt_stream_free(st);
}

/* ---- the payload stage ------------------------------------------------ */

static int stops[2];

static void stop(void *ctx, const struct nt_flow_key *k, int side)
{
	(void)ctx;
	(void)k;
	stops[side & 1]++;
}

static struct nt_sample smp;

static void seg(struct nt_payload *pl, int side, uint8_t kind, uint32_t seq, const uint8_t *d,
		size_t n)
{
	memset(&smp, 0, offsetof(struct nt_sample, data));
	smp.key.proto = 6;
	smp.key.ip_version = 4;
	smp.key.port[0] = 40000;
	smp.key.port[1] = 443;
	smp.side = (uint8_t)side;
	smp.initiator = 0;
	smp.kind = kind;
	smp.tcp_seq = seq;
	memcpy(smp.data, d, n);
	smp.cap_len = (uint16_t)n;
	smp.payload_len = (uint16_t)n;
	nt_payload_on_sample(pl, &smp, sizeof(smp));
}

/* A flight of n bytes from the server (side 1) at sequence 5000 in
 * 1400-byte segments: the first, then the rest backwards, each repeated
 * with 100 bytes of overlap. */
static void server_segments(struct nt_payload *pl, size_t n)
{
	size_t last = (n - 1) / 1400 * 1400;

	seg(pl, 1, NT_SAMPLE_FIRST, 5000, wire, n < 1400 ? n : 1400);
	for (size_t o = last; o >= 1400; o -= 1400) {
		size_t k = n - o < 1400 ? n - o : 1400;

		seg(pl, 1, NT_SAMPLE_CERT, 5000 + (uint32_t)o, wire + o, k);
		seg(pl, 1, NT_SAMPLE_CERT, 5000 + (uint32_t)o - 100, wire + o - 100, 100 + k / 2);
	}
}

Test(tls_cert, payload_stage_reads_a_flight_out_of_order)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert("p.example.test", "DNS:p.example.test", NULL, NULL, k);
	X509 *certs[10] = { x, x, x, x, x, x, x, x, x, x };
	struct nt_payload *pl = nt_payload_new();
	const struct nt_flow_meta *m;
	size_t bl, n = flight(certs, 10, 16384, &bl);

	cr_assert_gt(n, 2 * 1400);
	cr_assert_eq(nt_payload_set_certs(pl, 32768, stop, NULL), 0);
	stops[0] = stops[1] = 0;
	server_segments(pl, n);
	m = nt_payload_get(pl, &smp.key);
	cr_assert_not_null(m);
	cr_assert_not_null(m->tls);
	cr_assert_eq(m->tls->cert_status[NT_CERT_SERVER], NT_CERT_PARSED);
	cr_assert_eq(m->tls->certs[NT_CERT_SERVER]->n_certs, 10);
	cr_assert_str_eq(m->tls->certs[NT_CERT_SERVER]->leaf.subject,
			 "CN=p.example.test,O=Nettrail Unit");
	cr_assert_str_eq(m->tls->ja3s, "771,49199,65281-0-11-35-5-16");
	cr_assert_eq(stops[1], 1, "the kernel is told once");
	cr_assert_eq(nt_payload_stats(pl)->certs_parsed, 1);
	cr_assert_eq(nt_payload_stats(pl)->cert_streams_alive, 0);
	nt_payload_free(pl);
	X509_free(x);
	EVP_PKEY_free(k);
}

Test(tls_cert, payload_stage_counts_the_cap_and_tls13)
{
	EVP_PKEY *k = ec_key();
	X509 *x = mkcert("c.example.test", NULL, NULL, NULL, k);
	X509 *certs[10] = { x, x, x, x, x, x, x, x, x, x };
	struct nt_payload *pl = nt_payload_new();
	const struct nt_flow_meta *m;
	uint8_t shb[256];
	size_t bl, n = flight(certs, 10, 16384, &bl);

	cr_assert_eq(nt_payload_set_certs(pl, 2048, stop, NULL), 0);
	stops[0] = stops[1] = 0;
	server_segments(pl, n);
	m = nt_payload_get(pl, &smp.key);
	cr_assert_eq(m->tls->cert_status[NT_CERT_SERVER], NT_CERT_CAPPED);
	cr_assert_null(m->tls->certs[NT_CERT_SERVER]);
	cr_assert_eq(nt_payload_stats(pl)->cert_capped, 1);
	cr_assert_eq(stops[1], 1);
	nt_payload_forget(pl, &smp.key);
	/* TLS 1.3: nothing to collect, the kernel is told to stop */
	n = records(wire, hs, hs_msg(hs, 2, shb, server_hello(shb, 1)), 1000);
	seg(pl, 1, NT_SAMPLE_FIRST, 9000, wire, n);
	m = nt_payload_get(pl, &smp.key);
	cr_assert_eq(m->tls->cert_status[NT_CERT_SERVER], NT_CERT_ENCRYPTED);
	cr_assert_eq(stops[1], 2);
	cr_assert_eq(nt_payload_stats(pl)->cert_streams_alive, 0);
	nt_payload_free(pl);
	X509_free(x);
	EVP_PKEY_free(k);
}
