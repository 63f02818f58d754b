// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap_source.c - capture reader that normalizes every packet to Ethernet.
 * See pcap_source.h for the contract.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fileno, strdup; BSD u_char for pcap.h under -std=c11 */
#endif
#include "pcap_source.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_802_3_MIN 0x0600 /* cooked protocols below this are not EtherTypes */
#define ARPHRD_NETLINK	824    /* cooked netlink capture: protocol is a netlink family */

/* Address families a DLT_NULL / DLT_LOOP header may carry. */
#define BSD_AF_INET	     2
#define BSD_AF_INET6_BSD     24 /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly BSD */
#define BSD_AF_INET6_DARWIN  30 /* macOS, iOS */

/* Initial size of the normalization buffer; grows for bigger packets. */
#define NORM_BUF_INIT (PCAP_SOURCE_ETH_HLEN + 65536)

enum lt_kind {
	LT_ETH,	 /* already Ethernet */
	LT_SLL,	 /* Linux cooked v1 */
	LT_SLL2, /* Linux cooked v2 */
	LT_RAW,	 /* bare IPv4/IPv6, version nibble decides */
	LT_NULL, /* 4-byte address family, either byte order */
};

struct lt_info {
	int dlt; /* value pcap_datalink() returns */
	enum lt_kind kind;
	uint32_t hdrlen; /* link header bytes dropped before the network layer */
	const char *name;
};

/*
 * Supported link types. Numbers are spelled out because DLT_RAW and DLT_LOOP
 * change value between platforms (12/14 and 108/12); on Linux libpcap maps
 * LINKTYPE_RAW (101) in a file to DLT_RAW (12), but 101 is kept in case a
 * caller's libpcap does not, and 14 is BSD/OS' DLT_RAW.
 */
static const struct lt_info lt_table[] = {
	{ 1, LT_ETH, 14, "EN10MB" },	    /* DLT_EN10MB */
	{ 113, LT_SLL, 16, "LINUX_SLL" },   /* DLT_LINUX_SLL */
	{ 276, LT_SLL2, 20, "LINUX_SLL2" }, /* DLT_LINUX_SLL2 */
	{ 12, LT_RAW, 0, "RAW" },	    /* DLT_RAW (most platforms) */
	{ 14, LT_RAW, 0, "RAW" },	    /* DLT_RAW (BSD/OS, OpenBSD) */
	{ 101, LT_RAW, 0, "RAW" },	    /* LINKTYPE_RAW */
	{ 228, LT_RAW, 0, "IPV4" },	    /* LINKTYPE_IPV4 */
	{ 229, LT_RAW, 0, "IPV6" },	    /* LINKTYPE_IPV6 */
	{ 0, LT_NULL, 4, "NULL" },	    /* DLT_NULL */
	{ 108, LT_NULL, 4, "LOOP" },	    /* DLT_LOOP (LINKTYPE_LOOP) */
};

enum src_state {
	SRC_READING,
	SRC_EOF,
	SRC_ERROR,
};

struct pcap_source {
	pcap_t *pcap;
	const struct lt_info *lt;
	char *path;
	uint8_t *buf; /* synthetic header + network-layer bytes */
	size_t bufsz;
	uint64_t records; /* records read, skipped ones included */
	struct pcap_source_stats stats;
	enum src_state state;
	char errmsg[1024]; /* the error -1 reports, kept for repeated calls */
};

/*
 * Format one line into err (if err && errlen): vsnprintf, then every control
 * character (a newline from libpcap or in a path) becomes a space.
 */
