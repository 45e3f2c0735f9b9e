/*
 * test_plx9656_stress.c: the plx9656 model under load.
 *
 * 1. Responsiveness: while a driver on plx0 moves 64 MiB (block mode, one 64 MiB region, both
 *    directions), a driver on plx1 in another thread keeps reading registers. Its reads must keep
 *    being answered during the transfer; how many and their worst latency are reported, not
 *    asserted.
 * 2. Isolation: plx0 and plx1 transfer at the same time in both directions, from sessions that
 *    map their regions at the same bus addresses; each region gets exactly its own data.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plx9656_util.h"

static struct harness_daemon g_big;

static const char big_ini[] = "[device plx0]\n"
                              "model = plx9656\n"
                              "sram_size = 64M\n"
                              "\n"
                              "[device plx1]\n"
                              "model = plx9656\n"
                              "sram_size = 64M\n";

#define MIB        (1024u * 1024u)
#define TOTAL      (64u * MIB)
#define CHUNK      (4u * MIB) /* DMASIZ holds 23 bits: at most 8 MiB - 1 per block transfer */
#define BIG_BUS    0x40000000ull
#define DONE_MS    120000
#define PCIHIDR_ID 0x960110B5u

/* Responsiveness ------------------------------------------------------------------------------- */

struct reader {
    dmaemu_t *c;
    atomic_bool stop;
    atomic_int phase; /* 0: idle, 1: plx0 transferring */
    /* Written by the reader thread, read after join. */
    atomic_ulong during;
    atomic_llong max_us_during;
    unsigned long total, errors;
    int64_t max_us_idle;
    int first_error;
    uint64_t bad_value;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    while (!atomic_load(&r->stop)) {
        int phase_before = atomic_load(&r->phase);
        uint64_t v = 0;
        int64_t t0 = plx_now_us();
        int rc = dmaemu_mmio_read(r->c, PLX_BAR_REGS, PLX_PCIHIDR, 4, &v);
        int64_t dt = plx_now_us() - t0;
        int phase_after = atomic_load(&r->phase);
        r->total++;
        if (rc != 0 || v != PCIHIDR_ID) {
            if (r->errors++ == 0) {
                r->first_error = rc;
                r->bad_value = v;
            }
            continue;
        }
        if (phase_before == 1 && phase_after == 1) {
            atomic_fetch_add(&r->during, 1);
            if (dt > atomic_load(&r->max_us_during))
                atomic_store(&r->max_us_during, dt);
        } else if (dt > r->max_us_idle) {
            r->max_us_idle = dt;
        }
    }
    return NULL;
}

/* The running reader, stopped by teardown if the test fails while it runs. */
static struct reader *g_reader;
static pthread_t g_reader_thread;

static void reader_stop(void)
{
    if (g_reader == NULL)
        return;
    atomic_store(&g_reader->stop, true);
    pthread_join(g_reader_thread, NULL);
    g_reader = NULL;
}

static int stress_teardown(void **state)
{
    reader_stop();
    return plx_teardown(state);
}

/* Moves the whole 64 MiB in 4 MiB block transfers on channel 0; returns elapsed microseconds. */
static int64_t move_all(struct plx *p, enum plx_dir dir)
{
    int64_t t0 = plx_now_us();
    for (uint32_t off = 0; off < TOTAL; off += CHUNK)
        plx_block_dma(p, 0, BIG_BUS + off, off, CHUNK, dir, PLX_MODE_BASE);
    return plx_now_us() - t0;
}

