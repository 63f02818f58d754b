// SPDX-License-Identifier: BSD-2-Clause
/* record.c - one JSON line into a struct dt_record; RFC 3339 times. */
#include "input.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The fraction and zone after the seconds: ".uuuuuu" then "Z" or "+hh:mm". */
static int parse_tail(const char *p, int64_t *frac_us, int64_t *offset_s)
{
	int64_t scale = 100000;
	int hh, mm;

	*frac_us = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			*frac_us += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		*offset_s = 0;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &hh) ||
	    digits(p + 4, 2, &mm))
		return -1;
	*offset_s = (hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
	return 0;
}

int dt_time_parse(const char *s, dt_time *out)
{
	int y, mo, d, h, mi, se;
	int64_t frac, off;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	if (parse_tail(s + 19, &frac, &off))
		return -1;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*out = secs * DT_SEC + frac;
	return 0;
}

void dt_time_format(dt_time t, char out[28])
{
	int64_t secs = t / DT_SEC, us = t % DT_SEC;

	if (us < 0)
		us += DT_SEC, secs--;
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0)
		rem += 86400, days--;
	/* civil_from_days (H. Hinnant) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t y = yoe + era * 400 + (m <= 2);
	char buf[64];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", (int)y, m, d,
		 (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), (int)us);
	memcpy(out, buf, 27);
	out[27] = 0;
}

struct json_object *dt_jpath(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

const char *dt_jstr(struct json_object *o, const char *path)
{
	struct json_object *v = dt_jpath(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t jint(struct json_object *o, const char *path, int64_t dflt)
{
	struct json_object *v = dt_jpath(o, path);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : dflt;
}

static bool has_flag(struct json_object *o, const char *path, const char *flag)
{
	struct json_object *a = dt_jpath(o, path);

	if (!a || !json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(a, i));

		if (f && !strcmp(f, flag))
			return true;
	}
	return false;
}

static struct json_object *jobj(struct json_object *o, const char *path)
{
	struct json_object *v = dt_jpath(o, path);

	return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

/* One end's fields, from its object (source / destination) and its TCP flags. */
static void read_end(struct json_object *root, const char *side, struct dt_end *e)
{
	struct json_object *o = jobj(root, side);
	struct json_object *flags = jobj(root, "nettrail.tcp.flags");

	e->ip = dt_jstr(o, "ip");
	e->port = (int)jint(o, "port", -1);
	e->bytes = jint(o, "bytes", 0);
	e->packets = jint(o, "packets", 0);
	e->domain = dt_jstr(o, "domain");
	e->k8s = jobj(o, "kubernetes");
	e->psh = has_flag(flags, side, "PSH");
}

static enum dt_parse_result missing(struct dt_record *r, const char *field)
{
	r->error = field;
	return DT_PARSE_MISSING_FIELD;
}

static enum dt_parse_result need_time(struct dt_record *r, const char *path, dt_time *out)
{
	if (dt_time_parse(dt_jstr(r->root, path), out))
		return missing(r, path);
	return DT_PARSE_OK;
}

static enum dt_parse_result parse_flow(struct dt_record *r)
{
	struct json_object *o = r->root;
	enum dt_parse_result pr;

	if ((pr = need_time(r, "event.start", &r->start)) ||
	    (pr = need_time(r, "event.end", &r->end)) ||
	    (pr = need_time(r, "nettrail.flow.start", &r->flow_start)))
		return pr;
	read_end(o, "source", &r->src);
	read_end(o, "destination", &r->dst);
	if (!r->src.ip)
		return missing(r, "source.ip");
	if (!r->dst.ip)
		return missing(r, "destination.ip");
	if (!(r->transport = dt_jstr(o, "network.transport")))
		return missing(r, "network.transport");
	if (!(r->direction = dt_jstr(o, "network.direction")))
		return missing(r, "network.direction");
	if (!(r->end_reason = dt_jstr(o, "nettrail.flow.end_reason")))
		return missing(r, "nettrail.flow.end_reason");
	if (!(r->flow_id = dt_jstr(o, "nettrail.flow.id")))
		return missing(r, "nettrail.flow.id");
	r->report_seq = jint(o, "nettrail.flow.report_seq", 1);
	r->protocol = dt_jstr(o, "network.protocol");
	r->conn_state = dt_jstr(o, "nettrail.tcp.conn_state");
	r->sni = dt_jstr(o, "tls.client.server_name");
	r->dst_registered = dt_jstr(o, "destination.registered_domain");
	if (!strcmp(r->transport, "tcp") && !r->conn_state)
		return missing(r, "nettrail.tcp.conn_state");
	return DT_PARSE_OK;
}

