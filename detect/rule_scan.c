// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_scan.c - port_scan and address_scan: failed attempts from one source,
 * counted as distinct ports of one host / distinct hosts on one port inside
 * a sliding event-time window (Zeek scan.zeek, ncsa/bro-simple-scan).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ident.h"

struct scan_item {
	char *what;	/* "tcp/22" (port scan) or the victim's address */
	dt_time t, end; /* the attempt's first packet, its record's event.end */
	char *rid;	/* its record id */
};

struct scan_state {
	struct scan_item *items;
	int n, cap;
	dt_time newest;
	bool local;
	char *src_k8s, *dst_k8s; /* JSON text of the first evidence's identities */
	char *host, *cluster;
	char src_ip[64], dst_ip[64], transport[16];
	int port;
};

struct scan_kind {
	enum dt_rule_id rule;
	enum dt_table table;
	int threshold;
	dt_time window, suppress;
};

static void clear_items(struct scan_state *st)
{
	for (int i = 0; i < st->n; i++) {
		free(st->items[i].what);
		free(st->items[i].rid);
	}
	st->n = 0;
}

void dt_rule_scan_free(void *data)
{
	struct scan_state *st = data;

	if (!st)
		return;
	clear_items(st);
	free(st->items);
	free(st->src_k8s);
	free(st->dst_k8s);
	free(st->host);
	free(st->cluster);
	free(st);
}

static long items_bytes(const struct scan_state *st)
{
	long b = (long)dt_alloc_bytes(sizeof(struct scan_item) * (size_t)st->cap);

	for (int i = 0; i < st->n; i++)
		b += (long)(dt_slen(st->items[i].what) + dt_slen(st->items[i].rid));
	return b;
}

static struct scan_state *state_new(const struct dt_record *r, bool port_scan, size_t *size)
{
	struct scan_state *st = calloc(1, sizeof(*st));

	if (!st)
		abort();
	st->src_k8s = dt_strdup0(r->src.k8s.json);
	st->dst_k8s = port_scan ? dt_strdup0(r->dst.k8s.json) : NULL;
	st->host = strdup(r->host);
	st->cluster = dt_strdup0(r->cluster);
	snprintf(st->src_ip, sizeof(st->src_ip), "%s", r->src.ip);
	snprintf(st->dst_ip, sizeof(st->dst_ip), "%s", port_scan ? r->dst.ip : "");
	snprintf(st->transport, sizeof(st->transport), "%s", r->transport);
	st->port = port_scan ? -1 : r->dst.port;
	*size = dt_alloc_bytes(sizeof(*st)) + dt_slen(st->src_k8s) + dt_slen(st->dst_k8s) +
		dt_slen(st->host) + dt_slen(st->cluster);
	return st;
}

/* The attempt's item (updated to the latest attempt), or a new one. */
static void add_item(struct scan_state *st, const char *what, const struct dt_record *r)
{
	struct scan_item *it = NULL;

	for (int i = 0; i < st->n && !it; i++)
		if (!strcmp(st->items[i].what, what))
			it = &st->items[i];
	if (it && it->t > r->flow_start)
		return; /* an older attempt at the same item: keep the newer */
	if (!it) {
		if (st->n == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 16;
			st->items = realloc(st->items, sizeof(*st->items) * (size_t)st->cap);
			if (!st->items)
				abort();
		}
		it = &st->items[st->n++];
		it->what = strdup(what);
	} else {
		free(it->rid);
	}
	it->t = r->flow_start;
	it->end = r->end;
	it->rid = strdup(r->record_id);
	if (r->flow_start > st->newest)
		st->newest = r->flow_start;
}

/* Drops the items older than the window before the newest attempt. */
static void prune(struct scan_state *st, dt_time window)
{
	int w = 0;

	for (int i = 0; i < st->n; i++) {
		if (st->newest - st->items[i].t > window) {
			free(st->items[i].what);
			free(st->items[i].rid);
		} else {
			st->items[w++] = st->items[i];
		}
	}
	st->n = w;
}

static int by_time(const void *a, const void *b)
{
	const struct scan_item *x = *(struct scan_item *const *)a,
			       *y = *(struct scan_item *const *)b;

	if (x->t != y->t)
		return (x->t > y->t) - (x->t < y->t);
	return strcmp(x->rid, y->rid);
}

/* Fills evidence, times, related addresses and details from the items. */
static void scan_evidence(struct dt_alert *a, struct scan_state *st, struct scan_item **v,
			  bool port_scan, struct json_object *list)
{
	int first = st->n > DT_EVIDENCE_MAX ? st->n - DT_EVIDENCE_MAX : 0;

	for (int i = 0; i < st->n; i++)
		v[i] = &st->items[i];
	qsort(v, (size_t)st->n, sizeof(*v), by_time);
	a->start = v[0]->t;
	a->end = v[0]->end;
	for (int i = 0; i < st->n; i++) {
		if (v[i]->end > a->end)
			a->end = v[i]->end;
		json_object_array_add(list, json_object_new_string(v[i]->what));
	}
	dt_alert_relate(a, st->src_ip);
	if (port_scan)
		dt_alert_relate(a, st->dst_ip);
	for (int i = first; i < st->n; i++) {
		a->evidence[a->n_evidence++] = v[i]->rid;
		if (!port_scan)
			dt_alert_relate(a, v[i]->what);
	}
	a->evidence_total = (uint64_t)st->n;
}

