/*
 * bench_stats.h: the arithmetic of dmaemu-bench: percentiles of sorted samples, the best of
 * repeated batches, ratios to baselines and goals. Pure functions, unit-tested in
 * tests/unit/test_bench_stats.c.
 */
#ifndef DMAEMU_BENCH_STATS_H
#define DMAEMU_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct bench_summary {
    size_t n;
    double p50, p99, min, max, mean;
};

/*
 * Nearest-rank percentile (p in [0, 100]) of n sorted samples: the smallest sample that at
 * least p percent of the samples do not exceed. Never interpolates, so it is always a value
 * that was measured. n must be > 0.
 */
double bench_percentile(const double *sorted, size_t n, double p);

/* Sorts samples in place and summarises them; returns -1 (and leaves *out alone) when n == 0. */
int bench_summarize(double *samples, size_t n, struct bench_summary *out);

/* The largest of n values (n > 0): the batch least disturbed by other work on a shared
 * machine, where noise only ever slows a batch down. */
double bench_best(const double *values, size_t n);

enum bench_goal {
    BENCH_GOAL_NONE,     /* informational: no goal */
    BENCH_GOAL_AT_MOST,  /* ratio <= target (latencies) */
    BENCH_GOAL_AT_LEAST, /* ratio >= target (rates) */
};

/* value / baseline, or 0 when there is no usable baseline (<= 0, or not measured). */
double bench_ratio(double value, double baseline);

/* Whether a ratio meets its goal; always true without one, never with a ratio of 0 (no
 * baseline: nothing was shown). */
bool bench_goal_met(enum bench_goal goal, double ratio, double target);

/* "<=1.3x", ">=0.8x" or "" into buf. */
const char *bench_goal_text(enum bench_goal goal, double target, char *buf, size_t cap);

#endif
