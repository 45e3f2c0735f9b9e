/* plx9656_util.c: shared helpers for the plx9656 conformance tests (see plx9656_util.h). */
#include "plx9656_util.h"

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

#define IRQ_TIMEOUT_MS  5000
#define DONE_TIMEOUT_MS 10000

int64_t plx_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Fixtures ------------------------------------------------------------------------------------- */

static void on_irq(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted)
{
    struct plx *p = arg;
    pthread_mutex_lock(&p->mu);
    if (kind != DMAEMU_IRQ_LINE || index != 0) {
        p->bad_irq++;
    } else {
        p->level = asserted;
        p->assertion = dmaemu_interrupt_assertion();
        if (asserted)
            p->asserts++;
        else
            p->deasserts++;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

struct plx *plx_open(struct harness_daemon *d, bool tcp, const char *dev)
{
    struct plx *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    p->d = d;
    p->tcp = tcp;
    p->dev = dev;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    p->c = harness_connect(d, tcp, DMAEMU_ROLE_DRIVER, "plx9656-test");
    /* Over TCP the daemon reaches host memory by messages, locally through shared memory. */
    assert_int_equal(dmaemu_is_remote(p->c), tcp);
    dmaemu_set_interrupt_handler(p->c, on_irq, p);
    int rc = dmaemu_attach(p->c, dev, &p->info);
    if (rc != 0) {
        print_error("attach %s over %s: %d (%s): %s\n", dev, tcp ? "tcp" : "unix", rc,
                    dmaemu_strerror(rc), dmaemu_last_error());
        dmaemu_close(p->c);
        fail_msg("cannot attach to %s", dev);
    }
    p->sram_size = p->info.bar_count > PLX_BAR_SRAM ? p->info.bars[PLX_BAR_SRAM].size : 0;
    return p;
}

struct plx *plx_open_child(struct plx *parent, bool tcp, const char *dev)
{
    unsigned i = 0;
    while (i < 4 && parent->children[i] != NULL)
        i++;
    assert_true(i < 4);
    parent->children[i] = plx_open(parent->d, tcp, dev);
    return parent->children[i];
}

void plx_close_child(struct plx *parent, struct plx *child)
{
    for (unsigned i = 0; i < 4; i++)
        if (parent->children[i] == child)
            parent->children[i] = NULL;
    plx_close(child);
}

dmaemu_t *plx_connect_owned(struct plx *p, bool tcp, enum dmaemu_role role, const char *name)
{
    unsigned i = 0;
    while (i < 4 && p->conns[i] != NULL)
        i++;
    assert_true(i < 4);
    p->conns[i] = harness_connect(p->d, tcp, role, name);
    return p->conns[i];
}

void plx_forget_conn(struct plx *p, dmaemu_t *c)
{
    for (unsigned i = 0; i < 4; i++)
        if (p->conns[i] == c)
            p->conns[i] = NULL;
}

void plx_close(struct plx *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < 4; i++) {
        plx_close(p->children[i]);
        p->children[i] = NULL;
        if (p->conns[i] != NULL)
            dmaemu_close(p->conns[i]);
        p->conns[i] = NULL;
    }
    if (p->c != NULL && dmaemu_is_connected(p->c)) {
        /* Leave the device reset: CNTRL bit 30 set, then cleared. */
        uint64_t v = 0;
        if (dmaemu_mmio_read(p->c, PLX_BAR_REGS, PLX_CNTRL, 4, &v) == 0) {
            dmaemu_mmio_write(p->c, PLX_BAR_REGS, PLX_CNTRL, 4, v | PLX_CNTRL_RESET);
            dmaemu_mmio_write(p->c, PLX_BAR_REGS, PLX_CNTRL, 4, v & ~(uint64_t)PLX_CNTRL_RESET);
        }
        for (unsigned i = 0; i < p->region_count; i++) {
            int rc = dmaemu_region_destroy(p->c, p->regions[i]);
            if (rc != 0)
                print_error("region_destroy: %d (%s): %s\n", rc, dmaemu_strerror(rc),
                            dmaemu_last_error());
        }
        int rc = dmaemu_detach(p->c);
        if (rc != 0)
            print_error("detach: %d (%s): %s\n", rc, dmaemu_strerror(rc), dmaemu_last_error());
    }
    if (p->c != NULL)
        dmaemu_close(p->c);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int plx_setup(void **state)
{
    const struct plx_param *prm = *state;
    *state = plx_open(prm->d, prm->tcp, prm->dev);
    return 0;
}

int plx_teardown(void **state)
{
    plx_close(*state);
    return 0;
}

/* The daemon of the group PLX_RUN_GROUP runs (one group at a time). */
static struct harness_daemon *group_daemon;
static const char *group_config;

void plx_group_use(struct harness_daemon *d, const char *config_ini)
{
    group_daemon = d;
    group_config = config_ini;
}

int plx_group_up(void **state)
{
    if (harness_start(group_daemon, group_config) != 0) {
        print_error("cannot start dmaemud\n");
        return -1;
    }
    return 0;
}

int plx_group_down(void **state)
{
    int rc = harness_stop(group_daemon);
    if (rc != 0) {
        print_error("dmaemud exited with status %d (expected 0)\n", rc);
        return -1;
    }
    return 0;
}

/* MMIO ----------------------------------------------------------------------------------------- */

uint64_t plx_rd(struct plx *p, unsigned bar, uint64_t off, unsigned width)
{
    uint64_t v = 0;
    int rc = dmaemu_mmio_read(p->c, bar, off, width, &v);
    if (rc != 0)
        fail_msg("mmio_read(bar %u, 0x%llx, width %u) = %d (%s): %s", bar, (unsigned long long)off,
                 width, rc, dmaemu_strerror(rc), dmaemu_last_error());
    return v;
}

void plx_wr(struct plx *p, unsigned bar, uint64_t off, unsigned width, uint64_t value)
{
    int rc = dmaemu_mmio_write(p->c, bar, off, width, value);
    if (rc != 0)
        fail_msg("mmio_write(bar %u, 0x%llx, width %u, 0x%llx) = %d (%s): %s", bar,
                 (unsigned long long)off, width, (unsigned long long)value, rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
}

uint32_t plx_rd32(struct plx *p, uint64_t off)
{
    return (uint32_t)plx_rd(p, PLX_BAR_REGS, off, 4);
}

void plx_wr32(struct plx *p, uint64_t off, uint32_t value)
{
    plx_wr(p, PLX_BAR_REGS, off, 4, value);
}

uint8_t plx_rd8(struct plx *p, uint64_t off)
{
    return (uint8_t)plx_rd(p, PLX_BAR_REGS, off, 1);
}

void plx_wr8(struct plx *p, uint64_t off, uint8_t value)
{
    plx_wr(p, PLX_BAR_REGS, off, 1, value);
}

void plx_barrier(struct plx *p)
{
    int rc = dmaemu_ping(p->c);
    if (rc != 0)
        fail_msg("ping = %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
}

/* SRAM ----------------------------------------------------------------------------------------- */

void plx_sram_write(struct plx *p, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    size_t i = 0;
    while (i < len) {
        uint64_t o = off + i;
        if ((o & 7) == 0 && len - i >= 8) {
            uint64_t v = 0;
            for (int k = 7; k >= 0; k--)
                v = (v << 8) | b[i + (size_t)k];
            plx_wr(p, PLX_BAR_SRAM, o, 8, v);
            i += 8;
        } else {
            plx_wr(p, PLX_BAR_SRAM, o, 1, b[i]);
            i++;
        }
    }
}

void plx_sram_read(struct plx *p, uint64_t off, void *buf, size_t len)
{
    uint8_t *b = buf;
    size_t i = 0;
    while (i < len) {
        uint64_t o = off + i;
        if ((o & 7) == 0 && len - i >= 8) {
            uint64_t v = plx_rd(p, PLX_BAR_SRAM, o, 8);
            for (int k = 0; k < 8; k++)
                b[i + (size_t)k] = (uint8_t)(v >> (8 * k));
            i += 8;
        } else {
            b[i] = (uint8_t)plx_rd(p, PLX_BAR_SRAM, o, 1);
            i++;
        }
    }
}

void plx_sram_fill(struct plx *p, uint64_t off, size_t len, uint8_t byte)
{
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memset(buf, byte, len);
    plx_sram_write(p, off, buf, len);
    free(buf);
}

/* Regions -------------------------------------------------------------------------------------- */

dmaemu_region_t *plx_region(struct plx *p, uint64_t bus, size_t len, unsigned flags)
{
    assert_true(p->region_count < PLX_MAX_REGIONS);
    dmaemu_region_t *r = NULL;
    int rc = dmaemu_region_create(p->c, bus, len, flags, &r);
    if (rc != 0 || r == NULL)
        fail_msg("region_create(0x%llx, %zu, %u) = %d (%s): %s", (unsigned long long)bus, len,
                 flags, rc, dmaemu_strerror(rc), dmaemu_last_error());
    assert_int_equal(dmaemu_region_bus_addr(r), bus);
    assert_int_equal(dmaemu_region_length(r), len);
    p->regions[p->region_count++] = r;
    return r;
}

uint8_t *plx_region_mem(dmaemu_region_t *r)
{
    uint8_t *m = dmaemu_region_ptr(r);
    assert_non_null(m);
    return m;
}

/* Patterns ------------------------------------------------------------------------------------- */

uint8_t plx_pat(uint32_t seed, size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u ^ (seed * 0x9E3779B9u + 0x7F4A7C15u);
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    x *= 0x297A2D39u;
    x ^= x >> 15;
    return (uint8_t)x;
}

void plx_pattern(void *buf, size_t len, uint32_t seed)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++)
        b[i] = plx_pat(seed, i);
}

static void report_mismatch(const char *what, const uint8_t *b, size_t len, size_t first,
                            uint8_t expected)
{
    fail_msg("%s: byte %zu of %zu is 0x%02x, expected 0x%02x", what, first, len, b[first],
             expected);
}

void plx_expect_bytes(const char *what, const void *buf, const void *expected, size_t len)
{
    const uint8_t *b = buf, *e = expected;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != e[i]) {
            size_t bad = 0, last = i;
            for (size_t k = i; k < len; k++)
                if (b[k] != e[k]) {
                    bad++;
                    last = k;
                }
            print_error("%s: %zu bytes differ, first at %zu, last at %zu\n", what, bad, i, last);
            report_mismatch(what, b, len, i, e[i]);
        }
    }
}

