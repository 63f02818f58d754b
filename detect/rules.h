/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - the detection rules of this slice.
 *
 * Each rule sees every valid record (dt_rule_*_record) and may raise alerts
 * through dt_emit(); the windowed ones also run at end of input
 * (dt_rule_*_flush). All of them fire once per (rule, key) per suppression
 * window, with the evidence's record ids. docs/detections.md describes each
 * rule, the fields it reads, its thresholds and their anchors.
 */
#ifndef DT_RULES_H
#define DT_RULES_H

#include <stdbool.h>

#include "config.h"
#include "input.h"

enum dt_rule_id {
	DT_R_PORT_SCAN = 0,
	DT_R_ADDRESS_SCAN,
	DT_R_REMOTE_ACCESS,
	DT_R_CRYPTO_MINING,
	DT_R_LONG_CONNECTION,
	DT_R_BEACONING,
	DT_R_DNS_TUNNEL,
	DT_R_NEW_DESTINATION,
	DT_R_EGRESS_SPIKE,
	DT_R_SENSOR_BLIND,
	DT_RULE_COUNT
};

struct dt_detector;

/* A rule's identity in its alerts: rule.*, event.category, threat.* */
struct dt_rule_def {
	const char *name, *id, *description, *category;
	const char *technique_id, *technique_name;
	const char *subtechnique_id, *subtechnique_name; /* NULL: none */
	const char *tactic_id, *tactic_name;
};

extern const struct dt_rule_def dt_rule_defs[DT_RULE_COUNT];

void dt_rules_record(struct dt_detector *d, const struct dt_record *r);
void dt_rules_flush(struct dt_detector *d);

/* The rules: rule_scan.c, rule_single.c (remote access, mining, long), rule_beacon.c. */
void dt_rule_scan_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_watch_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_long_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_beacon_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_beacon_flush(struct dt_detector *d);
void dt_rule_beacon_free(void *data);
void dt_rule_scan_free(void *data);
/* rule_dns.c, rule_workload.c (new_destination, egress_spike), rule_sensor.c */
void dt_rule_dns_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_dns_free(void *data);
void dt_rule_newdest_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_newdest_free(void *data);
void dt_rule_egress_record(struct dt_detector *d, const struct dt_record *r);
void dt_rule_egress_free(void *data);
void dt_rule_sensor_record(struct dt_detector *d, const struct dt_record *r);
/* Silence check at the watermark (every record; cheap until a deadline passes). */
void dt_rule_sensor_tick(struct dt_detector *d);
/* The same at an estimated event time now past the watermark (live input). */
void dt_rule_sensor_tick_at(struct dt_detector *d, dt_time now);
void dt_rule_sensor_free(struct dt_detector *d);

/* Shared predicates, exposed for the tests. */
bool dt_failed_attempt(const struct dt_record *r);
/* The end is a pod (or a Service), or any identity with include_nodes. */
bool dt_is_pod_end(const struct dt_k8s *k8s, bool include_nodes);
/* Either end's namespace is in the list. */
bool dt_namespace_allowed(const struct dt_record *r, const struct dt_strs *namespaces);
/* "namespace/workload" of a kubernetes identity (the pod's name for a bare
 * pod; with include_nodes, "node/<name>" for a node). -1 when it has none. */
int dt_workload_key(const struct dt_k8s *k8s, bool include_nodes, char *buf, size_t n);
/* Shannon entropy of s in bits per character. */
double dt_entropy(const char *s, size_t n);

#endif
