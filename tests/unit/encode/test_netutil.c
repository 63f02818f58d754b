// SPDX-License-Identifier: BSD-2-Clause
/* netutil.c: network.transport names are IANA keywords in lower case, the
 * same list as the flow schema's enum (tests/lib/validate_records.py). */
#include <criterion/criterion.h>
#include "netutil.h"

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
