/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * counters.h - the one registry of nettrail's counters and gauges.
 *
 * Every counter and gauge is declared here once, with its name and help
 * text: the kernel's (include/nettrail.h NT_KERNEL_STATS, same order, same
 * indexes) and then userspace's, module by module. The heartbeat record,
 * /metrics (nettrail_<name>_total, nettrail_<name>), `nettrail
 * --list-metrics`, docs/metrics.md and the heartbeat schema all come from
 * this list, and telemetry.c fills a snapshot of it from every module's
 * stats; tests/lib/check_counters.py fails when a module's stats field is
 * not gathered. Adding a counter: one line here, one in telemetry.c.
 *
 * Counters only go up (cumulative since start); gauges are values now.
 */
#ifndef NT_COUNTERS_H
#define NT_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "nettrail.h"

/* C(ID, name, help) */
#define NT_USER_COUNTERS(C)                                                                        \
	/* collector */                                                                            \
	C(FLOWS_REPORTED, "flows_reported", "flow reports emitted (one per flow per report)")      \
	C(FLOW_SCAN_ERRORS, "flow_table_scan_errors",                                              \
	  "flow table syscalls that failed during a scan (the flows are read again next scan)")    \
	C(OVERFLOW_MERGED, "overflow_events_merged",                                               \
	  "overflow events whose counts were merged into the report of their flow")                \
	C(EXPIRE_DEFERRED, "expire_deferred",                                                      \
	  "flow expiries put off to the next scan: no memory for the expiry list")                 \
	C(RINGBUF_POLL_ERRORS, "ringbuf_poll_errors", "ring buffer polls that failed")             \
	/* offline replay (--pcap) */                                                              \
	C(PCAP_PACKETS, "pcap_packets", "packets read from the capture (--pcap)")                  \
	C(PCAP_SKIPPED, "pcap_skipped",                                                            \
	  "capture packets skipped: too short or an unsupported link type")                        \
	C(PCAP_RUN_ERRORS, "pcap_run_errors",                                                      \
	  "capture packets the datapath could not run (BPF_PROG_TEST_RUN)")                        \
	/* sink */                                                                                 \
	C(RECORDS_WRITTEN, "records_written", "records written to the sink (or in its buffer)")    \
	C(RECORDS_WRITE_ERRORS, "records_write_errors", "records lost to failed writes")           \
	/* datapath */                                                                             \
	C(ATTACH_ERRORS, "attach_errors", "interfaces the TC programs could not be attached to")   \
	/* inspect: payload, TLS */                                                                \
	C(PAYLOAD_SAMPLES_RECEIVED, "payload_samples_received",                                    \
	  "payload samples taken in from the sample ring")                                         \
	C(TLS_CLIENT_HELLOS, "tls_client_hellos", "ClientHellos parsed")                           \
	C(TLS_SERVER_HELLOS, "tls_server_hellos", "ServerHellos parsed")                           \
	C(TLS_PARSE_ERRORS, "tls_parse_errors", "malformed TLS hellos (counted, skipped)")         \
	C(PAYLOAD_BUFFERS_REFUSED, "payload_buffers_refused",                                      \
	  "flow directions judged on one segment: too many mid-handshake at once")                 \
	C(PAYLOAD_STREAMS_OVERFLOW, "payload_streams_overflow",                                    \
	  "flow directions whose first bytes exceeded the reassembly cap")                         \
	/* inspect: DNS */                                                                         \
	C(DNS_MESSAGES, "dns_messages", "DNS messages parsed")                                     \
	C(DNS_PARSE_ERRORS, "dns_parse_errors", "packets on a DNS port that did not parse as DNS") \
	C(DNS_ANSWERED, "dns_answered", "queries matched with their answer")                       \
	C(DNS_UNANSWERED, "dns_unanswered", "queries reported with no answer (timed out)")         \
	C(DNS_UNMATCHED_ANSWERS, "dns_unmatched_answers", "answers whose query was not seen")      \
	C(DNS_PENDING_EARLY, "dns_pending_early",                                                  \
	  "queries reported unanswered early: too many were waiting")                              \
	C(DNS_TCP_GAPS, "dns_tcp_gaps",                                                            \
	  "DNS-over-TCP bytes missed (a segment not seen): the stream restarted")                  \
	C(DNS_TCP_STREAMS_DROPPED, "dns_tcp_streams_dropped",                                      \
	  "oldest DNS-over-TCP stream dropped: too many at once")                                  \
	C(DNS_CACHE_EVICTIONS, "dns_cache_evictions",                                              \
	  "address-to-name entries evicted from the full cache (--dns-cache-entries)")             \
	C(DNS_CACHE_HITS, "dns_cache_hits", "flow ends named from the DNS cache")                  \
	C(DNS_CACHE_MISSES, "dns_cache_misses", "flow ends looked up with no name in the cache")   \
	/* sink: Kafka and its spool */                                                            \
	C(KAFKA_PRODUCED, "kafka_produced",                                                        \
	  "records handed to the Kafka producer (0 unless --output kafka)")                        \
	C(KAFKA_ACKED, "kafka_acked", "records the broker acknowledged")                           \
	C(KAFKA_FAILED, "kafka_failed", "records whose delivery failed (with a reason logged)")    \
	C(KAFKA_QUEUE_FULL, "kafka_queue_full",                                                    \
	  "records the producer's local queue had no room for (spooled, or failed without one)")   \
	C(KAFKA_SPOOLED, "kafka_spooled",                                                          \
	  "records written into the on-disk spool (outage, slow broker, full queue)")              \
	C(KAFKA_REPLAYED, "kafka_replayed", "records read back from the spool and sent")           \
	C(KAFKA_RESENT, "kafka_resent",                                                            \
	  "records queued again after a failed or purged delivery (nettrail.record_id tells)")     \
	C(KAFKA_PRODUCER_RESETS, "kafka_producer_resets",                                          \
	  "producers re-created after a fatal librdkafka error")                                   \
	C(KAFKA_DEGRADED_EPISODES, "kafka_degraded_episodes",                                      \
	  "times the sink went degraded (brokers down, queue full, failed delivery)")              \
	C(KAFKA_PRODUCER_CREATE_FAILED, "kafka_producer_create_failed",                            \
	  "producer re-creations that failed (each tried again a second later)")                   \
	C(SPOOL_READ, "spool_read", "records read back out of the spool for delivery")             \
	C(SPOOL_IO_ERRORS, "spool_io_errors",                                                      \
	  "failed spool writes (their records are counted in spool_dropped_io)")                   \
	C(SPOOL_DROPPED_FULL, "spool_dropped_full", "records dropped by the full spool's policy")  \
	C(SPOOL_DROPPED_CORRUPT, "spool_dropped_corrupt",                                          \
	  "spooled records lost to damaged blocks or records")                                     \
	C(SPOOL_DROPPED_IO, "spool_dropped_io", "records lost to spool write or read errors")      \
	C(SPOOL_CORRUPT_BLOCKS, "spool_corrupt_blocks", "spool blocks that failed their checksum") \
	/* enrich: Kubernetes */                                                                   \
	C(K8S_API_ERRORS, "k8s_api_errors",                                                        \
	  "failed API requests (transport, HTTP status, 401, bad JSON, stalls)")                   \
	C(K8S_RELISTS, "k8s_relists", "relists after 410 Gone")                                    \
	C(K8S_LISTS, "k8s_lists", "complete lists of a resource (all pages)")                      \
	C(K8S_WATCHES, "k8s_watches", "watch streams opened")                                      \
	C(K8S_WATCH_EVENTS, "k8s_watch_events", "ADDED, MODIFIED and DELETED events applied")      \
	C(K8S_RECONNECTS, "k8s_reconnects", "watches that ended and were re-opened from their RV") \
	C(K8S_FORBIDDEN, "k8s_forbidden", "403 answers (RBAC): the resource is retried later")     \
	C(K8S_UNSYNCED_RECORDS, "k8s_unsynced_records",                                            \
	  "records made before the first full sync, or with the API down")                         \
	C(K8S_UNRESOLVED, "k8s_unresolved", "in-cluster addresses with no identity")               \
	/* enrich: process attribution */                                                          \
	C(PROCESS_ATTRIBUTION_LOST, "process_attribution_lost",                                    \
	  "process attributions lost in the kernel (ring full, no socket storage)")                \
	C(PROCESS_ATTRIBUTION_EVENTS, "process_attribution_events", "attributions received")       \
	C(PROCESS_ATTRIBUTION_NOTED, "process_attribution_noted",                                  \
	  "connect/sendmsg calls that noted their process")                                        \
	C(PROCESS_ATTRIBUTION_PARSE_ERRORS, "process_attribution_parse_errors",                    \
	  "socket packets whose headers could not be read")                                        \
	C(PROCESS_ATTRIBUTION_EVICTED, "process_attribution_evicted",                              \
	  "attributions evicted from the full table")

