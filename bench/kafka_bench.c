// SPDX-License-Identifier: BSD-2-Clause
/*
 * kafka_bench.c - flow records through the Kafka sink (user/sink/kafka.c) into a
 * real broker, on one thread, the way the product drives it: one
 * nt_kafka_produce per record, nt_kafka_poll after every batch of 1000,
 * nt_kafka_tick every 100 ms, nt_kafka_flush at the end. Prints one JSON
 * line per run. bench/kafka_bench.sh builds it, starts a broker and runs
 * every case.
 *
 * Records: the flow records of a real `nettrail --pcap` run (a JSON lines
 * file), cycled; each record gets its own record_id (run id + sequence, as
 * the product writes it), Community ID (also the message key) and flow.id,
 * so neither the broker nor the compressor sees a repeated record.
 *
 * Modes:
 *   direct        broker up, no spool: produce N, flush; rate, CPU, bytes
 *   spool-live    the same with --spool-dir set (the spool engages only if
 *                 the broker cannot keep up: counted); on a spool an
 *                 earlier run filled, the recovery after an outage
 *                 (--first puts the new records after the spooled ones)
 *   spool-write   broker unreachable (--brokers 127.0.0.1:1): every record
 *                 goes to the spool; rate and bytes on disk per record
 *   spool-replay  a fresh sink on a spool an earlier run filled, broker up:
 *                 time to drain it
 *   synth         only build the records (the cost of this harness)
 *
 * --rate R: paced, R records a second (sleeping after each batch of 1000).
 *
 * Zero loss: acked == produced, failed == 0, and the end offsets of the
 * topic (query_watermark_offsets, a separate handle) add up to N; with
 * --verify (or --verify-n N: records 0..N-1) the topic is read back and
 * each record's key looked for: missing ones and duplicates are counted.
 *
 * Wire bytes: librdkafka's statistics (tx_bytes, every request to every
 * broker) through a stats callback added by wrapping rd_kafka_new
 * (-Wl,--wrap=rd_kafka_new): user/sink/kafka.c is linked unchanged. Stored
 * bytes: the size of the topic's log segments in the broker's data dir.
 *
 * CPU: getrusage(RUSAGE_SELF) (every thread: ours and librdkafka's), and
 * per thread from /proc/self/task/ * /schedstat, grouped by thread name.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kafka.h"

/* ---- librdkafka statistics, through a wrapped rd_kafka_new ------------- */

static int g_want_stats;
static rd_kafka_t *g_rk; /* the sink's current producer */
static char g_flow_topic[300];

struct stats {
	uint64_t n; /* callbacks */
	int64_t txbytes, txmsgs, txmsg_bytes, tx_reqs;
	/* rolling-window averages, weighted by their counts over the run */
	double batchsize_sum, batchcnt_sum, batch_n;
	double intlat_sum, intlat_n, rtt_sum, rtt_n, outbuf_sum, outbuf_n;
	int64_t msg_max; /* most messages waiting in librdkafka */
};
static struct stats g_st, g_base; /* g_base: totals before the clock */

static int64_t jget(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static void window(json_object *o, const char *k, double *sum, double *n)
{
	json_object *w;

	if (!json_object_object_get_ex(o, k, &w))
		return;
	int64_t cnt = jget(w, "cnt");
	if (cnt > 0) {
		*sum += (double)jget(w, "avg") * (double)cnt;
		*n += (double)cnt;
	}
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	json_object *root = json_tokener_parse(json), *brokers, *topics, *t;

	(void)rk;
	(void)len;
	(void)opaque;
	if (!root)
		return 0;
	g_st.n++;
	g_st.txbytes = jget(root, "tx_bytes");
	g_st.txmsgs = jget(root, "txmsgs");
	g_st.txmsg_bytes = jget(root, "txmsg_bytes");
	g_st.tx_reqs = jget(root, "tx");
	if (jget(root, "msg_cnt") > g_st.msg_max)
		g_st.msg_max = jget(root, "msg_cnt");
	if (json_object_object_get_ex(root, "topics", &topics) &&
	    json_object_object_get_ex(topics, g_flow_topic, &t)) {
		double dummy = 0;

		window(t, "batchsize", &g_st.batchsize_sum, &g_st.batch_n);
		window(t, "batchcnt", &g_st.batchcnt_sum, &dummy);
	}
	if (json_object_object_get_ex(root, "brokers", &brokers)) {
		json_object_object_foreach(brokers, name, b)
		{
			(void)name;
			if (jget(b, "nodeid") < 0)
				continue; /* bootstrap and internal */
			window(b, "int_latency", &g_st.intlat_sum, &g_st.intlat_n);
			window(b, "outbuf_latency", &g_st.outbuf_sum, &g_st.outbuf_n);
			window(b, "rtt", &g_st.rtt_sum, &g_st.rtt_n);
		}
	}
	json_object_put(root);
	return 0;
}

rd_kafka_t *__real_rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr,
				size_t errstr_size);

