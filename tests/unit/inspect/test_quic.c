// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_quic.c - QUIC Initial keys, header protection, decryption and
 * CRYPTO reassembly (user/inspect/quic.c), and the ClientHello it yields
 * through the TLS parser.
 *
 * Vectors:
 *  - RFC 9001 Appendix A (A.1 keys, A.2 the client's protected Initial, whose
 *    CRYPTO frame holds a 241-byte ClientHello: SNI example.com, ALPN
 *    "alpn", TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384);
 *  - RFC 9369 Appendix A (the same ClientHello under QUIC version 2);
 *  - draft-ietf-quic-tls-29 Appendix A.1 (keys under the draft-29 salt);
 *  - RFC 9001 and RFC 9369 A.1 server keys and A.3, the server's Initial
 *    (its ServerHello: TLS 1.3, TLS_AES_128_GCM_SHA256).
 *  Expected JA4 q13d0211an_62ed6f6ca7ad_4d634acda6c0 and JA3
 *  41bc9ae914d6cb3bd0bd0a5453ab7d7f: computed from the RFC's bytes by an
 *  independent Python script applying JA4.md and salesforce/ja3 (and
 *  equal to a previous session's independent result).
 *  - Packets built here with the RFC's keys (protect() below, OpenSSL)
 *    split the RFC's ClientHello over 3 Initials, reordered, coalesced,
 *    around a Retry, or broken on purpose.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fuzz/quic_seal.h"
#include "payload.h"
#include "quic.h"
#include "tls_hello.h"

static const char rfc9001_a2[] = "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
				 "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
				 "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
				 "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
				 "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
				 "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
				 "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
				 "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
				 "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
				 "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
				 "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
				 "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
				 "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
				 "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
				 "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
				 "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
				 "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
				 "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
				 "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
				 "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
				 "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
				 "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
				 "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
				 "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
				 "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
				 "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
				 "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
				 "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
				 "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
				 "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
				 "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
				 "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
				 "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
				 "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
				 "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
				 "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
				 "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
				 "e221af44860018ab0856972e194cd934";

static const char rfc9369_a2[] = "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
				 "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
				 "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
				 "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
				 "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
				 "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
				 "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
				 "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
				 "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
				 "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
				 "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
				 "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
				 "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
				 "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
				 "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
				 "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
				 "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
				 "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
				 "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
				 "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
				 "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
				 "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
				 "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
				 "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
				 "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
				 "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
				 "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
				 "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
				 "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
				 "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
				 "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
				 "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
				 "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
				 "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
				 "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
				 "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
				 "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
				 "a18b2faa745b6fe189cf772a9f84cbfc";

static const char a2_frames[] = "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
				"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
				"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
				"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
				"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
				"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
				"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
				"75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 A.3 and RFC 9369 A.3: the server's Initial (ACK, CRYPTO with a
 * ServerHello: TLS 1.3, TLS_AES_128_GCM_SHA256), 2-byte packet number. */
static const char rfc9001_a3[] = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
				 "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
				 "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
				 "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
				 "2158407dd074ee";
