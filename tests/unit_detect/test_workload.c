// SPDX-License-Identifier: BSD-2-Clause
/* new_destination and egress_spike: a workload against its own history, at the thresholds. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define WEB_K8S                                                                   \
	"{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-7d9\",\"uid\":\"u-9\"}," \
	"\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"}}"
#define WEB2_K8S                                                                  \
	"{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-x1z\",\"uid\":\"u-8\"}," \
	"\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"}}"
#define API_K8S                                                                 \
	"{\"namespace\":\"shop\",\"pod\":{\"name\":\"api-1\",\"uid\":\"u-7\"}," \
	"\"workload\":{\"kind\":\"Deployment\",\"name\":\"api\"}}"
#define JOB_K8S                                                                  \
	"{\"namespace\":\"batch\",\"pod\":{\"name\":\"job-1\",\"uid\":\"u-6\"}," \
	"\"workload\":{\"kind\":\"Job\",\"name\":\"job\"}}"

static void out(struct harness *h, const char *k8s, const char *dst, const char *reg, dt_time t,
		const char *rid)
{
	h_flow(h, &(struct flow_spec){ .src = "10.1.0.5",
				       .dst = dst,
				       .dport = 443,
				       .direction = "outbound",
				       .start = t,
				       .src_k8s = k8s,
				       .dst_registered = reg,
				       .dst_domain = reg,
				       .rid = rid });
}

static const char *nd(struct json_object *a, const char *k)
{
	char path[128];

	snprintf(path, sizeof(path), "nettrail.alert.new_destination.%s", k);
	return h_str(a, path);
}

/* learned until first + learning (exclusive); new afterwards; once per destination */
Test(new_destination, learning_boundary)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	h_set(&h, "new_destination.learning", "1h");
	out(&h, WEB_K8S, "198.51.100.1", NULL, T0, "r1");
	out(&h, WEB_K8S, "198.51.100.2", NULL, T0 + 3600 * DT_SEC - 1, "r2");
	cr_assert_eq(h_alerts(&h, "new_destination", a, 4), 0);
	out(&h, WEB_K8S, "198.51.100.3", NULL, T0 + 3600 * DT_SEC, "r3");
	cr_assert_eq(h_alerts(&h, "new_destination", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0008");
	cr_expect_str_eq(nd(a[0], "workload"), "shop/web");
	cr_expect_str_eq(nd(a[0], "destination"), "198.51.100.3");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.pod.name"), "web-7d9");
	cr_expect_str_eq(h_str(a[0], "destination.ip"), "198.51.100.3");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(
				 dt_jpath(a[0], "nettrail.alert.evidence"), 0)),
			 "r3");
	h_put(a, 1);
	/* known ones, from another pod of the same workload, and the new one again: quiet */
	out(&h, WEB2_K8S, "198.51.100.1", NULL, T0 + 7200 * DT_SEC, "r4");
	out(&h, WEB_K8S, "198.51.100.2", NULL, T0 + 7201 * DT_SEC, "r5");
	out(&h, WEB2_K8S, "198.51.100.3", NULL, T0 + 7202 * DT_SEC, "r6");
	cr_expect_eq(h_alerts(&h, "new_destination", a, 4), 1);
	h_put(a, 1);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "new_destination_learnt"), 2);
	h_free(&h);
}

/* a destination is its registered domain across addresses; internal flows and
 * sources without a workload do not count */
Test(new_destination, names_and_scope)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	h_set(&h, "new_destination.learning", "10m");
	out(&h, API_K8S, "198.51.100.10", "example.com", T0, "a1");
	out(&h, API_K8S, "198.51.100.11", "example.com", T0 + 3600 * DT_SEC, "a2");
	cr_expect_eq(h_alerts(&h, "new_destination", a, 4), 0);
	out(&h, API_K8S, "198.51.100.12", "evil.example", T0 + 3601 * DT_SEC, "a3");
	cr_assert_eq(h_alerts(&h, "new_destination", a, 4), 1);
	cr_expect_str_eq(nd(a[0], "destination"), "evil.example");
	h_put(a, 1);
	h_flow(&h, &(struct flow_spec){ .src = "10.1.0.5",
					.dst = "10.2.0.9",
					.start = T0 + 3602 * DT_SEC,
					.src_k8s = API_K8S,
					.direction = "internal" });
	h_flow(&h, &(struct flow_spec){ .src = "10.0.0.1",
					.dst = "198.51.100.99",
					.start = T0 + 3603 * DT_SEC,
					.direction = "outbound" });
	cr_expect_eq(h_alerts(&h, "new_destination", a, 4), 1);
	h_put(a, 1);
	h_free(&h);
}

