/*
 * queue.c: I/O queues: routing each application request to a queue and dispatching it to the
 * driver's EvtIoRead/Write/DeviceControl on the passive thread, sequentially or in parallel,
 * under the callback lock the synchronization scope calls for.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue_internal.h"

#define QUEUE(h, api) SHIM_CHECK(h, SHIM_QUEUE, struct shim_queue, api)

static void queue_teardown(struct shim_object *o)
{
    struct shim_queue *q = (struct shim_queue *)o;
    struct shim_device *d = q->device;
    for (struct shim_queue **pp = &d->queues; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    }
    if (d->default_queue == q)
        d->default_queue = NULL;
    if (d->read_queue == q)
        d->read_queue = NULL;
    if (d->write_queue == q)
        d->write_queue = NULL;
    if (d->ioctl_queue == q)
        d->ioctl_queue = NULL;
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->callback_lock);
    free(q);
}

NTSTATUS WdfIoQueueCreate(WDFDEVICE Device, PWDF_IO_QUEUE_CONFIG Config,
                          PWDF_OBJECT_ATTRIBUTES QueueAttributes, WDFQUEUE *Queue)
{
    struct shim_device *d = SHIM_CHECK(Device, SHIM_DEVICE, struct shim_device, "WdfIoQueueCreate");
    if (d == NULL || Config == NULL || !shim_irql_at_most(DISPATCH_LEVEL, "WdfIoQueueCreate"))
        return STATUS_INVALID_PARAMETER;
    if (Config->DefaultQueue && d->default_queue != NULL)
        return STATUS_WDF_BUSY; /* KMDF allows one default queue */
    struct shim_queue *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    q->config = *Config;
    q->device = d;
    pthread_mutex_init(&q->lock, NULL);
    pthread_mutex_init(&q->callback_lock, NULL);
    NTSTATUS st = shim_object_init(&q->obj, SHIM_QUEUE, QueueAttributes, &d->obj, queue_teardown);
    if (!NT_SUCCESS(st)) {
        free(q);
        return st;
    }
    q->next = d->queues;
    d->queues = q;
    if (Config->DefaultQueue)
        d->default_queue = q;
    if (Queue != NULL)
        *Queue = (WDFQUEUE)q;
    return STATUS_SUCCESS;
}

