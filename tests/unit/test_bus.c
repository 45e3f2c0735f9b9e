/* test_bus.c: the per-session region table (daemon/bus.h), with remote regions only (no mmap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"

#define TOP UINT64_MAX

static struct bus_region region(uint64_t addr, uint64_t len, bool ro)
{
    return (struct bus_region){.bus_addr = addr, .length = len, .read_only = ro};
}

static int map(struct bus *b, uint64_t addr, uint64_t len)
{
    struct bus_region r = region(addr, len, false);
    return bus_map(b, &r);
}

static int map_ro(struct bus *b, uint64_t addr, uint64_t len)
{
    struct bus_region r = region(addr, len, true);
    return bus_map(b, &r);
}

static int setup(void **state)
{
    struct bus *b = malloc(sizeof(*b));
    if (b == NULL)
        return -1;
    bus_init(b, 64);
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    bus_destroy(*state);
    free(*state);
    return 0;
}

/* Asserts bus_check's status and, on failure, the exact faulting address. */
static void check(const struct bus *b, uint64_t addr, uint64_t len, bool write, int want,
                  uint64_t want_fault)
{
    uint64_t fault = 0xBADBADBADu;
    int st = bus_check(b, addr, len, write, &fault);
    if (st != want)
        fail_msg("bus_check(%#llx, %#llx, %d) = %d (%s), want %d", (unsigned long long)addr,
                 (unsigned long long)len, write, st, bus_status_str(st), want);
    if (want != BUS_OK && fault != want_fault)
        fail_msg("bus_check(%#llx, %#llx) faulted at %#llx, want %#llx", (unsigned long long)addr,
                 (unsigned long long)len, (unsigned long long)fault,
                 (unsigned long long)want_fault);
}

/* ---- map / unmap ---- */

static void test_map_then_unmap_returns_region(void **state)
{
    struct bus *b = *state;
    struct bus_region r = region(0x10000, 0x2000, true), out;
    assert_int_equal(bus_map(b, &r), BUS_OK);
    assert_int_equal(b->count, 1);
    memset(&out, 0, sizeof(out));
    assert_int_equal(bus_unmap(b, 0x10000, &out), BUS_OK);
    assert_true(out.bus_addr == 0x10000);
    assert_true(out.length == 0x2000);
    assert_true(out.read_only);
    assert_null(out.host);
    assert_int_equal(b->count, 0);
    assert_int_equal(bus_unmap(b, 0x10000, &out), BUS_E_NOT_MAPPED);
}

static void test_unmap_non_start_address_fails(void **state)
{
    struct bus *b = *state;
    struct bus_region out;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(bus_unmap(b, 0x1001, &out), BUS_E_NOT_MAPPED);
    assert_int_equal(bus_unmap(b, 0x1FFF, &out), BUS_E_NOT_MAPPED);
    assert_int_equal(bus_unmap(b, 0x0FFF, &out), BUS_E_NOT_MAPPED);
    assert_int_equal(bus_unmap(b, 0x2000, &out), BUS_E_NOT_MAPPED);
    assert_int_equal(b->count, 1);
    assert_int_equal(bus_unmap(b, 0x1000, &out), BUS_OK);
}

static void test_unmap_empty_bus_fails(void **state)
{
    struct bus_region out;
    assert_int_equal(bus_unmap(*state, 0, &out), BUS_E_NOT_MAPPED);
}

static void test_map_zero_length_refused(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0), BUS_E_INVALID);
    assert_int_equal(map(b, 0, 0), BUS_E_INVALID);
    assert_int_equal(b->count, 0);
}

static void test_map_wrapping_past_2_64_refused(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, TOP, 2), BUS_E_INVALID);
    assert_int_equal(map(b, TOP - 0xFFF, 0x1001), BUS_E_INVALID);
    assert_int_equal(map(b, 2, TOP), BUS_E_INVALID);
    assert_int_equal(map(b, TOP, TOP), BUS_E_INVALID);
    assert_int_equal(b->count, 0);
}

static void test_map_up_to_last_byte_allowed(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, TOP - 0xFFF, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0, TOP - 0xFFF), BUS_OK); /* everything below it */
    assert_int_equal(b->count, 2);
}

static void test_map_single_last_byte(void **state)
{
    assert_int_equal(map(*state, TOP, 1), BUS_OK);
}

