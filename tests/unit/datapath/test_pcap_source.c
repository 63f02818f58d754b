// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_pcap_source.c - unit tests for user/datapath/pcap_source.c.
 *
 * Every test writes its own small capture into a temp file (libpcap's
 * pcap_dump for the ordinary cases, hand-built bytes for pcapng, byte-swapped
 * files, link type values libpcap will not write, and damaged files), reads
 * it back and checks the normalized frames byte for byte, the nanosecond
 * timestamps, the stats and the exact error messages.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkstemp; BSD u_char for pcap.h under -std=c11 */
#endif
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "tmpdir.h"
#include "pcap_source.h"

#define TS_2024 1704067200u /* 2024-01-01T00:00:00Z */
#define NS	1000000000ull

/* ---- helpers ---------------------------------------------------------- */

/* A fresh empty temp file; the caller unlinks it. */
static void tmp_path(char *path, size_t len)
{
	int fd;

	nt_test_tmp(path, len, "nt_pcap_src_XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp %s failed", path);
	close(fd);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One record to write: timestamp (ns), captured bytes, on-wire length (0: same). */
struct rec {
	uint32_t sec;
	uint32_t nsec;
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;
};

/* Write recs with libpcap as a nanosecond pcap of link type dlt. */
static void dump_pcap(const char *path, int dlt, int precision, const struct rec *r, size_t n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 262144, precision);
	pcap_dumper_t *d;
	struct pcap_pkthdr h;
	size_t i;

	cr_assert(p);
	d = pcap_dump_open(p, path);
	cr_assert(d, "pcap_dump_open: %s", pcap_geterr(p));
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = r[i].sec;
		h.ts.tv_usec =
			precision == PCAP_TSTAMP_PRECISION_NANO ? r[i].nsec : r[i].nsec / 1000;
		h.caplen = r[i].caplen;
		h.len = r[i].len ? r[i].len : r[i].caplen;
		pcap_dump((u_char *)d, &h, r[i].data);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

/* A growable byte string in a chosen byte order, for hand-built files. */
struct blob {
	uint8_t *b;
	size_t len, cap;
	bool be;
};

static void put(struct blob *o, const void *data, size_t len)
{
	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2 + 64;
		o->b = realloc(o->b, o->cap);
		cr_assert(o->b);
	}
	if (len)
		memcpy(o->b + o->len, data, len);
	o->len += len;
}

static void put16(struct blob *o, uint16_t v)
{
	uint8_t x[2] = { v & 0xff, v >> 8 };

	if (o->be) {
		x[0] = v >> 8;
		x[1] = v & 0xff;
	}
	put(o, x, 2);
}

static void put32(struct blob *o, uint32_t v)
{
	if (o->be) {
		put16(o, v >> 16);
		put16(o, v & 0xffff);
	} else {
		put16(o, v & 0xffff);
		put16(o, v >> 16);
	}
}

static void put_pad(struct blob *o, size_t len)
{
	static const uint8_t zero[4];

	put(o, zero, (4 - len % 4) % 4);
}

