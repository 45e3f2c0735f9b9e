/*
 * test_plx9656_block.c: block-mode DMA of the plx9656 model (spec/plx9656.md, "DMA engine").
 *
 * Patterned data at odd sizes and offsets in both directions on both channels, dual-address
 * (DMADAC) transfers above 4 GiB, hold-local-address mode, master aborts (local address outside
 * SRAM, unmapped bus address, write into a read-only region) that must touch nothing, software
 * abort and soft reset in the middle of a slow (bandwidth-limited) transfer, and a driver that
 * disconnects mid-transfer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "plx9656_util.h"

static struct harness_daemon g_default, g_slow;

#define HOST_CANARY 0xCC
#define SRAM_CANARY 0x5A
#define GUARD       32u
#define DONE_MS     20000

/* Host memory for the ordinary transfers: 256 KiB at 256 MiB. */
#define HOST_BUS 0x10000000ull
#define HOST_LEN 0x40000u

static const char slow_ini[] = "[device slow]\n"
                               "model = plx9656\n"
                               "bandwidth = 64K\n"
                               "\n"
                               "[device slow2]\n"
                               "model = plx9656\n"
                               "bandwidth = 64K\n";

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void expect_no_abort(struct plx *p, const char *what)
{
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    if (intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1))
        fail_msg("%s: INTCSR = 0x%08x, abort bits 14/25/26 set", what, intcsr);
}

/* The history holds the abort as a fault at addr (what /api/faults and the dashboard list);
 * the writer commits in batches, so this polls. */
static void expect_fault_recorded(struct plx *p, uint64_t addr)
{
    char params[96];
    snprintf(params, sizeof(params), "{\"device\": \"%s\", \"order\": \"desc\"}", p->dev);
    for (int tries = 0;; tries++) {
        char *text = NULL;
        if (dmaemu_history_query(p->c, "faults", params, &text) != 0)
            fail_msg("history faults: %s", dmaemu_last_error());
        json_t *answer = json_loads(text, 0, NULL);
        bool found = false;
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(answer, "faults"), i, row) found |=
            (uint64_t)json_integer_value(json_object_get(row, "addr")) == addr &&
            json_integer_value(json_object_get(row, "channel")) == 0;
        json_decref(answer);
        if (found) {
            free(text);
            return;
        }
        if (tries == 200) /* 10 s */
            fail_msg("no fault at 0x%llx on channel 0 in the history: %s", (unsigned long long)addr,
                     text);
        free(text);
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Master abort on channel ch: INTCSR bit 14 and the channel's bit 25/26 (only), Done = 1. */
static void expect_master_abort(struct plx *p, unsigned ch, const char *what)
{
    plx_expect_done(p, ch, DONE_MS);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    uint32_t want = PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM(ch);
    if ((intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1)) != want)
        fail_msg("%s: INTCSR = 0x%08x, expected bit 14 and bit %d set, bit %d clear", what, intcsr,
                 ch ? 26 : 25, ch ? 25 : 26);
    /* Bit 14 is cleared by writing 1 to it; the enables written with it are stored. */
    plx_wr32(p, PLX_INTCSR, (intcsr & ~PLX_INTCSR_RO) | PLX_INTCSR_ABORT_ACT);
    intcsr = plx_rd32(p, PLX_INTCSR);
    if (intcsr & PLX_INTCSR_ABORT_ACT)
        fail_msg("%s: INTCSR bit 14 still set after writing 1 to it (0x%08x)", what, intcsr);
    plx_soft_reset(p);
}

/* SRAM[off, off+len) must equal expected. */
static void expect_sram(struct plx *p, uint64_t off, const uint8_t *expected, size_t len,
                        const char *what)
{
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    plx_sram_read(p, off, buf, len);
    plx_expect_bytes(what, buf, expected, len);
    free(buf);
}

static void expect_sram_fill(struct plx *p, uint64_t off, size_t len, uint8_t byte,
                             const char *what)
{
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    plx_sram_read(p, off, buf, len);
    plx_expect_fill(what, buf, len, byte);
    free(buf);
}

/* Patterned transfers -------------------------------------------------------------------------- */

struct blk_case {
    uint32_t size; /* 0: the whole SRAM */
    uint32_t bus_off;
    uint32_t local_off;
    unsigned ch;
};

