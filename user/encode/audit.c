// SPDX-License-Identifier: BSD-2-Clause
/*
 * audit.c - the capture audit record (audit.h): one per capture taken or
 * refused, so a SOC sees every capture of the cluster's traffic.
 */
#include "audit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "json.h"
#include "record.h"

static void selectors(struct jw *w, const struct nt_capreq *q)
{
	char v[1200];

	jw_obj_open(w, "selector"); /* nettrail.capture.selector.* */
	if (q->n_pods) {
		jw_arr_open(w, "pods");
		for (unsigned i = 0; i < q->n_pods; i++) {
			snprintf(v, sizeof(v), "%s/%s", q->pods[i].ns, q->pods[i].name);
			jw_str(w, NULL, v);
		}
		jw_arr_close(w);
	}
	if (q->n_sels) {
		jw_arr_open(w, "label_selectors");
		for (unsigned i = 0; i < q->n_sels; i++) {
			size_t k = (size_t)snprintf(v, sizeof(v), "%s:", q->sels[i].ns);

			for (unsigned j = 0; j < q->sels[i].nlabels && k < sizeof(v); j++)
				k += (size_t)snprintf(v + k, sizeof(v) - k, "%s%s=%s", j ? "," : "",
						      q->sels[i].labels[j][0],
						      q->sels[i].labels[j][1]);
			jw_str(w, NULL, v);
		}
		jw_arr_close(w);
	}
	if (q->n_ips) {
		jw_arr_open(w, "ips");
		for (unsigned i = 0; i < q->n_ips; i++) {
			nt_cidr_fmt(&q->ips[i], v, sizeof(v));
			jw_str(w, NULL, v);
		}
		jw_arr_close(w);
	}
	if (q->n_flows) {
		jw_arr_open(w, "community_ids");
		for (unsigned i = 0; i < q->n_flows; i++)
			jw_str(w, NULL, q->flows[i]);
		jw_arr_close(w);
	}
	if (q->n_ifaces) {
		jw_arr_open(w, "interfaces");
		for (unsigned i = 0; i < q->n_ifaces; i++)
			jw_str(w, NULL, q->ifaces[i]);
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

static void limits(struct jw *w, const struct nt_capreq *q)
{
	jw_obj_open(w, "limits"); /* nettrail.capture.limits.* */
	jw_u64(w, "duration_s", q->duration);
	if (q->packets)
		jw_u64(w, "packets", q->packets);
	jw_u64(w, "bytes", q->bytes);
	jw_u64(w, "snaplen", q->snaplen);
	jw_obj_close(w);
}

void nt_record_capture(void *ctx, const struct nt_capture_audit *a)
{
	struct nt_recorder *r = ctx;
	struct jw *w = &r->w;

	r->rec_start = w->len;
	r->cur_type = NT_REC_HEARTBEAT;
	snprintf(r->cur_key, sizeof(r->cur_key), "%s", r->node);
	jw_obj_open(w, NULL);
	jw_time(w, "@timestamp", a->end_unix_ns);
	jw_obj_open(w, "event"); /* event.* */
	jw_str(w, "kind", "event");
	jw_str(w, "dataset", "nettrail.capture");
	jw_str(w, "module", "nettrail");
	jw_str(w, "action", "packet-capture");
	jw_str(w, "outcome", a->error ? "failure" : "success");
	jw_time(w, "start", a->start_unix_ns);
	jw_time(w, "end", a->end_unix_ns);
	jw_u64(w, "duration", a->end_unix_ns - a->start_unix_ns);
	if (a->error)
		jw_str(w, "reason", a->error);
	jw_obj_close(w);
	nt_record_observer(r);
	jw_obj_open(w, "user"); /* user.*: the client (SO_PEERCRED) */
	char uid[24];
	snprintf(uid, sizeof(uid), "%u", a->uid);
	jw_str(w, "id", uid);
	jw_obj_close(w);
	jw_obj_open(w, "process"); /* process.*: the client */
	jw_i64(w, "pid", a->pid);
	jw_obj_close(w);
	nt_record_nettrail_head(r);
	jw_obj_open(w, "capture"); /* nettrail.capture.* */
	selectors(w, a->req);
	if (a->req->filter[0])
		jw_str(w, "filter", a->req->filter);
	limits(w, a->req);
	jw_u64(w, "packets", a->packets);
	jw_u64(w, "bytes", a->bytes);
	jw_u64(w, "dropped", a->dropped);
	jw_u64(w, "filtered", a->filtered);
	jw_str(w, "end_reason", a->end_reason);
	jw_obj_close(w);
	jw_obj_close(w); /* nettrail */
	jw_obj_close(w);
	nt_record_done(r);
}
