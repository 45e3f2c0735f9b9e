/* io.c: application I/O: an application's open/read/write/ioctl, and a driver's side of it. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct dmaemu_file {
    dmaemu_t *c;
    uint64_t handle;
};

int dmaemu_open(dmaemu_t *c, const char *device, dmaemu_file_t **out)
{
    Dmaemu__IoOpen m = DMAEMU__IO_OPEN__INIT;
    m.device = (char *)device;
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_IO_OPEN, &m.base, DMAEMU__MSG_TYPE__MSG_IO_OPEN_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    dmaemu_file_t *f = malloc(sizeof(*f));
    if (f == NULL) {
        msg_free(reply);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    f->c = c;
    f->handle = ((Dmaemu__IoOpenReply *)reply)->handle;
    msg_free(reply);
    *out = f;
    return 0;
}

int dmaemu_file_close(dmaemu_file_t *f)
{
    if (f == NULL)
        return 0;
    Dmaemu__IoClose m = DMAEMU__IO_CLOSE__INIT;
    m.handle = f->handle;
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_IO_CLOSE, &m.base, DMAEMU__MSG_TYPE__MSG_OK);
    int rc = conn_call(f->c, &call, NULL, NULL);
    free(f);
    return rc == DMAEMU_E_DISCONNECTED ? 0 : rc;
}

/* One request, described once for the synchronous and asynchronous paths. */
struct io_args {
    Dmaemu__IoRequest m;
    struct call call;
};

static void io_args_init(struct io_args *a, dmaemu_file_t *f, Dmaemu__IoType type, uint32_t length,
                         const void *data, size_t data_len, void *rx, size_t rx_cap)
{
    dmaemu__io_request__init(&a->m);
    a->m.handle = f->handle;
    a->m.type = type;
    a->m.length = length;
    /* Direct I/O MDLs keep the application buffer's page offset, as on Windows. */
    a->m.page_offset = (uint32_t)((uintptr_t)(data != NULL ? data : rx) & 4095);
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_IO_REQUEST, &a->m.base, DMAEMU__MSG_TYPE__MSG_IO_COMPLETE);
    call.data = data;
    call.data_len = data_len;
    call.rx_buf = rx;
    call.rx_cap = rx_cap;
    a->call = call;
}

static int io_check_length(size_t len)
{
    if (len > UINT32_MAX)
        return dmaemu_fail(DMAEMU_E_INVALID, "requests are limited to 4 GiB - 1 bytes");
    return 0;
}

static void io_result(const ProtobufCMessage *reply, size_t rx_len, struct dmaemu_io_result *res)
{
    const Dmaemu__IoComplete *c = (const Dmaemu__IoComplete *)reply;
    res->status = c->status;
    res->information = c->information;
    res->number = c->number;
    res->data_len = rx_len;
}

static int io_sync(dmaemu_file_t *f, struct io_args *a, struct dmaemu_io_result *res)
{
    ProtobufCMessage *reply;
    size_t rx_len;
    int rc = conn_call(f->c, &a->call, &reply, &rx_len);
    if (rc < 0)
        return rc;
    struct dmaemu_io_result ignored;
    io_result(reply, rx_len, res ? res : &ignored);
    msg_free(reply);
    return 0;
}