/* Hand-built classic pcap: any link type value, either byte order, us or ns. */
static void build_pcap(struct blob *o, uint32_t linktype, bool nano, const struct rec *r, size_t n)
{
	size_t i;

	put32(o, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	put16(o, 2);
	put16(o, 4);
	put32(o, 0);
	put32(o, 0);
	put32(o, 65535);
	put32(o, linktype);
	for (i = 0; i < n; i++) {
		put32(o, r[i].sec);
		put32(o, nano ? r[i].nsec : r[i].nsec / 1000);
		put32(o, r[i].caplen);
		put32(o, r[i].len ? r[i].len : r[i].caplen);
		put(o, r[i].data, r[i].caplen);
	}
}

/*
 * Hand-built pcapng: SHB, one IDB (if_tsresol 10^-tsresol unless tsresol is
 * 0, which leaves the default microseconds), one EPB per record.
 */
static void build_pcapng(struct blob *o, uint16_t linktype, uint8_t tsresol, const struct rec *r,
			 size_t n)
{
	uint32_t idb_len = 20 + (tsresol ? 12 : 0);
	uint64_t ts, unit;
	size_t i;

	/* Section Header Block */
	put32(o, 0x0a0d0d0a);
	put32(o, 28);
	put32(o, 0x1a2b3c4d);
	put16(o, 1);
	put16(o, 0);
	put32(o, 0xffffffff); /* section length -1: unknown */
	put32(o, 0xffffffff);
	put32(o, 28);

	/* Interface Description Block */
	put32(o, 1);
	put32(o, idb_len);
	put16(o, linktype);
	put16(o, 0);
	put32(o, 262144);
	if (tsresol) {
		put16(o, 9); /* if_tsresol */
		put16(o, 1);
		put(o, &tsresol, 1);
		put_pad(o, 1);
		put16(o, 0); /* opt_endofopt */
		put16(o, 0);
	}
	put32(o, idb_len);

	unit = 1;
	for (i = 0; i < (tsresol ? tsresol : 6); i++)
		unit *= 10;
	for (i = 0; i < n; i++) {
		uint32_t plen = (r[i].caplen + 3) & ~3u;

		ts = (uint64_t)r[i].sec * unit + r[i].nsec / (NS / unit);
		/* Enhanced Packet Block */
		put32(o, 6);
		put32(o, 32 + plen);
		put32(o, 0);
		put32(o, ts >> 32);
		put32(o, ts & 0xffffffff);
		put32(o, r[i].caplen);
		put32(o, r[i].len ? r[i].len : r[i].caplen);
		put(o, r[i].data, r[i].caplen);
		put_pad(o, r[i].caplen);
		put32(o, 32 + plen);
	}
}

static void write_blob(const char *path, struct blob *o)
{
	write_file(path, o->b, o->len);
	free(o->b);
	memset(o, 0, sizeof(*o));
}

static struct pcap_source *must_open(const char *path)
{
	char err[256] = "";
	struct pcap_source *s = pcap_source_open(path, err, sizeof(err));

	cr_assert(s, "open %s: %s", path, err);
	return s;
}

static void next_ok(struct pcap_source *s, struct pcap_pkt *p)
{
	char err[256] = "";
	int rc = pcap_source_next(s, p, err, sizeof(err));

	cr_assert_eq(rc, 1, "next: rc %d, %s", rc, err);
	cr_assert_geq(p->len, 14);
	cr_assert_geq(p->wire_len, p->len);
}

static void next_eof(struct pcap_source *s)
{
	struct pcap_pkt p;
	char err[256] = "";

	cr_assert_eq(pcap_source_next(s, &p, err, sizeof(err)), 0, "expected EOF: %s", err);
	cr_assert_eq(pcap_source_next(s, &p, err, sizeof(err)), 0, "EOF must stick");
}

/* A synthetic frame: 12 zero bytes, et, then exactly payload. */
static void assert_synth(const struct pcap_pkt *p, uint16_t et, const uint8_t *payload,
			 uint32_t paylen)
{
	static const uint8_t zero[12];

	cr_assert_eq(p->len, 14 + paylen, "len %u, want %u", p->len, 14 + paylen);
	cr_assert_eq(memcmp(p->frame, zero, 12), 0, "MACs not zero");
	cr_assert_eq(p->frame[12] << 8 | p->frame[13], et, "ethertype %#x, want %#x",
		     p->frame[12] << 8 | p->frame[13], et);
	cr_assert_eq(memcmp(p->frame + 14, payload, paylen), 0, "payload differs");
}

static void assert_stats(struct pcap_source *s, uint64_t packets, uint64_t skipped_linktype,
			 uint64_t skipped_short)
{
	const struct pcap_source_stats *st = pcap_source_stats(s);

	cr_assert_eq(st->packets, packets, "packets %llu, want %llu",
		     (unsigned long long)st->packets, (unsigned long long)packets);
	cr_assert_eq(st->skipped_linktype, skipped_linktype, "skipped_linktype %llu, want %llu",
		     (unsigned long long)st->skipped_linktype,
		     (unsigned long long)skipped_linktype);
	cr_assert_eq(st->skipped_short, skipped_short, "skipped_short %llu, want %llu",
		     (unsigned long long)st->skipped_short, (unsigned long long)skipped_short);
}

/* Sample network-layer packets: only the version nibble matters to the reader. */
static const uint8_t ip4[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 10,   0,
	0,    1,    10,	  0,	0,    2,    0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};
static const uint8_t ip6[48] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40, 0xfd, 0,    0,	  0,	0,    0,    0, 0, 0,
	0,    0,    0,	  0,	0,    0,    1,	  0xfd, 0,    0,    0,	  0,	0,    0,    0, 0, 0,
	0,    0,    0,	  0,	0,    2,    0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* hdr followed by payload, in buf. */
static uint32_t cat(uint8_t *buf, const uint8_t *hdr, uint32_t hlen, const uint8_t *payload,
		    uint32_t plen)
{
	memcpy(buf, hdr, hlen);
	if (plen)
		memcpy(buf + hlen, payload, plen);
	return hlen + plen;
}

/* ---- Ethernet ---------------------------------------------------------- */

Test(pcap_source, ethernet_passthrough_ns)
{
	uint8_t f1[14 + sizeof(ip4)], f2[14 + sizeof(ip6)], tiny[10] = { 1, 2, 3 };
	static const uint8_t eth4[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	static const uint8_t eth6[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd };
	struct rec r[3];
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	cat(f1, eth4, 14, ip4, sizeof(ip4));
	cat(f2, eth6, 14, ip6, sizeof(ip6));
	r[0] = (struct rec){ TS_2024, 123456789, f1, sizeof(f1), 0 };
	r[1] = (struct rec){ TS_2024, 999999999, tiny, sizeof(tiny), 0 };
	r[2] = (struct rec){ TS_2024 + 1, 1, f2, sizeof(f2), 1514 };
	tmp_path(path, sizeof(path));
	dump_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, r, 3);

	s = must_open(path);
	cr_assert_str_eq(pcap_source_linktype_name(s), "EN10MB");
	cr_assert_eq(pcap_source_linktype(s), DLT_EN10MB);

	next_ok(s, &p);
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 123456789);
	cr_assert_eq(p.len, sizeof(f1));
	cr_assert_eq(p.wire_len, sizeof(f1));
	cr_assert_eq(memcmp(p.frame, f1, sizeof(f1)), 0);

	next_ok(s, &p); /* the 10-byte record is skipped */
	cr_assert_eq(p.ts_ns, (TS_2024 + 1) * NS + 1);
	cr_assert_eq(p.len, sizeof(f2));
	cr_assert_eq(p.wire_len, 1514);
	cr_assert_eq(memcmp(p.frame, f2, sizeof(f2)), 0);

	next_eof(s);
	assert_stats(s, 2, 0, 1);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, microsecond_pcap_scaled_to_ns)
{
	uint8_t f[14 + sizeof(ip4)] = { [12] = 0x08 };
	struct rec r = { TS_2024, 654321000, f, 0, 0 };
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	memcpy(f + 14, ip4, sizeof(ip4));
	r.caplen = sizeof(f);
	tmp_path(path, sizeof(path));
	dump_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, &r, 1);

	s = must_open(path);
	next_ok(s, &p);
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 654321000);
	next_eof(s);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, byte_swapped_pcap)
{
	uint8_t f[14 + sizeof(ip6)] = { [12] = 0x86, [13] = 0xdd };
	struct rec r = { TS_2024, 42, f, sizeof(f), 2000 };
	struct blob o = { .be = true };
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	memcpy(f + 14, ip6, sizeof(ip6));
	build_pcap(&o, 1, true, &r, 1);
	tmp_path(path, sizeof(path));
	write_blob(path, &o);

	s = must_open(path);
	next_ok(s, &p);
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 42);
	cr_assert_eq(p.len, sizeof(f));
	cr_assert_eq(p.wire_len, 2000);
	cr_assert_eq(memcmp(p.frame, f, sizeof(f)), 0);
	next_eof(s);
	pcap_source_close(s);
	unlink(path);
}