rd_kafka_t *__wrap_rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr,
				size_t errstr_size)
{
	rd_kafka_t *rk;

	if (g_want_stats)
		rd_kafka_conf_set_stats_cb(conf, on_stats);
	rk = __real_rd_kafka_new(type, conf, errstr, errstr_size);
	if (rk)
		g_rk = rk;
	return rk;
}

/* ---- clocks, CPU ---------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double rusage_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* CPU of each thread of this process, by thread id. */
#define MAX_THR 256
struct thr {
	int tid;
	char name[32];
	uint64_t ns;
};
struct thrset {
	int n;
	struct thr t[MAX_THR];
};

static void threads_read(struct thrset *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	s->n = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && s->n < MAX_THR) {
		char p[300], buf[64];
		FILE *f;
		struct thr *t;

		if (e->d_name[0] == '.')
			continue;
		t = &s->t[s->n];
		t->tid = atoi(e->d_name);
		snprintf(p, sizeof(p), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lu", &t->ns) != 1)
			t->ns = 0;
		fclose(f);
		snprintf(p, sizeof(p), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(p, "r");
		buf[0] = 0;
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
		}
		buf[strcspn(buf, "\n")] = 0;
		/* one group per kind: rdk:broker1, rdk:broker-1 -> rdk:broker */
		if (!strncmp(buf, "rdk:broker", 10))
			buf[10] = 0;
		snprintf(t->name, sizeof(t->name), "%s", t->tid == getpid() ? "main" : buf);
		s->n++;
	}
	closedir(d);
}

/* CPU seconds per thread group between a and b, as a JSON object. */
static void threads_json(const struct thrset *a, const struct thrset *b, char *out, size_t len)
{
	char names[MAX_THR][32];
	double secs[MAX_THR];
	int ng = 0;
	size_t o = 0;

	for (int i = 0; i < b->n; i++) {
		uint64_t base = 0;
		int g;

		for (int j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid)
				base = a->t[j].ns;
		for (g = 0; g < ng; g++)
			if (!strcmp(names[g], b->t[i].name))
				break;
		if (g == ng) {
			snprintf(names[ng], 32, "%s", b->t[i].name);
			secs[ng++] = 0;
		}
		secs[g] += (double)(b->t[i].ns - base) / 1e9;
	}
	o += (size_t)snprintf(out + o, len - o, "{");
	for (int g = 0; g < ng && o < len; g++)
		o += (size_t)snprintf(out + o, len - o, "%s\"%s\":%.3f", g ? "," : "", names[g],
				      secs[g]);
	if (o < len)
		snprintf(out + o, len - o, "}");
}

/* ---- records -------------------------------------------------------------- */

/* A flow record split around the three fields each record varies. */
struct tmpl {
	const char *p0, *p1, *p2, *p3; /* pieces around cid, rid, fid */
	size_t l0, l1, l2, l3;
};

static struct tmpl *g_tm;
static size_t g_ntm;
static char g_run[33];

static const char *after(const char *line, const char *field)
{
	const char *p = strstr(line, field);

	return p ? p + strlen(field) : NULL;
}

static int load_records(const char *path, size_t max_lines)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, tcap = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "kafka_bench: cannot read %s\n", path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0 && (!max_lines || g_ntm < max_lines)) {
		const char *c, *r, *fi, *ce, *re, *fe;
		char *s;

		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (!strstr(line, "\"dataset\":\"nettrail.flow\""))
			continue;
		c = after(line, "\"community_id\":\"");
		r = after(line, "\"record_id\":\"");
		fi = after(line, "\"flow\":{\"id\":\"");
		if (!c || !r || !fi || !(c < r && r < fi))
			continue;
		ce = strchr(c, '"');
		re = strchr(r, '"');
		fe = strchr(fi, '"');
		s = strdup(line);
		if (g_ntm == tcap) {
			tcap = tcap ? tcap * 2 : 1024;
			g_tm = realloc(g_tm, tcap * sizeof(*g_tm));
		}
		if (!s || !g_tm)
			return -1;
		g_tm[g_ntm++] = (struct tmpl){
			.p0 = s,
			.l0 = (size_t)(c - line),
			.p1 = s + (ce - line),
			.l1 = (size_t)(r - ce),
			.p2 = s + (re - line),
			.l2 = (size_t)(fi - re),
			.p3 = s + (fe - line),
			.l3 = strlen(fe),
		};
	}
	free(line);
	fclose(f);
	if (!g_ntm) {
		fprintf(stderr, "kafka_bench: no flow records in %s\n", path);
		return -1;
	}
	return 0;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexd[] = "0123456789abcdef";