void plx_expect_pattern(const char *what, const void *buf, size_t len, uint32_t seed)
{
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != plx_pat(seed, i)) {
            size_t bad = 0, last = i;
            for (size_t k = i; k < len; k++)
                if (b[k] != plx_pat(seed, k)) {
                    bad++;
                    last = k;
                }
            print_error("%s: %zu bytes differ from pattern %u, first at %zu, last at %zu\n", what,
                        bad, seed, i, last);
            report_mismatch(what, b, len, i, plx_pat(seed, i));
        }
    }
}

void plx_expect_fill(const char *what, const void *buf, size_t len, uint8_t byte)
{
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != byte) {
            size_t bad = 0, last = i;
            for (size_t k = i; k < len; k++)
                if (b[k] != byte) {
                    bad++;
                    last = k;
                }
            print_error("%s: %zu bytes are not 0x%02x, first at %zu, last at %zu\n", what, bad,
                        byte, i, last);
            report_mismatch(what, b, len, i, byte);
        }
    }
}

/* DMA ------------------------------------------------------------------------------------------ */

uint8_t plx_csr(struct plx *p, unsigned ch)
{
    return plx_rd8(p, PLX_DMACSR(ch));
}

bool plx_done(struct plx *p, unsigned ch)
{
    return (plx_csr(p, ch) & PLX_CSR_DONE) != 0;
}

