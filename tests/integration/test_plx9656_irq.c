/*
 * test_plx9656_irq.c: the plx9656 interrupt line (spec/plx9656.md, "Interrupt line").
 *
 * INTA = INTCSR[8] && ((INTCSR[18] && INTCSR[21] && DMAMODE0[17]) ||
 *                      (INTCSR[19] && INTCSR[22] && DMAMODE1[17]) || (INTCSR[10] && INTCSR[14]))
 * checked for every combination of the enables and routing bits under every combination of active
 * sources, as seen by the driver's interrupt callback. Level semantics: the line stays asserted
 * until the source is cleared (DMACSR bit 3, INTCSR bit 14 write-1) or the chip is reset.
 */
#include <errno.h>
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

static struct harness_daemon g_default;

#define HOST_BUS 0x10000000ull
#define DONE_MS  10000

#define SRC_CH0   1u
#define SRC_CH1   2u
#define SRC_ABORT 4u

static const uint32_t all_enables =
    PLX_INTCSR_PCI_IE | PLX_INTCSR_ABORT_IE | PLX_INTCSR_DMA0_IE | PLX_INTCSR_DMA1_IE;

static uint32_t active_bits(uint32_t intcsr)
{
    return intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT);
}

static uint32_t src_bits(unsigned src)
{
    return (src & SRC_CH0 ? PLX_INTCSR_DMA0_ACT : 0) | (src & SRC_CH1 ? PLX_INTCSR_DMA1_ACT : 0) |
           (src & SRC_ABORT ? PLX_INTCSR_ABORT_ACT : 0);
}

/* A completed 16-byte SRAM -> host transfer on ch with the given DMAMODE. */
static void small_dma(struct plx *p, unsigned ch, uint32_t mode)
{
    plx_block_dma(p, ch, HOST_BUS + 0x100 * (ch + 1), 0x40, 16, PLX_D2H, mode);
}

/* A master abort on ch (local address outside SRAM), done interrupt off. */
static void abort_dma(struct plx *p, unsigned ch)
{
    plx_block_dma(p, ch, HOST_BUS, (uint32_t)p->sram_size + 0x1000, 16, PLX_H2D, PLX_MODE_BASE);
}

