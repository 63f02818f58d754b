// SPDX-License-Identifier: BSD-2-Clause
/*
 * dns_msg.c - DNS message parser for untrusted bytes.
 *
 * Only libc. libresolv (ns_initparse, ns_parserr, dn_expand) is not used on
 * purpose: this runs on every DNS packet the sensor sees, the bytes come
 * from anyone, and every access must be bounded here, by code whose limits
 * are written down in dns_msg.h, not by a library's idea of a well-formed
 * message. Each loop below consumes at least one byte of the message per
 * turn or stops, and name decoding follows at most DNS_MAX_JUMPS strictly
 * backwards pointers, so the work is bounded by the message length.
 */
#include "dns_msg.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define NAME_WIRE_MAX 255 /* RFC 1035 3.1: octets, length bytes and the root included */

struct msg {
	const uint8_t *buf;
	size_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "\DDD", decimal (RFC 1035 5.1). */
static size_t esc_ddd(uint8_t c, char *e)
{
	e[0] = '\\';
	e[1] = (char)('0' + c / 100);
	e[2] = (char)('0' + c / 10 % 10);
	e[3] = (char)('0' + c % 10);
	return 4;
}

/* A byte of a label: printable but for space, '.' and '\'. */
static size_t esc_label(uint8_t c, char *e)
{
	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		e[0] = (char)c;
		return 1;
	}
	return esc_ddd(c, e);
}

/* A byte of a quoted character-string (TXT, CAA value). */
static size_t esc_quoted(uint8_t c, char *e)
{
	if (c == '"' || c == '\\') {
		e[0] = '\\';
		e[1] = (char)c;
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		e[0] = (char)c;
		return 1;
	}
	return esc_ddd(c, e);
}

/* Dotted quad into s (at least 16 bytes); returns its length. */
static size_t fmt_ip4(const uint8_t *a, char *s)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t v = a[i];

		if (i)
			s[n++] = '.';
		if (v >= 100)
			s[n++] = (char)('0' + v / 100);
		if (v >= 10)
			s[n++] = (char)('0' + v / 10 % 10);
		s[n++] = (char)('0' + v % 10);
	}
	s[n] = '\0';
	return n;
}

/*
 * IPv6 text as glibc's inet_ntop writes it (RFC 5952: lowercase, no
 * leading zeros, the first longest run of two or more zero groups as
 * "::"), with the same dotted-quad tail for IPv4-mapped and -compatible
 * addresses; into s, at least 46 bytes. inet_ntop formats through
 * sprintf, which was half of the time of a whole parse.
 */
static void fmt_ip6(const uint8_t *a, char *s)
{
	unsigned int w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8; i++) {
		if (w[i]) {
			cur = -1;
			continue;
		}
		if (cur < 0) {
			cur = i;
			cur_len = 0;
		}
		if (++cur_len > best_len) {
			best = cur;
			best_len = cur_len;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			s[n++] = ':';
			if (best + best_len == 8)
				s[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i)
			s[n++] = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 7 && w[7] != 1) ||
		     (best_len == 5 && w[5] == 0xffff))) {
			fmt_ip4(a + 12, s + n);
			return;
		}
		for (int sh = 12, lead = 1; sh >= 0; sh -= 4) {
			unsigned int d = (w[i] >> sh) & 15;

			if (d)
				lead = 0;
			if (!lead || !sh)
				s[n++] = nt_hexdig[d];
		}
	}
	s[n] = '\0';
}

/*
 * Bounded text: pieces are added whole or not at all; once one does not
 * fit, nothing more is added and the text ends with "...".
 */
struct txt {
	char *p;
	size_t cap; /* room for text, "..." and the NUL kept apart */
	size_t n;
	bool cut;
};

static void txt_init(struct txt *t, char *p, size_t size)
{
	t->p = p;
	t->cap = size - 4;
	t->n = 0;
	t->cut = false;
}

static void txt_put(struct txt *t, const char *s, size_t n)
{
	if (t->cut)
		return;
	if (n > t->cap - t->n) {
		t->cut = true;
		return;
	}
	memcpy(t->p + t->n, s, n);
	t->n += n;
}

static void txt_str(struct txt *t, const char *s)
{
	txt_put(t, s, strlen(s));
}

/* A name's text, cut (when it must be) before a whole character or \\DDD
 * escape, never inside one. Plain characters go a run at a time (a
 * character at a time halved the rate of a CNAME chain's parse). */
