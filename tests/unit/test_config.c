// SPDX-License-Identifier: BSD-2-Clause
/* CLI and NETTRAIL_* environment parsing: values and error messages. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

static int parse(struct nt_config *c, char **env, char *err, int argc, ...)
{
	char *argv[16] = { "nettrail" };
	va_list ap;

	va_start(ap, argc);
	for (int i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	nt_config_defaults(c);
	return nt_config_parse(c, argc + 1, argv, env, err, 256);
}

Test(config, defaults)
{
	struct nt_config c;
	char err[256] = "";

	cr_assert_eq(parse(&c, NULL, err, 0), 0);
	cr_expect_null(c.interfaces);
	cr_expect_null(c.pcap);
	cr_expect_eq(c.output, NT_OUT_STDOUT);
	cr_expect_eq(c.idle_timeout, 15);
	cr_expect_eq(c.active_timeout, 60);
	cr_expect_eq(c.heartbeat, 30);
	cr_expect_eq(c.duration, 0);
	cr_expect_eq(c.max_flows, 65536);
	nt_config_free(&c);
}

Test(config, flags)
{
	struct nt_config c;
	char err[256] = "";

	cr_assert_eq(parse(&c, NULL, err, 9, "-i", "eth0,veth*", "--idle-timeout", "5",
			   "--active-timeout=0", "-o", "file:out/x.jsonl", "--cluster-name",
			   "prod-eu"),
		     0, "%s", err);
	cr_expect_str_eq(c.interfaces, "eth0,veth*");
	cr_expect_eq(c.idle_timeout, 5);
	cr_expect_eq(c.active_timeout, 0);
	cr_expect_eq(c.output, NT_OUT_FILE);
	cr_expect_str_eq(c.output_path, "out/x.jsonl");
	cr_expect_str_eq(c.cluster_name, "prod-eu");
	nt_config_free(&c);
}

Test(config, env_then_flags_override)
{
	struct nt_config c;
	char err[256] = "";
	char *env[] = { "PATH=/bin", "NETTRAIL_IDLE_TIMEOUT=30", "NETTRAIL_MAX_FLOWS=1024",
			"NETTRAIL_CLUSTER_NAME=c1", NULL };

	cr_assert_eq(parse(&c, env, err, 2, "--idle-timeout", "7"), 0, "%s", err);
	cr_expect_eq(c.idle_timeout, 7);
	cr_expect_eq(c.max_flows, 1024);
	cr_expect_str_eq(c.cluster_name, "c1");
	nt_config_free(&c);
}

struct bad {
	const char *a, *b;
	const char *msg;
};

Test(config, errors_are_one_clear_line)
{
	static const struct bad cases[] = {
		{ "--idle-timeout", "abc",
		  "--idle-timeout: 'abc' is not a whole number from 1 to 86400" },
		{ "--idle-timeout", "0",
		  "--idle-timeout: '0' is not a whole number from 1 to 86400" },
		{ "--idle-timeout", "-5",
		  "--idle-timeout: '-5' is not a whole number from 1 to 86400" },
		{ "--max-flows", "99999999999",
		  "--max-flows: '99999999999' is not a whole number from 16 to 16777216" },
		{ "--output", "kafkaa",
		  "--output: 'kafkaa' is not a sink (stdout, file:PATH or kafka)" },
		{ "--output",
		  "file:", "--output: 'file:' is not a sink (stdout, file:PATH or kafka)" },
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "-z", NULL, "unknown option '-z'" },
		{ "--pcap", NULL, "option '--pcap' needs a value" },
		{ "stray", NULL, "unexpected argument 'stray'" },
		{ "--cluster-name", "a\nb", "--cluster-name: control characters are not allowed" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nt_config c;
		char err[256] = "";
		int r = cases[i].b ? parse(&c, NULL, err, 2, cases[i].a, cases[i].b) :
				     parse(&c, NULL, err, 1, cases[i].a);

		cr_expect_eq(r, -1, "case %zu accepted", i);
		cr_expect_str_eq(err, cases[i].msg, "case %zu", i);
		cr_expect_null(strchr(err, '\n'));
		nt_config_free(&c);
	}
}

Test(config, bad_env)
{
	struct nt_config c;
	char err[256] = "";
	char *env1[] = { "NETTRAIL_IDLE_TIMEOUT=soon", NULL };
	char *env2[] = { "NETTRAIL_NO_SUCH=1", NULL };

	cr_expect_eq(parse(&c, env1, err, 0), -1);
	cr_expect_str_eq(err, "NETTRAIL_IDLE_TIMEOUT: --idle-timeout: 'soon' "
			      "is not a whole number from 1 to 86400");
	nt_config_free(&c);
	cr_expect_eq(parse(&c, env2, err, 0), -1);
	cr_expect_str_eq(err, "NETTRAIL_NO_SUCH: unknown NETTRAIL_ variable");
	nt_config_free(&c);
}

Test(config, pcap_conflicts)
{
	struct nt_config c;
	char err[256] = "";

	cr_expect_eq(parse(&c, NULL, err, 4, "-r", "x.pcap", "-i", "eth0"), -1);
	cr_expect_str_eq(err, "--pcap and --interface cannot be used together");
	nt_config_free(&c);
}

/* NETTRAIL_LOG_LEVEL is an option like any other (issue 11: the old
 * NETTRAIL_DEBUG_LIBBPF knob made the program refuse to start). */
