// SPDX-License-Identifier: BSD-2-Clause
/* config.c - flags and NETTRAIL_* environment variables. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_IDLE = 1000, OPT_ACTIVE, OPT_HEARTBEAT, OPT_DURATION, OPT_MAXFLOWS,
	OPT_CLUSTER, OPT_NODE, OPT_VERSION, OPT_OVERFLOW, OPT_SAMPLES,
	OPT_DNSPORTS, OPT_DNSCACHE, OPT_KBROKERS, OPT_KPREFIX, OPT_KPROP,
	OPT_KCONFIG, OPT_METRICS, OPT_KTOPIC_FLOW, OPT_KTOPIC_DNS,
	OPT_KTOPIC_HB, OPT_KFLUSH, OPT_SPOOL_DIR, OPT_SPOOL_MAX,
	OPT_SPOOL_POLICY, OPT_SPOOL_FSYNC, OPT_K8S, OPT_K8S_API,
	OPT_K8S_TOKEN, OPT_K8S_CA, OPT_KUBECONFIG, OPT_K8S_TIMEOUT,
	OPT_CLUSTER_CIDR, OPT_SERVICE_CIDR, OPT_CGROUP_ROOT, OPT_PROCATTR,
	OPT_CLOUD_PROVIDER, OPT_CLOUD_REGION, OPT_CLOUD_ACCOUNT, OPT_CHECK,
	OPT_LOG_LEVEL, OPT_FAULT, OPT_LIST_METRICS,
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
	{ "kafka-topic-flow", required_argument, NULL, OPT_KTOPIC_FLOW },
	{ "kafka-topic-dns", required_argument, NULL, OPT_KTOPIC_DNS },
	{ "kafka-topic-heartbeat", required_argument, NULL, OPT_KTOPIC_HB },
	{ "kafka-flush-timeout", required_argument, NULL, OPT_KFLUSH },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "spool-max-bytes", required_argument, NULL, OPT_SPOOL_MAX },
	{ "spool-full-policy", required_argument, NULL, OPT_SPOOL_POLICY },
	{ "spool-fsync-ms", required_argument, NULL, OPT_SPOOL_FSYNC },
	{ "metrics-addr", required_argument, NULL, OPT_METRICS },
	{ "k8s", required_argument, NULL, OPT_K8S },
	{ "k8s-api", required_argument, NULL, OPT_K8S_API },
	{ "k8s-token-file", required_argument, NULL, OPT_K8S_TOKEN },
	{ "k8s-ca", required_argument, NULL, OPT_K8S_CA },
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "k8s-timeout", required_argument, NULL, OPT_K8S_TIMEOUT },
	{ "cluster-cidr", required_argument, NULL, OPT_CLUSTER_CIDR },
	{ "service-cidr", required_argument, NULL, OPT_SERVICE_CIDR },
	{ "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
	{ "process-attribution", required_argument, NULL, OPT_PROCATTR },
	{ "cloud-provider", required_argument, NULL, OPT_CLOUD_PROVIDER },
	{ "cloud-region", required_argument, NULL, OPT_CLOUD_REGION },
	{ "cloud-account", required_argument, NULL, OPT_CLOUD_ACCOUNT },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "cluster-name", required_argument, NULL, OPT_CLUSTER },
	{ "node-name", required_argument, NULL, OPT_NODE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "list-metrics", no_argument, NULL, OPT_LIST_METRICS },
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
	cfg->kafka_flush_timeout = 10;
	cfg->spool_max_bytes = 1ULL << 30;
	cfg->spool_fsync_ms = 1000;
	cfg->k8s_timeout = 10;
	cfg->process_attribution = 1;
	cfg->log_level = 1; /* NT_LOG_WARN */
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
	for (int i = 0; i < 3; i++)
		free(cfg->kafka_topic[i]);
	free(cfg->spool_dir);
	free(cfg->k8s_api);
	free(cfg->k8s_token_file);
	free(cfg->k8s_ca);
	free(cfg->kubeconfig);
	free(cfg->cgroup_root);
	free(cfg->cloud_provider);
	free(cfg->cloud_region);
	free(cfg->cloud_account);
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
"      --kafka-topic-flow T, --kafka-topic-dns T, --kafka-topic-heartbeat T\n"
"                           override one record type's topic\n"
"      --kafka-flush-timeout SEC  at exit, wait SEC for acknowledgements, then\n"
"                           spool what is left (default 10)\n"
"      --spool-dir DIR      on-disk spool for records the broker cannot take\n"
"                           now (outage, slow broker, full queue); replayed\n"
"                           in order when it is back, also after a restart\n"
"      --spool-max-bytes N  spool size cap, K/M/G suffixes (default 1G)\n"
"      --spool-full-policy P  drop-oldest (default: the oldest segment goes)\n"
"                           or drop-newest (new records are refused); counted\n"
"      --spool-fsync-ms MS  fsync the spool at most every MS (default 1000;\n"
"                           0: after every batch)\n"
"      --metrics-addr ADDR  serve /metrics (Prometheus), /healthz, /readyz on\n"
"                           HOST:PORT, e.g. 127.0.0.1:9464 (default off)\n"
"      --k8s MODE           Kubernetes metadata: auto (default: in-cluster when\n"
"                           KUBERNETES_SERVICE_HOST is set), on, off\n"
"      --k8s-api URL        API server (with --k8s-token-file, --k8s-ca)\n"
"      --k8s-token-file F   bearer token, re-read when it rotates\n"
"      --k8s-ca F           CA bundle for the API server's certificate\n"
"      --kubeconfig F       take server, CA and token from a kubeconfig\n"
"      --k8s-timeout SEC    timeout of each API call (default 10)\n"
"      --cluster-cidr CIDR  pod network (repeatable or comma-separated)\n"
"      --service-cidr CIDR  service network (repeatable or comma-separated)\n"
"      --cgroup-root PATH   cgroup v2 mount (default: from /proc/mounts)\n"
"      --process-attribution on|off  cgroup hooks naming the local process\n"
"                           and container of each flow (default on)\n"
"      --cloud-provider P, --cloud-region R, --cloud-account A\n"
"                           cloud context in every record\n"
"      --cluster-name NAME  orchestrator.cluster.name in every record\n"
"      --node-name NAME     observer.hostname (default: the host name)\n"
"      --log-level L        error, warn (default), info or debug (libbpf's\n"
"                           debug output and verifier logs included)\n"
"      --fault SPEC         tests only: inject failures, comma-separated\n"
"                           kafka-fatal-at=N (a fatal producer error at the\n"
"                           Nth record), kafka-reset-fail=N (the first N\n"
"                           producer re-creations fail), kafka-keep-fail=N\n"
"                           (the first N failed deliveries find no memory to\n"
"                           be kept for re-sending)\n"
"      --check-config       validate everything, print the effective\n"
"                           configuration and exit (0 ok, 2 bad)\n"
"      --version            print the version and exit\n"
"      --list-metrics       print every counter and gauge (kind, name, help:\n"
"                           the heartbeat and /metrics carry exactly these)\n"
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