/* Host -> SRAM: the SRAM window gets exactly the host bytes, guards and host memory unchanged. */
static void run_h2d(struct plx *p, dmaemu_region_t *r, const struct blk_case *c, uint32_t seed)
{
    uint8_t *m = plx_region_mem(r);
    const size_t hlen = dmaemu_region_length(r);
    uint32_t size = c->size ? c->size : (uint32_t)p->sram_size;
    char what[160];
    memset(m, HOST_CANARY, hlen);
    plx_pattern(m + c->bus_off, size, seed);
    uint64_t lo = c->local_off >= GUARD ? c->local_off - GUARD : 0;
    uint64_t hi = min_u64(p->sram_size, (uint64_t)c->local_off + size + GUARD);
    plx_sram_fill(p, lo, hi - lo, SRAM_CANARY);

    plx_block_dma(p, c->ch, HOST_BUS + c->bus_off, c->local_off, size, PLX_H2D, PLX_MODE_BASE);

    uint8_t *buf = malloc(hi - lo);
    assert_non_null(buf);
    plx_sram_read(p, lo, buf, hi - lo);
    snprintf(what, sizeof(what), "ch%u host->SRAM %u bytes bus+0x%x -> local 0x%x: SRAM before",
             c->ch, size, c->bus_off, c->local_off);
    plx_expect_fill(what, buf, c->local_off - lo, SRAM_CANARY);
    snprintf(what, sizeof(what), "ch%u host->SRAM %u bytes bus+0x%x -> local 0x%x: data", c->ch,
             size, c->bus_off, c->local_off);
    plx_expect_pattern(what, buf + (c->local_off - lo), size, seed);
    snprintf(what, sizeof(what), "ch%u host->SRAM %u bytes bus+0x%x -> local 0x%x: SRAM after",
             c->ch, size, c->bus_off, c->local_off);
    plx_expect_fill(what, buf + (c->local_off - lo) + size, hi - c->local_off - size, SRAM_CANARY);
    free(buf);

    /* The source is only read. */
    plx_expect_fill("host memory before the source", m, c->bus_off, HOST_CANARY);
    plx_expect_pattern("host source after the transfer", m + c->bus_off, size, seed);
    plx_expect_fill("host memory after the source", m + c->bus_off + size, hlen - c->bus_off - size,
                    HOST_CANARY);
    expect_no_abort(p, what);
    assert_int_equal(plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA_ACT(c->ch), 0);
}

/* SRAM -> host: exactly the window of host memory gets the SRAM bytes. */
static void run_d2h(struct plx *p, dmaemu_region_t *r, const struct blk_case *c, uint32_t seed)
{
    uint8_t *m = plx_region_mem(r);
    const size_t hlen = dmaemu_region_length(r);
    uint32_t size = c->size ? c->size : (uint32_t)p->sram_size;
    char what[160];
    uint8_t *src = malloc(size);
    assert_non_null(src);
    plx_pattern(src, size, seed);
    plx_sram_write(p, c->local_off, src, size);
    memset(m, HOST_CANARY, hlen);

    plx_block_dma(p, c->ch, HOST_BUS + c->bus_off, c->local_off, size, PLX_D2H, PLX_MODE_BASE);

    snprintf(what, sizeof(what), "ch%u SRAM->host %u bytes local 0x%x -> bus+0x%x: before", c->ch,
             size, c->local_off, c->bus_off);
    plx_expect_fill(what, m, c->bus_off, HOST_CANARY);
    snprintf(what, sizeof(what), "ch%u SRAM->host %u bytes local 0x%x -> bus+0x%x: data", c->ch,
             size, c->local_off, c->bus_off);
    plx_expect_pattern(what, m + c->bus_off, size, seed);
    snprintf(what, sizeof(what), "ch%u SRAM->host %u bytes local 0x%x -> bus+0x%x: after", c->ch,
             size, c->local_off, c->bus_off);
    plx_expect_fill(what, m + c->bus_off + size, hlen - c->bus_off - size, HOST_CANARY);
    /* The SRAM source is only read. */
    expect_sram(p, c->local_off, src, size, "SRAM source after SRAM->host");
    free(src);
    expect_no_abort(p, what);
    assert_int_equal(plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA_ACT(c->ch), 0);
}

static const struct blk_case cases[] = {
    {1, 0x001, 0x0007, 0},      {1, 0x000, 0x0000, 1},    {3, 0x003, 0x0101, 1},
    {3, 0xFFD, 0x1FFFD, 0},     {4095, 0x7FF, 0x0003, 0}, {4095, 0x001, 0x1001, 1},
    {4097, 0xFFF, 0x1005, 1},   {4097, 0x002, 0x0000, 0}, {65537, 0x005, 0x0003, 0},
    {65537, 0x1003, 0x8001, 1}, {0, 0x000, 0x0000, 1},    {0, 0x009, 0x0000, 0},
};

static void test_block_host_to_sram(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, HOST_BUS, HOST_LEN, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_h2d(p, r, &cases[i], 100 + (uint32_t)i);
}

static void test_block_sram_to_host(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, HOST_BUS, HOST_LEN, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_d2h(p, r, &cases[i], 200 + (uint32_t)i);
}

/* Round trip through both channels: host A -> SRAM (ch0), SRAM -> host B (ch1). */
static void test_block_round_trip(void **state)
{
    struct plx *p = *state;
    const uint32_t n = 100003;
    dmaemu_region_t *a = plx_region(p, 0x08000000, 0x20000, 0);
    dmaemu_region_t *b = plx_region(p, 0x08100000, 0x20000, 0);
    plx_pattern(plx_region_mem(a) + 7, n, 42);
    memset(plx_region_mem(b), HOST_CANARY, 0x20000);
    plx_block_dma(p, 0, 0x08000007, 0x11, n, PLX_H2D, PLX_MODE_BASE);
    plx_block_dma(p, 1, 0x08100003, 0x11, n, PLX_D2H, PLX_MODE_BASE);
    plx_expect_fill("B before", plx_region_mem(b), 3, HOST_CANARY);
    plx_expect_pattern("B data", plx_region_mem(b) + 3, n, 42);
    plx_expect_fill("B after", plx_region_mem(b) + 3 + n, 0x20000 - 3 - n, HOST_CANARY);
}