Test(config, log_level_flag_and_env)
{
	struct nt_config c;
	char err[256] = "";
	char *env[] = { "NETTRAIL_LOG_LEVEL=debug", NULL };

	cr_assert_eq(parse(&c, NULL, err, 0), 0);
	cr_expect_eq(c.log_level, 1, "default warn");
	nt_config_free(&c);
	cr_assert_eq(parse(&c, env, err, 0), 0, "%s", err);
	cr_expect_eq(c.log_level, 3);
	nt_config_free(&c);
	cr_assert_eq(parse(&c, env, err, 2, "--log-level", "error"), 0);
	cr_expect_eq(c.log_level, 0, "the flag overrides the environment");
	nt_config_free(&c);
	cr_assert_eq(parse(&c, NULL, err, 2, "--log-level", "loud"), -1);
	cr_expect_str_eq(err, "--log-level: 'loud' is not error, warn, info "
			      "or debug");
	nt_config_free(&c);
}

Test(config, fault_spec)
{
	struct nt_config c;
	char err[256] = "";
	char *env[] = { "NETTRAIL_FAULT=kafka-fatal-at=150", NULL };

	cr_assert_eq(parse(&c, env, err, 0), 0, "%s", err);
	cr_expect_eq(c.fault.kafka_fatal_at, 150);
	cr_expect_eq(c.fault.kafka_reset_fail, 0);
	cr_expect_eq(c.fault.kafka_keep_fail, 0);
	nt_config_free(&c);
	cr_assert_eq(parse(&c, NULL, err, 2, "--fault",
			   "kafka-reset-fail=2,kafka-fatal-at=7,kafka-keep-fail=3"),
		     0, "%s", err);
	cr_expect_eq(c.fault.kafka_fatal_at, 7);
	cr_expect_eq(c.fault.kafka_reset_fail, 2);
	cr_expect_eq(c.fault.kafka_keep_fail, 3);
	nt_config_free(&c);
	const char *bad[] = {
		"kafka-fatal-at",    "kafka-fatal-at=0",       "kafka-fatal-at=x", "other=1", "",
		"kafka-keep-fail=0", "kafka-keep-fail=2000000"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&c, NULL, err, 2, "--fault", bad[i]);
		char want[256];

		cr_expect(rc == -1 || !*bad[i], "'%s' accepted", bad[i]);
		snprintf(want, sizeof(want),
			 "--fault: '%s' is not a list of "
			 "kafka-fatal-at=N, kafka-reset-fail=N, "
			 "kafka-keep-fail=N",
			 bad[i]);
		if (rc == -1)
			cr_expect_str_eq(err, want);
		nt_config_free(&c);
	}
	/* the old getenv knob is gone: an unknown NETTRAIL_ variable is refused */
	char *old[] = { "NETTRAIL_DEBUG_LIBBPF=1", NULL };
	cr_assert_eq(parse(&c, old, err, 0), -1);
	cr_expect_str_eq(err, "NETTRAIL_DEBUG_LIBBPF: unknown NETTRAIL_ variable");
	nt_config_free(&c);
}

/* ---- the option table ---------------------------------------------------- */

