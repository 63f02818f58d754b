// SPDX-License-Identifier: BSD-2-Clause
#include "sink.h"
#include "kafka.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int nt_sink_open(struct nt_sink *s, const struct nt_config *cfg,
		 const char *node, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (cfg->output == NT_OUT_KAFKA) {
		int usage = 0;

		s->fd = -1;
		s->kafka = nt_kafka_new(cfg, node, err, errlen, &usage);
		return s->kafka ? 0 : (usage ? -2 : -1);
	}
	if (cfg->output == NT_OUT_STDOUT) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	s->fd = open(cfg->output_path, O_WRONLY | O_CREAT | O_APPEND |
		     O_CLOEXEC, 0640);
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot open output %s: %s",
			 cfg->output_path, strerror(errno));
		return -1;
	}
	s->owns_fd = 1;
	return 0;
}

int nt_sink_write(struct nt_sink *s, const char *buf, size_t n,
		  uint64_t records)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(s->fd, buf + off, n - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->last_errno = errno;
			s->write_errors += records;
			return -1;
		}
		off += (size_t)w;
	}
	s->records_written += records;
	return 0;
}

void nt_sink_close(struct nt_sink *s)
{
	nt_kafka_free(s->kafka);
	s->kafka = NULL;
	if (s->owns_fd && s->fd >= 0) {
		fsync(s->fd);
		close(s->fd);
	}
	s->fd = -1;
}