/* Record i's key, its Community ID: "1:" + base64 of 20 bytes (a SHA-1),
 * 28 characters, from i alone. */
static size_t make_key(uint64_t i, char *key)
{
	uint64_t h[3] = { splitmix(i * 3 + 1), splitmix(i * 3 + 2), splitmix(i * 3 + 3) };
	const unsigned char *hb = (const unsigned char *)h;
	char *k = key;

	*k++ = '1';
	*k++ = ':';
	for (int j = 0; j < 18; j += 3) {
		uint32_t v = (uint32_t)hb[j] << 16 | (uint32_t)hb[j + 1] << 8 | hb[j + 2];

		*k++ = b64[v >> 18];
		*k++ = b64[(v >> 12) & 63];
		*k++ = b64[(v >> 6) & 63];
		*k++ = b64[v & 63];
	}
	{
		uint32_t v = (uint32_t)hb[18] << 16 | (uint32_t)hb[19] << 8;

		*k++ = b64[v >> 18];
		*k++ = b64[(v >> 12) & 63];
		*k++ = b64[(v >> 6) & 63];
		*k++ = '=';
	}
	return (size_t)(k - key);
}

/* Record i into buf: the value; key (the Community ID) into key. */
static size_t build(uint64_t i, char *buf, char *key, size_t *klen)
{
	const struct tmpl *t = &g_tm[i % g_ntm];
	uint64_t fid = splitmix(~i);
	char *p = buf;

	*klen = make_key(i, key);
	memcpy(p, t->p0, t->l0);
	p += t->l0;
	memcpy(p, key, *klen);
	p += *klen;
	memcpy(p, t->p1, t->l1);
	p += t->l1;
	memcpy(p, g_run, 32);
	p += 32;
	*p++ = '-';
	{
		char d[24];
		int n = 0;
		uint64_t v = i + 1;

		do {
			d[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (n)
			*p++ = d[--n];
	}
	memcpy(p, t->p2, t->l2);
	p += t->l2;
	for (int j = 0; j < 16; j++)
		*p++ = hexd[(fid >> (j * 4)) & 15];
	memcpy(p, t->p3, t->l3);
	p += t->l3;
	return (size_t)(p - buf);
}

/* ---- broker-side checks (a handle of our own) --------------------------- */

static rd_kafka_t *admin_new(const char *brokers)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char e[512];
	rd_kafka_t *rk;

	rd_kafka_conf_set(c, "bootstrap.servers", brokers, e, sizeof(e));
	rk = __real_rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof(e));
	if (!rk)
		fprintf(stderr, "kafka_bench: %s\n", e);
	return rk;
}

