/*
 * plx9656_util.h: shared helpers for the plx9656 device-model conformance tests.
 *
 * Every test runs once over UNIX and once over TCP against a daemon started once per test group.
 * The per-test fixture (struct plx) is a driver session attached to one device, with the
 * interrupt line's level tracked from the library's event thread. Teardown soft-resets the device,
 * destroys the test's regions and detaches, so the next test starts from a reset device.
 *
 * Register offsets and bits are those of the model spec (spec/plx9656.md, after the PLX PCI 9656
 * data book).
 */
#ifndef DMAEMU_PLX9656_UTIL_H
#define DMAEMU_PLX9656_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaemu.h"
#include "harness.h"

/* BARs */
#define PLX_BAR_REGS 0
#define PLX_BAR_IO   1
#define PLX_BAR_SRAM 2
#define PLX_BAR_LS1  3

/* Registers (BAR0) */
#define PLX_INTCSR      0x068u
#define PLX_CNTRL       0x06Cu
#define PLX_PCIHIDR     0x070u
#define PLX_PCIHREV     0x074u
#define PLX_DMAMODE(ch) (0x080u + 0x14u * (unsigned)(ch))
#define PLX_DMAPADR(ch) (0x084u + 0x14u * (unsigned)(ch))
#define PLX_DMALADR(ch) (0x088u + 0x14u * (unsigned)(ch))
#define PLX_DMASIZ(ch)  (0x08Cu + 0x14u * (unsigned)(ch))
#define PLX_DMADPR(ch)  (0x090u + 0x14u * (unsigned)(ch))
#define PLX_DMACSR(ch)  (0x0A8u + (unsigned)(ch))
#define PLX_DMAARB      0x0ACu
#define PLX_DMATHR      0x0B0u
#define PLX_DMADAC(ch)  (0x0B4u + 4u * (unsigned)(ch))

/* INTCSR */
#define PLX_INTCSR_PCI_IE      (1u << 8)
#define PLX_INTCSR_ABORT_IE    (1u << 10)
#define PLX_INTCSR_ABORT_ACT   (1u << 14)
#define PLX_INTCSR_DMA0_IE     (1u << 18)
#define PLX_INTCSR_DMA1_IE     (1u << 19)
#define PLX_INTCSR_DMA0_ACT    (1u << 21)
#define PLX_INTCSR_DMA1_ACT    (1u << 22)
#define PLX_INTCSR_BM0         (1u << 25)
#define PLX_INTCSR_BM1         (1u << 26)
#define PLX_INTCSR_DMA_IE(ch)  ((ch) ? PLX_INTCSR_DMA1_IE : PLX_INTCSR_DMA0_IE)
#define PLX_INTCSR_DMA_ACT(ch) ((ch) ? PLX_INTCSR_DMA1_ACT : PLX_INTCSR_DMA0_ACT)
#define PLX_INTCSR_BM(ch)      ((ch) ? PLX_INTCSR_BM1 : PLX_INTCSR_BM0)
#define PLX_INTCSR_RO                                                                              \
    (PLX_INTCSR_ABORT_ACT | PLX_INTCSR_DMA0_ACT | PLX_INTCSR_DMA1_ACT | PLX_INTCSR_BM0 |           \
     PLX_INTCSR_BM1)

/* CNTRL */
#define PLX_CNTRL_RESET (1u << 30)

/* DMAMODE */
#define PLX_MODE_BASE      0x000001C3u /* 32-bit local bus, ready input, BTERM, local burst */
#define PLX_MODE_SG        (1u << 9)
#define PLX_MODE_DONE_IE   (1u << 10)
#define PLX_MODE_HOLD_LOC  (1u << 11)
#define PLX_MODE_CLR_COUNT (1u << 16)
#define PLX_MODE_INTA      (1u << 17)
#define PLX_MODE_DAC_CHAIN (1u << 18)

