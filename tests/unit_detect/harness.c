// SPDX-License-Identifier: BSD-2-Clause
/* harness.c - see harness.h. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

void h_init(struct harness *h, struct dt_config *cfg)
{
	struct dt_config def;

	memset(h, 0, sizeof(*h));
	if (!cfg) {
		dt_config_defaults(&def);
		cfg = &def;
	}
	h->out.f = open_memstream(&h->buf, &h->len);
	cr_assert(h->out.f);
	dt_detector_init(&h->d, cfg, &h->out);
}

void h_set(struct harness *h, const char *key, const char *value)
{
	char err[256];

	cr_assert_eq(dt_config_set(&h->d.cfg, key, value, err, sizeof(err)), 0, "%s", err);
	h->d.store.cap = h->d.cfg.memory_cap_bytes;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_time(struct json_object *o, const char *k, dt_time t)
{
	char b[28];

	dt_time_format(t, b);
	add_str(o, k, b);
}

static struct json_object *end_obj(const char *ip, int port, long bytes, long packets,
				   const char *domain, const char *k8s)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "ip", ip);
	json_object_object_add(o, "port", json_object_new_int(port));
	json_object_object_add(o, "bytes", json_object_new_int64(bytes));
	json_object_object_add(o, "packets", json_object_new_int64(packets));
	add_str(o, "domain", domain);
	if (k8s)
		json_object_object_add(o, "kubernetes", json_tokener_parse(k8s));
	return o;
}

static struct json_object *flags(bool psh)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("SYN"));
	if (psh)
		json_object_array_add(a, json_object_new_string("PSH"));
	return a;
}

static struct json_object *nettrail_obj(struct harness *h, const struct flow_spec *s,
					const char *transport)
{
	struct json_object *nt = json_object_new_object();
	struct json_object *flow = json_object_new_object();
	char rid[64], fid[32];

	snprintf(rid, sizeof(rid), "rid-%d", h->seq);
	snprintf(fid, sizeof(fid), "%016x", h->seq);
	add_str(nt, "schema_version", "1.0.0");
	add_str(nt, "record_id", s->rid ? s->rid : rid);
	add_str(flow, "id", s->flow_id ? s->flow_id : fid);
	add_time(flow, "start", s->start);
	json_object_object_add(flow, "report_seq",
			       json_object_new_int(s->report_seq ? s->report_seq : 1));
	add_str(flow, "end_reason", s->end_reason ? s->end_reason : "tcp_close");
	json_object_object_add(nt, "flow", flow);
	if (!strcmp(transport, "tcp")) {
		struct json_object *tcp = json_object_new_object();
		struct json_object *f = json_object_new_object();

		add_str(tcp, "conn_state", s->conn_state ? s->conn_state : "SF");
		json_object_object_add(f, "source", flags(s->psh));
		json_object_object_add(f, "destination", flags(s->psh));
		json_object_object_add(tcp, "flags", f);
		json_object_object_add(nt, "tcp", tcp);
	}
	return nt;
}

char *h_flow_line(struct harness *h, const struct flow_spec *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ev = json_object_new_object();
	struct json_object *net = json_object_new_object();
	struct json_object *obs = json_object_new_object();
	const char *transport = s->transport ? s->transport : "tcp";
	dt_time end = s->end ? s->end : s->start + DT_SEC;
	long dpk = s->dst_packets < 0 ? 0 : s->dst_packets ? s->dst_packets : 1;
	char *line;

	h->seq++;
	add_time(o, "@timestamp", end);
	add_str(ev, "kind", "event");
	add_str(ev, "dataset", "nettrail.flow");
	add_time(ev, "start", s->start);
	add_time(ev, "end", end);
	json_object_object_add(o, "event", ev);
	json_object_object_add(o, "source",
			       end_obj(s->src, s->sport ? s->sport : 40000,
				       s->src_bytes ? s->src_bytes : 120, 2, NULL, s->src_k8s));
	json_object_object_add(o, "destination",
			       end_obj(s->dst, s->dport ? s->dport : 80, 60 * dpk, dpk,
				       s->dst_domain, s->dst_k8s));
	if (s->dst_registered)
		add_str(json_object_object_get(o, "destination"), "registered_domain",
			s->dst_registered);
	add_str(net, "transport", transport);
	add_str(net, "direction", s->direction ? s->direction : "internal");
	add_str(net, "protocol", s->protocol);
	json_object_object_add(o, "network", net);
	if (s->sni) {
		struct json_object *tls = json_object_new_object(), *cl = json_object_new_object();

		add_str(cl, "server_name", s->sni);
		json_object_object_add(tls, "client", cl);
		json_object_object_add(o, "tls", tls);
	}
	add_str(obs, "hostname", s->host ? s->host : "node-a");
	json_object_object_add(o, "observer", obs);
	json_object_object_add(o, "nettrail", nettrail_obj(h, s, transport));
	line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return line;
}

void h_flow(struct harness *h, const struct flow_spec *s)
{
	char *line = h_flow_line(h, s);

	h_line(h, line);
	free(line);
}

void h_line(struct harness *h, const char *line)
{
	dt_detector_line(&h->d, line, strlen(line));
}

/* The common head of a record: @timestamp, event, observer, nettrail.record_id. */
static struct json_object *head(struct harness *h, const char *dataset, dt_time t, const char *host,
				const char *rid, struct json_object **nt)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ev = json_object_new_object();
	struct json_object *obs = json_object_new_object();
	char id[64];

	h->seq++;
	snprintf(id, sizeof(id), "rid-%d", h->seq);
	add_time(o, "@timestamp", t);
	add_str(ev, "dataset", dataset);
	json_object_object_add(o, "event", ev);
	add_str(obs, "hostname", host ? host : "node-a");
	json_object_object_add(o, "observer", obs);
	*nt = json_object_new_object();
	add_str(*nt, "record_id", rid ? rid : id);
	json_object_object_add(o, "nettrail", *nt);
	return o;
}

