/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * harness.h - crafted nettrail flow records and a detector whose alerts the
 * tests read back (the output is an in-memory stream).
 */
#ifndef DT_TEST_HARNESS_H
#define DT_TEST_HARNESS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "detect.h"

/* 2026-11-23T09:40:00Z: the tests' time origin */
#define T0 ((dt_time)1795426800 * DT_SEC)

struct flow_spec {
	const char *src, *dst;
	int sport, dport;	/* 0: 40000 / 80 */
	const char *transport;	/* NULL: tcp */
	const char *conn_state; /* NULL: SF for tcp */
	const char *protocol;	/* network.protocol, NULL: absent */
	const char *direction;	/* NULL: internal */
	dt_time start;		/* flow start */
	dt_time end;		/* event.end; 0: start + 1 s */
	const char *end_reason; /* NULL: tcp_close */
	int report_seq;		/* 0: 1 */
	long src_bytes;		/* 0: 120 */
	long dst_packets;	/* -1: 0 packets; 0: 1 packet */
	const char *sni, *dst_domain;
	const char *dst_registered;    /* destination.registered_domain */
	const char *src_k8s, *dst_k8s; /* raw JSON objects */
	const char *rid;	       /* NULL: generated "rid-N" */
	const char *host;	       /* NULL: node-a */
	const char *flow_id;	       /* NULL: generated */
	bool psh;		       /* PSH both ways */
};

struct harness {
	struct dt_detector d;
	struct dt_output out;
	char *buf;
	size_t len;
	int seq;
};

/* A DNS transaction record (the client is the source). */
struct dns_spec {
	const char *client; /* NULL: 10.1.0.5 */
	const char *qname;
	const char *qtype;	/* NULL: A */
	const char *registered; /* NULL: absent; the subdomain is qname before it */
	dt_time t;
	const char *src_k8s; /* raw JSON */
	const char *rid;
};

/* A sensor heartbeat record. */
struct hb_spec {
	const char *host; /* NULL: node-a */
	dt_time t;
	int interval_s;		/* 0: 30 */
	long uptime_s;		/* 0: from t - T0 */
	const char *interfaces; /* raw JSON array; NULL: ["eth0"] */
	const char *counters;	/* raw JSON object; NULL: {} */
	const char *rid;
};

void h_init(struct harness *h, struct dt_config *cfg); /* cfg NULL: defaults */
void h_set(struct harness *h, const char *key, const char *value);
char *h_flow_line(struct harness *h, const struct flow_spec *s); /* caller frees */
void h_flow(struct harness *h, const struct flow_spec *s);
void h_line(struct harness *h, const char *line);
void h_dns(struct harness *h, const struct dns_spec *s);
void h_heartbeat(struct harness *h, const struct hb_spec *s);
void h_finish(struct harness *h);
/* The alerts written so far with rule.name == rule (NULL: every alert). */
int h_alerts(struct harness *h, const char *rule, struct json_object **v, int max);
/* The final heartbeat's counter (after h_finish). */
long long h_counter(struct harness *h, const char *name);
void h_free(struct harness *h);
/* Frees an array of alerts from h_alerts. */
void h_put(struct json_object **v, int n);
/* A string at a dotted path of an alert, or NULL. */
const char *h_str(struct json_object *a, const char *path);

#endif
