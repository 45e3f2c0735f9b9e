/* dma.c: executes device DMA operations against the owning session's bus table. */
#include "dma.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "session.h"

/* Bytes moved per loop iteration, across all devices: bounds the latency other sessions see. */
#define DMA_BUDGET (2u << 20)
/* Remote requests in flight per operation: keeps the link busy while the driver answers. */
#define DMA_REMOTE_WINDOW 4
/* Bytes per remote request: big enough to amortise a round trip, small enough that a window
 * of them never piles up in the output queue. */
#define DMA_REMOTE_CHUNK (1u << 20)

struct dma_pending {
    struct dma_pending *next;
    uint32_t id;
    struct dev_dma *op; /* NULL once cancelled */
    uint32_t offset, len;
};

static struct {
    uv_idle_t idle;
    struct dev_dma *head, *tail;
    bool initialised;
} dma;

static void dma_run(uv_idle_t *h);

void dma_init(uv_loop_t *loop)
{
    uv_idle_init(loop, &dma.idle);
    dma.initialised = true;
}

void dma_shutdown(void)
{
    if (dma.initialised)
        uv_close((uv_handle_t *)&dma.idle, NULL);
    dma.initialised = false;
}

static void dma_enqueue(struct dev_dma *op)
{
    op->next = NULL;
    op->queued = true;
    if (dma.tail)
        dma.tail->next = op;
    else
        dma.head = op;
    dma.tail = op;
    /* After shutdown nothing runs; devices_destroy() cancels what is left. */
    if (dma.initialised && !uv_is_active((uv_handle_t *)&dma.idle))
        uv_idle_start(&dma.idle, dma_run);
}

static struct dev_dma *dma_dequeue(void)
{
    struct dev_dma *op = dma.head;
    if (op == NULL)
        return NULL;
    dma.head = op->next;
    if (dma.head == NULL)
        dma.tail = NULL;
    op->next = NULL;
    op->queued = false;
    return op;
}

void dev_dma_submit(struct dev_host *h, struct dev_dma *op)
{
    op->host = h;
    op->progress = op->issued = 0;
    op->pending = 0;
    op->failed = false;
    op->fault_addr = 0;
    dma_enqueue(op);
}

/* A driver that asked (the shim's verifier) hears of every operation the device completed. */
static void dma_notify(const struct dev_dma *op, int result)
{
    struct session *s = op->host->owner;
    if (s == NULL || !s->dma_notify)
        return;
    Dmaemu__DmaNotify m = DMAEMU__DMA_NOTIFY__INIT;
    m.bus_addr = op->bus_addr;
    m.length = op->len;
    m.to_host = op->dir == DEV_DMA_TO_HOST;
    m.faulted = result != DEV_DMA_DONE;
    m.fault_addr = op->fault_addr;
    session_send(s, DMAEMU__MSG_TYPE__MSG_DMA_NOTIFY, 0, 0, &m.base, NULL, 0);
}

static void dma_finish(struct dev_dma *op, int result)
{
    struct dev_counters *c = &op->host->counters;
    c->dma_ops++;
    if (result != DEV_DMA_DONE)
        c->dma_faults++;
    else if (op->dir == DEV_DMA_TO_HOST)
        c->bytes_to_host += op->len;
    else
        c->bytes_from_host += op->len;
    dma_notify(op, result);
    op->done(op, result);
}

static void dma_fault(struct dev_dma *op, uint64_t addr)
{
    op->fault_addr = addr;
    dma_finish(op, DEV_DMA_FAULT);
}

/* Drops the queued operations that match, and detaches their outstanding remote requests. */
static void dma_cancel_matching(struct dev_host *h, const struct dev_dma *only)
{
    struct dev_dma **pp = &dma.head;
    dma.tail = NULL;
    while (*pp != NULL) {
        struct dev_dma *op = *pp;
        if (op->host == h && (only == NULL || op == only)) {
            op->queued = false;
            *pp = op->next;
        } else {
            dma.tail = op;
            pp = &op->next;
        }
    }
    if (h == NULL || h->owner == NULL)
        return;
    for (struct dma_pending *p = h->owner->dma_pending; p != NULL; p = p->next)
        if (p->op != NULL && p->op->host == h && (only == NULL || p->op == only))
            p->op = NULL;
}