/* What nt_config_print wrote, as one heap string. */
static char *printed(const struct nt_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	nt_config_print(c, f);
	fclose(f);
	return buf;
}

static int parse_v(struct nt_config *c, char **env, char *err, const char *const *args, size_t n)
{
	char *argv[16] = { "nettrail" };

	cr_assert(n < 15);
	for (size_t i = 0; i < n; i++)
		argv[1 + i] = (char *)args[i];
	nt_config_defaults(c);
	return nt_config_parse(c, (int)n + 1, argv, env, err, 256);
}

/* A value for every row, the line nt_config_print writes for it (NULL:
 * a command) and what else it needs to be accepted. A new row needs one. */
static const struct sample {
	const char *name, *value, *line;
	const char *extra[4];
} samples[] = {
	{ "interface", "eth0,veth*", "interface=eth0,veth*", { 0 } },
	{ "pcap", "x.pcap", "pcap=x.pcap", { 0 } },
	{ "output", "file:out/x.jsonl", "output=file:out/x.jsonl", { 0 } },
	{ "record-format", "ecs,ocsf", "record-format=ecs,ocsf", { 0 } },
	{ "ocsf-version", "1.8.0", "ocsf-version=1.8.0", { "--record-format", "ocsf" } },
	{ "idle-timeout", "5", "idle-timeout=5", { 0 } },
	{ "active-timeout", "0", "active-timeout=0", { 0 } },
	{ "heartbeat", "7", "heartbeat=7", { 0 } },
	{ "duration", "9", "duration=9", { 0 } },
	{ "max-flows", "1024", "max-flows=1024", { 0 } },
	{ "overflow-rate", "10", "overflow-rate=10", { 0 } },
	{ "sample-packets", "8", "sample-packets=8", { 0 } },
	{ "tls-cert-max-bytes", "0", "tls-cert-max-bytes=0", { 0 } },
	{ "dns-ports", "53,5353", "dns-ports=53,5353", { 0 } },
	{ "dns-cache-entries", "500", "dns-cache-entries=500", { 0 } },
	{ "kafka-brokers", "k1:9092,k2:9092", "kafka-brokers=k1:9092,k2:9092", { 0 } },
	{ "kafka-topic-prefix", "t.", "kafka-topic-prefix=t.", { 0 } },
	{ "kafka-topic-flow", "f1", "kafka-topic-flow=f1", { 0 } },
	{ "kafka-topic-dns", "d1", "kafka-topic-dns=d1", { 0 } },
	{ "kafka-topic-heartbeat", "h1", "kafka-topic-heartbeat=h1", { 0 } },
	{ "kafka-topic-ocsf-network", "on1", "kafka-topic-ocsf-network=on1", { 0 } },
	{ "kafka-topic-ocsf-dns", "od1", "kafka-topic-ocsf-dns=od1", { 0 } },
	{ "kafka-config", "/etc/k.conf", "kafka-config=/etc/k.conf", { 0 } },
	{ "kafka-prop", "acks=1", "kafka-prop=acks=1", { 0 } },
	{ "kafka-flush-timeout", "3", "kafka-flush-timeout=3", { 0 } },
	{ "spool-dir",
	  "/var/spool/nt",
	  "spool-dir=/var/spool/nt",
	  { "-o", "kafka", "--kafka-brokers", "k:1" } },
	{ "spool-max-bytes", "2G", "spool-max-bytes=2147483648", { 0 } },
	{ "spool-full-policy", "drop-newest", "spool-full-policy=drop-newest", { 0 } },
	{ "spool-fsync-ms", "0", "spool-fsync-ms=0", { 0 } },
	{ "metrics-addr", "127.0.0.1:9464", "metrics-addr=127.0.0.1:9464", { 0 } },
	{ "k8s", "off", "k8s=off", { 0 } },
	{ "k8s-api", "https://api:6443", "k8s-api=https://api:6443", { "--k8s-ca", "/ca" } },
	{ "k8s-token-file", "/t", "k8s-token-file=/t", { 0 } },
	{ "k8s-ca", "/ca", "k8s-ca=/ca", { 0 } },
	{ "kubeconfig", "/kc", "kubeconfig=/kc", { 0 } },
	{ "k8s-timeout", "5", "k8s-timeout=5", { 0 } },
	{ "cluster-cidr", "10.0.0.0/8,fd00::/8", "cluster-cidr=10.0.0.0/8,fd00::/8", { 0 } },
	{ "service-cidr", "10.96.0.0/12", "service-cidr=10.96.0.0/12", { 0 } },
	{ "cgroup-root", "/sys/fs/cgroup", "cgroup-root=/sys/fs/cgroup", { 0 } },
	{ "process-attribution", "off", "process-attribution=off", { 0 } },
	{ "cloud-provider", "aws", "cloud-provider=aws", { 0 } },
	{ "cloud-region", "eu-west-1", "cloud-region=eu-west-1", { 0 } },
	{ "cloud-account", "123456789012", "cloud-account=123456789012", { 0 } },
	{ "cluster-name", "prod", "cluster-name=prod", { 0 } },
	{ "node-name", "n1", "node-name=n1", { 0 } },
	{ "log-level", "debug", "log-level=debug", { 0 } },
	{ "nat-link", "off", "nat-link=off", { 0 } },
	{ "attach", "tc", "attach=tc", { 0 } },
	{ "capture", "off", "capture=off", { 0 } },
	{ "control-socket", "/r/c.sock", "control-socket=/r/c.sock", { 0 } },
	{ "fault",
	  "kafka-keep-fail=3",
	  "fault=kafka-fatal-at=0,kafka-reset-fail=0,kafka-keep-fail=3",
	  { 0 } },
	{ "check-config", NULL, NULL, { 0 } },
	{ "version", NULL, NULL, { 0 } },
	{ "list-metrics", NULL, NULL, { 0 } },
	{ "help", NULL, NULL, { 0 } },
};