static void scan_alert(struct dt_detector *d, const struct scan_kind *k, struct scan_state *st,
		       const char *key)
{
	bool port_scan = k->rule == DT_R_PORT_SCAN;
	struct scan_item **v = malloc(sizeof(*v) * (size_t)st->n);
	struct json_object *list = json_object_new_array();
	struct dt_alert a;

	if (!v)
		abort();
	memset(&a, 0, sizeof(a));
	a.host = st->host;
	a.cluster = st->cluster;
	a.key = key;
	a.src = (struct dt_alert_end){ st->src_ip, -1, NULL, st->src_k8s };
	a.dst = (struct dt_alert_end){ port_scan ? st->dst_ip : NULL, st->port, NULL, st->dst_k8s };
	a.transport = port_scan ? NULL : st->transport;
	scan_evidence(&a, st, v, port_scan, list);
	a.details = json_object_new_object();
	json_object_object_add(a.details, port_scan ? "ports_count" : "hosts_count",
			       json_object_new_int(st->n));
	json_object_object_add(a.details, port_scan ? "ports" : "hosts", list);
	json_object_object_add(a.details, "threshold", json_object_new_int(k->threshold));
	json_object_object_add(a.details, "scanner_local", json_object_new_boolean(st->local));
	if (port_scan)
		snprintf(a.message, sizeof(a.message), "%s scanned %d ports of %s", st->src_ip,
			 st->n, st->dst_ip);
	else
		snprintf(a.message, sizeof(a.message), "%s scanned %d hosts on %s/%d", st->src_ip,
			 st->n, st->transport, st->port);
	dt_emit(d, k->rule, &a);
	free(v);
}

static bool scanner_local(const struct dt_detector *d, const struct dt_record *r)
{
	return r->src.k8s.json || !strcmp(r->direction, "internal") ||
	       !strcmp(r->direction, "outbound") ||
	       dt_cidrs_match(&d->cfg.scan.local_networks, r->src.ip);
}

static void scan_add(struct dt_detector *d, struct scan_kind *k, const struct dt_record *r,
		     const char *key, const char *what)
{
	bool port_scan = k->rule == DT_R_PORT_SCAN;
	struct dt_entry *e = dt_store_get(&d->store, k->table, key, d->watermark);
	struct scan_state *st;
	size_t size;
	long before;

	if (!e) {
		st = state_new(r, port_scan, &size);
		e = dt_store_put(&d->store, k->table, key, st, size, d->watermark, d->watermark);
	}
	st = e->data;
	before = items_bytes(st);
	st->local |= scanner_local(d, r);
	if (!port_scan)
		k->threshold = st->local ? d->cfg.scan.addr_threshold_local :
					   d->cfg.scan.addr_threshold_remote;
	add_item(st, what, r);
	prune(st, k->window);
	if (st->n >= k->threshold) {
		const char *rule = dt_rule_defs[k->rule].name;

		if (dt_suppressed(&d->store, rule, key, d->watermark)) {
			d->n.suppressed++;
		} else {
			scan_alert(d, k, st, key);
			dt_suppress(&d->store, rule, key, d->watermark, k->suppress);
		}
		clear_items(st);
	}
	dt_store_touch(&d->store, e, d->watermark, d->watermark + k->window);
	dt_store_resize(&d->store, e, items_bytes(st) - before);
}

void dt_rule_scan_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_scan_cfg *c = &d->cfg.scan;
	struct scan_kind port = { DT_R_PORT_SCAN, DT_T_PORT_SCAN, c->port_threshold,
				  c->port_window_us, c->port_suppress_us };
	struct scan_kind addr = { DT_R_ADDRESS_SCAN, DT_T_ADDR_SCAN, 0, c->addr_window_us,
				  c->addr_suppress_us };
	char key[256], what[96];

	if (!dt_failed_attempt(r) || r->dst.port < 0)
		return;
	if (dt_cidrs_match(&c->allow_sources, r->src.ip) ||
	    dt_strs_has(&c->allow_namespaces, r->src.k8s.ns))
		return;
	d->n.scan_attempts++;
	snprintf(key, sizeof(key), "%s|%s", r->src.ip, r->dst.ip);
	snprintf(what, sizeof(what), "%s/%d", r->transport, r->dst.port);
	scan_add(d, &port, r, key, what);
	snprintf(key, sizeof(key), "%s|%s/%d", r->src.ip, r->transport, r->dst.port);
	scan_add(d, &addr, r, key, r->dst.ip);
}