/* ---- Linux cooked captures ---------------------------------------------- */

static void sll1_hdr(uint8_t h[16], uint16_t hatype, uint16_t proto)
{
	memset(h, 0, 16);
	h[1] = 4; /* PACKET_OUTGOING */
	h[2] = hatype >> 8;
	h[3] = hatype & 0xff;
	h[5] = 6; /* address length */
	memcpy(h + 6, "\x02\x00\x00\x00\x00\x07", 6);
	h[14] = proto >> 8;
	h[15] = proto & 0xff;
}

static void sll2_hdr(uint8_t h[20], uint16_t hatype, uint16_t proto)
{
	memset(h, 0, 20);
	h[0] = proto >> 8;
	h[1] = proto & 0xff;
	h[7] = 3; /* ifindex */
	h[8] = hatype >> 8;
	h[9] = hatype & 0xff;
	h[10] = 0; /* PACKET_HOST */
	h[11] = 6;
	memcpy(h + 12, "\x02\x00\x00\x00\x00\x07", 6);
}

/* VLAN-tagged IPv4 as libpcap writes it into a cooked capture: TCI + inner type. */
static const uint8_t vlan_payload[4 + sizeof(ip4)] = {
	0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40,
	0x00, 0x40, 0x11, 0x00, 0x00, 10,   0,	  0,	1,    10,   0,
	0,    2,    0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};
