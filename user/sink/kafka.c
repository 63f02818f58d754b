// SPDX-License-Identifier: BSD-2-Clause
/* kafka.c - the Kafka sink: librdkafka producer, topics, keys, headers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "kafka.h"
#include "log.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocsf.h"
#include "record.h"
#include "spool.h"

static const char *const type_names[NT_REC_MAX] = {
	[NT_REC_FLOW] = "flow",
	[NT_REC_DNS] = "dns",
	[NT_REC_HEARTBEAT] = "heartbeat",
	[NT_REC_OCSF_NETWORK] = "ocsf.network_activity",
	[NT_REC_OCSF_DNS] = "ocsf.dns_activity",
};
_Static_assert(sizeof(((struct nt_config *)0)->kafka_topic) / sizeof(char *) == NT_REC_MAX,
	       "a topic override for every record type");

/* Telemetry defaults, before the user's --kafka-config and --kafka-prop:
 * idempotent (no duplicates or reordering on retries), acks from every
 * in-sync replica, batched and compressed, bounded local memory. */
static const char *const defaults[][2] = {
	{ "enable.idempotence", "true" },   { "acks", "all" },
	{ "compression.type", "lz4" },	    { "linger.ms", "50" },
	{ "batch.num.messages", "10000" },  { "queue.buffering.max.kbytes", "262144" },
	{ "message.timeout.ms", "300000" }, { "client.id", "nettrail" },
};

/* A block read back from the spool, in librdkafka until every record of
 * it is settled (acknowledged, lost and counted, or queued again). */
struct replay_blk {
	void *seg;
	uint64_t first_seq; /* sorts its failures ahead of later records */
	uint32_t pending;
};

/* A record whose delivery failed, kept until it is spooled again; or,
 * with no spool and no producer, a new record waiting for one. */
struct failure {
	uint64_t seq;		/* produce order */
	uint64_t order;		/* delivery report order (tie-break) */
	struct replay_blk *blk; /* settled once the copy is safe */
	int fresh;		/* never sent (not a re-send) */
	struct nt_spool_rec r;	/* key and val are heap copies */
};

struct nt_kafka {
	rd_kafka_t *rk;	       /* NULL only while re-creation fails */
	rd_kafka_conf_t *conf; /* template: a reset producer starts from it */
	rd_kafka_topic_t *topics[NT_REC_MAX];
	char topic_names[NT_REC_MAX][256];
	struct nt_kafka_stats st;
	char node[256];
	const char *ocsf_version; /* the nettrail.ocsf_version header */
	uint64_t last_err_logged;
	struct nt_spool *spool;
	int spool_active; /* the spool holds records: new ones queue up
				    behind them, so order holds */
	int degraded;	  /* broker down, slow or full: spool, probe */
	int fatal;	  /* librdkafka raised a fatal error */
	uint64_t next_seq, fail_order;
	uint64_t last_probe_ns, last_state_log;
	uint64_t next_create_ns; /* no producer: the next attempt, not before */
	uint32_t create_fails;	 /* failed re-creations in a row */
	struct failure *fails;
	size_t nfails, fails_cap;
	int retry_direct;	  /* no spool: re-send failures after a reset */
	uint64_t test_fatal_at;	  /* --fault kafka-fatal-at: raise a fatal error
				    after this many records (tests only) */
	uint32_t test_reset_fail; /* --fault kafka-reset-fail: re-creations
				     left to fail */
	uint32_t test_keep_fail;  /* --fault kafka-keep-fail: failed deliveries
				    left to find no memory */
};

#define REPLAY_WINDOW 20000	    /* records from the spool in librdkafka */
#define PROBE_NS      1000000000ull /* while degraded, one block a second */
#define RECREATE_NS   1000000000ull /* a failed re-creation: again 1 s later */
#define HOLD_MAX \
	100000 /* no spool, no producer: records that wait
				    in memory (librdkafka's own default cap) */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void set_degraded(struct nt_kafka *k, const char *why)
{
	if (!k->degraded) {
		k->degraded = 1;
		k->st.degraded_episodes++;
		nt_warn("kafka: %s; %s", why,
			k->spool ? "records go to the spool until it recovers" :
				   "records wait in memory (no --spool-dir)");
	}
}

