/*
 * connection.c: connect and hello, the event thread, and request/reply matching.
 *
 * Callers send their own frames (under write_lock) and sleep on a per-request condition
 * variable; the event thread is the only reader of the socket. It must never wait for anything
 * but the socket (or, in a callback, a reply on the call channel, which no reader holds up), or
 * a daemon DMA request could wait behind a caller waiting for the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define CLIENT_MAX_BODY  (1u << 20)
#define CLIENT_MAX_DATA  (64u << 20) /* the receive buffer grows only as frames need */
#define CLIENT_TOKEN_MAX 1024
/* Batched frames (reports, MMIO writes) are sent at once beyond this many bytes. */
#define CLIENT_BATCH_MAX (32u << 10)

static _Thread_local dmaemu_t *event_thread_of; /* set on each connection's event thread */
/* During an interrupt callback: the Interrupt's stamp and delivery number. */
static _Thread_local uint64_t irq_raised_ns, irq_assertion;

/* Where a frame goes: the main stream, the call channel (where there is one), or the one the
 * sending thread owns: the event thread's is the main stream, every other thread's the call
 * channel. */
enum conn_stream { STREAM_OWN, STREAM_MAIN, STREAM_CALLS };

bool conn_on_event_thread(const dmaemu_t *c)
{
    return event_thread_of == c;
}

/* Sending -------------------------------------------------------------------------------------- */

/* The stream batched reports and the frames of the driver's own threads go on. */
static int conn_calls_fd(const dmaemu_t *c)
{
    return c->call_fd >= 0 ? c->call_fd : c->fd;
}

/*
 * Sends one frame. Requests whose replies the event thread must handle (async) use the main
 * stream, synchronous requests the call channel, and everything else the sender's own stream.
 */
static int conn_send(dmaemu_t *c, enum conn_stream stream, uint16_t type, uint16_t flags,
                     uint32_t id, const ProtobufCMessage *body, const void *data, size_t data_len,
                     int pass_fd)
{
    size_t len;
    uint8_t *hdr = msg_encode(type, flags, id, body, (uint32_t)data_len, &len);
    if (hdr == NULL)
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory encoding a frame");
    pthread_mutex_lock(&c->write_lock);
    bool on_main =
        c->call_fd < 0 || stream == STREAM_MAIN || (stream == STREAM_OWN && event_thread_of == c);
    int fd = on_main ? c->fd : c->call_fd;
    /* Batched reports go first, in the same system call: their order is kept. */
    size_t batch = fd == conn_calls_fd(c) ? c->batch_len : 0;
    int rc = socket_send_frames(fd, c->batch, batch, hdr, len, data, data_len, pass_fd);
    if (batch > 0)
        c->batch_len = 0; /* sent, or the connection is dead */
    pthread_mutex_unlock(&c->write_lock);
    free(hdr);
    return rc;
}

/* Appends an encoded frame to the batch; sends the batch when it is full. */
static int conn_batch_append(dmaemu_t *c, const uint8_t *frame, size_t len)
{
    int rc = 0;
    pthread_mutex_lock(&c->write_lock);
    if (c->batch_len + len > c->batch_cap) {
        size_t cap = c->batch_cap ? c->batch_cap : 4096;
        while (cap < c->batch_len + len)
            cap *= 2;
        uint8_t *b = realloc(c->batch, cap);
        if (b == NULL) {
            pthread_mutex_unlock(&c->write_lock);
            return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory batching a report");
        }
        c->batch = b;
        c->batch_cap = cap;
    }
    memcpy(c->batch + c->batch_len, frame, len);
    c->batch_len += len;
    if (c->batch_len >= CLIENT_BATCH_MAX) {
        rc = socket_send_frames(conn_calls_fd(c), c->batch, c->batch_len, NULL, 0, NULL, 0, -1);
        c->batch_len = 0;
    }
    pthread_mutex_unlock(&c->write_lock);
    return rc;
}

int conn_post_batched(dmaemu_t *c, uint16_t type, const ProtobufCMessage *body)
{
    if (!c->connected)
        return dmaemu_fail(DMAEMU_E_DISCONNECTED, "not connected to the daemon");
    size_t len;
    uint8_t *frame = msg_encode(type, 0, 0, body, 0, &len);
    if (frame == NULL)
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory encoding a frame");
    int rc = conn_batch_append(c, frame, len);
    free(frame);
    return rc;
}