#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static const struct sample *sample_of(const char *name)
{
	for (size_t i = 0; i < N_SAMPLES; i++)
		if (!strcmp(samples[i].name, name))
			return &samples[i];
	return NULL;
}

static size_t n_extra(const struct sample *s)
{
	size_t n = 0;

	while (n < 4 && s->extra[n])
		n++;
	return n;
}

static int commands(const struct nt_config *c)
{
	return c->check_config + c->show_version + c->list_metrics + c->show_help;
}

/* NETTRAIL_ and the name in capitals, '-' as '_' */
static void env_name(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "NETTRAIL_");

	for (; *name && (size_t)n + 1 < len; name++)
		out[n++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	out[n] = 0;
}

/* One row through argv ("--name value", "--name=value", "-x value") and
 * through NETTRAIL_NAME: the same configuration each way. */
static void row_both_ways(const struct nt_option *opt)
{
	const struct sample *s = sample_of(opt->name);
	const char *args[16], *val = opt->metavar ? s->value : "1";
	struct nt_config c;
	char err[256] = "", flag[64], eq[128], env[160], *envp[] = { env, NULL };
	char *want = NULL;
	size_t n = n_extra(s);

	memcpy(args, s->extra, n * sizeof(args[0]));
	snprintf(flag, sizeof(flag), "--%s", opt->name);
	snprintf(eq, sizeof(eq), "--%s=%s", opt->name, s->value);
	env_name(env, sizeof(env), opt->name);
	snprintf(env + strlen(env), sizeof(env) - strlen(env), "=%s", val);
	for (int how = 0; how < 4; how++) {
		size_t k = n;
		char **e = NULL, shortf[3] = { '-', opt->short_name, 0 };

		if (how == 0 || (how == 2 && opt->short_name)) {
			args[k++] = how ? shortf : flag;
			if (opt->metavar)
				args[k++] = s->value;
		} else if (how == 1 && opt->metavar) {
			args[k++] = eq;
		} else if (how == 3) {
			e = envp;
		} else {
			continue;
		}
		cr_assert_eq(parse_v(&c, e, err, args, k), 0, "%s (way %d): %s", opt->name, how,
			     err);
		char *got = printed(&c);

		if (s->line)
			cr_expect(strstr(got, s->line) && (strstr(got, s->line) == got ||
							   strstr(got, s->line)[-1] == '\n'),
				  "%s: no '%s' in\n%s", opt->name, s->line, got);
		else
			cr_expect_eq(commands(&c), 1, "%s: command not set", opt->name);
		if (!want) {
			want = got;
		} else {
			cr_expect_str_eq(got, want, "%s (way %d)", opt->name, how);
			free(got);
		}
		nt_config_free(&c);
	}
	free(want);
}