static const uint8_t arp_payload[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0, 1 };

static void cooked_case(bool v2)
{
	const uint32_t hl = v2 ? 20 : 16;
	uint8_t pk[7][20 + 64], h[20];
	uint32_t n[7];
	struct rec r[7];
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];
	int i;

#define HDR(hatype, proto) (v2 ? sll2_hdr(h, hatype, proto) : sll1_hdr(h, hatype, proto))
	HDR(1, 0x0800);
	n[0] = cat(pk[0], h, hl, ip4, sizeof(ip4));
	HDR(1, 0x86dd);
	n[1] = cat(pk[1], h, hl, ip6, sizeof(ip6));
	HDR(1, 0x8100);
	n[2] = cat(pk[2], h, hl, vlan_payload, sizeof(vlan_payload));
	HDR(1, 0x0004); /* 802.2 LLC: no EtherType */
	n[3] = cat(pk[3], h, hl, ip4, 8);
	HDR(824, 0x0800); /* netlink: the protocol is a netlink family, never an EtherType */
	n[4] = cat(pk[4], h, hl, ip4, 8);
	HDR(1, 0x0800);
	n[5] = hl - 1; /* one byte short of the cooked header */
	memcpy(pk[5], h, n[5]);
	HDR(772, 0x0806); /* ARP on loopback, kept as given */
	n[6] = cat(pk[6], h, hl, arp_payload, sizeof(arp_payload));
#undef HDR

	for (i = 0; i < 7; i++)
		r[i] = (struct rec){ TS_2024, (uint32_t)i * 1000 + 7, pk[i], n[i], 0 };
	r[1].len = n[1] + 100; /* snapped packet: wire_len follows */

	tmp_path(path, sizeof(path));
	dump_pcap(path, v2 ? DLT_LINUX_SLL2 : DLT_LINUX_SLL, PCAP_TSTAMP_PRECISION_NANO, r, 7);
	s = must_open(path);
	cr_assert_str_eq(pcap_source_linktype_name(s), v2 ? "LINUX_SLL2" : "LINUX_SLL");

	next_ok(s, &p);
	assert_synth(&p, 0x0800, ip4, sizeof(ip4));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 7);
	cr_assert_eq(p.wire_len, p.len);

	next_ok(s, &p);
	assert_synth(&p, 0x86dd, ip6, sizeof(ip6));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 1007);
	cr_assert_eq(p.wire_len, n[1] + 100 - hl + 14);

	next_ok(s, &p);
	assert_synth(&p, 0x8100, vlan_payload, sizeof(vlan_payload));

	next_ok(s, &p);
	assert_synth(&p, 0x0806, arp_payload, sizeof(arp_payload));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 6007);

	next_eof(s);
	assert_stats(s, 4, 2, 1);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, linux_sll)
{
	cooked_case(false);
}

Test(pcap_source, linux_sll2)
{
	cooked_case(true);
}

/* ---- raw IP -------------------------------------------------------------- */

/* Five records: v4, v6, version 5, empty, v6; expects 3 packets, 1+1 skipped. */
static void raw_records(struct rec r[5])
{
	static const uint8_t bogus[4] = { 0x50, 1, 2, 3 };

	r[0] = (struct rec){ TS_2024, 1, ip4, sizeof(ip4), 0 };
	r[1] = (struct rec){ TS_2024, 2, ip6, sizeof(ip6), 0 };
	r[2] = (struct rec){ TS_2024, 3, bogus, sizeof(bogus), 0 };
	r[3] = (struct rec){ TS_2024, 4, ip4, 0, 0 };
	r[4] = (struct rec){ TS_2024, 5, ip6, 40, 48 }; /* snapped */
}

