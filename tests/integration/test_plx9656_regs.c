/*
 * test_plx9656_regs.c: register semantics of the plx9656 model (docs: spec/plx9656.md).
 *
 * Identity and resources, read-only and stored bits, DMACSR byte semantics, narrow and wide
 * accesses, SRAM through BAR2, range errors, software reset and reset on detach, and the device
 * configuration keys (including invalid configurations, which must stop dmaemud with status 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plx9656_util.h"

extern char **environ;

static struct harness_daemon g_default, g_custom;

/* Every 32-bit DMA register (0x080..0x0B8 except DMACSR). */
static const uint32_t dma_regs[] = {
    PLX_DMAMODE(0), PLX_DMAPADR(0), PLX_DMALADR(0), PLX_DMASIZ(0), PLX_DMADPR(0),
    PLX_DMAMODE(1), PLX_DMAPADR(1), PLX_DMALADR(1), PLX_DMASIZ(1), PLX_DMADPR(1),
    PLX_DMAARB,     PLX_DMATHR,     PLX_DMADAC(0),  PLX_DMADAC(1),
};
#define N_DMA_REGS (sizeof(dma_regs) / sizeof(dma_regs[0]))

/* What a stored 32-bit DMA register reads back after writing v. */
static uint32_t stored(uint32_t reg, uint32_t v)
{
    if (reg == PLX_DMASIZ(0) || reg == PLX_DMASIZ(1))
        return v & 0x007FFFFFu; /* byte count bits 22:0; 31:23 reserved (read 0) */
    return v;
}

static void expect_reg(struct plx *p, uint32_t off, uint32_t expected, const char *why)
{
    uint32_t v = plx_rd32(p, off);
    if (v != expected)
        fail_msg("register 0x%03x = 0x%08x, expected 0x%08x (%s)", off, v, expected, why);
}

/* The state every reset leaves: DMA registers 0, Done = 1 on both channels, no active bits. */
static void expect_reset_state(struct plx *p, const char *why)
{
    /* The channel registers first; DMAARB/DMATHR are checked last (expect_arb_thr_reset) so a
     * failure there does not hide the rest. */
    for (size_t i = 0; i < N_DMA_REGS; i++)
        if (dma_regs[i] != PLX_DMAARB && dma_regs[i] != PLX_DMATHR)
            expect_reg(p, dma_regs[i], 0, why);
    for (unsigned ch = 0; ch < 2; ch++) {
        uint8_t csr = plx_csr(p, ch);
        if (csr != PLX_CSR_DONE)
            fail_msg("DMACSR%u = 0x%02x, expected 0x10 (%s)", ch, csr, why);
    }
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    if (intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT))
        fail_msg("INTCSR = 0x%08x: active bits 14/21/22 set (%s)", intcsr, why);
    plx_irq_expect(p, false, why);
}

/* DMAARB and DMATHR are DMA registers too (0x0AC, 0x0B0): "DMA registers read 0" after reset. */
static void expect_arb_thr_reset(struct plx *p, uint32_t arb, uint32_t thr, const char *why)
{
    uint32_t a = plx_rd32(p, PLX_DMAARB), t = plx_rd32(p, PLX_DMATHR);
    if (a != 0 || t != 0)
        fail_msg("after reset (%s): DMAARB = 0x%08x (was 0x%08x), DMATHR = 0x%08x (was 0x%08x); "
                 "expected both 0 (\"DMA registers read 0\")",
                 why, a, arb, t, thr);
}

static const struct dmaemu_device_info *find_dev(const struct dmaemu_device_info *list, int n,
                                                 const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    fail_msg("device %s not in the device list", name);
    return NULL;
}

static void expect_resources(const struct dmaemu_device_info *info, uint64_t sram)
{
    assert_string_equal(info->model, "plx9656");
    assert_int_equal(info->bar_count, 4);
    static const enum dmaemu_bar_kind kinds[4] = {DMAEMU_BAR_MEMORY, DMAEMU_BAR_IO,
                                                  DMAEMU_BAR_MEMORY, DMAEMU_BAR_MEMORY};
    const uint64_t sizes[4] = {0x200, 0x100, sram, 0x20000};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(info->bars[i].index, i);
        assert_int_equal(info->bars[i].kind, kinds[i]);
        assert_int_equal(info->bars[i].size, sizes[i]);
    }
    assert_int_equal(info->irq_kind, DMAEMU_IRQ_LINE);
    assert_int_equal(info->irq_count, 1);
}

/* Identity ------------------------------------------------------------------------------------- */

