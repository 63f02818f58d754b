/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * quic.h - the client's TLS ClientHello out of QUIC Initial packets.
 *
 * QUIC (RFC 9000) protects its Initial packets with keys anyone can derive
 * from the client's first Destination Connection ID (RFC 9001 section 5):
 * an observer that has the client's first datagrams can remove the header
 * protection, open the AES-128-GCM payload, and read the CRYPTO frames,
 * which carry the TLS ClientHello (without TLS records). This stage does
 * that for versions 1 (RFC 9001), 2 (RFC 9369, its own salt, "quicv2"
 * labels and long-header type bits) and drafts 29 to 34.
 *
 * One nt_quic_conn per flow, fed the client's datagrams in the order they
 * were sampled (and the server's, for a Retry). Each datagram may coalesce
 * several long-header packets: they are walked by their Length fields,
 * Initials opened, the others (0-RTT, Handshake) stepped over, a short
 * header ends the walk. CRYPTO frames are put back by offset, in any
 * order, into a bounded buffer (NT_QUIC_CRYPTO_MAX: the largest ClientHello
 * the TLS parser takes); PADDING, PING and ACK frames are skipped. After a
 * Retry the client starts again under keys from the Retry's connection ID:
 * the stream restarts. The server's Initials are opened too, with the
 * server's keys from the same connection ID, for its ServerHello (the
 * version and cipher suite chosen).
 *
 * Everything that goes wrong is counted in struct nt_quic_stats (the
 * QUIC rows of user/counters.def), never a crash: a packet that does not
 * open (GCM tag), a packet longer than the bytes captured, a CRYPTO frame
 * past the bound or with too many holes, a long header of a version this
 * file does not know. Memory per conn is fixed (about 21 KiB).
 *
 * Crypto: OpenSSL libcrypto (EVP_KDF HKDF with SHA-256, AES-128-ECB for
 * the header protection mask, AES-128-GCM). Not thread-safe per conn;
 * conns may be used from several threads.
 */
#ifndef NT_QUIC_H
#define NT_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NT_QUIC_CID_MAX	   20	       /* connection ID bytes (RFC 9000 17.2) */
#define NT_QUIC_CRYPTO_MAX (4 + 16384) /* handshake header + TLS_HS_MAX_LEN */
#define NT_QUIC_RANGES	   16	       /* disjoint CRYPTO ranges held at once */
#define NT_QUIC_MIN_DGRAM  1200	       /* a client's Initial datagram, at least */
#define NT_QUIC_SERVER_MAX 4096	       /* ServerHello bytes kept (ML-KEM: ~1.2 KiB) */

#define NT_QUIC_V1 0x00000001u
#define NT_QUIC_V2 0x6b3343cfu

struct nt_quic_stats {
	uint64_t initials;	   /* Initial packets opened (client's and server's) */
	uint64_t client_hellos;	   /* ClientHellos reassembled whole */
	uint64_t server_hellos;	   /* ServerHellos reassembled whole */
	uint64_t decrypt_failures; /* Initial packets whose AEAD tag did not verify */
	uint64_t truncated;	   /* Initial packets cut short (Length past the bytes) */
	uint64_t crypto_gaps;	   /* CRYPTO streams left with a hole, or too many holes */
	uint64_t crypto_absurd;	   /* CRYPTO frames past the bound or past their packet */
	uint64_t frame_errors;	   /* frames an Initial may not carry, or cut short */
	uint64_t unknown_versions; /* client long headers of a version not known here */
	uint64_t retries;	   /* Retry packets that re-keyed a connection */
	uint64_t conns_refused;	   /* flows not decrypted: too many at once */
	uint64_t conns_alive;	   /* reassembly states held now (a gauge) */
};

/* The keys that protect one direction's Initial packets. */
struct nt_quic_keys {
	uint8_t key[16]; /* AEAD_AES_128_GCM */
	uint8_t iv[12];
	uint8_t hp[16]; /* AES-128-ECB header protection */
};

