/*
 * test_plx9656_sg.c: scatter/gather DMA of the plx9656 model (spec/plx9656.md, "DMA engine").
 *
 * Chains of 1, 2, 7 and 64 descriptors laid 32 bytes apart in host memory and in SRAM, directions
 * mixed per descriptor, clear-count mode, interrupt after terminal count, DAC chain load, the
 * ignored DMADPR bits 1 and 3, master aborts from descriptors, and abort mid-chain on a device
 * with a slow descriptor latency.
 *
 * Expected results come from a byte model: every descriptor, in chain order, copies its bytes
 * between a copy of the host data region and a copy of the SRAM window; after the chain both
 * copies must equal the real memory exactly.
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

#include "plx9656_util.h"

static struct harness_daemon g_default, g_slow;

static const char slow_ini[] = "[device slowsg]\n"
                               "model = plx9656\n"
                               "descriptor_latency = 100ms\n"
                               "\n"
                               "[device slowsg2]\n"
                               "model = plx9656\n"
                               "bandwidth = 64K\n"
                               "descriptor_latency = 1us\n";

#define DESC_BUS   0x01000000ull /* host descriptors */
#define DESC_LEN   0x4000u
#define DATA_BUS   0x20000000ull /* host data */
#define DATA_LEN   0x80000u
#define WIN        0x8000u  /* SRAM data window [0, WIN) */
#define SRAM_DESC  0x10000u /* SRAM descriptors */
#define SLOT       32u      /* descriptor spacing */
#define GAP_CANARY 0xEE
#define DONE_MS    20000

struct seg {
    uint64_t bus; /* full bus address (upper half used only with DAC chain load) */
    uint32_t local;
    uint32_t size;
    enum plx_dir dir;
    uint32_t flags; /* PLX_DPR_TC_IRQ */
};

struct sgenv {
    struct plx *p;
    uint8_t *desc; /* host descriptor region */
    uint8_t *data; /* host data region */
    uint8_t *exp_host;
    uint8_t exp_sram[WIN];
};

static void env_init(struct sgenv *e, struct plx *p, uint32_t seed)
{
    e->p = p;
    e->desc = plx_region_mem(plx_region(p, DESC_BUS, DESC_LEN, 0));
    e->data = plx_region_mem(plx_region(p, DATA_BUS, DATA_LEN, 0));
    e->exp_host = malloc(DATA_LEN);
    assert_non_null(e->exp_host);
    memset(e->desc, GAP_CANARY, DESC_LEN);
    plx_pattern(e->data, DATA_LEN, seed);
    memcpy(e->exp_host, e->data, DATA_LEN);
    plx_pattern(e->exp_sram, WIN, seed + 1000);
    plx_sram_write(p, 0, e->exp_sram, WIN);
}

static void env_free(struct sgenv *e)
{
    free(e->exp_host);
    e->exp_host = NULL;
}

/* The model: what each descriptor does to the host data region and the SRAM window. */
static void env_apply(struct sgenv *e, const struct seg *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        assert_true(s[i].bus >= DATA_BUS && s[i].bus + s[i].size <= DATA_BUS + DATA_LEN);
        assert_true(s[i].local + s[i].size <= WIN);
        uint8_t *h = e->exp_host + (s[i].bus - DATA_BUS), *l = e->exp_sram + s[i].local;
        if (s[i].dir == PLX_H2D)
            memmove(l, h, s[i].size);
        else
            memmove(h, l, s[i].size);
    }
}

static void env_check(struct sgenv *e, const char *what)
{
    char w[160];
    snprintf(w, sizeof(w), "%s: host data region", what);
    plx_expect_bytes(w, e->data, e->exp_host, DATA_LEN);
    uint8_t *got = malloc(WIN);
    assert_non_null(got);
    plx_sram_read(e->p, 0, got, WIN);
    snprintf(w, sizeof(w), "%s: SRAM window", what);
    plx_expect_bytes(w, got, e->exp_sram, WIN);
    free(got);
}

