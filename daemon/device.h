/*
 * device.h: the device registry and the daemon's side of each device (struct dev_host).
 *
 * A device couples a model instance to at most one owning driver session. Interrupt levels
 * go to the owner; DMA goes through the owner's bus table (dma.c).
 */
#ifndef DMAEMU_DEVICE_H
#define DMAEMU_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "model.h"

struct session;

#define DEV_IRQ_LINES_MAX 32 /* irq_levels has a bit per line */

/* Running totals since the daemon started, for live rates (the dashboard divides deltas). */
struct dev_counters {
    uint64_t dma_ops;
    uint64_t dma_faults;
    uint64_t bytes_to_host;   /* the device wrote host memory */
    uint64_t bytes_from_host; /* the device read host memory */
    uint64_t irq_asserts;
};

struct dev_host {
    char name[64];
    const struct dev_model *model;
    void *state;
    struct dev_identity id;
    struct session *owner;
    uint32_t irq_levels; /* bit n: INTx line n asserted */
    /* Per line: when it last rose, and the number of its latest delivery to the owner (see
     * InterruptDone); numbers come from irq_deliveries. */
    uint64_t irq_raised_ns[DEV_IRQ_LINES_MAX];
    uint64_t irq_delivered[DEV_IRQ_LINES_MAX];
    uint64_t irq_deliveries;
    uv_loop_t *loop;
    uint64_t resets;
    struct dev_counters counters;
};

/* The models this daemon ships (devices/models.c). */
const struct dev_model *model_find(const char *name);
/* "plx9656, ..." for messages. */
const char *model_names(void);

/* Creates every configured device; on error -1 with the reason (file, line, key) in err. */
int devices_create(uv_loop_t *loop, struct config *cfg, char *err, size_t errlen);
void devices_destroy(void);

size_t device_count(void);
struct dev_host *device_at(size_t i);
struct dev_host *device_find(const char *name);

/* Makes s the owner; -1 when another session owns it. */
int device_attach(struct dev_host *d, struct session *s);
/* Drops the owner: in-flight DMA cancelled, model reset, reset recorded. */
void device_detach(struct dev_host *d, const char *reason);
/* The owner's ISRs ran for delivery `assertion` of line: a line still asserted, and not
 * delivered again since, is delivered again. */
void device_interrupt_done(struct dev_host *d, unsigned line, uint64_t assertion);

#endif
