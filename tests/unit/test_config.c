// SPDX-License-Identifier: BSD-2-Clause
/* CLI and NETTRAIL_* environment parsing: values and error messages. */
#include <criterion/criterion.h>
#include <stdio.h>
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

	cr_assert_eq(parse(&c, NULL, err, 9, "-i", "eth0,veth*",
			   "--idle-timeout", "5", "--active-timeout=0",
			   "-o", "file:out/x.jsonl", "--cluster-name",
			   "prod-eu"), 0, "%s", err);
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
	char *env[] = { "PATH=/bin", "NETTRAIL_IDLE_TIMEOUT=30",
			"NETTRAIL_MAX_FLOWS=1024", "NETTRAIL_CLUSTER_NAME=c1",
			NULL };

	cr_assert_eq(parse(&c, env, err, 2, "--idle-timeout", "7"), 0, "%s",
		     err);
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
		{ "--output", "kafkaa", "--output: 'kafkaa' is not a sink (stdout, file:PATH or kafka)" },
		{ "--output", "file:", "--output: 'file:' is not a sink (stdout, file:PATH or kafka)" },
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "-z", NULL, "unknown option '-z'" },
		{ "--pcap", NULL, "option '--pcap' needs a value" },
		{ "stray", NULL, "unexpected argument 'stray'" },
		{ "--cluster-name", "a\nb", "--cluster-name: control characters are not allowed" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nt_config c;
		char err[256] = "";
		int r = cases[i].b ? parse(&c, NULL, err, 2, cases[i].a,
					   cases[i].b)
				   : parse(&c, NULL, err, 1, cases[i].a);

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
	const char *bad[] = { "kafka-fatal-at", "kafka-fatal-at=0",
			      "kafka-fatal-at=x", "other=1", "",
			      "kafka-keep-fail=0", "kafka-keep-fail=2000000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&c, NULL, err, 2, "--fault", bad[i]);
		char want[256];

		cr_expect(rc == -1 || !*bad[i], "'%s' accepted", bad[i]);
		snprintf(want, sizeof(want), "--fault: '%s' is not a list of "
			 "kafka-fatal-at=N, kafka-reset-fail=N, "
			 "kafka-keep-fail=N", bad[i]);
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