static void put_line(struct harness *h, struct json_object *o)
{
	h_line(h, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

void h_dns(struct harness *h, const struct dns_spec *s)
{
	struct json_object *nt, *o = head(h, "nettrail.dns", s->t, NULL, s->rid, &nt);
	struct json_object *dns = json_object_new_object(), *q = json_object_new_object();
	size_t n = strlen(s->qname), rn = s->registered ? strlen(s->registered) : 0;

	json_object_object_add(
		o, "source",
		end_obj(s->client ? s->client : "10.1.0.5", 40000, 80, 1, NULL, s->src_k8s));
	json_object_object_add(o, "destination", end_obj("10.96.0.10", 53, 120, 1, NULL, NULL));
	add_str(q, "name", s->qname);
	add_str(q, "type", s->qtype ? s->qtype : "A");
	add_str(q, "registered_domain", s->registered);
	if (rn && n > rn + 1) {
		char sub[256];

		snprintf(sub, sizeof(sub), "%.*s", (int)(n - rn - 1), s->qname);
		add_str(q, "subdomain", sub);
	}
	json_object_object_add(dns, "question", q);
	json_object_object_add(o, "dns", dns);
	put_line(h, o);
}

void h_heartbeat(struct harness *h, const struct hb_spec *s)
{
	struct json_object *nt, *o = head(h, "nettrail.heartbeat", s->t, s->host, s->rid, &nt);
	struct json_object *hb = json_object_new_object();

	json_object_object_add(hb, "interval_s",
			       json_object_new_int(s->interval_s ? s->interval_s : 30));
	json_object_object_add(
		hb, "uptime_s",
		json_object_new_int64(s->uptime_s ? s->uptime_s : (s->t - T0) / DT_SEC));
	json_object_object_add(hb, "interfaces",
			       json_tokener_parse(s->interfaces ? s->interfaces : "[\"eth0\"]"));
	json_object_object_add(hb, "counters",
			       json_tokener_parse(s->counters ? s->counters : "{}"));
	json_object_object_add(nt, "heartbeat", hb);
	put_line(h, o);
}

void h_finish(struct harness *h)
{
	dt_detector_finish(&h->d);
}

/* Every line written so far, parsed, with a filter on a dotted path's value. */
static int lines_where(struct harness *h, const char *path, const char *value,
		       struct json_object **v, int max)
{
	int n = 0;
	char *copy, *save = NULL;

	fflush(h->out.f);
	copy = strndup(h->buf ? h->buf : "", h->len);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(l);
		const char *got;

		cr_assert(o, "output line is not JSON: %s", l);
		got = dt_jstr(o, path);
		if (got && (!value || !strcmp(got, value)) && n < max)
			v[n++] = o;
		else
			json_object_put(o);
	}
	free(copy);
	return n;
}

int h_alerts(struct harness *h, const char *rule, struct json_object **v, int max)
{
	return lines_where(h, "rule.name", rule, v, max);
}

long long h_counter(struct harness *h, const char *name)
{
	struct json_object *hb[1];
	char path[128];
	long long val;

	cr_assert_eq(lines_where(h, "event.dataset", "nettrail.detect.heartbeat", hb, 1), 1);
	snprintf(path, sizeof(path), "nettrail.detect.counters.%s", name);
	struct json_object *c = dt_jpath(hb[0], path);
	cr_assert(c, "no counter %s", name);
	val = json_object_get_int64(c);
	json_object_put(hb[0]);
	return val;
}

void h_put(struct json_object **v, int n)
{
	for (int i = 0; i < n; i++)
		json_object_put(v[i]);
}

const char *h_str(struct json_object *a, const char *path)
{
	return dt_jstr(a, path);
}

void h_free(struct harness *h)
{
	dt_detector_free(&h->d);
	fclose(h->out.f);
	free(h->buf);
}
