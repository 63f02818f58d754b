// SPDX-License-Identifier: BSD-2-Clause
/*
 * ocsf.c - OCSF JSON encoding of flow reports (Network Activity, 4001) and
 * DNS transactions (DNS Activity, 4003). docs/ocsf.md is the mapping; each
 * object is marked with its OCSF path as record.c marks its ECS ones.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ocsf.h"
#include "recctx.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "conn_state.h"
#include "counters.h"
#include "k8s.h"
#include "netutil.h"
#include "payload.h"
#include "quic.h"
#include "tls_cert.h"
#include "tls_hello.h"

#define MS 1000000ULL

const char *nt_ocsf_version_name(enum nt_ocsf_version v)
{
	return v == NT_OCSF_1_8_0 ? "1.8.0" : "1.1.0";
}

int nt_ocsf_init(struct nt_ocsf *o, struct nt_output out, struct nt_recorder *base,
		 enum nt_ocsf_version v, int ecs_follows)
{
	memset(o, 0, sizeof(*o));
	jw_init(&o->w, 16384);
	o->out = out;
	o->base = base;
	o->ecs_follows = ecs_follows;
	o->version = nt_ocsf_version_name(v);
	o->minor = v == NT_OCSF_1_8_0 ? 8 : 1;
	return 0;
}

void nt_ocsf_free(struct nt_ocsf *o)
{
	jw_free(&o->w);
}

/* The record is whole: its bytes go to the output, the buffer is reused. */
static void done(struct nt_ocsf *o, enum nt_record_type t)
{
	struct nt_rec_out r = {
		.type = t,
		.key = o->key,
		.key_len = strlen(o->key),
		.data = o->w.buf,
		.len = o->w.len,
	};

	o->out.emit(o->out.ctx, &r); /* a loss is counted by the sink */
	jw_reset(&o->w);
}

/* What every record of a class opens with: the classification, severity,
 * status and the event time. */
struct ocsf_class {
	unsigned class_uid;
	const char *class_name, *log_name;
};

static const struct ocsf_class network_activity = { 4001, "Network Activity", "nettrail.flow" };
static const struct ocsf_class dns_activity = { 4003, "DNS Activity", "nettrail.dns" };

static void head(struct nt_ocsf *o, const struct ocsf_class *c, unsigned activity_id,
		 const char *activity_name, unsigned status_id, uint64_t time_ns)
{
	static const char *const status_names[] = { "Unknown", "Success", "Failure" };
	struct jw *w = &o->w;
	char type_name[64];

	jw_obj_open(w, NULL);
	jw_u64(w, "activity_id", activity_id);
	jw_str(w, "activity_name", activity_name);
	jw_u64(w, "category_uid", 4);
	jw_str(w, "category_name", "Network Activity");
	jw_u64(w, "class_uid", c->class_uid);
	jw_str(w, "class_name", c->class_name);
	jw_u64(w, "type_uid", (uint64_t)c->class_uid * 100 + activity_id);
	snprintf(type_name, sizeof(type_name), "%s: %s", c->class_name, activity_name);
	jw_str(w, "type_name", type_name);
	jw_u64(w, "severity_id", 1);
	jw_str(w, "severity", "Informational");
	jw_u64(w, "status_id", status_id);
	jw_str(w, "status", status_names[status_id % 3]);
	jw_u64(w, "time", time_ns / MS);
	jw_time(w, "time_dt", time_ns);
}

/* OCSF 1.1.0's hostname type is RFC 1123 labels only: a DNS name such as
 * "_sip._tcp.example.org", "a\\032b.example" or the root is refused. At
 * 1.1.0 a name is written made to fit (a character that is not a letter, a
 * digit, '-' or a dot becomes '-', a label's leading or trailing '-'
 * becomes '0', an empty label "0", the root "root"); returns NULL when the
 * name fits as it is (the caller then writes it; the exact name also goes
 * to unmapped). 1.8.0 takes any string. */
static const char *hostname_fit(const struct nt_ocsf *o, const char *name, char out[256])
{
	size_t n = strlen(name), j = 0, start = 0;
	int changed = 0;

	if (o->minor >= 8)
		return NULL;
	if (n && name[n - 1] == '.')
		n--, changed = 1; /* the root label */
	if (!n)
		return strcpy(out, "root");
	for (size_t i = 0; i <= n; i++) {
		if (i < n && j == start && j >= 252) {
			changed = 1; /* no room for another label: cut before it */
			break;
		}
		char c = i < n && j < 253 ? name[i] : '.'; /* a longer name is cut */
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-';

		if (c != '.') {
			out[j++] = ok ? c : '-';
			changed |= !ok;
			continue;
		}
		if (j == start) /* an empty label */
			out[j++] = '0', changed = 1;
		if (out[start] == '-')
			out[start] = '0', changed = 1;
		if (out[j - 1] == '-')
			out[j - 1] = '0', changed = 1;
		if (i < n && j >= 253) {
			changed = 1; /* cut */
			break;
		}
		out[j++] = '.';
		start = j;
	}
	out[out[j - 1] == '.' ? j - 1 : j] = 0;
	return changed ? out : NULL;
}

