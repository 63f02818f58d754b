// SPDX-License-Identifier: BSD-2-Clause
/* ident.c - see ident.h. */
#include "ident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *dt_strdup0(const char *s)
{
	char *c = s ? strdup(s) : NULL;

	if (s && !c)
		abort();
	return c;
}

size_t dt_slen(const char *s)
{
	return s ? dt_alloc_bytes(strlen(s) + 1) : 0;
}

static long held(const struct dt_ident *id)
{
	return (long)(dt_slen(id->src_k8s) + dt_slen(id->dst_k8s) + dt_slen(id->cluster) +
		      dt_slen(id->host) + dt_slen(id->dst_domain));
}

void dt_ident_free(struct dt_ident *id)
{
	free(id->src_k8s);
	free(id->dst_k8s);
	free(id->cluster);
	free(id->host);
	free(id->dst_domain);
	memset(id, 0, sizeof(*id));
}

/* *kept becomes a copy of s; nothing is allocated when it already is one
 * (a workload's records mostly repeat its identities). */
static void keep(char **kept, const char *s)
{
	if (*kept && s && !strcmp(*kept, s))
		return;
	free(*kept);
	*kept = dt_strdup0(s);
}

long dt_ident_set(struct dt_ident *id, const struct dt_record *r)
{
	long before = held(id);

	keep(&id->src_k8s, r->src.k8s.json);
	keep(&id->dst_k8s, r->dst.k8s.json);
	keep(&id->cluster, r->cluster);
	keep(&id->host, r->host);
	keep(&id->dst_domain, r->dst.domain);
	snprintf(id->src_ip, sizeof(id->src_ip), "%s", r->src.ip ? r->src.ip : "");
	snprintf(id->dst_ip, sizeof(id->dst_ip), "%s", r->dst.ip ? r->dst.ip : "");
	id->src_port = r->src.port;
	id->dst_port = r->dst.port;
	return held(id) - before;
}

void dt_ident_alert(const struct dt_ident *id, struct dt_alert *a)
{
	a->host = id->host;
	a->cluster = id->cluster;
	a->src = (struct dt_alert_end){ id->src_ip[0] ? id->src_ip : NULL, -1, NULL, id->src_k8s };
	a->dst = (struct dt_alert_end){ id->dst_ip[0] ? id->dst_ip : NULL, id->dst_port,
					id->dst_domain, id->dst_k8s };
	dt_alert_relate(a, a->src.ip);
	dt_alert_relate(a, a->dst.ip);
}
