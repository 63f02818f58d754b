// SPDX-License-Identifier: BSD-2-Clause
/* remote_access_in_container, crypto_mining, long_connection. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define POD_K8S                                                                   \
	"{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-7d9\",\"uid\":\"u-9\"}," \
	"\"labels\":{\"app\":\"web\"},\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"}}"
#define SYS_K8S	 "{\"namespace\":\"kube-system\",\"pod\":{\"name\":\"debug\",\"uid\":\"u-3\"}}"
#define NODE_K8S "{\"node\":{\"name\":\"node-b\"}}"

static int alerts(struct harness *h, const char *rule, struct json_object **v)
{
	return h_alerts(h, rule, v, 8);
}

static const char *first_str(struct json_object *a, const char *path)
{
	struct json_object *v = dt_jpath(a, path);

	return v ? json_object_get_string(json_object_array_get_idx(v, 0)) : NULL;
}

Test(remote_access, ssh_into_pod)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "203.0.113.4",
			       .dst = "10.2.0.7",
			       .dport = 2222,
			       .protocol = "ssh",
			       .direction = "inbound",
			       .start = T0,
			       .dst_k8s = POD_K8S,
			       .rid = "ssh-1",
			       .host = "node-c" };

	h_init(&h, NULL);
	h_flow(&h, &s);
	cr_assert_eq(alerts(&h, "remote_access_in_container", a), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0003");
	cr_expect_str_eq(first_str(a[0], "threat.technique.id"), "T1021");
	cr_expect_str_eq(first_str(a[0], "threat.technique.subtechnique.id"), "T1021.004");
	cr_expect_str_eq(first_str(a[0], "threat.technique.subtechnique.name"), "SSH");
	cr_expect_str_eq(first_str(a[0], "event.category"), "intrusion_detection");
	cr_expect_str_eq(h_str(a[0], "destination.kubernetes.workload.name"), "web");
	cr_expect_str_eq(h_str(a[0], "destination.kubernetes.labels.app"), "web");
	cr_expect_null(dt_jpath(a[0], "source.kubernetes"));
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "destination.port")), 2222);
	cr_expect_str_eq(h_str(a[0], "network.protocol"), "ssh");
	cr_expect_str_eq(h_str(a[0], "observer.hostname"), "node-c");
	cr_expect_str_eq(first_str(a[0], "nettrail.alert.evidence"), "ssh-1");
	cr_expect_str_eq(first_str(a[0], "related.ip"), "203.0.113.4");
	cr_expect_str_eq(h_str(a[0], "@timestamp"), "2026-11-23T09:40:01.000000Z");
	h_put(a, 1);
	h_free(&h);
}

Test(remote_access, rdp_vnc_from_pod)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "10.2.0.7",
			       .dst = "198.51.100.1",
			       .dport = 3389,
			       .protocol = "rdp",
			       .start = T0,
			       .src_k8s = POD_K8S };

	h_init(&h, NULL);
	h_flow(&h, &s);
	s.protocol = "vnc";
	s.dport = 5900;
	h_flow(&h, &s);
	cr_assert_eq(alerts(&h, "remote_access_in_container", a), 2);
	cr_expect_str_eq(first_str(a[0], "threat.technique.subtechnique.id"), "T1021.001");
	cr_expect_str_eq(first_str(a[1], "threat.technique.subtechnique.id"), "T1021.005");
	cr_expect_str_eq(h_str(a[1], "source.kubernetes.pod.name"), "web-7d9");
	h_put(a, 2);
	h_free(&h);
}

Test(remote_access, not_a_pod)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = {
		.src = "10.0.0.1", .dst = "10.0.0.2", .protocol = "ssh", .start = T0
	};

	h_init(&h, NULL);
	h_flow(&h, &s); /* no identity */
	s.dst_k8s = NODE_K8S;
	h_flow(&h, &s); /* a node, not a pod */
	s.protocol = "http";
	s.dst_k8s = POD_K8S;
	h_flow(&h, &s); /* not remote access */
	cr_expect_eq(alerts(&h, "remote_access_in_container", a), 0);
	h_free(&h);
	h_init(&h, NULL);
	h_set(&h, "remote_access.include_nodes", "true");
	s.protocol = "ssh";
	s.dst_k8s = NODE_K8S;
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "remote_access_in_container", a), 1);
	h_put(a, 1);
	h_free(&h);
}

