// SPDX-License-Identifier: BSD-2-Clause
/* config.c - flags and NETTRAIL_* environment variables. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_IDLE = 1000, OPT_ACTIVE, OPT_HEARTBEAT, OPT_DURATION, OPT_MAXFLOWS,
	OPT_CLUSTER, OPT_NODE, OPT_VERSION, OPT_OVERFLOW, OPT_SAMPLES,
	OPT_DNSPORTS, OPT_DNSCACHE, OPT_KBROKERS, OPT_KPREFIX, OPT_KPROP,
	OPT_KCONFIG, OPT_METRICS,
};

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "pcap", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "active-timeout", required_argument, NULL, OPT_ACTIVE },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-flows", required_argument, NULL, OPT_MAXFLOWS },
	{ "overflow-rate", required_argument, NULL, OPT_OVERFLOW },
	{ "sample-packets", required_argument, NULL, OPT_SAMPLES },
	{ "dns-ports", required_argument, NULL, OPT_DNSPORTS },
	{ "dns-cache-entries", required_argument, NULL, OPT_DNSCACHE },
	{ "kafka-brokers", required_argument, NULL, OPT_KBROKERS },
	{ "kafka-topic-prefix", required_argument, NULL, OPT_KPREFIX },
	{ "kafka-prop", required_argument, NULL, OPT_KPROP },
	{ "kafka-config", required_argument, NULL, OPT_KCONFIG },
	{ "metrics-addr", required_argument, NULL, OPT_METRICS },
	{ "cluster-name", required_argument, NULL, OPT_CLUSTER },
	{ "node-name", required_argument, NULL, OPT_NODE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void nt_config_defaults(struct nt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->output = NT_OUT_STDOUT;
	cfg->idle_timeout = 15;
	cfg->active_timeout = 60;
	cfg->heartbeat = 30;
	cfg->max_flows = 65536;
	cfg->overflow_rate = 2000;
	cfg->sample_pkts = 4;
	cfg->dns_ports[0] = 53;
	cfg->dns_cache_entries = 100000;
}

void nt_config_free(struct nt_config *cfg)
{
	free(cfg->interfaces);
	free(cfg->pcap);
	free(cfg->output_path);
	free(cfg->cluster_name);
	free(cfg->kafka_brokers);
	free(cfg->kafka_topic_prefix);
	free(cfg->kafka_config);
	free(cfg->metrics_addr);
	for (size_t i = 0; i < cfg->n_kafka_props; i++)
		free(cfg->kafka_props[i]);
	free(cfg->node_name);
	memset(cfg, 0, sizeof(*cfg));
}

void nt_config_usage(void *stream)
{
	fputs(
"Usage: nettrail [OPTIONS]\n"
"Aggregates the node's traffic into bidirectional flow records (JSON lines).\n"
"\n"
"  -i, --interface LIST     interfaces to attach to: comma-separated names or\n"
"                           globs (veth*); default: every interface that is up,\n"
"                           except loopback. New matching interfaces are attached\n"
"                           as they appear.\n"
"  -r, --pcap FILE          offline: run the datapath over a pcap/pcapng capture\n"
"  -o, --output SINK        stdout (default), file:PATH or kafka\n"
"      --kafka-brokers LIST host:port,... (with --output kafka)\n"
"      --kafka-topic-prefix P  topics P+flow, P+dns, P+heartbeat\n"
"                           (default nettrail.)\n"
"      --kafka-prop K=V     any librdkafka property (repeatable): TLS,\n"
"                           SASL, tuning\n"
"      --kafka-config FILE  librdkafka properties, one K=V per line\n"
"      --idle-timeout SEC   report a flow after SEC idle seconds (default 15)\n"
"      --active-timeout SEC report live flows every SEC seconds (default 60;\n"
"                           0 disables periodic reports)\n"
"      --heartbeat SEC      heartbeat record every SEC seconds (default 30;\n"
"                           0 disables)\n"
"      --duration SEC       run SEC seconds, report every flow, exit 0\n"
"      --max-flows N        kernel flow table size (default 65536)\n"
"      --overflow-rate N    table-full events per second per CPU (default 2000)\n"
"      --sample-packets N   first payload packets of each flow direction handed\n"
"                           to userspace for TLS and protocol detection\n"
"                           (default 4, 0 to 32)\n"
"      --dns-ports LIST     DNS ports, up to 4, comma-separated (default 53)\n"
"      --dns-cache-entries N  address-to-name cache size (default 100000,\n"
"                           about 150 bytes each)\n"
"      --metrics-addr ADDR  serve /metrics (Prometheus), /healthz, /readyz on\n"
"                           HOST:PORT, e.g. 127.0.0.1:9464 (default off)\n"
"      --cluster-name NAME  orchestrator.cluster.name in every record\n"
"      --node-name NAME     observer.hostname (default: the host name)\n"
"      --version            print the version and exit\n"
"  -h, --help               this text\n"
"\n"
"Every option can also be set by an environment variable: NETTRAIL_ and the\n"
"option name in capitals with '-' as '_' (NETTRAIL_IDLE_TIMEOUT=30).\n"
"Flags override the environment. Exit codes: 0 ok, 1 runtime error, 2 usage.\n",
	      (FILE *)stream);
}

static int set_str(char **dst, const char *val)
{
	char *c = strdup(val);

	if (!c)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int parse_u32(const char *name, const char *val, uint32_t min,
		     uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!val[0] || !isdigit((unsigned char)val[0]))
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	snprintf(err, errlen, "--%s: '%s' is not a whole number from %u to %u",
		 name, val, min, max);
	return -1;
}

static int parse_output(struct nt_config *cfg, const char *val, char *err,
			size_t errlen)
{
	if (!strcmp(val, "stdout")) {
		cfg->output = NT_OUT_STDOUT;
		return 0;
	}
	if (!strcmp(val, "kafka")) {
		cfg->output = NT_OUT_KAFKA;
		return 0;
	}
	if (!strncmp(val, "file:", 5) && val[5]) {
		cfg->output = NT_OUT_FILE;
		return set_str(&cfg->output_path, val + 5);
	}
	snprintf(err, errlen,
		 "--output: '%s' is not a sink (stdout, file:PATH or kafka)", val);
	return -1;
}

/* "53,5353": up to four ports, 1 to 65535. */
static int parse_ports(struct nt_config *cfg, const char *val, char *err,
		       size_t errlen)
{
	uint16_t ports[4] = { 0 };
	const char *p = val;
	int n = 0;

	while (*p) {
		char *end;
		unsigned long v;

		errno = 0;
		v = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : 0;
		if (!v || v > 65535 || errno || (*end && *end != ',') ||
		    n == 4) {
			snprintf(err, errlen, "--dns-ports: '%s' is not a list "
				 "of up to 4 ports (1-65535)", val);
			return -1;
		}
		ports[n++] = (uint16_t)v;
		p = *end ? end + 1 : end;
	}
	if (!n) {
		snprintf(err, errlen, "--dns-ports: empty list");
		return -1;
	}
	memcpy(cfg->dns_ports, ports, sizeof(ports));
	return 0;
}