/*
 * Writes segs as a chain 32 bytes apart, starting at base (a bus address in the descriptor region
 * when host, else an SRAM offset); the gap after each descriptor keeps GAP_CANARY. Returns the
 * DMADPR value that starts the chain.
 */
static uint32_t write_chain(struct sgenv *e, bool host, uint32_t base, const struct seg *s,
                            unsigned n, bool dac)
{
    uint32_t loc = host ? PLX_DPR_PCI : 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t at = base + i * SLOT;
        struct plx_desc d = {
            .pci_lo = (uint32_t)s[i].bus,
            .local = s[i].local,
            .size = s[i].size,
            .next = (i + 1 < n ? at + SLOT : 0) | loc | (i + 1 == n ? PLX_DPR_EOC : 0) |
                    s[i].flags | (s[i].dir == PLX_D2H ? PLX_DPR_D2H : 0),
            .pci_hi = (uint32_t)(s[i].bus >> 32),
        };
        if (host) {
            uint8_t *slot = e->desc + (at - DESC_BUS);
            memset(slot, GAP_CANARY, SLOT);
            plx_desc_host(slot, &d, dac);
        } else {
            plx_sram_fill(e->p, at, SLOT, GAP_CANARY);
            plx_desc_sram(e->p, at, &d, dac);
        }
    }
    return base | loc;
}

/* Reads descriptor slot i (8 words) back from where it lives. */
static void read_slot(struct sgenv *e, bool host, uint32_t base, unsigned i, uint32_t w[8])
{
    uint32_t at = base + i * SLOT;
    for (unsigned k = 0; k < 8; k++)
        w[k] = host ? plx_le32(e->desc + (at - DESC_BUS) + 4 * k)
                    : (uint32_t)plx_rd(e->p, PLX_BAR_SRAM, at + 4 * k, 4);
}

/* After a chain: the descriptors are unchanged, except +8 = 0 in clear-count mode. */
static void check_descs(struct sgenv *e, bool host, uint32_t base, const struct seg *s, unsigned n,
                        bool dac, bool cleared)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t w[8];
        read_slot(e, host, base, i, w);
        uint32_t at = base + i * SLOT;
        uint32_t next = (i + 1 < n ? at + SLOT : 0) | (host ? PLX_DPR_PCI : 0) |
                        (i + 1 == n ? PLX_DPR_EOC : 0) | s[i].flags |
                        (s[i].dir == PLX_D2H ? PLX_DPR_D2H : 0);
        const uint32_t gap = 0x01010101u * GAP_CANARY;
        uint32_t want[8] = {(uint32_t)s[i].bus,
                            s[i].local,
                            cleared ? 0 : s[i].size,
                            next,
                            dac ? (uint32_t)(s[i].bus >> 32) : gap,
                            gap,
                            gap,
                            gap};
        for (unsigned k = 0; k < 8; k++)
            if (w[k] != want[k])
                fail_msg("descriptor %u (%s at 0x%x) +%u = 0x%08x, expected 0x%08x%s", i,
                         host ? "host" : "SRAM", at, 4 * k, w[k], want[k],
                         k == 2 ? (cleared ? " (clear-count mode)" : " (no clear-count)") : "");
    }
}

static void expect_clean_finish(struct plx *p, unsigned ch, const char *what)
{
    plx_expect_done(p, ch, DONE_MS);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    if (intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1))
        fail_msg("%s: INTCSR = 0x%08x, master abort bits set", what, intcsr);
}

static void expect_master_abort(struct plx *p, unsigned ch, const char *what)
{
    plx_expect_done(p, ch, DONE_MS);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    uint32_t want = PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM(ch);
    if ((intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1)) != want)
        fail_msg("%s: INTCSR = 0x%08x, expected bit 14 and bit %d set, bit %d clear", what, intcsr,
                 ch ? 26 : 25, ch ? 25 : 26);
    plx_soft_reset(p);
}

