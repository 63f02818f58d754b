// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dns_msg.c - unit tests for the DNS message parser (user/inspect/dns_msg.c).
 *
 * Part 1, real messages: captured with tcpdump on lo from Debian
 * bookworm's dnsmasq 2.90 (example.test: host-record, cname, mx-host,
 * txt-record, srv-host, ptr-record, dns-rr for CAA, TYPE65280 and a binary
 * TXT; once recursive-style, once as auth-server) and BIND 9.18.49
 * (example.org: SOA, NS, CNAME chain, MX with glue, TXT with escapes,
 * SRV, CAA, HTTPS, 40 A records, labels holding '.' and a BEL byte; a
 * zone whose file is missing for SERVFAIL), queried with dig 9.18 over UDP,
 * +tcp, +tcp +keepopen, +dnssec, +edns=1, +opcode=status and AXFR. The
 * expected values come from tshark 4.0.17's dissection of the same
 * packets (PDML), not from this parser, put in this parser's text forms
 * by a separate script. tshark prints two owner names ambiguously ("a.b"
 * for a label holding a dot, "bin\a" for a BEL byte); the wire bytes
 * (03 61 2e 62, 04 62 69 6e 07 78) give a\046b and bin\007x.
 *
 * Part 2, hostile input: compression pointer loops, self and forward
 * pointers, pointers and labels past the end, over-long names, reserved
 * label types, counts larger than the data, RDATA that does not match its
 * type, every prefix of every captured message (each copied to a heap
 * block of exactly that size, so a read past it trips ASan), text that
 * overflows dns_rr.data, TCP framing.
 *
 * Build: gcc -std=c11 -D_GNU_SOURCE -Iuser -Iinclude
 *        tests/unit/test_dns_msg.c user/inspect/dns_msg.c -lcriterion
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dns_msg.h"

struct exp_rr {
	const char *name;
	uint16_t type;
	const char *tname; /* tshark's mnemonic; NULL for "Unknown" */
	uint16_t class;
	uint32_t ttl;
	const char *data;
};

struct exp_msg {
	const char *what;
	const uint8_t *buf;
	size_t len;
	int tcp; /* buf holds the 2-byte length prefix too */
	enum dns_err err;
	uint16_t id, flags;
	uint8_t rcode;
	const char *rcode_name;
	uint16_t qd, an, ns, ar;
	const char *qname; /* NULL: no question */
	uint16_t qtype, qclass;
	uint8_t has_edns, edns_do;
	uint16_t edns_udp;
	const char *hflags; /* ECS dns.header_flags, space separated */
	uint8_t truncated;
	size_t n_rr;
	const struct exp_rr *rr;
};

/* 25 KiB each: static, not on the stack */
static struct dns_msg msg, full;

static void join_flags(const struct dns_msg *m, char *out, size_t size)
{
	const char *f[7];
	size_t n = dns_header_flags(m, f);

	out[0] = '\0';
	cr_assert_leq(n, 7);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, f[i], size - strlen(out) - 1);
	}
}

/* The payload of a capture: without its TCP length prefix. */
static const uint8_t *payload(const struct exp_msg *e, size_t *len)
{
	const uint8_t *p = NULL;

	if (!e->tcp) {
		*len = e->len;
		return e->buf;
	}
	*len = dns_tcp_next(e->buf, e->len, &p);
	cr_assert_eq(*len, e->len - 2, "%s: tcp length", e->what);
	cr_assert_eq(p, e->buf + 2);
	return p;
}

static void check_capture(const struct exp_msg *e)
{
	const uint8_t *p;
	size_t len;
	char hf[64];
	enum dns_err err;

	p = payload(e, &len);
	err = dns_parse(p, len, &msg);
	cr_expect_eq(err, e->err, "%s: %s", e->what, dns_err_name(err));
	cr_expect_eq(msg.id, e->id, "%s: id", e->what);
	cr_expect_eq(msg.flags, e->flags, "%s: flags %04x", e->what, msg.flags);
	cr_expect_eq(msg.qr, e->flags >> 15, "%s: qr", e->what);
	cr_expect_eq(msg.opcode, (e->flags >> 11) & 15, "%s: opcode", e->what);
	cr_expect_eq(msg.rcode, e->rcode, "%s: rcode %u", e->what, msg.rcode);
	cr_expect_str_eq(dns_rcode_name(msg.rcode), e->rcode_name, "%s", e->what);
	cr_expect_eq(msg.qdcount, e->qd, "%s: qdcount", e->what);
	cr_expect_eq(msg.ancount, e->an, "%s: ancount", e->what);
	cr_expect_eq(msg.nscount, e->ns, "%s: nscount", e->what);
	cr_expect_eq(msg.arcount, e->ar, "%s: arcount", e->what);
	if (e->qname) {
		cr_expect_eq(msg.has_question, 1, "%s", e->what);
		cr_expect_str_eq(msg.qname, e->qname, "%s: qname", e->what);
		cr_expect_eq(msg.qtype, e->qtype, "%s: qtype", e->what);
		cr_expect_eq(msg.qclass, e->qclass, "%s: qclass", e->what);
	} else {
		cr_expect_eq(msg.has_question, 0, "%s", e->what);
		cr_expect_str_eq(msg.qname, "", "%s", e->what);
	}
	cr_expect_eq(msg.has_edns, e->has_edns, "%s: has_edns", e->what);
	cr_expect_eq(msg.edns_do, e->edns_do, "%s: DO", e->what);
	cr_expect_eq(msg.edns_udp_size, e->edns_udp, "%s: udp size", e->what);
	join_flags(&msg, hf, sizeof(hf));
	cr_expect_str_eq(hf, e->hflags, "%s: header flags", e->what);
	cr_expect_eq(msg.answers_truncated, e->truncated, "%s: trunc", e->what);
	cr_assert_eq(msg.n_answers, e->n_rr, "%s: %u answers", e->what, msg.n_answers);
	for (size_t i = 0; i < e->n_rr; i++) {
		const struct dns_rr *r = &msg.answers[i];
		const struct exp_rr *x = &e->rr[i];
		const char *tn = dns_type_name(r->type);
		uint8_t ip[16];

		cr_expect_str_eq(r->name, x->name, "%s: answer %zu", e->what, i);
		cr_expect_eq(r->type, x->type, "%s: answer %zu", e->what, i);
		cr_expect_eq(r->class, x->class, "%s: answer %zu", e->what, i);
		cr_expect_eq(r->ttl, x->ttl, "%s: answer %zu", e->what, i);
		cr_expect_str_eq(r->data, x->data, "%s: answer %zu", e->what, i);
		if (x->tname)
			cr_expect_str_eq(tn, x->tname, "%s: %zu", e->what, i);
		else
			cr_expect_null(tn, "%s: %zu", e->what, i);
		if (r->type == DNS_T_A || r->type == DNS_T_AAAA) {
			int af = r->type == DNS_T_A ? AF_INET : AF_INET6;

			cr_assert_eq(inet_pton(af, x->data, ip), 1);
			cr_expect_eq(r->ip_len, af == AF_INET ? 4 : 16);
			cr_expect_arr_eq(r->ip, ip, r->ip_len, "%s", e->what);
		} else {
			cr_expect_eq(r->ip_len, 0, "%s: %zu", e->what, i);
		}
	}
}

/* ---- part 1: real messages (generated from the capture, see above) ---- */

/* frame 1: dig alias.example.test A (query, dnsmasq) */
static const uint8_t cap_q_alias[] =
	"\xe9\x44\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x05\x61\x6c\x69"
	"\x61\x73\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00"
	"\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00"
	"\x0a\x00\x08\x41\x71\x31\x07\x61\xdd\x03\x6e";

/* frame 2: dnsmasq: alias -> mid -> www CNAME chain, two A */
static const uint8_t cap_r_cname_chain[] =
	"\xe9\x44\x85\x80\x00\x01\x00\x04\x00\x00\x00\x01\x05\x61\x6c\x69"
	"\x61\x73\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00"
	"\x00\x01\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x12"
	"\x03\x6d\x69\x64\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73"
	"\x74\x00\xc0\x30\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x12\x03\x77"
	"\x77\x77\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00"
	"\xc0\x4e\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x0a"
	"\xc0\x4e\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x0b"
	"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 4: dnsmasq: www.example.test AAAA */
static const uint8_t cap_r_aaaa[] =
	"\xf6\xa3\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x77\x77\x77"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x1c"
	"\x00\x01\xc0\x0c\x00\x1c\x00\x01\x00\x00\x01\x2c\x00\x10\x20\x01"
	"\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00"
	"\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 6: dnsmasq: example.test MX, glue A in additional */
static const uint8_t cap_r_mx[] =
	"\x77\xac\x85\x80\x00\x01\x00\x02\x00\x00\x00\x02\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x0f\x00\x01\xc0\x0c"
	"\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x1a\x00\x14\x09\x62\x61\x63"
	"\x6b\x75\x70\x2d\x6d\x78\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74"
	"\x65\x73\x74\x00\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x15"
	"\x00\x0a\x04\x6d\x61\x69\x6c\x07\x65\x78\x61\x6d\x70\x6c\x65\x04"
	"\x74\x65\x73\x74\x00\xc0\x52\x00\x01\x00\x01\x00\x00\x01\x2c\x00"
	"\x04\xc0\x00\x02\x19\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 8: dnsmasq: TXT with quotes, backslash and ';' */
static const uint8_t cap_r_txt_quotes[] =
	"\x45\x22\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x74\x78\x74"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x10"
	"\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x22\x0b\x76"
	"\x3d\x73\x70\x66\x31\x20\x2d\x61\x6c\x6c\x15\x73\x61\x79\x20\x22"
	"\x68\x69\x22\x20\x5c\x20\x62\x61\x63\x6b\x3b\x20\x73\x65\x6d\x69"
	"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 10: dnsmasq: _sip._tcp SRV */
static const uint8_t cap_r_srv[] =
	"\xaa\x14\x85\x80\x00\x01\x00\x01\x00\x00\x00\x02\x04\x5f\x73\x69"
	"\x70\x04\x5f\x74\x63\x70\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74"
	"\x65\x73\x74\x00\x00\x21\x00\x01\xc0\x0c\x00\x21\x00\x01\x00\x00"
	"\x01\x2c\x00\x18\x00\x0a\x00\x3c\x13\xc4\x03\x73\x69\x70\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\xc0\x3a\x00\x01"
	"\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x32\x00\x00\x29\x04"
	"\xd0\x00\x00\x00\x00\x00\x00";

/* frame 12: dnsmasq (recursive): NXDOMAIN, no SOA */
static const uint8_t cap_r_nxdomain[] =
	"\x62\x17\x81\x83\x00\x01\x00\x00\x00\x00\x00\x01\x04\x6e\x6f\x70"
	"\x65\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00"
	"\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 14: dnsmasq: dig -x 192.0.2.10 */
static const uint8_t cap_r_ptr[] =
	"\x0c\x4d\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x02\x31\x30\x01"
	"\x32\x01\x30\x03\x31\x39\x32\x07\x69\x6e\x2d\x61\x64\x64\x72\x04"
	"\x61\x72\x70\x61\x00\x00\x0c\x00\x01\xc0\x0c\x00\x0c\x00\x01\x00"
	"\x00\x01\x2c\x00\x12\x03\x77\x77\x77\x07\x65\x78\x61\x6d\x70\x6c"
	"\x65\x04\x74\x65\x73\x74\x00\x00\x00\x29\x04\xd0\x00\x00\x00\x00"
	"\x00\x00";

/* frame 16: dnsmasq: CAA (dns-rr) */
static const uint8_t cap_r_caa[] =
	"\x60\x97\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x63\x61\x61"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x01\x01"
	"\x00\x01\xc0\x0c\x01\x01\x00\x01\x00\x00\x01\x2c\x00\x16\x00\x05"
	"\x69\x73\x73\x75\x65\x6c\x65\x74\x73\x65\x6e\x63\x72\x79\x70\x74"
	"\x2e\x6f\x72\x67\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 18: dnsmasq: TYPE65280, RFC 3597 rendering */