static void test_overlap_refused_every_arrangement(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x10000, 0x1000), BUS_OK); /* [0x10000, 0x11000) */
    static const uint64_t bad[][2] = {
        {0x10000, 0x1000}, /* identical */
        {0x10400, 0x100},  /* inside */
        {0x0F000, 0x3000}, /* covering */
        {0x0F000, 0x1001}, /* overlapping the first byte */
        {0x10FFF, 0x10},   /* overlapping the last byte */
        {0x10000, 1},      /* same start, shorter */
        {0x10000, 0x2000}, /* same start, longer */
        {0x0F800, 0x1800}, /* same end, starting before */
        {0x10FFF, 1},      /* just the last byte */
        {0, TOP},          /* everything */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int st = map(b, bad[i][0], bad[i][1]);
        if (st != BUS_E_OVERLAP)
            fail_msg("[%#llx +%#llx) mapped over [0x10000 +0x1000): %d",
                     (unsigned long long)bad[i][0], (unsigned long long)bad[i][1], st);
    }
    assert_int_equal(b->count, 1);
}

static void test_overlap_with_two_neighbours_refused(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x4000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x1800, 0x3000), BUS_E_OVERLAP); /* both */
    assert_int_equal(map(b, 0x2000, 0x2001), BUS_E_OVERLAP); /* gap + the upper's first byte */
    assert_int_equal(map(b, 0x1FFF, 0x2001), BUS_E_OVERLAP); /* the lower's last byte + gap */
    assert_int_equal(map(b, 0x2000, 0x2000), BUS_OK);        /* exactly the gap */
    assert_int_equal(b->count, 3);
}

static void test_adjacent_regions_allowed(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x10000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x11000, 0x1000), BUS_OK); /* touches the end */
    assert_int_equal(map(b, 0x0F000, 0x1000), BUS_OK); /* touches the start */
    assert_int_equal(map(b, 0x0EFFF, 1), BUS_OK);
    assert_int_equal(map(b, 0x12000, 1), BUS_OK);
    assert_int_equal(b->count, 5);
}

static void test_max_regions_limit(void **state)
{
    struct bus b;
    bus_init(&b, 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(map(&b, i * 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map(&b, 0x10000, 0x1000), BUS_E_LIMIT);
    assert_int_equal(b.count, 3);
    struct bus_region out;
    assert_int_equal(bus_unmap(&b, 0x1000, &out), BUS_OK);
    assert_int_equal(map(&b, 0x10000, 0x1000), BUS_OK);
    bus_destroy(&b);
}

static void test_max_regions_zero_refuses_all(void **state)
{
    struct bus b;
    bus_init(&b, 0);
    assert_int_equal(map(&b, 0x1000, 0x1000), BUS_E_LIMIT);
    bus_destroy(&b);
}

/* ---- bus_check ---- */

static void test_check_fully_mapped(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    check(b, 0x1000, 0x1000, false, BUS_OK, 0);
    check(b, 0x1000, 0x1000, true, BUS_OK, 0);
    check(b, 0x1FFF, 1, true, BUS_OK, 0);
    check(b, 0x1800, 0x10, false, BUS_OK, 0);
}

static void test_check_straddles_adjacent_regions(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x2000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x3000, 0x10), BUS_OK);
    check(b, 0x1FF0, 0x20, true, BUS_OK, 0);
    check(b, 0x1000, 0x2010, false, BUS_OK, 0);
}

static void test_check_gap_faults_at_first_unmapped(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x3000, 0x1000), BUS_OK);
    check(b, 0x1F00, 0x2000, false, BUS_E_NOT_MAPPED, 0x2000); /* runs into the gap */
    check(b, 0x1000, 0x1001, true, BUS_E_NOT_MAPPED, 0x2000);  /* one byte too many */
    check(b, 0x3F00, 0x200, false, BUS_E_NOT_MAPPED, 0x4000);  /* past the last region */
}

static void test_check_unmapped_start(void **state)
{
    struct bus *b = *state;
    check(b, 0x1000, 1, false, BUS_E_NOT_MAPPED, 0x1000); /* empty bus */
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    check(b, 0x0FFF, 2, false, BUS_E_NOT_MAPPED, 0x0FFF);
    check(b, 0x2000, 1, false, BUS_E_NOT_MAPPED, 0x2000);
    check(b, 0, 0x10, false, BUS_E_NOT_MAPPED, 0);
}

static void test_check_read_only_write_faults(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map_ro(b, 0x2000, 0x1000), BUS_OK);
    check(b, 0x2000, 0x1000, false, BUS_OK, 0);
    check(b, 0x2800, 0x10, true, BUS_E_READ_ONLY, 0x2800);
    check(b, 0x1F00, 0x200, true, BUS_E_READ_ONLY, 0x2000); /* writable part first */
    check(b, 0x1F00, 0x200, false, BUS_OK, 0);
}