static void test_identity(void **state)
{
    struct plx *p = *state;
    assert_int_equal(p->info.vendor_id, 0x10B5);
    assert_int_equal(p->info.device_id, 0x9601);
    expect_resources(&p->info, PLX_DEFAULT_SRAM);

    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0x960110B5u);
    assert_int_equal(plx_rd32(p, PLX_PCIHREV), p->info.revision);
    /* Narrow reads of the identity. */
    assert_int_equal(plx_rd(p, 0, PLX_PCIHIDR, 2), 0x10B5);
    assert_int_equal(plx_rd(p, 0, PLX_PCIHIDR + 2, 2), 0x9601);
    static const uint8_t bytes[4] = {0xB5, 0x10, 0x01, 0x96};
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(plx_rd8(p, PLX_PCIHIDR + i), bytes[i]);
    assert_int_equal(plx_rd8(p, PLX_PCIHREV), p->info.revision);

    /* Read-only: writes at every width leave them unchanged. */
    plx_wr32(p, PLX_PCIHIDR, 0xFFFFFFFFu);
    plx_wr(p, 0, PLX_PCIHIDR + 2, 2, 0x1234);
    plx_wr8(p, PLX_PCIHIDR, 0x00);
    plx_wr32(p, PLX_PCIHREV, 0xFFFFFFFFu);
    plx_wr8(p, PLX_PCIHREV, (uint8_t)~p->info.revision);
    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0x960110B5u);
    assert_int_equal(plx_rd32(p, PLX_PCIHREV), p->info.revision);
}

static void test_device_list(void **state)
{
    struct plx *p = *state;
    dmaemu_t *mon = plx_connect_owned(p, p->tcp, DMAEMU_ROLE_MONITOR, "plx9656-monitor");
    struct dmaemu_device_info *list = NULL;
    int n = dmaemu_devices(mon, &list);
    if (n < 0)
        fail_msg("dmaemu_devices = %d: %s", n, dmaemu_last_error());
    for (int i = 0; i < 2; i++) {
        const struct dmaemu_device_info *d = find_dev(list, n, i == 0 ? "plx0" : "plx1");
        assert_int_equal(d->vendor_id, 0x10B5);
        assert_int_equal(d->device_id, 0x9601);
        assert_int_equal(d->revision, p->info.revision);
        expect_resources(d, PLX_DEFAULT_SRAM);
    }
    const struct dmaemu_device_info *d0 = find_dev(list, n, "plx0");
    assert_true(d0->owned);
    assert_int_equal(d0->owner_session, dmaemu_session_id(p->c));
    assert_false(find_dev(list, n, "plx1")->owned);
    free(list);
    plx_forget_conn(p, mon);
    dmaemu_close(mon);
}

/* Power-on / attach state. */
static void test_initial_state(void **state)
{
    struct plx *p = *state;
    expect_reset_state(p, "after attach");
    assert_int_equal(plx_rd32(p, PLX_CNTRL) & PLX_CNTRL_RESET, 0);
}

/* INTCSR / CNTRL ------------------------------------------------------------------------------- */

static void test_intcsr_stored_and_ro_bits(void **state)
{
    struct plx *p = *state;
    static const uint32_t pats[] = {0xFFFFFFFFu, 0x00000000u, 0xA5A5A5A5u, 0x5A5A5A5Au,
                                    0x00000500u, 0x000C0100u, 0x12345678u};
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        plx_wr32(p, PLX_INTCSR, pats[i]);
        uint32_t v = plx_rd32(p, PLX_INTCSR);
        if (v != (pats[i] & ~PLX_INTCSR_RO))
            fail_msg("INTCSR: wrote 0x%08x, read 0x%08x, expected 0x%08x (bits 14, 21, 22, 25, "
                     "26 read-only and clear, the rest stored)",
                     pats[i], v, pats[i] & ~PLX_INTCSR_RO);
        /* No source is active: INTA stays low whatever the enables. */
        plx_irq_expect(p, false, "INTCSR enables without an active source");
    }
    plx_wr32(p, PLX_INTCSR, 0);
    unsigned a;
    plx_irq_counts(p, &a, NULL);
    assert_int_equal(a, 0);
}

static void test_cntrl_stored_bits(void **state)
{
    struct plx *p = *state;
    static const uint32_t pats[] = {0x00000000u, 0xBFFFFFFFu, 0x12345678u, 0x8A5A5A5Au,
                                    0x0000767Eu};
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        plx_wr32(p, PLX_CNTRL, pats[i]);
        expect_reg(p, PLX_CNTRL, pats[i], "CNTRL bits other than 30 are stored");
    }
    /* Bit 30 reads 1 while the chip is held in reset, other bits still stored. */
    plx_wr32(p, PLX_CNTRL, 0x0000767Eu | PLX_CNTRL_RESET);
    expect_reg(p, PLX_CNTRL, 0x0000767Eu | PLX_CNTRL_RESET, "CNTRL with bit 30 set");
    plx_wr32(p, PLX_CNTRL, 0x0000767Eu);
    expect_reg(p, PLX_CNTRL, 0x0000767Eu, "CNTRL after releasing reset");
}

/* DMA registers -------------------------------------------------------------------------------- */

static void test_dma_regs_stored(void **state)
{
    struct plx *p = *state;
    static const uint32_t pats[] = {0xFFFFFFFFu, 0x00000000u, 0xA5A5A5A5u, 0x5A5A5A5Au};
    for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
        for (size_t i = 0; i < N_DMA_REGS; i++)
            plx_wr32(p, dma_regs[i], pats[k]);
        for (size_t i = 0; i < N_DMA_REGS; i++)
            expect_reg(p, dma_regs[i], stored(dma_regs[i], pats[k]), "stored DMA register");
    }
    /* Distinct values: no two registers alias. */
    for (size_t i = 0; i < N_DMA_REGS; i++)
        plx_wr32(p, dma_regs[i], 0x01020304u * (uint32_t)(i + 1) ^ 0x80000000u);
    for (size_t i = 0; i < N_DMA_REGS; i++)
        expect_reg(p, dma_regs[i],
                   stored(dma_regs[i], 0x01020304u * (uint32_t)(i + 1) ^ 0x80000000u),
                   "distinct value per register");
    /* Writing registers never starts a channel. */
    assert_int_equal(plx_csr(p, 0), PLX_CSR_DONE);
    assert_int_equal(plx_csr(p, 1), PLX_CSR_DONE);
}

