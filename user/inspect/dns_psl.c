// SPDX-License-Identifier: BSD-2-Clause
/* dns_psl.c - DNS names split by the Public Suffix List (libpsl). */
#include "dns_psl.h"

#include <libpsl.h>
#include <pthread.h>
#include <string.h>

static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
	/* the newest of the built-in list and the distribution's file;
	 * psl_latest() falls back to the built-in one by itself */
	psl = psl_latest(NULL);
	if (!psl)
		psl = psl_builtin();
}

void nt_psl_split(const char *name, struct nt_dn_split *out)
{
	char low[DNS_MAX_NAME];
	size_t n = strlen(name);
	const char *reg, *tld;

	out->reg_len = out->tld_len = 0;
	if (n == 0 || n >= sizeof(low) || (n == 1 && name[0] == '.'))
		return;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];

		low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	pthread_once(&psl_once, psl_load);
	if (!psl)
		return;
	tld = psl_unregistrable_domain(psl, low);
	reg = psl_registrable_domain(psl, low);
	if (tld && *tld)
		out->tld_len = (uint16_t)strlen(tld);
	if (reg && *reg)
		out->reg_len = (uint16_t)strlen(reg);
}
