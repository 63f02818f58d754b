// SPDX-License-Identifier: BSD-2-Clause
/* state.c - the keyed, budgeted, event-time store of every rule. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

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
	s->last_sweep = DT_TIME_NONE;
}

static void lru_unlink(struct dt_store *s, struct dt_entry *e)
{
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

void dt_store_del(struct dt_store *s, struct dt_entry *e)
{
	HASH_DEL(s->hash, e);
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
	struct dt_entry *e = NULL;

	HASH_FIND(hh, s->hash, k, kl, e);
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
	e->size = sizeof(*e) + kl + data_size;
	HASH_ADD(hh, s->hash, key, kl, e);
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

static void sweep(struct dt_store *s, dt_time watermark)
{
	struct dt_entry *e, *prev;

	for (e = s->lru; e; e = prev) {
		prev = e->prev;
		if (watermark > e->deadline) {
			s->expired++;
			dt_store_del(s, e);
		}
	}
	s->last_sweep = watermark;
}

void dt_store_maintain(struct dt_store *s, dt_time watermark)
{
	if (s->last_sweep == DT_TIME_NONE || watermark - s->last_sweep >= DT_SWEEP_EVERY)
		sweep(s, watermark);
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
	long delta = (long)strlen(id) + 1;
	int slot;

	ev->total++;
	if (ev->n < DT_EVIDENCE_MAX) {
		slot = (ev->head + ev->n) % DT_EVIDENCE_MAX;
		ev->n++;
	} else {
		slot = ev->head;
		delta -= (long)strlen(ev->id[slot]) + 1;
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
