// SPDX-License-Identifier: BSD-2-Clause
/* port_scan and address_scan: thresholds, windows, suppression, evidence, identities. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define SCANNER_K8S "{\"namespace\":\"ci\",\"pod\":{\"name\":\"runner-1\",\"uid\":\"u-1\"}}"
#define VICTIM_K8S  "{\"namespace\":\"shop\",\"pod\":{\"name\":\"db-0\",\"uid\":\"u-2\"}}"

/* n failed attempts from one source to n ports of one host, spaced step apart */
static void ports(struct harness *h, int n, dt_time t0, dt_time step, const char *state)
{
	for (int i = 0; i < n; i++) {
		struct flow_spec s = { .src = "10.1.0.5",
				       .dst = "10.2.0.9",
				       .dport = 1000 + i,
				       .conn_state = state,
				       .start = t0 + i * step,
				       .src_k8s = SCANNER_K8S,
				       .dst_k8s = VICTIM_K8S };

		h_flow(h, &s);
	}
}

/* n failed attempts from src to n hosts on one port */
static void hosts(struct harness *h, const char *src, const char *dir, int n, dt_time t0,
		  dt_time step)
{
	for (int i = 0; i < n; i++) {
		char dst[32];
		struct flow_spec s = { .src = src,
				       .dst = dst,
				       .dport = 22,
				       .conn_state = "S0",
				       .direction = dir,
				       .start = t0 + i * step };

		snprintf(dst, sizeof(dst), "192.0.2.%d", i + 1);
		h_flow(h, &s);
	}
}

static int count(struct harness *h, const char *rule)
{
	struct json_object *v[64];
	int n = h_alerts(h, rule, v, 64);

	h_put(v, n);
	return n;
}

Test(port_scan, fourteen_ports_no_alert)
{
	struct harness h;

	h_init(&h, NULL);
	ports(&h, 14, T0, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 0);
	h_free(&h);
}

Test(port_scan, fifteen_ports_alert)
{
	struct harness h;

	h_init(&h, NULL);
	ports(&h, 15, T0, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 1);
	h_free(&h);
}

/* 15 attempts spread over 4:59 are inside the 5-minute window, over 5:01 not */
Test(port_scan, window_4m59_alerts)
{
	struct harness h;

	h_init(&h, NULL);
	ports(&h, 15, T0, 299 * DT_SEC / 14, "S0");
	cr_expect_eq(count(&h, "port_scan"), 1);
	h_free(&h);
}

Test(port_scan, window_5m01_no_alert)
{
	struct harness h;

	h_init(&h, NULL);
	ports(&h, 15, T0, 301 * DT_SEC / 14, "S0");
	cr_expect_eq(count(&h, "port_scan"), 0);
	h_free(&h);
}

Test(port_scan, alert_document)
{
	struct harness h;
	struct json_object *a[2];

	h_init(&h, NULL);
	ports(&h, 15, T0, DT_SEC, "S0");
	cr_assert_eq(h_alerts(&h, "port_scan", a, 2), 1);
	cr_expect_str_eq(h_str(a[0], "event.kind"), "alert");
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0001");
	cr_expect_str_eq(h_str(a[0], "threat.framework"), "MITRE ATT&CK");
	struct json_object *tid = dt_jpath(a[0], "threat.technique.id");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(tid, 0)), "T1046");
	cr_expect_str_eq(h_str(a[0], "source.ip"), "10.1.0.5");
	cr_expect_str_eq(h_str(a[0], "destination.ip"), "10.2.0.9");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.pod.name"), "runner-1");
	cr_expect_str_eq(h_str(a[0], "destination.kubernetes.namespace"), "shop");
	cr_expect_str_eq(h_str(a[0], "observer.hostname"), "node-a");
	cr_expect_str_eq(h_str(a[0], "event.start"), "2026-11-23T09:40:00.000000Z");
	cr_expect_str_eq(h_str(a[0], "event.end"), "2026-11-23T09:40:15.000000Z");
	struct json_object *ev = dt_jpath(a[0], "nettrail.alert.evidence");
	cr_assert_eq(json_object_array_length(ev), 15);
	for (int i = 0; i < 15; i++) {
		char want[16];

		snprintf(want, sizeof(want), "rid-%d", i + 1);
		cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(ev, i)), want);
	}
	struct json_object *rel = dt_jpath(a[0], "related.ip");
	cr_expect_eq(json_object_array_length(rel), 2);
	h_put(a, 1);
	h_free(&h);
}

/* the conn_states that are failed attempts, and those that are not */
Test(port_scan, failed_states)
{
	const char *failed[] = { "S0", "REJ", "RSTOS0" };
	const char *ok[] = { "SF", "S1", "RSTO", "OTH", "SH" };

	for (size_t i = 0; i < 3; i++) {
		struct harness h;

		h_init(&h, NULL);
		ports(&h, 15, T0, DT_SEC, failed[i]);
		cr_expect_eq(count(&h, "port_scan"), 1, "%s", failed[i]);
		h_free(&h);
	}
	for (size_t i = 0; i < 5; i++) {
		struct harness h;

		h_init(&h, NULL);
		ports(&h, 20, T0, DT_SEC, ok[i]);
		cr_expect_eq(count(&h, "port_scan"), 0, "%s", ok[i]);
		h_free(&h);
	}
}

