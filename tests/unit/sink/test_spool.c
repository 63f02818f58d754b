// SPDX-License-Identifier: BSD-2-Clause
/* The on-disk spool: order, persistence, damage, the full policy. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "spool.h"

static char dir[256];

static void mkspooldir(void)
{
	nt_test_tmp(dir, sizeof(dir), "nt-spool-test-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void rmspooldir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(spool, .init = mkspooldir, .fini = rmspooldir);

static struct nt_spool *open_spool(uint64_t max, enum nt_spool_policy p)
{
	char err[256] = "";
	struct nt_spool *s = nt_spool_open(dir, max, p, 0, err, sizeof(err));

	cr_assert(s, "open: %s", err);
	return s;
}

/* A record of about 1 KB whose content says its number. */
static size_t make_rec(int i, char *buf, size_t n, char *key, size_t kn)
{
	int len = snprintf(buf, n, "{\"seq\":%d,\"pad\":\"", i);

	for (int j = 0; j < 900; j++)
		buf[len++] = (char)('a' + (i * 7 + j * 13) % 26);
	len += snprintf(buf + len, n - (size_t)len, "\"}");
	snprintf(key, kn, "1:key-%d", i);
	return (size_t)len;
}

static void append_range(struct nt_spool *s, int from, int to)
{
	char buf[2048], key[32];

	for (int i = from; i < to; i++) {
		size_t n = make_rec(i, buf, sizeof(buf), key, sizeof(key));

		cr_assert_eq(nt_spool_append(s, (uint8_t)(i % 3), key, strlen(key), buf, n), 0);
	}
}

/* Reads everything, checks each record is the next expected one (or in
 * the skip list), settles it; returns how many were read. */
static int drain(struct nt_spool *s, int *seqs, int max)
{
	struct nt_spool_block b;
	int got = 0;

	while (nt_spool_read(s, &b)) {
		for (uint32_t i = 0; i < b.n; i++) {
			char buf[2048], key[32];
			int seq = atoi(b.recs[i].val + 7);
			size_t n = make_rec(seq, buf, sizeof(buf), key, sizeof(key));

			cr_assert_eq(b.recs[i].vlen, n);
			cr_assert_eq(memcmp(b.recs[i].val, buf, n), 0);
			cr_assert_eq(b.recs[i].klen, strlen(key));
			cr_assert_eq(memcmp(b.recs[i].key, key, b.recs[i].klen), 0);
			cr_assert_eq(b.recs[i].type, seq % 3);
			cr_assert_lt(got, max);
			seqs[got++] = seq;
		}
		nt_spool_done(s, b.seg, b.n);
	}
	return got;
}

static int count_segments(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

Test(spool, order_content_and_cleanup)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[5000];
	int n;

	append_range(s, 0, 3000);
	nt_spool_flush(s, 0);
	cr_assert_eq(nt_spool_stats(s)->records, 3000);
	cr_assert_eq(nt_spool_stats(s)->appended, 3000);
	n = drain(s, seqs, 5000);
	cr_assert_eq(n, 3000);
	for (int i = 0; i < n; i++)
		cr_assert_eq(seqs[i], i);
	cr_assert_eq(nt_spool_stats(s)->records, 0);
	cr_assert_eq(nt_spool_stats(s)->read, 3000);
	cr_assert_eq(count_segments(), 0, "a drained spool leaves no file");
	nt_spool_close(s);
}

Test(spool, survives_close_and_reopen)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[5000];

	append_range(s, 0, 700);
	nt_spool_close(s); /* the buffered tail is written at close */
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	cr_assert_eq(nt_spool_stats(s)->records, 700);
	append_range(s, 700, 1000);
	cr_assert_eq(drain(s, seqs, 5000), 1000);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(seqs[i], i);
	nt_spool_close(s);
}

Test(spool, unsettled_records_stay_until_done)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	struct nt_spool_block b;

	append_range(s, 0, 10);
	cr_assert_eq(nt_spool_read(s, &b), 1);
	cr_assert_eq(b.n, 10);
	cr_assert_eq(nt_spool_unsettled(s), 10);
	cr_assert_eq(count_segments(), 1);
	nt_spool_done(s, b.seg, 9);
	cr_assert_eq(count_segments(), 1, "one record still out");
	nt_spool_done(s, b.seg, 1);
	cr_assert_eq(count_segments(), 0);
	cr_assert_eq(nt_spool_unsettled(s), 0);
	nt_spool_close(s);
}

