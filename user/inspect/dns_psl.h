/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_psl.h - a DNS name split by the Public Suffix List (libpsl).
 *
 * "www.example.co.uk" -> top-level domain (the public suffix, ECS
 * top_level_domain) "co.uk", registered domain "example.co.uk", subdomain
 * "www". The parts are suffixes of the name (the subdomain its prefix), so
 * a split is two lengths: callers keep the name and the lengths and compute
 * the split once per name (a DNS transaction, a cache entry), never per
 * flow report. A zeroed split means "no part known".
 *
 * The list is the distribution's newest (Debian `publicsuffix`, through
 * psl_latest()), or libpsl's built-in one when that cannot be read; private
 * suffixes (github.io...) count as suffixes, as browsers and RITA treat them.
 * Names are matched case-insensitively; the offsets hold for the name as
 * given (ASCII case does not change lengths).
 */
#ifndef NT_DNS_PSL_H
#define NT_DNS_PSL_H

#include <stdint.h>

#include "dns_msg.h"

#include <string.h>

struct nt_dn_split {
	uint16_t reg_len; /* the registered domain: the name's last reg_len chars; 0: none */
	uint16_t tld_len; /* the public suffix: its last tld_len chars; 0: none */
};

/* Splits name (text form of dns_msg.h, no trailing dot, shorter than
 * DNS_MAX_NAME: escapes make a 255-octet name up to 1,003 chars). A name
 * that is itself a public suffix ("co.uk") has a suffix and no registered
 * domain; the root, an empty or overlong name has neither. */
void nt_psl_split(const char *name, struct nt_dn_split *out);

/* The parts of name as (pointer, length); length 0 when absent. The
 * subdomain is the labels before the registered domain, without the dot. */
struct nt_dn_parts {
	const char *registered, *subdomain, *tld;
	size_t registered_len, subdomain_len, tld_len;
};

static inline struct nt_dn_parts nt_psl_parts(const char *name, const struct nt_dn_split *s)
{
	size_t n = strlen(name);
	struct nt_dn_parts p = { name, name, name, 0, 0, 0 };

	if (s->reg_len && s->reg_len <= n) {
		p.registered = name + n - s->reg_len;
		p.registered_len = s->reg_len;
		p.subdomain_len = n > s->reg_len + 1u ? n - s->reg_len - 1u : 0;
	}
	if (s->tld_len && s->tld_len <= n) {
		p.tld = name + n - s->tld_len;
		p.tld_len = s->tld_len;
	}
	return p;
}

#endif
