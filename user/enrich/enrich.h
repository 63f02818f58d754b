/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enrich.h - who each end of a record is: Kubernetes identity (k8s.h),
 * the local socket's process and container (sockattr.h, cgroupmap.h),
 * and the flow's direction relative to the cluster.
 *
 * Every lookup is an O(1) hash probe into tables other threads keep up to
 * date; nothing here calls the API server or the kernel per record. The
 * Kubernetes read lock is taken once per batch (nt_enrich_begin/end around
 * one main-loop tick), not per record.
 */
#ifndef NT_ENRICH_H
#define NT_ENRICH_H

#include <stdint.h>

#include "config.h"
#include "nettrail.h"

struct nt_k8s;
struct nt_k8s_endpoint;
struct nt_sockattr;
struct nt_cgroupmap;

struct nt_enrich_stats {
	uint64_t k8s_unresolved;       /* in-cluster addresses with no identity */
	uint64_t k8s_unsynced_records; /* records made before the first full
					  sync (or with the API down) */
};

/* The local end of a flow, as the cgroup hooks saw it. */
struct nt_local_end {
	int side;	   /* key side, -1: no local socket known */
	uint32_t pid, uid; /* valid when has_proc */
	int has_proc;
	char comm[16];
	const char *container_id;	   /* NULL: not in a container */
	const struct nt_k8s_endpoint *pod; /* from the cgroup's pod uid */
};

struct nt_enrich {
	struct nt_k8s *k8s;	/* NULL: no Kubernetes metadata */
	struct nt_sockattr *sa; /* NULL: no process attribution */
	struct nt_cgroupmap *cg;
	const struct nt_cidr *cluster, *service;
	size_t n_cluster, n_service;
	int cluster_mode; /* k8s on, or CIDRs given */
	int locked, synced;
	uint64_t now_ns;
	struct nt_enrich_stats st;
	/* tests and offline tools: the local ends from here instead of sa */
	int (*local_fn)(void *ctx, const struct nt_flow_key *k, int src_side,
			struct nt_local_end out[2]);
	void *local_ctx;
};

void nt_enrich_init(struct nt_enrich *e, const struct nt_config *cfg);

/* Around one batch of records. */
void nt_enrich_begin(struct nt_enrich *e, uint64_t now_mono_ns);
void nt_enrich_end(struct nt_enrich *e);

/* The Kubernetes identity of an address (16 bytes, IPv4-mapped), or NULL. */
const struct nt_k8s_endpoint *nt_enrich_k8s(struct nt_enrich *e, const uint8_t addr[16]);

/* internal, outbound, inbound or external (ECS network.direction). */
const char *nt_enrich_direction(struct nt_enrich *e, int ip_version, const uint8_t src[16],
				const uint8_t dst[16], const struct nt_k8s_endpoint *ksrc,
				const struct nt_k8s_endpoint *kdst);

/* The local ends of a flow: out[0] the preferred one (the initiator when
 * both ends are local sockets, as between two pods of one node), out[1]
 * the other. Returns how many are known (0, 1 or 2); side is -1 in the
 * ones that are not. */
int nt_enrich_local(struct nt_enrich *e, const struct nt_flow_key *k, int src_side,
		    struct nt_local_end out[2]);

/* After a flow's final report. */
void nt_enrich_forget(struct nt_enrich *e, const struct nt_flow_key *k);

#endif
