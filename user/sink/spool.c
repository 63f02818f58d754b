// SPDX-License-Identifier: BSD-2-Clause
/* spool.c - append-only, checksummed, zlib-compressed record segments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spool.h"
#include "util.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define FILE_MAGIC  "NTSPOOL\001"
#define FILE_HDR    8
#define BLK_MAGIC   0x4e54534bu /* "NTSK" */
#define BLK_HDR	    32
#define BLK_RAW_MAX (256u << 10) /* a block is written at this size */
#define REC_HDR	    15		 /* len, crc, type, klen, vlen */
#define REC_MAX	    (4u << 20)
#define FIRST_ID    (1ull << 40) /* room below for prepended segments */

struct blk_hdr {
	uint32_t magic, nrec, raw_len, comp_len, crc, flags, rsvd, hcrc;
};

struct seg {
	uint64_t id;
	int fd;		  /* open while it is written or read */
	int writable;	  /* the tail */
	int gone;	  /* dropped by the full policy */
	uint64_t size;	  /* bytes on disk */
	uint64_t nrec;	  /* records known (valid headers so far) */
	uint64_t scanned; /* offset up to which nrec counts */
	uint64_t nread, nsettled;
	uint64_t roff; /* next block to read */
	struct seg *next;
};

struct nt_spool {
	char dir[4096];
	int dirfd, lockfd;
	uint64_t max_bytes, seg_max;
	enum nt_spool_policy policy;
	uint64_t fsync_ns, last_sync;
	int dirty, dir_dirty;
	int refusing;	  /* drop-newest: full until a segment goes */
	struct seg *segs; /* ascending id */
	struct seg *tail;
	uint64_t next_id;
	char *wbuf; /* records waiting to become a block */
	size_t wlen, wcap;
	uint32_t wn;
	unsigned char *zbuf; /* compressed block */
	size_t zcap;
	char *rbuf; /* a block read back, decompressed */
	size_t rcap;
	struct nt_spool_rec *recs;
	size_t recs_cap;
	uint64_t last_log;
	struct nt_spool_stats st;
};

