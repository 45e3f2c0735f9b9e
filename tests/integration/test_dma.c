/*
 * test_dma.c: regions and device DMA through plx9656 block mode, over UNIX (shared memory) and
 * TCP (DMA as messages): data both ways, interrupts, and refused (master-aborted) DMA that leaves
 * every mapped byte alone.
 */
#include <stdlib.h>

#include "itest.h"

static struct fixture fx_unix = {.tcp = false};
static struct fixture fx_tcp = {.tcp = true};

#define BUS_BASE 0x10000000ull
#define CANARY   0xA5u

static dmaemu_region_t *region(dmaemu_t *c, uint64_t bus, size_t len, unsigned flags)
{
    dmaemu_region_t *r = NULL;
    int rc = dmaemu_region_create(c, bus, len, flags, &r);
    if (rc != 0)
        fail_msg("region_create 0x%llx+0x%zx: %d (%s): %s", (unsigned long long)bus, len, rc,
                 dmaemu_strerror(rc), dmaemu_last_error());
    assert_non_null(r);
    assert_non_null(dmaemu_region_ptr(r));
    assert_int_equal(dmaemu_region_bus_addr(r), bus);
    assert_int_equal(dmaemu_region_length(r), len);
    return r;
}

static uint8_t *rptr(dmaemu_region_t *r)
{
    return dmaemu_region_ptr(r);
}

static void expect_bytes(const uint8_t *p, size_t len, uint8_t value, const char *what)
{
    long at = bytes_mismatch(p, len, value);
    if (at >= 0)
        fail_msg("%s: byte %ld is 0x%02x, expected 0x%02x", what, at, p[at], value);
}

static void expect_pattern(const uint8_t *p, size_t len, unsigned seed, const char *what)
{
    long at = pattern_mismatch(p, len, seed);
    if (at >= 0)
        fail_msg("%s: byte %ld is 0x%02x, expected 0x%02x", what, at, p[at],
                 pattern_byte((uint64_t)at, seed));
}

/* Regions -------------------------------------------------------------------------------------- */

static void expect_overlap(dmaemu_t *c, uint64_t bus, size_t len)
{
    dmaemu_region_t *r = NULL;
    int rc = dmaemu_region_create(c, bus, len, 0, &r);
    if (rc != DMAEMU_E_OVERLAP)
        fail_msg("region 0x%llx+0x%zx: %d (%s), expected DMAEMU_E_OVERLAP", (unsigned long long)bus,
                 len, rc, dmaemu_strerror(rc));
}

static void test_regions(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "region-driver", "plx0");
    dmaemu_region_t *r = region(c, BUS_BASE, 0x10000, 0);
    expect_bytes(rptr(r), 0x10000, 0, "a new region");

    expect_overlap(c, BUS_BASE, 0x10000);
    expect_overlap(c, BUS_BASE - 0x1000, 0x2000);
    expect_overlap(c, BUS_BASE + 0xF000, 0x2000);
    expect_overlap(c, BUS_BASE + 0x4000, 0x1000);
    expect_overlap(c, BUS_BASE - 0x10000, 0x30000);
    expect_overlap(c, BUS_BASE + 0xFFFF, 1);

    /* Neighbours that touch are not overlaps. */
    dmaemu_region_t *lo = region(c, BUS_BASE - 0x1000, 0x1000, 0);
    dmaemu_region_t *hi = region(c, BUS_BASE + 0x10000, 0x1000, DMAEMU_REGION_READ_ONLY);
    expect_overlap(c, BUS_BASE + 0x10FFF, 0x2000);

    /* Each session has a bus address space of its own. */
    dmaemu_t *other = fx_driver(fx, "region-driver-1", "plx1");
    dmaemu_region_t *o = region(other, BUS_BASE, 0x10000, 0);
    assert_int_equal(dmaemu_region_destroy(other, o), 0);

    assert_int_equal(dmaemu_region_destroy(c, r), 0);
    r = region(c, BUS_BASE + 0x4000, 0x1000, 0);
    assert_int_equal(dmaemu_region_destroy(c, r), 0);
    assert_int_equal(dmaemu_region_destroy(c, lo), 0);
    assert_int_equal(dmaemu_region_destroy(c, hi), 0);
    assert_int_equal(dmaemu_ping(c), 0);
}

