// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_dns_psl.c - libFuzzer target for the Public Suffix List split of DNS
 * names (user/inspect/dns_psl.c). The input, cut at its first NUL and at
 * 300 bytes, is split; the target checks what dns_psl.h promises: both
 * parts are suffixes of the name (no longer than it), the registered domain
 * is longer than the public suffix and ends with it, and the subdomain plus
 * a dot plus the registered domain is the name.
 *
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser/inspect -Iinclude \
 *         tests/fuzz/fuzz_dns_psl.c user/inspect/dns_psl.c -lpsl -o "$TMPDIR/fz"
 *   "$TMPDIR/fz" -max_total_time=120 "$TMPDIR/fz-corpus" tests/fuzz/corpus/dns_psl
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_psl.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[301];
	size_t n = size < 300 ? size : 300;
	struct nt_dn_split s;
	struct nt_dn_parts p;

	memcpy(name, data, n);
	name[n] = 0;
	n = strlen(name);
	nt_psl_split(name, &s);
	p = nt_psl_parts(name, &s);
	CHECK(p.registered_len <= n && p.tld_len <= n);
	if (p.registered_len) {
		CHECK(p.registered + p.registered_len == name + n);
		CHECK(p.tld_len && p.tld_len < p.registered_len);
		CHECK(p.registered[p.registered_len - p.tld_len - 1] == '.');
	}
	if (p.subdomain_len) {
		CHECK(p.subdomain == name);
		CHECK(p.subdomain_len + 1 + p.registered_len == n);
		CHECK(name[p.subdomain_len] == '.');
	}
	return 0;
}
