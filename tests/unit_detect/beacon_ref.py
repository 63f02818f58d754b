#!/usr/bin/env python3
"""Independent reference for the beacon scores the C tests expect.

Written from RITA's analysis/beacons.go (v5) and montanaflynn/stats (Quartile,
Median, MedianAbsoluteDeviation), not from detect/beacon.c. Run once to get
the expected values hard-coded in test_beacon.c:

    python3 tests/unit_detect/beacon_ref.py

It prints each synthetic series' sub-scores and score. Not run by the suite.
"""
import math


def median(v):
    v = sorted(v)
    n = len(v)
    return (v[n // 2 - 1] + v[n // 2]) / 2 if n % 2 == 0 else v[n // 2]


def quartiles(v):
    v = sorted(v)
    n = len(v)
    if n % 2 == 0:
        lo, hi = v[: n // 2], v[n // 2:]
    else:
        lo, hi = v[: (n - 1) // 2], v[(n + 1) // 2:]
    return median(lo), median(v), median(hi)


def r3(x):
    # Go math.Round: half away from zero
    return math.floor(x * 1000 + 0.5) / 1000 if x >= 0 else -math.floor(-x * 1000 + 0.5) / 1000


def stat_score(v, default_mad):
    q1, q2, q3 = quartiles(v)
    skew = 0.0
    if q3 - q1 >= 10 and q2 != q1 and q2 != q3:
        skew = (q1 + q3 - 2 * q2) / (q3 - q1)
    med = median(v)
    mad = median([abs(x - med) for x in v])
    ms = (med - mad) / med if med >= 1 else default_mad
    if ms < 0:
        ms = 0
    return r3(((1 - abs(skew)) + ms) / 2)


def ts_score(ts):
    ts = sorted(ts)
    d = [b - a for a, b in zip(ts, ts[1:])]
    return stat_score(sorted(x for x in d if x > 0), 1)


def hist(dmin, dmax, ts, bins=24, sens=0.05, outlier=1, min_hours=11):
    step = (dmax - dmin) / bins
    edges = [dmin + i * step for i in range(bins)] + [dmax]
    h = [0] * bins
    for t in sorted(ts):
        # bin i holds edges[i] <= t < edges[i+1]; beyond the last edge: last bin
        i = 0
        while i < bins - 1 and t >= edges[i + 1]:
            i += 1
        h[i] += 1
    bars = sum(1 for x in h if x > 0)
    run = best = 0
    for x in h + h:
        run = run + 1 if x > 0 else 0
        best = max(best, run)
    best = min(best, bins)
    mean = sum(h) / bins
    sd = math.sqrt(sum((x - mean) ** 2 for x in h) / bins)
    cv = sd / mean
    cvs = 0.0 if cv > 1 else min(r3(1 - cv), 1.0)
    size = max(math.ceil(max(h) * sens), 1)
    modes = {}
    for x in h:
        if x > 0:
            b = int(math.floor(x / size) * size)
            modes[b] = modes.get(b, 0) + 1
    fit = 0.0
    if bars >= min_hours:
        top = sorted(modes.values(), reverse=True) + [0]
        fit = (top[0] + top[1]) / max(bars - outlier, 1)
    fit = min(r3(fit), 1.0)
    return max(cvs, fit), bars, best


def dur(dmin, dmax, first, last, bars, run, min_hours=6, ideal=12):
    if bars < min_hours:
        return 0.0
    cov = min(math.ceil((last - first) / (dmax - dmin) * 1000) / 1000, 1.0)
    con = min(math.ceil(run / ideal * 1000) / 1000, 1.0)
    return max(cov, con)


def score(dmin, dmax, ts, sizes):
    t = ts_score(ts)
    d = stat_score(sorted(sizes), 0)
    h, bars, run = hist(dmin, dmax, ts)
    u = dur(dmin, dmax, min(ts), max(ts), bars, run)
    return r3(0.25 * (t + d + h + u)), t, d, h, u


def series(j, n=20, base=100, t0=1_700_000_000):
    """n connection start times; intervals cycle base-j, base, base+3j
    (Bowley skewness 0.5, MAD j about the median base)."""
    pat = [base - j, base, base + 3 * j]
    ts = [t0]
    for i in range(n - 1):
        ts.append(ts[-1] + pat[i % 3])
    return ts


# source bytes alternating 40 / 1000000: Bowley 0, MAD about the median ~ the
# median, so the data-size score is 0.5
SIZES = [40 if i % 2 == 0 else 1000000 for i in range(20)]

if __name__ == "__main__":
    # RITA's own test vectors (analysis/beacons_test.go), as a check of this reference
    assert ts_score([1517338924, 1517339022, 1517339121, 1517339220, 1517339320,
                     1517339420, 1517339520, 1517339621, 1517339722, 1517339824]) == 0.995
    assert stat_score(sorted([524885, 1, 5000, 98654, 50, 41, 965842, 3]), 0) == 0.008
    assert stat_score(sorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0) == 0.773
    for j in (0, 89, 90, 91):
        ts = series(j)
        s = score(ts[0], ts[-1], ts, SIZES)
        print("j=%2d span=%d score=%.3f ts=%.3f ds=%.3f hist=%.3f dur=%.3f"
              % ((j, ts[-1] - ts[0]) + s))
