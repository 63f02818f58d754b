// SPDX-License-Identifier: BSD-2-Clause
/* ident.c - see ident.h. */
#include "ident.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *dt_jtext(struct json_object *o)
{
	return o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
}

size_t dt_slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
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

long dt_ident_set(struct dt_ident *id, const struct dt_record *r)
{
	long before = held(id);

	dt_ident_free(id);
	id->src_k8s = dt_jtext(r->src.k8s);
	id->dst_k8s = dt_jtext(r->dst.k8s);
	id->cluster = dt_jtext(r->cluster);
	id->host = r->host ? strdup(r->host) : NULL;
	id->dst_domain = r->dst.domain ? strdup(r->dst.domain) : NULL;
	snprintf(id->src_ip, sizeof(id->src_ip), "%s", r->src.ip ? r->src.ip : "");
	snprintf(id->dst_ip, sizeof(id->dst_ip), "%s", r->dst.ip ? r->dst.ip : "");
	id->src_port = r->src.port;
	id->dst_port = r->dst.port;
	return held(id) - before;
}

static struct json_object *parse(const char *s)
{
	return s ? json_tokener_parse(s) : NULL;
}

void dt_ident_alert(const struct dt_ident *id, struct dt_alert *a, struct dt_ident_objs *o)
{
	o->src = parse(id->src_k8s);
	o->dst = parse(id->dst_k8s);
	o->cluster = parse(id->cluster);
	a->host = id->host;
	a->cluster = o->cluster;
	a->src = (struct dt_alert_end){ id->src_ip[0] ? id->src_ip : NULL, -1, NULL, o->src };
	a->dst = (struct dt_alert_end){ id->dst_ip[0] ? id->dst_ip : NULL, id->dst_port,
					id->dst_domain, o->dst };
	dt_alert_relate(a, a->src.ip);
	dt_alert_relate(a, a->dst.ip);
}

void dt_ident_put(struct dt_ident_objs *o)
{
	json_object_put(o->src);
	json_object_put(o->dst);
	json_object_put(o->cluster);
}