void dev_dma_cancel(struct dev_dma *op)
{
    if (op->host != NULL)
        dma_cancel_matching(op->host, op);
}

void dev_dma_cancel_all(struct dev_host *h)
{
    dma_cancel_matching(h, NULL);
}

/* Remote ------------------------------------------------------------------------------------ */

static void dma_send_remote(struct session *s, struct dev_dma *op, uint32_t len)
{
    struct dma_pending *p = malloc(sizeof(*p));
    if (p == NULL) {
        op->failed = true;
        op->fault_addr = op->bus_addr + op->issued;
        return;
    }
    p->id = session_new_request_id(s);
    p->op = op;
    p->offset = op->issued;
    p->len = len;
    p->next = s->dma_pending;
    s->dma_pending = p;
    op->pending++;
    op->issued += len;
    uint64_t addr = op->bus_addr + p->offset;
    if (op->dir == DEV_DMA_FROM_HOST) {
        Dmaemu__DmaRead m = DMAEMU__DMA_READ__INIT;
        m.bus_addr = addr;
        m.length = len;
        session_send(s, DMAEMU__MSG_TYPE__MSG_DMA_READ, 0, p->id, &m.base, NULL, 0);
    } else {
        Dmaemu__DmaWrite m = DMAEMU__DMA_WRITE__INIT;
        m.bus_addr = addr;
        session_send(s, DMAEMU__MSG_TYPE__MSG_DMA_WRITE, 0, p->id, &m.base, op->buf + p->offset,
                     len);
    }
}

static struct dma_pending *dma_take_pending(struct session *s, uint32_t id)
{
    for (struct dma_pending **pp = &s->dma_pending; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            struct dma_pending *p = *pp;
            *pp = p->next;
            return p;
        }
    }
    return NULL;
}

/* After a reply: the operation ends once everything is answered, else it goes on issuing. */
static void dma_remote_settle(struct dev_dma *op)
{
    if (op->failed || op->issued == op->len) {
        if (op->pending == 0)
            dma_finish(op, op->failed ? DEV_DMA_FAULT : DEV_DMA_DONE);
    } else if (!op->queued) {
        dma_enqueue(op);
    }
}

static bool dma_reply_valid(const struct frame *f, const struct dma_pending *p)
{
    if (p->op->dir == DEV_DMA_FROM_HOST)
        return f->h.type == DMAEMU__MSG_TYPE__MSG_DMA_READ_REPLY && f->h.data_len == p->len;
    return f->h.type == DMAEMU__MSG_TYPE__MSG_OK;
}

void dma_on_reply(struct session *s, const struct frame *f)
{
    struct dma_pending *p = dma_take_pending(s, f->h.request_id);
    if (p == NULL) {
        /* A request the daemon already forgot (its device detached or reset, or the
         * application left): a late answer is normal, not a protocol error. */
        log_debug("session %" PRIu64 ": late reply to request %u dropped", s->id, f->h.request_id);
        return;
    }
    struct dev_dma *op = p->op;
    if (op != NULL) {
        op->pending--;
        if (dma_reply_valid(f, p)) {
            if (op->dir == DEV_DMA_FROM_HOST)
                memcpy(op->buf + p->offset, f->data, p->len);
            op->progress += p->len;
        } else if (!op->failed) {
            /* The driver refused (an Error) or answered nonsense: a master abort. */
            op->failed = true;
            op->fault_addr = op->bus_addr + p->offset;
        }
        dma_remote_settle(op);
    }
    free(p);
}

static bool dma_overlaps(const struct dev_dma *op, uint64_t bus_addr, uint64_t length)
{
    return op->len > 0 && op->bus_addr <= bus_addr + (length - 1) &&
           bus_addr <= op->bus_addr + (op->len - 1);
}