Test(spool, prepended_records_come_first)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	struct nt_spool_rec r[5];
	char bufs[5][2048], keys[5][32];
	static int seqs[100];

	append_range(s, 10, 20);
	nt_spool_flush(s, 0);
	for (int i = 0; i < 5; i++) {
		size_t n = make_rec(i, bufs[i], sizeof(bufs[i]), keys[i], sizeof(keys[i]));

		r[i] = (struct nt_spool_rec){ .type = (uint8_t)(i % 3),
					      .klen = (uint16_t)strlen(keys[i]),
					      .vlen = (uint32_t)n,
					      .key = keys[i],
					      .val = bufs[i] };
	}
	cr_assert_eq(nt_spool_prepend(s, r, 5), 0);
	cr_assert_eq(nt_spool_stats(s)->records, 15);
	cr_assert_eq(drain(s, seqs, 100), 15);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(seqs[i], i);
	for (int i = 5; i < 15; i++)
		cr_assert_eq(seqs[i], i + 5);
	nt_spool_close(s);
}

/* Offsets of the blocks of the only segment, and their record counts. */
static int blocks(char *path, size_t pn, long *off, uint32_t *nrec, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	FILE *f;
	long pos = 8;
	int n = 0;

	while ((e = readdir(d)))
		if (strstr(e->d_name, ".seg"))
			snprintf(path, pn, "%s/%s", dir, e->d_name);
	closedir(d);
	f = fopen(path, "rb");
	cr_assert(f);
	for (;;) {
		uint32_t h[8];

		fseek(f, pos, SEEK_SET);
		if (fread(h, 4, 8, f) != 8 || n == max)
			break;
		off[n] = pos;
		nrec[n++] = h[1];
		pos += 32 + (long)h[3];
	}
	fclose(f);
	return n;
}

static void poke(const char *path, long off, unsigned char x)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, &c, 1, off), 1);
	c ^= x;
	cr_assert_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

Test(spool, corrupt_block_is_skipped_and_counted)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[5000];
	char path[512];
	long off[16];
	uint32_t nrec[16];
	int nb, n;

	append_range(s, 0, 1000); /* about 4 blocks of 256 KiB raw */
	nt_spool_close(s);
	nb = blocks(path, sizeof(path), off, nrec, 16);
	cr_assert_geq(nb, 3);
	poke(path, off[1] + 32 + 100, 0x5a); /* inside block 1's payload */
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	cr_assert_eq(nt_spool_stats(s)->records, 1000, "headers still count");
	n = drain(s, seqs, 5000);
	cr_assert_eq(n, 1000 - (int)nrec[1]);
	cr_assert_eq(nt_spool_stats(s)->corrupt_blocks, 1);
	cr_assert_eq(nt_spool_stats(s)->dropped_corrupt, nrec[1]);
	for (int i = 0; i < n; i++)
		cr_assert_eq(seqs[i], i < (int)nrec[0] ? i : i + (int)nrec[1]);
	nt_spool_close(s);
}

Test(spool, damaged_header_resyncs_to_the_next_block)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[5000];
	char path[512];
	long off[16];
	uint32_t nrec[16];
	int n;

	append_range(s, 0, 1000);
	nt_spool_close(s);
	cr_assert_geq(blocks(path, sizeof(path), off, nrec, 16), 3);
	poke(path, off[1] + 4, 0xff); /* block 1's record count */
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	/* the scan at open steps over the damage; that block's records
	 * cannot be counted (its count is what was damaged) */
	cr_assert_eq(nt_spool_stats(s)->records, 1000 - nrec[1]);
	n = drain(s, seqs, 5000);
	cr_assert_eq(n, 1000 - (int)nrec[1]);
	cr_assert_eq(nt_spool_stats(s)->corrupt_blocks, 1);
	cr_assert_eq(seqs[nrec[0]], (int)(nrec[0] + nrec[1]));
	nt_spool_close(s);
}

Test(spool, truncated_tail_is_counted)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[5000];
	char path[512];
	long off[16];
	uint32_t nrec[16];
	int nb, n;
	struct stat st;

	append_range(s, 0, 1000);
	nt_spool_close(s);
	nb = blocks(path, sizeof(path), off, nrec, 16);
	cr_assert_eq(stat(path, &st), 0);
	/* a write cut by kill -9: half of the last block is on disk */
	cr_assert_eq(truncate(path, off[nb - 1] + (st.st_size - off[nb - 1]) / 2), 0);
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	/* the cut block's header is whole: its records are counted at open,
	 * then as lost, so the books balance */
	cr_assert_eq(nt_spool_stats(s)->records, 1000);
	n = drain(s, seqs, 5000);
	cr_assert_eq(n, 1000 - (int)nrec[nb - 1]);
	cr_assert_eq(nt_spool_stats(s)->corrupt_blocks, 1);
	cr_assert_eq(nt_spool_stats(s)->dropped_corrupt, nrec[nb - 1]);
	cr_assert_eq(count_segments(), 0);
	nt_spool_close(s);
}