static const char rfc9369_a3[] = "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
				 "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
				 "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
				 "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
				 "4bed8521e2e140";

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < max; s += 2) {
		unsigned v;

		cr_assert_eq(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void assert_hex(const uint8_t *b, size_t n, const char *want)
{
	uint8_t w[64];

	cr_assert_eq(unhex(want, w, sizeof(w)), n);
	cr_assert_arr_eq(b, w, n, "want %s", want);
}

/* The RFC's ClientHello: the CRYPTO frame's data (after 06 00 40f1). */
static size_t rfc_hello(uint8_t *out)
{
	uint8_t f[300];
	size_t n = unhex(a2_frames, f, sizeof(f));

	cr_assert_eq(n, 245);
	memcpy(out, f + 4, 241);
	return 241;
}

/* When set, protect() seals with this DCID's keys, not the header's. */
static const uint8_t *key_cid;
static size_t key_cl;

/* A protected client Initial (quic_seal.h): frames padded with PADDING to
 * `pad` bytes of payload. */
static size_t protect(uint8_t *out, uint32_t version, const uint8_t *dcid, size_t dl,
		      const uint8_t *scid, size_t sl, uint32_t pn, size_t pnl,
		      const uint8_t *frames, size_t flen, size_t pad)
{
	struct quic_seal q = { version, dcid, scid, dl, sl, key_cid, key_cl, pn, pnl };
	size_t n = quic_seal(&q, frames, flen, pad, out, 1400);

	cr_assert_gt(n, 0);
	return n;
}

/* A CRYPTO frame (2-byte offset and length varints) of hello[off..off+len). */
static size_t crypto_frame(uint8_t *out, const uint8_t *hello, size_t off, size_t len)
{
	out[0] = 0x06;
	out[1] = (uint8_t)(0x40 | off >> 8);
	out[2] = (uint8_t)off;
	out[3] = (uint8_t)(0x40 | len >> 8);
	out[4] = (uint8_t)len;
	memcpy(out + 5, hello + off, len);
	return 5 + len;
}

/* The RFC's ClientHello in 3 Initials (pn 0, 1, 2) of 1200-byte datagrams:
 * bytes [0, 80), [80, 160), [160, 241); packet 1 also has PING and ACK. */
static size_t three_packets(uint8_t pkt[3][1400], uint32_t version, const uint8_t *dcid, size_t dl)
{
	uint8_t hello[241], f[400];
	size_t n, len = 0;
	static const size_t cut[4] = { 0, 80, 160, 241 };

	rfc_hello(hello);
	for (int p = 0; p < 3; p++) {
		size_t fl = 0;

		if (p == 1) {
			f[fl++] = 0x01;					   /* PING */
			memcpy(f + fl, "\x02\x00\x00\x01\x00\x00\x00", 7); /* ACK, 1 range */
			fl += 7;
		}
		fl += crypto_frame(f + fl, hello, cut[p], cut[p + 1] - cut[p]);
		n = protect(pkt[p], version, dcid, dl, (const uint8_t *)"\x11\x22", 2, (uint32_t)p,
			    (size_t)p + 1, f, fl, 1172 - (size_t)p);
		cr_assert_geq(n, 1200);
		cr_assert(!len || n == len); /* the same length each */
		len = n;
	}
	return len;
}

static void check_rfc_hello(struct nt_quic_conn *c)
{
	struct tls_client_hello ch;
	uint8_t want[241];
	const uint8_t *h;
	size_t n = 0;
	char ja4[37], ja4_r[1024], ja3[1024], md5[33];

	rfc_hello(want);
	h = nt_quic_hello(c, &n);
	cr_assert_not_null(h);
	cr_assert_eq(n, 241);
	cr_assert_arr_eq(h, want, 241);
	cr_assert_eq(tls_parse_client_hello_msg(h, n, &ch), TLS_OK);
	cr_assert_str_eq(ch.sni, "example.com");
	cr_assert_eq(ch.n_alpn, 1);
	cr_assert_str_eq(ch.alpn[0], "alpn");
	tls_ja4(&ch, 'q', ja4, ja4_r, sizeof(ja4_r));
	cr_assert_str_eq(ja4, "q13d0211an_62ed6f6ca7ad_4d634acda6c0");
	cr_assert_str_eq(ja4_r, "q13d0211an_1301,1302_0005,000a,000d,001c,002b,002d,0033,0039,"
				"ff01_0403,0503,0603,0203,0804,0805,0806");
	tls_ja3(&ch, ja3, sizeof(ja3), md5);
	cr_assert_str_eq(ja3, "771,4865-4866,0-65281-10-16-5-51-43-13-45-28-57,29-23-24,");
	cr_assert_str_eq(md5, "41bc9ae914d6cb3bd0bd0a5453ab7d7f");
}

/* The client Initial keys of each version's Appendix A.1 (RFC 9001 for v1,
 * RFC 9369 for v2; draft-ietf-quic-tls-29: its own salt, v1's labels). */
Test(quic, keys_appendix_a1)
{
	static const struct {
		uint32_t version;
		const char *key, *iv, *hp;
	} cases[] = {
		{ NT_QUIC_V1, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
		  "9f50449e04a0e810283a1e9933adedd2" },
		{ NT_QUIC_V2, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
		  "45b95e15235d6f45a6b19cbcb0294ba9" },
		{ 0xff00001d, "175257a31eb09dea9366d8bb79ad80ba", "6b26114b9cba2b63a9e8dd4f",
		  "9ddd12c994c0698b89374a9c077a3077" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nt_quic_keys k;

		cr_assert_eq(nt_quic_client_keys(cases[i].version, rfc_dcid, 8, &k), 0,
			     "version %#x", cases[i].version);
		assert_hex(k.key, 16, cases[i].key);
		assert_hex(k.iv, 12, cases[i].iv);
		assert_hex(k.hp, 16, cases[i].hp);
	}
}

Test(quic, keys_unknown_version)
{
	struct nt_quic_keys k;

	cr_assert_eq(nt_quic_client_keys(0x0a0a0a0a, rfc_dcid, 8, &k), -1);
	cr_assert_eq(nt_quic_client_keys(NT_QUIC_V1, rfc_dcid, 21, &k), -1);
}

/* RFC 9001 A.2: sample d1b1c98d... gives mask 437b9aec36 under hp. */
Test(quic, header_protection_mask_rfc9001_a2)
{
	struct nt_quic_keys k;
	uint8_t pkt[1300], mask[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	cr_assert_eq(unhex(rfc9001_a2, pkt, sizeof(pkt)), 1200);
	cr_assert_eq(nt_quic_client_keys(NT_QUIC_V1, rfc_dcid, 8, &k), 0);
	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	cr_assert(EVP_EncryptUpdate(c, mask, &n, pkt + 22, 16)); /* pn_off 18 + 4 */
	EVP_CIPHER_CTX_free(c);
	assert_hex(mask, 5, "437b9aec36");
	/* unmasked: first byte c3 (4-byte pn), packet number 2 */
	cr_assert_eq(pkt[0] ^ (mask[0] & 0x0f), 0xc3);
	cr_assert_eq(pkt[21] ^ mask[4], 0x02);
}

Test(quic, server_keys_rfc9001_and_rfc9369_a1)
{
	struct nt_quic_keys k;

	cr_assert_eq(nt_quic_server_keys(NT_QUIC_V1, rfc_dcid, 8, &k), 0);
	assert_hex(k.key, 16, "cf3a5331653c364c88f0f379b6067e37");
	assert_hex(k.iv, 12, "0ac1493ca1905853b0bba03e");
	assert_hex(k.hp, 16, "c206b8d9b9f0f37644430b490eeaa314");
	cr_assert_eq(nt_quic_server_keys(NT_QUIC_V2, rfc_dcid, 8, &k), 0);
	assert_hex(k.key, 16, "82db637861d55e1d011f19ea71d5d2a7");
	assert_hex(k.iv, 12, "dd13c276499c0249d3310652");
	assert_hex(k.hp, 16, "edf6d05c83121201b436e16877593c3a");
}

/* The client's A.2 Initial, then the server's A.3: its ServerHello. */
static void server_hello_rfc(const char *client, const char *server)
{
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	struct tls_server_hello sh;
	uint8_t pkt[1300];
	const uint8_t *h;
	size_t n = unhex(server, pkt, sizeof(pkt)), cn;

	/* nothing from the server counts before the client's Initial */
	cr_assert_eq(nt_quic_server_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.initials, 0);
	cn = unhex(client, pkt, sizeof(pkt));
	cr_assert_eq(nt_quic_client_datagram(c, pkt, cn, &st), NT_QUIC_HELLO);
	cr_assert_not(nt_quic_finished(c));
	n = unhex(server, pkt, sizeof(pkt));
	cr_assert_eq(n, 135);
	cr_assert_eq(nt_quic_server_datagram(c, pkt, n, &st), NT_QUIC_HELLO);
	cr_assert(nt_quic_finished(c));
	cr_assert_eq(st.server_hellos, 1);
	cr_assert_eq(st.initials, 2);
	h = nt_quic_server_hello(c, &n);
	cr_assert_not_null(h);
	cr_assert_eq(n, 5 + 90);
	cr_assert_eq(tls_parse_server_hello(h, n, &sh), TLS_OK);
	cr_assert_eq(sh.selected_version, 0x0304);
	cr_assert_eq(sh.cipher, 0x1301);
	nt_quic_conn_free(c, &st);
	cr_assert_eq(st.decrypt_failures + st.crypto_gaps, 0);
}

Test(quic, rfc9001_a3_server_initial)
{
	server_hello_rfc(rfc9001_a2, rfc9001_a3);
}

Test(quic, rfc9369_a3_server_initial_v2)
{
	server_hello_rfc(rfc9369_a2, rfc9369_a3);
}

static void open_rfc_packet(const char *hex, uint32_t version, const char *vname)
{
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	const struct nt_quic_meta *m;
	uint8_t pkt[1300];
	size_t n = unhex(hex, pkt, sizeof(pkt));

	cr_assert_eq(n, 1200);
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_INITIAL);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_HELLO);
	cr_assert_eq(st.initials, 1);
	cr_assert_eq(st.client_hellos, 1);
	cr_assert_eq(st.decrypt_failures + st.truncated + st.frame_errors + st.crypto_absurd, 0);
	m = nt_quic_meta(c);
	cr_assert_not_null(m);
	cr_assert_eq(m->version, version);
	cr_assert_str_eq(nt_quic_version_name(m->version), vname);
	cr_assert_eq(m->dcid_len, 8);
	cr_assert_arr_eq(m->dcid, rfc_dcid, 8);
	cr_assert_eq(m->scid_len, 0);
	check_rfc_hello(c);
	nt_quic_conn_free(c, &st);
	cr_assert_eq(st.conns_alive, 0);
	cr_assert_eq(st.crypto_gaps, 0);
}

Test(quic, rfc9001_a2_client_initial)
{
	open_rfc_packet(rfc9001_a2, NT_QUIC_V1, "1");
}

Test(quic, rfc9369_a2_client_initial_v2)
{
	open_rfc_packet(rfc9369_a2, NT_QUIC_V2, "2");
}

/* The ClientHello split over 3 Initials, fed in each of the 6 orders, one
 * datagram each: complete only after the third, whatever the order. */
Test(quic, crypto_three_packets_every_order)
{
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					  { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	uint8_t pkt[3][1400];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8);

	for (int o = 0; o < 6; o++) {
		struct nt_quic_stats st = { 0 };
		struct nt_quic_conn *c = nt_quic_conn_new(&st);

		for (int i = 0; i < 3; i++)
			cr_assert_eq(nt_quic_client_datagram(c, pkt[orders[o][i]], n, &st),
				     i < 2 ? NT_QUIC_MORE : NT_QUIC_HELLO, "order %d step %d", o,
				     i);
		cr_assert_eq(st.initials, 3);
		cr_assert_eq(nt_quic_meta(c)->scid_len, 2);
		check_rfc_hello(c);
		nt_quic_conn_free(c, &st);
		cr_assert_eq(st.crypto_gaps + st.frame_errors + st.decrypt_failures, 0);
	}
}

/* The same 3 Initials coalesced in one datagram (in reverse), and a
 * retransmission of the first one on its own before it. */
Test(quic, crypto_coalesced_and_repeated)
{
	uint8_t pkt[3][1400], dgram[4200];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8);
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);

	memcpy(dgram, pkt[2], n);
	memcpy(dgram + n, pkt[1], n);
	memcpy(dgram + 2 * n, pkt[0], n);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[0], n, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, dgram, 3 * n, &st), NT_QUIC_HELLO);
	cr_assert_eq(st.initials, 3); /* done after the second packet: the third not opened */
	check_rfc_hello(c);
	nt_quic_conn_free(c, &st);
}

