/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rectype.h - what an encoder hands on: one encoded record with its type
 * and key, through an output (struct nt_output) that main wires to a sink.
 * Encoders produce bytes and never call a sink themselves; sinks route by
 * type (a Kafka topic per type) and never look inside the bytes.
 */
#ifndef NT_RECTYPE_H
#define NT_RECTYPE_H

#include <stddef.h>

enum nt_record_type {
	NT_REC_FLOW = 0,
	NT_REC_DNS,
	NT_REC_HEARTBEAT,
	NT_REC_OCSF_NETWORK, /* OCSF Network Activity (4001), ocsf.c */
	NT_REC_OCSF_DNS,     /* OCSF DNS Activity (4003), ocsf.c */
	NT_REC_MAX,
};

/* One encoded record: a JSON object without its newline, and the key that
 * keeps every report of a flow (and its DNS transactions) together. */
struct nt_rec_out {
	enum nt_record_type type;
	const char *key;
	size_t key_len;
	const char *data;
	size_t len;
};

/* Where an encoder's records go. emit: 0, or -1 when the record was lost
 * (the sink counted it). flush: the end of a batch of records. */
struct nt_output {
	int (*emit)(void *ctx, const struct nt_rec_out *r);
	int (*flush)(void *ctx);
	void *ctx;
};

#endif
