/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kafka.h - nettrail-detect on Kafka (librdkafka): the sensor's topics in
 * through a consumer group, alerts out to a topic.
 *
 * Input: a high-level consumer in group `group` subscribed to the sensor's
 * topics (prefix + flow, dns, heartbeat, as the sensor names them), offsets
 * committed automatically after the records are handed out (at least once:
 * a restart may hand a record again; nettrail.record_id names it). A poll
 * that waits `poll_ms` without a message returns DT_INPUT_IDLE so the
 * caller can tick (heartbeat, metrics); after `idle_exit_s` of idleness (if
 * set) the input ends, and it ends when dt_kafka_stop() is called (signals).
 *
 * Output: an idempotent producer (acks=all) to `alert_topic`, keyed by the
 * alert's rule and suppression key (one key's alerts stay in order); every
 * alert is acknowledged or counted as an output error; close flushes.
 */
#ifndef DT_KAFKA_H
#define DT_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

#define DT_KAFKA_MAX_PROPS 32

struct dt_kafka_opts {
	const char *brokers;
	const char *group;	  /* consumer group; default nettrail-detect */
	const char *topic_prefix; /* default "nettrail." */
	const char *topics;	  /* comma-separated; overrides prefix + flow,dns,heartbeat */
	const char *alert_topic;  /* default "nettrail.alert" */
	const char *config_file;  /* librdkafka key=value lines */
	const char *props[DT_KAFKA_MAX_PROPS];
	int n_props;
	int poll_ms;	 /* default 200 */
	int idle_exit_s; /* 0: never */
};

struct dt_input *dt_kafka_input_open(const struct dt_kafka_opts *o, char *err, size_t errlen);
/* Ends every Kafka input at its next poll (async-signal-safe). */
void dt_kafka_stop(void);

struct dt_kafka_out;
struct dt_kafka_out *dt_kafka_out_open(const struct dt_kafka_opts *o, char *err, size_t errlen);
/* Produces one document (copied); key may be NULL. 0, or -1 counted as an error. */
int dt_kafka_out_write(struct dt_kafka_out *k, const char *key, const char *val, size_t len);
void dt_kafka_out_poll(struct dt_kafka_out *k);
/* Flushes (at most 10 s); returns the documents not acknowledged. */
uint64_t dt_kafka_out_close(struct dt_kafka_out *k, uint64_t *acked);

#endif
