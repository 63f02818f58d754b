/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collector.h - drains the kernel flow table and turns entries into reports.
 *
 * The collector owns flow lifetime: it decides when a flow is reported
 * (idle, active, tcp_close, shutdown), removes finished flows from the kernel
 * map, keeps the counters already reported for long-lived flows (so each
 * report carries deltas), and merges counts that reached it through the
 * overflow ring buffer while the kernel table was full.
 *
 * Time is the datapath's clock ("hook time"): CLOCK_MONOTONIC live, the
 * capture's timestamps offline. The caller passes `now` in that clock.
 */
#ifndef NT_COLLECTOR_H
#define NT_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nettrail.h"

enum nt_end_reason {
	NT_END_IDLE = 0,
	NT_END_ACTIVE,
	NT_END_TCP_CLOSE,
	NT_END_SHUTDOWN,
	NT_END_EVICTED,
};

const char *nt_end_reason_name(enum nt_end_reason r);

/* One report of one flow, with sides already mapped to source/destination. */
struct nt_flow_report {
	struct nt_flow_key key;
	uint8_t src;		    /* key side of the source (initiator) */
	uint64_t pkts[2], bytes[2]; /* this report's deltas, by key side */
	uint64_t flow_start_ns;	    /* first packet of the flow */
	uint64_t start_ns, end_ns;  /* the interval this report covers */
	uint64_t handshake_rtt_ns;  /* 0: not seen */
	uint32_t report_seq;
	uint8_t tcp_flags[2]; /* by key side, since the flow began */
	uint8_t rst_first;    /* 0, or key side + 1 */
	uint8_t attrs;	      /* NT_ATTR_* */
	uint8_t icmp_type, icmp_code;
	uint8_t hook;  /* enum nt_hook */
	bool overflow; /* counts came (partly) via the ring */
	enum nt_end_reason reason;
	uint32_t ifindex[1 + NT_MAX_SEEN_IFACES]; /* owner first; 0 ends */
	const struct nt_flow_meta *meta;	  /* what the payload said, or NULL */
	bool has_nat;				  /* a translated connection: nat holds */
	struct nt_nat nat;			  /* its translated addresses */
};

struct nt_flow_meta;

typedef void (*nt_report_fn)(void *ctx, const struct nt_flow_report *r);

struct nt_collector_opts {
	int flows_fd; /* the kernel flow map */
	int ended_fd; /* the kernel's ended map (closed flows a SYN replaced); 0: none */
	uint32_t max_flows;
	uint64_t idle_ns;
	uint64_t active_ns;	  /* 0: no periodic reports */
	uint64_t close_linger_ns; /* wait after a close for the last ACK */
	nt_report_fn report;
	void *report_ctx;
	/* per-flow payload metadata (may be NULL): looked up for every
	 * report, forgotten after a flow's final one */
	const struct nt_flow_meta *(*meta_get)(void *ctx, const struct nt_flow_key *k);
	void (*meta_forget)(void *ctx, const struct nt_flow_key *k);
	void *meta_ctx;
	/* translated connections (nat.bpf.h): primary -> translated and
	 * translated -> primary; <= 0: none */
	int nat_flows_fd, nat_links_fd;
	/* the kernel's SYN slots (parked SYNs), mmapped; NULL: none */
	struct nt_syn_slot *syn_slots;
	uint32_t n_syn_slots;
	/* the kernel's count of TCP table entries by key hash (tcp_present,
	 * mmapped), kept when the collector deletes or puts back a flow;
	 * NULL: none */
	uint32_t *tcp_present;
	uint32_t n_tcp_present;
};

struct nt_collector_stats {
	uint64_t flows_reported;    /* reports emitted */
	uint64_t flows_tracked;	    /* kernel entries at the last scan */
	uint64_t overflow_merged;   /* overflow events taken in */
	uint64_t scan_errors;	    /* map syscalls that failed */
	uint64_t expire_deferred;   /* expiries put off: no memory for the list */
	uint64_t closes_from_scan;  /* closed flows found by a scan: event lost */
	uint64_t flow_ends;	    /* closed flows a new SYN replaced, taken in */
	uint64_t nat_missing;	    /* translated flows whose NAT entry was gone */
	uint64_t syn_slots_expired; /* parked SYNs reported by a scan (unanswered) */
	uint64_t syn_slots_open;    /* parked SYNs at the last scan */
};

struct nt_collector;

struct nt_collector *nt_collector_new(const struct nt_collector_opts *o);
void nt_collector_free(struct nt_collector *c);

/* Ring buffer callback (libbpf ring_buffer__new sample_cb signature). */
int nt_collector_on_event(void *ctx, void *data, size_t size);

/* Reports flows whose close linger has passed. Cheap: call often. */
void nt_collector_closing(struct nt_collector *c, uint64_t now);

/* Walks the whole kernel table: idle and closed flows are reported and
 * removed, live flows past the active timeout get a periodic report. */
void nt_collector_scan(struct nt_collector *c, uint64_t now);

/* Reports and removes every flow: closed ones as tcp_close, idle ones as
 * idle, the rest as `reason` (shutdown). */
void nt_collector_flush(struct nt_collector *c, uint64_t now, enum nt_end_reason reason);

const struct nt_collector_stats *nt_collector_stats(const struct nt_collector *c);

#endif
