// SPDX-License-Identifier: BSD-2-Clause
/* beacon.c - RITA's beacon sub-scores (see beacon.h and docs/detections.md). */
#include "beacon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double dt_round3(double v)
{
	return round(v * 1000) / 1000;
}

static double ceil3(double v)
{
	return ceil(v * 1000) / 1000;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double dt_median(const double *sorted, int n)
{
	if (n <= 0)
		return NAN;
	if (n % 2 == 0)
		return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return sorted[n / 2];
}

/* Q1 and Q3 are the medians of the halves below and above the median
 * (the median itself excluded when n is odd). */
void dt_quartiles(const double *v, int n, double q[3])
{
	int c1 = n % 2 == 0 ? n / 2 : (n - 1) / 2;
	int c2 = n % 2 == 0 ? n / 2 : c1 + 1;

	q[0] = dt_median(v, c1);
	q[1] = dt_median(v, n);
	q[2] = dt_median(v + c2, n - c2);
}

static double bowley_score(const double *v, int n)
{
	double q[3], skew = 0;

	dt_quartiles(v, n, q);
	double num = q[0] + q[2] - 2 * q[1];
	double den = q[2] - q[0];
	/* RITA: skewness 0 when the IQR is under 10 or the median sits on a quartile */
	if (den >= 10 && q[1] != q[0] && q[1] != q[2])
		skew = num / den;
	return 1.0 - fabs(skew);
}

static double mad_score(const double *v, int n, double default_score)
{
	double med = dt_median(v, n), mad, score = default_score;
	double *dev = malloc(sizeof(double) * (size_t)n);

	if (!dev)
		abort();
	for (int i = 0; i < n; i++)
		dev[i] = fabs(v[i] - med);
	qsort(dev, (size_t)n, sizeof(double), cmp_dbl);
	mad = dt_median(dev, n);
	free(dev);
	if (med >= 1)
		score = (med - mad) / med;
	if (score < 0 || isnan(score))
		score = 0;
	return score;
}

double dt_stat_score(const double *sorted, int n, double default_mad_score)
{
	return dt_round3((bowley_score(sorted, n) + mad_score(sorted, n, default_mad_score)) / 2.0);
}

int dt_ts_score(const int64_t *ts, int n, double *score)
{
	int nz = 0, first = 0;
	double *d;

	if (n < 4)
		return -1;
	d = malloc(sizeof(double) * (size_t)(n - 1));
	if (!d)
		abort();
	for (int i = 0; i < n - 1; i++) {
		d[i] = (double)(ts[i + 1] - ts[i]);
		nz += d[i] > 0;
	}
	if (nz < 3) {
		free(d);
		return -1;
	}
	qsort(d, (size_t)(n - 1), sizeof(double), cmp_dbl);
	while (first < n - 1 && d[first] <= 0)
		first++;
	*score = dt_stat_score(d + first, n - 1 - first, 1);
	free(d);
	return 0;
}

int dt_ds_score(double *bytes, int n, double *score)
{
	if (n < 3)
		return -1;
	qsort(bytes, (size_t)n, sizeof(double), cmp_dbl);
	*score = dt_stat_score(bytes, n, 0);
	return 0;
}

/* Connection counts per bin, as RITA's createHistogram (ts sorted). */
static void fill_bins(int64_t dmin, int64_t dmax, const int64_t *ts, int n, int bins, int *hist)
{
	double *edge = malloc(sizeof(double) * (size_t)(bins + 1));
	double step = (double)(dmax - dmin) / bins;
	int cur = 0;

	if (!edge)
		abort();
	edge[0] = (double)dmin;
	for (int i = 1; i < bins; i++)
		edge[i] = (double)dmin + i * step;
	edge[bins] = (double)dmax;
	memset(hist, 0, sizeof(int) * (size_t)bins);
	double next = edge[1];
	for (int i = 0; i < n; i++) {
		double t = (double)ts[i];

		if (t >= next) {
			for (int j = cur + 1; j < bins; j++) {
				cur = j;
				next = edge[j + 1];
				if (t < edge[j + 1])
					break;
			}
		}
		hist[cur]++;
	}
	free(edge);
}

/* Bars, longest run of hit bins (wrapping), and the top two bar-height modes. */
static void bar_stats(const struct dt_beacon_cfg *c, const int *hist, int bins, int *total,
		      int *longest, int *top2)
{
	int largest = 0, run = 0, nb = 0;
	int *hb = malloc(sizeof(int) * (size_t)bins);

	if (!hb)
		abort();
	*total = *longest = 0;
	for (int i = 0; i < bins; i++) {
		*total += hist[i] > 0;
		largest = hist[i] > largest ? hist[i] : largest;
	}
	for (int i = 0; i < 2 * bins; i++) {
		if (hist[i % bins] > 0) {
			run++;
		} else {
			*longest = run > *longest ? run : *longest;
			run = 0;
		}
	}
	*longest = run > *longest ? run : *longest;
	if (*longest > bins)
		*longest = bins;
	double size = ceil(largest * c->hist_mode_sensitivity);
	if (size < 1)
		size = 1;
	for (int i = 0; i < bins; i++)
		if (hist[i] > 0)
			hb[nb++] = (int)(floor(hist[i] / size) * size);
	/* the two largest counts of equal binned heights */
	int first = 0, second = 0;
	for (int i = 0; i < nb; i++) {
		int cnt = 0, seen = 0;

		for (int j = 0; j < nb; j++) {
			cnt += hb[j] == hb[i];
			seen |= j < i && hb[j] == hb[i];
		}
		if (seen)
			continue;
		if (cnt > first)
			second = first, first = cnt;
		else if (cnt > second)
			second = cnt;
	}
	free(hb);
	top2[0] = first;
	top2[1] = second;
}

static double cv_score(const int *hist, int bins)
{
	double total = 0, sd = 0;

	for (int i = 0; i < bins; i++)
		total += hist[i];
	if (total <= 0)
		return 0;
	double mean = total / bins;
	for (int i = 0; i < bins; i++)
		sd += (hist[i] - mean) * (hist[i] - mean);
	sd = sqrt(sd / bins);
	double cv = sd / fabs(mean);
	if (cv > 1.0)
		return 0;
	double s = dt_round3(1.0 - cv);
	return s > 1.0 ? 1.0 : s;
}

int dt_hist_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, const int64_t *ts,
		  int n, double *score, int *total_bars, int *longest_run)
{
	int bins = c->hist_bins, top2[2];
	int min_hours = c->hist_bimodal_min_hours < 6 ? 11 : c->hist_bimodal_min_hours;
	double fit = 0;
	int *hist;

	if (n <= 0 || dmax <= dmin || bins <= 0)
		return -1;
	hist = malloc(sizeof(int) * (size_t)bins);
	if (!hist)
		abort();
	fill_bins(dmin, dmax, ts, n, bins, hist);
	bar_stats(c, hist, bins, total_bars, longest_run, top2);
	double cv = cv_score(hist, bins);
	free(hist);
	if (*total_bars >= min_hours) {
		double adj = fmax((double)(*total_bars - c->hist_bimodal_outlier_removal), 1);
		fit = (top2[0] + top2[1]) / adj;
	}
	fit = dt_round3(fit);
	if (fit > 1.0)
		fit = 1.0;
	*score = fmax(cv, fit);
	return 0;
}