Test(config, every_row_parses_from_flag_and_env)
{
	size_t i;

	for (i = 0; nt_config_option(i); i++) {
		const struct nt_option *o = nt_config_option(i);

		cr_assert_not_null(sample_of(o->name),
				   "row '%s' has no sample "
				   "in test_config.c",
				   o->name);
		cr_expect_eq(!sample_of(o->name)->line, !o->metavar,
			     "%s: a command has no line, an option one", o->name);
		row_both_ways(o);
	}
	cr_expect_eq(i, N_SAMPLES, "a sample for a row that is gone");
}

/* --help with every run of blanks (line breaks, the column) as one space */
static char *help_flat(void)
{
	char *buf = NULL, *r, *w;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	nt_config_usage(f);
	fclose(f);
	for (r = w = buf; *r; r++)
		if (!isspace((unsigned char)*r) || (w > buf && w[-1] != ' '))
			*w++ = isspace((unsigned char)*r) ? ' ' : *r;
	*w = 0;
	return buf;
}

Test(config, help_lists_every_option)
{
	char *help = help_flat(), *raw = NULL, want[1200];
	size_t len = 0;
	FILE *f = open_memstream(&raw, &len);

	for (size_t i = 0; nt_config_option(i); i++) {
		const struct nt_option *o = nt_config_option(i);
		int n;

		if (o->short_name)
			n = snprintf(want, sizeof(want), "-%c, --%s", o->short_name, o->name);
		else
			n = snprintf(want, sizeof(want), " --%s", o->name);
		if (o->metavar)
			n += snprintf(want + n, sizeof(want) - n, " %s", o->metavar);
		snprintf(want + n, sizeof(want) - n, " %s%s%s%s", o->help,
			 o->def ? " (default " : "", o->def ? o->def : "", o->def ? ")" : "");
		cr_expect(strstr(help, want), "--help lacks '%s'", want);
	}
	cr_expect(strstr(help, "Usage: nettrail [OPTIONS] "));
	cr_expect(strstr(help, " Every option can also be set by an "
			       "environment variable: NETTRAIL_ and the option "
			       "name in capitals with '-' as '_' "
			       "(NETTRAIL_IDLE_TIMEOUT=30). Flags override the "
			       "environment. Exit codes: 0 ok, 1 runtime "
			       "error, 2 usage. "));
	nt_config_usage(f);
	fclose(f);
	for (char *l = raw, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		cr_assert_not_null(nl);
		cr_expect_leq(nl - l, 79, "line over 79 columns: %.*s", (int)(nl - l), l);
	}
	free(raw);
	free(help);
}

/* The keys --check-config writes, in the order scripts and the chart's
 * test have read them since it existed (fault= and the commands aside). */
static const char *const print_order[] = {
	"interface",
	"pcap",
	"output",
	"record-format",
	"ocsf-version",
	"idle-timeout",
	"active-timeout",
	"heartbeat",
	"duration",
	"max-flows",
	"overflow-rate",
	"sample-packets",
	"tls-cert-max-bytes",
	"dns-ports",
	"dns-cache-entries",
	"kafka-brokers",
	"kafka-topic-prefix",
	"kafka-topic-flow",
	"kafka-topic-dns",
	"kafka-topic-heartbeat",
	"kafka-topic-ocsf-network",
	"kafka-topic-ocsf-dns",
	"kafka-config",
	"kafka-prop",
	"kafka-flush-timeout",
	"spool-dir",
	"spool-max-bytes",
	"spool-full-policy",
	"spool-fsync-ms",
	"metrics-addr",
	"k8s",
	"k8s-api",
	"k8s-token-file",
	"k8s-ca",
	"kubeconfig",
	"k8s-timeout",
	"cluster-cidr",
	"service-cidr",
	"cgroup-root",
	"process-attribution",
	"cloud-provider",
	"cloud-region",
	"cloud-account",
	"cluster-name",
	"node-name",
	"log-level",
	"nat-link",
	"attach",
	"capture",
	"control-socket",
	"fault",
};