/* Runs a chain and checks data and descriptors. */
static void run_chain(struct sgenv *e, unsigned ch, bool host, const struct seg *s, unsigned n,
                      uint32_t mode, uint32_t dpr_extra, const char *what)
{
    bool dac = (mode & PLX_MODE_DAC_CHAIN) != 0;
    uint32_t base = host ? (uint32_t)DESC_BUS + 0x100 : SRAM_DESC;
    uint32_t dpr = write_chain(e, host, base, s, n, dac);
    plx_sg_start(e->p, ch, dpr | dpr_extra, PLX_MODE_BASE | mode);
    expect_clean_finish(e->p, ch, what);
    env_apply(e, s, n);
    env_check(e, what);
    check_descs(e, host, base, s, n, dac, (mode & PLX_MODE_CLR_COUNT) != 0);
}

/* n segments of odd sizes, scattered host pages, consecutive SRAM. */
static unsigned make_segs(struct seg *s, unsigned n, enum plx_dir dir, uint32_t host_off,
                          uint32_t local_off)
{
    uint32_t local = local_off;
    for (unsigned i = 0; i < n; i++) {
        uint32_t size = n == 1 ? 4097 : 1 + (i * 37 + 13) % 300;
        uint32_t page = (i * 29 + 3) % 64; /* a permutation of 0..63 */
        s[i] = (struct seg){.bus = DATA_BUS + host_off + page * 0x1000 + (i * 13) % 0x800,
                            .local = local,
                            .size = size,
                            .dir = dir};
        local += size;
    }
    return n;
}

static void chains(void **state, bool host)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, host ? 1 : 2);
    static const unsigned lengths[] = {1, 2, 7, 64};
    struct seg s[64];
    for (unsigned ch = 0; ch < 2; ch++) {
        for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
            unsigned n = lengths[k];
            char what[96];
            snprintf(what, sizeof(what), "ch%u, %u %s descriptors, host->SRAM", ch, n,
                     host ? "host" : "SRAM");
            make_segs(s, n, PLX_H2D, 0, 0x101 + ch);
            run_chain(&e, ch, host, s, n, 0, 0, what);
            snprintf(what, sizeof(what), "ch%u, %u %s descriptors, SRAM->host", ch, n,
                     host ? "host" : "SRAM");
            make_segs(s, n, PLX_D2H, 0x40000, 0x203 + ch);
            run_chain(&e, ch, host, s, n, 0, 0, what);
        }
    }
    env_free(&e);
}

static void test_sg_chains_host_descriptors(void **state)
{
    chains(state, true);
}

static void test_sg_chains_sram_descriptors(void **state)
{
    chains(state, false);
}

/* Each descriptor's own direction bit, executed in chain order. */
static void test_sg_mixed_directions(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 3);
    const struct seg s[] = {
        {DATA_BUS + 0x0000, 0x1000, 100, PLX_H2D, 0}, /* host A -> SRAM X */
        {DATA_BUS + 0x1003, 0x2000, 77, PLX_D2H, 0},  /* old SRAM Y -> host B */
        {DATA_BUS + 0x2005, 0x1000, 100, PLX_D2H, 0}, /* SRAM X (= A now) -> host C */
        {DATA_BUS + 0x3007, 0x2000, 77, PLX_H2D, 0},  /* host D -> SRAM Y (after B read it) */
        {DATA_BUS + 0x4000, 0x3001, 1, PLX_D2H, 0},   {DATA_BUS + 0x4001, 0x3002, 3, PLX_H2D, 0},
    };
    const unsigned n = sizeof(s) / sizeof(s[0]);
    for (unsigned ch = 0; ch < 2; ch++) {
        run_chain(&e, ch, true, s, n, 0, 0, "mixed directions, host descriptors");
        run_chain(&e, ch, false, s, n, 0, 0, "mixed directions, SRAM descriptors");
    }
    /* Spot checks independent of the model. */
    assert_memory_equal(e.data + 0x2005, e.data + 0x0000, 100);
    env_free(&e);
}

