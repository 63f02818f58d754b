/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * payload.h - payload samples from the kernel -> per-flow metadata.
 *
 * The datapath hands up the first few payload-bearing packets of each flow
 * direction (and every DNS packet) on the sample ring. This stage puts each
 * direction's first bytes back in stream order (TCP segments may arrive out
 * of order, repeat, or overlap), names the application protocol from them,
 * and parses a TLS ClientHello/ServerHello that may span several segments;
 * a QUIC flow's client Initials go to quic.c, whose ClientHello is parsed
 * the same way.
 * The result waits in a per-flow entry until the collector reports the
 * flow; a flow's record carries what was learned from its next report on.
 *
 * TLS certificates: after a TLS <= 1.2 ServerHello (or a client's
 * Certificate, in mutual TLS) the kernel keeps sampling that direction
 * (NT_SAMPLE_CERT); its handshake flight is rebuilt in an nt_stream up to
 * the byte cap, the Certificate message read (tls_cert.h), and the kernel
 * told to stop as soon as the message is whole or cannot come.
 */
#ifndef NT_PAYLOAD_H
#define NT_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appproto.h"
#include "nettrail.h"
#include "quic.h"
#include "stream.h"
#include "tls_cert.h"
#include "tls_hello.h"

#define NT_STREAM_MAX	      4096 /* first bytes kept per direction */
#define NT_SEGS_MAX	      8
/* Prefix buffers alive at once (~4.1 KiB each: 64 MiB at most). Past it,
 * a new direction is looked at segment by segment only, and counted. */
#define NT_PREFIX_BUFFERS_MAX 16384
/* QUIC Initial reassembly states alive at once (~21 KiB each: 42 MiB at
 * most). Past it, a new QUIC flow is not decrypted, and counted. */
#define NT_QUIC_CONNS_MAX     2048
/* Decoded TLS certificates kept for the next flows that show them (a few
 * KiB each: ~5 MiB at most). */
#define NT_CERT_CACHE_MAX     1024

struct nt_tls_meta {
	bool client_hello, server_hello;
	char sni[256];
	char ja4[37];
	char ja4_r[1024];
	char ja3[1024];
	char ja3_md5[33];
	uint16_t client_version; /* highest offered */
	uint16_t version;	 /* negotiated (ServerHello) */
	uint16_t cipher;	 /* negotiated */
	char alpn[8][64];
	uint8_t n_alpn;
	char ja3s[TLS_JA3S_MAX_LEN + 1]; /* from the ServerHello */
	char ja3s_md5[33];
	/* Certificates by role (NT_CERT_SERVER, NT_CERT_CLIENT): what the
	 * Certificate message held, and how reading it went. */
	struct tls_certs *certs[2];
	uint8_t cert_status[2]; /* enum nt_cert_status */
};

enum { NT_CERT_SERVER = 0, NT_CERT_CLIENT = 1 };

enum nt_cert_status {
	NT_CERT_UNKNOWN = 0, /* not (yet) read */
	NT_CERT_PARSED,	     /* certs[] holds it */
	NT_CERT_ENCRYPTED,   /* TLS 1.3: the Certificate is encrypted */
	NT_CERT_ABSENT,	     /* the clear-text flight had none (resumption) */
	NT_CERT_CAPPED,	     /* --tls-cert-max-bytes came first */
	NT_CERT_MALFORMED,   /* framing or the leaf's DER did not parse */
};

/* The first bytes of one direction, rebuilt from its segments. */
struct nt_stream_prefix {
	uint32_t seq[NT_SEGS_MAX];
	uint16_t len[NT_SEGS_MAX];
	uint16_t off[NT_SEGS_MAX]; /* where its bytes sit in buf */
	uint8_t n;
	uint16_t used;
	uint8_t buf[NT_STREAM_MAX];
};

/* What the payload said about one flow. Directions by key side. */
struct nt_flow_meta {
	enum nt_app app;
	struct nt_app_info app_info[2];
	bool app_from_side[2];	 /* info[] filled for that side */
	struct nt_tls_meta *tls; /* only for flows that spoke TLS */
	/* by key side: the prefix being rebuilt, freed once done */
	struct nt_stream_prefix *dir[2];
	bool done[2]; /* classified and parsed */
	/* QUIC: what the Initials said, and the client's Initials being
	 * opened (freed once the ClientHello is whole) */
	struct nt_quic_meta *quic;
	struct nt_quic_conn *quic_conn;
	/* by key side: a TLS certificate flight being rebuilt, freed once read */
	struct nt_stream *cert[2];
};

struct nt_payload_stats {
	uint64_t samples; /* taken in */
	uint64_t tls_client_hellos;
	uint64_t tls_server_hellos;
	uint64_t tls_parse_errors; /* malformed hello: counted, no crash */
	uint64_t streams_overflow; /* prefix longer than NT_STREAM_MAX */
	uint64_t buffers_alive;	   /* prefix buffers held now */
	uint64_t buffers_refused;  /* NT_PREFIX_BUFFERS_MAX reached */
	uint64_t flows_tracked;	   /* metadata entries alive */
	uint64_t cert_samples;	   /* NT_SAMPLE_CERT samples taken in */
	uint64_t certs_parsed;	   /* Certificate messages read */
	uint64_t cert_parse_errors;
	uint64_t cert_capped;	  /* directions stopped by the byte cap */
	uint64_t cert_unfinished; /* flows gone with a flight still incomplete */
	uint64_t cert_cache_hits; /* certificates not decoded again */
	uint64_t cert_streams_alive;
};

struct nt_payload;

struct nt_dns;

struct nt_payload *nt_payload_new(void);

/* DNS samples are handed to this DNS stage. */
void nt_payload_set_dns(struct nt_payload *pl, struct nt_dns *dns);
void nt_payload_free(struct nt_payload *pl);

/*
 * Certificate reading (off until called): flights are rebuilt up to
 * max_bytes (--tls-cert-max-bytes, as the kernel's cap); stop(ctx, key,
 * side) tells the kernel a direction's certificate sampling is over (NULL
 * offline in tests). -1 when out of memory.
 */
int nt_payload_set_certs(struct nt_payload *pl, uint32_t max_bytes,
			 void (*stop)(void *ctx, const struct nt_flow_key *k, int side),
			 void *stop_ctx);

/* Ring buffer callback for NT_SAMPLE_FIRST samples (libbpf signature). */
int nt_payload_on_sample(void *ctx, void *data, size_t size);

/* The metadata of a flow, or NULL. Valid until nt_payload_forget(). */
const struct nt_flow_meta *nt_payload_get(void *pl, const struct nt_flow_key *k);

/* Drops a flow's metadata (its final report was written). */
void nt_payload_forget(void *pl, const struct nt_flow_key *k);

const struct nt_payload_stats *nt_payload_stats(const struct nt_payload *pl);

/* The QUIC Initial decryption counters (struct nt_quic_stats, quic.h). */
const struct nt_quic_stats *nt_payload_quic_stats(const struct nt_payload *pl);

#endif