/* What a flow's record says about its QUIC connection. */
struct nt_quic_meta {
	uint32_t version;
	uint8_t dcid[NT_QUIC_CID_MAX], dcid_len; /* the client's first DCID */
	uint8_t scid[NT_QUIC_CID_MAX], scid_len; /* the client's SCID */
	bool retry;				 /* the server asked for a Retry */
};

enum nt_quic_look {
	NT_QUIC_NOT = 0,	 /* not a client's QUIC Initial datagram */
	NT_QUIC_INITIAL,	 /* an Initial of a version known here */
	NT_QUIC_UNKNOWN_VERSION, /* a long header, version not known here */
};

enum nt_quic_result {
	NT_QUIC_MORE = 0,    /* waiting for more datagrams */
	NT_QUIC_HELLO = 1,   /* the ClientHello is whole: nt_quic_hello() */
	NT_QUIC_GIVE_UP = 2, /* the CRYPTO stream is not a ClientHello, or too long */
};

struct nt_quic_conn;

/*
 * nt_quic_look - cheap check of a datagram's first bytes: a long header
 * with the fixed bit, sane connection ID lengths, in a datagram of at least
 * NT_QUIC_MIN_DGRAM bytes on the wire (wire_len: the UDP payload length,
 * len: the bytes at p). Known versions must also be of Initial type.
 */
enum nt_quic_look nt_quic_look(const uint8_t *p, size_t len, size_t wire_len);

/* "1", "2", "draft-29"... for a version known here; NULL otherwise. */
const char *nt_quic_version_name(uint32_t version);

/*
 * nt_quic_client_keys - the client's Initial keys for a version and the
 * client's first Destination Connection ID (RFC 9001 5.2, RFC 9369 3.3).
 * 0 on success, -1 for an unknown version or a libcrypto failure.
 */
int nt_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct nt_quic_keys *out);

/* The server's Initial keys, from the same DCID ("server in"). */
int nt_quic_server_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct nt_quic_keys *out);

struct nt_quic_conn *nt_quic_conn_new(struct nt_quic_stats *st);

/* Frees a conn (NULL is fine), counting a CRYPTO stream left with a hole. */
void nt_quic_conn_free(struct nt_quic_conn *c, struct nt_quic_stats *st);

/* A datagram from the client: its Initials opened and their CRYPTO kept. */
enum nt_quic_result nt_quic_client_datagram(struct nt_quic_conn *c, const uint8_t *p, size_t len,
					    struct nt_quic_stats *st);

/* A datagram from the server: a Retry re-keys the connection; its Initials
 * are opened with the server's keys and their ServerHello kept. */
enum nt_quic_result nt_quic_server_datagram(struct nt_quic_conn *c, const uint8_t *p, size_t len,
					    struct nt_quic_stats *st);

/* 1 when the server's datagram at p is a Retry of that version. */
int nt_quic_is_retry(const uint8_t *p, size_t len, uint32_t version);

/* The reassembled ClientHello handshake message (type, 24-bit length,
 * body), once nt_quic_client_datagram() said NT_QUIC_HELLO; else NULL. */
const uint8_t *nt_quic_hello(const struct nt_quic_conn *c, size_t *len);

/* The ServerHello, once nt_quic_server_datagram() said NT_QUIC_HELLO, as
 * one TLS handshake record (for tls_parse_server_hello()); else NULL. */
const uint8_t *nt_quic_server_hello(struct nt_quic_conn *c, size_t *len);

/* 1 when nothing more is to be learned: the ClientHello is not one, or it
 * and the ServerHello are whole (or the ServerHello is not one). */
int nt_quic_finished(const struct nt_quic_conn *c);

/* Version and connection IDs, once an Initial was opened; else NULL. */
const struct nt_quic_meta *nt_quic_meta(const struct nt_quic_conn *c);

#endif
