// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_dns.c - dns_tunnel: one client's queries under one registered domain
 * (dns.question.registered_domain, from the sensor's Public Suffix List
 * split), in a tumbling event-time window from the key's first query.
 *
 * Three signals, any of which fires (docs/detections.md#dns_tunnel):
 *  - unique subdomains >= unique_subdomains (RITA's DNS tunnelling: 100);
 *  - unique subdomains with a label of >= long_label characters, or of
 *    >= entropy_min_length characters and >= entropy bits a character,
 *    >= suspicious_subdomains (iodine's and dnscat2's encoded labels);
 *  - queries of a tunnel type (TXT, NULL, PRIVATE) >= tunnel_type_min and
 *    >= tunnel_type_ratio of the key's queries (iodine's NULL, dnscat2's TXT).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "hset.h"
#include "ident.h"

struct dns_state {
	struct dt_hset subs; /* unique subdomains seen in the window */
	dt_time start, last;
	uint64_t queries, tunnel_type, suspicious;
	int max_label;
	double max_entropy;
	char example[256]; /* the latest suspicious (else new) subdomain, cut */
	struct dt_evidence ev;
	struct dt_ident id;
};

void dt_rule_dns_free(void *data)
{
	struct dns_state *st = data;

	if (!st)
		return;
	dt_hset_free(&st->subs);
	dt_evidence_clear(&st->ev);
	dt_ident_free(&st->id);
	free(st);
}

static long evidence_bytes(const struct dt_evidence *ev)
{
	long b = 0;

	for (int i = 0; i < ev->n; i++)
		b += (long)dt_alloc_bytes(strlen(dt_evidence_at(ev, i)) + 1);
	return b;
}

/* The window is over: start again at t. Returns the change in bytes. */
static long window_reset(struct dns_state *st, dt_time t)
{
	long before = (long)dt_hset_bytes(&st->subs) + evidence_bytes(&st->ev);

	dt_hset_free(&st->subs);
	dt_evidence_clear(&st->ev);
	st->queries = st->tunnel_type = st->suspicious = 0;
	st->max_label = 0;
	st->max_entropy = 0;
	st->example[0] = 0;
	st->start = t;
	return -before;
}

static bool tunnel_type(const struct dt_strs *types, const char *qtype)
{
	if (dt_strs_has(types, qtype))
		return true;
	/* PRIVATE: the private-use types 65280..65534 (RFC 6895), TYPE<n> in records */
	if (dt_strs_has(types, "PRIVATE") && !strncmp(qtype, "TYPE", 4)) {
		long v = strtol(qtype + 4, NULL, 10);

		return v >= 65280 && v <= 65534;
	}
	return false;
}

static int longest_label(const char *s)
{
	int best = 0, cur = 0;

	for (; *s; s++) {
		cur = *s == '.' ? 0 : cur + 1;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* A new unique subdomain: counts it as suspicious when its labels say so. */
static void new_subdomain(const struct dt_dns_tunnel_cfg *c, struct dns_state *st, const char *sub)
{
	size_t n = strlen(sub);
	int label = longest_label(sub);
	double h = dt_entropy(sub, n);
	bool susp = label >= c->long_label || ((int)n >= c->entropy_min_length && h >= c->entropy);

	if (label > st->max_label)
		st->max_label = label;
	if ((int)n >= c->entropy_min_length && h > st->max_entropy)
		st->max_entropy = h;
	if (susp)
		st->suspicious++;
	if (susp || !st->example[0])
		snprintf(st->example, sizeof(st->example), "%s", sub);
}

static void dns_alert(struct dt_detector *d, struct dns_state *st, const struct dt_record *r,
		      const char *key, struct json_object *signals)
{
	const struct dt_dns_tunnel_cfg *c = &d->cfg.dns_tunnel;
	struct dt_alert a;
	struct json_object *det = json_object_new_object();

	memset(&a, 0, sizeof(a));
	dt_ident_alert(&st->id, &a);
	a.dst.domain = r->registered;
	a.key = key;
	a.transport = r->transport;
	a.protocol = "dns";
	a.start = st->start;
	a.end = st->last;
	dt_alert_add_evidence(&a, &st->ev);
	json_object_object_add(det, "registered_domain", json_object_new_string(r->registered));
	json_object_object_add(det, "signals", signals);
	json_object_object_add(det, "unique_subdomains", json_object_new_int64(st->subs.n));
	json_object_object_add(det, "suspicious_subdomains",
			       json_object_new_int64((int64_t)st->suspicious));
	json_object_object_add(det, "queries", json_object_new_int64((int64_t)st->queries));
	json_object_object_add(det, "tunnel_type_queries",
			       json_object_new_int64((int64_t)st->tunnel_type));
	json_object_object_add(det, "max_label_length", json_object_new_int(st->max_label));
	json_object_object_add(det, "max_entropy",
			       json_object_new_double(round(st->max_entropy * 100) / 100));
	json_object_object_add(det, "example_subdomain", json_object_new_string(st->example));
	json_object_object_add(det, "unique_threshold", json_object_new_int(c->unique_subdomains));
	a.details = det;
	snprintf(
		a.message, sizeof(a.message),
		"%s: %u unique subdomains of %s (%llu suspicious, %llu of %llu queries TXT/NULL/private)",
		st->id.src_ip, st->subs.n, r->registered, (unsigned long long)st->suspicious,
		(unsigned long long)st->tunnel_type, (unsigned long long)st->queries);
	dt_emit(d, DT_R_DNS_TUNNEL, &a);
}

/* The signals that hold now, as an array (NULL when none does). */
static struct json_object *signals_of(const struct dt_dns_tunnel_cfg *c, const struct dns_state *st)
{
	struct json_object *s = json_object_new_array();

	if ((int64_t)st->subs.n >= c->unique_subdomains)
		json_object_array_add(s, json_object_new_string("unique_subdomains"));
	if ((int64_t)st->suspicious >= c->suspicious_subdomains)
		json_object_array_add(s, json_object_new_string("suspicious_labels"));
	if ((int64_t)st->tunnel_type >= c->tunnel_type_min &&
	    (double)st->tunnel_type >= c->tunnel_type_ratio * (double)st->queries)
		json_object_array_add(s, json_object_new_string("tunnel_query_types"));
	if (json_object_array_length(s))
		return s;
	json_object_put(s);
	return NULL;
}

static struct dt_entry *dns_entry(struct dt_detector *d, const char *key, dt_time t)
{
	struct dt_entry *e = dt_store_get(&d->store, DT_T_DNS_TUNNEL, key, d->watermark);
	struct dns_state *st;

	if (e)
		return e;
	st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	st->start = t;
	return dt_store_put(&d->store, DT_T_DNS_TUNNEL, key, st, dt_alloc_bytes(sizeof(*st)),
			    d->watermark, t + d->cfg.dns_tunnel.window_us);
}

void dt_rule_dns_record(struct dt_detector *d, const struct dt_record *r)
{
	const struct dt_dns_tunnel_cfg *c = &d->cfg.dns_tunnel;
	struct dt_entry *e;
	struct dns_state *st;
	struct json_object *sig;
	char key[512];
	long delta = 0;

	if (!r->registered) {
		d->n.dns_no_registered_domain++;
		return;
	}
	if (dt_domain_allowed(&c->allow_domains, r->registered) ||
	    dt_strs_has(&c->allow_namespaces, r->src.k8s.ns))
		return;
	snprintf(key, sizeof(key), "%s|%s", r->src.ip, r->registered);
	for (char *p = key; *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
	e = dns_entry(d, key, r->ts);
	st = e->data;
	if (r->ts - st->start >= c->window_us)
		delta += window_reset(st, r->ts);
	st->queries++;
	st->last = r->ts;
	if (tunnel_type(&c->tunnel_types, r->qtype))
		st->tunnel_type++;
	if (r->subdomain && (int64_t)st->subs.n < c->max_subdomains) {
		long before = (long)dt_hset_bytes(&st->subs);

		if (dt_hset_add(&st->subs, dt_hash_str(r->subdomain, 1), r->ts))
			new_subdomain(c, st, r->subdomain);
		delta += (long)dt_hset_bytes(&st->subs) - before;
	}
	delta += dt_evidence_add(&st->ev, r->record_id);
	delta += dt_ident_set(&st->id, r);
	sig = signals_of(c, st);
	if (sig && !dt_suppress_once(d, dt_rule_defs[DT_R_DNS_TUNNEL].name, key, c->suppress_us))
		dns_alert(d, st, r, key, sig);
	else
		json_object_put(sig);
	dt_store_touch(&d->store, e, d->watermark, st->start + c->window_us);
	dt_store_resize(&d->store, e, delta);
}