static void put32(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void put16(char *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static uint32_t get32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static uint16_t get16(const char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static void seg_name(const struct seg *g, char *buf, size_t n)
{
	snprintf(buf, n, "%016llx.seg", (unsigned long long)g->id);
}

static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t c = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = realloc(*p, c * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

static void logit(struct nt_spool *s, const char *what, const struct seg *g, uint64_t off)
{
	char name[32];

	seg_name(g, name, sizeof(name));
	nt_warn("spool: %s/%s at byte %llu: %s", s->dir, name, (unsigned long long)off, what);
}

static uint32_t hdr_crc(const struct blk_hdr *h)
{
	return (uint32_t)crc32(0, (const Bytef *)h, BLK_HDR - 4);
}

/* Reads a block header at off: 1 valid, 0 invalid, -1 short. */
static int read_hdr(const struct seg *g, uint64_t off, struct blk_hdr *h)
{
	ssize_t r = pread(g->fd, h, BLK_HDR, (off_t)off);

	if (r != BLK_HDR)
		return -1;
	return h->magic == BLK_MAGIC && h->hcrc == hdr_crc(h) &&
	       h->raw_len <= BLK_RAW_MAX + REC_MAX + REC_HDR &&
	       h->comp_len <= compressBound(h->raw_len) && h->nrec &&
	       h->nrec <= h->raw_len / REC_HDR;
}

static uint64_t records_waiting(const struct nt_spool *s)
{
	uint64_t n = s->wn;

	for (const struct seg *g = s->segs; g; g = g->next)
		if (!g->gone)
			n += g->nrec - g->nread;
	return n;
}

static void refresh_gauges(struct nt_spool *s)
{
	uint64_t bytes = 0, n = 0;

	for (const struct seg *g = s->segs; g; g = g->next)
		if (!g->gone) {
			bytes += g->size;
			n++;
		}
	s->st.bytes = bytes;
	s->st.segments = n;
	s->st.records = records_waiting(s);
}

static void seg_insert(struct nt_spool *s, struct seg *g)
{
	struct seg **pp = &s->segs;

	while (*pp && (*pp)->id < g->id)
		pp = &(*pp)->next;
	g->next = *pp;
	*pp = g;
}

static void seg_unlink(struct nt_spool *s, struct seg *g)
{
	char name[32];

	seg_name(g, name, sizeof(name));
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	unlinkat(s->dirfd, name, 0);
	snprintf(name, sizeof(name), "%016llx.pos", (unsigned long long)g->id);
	unlinkat(s->dirfd, name, 0);
	s->dir_dirty = 1;
	s->refusing = 0;
}

/* Frees a segment that has nothing left to read or settle. */
static void seg_maybe_free(struct nt_spool *s, struct seg *g)
{
	struct seg **pp;

	if (g->nsettled < g->nread)
		return;
	if (!g->gone) {
		if (g->nread < g->nrec || g->roff < g->size)
			return;
		if (g->writable) {
			if (s->wn)
				return; /* buffered records will land here */
			s->tail = NULL;
		}
		seg_unlink(s, g);
	}
	for (pp = &s->segs; *pp && *pp != g; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = g->next;
	free(g);
}

static struct seg *seg_create(struct nt_spool *s, uint64_t id)
{
	struct seg *g = calloc(1, sizeof(*g));
	char name[32];

	if (!g)
		return NULL;
	g->id = id;
	seg_name(g, name, sizeof(name));
	g->fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (g->fd < 0 || write(g->fd, FILE_MAGIC, FILE_HDR) != FILE_HDR) {
		if (g->fd >= 0) {
			close(g->fd);
			unlinkat(s->dirfd, name, 0);
		}
		free(g);
		return NULL;
	}
	g->size = g->roff = g->scanned = FILE_HDR;
	s->dir_dirty = 1;
	seg_insert(s, g);
	return g;
}

static void sync_now(struct nt_spool *s, uint64_t now)
{
	if (s->dirty && s->tail && s->tail->fd >= 0)
		fdatasync(s->tail->fd);
	if (s->dir_dirty)
		fsync(s->dirfd);
	s->dirty = s->dir_dirty = 0;
	s->last_sync = now;
}

/* Makes room for len more bytes by the full policy. 0 if it fits. */
static int make_room(struct nt_spool *s, uint64_t len, const struct seg *keep)
{
	for (;;) {
		struct seg *g;
		uint64_t used = 0;

		for (g = s->segs; g; g = g->next)
			if (!g->gone)
				used += g->size;
		if (used + len <= s->max_bytes && !s->refusing)
			return 0;
		if (s->policy == NT_SPOOL_DROP_NEWEST) {
			/* once full, refuse until replay frees a segment, so
			 * what is kept is one unbroken run of records */
			s->refusing = 1;
			return -1;
		}
		for (g = s->segs; g && (g->gone || g == keep); g = g->next)
			;
		if (!g)
			return -1;
		/* the oldest segment goes, with what was not yet read */
		s->st.dropped_full += g->nrec - g->nread;
		{
			char name[32];

			seg_name(g, name, sizeof(name));
			nt_warn("spool: full (%llu bytes): "
				"dropped %s with %llu records",
				(unsigned long long)s->max_bytes, name,
				(unsigned long long)(g->nrec - g->nread));
		}
		g->nread = g->nrec;
		g->gone = 1;
		if (g == s->tail)
			s->tail = NULL;
		seg_unlink(s, g);
		seg_maybe_free(s, g);
	}
}

/* Compresses raw (n records) into a block and appends it to g. */
static int write_block(struct nt_spool *s, struct seg *g, const char *raw, size_t rlen, uint32_t n)
{
	uLongf clen = compressBound(rlen);
	struct blk_hdr h = { .magic = BLK_MAGIC, .nrec = n, .raw_len = (uint32_t)rlen };
	struct iovec iov[2];
	ssize_t w;

	if (grow(&s->zbuf, &s->zcap, clen, 1) ||
	    compress2(s->zbuf, &clen, (const Bytef *)raw, rlen, 1) != Z_OK) {
		s->st.io_errors++;
		s->st.dropped_io += n;
		return -1;
	}
	h.comp_len = (uint32_t)clen;
	h.crc = (uint32_t)crc32(0, s->zbuf, (uInt)clen);
	h.hcrc = hdr_crc(&h);
	iov[0] = (struct iovec){ &h, BLK_HDR };
	iov[1] = (struct iovec){ s->zbuf, clen };
	w = pwritev(g->fd, iov, 2, (off_t)g->size);
	if (w != (ssize_t)(BLK_HDR + clen)) {
		if (s->st.io_errors++ == 0 || nt_mono_ns() - s->last_log > 10e9) {
			logit(s, w < 0 ? strerror(errno) : "short write", g, g->size);
			s->last_log = nt_mono_ns();
		}
		s->st.dropped_io += n;
		if (ftruncate(g->fd, (off_t)g->size))
			g->writable = 0;
		return -1;
	}
	g->size += (uint64_t)w;
	g->nrec += n;
	g->scanned = g->size;
	s->st.appended += n;
	s->dirty = 1;
	return 0;
}

/* Writes the buffered tail records as one block. */
static void flush_tail(struct nt_spool *s)
{
	uint64_t need;

	if (!s->wn)
		return;
	need = BLK_HDR + compressBound(s->wlen);
	if (s->tail && s->tail->size + need > s->seg_max && s->tail->size > FILE_HDR) {
		s->tail->writable = 0; /* full: the next block opens a new one */
		s->tail = NULL;
	}
	if (make_room(s, need + (s->tail ? 0 : FILE_HDR), s->tail)) {
		s->st.dropped_full += s->wn;
		goto out;
	}
	if (!s->tail) {
		s->tail = seg_create(s, s->next_id);
		if (!s->tail) {
			s->st.io_errors++;
			s->st.dropped_io += s->wn;
			goto out;
		}
		s->next_id++;
		s->tail->writable = 1;
	}
	write_block(s, s->tail, s->wbuf, s->wlen, s->wn);
out:
	s->wlen = 0;
	s->wn = 0;
}

static size_t frame(char *p, uint8_t type, const char *key, size_t klen, const char *val,
		    size_t vlen)
{
	uint32_t len = (uint32_t)(7 + klen + vlen);
	uint32_t crc;

	p[8] = (char)type;
	put16(p + 9, (uint16_t)klen);
	put32(p + 11, (uint32_t)vlen);
	memcpy(p + REC_HDR, key, klen);
	memcpy(p + REC_HDR + klen, val, vlen);
	crc = (uint32_t)crc32(0, (const Bytef *)p + 8, len);
	put32(p, len);
	put32(p + 4, crc);
	return 8 + len;
}

int nt_spool_append(struct nt_spool *s, uint8_t type, const char *key, size_t klen, const char *val,
		    size_t vlen)
{
	size_t need = REC_HDR + klen + vlen;

	if (klen > 0xffff || need > REC_MAX || grow(&s->wbuf, &s->wcap, s->wlen + need, 1)) {
		s->st.dropped_io++;
		return -1;
	}
	s->wlen += frame(s->wbuf + s->wlen, type, key, klen, val, vlen);
	s->wn++;
	if (s->wlen >= BLK_RAW_MAX)
		flush_tail(s);
	return 0;
}

int nt_spool_prepend(struct nt_spool *s, const struct nt_spool_rec *r, size_t n)
{
	char *raw = NULL;
	size_t cap = 0, len = 0, i = 0;
	struct seg *g;
	uint64_t id = s->segs ? s->segs->id - 1 : s->next_id++;
	int rc = 0;

	if (!n)
		return 0;
	g = seg_create(s, id);
	if (!g) {
		s->st.io_errors++;
		s->st.dropped_io += n;
		return -1;
	}
	while (i < n) {
		uint32_t bn = 0;

		len = 0;
		for (; i < n && len < BLK_RAW_MAX; i++, bn++) {
			size_t need = REC_HDR + r[i].klen + r[i].vlen;

			if (grow(&raw, &cap, len + need, 1))
				break;
			len += frame(raw + len, r[i].type, r[i].key, r[i].klen, r[i].val,
				     r[i].vlen);
		}
		if (!bn) { /* out of memory */
			s->st.dropped_io += n - i;
			rc = -1;
			break;
		}
		if (make_room(s, BLK_HDR + compressBound(len), g)) {
			s->st.dropped_full += bn;
			rc = -1;
		} else if (write_block(s, g, raw, len, bn)) {
			rc = -1;
		}
	}
	free(raw);
	sync_now(s, nt_mono_ns()); /* these already failed once: keep them */
	seg_maybe_free(s, g);
	refresh_gauges(s);
	return rc;
}

void nt_spool_flush(struct nt_spool *s, uint64_t now_ns)
{
	flush_tail(s);
	if ((s->dirty || s->dir_dirty) && now_ns - s->last_sync >= s->fsync_ns)
		sync_now(s, now_ns);
	refresh_gauges(s);
}

/* Parses a decompressed block into s->recs; returns records parsed. */
static uint32_t parse_block(struct nt_spool *s, const char *raw, size_t len, uint32_t nrec)
{
	uint32_t got = 0;
	size_t off = 0;

	if (grow(&s->recs, &s->recs_cap, nrec, sizeof(*s->recs)))
		return 0;
	while (got < nrec && off + REC_HDR <= len) {
		uint32_t rlen = get32(raw + off), crc = get32(raw + off + 4);
		const char *p = raw + off + 8;
		struct nt_spool_rec *r = &s->recs[got];

		if (rlen < 7 || rlen > len - off - 8)
			break;
		off += 8 + rlen;
		if ((uint32_t)crc32(0, (const Bytef *)p, rlen) != crc)
			continue;
		r->type = (uint8_t)p[0];
		r->klen = get16(p + 1);
		r->vlen = get32(p + 3);
		if ((uint64_t)7 + r->klen + r->vlen != rlen)
			continue;
		r->key = p + 7;
		r->val = p + 7 + r->klen;
		got++;
	}
	return got;
}

/* Looks for the next valid header after a damaged one. */
static int resync(struct seg *g, uint64_t from, uint64_t *found)
{
	char buf[65536];
	uint64_t off = from;

	for (;;) {
		ssize_t r = pread(g->fd, buf, sizeof(buf), (off_t)off);

		if (r < 4)
			return 0;
		for (ssize_t i = 0; i + 4 <= r; i++) {
			struct blk_hdr h;

			if (get32(buf + i) != BLK_MAGIC)
				continue;
			if (read_hdr(g, off + (uint64_t)i, &h) == 1) {
				*found = off + (uint64_t)i;
				return 1;
			}
		}
		off += (uint64_t)r - 3;
	}
}

/* Reads the block at g->roff. 1 with records, 0 if the segment is done,
 * 2 when a damaged block was skipped (try again). */
static int read_block(struct nt_spool *s, struct seg *g, struct nt_spool_block *b)
{
	struct blk_hdr h;
	uLongf rlen;
	int v = read_hdr(g, g->roff, &h);
	uint32_t got;

	if (v == -1) {
		if (g->roff < g->size) { /* a header cut short */
			s->st.corrupt_blocks++;
			logit(s, "truncated block header (skipped)", g, g->roff);
		}
		g->roff = g->size;
		return 0;
	}
	if (v == 0) {
		uint64_t next;

		s->st.corrupt_blocks++;
		logit(s, "damaged block header (skipped)", g, g->roff);
		if (!resync(g, g->roff + 1, &next)) {
			g->roff = g->size;
			return 0;
		}
		g->roff = next;
		return 2;
	}
	if (g->roff >= g->scanned) { /* found past what open() counted */
		g->nrec += h.nrec;
		g->scanned = g->roff + BLK_HDR + h.comp_len;
	}
	if (grow(&s->zbuf, &s->zcap, h.comp_len, 1) || grow(&s->rbuf, &s->rcap, h.raw_len, 1))
		return 0;
	if (pread(g->fd, s->zbuf, h.comp_len, (off_t)(g->roff + BLK_HDR)) != (ssize_t)h.comp_len) {
		s->st.corrupt_blocks++;
		s->st.dropped_corrupt += h.nrec;
		g->nread += h.nrec;
		g->nsettled += h.nrec;
		logit(s, "truncated block (skipped)", g, g->roff);
		g->roff = g->size;
		return 0;
	}
	g->roff += BLK_HDR + h.comp_len;
	rlen = h.raw_len;
	if ((uint32_t)crc32(0, s->zbuf, h.comp_len) != h.crc ||
	    uncompress((Bytef *)s->rbuf, &rlen, s->zbuf, h.comp_len) != Z_OK || rlen != h.raw_len) {
		s->st.corrupt_blocks++;
		s->st.dropped_corrupt += h.nrec;
		g->nread += h.nrec;
		g->nsettled += h.nrec;
		logit(s, "block fails its checksum (skipped)", g, g->roff - BLK_HDR - h.comp_len);
		return 2;
	}
	got = parse_block(s, s->rbuf, rlen, h.nrec);
	if (got < h.nrec) {
		s->st.corrupt_blocks++;
		s->st.dropped_corrupt += h.nrec - got;
		logit(s, "damaged records in block (skipped)", g, g->roff - BLK_HDR - h.comp_len);
	}
	/* every record of the block is now read; the bad ones are settled */
	g->nread += h.nrec;
	g->nsettled += h.nrec - got;
	if (!got)
		return 2;
	b->seg = g;
	b->n = got;
	b->recs = s->recs;
	s->st.read += got;
	return 1;
}

int nt_spool_read(struct nt_spool *s, struct nt_spool_block *b)
{
	for (int pass = 0; pass < 2; pass++) {
		struct seg *g = s->segs;

		while (g) {
			struct seg *next = g->next;
			int r;

			if (g->gone || g->roff >= g->size) {
				g = next;
				continue;
			}
			r = read_block(s, g, b);
			if (r == 1) {
				refresh_gauges(s);
				return 1;
			}
			if (r == 0) {
				/* done: counted records that could not be
				 * read back (a cut tail) are lost, and said */
				if (g->nrec > g->nread) {
					s->st.dropped_corrupt += g->nrec - g->nread;
					g->nsettled += g->nrec - g->nread;
					g->nread = g->nrec;
				}
				seg_maybe_free(s, g);
				g = next;
			}
			/* r == 2: damaged block skipped, same segment again */
		}
		if (!s->wn)
			break;
		flush_tail(s); /* the buffered tail is next in order */
	}
	refresh_gauges(s);
	return 0;
}

void nt_spool_done(struct nt_spool *s, void *seg, uint32_t n)
{
	struct seg *g = seg;

	g->nsettled += n;
	seg_maybe_free(s, g);
}

uint64_t nt_spool_unsettled(const struct nt_spool *s)
{
	uint64_t n = 0;

	for (const struct seg *g = s->segs; g; g = g->next)
		n += g->nread - g->nsettled;
	return n;
}

const struct nt_spool_stats *nt_spool_stats(struct nt_spool *s)
{
	refresh_gauges(s);
	return &s->st;
}

/* Counts the records of an existing segment from its block headers: a
 * block cut short still counts (its header says how many records were
 * lost); a damaged header is stepped over to the next valid one (the
 * records behind it cannot be counted: spool_corrupt_blocks says so when
 * the reader meets it). */
static void scan_seg(struct nt_spool *s, struct seg *g)
{
	struct blk_hdr h;
	char magic[FILE_HDR];
	uint64_t off = FILE_HDR;

	if (pread(g->fd, magic, FILE_HDR, 0) != FILE_HDR || memcmp(magic, FILE_MAGIC, FILE_HDR)) {
		s->st.corrupt_blocks++;
		logit(s, "not a spool segment (skipped)", g, 0);
		g->roff = g->size;
		g->scanned = g->size;
		return;
	}
	g->roff = FILE_HDR;
	while (off + BLK_HDR <= g->size) {
		int v = read_hdr(g, off, &h);
		uint64_t next;

		if (v == 1) {
			g->nrec += h.nrec;
			off += BLK_HDR + h.comp_len;
			continue;
		}
		if (v != 0 || !resync(g, off + 1, &next))
			break;
		off = next;
	}
	g->scanned = g->size; /* everything countable is counted */
}

/* The read position a clean shutdown left: "<roff> <nread>". Valid only
 * on a block boundary inside the segment. */
static void load_pos(struct nt_spool *s, struct seg *g)
{
	char name[40], buf[64];
	unsigned long long roff, nread;
	struct blk_hdr h;
	int fd;
	ssize_t n;

	snprintf(name, sizeof(name), "%016llx.pos", (unsigned long long)g->id);
	fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &roff, &nread) != 2 || roff < FILE_HDR || roff > g->size ||
	    nread > g->nrec || (roff < g->size && read_hdr(g, roff, &h) != 1)) {
		logit(s, "stale read position ignored", g, roff);
		return;
	}
	g->roff = roff;
	g->nread = g->nsettled = nread;
}

/* At close: where reading stopped, so a restart does not send again what
 * was already acknowledged. Only when every record read is settled. */
static void save_pos(struct nt_spool *s, struct seg *g)
{
	char name[40], tmp[48], buf[64];
	int fd, n;

	snprintf(name, sizeof(name), "%016llx.pos", (unsigned long long)g->id);
	if (g->gone || !g->nread || g->nsettled != g->nread)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	n = snprintf(buf, sizeof(buf), "%llu %llu\n", (unsigned long long)g->roff,
		     (unsigned long long)g->nread);
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)n) == n && !fdatasync(fd))
		renameat(s->dirfd, tmp, s->dirfd, name);
	close(fd);
}

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0750) && errno != EEXIST ? -1 : 0;
}

