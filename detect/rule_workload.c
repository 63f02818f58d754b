// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_workload.c - the rules of a workload's own history (namespace +
 * workload name of the flow's source):
 *
 *  - new_destination (RITA first seen / prevalence): the external
 *    destinations a workload reaches during its learning window (from its
 *    first record) are its baseline; one it reaches afterwards that it has
 *    not reached before is an alert (once; it then joins the baseline). A
 *    destination is its registered domain, else its DNS name, else its SNI,
 *    else its address. With max_prevalence, a destination that many other
 *    workloads already reach is not new enough to tell.
 *  - egress_spike (Elastic's data-exfiltration jobs: high sum of bytes out
 *    against the entity's own history): source.bytes of the workload's
 *    outbound flows summed per bucket of event time; a bucket reaching
 *    min_bytes and factor times the mean of the previous `history` buckets
 *    (empty ones count as 0, at least min_buckets of them) is an alert. A
 *    workload is remembered for `retention` after its last bytes out, so a
 *    quiet one keeps its (empty) history.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "hset.h"
#include "ident.h"

/* ---- new_destination ------------------------------------------------------ */

struct nd_state {
	struct dt_hset dests;
	dt_time first, last_prune;
};

void dt_rule_newdest_free(void *data)
{
	struct nd_state *st = data;

	if (st)
		dt_hset_free(&st->dests);
	free(st);
}

static bool direction_ok(const struct dt_strs *dirs, const char *dir)
{
	return !dirs->n || dt_strs_has(dirs, dir);
}

static const char *dest_name(const struct dt_record *r)
{
	if (r->dst_registered)
		return r->dst_registered;
	if (r->dst.domain)
		return r->dst.domain;
	return r->sni ? r->sni : r->dst.ip;
}

/* Counts workload reaching name for the first time; returns how many others did before. */
static int64_t prevalence_add(struct dt_detector *d, const char *name, dt_time t)
{
	struct dt_entry *e = dt_store_get(&d->store, DT_T_PREVALENCE, name, d->watermark);
	int64_t *count;

	if (!e) {
		count = calloc(1, sizeof(*count));
		if (!count)
			abort();
		e = dt_store_put(&d->store, DT_T_PREVALENCE, name, count,
				 dt_alloc_bytes(sizeof(*count)), d->watermark,
				 t + d->cfg.newdest.retention_us);
	}
	count = e->data;
	dt_store_touch(&d->store, e, d->watermark, t + d->cfg.newdest.retention_us);
	return (*count)++;
}

static void newdest_alert(struct dt_detector *d, const struct dt_record *r, const char *wl,
			  const char *name, int64_t others, dt_time first)
{
	struct dt_alert a;
	char key[768];

	snprintf(key, sizeof(key), "%s|%s", wl, name);
	if (dt_suppress_once(d, dt_rule_defs[DT_R_NEW_DESTINATION].name, key,
			     d->cfg.newdest.retention_us))
		return;
	dt_alert_of_record(&a, r, key);
	a.details = json_object_new_object();
	json_object_object_add(a.details, "workload", json_object_new_string(wl));
	json_object_object_add(a.details, "destination", json_object_new_string(name));
	json_object_object_add(a.details, "prevalence", json_object_new_int64(others));
	json_object_object_add(
		a.details, "learning_end_s",
		json_object_new_int64((first + d->cfg.newdest.learning_us) / DT_SEC));
	snprintf(a.message, sizeof(a.message), "%.100s reached a new destination %.100s (%s:%d)",
		 wl, name, r->dst.ip, r->dst.port);
	dt_emit(d, DT_R_NEW_DESTINATION, &a);
}

void dt_rule_newdest_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_newdest_cfg *c = &d->cfg.newdest;
	const char *name = dest_name(r);
	struct dt_entry *e;
	struct nd_state *st;
	char wl[512];
	long before;

	if (!direction_ok(&c->directions, r->direction) ||
	    dt_workload_key(&r->src.k8s, c->include_nodes, wl, sizeof(wl)) ||
	    dt_strs_has(&c->allow_namespaces, r->src.k8s.ns) ||
	    dt_domain_allowed(&c->allow_domains, name))
		return;
	e = dt_store_get(&d->store, DT_T_NEWDEST, wl, d->watermark);
	if (!e) {
		st = calloc(1, sizeof(*st));
		if (!st)
			abort();
		st->first = st->last_prune = r->ts;
		e = dt_store_put(&d->store, DT_T_NEWDEST, wl, st, dt_alloc_bytes(sizeof(*st)),
				 d->watermark, r->ts + c->retention_us);
	}
	st = e->data;
	before = (long)dt_hset_bytes(&st->dests);
	if (r->ts - st->last_prune >= c->retention_us / 4) {
		dt_hset_prune(&st->dests, r->ts - c->retention_us);
		st->last_prune = r->ts;
	}
	uint64_t h = dt_hash_str(name, 1);

	if (dt_hset_has(&st->dests, h)) {
		dt_hset_add(&st->dests, h, r->ts); /* seen again: kept */
	} else if ((int64_t)st->dests.n < c->max_destinations) {
		int64_t others;

		dt_hset_add(&st->dests, h, r->ts);
		others = prevalence_add(d, name, r->ts);
		if (r->ts - st->first < c->learning_us)
			d->n.newdest_learnt++;
		else if (c->max_prevalence > 0 && others >= c->max_prevalence)
			d->n.newdest_prevalent++;
		else
			newdest_alert(d, r, wl, name, others, st->first);
	} else {
		d->n.newdest_full++;
	}
	dt_store_touch(&d->store, e, d->watermark, r->ts + c->retention_us);
	dt_store_resize(&d->store, e, (long)dt_hset_bytes(&st->dests) - before);
}

