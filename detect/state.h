/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * state.h - the detector's memory: keyed entries in event-time windows,
 * under one byte budget.
 *
 * Every rule keeps its per-key state (a scanner's attempts, a beacon pair's
 * connections, a suppression mark) as an entry of one struct dt_store: an
 * open-addressing hash by (table, key) (the XXH3 hash and the entry in a flat
 * array, so a lookup costs one probe and one entry, not a chain of cache
 * misses) and one least-recently-updated list. Each entry carries the bytes
 * it accounts for (entry, key and the rule's data, which the rule reports
 * with dt_store_resize, all as malloc chunks: dt_alloc_bytes) and an
 * event-time deadline; the hash array is accounted too.
 *
 *  - Expiry: an entry whose deadline the watermark (the largest event time
 *    seen) has passed is freed and counted in `expired` (lazily on lookup,
 *    and by a sweep that looks at DT_SWEEP_STEP entries per record, going
 *    round the LRU list: no record pays for a walk over every entry).
 *  - Eviction: when the bytes exceed the cap, entries are freed from the
 *    least recently updated end until they fit; each is counted in
 *    `evictions` (and per table), or in `expired` if it was past its deadline.
 *
 * Nothing here reads the wall clock: all times are the records' own.
 */
#ifndef DT_STATE_H
#define DT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

enum dt_table {
	DT_T_PORT_SCAN = 0,
	DT_T_ADDR_SCAN,
	DT_T_BEACON,
	DT_T_SUPPRESS,
	DT_T_DNS_TUNNEL,
	DT_T_NEWDEST,
	DT_T_PREVALENCE,
	DT_T_EGRESS,
	DT_T_COUNT
};

#define DT_SWEEP_STEP 1

struct dt_entry {
	struct dt_entry *prev, *next; /* LRU: prev towards the most recent */
	uint64_t hash, seq;	      /* of the key; seq: creation order */
	enum dt_table table;
	dt_time touched;  /* event time of the last update */
	dt_time deadline; /* expires once the watermark passes it */
	size_t size;	  /* bytes accounted */
	void *data;	  /* the rule's, freed by the table's free function */
	size_t keylen;
	char key[]; /* table byte + key text */
};

struct dt_slot {
	uint64_t hash;
	struct dt_entry *e; /* NULL: empty */
};

struct dt_store {
	struct dt_slot *slots; /* a power of 2 of them, at most half full */
	uint32_t n_slots;
	uint64_t seq;
	struct dt_entry *mru, *lru;
	void (*free_data[DT_T_COUNT])(void *data);
	size_t used, cap, peak;
	uint64_t entries;
	uint64_t evictions, expired;
	uint64_t evictions_by_table[DT_T_COUNT];
	struct dt_entry *sweep_at; /* the sweep's next entry (towards the most recent) */
};

void dt_store_init(struct dt_store *s, size_t cap_bytes);
void dt_store_free(struct dt_store *s);
const char *dt_table_name(enum dt_table t);

/* The live entry for (table, key) or NULL; an expired one is freed first. */
struct dt_entry *dt_store_get(struct dt_store *s, enum dt_table t, const char *key, dt_time now);
/* A new entry owning data (accounted as data_size bytes), most recent. */
struct dt_entry *dt_store_put(struct dt_store *s, enum dt_table t, const char *key, void *data,
			      size_t data_size, dt_time now, dt_time deadline);
/* Marks an entry updated at event time now, with a new deadline. */
void dt_store_touch(struct dt_store *s, struct dt_entry *e, dt_time now, dt_time deadline);
/* The rule's data grew (delta > 0) or shrank. */
void dt_store_resize(struct dt_store *s, struct dt_entry *e, long delta);
void dt_store_del(struct dt_store *s, struct dt_entry *e);
/* A step of the expiry sweep, then eviction down to the cap. */
void dt_store_maintain(struct dt_store *s, dt_time watermark);

/* The live entries of a table in creation order (caller frees *out). */
size_t dt_store_list(struct dt_store *s, enum dt_table t, dt_time now, struct dt_entry ***out);

/* What malloc really holds for a request of n bytes (glibc: the chunk,
 * header included, in 16-byte steps, at least 32); 0 for 0. */
static inline size_t dt_alloc_bytes(size_t n)
{
	size_t c = (n + sizeof(size_t) + 15) & ~(size_t)15;

	return n ? (c < 32 ? 32 : c) : 0;
}

/* Suppression marks: once per (rule, key) per window. */
bool dt_suppressed(struct dt_store *s, const char *rule, const char *key, dt_time now);
void dt_suppress(struct dt_store *s, const char *rule, const char *key, dt_time now,
		 dt_time duration);

/* The most recent record ids of a key, at most DT_EVIDENCE_MAX, oldest first. */
#define DT_EVIDENCE_MAX 20
struct dt_evidence {
	char *id[DT_EVIDENCE_MAX];
	int n, head; /* head: index of the oldest once full */
	uint64_t total;
};

/* Returns the bytes it added (or released: negative). */
long dt_evidence_add(struct dt_evidence *ev, const char *id);
const char *dt_evidence_at(const struct dt_evidence *ev, int i);
void dt_evidence_clear(struct dt_evidence *ev);

#endif
