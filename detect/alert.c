// SPDX-License-Identifier: BSD-2-Clause
/* alert.c - ECS alert documents and the alert output. */
#include "alert.h"
#include "kafka.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#ifndef NT_VERSION
#define NT_VERSION "0.0.0"
#endif

#define ATTACK "https://attack.mitre.org/"

int dt_output_open(struct dt_output *o, const char *spec, const struct dt_kafka_opts *ko, char *err,
		   size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if (!strcmp(spec, "kafka")) {
		if (!ko) {
			snprintf(err, errlen, "-o kafka needs the --kafka-* options");
			return -1;
		}
		o->kafka = dt_kafka_out_open(ko, err, errlen);
		return o->kafka ? 0 : -1;
	}
	if (!strcmp(spec, "stdout")) {
		o->f = stdout;
		return 0;
	}
	if (!strncmp(spec, "file:", 5)) {
		o->f = fopen(spec + 5, "a");
		if (!o->f) {
			snprintf(err, errlen, "%s: %s", spec + 5, strerror(errno));
			return -1;
		}
		o->owned = 1;
		return 0;
	}
	snprintf(err, errlen, "unknown output '%s' (stdout, file:PATH or kafka)", spec);
	return -1;
}

void dt_output_flush(struct dt_output *o)
{
	if (o->f && fflush(o->f))
		o->errors++;
	if (o->kafka)
		dt_kafka_out_poll(o->kafka);
}

void dt_output_close(struct dt_output *o)
{
	if (o->kafka) {
		o->errors += dt_kafka_out_close(o->kafka, &o->acked);
		o->kafka = NULL;
	}
	if (!o->f)
		return;
	if (fflush(o->f))
		o->errors++;
	if (o->owned)
		fclose(o->f);
	o->f = NULL;
}

int dt_output_write(struct dt_output *o, struct json_object *doc)
{
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);

	if (o->kafka) {
		/* key: the rule and its suppression key, so one key's alerts keep their order */
		const char *rule = dt_jstr(doc, "rule.name"),
			   *key = dt_jstr(doc, "nettrail.alert.key");
		char k[512];

		snprintf(k, sizeof(k), "%s|%s", rule ? rule : "nettrail-detect", key ? key : "");
		if (dt_kafka_out_write(o->kafka, k, s, strlen(s))) {
			o->errors++;
			return -1;
		}
		o->written++;
		dt_kafka_out_poll(o->kafka);
		return 0;
	}

	if (fputs(s, o->f) < 0 || fputc('\n', o->f) < 0) {
		o->errors++;
		return -1;
	}
	o->written++;
	return 0;
}

void dt_alert_relate(struct dt_alert *a, const char *ip)
{
	if (!ip || a->n_related >= (int)(sizeof(a->related_ip) / sizeof(a->related_ip[0])))
		return;
	for (int i = 0; i < a->n_related; i++)
		if (!strcmp(a->related_ip[i], ip))
			return;
	a->related_ip[a->n_related++] = ip;
}

void dt_alert_of_record(struct dt_alert *a, const struct dt_record *r, const char *key)
{
	memset(a, 0, sizeof(*a));
	a->start = r->start;
	a->end = r->end;
	a->host = r->host;
	a->cluster = r->cluster;
	a->src = (struct dt_alert_end){ r->src.ip, r->src.port, r->src.domain, r->src.k8s.json };
	a->dst = (struct dt_alert_end){ r->dst.ip, r->dst.port, r->dst.domain, r->dst.k8s.json };
	a->transport = r->transport;
	a->protocol = r->protocol;
	dt_alert_relate(a, r->src.ip);
	dt_alert_relate(a, r->dst.ip);
	a->evidence[a->n_evidence++] = r->record_id;
	a->key = key;
}

void dt_alert_add_evidence(struct dt_alert *a, const struct dt_evidence *ev)
{
	for (int i = 0; i < ev->n && a->n_evidence < DT_EVIDENCE_MAX; i++)
		a->evidence[a->n_evidence++] = dt_evidence_at(ev, i);
	a->evidence_total = ev->total;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_time(struct json_object *o, const char *k, dt_time t)
{
	char buf[28];

	dt_time_format(t, buf);
	json_object_object_add(o, k, json_object_new_string(buf));
}

static struct json_object *str_array(const char *v)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(v));
	return a;
}

/* An identity kept as JSON text, back as an object (NULL if none or not JSON). */
static struct json_object *parsed(const char *json)
{
	return json ? json_tokener_parse(json) : NULL;
}

static struct json_object *end_obj(const struct dt_alert_end *e)
{
	struct json_object *o = json_object_new_object();
	struct json_object *k8s = parsed(e->k8s);

	add_str(o, "ip", e->ip);
	if (e->port >= 0)
		json_object_object_add(o, "port", json_object_new_int(e->port));
	add_str(o, "domain", e->domain);
	if (k8s)
		json_object_object_add(o, "kubernetes", k8s);
	return o;
}

static struct json_object *event_obj(const struct dt_alert *a)
{
	struct json_object *ev = json_object_new_object();