/* metadata.*, cloud.* (only with a provider: the profile makes it required)
 * and device.* (the node). The record's uid is the ECS twin's record_id. */
static void metadata(struct nt_ocsf *o, const struct ocsf_class *c, const char *correlation_uid,
		     uint32_t ifindex)
{
	struct nt_recorder *r = o->base;
	struct jw *w = &o->w;
	char id[NT_RECORD_ID_MAX], buf[256];
	size_t n = nt_record_id(r, o->ecs_follows ? r->seq + 1 : ++r->seq, id);
	const char *fit;

	jw_obj_open(w, "metadata"); /* metadata.* */
	jw_str(w, "version", o->version);
	jw_obj_open(w, "product"); /* metadata.product.* */
	jw_str(w, "name", "nettrail");
	jw_str(w, "vendor_name", "nettrail");
	jw_str(w, "version", NT_VERSION);
	jw_obj_close(w);
	jw_strn(w, "uid", id, n);
	if (correlation_uid)
		jw_str(w, "correlation_uid", correlation_uid);
	jw_str(w, "log_name", c->log_name);
	jw_arr_open(w, "profiles");
	jw_str(w, NULL, "host");
	jw_str(w, NULL, "container");
	jw_str(w, NULL, "datetime");
	if (r->cloud_provider)
		jw_str(w, NULL, "cloud");
	jw_arr_close(w);
	jw_obj_close(w);
	if (r->cloud_provider) /* OCSF's cloud needs a provider */
		nt_cloud_obj(w, r, "uid");
	jw_obj_open(w, "device"); /* device.*: the node */
	fit = hostname_fit(o, r->node, buf);
	jw_str(w, "hostname", fit ? fit : r->node);
	jw_u64(w, "type_id", 1);
	jw_str(w, "type", "Server");
	jw_str(w, "interface_name", r->ifname(r->ifname_ctx, ifindex));
	jw_obj_close(w);
}

/* One end of a flow or DNS transaction. */
struct ocsf_end {
	const uint8_t *addr;
	int ip_version;
	int has_port;
	uint16_t port;
	const char *hostname;		   /* from DNS, or NULL */
	const char *container_id;	   /* the local socket's container, or NULL */
	const struct nt_k8s_endpoint *k8s; /* or NULL */
	const uint8_t *via;		   /* the backend a DNAT reached, or NULL */
};

/* <end>.container.labels (OCSF 1.4.0+): the pod's labels as "key=value",
 * in their order. A label the API server accepts fits buf (key 317, value
 * 63 bytes); a longer one is written from the heap. */
static void container_labels(struct jw *w, const struct nt_k8s_endpoint *k8s)
{
	const char *m = k8s->labels;
	char buf[512];

	jw_arr_open(w, "labels");
	for (uint16_t i = 0; i < k8s->nlabels; i++) {
		size_t kl = strlen(m), vl = strlen(m + kl + 1);
		char *s = kl + vl + 1 <= sizeof(buf) ? buf : malloc(kl + vl + 1);

		if (!s)
			abort(); /* as jw does: the record path cannot report it */
		memcpy(s, m, kl);
		s[kl] = '=';
		memcpy(s + kl + 1, m + kl + 1, vl);
		jw_strn(w, NULL, s, kl + vl + 1);
		if (s != buf)
			free(s);
		m += kl + vl + 2;
	}
	jw_arr_close(w);
}

/* src_endpoint.* / dst_endpoint.*: a pod's name is the endpoint's name; the
 * local socket's container (uid, its pod's uid, at 1.4.0+ its labels); the backend a DNAT
 * reached as intermediate_ips. Namespace, labels, workload and Service
 * have no OCSF attribute: unmapped.<end>.kubernetes (see end_unmapped). */
