// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * community_id.c - Community ID v1 (see community_id.h). SHA-1 and base64
 * come from OpenSSL libcrypto.
 */
#include "community_id.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58
#define PROTO_SCTP   132

/* seed(2) + 2 * addr(16) + proto(1) + pad(1) + 2 * port(2) */
#define HASH_INPUT_MAX 40

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* A flow tuple as it is hashed: addresses point at 4 or 16 bytes. */
struct cid_tuple {
	const uint8_t *saddr, *daddr;
	size_t alen;
	uint16_t sport, dport;
	int has_ports;
	int one_way;
};

/* ICMP request/reply type pairs (Zeek's ICMP.cc mapping): either member
 * names the other; a type in no pair is one-way. */
static const uint8_t icmp4_pairs[][2] = {
	{ 8, 0 },   /* echo request, reply */
	{ 13, 14 }, /* timestamp */
	{ 15, 16 }, /* information */
	{ 10, 9 },  /* router solicitation, advertisement */
	{ 17, 18 }, /* address mask */
};
static const uint8_t icmp6_pairs[][2] = {
	{ 128, 129 }, /* echo request, reply */
	{ 130, 131 }, /* MLD listener query, report */
	{ 133, 134 }, /* router solicitation, advertisement */
	{ 135, 136 }, /* neighbour solicitation, advertisement */
	{ 139, 140 }, /* who-are-you request, reply */
	{ 144, 145 }, /* home agent address discovery */
};

/* The other type of the pair `type` is in, or -1 when it is one-way. */
static int icmp_peer(const uint8_t (*pairs)[2], size_t n, unsigned type)
{
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 2; j++)
			if (pairs[i][j] == type)
				return pairs[i][!j];
	return -1;
}

/*
 * map_icmp - replace (type, code) in t by their port equivalents and set
 * t->one_way. Returns -1 when type or code does not fit in a byte.
 */
static int map_icmp(struct cid_tuple *t, uint8_t proto)
{
	int peer;

	if (t->sport > 255 || t->dport > 255)
		return -1;
	peer = proto == PROTO_ICMP ?
		       icmp_peer(icmp4_pairs, sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]),
				 t->sport) :
		       icmp_peer(icmp6_pairs, sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]),
				 t->sport);
	if (peer < 0)
		t->one_way = 1; /* (type, code), fixed direction */
	else
		t->dport = (uint16_t)peer; /* (type, counterpart type) */
	return 0;
}

/* proto_has_ports - the protocols whose ports (or port equivalents) are
 * part of the hash. */
static int proto_has_ports(uint8_t proto)
{
	return proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
	       proto == PROTO_ICMP || proto == PROTO_ICMPV6;
}

/* order_endpoints - swap the endpoints unless the source (address, port)
 * is already the smaller one or the tuple is one-way. */
static void order_endpoints(struct cid_tuple *t)
{
	int c = memcmp(t->saddr, t->daddr, t->alen);
	const uint8_t *a;
	uint16_t p;

	if (t->one_way || c < 0 || (c == 0 && t->has_ports && t->sport < t->dport))
		return;
	a = t->saddr;
	t->saddr = t->daddr;
	t->daddr = a;
	p = t->sport;
	t->sport = t->dport;
	t->dport = p;
}

/*
 * make_tuple - validate the arguments and fill t with the ordered tuple
 * to hash. Returns 0, or -1 on bad arguments.
 */
static int make_tuple(struct cid_tuple *t, int ip_version, const uint8_t *saddr,
		      const uint8_t *daddr, uint8_t proto, uint16_t sport, uint16_t dport)
{
	if (!saddr || !daddr)
		return -1;
	if (ip_version == 4) {
		if (memcmp(saddr, v4mapped_prefix, 12) || memcmp(daddr, v4mapped_prefix, 12))
			return -1;
		t->saddr = saddr + 12;
		t->daddr = daddr + 12;
		t->alen = 4;
	} else if (ip_version == 6) {
		t->saddr = saddr;
		t->daddr = daddr;
		t->alen = 16;
	} else {
		return -1;
	}
	t->has_ports = proto_has_ports(proto);
	t->sport = t->has_ports ? sport : 0;
	t->dport = t->has_ports ? dport : 0;
	t->one_way = 0;
	if ((proto == PROTO_ICMP || proto == PROTO_ICMPV6) && map_icmp(t, proto) < 0)
		return -1;
	order_endpoints(t);
	return 0;
}

/* put_be16 - v in network byte order at p; returns p + 2. */
static uint8_t *put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* serialize - lay out the hash input for t; returns its length. */
static size_t serialize(uint8_t buf[HASH_INPUT_MAX], uint16_t seed, const struct cid_tuple *t,
			uint8_t proto)
{
	uint8_t *p = put_be16(buf, seed);

	memcpy(p, t->saddr, t->alen);
	p += t->alen;
	memcpy(p, t->daddr, t->alen);
	p += t->alen;
	*p++ = proto;
	*p++ = 0;
	if (t->has_ports) {
		p = put_be16(p, t->sport);
		p = put_be16(p, t->dport);
	}
	return (size_t)(p - buf);
}

/*
 * SHA-1, fetched from the provider once: EVP_sha1() makes every digest
 * fetch it again (a locked name lookup), which was most of the 19% of the
 * encoder's time libcrypto took per record under a SYN flood. Kept for the
 * process's life.
 */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void sha1_fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

static const EVP_MD *sha1(void)
{
	pthread_once(&sha1_once, sha1_fetch);
	return sha1_md ? sha1_md : EVP_sha1();
}

int community_id_v1_sha1(uint8_t digest[COMMUNITY_ID_SHA1_LEN], uint16_t seed, int ip_version,
			 const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto,
			 uint16_t sport, uint16_t dport)
{
	uint8_t buf[HASH_INPUT_MAX];
	struct cid_tuple t;
	unsigned int dlen = 0;
	size_t n;

	if (!digest || make_tuple(&t, ip_version, saddr, daddr, proto, sport, dport) < 0)
		return -1;
	n = serialize(buf, seed, &t, proto);
	if (EVP_Digest(buf, n, digest, &dlen, sha1(), NULL) != 1 || dlen != COMMUNITY_ID_SHA1_LEN)
		return -1;
	return 0;
}

int community_id_v1(char out[COMMUNITY_ID_LEN], uint16_t seed, int ip_version,
		    const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto, uint16_t sport,
		    uint16_t dport)
{
	uint8_t digest[COMMUNITY_ID_SHA1_LEN];

	if (!out)
		return -1;
	out[0] = '\0';
	if (community_id_v1_sha1(digest, seed, ip_version, saddr, daddr, proto, sport, dport) < 0)
		return -1;
	out[0] = '1';
	out[1] = ':';
	/* 20 bytes -> 28 characters plus the NUL EVP_EncodeBlock adds */
	if (EVP_EncodeBlock((unsigned char *)out + 2, digest, COMMUNITY_ID_SHA1_LEN) != 28) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
