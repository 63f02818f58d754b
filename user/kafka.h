/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kafka.h - records to Kafka with librdkafka: one topic per record type,
 * a key that keeps every report of a flow (both directions) on one
 * partition, headers naming the record, an idempotent producer with
 * acks=all. Every record is acknowledged by the broker or counted as
 * failed; a full local queue applies backpressure (waits), it never drops.
 *
 * (The on-disk spool for broker outages and the metrics endpoint are the
 * next steps of the Kafka issue.)
 */
#ifndef NT_KAFKA_H
#define NT_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum nt_record_type {
	NT_REC_FLOW = 0,
	NT_REC_DNS,
	NT_REC_HEARTBEAT,
	NT_REC_MAX,
};

struct nt_kafka_stats {
	uint64_t produced;       /* handed to librdkafka */
	uint64_t acked;          /* delivery confirmed by the broker */
	uint64_t failed;         /* delivery failed (reason logged) */
	uint64_t queue_full;     /* waits for room in the local queue */
};

struct nt_kafka;

/* Creates the producer. NULL with a one-line message in err on a bad
 * broker list or property (a usage error: *usage set) or a failure. */
struct nt_kafka *nt_kafka_new(const struct nt_config *cfg, const char *node,
			      char *err, size_t errlen, int *usage);

/* Produces one record (copied). Waits while the local queue is full. */
int nt_kafka_produce(struct nt_kafka *k, enum nt_record_type t,
		     const char *key, size_t klen, const char *val,
		     size_t vlen);

/* Serves delivery reports; call often. */
void nt_kafka_poll(struct nt_kafka *k);

/* Waits up to timeout_ms for every record to be acknowledged; returns
 * how many are still outstanding. */
int nt_kafka_flush(struct nt_kafka *k, int timeout_ms);

const struct nt_kafka_stats *nt_kafka_stats(const struct nt_kafka *k);

void nt_kafka_free(struct nt_kafka *k);

#endif
