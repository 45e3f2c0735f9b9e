/* queue_internal.h: queues and requests, shared by queue.c and request.c. */
#ifndef DMAEMU_SHIM_QUEUE_INTERNAL_H
#define DMAEMU_SHIM_QUEUE_INTERNAL_H

#include "shim.h"

/* An MDL the framework made, with the DMA buffer behind it. */
struct shim_mdl {
    MDL mdl;
    uint32_t magic;
    struct shim_dma_buffer *buf;
    uint64_t request_number; /* whose buffer it describes, for the history */
};

struct shim_request {
    struct shim_object obj;
    struct shim_request *next;          /* in its queue's pending list */
    struct shim_request *inflight_next; /* dispatched, not completed */
    atomic_int refs;                    /* the queue's, plus EvtIoStop's while it runs */
    atomic_bool completed;
    struct shim_queue *queue;
    uint32_t token;
    uint64_t number;
    enum dmaemu_io_type type;
    size_t length;    /* read length, IOCTL output length */
    size_t in_length; /* IOCTL input length */
    ULONG ioctl_code;
    unsigned method;
    uint64_t offset;
    size_t page_offset;
    struct shim_dma_buffer *buf, *out_buf;
    struct shim_mdl mdl, out_mdl;
    uint64_t information;
    struct shim_object *transaction; /* the DMA transaction holding it, if any */
    bool dispatched;
    bool cancelled; /* the application went away */
};

struct shim_queue {
    struct shim_object obj;
    struct shim_queue *next; /* the device's queues */
    struct shim_device *device;
    WDF_IO_QUEUE_CONFIG config;
    pthread_mutex_t callback_lock; /* SynchronizationScope=Queue */
    pthread_mutex_t lock;          /* pending list and counts */
    struct shim_request *pending, *pending_tail;
    struct shim_request *inflight;
    unsigned in_flight;
    bool dispatch_posted;
};

struct shim_request *shim_request_create(struct shim_queue *q, const struct dmaemu_io_request *req);
/* Completes toward the application, reports, frees, and lets the queue move on. */
void shim_request_finish(struct shim_request *r, NTSTATUS status);
void shim_request_unref(struct shim_request *r);

#endif