/* Device to host and back ---------------------------------------------------------------------- */

/* Fills SRAM with a pattern, DMAs it into a canary-filled region at off, checks every byte. */
static void to_host_case(dmaemu_t *c, uint64_t bus, uint32_t local, uint32_t off, uint32_t len,
                         unsigned seed)
{
    size_t rlen = (size_t)off + len + 0x1000;
    dmaemu_region_t *r = region(c, bus, rlen, 0);
    memset(rptr(r), CANARY, rlen);
    uint32_t fill_off = local & ~7u, fill_len = (local - fill_off + len + 7) & ~7u;
    sram_fill(c, fill_off, fill_len, seed);
    plx_block_start(c, bus + off, local, len, true, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);

    /* The SRAM pattern starts at fill_off: the region must hold it from local on. */
    uint8_t *p = rptr(r);
    for (uint32_t i = 0; i < len; i++)
        if (p[off + i] != pattern_byte(local - fill_off + i, seed))
            fail_msg("region byte 0x%x (DMA byte %u) is 0x%02x, expected 0x%02x", off + i, i,
                     p[off + i], pattern_byte(local - fill_off + i, seed));
    expect_bytes(p, off, CANARY, "bytes before the DMA");
    expect_bytes(p + off + len, rlen - off - len, CANARY, "bytes after the DMA");
    assert_int_equal(dmaemu_region_destroy(c, r), 0);
}

static void test_dma_to_host(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "d2h-driver", "plx0");
    to_host_case(c, BUS_BASE, 0x1000, 0x2000, 0x8000, 1);
    to_host_case(c, BUS_BASE, 0x11, 0x7, 0x1FB, 2);
    to_host_case(c, BUS_BASE + 0x100000, 0, 0, PLX_SRAM_DEFAULT, 3);
    to_host_case(c, 0x120000000ull, 0x800, 0x10, 0x4000, 4); /* above 4 GiB via DMADAC0 */
}

static void from_host_case(dmaemu_t *c, uint64_t bus, uint32_t local, uint32_t len, unsigned seed)
{
    dmaemu_region_t *r = region(c, bus, len, 0);
    pattern_fill(rptr(r), len, seed);
    if (local >= 8)
        mmio_wr(c, BAR_SRAM, local - 8, 8, 0x5555555555555555ull);
    if (local + len + 8 <= PLX_SRAM_DEFAULT)
        mmio_wr(c, BAR_SRAM, local + len, 8, 0x6666666666666666ull);
    plx_block_start(c, bus, local, len, false, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    sram_expect(c, local, len, seed);
    if (local >= 8)
        assert_int_equal(mmio_rd(c, BAR_SRAM, local - 8, 8), 0x5555555555555555ull);
    if (local + len + 8 <= PLX_SRAM_DEFAULT)
        assert_int_equal(mmio_rd(c, BAR_SRAM, local + len, 8), 0x6666666666666666ull);
    expect_pattern(rptr(r), len, seed, "the source region after the DMA");
    assert_int_equal(dmaemu_region_destroy(c, r), 0);
}

static void test_dma_from_host(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "h2d-driver", "plx0");
    from_host_case(c, BUS_BASE, 0x4000, 0x10000, 5);
    from_host_case(c, BUS_BASE, 0, PLX_SRAM_DEFAULT, 6);
    from_host_case(c, BUS_BASE + 0x3000, 0x18, 0x1F0, 7);
}

