// SPDX-License-Identifier: BSD-2-Clause
/*
 * sink_fd.c - JSON lines to stdout or a file. Records are gathered in one
 * buffer and written with one write() per batch (a flush, or the buffer
 * full): the per-record cost is a memcpy of the line.
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FD_FLUSH_BYTES (256 * 1024)

struct fd_sink {
	int fd;
	int owns_fd;
	char *buf;
	size_t len, cap;
	uint64_t pending; /* records in buf */
};

/* Lines wholly in buf[0..n). */
static uint64_t whole_lines(const char *buf, size_t n)
{
	uint64_t k = 0;

	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))); p++)
		k++;
	return k;
}

/* A write that fails part-way (disk full): the lines already out whole are
 * written, the rest are lost and counted; a cut line is ended first thing
 * in the next batch, so the record after it stays a line of its own. */
static int fd_fail(struct nt_sink *s, struct fd_sink *f, size_t off, int err)
{
	uint64_t out = whole_lines(f->buf, off);

	s->st.last_errno = err;
	s->st.write_errors += f->pending - out;
	s->st.records_written -= f->pending - out;
	f->len = 0;
	f->pending = 0;
	if (off && f->buf[off - 1] != '\n')
		f->buf[f->len++] = '\n';
	return -1;
}

static int fd_flush(struct nt_sink *s)
{
	struct fd_sink *f = s->impl;
	size_t off = 0;

	while (off < f->len) {
		ssize_t w = write(f->fd, f->buf + off, f->len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fd_fail(s, f, off, errno);
		}
		off += (size_t)w;
	}
	f->len = 0;
	f->pending = 0;
	return 0;
}

static int fd_write(struct nt_sink *s, const struct nt_rec_out *r)
{
	struct fd_sink *f = s->impl;

	if (f->len + r->len + 1 > f->cap) {
		fd_flush(s); /* a failure is counted there; the buffer is empty now */
		if (r->len + 1 > f->cap) {
			char *nb = realloc(f->buf, r->len + 1);

			if (!nb) {
				s->st.write_errors++;
				return -1;
			}
			f->buf = nb;
			f->cap = r->len + 1;
		}
	}
	memcpy(f->buf + f->len, r->data, r->len);
	f->len += r->len;
	f->buf[f->len++] = '\n';
	f->pending++;
	s->st.records_written++;
	if (f->len >= FD_FLUSH_BYTES)
		return fd_flush(s);
	return 0;
}

static void fd_close(struct nt_sink *s)
{
	struct fd_sink *f = s->impl;

	if (!f)
		return;
	fd_flush(s);
	if (f->owns_fd && f->fd >= 0) {
		fsync(f->fd);
		close(f->fd);
	}
	free(f->buf);
	free(f);
}

const struct nt_sink_ops nt_sink_fd_ops = {
	.name = "fd",
	.write = fd_write,
	.flush = fd_flush,
	.close = fd_close,
};

static int fd_sink_init(struct nt_sink *s, int fd, int owns)
{
	struct fd_sink *f = calloc(1, sizeof(*f));

	if (!f || !(f->buf = malloc(FD_FLUSH_BYTES + 8192))) {
		free(f);
		return -1;
	}
	f->cap = FD_FLUSH_BYTES + 8192;
	f->fd = fd;
	f->owns_fd = owns;
	s->ops = &nt_sink_fd_ops;
	s->impl = f;
	return 0;
}

int nt_sink_open_fd(struct nt_sink *s, int fd)
{
	memset(s, 0, sizeof(*s));
	return fd_sink_init(s, fd, 0);
}

int nt_sink_fd_open(struct nt_sink *s, const struct nt_config *cfg, char *err, size_t errlen)
{
	int fd = STDOUT_FILENO;

	if (cfg->output == NT_OUT_FILE) {
		fd = open(cfg->output_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open output %s: %s", cfg->output_path,
				 strerror(errno));
			return -1;
		}
	}
	if (fd_sink_init(s, fd, cfg->output == NT_OUT_FILE)) {
		snprintf(err, errlen, "out of memory for the output buffer");
		if (cfg->output == NT_OUT_FILE)
			close(fd);
		return -1;
	}
	return 0;
}
