// SPDX-License-Identifier: BSD-2-Clause
/* pkt.c - the datapath tests' packet builder (see pkt.h). */
#include "pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P_TCP	 6
#define P_UDP	 17
#define P_ICMP	 1
#define P_ICMPV6 58
#define P_SCTP	 132

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void pkt_addr(uint8_t a[16], const char *text)
{
	memset(a, 0, 16);
	if (inet_pton(strchr(text, ':') ? AF_INET6 : AF_INET, text, a) != 1) {
		fprintf(stderr, "pkt_addr: bad address %s\n", text);
		abort();
	}
}

void pkt_ips(struct pkt_spec *s, const char *src, const char *dst)
{
	s->ip_version = strchr(src, ':') ? 6 : 4;
	pkt_addr(s->src, src);
	pkt_addr(s->dst, dst);
}

struct pkt_spec pkt_tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			uint8_t flags, size_t payload)
{
	struct pkt_spec s = { 0 };

	pkt_ips(&s, src, dst);
	s.proto = P_TCP;
	s.sport = sport;
	s.dport = dport;
	s.tcp_flags = flags;
	s.seq = 1000;
	s.ack = (flags & 0x10) ? 2000 : 0;
	s.payload_len = payload;
	return s;
}

struct pkt_spec pkt_udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			size_t payload)
{
	struct pkt_spec s = { 0 };

	pkt_ips(&s, src, dst);
	s.proto = P_UDP;
	s.sport = sport;
	s.dport = dport;
	s.payload_len = payload;
	return s;
}

struct pkt_spec pkt_sctp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			 uint32_t vtag, size_t payload)
{
	struct pkt_spec s = { 0 };

	pkt_ips(&s, src, dst);
	s.proto = P_SCTP;
	s.sport = sport;
	s.dport = dport;
	s.sctp_vtag = vtag;
	s.payload_len = payload;
	return s;
}

struct pkt_spec pkt_icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id,
			 size_t payload)
{
	struct pkt_spec s = { 0 };

	pkt_ips(&s, src, dst);
	s.proto = s.ip_version == 6 ? P_ICMPV6 : P_ICMP;
	s.icmp_type = type;
	s.icmp_code = code;
	s.icmp_id = id;
	s.icmp_seq = 1;
	s.payload_len = payload;
	return s;
}

struct pkt_spec pkt_proto(const char *src, const char *dst, uint8_t proto, size_t payload)
{
	struct pkt_spec s = { 0 };

	pkt_ips(&s, src, dst);
	s.proto = proto;
	s.payload_len = payload;
	return s;
}

struct pkt_ext *pkt_add_ext(struct pkt_spec *s, uint8_t type, uint16_t len)
{
	struct pkt_ext *e;

	if (s->n_ext >= PKT_MAX_EXT) {
		fprintf(stderr, "pkt_add_ext: too many extension headers\n");
		abort();
	}
	e = &s->ext[s->n_ext++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->len = len;
	return e;
}

static size_t ext_len(const struct pkt_ext *e)
{
	if (e->type == PKT_EXT_FRAGMENT)
		return 8;
	if (e->type == PKT_EXT_AH)
		return e->len ? e->len : 12;
	return e->len ? e->len : 8;
}

static size_t l4_hdr_len(const struct pkt_spec *s)
{
	if (s->no_l4)
		return 0;
	switch (s->proto) {
	case P_TCP:
		return (size_t)(s->tcp_doff ? s->tcp_doff : 5) * 4;
	case P_UDP:
	case P_ICMP:
	case P_ICMPV6:
		return 8;
	case P_SCTP:
		return 12;
	default:
		return 0;
	}
}

static size_t ip_hdr_len(const struct pkt_spec *s)
{
	size_t n;

	if (s->ip_version == 4)
		return 20 + s->ip_opt_len;
	if (s->ip_version != 6)
		return 0;
	n = 40;
	for (int i = 0; i < s->n_ext; i++)
		n += ext_len(&s->ext[i]);
	return n;
}

size_t pkt_ip_len(const struct pkt_spec *s)
{
	return ip_hdr_len(s) + l4_hdr_len(s) + s->payload_len;
}

uint16_t pkt_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

uint32_t pkt_crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
	}
	return ~crc;
}