Test(spool, full_drops_oldest_exactly)
{
	/* 1 MiB cap: segments of 128 KiB; ~1 KB records compress well, so
	 * write enough to wrap several times */
	struct nt_spool *s = open_spool(1 << 20, NT_SPOOL_DROP_OLDEST);
	static int seqs[200000];
	uint64_t dropped;
	int n;

	append_range(s, 0, 60000);
	nt_spool_flush(s, 0);
	dropped = nt_spool_stats(s)->dropped_full;
	cr_assert_gt(dropped, 0);
	cr_assert_leq(nt_spool_stats(s)->bytes, 1 << 20);
	n = drain(s, seqs, 200000);
	cr_assert_eq((uint64_t)n + dropped, 60000);
	for (int i = 0; i < n; i++) /* the newest survive, in order */
		cr_assert_eq(seqs[i], (int)dropped + i);
	nt_spool_close(s);
}

Test(spool, full_drops_newest_exactly)
{
	struct nt_spool *s = open_spool(1 << 20, NT_SPOOL_DROP_NEWEST);
	static int seqs[200000];
	uint64_t dropped;
	int n;

	append_range(s, 0, 60000);
	nt_spool_flush(s, 0);
	dropped = nt_spool_stats(s)->dropped_full;
	cr_assert_gt(dropped, 0);
	n = drain(s, seqs, 200000);
	cr_assert_eq((uint64_t)n + dropped, 60000);
	for (int i = 0; i < n; i++) /* the oldest survive */
		cr_assert_eq(seqs[i], i);
	nt_spool_close(s);
}

Test(spool, second_user_of_a_directory_is_refused)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	char err[256] = "";

	cr_assert_null(nt_spool_open(dir, 64 << 20, NT_SPOOL_DROP_OLDEST, 0, err, sizeof(err)));
	cr_assert(strstr(err, "in use by another nettrail"), "%s", err);
	nt_spool_close(s);
}

Test(spool, unwritable_directory_is_an_error)
{
	char err[256] = "";

	cr_assert_null(nt_spool_open("/proc/version/spool", 64 << 20, NT_SPOOL_DROP_OLDEST, 0, err,
				     sizeof(err)));
	cr_assert(strstr(err, "--spool-dir /proc/version/spool: "), "%s", err);
}

Test(spool, a_foreign_file_is_skipped)
{
	char path[512];
	FILE *f;
	struct nt_spool *s;
	static int seqs[100];

	snprintf(path, sizeof(path), "%s/0000000000000001.seg", dir);
	f = fopen(path, "w");
	fputs("not a spool segment at all, but long enough to hold a header", f);
	fclose(f);
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	append_range(s, 0, 5);
	cr_assert_eq(drain(s, seqs, 100), 5);
	cr_assert_eq(nt_spool_stats(s)->corrupt_blocks, 1);
	nt_spool_close(s);
}

Test(spool, read_position_survives_a_clean_restart)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	struct nt_spool_block b;
	static int seqs[5000];
	uint32_t first;
	int n;

	append_range(s, 0, 1000);
	nt_spool_flush(s, 0);
	cr_assert_eq(nt_spool_read(s, &b), 1);
	first = b.n;
	nt_spool_done(s, b.seg, b.n); /* acknowledged */
	nt_spool_close(s);
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	cr_assert_eq(nt_spool_stats(s)->records, 1000 - first,
		     "what was acknowledged is not sent again");
	n = drain(s, seqs, 5000);
	cr_assert_eq(n, 1000 - (int)first);
	cr_assert_eq(seqs[0], (int)first);
	cr_assert_eq(count_segments(), 0);
	nt_spool_close(s);
}

Test(spool, unsettled_reads_are_sent_again_after_restart)
{
	struct nt_spool *s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	struct nt_spool_block b;
	static int seqs[5000];

	append_range(s, 0, 1000);
	nt_spool_flush(s, 0);
	cr_assert_eq(nt_spool_read(s, &b), 1);
	nt_spool_done(s, b.seg, b.n - 1); /* one still out at close */
	nt_spool_close(s);
	s = open_spool(64 << 20, NT_SPOOL_DROP_OLDEST);
	cr_assert_eq(nt_spool_stats(s)->records, 1000);
	cr_assert_eq(drain(s, seqs, 5000), 1000);
	nt_spool_close(s);
}