Test(config, print_writes_every_option_in_order)
{
	static const char *const args[] = {
		"-o",
		"kafka",
		"--kafka-brokers",
		"k:1",
		"--kafka-prop",
		"acks=1",
		"--kafka-prop",
		"sasl.password=hunter2",
		"--fault",
		"kafka-fatal-at=150,kafka-reset-fail=2,kafka-keep-fail=3",
	};
	struct nt_config c;
	char err[256] = "", *out, *line, *save = NULL;
	size_t k = 0, rows = 0;

	cr_assert_eq(parse_v(&c, NULL, err, args, 10), 0, "%s", err);
	out = printed(&c);
	cr_expect(strstr(out, "\nkafka-prop=acks=1\nkafka-prop=sasl.password="
			      "<redacted>\n"),
		  "%s", out);
	cr_expect_null(strstr(out, "hunter2"));
	cr_expect(strstr(out, "\nfault=kafka-fatal-at=150,kafka-reset-fail=2,"
			      "kafka-keep-fail=3\n"),
		  "%s", out);
	cr_expect(strstr(out, "\nlog-level=warn\n"), "%s", out);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t klen = strcspn(line, "=");

		while (k < sizeof(print_order) / sizeof(print_order[0]) &&
		       (strlen(print_order[k]) != klen || strncmp(line, print_order[k], klen)))
			k++;
		cr_assert(k < sizeof(print_order) / sizeof(print_order[0]),
			  "'%s' out of order or unknown", line);
	}
	cr_expect_eq(k, sizeof(print_order) / sizeof(print_order[0]) - 1,
		     "fault= is the last line");
	for (size_t i = 0; nt_config_option(i); i++)
		rows += nt_config_option(i)->metavar != NULL;
	cr_expect_eq(rows, sizeof(print_order) / sizeof(print_order[0]),
		     "a printed row missing from print_order");
	free(out);
	nt_config_free(&c);
}

Test(config, defaults_are_the_documented_ones)
{
	static const char want[] =
		"interface=*\npcap=\noutput=stdout\nrecord-format=ecs\n"
		"ocsf-version=1.1.0\nidle-timeout=15\n"
		"active-timeout=60\nheartbeat=30\nduration=0\n"
		"max-flows=65536\noverflow-rate=2000\nsample-packets=4\n"
		"tls-cert-max-bytes=32768\n"
		"dns-ports=53\ndns-cache-entries=100000\nkafka-brokers=\n"
		"kafka-topic-prefix=nettrail.\nkafka-topic-flow=\n"
		"kafka-topic-dns=\nkafka-topic-heartbeat=\n"
		"kafka-topic-ocsf-network=\nkafka-topic-ocsf-dns=\nkafka-config=\n"
		"kafka-flush-timeout=10\nspool-dir=\n"
		"spool-max-bytes=1073741824\nspool-full-policy=drop-oldest\n"
		"spool-fsync-ms=1000\nmetrics-addr=\nk8s=auto\nk8s-api=\n"
		"k8s-token-file=\nk8s-ca=\nkubeconfig=\nk8s-timeout=10\n"
		"cluster-cidr=\nservice-cidr=\ncgroup-root=\n"
		"process-attribution=on\ncloud-provider=\ncloud-region=\n"
		"cloud-account=\ncluster-name=\nnode-name=\nlog-level=warn\n"
		"nat-link=conntrack\nattach=auto\ncapture=on\ncontrol-socket=/run/nettrail/control.sock\n";
	struct nt_config c, old;
	char err[256] = "", *got;

	/* nt_config_defaults as it was written out by hand */
	memset(&old, 0, sizeof(old));
	old.output = NT_OUT_STDOUT;
	old.idle_timeout = 15;
	old.active_timeout = 60;
	old.heartbeat = 30;
	old.max_flows = 65536;
	old.overflow_rate = 2000;
	old.sample_pkts = 4;
	old.tls_cert_max_bytes = 32768;
	old.dns_ports[0] = 53;
	old.dns_cache_entries = 100000;
	old.kafka_flush_timeout = 10;
	old.spool_max_bytes = 1ULL << 30;
	old.spool_fsync_ms = 1000;
	old.k8s_timeout = 10;
	old.process_attribution = 1;
	old.capture = 1;
	old.log_level = 1; /* NT_LOG_WARN */
	nt_config_defaults(&c);
	cr_expect_eq(memcmp(&c, &old, sizeof(c)), 0, "nt_config_defaults");
	cr_assert_eq(parse(&c, NULL, err, 0), 0, "%s", err);
	got = printed(&c);
	cr_expect_str_eq(got, want);
	free(got);
	nt_config_free(&c);
	/* each default, given as a flag, changes nothing */
	for (size_t i = 0; nt_config_option(i); i++) {
		const struct nt_option *o = nt_config_option(i);
		char *a;

		if (!o->def)
			continue;
		snprintf(err, sizeof(err), "--%s=%s", o->name, o->def);
		a = strdup(err);
		cr_assert_eq(parse(&c, NULL, err, 1, a), 0, "%s: %s", a, err);
		got = printed(&c);
		cr_expect_str_eq(got, want, "%s", a);
		free(got);
		free(a);
		nt_config_free(&c);
	}
}

