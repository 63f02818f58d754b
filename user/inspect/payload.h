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
 */
#ifndef NT_PAYLOAD_H
#define NT_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appproto.h"
#include "nettrail.h"
#include "quic.h"

#define NT_STREAM_MAX	      4096 /* first bytes kept per direction */
#define NT_SEGS_MAX	      8
/* Prefix buffers alive at once (~4.1 KiB each: 64 MiB at most). Past it,
 * a new direction is looked at segment by segment only, and counted. */
#define NT_PREFIX_BUFFERS_MAX 16384
/* QUIC Initial reassembly states alive at once (~21 KiB each: 42 MiB at
 * most). Past it, a new QUIC flow is not decrypted, and counted. */
#define NT_QUIC_CONNS_MAX     2048

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
};

struct nt_payload;

struct nt_dns;

struct nt_payload *nt_payload_new(void);

/* DNS samples are handed to this DNS stage. */
void nt_payload_set_dns(struct nt_payload *pl, struct nt_dns *dns);
void nt_payload_free(struct nt_payload *pl);

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