int conn_flush_batch(dmaemu_t *c)
{
    int rc = 0;
    pthread_mutex_lock(&c->write_lock);
    if (c->batch_len > 0 && c->connected)
        rc = socket_send_frames(conn_calls_fd(c), c->batch, c->batch_len, NULL, 0, NULL, 0, -1);
    c->batch_len = 0;
    pthread_mutex_unlock(&c->write_lock);
    return rc;
}

void conn_reply(dmaemu_t *c, uint16_t type, uint32_t id, const ProtobufCMessage *body,
                const void *data, size_t data_len)
{
    conn_send(c, STREAM_OWN, type, FRAME_REPLY, id, body, data, data_len, -1);
}

void conn_reply_error(dmaemu_t *c, uint32_t id, int wire_code, const char *msg)
{
    Dmaemu__Error e = DMAEMU__ERROR__INIT;
    e.code = wire_code;
    e.message = (char *)msg;
    conn_reply(c, DMAEMU__MSG_TYPE__MSG_ERROR, id, &e.base, NULL, 0);
}

int conn_post(dmaemu_t *c, uint16_t type, const ProtobufCMessage *body)
{
    if (!c->connected)
        return dmaemu_fail(DMAEMU_E_DISCONNECTED, "not connected to the daemon");
    return conn_send(c, STREAM_OWN, type, 0, 0, body, NULL, 0, -1);
}

/* Requests ---------------------------------------------------------------------------------------
 */

static struct waiter *waiter_take(dmaemu_t *c, uint32_t id)
{
    for (struct waiter **pp = &c->waiters; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            struct waiter *w = *pp;
            *pp = w->next;
            return w;
        }
    }
    return NULL;
}

/* Whatever the reply, a refused posted write reported meanwhile takes precedence. */
static int conn_result(dmaemu_t *c, struct waiter *w, uint16_t reply_type)
{
    if (c->posted_error != 0) {
        int code = c->posted_error;
        c->posted_error = 0;
        return dmaemu_fail(code, "an earlier posted write was refused: %s", c->posted_msg);
    }
    if (w->error != 0)
        return dmaemu_fail(w->error, "%s", w->error_msg);
    if (w->type != reply_type || w->msg == NULL)
        return dmaemu_fail(DMAEMU_E_PROTOCOL, "daemon answered %s where %s was expected",
                           msg_type_name(w->type), msg_type_name(reply_type));
    return 0;
}

/* Registers w under a fresh id and sends the request; on failure w is unregistered. */
static int conn_send_call(dmaemu_t *c, const struct call *call, struct waiter *w, bool async)
{
    pthread_mutex_lock(&c->lock);
    if (!c->connected) {
        pthread_mutex_unlock(&c->lock);
        return dmaemu_fail(DMAEMU_E_DISCONNECTED, "not connected to the daemon");
    }
    if (++c->next_id == 0)
        c->next_id = 1;
    w->id = c->next_id;
    w->next = c->waiters;
    c->waiters = w;
    pthread_mutex_unlock(&c->lock);

    int rc = conn_send(c, async ? STREAM_MAIN : STREAM_CALLS, call->type, 0, w->id, call->body,
                       call->data, call->data_len, call->pass_fd);
    if (rc < 0) {
        pthread_mutex_lock(&c->lock);
        waiter_take(c, w->id);
        pthread_mutex_unlock(&c->lock);
    }
    return rc;
}

int conn_call(dmaemu_t *c, const struct call *call, ProtobufCMessage **reply, size_t *rx_len)
{
    if (event_thread_of == c && c->call_fd < 0)
        return dmaemu_fail(DMAEMU_E_CONTEXT, "synchronous libdmaemu call from a callback; "
                                             "hand the work to another thread");
    struct waiter w = {.rx_buf = call->rx_buf, .rx_cap = call->rx_cap};
    pthread_cond_init(&w.cond, NULL);
    int rc = conn_send_call(c, call, &w, false);
    if (rc == 0) {
        if (c->call_fd >= 0)
            call_channel_wait(c, &w); /* the reply comes on the call channel */
        pthread_mutex_lock(&c->lock);
        while (!w.done)
            pthread_cond_wait(&w.cond, &c->lock);
        rc = conn_result(c, &w, call->reply_type);
        pthread_mutex_unlock(&c->lock);
        call_channel_fence(c, w.fence);
    }
    pthread_cond_destroy(&w.cond);
    if (rc == 0 && reply != NULL)
        *reply = w.msg;
    else
        msg_free(w.msg);
    if (rx_len != NULL)
        *rx_len = rc == 0 ? w.rx_len : 0;
    return rc;
}