static int create_topic(rd_kafka_t *rk, const char *name, int partitions)
{
	char e[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, partitions, 1, e, sizeof(e));
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_event_t *ev;
	int r = -1;

	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	ev = rd_kafka_queue_poll(q, 30000);
	if (ev) {
		const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
		size_t n;
		const rd_kafka_topic_result_t **tr =
			res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;

		if (tr && n == 1 &&
		    (!rd_kafka_topic_result_error(tr[0]) ||
		     rd_kafka_topic_result_error(tr[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
			r = 0;
		else
			fprintf(stderr, "kafka_bench: create %s: %s\n", name,
				tr && n ? rd_kafka_topic_result_error_string(tr[0]) :
					  rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return r;
}

static void delete_topic(rd_kafka_t *rk, const char *name)
{
	rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(name);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_event_t *ev;

	rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
	ev = rd_kafka_queue_poll(q, 30000);
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_DeleteTopic_destroy(dt);
}

/* Sum of the topic's end offsets (every partition), -1 on error. */
static int64_t end_offsets(rd_kafka_t *rk, const char *topic)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	int64_t sum = 0;

	if (rd_kafka_metadata(rk, 0, rkt, &md, 10000)) {
		rd_kafka_topic_destroy(rkt);
		return -1;
	}
	if (md->topic_cnt != 1 || md->topics[0].err) {
		sum = -1;
		goto out;
	}
	for (int p = 0; p < md->topics[0].partition_cnt; p++) {
		int64_t lo, hi;

		if (rd_kafka_query_watermark_offsets(rk, topic, md->topics[0].partitions[p].id, &lo,
						     &hi, 10000)) {
			sum = -1;
			break;
		}
		sum += hi;
	}
out:
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return sum;
}

/* Bytes of the files in dir whose names end with ext; with prefix, in its
 * subdirectories named prefix-<partition>. */
static uint64_t dir_bytes(const char *dir, const char *prefix, const char *ext)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t sum = 0;
	size_t pl = prefix ? strlen(prefix) : 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char p[4096];
		struct stat st;
		size_t n = strlen(e->d_name), el = strlen(ext);

		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (prefix) {
			if (!strncmp(e->d_name, prefix, pl) && e->d_name[pl] == '-' &&
			    strspn(e->d_name + pl + 1, "0123456789") == n - pl - 1)
				sum += dir_bytes(p, NULL, ext);
			continue;
		}
		if (n > el && !strcmp(e->d_name + n - el, ext) && !stat(p, &st))
			sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

/* ---- reading the topic back: every record there exactly once ---------- */

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Consumes the whole topic and compares its keys (each record's own
 * Community ID) with those of records lo..lo+n-1: *missing of them are not
 * there, *dups messages repeat one. -1 if the topic cannot be read. */
static int verify_topic(const char *brokers, const char *topic, uint64_t lo, uint64_t n,
			uint64_t *missing, uint64_t *dups, uint64_t *seen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char e[512], key[64];
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	const struct rd_kafka_metadata *md;
	uint64_t *got = NULL, *want, ng = 0, cap = n + 1024;
	rd_kafka_message_t *msgs[10000];
	int r = -1;

	rd_kafka_conf_set(c, "bootstrap.servers", brokers, e, sizeof(e));
	rd_kafka_conf_set(c, "group.id", "kafka_bench_verify", e, sizeof(e));
	rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof(e));
	rk = __real_rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof(e));
	if (!rk)
		return -1;
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	got = malloc(cap * sizeof(*got));
	want = malloc(n * sizeof(*want));
	if (!got || !want || rd_kafka_metadata(rk, 0, rkt, &md, 10000))
		goto out;
	for (int pi = 0; pi < md->topics[0].partition_cnt; pi++) {
		int32_t p = md->topics[0].partitions[pi].id;
		int64_t lo, hi, next = 0;

		if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000))
			goto out_md;
		if (hi <= lo)
			continue;
		rd_kafka_consume_start(rkt, p, RD_KAFKA_OFFSET_BEGINNING);
		while (next < hi) {
			ssize_t m = rd_kafka_consume_batch(rkt, p, 5000, msgs, 10000);

			if (m <= 0)
				break;
			for (ssize_t i = 0; i < m; i++) {
				if (!msgs[i]->err) {
					if (ng == cap) {
						cap *= 2;
						got = realloc(got, cap * sizeof(*got));
					}
					got[ng++] = fnv(msgs[i]->key, msgs[i]->key_len);
					next = msgs[i]->offset + 1;
				}
				rd_kafka_message_destroy(msgs[i]);
			}
		}
		rd_kafka_consume_stop(rkt, p);
		if (next < hi)
			goto out_md; /* could not read it all */
	}
	for (uint64_t i = 0; i < n; i++)
		want[i] = fnv(key, make_key(lo + i, key));
	qsort(got, ng, sizeof(*got), cmp64);
	qsort(want, n, sizeof(*want), cmp64);
	*seen = ng;
	*missing = 0;
	*dups = 0;
	for (uint64_t i = 1; i < ng; i++)
		if (got[i] == got[i - 1])
			(*dups)++;
	for (uint64_t i = 0, j = 0; i < n; i++) {
		while (j < ng && got[j] < want[i])
			j++;
		if (j == ng || got[j] != want[i])
			(*missing)++;
	}
	r = 0;
out_md:
	rd_kafka_metadata_destroy(md);
out:
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	free(got);
	free(want);
	return r;
}

/* ---- the run -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: kafka_bench --records FILE [--mode direct|spool-live|spool-write|\n"
			"       spool-replay|synth] [--brokers HOST:PORT] [-n N] [--seconds S]\n"
			"       [--rate R] [--prop K=V]... [--spool-dir D] [--topic-prefix P]\n"
			"       [--partitions P] [--broker-data DIR] [--tick-ms MS] [--batch N]\n"
			"       [--label L] [--keep] [--first I] [--verify] [--verify-n N]\n");
	exit(2);
}

/* One run: its options, the sink it drives and what it measured. */
struct bench {
	/* options */
	const char *records, *mode, *brokers, *prefix, *bdata, *label;
	char *props[NT_MAX_KAFKA_PROPS];
	size_t nprops;
	uint64_t n, batch, tick_ns, verify_n, first;
	double seconds, rate;
	int partitions, keep, verify;
	char compression[32];
	/* the sink and its topic */
	struct nt_config cfg;
	char topic[300];
	struct nt_kafka *k;
	rd_kafka_t *adm;
	char *buf, key[64];
	/* measurements */
	struct nt_kafka_stats ks;
	struct thrset th0, th1;
	uint64_t t0, t_prod, t_end, produced, raw_bytes, from_spool;
	double cpu0, cpu_prod, cpu_end;
	int warm;
	int64_t offsets;
	uint64_t spool_disk, log_bytes;
	uint64_t v_missing, v_dups, v_seen;
	int v_rc;
	char thr[1024];
};

static void parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "records", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "n", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'R' },
		{ "prop", required_argument, NULL, 'X' },
		{ "spool-dir", required_argument, NULL, 'S' },
		{ "topic-prefix", required_argument, NULL, 'P' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "broker-data", required_argument, NULL, 'D' },
		{ "tick-ms", required_argument, NULL, 'T' },
		{ "batch", required_argument, NULL, 'B' },
		{ "label", required_argument, NULL, 'L' },
		{ "keep", no_argument, NULL, 'K' },
		{ "verify", no_argument, NULL, 'V' },
		{ "verify-n", required_argument, NULL, 'N' },
		{ "first", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			b->records = optarg;
			break;
		case 'm':
			b->mode = optarg;
			break;
		case 'b':
			b->brokers = optarg;
			break;
		case 'n':
			b->n = strtoull(optarg, NULL, 10);
			break;
		case 's':
			b->seconds = atof(optarg);
			break;
		case 'R':
			b->rate = atof(optarg);
			break;
		case 'X':
			if (b->nprops == NT_MAX_KAFKA_PROPS - 1)
				usage();
			b->props[b->nprops++] = optarg;
			if (!strncmp(optarg, "compression.type=", 17))
				snprintf(b->compression, sizeof(b->compression), "%s", optarg + 17);
			break;
		case 'S':
			setenv("KB_SPOOL", optarg, 1);
			break;
		case 'P':
			b->prefix = optarg;
			break;
		case 'p':
			b->partitions = atoi(optarg);
			break;
		case 'D':
			b->bdata = optarg;
			break;
		case 'T':
			b->tick_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'B':
			b->batch = strtoull(optarg, NULL, 10);
			break;
		case 'L':
			b->label = optarg;
			break;
		case 'K':
			b->keep = 1;
			break;
		case 'V':
			b->verify = 1;
			break;
		case 'F':
			b->first = strtoull(optarg, NULL, 10);
			break;
		case 'N':
			b->verify_n = strtoull(optarg, NULL, 10);
			b->verify = 1;
			break;
		default:
			usage();
		}
	}
	if (!b->records && strcmp(b->mode, "spool-replay"))
		usage();
}

