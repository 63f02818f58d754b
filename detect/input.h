/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * input.h - where records come from, and what one record says.
 *
 * An input source is an interface (struct dt_input): next() hands out one
 * JSON line at a time, close() releases it. dt_input_open() picks the
 * implementation from the spec's scheme: "file:PATH" (JSON lines; "file:-" is
 * standard input); the Kafka consumer (kafka.h) is opened by main.c from
 * its --kafka-* options, with the same two functions.
 *
 * dt_record_parse() turns one line into a struct dt_record: a flat view of
 * the fields the rules read, found in one pass by the field scanner
 * (jscan.h; no JSON tree, no allocation per record), its strings in a
 * per-thread arena valid until the next parse on the thread. Only a
 * heartbeat's nettrail.heartbeat object (one record per node every 30 s)
 * becomes a json-c tree. It never fails hard: it says why a line is
 * malformed (one reason per cause: not JSON, bad syntax, truncated, nested
 * too deep, a bad string, bytes after the object, an unknown event.dataset,
 * a missing or mistyped required field) and the caller counts it and goes on.
 */
#ifndef DT_INPUT_H
#define DT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define DT_INPUT_IDLE 2

struct dt_input {
	/* One line without its newline, valid until the next call; 1 on a line,
	 * 0 at the end, -1 on a read error, DT_INPUT_IDLE when a live source
	 * had nothing for a while (the caller ticks and asks again). */
	int (*next)(struct dt_input *in, const char **line, size_t *len);
	void (*close)(struct dt_input *in);
	const char *name;
};

/* NULL with a message in err on an unknown scheme or an unopenable file. */
struct dt_input *dt_input_open(const char *spec, char *err, size_t errlen);
struct dt_input *dt_input_file_open(const char *path, char *err, size_t errlen);
/* An in-memory source over a NUL-terminated text (tests). */
struct dt_input *dt_input_mem_open(const char *text);

enum dt_dataset { DT_DS_NONE = 0, DT_DS_FLOW, DT_DS_DNS, DT_DS_HEARTBEAT };

enum dt_parse_result {
	DT_PARSE_OK = 0,
	DT_PARSE_NOT_JSON,	  /* does not start as a JSON object */
	DT_PARSE_SYNTAX,	  /* JSON syntax error */
	DT_PARSE_TRUNCATED,	  /* ends inside the object */
	DT_PARSE_TOO_DEEP,	  /* nested deeper than DT_JSON_MAX_DEPTH */
	DT_PARSE_BAD_STRING,	  /* a bad escape or raw control character */
	DT_PARSE_TRAILING,	  /* bytes after the object */
	DT_PARSE_UNKNOWN_DATASET, /* event.dataset absent or not one of ours */
	DT_PARSE_MISSING_FIELD,	  /* a field a rule needs is absent or mistyped */
	DT_PARSE_COUNT
};

/* Microseconds since the epoch, UTC. */
typedef int64_t dt_time;
#define DT_SEC	     1000000LL
#define DT_TIME_NONE INT64_MIN

/* An end's kubernetes identity (source.kubernetes / destination.kubernetes). */
struct dt_k8s {
	const char *json; /* the object's JSON text, NULL when there is none */
	const char *ns, *pod_name, *svc_name, *node_name, *wl_name; /* strings or NULL */
	bool has_pod, has_ns; /* the keys "pod" / "namespace" are there (any type) */
};

struct dt_end {
	const char *ip;
	int port; /* -1 when absent */
	int64_t bytes, packets;
	const char *domain;
	struct dt_k8s k8s;
	bool psh; /* nettrail.tcp.flags.<end> has PSH */
};

struct dt_record {
	struct json_object *hb; /* nettrail.heartbeat (heartbeats only), owned */
	enum dt_dataset ds;
	dt_time ts;	    /* @timestamp */
	dt_time start, end; /* event.start / event.end (flows) */
	dt_time flow_start; /* nettrail.flow.start (flows) */
	const char *record_id;
	const char *host;    /* observer.hostname */
	const char *cluster; /* orchestrator.cluster's JSON text, may be NULL */
	struct dt_end src, dst;
	const char *transport, *protocol, *direction;
	const char *conn_state; /* NULL unless TCP */
	const char *end_reason, *flow_id;
	int64_t report_seq;
	const char *sni;   /* tls.client.server_name */
	const char *error; /* the missing field when DT_PARSE_MISSING_FIELD */
	/* DNS records (src is the client) */
	const char *qname, *qtype;	    /* dns.question.name / .type */
	const char *registered, *subdomain; /* dns.question.registered_domain / .subdomain */
	const char *dst_registered;	    /* destination.registered_domain (flows) */
	/* heartbeat records */
	int64_t hb_interval_s, hb_uptime_s;		 /* -1 when absent */
	struct json_object *hb_interfaces, *hb_counters; /* in hb, may be NULL */
};

enum dt_parse_result dt_record_parse(const char *line, size_t len, struct dt_record *r);
void dt_record_free(struct dt_record *r);

/* RFC 3339 ("2026-11-23T09:40:01.042317Z", offsets allowed) to microseconds. */
int dt_time_parse(const char *s, dt_time *out);
/* Always 27 bytes + NUL: YYYY-MM-DDTHH:MM:SS.uuuuuuZ */
void dt_time_format(dt_time t, char out[28]);
/* A dotted path ("source.kubernetes.namespace") in a json-c tree, or NULL. */
struct json_object *dt_jpath(struct json_object *o, const char *path);
const char *dt_jstr(struct json_object *o, const char *path);

#endif
