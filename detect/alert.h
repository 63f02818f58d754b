/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alert.h - the ECS alert document, and where alerts are written.
 *
 * A rule fills a struct dt_alert (borrowed strings, identities as JSON
 * text, valid for the call) and dt_alert_emit() writes it as one JSON line:
 * @timestamp (the detector's event-time watermark), event.kind "alert",
 * event.category, event.start/end of the evidence, rule.*, threat.*
 * (MITRE ATT&CK technique and sub-technique), source.* and destination.*
 * with the evidence's kubernetes identity, related.ip/hosts,
 * observer.hostname and orchestrator.cluster of the evidence, and
 * nettrail.alert.evidence (the evidence's nettrail.record_id, at most 20).
 *
 * Outputs: "stdout", "file:PATH" (appended) or "kafka" (topic nettrail.alert,
 * kafka.h), all through dt_output_write().
 */
#ifndef DT_ALERT_H
#define DT_ALERT_H

#include <stdint.h>
#include <stdio.h>

#include "input.h"
#include "rules.h"
#include "state.h"

struct json_object;

struct dt_alert_end {
	const char *ip;
	int port; /* -1: absent */
	const char *domain;
	const char *k8s; /* the kubernetes object's JSON text, borrowed, may be NULL */
};

struct dt_alert {
	const struct dt_rule_def *def;
	const char *subtechnique_id, *subtechnique_name; /* override the rule's */
	dt_time at;					 /* @timestamp */
	dt_time start, end;				 /* of the evidence */
	const char *host;
	const char *cluster; /* orchestrator.cluster's JSON text, borrowed, may be NULL */
	struct dt_alert_end src, dst;
	const char *transport, *protocol;
	const char *related_ip[DT_EVIDENCE_MAX + 2];
	int n_related;
	const char *related_host;
	const char *evidence[DT_EVIDENCE_MAX];
	int n_evidence;
	uint64_t evidence_total; /* every record that counted, kept or not */
	char message[256];
	struct json_object *details; /* owned; becomes nettrail.alert.<rule.name> */
	const char *key;	     /* the suppression key */
};

struct dt_kafka_out;
struct dt_kafka_opts;

struct dt_output {
	FILE *f;		    /* stdout or a file; NULL with Kafka */
	struct dt_kafka_out *kafka; /* -o kafka (kafka.h) */
	int owned;
	uint64_t written, errors, acked;
};

/* "stdout", "file:PATH", or "kafka" (then ko holds the --kafka-* options). */
int dt_output_open(struct dt_output *o, const char *spec, const struct dt_kafka_opts *ko, char *err,
		   size_t errlen);
void dt_output_flush(struct dt_output *o);
void dt_output_close(struct dt_output *o);
/* One JSON object as one line; counts a failed write. */
int dt_output_write(struct dt_output *o, struct json_object *doc);

/* The alert of one record: both ends as the record has them, its id the evidence. */
void dt_alert_of_record(struct dt_alert *a, const struct dt_record *r, const char *key);
/* The evidence ring's record ids (oldest first) and its total. */
void dt_alert_add_evidence(struct dt_alert *a, const struct dt_evidence *ev);
/* Adds an IP to related.ip once. */
void dt_alert_relate(struct dt_alert *a, const char *ip);
/* The document (caller puts it); consumes a->details. */
struct json_object *dt_alert_build(struct dt_alert *a);
int dt_alert_emit(struct dt_output *o, struct dt_alert *a);

#endif