/* G(ID, name, help) */
#define NT_GAUGES(G)                                                                            \
	G(UP, "up", "1 while the sensor runs")                                                  \
	G(FLOWS_TRACKED, "flows_tracked", "flows in the kernel table at the last scan")         \
	G(FLOW_TABLE_SIZE, "flow_table_size", "kernel flow table capacity (--max-flows)")       \
	G(INTERFACES_ATTACHED, "interfaces_attached", "interfaces the TC programs are on")      \
	G(DNS_PENDING, "dns_pending", "DNS queries waiting for their answer")                   \
	G(DNS_CACHE_ENTRIES, "dns_cache_entries", "address-to-name cache entries")              \
	G(DNS_TCP_STREAMS, "dns_tcp_streams", "DNS-over-TCP directions being reassembled")      \
	G(PAYLOAD_FLOWS_TRACKED, "payload_flows_tracked", "flows with payload metadata alive")  \
	G(PAYLOAD_BUFFERS_ALIVE, "payload_buffers_alive", "reassembly buffers held")            \
	G(KAFKA_OUTSTANDING, "kafka_outstanding", "records in librdkafka's queue")              \
	G(KAFKA_BROKER_UP, "kafka_broker_up", "0 after all brokers went down, 1 otherwise")     \
	G(KAFKA_PRODUCER_UP, "kafka_producer_up",                                               \
	  "0 while re-creating the producer keeps failing")                                     \
	G(KAFKA_SPOOL_RECORDS, "kafka_spool_records", "records in the spool")                   \
	G(KAFKA_SPOOL_BYTES, "kafka_spool_bytes", "bytes of the spool on disk")                 \
	G(KAFKA_SPOOL_SEGMENTS, "kafka_spool_segments", "segment files of the spool")           \
	G(KAFKA_SPOOL_RECORDS_AT_START, "kafka_spool_records_at_start",                         \
	  "records an earlier run left in the spool")                                           \
	G(K8S_SYNCED, "k8s_synced", "1 once every resource was listed (or is forbidden)")       \
	G(K8S_PODS, "k8s_pods", "pods known")                                                   \
	G(K8S_SERVICES, "k8s_services", "services known")                                       \
	G(K8S_NODES, "k8s_nodes", "nodes known")                                                \
	G(K8S_IP_ENTRIES, "k8s_ip_entries",                                                     \
	  "addresses with an identity (pods in their grace too)")                               \
	G(K8S_RESOURCES_FORBIDDEN, "k8s_resources_forbidden", "resources forbidden now (RBAC)") \
	G(PROCESS_ATTRIBUTION_TRACKED, "process_attribution_tracked", "attributions held")