static const uint8_t cap_r_type65280[] =
	"\x30\x43\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x6f\x64\x64"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\xff\x00"
	"\x00\x01\xc0\x0c\xff\x00\x00\x01\x00\x00\x01\x2c\x00\x05\xde\xad"
	"\xbe\xef\x00\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/* frame 20: dnsmasq: TXT with NUL, quote, backslash, DEL */
static const uint8_t cap_r_txt_binary[] =
	"\x89\xb6\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03\x62\x69\x6e"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x10"
	"\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x0a\x05\x61"
	"\x00\x0b\x22\x00\x01\x5c\x01\x7f\x00\x00\x29\x04\xd0\x00\x00\x00"
	"\x00\x00\x00";

/* frame 21: dig +dnssec query: DO set in OPT */
static const uint8_t cap_q_do[] = "\x84\xa5\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x03\x77\x77\x77"
				  "\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x01"
				  "\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x0c\x00\x0a\x00"
				  "\x08\x5e\xf0\xf6\xe8\x30\x33\x0a\xe1";

/* frame 22: dnsmasq: answer to a DO query, DO echoed */
static const uint8_t cap_r_do[] = "\x84\xa5\x85\x80\x00\x01\x00\x02\x00\x00\x00\x01\x03\x77\x77\x77"
				  "\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\x01"
				  "\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00"
				  "\x02\x0b\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00"
				  "\x02\x0a\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00";

/* frame 24: dnsmasq (authoritative): NXDOMAIN, SOA in authority */
static const uint8_t cap_r_nxdomain_soa[] =
	"\xa4\x55\x85\x03\x00\x01\x00\x00\x00\x01\x00\x01\x04\x6e\x6f\x70"
	"\x65\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00"
	"\x01\x00\x01\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74"
	"\x00\x00\x06\x00\x01\x00\x00\x02\x58\x00\x3f\x03\x6e\x73\x31\x07"
	"\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x0a\x68\x6f"
	"\x73\x74\x6d\x61\x73\x74\x65\x72\x07\x65\x78\x61\x6d\x70\x6c\x65"
	"\x04\x74\x65\x73\x74\x00\x78\xa3\xf1\x75\x00\x00\x04\xb0\x00\x00"
	"\x00\xb4\x00\x12\x75\x00\x00\x00\x02\x58\x00\x00\x29\x04\xd0\x00"
	"\x00\x00\x00\x00\x00";

/* frame 28: dig +tcp www.example.org (client stream, length prefix) */
static const uint8_t cap_tcp_q_www[] =
	"\x00\x38\x78\x87\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x03\x77"
	"\x77\x77\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00"
	"\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a"
	"\x00\x08\x2e\x34\x27\x86\xba\x3d\x88\x5c";

/* frame 30: named over TCP: www -> web -> cdn, two A */
static const uint8_t cap_tcp_r_www[] =
	"\x00\x8c\x78\x87\x85\x00\x00\x01\x00\x04\x00\x00\x00\x01\x03\x77"
	"\x77\x77\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00"
	"\x01\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x06\x03"
	"\x77\x65\x62\xc0\x10\xc0\x2d\x00\x05\x00\x01\x00\x00\x01\x2c\x00"
	"\x06\x03\x63\x64\x6e\xc0\x10\xc0\x3f\x00\x01\x00\x01\x00\x00\x00"
	"\x3c\x00\x04\xc6\x33\x64\x08\xc0\x3f\x00\x01\x00\x01\x00\x00\x00"
	"\x3c\x00\x04\xc6\x33\x64\x07\x00\x00\x29\x04\xd0\x00\x00\x00\x00"
	"\x00\x1c\x00\x0a\x00\x18\x2e\x34\x27\x86\xba\x3d\x88\x5c\x01\x00"
	"\x00\x00\x6b\x04\x13\x72\x11\xca\xda\xb3\x07\x55\xb5\x4b";

/* frame 36: named: example.org SOA */
static const uint8_t cap_r_soa[] =
	"\xbe\xe4\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x06\x00\x01\xc0\x0c\x00"
	"\x06\x00\x01\x00\x00\x0e\x10\x00\x27\x03\x6e\x73\x31\xc0\x0c\x0a"
	"\x68\x6f\x73\x74\x6d\x61\x73\x74\x65\x72\xc0\x0c\x78\xa4\x95\x21"
	"\x00\x00\x1c\x20\x00\x00\x03\x84\x00\x12\x75\x00\x00\x00\x01\x2c"
	"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\xe6"
	"\x93\xec\x4a\xe9\x6d\x1a\xd7\x01\x00\x00\x00\x6b\x04\x13\x72\x50"
	"\x48\x1e\xd5\x0a\x0f\x6f\x99";

/* frame 38: named: six TXT strings incl. NUL and UTF-8 */
static const uint8_t cap_r_txt_weird[] =
	"\xe4\xb9\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01\x05\x77\x65\x69"
	"\x72\x64\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00"
	"\x10\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10\x00\x36\x08"
	"\x74\x61\x62\x74\x68\x65\x72\x65\x07\x71\x75\x6f\x74\x65\x22\x71"
	"\x0a\x62\x61\x63\x6b\x5c\x73\x6c\x61\x73\x68\x07\x6e\x75\x6c\x00"
	"\x65\x6e\x64\x0a\x73\x65\x6d\x69\x3b\x63\x6f\x6c\x6f\x6e\x06\x75"
	"\x74\x66\x38\xc3\xa9\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c"
	"\x00\x0a\x00\x18\x6d\xbb\xd3\xc5\x8f\xde\x98\x6c\x01\x00\x00\x00"
	"\x6b\x04\x13\x72\xe7\xff\x4b\xec\x6f\x45\xdc\xd2";

/* frame 40: named: owner label 'a.b' (a dot inside a label) */
static const uint8_t cap_r_dot_in_label[] =
	"\x0d\x1a\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01\x03\x61\x2e\x62"
	"\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x10\x00"
	"\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10\x00\x0d\x0c\x64\x6f"
	"\x74\x74\x65\x64\x20\x6c\x61\x62\x65\x6c\x00\x00\x29\x04\xd0\x00"
	"\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\xd6\x95\x0d\x10\xce\xea\xa1"
	"\x16\x01\x00\x00\x00\x6b\x04\x13\x72\x68\xc4\x9f\x51\x5c\x40\x57"
	"\x1e";

/* frame 42: named: owner label 'bin\\007x' (a BEL byte) */
static const uint8_t cap_r_bel_in_label[] =
	"\xbc\xa0\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01\x05\x62\x69\x6e"
	"\x07\x78\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00"
	"\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0"
	"\x00\x02\x07\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a"
	"\x00\x18\x32\xbc\xad\x93\xd5\xd7\x42\xf9\x01\x00\x00\x00\x6b\x04"
	"\x13\x72\x42\x9a\x06\xbb\xc0\xc9\xda\x55";

/* frame 44: named: HTTPS, RFC 3597 rendering, glue in additional */
static const uint8_t cap_r_https[] =
	"\x87\x34\x85\x00\x00\x01\x00\x01\x00\x00\x00\x02\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x41\x00\x01\xc0\x0c\x00"
	"\x41\x00\x01\x00\x00\x0e\x10\x00\x0d\x00\x01\x00\x00\x01\x00\x06"
	"\x02\x68\x32\x02\x68\x33\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10"
	"\x00\x04\xc0\x00\x02\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00"
	"\x1c\x00\x0a\x00\x18\x6f\x09\xb4\xab\xc0\x4e\x1b\x6c\x01\x00\x00"
	"\x00\x6b\x04\x13\x72\x52\x30\xc8\xf8\x67\x1d\xd1\xea";

/* frame 46: named: BADVERS to EDNS version 1 (extended RCODE 16) */
static const uint8_t cap_r_badvers[] =
	"\x9d\x6b\x81\x00\x00\x01\x00\x00\x00\x00\x00\x01\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01\x00\x01\x00\x00\x29"
	"\x04\xd0\x01\x00\x00\x00\x00\x00";

/* frame 47: dig +opcode=status query */
static const uint8_t cap_q_status[] =
	"\x3c\xd2\x11\x20\x00\x01\x00\x00\x00\x00\x00\x01\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01\x00\x01\x00\x00\x29"
	"\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\xe5\x50\xd1\x6a"
	"\x9c\x7d\x34\xf5";

/* frame 48: named: NOTIMP to opcode STATUS, no question */
static const uint8_t cap_r_notimp[] =
	"\x3c\xd2\x90\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x29\x04"
	"\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\xe5\x50\xd1\x6a\x9c"
	"\x7d\x34\xf5\x01\x00\x00\x00\x6b\x04\x13\x72\xa9\xec\x77\xd9\x42"
	"\x40\xa1\xb1";

/* frame 50: named: REFUSED (not authoritative, no recursion) */
static const uint8_t cap_r_refused[] =
	"\xb3\x3b\x81\x05\x00\x01\x00\x00\x00\x00\x00\x01\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x63\x6f\x6d\x00\x00\x01\x00\x01\x00\x00\x29"
	"\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\xa6\x4b\x60\x92"
	"\x77\xb5\xbf\x8c\x01\x00\x00\x00\x6b\x04\x13\x72\x1f\xe5\xdd\x08"
	"\xba\x63\x0b\x4e";

/* frame 52: named: SERVFAIL (zone failed to load) */
static const uint8_t cap_r_servfail[] =
	"\x76\xe4\x81\x02\x00\x01\x00\x00\x00\x00\x00\x01\x06\x62\x72\x6f"
	"\x6b\x65\x6e\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01"
	"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\x58"
	"\xef\x92\x25\x04\x18\xd6\xfa\x01\x00\x00\x00\x6b\x04\x13\x72\x36"
	"\x9d\xd0\x62\xe4\xf5\xa8\x6d";

/* frame 54: named: 40 A records (more than DNS_MAX_ANSWERS) */
static const uint8_t cap_r_many[] =
	"\xc5\xbf\x85\x00\x00\x01\x00\x28\x00\x00\x00\x01\x04\x6d\x61\x6e"
	"\x79\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01"
	"\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x21\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x13\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x19\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1a\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0d\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1c\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x11\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x06\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x03\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x05\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0a\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x04\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x15\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x16\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x02\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x26\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x09\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0e\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x27\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x08\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x07\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1f\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x22\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x12\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x14\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x23\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x20\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x25\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0f\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0b\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x28\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x17\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1b\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1d\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x10\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x18\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x0c\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x1e\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00"
	"\x00\x24\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00"
	"\x18\xd6\xa2\x8e\x60\x27\xb0\xbe\x6a\x01\x00\x00\x00\x6b\x04\x13"
	"\x72\x8b\xb5\xd1\xa4\x82\x9a\x95\xf1";

/* frame 56: named: MX with A and AAAA glue */
static const uint8_t cap_r_mx_glue[] =
	"\xb0\x32\x85\x00\x00\x01\x00\x02\x00\x00\x00\x03\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x0f\x00\x01\xc0\x0c\x00"
	"\x0f\x00\x01\x00\x00\x0e\x10\x00\x0a\x00\x14\x05\x6d\x61\x69\x6c"
	"\x32\xc0\x0c\xc0\x0c\x00\x0f\x00\x01\x00\x00\x0e\x10\x00\x09\x00"
	"\x0a\x04\x6d\x61\x69\x6c\xc0\x0c\xc0\x41\x00\x01\x00\x01\x00\x00"
	"\x0e\x10\x00\x04\xc0\x00\x02\x19\xc0\x2b\x00\x1c\x00\x01\x00\x00"
	"\x0e\x10\x00\x10\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x25\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00"
	"\x0a\x00\x18\x51\x73\x69\x2c\x0c\xc4\xb7\xfe\x01\x00\x00\x00\x6b"
	"\x04\x13\x72\x9d\x14\x6e\x76\x67\x70\xdf\xc0";