/* One of a NULL-terminated list of words; its index in *out. */
static int parse_choice(const char *name, const char *val,
			const char *const *words, int *out, char *err,
			size_t errlen)
{
	char list[128] = "";

	for (int i = 0; words[i]; i++) {
		if (!strcmp(val, words[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? (words[i + 1] ? ", " : " or ") : "",
			 words[i]);
	}
	snprintf(err, errlen, "--%s: '%s' is not %s", name, val, list);
	return -1;
}

/* Kafka's legal topic characters, 1 to 249 of them. */
static int check_topic(const char *val, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (n == 0 || n > 249 || strspn(val, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		snprintf(err, errlen, "'%s' is not a Kafka topic name "
			 "([a-zA-Z0-9._-], 1 to 249)", val);
		return -1;
	}
	return 0;
}

/* "512M", "1G", "4096": bytes, at least 1 MiB. */
static int parse_size(const char *name, const char *val, uint64_t *out,
		      char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)val[0]))
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	case 'T': case 't': v <<= 40; end++; break;
	}
	if (*end || v < (1ULL << 20) || v > (1ULL << 50))
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "--%s: '%s' is not a size from 1M to 1P "
		 "(bytes, K/M/G/T suffixes)", name, val);
	return -1;
}

int nt_cidr_parse(const char *s, struct nt_cidr *out)
{
	char buf[64], *slash;
	unsigned long len;
	char *end;
	int v4;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash || !isdigit((unsigned char)slash[1]))
		return -1;
	*slash = 0;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end)
		return -1;
	memset(out, 0, sizeof(*out));
	v4 = inet_pton(AF_INET, buf, out->addr + 12) == 1;
	if (v4) {
		if (len > 32)
			return -1;
		out->addr[10] = out->addr[11] = 0xff;
		len += 96;
	} else if (inet_pton(AF_INET6, buf, out->addr) != 1 || len > 128) {
		return -1;
	}
	out->len = (uint8_t)len;
	/* host bits must be zero: "10.1.2.3/8" is most likely a typo */
	for (unsigned b = out->len; b < 128; b++)
		if (out->addr[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return 0;
}

int nt_cidr_contains(const struct nt_cidr *c, const uint8_t addr[16])
{
	unsigned full = c->len / 8, rest = c->len % 8;

	if (memcmp(c->addr, addr, full))
		return 0;
	return !rest || ((c->addr[full] ^ addr[full]) &
			 (uint8_t)(0xff00 >> rest)) == 0;
}

/* Comma-separated CIDRs appended to a list (flags repeat, env is a list). */
static int parse_cidrs(const char *name, const char *val, struct nt_cidr *list,
		       size_t *n, char *err, size_t errlen)
{
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*n == NT_MAX_CIDRS) {
			snprintf(err, errlen, "--%s: at most %d prefixes", name,
				 NT_MAX_CIDRS);
			return -1;
		}
		if (nt_cidr_parse(tok, &list[*n])) {
			snprintf(err, errlen, "--%s: '%s' is not a CIDR "
				 "(10.0.0.0/8, fd00::/8; host bits zero)", name,
				 tok);
			return -1;
		}
		(*n)++;
	}
	if (!*n) {
		snprintf(err, errlen, "--%s: empty list", name);
		return -1;
	}
	return 0;
}

