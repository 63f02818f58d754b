// SPDX-License-Identifier: BSD-2-Clause
/* The DNS stage: transactions, TCP reassembly, expiry, the name cache. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "dns_fixture.h"

#define NS 1000000000ULL

static struct nt_dns_txn got[8];
static char got_qname[8][DNS_MAX_NAME];
static int n_got, got_answered[8], got_answers[8];

static void on_txn(void *ctx, const struct nt_dns_txn *t)
{
	(void)ctx;
	if (n_got < 8) {
		got[n_got] = *t;
		memcpy(got_qname[n_got], t->qname, DNS_MAX_NAME);
		got_answered[n_got] = t->has_answer;
		got_answers[n_got] = t->answer ? t->answer->n_answers : -1;
	}
	n_got++;
}

static struct nt_dns *stage(size_t cache_max)
{
	struct nt_dns_opts o = { .answer_timeout_ns = 5 * NS,
				 .cache_max = cache_max,
				 .grace_ns = 10 * NS,
				 .emit = on_txn };

	n_got = 0;
	return nt_dns_new(&o);
}

static const uint8_t IP1[4] = { 93, 184, 216, 34 };

Test(dns_stage, udp_pair_and_names)
{
	static struct nt_sample s;
	uint8_t b[512], addr[16], client[16], other[16] = { 0 };
	struct nt_dns *d = stage(100);
	size_t n;

	n = dnsfx_msg(b, 0x1234, "www.example.com", 0, NULL, 0);
	dnsfx_sample(&s, 17, 0, 1 * NS, 0, b, n);
	cr_assert_eq(nt_dns_on_sample(d, &s), 1);
	cr_expect_eq(n_got, 0);
	n = dnsfx_msg(b, 0x1234, "www.example.com", 1, IP1, 60);
	dnsfx_sample(&s, 17, 1, 1 * NS + 2500000, 0, b, n);
	cr_assert_eq(nt_dns_on_sample(d, &s), 1);
	cr_assert_eq(n_got, 1);
	cr_expect(got_answered[0]);
	cr_expect_eq(got[0].client, 0);
	cr_expect_eq(got[0].answer_ns - got[0].query_ns, 2500000);
	cr_expect_str_eq(got_qname[0], "www.example.com");
	cr_expect_eq(got_answers[0], 1);
	dnsfx_mapped(addr, IP1);
	memcpy(client, s.key.addr[0], 16);
	cr_expect_str_eq(nt_dns_name(d, client, addr, 2 * NS), "www.example.com");
	/* another client behind the same resolver: the node-wide entry */
	other[10] = other[11] = 0xff;
	other[15] = 99;
	cr_expect_str_eq(nt_dns_name(d, other, addr, 2 * NS), "www.example.com");
	/* past TTL + grace: gone */
	cr_expect_null(nt_dns_name(d, client, addr, 72 * NS));
	cr_expect_eq(nt_dns_stats(d)->answered, 1);
	nt_dns_free(d);
}

Test(dns_stage, unanswered_and_unmatched)
{
	static struct nt_sample s;
	uint8_t b[512];
	struct nt_dns *d = stage(100);
	size_t n;

	n = dnsfx_msg(b, 7, "lost.example.com", 0, NULL, 0);
	dnsfx_sample(&s, 17, 0, 10 * NS, 0, b, n);
	nt_dns_on_sample(d, &s);
	dnsfx_sample(&s, 17, 0, 11 * NS, 0, b, n); /* a retry keeps the first time */
	nt_dns_on_sample(d, &s);
	nt_dns_expire(d, 14 * NS);
	cr_expect_eq(n_got, 0);
	nt_dns_expire(d, 15 * NS);
	cr_assert_eq(n_got, 1);
	cr_expect(!got_answered[0]);
	cr_expect_eq(got[0].query_ns, 10 * NS);
	/* an answer whose query was not seen */
	n = dnsfx_msg(b, 9, "late.example.com", 1, IP1, 30);
	dnsfx_sample(&s, 17, 1, 20 * NS, 0, b, n);
	nt_dns_on_sample(d, &s);
	cr_assert_eq(n_got, 2);
	cr_expect(got_answered[1] && !got[1].has_query);
	cr_expect_eq(got[1].client, 0);
	cr_expect_eq(nt_dns_stats(d)->unanswered, 1);
	cr_expect_eq(nt_dns_stats(d)->unmatched_answers, 1);
	nt_dns_free(d);
}