/* frame 58: named: _xmpp._tcp SRV */
static const uint8_t cap_r_srv_xmpp[] =
	"\x94\xcc\x85\x00\x00\x01\x00\x01\x00\x00\x00\x02\x05\x5f\x78\x6d"
	"\x70\x70\x04\x5f\x74\x63\x70\x07\x65\x78\x61\x6d\x70\x6c\x65\x03"
	"\x6f\x72\x67\x00\x00\x21\x00\x01\xc0\x0c\x00\x21\x00\x01\x00\x00"
	"\x0e\x10\x00\x18\x00\x05\x00\x00\x14\x95\x04\x78\x6d\x70\x70\x07"
	"\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\xc0\x3a\x00\x01"
	"\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x50\x00\x00\x29\x04"
	"\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\x05\xa2\x10\x39\x59"
	"\xb4\xed\x95\x01\x00\x00\x00\x6b\x04\x13\x72\xba\x4b\x3a\x95\xab"
	"\xb5\x14\xf3";

/* frame 62: dig +tcp +keepopen: first query */
static const uint8_t cap_tcp_q_keep1[] =
	"\x00\x34\xa3\x4c\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01\x00\x01\x00"
	"\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\xb7\x2c"
	"\xa4\x63\x7a\x67\x84\x92";

/* frame 64: named over TCP: first answer on a kept-open connection */
static const uint8_t cap_tcp_r_keep1[] =
	"\x00\x54\xa3\x4c\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01\x00\x01\xc0"
	"\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01\x00"
	"\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00\x0a\x00\x18\xb7\x2c"
	"\xa4\x63\x7a\x67\x84\x92\x01\x00\x00\x00\x6b\x04\x13\x72\xd6\xec"
	"\x50\xba\xa4\x5f\x9d\xb2";

/* frame 66: dig +tcp +keepopen: second query */
static const uint8_t cap_tcp_q_keep2[] =
	"\x00\x34\xe6\xd5\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x0f\x00\x01\x00"
	"\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\xb7\x2c"
	"\xa4\x63\x7a\x67\x84\x92";

/* frame 67: named over TCP: second answer, MX with glue */
static const uint8_t cap_tcp_r_keep2[] =
	"\x00\x9b\xe6\xd5\x85\x00\x00\x01\x00\x02\x00\x00\x00\x03\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x0f\x00\x01\xc0"
	"\x0c\x00\x0f\x00\x01\x00\x00\x0e\x10\x00\x09\x00\x0a\x04\x6d\x61"
	"\x69\x6c\xc0\x0c\xc0\x0c\x00\x0f\x00\x01\x00\x00\x0e\x10\x00\x0a"
	"\x00\x14\x05\x6d\x61\x69\x6c\x32\xc0\x0c\xc0\x2b\x00\x01\x00\x01"
	"\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x19\xc0\x40\x00\x1c\x00\x01"
	"\x00\x00\x0e\x10\x00\x10\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x25\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00"
	"\x1c\x00\x0a\x00\x18\xb7\x2c\xa4\x63\x7a\x67\x84\x92\x01\x00\x00"
	"\x00\x6b\x04\x13\x72\xd6\xec\x50\xba\xa4\x5f\x9d\xb2";

/* frame 76: named: AXFR of example.org, 64 records in one message */
static const uint8_t cap_tcp_r_axfr[] =
	"\x05\x69\x33\x95\x84\x00\x00\x01\x00\x40\x00\x00\x00\x01\x07\x65"
	"\x78\x61\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\xfc\x00\x01\xc0"
	"\x0c\x00\x06\x00\x01\x00\x00\x0e\x10\x00\x27\x03\x6e\x73\x31\xc0"
	"\x0c\x0a\x68\x6f\x73\x74\x6d\x61\x73\x74\x65\x72\xc0\x0c\x78\xa4"
	"\x95\x21\x00\x00\x1c\x20\x00\x00\x03\x84\x00\x12\x75\x00\x00\x00"
	"\x01\x2c\xc0\x0c\x00\x41\x00\x01\x00\x00\x0e\x10\x00\x0d\x00\x01"
	"\x00\x00\x01\x00\x06\x02\x68\x32\x02\x68\x33\xc0\x0c\x00\x10\x00"
	"\x01\x00\x00\x0e\x10\x00\x1d\x1c\x76\x3d\x73\x70\x66\x31\x20\x69"
	"\x70\x34\x3a\x31\x39\x32\x2e\x30\x2e\x32\x2e\x30\x2f\x32\x34\x20"
	"\x2d\x61\x6c\x6c\xc0\x0c\x00\x02\x00\x01\x00\x00\x0e\x10\x00\x02"
	"\xc0\x29\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00"
	"\x02\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x0e\x10\x00\x09\x00\x0a"
	"\x04\x6d\x61\x69\x6c\xc0\x0c\xc0\x0c\x00\x0f\x00\x01\x00\x00\x0e"
	"\x10\x00\x0a\x00\x14\x05\x6d\x61\x69\x6c\x32\xc0\x0c\xc0\x0c\x01"
	"\x01\x00\x01\x00\x00\x0e\x10\x00\x16\x00\x05\x69\x73\x73\x75\x65"
	"\x6c\x65\x74\x73\x65\x6e\x63\x72\x79\x70\x74\x2e\x6f\x72\x67\x05"
	"\x5f\x78\x6d\x70\x70\x04\x5f\x74\x63\x70\x07\x65\x78\x61\x6d\x70"
	"\x6c\x65\x03\x6f\x72\x67\x00\x00\x21\x00\x01\x00\x00\x0e\x10\x00"
	"\x18\x00\x05\x00\x00\x14\x95\x04\x78\x6d\x70\x70\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x03\x61\x2e\x62\xc1\x2a\x00"
	"\x10\x00\x01\x00\x00\x0e\x10\x00\x0d\x0c\x64\x6f\x74\x74\x65\x64"
	"\x20\x6c\x61\x62\x65\x6c\x05\x62\x69\x6e\x07\x78\xc1\x2a\x00\x01"
	"\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x07\x03\x63\x64\x6e"
	"\xc1\x2a\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x33\x64\x07"
	"\xc1\x6a\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x33\x64\x08"
	"\xc1\x6a\x00\x1c\x00\x01\x00\x00\x00\x3c\x00\x10\x20\x01\x0d\xb8"
	"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x07\x03\x64\x6f\x74"
	"\x05\x6c\x61\x62\x65\x6c\x07\x65\x78\x61\x6d\x70\x6c\x65\x03\x6f"
	"\x72\x67\x00\x00\x10\x00\x01\x00\x00\x0e\x10\x00\x02\x01\x78\xc0"
	"\xbe\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x19\xc0"
	"\xd3\x00\x1c\x00\x01\x00\x00\x0e\x10\x00\x10\x20\x01\x0d\xb8\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x25\x04\x6d\x61\x6e\x79"
	"\xc1\x2a\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x01"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x02"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x03"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x04"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x05"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x06"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x07"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x08"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x09"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0a"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0b"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0c"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0d"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0e"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x0f"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x10"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x11"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x12"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x13"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x14"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x15"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x16"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x17"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x18"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x19"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1a"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1b"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1c"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1d"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1e"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x1f"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x20"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x21"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x22"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x23"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x24"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x25"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x26"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x27"
	"\xc1\xf9\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x28"
	"\xc0\x29\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x35"
	"\x03\x6f\x64\x64\xc1\x2a\xff\x00\x00\x01\x00\x00\x0e\x10\x00\x04"
	"\x0a\x0b\x0c\x0d\x03\x77\x65\x62\xc1\x2a\x00\x05\x00\x01\x00\x00"
	"\x01\x2c\x00\x02\xc1\x6a\x05\x77\x65\x69\x72\x64\xc1\x2a\x00\x10"
	"\x00\x01\x00\x00\x0e\x10\x00\x36\x08\x74\x61\x62\x74\x68\x65\x72"
	"\x65\x07\x71\x75\x6f\x74\x65\x22\x71\x0a\x62\x61\x63\x6b\x5c\x73"
	"\x6c\x61\x73\x68\x07\x6e\x75\x6c\x00\x65\x6e\x64\x0a\x73\x65\x6d"
	"\x69\x3b\x63\x6f\x6c\x6f\x6e\x06\x75\x74\x66\x38\xc3\xa9\x03\x77"
	"\x77\x77\xc1\x2a\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x02\xc4\xa2"
	"\xc1\x25\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x50"
	"\xc1\x2a\x00\x06\x00\x01\x00\x00\x0e\x10\x00\x18\xc0\x29\xc0\x2f"
	"\x78\xa4\x95\x21\x00\x00\x1c\x20\x00\x00\x03\x84\x00\x12\x75\x00"
	"\x00\x00\x01\x2c\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x1c\x00"
	"\x0a\x00\x18\x8b\xbf\xdc\x0c\x3c\x0d\x08\x11\x01\x00\x00\x00\x6b"
	"\x04\x13\x72\x5e\xd4\x65\xa0\x77\x74\x7e\x46";

/* frame 81: hand-made query with QDCOUNT 2 and one question (tshark: malformed) */
static const uint8_t cap_q_formerr[] =
	"\xbe\xef\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x07\x65\x78\x61"
	"\x6d\x70\x6c\x65\x03\x6f\x72\x67\x00\x00\x01\x00\x01";

/* frame 82: named: FORMERR to it, header only */
static const uint8_t cap_r_formerr[] = "\xbe\xef\x81\x01\x00\x00\x00\x00\x00\x00\x00\x00";

static const struct exp_msg exp_q_alias = {
	.what = "dig alias.example.test A (query, dnsmasq)",
	.buf = cap_q_alias,
	.len = sizeof(cap_q_alias) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xe944,
	.flags = 0x0120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "alias.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD AD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_r_cname_chain[] = {
	{ "alias.example.test", 5, "CNAME", 1, 300, "mid.example.test" },
	{ "mid.example.test", 5, "CNAME", 1, 300, "www.example.test" },
	{ "www.example.test", 1, "A", 1, 300, "192.0.2.10" },
	{ "www.example.test", 1, "A", 1, 300, "192.0.2.11" },
};
static const struct exp_msg exp_r_cname_chain = {
	.what = "dnsmasq: alias -> mid -> www CNAME chain, two A",
	.buf = cap_r_cname_chain,
	.len = sizeof(cap_r_cname_chain) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xe944,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 4,
	.ns = 0,
	.ar = 1,
	.qname = "alias.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 4,
	.rr = rr_r_cname_chain,
};

static const struct exp_rr rr_r_aaaa[] = {
	{ "www.example.test", 28, "AAAA", 1, 300, "2001:db8::10" },
};
static const struct exp_msg exp_r_aaaa = {
	.what = "dnsmasq: www.example.test AAAA",
	.buf = cap_r_aaaa,
	.len = sizeof(cap_r_aaaa) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xf6a3,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "www.example.test",
	.qtype = 28,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_aaaa,
};

static const struct exp_rr rr_r_mx[] = {
	{ "example.test", 15, "MX", 1, 300, "20 backup-mx.example.test" },
	{ "example.test", 15, "MX", 1, 300, "10 mail.example.test" },
};
static const struct exp_msg exp_r_mx = {
	.what = "dnsmasq: example.test MX, glue A in additional",
	.buf = cap_r_mx,
	.len = sizeof(cap_r_mx) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x77ac,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 2,
	.ns = 0,
	.ar = 2,
	.qname = "example.test",
	.qtype = 15,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 2,
	.rr = rr_r_mx,
};

