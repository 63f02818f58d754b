// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_parsers - userspace parsing rates on real messages (the seed
 * corpus: captured from dnsmasq/BIND and OpenSSL/curl):
 *   dns      DNS responses parsed per second (r_cname_chain: 3 answers)
 *   tls      ClientHellos parsed per second, without and with JA4 + JA3
 *   cert     TLS 1.2 server flights rebuilt and their certificates read
 *   cache    the DNS name cache: memory per entry at its cap
 *   quic     QUIC flows per second: the client's Initial(s) decrypted
 *            (keys derived, header protection removed, AES-GCM opened,
 *            CRYPTO reassembled) and the ClientHello parsed with JA4 + JA3;
 *            one Initial (RFC 9001 A.2) and the same hello over 3 Initials
 *
 * Rates are per second of the thread's own CPU time, so that other work
 * on a shared machine does not move them (it still shares the caches).
 *
 *   bench_parsers CORPUS_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "dns_msg.h"
#include "fuzz/quic_seal.h"
#include "quic.h"
#include "stream.h"
#include "tls_cert.h"
#include "tls_hello.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t slurp(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void noop(void *ctx, const struct nt_dns_txn *t)
{
	(void)ctx;
	(void)t;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* One TLS 1.2 server flight: rebuilt from 1448-byte segments, its
 * Certificate found and read. 0 when it was. */
static int cert_flight(const uint8_t *buf, size_t n, struct tls_cert_cache *cache)
{
	static uint8_t scratch[32768];
	struct nt_stream *st = nt_stream_new(1, 32768);
	const uint8_t *msg;
	size_t len;
	struct tls_certs c;
	int r;

	for (size_t o = 0; o < n; o += 1448)
		nt_stream_add(st, 1 + (uint32_t)o, buf + o, n - o < 1448 ? n - o : 1448);
	r = tls_cert_find(st->buf, st->have, scratch, sizeof(scratch), &msg, &len) !=
		    TLS_CERT_FOUND ||
	    tls_cert_parse(msg, len, "api.example.test", cache, &c);
	if (!r)
		tls_certs_free(&c);
	nt_stream_free(st);
	return r;
}

/* A TLS 1.2 server flight (ServerHello, Certificate of an RSA leaf and an
 * EC CA, ServerHelloDone in 300-byte records): rebuilt from 1448-byte
 * segments, the Certificate found, both certs read; without the cache of
 * decoded certificates (a service's first flow) and with it (the next
 * ones), alternately. */
static void cert_bench(const char *dir)
{
	static uint8_t buf[20000];
	char sub[512];
	size_t n;

	snprintf(sub, sizeof(sub), "%s/tls_cert", dir);
	n = slurp(sub, "server_flight_300_byte_records", buf, sizeof(buf));
	for (int round = 0; round < 4; round++) {
		struct tls_cert_cache *cache = round & 1 ? tls_cert_cache_new(1024) : NULL;
		long iters = round & 1 ? 50000 : 2000;
		double t0 = now_s(), dt;

		for (long i = 0; i < iters; i++)
			if (cert_flight(buf, n, cache))
				exit(1);
		dt = now_s() - t0;
		printf("{\"case\":\"tls-certificate\",\"cache\":%s,\"bytes\":%zu,"
		       "\"certificates\":2,\"flights_per_s\":%.0f,\"us_per_flow\":%.1f}\n",
		       cache ? "true" : "false", n, iters / dt, dt / iters * 1e6);
		tls_cert_cache_free(cache);
	}
}

/* One QUIC flow: a conn, its datagrams, the hello parsed and fingerprinted. */
static int quic_flow(uint8_t dg[][1400], const size_t *len, int n, int fingerprint)
{
	static struct tls_client_hello ch;
	struct nt_quic_stats st = { 0 };
	struct nt_quic_conn *c = nt_quic_conn_new(&st);
	char ja4[37], ja4r[2048], ja3[2048], md5[33];
	const uint8_t *h;
	size_t hn = 0;
	int ok = 0;

	for (int i = 0; i < n; i++)
		nt_quic_client_datagram(c, dg[i], len[i], &st);
	h = nt_quic_hello(c, &hn);
	if (h && fingerprint && tls_parse_client_hello_msg(h, hn, &ch) == TLS_OK) {
		tls_ja4(&ch, 'q', ja4, ja4r, sizeof(ja4r));
		tls_ja3(&ch, ja3, sizeof(ja3), md5);
		ok = 1;
	} else if (h && !fingerprint) {
		ok = 1;
	}
	nt_quic_conn_free(c, &st);
	return ok;
}

/* RFC 9001 A.2 (from the fuzz corpus: a version byte, a chunk header) as
 * one datagram, and its ClientHello split over 3 Initials of 1200 bytes. */
static void quic_bench(const char *dir)
{
	static uint8_t one[1][1400], three[3][1400];
	uint8_t f[1400], frames[400];
	size_t len1[1], len3[3], n;
	char sub[512];
	long iters = 20000;

	snprintf(sub, sizeof(sub), "%s/quic", dir);
	n = slurp(sub, "rfc9001_a2", f, sizeof(f));
	if (n != 1204)
		exit(1);
	memcpy(one[0], f + 4, 1200);
	len1[0] = 1200;
	/* the hello: the CRYPTO frame after the first 4 bytes of plaintext */
	{
		struct nt_quic_stats st = { 0 };
		struct nt_quic_conn *c = nt_quic_conn_new(&st);
		const uint8_t *h;
		size_t hn = 0;
		static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

		nt_quic_client_datagram(c, one[0], 1200, &st);
		h = nt_quic_hello(c, &hn);
		if (!h)
			exit(1);
		for (int p = 0; p < 3; p++) {
			size_t off = hn * (size_t)p / 3, end = hn * (size_t)(p + 1) / 3;
			struct quic_seal q = { NT_QUIC_V1, dcid, (const uint8_t *)"", 8, 0,
					       NULL,	   0,	 (uint32_t)p,	      2 };

			frames[0] = 0x06;
			frames[1] = (uint8_t)(0x40 | off >> 8);
			frames[2] = (uint8_t)off;
			frames[3] = (uint8_t)(0x40 | (end - off) >> 8);
			frames[4] = (uint8_t)(end - off);
			memcpy(frames + 5, h + off, end - off);
			len3[p] = quic_seal(&q, frames, 5 + end - off, 1160, three[p], 1400);
		}
		nt_quic_conn_free(c, &st);
	}
	/* best of 7 trials, the four variants alternated: the machine is shared */
	double best[2][2] = { { 1e9, 1e9 }, { 1e9, 1e9 } };

	for (int t = 0; t < 7; t++)
		for (int k = 0; k < 2; k++)
			for (int fp = 0; fp < 2; fp++) {
				uint8_t(*dg)[1400] = k ? three : one;
				double t0 = now_s(), us;

				for (long i = 0; i < iters; i++)
					if (!quic_flow(dg, k ? len3 : len1, k ? 3 : 1, fp))
						exit(1);
				us = (now_s() - t0) * 1e6 / iters;
				if (us < best[k][fp])
					best[k][fp] = us;
			}
	for (int k = 0; k < 2; k++)
		printf("{\"case\":\"quic-flow\",\"initials\":%d,\"us_decrypt\":%.2f,"
		       "\"us_decrypt_hello_ja4_ja3\":%.2f,\"flows_per_s\":%.0f}\n",
		       k ? 3 : 1, best[k][0], best[k][1], 1e6 / best[k][1]);
}

/* The DNS name cache at its cap: memory per entry. */
static void cache_bench(void)
{
	/* the name cache at its cap: 100,000 entries, two per address */
	struct nt_dns_opts o = {
		.answer_timeout_ns = 1, .cache_max = 100000, .grace_ns = 0, .emit = noop
	};
	long before = rss_kb();
	struct nt_dns *d = nt_dns_new(&o);
	static struct nt_sample s;

	/* answers for 60,000 names: 120,000 entries wanted, 100,000 kept */
	for (int i = 0; i < 60000; i++) {
		uint8_t *p = s.data;
		char name[64];
		int nl = snprintf(name, sizeof(name), "host%05d.example.com", i);

		memset(&s, 0, offsetof(struct nt_sample, data));
		s.key.proto = 17;
		s.key.ip_version = 4;
		s.key.addr[0][10] = s.key.addr[0][11] = 0xff;
		s.key.addr[0][12] = 10;
		s.key.addr[0][15] = (uint8_t)(i % 200);
		s.key.addr[1][10] = s.key.addr[1][11] = 0xff;
		s.key.addr[1][12] = 10;
		s.key.addr[1][15] = 53;
		s.key.port[0] = 40000;
		s.key.port[1] = 53;
		s.side = 1; /* the server answers */
		/* header: id, QR|RD|RA, 1 question, 1 answer */
		memcpy(p, "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00", 12);
		p += 12;
		*p++ = (uint8_t)(nl - 12);
		memcpy(p, name, (size_t)nl - 12);
		p += nl - 12;
		memcpy(p,
		       "\x07"
		       "example\x03"
		       "com\x00\x00\x01\x00\x01",
		       17);
		p += 17;
		memcpy(p,
		       "\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04"
		       "\x5d",
		       13);
		p += 13;
		*p++ = (uint8_t)(i >> 16);
		*p++ = (uint8_t)(i >> 8);
		*p++ = (uint8_t)i;
		s.cap_len = (uint16_t)(p - s.data);
		nt_dns_on_sample(d, &s);
	}
	long after = rss_kb();
	printf("{\"case\":\"dns-cache\",\"cap_entries\":%zu,\"entries\":%llu,"
	       "\"evictions\":%llu,\"rss_kib\":%ld,\"bytes_per_entry\":%.0f}\n",
	       o.cache_max, (unsigned long long)nt_dns_stats(d)->cache_entries,
	       (unsigned long long)nt_dns_stats(d)->cache_evictions, after - before,
	       (after - before) * 1024.0 / (double)nt_dns_stats(d)->cache_entries);
	nt_dns_free(d);
}

int main(int argc, char **argv)
{
	static struct dns_msg m;
	static struct tls_client_hello ch;
	uint8_t buf[20000];
	char ja4[37], ja4r[2048], ja3[2048], md5[33];
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	char sub[512];
	size_t n;
	double t0, dt;
	long iters = 2000000;

	snprintf(sub, sizeof(sub), "%s/dns_msg", dir);
	n = slurp(sub, "r_cname_chain", buf, sizeof(buf));
	if (dns_parse(buf, n, &m) != DNS_OK)
		return 1;
	t0 = now_s();
	for (long i = 0; i < iters; i++)
		dns_parse(buf, n, &m);
	dt = now_s() - t0;
	printf("{\"case\":\"dns-parse\",\"bytes\":%zu,\"answers\":%d,"
	       "\"messages_per_s\":%.0f}\n",
	       n, m.n_answers, iters / dt);

	snprintf(sub, sizeof(sub), "%s/tls_hello", dir);
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "curl_tls13" : "openssl_tls13";

		n = slurp(sub, name, buf, sizeof(buf));
		if (tls_parse_client_hello(buf, n, &ch) != TLS_OK)
			return 1;
		iters = 1000000;
		t0 = now_s();
		for (long i = 0; i < iters; i++)
			tls_parse_client_hello(buf, n, &ch);
		dt = now_s() - t0;
		double parse = iters / dt;

		iters = 200000;
		t0 = now_s();
		for (long i = 0; i < iters; i++) {
			tls_parse_client_hello(buf, n, &ch);
			tls_ja4(&ch, 't', ja4, ja4r, sizeof(ja4r));
			tls_ja3(&ch, ja3, sizeof(ja3), md5);
		}
		dt = now_s() - t0;
		printf("{\"case\":\"tls-clienthello\",\"sample\":\"%s\","
		       "\"bytes\":%zu,\"parsed_per_s\":%.0f,"
		       "\"parsed_with_ja4_ja3_per_s\":%.0f}\n",
		       name, n, parse, iters / dt);
	}

	cert_bench(dir);
	quic_bench(dir);

	cache_bench();
	return 0;
}
