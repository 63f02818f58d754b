// SPDX-License-Identifier: BSD-2-Clause
/*
 * nettrail-detect - a reference detector over nettrail's records.
 *
 *   nettrail-detect --input file:PATH|file:-|kafka [-o stdout|file:PATH|kafka]
 *                   [--config FILE] [--memory-cap MB] [--heartbeat SEC]
 *                   [--metrics-addr HOST:PORT] [--kafka-* ...]
 *
 * Reads JSON lines (a file, stdin, or the sensor's Kafka topics through a
 * consumer group), writes ECS alerts (one JSON object a line, or one Kafka
 * message each on nettrail.alert) and, at the end, a
 * nettrail.detect.heartbeat record with every counter; with --heartbeat, one
 * every SEC seconds of wall clock too (live use); with --metrics-addr,
 * Prometheus /metrics (and /healthz, /readyz) from the same counters. A
 * summary line goes to stderr. SIGINT/SIGTERM end a Kafka input cleanly.
 * Exit status: 0, 1 on a read error, 2 on bad usage.
 */
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "kafka.h"
#include "metrics.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nettrail-detect --input file:PATH|file:-|kafka [-o stdout|file:PATH|kafka]\n"
		"                       [--config FILE] [--memory-cap MB] [--heartbeat SEC]\n"
		"                       [--metrics-addr HOST:PORT]\n"
		"  kafka: --kafka-brokers LIST [--kafka-group G] [--kafka-topic-prefix P]\n"
		"         [--kafka-topics T,...] [--kafka-topic-alert T] [--kafka-config FILE]\n"
		"         [--kafka-prop K=V]... [--kafka-idle-exit SEC]\n"
		"Thresholds, windows and allow-lists: docs/detections.md.\n");
}

struct args {
	const char *input, *output, *config, *memcap, *metrics;
	long heartbeat_s;
	struct dt_kafka_opts kafka;
};

enum {
	O_BROKERS = 256,
	O_GROUP,
	O_PREFIX,
	O_TOPICS,
	O_ALERT_TOPIC,
	O_KCONFIG,
	O_KPROP,
	O_IDLE_EXIT,
	O_HEARTBEAT,
	O_METRICS,
};

