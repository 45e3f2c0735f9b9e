/*
 * session_calls.c: a local driver's call channel, the second stream of its session.
 *
 * On one stream, a driver thread waiting for an MMIO read's reply is woken by the connection's
 * event thread, the only reader of the socket: three context switches for what a raw round
 * trip does in two. With a call channel the driver's own threads send on a stream whose
 * replies they read themselves, and the first stream keeps what the event thread serves
 * (interrupts, DMA and I/O requests). Both streams are one session: frames from either are
 * handled alike, a request is answered on the stream it came on, and either closing closes
 * the session.
 *
 * Two streams are not ordered with each other, so before a frame on the call channel the
 * daemon posts a Fence with the number of frames it has sent on the main stream so far,
 * whenever that changed: the driver handles those first. A line deasserted by a write is
 * then known to the driver before the reply to its next read.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"
#include "session.h"

struct session_calls {
    struct conn conn; /* first: the conn callbacks find the channel from it */
    struct session *session;
};

static void calls_on_frame(struct conn *c, struct frame *f)
{
    struct session *s = ((struct session_calls *)c)->session;
    if (s->conn.closing)
        return;
    s->stream = SESSION_STREAM_CALLS;
    session_handle_frame(s, f);
    s->stream = SESSION_STREAM_MAIN;
}

static void calls_on_close(struct conn *c, const char *reason)
{
    struct session_calls *sc = (struct session_calls *)c;
    struct session *s = sc->session;
    s->calls = NULL;
    if (s->main_closed)
        session_free(s);
    else
        session_close(s, reason); /* copies reason, which lives in sc */
    free(sc);
}

static const struct conn_ops calls_conn_ops = {calls_on_frame, calls_on_close};

int session_calls_open(struct session *s, uint32_t id, int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    const char *why = NULL;
    if (s->tcp)
        why = "a call channel needs the UNIX socket; TCP sessions use one stream";
    else if (s->calls != NULL)
        why = "this session already has a call channel";
    else if (fd < 0)
        why = "CallChannel carries no socket: send one end of a socket pair with it";
    else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
        why = "CallChannel's descriptor is not a stream socket";
    struct session_calls *sc = why ? NULL : calloc(1, sizeof(*sc));
    if (why == NULL && sc == NULL)
        why = "out of memory";
    if (why == NULL && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        why = "cannot make the call channel non-blocking";
    if (why == NULL) {
        sc->session = s;
        sc->conn.limits = s->conn.limits;
        if (conn_open(s->server->loop, &sc->conn, fd, true, &calls_conn_ops) != 0)
            why = "cannot watch the call channel";
        sc->conn.out_max = s->conn.out_max;
    }
    if (why != NULL) {
        free(sc);
        if (fd >= 0)
            close(fd);
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "%s", why);
        return -1;
    }
    s->calls = sc;
    session_ok(s, id);
    return 0;
}

static void calls_send_fence(struct session *s)
{
    Dmaemu__Fence m = DMAEMU__FENCE__INIT;
    m.main_frames = s->main_sent;
    size_t len;
    uint8_t *buf = msg_encode(DMAEMU__MSG_TYPE__MSG_FENCE, 0, 0, &m.base, 0, &len);
    if (buf == NULL)
        return; /* the frame that needed it fails to encode too, and closes the session */
    s->main_fenced = s->main_sent;
    conn_send(&s->calls->conn, buf, len, NULL, 0);
}

struct conn *session_calls_route(struct session *s, uint16_t flags)
{
    if (s->calls == NULL || s->stream != SESSION_STREAM_CALLS ||
        !(flags & (FRAME_REPLY | FRAME_POSTED)))
        return NULL;
    if (s->main_sent != s->main_fenced)
        calls_send_fence(s);
    return &s->calls->conn;
}

bool session_calls_closed_main(struct session *s)
{
    if (s->calls == NULL)
        return true;
    s->main_closed = true;
    conn_close(&s->calls->conn, "%s", "the session's main stream closed");
    return false;
}

struct conn *session_calls_conn(struct session *s)
{
    return s->calls ? &s->calls->conn : NULL;
}