/* This run's id, in every record_id it writes. */
static void make_run_id(void)
{
	uint64_t r0 = splitmix((uint64_t)now_ns() ^ (uint64_t)getpid());
	uint64_t r1 = splitmix(r0);

	for (int j = 0; j < 16; j++) {
		g_run[j] = hexd[(r0 >> (j * 4)) & 15];
		g_run[16 + j] = hexd[(r1 >> (j * 4)) & 15];
	}
}

/* --mode synth: the cost of building records, nothing else. */
static int run_synth(struct bench *b)
{
	size_t kl, sum = 0;
	uint64_t t0, t_end;
	double cpu0;

	t0 = now_ns();
	cpu0 = rusage_s();
	for (uint64_t i = 0; i < b->n; i++)
		sum += build(i, b->buf, b->key, &kl) + kl;
	t_end = now_ns();
	if (getenv("KB_DUMP")) /* a few records, to look at */
		for (uint64_t i = 0; i < 3; i++) {
			size_t vl = build(i * g_ntm + 7, b->buf, b->key, &kl);

			printf("%.*s\t%.*s\n", (int)kl, b->key, (int)vl, b->buf);
		}
	printf("{\"mode\":\"synth\",\"records\":%lu,\"templates\":%zu,"
	       "\"bytes_per_record\":%.1f,\"ns_per_record\":%.1f,"
	       "\"cpu_s\":%.3f}\n",
	       b->n, g_ntm, (double)sum / b->n, (double)(t_end - t0) / b->n, rusage_s() - cpu0);
	return 0;
}

