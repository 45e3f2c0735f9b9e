/* test_bench_stats.c: dmaemu-bench's percentiles, best-of, ratios, goals and row lines. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench_report.h"
#include "bench_stats.h"

/* 1..100 shuffled: the nearest rank of p is p itself. */
static void test_percentile_nearest_rank(void **state)
{
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = (double)((i * 37) % 100 + 1);
    struct bench_summary s;
    assert_int_equal(bench_summarize(v, 100, &s), 0);
    assert_int_equal(s.n, 100);
    assert_true(s.p50 == 50.0);
    assert_true(s.p99 == 99.0);
    assert_true(s.min == 1.0 && s.max == 100.0);
    assert_true(fabs(s.mean - 50.5) < 1e-9);
    assert_true(bench_percentile(v, 100, 0) == 1.0);
    assert_true(bench_percentile(v, 100, 100) == 100.0);
    assert_true(bench_percentile(v, 100, 0.5) == 1.0); /* rank ceil(0.5) = 1 */
    assert_true(bench_percentile(v, 100, 1.01) == 2.0);
}

/* Small sets: p99 of fewer than 100 samples is the largest, p50 of an even count the lower
 * middle, and a single sample is every percentile. */
static void test_percentile_small(void **state)
{
    double one[] = {7};
    double four[] = {4, 1, 3, 2};
    double ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    struct bench_summary s;
    assert_int_equal(bench_summarize(one, 1, &s), 0);
    assert_true(s.p50 == 7 && s.p99 == 7);
    assert_int_equal(bench_summarize(four, 4, &s), 0);
    assert_true(s.p50 == 2 && s.p99 == 4);
    assert_true(four[0] == 1 && four[3] == 4); /* sorted in place */
    assert_int_equal(bench_summarize(ten, 10, &s), 0);
    assert_true(s.p50 == 5 && s.p99 == 10);
    assert_true(bench_percentile(ten, 10, 90) == 9);
    assert_true(bench_percentile(ten, 10, 91) == 10);
}

static void test_summarize_empty(void **state)
{
    struct bench_summary s = {.n = 42};
    assert_int_equal(bench_summarize(NULL, 0, &s), -1);
    assert_int_equal(s.n, 42);
}

static void test_best_and_ratio(void **state)
{
    double v[] = {3, 9, 1, 9.5, 2};
    assert_true(bench_best(v, 5) == 9.5);
    assert_true(bench_best(v, 1) == 3);
    assert_true(bench_ratio(13, 10) == 1.3);
    assert_true(bench_ratio(5, 0) == 0);
    assert_true(bench_ratio(5, -1) == 0);
    assert_true(bench_ratio(NAN, 2) == 0);
}

static void test_goals(void **state)
{
    char buf[16];
    assert_true(bench_goal_met(BENCH_GOAL_AT_MOST, 1.3, 1.3));
    assert_false(bench_goal_met(BENCH_GOAL_AT_MOST, 1.31, 1.3));
    assert_false(bench_goal_met(BENCH_GOAL_AT_MOST, 0, 1.3)); /* no baseline: not met */
    assert_true(bench_goal_met(BENCH_GOAL_AT_LEAST, 0.8, 0.8));
    assert_false(bench_goal_met(BENCH_GOAL_AT_LEAST, 0.79, 0.8));
    assert_true(bench_goal_met(BENCH_GOAL_NONE, 0, 0));
    assert_string_equal(bench_goal_text(BENCH_GOAL_AT_MOST, 1.3, buf, sizeof(buf)), "<=1.3x");
    assert_string_equal(bench_goal_text(BENCH_GOAL_AT_LEAST, 0.5, buf, sizeof(buf)), ">=0.5x");
    assert_string_equal(bench_goal_text(BENCH_GOAL_NONE, 0.5, buf, sizeof(buf)), "");
}

/* Rows find their baselines by name, scale them, and print the ratio with a goal marker. */
static void test_report_rows(void **state)
{
    struct bench_report r = {0};
    char line[256];
    bench_add(&r, "baseline", "raw UNIX RTT p50", 10.0, "us");
    struct bench_row *irq = bench_add(&r, "interrupt", "IRQ p50", 6.0, "us");
    bench_compare(&r, irq, "raw UNIX RTT p50", 0.5, "half raw UNIX RTT p50", BENCH_GOAL_AT_MOST,
                  1.3);
    assert_true(irq->baseline_value == 5.0);
    assert_true(fabs(irq->ratio - 1.2) < 1e-9);
    bench_format_row(irq, line, sizeof(line));
    assert_non_null(strstr(line, "1.2x half raw UNIX RTT p50 (goal <=1.3x)  met"));

    struct bench_row *rate = bench_add(&r, "mmio", "writes", 400000.0, "writes/s");
    bench_compare_inverse(&r, rate, "raw UNIX RTT p50", "raw UNIX round trips/s", BENCH_GOAL_NONE,
                          0);
    assert_true(fabs(rate->baseline_value - 100000.0) < 1e-6); /* 1e6 / 10 us */
    assert_true(fabs(rate->ratio - 4.0) < 1e-9);

    struct bench_row *slow = bench_add(&r, "dma", "DMA", 70.0, "MB/s");
    bench_add(&r, "baseline", "memcpy", 100.0, "MB/s");
    bench_compare(&r, slow, "memcpy", 1.0, "memcpy", BENCH_GOAL_AT_LEAST, 0.8);
    bench_format_row(slow, line, sizeof(line));
    assert_non_null(strstr(line, "(goal >=0.8x)  MISSED"));

    struct bench_row *orphan = bench_add(&r, "dma", "remote", 1.0, "MB/s");
    bench_compare(&r, orphan, "raw TCP streaming", 1.0, "raw TCP streaming", BENCH_GOAL_AT_LEAST,
                  0.5);
    bench_format_row(orphan, line, sizeof(line));
    assert_non_null(strstr(line, "n/a: raw TCP streaming not measured"));

    size_t with_goal;
    assert_int_equal(bench_goals_missed(&r, &with_goal), 2);
    assert_int_equal(with_goal, 3);
    bench_report_free(&r);
}

/* The JSON holds what the table shows, ratio and goal included. */
static void test_report_json(void **state)
{
    struct bench_report r = {.quick = true};
    bench_add(&r, "baseline", "memcpy 1 MiB", 1000.0, "MB/s");
    struct bench_row *row = bench_add(&r, "dma", "DMA 1 MiB to device, local", 900.0, "MB/s");
    bench_compare(&r, row, "memcpy 1 MiB", 1.0, "memcpy 1 MiB", BENCH_GOAL_AT_LEAST, 0.8);
    char path[] = "/tmp/dmaemu-bench-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(bench_write_json(&r, path, "dmaemu-bench --quick"), 0);
    FILE *f = fopen(path, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    unlink(path);
    text[n] = '\0';
    assert_non_null(strstr(text, "\"command\": \"dmaemu-bench --quick\""));
    assert_non_null(strstr(text, "\"quick\": true"));
    assert_non_null(strstr(text, "\"ratio\": 0.9"));
    assert_non_null(strstr(text, "\"goal\": \">=0.8x\""));
    assert_non_null(strstr(text, "\"goal_met\": true"));
    bench_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_nearest_rank),
        cmocka_unit_test(test_percentile_small),
        cmocka_unit_test(test_summarize_empty),
        cmocka_unit_test(test_best_and_ratio),
        cmocka_unit_test(test_goals),
        cmocka_unit_test(test_report_rows),
        cmocka_unit_test(test_report_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
