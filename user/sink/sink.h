/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sink.h - where encoded records go, behind one interface (struct
 * nt_sink_ops) with three implementations: stdout and a file (sink_fd.c,
 * JSON lines written in batches: one write() per batch, not per record)
 * and Kafka with its spool (sink_kafka.c over kafka.c, one message per
 * record). A record a sink cannot take is counted, never dropped silently.
 *
 * A new sink (the capture writer, another transport) is one more ops table
 * and a case in nt_sink_open().
 */
#ifndef NT_SINK_H
#define NT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rectype.h"

struct nt_sink;
struct nt_kafka;

struct nt_sink_stats {
	uint64_t records_written; /* taken by the sink (written, buffered or produced) */
	uint64_t write_errors;	  /* records lost to failed writes */
	int last_errno;
};

struct nt_sink_ops {
	const char *name;
	/* one record; 0, or -1 when it was lost (counted in write_errors) */
	int (*write)(struct nt_sink *s, const struct nt_rec_out *r);
	/* the end of a batch: buffered lines go out, delivery reports are served */
	int (*flush)(struct nt_sink *s);
	/* once per main-loop tick (Kafka: producer reset, spool, replay) */
	void (*tick)(struct nt_sink *s);
	/* at exit: deliver what can be within timeout_ms (or keep it, spooled);
	 * returns the records neither delivered nor kept; may be NULL */
	int (*drain)(struct nt_sink *s, int timeout_ms);
	void (*close)(struct nt_sink *s);
};

struct nt_sink {
	const struct nt_sink_ops *ops;
	void *impl;
	struct nt_sink_stats st;
};

/* Opens the configured sink. Returns 0, or -1 (runtime) / -2 (usage) with
 * a message in err. node names the sender in Kafka headers. */
int nt_sink_open(struct nt_sink *s, const struct nt_config *cfg, const char *node, char *err,
		 size_t errlen);

/* A line sink on an open descriptor (not closed by nt_sink_close): for
 * benchmarks and tests. */
int nt_sink_open_fd(struct nt_sink *s, int fd);

/* The output an encoder writes to (struct nt_output of rectype.h). */
struct nt_output nt_sink_output(struct nt_sink *s);

/* The producer behind a Kafka sink (its counters, --check-config), else NULL. */
struct nt_kafka *nt_sink_kafka(const struct nt_sink *s);

static inline int nt_sink_write(struct nt_sink *s, const struct nt_rec_out *r)
{
	return s->ops->write(s, r);
}

static inline int nt_sink_flush(struct nt_sink *s)
{
	return s->ops->flush(s);
}

static inline void nt_sink_tick(struct nt_sink *s)
{
	if (s->ops->tick)
		s->ops->tick(s);
}

static inline int nt_sink_drain(struct nt_sink *s, int timeout_ms)
{
	return s->ops->drain ? s->ops->drain(s, timeout_ms) : 0;
}

void nt_sink_close(struct nt_sink *s);

/* implementations */
extern const struct nt_sink_ops nt_sink_fd_ops, nt_sink_kafka_ops;
int nt_sink_fd_open(struct nt_sink *s, const struct nt_config *cfg, char *err, size_t errlen);
int nt_sink_kafka_open(struct nt_sink *s, const struct nt_config *cfg, const char *node, char *err,
		       size_t errlen);

#endif