bool plx_wait_done(struct plx *p, unsigned ch, int timeout_ms)
{
    int64_t deadline = plx_now_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        if (plx_done(p, ch))
            return true;
        if (plx_now_us() > deadline)
            return false;
    }
}

void plx_expect_done(struct plx *p, unsigned ch, int timeout_ms)
{
    if (!plx_wait_done(p, ch, timeout_ms))
        fail_msg("DMA channel %u: Done (DMACSR%u bit 4) not set within %d ms (DMACSR = 0x%02x, "
                 "INTCSR = 0x%08x)",
                 ch, ch, timeout_ms, plx_csr(p, ch), plx_rd32(p, PLX_INTCSR));
}

void plx_start(struct plx *p, unsigned ch)
{
    plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_ENABLE);
    plx_wr8(p, PLX_DMACSR(ch), PLX_CSR_ENABLE | PLX_CSR_START);
}

void plx_block_start(struct plx *p, unsigned ch, uint64_t bus, uint32_t local, uint32_t size,
                     enum plx_dir dir, uint32_t mode)
{
    plx_wr32(p, PLX_DMAMODE(ch), mode & ~PLX_MODE_SG);
    plx_wr32(p, PLX_DMAPADR(ch), (uint32_t)bus);
    plx_wr32(p, PLX_DMADAC(ch), (uint32_t)(bus >> 32));
    plx_wr32(p, PLX_DMALADR(ch), local);
    plx_wr32(p, PLX_DMASIZ(ch), size);
    plx_wr32(p, PLX_DMADPR(ch), dir == PLX_D2H ? PLX_DPR_D2H : 0);
    plx_start(p, ch);
}

