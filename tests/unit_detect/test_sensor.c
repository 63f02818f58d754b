// SPDX-License-Identifier: BSD-2-Clause
/* sensor_blind: missed heartbeats, dropped interfaces, rising error and loss counters, idle. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void hb(struct harness *h, const char *host, dt_time t, const char *ifaces,
	       const char *counters, const char *rid)
{
	h_heartbeat(h, &(struct hb_spec){ .host = host,
					  .t = t,
					  .interfaces = ifaces,
					  .counters = counters,
					  .rid = rid });
}

/* node-b's records move the watermark */
static void other(struct harness *h, dt_time t)
{
	h_flow(h, &(struct flow_spec){ .src = "10.1.0.1",
				       .dst = "10.1.0.2",
				       .start = t - DT_SEC,
				       .end = t,
				       .host = "node-b" });
}

static const char *reason(struct json_object *a)
{
	return h_str(a, "nettrail.alert.sensor_blind.reason");
}

static const char *ev(struct json_object *a, int i)
{
	return json_object_get_string(
		json_object_array_get_idx(dt_jpath(a, "nettrail.alert.evidence"), (size_t)i));
}

/* interval 30 s, 2 missed: silent past last + 60 s (exclusive), seen by the watermark */
Test(sensor_blind, heartbeat_missing_by_watermark)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	hb(&h, "node-a", T0, NULL, NULL, "hb-1");
	hb(&h, "node-a", T0 + 30 * DT_SEC, NULL, NULL, "hb-2");
	other(&h, T0 + 90 * DT_SEC);
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	other(&h, T0 + 90 * DT_SEC + 1);
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0010");
	cr_expect_str_eq(reason(a[0]), "heartbeat_missing");
	cr_expect_str_eq(h_str(a[0], "observer.hostname"), "node-a");
	cr_expect_str_eq(json_object_get_string(
				 json_object_array_get_idx(dt_jpath(a[0], "related.hosts"), 0)),
			 "node-a");
	cr_expect_str_eq(ev(a[0], 0), "hb-1");
	cr_expect_str_eq(ev(a[0], 1), "hb-2");
	cr_expect_str_eq(h_str(a[0], "event.start"), "2026-11-23T09:40:30.000000Z");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(
				 dt_jpath(a[0], "threat.technique.subtechnique.id"), 0)),
			 "T1562.001");
	h_put(a, 1);
	/* once per silence: more records, then the heartbeat comes back late: no second alert */
	other(&h, T0 + 200 * DT_SEC);
	hb(&h, "node-a", T0 + 210 * DT_SEC, NULL, NULL, "hb-3");
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	h_put(a, 1);
	h_free(&h);
}

/* With no other node, the late heartbeat itself tells: a gap of 60 s is fine, 60 s + 1 us is not */
Test(sensor_blind, heartbeat_gap_on_arrival)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	hb(&h, "node-a", T0, NULL, NULL, "hb-1");
	hb(&h, "node-a", T0 + 60 * DT_SEC, NULL, NULL, "hb-2");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	hb(&h, "node-a", T0 + 120 * DT_SEC + 1, NULL, NULL, "hb-3");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_str_eq(reason(a[0]), "heartbeat_missing");
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.sensor_blind.silent_s")),
		     60);
	cr_expect_str_eq(ev(a[0], 0), "hb-2");
	cr_expect_str_eq(ev(a[0], 1), "hb-3");
	h_put(a, 1);
	h_free(&h);
}

/* a pod's veth leaving is churn; eth0 leaving, or the last interface, is not */
Test(sensor_blind, interfaces_dropped)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	hb(&h, "node-a", T0, "[\"eth0\",\"veth1a2b\",\"cni0\"]", NULL, "i1");
	hb(&h, "node-a", T0 + 30 * DT_SEC, "[\"eth0\",\"cni0\"]", NULL, "i2");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	hb(&h, "node-a", T0 + 60 * DT_SEC, "[\"cni0\"]", NULL, "i3");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_str_eq(reason(a[0]), "interfaces_dropped");
	cr_expect_str_eq(
		json_object_get_string(json_object_array_get_idx(
			dt_jpath(a[0], "nettrail.alert.sensor_blind.interfaces_dropped"), 0)),
		"eth0");
	h_put(a, 1);
	h_free(&h);

	h_init(&h, NULL);
	hb(&h, "node-c", T0, "[\"veth9\"]", NULL, "j1");
	hb(&h, "node-c", T0 + 30 * DT_SEC, "[]", NULL, "j2");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_eq(
		json_object_get_int(dt_jpath(a[0], "nettrail.alert.sensor_blind.interfaces_left")),
		0);
	h_put(a, 1);
	h_free(&h);
}

