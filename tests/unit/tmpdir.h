/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpdir.h - temp paths for unit tests: always under $TMPDIR (make test gives
 * every suite a fresh one), the system default only when it is unset. Never a fixed path.
 */
#ifndef NT_TEST_TMPDIR_H
#define NT_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *nt_test_tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

/* "$TMPDIR/<name>" into buf (name ends in XXXXXX for mkstemp/mkdtemp). */
static inline char *nt_test_tmp(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", nt_test_tmpdir(), name);
	return buf;
}

#endif
