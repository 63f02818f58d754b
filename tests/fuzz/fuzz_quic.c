// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_quic.c - libFuzzer target for user/inspect/quic.c: QUIC Initial
 * parsing, header protection removal, decryption and CRYPTO reassembly,
 * then the TLS parser on the ClientHello it yields.
 *
 * Input: one byte choosing the version (v1, v2, draft-29) and the client's
 * DCID length, then chunks [kind][len, 2 bytes big-endian][bytes]:
 *   kind & 3 == 0  a raw datagram from the client (also nt_quic_look()),
 *               1  a raw datagram from the server (a Retry re-keys, an
 *                  Initial's ServerHello is parsed),
 *               2  Initial frames in plaintext, sealed here (quic_seal.h)
 *                  with the conn's keys and packet number kind >> 2, so
 *                  the fuzzer reaches the frame walk and the reassembly
 *                  behind the AEAD,
 *               3  the same sealed with a wrong key (must not open).
 * Properties: counters only go up, conns_alive returns to 0, a hello is
 * only ever reported whole, and its length is within the bound.
 *
 * Build: tests/suites/fuzz.sh (clang -fsanitize=fuzzer,address,undefined)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "quic.h"
#include "quic_seal.h"
#include "tls_hello.h"

static const uint32_t versions[3] = { NT_QUIC_V1, NT_QUIC_V2, 0xff00001d };

static void hello(struct nt_quic_conn *c)
{
	struct tls_client_hello ch;
	char ja4[37], ja4_r[2048], ja3[2048], md5[33];
	const uint8_t *h;
	size_t n = 0;

	h = nt_quic_hello(c, &n);
	if (!h || n < 4 || n > NT_QUIC_CRYPTO_MAX || h[0] != 1)
		__builtin_trap();
	if (tls_parse_client_hello_msg(h, n, &ch) == TLS_OK) {
		tls_ja4(&ch, 'q', ja4, ja4_r, sizeof(ja4_r));
		tls_ja3(&ch, ja3, sizeof(ja3), md5);
		if (ja4[0] != 'q')
			__builtin_trap();
	}
}

static void server_hello(struct nt_quic_conn *c)
{
	struct tls_server_hello sh;
	const uint8_t *h;
	size_t n = 0;

	h = nt_quic_server_hello(c, &n);
	if (!h || n < 9 || n > 5 + NT_QUIC_SERVER_MAX || h[5] != 2)
		__builtin_trap();
	tls_parse_server_hello(h, n, &sh);
}

/* A plaintext chunk sealed into a client Initial of the conn's DCID. */
static size_t seal(uint32_t version, const uint8_t *dcid, size_t dl, int kind, const uint8_t *p,
		   size_t n, uint8_t *out, size_t cap)
{
	static const uint8_t other[4] = { 9, 9, 9, 9 };
	struct quic_seal q = { version,
			       dcid,
			       (const uint8_t *)"\x01\x02",
			       dl,
			       2,
			       NULL,
			       0,
			       (uint32_t)kind >> 2,
			       1 + ((size_t)kind >> 2 & 3) };

	if ((kind & 3) == 3) {
		q.key_cid = other;
		q.key_cid_len = sizeof(other);
	}
	return quic_seal(&q, p, n, 1180, out, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[20000];
	static const uint8_t dcid[20] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 1,  2,
					  3,	4,    5,    6,	  7,	8,    9,    10,	  11, 12 };
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c;
	uint32_t version;
	size_t dl, i = 1;

	if (size < 1)
		return 0;
	version = versions[data[0] % 3];
	dl = (size_t)(data[0] >> 2) % 21;
	c = nt_quic_conn_new(&st);
	if (!c)
		return 0;
	while (i + 3 <= size) {
		int kind = data[i];
		size_t n = (size_t)data[i + 1] << 8 | data[i + 2], len;
		const uint8_t *p = data + i + 3;

		i += 3;
		if (n > size - i)
			n = size - i;
		i += n;
		switch (kind & 3) {
		case 0:
			nt_quic_look(p, n, n);
			if (nt_quic_client_datagram(c, p, n, &st) == NT_QUIC_HELLO)
				hello(c);
			break;
		case 1:
			if (nt_quic_server_datagram(c, p, n, &st) == NT_QUIC_HELLO)
				server_hello(c);
			break;
		default:
			len = seal(version, dcid, dl, kind, p, n, pkt, sizeof(pkt));
			if (len && nt_quic_client_datagram(c, pkt, len, &st) == NT_QUIC_HELLO)
				hello(c);
		}
	}
	nt_quic_conn_free(c, &st);
	if (st.conns_alive != 0)
		__builtin_trap();
	return 0;
}
