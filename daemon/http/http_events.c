/*
 * http_events.c: /api/events, every recorder event as a server-sent event, live.
 *
 *   event: dma
 *   data: {"kind":"dma","time_ns":...,"device":"plx0","session":3,"dma":{...}}
 *
 * Each stream has one write in flight at a time; what the recorder emits meanwhile queues and
 * goes out as one write when libh2o asks for more, so a burst costs one write per client. A
 * client that lets more than EVENTS_MAX_BEHIND bytes queue up is dropped with a last comment
 * line; the daemon never buffers more than that for anyone. A comment every 15 s keeps idle
 * streams (and proxies) alive and finds clients that went away.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaemu.pb-c.h"
#include "http_internal.h"
#include "recorder.h"

#define EVENTS_MAX_CLIENTS   64
#define EVENTS_MAX_BEHIND    (1u << 20)
#define EVENTS_HEARTBEAT_MS  15000
#define EVENTS_DROPPED_TEXT  ": dropped: more than 1 MiB of events waited for this client\n\n"
#define EVENTS_SHUTDOWN_TEXT ": dmaemud is shutting down\n\n"

struct sse_client {
    h2o_generator_t gen; /* first: libh2o hands it back */
    h2o_req_t *req;
    struct sse_client *prev, *next;
    char *queue; /* not yet handed to libh2o */
    size_t queued, cap;
    char *inflight; /* handed to libh2o, until it calls proceed */
    bool sending;
    bool ending;    /* the queue holds the last words */
    bool in_send;   /* inside h2o_send */
    bool stopped;   /* libh2o stopped the stream during h2o_send */
    uint32_t kinds; /* bit k: the client wants events of rec_kind k */
};

static struct {
    struct sse_client *clients;
    unsigned count;
    uv_timer_t heartbeat;
    bool running;
} ev;

static void client_unlink(struct sse_client *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (ev.clients == c)
        ev.clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    ev.count--;
}

static void client_free(struct sse_client *c)
{
    free(c->queue);
    free(c->inflight);
    free(c);
}

/* Hands what is queued to libh2o unless a write is in flight. */
static void client_flush(struct sse_client *c)
{
    while (!c->in_send && !c->sending && (c->queued > 0 || c->ending)) {
        if (c->ending) {
            /* The last words live in the request's pool, which outlasts the final write. */
            h2o_req_t *req = c->req;
            h2o_iovec_t buf = h2o_strdup(&req->pool, c->queue, c->queued);
            client_unlink(c);
            client_free(c);
            h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
            return;
        }
        h2o_iovec_t buf = h2o_iovec_init(c->queue, c->queued);
        c->inflight = c->queue;
        c->queue = NULL;
        c->queued = c->cap = 0;
        c->sending = true;
        c->in_send = true;
        h2o_send(c->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
        c->in_send = false;
        if (c->stopped) {
            client_free(c);
            return;
        }
    }
}

static bool client_append(struct sse_client *c, const char *text, size_t len)
{
    if (c->queued + len > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->queued + len)
            cap *= 2;
        char *q = realloc(c->queue, cap);
        if (q == NULL)
            return false;
        c->queue = q;
        c->cap = cap;
    }
    memcpy(c->queue + c->queued, text, len);
    c->queued += len;
    return true;
}

/* Drops what is queued and ends the stream with comment. */
static void client_end(struct sse_client *c, const char *comment)
{
    if (c->ending)
        return;
    c->queued = 0;
    c->ending = true;
    client_append(c, comment, strlen(comment));
    client_flush(c);
}

static void client_push(struct sse_client *c, const char *text, size_t len)
{
    if (c->ending)
        return;
    if (c->queued + len > EVENTS_MAX_BEHIND || !client_append(c, text, len)) {
        client_end(c, EVENTS_DROPPED_TEXT);
        return;
    }
    client_flush(c);
}

/* Pushes text to every client that wants events of these kinds (a heartbeat: all of them). */
static void push_all(const char *text, size_t len, uint32_t kinds)
{
    struct sse_client *next;
    for (struct sse_client *c = ev.clients; c != NULL; c = next) {
        next = c->next;
        if (c->kinds & kinds)
            client_push(c, text, len);
    }
}

static bool anyone_wants(uint32_t kinds)
{
    for (const struct sse_client *c = ev.clients; c != NULL; c = c->next)
        if (c->kinds & kinds)
            return true;
    return false;
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sse_client *c = (struct sse_client *)gen;
    c->sending = false;
    free(c->inflight);
    c->inflight = NULL;
    client_flush(c);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sse_client *c = (struct sse_client *)gen;
    client_unlink(c);
    if (c->in_send)
        c->stopped = true;
    else
        client_free(c);
}

/* Events as JSON ------------------------------------------------------------------------------- */

