// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_tls_cert - the Certificate-message path: hostile bytes as the start
 * of a handshake flight (records -> the Certificate message, tls_cert_find)
 * and, found or not, as a Certificate message body (tls_cert_parse with
 * OpenSSL, through a 4-entry cache of decoded certificates), with an SNI
 * for the name check; every field of a parsed
 * message is read back. Memory is bounded by the input: the scratch buffer
 * is 32 KiB (the default cap), the parser keeps at most 11 certificates.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser \
 *     tests/fuzz/fuzz_tls_cert.c user/inspect/tls_cert.c -lcrypto -o fuzz_tls_cert
 */
#include <stdint.h>
#include <string.h>

#include "tls_cert.h"

static void touch(const struct tls_certs *c)
{
	volatile size_t n = 0;

	if (c->has_leaf) {
		const struct tls_x509 *l = &c->leaf;

		n += strlen(l->subject ? l->subject : "") + strlen(l->issuer ? l->issuer : "");
		n += strlen(l->sha1) + strlen(l->sha256) + strlen(l->serial ? l->serial : "");
		for (int a = 0; a < TLS_CERT_N_ATTRS; a++)
			for (int i = 0; i < l->subj[a].n; i++)
				n += strlen(l->subj[a].v[i]);
		for (int i = 0; i < l->alt_names.n; i++)
			n += strlen(l->alt_names.v[i]);
	}
	for (int i = 0; i < c->n_chain; i++)
		n += strlen(c->chain[i].sha256);
	(void)n;
}

static void parse(const uint8_t *p, size_t n)
{
	static struct tls_cert_cache *cache; /* small: eviction is exercised */
	struct tls_certs c;

	if (!cache)
		cache = tls_cert_cache_new(4);
	if (tls_cert_parse(p, n, "api.example.test", cache, &c) == 0) {
		touch(&c);
		tls_certs_free(&c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[32768];
	const uint8_t *msg = NULL;
	size_t len = 0;

	if (tls_cert_find(data, size, scratch, sizeof(scratch), &msg, &len) == TLS_CERT_FOUND)
		parse(msg, len);
	parse(data, size);
	return 0;
}