static void test_dmacsr_bytes(void **state)
{
    struct plx *p = *state;
    /* Idle: Done only, at byte, 16-bit and 32-bit width. */
    assert_int_equal(plx_rd8(p, PLX_DMACSR(0)), 0x10);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(1)), 0x10);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1010);
    assert_int_equal(plx_rd32(p, PLX_DMACSR(0)) & 0xFFFF, 0x1010);

    /* Enable is stored; each byte is its own channel. */
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_ENABLE);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(0)), 0x11);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(1)), 0x10);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_ENABLE);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1111);
    plx_wr8(p, PLX_DMACSR(0), 0);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1110);
    plx_wr(p, 0, PLX_DMACSR(0), 2, 0x0000);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1010);
    plx_wr(p, 0, PLX_DMACSR(0), 2, 0x0101);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1111);
    plx_wr32(p, PLX_DMACSR(0), 0);
    assert_int_equal(plx_rd(p, 0, PLX_DMACSR(0), 2), 0x1010);

    /* Clear interrupt reads 0; Done is read-only (writing 0 does not clear it). */
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_CLRINT);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_CLRINT | PLX_CSR_ENABLE);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(0)), 0x10);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(1)), 0x11);
    plx_wr8(p, PLX_DMACSR(1), 0);

    /* A real transfer: 16 bytes SRAM -> host. */
    dmaemu_region_t *r = plx_region(p, 0x10000000, 4096, 0);
    uint8_t *m = plx_region_mem(r);
    memset(m, 0xCC, 4096);
    uint8_t src[16];
    plx_pattern(src, sizeof(src), 1);
    plx_sram_write(p, 0x40, src, sizeof(src));
    plx_wr32(p, PLX_DMAMODE(0), PLX_MODE_BASE);
    plx_wr32(p, PLX_DMAPADR(0), 0x10000100);
    plx_wr32(p, PLX_DMALADR(0), 0x40);
    plx_wr32(p, PLX_DMASIZ(0), 16);
    plx_wr32(p, PLX_DMADPR(0), PLX_DPR_D2H);

    /* Start without Enable in the same write does not start the channel. */
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_START);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(0)), 0x10);
    plx_barrier(p);
    plx_expect_fill("host memory after Start without Enable", m, 4096, 0xCC);

    /* Start with Enable: Start reads 0 at once, the transfer completes, Done comes back. */
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_ENABLE | PLX_CSR_START);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(0)) & PLX_CSR_START, 0);
    plx_expect_done(p, 0, 10000);
    uint8_t csr = plx_rd8(p, PLX_DMACSR(0));
    assert_int_equal(csr & (PLX_CSR_START | PLX_CSR_CLRINT | PLX_CSR_DONE), PLX_CSR_DONE);
    assert_int_equal(plx_rd8(p, PLX_DMACSR(1)), 0x10);
    plx_expect_bytes("host memory after the transfer", m + 0x100, src, sizeof(src));
    plx_expect_fill("host memory before the transfer", m, 0x100, 0xCC);
    plx_expect_fill("host memory after the transfer", m + 0x110, 4096 - 0x110, 0xCC);
    /* No done interrupt was asked for. */
    assert_int_equal(plx_rd32(p, PLX_INTCSR) & PLX_INTCSR_DMA0_ACT, 0);
}

static void test_narrow_and_wide_access(void **state)
{
    struct plx *p = *state;
    const unsigned regs[] = {PLX_DMAPADR(0), PLX_DMALADR(1), PLX_DMAARB, PLX_DMADAC(1)};
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        unsigned r = regs[i];
        plx_wr32(p, r, 0x11223344u);
        assert_int_equal(plx_rd8(p, r + 0), 0x44);
        assert_int_equal(plx_rd8(p, r + 1), 0x33);
        assert_int_equal(plx_rd8(p, r + 2), 0x22);
        assert_int_equal(plx_rd8(p, r + 3), 0x11);
        assert_int_equal(plx_rd(p, 0, r, 2), 0x3344);
        assert_int_equal(plx_rd(p, 0, r + 2, 2), 0x1122);
        plx_wr8(p, r + 1, 0xAB);
        expect_reg(p, r, 0x1122AB44u, "byte write to byte 1");
        plx_wr(p, 0, r + 2, 2, 0xBEEF);
        expect_reg(p, r, 0xBEEFAB44u, "16-bit write to the upper half");
        plx_wr8(p, r + 3, 0x01);
        plx_wr(p, 0, r, 2, 0xCDEF);
        expect_reg(p, r, 0x01EFCDEFu, "byte 3 then low half");
    }
    /* INTCSR at byte granularity: byte 1 holds bits 8..15 (PCI and abort interrupt enables). */
    plx_wr32(p, PLX_INTCSR, 0);
    plx_wr8(p, PLX_INTCSR + 1, 0x05);
    expect_reg(p, PLX_INTCSR, PLX_INTCSR_PCI_IE | PLX_INTCSR_ABORT_IE, "INTCSR byte 1 write");
    plx_wr8(p, PLX_INTCSR + 2, 0x0C);
    expect_reg(p, PLX_INTCSR,
               PLX_INTCSR_PCI_IE | PLX_INTCSR_ABORT_IE | PLX_INTCSR_DMA0_IE | PLX_INTCSR_DMA1_IE,
               "INTCSR byte 2 write");
    assert_int_equal(plx_rd(p, 0, PLX_INTCSR + 1, 2), 0x0C05);
    plx_wr32(p, PLX_INTCSR, 0);

    /* 8-byte accesses cover two adjacent registers, little-endian. */
    plx_wr32(p, PLX_DMAPADR(0), 0x89ABCDEFu);
    plx_wr32(p, PLX_DMALADR(0), 0x01234567u);
    assert_int_equal(plx_rd(p, 0, PLX_DMAPADR(0), 8), 0x0123456789ABCDEFull);
    plx_wr(p, 0, PLX_DMAARB, 8, 0xCAFEF00D12345678ull);
    expect_reg(p, PLX_DMAARB, 0x12345678u, "DMAARB after an 8-byte write");
    expect_reg(p, PLX_DMATHR, 0xCAFEF00Du, "DMATHR after an 8-byte write");
}

