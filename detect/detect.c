// SPDX-License-Identifier: BSD-2-Clause
/* detect.c - the detector loop, its counters and its exit records. */
#include "detect.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NT_VERSION
#define NT_VERSION "0.0.0"
#endif

void dt_detector_init(struct dt_detector *d, const struct dt_config *cfg, struct dt_output *out)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->out = out;
	d->watermark = DT_TIME_NONE;
	d->first_time = DT_TIME_NONE;
	dt_store_init(&d->store, cfg->memory_cap_bytes);
	d->store.free_data[DT_T_PORT_SCAN] = dt_rule_scan_free;
	d->store.free_data[DT_T_ADDR_SCAN] = dt_rule_scan_free;
	d->store.free_data[DT_T_BEACON] = dt_rule_beacon_free;
	d->store.free_data[DT_T_DNS_TUNNEL] = dt_rule_dns_free;
	d->store.free_data[DT_T_NEWDEST] = dt_rule_newdest_free;
	d->store.free_data[DT_T_PREVALENCE] = free;
	d->store.free_data[DT_T_EGRESS] = dt_rule_egress_free;
	d->next_silence = DT_TIME_NONE;
}

void dt_detector_free(struct dt_detector *d)
{
	dt_rule_sensor_free(d);
	dt_store_free(&d->store);
	dt_config_free(&d->cfg);
}

/* The counter (malformed_<name>) and message of each parse failure. */
static const char *const malformed_names[DT_PARSE_COUNT][2] = {
	[DT_PARSE_NOT_JSON] = { "not_json", "not a JSON object" },
	[DT_PARSE_SYNTAX] = { "syntax", "JSON syntax error" },
	[DT_PARSE_TRUNCATED] = { "truncated", "truncated JSON" },
	[DT_PARSE_TOO_DEEP] = { "too_deep", "JSON nested too deep" },
	[DT_PARSE_BAD_STRING] = { "bad_string", "bad JSON string (escape or control character)" },
	[DT_PARSE_TRAILING] = { "trailing", "bytes after the JSON object" },
	[DT_PARSE_UNKNOWN_DATASET] = { "unknown_dataset", "unknown event.dataset" },
	[DT_PARSE_MISSING_FIELD] = { "missing_field", "missing" },
};

uint64_t dt_malformed_total(const struct dt_counters *n)
{
	uint64_t t = 0;

	for (int i = 1; i < DT_PARSE_COUNT; i++)
		t += n->malformed[i];
	return t;
}

static void count_malformed(struct dt_detector *d, enum dt_parse_result pr,
			    const struct dt_record *r)
{
	d->n.malformed[pr]++;
	if (pr == DT_PARSE_MISSING_FIELD)
		snprintf(d->last_error, sizeof(d->last_error), "line %llu: missing %s",
			 (unsigned long long)d->n.lines, r->error ? r->error : "field");
	else
		snprintf(d->last_error, sizeof(d->last_error), "line %llu: %s",
			 (unsigned long long)d->n.lines, malformed_names[pr][1]);
}

static void advance_time(struct dt_detector *d, const struct dt_record *r)
{
	dt_time early = r->ts;

	if (r->ds == DT_DS_FLOW && r->flow_start < early)
		early = r->flow_start;
	if (d->first_time == DT_TIME_NONE || early < d->first_time)
		d->first_time = early;
	if (d->watermark == DT_TIME_NONE || r->ts > d->watermark) {
		d->watermark = r->ts;
		if (d->live)
			d->wall_at_watermark = dt_wall_now();
	}
	snprintf(d->last_host, sizeof(d->last_host), "%s", r->host);
}

void dt_detector_line(struct dt_detector *d, const char *line, size_t len)
{
	struct dt_record r;
	enum dt_parse_result pr;

	d->n.lines++;
	pr = dt_record_parse(line, len, &r);
	if (pr != DT_PARSE_OK) {
		count_malformed(d, pr, &r);
		dt_record_free(&r);
		return;
	}
	if (r.ds == DT_DS_FLOW)
		d->n.flows++;
	else if (r.ds == DT_DS_DNS)
		d->n.dns++;
	else
		d->n.heartbeats++;
	advance_time(d, &r);
	dt_rules_record(d, &r);
	dt_store_maintain(&d->store, d->watermark);
	dt_record_free(&r);
}

dt_time dt_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (dt_time)ts.tv_sec * DT_SEC + ts.tv_nsec / 1000;
}

void dt_detector_wall_tick(struct dt_detector *d, dt_time wall)
{
	if (!d->live || d->watermark == DT_TIME_NONE || wall <= d->wall_at_watermark)
		return;
	dt_rule_sensor_tick_at(d, d->watermark + (wall - d->wall_at_watermark));
}

