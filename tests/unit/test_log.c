// SPDX-License-Identifier: BSD-2-Clause
/* log.c: levels, one line per message, libbpf's messages mapped onto ours. */
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static void redirect(void)
{
	cr_redirect_stderr();
}

static int via_libbpf(int lvl, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = nt_log_libbpf(lvl, fmt, ap);
	va_end(ap);
	return rc;
}

Test(log, levels_filter, .init = redirect)
{
	nt_log_set_level(NT_LOG_WARN);
	nt_err("e %d", 1);
	nt_warn("w %d", 2);
	nt_info("i %d", 3);
	nt_debug("d %d", 4);
	fflush(stderr);
	cr_expect_stderr_eq_str("nettrail: e 1\nnettrail: w 2\n");
}

Test(log, debug_shows_everything, .init = redirect)
{
	nt_log_set_level(NT_LOG_DEBUG);
	nt_info("i");
	nt_debug("d");
	fflush(stderr);
	cr_expect_stderr_eq_str("nettrail: i\nnettrail: d\n");
}

/* libbpf ends its lines itself; one newline, never two */
Test(log, libbpf_warn_at_warn_debug_hidden, .init = redirect)
{
	nt_log_set_level(NT_LOG_WARN);
	via_libbpf(LIBBPF_WARN, "libbpf: map '%s': failed\n", "flows");
	via_libbpf(LIBBPF_DEBUG, "libbpf: loading object '%s'\n", "x");
	via_libbpf(LIBBPF_INFO, "libbpf: info\n");
	fflush(stderr);
	cr_expect_stderr_eq_str("nettrail: libbpf: map 'flows': failed\n");
}

/* the verifier log of a program that fails to load is a libbpf warning,
 * shown at debug only (it can be thousands of lines) */
Test(log, verifier_log_only_at_debug, .init = redirect)
{
	static const char fmt[] = "libbpf: prog '%s': -- BEGIN PROG LOAD LOG "
				  "--\n%s-- END PROG LOAD LOG --\n";

	nt_log_set_level(NT_LOG_WARN);
	via_libbpf(LIBBPF_WARN, fmt, "tc_ingress", "0: R1=ctx\n");
	nt_log_set_level(NT_LOG_DEBUG);
	via_libbpf(LIBBPF_WARN, fmt, "tc_ingress", "0: R1=ctx\n");
	fflush(stderr);
	cr_expect_stderr_eq_str("nettrail: libbpf: prog 'tc_ingress': -- BEGIN "
				"PROG LOAD LOG --\n0: R1=ctx\n-- END PROG LOAD "
				"LOG --\n");
}

Test(log, level_names)
{
	cr_expect_eq(nt_log_level_parse("error"), NT_LOG_ERROR);
	cr_expect_eq(nt_log_level_parse("debug"), NT_LOG_DEBUG);
	cr_expect_eq(nt_log_level_parse("verbose"), -1);
	cr_expect_str_eq(nt_log_level_name(NT_LOG_INFO), "info");
}