static enum dt_parse_result parse_dns(struct dt_record *r)
{
	struct json_object *o = r->root;

	read_end(o, "source", &r->src);
	read_end(o, "destination", &r->dst);
	if (!r->src.ip)
		return missing(r, "source.ip");
	if (!(r->qname = dt_jstr(o, "dns.question.name")))
		return missing(r, "dns.question.name");
	if (!(r->qtype = dt_jstr(o, "dns.question.type")))
		return missing(r, "dns.question.type");
	r->registered = dt_jstr(o, "dns.question.registered_domain");
	r->subdomain = dt_jstr(o, "dns.question.subdomain");
	r->transport = dt_jstr(o, "network.transport");
	r->direction = dt_jstr(o, "network.direction");
	return DT_PARSE_OK;
}

static enum dt_parse_result parse_heartbeat(struct dt_record *r)
{
	struct json_object *a;

	if (!jobj(r->root, "nettrail.heartbeat"))
		return missing(r, "nettrail.heartbeat");
	r->hb_interval_s = jint(r->root, "nettrail.heartbeat.interval_s", -1);
	r->hb_uptime_s = jint(r->root, "nettrail.heartbeat.uptime_s", -1);
	r->hb_counters = jobj(r->root, "nettrail.heartbeat.counters");
	a = dt_jpath(r->root, "nettrail.heartbeat.interfaces");
	r->hb_interfaces = a && json_object_is_type(a, json_type_array) ? a : NULL;
	return DT_PARSE_OK;
}

static enum dt_dataset dataset_of(const char *s)
{
	if (!s)
		return DT_DS_NONE;
	if (!strcmp(s, "nettrail.flow"))
		return DT_DS_FLOW;
	if (!strcmp(s, "nettrail.dns"))
		return DT_DS_DNS;
	if (!strcmp(s, "nettrail.heartbeat"))
		return DT_DS_HEARTBEAT;
	return DT_DS_NONE;
}

static bool rest_is_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

enum dt_parse_result dt_record_parse(const char *line, size_t len, struct dt_record *r)
{
	/* one tokener for every line (reset each time): its buffers stay allocated */
	static _Thread_local struct json_tokener *tok;
	enum dt_parse_result pr;

	if (!tok && !(tok = json_tokener_new()))
		abort();
	json_tokener_reset(tok);

	memset(r, 0, sizeof(*r));
	r->src.port = r->dst.port = -1;
	r->hb_interval_s = r->hb_uptime_s = -1;
	r->root = json_tokener_parse_ex(tok, line, (int)len);
	/* trailing bytes after the object (two objects on one line) are malformed too */
	if (r->root && !rest_is_space(line + json_tokener_get_parse_end(tok),
				      len - json_tokener_get_parse_end(tok))) {
		json_object_put(r->root);
		r->root = NULL;
	}
	if (!r->root || !json_object_is_type(r->root, json_type_object))
		return DT_PARSE_NOT_JSON;
	r->ds = dataset_of(dt_jstr(r->root, "event.dataset"));
	if (r->ds == DT_DS_NONE)
		return DT_PARSE_UNKNOWN_DATASET;
	if ((pr = need_time(r, "@timestamp", &r->ts)))
		return pr;
	if (!(r->record_id = dt_jstr(r->root, "nettrail.record_id")))
		return missing(r, "nettrail.record_id");
	if (!(r->host = dt_jstr(r->root, "observer.hostname")))
		return missing(r, "observer.hostname");
	r->cluster = jobj(r->root, "orchestrator.cluster");
	if (r->ds == DT_DS_FLOW)
		return parse_flow(r);
	return r->ds == DT_DS_DNS ? parse_dns(r) : parse_heartbeat(r);
}

void dt_record_free(struct dt_record *r)
{
	if (r->root)
		json_object_put(r->root);
	r->root = NULL;
}