/* A Handshake packet coalesced ahead of an Initial is stepped over. */
Test(quic, coalesced_handshake_skipped)
{
	uint8_t pkt[1300], dgram[1400] = { 0xe0, 0, 0, 0, 1, 0, 0, 0x40, 0x10 };
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n = unhex(rfc9001_a2, pkt, sizeof(pkt));

	/* e0: Handshake, v1, empty CIDs, Length 16 */
	memcpy(dgram + 9 + 16, pkt, n);
	cr_assert_eq(nt_quic_client_datagram(c, dgram, 9 + 16 + n, &st), NT_QUIC_HELLO);
	cr_assert_eq(st.initials, 1);
	nt_quic_conn_free(c, &st);
}

/* After the server's first Initial the client's DCID changes, but its
 * Initials stay under the first DCID's keys: the third packet carries the
 * server's CID and is opened with the first DCID's keys. */
Test(quic, later_dcid_first_keys)
{
	uint8_t pkt[3][1400], later[3][1400];
	static const uint8_t server_cid[5] = { 1, 2, 3, 4, 5 };
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8), n2;
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);

	key_cid = rfc_dcid;
	key_cl = 8;
	n2 = three_packets(later, NT_QUIC_V1, server_cid, 5);
	key_cid = NULL;
	cr_assert_eq(nt_quic_client_datagram(c, pkt[0], n, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[1], n, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, later[2], n2, &st), NT_QUIC_HELLO);
	cr_assert_eq(st.decrypt_failures, 0);
	cr_assert_arr_eq(nt_quic_meta(c)->dcid, rfc_dcid, 8); /* the first DCID */
	check_rfc_hello(c);
	nt_quic_conn_free(c, &st);
}