/* SRAM ----------------------------------------------------------------------------------------- */

static void test_sram_widths(void **state)
{
    struct plx *p = *state;
    const unsigned B = PLX_BAR_SRAM;
    plx_wr(p, B, 0x100, 8, 0x0807060504030201ull);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(plx_rd(p, B, 0x100 + i, 1), i + 1);
    for (unsigned i = 0; i < 8; i += 2)
        assert_int_equal(plx_rd(p, B, 0x100 + i, 2), (i + 1) | (i + 2) << 8);
    assert_int_equal(plx_rd(p, B, 0x100, 4), 0x04030201u);
    assert_int_equal(plx_rd(p, B, 0x104, 4), 0x08070605u);
    assert_int_equal(plx_rd(p, B, 0x100, 8), 0x0807060504030201ull);

    plx_wr(p, B, 0x103, 1, 0xEE);
    assert_int_equal(plx_rd(p, B, 0x100, 8), 0x08070605EE030201ull);
    plx_wr(p, B, 0x106, 2, 0xCAFE);
    assert_int_equal(plx_rd(p, B, 0x100, 8), 0xCAFE0605EE030201ull);
    plx_wr(p, B, 0x100, 4, 0xDEADBEEFu);
    assert_int_equal(plx_rd(p, B, 0x100, 8), 0xCAFE0605DEADBEEFull);

    /* Both ends of the SRAM. */
    uint64_t end = p->sram_size;
    plx_wr(p, B, 0, 8, 0x1122334455667788ull);
    assert_int_equal(plx_rd(p, B, 0, 8), 0x1122334455667788ull);
    plx_wr(p, B, end - 8, 8, 0x99AABBCCDDEEFF00ull);
    assert_int_equal(plx_rd(p, B, end - 8, 8), 0x99AABBCCDDEEFF00ull);
    plx_wr(p, B, end - 1, 1, 0x42);
    assert_int_equal(plx_rd(p, B, end - 8, 8), 0x42AABBCCDDEEFF00ull);
    assert_int_equal(plx_rd(p, B, end - 2, 2), 0x42AA);
    assert_int_equal(plx_rd(p, B, end - 4, 4), 0x42AABBCCu);

    /* A larger block through the helpers. */
    uint8_t buf[1000], back[1000];
    plx_pattern(buf, sizeof(buf), 77);
    plx_sram_write(p, 0x2003, buf, sizeof(buf));
    plx_sram_read(p, 0x2003, back, sizeof(back));
    plx_expect_bytes("SRAM block round trip", back, buf, sizeof(buf));
}

/* A failed access reports E_RANGE; a posted write may report it on the next synchronous call. */
static void expect_range(struct plx *p, unsigned bar, uint64_t off, unsigned width)
{
    uint64_t v = 0xFEEDu;
    int rc = dmaemu_mmio_read(p->c, bar, off, width, &v);
    if (rc != DMAEMU_E_RANGE)
        fail_msg("read bar %u off 0x%llx width %u = %d (%s), expected DMAEMU_E_RANGE", bar,
                 (unsigned long long)off, width, rc, dmaemu_strerror(rc));
    rc = dmaemu_mmio_write(p->c, bar, off, width, 0);
    if (rc == 0)
        rc = dmaemu_ping(p->c);
    if (rc != DMAEMU_E_RANGE)
        fail_msg("write bar %u off 0x%llx width %u: %d (%s), expected DMAEMU_E_RANGE (now or "
                 "from the next synchronous call)",
                 bar, (unsigned long long)off, width, rc, dmaemu_strerror(rc));
    /* The session is still usable and the error is reported once. */
    assert_int_equal(dmaemu_ping(p->c), 0);
    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0x960110B5u);
}