static const struct exp_rr rr_r_txt_quotes[] = {
	{ "txt.example.test", 16, "TXT", 1, 300,
	  "\"v=spf1 -all\" \"say \\\"hi\\\" \\\\ back; semi\"" },
};
static const struct exp_msg exp_r_txt_quotes = {
	.what = "dnsmasq: TXT with quotes, backslash and ';'",
	.buf = cap_r_txt_quotes,
	.len = sizeof(cap_r_txt_quotes) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x4522,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "txt.example.test",
	.qtype = 16,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_txt_quotes,
};

static const struct exp_rr rr_r_srv[] = {
	{ "_sip._tcp.example.test", 33, "SRV", 1, 300, "10 60 5060 sip.example.test" },
};
static const struct exp_msg exp_r_srv = {
	.what = "dnsmasq: _sip._tcp SRV",
	.buf = cap_r_srv,
	.len = sizeof(cap_r_srv) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xaa14,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 2,
	.qname = "_sip._tcp.example.test",
	.qtype = 33,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_srv,
};

static const struct exp_msg exp_r_nxdomain = {
	.what = "dnsmasq (recursive): NXDOMAIN, no SOA",
	.buf = cap_r_nxdomain,
	.len = sizeof(cap_r_nxdomain) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x6217,
	.flags = 0x8183,
	.rcode = 3,
	.rcode_name = "NXDOMAIN",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "nope.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD RA",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_r_ptr[] = {
	{ "10.2.0.192.in-addr.arpa", 12, "PTR", 1, 300, "www.example.test" },
};
static const struct exp_msg exp_r_ptr = {
	.what = "dnsmasq: dig -x 192.0.2.10",
	.buf = cap_r_ptr,
	.len = sizeof(cap_r_ptr) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x0c4d,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "10.2.0.192.in-addr.arpa",
	.qtype = 12,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_ptr,
};

static const struct exp_rr rr_r_caa[] = {
	{ "caa.example.test", 257, "CAA", 1, 300, "0 issue \"letsencrypt.org\"" },
};
static const struct exp_msg exp_r_caa = {
	.what = "dnsmasq: CAA (dns-rr)",
	.buf = cap_r_caa,
	.len = sizeof(cap_r_caa) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x6097,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "caa.example.test",
	.qtype = 257,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_caa,
};

static const struct exp_rr rr_r_type65280[] = {
	{ "odd.example.test", 65280, NULL, 1, 300, "\\# 5 deadbeef00" },
};
static const struct exp_msg exp_r_type65280 = {
	.what = "dnsmasq: TYPE65280, RFC 3597 rendering",
	.buf = cap_r_type65280,
	.len = sizeof(cap_r_type65280) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x3043,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "odd.example.test",
	.qtype = 65280,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_type65280,
};

static const struct exp_rr rr_r_txt_binary[] = {
	{ "bin.example.test", 16, "TXT", 1, 300, "\"a\\000\\011\\\"\\000\" \"\\\\\" \"\\127\"" },
};
static const struct exp_msg exp_r_txt_binary = {
	.what = "dnsmasq: TXT with NUL, quote, backslash, DEL",
	.buf = cap_r_txt_binary,
	.len = sizeof(cap_r_txt_binary) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x89b6,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "bin.example.test",
	.qtype = 16,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD RA",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_txt_binary,
};

static const struct exp_msg exp_q_do = {
	.what = "dig +dnssec query: DO set in OPT",
	.buf = cap_q_do,
	.len = sizeof(cap_q_do) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x84a5,
	.flags = 0x0120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "www.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 1,
	.edns_udp = 1232,
	.hflags = "RD AD DO",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_r_do[] = {
	{ "www.example.test", 1, "A", 1, 300, "192.0.2.11" },
	{ "www.example.test", 1, "A", 1, 300, "192.0.2.10" },
};
static const struct exp_msg exp_r_do = {
	.what = "dnsmasq: answer to a DO query, DO echoed",
	.buf = cap_r_do,
	.len = sizeof(cap_r_do) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x84a5,
	.flags = 0x8580,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 2,
	.ns = 0,
	.ar = 1,
	.qname = "www.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 1,
	.edns_udp = 1232,
	.hflags = "AA RD RA DO",
	.truncated = 0,
	.n_rr = 2,
	.rr = rr_r_do,
};

static const struct exp_msg exp_r_nxdomain_soa = {
	.what = "dnsmasq (authoritative): NXDOMAIN, SOA in authority",
	.buf = cap_r_nxdomain_soa,
	.len = sizeof(cap_r_nxdomain_soa) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xa455,
	.flags = 0x8503,
	.rcode = 3,
	.rcode_name = "NXDOMAIN",
	.qd = 1,
	.an = 0,
	.ns = 1,
	.ar = 1,
	.qname = "nope.example.test",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_tcp_q_www = {
	.what = "dig +tcp www.example.org (client stream, length prefix)",
	.buf = cap_tcp_q_www,
	.len = sizeof(cap_tcp_q_www) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0x7887,
	.flags = 0x0120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "www.example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD AD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_tcp_r_www[] = {
	{ "www.example.org", 5, "CNAME", 1, 3600, "web.example.org" },
	{ "web.example.org", 5, "CNAME", 1, 300, "cdn.example.org" },
	{ "cdn.example.org", 1, "A", 1, 60, "198.51.100.8" },
	{ "cdn.example.org", 1, "A", 1, 60, "198.51.100.7" },
};
static const struct exp_msg exp_tcp_r_www = {
	.what = "named over TCP: www -> web -> cdn, two A",
	.buf = cap_tcp_r_www,
	.len = sizeof(cap_tcp_r_www) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0x7887,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 4,
	.ns = 0,
	.ar = 1,
	.qname = "www.example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 4,
	.rr = rr_tcp_r_www,
};

static const struct exp_rr rr_r_soa[] = {
	{ "example.org", 6, "SOA", 1, 3600,
	  "ns1.example.org hostmaster.example.org 2024052001 7200 900 1209600 300" },
};
static const struct exp_msg exp_r_soa = {
	.what = "named: example.org SOA",
	.buf = cap_r_soa,
	.len = sizeof(cap_r_soa) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xbee4,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 6,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_soa,
};

static const struct exp_rr rr_r_txt_weird[] = {
	{ "weird.example.org", 16, "TXT", 1, 3600,
	  "\"tabthere\" \"quote\\\"q\" \"back\\\\slash\" \"nul\\000end\" \"semi;colon\" \"utf8\\195\\169\"" },
};
static const struct exp_msg exp_r_txt_weird = {
	.what = "named: six TXT strings incl. NUL and UTF-8",
	.buf = cap_r_txt_weird,
	.len = sizeof(cap_r_txt_weird) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xe4b9,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "weird.example.org",
	.qtype = 16,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_txt_weird,
};

static const struct exp_rr rr_r_dot_in_label[] = {
	{ "a\\046b.example.org", 16, "TXT", 1, 3600, "\"dotted label\"" },
};
static const struct exp_msg exp_r_dot_in_label = {
	.what = "named: owner label 'a.b' (a dot inside a label)",
	.buf = cap_r_dot_in_label,
	.len = sizeof(cap_r_dot_in_label) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x0d1a,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "a\\046b.example.org",
	.qtype = 16,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_dot_in_label,
};

static const struct exp_rr rr_r_bel_in_label[] = {
	{ "bin\\007x.example.org", 1, "A", 1, 3600, "192.0.2.7" },
};
static const struct exp_msg exp_r_bel_in_label = {
	.what = "named: owner label 'bin\\\\007x' (a BEL byte)",
	.buf = cap_r_bel_in_label,
	.len = sizeof(cap_r_bel_in_label) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xbca0,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "bin\\007x.example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_bel_in_label,
};

static const struct exp_rr rr_r_https[] = {
	{ "example.org", 65, "HTTPS", 1, 3600, "\\# 13 00010000010006026832026833" },
};
static const struct exp_msg exp_r_https = {
	.what = "named: HTTPS, RFC 3597 rendering, glue in additional",
	.buf = cap_r_https,
	.len = sizeof(cap_r_https) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x8734,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 2,
	.qname = "example.org",
	.qtype = 65,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_https,
};

static const struct exp_msg exp_r_badvers = {
	.what = "named: BADVERS to EDNS version 1 (extended RCODE 16)",
	.buf = cap_r_badvers,
	.len = sizeof(cap_r_badvers) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x9d6b,
	.flags = 0x8100,
	.rcode = 16,
	.rcode_name = "BADVERS",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_q_status = {
	.what = "dig +opcode=status query",
	.buf = cap_q_status,
	.len = sizeof(cap_q_status) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x3cd2,
	.flags = 0x1120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD AD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_r_notimp = {
	.what = "named: NOTIMP to opcode STATUS, no question",
	.buf = cap_r_notimp,
	.len = sizeof(cap_r_notimp) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x3cd2,
	.flags = 0x9004,
	.rcode = 4,
	.rcode_name = "NOTIMP",
	.qd = 0,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = NULL,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_r_refused = {
	.what = "named: REFUSED (not authoritative, no recursion)",
	.buf = cap_r_refused,
	.len = sizeof(cap_r_refused) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xb33b,
	.flags = 0x8105,
	.rcode = 5,
	.rcode_name = "REFUSED",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "example.com",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_r_servfail = {
	.what = "named: SERVFAIL (zone failed to load)",
	.buf = cap_r_servfail,
	.len = sizeof(cap_r_servfail) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x76e4,
	.flags = 0x8102,
	.rcode = 2,
	.rcode_name = "SERVFAIL",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "broken.example",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_r_many[] = {
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.33" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.19" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.25" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.26" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.13" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.28" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.17" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.6" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.3" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.5" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.10" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.4" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.21" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.22" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.2" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.38" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.9" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.14" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.39" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.8" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.1" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.7" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.31" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.34" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.18" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.20" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.35" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.32" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.37" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.15" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.11" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.40" },
};
static const struct exp_msg exp_r_many = {
	.what = "named: 40 A records (more than DNS_MAX_ANSWERS)",
	.buf = cap_r_many,
	.len = sizeof(cap_r_many) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xc5bf,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 40,
	.ns = 0,
	.ar = 1,
	.qname = "many.example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 1,
	.n_rr = 32,
	.rr = rr_r_many,
};

static const struct exp_rr rr_r_mx_glue[] = {
	{ "example.org", 15, "MX", 1, 3600, "20 mail2.example.org" },
	{ "example.org", 15, "MX", 1, 3600, "10 mail.example.org" },
};
static const struct exp_msg exp_r_mx_glue = {
	.what = "named: MX with A and AAAA glue",
	.buf = cap_r_mx_glue,
	.len = sizeof(cap_r_mx_glue) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xb032,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 2,
	.ns = 0,
	.ar = 3,
	.qname = "example.org",
	.qtype = 15,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 2,
	.rr = rr_r_mx_glue,
};

static const struct exp_rr rr_r_srv_xmpp[] = {
	{ "_xmpp._tcp.example.org", 33, "SRV", 1, 3600, "5 0 5269 xmpp.example.org" },
};
static const struct exp_msg exp_r_srv_xmpp = {
	.what = "named: _xmpp._tcp SRV",
	.buf = cap_r_srv_xmpp,
	.len = sizeof(cap_r_srv_xmpp) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0x94cc,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 2,
	.qname = "_xmpp._tcp.example.org",
	.qtype = 33,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_r_srv_xmpp,
};

static const struct exp_msg exp_tcp_q_keep1 = {
	.what = "dig +tcp +keepopen: first query",
	.buf = cap_tcp_q_keep1,
	.len = sizeof(cap_tcp_q_keep1) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0xa34c,
	.flags = 0x0120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD AD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_tcp_r_keep1[] = {
	{ "example.org", 1, "A", 1, 3600, "192.0.2.1" },
};
static const struct exp_msg exp_tcp_r_keep1 = {
	.what = "named over TCP: first answer on a kept-open connection",
	.buf = cap_tcp_r_keep1,
	.len = sizeof(cap_tcp_r_keep1) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0xa34c,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 1,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 1,
	.rr = rr_tcp_r_keep1,
};

static const struct exp_msg exp_tcp_q_keep2 = {
	.what = "dig +tcp +keepopen: second query",
	.buf = cap_tcp_q_keep2,
	.len = sizeof(cap_tcp_q_keep2) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0xe6d5,
	.flags = 0x0120,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 0,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 15,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "RD AD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_rr rr_tcp_r_keep2[] = {
	{ "example.org", 15, "MX", 1, 3600, "10 mail.example.org" },
	{ "example.org", 15, "MX", 1, 3600, "20 mail2.example.org" },
};
static const struct exp_msg exp_tcp_r_keep2 = {
	.what = "named over TCP: second answer, MX with glue",
	.buf = cap_tcp_r_keep2,
	.len = sizeof(cap_tcp_r_keep2) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0xe6d5,
	.flags = 0x8500,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 2,
	.ns = 0,
	.ar = 3,
	.qname = "example.org",
	.qtype = 15,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA RD",
	.truncated = 0,
	.n_rr = 2,
	.rr = rr_tcp_r_keep2,
};

static const struct exp_rr rr_tcp_r_axfr[] = {
	{ "example.org", 6, "SOA", 1, 3600,
	  "ns1.example.org hostmaster.example.org 2024052001 7200 900 1209600 300" },
	{ "example.org", 65, "HTTPS", 1, 3600, "\\# 13 00010000010006026832026833" },
	{ "example.org", 16, "TXT", 1, 3600, "\"v=spf1 ip4:192.0.2.0/24 -all\"" },
	{ "example.org", 2, "NS", 1, 3600, "ns1.example.org" },
	{ "example.org", 1, "A", 1, 3600, "192.0.2.1" },
	{ "example.org", 15, "MX", 1, 3600, "10 mail.example.org" },
	{ "example.org", 15, "MX", 1, 3600, "20 mail2.example.org" },
	{ "example.org", 257, "CAA", 1, 3600, "0 issue \"letsencrypt.org\"" },
	{ "_xmpp._tcp.example.org", 33, "SRV", 1, 3600, "5 0 5269 xmpp.example.org" },
	{ "a\\046b.example.org", 16, "TXT", 1, 3600, "\"dotted label\"" },
	{ "bin\\007x.example.org", 1, "A", 1, 3600, "192.0.2.7" },
	{ "cdn.example.org", 1, "A", 1, 60, "198.51.100.7" },
	{ "cdn.example.org", 1, "A", 1, 60, "198.51.100.8" },
	{ "cdn.example.org", 28, "AAAA", 1, 60, "2001:db8:0:1::7" },
	{ "dot.label.example.org", 16, "TXT", 1, 3600, "\"x\"" },
	{ "mail.example.org", 1, "A", 1, 3600, "192.0.2.25" },
	{ "mail2.example.org", 28, "AAAA", 1, 3600, "2001:db8::25" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.1" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.2" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.3" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.4" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.5" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.6" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.7" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.8" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.9" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.10" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.11" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.12" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.13" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.14" },
	{ "many.example.org", 1, "A", 1, 60, "10.0.0.15" },
};
static const struct exp_msg exp_tcp_r_axfr = {
	.what = "named: AXFR of example.org, 64 records in one message",
	.buf = cap_tcp_r_axfr,
	.len = sizeof(cap_tcp_r_axfr) - 1,
	.tcp = 1,
	.err = DNS_OK,
	.id = 0x3395,
	.flags = 0x8400,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 1,
	.an = 64,
	.ns = 0,
	.ar = 1,
	.qname = "example.org",
	.qtype = 252,
	.qclass = 1,
	.has_edns = 1,
	.edns_do = 0,
	.edns_udp = 1232,
	.hflags = "AA",
	.truncated = 1,
	.n_rr = 32,
	.rr = rr_tcp_r_axfr,
};

static const struct exp_msg exp_q_formerr = {
	.what = "hand-made query with QDCOUNT 2 and one question (tshark: malformed)",
	.buf = cap_q_formerr,
	.len = sizeof(cap_q_formerr) - 1,
	.tcp = 0,
	.err = DNS_E_COUNTS,
	.id = 0xbeef,
	.flags = 0x0100,
	.rcode = 0,
	.rcode_name = "NOERROR",
	.qd = 2,
	.an = 0,
	.ns = 0,
	.ar = 0,
	.qname = "example.org",
	.qtype = 1,
	.qclass = 1,
	.has_edns = 0,
	.edns_do = 0,
	.edns_udp = 0,
	.hflags = "RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

static const struct exp_msg exp_r_formerr = {
	.what = "named: FORMERR to it, header only",
	.buf = cap_r_formerr,
	.len = sizeof(cap_r_formerr) - 1,
	.tcp = 0,
	.err = DNS_OK,
	.id = 0xbeef,
	.flags = 0x8101,
	.rcode = 1,
	.rcode_name = "FORMERR",
	.qd = 0,
	.an = 0,
	.ns = 0,
	.ar = 0,
	.qname = NULL,
	.has_edns = 0,
	.edns_do = 0,
	.edns_udp = 0,
	.hflags = "RD",
	.truncated = 0,
	.n_rr = 0,
	.rr = NULL,
};

Test(dns_capture, q_alias)
{
	check_capture(&exp_q_alias);
}

Test(dns_capture, r_cname_chain)
{
	check_capture(&exp_r_cname_chain);
}

Test(dns_capture, r_aaaa)
{
	check_capture(&exp_r_aaaa);
}

Test(dns_capture, r_mx)
{
	check_capture(&exp_r_mx);
}

Test(dns_capture, r_txt_quotes)
{
	check_capture(&exp_r_txt_quotes);
}

Test(dns_capture, r_srv)
{
	check_capture(&exp_r_srv);
}

Test(dns_capture, r_nxdomain)
{
	check_capture(&exp_r_nxdomain);
}

Test(dns_capture, r_ptr)
{
	check_capture(&exp_r_ptr);
}

Test(dns_capture, r_caa)
{
	check_capture(&exp_r_caa);
}

Test(dns_capture, r_type65280)
{
	check_capture(&exp_r_type65280);
}

Test(dns_capture, r_txt_binary)
{
	check_capture(&exp_r_txt_binary);
}

Test(dns_capture, q_do)
{
	check_capture(&exp_q_do);
}

Test(dns_capture, r_do)
{
	check_capture(&exp_r_do);
}

Test(dns_capture, r_nxdomain_soa)
{
	check_capture(&exp_r_nxdomain_soa);
}

Test(dns_capture, tcp_q_www)
{
	check_capture(&exp_tcp_q_www);
}

Test(dns_capture, tcp_r_www)
{
	check_capture(&exp_tcp_r_www);
}

Test(dns_capture, r_soa)
{
	check_capture(&exp_r_soa);
}

Test(dns_capture, r_txt_weird)
{
	check_capture(&exp_r_txt_weird);
}

Test(dns_capture, r_dot_in_label)
{
	check_capture(&exp_r_dot_in_label);
}

Test(dns_capture, r_bel_in_label)
{
	check_capture(&exp_r_bel_in_label);
}

Test(dns_capture, r_https)
{
	check_capture(&exp_r_https);
}

Test(dns_capture, r_badvers)
{
	check_capture(&exp_r_badvers);
}

Test(dns_capture, q_status)
{
	check_capture(&exp_q_status);
}

Test(dns_capture, r_notimp)
{
	check_capture(&exp_r_notimp);
}

Test(dns_capture, r_refused)
{
	check_capture(&exp_r_refused);
}

Test(dns_capture, r_servfail)
{
	check_capture(&exp_r_servfail);
}

Test(dns_capture, r_many)
{
	check_capture(&exp_r_many);
}

Test(dns_capture, r_mx_glue)
{
	check_capture(&exp_r_mx_glue);
}

Test(dns_capture, r_srv_xmpp)
{
	check_capture(&exp_r_srv_xmpp);
}

Test(dns_capture, tcp_q_keep1)
{
	check_capture(&exp_tcp_q_keep1);
}

Test(dns_capture, tcp_r_keep1)
{
	check_capture(&exp_tcp_r_keep1);
}

Test(dns_capture, tcp_q_keep2)
{
	check_capture(&exp_tcp_q_keep2);
}

Test(dns_capture, tcp_r_keep2)
{
	check_capture(&exp_tcp_r_keep2);
}

Test(dns_capture, tcp_r_axfr)
{
	check_capture(&exp_tcp_r_axfr);
}

Test(dns_capture, q_formerr)
{
	check_capture(&exp_q_formerr);
}

Test(dns_capture, r_formerr)
{
	check_capture(&exp_r_formerr);
}

static const struct exp_msg *const captures[] = {
	&exp_q_alias,	   &exp_r_cname_chain,	&exp_r_aaaa,	     &exp_r_mx,
	&exp_r_txt_quotes, &exp_r_srv,		&exp_r_nxdomain,     &exp_r_ptr,
	&exp_r_caa,	   &exp_r_type65280,	&exp_r_txt_binary,   &exp_q_do,
	&exp_r_do,	   &exp_r_nxdomain_soa, &exp_tcp_q_www,	     &exp_tcp_r_www,
	&exp_r_soa,	   &exp_r_txt_weird,	&exp_r_dot_in_label, &exp_r_bel_in_label,
	&exp_r_https,	   &exp_r_badvers,	&exp_q_status,	     &exp_r_notimp,
	&exp_r_refused,	   &exp_r_servfail,	&exp_r_many,	     &exp_r_mx_glue,
	&exp_r_srv_xmpp,   &exp_tcp_q_keep1,	&exp_tcp_r_keep1,    &exp_tcp_q_keep2,
	&exp_tcp_r_keep2,  &exp_tcp_r_axfr,	&exp_q_formerr,	     &exp_r_formerr,
};
#define N_CAPTURES (sizeof(captures) / sizeof(captures[0]))

/* ---- part 2: hostile input -------------------------------------------- */

/* A message under construction. */
struct mb {
	uint8_t b[70000];
	size_t n;
};

static struct mb mb;

static void put(struct mb *m, const void *p, size_t n)
{
	cr_assert_leq(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void p8(struct mb *m, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(m, &b, 1);
}

static void p16(struct mb *m, unsigned int v)
{
	p8(m, v >> 8);
	p8(m, v);
}

static void p32(struct mb *m, uint32_t v)
{
	p16(m, v >> 16);
	p16(m, v & 0xffff);
}

static void hdr(struct mb *m, unsigned int flags, unsigned int qd, unsigned int an, unsigned int ns,
		unsigned int ar)
{
	m->n = 0;
	p16(m, 0x1234);
	p16(m, flags);
	p16(m, qd);
	p16(m, an);
	p16(m, ns);
	p16(m, ar);
}

/* Plain labels, "" or "." for the root; no terminator when open. */
static void labels(struct mb *m, const char *s, int open)
{
	while (*s && strcmp(s, ".")) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		p8(m, n);
		put(m, s, n);
		s += n + (dot ? 1 : 0);
	}
	if (!open)
		p8(m, 0);
}

static void ptr(struct mb *m, unsigned int to)
{
	p16(m, 0xc000 | to);
}

/* type, class IN, ttl, rdlength: the RR fields after the owner name */
static void rrh(struct mb *m, unsigned int type, uint32_t ttl, unsigned int rdlen)
{
	p16(m, type);
	p16(m, 1);
	p32(m, ttl);
	p16(m, rdlen);
}

static void question(struct mb *m, const char *name, unsigned int type)
{
	labels(m, name, 0);
	p16(m, type);
	p16(m, 1);
}

static enum dns_err parse(const struct mb *m)
{
	/* an exact-size heap copy: ASan sees any read past the end */
	uint8_t *p = malloc(m->n ? m->n : 1);
	enum dns_err err;

	cr_assert_not_null(p);
	memcpy(p, m->b, m->n);
	err = dns_parse(p, m->n, &msg);
	free(p);
	return err;
}

Test(dns_hostile, short_header)
{
	for (size_t n = 0; n < DNS_HDR_LEN; n++) {
		hdr(&mb, 0, 0, 0, 0, 0);
		mb.n = n;
		cr_expect_eq(parse(&mb), DNS_E_SHORT, "%zu bytes", n);
	}
	hdr(&mb, 0, 0, 0, 0, 0);
	cr_expect_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.id, 0x1234);
	cr_expect_eq(msg.has_question, 0);
}

Test(dns_hostile, root_and_question_cut)
{
	hdr(&mb, 0x0100, 1, 0, 0, 0);
	question(&mb, ".", 2);
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_str_eq(msg.qname, ".");
	cr_expect_eq(msg.qtype, 2);
	/* the name whole, type/class cut: name kept, no question */
	mb.n -= 1;
	cr_expect_eq(parse(&mb), DNS_E_SHORT);
	cr_expect_eq(msg.has_question, 0);
	cr_expect_str_eq(msg.qname, ".");
}

/*
 * a -> b -> a: whichever way round, one of the two pointers is not
 * backwards, so the loop is refused before it is followed twice. Here
 * answer 1 is an unknown type whose RDATA hides name A ("a" + pointer to
 * B); answer 2's owner name B is "b" + pointer back to A.
 */
Test(dns_hostile, pointer_loop_a_b_a)
{
	size_t a, b;

	hdr(&mb, 0x8000, 1, 2, 0, 0);
	question(&mb, ".", 1);
	labels(&mb, ".", 0);
	rrh(&mb, 0xff00, 0, 4);
	a = mb.n;
	labels(&mb, "a", 1);
	b = mb.n + 2; /* answer 2 starts right after this RDATA */
	ptr(&mb, b);
	cr_assert_eq(mb.n, b);
	labels(&mb, "b", 1);
	ptr(&mb, a);
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0x7f000001);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);
	cr_expect_eq(msg.n_answers, 1, "answer 1 is valid");
	cr_expect_str_eq(msg.answers[0].data, "\\# 4 0161c020");

	/* two bare pointers at each other */
	hdr(&mb, 0x8000, 1, 0, 0, 0);
	ptr(&mb, 14);
	ptr(&mb, 12);
	p32(&mb, 0x00010001);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);
	cr_expect_eq(msg.has_question, 0);
	cr_expect_str_eq(msg.qname, "");
}

Test(dns_hostile, self_pointer)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	ptr(&mb, 12);
	p32(&mb, 0x00010001);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);

	/* to its own label sequence: "x" at 12, pointer at 14 to 12 */
	hdr(&mb, 0, 1, 0, 0, 0);
	labels(&mb, "x", 1);
	ptr(&mb, 12);
	p32(&mb, 0x00010001);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);
}

Test(dns_hostile, forward_pointer)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	ptr(&mb, 18); /* a valid name does sit at 18 */
	p32(&mb, 0x00010001);
	labels(&mb, "fwd.example", 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);

	/* answer 1's name is answer 2's, further on */
	hdr(&mb, 0x8000, 1, 2, 0, 0);
	question(&mb, ".", 1);
	ptr(&mb, 33);
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0);
	cr_assert_eq(mb.n, 33);
	labels(&mb, "later", 0);
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);
	cr_expect_eq(msg.n_answers, 0);
}

