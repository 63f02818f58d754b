// SPDX-License-Identifier: BSD-2-Clause
/*
 * beaconing: RITA's sub-scores on RITA's own test vectors
 * (activecm/rita analysis/beacons_test.go), the whole score on synthetic
 * series just above, at and just below 0.7 - expected values computed
 * independently by tests/unit_detect/beacon_ref.py (run once; its output is
 * in the comments) - and the rule's keys, filters and evidence.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "beacon.h"
#include "harness.h"

#define EPS 1e-9
#define BT0 1700000000LL

static struct dt_config cfg;

static void setup(void)
{
	dt_config_defaults(&cfg);
}

static void teardown(void)
{
	dt_config_free(&cfg);
}

TestSuite(beacon_score, .init = setup, .fini = teardown);

static double ts_of(const int64_t *ts, int n)
{
	double s = -1;

	cr_assert_eq(dt_ts_score(ts, n, &s), 0);
	return s;
}

static double ds_of(double *b, int n)
{
	double s = -1;

	cr_assert_eq(dt_ds_score(b, n, &s), 0);
	return s;
}

Test(beacon_score, rita_timestamp_vectors)
{
	int64_t perfect[10],
		close[] = { 1517338924, 1517339022, 1517339121, 1517339220, 1517339320,
			    1517339420, 1517339520, 1517339621, 1517339722, 1517339824 };
	int64_t bimodal[] = { 1517338924, 1517339022, 1517339322, 1517339420,
			      1517339720, 1517339818, 1517340118, 1517340216,
			      1517340516, 1517340614, 1517340914 };
	int64_t random[] = { 1517338924, 1517338925, 1517339224, 1517339249, 1517344224,
			     1517344314, 1517344316, 1517344358, 1517344858, 1517346358 };
	int64_t zero[] = { 60, 60, 60, 60, 60, 60, 60, 60, 60 };
	double s;

	for (int i = 0; i < 10; i++)
		perfect[i] = 1517338924 + 60 * i;
	cr_expect_float_eq(ts_of(perfect, 10), 1.0, EPS);
	cr_expect_float_eq(ts_of(close, 10), 0.995, EPS);
	cr_expect_float_eq(ts_of(bimodal, 11), 0.746, EPS);
	cr_expect_float_eq(ts_of(random, 10), 0.083, EPS);
	cr_expect_eq(dt_ts_score(zero, 9, &s), -1); /* fewer than 3 non-zero intervals */
	cr_expect_eq(dt_ts_score(perfect, 3, &s), -1);
}

