/*
 * plx9656.c: the PLX PCI 9656 register file: BARs, byte-lane register access, reset, snapshot.
 *
 * Choices where the spec is silent:
 * - BAR0 offsets the spec does not name (local configuration, mailboxes, ...) are plain storage,
 *   so drivers that initialise them keep working.
 * - BAR1 (I/O) aliases the first 0x100 bytes of the register block, as on the chip.
 * - Any width of 1, 2, 4 or 8 bytes at any offset inside a BAR is served byte lane by byte lane,
 *   so an access may span two registers; a read never has side effects.
 * - While CNTRL bit 30 holds the chip in reset, writes to other registers are ignored.
 * - Writing 1 to INTCSR bit 14 also clears bits 25/26 (which channel was master at the abort).
 * - The revision defaults to 0xAA, the 9656's AA silicon.
 */
#include "plx9656.h"

#include <stdlib.h>
#include <string.h>

static uint32_t merge(uint32_t old, uint32_t val, uint32_t mask)
{
    return (old & ~mask) | (val & mask);
}

/* The spec's INTA equation. */
static bool plx_inta_level(const struct plx *p)
{
    uint32_t i = p->intcsr;
    bool ch0 = (i & INTCSR_DMA_INT_ENABLE(0)) && (i & INTCSR_DMA_ACTIVE(0)) &&
               (p->ch[0].mode & MODE_ROUTE_PCI);
    bool ch1 = (i & INTCSR_DMA_INT_ENABLE(1)) && (i & INTCSR_DMA_ACTIVE(1)) &&
               (p->ch[1].mode & MODE_ROUTE_PCI);
    bool abort = (i & INTCSR_ABORT_INT_ENABLE) && (i & INTCSR_ABORT_ACTIVE);
    return (i & INTCSR_PCI_INT_ENABLE) && (ch0 || ch1 || abort);
}

void plx_update_irq(struct plx *p)
{
    dev_irq_set(p->host, 0, plx_inta_level(p));
}

/* Channel registers ------------------------------------------------------------------------ */

static uint32_t *plx_channel_reg(struct plx *p, uint32_t off)
{
    if (off < PLX_DMAMODE0 || off >= PLX_DMAMODE0 + 2 * PLX_CH_STRIDE)
        return NULL;
    struct plx_channel *ch = &p->ch[(off - PLX_DMAMODE0) / PLX_CH_STRIDE];
    switch ((off - PLX_DMAMODE0) % PLX_CH_STRIDE) {
    case PLX_CH_MODE: return &ch->mode;
    case PLX_CH_PADR: return &ch->padr;
    case PLX_CH_LADR: return &ch->ladr;
    case PLX_CH_SIZ: return &ch->siz;
    default: return &ch->dpr;
    }
}

static uint8_t plx_csr_read(const struct plx_channel *ch)
{
    return (uint8_t)((ch->csr & (CSR_ENABLE | CSR_ABORT)) | (ch->phase == PLX_IDLE ? CSR_DONE : 0));
}

static void plx_csr_write(struct plx_channel *ch, uint8_t v)
{
    struct plx *p = ch->plx;
    ch->csr = (uint8_t)((ch->csr & ~(CSR_ENABLE | CSR_ABORT)) | (v & (CSR_ENABLE | CSR_ABORT)));
    if (v & CSR_CLEAR_INT) {
        p->intcsr &= ~INTCSR_DMA_ACTIVE(ch->index);
        plx_update_irq(p);
    }
    if ((v & CSR_ABORT) && ch->phase != PLX_IDLE)
        ch->abort_requested = true;
    if ((v & CSR_START) && (ch->csr & CSR_ENABLE) && ch->phase == PLX_IDLE)
        plx_dma_start(ch);
}

/* Register file ----------------------------------------------------------------------------- */

static uint32_t plx_reg_read(const struct plx *p, uint32_t off)
{
    switch (off) {
    case PLX_INTCSR: return p->intcsr;
    case PLX_CNTRL: return p->cntrl;
    case PLX_PCIHIDR: return (uint32_t)p->device_id << 16 | p->vendor_id;
    case PLX_PCIHREV: return p->revision;
    case PLX_DMACSR: return plx_csr_read(&p->ch[0]) | (uint32_t)plx_csr_read(&p->ch[1]) << 8;
    case PLX_DMADAC0: return p->ch[0].dac;
    case PLX_DMADAC1: return p->ch[1].dac;
    }
    uint32_t *r = plx_channel_reg((struct plx *)p, off);
    return r != NULL ? *r : p->regs[off / 4];
}

