// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_payload - the payload-sample path: hostile bytes cut into a series of
 * samples (TCP segments with arbitrary sequence numbers, UDP datagrams, DNS
 * packets) for a few flows, through reassembly, protocol detection, the
 * TLS parsers (hellos, certificate flights up to a 4 KiB cap) and the DNS
 * stage, then the metadata is read back.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser \
 *     tests/fuzz/fuzz_payload.c user/inspect/payload.c user/inspect/appproto.c \
 *     user/inspect/tls_hello.c user/inspect/tls_cert.c user/inspect/stream.c \
 *     user/inspect/dns.c user/inspect/dns_msg.c user/inspect/quic.c -lcrypto -o fuzz_payload
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "payload.h"

static void on_txn(void *ctx, const struct nt_dns_txn *t)
{
	(void)ctx;
	/* touch what a record writer reads */
	volatile size_t n = strlen(t->qname);

	if (t->answer)
		for (int i = 0; i < t->answer->n_answers; i++)
			n += strlen(t->answer->answers[i].data);
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nt_sample s;
	struct nt_dns_opts o = { .answer_timeout_ns = 5, .cache_max = 16, .emit = on_txn };
	struct nt_payload *pl = nt_payload_new();
	struct nt_dns *dns = nt_dns_new(&o);
	uint64_t ts = 0;

	nt_payload_set_dns(pl, dns);
	nt_payload_set_certs(pl, 4096, NULL, NULL);
	/* each chunk: 6 header bytes (flow, side/kind, seq, length) + data */
	while (size >= 6) {
		size_t n = (size_t)(data[4] << 8 | data[5]) % (NT_SAMPLE_MAX + 1);

		memset(&s, 0, offsetof(struct nt_sample, data));
		s.key.proto = (data[0] & 1) ? 17 : 6;
		s.key.ip_version = 4;
		s.key.port[0] = (data[0] & 2) ? 53 : 40000;
		s.key.port[1] = 443;
		s.key.addr[0][15] = data[0] >> 4;
		s.side = data[1] & 1;
		s.initiator = (data[1] >> 1) & 1;
		s.kind = (data[1] & 4) ? NT_SAMPLE_DNS :
			 (data[1] & 8) ? NT_SAMPLE_CERT :
					 NT_SAMPLE_FIRST;
		s.tcp_seq = (uint32_t)data[2] << 8 | data[3];
		s.ts_ns = ++ts;
		data += 6;
		size -= 6;
		if (n > size)
			n = size;
		memcpy(s.data, data, n);
		s.cap_len = (uint16_t)n;
		s.payload_len = (uint16_t)n;
		nt_payload_on_sample(pl, &s, sizeof(s));
		data += n;
		size -= n;
		nt_dns_expire(dns, ts);
	}
	for (int f = 0; f < 16; f++) {
		const struct nt_flow_meta *m;

		s.key.addr[0][15] = (uint8_t)f;
		for (int p = 0; p < 2; p++) {
			s.key.proto = p ? 17 : 6;
			for (int q = 0; q < 2; q++) {
				s.key.port[0] = q ? 53 : 40000;
				m = nt_payload_get(pl, &s.key);
				if (m && m->tls) {
					volatile size_t n =
						strlen(m->tls->sni) + strlen(m->tls->ja4);
					(void)n;
				}
			}
		}
	}
	nt_dns_flush(dns);
	nt_dns_free(dns);
	nt_payload_free(pl);
	return 0;
}