Test(dns_hostile, pointer_out_of_bounds)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	ptr(&mb, 0x3fff);
	p32(&mb, 0x00010001);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);

	/* a pointer's first byte is the last byte of the message */
	hdr(&mb, 0, 1, 0, 0, 0);
	labels(&mb, "abc", 1);
	p8(&mb, 0xc0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);

	/* the same in a walked (not stored) additional record */
	hdr(&mb, 0, 0, 0, 0, 1);
	p8(&mb, 0xc0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);
	hdr(&mb, 0, 0, 0, 0, 1);
	ptr(&mb, 0x3000);
	rrh(&mb, 1, 0, 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);
}

Test(dns_hostile, label_past_end)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	p8(&mb, 3);
	put(&mb, "ab", 2);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);

	hdr(&mb, 0, 1, 0, 0, 0);
	p8(&mb, 63);
	put(&mb, "abcde", 5);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);

	/* no terminating zero */
	hdr(&mb, 0, 1, 0, 0, 0);
	labels(&mb, "www.example.com", 1);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);

	/* in the authority section, walked without being stored */
	hdr(&mb, 0, 0, 0, 1, 0);
	p8(&mb, 10);
	put(&mb, "abc", 3);
	cr_expect_eq(parse(&mb), DNS_E_NAME_OOB);
}

