// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_dns_msg.c - libFuzzer target for the DNS message parser.
 *
 * The input is parsed twice: as one DNS message, and as one direction of a
 * TCP connection (dns_tcp_next framing, each message parsed). Besides the
 * sanitizers, the target checks what dns_msg.h promises about the result
 * and aborts when a promise is broken: names and data NUL-terminated
 * printable ASCII within their arrays, names at most DNS_MAX_NAME - 1 (1,003) characters, at
 * most DNS_MAX_ANSWERS answers, A/AAAA with their address, helpers total.
 *
 * Build and run (seeds: the captured real messages):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser -Iinclude \
 *         tests/fuzz/fuzz_dns_msg.c user/inspect/dns_msg.c -o "$TMPDIR/fz"
 *   "$TMPDIR/fz" -max_total_time=120 "$TMPDIR/fz-corpus" tests/fuzz/corpus/dns_msg
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* NUL within size bytes, and every byte before it in lo..0x7e */
static size_t text_ok(const char *s, size_t size, char lo)
{
	const char *nul = memchr(s, '\0', size);

	CHECK(nul);
	for (const char *p = s; p < nul; p++)
		CHECK(*p >= lo && *p <= 0x7e);
	return (size_t)(nul - s);
}

static void check(const struct dns_msg *m, enum dns_err err)
{
	const char *f[7];
	size_t n;

	CHECK(dns_err_name(err) != NULL);
	CHECK(m->n_answers <= DNS_MAX_ANSWERS);
	CHECK(!m->answers_truncated || m->n_answers == DNS_MAX_ANSWERS);
	CHECK(m->n_answers <= m->ancount);
	n = text_ok(m->qname, sizeof(m->qname), 0x21);
	CHECK(n <= DNS_MAX_NAME - 1);
	CHECK(!m->has_question || n > 0);
	for (unsigned int i = 0; i < m->n_answers; i++) {
		const struct dns_rr *r = &m->answers[i];

		n = text_ok(r->name, sizeof(r->name), 0x21);
		CHECK(n > 0 && n <= DNS_MAX_NAME - 1);
		text_ok(r->data, sizeof(r->data), 0x20);
		if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
			CHECK(r->ip_len == (r->type == DNS_T_A ? 4 : 16));
		else
			CHECK(r->ip_len == 0);
		(void)dns_type_name(r->type);
	}
	n = dns_header_flags(m, f);
	CHECK(n <= 7);
	for (size_t i = 0; i < n; i++)
		CHECK(f[i] && strlen(f[i]) == 2);
	(void)dns_rcode_name(m->rcode);
	(void)dns_type_name(m->qtype);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m;
	const uint8_t *p = data, *pl;
	size_t left = size;

	check(&m, dns_parse(data, size, &m));

	/* each turn consumes at least 2 bytes or stops */
	while (left) {
		size_t n = dns_tcp_next(p, left, &pl);

		if (!n) {
			if (!pl)
				break;
			CHECK(pl == p + 2);
			p += 2;
			left -= 2;
			continue;
		}
		CHECK(pl == p + 2 && n <= left - 2);
		check(&m, dns_parse(pl, n, &m));
		p += 2 + n;
		left -= 2 + n;
	}
	return 0;
}
