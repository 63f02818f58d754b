// SPDX-License-Identifier: BSD-2-Clause
/*
 * The sink interface (sink.h): a test-local nt_sink_ops that counts its
 * calls shows what the inline helpers, nt_sink_output() and nt_sink_close()
 * hand on; the fd sink (sink_fd.c) is tested on pipes and temp files: lines
 * newline-terminated and gathered until a flush or FD_FLUSH_BYTES (256 KiB),
 * a full buffer written before the record that does not fit, a record larger
 * than the buffer written whole, failed writes counted per record with their
 * errno; nt_sink_open() for output=file. Temp files live under $TMPDIR.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "record.h"
#include "sink.h"
#include "tmpdir.h"

#define FLUSH_BYTES (256 * 1024)	 /* sink_fd.c FD_FLUSH_BYTES */
#define BUF_CAP	    (FLUSH_BYTES + 8192) /* sink_fd.c fd_sink_init */

static char dir[512];

static void mkdir_tmp(void)
{
	nt_test_tmp(dir, sizeof(dir), "nt-sink-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
}

static void rm_tmp(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sink, .init = mkdir_tmp, .fini = rm_tmp);

/* ---- a fake sink: counts every call ------------------------------------ */

struct fake {
	int writes, flushes, ticks, drains, closes;
	int write_ret, drain_ret, last_timeout;
	enum nt_record_type last_type;
	char last_key[64], last_data[256];
};

static int f_write(struct nt_sink *s, const struct nt_rec_out *r)
{
	struct fake *f = s->impl;

	f->writes++;
	f->last_type = r->type;
	snprintf(f->last_key, sizeof(f->last_key), "%.*s", (int)r->key_len, r->key);
	snprintf(f->last_data, sizeof(f->last_data), "%.*s", (int)r->len, r->data);
	if (f->write_ret)
		s->st.write_errors++;
	else
		s->st.records_written++;
	return f->write_ret;
}

static int f_flush(struct nt_sink *s)
{
	((struct fake *)s->impl)->flushes++;
	return 0;
}

static void f_tick(struct nt_sink *s)
{
	((struct fake *)s->impl)->ticks++;
}

static int f_drain(struct nt_sink *s, int timeout_ms)
{
	struct fake *f = s->impl;

	f->drains++;
	f->last_timeout = timeout_ms;
	return f->drain_ret;
}

static void f_close(struct nt_sink *s)
{
	((struct fake *)s->impl)->closes++;
}

static const struct nt_sink_ops fake_ops = {
	.name = "fake",
	.write = f_write,
	.flush = f_flush,
	.tick = f_tick,
	.drain = f_drain,
	.close = f_close,
};

/* the minimal sink: no tick, no drain, no close */
static const struct nt_sink_ops bare_ops = {
	.name = "bare",
	.write = f_write,
	.flush = f_flush,
};

static struct nt_rec_out rec_of(enum nt_record_type t, const char *key, const char *data)
{
	return (struct nt_rec_out){
		.type = t, .key = key, .key_len = strlen(key), .data = data, .len = strlen(data)
	};
}

/* The inline helpers call the ops, once each, with what they were given. */
Test(sink, fake_ops_dispatch)
{
	struct fake f = { 0 };
	struct nt_sink s = { .ops = &fake_ops, .impl = &f };
	struct nt_rec_out r = rec_of(NT_REC_DNS, "1:abc", "{\"a\":1}");

	cr_assert_eq(nt_sink_write(&s, &r), 0);
	cr_assert_eq(f.writes, 1);
	cr_assert_eq(f.last_type, NT_REC_DNS);
	cr_assert_str_eq(f.last_key, "1:abc");
	cr_assert_str_eq(f.last_data, "{\"a\":1}");
	f.write_ret = -1;
	cr_assert_eq(nt_sink_write(&s, &r), -1, "a lost record is -1");
	cr_assert_eq(s.st.records_written, 1);
	cr_assert_eq(s.st.write_errors, 1);
	cr_assert_eq(nt_sink_flush(&s), 0);
	cr_assert_eq(f.flushes, 1);
	nt_sink_tick(&s);
	nt_sink_tick(&s);
	cr_assert_eq(f.ticks, 2);
	f.drain_ret = 7;
	cr_assert_eq(nt_sink_drain(&s, 1500), 7, "drain's count of records left");
	cr_assert_eq(f.drains, 1);
	cr_assert_eq(f.last_timeout, 1500);
	cr_assert_null(nt_sink_kafka(&s), "not a Kafka sink");
	nt_sink_close(&s);
	cr_assert_eq(f.closes, 1);
	cr_assert_null(s.impl, "close forgets impl");
	cr_assert_eq(f.writes, 2);
	cr_assert_eq(f.flushes, 1);
}

/* Without tick, drain and close: tick does nothing, drain leaves 0 records,
 * close only forgets impl; a sink never opened (no ops) closes too. */
Test(sink, optional_ops)
{
	struct fake f = { 0 };
	struct nt_sink s = { .ops = &bare_ops, .impl = &f };
	struct nt_sink never;

	nt_sink_tick(&s);
	cr_assert_eq(nt_sink_drain(&s, 1000), 0);
	nt_sink_close(&s);
	cr_assert_null(s.impl);
	cr_assert_eq(f.ticks + f.drains + f.closes + f.writes + f.flushes, 0);
	memset(&never, 0, sizeof(never));
	nt_sink_close(&never);
}

/* nt_sink_output(): emit reaches write (and passes on its -1), flush reaches
 * flush, ctx is the sink. */
Test(sink, output_reaches_ops)
{
	struct fake f = { 0 };
	struct nt_sink s = { .ops = &fake_ops, .impl = &f };
	struct nt_output out = nt_sink_output(&s);
	struct nt_rec_out r = rec_of(NT_REC_FLOW, "1:key", "{}");

	cr_assert_eq(out.ctx, &s);
	cr_assert_eq(out.emit(out.ctx, &r), 0);
	cr_assert_eq(f.writes, 1);
	cr_assert_str_eq(f.last_key, "1:key");
	f.write_ret = -1;
	cr_assert_eq(out.emit(out.ctx, &r), -1);
	cr_assert_eq(out.flush(out.ctx), 0);
	cr_assert_eq(f.flushes, 1);
	cr_assert_eq(f.ticks + f.drains + f.closes, 0, "the output only writes and flushes");
}

/* A recorder wired to a sink: each record is one write with its type and
 * key, nt_recorder_flush one flush. */
Test(sink, recorder_to_sink)
{
	static const char *const ifaces[] = { "eth0", NULL };
	static struct nt_metrics_snap snap;
	struct fake f = { 0 };
	struct nt_sink s = { .ops = &fake_ops, .impl = &f };
	struct nt_recorder r;
	struct nt_heartbeat hb = { .now_unix_ns = 1795426800000000000ULL,
				   .interval_s = 30,
				   .flow_table_size = 10,
				   .interfaces = ifaces,
				   .metrics = &snap };

	cr_assert_eq(nt_recorder_init(&r, nt_sink_output(&s), "node-b", NULL), 0);
	nt_record_heartbeat(&r, &hb);
	nt_record_heartbeat(&r, &hb);
	cr_assert_eq(f.writes, 2);
	cr_assert_eq(f.flushes, 0);
	cr_assert_eq(f.last_type, NT_REC_HEARTBEAT);
	cr_assert_str_eq(f.last_key, "node-b");
	cr_assert_eq(strncmp(f.last_data, "{\"@timestamp\":\"2026-11-23T09:40:00.000000Z\"", 43), 0,
		     "%s", f.last_data);
	cr_assert_eq(nt_recorder_flush(&r), 0);
	cr_assert_eq(f.flushes, 1);
	cr_assert_eq(s.st.records_written, 2);
	nt_recorder_free(&r);
}

/* ---- the fd sink ---------------------------------------------------------- */

/* Bytes waiting in a pipe. */
static int pipe_bytes(int fd)
{
	int n = -1;

	cr_assert_eq(ioctl(fd, FIONREAD, &n), 0, "FIONREAD: %s", strerror(errno));
	return n;
}

static off_t file_size(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_size;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	buf[st.st_size] = 0;
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static int tmp_file(char *path, size_t n, const char *name)
{
	int fd;

	snprintf(path, n, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* A record of exactly len bytes: '{', then c, then '}'. */
static char *rec_bytes(size_t len, char c)
{
	char *b = malloc(len + 1);

	cr_assert_not_null(b);
	memset(b, c, len);
	b[0] = '{';
	b[len - 1] = '}';
	b[len] = 0;
	return b;
}

static void write_n(struct nt_sink *s, const char *data, size_t len, int n)
{
	struct nt_rec_out r = {
		.type = NT_REC_FLOW, .key = "k", .key_len = 1, .data = data, .len = len
	};

	for (int i = 0; i < n; i++)
		cr_assert_eq(nt_sink_write(s, &r), 0, "record %d", i);
}

/* Lines are newline-terminated and go out at the flush, not before; the
 * batch arrives whole; the fd is the caller's (still open after close). */
Test(sink, fd_lines_at_flush)
{
	struct nt_sink s;
	int p[2];
	char buf[64];
	struct nt_rec_out a = rec_of(NT_REC_FLOW, "1:a", "{\"a\":1}");
	struct nt_rec_out b = rec_of(NT_REC_DNS, "1:b", "{\"b\":2}");
	struct nt_rec_out c = rec_of(NT_REC_HEARTBEAT, "node", "{}");

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(nt_sink_open_fd(&s, p[1]), 0);
	cr_assert_eq(s.ops, &nt_sink_fd_ops);
	cr_assert_str_eq(s.ops->name, "fd");
	cr_assert_null(nt_sink_kafka(&s), "an fd sink has no producer");
	cr_assert_eq(nt_sink_write(&s, &a), 0);
	cr_assert_eq(nt_sink_write(&s, &b), 0);
	cr_assert_eq(nt_sink_write(&s, &c), 0);
	cr_assert_eq(pipe_bytes(p[0]), 0, "nothing is written before the flush");
	cr_assert_eq(s.st.records_written, 3, "buffered records count as taken");
	cr_assert_eq(nt_sink_flush(&s), 0);
	cr_assert_eq(pipe_bytes(p[0]), 19);
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 19);
	cr_assert_eq(memcmp(buf, "{\"a\":1}\n{\"b\":2}\n{}\n", 19), 0);
	cr_assert_eq(nt_sink_flush(&s), 0, "an empty flush");
	cr_assert_eq(pipe_bytes(p[0]), 0);
	nt_sink_tick(&s);
	cr_assert_eq(nt_sink_drain(&s, 100), 0, "no drain: nothing left behind");
	cr_assert_eq(nt_sink_write(&s, &a), 0);
	nt_sink_close(&s); /* writes what it holds, leaves the fd open */
	cr_assert_null(s.impl);
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "{\"a\":1}\n", 8), 0);
	cr_assert_neq(fcntl(p[1], F_GETFD), -1, "nt_sink_open_fd's fd stays open");
	cr_assert_eq(s.st.records_written, 4);
	cr_assert_eq(s.st.write_errors, 0);
	cr_assert_eq(s.st.last_errno, 0);
	close(p[0]);
	close(p[1]);
}

/* The output of an fd sink (what main hands the recorder): emit buffers,
 * flush writes. */
Test(sink, fd_output)
{
	struct nt_sink s;
	struct nt_output out;
	int p[2];
	char buf[16];
	struct nt_rec_out a = rec_of(NT_REC_FLOW, "1:a", "{\"x\":0}");

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(nt_sink_open_fd(&s, p[1]), 0);
	out = nt_sink_output(&s);
	cr_assert_eq(out.emit(out.ctx, &a), 0);
	cr_assert_eq(pipe_bytes(p[0]), 0);
	cr_assert_eq(out.flush(out.ctx), 0);
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "{\"x\":0}\n", 8), 0);
	nt_sink_close(&s);
	close(p[0]);
	close(p[1]);
}

