/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sink.h - where encoded records go: stdout or a file (JSON lines).
 * Records are handed over in batches (a buffer of whole lines); a failed
 * write is counted with its records, never dropped silently.
 */
#ifndef NT_SINK_H
#define NT_SINK_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

struct nt_kafka;

struct nt_sink {
	struct nt_kafka *kafka;      /* --output kafka: one message a record */
	int fd;
	int owns_fd;
	uint64_t records_written;
	uint64_t write_errors;      /* records lost to failed writes */
	int last_errno;
};

/* Opens the configured sink. Returns 0, or -1 (runtime) / -2 (usage) with
 * a message in err. node names the sender in Kafka headers. */
int nt_sink_open(struct nt_sink *s, const struct nt_config *cfg,
		 const char *node, char *err, size_t errlen);

/* Writes buf (n bytes holding `records` whole lines). 0 or -1. */
int nt_sink_write(struct nt_sink *s, const char *buf, size_t n,
		  uint64_t records);

void nt_sink_close(struct nt_sink *s);

#endif