/* A Retry (RFC 9001 A.4: new SCID f067a5502a4262b5): the client's next
 * Initials are under keys from the new DCID and carry the CRYPTO stream
 * from offset 0 again. Packet 0 before the Retry; after it, all three
 * under the Retry's CID (two coalesced); a late pre-Retry packet 1 after
 * the first post-Retry one is left out. The first DCID stays the
 * client's initial DCID. */
Test(quic, retry_rekeys)
{
	uint8_t pkt[3][1400], after[3][1400], retry[64], dgram[2800];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8), rn, n2;
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);

	rn = unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba",
		   retry, sizeof(retry));
	n2 = three_packets(after, NT_QUIC_V1, retry + 7, 8);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[0], n, &st), NT_QUIC_MORE);
	nt_quic_server_datagram(c, retry, rn, &st);
	cr_assert_eq(st.retries, 1);
	cr_assert_eq(nt_quic_client_datagram(c, after[2], n2, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[1], n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.initials, 3);
	memcpy(dgram, after[1], n2);
	memcpy(dgram + n2, after[0], n2);
	cr_assert_eq(nt_quic_client_datagram(c, dgram, 2 * n2, &st), NT_QUIC_HELLO);
	cr_assert_eq(st.initials, 5);
	cr_assert_eq(st.decrypt_failures, 0);
	cr_assert(nt_quic_meta(c)->retry);
	cr_assert_arr_eq(nt_quic_meta(c)->dcid, rfc_dcid, 8);
	check_rfc_hello(c);
	/* a second Retry is ignored */
	nt_quic_server_datagram(c, retry, rn, &st);
	cr_assert_eq(st.retries, 1);
	nt_quic_conn_free(c, &st);
}