static void test_range_errors(void **state)
{
    struct plx *p = *state;
    uint64_t sram = p->sram_size;
    /* SRAM tail, to prove that refused accesses write nothing. */
    plx_wr(p, PLX_BAR_SRAM, sram - 8, 8, 0x0102030405060708ull);

    expect_range(p, PLX_BAR_REGS, 0x200, 4);
    expect_range(p, PLX_BAR_REGS, 0x200, 1);
    expect_range(p, PLX_BAR_REGS, 0x1FF, 2);
    expect_range(p, PLX_BAR_REGS, 0x1FC, 8);
    expect_range(p, PLX_BAR_REGS, 0xFFFFFFFFFFFFFFFCull, 4);
    expect_range(p, PLX_BAR_REGS, 1ull << 40, 4);
    expect_range(p, PLX_BAR_REGS, PLX_PCIHIDR, 3);
    expect_range(p, PLX_BAR_REGS, PLX_PCIHIDR, 0);
    expect_range(p, PLX_BAR_REGS, PLX_PCIHIDR, 5);
    expect_range(p, PLX_BAR_REGS, PLX_PCIHIDR, 16);
    expect_range(p, PLX_BAR_SRAM, sram, 1);
    expect_range(p, PLX_BAR_SRAM, sram - 4, 8);
    expect_range(p, PLX_BAR_SRAM, sram - 1, 2);
    expect_range(p, PLX_BAR_SRAM, 0, 3);
    expect_range(p, PLX_BAR_SRAM, 8, 7);
    expect_range(p, PLX_BAR_LS1, 0x20000, 4);

    /* No such BAR: an error, never a crash. */
    for (unsigned bar = 4; bar <= 7; bar++) {
        uint64_t v;
        int rc = dmaemu_mmio_read(p->c, bar, 0, 4, &v);
        if (rc != DMAEMU_E_RANGE && rc != DMAEMU_E_INVALID)
            fail_msg("read of BAR %u = %d (%s), expected DMAEMU_E_RANGE", bar, rc,
                     dmaemu_strerror(rc));
        assert_int_equal(dmaemu_ping(p->c), 0);
    }

    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, sram - 8, 8), 0x0102030405060708ull);
    assert_true(harness_alive(p->d));
    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0x960110B5u);
}

/* Reset ---------------------------------------------------------------------------------------- */

/* Makes INTCSR bits 14, 21 and 22 active (and INTA asserted), programs every DMA register. */
static void dirty_device(struct plx *p, dmaemu_region_t *r)
{
    const uint32_t mode = PLX_MODE_BASE | PLX_MODE_DONE_IE | PLX_MODE_INTA;
    uint64_t bus = dmaemu_region_bus_addr(r);
    plx_wr32(p, PLX_INTCSR,
             PLX_INTCSR_PCI_IE | PLX_INTCSR_ABORT_IE | PLX_INTCSR_DMA0_IE | PLX_INTCSR_DMA1_IE);
    plx_block_dma(p, 0, bus, 0x100, 64, PLX_D2H, mode);
    plx_block_dma(p, 1, bus + 0x100, 0x200, 64, PLX_D2H, mode);
    /* Local address outside SRAM: master abort on channel 0. */
    plx_block_dma(p, 0, bus, (uint32_t)p->sram_size, 16, PLX_H2D, PLX_MODE_BASE);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    assert_int_equal(intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT),
                     PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT);
    plx_irq_expect(p, true, "three active sources, all enabled");
    for (size_t i = 0; i < N_DMA_REGS; i++)
        plx_wr32(p, dma_regs[i], 0x00100000u | (uint32_t)i << 4 | 0x40u);
    plx_wr8(p, PLX_DMACSR(1), PLX_CSR_ENABLE);
}

static void test_soft_reset(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, 0x20000000, 0x10000, 0);
    uint8_t sram_pat[4096], back[4096];
    plx_pattern(sram_pat, sizeof(sram_pat), 5);
    plx_sram_write(p, 0x1000, sram_pat, sizeof(sram_pat));
    dirty_device(p, r);
    unsigned deasserts0;
    plx_irq_counts(p, NULL, &deasserts0);

    plx_wr32(p, PLX_CNTRL, 0x00000ABCu | PLX_CNTRL_RESET);
    expect_reg(p, PLX_CNTRL, 0x00000ABCu | PLX_CNTRL_RESET, "CNTRL while in reset");
    expect_reset_state(p, "while CNTRL bit 30 is set");

    /* Held in reset: no transfer starts. */
    uint8_t *m = plx_region_mem(r);
    memset(m, 0xCC, 0x10000);
    plx_wr32(p, PLX_DMAMODE(0), PLX_MODE_BASE);
    plx_wr32(p, PLX_DMAPADR(0), 0x20000000);
    plx_wr32(p, PLX_DMALADR(0), 0x1000);
    plx_wr32(p, PLX_DMASIZ(0), 256);
    plx_wr32(p, PLX_DMADPR(0), PLX_DPR_D2H);
    plx_wr8(p, PLX_DMACSR(0), PLX_CSR_ENABLE | PLX_CSR_START);
    assert_int_equal(plx_csr(p, 0) & PLX_CSR_DONE, PLX_CSR_DONE);

    plx_wr32(p, PLX_CNTRL, 0x00000ABCu);
    expect_reg(p, PLX_CNTRL, 0x00000ABCu, "CNTRL after reset released");
    plx_barrier(p);
    plx_expect_fill("host memory after a start while held in reset", m, 0x10000, 0xCC);
    assert_int_equal(plx_csr(p, 0) & PLX_CSR_DONE, PLX_CSR_DONE);
    assert_int_equal(plx_csr(p, 1), PLX_CSR_DONE);
    uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
    assert_int_equal(intcsr & (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT),
                     0);
    plx_irq_expect(p, false, "after reset released");
    unsigned deasserts1;
    plx_irq_counts(p, NULL, &deasserts1);
    assert_true(deasserts1 > deasserts0);

    /* SRAM keeps its contents. */
    plx_sram_read(p, 0x1000, back, sizeof(back));
    plx_expect_bytes("SRAM after soft reset", back, sram_pat, sizeof(back));
    plx_wr32(p, PLX_CNTRL, 0);
    expect_arb_thr_reset(p, 0x001000E0u, 0x001000F0u, "soft reset");
}

