/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * recctx.h - the record context: what every encoder (ECS, record.c; OCSF,
 * ocsf.c) writes about one flow report or DNS transaction and has to look
 * up, resolved once per report: the times on the Unix clock, each end's
 * Kubernetes identity, local socket and DNS name, the translation (the
 * kernel's nat_flows for a DNS flow), the backend a DNAT reached, the
 * Community ID and the direction.
 *
 * The fan-out (struct nt_encoders, ocsf.h) builds one context per report
 * and hands it to each encoder it runs; an encoder called alone builds its
 * own. Ends are by role: [0] the source (a flow's rep->src, a DNS client),
 * [1] the destination.
 */
#ifndef NT_RECCTX_H
#define NT_RECCTX_H

#include "community_id.h"
#include "k8s.h"
#include "record.h"

struct nt_rec_ctx {
	int side[2];	     /* the key's side of the source and the destination */
	uint64_t start, end; /* Unix ns: the report's first and last packet, or
			      * a DNS transaction's query and answer */
	uint64_t flow_start; /* Unix ns: the flow's first packet (flows) */
	/* identities as the direction sees them (the destination as addressed) */
	const struct nt_k8s_endpoint *k8s[2];
	/* the destination as written: a DNAT's backend pod merged in */
	const struct nt_k8s_endpoint *k8s_dst;
	/* local sockets (flows): [0] the first one known, side -1 when none */
	struct nt_local_end local[2];
	const char *name[2]; /* each end's DNS name (flows, with --dns), or NULL */
	struct nt_dn_split split[2];
	const struct nt_nat *nat; /* the translation, or NULL */
	const char *direction;	  /* ECS network.direction */
	int has_cid;		  /* cid holds the Community ID */
	char cid[COMMUNITY_ID_LEN];
	/* storage behind nat and k8s_dst (the context is not copied) */
	struct nt_nat nat_buf;
	struct nt_k8s_endpoint kback;
};

/* One flow report's context; r holds the settings and lookups. */
void nt_rec_ctx_flow(struct nt_rec_ctx *c, struct nt_recorder *r, const struct nt_flow_report *rep);

/* One DNS transaction's context (the NAT from r->nat_get, asked once). */
void nt_rec_ctx_dns(struct nt_rec_ctx *c, struct nt_recorder *r, const struct nt_dns_txn *t);

/* Unix seconds as Unix ns (before 1970: 0, 1970) */
static inline uint64_t nt_secs_ns(int64_t s)
{
	return s > 0 ? (uint64_t)s * 1000000000ull : 0;
}

#endif
