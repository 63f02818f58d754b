/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect.h - the detector: one record in, the rules run, alerts out.
 *
 * struct dt_detector holds the configuration, the state store, the output
 * and the counters. dt_detector_line() parses one JSON line, counts it
 * (malformed lines are counted by reason and skipped, never fatal),
 * advances the event-time watermark and hands the record to every rule;
 * dt_detector_finish() lets the windowed rules score what they still hold
 * (end of input), then writes the nettrail.detect.heartbeat record.
 */
#ifndef DT_DETECT_H
#define DT_DETECT_H

#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "input.h"
#include "rules.h"
#include "state.h"

struct dt_counters {
	uint64_t lines;
	uint64_t flows, dns, heartbeats;
	uint64_t malformed[DT_PARSE_COUNT]; /* by dt_parse_result (0: unused) */
	uint64_t alerts, alerts_by_rule[DT_RULE_COUNT];
	uint64_t suppressed;
	uint64_t scan_attempts;
	uint64_t beacon_connections, beacon_scored, beacon_skipped_multi_report;
	uint64_t beacon_dropped_connections;
	uint64_t dns_no_registered_domain;
	uint64_t newdest_learnt, newdest_prevalent, newdest_full;
	uint64_t sensor_nodes_dropped;
};

struct dt_node; /* rule_sensor.c: one sensor's last heartbeat */

struct dt_detector {
	struct dt_config cfg;
	struct dt_store store;
	struct dt_output *out;
	struct dt_counters n;
	dt_time watermark;     /* the largest @timestamp seen */
	dt_time first_time;    /* the earliest time seen (@timestamp or flow start) */
	struct dt_node *nodes; /* sensor_blind's per-node state (few: one per node) */
	int n_nodes;
	dt_time next_silence; /* the earliest a node can be silent; DT_TIME_NONE: none */
	/* live input (Kafka): the wall clock when the watermark last moved, so
	 * that silence shows with no record at all (dt_detector_wall_tick) */
	bool live;
	dt_time wall_at_watermark;
	char last_host[256];
	char last_error[128]; /* the last malformed line's reason */
};

/* Takes ownership of *cfg's lists (the caller must not free them). */
void dt_detector_init(struct dt_detector *d, const struct dt_config *cfg, struct dt_output *out);
void dt_detector_free(struct dt_detector *d);
void dt_detector_line(struct dt_detector *d, const char *line, size_t len);
/* Reads every line of in. Returns -1 on a read error. */
int dt_detector_run(struct dt_detector *d, struct dt_input *in);
void dt_detector_finish(struct dt_detector *d);
/* Live input only (d->live): event time goes on with the wall clock when no
 * record moves the watermark, for sensor_blind's heartbeat_missing (the
 * watermark itself stays the records'). wall: microseconds since the epoch. */
void dt_detector_wall_tick(struct dt_detector *d, dt_time wall);
dt_time dt_wall_now(void);
/* Malformed lines over every reason. */
uint64_t dt_malformed_total(const struct dt_counters *n);

/* The counters as the nettrail.detect.heartbeat record (caller puts it):
 * at the watermark, final (end of input); or at a given time (periodic). */
struct json_object *dt_detector_heartbeat(const struct dt_detector *d);
struct json_object *dt_detector_heartbeat_at(const struct dt_detector *d, dt_time at, bool final);
/* Every counter and gauge as Prometheus text (malloc'd; *len its length). */
char *dt_detector_prometheus(const struct dt_detector *d, size_t *len);
/* The one-line summary for stderr. */
void dt_detector_summary(const struct dt_detector *d, FILE *f);

/* For rules: true when (rule, key) is suppressed now (counted); otherwise
 * marks it for duration and returns false. */
bool dt_suppress_once(struct dt_detector *d, const char *rule, const char *key, dt_time duration);
/* For rules: fill the common parts of an alert and write it. */
void dt_emit(struct dt_detector *d, enum dt_rule_id rule, struct dt_alert *a);

#endif
