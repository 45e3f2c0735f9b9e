/*
 * plx9656_dma.c: the two DMA channels of the PLX 9656: block mode and scatter/gather.
 *
 * A channel is a small state machine driven by DMA completions and one timer:
 *   FETCH (SG: read the next descriptor) -> DATA (move the bytes in chunks) ->
 *   WRITEBACK (SG clear-count: zero the descriptor's size) -> FETCH ... -> IDLE.
 * Every step starts from the timer or a DMA completion, never from inside the MMIO write that
 * started the channel. The timing model delays steps: bandwidth spreads the bytes over time,
 * descriptor_latency is paid before each descriptor.
 *
 * Choices where the spec is silent:
 * - A master abort (unmapped or read-only bus address, local address outside SRAM) does not set
 *   the channel's done-interrupt bit; the PCI abort interrupt (INTCSR 10/14) reports it.
 * - Abort (DMACSR bit 2) ends the channel without the done interrupt, as a stop that is not normal.
 * - In hold-local-address mode the local bus is 32 bits wide: writes to SRAM land byte lane by
 *   byte lane on the one word at DMALADR (the last beat wins), reads repeat that word.
 */
#include <stdlib.h>
#include <string.h>

#include "plx9656.h"

/* Largest single DMA operation: bounds how long one step holds the loop. */
#define PLX_CHUNK (1u << 20)
/* With a bandwidth limit, a chunk covers about this many nanoseconds of transfer. */
#define PLX_CHUNK_NS 10000000ull

static void plx_step(void *arg);
static void plx_op_done(struct dev_dma *op, int result);

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int plx_dma_init(struct plx *p)
{
    for (unsigned c = 0; c < 2; c++) {
        struct plx_channel *ch = &p->ch[c];
        ch->plx = p;
        ch->index = c;
        ch->op.arg = ch;
        ch->op.done = plx_op_done;
        ch->timer = dev_timer_create(p->host, plx_step, ch);
        if (ch->timer == NULL)
            return -1;
    }
    return 0;
}

void plx_dma_destroy(struct plx *p)
{
    for (unsigned c = 0; c < 2; c++) {
        dev_timer_destroy(p->ch[c].timer);
        free(p->ch[c].bounce);
    }
}

/* Stops a channel where it is, without interrupts: reset, and teardown. */
void plx_dma_stop(struct plx_channel *ch)
{
    if (ch->phase != PLX_IDLE)
        dev_dma_cancel(&ch->op);
    if (ch->timer != NULL)
        dev_timer_stop(ch->timer);
    ch->phase = PLX_IDLE;
    ch->abort_requested = false;
}

/* Endings ------------------------------------------------------------------------------------ */

static void plx_finish(struct plx_channel *ch, bool interrupt)
{
    struct plx *p = ch->plx;
    ch->phase = PLX_IDLE;
    ch->abort_requested = false;
    if (interrupt && (ch->mode & MODE_DONE_INT))
        p->intcsr |= INTCSR_DMA_ACTIVE(ch->index);
    plx_update_irq(p);
}

static void plx_master_abort(struct plx_channel *ch, const char *what, uint64_t addr)
{
    struct plx *p = ch->plx;
    p->intcsr |= INTCSR_ABORT_ACTIVE | INTCSR_ABORT_MASTER(ch->index);
    struct rec_event e = {.kind = REC_FAULT};
    e.fault.what = what;
    e.fault.addr = addr;
    e.fault.channel = (int)ch->index;
    dev_record(p->host, &e);
    plx_finish(ch, false);
}

/* Timing --------------------------------------------------------------------------------------- */

static void plx_charge(struct plx_channel *ch, uint64_t ns)
{
    uint64_t now = dev_now_ns(ch->plx->host);
    if (ch->ready_at_ns < now)
        ch->ready_at_ns = now;
    ch->ready_at_ns += ns;
}

/* True when the timing model wants the next step later; the timer is then armed for it. */
static bool plx_wait(struct plx_channel *ch)
{
    uint64_t now = dev_now_ns(ch->plx->host);
    if (ch->ready_at_ns <= now)
        return false;
    dev_timer_start(ch->timer, ch->ready_at_ns - now);
    return true;
}

static uint32_t plx_chunk_len(const struct plx_channel *ch)
{
    uint64_t bw = ch->plx->bandwidth;
    uint64_t n = bw ? bw * PLX_CHUNK_NS / 1000000000ull : PLX_CHUNK;
    if (n < 4096)
        n = 4096;
    return n < PLX_CHUNK ? (uint32_t)n : PLX_CHUNK;
}

/* DMA operations --------------------------------------------------------------------------- */

