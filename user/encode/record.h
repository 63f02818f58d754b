/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * record.h - the ECS encoder: flow, DNS and heartbeat records as JSON.
 *
 * The recorder encodes one record at a time into its buffer and hands the
 * bytes, with the record's type and key, to its output (struct nt_output,
 * rectype.h), which main wires to the sink; it never calls a sink itself.
 * nt_recorder_flush() marks the end of a batch.
 */
#ifndef NT_RECORD_H
#define NT_RECORD_H

#include <stdint.h>
#include "collector.h"
#include "dns.h"
#include "enrich.h"
#include "json.h"
#include "rectype.h"

#define NT_SCHEMA_VERSION "1.0.0"
#ifndef NT_VERSION
#define NT_VERSION "0.1.0"
#endif

/* Returns the name of an interface index (never NULL). */
typedef const char *(*nt_ifname_fn)(void *ctx, uint32_t ifindex);

struct nt_recorder {
	struct jw w;
	struct nt_output out; /* where each encoded record goes */
	uint64_t seq;	      /* record_id sequence */
	char run_id[33];      /* 32 hex digits, random per process */
	uint64_t flow_seed;   /* flow.id hash seed */
	const char *node;
	const char *cluster;	 /* NULL: omitted */
	int64_t clock_offset_ns; /* hook clock + offset = Unix time */
	nt_ifname_fn ifname;
	void *ifname_ctx;
	struct nt_dns *dns;	  /* names for flow endpoints; may be NULL */
	const char *hook_name;	  /* "tc" or "pcap" */
	struct nt_enrich *enrich; /* identities; NULL: addresses only */
	const char *cloud_provider, *cloud_region, *cloud_account;
	/* a translated DNS flow's NAT addresses (the kernel's nat_flows):
	 * 0 and *out filled, or -1; NULL: none */
	int (*nat_get)(void *ctx, const struct nt_flow_key *k, struct nt_nat *out);
	void *nat_ctx;
	char k8s_buf[4096]; /* a merged destination.kubernetes (recctx.c) */
	/* the record being encoded: its type and Kafka message key */
	enum nt_record_type cur_type;
	char cur_key[256]; /* Community ID, or the node (up to 253) */
	size_t rec_start;  /* where it starts in w */
	struct {
		char *json; /* observer, cloud, orchestrator members */
		size_t len;
		const char *of[5]; /* the fields they were rendered from */
	} obs;
};

struct nt_heartbeat {
	uint64_t now_unix_ns;
	uint64_t uptime_s;
	uint32_t interval_s;
	uint64_t flows_tracked;
	uint32_t flow_table_size;
	const char *const *interfaces;	       /* NULL-terminated */
	const struct nt_metrics_snap *metrics; /* every counter and gauge (counters.h) */
};

/* Initializes the recorder; reads a random run id from getrandom(). */
int nt_recorder_init(struct nt_recorder *r, struct nt_output out, const char *node,
		     const char *cluster);
void nt_recorder_free(struct nt_recorder *r);

/* nt_report_fn-compatible: ctx is the recorder. It resolves the report's
 * context (recctx.h) and forgets the flow's local ends after its final
 * report (nt_record_forget). */
void nt_record_flow(void *ctx, const struct nt_flow_report *rep);

/* The same with the context resolved by the caller (the fan-out), which
 * then calls nt_record_forget. */
struct nt_rec_ctx;
void nt_record_flow_ctx(struct nt_recorder *r, const struct nt_flow_report *rep,
			const struct nt_rec_ctx *c);
void nt_record_forget(struct nt_recorder *r, const struct nt_flow_report *rep);

void nt_record_heartbeat(struct nt_recorder *r, const struct nt_heartbeat *hb);

/* nt_dns_emit_fn-compatible: ctx is the recorder. */
void nt_record_dns(void *ctx, const struct nt_dns_txn *t);
void nt_record_dns_ctx(struct nt_recorder *r, const struct nt_dns_txn *t,
		       const struct nt_rec_ctx *c);

/* The record_id of the seq-th record of this recorder: its run id, '-' and
 * seq (the OCSF encoder numbers its records from the same sequence). */
#define NT_RECORD_ID_MAX (33 + 20 + 1)
size_t nt_record_id(const struct nt_recorder *r, uint64_t seq, char out[NT_RECORD_ID_MAX]);

/* nettrail.flow.id: 16 hex digits (and a NUL), the same in every report of
 * a flow: a hash of its key and start under the recorder's seed. */
void nt_flow_id(const struct nt_recorder *r, const struct nt_flow_report *rep, char out[17]);

/* DNS opcode, class and type as the records write them ("QUERY", "IN",
 * "AAAA"; a number the registry does not name: "5", "CLASS9", "TYPE65280"). */
const char *nt_dns_opcode_text(uint8_t op, char buf[8]);
const char *nt_dns_class_text(uint16_t c, char buf[16]);
const char *nt_dns_type_text(uint16_t t, char buf[16]);

/* Shared with the OCSF encoder (ocsf.c), which writes the same facts:
 * - nt_cloud_obj: the object "cloud" (provider, region, account.<account_key>);
 * - nt_cluster_obj: the object "orchestrator" (cluster.name; NULL: nothing);
 * - nt_quic_extras: the object "quic" (version, the client's CIDs, retry);
 * - nt_tls_cert_extras: the object <role> (certificate_status, the flags
 *   derived from the leaf at now_s, the chain summary). */
void nt_cloud_obj(struct jw *w, const struct nt_recorder *r, const char *account_key);
void nt_cluster_obj(struct jw *w, const char *cluster);
struct nt_quic_meta;
struct tls_certs;
void nt_quic_extras(struct jw *w, const struct nt_quic_meta *q);
void nt_tls_cert_extras(struct jw *w, const char *role, const struct tls_certs *c, uint8_t status,
			int64_t now_s);

/* The end of a batch of records: the output writes what it holds. */
int nt_recorder_flush(struct nt_recorder *r);

/* The shared parts of a record, for encoders in their own files (audit.c):
 * observer.* (cloud.*, orchestrator.*), the opening of nettrail.* with
 * schema_version and record_id, and the end that emits the record of
 * r->cur_type keyed by r->cur_key from r->rec_start. */
void nt_record_observer(struct nt_recorder *r);
void nt_record_nettrail_head(struct nt_recorder *r);
void nt_record_done(struct nt_recorder *r);

#endif