static void long_name_open(struct mb *m, const size_t *lens, size_t n, uint8_t fill)
{
	for (size_t i = 0; i < n; i++) {
		p8(m, lens[i]);
		for (size_t j = 0; j < lens[i]; j++)
			p8(m, fill);
	}
}

static void long_name(struct mb *m, const size_t *lens, size_t n, uint8_t fill)
{
	long_name_open(m, lens, n, fill);
	p8(m, 0);
}

/* A query with one question, of that long name, parsed. */
static enum dns_err long_question(const size_t *lens, size_t n, uint8_t fill)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	long_name(&mb, lens, n, fill);
	p32(&mb, 0x00010001);
	return parse(&mb);
}

Test(dns_hostile, name_too_long)
{
	static const size_t l253[] = { 63, 63, 63, 61 }; /* 253 chars */
	static const size_t l254[] = { 63, 63, 63, 62 };
	static const size_t l255[] = { 63, 63, 63, 63 };
	size_t lmany[128]; /* 128 labels: 255 chars */

	for (size_t i = 0; i < 128; i++)
		lmany[i] = 1;
	cr_assert_eq(long_question(l253, 4, 'a'), DNS_OK);
	cr_expect_eq(strlen(msg.qname), 253);
	cr_expect_eq(msg.qname[63], '.');

	cr_expect_eq(long_question(l254, 4, 'a'), DNS_E_NAME_TOO_LONG);
	cr_expect_str_eq(msg.qname, "");

	cr_expect_eq(long_question(l255, 4, 'a'), DNS_E_NAME_TOO_LONG);

	cr_expect_eq(long_question(lmany, 128, 'z'), DNS_E_NAME_TOO_LONG);
	cr_expect_eq(long_question(lmany, 127, 'z'), DNS_OK); /* 253 */
	cr_expect_eq(strlen(msg.qname), 253);

	/* the limit is the wire form's, not the text's: 63 NULs are 252
	 * characters, two such labels 505 (a tunnel's binary labels) ... */
	cr_assert_eq(long_question(l255, 1, 0), DNS_OK);
	cr_expect_eq(strlen(msg.qname), 252);
	cr_expect_eq(strncmp(msg.qname, "\\000\\000", 8), 0);
	cr_assert_eq(long_question(l255, 2, 0), DNS_OK);
	cr_expect_eq(strlen(msg.qname), 505);
	/* ... and the longest text: 255 octets, 250 bytes escaped, 3 dots */
	cr_assert_eq(long_question(l253, 4, 0xfe), DNS_OK);
	cr_expect_eq(strlen(msg.qname), 1003);
	cr_expect_eq(strlen(msg.qname), DNS_MAX_NAME - 1);
	cr_expect_eq(strncmp(msg.qname + 996, "254\\254", 7), 0);
	cr_expect_eq(long_question(l254, 4, 0xfe), DNS_E_NAME_TOO_LONG);

	/* 191 + 1 + 59 chars, then \000: 255 characters, 254 octets */
	{
		static const size_t l3[] = { 63, 63, 63 };

		hdr(&mb, 0, 1, 0, 0, 0);
		long_name_open(&mb, l3, 3, 'a');
		p8(&mb, 60);
		for (int i = 0; i < 59; i++)
			p8(&mb, 'a');
		p8(&mb, 0);
		p8(&mb, 0);
		p32(&mb, 0x00010001);
		cr_expect_eq(parse(&mb), DNS_OK);
		cr_expect_eq(strlen(msg.qname), 255);
		cr_expect_str_eq(msg.qname + 251, "\\000");
	}

	/* 257 bytes on the wire: stored (decoded) or walked, the same */
	hdr(&mb, 0, 0, 1, 0, 0);
	long_name(&mb, l255, 4, 'w');
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_TOO_LONG);
	hdr(&mb, 0, 0, 0, 1, 0);
	long_name(&mb, l255, 4, 'w');
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_TOO_LONG);

	/* too long only through compression: 127 + '.' + 127 chars */
	{
		static const size_t l63_63[] = { 63, 63 }, l63_60[] = { 63, 60 };

		hdr(&mb, 0x8000, 1, 1, 0, 0);
		long_name(&mb, l63_63, 2, 'q');
		p32(&mb, 0x00010001);
		long_name_open(&mb, l63_63, 2, 'b');
		ptr(&mb, 12);
		rrh(&mb, 1, 0, 4);
		p32(&mb, 0);
		cr_expect_eq(parse(&mb), DNS_E_NAME_TOO_LONG);
		cr_expect_eq(msg.n_answers, 0);
		cr_expect_eq(strlen(msg.qname), 127);

		hdr(&mb, 0x8000, 1, 1, 0, 0);
		long_name(&mb, l63_63, 2, 'q');
		p32(&mb, 0x00010001);
		long_name_open(&mb, l63_60, 2, 'b');
		ptr(&mb, 12);
		rrh(&mb, 1, 0, 4);
		p32(&mb, 0);
		cr_expect_eq(parse(&mb), DNS_OK);
		cr_expect_eq(strlen(msg.answers[0].name), 252);
	}
}

Test(dns_hostile, reserved_label_types)
{
	static const uint8_t types[] = { 0x40, 0x41, 0x7f, 0x80, 0xbf };

	for (size_t i = 0; i < sizeof(types); i++) {
		hdr(&mb, 0, 1, 0, 0, 0);
		labels(&mb, "ok", 1);
		p8(&mb, types[i]);
		put(&mb, "abcdef\0\0\1\0\1", 11);
		cr_expect_eq(parse(&mb), DNS_E_LABEL, "0x%02x", types[i]);

		/* in an additional record, walked */
		hdr(&mb, 0, 0, 0, 0, 1);
		p8(&mb, types[i]);
		put(&mb, "abcdef\0\0\1\0\1", 11);
		cr_expect_eq(parse(&mb), DNS_E_LABEL, "0x%02x", types[i]);
	}
}

/* A chain of n backwards pointers in an unknown type's RDATA. */
static void pointer_chain(struct mb *m, unsigned int n)
{
	size_t rd;

	hdr(m, 0x8000, 1, 2, 0, 0);
	question(m, ".", 1); /* the root label is at 12 */
	labels(m, ".", 0);
	rrh(m, 0xff00, 0, 2 * n);
	rd = m->n;
	ptr(m, 12);
	for (unsigned int i = 1; i < n; i++)
		ptr(m, rd + 2 * (i - 1));
	ptr(m, rd + 2 * (n - 1)); /* answer 2's name: one more jump */
	rrh(m, 1, 0, 4);
	p32(m, 0x01020304);
}

Test(dns_hostile, too_many_jumps)
{
	pointer_chain(&mb, DNS_MAX_JUMPS - 1); /* 64 jumps in all */
	cr_expect_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.n_answers, 2);
	cr_expect_str_eq(msg.answers[1].name, ".");
	cr_expect_str_eq(msg.answers[1].data, "1.2.3.4");

	pointer_chain(&mb, DNS_MAX_JUMPS); /* 65 */
	cr_expect_eq(parse(&mb), DNS_E_NAME_LOOP);
	cr_expect_eq(msg.n_answers, 1);

	pointer_chain(&mb, 3000);
	cr_expect_eq(parse(&mb), DNS_E_NAME_LOOP);
}