/* 1024-byte lines: 255 of them (261120 bytes) wait; the 256th makes 256 KiB
 * and the sink writes all of them at once. */
Test(sink, fd_threshold)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "threshold.jsonl");
	char *line = rec_bytes(1023, 'a');

	cr_assert_eq(nt_sink_open_fd(&s, fd), 0);
	write_n(&s, line, 1023, 255);
	cr_assert_eq(file_size(fd), 0, "under 256 KiB: nothing written");
	write_n(&s, line, 1023, 1);
	cr_assert_eq(file_size(fd), FLUSH_BYTES, "256 KiB: one batch written");
	write_n(&s, line, 1023, 1);
	cr_assert_eq(file_size(fd), FLUSH_BYTES, "the next batch waits again");
	cr_assert_eq(nt_sink_flush(&s), 0);
	cr_assert_eq(file_size(fd), FLUSH_BYTES + 1024);
	cr_assert_eq(s.st.records_written, 257);
	cr_assert_eq(s.st.write_errors, 0);
	nt_sink_close(&s);
	close(fd);
	free(line);
}

/* A record that does not fit in what is left of the buffer: the buffer is
 * written first, the record waits for the next batch; order is kept. */
Test(sink, fd_buffer_full)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "full.jsonl");
	char *line = rec_bytes(1023, 'a');
	char *big = rec_bytes(9300, 'b'); /* 261120 + 9301 > BUF_CAP */
	size_t len;
	char *got;

	cr_assert_gt(255 * 1024 + 9301, BUF_CAP);
	cr_assert_eq(nt_sink_open_fd(&s, fd), 0);
	write_n(&s, line, 1023, 255);
	write_n(&s, big, 9300, 1);
	cr_assert_eq(file_size(fd), 255 * 1024, "the 255 lines went out first");
	cr_assert_eq(nt_sink_flush(&s), 0);
	got = read_all(path, &len);
	cr_assert_eq(len, 255 * 1024 + 9301);
	cr_assert_eq(memcmp(got + 254 * 1024, line, 1023), 0);
	cr_assert_eq(memcmp(got + 255 * 1024, big, 9300), 0);
	cr_assert_eq(got[len - 1], '\n');
	cr_assert_eq(s.st.records_written, 256);
	nt_sink_close(&s);
	close(fd);
	free(got);
	free(line);
	free(big);
}