/* A round trip: host -> SRAM -> another host region gives back the same bytes. */
static void test_dma_round_trip(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "roundtrip-driver", "plx0");
    dmaemu_region_t *src = region(c, BUS_BASE, 0x10000, 0);
    dmaemu_region_t *dst = region(c, BUS_BASE + 0x10000, 0x10000, 0);
    pattern_fill(rptr(src), 0x10000, 8);
    plx_block_start(c, BUS_BASE, 0x8000, 0x10000, false, false);
    plx_wait_done(c, ITEST_TIMEOUT_MS);
    plx_block_start(c, BUS_BASE + 0x10000, 0x8000, 0x10000, true, false);
    plx_wait_done(c, ITEST_TIMEOUT_MS);
    assert_memory_equal(rptr(src), rptr(dst), 0x10000);
    expect_pattern(rptr(dst), 0x10000, 8, "round trip");
}

/* Interrupts ----------------------------------------------------------------------------------- */

static void irq_cycle(struct fixture *fx, dmaemu_t *c, dmaemu_region_t *r, unsigned n)
{
    memset(rptr(r), CANARY, 0x4000);
    sram_fill(c, 0, 0x4000, 10 + n);
    plx_block_start(c, BUS_BASE, 0, 0x4000, true, true);
    if (!irq_watch_wait(&fx->irq, n, n - 1, ITEST_TIMEOUT_MS))
        fail_msg("no interrupt assertion #%u after the DMA", n);
    /* The data is in memory by the time the interrupt arrives. */
    expect_pattern(rptr(r), 0x4000, 10 + n, "region when the interrupt arrived");
    unsigned as, de;
    bool level;
    irq_watch_get(&fx->irq, &as, &de, &level);
    assert_true(level);
    assert_int_equal(fx->irq.last_kind, DMAEMU_IRQ_LINE);
    assert_int_equal(fx->irq.last_index, 0);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_DMACSR0, 1) & ~DMACSR_ENABLE, DMACSR_DONE);
    uint64_t intcsr = mmio_rd(c, BAR_REGS, PLX_INTCSR, 4);
    assert_int_equal(intcsr & (INTCSR_DMA0_ACTIVE | INTCSR_ABORT_ACTIVE), INTCSR_DMA0_ACTIVE);

    mmio_wr(c, BAR_REGS, PLX_DMACSR0, 1, DMACSR_CLEAR_INT);
    if (!irq_watch_wait(&fx->irq, n, n, ITEST_TIMEOUT_MS))
        fail_msg("no deassertion #%u after clearing the interrupt", n);
    irq_watch_get(&fx->irq, &as, &de, &level);
    assert_false(level);
    assert_int_equal(as, n);
    assert_int_equal(de, n);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_DMA0_ACTIVE, 0);
}

static void test_dma_interrupt(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "irq-driver", "plx0");
    dmaemu_region_t *r = region(c, BUS_BASE, 0x4000, 0);
    for (unsigned n = 1; n <= 3; n++)
        irq_cycle(fx, c, r, n);
    /* Nothing further arrived after the last clear. */
    assert_int_equal(dmaemu_ping(c), 0);
    unsigned as, de;
    bool level;
    irq_watch_get(&fx->irq, &as, &de, &level);
    assert_int_equal(as, 3);
    assert_int_equal(de, 3);
}

/* Refused DMA ---------------------------------------------------------------------------------- */

/* Waits for the channel to stop and checks it master-aborted; clears the abort. */
static void expect_master_abort(dmaemu_t *c, const char *what)
{
    uint64_t csr = plx_wait_done(c, ITEST_TIMEOUT_MS);
    assert_int_equal(csr & DMACSR_DONE, DMACSR_DONE);
    uint64_t intcsr = mmio_rd(c, BAR_REGS, PLX_INTCSR, 4);
    if ((intcsr & (INTCSR_ABORT_ACTIVE | INTCSR_DMA0_ABORT_BM)) !=
        (INTCSR_ABORT_ACTIVE | INTCSR_DMA0_ABORT_BM))
        fail_msg("%s: INTCSR 0x%08llx lacks the master abort bits 14 and 25", what,
                 (unsigned long long)intcsr);
    mmio_wr(c, BAR_REGS, PLX_INTCSR, 4, INTCSR_ABORT_ACTIVE);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
}