/* Errors no retry can cure: the record itself is refused. */
static int permanent(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || e == RD_KAFKA_RESP_ERR_INVALID_MSG ||
	       e == RD_KAFKA_RESP_ERR_INVALID_RECORD || e == RD_KAFKA_RESP_ERR__BAD_MSG;
}

static int type_of(const struct nt_kafka *k, const rd_kafka_topic_t *rkt)
{
	const char *name = rd_kafka_topic_name(rkt);

	for (int t = 0; t < NT_REC_MAX; t++)
		if (!strcmp(name, k->topic_names[t]))
			return t;
	return NT_REC_FLOW;
}

/* One record lost for good: counted in failed, logged (the first, then
 * one line per 1000). */
static void lost(struct nt_kafka *k, const char *what, const char *why)
{
	k->st.failed++;
	if (k->st.failed - k->last_err_logged >= 1000 || k->st.failed == 1) {
		nt_warn("kafka: %s (%llu lost so far): %s", what, (unsigned long long)k->st.failed,
			why);
		k->last_err_logged = k->st.failed;
	}
}

/* One record of a spool block settled; 1 when that was its last. */
static int settle(struct nt_kafka *k, struct replay_blk *blk)
{
	if (!blk)
		return 0;
	nt_spool_done(k->spool, blk->seg, 1);
	if (--blk->pending)
		return 0;
	free(blk);
	return 1;
}

static int grow_fails(struct nt_kafka *k, size_t need)
{
	size_t cap = k->fails_cap ? k->fails_cap : 1024;
	void *p;

	if (need <= k->fails_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(k->fails, cap * sizeof(*k->fails));
	if (!p)
		return -1;
	k->fails = p;
	k->fails_cap = cap;
	return 0;
}

/* Keeps a copy of one record for later: spooled again, or (no spool) sent
 * to the next producer. -1 when there is no memory for it. */
static int hold(struct nt_kafka *k, int type, const void *key, size_t klen, const void *val,
		size_t vlen, uint64_t seq, struct replay_blk *blk, int fresh)
{
	struct failure *f;
	char *kc, *vc;

	if (grow_fails(k, k->nfails + 1))
		return -1;
	kc = malloc(klen + 1);
	vc = malloc(vlen + 1);
	if (!kc || !vc) {
		free(kc);
		free(vc);
		return -1;
	}
	if (klen)
		memcpy(kc, key, klen);
	if (vlen)
		memcpy(vc, val, vlen);
	f = &k->fails[k->nfails++];
	f->seq = seq;
	f->order = k->fail_order++;
	f->blk = blk;
	f->fresh = fresh;
	f->r = (struct nt_spool_rec){ .type = (uint8_t)type,
				      .klen = (uint16_t)klen,
				      .vlen = (uint32_t)vlen,
				      .key = kc,
				      .val = vc };
	return 0;
}

static void keep_failure(struct nt_kafka *k, const rd_kafka_message_t *m, uint64_t seq,
			 struct replay_blk *blk)
{
	int fault = k->test_keep_fail > 0;

	if (fault)
		k->test_keep_fail--; /* as if malloc had failed */
	if (!fault &&
	    !hold(k, type_of(k, m->rkt), m->key, m->key_len, m->payload, m->len, seq, blk, 0))
		return;
	/* lost, counted, and settled: a block left unsettled would stop a
	 * degraded spool's probes (and so its draining) until a restart */
	lost(k, "no memory to keep a failed delivery for re-sending", rd_kafka_err2str(m->err));
	settle(k, blk);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct nt_kafka *k = opaque;
	uintptr_t o = (uintptr_t)m->_private;
	struct replay_blk *blk = (o & 1) ? (struct replay_blk *)(o - 1) : NULL;

	(void)rk;
	if (!m->err) {
		k->st.acked++;
		k->st.broker_up = 1;
		if (k->degraded && !k->fatal) {
			k->degraded = 0;
			nt_warn("kafka: deliveries resumed");
		}
		settle(k, blk);
		return;
	}
	if (!permanent(m->err) && (k->spool || k->retry_direct)) {
		/* hand it back to the spool (or to the next producer) */
		keep_failure(k, m, blk ? blk->first_seq : (uint64_t)(o >> 1), blk);
		if (k->spool && m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
		    m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
			set_degraded(k, rd_kafka_err2str(m->err));
		return;
	}
	lost(k, "delivery failed", rd_kafka_err2str(m->err));
	settle(k, blk);
}

/* librdkafka's own log lines: errors arrive through on_error already, so
 * only what it calls critical or worse is printed, in our format. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 2)
		nt_warn("kafka: %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct nt_kafka *k = opaque;
	uint64_t now = now_ns();

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		k->fatal = 1;
		k->retry_direct = !k->spool; /* keep the records it hands back */
		return;			     /* handled (and logged) by the main loop */
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		k->st.broker_up = 0;
		if (k->spool)
			set_degraded(k, "all brokers are down");
	}
	if (now - k->last_state_log > 10000000000ull) {
		nt_warn("kafka: %s", reason);
		k->last_state_log = now;
	}
}

