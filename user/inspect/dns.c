// SPDX-License-Identifier: BSD-2-Clause
/* dns.c - DNS transactions from samples, and the name cache for flows. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "dns.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>

#define NS 1000000000ULL

struct pend_key {
	struct nt_flow_key flow;
	uint16_t id;
	uint16_t _pad;
};

struct pending {
	struct pend_key k; /* uthash key */
	struct nt_dns_txn t;
	UT_hash_handle hh;
};

struct cache_key {
	uint8_t client[16]; /* all zero: the node-wide entry */
	uint8_t addr[16];
};

struct cache_ent {
	struct cache_key k;
	uint64_t expires_ns;
	char *name;
	struct nt_dn_split split;
	UT_hash_handle hh;
};

/* One direction of a DNS-over-TCP connection, being reassembled. */
#define TCP_BUF 4096

struct tcp_key {
	struct nt_flow_key flow;
	uint8_t side;
	uint8_t _pad[3];
};

struct tcp_stream {
	struct tcp_key k;
	uint32_t next_seq; /* the byte expected next */
	uint64_t last_ns;
	uint16_t len;
	uint8_t buf[TCP_BUF]; /* bytes not yet making a message */
	UT_hash_handle hh;
};

struct nt_dns {
	struct nt_dns_opts o;
	struct nt_dns_stats st;
	struct pending *pend;	 /* insertion order = query time order */
	struct cache_ent *cache; /* insertion order = LRU order */
	struct tcp_stream *tcp;	 /* insertion order = creation order */
};

struct nt_dns *nt_dns_new(const struct nt_dns_opts *o)
{
	struct nt_dns *d = calloc(1, sizeof(*d));

	if (d)
		d->o = *o;
	return d;
}

static void cache_ent_free(struct cache_ent *e)
{
	free(e->name);
	free(e);
}

static void cache_drop(struct nt_dns *d, struct cache_ent *e)
{
	HASH_DEL(d->cache, e);
	cache_ent_free(e);
	d->st.cache_entries--;
}

static void tcp_drop(struct nt_dns *d, struct tcp_stream *t)
{
	HASH_DEL(d->tcp, t);
	free(t);
	d->st.tcp_streams--;
}

void nt_dns_free(struct nt_dns *d)
{
	if (!d)
		return;
	NT_HASH_DRAIN(d->pend, free);
	NT_HASH_DRAIN(d->cache, cache_ent_free);
	NT_HASH_DRAIN(d->tcp, free);
	free(d);
}

const struct nt_dns_stats *nt_dns_stats(const struct nt_dns *d)
{
	return &d->st;
}

/* The cache key: (client, address), or (zero, address) node-wide. */
static struct cache_key cache_key(const uint8_t client[16], const uint8_t addr[16])
{
	struct cache_key k;

	memset(&k, 0, sizeof(k));
	if (client)
		memcpy(k.client, client, 16);
	memcpy(k.addr, addr, 16);
	return k;
}

/* Inserts or refreshes (client, addr) -> name; evicts the least recently
 * used entries past the cap. */
static void cache_put(struct nt_dns *d, const uint8_t client[16], const uint8_t addr[16],
		      const char *name, const struct nt_dn_split *split, uint64_t expires)
{
	struct cache_key k = cache_key(client, addr);
	struct cache_ent *e = NULL;

	HASH_FIND(hh, d->cache, &k, sizeof(k), e);
	if (e) {
		HASH_DEL(d->cache, e); /* re-added below: most recent */
		if (strcmp(e->name, name)) {
			char *n = strdup(name);

			if (!n) {
				cache_ent_free(e);
				d->st.cache_entries--;
				return;
			}
			free(e->name);
			e->name = n;
		}
	} else {
		e = calloc(1, sizeof(*e));
		if (!e || !(e->name = strdup(name))) {
			free(e);
			return;
		}
		e->k = k;
		d->st.cache_entries++;
	}
	e->expires_ns = expires;
	e->split = *split;
	HASH_ADD(hh, d->cache, k, sizeof(e->k), e);
	while (d->st.cache_entries > d->o.cache_max && d->cache) {
		cache_drop(d, d->cache); /* the head is the oldest */
		d->st.cache_evictions++;
	}
}

static const struct cache_ent *cache_get(struct nt_dns *d, const uint8_t client[16],
					 const uint8_t addr[16], uint64_t now)
{
	struct cache_key k = cache_key(client, addr);
	struct cache_ent *e = NULL;

	HASH_FIND(hh, d->cache, &k, sizeof(k), e);
	if (!e)
		return NULL;
	if (now > e->expires_ns) {
		cache_drop(d, e);
		return NULL;
	}
	HASH_DEL(d->cache, e); /* most recently used goes last */
	HASH_ADD(hh, d->cache, k, sizeof(e->k), e);
	return e;
}

