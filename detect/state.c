// SPDX-License-Identifier: BSD-2-Clause
/* state.c - the keyed, budgeted, event-time store of every rule. */
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static const char *const table_names[DT_T_COUNT] = {
	[DT_T_PORT_SCAN] = "port_scan",	  [DT_T_ADDR_SCAN] = "address_scan",
	[DT_T_BEACON] = "beaconing",	  [DT_T_SUPPRESS] = "suppression",
	[DT_T_DNS_TUNNEL] = "dns_tunnel", [DT_T_NEWDEST] = "new_destination",
	[DT_T_PREVALENCE] = "prevalence", [DT_T_EGRESS] = "egress_spike",
};

const char *dt_table_name(enum dt_table t)
{
	return t < DT_T_COUNT ? table_names[t] : "?";
}

void dt_store_init(struct dt_store *s, size_t cap_bytes)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap_bytes;
}

static void lru_unlink(struct dt_store *s, struct dt_entry *e)
{
	if (s->sweep_at == e)
		s->sweep_at = e->prev;
	if (e->prev)
		e->prev->next = e->next;
	else
		s->mru = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->lru = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct dt_store *s, struct dt_entry *e)
{
	e->prev = NULL;
	e->next = s->mru;
	if (s->mru)
		s->mru->prev = e;
	s->mru = e;
	if (!s->lru)
		s->lru = e;
}

static size_t slots_bytes(uint32_t n)
{
	return dt_alloc_bytes((size_t)n * sizeof(struct dt_slot));
}

static void slot_put(struct dt_slot *slots, uint32_t n, struct dt_entry *e)
{
	uint32_t i = (uint32_t)e->hash & (n - 1);

	while (slots[i].e)
		i = (i + 1) & (n - 1);
	slots[i].hash = e->hash;
	slots[i].e = e;
}

/* Room for one more entry at a load of at most 1/2 (the array is accounted). */
static void slots_reserve(struct dt_store *s)
{
	uint32_t n = s->n_slots ? s->n_slots * 2 : 64;
	struct dt_slot *slots;

	if ((s->entries + 1) * 2 <= s->n_slots)
		return;
	if (!(slots = calloc(n, sizeof(*slots))))
		abort();
	for (uint32_t i = 0; i < s->n_slots; i++)
		if (s->slots[i].e)
			slot_put(slots, n, s->slots[i].e);
	free(s->slots);
	s->used += slots_bytes(n) - slots_bytes(s->n_slots);
	s->slots = slots;
	s->n_slots = n;
}