/* The sink's configuration and the flow topic; -1, or the exit code. */
static int setup(struct bench *b)
{
	struct nt_config *cfg = &b->cfg;

	nt_config_defaults(cfg);
	cfg->output = NT_OUT_KAFKA;
	cfg->kafka_brokers = strdup(b->brokers ? b->brokers : "127.0.0.1:9092");
	if (!b->prefix) {
		static char p[64];

		snprintf(p, sizeof(p), "bench.%s.", g_run + 24);
		b->prefix = p;
	}
	cfg->kafka_topic_prefix = strdup(b->prefix);
	if (getenv("KB_SPOOL"))
		cfg->spool_dir = strdup(getenv("KB_SPOOL"));
	if (!strcmp(b->mode, "direct") && cfg->spool_dir) {
		fprintf(stderr, "kafka_bench: --mode direct takes no spool\n");
		return 2;
	}
	if (strcmp(b->mode, "direct") && !cfg->spool_dir) {
		fprintf(stderr, "kafka_bench: --mode %s needs --spool-dir\n", b->mode);
		return 2;
	}
	cfg->spool_max_bytes = 8ull << 30; /* no drop in these runs */
	/* statistics for wire bytes, unless the spool-write run (no broker) */
	for (size_t i = 0; i < b->nprops; i++)
		cfg->kafka_props[cfg->n_kafka_props++] = strdup(b->props[i]);
	if (strcmp(b->mode, "spool-write")) {
		g_want_stats = 1;
		cfg->kafka_props[cfg->n_kafka_props++] = strdup("statistics.interval.ms=100");
	}
	snprintf(b->topic, sizeof(b->topic), "%sflow", b->prefix);
	snprintf(g_flow_topic, sizeof(g_flow_topic), "%s", b->topic);

	if (strcmp(b->mode, "spool-write")) {
		b->adm = admin_new(cfg->kafka_brokers);
		if (!b->adm || create_topic(b->adm, b->topic, b->partitions))
			return 1;
	}
	return -1;
}

/* --mode spool-replay: a fresh sink on a full spool replays on every tick. */
static void run_replay(struct bench *b)
{
	uint64_t next = now_ns();

	nt_kafka_stats_get(b->k, &b->ks);
	b->n = b->from_spool = b->ks.spool_at_start;
	for (;;) {
		uint64_t now = now_ns();

		if (now < next) {
			struct timespec d = { 0, (long)(next - now) };

			nanosleep(&d, NULL);
		}
		next += b->tick_ns;
		nt_kafka_poll(b->k);
		nt_kafka_tick(b->k);
		nt_kafka_stats_get(b->k, &b->ks);
		if (b->ks.spool_records == 0 && b->ks.outstanding == 0)
			break;
		if (now_ns() - b->t0 > 600000000000ull)
			break;
	}
	b->t_prod = now_ns();
	b->cpu_prod = rusage_s();
	nt_kafka_flush(b->k, 30000);
	b->produced = b->n;
}

/*
 * Connected and the topic known before the clock starts: one record to the
 * heartbeat topic, then the clock restarts. 0, or 1 if it is not acknowledged.
 */
static int warm_up(struct bench *b)
{
	b->warm = 1;
	snprintf(b->topic, sizeof(b->topic), "%sheartbeat", b->prefix);
	create_topic(b->adm, b->topic, 1);
	snprintf(b->topic, sizeof(b->topic), "%sflow", b->prefix);
	nt_kafka_produce(b->k, NT_REC_HEARTBEAT, "w", 1, "{}", 2);
	for (int w = 0; w < 300; w++) {
		nt_kafka_poll(b->k);
		nt_kafka_stats_get(b->k, &b->ks);
		if (b->ks.acked)
			break;
		usleep(10000);
	}
	if (!b->ks.acked) {
		fprintf(stderr, "kafka_bench: warm-up record "
				"not acknowledged\n");
		return 1;
	}
	g_base = g_st;
	memset(&g_st, 0, sizeof(g_st));
	threads_read(&b->th0);
	b->t0 = now_ns();
	b->cpu0 = rusage_s();
	return 0;
}

/* Produce n records (or for --seconds), polling per batch, ticking, paced. */
static void produce_records(struct bench *b)
{
	uint64_t next_tick, i, deadline = 0;
	size_t kl, vl;

	if (b->seconds > 0) {
		deadline = b->t0 + (uint64_t)(b->seconds * 1e9);
		b->n = UINT64_MAX;
	}
	next_tick = b->t0 + b->tick_ns;
	for (i = 0; i < b->n; i++) {
		vl = build(b->first + i, b->buf, b->key, &kl);
		b->raw_bytes += vl;
		nt_kafka_produce(b->k, NT_REC_FLOW, b->key, kl, b->buf, vl);
		if ((i + 1) % b->batch == 0) {
			uint64_t now;

			nt_kafka_poll(b->k);
			now = now_ns();
			if (b->rate > 0) {
				/* paced: sleep to the schedule */
				uint64_t due = b->t0 + (uint64_t)((double)(i + 1) / b->rate * 1e9);

				while (now < due) {
					struct timespec d = { 0, (long)(due - now) };

					nanosleep(&d, NULL);
					now = now_ns();
				}
			}
			if (now >= next_tick) {
				nt_kafka_tick(b->k);
				next_tick = now + b->tick_ns;
			}
			if (deadline && now >= deadline) {
				i++;
				break;
			}
		}
	}
	b->produced = i;
}

