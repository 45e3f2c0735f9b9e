/*
 * bench_report.h: the rows dmaemu-bench measures, their ratios to baselines, and the two ways
 * it shows them (a table on stdout, JSON with --json).
 */
#ifndef DMAEMU_BENCH_REPORT_H
#define DMAEMU_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_stats.h"

#define BENCH_NAME_MAX 64

struct bench_row {
    char section[24];          /* "baseline", "mmio", "interrupt", "dma", "io" */
    char name[BENCH_NAME_MAX]; /* unique: rows refer to their baseline by name */
    double value;
    const char *unit; /* "us", "MB/s", "req/s", "writes/s" */
    /* Comparison, when the row has a baseline: ratio = value / (scale * baseline's value). */
    char baseline[BENCH_NAME_MAX];
    char ratio_label[BENCH_NAME_MAX]; /* what the ratio is "x" of, e.g. "raw UNIX RTT p50" */
    double baseline_value;            /* already scaled */
    double ratio;
    enum bench_goal goal;
    double target;
};

struct bench_report {
    struct bench_row *rows;
    size_t count, cap;
    bool quick;
};

/* Appends a row (a baseline, until bench_compare gives it one); NULL when out of memory. */
struct bench_row *bench_add(struct bench_report *r, const char *section, const char *name,
                            double value, const char *unit);
const struct bench_row *bench_find(const struct bench_report *r, const char *name);
/* Compares row with scale x the row named baseline (label: how the table names it). A
 * baseline that was not measured leaves the ratio at 0 ("n/a"). */
void bench_compare(const struct bench_report *r, struct bench_row *row, const char *baseline,
                   double scale, const char *label, enum bench_goal goal, double target);

/* The same for a rate compared with the inverse of a latency row in microseconds (round
 * trips per second from a round-trip time). */
void bench_compare_inverse(const struct bench_report *r, struct bench_row *row,
                           const char *baseline_us, const char *label, enum bench_goal goal,
                           double target);

/* One table line for a row (no newline). */
void bench_format_row(const struct bench_row *row, char *buf, size_t cap);
void bench_print_table(const struct bench_report *r, FILE *out);
/* Writes the rows as JSON; 0, or -1 with errno-style failure (message printed). */
int bench_write_json(const struct bench_report *r, const char *path, const char *command);
/* Goals with a ratio that fall short, for the summary line. */
size_t bench_goals_missed(const struct bench_report *r, size_t *with_goal);
void bench_report_free(struct bench_report *r);

#endif