static void plx_submit(struct plx_channel *ch, const char *purpose, uint64_t bus, uint8_t *buf,
                       uint32_t len, bool to_host)
{
    ch->op.bus_addr = bus;
    ch->op.buf = buf;
    ch->op.len = len;
    ch->op.dir = to_host ? DEV_DMA_TO_HOST : DEV_DMA_FROM_HOST;
    ch->op_purpose = purpose;
    ch->op_start_ns = dev_now_ns(ch->plx->host);
    dev_dma_submit(ch->plx->host, &ch->op);
}

static void plx_record_op(struct plx_channel *ch, int result)
{
    struct rec_event e = {.kind = REC_DMA};
    e.dma.channel = ch->index;
    e.dma.to_host = ch->op.dir == DEV_DMA_TO_HOST;
    e.dma.bus_addr = ch->op.bus_addr;
    e.dma.local_addr =
        ch->phase == PLX_DATA ? ch->local + (ch->mode & MODE_HOLD_LOCAL ? 0 : ch->done) : 0;
    e.dma.len = ch->op.len;
    e.dma.result = result;
    e.dma.purpose = ch->op_purpose;
    e.dma.start_ns = ch->op_start_ns;
    e.dma.end_ns = dev_now_ns(ch->plx->host);
    dev_record(ch->plx->host, &e);
}

/* Hold-local-address mode: the local side is one 32-bit word. */
static void plx_hold_fill(struct plx_channel *ch, uint32_t n)
{
    const uint8_t *word = ch->plx->sram + ch->local;
    for (uint32_t i = 0; i < n; i++)
        ch->bounce[i] = word[i & 3];
}

static void plx_hold_store(struct plx_channel *ch, uint32_t n)
{
    uint8_t *word = ch->plx->sram + ch->local;
    for (uint32_t i = n > 4 ? n - 4 : 0; i < n; i++)
        word[(ch->done + i) & 3] = ch->bounce[i];
}

/* Data phase ---------------------------------------------------------------------------------- */

static bool plx_local_in_sram(const struct plx_channel *ch)
{
    uint64_t need = ch->mode & MODE_HOLD_LOCAL ? (ch->len < 4 ? ch->len : 4) : ch->len;
    return (uint64_t)ch->local + need <= ch->plx->sram_size;
}

static void plx_begin_transfer(struct plx_channel *ch, uint64_t bus, uint32_t local, uint32_t len,
                               bool to_host)
{
    ch->bus = bus;
    ch->local = local;
    ch->len = len;
    ch->done = 0;
    ch->to_host = to_host;
    ch->phase = PLX_DATA;
}

static void plx_data_step(struct plx_channel *ch)
{
    if (ch->done == 0 && !plx_local_in_sram(ch)) {
        plx_master_abort(ch, "local address outside SRAM", ch->local);
        return;
    }
    uint32_t n = ch->len - ch->done;
    if (n > plx_chunk_len(ch))
        n = plx_chunk_len(ch);
    uint8_t *buf = ch->plx->sram + ch->local + ch->done;
    if (ch->mode & MODE_HOLD_LOCAL) {
        if (ch->bounce == NULL && (ch->bounce = malloc(PLX_CHUNK)) == NULL) {
            plx_master_abort(ch, "out of memory", ch->local);
            return;
        }
        if (ch->to_host)
            plx_hold_fill(ch, n);
        buf = ch->bounce;
    }
    plx_submit(ch, "data", ch->bus + ch->done, buf, n, ch->to_host);
}

/* Scatter/gather ------------------------------------------------------------------------------- */

static unsigned plx_desc_len(const struct plx_channel *ch)
{
    return ch->mode & MODE_DAC_CHAIN ? 20 : 16;
}

static void plx_desc_parse(struct plx_channel *ch)
{
    const uint8_t *d = ch->desc_raw;
    uint64_t hi = ch->mode & MODE_DAC_CHAIN ? le32(d + 16) : ch->dac;
    ch->desc_next = le32(d + 12);
    plx_begin_transfer(ch, hi << 32 | le32(d), le32(d + 4), le32(d + 8) & SIZ_MASK,
                       (ch->desc_next & DPR_TO_HOST) != 0);
}

static void plx_fetch_step(struct plx_channel *ch)
{
    unsigned len = plx_desc_len(ch);
    if (ch->desc_in_host) {
        plx_submit(ch, "descriptor", ch->desc_addr, ch->desc_raw, len, false);
        return;
    }
    if (ch->desc_addr + len > ch->plx->sram_size) {
        plx_master_abort(ch, "descriptor outside SRAM", ch->desc_addr);
        return;
    }
    memcpy(ch->desc_raw, ch->plx->sram + ch->desc_addr, len);
    plx_desc_parse(ch);
    dev_timer_start(ch->timer, 0);
}

