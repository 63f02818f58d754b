/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool.h - the on-disk spool: records Kafka cannot take now wait here, in
 * order, across restarts and crashes of nettrail.
 *
 * A spool directory holds segments named <16 hex digits>.seg, read lowest
 * first. A segment is a file header then blocks; a block is a 32-byte
 * header (magic, record count, raw and compressed length, CRC-32 of the
 * compressed bytes, CRC-32 of the header itself) and a zlib stream of
 * records; inside, each record is framed by its length and its own
 * CRC-32. Appends are buffered and written a block at a time (at 256 KiB,
 * or at every nt_spool_flush, which the main loop calls each tick).
 *
 * Durability: a written block survives a crash of nettrail (kill -9) at
 * once: it is in the page cache. fsync (file, and the directory when a
 * segment is created or removed) runs at most every fsync_ms, so a crash
 * of the whole node loses at most that much of the spool; fsync_ms 0
 * syncs every block.
 *
 * Reading never trusts the bytes: a block whose header or payload fails
 * its checksum, or that ends early (a write cut by kill -9), is skipped,
 * counted and logged; reading resumes at the next valid block.
 *
 * Records that failed delivery go to a new segment numbered below the
 * current first one (nt_spool_prepend), so they are read before anything
 * spooled after them: replay order is produce order.
 */
#ifndef NT_SPOOL_H
#define NT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct nt_spool_rec {
	uint8_t type; /* enum nt_record_type */
	uint16_t klen;
	uint32_t vlen;
	const char *key;
	const char *val;
};

struct nt_spool_stats {
	uint64_t appended;	  /* records written into the spool */
	uint64_t read;		  /* records read back out for delivery */
	uint64_t dropped_full;	  /* records lost to a full spool (policy) */
	uint64_t dropped_corrupt; /* records in blocks that failed checks */
	uint64_t corrupt_blocks;  /* blocks skipped: bad checksum, truncated */
	uint64_t io_errors;	  /* failed writes (their records are counted
				    in dropped_io) */
	uint64_t dropped_io;
	uint64_t records;  /* gauge: records waiting (disk + buffer) */
	uint64_t bytes;	   /* gauge: bytes on disk */
	uint64_t segments; /* gauge */
};

/* A block read back: records point into the spool's buffer, valid until
 * the next nt_spool_read. seg identifies the segment for nt_spool_done. */
struct nt_spool_block {
	void *seg;
	uint32_t n;
	struct nt_spool_rec *recs;
};

struct nt_spool;

/* Opens (creating) dir, takes its lock, counts what earlier runs left.
 * NULL with a one-line message when the directory cannot be used. */
struct nt_spool *nt_spool_open(const char *dir, uint64_t max_bytes, enum nt_spool_policy policy,
			       uint32_t fsync_ms, char *err, size_t errlen);

/* Buffers one record at the tail. 0, or -1 when it was dropped (counted). */
int nt_spool_append(struct nt_spool *s, uint8_t type, const char *key, size_t klen, const char *val,
		    size_t vlen);

/* Writes n records, in this order, ahead of everything spooled. */
int nt_spool_prepend(struct nt_spool *s, const struct nt_spool_rec *r, size_t n);

/* Writes the buffered tail as a block; syncs by the fsync policy. */
void nt_spool_flush(struct nt_spool *s, uint64_t now_ns);

/* Next block in order (buffered tail included). 1 with *b filled, 0 when
 * the spool holds nothing more to read. */
int nt_spool_read(struct nt_spool *s, struct nt_spool_block *b);

/* n records read from seg are settled (acknowledged, or prepended again).
 * A segment read to its end and fully settled is removed. */
void nt_spool_done(struct nt_spool *s, void *seg, uint32_t n);

/* Records read but not yet settled. */
uint64_t nt_spool_unsettled(const struct nt_spool *s);

const struct nt_spool_stats *nt_spool_stats(struct nt_spool *s);

/* Flushes, syncs, unlocks. */
void nt_spool_close(struct nt_spool *s);

#endif