static void plx_reset_dma_state(struct plx *p)
{
    for (unsigned c = 0; c < 2; c++) {
        struct plx_channel *ch = &p->ch[c];
        plx_dma_stop(ch);
        ch->mode = ch->padr = ch->ladr = ch->siz = ch->dpr = ch->dac = 0;
        ch->csr = 0;
        ch->bytes_moved = 0;
    }
    p->regs[PLX_DMAARB / 4] = 0; /* the rest of the DMA block: "DMA registers read 0" */
    p->regs[PLX_DMATHR / 4] = 0;
    p->intcsr &= ~INTCSR_READ_ONLY;
    plx_update_irq(p);
}

static void plx_write_intcsr(struct plx *p, uint32_t val, uint32_t mask)
{
    uint32_t old = p->intcsr;
    uint32_t v = (merge(old, val, mask) & ~INTCSR_READ_ONLY) | (old & INTCSR_READ_ONLY);
    if (val & mask & INTCSR_ABORT_ACTIVE)
        v &= ~(INTCSR_ABORT_ACTIVE | INTCSR_ABORT_MASTER(0) | INTCSR_ABORT_MASTER(1));
    p->intcsr = v;
    plx_update_irq(p);
}

static void plx_write_cntrl(struct plx *p, uint32_t val, uint32_t mask)
{
    p->cntrl = merge(p->cntrl, val, mask);
    if (p->cntrl & CNTRL_SOFT_RESET) {
        plx_reset_dma_state(p);
        struct rec_event e = {.kind = REC_DEVICE_RESET};
        e.reset.reason = "software reset (CNTRL bit 30)";
        dev_record(p->host, &e);
    }
}

static void plx_reg_write(struct plx *p, uint32_t off, uint32_t val, uint32_t mask)
{
    if (off == PLX_CNTRL) {
        plx_write_cntrl(p, val, mask);
        return;
    }
    if (p->cntrl & CNTRL_SOFT_RESET)
        return;
    uint32_t *r = plx_channel_reg(p, off);
    switch (off) {
    case PLX_INTCSR: plx_write_intcsr(p, val, mask); return;
    case PLX_PCIHIDR:
    case PLX_PCIHREV: return;
    case PLX_DMACSR:
        for (unsigned c = 0; c < 2; c++)
            if (mask & (0xFFu << (8 * c)))
                plx_csr_write(&p->ch[c], (uint8_t)(val >> (8 * c)));
        return;
    case PLX_DMADAC0: p->ch[0].dac = merge(p->ch[0].dac, val, mask); return;
    case PLX_DMADAC1: p->ch[1].dac = merge(p->ch[1].dac, val, mask); return;
    }
    if (r == NULL) {
        p->regs[off / 4] = merge(p->regs[off / 4], val, mask);
        return;
    }
    *r = merge(*r, val, mask);
    if (r == &p->ch[0].siz || r == &p->ch[1].siz)
        *r &= SIZ_MASK;
    if (r == &p->ch[0].mode || r == &p->ch[1].mode)
        plx_update_irq(p); /* bit 17 routes the channel's interrupt */
}

/* An access of width bytes at off, as the 32-bit registers it touches. */
static uint64_t plx_regs_read(const struct plx *p, uint64_t off, unsigned width)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++) {
        uint32_t b = (uint32_t)(off + i);
        uint32_t reg = plx_reg_read(p, b & ~3u);
        value |= (uint64_t)((reg >> (8 * (b & 3))) & 0xFF) << (8 * i);
    }
    return value;
}

static void plx_regs_write(struct plx *p, uint64_t off, unsigned width, uint64_t value)
{
    unsigned i = 0;
    while (i < width) {
        uint32_t reg = (uint32_t)(off + i) & ~3u, val = 0, mask = 0;
        for (; i < width && ((uint32_t)(off + i) & ~3u) == reg; i++) {
            unsigned lane = (unsigned)(off + i) & 3;
            val |= (uint32_t)((value >> (8 * i)) & 0xFF) << (8 * lane);
            mask |= 0xFFu << (8 * lane);
        }
        plx_reg_write(p, reg, val, mask);
    }
}

/* Memory BARs, little-endian. */
static uint64_t mem_read(const uint8_t *m, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)m[i] << (8 * i);
    return v;
}

static void mem_write(uint8_t *m, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        m[i] = (uint8_t)(v >> (8 * i));
}

/* The daemon has checked bar, offset and width against identify()'s BARs. */
static int plx_mmio_read(void *state, unsigned bar, uint64_t off, unsigned width, uint64_t *value)
{
    struct plx *p = state;
    switch (bar) {
    case 0:
    case 1: *value = plx_regs_read(p, off, width); return DEV_OK;
    case 2: *value = mem_read(p->sram + off, width); return DEV_OK;
    case 3: *value = mem_read(p->space1 + off, width); return DEV_OK;
    }
    return DEV_E_RANGE;
}

