/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls_cert.h - the TLS <= 1.2 Certificate handshake message, for the ECS
 * tls.server.* / tls.client.* certificate fields.
 *
 * Two steps, both over untrusted bytes:
 *  - tls_cert_find walks a direction's handshake records (hand-written
 *    TLS framing, every length checked) from the start of its flight (a
 *    ServerHello, or a client's Certificate) to the Certificate message,
 *    concatenating the records' fragments into a caller's scratch buffer
 *    (messages span records; a certificate chain often spans several);
 *  - tls_cert_parse reads the certificates in it with OpenSSL only
 *    (d2i_X509, X509_NAME_print_ex with XN_FLAG_RFC2253, X509_digest,
 *    X509_get_ext_d2i, X509_check_host): no hand-written ASN.1.
 *
 * Bounds: the leaf is read in full, at most TLS_CERT_CHAIN_MAX more
 * certificates are summarised (subject, issuer, serial, SHA-256), the rest only
 * counted; strings are cut at TLS_CERT_STR_MAX bytes, values per
 * attribute and alternative names at their maxima (counted as truncated).
 * Control bytes in names become '?', so an embedded NUL cannot hide the
 * rest of a name.
 *
 * Cost: OpenSSL 3.0's d2i_X509 is the price (hundreds of µs for an RSA
 * certificate: it decodes the key through provider decoders). Most flows
 * to a service show the same chain, so a tls_cert_cache keeps decoded
 * certificates by the SHA-256 of their DER (least recently used out).
 */
#ifndef NT_TLS_CERT_H
#define NT_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CERT_CHAIN_MAX  10 /* certificates summarised beyond the leaf */
#define TLS_CERT_VALUES_MAX 8  /* values kept per subject/issuer attribute */
#define TLS_CERT_SANS_MAX   64 /* alternative names kept */
#define TLS_CERT_STR_MAX    1024

/* Subject and issuer attributes, in ECS x509.subject.* order. */
enum tls_cert_attr {
	TLS_CERT_CN,
	TLS_CERT_O,
	TLS_CERT_OU,
	TLS_CERT_C,
	TLS_CERT_ST,
	TLS_CERT_L,
	TLS_CERT_N_ATTRS
};

/* The ECS names of enum tls_cert_attr: "common_name", "organization"... */
extern const char *const tls_cert_attr_ecs[TLS_CERT_N_ATTRS];

struct tls_cert_strs {
	char **v;
	uint16_t n;
};

/* One certificate, read in full (the leaf). */
struct tls_x509 {
	char *subject, *issuer; /* RFC 2253 */
	struct tls_cert_strs subj[TLS_CERT_N_ATTRS], iss[TLS_CERT_N_ATTRS];
	struct tls_cert_strs alt_names; /* DNS, IP, email, URI, as text */
	char sha1[41], sha256[65];	/* upper-case hex of the DER */
	int64_t not_before, not_after;	/* Unix seconds */
	char *serial;			/* upper-case hex, as openssl x509 -serial */
	int version;			/* 1, 2, 3 */
	char sig_alg[64];		/* "sha256WithRSAEncryption" */
	char pk_alg[32];		/* "RSA", "EC", "ED25519"... */
	char pk_curve[32];		/* "prime256v1" for EC keys */
	int pk_size;			/* bits */
	bool self_signed;		/* issued by itself, its signature checks */
	bool truncated;			/* a list or string hit its bound */
};

/* A certificate of the chain beyond the leaf. */
struct tls_x509_brief {
	char *subject, *issuer;
	char *serial; /* upper-case hex (OCSF tls.certificate_chain) */
	char sha256[65];
};

/* What one Certificate message held. */
struct tls_certs {
	bool has_leaf; /* false: an empty list (a client without a certificate) */
	struct tls_x509 leaf;
	struct tls_x509_brief chain[TLS_CERT_CHAIN_MAX];
	uint8_t n_chain;
	uint16_t n_certs;     /* certificates in the message */
	uint16_t n_bad;	      /* chain certificates whose DER did not parse */
	int8_t name_mismatch; /* vs the SNI: -1 unknown (no SNI), 0 or 1 */
};

enum tls_cert_find_result {
	TLS_CERT_FOUND,	    /* *msg, *msg_len: the Certificate message body */
	TLS_CERT_NEED_MORE, /* a valid prefix: call again with more bytes */
	TLS_CERT_ABSENT,    /* the clear-text flight ended without one */
	TLS_CERT_MALFORMED,
};

/*
 * tls_cert_find - the Certificate message (type 11) of the handshake
 * flight starting at buf[0] (a record header). The records' fragments are
 * copied into scratch (scratch_cap bytes; more is TLS_CERT_NEED_MORE, so a
 * caller's byte cap decides); *msg points into scratch. A ServerHelloDone,
 * ClientKeyExchange, CertificateVerify or Finished before it, or a record
 * that is not a handshake (ChangeCipherSpec, alert, application data), is
 * TLS_CERT_ABSENT.
 */
enum tls_cert_find_result tls_cert_find(const uint8_t *buf, size_t len, uint8_t *scratch,
					size_t scratch_cap, const uint8_t **msg, size_t *msg_len);

/*
 * tls_cert_parse - the certificates of a TLS <= 1.2 Certificate message
 * body (a 24-bit list of 24-bit DER certificates). sni: the client's
 * server_name or NULL/empty; the leaf's names are checked against it with
 * X509_check_host (RFC 6125: DNS SANs, the CN only without them; a
 * wildcard only as the whole left-most label, never partial). cache may
 * be NULL. 0 on
 * success (*out filled; free with tls_certs_free), -1 when the framing or
 * the leaf's DER is bad (*out is left empty).
 */
struct tls_cert_cache;

/* A cache of at most max decoded certificates; NULL when out of memory. */
struct tls_cert_cache *tls_cert_cache_new(unsigned max);
void tls_cert_cache_free(struct tls_cert_cache *c);
/* Lookups answered from the cache so far. */
uint64_t tls_cert_cache_hits(const struct tls_cert_cache *c);

int tls_cert_parse(const uint8_t *body, size_t len, const char *sni, struct tls_cert_cache *cache,
		   struct tls_certs *out);

void tls_certs_free(struct tls_certs *c);

#endif
