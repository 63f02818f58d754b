// SPDX-License-Identifier: BSD-2-Clause
/* payload.c - stream prefixes, protocol naming, TLS hellos, per flow. */
#include "payload.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "dns.h"
#include "tls_hello.h"
#include "util.h"

struct entry {
	struct nt_flow_key key;
	struct nt_flow_meta m;
	UT_hash_handle hh;
};

struct nt_payload {
	struct entry *flows;
	struct nt_payload_stats st;
	struct nt_quic_stats quic;
	struct nt_dns *dns; /* where DNS samples go; may be NULL */
	/* certificate reading: the cap, a scratch buffer of that size for the
	 * handshake messages, and the kernel's stop */
	uint32_t cert_max;
	uint8_t *cert_scratch;
	struct tls_cert_cache *cert_cache;
	void (*cert_stop)(void *ctx, const struct nt_flow_key *k, int side);
	void *cert_stop_ctx;
};

void nt_payload_set_dns(struct nt_payload *pl, struct nt_dns *dns)
{
	pl->dns = dns;
}

int nt_payload_set_certs(struct nt_payload *pl, uint32_t max_bytes,
			 void (*stop)(void *ctx, const struct nt_flow_key *k, int side),
			 void *stop_ctx)
{
	uint8_t *s = max_bytes ? malloc(max_bytes) : NULL;
	struct tls_cert_cache *c = max_bytes ? tls_cert_cache_new(NT_CERT_CACHE_MAX) : NULL;

	if (max_bytes && (!s || !c)) {
		free(s);
		tls_cert_cache_free(c);
		return -1;
	}
	free(pl->cert_scratch);
	tls_cert_cache_free(pl->cert_cache);
	pl->cert_scratch = s;
	pl->cert_cache = c;
	pl->cert_max = max_bytes;
	pl->cert_stop = stop;
	pl->cert_stop_ctx = stop_ctx;
	return 0;
}

static void entry_free(struct entry *e)
{
	free(e->m.dir[0]);
	free(e->m.dir[1]);
	if (e->m.tls) {
		for (int r = 0; r < 2; r++) {
			if (e->m.tls->certs[r])
				tls_certs_free(e->m.tls->certs[r]);
			free(e->m.tls->certs[r]);
		}
	}
	free(e->m.tls);
	free(e->m.quic);
	nt_quic_conn_free(e->m.quic_conn, NULL);
	free(e);
}

/* A direction's certificate flight is over: the kernel stops sampling it
 * (a no-op when its cap already did), its stream goes. */
static void cert_end(struct nt_payload *pl, struct entry *e, int side)
{
	if (pl->cert_stop)
		pl->cert_stop(pl->cert_stop_ctx, &e->key, side);
	if (e->m.cert[side]) {
		nt_stream_free(e->m.cert[side]);
		e->m.cert[side] = NULL;
		pl->st.cert_streams_alive--;
	}
}

/* A direction is settled: its prefix buffer is no longer needed. */
static void settle(struct nt_payload *pl, struct nt_flow_meta *m, int side)
{
	m->done[side] = true;
	if (m->dir[side])
		pl->st.buffers_alive--;
	free(m->dir[side]);
	m->dir[side] = NULL;
}

struct nt_payload *nt_payload_new(void)
{
	return calloc(1, sizeof(struct nt_payload));
}

void nt_payload_free(struct nt_payload *pl)
{
	if (!pl)
		return;
	NT_HASH_DRAIN(pl->flows, entry_free);
	free(pl->cert_scratch);
	tls_cert_cache_free(pl->cert_cache);
	free(pl);
}

const struct nt_payload_stats *nt_payload_stats(const struct nt_payload *pl)
{
	return &pl->st;
}

const struct nt_quic_stats *nt_payload_quic_stats(const struct nt_payload *pl)
{
	return &pl->quic;
}

/* A QUIC flow's reassembly state is done with. */
static void quic_drop(struct nt_payload *pl, struct nt_flow_meta *m)
{
	nt_quic_conn_free(m->quic_conn, &pl->quic);
	m->quic_conn = NULL;
}

static struct entry *find(struct nt_payload *pl, const struct nt_flow_key *k)
{
	struct entry *e = NULL;

	if (pl->flows)
		HASH_FIND(hh, pl->flows, k, sizeof(*k), e);
	return e;
}

const struct nt_flow_meta *nt_payload_get(void *pl, const struct nt_flow_key *k)
{
	struct entry *e = find(pl, k);

	return e ? &e->m : NULL;
}