bool pkt_ipv4_csum_ok(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	return ihl >= 20 && pkt_csum(ip, ihl, 0) == 0;
}

/* Sum of a pseudo header (not folded, not inverted). */
static uint32_t pseudo_sum(const struct pkt_spec *s, size_t l4len)
{
	uint32_t sum = 0;
	size_t alen = s->ip_version == 4 ? 4 : 16;

	for (size_t i = 0; i < alen; i += 2) {
		sum += (uint32_t)(s->src[i] << 8 | s->src[i + 1]);
		sum += (uint32_t)(s->dst[i] << 8 | s->dst[i + 1]);
	}
	sum += s->proto;
	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return sum;
}

static bool is_fragment(const struct pkt_spec *s)
{
	if (s->ip_version == 4)
		return s->mf || s->frag_off;
	for (int i = 0; i < s->n_ext; i++)
		if (s->ext[i].type == PKT_EXT_FRAGMENT)
			return true;
	return false;
}

static void build_ext(uint8_t *p, const struct pkt_ext *e, uint8_t next)
{
	size_t n = ext_len(e);

	memset(p, 0, n);
	p[0] = next;
	switch (e->type) {
	case PKT_EXT_FRAGMENT:
		put16(p + 2, (uint16_t)(e->frag_off << 3 | (e->frag_more ? 1 : 0)));
		put32(p + 4, e->frag_id);
		break;
	case PKT_EXT_AH:
		p[1] = (uint8_t)(n / 4 - 2);
		put32(p + 4, 0x100); /* SPI */
		put32(p + 8, 1);     /* sequence */
		break;
	case PKT_EXT_ROUTING:
		p[1] = (uint8_t)(n / 8 - 1);
		p[2] = 253; /* experimental routing type */
		p[3] = 0;   /* segments left */
		break;
	default: /* hop-by-hop, destination options,
					 * mobility (same length rule) */
		p[1] = (uint8_t)(n / 8 - 1);
		p[2] = 1; /* PadN over the rest */
		p[3] = (uint8_t)(n - 4);
		break;
	}
}

/* The L4 header (l4h bytes at h), checksum left 0. */
static void build_l4(uint8_t *h, size_t l4h, const struct pkt_spec *s)
{
	switch (s->proto) {
	case P_TCP:
		put16(h, s->sport);
		put16(h + 2, s->dport);
		put32(h + 4, s->seq);
		put32(h + 8, s->ack);
		h[12] = (uint8_t)((l4h / 4) << 4);
		h[13] = s->tcp_flags;
		put16(h + 14, 65535);
		memset(h + 20, 1, l4h - 20); /* NOP options */
		break;
	case P_UDP:
		put16(h, s->sport);
		put16(h + 2, s->dport);
		put16(h + 4, (uint16_t)(8 + s->payload_len));
		break;
	case P_SCTP:
		put16(h, s->sport);
		put16(h + 2, s->dport);
		put32(h + 4, s->sctp_vtag);
		break;
	default: /* ICMP, ICMPv6 */
		h[0] = s->icmp_type;
		h[1] = s->icmp_code;
		put16(h + 4, s->icmp_id);
		put16(h + 6, s->icmp_seq);
		break;
	}
}

/* The checksum of the L4 datagram h (n bytes: header and payload). */
static void put_l4_csum(uint8_t *h, size_t n, const struct pkt_spec *s)
{
	size_t at = s->proto == P_TCP ? 16 : s->proto == P_UDP ? 6 : 2;
	uint16_t c;

	if (s->proto == P_SCTP) {
		/* CRC32c over the packet, checksum field 0, stored with
		 * its least significant byte first (as Linux does) */
		uint32_t crc = pkt_crc32c(h, n);

		h[8] = (uint8_t)crc;
		h[9] = (uint8_t)(crc >> 8);
		h[10] = (uint8_t)(crc >> 16);
		h[11] = (uint8_t)(crc >> 24);
		return;
	}
	c = pkt_csum(h, n, s->proto == P_ICMP ? 0 : pseudo_sum(s, n));
	if (s->proto == P_UDP && c == 0)
		c = 0xffff;
	put16(h + at, c);
}

