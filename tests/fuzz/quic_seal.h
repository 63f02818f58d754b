/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * quic_seal.h - builds a protected QUIC client Initial packet (RFC 9001 5:
 * AES-128-GCM payload, then header protection), the reverse of what
 * user/inspect/quic.c opens. For tests, the fuzzer and the benchmark only
 * (header only; OpenSSL libcrypto).
 */
#ifndef NT_QUIC_SEAL_H
#define NT_QUIC_SEAL_H

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "quic.h"

struct quic_seal {
	uint32_t version;
	const uint8_t *dcid, *scid; /* header connection IDs */
	size_t dcid_len, scid_len;
	const uint8_t *key_cid; /* keys from this DCID; NULL: from dcid */
	size_t key_cid_len;
	uint32_t pn;
	size_t pn_len; /* 1 to 4 */
};

/*
 * quic_seal - the Initial carrying frames[0 .. flen), zero-padded (PADDING)
 * to at least pad payload bytes, into out (cap bytes). Its length, or 0
 * when it does not fit or libcrypto fails.
 */
static inline size_t quic_seal(const struct quic_seal *q, const uint8_t *frames, size_t flen,
			       size_t pad, uint8_t *out, size_t cap)
{
	struct nt_quic_keys k;
	uint8_t nonce[12], mask[16];
	size_t i = 0, pn_off, plen = flen > pad ? flen : pad, pnl = q->pn_len;
	int n, ok, v2 = q->version == NT_QUIC_V2;
	EVP_CIPHER_CTX *c;

	if (pnl < 1 || pnl > 4 || plen + pnl + 16 > 0x3fff || q->dcid_len > 20 ||
	    q->scid_len > 20 || 1 + 4 + 2 + q->dcid_len + q->scid_len + 3 + plen + pnl + 16 > cap)
		return 0;
	if (nt_quic_client_keys(q->version, q->key_cid ? q->key_cid : q->dcid,
				q->key_cid ? q->key_cid_len : q->dcid_len, &k))
		return 0;
	out[i++] = (uint8_t)(0xc0 | (v2 ? 1 : 0) << 4 | (pnl - 1));
	for (int s = 24; s >= 0; s -= 8)
		out[i++] = (uint8_t)(q->version >> s);
	out[i++] = (uint8_t)q->dcid_len;
	memcpy(out + i, q->dcid, q->dcid_len);
	i += q->dcid_len;
	out[i++] = (uint8_t)q->scid_len;
	memcpy(out + i, q->scid, q->scid_len);
	i += q->scid_len;
	out[i++] = 0; /* no token */
	out[i++] = (uint8_t)(0x40 | (pnl + plen + 16) >> 8);
	out[i++] = (uint8_t)(pnl + plen + 16);
	pn_off = i;
	memcpy(nonce, k.iv, 12);
	for (size_t j = 0; j < pnl; j++) {
		out[i++] = (uint8_t)(q->pn >> (8 * (pnl - 1 - j)));
		nonce[12 - pnl + j] ^= out[pn_off + j];
	}
	memcpy(out + i, frames, flen);
	memset(out + i + flen, 0, plen - flen);
	c = EVP_CIPHER_CTX_new();
	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) &&
	     EVP_EncryptUpdate(c, NULL, &n, out, (int)i) &&
	     EVP_EncryptUpdate(c, out + i, &n, out + i, (int)plen) &&
	     EVP_EncryptFinal_ex(c, out + i + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + i + plen) &&
	     EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) &&
	     EVP_EncryptUpdate(c, mask, &n, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return 0;
	out[0] ^= mask[0] & 0x0f;
	for (size_t j = 0; j < pnl; j++)
		out[pn_off + j] ^= mask[1 + j];
	return i + plen + 16;
}

#endif