/* A record larger than the whole buffer goes out whole, after what was
 * buffered, and the sink goes on working. */
Test(sink, fd_huge_record)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "huge.jsonl");
	size_t huge_len = 1024 * 1024, len;
	char *huge = rec_bytes(huge_len, 'h');
	char *got;

	cr_assert_gt(huge_len, BUF_CAP);
	cr_assert_eq(nt_sink_open_fd(&s, fd), 0);
	write_n(&s, "{\"a\":1}", 7, 2);
	write_n(&s, huge, huge_len, 1);
	cr_assert_eq(file_size(fd), 16 + (off_t)huge_len + 1, "written at once: past 256 KiB");
	write_n(&s, "{\"z\":9}", 7, 1);
	cr_assert_eq(nt_sink_flush(&s), 0);
	got = read_all(path, &len);
	cr_assert_eq(len, 16 + huge_len + 1 + 8);
	cr_assert_eq(memcmp(got, "{\"a\":1}\n{\"a\":1}\n", 16), 0);
	cr_assert_eq(memcmp(got + 16, huge, huge_len), 0, "the huge record whole");
	cr_assert_eq(memcmp(got + 16 + huge_len, "\n{\"z\":9}\n", 9), 0);
	cr_assert_eq(s.st.records_written, 4);
	cr_assert_eq(s.st.write_errors, 0);
	nt_sink_close(&s);
	close(fd);
	free(got);
	free(huge);
}

