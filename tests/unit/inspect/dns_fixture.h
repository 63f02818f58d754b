/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_fixture.h - DNS messages and samples built by hand (the DNS stage's
 * tests and the encoder's golden flows with a DNS name).
 */
#ifndef NT_TEST_DNS_FIXTURE_H
#define NT_TEST_DNS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "nettrail.h"

/* A query for name (A) with id, or its answer with one A record ip/ttl. */
size_t dnsfx_msg(uint8_t *b, uint16_t id, const char *name, int answer, const uint8_t ip[4],
		 uint32_t ttl);
/* A DNS sample between client 10.0.0.1:40000 (key side 0) and server
 * 10.0.0.53:53 (side 1), sent by `side`. */
void dnsfx_sample(struct nt_sample *s, int proto, int side, uint64_t ts, uint32_t seq,
		  const uint8_t *data, size_t n);
/* ip as an IPv4-mapped 16-byte address. */
void dnsfx_mapped(uint8_t out[16], const uint8_t ip[4]);

#endif