/* The location bit of each next pointer says where the next descriptor lives. */
static void test_sg_mixed_locations(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 4);
    const struct seg s[] = {
        {DATA_BUS + 0x100, 0x400, 50, PLX_H2D, 0},
        {DATA_BUS + 0x200, 0x500, 60, PLX_D2H, 0},
        {DATA_BUS + 0x300, 0x600, 70, PLX_H2D, 0},
    };
    /* host desc 0 -> SRAM desc 1 -> host desc 2 */
    const uint32_t h0 = (uint32_t)DESC_BUS + 0x200, s1 = SRAM_DESC + 0x40,
                   h2 = (uint32_t)DESC_BUS + 0x400;
    struct plx_desc d0 = {(uint32_t)s[0].bus, s[0].local, s[0].size, s1 | 0, 0};
    struct plx_desc d1 = {(uint32_t)s[1].bus, s[1].local, s[1].size, h2 | PLX_DPR_PCI | PLX_DPR_D2H,
                          0};
    struct plx_desc d2 = {(uint32_t)s[2].bus, s[2].local, s[2].size, PLX_DPR_PCI | PLX_DPR_EOC, 0};
    plx_desc_host(e.desc + (h0 - DESC_BUS), &d0, false);
    plx_desc_sram(p, s1, &d1, false);
    plx_desc_host(e.desc + (h2 - DESC_BUS), &d2, false);
    plx_sg_start(p, 0, h0 | PLX_DPR_PCI, PLX_MODE_BASE);
    expect_clean_finish(p, 0, "chain host -> SRAM -> host descriptors");
    env_apply(&e, s, 3);
    env_check(&e, "chain host -> SRAM -> host descriptors");
    env_free(&e);
}

/* Clear-count mode writes 0 to +8 where each descriptor lives, leaving +12 (and all else). */
static void test_sg_clear_count(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 5);
    struct seg s[7];
    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            make_segs(s, 7, PLX_H2D, 0x1000, 0x11 + ch);
            s[2].dir = PLX_D2H;
            s[5].dir = PLX_D2H;
            run_chain(&e, ch, host, s, 7, PLX_MODE_CLR_COUNT, 0,
                      host ? "clear-count, host descriptors" : "clear-count, SRAM descriptors");
            /* Without clear-count mode nothing in the descriptors changes. */
            make_segs(s, 3, PLX_D2H, 0x2000, 0x31 + ch);
            run_chain(&e, ch, host, s, 3, 0, 0, host ? "no clear-count, host" : "no clear-count");
        }
    }
    env_free(&e);
}

/* Interrupt after terminal count (descriptor bit 2) sets the channel's active bit. */
static void test_sg_terminal_count_interrupt(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 6);
    struct seg s[3];
    plx_wr32(p, PLX_INTCSR, PLX_INTCSR_PCI_IE | PLX_INTCSR_DMA0_IE | PLX_INTCSR_DMA1_IE);
    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            /* No TC bit, no done interrupt: nothing active. */
            make_segs(s, 3, PLX_H2D, 0x3000, 0x40);
            run_chain(&e, ch, host, s, 3, PLX_MODE_INTA, 0, "no interrupt bits");
            uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
            if (intcsr & (PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT))
                fail_msg("ch%u: INTCSR = 0x%08x after a chain without TC bits or done interrupt",
                         ch, intcsr);
            plx_irq_expect(p, false, "chain without interrupt bits");

            /* TC bit on the middle descriptor only. */
            make_segs(s, 3, PLX_D2H, 0x3000, 0x40);
            s[1].flags = PLX_DPR_TC_IRQ;
            run_chain(&e, ch, host, s, 3, PLX_MODE_INTA, 0, "TC bit on descriptor 1");
            intcsr = plx_rd32(p, PLX_INTCSR);
            if ((intcsr & (PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT)) != PLX_INTCSR_DMA_ACT(ch))
                fail_msg("ch%u: INTCSR = 0x%08x after a chain with a TC bit: expected bit %d only",
                         ch, intcsr, ch ? 22 : 21);
            plx_irq_expect(p, true, "TC interrupt, enabled and routed to INTA");
            plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_CLRINT);
            assert_int_equal(plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA_ACT(ch), 0);
            plx_irq_expect(p, false, "TC interrupt cleared");

            /* Done interrupt at the end of a chain (DMAMODE bit 10). */
            make_segs(s, 2, PLX_H2D, 0x3000, 0x40);
            run_chain(&e, ch, host, s, 2, PLX_MODE_INTA | PLX_MODE_DONE_IE, 0,
                      "done interrupt enabled");
            assert_int_equal(plx_rd32(p, PLX_INTCSR) & (PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT),
                             PLX_INTCSR_DMA_ACT(ch));
            plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_CLRINT);
            plx_irq_expect(p, false, "done interrupt cleared");
        }
    }
    env_free(&e);
}

