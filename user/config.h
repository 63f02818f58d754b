/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - command line and NETTRAIL_* environment configuration.
 *
 * Every flag has an environment twin: --idle-timeout is NETTRAIL_IDLE_TIMEOUT.
 * The environment is read first, flags override it. Parsing never exits:
 * it returns an error message so callers (and tests) decide what to do.
 */
#ifndef NT_CONFIG_H
#define NT_CONFIG_H

#include <stdint.h>
#include <stddef.h>

#include "cidr.h" /* struct nt_cidr: --cluster-cidr, --service-cidr */

enum nt_output_kind { NT_OUT_STDOUT = 0, NT_OUT_FILE, NT_OUT_KAFKA };

#define NT_MAX_KAFKA_PROPS 64
#define NT_MAX_CIDRS	   32

enum nt_spool_policy { NT_SPOOL_DROP_OLDEST = 0, NT_SPOOL_DROP_NEWEST };
enum nt_k8s_mode { NT_K8S_AUTO = 0, NT_K8S_ON, NT_K8S_OFF };
/* --record-format: the words' order; as a bit mask, value + 1 */
enum nt_record_format { NT_FMT_ECS = 0, NT_FMT_OCSF, NT_FMT_ECS_OCSF };
#define NT_FMT_HAS_ECS(f)  ((((f) + 1) & 1) != 0)
#define NT_FMT_HAS_OCSF(f) ((((f) + 1) & 2) != 0)
/* --ocsf-version: 0 when not given (the encoder's default, 1.1.0) */
enum nt_ocsf_version { NT_OCSF_DEFAULT = 0, NT_OCSF_1_1_0, NT_OCSF_1_8_0 };

struct nt_config {
	char *interfaces; /* comma-separated names or fnmatch globs; NULL: all up, non-loopback */
	char *pcap;	  /* offline mode when set */
	enum nt_output_kind output;
	char *output_path;		       /* NT_OUT_FILE */
	enum nt_record_format record_format;   /* ECS, OCSF or both */
	enum nt_ocsf_version ocsf_version;     /* OCSF schema version */
	uint32_t idle_timeout;		       /* s */
	uint32_t active_timeout;	       /* s, 0 disables periodic reports */
	uint32_t heartbeat;		       /* s, 0 disables heartbeats */
	uint32_t duration;		       /* s, 0: run until a signal */
	uint32_t max_flows;		       /* kernel flow table entries */
	uint32_t overflow_rate;		       /* overflow events per second per CPU */
	uint32_t sample_pkts;		       /* payload packets per flow direction sent up */
	uint32_t tls_cert_max_bytes;	       /* TLS certificate sampling cap per direction */
	uint16_t dns_ports[4];		       /* DNS ports (0 ends the list) */
	uint32_t dns_cache_entries;	       /* address -> name cache cap */
	char *kafka_brokers;		       /* host:port,... */
	char *kafka_topic_prefix;	       /* topics are prefix + flow|dns|heartbeat */
	char *kafka_config;		       /* file of librdkafka key=value lines */
	char *kafka_props[NT_MAX_KAFKA_PROPS]; /* --kafka-prop key=value */
	size_t n_kafka_props;
	char *kafka_topic[5];	      /* per-type topic overrides: flow, dns, heartbeat,
				 OCSF network activity, OCSF DNS activity
				 (enum nt_record_type's order) */
	uint32_t kafka_flush_timeout; /* s: at exit, wait this long for acks, then spool */
	char *spool_dir;	      /* on-disk spool for records Kafka cannot take now */
	uint64_t spool_max_bytes;
	enum nt_spool_policy spool_policy;
	uint32_t spool_fsync_ms; /* fsync the open segment at most this often (0: every append) */
	char *metrics_addr;	 /* HOST:PORT for /metrics, /healthz, /readyz */
	enum nt_k8s_mode k8s;
	char *k8s_api, *k8s_token_file, *k8s_ca, *kubeconfig;
	uint32_t k8s_timeout; /* s, per API call (connect, list) */
	struct nt_cidr cluster_cidrs[NT_MAX_CIDRS];
	size_t n_cluster_cidrs;
	struct nt_cidr service_cidrs[NT_MAX_CIDRS];
	size_t n_service_cidrs;
	char *cgroup_root;	 /* cgroup v2 mount; default: from /proc/mounts */
	int process_attribution; /* cgroup hooks for pid/comm/uid/container (default on) */
	char *cloud_provider, *cloud_region, *cloud_account;
	char *cluster_name;
	char *node_name;		   /* default: gethostname() */
	int log_level;			   /* enum nt_log_level (log.h), default warn */
	int nat_link;			   /* 0: link translated halves through conntrack, 1: off */
	int attach_mode;		   /* enum nt_attach_mode: 0 auto, 1 tcx, 2 tc */
	int capture;			   /* on-demand capture: 1 on (default), 0 off */
	char *control_socket;		   /* the capture client's socket */
	struct nt_faults {		   /* --fault: failures injected by tests */
		uint64_t kafka_fatal_at;   /* raise a fatal error at the Nth produce */
		uint32_t kafka_reset_fail; /* the first N producer re-creations fail */
		uint32_t kafka_keep_fail;  /* the first N failed deliveries kept for
					      re-sending find no memory */
	} fault;
	int show_version;
	int list_metrics; /* --list-metrics: print the counter registry */
	int check_config;
	int show_help;
};

/* Fills *cfg with the embedded defaults. */
void nt_config_defaults(struct nt_config *cfg);

/*
 * Parses NETTRAIL_* variables from envp (may be NULL) and then argv.
 * Returns 0, or -1 with a one-line message (no trailing newline) in err.
 * Strings in cfg are heap copies; free them with nt_config_free.
 */
int nt_config_parse(struct nt_config *cfg, int argc, char **argv, char **envp, char *err,
		    size_t errlen);

void nt_config_free(struct nt_config *cfg);

/* Writes the effective configuration (--check-config), one key a line. */
void nt_config_print(const struct nt_config *cfg, void *stream);

/* --check-config's second half: files exist and are readable, the spool
 * directory is writable (or creatable), the metrics address parses. */
int nt_config_check_files(const struct nt_config *cfg, char *err, size_t errlen);

/* Writes the --help text to the stream. */
void nt_config_usage(void *stream);

/*
 * One row of the option table, as --help shows it. Every flag, its
 * NETTRAIL_ twin, its default, --help and --check-config come from the
 * table in config.c; this is its read-only face (tests, documentation).
 */
struct nt_option {
	const char *name;    /* long name; the variable is NETTRAIL_ + NAME */
	char short_name;     /* 'i' for -i, or 0 */
	const char *metavar; /* NULL: a command such as --help, no value */
	const char *def;     /* the default as written after the flag, or NULL */
	const char *help;
};

/* The i-th row (0, 1, ...), NULL past the last. nt_config_print writes a
 * name=value line for every row but the commands (no metavar): a repeatable
 * option one line a value, --fault only when a fault is set. */
const struct nt_option *nt_config_option(size_t i);

#endif