static void raw_check(const char *path, const char *name)
{
	struct pcap_source *s = must_open(path);
	struct pcap_pkt p;

	cr_assert_str_eq(pcap_source_linktype_name(s), name);
	next_ok(s, &p);
	assert_synth(&p, 0x0800, ip4, sizeof(ip4));
	cr_assert_eq(p.wire_len, 14 + sizeof(ip4));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 1);
	next_ok(s, &p);
	assert_synth(&p, 0x86dd, ip6, sizeof(ip6));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 2);
	next_ok(s, &p);
	assert_synth(&p, 0x86dd, ip6, 40);
	cr_assert_eq(p.wire_len, 14 + 48);
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 5);
	next_eof(s);
	assert_stats(s, 3, 1, 1);
	pcap_source_close(s);
}

Test(pcap_source, dlt_raw_via_libpcap)
{
	struct rec r[5];
	char path[256];

	raw_records(r);
	tmp_path(path, sizeof(path));
	dump_pcap(path, DLT_RAW, PCAP_TSTAMP_PRECISION_NANO, r, 5);
	raw_check(path, "RAW");
	unlink(path);
}

Test(pcap_source, raw_linktype_values)
{
	static const struct {
		uint32_t linktype;
		const char *name;
	} lts[] = {
		{ 12, "RAW" }, { 14, "RAW" }, { 101, "RAW" }, { 228, "IPV4" }, { 229, "IPV6" }
	};
	struct rec r[5];
	char path[256];
	size_t i;

	raw_records(r);
	for (i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
		struct blob o = { .be = (i % 2) == 1 };

		build_pcap(&o, lts[i].linktype, true, r, 5);
		tmp_path(path, sizeof(path));
		write_blob(path, &o);
		raw_check(path, lts[i].name);
		unlink(path);
	}
}

Test(pcap_source, big_raw_packet_grows_buffer)
{
	const uint32_t big = 200000;
	uint8_t *pkt = malloc(big);
	struct rec r[2];
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];
	uint32_t i;

	cr_assert(pkt);
	for (i = 0; i < big; i++)
		pkt[i] = (uint8_t)(i * 7 + 3);
	pkt[0] = 0x45;
	r[0] = (struct rec){ TS_2024, 0, pkt, big, 0 };
	r[1] = (struct rec){ TS_2024, 1, ip4, sizeof(ip4), 0 };
	tmp_path(path, sizeof(path));
	dump_pcap(path, DLT_RAW, PCAP_TSTAMP_PRECISION_NANO, r, 2);

	s = must_open(path);
	next_ok(s, &p);
	assert_synth(&p, 0x0800, pkt, big);
	next_ok(s, &p);
	assert_synth(&p, 0x0800, ip4, sizeof(ip4));
	next_eof(s);
	pcap_source_close(s);
	free(pkt);
	unlink(path);
}

/* ---- BSD loopback ---------------------------------------------------------- */

static void loop_case(int dlt, const char *name)
{
	static const uint32_t afs[] = { 2, 24, 28, 30 };
	uint8_t pk[11][4 + 64];
	struct rec r[11];
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];
	uint32_t n = 0;
	size_t i;

	/* each family in host order (little-endian here) and network order */
	for (i = 0; i < 4; i++) {
		const uint8_t *pl = afs[i] == 2 ? ip4 : ip6;
		uint32_t plen = afs[i] == 2 ? sizeof(ip4) : sizeof(ip6);
		uint8_t le[4] = { afs[i], 0, 0, 0 }, be[4] = { 0, 0, 0, afs[i] };

		r[n] = (struct rec){ TS_2024, n, pk[n], cat(pk[n], le, 4, pl, plen), 0 };
		n++;
		r[n] = (struct rec){ TS_2024, n, pk[n], cat(pk[n], be, 4, pl, plen), 0 };
		n++;
	}
	{
		uint8_t osi[4] = { 7, 0, 0, 0 }, lnx6[4] = { 10, 0, 0, 0 };

		r[n] = (struct rec){ TS_2024, n, pk[n], cat(pk[n], osi, 4, ip4, 8), 0 };
		n++;
		r[n] = (struct rec){ TS_2024, n, pk[n], cat(pk[n], lnx6, 4, ip6, 8), 0 };
		n++;
		r[n] = (struct rec){ TS_2024, n, pk[n], cat(pk[n], osi, 3, NULL, 0), 0 };
		n++;
	}

	tmp_path(path, sizeof(path));
	dump_pcap(path, dlt, PCAP_TSTAMP_PRECISION_NANO, r, n);
	s = must_open(path);
	cr_assert_str_eq(pcap_source_linktype_name(s), name);
	for (i = 0; i < 8; i++) {
		bool v4 = afs[i / 2] == 2;

		next_ok(s, &p);
		assert_synth(&p, v4 ? 0x0800 : 0x86dd, v4 ? ip4 : ip6,
			     v4 ? sizeof(ip4) : sizeof(ip6));
		cr_assert_eq(p.wire_len, p.len);
		cr_assert_eq(p.ts_ns, TS_2024 * NS + i);
	}
	next_eof(s);
	assert_stats(s, 8, 2, 1);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, dlt_null)
{
	loop_case(DLT_NULL, "NULL");
}