struct oob_layout {
    dmaemu_region_t *lo, *target, *hi; /* [B-0x1000,B) [B,B+0x1000) gap [B+0x2000,B+0x3000) */
};

static void oob_check(struct oob_layout *l, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "%s: low guard", what);
    expect_bytes(rptr(l->lo), 0x1000, CANARY, msg);
    snprintf(msg, sizeof(msg), "%s: target", what);
    expect_bytes(rptr(l->target), 0x1000, CANARY, msg);
    snprintf(msg, sizeof(msg), "%s: high guard", what);
    expect_bytes(rptr(l->hi), 0x1000, CANARY, msg);
}

static void oob_case(dmaemu_t *c, struct oob_layout *l, uint64_t bus, uint32_t local, uint32_t len,
                     bool to_host, const char *what)
{
    plx_block_start(c, bus, local, len, to_host, false);
    expect_master_abort(c, what);
    oob_check(l, what);
    assert_int_equal(dmaemu_ping(c), 0);
}

static void test_dma_out_of_bounds(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "oob-driver", "plx0");
    struct oob_layout l = {region(c, BUS_BASE - 0x1000, 0x1000, 0), region(c, BUS_BASE, 0x1000, 0),
                           region(c, BUS_BASE + 0x2000, 0x1000, 0)};
    memset(rptr(l.lo), CANARY, 0x1000);
    memset(rptr(l.target), CANARY, 0x1000);
    memset(rptr(l.hi), CANARY, 0x1000);
    sram_fill(c, 0, 0x4000, 20);

    oob_case(c, &l, BUS_BASE + 0x800, 0, 0x1000, true, "runs past the end");
    oob_case(c, &l, BUS_BASE + 0xFFF, 0, 2, true, "last byte plus one");
    oob_case(c, &l, BUS_BASE + 0x1800, 0, 0x1000, true, "gap into the high guard");
    oob_case(c, &l, BUS_BASE - 0x2000, 0, 0x1800, true, "unmapped into the low guard");
    oob_case(c, &l, 0x70000000, 0, 0x100, true, "wholly unmapped");
    oob_case(c, &l, BUS_BASE + 0x800, 0, 0x1000, false, "device read past the end");
    oob_case(c, &l, BUS_BASE, PLX_SRAM_DEFAULT - 0x800, 0x1000, true, "local past SRAM");

    /* The channel is usable again, and a DMA that fits still lands exactly. */
    plx_block_start(c, BUS_BASE, 0, 0x1000, true, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
    expect_pattern(rptr(l.target), 0x1000, 20, "target after a good DMA");
    expect_bytes(rptr(l.lo), 0x1000, CANARY, "low guard after a good DMA");
    expect_bytes(rptr(l.hi), 0x1000, CANARY, "high guard after a good DMA");
}

static void test_dma_read_only(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "ro-driver", "plx0");
    dmaemu_region_t *ro = region(c, BUS_BASE, 0x2000, DMAEMU_REGION_READ_ONLY);
    pattern_fill(rptr(ro), 0x2000, 30);
    sram_fill(c, 0, 0x2000, 31);

    plx_block_start(c, BUS_BASE, 0, 0x2000, true, false);
    expect_master_abort(c, "device write into a read-only region");
    expect_pattern(rptr(ro), 0x2000, 30, "read-only region after a refused write");
    plx_block_start(c, BUS_BASE + 0x1FFC, 0, 4, true, false);
    expect_master_abort(c, "4-byte device write into a read-only region");
    expect_pattern(rptr(ro), 0x2000, 30, "read-only region after a refused write");

    /* The device may read it. */
    plx_block_start(c, BUS_BASE, 0x8000, 0x2000, false, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
    sram_expect(c, 0x8000, 0x2000, 30);
}

