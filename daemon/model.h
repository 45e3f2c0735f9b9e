/*
 * model.h: the interface between a device model and the daemon.
 *
 * A model sees register accesses, a DMA service that completes asynchronously, an interrupt
 * line, timers and the recorder. It never sees sockets, sessions or the event loop: whether the
 * memory behind a bus address is shared memory or a remote process is the DMA service's business.
 * All calls happen on the daemon's loop thread.
 */
#ifndef DMAEMU_MODEL_H
#define DMAEMU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"

struct dev_host; /* the daemon's side of one device */
struct dev_params;
struct dev_timer;

enum dev_bar_kind { DEV_BAR_MEMORY = 0, DEV_BAR_IO = 1 };

#define DEV_MAX_BARS 6

/* What the device reports to a driver: PCI ids and resources, in BAR order. */
struct dev_identity {
    uint16_t vendor_id, device_id;
    uint8_t revision;
    unsigned bar_count;
    struct {
        enum dev_bar_kind kind;
        uint64_t size;
    } bars[DEV_MAX_BARS];
    unsigned irq_lines; /* level-triggered INTx lines */
};

/* Results of register accesses. */
enum dev_access_status {
    DEV_OK = 0,
    DEV_E_RANGE = -1,   /* offset outside the BAR, or no such BAR */
    DEV_E_WIDTH = -2,   /* width not 1/2/4/8, or not allowed there */
    DEV_E_REFUSED = -3, /* e.g. port I/O the model does not serve */
};

/* A side-effect-free register snapshot, filled by the model's snapshot(). */
struct dev_reg_field {
    const char *name;
    uint64_t value;
    const char *meaning; /* may be NULL */
};

#define DEV_REG_MAX_FIELDS 16

struct dev_reg {
    const char *name;
    unsigned bar;
    uint64_t offset;
    unsigned width;
    uint64_t value;
    unsigned field_count;
    struct dev_reg_field fields[DEV_REG_MAX_FIELDS];
};

struct dev_regs {
    unsigned count;
    unsigned cap;
    struct dev_reg *regs;
};

/* Appends a register to a snapshot; returns it for fields, or NULL when out of memory. */
struct dev_reg *dev_regs_add(struct dev_regs *r, const char *name, unsigned bar, uint64_t offset,
                             unsigned width, uint64_t value);
void dev_reg_field(struct dev_reg *reg, const char *name, uint64_t value, const char *meaning);

/* The model's operations. */
struct dev_model {
    const char *name;
    const char *summary;
    /* Reads its configuration from params (every key must be consumed, see dev_params_*). */
    int (*create)(struct dev_host *host, struct dev_params *params, void **state);
    void (*destroy)(void *state);
    void (*identify)(void *state, struct dev_identity *id);
    int (*mmio_read)(void *state, unsigned bar, uint64_t offset, unsigned width, uint64_t *value);
    int (*mmio_write)(void *state, unsigned bar, uint64_t offset, unsigned width, uint64_t value);
    /* The owning driver went away: back to power-on state (the model decides what survives). */
    void (*reset)(void *state);
    /* Appends decoded registers without changing any device state. */
    int (*snapshot)(void *state, struct dev_regs *out);
};

/* Configuration ------------------------------------------------------------------------------ */

/*
 * Each getter consumes one key of the device's config section; a missing key leaves *out at
 * def. On a bad value they return -1 after recording an error naming the key and its line.
 * Keys no getter consumed are reported as unknown once create() returns.
 */
int dev_params_u64(struct dev_params *p, const char *key, uint64_t def, uint64_t min, uint64_t max,
                   uint64_t *out);
/* Sizes accept K/M/G suffixes (powers of 1024); rates accept the same per second. */
int dev_params_size(struct dev_params *p, const char *key, uint64_t def, uint64_t min, uint64_t max,
                    uint64_t *out);
/* Durations accept ns, us, ms and s suffixes; the result is in nanoseconds. */
int dev_params_duration(struct dev_params *p, const char *key, uint64_t def, uint64_t max,
                        uint64_t *out);
/* For model-specific checks: records "key: message" against the key's line. */
void dev_params_error(struct dev_params *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* DMA ------------------------------------------------------------------------------------------ */

enum dev_dma_dir {
    DEV_DMA_FROM_HOST = 0, /* the device reads host memory into buf */
    DEV_DMA_TO_HOST = 1,   /* the device writes buf into host memory */
};

enum dev_dma_result {
    DEV_DMA_DONE = 0,
    DEV_DMA_FAULT = -1, /* master abort: nothing was transferred, fault_addr names the address */
};

/*
 * One device DMA operation, owned by the model until done() runs. done() is never called from
 * inside dev_dma_submit(), and never after dev_dma_cancel_all().
 */
struct dev_dma {
    uint64_t bus_addr;
    uint8_t *buf;
    uint32_t len;
    enum dev_dma_dir dir;
    void (*done)(struct dev_dma *op, int result);
    void *arg;
    uint64_t fault_addr;
    /* Private to the DMA service. */
    struct dev_host *host;
    struct dev_dma *next;
    uint32_t progress; /* bytes moved so far */
    uint32_t issued;   /* remote: bytes requested so far */
    unsigned pending;  /* remote: requests in flight */
    bool queued;       /* on the run queue */
    bool failed;
};

void dev_dma_submit(struct dev_host *h, struct dev_dma *op);
/* Drops one operation (if it has not completed); its done() never runs. */
void dev_dma_cancel(struct dev_dma *op);
/* Drops every operation of this device that has not completed; their done() never runs. */
void dev_dma_cancel_all(struct dev_host *h);

/* Interrupts, timers, time, recording --------------------------------------------------------- */

/* Sets an INTx line's level; only changes reach the driver and the recorder. */
void dev_irq_set(struct dev_host *h, unsigned line, bool asserted);

typedef void (*dev_timer_fn)(void *arg);
struct dev_timer *dev_timer_create(struct dev_host *h, dev_timer_fn fn, void *arg);
/* (Re)arms the timer; 0 runs it on the next loop iteration, never synchronously. */
void dev_timer_start(struct dev_timer *t, uint64_t delay_ns);
void dev_timer_stop(struct dev_timer *t);
void dev_timer_destroy(struct dev_timer *t);

uint64_t dev_now_ns(const struct dev_host *h);
const char *dev_name(const struct dev_host *h);
/* Stamps the event with this device and the current owner session, then records it. */
void dev_record(struct dev_host *h, struct rec_event *e);

#endif