static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *c;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (c = err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* True when the first four bytes of a file are a magic libpcap can read. */
static bool known_magic(const uint8_t m[4])
{
	static const uint32_t magics[] = {
		0xa1b2c3d4, 0xd4c3b2a1, /* pcap, microseconds */
		0xa1b23c4d, 0x4d3cb2a1, /* pcap, nanoseconds */
		0xa1b2cd34, 0x34cdb2a1, /* Kuznetzov's modified pcap */
		0x0a0d0d0a,		/* pcapng section header block */
	};
	uint32_t v = get_be32(m);
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (v == magics[i])
			return true;
	return false;
}

static const struct lt_info *lt_lookup(int dlt)
{
	size_t i;

	for (i = 0; i < sizeof(lt_table) / sizeof(lt_table[0]); i++)
		if (lt_table[i].dlt == dlt)
			return &lt_table[i];
	return NULL;
}

/*
 * Open path for libpcap. Returns the pcap handle or NULL with err filled.
 * A regular file's magic is checked here so that "not a capture" and
 * "damaged capture" get different messages.
 */
static pcap_t *open_capture(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	uint8_t magic[4];
	struct stat st;
	bool regular;
	size_t got;
	pcap_t *p;
	FILE *fp;

	fp = fopen(path, "rb");
	if (!fp) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(EISDIR));
		goto fail;
	}
	regular = S_ISREG(st.st_mode);
	if (regular) {
		got = fread(magic, 1, sizeof(magic), fp);
		if (got < sizeof(magic) && ferror(fp)) {
			set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto fail;
		}
		if (got < sizeof(magic) || !known_magic(magic)) {
			set_err(err, errlen, "%s: not a pcap or pcapng file", path);
			goto fail;
		}
		if (fseek(fp, 0, SEEK_SET) < 0) {
			set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto fail;
		}
	}

	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p)
		return p; /* owns fp now */
	if (regular)
		set_err(err, errlen, "%s: corrupt capture header: %s", path, ebuf);
	else if (strstr(ebuf, "unknown file format"))
		set_err(err, errlen, "%s: not a pcap or pcapng file", path);
	else
		set_err(err, errlen, "%s: %s", path, ebuf);
fail:
	fclose(fp);
	return NULL;
}

struct pcap_source *pcap_source_open(const char *path, char *err, size_t errlen)
{
	const struct lt_info *lt;
	struct pcap_source *s;
	const char *name;
	pcap_t *p;
	int dlt;

	if (!path) {
		set_err(err, errlen, "cannot open (null): %s", strerror(EINVAL));
		return NULL;
	}
	p = open_capture(path, err, errlen);
	if (!p)
		return NULL;

