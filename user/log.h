/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - one line per message on stderr, "nettrail: ...", filtered by level.
 *
 * Every file logs through these calls instead of writing to stderr itself, so
 * --log-level (NETTRAIL_LOG_LEVEL) governs all of it, libbpf's own messages
 * included: libbpf warnings show at warn, its debug output (the verifier log
 * of a program that fails to load) at debug.
 */
#ifndef NT_LOG_H
#define NT_LOG_H

#include <stdarg.h>

enum nt_log_level {
	NT_LOG_ERROR = 0,
	NT_LOG_WARN,
	NT_LOG_INFO,
	NT_LOG_DEBUG,
};

/* The level in force (default warn). Read it to skip building a message. */
extern enum nt_log_level nt_log_level;

void nt_log_set_level(enum nt_log_level lvl);

/* "error", "warn", "info", "debug" -> 0..3, or -1. */
int nt_log_level_parse(const char *word);
const char *nt_log_level_name(enum nt_log_level lvl);

/* Writes "nettrail: " + the message + '\n' when lvl is in force. */
void nt_log(enum nt_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nt_vlog(enum nt_log_level lvl, const char *fmt, va_list ap);

#define nt_err(...)  nt_log(NT_LOG_ERROR, __VA_ARGS__)
#define nt_warn(...) nt_log(NT_LOG_WARN, __VA_ARGS__)
#define nt_info(...) nt_log(NT_LOG_INFO, __VA_ARGS__)
#define nt_debug(...)                                      \
	do {                                               \
		if (nt_log_level >= NT_LOG_DEBUG)          \
			nt_log(NT_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* For libbpf_set_print(): warn/info/debug mapped onto ours. */
int nt_log_libbpf(int libbpf_level, const char *fmt, va_list ap);

#endif