Test(remote_access, allow_namespaces)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "10.0.0.1",
			       .dst = "10.0.0.2",
			       .protocol = "ssh",
			       .start = T0,
			       .dst_k8s = SYS_K8S };

	h_init(&h, NULL);
	h_set(&h, "remote_access.allow_namespaces", "kube-system");
	h_flow(&h, &s);
	s.dst_k8s = POD_K8S;
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "remote_access_in_container", a), 1);
	h_put(a, 1);
	h_free(&h);
}

/* the same session's reports and reconnects within the hour: one alert */
Test(remote_access, suppression)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "10.0.0.1",
			       .dst = "10.0.0.2",
			       .protocol = "ssh",
			       .start = T0,
			       .dst_k8s = POD_K8S };

	h_init(&h, NULL);
	for (int i = 0; i < 5; i++) {
		s.start = T0 + i * 600 * DT_SEC;
		h_flow(&h, &s);
	}
	cr_expect_eq(alerts(&h, "remote_access_in_container", a), 1);
	h_put(a, 1);
	s.start = T0 + 3700 * DT_SEC;
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "remote_access_in_container", a), 2);
	h_put(a, 2);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "alerts_suppressed"), 4);
	h_free(&h);
}

Test(crypto_mining, stratum_any_port)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "10.2.0.7",
			       .dst = "198.51.100.20",
			       .dport = 443,
			       .protocol = "stratum",
			       .direction = "outbound",
			       .start = T0,
			       .src_k8s = POD_K8S };

	h_init(&h, NULL);
	h_flow(&h, &s);
	s.protocol = "tls";
	s.dst = "198.51.100.21";
	h_flow(&h, &s);
	cr_assert_eq(alerts(&h, "crypto_mining", a), 1);
	cr_expect_str_eq(first_str(a[0], "threat.technique.id"), "T1496");
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0004");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.namespace"), "shop");
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "destination.port")), 443);
	h_put(a, 1);
	h_free(&h);
}

Test(crypto_mining, allow_namespaces)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = { .src = "10.2.0.7",
			       .dst = "198.51.100.20",
			       .protocol = "stratum",
			       .start = T0,
			       .src_k8s = POD_K8S };

	h_init(&h, NULL);
	h_set(&h, "crypto_mining.allow_namespaces", "shop");
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "crypto_mining", a), 0);
	h_free(&h);
}

static struct flow_spec long_flow(dt_time open_for, const char *reason)
{
	struct flow_spec s = { .src = "10.2.0.7",
			       .dst = "198.51.100.30",
			       .dport = 443,
			       .direction = "outbound",
			       .start = T0,
			       .end = T0 + open_for,
			       .end_reason = reason,
			       .report_seq = 7,
			       .flow_id = "00000000000000aa",
			       .src_k8s = POD_K8S };
	return s;
}

/* 59:59 open: nothing; 1:00:00: an alert from the active report */
Test(long_connection, boundary)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = long_flow(3599 * DT_SEC, "active");

	h_init(&h, NULL);
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "long_connection", a), 0);
	s = long_flow(3600 * DT_SEC, "active");
	h_flow(&h, &s);
	cr_assert_eq(alerts(&h, "long_connection", a), 1);
	cr_expect_str_eq(h_str(a[0], "event.start"), "2026-11-23T09:40:00.000000Z");
	cr_expect_str_eq(h_str(a[0], "event.end"), "2026-11-23T10:40:00.000000Z");
	cr_expect_eq(
		json_object_get_int(dt_jpath(a[0], "nettrail.alert.long_connection.duration_s")),
		3600);
	cr_expect_str_eq(first_str(a[0], "threat.technique.id"), "T1071");
	cr_expect_str_eq(first_str(a[0], "event.category"), "network");
	h_put(a, 1);
	/* later reports of the same flow: suppressed */
	s = long_flow(7200 * DT_SEC, "active");
	h_flow(&h, &s);
	s = long_flow(7300 * DT_SEC, "idle");
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "long_connection", a), 1);
	h_put(a, 1);
	h_free(&h);
}

Test(long_connection, directions)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = long_flow(4000 * DT_SEC, "active");

	s.direction = "internal";
	h_init(&h, NULL);
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "long_connection", a), 0);
	h_set(&h, "long_connection.directions", "internal, outbound");
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "long_connection", a), 1);
	h_put(a, 1);
	h_free(&h);
}

Test(long_connection, threshold_config)
{
	struct harness h;
	struct json_object *a[8];
	struct flow_spec s = long_flow(1800 * DT_SEC, "active");

	h_init(&h, NULL);
	h_set(&h, "long_connection.min_duration", "30m");
	h_flow(&h, &s);
	cr_expect_eq(alerts(&h, "long_connection", a), 1);
	h_put(a, 1);
	h_free(&h);
}