static void test_stress_responsiveness(void **state)
{
    struct plx *p = *state; /* plx0 */
    assert_int_equal(p->sram_size, TOTAL);
    dmaemu_region_t *big = plx_region(p, BIG_BUS, TOTAL, 0);
    uint8_t *m = plx_region_mem(big);
    plx_pattern(m, TOTAL, 1234);

    struct plx *q = plx_open_child(p, p->tcp, "plx1");
    assert_int_equal(q->sram_size, TOTAL);
    struct reader r = {.c = q->c};
    atomic_init(&r.stop, false);
    atomic_init(&r.phase, 0);
    atomic_init(&r.during, 0);
    atomic_init(&r.max_us_during, 0);
    assert_int_equal(pthread_create(&g_reader_thread, NULL, reader_main, &r), 0);
    g_reader = &r;

    /* Host -> SRAM, 64 MiB. */
    atomic_store(&r.phase, 1);
    int64_t us_in = move_all(p, PLX_H2D);
    atomic_store(&r.phase, 0);
    unsigned long during_in = atomic_load(&r.during);
    long long max_in = atomic_load(&r.max_us_during);

    /* SRAM -> host into the same (cleared) region, then compare. */
    memset(m, 0, TOTAL);
    atomic_store(&r.phase, 1);
    int64_t us_out = move_all(p, PLX_D2H);
    atomic_store(&r.phase, 0);

    reader_stop();

    print_message("[%s] 64 MiB host->SRAM in %.3f s (%.1f MiB/s), SRAM->host in %.3f s "
                  "(%.1f MiB/s)\n",
                  p->tcp ? "tcp" : "unix", us_in / 1e6, 64.0 / (us_in / 1e6), us_out / 1e6,
                  64.0 / (us_out / 1e6));
    print_message("[%s] plx1 register reads answered during plx0's transfers: %lu during "
                  "host->SRAM (max latency %lld us), %lu in both directions (max %lld us); "
                  "%lu reads in all, max latency while plx0 idle %lld us\n",
                  p->tcp ? "tcp" : "unix", during_in, max_in, atomic_load(&r.during),
                  atomic_load(&r.max_us_during), r.total, (long long)r.max_us_idle);
    if (r.errors)
        fail_msg("%lu of plx1's register reads failed or returned a wrong value (first: rc %d, "
                 "value 0x%llx)",
                 r.errors, r.first_error, (unsigned long long)r.bad_value);
    if (during_in == 0)
        fail_msg("no register read on plx1 completed while plx0 moved 64 MiB");
    plx_expect_pattern("64 MiB after host->SRAM->host", m, TOTAL, 1234);
    /* SRAM spot checks at chunk boundaries, independent of the DMA path. */
    for (uint32_t off = 0; off < TOTAL; off += CHUNK) {
        uint8_t got[16];
        uint32_t at = off == 0 ? 0 : off - 8;
        plx_sram_read(p, at, got, sizeof(got));
        for (unsigned i = 0; i < sizeof(got); i++)
            if (got[i] != plx_pat(1234, at + i))
                fail_msg("SRAM byte 0x%x = 0x%02x, expected 0x%02x", at + i, got[i],
                         plx_pat(1234, at + i));
    }
    plx_close_child(p, q);
}

/* Isolation ------------------------------------------------------------------------------------ */

#define ISO_LEN    (4u * MIB - 3u)
#define ISO_A      0x50000000ull /* source of host -> SRAM */
#define ISO_B      0x51000000ull /* destination of SRAM -> host */
#define ISO_C      0x52000000ull /* staging */
#define ISO_SRAM_A 0x00000000u
#define ISO_SRAM_B 0x01000000u

struct iso_dev {
    struct plx *p;
    uint8_t *a, *b, *c;
    uint32_t seed_a, seed_b;
};

static void iso_prepare(struct iso_dev *d, uint32_t seed_a, uint32_t seed_b)
{
    d->seed_a = seed_a;
    d->seed_b = seed_b;
    plx_pattern(d->a, ISO_LEN, seed_a);
    memset(d->b, 0xCC, ISO_LEN + 3);
    /* SRAM source for the outbound transfer, staged through C. */
    plx_pattern(d->c, ISO_LEN, seed_b);
    plx_block_dma(d->p, 0, ISO_C, ISO_SRAM_B, ISO_LEN, PLX_H2D, PLX_MODE_BASE);
    memset(d->c, 0, ISO_LEN + 3);
}