Test(dns_hostile, counts_larger_than_data)
{
	hdr(&mb, 0x8180, 1, 5, 0, 0);
	question(&mb, "example.com", 1);
	for (int i = 0; i < 2; i++) {
		ptr(&mb, 12);
		rrh(&mb, 1, 60, 4);
		p32(&mb, 0xc0000201 + i);
	}
	cr_expect_eq(parse(&mb), DNS_E_COUNTS);
	cr_expect_eq(msg.n_answers, 2);
	cr_expect_str_eq(msg.answers[1].data, "192.0.2.2");
	cr_expect_str_eq(msg.qname, "example.com");
	cr_expect_eq(msg.has_question, 1);

	hdr(&mb, 0x8180, 3, 0, 0, 0);
	question(&mb, "example.com", 1);
	cr_expect_eq(parse(&mb), DNS_E_COUNTS);

	hdr(&mb, 0x8180, 0, 0, 65535, 65535);
	cr_expect_eq(parse(&mb), DNS_E_COUNTS);

	/* trailing bytes after the counted records are ignored */
	hdr(&mb, 0x8180, 1, 0, 0, 0);
	question(&mb, "example.com", 1);
	put(&mb, "junk", 4);
	cr_expect_eq(parse(&mb), DNS_OK);
}

Test(dns_hostile, rr_out_of_bounds)
{
	/* fixed fields cut */
	hdr(&mb, 0x8000, 0, 1, 0, 0);
	labels(&mb, "a", 0);
	p16(&mb, 1);
	p16(&mb, 1);
	p16(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_RR_OOB);

	/* RDLENGTH past the end, stored and walked */
	hdr(&mb, 0x8000, 0, 1, 0, 0);
	labels(&mb, "a", 0);
	rrh(&mb, 1, 0, 4);
	p16(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_RR_OOB);
	cr_expect_eq(msg.n_answers, 0);
	hdr(&mb, 0x8000, 0, 0, 0, 1);
	labels(&mb, ".", 0);
	rrh(&mb, 41, 0, 0xffff);
	cr_expect_eq(parse(&mb), DNS_E_RR_OOB);
}

/*
 * One answer of the given type: n bytes follow its fixed fields, of which
 * RDLENGTH claims rdlen.
 */
static enum dns_err one_rr2(unsigned int type, const void *rd, size_t n, size_t rdlen)
{
	hdr(&mb, 0x8180, 1, 1, 0, 0);
	question(&mb, "example.com", type);
	ptr(&mb, 12);
	rrh(&mb, type, 300, rdlen);
	put(&mb, rd, n);
	return parse(&mb);
}

static enum dns_err one_rr(unsigned int type, const void *rd, size_t n)
{
	return one_rr2(type, rd, n, n);
}

#define ONE(type, lit) one_rr(type, lit, sizeof(lit) - 1)

Test(dns_hostile, rdata_not_matching_type)
{
	cr_expect_eq(ONE(DNS_T_A, "\1\2\3\4\5"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_A, "\1\2\3"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_AAAA, "\1\2\3\4"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_MX, "\0\1"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_SRV, "\0\1\0\2\0\3"), DNS_E_RR_OOB);
	/* a name that ends before RDATA does, and one that runs past it */
	cr_expect_eq(ONE(DNS_T_CNAME, "\1a\0\0"), DNS_E_RR_OOB);
	cr_expect_eq(one_rr2(DNS_T_CNAME, "\3abc\0", 5, 3), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_MX, "\0\1\1a\0junk"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_TXT, "\3ab"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_TXT, "\2ab\1"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_SOA, "\0\0\0\0\0\1\0\0\0\2"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_CAA, "\0"), DNS_E_RR_OOB);
	cr_expect_eq(ONE(DNS_T_CAA, "\0\6issue"), DNS_E_RR_OOB);
	/* errors inside an RDATA name are the name's own */
	cr_expect_eq(ONE(DNS_T_PTR, "\xc0\x29"), DNS_E_NAME_FORWARD_PTR);
	cr_expect_eq(ONE(DNS_T_NS, "\x41"), DNS_E_LABEL);
	cr_expect_eq(ONE(DNS_T_MX, "\0\1\x80"), DNS_E_LABEL);
	cr_expect_eq(ONE(DNS_T_SRV, "\0\1\0\2\0\3\xc0\xff"), DNS_E_NAME_OOB);
	cr_expect_eq(ONE(DNS_T_SOA, "\x40"), DNS_E_LABEL);
	cr_expect_eq(ONE(DNS_T_SOA, "\0\x40"), DNS_E_LABEL);
	cr_expect_eq(msg.n_answers, 0);

	/* and what does match */
	cr_expect_eq(ONE(DNS_T_CNAME, "\xc0\x0c"), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "example.com");
	cr_expect_eq(ONE(DNS_T_DNAME, "\0"), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, ".");
	cr_expect_eq(ONE(DNS_T_TXT, ""), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "");
	cr_expect_eq(ONE(DNS_T_TXT, "\0"), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "\"\"");
	cr_expect_eq(ONE(DNS_T_CAA, "\x80\x05issue"), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "128 issue \"\"");
	cr_expect_eq(ONE(DNS_T_CAA, "\0\3a.\1v\""), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "0 a\\046\\001 \"v\\\"\"");
	cr_expect_eq(ONE(0xabcd, ""), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "\\# 0");
	cr_expect_eq(ONE(DNS_T_SOA, "\xc0\x0c\2hm\xc0\x0c\0\0\0\1\0\0\0\2"
				    "\0\0\0\3\0\0\0\4\xff\xff\xff\xff"),
		     DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "example.com hm.example.com 1 2 3 4 4294967295");
}

Test(dns_hostile, txt_nul_quotes_high_bytes)
{
	cr_assert_eq(ONE(DNS_T_TXT, "\5\0\"\\\xff "
				    "\0"
				    "\3a\"b"),
		     DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "\"\\000\\\"\\\\\\255 \" \"\" \"a\\\"b\"");
	/* a TXT is safe printable ASCII whatever it holds */
	{
		uint8_t rd[256];

		rd[0] = 255;
		for (int i = 1; i < 256; i++)
			rd[i] = (uint8_t)i;
		cr_assert_eq(one_rr(DNS_T_TXT, rd, sizeof(rd)), DNS_OK);
		for (const char *p = msg.answers[0].data; *p; p++)
			cr_expect(*p >= 0x20 && *p < 0x7f);
	}
}

Test(dns_hostile, label_escapes)
{
	hdr(&mb, 0, 1, 0, 0, 0);
	p8(&mb, 8);
	put(&mb, "a.b\\c d\x7f", 8);
	labels(&mb, "Ex", 0);
	p32(&mb, 0x00010001);
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_str_eq(msg.qname, "a\\046b\\092c\\032d\\127.Ex");
}

Test(dns_hostile, data_overflow_is_cut_whole)
{
	static uint8_t rd[3 * 256];
	const char *d;
	size_t n;

	/* three strings of 255 bytes 0x01: 3 x (2 + 1020) characters */
	for (int s = 0; s < 3; s++) {
		rd[s * 256] = 255;
		memset(rd + s * 256 + 1, 1, 255);
	}
	cr_assert_eq(one_rr(DNS_T_TXT, rd, sizeof(rd)), DNS_OK);
	d = msg.answers[0].data;
	n = strlen(d);
	cr_expect_leq(n, DNS_DATA_MAX - 1);
	cr_expect_eq(strcmp(d + n - 3, "..."), 0);
	cr_expect_eq(d[0], '"');
	cr_expect_eq((n - 4) % 4, 0, "only whole escapes: %zu", n);
	for (size_t i = 1; i < n - 3; i += 4)
		cr_expect_eq(strncmp(d + i, "\\001", 4), 0);

	/* RFC 3597 form, 400 bytes */
	memset(rd, 0xab, 400);
	cr_assert_eq(one_rr(0xff01, rd, 400), DNS_OK);
	d = msg.answers[0].data;
	n = strlen(d);
	cr_expect_eq(strncmp(d, "\\# 400 abab", 11), 0);
	cr_expect_eq(strcmp(d + n - 3, "..."), 0);
	cr_expect_eq((n - 3 - 7) % 2, 0);
	cr_expect_leq(n, DNS_DATA_MAX - 1);
	/* exactly fitting text is not cut: "\# 250 " + 500 = 507 */
	cr_assert_eq(one_rr(0xff01, rd, 250), DNS_OK);
	cr_expect_eq(strlen(msg.answers[0].data), 507);
	cr_expect_eq(msg.answers[0].data[506], 'b');
}

Test(dns_hostile, beyond_max_answers)
{
	hdr(&mb, 0x8180, 1, DNS_MAX_ANSWERS + 2, 0, 0);
	question(&mb, "x", 1);
	for (int i = 0; i < DNS_MAX_ANSWERS + 2; i++) {
		ptr(&mb, 12);
		rrh(&mb, 1, i, 4);
		p32(&mb, (uint32_t)i);
	}
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.n_answers, DNS_MAX_ANSWERS);
	cr_expect_eq(msg.answers_truncated, 1);
	cr_expect_str_eq(msg.answers[31].data, "0.0.0.31");

	/* the 33rd answer is walked: its broken name still stops the parse */
	hdr(&mb, 0x8180, 1, DNS_MAX_ANSWERS + 1, 0, 0);
	question(&mb, "x", 1);
	for (int i = 0; i < DNS_MAX_ANSWERS; i++) {
		ptr(&mb, 12);
		rrh(&mb, 1, i, 4);
		p32(&mb, (uint32_t)i);
	}
	ptr(&mb, mb.n);
	rrh(&mb, 1, 0, 4);
	p32(&mb, 0);
	cr_expect_eq(parse(&mb), DNS_E_NAME_FORWARD_PTR);
	cr_expect_eq(msg.n_answers, DNS_MAX_ANSWERS);
	cr_expect_eq(msg.answers_truncated, 0);
}

/* A and AAAA text is exactly what glibc's inet_ntop writes. */
Test(dns_hostile, address_text_as_inet_ntop)
{
	static const char *const v6[] = {
		"::",
		"::1",
		"::2",
		"::ffff:1.2.3.4",
		"::1.2.3.4",
		"1::",
		"1:0:0:2::3",
		"1::2:0:0:3",
		"ff02::1:ff00:1",
		"::ffff:0:1",
		"2001:db8:0:0:1:0:0:1",
		"fe80::",
		"0:0:1::",
		"1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6::",
		"::ffff:255.255.255.255",
		"64:ff9b::192.0.2.33",
	};
	uint8_t a[16];
	char want[INET6_ADDRSTRLEN];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		cr_assert_eq(inet_pton(AF_INET6, v6[i], a), 1, "%s", v6[i]);
		inet_ntop(AF_INET6, a, want, sizeof(want));
		cr_assert_eq(one_rr(DNS_T_AAAA, a, 16), DNS_OK);
		cr_expect_str_eq(msg.answers[0].data, want);
		cr_expect_arr_eq(msg.answers[0].ip, a, 16);
	}
	/* pseudo-random ones, rich in zero groups */
	for (int it = 0; it < 3000; it++) {
		for (int g = 0; g < 8; g++) {
			x = x * 1103515245 + 12345;
			a[2 * g] = (x >> 16) % 3 ? 0 : (uint8_t)(x >> 24);
			a[2 * g + 1] = (x >> 8) % 4 ? 0 : (uint8_t)x;
		}
		inet_ntop(AF_INET6, a, want, sizeof(want));
		cr_assert_eq(one_rr(DNS_T_AAAA, a, 16), DNS_OK);
		cr_assert_str_eq(msg.answers[0].data, want);
		inet_ntop(AF_INET, a, want, sizeof(want));
		cr_assert_eq(one_rr(DNS_T_A, a, 4), DNS_OK);
		cr_assert_str_eq(msg.answers[0].data, want);
	}
}

