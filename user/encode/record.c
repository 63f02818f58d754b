// SPDX-License-Identifier: BSD-2-Clause
/* record.c - ECS JSON encoding of flow and heartbeat records. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "record.h"
#include "recctx.h"
#include "util.h"
#include "counters.h"
#include "k8s.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

#include "community_id.h"
#include "conn_state.h"
#include "netutil.h"
#include "payload.h"
#include "tls_hello.h"

int nt_recorder_init(struct nt_recorder *r, struct nt_output out, const char *node,
		     const char *cluster)
{
	uint8_t rnd[24];

	memset(r, 0, sizeof(*r));
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		/* no entropy source: time and address still make it unique */
		uint64_t a = nt_clock_ns(CLOCK_REALTIME);
		uint64_t b = (uint64_t)(uintptr_t)r;
		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 8);
		memcpy(rnd + 16, &a, 8);
	}
	nt_hex(r->run_id, rnd, 16);
	memcpy(&r->flow_seed, rnd + 16, 8);
	jw_init(&r->w, 16384);
	r->out = out;
	r->node = node;
	r->cluster = cluster;
	r->hook_name = "tc";
	return 0;
}

void nt_recorder_free(struct nt_recorder *r)
{
	jw_free(&r->w);
	free(r->obs.json);
	r->obs.json = NULL;
}

int nt_recorder_flush(struct nt_recorder *r)
{
	return r->out.flush ? r->out.flush(r->out.ctx) : 0;
}

/* The record's output key (what snprintf "%s" would leave, without its
 * cost: two keys a record). */
static void set_key(struct nt_recorder *r, const char *k)
{
	size_t n = strnlen(k, sizeof(r->cur_key) - 1);

	memcpy(r->cur_key, k, n);
	r->cur_key[n] = '\0';
}

/* The record is whole: its bytes go to the output, the buffer is reused. */
static void done(struct nt_recorder *r)
{
	struct nt_rec_out o = {
		.type = r->cur_type,
		.key = r->cur_key,
		.key_len = strlen(r->cur_key),
		.data = r->w.buf + r->rec_start,
		.len = r->w.len - r->rec_start,
	};

	r->out.emit(r->out.ctx, &o); /* a loss is counted by the sink */
	jw_reset(&r->w);
}

/* ECS event.dataset, event.kind and event.type of each record type. */
static const struct {
	const char *dataset, *kind, *type;
} rec_meta[NT_REC_MAX] = {
	[NT_REC_FLOW] = { "nettrail.flow", "event", "connection" },
	[NT_REC_DNS] = { "nettrail.dns", "event", "protocol" },
	[NT_REC_HEARTBEAT] = { "nettrail.heartbeat", "metric", NULL },
};

/* Opens the record and writes the fields every record type shares. */
static void common_head(struct nt_recorder *r, uint64_t ts_unix_ns, enum nt_record_type t)
{
	struct jw *w = &r->w;

	/* the key: every report of a flow, both directions, and its DNS
	 * transactions share one partition (the caller sets a Community
	 * ID); a heartbeat is keyed by its node */
	r->rec_start = w->len;
	r->cur_type = t;
	set_key(r, r->node);
	jw_obj_open(w, NULL);
	jw_time(w, "@timestamp", ts_unix_ns);
	jw_obj_open(w, "event"); /* event.* */
	jw_str(w, "kind", rec_meta[t].kind);
	jw_str(w, "dataset", rec_meta[t].dataset);
	jw_str(w, "module", "nettrail");
	if (rec_meta[t].type) {
		jw_arr_open(w, "category");
		jw_str(w, NULL, "network");
		jw_arr_close(w);
		jw_arr_open(w, "type");
		jw_str(w, NULL, rec_meta[t].type);
		jw_arr_close(w);
	}
	/* the caller adds start/end/duration and closes "event" */
}

