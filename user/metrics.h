/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h - Prometheus /metrics and Kubernetes /healthz, /readyz.
 *
 * The HTTP server (libmicrohttpd) runs on its own thread and only ever
 * serves the latest snapshot: the main loop renders the text once per
 * tick from the same counters as the heartbeat record and swaps it in
 * under a mutex. The server thread never touches live counters.
 */
#ifndef NT_METRICS_H
#define NT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct nt_metrics;

/* Listens on "HOST:PORT" (IPv4 or [IPv6]). NULL with a one-line message
 * in err when the address is bad (*usage set) or cannot be bound. */
struct nt_metrics *nt_metrics_start(const char *addr, char *err, size_t errlen, int *usage);

struct nt_metrics_snap;

/*
 * Publishes a snapshot of the registry (counters.h): counters rendered as
 * nettrail_<name>_total, gauges as nettrail_<name>, each with its help
 * text; and readiness (datapath attached and sink accepting records).
 */
void nt_metrics_publish(struct nt_metrics *m, const struct nt_metrics_snap *snap, int ready);

/* Publishes a body rendered elsewhere (takes ownership of text, malloc'd):
 * nettrail-detect serves its own counters through the same server. */
void nt_metrics_publish_text(struct nt_metrics *m, char *text, size_t len, int ready);

void nt_metrics_stop(struct nt_metrics *m);

#endif
