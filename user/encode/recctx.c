// SPDX-License-Identifier: BSD-2-Clause
/* recctx.c - the record context (recctx.h): one report's lookups, once. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "recctx.h"

#include <stdio.h>
#include <string.h>

#include "k8s.h"
#include "netutil.h"

/*
 * The destination of a connection DNATed to a backend: the backend pod's
 * identity (workload, labels, node), naming the Service the client asked
 * for when the destination was one (the pod's own JSON names the first
 * Service whose selector matches). Both JSON texts are rendered by
 * k8s_ident.c: {"namespace":..,"pod":{..},..,"service":{"name":..},..}.
 * Returns the identity to write (ep itself when nothing is merged); a
 * merged text lives in r->k8s_buf until the next report.
 */
static const struct nt_k8s_endpoint *k8s_backend(struct nt_recorder *r,
						 const struct nt_k8s_endpoint *ep,
						 const struct nt_nat *nat,
						 struct nt_k8s_endpoint *tmp)
{
	const struct nt_k8s_endpoint *be;
	const char *sv, *svend, *pv, *pvend;
	uint8_t a[16];
	size_t n = 0, cut;

	if (!r->enrich || !nat || !(nat->flags & NT_NAT_DNAT))
		return ep;
	memcpy(a, nat->dst_nat, 16);
	be = nt_enrich_k8s(r->enrich, a);
	if (!be || be->kind != NT_K8S_POD)
		return ep;
	if (!ep || ep->kind != NT_K8S_SERVICE)
		return be; /* a NodePort (the node's address): the backend */
	sv = strstr(ep->json, ",\"service\":{");
	svend = sv ? strchr(sv, '}') : NULL;
	if (!svend || be->json_len < 2 ||
	    be->json_len + (size_t)(svend - sv) + 2 > sizeof(r->k8s_buf))
		return be;
	/* the pod's JSON without its own "service", then the Service asked for */
	pv = strstr(be->json, ",\"service\":{");
	pvend = pv ? strchr(pv, '}') : NULL;
	cut = pvend ? (size_t)(pv - be->json) : be->json_len - 1;
	memcpy(r->k8s_buf, be->json, cut);
	n = cut;
	memcpy(r->k8s_buf + n, sv, (size_t)(svend + 1 - sv));
	n += (size_t)(svend + 1 - sv);
	if (pvend) {
		size_t rest = be->json_len - (size_t)(pvend + 1 - be->json);

		memcpy(r->k8s_buf + n, pvend + 1, rest);
		n += rest;
	} else {
		r->k8s_buf[n++] = '}';
	}
	r->k8s_buf[n] = 0;
	*tmp = *be;
	tmp->json = r->k8s_buf;
	tmp->json_len = n;
	return tmp;
}

/* The Community ID from the source to the destination (ports: ICMP's type
 * and code for a flow), the direction, and the destination as written. */
static void ends(struct nt_rec_ctx *c, struct nt_recorder *r, const struct nt_flow_key *k,
		 uint16_t sport, uint16_t dport)
{
	const uint8_t *a = k->addr[c->side[0]], *b = k->addr[c->side[1]];

	c->has_cid = community_id_v1(c->cid, 0, k->ip_version, a, b, k->proto, sport, dport) == 0;
	c->direction = r->enrich ? nt_enrich_direction(r->enrich, k->ip_version, a, b, c->k8s[0],
						       c->k8s[1]) :
				   nt_direction(k->ip_version, a, b);
	c->k8s_dst = k8s_backend(r, c->k8s[1], c->nat, &c->kback);
}

/* Both ends' identities and the local ends' sockets: a host-network pod's
 * address is its node's, and the socket's cgroup names the pod. */
static void flow_identities(struct nt_rec_ctx *c, struct nt_recorder *r,
			    const struct nt_flow_report *rep)
{
	c->k8s[0] = nt_enrich_k8s(r->enrich, rep->key.addr[c->side[0]]);
	c->k8s[1] = nt_enrich_k8s(r->enrich, rep->key.addr[c->side[1]]);
	nt_enrich_local(r->enrich, &rep->key, rep->src, c->local);
	for (int i = 0; i < 2; i++) {
		const struct nt_local_end *l = &c->local[i];
		int role = l->side == c->side[0] ? 0 : 1;

		if (l->side >= 0 && l->pod && (!c->k8s[role] || c->k8s[role]->kind == NT_K8S_NODE))
			c->k8s[role] = l->pod;
	}
}

void nt_rec_ctx_flow(struct nt_rec_ctx *c, struct nt_recorder *r, const struct nt_flow_report *rep)
{
	const struct nt_flow_key *k = &rep->key;
	int icmp = k->proto == 1 || k->proto == 58;

	memset(c, 0, sizeof(*c));
	c->side[0] = rep->src;
	c->side[1] = !rep->src;
	c->start = rep->start_ns + r->clock_offset_ns;
	c->end = rep->end_ns + r->clock_offset_ns;
	c->flow_start = rep->flow_start_ns + r->clock_offset_ns;
	c->local[0].side = c->local[1].side = -1;
	if (r->enrich)
		flow_identities(c, r, rep);
	/* the name the other end resolved each address from, as of the flow's
	 * start (a long flow keeps the name it was opened by) */
	for (int i = 0; r->dns && i < 2; i++)
		c->name[i] = nt_dns_name_split(r->dns, k->addr[!c->side[i]], k->addr[c->side[i]],
					       rep->flow_start_ns, &c->split[i]);
	c->nat = rep->has_nat ? &rep->nat : NULL;
	ends(c, r, k, icmp ? rep->icmp_type : k->port[c->side[0]],
	     icmp ? rep->icmp_code : k->port[c->side[1]]);
}

void nt_rec_ctx_dns(struct nt_rec_ctx *c, struct nt_recorder *r, const struct nt_dns_txn *t)
{
	const struct nt_flow_key *k = &t->key;

	memset(c, 0, sizeof(*c));
	c->side[0] = t->client & 1;
	c->side[1] = !c->side[0];
	c->start = t->query_ns + r->clock_offset_ns;
	c->end = t->answer_ns + r->clock_offset_ns;
	c->local[0].side = c->local[1].side = -1;
	if (r->enrich) {
		c->k8s[0] = nt_enrich_k8s(r->enrich, k->addr[c->side[0]]);
		c->k8s[1] = nt_enrich_k8s(r->enrich, k->addr[c->side[1]]);
	}
	/* a query to a Service (the cluster DNS ClusterIP) or off the cluster:
	 * the backend or translation the kernel linked its flow to */
	if (r->nat_get && (!c->k8s[1] || c->k8s[1]->kind == NT_K8S_SERVICE) &&
	    r->nat_get(r->nat_ctx, k, &c->nat_buf) == 0)
		c->nat = &c->nat_buf;
	ends(c, r, k, k->port[c->side[0]], k->port[c->side[1]]);
}