/* --mode direct, spool-live, spool-write. 0, or the exit code. */
static int run_produce(struct bench *b)
{
	nt_kafka_stats_get(b->k, &b->ks);
	b->from_spool = b->ks.spool_at_start;
	/* not with a spool to replay: the warm-up would wait behind it */
	if (strcmp(b->mode, "spool-write") && !b->from_spool && warm_up(b))
		return 1;
	produce_records(b);
	b->t_prod = now_ns();
	b->cpu_prod = rusage_s();
	if (!strcmp(b->mode, "spool-live")) {
		/* if the spool took records, let it drain, ticking
		 * as the product does */
		for (;;) {
			nt_kafka_poll(b->k);
			nt_kafka_tick(b->k);
			nt_kafka_stats_get(b->k, &b->ks);
			if (b->ks.spool_records == 0 && b->ks.outstanding == 0)
				break;
			usleep((useconds_t)(b->tick_ns / 1000));
		}
	}
	/* spool-write: no broker, straight to the spool */
	nt_kafka_flush(b->k, strcmp(b->mode, "spool-write") ? 60000 : 0);
	return 0;
}

/* After the run: CPU, statistics, bytes on disk, end offsets, read-back. */
static void collect(struct bench *b)
{
	b->t_end = now_ns();
	b->cpu_end = rusage_s();
	threads_read(&b->th1);
	threads_json(&b->th0, &b->th1, b->thr, sizeof(b->thr));
	nt_kafka_stats_get(b->k, &b->ks);
	if (g_want_stats && g_rk) {
		/* one more statistics report after the last acknowledgement */
		uint64_t before = g_st.n, until = now_ns() + 1000000000ull;

		while (g_st.n < before + 2 && now_ns() < until)
			rd_kafka_poll(g_rk, 50);
	}
	nt_kafka_free(b->k);
	if (b->cfg.spool_dir)
		b->spool_disk = dir_bytes(b->cfg.spool_dir, NULL, ".seg");
	if (b->adm) {
		b->offsets = end_offsets(b->adm, b->topic);
		if (b->bdata)
			b->log_bytes = dir_bytes(b->bdata, b->topic, ".log");
	}
	/* read the topic back: each of records 0..n-1 there, how many twice */
	if (b->adm && b->verify)
		b->v_rc = verify_topic(b->cfg.kafka_brokers, b->topic, b->verify_n ? 0 : b->first,
				       b->verify_n ? b->verify_n : b->produced, &b->v_missing,
				       &b->v_dups, &b->v_seen);
}

/* Zero loss: nothing failed or dropped, the broker holds every record. */
static int zero_loss(const struct bench *b)
{
	const struct nt_kafka_stats *ks = &b->ks;
	int spool_ok = !strcmp(b->mode, "spool-write") ? ks->spool_records == b->produced : 1;
	/* what the broker must hold: this run's records and those a
	 * spool from an earlier run held */
	uint64_t fresh = strcmp(b->mode, "spool-replay") ? b->produced : 0;
	int ok = ks->failed == 0 && spool_ok &&
		 ks->spool_dropped_full + ks->spool_dropped_io + ks->spool_dropped_corrupt == 0 &&
		 (strcmp(b->mode, "spool-write") ? b->offsets == (int64_t)(fresh + b->from_spool) :
						   1);
	uint64_t acked = ks->acked - (uint64_t)b->warm;

	if (strcmp(b->mode, "spool-write") && acked != fresh + b->from_spool)
		ok = 0;
	if (b->verify && (b->v_rc || b->v_missing))
		ok = 0;
	return ok;
}