/* The flight before the Retry completes after it (the client sent it
 * before the Retry arrived): its hello counts. */
Test(quic, retry_after_whole_first_flight)
{
	uint8_t pkt[3][1400], retry[64];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8), rn;
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);

	rn = unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba",
		   retry, sizeof(retry));
	cr_assert_eq(nt_quic_client_datagram(c, pkt[0], n, &st), NT_QUIC_MORE);
	nt_quic_server_datagram(c, retry, rn, &st);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[1], n, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[2], n, &st), NT_QUIC_HELLO);
	cr_assert(nt_quic_meta(c)->retry);
	check_rfc_hello(c);
	nt_quic_conn_free(c, &st);
}

Test(quic, truncated_initial_counted)
{
	uint8_t pkt[1300];
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n = unhex(rfc9001_a2, pkt, sizeof(pkt));

	cr_assert_eq(nt_quic_client_datagram(c, pkt, 600, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, 30, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, 12, &st), NT_QUIC_MORE); /* in the CIDs */
	cr_assert_eq(st.truncated, 3);
	cr_assert_eq(st.initials + st.decrypt_failures, 0);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_HELLO);
	nt_quic_conn_free(c, &st);
}

Test(quic, gcm_failure_counted)
{
	uint8_t pkt[1300];
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n = unhex(rfc9001_a2, pkt, sizeof(pkt));

	pkt[500] ^= 0x01; /* one bit of ciphertext */
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	pkt[500] ^= 0x01;
	pkt[1199] ^= 0x80; /* one bit of the tag */
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	pkt[1199] ^= 0x80;
	pkt[10] ^= 0x01; /* the DCID: other keys, other AAD */
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.decrypt_failures, 3);
	cr_assert_eq(st.initials, 0);
	cr_assert_null(nt_quic_meta(c));
	nt_quic_conn_free(c, &st);
}

Test(quic, unknown_version_counted)
{
	uint8_t pkt[1300];
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n = unhex(rfc9001_a2, pkt, sizeof(pkt));

	memcpy(pkt + 1, "\x51\x30\x35\x30", 4); /* gQUIC Q050 */
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_UNKNOWN_VERSION);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.unknown_versions, 1);
	/* version 0 is Version Negotiation: not counted */
	memset(pkt + 1, 0, 4);
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_NOT);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.unknown_versions, 1);
	nt_quic_conn_free(c, &st);
}