int dmaemu_read(dmaemu_file_t *f, uint64_t offset, void *buf, size_t len,
                struct dmaemu_io_result *res)
{
    struct io_args a;
    if (io_check_length(len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_READ, (uint32_t)len, NULL, 0, buf, len);
    a.m.offset = offset;
    return io_sync(f, &a, res);
}

int dmaemu_write(dmaemu_file_t *f, uint64_t offset, const void *buf, size_t len,
                 struct dmaemu_io_result *res)
{
    struct io_args a;
    if (io_check_length(len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_WRITE, (uint32_t)len, buf, len, NULL, 0);
    a.m.offset = offset;
    return io_sync(f, &a, res);
}

int dmaemu_ioctl(dmaemu_file_t *f, uint32_t code, const void *in, size_t in_len, void *out,
                 size_t out_len, struct dmaemu_io_result *res)
{
    struct io_args a;
    if (io_check_length(in_len) < 0 || io_check_length(out_len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_IOCTL, (uint32_t)out_len, in, in_len, out, out_len);
    a.m.ioctl_code = code;
    return io_sync(f, &a, res);
}

/* Asynchronous requests ----------------------------------------------------------------------- */

struct io_async {
    struct waiter w; /* first: the event thread hands back the waiter */
    dmaemu_io_done_fn done;
    void *arg;
};

static void io_async_reply(struct waiter *w)
{
    struct io_async *a = (struct io_async *)w;
    struct dmaemu_io_result res = {0};
    int rc = w->error;
    if (rc == 0 && (w->type != DMAEMU__MSG_TYPE__MSG_IO_COMPLETE || w->msg == NULL))
        rc = DMAEMU_E_PROTOCOL;
    if (rc == 0)
        io_result(w->msg, w->rx_len, &res);
    a->done(a->arg, rc, &res);
    msg_free(w->msg);
    free(a);
}

static int io_async(dmaemu_file_t *f, struct io_args *args, dmaemu_io_done_fn done, void *arg)
{
    struct io_async *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    a->w.on_reply = io_async_reply;
    a->w.rx_buf = args->call.rx_buf;
    a->w.rx_cap = args->call.rx_cap;
    a->done = done;
    a->arg = arg;
    int rc = conn_call_async(f->c, &args->call, &a->w);
    if (rc < 0)
        free(a);
    return rc;
}

int dmaemu_read_async(dmaemu_file_t *f, uint64_t offset, void *buf, size_t len,
                      dmaemu_io_done_fn done, void *arg)
{
    struct io_args a;
    if (io_check_length(len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_READ, (uint32_t)len, NULL, 0, buf, len);
    a.m.offset = offset;
    return io_async(f, &a, done, arg);
}

int dmaemu_write_async(dmaemu_file_t *f, uint64_t offset, const void *buf, size_t len,
                       dmaemu_io_done_fn done, void *arg)
{
    struct io_args a;
    if (io_check_length(len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_WRITE, (uint32_t)len, buf, len, NULL, 0);
    a.m.offset = offset;
    return io_async(f, &a, done, arg);
}

int dmaemu_ioctl_async(dmaemu_file_t *f, uint32_t code, const void *in, size_t in_len, void *out,
                       size_t out_len, dmaemu_io_done_fn done, void *arg)
{
    struct io_args a;
    if (io_check_length(in_len) < 0 || io_check_length(out_len) < 0)
        return DMAEMU_E_INVALID;
    io_args_init(&a, f, DMAEMU__IO_TYPE__IO_IOCTL, (uint32_t)out_len, in, in_len, out, out_len);
    a.m.ioctl_code = code;
    return io_async(f, &a, done, arg);
}

/* The driver's side --------------------------------------------------------------------------- */

void dmaemu_set_io_handlers(dmaemu_t *c, const struct dmaemu_io_handlers *h)
{
    pthread_mutex_lock(&c->lock);
    if (h != NULL)
        c->io = *h;
    else
        memset(&c->io, 0, sizeof(c->io));
    pthread_mutex_unlock(&c->lock);
}

/* A driver with no handler still answers, so the application is never left waiting. */
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)

void io_serve_request(dmaemu_t *c, const struct frame *f, const Dmaemu__IoRequest *m)
{
    pthread_mutex_lock(&c->lock);
    struct dmaemu_io_handlers h = c->io;
    pthread_mutex_unlock(&c->lock);
    if (h.request == NULL) {
        dmaemu_io_complete(c, f->h.request_id, STATUS_INVALID_DEVICE_REQUEST, 0, NULL, 0);
        return;
    }
    struct dmaemu_io_request req = {
        .token = f->h.request_id,
        .number = m->number,
        .type = (enum dmaemu_io_type)m->type,
        .length = m->length,
        .ioctl_code = m->ioctl_code,
        .offset = m->offset,
        .page_offset = m->page_offset,
        .data = f->data,
        .data_len = f->h.data_len,
    };
    h.request(h.arg, &req);
}

void io_serve_cancel(dmaemu_t *c, const Dmaemu__IoCancel *m)
{
    pthread_mutex_lock(&c->lock);
    struct dmaemu_io_handlers h = c->io;
    pthread_mutex_unlock(&c->lock);
    if (h.cancel != NULL)
        h.cancel(h.arg, m->number);
}

int dmaemu_io_complete(dmaemu_t *c, uint32_t token, int32_t status, uint64_t information,
                       const void *data, size_t data_len)
{
    if (!c->connected)
        return dmaemu_fail(DMAEMU_E_DISCONNECTED, "not connected to the daemon");
    Dmaemu__IoComplete m = DMAEMU__IO_COMPLETE__INIT;
    m.status = status;
    m.information = information;
    conn_reply(c, DMAEMU__MSG_TYPE__MSG_IO_COMPLETE, token, &m.base, data, data_len);
    return 0;
}

void io_serve_dma_notify(dmaemu_t *c, const Dmaemu__DmaNotify *m)
{
    pthread_mutex_lock(&c->lock);
    dmaemu_dma_notify_fn fn = c->dma_notify_fn;
    void *arg = c->dma_notify_arg;
    pthread_mutex_unlock(&c->lock);
    if (fn != NULL)
        fn(arg, m->bus_addr, m->length, m->to_host, m->faulted, m->fault_addr);
}

/* Driver reports ------------------------------------------------------------------------------ */

static char *or_empty(const char *s)
{
    return (char *)(s ? s : "");
}

static int report_event(dmaemu_t *c, const struct dmaemu_driver_event *e, bool batched)
{
    Dmaemu__DriverEvent m = DMAEMU__DRIVER_EVENT__INIT;
    Dmaemu__SgElement *elems = calloc(e->sg_count ? e->sg_count : 1, sizeof(*elems));
    Dmaemu__SgElement **ptrs = calloc(e->sg_count ? e->sg_count : 1, sizeof(*ptrs));
    if (elems == NULL || ptrs == NULL) {
        free(elems);
        free(ptrs);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    for (unsigned i = 0; i < e->sg_count; i++) {
        dmaemu__sg_element__init(&elems[i]);
        elems[i].address = e->sg_addr[i];
        elems[i].length = e->sg_len[i];
        ptrs[i] = &elems[i];
    }
    m.kind = or_empty(e->kind);
    m.phase = or_empty(e->phase);
    m.text = or_empty(e->text);
    m.callback = or_empty(e->callback);
    m.direction = or_empty(e->direction);
    m.request = e->request;
    m.transaction = e->transaction;
    m.transfer = e->transfer;
    m.status = e->status;
    m.length = e->length;
    m.bytes = e->bytes;
    m.code = e->code;
    m.sg = ptrs;
    m.n_sg = e->sg_count;
    m.params = (uint64_t *)e->params;
    m.n_params = e->param_count;
    int rc = batched ? conn_post_batched(c, DMAEMU__MSG_TYPE__MSG_DRIVER_EVENT, &m.base)
                     : conn_post(c, DMAEMU__MSG_TYPE__MSG_DRIVER_EVENT, &m.base);
    free(elems);
    free(ptrs);
    return rc;
}

int dmaemu_report_event(dmaemu_t *c, const struct dmaemu_driver_event *e)
{
    return report_event(c, e, false);
}

int dmaemu_report_event_batched(dmaemu_t *c, const struct dmaemu_driver_event *e)
{
    return report_event(c, e, true);
}

int dmaemu_flush(dmaemu_t *c)
{
    return conn_flush_batch(c);
}
