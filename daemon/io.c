/* io.c: routes application reads, writes and IOCTLs to drivers and completions back. */
#include "io.h"

#include <inttypes.h>
#include <stdlib.h>

#include "device.h"
#include "recorder.h"

/* NTSTATUS values the daemon itself completes requests with. */
#define STATUS_DEVICE_NOT_CONNECTED ((int32_t)0xC000009D)
#define STATUS_DEVICE_REMOVED       ((int32_t)0xC00002B6)
#define STATUS_UNSUCCESSFUL         ((int32_t)0xC0000001)

struct io_handle {
    struct io_handle *next;
    uint64_t handle;
    struct dev_host *device;
};

struct io_request {
    struct io_request *next, *prev;
    uint64_t number;
    const char *device;
    const char *type;
    uint64_t app_session;
    struct session *app; /* NULL once the application went away */
    uint32_t app_id;
    struct session *driver;
    uint32_t driver_id;
    uint32_t length;
};

static struct io_request *io_requests; /* in flight, all devices */
static uint64_t io_next_number;

static void io_unlink(struct io_request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        io_requests = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

static void io_link(struct io_request *r)
{
    r->prev = NULL;
    r->next = io_requests;
    if (io_requests)
        io_requests->prev = r;
    io_requests = r;
}

static const char *const io_type_names[] = {"read", "write", "ioctl"};

static void io_record(const char *device, uint64_t number, bool completed, const char *type,
                      uint64_t app_session, uint64_t driver_session, int32_t status,
                      uint64_t information, const Dmaemu__IoRequest *m)
{
    struct rec_event e = {.kind = REC_REQUEST, .device = device, .session = app_session};
    e.request.number = number;
    e.request.completed = completed;
    e.request.type = type;
    e.request.app_session = app_session;
    e.request.driver_session = driver_session;
    e.request.status = status;
    e.request.information = information;
    if (m != NULL) {
        e.request.length = m->length;
        e.request.offset = m->offset;
        e.request.ioctl_code = m->ioctl_code;
    }
    recorder_emit(&e);
}

/* Answers the application (if still there) and forgets the request. */
static void io_finish(struct io_request *r, int32_t status, uint64_t information, const void *data,
                      size_t data_len)
{
    io_unlink(r);
    io_record(r->device, r->number, true, r->type, r->app_session, r->driver ? r->driver->id : 0,
              status, information, NULL);
    if (r->app != NULL) {
        Dmaemu__IoComplete c = DMAEMU__IO_COMPLETE__INIT;
        c.status = status;
        c.information = information;
        c.number = r->number;
        session_send(r->app, DMAEMU__MSG_TYPE__MSG_IO_COMPLETE, FRAME_REPLY, r->app_id, &c.base,
                     data, data_len);
        r->app->io_inflight--;
    }
    free(r);
}

static void io_complete_now(struct session *s, uint32_t id, int32_t status, uint64_t number)
{
    Dmaemu__IoComplete c = DMAEMU__IO_COMPLETE__INIT;
    c.status = status;
    c.number = number;
    session_send(s, DMAEMU__MSG_TYPE__MSG_IO_COMPLETE, FRAME_REPLY, id, &c.base, NULL, 0);
}

/* Handles -------------------------------------------------------------------------------------- */

HANDLER(io_open_request)
{
    const Dmaemu__IoOpen *m = (const Dmaemu__IoOpen *)msg;
    struct dev_host *d = device_find(m->device);
    struct io_handle *h = d ? malloc(sizeof(*h)) : NULL;
    if (d == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_DEVICE,
                      "no device named '%.64s' ('dmaemu devices' lists them)", m->device);
        return;
    }
    if (h == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "out of memory");
        return;
    }
    h->handle = ++s->io_next_handle;
    h->device = d;
    h->next = s->io_handles;
    s->io_handles = h;
    Dmaemu__IoOpenReply r = DMAEMU__IO_OPEN_REPLY__INIT;
    r.handle = h->handle;
    session_send(s, DMAEMU__MSG_TYPE__MSG_IO_OPEN_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
}

HANDLER(io_close_request)
{
    const Dmaemu__IoClose *m = (const Dmaemu__IoClose *)msg;
    for (struct io_handle **pp = &s->io_handles; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->handle == m->handle) {
            struct io_handle *h = *pp;
            *pp = h->next;
            free(h);
            session_ok(s, id);
            return;
        }
    }
    session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "no open handle %" PRIu64, m->handle);
}

static struct dev_host *io_handle_device(struct session *s, uint64_t handle)
{
    for (struct io_handle *h = s->io_handles; h != NULL; h = h->next)
        if (h->handle == handle)
            return h->device;
    return NULL;
}

/* Requests ------------------------------------------------------------------------------------ */