double dt_dur_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, int64_t first,
		    int64_t last, int total_bars, int longest_run)
{
	double coverage, consistency;

	if (total_bars < c->dur_min_hours || dmax <= dmin)
		return 0;
	coverage = ceil3((double)(last - first) / (double)(dmax - dmin));
	if (coverage > 1.0)
		coverage = 1.0;
	consistency = ceil3((double)longest_run / c->dur_ideal_hours);
	if (consistency > 1.0)
		consistency = 1.0;
	return fmax(coverage, consistency);
}

int dt_beacon_score(const struct dt_beacon_cfg *c, int64_t dmin, int64_t dmax, int64_t *ts,
		    double *bytes, int n, struct dt_beacon_score *out)
{
	memset(out, 0, sizeof(*out));
	if (dmax <= dmin)
		return -1;
	qsort(ts, (size_t)n, sizeof(int64_t), cmp_i64);
	if (dt_ts_score(ts, n, &out->ts) || dt_ds_score(bytes, n, &out->ds))
		return -1;
	if (dt_hist_score(c, dmin, dmax, ts, n, &out->hist, &out->total_bars, &out->longest_run))
		return -1;
	out->dur = dt_dur_score(c, dmin, dmax, ts[0], ts[n - 1], out->total_bars, out->longest_run);
	out->score = dt_round3(out->ts * c->ts_weight + out->ds * c->ds_weight +
			       out->dur * c->dur_weight + out->hist * c->hist_weight);
	return 0;
}