static int plx_mmio_write(void *state, unsigned bar, uint64_t off, unsigned width, uint64_t value)
{
    struct plx *p = state;
    switch (bar) {
    case 0:
    case 1: plx_regs_write(p, off, width, value); return DEV_OK;
    case 2: mem_write(p->sram + off, width, value); return DEV_OK;
    case 3: mem_write(p->space1 + off, width, value); return DEV_OK;
    }
    return DEV_E_RANGE;
}

/* The driver went away: as a software reset, and the chip is not left held in reset. SRAM
 * keeps its contents. */
static void plx_reset(void *state)
{
    struct plx *p = state;
    p->cntrl &= ~CNTRL_SOFT_RESET;
    plx_reset_dma_state(p);
}

/* Identity and configuration ----------------------------------------------------------------- */

static void plx_identify(void *state, struct dev_identity *id)
{
    const struct plx *p = state;
    memset(id, 0, sizeof(*id));
    id->vendor_id = p->vendor_id;
    id->device_id = p->device_id;
    id->revision = p->revision;
    id->bar_count = 4;
    id->bars[0].kind = DEV_BAR_MEMORY;
    id->bars[0].size = PLX_REG_BYTES;
    id->bars[1].kind = DEV_BAR_IO;
    id->bars[1].size = PLX_IO_BYTES;
    id->bars[2].kind = DEV_BAR_MEMORY;
    id->bars[2].size = p->sram_size;
    id->bars[3].kind = DEV_BAR_MEMORY;
    id->bars[3].size = p->space1_size;
    id->irq_lines = 1;
}

