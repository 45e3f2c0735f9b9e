/*
 * plx9656.h: internals shared by the plx9656 register file (plx9656.c) and its DMA engine
 * (plx9656_dma.c). The chip is described in shared/spec/plx9656.md; choices the spec leaves
 * open are noted where they are made.
 */
#ifndef DMAEMU_PLX9656_H
#define DMAEMU_PLX9656_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* BAR0 register offsets. */
enum {
    PLX_INTCSR = 0x068,
    PLX_CNTRL = 0x06C,
    PLX_PCIHIDR = 0x070,
    PLX_PCIHREV = 0x074,
    PLX_DMAMODE0 = 0x080, /* channel 1's block starts 0x14 later */
    PLX_DMAARB = 0x0AC,
    PLX_DMATHR = 0x0B0,
    PLX_DMACSR = 0x0A8, /* byte 0: channel 0, byte 1: channel 1 */
    PLX_DMADAC0 = 0x0B4,
    PLX_DMADAC1 = 0x0B8,
    PLX_REG_BYTES = 0x200,
    PLX_IO_BYTES = 0x100,
    PLX_CH_STRIDE = 0x14,
};

/* Per-channel register offsets within the channel's block. */
enum {
    PLX_CH_MODE = 0x0,
    PLX_CH_PADR = 0x4,
    PLX_CH_LADR = 0x8,
    PLX_CH_SIZ = 0xC,
    PLX_CH_DPR = 0x10
};

/* INTCSR bits. */
#define INTCSR_PCI_INT_ENABLE    (1u << 8)
#define INTCSR_ABORT_INT_ENABLE  (1u << 10)
#define INTCSR_ABORT_ACTIVE      (1u << 14)
#define INTCSR_DMA_INT_ENABLE(c) (1u << (18 + (c)))
#define INTCSR_DMA_ACTIVE(c)     (1u << (21 + (c)))
#define INTCSR_ABORT_MASTER(c)   (1u << (25 + (c)))
#define INTCSR_READ_ONLY                                                                           \
    (INTCSR_ABORT_ACTIVE | INTCSR_DMA_ACTIVE(0) | INTCSR_DMA_ACTIVE(1) | INTCSR_ABORT_MASTER(0) |  \
     INTCSR_ABORT_MASTER(1))

#define CNTRL_SOFT_RESET (1u << 30)

/* DMAMODE bits. */
#define MODE_SG          (1u << 9)
#define MODE_DONE_INT    (1u << 10)
#define MODE_HOLD_LOCAL  (1u << 11)
#define MODE_CLEAR_COUNT (1u << 16)
#define MODE_ROUTE_PCI   (1u << 17)
#define MODE_DAC_CHAIN   (1u << 18)

/* DMADPR and descriptor next-pointer bits. */
#define DPR_IN_HOST      (1u << 0)
#define DPR_END_CHAIN    (1u << 1)
#define DPR_INT_AFTER_TC (1u << 2)
#define DPR_TO_HOST      (1u << 3)
#define DPR_ADDR_MASK    0xFFFFFFF0u

/* DMACSR bits. */
#define CSR_ENABLE    (1u << 0)
#define CSR_START     (1u << 1)
#define CSR_ABORT     (1u << 2)
#define CSR_CLEAR_INT (1u << 3)
#define CSR_DONE      (1u << 4)

#define SIZ_MASK 0x7FFFFFu

enum plx_phase { PLX_IDLE, PLX_FETCH, PLX_DATA, PLX_WRITEBACK };

struct plx;

struct plx_channel {
    struct plx *plx;
    unsigned index;
    /* Registers. */
    uint32_t mode, padr, ladr, siz, dpr, dac;
    uint8_t csr; /* enable and abort as written; done is derived from phase */
    /* Engine state. */
    enum plx_phase phase;
    bool abort_requested;
    bool latency_paid;  /* for the descriptor about to be fetched */
    uint64_t desc_addr; /* descriptor being processed */
    bool desc_in_host;
    uint32_t desc_next; /* its next-pointer word */
    uint64_t bus;       /* current transfer */
    uint32_t local, len, done;
    bool to_host;
    uint64_t bytes_moved; /* since the last start, for the register snapshot */
    uint64_t ready_at_ns; /* timing model: earliest start of the next step */
    uint64_t op_start_ns;
    const char *op_purpose;
    struct dev_dma op;
    uint8_t desc_raw[20];
    uint8_t zero[4];
    uint8_t *bounce; /* hold-local-address transfers */
    struct dev_timer *timer;
};

struct plx {
    struct dev_host *host;
    uint32_t regs[PLX_REG_BYTES / 4]; /* plain stored registers (and unspecified offsets) */
    uint32_t intcsr, cntrl;
    uint16_t vendor_id, device_id;
    uint8_t revision;
    uint8_t *sram;
    uint64_t sram_size;
    uint8_t *space1;
    uint64_t space1_size;
    uint64_t bandwidth;    /* bytes/s, 0 = unlimited */
    uint64_t desc_latency; /* ns per descriptor */
    struct plx_channel ch[2];
};

/* plx9656_dma.c */
int plx_dma_init(struct plx *p);
void plx_dma_destroy(struct plx *p);
void plx_dma_start(struct plx_channel *ch);
void plx_dma_stop(struct plx_channel *ch);
/* Re-evaluates INTA from INTCSR and both DMAMODEs. */
void plx_update_irq(struct plx *p);

#endif