static void txt_name(struct txt *t, const char *s)
{
	while (*s && !t->cut) {
		size_t n = *s == '\\' ? 4 : strcspn(s, "\\");

		if (*s != '\\' && n > t->cap - t->n)
			txt_put(t, s, t->cap - t->n); /* the run's characters that fit */
		txt_put(t, s, n);
		s += n;
	}
}

static void txt_u32(struct txt *t, uint32_t v)
{
	char b[10];
	size_t i = sizeof(b);

	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	txt_put(t, b + i, sizeof(b) - i);
}

static void txt_end(struct txt *t)
{
	if (t->cut) {
		memcpy(t->p + t->n, "...", 3);
		t->n += 3;
	}
	t->p[t->n] = '\0';
}

/*
 * Decodes the name at *off into out[DNS_MAX_NAME] and moves *off past it
 * (past its first pointer, when it has one). Every pointer must land
 * before the start of the label sequence it sits in: targets strictly
 * decrease, so no name can loop, and DNS_MAX_JUMPS bounds the work.
 */
static enum dns_err name_get(const struct msg *m, size_t *off, char *out)
{
	size_t pos = *off, seq = *off, end = 0, n = 0, wire = 0;
	unsigned int jumps = 0;
	enum dns_err err;

	for (;;) {
		uint8_t c;

		if (pos >= m->len) {
			err = DNS_E_NAME_OOB;
			goto fail;
		}
		c = m->buf[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (m->len - pos < 2) {
				err = DNS_E_NAME_OOB;
				goto fail;
			}
			to = (size_t)(c & 0x3f) << 8 | m->buf[pos + 1];
			if (to >= m->len) {
				err = DNS_E_NAME_OOB;
				goto fail;
			}
			if (to >= seq) {
				err = DNS_E_NAME_FORWARD_PTR;
				goto fail;
			}
			if (++jumps > DNS_MAX_JUMPS) {
				err = DNS_E_NAME_LOOP;
				goto fail;
			}
			if (!end)
				end = pos + 2;
			pos = seq = to;
			continue;
		}
		if (c & 0xc0) {
			err = DNS_E_LABEL;
			goto fail;
		}
		if (!c)
			break;
		if (c >= m->len - pos) { /* pos + 1 + c > len */
			err = DNS_E_NAME_OOB;
			goto fail;
		}
		/* the limit is the wire form's (RFC 1035), not the text's: a
		 * tunnel's binary labels escape to up to 4 characters a byte,
		 * and out[DNS_MAX_NAME] holds the longest such text */
		wire += 1 + (size_t)c;
		if (wire + 1 > NAME_WIRE_MAX) {
			err = DNS_E_NAME_TOO_LONG;
			goto fail;
		}
		if (n)
			out[n++] = '.';
		for (size_t i = pos + 1; i <= pos + c; i++) {
			uint8_t b = m->buf[i];

			if (b > 0x20 && b < 0x7f && b != '.' && b != '\\')
				out[n++] = (char)b;
			else
				n += esc_ddd(b, out + n);
		}
		pos += 1 + (size_t)c;
	}
	if (!end)
		end = pos + 1;
	if (!n)
		out[n++] = '.';
	out[n] = '\0';
	*off = end;
	return DNS_OK;
fail:
	out[0] = '\0';
	return err;
}

/*
 * Moves *off past the name there without following its pointer (the
 * records that are walked, not stored); the pointer is still checked.
 */
static enum dns_err name_skip(const struct msg *m, size_t *off)
{
	size_t pos = *off;

	for (;;) {
		uint8_t c;

		if (pos >= m->len)
			return DNS_E_NAME_OOB;
		c = m->buf[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (m->len - pos < 2)
				return DNS_E_NAME_OOB;
			to = (size_t)(c & 0x3f) << 8 | m->buf[pos + 1];
			if (to >= m->len)
				return DNS_E_NAME_OOB;
			if (to >= *off)
				return DNS_E_NAME_FORWARD_PTR;
			*off = pos + 2;
			return DNS_OK;
		}
		if (c & 0xc0)
			return DNS_E_LABEL;
		if (!c) {
			*off = pos + 1;
			return DNS_OK;
		}
		if (c >= m->len - pos)
			return DNS_E_NAME_OOB;
		pos += 1 + (size_t)c;
		if (pos - *off + 1 > NAME_WIRE_MAX)
			return DNS_E_NAME_TOO_LONG;
	}
}

/* A name inside RDATA [*o, re): decoded, and its in-place part within. */
static enum dns_err rd_name(const struct msg *m, size_t *o, size_t re, char *out)
{
	enum dns_err err = name_get(m, o, out);

