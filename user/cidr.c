// SPDX-License-Identifier: BSD-2-Clause
/* cidr.c - see cidr.h. */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* The prefix length after the slash: decimal digits only (no sign, space
 * or empty), at most max. -1 when it is not one. */
static int prefix_len(const char *s, unsigned max)
{
	unsigned v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	return (int)v;
}

int nt_cidr_parse(const char *s, unsigned flags, struct nt_cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	char a[INET6_ADDRSTRLEN];
	int v4, len;

	if (n == 0 || n >= sizeof(a) || (!slash && !(flags & NT_CIDR_BARE)))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	memset(out, 0, sizeof(*out));
	v4 = inet_pton(AF_INET, a, out->addr + 12) == 1;
	if (v4)
		out->addr[10] = out->addr[11] = 0xff;
	else if (inet_pton(AF_INET6, a, out->addr) != 1)
		return -1;
	len = slash ? prefix_len(slash + 1, v4 ? 32 : 128) : (v4 ? 32 : 128);
	if (len < 0)
		return -1;
	out->len = (uint8_t)(v4 ? len + 96 : len);
	for (unsigned b = out->len; b < 128; b++) {
		uint8_t bit = (uint8_t)(0x80u >> (b % 8));

		if ((out->addr[b / 8] & bit) && (flags & NT_CIDR_HOST_ZERO))
			return -1;
		out->addr[b / 8] &= (uint8_t)~bit;
	}
	return 0;
}

void nt_cidr_fmt(const struct nt_cidr *c, char *out, unsigned long outlen)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };
	int v4 = c->len >= 96 && !memcmp(c->addr, v4map, sizeof(v4map));
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? c->addr + 12 : c->addr, a, sizeof(a));
	snprintf(out, outlen, "%s/%u", a, v4 ? c->len - 96u : c->len);
}

int nt_cidr_contains(const struct nt_cidr *c, const uint8_t addr[16])
{
	unsigned full = c->len / 8, rest = c->len % 8;

	if (memcmp(c->addr, addr, full))
		return 0;
	return !rest || ((c->addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}