const char *nt_dns_name_split(struct nt_dns *d, const uint8_t client[16], const uint8_t addr[16],
			      uint64_t now, struct nt_dn_split *split)
{
	const struct cache_ent *e = cache_get(d, client, addr, now);

	if (!e)
		e = cache_get(d, NULL, addr, now);
	if (e)
		d->st.cache_hits++;
	else
		d->st.cache_misses++;
	if (split)
		*split = e ? e->split : (struct nt_dn_split){ 0, 0 };
	return e ? e->name : NULL;
}

const char *nt_dns_name(struct nt_dns *d, const uint8_t client[16], const uint8_t addr[16],
			uint64_t now)
{
	return nt_dns_name_split(d, client, addr, now, NULL);
}

/* Every A/AAAA in an answer names its address for the client, by the name
 * the client asked (a CNAME chain resolves to the question's name). */
static void learn(struct nt_dns *d, const struct dns_msg *m, const struct nt_dn_split *split,
		  const uint8_t client[16], int ipver, uint64_t now)
{
	(void)ipver;
	for (int i = 0; i < m->n_answers; i++) {
		const struct dns_rr *rr = &m->answers[i];
		uint8_t addr[16] = { 0 };
		uint64_t exp;

		if (rr->ip_len == 4) {
			addr[10] = addr[11] = 0xff;
			memcpy(addr + 12, rr->ip, 4);
		} else if (rr->ip_len == 16) {
			memcpy(addr, rr->ip, 16);
		} else {
			continue;
		}
		exp = now + (uint64_t)rr->ttl * NS + d->o.grace_ns;
		cache_put(d, client, addr, m->qname, split, exp);
		cache_put(d, NULL, addr, m->qname, split, exp);
	}
}

/* A transaction is over: out of the table, counted as outcome, reported. */
static void emit_pending(struct nt_dns *d, struct pending *p, uint64_t *outcome)
{
	HASH_DEL(d->pend, p);
	d->st.pending--;
	(*outcome)++;
	d->o.emit(d->o.emit_ctx, &p->t);
	free(p);
}

/* What a transaction takes from the first message of it that is seen. */
static void txn_start(struct nt_dns_txn *t, const struct nt_sample *s, const struct dns_msg *m,
		      const struct nt_dn_split *split, int client)
{
	t->key = s->key;
	t->client = (uint8_t)client;
	t->ifindex = s->ifindex;
	t->id = m->id;
	t->qtype = m->qtype;
	t->qclass = m->qclass;
	memcpy(t->qname, m->qname, sizeof(t->qname));
	t->qsplit = *split;
}

