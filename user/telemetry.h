/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * telemetry.h - reads every module's stats into one snapshot of the counter
 * registry (counters.h), for the heartbeat record and /metrics alike. Runs
 * on the main thread, once per heartbeat and once per metrics tick.
 */
#ifndef NT_TELEMETRY_H
#define NT_TELEMETRY_H

#include <stdint.h>

#include "counters.h"

struct nt_collector;
struct nt_payload;
struct nt_dns;
struct nt_kafka;
struct nt_k8s;
struct nt_sockattr;
struct nt_enrich_stats;
struct nt_replay_stats;
struct nt_sink_stats;

/* What there is to read; NULL (or -1) for a module that is not running. */
struct nt_telemetry_src {
	int kernel_stats_fd; /* per-CPU struct nt_stats array */
	const struct nt_collector *col;
	const struct nt_payload *payload;
	const struct nt_dns *dns;
	struct nt_kafka *kafka;
	struct nt_k8s *k8s;
	struct nt_sockattr *sockattr;
	const struct nt_enrich_stats *enrich;
	const struct nt_replay_stats *replay; /* --pcap */
	const struct nt_sink_stats *sink;
	uint64_t attach_errors;
	uint64_t ringbuf_poll_errors;
	uint64_t interfaces_attached;
	uint32_t flow_table_size;
	uint64_t nat_conntrack;			/* 1: tc_nat_ct loaded */
	const struct nt_capture_stats *capture; /* NULL: no control socket */
};

/* Fills every counter and gauge of *out (modules not running read 0). */
void nt_telemetry_read(const struct nt_telemetry_src *src, struct nt_metrics_snap *out);

#endif