Test(dns_stage, tcp_message_split_repeated_and_two_in_one)
{
	static struct nt_sample s;
	uint8_t m1[512], m2[512], st[1200];
	struct nt_dns *d = stage(100);
	size_t n1, n2, n = 0;

	n1 = dnsfx_msg(m1, 1, "a.example.com", 0, NULL, 0);
	n2 = dnsfx_msg(m2, 2, "b.example.com", 0, NULL, 0);
	st[n++] = 0;
	st[n++] = (uint8_t)n1;
	memcpy(st + n, m1, n1);
	n += n1;
	st[n++] = 0;
	st[n++] = (uint8_t)n2;
	memcpy(st + n, m2, n2);
	n += n2;
	/* segment 1: the first 10 bytes; then again (a retransmission);
	 * segment 2: the rest (the end of message 1 and all of message 2) */
	dnsfx_sample(&s, 6, 0, 1 * NS, 1000, st, 10);
	cr_expect_eq(nt_dns_on_sample(d, &s), 0);
	dnsfx_sample(&s, 6, 0, 1 * NS, 1000, st, 10);
	cr_expect_eq(nt_dns_on_sample(d, &s), 0);
	dnsfx_sample(&s, 6, 0, 2 * NS, 1010, st + 10, n - 10);
	cr_expect_eq(nt_dns_on_sample(d, &s), 2);
	cr_expect_eq(nt_dns_stats(d)->pending, 2);
	cr_expect_eq(nt_dns_stats(d)->parse_errors, 0);
	cr_expect_eq(nt_dns_stats(d)->tcp_gaps, 0);
	/* a gap: the stream restarts at the next segment */
	dnsfx_sample(&s, 6, 0, 3 * NS, 5000, st, n);
	cr_expect_eq(nt_dns_on_sample(d, &s), 2);
	cr_expect_eq(nt_dns_stats(d)->tcp_gaps, 1);
	nt_dns_free(d);
}

/* Found by fuzz_payload: a segment far behind the stream (a very old
 * retransmission) must add nothing and form no out-of-bounds pointer. */
Test(dns_stage, tcp_old_segment_far_behind)
{
	static struct nt_sample s;
	uint8_t m1[512], st[600];
	struct nt_dns *d = stage(100);
	size_t n1 = dnsfx_msg(m1, 1, "a.example.com", 0, NULL, 0);

	st[0] = 0;
	st[1] = (uint8_t)n1;
	memcpy(st + 2, m1, n1);
	dnsfx_sample(&s, 6, 0, NS, 100000, st, n1 + 2);
	cr_expect_eq(nt_dns_on_sample(d, &s), 1);
	dnsfx_sample(&s, 6, 0, 2 * NS, 100000 - 20771, st, 10);
	cr_expect_eq(nt_dns_on_sample(d, &s), 0);
	cr_expect_eq(nt_dns_stats(d)->tcp_gaps, 0);
	cr_expect_eq(nt_dns_stats(d)->parse_errors, 0);
	nt_dns_free(d);
}

Test(dns_stage, cache_is_bounded_lru)
{
	static struct nt_sample s;
	uint8_t b[512], ip[4] = { 10, 9, 0, 0 }, addr[16];
	struct nt_dns *d = stage(6); /* 3 addresses: 2 entries each */
	char name[32];
	size_t n;

	for (int i = 0; i < 5; i++) {
		ip[3] = (uint8_t)i;
		snprintf(name, sizeof(name), "h%d.example.com", i);
		n = dnsfx_msg(b, (uint16_t)i, name, 1, ip, 300);
		dnsfx_sample(&s, 17, 1, NS, 0, b, n);
		nt_dns_on_sample(d, &s);
	}
	cr_expect_eq(nt_dns_stats(d)->cache_entries, 6);
	cr_expect_eq(nt_dns_stats(d)->cache_evictions, 4);
	ip[3] = 0;
	dnsfx_mapped(addr, ip);
	cr_expect_null(nt_dns_name(d, s.key.addr[0], addr, 2 * NS));
	ip[3] = 4;
	dnsfx_mapped(addr, ip);
	cr_expect_str_eq(nt_dns_name(d, s.key.addr[0], addr, 2 * NS), "h4.example.com");
	nt_dns_free(d);
}