/* ---- egress_spike --------------------------------------------------------- */

struct eg_state {
	int64_t *hist; /* the last `history` buckets' bytes, a ring */
	int n_hist, head;
	int64_t bucket, cur; /* the current bucket's index and bytes */
	int64_t top_bytes;   /* the largest record of the bucket ... */
	char top[256];	     /* ... its destination */
	struct dt_evidence ev;
	struct dt_ident id;
};

void dt_rule_egress_free(void *data)
{
	struct eg_state *st = data;

	if (!st)
		return;
	free(st->hist);
	dt_evidence_clear(&st->ev);
	dt_ident_free(&st->id);
	free(st);
}

static void hist_push(struct eg_state *st, int history, int64_t v)
{
	st->hist[st->head] = v;
	st->head = (st->head + 1) % history;
	if (st->n_hist < history)
		st->n_hist++;
}

/* The bucket b began: the finished ones (and the empty ones between) go to history. */
static long roll(struct eg_state *st, int history, int64_t b)
{
	long freed = 0;

	hist_push(st, history, st->cur);
	for (int64_t i = st->bucket + 1; i < b && i <= st->bucket + history; i++)
		hist_push(st, history, 0);
	for (int i = 0; i < st->ev.n; i++)
		freed += (long)strlen(dt_evidence_at(&st->ev, i)) + 1;
	dt_evidence_clear(&st->ev);
	st->bucket = b;
	st->cur = st->top_bytes = 0;
	st->top[0] = 0;
	return -freed;
}

static double hist_mean(const struct eg_state *st)
{
	int64_t sum = 0;

	for (int i = 0; i < st->n_hist; i++)
		sum += st->hist[i];
	return st->n_hist ? (double)sum / st->n_hist : 0;
}

static void egress_alert(struct dt_detector *d, struct eg_state *st, const char *wl, double mean)
{
	const struct dt_egress_cfg *c = &d->cfg.egress;
	struct dt_alert a;
	struct json_object *det = json_object_new_object();

	memset(&a, 0, sizeof(a));
	dt_ident_alert(&st->id, &a);
	a.key = wl;
	a.start = st->bucket * c->bucket_us;
	a.end = d->watermark;
	dt_alert_add_evidence(&a, &st->ev);
	json_object_object_add(det, "workload", json_object_new_string(wl));
	json_object_object_add(det, "bucket_bytes", json_object_new_int64(st->cur));
	json_object_object_add(det, "baseline_mean_bytes", json_object_new_int64((int64_t)mean));
	json_object_object_add(det, "baseline_buckets", json_object_new_int(st->n_hist));
	json_object_object_add(det, "bucket_s", json_object_new_int64(c->bucket_us / DT_SEC));
	json_object_object_add(det, "factor", json_object_new_double(c->factor));
	json_object_object_add(det, "top_destination", json_object_new_string(st->top));
	a.details = det;
	snprintf(a.message, sizeof(a.message),
		 "%.80s sent %lld bytes out in one bucket (baseline %lld a bucket); most to %.60s",
		 wl, (long long)st->cur, (long long)mean, st->top);
	dt_emit(d, DT_R_EGRESS_SPIKE, &a);
}

static struct dt_entry *egress_entry(struct dt_detector *d, const char *wl, int64_t b)
{
	struct dt_entry *e = dt_store_get(&d->store, DT_T_EGRESS, wl, d->watermark);
	struct eg_state *st;
	int history = d->cfg.egress.history;

	if (e)
		return e;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->hist = calloc((size_t)history, sizeof(int64_t))))
		abort();
	st->bucket = b;
	return dt_store_put(&d->store, DT_T_EGRESS, wl, st,
			    dt_alloc_bytes(sizeof(*st)) +
				    dt_alloc_bytes(sizeof(int64_t) * (size_t)history),
			    d->watermark, d->watermark);
}

void dt_rule_egress_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_egress_cfg *c = &d->cfg.egress;
	int64_t b = r->ts / c->bucket_us;
	struct dt_entry *e;
	struct eg_state *st;
	char wl[512];
	long delta = 0;

	if (r->src.bytes <= 0 || !direction_ok(&c->directions, r->direction) ||
	    dt_workload_key(&r->src.k8s, c->include_nodes, wl, sizeof(wl)) ||
	    dt_strs_has(&c->allow_namespaces, r->src.k8s.ns))
		return;
	e = egress_entry(d, wl, b);
	st = e->data;
	if (b > st->bucket)
		delta += roll(st, c->history, b);
	st->cur += r->src.bytes;
	if (r->src.bytes > st->top_bytes) {
		st->top_bytes = r->src.bytes;
		snprintf(st->top, sizeof(st->top), "%s", dest_name(r));
	}
	delta += dt_evidence_add(&st->ev, r->record_id);
	delta += dt_ident_set(&st->id, r);
	if (st->n_hist >= c->min_buckets && st->cur >= (int64_t)c->min_bytes) {
		double mean = hist_mean(st);

		if ((double)st->cur >= c->factor * mean &&
		    !dt_suppress_once(d, dt_rule_defs[DT_R_EGRESS_SPIKE].name, wl, c->suppress_us))
			egress_alert(d, st, wl, mean);
	}
	dt_store_touch(&d->store, e, d->watermark, d->watermark + c->retention_us);
	dt_store_resize(&d->store, e, delta);
}
