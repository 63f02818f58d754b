// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_parsers - userspace parsing rates on real messages (the seed
 * corpus: captured from dnsmasq/BIND and OpenSSL/curl):
 *   dns      DNS responses parsed per second (r_cname_chain: 3 answers)
 *   tls      ClientHellos parsed per second, without and with JA4 + JA3
 *   cert     TLS 1.2 server flights rebuilt and their certificates read
 *   cache    the DNS name cache: memory per entry at its cap
 *
 *   bench_parsers CORPUS_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "dns_msg.h"
#include "stream.h"
#include "tls_cert.h"
#include "tls_hello.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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

	/* a TLS 1.2 server flight (ServerHello, Certificate of an RSA leaf and
	 * an EC CA, ServerHelloDone in 300-byte records): rebuilt from
	 * 1448-byte segments, the Certificate found, both certs read; without
	 * the cache of decoded certificates (a service's first flow) and with
	 * it (the next ones), alternately */
	snprintf(sub, sizeof(sub), "%s/tls_cert", dir);
	n = slurp(sub, "server_flight_300_byte_records", buf, sizeof(buf));
	for (int round = 0; round < 4; round++) {
		struct tls_cert_cache *cache = round & 1 ? tls_cert_cache_new(1024) : NULL;

		iters = round & 1 ? 50000 : 2000;
		t0 = now_s();
		for (long i = 0; i < iters; i++)
			if (cert_flight(buf, n, cache))
				return 1;
		dt = now_s() - t0;
		printf("{\"case\":\"tls-certificate\",\"cache\":%s,\"bytes\":%zu,"
		       "\"certificates\":2,\"flights_per_s\":%.0f,\"us_per_flow\":%.1f}\n",
		       cache ? "true" : "false", n, iters / dt, dt / iters * 1e6);
		tls_cert_cache_free(cache);
	}

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
	return 0;
}