/* Bits 1 (end of chain) and 3 (direction) of the starting DMADPR are ignored. */
static void test_sg_dpr_start_bits_ignored(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 7);
    struct seg s[3];
    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            make_segs(s, 3, PLX_H2D, 0x5000, 0x700);
            run_chain(&e, ch, host, s, 3, 0, PLX_DPR_EOC | PLX_DPR_D2H,
                      "DMADPR start value with bits 1 and 3 set, host->SRAM descriptors");
            make_segs(s, 2, PLX_D2H, 0x6000, 0x900);
            run_chain(&e, ch, host, s, 2, 0, PLX_DPR_EOC,
                      "DMADPR start value with bit 1 set, SRAM->host descriptors");
        }
    }
    env_free(&e);
}

/* DAC chain load --------------------------------------------------------------------------------
 */

#define DAC_LO 0x30000000ull
#define DAC_HI 0x130000000ull

static void test_sg_dac_chain_load(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 8);
    uint8_t *lo = plx_region_mem(plx_region(p, DAC_LO, 0x4000, 0));
    uint8_t *hi = plx_region_mem(plx_region(p, DAC_HI, 0x4000, 0));
    uint8_t exp_lo[0x4000], exp_hi[0x4000];

    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            memset(lo, 0xCC, 0x4000);
            plx_pattern(hi, 0x4000, 9 + ch);
            memcpy(exp_lo, lo, sizeof(exp_lo));
            memcpy(exp_hi, hi, sizeof(exp_hi));
            const struct seg s[] = {
                {DAC_HI + 0x10, 0x100, 500, PLX_H2D, 0},   /* high region -> SRAM */
                {DAC_LO + 0x800, 0x100, 500, PLX_D2H, 0},  /* SRAM -> low region (+16 = 0) */
                {DAC_HI + 0x1000, 0x100, 500, PLX_D2H, 0}, /* SRAM -> high region */
            };
            memcpy(exp_lo + 0x800, exp_hi + 0x10, 500);
            memcpy(exp_hi + 0x1000, exp_hi + 0x10, 500);
            /* DMADAC is not used with DAC chain load (only written where descriptors are in
             * SRAM: for host descriptors the fetch address itself is below 4 GiB). */
            plx_wr32(p, PLX_DMADAC(ch), host ? 0 : 5);
            uint32_t base = host ? (uint32_t)DESC_BUS + 0x800 : SRAM_DESC + 0x800;
            uint32_t dpr = write_chain(&e, host, base, s, 3, true);
            plx_sg_start(p, ch, dpr, PLX_MODE_BASE | PLX_MODE_DAC_CHAIN);
            expect_clean_finish(p, ch, "DAC chain load");
            plx_expect_bytes("low region after the DAC chain", lo, exp_lo, 0x4000);
            plx_expect_bytes("high region after the DAC chain", hi, exp_hi, 0x4000);
            uint8_t got[500];
            plx_sram_read(p, 0x100, got, sizeof(got));
            plx_expect_bytes("SRAM after the DAC chain", got, exp_hi + 0x10, sizeof(got));
            check_descs(&e, host, base, s, 3, true, false);
        }

        /* DAC chain load off: DMADAC supplies the upper half for every descriptor; +16 ignored. */
        plx_pattern(hi, 0x4000, 11 + ch);
        memset(lo, 0xCC, 0x4000);
        memcpy(exp_hi, hi, sizeof(exp_hi));
        const struct seg s2[] = {
            {DAC_HI + 0x20, 0x200, 300, PLX_H2D, 0},
            {DAC_HI + 0x2000, 0x200, 300, PLX_D2H, 0},
        };
        memcpy(exp_hi + 0x2000, exp_hi + 0x20, 300);
        /* +16 holds 7 (unmapped as an upper half): it must not be used. */
        struct seg s2x[2];
        memcpy(s2x, s2, sizeof(s2));
        s2x[0].bus = (7ull << 32) | (uint32_t)s2[0].bus;
        s2x[1].bus = (7ull << 32) | (uint32_t)s2[1].bus;
        uint32_t dpr = write_chain(&e, false, SRAM_DESC + 0xC00, s2x, 2, true);
        plx_wr32(p, PLX_DMADAC(ch), 1);
        plx_sg_start(p, ch, dpr, PLX_MODE_BASE);
        expect_clean_finish(p, ch, "SG with DMADAC, DAC chain load off");
        plx_expect_bytes("high region via DMADAC", hi, exp_hi, 0x4000);
        plx_expect_fill("low region via DMADAC", lo, 0x4000, 0xCC);
        plx_wr32(p, PLX_DMADAC(ch), 0);
    }
    env_free(&e);
}