void plx_block_dma(struct plx *p, unsigned ch, uint64_t bus, uint32_t local, uint32_t size,
                   enum plx_dir dir, uint32_t mode)
{
    plx_block_start(p, ch, bus, local, size, dir, mode);
    plx_expect_done(p, ch, DONE_TIMEOUT_MS);
}

void plx_sg_start(struct plx *p, unsigned ch, uint32_t dpr, uint32_t mode)
{
    plx_wr32(p, PLX_DMAMODE(ch), mode | PLX_MODE_SG);
    plx_wr32(p, PLX_DMADPR(ch), dpr);
    plx_start(p, ch);
}

void plx_soft_reset(struct plx *p)
{
    uint32_t v = plx_rd32(p, PLX_CNTRL);
    plx_wr32(p, PLX_CNTRL, v | PLX_CNTRL_RESET);
    plx_wr32(p, PLX_CNTRL, v & ~PLX_CNTRL_RESET);
    plx_barrier(p);
}

/* Descriptors ---------------------------------------------------------------------------------- */

uint32_t plx_le32(const void *where)
{
    const uint8_t *b = where;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void plx_put_le32(void *where, uint32_t v)
{
    uint8_t *b = where;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

void plx_desc_host(void *where, const struct plx_desc *d, bool dac)
{
    uint8_t *b = where;
    plx_put_le32(b + 0, d->pci_lo);
    plx_put_le32(b + 4, d->local);
    plx_put_le32(b + 8, d->size);
    plx_put_le32(b + 12, d->next);
    if (dac)
        plx_put_le32(b + 16, d->pci_hi);
}

void plx_desc_sram(struct plx *p, uint32_t off, const struct plx_desc *d, bool dac)
{
    plx_wr(p, PLX_BAR_SRAM, off + 0, 4, d->pci_lo);
    plx_wr(p, PLX_BAR_SRAM, off + 4, 4, d->local);
    plx_wr(p, PLX_BAR_SRAM, off + 8, 4, d->size);
    plx_wr(p, PLX_BAR_SRAM, off + 12, 4, d->next);
    if (dac)
        plx_wr(p, PLX_BAR_SRAM, off + 16, 4, d->pci_hi);
}

/* Interrupts ----------------------------------------------------------------------------------- */

bool plx_irq_level(struct plx *p)
{
    pthread_mutex_lock(&p->mu);
    bool l = p->level;
    pthread_mutex_unlock(&p->mu);
    return l;
}

void plx_irq_counts(struct plx *p, unsigned *asserts, unsigned *deasserts)
{
    pthread_mutex_lock(&p->mu);
    if (asserts)
        *asserts = p->asserts;
    if (deasserts)
        *deasserts = p->deasserts;
    pthread_mutex_unlock(&p->mu);
}

void plx_irq_expect(struct plx *p, bool asserted, const char *why)
{
    plx_barrier(p);
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += IRQ_TIMEOUT_MS / 1000;
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    while (p->level != asserted && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&p->cv, &p->mu, &dl);
    bool level = p->level;
    unsigned bad = p->bad_irq;
    pthread_mutex_unlock(&p->mu);
    if (bad != 0)
        fail_msg("%u interrupt callbacks for something other than INTx line 0", bad);
    if (level != asserted) {
        uint32_t intcsr = plx_rd32(p, PLX_INTCSR);
        fail_msg("INTA %s, expected %s (%s; INTCSR = 0x%08x, DMAMODE0 = 0x%08x, DMAMODE1 = "
                 "0x%08x)",
                 level ? "asserted" : "deasserted", asserted ? "asserted" : "deasserted", why,
                 intcsr, plx_rd32(p, PLX_DMAMODE(0)), plx_rd32(p, PLX_DMAMODE(1)));
    }
}
