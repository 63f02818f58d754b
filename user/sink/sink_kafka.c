// SPDX-License-Identifier: BSD-2-Clause
/*
 * sink_kafka.c - the Kafka sink: the sink interface over kafka.c (one
 * message per record, a topic per record type, the spool behind it).
 */
#include "sink.h"

#include "kafka.h"
#include "log.h"

static int k_write(struct nt_sink *s, const struct nt_rec_out *r)
{
	if (nt_kafka_produce(s->impl, r->type, r->key, r->key_len, r->data, r->len) == 0) {
		s->st.records_written++;
		return 0;
	}
	s->st.write_errors++;
	return -1;
}

static int k_flush(struct nt_sink *s)
{
	nt_kafka_poll(s->impl); /* serve delivery reports */
	return 0;
}

static void k_tick(struct nt_sink *s)
{
	nt_kafka_tick(s->impl);
}

/* Every record acknowledged or spooled, or counted and said: one summary
 * line, and an error line (non-zero) when any was lost. */
static int k_drain(struct nt_sink *s, int timeout_ms)
{
	int left = nt_kafka_flush(s->impl, timeout_ms);
	struct nt_kafka_stats ks;

	nt_kafka_stats_get(s->impl, &ks);
	nt_warn("kafka: produced %llu, acked %llu, failed %llu, spooled %llu, replayed %llu, "
		"resent %llu, producer resets %llu, spool dropped full %llu corrupt %llu io %llu, "
		"in spool %llu (at start %llu)",
		(unsigned long long)ks.produced, (unsigned long long)ks.acked,
		(unsigned long long)ks.failed, (unsigned long long)ks.spooled,
		(unsigned long long)ks.replayed, (unsigned long long)ks.resent,
		(unsigned long long)ks.producer_resets, (unsigned long long)ks.spool_dropped_full,
		(unsigned long long)ks.spool_dropped_corrupt,
		(unsigned long long)ks.spool_dropped_io, (unsigned long long)ks.spool_records,
		(unsigned long long)ks.spool_at_start);
	if (ks.spool_records)
		nt_warn("kafka: %llu records wait in the spool for the next start",
			(unsigned long long)ks.spool_records);
	if (!left && !ks.failed)
		return 0;
	nt_err("kafka: %d records neither acknowledged nor spooled within %d s, %llu failed "
	       "(of %llu produced)",
	       left, timeout_ms / 1000, (unsigned long long)ks.failed,
	       (unsigned long long)ks.produced);
	return left + (int)(ks.failed > 0);
}

static void k_close(struct nt_sink *s)
{
	nt_kafka_free(s->impl);
}

const struct nt_sink_ops nt_sink_kafka_ops = {
	.name = "kafka",
	.write = k_write,
	.flush = k_flush,
	.tick = k_tick,
	.drain = k_drain,
	.close = k_close,
};

int nt_sink_kafka_open(struct nt_sink *s, const struct nt_config *cfg, const char *node, char *err,
		       size_t errlen)
{
	int usage = 0;

	s->impl = nt_kafka_new(cfg, node, err, errlen, &usage);
	if (!s->impl)
		return usage ? -2 : -1;
	s->ops = &nt_sink_kafka_ops;
	return 0;
}
