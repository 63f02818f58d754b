// SPDX-License-Identifier: BSD-2-Clause
/* log.c - leveled one-line messages on stderr (see log.h). */
#include "log.h"

#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

enum nt_log_level nt_log_level = NT_LOG_WARN;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void nt_log_set_level(enum nt_log_level lvl)
{
	nt_log_level = lvl;
}

int nt_log_level_parse(const char *word)
{
	for (int i = 0; i <= NT_LOG_DEBUG; i++)
		if (!strcmp(word, level_names[i]))
			return i;
	return -1;
}

const char *nt_log_level_name(enum nt_log_level lvl)
{
	return lvl <= NT_LOG_DEBUG ? level_names[lvl] : "?";
}

/* One write per message: lines of concurrent threads never interleave. */
void nt_vlog(enum nt_log_level lvl, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (lvl > nt_log_level)
		return;
	n = snprintf(line, sizeof(line), "nettrail: ");
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n >= (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	while (n > 0 && line[n - 1] == '\n') /* libbpf ends its own lines */
		n--;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
}

void nt_log(enum nt_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nt_vlog(lvl, fmt, ap);
	va_end(ap);
}

/*
 * libbpf prints the verifier log of a program that failed to load as one
 * warning ("-- BEGIN PROG LOAD LOG --"); it can run to thousands of lines, so
 * it shows at debug. The one-line load failure before it stays a warning.
 */
int nt_log_libbpf(int libbpf_level, const char *fmt, va_list ap)
{
	enum nt_log_level lvl = libbpf_level == LIBBPF_WARN ? NT_LOG_WARN :
				libbpf_level == LIBBPF_INFO ? NT_LOG_INFO :
							      NT_LOG_DEBUG;

	if (lvl == NT_LOG_WARN && strstr(fmt, "PROG LOAD LOG"))
		lvl = NT_LOG_DEBUG;

	nt_vlog(lvl, fmt, ap);
	return 0;
}
