// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_beacon.c - beaconing: RITA's beacon score (beacon.c) over each
 * source's connections to one destination, in an event-time window.
 *
 * A destination is its server name when the flow has one (TLS SNI, else the
 * DNS name of its address), across addresses, and otherwise its address -
 * as RITA keeps SNI beacons and IP beacons apart. A connection is one
 * finished flow with a single report (start time, source bytes); a pair is
 * scored once it has min_connections, then at most every eval_interval of
 * event time, and at end of input.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon.h"
#include "detect.h"
#include "ident.h"

#define DST_IPS_MAX 10

struct beacon_conn {
	dt_time start;
	double bytes;
};

struct beacon_state {
	struct beacon_conn *c;
	int n, cap;
	struct dt_evidence ev;
	dt_time last_eval, last_end;
	char *src_k8s, *dst_k8s, *host, *cluster, *name;
	char src_ip[64], dst_ip[64];
	int dst_port;
	char *dst_ips[DST_IPS_MAX];
	int n_dst_ips;
};

void dt_rule_beacon_free(void *data)
{
	struct beacon_state *st = data;

	if (!st)
		return;
	free(st->c);
	dt_evidence_clear(&st->ev);
	free(st->src_k8s);
	free(st->dst_k8s);
	free(st->host);
	free(st->cluster);
	free(st->name);
	for (int i = 0; i < st->n_dst_ips; i++)
		free(st->dst_ips[i]);
	free(st);
}

static struct beacon_state *state_new(const struct dt_record *r, const char *name, size_t *size)
{
	struct beacon_state *st = calloc(1, sizeof(*st));

	if (!st)
		abort();
	st->last_eval = DT_TIME_NONE;
	st->src_k8s = dt_strdup0(r->src.k8s.json);
	st->dst_k8s = dt_strdup0(r->dst.k8s.json);
	st->host = strdup(r->host);
	st->cluster = dt_strdup0(r->cluster);
	st->name = name ? strdup(name) : NULL;
	snprintf(st->src_ip, sizeof(st->src_ip), "%s", r->src.ip);
	*size = dt_alloc_bytes(sizeof(*st)) + dt_slen(st->src_k8s) + dt_slen(st->dst_k8s) +
		dt_slen(st->host) + dt_slen(st->cluster) + dt_slen(st->name);
	return st;
}

static dt_time dataset_min(const struct dt_detector *d)
{
	dt_time lo = d->watermark - d->cfg.beacon.window_us;

	return d->first_time > lo ? d->first_time : lo;
}

static int64_t secs(dt_time t)
{
	return t >= 0 ? t / DT_SEC : -((-t + DT_SEC - 1) / DT_SEC);
}

/* Drops the connections before the analysis window. */
static void prune(struct beacon_state *st, int64_t dmin_s)
{
	int w = 0;

	for (int i = 0; i < st->n; i++)
		if (secs(st->c[i].start) >= dmin_s)
			st->c[w++] = st->c[i];
	st->n = w;
}

/* Appends a connection; returns the bytes it added to the entry. */
static long add_conn(struct dt_detector *d, struct beacon_state *st, const struct dt_record *r)
{
	long delta = 0;

	if (st->n == st->cap && st->cap >= d->cfg.beacon.max_connections) {
		prune(st, secs(dataset_min(d)));
		if (st->n == st->cap) {
			memmove(st->c, st->c + 1, sizeof(*st->c) * (size_t)(st->n - 1));
			st->n--;
			d->n.beacon_dropped_connections++;
		}
	}
	if (st->n == st->cap) {
		int ncap = st->cap ? st->cap * 2 : 32;

		if (ncap > d->cfg.beacon.max_connections)
			ncap = d->cfg.beacon.max_connections;
		st->c = realloc(st->c, sizeof(*st->c) * (size_t)ncap);
		if (!st->c)
			abort();
		delta += (long)(dt_alloc_bytes(sizeof(*st->c) * (size_t)ncap) -
				dt_alloc_bytes(sizeof(*st->c) * (size_t)st->cap));
		st->cap = ncap;
	}
	st->c[st->n++] = (struct beacon_conn){ r->flow_start, (double)r->src.bytes };
	return delta;
}

static long note_destination(struct beacon_state *st, const struct dt_record *r)
{
	snprintf(st->dst_ip, sizeof(st->dst_ip), "%s", r->dst.ip);
	st->dst_port = r->dst.port;
	if (r->end > st->last_end)
		st->last_end = r->end;
	for (int i = 0; i < st->n_dst_ips; i++)
		if (!strcmp(st->dst_ips[i], r->dst.ip))
			return 0;
	if (st->n_dst_ips == DST_IPS_MAX)
		return 0;
	st->dst_ips[st->n_dst_ips++] = strdup(r->dst.ip);
	return (long)dt_slen(r->dst.ip);
}

static struct json_object *score_details(const struct dt_beacon_score *s, int n, bool by_name)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

#define SCORE(k, v)                                                             \
	do {                                                                    \
		snprintf(buf, sizeof(buf), "%.3f", v);                          \
		json_object_object_add(o, k, json_object_new_double_s(v, buf)); \
	} while (0)
	SCORE("score", s->score);
	SCORE("timestamp_score", s->ts);
	SCORE("datasize_score", s->ds);
	SCORE("histogram_score", s->hist);
	SCORE("duration_score", s->dur);
