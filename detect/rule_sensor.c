// SPDX-License-Identifier: BSD-2-Clause
/*
 * rule_sensor.c - sensor_blind: what each node's nettrail.heartbeat says
 * about the sensor itself, in event time.
 *
 * Reasons (each suppressed per node and reason for `suppress`):
 *  - heartbeat_missing: no heartbeat for more than missed_intervals times
 *    the node's own interval_s, seen either when the watermark (any node's
 *    records) passes that deadline, or when the late heartbeat arrives;
 *  - interfaces_dropped: an attached interface left the list (but not one
 *    named like a pod's veth: ephemeral_interfaces), or none is left;
 *  - attach_errors: the counter rose;
 *  - loss_counters: one of loss_counters rose (records lost);
 *  - no_packets: `packets` did not move for idle_intervals heartbeats while
 *    interfaces are attached (a TC filter removed behind the sensor's back).
 * Counters are compared between consecutive heartbeats of one sensor run: a
 * smaller uptime_s is a restart, and starts the comparison afresh.
 *
 * Nodes are few (one sensor a node), so they live in their own table, capped
 * at max_nodes (a node past the cap is counted, not tracked).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "detect.h"
#include "ident.h"

struct dt_node {
	UT_hash_handle hh;
	char *name, *cluster;
	dt_time last;
	int64_t interval_s, uptime_s;
	int64_t attach_errors, packets;
	int64_t *loss; /* per loss_counters entry; -1: absent */
	char **ifaces;
	int n_ifaces, idle;
	bool silent; /* heartbeat_missing raised for the current silence */
	char rid[128], prev_rid[128];
};

static void node_free(struct dt_node *n)
{
	for (int i = 0; i < n->n_ifaces; i++)
		free(n->ifaces[i]);
	free(n->ifaces);
	free(n->loss);
	free(n->name);
	free(n->cluster);
	free(n);
}

void dt_rule_sensor_free(struct dt_detector *d)
{
	struct dt_node *n, *tmp;

	HASH_ITER(hh, d->nodes, n, tmp) {
		HASH_DEL(d->nodes, n);
		node_free(n);
	}
	d->n_nodes = 0;
}

