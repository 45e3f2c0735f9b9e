/* session.c: hello and authentication, then request dispatch by role. */
#include "session.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "device.h"
#include "dma.h"
#include "handlers.h"
#include "io.h"
#include "log.h"
#include "server.h"

/* What the daemon accepts at most; a client may ask for less. */
#define SESSION_MAX_BODY    (1u << 20)
#define SESSION_MAX_DATA    (64u << 20)
#define SESSION_MIN_LIMIT   4096u
#define SESSION_MAX_REGIONS 4096u
/* Before Hello: enough for a Hello with a token, nothing more. */
#define SESSION_HELLO_BODY 8192u

typedef void (*session_handler)(struct session *s, uint32_t id, ProtobufCMessage *msg,
                                struct frame *f);

static void session_on_frame(struct conn *c, struct frame *f);
static void session_on_close(struct conn *c, const char *reason);
static const struct conn_ops session_conn_ops = {session_on_frame, session_on_close};

const char *session_role_name(int role)
{
    switch (role) {
    case DMAEMU__ROLE__ROLE_DRIVER: return "driver";
    case DMAEMU__ROLE__ROLE_APP: return "app";
    case DMAEMU__ROLE__ROLE_MONITOR: return "monitor";
    }
    return "unknown";
}

int session_start(struct server *srv, int fd, bool tcp, const char *peer)
{
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -1;
    s->server = srv;
    s->tcp = tcp;
    s->id = ++srv->next_session_id;
    snprintf(s->peer, sizeof(s->peer), "%s", peer);
    bus_init(&s->bus, SESSION_MAX_REGIONS);
    s->conn.limits = (struct frame_limits){.max_body = SESSION_HELLO_BODY, .max_data = 0};
    if (conn_open(srv->loop, &s->conn, fd, !tcp, &session_conn_ops) != 0) {
        free(s);
        return -1;
    }
    server_add_session(srv, s);
    return 0;
}

void session_close(struct session *s, const char *reason)
{
    conn_close(&s->conn, "%s", reason);
}

static void session_on_close(struct conn *c, const char *reason)
{
    struct session *s = (struct session *)c;
    char why[200];
    io_session_closed(s);
    if (s->device != NULL) {
        snprintf(why, sizeof(why), "driver session %" PRIu64 " went away: %s", s->id, reason);
        device_detach(s->device, why);
    }
    dma_session_closed(s);
    bus_destroy(&s->bus);
    if (s->greeted) {
        struct rec_event e = {.kind = REC_SESSION_CLOSE, .session = s->id};
        e.session_close.reason = reason;
        recorder_emit(&e);
    }
    server_remove_session(s->server, s);
    if (session_calls_closed_main(s))
        session_free(s);
}

void session_free(struct session *s)
{
    free(s);
}

void session_send(struct session *s, uint16_t type, uint16_t flags, uint32_t id,
                  const ProtobufCMessage *body, const void *data, size_t data_len)
{
    size_t len;
    uint8_t *buf = msg_encode(type, flags, id, body, (uint32_t)data_len, &len);
    if (buf == NULL) {
        session_close(s, "out of memory encoding a frame");
        return;
    }
    struct conn *calls = session_calls_route(s, flags);
    if (calls != NULL) {
        conn_send(calls, buf, len, data, data_len);
        return;
    }
    s->main_sent++;
    conn_send(&s->conn, buf, len, data, data_len);
}

void session_resume_stream(struct session *s, enum session_stream stream)
{
    s->stream = stream;
}

int session_take_fd(struct session *s)
{
    struct conn *calls = session_calls_conn(s);
    return conn_take_fd(s->stream == SESSION_STREAM_CALLS && calls ? calls : &s->conn);
}

void session_error(struct session *s, uint32_t id, int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    Dmaemu__Error e = DMAEMU__ERROR__INIT;
    e.code = code;
    e.message = text;
    uint16_t flags = id ? FRAME_REPLY : FRAME_POSTED;
    session_send(s, DMAEMU__MSG_TYPE__MSG_ERROR, flags, id, &e.base, NULL, 0);
}

void session_ok(struct session *s, uint32_t id)
{
    Dmaemu__Ok ok = DMAEMU__OK__INIT;
    session_send(s, DMAEMU__MSG_TYPE__MSG_OK, FRAME_REPLY, id, &ok.base, NULL, 0);
}

void session_send_interrupt(struct session *s, unsigned line, bool asserted, uint64_t raised_ns,
                            uint64_t assertion)
{
    Dmaemu__Interrupt m = DMAEMU__INTERRUPT__INIT;
    m.kind = DMAEMU__IRQ_KIND__IRQ_LINE;
    m.index = line;
    m.asserted = asserted;
    m.raised_ns = raised_ns;
    m.assertion = assertion;
    session_send(s, DMAEMU__MSG_TYPE__MSG_INTERRUPT, 0, 0, &m.base, NULL, 0);
}

