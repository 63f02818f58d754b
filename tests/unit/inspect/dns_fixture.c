// SPDX-License-Identifier: BSD-2-Clause
/* dns_fixture.c - DNS messages and samples built by hand for the unit tests. */
#include "dns_fixture.h"

#include <stddef.h>
#include <string.h>

/* A query for NAME (A) with id, or its answer with one A record ip/ttl. */
size_t dnsfx_msg(uint8_t *b, uint16_t id, const char *name, int answer, const uint8_t ip[4],
		 uint32_t ttl)
{
	size_t n = 0;

	b[n++] = id >> 8;
	b[n++] = id & 0xff;
	b[n++] = answer ? 0x81 : 0x01;
	b[n++] = answer ? 0x80 : 0x00;
	memcpy(b + n, answer ? "\0\1\0\1\0\0\0\0" : "\0\1\0\0\0\0\0\0", 8);
	n += 8;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	if (answer) {
		memcpy(b + n, "\xc0\x0c\0\1\0\1", 6);
		n += 6;
		b[n++] = ttl >> 24;
		b[n++] = ttl >> 16;
		b[n++] = ttl >> 8;
		b[n++] = ttl;
		b[n++] = 0;
		b[n++] = 4;
		memcpy(b + n, ip, 4);
		n += 4;
	}
	return n;
}

void dnsfx_sample(struct nt_sample *s, int proto, int side, uint64_t ts, uint32_t seq,
		  const uint8_t *data, size_t n)
{
	memset(s, 0, offsetof(struct nt_sample, data));
	s->key.proto = (uint8_t)proto;
	s->key.ip_version = 4;
	for (int i = 0; i < 2; i++) {
		s->key.addr[i][10] = s->key.addr[i][11] = 0xff;
		s->key.addr[i][12] = 10;
	}
	s->key.addr[0][15] = 1;	 /* client 10.0.0.1, side 0 */
	s->key.addr[1][15] = 53; /* server 10.0.0.53, side 1 */
	s->key.port[0] = 40000;
	s->key.port[1] = 53;
	s->side = (uint8_t)side;
	s->ts_ns = ts;
	s->tcp_seq = seq;
	s->kind = NT_SAMPLE_DNS;
	memcpy(s->data, data, n);
	s->cap_len = (uint16_t)n;
}

void dnsfx_mapped(uint8_t out[16], const uint8_t ip[4])
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, ip, 4);
}