/* RSTR counts only without data (no PSH either way) */
Test(port_scan, rstr_with_and_without_data)
{
	struct dt_record r = { .transport = "tcp", .conn_state = "RSTR", .report_seq = 1 };

	cr_expect(dt_failed_attempt(&r));
	r.src.psh = true;
	cr_expect_not(dt_failed_attempt(&r));
	r.src.psh = false;
	r.dst.psh = true;
	cr_expect_not(dt_failed_attempt(&r));
}

/* UDP: no reply in a flow's first report is a failed attempt */
Test(port_scan, udp_no_reply)
{
	struct harness h;

	h_init(&h, NULL);
	for (int i = 0; i < 15; i++) {
		struct flow_spec s = { .src = "10.1.0.5",
				       .dst = "10.2.0.9",
				       .transport = "udp",
				       .dport = 5000 + i,
				       .dst_packets = -1,
				       .start = T0 + i * DT_SEC };

		h_flow(&h, &s);
	}
	for (int i = 0; i < 15; i++) {
		struct flow_spec s = { .src = "10.1.0.6",
				       .dst = "10.2.0.9",
				       .transport = "udp",
				       .dport = 5000 + i,
				       .start = T0 + i * DT_SEC };

		h_flow(&h, &s); /* answered */
	}
	cr_expect_eq(count(&h, "port_scan"), 1);
	h_free(&h);
}

/* once per key per window: a second sweep inside the suppression window is counted only */
Test(port_scan, suppression)
{
	struct harness h;

	h_init(&h, NULL);
	ports(&h, 15, T0, DT_SEC, "REJ");
	ports(&h, 15, T0 + 60 * DT_SEC, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 1);
	ports(&h, 15, T0 + 400 * DT_SEC, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 2);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "alerts_suppressed"), 1);
	h_free(&h);
}

Test(port_scan, allow_sources)
{
	struct harness h;

	h_init(&h, NULL);
	h_set(&h, "scan.allow_sources", "10.1.0.0/24, fd00::/8");
	ports(&h, 20, T0, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 0);
	h_free(&h);
}

Test(port_scan, allow_namespaces)
{
	struct harness h;

	h_init(&h, NULL);
	h_set(&h, "scan.allow_namespaces", "ci");
	ports(&h, 20, T0, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 0);
	h_free(&h);
}

Test(port_scan, configured_threshold)
{
	struct harness h;

	h_init(&h, NULL);
	h_set(&h, "port_scan.threshold", "5");
	ports(&h, 5, T0, DT_SEC, "REJ");
	cr_expect_eq(count(&h, "port_scan"), 1);
	h_free(&h);
}

/* remote scanner (inbound): 24 hosts no alert, 25 alert */
Test(address_scan, remote_24_25)
{
	struct harness h;

	h_init(&h, NULL);
	hosts(&h, "198.51.100.7", "inbound", 24, T0, DT_SEC);
	cr_expect_eq(count(&h, "address_scan"), 0);
	h_free(&h);
	h_init(&h, NULL);
	hosts(&h, "198.51.100.7", "inbound", 25, T0, DT_SEC);
	cr_expect_eq(count(&h, "address_scan"), 1);
	h_free(&h);
}

/* local scanner (a pod: outbound): 249 no alert, 250 alert (bro-simple-scan) */
Test(address_scan, local_249_250)
{
	struct harness h;

	h_init(&h, NULL);
	hosts(&h, "10.1.0.5", "outbound", 249, T0, DT_SEC / 2);
	cr_expect_eq(count(&h, "address_scan"), 0);
	h_free(&h);
	h_init(&h, NULL);
	hosts(&h, "10.1.0.5", "outbound", 250, T0, DT_SEC / 2);
	cr_expect_eq(count(&h, "address_scan"), 1);
	h_free(&h);
}

/* evidence: the 20 most recent of the 25 attempts; related: scanner and those victims */
Test(address_scan, evidence_capped_at_20)
{
	struct harness h;
	struct json_object *a[2];

	h_init(&h, NULL);
	hosts(&h, "198.51.100.7", "inbound", 25, T0, DT_SEC);
	cr_assert_eq(h_alerts(&h, "address_scan", a, 2), 1);
	struct json_object *ev = dt_jpath(a[0], "nettrail.alert.evidence");
	cr_assert_eq(json_object_array_length(ev), 20);
	for (int i = 0; i < 20; i++) {
		char want[16];

		snprintf(want, sizeof(want), "rid-%d", i + 6);
		cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(ev, i)), want);
	}
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.evidence_count")), 25);
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "destination.port")), 22);
	cr_expect_eq(json_object_array_length(dt_jpath(a[0], "related.ip")), 21);
	cr_expect_str_eq(h_str(a[0], "event.start"), "2026-11-23T09:40:00.000000Z");
	h_put(a, 1);
	h_free(&h);
}

Test(address_scan, window)
{
	struct harness h;

	h_init(&h, NULL);
	hosts(&h, "198.51.100.7", "inbound", 25, T0, 301 * DT_SEC / 24);
	cr_expect_eq(count(&h, "address_scan"), 0);
	h_free(&h);
	h_init(&h, NULL);
	hosts(&h, "198.51.100.7", "inbound", 25, T0, 299 * DT_SEC / 24);
	cr_expect_eq(count(&h, "address_scan"), 1);
	h_free(&h);
}

Test(address_scan, local_networks)
{
	struct harness h;

	h_init(&h, NULL);
	h_set(&h, "scan.local_networks", "198.51.100.0/24");
	hosts(&h, "198.51.100.7", "inbound", 30, T0, DT_SEC);
	cr_expect_eq(count(&h, "address_scan"), 0);
	h_free(&h);
}
