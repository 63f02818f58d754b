// SPDX-License-Identifier: BSD-2-Clause
/*
 * The payload stage: a real ClientHello (curl, from the fuzz seed corpus)
 * cut into segments that arrive out of order and repeated, the server's
 * ServerHello, banners naming the protocol, and the memory it keeps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "payload.h"

static uint8_t ch[4096], sh[4096];
static size_t ch_len, sh_len;

static size_t slurp(const char *name, uint8_t *buf)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "tests/fuzz/corpus/tls_hello/%s", name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "%s (run from the repository root)", path);
	n = fread(buf, 1, 4096, f);
	fclose(f);
	return n;
}

static void seg(struct nt_payload *pl, int side, uint32_t seq, const uint8_t *data, size_t n)
{
	static struct nt_sample s;

	memset(&s, 0, offsetof(struct nt_sample, data));
	s.key.proto = 6;
	s.key.ip_version = 4;
	s.key.addr[0][15] = 1;
	s.key.addr[1][15] = 2;
	s.key.port[0] = 40000;
	s.key.port[1] = 8443;
	s.side = (uint8_t)side;
	s.initiator = 0;
	s.kind = NT_SAMPLE_FIRST;
	s.tcp_seq = seq;
	memcpy(s.data, data, n);
	s.cap_len = (uint16_t)n;
	s.payload_len = (uint16_t)n;
	nt_payload_on_sample(pl, &s, sizeof(s));
}

static struct nt_flow_key key(void)
{
	struct nt_flow_key k;

	memset(&k, 0, sizeof(k));
	k.proto = 6;
	k.ip_version = 4;
	k.addr[0][15] = 1;
	k.addr[1][15] = 2;
	k.port[0] = 40000;
	k.port[1] = 8443;
	return k;
}

Test(payload, clienthello_out_of_order_and_repeated)
{
	struct nt_payload *pl = nt_payload_new();
	struct nt_flow_key k = key();
	const struct nt_flow_meta *m;
	size_t a, b;

	ch_len = slurp("curl_tls13", ch);
	sh_len = slurp("sh_openssl_tls13", sh);
	cr_assert_gt(ch_len, 300u);
	a = ch_len / 3;
	b = 2 * ch_len / 3;
	/* third part first, then the first, the first again, the second */
	seg(pl, 0, 5000 + (uint32_t)b, ch + b, ch_len - b);
	m = nt_payload_get(pl, &k);
	cr_assert_not_null(m);
	cr_expect_null(m->tls);
	seg(pl, 0, 5000, ch, a);
	seg(pl, 0, 5000, ch, a);
	cr_expect_null(m->tls, "parsed before the middle segment came");
	seg(pl, 0, 5000 + (uint32_t)a, ch + a, b - a);
	cr_assert_not_null(m->tls, "ClientHello not parsed");
	cr_expect(m->tls->client_hello);
	cr_expect_eq(m->app, NT_APP_TLS);
	cr_expect_str_eq(m->tls->sni, "example.com");
	cr_expect_eq(m->tls->n_alpn, 2);
	cr_expect_str_eq(m->tls->alpn[0], "h2");
	cr_expect_eq(strlen(m->tls->ja4), 36u);
	cr_expect_eq(strlen(m->tls->ja3_md5), 32u);
	cr_expect_null(m->dir[0], "the prefix buffer is freed once parsed");
	/* the server's ServerHello, in one segment */
	seg(pl, 1, 9000, sh, sh_len);
	cr_expect(m->tls->server_hello);
	cr_expect_eq(m->tls->version, 0x0304);
	cr_expect_eq(nt_payload_stats(pl)->tls_client_hellos, 1);
	cr_expect_eq(nt_payload_stats(pl)->tls_parse_errors, 0);
	nt_payload_forget(pl, &k);
	cr_expect_null(nt_payload_get(pl, &k));
	cr_expect_eq(nt_payload_stats(pl)->flows_tracked, 0);
	nt_payload_free(pl);
}

