/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_hello.h - TLS ClientHello / ServerHello parser for untrusted bytes,
 * with the JA4 (client) and JA3 fingerprints, for the ECS tls.* fields.
 *
 * Input is the start of one direction of a reassembled TCP stream: one or
 * more TLS records of type handshake (0x16, version 0x0300..0x0304) whose
 * payloads concatenate to the handshake message. A ClientHello may span
 * several records; the parser reassembles the fragments itself and asks
 * for more bytes (TLS_NEED_MORE) until the whole message is there. Only
 * the first handshake message is looked at.
 *
 * Safety: every length field is checked against the bytes actually
 * present and against the message it sits in; no read ever goes outside
 * buf[0 .. len). A handshake message longer than TLS_HS_MAX_LEN (16 KiB),
 * a record longer than 2^14, an empty record, a non-handshake record in
 * the middle of a fragmented message, or any inner length that does not
 * add up is TLS_MALFORMED. A prefix of a valid stream is TLS_NEED_MORE,
 * never TLS_OK. No heap; the only large stack object is the 16 KiB
 * reassembly buffer used when a message spans records.
 *
 * Fingerprints:
 *  - JA4 (FoxIO-LLC/ja4, technical_details/JA4.md, BSD-3-Clause): the
 *    client fingerprint only. GREASE (0x?a?a with equal bytes) is ignored
 *    in every list. Version: highest non-GREASE supported_versions entry,
 *    else ClientHello.legacy_version; "00" when unknown.
 *  - JA3 (salesforce/ja3): "SSLVersion,Ciphers,Extensions,EllipticCurves,
 *    EllipticCurvePointFormats" in decimal, values joined by '-', GREASE
 *    removed, and its MD5. SSLVersion is ClientHello.legacy_version.
 * Hashes come from OpenSSL libcrypto (EVP_Digest), -lcrypto.
 *
 * Lists longer than their array are cut at the bound and flag
 * truncated_lists; fingerprints of such a hello hash only the stored
 * prefix (the JA4 cipher/extension counts stay exact).
 */
#ifndef NETTRAIL_TLS_HELLO_H
#define NETTRAIL_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* Longest handshake message body accepted (bytes after the 4-byte header). */
#define TLS_HS_MAX_LEN	   16384
/* Longest TLS plaintext record payload (RFC 8446 5.1). */
#define TLS_RECORD_MAX_LEN 16384

#define TLS_JA4_LEN	  36 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */
#define TLS_MD5_HEX_LEN	  32
/* Longest possible JA4_r and JA3 strings of a (bounded) ClientHello, NUL
 * not counted: 10 + 3 '_' + 128 + 64 + 64 hex lists; 5 + 4 ',' + 128 + 64
 * + 64 decimal lists + 16 point formats. Real hellos are far shorter. */
#define TLS_JA4_R_MAX_LEN 1290
#define TLS_JA3_MAX_LEN	  1605

#define TLS_MAX_VERSIONS      16
#define TLS_MAX_CIPHERS	      128
#define TLS_MAX_EXTS	      64
#define TLS_MAX_GROUPS	      64
#define TLS_MAX_POINT_FORMATS 16
#define TLS_MAX_SIG_ALGS      64
#define TLS_MAX_ALPN	      8
#define TLS_ALPN_NAME_MAX     63  /* bytes kept per ALPN name (+ NUL) */
#define TLS_SNI_MAX	      255 /* bytes kept of host_name (+ NUL) */

struct tls_client_hello {		     /* fixed-size, no heap: everything bounded */
	uint16_t record_version;	     /* first record's version */
	uint16_t legacy_version;	     /* ClientHello.legacy_version */
	uint16_t versions[TLS_MAX_VERSIONS]; /* supported_versions, GREASE removed */
	uint8_t n_versions;
	uint16_t ciphers[TLS_MAX_CIPHERS]; /* GREASE removed, original order */
	uint8_t n_ciphers;		   /* stored (<= TLS_MAX_CIPHERS) */
	uint16_t exts[TLS_MAX_EXTS];	   /* extension types, original order, GREASE removed */
	uint8_t n_exts;			   /* stored (<= TLS_MAX_EXTS) */
	uint16_t groups[TLS_MAX_GROUPS];   /* supported_groups, GREASE removed */
	uint8_t n_groups;
	uint8_t point_formats[TLS_MAX_POINT_FORMATS];
	uint8_t n_point_formats;
	uint16_t sig_algs[TLS_MAX_SIG_ALGS]; /* signature_algorithms, GREASE removed */
	uint8_t n_sig_algs;
	/*
	 * server_name host_name (the first one), NUL-terminated; empty when
	 * absent. A name that is empty, longer than TLS_SNI_MAX or holds a
	 * NUL/control byte (< 0x20, 0x7f) is not stored, not truncated:
	 * sni stays empty and sni_invalid is set.
	 */
	char sni[TLS_SNI_MAX + 1];
	uint8_t sni_invalid;
	/*
	 * ALPN protocol names in order, raw bytes, NUL-terminated, cut at
	 * TLS_ALPN_NAME_MAX bytes (an embedded NUL ends the C string early).
	 * n_alpn are stored; n_alpn_total counts every name (saturates at 255).
	 */
	char alpn[TLS_MAX_ALPN][TLS_ALPN_NAME_MAX + 1];
	uint8_t n_alpn;
	uint8_t n_alpn_total;
	uint8_t truncated_lists; /* any list (or ALPN name) exceeded its bound */

