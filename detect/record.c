// SPDX-License-Identifier: BSD-2-Clause
/* record.c - one JSON line into a struct dt_record (by the field scanner); RFC 3339 times. */
#include "input.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

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
	if ((*p != '+' && *p != '-') || strnlen(p, 7) != 6 || p[3] != ':' ||
	    digits(p + 1, 2, &hh) || digits(p + 4, 2, &mm))
		return -1;
	*offset_s = (hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
	return 0;
}

int dt_time_parse(const char *s, dt_time *out)
{
	int y, mo, d, h, mi, se;
	int64_t frac, off;

	if (!s || strnlen(s, 20) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
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

/* The fields the rules read: one scanner slot each. An end's fields are
 * laid out alike from F_SRC / F_DST. */
enum {
	E_IP = 0,
	E_PORT,
	E_BYTES,
	E_PACKETS,
	E_DOMAIN,
	E_K8S,
	E_NS,
	E_POD,
	E_POD_NAME,
	E_SVC_NAME,
	E_NODE_NAME,
	E_WL_NAME,
	E_FLAGS,
	E_COUNT
};
enum {
	F_TS = 0,
	F_DATASET,
	F_START,
	F_END,
	F_RECORD_ID,
	F_HOST,
	F_CLUSTER,
	F_SRC,
	F_DST = F_SRC + E_COUNT,
	F_DST_REGISTERED = F_DST + E_COUNT,
	F_TRANSPORT,
	F_PROTOCOL,
	F_DIRECTION,
	F_FLOW_START,
	F_FLOW_ID,
	F_END_REASON,
	F_REPORT_SEQ,
	F_CONN_STATE,
	F_SNI,
	F_QNAME,
	F_QTYPE,
	F_QREG,
	F_QSUB,
	F_HEARTBEAT,
	F_COUNT
};

#define END_SPECS(F, side)                                                                   \
	[F + E_IP] = { side ".ip", 0 }, [F + E_PORT] = { side ".port", 0 },                  \
	     [F + E_BYTES] = { side ".bytes", 0 }, [F + E_PACKETS] = { side ".packets", 0 }, \
	     [F + E_DOMAIN] = { side ".domain", 0 },                                         \
	     [F + E_K8S] = { side ".kubernetes", DT_JF_TEXT },                               \
	     [F + E_NS] = { side ".kubernetes.namespace", 0 },                               \
	     [F + E_POD] = { side ".kubernetes.pod", 0 },                                    \
	     [F + E_POD_NAME] = { side ".kubernetes.pod.name", 0 },                          \
	     [F + E_SVC_NAME] = { side ".kubernetes.service.name", 0 },                      \
	     [F + E_NODE_NAME] = { side ".kubernetes.node.name", 0 },                        \
	     [F + E_WL_NAME] = { side ".kubernetes.workload.name", 0 },                      \
	     [F + E_FLAGS] = { "nettrail.tcp.flags." side, DT_JF_TEXT }

static const struct dt_jpath_spec specs[F_COUNT] = {
	[F_TS] = { "@timestamp", 0 },
	[F_DATASET] = { "event.dataset", 0 },
	[F_START] = { "event.start", 0 },
	[F_END] = { "event.end", 0 },
	[F_RECORD_ID] = { "nettrail.record_id", 0 },
	[F_HOST] = { "observer.hostname", 0 },
	[F_CLUSTER] = { "orchestrator.cluster", DT_JF_TEXT },
	END_SPECS(F_SRC, "source"),
	END_SPECS(F_DST, "destination"),
	[F_DST_REGISTERED] = { "destination.registered_domain", 0 },
	[F_TRANSPORT] = { "network.transport", 0 },
	[F_PROTOCOL] = { "network.protocol", 0 },
	[F_DIRECTION] = { "network.direction", 0 },
	[F_FLOW_START] = { "nettrail.flow.start", 0 },
	[F_FLOW_ID] = { "nettrail.flow.id", 0 },
	[F_END_REASON] = { "nettrail.flow.end_reason", 0 },
	[F_REPORT_SEQ] = { "nettrail.flow.report_seq", 0 },
	[F_CONN_STATE] = { "nettrail.tcp.conn_state", 0 },
	[F_SNI] = { "tls.client.server_name", 0 },
	[F_QNAME] = { "dns.question.name", 0 },
	[F_QTYPE] = { "dns.question.type", 0 },
	[F_QREG] = { "dns.question.registered_domain", 0 },
	[F_QSUB] = { "dns.question.subdomain", 0 },
	[F_HEARTBEAT] = { "nettrail.heartbeat", DT_JF_TEXT },
};

static struct dt_jpaths paths;
static pthread_once_t paths_once = PTHREAD_ONCE_INIT;

static void compile_paths(void)
{
	if (dt_jpaths_compile(&paths, specs, F_COUNT))
		abort(); /* the table above is wrong: a programming error */
}

/* The scan of one line: its values and the arena their strings live in. */
struct scan {
	struct dt_jval v[F_COUNT];
	char *arena;
	size_t cap;
};

static const char *str(const struct scan *sc, int f)
{
	return sc->v[f].type == DT_J_STRING ? sc->v[f].s : NULL;
}

static int64_t num(const struct scan *sc, int f, int64_t dflt)
{
	return sc->v[f].type == DT_J_INT ? sc->v[f].i : dflt;
}

static const char *text(const struct scan *sc, int f, enum dt_jtype t)
{
	return sc->v[f].type == t ? sc->v[f].s : NULL;
}

/* One end's fields: its object (source / destination) and its TCP flags. */
static void read_end(const struct scan *sc, int f, struct dt_end *e)
{
	const char *flags = text(sc, f + E_FLAGS, DT_J_ARRAY);
	struct dt_k8s *k = &e->k8s;

	e->ip = str(sc, f + E_IP);
	e->port = (int)num(sc, f + E_PORT, -1);
	e->bytes = num(sc, f + E_BYTES, 0);
	e->packets = num(sc, f + E_PACKETS, 0);
	e->domain = str(sc, f + E_DOMAIN);
	e->psh = flags && dt_jarray_has_string(flags, sc->v[f + E_FLAGS].n, "PSH");
	if (!(k->json = text(sc, f + E_K8S, DT_J_OBJECT)))
		return;
	k->ns = str(sc, f + E_NS);
	k->pod_name = str(sc, f + E_POD_NAME);
	k->svc_name = str(sc, f + E_SVC_NAME);
	k->node_name = str(sc, f + E_NODE_NAME);
	k->wl_name = str(sc, f + E_WL_NAME);
	k->has_pod = sc->v[f + E_POD].type != DT_J_ABSENT;
	k->has_ns = sc->v[f + E_NS].type != DT_J_ABSENT;
}

static enum dt_parse_result missing(struct dt_record *r, const char *field)
{
	r->error = field;
	return DT_PARSE_MISSING_FIELD;
}

static enum dt_parse_result need_time(struct dt_record *r, const struct scan *sc, int f,
				      dt_time *out)
{
	if (dt_time_parse(str(sc, f), out))
		return missing(r, specs[f].path);
	return DT_PARSE_OK;
}

/* A required string field, or the missing-field result. */
#define NEED(r, sc, f, dst)                               \
	do {                                              \
		if (!((dst) = str(sc, f)))                \
			return missing(r, specs[f].path); \
	} while (0)

static enum dt_parse_result parse_flow(struct dt_record *r, const struct scan *sc)
{
	enum dt_parse_result pr;

	if ((pr = need_time(r, sc, F_START, &r->start)) ||
	    (pr = need_time(r, sc, F_END, &r->end)) ||
	    (pr = need_time(r, sc, F_FLOW_START, &r->flow_start)))
		return pr;
	read_end(sc, F_SRC, &r->src);
	read_end(sc, F_DST, &r->dst);
	if (!r->src.ip)
		return missing(r, "source.ip");
	if (!r->dst.ip)
		return missing(r, "destination.ip");
	NEED(r, sc, F_TRANSPORT, r->transport);
	NEED(r, sc, F_DIRECTION, r->direction);
	NEED(r, sc, F_END_REASON, r->end_reason);
	NEED(r, sc, F_FLOW_ID, r->flow_id);
	r->report_seq = num(sc, F_REPORT_SEQ, 1);
	r->protocol = str(sc, F_PROTOCOL);
	r->conn_state = str(sc, F_CONN_STATE);
	r->sni = str(sc, F_SNI);
	r->dst_registered = str(sc, F_DST_REGISTERED);
	if (!strcmp(r->transport, "tcp") && !r->conn_state)
		return missing(r, "nettrail.tcp.conn_state");
	return DT_PARSE_OK;
}

static enum dt_parse_result parse_dns(struct dt_record *r, const struct scan *sc)
{
	read_end(sc, F_SRC, &r->src);
	read_end(sc, F_DST, &r->dst);
	if (!r->src.ip)
		return missing(r, "source.ip");
	NEED(r, sc, F_QNAME, r->qname);
	NEED(r, sc, F_QTYPE, r->qtype);
	r->registered = str(sc, F_QREG);
	r->subdomain = str(sc, F_QSUB);
	r->transport = str(sc, F_TRANSPORT);
	r->direction = str(sc, F_DIRECTION);
	return DT_PARSE_OK;
}

static int64_t jint(struct json_object *o, const char *path, int64_t dflt)
{
	struct json_object *v = dt_jpath(o, path);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : dflt;
}

/* A heartbeat (rare: one per node per interval): its object as a json-c tree. */
static enum dt_parse_result parse_heartbeat(struct dt_record *r, const struct scan *sc)
{
	const char *hb = text(sc, F_HEARTBEAT, DT_J_OBJECT);
	struct json_object *a;

	if (!hb || !(r->hb = json_tokener_parse(hb)))
		return missing(r, "nettrail.heartbeat");
	r->hb_interval_s = jint(r->hb, "interval_s", -1);
	r->hb_uptime_s = jint(r->hb, "uptime_s", -1);
	a = dt_jpath(r->hb, "counters");
	r->hb_counters = a && json_object_is_type(a, json_type_object) ? a : NULL;
	a = dt_jpath(r->hb, "interfaces");
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

static const enum dt_parse_result of_jerr[DT_JERR_COUNT] = {
	[DT_JERR_OK] = DT_PARSE_OK,
	[DT_JERR_NOT_OBJECT] = DT_PARSE_NOT_JSON,
	[DT_JERR_SYNTAX] = DT_PARSE_SYNTAX,
	[DT_JERR_TRUNCATED] = DT_PARSE_TRUNCATED,
	[DT_JERR_TOO_DEEP] = DT_PARSE_TOO_DEEP,
	[DT_JERR_BAD_STRING] = DT_PARSE_BAD_STRING,
	[DT_JERR_TRAILING] = DT_PARSE_TRAILING,
};

enum dt_parse_result dt_record_parse(const char *line, size_t len, struct dt_record *r)
{
	/* one scan buffer a thread, grown to the longest line: nothing allocated per line */
	static _Thread_local struct scan sc;
	size_t need;
	enum dt_jerr je;

	pthread_once(&paths_once, compile_paths);
	memset(r, 0, sizeof(*r));
	r->src.port = r->dst.port = -1;
	r->hb_interval_s = r->hb_uptime_s = -1;
	need = dt_jscan_arena_size(&paths, len);
	if (need > sc.cap) {
		free(sc.arena);
		if (!(sc.arena = malloc(need)))
			abort();
		sc.cap = need;
	}
	je = dt_jscan(&paths, line, len, sc.v, sc.arena, sc.cap);
	if (je != DT_JERR_OK)
		return of_jerr[je];
	r->ds = dataset_of(str(&sc, F_DATASET));
	if (r->ds == DT_DS_NONE)
		return DT_PARSE_UNKNOWN_DATASET;
	if (need_time(r, &sc, F_TS, &r->ts) != DT_PARSE_OK)
		return DT_PARSE_MISSING_FIELD;
	NEED(r, &sc, F_RECORD_ID, r->record_id);
	NEED(r, &sc, F_HOST, r->host);
	r->cluster = text(&sc, F_CLUSTER, DT_J_OBJECT);
	if (r->ds == DT_DS_FLOW)
		return parse_flow(r, &sc);
	return r->ds == DT_DS_DNS ? parse_dns(r, &sc) : parse_heartbeat(r, &sc);
}

void dt_record_free(struct dt_record *r)
{
	if (r->hb)
		json_object_put(r->hb);
	r->hb = NULL;
}