/* DMADPR and a descriptor's next pointer */
#define PLX_DPR_PCI    (1u << 0) /* descriptor in host memory */
#define PLX_DPR_EOC    (1u << 1)
#define PLX_DPR_TC_IRQ (1u << 2)
#define PLX_DPR_D2H    (1u << 3) /* device to host (local -> PCI) */

/* DMACSR (8-bit) */
#define PLX_CSR_ENABLE (1u << 0)
#define PLX_CSR_START  (1u << 1)
#define PLX_CSR_ABORT  (1u << 2)
#define PLX_CSR_CLRINT (1u << 3)
#define PLX_CSR_DONE   (1u << 4)

#define PLX_DEFAULT_SRAM 0x20000u

enum plx_dir { PLX_H2D = 0, PLX_D2H = 1 };

/* How a test of a group connects: the group's daemon, the transport, the device. */
struct plx_param {
    struct harness_daemon *d;
    bool tcp;
    const char *dev;
};

#define PLX_MAX_REGIONS 64

struct plx {
    struct harness_daemon *d;
    bool tcp;
    const char *dev;
    dmaemu_t *c;
    struct dmaemu_device_info info;
    uint64_t sram_size;
    /* Interrupt line state, written by the event thread. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool level;
    unsigned asserts, deasserts; /* callbacks with asserted = true / false */
    uint64_t assertion;          /* dmaemu_interrupt_assertion() in the last callback */
    unsigned bad_irq;            /* callbacks for anything but line 0 */
    dmaemu_region_t *regions[PLX_MAX_REGIONS];
    unsigned region_count;
    /* Further sessions a test opened, closed by teardown even when the test fails. */
    struct plx *children[4];
    dmaemu_t *conns[4];
};

/*
 * Two cmocka tests per function: over UNIX and over TCP. grp is a struct harness_daemon * of the
 * group, dev the device name.
 */