/* A query flood: the oldest waiting query is reported early, not lost. */
Test(dns_stage, pending_queries_are_capped)
{
	static struct nt_sample s;
	uint8_t b[512];
	struct nt_dns *d = stage(100);

	for (int i = 0; i <= NT_DNS_MAX_PENDING; i++) {
		size_t n = dnsfx_msg(b, (uint16_t)i, "flood.example.com", 0, NULL, 0);

		dnsfx_sample(&s, 17, 0, NS + (uint64_t)i, 0, b, n);
		s.key.port[0] = (uint16_t)(1000 + i / 65536);
		nt_dns_on_sample(d, &s);
	}
	cr_expect_eq(nt_dns_stats(d)->pending, NT_DNS_MAX_PENDING);
	cr_expect_eq(nt_dns_stats(d)->pending_early, 1);
	cr_expect_eq(n_got, 1);
	cr_expect(!got_answered[0]);
	cr_expect_eq(got[0].query_ns, NS); /* the oldest went */
	nt_dns_free(d);
}

/* Each transaction carries its question's Public Suffix List split, taken
 * once (from the query); the cache keeps it for the flows it names. */
Test(dns_stage, registered_domain_split)
{
	static struct nt_sample s;
	uint8_t b[512], addr[16];
	struct nt_dns *d = stage(100);
	struct nt_dn_split sp;
	struct nt_dn_parts p;
	size_t n;

	n = dnsfx_msg(b, 0x4321, "cdn.assets.example.co.uk", 0, NULL, 0);
	dnsfx_sample(&s, 17, 0, 1 * NS, 0, b, n);
	cr_assert_eq(nt_dns_on_sample(d, &s), 1);
	n = dnsfx_msg(b, 0x4321, "cdn.assets.example.co.uk", 1, IP1, 60);
	dnsfx_sample(&s, 17, 1, 1 * NS + 1000, 0, b, n);
	cr_assert_eq(nt_dns_on_sample(d, &s), 1);
	cr_assert_eq(n_got, 1);
	p = nt_psl_parts(got_qname[0], &got[0].qsplit);
	cr_expect_eq(p.registered_len, strlen("example.co.uk"));
	cr_expect_str_eq(p.registered, "example.co.uk");
	cr_expect_eq(p.subdomain_len, strlen("cdn.assets"));
	cr_expect_eq(strncmp(p.subdomain, "cdn.assets", p.subdomain_len), 0);
	cr_expect_str_eq(p.tld, "co.uk");
	dnsfx_mapped(addr, IP1);
	cr_expect_str_eq(nt_dns_name_split(d, s.key.addr[0], addr, 2 * NS, &sp),
			 "cdn.assets.example.co.uk");
	cr_expect_eq(sp.reg_len, strlen("example.co.uk"));
	cr_expect_eq(sp.tld_len, strlen("co.uk"));
	/* an answer with no query seen: split from the answer's question */
	n = dnsfx_msg(b, 0x55, "x.y.github.io", 1, IP1, 60);
	dnsfx_sample(&s, 17, 1, 3 * NS, 0, b, n);
	cr_assert_eq(nt_dns_on_sample(d, &s), 1);
	cr_assert_eq(n_got, 2);
	cr_expect_eq(got[1].qsplit.reg_len, strlen("y.github.io"));
	cr_expect_eq(got[1].qsplit.tld_len, strlen("github.io"));
	/* a miss zeroes the split */
	addr[15] ^= 1;
	sp.reg_len = 9;
	cr_expect_null(nt_dns_name_split(d, s.key.addr[0], addr, 4 * NS, &sp));
	cr_expect_eq(sp.reg_len, 0);
	nt_dns_free(d);
}
