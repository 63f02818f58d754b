/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kafka.h - records to Kafka with librdkafka: one topic per record type,
 * a key that keeps every report of a flow (both directions) on one
 * partition, headers naming the record, an idempotent producer with
 * acks=all. Every record is acknowledged by the broker or counted with a
 * reason.
 *
 * With --spool-dir, records the broker cannot take now go to the on-disk
 * spool (spool.h) and come back in order:
 *   direct   the spool is empty and the broker healthy: records go
 *            straight to librdkafka.
 *   degraded all brokers down, the local queue full, or a delivery failed:
 *            new records go to the spool; one block a second is sent as a
 *            probe; the first acknowledgement ends the episode.
 *   replay   the spool holds records: new ones queue up behind them while
 *            blocks go to librdkafka (at most REPLAY_WINDOW records out);
 *            when it is empty, back to direct.
 * A record whose delivery fails (timeout, purge, fatal error) is written
 * ahead of everything spooled, so replay keeps produce order. A fatal
 * error (idempotent producer state lost; librdkafka 2.0.2 raises a
 * spurious one after some outages) re-creates the producer and re-sends
 * every unconfirmed record: a consumer may then see a duplicate, which
 * nettrail.record_id identifies and kafka_resent counts. If the new
 * producer cannot be made (rd_kafka_new refuses: a CA file gone, no
 * memory), there is none until a later attempt succeeds, once a second:
 * meanwhile records go to the spool, or without one wait in memory (at
 * most 100,000; beyond, each is counted as failed).
 * Without a spool, a full queue applies backpressure (waits).
 */
#ifndef NT_KAFKA_H
#define NT_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rectype.h"
#include "spool.h"

struct nt_kafka_stats {
	uint64_t produced;		 /* records handed to the Kafka sink */
	uint64_t acked;			 /* delivery confirmed by the broker */
	uint64_t failed;		 /* lost for good (reason logged) */
	uint64_t queue_full;		 /* records that found librdkafka's queue
				    full (then spooled, or waited for room) */
	uint64_t replayed;		 /* read back from the spool and sent */
	uint64_t resent;		 /* sent again after a failed delivery */
	uint64_t producer_resets;	 /* producers replaced after fatal errors */
	uint64_t producer_create_failed; /* re-creations that failed (each
					    tried again a second later) */
	uint64_t degraded_episodes;	 /* times the sink went degraded */
	uint64_t spool_at_start;	 /* records an earlier run left in the spool */
	uint64_t broker_up;		 /* gauge: 0 after "all brokers down" */
	uint64_t outstanding;		 /* gauge: in librdkafka's queue, or waiting
				    in memory for a producer (no spool) */
	uint64_t producer_up;		 /* gauge: 0 while re-creation fails */
	/* from the spool */
	uint64_t spooled, spool_read, spool_dropped_full, spool_dropped_corrupt, spool_dropped_io,
		spool_corrupt_blocks, spool_io_errors;
	uint64_t spool_records, spool_bytes, spool_segments; /* gauges */
};

struct nt_kafka;

/* Creates the producer. NULL with a one-line message in err on a bad
 * broker list or property (a usage error: *usage set) or a failure. */
struct nt_kafka *nt_kafka_new(const struct nt_config *cfg, const char *node, char *err,
			      size_t errlen, int *usage);

/* Produces one record (copied). Waits while the local queue is full. */
int nt_kafka_produce(struct nt_kafka *k, enum nt_record_type t, const char *key, size_t klen,
		     const char *val, size_t vlen);

/* Validates brokers and properties without connecting (--check-config). */
int nt_kafka_check_config(const struct nt_config *cfg, char *err, size_t errlen);

/* Serves delivery reports; call after every batch of records. */
void nt_kafka_poll(struct nt_kafka *k);

/* Once per main-loop tick: reports, producer reset after a fatal error,
 * spool flush and fsync policy, replay. */
void nt_kafka_tick(struct nt_kafka *k);

/* At exit: delivers what it can within timeout_ms; with a spool, what is
 * left goes to the spool. Returns the records neither acknowledged nor
 * spooled. */
int nt_kafka_flush(struct nt_kafka *k, int timeout_ms);

void nt_kafka_stats_get(struct nt_kafka *k, struct nt_kafka_stats *out);

void nt_kafka_free(struct nt_kafka *k);

#endif
