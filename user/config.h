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

enum nt_output_kind { NT_OUT_STDOUT = 0, NT_OUT_FILE, NT_OUT_KAFKA };

#define NT_MAX_KAFKA_PROPS 64

struct nt_config {
	char *interfaces;        /* comma-separated names or fnmatch globs; NULL: all up, non-loopback */
	char *pcap;              /* offline mode when set */
	enum nt_output_kind output;
	char *output_path;       /* NT_OUT_FILE */
	uint32_t idle_timeout;   /* s */
	uint32_t active_timeout; /* s, 0 disables periodic reports */
	uint32_t heartbeat;      /* s, 0 disables heartbeats */
	uint32_t duration;       /* s, 0: run until a signal */
	uint32_t max_flows;      /* kernel flow table entries */
	uint32_t overflow_rate;  /* overflow events per second per CPU */
	uint32_t sample_pkts;    /* payload packets per flow direction sent up */
	uint16_t dns_ports[4];   /* DNS ports (0 ends the list) */
	uint32_t dns_cache_entries; /* address -> name cache cap */
	char *kafka_brokers;     /* host:port,... */
	char *kafka_topic_prefix; /* topics are prefix + flow|dns|heartbeat */
	char *kafka_config;      /* file of librdkafka key=value lines */
	char *kafka_props[NT_MAX_KAFKA_PROPS]; /* --kafka-prop key=value */
	size_t n_kafka_props;
	char *metrics_addr;      /* HOST:PORT for /metrics, /healthz, /readyz */
	char *cluster_name;
	char *node_name;         /* default: gethostname() */
	int show_version;
	int show_help;
};

/* Fills *cfg with the embedded defaults. */
void nt_config_defaults(struct nt_config *cfg);

/*
 * Parses NETTRAIL_* variables from envp (may be NULL) and then argv.
 * Returns 0, or -1 with a one-line message (no trailing newline) in err.
 * Strings in cfg are heap copies; free them with nt_config_free.
 */
int nt_config_parse(struct nt_config *cfg, int argc, char **argv,
		    char **envp, char *err, size_t errlen);

void nt_config_free(struct nt_config *cfg);

/* Writes the --help text to the stream. */
void nt_config_usage(void *stream);

#endif