#define NT_C_ENUM_(id, name, help) NT_C_##id,
#define NT_G_ENUM_(id, name, help) NT_G_##id,
enum nt_counter { NT_KERNEL_STATS(NT_C_ENUM_) NT_USER_COUNTERS(NT_C_ENUM_) NT_C_MAX };
enum nt_gauge { NT_GAUGES(NT_G_ENUM_) NT_G_MAX };
#undef NT_C_ENUM_
#undef NT_G_ENUM_

_Static_assert((int)NT_C_PACKETS == (int)NT_STAT_PACKETS &&
		       (int)NT_C_SAMPLES_LOST == (int)NT_STAT_SAMPLES_LOST &&
		       (int)NT_C_FLOWS_REPORTED == (int)NT_STAT_MAX,
	       "the kernel counters come first, at their nt_stat index");

struct nt_metric_def {
	const char *name;
	const char *help;
};

extern const struct nt_metric_def nt_counter_defs[NT_C_MAX];
extern const struct nt_metric_def nt_gauge_defs[NT_G_MAX];

/* One reading of every counter and gauge. */
struct nt_metrics_snap {
	uint64_t c[NT_C_MAX];
	uint64_t g[NT_G_MAX];
};

/* `--list-metrics`: "counter<TAB>name<TAB>help" and "gauge<TAB>..." lines. */
void nt_counters_list(FILE *f);

#endif