int conn_call_async(dmaemu_t *c, const struct call *call, struct waiter *w)
{
    return conn_send_call(c, call, w, true);
}

/* The event thread -------------------------------------------------------------------------------
 */

/* Fills w from a reply frame. Called with c->lock held. */
static void waiter_fill(struct waiter *w, const struct frame *f, ProtobufCMessage *msg,
                        uint64_t fence)
{
    w->type = f->h.type;
    w->fence = fence;
    if (msg == NULL) {
        w->error = DMAEMU_E_PROTOCOL;
        snprintf(w->error_msg, sizeof(w->error_msg), "undecodable %s from the daemon",
                 msg_type_name(f->h.type));
    } else if (f->h.type == DMAEMU__MSG_TYPE__MSG_ERROR) {
        const Dmaemu__Error *e = (const Dmaemu__Error *)msg;
        w->error = dmaemu_code_from_wire(e->code);
        snprintf(w->error_msg, sizeof(w->error_msg), "%s", e->message);
        msg_free(msg);
    } else {
        w->msg = msg;
        w->rx_len = f->h.data_len < w->rx_cap ? f->h.data_len : w->rx_cap;
        if (w->rx_len > 0)
            memcpy(w->rx_buf, f->data, w->rx_len);
    }
    w->done = true;
}

static void conn_deliver_reply(dmaemu_t *c, const struct frame *f, uint64_t fence)
{
    ProtobufCMessage *msg = msg_decode(f);
    pthread_mutex_lock(&c->lock);
    struct waiter *w = waiter_take(c, f->h.request_id);
    if (w == NULL) {
        pthread_mutex_unlock(&c->lock);
        msg_free(msg);
        return;
    }
    waiter_fill(w, f, msg, fence);
    /* Read before unlocking: a woken synchronous caller returns and its waiter is gone. */
    void (*on_reply)(struct waiter *) = w->on_reply;
    if (on_reply == NULL)
        pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&c->lock);
    if (on_reply != NULL)
        on_reply(w);
}

static void conn_posted_error(dmaemu_t *c, const Dmaemu__Error *e)
{
    pthread_mutex_lock(&c->lock);
    if (c->posted_error == 0) {
        c->posted_error = dmaemu_code_from_wire(e->code);
        snprintf(c->posted_msg, sizeof(c->posted_msg), "%s", e->message);
    }
    pthread_mutex_unlock(&c->lock);
}

static void conn_deliver_interrupt(dmaemu_t *c, const Dmaemu__Interrupt *irq)
{
    pthread_mutex_lock(&c->lock);
    dmaemu_interrupt_fn fn = c->irq_fn;
    void *arg = c->irq_arg;
    pthread_mutex_unlock(&c->lock);
    if (fn == NULL)
        return;
    irq_raised_ns = irq->raised_ns;
    irq_assertion = irq->assertion;
    fn(arg, (enum dmaemu_irq_kind)irq->kind, irq->index, irq->asserted);
    irq_raised_ns = irq_assertion = 0;
}

uint64_t dmaemu_interrupt_raised_ns(void)
{
    return irq_raised_ns;
}

uint64_t dmaemu_interrupt_assertion(void)
{
    return irq_assertion;
}

ProtobufCMessage *conn_frame_common(dmaemu_t *c, const struct frame *f, uint64_t fence)
{
    if (f->h.flags & FRAME_REPLY) {
        conn_deliver_reply(c, f, fence);
        return NULL;
    }
    ProtobufCMessage *msg = msg_decode(f);
    if (msg != NULL && f->h.type == DMAEMU__MSG_TYPE__MSG_ERROR) {
        conn_posted_error(c, (Dmaemu__Error *)msg);
        msg_free(msg);
        return NULL;
    }
    return msg;
}