/* The reader went away (EPIPE, SIGPIPE ignored as main does): the records of
 * the failed batch move from records_written to write_errors, with errno;
 * the batch written before stays counted. */
Test(sink, fd_epipe)
{
	struct nt_sink s;
	int p[2];
	char buf[64];

	cr_assert_neq(signal(SIGPIPE, SIG_IGN), SIG_ERR);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(nt_sink_open_fd(&s, p[1]), 0);
	write_n(&s, "{\"ok\":1}", 8, 2);
	cr_assert_eq(nt_sink_flush(&s), 0);
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 18);
	close(p[0]);
	write_n(&s, "{\"lost\":1}", 10, 3);
	cr_assert_eq(s.st.records_written, 5);
	cr_assert_eq(nt_sink_flush(&s), -1);
	cr_assert_eq(s.st.records_written, 2);
	cr_assert_eq(s.st.write_errors, 3);
	cr_assert_eq(s.st.last_errno, EPIPE, "last_errno %d", s.st.last_errno);
	cr_assert_eq(nt_sink_flush(&s), 0, "the failed batch is gone: nothing to write");
	write_n(&s, "{\"lost\":2}", 10, 1);
	cr_assert_eq(nt_sink_flush(&s), -1);
	cr_assert_eq(s.st.records_written, 2);
	cr_assert_eq(s.st.write_errors, 4, "counted once each");
	cr_assert_eq(s.st.last_errno, EPIPE);
	nt_sink_close(&s);
	close(p[1]);
}