static bool ext_valid(const struct pkt_ext *e)
{
	size_t n = ext_len(e);

	if (e->type == PKT_EXT_AH)
		return n >= 12 && n % 4 == 0 && n <= 1024;
	return n >= 8 && n % 8 == 0 && n <= 2048;
}

size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s, struct pkt_layout *lay)
{
	struct pkt_layout l = { 0 };
	size_t off = 12, iph, l4h, len;
	uint16_t etype = s->ethertype;

	if (s->nvlan > 2 || (s->ip_version == 4 && (s->ip_opt_len % 4 || s->ip_opt_len > 40)))
		return 0;
	for (int i = 0; i < s->n_ext; i++)
		if (!ext_valid(&s->ext[i]))
			return 0;
	iph = ip_hdr_len(s);
	l4h = s->ip_version ? l4_hdr_len(s) : 0;
	len = 14 + 4u * s->nvlan + iph + l4h + s->payload_len;
	if (len > cap)
		return 0;
	memset(buf, 0, len);

	/* Ethernet: dst 02:00:00:00:00:02, src 02:00:00:00:00:01 */
	buf[0] = 0x02;
	buf[5] = 0x02;
	buf[6] = 0x02;
	buf[11] = 0x01;
	for (int i = 0; i < s->nvlan; i++) {
		put16(buf + off, s->vlan_tpid[i] ? s->vlan_tpid[i] : PKT_ETH_P_8021Q);
		put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	if (!etype)
		etype = s->ip_version == 4 ? PKT_ETH_P_IP : s->ip_version == 6 ? PKT_ETH_P_IPV6 : 0;
	put16(buf + off, etype);
	off += 2;

	l.l3_off = off;
	l.ip_hdr_len = iph;
	l.l4_off = off + iph;
	l.l4_hdr_len = l4h;
	l.payload_off = l.l4_off + l4h;
	l.len = len;
	l.ip_len = len - off;

	if (s->ip_version == 4) {
		uint8_t *ip = buf + off;
		uint8_t ver = s->version_nibble ? s->version_nibble : 4;
		uint8_t ihl = s->ihl_set ? s->ihl : (uint8_t)(iph / 4);

		ip[0] = (uint8_t)(ver << 4 | (ihl & 0x0f));
		put16(ip + 2, s->len_set ? s->len_field : (uint16_t)l.ip_len);
		put16(ip + 4, s->ip_id);
		put16(ip + 6, (uint16_t)((s->df ? 0x4000 : 0) | (s->mf ? 0x2000 : 0) |
					 (s->frag_off & 0x1fff)));
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		memset(ip + 20, 1, s->ip_opt_len); /* NOP options */
		put16(ip + 10, pkt_csum(ip, iph, 0));
	} else if (s->ip_version == 6) {
		uint8_t *ip = buf + off;
		uint8_t ver = s->version_nibble ? s->version_nibble : 6;
		size_t o = 40;

		put32(ip, (uint32_t)ver << 28 | (s->flow_label & 0xfffff));
		put16(ip + 4, s->len_set ? s->len_field : (uint16_t)(l.ip_len - 40));
		ip[6] = s->n_ext ? s->ext[0].type : s->proto;
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		for (int i = 0; i < s->n_ext; i++) {
			uint8_t next = i + 1 < s->n_ext ? s->ext[i + 1].type : s->proto;

			l.ext_off[i] = off + o;
			build_ext(ip + o, &s->ext[i], next);
			o += ext_len(&s->ext[i]);
		}
	}

	if (l4h)
		build_l4(buf + l.l4_off, l4h, s);
	for (size_t i = 0; i < s->payload_len; i++)
		buf[l.payload_off + i] = (uint8_t)(i * 7 + 1);

	/* L4 checksums, when the whole datagram is here */
	if (l4h && !is_fragment(s))
		put_l4_csum(buf + l.l4_off, l4h + s->payload_len, s);

	if (lay)
		*lay = l;
	return len;
}

size_t pkt_pad(uint8_t *buf, size_t len, size_t cap)
{
	if (len >= 60 || cap < 60)
		return len;
	memset(buf + len, 0, 60 - len);
	return 60;
}