Test(pcap_source, dlt_loop)
{
	loop_case(108, "LOOP");
}

/* ---- pcapng ---------------------------------------------------------------- */

Test(pcap_source, pcapng_ethernet_ns_resolution)
{
	uint8_t f1[14 + sizeof(ip4)] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00 };
	uint8_t f2[14 + sizeof(ip6)] = { [12] = 0x86, [13] = 0xdd };
	struct rec r[3];
	struct blob o = { 0 };
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	memcpy(f1 + 14, ip4, sizeof(ip4));
	memcpy(f2 + 14, ip6, sizeof(ip6));
	r[0] = (struct rec){ TS_2024, 123456789, f1, sizeof(f1), 0 };
	r[1] = (struct rec){ TS_2024 + 5, 1, f2, 61, 1000 }; /* odd length: padded */
	r[2] = (struct rec){ TS_2024 + 6, 0, f1, 13, 0 };    /* short */
	build_pcapng(&o, 1, 9, r, 3);
	tmp_path(path, sizeof(path));
	write_blob(path, &o);

	s = must_open(path);
	cr_assert_str_eq(pcap_source_linktype_name(s), "EN10MB");
	next_ok(s, &p);
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 123456789);
	cr_assert_eq(p.len, sizeof(f1));
	cr_assert_eq(memcmp(p.frame, f1, sizeof(f1)), 0);
	next_ok(s, &p);
	cr_assert_eq(p.ts_ns, (TS_2024 + 5) * NS + 1);
	cr_assert_eq(p.len, 61);
	cr_assert_eq(p.wire_len, 1000);
	cr_assert_eq(memcmp(p.frame, f2, 61), 0);
	next_eof(s);
	assert_stats(s, 2, 0, 1);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, pcapng_sll2_default_us_big_endian)
{
	uint8_t pk[20 + sizeof(ip6)], h[20];
	struct rec r;
	struct blob o = { .be = true };
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	sll2_hdr(h, 1, 0x86dd);
	r = (struct rec){ TS_2024, 777000, pk, cat(pk, h, 20, ip6, sizeof(ip6)), 0 };
	build_pcapng(&o, 276, 0, &r, 1);
	tmp_path(path, sizeof(path));
	write_blob(path, &o);

	s = must_open(path);
	cr_assert_str_eq(pcap_source_linktype_name(s), "LINUX_SLL2");
	next_ok(s, &p);
	assert_synth(&p, 0x86dd, ip6, sizeof(ip6));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 777000);
	next_eof(s);
	assert_stats(s, 1, 0, 0);
	pcap_source_close(s);
	unlink(path);
}

Test(pcap_source, pcapng_raw_ipv4)
{
	struct rec r = { TS_2024, 5, ip4, sizeof(ip4), 0 };
	struct blob o = { 0 };
	struct pcap_source *s;
	struct pcap_pkt p;
	char path[256];

	build_pcapng(&o, 101, 9, &r, 1);
	tmp_path(path, sizeof(path));
	write_blob(path, &o);

	s = must_open(path);
	next_ok(s, &p);
	assert_synth(&p, 0x0800, ip4, sizeof(ip4));
	cr_assert_eq(p.ts_ns, TS_2024 * NS + 5);
	next_eof(s);
	pcap_source_close(s);
	unlink(path);
}

/* ---- errors ---------------------------------------------------------------- */

static void expect_open_error(const char *path, const char *prefix)
{
	char err[512] = "";
	struct pcap_source *s = pcap_source_open(path, err, sizeof(err));

	cr_assert_null(s, "open %s unexpectedly succeeded", path);
	cr_assert(has_prefix(err, prefix), "error '%s' does not start with '%s'", err, prefix);
	cr_assert_null(strchr(err, '\n'), "error is not one line: '%s'", err);
}

