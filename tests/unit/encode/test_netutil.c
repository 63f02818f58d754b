// SPDX-License-Identifier: BSD-2-Clause
/* netutil.c: network.transport names are IANA keywords in lower case, the
 * same list as the flow schema's enum (tests/lib/validate_records.py). */
#include <criterion/criterion.h>
#include "netutil.h"

#include <arpa/inet.h>
#include <string.h>

Test(netutil, transport_names_are_iana_keywords)
{
	static const struct {
		int proto;
		const char *name;
	} want[] = {
		{ 1, "icmp" },	    { 2, "igmp" },	   { 4, "ipv4" },	{ 6, "tcp" },
		{ 17, "udp" },	    { 33, "dccp" },	   { 41, "ipv6" },	{ 47, "gre" },
		{ 50, "esp" },	    { 51, "ah" },	   { 58, "ipv6-icmp" }, { 89, "ospfigp" },
		{ 103, "pim" },	    { 112, "vrrp" },	   { 115, "l2tp" },	{ 132, "sctp" },
		{ 136, "udplite" }, { 137, "mpls-in-ip" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *n = nt_transport_name((uint8_t)want[i].proto);

		cr_expect(n && !strcmp(n, want[i].name), "protocol %d: %s, want %s", want[i].proto,
			  n ? n : "(none)", want[i].name);
	}
	cr_expect_null(nt_transport_name(253), "experimental: the number, no name");
}

/* nt_addr_fmt writes IPv4 by hand: the same text as inet_ntop for every
 * octet value in every position, and its length. */
Test(netutil, ipv4_text_is_inet_ntops)
{
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff };
	char got[NT_ADDRSTRLEN], want[INET_ADDRSTRLEN];

	for (unsigned v = 0; v < 256 * 4; v++) {
		unsigned pos = v / 256, b = v % 256;

		memset(a + 12, 0, 4);
		a[12 + pos] = (uint8_t)b;
		a[12 + (pos + 1) % 4] = (uint8_t)(255 - b);
		size_t n = nt_addr_fmt(got, 4, a);

		inet_ntop(AF_INET, a + 12, want, sizeof(want));
		cr_assert_str_eq(got, want, "octet %u = %u", pos, b);
		cr_assert_eq(n, strlen(want));
	}
	memcpy(a + 12, (uint8_t[]){ 255, 255, 255, 255 }, 4);
	cr_expect_eq(nt_addr_fmt(got, 4, a), 15);
	cr_expect_str_eq(got, "255.255.255.255");
}
