/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ocsf.h - the OCSF encoder: flow records as Network Activity (class 4001)
 * and DNS transactions as DNS Activity (class 4003), at OCSF 1.1.0 (Amazon
 * Security Lake's) or 1.8.0. docs/ocsf.md maps every field.
 *
 * It has the ECS encoder's entry points (a flow report, a DNS transaction,
 * each with its context, recctx.h) and writes to its own struct nt_output; the settings (node, cluster,
 * cloud, clock, names, identities) and the record and flow ids come from
 * the ECS recorder it is given, so an OCSF record and its ECS twin carry the
 * same record_id and flow id. Heartbeats have no OCSF class and stay ECS.
 *
 * main wires a fan-out (struct nt_encoders) to the collector and the DNS
 * stage: it resolves each report's context once, writes the OCSF record
 * first, then the ECS one, and forgets the flow's local ends after its
 * final report.
 */
#ifndef NT_OCSF_H
#define NT_OCSF_H

#include "config.h"
#include "record.h"

struct nt_ocsf {
	struct jw w;
	struct nt_output out;
	struct nt_recorder *base; /* settings, record ids, flow ids */
	int ecs_follows;	  /* the ECS twin comes next: it takes the id */
	int minor;		  /* 1 or 8: OCSF 1.<minor>.0 */
	const char *version;	  /* "1.1.0" or "1.8.0" */
	char key[256];		  /* the record's Kafka key: its Community ID */
	int has_cid;		  /* key is a Community ID (not the node) */
};

/* "1.1.0" (also for NT_OCSF_DEFAULT) or "1.8.0". */
const char *nt_ocsf_version_name(enum nt_ocsf_version v);

/* base must outlive the encoder; ecs_follows: the ECS encoder writes each
 * record's twin right after this one (both formats on). */
int nt_ocsf_init(struct nt_ocsf *o, struct nt_output out, struct nt_recorder *base,
		 enum nt_ocsf_version v, int ecs_follows);
void nt_ocsf_free(struct nt_ocsf *o);

/* A flow report and a DNS transaction, with their context (recctx.h)
 * resolved by the caller: the fan-out below (with ecs NULL for OCSF alone). */
struct nt_rec_ctx;
void nt_ocsf_flow_ctx(struct nt_ocsf *o, const struct nt_flow_report *rep,
		      const struct nt_rec_ctx *c);
void nt_ocsf_dns_ctx(struct nt_ocsf *o, const struct nt_dns_txn *t, const struct nt_rec_ctx *c);

/* The fan-out main gives the collector and the DNS stage: either encoder
 * may be NULL (its format is off), not both. Each report's context (NAT,
 * identities, local ends, names) is resolved once and handed to both. */
struct nt_encoders {
	struct nt_recorder *ecs;
	struct nt_ocsf *ocsf;
};

void nt_encoders_flow(void *ctx, const struct nt_flow_report *rep);
void nt_encoders_dns(void *ctx, const struct nt_dns_txn *t);

#endif
