/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - every threshold, window and allow-list of nettrail-detect.
 *
 * dt_config_defaults() fills in the documented defaults (docs/detections.md
 * gives each one's anchor: Zeek scan.zeek, ncsa/bro-simple-scan, RITA).
 * dt_config_load() reads a key=value file over them; dt_config_set() sets one
 * key (the file loader and the tests use it). Neither exits: both return -1
 * and write a message into err on a bad key or value.
 *
 * File format: one `key = value` per line, `#` starts a comment, blank lines
 * are ignored. Durations take an optional unit (`300`, `300s`, `5m`, `1h`,
 * `1d`); lists are comma-separated (`kube-system, monitoring`).
 */
#ifndef DT_CONFIG_H
#define DT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

#define DT_LIST_MAX 64

struct dt_cidrs {
	struct nt_cidr v[DT_LIST_MAX]; /* user/cidr.h */
	int n;
};

/* A list of short strings (namespaces, protocols, domains, directions). */
struct dt_strs {
	char *v[DT_LIST_MAX];
	int n;
};

struct dt_scan_cfg {
	int port_threshold; /* distinct ports on one host */
	int64_t port_window_us;
	int64_t port_suppress_us;
	int addr_threshold_remote; /* distinct hosts on one port, remote scanner */
	int addr_threshold_local;  /* ... scanner inside the cluster or local_networks */
	int64_t addr_window_us;
	int64_t addr_suppress_us;
	struct dt_cidrs allow_sources;	 /* never scanners (vulnerability scanners...) */
	struct dt_strs allow_namespaces; /* source namespaces never scanners */
	struct dt_cidrs local_networks;	 /* scanners counted as local besides pods */
};

struct dt_watch_cfg {
	struct dt_strs protocols;	 /* remote_access: ssh, rdp, vnc */
	struct dt_strs allow_namespaces; /* either end in one of them: no alert */
	bool include_nodes;		 /* a Node-only identity counts as a pod end */
	int64_t suppress_us;
};

struct dt_long_cfg {
	int64_t min_duration_us;
	struct dt_strs directions; /* network.direction values considered */
	struct dt_strs allow_namespaces;
	int64_t suppress_us;
};

struct dt_beacon_cfg {
	int min_connections;
	double threshold;
	int64_t window_us; /* the analysis window (RITA: 24 h) */
	int64_t suppress_us;
	int64_t eval_interval_us; /* least event time between two scorings of one pair */
	int max_connections;	  /* per pair kept in the window (RITA: 86400) */
	struct dt_strs directions;
	struct dt_strs allow_namespaces; /* source namespaces */
	struct dt_strs allow_domains;	 /* exact name, or ".suffix" */
	double ts_weight, ds_weight, dur_weight, hist_weight;
	double hist_mode_sensitivity;
	int hist_bimodal_outlier_removal;
	int hist_bimodal_min_hours;
	int hist_bins;
	int dur_min_hours;
	int dur_ideal_hours;
};

struct dt_dns_tunnel_cfg {
	int unique_subdomains;	     /* RITA: unique subdomains of one registered domain */
	int suspicious_subdomains;   /* unique ones with a long or high-entropy label */
	int long_label;		     /* characters in one label */
	int entropy_min_length;	     /* subdomain characters before entropy counts */
	double entropy;		     /* Shannon bits per character of the subdomain */
	struct dt_strs tunnel_types; /* TXT, NULL, PRIVATE (TYPE65280..65534) */
	int tunnel_type_min;	     /* queries of those types ... */
	double tunnel_type_ratio;    /* ... and their share of the key's queries */
	int max_subdomains;	     /* unique subdomains kept per key */
	int64_t window_us;	     /* tumbling, from the key's first query */
	int64_t suppress_us;
	struct dt_strs allow_domains;	 /* registered domains: "name" or ".suffix" */
	struct dt_strs allow_namespaces; /* client namespaces */
};

struct dt_newdest_cfg {
	int64_t learning_us;  /* from a workload's first record: destinations learnt */
	int64_t retention_us; /* a destination not seen this long is forgotten */
	int max_destinations; /* per workload */
	int max_prevalence;   /* 0: off; else skip a destination that many workloads reach */
	struct dt_strs directions;
	struct dt_strs allow_namespaces;
	struct dt_strs allow_domains;
	bool include_nodes;
};

struct dt_egress_cfg {
	int64_t bucket_us;    /* bytes are summed per bucket of event time */
	int min_buckets;      /* buckets of history before it can fire */
	int history;	      /* buckets the baseline averages */
	double factor;	      /* the bucket's bytes over the baseline's mean */
	size_t min_bytes;     /* and at least this much */
	int64_t retention_us; /* a workload with no bytes out this long is forgotten */
	struct dt_strs directions;
	struct dt_strs allow_namespaces;
	bool include_nodes;
	int64_t suppress_us;
};

struct dt_blind_cfg {
	int missed_intervals;		     /* heartbeats missed before silence is an alert */
	bool interfaces;		     /* an attached interface disappearing */
	bool attach_errors;		     /* attach_errors rising */
	struct dt_strs loss_counters;	     /* counters whose rise is an alert */
	struct dt_strs ephemeral_interfaces; /* name prefixes whose loss is pod churn */
	int idle_intervals; /* heartbeats with no new packet on attached interfaces; 0: off */
	int max_nodes;
	int64_t suppress_us;
};

struct dt_config {
	size_t memory_cap_bytes;
	int max_evidence; /* record ids per alert, at most 20 */
	struct dt_scan_cfg scan;
	struct dt_watch_cfg remote_access;
	struct dt_watch_cfg crypto;
	struct dt_long_cfg longconn;
	struct dt_beacon_cfg beacon;
	struct dt_dns_tunnel_cfg dns_tunnel;
	struct dt_newdest_cfg newdest;
	struct dt_egress_cfg egress;
	struct dt_blind_cfg blind;
};

void dt_config_defaults(struct dt_config *c);
void dt_config_free(struct dt_config *c);
int dt_config_set(struct dt_config *c, const char *key, const char *value, char *err,
		  size_t errlen);
int dt_config_load(struct dt_config *c, const char *path, char *err, size_t errlen);
/* The i-th configuration key's name, NULL past the last (tests, docs). */
const char *dt_config_key(size_t i);
/* Cross-field checks (beacon weights sum to 1...), after loading. */
int dt_config_check(const struct dt_config *c, char *err, size_t errlen);

/* Parsing helpers, exposed for the tests. */
int dt_parse_duration_us(const char *s, int64_t *out);
bool dt_cidrs_match(const struct dt_cidrs *l, const char *ip);
bool dt_strs_has(const struct dt_strs *l, const char *s);
bool dt_domain_allowed(const struct dt_strs *l, const char *name);

#endif
