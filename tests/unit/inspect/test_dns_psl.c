// SPDX-License-Identifier: BSD-2-Clause
/* DNS names split by the Public Suffix List (user/inspect/dns_psl.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dns_psl.h"

/* The three ECS parts of name as text ("" when absent). */
static void parts(const char *name, char *reg, char *sub, char *tld)
{
	struct nt_dn_split s;
	struct nt_dn_parts p;

	nt_psl_split(name, &s);
	p = nt_psl_parts(name, &s);
	memcpy(reg, p.registered, p.registered_len);
	reg[p.registered_len] = 0;
	memcpy(sub, p.subdomain, p.subdomain_len);
	sub[p.subdomain_len] = 0;
	memcpy(tld, p.tld, p.tld_len);
	tld[p.tld_len] = 0;
}

struct psl_case {
	const char *name, *reg, *sub, *tld;
};

static const struct psl_case cases[] = {
	{ "www.example.com", "example.com", "www", "com" },
	{ "example.com", "example.com", "", "com" },
	{ "www.example.co.uk", "example.co.uk", "www", "co.uk" },
	{ "a.b.c.example.co.uk", "example.co.uk", "a.b.c", "co.uk" },
	{ "co.uk", "", "", "co.uk" },
	{ "com", "", "", "com" },
	/* private section: github.io is a suffix */
	{ "foo.github.io", "foo.github.io", "", "github.io" },
	{ "x.foo.github.io", "foo.github.io", "x", "github.io" },
	/* unlisted TLDs follow the "*" rule */
	{ "kube-dns.kube-system.svc.cluster.local", "cluster.local", "kube-dns.kube-system.svc",
	  "local" },
	{ "api.internal.example", "internal.example", "api", "example" },
	/* case kept as given, matched without it */
	{ "WWW.Example.CO.UK", "Example.CO.UK", "WWW", "CO.UK" },
	/* a dnscat2/iodine-shaped label */
	{ "0ba1c2d3e4f5a6b7c8d9.t.tunnel.example.net", "example.net",
	  "0ba1c2d3e4f5a6b7c8d9.t.tunnel", "net" },
	{ "xn--80ak6aa92e.com", "xn--80ak6aa92e.com", "", "com" },
	{ ".", "", "", "" },
	{ "", "", "", "" },
};

Test(dns_psl, ecs_parts)
{
	char reg[256], sub[256], tld[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parts(cases[i].name, reg, sub, tld);
		cr_expect_str_eq(reg, cases[i].reg, "%s: registered %s", cases[i].name, reg);
		cr_expect_str_eq(sub, cases[i].sub, "%s: subdomain %s", cases[i].name, sub);
		cr_expect_str_eq(tld, cases[i].tld, "%s: tld %s", cases[i].name, tld);
	}
}

/* 253 characters is the longest plain name; with escapes (a tunnel's
 * binary labels) the text reaches 1,003 and is still split; longer text
 * (no wire name has it) is not. */
Test(dns_psl, longest_name)
{
	char name[1100];
	struct nt_dn_split s;

	memset(name, 'a', sizeof(name));
	for (int i = 63; i < 240; i += 64)
		name[i] = '.';
	memcpy(name + 249, ".com", 5); /* 253 chars */
	nt_psl_split(name, &s);
	cr_expect_eq(s.tld_len, 3);
	cr_expect_eq(s.reg_len, 253 - 192);
	memset(name, 'a', sizeof(name));
	memcpy(name + 250, ".com", 5); /* 254 chars, one label: split as it is */
	nt_psl_split(name, &s);
	cr_expect_eq(s.reg_len, 254);
	cr_expect_eq(s.tld_len, 3);

	/* 200 escaped bytes (800 chars), then a registered domain of 63 */
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(name + n, "\\%03d", 200 + i % 50);
	name[n++] = '.';
	memset(name + n, 'x', 59);
	n += 59;
	memcpy(name + n, ".org", 5);
	cr_assert_eq(strlen(name), 864);
	nt_psl_split(name, &s);
	cr_expect_eq(s.reg_len, 63);
	cr_expect_eq(s.tld_len, 3);
	memset(name, 'a', DNS_MAX_NAME); /* DNS_MAX_NAME chars: longer than any */
	memcpy(name + DNS_MAX_NAME - 4, ".com", 5);
	nt_psl_split(name, &s);
	cr_expect_eq(s.reg_len, 0);
	cr_expect_eq(s.tld_len, 0);
}

/* A zeroed split names no part (structures built by memset stay quiet). */
Test(dns_psl, zero_split_is_none)
{
	struct nt_dn_split s = { 0, 0 };
	struct nt_dn_parts p = nt_psl_parts("www.example.com", &s);

	cr_expect_eq(p.registered_len, 0);
	cr_expect_eq(p.subdomain_len, 0);
	cr_expect_eq(p.tld_len, 0);
}