/* After a descriptor's data: interrupt-after-terminal-count, then the next descriptor. */
static void plx_desc_complete(struct plx_channel *ch)
{
    struct plx *p = ch->plx;
    if (ch->desc_next & DPR_INT_AFTER_TC) {
        p->intcsr |= INTCSR_DMA_ACTIVE(ch->index);
        plx_update_irq(p);
    }
    if ((ch->desc_next & DPR_END_CHAIN) || ch->abort_requested) {
        plx_finish(ch, !ch->abort_requested);
        return;
    }
    ch->desc_addr = ch->desc_next & DPR_ADDR_MASK;
    ch->desc_in_host = (ch->desc_next & DPR_IN_HOST) != 0;
    ch->latency_paid = false;
    ch->phase = PLX_FETCH;
    dev_timer_start(ch->timer, 0);
}

static void plx_writeback_step(struct plx_channel *ch)
{
    if (ch->desc_in_host) {
        plx_submit(ch, "clear-count", ch->desc_addr + 8, ch->zero, 4, true);
        return;
    }
    memset(ch->plx->sram + ch->desc_addr + 8, 0, 4); /* in SRAM: checked at fetch */
    plx_desc_complete(ch);
}

static void plx_transfer_complete(struct plx_channel *ch)
{
    if (!(ch->mode & MODE_SG)) {
        plx_finish(ch, !ch->abort_requested);
        return;
    }
    if (ch->mode & MODE_CLEAR_COUNT) {
        ch->phase = PLX_WRITEBACK;
        plx_writeback_step(ch);
        return;
    }
    plx_desc_complete(ch);
}

/* Driving the machine -------------------------------------------------------------------------- */

static void plx_step(void *arg)
{
    struct plx_channel *ch = arg;
    switch (ch->phase) {
    case PLX_FETCH:
        if (ch->abort_requested) {
            plx_finish(ch, false);
            return;
        }
        if (!ch->latency_paid) {
            ch->latency_paid = true;
            plx_charge(ch, ch->plx->desc_latency);
        }
        if (!plx_wait(ch))
            plx_fetch_step(ch);
        return;
    case PLX_DATA:
        if (ch->abort_requested && !(ch->mode & MODE_SG))
            plx_finish(ch, false);
        else if (ch->done == ch->len)
            plx_transfer_complete(ch);
        else if (!plx_wait(ch))
            plx_data_step(ch);
        return;
    case PLX_WRITEBACK: plx_writeback_step(ch); return;
    case PLX_IDLE: return;
    }
}

static void plx_op_done(struct dev_dma *op, int result)
{
    struct plx_channel *ch = op->arg;
    plx_record_op(ch, result);
    if (result != DEV_DMA_DONE) {
        plx_master_abort(ch,
                         op->dir == DEV_DMA_TO_HOST
                             ? "device write to unmapped or read-only bus address"
                             : "device read of unmapped bus address",
                         op->fault_addr);
        return;
    }
    switch (ch->phase) {
    case PLX_FETCH: plx_desc_parse(ch); break;
    case PLX_DATA:
        if ((ch->mode & MODE_HOLD_LOCAL) && !ch->to_host)
            plx_hold_store(ch, op->len);
        ch->done += op->len;
        ch->bytes_moved += op->len;
        if (ch->plx->bandwidth)
            plx_charge(ch, (uint64_t)op->len * 1000000000ull / ch->plx->bandwidth);
        break;
    case PLX_WRITEBACK: plx_desc_complete(ch); return;
    case PLX_IDLE: return;
    }
    plx_step(ch);
}

void plx_dma_start(struct plx_channel *ch)
{
    ch->abort_requested = false;
    ch->bytes_moved = 0;
    ch->ready_at_ns = dev_now_ns(ch->plx->host);
    if (ch->mode & MODE_SG) {
        /* Bits 1 and 3 of the start value are ignored: drivers leave them uninitialised. */
        ch->desc_addr = ch->dpr & DPR_ADDR_MASK;
        ch->desc_in_host = (ch->dpr & DPR_IN_HOST) != 0;
        ch->latency_paid = false;
        ch->phase = PLX_FETCH;
    } else {
        plx_begin_transfer(ch, (uint64_t)ch->dac << 32 | ch->padr, ch->ladr, ch->siz & SIZ_MASK,
                           (ch->dpr & DPR_TO_HOST) != 0);
    }
    dev_timer_start(ch->timer, 0);
}