Test(payload, overlapping_segments_keep_first_bytes)
{
	struct nt_payload *pl = nt_payload_new();
	struct nt_flow_key k = key();
	const struct nt_flow_meta *m;

	ch_len = slurp("curl_tls13", ch);
	/* two overlapping halves: bytes 0..200 and 100..end */
	seg(pl, 0, 1, ch, 200);
	seg(pl, 0, 101, ch + 100, ch_len - 100);
	m = nt_payload_get(pl, &k);
	cr_assert_not_null(m);
	cr_assert_not_null(m->tls);
	cr_expect_str_eq(m->tls->sni, "example.com");
	nt_payload_free(pl);
}

Test(payload, banners_and_unknown)
{
	struct nt_payload *pl = nt_payload_new();
	struct nt_flow_key k = key();
	const struct nt_flow_meta *m;
	const char *cli = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
	const char *srv = "SSH-2.0-dropbear_2022.83\r\n";

	seg(pl, 0, 1, (const uint8_t *)cli, strlen(cli));
	seg(pl, 1, 1, (const uint8_t *)srv, strlen(srv));
	m = nt_payload_get(pl, &k);
	cr_assert_not_null(m);
	cr_expect_eq(m->app, NT_APP_SSH);
	cr_expect_str_eq(m->app_info[0].software, "OpenSSH_9.2p1");
	cr_expect_str_eq(m->app_info[1].software, "dropbear_2022.83");
	cr_expect_null(m->tls);
	nt_payload_free(pl);

	/* unknown bytes: settled after half the kernel's segment budget */
	pl = nt_payload_new();
	uint8_t junk[100];
	memset(junk, 0xa5, sizeof(junk));
	for (int i = 0; i < 4; i++)
		seg(pl, 0, 1 + 100 * (uint32_t)i, junk, sizeof(junk));
	m = nt_payload_get(pl, &k);
	cr_assert_not_null(m);
	cr_expect_eq(m->app, NT_APP_NONE);
	cr_expect(m->done[0]);
	cr_expect_null(m->dir[0]);
	nt_payload_free(pl);
}

/* Memory is bounded: past NT_PREFIX_BUFFERS_MAX unsettled directions, a
 * new one is judged on its segment alone, and counted. */
Test(payload, prefix_buffers_are_capped_and_accounted)
{
	struct nt_payload *pl = nt_payload_new();
	static struct nt_sample s;
	const char *tls_start = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";

	for (int i = 0; i <= NT_PREFIX_BUFFERS_MAX; i++) {
		memset(&s, 0, offsetof(struct nt_sample, data));
		s.key.proto = 6;
		s.key.ip_version = 4;
		s.key.addr[0][12] = (uint8_t)(i >> 16);
		s.key.addr[0][13] = (uint8_t)(i >> 8);
		s.key.addr[0][14] = (uint8_t)i;
		s.key.port[1] = 443;
		s.kind = NT_SAMPLE_FIRST;
		s.tcp_seq = 1;
		/* a TLS record start that needs more bytes: stays unsettled */
		memcpy(s.data, tls_start, 11);
		s.cap_len = 11;
		nt_payload_on_sample(pl, &s, sizeof(s));
	}
	cr_expect_eq(nt_payload_stats(pl)->buffers_alive, NT_PREFIX_BUFFERS_MAX);
	cr_expect_eq(nt_payload_stats(pl)->buffers_refused, 1);
	nt_payload_forget(pl, &s.key); /* the refused one held no buffer */
	cr_expect_eq(nt_payload_stats(pl)->buffers_alive, NT_PREFIX_BUFFERS_MAX);
	s.key.addr[0][14] = 0;
	s.key.addr[0][13] = 0;
	s.key.addr[0][12] = 0;
	nt_payload_forget(pl, &s.key);
	cr_expect_eq(nt_payload_stats(pl)->buffers_alive, NT_PREFIX_BUFFERS_MAX - 1);
	nt_payload_free(pl);
}