/* A descriptor open for reading only (EBADF): the write that reaches the
 * threshold returns -1 and every record of its batch is an error. */
Test(sink, fd_ebadf_at_threshold)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "ro.jsonl");
	int ro = open(path, O_RDONLY | O_CLOEXEC);
	char *line = rec_bytes(1023, 'r');
	struct nt_rec_out r = {
		.type = NT_REC_FLOW, .key = "k", .key_len = 1, .data = line, .len = 1023
	};

	cr_assert_geq(ro, 0);
	cr_assert_eq(nt_sink_open_fd(&s, ro), 0);
	write_n(&s, line, 1023, 255);
	cr_assert_eq(nt_sink_write(&s, &r), -1, "the flush at 256 KiB failed");
	cr_assert_eq(s.st.records_written, 0);
	cr_assert_eq(s.st.write_errors, 256);
	cr_assert_eq(s.st.last_errno, EBADF, "last_errno %d", s.st.last_errno);
	cr_assert_eq(file_size(fd), 0);
	nt_sink_close(&s);
	close(ro);
	close(fd);
	free(line);
}

/* A full buffer that cannot be written (EBADF) before a record that does not
 * fit: the buffered records are errors, the new one is taken (buffered). */
Test(sink, fd_ebadf_buffer_full)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "ro2.jsonl");
	int ro = open(path, O_RDONLY | O_CLOEXEC);
	char *line = rec_bytes(1023, 'r');
	char *big = rec_bytes(9300, 'b');

	cr_assert_geq(ro, 0);
	cr_assert_eq(nt_sink_open_fd(&s, ro), 0);
	write_n(&s, line, 1023, 255);
	write_n(&s, big, 9300, 1);
	cr_assert_eq(s.st.write_errors, 255);
	cr_assert_eq(s.st.records_written, 1);
	cr_assert_eq(s.st.last_errno, EBADF);
	cr_assert_eq(nt_sink_flush(&s), -1);
	cr_assert_eq(s.st.write_errors, 256);
	cr_assert_eq(s.st.records_written, 0);
	nt_sink_close(&s);
	close(ro);
	close(fd);
	free(line);
	free(big);
}

/*
 * A write that stops part-way (the disk fills: a short write, then ENOSPC;
 * here RLIMIT_FSIZE gives the same short write, then EFBIG): of three
 * 8-byte lines with room for 20 bytes, two went out whole and one was cut.
 * Exactly counted, that is 2 written and 1 lost; and the cut line must not
 * swallow the next record, which has to start a line of its own.
 * FAILS: fd_flush() counts the whole batch as write_errors (records_written
 * 0, write_errors 3) although two records are in the file, and leaves the
 * torn line open, so the next batch's first record is glued to it
 * ('{"c"{"d":4}'): a record counted as written that no reader can parse.
 */