/* clang-format off */
#define PLX_TEST_DEV(fn, grp, devname)                                                             \
    {#fn " [unix]", fn, plx_setup, plx_teardown, &(struct plx_param){(grp), false, (devname)}},    \
    {#fn " [tcp]", fn, plx_setup, plx_teardown, &(struct plx_param){(grp), true, (devname)}}
/* clang-format on */
#define PLX_TEST(fn, grp) PLX_TEST_DEV(fn, grp, "plx0")

/* cmocka fixtures: connect a driver, attach to the device / reset, unmap, detach, close. */
int plx_setup(void **state);
int plx_teardown(void **state);

/*
 * Runs the array tests as the cmocka group name against a daemon of its own, d, started with
 * config_ini (NULL: the built-in devices) before the group and stopped after it: a daemon that
 * does not start, or does not exit 0 on SIGTERM, fails the group. Returns the failed tests.
 */
#define PLX_RUN_GROUP(name, tests, d, config_ini)                                                  \
    (plx_group_use((d), (config_ini)),                                                             \
     cmocka_run_group_tests_name((name), (tests), plx_group_up, plx_group_down))

/* PLX_RUN_GROUP's parts: cmocka's group fixtures take no argument, so plx_group_use says which
 * daemon the next group's plx_group_up and plx_group_down start and stop. */
void plx_group_use(struct harness_daemon *d, const char *config_ini);
int plx_group_up(void **state);
int plx_group_down(void **state);

/* A second driver session on another device (or the same daemon), with its own irq tracking. */
struct plx *plx_open(struct harness_daemon *d, bool tcp, const char *dev);
void plx_close(struct plx *p);
/* plx_open, owned by parent: closed by plx_close(parent) unless closed before with
 * plx_close_child. */
struct plx *plx_open_child(struct plx *parent, bool tcp, const char *dev);
void plx_close_child(struct plx *parent, struct plx *child);
/* A raw connection owned by p (closed by plx_close(p) unless plx_forget_conn was called). */
dmaemu_t *plx_connect_owned(struct plx *p, bool tcp, enum dmaemu_role role, const char *name);
void plx_forget_conn(struct plx *p, dmaemu_t *c);

/* MMIO: each asserts success. */
uint64_t plx_rd(struct plx *p, unsigned bar, uint64_t off, unsigned width);
void plx_wr(struct plx *p, unsigned bar, uint64_t off, unsigned width, uint64_t value);
uint32_t plx_rd32(struct plx *p, uint64_t off);
void plx_wr32(struct plx *p, uint64_t off, uint32_t value);
uint8_t plx_rd8(struct plx *p, uint64_t off);
void plx_wr8(struct plx *p, uint64_t off, uint8_t value);
/* A synchronous round trip: every posted write was applied and every interrupt message the
 * daemon sent before it has been delivered. */
void plx_barrier(struct plx *p);

/* SRAM through BAR2 (8-byte accesses where aligned). */
void plx_sram_write(struct plx *p, uint64_t off, const void *buf, size_t len);
void plx_sram_read(struct plx *p, uint64_t off, void *buf, size_t len);
void plx_sram_fill(struct plx *p, uint64_t off, size_t len, uint8_t byte);

/* Regions, destroyed by teardown. */
dmaemu_region_t *plx_region(struct plx *p, uint64_t bus, size_t len, unsigned flags);
uint8_t *plx_region_mem(dmaemu_region_t *r);

/* Data patterns: byte i of pattern seed. */
uint8_t plx_pat(uint32_t seed, size_t i);
void plx_pattern(void *buf, size_t len, uint32_t seed);
/* Fails the test with a description if buf[i] != expected for some i. */
void plx_expect_bytes(const char *what, const void *buf, const void *expected, size_t len);
void plx_expect_pattern(const char *what, const void *buf, size_t len, uint32_t seed);
void plx_expect_fill(const char *what, const void *buf, size_t len, uint8_t byte);

/* DMA */
uint8_t plx_csr(struct plx *p, unsigned ch);
bool plx_done(struct plx *p, unsigned ch);
/* Polls Done until set or timeout_ms passes; returns whether it was seen. */
bool plx_wait_done(struct plx *p, unsigned ch, int timeout_ms);
void plx_expect_done(struct plx *p, unsigned ch, int timeout_ms);
/* Programs a block-mode transfer (mode gets PLX_MODE_SG cleared) and starts it. */
void plx_block_start(struct plx *p, unsigned ch, uint64_t bus, uint32_t local, uint32_t size,
                     enum plx_dir dir, uint32_t mode);
/* plx_block_start, then waits for Done (10 s). */
void plx_block_dma(struct plx *p, unsigned ch, uint64_t bus, uint32_t local, uint32_t size,
                   enum plx_dir dir, uint32_t mode);
/* Starts a scatter/gather chain whose first descriptor is named by dpr. */
void plx_sg_start(struct plx *p, unsigned ch, uint32_t dpr, uint32_t mode);
void plx_start(struct plx *p, unsigned ch);
/* CNTRL bit 30 set, then cleared. */
void plx_soft_reset(struct plx *p);

/* A scatter/gather descriptor. */
struct plx_desc {
    uint32_t pci_lo;
    uint32_t local;
    uint32_t size;
    uint32_t next; /* next address | PLX_DPR_* flags */
    uint32_t pci_hi;
};
void plx_desc_host(void *where, const struct plx_desc *d, bool dac);
void plx_desc_sram(struct plx *p, uint32_t off, const struct plx_desc *d, bool dac);
uint32_t plx_le32(const void *where);
void plx_put_le32(void *where, uint32_t v);

/* Interrupts */
bool plx_irq_level(struct plx *p);
/* After a barrier, waits (bounded) until INTA has the given level; fails the test otherwise. */
void plx_irq_expect(struct plx *p, bool asserted, const char *why);
void plx_irq_counts(struct plx *p, unsigned *asserts, unsigned *deasserts);

int64_t plx_now_us(void);

#endif