static int check_name(const char *opt, const char *val, char *err,
		      size_t errlen)
{
	size_t n = strlen(val);

	if (n == 0 || n > 253) {
		snprintf(err, errlen, "--%s: must be 1 to 253 characters", opt);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
			snprintf(err, errlen,
				 "--%s: control characters are not allowed",
				 opt);
			return -1;
		}
	}
	return 0;
}

/* Applies one option (from a flag or the environment). */
static int apply(struct nt_config *cfg, int opt, const char *val, char *err,
		 size_t errlen)
{
	switch (opt) {
	case 'i':
		if (!val[0]) {
			snprintf(err, errlen, "--interface: empty list");
			return -1;
		}
		return set_str(&cfg->interfaces, val);
	case 'r':
		return set_str(&cfg->pcap, val);
	case 'o':
		return parse_output(cfg, val, err, errlen);
	case OPT_IDLE:
		return parse_u32("idle-timeout", val, 1, 86400,
				 &cfg->idle_timeout, err, errlen);
	case OPT_ACTIVE:
		return parse_u32("active-timeout", val, 0, 86400,
				 &cfg->active_timeout, err, errlen);
	case OPT_HEARTBEAT:
		return parse_u32("heartbeat", val, 0, 86400, &cfg->heartbeat,
				 err, errlen);
	case OPT_DURATION:
		return parse_u32("duration", val, 1, 31536000, &cfg->duration,
				 err, errlen);
	case OPT_MAXFLOWS:
		return parse_u32("max-flows", val, 16, 16777216,
				 &cfg->max_flows, err, errlen);
	case OPT_OVERFLOW:
		return parse_u32("overflow-rate", val, 0, 10000000,
				 &cfg->overflow_rate, err, errlen);
	case OPT_SAMPLES:
		return parse_u32("sample-packets", val, 0, 32,
				 &cfg->sample_pkts, err, errlen);
	case OPT_DNSPORTS:
		return parse_ports(cfg, val, err, errlen);
	case OPT_DNSCACHE:
		return parse_u32("dns-cache-entries", val, 16, 10000000,
				 &cfg->dns_cache_entries, err, errlen);
	case OPT_KBROKERS:
		return set_str(&cfg->kafka_brokers, val);
	case OPT_KPREFIX:
		return set_str(&cfg->kafka_topic_prefix, val);
	case OPT_KCONFIG:
		return set_str(&cfg->kafka_config, val);
	case OPT_METRICS:
		return set_str(&cfg->metrics_addr, val);
	case OPT_KPROP:
		if (cfg->n_kafka_props == NT_MAX_KAFKA_PROPS || !strchr(val, '=')) {
			snprintf(err, errlen, "--kafka-prop: '%s' is not key=value "
				 "(at most %d)", val, NT_MAX_KAFKA_PROPS);
			return -1;
		}
		cfg->kafka_props[cfg->n_kafka_props] = strdup(val);
		if (!cfg->kafka_props[cfg->n_kafka_props])
			return -1;
		cfg->n_kafka_props++;
		return 0;
	case OPT_CLUSTER:
		if (check_name("cluster-name", val, err, errlen))
			return -1;
		return set_str(&cfg->cluster_name, val);
	case OPT_NODE:
		if (check_name("node-name", val, err, errlen))
			return -1;
		return set_str(&cfg->node_name, val);
	case OPT_VERSION:
		cfg->show_version = 1;
		return 0;
	case 'h':
		cfg->show_help = 1;
		return 0;
	}
	snprintf(err, errlen, "unknown option");
	return -1;
}

