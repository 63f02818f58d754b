/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_msg.h - DNS message parser for untrusted bytes (RFC 1035, 3596, 2782,
 * 6891, 3597, 8659), for the ECS dns.* fields.
 *
 * Safety: every read is bounded by the message length; libresolv
 * (ns_initparse, dn_expand) is deliberately not used, so that this hot-ish
 * path checks every access itself and its limits are the ones written
 * here. Compression pointers must point strictly backwards, before the
 * start of the label sequence that holds them, so a name can never loop;
 * at most DNS_MAX_JUMPS pointers are followed per name. Only the question
 * and the first DNS_MAX_ANSWERS answers have their names decoded; every
 * other record (later answers, authority, additional) is walked in place
 * without following pointers, so the work is linear in the message size.
 * No heap, no recursion.
 *
 * Errors, first one wins, and out holds what was parsed before it:
 *  DNS_E_SHORT            header shorter than 12 bytes, or a question's
 *                         type/class cut off
 *  DNS_E_NAME_LOOP        more than DNS_MAX_JUMPS pointers in one name
 *  DNS_E_NAME_FORWARD_PTR a pointer to itself, forward, or into the label
 *                         sequence that holds it (every a->b->a loop ends
 *                         here: one of its pointers is not backwards)
 *  DNS_E_NAME_OOB         a label, pointer or pointer target past the end
 *  DNS_E_NAME_TOO_LONG    wire form longer than 255 octets (RFC 1035 3.1,
 *                         length bytes and the root label included). The
 *                         text form may be longer than 253 characters: a
 *                         byte escaped as \DDD takes 4, and a tunnel's
 *                         binary labels (iodine) are exactly what must be
 *                         seen, not refused
 *  DNS_E_LABEL            label type 0x40 or 0x80 (RFC 6891 obsoleted them)
 *  DNS_E_RR_OOB           an RR's fixed fields or RDATA past the end, or
 *                         RDATA that does not match its type (A not 4
 *                         bytes, a name not ending at RDATA's end, ...)
 *  DNS_E_COUNTS           the message ends where the header counts promise
 *                         another question or record
 * Bytes after the last counted record are ignored.
 */
#ifndef NETTRAIL_DNS_MSG_H
#define NETTRAIL_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

/* text form, NUL included: the longest text is a 255-octet wire name of
 * four labels holding 250 bytes, every one escaped: 1,000 + 3 dots */
#define DNS_MAX_NAME	1004
#define DNS_MAX_ANSWERS 32
#define DNS_MAX_JUMPS	64  /* compression pointers followed per name */
#define DNS_DATA_MAX	512 /* dns_rr.data, NUL included */
#define DNS_HDR_LEN	12

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.2). */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010

enum {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_DNAME = 39,
	DNS_T_OPT = 41,
	DNS_T_SVCB = 64,
	DNS_T_HTTPS = 65,
	DNS_T_CAA = 257,
};

/*
 * One answer. name and data are NUL-terminated printable ASCII (0x20..0x7e).
 * Names: labels joined by '.', no trailing dot, the root as "."; a label
 * byte outside 0x21..0x7e, or '.' or '\', is written \DDD (decimal).
 * data by type:
 *   A, AAAA           "192.0.2.1", "2001:db8::1" (ip/ip_len set too)
 *   CNAME NS PTR DNAME the name
 *   MX                "10 mail.example.com"
 *   SRV               "prio weight port target"
 *   TXT               each character-string quoted, '"' and '\' escaped
 *                     with '\', bytes outside 0x20..0x7e as \DDD; joined
 *                     by one space
 *   SOA               "mname rname serial refresh retry expire minimum"
 *   CAA               "flags tag \"value\"" (value escaped as TXT)
 *   anything else     RFC 3597 "\# <len> <hex>", lowercase hex
 * Text that does not fit data[] is cut at a whole character or escape and
 * ends with "...".
 */
struct dns_rr {
	char name[DNS_MAX_NAME];
	uint16_t type, class;
	uint32_t ttl;
	char data[DNS_DATA_MAX];
	uint8_t ip[16];
	uint8_t ip_len; /* 4/16 for A/AAAA, else 0 */
};

struct dns_msg {
	uint16_t id, flags; /* flags: the whole second header word */
	uint8_t qr, opcode, rcode;
	/*
	 * rcode is extended by EDNS OPT when present (RFC 6891 6.1.3):
	 * (OPT extended-rcode << 4) | header rcode. The assigned extended
	 * codes (16..23) fit; a combined value above 255 (unassigned or
	 * private use) cannot, and rcode then keeps the header's 4 bits.
	 */
	uint16_t qdcount, ancount, nscount, arcount;
	char qname[DNS_MAX_NAME];
	uint16_t qtype, qclass;
	uint8_t has_question; /* the first question was parsed whole */
	struct dns_rr answers[DNS_MAX_ANSWERS];
	uint8_t n_answers;	   /* answers parsed whole */
	uint8_t answers_truncated; /* more than DNS_MAX_ANSWERS were there */
	uint8_t edns_do;	   /* DO bit from OPT */
	uint8_t has_edns;	   /* an OPT record was seen (the first one counts) */
	uint16_t edns_udp_size;	   /* its CLASS: the sender's UDP payload size */
	uint8_t edns_version;
};

enum dns_err {
	DNS_OK = 0,
	DNS_E_SHORT,
	DNS_E_NAME_LOOP,
	DNS_E_NAME_FORWARD_PTR,
	DNS_E_NAME_OOB,
	DNS_E_NAME_TOO_LONG,
	DNS_E_LABEL,
	DNS_E_RR_OOB,
	DNS_E_COUNTS,
};

/*
 * Parses one DNS message (UDP payload, or a TCP message without its 2-byte
 * length prefix). Never reads outside buf, never loops forever. Returns
 * DNS_OK or the first error; partial results in out are valid up to the
 * error. Every field of out is reset first except answers[], whose
 * entries past n_answers are left as they were (it is 25 KiB; clearing
 * it would cost more than a whole parse).
 */
enum dns_err dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out);

/* "ok", "short", "name_loop", ...; "unknown" outside the enum. */
const char *dns_err_name(enum dns_err e);

/* "A","AAAA","CNAME",...; NULL if unknown (callers print TYPE<n>, RFC 3597). */
const char *dns_type_name(uint16_t type);

/* "NOERROR","FORMERR",...,"BADVERS","BADCOOKIE"; NULL if unassigned. */
const char *dns_rcode_name(uint8_t rcode);

/*
 * Writes the header flags that are set, in this order, as ECS expects:
 * "AA","TC","RD","RA","AD","CD","DO"; returns how many (at most 7).
 */
size_t dns_header_flags(const struct dns_msg *m, const char *out[7]);

/*
 * TCP framing helper (RFC 1035 4.2.2, RFC 7766): given the bytes of one
 * direction starting at a message boundary, returns the length of the
 * first complete message (2-byte prefix excluded) and points *payload at
 * it; the next message starts 2 + that length bytes on. Returns 0 when
 * more bytes are needed, with *payload NULL. A zero length prefix is no
 * message: it returns 0 with *payload = stream + 2, so a caller that
 * checks *payload can skip those 2 bytes instead of waiting forever.
 */
size_t dns_tcp_next(const uint8_t *stream, size_t len, const uint8_t **payload);

#endif /* NETTRAIL_DNS_MSG_H */
