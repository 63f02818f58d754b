/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * beacon.h - RITA's beacon score, as pure functions (no state, no I/O).
 *
 * Re-derived from activecm/rita analysis/beacons.go (v5) and the quartile,
 * median and MAD definitions of the montanaflynn/stats package it calls; the
 * formulas are written out in docs/detections.md#beaconing. In short, for
 * one source and one destination over the analysis window [dmin, dmax]:
 *
 *   ts   = (bowley_score + mad_score) / 2 over the sorted non-zero intervals
 *          between connection start times (whole seconds); mad default 1
 *   ds   = the same over the sorted source bytes of each connection; default 0
 *   hist = max(1 - coefficient of variation, bimodal fit) of the connection
 *          counts in hist_bins equal bins over [dmin, dmax]
 *   dur  = max(coverage, consistency) when at least dur_min_hours bins are hit
 *   score = round3(ts*w_ts + ds*w_ds + dur*w_dur + hist*w_hist)
 *
 * Every sub-score is rounded to 3 decimals where RITA rounds it.
 */
#ifndef DT_BEACON_H
#define DT_BEACON_H

#include <stdint.h>

#include "config.h"

struct dt_beacon_score {
	double score, ts, ds, hist, dur;
	int total_bars, longest_run;
};

double dt_round3(double v);
/* Quartiles (Q1, Q2, Q3) of sorted v[0..n), n >= 2, as montanaflynn/stats. */
void dt_quartiles(const double *v, int n, double q[3]);
double dt_median(const double *sorted, int n);
/* Bowley skewness score and MAD score of sorted v[0..n), n >= 3, averaged. */
double dt_stat_score(const double *sorted, int n, double default_mad_score);
/* ts sorted ascending (seconds); -1 when fewer than 4 or < 3 non-zero intervals. */
int dt_ts_score(const int64_t *ts, int n, double *score);
/* bytes in any order (sorted in place); -1 when fewer than 3. */
int dt_ds_score(double *bytes, int n, double *score);
/* Histogram score; sets total bars and the longest (wrapping) run of hit bins. */
int dt_hist_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, const int64_t *ts,
		  int n, double *score, int *total_bars, int *longest_run);
double dt_dur_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, int64_t first,
		    int64_t last, int total_bars, int longest_run);
/*
 * The whole score. ts (seconds, any order; sorted in place) and bytes are
 * the pair's connections inside [dmin, dmax]. -1 when not scorable (too few
 * connections or intervals, dmax <= dmin).
 */
int dt_beacon_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, int64_t *ts,
		    double *bytes, int n, struct dt_beacon_score *out);

#endif
