// SPDX-License-Identifier: BSD-2-Clause
/* kafka.c - the Kafka sink: librdkafka producer, topics, keys, headers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "kafka.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static const char *const type_names[NT_REC_MAX] = {
	[NT_REC_FLOW] = "flow",
	[NT_REC_DNS] = "dns",
	[NT_REC_HEARTBEAT] = "heartbeat",
};

struct nt_kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topics[NT_REC_MAX];
	struct nt_kafka_stats st;
	char node[256];
	uint64_t last_err_logged;
};

/* Telemetry defaults, before the user's --kafka-config and --kafka-prop:
 * idempotent (no duplicates or reordering on retries), acks from every
 * in-sync replica, batched and compressed, bounded local memory. */
static const char *const defaults[][2] = {
	{ "enable.idempotence", "true" },
	{ "acks", "all" },
	{ "compression.type", "lz4" },
	{ "linger.ms", "50" },
	{ "batch.num.messages", "10000" },
	{ "queue.buffering.max.kbytes", "262144" },
	{ "message.timeout.ms", "300000" },
	{ "client.id", "nettrail" },
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
			void *opaque)
{
	struct nt_kafka *k = opaque;

	(void)rk;
	if (!m->err) {
		k->st.acked++;
		return;
	}
	k->st.failed++;
	if (k->st.failed - k->last_err_logged >= 1000 || k->st.failed == 1) {
		fprintf(stderr, "nettrail: kafka: delivery failed (%llu so "
			"far): %s\n", (unsigned long long)k->st.failed,
			rd_kafka_err2str(m->err));
		k->last_err_logged = k->st.failed;
	}
}

static int conf_set(rd_kafka_conf_t *c, const char *key, const char *val,
		    char *err, size_t errlen)
{
	char e[256];

	if (rd_kafka_conf_set(c, key, val, e, sizeof(e)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka property %s=%s: %s", key, val, e);
	return -1;
}

/* "key=value", leading/trailing blanks ignored. */
static int conf_line(rd_kafka_conf_t *c, const char *line, char *err,
		     size_t errlen)
{
	char buf[1024], *eq, *k, *v, *end;

	snprintf(buf, sizeof(buf), "%s", line);
	eq = strchr(buf, '=');
	if (!eq) {
		snprintf(err, errlen, "kafka property '%s': not key=value",
			 line);
		return -1;
	}
	*eq = 0;
	for (k = buf; isspace((unsigned char)*k); k++)
		;
	for (end = eq - 1; end >= k && isspace((unsigned char)*end); end--)
		*end = 0;
	for (v = eq + 1; isspace((unsigned char)*v); v++)
		;
	for (end = v + strlen(v) - 1; end >= v &&
	     isspace((unsigned char)*end); end--)
		*end = 0;
	return conf_set(c, k, v, err, errlen);
}

static int conf_file(rd_kafka_conf_t *c, const char *path, char *err,
		     size_t errlen)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int r = 0;

	if (!f) {
		snprintf(err, errlen, "cannot read --kafka-config %s", path);
		return -1;
	}
	while (!r && fgets(line, sizeof(line), f)) {
		char *p = line;

		line[strcspn(line, "\r\n")] = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (*p && *p != '#')
			r = conf_line(c, p, err, errlen);
	}
	fclose(f);
	return r;
}

/* host:port[,host:port...], port numeric. */
static int brokers_ok(const char *list)
{
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memrchr(p, ':', n);
		size_t digits;

		if (!colon || colon == p)
			return 0;
		digits = n - (size_t)(colon - p) - 1;
		if (!digits || digits > 5)
			return 0;
		for (size_t i = 1; i <= digits; i++)
			if (!isdigit((unsigned char)colon[i]))
				return 0;
		if (!end)
			break;
		p = end + 1;
	}
	return 1;
}

struct nt_kafka *nt_kafka_new(const struct nt_config *cfg, const char *node,
			      char *err, size_t errlen, int *usage)
{
	struct nt_kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char e[512];

	*usage = 1;
	if (!k || !c)
		goto fail;
	if (!cfg->kafka_brokers || !brokers_ok(cfg->kafka_brokers)) {
		snprintf(err, errlen, "--kafka-brokers: '%s' is not a list of "
			 "host:port", cfg->kafka_brokers ? cfg->kafka_brokers
							: "");
		goto fail;
	}
	snprintf(k->node, sizeof(k->node), "%s", node);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (conf_set(c, defaults[i][0], defaults[i][1], err, errlen))
			goto fail;
	if (conf_set(c, "bootstrap.servers", cfg->kafka_brokers, err, errlen))
		goto fail;
	if (cfg->kafka_config && conf_file(c, cfg->kafka_config, err, errlen))
		goto fail;
	for (size_t i = 0; i < cfg->n_kafka_props; i++)
		if (conf_line(c, cfg->kafka_props[i], err, errlen))
			goto fail;
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	*usage = 0;
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof(e));
	if (!k->rk) {
		snprintf(err, errlen, "kafka: %s", e);
		goto fail;
	}
	c = NULL; /* owned by the producer now */
	for (int t = 0; t < NT_REC_MAX; t++) {
		char name[512];

		snprintf(name, sizeof(name), "%s%s", cfg->kafka_topic_prefix,
			 type_names[t]);
		k->topics[t] = rd_kafka_topic_new(k->rk, name, NULL);
		if (!k->topics[t]) {
			snprintf(err, errlen, "kafka topic %s: %s", name,
				 rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
	}
	return k;
fail:
	if (c)
		rd_kafka_conf_destroy(c);
	nt_kafka_free(k);
	return NULL;
}

int nt_kafka_produce(struct nt_kafka *k, enum nt_record_type t,
		     const char *key, size_t klen, const char *val,
		     size_t vlen)
{
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_producev(
			k->rk, RD_KAFKA_V_RKT(k->topics[t]),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(key, klen),
			RD_KAFKA_V_VALUE((void *)val, vlen),
			RD_KAFKA_V_HEADER("nettrail.record_type",
					  type_names[t], -1),
			RD_KAFKA_V_HEADER("nettrail.schema_version",
					  NT_SCHEMA_VERSION, -1),
			RD_KAFKA_V_HEADER("nettrail.node", k->node, -1),
			RD_KAFKA_V_END);

		if (!e) {
			k->st.produced++;
			return 0;
		}
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			k->st.failed++;
			return -1;
		}
		/* backpressure: serve delivery reports until there is room */
		k->st.queue_full++;
		rd_kafka_poll(k->rk, 100);
	}
}

void nt_kafka_poll(struct nt_kafka *k)
{
	rd_kafka_poll(k->rk, 0);
}

int nt_kafka_flush(struct nt_kafka *k, int timeout_ms)
{
	rd_kafka_flush(k->rk, timeout_ms);
	return rd_kafka_outq_len(k->rk);
}

const struct nt_kafka_stats *nt_kafka_stats(const struct nt_kafka *k)
{
	return &k->st;
}

void nt_kafka_free(struct nt_kafka *k)
{
	if (!k)
		return;
	for (int t = 0; t < NT_REC_MAX; t++)
		if (k->topics[t])
			rd_kafka_topic_destroy(k->topics[t]);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	free(k);
}