static void endpoint(struct nt_ocsf *o, const char *name, const struct ocsf_end *e)
{
	struct jw *w = &o->w;
	char ip[NT_ADDRSTRLEN], buf[256];
	size_t n = nt_addr_fmt(ip, e->ip_version, e->addr);
	const char *pod_uid = e->k8s && e->k8s->kind == NT_K8S_POD ? e->k8s->pod_uid : NULL;

	jw_obj_open(w, name); /* src_endpoint.* or dst_endpoint.* */
	jw_strn(w, "ip", ip, n);
	if (e->has_port)
		jw_u64(w, "port", e->port);
	if (e->hostname) {
		const char *fit = hostname_fit(o, e->hostname, buf);

		jw_str(w, "hostname", fit ? fit : e->hostname);
	}
	if (e->via) {
		jw_arr_open(w, "intermediate_ips");
		jw_strn(w, NULL, ip, nt_addr_fmt(ip, e->ip_version, e->via));
		jw_arr_close(w);
	}
	if (pod_uid && e->k8s->pod_name)
		jw_str(w, "name", e->k8s->pod_name);
	if (e->container_id) {		     /* OCSF's container needs a uid or a name */
		jw_obj_open(w, "container"); /* <end>.container.* */
		jw_str(w, "uid", e->container_id);
		if (pod_uid)
			jw_str(w, "pod_uuid", pod_uid);
		jw_str(w, "orchestrator", "kubernetes");
		if (pod_uid && e->k8s->nlabels && o->minor >= 4)
			container_labels(w, e->k8s);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

/* unmapped.<end>.*: the Kubernetes identity (the ECS object, as rendered
 * once per change) and the name as it was when hostname had to fit */
static void end_unmapped(struct nt_ocsf *o, const char *name, const struct ocsf_end *e)
{
	struct jw *w = &o->w;
	char buf[256];
	int fit = e->hostname && hostname_fit(o, e->hostname, buf);

	if (!e->k8s && !fit)
		return;
	jw_obj_open(w, name); /* unmapped.src_endpoint.* or .dst_endpoint.* */
	if (fit)
		jw_str(w, "hostname", e->hostname);
	if (e->k8s)
		jw_raw(w, "kubernetes", e->k8s->json, e->k8s->json_len);
	jw_obj_close(w);
}

/* unmapped.src_endpoint, .dst_endpoint and (before 1.4.0) .community_id */
static void unmapped_ends(struct nt_ocsf *o, const struct ocsf_end e[2])
{
	end_unmapped(o, "src_endpoint", &e[0]);
	end_unmapped(o, "dst_endpoint", &e[1]);
	if (o->minor < 4 && o->has_cid)
		jw_str(&o->w, "community_id", o->key);
}

/* unmapped.nat.src_endpoint (after SNAT) and .dst_endpoint (after DNAT):
 * ECS source.nat.* and destination.nat.* (nat NULL: nothing) */
static void nat_unmapped(struct jw *w, const struct nt_nat *nat, int ip_version)
{
	static const char *const names[2] = { "src_endpoint", "dst_endpoint" };
	char ip[NT_ADDRSTRLEN];
	uint8_t b[16];

	if (!nat || !(nat->flags & (NT_NAT_SNAT | NT_NAT_DNAT)))
		return;
	jw_obj_open(w, "nat"); /* unmapped.nat.* */
	for (int i = 0; i < 2; i++) {
		if (!(nat->flags & (i ? NT_NAT_DNAT : NT_NAT_SNAT)))
			continue;
		memcpy(b, i ? nat->dst_nat : nat->src_nat, 16);
		jw_obj_open(w, names[i]); /* unmapped.nat.src_endpoint.*, .dst_endpoint.* */
		jw_strn(w, "ip", ip, nt_addr_fmt(ip, ip_version, b));
		jw_u64(w, "port", i ? nat->dport_nat : nat->sport_nat);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

/* ECS network.direction -> OCSF direction_id and boundary_id */
static void direction(struct jw *w, const char *d)
{
	unsigned id = 0, boundary = 0;
	static const char *const dir_names[] = { "Unknown", "Inbound", "Outbound", "Lateral" };

	if (!strcmp(d, "internal"))
		id = 3, boundary = 2;
	else if (!strcmp(d, "outbound"))
		id = 2, boundary = 3;
	else if (!strcmp(d, "inbound"))
		id = 1, boundary = 3;
	jw_u64(w, "direction_id", id);
	jw_str(w, "direction", dir_names[id]);
	jw_u64(w, "boundary_id", boundary);
	jw_str(w, "boundary", boundary == 2 ? "Internal" : boundary == 3 ? "External" : "Unknown");
}

/* connection_info.*: opened here, closed by the caller. The Community ID is
 * the record's key; at 1.4.0 and later it is community_uid (else unmapped). */
static void connection_info(struct nt_ocsf *o, const struct nt_flow_key *k, const char *dir)
{
	struct jw *w = &o->w;
	const char *tname = nt_transport_name(k->proto);
	char num[4];

	jw_obj_open(w, "connection_info"); /* connection_info.* */
	direction(w, dir);
	jw_u64(w, "protocol_num", k->proto);
	if (!tname) {
		jw_fmt_u64(num, k->proto);
		num[3] = 0;
		tname = num;
	}
	jw_str(w, "protocol_name", tname);
	jw_u64(w, "protocol_ver_id", k->ip_version == 4 ? 4 : 6);
	jw_str(w, "protocol_ver",
	       k->ip_version == 4 ? "Internet Protocol version 4 (IPv4)" :
				    "Internet Protocol version 6 (IPv6)");
	if (o->has_cid && o->minor >= 4)
		jw_str(w, "community_uid", o->key);
}

/* The ends of a flow or DNS transaction (source first) as the context
 * resolved them: names, local containers, identities (the destination's as
 * ECS writes it), the backend a DNAT reached (for intermediate_ips, in
 * via); and the record's key, its Community ID (or the node). */
static void ends_of(struct nt_ocsf *o, const struct nt_flow_key *k, const struct nt_rec_ctx *c,
		    int ports, struct ocsf_end e[2], uint8_t via[16])
{
	for (int i = 0; i < 2; i++)
		e[i] = (struct ocsf_end){ .addr = k->addr[c->side[i]],
					  .ip_version = k->ip_version,
					  .has_port = ports,
					  .port = k->port[c->side[i]],
					  .hostname = c->name[i],
					  .k8s = i ? c->k8s_dst : c->k8s[0] };
	for (int i = 0; i < 2; i++)
		if (c->local[i].side >= 0)
			e[c->local[i].side == c->side[0] ? 0 : 1].container_id =
				c->local[i].container_id;
	if (c->nat && (c->nat->flags & NT_NAT_DNAT)) {
		memcpy(via, c->nat->dst_nat, 16);
		e[1].via = via;
	}
	o->has_cid = c->has_cid;
	snprintf(o->key, sizeof(o->key), "%s", c->has_cid ? c->cid : o->base->node);
}

/* Zeek's OCSF mapping of conn_state: closed, failed, refused, or traffic
 * (interim reports and every other state). */
static unsigned flow_activity(const char *state, enum nt_end_reason reason, const char **name)
{
	static const char *const closed[] = { "SF", "RSTO", "RSTR", "RSTRH", "SH", "SHR" };

	if (state && reason != NT_END_ACTIVE) {
		for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
			if (!strcmp(state, closed[i]))
				return *name = "Close", 2;
		if (!strcmp(state, "S0"))
			return *name = "Fail", 4;
		if (!strcmp(state, "REJ"))
			return *name = "Refuse", 5;
	}
	*name = "Traffic";
	return 6;
}

/* A fingerprint object: {algorithm_id, algorithm, value} */
static void fingerprint(struct jw *w, const char *key, unsigned id, const char *alg,
			const char *value)
{
	jw_obj_open(w, key);
	jw_u64(w, "algorithm_id", id);
	jw_str(w, "algorithm", alg);
	jw_str(w, "value", value);
	jw_obj_close(w);
}

/* A subject alternative name's OCSF type, from its text (tls_cert.c writes
 * DNS names, IP addresses, e-mail addresses and URIs as they are). */
static const char *san_type(const char *name)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1)
		return "IP Address";
	if (strchr(name, ':'))
		return "URI";
	return strchr(name, '@') ? "Email Address" : "DNS Name";
}

/* sans[] {name, type}: tls.sans at 1.1.0, tls.certificate.sans at 1.8.0 */
static void sans(struct jw *w, const struct tls_x509 *x)
{
	jw_arr_open(w, "sans");
	for (int i = 0; i < x->alt_names.n; i++) {
		jw_obj_open(w, NULL); /* sans[].* */
		jw_str(w, "name", x->alt_names.v[i]);
		jw_str(w, "type", san_type(x->alt_names.v[i]));
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* tls.certificate.*: the server's leaf (issuer and serial_number are
 * required: without them, no certificate), and tls.certificate_chain: the
 * serial numbers of the rest of the chain. */
static void certificate(struct nt_ocsf *o, const struct tls_certs *c)
{
	const struct tls_x509 *x = &c->leaf;
	struct jw *w = &o->w;
	char ver[12];

	if (!c->has_leaf || !x->issuer || !x->serial)
		return;
	jw_obj_open(w, "certificate"); /* tls.certificate.* */
	if (x->subject)
		jw_str(w, "subject", x->subject);
	jw_str(w, "issuer", x->issuer);
	jw_str(w, "serial_number", x->serial);
	jw_arr_open(w, "fingerprints");
	fingerprint(w, NULL, 2, "SHA-1", x->sha1);
	fingerprint(w, NULL, 3, "SHA-256", x->sha256);
	jw_arr_close(w);
	jw_u64(w, "created_time", nt_secs_ns(x->not_before) / MS);
	jw_time(w, "created_time_dt", nt_secs_ns(x->not_before));
	jw_u64(w, "expiration_time", nt_secs_ns(x->not_after) / MS);
	jw_time(w, "expiration_time_dt", nt_secs_ns(x->not_after));
	snprintf(ver, sizeof(ver), "%d", x->version);
	jw_str(w, "version", ver);
	if (o->minor >= 8) {
		jw_bool(w, "is_self_signed", x->self_signed);
		if (x->alt_names.n)
			sans(w, x);
	}
	jw_obj_close(w);
	if (o->minor < 8 && x->alt_names.n)
		sans(w, x);
	if (c->n_chain) {
		jw_arr_open(w, "certificate_chain");
		for (int i = 0; i < c->n_chain; i++)
			if (c->chain[i].serial)
				jw_str(w, NULL, c->chain[i].serial);
		jw_arr_close(w);
	}
}

/* tls.*: version (required: the negotiated one, else the highest the
 * client offered), SNI, cipher, JA3, JA3S and the server's certificate.
 * Returns 0 when no version is known (no tls). */
static int tls_ocsf(struct nt_ocsf *o, const struct nt_tls_meta *t)
{
	const char *v = tls_version_name(t->server_hello ? t->version : t->client_version);
	struct jw *w = &o->w;

	if (!v)
		return 0;
	jw_obj_open(w, "tls"); /* tls.* */
	jw_str(w, "version", v);
	if (t->client_hello && t->sni[0])
		jw_str(w, "sni", t->sni);
	if (t->server_hello && tls_cipher_name(t->cipher))
		jw_str(w, "cipher", tls_cipher_name(t->cipher));
	if (t->client_hello)
		fingerprint(w, "ja3_hash", 1, "MD5", t->ja3_md5); /* tls.ja3_hash.* */
	if (t->server_hello && t->ja3s_md5[0])
		fingerprint(w, "ja3s_hash", 1, "MD5", t->ja3s_md5); /* tls.ja3s_hash.* */
	if (t->cert_status[NT_CERT_SERVER] == NT_CERT_PARSED && t->certs[NT_CERT_SERVER])
		certificate(o, t->certs[NT_CERT_SERVER]);
	jw_obj_close(w);
	return 1;
}

/* ja4_fingerprint_list (1.3.0 and later) */
static void ja4_list(struct jw *w, const struct nt_tls_meta *t)
{
	jw_arr_open(w, "ja4_fingerprint_list");
	jw_obj_open(w, NULL); /* ja4_fingerprint_list[].* */
	jw_u64(w, "type_id", 1);
	jw_str(w, "type", "JA4");
	jw_str(w, "value", t->ja4);
	jw_obj_close(w);
	jw_arr_close(w);
}

/* unmapped.tls.*: ALPN (no OCSF attribute in any version), JA4 before
 * 1.3.0, whatever else tls could not hold, and per certificate role how
 * reading it went and the flags derived from it (as ECS nettrail.tls.server
 * and .client: status, self_signed, expired, not_yet_valid, name_mismatch,
 * the chain), judged at the flow's start (now_s) */
static void tls_unmapped(struct nt_ocsf *o, const struct nt_tls_meta *t, int in_tls, int64_t now_s)
{
	struct jw *w = &o->w;

	jw_obj_open(w, "tls"); /* unmapped.tls.* */
	if (t->n_alpn) {
		jw_arr_open(w, "alpn");
		for (int i = 0; i < t->n_alpn; i++)
			jw_str(w, NULL, t->alpn[i]);
		jw_arr_close(w);
	}
	if (t->client_hello && (o->minor < 3 || !in_tls))
		jw_str(w, "ja4", t->ja4);
	if (!in_tls && t->client_hello) {
		if (t->sni[0])
			jw_str(w, "sni", t->sni);
		jw_str(w, "ja3", t->ja3_md5);
	}
	for (int r = 0; r < 2; r++)
		nt_tls_cert_extras(w, r == NT_CERT_SERVER ? "server" : "client", t->certs[r],
				   t->cert_status[r], now_s);
	jw_obj_close(w);
}

/* actor.process.*: the local process of a flow */
static void actor(struct jw *w, const struct nt_local_end *l)
{
	char uid[24];

	jw_obj_open(w, "actor");   /* actor.* */
	jw_obj_open(w, "process"); /* actor.process.* */
	jw_u64(w, "pid", l->pid);
	jw_str(w, "name", l->comm);
	jw_obj_open(w, "user"); /* actor.process.user.* */
	jw_strn(w, "uid", uid, jw_fmt_u64(uid, l->uid));
	jw_obj_close(w);
	jw_obj_close(w);
	jw_obj_close(w);
}

/* unmapped.*: identities, the Community ID before 1.4.0, the cluster and
 * nettrail's own fields (the flow's report, TCP state, the observer) */
static void flow_unmapped(struct nt_ocsf *o, const struct nt_flow_report *rep,
			  const struct nt_rec_ctx *c, const struct ocsf_end e[2], int tls_in)
{
	int s = c->side[0], d = c->side[1];
	int64_t start_s = (int64_t)(c->start / 1000000000ull);
	struct nt_recorder *r = o->base;
	struct jw *w = &o->w;

	jw_obj_open(w, "unmapped"); /* unmapped.* */
	unmapped_ends(o, e);
	if (rep->meta && rep->meta->tls)
		tls_unmapped(o, rep->meta->tls, tls_in, start_s);
	nat_unmapped(w, c->nat, rep->key.ip_version);
	nt_cluster_obj(w, r->cluster); /* unmapped.orchestrator.cluster.* */
	jw_obj_open(w, "nettrail");    /* unmapped.nettrail.* */
	jw_u64(w, "report_seq", rep->report_seq);
	jw_str(w, "end_reason", nt_end_reason_name(rep->reason));
	if (rep->key.proto == 6) {
		int rst = rep->rst_first ? ((rep->rst_first - 1) == s ? 1 : 2) : 0;

		jw_str(w, "conn_state", nt_conn_state(rep->tcp_flags[s], rep->tcp_flags[d], rst));
		if (rep->handshake_rtt_ns)
			jw_u64(w, "handshake_rtt_us", rep->handshake_rtt_ns / 1000);
	}
	if (rep->meta && rep->meta->quic)
		nt_quic_extras(w, rep->meta->quic); /* unmapped.nettrail.quic.* */
	jw_str(w, "hook", r->hook_name);
	jw_obj_close(w);
	jw_obj_close(w);
}

/* app_name (and app_protocol_name at 1.8.0); NULL: none */
static void app_name(struct nt_ocsf *o, const char *app)
{
	if (!app)
		return;
	jw_str(&o->w, "app_name", app);
	if (o->minor >= 8)
		jw_str(&o->w, "app_protocol_name", app);
}

/* traffic.*: out is source -> destination, in the other way; IP bytes */
static void traffic(struct jw *w, const struct nt_flow_report *rep, int s, int d)
{
	jw_obj_open(w, "traffic"); /* traffic.* */
	jw_u64(w, "bytes_out", rep->bytes[s]);
	jw_u64(w, "packets_out", rep->pkts[s]);
	jw_u64(w, "bytes_in", rep->bytes[d]);
	jw_u64(w, "packets_in", rep->pkts[d]);
	jw_u64(w, "bytes", rep->bytes[0] + rep->bytes[1]);
	jw_u64(w, "packets", rep->pkts[0] + rep->pkts[1]);
	jw_obj_close(w);
}

static void flow_times(struct jw *w, uint64_t start, uint64_t end)
{
	jw_u64(w, "start_time", start / MS);
	jw_time(w, "start_time_dt", start);
	jw_u64(w, "end_time", end / MS);
	jw_time(w, "end_time_dt", end);
	jw_u64(w, "duration", end / MS - start / MS);
}

void nt_ocsf_flow_ctx(struct nt_ocsf *o, const struct nt_flow_report *rep,
		      const struct nt_rec_ctx *c)
{
	struct jw *w = &o->w;
	const struct nt_flow_key *k = &rep->key;
	int s = rep->src, d = !rep->src, tls_in = 0;
	const struct nt_local_end *local = c->local;
	const struct nt_tls_meta *t = rep->meta ? rep->meta->tls : NULL;
	const char *app = rep->meta ? nt_app_name(rep->meta->app) : NULL, *aname, *state = NULL;
	struct ocsf_end e[2];
	uint8_t via[16];
	char fid[17];
	unsigned act;

	ends_of(o, k, c, k->proto == 6 || k->proto == 17 || k->proto == 132, e, via);
	if (k->proto == 6)
		state = nt_conn_state(rep->tcp_flags[s], rep->tcp_flags[d],
				      rep->rst_first ? ((rep->rst_first - 1) == s ? 1 : 2) : 0);
	act = flow_activity(state, rep->reason, &aname);
	nt_flow_id(o->base, rep, fid);
	head(o, &network_activity, act, aname, act == 4 || act == 5 ? 2 : 1, c->end);
	flow_times(w, c->start, c->end);
	metadata(o, &network_activity, fid, rep->ifindex[0]);
	endpoint(o, "src_endpoint", &e[0]);
	endpoint(o, "dst_endpoint", &e[1]);
	connection_info(o, k, c->direction);
	jw_str(w, "uid", fid);
	if (k->proto == 6)
		jw_u64(w, "tcp_flags", rep->tcp_flags[s] | rep->tcp_flags[d]);
	jw_obj_close(w); /* connection_info */
	traffic(w, rep, s, d);
	if (t)
		tls_in = tls_ocsf(o, t);
	if (t && t->client_hello && o->minor >= 3)
		ja4_list(w, t);
	if (local[0].side >= 0 && local[0].has_proc)
		actor(w, &local[0]);
	app_name(o, app);
	flow_unmapped(o, rep, c, e, tls_in);
	jw_obj_close(w);
	done(o, NT_REC_OCSF_NETWORK);
}

/* ---- DNS Activity -------------------------------------------------------- */

/* query.*: the question, the message id, the opcode */
static void dns_query(struct nt_ocsf *o, const struct nt_dns_txn *t, const struct dns_msg *a)
{
	static const char *const opcodes[] = { "Query",	 "Inverse Query", "Status",	"Reserved",
					       "Notify", "Update",	  "DSO Message" };
	struct jw *w = &o->w;
	uint8_t op = a ? a->opcode : t->q_opcode;
	char b[16], hb[256];

	jw_obj_open(w, "query"); /* query.* */
	const char *name = t->qname[0] ? t->qname : ".", *fit = hostname_fit(o, name, hb);

	jw_str(w, "hostname", fit ? fit : name);
	jw_str(w, "type", nt_dns_type_text(t->qtype, b));
	jw_str(w, "class", nt_dns_class_text(t->qclass, b));
	jw_u64(w, "packet_uid", t->id);
	if (op < sizeof(opcodes) / sizeof(opcodes[0])) {
		jw_u64(w, "opcode_id", op);
		jw_str(w, "opcode", opcodes[op]);
	} else {
		if (o->minor >= 8)
			jw_u64(w, "opcode_id", 99);
		jw_str(w, "opcode", nt_dns_opcode_text(op, b));
	}
	jw_obj_close(w);
}

/* answers[].*: every answer record, with the message's id and flags */
static void dns_answers(struct jw *w, const struct dns_msg *a)
{
	static const uint16_t bits[] = {
		DNS_F_AA, DNS_F_TC, DNS_F_RD, DNS_F_RA, DNS_F_AD, DNS_F_CD
	}; /* ids 1 to 6 */
	char b[16];

	jw_arr_open(w, "answers");
	for (int i = 0; i < a->n_answers; i++) {
		const struct dns_rr *rr = &a->answers[i];

		jw_obj_open(w, NULL); /* answers[].* */
		jw_str(w, "rdata", rr->data);
		jw_str(w, "type", nt_dns_type_text(rr->type, b));
		jw_str(w, "class", nt_dns_class_text(rr->class, b));
		jw_u64(w, "ttl", rr->ttl);
		jw_u64(w, "packet_uid", a->id);
		jw_arr_open(w, "flag_ids");
		for (size_t f = 0; f < sizeof(bits) / sizeof(bits[0]); f++)
			if (a->flags & bits[f])
				jw_u64(w, NULL, f + 1);
		jw_arr_close(w);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* rcode_id and rcode, OCSF's captions (99 Other for the rest) */
static void dns_rcode(struct jw *w, uint8_t rc)
{
	static const char *const names[24] = {
		"NoError",
		"FormError",
		"ServError",
		"NXDomain",
		"NotImp",
		"Refused",
		"YXDomain",
		"YXRRSet",
		"NXRRSet",
		"NotAuth",
		"NotZone",
		"DSOTYPENI",
		[16] = "BADSIG_VERS",
		"BADKEY",
		"BADTIME",
		"BADMODE",
		"BADNAME",
		"BADALG",
		"BADTRUNC",
		"BADCOOKIE",
	};
	int known = rc < 24 && names[rc];

	jw_u64(w, "rcode_id", known ? rc : 99);
	jw_str(w, "rcode", known ? names[rc] : "Other");
}

/* unmapped.* of a DNS record */
static void dns_unmapped(struct nt_ocsf *o, const struct nt_dns_txn *t, const struct ocsf_end e[2],
			 const struct dns_msg *a, const struct nt_nat *nat)
{
	struct nt_recorder *r = o->base;
	struct jw *w = &o->w;
	const char *qname = t->qname[0] ? t->qname : ".";
	char buf[256];

	jw_obj_open(w, "unmapped"); /* unmapped.* */
	if (hostname_fit(o, qname, buf)) {
		jw_obj_open(w, "query"); /* unmapped.query.*: the exact name */
		jw_str(w, "hostname", qname);
		jw_obj_close(w);
	}
	unmapped_ends(o, e);
	nat_unmapped(w, nat, t->key.ip_version);
	nt_cluster_obj(w, r->cluster); /* unmapped.orchestrator.cluster.* */
	jw_obj_open(w, "nettrail");    /* unmapped.nettrail.* */
	if (!a)
		jw_bool(w, "unanswered", 1);
	else if (a->answers_truncated)
		jw_bool(w, "answers_truncated", 1);
	jw_str(w, "hook", r->hook_name);
	jw_obj_close(w);
	jw_obj_close(w);
}

/* query_time, response_time, start/end and the latency in ms */
static void dns_times(struct jw *w, const struct nt_dns_txn *t, uint64_t start, uint64_t end)
{
	uint64_t first = t->has_query ? start : end, last = t->has_answer ? end : start;

	jw_u64(w, "start_time", first / MS);
	jw_time(w, "start_time_dt", first);
	jw_u64(w, "end_time", last / MS);
	jw_time(w, "end_time_dt", last);
	if (t->has_query) {
		jw_u64(w, "query_time", start / MS);
		jw_time(w, "query_time_dt", start);
	}
	if (t->has_answer) {
		jw_u64(w, "response_time", end / MS);
		jw_time(w, "response_time_dt", end);
	}
	if (t->has_query && t->has_answer)
		jw_u64(w, "duration", end / MS - start / MS);
}

void nt_ocsf_dns_ctx(struct nt_ocsf *o, const struct nt_dns_txn *t, const struct nt_rec_ctx *c)
{
	struct jw *w = &o->w;
	const struct nt_flow_key *k = &t->key;
	const struct dns_msg *a = t->has_answer ? t->answer : NULL;
	unsigned act = t->has_query && t->has_answer ? 6 : t->has_query ? 1 : 2;
	struct ocsf_end e[2];
	uint8_t via[16];

	ends_of(o, k, c, 1, e, via);
	head(o, &dns_activity, act,
	     act == 6 ? "Traffic" :
	     act == 1 ? "Query" :
			"Response",
	     a ? (a->rcode ? 2 : 1) : 0, t->has_answer ? c->end : c->start);
	dns_times(w, t, c->start, c->end);
	metadata(o, &dns_activity, NULL, t->ifindex);
	endpoint(o, "src_endpoint", &e[0]);
	endpoint(o, "dst_endpoint", &e[1]);
	connection_info(o, k, c->direction);
	jw_obj_close(w); /* connection_info */
	dns_query(o, t, a);
	if (a && a->n_answers)
		dns_answers(w, a);
	if (a)
		dns_rcode(w, a->rcode);
	app_name(o, "dns");
	dns_unmapped(o, t, e, a, c->nat);
	jw_obj_close(w);
	done(o, NT_REC_OCSF_DNS);
}

/* ---- the fan-out ----------------------------------------------------------- */

/* One context per report, resolved with the recorder's settings (the OCSF
 * encoder's base is that recorder), handed to each encoder. */
void nt_encoders_flow(void *ctx, const struct nt_flow_report *rep)
{
	struct nt_encoders *e = ctx;
	struct nt_recorder *r = e->ecs ? e->ecs : e->ocsf->base;
	struct nt_rec_ctx c;

	nt_rec_ctx_flow(&c, r, rep);
	if (e->ocsf)
		nt_ocsf_flow_ctx(e->ocsf, rep, &c);
	if (e->ecs)
		nt_record_flow_ctx(e->ecs, rep, &c);
	nt_record_forget(r, rep); /* the local ends, after the final report */
}

void nt_encoders_dns(void *ctx, const struct nt_dns_txn *t)
{
	struct nt_encoders *e = ctx;
	struct nt_rec_ctx c;

	nt_rec_ctx_dns(&c, e->ecs ? e->ecs : e->ocsf->base, t);
	if (e->ocsf)
		nt_ocsf_dns_ctx(e->ocsf, t, &c);
	if (e->ecs)
		nt_record_dns_ctx(e->ecs, t, &c);
}