int dt_detector_run(struct dt_detector *d, struct dt_input *in)
{
	const char *line;
	size_t len;
	int rc;

	while ((rc = in->next(in, &line, &len)) > 0)
		dt_detector_line(d, line, len);
	return rc < 0 ? -1 : 0;
}

void dt_detector_finish(struct dt_detector *d)
{
	struct json_object *hb;

	dt_rules_flush(d);
	hb = dt_detector_heartbeat(d);
	dt_output_write(d->out, hb);
	json_object_put(hb);
	dt_output_flush(d->out);
}

bool dt_suppress_once(struct dt_detector *d, const char *rule, const char *key, dt_time duration)
{
	if (dt_suppressed(&d->store, rule, key, d->watermark)) {
		d->n.suppressed++;
		return true;
	}
	dt_suppress(&d->store, rule, key, d->watermark, duration);
	return false;
}

void dt_emit(struct dt_detector *d, enum dt_rule_id rule, struct dt_alert *a)
{
	a->def = &dt_rule_defs[rule];
	if (a->at < d->watermark) /* a rule may say later (sensor_blind by the wall clock) */
		a->at = d->watermark;
	if (a->n_evidence > d->cfg.max_evidence) {
		/* keep the most recent ones */
		int drop = a->n_evidence - d->cfg.max_evidence;

		memmove(a->evidence, a->evidence + drop,
			sizeof(a->evidence[0]) * (size_t)(a->n_evidence - drop));
		a->n_evidence -= drop;
	}
	if (!a->evidence_total)
		a->evidence_total = (uint64_t)a->n_evidence;
	d->n.alerts++;
	d->n.alerts_by_rule[rule]++;
	dt_alert_emit(d->out, a);
}

#define COUNTER(o, name, v) json_object_object_add(o, name, json_object_new_int64((int64_t)(v)))

static struct json_object *counters_obj(const struct dt_detector *d)
{
	struct json_object *c = json_object_new_object();
	const struct dt_counters *n = &d->n;

	COUNTER(c, "lines", n->lines);
	COUNTER(c, "flow_records", n->flows);
	COUNTER(c, "dns_records", n->dns);
	COUNTER(c, "heartbeat_records", n->heartbeats);
	for (int i = 1; i < DT_PARSE_COUNT; i++) {
		char k[64];

		snprintf(k, sizeof(k), "malformed_%s", malformed_names[i][0]);
		COUNTER(c, k, n->malformed[i]);
	}
	COUNTER(c, "alerts", n->alerts);
	for (int i = 0; i < DT_RULE_COUNT; i++) {
		char k[64];

		snprintf(k, sizeof(k), "alerts_%s", dt_rule_defs[i].name);
		COUNTER(c, k, n->alerts_by_rule[i]);
	}
	COUNTER(c, "alerts_suppressed", n->suppressed);
	COUNTER(c, "scan_attempts", n->scan_attempts);
	COUNTER(c, "beacon_connections", n->beacon_connections);
	COUNTER(c, "beacon_scored", n->beacon_scored);
	COUNTER(c, "beacon_skipped_multi_report", n->beacon_skipped_multi_report);
	COUNTER(c, "beacon_dropped_connections", n->beacon_dropped_connections);
	COUNTER(c, "dns_no_registered_domain", n->dns_no_registered_domain);
	COUNTER(c, "new_destination_learnt", n->newdest_learnt);
	COUNTER(c, "new_destination_prevalent", n->newdest_prevalent);
	COUNTER(c, "new_destination_full", n->newdest_full);
	COUNTER(c, "sensor_nodes_dropped", n->sensor_nodes_dropped);
	COUNTER(c, "state_evictions", d->store.evictions);
	for (int t = 0; t < DT_T_COUNT; t++) {
		char k[64];

		snprintf(k, sizeof(k), "state_evictions_%s", dt_table_name(t));
		COUNTER(c, k, d->store.evictions_by_table[t]);
	}
	COUNTER(c, "state_expired", d->store.expired);
	COUNTER(c, "output_written", d->out->written);
	COUNTER(c, "output_errors", d->out->errors);
	return c;
}

struct json_object *dt_detector_heartbeat(const struct dt_detector *d)
{
	return dt_detector_heartbeat_at(d, d->watermark, true);
}