/* The messages tests/live and tests/suites grep for, one a kind of row. */
Test(config, every_kind_keeps_its_message)
{
	static const struct bad cases[] = {
		{ "--k8s-api", NULL, "option '--k8s-api' needs a value" },
		{ "-i", NULL, "option '-i' needs a value" },
		{ "--version=1", NULL, "unknown option '--version=1'" },
		{ "--help=x", NULL, "unknown option '-h'" },
		{ "--kafka", NULL, "unknown option '--kafka'" },
		{ "-o", "kafka", "--output kafka needs --kafka-brokers" },
		{ "--interface", "", "--interface: empty list" },
		{ "--spool-dir", "", "--spool-dir: empty path" },
		{ "--spool-dir", "/s", "--spool-dir applies to --output kafka" },
		{ "--spool-max-bytes", "1023K",
		  "--spool-max-bytes: '1023K' is "
		  "not a size from 1M to 1P (bytes, K/M/G/T suffixes)" },
		{ "--spool-full-policy", "drop",
		  "--spool-full-policy: 'drop' "
		  "is not drop-oldest or drop-newest" },
		{ "--k8s", "maybe", "--k8s: 'maybe' is not auto, on or off" },
		{ "--process-attribution", "yes",
		  "--process-attribution: 'yes' "
		  "is not off or on" },
		{ "--dns-ports", "1,2,3,4,5",
		  "--dns-ports: '1,2,3,4,5' is not "
		  "a list of up to 4 ports (1-65535)" },
		{ "--dns-ports", "", "--dns-ports: empty list" },
		{ "--cluster-cidr", "10.1.0.0/8",
		  "--cluster-cidr: '10.1.0.0/8' "
		  "is not a CIDR (10.0.0.0/8, fd00::/8; host bits zero)" },
		{ "--service-cidr", ",", "--service-cidr: empty list" },
		{ "--kafka-prop", "acks",
		  "--kafka-prop: 'acks' is not "
		  "key=value (at most 64)" },
		{ "--kafka-topic-dns", "a b",
		  "'a b' is not a Kafka topic name "
		  "([a-zA-Z0-9._-], 1 to 249)" },
		{ "--k8s-api", "http://x",
		  "--k8s-api: 'http://x' is not an "
		  "https:// URL (TLS is always on)" },
		{ "--k8s-api", "https://x",
		  "--k8s-api needs --k8s-ca (TLS "
		  "verification is always on)" },
		{ "--node-name", "", "--node-name: must be 1 to 253 characters" },
		{ "--sample-packets", "33",
		  "--sample-packets: '33' is not a "
		  "whole number from 0 to 32" },
		{ "--record-format", "json",
		  "--record-format: 'json' is not ecs, ocsf or ecs,ocsf" },
		{ "--ocsf-version", "1.2.0", "--ocsf-version: '1.2.0' is not 1.1.0 or 1.8.0" },
		{ "--ocsf-version", "1.8.0",
		  "--ocsf-version applies to --record-format ocsf or ecs,ocsf" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nt_config c;
		char err[256] = "";
		int r = cases[i].b ? parse(&c, NULL, err, 2, cases[i].a, cases[i].b) :
				     parse(&c, NULL, err, 1, cases[i].a);

		cr_expect_eq(r, -1, "case %zu accepted", i);
		cr_expect_str_eq(err, cases[i].msg, "case %zu", i);
		nt_config_free(&c);
	}
}

/* --output stdout after file:PATH prints no stale path */
Test(config, output_prints_its_own_path_only)
{
	struct nt_config c;
	char err[256] = "", *got;

	cr_assert_eq(parse(&c, NULL, err, 4, "-o", "file:/a", "-o", "stdout"), 0, "%s", err);
	got = printed(&c);
	cr_expect(strstr(got, "\noutput=stdout\n"), "%s", got);
	free(got);
	nt_config_free(&c);
}

/* A command's variable: 1 or true turn it on, any other value leaves it off. */
Test(config, commands_from_env)
{
	static const struct {
		const char *env;
		int on;
	} cases[] = {
		{ "NETTRAIL_VERSION=1", 1 },	  { "NETTRAIL_VERSION=true", 1 },
		{ "NETTRAIL_VERSION=0", 0 },	  { "NETTRAIL_VERSION=yes", 0 },
		{ "NETTRAIL_CHECK_CONFIG=1", 1 }, { "NETTRAIL_HELP=", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nt_config c;
		char err[256] = "", *env[] = { (char *)cases[i].env, NULL };

		cr_assert_eq(parse(&c, env, err, 0), 0, "%s", err);
		cr_expect_eq(commands(&c), cases[i].on, "%s", cases[i].env);
		nt_config_free(&c);
	}
}

/* --record-format and --ocsf-version (issue 17): the format as a mask, the
 * version given or the default, and the combinations that are usage errors. */
Test(config, record_format_and_ocsf_version)
{
	struct nt_config c;
	char err[256] = "";
	char *env[] = { "NETTRAIL_RECORD_FORMAT=ocsf", "NETTRAIL_OCSF_VERSION=1.8.0", NULL };
	char *env_bad[] = { "NETTRAIL_OCSF_VERSION=1.8.0", NULL };

	cr_assert_eq(parse(&c, NULL, err, 0), 0, "%s", err);
	cr_expect_eq(c.record_format, NT_FMT_ECS);
	cr_expect(NT_FMT_HAS_ECS(c.record_format) && !NT_FMT_HAS_OCSF(c.record_format));
	cr_expect_eq(c.ocsf_version, NT_OCSF_DEFAULT);
	nt_config_free(&c);
	cr_assert_eq(parse(&c, NULL, err, 2, "--record-format", "ecs,ocsf"), 0, "%s", err);
	cr_expect(NT_FMT_HAS_ECS(c.record_format) && NT_FMT_HAS_OCSF(c.record_format));
	nt_config_free(&c);
	cr_assert_eq(parse(&c, env, err, 0), 0, "%s", err);
	cr_expect(!NT_FMT_HAS_ECS(c.record_format) && NT_FMT_HAS_OCSF(c.record_format));
	cr_expect_eq(c.ocsf_version, NT_OCSF_1_8_0);
	nt_config_free(&c);
	cr_assert_eq(parse(&c, NULL, err, 4, "--record-format", "ocsf", "--ocsf-version", "1.1.0"),
		     0, "%s", err);
	cr_expect_eq(c.ocsf_version, NT_OCSF_1_1_0);
	nt_config_free(&c);
	/* a version with ECS output only: a usage error, also from the environment
	 * and also when the version is the default one */
	cr_expect_eq(parse(&c, env_bad, err, 0), -1);
	cr_expect_str_eq(err, "--ocsf-version applies to --record-format ocsf or ecs,ocsf");
	nt_config_free(&c);
	cr_expect_eq(parse(&c, NULL, err, 2, "--ocsf-version", "1.1.0"), -1);
	cr_expect_str_eq(err, "--ocsf-version applies to --record-format ocsf or ecs,ocsf");
	nt_config_free(&c);
	cr_expect_eq(parse(&c, NULL, err, 4, "--record-format", "ocsf", "--ocsf-version", "2.0"),
		     -1);
	cr_expect_str_eq(err, "--ocsf-version: '2.0' is not 1.1.0 or 1.8.0");
	nt_config_free(&c);
	cr_expect_eq(parse(&c, NULL, err, 2, "--record-format", "OCSF"), -1);
	cr_expect_str_eq(err, "--record-format: 'OCSF' is not ecs, ocsf or ecs,ocsf");
	nt_config_free(&c);
}