Test(beacon_score, rita_datasize_vectors)
{
	double simple[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	double same[] = { 60, 60, 60, 60, 60, 60, 60, 60, 60 };
	double close[] = { 98, 99, 99, 100, 100, 100, 101, 101, 102 };
	double random[] = { 524885, 1, 5000, 98654, 50, 41, 965842, 3 };
	double zeros[10] = { 0 };
	double s;

	cr_expect_float_eq(ds_of(simple, 10), 0.773, EPS);
	cr_expect_float_eq(ds_of(same, 9), 1.0, EPS);
	cr_expect_float_eq(ds_of(close, 9), 0.995, EPS);
	cr_expect_float_eq(ds_of(random, 8), 0.008, EPS);
	cr_expect_float_eq(ds_of(zeros, 10), 0.5, EPS);
	cr_expect_eq(dt_ds_score(simple, 2, &s), -1);
}

Test(beacon_score, rita_quartiles_and_skew_guards)
{
	double q[3];
	double v[] = { 1, 2, 25, 42, 90, 299, 500, 1500, 4975 };
	double q1q2[] = { 7, 7, 7, 7, 7, 8, 8, 8, 8 };
	double q2q3[] = { 1, 1, 2, 2, 2, 2 };

	dt_quartiles(v, 9, q);
	cr_expect_float_eq(q[0], 13.5, EPS);
	cr_expect_float_eq(q[1], 90, EPS);
	cr_expect_float_eq(q[2], 1000, EPS);
	/* Q1 == Q2 or Q2 == Q3: skewness not computed (RITA's "unreliable" cases) */
	cr_expect_float_eq(dt_stat_score(q1q2, 9, 1), 1.0, EPS);
	cr_expect_float_eq(dt_stat_score(q2q3, 6, 1), 1.0, EPS);
}

Test(beacon_score, rita_duration_vectors)
{
	int64_t d0 = 1517338924, h = 3600;

	cr_expect_float_eq(dt_dur_score(&cfg.beacon, d0, d0 + 24 * h, d0, d0 + 24 * h, 24, 24), 1,
			   EPS);
	cr_expect_float_eq(
		dt_dur_score(&cfg.beacon, d0, d0 + 24 * h, d0 + 12 * h, d0 + 24 * h, 6, 0), 0.5,
		EPS);
	cr_expect_float_eq(
		dt_dur_score(&cfg.beacon, d0, d0 + 24 * h, d0 + 6 * h, d0 + 24 * h, 6, 0), 0.75,
		EPS);
	cr_expect_float_eq(
		dt_dur_score(&cfg.beacon, d0, d0 + 24 * h, d0 + 12 * h, d0 + 18 * h, 6, 6), 0.5,
		EPS);
	cr_expect_float_eq(
		dt_dur_score(&cfg.beacon, d0, d0 + 24 * h, d0 + 6 * h, d0 + 18 * h, 5, 5), 0, EPS);
}

/* one connection every hour for a day: every bar 1, histogram score 1 */
Test(beacon_score, histogram_flat_day)
{
	int64_t ts[24];
	double s;
	int bars, run;

	for (int i = 0; i < 24; i++)
		ts[i] = BT0 + i * 3600;
	cr_assert_eq(dt_hist_score(&cfg.beacon, BT0, BT0 + 86400, ts, 24, &s, &bars, &run), 0);
	cr_expect_float_eq(s, 1.0, EPS);
	cr_expect_eq(bars, 24);
	cr_expect_eq(run, 24);
	/* half the day: coefficient of variation 1 -> 0, bimodal fit 12 / 11 -> 1 */
	cr_assert_eq(dt_hist_score(&cfg.beacon, BT0, BT0 + 86400, ts, 12, &s, &bars, &run), 0);
	cr_expect_float_eq(s, 1.0, EPS);
	cr_expect_eq(bars, 12);
	/* five hours: below the bimodal minimum (11 bars), cv = sqrt(19/5) > 1 -> 0 */
	cr_assert_eq(dt_hist_score(&cfg.beacon, BT0, BT0 + 86400, ts, 5, &s, &bars, &run), 0);
	cr_expect_float_eq(s, 0.0, EPS);
}

/* beacon_ref.py's series(j): intervals cycle 100-j, 100, 100+3j; bytes 40/1000000 */
static int series(int j, int64_t *ts, double *bytes)
{
	int pat[3] = { 100 - j, 100, 100 + 3 * j };

	ts[0] = BT0;
	for (int i = 0; i < 20; i++) {
		if (i)
			ts[i] = ts[i - 1] + pat[(i - 1) % 3];
		bytes[i] = i % 2 == 0 ? 40 : 1000000;
	}
	return 20;
}

static struct dt_beacon_score score_j(int j)
{
	int64_t ts[20];
	double bytes[20];
	struct dt_beacon_score s;
	int n = series(j, ts, bytes);

	cr_assert_eq(dt_beacon_score(&cfg.beacon, ts[0], ts[n - 1], ts, bytes, n, &s), 0);
	return s;
}

/*
 * beacon_ref.py:
 *   j= 0 span=1900 score=0.875 ts=1.000 ds=0.500 hist=1.000 dur=1.000
 *   j=89 span=2879 score=0.701 ts=0.305 ds=0.500 hist=1.000 dur=1.000
 *   j=90 span=2890 score=0.700 ts=0.300 ds=0.500 hist=1.000 dur=1.000
 *   j=91 span=2901 score=0.699 ts=0.295 ds=0.500 hist=1.000 dur=1.000
 */
Test(beacon_score, threshold_series)
{
	struct dt_beacon_score s = score_j(0);

	cr_expect_float_eq(s.score, 0.875, EPS);
	s = score_j(89);
	cr_expect_float_eq(s.score, 0.701, EPS);
	cr_expect_float_eq(s.ts, 0.305, EPS);
	cr_expect_float_eq(s.ds, 0.5, EPS);
	cr_expect_float_eq(s.hist, 1.0, EPS);
	cr_expect_float_eq(s.dur, 1.0, EPS);
	s = score_j(90);
	cr_expect_float_eq(s.score, 0.700, EPS);
	cr_expect(s.score >= 0.7);
	s = score_j(91);
	cr_expect_float_eq(s.score, 0.699, EPS);
	cr_expect(s.score < 0.7);
}

/* The same series as flow records through the detector. */
static int run_series(int j, struct harness *h, struct json_object **a)
{
	int64_t ts[20];
	double bytes[20];

	series(j, ts, bytes);
	h_init(h, NULL);
	for (int i = 0; i < 20; i++) {
		struct flow_spec s = {
			.src = "10.2.0.7",
			.dst = "198.51.100.40",
			.dport = 443,
			.direction = "outbound",
			.start = ts[i] * DT_SEC,
			.end = ts[i] * DT_SEC + DT_SEC / 2,
			.src_bytes = (long)bytes[i],
			.src_k8s = "{\"namespace\":\"shop\",\"pod\":{\"name\":\"w\"}}"
		};

		h_flow(h, &s);
	}
	h_finish(h);
	return h_alerts(h, "beaconing", a, 4);
}

Test(beaconing, detector_at_threshold)
{
	struct harness h;
	struct json_object *a[4];

	cr_expect_eq(run_series(89, &h, a), 1);
	cr_expect_float_eq(json_object_get_double(dt_jpath(a[0], "nettrail.alert.beaconing.score")),
			   0.701, EPS);
	h_put(a, 1);
	h_free(&h);
	cr_expect_eq(run_series(90, &h, a), 1);
	h_put(a, 1);
	h_free(&h);
	cr_expect_eq(run_series(91, &h, a), 0);
	cr_expect_eq(h_counter(&h, "beacon_scored"), 2); /* at the 20th record and at the end */
	h_free(&h);
}

Test(beaconing, alert_document)
{
	struct harness h;
	struct json_object *a[4];

	cr_assert_eq(run_series(0, &h, a), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0006");
	struct json_object *sub = dt_jpath(a[0], "threat.technique.subtechnique.id");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(sub, 0)), "T1071.001");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.pod.name"), "w");
	cr_expect_str_eq(h_str(a[0], "destination.ip"), "198.51.100.40");
	cr_expect_str_eq(h_str(a[0], "nettrail.alert.beaconing.type"), "ip");
	struct json_object *ev = dt_jpath(a[0], "nettrail.alert.evidence");
	cr_assert_eq(json_object_array_length(ev), 20);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(ev, 0)), "rid-1");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(ev, 19)), "rid-20");
	cr_expect_str_eq(h_str(a[0], "event.start"), "2023-11-14T22:13:20.000000Z");
	cr_expect_eq(h_counter(&h, "alerts_beaconing"), 1);
	h_put(a, 1);
	h_free(&h);
}