static void set_int(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *driver_event_json(const Dmaemu__DriverEvent *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", http_json_text(d->kind));
    json_object_set_new(o, "phase", http_json_text(d->phase));
    set_int(o, "request", (int64_t)d->request);
    set_int(o, "transaction", (int64_t)d->transaction);
    set_int(o, "transfer", d->transfer);
    set_int(o, "status", d->status);
    set_int(o, "length", (int64_t)d->length);
    set_int(o, "bytes", (int64_t)d->bytes);
    set_int(o, "code", d->code);
    if (d->text != NULL && d->text[0] != '\0')
        json_object_set_new(o, "text", http_json_text(d->text));
    if (d->callback != NULL && d->callback[0] != '\0')
        json_object_set_new(o, "callback", http_json_text(d->callback));
    if (d->direction != NULL && d->direction[0] != '\0')
        json_object_set_new(o, "direction", http_json_text(d->direction));
    if (d->n_sg > 0) {
        json_t *sg = json_array();
        for (size_t i = 0; i < d->n_sg; i++)
            json_array_append_new(sg, json_pack("[I, I]", (json_int_t)d->sg[i]->address,
                                                (json_int_t)d->sg[i]->length));
        json_object_set_new(o, "sg", sg);
    }
    if (d->n_params > 0) {
        json_t *params = json_array();
        for (size_t i = 0; i < d->n_params; i++)
            json_array_append_new(params, json_integer((json_int_t)d->params[i]));
        json_object_set_new(o, "params", params);
    }
    return o;
}

static json_t *event_details(const struct rec_event *e)
{
    json_t *o = json_object();
    switch (e->kind) {
    case REC_SESSION_OPEN:
        json_object_set_new(o, "role", http_json_text(e->session_open.role));
        json_object_set_new(o, "name", http_json_text(e->session_open.name));
        json_object_set_new(o, "peer", http_json_text(e->session_open.peer));
        break;
    case REC_SESSION_CLOSE:
        json_object_set_new(o, "reason", http_json_text(e->session_close.reason));
        break;
    case REC_DEVICE_RESET: json_object_set_new(o, "reason", http_json_text(e->reset.reason)); break;
    case REC_AUTH_REFUSED:
        json_object_set_new(o, "peer", http_json_text(e->auth.peer));
        json_object_set_new(o, "reason", http_json_text(e->auth.reason));
        break;
    case REC_REGION_MAP:
    case REC_REGION_UNMAP:
        set_int(o, "bus_addr", (int64_t)e->region.bus_addr);
        set_int(o, "length", (int64_t)e->region.length);
        json_object_set_new(o, "read_only", json_boolean(e->region.read_only));
        json_object_set_new(o, "local", json_boolean(e->region.local));
        break;
    case REC_DMA:
        set_int(o, "channel", e->dma.channel);
        json_object_set_new(o, "to_host", json_boolean(e->dma.to_host));
        set_int(o, "bus_addr", (int64_t)e->dma.bus_addr);
        set_int(o, "local_addr", (int64_t)e->dma.local_addr);
        set_int(o, "length", (int64_t)e->dma.len);
        json_object_set_new(o, "purpose", http_json_text(e->dma.purpose));
        set_int(o, "result", e->dma.result);
        set_int(o, "duration_ns", (int64_t)(e->dma.end_ns - e->dma.start_ns));
        break;
    case REC_IRQ:
        set_int(o, "line", e->irq.line);
        json_object_set_new(o, "asserted", json_boolean(e->irq.asserted));
        break;
    case REC_FAULT:
        json_object_set_new(o, "what", http_json_text(e->fault.what));
        set_int(o, "addr", (int64_t)e->fault.addr);
        set_int(o, "channel", e->fault.channel);
        break;
    case REC_DRIVER_EVENT:
        json_decref(o);
        return e->driver != NULL ? driver_event_json(e->driver) : json_object();
    case REC_REQUEST:
        set_int(o, "number", (int64_t)e->request.number);
        json_object_set_new(o, "completed", json_boolean(e->request.completed));
        json_object_set_new(o, "type", http_json_text(e->request.type));
        set_int(o, "app_session", (int64_t)e->request.app_session);
        set_int(o, "driver_session", (int64_t)e->request.driver_session);
        set_int(o, "length", (int64_t)e->request.length);
        set_int(o, "offset", (int64_t)e->request.offset);
        set_int(o, "ioctl_code", e->request.ioctl_code);
        if (e->request.completed) {
            set_int(o, "status", e->request.status);
            set_int(o, "information", (int64_t)e->request.information);
        }
        break;
    case REC_ATTACH:
    case REC_DETACH: break;
    }
    return o;
}

/* {"kind", "time_ns", "device", "session", KIND-specific: {...}}; the details sit under a key
 * of their own so that a driver event's own "kind" cannot shadow the event's. */
static json_t *event_json(const struct rec_event *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(rec_kind_name(e->kind)));
    set_int(o, "time_ns", (int64_t)e->time_ns);
    json_object_set_new(o, "device", e->device ? http_json_text(e->device) : json_null());
    json_object_set_new(o, "session",
                        e->session ? json_integer((json_int_t)e->session) : json_null());
    static const char *const detail_key[] = {
        [REC_SESSION_OPEN] = "session_open",
        [REC_SESSION_CLOSE] = "session_close",
        [REC_AUTH_REFUSED] = "auth",
        [REC_DEVICE_RESET] = "reset",
        [REC_REGION_MAP] = "region",
        [REC_REGION_UNMAP] = "region",
        [REC_DMA] = "dma",
        [REC_IRQ] = "irq",
        [REC_FAULT] = "fault",
        [REC_DRIVER_EVENT] = "driver",
        [REC_REQUEST] = "request",
    };
    const char *key =
        (unsigned)e->kind < sizeof(detail_key) / sizeof(detail_key[0]) ? detail_key[e->kind] : NULL;
    if (key != NULL)
        json_object_set_new(o, key, event_details(e));
    return o;
}