/* Both channels at once, opposite directions, disjoint SRAM and host areas. */
static void test_block_channels_concurrently(void **state)
{
    struct plx *p = *state;
    const uint32_t n = 50001;
    dmaemu_region_t *a = plx_region(p, 0x08000000, 0x10000, 0);
    dmaemu_region_t *b = plx_region(p, 0x08100000, 0x10000, 0);
    plx_pattern(plx_region_mem(a), 0x10000, 7);
    memset(plx_region_mem(b), HOST_CANARY, 0x10000);
    uint8_t *src = malloc(n);
    assert_non_null(src);
    plx_pattern(src, n, 8);
    plx_sram_write(p, 0x10000, src, n);
    plx_sram_fill(p, 0, 0x10000, SRAM_CANARY);

    plx_block_start(p, 0, 0x08000001, 0x00001, n, PLX_H2D, PLX_MODE_BASE);
    plx_block_start(p, 1, 0x08100002, 0x10000, n, PLX_D2H, PLX_MODE_BASE);
    plx_expect_done(p, 0, DONE_MS);
    plx_expect_done(p, 1, DONE_MS);

    uint8_t *got = malloc(0x10000);
    assert_non_null(got);
    plx_sram_read(p, 0, got, 0x10000);
    assert_int_equal(got[0], SRAM_CANARY);
    plx_expect_bytes("ch0 data in SRAM", got + 1, plx_region_mem(a) + 1, n);
    plx_expect_fill("SRAM after ch0 data", got + 1 + n, 0x10000 - 1 - n, SRAM_CANARY);
    uint8_t *bm = plx_region_mem(b);
    plx_expect_fill("B before ch1 data", bm, 2, HOST_CANARY);
    plx_expect_bytes("ch1 data in B", bm + 2, src, n);
    plx_expect_fill("B after ch1 data", bm + 2 + n, 0x10000 - 2 - n, HOST_CANARY);
    free(got);
    free(src);
}

/* Dual address cycles ------------------------------------------------------------------------- */

#define LOW_BUS  0x23450000ull
#define HIGH_BUS 0x123450000ull

static void test_block_dac(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *lo = plx_region(p, LOW_BUS, 0x10000, 0);
    dmaemu_region_t *hi = plx_region(p, HIGH_BUS, 0x10000, 0);
    uint8_t *lm = plx_region_mem(lo), *hm = plx_region_mem(hi);
    plx_pattern(lm, 0x10000, 11);
    plx_pattern(hm, 0x10000, 12);

    /* ch0 reads the high region: DMADAC0 = 1 selects it over the low one at the same offset. */
    plx_sram_fill(p, 0x2000, 1200, SRAM_CANARY);
    plx_wr32(p, PLX_DMADAC(1), 0x7);
    plx_block_dma(p, 0, HIGH_BUS + 0x10, 0x2010, 1000, PLX_H2D, PLX_MODE_BASE);
    expect_sram(p, 0x2010, hm + 0x10, 1000, "SRAM from the region above 4 GiB");
    expect_sram_fill(p, 0x2000, 16, SRAM_CANARY, "SRAM before the DAC transfer");
    expect_sram_fill(p, 0x2010 + 1000, 1200 - 16 - 1000, SRAM_CANARY,
                     "SRAM after the DAC transfer");
    expect_no_abort(p, "DAC read");

    /* ch1 writes the high region through DMADAC1; the low region is untouched. */
    plx_pattern(lm, 0x10000, 11);
    memset(hm, HOST_CANARY, 0x10000);
    uint8_t src[777];
    plx_pattern(src, sizeof(src), 13);
    plx_sram_write(p, 0x5001, src, sizeof(src));
    plx_wr32(p, PLX_DMADAC(0), 0x9);
    plx_block_dma(p, 1, HIGH_BUS + 0x2001, 0x5001, sizeof(src), PLX_D2H, PLX_MODE_BASE);
    plx_expect_fill("high region before", hm, 0x2001, HOST_CANARY);
    plx_expect_bytes("high region data", hm + 0x2001, src, sizeof(src));
    plx_expect_fill("high region after", hm + 0x2001 + sizeof(src), 0x10000 - 0x2001 - sizeof(src),
                    HOST_CANARY);
    plx_expect_pattern("low region (same low address) untouched", lm, 0x10000, 11);
    expect_no_abort(p, "DAC write");
    assert_int_equal(plx_rd32(p, PLX_DMADAC(1)), 1);
    assert_int_equal(plx_rd32(p, PLX_DMADAC(0)), 0x9);

    /* DMADAC0 = 0 reaches the low region. */
    plx_block_dma(p, 0, LOW_BUS + 0x100, 0x6000, 256, PLX_H2D, PLX_MODE_BASE);
    expect_sram(p, 0x6000, lm + 0x100, 256, "SRAM from the low region with DMADAC0 = 0");

    /* DMADAC = 2: nothing mapped there; master abort, nothing written. */
    memset(hm, HOST_CANARY, 0x10000);
    plx_block_start(p, 0, 0x223450000ull, 0x5001, 64, PLX_D2H, PLX_MODE_BASE);
    expect_master_abort(p, 0, "DMADAC0 = 2 (unmapped)");
    expect_fault_recorded(p, 0x223450000ull);
    plx_expect_fill("high region after the unmapped DAC write", hm, 0x10000, HOST_CANARY);
    plx_expect_pattern("low region after the unmapped DAC write", lm, 0x10000, 11);
}