static void on_message(struct nt_dns *d, const struct nt_sample *s, const struct dns_msg *m)
{
	struct pend_key pk;
	struct pending *p = NULL;
	struct nt_dn_split split;
	int side = s->side & 1;

	memset(&pk, 0, sizeof(pk));
	pk.flow = s->key;
	pk.id = m->id;
	if (!m->qr) {
		/* a query: wait for its answer (a repeat replaces the first) */
		HASH_FIND(hh, d->pend, &pk, sizeof(pk), p);
		if (p)
			return; /* a retransmission: keep the first time */
		if (d->st.pending >= NT_DNS_MAX_PENDING) {
			/* the oldest waits no longer: reported, not lost */
			d->st.pending_early++;
			emit_pending(d, d->pend, &d->st.unanswered);
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return;
		p->k = pk;
		nt_psl_split(m->qname, &split); /* once per transaction */
		txn_start(&p->t, s, m, &split, side);
		p->t.has_query = true;
		p->t.query_ns = s->ts_ns;
		p->t.q_flags = m->flags;
		p->t.q_opcode = m->opcode;
		HASH_ADD(hh, d->pend, k, sizeof(p->k), p);
		d->st.pending++;
		return;
	}
	/* an answer: the client is the other side; its query's split serves */
	HASH_FIND(hh, d->pend, &pk, sizeof(pk), p);
	if (p && strcasecmp(p->t.qname, m->qname))
		p = NULL;
	if (p)
		split = p->t.qsplit;
	else
		nt_psl_split(m->qname, &split);
	learn(d, m, &split, s->key.addr[!side], s->key.ip_version, s->ts_ns);
	if (p) {
		p->t.has_answer = true;
		p->t.answer_ns = s->ts_ns;
		p->t.answer = m;
		emit_pending(d, p, &d->st.answered);
		return;
	}
	struct nt_dns_txn t;

	memset(&t, 0, sizeof(t));
	txn_start(&t, s, m, &split, !side);
	t.has_answer = true;
	t.answer_ns = s->ts_ns;
	t.answer = m;
	d->st.unmatched_answers++;
	d->o.emit(d->o.emit_ctx, &t);
}

/*
 * Adds a TCP segment to its direction's stream. Returns the stream with
 * p and n set to every byte not yet consumed (earlier leftovers + this
 * segment's new bytes), or NULL. A repeated segment adds nothing; a gap
 * (a lost or not-yet-seen segment) drops what was pending and restarts at
 * this segment, assumed to begin a message (what resolvers send).
 */
static struct tcp_stream *tcp_feed(struct nt_dns *d, const struct nt_sample *s, const uint8_t **p,
				   size_t *n)
{
	static uint8_t flat[TCP_BUF + NT_SAMPLE_MAX];
	struct tcp_key k;
	struct tcp_stream *ts = NULL;
	uint32_t seq = s->tcp_seq;
	size_t skip = 0, add;

	memset(&k, 0, sizeof(k));
	k.flow = s->key;
	k.side = s->side & 1;
	HASH_FIND(hh, d->tcp, &k, sizeof(k), ts);
	if (!ts) {
		if (d->st.tcp_streams >= NT_DNS_MAX_TCP_STREAMS) {
			tcp_drop(d, d->tcp); /* the head is the oldest */
			d->st.tcp_streams_dropped++;
		}
		ts = calloc(1, sizeof(*ts));
		if (!ts)
			return NULL;
		ts->k = k;
		ts->next_seq = seq;
		HASH_ADD(hh, d->tcp, k, sizeof(ts->k), ts);
		d->st.tcp_streams++;
	}
	ts->last_ns = s->ts_ns;
	if ((int32_t)(seq - ts->next_seq) > 0) {
		d->st.tcp_gaps++;
		ts->len = 0;
		ts->next_seq = seq;
	} else if ((int32_t)(ts->next_seq - seq) > 0) {
		skip = ts->next_seq - seq; /* already have these bytes */
	}
	add = skip < s->cap_len ? s->cap_len - skip : 0;
	memcpy(flat, ts->buf, ts->len);
	if (add) /* skip may lie past the segment: no pointer formed then */
		memcpy(flat + ts->len, s->data + skip, add);
	ts->next_seq += (uint32_t)add;
	*p = flat;
	*n = ts->len + add;
	return ts;
}

int nt_dns_on_sample(struct nt_dns *d, const struct nt_sample *s)
{
	static struct dns_msg m; /* ~25 KiB: one at a time, not on the stack */
	const uint8_t *p = s->data;
	size_t n = s->cap_len;
	int parsed = 0;

	if (s->key.proto == 17) {
		d->st.messages++;
		if (dns_parse(p, n, &m) != DNS_OK) {
			d->st.parse_errors++;
			return 0;
		}
		on_message(d, s, &m);
		return 1;
	}
	/* TCP: a byte stream of messages with 2-byte length prefixes,
	 * rebuilt in sequence order per direction */
	struct tcp_stream *ts = tcp_feed(d, s, &p, &n);

	while (ts && n > 0) {
		const uint8_t *msg;
		size_t len = dns_tcp_next(p, n, &msg);

		if (!len || !msg)
			break;
		d->st.messages++;
		if (dns_parse(msg, len, &m) == DNS_OK) {
			on_message(d, s, &m);
			parsed++;
		} else {
			d->st.parse_errors++;
		}
		len += (size_t)(msg - p);
		p += len;
		n -= len;
	}
	if (ts) {
		/* keep an incomplete message's bytes for the next segment */
		if (n > TCP_BUF) {
			d->st.tcp_gaps++; /* a message longer than we keep */
			n = 0;
		}
		memmove(ts->buf, p, n);
		ts->len = (uint16_t)n;
	}
	return parsed;
}

void nt_dns_expire(struct nt_dns *d, uint64_t now)
{
	struct pending *p, *tmp;
	struct tcp_stream *t, *tt;

	/* TCP DNS directions quiet for a minute are forgotten */
	HASH_ITER(hh, d->tcp, t, tt) {
		if (now < t->last_ns + 60 * NS)
			continue;
		tcp_drop(d, t);
	}

	HASH_ITER(hh, d->pend, p, tmp) {
		if (now < p->t.query_ns + d->o.answer_timeout_ns)
			break; /* insertion order: the rest are younger */
		emit_pending(d, p, &d->st.unanswered);
	}
}

void nt_dns_flush(struct nt_dns *d)
{
	struct pending *p, *tmp;

	HASH_ITER(hh, d->pend, p, tmp)
		emit_pending(d, p, &d->st.unanswered);
}
