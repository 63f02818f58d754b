/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * k8s.h - Kubernetes metadata client: list+watch of pods, services, nodes,
 * namespaces, replicasets.apps and jobs.batch, kept as an IP -> identity
 * index whose values are pre-rendered JSON for ECS `source.kubernetes` /
 * `destination.kubernetes`. See docs/kubernetes.md.
 *
 * Threads: nt_k8s_start() spawns ONE background thread that drives every
 * list and watch with curl_multi. It takes the write lock only while
 * applying a batch of already-parsed events, never during network I/O.
 * Readers (the record path) take the read lock once per batch of records
 * and may use every pointer nt_k8s_lookup()/nt_k8s_pod_by_uid() return
 * until they release it.
 */
#ifndef NETTRAIL_K8S_H
#define NETTRAIL_K8S_H

#include <stddef.h>
#include <stdint.h>

#include "k8s_config.h" /* the options' sources: in-cluster, kubeconfig */

struct nt_k8s;

struct nt_k8s_opts {
	const char *api_url; /* https://host:port (no trailing path) */
	const char *
		token_file; /* bearer token, re-read when it changes (mtime/size/inode) and on 401 */
	const char *ca_file;	       /* TLS verification always on */
	int ca_is_temp, token_is_temp; /* made by nt_k8s_load_kubeconfig from inline
	                                * data: 0600 files in $TMPDIR, the caller
	                                * unlinks them (nt_k8s_opts_drop_temps) */
	const char *node_name;	  /* this node (informational; see docs for node-local scope) */
	unsigned timeout_s;	  /* connect timeout and list stall timeout (default 10) */
	unsigned delete_grace_s;  /* a deleted pod's IP keeps its identity this long (default 60) */
	unsigned watch_idle_s;	  /* a watch with no byte (event or bookmark) for this long is
	                          * reconnected (default 120: twice the API server's ~60 s
	                          * bookmark period) */
	unsigned watch_timeout_s; /* timeoutSeconds asked of the server per watch (default 300) */
	unsigned
		forbidden_retry_s; /* a resource answered 403 (RBAC) is retried this often (default 60) */
};

struct nt_k8s_stats {
	uint64_t lists;	       /* complete lists (all pages) of a resource */
	uint64_t watches;      /* watch streams opened (HTTP 200) */
	uint64_t watch_events; /* ADDED, MODIFIED, DELETED events applied */
	uint64_t relists_410;  /* 410 Gone (ERROR event, HTTP 410, expired continue) -> relist */
	uint64_t
		reconnects; /* watches that ended (any way but 410) and were re-opened from their RV */
	uint64_t auth_errors; /* HTTP 401 answers */
	uint64_t errors;      /* other failed requests: transport, HTTP status, bad JSON, stalls */
	uint64_t pods, services, nodes, ip_entries; /* current */
	int synced;	    /* every resource's initial list is done (or it is forbidden) */
	uint64_t forbidden; /* HTTP 403 answers (RBAC): the resource is skipped, retried every
	                        * forbidden_retry_s */
	unsigned
		forbidden_mask; /* resources forbidden now: bit (1u << enum nt_k8s_res), k8s_ident.h */
};

struct nt_k8s_endpoint {
	enum { NT_K8S_POD = 1, NT_K8S_SERVICE, NT_K8S_NODE } kind;
	/* pods: spec.hostNetwork. A host-network pod never claims an IP: its
	 * address is its node's and resolves to the Node (kind NT_K8S_NODE);
	 * only nt_k8s_pod_by_uid() returns such a pod. */
	int host_network;
	const char *json; /* the rendered object for `<end>.kubernetes` (NUL-terminated;
	                          * json_len bytes without the NUL) */
	size_t json_len;
	const char *namespace_, *pod_name,
		*pod_uid; /* may be NULL (services: pod_* NULL; nodes: all NULL) */
	/* pods: metadata.labels in their order, nlabels "key\0value\0" pairs
	 * (services and nodes: NULL, 0); valid under the same read lock */
	const char *labels;
	uint16_t nlabels;
};

/*
 * nt_k8s_start - check the options (CA and token files readable, URL
 * https://...) and start the watcher thread. Returns NULL with a one-line
 * reason in err only for bad options; an unreachable API server is not an
 * error (it is retried with exponential backoff and jitter, 0.5 s to 30 s).
 * Answers that say more: 401 -> the token file is re-read at once and the
 * request retried at once if the token changed, else after ~1 s; 403 -> the
 * resource is logged as forbidden (with the missing RBAC rule), counts as
 * synced and is retried every forbidden_retry_s; 429/503 with Retry-After
 * (seconds) -> retried after that long (capped at 60 s).
 */
struct nt_k8s *nt_k8s_start(const struct nt_k8s_opts *o, char *err, size_t errlen);

/* The read lock, taken once per batch of records by the main thread. */
void nt_k8s_read_lock(struct nt_k8s *k);
void nt_k8s_read_unlock(struct nt_k8s *k);

/*
 * nt_k8s_lookup - under the read lock: the endpoint for an IP (16 bytes,
 * IPv6 or IPv4-mapped ::ffff:a.b.c.d), or NULL. One hash lookup (two when
 * the address is not a pod's or service's: then the node table). now_s is
 * CLOCK_MONOTONIC seconds: a released pod IP resolves until its grace ends.
 */
const struct nt_k8s_endpoint *nt_k8s_lookup(struct nt_k8s *k, const uint8_t ip[16], uint64_t now_s);

/* nt_k8s_pod_by_uid - under the read lock: the pod with metadata.uid uid
 * (deleted pods until their grace is collected), or NULL. */
const struct nt_k8s_endpoint *nt_k8s_pod_by_uid(struct nt_k8s *k, const char *uid);

typedef void (*nt_k8s_pod_fn)(void *ctx, const struct nt_k8s_endpoint *ep, const uint8_t (*ips)[16],
			      unsigned nips, const char *node);

/* nt_k8s_each_pod - under the read lock: every live pod, its addresses and
 * node (nt_k8s_store_each_pod, k8s_ident.h). */
void nt_k8s_each_pod(struct nt_k8s *k, nt_k8s_pod_fn fn, void *ctx);

void nt_k8s_stats(struct nt_k8s *k, struct nt_k8s_stats *out);

/* nt_k8s_stop - stop the thread (promptly: it is woken), free everything. NULL is fine. */
void nt_k8s_stop(struct nt_k8s *k);

/* A metadata source with no client: lookups answer from a store filled by
 * the caller (benchmarks, tests, offline tools). It owns the store and is
 * freed by nt_k8s_stop(). */
struct nt_k8s_store;
struct nt_k8s *nt_k8s_from_store(struct nt_k8s_store *store);

#endif /* NETTRAIL_K8S_H */