/* An abort raises INTA when INTCSR bits 8 and 10 are set, until bit 14 is cleared. */
static void test_dma_abort_interrupt(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "abort-irq-driver", "plx0");
    plx_block_start(c, 0x70000000, 0, 0x100, true, false);
    plx_wait_done(c, ITEST_TIMEOUT_MS);
    mmio_wr(c, BAR_REGS, PLX_INTCSR, 4, INTCSR_PCI_INT_EN | INTCSR_ABORT_INT_EN);
    if (!irq_watch_wait(&fx->irq, 1, 0, ITEST_TIMEOUT_MS))
        fail_msg("no interrupt for a master abort");
    mmio_wr(c, BAR_REGS, PLX_INTCSR, 4,
            INTCSR_PCI_INT_EN | INTCSR_ABORT_INT_EN | INTCSR_ABORT_ACTIVE);
    if (!irq_watch_wait(&fx->irq, 1, 1, ITEST_TIMEOUT_MS))
        fail_msg("the line stayed asserted after clearing the abort");
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
}

/* Small frames: with max_data 4 KiB, remote DMA travels in many messages ----------------------- */

static dmaemu_t *connect_small_frames(struct fixture *fx)
{
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_DRIVER,
                                       .name = "small-frames",
                                       .token_file = fx->tcp ? fx->d.token_file : NULL,
                                       .max_data = 4096};
    dmaemu_t *c = NULL;
    int rc = dmaemu_connect(harness_uri(&fx->d, fx->tcp), &o, &c);
    if (rc != 0)
        fail_msg("connect with max_data 4096: %d (%s): %s", rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
    for (int i = 0; i < FX_MAX_CLIENTS; i++) {
        if (fx->clients[i] == NULL) {
            fx->clients[i] = c;
            break;
        }
    }
    return c;
}