/* "kafka-fatal-at=150,kafka-reset-fail=2,kafka-keep-fail=3" */
static int parse_fault(struct nt_config *cfg, const char *val, char *err,
		       size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v;
		char *eq = strchr(tok, '='), *end;

		errno = 0;
		v = eq && isdigit((unsigned char)eq[1]) ?
			    strtoull(eq + 1, &end, 10) : 0;
		if (!eq || !v || errno || *end)
			goto bad;
		*eq = 0;
		if (!strcmp(tok, "kafka-fatal-at"))
			cfg->fault.kafka_fatal_at = v;
		else if (!strcmp(tok, "kafka-reset-fail") && v <= 1000000)
			cfg->fault.kafka_reset_fail = (uint32_t)v;
		else if (!strcmp(tok, "kafka-keep-fail") && v <= 1000000)
			cfg->fault.kafka_keep_fail = (uint32_t)v;
		else
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "--fault: '%s' is not a list of "
		 "kafka-fatal-at=N, kafka-reset-fail=N, kafka-keep-fail=N",
		 val);
	return -1;
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
	case OPT_KTOPIC_FLOW:
	case OPT_KTOPIC_DNS:
	case OPT_KTOPIC_HB:
		if (check_topic(val, err, errlen))
			return -1;
		return set_str(&cfg->kafka_topic[opt - OPT_KTOPIC_FLOW], val);
	case OPT_KFLUSH:
		return parse_u32("kafka-flush-timeout", val, 0, 3600,
				 &cfg->kafka_flush_timeout, err, errlen);
	case OPT_SPOOL_DIR:
		if (!val[0]) {
			snprintf(err, errlen, "--spool-dir: empty path");
			return -1;
		}
		return set_str(&cfg->spool_dir, val);
	case OPT_SPOOL_MAX:
		return parse_size("spool-max-bytes", val, &cfg->spool_max_bytes,
				  err, errlen);
	case OPT_SPOOL_POLICY: {
		static const char *const w[] = { "drop-oldest", "drop-newest",
						 NULL };
		int i;

		if (parse_choice("spool-full-policy", val, w, &i, err, errlen))
			return -1;
		cfg->spool_policy = i ? NT_SPOOL_DROP_NEWEST
				      : NT_SPOOL_DROP_OLDEST;
		return 0;
	}
	case OPT_SPOOL_FSYNC:
		return parse_u32("spool-fsync-ms", val, 0, 3600000,
				 &cfg->spool_fsync_ms, err, errlen);
	case OPT_K8S: {
		/* in enum nt_k8s_mode order */
		static const char *const w[] = { "auto", "on", "off", NULL };
		int i;

		if (parse_choice("k8s", val, w, &i, err, errlen))
			return -1;
		cfg->k8s = (enum nt_k8s_mode)i;
		return 0;
	}
	case OPT_K8S_API:
		if (strncmp(val, "https://", 8) || !val[8]) {
			snprintf(err, errlen, "--k8s-api: '%s' is not an "
				 "https:// URL (TLS is always on)", val);
			return -1;
		}
		return set_str(&cfg->k8s_api, val);
	case OPT_K8S_TOKEN:
		return set_str(&cfg->k8s_token_file, val);
	case OPT_K8S_CA:
		return set_str(&cfg->k8s_ca, val);
	case OPT_KUBECONFIG:
		return set_str(&cfg->kubeconfig, val);
	case OPT_K8S_TIMEOUT:
		return parse_u32("k8s-timeout", val, 1, 600, &cfg->k8s_timeout,
				 err, errlen);
	case OPT_CLUSTER_CIDR:
		return parse_cidrs("cluster-cidr", val, cfg->cluster_cidrs,
				   &cfg->n_cluster_cidrs, err, errlen);
	case OPT_SERVICE_CIDR:
		return parse_cidrs("service-cidr", val, cfg->service_cidrs,
				   &cfg->n_service_cidrs, err, errlen);
	case OPT_CGROUP_ROOT:
		return set_str(&cfg->cgroup_root, val);
	case OPT_PROCATTR: {
		static const char *const w[] = { "off", "on", NULL };

		return parse_choice("process-attribution", val, w,
				    &cfg->process_attribution, err, errlen);
	}
	case OPT_CLOUD_PROVIDER:
		if (check_name("cloud-provider", val, err, errlen))
			return -1;
		return set_str(&cfg->cloud_provider, val);
	case OPT_CLOUD_REGION:
		if (check_name("cloud-region", val, err, errlen))
			return -1;
		return set_str(&cfg->cloud_region, val);
	case OPT_CLOUD_ACCOUNT:
		if (check_name("cloud-account", val, err, errlen))
			return -1;
		return set_str(&cfg->cloud_account, val);
	case OPT_CHECK:
		cfg->check_config = 1;
		return 0;
	case OPT_LOG_LEVEL: {
		static const char *const w[] = { "error", "warn", "info",
						 "debug", NULL };

		return parse_choice("log-level", val, w, &cfg->log_level, err,
				    errlen);
	}
	case OPT_FAULT:
		return parse_fault(cfg, val, err, errlen);
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
	case OPT_LIST_METRICS:
		cfg->list_metrics = 1;
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
	if (cfg->spool_dir && cfg->output != NT_OUT_KAFKA) {
		snprintf(err, errlen, "--spool-dir applies to --output kafka");
		return -1;
	}
	if (cfg->kubeconfig && (cfg->k8s_api || cfg->k8s_token_file ||
				cfg->k8s_ca)) {
		snprintf(err, errlen, "--kubeconfig and --k8s-api/--k8s-token-"
			 "file/--k8s-ca cannot be used together");
		return -1;
	}
	if (cfg->k8s_api && !cfg->k8s_ca) {
		snprintf(err, errlen, "--k8s-api needs --k8s-ca (TLS "
			 "verification is always on)");
		return -1;
	}
	if (cfg->k8s == NT_K8S_OFF && (cfg->k8s_api || cfg->kubeconfig)) {
		snprintf(err, errlen, "--k8s off contradicts --k8s-api/"
			 "--kubeconfig");
		return -1;
	}
	if (cfg->pcap && cfg->duration) {
		snprintf(err, errlen,
			 "--duration applies to live capture, not --pcap");
		return -1;
	}
	return 0;
}