static int conf_set(rd_kafka_conf_t *c, const char *key, const char *val, char *err, size_t errlen)
{
	char e[256];

	if (rd_kafka_conf_set(c, key, val, e, sizeof(e)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka property %s=%s: %s", key, val, e);
	return -1;
}

/* "key=value", leading/trailing blanks ignored. */
static int conf_line(rd_kafka_conf_t *c, const char *line, char *err, size_t errlen)
{
	char buf[1024], *eq, *k, *v, *end;

	snprintf(buf, sizeof(buf), "%s", line);
	eq = strchr(buf, '=');
	if (!eq) {
		snprintf(err, errlen, "kafka property '%s': not key=value", line);
		return -1;
	}
	*eq = 0;
	for (k = buf; isspace((unsigned char)*k); k++)
		;
	for (end = eq - 1; end >= k && isspace((unsigned char)*end); end--)
		*end = 0;
	for (v = eq + 1; isspace((unsigned char)*v); v++)
		;
	for (end = v + strlen(v) - 1; end >= v && isspace((unsigned char)*end); end--)
		*end = 0;
	/* "${NAME}": the value of an environment variable, so a secret
	 * (a SASL password from a Kubernetes Secret) never appears on the
	 * command line or in a file */
	if (v[0] == '$' && v[1] == '{' && v[strlen(v) - 1] == '}') {
		const char *ev;

		v[strlen(v) - 1] = 0;
		ev = getenv(v + 2);
		if (!ev) {
			snprintf(err, errlen,
				 "kafka property %s: environment "
				 "variable %s is not set",
				 k, v + 2);
			return -1;
		}
		v = (char *)ev;
	}
	return conf_set(c, k, v, err, errlen);
}

static int conf_file(rd_kafka_conf_t *c, const char *path, char *err, size_t errlen)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int r = 0;

	if (!f) {
		snprintf(err, errlen, "cannot read --kafka-config %s", path);
		return -1;
	}
	while (!r && fgets(line, sizeof(line), f)) {
		char *p = line;

		line[strcspn(line, "\r\n")] = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (*p && *p != '#')
			r = conf_line(c, p, err, errlen);
	}
	fclose(f);
	return r;
}

/* host:port[,host:port...], port numeric. */
static int brokers_ok(const char *list)
{
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memrchr(p, ':', n);
		size_t digits;

		if (!colon || colon == p)
			return 0;
		digits = n - (size_t)(colon - p) - 1;
		if (!digits || digits > 5)
			return 0;
		for (size_t i = 1; i <= digits; i++)
			if (!isdigit((unsigned char)colon[i]))
				return 0;
		if (!end)
			break;
		p = end + 1;
	}
	return 1;
}

/* --fault kafka-reset-fail: a conf that rd_kafka_new refuses, as when a
 * CA file has gone away since start-up (or, without TLS support, a
 * property conflict it checks only then). */