static void dma_abort_op(struct dev_dma *op, uint64_t bus_addr)
{
    if (op->failed)
        return;
    op->failed = true;
    op->fault_addr = op->bus_addr > bus_addr ? op->bus_addr : bus_addr;
}

void dma_region_unmapped(struct session *s, uint64_t bus_addr, uint64_t length)
{
    if (s->device == NULL)
        return;
    for (struct dev_dma *op = dma.head; op != NULL; op = op->next)
        if (op->host == s->device && dma_overlaps(op, bus_addr, length))
            dma_abort_op(op, bus_addr);
    /* Operations waiting only on remote replies are not queued: find them by their requests. */
    for (struct dma_pending *p = s->dma_pending; p != NULL; p = p->next)
        if (p->op != NULL && dma_overlaps(p->op, bus_addr, length))
            dma_abort_op(p->op, bus_addr);
}

void dma_session_closed(struct session *s)
{
    while (s->dma_pending != NULL) {
        struct dma_pending *p = s->dma_pending;
        s->dma_pending = p->next;
        free(p);
    }
}

/* The run queue ------------------------------------------------------------------------------- */

enum dma_step { DMA_STEP_MORE, DMA_STEP_WAIT, DMA_STEP_END };

/* Moves one slice of op; *budget shrinks by the bytes moved or requested. */
static enum dma_step dma_step(struct dev_dma *op, size_t *budget)
{
    struct session *s = op->host->owner;
    bool write = op->dir == DEV_DMA_TO_HOST;
    uint64_t fault;

    if (s == NULL) {
        dma_fault(op, op->bus_addr + op->issued);
        return DMA_STEP_END;
    }
    if (op->issued == 0 && op->len > 0 &&
        bus_check(&s->bus, op->bus_addr, op->len, write, &fault) != BUS_OK) {
        dma_fault(op, fault);
        return DMA_STEP_END;
    }
    while (op->issued<op->len && * budget> 0 && !op->failed) {
        uint64_t addr = op->bus_addr + op->issued;
        struct bus_span span;
        if (bus_translate(&s->bus, addr, op->len - op->issued, &span) != BUS_OK) {
            op->failed = true; /* unmapped since the operation started */
            op->fault_addr = addr;
            break;
        }
        uint32_t n = (uint32_t)(span.len < *budget ? span.len : *budget);
        if (span.host != NULL) {
            memcpy(write ? span.host : op->buf + op->issued,
                   write ? op->buf + op->issued : span.host, n);
            op->issued += n;
            op->progress += n;
        } else {
            if (op->pending >= DMA_REMOTE_WINDOW)
                return DMA_STEP_WAIT;
            uint32_t chunk = s->conn.limits.max_data < DMA_REMOTE_CHUNK ? s->conn.limits.max_data
                                                                        : DMA_REMOTE_CHUNK;
            n = n < chunk ? n : chunk;
            dma_send_remote(s, op, n);
        }
        *budget -= n;
    }
    if (op->pending > 0)
        return op->issued < op->len && !op->failed ? DMA_STEP_MORE : DMA_STEP_WAIT;
    if (op->failed) {
        dma_finish(op, DEV_DMA_FAULT);
        return DMA_STEP_END;
    }
    if (op->progress == op->len) {
        dma_finish(op, DEV_DMA_DONE);
        return DMA_STEP_END;
    }
    return DMA_STEP_MORE;
}

static void dma_run(uv_idle_t *h)
{
    size_t budget = DMA_BUDGET;
    /* Each operation gets one slice per turn, then goes to the back: devices share fairly. */
    struct dev_dma *last = dma.tail;
    while (budget > 0 && dma.head != NULL) {
        struct dev_dma *op = dma_dequeue();
        bool was_last = op == last;
        if (dma_step(op, &budget) == DMA_STEP_MORE)
            dma_enqueue(op);
        if (was_last)
            break;
    }
    if (dma.head == NULL)
        uv_idle_stop(&dma.idle);
}