uint32_t session_new_request_id(struct session *s)
{
    if (++s->next_request_id == 0)
        s->next_request_id = 1;
    return s->next_request_id;
}

/* Hello -----------------------------------------------------------------------------------------
 */

static uint32_t limit_min(uint32_t asked, uint32_t ours)
{
    return asked != 0 && asked < ours ? asked : ours;
}

static void session_refuse(struct session *s, uint32_t id, int code, const char *why)
{
    session_error(s, id, code, "%s", why);
    session_close(s, why);
}

static bool session_authenticate(struct session *s, uint32_t id, const Dmaemu__Hello *h)
{
    const struct server *srv = s->server;
    if (!s->tcp)
        return true; /* the UNIX socket's file mode is the access control */
    if (auth_token_equal(h->token.data, h->token.len, srv->token, srv->token_len))
        return true;
    const char *why = h->token.len ? "wrong token" : "no token";
    struct rec_event e = {.kind = REC_AUTH_REFUSED, .auth = {.peer = s->peer, .reason = why}};
    recorder_emit(&e);
    session_error(s, id, DMAEMU__ERROR_CODE__E_AUTH,
                  "authentication failed (%s): TCP clients must send the daemon's token; pass "
                  "the daemon's token file with --token-file or DMAEMU_TOKEN_FILE",
                  why);
    session_close(s, "authentication failed");
    return false;
}

static void session_reply_hello(struct session *s, uint32_t id)
{
    Dmaemu__Limits lim = DMAEMU__LIMITS__INIT;
    lim.max_body = s->conn.limits.max_body;
    lim.max_data = s->conn.limits.max_data;
    lim.max_regions = (uint32_t)s->bus.max_regions;
    char *caps[] = {"fd-passing", "regs"};
    Dmaemu__HelloReply r = DMAEMU__HELLO_REPLY__INIT;
    r.version = DMAEMU_PROTOCOL_VERSION;
    r.session_id = s->id;
    r.capabilities = caps;
    r.n_capabilities = s->tcp ? 1 : 2;
    if (s->tcp)
        caps[0] = "regs";
    r.limits = &lim;
    r.server = "dmaemud " DMAEMU_VERSION;
    session_send(s, DMAEMU__MSG_TYPE__MSG_HELLO_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
}

static void session_hello(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__Hello *h = (const Dmaemu__Hello *)msg;
    char text[160];
    if (s->greeted) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_PROTOCOL, "Hello sent twice");
        return;
    }
    if (h->version_min > DMAEMU_PROTOCOL_VERSION || h->version_max < DMAEMU_PROTOCOL_VERSION) {
        snprintf(text, sizeof(text),
                 "no common protocol version: client speaks %u..%u, dmaemud %s speaks %u; "
                 "use matching dmaemu releases",
                 h->version_min, h->version_max, DMAEMU_VERSION, DMAEMU_PROTOCOL_VERSION);
        session_refuse(s, id, DMAEMU__ERROR_CODE__E_VERSION, text);
        return;
    }
    if (h->role < DMAEMU__ROLE__ROLE_DRIVER || h->role > DMAEMU__ROLE__ROLE_MONITOR) {
        session_refuse(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                       "Hello names no valid role (driver, app or monitor)");
        return;
    }
    if (!session_authenticate(s, id, h))
        return;
    uint32_t body = limit_min(h->limits ? h->limits->max_body : 0, SESSION_MAX_BODY);
    uint32_t data = limit_min(h->limits ? h->limits->max_data : 0, SESSION_MAX_DATA);
    if (body < SESSION_MIN_LIMIT || data < SESSION_MIN_LIMIT) {
        session_refuse(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                       "Hello limits below the minimum of 4096 bytes");
        return;
    }
    s->conn.limits = (struct frame_limits){.max_body = body, .max_data = data};
    /* Room for a few whole frames before a peer counts as not reading. */
    s->conn.out_max = (size_t)4 * data + (16u << 20);
    s->role = h->role;
    s->greeted = true;
    log_sanitize(h->client_name[0] ? h->client_name : "unnamed", s->name, sizeof(s->name));
    session_reply_hello(s, id);
    struct rec_event e = {.kind = REC_SESSION_OPEN, .session = s->id};
    e.session_open.role = session_role_name(s->role);
    e.session_open.name = s->name;
    e.session_open.peer = s->peer;
    recorder_emit(&e);
}

/* Simple requests ----------------------------------------------------------------------------- */

static void session_ping(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    Dmaemu__Pong p = DMAEMU__PONG__INIT;
    p.nonce = ((Dmaemu__Ping *)msg)->nonce;
    session_send(s, DMAEMU__MSG_TYPE__MSG_PONG, FRAME_REPLY, id, &p.base, NULL, 0);
}

