/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * k8s_ident.h - the identity store behind k8s.c: Kubernetes objects in,
 * IP -> rendered identity out. No I/O and no locking: k8s.c calls the
 * mutators under its write lock and the lookups under the read lock; the
 * unit tests call them directly.
 */
#ifndef NETTRAIL_K8S_IDENT_H
#define NETTRAIL_K8S_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "k8s.h"

struct json_object;
struct nt_k8s_store;

enum nt_k8s_res {
	NT_K8S_R_NAMESPACES,
	NT_K8S_R_NODES,
	NT_K8S_R_REPLICASETS,
	NT_K8S_R_JOBS,
	NT_K8S_R_SERVICES,
	NT_K8S_R_PODS,
	NT_K8S_R_COUNT
};

enum nt_k8s_ev { NT_K8S_EV_ADDED = 1, NT_K8S_EV_MODIFIED, NT_K8S_EV_DELETED };

/* "pods", "services", ... */
const char *nt_k8s_res_name(enum nt_k8s_res r);

struct nt_k8s_store *nt_k8s_store_new(unsigned delete_grace_s);
void nt_k8s_store_free(struct nt_k8s_store *s);

/*
 * nt_k8s_store_apply - one object of resource r (a list item or a watch
 * event's object). ADDED and MODIFIED are both upserts; DELETED removes by
 * namespace/name. now_s (CLOCK_MONOTONIC seconds) starts released IPs'
 * grace. Returns 0, or -1 when the object lacks metadata.name (ignored).
 */
int nt_k8s_store_apply(struct nt_k8s_store *s, enum nt_k8s_res r, enum nt_k8s_ev ev,
		       struct json_object *obj, uint64_t now_s);

/* nt_k8s_store_apply_json - the same from JSON text (tests, tools). */
int nt_k8s_store_apply_json(struct nt_k8s_store *s, enum nt_k8s_res r, enum nt_k8s_ev ev,
			    const char *json, uint64_t now_s);

/*
 * Relist by mark and sweep: nt_k8s_store_mark() before the first page of a
 * list of r, nt_k8s_store_apply() every item, nt_k8s_store_sweep() after
 * the last page: objects of r that the list did not carry are deleted (as
 * by a DELETED event); everything still present keeps its identity.
 */
void nt_k8s_store_mark(struct nt_k8s_store *s, enum nt_k8s_res r);
void nt_k8s_store_sweep(struct nt_k8s_store *s, enum nt_k8s_res r, uint64_t now_s);

/*
 * nt_k8s_store_flush - end of a batch: re-render every pod whose workload
 * or service changed during it, free deleted pods whose grace is over.
 * Call after every batch of applies (before readers look again).
 */
void nt_k8s_store_flush(struct nt_k8s_store *s, uint64_t now_s);

const struct nt_k8s_endpoint *nt_k8s_store_lookup(const struct nt_k8s_store *s,
						  const uint8_t ip[16], uint64_t now_s);
const struct nt_k8s_endpoint *nt_k8s_store_pod_by_uid(const struct nt_k8s_store *s,
						      const char *uid);

/* Lookup by text address ("10.0.0.1", "fd00::1"); NULL for a bad address. */
const struct nt_k8s_endpoint *nt_k8s_store_lookup_str(const struct nt_k8s_store *s, const char *ip,
						      uint64_t now_s);

struct nt_k8s_store_counts {
	uint64_t pods, services, nodes, namespaces, replicasets, jobs, ip_entries, dead_pods;
};
void nt_k8s_store_counts(const struct nt_k8s_store *s, struct nt_k8s_store_counts *c);

/* Every live pod (deleted ones left out), with its addresses and node:
 * what capture selectors (user/capture/) resolve against. */
void nt_k8s_store_each_pod(const struct nt_k8s_store *s, nt_k8s_pod_fn fn, void *ctx);

/* Text address -> 16 bytes (IPv4 mapped). Returns 0, or -1. */
int nt_k8s_parse_ip(const char *text, uint8_t out[16]);

#endif /* NETTRAIL_K8S_IDENT_H */