/* Hold local address ------------------------------------------------------------------------- */

/*
 * DMAMODE bit 11 keeps the local address fixed. The spec is silent on granularity; the data book
 * holds LA[31:2] on a 32-bit local bus (DMAMODE bits 1:0 = 3, as PLX_MODE_BASE sets), so each
 * 32-bit word goes to (comes from) the same SRAM word.
 */
static void test_block_hold_local(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, HOST_BUS, 0x1000, 0);
    uint8_t *m = plx_region_mem(r);
    const uint32_t L = 0x400;
    for (unsigned ch = 0; ch < 2; ch++) {
        /* Host -> SRAM: only the word at L changes; it ends up holding the last source word. */
        memset(m, HOST_CANARY, 0x1000);
        plx_pattern(m + 0x100, 64, 20 + ch);
        plx_sram_fill(p, L - GUARD, 2 * GUARD + 4, SRAM_CANARY);
        plx_block_dma(p, ch, HOST_BUS + 0x100, L, 64, PLX_H2D, PLX_MODE_BASE | PLX_MODE_HOLD_LOC);
        expect_sram_fill(p, L - GUARD, GUARD, SRAM_CANARY, "SRAM before the held address");
        expect_sram(p, L, m + 0x100 + 60, 4, "held SRAM word = last source word");
        expect_sram_fill(p, L + 4, GUARD, SRAM_CANARY, "SRAM after the held word");

        /* SRAM -> host: the word at L, repeated. */
        static const uint8_t word[4] = {0x11, 0x22, 0x33, 0x44};
        plx_sram_write(p, L, word, 4);
        uint8_t other[64];
        plx_pattern(other, sizeof(other), 30);
        plx_sram_write(p, L + 4, other, sizeof(other));
        memset(m, HOST_CANARY, 0x1000);
        plx_block_dma(p, ch, HOST_BUS + 0x200, L, 64, PLX_D2H, PLX_MODE_BASE | PLX_MODE_HOLD_LOC);
        plx_expect_fill("host before", m, 0x200, HOST_CANARY);
        for (unsigned i = 0; i < 64; i++)
            if (m[0x200 + i] != word[i % 4])
                fail_msg("ch%u hold-local SRAM->host: host byte %u = 0x%02x, expected 0x%02x", ch,
                         i, m[0x200 + i], word[i % 4]);
        plx_expect_fill("host after", m + 0x240, 0x1000 - 0x240, HOST_CANARY);
        expect_no_abort(p, "hold local address");
        /* The register itself is not advanced either (nor required to be); the mode reads back. */
        assert_int_equal(plx_rd32(p, PLX_DMAMODE(ch)), PLX_MODE_BASE | PLX_MODE_HOLD_LOC);
    }
}

/* Master aborts ------------------------------------------------------------------------------- */

/* Local addresses outside the SRAM: master abort, nothing written anywhere. */
static void test_block_local_outside_sram(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, HOST_BUS, 0x10000, 0);
    uint8_t *m = plx_region_mem(r);
    const uint64_t S = p->sram_size;
    const struct {
        uint32_t local, size;
    } bad[] = {
        {(uint32_t)S, 16}, {(uint32_t)S + 0x100, 1}, {0x80000000u, 64},
        {0xFFFFFFF0u, 32}, {(uint32_t)S * 2, 8},
    };
    for (unsigned ch = 0; ch < 2; ch++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char what[128];
            /* Canaries at both ends of the SRAM catch an address that wraps. */
            plx_sram_fill(p, 0, 256, SRAM_CANARY);
            plx_sram_fill(p, S - 256, 256, SRAM_CANARY);
            plx_pattern(m, 0x10000, 50);

            snprintf(what, sizeof(what), "ch%u host->SRAM local 0x%x size %u", ch, bad[i].local,
                     bad[i].size);
            plx_block_start(p, ch, HOST_BUS + 0x40, bad[i].local, bad[i].size, PLX_H2D,
                            PLX_MODE_BASE);
            expect_master_abort(p, ch, what);
            expect_sram_fill(p, 0, 256, SRAM_CANARY, "SRAM start after a local abort");
            expect_sram_fill(p, S - 256, 256, SRAM_CANARY, "SRAM end after a local abort");
            plx_expect_pattern("host memory after a local abort", m, 0x10000, 50);

            snprintf(what, sizeof(what), "ch%u SRAM->host local 0x%x size %u", ch, bad[i].local,
                     bad[i].size);
            memset(m, HOST_CANARY, 0x10000);
            plx_block_start(p, ch, HOST_BUS + 0x40, bad[i].local, bad[i].size, PLX_D2H,
                            PLX_MODE_BASE);
            expect_master_abort(p, ch, what);
            plx_expect_fill("host memory after a local abort (SRAM->host)", m, 0x10000,
                            HOST_CANARY);
        }

        /* Straddling the end: nothing beyond the SRAM exists, so nothing past its bytes moves. */
        uint8_t tail[8];
        plx_pattern(tail, 8, 51);
        plx_sram_write(p, S - 8, tail, 8);
        memset(m, HOST_CANARY, 0x10000);
        plx_block_start(p, ch, HOST_BUS + 0x100, (uint32_t)S - 8, 32, PLX_D2H, PLX_MODE_BASE);
        expect_master_abort(p, ch, "SRAM->host straddling the end of the SRAM");
        bool none = true, prefix = true;
        for (unsigned i = 0; i < 8; i++) {
            none = none && m[0x100 + i] == HOST_CANARY;
            prefix = prefix && m[0x100 + i] == tail[i];
        }
        if (!none && !prefix)
            fail_msg("ch%u straddling abort: host bytes 0..7 neither untouched nor the SRAM tail",
                     ch);
        plx_expect_fill("host before the straddling transfer", m, 0x100, HOST_CANARY);
        plx_expect_fill("host beyond the SRAM's bytes", m + 0x108, 0x10000 - 0x108, HOST_CANARY);
    }
    /* The channels still work. */
    run_d2h(p, r, &(struct blk_case){100, 0x10, 0x20, 0}, 52);
    run_d2h(p, r, &(struct blk_case){100, 0x10, 0x20, 1}, 53);
}