static void test_check_gap_before_read_only_reports_gap(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map_ro(b, 0x3000, 0x1000), BUS_OK);
    check(b, 0x1000, 0x3000, true, BUS_E_NOT_MAPPED, 0x2000);
}

static void test_check_wrap_past_2_64_refused(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, TOP - 0xFFF, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0, 0x1000), BUS_OK);
    uint64_t fault;
    assert_int_equal(bus_check(b, TOP - 0xF, 0x20, false, &fault), BUS_E_INVALID);
    assert_int_equal(bus_check(b, TOP, 2, false, &fault), BUS_E_INVALID);
    assert_int_equal(bus_check(b, 2, TOP, false, &fault), BUS_E_INVALID);
}

static void test_check_up_to_last_byte(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, TOP - 0x1FFF, 0x1000), BUS_OK);
    assert_int_equal(map(b, TOP - 0xFFF, 0x1000), BUS_OK);
    check(b, TOP - 0x1FFF, 0x2000, true, BUS_OK, 0);
    check(b, TOP, 1, true, BUS_OK, 0);
}

static void test_check_whole_address_space_region(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0, TOP), BUS_OK);
    check(b, 0, TOP, true, BUS_OK, 0);
    check(b, 1, TOP, true, BUS_E_NOT_MAPPED, TOP); /* [1, 2^64): the last byte is not mapped */
    check(b, TOP - 1, 1, true, BUS_OK, 0);
    check(b, TOP - 1, 2, true, BUS_E_NOT_MAPPED, TOP);
    uint64_t fault;
    assert_int_equal(bus_check(b, 2, TOP, true, &fault), BUS_E_INVALID); /* would wrap */
}

static void test_check_zero_length_ok(void **state)
{
    struct bus *b = *state;
    uint64_t fault = 1;
    assert_int_equal(bus_check(b, 0x5000, 0, true, &fault), BUS_OK);
    assert_int_equal(bus_check(b, TOP, 0, false, &fault), BUS_OK);
}

/* ---- bus_translate ---- */

static void test_translate_span_inside_region(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    struct bus_span s;
    assert_int_equal(bus_translate(b, 0x1100, 0x20, &s), BUS_OK);
    assert_non_null(s.region);
    assert_true(s.region->bus_addr == 0x1000);
    assert_true(s.offset == 0x100);
    assert_true(s.len == 0x20);
}

static void test_translate_span_shrinks_at_region_end(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(map(b, 0x2000, 0x1000), BUS_OK);
    struct bus_span s;
    assert_int_equal(bus_translate(b, 0x1F00, 0x200, &s), BUS_OK);
    assert_true(s.region->bus_addr == 0x1000);
    assert_true(s.offset == 0xF00);
    assert_true(s.len == 0x100);
    assert_int_equal(bus_translate(b, 0x2000, 0x100, &s), BUS_OK);
    assert_true(s.region->bus_addr == 0x2000);
    assert_true(s.offset == 0);
}

static void test_translate_unmapped_and_zero_len(void **state)
{
    struct bus *b = *state;
    struct bus_span s;
    assert_int_equal(bus_translate(b, 0x1000, 1, &s), BUS_E_NOT_MAPPED);
    assert_int_equal(map(b, 0x1000, 0x1000), BUS_OK);
    assert_int_equal(bus_translate(b, 0x0FFF, 0x10, &s), BUS_E_NOT_MAPPED);
    assert_int_equal(bus_translate(b, 0x2000, 1, &s), BUS_E_NOT_MAPPED);
    assert_int_equal(bus_translate(b, 0x1000, 0, &s), BUS_E_NOT_MAPPED);
}

static void test_translate_whole_address_space(void **state)
{
    struct bus *b = *state;
    assert_int_equal(map(b, 0, TOP), BUS_OK);
    struct bus_span s;
    assert_int_equal(bus_translate(b, 0, TOP, &s), BUS_OK);
    assert_true(s.offset == 0);
    assert_true(s.len == TOP);
    assert_int_equal(bus_translate(b, 5, TOP - 5, &s), BUS_OK);
    assert_true(s.offset == 5);
    assert_true(s.len == TOP - 5);
    assert_int_equal(bus_translate(b, 5, TOP, &s), BUS_OK);
    assert_true(s.len == TOP - 5);
}

/* ---- many regions ---- */

