// SPDX-License-Identifier: BSD-2-Clause
/*
 * telemetry.c - every module's stats into the registry's snapshot. Each
 * module's fill function copies its rows of counters.def (the field each
 * is read from is in the row) and derives the few CX/GX rows by hand;
 * tests/lib/check_counters.py checks that every field of every module's
 * stats struct is in a row (or derived here), so a counter a module keeps
 * always reaches the heartbeat and /metrics.
 */
#include "telemetry.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "dns.h"
#include "enrich.h"
#include "k8s.h"
#include "kafka.h"
#include "payload.h"
#include "replay.h"
#include "capture.h"
#include "sink.h"
#include "sockattr.h"

static void fill_kernel(int fd, uint64_t *c)
{
	int ncpu = libbpf_num_possible_cpus();
	struct nt_stats *per;
	__u32 zero = 0;

	if (fd < 0 || ncpu <= 0 || !(per = calloc((size_t)ncpu, sizeof(*per))))
		return;
	if (!bpf_map_lookup_elem(fd, &zero, per))
		for (int cpu = 0; cpu < ncpu; cpu++)
			for (int i = 0; i < NT_STAT_MAX; i++)
				c[i] += per[cpu].v[i];
	free(per);
}

/* Copies one module's rows of counters.def from its stats struct s. */
#define NT_COPY_C_(id, n, h, f) m->c[NT_C_##id] = s->f;
#define NT_COPY_G_(id, n, h, f) m->g[NT_G_##id] = s->f;
#define NT_SKIP_(...)
#define NT_COPY_ROWS_(MOD) MOD(NT_COPY_C_, NT_COPY_G_, NT_SKIP_, NT_SKIP_)

static void fill_collector(const struct nt_collector_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_COLLECTOR)
}

static void fill_replay(const struct nt_replay_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_REPLAY) /* first_ns/last_ns: the span, not counters */
}

static void fill_sink(const struct nt_sink_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_SINK) /* last_errno: for the exit message */
}

static void fill_process(const struct nt_telemetry_src *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_PROCESS)
	m->g[NT_G_UP] = 1;
}

static void fill_payload(const struct nt_payload_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_PAYLOAD)
}

static void fill_quic(const struct nt_quic_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_QUIC)
}

static void fill_dns(const struct nt_dns_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_DNS)
}

static void fill_kafka(const struct nt_kafka_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_KAFKA)
}

static void fill_k8s(const struct nt_k8s_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_K8S)
	m->c[NT_C_K8S_API_ERRORS] = s->errors + s->auth_errors;
	m->g[NT_G_K8S_SYNCED] = (uint64_t)s->synced;
	m->g[NT_G_K8S_RESOURCES_FORBIDDEN] = (uint64_t)__builtin_popcount(s->forbidden_mask);
}

static void fill_enrich(const struct nt_enrich_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_ENRICH)
}

/* lost in the kernel; evictions of entries whose flow was never reported
 * (loopback when lo is not attached) are counted apart: not losses */
static void fill_sockattr(const struct nt_sockattr_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_SOCKATTR)
	m->c[NT_C_PROCESS_ATTRIBUTION_LOST] = s->ringbuf_full + s->no_storage;
}

static void fill_capture(const struct nt_capture_stats *s, struct nt_metrics_snap *m)
{
	NT_COPY_ROWS_(NT_METRICS_CAPTURE)
}

void nt_telemetry_read(const struct nt_telemetry_src *src, struct nt_metrics_snap *m)
{
	struct nt_kafka_stats ks = { 0 };
	struct nt_k8s_stats kst = { 0 };
	struct nt_sockattr_stats ss = { 0 };
	static const struct nt_collector_stats no_col;
	static const struct nt_payload_stats no_payload;
	static const struct nt_quic_stats no_quic;
	static const struct nt_dns_stats no_dns;
	static const struct nt_enrich_stats no_enrich;
	static const struct nt_replay_stats no_replay;
	static const struct nt_sink_stats no_sink;
	static const struct nt_capture_stats no_capture;

	memset(m, 0, sizeof(*m));
	fill_kernel(src->kernel_stats_fd, m->c);
	fill_collector(src->col ? nt_collector_stats(src->col) : &no_col, m);
	fill_payload(src->payload ? nt_payload_stats(src->payload) : &no_payload, m);
	fill_quic(src->payload ? nt_payload_quic_stats(src->payload) : &no_quic, m);
	fill_dns(src->dns ? nt_dns_stats(src->dns) : &no_dns, m);
	if (src->kafka)
		nt_kafka_stats_get(src->kafka, &ks);
	fill_kafka(&ks, m);
	if (src->k8s)
		nt_k8s_stats(src->k8s, &kst);
	fill_k8s(&kst, m);
	fill_enrich(src->enrich ? src->enrich : &no_enrich, m);
	fill_replay(src->replay ? src->replay : &no_replay, m);
	if (src->sockattr)
		nt_sockattr_stats(src->sockattr, &ss);
	fill_sockattr(&ss, m);
	fill_sink(src->sink ? src->sink : &no_sink, m);
	fill_capture(src->capture ? src->capture : &no_capture, m);
	fill_process(src, m);
}