static void fault_conf(rd_kafka_conf_t *c)
{
	char e[256];

	if (rd_kafka_conf_set(c, "security.protocol", "ssl", e, sizeof(e)) ||
	    rd_kafka_conf_set(c, "ssl.ca.location", "/nonexistent/nettrail-fault/ca.pem", e,
			      sizeof(e))) {
		rd_kafka_conf_set(c, "enable.idempotence", "true", e, sizeof(e));
		rd_kafka_conf_set(c, "max.in.flight.requests.per.connection", "6", e, sizeof(e));
	}
}

static void drop_producer(struct nt_kafka *k)
{
	for (int t = 0; t < NT_REC_MAX; t++) {
		if (k->topics[t])
			rd_kafka_topic_destroy(k->topics[t]);
		k->topics[t] = NULL;
	}
	if (k->rk)
		rd_kafka_destroy(k->rk);
	k->rk = NULL;
}

/* A producer and its topics from the template conf, or none at all.
 * reset: a re-creation (where --fault kafka-reset-fail applies). */
static int make_producer(struct nt_kafka *k, int reset, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_dup(k->conf);
	char e[512];

	if (!c) {
		snprintf(err, errlen, "kafka: out of memory");
		return -1;
	}
	if (reset && k->test_reset_fail) {
		k->test_reset_fail--;
		fault_conf(c);
	}
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof(e));
	if (!k->rk) {
		rd_kafka_conf_destroy(c);
		snprintf(err, errlen, "kafka: %s", e);
		return -1;
	}
	for (int t = 0; t < NT_REC_MAX; t++) {
		if (t == NT_REC_OCSF_NETWORK || t == NT_REC_OCSF_DNS)
			continue; /* on first use (topic_of): most runs write no OCSF */
		k->topics[t] = rd_kafka_topic_new(k->rk, k->topic_names[t], NULL);
		if (!k->topics[t]) {
			snprintf(err, errlen, "kafka topic %s: %s", k->topic_names[t],
				 rd_kafka_err2str(rd_kafka_last_error()));
			drop_producer(k);
			return -1;
		}
	}
	return 0;
}

/* Brokers checked, then our defaults, bootstrap.servers, --kafka-config,
 * --kafka-prop in that order (later wins). Every failure is a usage error. */