/* The run's one JSON line. */
static void report(const struct bench *b, int ok)
{
	const struct nt_kafka_stats *ks = &b->ks;
	uint64_t produced = b->produced;
	double wall = (double)(b->t_end - b->t0) / 1e9;
	double pwall = (double)(b->t_prod - b->t0) / 1e9;
	uint64_t acked = ks->acked - (uint64_t)b->warm;
	int64_t tx = g_st.txbytes - g_base.txbytes;
	int64_t txm = g_st.txmsg_bytes - g_base.txmsg_bytes;

	printf("{\"mode\":\"%s\",\"label\":\"%s\",\"compression\":\"%s\","
	       "\"records\":%lu,\"wall_s\":%.3f,\"produce_s\":%.3f,"
	       "\"records_per_s\":%.0f,\"produce_calls_per_s\":%.0f,"
	       "\"cpu_s\":%.3f,\"cpu_produce_s\":%.3f,"
	       "\"cpu_us_per_record\":%.2f,\"threads_cpu_s\":%s,"
	       "\"value_bytes_per_record\":%.1f,"
	       "\"wire_bytes_per_record\":%.1f,"
	       "\"msg_bytes_per_record\":%.1f,"
	       "\"log_bytes_per_record\":%.1f,"
	       "\"spool_bytes_per_record\":%.1f,"
	       "\"batch_msgs_avg\":%.0f,\"batch_bytes_avg\":%.0f,"
	       "\"int_latency_ms\":%.1f,\"outbuf_latency_ms\":%.1f,"
	       "\"rtt_ms\":%.1f,\"requests\":%ld,"
	       "\"librdkafka_msgs_max\":%ld,"
	       "\"acked\":%lu,\"failed\":%lu,\"queue_full\":%lu,"
	       "\"spooled\":%lu,\"replayed\":%lu,\"resent\":%lu,"
	       "\"degraded_episodes\":%lu,\"in_spool\":%lu,"
	       "\"spool_dropped\":%lu,\"spool_at_start\":%lu,"
	       "\"end_offsets\":%ld,"
	       "\"props\":\"",
	       b->mode, b->label, b->compression, produced, wall, pwall, produced / wall,
	       produced / pwall, b->cpu_end - b->cpu0, b->cpu_prod - b->cpu0,
	       (b->cpu_end - b->cpu0) / produced * 1e6, b->thr,
	       b->raw_bytes ? (double)b->raw_bytes / produced : 0.0, (double)tx / produced,
	       (double)txm / produced, (double)b->log_bytes / produced,
	       (double)b->spool_disk / produced,
	       g_st.batch_n ? g_st.batchcnt_sum / g_st.batch_n : 0.0,
	       g_st.batch_n ? g_st.batchsize_sum / g_st.batch_n : 0.0,
	       g_st.intlat_n ? g_st.intlat_sum / g_st.intlat_n / 1000 : 0.0,
	       g_st.outbuf_n ? g_st.outbuf_sum / g_st.outbuf_n / 1000 : 0.0,
	       g_st.rtt_n ? g_st.rtt_sum / g_st.rtt_n / 1000 : 0.0,
	       (long)(g_st.tx_reqs - g_base.tx_reqs), (long)g_st.msg_max, acked, ks->failed,
	       ks->queue_full, ks->spooled, ks->replayed, ks->resent, ks->degraded_episodes,
	       ks->spool_records,
	       ks->spool_dropped_full + ks->spool_dropped_io + ks->spool_dropped_corrupt,
	       b->from_spool, (long)b->offsets);
	for (size_t i = 0; i < b->nprops; i++)
		printf("%s%s", i ? " " : "", b->props[i]);
	printf("\"");
	if (b->verify)
		printf(",\"verify\":{\"expected\":%lu,\"read\":%lu,"
		       "\"missing\":%lu,\"duplicates\":%lu,\"ok\":%s}",
		       b->verify_n ? b->verify_n : produced, b->v_seen, b->v_missing, b->v_dups,
		       b->v_rc ? "false" : "true");
	printf(",\"zero_loss\":%s}\n", ok ? "true" : "false");
	fflush(stdout);
}

/* Delete the topics (unless --keep): the sink's producer asked for all three. */
static void cleanup(struct bench *b)
{
	if (b->adm && !b->keep)
		delete_topic(b->adm, b->topic);
	if (b->adm) {
		snprintf(b->topic, sizeof(b->topic), "%sheartbeat", b->prefix);
		if (!b->keep)
			delete_topic(b->adm, b->topic);
		snprintf(b->topic, sizeof(b->topic), "%sdns", b->prefix);
		if (!b->keep)
			delete_topic(b->adm, b->topic);
		rd_kafka_destroy(b->adm);
	}
	nt_config_free(&b->cfg);
	free(b->buf);
}

int main(int argc, char **argv)
{
	static struct bench b = {
		.mode = "direct",
		.label = "",
		.n = 3000000,
		.batch = 1000,
		.tick_ns = 100000000ull,
		.partitions = 1,
		.compression = "lz4",
		.offsets = -2,
		.v_rc = -2,
		.thr = "{}",
	};
	int usage_err, rc, ok;
	char err[512];

	parse_args(&b, argc, argv);
	if (b.records && load_records(b.records, 0))
		return 1;
	make_run_id();
	b.buf = malloc(1 << 20);
	if (!strcmp(b.mode, "synth"))
		return run_synth(&b);
	rc = setup(&b);
	if (rc >= 0)
		return rc;

	threads_read(&b.th0);
	b.t0 = now_ns();
	b.cpu0 = rusage_s();
	b.k = nt_kafka_new(&b.cfg, "bench-node", err, sizeof(err), &usage_err);
	if (!b.k) {
		fprintf(stderr, "kafka_bench: %s\n", err);
		return usage_err ? 2 : 1;
	}
	if (!strcmp(b.mode, "spool-replay"))
		run_replay(&b);
	else if (run_produce(&b))
		return 1;
	collect(&b);
	ok = zero_loss(&b);
	report(&b, ok);
	cleanup(&b);
	return ok ? 0 : 3;
}
