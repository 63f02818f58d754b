// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_community_id.c - Community ID v1 against the published test vectors.
 *
 * Vectors (copied verbatim; every row gives the seed 0 base64 ID, the
 * seed 0 SHA-1 in hex, i.e. the "no base64" variant, and the seed 1 ID):
 *  - spec_tables:   corelight/community-id-spec, baseline/README.md tables
 *                   ("Default settings", "A custom seed=1 value",
 *                   "No base64-encoding")
 *  - spec_baseline: the same repo's baseline/baseline_deflt.json,
 *                   baseline_nob64.json and baseline_seed1.json, made from
 *                   pcaps/combined.pcap.gz. For ICMP their sport/dport are
 *                   the already mapped port equivalents; passing them as
 *                   type/code is exact, because a two-way type ignores its
 *                   code and a one-way type's equivalents are type/code.
 *  - pycid_unit:    corelight/pycommunityid tests/communityid_test.py
 *                   (ICMP type 20 codes, one-way ICMPv6 in both directions,
 *                   TCP port ordering, port-less IP).
 *  - sctp_ngap:     SCTP associations of NGAP (port 38412), as a 5G core
 *                   uses them (issue 11 item 5); made by Wireshark 4.0's
 *                   communityid post-dissector (tshark --enable-protocol
 *                   communityid, -o communityid.seed:1, -o
 *                   communityid.do_base64:FALSE) from a crafted capture of
 *                   each tuple both ways, and matched by an independent
 *                   Python implementation.
 *
 * Build: gcc -std=c11 -D_GNU_SOURCE -Iuser -Iinclude
 *        tests/unit/test_community_id.c user/encode/community_id.c
 *        -lcriterion -lcrypto
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "community_id.h"

struct vec {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport; /* ICMP: type, code */
	const char *id_seed0;
	const char *sha1_seed0; /* hex, the "no base64" form */
	const char *id_seed1;
};

#define V6A "fe80:0001:0203:0405:0607:0809:0A0B:0C0D"
#define V6B "fe80:1011:1213:1415:1617:1819:1A1B:1C1D"