static void test_detach_resets(void **state)
{
    struct plx *p = *state;
    dmaemu_region_t *r = plx_region(p, 0x20000000, 0x10000, 0);
    uint8_t sram_pat[512], back[512];
    plx_pattern(sram_pat, sizeof(sram_pat), 6);
    plx_sram_write(p, 0x3000, sram_pat, sizeof(sram_pat));
    dirty_device(p, r);

    int rc = dmaemu_detach(p->c);
    if (rc != 0)
        fail_msg("detach = %d: %s", rc, dmaemu_last_error());
    rc = dmaemu_attach(p->c, p->dev, &p->info);
    if (rc != 0)
        fail_msg("re-attach = %d: %s", rc, dmaemu_last_error());
    pthread_mutex_lock(&p->mu);
    p->level = false; /* a new attachment starts with the line low */
    pthread_mutex_unlock(&p->mu);
    expect_reset_state(p, "after detach and re-attach");
    uint32_t arb = plx_rd32(p, PLX_DMAARB), thr = plx_rd32(p, PLX_DMATHR);
    plx_sram_read(p, 0x3000, back, sizeof(back));
    plx_expect_bytes("SRAM after detach", back, sram_pat, sizeof(back));

    /* The same for another session (over the other transport) attaching after the detach. */
    dirty_device(p, r);
    struct plx *q;
    dmaemu_t *old = p->c;
    rc = dmaemu_detach(old); /* synchronous: the device is free before the next attach */
    assert_int_equal(rc, 0);
    q = plx_open_child(p, !p->tcp, p->dev);
    expect_reset_state(q, "new session after the previous driver detached");
    plx_sram_read(q, 0x3000, back, sizeof(back));
    plx_expect_bytes("SRAM after re-attach from another session", back, sram_pat, sizeof(back));
    uint32_t arb2 = plx_rd32(q, PLX_DMAARB), thr2 = plx_rd32(q, PLX_DMATHR);
    plx_close_child(p, q);
    rc = dmaemu_attach(p->c, p->dev, &p->info);
    assert_int_equal(rc, 0);
    if (arb != 0 || thr != 0 || arb2 != 0 || thr2 != 0)
        fail_msg("after detach: DMAARB = 0x%08x / 0x%08x, DMATHR = 0x%08x / 0x%08x (written "
                 "0x001000e0 / 0x001000f0 before); expected 0 (\"DMA registers read 0\")",
                 arb, arb2, thr, thr2);
}

/* Configuration -------------------------------------------------------------------------------- */

static const char custom_ini[] = "# identity and SRAM size are configurable\n"
                                 "[device custom]\n"
                                 "model = plx9656\n"
                                 "vendor_id = 0x1234\n"
                                 "device_id = 0xABCD\n"
                                 "revision = 0x5C\n"
                                 "sram_size = 256K\n"
                                 "\n"
                                 "[device tiny]\n"
                                 "model = plx9656\n"
                                 "sram_size = 4K\n"
                                 "bandwidth = 0\n"
                                 "descriptor_latency = 10us\n"
                                 "\n"
                                 "[device big]\n"
                                 "model = plx9656\n"
                                 "sram_size = 256M\n";

static void test_config_identity(void **state)
{
    struct plx *p = *state; /* attached to "custom" */
    assert_int_equal(p->info.vendor_id, 0x1234);
    assert_int_equal(p->info.device_id, 0xABCD);
    assert_int_equal(p->info.revision, 0x5C);
    expect_resources(&p->info, 0x40000);
    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0xABCD1234u);
    assert_int_equal(plx_rd32(p, PLX_PCIHREV), 0x5C);
    assert_int_equal(plx_rd8(p, PLX_PCIHREV), 0x5C);

    plx_wr(p, PLX_BAR_SRAM, 0x3FFF8, 8, 0xA1B2C3D4E5F60718ull);
    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, 0x3FFF8, 8), 0xA1B2C3D4E5F60718ull);
    plx_wr(p, PLX_BAR_SRAM, 0x20000, 4, 0x600DF00Du); /* beyond the default size */
    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, 0x20000, 4), 0x600DF00Du);
    uint64_t v;
    assert_int_equal(dmaemu_mmio_read(p->c, PLX_BAR_SRAM, 0x40000, 1, &v), DMAEMU_E_RANGE);
    assert_int_equal(dmaemu_ping(p->c), 0);

    dmaemu_t *mon = plx_connect_owned(p, p->tcp, DMAEMU_ROLE_MONITOR, "plx9656-monitor");
    struct dmaemu_device_info *list = NULL;
    int n = dmaemu_devices(mon, &list);
    assert_true(n >= 3);
    const struct dmaemu_device_info *c = find_dev(list, n, "custom");
    assert_int_equal(c->vendor_id, 0x1234);
    assert_int_equal(c->device_id, 0xABCD);
    assert_int_equal(c->revision, 0x5C);
    expect_resources(c, 0x40000);
    const struct dmaemu_device_info *t = find_dev(list, n, "tiny");
    assert_int_equal(t->vendor_id, 0x10B5);
    assert_int_equal(t->device_id, 0x9601);
    expect_resources(t, 0x1000);
    expect_resources(find_dev(list, n, "big"), 0x10000000);
    free(list);
    plx_forget_conn(p, mon);
    dmaemu_close(mon);
}

