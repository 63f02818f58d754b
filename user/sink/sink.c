// SPDX-License-Identifier: BSD-2-Clause
/* sink.c - the sink interface: opening the configured one (see sink.h). */
#include "sink.h"

#include <string.h>

int nt_sink_open(struct nt_sink *s, const struct nt_config *cfg, const char *node, char *err,
		 size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (cfg->output == NT_OUT_KAFKA)
		return nt_sink_kafka_open(s, cfg, node, err, errlen);
	return nt_sink_fd_open(s, cfg, err, errlen);
}

static int out_emit(void *ctx, const struct nt_rec_out *r)
{
	return nt_sink_write(ctx, r);
}

static int out_flush(void *ctx)
{
	return nt_sink_flush(ctx);
}

struct nt_output nt_sink_output(struct nt_sink *s)
{
	return (struct nt_output){ .emit = out_emit, .flush = out_flush, .ctx = s };
}

struct nt_kafka *nt_sink_kafka(const struct nt_sink *s)
{
	return s->ops == &nt_sink_kafka_ops ? s->impl : NULL;
}

void nt_sink_close(struct nt_sink *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
	s->impl = NULL;
}