static int build_conf(rd_kafka_conf_t *c, const struct nt_config *cfg, char *err, size_t errlen)
{
	if (!cfg->kafka_brokers || !brokers_ok(cfg->kafka_brokers)) {
		snprintf(err, errlen,
			 "--kafka-brokers: '%s' is not a list of "
			 "host:port",
			 cfg->kafka_brokers ? cfg->kafka_brokers : "");
		return -1;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (conf_set(c, defaults[i][0], defaults[i][1], err, errlen))
			return -1;
	if (conf_set(c, "bootstrap.servers", cfg->kafka_brokers, err, errlen) ||
	    (cfg->kafka_config && conf_file(c, cfg->kafka_config, err, errlen)))
		return -1;
	for (size_t i = 0; i < cfg->n_kafka_props; i++)
		if (conf_line(c, cfg->kafka_props[i], err, errlen))
			return -1;
	return 0;
}

int nt_kafka_check_config(const struct nt_config *cfg, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	int r = build_conf(c, cfg, err, errlen);

	rd_kafka_conf_destroy(c);
	return r;
}

struct nt_kafka *nt_kafka_new(const struct nt_config *cfg, const char *node, char *err,
			      size_t errlen, int *usage)
{
	struct nt_kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	*usage = 1;
	if (!k || !c)
		goto fail;
	if (build_conf(c, cfg, err, errlen))
		goto fail;
	snprintf(k->node, sizeof(k->node), "%s", node);
	k->ocsf_version = nt_ocsf_version_name(cfg->ocsf_version);
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_conf_set_error_cb(c, on_error);
	rd_kafka_conf_set_log_cb(c, on_log);
	for (int t = 0; t < NT_REC_MAX; t++)
		snprintf(k->topic_names[t], sizeof(k->topic_names[t]), "%s%s",
			 cfg->kafka_topic[t] ? "" : cfg->kafka_topic_prefix,
			 cfg->kafka_topic[t] ? cfg->kafka_topic[t] : type_names[t]);
	k->conf = c;
	c = NULL;
	*usage = 0;
	if (cfg->spool_dir) {
		k->spool = nt_spool_open(cfg->spool_dir, cfg->spool_max_bytes, cfg->spool_policy,
					 cfg->spool_fsync_ms, err, errlen);
		if (!k->spool)
			goto fail;
		k->st.spool_at_start = nt_spool_stats(k->spool)->records;
		k->spool_active = k->st.spool_at_start > 0;
	}
	k->test_reset_fail = cfg->fault.kafka_reset_fail;
	k->test_keep_fail = cfg->fault.kafka_keep_fail;
	if (make_producer(k, 0, err, errlen))
		goto fail;
	k->next_seq = 1;
	k->last_probe_ns = now_ns();
	/* the fatal-error path must run in tests: librdkafka's own hook */
	k->test_fatal_at = cfg->fault.kafka_fatal_at;
	return k;
fail:
	if (c)
		rd_kafka_conf_destroy(c);
	nt_kafka_free(k);
	return NULL;
}

/* A record type's topic, its handle made on first use for the OCSF ones
 * (also for OCSF records a spool of an earlier run holds); NULL when
 * librdkafka cannot make it. */
static rd_kafka_topic_t *topic_of(struct nt_kafka *k, int t)
{
	if (!k->topics[t] && k->rk)
		k->topics[t] = rd_kafka_topic_new(k->rk, k->topic_names[t], NULL);
	return k->topics[t];
}

/* One message to librdkafka. 0, or the producev error. An OCSF record
 * also names its OCSF version. */
static rd_kafka_resp_err_t send1(struct nt_kafka *k, int t, const char *key, size_t klen,
				 const char *val, size_t vlen, void *opaque)
{
	if (!topic_of(k, t))
		return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
	if (t == NT_REC_OCSF_NETWORK || t == NT_REC_OCSF_DNS)
		return rd_kafka_producev(
			k->rk, RD_KAFKA_V_RKT(k->topics[t]),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, klen),
			RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_OPAQUE(opaque),
			RD_KAFKA_V_HEADER("nettrail.record_type", type_names[t], -1),
			RD_KAFKA_V_HEADER("nettrail.schema_version", NT_SCHEMA_VERSION, -1),
			RD_KAFKA_V_HEADER("nettrail.node", k->node, -1),
			RD_KAFKA_V_HEADER("nettrail.ocsf_version", k->ocsf_version, -1),
			RD_KAFKA_V_END);
	return rd_kafka_producev(
		k->rk, RD_KAFKA_V_RKT(k->topics[t]), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)val, vlen),
		RD_KAFKA_V_OPAQUE(opaque),
		RD_KAFKA_V_HEADER("nettrail.record_type", type_names[t], -1),
		RD_KAFKA_V_HEADER("nettrail.schema_version", NT_SCHEMA_VERSION, -1),
		RD_KAFKA_V_HEADER("nettrail.node", k->node, -1), RD_KAFKA_V_END);
}

static int to_spool(struct nt_kafka *k, enum nt_record_type t, const char *key, size_t klen,
		    const char *val, size_t vlen)
{
	k->spool_active = 1;
	return nt_spool_append(k->spool, (uint8_t)t, key, klen, val, vlen);
}