Test(quic, look_rejects)
{
	uint8_t pkt[1300];
	size_t n = unhex(rfc9001_a2, pkt, sizeof(pkt));

	cr_assert_eq(nt_quic_look(pkt, n, 1199), NT_QUIC_NOT); /* under 1200 bytes */
	cr_assert_eq(nt_quic_look(pkt, 1, n), NT_QUIC_NOT);
	pkt[0] = 0xe0; /* Handshake */
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_NOT);
	pkt[0] = 0x40; /* short header */
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_NOT);
	pkt[0] = 0xc0;
	pkt[5] = 21; /* DCID too long */
	cr_assert_eq(nt_quic_look(pkt, n, n), NT_QUIC_NOT);
}

/* Packets 0 and 2 only: a hole that never fills, counted when freed. */
Test(quic, crypto_gap_counted)
{
	uint8_t pkt[3][1400];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8);
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);

	cr_assert_eq(nt_quic_client_datagram(c, pkt[0], n, &st), NT_QUIC_MORE);
	cr_assert_eq(nt_quic_client_datagram(c, pkt[2], n, &st), NT_QUIC_MORE);
	cr_assert_null(nt_quic_hello(c, &n));
	nt_quic_conn_free(c, &st);
	cr_assert_eq(st.crypto_gaps, 1);
	cr_assert_eq(st.conns_alive, 0);
}

/* One Initial with the given frames (v1, the RFC's DCID). */
static size_t one_packet(uint8_t *out, const uint8_t *f, size_t fl)
{
	return protect(out, NT_QUIC_V1, rfc_dcid, 8, (const uint8_t *)"", 0, 0, 1, f, fl, 1160);
}

Test(quic, crypto_absurd_and_holes_counted)
{
	uint8_t pkt[1400], f[600], src[200];
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n, fl = 0;

	/* offset 2^40: past any ClientHello */
	memcpy(f, "\x06\xc0\x00\x01\x00\x00\x00\x00\x00\x01\x41", 11);
	n = one_packet(pkt, f, 11);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.crypto_absurd, 1);
	/* a length past the packet */
	memcpy(f, "\x06\x00\x7f\xff", 4);
	n = one_packet(pkt, f, 4);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.crypto_absurd, 2);
	/* 17 one-byte ranges with holes between: the 17th is one too many */
	memset(src, 0x41, sizeof(src));
	for (int i = 0; i < 17; i++)
		fl += crypto_frame(f + fl, src, 100 + 2 * (size_t)i, 1);
	n = one_packet(pkt, f, fl);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.crypto_gaps, 1);
	cr_assert_eq(st.initials, 3);
	nt_quic_conn_free(c, &st);
	cr_assert_eq(st.crypto_gaps, 2); /* and the holes left at the end */
}

Test(quic, bad_frames_and_not_a_hello)
{
	uint8_t pkt[1400];
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n;

	n = one_packet(pkt, (const uint8_t *)"\x08\x00\x00", 3); /* STREAM */
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.frame_errors, 1);
	/* an ACK of 65535 ranges, cut short */
	n = one_packet(pkt, (const uint8_t *)"\x02\x00\x00\x80\x00\xff\xff", 7);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_MORE);
	cr_assert_eq(st.frame_errors, 2);
	/* a ServerHello (type 2) in the client's stream: given up */
	n = one_packet(pkt, (const uint8_t *)"\x06\x00\x04\x02\x00\x00\x00", 7);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_GIVE_UP);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_GIVE_UP);
	cr_assert_eq(st.initials, 3);
	nt_quic_conn_free(c, &st);
	cr_assert_eq(st.crypto_gaps, 0);
}

Test(quic, version_names)
{
	cr_assert_str_eq(nt_quic_version_name(0xff00001d), "draft-29");
	cr_assert_str_eq(nt_quic_version_name(0xff000022), "draft-34");
	cr_assert_null(nt_quic_version_name(0xff00001c));
	cr_assert_null(nt_quic_version_name(0));
}

/* Draft 29 (its own salt) and draft 34 (version 1's salt) round-trip. */
Test(quic, drafts_open)
{
	uint32_t v[2] = { 0xff00001d, 0xff000022 };

	for (int i = 0; i < 2; i++) {
		uint8_t pkt[3][1400];
		size_t n = three_packets(pkt, v[i], rfc_dcid, 8);
		struct nt_quic_stats st = { 0 };
		struct nt_quic_conn *c = nt_quic_conn_new(&st);

		for (int p = 0; p < 3; p++)
			nt_quic_client_datagram(c, pkt[p], n, &st);
		cr_assert_eq(st.client_hellos, 1);
		cr_assert_eq(nt_quic_meta(c)->version, v[i]);
		nt_quic_conn_free(c, &st);
	}
}