/* Master aborts from descriptors ----------------------------------------------------------------
 */

static void test_sg_unmapped(void **state)
{
    struct plx *p = *state;
    struct sgenv e;
    env_init(&e, p, 12);
    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            /* Descriptor 1 of 3 names an unmapped bus address: descriptor 0 completes, 1 faults,
             * 2 never runs. */
            struct seg s[3] = {
                {DATA_BUS + 0x100, 0x100, 64, PLX_D2H, 0},
                {0x08000000, 0x200, 64, PLX_D2H, 0},
                {DATA_BUS + 0x300, 0x300, 64, PLX_D2H, 0},
            };
            uint32_t base = host ? (uint32_t)DESC_BUS + 0x1000 : SRAM_DESC + 0x1000;
            uint32_t dpr = write_chain(&e, host, base, s, 3, false);
            plx_sg_start(p, ch, dpr, PLX_MODE_BASE);
            expect_master_abort(p, ch, "descriptor with an unmapped bus address (write)");
            env_apply(&e, s, 1);
            env_check(&e, "after the faulting descriptor");

            s[1] = (struct seg){0x08000000, 0x200, 64, PLX_H2D, 0};
            dpr = write_chain(&e, host, base, s, 3, false);
            plx_sg_start(p, ch, dpr, PLX_MODE_BASE);
            expect_master_abort(p, ch, "descriptor with an unmapped bus address (read)");
            env_apply(&e, s, 1);
            env_check(&e, "after the faulting descriptor (read)");

            /* Descriptor 1 names a local address outside the SRAM. */
            s[1] = (struct seg){DATA_BUS + 0x200, (uint32_t)p->sram_size + 0x10, 64, PLX_D2H, 0};
            dpr = write_chain(&e, host, base, s, 3, false);
            plx_sg_start(p, ch, dpr, PLX_MODE_BASE);
            expect_master_abort(p, ch, "descriptor with a local address outside the SRAM");
            env_apply(&e, s, 1);
            env_check(&e, "after the local fault");
        }

        /* The first descriptor itself is unmapped (host) or outside the SRAM (local). */
        plx_sg_start(p, ch, 0x09000000 | PLX_DPR_PCI, PLX_MODE_BASE);
        expect_master_abort(p, ch, "first descriptor at an unmapped bus address");
        env_check(&e, "after an unmapped first descriptor");
        plx_sg_start(p, ch, (uint32_t)p->sram_size + 0x100, PLX_MODE_BASE);
        expect_master_abort(p, ch, "first descriptor outside the SRAM");
        env_check(&e, "after a first descriptor outside the SRAM");

        /* The next pointer of descriptor 0 leads to an unmapped address. */
        struct seg s0 = {DATA_BUS + 0x700, 0x700, 32, PLX_D2H, 0};
        uint32_t base = (uint32_t)DESC_BUS + 0x2000;
        struct plx_desc d = {(uint32_t)s0.bus, s0.local, s0.size,
                             0x0A000000 | PLX_DPR_PCI | PLX_DPR_D2H, 0};
        plx_desc_host(e.desc + (base - DESC_BUS), &d, false);
        plx_sg_start(p, ch, base | PLX_DPR_PCI, PLX_MODE_BASE);
        expect_master_abort(p, ch, "next pointer to an unmapped bus address");
        env_apply(&e, &s0, 1);
        env_check(&e, "after an unmapped next descriptor");
    }
    env_free(&e);
}

