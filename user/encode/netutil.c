// SPDX-License-Identifier: BSD-2-Clause
#include "netutil.h"

#include <arpa/inet.h>
#include <string.h>

/*
 * IPv4 dotted quad, as inet_ntop writes it ("%u.%u.%u.%u"): by hand, since
 * glibc's goes through sprintf, which was a tenth of the encoder's time
 * per record under a SYN flood (two addresses a record).
 */
static size_t ipv4_fmt(char *out, const uint8_t a[4])
{
	char *p = out;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
	return (size_t)(p - out);
}

size_t nt_addr_fmt(char out[NT_ADDRSTRLEN], int ip_version, const uint8_t addr[16])
{
	if (ip_version == 4)
		return ipv4_fmt(out, addr + 12);
	inet_ntop(AF_INET6, addr, out, NT_ADDRSTRLEN);
	return strlen(out);
}

int nt_addr_is_private(int ip_version, const uint8_t a[16])
{
	if (ip_version == 4) {
		const uint8_t *b = a + 12;

		return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64);
	}
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 */
		return 1;
	static const uint8_t lo[16] = { [15] = 1 };
	return !memcmp(a, lo, 16);
}

const char *nt_direction_of(int src_inside, int dst_inside)
{
	if (src_inside && dst_inside)
		return "internal";
	if (src_inside)
		return "outbound";
	if (dst_inside)
		return "inbound";
	return "external";
}

const char *nt_direction(int ip_version, const uint8_t src[16], const uint8_t dst[16])
{
	return nt_direction_of(nt_addr_is_private(ip_version, src),
			       nt_addr_is_private(ip_version, dst));
}

const char *nt_transport_name(uint8_t proto)
{
	/* IANA protocol keywords in lower case, as ECS network.transport
	 * wants them (and as the schema lists them) */
	switch (proto) {
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 4:
		return "ipv4";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 33:
		return "dccp";
	case 41:
		return "ipv6";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "ipv6-icmp";
	case 89:
		return "ospfigp";
	case 103:
		return "pim";
	case 112:
		return "vrrp";
	case 115:
		return "l2tp";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	case 137:
		return "mpls-in-ip";
	}
	return NULL;
}