/* a perfect beacon to one SNI across two addresses: one name-keyed alert */
static void sni_beacon(struct harness *h, int n, const char *dir)
{
	for (int i = 0; i < n; i++) {
		struct flow_spec s = { .src = "10.2.0.7",
				       .dst = i % 2 ? "198.51.100.41" : "198.51.100.42",
				       .dport = 443,
				       .direction = dir,
				       .start = T0 + i * 60 * DT_SEC,
				       .sni = "c2.example.net" };

		h_flow(h, &s);
	}
}

Test(beaconing, by_server_name)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	sni_beacon(&h, 30, "outbound");
	h_finish(&h);
	cr_assert_eq(h_alerts(&h, "beaconing", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "destination.domain"), "c2.example.net");
	cr_expect_str_eq(h_str(a[0], "nettrail.alert.beaconing.type"), "name");
	cr_expect_eq(json_object_array_length(dt_jpath(a[0], "related.ip")), 3);
	/* fired at the 20th connection; the evidence is those 20 */
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.evidence_count")), 20);
	h_put(a, 1);
	h_free(&h);
}

Test(beaconing, filters)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	sni_beacon(&h, 30, "internal"); /* not a default direction */
	h_finish(&h);
	cr_expect_eq(h_alerts(&h, "beaconing", a, 4), 0);
	h_free(&h);
	h_init(&h, NULL);
	h_set(&h, "beaconing.allow_domains", ".example.net");
	sni_beacon(&h, 30, "outbound");
	h_finish(&h);
	cr_expect_eq(h_alerts(&h, "beaconing", a, 4), 0);
	h_free(&h);
	h_init(&h, NULL);
	sni_beacon(&h, 19, "outbound"); /* one short of min_connections */
	h_finish(&h);
	cr_expect_eq(h_alerts(&h, "beaconing", a, 4), 0);
	cr_expect_eq(h_counter(&h, "beacon_scored"), 0);
	h_free(&h);
}

Test(beaconing, multi_report_flows_skipped)
{
	struct harness h;

	h_init(&h, NULL);
	for (int i = 0; i < 25; i++) {
		struct flow_spec s = { .src = "10.2.0.7",
				       .dst = "198.51.100.43",
				       .direction = "outbound",
				       .start = T0 + i * 60 * DT_SEC,
				       .report_seq = 2,
				       .end_reason = "idle" };

		h_flow(&h, &s);
		s.end_reason = "active";
		h_flow(&h, &s);
	}
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "beacon_skipped_multi_report"), 25);
	cr_expect_eq(h_counter(&h, "beacon_connections"), 0);
	h_free(&h);
}
