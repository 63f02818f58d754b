/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cidr.h - address prefixes as the sensor, the capture requests and the
 * detector take them from people: one strict parser, one match.
 *
 * Addresses live in IPv6 space: IPv4 as ::ffff:a.b.c.d, its prefix length
 * plus 96. Linked alone by the detector and the fuzzers (libc only).
 */
#ifndef NT_CIDR_H
#define NT_CIDR_H

#include <stdint.h>

struct nt_cidr {
	uint8_t addr[16];
	uint8_t len; /* 0..128, in IPv6 bits */
};

/* nt_cidr_parse() flags */
enum {
	NT_CIDR_BARE = 1,      /* "10.0.0.1" is 10.0.0.1/32 (else the "/N" is required) */
	NT_CIDR_HOST_ZERO = 2, /* host bits set ("10.1.2.3/8", most likely a typo) is an
				* error; without it they are cleared */
};

/* "ADDR/N" (N decimal digits only, at most 32 or 128). 0, or -1 with
 * *out unspecified. */
int nt_cidr_parse(const char *s, unsigned flags, struct nt_cidr *out);

/* "10.0.0.0/8" or "fd00::/64" (an IPv4-mapped prefix of at least 96 bits
 * as IPv4) into out (NT_CIDR_STRLEN bytes suffice). */
#define NT_CIDR_STRLEN 50
void nt_cidr_fmt(const struct nt_cidr *c, char *out, unsigned long outlen);

/* 1 when addr (16 bytes, IPv4 mapped) is inside c. */
int nt_cidr_contains(const struct nt_cidr *c, const uint8_t addr[16]);

#endif