static void conn_handle_frame(dmaemu_t *c, const struct frame *f)
{
    ProtobufCMessage *msg = conn_frame_common(c, f, 0);
    if (msg == NULL)
        return;
    switch (f->h.type) {
    case DMAEMU__MSG_TYPE__MSG_DMA_READ: regions_serve_read(c, f, (Dmaemu__DmaRead *)msg); break;
    case DMAEMU__MSG_TYPE__MSG_DMA_WRITE: regions_serve_write(c, f, (Dmaemu__DmaWrite *)msg); break;
    case DMAEMU__MSG_TYPE__MSG_INTERRUPT:
        conn_deliver_interrupt(c, (Dmaemu__Interrupt *)msg);
        break;
    case DMAEMU__MSG_TYPE__MSG_IO_REQUEST: io_serve_request(c, f, (Dmaemu__IoRequest *)msg); break;
    case DMAEMU__MSG_TYPE__MSG_IO_CANCEL: io_serve_cancel(c, (Dmaemu__IoCancel *)msg); break;
    case DMAEMU__MSG_TYPE__MSG_DMA_NOTIFY: io_serve_dma_notify(c, (Dmaemu__DmaNotify *)msg); break;
    default: break; /* newer daemons may post what this library does not know */
    }
    msg_free(msg);
}

/* Reads frames until the link fails; returns the reason. */
static const char *conn_read_loop(dmaemu_t *c, struct frame_buf *in)
{
    static _Thread_local char why[160];
    for (;;) {
        uint8_t *p;
        size_t room;
        if (frame_buf_space(in, &c->limits, &p, &room) < 0)
            return "out of memory";
        ssize_t n = recv(c->fd, p, room, 0);
        if (n == 0)
            return "the daemon closed the connection";
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, sizeof(why), "reading from the daemon failed: %s", strerror(errno));
            return why;
        }
        frame_buf_commit(in, (size_t)n);
        struct frame f;
        int st;
        while ((st = frame_buf_next(in, &c->limits, &f)) == FRAME_COMPLETE) {
            conn_handle_frame(c, &f);
            frame_buf_consume(in, &f);
            call_channel_main_seen(c);
        }
        if (st < 0) {
            snprintf(why, sizeof(why), "malformed frame from the daemon: %s", frame_status_str(st));
            return why;
        }
    }
}

void conn_fail_waiter(dmaemu_t *c, struct waiter *w, const char *why)
{
    pthread_mutex_lock(&c->lock);
    if (!w->done && waiter_take(c, w->id) == w) {
        w->error = DMAEMU_E_DISCONNECTED;
        snprintf(w->error_msg, sizeof(w->error_msg), "connection to dmaemud lost: %s", why);
        w->done = true;
    }
    pthread_mutex_unlock(&c->lock);
}

static void conn_fail_waiters(dmaemu_t *c, const char *why)
{
    struct waiter *async = NULL;
    pthread_mutex_lock(&c->lock);
    c->connected = false;
    pthread_cond_broadcast(&c->seen_cond); /* no Fence can be passed any more */
    while (c->waiters != NULL) {
        struct waiter *w = c->waiters;
        c->waiters = w->next;
        w->error = DMAEMU_E_DISCONNECTED;
        snprintf(w->error_msg, sizeof(w->error_msg), "connection to dmaemud lost: %s", why);
        w->done = true;
        if (w->on_reply != NULL) {
            w->next = async;
            async = w;
        } else {
            pthread_cond_signal(&w->cond);
        }
    }
    pthread_mutex_unlock(&c->lock);
    while (async != NULL) { /* outside the lock: the callbacks may start new requests */
        struct waiter *w = async;
        async = w->next;
        w->on_reply(w);
    }
}

static void *conn_event_thread(void *arg)
{
    dmaemu_t *c = arg;
    struct frame_buf in;
    event_thread_of = c;
    frame_buf_init(&in);
    const char *why = conn_read_loop(c, &in);
    frame_buf_free(&in);
    pthread_mutex_lock(&c->lock);
    if (c->call_fd >= 0)
        shutdown(c->call_fd, SHUT_RDWR); /* a thread reading it sees the end too */
    pthread_mutex_unlock(&c->lock);
    conn_fail_waiters(c, why);
    pthread_mutex_lock(&c->lock);
    dmaemu_disconnect_fn fn = c->closing ? NULL : c->disconnect_fn;
    void *fn_arg = c->disconnect_arg;
    pthread_mutex_unlock(&c->lock);
    if (fn != NULL)
        fn(fn_arg, DMAEMU_E_DISCONNECTED, why);
    return NULL;
}

/* Connect and hello ------------------------------------------------------------------------------
 */