static void iso_start(struct iso_dev *d)
{
    plx_block_start(d->p, 0, ISO_A + 1, ISO_SRAM_A + 2, ISO_LEN, PLX_H2D, PLX_MODE_BASE);
    plx_block_start(d->p, 1, ISO_B + 2, ISO_SRAM_B, ISO_LEN, PLX_D2H, PLX_MODE_BASE);
}

static void iso_check(struct iso_dev *d, const char *name)
{
    char what[96];
    plx_expect_done(d->p, 0, DONE_MS);
    plx_expect_done(d->p, 1, DONE_MS);
    uint32_t intcsr = plx_rd32(d->p, PLX_INTCSR);
    if (intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1))
        fail_msg("%s: INTCSR = 0x%08x, master abort", name, intcsr);
    /* B: exactly this device's SRAM data. */
    snprintf(what, sizeof(what), "%s: region B", name);
    plx_expect_fill(what, d->b, 2, 0xCC);
    plx_expect_pattern(what, d->b + 2, ISO_LEN, d->seed_b);
    plx_expect_fill(what, d->b + 2 + ISO_LEN, 1, 0xCC);
    /* A, the source (read from A + 1), is unchanged. */
    snprintf(what, sizeof(what), "%s: region A", name);
    plx_expect_pattern(what, d->a, ISO_LEN, d->seed_a);
    /* SRAM A: read back through C. */
    plx_block_dma(d->p, 0, ISO_C, ISO_SRAM_A + 2, ISO_LEN - 1, PLX_D2H, PLX_MODE_BASE);
    snprintf(what, sizeof(what), "%s: SRAM written from A", name);
    uint8_t *exp = malloc(ISO_LEN);
    assert_non_null(exp);
    plx_pattern(exp, ISO_LEN, d->seed_a);
    plx_expect_bytes(what, d->c, exp + 1, ISO_LEN - 1);
    free(exp);
}

static void iso_map(struct iso_dev *d, struct plx *p)
{
    d->p = p;
    d->a = plx_region_mem(plx_region(p, ISO_A, ISO_LEN + 3, 0));
    d->b = plx_region_mem(plx_region(p, ISO_B, ISO_LEN + 3, 0));
    d->c = plx_region_mem(plx_region(p, ISO_C, ISO_LEN + 3, 0));
}

static void test_stress_two_devices(void **state)
{
    struct plx *p = *state; /* plx0 */
    struct plx *q = plx_open_child(p, p->tcp, "plx1");
    struct plx *q2 = NULL;
    struct iso_dev d0, d1;
    iso_map(&d0, p);
    iso_map(&d1, q); /* the same bus addresses, in another session */
    for (uint32_t round = 0; round < 3; round++) {
        iso_prepare(&d0, 10 + round, 20 + round);
        iso_prepare(&d1, 30 + round, 40 + round);
        iso_start(&d0);
        iso_start(&d1);
        iso_check(&d0, "plx0");
        iso_check(&d1, "plx1");
    }
    /* Mixed transports: plx1 again, from a session over the other transport. */
    plx_close_child(p, q);
    q2 = plx_open_child(p, !p->tcp, "plx1");
    iso_map(&d1, q2);
    iso_prepare(&d0, 50, 51);
    iso_prepare(&d1, 52, 53);
    iso_start(&d1);
    iso_start(&d0);
    iso_check(&d1, "plx1 (other transport)");
    iso_check(&d0, "plx0");
    plx_close_child(p, q2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        {"test_stress_responsiveness [unix]", test_stress_responsiveness, plx_setup,
         stress_teardown, &(struct plx_param){&g_big, false, "plx0"}},
        {"test_stress_responsiveness [tcp]", test_stress_responsiveness, plx_setup, stress_teardown,
         &(struct plx_param){&g_big, true, "plx0"}},
        PLX_TEST(test_stress_two_devices, &g_big),
    };
    return PLX_RUN_GROUP("plx9656 stress", tests, &g_big, big_ini);
}