/* Draft 29's and version 1's salts differ: keys differ. */
Test(quic, draft29_salt_differs)
{
	struct nt_quic_keys a, b;

	cr_assert_eq(nt_quic_client_keys(0xff00001d, rfc_dcid, 8, &a), 0);
	cr_assert_eq(nt_quic_client_keys(NT_QUIC_V1, rfc_dcid, 8, &b), 0);
	cr_assert_arr_neq(a.key, b.key, 16);
	cr_assert_eq(nt_quic_client_keys(0xff000021, rfc_dcid, 8, &a), 0);
	cr_assert_arr_eq(a.key, b.key, 16);
}

/* ---- through the payload stage (payload.c) -------------------------- */

static void udp_sample(struct nt_payload *pl, int side, const uint8_t *data, size_t n)
{
	static struct nt_sample s;

	memset(&s, 0, offsetof(struct nt_sample, data));
	s.key.proto = 17;
	s.key.ip_version = 4;
	s.key.addr[0][15] = 1;
	s.key.addr[1][15] = 2;
	s.key.port[0] = 51000;
	s.key.port[1] = 443;
	s.side = (uint8_t)side;
	s.initiator = 0;
	s.kind = NT_SAMPLE_FIRST;
	memcpy(s.data, data, n);
	s.cap_len = (uint16_t)n;
	s.payload_len = (uint16_t)n;
	nt_payload_on_sample(pl, &s, sizeof(s));
}

static const struct nt_flow_meta *udp_meta(struct nt_payload *pl, struct nt_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = 17;
	k->ip_version = 4;
	k->addr[0][15] = 1;
	k->addr[1][15] = 2;
	k->port[0] = 51000;
	k->port[1] = 443;
	return nt_payload_get(pl, k);
}

static void check_flow_meta(const struct nt_flow_meta *m)
{
	cr_assert_not_null(m);
	cr_assert_eq(m->app, NT_APP_QUIC);
	cr_assert_str_eq(nt_app_name(m->app), "quic");
	cr_assert_not_null(m->tls);
	cr_assert_str_eq(m->tls->sni, "example.com");
	cr_assert_str_eq(m->tls->ja4, "q13d0211an_62ed6f6ca7ad_4d634acda6c0");
	cr_assert_str_eq(m->tls->ja3_md5, "41bc9ae914d6cb3bd0bd0a5453ab7d7f");
	cr_assert_eq(m->tls->n_alpn, 1);
	cr_assert_str_eq(m->tls->alpn[0], "alpn");
	cr_assert_not_null(m->quic);
	cr_assert_eq(m->quic->version, NT_QUIC_V1);
	cr_assert_arr_eq(m->quic->dcid, rfc_dcid, 8);
}

/* Three samples out of order, with a server datagram between them (not a
 * Retry: ignored); a fourth client sample after the hello changes nothing. */
Test(quic, payload_stage_three_samples)
{
	struct nt_payload *pl = nt_payload_new();
	const struct nt_quic_stats *qs = nt_payload_quic_stats(pl);
	uint8_t pkt[3][1400], srv[1300];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8);
	struct nt_flow_key k;

	memset(srv, 0xcf, sizeof(srv));
	udp_sample(pl, 0, pkt[2], n);
	udp_sample(pl, 0, pkt[0], n);
	cr_assert_eq(qs->conns_alive, 1);
	udp_sample(pl, 1, srv, sizeof(srv));
	udp_sample(pl, 0, pkt[1], n);
	check_flow_meta(udp_meta(pl, &k));
	udp_sample(pl, 0, pkt[1], n);
	cr_assert_eq(qs->initials, 3);
	cr_assert_eq(qs->client_hellos, 1);
	cr_assert_eq(qs->conns_alive, 1); /* waiting for the ServerHello */
	cr_assert_eq(nt_payload_stats(pl)->tls_client_hellos, 1);
	nt_payload_forget(pl, &k);
	cr_assert_eq(qs->conns_alive, 0);
	cr_assert_eq(qs->crypto_gaps, 0);
	cr_assert_eq(nt_payload_stats(pl)->flows_tracked, 0);
	nt_payload_free(pl);
}