/* A local driver's second stream, for its synchronous calls (session_calls.c). */
static void session_call_channel(struct session *s, uint32_t id, ProtobufCMessage *msg,
                                 struct frame *f)
{
    if (s->stream != SESSION_STREAM_MAIN) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                      "CallChannel sent on the call channel: send it on the first stream");
        return;
    }
    session_calls_open(s, id, session_take_fd(s));
}

/* Dispatch --------------------------------------------------------------------------------------
 */

#define ROLE(r)   (1u << DMAEMU__ROLE__ROLE_##r)
#define ANY_ROLE  (ROLE(DRIVER) | ROLE(APP) | ROLE(MONITOR))
#define TOOL_ROLE (ROLE(DRIVER) | ROLE(MONITOR))

static const struct {
    uint16_t type;
    unsigned roles;
    session_handler fn;
} session_handlers[] = {
    {DMAEMU__MSG_TYPE__MSG_PING, ANY_ROLE, session_ping},
    {DMAEMU__MSG_TYPE__MSG_DEVICE_LIST, ANY_ROLE, session_device_list},
    {DMAEMU__MSG_TYPE__MSG_ATTACH, ROLE(DRIVER), session_attach},
    {DMAEMU__MSG_TYPE__MSG_DETACH, ROLE(DRIVER), session_detach},
    {DMAEMU__MSG_TYPE__MSG_MMIO_READ, TOOL_ROLE, session_mmio_read},
    {DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, TOOL_ROLE, session_mmio_write},
    {DMAEMU__MSG_TYPE__MSG_REGION_MAP, ROLE(DRIVER), region_map_request},
    {DMAEMU__MSG_TYPE__MSG_REGION_UNMAP, ROLE(DRIVER), region_unmap_request},
    {DMAEMU__MSG_TYPE__MSG_REGS, ANY_ROLE, session_regs},
    {DMAEMU__MSG_TYPE__MSG_DRIVER_EVENT, ROLE(DRIVER), session_driver_event},
    {DMAEMU__MSG_TYPE__MSG_HISTORY_QUERY, ANY_ROLE, session_history_query},
    {DMAEMU__MSG_TYPE__MSG_IO_OPEN, ROLE(APP), io_open_request},
    {DMAEMU__MSG_TYPE__MSG_IO_CLOSE, ROLE(APP), io_close_request},
    {DMAEMU__MSG_TYPE__MSG_IO_REQUEST, ROLE(APP), io_submit_request},
    {DMAEMU__MSG_TYPE__MSG_CALL_CHANNEL, ROLE(DRIVER), session_call_channel},
    {DMAEMU__MSG_TYPE__MSG_INTERRUPT_DONE, ROLE(DRIVER), session_interrupt_done},
};

static void session_dispatch(struct session *s, struct frame *f, ProtobufCMessage *msg)
{
    for (size_t i = 0; i < sizeof(session_handlers) / sizeof(session_handlers[0]); i++) {
        if (session_handlers[i].type != f->h.type)
            continue;
        if (!(session_handlers[i].roles & (1u << s->role))) {
            session_error(s, f->h.request_id, DMAEMU__ERROR_CODE__E_PERMISSION,
                          "a %s session may not send %s", session_role_name(s->role),
                          msg_type_name(f->h.type));
            return;
        }
        session_handlers[i].fn(s, f->h.request_id, msg, f);
        return;
    }
    session_error(s, f->h.request_id, DMAEMU__ERROR_CODE__E_PROTOCOL,
                  "%s is not a request the daemon serves", msg_type_name(f->h.type));
}

static void session_on_frame(struct conn *c, struct frame *f)
{
    session_handle_frame((struct session *)c, f);
}

void session_handle_frame(struct session *s, struct frame *f)
{
    if (f->h.flags & FRAME_REPLY) {
        if (!s->greeted)
            session_refuse(s, 0, DMAEMU__ERROR_CODE__E_PROTOCOL, "reply before Hello");
        else if (!io_on_reply(s, f))
            dma_on_reply(s, f);
        return;
    }
    ProtobufCMessage *msg = msg_decode(f);
    if (msg == NULL) {
        session_error(s, f->h.request_id, DMAEMU__ERROR_CODE__E_PROTOCOL,
                      "%s body is not a valid protobuf message", msg_type_name(f->h.type));
        if (!s->greeted)
            session_close(s, "malformed Hello");
        return;
    }
    if (f->h.type == DMAEMU__MSG_TYPE__MSG_HELLO)
        session_hello(s, f->h.request_id, msg, f);
    else if (!s->greeted)
        session_refuse(s, f->h.request_id, DMAEMU__ERROR_CODE__E_PROTOCOL,
                       "the first message must be Hello");
    else
        session_dispatch(s, f, msg);
    msg_free(msg);
}