struct canary_set {
    dmaemu_region_t *r[4];
    uint8_t byte[4];
    unsigned n;
};

static void canaries_arm(struct canary_set *cs)
{
    for (unsigned i = 0; i < cs->n; i++)
        memset(plx_region_mem(cs->r[i]), cs->byte[i], dmaemu_region_length(cs->r[i]));
}

static void canaries_check(struct canary_set *cs, const char *what)
{
    for (unsigned i = 0; i < cs->n; i++) {
        char w[160];
        snprintf(w, sizeof(w), "%s: region at 0x%llx", what,
                 (unsigned long long)dmaemu_region_bus_addr(cs->r[i]));
        plx_expect_fill(w, plx_region_mem(cs->r[i]), dmaemu_region_length(cs->r[i]), cs->byte[i]);
    }
}

/* Bus addresses nobody mapped: master abort, every mapped region untouched. */
static void test_block_unmapped_bus(void **state)
{
    struct plx *p = *state;
    struct canary_set cs = {.n = 0};
    const uint64_t A = 0x10000000, B = 0x10020000, C = 0x10040000;
    cs.r[cs.n] = plx_region(p, A, 0x10000, 0);
    cs.byte[cs.n++] = 0xA1;
    cs.r[cs.n] = plx_region(p, B, 0x10000, 0);
    cs.byte[cs.n++] = 0xB2;
    cs.r[cs.n] = plx_region(p, C, 0x1000, DMAEMU_REGION_READ_ONLY);
    cs.byte[cs.n++] = 0xC3;
    /* A region at bus address 0 catches addresses that wrap around 2^64. */
    dmaemu_region_t *z = NULL;
    if (dmaemu_region_create(p->c, 0, 0x1000, 0, &z) == 0) {
        p->regions[p->region_count++] = z;
        cs.r[cs.n] = z;
        cs.byte[cs.n++] = 0xD4;
    } else {
        print_message("note: no region at bus address 0 (%s); wrap-around check reduced\n",
                      dmaemu_last_error());
    }
    uint8_t src[256];
    plx_pattern(src, sizeof(src), 60);

    const struct {
        uint64_t bus;
        uint32_t size;
        const char *what;
    } d2h[] = {
        {0x08000000, 256, "SRAM->host below every region"},
        {A + 0x10000, 256, "SRAM->host into the gap after A"},
        {B - 16, 64, "SRAM->host straddling the start of B"},
        {0x200000000ull, 16, "SRAM->host above 4 GiB (DAC), nothing mapped"},
        {0xFFFFFFFFFFFFFFF0ull, 32, "SRAM->host wrapping around 2^64"},
    };
    for (unsigned ch = 0; ch < 2; ch++) {
        plx_sram_write(p, 0x300, src, sizeof(src));
        for (size_t i = 0; i < sizeof(d2h) / sizeof(d2h[0]); i++) {
            canaries_arm(&cs);
            plx_block_start(p, ch, d2h[i].bus, 0x300, d2h[i].size, PLX_D2H, PLX_MODE_BASE);
            expect_master_abort(p, ch, d2h[i].what);
            canaries_check(&cs, d2h[i].what);
        }
        /* Straddling the end of A: nothing beyond A; A's own last bytes may or may not be written.
         */
        canaries_arm(&cs);
        plx_block_start(p, ch, A + 0x10000 - 16, 0x300, 64, PLX_D2H, PLX_MODE_BASE);
        expect_master_abort(p, ch, "SRAM->host straddling the end of A");
        uint8_t *am = plx_region_mem(cs.r[0]);
        plx_expect_fill("A before its last 16 bytes", am, 0x10000 - 16, 0xA1);
        bool none = true, prefix = true;
        for (unsigned i = 0; i < 16; i++) {
            none = none && am[0x10000 - 16 + i] == 0xA1;
            prefix = prefix && am[0x10000 - 16 + i] == src[i];
        }
        if (!none && !prefix)
            fail_msg("ch%u: the last 16 bytes of A are neither untouched nor the source", ch);
        for (unsigned i = 1; i < cs.n; i++)
            plx_expect_fill("other regions after the straddling write", plx_region_mem(cs.r[i]),
                            dmaemu_region_length(cs.r[i]), cs.byte[i]);

        /* Reads from unmapped addresses: SRAM untouched. */
        const struct {
            uint64_t bus;
            uint32_t size;
            const char *what;
        } h2d[] = {
            {0x08000000, 256, "host->SRAM from below every region"},
            {B - 16, 64, "host->SRAM straddling the start of B"},
            {0x310000000ull, 8, "host->SRAM from above 4 GiB, nothing mapped"},
        };
        for (size_t i = 0; i < sizeof(h2d) / sizeof(h2d[0]); i++) {
            canaries_arm(&cs);
            plx_sram_fill(p, 0x1000, 512, SRAM_CANARY);
            plx_block_start(p, ch, h2d[i].bus, 0x1080, h2d[i].size, PLX_H2D, PLX_MODE_BASE);
            expect_master_abort(p, ch, h2d[i].what);
            expect_sram_fill(p, 0x1000, 512, SRAM_CANARY, h2d[i].what);
            canaries_check(&cs, h2d[i].what);
        }
    }
}

