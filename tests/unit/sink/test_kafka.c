// SPDX-License-Identifier: BSD-2-Clause
/* The Kafka sink without a broker (a closed port): no producer after a
 * failed re-creation, and the counters of nt_kafka_stats_get. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kafka.h"

static char dir[512];

static void mkdir_tmp(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/nt-kafka-test-XXXXXX", t ? t : "/tmp");
	cr_assert(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(kafka, .init = mkdir_tmp, .fini = rm_tmp);

/* A sink to a port where nothing listens, with extra flags. */
static struct nt_kafka *sink(struct nt_config *c, int argc, char **extra)
{
	char *argv[16] = { "nettrail", "-o", "kafka", "--kafka-brokers", "127.0.0.1:1" };
	char err[256] = "";
	struct nt_kafka *k;
	int usage;

	cr_assert(argc <= 10);
	for (int i = 0; i < argc; i++)
		argv[5 + i] = extra[i];
	nt_config_defaults(c);
	cr_assert_eq(nt_config_parse(c, 5 + argc, argv, NULL, err, sizeof(err)), 0, "%s", err);
	k = nt_kafka_new(c, "unit-node", err, sizeof(err), &usage);
	cr_assert(k, "%s", err);
	return k;
}

static void produce(struct nt_kafka *k, int n)
{
	for (int i = 0; i < n; i++) {
		char val[64];
		int len = snprintf(val, sizeof(val), "{\"n\":%d}", i);

		cr_assert_eq(nt_kafka_produce(k, NT_REC_FLOW, "key", 3, val, (size_t)len), 0,
			     "record %d", i);
	}
}

/* A fatal error at the first record, every re-creation failing: no
 * producer, and every entry point still safe; records wait in memory. */
Test(kafka, no_producer_after_failed_recreation)
{
	struct nt_config c;
	char *flags[] = { "--fault", "kafka-fatal-at=1,kafka-reset-fail=100" };
	struct nt_kafka *k = sink(&c, 2, flags);
	struct nt_kafka_stats st;

	produce(k, 5);
	nt_kafka_poll(k);
	nt_kafka_tick(k);
	nt_kafka_stats_get(k, &st);
	cr_expect_eq(st.produced, 5);
	cr_expect_eq(st.producer_resets, 1);
	cr_expect_eq(st.producer_create_failed, 1, "one attempt, then 1 s");
	cr_expect_eq(st.producer_up, 0);
	cr_expect_eq(st.outstanding, 5, "held in memory");
	cr_expect_eq(st.failed, 0);
	/* flush tries again (at 1 s) until its deadline, then says 5 left */
	cr_expect_eq(nt_kafka_flush(k, 1500), 5);
	nt_kafka_stats_get(k, &st);
	cr_expect_eq(st.producer_create_failed, 2);
	cr_expect_eq(st.failed, 0);
	nt_kafka_free(k);
	nt_config_free(&c);
}

/* The same with a spool: records go there while there is no producer. */
Test(kafka, no_producer_spools)
{
	struct nt_config c;
	char *flags[] = { "--fault", "kafka-fatal-at=1,kafka-reset-fail=100", "--spool-dir", dir };
	struct nt_kafka *k = sink(&c, 4, flags);
	struct nt_kafka_stats st;

	produce(k, 5);
	nt_kafka_tick(k);
	nt_kafka_tick(k);
	cr_expect_eq(nt_kafka_flush(k, 200), 0);
	nt_kafka_stats_get(k, &st);
	cr_expect_eq(st.producer_resets, 1);
	cr_expect_eq(st.producer_up, 0);
	cr_expect_eq(st.outstanding, 0);
	cr_expect_eq(st.spool_records, 5);
	cr_expect_eq(st.spooled, 5);
	cr_expect_eq(st.failed, 0);
	nt_kafka_free(k);
	nt_config_free(&c);
}

/* A local queue of 10 records: the 11th finds it full, the sink goes
 * degraded once, the rest go to the spool; a producer is there. */
Test(kafka, queue_full_and_degraded_episodes_counted)
{
	struct nt_config c;
	char *flags[] = { "--kafka-prop", "queue.buffering.max.messages=10", "--spool-dir", dir };
	struct nt_kafka *k = sink(&c, 4, flags);
	struct nt_kafka_stats st;

	produce(k, 50);
	nt_kafka_poll(k); /* serves librdkafka's events (in its outq_len) */
	nt_kafka_stats_get(k, &st);
	cr_expect_eq(st.queue_full, 1);
	cr_expect_eq(st.degraded_episodes, 1);
	cr_expect_eq(st.outstanding, 10, "%llu", (unsigned long long)st.outstanding);
	cr_expect_eq(st.producer_up, 1);
	cr_expect_eq(st.spool_records, 40);
	/* at exit the 10 in librdkafka are purged and spooled ahead */
	cr_expect_eq(nt_kafka_flush(k, 100), 0);
	nt_kafka_stats_get(k, &st);
	cr_expect_eq(st.spool_records, 50);
	cr_expect_eq(st.outstanding, 0);
	cr_expect_eq(st.failed, 0);
	cr_expect_eq(st.degraded_episodes, 1);
	nt_kafka_free(k);
	nt_config_free(&c);
}