	dlt = pcap_datalink(p);
	lt = lt_lookup(dlt);
	if (!lt) {
		name = pcap_datalink_val_to_name(dlt);
		set_err(err, errlen, "%s: unsupported link type %d (%s)", path, dlt,
			name ? name : "unknown");
		pcap_close(p);
		return NULL;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->pcap = p;
	s->lt = lt;
	s->path = strdup(path);
	if (!s->path)
		goto oom;
	if (lt->kind != LT_ETH) {
		/* calloc: the two MACs stay zero for the life of the buffer. */
		s->bufsz = NORM_BUF_INIT;
		s->buf = calloc(1, s->bufsz);
		if (!s->buf)
			goto oom;
	}
	return s;

oom:
	set_err(err, errlen, "out of memory");
	if (s) {
		free(s->path);
		free(s);
	}
	pcap_close(p);
	return NULL;
}

/* Make room for need bytes in the normalization buffer, keeping the zero MACs. */
static int grow_buf(struct pcap_source *s, size_t need)
{
	uint8_t *nb = nt_grow(s->buf, &s->bufsz, need, NORM_BUF_INIT);

	if (!nb)
		return -1;
	s->buf = nb;
	return 0;
}

/* EtherType for an IP packet by its version nibble; 0 when neither 4 nor 6. */
static uint16_t ip_ethertype(uint8_t first)
{
	switch (first >> 4) {
	case 4:
		return ETH_P_IP;
	case 6:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

/* EtherType for a DLT_NULL/DLT_LOOP address family in either byte order; 0 if unknown. */
static uint16_t af_ethertype(const uint8_t *hdr)
{
	uint32_t cand[2] = { get_be32(hdr), get_le32(hdr) };
	int i;

	for (i = 0; i < 2; i++) {
		switch (cand[i]) {
		case BSD_AF_INET:
			return ETH_P_IP;
		case BSD_AF_INET6_BSD:
		case BSD_AF_INET6_FREEBSD:
		case BSD_AF_INET6_DARWIN:
			return ETH_P_IPV6;
		}
	}
	return 0;
}

/* EtherType a cooked (SLL/SLL2) header announces; 0 when it is not one. */
static uint16_t cooked_ethertype(uint16_t hatype, uint16_t proto)
{
	if (hatype == ARPHRD_NETLINK || proto < ETH_P_802_3_MIN)
		return 0;
	return proto;
}

/*
 * Turn one record into *out. Returns 1 on success, 0 when the record was
 * skipped (and counted), -1 when the buffer could not grow.
 */
static int normalize(struct pcap_source *s, const struct pcap_pkthdr *h, const uint8_t *data,
		     struct pcap_pkt *out)
{
	const struct lt_info *lt = s->lt;
	uint32_t caplen = h->caplen;
	uint64_t wire, len;
	uint16_t et;

	if (caplen < lt->hdrlen || (lt->kind == LT_RAW && caplen < 1)) {
		s->stats.skipped_short++;
		return 0;
	}

	switch (lt->kind) {
	case LT_ETH:
		out->frame = data;
		out->len = caplen;
		out->wire_len = h->len > caplen ? h->len : caplen;
		return 1;
	case LT_SLL:
		et = cooked_ethertype(get_be16(data + 2), get_be16(data + 14));
		break;
	case LT_SLL2:
		et = cooked_ethertype(get_be16(data + 8), get_be16(data + 0));
		break;
	case LT_RAW:
		et = ip_ethertype(data[0]);
		break;
	case LT_NULL:
		et = af_ethertype(data);
		break;
	default:
		et = 0;
		break;
	}
	if (!et) {
		s->stats.skipped_linktype++;
		return 0;
	}

	len = (uint64_t)caplen - lt->hdrlen + PCAP_SOURCE_ETH_HLEN;
	if (len > UINT32_MAX) {
		s->stats.skipped_short++; /* cannot happen with libpcap's buffer limits */
		return 0;
	}
	if (len > s->bufsz && grow_buf(s, len) < 0)
		return -1;
	s->buf[12] = et >> 8;
	s->buf[13] = et & 0xff;
	memcpy(s->buf + PCAP_SOURCE_ETH_HLEN, data + lt->hdrlen, caplen - lt->hdrlen);

	wire = h->len >= lt->hdrlen ? (uint64_t)h->len - lt->hdrlen + PCAP_SOURCE_ETH_HLEN : 0;
	if (wire < len)
		wire = len; /* corrupt record: on-wire length below captured length */
	if (wire > UINT32_MAX)
		wire = UINT32_MAX;

	out->frame = s->buf;
	out->len = (uint32_t)len;
	out->wire_len = (uint32_t)wire;
	return 1;
}

int pcap_source_next(struct pcap_source *s, struct pcap_pkt *out, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	const char *msg;
	int rc;

	for (;;) {
		if (s->state == SRC_EOF)
			return 0;
		if (s->state == SRC_ERROR) {
			set_err(err, errlen, "%s", s->errmsg);
			return -1;
		}

		rc = pcap_next_ex(s->pcap, &h, &data);
		if (rc == PCAP_ERROR_BREAK) {
			s->state = SRC_EOF;
			continue;
		}
		if (rc != 1) {
			msg = pcap_geterr(s->pcap);
			set_err(s->errmsg, sizeof(s->errmsg), "%s: %s after %llu packets: %s",
				s->path,
				strstr(msg, "truncated") ? "truncated capture" : "read error",
				(unsigned long long)s->records, msg);
			s->state = SRC_ERROR;
			continue;
		}
		s->records++;

		rc = normalize(s, h, data, out);
		if (rc < 0) {
			set_err(s->errmsg, sizeof(s->errmsg), "out of memory");
			s->state = SRC_ERROR;
			continue;
		}
		if (rc == 0)
			continue;

		out->ts_ns = h->ts.tv_sec < 0 ? 0 :
						(uint64_t)h->ts.tv_sec * 1000000000ull +
							(uint64_t)h->ts.tv_usec;
		s->stats.packets++;
		return 1;
	}
}

const struct pcap_source_stats *pcap_source_stats(const struct pcap_source *s)
{
	return &s->stats;
}

const char *pcap_source_linktype_name(const struct pcap_source *s)
{
	return s->lt->name;
}

int pcap_source_linktype(const struct pcap_source *s)
{
	return s->lt->dlt;
}

void pcap_source_close(struct pcap_source *s)
{
	if (!s)
		return;
	pcap_close(s->pcap);
	free(s->buf);
	free(s->path);
	free(s);
}