/* Removes slot i, moving the entries after it back (no tombstones). */
static void slot_del(struct dt_store *s, uint32_t i)
{
	uint32_t mask = s->n_slots - 1, j = i;

	for (;;) {
		j = (j + 1) & mask;
		if (!s->slots[j].e)
			break;
		uint32_t home = (uint32_t)s->slots[j].hash & mask;

		/* the entry at j may fill the hole at i unless its home is in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].e = NULL;
}

void dt_store_del(struct dt_store *s, struct dt_entry *e)
{
	uint32_t i = (uint32_t)e->hash & (s->n_slots - 1);

	while (s->slots[i].e != e)
		i = (i + 1) & (s->n_slots - 1);
	slot_del(s, i);
	lru_unlink(s, e);
	if (s->free_data[e->table])
		s->free_data[e->table](e->data);
	else
		free(e->data);
	s->used -= e->size;
	s->entries--;
	free(e);
}

void dt_store_free(struct dt_store *s)
{
	while (s->mru)
		dt_store_del(s, s->mru);
	s->used -= slots_bytes(s->n_slots);
	free(s->slots);
	s->slots = NULL;
	s->n_slots = 0;
}

static size_t make_key(char *buf, size_t cap, enum dt_table t, const char *key)
{
	size_t n = strlen(key);

	if (n + 1 > cap)
		n = cap - 1;
	buf[0] = (char)('A' + t);
	memcpy(buf + 1, key, n);
	return n + 1;
}

struct dt_entry *dt_store_get(struct dt_store *s, enum dt_table t, const char *key, dt_time now)
{
	char k[1024];
	size_t kl = make_key(k, sizeof(k), t, key);
	uint64_t h = XXH3_64bits(k, kl);
	struct dt_entry *e = NULL;

	for (uint32_t i = (uint32_t)h & (s->n_slots - 1); s->n_slots && s->slots[i].e;
	     i = (i + 1) & (s->n_slots - 1)) {
		struct dt_entry *c = s->slots[i].e;

		if (s->slots[i].hash == h && c->keylen == kl && !memcmp(c->key, k, kl)) {
			e = c;
			break;
		}
	}
	if (e && now > e->deadline) {
		s->expired++;
		dt_store_del(s, e);
		return NULL;
	}
	return e;
}

struct dt_entry *dt_store_put(struct dt_store *s, enum dt_table t, const char *key, void *data,
			      size_t data_size, dt_time now, dt_time deadline)
{
	char k[1024];
	size_t kl = make_key(k, sizeof(k), t, key);
	struct dt_entry *e = calloc(1, sizeof(*e) + kl + 1); /* key stays NUL-terminated */

	if (!e)
		abort();
	memcpy(e->key, k, kl);
	e->keylen = kl;
	e->table = t;
	e->data = data;
	e->touched = now;
	e->deadline = deadline;
	e->size = dt_alloc_bytes(sizeof(*e) + kl + 1) + data_size;
	e->hash = XXH3_64bits(k, kl);
	e->seq = s->seq++;
	slots_reserve(s);
	slot_put(s->slots, s->n_slots, e);
	lru_push(s, e);
	s->used += e->size;
	s->entries++;
	if (s->used > s->peak)
		s->peak = s->used;
	return e;
}

void dt_store_touch(struct dt_store *s, struct dt_entry *e, dt_time now, dt_time deadline)
{
	if (now > e->touched)
		e->touched = now;
	if (deadline > e->deadline)
		e->deadline = deadline;
	lru_unlink(s, e);
	lru_push(s, e);
}

void dt_store_resize(struct dt_store *s, struct dt_entry *e, long delta)
{
	e->size = (size_t)((long)e->size + delta);
	s->used = (size_t)((long)s->used + delta);
	if (s->used > s->peak)
		s->peak = s->used;
}

/* Frees the expired entries at the least recent end, then looks at
 * DT_SWEEP_STEP entries further along the LRU list (oldest to newest, then
 * round again): a full walk every minute was a quarter of the time at a
 * million entries (a cache miss each). */
static void sweep_step(struct dt_store *s, dt_time watermark)
{
	while (s->lru && watermark > s->lru->deadline) {
		s->expired++;
		dt_store_del(s, s->lru);
	}
	for (int i = 0; i < DT_SWEEP_STEP; i++) {
		struct dt_entry *e = s->sweep_at ? s->sweep_at : s->lru;

		if (!e)
			return;
		s->sweep_at = e->prev;
		if (watermark > e->deadline) {
			s->expired++;
			dt_store_del(s, e);
		}
	}
}

void dt_store_maintain(struct dt_store *s, dt_time watermark)
{
	sweep_step(s, watermark);
	while (s->used > s->cap && s->lru) {
		struct dt_entry *e = s->lru;

		if (watermark > e->deadline) {
			s->expired++;
		} else {
			s->evictions++;
			s->evictions_by_table[e->table]++;
		}
		dt_store_del(s, e);
	}
}

static int by_seq(const void *a, const void *b)
{
	const struct dt_entry *x = *(struct dt_entry *const *)a, *y = *(struct dt_entry *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t dt_store_list(struct dt_store *s, enum dt_table t, dt_time now, struct dt_entry ***out)
{
	size_t n = 0;
	struct dt_entry **v = malloc(sizeof(*v) * (size_t)(s->entries + 1));

	if (!v)
		abort();
	for (struct dt_entry *e = s->mru; e; e = e->next)
		if (e->table == t && now <= e->deadline)
			v[n++] = e;
	qsort(v, n, sizeof(*v), by_seq);
	*out = v;
	return n;
}

static void suppress_key(char *buf, size_t cap, const char *rule, const char *key)
{
	size_t rl = strlen(rule);

	if (rl + 2 >= cap)
		rl = cap - 2;
	memcpy(buf, rule, rl);
	buf[rl] = '|';
	strncpy(buf + rl + 1, key, cap - rl - 2);
	buf[cap - 1] = 0;
}

bool dt_suppressed(struct dt_store *s, const char *rule, const char *key, dt_time now)
{
	char k[1000];

	suppress_key(k, sizeof(k), rule, key);
	return dt_store_get(s, DT_T_SUPPRESS, k, now) != NULL;
}

void dt_suppress(struct dt_store *s, const char *rule, const char *key, dt_time now,
		 dt_time duration)
{
	char k[1000];
	struct dt_entry *e;

	suppress_key(k, sizeof(k), rule, key);
	e = dt_store_get(s, DT_T_SUPPRESS, k, now);
	if (e)
		dt_store_touch(s, e, now, now + duration);
	else
		dt_store_put(s, DT_T_SUPPRESS, k, NULL, 0, now, now + duration);
}

long dt_evidence_add(struct dt_evidence *ev, const char *id)
{
	long delta = (long)dt_alloc_bytes(strlen(id) + 1);
	int slot;

	ev->total++;
	if (ev->n < DT_EVIDENCE_MAX) {
		slot = (ev->head + ev->n) % DT_EVIDENCE_MAX;
		ev->n++;
	} else {
		slot = ev->head;
		delta -= (long)dt_alloc_bytes(strlen(ev->id[slot]) + 1);
		free(ev->id[slot]);
		ev->head = (ev->head + 1) % DT_EVIDENCE_MAX;
	}
	ev->id[slot] = strdup(id);
	return delta;
}

const char *dt_evidence_at(const struct dt_evidence *ev, int i)
{
	return i < ev->n ? ev->id[(ev->head + i) % DT_EVIDENCE_MAX] : NULL;
}

void dt_evidence_clear(struct dt_evidence *ev)
{
	for (int i = 0; i < ev->n; i++)
		free(ev->id[(ev->head + i) % DT_EVIDENCE_MAX]);
	memset(ev, 0, sizeof(*ev));
}