#undef SCORE
	json_object_object_add(o, "connections", json_object_new_int(n));
	json_object_object_add(o, "type", json_object_new_string(by_name ? "name" : "ip"));
	return o;
}

static void beacon_alert(struct dt_detector *d, struct beacon_state *st, const char *key,
			 const struct dt_beacon_score *s)
{
	struct dt_alert a;

	memset(&a, 0, sizeof(a));
	a.host = st->host;
	a.cluster = st->cluster;
	a.key = key;
	a.src = (struct dt_alert_end){ st->src_ip, -1, NULL, st->src_k8s };
	a.dst = (struct dt_alert_end){ st->dst_ip, st->dst_port, st->name, st->dst_k8s };
	a.related_host = st->name;
	dt_alert_relate(&a, st->src_ip);
	for (int i = 0; i < st->n_dst_ips; i++)
		dt_alert_relate(&a, st->dst_ips[i]);
	a.start = st->c[0].start;
	for (int i = 1; i < st->n; i++)
		if (st->c[i].start < a.start)
			a.start = st->c[i].start;
	a.end = st->last_end;
	for (int i = 0; i < st->ev.n; i++)
		a.evidence[a.n_evidence++] = dt_evidence_at(&st->ev, i);
	a.evidence_total = (uint64_t)st->n;
	a.details = score_details(s, st->n, st->name != NULL);
	snprintf(a.message, sizeof(a.message), "%s beacons to %s: score %.3f over %d connections",
		 st->src_ip, st->name ? st->name : st->dst_ip, s->score, st->n);
	dt_emit(d, DT_R_BEACONING, &a);
}

/* Scores the pair over the window; alerts at or above the threshold. */
static void evaluate(struct dt_detector *d, struct beacon_state *st, const char *key)
{
	const struct dt_beacon_cfg *c = &d->cfg.beacon;
	const char *rule = dt_rule_defs[DT_R_BEACONING].name;
	int64_t dmin = secs(dataset_min(d)), dmax = secs(d->watermark);
	struct dt_beacon_score s;

	if (dt_suppressed(&d->store, rule, key, d->watermark))
		return;
	prune(st, dmin);
	st->last_eval = d->watermark;
	if (st->n < c->min_connections)
		return;
	int64_t *ts = malloc(sizeof(int64_t) * (size_t)st->n);
	double *bytes = malloc(sizeof(double) * (size_t)st->n);
	if (!ts || !bytes)
		abort();
	for (int i = 0; i < st->n; i++) {
		ts[i] = secs(st->c[i].start);
		bytes[i] = st->c[i].bytes;
	}
	int rc = dt_beacon_score(c, dmin, dmax, ts, bytes, st->n, &s);
	free(ts);
	free(bytes);
	if (rc)
		return;
	d->n.beacon_scored++;
	if (s.score >= c->threshold) {
		beacon_alert(d, st, key, &s);
		dt_suppress(&d->store, rule, key, d->watermark, c->suppress_us);
	}
}

static bool direction_ok(const struct dt_strs *dirs, const char *dir)
{
	return !dirs->n || dt_strs_has(dirs, dir);
}

void dt_rule_beacon_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_beacon_cfg *c = &d->cfg.beacon;
	const char *name = r->sni ? r->sni : r->dst.domain;
	struct dt_entry *e;
	struct beacon_state *st;
	char key[512];
	size_t size;

	if (!strcmp(r->end_reason, "active"))
		return; /* not finished yet: its final report counts it */
	if (r->report_seq != 1) {
		d->n.beacon_skipped_multi_report++;
		return;
	}
	if (!direction_ok(&c->directions, r->direction) ||
	    dt_strs_has(&c->allow_namespaces, r->src.k8s.ns) ||
	    dt_domain_allowed(&c->allow_domains, name))
		return;
	snprintf(key, sizeof(key), "%s|%s|%s", name ? "name" : "ip", r->src.ip,
		 name ? name : r->dst.ip);
	e = dt_store_get(&d->store, DT_T_BEACON, key, d->watermark);
	if (!e) {
		st = state_new(r, name, &size);
		e = dt_store_put(&d->store, DT_T_BEACON, key, st, size, d->watermark, d->watermark);
	}
	st = e->data;
	d->n.beacon_connections++;
	dt_store_resize(&d->store, e,
			add_conn(d, st, r) + note_destination(st, r) +
				dt_evidence_add(&st->ev, r->record_id));
	dt_store_touch(&d->store, e, d->watermark, d->watermark + c->window_us);
	if (st->n >= c->min_connections &&
	    (st->last_eval == DT_TIME_NONE || d->watermark - st->last_eval >= c->eval_interval_us))
		evaluate(d, st, key);
}

void dt_rule_beacon_flush(struct dt_detector *d)
{
	struct dt_entry **v;
	/* in creation order; the expired ones (not swept yet) a lookup would not find */
	size_t n = dt_store_list(&d->store, DT_T_BEACON, d->watermark, &v);

	for (size_t i = 0; i < n; i++) {
		struct beacon_state *st = v[i]->data;

		if (st->n >= d->cfg.beacon.min_connections)
			evaluate(d, st, v[i]->key + 1);
	}
	free(v);
}