static int fail_cmp(const void *a, const void *b)
{
	const struct failure *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Failures (their copies owned) back on the list, for the next requeue. */
static void keep_back(struct nt_kafka *k, struct failure *f, size_t n)
{
	if (!grow_fails(k, k->nfails + n)) {
		if (n)
			memcpy(k->fails + k->nfails, f, n * sizeof(*f));
		k->nfails += n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		lost(k, "no memory to keep a record for re-sending", "record lost");
		settle(k, f[i].blk);
		free((void *)f[i].r.key);
		free((void *)f[i].r.val);
	}
}

/* With a spool: ahead of everything spooled. */
static void spool_again(struct nt_kafka *k, const struct failure *f, size_t n)
{
	struct nt_spool_rec *r = malloc(n * sizeof(*r));

	k->spool_active = 1;
	if (!r) {
		for (size_t i = 0; i < n; i++)
			lost(k, "no memory to spool failed deliveries again", "record lost");
		return;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = f[i].r;
	nt_spool_prepend(k->spool, r, n);
	free(r);
}

/* Without a spool: to the producer, waiting for room in its queue. How
 * many it took; after a fatal error the rest wait for the next one. */
static size_t resend_direct(struct nt_kafka *k, const struct failure *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct nt_spool_rec *r = &f[i].r;
		uint64_t seq = k->next_seq++;
		rd_kafka_resp_err_t e;
		int full = 0;

		while ((e = send1(k, r->type, r->key, r->klen, r->val, r->vlen,
				  (void *)(uintptr_t)(seq << 1))) ==
		       RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			if (!full++)
				k->st.queue_full++;
			rd_kafka_poll(k->rk, 100);
		}
		if (e == RD_KAFKA_RESP_ERR__FATAL) {
			k->fatal = 1;
			return i;
		}
		if (e)
			lost(k, "could not send a record again", rd_kafka_err2str(e));
	}
	return n;
}

/* Failed records go back ahead of everything spooled (or, without a
 * spool, to the producer again), in the order they were produced. Without
 * a spool or a producer they wait. */
static void requeue_failures(struct nt_kafka *k)
{
	struct failure *f = k->fails;
	size_t n = k->nfails, done = n;

	if (!n || (!k->spool && !k->rk))
		return;
	/* reports served while re-sending start a new list */
	k->fails = NULL;
	k->nfails = k->fails_cap = 0;
	qsort(f, n, sizeof(*f), fail_cmp);
	if (k->spool)
		spool_again(k, f, n);
	else
		done = resend_direct(k, f, n);
	for (size_t i = 0; i < done; i++) {
		if (!f[i].fresh)
			k->st.resent++;
		settle(k, f[i].blk);
		free((void *)f[i].r.key);
		free((void *)f[i].r.val);
	}
	keep_back(k, f + done, n - done);
	free(f);
}

/* Purges what librdkafka holds; the reports come back as failures. */
static void purge_all(struct nt_kafka *k)
{
	uint64_t until = now_ns() + 5000000000ull;

	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
				      RD_KAFKA_PURGE_F_NON_BLOCKING);
	while (rd_kafka_outq_len(k->rk) > 0 && now_ns() < until)
		rd_kafka_poll(k->rk, 50);
	rd_kafka_poll(k->rk, 0);
}

/* A fatal error (idempotence state lost) ends the producer: every
 * unconfirmed record is taken back (its report comes back as a failure). */
static void retire_producer(struct nt_kafka *k)
{
	char reason[512];
	rd_kafka_resp_err_t e = rd_kafka_fatal_error(k->rk, reason, sizeof(reason));

	nt_warn("kafka: fatal error %s: %s; re-creating "
		"the producer and re-sending unconfirmed records",
		rd_kafka_err2name(e), reason);
	k->retry_direct = !k->spool;
	purge_all(k);
	drop_producer(k);
	k->fatal = 0;
	k->st.producer_resets++;
	k->next_create_ns = 0;
	k->create_fails = 0;
}

/* A new producer, which gets the records taken back first. If it cannot
 * be made, records go to the spool (or wait in memory) and it is tried
 * again RECREATE_NS later. */
static void revive_producer(struct nt_kafka *k)
{
	char err[512];
	uint64_t now = now_ns();

	if (now < k->next_create_ns)
		return;
	if (make_producer(k, 1, err, sizeof(err))) {
		k->st.producer_create_failed++;
		k->next_create_ns = now + RECREATE_NS;
		if (++k->create_fails <= 3 || k->create_fails % 60 == 0)
			nt_warn("kafka: could not re-create the producer "
				"(attempt %u): %s; %s, trying again every "
				"second",
				k->create_fails, strncmp(err, "kafka: ", 7) ? err : err + 7,
				k->spool ? "records go to the spool" : "records wait in memory");
		return;
	}
	if (k->create_fails)
		nt_warn("kafka: producer re-created after %u failed attempts", k->create_fails);
	k->create_fails = 0;
	requeue_failures(k);
	k->retry_direct = 0;
	/* not degraded: the broker may be fine; the re-queued records are
	 * replayed at once, and a real outage shows in their reports */
}

/* After a fatal error, or while re-creation fails: the producer replaced
 * if it can be now. 1 when there is one. */