/* A device write into a read-only region is a master abort; reading it is fine. */
static void test_block_readonly_region(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *ro = plx_region(p, 0x30000000, 0x2000, DMAEMU_REGION_READ_ONLY);
    dmaemu_region_t *rw = plx_region(p, 0x30002000, 0x2000, 0);
    uint8_t *rom = plx_region_mem(ro), *rwm = plx_region_mem(rw);
    plx_pattern(rom, 0x2000, 70);
    memset(rwm, HOST_CANARY, 0x2000);
    for (unsigned ch = 0; ch < 2; ch++) {
        plx_block_dma(p, ch, 0x30000003, 0x700 + ch, 0x1001, PLX_H2D, PLX_MODE_BASE);
        expect_sram(p, 0x700 + ch, rom + 3, 0x1001, "SRAM read from a read-only region");
        expect_no_abort(p, "read from a read-only region");

        uint8_t src[300];
        plx_pattern(src, sizeof(src), 71);
        plx_sram_write(p, 0x4000, src, sizeof(src));
        plx_block_start(p, ch, 0x30000100, 0x4000, sizeof(src), PLX_D2H, PLX_MODE_BASE);
        expect_master_abort(p, ch, "SRAM->host into a read-only region");
        plx_expect_pattern("read-only region after the refused write", rom, 0x2000, 70);
        /* Straddling from the read-only region into the writable one. */
        plx_block_start(p, ch, 0x30001F00, 0x4000, sizeof(src), PLX_D2H, PLX_MODE_BASE);
        expect_master_abort(p, ch, "SRAM->host from a read-only into a writable region");
        plx_expect_pattern("read-only region after the straddling write", rom, 0x2000, 70);
        plx_expect_fill("writable region after the straddling write", rwm, 0x2000, HOST_CANARY);
    }
}

/* Slow device: abort and reset in the middle of a transfer ------------------------------------- */

#define SLOW_LEN 0x10000u /* 64 KiB at 64 KiB/s: about a second */

/* How many leading bytes of buf follow the pattern; the rest must still be the canary. */
static size_t expect_prefix(const char *what, const uint8_t *buf, size_t len, uint32_t seed,
                            uint8_t canary)
{
    size_t k = 0;
    while (k < len && buf[k] == plx_pat(seed, k))
        k++;
    /* A pattern byte equal to the canary makes the boundary ambiguous by a few bytes only. */
    for (size_t i = k; i < len; i++)
        if (buf[i] != canary)
            fail_msg("%s: byte %zu = 0x%02x after a prefix of %zu bytes: neither data nor canary",
                     what, i, buf[i], k);
    return k;
}

static void settle(void)
{
    /* Not synchronisation: a quiet period to show that nothing moves after Done. */
    struct timespec ts = {0, 150 * 1000000};
    nanosleep(&ts, NULL);
}

