// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_single.c - the rules of one record: remote_access_in_container
 * (SSH, RDP, VNC to or from a pod), crypto_mining (Stratum) and
 * long_connection (a flow open past the threshold).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"

struct sub {
	const char *proto, *id, *name;
};

static const struct sub remote_subs[] = {
	{ "ssh", "T1021.004", "SSH" },
	{ "rdp", "T1021.001", "Remote Desktop Protocol" },
	{ "vnc", "T1021.005", "VNC" },
};

static void flow_key(char *buf, size_t n, const struct dt_record *r)
{
	snprintf(buf, n, "%s|%s|%s|%d|%s", r->src.ip, r->dst.ip, r->transport, r->dst.port,
		 r->protocol ? r->protocol : "");
}

static const char *pod_label(const struct dt_k8s *k)
{
	return k->pod_name  ? k->pod_name :
	       k->svc_name  ? k->svc_name :
	       k->node_name ? k->node_name :
			      "?";
}

static void remote_access(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_watch_cfg *c = &d->cfg.remote_access;
	const struct sub *sub = NULL;
	struct dt_alert a;
	char key[512];
	bool src_pod, dst_pod;

	if (!r->protocol || !dt_strs_has(&c->protocols, r->protocol))
		return;
	src_pod = dt_is_pod_end(&r->src.k8s, c->include_nodes);
	dst_pod = dt_is_pod_end(&r->dst.k8s, c->include_nodes);
	if ((!src_pod && !dst_pod) || dt_namespace_allowed(r, &c->allow_namespaces))
		return;
	flow_key(key, sizeof(key), r);
	if (dt_suppress_once(d, dt_rule_defs[DT_R_REMOTE_ACCESS].name, key, c->suppress_us))
		return;
	dt_alert_of_record(&a, r, key);
	for (size_t i = 0; i < sizeof(remote_subs) / sizeof(remote_subs[0]); i++)
		if (!strcmp(remote_subs[i].proto, r->protocol))
			sub = &remote_subs[i];
	if (sub) {
		a.subtechnique_id = sub->id;
		a.subtechnique_name = sub->name;
	}
	snprintf(a.message, sizeof(a.message), "%s from %s to %s:%d (%s %s)", r->protocol,
		 r->src.ip, r->dst.ip, r->dst.port, dst_pod ? "pod" : "from pod",
		 pod_label(dst_pod ? &r->dst.k8s : &r->src.k8s));
	dt_emit(d, DT_R_REMOTE_ACCESS, &a);
}

static void crypto_mining(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_watch_cfg *c = &d->cfg.crypto;
	struct dt_alert a;
	char key[512];

	if (!r->protocol || !dt_strs_has(&c->protocols, r->protocol))
		return;
	if (dt_namespace_allowed(r, &c->allow_namespaces))
		return;
	flow_key(key, sizeof(key), r);
	if (dt_suppress_once(d, dt_rule_defs[DT_R_CRYPTO_MINING].name, key, c->suppress_us))
		return;
	dt_alert_of_record(&a, r, key);
	snprintf(a.message, sizeof(a.message), "%s mining protocol from %s to %s:%d", r->protocol,
		 r->src.ip, r->dst.ip, r->dst.port);
	dt_emit(d, DT_R_CRYPTO_MINING, &a);
}

void dt_rule_watch_record(struct dt_detector *d, const struct dt_record *r)
{
	remote_access(d, r);
	crypto_mining(d, r);
}

static bool direction_ok(const struct dt_strs *dirs, const char *dir)
{
	return !dirs->n || dt_strs_has(dirs, dir);
}

void dt_rule_long_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_long_cfg *c = &d->cfg.longconn;
	dt_time dur = r->end - r->flow_start;
	struct dt_alert a;
	char key[512];

	if (dur < c->min_duration_us || !direction_ok(&c->directions, r->direction))
		return;
	if (dt_namespace_allowed(r, &c->allow_namespaces))
		return;
	/* one flow: its sensor, its id and its first packet */
	snprintf(key, sizeof(key), "%s|%s|%lld", r->host, r->flow_id, (long long)r->flow_start);
	if (dt_suppress_once(d, dt_rule_defs[DT_R_LONG_CONNECTION].name, key, c->suppress_us))
		return;
	dt_alert_of_record(&a, r, key);
	a.start = r->flow_start;
	a.details = json_object_new_object();
	json_object_object_add(a.details, "duration_s", json_object_new_int64(dur / DT_SEC));
	json_object_object_add(a.details, "end_reason", json_object_new_string(r->end_reason));
	snprintf(a.message, sizeof(a.message), "connection %s -> %s:%d open for %lld s", r->src.ip,
		 r->dst.ip, r->dst.port, (long long)(dur / DT_SEC));
	dt_emit(d, DT_R_LONG_CONNECTION, &a);
}
