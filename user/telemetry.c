// SPDX-License-Identifier: BSD-2-Clause
/*
 * telemetry.c - every module's stats into the registry's snapshot. Each
 * module has one fill function; tests/lib/check_counters.py checks that
 * every field of every module's stats struct is read here, so a counter a
 * module keeps always reaches the heartbeat and /metrics.
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

static void fill_collector(const struct nt_collector_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_FLOWS_REPORTED] = s->flows_reported;
	m->c[NT_C_FLOW_SCAN_ERRORS] = s->scan_errors;
	m->c[NT_C_OVERFLOW_MERGED] = s->overflow_merged;
	m->c[NT_C_EXPIRE_DEFERRED] = s->expire_deferred;
	m->g[NT_G_FLOWS_TRACKED] = s->flows_tracked;
}

static void fill_payload(const struct nt_payload_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_PAYLOAD_SAMPLES_RECEIVED] = s->samples;
	m->c[NT_C_TLS_CLIENT_HELLOS] = s->tls_client_hellos;
	m->c[NT_C_TLS_SERVER_HELLOS] = s->tls_server_hellos;
	m->c[NT_C_TLS_PARSE_ERRORS] = s->tls_parse_errors;
	m->c[NT_C_PAYLOAD_STREAMS_OVERFLOW] = s->streams_overflow;
	m->c[NT_C_PAYLOAD_BUFFERS_REFUSED] = s->buffers_refused;
	m->g[NT_G_PAYLOAD_BUFFERS_ALIVE] = s->buffers_alive;
	m->g[NT_G_PAYLOAD_FLOWS_TRACKED] = s->flows_tracked;
}

static void fill_dns(const struct nt_dns_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_DNS_MESSAGES] = s->messages;
	m->c[NT_C_DNS_PARSE_ERRORS] = s->parse_errors;
	m->c[NT_C_DNS_ANSWERED] = s->answered;
	m->c[NT_C_DNS_UNANSWERED] = s->unanswered;
	m->c[NT_C_DNS_UNMATCHED_ANSWERS] = s->unmatched_answers;
	m->c[NT_C_DNS_PENDING_EARLY] = s->pending_early;
	m->c[NT_C_DNS_TCP_GAPS] = s->tcp_gaps;
	m->c[NT_C_DNS_TCP_STREAMS_DROPPED] = s->tcp_streams_dropped;
	m->c[NT_C_DNS_CACHE_EVICTIONS] = s->cache_evictions;
	m->c[NT_C_DNS_CACHE_HITS] = s->cache_hits;
	m->c[NT_C_DNS_CACHE_MISSES] = s->cache_misses;
	m->g[NT_G_DNS_PENDING] = s->pending;
	m->g[NT_G_DNS_CACHE_ENTRIES] = s->cache_entries;
	m->g[NT_G_DNS_TCP_STREAMS] = s->tcp_streams;
}

static void fill_kafka(const struct nt_kafka_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_KAFKA_PRODUCED] = s->produced;
	m->c[NT_C_KAFKA_ACKED] = s->acked;
	m->c[NT_C_KAFKA_FAILED] = s->failed;
	m->c[NT_C_KAFKA_QUEUE_FULL] = s->queue_full;
	m->c[NT_C_KAFKA_REPLAYED] = s->replayed;
	m->c[NT_C_KAFKA_RESENT] = s->resent;
	m->c[NT_C_KAFKA_PRODUCER_RESETS] = s->producer_resets;
	m->c[NT_C_KAFKA_DEGRADED_EPISODES] = s->degraded_episodes;
	m->c[NT_C_KAFKA_PRODUCER_CREATE_FAILED] = s->producer_create_failed;
	m->c[NT_C_SPOOL_READ] = s->spool_read;
	m->c[NT_C_SPOOL_IO_ERRORS] = s->spool_io_errors;
	m->g[NT_G_KAFKA_PRODUCER_UP] = s->producer_up;
	m->g[NT_G_KAFKA_SPOOL_SEGMENTS] = s->spool_segments;
	m->c[NT_C_KAFKA_SPOOLED] = s->spooled;
	m->c[NT_C_SPOOL_DROPPED_FULL] = s->spool_dropped_full;
	m->c[NT_C_SPOOL_DROPPED_CORRUPT] = s->spool_dropped_corrupt;
	m->c[NT_C_SPOOL_DROPPED_IO] = s->spool_dropped_io;
	m->c[NT_C_SPOOL_CORRUPT_BLOCKS] = s->spool_corrupt_blocks;
	m->g[NT_G_KAFKA_SPOOL_RECORDS_AT_START] = s->spool_at_start;
	m->g[NT_G_KAFKA_BROKER_UP] = s->broker_up;
	m->g[NT_G_KAFKA_OUTSTANDING] = s->outstanding;
	m->g[NT_G_KAFKA_SPOOL_RECORDS] = s->spool_records;
	m->g[NT_G_KAFKA_SPOOL_BYTES] = s->spool_bytes;
}

static void fill_k8s(const struct nt_k8s_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_K8S_API_ERRORS] = s->errors + s->auth_errors;
	m->c[NT_C_K8S_RELISTS] = s->relists_410;
	m->c[NT_C_K8S_LISTS] = s->lists;
	m->c[NT_C_K8S_WATCHES] = s->watches;
	m->c[NT_C_K8S_WATCH_EVENTS] = s->watch_events;
	m->c[NT_C_K8S_RECONNECTS] = s->reconnects;
	m->c[NT_C_K8S_FORBIDDEN] = s->forbidden;
	m->g[NT_G_K8S_SYNCED] = (uint64_t)s->synced;
	m->g[NT_G_K8S_PODS] = s->pods;
	m->g[NT_G_K8S_SERVICES] = s->services;
	m->g[NT_G_K8S_NODES] = s->nodes;
	m->g[NT_G_K8S_IP_ENTRIES] = s->ip_entries;
	m->g[NT_G_K8S_RESOURCES_FORBIDDEN] = (uint64_t)__builtin_popcount(s->forbidden_mask);
}

static void fill_enrich(const struct nt_enrich_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_K8S_UNSYNCED_RECORDS] = s->k8s_unsynced_records;
	m->c[NT_C_K8S_UNRESOLVED] = s->k8s_unresolved;
}

/* lost in the kernel; evictions of entries whose flow was never reported
 * (loopback when lo is not attached) are counted apart: not losses */