static void test_config_tiny_sram(void **state)
{
    struct plx *p = *state; /* attached to "tiny" */
    assert_int_equal(plx_rd32(p, PLX_PCIHIDR), 0x960110B5u);
    expect_resources(&p->info, 0x1000);
    plx_wr(p, PLX_BAR_SRAM, 0xFF8, 8, 0x0102030405060708ull);
    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, 0xFF8, 8), 0x0102030405060708ull);
    uint64_t v;
    assert_int_equal(dmaemu_mmio_read(p->c, PLX_BAR_SRAM, 0x1000, 4, &v), DMAEMU_E_RANGE);
    assert_int_equal(dmaemu_ping(p->c), 0);
}

static void test_config_big_sram(void **state)
{
    struct plx *p = *state; /* attached to "big" */
    expect_resources(&p->info, 0x10000000);
    plx_wr(p, PLX_BAR_SRAM, 0x0FFFFFF8, 8, 0x0807060504030201ull);
    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, 0x0FFFFFF8, 8), 0x0807060504030201ull);
    assert_int_equal(plx_rd(p, PLX_BAR_SRAM, 0x0FFFFFFF, 1), 0x08);
    uint64_t v;
    assert_int_equal(dmaemu_mmio_read(p->c, PLX_BAR_SRAM, 0x10000000, 1, &v), DMAEMU_E_RANGE);
    assert_int_equal(dmaemu_ping(p->c), 0);
}

/* Invalid configurations: dmaemud must refuse to start, exit 2, and name file, line and key. */

static int64_t now_ms(void)
{
    return plx_now_us() / 1000;
}

static int wait_child(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = now_ms() + timeout_ms;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        struct pollfd pf = {.fd = pfd, .events = POLLIN};
        int r;
        do {
            int64_t left = deadline - now_ms();
            r = poll(&pf, 1, left < 0 ? 0 : (int)left);
        } while (r < 0 && errno == EINTR);
        close(pfd);
        if (r <= 0)
            return -1;
        return waitpid(pid, status, 0) == pid ? 0 : -1;
    }
    for (;;) { /* no pidfds: bounded polling of the exit status */
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 || now_ms() >= deadline)
            return -1;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    char *buf = calloc(1, 65537);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65536, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Removes the private directory of an invalid-config run, whatever the daemon left in it. */
