// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_tls_hello.c - libFuzzer target for user/inspect/tls_hello.c.
 *
 * Feeds the input to both hello parsers and the cheap handshake check,
 * computes JA4/JA4_r and JA3 on every parsed ClientHello, and checks one
 * property: a ClientHello that parses from a single record parses to the
 * same fingerprints and names when its handshake message is cut into
 * records of any size (the size comes from the input).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser -Iinclude
 *        tests/fuzz/fuzz_tls_hello.c user/inspect/tls_hello.c -lcrypto -o "$TMPDIR/fz"
 * Run:   "$TMPDIR/fz" -max_total_time=120 tests/fuzz/corpus/tls_hello
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

struct prints {
	char ja4[37];
	char ja4_r[2048];
	char ja3[2048];
	char md5[33];
};

static void fingerprint(const struct tls_client_hello *ch, struct prints *p)
{
	tls_ja4(ch, 't', p->ja4, p->ja4_r, sizeof(p->ja4_r));
	tls_ja3(ch, p->ja3, sizeof(p->ja3), p->md5);
	if (strlen(p->ja4) != TLS_JA4_LEN)
		__builtin_trap();
	/* the small-buffer paths must cut, never overflow */
	{
		char small_r[7], small3[5], md5[33];
		char ja4[37];

		tls_ja4(ch, 'q', ja4, small_r, sizeof(small_r));
		tls_ja3(ch, small3, sizeof(small3), md5);
		if (strcmp(md5, p->md5) != 0 || strlen(small_r) > 6)
			__builtin_trap();
		tls_ja3(ch, NULL, 0, md5);
		tls_ja4(ch, 't', ja4, NULL, 0);
		if (strcmp(ja4, p->ja4) != 0)
			__builtin_trap();
	}
}

/* Re-frame the handshake message of a one-record ClientHello into records
 * of chunk bytes and check that nothing changes. */
static void check_fragmented(const uint8_t *data, size_t size, const struct tls_client_hello *ch,
			     const struct prints *want)
{
	static uint8_t out[2 * (TLS_HS_MAX_LEN + 4)];
	static struct tls_client_hello ch2;
	static struct prints got;
	size_t msg_len, chunk, o = 0;
	const uint8_t *msg;

	if (size < 9)
		return;
	msg = data + 5;
	msg_len = 4 + ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]);
	chunk = 1 + (size ^ msg_len ^ data[size - 1]) % msg_len;
	if (msg_len + 5 * (msg_len / chunk + 1) > sizeof(out))
		return;
	for (size_t i = 0; i < msg_len; i += chunk) {
		size_t n = msg_len - i < chunk ? msg_len - i : chunk;

		out[o++] = 0x16;
		out[o++] = data[1];
		out[o++] = data[2];
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, msg + i, n);
		o += n;
	}
	if (tls_parse_client_hello(out, o, &ch2) != TLS_OK)
		__builtin_trap();
	fingerprint(&ch2, &got);
	if (strcmp(got.ja4_r, want->ja4_r) || strcmp(got.ja3, want->ja3) ||
	    strcmp(got.ja4, want->ja4) || strcmp(ch2.sni, ch->sni) ||
	    ch2.sni_invalid != ch->sni_invalid || ch2.n_alpn != ch->n_alpn ||
	    ch2.record_version != ch->record_version)
		__builtin_trap();
	for (int i = 0; i < ch->n_alpn; i++)
		if (strcmp(ch2.alpn[i], ch->alpn[i]))
			__builtin_trap();
	/* every prefix of the re-framed message is incomplete */
	if (tls_parse_client_hello(out, o - 1, &ch2) != TLS_NEED_MORE)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_client_hello ch;
	static struct prints p;
	struct tls_server_hello sh;
	uint8_t *copy;

	/* an exact-size heap copy so ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	(void)tls_looks_like_handshake(copy, size);
	if (tls_parse_client_hello(copy, size, &ch) == TLS_OK) {
		fingerprint(&ch, &p);
		if (size >= 9 &&
		    (size_t)(copy[3] << 8 | copy[4]) >=
			    4 + ((size_t)copy[6] << 16 | (size_t)copy[7] << 8 | copy[8]))
			check_fragmented(copy, size, &ch, &p);
	}
	if (tls_parse_server_hello(copy, size, &sh) == TLS_OK)
		(void)tls_version_name(sh.selected_version);
	free(copy);
	return 0;
}