static void print_cidrs(FILE *f, const char *name, const struct nt_cidr *c,
			size_t n)
{
	fprintf(f, "%s=", name);
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];
		int v4 = !memcmp(c[i].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)
			 && c[i].len >= 96;

		inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? c[i].addr + 12 :
			  c[i].addr, a, sizeof(a));
		fprintf(f, "%s%s/%u", i ? "," : "", a,
			v4 ? c[i].len - 96u : c[i].len);
	}
	fputc('\n', f);
}

/* A property whose value must not reach a terminal or a log. */
static int secret_key(const char *kv)
{
	static const char *const words[] = { "password", "secret", "token",
					     "key.pem", "sasl.oauthbearer.config" };
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(kv, klen, words[i], strlen(words[i])))
			return 1;
	return 0;
}

#define S(x) ((x) ? (x) : "")

void nt_config_print(const struct nt_config *c, void *stream)
{
	static const char *const outputs[] = { "stdout", "file", "kafka" };
	static const char *const k8s[] = { "auto", "on", "off" };
	FILE *f = stream;

	fprintf(f, "interface=%s\n", c->interfaces ? c->interfaces :
		(c->pcap ? "" : "*"));
	fprintf(f, "pcap=%s\n", S(c->pcap));
	fprintf(f, "output=%s%s%s\n", outputs[c->output],
		c->output == NT_OUT_FILE ? ":" : "", S(c->output_path));
	fprintf(f, "idle-timeout=%u\nactive-timeout=%u\nheartbeat=%u\n"
		"duration=%u\nmax-flows=%u\noverflow-rate=%u\n"
		"sample-packets=%u\n", c->idle_timeout, c->active_timeout,
		c->heartbeat, c->duration, c->max_flows, c->overflow_rate,
		c->sample_pkts);
	fprintf(f, "dns-ports=");
	for (int i = 0; i < 4 && c->dns_ports[i]; i++)
		fprintf(f, "%s%u", i ? "," : "", c->dns_ports[i]);
	fprintf(f, "\ndns-cache-entries=%u\n", c->dns_cache_entries);
	fprintf(f, "kafka-brokers=%s\nkafka-topic-prefix=%s\n",
		S(c->kafka_brokers), S(c->kafka_topic_prefix));
	fprintf(f, "kafka-topic-flow=%s\nkafka-topic-dns=%s\n"
		"kafka-topic-heartbeat=%s\n", S(c->kafka_topic[0]),
		S(c->kafka_topic[1]), S(c->kafka_topic[2]));
	fprintf(f, "kafka-config=%s\n", S(c->kafka_config));
	for (size_t i = 0; i < c->n_kafka_props; i++) {
		if (secret_key(c->kafka_props[i]))
			fprintf(f, "kafka-prop=%.*s=<redacted>\n",
				(int)strcspn(c->kafka_props[i], "="),
				c->kafka_props[i]);
		else
			fprintf(f, "kafka-prop=%s\n", c->kafka_props[i]);
	}
	fprintf(f, "kafka-flush-timeout=%u\n", c->kafka_flush_timeout);
	fprintf(f, "spool-dir=%s\nspool-max-bytes=%llu\nspool-full-policy=%s\n"
		"spool-fsync-ms=%u\n", S(c->spool_dir),
		(unsigned long long)c->spool_max_bytes,
		c->spool_policy == NT_SPOOL_DROP_OLDEST ? "drop-oldest" :
		"drop-newest", c->spool_fsync_ms);
	fprintf(f, "metrics-addr=%s\n", S(c->metrics_addr));
	fprintf(f, "k8s=%s\nk8s-api=%s\nk8s-token-file=%s\nk8s-ca=%s\n"
		"kubeconfig=%s\nk8s-timeout=%u\n", k8s[c->k8s], S(c->k8s_api),
		S(c->k8s_token_file), S(c->k8s_ca), S(c->kubeconfig),
		c->k8s_timeout);
	print_cidrs(f, "cluster-cidr", c->cluster_cidrs, c->n_cluster_cidrs);
	print_cidrs(f, "service-cidr", c->service_cidrs, c->n_service_cidrs);
	fprintf(f, "cgroup-root=%s\nprocess-attribution=%s\n",
		S(c->cgroup_root), c->process_attribution ? "on" : "off");
	fprintf(f, "cloud-provider=%s\ncloud-region=%s\ncloud-account=%s\n",
		S(c->cloud_provider), S(c->cloud_region), S(c->cloud_account));
	fprintf(f, "cluster-name=%s\nnode-name=%s\n", S(c->cluster_name),
		S(c->node_name));
	fprintf(f, "log-level=%s\n", (const char *[]){ "error", "warn",
		"info", "debug" }[c->log_level & 3]);
	if (c->fault.kafka_fatal_at || c->fault.kafka_reset_fail)
		fprintf(f, "fault=kafka-fatal-at=%llu,kafka-reset-fail=%u\n",
			(unsigned long long)c->fault.kafka_fatal_at,
			c->fault.kafka_reset_fail);
}

static int readable(const char *opt, const char *path, char *err,
		    size_t errlen)
{
	if (path && access(path, R_OK)) {
		snprintf(err, errlen, "--%s: cannot read %s: %s", opt, path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int nt_config_check_files(const struct nt_config *c, char *err, size_t errlen)
{
	if (readable("pcap", c->pcap, err, errlen) ||
	    readable("kafka-config", c->kafka_config, err, errlen) ||
	    readable("k8s-token-file", c->k8s_token_file, err, errlen) ||
	    readable("k8s-ca", c->k8s_ca, err, errlen) ||
	    readable("kubeconfig", c->kubeconfig, err, errlen) ||
	    readable("cgroup-root", c->cgroup_root, err, errlen))
		return -1;
	if (c->metrics_addr) {
		const char *colon = strrchr(c->metrics_addr, ':');
		unsigned long port;
		char *end;

		port = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || colon == c->metrics_addr || !colon[1] || *end ||
		    !port || port > 65535) {
			snprintf(err, errlen, "--metrics-addr: '%s' is not "
				 "HOST:PORT", c->metrics_addr);
			return -1;
		}
	}
	return 0;
}