static const struct option opts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "config", required_argument, NULL, 'c' },
	{ "memory-cap", required_argument, NULL, 'm' },
	{ "heartbeat", required_argument, NULL, O_HEARTBEAT },
	{ "metrics-addr", required_argument, NULL, O_METRICS },
	{ "kafka-brokers", required_argument, NULL, O_BROKERS },
	{ "kafka-group", required_argument, NULL, O_GROUP },
	{ "kafka-topic-prefix", required_argument, NULL, O_PREFIX },
	{ "kafka-topics", required_argument, NULL, O_TOPICS },
	{ "kafka-topic-alert", required_argument, NULL, O_ALERT_TOPIC },
	{ "kafka-config", required_argument, NULL, O_KCONFIG },
	{ "kafka-prop", required_argument, NULL, O_KPROP },
	{ "kafka-idle-exit", required_argument, NULL, O_IDLE_EXIT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int seconds(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int kafka_arg(struct args *a, int ch, const char *v)
{
	struct dt_kafka_opts *k = &a->kafka;
	long n;

	switch (ch) {
	case O_BROKERS:
		k->brokers = v;
		return 0;
	case O_GROUP:
		k->group = v;
		return 0;
	case O_PREFIX:
		k->topic_prefix = v;
		return 0;
	case O_TOPICS:
		k->topics = v;
		return 0;
	case O_ALERT_TOPIC:
		k->alert_topic = v;
		return 0;
	case O_KCONFIG:
		k->config_file = v;
		return 0;
	case O_KPROP:
		if (k->n_props >= DT_KAFKA_MAX_PROPS)
			return -1;
		k->props[k->n_props++] = v;
		return 0;
	case O_IDLE_EXIT:
		if (seconds(v, &n))
			return -1;
		k->idle_exit_s = (int)n;
		return 0;
	default:
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	a->output = "stdout";
	a->heartbeat_s = -1;
	while ((ch = getopt_long(argc, argv, "i:o:c:m:h", opts, NULL)) != -1) {
		if (ch == 'i')
			a->input = optarg;
		else if (ch == 'o')
			a->output = optarg;
		else if (ch == 'c')
			a->config = optarg;
		else if (ch == 'm')
			a->memcap = optarg;
		else if (ch == O_METRICS)
			a->metrics = optarg;
		else if (ch == O_HEARTBEAT && !seconds(optarg, &a->heartbeat_s))
			continue;
		else if (ch == 'h') {
			usage(stdout);
			exit(0);
		} else if (ch < O_BROKERS || kafka_arg(a, ch, optarg))
			return -1;
	}
	if (!a->input || optind != argc)
		return -1;
	/* live input: a heartbeat every 30 s unless told; a file: only the final one */
	if (a->heartbeat_s < 0)
		a->heartbeat_s = strcmp(a->input, "kafka") ? 0 : 30;
	return 0;
}

static int load_config(const struct args *a, struct dt_config *cfg)
{
	char err[512];

	dt_config_defaults(cfg);
	if (a->config && dt_config_load(cfg, a->config, err, sizeof(err)))
		goto bad;
	if (a->memcap && dt_config_set(cfg, "memory_cap_mb", a->memcap, err, sizeof(err)))
		goto bad;
	if (dt_config_check(cfg, err, sizeof(err)))
		goto bad;
	return 0;
bad:
	fprintf(stderr, "nettrail-detect: %s\n", err);
	dt_config_free(cfg);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	dt_kafka_stop();
}

struct runner {
	struct dt_detector *d;
	struct nt_metrics *metrics;
	long heartbeat_s;
	time_t next_hb;
};

/* Wall-clock duties of a live run: the periodic heartbeat and /metrics. */
static void tick(struct runner *r)
{
	time_t now = time(NULL);

	if (r->heartbeat_s > 0 && now >= r->next_hb) {
		struct json_object *hb =
			dt_detector_heartbeat_at(r->d, (dt_time)now * DT_SEC, false);

		dt_output_write(r->d->out, hb);
		json_object_put(hb);
		dt_output_flush(r->d->out);
		r->next_hb = now + r->heartbeat_s;
	}
	dt_detector_wall_tick(r->d, dt_wall_now());
	if (r->metrics) {
		size_t len;
		char *text = dt_detector_prometheus(r->d, &len);

		nt_metrics_publish_text(r->metrics, text, len, 1);
	}
}

static int run(struct runner *r, struct dt_input *in)
{
	const char *line;
	size_t len;
	uint64_t n = 0;
	int rc;

	r->next_hb = time(NULL) + r->heartbeat_s;
	while ((rc = in->next(in, &line, &len)) > 0) {
		if (rc == 1)
			dt_detector_line(r->d, line, len);
		if (rc == DT_INPUT_IDLE || (++n & 1023) == 0)
			tick(r);
	}
	tick(r);
	return rc < 0 ? -1 : 0;
}

static struct dt_input *open_input(const struct args *a, char *err, size_t errlen)
{
	if (!strcmp(a->input, "kafka"))
		return dt_kafka_input_open(&a->kafka, err, errlen);
	return dt_input_open(a->input, err, errlen);
}

int main(int argc, char **argv)
{
	struct args a;
	struct dt_config cfg;
	struct dt_output out;
	struct dt_detector d;
	struct dt_input *in;
	struct runner r = { 0 };
	char err[512];
	int rc, bad_usage = 0;

	if (parse_args(argc, argv, &a)) {
		usage(stderr);
		return 2;
	}
	if (load_config(&a, &cfg))
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	in = open_input(&a, err, sizeof(err));
	if (!in || dt_output_open(&out, a.output, &a.kafka, err, sizeof(err)) ||
	    (a.metrics &&
	     !(r.metrics = nt_metrics_start(a.metrics, err, sizeof(err), &bad_usage)))) {
		fprintf(stderr, "nettrail-detect: %s\n", err);
		if (in)
			in->close(in);
		dt_config_free(&cfg);
		return 2;
	}
	/* freed state is reused, never needed back by the system: glibc giving the
	 * heap's top back and faulting it in again was a third of the CPU time
	 * under eviction (docs/BENCHMARKS.md) */
	mallopt(M_TRIM_THRESHOLD,
		cfg.memory_cap_bytes < INT_MAX ? (int)cfg.memory_cap_bytes : INT_MAX);
	dt_detector_init(&d, &cfg, &out);
	d.live = !strcmp(a.input, "kafka"); /* event time goes on with the wall clock */
	r.d = &d;
	r.heartbeat_s = a.heartbeat_s;
	rc = run(&r, in);
	if (rc)
		fprintf(stderr, "nettrail-detect: read error on %s\n", a.input);
	dt_detector_finish(&d);
	if (d.last_error[0])
		fprintf(stderr, "nettrail-detect: last malformed line: %s\n", d.last_error);
	in->close(in);
	dt_output_close(&out);
	dt_detector_summary(&d, stderr);
	nt_metrics_stop(r.metrics);
	dt_detector_free(&d);
	return rc ? 1 : 0;
}