	if (err)
		return err;
	return *o <= re ? DNS_OK : DNS_E_RR_OOB;
}

static void rd_generic(const struct msg *m, size_t o, size_t re, struct txt *t)
{
	txt_str(t, "\\# ");
	txt_u32(t, (uint32_t)(re - o));
	if (o < re)
		txt_put(t, " ", 1);
	for (; o < re; o++) {
		char h[2] = { nt_hexdig[m->buf[o] >> 4], nt_hexdig[m->buf[o] & 15] };

		txt_put(t, h, 2);
	}
}

static void rd_quoted(const struct msg *m, size_t o, size_t n, struct txt *t)
{
	txt_put(t, "\"", 1);
	for (size_t i = o; i < o + n; i++) {
		char e[4];

		txt_put(t, e, esc_quoted(m->buf[i], e));
	}
	txt_put(t, "\"", 1);
}

/* MX "pref name", SRV "prio weight port name": u16s, then a name. */
static enum dns_err rd_mx_srv(const struct msg *m, uint16_t type, size_t o, size_t re,
			      struct txt *t)
{
	size_t fixed = type == DNS_T_MX ? 2 : 6;
	char n1[DNS_MAX_NAME];
	enum dns_err err;

	if (re - o < fixed + 1)
		return DNS_E_RR_OOB;
	for (size_t i = 0; i < fixed; i += 2) {
		txt_u32(t, get16(m->buf + o + i));
		txt_put(t, " ", 1);
	}
	o += fixed;
	err = rd_name(m, &o, re, n1);
	if (err)
		return err;
	if (o != re)
		return DNS_E_RR_OOB;
	txt_name(t, n1);
	return DNS_OK;
}

static enum dns_err rd_soa(const struct msg *m, size_t o, size_t re, struct txt *t)
{
	char n1[DNS_MAX_NAME], n2[DNS_MAX_NAME];
	enum dns_err err;

	err = rd_name(m, &o, re, n1);
	if (err)
		return err;
	err = rd_name(m, &o, re, n2);
	if (err)
		return err;
	if (re - o != 20)
		return DNS_E_RR_OOB;
	txt_name(t, n1);
	txt_put(t, " ", 1);
	txt_name(t, n2);
	for (size_t i = 0; i < 20; i += 4) {
		txt_put(t, " ", 1);
		txt_u32(t, get32(m->buf + o + i));
	}
	return DNS_OK;
}

static enum dns_err rd_txt(const struct msg *m, size_t o, size_t re, struct txt *t)
{
	while (o < re) {
		size_t n = m->buf[o];

		if (n > re - o - 1)
			return DNS_E_RR_OOB;
		if (t->n)
			txt_put(t, " ", 1);
		rd_quoted(m, o + 1, n, t);
		o += 1 + n;
	}
	return DNS_OK;
}

static enum dns_err rd_caa(const struct msg *m, size_t o, size_t re, struct txt *t)
{
	size_t rdlen = re - o, tag;

	if (rdlen < 2 || m->buf[o + 1] > rdlen - 2)
		return DNS_E_RR_OOB;
	tag = m->buf[o + 1];
	txt_u32(t, m->buf[o]);
	txt_put(t, " ", 1);
	for (size_t i = o + 2; i < o + 2 + tag; i++) {
		char e[4];

		txt_put(t, e, esc_label(m->buf[i], e));
	}
	txt_put(t, " ", 1);
	rd_quoted(m, o + 2 + tag, rdlen - 2 - tag, t);
	return DNS_OK;
}

static enum dns_err rdata_text(const struct msg *m, struct dns_rr *rr, size_t o, size_t re)
{
	size_t rdlen = re - o;
	enum dns_err err;
	struct txt t;

	rr->ip_len = 0;
	switch (rr->type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (rdlen != (rr->type == DNS_T_A ? 4u : 16u))
			return DNS_E_RR_OOB;
		memcpy(rr->ip, m->buf + o, rdlen);
		rr->ip_len = (uint8_t)rdlen;
		if (rdlen == 4)
			fmt_ip4(rr->ip, rr->data);
		else
			fmt_ip6(rr->ip, rr->data);
		return DNS_OK;
	}

