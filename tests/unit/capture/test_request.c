// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_request.c - the capture request (user/capture/request.c): selectors
 * and limits with their errors, the wire form both ways, CIDR matching.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "request.h"

static int set(struct nt_capreq *r, const char *k, const char *v, char *err)
{
	return nt_capreq_set(r, k, v, err, 256);
}

Test(capreq, defaults)
{
	struct nt_capreq r;

	nt_capreq_init(&r);
	cr_assert_eq(r.duration, 60);
	cr_assert_eq(r.bytes, 100000000ull);
	cr_assert_eq(r.snaplen, 262144);
	cr_assert_eq(r.packets, 0);
}

Test(capreq, selectors)
{
	struct nt_capreq r;
	char err[256];

	nt_capreq_init(&r);
	cr_assert_eq(set(&r, "pod", "shop/web-0", err), 0);
	cr_assert_str_eq(r.pods[0].ns, "shop");
	cr_assert_str_eq(r.pods[0].name, "web-0");
	cr_assert_eq(set(&r, "selector", "shop:app=web,tier=front", err), 0);
	cr_assert_eq(r.sels[0].nlabels, 2);
	cr_assert_str_eq(r.sels[0].labels[1][0], "tier");
	cr_assert_str_eq(r.sels[0].labels[1][1], "front");
	cr_assert_eq(set(&r, "ip", "10.1.2.3/24", err), 0);
	cr_assert_eq(r.ips[0].len, 120);
	cr_assert_eq(r.ips[0].addr[15], 0); /* host bits cleared */
	cr_assert_eq(r.ips[0].addr[14], 2);
	cr_assert_eq(set(&r, "ip", "fd00::1", err), 0);
	cr_assert_eq(r.ips[1].len, 128);
	cr_assert_eq(set(&r, "flow", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", err), 0);
	cr_assert_eq(set(&r, "interface", "veth1", err), 0);
}

Test(capreq, errors)
{
	static const struct {
		const char *k, *v, *err;
	} bad[] = {
		{ "pod", "web", "--pod 'web': expected NAMESPACE/NAME" },
		{ "pod", "Shop/web", "--pod 'Shop/web': not a valid namespace/name" },
		{ "selector", "shop", "--selector 'shop': expected NAMESPACE:KEY=VALUE[,...]" },
		{ "selector", "shop:app", "--selector 'shop:app': expected KEY=VALUE" },
		{ "selector", "shop:a=b,,c=d", "--selector 'shop:a=b,,c=d': bad label list" },
		{ "ip", "10.0.0.0/33", "--ip '10.0.0.0/33': not an address or CIDR" },
		{ "ip", "10.0.0.0/", "--ip '10.0.0.0/': not an address or CIDR" },
		{ "ip", "10.0.0.0/-1", "--ip '10.0.0.0/-1': not an address or CIDR" },
		{ "ip", "fd00::/129", "--ip 'fd00::/129': not an address or CIDR" },
		{ "ip", "example.com", "--ip 'example.com': not an address or CIDR" },
		{ "flow", "1:abc", "--flow '1:abc': not a Community ID v1 (1:<28 base64>)" },
		{ "interface", "a/b", "--interface 'a/b': not an interface name" },
		{ "interface", "0123456789abcdef",
		  "--interface '0123456789abcdef': not an interface name" },
		{ "duration", "0", "--duration '0': 1 to 3600 seconds" },
		{ "duration", "3601", "--duration '3601': 1 to 3600 seconds" },
		{ "duration", "-5", "--duration '-5': 1 to 3600 seconds" },
		{ "snaplen", "262145", "--snaplen '262145': 1 to 262144" },
		{ "packets", "0", "--packets '0': a positive count" },
		{ "bytes", "12x", "--bytes '12x': a positive count" },
		{ "colour", "red", "unknown request key 'colour'" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nt_capreq r;

		nt_capreq_init(&r);
		cr_assert_eq(set(&r, bad[i].k, bad[i].v, err), -1, "%s %s", bad[i].k, bad[i].v);
		cr_assert_str_eq(err, bad[i].err);
	}
}

Test(capreq, wire_round_trip)
{
	struct nt_capreq r, back;
	char buf[NT_CAPREQ_MAX], err[256];
	size_t n;

	nt_capreq_init(&r);
	set(&r, "pod", "shop/web-0", err);
	set(&r, "selector", "shop:app=web", err);
	set(&r, "ip", "10.0.0.0/8", err);
	set(&r, "ip", "fd00:244::/32", err);
	set(&r, "flow", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", err);
	set(&r, "interface", "eth0", err);
	set(&r, "filter", "tcp port 443 and not host 10.0.0.1", err);
	set(&r, "packets", "10", err);
	set(&r, "snaplen", "96", err);
	n = nt_capreq_format(&r, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf, "NETTRAIL-CAPTURE 1\n"
			      "pod shop/web-0\n"
			      "selector shop:app=web\n"
			      "ip 10.0.0.0/8\n"
			      "ip fd00:244::/32\n"
			      "flow 1:LQU9qZlK+B5F3KDmev6m5PMibrg=\n"
			      "interface eth0\n"
			      "filter tcp port 443 and not host 10.0.0.1\n"
			      "duration 60\n"
			      "packets 10\n"
			      "bytes 100000000\n"
			      "snaplen 96\n"
			      "end\n");
	cr_assert_eq(nt_capreq_parse(&back, buf, n, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(memcmp(&r, &back, sizeof(r)), 0);
	/* a prefix of it: more to come */
	cr_assert_eq(nt_capreq_parse(&back, buf, n - 3, err, sizeof(err)), 0);
}

Test(capreq, parse_errors)
{
	static const struct {
		const char *in, *err;
	} bad[] = {
		{ "GET / HTTP/1.1\n", "not a capture request (version?)" },
		{ "NETTRAIL-CAPTURE 1\nend\n",
		  "no selector: give --pod, --selector, --ip, --flow or --interface" },
		{ "NETTRAIL-CAPTURE 1\nip 1.2.3.4\nend\nmore", "bytes after the request's end" },
		{ "NETTRAIL-CAPTURE 1\nip\n", "bad request line 'ip'" },
		{ "NETTRAIL-CAPTURE 1\nfilter a\tb\n", "bad request: control character" },
		{ "NETTRAIL-CAPTURE 1\nip 1.2.3.4/40\n",
		  "--ip '1.2.3.4/40': not an address or CIDR" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nt_capreq r;

		cr_assert_eq(nt_capreq_parse(&r, bad[i].in, strlen(bad[i].in), err, sizeof(err)),
			     -1, "%s", bad[i].in);
		cr_assert_str_eq(err, bad[i].err);
	}
}

Test(capreq, frame_head)
{
	uint8_t h[5];

	nt_capframe_head(h, 'D', 0x01020304);
	cr_assert_eq(memcmp(h, "D\x01\x02\x03\x04", 5), 0);
}
