// SPDX-License-Identifier: BSD-2-Clause
/* kafka.c - see kafka.h. */
#include "kafka.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stopping;

void dt_kafka_stop(void)
{
	stopping = 1;
}

static int set(rd_kafka_conf_t *c, const char *k, const char *v, char *err, size_t errlen)
{
	char e[256];

	if (rd_kafka_conf_set(c, k, v, e, sizeof(e)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka property %s=%s: %s", k, v, e);
	return -1;
}

/* "key=value" into the conf. */
static int set_kv(rd_kafka_conf_t *c, const char *kv, char *err, size_t errlen)
{
	char buf[1024];
	char *eq;

	snprintf(buf, sizeof(buf), "%s", kv);
	eq = strchr(buf, '=');
	if (!eq || eq == buf) {
		snprintf(err, errlen, "--kafka-prop: '%s' is not key=value", kv);
		return -1;
	}
	*eq = 0;
	return set(c, buf, eq + 1, err, errlen);
}

static int load_file(rd_kafka_conf_t *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] && line[0] != '#')
			rc = set_kv(c, line, err, errlen);
	}
	fclose(f);
	return rc;
}

/* brokers, the config file, then every --kafka-prop (the later wins). */
static rd_kafka_conf_t *base_conf(const struct dt_kafka_opts *o, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	if (!o->brokers) {
		snprintf(err, errlen, "kafka needs --kafka-brokers");
		goto bad;
	}
	if (set(c, "bootstrap.servers", o->brokers, err, errlen) ||
	    set(c, "client.id", "nettrail-detect", err, errlen) ||
	    (o->config_file && load_file(c, o->config_file, err, errlen)))
		goto bad;
	for (int i = 0; i < o->n_props; i++)
		if (set_kv(c, o->props[i], err, errlen))
			goto bad;
	return c;
bad:
	rd_kafka_conf_destroy(c);
	return NULL;
}

/* ---- input -------------------------------------------------------------- */

struct kafka_input {
	struct dt_input base;
	rd_kafka_t *rk;
	rd_kafka_message_t *msg; /* the line handed out last */
	int poll_ms, idle_exit_s;
	time_t idle_since;
	char *buf;
	size_t cap;
};

static int kafka_next(struct dt_input *in, const char **line, size_t *len)
{
	struct kafka_input *ki = (struct kafka_input *)in;
	rd_kafka_message_t *m;

	if (ki->msg) {
		rd_kafka_message_destroy(ki->msg);
		ki->msg = NULL;
	}
	for (;;) {
		if (stopping)
			return 0;
		m = rd_kafka_consumer_poll(ki->rk, ki->poll_ms);
		if (!m) {
			if (ki->idle_exit_s > 0 && time(NULL) - ki->idle_since >= ki->idle_exit_s)
				return 0;
			return DT_INPUT_IDLE;
		}
		if (m->err) {
			/* partition EOF and transient errors: librdkafka retries */
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "nettrail-detect: kafka: %s\n",
					rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		ki->idle_since = time(NULL);
		ki->msg = m;
		*line = m->payload ? (const char *)m->payload : "";
		*len = m->len;
		return 1;
	}
}

static void kafka_close(struct dt_input *in)
{
	struct kafka_input *ki = (struct kafka_input *)in;

	if (ki->msg)
		rd_kafka_message_destroy(ki->msg);
	rd_kafka_consumer_close(ki->rk);
	rd_kafka_destroy(ki->rk);
	free(ki);
}

static rd_kafka_topic_partition_list_t *topic_list(const struct dt_kafka_opts *o)
{
	static const char *const kinds[] = { "flow", "dns", "heartbeat" };
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(3);
	char name[256];

	if (o->topics) {
		char *copy = strdup(o->topics), *save = NULL;

		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (*t)
				rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
		free(copy);
		return l;
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s%s",
			 o->topic_prefix ? o->topic_prefix : "nettrail.", kinds[i]);
		rd_kafka_topic_partition_list_add(l, name, RD_KAFKA_PARTITION_UA);
	}
	return l;
}

struct dt_input *dt_kafka_input_open(const struct dt_kafka_opts *o, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = base_conf(o, err, errlen);
	struct kafka_input *ki;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t e;
	char why[512];

	if (!c)
		return NULL;
	if (set(c, "group.id", o->group ? o->group : "nettrail-detect", err, errlen) ||
	    set(c, "auto.offset.reset", "earliest", err, errlen) ||
	    set(c, "enable.auto.commit", "true", err, errlen)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	ki = calloc(1, sizeof(*ki));
	if (!ki)
		abort();
	ki->rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, why, sizeof(why));
	if (!ki->rk) {
		snprintf(err, errlen, "kafka consumer: %s", why);
		rd_kafka_conf_destroy(c);
		free(ki);
		return NULL;
	}
	rd_kafka_poll_set_consumer(ki->rk);
	topics = topic_list(o);
	e = rd_kafka_subscribe(ki->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e) {
		snprintf(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(e));
		rd_kafka_destroy(ki->rk);
		free(ki);
		return NULL;
	}
	ki->poll_ms = o->poll_ms > 0 ? o->poll_ms : 200;
	ki->idle_exit_s = o->idle_exit_s;
	ki->idle_since = time(NULL);
	ki->base.next = kafka_next;
	ki->base.close = kafka_close;
	ki->base.name = "kafka";
	return &ki->base;
}

/* ---- output ------------------------------------------------------------- */

struct dt_kafka_out {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic;
	uint64_t acked, failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct dt_kafka_out *k = opaque;

	(void)rk;
	if (m->err) {
		k->failed++;
		fprintf(stderr, "nettrail-detect: kafka: alert not delivered: %s\n",
			rd_kafka_err2str(m->err));
	} else {
		k->acked++;
	}
}

struct dt_kafka_out *dt_kafka_out_open(const struct dt_kafka_opts *o, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = base_conf(o, err, errlen);
	struct dt_kafka_out *k;
	char why[512];

	if (!c)
		return NULL;
	if (set(c, "enable.idempotence", "true", err, errlen) ||
	    set(c, "acks", "all", err, errlen)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		abort();
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof(why));
	if (!k->rk) {
		snprintf(err, errlen, "kafka producer: %s", why);
		rd_kafka_conf_destroy(c);
		free(k);
		return NULL;
	}
	k->topic =
		rd_kafka_topic_new(k->rk, o->alert_topic ? o->alert_topic : "nettrail.alert", NULL);
	return k;
}

int dt_kafka_out_write(struct dt_kafka_out *k, const char *key, const char *val, size_t len)
{
	for (;;) {
		if (!rd_kafka_produce(k->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
				      (void *)val, len, key, key ? strlen(key) : 0, NULL))
			return 0;
		if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			k->failed++;
			return -1;
		}
		rd_kafka_poll(k->rk, 100); /* backpressure: wait for room */
	}
}

void dt_kafka_out_poll(struct dt_kafka_out *k)
{
	rd_kafka_poll(k->rk, 0);
}

uint64_t dt_kafka_out_close(struct dt_kafka_out *k, uint64_t *acked)
{
	uint64_t lost;

	rd_kafka_flush(k->rk, 10000);
	lost = k->failed + (uint64_t)rd_kafka_outq_len(k->rk);
	*acked = k->acked;
	rd_kafka_topic_destroy(k->topic);
	rd_kafka_destroy(k->rk);
	free(k);
	return lost;
}