/* Abort mid-chain (slow descriptor latency) ---------------------------------------------------
 */

static bool slot_written(const uint8_t *m, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        if (__atomic_load_n(&m[i], __ATOMIC_ACQUIRE) != plx_pat(seed, i))
            return false;
    return true;
}

/*
 * Starts an n-descriptor SRAM->host chain (clear-count mode) of len bytes each, waits until the
 * first wait_bytes of descriptor 0's data have arrived, aborts, and checks that the channel stopped
 * at a descriptor boundary: a prefix of whole descriptors (at least the first) done, nothing else.
 * Returns how many descriptors completed.
 */
static unsigned abort_chain(struct plx *p, struct sgenv *e, unsigned ch, bool host, unsigned n,
                            uint32_t len, uint32_t wait_bytes)
{
    const uint32_t slot = len < 0x1000 ? 0x1000 : (len + 0xFFF) & ~0xFFFu;
    const uint32_t src_off = SRAM_DESC + 0x4000; /* SRAM, after the descriptors */
    uint8_t *dst = e->data + 0x10000;
    uint8_t *src = malloc((size_t)n * len);
    assert_non_null(src);
    struct seg s[16];
    assert_true(n <= 16 && src_off + n * len <= p->sram_size && 0x10000 + n * slot <= DATA_LEN);
    for (unsigned i = 0; i < n; i++) {
        plx_pattern(src + (size_t)i * len, len, 500 + i);
        s[i] = (struct seg){DATA_BUS + 0x10000 + i * slot, src_off + i * len, len, PLX_D2H, 0};
    }
    plx_sram_write(p, src_off, src, (size_t)n * len);
    memset(dst, 0xCC, (size_t)n * slot);
    uint32_t base = host ? (uint32_t)DESC_BUS + 0x3000 : SRAM_DESC + 0x3000;
    uint32_t dpr = write_chain(e, host, base, s, n, false);
    plx_sg_start(p, ch, dpr, PLX_MODE_BASE | PLX_MODE_CLR_COUNT);

    /* Wait (bounded) for the start of the first descriptor's data, then abort. */
    int64_t deadline = plx_now_us() + 10 * 1000000;
    while (!slot_written(dst, wait_bytes, 500) && plx_now_us() < deadline)
        plx_barrier(p);
    if (!slot_written(dst, wait_bytes, 500))
        fail_msg("ch%u: the first descriptor's data never arrived", ch);
    bool first_complete = slot_written(dst, len, 500);
    plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_ABORT);
    plx_expect_done(p, ch, DONE_MS);
    plx_barrier(p);

    /* Whole descriptors only: a prefix of the chain completed, nothing after it. */
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = dst + (size_t)i * slot;
        bool full = memcmp(d, src + (size_t)i * len, len) == 0;
        bool none = true;
        for (unsigned b = 0; b < slot; b++)
            none = none && d[b] == 0xCC;
        if (full && k == i)
            k++;
        else if (!none || full)
            fail_msg("ch%u abort mid-chain: descriptor %u's destination is %s after %u complete "
                     "descriptors",
                     ch, i, full ? "complete" : "partly written", k);
        if (full)
            plx_expect_fill("after a descriptor's data", d + len, slot - len, 0xCC);
    }
    print_message("ch%u (%s descriptors, %u x %u bytes, abort %s descriptor 0 completed): "
                  "stopped after %u descriptors\n",
                  ch, host ? "host" : "SRAM", n, len, first_complete ? "after" : "before", k);
    if (k < 1 || k >= n)
        fail_msg("ch%u: %u of %u descriptors completed; abort must stop mid-chain at a "
                 "descriptor boundary",
                 ch, k, n);
    /* Clear-count: exactly the completed descriptors have +8 = 0. */
    for (unsigned i = 0; i < n; i++) {
        uint32_t w[8];
        read_slot(e, host, base, i, w);
        if (w[2] != (i < k ? 0u : len))
            fail_msg("ch%u: descriptor %u size field = %u after abort after %u descriptors", ch, i,
                     w[2], k);
    }
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    if (intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_BM0 | PLX_INTCSR_BM1))
        fail_msg("ch%u: INTCSR = 0x%08x after a software abort: PCI abort bits set", ch, intcsr);
    /* Nothing moves afterwards. */
    struct timespec ts = {0, 300 * 1000000}; /* not synchronisation: a quiet period */
    nanosleep(&ts, NULL);
    for (unsigned i = k; i < n; i++)
        plx_expect_fill("destination after the abort", dst + (size_t)i * slot, slot, 0xCC);
    plx_soft_reset(p);
    free(src);
    return k;
}