Test(sink, fd_short_write_then_error)
{
	struct nt_sink s;
	char path[600];
	int fd = tmp_file(path, sizeof(path), "short.jsonl");
	struct rlimit lim, old;
	size_t len;
	char *got, *last;

	cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 20;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(nt_sink_open_fd(&s, fd), 0);
	write_n(&s, "{\"a\":1}", 7, 1);
	write_n(&s, "{\"b\":2}", 7, 1);
	write_n(&s, "{\"c\":3}", 7, 1);
	cr_assert_eq(nt_sink_flush(&s), -1);
	cr_assert_eq(s.st.last_errno, EFBIG, "last_errno %d", s.st.last_errno);
	cr_assert_eq(file_size(fd), 20, "the short write happened");
	cr_expect_eq(s.st.records_written, 2, "two records are in the file whole: %llu counted",
		     (unsigned long long)s.st.records_written);
	cr_expect_eq(s.st.write_errors, 1, "one record was lost: %llu counted",
		     (unsigned long long)s.st.write_errors);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	write_n(&s, "{\"d\":4}", 7, 1);
	cr_assert_eq(nt_sink_flush(&s), 0);
	got = read_all(path, &len);
	cr_assert_eq(got[len - 1], '\n');
	got[len - 1] = 0;
	last = strrchr(got, '\n');
	last = last ? last + 1 : got;
	cr_expect_str_eq(last, "{\"d\":4}",
			 "the record after the cut one is a line of its own: '%s'", last);
	nt_sink_close(&s);
	close(fd);
	free(got);
}

/* ---- nt_sink_open --------------------------------------------------------- */

/* output=file creates the file (0640 before the umask) and appends to it;
 * nt_sink_close writes what is buffered. */
Test(sink, open_file)
{
	struct nt_config cfg;
	struct nt_sink s;
	char path[600], err[256] = "";
	struct nt_rec_out a = rec_of(NT_REC_FLOW, "1:a", "{\"n\":1}");
	struct nt_rec_out b = rec_of(NT_REC_FLOW, "1:b", "{\"n\":2}");
	struct stat st;
	mode_t um = umask(022);
	size_t len;
	char *got;

	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	nt_config_defaults(&cfg);
	cfg.output = NT_OUT_FILE;
	cfg.output_path = strdup(path);
	cr_assert_eq(nt_sink_open(&s, &cfg, "node-a", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0, "the file exists once the sink is open");
	cr_assert_eq(st.st_mode & 0777, 0640 & ~022, "mode %o", st.st_mode & 0777);
	cr_assert_eq(s.ops, &nt_sink_fd_ops);
	cr_assert_null(nt_sink_kafka(&s));
	cr_assert_eq(nt_sink_write(&s, &a), 0);
	nt_sink_close(&s);
	cr_assert_eq(nt_sink_open(&s, &cfg, "node-a", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nt_sink_write(&s, &b), 0);
	nt_sink_close(&s);
	got = read_all(path, &len);
	cr_assert_eq(len, 16);
	cr_assert_eq(memcmp(got, "{\"n\":1}\n{\"n\":2}\n", 16), 0, "appended: %s", got);
	free(got);
	nt_config_free(&cfg);
	umask(um);
}

/* output=file into a directory that does not exist: -1 and the message. */
Test(sink, open_file_missing_dir)
{
	struct nt_config cfg;
	struct nt_sink s;
	char path[600], err[1024] = "", want[1024];

	snprintf(path, sizeof(path), "%s/no-such-dir/out.jsonl", dir);
	nt_config_defaults(&cfg);
	cfg.output = NT_OUT_FILE;
	cfg.output_path = strdup(path);
	cr_assert_eq(nt_sink_open(&s, &cfg, "node-a", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot open output %s: No such file or directory", path);
	cr_assert_str_eq(err, want);
	nt_sink_close(&s); /* nothing opened: nothing to do */
	nt_config_free(&cfg);
}

/* output=stdout (the default): an fd sink on descriptor 1 that close leaves
 * open. Nothing is written. */
Test(sink, open_stdout)
{
	struct nt_config cfg;
	struct nt_sink s;
	char err[256] = "";

	nt_config_defaults(&cfg);
	cr_assert_eq(cfg.output, NT_OUT_STDOUT);
	cr_assert_eq(nt_sink_open(&s, &cfg, "node-a", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.ops, &nt_sink_fd_ops);
	cr_assert_null(nt_sink_kafka(&s));
	nt_sink_close(&s);
	cr_assert_neq(fcntl(STDOUT_FILENO, F_GETFD), -1, "stdout stays open");
	nt_config_free(&cfg);
}