static int have_producer(struct nt_kafka *k)
{
	if (k->rk && k->fatal)
		retire_producer(k);
	if (!k->rk)
		revive_producer(k);
	return k->rk != NULL;
}

/* No spool and no producer: the record waits in memory for the next
 * producer, up to HOLD_MAX records; beyond, it is lost and counted. */
static int hold_new(struct nt_kafka *k, enum nt_record_type t, const char *key, size_t klen,
		    const char *val, size_t vlen)
{
	if (k->nfails < HOLD_MAX && !hold(k, t, key, klen, val, vlen, k->next_seq++, NULL, 1))
		return 0;
	lost(k,
	     "no producer, and no room to keep the record until there "
	     "is one",
	     "record lost");
	return -1;
}

/* Straight to librdkafka: the spool empty (or none) and a producer. */
static int produce_direct(struct nt_kafka *k, enum nt_record_type t, const char *key, size_t klen,
			  const char *val, size_t vlen)
{
	int full = 0;

	for (;;) {
		uint64_t seq = k->next_seq++;
		rd_kafka_resp_err_t e;

		if (!k->rk)
			return k->spool ? to_spool(k, t, key, klen, val, vlen) :
					  hold_new(k, t, key, klen, val, vlen);
		e = send1(k, t, key, klen, val, vlen, (void *)(uintptr_t)(seq << 1));
		if (!e)
			return 0;
		if (e == RD_KAFKA_RESP_ERR__FATAL) {
			k->fatal = 1;
			if (k->spool)
				return to_spool(k, t, key, klen, val, vlen);
			have_producer(k); /* hand back, re-create, re-send */
			continue;
		}
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			lost(k, "could not produce", rd_kafka_err2str(e));
			return -1;
		}
		if (!full++)
			k->st.queue_full++;
		if (k->spool) {
			set_degraded(k, "local queue full (broker slow or "
					"down)");
			return to_spool(k, t, key, klen, val, vlen);
		}
		/* no spool: backpressure, serve reports until there is room */
		rd_kafka_poll(k->rk, 100);
	}
}

int nt_kafka_produce(struct nt_kafka *k, enum nt_record_type t, const char *key, size_t klen,
		     const char *val, size_t vlen)
{
	k->st.produced++;
	if (k->rk && k->test_fatal_at && k->st.produced == k->test_fatal_at)
		rd_kafka_test_fatal_error(k->rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
					  "--fault kafka-fatal-at");
	if (!k->spool && (k->fatal || !k->rk))
		have_producer(k); /* hand back, re-create, re-send first */
	if (k->spool && (k->spool_active || k->degraded || k->fatal || !k->rk))
		return to_spool(k, t, key, klen, val, vlen);
	return produce_direct(k, t, key, klen, val, vlen);
}

/* Hands one block of the spool to librdkafka. 0 when the spool is empty. */
static int replay_block(struct nt_kafka *k)
{
	struct nt_spool_block b;
	struct replay_blk *blk;

	if (!nt_spool_read(k->spool, &b))
		return 0;
	blk = malloc(sizeof(*blk));
	if (!blk) {
		for (uint32_t i = 0; i < b.n; i++)
			lost(k, "no memory to replay a spool block", "record lost");
		nt_spool_done(k->spool, b.seg, b.n);
		return 1;
	}
	blk->seg = b.seg;
	blk->first_seq = k->next_seq;
	blk->pending = b.n;
	k->next_seq += b.n;
	for (uint32_t i = 0; i < b.n; i++) {
		const struct nt_spool_rec *r = &b.recs[i];
		int t = r->type < NT_REC_MAX ? r->type : NT_REC_FLOW;
		rd_kafka_resp_err_t e;
		int full = 0;

		while ((e = send1(k, t, r->key, r->klen, r->val, r->vlen,
				  (void *)((uintptr_t)blk | 1))) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			if (!full++)
				k->st.queue_full++;
			rd_kafka_poll(k->rk, 10);
		}
		k->st.replayed++;
		if (e == RD_KAFKA_RESP_ERR__FATAL) {
			/* back to the spool with the producer's failures */
			k->fatal = 1;
			if (!hold(k, t, r->key, r->klen, r->val, r->vlen, blk->first_seq, blk, 0))
				continue;
		}
		if (e) {
			lost(k, "could not replay a record", rd_kafka_err2str(e));
			if (settle(k, blk))
				return 1;
		}
	}
	return 1;
}

