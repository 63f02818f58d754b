// SPDX-License-Identifier: BSD-2-Clause
/* The one address-prefix parser (user/cidr.c): what it takes, what it
 * refuses, and the match. */
#include <criterion/criterion.h>
#include <string.h>

#include "cidr.h"

static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };

static int parses(const char *s, unsigned flags, struct nt_cidr *c)
{
	memset(c, 0xaa, sizeof(*c));
	return nt_cidr_parse(s, flags, c) == 0;
}

Test(cidr, ipv4_prefix)
{
	struct nt_cidr c;

	cr_assert(parses("10.96.0.0/12", 0, &c));
	cr_assert_eq(c.len, 96 + 12);
	cr_assert_arr_eq(c.addr, v4map, 12);
	cr_assert_eq(c.addr[12], 10);
	cr_assert_eq(c.addr[13], 96);
	cr_assert(parses("0.0.0.0/0", 0, &c));
	cr_assert_eq(c.len, 96);
}

Test(cidr, ipv6_prefix)
{
	struct nt_cidr c;
	static const uint8_t want[16] = { 0xfd, 0x00, 0x00, 0x96 };

	cr_assert(parses("fd00:96::/108", 0, &c));
	cr_assert_eq(c.len, 108);
	cr_assert_arr_eq(c.addr, want, 16);
	cr_assert(parses("::/0", 0, &c));
	cr_assert_eq(c.len, 0);
}

Test(cidr, bare_address_only_when_asked)
{
	struct nt_cidr c;

	cr_assert_not(parses("10.1.2.3", 0, &c));
	cr_assert(parses("10.1.2.3", NT_CIDR_BARE, &c));
	cr_assert_eq(c.len, 128);
	cr_assert_eq(c.addr[15], 3);
	cr_assert(parses("2001:db8::1", NT_CIDR_BARE, &c));
	cr_assert_eq(c.len, 128);
}

Test(cidr, host_bits_refused_or_cleared)
{
	struct nt_cidr c;

	cr_assert_not(parses("10.1.2.3/8", NT_CIDR_HOST_ZERO, &c));
	cr_assert_not(parses("fd00::1/64", NT_CIDR_HOST_ZERO, &c));
	cr_assert(parses("10.1.2.3/8", 0, &c));
	cr_assert_eq(c.addr[12], 10);
	cr_assert_eq(c.addr[13] | c.addr[14] | c.addr[15], 0);
	cr_assert(parses("10.1.2.3/31", 0, &c));
	cr_assert_eq(c.addr[15], 2);
}

/* every one of these is a typo a person makes; none may become /0 (the
 * detector's parser used to read "/abc" and "/" as /0: every address
 * inside) */
Test(cidr, malformed_refused)
{
	static const char *bad[] = {
		"",
		"/8",
		"10.0.0.0/",
		"10.0.0.0/abc",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/ 8",
		"10.0.0.0/8 ",
		"10.0.0.0/33",
		"10.0.0.0/8/8",
		"fd00::/129",
		"10.0.0/8",
		"10.0.0.256/8",
		"fd00:::/8",
		"example.com/8",
		"10.0.0.0/99999999999999999999",
	};
	struct nt_cidr c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(parses(bad[i], 0, &c), "'%s' parsed", bad[i]);
		cr_assert_not(parses(bad[i], NT_CIDR_BARE, &c), "'%s' parsed (bare)", bad[i]);
	}
}

Test(cidr, contains)
{
	struct nt_cidr c;
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 100 };

	cr_assert(parses("10.96.0.0/12", 0, &c));
	cr_assert(nt_cidr_contains(&c, a)); /* 10.100.0.0 */
	a[13] = 112;
	cr_assert_not(nt_cidr_contains(&c, a)); /* 10.112.0.0 */
	cr_assert(parses("::/0", 0, &c));
	cr_assert(nt_cidr_contains(&c, a));
	cr_assert(parses("10.112.0.0", NT_CIDR_BARE, &c));
	cr_assert(nt_cidr_contains(&c, a));
	a[15] = 1;
	cr_assert_not(nt_cidr_contains(&c, a));
}

/* (the capture requests' --ip, bare addresses allowed) */
Test(cidr, mapped_form_and_families)
{
	struct nt_cidr c, ip;

	cr_assert_eq(nt_cidr_parse("10.244.0.0/15", NT_CIDR_BARE, &c), 0);
	cr_assert_eq(nt_cidr_parse("10.245.255.255", NT_CIDR_BARE, &ip), 0);
	cr_assert(nt_cidr_contains(&c, ip.addr));
	cr_assert_eq(nt_cidr_parse("10.246.0.0", NT_CIDR_BARE, &ip), 0);
	cr_assert_not(nt_cidr_contains(&c, ip.addr));
	cr_assert_eq(nt_cidr_parse("::ffff:10.244.1.1", NT_CIDR_BARE, &ip), 0); /* the same */
	cr_assert(nt_cidr_contains(&c, ip.addr));
	cr_assert_eq(nt_cidr_parse("0.0.0.0/0", 0, &c), 0);
	cr_assert_eq(nt_cidr_parse("fd00::1", NT_CIDR_BARE, &ip), 0);
	cr_assert_not(nt_cidr_contains(&c, ip.addr)); /* IPv4's /0 is not IPv6 */
}

Test(cidr, text)
{
	static const char *in[] = { "10.96.0.0/12", "0.0.0.0/0",	   "fd00:96::/108",
				    "::/0",	    "::ffff:10.0.0.0/104", "10.1.2.3" };
	static const char *want[] = { "10.96.0.0/12", "0.0.0.0/0",  "fd00:96::/108",
				      "::/0",	      "10.0.0.0/8", "10.1.2.3/32" };
	char out[NT_CIDR_STRLEN];
	struct nt_cidr c;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		cr_assert_eq(nt_cidr_parse(in[i], NT_CIDR_BARE, &c), 0, "%s", in[i]);
		nt_cidr_fmt(&c, out, sizeof(out));
		cr_assert_str_eq(out, want[i]);
	}
}