/* Latches the given sources with all enables off (INTA must stay low meanwhile). */
static void make_sources(struct plx *p, unsigned src)
{
    plx_soft_reset(p);
    plx_wr32(p, PLX_INTCSR, 0);
    if (src & SRC_CH0)
        small_dma(p, 0, PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
    if (src & SRC_CH1)
        small_dma(p, 1, PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
    if (src & SRC_ABORT)
        abort_dma(p, src & SRC_CH1 ? 0 : 1);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    if (active_bits(intcsr) != src_bits(src))
        fail_msg("INTCSR = 0x%08x after making sources %s%s%s: expected active bits 0x%08x", intcsr,
                 src & SRC_CH0 ? "ch0-done " : "", src & SRC_CH1 ? "ch1-done " : "",
                 src & SRC_ABORT ? "abort" : "", src_bits(src));
    plx_irq_expect(p, false, "sources latched, all enables off");
}

static void test_irq_equation(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    unsigned checked = 0, high = 0;
    for (unsigned src = 0; src < 8; src++) {
        make_sources(p, src);
        for (unsigned combo = 0; combo < 64; combo++) {
            /* Gray code: one bit changes per step, so every edge is exercised. */
            unsigned g = combo ^ (combo >> 1);
            bool e8 = g & 1, e10 = g & 2, e18 = g & 4, e19 = g & 8, r0 = g & 16, r1 = g & 32;
            uint32_t intcsr = (e8 ? PLX_INTCSR_PCI_IE : 0) | (e10 ? PLX_INTCSR_ABORT_IE : 0) |
                              (e18 ? PLX_INTCSR_DMA0_IE : 0) | (e19 ? PLX_INTCSR_DMA1_IE : 0);
            plx_wr32(p, PLX_INTCSR, intcsr);
            plx_wr32(p, PLX_DMAMODE(0), PLX_MODE_BASE | (r0 ? PLX_MODE_INTA : 0));
            plx_wr32(p, PLX_DMAMODE(1), PLX_MODE_BASE | (r1 ? PLX_MODE_INTA : 0));
            bool a21 = src & SRC_CH0, a22 = src & SRC_CH1, a14 = src & SRC_ABORT;
            bool want = e8 && ((e18 && a21 && r0) || (e19 && a22 && r1) || (e10 && a14));
            char why[160];
            snprintf(why, sizeof(why),
                     "sources{21:%d 22:%d 14:%d} INTCSR[8]=%d [10]=%d [18]=%d [19]=%d "
                     "DMAMODE0[17]=%d DMAMODE1[17]=%d",
                     a21, a22, a14, e8, e10, e18, e19, r0, r1);
            plx_irq_expect(p, want, why);
            checked++;
            high += want;
        }
        /* Enables and routing never clear a source. */
        uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
        if (active_bits(intcsr) != src_bits(src))
            fail_msg("INTCSR = 0x%08x: active bits changed by writing enables", intcsr);
        plx_wr32(p, PLX_INTCSR, 0);
    }
    print_message("checked INTA in %u states (%u asserted)\n", checked, high);
    assert_int_equal(checked, 512);
    assert_int_equal(high, 109); /* the equation holds in 109 of the 512 states */
}

/* The line stays asserted until the driver clears the source. */
static void test_irq_level_triggered(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    const uint32_t mode = PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA;

    /* Channel 0 done. */
    small_dma(p, 0, mode);
    plx_irq_expect(p, true, "ch0 done interrupt");
    unsigned a0, d0, a, d;
    plx_irq_counts(p, &a0, &d0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), PLX_INTCSR_DMA0_ACT);
    /* Writes that are not the clear: writing 1 to the read-only active bit, DMACSR without bit
     * 3, the other channel's clear. */
    plx_wr32(p, PLX_INTCSR, all_enables | PLX_INTCSR_DMA0_ACT);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_ENABLE);
    plx_wr8(p, PLX_DMACSR(0), 0);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_CLRINT);
    plx_irq_expect(p, true, "ch0 source not yet cleared");
    plx_irq_counts(p, &a, &d);
    assert_int_equal(d, d0); /* never dropped meanwhile */
    assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), PLX_INTCSR_DMA0_ACT);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_irq_expect(p, false, "ch0 cleared with DMACSR0 bit 3");
    assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), 0);

    /* Both channels: clearing one keeps the line up without a glitch. */
    small_dma(p, 0, mode);
    small_dma(p, 1, mode);
    plx_irq_expect(p, true, "ch0 and ch1 done");
    plx_irq_counts(p, &a0, &d0);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_irq_expect(p, true, "ch1 still active");
    plx_irq_counts(p, &a, &d);
    assert_int_equal(d, d0);
    assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), PLX_INTCSR_DMA1_ACT);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_CLRINT | PLX_CSR_ENABLE);
    plx_irq_expect(p, false, "ch1 cleared");

    /* PCI abort: cleared only by writing 1 to INTCSR bit 14. */
    abort_dma(p, 0);
    plx_irq_expect(p, true, "PCI abort interrupt");
    plx_irq_counts(p, &a0, &d0);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_CLRINT);
    plx_wr32(p, PLX_INTCSR, all_enables);
    plx_irq_expect(p, true, "abort not cleared by DMACSR bit 3 or writing 0 to bit 14");
    plx_irq_counts(p, &a, &d);
    assert_int_equal(d, d0);
    plx_wr32(p, PLX_INTCSR, all_enables | PLX_INTCSR_ABORT_ACT);
    plx_irq_expect(p, false, "abort cleared by writing 1 to INTCSR bit 14");
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    assert_int_equal(active_bits(intcsr), 0);
    assert_int_equal(intcsr & all_enables, all_enables);
    /* Byte write of 0x40 to INTCSR byte 1 is the same write-1-to-clear of bit 14. */
    abort_dma(p, 1);
    plx_irq_expect(p, true, "PCI abort interrupt (ch1)");
    plx_wr8(p, PLX_INTCSR + 1, (uint8_t)((all_enables | PLX_INTCSR_ABORT_ACT) >> 8));
    plx_irq_expect(p, false, "abort cleared by a byte write to INTCSR");
}

/* Software reset drops the line and every source. */
static void test_irq_soft_reset_deasserts(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    small_dma(p, 1, PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
    abort_dma(p, 0);
    plx_irq_expect(p, true, "ch1 done + abort");
    plx_wr32(p, PLX_CNTRL, PLX_CNTRL_RESET);
    plx_irq_expect(p, false, "held in soft reset");
    assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), 0);
    plx_wr32(p, PLX_CNTRL, 0);
    plx_irq_expect(p, false, "after soft reset released");
    assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), 0);
    /* Sources work again afterwards. */
    plx_wr32(p, PLX_INTCSR, all_enables);
    small_dma(p, 0, PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
    plx_irq_expect(p, true, "ch0 done after reset");
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_irq_expect(p, false, "ch0 cleared");
}