	txt_init(&t, rr->data, sizeof(rr->data));
	switch (rr->type) {
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
	case DNS_T_DNAME: {
		/* decoded whole (up to DNS_MAX_NAME), then cut to data[] */
		char n1[DNS_MAX_NAME];

		err = rd_name(m, &o, re, n1);
		if (err)
			return err;
		txt_name(&t, n1);
		txt_end(&t);
		return o == re ? DNS_OK : DNS_E_RR_OOB;
	}
	}
	switch (rr->type) {
	case DNS_T_MX:
	case DNS_T_SRV:
		err = rd_mx_srv(m, rr->type, o, re, &t);
		break;
	case DNS_T_SOA:
		err = rd_soa(m, o, re, &t);
		break;
	case DNS_T_TXT:
		err = rd_txt(m, o, re, &t);
		break;
	case DNS_T_CAA:
		err = rd_caa(m, o, re, &t);
		break;
	default:
		rd_generic(m, o, re, &t);
		err = DNS_OK;
		break;
	}
	if (err)
		return err;
	txt_end(&t);
	return DNS_OK;
}

/*
 * The fixed part of a record after its owner name: TYPE, CLASS, TTL and
 * RDLENGTH. *off moves to the RDATA, which must lie inside the message.
 */
static inline enum dns_err rr_fixed(const struct msg *m, size_t *off, uint16_t *type,
				    uint16_t *class, uint32_t *ttl, size_t *rdlen)
{
	const uint8_t *p;

	if (m->len - *off < 10)
		return DNS_E_RR_OOB;
	p = m->buf + *off;
	*type = get16(p);
	*class = get16(p + 2);
	*ttl = get32(p + 4);
	*rdlen = get16(p + 8);
	*off += 10;
	return *rdlen > m->len - *off ? DNS_E_RR_OOB : DNS_OK;
}

/* One answer, stored whole; *off moves past it only on success. */
static enum dns_err answer_get(const struct msg *m, size_t *off, struct dns_rr *rr)
{
	size_t o = *off, rdlen;
	enum dns_err err;

	err = name_get(m, &o, rr->name);
	if (err)
		return err;
	err = rr_fixed(m, &o, &rr->type, &rr->class, &rr->ttl, &rdlen);
	if (err)
		return err;
	err = rdata_text(m, rr, o, o + rdlen);
	if (err)
		return err;
	*off = o + rdlen;
	return DNS_OK;
}

static void edns_opt(struct dns_msg *out, uint16_t class, uint32_t ttl)
{
	unsigned int rcode = (ttl >> 24) << 4 | (out->flags & 0xf);

	out->has_edns = 1;
	out->edns_udp_size = class;
	out->edns_version = (uint8_t)(ttl >> 16);
	out->edns_do = (ttl >> 15) & 1;
	if (rcode <= 0xff)
		out->rcode = (uint8_t)rcode;
}

enum dns_err dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out)
{
	const struct msg m = { buf, len };
	size_t off = DNS_HDR_LEN, total;
	enum dns_err err;

	/* answers[] is large: only answers[0 .. n_answers) are ever valid */
	memset(out, 0, offsetof(struct dns_msg, answers));
	memset(&out->n_answers, 0, sizeof(*out) - offsetof(struct dns_msg, n_answers));

	if (len < DNS_HDR_LEN)
		return DNS_E_SHORT;
	out->id = get16(buf);
	out->flags = get16(buf + 2);
	out->qr = out->flags >> 15;
	out->opcode = (out->flags >> 11) & 0xf;
	out->rcode = out->flags & 0xf;
	out->qdcount = get16(buf + 4);
	out->ancount = get16(buf + 6);
	out->nscount = get16(buf + 8);
	out->arcount = get16(buf + 10);

	/* each question takes at least 5 bytes or stops the loop */
	for (unsigned int i = 0; i < out->qdcount; i++) {
		if (off == len)
			return DNS_E_COUNTS;
		err = i ? name_skip(&m, &off) : name_get(&m, &off, out->qname);
		if (err)
			return err;
		if (len - off < 4)
			return DNS_E_SHORT;
		if (!i) {
			out->qtype = get16(buf + off);
			out->qclass = get16(buf + off + 2);
			out->has_question = 1;
		}
		off += 4;
	}

	/* each record takes at least 11 bytes or stops the loop */
	total = (size_t)out->ancount + out->nscount + out->arcount;
	for (size_t i = 0; i < total; i++) {
		uint16_t type, class;
		uint32_t ttl;
		size_t rdlen;

		if (off == len)
			return DNS_E_COUNTS;
		if (i < out->ancount && out->n_answers < DNS_MAX_ANSWERS) {
			err = answer_get(&m, &off, &out->answers[out->n_answers]);
			if (err)
				return err;
			out->n_answers++;
			continue;
		}
		err = name_skip(&m, &off);
		if (err)
			return err;
		err = rr_fixed(&m, &off, &type, &class, &ttl, &rdlen);
		if (err)
			return err;
		off += rdlen;
		if (i < out->ancount)
			out->answers_truncated = 1;
		else if (i >= (size_t)out->ancount + out->nscount && type == DNS_T_OPT &&
			 !out->has_edns)
			edns_opt(out, class, ttl);
	}
	return DNS_OK;
}