struct json_object *dt_detector_heartbeat_at(const struct dt_detector *d, dt_time at, bool final)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *ev = json_object_new_object();
	struct json_object *obs = json_object_new_object();
	struct json_object *nt = json_object_new_object();
	struct json_object *det = json_object_new_object();
	struct json_object *g = json_object_new_object();
	char ts[28];

	/* event time, so a replay writes the same record; wall clock with no input */
	if (at == DT_TIME_NONE)
		at = (dt_time)time(NULL) * DT_SEC;
	dt_time_format(at, ts);
	json_object_object_add(doc, "@timestamp", json_object_new_string(ts));
	json_object_object_add(ev, "kind", json_object_new_string("metric"));
	json_object_object_add(ev, "dataset", json_object_new_string("nettrail.detect.heartbeat"));
	json_object_object_add(ev, "module", json_object_new_string("nettrail"));
	json_object_object_add(doc, "event", ev);
	json_object_object_add(obs, "product", json_object_new_string("nettrail-detect"));
	json_object_object_add(obs, "vendor", json_object_new_string("nettrail"));
	json_object_object_add(obs, "version", json_object_new_string(NT_VERSION));
	json_object_object_add(doc, "observer", obs);
	COUNTER(g, "state_bytes", d->store.used);
	COUNTER(g, "state_peak_bytes", d->store.peak);
	COUNTER(g, "state_entries", d->store.entries);
	COUNTER(g, "memory_cap_bytes", d->store.cap);
	COUNTER(g, "sensor_nodes", d->n_nodes);
	COUNTER(g, "watermark_unix_s", d->watermark == DT_TIME_NONE ? 0 : d->watermark / DT_SEC);
	json_object_object_add(det, "final", json_object_new_boolean(final));
	json_object_object_add(det, "counters", counters_obj(d));
	json_object_object_add(det, "gauges", g);
	json_object_object_add(nt, "detect", det);
	json_object_object_add(doc, "nettrail", nt);
	return doc;
}

void dt_detector_summary(const struct dt_detector *d, FILE *f)
{
	const struct dt_counters *n = &d->n;

	fprintf(f,
		"nettrail-detect: lines=%llu flows=%llu dns=%llu heartbeats=%llu "
		"malformed=%llu (not_json=%llu syntax=%llu truncated=%llu too_deep=%llu "
		"bad_string=%llu trailing=%llu unknown_dataset=%llu missing_field=%llu) "
		"alerts=%llu suppressed=%llu evictions=%llu expired=%llu state_peak_bytes=%zu "
		"output_errors=%llu\n",
		(unsigned long long)n->lines, (unsigned long long)n->flows,
		(unsigned long long)n->dns, (unsigned long long)n->heartbeats,
		(unsigned long long)dt_malformed_total(n),
		(unsigned long long)n->malformed[DT_PARSE_NOT_JSON],
		(unsigned long long)n->malformed[DT_PARSE_SYNTAX],
		(unsigned long long)n->malformed[DT_PARSE_TRUNCATED],
		(unsigned long long)n->malformed[DT_PARSE_TOO_DEEP],
		(unsigned long long)n->malformed[DT_PARSE_BAD_STRING],
		(unsigned long long)n->malformed[DT_PARSE_TRAILING],
		(unsigned long long)n->malformed[DT_PARSE_UNKNOWN_DATASET],
		(unsigned long long)n->malformed[DT_PARSE_MISSING_FIELD],
		(unsigned long long)n->alerts, (unsigned long long)n->suppressed,
		(unsigned long long)d->store.evictions, (unsigned long long)d->store.expired,
		d->store.peak, (unsigned long long)d->out->errors);
}

/* One Prometheus sample with its HELP and TYPE lines. */
static void prom_add(char **buf, size_t *len, size_t *cap, const char *name, bool counter,
		     int64_t v)
{
	for (;;) {
		int n = snprintf(
			*buf + *len, *cap - *len,
			"# HELP nettrail_detect_%s%s nettrail-detect %s (docs/detections.md)\n"
			"# TYPE nettrail_detect_%s%s %s\nnettrail_detect_%s%s %lld\n",
			name, counter ? "_total" : "", counter ? "counter" : "gauge", name,
			counter ? "_total" : "", counter ? "counter" : "gauge", name,
			counter ? "_total" : "", (long long)v);

		if (n >= 0 && (size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		*cap *= 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
}

char *dt_detector_prometheus(const struct dt_detector *d, size_t *len)
{
	struct json_object *hb = dt_detector_heartbeat_at(d, d->watermark, false);
	struct json_object *c = dt_jpath(hb, "nettrail.detect.counters");
	struct json_object *g = dt_jpath(hb, "nettrail.detect.gauges");
	size_t cap = 8192;
	char *buf = malloc(cap);

	if (!buf)
		abort();
	*len = 0;
	buf[0] = 0;
	json_object_object_foreach(c, k, v)
		prom_add(&buf, len, &cap, k, true, json_object_get_int64(v));
	json_object_object_foreach(g, gk, gv)
		prom_add(&buf, len, &cap, gk, false, json_object_get_int64(gv));
	json_object_put(hb);
	return buf;
}