static void replay(struct nt_kafka *k, uint64_t now)
{
	if (!k->spool_active || !k->rk)
		return;
	if (k->degraded) {
		/* probe: one block a second, if nothing of ours is out */
		if (nt_spool_unsettled(k->spool) == 0 && now - k->last_probe_ns >= PROBE_NS) {
			k->last_probe_ns = now;
			if (!replay_block(k))
				k->spool_active = 0;
		}
		return;
	}
	while (!k->fatal && rd_kafka_outq_len(k->rk) < REPLAY_WINDOW) {
		if (!replay_block(k)) {
			k->spool_active = 0; /* drained: straight to Kafka */
			break;
		}
	}
}

void nt_kafka_poll(struct nt_kafka *k)
{
	if (k->rk)
		rd_kafka_poll(k->rk, 0);
	have_producer(k);
	requeue_failures(k);
}

void nt_kafka_tick(struct nt_kafka *k)
{
	uint64_t now = now_ns();

	nt_kafka_poll(k);
	if (k->spool) {
		nt_spool_flush(k->spool, now);
		replay(k, now);
	}
}

/* Records in librdkafka, and records waiting in memory for a producer. */
static uint64_t outstanding(const struct nt_kafka *k)
{
	return (k->rk ? (uint64_t)rd_kafka_outq_len(k->rk) : 0) + k->nfails;
}

/* Nothing more to wait for at exit: nothing taken back and waiting,
 * librdkafka's queue empty, and the spool drained or the broker down.
 * Without a producer, whatever waits for one keeps the loop trying to
 * re-create it until the deadline. */
static int flushed(const struct nt_kafka *k)
{
	if (k->fatal || k->nfails)
		return 0; /* records taken back wait to be sent or spooled */
	if (!k->rk)
		return !k->spool || !k->spool_active;
	return rd_kafka_outq_len(k->rk) == 0 && (!k->spool || k->degraded || !k->spool_active);
}

int nt_kafka_flush(struct nt_kafka *k, int timeout_ms)
{
	uint64_t until = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	/* deliver what we can before the deadline; the spool keeps the rest */
	while (now_ns() < until) {
		if (k->rk)
			rd_kafka_poll(k->rk, 50);
		else
			nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
		have_producer(k);
		requeue_failures(k);
		if (flushed(k))
			break;
		if (k->rk && k->spool && !k->degraded)
			replay(k, now_ns());
	}
	if (k->spool) {
		if (k->rk)
			purge_all(k);
		requeue_failures(k);
		nt_spool_flush(k->spool, 0);
	}
	return (int)outstanding(k);
}

void nt_kafka_stats_get(struct nt_kafka *k, struct nt_kafka_stats *out)
{
	*out = k->st; /* counters, queue_full and degraded_episodes too */
	out->outstanding = outstanding(k);
	out->producer_up = k->rk != NULL;
	if (k->spool) {
		const struct nt_spool_stats *ss = nt_spool_stats(k->spool);

		out->spooled = ss->appended;
		out->spool_read = ss->read;
		out->spool_dropped_full = ss->dropped_full;
		out->spool_dropped_corrupt = ss->dropped_corrupt;
		out->spool_dropped_io = ss->dropped_io;
		out->spool_corrupt_blocks = ss->corrupt_blocks;
		out->spool_io_errors = ss->io_errors;
		out->spool_records = ss->records;
		out->spool_bytes = ss->bytes;
		out->spool_segments = ss->segments;
	}
}

void nt_kafka_free(struct nt_kafka *k)
{
	if (!k)
		return;
	drop_producer(k);
	if (k->conf)
		rd_kafka_conf_destroy(k->conf);
	for (size_t i = 0; i < k->nfails; i++) {
		free((void *)k->fails[i].r.key);
		free((void *)k->fails[i].r.val);
	}
	free(k->fails);
	nt_spool_close(k->spool);
	free(k);
}