/* DMAMODE bit 10: done interrupt or none. */
static void test_irq_done_enable(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    for (unsigned ch = 0; ch < 2; ch++) {
        small_dma(p, ch, PLX_MODE_BASE | PLX_MODE_INTA);
        assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), 0);
        plx_irq_expect(p, false, "done without DMAMODE bit 10");
        unsigned a;
        plx_irq_counts(p, &a, NULL);
        assert_int_equal(a, 0);

        small_dma(p, ch, PLX_MODE_BASE | PLX_MODE_INTA | PLX_MODE_DONE_IE);
        assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), PLX_INTCSR_DMA_ACT(ch));
        plx_irq_expect(p, true, "done with DMAMODE bit 10");
        plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_CLRINT);
        plx_irq_expect(p, false, "cleared");
        pthread_mutex_lock(&p->mu);
        p->asserts = p->deasserts = 0;
        pthread_mutex_unlock(&p->mu);
    }
}

/* DMAMODE bit 17 = 0 routes the channel to LINTo: active bit set, INTA stays low. */
static void test_irq_lint_routing(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    for (unsigned ch = 0; ch < 2; ch++) {
        small_dma(p, ch, PLX_MODE_BASE | PLX_MODE_DONE_IE);
        assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), PLX_INTCSR_DMA_ACT(ch));
        plx_irq_expect(p, false, "routed to LINTo");
        unsigned a;
        plx_irq_counts(p, &a, NULL);
        assert_int_equal(a, 0);
        /* Routing it to INTA later raises the line at once; routing it away drops it. */
        plx_wr32(p, PLX_DMAMODE(ch), PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
        plx_irq_expect(p, true, "rerouted to INTA");
        plx_wr32(p, PLX_DMAMODE(ch), PLX_MODE_BASE | PLX_MODE_DONE_IE);
        plx_irq_expect(p, false, "routed back to LINTo");
        /* The other channel's routing bit does not matter. */
        plx_wr32(p, PLX_DMAMODE(1 - ch), PLX_MODE_BASE | PLX_MODE_INTA);
        plx_irq_expect(p, false, "other channel routed to INTA");
        plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_CLRINT);
        assert_int_equal(active_bits(plx_rd32(p, PLX_INTCSR)), 0);
        plx_wr32(p, PLX_DMAMODE(1 - ch), PLX_MODE_BASE);
        pthread_mutex_lock(&p->mu);
        p->asserts = p->deasserts = 0;
        pthread_mutex_unlock(&p->mu);
    }
}

/*
 * The done interrupt belongs to a normal stop: a master abort with DMAMODE bit 10 set reports
 * the PCI abort (bit 14) but not the channel's done interrupt.
 */