static void shuffle(uint64_t *v, size_t n, unsigned seed)
{
    srand(seed);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        uint64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* Region i is [i * 0x3000, +0x1000 + (i % 3) * 0x1000): sizes 1..3 pages, gaps 2..0 pages. */
static uint64_t many_len(uint64_t i)
{
    return 0x1000 + (i % 3) * 0x1000;
}

static void test_many_regions_sorted_and_searchable(void **state)
{
    enum { N = 1000 };
    uint64_t idx[N];
    for (size_t i = 0; i < N; i++)
        idx[i] = i;
    shuffle(idx, N, 12345);
    struct bus b;
    bus_init(&b, 2 * N);
    for (size_t k = 0; k < N; k++)
        assert_int_equal(map(&b, idx[k] * 0x3000, many_len(idx[k])), BUS_OK);
    assert_int_equal(b.count, N);
    for (size_t i = 1; i < N; i++)
        assert_true(b.regions[i - 1].bus_addr < b.regions[i].bus_addr);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t a = i * 0x3000, end = a + many_len(i);
        check(&b, a, many_len(i), true, BUS_OK, 0);
        check(&b, a + 1, many_len(i) - 1, false, BUS_OK, 0);
        if (end % 0x3000 != 0) /* a gap follows */
            check(&b, end - 1, 2, false, BUS_E_NOT_MAPPED, end);
        assert_int_equal(map(&b, a, 1), BUS_E_OVERLAP);
        assert_int_equal(map(&b, end - 1, 1), BUS_E_OVERLAP);
    }
    bus_destroy(&b);
}

static void test_many_regions_unmap_in_random_order(void **state)
{
    enum { N = 1000 };
    uint64_t idx[N];
    for (size_t i = 0; i < N; i++)
        idx[i] = i;
    struct bus b;
    bus_init(&b, N);
    shuffle(idx, N, 1);
    for (size_t k = 0; k < N; k++)
        assert_int_equal(map(&b, idx[k] * 0x3000, many_len(idx[k])), BUS_OK);
    shuffle(idx, N, 2);
    for (size_t k = 0; k < N / 2; k++) {
        struct bus_region out;
        assert_int_equal(bus_unmap(&b, idx[k] * 0x3000, &out), BUS_OK);
        assert_true(out.length == many_len(idx[k]));
    }
    assert_int_equal(b.count, N - N / 2);
    for (size_t i = 1; i < b.count; i++)
        assert_true(b.regions[i - 1].bus_addr < b.regions[i].bus_addr);
    for (size_t k = 0; k < N; k++) {
        uint64_t a = idx[k] * 0x3000;
        check(&b, a, 1, false, k < N / 2 ? BUS_E_NOT_MAPPED : BUS_OK, a);
    }
    bus_destroy(&b);
}

static void test_status_str_distinct(void **state)
{
    static const int st[] = {BUS_OK,      BUS_E_INVALID,    BUS_E_OVERLAP,  BUS_E_LIMIT,
                             BUS_E_NOMEM, BUS_E_NOT_MAPPED, BUS_E_READ_ONLY};
    const size_t n = sizeof(st) / sizeof(st[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(bus_status_str(st[i]), bus_status_str(-100));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(bus_status_str(st[i]), bus_status_str(st[j]));
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_map_then_unmap_returns_region),
        T(test_unmap_non_start_address_fails),
        T(test_unmap_empty_bus_fails),
        T(test_map_zero_length_refused),
        T(test_map_wrapping_past_2_64_refused),
        T(test_map_up_to_last_byte_allowed),
        T(test_map_single_last_byte),
        T(test_overlap_refused_every_arrangement),
        T(test_overlap_with_two_neighbours_refused),
        T(test_adjacent_regions_allowed),
        T(test_max_regions_limit),
        T(test_max_regions_zero_refuses_all),
        T(test_check_fully_mapped),
        T(test_check_straddles_adjacent_regions),
        T(test_check_gap_faults_at_first_unmapped),
        T(test_check_unmapped_start),
        T(test_check_read_only_write_faults),
        T(test_check_gap_before_read_only_reports_gap),
        T(test_check_wrap_past_2_64_refused),
        T(test_check_up_to_last_byte),
        T(test_check_whole_address_space_region),
        T(test_check_zero_length_ok),
        T(test_translate_span_inside_region),
        T(test_translate_span_shrinks_at_region_end),
        T(test_translate_unmapped_and_zero_len),
        T(test_translate_whole_address_space),
        T(test_many_regions_sorted_and_searchable),
        T(test_many_regions_unmap_in_random_order),
        T(test_status_str_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