static void rm_dir(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs dmaemud on ini; expects exit status 2 and a message naming the file, line and key. */
static void expect_config_rejected(const char *ini, unsigned line, const char *key)
{
    char dir[] = "/tmp/dmaemu-plxcfg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cfg[256], sock[256], token[256], log[256];
    snprintf(cfg, sizeof(cfg), "%s/bad.ini", dir);
    snprintf(sock, sizeof(sock), "%s/dmaemud.sock", dir);
    snprintf(token, sizeof(token), "%s/token", dir);
    snprintf(log, sizeof(log), "%s/log", dir);
    write_text(cfg, ini);
    write_text(token, "0123456789abcdef0123456789abcdef\n");
    chmod(token, 0600);

    char *argv[] = {(char *)DMAEMUD_PATH,
                    (char *)"--config",
                    cfg,
                    (char *)"--socket",
                    sock,
                    (char *)"--listen",
                    (char *)"tcp://127.0.0.1:0",
                    (char *)"--token-file",
                    token,
                    NULL};
    /* Keep the daemon's default files (database...) inside dir. */
    char env_store[6][300];
    const char *keys[] = {"HOME",          "XDG_RUNTIME_DIR", "XDG_STATE_HOME",
                          "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"};
    char *envp[300];
    size_t n = 0;
    for (size_t i = 0; i < 6; i++) {
        snprintf(env_store[i], sizeof(env_store[i]), "%s=%s", keys[i], dir);
        envp[n++] = env_store[i];
    }
    for (char **e = environ; *e != NULL && n < 298; e++) {
        bool skip = false;
        for (size_t i = 0; i < 6; i++)
            if (strncmp(*e, keys[i], strlen(keys[i])) == 0 && (*e)[strlen(keys[i])] == '=')
                skip = true;
        if (!skip)
            envp[n++] = *e;
    }
    envp[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, DMAEMUD_PATH, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail_msg("cannot run %s: %s", DMAEMUD_PATH, strerror(rc));

    int status = 0;
    if (wait_child(pid, 5000, &status) < 0) {
        kill(pid, SIGKILL);
        wait_child(pid, 10000, &status);
        char *out = read_text(log);
        print_error("---- dmaemud output ----\n%s\n----\n", out);
        free(out);
        rm_dir(dir);
        fail_msg("dmaemud still running 5 s after start with an invalid config (bad key %s, "
                 "line %u)",
                 key, line);
    }
    char *out = read_text(log);
    bool exited2 = WIFEXITED(status) && WEXITSTATUS(status) == 2;
    char line_a[300], line_b[32], line_c[32];
    snprintf(line_a, sizeof(line_a), "%s:%u", cfg, line);
    snprintf(line_b, sizeof(line_b), "line %u", line);
    snprintf(line_c, sizeof(line_c), ":%u:", line);
    bool names_file = strstr(out, cfg) != NULL;
    bool names_line =
        strstr(out, line_a) != NULL || strstr(out, line_b) != NULL || strstr(out, line_c) != NULL;
    bool names_key = strstr(out, key) != NULL;
    if (!exited2 || !names_file || !names_line || !names_key) {
        print_error("---- dmaemud output ----\n%s\n----\n", out);
        free(out);
        rm_dir(dir);
        fail_msg("invalid config (key %s on line %u): %s; exit %s %d; message names file: %s, "
                 "line: %s, key: %s",
                 key, line, exited2 ? "exit 2" : "wrong exit",
                 WIFEXITED(status) ? "status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                 names_file ? "yes" : "no", names_line ? "yes" : "no", names_key ? "yes" : "no");
    }
    free(out);
    rm_dir(dir);
}

/* A valid device first, so the bad line is not the first line of the file. */
#define CFG_PREFIX                                                                                 \
    "; invalid configuration test\n"                                                               \
    "[device good]\n"                                                                              \
    "model = plx9656\n"                                                                            \
    "sram_size = 64K\n"                                                                            \
    "\n"                                                                                           \
    "[device bad]\n"                                                                               \
    "model = plx9656\n"

static void test_config_invalid_sram_size(void **state)
{
    expect_config_rejected(CFG_PREFIX "bandwidth = 1M\n"
                                      "sram_size = 3\n",
                           9, "sram_size");
}

/* The spec asks for "at least 256 MiB"; the model allows up to 1 GiB, so 2G is out of range. */
static void test_config_invalid_sram_too_big(void **state)
{
    expect_config_rejected(CFG_PREFIX "sram_size = 2G\n", 8, "sram_size");
}

static void test_config_invalid_bandwidth(void **state)
{
    expect_config_rejected(CFG_PREFIX "sram_size = 128K\n"
                                      "\n"
                                      "bandwidth = fast\n",
                           10, "bandwidth");
}

static void test_config_invalid_latency(void **state)
{
    expect_config_rejected(CFG_PREFIX "descriptor_latency = soon\n", 8, "descriptor_latency");
}

static void test_config_unknown_key(void **state)
{
    expect_config_rejected(CFG_PREFIX "sram_size = 128K\n"
                                      "colour = blue\n",
                           9, "colour");
}

static void test_config_invalid_vendor(void **state)
{
    expect_config_rejected(CFG_PREFIX "vendor_id = 0x12345\n", 8, "vendor_id");
}

int main(void)
{
    const struct CMUnitTest defaults[] = {
        PLX_TEST(test_identity, &g_default),
        PLX_TEST(test_device_list, &g_default),
        PLX_TEST(test_initial_state, &g_default),
        PLX_TEST(test_intcsr_stored_and_ro_bits, &g_default),
        PLX_TEST(test_cntrl_stored_bits, &g_default),
        PLX_TEST(test_dma_regs_stored, &g_default),
        PLX_TEST(test_dmacsr_bytes, &g_default),
        PLX_TEST(test_narrow_and_wide_access, &g_default),
        PLX_TEST(test_sram_widths, &g_default),
        PLX_TEST(test_range_errors, &g_default),
        PLX_TEST(test_soft_reset, &g_default),
        PLX_TEST(test_detach_resets, &g_default),
    };
    const struct CMUnitTest custom[] = {
        PLX_TEST_DEV(test_config_identity, &g_custom, "custom"),
        PLX_TEST_DEV(test_config_tiny_sram, &g_custom, "tiny"),
        PLX_TEST_DEV(test_config_big_sram, &g_custom, "big"),
    };
    const struct CMUnitTest invalid[] = {
        cmocka_unit_test(test_config_invalid_sram_size),
        cmocka_unit_test(test_config_invalid_sram_too_big),
        cmocka_unit_test(test_config_invalid_bandwidth),
        cmocka_unit_test(test_config_invalid_latency),
        cmocka_unit_test(test_config_unknown_key),
        cmocka_unit_test(test_config_invalid_vendor),
    };
    int failed = 0;
    failed += PLX_RUN_GROUP("plx9656 registers", defaults, &g_default, NULL);
    failed += PLX_RUN_GROUP("plx9656 configuration", custom, &g_custom, custom_ini);
    failed += cmocka_run_group_tests_name("plx9656 invalid configuration", invalid, NULL, NULL);
    return failed;
}