static const struct vec spec_tables[] = {
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=",
	  "1:c026f7386ef200559e95a53276ed03fb5db908b3", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=",
	  "1:c026f7386ef200559e95a53276ed03fb5db908b3", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
	  "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
	  "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=",
	  "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
	{ 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=",
	  "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
	{ 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
	  "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
	{ 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
	  "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
	{ 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=",
	  "1:7ff6224b25aa733ad381f5026650549ef1d170f9", "1:1DD7cWGC/Yg91YGsQeni8du3pIA=" },
	{ 58, V6A, V6B, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=",
	  "1:d1b7fb872309530b777cc103ef3f0b21f46905ea", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
	{ 58, V6B, V6A, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=",
	  "1:d1b7fb872309530b777cc103ef3f0b21f46905ea", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
	{ 58, V6A, V6B, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=",
	  "1:7d80bcfa9cf6e04f8484034fd44661a57d03c35d", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=" },
	{ 46, "1.2.3.4", "5.6.7.8", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=",
	  "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=" },
	{ 46, "5.6.7.8", "1.2.3.4", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=",
	  "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=" },
	{ 46, V6A, V6B, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=",
	  "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
	{ 46, V6B, V6A, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=",
	  "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
};

#define NS200 "fe80::200:86ff:fe05:80da"
#define NS260 "fe80::260:97ff:fe07:69ea"
#define H80DA "3ffe:507:0:1:200:86ff:fe05:80da"
#define TCP6A "2001:470:e5bf:dead:4957:2174:e82c:4887"
#define TCP6B "2607:f8b0:400c:c03::1a"

static const struct vec spec_baseline[] = {
	{ 58, NS200, NS260, 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
	  "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, NS260, NS200, 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
	  "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, NS260, NS200, 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=",
	  "1:cdabf24ff71ecd0af57e6226602c189cc5db81c9", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, NS200, NS260, 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck=",
	  "1:cdabf24ff71ecd0af57e6226602c189cc5db81c9", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, "3ffe:501:1800:2345::2", H80DA, 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
	  "1:d8e6d5060227dbca19be26d866164c06087b59d4", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", H80DA, 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
	  "1:84b65dd17196a23a33aefc6a13475607588ce91d", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=" },
	{ 58, H80DA, "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
	  "1:f935be1ed2c7bd5d719c6855d65bfb5e826ba908", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, "3ffe:501:0:1001::2", H80DA, 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
	  "1:f935be1ed2c7bd5d719c6855d65bfb5e826ba908", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, NS200, "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=",
	  "1:84efac3781fe306e4c63ff2122b5cfa9ce19433d", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=" },
	{ 58, NS260, "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
	  "1:a64bc7a822fcf3fb60d64e1c3e282665752d2f4d", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	  "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	  "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=",
	  "1:607c6d022ac21bfff43b391c540ba4a8a40df713", "1:XjUibYHaafLQ3pxQeiMI8g25q20=" },
	{ 6, TCP6A, TCP6B, 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
	  "1:fea15a78047e8057b52988cccd50ec32ffb0814e", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 6, TCP6B, TCP6A, 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
	  "1:fea15a78047e8057b52988cccd50ec32ffb0814e", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
	  "1:30fd84b5108050866f4f0e8cc491cb57b37b243b", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
	  "1:30fd84b5108050866f4f0e8cc491cb57b37b243b", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
	  "1:2d053da9994af81e45dca0e67afea6e4f3226eb8", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
	  "1:2d053da9994af81e45dca0e67afea6e4f3226eb8", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
	  "1:77f14fe445b7c22635bc29dd87095e451287a304", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
	  "1:77f14fe445b7c22635bc29dd87095e451287a304", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
	  "1:28794b920a095bb89f513c934a0c957e4147ccac", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
	  "1:28794b920a095bb89f513c934a0c957e4147ccac", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
};

#define H69EA "3ffe:507:0:1:260:97ff:fe07:69ea"

static const struct vec pycid_unit[] = {
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	  "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	  "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "192.168.0.89", "192.168.0.1", 20, 0, "1:3o2RFccXzUgjl7zDpqmY7yJi8rI=",
	  "1:de8d9115c717cd482397bcc3a6a998ef2262f2b2", "1:lCXHHxavE1Vq3oX9NH5ladQg02o=" },
	{ 1, "192.168.0.89", "192.168.0.1", 20, 1, "1:tz/fHIDUHs19NkixVVoOZywde+I=",
	  "1:b73fdf1c80d41ecd7d3648b1555a0e672c1d7be2", "1:Ie3wmFyxiEyikbsbcO03d2nh+PM=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 20, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	  "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 58, NS200, NS260, 135, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
	  "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, NS260, NS200, 136, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
	  "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, H69EA, H80DA, 3, 0, "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=",
	  "1:35da1b0d7f0f40d25b0327e45b186d2f63eaa79c", "1:OlOWx9psIbBFi7lOCw/4MhlKR9M=" },
	{ 58, H80DA, H69EA, 3, 0, "1:/OGBt9BN1ofenrmSPWYicpij2Vc=",
	  "1:fce181b7d04dd687de9eb9923d66227298a3d957", "1:Ij4ZxnC87/MXzhOjvH2vHu7LRmE=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 80, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=",
	  "1:8d0802c5b92efa9346c3c58f6c473f4d2fee4e94", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=" },
	{ 132, "192.168.170.56", "192.168.170.8", 80, 7, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=",
	  "1:8d0802c5b92efa9346c3c58f6c473f4d2fee4e94", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
	  "1:2d053da9994af81e45dca0e67afea6e4f3226eb8", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
	  "1:2d053da9994af81e45dca0e67afea6e4f3226eb8", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "10.0.0.1", "10.0.0.2", 10, 11569, "1:SXBGMX1lBOwhhoDrZynfROxnhnM=",
	  "1:497046317d6504ec218680eb6729df44ec678673", "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
	  "1:77f14fe445b7c22635bc29dd87095e451287a304", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
	  "1:77f14fe445b7c22635bc29dd87095e451287a304", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 46, "10.1.24.4", "10.1.12.1", 0, 0, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=",
	  "1:fe7408e1187f4ed63799fd11da0245064565812e", "1:BK3BVW3U2eemuwVQVN3zd/GULno=" },
	{ 46, "10.1.12.1", "10.1.24.4", 0, 0, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=",
	  "1:fe7408e1187f4ed63799fd11da0245064565812e", "1:BK3BVW3U2eemuwVQVN3zd/GULno=" },
};

static const struct vec sctp_ngap[] = {
	{ 132, "10.1.0.1", "10.1.0.2", 5000, 38412, "1:YwW2ofBgHAAg0/RpPRarxyMtE5c=",
	  "1:6305b6a1f0601c0020d3f4693d16abc7232d1397", "1:w98cqboT37DU9M0bydfsATHD2UU=" },
	{ 132, "10.1.0.2", "10.1.0.1", 38412, 5000, "1:YwW2ofBgHAAg0/RpPRarxyMtE5c=",
	  "1:6305b6a1f0601c0020d3f4693d16abc7232d1397", "1:w98cqboT37DU9M0bydfsATHD2UU=" },
	{ 132, "10.1.0.1", "10.1.0.2", 5001, 38412, "1:9Fu1WuXCmk0QgpfT7jdikmYHkEo=",
	  "1:f45bb55ae5c29a4d108297d3ee3762926607904a", "1:k9GhyqvXnKcSj+83B2JXNzUde4U=" },
	{ 132, "10.1.0.2", "10.1.0.1", 38412, 5001, "1:9Fu1WuXCmk0QgpfT7jdikmYHkEo=",
	  "1:f45bb55ae5c29a4d108297d3ee3762926607904a", "1:k9GhyqvXnKcSj+83B2JXNzUde4U=" },
	{ 132, "fd00:1::1", "fd00:1::2", 5000, 38412, "1:7+pURynQBuNx7XxxlIIdDtS2N8c=",
	  "1:efea544729d006e371ed7c7194821d0ed4b637c7", "1:Os7MbO9whhWFEUty1G7OQaC1DZU=" },
	{ 132, "fd00:1::2", "fd00:1::1", 38412, 5000, "1:7+pURynQBuNx7XxxlIIdDtS2N8c=",
	  "1:efea544729d006e371ed7c7194821d0ed4b637c7", "1:Os7MbO9whhWFEUty1G7OQaC1DZU=" },
};

#define NVEC(a) (sizeof(a) / sizeof((a)[0]))

/* parse_addr - text address to the 16-byte form community_id_v1() takes
 * (IPv4 mapped); returns the IP version. Fails the test on bad text. */
static int parse_addr(const char *s, uint8_t out[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (inet_pton(AF_INET, s, out + 12) == 1) {
		memcpy(out, prefix, sizeof(prefix));
		return 4;
	}
	cr_assert_eq(inet_pton(AF_INET6, s, out), 1, "bad address %s", s);
	return 6;
}

/* cid - Community ID of a textual tuple; fails the test on error. */
static void cid(char out[COMMUNITY_ID_LEN], uint16_t seed, uint8_t proto, const char *saddr,
		const char *daddr, uint16_t sport, uint16_t dport)
{
	uint8_t s[16], d[16];
	int v = parse_addr(saddr, s);

	cr_assert_eq(parse_addr(daddr, d), v, "mixed families");
	cr_assert_eq(community_id_v1(out, seed, v, s, d, proto, sport, dport), 0,
		     "community_id_v1 failed for %s -> %s", saddr, daddr);
	cr_assert_eq(strlen(out), COMMUNITY_ID_LEN - 1);
}

/* cid_hex - "1:" + the SHA-1 in hex, like the reference's --no-base64. */
static void cid_hex(char out[43], uint16_t seed, uint8_t proto, const char *saddr,
		    const char *daddr, uint16_t sport, uint16_t dport)
{
	uint8_t s[16], d[16], dig[COMMUNITY_ID_SHA1_LEN];
	int v = parse_addr(saddr, s), i;

	parse_addr(daddr, d);
	cr_assert_eq(community_id_v1_sha1(dig, seed, v, s, d, proto, sport, dport), 0);
	out[0] = '1';
	out[1] = ':';
	for (i = 0; i < COMMUNITY_ID_SHA1_LEN; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", dig[i]);
}

/* check_vectors - every row, in all three published forms. */
static void check_vectors(const char *set, const struct vec *v, size_t n)
{
	char id[COMMUNITY_ID_LEN], hex[43];
	size_t i;

	for (i = 0; i < n; i++, v++) {
		cid(id, 0, v->proto, v->saddr, v->daddr, v->sport, v->dport);
		cr_expect_str_eq(id, v->id_seed0, "%s[%zu] seed 0", set, i);
		cid(id, 1, v->proto, v->saddr, v->daddr, v->sport, v->dport);
		cr_expect_str_eq(id, v->id_seed1, "%s[%zu] seed 1", set, i);
		cid_hex(hex, 0, v->proto, v->saddr, v->daddr, v->sport, v->dport);
		cr_expect_str_eq(hex, v->sha1_seed0, "%s[%zu] sha1", set, i);
	}
}

Test(community_id, spec_readme_tables)
{
	check_vectors("spec_tables", spec_tables, NVEC(spec_tables));
}

Test(community_id, spec_baseline_json)
{
	check_vectors("spec_baseline", spec_baseline, NVEC(spec_baseline));
}

Test(community_id, pycommunityid_unit_vectors)
{
	check_vectors("pycid_unit", pycid_unit, NVEC(pycid_unit));
}

/*
 * SCTP is hashed with its ports: two associations between the same two
 * addresses have two IDs, neither of them the one the port-less 0/0 tuple
 * gives (what a flow record said before the datapath parsed SCTP ports).
 */
Test(community_id, sctp_associations_hash_their_ports)
{
	char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN], z[COMMUNITY_ID_LEN];

	check_vectors("sctp_ngap", sctp_ngap, NVEC(sctp_ngap));
	cid(a, 0, 132, "10.1.0.1", "10.1.0.2", 5000, 38412);
	cid(b, 0, 132, "10.1.0.1", "10.1.0.2", 5001, 38412);
	cid(z, 0, 132, "10.1.0.1", "10.1.0.2", 0, 0);
	cr_assert_str_neq(a, b);
	cr_assert_str_neq(a, z);
	cr_assert_str_eq(z, "1:t2hC2o98GJV3uWMFeyJGU2KVMZQ=");
}

Test(community_id, icmp_echo_request_and_reply_share_id)
{
	char req[COMMUNITY_ID_LEN], rep[COMMUNITY_ID_LEN];

	/* the reply's code, whatever it is, is ignored for two-way types */
	cid(req, 0, 1, "1.2.3.4", "5.6.7.8", 8, 0);
	cid(rep, 0, 1, "5.6.7.8", "1.2.3.4", 0, 0);
	cr_assert_str_eq(req, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
	cr_assert_str_eq(rep, req);
	cid(rep, 0, 1, "5.6.7.8", "1.2.3.4", 0, 7);
	cr_assert_str_eq(rep, req);

	cid(req, 0, 58, V6A, V6B, 128, 0);
	cid(rep, 0, 58, V6B, V6A, 129, 0);
	cr_assert_str_eq(req, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
	cr_assert_str_eq(rep, req);
}

Test(community_id, icmp_one_way_type_keeps_direction_and_code)
{
	char fwd[COMMUNITY_ID_LEN], rev[COMMUNITY_ID_LEN];
	char code1[COMMUNITY_ID_LEN];

	/* time exceeded: one-way, so no endpoint swap */
	cid(fwd, 0, 1, "1.2.3.4", "5.6.7.8", 11, 0);
	cr_assert_str_eq(fwd, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=");
	cid(rev, 0, 1, "5.6.7.8", "1.2.3.4", 11, 0);
	cr_assert_str_neq(rev, fwd);
	/* ...and its code is hashed */
	cid(code1, 0, 1, "1.2.3.4", "5.6.7.8", 11, 1);
	cr_assert_str_neq(code1, fwd);

	/* ICMPv6 destination unreachable with a larger source address */
	cid(fwd, 0, 58, H69EA, H80DA, 3, 0);
	cr_assert_str_eq(fwd, "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=");
}

/*
 * The request/reply pairs of pycommunityid's icmp.py and icmp6.py (from
 * Zeek): a request from A and the reply from B share an ID whatever the
 * codes; every other type is one-way, so swapping the endpoints changes
 * the ID.
 */
static const uint8_t icmp4_pairs[][2] = {
	{ 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 },
};
static const uint8_t icmp6_pairs[][2] = {
	{ 128, 129 }, { 130, 131 }, { 133, 134 }, { 135, 136 }, { 139, 140 }, { 144, 145 },
};

/* pair_of - the counterpart of type t in pairs, or -1. */
static int pair_of(const uint8_t (*pairs)[2], size_t n, unsigned t)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pairs[i][0] == t)
			return pairs[i][1];
		if (pairs[i][1] == t)
			return pairs[i][0];
	}
	return -1;
}

static void check_icmp_types(uint8_t proto, const char *a, const char *b, const uint8_t (*pairs)[2],
			     size_t npairs)
{
	char fwd[COMMUNITY_ID_LEN], rev[COMMUNITY_ID_LEN];
	unsigned t;
	int peer, two_way = 0;

	for (t = 0; t < 256; t++) {
		peer = pair_of(pairs, npairs, t);
		cid(fwd, 0, proto, a, b, (uint16_t)t, 3);
		if (peer < 0) {
			cid(rev, 0, proto, b, a, (uint16_t)t, 3);
			cr_expect_str_neq(fwd, rev, "proto %u type %u", proto, t);
			continue;
		}
		two_way++;
		cid(rev, 0, proto, b, a, (uint16_t)peer, 7);
		cr_expect_str_eq(fwd, rev, "proto %u type %u", proto, t);
	}
	cr_assert_eq(two_way, (int)(2 * npairs));
}

Test(community_id, icmp_two_way_types_are_exactly_the_reference_pairs)
{
	check_icmp_types(1, "192.0.2.1", "198.51.100.7", icmp4_pairs, NVEC(icmp4_pairs));
	check_icmp_types(58, "2001:db8::1", "2001:db8::2", icmp6_pairs, NVEC(icmp6_pairs));
}

Test(community_id, protocol_without_ports_ignores_ports)
{
	char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN];

	/* RSVP (46): published vector, ports given or not */
	cid(a, 0, 46, "1.2.3.4", "5.6.7.8", 1234, 80);
	cr_assert_str_eq(a, "1:ikv3kmf89luf73WPz1jOs49S768=");
	cid(b, 0, 46, "5.6.7.8", "1.2.3.4", 9, 65535);
	cr_assert_str_eq(b, "1:ikv3kmf89luf73WPz1jOs49S768=");

	/* GRE (47): whatever the ports, the 3-tuple decides */
	cid(a, 0, 47, "10.0.0.1", "10.0.0.2", 0, 0);
	cid(b, 0, 47, "10.0.0.2", "10.0.0.1", 4242, 1);
	cr_assert_str_eq(a, b);
	cid(b, 0, 6, "10.0.0.1", "10.0.0.2", 0, 0);
	cr_assert_str_neq(a, b); /* TCP is a different protocol */
}

Test(community_id, equal_addresses_order_by_port)
{
	char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN];
	char c[COMMUNITY_ID_LEN];

	cid(a, 0, 6, "127.0.0.1", "127.0.0.1", 80, 1234);
	cid(b, 0, 6, "127.0.0.1", "127.0.0.1", 1234, 80);
	cr_assert_str_eq(a, b);
	cid(c, 0, 6, "127.0.0.1", "127.0.0.1", 80, 1235);
	cr_assert_str_neq(a, c);
}

Test(community_id, ipv4_hashes_only_the_last_four_bytes)
{
	char v4[COMMUNITY_ID_LEN], v6[COMMUNITY_ID_LEN];
	uint8_t s[16], d[16];

	/* ::ffff:1.2.3.4 given as ip_version 6 is a different (16-byte) tuple */
	cid(v4, 0, 6, "1.2.3.4", "5.6.7.8", 1122, 3344);
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:1.2.3.4", s), 1);
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:5.6.7.8", d), 1);
	cr_assert_eq(community_id_v1(v6, 0, 6, s, d, 6, 1122, 3344), 0);
	cr_assert_str_eq(v4, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	cr_assert_str_neq(v6, v4);
}

Test(community_id, bad_arguments)
{
	char out[COMMUNITY_ID_LEN];
	uint8_t s[16], d[16], plain4[16] = { 1, 2, 3, 4 };
	uint8_t dig[COMMUNITY_ID_SHA1_LEN];

	parse_addr("1.2.3.4", s);
	parse_addr("5.6.7.8", d);
	cr_assert_eq(community_id_v1(NULL, 0, 4, s, d, 6, 1, 2), -1);
	memset(out, 'x', sizeof(out));
	cr_assert_eq(community_id_v1(out, 0, 4, NULL, d, 6, 1, 2), -1);
	cr_assert_str_eq(out, "");
	cr_assert_eq(community_id_v1(out, 0, 4, s, NULL, 6, 1, 2), -1);
	cr_assert_eq(community_id_v1(out, 0, 5, s, d, 6, 1, 2), -1);
	cr_assert_eq(community_id_v1(out, 0, 0, s, d, 6, 1, 2), -1);
	cr_assert_eq(community_id_v1(out, 0, 4, plain4, d, 6, 1, 2), -1);
	cr_assert_eq(community_id_v1(out, 0, 4, s, d, 1, 256, 0), -1);
	cr_assert_eq(community_id_v1(out, 0, 4, s, d, 1, 8, 256), -1);
	cr_assert_eq(community_id_v1(out, 0, 4, s, d, 58, 300, 0), -1);
	cr_assert_eq(community_id_v1_sha1(NULL, 0, 4, s, d, 6, 1, 2), -1);
	/* the non-ICMP analogues are fine */
	cr_assert_eq(community_id_v1(out, 0, 4, s, d, 6, 256, 65535), 0);
	cr_assert_eq(community_id_v1_sha1(dig, 0, 4, s, d, 6, 1, 2), 0);
	/* an IPv6 address may look like anything */
	cr_assert_eq(community_id_v1(out, 0, 6, plain4, d, 6, 1, 2), 0);
}