/* RFC 9001 A.2 then A.3 through the payload stage: the ServerHello gives
 * the version and suite; the state is freed once both hellos are in. */
Test(quic, payload_stage_server_hello)
{
	struct nt_payload *pl = nt_payload_new();
	const struct nt_quic_stats *qs = nt_payload_quic_stats(pl);
	uint8_t pkt[1300];
	struct nt_flow_key k;
	const struct nt_flow_meta *m;

	udp_sample(pl, 0, pkt, unhex(rfc9001_a2, pkt, sizeof(pkt)));
	udp_sample(pl, 1, pkt, unhex(rfc9001_a3, pkt, sizeof(pkt)));
	m = udp_meta(pl, &k);
	check_flow_meta(m);
	cr_assert(m->tls->server_hello);
	cr_assert_eq(m->tls->version, 0x0304);
	cr_assert_eq(m->tls->cipher, 0x1301);
	cr_assert_eq(qs->server_hellos, 1);
	cr_assert_eq(qs->conns_alive, 0);
	cr_assert_eq(nt_payload_stats(pl)->tls_server_hellos, 1);
	nt_payload_free(pl);
}

Test(quic, payload_stage_retry)
{
	struct nt_payload *pl = nt_payload_new();
	uint8_t pkt[3][1400], after[3][1400], retry[64];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8), rn;
	struct nt_flow_key k;
	const struct nt_flow_meta *m;

	rn = unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba",
		   retry, sizeof(retry));
	three_packets(after, NT_QUIC_V1, retry + 7, 8);
	udp_sample(pl, 0, pkt[0], n);
	udp_sample(pl, 1, retry, rn);
	for (int i = 0; i < 3; i++)
		udp_sample(pl, 0, after[i], n);
	m = udp_meta(pl, &k);
	check_flow_meta(m);
	cr_assert(m->quic->retry);
	cr_assert_eq(nt_payload_quic_stats(pl)->retries, 1);
	nt_payload_free(pl);
}

/* A QUIC flow whose hello never completes: its state is freed with the
 * flow, the hole counted; other UDP is left to the protocol detector. */
Test(quic, payload_stage_incomplete_and_not_quic)
{
	struct nt_payload *pl = nt_payload_new();
	const struct nt_quic_stats *qs = nt_payload_quic_stats(pl);
	uint8_t pkt[3][1400], other[1300];
	size_t n = three_packets(pkt, NT_QUIC_V1, rfc_dcid, 8);
	struct nt_flow_key k;
	const struct nt_flow_meta *m;

	udp_sample(pl, 0, pkt[1], n);
	m = udp_meta(pl, &k);
	cr_assert_eq(m->app, NT_APP_QUIC); /* opened: QUIC, without a hello yet */
	cr_assert_null(m->tls);
	cr_assert_eq(qs->conns_alive, 1);
	nt_payload_forget(pl, &k);
	cr_assert_eq(qs->conns_alive, 0);
	cr_assert_eq(qs->crypto_gaps, 1);
	/* gQUIC Q050 long header: counted, not QUIC here */
	memcpy(other, pkt[0], sizeof(other));
	memcpy(other + 1, "Q050", 4);
	udp_sample(pl, 0, other, n);
	m = udp_meta(pl, &k);
	cr_assert_eq(m->app, NT_APP_NONE);
	cr_assert_eq(qs->unknown_versions, 1);
	cr_assert_eq(qs->conns_alive, 0);
	nt_payload_free(pl);
}

/* An Initial larger than the stack buffer (a jumbo-frame path): opened from
 * the heap, same hello. */
Test(quic, jumbo_initial)
{
	static uint8_t pkt[9000];
	uint8_t hello[241], f[300];
	struct quic_seal q = { NT_QUIC_V1, rfc_dcid, (const uint8_t *)"", 8, 0, NULL, 0, 7, 2 };
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	size_t n;

	rfc_hello(hello);
	n = quic_seal(&q, f, crypto_frame(f, hello, 0, 241), 8000, pkt, sizeof(pkt));
	cr_assert_gt(n, 8000);
	cr_assert_eq(nt_quic_client_datagram(c, pkt, n, &st), NT_QUIC_HELLO);
	check_rfc_hello(c);
	nt_quic_conn_free(c, &st);
}