/* The recorder sink: runs on the loop, wherever an event is emitted. */
static void events_sink(void *arg, const struct rec_event *e)
{
    uint32_t bit = 1u << e->kind;
    if (!anyone_wants(bit))
        return; /* nobody pays for JSON that nobody reads */
    json_t *o = event_json(e);
    char *data = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (data == NULL)
        return;
    const char *kind = rec_kind_name(e->kind);
    size_t len = strlen("event: \ndata: \n\n") + strlen(kind) + strlen(data);
    char *text = malloc(len + 1);
    if (text != NULL) {
        snprintf(text, len + 1, "event: %s\ndata: %s\n\n", kind, data);
        push_all(text, len, bit);
    }
    free(text);
    free(data);
}

static void on_heartbeat(uv_timer_t *t)
{
    static const char beat[] = ": heartbeat\n\n";
    push_all(beat, sizeof(beat) - 1, UINT32_MAX);
}

/* Streams -------------------------------------------------------------------------------------- */

int http_events_init(uv_loop_t *loop)
{
    uv_timer_init(loop, &ev.heartbeat);
    uv_timer_start(&ev.heartbeat, on_heartbeat, EVENTS_HEARTBEAT_MS, EVENTS_HEARTBEAT_MS);
    uv_unref((uv_handle_t *)&ev.heartbeat); /* the daemon's life is not the heartbeat's */
    ev.running = true;
    return recorder_add_sink(events_sink, NULL);
}

/* "kind=dma,irq": the kinds a client asked for (all when it did not); -1 after answering 400. */
static int kinds_parse(h2o_req_t *req, json_t *params, uint32_t *out)
{
    json_t *v = json_object_get(params, "kind");
    const char *key;
    json_t *other;
    json_object_foreach(params, key, other)
    {
        if (strcmp(key, "kind") != 0) {
            http_send_error(req, 400, key, "parameter '%s': unknown (/api/events takes kind)", key);
            return -1;
        }
    }
    if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0)) {
        http_send_error(req, 400, "kind", "parameter 'kind': expected kinds such as dma,irq");
        return -1;
    }
    *out = v == NULL ? UINT32_MAX : 0;
    for (const char *p = v ? json_string_value(v) : ""; *p != '\0';) {
        size_t n = strcspn(p, ",");
        enum rec_kind k = 0;
        while (k <= REC_REQUEST &&
               !(strlen(rec_kind_name(k)) == n && !memcmp(rec_kind_name(k), p, n)))
            k++;
        if (k > REC_REQUEST) {
            http_send_error(req, 400, "kind",
                            "parameter 'kind': unknown kind '%.*s' (session-open, session-close, "
                            "auth-refused, attach, detach, device-reset, region-map, "
                            "region-unmap, dma, irq, fault, driver-event, request)",
                            (int)(n < 64 ? n : 64), p);
            return -1;
        }
        *out |= 1u << k;
        p += n + (p[n] == ',');
    }
    return 0;
}

void http_events_open(h2o_req_t *req, json_t *params)
{
    if (http_stopping() || !ev.running) {
        http_send_error(req, 503, NULL, "dmaemud is shutting down");
        return;
    }
    uint32_t kinds;
    if (kinds_parse(req, params, &kinds) < 0)
        return;
    if (ev.count >= EVENTS_MAX_CLIENTS) {
        http_send_error(req, 503, NULL, "%d event streams are open already (at most %d)", ev.count,
                        EVENTS_MAX_CLIENTS);
        return;
    }
    struct sse_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        http_send_error(req, 500, NULL, "out of memory");
        return;
    }
    c->kinds = kinds;
    c->gen.proceed = on_proceed;
    c->gen.stop = on_stop;
    c->req = req;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    h2o_start_response(req, &c->gen);
    c->next = ev.clients;
    if (ev.clients)
        ev.clients->prev = c;
    ev.clients = c;
    ev.count++;
    /* A first comment sends the headers at once: the client knows it is subscribed. */
    static const char hello[] = ": dmaemud live events\n\n";
    client_push(c, hello, sizeof(hello) - 1);
}

void http_events_stop(void)
{
    if (!ev.running)
        return;
    ev.running = false;
    uv_timer_stop(&ev.heartbeat);
    uv_close((uv_handle_t *)&ev.heartbeat, NULL);
    struct sse_client *next;
    for (struct sse_client *c = ev.clients; c != NULL; c = next) {
        next = c->next;
        client_end(c, EVENTS_SHUTDOWN_TEXT);
    }
}