void nt_cloud_obj(struct jw *w, const struct nt_recorder *r, const char *account_key)
{
	jw_obj_open(w, "cloud"); /* cloud.* */
	if (r->cloud_provider)
		jw_str(w, "provider", r->cloud_provider);
	if (r->cloud_region)
		jw_str(w, "region", r->cloud_region);
	if (r->cloud_account) {
		jw_obj_open(w, "account"); /* cloud.account.* */
		jw_str(w, account_key, r->cloud_account);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

void nt_cluster_obj(struct jw *w, const char *cluster)
{
	if (!cluster)
		return;
	jw_obj_open(w, "orchestrator"); /* [unmapped.]orchestrator.cluster.* */
	jw_obj_open(w, "cluster");
	jw_str(w, "name", cluster);
	jw_obj_close(w);
	jw_obj_close(w);
}

/* observer.*, cloud.*, orchestrator.*: the same bytes in every record */
static void observer_render(struct nt_recorder *r, struct jw *w)
{
	jw_obj_open(w, "observer"); /* observer.* */
	jw_str(w, "hostname", r->node);
	jw_str(w, "type", "sensor");
	jw_str(w, "vendor", "nettrail");
	jw_str(w, "product", "nettrail");
	jw_str(w, "version", NT_VERSION);
	jw_obj_close(w);
	if (r->cloud_provider || r->cloud_region || r->cloud_account)
		nt_cloud_obj(w, r, "id");
	nt_cluster_obj(w, r->cluster);
}

/*
 * observer_render()'s members, rendered once and copied into each record
 * (rendered again when a caller points the recorder's node, cloud or
 * cluster fields elsewhere): a tenth of a small record's encoding
 * otherwise.
 */
static void observer(struct nt_recorder *r)
{
	const char *now[5] = { r->node, r->cloud_provider, r->cloud_region, r->cloud_account,
			       r->cluster };

	if (!r->obs.json || memcmp(now, r->obs.of, sizeof(now))) {
		struct jw t;

		jw_init(&t, 512);
		jw_obj_open(&t, NULL); /* members at depth 1, as in a record */
		observer_render(r, &t);
		free(r->obs.json);
		r->obs.len = t.len - 1;
		r->obs.json = malloc(r->obs.len);
		if (r->obs.json)
			memcpy(r->obs.json, t.buf + 1, r->obs.len);
		jw_free(&t);
		if (!r->obs.json) {
			observer_render(r, &r->w);
			return;
		}
		memcpy(r->obs.of, now, sizeof(now));
	}
	jw_raw(&r->w, NULL, r->obs.json, r->obs.len);
}

size_t nt_record_id(const struct nt_recorder *r, uint64_t seq, char out[NT_RECORD_ID_MAX])
{
	memcpy(out, r->run_id, 32);
	out[32] = '-';
	return 33 + jw_fmt_u64(out + 33, seq);
}

/* Opens "nettrail" and writes schema_version and record_id. */
static void nettrail_head(struct nt_recorder *r)
{
	char id[NT_RECORD_ID_MAX];
	size_t n = nt_record_id(r, ++r->seq, id);

	jw_obj_open(&r->w, "nettrail"); /* nettrail.* */
	jw_str(&r->w, "schema_version", NT_SCHEMA_VERSION);
	jw_strn(&r->w, "record_id", id, n);
}

/* {source,destination}.nat.ip/port: the address after translation */
static void nat_addr(struct jw *w, int ip_version, const __u32 addr[4], uint16_t port)
{
	char ip[NT_ADDRSTRLEN];
	uint8_t a[16];

	memcpy(a, addr, 16);
	jw_obj_open(w, "nat"); /* source.nat.* or destination.nat.* */
	jw_strn(w, "ip", ip, nt_addr_fmt(ip, ip_version, a));
	jw_u64(w, "port", port);
	jw_obj_close(w);
}

/* The NAT half of an endpoint: source.nat after SNAT, destination.nat
 * after DNAT (nat NULL, or not translated that way: nothing). */
static void endpoint_nat(struct jw *w, const struct nt_nat *nat, int ip_version, int is_dst)
{
	if (!nat)
		return;
	if (is_dst && (nat->flags & NT_NAT_DNAT))
		nat_addr(w, ip_version, nat->dst_nat, nat->dport_nat);
	if (!is_dst && (nat->flags & NT_NAT_SNAT))
		nat_addr(w, ip_version, nat->src_nat, nat->sport_nat);
}

/* source.* (role 0) or destination.* (role 1) of a flow */
static void endpoint(struct nt_recorder *r, const char *name, const struct nt_flow_report *rep,
		     const struct nt_rec_ctx *c, int role, const struct nt_k8s_endpoint *ep)
{
	struct jw *w = &r->w;
	int side = c->side[role];
	char ip[NT_ADDRSTRLEN];
	size_t n = nt_addr_fmt(ip, rep->key.ip_version, rep->key.addr[side]);
	uint8_t proto = rep->key.proto;
	const char *domain = c->name[role];

	jw_obj_open(w, name); /* source.* or destination.* */
	jw_strn(w, "ip", ip, n);
	if (domain) { /* with its registered domain split when it was cached */
		struct nt_dn_parts p = nt_psl_parts(domain, &c->split[role]);

		jw_str(w, "domain", domain);
		if (p.registered_len)
			jw_strn(w, "registered_domain", p.registered, p.registered_len);
	}
	if (proto == 6 || proto == 17 || proto == 132)
		jw_u64(w, "port", rep->key.port[side]);
	jw_u64(w, "bytes", rep->bytes[side]);
	jw_u64(w, "packets", rep->pkts[side]);
	endpoint_nat(w, c->nat, rep->key.ip_version, role);
	if (ep) /* {source,destination}.kubernetes.*: rendered once per object change */
		jw_raw(w, "kubernetes", ep->json, ep->json_len);
	jw_obj_close(w);
}

/* ECS container.*, process.*, user.* for the local end of a flow. */
static void local_end(struct jw *w, const struct nt_local_end *l)
{
	if (l->container_id) {
		jw_obj_open(w, "container"); /* container.* */
		jw_str(w, "id", l->container_id);
		jw_obj_close(w);
	}
	if (l->has_proc) {
		jw_obj_open(w, "process"); /* process.* */
		jw_u64(w, "pid", l->pid);
		jw_str(w, "name", l->comm);
		jw_obj_close(w);
		jw_obj_open(w, "user"); /* user.* */
		{
			char uid[24];

			jw_strn(w, "id", uid, jw_fmt_u64(uid, l->uid));
		}
		jw_obj_close(w);
	}
}

static void tcp_flag_list(struct jw *w, const char *key, uint8_t f)
{
	static const char *const names[8] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
	};

	jw_arr_open(w, key);
	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			jw_str(w, NULL, names[i]);
	jw_arr_close(w);
}

/* network.*: opens it with transport, iana_number and type (flows and DNS). */
static void network_open(struct jw *w, const struct nt_flow_key *k)
{
	const char *tname = nt_transport_name(k->proto);
	char num[4];
	size_t n = jw_fmt_u64(num, k->proto);

	jw_obj_open(w, "network"); /* network.* */
	if (tname)
		jw_str(w, "transport", tname);
	else
		jw_strn(w, "transport", num, n);
	jw_strn(w, "iana_number", num, n);
	jw_str(w, "type", k->ip_version == 4 ? "ipv4" : "ipv6");
}

/* network.community_id (also the record's key) and network.direction */
static void network_ends(struct nt_recorder *r, const struct nt_rec_ctx *c)
{
	if (c->has_cid) {
		jw_str(&r->w, "community_id", c->cid);
		set_key(r, c->cid);
	}
	jw_str(&r->w, "direction", c->direction);
}

static void network(struct nt_recorder *r, const struct nt_flow_report *rep,
		    const struct nt_rec_ctx *c)
{
	struct jw *w = &r->w;

	network_open(w, &rep->key);
	jw_u64(w, "bytes", rep->bytes[0] + rep->bytes[1]);
	jw_u64(w, "packets", rep->pkts[0] + rep->pkts[1]);
	network_ends(r, c);
	if (rep->meta && nt_app_name(rep->meta->app))
		jw_str(w, "protocol", nt_app_name(rep->meta->app));
	jw_obj_close(w);
}

static void strs(struct jw *w, const char *key, const struct tls_cert_strs *l)
{
	jw_arr_open(w, key);
	for (int i = 0; i < l->n; i++)
		jw_str(w, NULL, l->v[i]);
	jw_arr_close(w);
}

/* x509.subject.* / x509.issuer.*: its DN and the attributes present. */
static void x509_name(struct jw *w, const char *key, const char *dn,
		      const struct tls_cert_strs a[TLS_CERT_N_ATTRS])
{
	jw_obj_open(w, key);
	if (dn)
		jw_str(w, "distinguished_name", dn);
	for (int i = 0; i < TLS_CERT_N_ATTRS; i++)
		if (a[i].n)
			strs(w, tls_cert_attr_ecs[i], &a[i]);
	jw_obj_close(w);
}

/* A leaf certificate, inside tls.server or tls.client. */
static void tls_cert_ecs(struct jw *w, const struct tls_x509 *x)
{
	char ver[12];

	jw_obj_open(w, "hash"); /* tls.server.hash.*, tls.client.hash.* */
	jw_str(w, "sha1", x->sha1);
	jw_str(w, "sha256", x->sha256);
	jw_obj_close(w);
	if (x->subject)
		jw_str(w, "subject", x->subject);
	if (x->issuer)
		jw_str(w, "issuer", x->issuer);
	jw_time(w, "not_before", nt_secs_ns(x->not_before));
	jw_time(w, "not_after", nt_secs_ns(x->not_after));
	jw_obj_open(w, "x509"); /* tls.server.x509.*, tls.client.x509.* */
	if (x->alt_names.n)
		strs(w, "alternative_names", &x->alt_names);
	x509_name(w, "issuer", x->issuer, x->iss);
	x509_name(w, "subject", x->subject, x->subj);
	jw_time(w, "not_before", nt_secs_ns(x->not_before));
	jw_time(w, "not_after", nt_secs_ns(x->not_after));
	if (x->pk_alg[0])
		jw_str(w, "public_key_algorithm", x->pk_alg);
	if (x->pk_curve[0])
		jw_str(w, "public_key_curve", x->pk_curve);
	if (x->pk_size > 0)
		jw_u64(w, "public_key_size", (uint64_t)x->pk_size);
	if (x->serial)
		jw_str(w, "serial_number", x->serial);
	if (x->sig_alg[0])
		jw_str(w, "signature_algorithm", x->sig_alg);
	snprintf(ver, sizeof(ver), "%d", x->version);
	jw_str(w, "version_number", ver);
	jw_obj_close(w);
}

/* The leaf of a role's Certificate message, when one was read. */
static const struct tls_x509 *leaf_of(const struct nt_tls_meta *t, int role)
{
	return t->certs[role] && t->certs[role]->has_leaf ? &t->certs[role]->leaf : NULL;
}

/* ECS tls.* from the hellos and certificates seen on this flow. */
static void tls_ecs(struct jw *w, const struct nt_tls_meta *t)
{
	const char *v = t->server_hello ? tls_version_name(t->version) : NULL;
	const struct tls_x509 *sc = leaf_of(t, NT_CERT_SERVER), *cc = leaf_of(t, NT_CERT_CLIENT);

	jw_obj_open(w, "tls"); /* tls.* */
	if (v) {
		jw_str(w, "version", v);
		jw_str(w, "version_protocol", "tls");
	}
	if (t->n_alpn)
		jw_str(w, "next_protocol", t->alpn[0]);
	if (t->server_hello && tls_cipher_name(t->cipher))
		jw_str(w, "cipher", tls_cipher_name(t->cipher));
	if (t->client_hello || cc) {
		jw_obj_open(w, "client"); /* tls.client.* */
		if (t->client_hello && t->sni[0])
			jw_str(w, "server_name", t->sni);
		if (t->client_hello) {
			jw_str(w, "ja3", t->ja3_md5);
			jw_str(w, "ja4", t->ja4);
		}
		if (cc)
			tls_cert_ecs(w, cc);
		jw_obj_close(w);
	}
	if ((t->server_hello && t->ja3s_md5[0]) || sc) {
		jw_obj_open(w, "server"); /* tls.server.* */
		if (t->server_hello && t->ja3s_md5[0])
			jw_str(w, "ja3s", t->ja3s_md5);
		if (sc)
			tls_cert_ecs(w, sc);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

/* nettrail.quic.*: version and the client's connection IDs (hex). */
void nt_quic_extras(struct jw *w, const struct nt_quic_meta *q)
{
	char hex[2 * NT_QUIC_CID_MAX + 1];
	const char *v = nt_quic_version_name(q->version);

	jw_obj_open(w, "quic");
	if (v)
		jw_str(w, "version", v);
	nt_hex(hex, q->dcid, q->dcid_len);
	jw_str(w, "client_initial_dcid", hex);
	nt_hex(hex, q->scid, q->scid_len);
	jw_str(w, "client_scid", hex);
	if (q->retry)
		jw_bool(w, "retry", 1);
	jw_obj_close(w);
}

/* nettrail.tls.server / .client: how reading the certificate went, the
 * flags derived from the leaf (at the flow's start, now_s), the chain. */
void nt_tls_cert_extras(struct jw *w, const char *role, const struct tls_certs *c, uint8_t status,
			int64_t now_s)
{
	static const char *const names[] = { "unknown", "parsed", "encrypted",
					     "absent",	"capped", "malformed" };

	if (!status || status >= sizeof(names) / sizeof(names[0]))
		return;
	jw_obj_open(w, role); /* nettrail.tls.server.*, nettrail.tls.client.* */
	jw_str(w, "certificate_status", names[status]);
	if (c && c->has_leaf) {
		jw_bool(w, "self_signed", c->leaf.self_signed);
		jw_bool(w, "expired", now_s > c->leaf.not_after);
		jw_bool(w, "not_yet_valid", now_s < c->leaf.not_before);
		if (c->name_mismatch >= 0)
			jw_bool(w, "name_mismatch", c->name_mismatch);
	}
	if (c) {
		jw_u64(w, "certificates", c->n_certs);
		if (c->n_chain) {
			jw_arr_open(w, "chain"); /* nettrail.tls.server.chain[] */
			for (int i = 0; i < c->n_chain; i++) {
				jw_obj_open(w, NULL);
				if (c->chain[i].subject)
					jw_str(w, "subject", c->chain[i].subject);
				if (c->chain[i].issuer)
					jw_str(w, "issuer", c->chain[i].issuer);
				jw_str(w, "sha256", c->chain[i].sha256);
				jw_obj_close(w);
			}
			jw_arr_close(w);
		}
	}
	jw_obj_close(w);
}

/* nettrail.tls / nettrail.ssh / nettrail.quic: what ECS has no field for. */
static void payload_extras(struct jw *w, const struct nt_flow_meta *m, int s, int d,
			   uint64_t start_ns)
{
	const struct nt_tls_meta *t = m->tls;

	if (t) {
		jw_obj_open(w, "tls"); /* nettrail.tls.* */
		if (t->n_alpn) {
			jw_arr_open(w, "alpn");
			for (int i = 0; i < t->n_alpn; i++)
				jw_str(w, NULL, t->alpn[i]);
			jw_arr_close(w);
		}
		if (t->client_hello) {
			const char *cv = tls_version_name(t->client_version);

			jw_str(w, "ja4_r", t->ja4_r);
			jw_str(w, "ja3_string", t->ja3);
			if (cv)
				jw_str(w, "client_version", cv);
		}
		if (t->server_hello) {
			jw_u64(w, "cipher_id", t->cipher);
			if (t->ja3s_md5[0])
				jw_str(w, "ja3s_string", t->ja3s);
		}
		if (t->cert_status[NT_CERT_SERVER] == NT_CERT_PARSED ||
		    t->cert_status[NT_CERT_SERVER] == NT_CERT_ENCRYPTED ||
		    t->cert_status[NT_CERT_SERVER] == NT_CERT_ABSENT)
			jw_bool(w, "certificate_visible",
				t->cert_status[NT_CERT_SERVER] == NT_CERT_PARSED);
		for (int r = 0; r < 2; r++)
			nt_tls_cert_extras(w, r == NT_CERT_SERVER ? "server" : "client",
					   t->certs[r], t->cert_status[r],
					   (int64_t)(start_ns / 1000000000ull));
		jw_obj_close(w);
	}
	if (m->quic)
		nt_quic_extras(w, m->quic);
	if (m->app == NT_APP_SSH && (m->app_from_side[s] || m->app_from_side[d])) {
		jw_obj_open(w, "ssh"); /* nettrail.ssh.* */
		if (m->app_from_side[s])
			jw_str(w, "client", m->app_info[s].software);
		if (m->app_from_side[d])
			jw_str(w, "server", m->app_info[d].software);
		jw_obj_close(w);
	}
}

void nt_flow_id(const struct nt_recorder *r, const struct nt_flow_report *rep, char out[17])
{
	uint8_t idbuf[sizeof(rep->key) + 8];
	uint64_t fid;

	memcpy(idbuf, &rep->key, sizeof(rep->key));
	memcpy(idbuf + sizeof(rep->key), &rep->flow_start_ns, 8);
	fid = XXH64(idbuf, sizeof(idbuf), r->flow_seed);
	for (int i = 0; i < 16; i++)
		out[i] = nt_hexdig[(fid >> (60 - 4 * i)) & 15];
	out[16] = 0;
}

/* nettrail.flow.*: the flow's id (stable across its reports) and why this
 * report was made. */
static void flow_nettrail_flow(struct nt_recorder *r, const struct nt_flow_report *rep,
			       const struct nt_rec_ctx *c)
{
	struct jw *w = &r->w;
	char fidhex[17];

	nt_flow_id(r, rep, fidhex);
	jw_obj_open(w, "flow"); /* nettrail.flow.* */
	jw_strn(w, "id", fidhex, 16);
	jw_u64(w, "report_seq", rep->report_seq);
	jw_str(w, "end_reason", nt_end_reason_name(rep->reason));
	jw_time(w, "start", c->flow_start);
	if (rep->overflow)
		jw_bool(w, "overflow", 1);
	if (rep->attrs & NT_ATTR_FRAG)
		jw_bool(w, "fragments", 1);
	if (rep->attrs & NT_ATTR_FRAG_NOL4)
		jw_bool(w, "unmatched_fragments", 1);
	jw_obj_close(w);
}

/* nettrail.tcp.* (Zeek conn_state, flags each way, handshake RTT) or
 * nettrail.icmp.* */
static void flow_transport(struct jw *w, const struct nt_flow_report *rep, int s, int d)
{
	if (rep->key.proto == 6) {
		int rst = rep->rst_first ? ((rep->rst_first - 1) == s ? 1 : 2) : 0;

		jw_obj_open(w, "tcp"); /* nettrail.tcp.* */
		jw_str(w, "conn_state", nt_conn_state(rep->tcp_flags[s], rep->tcp_flags[d], rst));
		jw_obj_open(w, "flags"); /* nettrail.tcp.flags.* */
		tcp_flag_list(w, "source", rep->tcp_flags[s]);
		tcp_flag_list(w, "destination", rep->tcp_flags[d]);
		jw_obj_close(w);
		if (rep->handshake_rtt_ns)
			jw_u64(w, "handshake_rtt_us", rep->handshake_rtt_ns / 1000);
		jw_obj_close(w);
	} else if (rep->key.proto == 1 || rep->key.proto == 58) {
		jw_obj_open(w, "icmp"); /* nettrail.icmp.* */
		jw_u64(w, "type", rep->icmp_type);
		jw_u64(w, "code", rep->icmp_code);
		jw_obj_close(w);
	}
}

/* nettrail.observer.*, nettrail.local_end and nettrail.peer_local.* */
static void flow_observer(struct nt_recorder *r, const struct nt_flow_report *rep, int s,
			  const struct nt_local_end local[2])
{
	struct jw *w = &r->w;

	jw_obj_open(w, "observer"); /* nettrail.observer.* */
	jw_str(w, "interface", r->ifname(r->ifname_ctx, rep->ifindex[0]));
	jw_str(w, "hook", r->hook_name);
	jw_arr_open(w, "interfaces");
	for (int i = 0; i < 1 + NT_MAX_SEEN_IFACES && rep->ifindex[i]; i++)
		jw_str(w, NULL, r->ifname(r->ifname_ctx, rep->ifindex[i]));
	jw_arr_close(w);
	jw_obj_close(w);
	if (local[0].side >= 0)
		jw_str(w, "local_end", local[0].side == s ? "source" : "destination");
	if (local[1].side >= 0) {
		/* both ends are sockets of this node (two pods, or a host
		 * process and a pod): the other end's container and process */
		jw_obj_open(w, "peer_local"); /* nettrail.peer_local.* */
		local_end(w, &local[1]);
		jw_obj_close(w);
	}
}

void nt_record_flow_ctx(struct nt_recorder *r, const struct nt_flow_report *rep,
			const struct nt_rec_ctx *c)
{
	struct jw *w = &r->w;
	int s = rep->src, d = !rep->src;
	const struct nt_local_end *local = c->local;

	common_head(r, c->end, NT_REC_FLOW); /* event.* */
	jw_time(w, "start", c->start);
	jw_time(w, "end", c->end);
	jw_u64(w, "duration", c->end - c->start);
	jw_obj_close(w);
	observer(r);
	endpoint(r, "source", rep, c, 0, c->k8s[0]);
	endpoint(r, "destination", rep, c, 1, c->k8s_dst);
	network(r, rep, c);
	if (local[0].side >= 0)
		local_end(w, &local[0]);
	if (rep->meta && rep->meta->tls)
		tls_ecs(w, rep->meta->tls);
	nettrail_head(r); /* nettrail.* */
	flow_nettrail_flow(r, rep, c);
	flow_transport(w, rep, s, d);
	if (rep->meta)
		payload_extras(w, rep->meta, s, d, c->start);
	flow_observer(r, rep, s, local);
	jw_obj_close(w); /* nettrail */
	jw_obj_close(w);
	done(r);
}

void nt_record_flow(void *ctx, const struct nt_flow_report *rep)
{
	struct nt_recorder *r = ctx;
	struct nt_rec_ctx c;

	nt_rec_ctx_flow(&c, r, rep);
	nt_record_flow_ctx(r, rep, &c);
	nt_record_forget(r, rep);
}

void nt_record_forget(struct nt_recorder *r, const struct nt_flow_report *rep)
{
	if (r->enrich && rep->reason != NT_END_ACTIVE)
		nt_enrich_forget(r->enrich, &rep->key);
}

void nt_record_heartbeat(struct nt_recorder *r, const struct nt_heartbeat *hb)
{
	struct jw *w = &r->w;

	common_head(r, hb->now_unix_ns, NT_REC_HEARTBEAT);
	jw_obj_close(w);
	observer(r);
	nettrail_head(r);
	jw_obj_open(w, "heartbeat"); /* nettrail.heartbeat.* */
	jw_u64(w, "uptime_s", hb->uptime_s);
	jw_u64(w, "interval_s", hb->interval_s);
	jw_u64(w, "flows_tracked", hb->flows_tracked);
	jw_u64(w, "flow_table_size", hb->flow_table_size);
	jw_arr_open(w, "interfaces");
	for (const char *const *p = hb->interfaces; p && *p; p++)
		jw_str(w, NULL, *p);
	jw_arr_close(w);
	jw_obj_open(w, "counters"); /* nettrail.heartbeat.counters.* */
	for (int i = 0; i < NT_C_MAX; i++)
		jw_u64(w, nt_counter_defs[i].name, hb->metrics->c[i]);
	jw_obj_close(w);
	jw_obj_open(w, "gauges"); /* nettrail.heartbeat.gauges.* */
	for (int i = 0; i < NT_G_MAX; i++)
		jw_u64(w, nt_gauge_defs[i].name, hb->metrics->g[i]);
	jw_obj_close(w);
	jw_obj_close(w);
	jw_obj_close(w); /* nettrail */
	jw_obj_close(w);
	done(r);
}

const char *nt_dns_opcode_text(uint8_t op, char buf[8])
{
	static const char *const names[] = {
		[0] = "QUERY", [1] = "IQUERY", [2] = "STATUS", [4] = "NOTIFY", [5] = "UPDATE",
	};

	if (op < sizeof(names) / sizeof(names[0]) && names[op])
		return names[op];
	snprintf(buf, 8, "%u", op);
	return buf;
}

const char *nt_dns_class_text(uint16_t c, char buf[16])
{
	switch (c) {
	case 1:
		return "IN";
	case 3:
		return "CH";
	case 4:
		return "HS";
	case 255:
		return "ANY";
	}
	snprintf(buf, 16, "CLASS%u", c);
	return buf;
}

const char *nt_dns_type_text(uint16_t t, char buf[16])
{
	const char *n = dns_type_name(t);

	if (n)
		return n;
	snprintf(buf, 16, "TYPE%u", t);
	return buf;
}

/* dns.resolved_ip: every A/AAAA address, in answer order (omitted if none) */
static void resolved_ips(struct jw *w, const struct dns_msg *a)
{
	int n = 0;

	for (int i = 0; i < a->n_answers; i++) {
		const struct dns_rr *rr = &a->answers[i];

		if (rr->ip_len != 4 && rr->ip_len != 16)
			continue;
		if (!n++)
			jw_arr_open(w, "resolved_ip");
		jw_str(w, NULL, rr->data);
	}
	if (n)
		jw_arr_close(w);
}

static void dns_endpoint(struct jw *w, const char *name, const struct nt_flow_key *k, int side,
			 const struct nt_k8s_endpoint *ep, const struct nt_nat *nat, int is_dst)
{
	char ip[NT_ADDRSTRLEN];
	size_t n = nt_addr_fmt(ip, k->ip_version, k->addr[side]);

	jw_obj_open(w, name); /* source.* or destination.* (DNS) */
	jw_strn(w, "ip", ip, n);
	jw_u64(w, "port", k->port[side]);
	endpoint_nat(w, nat, k->ip_version, is_dst);
	if (ep)
		jw_raw(w, "kubernetes", ep->json, ep->json_len);
	jw_obj_close(w);
}

/* dns.id, type, op_code, header_flags and response_code */
static void dns_header(struct jw *w, const struct nt_dns_txn *t, const struct dns_msg *a)
{
	const char *flags[7];
	char b[16];
	size_t nf;

	jw_u64(w, "id", t->id);
	jw_str(w, "type", a ? "answer" : "query");
	jw_str(w, "op_code", nt_dns_opcode_text(a ? a->opcode : t->q_opcode, b));
	if (a) {
		nf = dns_header_flags(a, flags);
	} else {
		struct dns_msg q;

		memset(&q, 0, sizeof(q));
		q.flags = t->q_flags;
		nf = dns_header_flags(&q, flags);
	}
	jw_arr_open(w, "header_flags");
	for (size_t i = 0; i < nf; i++)
		jw_str(w, NULL, flags[i]);
	jw_arr_close(w);
	if (a) {
		const char *rc = dns_rcode_name(a->rcode);

		if (!rc) {
			snprintf(b, sizeof(b), "RCODE%u", a->rcode);
			rc = b;
		}
		jw_str(w, "response_code", rc);
	}
}

/* dns.question.* and dns.answers[] (with dns.resolved_ip) */
static void dns_question_answers(struct jw *w, const struct nt_dns_txn *t, const struct dns_msg *a)
{
	char b1[16], b2[16];

	jw_obj_open(w, "question"); /* dns.question.* */
	jw_str(w, "name", t->qname[0] ? t->qname : ".");
	jw_str(w, "type", nt_dns_type_text(t->qtype, b1));
	jw_str(w, "class", nt_dns_class_text(t->qclass, b2));
	/* the Public Suffix List split, computed once per transaction */
	struct nt_dn_parts p = nt_psl_parts(t->qname, &t->qsplit);

	if (p.registered_len)
		jw_strn(w, "registered_domain", p.registered, p.registered_len);
	if (p.subdomain_len)
		jw_strn(w, "subdomain", p.subdomain, p.subdomain_len);
	if (p.tld_len)
		jw_strn(w, "top_level_domain", p.tld, p.tld_len);
	jw_obj_close(w);
	if (!a || !a->n_answers)
		return;
	jw_arr_open(w, "answers"); /* dns.answers[].* */
	for (int i = 0; i < a->n_answers; i++) {
		const struct dns_rr *rr = &a->answers[i];

		jw_obj_open(w, NULL);
		jw_str(w, "name", rr->name[0] ? rr->name : ".");
		jw_str(w, "type", nt_dns_type_text(rr->type, b1));
		jw_str(w, "class", nt_dns_class_text(rr->class, b2));
		jw_u64(w, "ttl", rr->ttl);
		jw_str(w, "data", rr->data);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	resolved_ips(w, a);
}

/* nettrail.dns.* and nettrail.observer.* of a DNS record */
static void dns_nettrail(struct nt_recorder *r, const struct nt_dns_txn *t, const struct dns_msg *a)
{
	struct jw *w = &r->w;

	nettrail_head(r); /* nettrail.* */
	if (!a || a->answers_truncated) {
		jw_obj_open(w, "dns"); /* nettrail.dns.* */
		if (!a)
			jw_bool(w, "unanswered", 1);
		else
			jw_bool(w, "answers_truncated", 1);
		jw_obj_close(w);
	}
	jw_obj_open(w, "observer"); /* nettrail.observer.* */
	jw_str(w, "interface", r->ifname(r->ifname_ctx, t->ifindex));
	jw_str(w, "hook", r->hook_name);
	jw_obj_close(w);
	jw_obj_close(w); /* nettrail */
}

void nt_record_dns_ctx(struct nt_recorder *r, const struct nt_dns_txn *t,
		       const struct nt_rec_ctx *c)
{
	struct jw *w = &r->w;
	const struct nt_flow_key *k = &t->key;
	const struct dns_msg *a = t->has_answer ? t->answer : NULL;

	common_head(r, t->has_answer ? c->end : c->start, NT_REC_DNS); /* event.* */
	if (t->has_query)
		jw_time(w, "start", c->start);
	if (t->has_answer)
		jw_time(w, "end", c->end);
	if (t->has_query && t->has_answer)
		jw_u64(w, "duration", c->end - c->start);
	jw_obj_close(w);
	observer(r);
	dns_endpoint(w, "source", k, c->side[0], c->k8s[0], c->nat, 0);
	dns_endpoint(w, "destination", k, c->side[1], c->k8s_dst, c->nat, 1);
	network_open(w, k);
	network_ends(r, c);
	jw_str(w, "protocol", "dns");
	jw_obj_close(w);
	jw_obj_open(w, "dns"); /* dns.* */
	dns_header(w, t, a);
	dns_question_answers(w, t, a);
	jw_obj_close(w); /* dns */
	dns_nettrail(r, t, a);
	jw_obj_close(w);
	done(r);
}

void nt_record_dns(void *ctx, const struct nt_dns_txn *t)
{
	struct nt_recorder *r = ctx;
	struct nt_rec_ctx c;

	nt_rec_ctx_dns(&c, r, t);
	nt_record_dns_ctx(r, t, &c);
}

/* For the encoders in files of their own (audit.c): the shared parts of a
 * record, in order: observer (and cloud, orchestrator), nettrail's head,
 * then the end (emitted with the type and key already set). */
void nt_record_observer(struct nt_recorder *r)
{
	observer(r);
}

void nt_record_nettrail_head(struct nt_recorder *r)
{
	nettrail_head(r);
}

void nt_record_done(struct nt_recorder *r)
{
	done(r);
}