static void test_irq_no_done_interrupt_on_master_abort(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    for (unsigned ch = 0; ch < 2; ch++) {
        plx_block_dma(p, ch, HOST_BUS, (uint32_t)p->sram_size + 0x1000, 16, PLX_H2D,
                      PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
        uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
        if (active_bits(intcsr) != PLX_INTCSR_ABORT_ACT)
            fail_msg("ch%u master abort with DMAMODE bit 10 set: INTCSR = 0x%08x, expected bit "
                     "14 as the only active bit",
                     ch, intcsr);
        plx_irq_expect(p, true, "PCI abort interrupt");
        plx_wr32(p, PLX_INTCSR, all_enables | PLX_INTCSR_ABORT_ACT);
        plx_irq_expect(p, false, "abort cleared, no done interrupt behind it");
    }
}

/* Waiting on the interrupt alone (no MMIO first): when INTA arrives the data is in memory. */
static void test_irq_completion_order(void **state)
{
    struct plx *p = *state;
    const uint32_t n = 0x10000;
    dmaemu_region_t *r = plx_region(p, HOST_BUS, n, 0);
    uint8_t *m = plx_region_mem(r);
    uint8_t *src = malloc(n);
    assert_non_null(src);
    plx_pattern(src, n, 3);
    plx_sram_write(p, 0, src, n);
    plx_wr32(p, PLX_INTCSR, all_enables);
    for (unsigned ch = 0; ch < 2; ch++) {
        memset(m, 0xCC, n);
        plx_barrier(p);
        plx_block_start(p, ch, HOST_BUS, 0, n, PLX_D2H,
                        PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += DONE_MS / 1000;
        pthread_mutex_lock(&p->mu);
        int rc = 0;
        while (!p->level && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->cv, &p->mu, &dl);
        bool level = p->level;
        pthread_mutex_unlock(&p->mu);
        if (!level)
            fail_msg("ch%u: no interrupt within %d ms of a done-interrupt transfer", ch, DONE_MS);
        plx_expect_bytes("data when the done interrupt arrives", m, src, n);
        assert_int_equal(plx_csr(p, ch) & PLX_CSR_DONE, PLX_CSR_DONE);
        plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_CLRINT);
        plx_irq_expect(p, false, "cleared");
    }
    free(src);
}

static bool plx_level_now(struct plx *p)
{
    pthread_mutex_lock(&p->mu);
    bool level = p->level;
    pthread_mutex_unlock(&p->mu);
    return level;
}

/*
 * A line change the daemon sent before a reply reaches the interrupt callback before the reply
 * returns, with no waiting: what a driver thread that reads a register and then looks at the
 * line relies on. On one stream that is the stream's order; with a local driver's call channel,
 * the daemon's Fence.
 */
static void test_irq_known_before_the_next_reply(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    const uint32_t mode = PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA;
    for (int i = 0; i < 200; i++) {
        small_dma(p, 0, mode); /* returns when a read of DMACSR0 shows Done */
        if (!plx_level_now(p))
            fail_msg("round %d: DMACSR0 read Done, but the assertion sent before that reply "
                     "had not reached the interrupt callback",
                     i);
        plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
        (void)plx_rd32(p, PLX_INTCSR);
        if (plx_level_now(p))
            fail_msg("round %d: INTCSR read after the clear, but the deassertion sent before "
                     "that reply had not reached the interrupt callback",
                     i);
    }
}

/* The last callback's assertion number and the callback counts, after a round trip. */
static uint64_t irq_snapshot(struct plx *p, unsigned *asserts, unsigned *deasserts)
{
    plx_barrier(p);
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->assertion;
    *asserts = p->asserts;
    *deasserts = p->deasserts;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void interrupt_done(struct plx *p, unsigned index, uint64_t assertion)
{
    assert_int_equal(dmaemu_interrupt_done(p->c, DMAEMU_IRQ_LINE, index, assertion), 0);
    assert_int_equal(dmaemu_flush(p->c), 0);
}

/*
 * InterruptDone: a line still asserted when the driver says its handlers ran for the latest
 * delivery is delivered again under a new number; a stale number, a line no longer asserted or
 * a line the device lacks delivers nothing (the last is refused, and the session goes on).
 */
static void test_irq_done_redelivers(void **state)
{
    struct plx *p = *state;
    plx_region(p, HOST_BUS, 0x1000, 0);
    plx_wr32(p, PLX_INTCSR, all_enables);
    small_dma(p, 0, PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA);
    plx_irq_expect(p, true, "ch0 done interrupt");
    unsigned a0, d0, a, d;
    uint64_t first = irq_snapshot(p, &a0, &d0);
    assert_true(first > 0);

    interrupt_done(p, 0, first);
    uint64_t again = irq_snapshot(p, &a, &d);
    assert_int_equal(a, a0 + 1); /* delivered again, the line never dropped */
    assert_int_equal(d, d0);
    assert_true(again > first);

    interrupt_done(p, 0, first); /* stale: the driver has yet to serve `again` */
    assert_int_equal(irq_snapshot(p, &a, &d), again);
    assert_int_equal(a, a0 + 1);

    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_irq_expect(p, false, "ch0 cleared");
    assert_int_equal(irq_snapshot(p, &a, &d), 0); /* a deassertion has no number */
    interrupt_done(p, 0, again);                  /* the line is low: nothing to deliver */
    irq_snapshot(p, &a, &d);
    assert_int_equal(a, a0 + 1);
    assert_int_equal(d, d0 + 1);

    assert_int_equal(dmaemu_interrupt_done(p->c, DMAEMU_IRQ_LINE, 3, again), 0);
    int rc = dmaemu_ping(p->c); /* the refusal of the posted frame comes with the next call */
    assert_int_equal(rc, DMAEMU_E_RANGE);
    if (strstr(dmaemu_last_error(), "no interrupt line 3") == NULL)
        fail_msg("refusal does not name the line: %s", dmaemu_last_error());
    assert_int_equal(dmaemu_ping(p->c), 0);

    dmaemu_t *idle = plx_connect_owned(p, p->tcp, DMAEMU_ROLE_DRIVER, "plx9656-unattached");
    assert_int_equal(dmaemu_interrupt_done(idle, DMAEMU_IRQ_LINE, 0, again), 0);
    assert_int_equal(dmaemu_ping(idle), DMAEMU_E_NOT_ATTACHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PLX_TEST(test_irq_equation, &g_default),
        PLX_TEST(test_irq_level_triggered, &g_default),
        PLX_TEST(test_irq_soft_reset_deasserts, &g_default),
        PLX_TEST(test_irq_done_enable, &g_default),
        PLX_TEST(test_irq_lint_routing, &g_default),
        PLX_TEST(test_irq_no_done_interrupt_on_master_abort, &g_default),
        PLX_TEST(test_irq_completion_order, &g_default),
        PLX_TEST(test_irq_known_before_the_next_reply, &g_default),
        PLX_TEST(test_irq_done_redelivers, &g_default),
    };
    return PLX_RUN_GROUP("plx9656 interrupt line", tests, &g_default, NULL);
}