static void opt_msg(unsigned int rcode, uint32_t ttl, int twice)
{
	hdr(&mb, 0x8000 | rcode, 0, 0, 0, twice ? 2 : 1);
	for (int i = 0; i <= twice; i++) {
		labels(&mb, ".", 0);
		p16(&mb, DNS_T_OPT);
		p16(&mb, 4096 - i);
		p32(&mb, i ? 0 : ttl);
		p16(&mb, 0);
	}
}

Test(dns_hostile, edns_opt)
{
	opt_msg(3, 0x00008000, 0);
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.rcode, 3);
	cr_expect_eq(msg.edns_do, 1);
	cr_expect_eq(msg.has_edns, 1);
	cr_expect_eq(msg.edns_udp_size, 4096);

	opt_msg(7, 0x01000000, 0); /* 1 << 4 | 7 = 23 */
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.rcode, 23);
	cr_expect_str_eq(dns_rcode_name(msg.rcode), "BADCOOKIE");
	cr_expect_eq(msg.edns_do, 0);

	opt_msg(15, 0x0f000000, 0); /* 255 still fits */
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.rcode, 255);
	opt_msg(2, 0x10018000, 0); /* 258 does not: header's */
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.rcode, 2);
	cr_expect_eq(msg.edns_version, 1);
	cr_expect_eq(msg.edns_do, 1);

	opt_msg(0, 0x01008000, 1); /* the first OPT counts */
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.rcode, 16);
	cr_expect_eq(msg.edns_udp_size, 4096);
	cr_expect_eq(msg.edns_do, 1);

	/* an OPT among the answers is an answer, not EDNS */
	hdr(&mb, 0x8000, 0, 1, 0, 0);
	labels(&mb, ".", 0);
	p16(&mb, DNS_T_OPT);
	p16(&mb, 512);
	p32(&mb, 0x01008000);
	p16(&mb, 0);
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_expect_eq(msg.has_edns, 0);
	cr_expect_eq(msg.rcode, 0);
	cr_expect_eq(msg.n_answers, 1);
	cr_expect_str_eq(msg.answers[0].data, "\\# 0");
}

Test(dns_hostile, every_prefix_of_every_capture)
{
	for (size_t c = 0; c < N_CAPTURES; c++) {
		const struct exp_msg *e = captures[c];
		const uint8_t *p;
		size_t len;
		enum dns_err ferr;

		p = payload(e, &len);
		ferr = dns_parse(p, len, &full);
		cr_assert_eq(ferr, e->err);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *b = malloc(cut ? cut : 1);
			enum dns_err err;

			cr_assert_not_null(b);
			memcpy(b, p, cut);
			err = dns_parse(b, cut, &msg);
			free(b);
			cr_assert_neq(err, DNS_OK, "%s cut at %zu", e->what, cut);
			if (cut < DNS_HDR_LEN) {
				cr_assert_eq(err, DNS_E_SHORT);
				continue;
			}
			cr_assert_eq(msg.id, full.id);
			cr_assert_eq(msg.flags, full.flags);
			cr_assert_eq(msg.ancount, full.ancount);
			if (msg.has_question) {
				cr_assert_str_eq(msg.qname, full.qname);
				cr_assert_eq(msg.qtype, full.qtype);
			}
			cr_assert_leq(msg.n_answers, full.n_answers);
			for (size_t i = 0; i < msg.n_answers; i++) {
				const struct dns_rr *a = &msg.answers[i];
				const struct dns_rr *b2 = &full.answers[i];

				cr_assert_str_eq(a->name, b2->name);
				cr_assert_eq(a->type, b2->type);
				cr_assert_eq(a->ttl, b2->ttl);
				cr_assert_str_eq(a->data, b2->data, "%s cut at %zu", e->what, cut);
			}
			cr_assert(msg.has_edns <= full.has_edns);
		}
	}
}

/* ---- TCP framing ------------------------------------------------------ */

Test(dns_tcp, two_messages_in_one_buffer)
{
	static uint8_t s[1024];
	size_t n1 = exp_tcp_r_keep1.len, n2 = exp_tcp_r_keep2.len, n, off;
	const uint8_t *p;

	memcpy(s, exp_tcp_r_keep1.buf, n1);
	memcpy(s + n1, exp_tcp_r_keep2.buf, n2);
	n = dns_tcp_next(s, n1 + n2, &p);
	cr_assert_eq(n, n1 - 2);
	cr_assert_eq(p, s + 2);
	cr_assert_eq(dns_parse(p, n, &msg), DNS_OK);
	cr_expect_str_eq(msg.answers[0].data, "192.0.2.1");
	off = 2 + n;
	n = dns_tcp_next(s + off, n1 + n2 - off, &p);
	cr_assert_eq(n, n2 - 2);
	cr_assert_eq(dns_parse(p, n, &msg), DNS_OK);
	cr_expect_eq(msg.n_answers, 2);
	cr_expect_str_eq(msg.answers[0].data, "10 mail.example.org");
	off += 2 + n;
	cr_expect_eq(off, n1 + n2);
	cr_expect_eq(dns_tcp_next(s + off, 0, &p), 0);
	cr_expect_null(p);
}

/* The client side, fed as it arrives: one byte more per call. */
Test(dns_tcp, message_split_across_calls)
{
	static uint8_t s[256];
	size_t n1 = exp_tcp_q_keep1.len, n2 = exp_tcp_q_keep2.len;
	size_t off = 0, got = 0;
	const uint8_t *p;

	memcpy(s, exp_tcp_q_keep1.buf, n1);
	memcpy(s + n1, exp_tcp_q_keep2.buf, n2);
	for (size_t have = 0; have <= n1 + n2; have++) {
		size_t n = dns_tcp_next(s + off, have - off, &p);

		if (!n) {
			cr_assert_null(p);
			continue;
		}
		cr_assert_eq(have, off + 2 + n, "complete only when whole");
		cr_assert_eq(dns_parse(p, n, &msg), DNS_OK);
		cr_assert_str_eq(msg.qname, "example.org");
		cr_assert_eq(msg.qtype, got ? DNS_T_MX : DNS_T_A);
		got++;
		off += 2 + n;
	}
	cr_expect_eq(got, 2);
	cr_expect_eq(off, n1 + n2);
}

Test(dns_tcp, short_and_empty)
{
	static const uint8_t one[] = { 0x00 };
	static const uint8_t empty[] = { 0x00, 0x00, 0x00, 0x0c };
	static const uint8_t big[] = { 0xff, 0xff, 0x12, 0x34 };
	const uint8_t *p = one;

	cr_expect_eq(dns_tcp_next(one, 0, &p), 0);
	cr_expect_null(p);
	cr_expect_eq(dns_tcp_next(one, 1, &p), 0);
	cr_expect_null(p);
	cr_expect_eq(dns_tcp_next(big, sizeof(big), &p), 0);
	cr_expect_null(p);
	/* a zero length prefix: no message, but the caller can skip it */
	cr_expect_eq(dns_tcp_next(empty, sizeof(empty), &p), 0);
	cr_expect_eq(p, empty + 2);
}

/* ---- helpers ---------------------------------------------------------- */

Test(dns_names, err_names)
{
	cr_expect_str_eq(dns_err_name(DNS_OK), "ok");
	cr_expect_str_eq(dns_err_name(DNS_E_SHORT), "short");
	cr_expect_str_eq(dns_err_name(DNS_E_NAME_LOOP), "name_loop");
	cr_expect_str_eq(dns_err_name(DNS_E_NAME_FORWARD_PTR), "name_forward_ptr");
	cr_expect_str_eq(dns_err_name(DNS_E_NAME_OOB), "name_oob");
	cr_expect_str_eq(dns_err_name(DNS_E_NAME_TOO_LONG), "name_too_long");
	cr_expect_str_eq(dns_err_name(DNS_E_LABEL), "label");
	cr_expect_str_eq(dns_err_name(DNS_E_RR_OOB), "rr_oob");
	cr_expect_str_eq(dns_err_name(DNS_E_COUNTS), "counts");
	cr_expect_str_eq(dns_err_name((enum dns_err)99), "unknown");
}

Test(dns_names, type_names)
{
	static const struct {
		uint16_t t;
		const char *n;
	} tab[] = {
		{ 1, "A" },	 { 28, "AAAA" },   { 5, "CNAME" }, { 12, "PTR" },
		{ 2, "NS" },	 { 15, "MX" },	   { 33, "SRV" },  { 16, "TXT" },
		{ 6, "SOA" },	 { 65, "HTTPS" },  { 64, "SVCB" }, { 41, "OPT" },
		{ 257, "CAA" },	 { 39, "DNAME" },  { 255, "ANY" }, { 252, "AXFR" },
		{ 46, "RRSIG" }, { 48, "DNSKEY" }, { 43, "DS" },   { 52, "TLSA" },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		cr_expect_str_eq(dns_type_name(tab[i].t), tab[i].n);
	cr_expect_null(dns_type_name(0));
	cr_expect_null(dns_type_name(65280));
	cr_expect_null(dns_type_name(65535));
}

Test(dns_names, rcode_names)
{
	static const char *const n[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					 "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					 "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI" };

	for (unsigned int i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		cr_expect_str_eq(dns_rcode_name((uint8_t)i), n[i]);
	for (unsigned int i = 12; i < 16; i++)
		cr_expect_null(dns_rcode_name((uint8_t)i));
	cr_expect_str_eq(dns_rcode_name(16), "BADVERS");
	cr_expect_str_eq(dns_rcode_name(23), "BADCOOKIE");
	cr_expect_null(dns_rcode_name(24));
	cr_expect_null(dns_rcode_name(255));
}

Test(dns_names, header_flags)
{
	struct dns_msg m = { .flags = 0xffff, .edns_do = 1 };
	const char *f[7];
	static const char *const all[] = { "AA", "TC", "RD", "RA", "AD", "CD", "DO" };

	cr_assert_eq(dns_header_flags(&m, f), 7);
	for (int i = 0; i < 7; i++)
		cr_expect_str_eq(f[i], all[i]);
	m.flags = 0x8000 | 0x0040 | 0x000f; /* QR, Z, rcode: none of them */
	m.edns_do = 0;
	cr_expect_eq(dns_header_flags(&m, f), 0);
	m.flags = DNS_F_TC | DNS_F_CD;
	cr_assert_eq(dns_header_flags(&m, f), 2);
	cr_expect_str_eq(f[0], "TC");
	cr_expect_str_eq(f[1], "CD");
}

/* A CNAME/NS target of binary labels (a tunnel's answer) is decoded whole
 * and cut to data[] at a whole escape, with "...": it never runs past it
 * (it did, before names could be longer than 253 characters). */
Test(dns_hostile, long_binary_target_cut_to_data)
{
	static const size_t l4[] = { 63, 63, 63, 61 }; /* 255 octets */

	hdr(&mb, 0x8000, 1, 1, 0, 0);
	question(&mb, "t.example.org", DNS_T_CNAME);
	ptr(&mb, 12);
	rrh(&mb, DNS_T_CNAME, 60, 255);
	long_name(&mb, l4, 4, 0xc8);
	cr_assert_eq(parse(&mb), DNS_OK);
	cr_assert_eq(msg.n_answers, 1);
	const char *d = msg.answers[0].data;
	size_t n = strlen(d);

	/* two labels of 63 escapes and their dots (506 chars): the next
	 * escape would pass data[]'s 508, so "..." follows */
	cr_expect_eq(n, 506 + 3, "%zu", n);
	cr_expect_eq(strncmp(d, "\\200\\200", 8), 0);
	cr_expect_str_eq(d + n - 8, "\\200....");
}