static void fill_sockattr(const struct nt_sockattr_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_PROCESS_ATTRIBUTION_LOST] = s->ringbuf_full + s->no_storage;
	m->c[NT_C_PROCESS_ATTRIBUTION_EVENTS] = s->events;
	m->c[NT_C_PROCESS_ATTRIBUTION_NOTED] = s->proc_set;
	m->c[NT_C_PROCESS_ATTRIBUTION_PARSE_ERRORS] = s->parse_errors;
	m->c[NT_C_PROCESS_ATTRIBUTION_EVICTED] = s->evicted;
	m->g[NT_G_PROCESS_ATTRIBUTION_TRACKED] = s->tracked;
}

/* first_ns/last_ns are the capture's time span, not counters */
static void fill_replay(const struct nt_replay_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_PCAP_PACKETS] = s->packets;
	m->c[NT_C_PCAP_SKIPPED] = s->skipped;
	m->c[NT_C_PCAP_RUN_ERRORS] = s->run_errors;
}

/* last_errno is for the exit message, not a metric */
static void fill_sink(const struct nt_sink_stats *s, struct nt_metrics_snap *m)
{
	m->c[NT_C_RECORDS_WRITTEN] = s->records_written;
	m->c[NT_C_RECORDS_WRITE_ERRORS] = s->write_errors;
}

void nt_telemetry_read(const struct nt_telemetry_src *src, struct nt_metrics_snap *m)
{
	struct nt_kafka_stats ks = { 0 };
	struct nt_k8s_stats kst = { 0 };
	struct nt_sockattr_stats ss = { 0 };
	static const struct nt_collector_stats no_col;
	static const struct nt_payload_stats no_payload;
	static const struct nt_dns_stats no_dns;
	static const struct nt_enrich_stats no_enrich;
	static const struct nt_replay_stats no_replay;
	static const struct nt_sink_stats no_sink;

	memset(m, 0, sizeof(*m));
	fill_kernel(src->kernel_stats_fd, m->c);
	fill_collector(src->col ? nt_collector_stats(src->col) : &no_col, m);
	fill_payload(src->payload ? nt_payload_stats(src->payload) : &no_payload, m);
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
	m->c[NT_C_RINGBUF_POLL_ERRORS] = src->ringbuf_poll_errors;
	fill_sink(src->sink ? src->sink : &no_sink, m);
	m->c[NT_C_ATTACH_ERRORS] = src->attach_errors;
	m->g[NT_G_UP] = 1;
	m->g[NT_G_FLOW_TABLE_SIZE] = src->flow_table_size;
	m->g[NT_G_INTERFACES_ATTACHED] = src->interfaces_attached;
}