/* Abort while waiting out the descriptor latency after descriptor 0. */
static void test_sg_abort_mid_chain(void **state)
{
    struct plx *p = *state; /* "slowsg": descriptor_latency = 100ms */
    struct sgenv e;
    env_init(&e, p, 13);
    for (unsigned ch = 0; ch < 2; ch++) {
        abort_chain(p, &e, ch, ch == 0, 10, 64, 64);
        abort_chain(p, &e, ch, ch != 0, 10, 64, 64);
    }
    env_free(&e);
}

/* Abort in the middle of descriptor 0's data (bandwidth-limited): descriptor 0 still completes. */
static void test_sg_abort_mid_descriptor(void **state)
{
    struct plx *p = *state; /* "slowsg2": bandwidth = 64K */
    struct sgenv e;
    env_init(&e, p, 14);
    for (unsigned ch = 0; ch < 2; ch++) {
        for (int host = 1; host >= 0; host--) {
            /* 16 KiB per descriptor: about 250 ms each at 64 KiB/s. */
            unsigned k = abort_chain(p, &e, ch, host, 3, 0x4000, 16);
            assert_int_equal(k, 1);
        }
    }
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest defaults[] = {
        PLX_TEST(test_sg_chains_host_descriptors, &g_default),
        PLX_TEST(test_sg_chains_sram_descriptors, &g_default),
        PLX_TEST(test_sg_mixed_directions, &g_default),
        PLX_TEST(test_sg_mixed_locations, &g_default),
        PLX_TEST(test_sg_clear_count, &g_default),
        PLX_TEST(test_sg_terminal_count_interrupt, &g_default),
        PLX_TEST(test_sg_dpr_start_bits_ignored, &g_default),
        PLX_TEST(test_sg_dac_chain_load, &g_default),
        PLX_TEST(test_sg_unmapped, &g_default),
    };
    const struct CMUnitTest slow[] = {
        PLX_TEST_DEV(test_sg_abort_mid_chain, &g_slow, "slowsg"),
        PLX_TEST_DEV(test_sg_abort_mid_descriptor, &g_slow, "slowsg2"),
    };
    int failed = 0;
    failed += PLX_RUN_GROUP("plx9656 scatter/gather", defaults, &g_default, NULL);
    failed += PLX_RUN_GROUP("plx9656 scatter/gather, slow descriptors", slow, &g_slow, slow_ini);
    return failed;
}
