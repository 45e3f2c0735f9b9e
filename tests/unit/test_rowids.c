/*
 * test_rowids.c: the history writer's cache of session and transaction row ids
 * (daemon/history/rowids.c): what was put is found, under its own key only, across growth,
 * until cleared; past its size it empties rather than grows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "history/history_record.h"

static void test_put_get_across_growth(void **state)
{
    (void)state;
    struct hrowids t = {0};
    assert_int_equal(hrowids_get(&t, 1, 0), 0); /* empty, never allocated */
    for (uint64_t s = 1; s <= 3000; s++) {
        hrowids_put(&t, s, 0, (int64_t)(s * 10));
        hrowids_put(&t, s, 7, (int64_t)(s * 10 + 1));
    }
    for (uint64_t s = 1; s <= 3000; s++) {
        assert_int_equal(hrowids_get(&t, s, 0), s * 10);
        assert_int_equal(hrowids_get(&t, s, 7), s * 10 + 1);
        assert_int_equal(hrowids_get(&t, s, 8), 0);
    }
    hrowids_put(&t, 5, 7, 99); /* a transaction number reused: its latest row */
    assert_int_equal(hrowids_get(&t, 5, 7), 99);
    hrowids_free(&t);
}

static void test_clear_forgets(void **state)
{
    (void)state;
    struct hrowids t = {0};
    hrowids_put(&t, 4, 0, 40);
    hrowids_clear(&t);
    assert_int_equal(hrowids_get(&t, 4, 0), 0);
    hrowids_put(&t, 4, 0, 41);
    assert_int_equal(hrowids_get(&t, 4, 0), 41);
    hrowids_free(&t);
}

/* A daemon running for weeks sees ever new sessions: the table stays bounded. */
static void test_bounded(void **state)
{
    (void)state;
    struct hrowids t = {0};
    for (uint64_t s = 1; s <= 200000; s++)
        hrowids_put(&t, s, 0, (int64_t)s);
    assert_true(t.cap <= (1u << 16));
    assert_true(t.count < t.cap);
    assert_int_equal(hrowids_get(&t, 200000, 0), 200000); /* the newest survive */
    hrowids_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_across_growth),
        cmocka_unit_test(test_clear_forgets),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