	/* Additions to the minimal layout, so that JA4 stays exact. */
	uint8_t has_sni_ext;		 /* server_name extension present (JA4 'd') */
	uint16_t n_ciphers_total;	 /* non-GREASE ciphers, including overflow */
	uint16_t n_exts_total;		 /* non-GREASE extensions, including overflow */
	uint16_t alpn0_len;		 /* full length of the first ALPN name */
	uint8_t alpn0_first, alpn0_last; /* its first and last byte (if alpn0_len) */
};

struct tls_server_hello {
	uint16_t legacy_version;   /* ServerHello.legacy_version */
	uint16_t selected_version; /* supported_versions if present, else legacy */
	uint16_t cipher;
	uint16_t exts[TLS_MAX_EXTS]; /* extension types, in order (JA3S) */
	uint8_t n_exts;		     /* stored (<= TLS_MAX_EXTS) */
};

enum tls_parse_result {
	TLS_OK = 0,
	TLS_NEED_MORE = 1, /* a valid prefix: call again with more bytes */
	TLS_NOT_TLS = 2,   /* not a TLS handshake stream, or not the hello asked for */
	TLS_MALFORMED = 3, /* TLS-looking but inconsistent or over the limits */
};

/*
 * tls_parse_client_hello / tls_parse_server_hello - parse the first
 * handshake message of a stream direction. buf holds the stream from its
 * first byte (possibly several records, possibly more data after the
 * hello). *out is fully written on TLS_OK and unspecified otherwise.
 * Never reads outside buf[0 .. len).
 */
enum tls_parse_result tls_parse_client_hello(const uint8_t *buf, size_t len,
					     struct tls_client_hello *out);
enum tls_parse_result tls_parse_server_hello(const uint8_t *buf, size_t len,
					     struct tls_server_hello *out);

/*
 * tls_parse_client_hello_msg - the same for a bare handshake message
 * (type, 24-bit length, body) with no record layer, as QUIC's CRYPTO
 * frames carry it (RFC 9001 4). record_version is 0.
 */
enum tls_parse_result tls_parse_client_hello_msg(const uint8_t *msg, size_t len,
						 struct tls_client_hello *out);

/*
 * tls_looks_like_handshake - cheap check of the first bytes of a stream:
 * 1 if buf[0 .. len) is consistent with the start of a TLS ClientHello or
 * ServerHello (handshake record, version 3.0..1.3, sane record length,
 * handshake type 1 or 2, handshake length within TLS_HS_MAX_LEN), judging
 * only the bytes present (so len 0 gives 1); 0 otherwise.
 */
int tls_looks_like_handshake(const uint8_t *buf, size_t len);

/*
 * tls_ja4 - JA4 "t13d1516h2_8daaf6152771_e5627efa2ab1" into out[37];
 * JA4_r (same prefix, sorted hex lists) into out_r, cut to out_r_len - 1
 * bytes and NUL-terminated (out_r may be NULL; TLS_JA4_R_MAX_LEN + 1
 * never cuts; 1024 cuts only hellos with well over 100 ciphers).
 * transport: 't' TCP, 'q' QUIC, 'd' DTLS.
 */
void tls_ja4(const struct tls_client_hello *ch, char transport, char out[37], char *out_r,
	     size_t out_r_len);

/*
 * tls_ja3 - the JA3 string into out (cut to out_len - 1 bytes and
 * NUL-terminated; out may be NULL when out_len is 0; TLS_JA3_MAX_LEN + 1
 * never cuts) and the MD5 of the whole, uncut string in lower-case hex
 * (empty string if libcrypto refuses MD5, e.g. in FIPS mode).
 */
void tls_ja3(const struct tls_client_hello *ch, char *out, size_t out_len, char md5_hex[33]);

/*
 * tls_ja3s - salesforce's JA3S of a ServerHello: "SSLVersion,Cipher,
 * SSLExtensions" in decimal (legacy_version, the chosen suite, extension
 * types in order joined by '-'), into out (cut to out_len - 1 bytes and
 * NUL-terminated; TLS_JA3S_MAX_LEN + 1 never cuts), and the MD5 of the
 * whole string in lower-case hex (empty if libcrypto refuses MD5).
 */
#define TLS_JA3S_MAX_LEN (5 + 1 + 5 + 1 + TLS_MAX_EXTS * 6)
void tls_ja3s(const struct tls_server_hello *sh, char *out, size_t out_len, char md5_hex[33]);

/* tls_version_name - ECS tls.version ("1.3", "1.2", "1.1", "1.0", "3.0",
 * "2.0") for a protocol version number; NULL if unknown. */
const char *tls_version_name(uint16_t v);

/* IANA name of a cipher suite ("TLS_AES_128_GCM_SHA256"); NULL if the
 * suite is not in the table of those servers choose today. */
const char *tls_cipher_name(uint16_t id);

#endif /* NETTRAIL_TLS_HELLO_H */