/* attach_errors and loss counters rising between heartbeats of one run; a restart resets */
Test(sensor_blind, counters_rising)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	hb(&h, "node-a", T0, NULL, "{\"ringbuf_full\":5,\"attach_errors\":0,\"packets\":1}", "c1");
	hb(&h, "node-a", T0 + 30 * DT_SEC, NULL,
	   "{\"ringbuf_full\":5,\"attach_errors\":0,\"packets\":2,\"dns_cache_evictions\":9}",
	   "c2");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	hb(&h, "node-a", T0 + 60 * DT_SEC, NULL,
	   "{\"ringbuf_full\":8,\"attach_errors\":1,\"packets\":3,\"kafka_failed\":2}", "c3");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 2);
	cr_expect_str_eq(reason(a[0]), "attach_errors");
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.sensor_blind.delta")), 1);
	cr_expect_str_eq(reason(a[1]), "loss_counters");
	cr_expect_eq(json_object_get_int(dt_jpath(
			     a[1], "nettrail.alert.sensor_blind.loss_counters.ringbuf_full")),
		     3);
	/* kafka_failed appeared (absent before): not a rise */
	cr_expect_null(dt_jpath(a[1], "nettrail.alert.sensor_blind.loss_counters.kafka_failed"));
	h_put(a, 2);
	/* a restart (uptime went back): counters start again lower, then rise: suppressed or not,
	 * the restart itself raises nothing */
	h_heartbeat(&h, &(struct hb_spec){ .host = "node-a",
					   .t = T0 + 90 * DT_SEC,
					   .uptime_s = 5,
					   .counters = "{\"ringbuf_full\":0,\"kafka_failed\":0}" });
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 2);
	h_put(a, 2);
	h_free(&h);
}

/* no packet for idle_intervals heartbeats with interfaces attached (a filter removed by hand) */
Test(sensor_blind, no_packets)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	h_set(&h, "sensor_blind.idle_intervals", "3");
	hb(&h, "node-a", T0, NULL, "{\"packets\":100}", "p0");
	for (int i = 1; i <= 2; i++)
		hb(&h, "node-a", T0 + i * 30 * DT_SEC, NULL, "{\"packets\":100}", "p");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	hb(&h, "node-a", T0 + 90 * DT_SEC, NULL, "{\"packets\":100}", "p3");
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_str_eq(reason(a[0]), "no_packets");
	cr_expect_eq(
		json_object_get_int(dt_jpath(a[0], "nettrail.alert.sensor_blind.idle_heartbeats")),
		3);
	h_put(a, 1);
	h_free(&h);

	/* no interface attached: idle is expected */
	h_init(&h, NULL);
	h_set(&h, "sensor_blind.idle_intervals", "3");
	for (int i = 0; i <= 5; i++)
		hb(&h, "node-a", T0 + i * 30 * DT_SEC, "[]", "{\"packets\":100}", "q");
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	h_free(&h);
}

/* live input, no record at all after the last heartbeat: the wall clock moves
 * event time on; silent past last + 60 s (exclusive), like the watermark */
Test(sensor_blind, heartbeat_missing_by_wall_clock)
{
	struct harness h;
	struct json_object *a[4];
	dt_time w;

	h_init(&h, NULL);
	h.d.live = true;
	hb(&h, "node-a", T0, NULL, NULL, "hb-1");
	hb(&h, "node-a", T0 + 30 * DT_SEC, NULL, NULL, "hb-2");
	w = h.d.wall_at_watermark; /* the wall clock when T0 + 30 s was read */
	cr_assert_gt(w, 0);
	dt_detector_wall_tick(&h.d, w + 60 * DT_SEC);
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	dt_detector_wall_tick(&h.d, w + 60 * DT_SEC + 1);
	cr_assert_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	cr_expect_str_eq(reason(a[0]), "heartbeat_missing");
	cr_expect_str_eq(h_str(a[0], "nettrail.alert.sensor_blind.clock"), "wall");
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.sensor_blind.silent_s")),
		     60);
	cr_expect_str_eq(h_str(a[0], "event.end"), "2026-11-23T09:41:30.000001Z");
	cr_expect_str_eq(h_str(a[0], "@timestamp"), "2026-11-23T09:41:30.000001Z");
	cr_expect_str_eq(ev(a[0], 1), "hb-2");
	/* the watermark is still the records' own */
	cr_expect_eq(h.d.watermark, T0 + 30 * DT_SEC);
	/* once per silence */
	dt_detector_wall_tick(&h.d, w + 600 * DT_SEC);
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 1);
	h_put(a, 1);
	h_free(&h);
}

/* a file replay: the wall clock never stands in for event time */
Test(sensor_blind, wall_clock_not_in_replay)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	hb(&h, "node-a", T0, NULL, NULL, "hb-1");
	hb(&h, "node-a", T0 + 30 * DT_SEC, NULL, NULL, "hb-2");
	dt_detector_wall_tick(&h.d, dt_wall_now() + 3600 * DT_SEC);
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	h_finish(&h);
	cr_expect_eq(h_alerts(&h, "sensor_blind", a, 4), 0);
	h_free(&h);
}
