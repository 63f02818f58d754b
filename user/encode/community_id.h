/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * community_id.h - Community ID v1 flow hashing
 * (https://github.com/corelight/community-id-spec).
 *
 *   "1:" + base64(sha1(seed . saddr . daddr . proto . 0 . sport . dport))
 *
 * seed is 2 bytes, addresses 4 (IPv4) or 16 (IPv6) bytes, ports 2 bytes,
 * all in network byte order. The endpoints are ordered so that the smaller
 * (address, port) comes first, which gives both directions of a flow the
 * same ID. ICMP and ICMPv6 map (type, code) to port equivalents the way
 * Zeek and the reference implementation (pycommunityid) do:
 *  - request/reply types (ICMP echo 8/0, timestamp 13/14, info 15/16,
 *    router solicit/advert 10/9, mask 17/18; ICMPv6 echo 128/129, MLD
 *    query/report 130/131, router 133/134, neighbour 135/136, WRU 139/140,
 *    HAAD 144/145) hash (type, counterpart type): the code is ignored and
 *    request and reply share an ID;
 *  - every other type is one-way: it hashes (type, code) and the endpoints
 *    are NOT reordered, so the two directions give different IDs.
 * Protocols other than TCP (6), UDP (17), SCTP (132), ICMP (1) and ICMPv6
 * (58) hash no ports at all.
 *
 * Needs OpenSSL libcrypto (-lcrypto; Debian: libssl-dev).
 */
#ifndef NETTRAIL_COMMUNITY_ID_H
#define NETTRAIL_COMMUNITY_ID_H

#include <stdint.h>

#define COMMUNITY_ID_LEN      31 /* "1:" + 28 base64 chars + NUL */
#define COMMUNITY_ID_SHA1_LEN 20

/*
 * community_id_v1 - write the NUL-terminated Community ID of a flow to out.
 *
 * saddr/daddr: 16 bytes each; an IPv4 address is IPv4-mapped
 * (::ffff:a.b.c.d) when ip_version == 4 and only its last 4 bytes are
 * hashed. For ICMP (proto 1) and ICMPv6 (58) pass sport = type,
 * dport = code. For protocols without ports (not TCP/UDP/SCTP/ICMP/ICMPv6)
 * ports are ignored as the spec says.
 *
 * Returns 0, or -1 on bad arguments: a NULL pointer, ip_version other than
 * 4 or 6, an ip_version 4 address that is not IPv4-mapped, or an ICMP /
 * ICMPv6 type or code above 255. -1 is also returned if libcrypto fails.
 * On -1, out holds an empty string (when out is not NULL).
 */
int community_id_v1(char out[COMMUNITY_ID_LEN], uint16_t seed, int ip_version,
		    const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto, uint16_t sport,
		    uint16_t dport);

/*
 * community_id_v1_sha1 - the same computation, but write the raw 20-byte
 * SHA-1 digest (the value before base64) to digest. Same arguments and
 * return values as community_id_v1(); digest is unspecified on -1.
 */
int community_id_v1_sha1(uint8_t digest[COMMUNITY_ID_SHA1_LEN], uint16_t seed, int ip_version,
			 const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto,
			 uint16_t sport, uint16_t dport);

#endif /* NETTRAIL_COMMUNITY_ID_H */