NTSTATUS WdfDeviceConfigureRequestDispatching(WDFDEVICE Device, WDFQUEUE Queue,
                                              WDF_REQUEST_TYPE RequestType)
{
    struct shim_device *d =
        SHIM_CHECK(Device, SHIM_DEVICE, struct shim_device, "WdfDeviceConfigureRequestDispatching");
    struct shim_queue *q = QUEUE(Queue, "WdfDeviceConfigureRequestDispatching");
    if (d == NULL || q == NULL)
        return STATUS_INVALID_PARAMETER;
    switch (RequestType) {
    case WdfRequestTypeRead: d->read_queue = q; break;
    case WdfRequestTypeWrite: d->write_queue = q; break;
    case WdfRequestTypeDeviceControl: d->ioctl_queue = q; break;
    default: return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

WDFDEVICE WdfIoQueueGetDevice(WDFQUEUE Queue)
{
    struct shim_queue *q = QUEUE(Queue, "WdfIoQueueGetDevice");
    return q ? (WDFDEVICE)q->device : NULL;
}

/* Routing ------------------------------------------------------------------------------------ */

static bool queue_handles(const struct shim_queue *q, enum dmaemu_io_type type)
{
    if (q == NULL)
        return false;
    if (q->config.EvtIoDefault != NULL)
        return true;
    switch (type) {
    case DMAEMU_IO_READ: return q->config.EvtIoRead != NULL;
    case DMAEMU_IO_WRITE: return q->config.EvtIoWrite != NULL;
    case DMAEMU_IO_IOCTL: return q->config.EvtIoDeviceControl != NULL;
    }
    return false;
}

static struct shim_queue *queue_for(struct shim_device *d, enum dmaemu_io_type type)
{
    struct shim_queue *q = type == DMAEMU_IO_READ    ? d->read_queue
                           : type == DMAEMU_IO_WRITE ? d->write_queue
                                                     : d->ioctl_queue;
    if (queue_handles(q, type))
        return q;
    return queue_handles(d->default_queue, type) ? d->default_queue : NULL;
}

/* Dispatch (passive thread) -------------------------------------------------------------------- */

static pthread_mutex_t *queue_sync_lock(struct shim_queue *q)
{
    WDF_SYNCHRONIZATION_SCOPE scope = q->obj.sync_scope;
    if (scope == WdfSynchronizationScopeInheritFromParent)
        scope = q->device->obj.sync_scope;
    if (scope == WdfSynchronizationScopeDevice)
        return &q->device->callback_lock;
    if (scope == WdfSynchronizationScopeQueue)
        return &q->callback_lock;
    return NULL;
}

static void queue_invoke(struct shim_queue *q, struct shim_request *r)
{
    WDFQUEUE qh = (WDFQUEUE)q;
    WDFREQUEST rh = (WDFREQUEST)r;
    const WDF_IO_QUEUE_CONFIG *c = &q->config;
    pthread_mutex_t *lock = queue_sync_lock(q);
    if (lock)
        pthread_mutex_lock(lock);
    if (r->type == DMAEMU_IO_READ && c->EvtIoRead)
        SHIM_CALL("EvtIoRead", c->EvtIoRead(qh, rh, r->length));
    else if (r->type == DMAEMU_IO_WRITE && c->EvtIoWrite)
        SHIM_CALL("EvtIoWrite", c->EvtIoWrite(qh, rh, r->mdl.mdl.ByteCount));
    else if (r->type == DMAEMU_IO_IOCTL && c->EvtIoDeviceControl)
        SHIM_CALL("EvtIoDeviceControl",
                  c->EvtIoDeviceControl(qh, rh, r->length, r->in_length, r->ioctl_code));
    else
        SHIM_CALL("EvtIoDefault", c->EvtIoDefault(qh, rh));
    if (lock)
        pthread_mutex_unlock(lock);
}

/* Takes the next request the dispatch type allows, or NULL. Called with q->lock held. */
static struct shim_request *queue_take(struct shim_queue *q)
{
    if (!q->device->started || q->pending == NULL)
        return NULL;
    if (q->config.DispatchType == WdfIoQueueDispatchSequential && q->in_flight > 0)
        return NULL;
    if (q->config.DispatchType == WdfIoQueueDispatchManual)
        return NULL;
    struct shim_request *r = q->pending;
    q->pending = r->next;
    if (q->pending == NULL)
        q->pending_tail = NULL;
    q->in_flight++;
    r->dispatched = true;
    r->inflight_next = q->inflight;
    q->inflight = r;
    return r;
}

static void queue_dispatch(void *arg)
{
    struct shim_queue *q = arg;
    pthread_mutex_lock(&q->lock);
    q->dispatch_posted = false;
    struct shim_request *r;
    while ((r = queue_take(q)) != NULL) {
        pthread_mutex_unlock(&q->lock);
        struct dmaemu_driver_event e = {
            .kind = "request", .phase = "dispatched", .request = r->number, .length = r->length};
        shim_report(&e);
        queue_invoke(q, r);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
}

static void queue_schedule(struct shim_queue *q)
{
    pthread_mutex_lock(&q->lock);
    bool post = !q->dispatch_posted;
    q->dispatch_posted = true;
    pthread_mutex_unlock(&q->lock);
    if (post)
        shim_post_passive(queue_dispatch, q);
}

void shim_queue_request_done(struct shim_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->in_flight--;
    /* Only a request held back by the one that completed needs a dispatch: waking the passive
     * thread to find nothing was a context switch per completed request. */
    bool waiting = q->pending != NULL;
    pthread_mutex_unlock(&q->lock);
    if (waiting)
        queue_schedule(q);
}

/* Requests arrive (event thread) ----------------------------------------------------------------
 */

/* A request as the event thread received it, carried to the passive thread: building it needs
 * DMA memory, whose mapping is a synchronous call the event thread must not make. */
struct arrival {
    struct dmaemu_io_request req;
    uint8_t data[];
};

static void queue_admit(void *arg)
{
    struct arrival *a = arg;
    const struct dmaemu_io_request *req = &a->req;
    struct shim_device *d = shim.device;
    struct shim_queue *q = d ? queue_for(d, req->type) : NULL;
    struct shim_request *r = q ? shim_request_create(q, req) : NULL;
    if (q == NULL)
        dmaemu_io_complete(shim.conn, req->token, STATUS_INVALID_DEVICE_REQUEST, 0, NULL, 0);
    else if (r == NULL)
        dmaemu_io_complete(shim.conn, req->token, STATUS_INSUFFICIENT_RESOURCES, 0, NULL, 0);
    free(a);
    if (r == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    if (q->pending_tail)
        q->pending_tail->next = r;
    else
        q->pending = r;
    q->pending_tail = r;
    pthread_mutex_unlock(&q->lock);
    queue_dispatch(q);
}

void shim_io_request(void *arg, const struct dmaemu_io_request *req)
{
    size_t len = req->type == DMAEMU_IO_WRITE ? req->data_len : req->length;
    if (len == 0 && req->type != DMAEMU_IO_IOCTL) {
        /* KMDF completes zero-length reads and writes itself, without dispatching them. */
        dmaemu_io_complete(shim.conn, req->token, STATUS_SUCCESS, 0, NULL, 0);
        return;
    }
    struct arrival *a = malloc(sizeof(*a) + req->data_len);
    if (a == NULL) {
        dmaemu_io_complete(shim.conn, req->token, STATUS_INSUFFICIENT_RESOURCES, 0, NULL, 0);
        return;
    }
    a->req = *req;
    memcpy(a->data, req->data, req->data_len);
    a->req.data = a->data;
    shim_post_passive(queue_admit, a);
}

/* The application went away: a request not yet dispatched is dropped now; a dispatched one
 * completes normally and the daemon discards the result. */
struct cancel_work {
    uint64_t number;
};

static void queue_cancel_pending(void *arg)
{
    struct cancel_work *w = arg;
    for (struct shim_queue *q = shim.device ? shim.device->queues : NULL; q; q = q->next) {
        pthread_mutex_lock(&q->lock);
        struct shim_request **pp = &q->pending, *found = NULL, *prev = NULL;
        for (; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
            if ((*pp)->number == w->number) {
                found = *pp;
                *pp = found->next;
                if (q->pending_tail == found)
                    q->pending_tail = prev;
                break;
            }
        }
        pthread_mutex_unlock(&q->lock);
        if (found != NULL)
            shim_request_finish(found, STATUS_CANCELLED);
    }
    free(w);
}

void shim_io_cancel(void *arg, uint64_t number)
{
    struct cancel_work *w = malloc(sizeof(*w));
    if (w == NULL)
        return;
    w->number = number;
    shim_post_passive(queue_cancel_pending, w);
}

/* Power --------------------------------------------------------------------------------------- */

void shim_queues_start(struct shim_device *d)
{
    d->started = true;
    for (struct shim_queue *q = d->queues; q != NULL; q = q->next)
        queue_schedule(q);
}

static unsigned queues_in_flight(struct shim_device *d)
{
    unsigned n = 0;
    for (struct shim_queue *q = d->queues; q != NULL; q = q->next) {
        pthread_mutex_lock(&q->lock);
        n += q->in_flight;
        pthread_mutex_unlock(&q->lock);
    }
    return n;
}

/* Calls EvtIoStop for each request the driver holds; a reference keeps each alive even if the
 * DPC completes it meanwhile. */
static void queue_stop_inflight(struct shim_queue *q)
{
    struct shim_request *held[256];
    unsigned n = 0;
    pthread_mutex_lock(&q->lock);
    for (struct shim_request *r = q->inflight; r != NULL && n < 256; r = r->inflight_next) {
        atomic_fetch_add(&r->refs, 1);
        held[n++] = r;
    }
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < n; i++) {
        if (!atomic_load(&held[i]->completed))
            SHIM_CALL("EvtIoStop", q->config.EvtIoStop((WDFQUEUE)q, (WDFREQUEST)held[i],
                                                       WdfRequestStopActionPurge));
        shim_request_unref(held[i]);
    }
}

/* What the driver still holds after the grace period is cancelled by the framework, so the
 * application gets an answer and nothing outlives the device. */
static void queue_cancel_held(struct shim_queue *q)
{
    for (;;) {
        pthread_mutex_lock(&q->lock);
        struct shim_request *r = q->inflight;
        pthread_mutex_unlock(&q->lock);
        if (r == NULL)
            return;
        if (atomic_load(&r->completed)) { /* a late completion is leaving the list */
            shim_flush();
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        shim_log("request %llu was never completed by the driver; cancelled at power-down",
                 (unsigned long long)r->number);
        r->transaction = NULL;
        shim_request_finish(r, STATUS_CANCELLED);
    }
}

/* Power-down: pending requests are cancelled; requests the driver holds get EvtIoStop and a
 * few seconds to complete. */
void shim_queues_stop(struct shim_device *d)
{
    d->started = false;
    for (struct shim_queue *q = d->queues; q != NULL; q = q->next) {
        pthread_mutex_lock(&q->lock);
        struct shim_request *r = q->pending;
        q->pending = q->pending_tail = NULL;
        pthread_mutex_unlock(&q->lock);
        while (r != NULL) {
            struct shim_request *next = r->next;
            shim_request_finish(r, STATUS_CANCELLED);
            r = next;
        }
    }
    for (struct shim_queue *q = d->queues; q != NULL; q = q->next)
        if (q->config.EvtIoStop != NULL)
            queue_stop_inflight(q);
    for (int i = 0; i < 300 && queues_in_flight(d) > 0; i++) {
        shim_flush(); /* EvtIoStop may have written registers */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL); /* completions come from the DPC thread */
    }
    for (struct shim_queue *q = d->queues; q != NULL; q = q->next)
        queue_cancel_held(q);
}