/* max_prevalence: a destination max_prevalence other workloads already reach is not new */
Test(new_destination, prevalence)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	h_set(&h, "new_destination.learning", "10m");
	h_set(&h, "new_destination.max_prevalence", "2");
	out(&h, WEB_K8S, "198.51.100.50", "registry.example", T0, "p1");
	out(&h, API_K8S, "198.51.100.50", "registry.example", T0, "p2");
	out(&h, JOB_K8S, "198.51.100.7", NULL, T0, "p3");
	out(&h, JOB_K8S, "198.51.100.50", "registry.example", T0 + 3600 * DT_SEC, "p4");
	cr_expect_eq(h_alerts(&h, "new_destination", a, 4), 0);
	h_set(&h, "new_destination.max_prevalence", "3");
	out(&h, JOB_K8S, "198.51.100.60", "other.example", T0 + 3601 * DT_SEC, "p5");
	cr_assert_eq(h_alerts(&h, "new_destination", a, 4), 1);
	cr_expect_str_eq(nd(a[0], "destination"), "other.example");
	h_put(a, 1);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "new_destination_prevalent"), 1);
	h_free(&h);
}

/* ---- egress_spike ---------------------------------------------------------- */

static void up(struct harness *h, const char *k8s, long bytes, dt_time t, const char *rid)
{
	h_flow(h, &(struct flow_spec){ .src = "10.1.0.5",
				       .dst = "203.0.113.80",
				       .dport = 443,
				       .direction = "outbound",
				       .start = t - DT_SEC,
				       .end = t,
				       .src_k8s = k8s,
				       .src_bytes = bytes,
				       .rid = rid });
}

static void egress_cfg(struct harness *h)
{
	h_set(h, "egress_spike.bucket", "1m");
	h_set(h, "egress_spike.min_buckets", "3");
	h_set(h, "egress_spike.history", "3");
	h_set(h, "egress_spike.factor", "10");
	h_set(h, "egress_spike.min_mb", "1");
}

/* baseline 102400 bytes a bucket: 10x is 1024000, min_bytes 1 MiB binds: 1048575 no, 1048576 yes */
Test(egress_spike, boundary)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	egress_cfg(&h);
	for (int b = 0; b < 3; b++)
		up(&h, WEB_K8S, 102400, T0 + (b * 60 + 10) * DT_SEC, "base");
	up(&h, WEB_K8S, 1048575, T0 + 190 * DT_SEC, "big-1");
	cr_assert_eq(h_alerts(&h, "egress_spike", a, 4), 0);
	up(&h, WEB_K8S, 1, T0 + 191 * DT_SEC, "big-2"); /* the same bucket: 1048576 */
	cr_assert_eq(h_alerts(&h, "egress_spike", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0009");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.workload.name"), "web");
	cr_expect_eq(
		json_object_get_int64(dt_jpath(a[0], "nettrail.alert.egress_spike.bucket_bytes")),
		1048576);
	cr_expect_eq(json_object_get_int64(
			     dt_jpath(a[0], "nettrail.alert.egress_spike.baseline_mean_bytes")),
		     102400);
	cr_expect_eq(json_object_array_length(dt_jpath(a[0], "nettrail.alert.evidence")), 2);
	h_put(a, 1);
	h_free(&h);

	/* the factor binds: baseline 110000 needs 1100000 */
	h_init(&h, NULL);
	egress_cfg(&h);
	for (int b = 0; b < 3; b++)
		up(&h, API_K8S, 110000, T0 + (b * 60 + 10) * DT_SEC, "base");
	up(&h, API_K8S, 1099999, T0 + 190 * DT_SEC, "n");
	cr_expect_eq(h_alerts(&h, "egress_spike", a, 4), 0);
	up(&h, API_K8S, 1, T0 + 191 * DT_SEC, "y");
	cr_assert_eq(h_alerts(&h, "egress_spike", a, 4), 1);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(
				 dt_jpath(a[0], "nettrail.alert.evidence"), 1)),
			 "y");
	cr_expect_str_eq(h_str(a[0], "nettrail.alert.egress_spike.top_destination"),
			 "203.0.113.80");
	h_put(a, 1);
	h_free(&h);
}

/* a quiet workload: empty buckets count as 0, but min_buckets of history are needed first */
Test(egress_spike, quiet_baseline_and_history)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	egress_cfg(&h);
	up(&h, JOB_K8S, 100, T0 + 10 * DT_SEC, "q0");
	up(&h, JOB_K8S, 5 << 20, T0 + 130 * DT_SEC, "early"); /* 2 buckets of history: too early */
	cr_expect_eq(h_alerts(&h, "egress_spike", a, 4), 0);
	up(&h, JOB_K8S, 3 << 20, T0 + 250 * DT_SEC, "late"); /* history: 0, 5 MiB, 0 */
	cr_expect_eq(h_alerts(&h, "egress_spike", a, 4), 0);
	up(&h, JOB_K8S, 2 << 20, T0 + 1200 * DT_SEC, "after"); /* history: 0, 0, 0 */
	cr_assert_eq(h_alerts(&h, "egress_spike", a, 4), 1);
	cr_expect_eq(json_object_get_int64(
			     dt_jpath(a[0], "nettrail.alert.egress_spike.baseline_mean_bytes")),
		     0);
	h_put(a, 1);
	h_free(&h);
}