static int read_token_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return dmaemu_fail(DMAEMU_E_AUTH, "cannot read token file %s: %s", path, strerror(errno));
    char *line = fgets(out, (int)cap, f);
    fclose(f);
    size_t n = line ? strcspn(out, "\r\n") : 0;
    out[n] = '\0';
    if (n == 0)
        return dmaemu_fail(DMAEMU_E_AUTH, "token file %s is empty", path);
    return 0;
}

static int hello_token(const struct dmaemu_connect_options *o, char *buf, size_t cap)
{
    const char *file = o->token_file ? o->token_file : getenv("DMAEMU_TOKEN_FILE");
    buf[0] = '\0';
    if (o->token != NULL)
        snprintf(buf, cap, "%s", o->token);
    else if (file != NULL && file[0] != '\0')
        return read_token_file(file, buf, cap);
    return 0;
}

static int hello_send(dmaemu_t *c, const struct dmaemu_connect_options *o, const char *token)
{
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    Dmaemu__Limits lim = DMAEMU__LIMITS__INIT;
    lim.max_body = c->limits.max_body;
    lim.max_data = c->limits.max_data;
    Dmaemu__Hello h = DMAEMU__HELLO__INIT;
    h.version_min = h.version_max = DMAEMU_PROTOCOL_VERSION;
    h.role = o->role ? (Dmaemu__Role)o->role : DMAEMU__ROLE__ROLE_MONITOR;
    h.client_name = (char *)(o->name ? o->name : program_invocation_short_name);
    h.token.data = (uint8_t *)token;
    h.token.len = strlen(token);
    h.limits = &lim;
    h.pid = (uint32_t)getpid();
    h.host = host;
    return conn_send(c, STREAM_MAIN, DMAEMU__MSG_TYPE__MSG_HELLO, 0, 1, &h.base, NULL, 0, -1);
}

/* Reads the one reply to Hello, before the event thread exists. */
static int hello_receive(dmaemu_t *c)
{
    struct frame_buf in;
    struct frame f;
    int st, rc = DMAEMU_E_PROTOCOL;
    frame_buf_init(&in);
    while ((st = frame_buf_next(&in, &c->limits, &f)) == FRAME_INCOMPLETE) {
        uint8_t *p;
        size_t room;
        ssize_t n = frame_buf_space(&in, &c->limits, &p, &room) < 0 ? -1 : recv(c->fd, p, room, 0);
        if (n <= 0) {
            frame_buf_free(&in);
            return dmaemu_fail(DMAEMU_E_DISCONNECTED,
                               "the daemon closed the connection during hello");
        }
        frame_buf_commit(&in, (size_t)n);
    }
    ProtobufCMessage *msg = st == FRAME_COMPLETE ? msg_decode(&f) : NULL;
    if (msg == NULL) {
        rc = dmaemu_fail(DMAEMU_E_PROTOCOL, "malformed hello reply (is that a dmaemud?)");
    } else if (f.h.type == DMAEMU__MSG_TYPE__MSG_ERROR) {
        const Dmaemu__Error *e = (const Dmaemu__Error *)msg;
        rc = dmaemu_fail(dmaemu_code_from_wire(e->code), "%s", e->message);
    } else if (f.h.type == DMAEMU__MSG_TYPE__MSG_HELLO_REPLY) {
        const Dmaemu__HelloReply *r = (const Dmaemu__HelloReply *)msg;
        c->session_id = r->session_id;
        if (r->limits != NULL && r->limits->max_body && r->limits->max_data)
            c->limits = (struct frame_limits){r->limits->max_body, r->limits->max_data};
        rc = 0;
    }
    msg_free(msg);
    frame_buf_free(&in);
    return rc;
}

static dmaemu_t *conn_alloc(int fd, bool remote, const struct dmaemu_connect_options *o)
{
    dmaemu_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->remote = remote;
    c->next_id = 1; /* id 1 is the hello */
    c->call_fd = -1;
    atomic_init(&c->main_seen, 1); /* the HelloReply, read before the event thread starts */
    c->limits.max_body = CLIENT_MAX_BODY;
    c->limits.max_data = o->max_data ? o->max_data : CLIENT_MAX_DATA;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->write_lock, NULL);
    pthread_mutex_init(&c->call_lock, NULL);
    pthread_cond_init(&c->seen_cond, NULL);
    frame_buf_init(&c->call_in);
    return c;
}