static bool is_power_of_two(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static int plx_configure(struct plx *p, struct dev_params *params)
{
    uint64_t vendor, device, rev;
    int rc = 0;
    rc |= dev_params_u64(params, "vendor_id", 0x10B5, 0, 0xFFFF, &vendor);
    rc |= dev_params_u64(params, "device_id", 0x9601, 0, 0xFFFF, &device);
    rc |= dev_params_u64(params, "revision", 0xAA, 0, 0xFF, &rev);
    rc |= dev_params_size(params, "sram_size", 128u << 10, 16, 1ull << 30, &p->sram_size);
    rc |= dev_params_size(params, "space1_size", 128u << 10, 16, 1ull << 30, &p->space1_size);
    rc |= dev_params_size(params, "bandwidth", 0, 0, 1ull << 40, &p->bandwidth);
    rc |= dev_params_duration(params, "descriptor_latency", 0, 1000000000ull, &p->desc_latency);
    if (rc != 0)
        return -1;
    if (!is_power_of_two(p->sram_size))
        dev_params_error(params, "sram_size", "must be a power of two (PCI BAR sizes are)");
    else if (!is_power_of_two(p->space1_size))
        dev_params_error(params, "space1_size", "must be a power of two (PCI BAR sizes are)");
    p->vendor_id = (uint16_t)vendor;
    p->device_id = (uint16_t)device;
    p->revision = (uint8_t)rev;
    return is_power_of_two(p->sram_size) && is_power_of_two(p->space1_size) ? 0 : -1;
}

static void plx_destroy(void *state)
{
    struct plx *p = state;
    if (p == NULL)
        return;
    plx_dma_destroy(p);
    free(p->sram);
    free(p->space1);
    free(p);
}

static int plx_create(struct dev_host *host, struct dev_params *params, void **state)
{
    struct plx *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -1;
    p->host = host;
    if (plx_configure(p, params) < 0) {
        free(p);
        return -1;
    }
    p->sram = calloc(1, p->sram_size);
    p->space1 = calloc(1, p->space1_size);
    if (p->sram == NULL || p->space1 == NULL || plx_dma_init(p) < 0) {
        dev_params_error(params, "sram_size", "cannot allocate %llu bytes",
                         (unsigned long long)p->sram_size);
        plx_destroy(p);
        return -1;
    }
    *state = p;
    return 0;
}

/* Snapshot ---------------------------------------------------------------------------------- */

static void bit_field(struct dev_reg *r, const char *name, uint32_t v, uint32_t bit)
{
    dev_reg_field(r, name, (v >> bit) & 1, NULL);
}

static void plx_snapshot_intcsr(const struct plx *p, struct dev_regs *out)
{
    uint32_t v = p->intcsr;
    struct dev_reg *r = dev_regs_add(out, "INTCSR", 0, PLX_INTCSR, 4, v);
    bit_field(r, "pci_int_enable", v, 8);
    bit_field(r, "pci_abort_int_enable", v, 10);
    bit_field(r, "pci_abort_active", v, 14);
    bit_field(r, "dma0_int_enable", v, 18);
    bit_field(r, "dma1_int_enable", v, 19);
    bit_field(r, "dma0_int_active", v, 21);
    bit_field(r, "dma1_int_active", v, 22);
    bit_field(r, "ch0_abort_master", v, 25);
    bit_field(r, "ch1_abort_master", v, 26);
    dev_reg_field(r, "inta", plx_inta_level(p), plx_inta_level(p) ? "asserted" : "deasserted");
}

static void plx_snapshot_channel(const struct plx_channel *ch, struct dev_regs *out)
{
    static const char *const names[2][7] = {
        {"DMAMODE0", "DMAPADR0", "DMALADR0", "DMASIZ0", "DMADPR0", "DMACSR0", "DMADAC0"},
        {"DMAMODE1", "DMAPADR1", "DMALADR1", "DMASIZ1", "DMADPR1", "DMACSR1", "DMADAC1"}};
    const char *const *n = names[ch->index];
    uint32_t base = PLX_DMAMODE0 + ch->index * PLX_CH_STRIDE;
    struct dev_reg *r = dev_regs_add(out, n[0], 0, base + PLX_CH_MODE, 4, ch->mode);
    dev_reg_field(r, "mode", (ch->mode >> 9) & 1, ch->mode & MODE_SG ? "scatter/gather" : "block");
    bit_field(r, "done_int_enable", ch->mode, 10);
    bit_field(r, "hold_local_addr", ch->mode, 11);
    bit_field(r, "clear_count", ch->mode, 16);
    dev_reg_field(r, "int_route", (ch->mode >> 17) & 1,
                  ch->mode & MODE_ROUTE_PCI ? "PCI INTA" : "local LINTo");
    bit_field(r, "dac_chain_load", ch->mode, 18);
    dev_regs_add(out, n[1], 0, base + PLX_CH_PADR, 4, ch->padr);
    dev_regs_add(out, n[2], 0, base + PLX_CH_LADR, 4, ch->ladr);
    r = dev_regs_add(out, n[3], 0, base + PLX_CH_SIZ, 4, ch->siz);
    dev_reg_field(r, "count", ch->siz, "bytes");
    r = dev_regs_add(out, n[4], 0, base + PLX_CH_DPR, 4, ch->dpr);
    dev_reg_field(r, "desc_location", ch->dpr & 1, ch->dpr & DPR_IN_HOST ? "host" : "local");
    bit_field(r, "end_of_chain", ch->dpr, 1);
    bit_field(r, "int_after_tc", ch->dpr, 2);
    dev_reg_field(r, "direction", (ch->dpr >> 3) & 1,
                  ch->dpr & DPR_TO_HOST ? "device to host" : "host to device");
    dev_reg_field(r, "next", ch->dpr & DPR_ADDR_MASK, NULL);
    uint8_t csr = plx_csr_read(ch);
    r = dev_regs_add(out, n[5], 0, PLX_DMACSR + ch->index, 1, csr);
    bit_field(r, "enable", csr, 0);
    bit_field(r, "abort", csr, 2);
    dev_reg_field(r, "done", (csr >> 4) & 1, csr & CSR_DONE ? "idle" : "running");
    dev_reg_field(r, "bytes_moved", ch->bytes_moved, "since the last start");
    dev_regs_add(out, n[6], 0, ch->index ? PLX_DMADAC1 : PLX_DMADAC0, 4, ch->dac);
}

static int plx_snapshot(void *state, struct dev_regs *out)
{
    const struct plx *p = state;
    plx_snapshot_intcsr(p, out);
    struct dev_reg *r = dev_regs_add(out, "CNTRL", 0, PLX_CNTRL, 4, p->cntrl);
    dev_reg_field(r, "soft_reset", (p->cntrl >> 30) & 1,
                  p->cntrl & CNTRL_SOFT_RESET ? "held in reset" : NULL);
    dev_regs_add(out, "PCIHIDR", 0, PLX_PCIHIDR, 4, plx_reg_read(p, PLX_PCIHIDR));
    dev_regs_add(out, "PCIHREV", 0, PLX_PCIHREV, 4, p->revision);
    plx_snapshot_channel(&p->ch[0], out);
    plx_snapshot_channel(&p->ch[1], out);
    dev_regs_add(out, "DMAARB", 0, PLX_DMAARB, 4, p->regs[PLX_DMAARB / 4]);
    dev_regs_add(out, "DMATHR", 0, PLX_DMATHR, 4, p->regs[PLX_DMATHR / 4]);
    return out->count > 0 && out->regs != NULL ? 0 : -1;
}

const struct dev_model plx9656_model = {
    .name = "plx9656",
    .summary = "PLX PCI 9656 bus-master DMA controller (2 channels, block and SG)",
    .create = plx_create,
    .destroy = plx_destroy,
    .identify = plx_identify,
    .mmio_read = plx_mmio_read,
    .mmio_write = plx_mmio_write,
    .reset = plx_reset,
    .snapshot = plx_snapshot,
};