void nt_payload_forget(void *ctx, const struct nt_flow_key *k)
{
	struct nt_payload *pl = ctx;
	struct entry *e = find(pl, k);

	if (!e)
		return;
	HASH_DEL(pl->flows, e);
	settle(pl, &e->m, 0); /* its prefix buffers leave the count */
	settle(pl, &e->m, 1);
	quic_drop(pl, &e->m);
	for (int side = 0; side < 2; side++) {
		if (e->m.cert[side]) {
			pl->st.cert_unfinished++;
			cert_end(pl, e, side);
		}
	}
	entry_free(e);
	pl->st.flows_tracked--;
}

/* Signed distance between TCP sequence numbers (wraps). */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/*
 * Adds a segment to a direction's prefix and rebuilds the contiguous
 * stream from the lowest sequence number: duplicates and overlaps keep the
 * bytes seen first, a gap ends the prefix until the missing segment comes.
 * Returns the number of contiguous bytes now in `out`.
 */
static size_t reassemble(struct nt_payload *pl, struct nt_flow_meta *m, int side, uint32_t seq,
			 const uint8_t *data, uint16_t len, const uint8_t **out)
{
	struct nt_stream_prefix *d = m->dir[side];
	static uint8_t flat[NT_STREAM_MAX];
	uint32_t base;
	size_t have = 0;
	int order[NT_SEGS_MAX];

	if (!d) {
		if (pl->st.buffers_alive >= NT_PREFIX_BUFFERS_MAX) {
			/* too many directions mid-handshake at once: this
			 * one is judged on this segment alone */
			pl->st.buffers_refused++;
			*out = data;
			return len;
		}
		d = m->dir[side] = calloc(1, sizeof(*d));
		if (!d)
			return 0;
		pl->st.buffers_alive++;
	}
	if (d->n == NT_SEGS_MAX || d->used + len > NT_STREAM_MAX) {
		pl->st.streams_overflow++;
		settle(pl, m, side);
		return 0;
	}
	for (int i = 0; i < d->n; i++)
		if (d->seq[i] == seq && d->len[i] >= len)
			goto build; /* a retransmission */
	memcpy(d->buf + d->used, data, len);
	d->seq[d->n] = seq;
	d->len[d->n] = len;
	d->off[d->n] = d->used;
	d->used += len;
	d->n++;
build:
	/* order segments by sequence (n <= 8: insertion sort) */
	for (int i = 0; i < d->n; i++) {
		int j = i;

		order[i] = i;
		while (j > 0 && seq_diff(d->seq[order[j - 1]], d->seq[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	base = d->seq[order[0]];
	for (int i = 0; i < d->n; i++) {
		int s = order[i];
		int32_t start = seq_diff(d->seq[s], base);
		size_t skip;

		if (start < 0 || (size_t)start > have)
			break; /* a hole: wait for the missing bytes */
		skip = have - (size_t)start;
		if (skip >= d->len[s])
			continue; /* wholly overlapped */
		memcpy(flat + have, d->buf + d->off[s] + skip, d->len[s] - skip);
		have += d->len[s] - skip;
	}
	*out = flat;
	return have;
}

/* What a client's hello says, kept for its flow. transport: JA4's first
 * character, 't' (TCP) or 'q' (QUIC). */
static void keep_client_hello(struct nt_tls_meta *t, const struct tls_client_hello *ch,
			      char transport)
{
	t->client_hello = true;
	if (!ch->sni_invalid)
		memcpy(t->sni, ch->sni, sizeof(t->sni));
	tls_ja4(ch, transport, t->ja4, t->ja4_r, sizeof(t->ja4_r));
	tls_ja3(ch, t->ja3, sizeof(t->ja3), t->ja3_md5);
	t->client_version = ch->legacy_version;
	for (int i = 0; i < ch->n_versions; i++)
		if (ch->versions[i] > t->client_version)
			t->client_version = ch->versions[i];
	t->n_alpn = ch->n_alpn < 8 ? ch->n_alpn : 8;
	memcpy(t->alpn, ch->alpn, sizeof(t->alpn));
}

/* What a server's hello says, kept for its flow. */
static void keep_server_hello(struct nt_tls_meta *t, const struct tls_server_hello *sh)
{
	t->server_hello = true;
	t->version = sh->selected_version ? sh->selected_version : sh->legacy_version;
	t->cipher = sh->cipher;
	tls_ja3s(sh, t->ja3s, sizeof(t->ja3s), t->ja3s_md5);
}

/* The Certificate message of side's flight, once it is whole: read it, or
 * give up on it, and end the flight. */
static void cert_progress(struct nt_payload *pl, struct entry *e, int side, bool from_client)
{
	struct nt_stream *st = e->m.cert[side];
	struct nt_tls_meta *t = e->m.tls;
	int role = from_client ? NT_CERT_CLIENT : NT_CERT_SERVER;
	struct tls_certs *c = NULL;
	enum tls_cert_find_result r;
	const uint8_t *msg = NULL;
	size_t mlen = 0;

	r = tls_cert_find(st->buf, st->have, pl->cert_scratch, pl->cert_max, &msg, &mlen);
	if (r == TLS_CERT_NEED_MORE) {
		if (!st->capped && st->have < st->cap)
			return;
		pl->st.cert_capped++;
		t->cert_status[role] = NT_CERT_CAPPED;
	} else if (r == TLS_CERT_ABSENT) {
		t->cert_status[role] = NT_CERT_ABSENT;
	} else if (r == TLS_CERT_FOUND && (c = calloc(1, sizeof(*c))) &&
		   tls_cert_parse(msg, mlen, from_client ? NULL : t->sni, pl->cert_cache, c) == 0) {
		pl->st.certs_parsed++;
		pl->st.cert_cache_hits = tls_cert_cache_hits(pl->cert_cache);
		t->certs[role] = c;
		t->cert_status[role] = NT_CERT_PARSED;
	} else {
		free(c);
		pl->st.cert_parse_errors++;
		t->cert_status[role] = NT_CERT_MALFORMED;
	}
	cert_end(pl, e, side);
}

/* A certificate flight of side starts at base. */
static struct nt_stream *cert_begin(struct nt_payload *pl, struct entry *e, int side, uint32_t base)
{
	if (!pl->cert_max || e->m.cert[side])
		return NULL;
	e->m.cert[side] = nt_stream_new(base, pl->cert_max);
	if (e->m.cert[side])
		pl->st.cert_streams_alive++;
	return e->m.cert[side];
}

/*
 * After a ServerHello: TLS 1.3 hides the certificate (the kernel stops, in
 * case it started); TLS <= 1.2 has it next, so the flight is rebuilt from
 * the prefix's segments on (the ServerHello's first byte is the base).
 */
static void server_flight(struct nt_payload *pl, struct entry *e, int side,
			  const struct nt_sample *s)
{
	struct nt_stream_prefix *d = e->m.dir[side];
	struct nt_stream *st;
	uint32_t base = s->tcp_seq;

	if (e->m.tls->version >= 0x0304) {
		e->m.tls->cert_status[NT_CERT_SERVER] = NT_CERT_ENCRYPTED;
		if (pl->cert_max)
			cert_end(pl, e, side);
		return;
	}
	for (int i = 0; d && i < d->n; i++)
		if (seq_diff(d->seq[i], base) < 0)
			base = d->seq[i];
	st = cert_begin(pl, e, side, base);
	if (!st)
		return;
	for (int i = 0; d && i < d->n; i++)
		nt_stream_add(st, d->seq[i], d->buf + d->off[i], d->len[i]);
	if (!d)
		nt_stream_add(st, s->tcp_seq, s->data, s->cap_len);
	cert_progress(pl, e, side, false);
}

/*
 * A sample of a direction whose hello is done: more of its certificate
 * flight, or the start of a client's (mutual TLS: a handshake record that
 * opens with a Certificate, after a TLS <= 1.2 ServerHello). A certificate
 * sample nobody waits for stops the kernel.
 */
static void after_hello(struct nt_payload *pl, struct entry *e, int side, bool from_client,
			const struct nt_sample *s)
{
	struct nt_tls_meta *t = e->m.tls;
	int role = from_client ? NT_CERT_CLIENT : NT_CERT_SERVER;
	const uint8_t *p = s->data;

	if (!e->m.cert[side] && from_client && t && t->server_hello && t->version < 0x0304 &&
	    !t->cert_status[role] && s->cap_len >= 6 && p[0] == 0x16 && p[1] == 0x03 && p[5] == 11)
		cert_begin(pl, e, side, s->tcp_seq);
	if (e->m.cert[side]) {
		if (s->kind == NT_SAMPLE_CERT)
			pl->st.cert_samples++;
		if (s->key.proto == 6 &&
		    nt_stream_add(e->m.cert[side], s->tcp_seq, s->data, s->cap_len) >= 0)
			cert_progress(pl, e, side, from_client);
		return;
	}
	if (s->kind == NT_SAMPLE_CERT && pl->cert_stop && !(t && t->cert_status[role]))
		pl->cert_stop(pl->cert_stop_ctx, &e->key, side);
}

/* The flow's TLS state (allocated on first use) for a hello that parsed;
 * NULL, and a malformed one counted, otherwise. */
static struct nt_tls_meta *tls_state(struct nt_payload *pl, struct nt_flow_meta *m,
				     enum tls_parse_result r)
{
	if (r != TLS_OK) {
		pl->st.tls_parse_errors++;
		return NULL;
	}
	if (!m->tls)
		m->tls = calloc(1, sizeof(*m->tls));
	return m->tls;
}

/*
 * A TLS hello from either side: wait for more bytes, or settle the
 * direction, counting a malformed hello, and keep what a parsed one says
 * in the flow's TLS state (allocated on first use). A server's hello is
 * followed by its certificate flight.
 */
static void tls_hello(struct nt_payload *pl, struct entry *e, const struct nt_sample *s,
		      const uint8_t *p, size_t n, int side, bool from_client)
{
	struct nt_flow_meta *m = &e->m;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct nt_tls_meta *t;
	enum tls_parse_result r;

	r = from_client ? tls_parse_client_hello(p, n, &ch) : tls_parse_server_hello(p, n, &sh);
	if (r == TLS_NEED_MORE)
		return;
	t = tls_state(pl, m, r);
	if (t && from_client) {
		pl->st.tls_client_hellos++;
		keep_client_hello(t, &ch, 't');
	} else if (t) {
		pl->st.tls_server_hellos++;
		keep_server_hello(t, &sh);
		if (s->key.proto == 6)
			server_flight(pl, e, side, s);
	}
	settle(pl, m, side);
}

/* The ClientHello reassembled from a QUIC flow's Initials. */
static void quic_hello(struct nt_payload *pl, struct nt_flow_meta *m)
{
	struct tls_client_hello ch;
	const uint8_t *h;
	size_t n = 0;

	h = nt_quic_hello(m->quic_conn, &n);
	if (!h)
		return;
	if (!tls_state(pl, m, tls_parse_client_hello_msg(h, n, &ch)))
		return;
	pl->st.tls_client_hellos++;
	keep_client_hello(m->tls, &ch, 'q');
}

/* The ServerHello from the server's Initials: the version and suite. */
static void quic_server_hello(struct nt_payload *pl, struct nt_flow_meta *m)
{
	struct tls_server_hello sh;
	const uint8_t *h;
	size_t n = 0;

	h = nt_quic_server_hello(m->quic_conn, &n);
	if (!h || (m->tls && m->tls->server_hello))
		return;
	if (!tls_state(pl, m, tls_parse_server_hello(h, n, &sh)))
		return;
	pl->st.tls_server_hellos++;
	keep_server_hello(m->tls, &sh);
}

/* A client datagram that may open a QUIC connection: a reassembly state
 * for it, unless too many are alive. 0 when it is not QUIC's. */
static int quic_start(struct nt_payload *pl, struct nt_flow_meta *m, const struct nt_sample *s)
{
	switch (nt_quic_look(s->data, s->cap_len, s->payload_len)) {
	case NT_QUIC_INITIAL:
		break;
	case NT_QUIC_UNKNOWN_VERSION:
		pl->quic.unknown_versions++;
		return 0;
	default:
		return 0;
	}
	if (pl->quic.conns_alive >= NT_QUIC_CONNS_MAX) {
		pl->quic.conns_refused++;
		return 0;
	}
	m->quic_conn = nt_quic_conn_new(&pl->quic);
	return m->quic_conn != NULL;
}

/* A server datagram of a QUIC flow: a Retry, or its Initials' ServerHello. */
static void quic_server(struct nt_payload *pl, struct nt_flow_meta *m, const struct nt_sample *s)
{
	const struct nt_quic_meta *qm;

	if (nt_quic_server_datagram(m->quic_conn, s->data, s->cap_len, &pl->quic) == NT_QUIC_HELLO)
		quic_server_hello(pl, m);
	qm = nt_quic_meta(m->quic_conn);
	if (qm && m->quic)
		m->quic->retry = qm->retry;
	if (nt_quic_finished(m->quic_conn))
		quic_drop(pl, m);
}

/*
 * A UDP flow's datagram, for QUIC: the client's are opened until their
 * ClientHello is whole, the server's until their ServerHello is (or for a
 * Retry). 1 when the datagram was QUIC's (the direction stays open for the
 * next ones).
 */
static int on_quic(struct nt_payload *pl, struct nt_flow_meta *m, const struct nt_sample *s,
		   int side, int from_client)
{
	const struct nt_quic_meta *qm;
	enum nt_quic_result r;

	if (!from_client) {
		if (m->quic_conn)
			quic_server(pl, m, s);
		else if (m->quic && !m->quic->retry &&
			 nt_quic_is_retry(s->data, s->cap_len, m->quic->version)) {
			m->quic->retry = true; /* after the hello was whole */
			pl->quic.retries++;
		}
		return m->quic_conn || m->app == NT_APP_QUIC;
	}
	if (!m->quic_conn && !quic_start(pl, m, s))
		return 0;
	r = nt_quic_client_datagram(m->quic_conn, s->data, s->cap_len, &pl->quic);
	qm = nt_quic_meta(m->quic_conn);
	if (qm && !m->quic)
		m->quic = malloc(sizeof(*m->quic));
	if (qm && m->quic) {
		*m->quic = *qm;
		m->app = NT_APP_QUIC;
	}
	if (r == NT_QUIC_HELLO)
		quic_hello(pl, m);
	if (r != NT_QUIC_MORE) {
		settle(pl, m, side);
		if (nt_quic_finished(m->quic_conn))
			quic_drop(pl, m);
	}
	return 1;
}

static struct entry *get(struct nt_payload *pl, const struct nt_flow_key *k)
{
	struct entry *e = find(pl, k);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = *k;
	HASH_ADD(hh, pl->flows, key, sizeof(e->key), e);
	pl->st.flows_tracked++;
	return e;
}

/*
 * A packet to or from a DNS port goes to the DNS stage; when it held a
 * DNS message, the flow's protocol is dns (by content: the port only
 * chose which packets to look at).
 */
static int on_dns(struct nt_payload *pl, const struct nt_sample *s)
{
	struct entry *e;

	if (!pl->dns || nt_dns_on_sample(pl->dns, s) <= 0)
		return 0;
	e = get(pl, &s->key);
	if (e)
		e->m.app = NT_APP_DNS;
	return 0;
}

int nt_payload_on_sample(void *ctx, void *data, size_t size)
{
	struct nt_payload *pl = ctx;
	const struct nt_sample *s = data;
	struct entry *e;
	const uint8_t *stream;
	size_t n;
	int side, from_client;
	enum nt_app app;

	if (size < offsetof(struct nt_sample, data) || s->cap_len > NT_SAMPLE_MAX)
		return 0;
	pl->st.samples++;
	if (s->kind == NT_SAMPLE_DNS)
		return on_dns(pl, s);
	if (s->kind != NT_SAMPLE_FIRST && s->kind != NT_SAMPLE_CERT)
		return 0;
	side = s->side & 1;
	from_client = side == (s->initiator & 1);
	e = get(pl, &s->key);
	if (!e)
		return 0;
	if (e->m.done[side] || e->m.cert[side]) {
		after_hello(pl, e, side, from_client, s);
		return 0;
	}
	if (s->key.proto == 6) {
		n = reassemble(pl, &e->m, side, s->tcp_seq, s->data, s->cap_len, &stream);
	} else {
		stream = s->data; /* a datagram stands alone */
		n = s->cap_len;
	}
	if (!n)
		return 0;
	if (s->key.proto == 17 && on_quic(pl, &e->m, s, side, from_client))
		return 0;
	app = nt_app_detect(stream, n, from_client, &e->m.app_info[side]);
	if (app == NT_APP_SSH)
		e->m.app_from_side[side] = true;
	if (app != NT_APP_NONE && e->m.app == NT_APP_NONE)
		e->m.app = app;
	if (app == NT_APP_TLS)
		tls_hello(pl, e, s, stream, n, side, from_client);
	else if (app != NT_APP_NONE || s->key.proto != 6 ||
		 (e->m.dir[side] && e->m.dir[side]->n >= NT_SEGS_MAX / 2))
		settle(pl, &e->m, side); /* named, or it never will be: the
				      * kernel sends 4 samples at most */
	return 0;
}