const char *dns_err_name(enum dns_err e)
{
	static const char *const names[] = {
		[DNS_OK] = "ok",
		[DNS_E_SHORT] = "short",
		[DNS_E_NAME_LOOP] = "name_loop",
		[DNS_E_NAME_FORWARD_PTR] = "name_forward_ptr",
		[DNS_E_NAME_OOB] = "name_oob",
		[DNS_E_NAME_TOO_LONG] = "name_too_long",
		[DNS_E_LABEL] = "label",
		[DNS_E_RR_OOB] = "rr_oob",
		[DNS_E_COUNTS] = "counts",
	};

	return (unsigned int)e <= DNS_E_COUNTS ? names[e] : "unknown";
}

const char *dns_type_name(uint16_t type)
{
	/* indexed by type: one bounds check, one load */
	static const char *const names[] = {
		[1] = "A",	  [2] = "NS",	       [5] = "CNAME",  [6] = "SOA",
		[10] = "NULL",	  [11] = "WKS",	       [12] = "PTR",   [13] = "HINFO",
		[15] = "MX",	  [16] = "TXT",	       [17] = "RP",    [18] = "AFSDB",
		[24] = "SIG",	  [25] = "KEY",	       [28] = "AAAA",  [29] = "LOC",
		[33] = "SRV",	  [35] = "NAPTR",      [36] = "KX",    [37] = "CERT",
		[39] = "DNAME",	  [41] = "OPT",	       [42] = "APL",   [43] = "DS",
		[44] = "SSHFP",	  [45] = "IPSECKEY",   [46] = "RRSIG", [47] = "NSEC",
		[48] = "DNSKEY",  [49] = "DHCID",      [50] = "NSEC3", [51] = "NSEC3PARAM",
		[52] = "TLSA",	  [53] = "SMIMEA",     [55] = "HIP",   [59] = "CDS",
		[60] = "CDNSKEY", [61] = "OPENPGPKEY", [62] = "CSYNC", [63] = "ZONEMD",
		[64] = "SVCB",	  [65] = "HTTPS",      [99] = "SPF",   [108] = "EUI48",
		[109] = "EUI64",  [249] = "TKEY",      [250] = "TSIG", [251] = "IXFR",
		[252] = "AXFR",	  [255] = "ANY",       [256] = "URI",  [257] = "CAA"
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

const char *dns_rcode_name(uint8_t rcode)
{
	static const char *const names[] = {
		"NOERROR",
		"FORMERR",
		"SERVFAIL",
		"NXDOMAIN",
		"NOTIMP",
		"REFUSED",
		"YXDOMAIN",
		"YXRRSET",
		"NXRRSET",
		"NOTAUTH",
		"NOTZONE",
		"DSOTYPENI",
		NULL,
		NULL,
		NULL,
		NULL,
		/* 16 is BADSIG too, in TSIG; here it came from OPT */
		"BADVERS",
		"BADKEY",
		"BADTIME",
		"BADMODE",
		"BADNAME",
		"BADALG",
		"BADTRUNC",
		"BADCOOKIE",
	};

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}

size_t dns_header_flags(const struct dns_msg *m, const char *out[7])
{
	static const struct {
		uint16_t bit;
		const char *name;
	} hdr[] = {
		{ DNS_F_AA, "AA" }, { DNS_F_TC, "TC" }, { DNS_F_RD, "RD" },
		{ DNS_F_RA, "RA" }, { DNS_F_AD, "AD" }, { DNS_F_CD, "CD" },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
		if (m->flags & hdr[i].bit)
			out[n++] = hdr[i].name;
	if (m->edns_do)
		out[n++] = "DO";
	return n;
}

size_t dns_tcp_next(const uint8_t *stream, size_t len, const uint8_t **payload)
{
	size_t n;

	*payload = NULL;
	if (len < 2)
		return 0;
	n = get16(stream);
	if (!n) {
		*payload = stream + 2;
		return 0;
	}
	if (n > len - 2)
		return 0;
	*payload = stream + 2;
	return n;
}