	add_str(ev, "kind", "alert");
	json_object_object_add(ev, "category", str_array(a->def->category));
	json_object_object_add(ev, "type", str_array("indicator"));
	add_str(ev, "dataset", "nettrail.alert");
	add_str(ev, "module", "nettrail");
	add_time(ev, "start", a->start);
	add_time(ev, "end", a->end);
	return ev;
}

static struct json_object *rule_obj(const struct dt_alert *a)
{
	struct json_object *r = json_object_new_object();

	add_str(r, "name", a->def->name);
	add_str(r, "id", a->def->id);
	add_str(r, "description", a->def->description);
	add_str(r, "ruleset", "nettrail-detect");
	add_str(r, "version", NT_VERSION);
	char ref[128];
	snprintf(ref, sizeof(ref), "docs/detections.md#%s", a->def->name);
	add_str(r, "reference", ref);
	return r;
}

static struct json_object *ref_obj(const char *id, const char *name, const char *kind)
{
	struct json_object *o = json_object_new_object();
	char ref[128], path[32];

	/* ATT&CK URLs spell a sub-technique T1021.004 as T1021/004 */
	snprintf(path, sizeof(path), "%s", id);
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	snprintf(ref, sizeof(ref), ATTACK "%s/%s/", kind, path);
	json_object_object_add(o, "id", str_array(id));
	json_object_object_add(o, "name", str_array(name));
	json_object_object_add(o, "reference", str_array(ref));
	return o;
}

static struct json_object *threat_obj(const struct dt_alert *a)
{
	struct json_object *t = json_object_new_object();
	const char *sub_id = a->subtechnique_id ? a->subtechnique_id : a->def->subtechnique_id;
	const char *sub_name =
		a->subtechnique_id ? a->subtechnique_name : a->def->subtechnique_name;
	struct json_object *tech;

	add_str(t, "framework", "MITRE ATT&CK");
	tech = ref_obj(a->def->technique_id, a->def->technique_name, "techniques");
	if (sub_id)
		json_object_object_add(tech, "subtechnique",
				       ref_obj(sub_id, sub_name, "techniques"));
	json_object_object_add(t, "technique", tech);
	json_object_object_add(t, "tactic",
			       ref_obj(a->def->tactic_id, a->def->tactic_name, "tactics"));
	return t;
}

static struct json_object *related_obj(const struct dt_alert *a)
{
	struct json_object *r = json_object_new_object();
	struct json_object *ips = json_object_new_array();

	for (int i = 0; i < a->n_related; i++)
		json_object_array_add(ips, json_object_new_string(a->related_ip[i]));
	json_object_object_add(r, "ip", ips);
	if (a->related_host)
		json_object_object_add(r, "hosts", str_array(a->related_host));
	return r;
}

static struct json_object *nettrail_obj(struct dt_alert *a)
{
	struct json_object *nt = json_object_new_object();
	struct json_object *al = json_object_new_object();
	struct json_object *ev = json_object_new_array();

	for (int i = 0; i < a->n_evidence; i++)
		json_object_array_add(ev, json_object_new_string(a->evidence[i]));
	json_object_object_add(al, "evidence", ev);
	json_object_object_add(al, "evidence_count",
			       json_object_new_int64((int64_t)a->evidence_total));
	add_str(al, "key", a->key);
	if (a->details)
		json_object_object_add(al, a->def->name, a->details);
	a->details = NULL;
	json_object_object_add(nt, "alert", al);
	add_str(nt, "schema_version", "1.0.0");
	return nt;
}

struct json_object *dt_alert_build(struct dt_alert *a)
{
	struct json_object *d = json_object_new_object();
	struct json_object *obs = json_object_new_object();
	struct json_object *net = json_object_new_object();
	struct json_object *cluster;

	add_time(d, "@timestamp", a->at);
	add_str(d, "message", a->message);
	json_object_object_add(d, "event", event_obj(a));
	json_object_object_add(d, "rule", rule_obj(a));
	json_object_object_add(d, "threat", threat_obj(a));
	json_object_object_add(d, "source", end_obj(&a->src));
	json_object_object_add(d, "destination", end_obj(&a->dst));
	add_str(net, "transport", a->transport);
	add_str(net, "protocol", a->protocol);
	if (json_object_object_length(net))
		json_object_object_add(d, "network", net);
	else
		json_object_put(net);
	json_object_object_add(d, "related", related_obj(a));
	add_str(obs, "hostname", a->host);
	add_str(obs, "product", "nettrail-detect");
	add_str(obs, "vendor", "nettrail");
	json_object_object_add(d, "observer", obs);
	if ((cluster = parsed(a->cluster))) {
		struct json_object *orch = json_object_new_object();

		json_object_object_add(orch, "cluster", cluster);
		json_object_object_add(d, "orchestrator", orch);
	}
	json_object_object_add(d, "nettrail", nettrail_obj(a));
	return d;
}

int dt_alert_emit(struct dt_output *o, struct dt_alert *a)
{
	struct json_object *d = dt_alert_build(a);
	int rc = dt_output_write(o, d);

	json_object_put(d);
	return rc;
}