static void conn_free(dmaemu_t *c)
{
    free(c->batch);
    call_channel_close(c);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->write_lock);
    pthread_mutex_destroy(&c->call_lock);
    pthread_cond_destroy(&c->seen_cond);
    close(c->fd);
    free(c);
}

int dmaemu_connect(const char *uri, const struct dmaemu_connect_options *opts, dmaemu_t **out)
{
    static const struct dmaemu_connect_options defaults;
    const struct dmaemu_connect_options *o = opts ? opts : &defaults;
    char token[CLIENT_TOKEN_MAX + 2];
    bool remote;
    int rc = hello_token(o, token, sizeof(token));
    if (rc < 0)
        return rc;
    int fd = socket_connect(uri, &remote);
    if (fd < 0)
        return fd;
    dmaemu_t *c = conn_alloc(fd, remote, o);
    if (c == NULL) {
        close(fd);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    rc = hello_send(c, o, token);
    if (rc == 0)
        rc = hello_receive(c);
    if (rc == 0) {
        c->connected = true;
        if (pthread_create(&c->thread, NULL, conn_event_thread, c) != 0)
            rc = dmaemu_fail(DMAEMU_E_SYSTEM, "cannot start the event thread");
        else if (!remote && o->role == DMAEMU_ROLE_DRIVER)
            call_channel_open(c);
    }
    if (rc < 0) {
        conn_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void dmaemu_close(dmaemu_t *c)
{
    if (c == NULL)
        return;
    conn_flush_batch(c); /* reports batched to the end still reach the daemon */
    pthread_mutex_lock(&c->lock);
    c->closing = true;
    pthread_mutex_unlock(&c->lock);
    shutdown(c->fd, SHUT_RDWR); /* wakes the event thread with end-of-file */
    if (c->call_fd >= 0)
        shutdown(c->call_fd, SHUT_RDWR);
    pthread_join(c->thread, NULL);
    regions_free_all(c);
    conn_free(c);
}

bool dmaemu_is_remote(const dmaemu_t *c)
{
    return c->remote;
}

uint64_t dmaemu_session_id(const dmaemu_t *c)
{
    return c->session_id;
}

bool dmaemu_is_connected(const dmaemu_t *c)
{
    return c->connected;
}

int dmaemu_ping(dmaemu_t *c)
{
    Dmaemu__Ping p = DMAEMU__PING__INIT;
    p.nonce = (uint64_t)c->next_id * 2654435761u;
    ProtobufCMessage *reply;
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_PING, &p.base, DMAEMU__MSG_TYPE__MSG_PONG);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc == 0) {
        if (((Dmaemu__Pong *)reply)->nonce != p.nonce)
            rc = dmaemu_fail(DMAEMU_E_PROTOCOL, "pong does not echo the ping");
        msg_free(reply);
    }
    return rc;
}

void dmaemu_set_interrupt_handler(dmaemu_t *c, dmaemu_interrupt_fn fn, void *arg)
{
    pthread_mutex_lock(&c->lock);
    c->irq_fn = fn;
    c->irq_arg = arg;
    pthread_mutex_unlock(&c->lock);
}

void dmaemu_set_disconnect_handler(dmaemu_t *c, dmaemu_disconnect_fn fn, void *arg)
{
    pthread_mutex_lock(&c->lock);
    c->disconnect_fn = fn;
    c->disconnect_arg = arg;
    pthread_mutex_unlock(&c->lock);
}

int dmaemu_interrupt_done(dmaemu_t *c, enum dmaemu_irq_kind kind, unsigned index,
                          uint64_t assertion)
{
    Dmaemu__InterruptDone m = DMAEMU__INTERRUPT_DONE__INIT;
    m.kind = (Dmaemu__IrqKind)kind;
    m.index = index;
    m.assertion = assertion;
    return conn_post_batched(c, DMAEMU__MSG_TYPE__MSG_INTERRUPT_DONE, &m.base);
}

bool dmaemu_callbacks_may_call(const dmaemu_t *c)
{
    return c->call_fd >= 0;
}

void dmaemu_set_dma_notify_handler(dmaemu_t *c, dmaemu_dma_notify_fn fn, void *arg)
{
    pthread_mutex_lock(&c->lock);
    c->dma_notify_fn = fn;
    c->dma_notify_arg = arg;
    pthread_mutex_unlock(&c->lock);
}