static void test_block_abort_mid_transfer(void **state)
{
    struct plx *p = *state; /* "slow": bandwidth = 64K */
    dmaemu_region_t *r = plx_region(p, HOST_BUS, SLOW_LEN, 0);
    uint8_t *m = plx_region_mem(r);
    uint8_t *src = malloc(SLOW_LEN);
    assert_non_null(src);
    plx_pattern(src, SLOW_LEN, 80);
    plx_sram_write(p, 0, src, SLOW_LEN);

    /* SRAM -> host on channel 0. */
    memset(m, HOST_CANARY, SLOW_LEN);
    /* Done interrupt enabled: an abort is not a normal stop, so it must not fire. */
    plx_block_start(p, 0, HOST_BUS, 0, SLOW_LEN, PLX_D2H, PLX_MODE_BASE | PLX_MODE_DONE_IE);
    uint8_t csr = plx_csr(p, 0);
    if (csr & PLX_CSR_DONE)
        fail_msg("DMACSR0 = 0x%02x right after starting a 64 KiB transfer at 64 KiB/s: Done "
                 "must read 0 while the channel runs",
                 csr);
    assert_int_equal(csr & PLX_CSR_START, 0);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_ABORT);
    plx_expect_done(p, 0, DONE_MS);
    plx_barrier(p);
    size_t k = expect_prefix("host memory after abort", m, SLOW_LEN, 80, HOST_CANARY);
    print_message("abort stopped SRAM->host after %zu of %u bytes\n", k, SLOW_LEN);
    if (k >= SLOW_LEN)
        fail_msg("abort did not stop the transfer: all %u bytes moved", SLOW_LEN);
    settle();
    size_t k2 = expect_prefix("host memory a while after abort", m, SLOW_LEN, 80, HOST_CANARY);
    if (k2 != k)
        fail_msg("data kept moving after Done: %zu bytes, then %zu", k, k2);
    assert_true(plx_done(p, 0));
    expect_no_abort(p, "software abort is not a PCI abort");
    if (plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA0_ACT)
        fail_msg("software abort set the channel 0 done interrupt (INTCSR bit 21): only a normal "
                 "stop does");

    /* Host -> SRAM on channel 1. */
    plx_pattern(m, SLOW_LEN, 81);
    plx_sram_fill(p, 0, SLOW_LEN / 2, SRAM_CANARY);
    plx_block_start(p, 1, HOST_BUS, 0, SLOW_LEN / 2, PLX_H2D, PLX_MODE_BASE | PLX_MODE_DONE_IE);
    assert_int_equal(plx_csr(p, 1) & PLX_CSR_DONE, 0);
    assert_int_equal(plx_csr(p, 0) & PLX_CSR_DONE, PLX_CSR_DONE);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_ABORT);
    plx_expect_done(p, 1, DONE_MS);
    uint8_t *got = malloc(SLOW_LEN / 2);
    assert_non_null(got);
    plx_sram_read(p, 0, got, SLOW_LEN / 2);
    k = expect_prefix("SRAM after abort", got, SLOW_LEN / 2, 81, SRAM_CANARY);
    print_message("abort stopped host->SRAM after %zu of %u bytes\n", k, SLOW_LEN / 2);
    if (k >= SLOW_LEN / 2)
        fail_msg("abort did not stop the host->SRAM transfer");
    expect_no_abort(p, "software abort (ch1)");
    assert_int_equal(plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA1_ACT, 0);

    /* The channels run again after an abort. */
    memset(m, HOST_CANARY, SLOW_LEN);
    plx_block_dma(p, 0, HOST_BUS + 1, 0x9000, 200, PLX_D2H, PLX_MODE_BASE);
    plx_expect_bytes("transfer after abort", m + 1, src + 0x9000, 200);
    plx_expect_fill("host after the transfer after abort", m + 201, SLOW_LEN - 201, HOST_CANARY);
    free(got);
    free(src);
}

static void test_block_soft_reset_mid_transfer(void **state)
{
    struct plx *p = *state; /* "slow" */
    dmaemu_region_t *r = plx_region(p, HOST_BUS, SLOW_LEN, 0);
    dmaemu_region_t *r2 = plx_region(p, HOST_BUS + 0x100000, SLOW_LEN, 0);
    uint8_t *m = plx_region_mem(r), *m2 = plx_region_mem(r2);
    uint8_t *src = malloc(SLOW_LEN);
    assert_non_null(src);
    plx_pattern(src, SLOW_LEN, 90);
    plx_sram_write(p, 0, src, SLOW_LEN);
    plx_pattern(m2, SLOW_LEN, 91);
    plx_sram_fill(p, 0x10000, SLOW_LEN, SRAM_CANARY);
    memset(m, HOST_CANARY, SLOW_LEN);

    plx_wr32(p, PLX_INTCSR, PLX_INTCSR_PCI_IE | PLX_INTCSR_DMA0_IE | PLX_INTCSR_DMA1_IE);
    const uint32_t mode = PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA;
    plx_block_start(p, 0, HOST_BUS, 0, SLOW_LEN, PLX_D2H, mode);
    plx_block_start(p, 1, HOST_BUS + 0x100000, 0x10000, SLOW_LEN, PLX_H2D, mode);
    assert_int_equal(plx_csr(p, 0) & PLX_CSR_DONE, 0);
    assert_int_equal(plx_csr(p, 1) & PLX_CSR_DONE, 0);

    plx_wr32(p, PLX_CNTRL, PLX_CNTRL_RESET);
    /* Reset is immediate: both channels stopped, registers cleared. */
    assert_int_equal(plx_csr(p, 0), PLX_CSR_DONE);
    assert_int_equal(plx_csr(p, 1), PLX_CSR_DONE);
    for (unsigned ch = 0; ch < 2; ch++) {
        assert_int_equal(plx_rd32(p, PLX_DMAMODE(ch)), 0);
        assert_int_equal(plx_rd32(p, PLX_DMAPADR(ch)), 0);
        assert_int_equal(plx_rd32(p, PLX_DMALADR(ch)), 0);
        assert_int_equal(plx_rd32(p, PLX_DMASIZ(ch)), 0);
        assert_int_equal(plx_rd32(p, PLX_DMADPR(ch)), 0);
    }
    plx_wr32(p, PLX_CNTRL, 0);
    plx_barrier(p);
    size_t k0 = expect_prefix("host memory after reset", m, SLOW_LEN, 90, HOST_CANARY);
    uint8_t *got = malloc(SLOW_LEN);
    assert_non_null(got);
    plx_sram_read(p, 0x10000, got, SLOW_LEN);
    size_t k1 = expect_prefix("SRAM after reset", got, SLOW_LEN, 91, SRAM_CANARY);
    print_message("soft reset stopped ch0 after %zu, ch1 after %zu of %u bytes\n", k0, k1,
                  SLOW_LEN);
    if (k0 >= SLOW_LEN || k1 >= SLOW_LEN)
        fail_msg("soft reset did not stop the transfers (%zu, %zu of %u bytes)", k0, k1, SLOW_LEN);
    settle();
    assert_int_equal(expect_prefix("host memory a while after reset", m, SLOW_LEN, 90, HOST_CANARY),
                     k0);
    plx_sram_read(p, 0x10000, got, SLOW_LEN);
    assert_int_equal(expect_prefix("SRAM a while after reset", got, SLOW_LEN, 91, SRAM_CANARY), k1);
    /* No completion (and no interrupt) from the stopped transfers. */
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    assert_int_equal(intcsr & (PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT | PLX_INTCSR_ABORT_ACT),
                     0);
    plx_irq_expect(p, false, "after a soft reset during transfers");
    /* SRAM outside the stopped transfer is kept. */
    expect_sram(p, 0, src, SLOW_LEN, "SRAM source after soft reset");

    /* A new transfer runs normally. */
    plx_block_dma(p, 0, HOST_BUS + 0x3, 0x7, 100, PLX_D2H, PLX_MODE_BASE);
    plx_expect_bytes("transfer after reset", m + 3, src + 7, 100);
    free(got);
    free(src);
}