Test(pcap_source, missing_file)
{
	char path[256], want[300];

	tmp_path(path, sizeof(path));
	unlink(path);
	snprintf(want, sizeof(want), "cannot open %s: No such file or directory", path);
	expect_open_error(path, want);
}

Test(pcap_source, directory)
{
	char want[64];

	snprintf(want, sizeof(want), "cannot open /: Is a directory");
	expect_open_error("/", want);
}

Test(pcap_source, garbage_and_empty_files)
{
	static const char text[] = "this is not a capture, just some text\n";
	char path[256], want[300];

	tmp_path(path, sizeof(path));
	snprintf(want, sizeof(want), "%s: not a pcap or pcapng file", path);
	write_file(path, text, sizeof(text) - 1);
	expect_open_error(path, want);
	write_file(path, "", 0);
	expect_open_error(path, want);
	write_file(path, "\xd4\xc3", 2);
	expect_open_error(path, want);
	unlink(path);
}

Test(pcap_source, truncated_file_header)
{
	char path[256], want[300];

	tmp_path(path, sizeof(path));
	write_file(path, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00", 10);
	snprintf(want, sizeof(want), "%s: corrupt capture header: ", path);
	expect_open_error(path, want);
	write_file(path, "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", 8);
	expect_open_error(path, want);
	unlink(path);
}

Test(pcap_source, unsupported_link_type)
{
	struct rec r = { TS_2024, 0, ip4, sizeof(ip4), 0 };
	char path[256], want[300];

	tmp_path(path, sizeof(path));
	dump_pcap(path, DLT_IEEE802_11, PCAP_TSTAMP_PRECISION_NANO, &r, 1);
	snprintf(want, sizeof(want), "%s: unsupported link type 105 (IEEE802_11)", path);
	expect_open_error(path, want);
	unlink(path);
}

/* Three Ethernet records of 60 bytes each, as a classic pcap blob. */
static void three_frames(struct blob *o, bool ng)
{
	static uint8_t f[60] = { [12] = 0x08 };
	struct rec r[3];
	int i;

	memcpy(f + 14, ip4, sizeof(ip4));
	for (i = 0; i < 3; i++)
		r[i] = (struct rec){ TS_2024, (uint32_t)i, f, sizeof(f), 0 };
	if (ng)
		build_pcapng(o, 1, 9, r, 3);
	else
		build_pcap(o, 1, true, r, 3);
}

static void expect_read_error(const char *path, int good, const char *prefix)
{
	struct pcap_source *s = must_open(path);
	char err[512] = "";
	struct pcap_pkt p;
	int i;

	for (i = 0; i < good; i++)
		next_ok(s, &p);
	cr_assert_eq(pcap_source_next(s, &p, err, sizeof(err)), -1);
	cr_assert(has_prefix(err, prefix), "error '%s' does not start with '%s'", err, prefix);
	cr_assert_null(strchr(err, '\n'), "error is not one line: '%s'", err);
	/* the error sticks and is reported again */
	err[0] = '\0';
	cr_assert_eq(pcap_source_next(s, &p, err, sizeof(err)), -1);
	cr_assert(has_prefix(err, prefix), "repeated error '%s'", err);
	pcap_source_close(s);
}

Test(pcap_source, truncated_pcap)
{
	struct blob o = { 0 };
	char path[256], want[300];
	size_t full;

	three_frames(&o, false);
	full = o.len;
	tmp_path(path, sizeof(path));
	snprintf(want, sizeof(want), "%s: truncated capture after 2 packets: ", path);

	write_file(path, o.b, full - 20); /* inside the third packet's data */
	expect_read_error(path, 2, want);
	write_file(path, o.b, full - 60 - 6); /* inside the third record header */
	expect_read_error(path, 2, want);

	write_file(path, o.b, full - 76); /* cut exactly between records: clean EOF */
	{
		struct pcap_source *s = must_open(path);
		struct pcap_pkt p;

		next_ok(s, &p);
		next_ok(s, &p);
		next_eof(s);
		pcap_source_close(s);
	}
	free(o.b);
	unlink(path);
}

Test(pcap_source, truncated_pcapng)
{
	struct blob o = { 0 };
	char path[256], want[300];

	three_frames(&o, true);
	tmp_path(path, sizeof(path));
	write_file(path, o.b, o.len - 30);
	snprintf(want, sizeof(want), "%s: truncated capture after 2 packets: ", path);
	expect_read_error(path, 2, want);
	free(o.b);
	unlink(path);
}

Test(pcap_source, corrupt_record_header)
{
	struct blob o = { 0 };
	char path[256], want[300];

	three_frames(&o, false);
	/* second record: caplen 0x7fffffff */
	memcpy(o.b + 24 + 16 + 60 + 8, "\xff\xff\xff\x7f", 4);
	tmp_path(path, sizeof(path));
	write_blob(path, &o);
	snprintf(want, sizeof(want), "%s: read error after 1 packets: ", path);
	expect_read_error(path, 1, want);
	unlink(path);
}

Test(pcap_source, null_error_buffer_is_safe)
{
	struct pcap_pkt p;
	struct blob o = { 0 };
	struct pcap_source *s;
	char path[256];

	cr_assert_null(pcap_source_open("/nonexistent/nettrail.pcap", NULL, 0));
	three_frames(&o, false);
	tmp_path(path, sizeof(path));
	write_file(path, o.b, o.len - 20);
	free(o.b);
	s = pcap_source_open(path, NULL, 0);
	cr_assert(s);
	cr_assert_eq(pcap_source_next(s, &p, NULL, 0), 1);
	cr_assert_eq(pcap_source_next(s, &p, NULL, 0), 1);
	cr_assert_eq(pcap_source_next(s, &p, NULL, 0), -1);
	pcap_source_close(s);
	pcap_source_close(NULL);
	unlink(path);
}

/*
 * Every prefix of a valid file, and the file with each byte overwritten by a
 * few values, must open-or-fail and read-or-fail without crashing (run this
 * under ASan/UBSan), and every failure must come with a message.
 */
/* Open and drain path; any outcome but a crash or a silent failure is fine. */
static void try_damaged(const char *path)
{
	struct pcap_source *s;
	char err[512] = "";
	struct pcap_pkt p;
	int rc, guard = 0;

	s = pcap_source_open(path, err, sizeof(err));
	if (!s) {
		cr_assert(err[0], "open failed silently");
		return;
	}
	while ((rc = pcap_source_next(s, &p, err, sizeof(err))) == 1) {
		cr_assert_geq(p.len, 14);
		cr_assert_geq(p.wire_len, p.len);
		cr_assert_lt(++guard, 100);
	}
	cr_assert(rc == 0 || (rc == -1 && err[0]), "rc %d err '%s'", rc, err);
	pcap_source_close(s);
}

/*
 * Every prefix of a valid file, and the whole file with each byte in turn
 * overwritten by a few values, must open-or-fail and read-or-fail without
 * crashing (run this under ASan/UBSan), every failure with a message.
 */
static void torture(const struct blob *good, const char *path)
{
	static const uint8_t vals[] = { 0x00, 0xff, 0x7f, 0x80 };
	uint8_t *b = malloc(good->len);
	size_t cut, pos, v;

	cr_assert(b);
	for (cut = 0; cut < good->len; cut++) {
		write_file(path, good->b, cut);
		try_damaged(path);
	}
	for (pos = 0; pos < good->len; pos++) {
		for (v = 0; v < sizeof(vals); v++) {
			memcpy(b, good->b, good->len);
			b[pos] = vals[v];
			write_file(path, b, good->len);
			try_damaged(path);
		}
	}
	free(b);
}

Test(pcap_source, no_crash_on_damaged_files)
{
	struct blob o = { 0 };
	uint8_t pk[16 + sizeof(ip4)], h[16];
	struct rec r[2];
	char path[256];

	tmp_path(path, sizeof(path));
	three_frames(&o, false);
	torture(&o, path);
	free(o.b);
	memset(&o, 0, sizeof(o));
	three_frames(&o, true);
	torture(&o, path);
	free(o.b);
	memset(&o, 0, sizeof(o));
	sll1_hdr(h, 1, 0x0800);
	r[0] = (struct rec){ TS_2024, 0, pk, cat(pk, h, 16, ip4, sizeof(ip4)), 0 };
	r[1] = r[0];
	build_pcap(&o, 113, false, r, 2);
	torture(&o, path);
	free(o.b);
	unlink(path);
}