/* NETTRAIL_IDLE_TIMEOUT -> idle-timeout */
static const struct option *env_option(const char *name, size_t n)
{
	for (const struct option *o = long_opts; o->name; o++) {
		size_t len = strlen(o->name), i;

		if (len != n)
			continue;
		for (i = 0; i < n; i++) {
			char c = o->name[i] == '-' ? '_' : (char)toupper(
				(unsigned char)o->name[i]);
			if (c != name[i])
				break;
		}
		if (i == n)
			return o;
	}
	return NULL;
}

static int parse_env(struct nt_config *cfg, char **envp, char *err,
		     size_t errlen)
{
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq;
		const struct option *o;

		if (strncmp(e, "NETTRAIL_", 9))
			continue;
		eq = strchr(e, '=');
		if (!eq)
			continue;
		o = env_option(e + 9, (size_t)(eq - e - 9));
		if (!o) {
			snprintf(err, errlen, "%.*s: unknown NETTRAIL_ variable",
				 (int)(eq - e), e);
			return -1;
		}
		if (o->has_arg == no_argument) {
			if (strcmp(eq + 1, "1") && strcmp(eq + 1, "true"))
				continue;
		}
		if (apply(cfg, o->val, eq + 1, err, errlen)) {
			/* name the variable, not the flag */
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%.*s: %s", (int)(eq - e),
				 e, err);
			snprintf(err, errlen, "%s", tmp);
			return -1;
		}
	}
	return 0;
}

int nt_config_parse(struct nt_config *cfg, int argc, char **argv,
		    char **envp, char *err, size_t errlen)
{
	int opt;

	if (parse_env(cfg, envp, err, errlen))
		return -1;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:r:o:h", long_opts, NULL)) !=
	       -1) {
		if (opt == '?') {
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'",
					 optopt);
			else
				snprintf(err, errlen, "unknown option '%s'",
					 argv[optind - 1]);
			return -1;
		}
		if (opt == ':') {
			snprintf(err, errlen, "option '%s' needs a value",
				 argv[optind - 1]);
			return -1;
		}
		if (apply(cfg, opt, optarg ? optarg : "", err, errlen))
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (cfg->pcap && cfg->interfaces) {
		snprintf(err, errlen,
			 "--pcap and --interface cannot be used together");
		return -1;
	}
	if (cfg->output == NT_OUT_KAFKA && !cfg->kafka_brokers) {
		snprintf(err, errlen, "--output kafka needs --kafka-brokers");
		return -1;
	}
	if (!cfg->kafka_topic_prefix &&
	    set_str(&cfg->kafka_topic_prefix, "nettrail."))
		return -1;
	if (cfg->pcap && cfg->duration) {
		snprintf(err, errlen,
			 "--duration applies to live capture, not --pcap");
		return -1;
	}
	return 0;
}