static bool io_request_valid(struct session *s, uint32_t id, const Dmaemu__IoRequest *m,
                             const struct frame *f)
{
    const char *why = NULL;
    if (m->type == DMAEMU__IO_TYPE__IO_READ && f->h.data_len != 0)
        why = "a read carries no data";
    else if (m->type == DMAEMU__IO_TYPE__IO_WRITE && m->length != f->h.data_len)
        why = "a write's length must equal its data length";
    else if (m->type > DMAEMU__IO_TYPE__IO_IOCTL)
        why = "unknown request type";
    else if (m->length > s->conn.limits.max_data)
        why = "length exceeds the negotiated data limit; split the request";
    if (why != NULL)
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "%s", why);
    return why == NULL;
}

static void io_forward(struct io_request *r, const Dmaemu__IoRequest *m, const struct frame *f)
{
    Dmaemu__IoRequest fwd = *m;
    fwd.handle = 0;
    fwd.number = r->number;
    session_send(r->driver, DMAEMU__MSG_TYPE__MSG_IO_REQUEST, 0, r->driver_id, &fwd.base, f->data,
                 f->h.data_len);
}

HANDLER(io_submit_request)
{
    const Dmaemu__IoRequest *m = (const Dmaemu__IoRequest *)msg;
    struct dev_host *d = io_handle_device(s, m->handle);
    if (d == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                      "no open handle %" PRIu64 " (open the device first)", m->handle);
        return;
    }
    if (!io_request_valid(s, id, m, f))
        return;
    if (d->owner == NULL) {
        uint64_t number = ++io_next_number;
        const char *type = io_type_names[m->type];
        io_record(d->name, number, false, type, s->id, 0, 0, 0, m);
        io_record(d->name, number, true, type, s->id, 0, STATUS_DEVICE_NOT_CONNECTED, 0, NULL);
        io_complete_now(s, id, STATUS_DEVICE_NOT_CONNECTED, number);
        return;
    }
    uint32_t driver_max = d->owner->conn.limits.max_data;
    if (m->length > driver_max || f->h.data_len > driver_max) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_LIMIT,
                      "request of %u bytes exceeds the %u bytes %s's driver accepts per request",
                      m->length > f->h.data_len ? m->length : f->h.data_len, driver_max, d->name);
        return;
    }
    if (s->io_inflight >= IO_MAX_INFLIGHT_PER_APP) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_LIMIT,
                      "more than %d requests in flight; wait for completions",
                      IO_MAX_INFLIGHT_PER_APP);
        return;
    }
    struct io_request *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "out of memory");
        return;
    }
    r->number = ++io_next_number;
    r->app = s;
    r->app_id = id;
    r->driver = d->owner;
    r->driver_id = session_new_request_id(d->owner);
    r->length = m->length;
    r->device = d->name;
    r->type = io_type_names[m->type];
    r->app_session = s->id;
    s->io_inflight++;
    io_link(r);
    io_record(r->device, r->number, false, r->type, s->id, d->owner->id, 0, 0, m);
    io_forward(r, m, f);
}

bool io_on_reply(struct session *s, const struct frame *f)
{
    struct io_request *r = io_requests;
    while (r != NULL && !(r->driver == s && r->driver_id == f->h.request_id))
        r = r->next;
    if (r == NULL)
        return false;
    ProtobufCMessage *msg = f->h.type == DMAEMU__MSG_TYPE__MSG_IO_COMPLETE ? msg_decode(f) : NULL;
    if (msg == NULL) {
        /* An Error, or nonsense, from the driver: the application still gets an answer. */
        io_finish(r, STATUS_UNSUCCESSFUL, 0, NULL, 0);
        return true;
    }
    const Dmaemu__IoComplete *c = (const Dmaemu__IoComplete *)msg;
    size_t n = f->h.data_len < r->length ? f->h.data_len : r->length;
    io_finish(r, c->status, c->information, f->data, n);
    msg_free(msg);
    return true;
}

void io_driver_gone(struct session *s)
{
    struct io_request *r = io_requests;
    while (r != NULL) {
        struct io_request *next = r->next;
        if (r->driver == s)
            io_finish(r, STATUS_DEVICE_REMOVED, 0, NULL, 0);
        r = next;
    }
}

void io_session_closed(struct session *s)
{
    io_driver_gone(s);
    for (struct io_request *r = io_requests; r != NULL; r = r->next) {
        if (r->app != s)
            continue;
        r->app = NULL;
        Dmaemu__IoCancel c = DMAEMU__IO_CANCEL__INIT;
        c.number = r->number;
        session_send(r->driver, DMAEMU__MSG_TYPE__MSG_IO_CANCEL, 0, 0, &c.base, NULL, 0);
    }
    while (s->io_handles != NULL) {
        struct io_handle *h = s->io_handles;
        s->io_handles = h->next;
        free(h);
    }
}
