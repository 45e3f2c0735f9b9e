/* bench_stats.c: percentiles, best-of, ratios and goals (see bench_stats.h). */
#include "bench_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double bench_percentile(const double *sorted, size_t n, double p)
{
    if (p <= 0)
        return sorted[0];
    /* Rank ceil(p/100 * n), 1-based; computed in integers of 1/10000 so that 99% of 100
     * samples is rank 99, not 100 because of a rounding error in p / 100 * n. */
    size_t scaled = (size_t)llround(p * 100.0);
    size_t rank = (scaled * n + 9999) / 10000;
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int bench_summarize(double *samples, size_t n, struct bench_summary *out)
{
    if (n == 0)
        return -1;
    qsort(samples, n, sizeof(*samples), cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    *out = (struct bench_summary){.n = n,
                                  .p50 = bench_percentile(samples, n, 50),
                                  .p99 = bench_percentile(samples, n, 99),
                                  .min = samples[0],
                                  .max = samples[n - 1],
                                  .mean = sum / (double)n};
    return 0;
}

double bench_best(const double *values, size_t n)
{
    double best = values[0];
    for (size_t i = 1; i < n; i++)
        if (values[i] > best)
            best = values[i];
    return best;
}

double bench_ratio(double value, double baseline)
{
    if (!(baseline > 0) || !isfinite(value))
        return 0;
    return value / baseline;
}

bool bench_goal_met(enum bench_goal goal, double ratio, double target)
{
    switch (goal) {
    case BENCH_GOAL_NONE: return true;
    case BENCH_GOAL_AT_MOST: return ratio > 0 && ratio <= target;
    case BENCH_GOAL_AT_LEAST: return ratio > 0 && ratio >= target;
    }
    return false;
}

const char *bench_goal_text(enum bench_goal goal, double target, char *buf, size_t cap)
{
    switch (goal) {
    case BENCH_GOAL_NONE: snprintf(buf, cap, "%s", ""); break;
    case BENCH_GOAL_AT_MOST: snprintf(buf, cap, "<=%gx", target); break;
    case BENCH_GOAL_AT_LEAST: snprintf(buf, cap, ">=%gx", target); break;
    }
    return buf;
}