static int64_t counter(const struct dt_record *r, const char *name)
{
	struct json_object *v;

	if (!r->hb_counters || !json_object_object_get_ex(r->hb_counters, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

static void blind_alert_at(struct dt_detector *d, const struct dt_node *n, const char *reason,
			   struct json_object *det, const char *msg, dt_time now)
{
	struct dt_alert a;
	char key[384];

	snprintf(key, sizeof(key), "%s|%s", n->name, reason);
	if (dt_suppress_once(d, dt_rule_defs[DT_R_SENSOR_BLIND].name, key,
			     d->cfg.blind.suppress_us)) {
		json_object_put(det);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.host = n->name;
	a.related_host = n->name;
	a.cluster = n->cluster;
	a.src.port = a.dst.port = -1;
	a.key = key;
	a.start = n->last;
	a.end = a.at = now;
	if (n->prev_rid[0])
		a.evidence[a.n_evidence++] = n->prev_rid;
	if (n->rid[0])
		a.evidence[a.n_evidence++] = n->rid;
	json_object_object_add(det, "reason", json_object_new_string(reason));
	json_object_object_add(det, "interval_s", json_object_new_int64(n->interval_s));
	a.details = det;
	snprintf(a.message, sizeof(a.message), "sensor on %s: %s", n->name, msg);
	dt_emit(d, DT_R_SENSOR_BLIND, &a);
}

static void blind_alert(struct dt_detector *d, const struct dt_node *n, const char *reason,
			struct json_object *det, const char *msg)
{
	blind_alert_at(d, n, reason, det, msg, d->watermark);
}

static dt_time silence_deadline(const struct dt_detector *d, const struct dt_node *n)
{
	if (n->interval_s <= 0 || n->silent)
		return DT_TIME_NONE;
	return n->last + (dt_time)d->cfg.blind.missed_intervals * n->interval_s * DT_SEC;
}

/* The silence until now (a late heartbeat's time, the watermark, or past it
 * by the wall clock: then the alert says so and ends there). */
static void silence_alert(struct dt_detector *d, struct dt_node *n, dt_time now)
{
	struct json_object *det = json_object_new_object();
	dt_time gap = now - n->last;
	char msg[128];

	n->silent = true;
	json_object_object_add(det, "silent_s", json_object_new_int64(gap / DT_SEC));
	if (now > d->watermark)
		json_object_object_add(det, "clock", json_object_new_string("wall"));
	snprintf(msg, sizeof(msg), "no heartbeat for %lld s (interval %lld s)%s",
		 (long long)(gap / DT_SEC), (long long)n->interval_s,
		 now > d->watermark ? ", no records either (wall clock)" : "");
	blind_alert_at(d, n, "heartbeat_missing", det, msg,
		       now > d->watermark ? now : d->watermark);
}

void dt_rule_sensor_tick(struct dt_detector *d)
{
	dt_rule_sensor_tick_at(d, d->watermark);
}

void dt_rule_sensor_tick_at(struct dt_detector *d, dt_time now)
{
	struct dt_node *n, *tmp;
	dt_time next = DT_TIME_NONE;

	if (d->next_silence == DT_TIME_NONE || now <= d->next_silence)
		return;
	HASH_ITER(hh, d->nodes, n, tmp) {
		dt_time dl = silence_deadline(d, n);

		if (dl != DT_TIME_NONE && now > dl)
			silence_alert(d, n, now);
		dl = silence_deadline(d, n);
		if (dl != DT_TIME_NONE && (next == DT_TIME_NONE || dl < next))
			next = dl;
	}
	d->next_silence = next;
}

static bool ephemeral(const struct dt_strs *prefixes, const char *name)
{
	for (int i = 0; i < prefixes->n; i++)
		if (!strncmp(name, prefixes->v[i], strlen(prefixes->v[i])))
			return true;
	return false;
}

/* The interfaces of this heartbeat replace the node's; dropped ones are listed. */
static void interfaces(struct dt_detector *d, struct dt_node *n, const struct dt_record *r,
		       bool compare)
{
	size_t len = r->hb_interfaces ? json_object_array_length(r->hb_interfaces) : 0;
	struct json_object *gone = json_object_new_array();
	char **now = calloc(len + 1, sizeof(char *));

	if (!now)
		abort();
	for (size_t i = 0; i < len; i++) {
		const char *s =
			json_object_get_string(json_object_array_get_idx(r->hb_interfaces, i));

		now[i] = strdup(s ? s : "");
	}
	for (int i = 0; compare && i < n->n_ifaces; i++) {
		bool kept = false;

		for (size_t j = 0; j < len && !kept; j++)
			kept = !strcmp(now[j], n->ifaces[i]);
		if (!kept && (!len || !ephemeral(&d->cfg.blind.ephemeral_interfaces, n->ifaces[i])))
			json_object_array_add(gone, json_object_new_string(n->ifaces[i]));
	}
	if (json_object_array_length(gone)) {
		struct json_object *det = json_object_new_object();

		json_object_object_add(det, "interfaces_dropped", gone);
		json_object_object_add(det, "interfaces_left", json_object_new_int64((int64_t)len));
		blind_alert(d, n, "interfaces_dropped", det, "attached interfaces dropped");
	} else {
		json_object_put(gone);
	}
	for (int i = 0; i < n->n_ifaces; i++)
		free(n->ifaces[i]);
	free(n->ifaces);
	n->ifaces = now;
	n->n_ifaces = (int)len;
}

static void rising(struct dt_detector *d, struct dt_node *n, const struct dt_record *r,
		   bool compare)
{
	const struct dt_blind_cfg *c = &d->cfg.blind;
	struct json_object *rose = json_object_new_object();
	int64_t v = counter(r, "attach_errors");

	if (compare && c->attach_errors && v > n->attach_errors && n->attach_errors >= 0) {
		struct json_object *det = json_object_new_object();

		json_object_object_add(det, "attach_errors", json_object_new_int64(v));
		json_object_object_add(det, "delta", json_object_new_int64(v - n->attach_errors));
		blind_alert(d, n, "attach_errors", det, "TC attach errors rising");
	}
	n->attach_errors = v;
	for (int i = 0; i < c->loss_counters.n; i++) {
		v = counter(r, c->loss_counters.v[i]);
		if (compare && v > n->loss[i] && n->loss[i] >= 0)
			json_object_object_add(rose, c->loss_counters.v[i],
					       json_object_new_int64(v - n->loss[i]));
		n->loss[i] = v;
	}
	if (json_object_object_length(rose)) {
		struct json_object *det = json_object_new_object();

		json_object_object_add(det, "loss_counters", rose);
		blind_alert(d, n, "loss_counters", det, "loss counters rising");
	} else {
		json_object_put(rose);
	}
}

static void idle(struct dt_detector *d, struct dt_node *n, const struct dt_record *r, bool compare)
{
	int64_t v = counter(r, "packets");

	n->idle = compare && v >= 0 && v == n->packets && n->n_ifaces > 0 ? n->idle + 1 : 0;
	n->packets = v;
	if (d->cfg.blind.idle_intervals > 0 && n->idle >= d->cfg.blind.idle_intervals) {
		struct json_object *det = json_object_new_object();

		json_object_object_add(det, "idle_heartbeats", json_object_new_int(n->idle));
		blind_alert(d, n, "no_packets", det,
			    "no packet seen on its attached interfaces for several heartbeats");
	}
}

static struct dt_node *node_get(struct dt_detector *d, const struct dt_record *r)
{
	struct dt_node *n = NULL;

	HASH_FIND_STR(d->nodes, r->host, n);
	if (n)
		return n;
	if (d->n_nodes >= d->cfg.blind.max_nodes) {
		d->n.sensor_nodes_dropped++;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(r->host)) ||
	    !(n->loss = calloc((size_t)d->cfg.blind.loss_counters.n + 1, sizeof(int64_t))))
		abort();
	n->last = DT_TIME_NONE;
	HASH_ADD_KEYPTR(hh, d->nodes, n->name, strlen(n->name), n);
	d->n_nodes++;
	return n;
}

void dt_rule_sensor_record(struct dt_detector *d, const struct dt_record *r)
{
	struct dt_node *n = node_get(d, r);
	bool seen, compare;
	dt_time dl;

	if (!n || (n->last != DT_TIME_NONE && r->ts < n->last))
		return; /* untracked, or an older heartbeat than the last one */
	seen = n->last != DT_TIME_NONE;
	memcpy(n->prev_rid, n->rid, sizeof(n->rid));
	snprintf(n->rid, sizeof(n->rid), "%s", r->record_id);
	/* a late heartbeat ends a silence the watermark did not see pass */
	dl = silence_deadline(d, n);
	if (seen && dl != DT_TIME_NONE && r->ts > dl)
		silence_alert(d, n, r->ts);
	compare = seen && !(r->hb_uptime_s >= 0 && r->hb_uptime_s < n->uptime_s);
	if (d->cfg.blind.interfaces)
		interfaces(d, n, r, seen);
	rising(d, n, r, compare);
	idle(d, n, r, compare);
	free(n->cluster);
	n->cluster = dt_strdup0(r->cluster);
	n->last = r->ts;
	n->interval_s = r->hb_interval_s;
	n->uptime_s = r->hb_uptime_s;
	n->silent = false;
	dl = silence_deadline(d, n);
	if (dl != DT_TIME_NONE && (d->next_silence == DT_TIME_NONE || dl < d->next_silence))
		d->next_silence = dl;
}