/* The directory, made if missing, and its LOCK taken: one nettrail a spool. */
static int spool_lock(struct nt_spool *s, const char *dir, char *err, size_t errlen)
{
	if (mkdirs(dir) || (s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (s->lockfd = openat(s->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		snprintf(err, errlen, "--spool-dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "--spool-dir %s: in use by another nettrail", dir);
		return -1;
	}
	return 0;
}

/* One segment file found at open ("%016llx.seg"): scanned, its saved read
 * position loaded. 1 when the name is not a segment's, -1 on an error. */
static int spool_load_seg(struct nt_spool *s, const char *dir, const char *name, uint64_t *max_id,
			  char *err, size_t errlen)
{
	unsigned long long id;
	struct seg *g;
	struct stat st;
	char *end;

	if (strlen(name) != 20 || strcmp(name + 16, ".seg"))
		return 1;
	id = strtoull(name, &end, 16);
	if (end != name + 16)
		return 1;
	g = calloc(1, sizeof(*g));
	if (!g)
		return 1;
	g->id = id;
	g->fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0 || fstat(g->fd, &st)) {
		snprintf(err, errlen, "spool segment %s/%s: %s", dir, name, strerror(errno));
		if (g->fd >= 0)
			close(g->fd);
		free(g);
		return -1;
	}
	g->size = (uint64_t)st.st_size;
	scan_seg(s, g);
	load_pos(s, g);
	seg_insert(s, g);
	if (id > *max_id)
		*max_id = id;
	return 0;
}

/* Every segment an earlier run left, in id order. */
static int spool_load(struct nt_spool *s, const char *dir, char *err, size_t errlen)
{
	DIR *d = fdopendir(dup(s->dirfd));
	struct dirent *e;
	uint64_t max_id = 0;

	if (!d) {
		snprintf(err, errlen, "--spool-dir %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (spool_load_seg(s, dir, e->d_name, &max_id, err, errlen) < 0) {
			closedir(d);
			return -1;
		}
	closedir(d);
	s->next_id = max_id ? max_id + 1 : FIRST_ID;
	return 0;
}

/* Proves the directory is writable now, not at the first outage. */
static int spool_probe(struct nt_spool *s, const char *dir, char *err, size_t errlen)
{
	struct seg *probe = seg_create(s, s->next_id);

	if (!probe) {
		snprintf(err, errlen, "--spool-dir %s: cannot write: %s", dir, strerror(errno));
		return -1;
	}
	s->next_id++;
	probe->writable = 1;
	s->tail = probe;
	seg_maybe_free(s, probe); /* empty: removed again */
	return 0;
}

struct nt_spool *nt_spool_open(const char *dir, uint64_t max_bytes, enum nt_spool_policy policy,
			       uint32_t fsync_ms, char *err, size_t errlen)
{
	struct nt_spool *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "spool: out of memory");
		return NULL;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->dirfd = s->lockfd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 8;
	if (s->seg_max < (64u << 10))
		s->seg_max = 64u << 10;
	if (s->seg_max > (64u << 20))
		s->seg_max = 64u << 20;
	s->policy = policy;
	s->fsync_ns = (uint64_t)fsync_ms * 1000000ull;
	if (spool_lock(s, dir, err, errlen) || spool_load(s, dir, err, errlen) ||
	    spool_probe(s, dir, err, errlen)) {
		nt_spool_close(s);
		return NULL;
	}
	s->last_sync = nt_mono_ns();
	refresh_gauges(s);
	if (s->st.records)
		nt_info("spool: %llu records from an earlier run in %s, replayed first",
			(unsigned long long)s->st.records, dir);
	return s;
}

void nt_spool_close(struct nt_spool *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0) {
		flush_tail(s);
		sync_now(s, nt_mono_ns());
	}
	if (s->dirfd >= 0)
		for (struct seg *g = s->segs; g; g = g->next)
			save_pos(s, g);
	while (s->segs) {
		struct seg *g = s->segs;

		s->segs = g->next;
		if (g->fd >= 0)
			close(g->fd);
		free(g);
	}
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->wbuf);
	free(s->zbuf);
	free(s->rbuf);
	free(s->recs);
	free(s);
}