/* A driver that vanishes mid-transfer: the device stops and is reset for the next driver. */
static void test_block_disconnect_mid_transfer(void **state)
{
    struct plx *p = *state; /* attached to "slow"; the victim uses "slow2" */
    struct plx *q = plx_open_child(p, p->tcp, "slow2");
    dmaemu_region_t *r = plx_region(q, HOST_BUS, SLOW_LEN, 0);
    memset(plx_region_mem(r), HOST_CANARY, SLOW_LEN);
    plx_block_start(q, 0, HOST_BUS, 0, SLOW_LEN, PLX_D2H, PLX_MODE_BASE);
    plx_block_start(q, 1, HOST_BUS, 0, SLOW_LEN, PLX_H2D, PLX_MODE_BASE);
    assert_int_equal(plx_csr(q, 0) & PLX_CSR_DONE, 0);
    /* Close without detaching, resetting or unmapping. */
    dmaemu_close(q->c);
    q->c = NULL;
    q->region_count = 0;
    plx_close_child(p, q);

    /* The next driver gets the device once the daemon has seen the disconnect. */
    dmaemu_t *c = plx_connect_owned(p, p->tcp, DMAEMU_ROLE_DRIVER, "plx9656-next");
    int64_t deadline = plx_now_us() + 10 * 1000000;
    int rc;
    while ((rc = dmaemu_attach(c, "slow2", NULL)) == DMAEMU_E_BUSY && plx_now_us() < deadline)
        ;
    if (rc != 0)
        fail_msg("attach slow2 after the previous driver disconnected: %d (%s): %s", rc,
                 dmaemu_strerror(rc), dmaemu_last_error());
    uint64_t v;
    for (unsigned ch = 0; ch < 2; ch++) {
        assert_int_equal(dmaemu_mmio_read(c, 0, PLX_DMACSR(ch), 1, &v), 0);
        assert_int_equal(v, PLX_CSR_DONE);
        assert_int_equal(dmaemu_mmio_read(c, 0, PLX_DMASIZ(ch), 4, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(dmaemu_mmio_read(c, 0, PLX_DMAMODE(ch), 4, &v), 0);
        assert_int_equal(v, 0);
    }
    assert_int_equal(dmaemu_mmio_read(c, 0, PLX_INTCSR, 4, &v), 0);
    assert_int_equal(v & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT), 0);
    assert_int_equal(dmaemu_detach(c), 0);
    plx_forget_conn(p, c);
    dmaemu_close(c);
    assert_true(harness_alive(p->d));
}

int main(void)
{
    const struct CMUnitTest defaults[] = {
        PLX_TEST(test_block_host_to_sram, &g_default),
        PLX_TEST(test_block_sram_to_host, &g_default),
        PLX_TEST(test_block_round_trip, &g_default),
        PLX_TEST(test_block_channels_concurrently, &g_default),
        PLX_TEST(test_block_dac, &g_default),
        PLX_TEST(test_block_hold_local, &g_default),
        PLX_TEST(test_block_local_outside_sram, &g_default),
        PLX_TEST(test_block_unmapped_bus, &g_default),
        PLX_TEST(test_block_readonly_region, &g_default),
    };
    const struct CMUnitTest slow[] = {
        PLX_TEST_DEV(test_block_abort_mid_transfer, &g_slow, "slow"),
        PLX_TEST_DEV(test_block_soft_reset_mid_transfer, &g_slow, "slow"),
        PLX_TEST_DEV(test_block_disconnect_mid_transfer, &g_slow, "slow"),
    };
    int failed = 0;
    failed += PLX_RUN_GROUP("plx9656 block DMA", defaults, &g_default, NULL);
    failed += PLX_RUN_GROUP("plx9656 block DMA, slow device", slow, &g_slow, slow_ini);
    return failed;
}