static void test_dma_small_frames(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = connect_small_frames(fx);
    assert_int_equal(dmaemu_attach(c, "plx0", NULL), 0);
    dmaemu_region_t *r = region(c, BUS_BASE, PLX_SRAM_DEFAULT, 0);
    sram_fill(c, 0, PLX_SRAM_DEFAULT, 50);
    plx_block_start(c, BUS_BASE, 0, PLX_SRAM_DEFAULT, true, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    expect_pattern(rptr(r), PLX_SRAM_DEFAULT, 50, "region after a DMA in small frames");

    pattern_fill(rptr(r), PLX_SRAM_DEFAULT, 51);
    plx_block_start(c, BUS_BASE, 0, PLX_SRAM_DEFAULT, false, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    sram_expect(c, 0, PLX_SRAM_DEFAULT, 51);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
}

/* Synchronous calls from a callback: answered on a local driver's call channel; refused with
 * DMAEMU_E_CONTEXT on one stream (TCP), where waiting would deadlock --------------------------- */

struct ctx_probe {
    dmaemu_t *c;
    struct irq_watch *w;
    int ping_rc, read_rc;
    uint64_t intcsr;
};

static struct ctx_probe probe;

static void ctx_probe_cb(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted)
{
    struct ctx_probe *p = arg;
    if (asserted) {
        p->ping_rc = dmaemu_ping(p->c);
        p->read_rc = dmaemu_mmio_read(p->c, BAR_REGS, PLX_INTCSR, 4, &p->intcsr);
    }
    irq_watch_cb(p->w, kind, index, asserted); /* publishes the results to the test thread */
}

static void test_callback_context(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "context-driver", "plx0");
    assert_int_equal(dmaemu_callbacks_may_call(c), !fx->tcp);
    probe = (struct ctx_probe){.c = c, .w = &fx->irq, .ping_rc = 1, .read_rc = 1};
    dmaemu_set_interrupt_handler(c, ctx_probe_cb, &probe);
    dmaemu_region_t *r = region(c, BUS_BASE, 0x1000, 0);
    (void)r;
    plx_block_start(c, BUS_BASE, 0, 0x1000, true, true);
    if (!irq_watch_wait(&fx->irq, 1, 0, ITEST_TIMEOUT_MS))
        fail_msg("no interrupt (is the callback deadlocked?)");
    if (fx->tcp) {
        assert_int_equal(probe.ping_rc, DMAEMU_E_CONTEXT);
        assert_int_equal(probe.read_rc, DMAEMU_E_CONTEXT);
    } else {
        assert_int_equal(probe.ping_rc, 0);
        assert_int_equal(probe.read_rc, 0);
        assert_true(probe.intcsr & INTCSR_DMA0_ACTIVE); /* read while the line was up */
    }
    mmio_wr(c, BAR_REGS, PLX_DMACSR0, 1, DMACSR_CLEAR_INT);
    assert_true(irq_watch_wait(&fx->irq, 1, 1, ITEST_TIMEOUT_MS));
    assert_int_equal(dmaemu_ping(c), 0);
}

/* Destroying a region while the device writes it: the DMA then finds nothing mapped ---------- */

/* 1 MiB/s: a 128 KiB transfer takes 125 ms. */
static const char slow_config[] = "[device plx0]\nmodel = plx9656\nbandwidth = 1M\n\n"
                                  "[device plx1]\nmodel = plx9656\n";
static struct fixture fx_slow_unix = {.tcp = false, .config = slow_config};
static struct fixture fx_slow_tcp = {.tcp = true, .config = slow_config};

static void test_region_destroy_during_dma(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "destroying-driver", "plx0");
    dmaemu_region_t *r = region(c, BUS_BASE, PLX_SRAM_DEFAULT, 0);
    dmaemu_region_t *guard = region(c, BUS_BASE + PLX_SRAM_DEFAULT, 0x1000, 0);
    memset(rptr(guard), CANARY, 0x1000);
    sram_fill(c, 0, PLX_SRAM_DEFAULT, 60);
    plx_block_start(c, BUS_BASE, 0, PLX_SRAM_DEFAULT, true, false);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_DMACSR0, 1) & DMACSR_DONE, 0);
    assert_int_equal(dmaemu_region_destroy(c, r), 0);

    /* The rest of the transfer finds the bus address unmapped: a master abort. */
    expect_master_abort(c, "DMA into a destroyed region");
    expect_bytes(rptr(guard), 0x1000, CANARY, "the neighbouring region");
    assert_int_equal(dmaemu_ping(c), 0);
    assert_true(harness_alive(&fx->d));
}

#define DMA_TESTS(fx)                                                                              \
    FX_TEST(test_regions, fx), FX_TEST(test_dma_to_host, fx), FX_TEST(test_dma_from_host, fx),     \
        FX_TEST(test_dma_round_trip, fx), FX_TEST(test_dma_interrupt, fx),                         \
        FX_TEST(test_dma_out_of_bounds, fx), FX_TEST(test_dma_read_only, fx),                      \
        FX_TEST(test_dma_abort_interrupt, fx), FX_TEST(test_dma_small_frames, fx),                 \
        FX_TEST(test_callback_context, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {DMA_TESTS(fx_unix)};
    const struct CMUnitTest tcp_tests[] = {DMA_TESTS(fx_tcp)};
    const struct CMUnitTest slow_tests[] = {FX_TEST(test_region_destroy_during_dma, fx_slow_unix),
                                            FX_TEST(test_region_destroy_during_dma, fx_slow_tcp)};
    int failed = cmocka_run_group_tests_name("dma/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("dma/tcp", tcp_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("dma/slow", slow_tests, NULL, NULL);
    return failed != 0;
}
