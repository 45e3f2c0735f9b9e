/* conn.c: non-blocking framed I/O with descriptor passing, on uv_poll. */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

/* Bytes read per readiness event before yielding, so one busy peer cannot starve the others. */
#define CONN_READ_BUDGET (1u << 20)

struct conn_out {
    struct conn_out *next;
    size_t len;
    size_t off;
    uint8_t bytes[];
};

static void conn_on_poll(uv_poll_t *h, int status, int events);

int conn_open(uv_loop_t *loop, struct conn *c, int fd, bool is_unix, const struct conn_ops *ops)
{
    c->fd = fd;
    c->is_unix = is_unix;
    c->ops = ops;
    c->out_max = 64u << 20;
    c->poll.data = c;
    frame_buf_init(&c->in);
    int rc = uv_poll_init(loop, &c->poll, fd);
    if (rc == 0)
        rc = uv_poll_start(&c->poll, UV_READABLE, conn_on_poll);
    c->poll_events = UV_READABLE;
    return rc;
}

/* Restarting a uv_poll re-registers its fd with epoll, a system call per readiness event:
 * only a change of what it watches (output queued or drained) is worth one. */
static void conn_update_poll(struct conn *c)
{
    int events = UV_READABLE | (c->out_head ? UV_WRITABLE : 0);
    if (c->closing || events == c->poll_events)
        return;
    c->poll_events = events;
    uv_poll_start(&c->poll, events, conn_on_poll);
}

/* Writes queued output; returns -1 on a fatal socket error. */
static int conn_flush(struct conn *c)
{
    while (c->out_head != NULL) {
        struct conn_out *o = c->out_head;
        ssize_t n = send(c->fd, o->bytes + o->off, o->len - o->off, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        o->off += (size_t)n;
        c->out_bytes -= (size_t)n;
        if (o->off < o->len)
            return 0;
        c->out_head = o->next;
        if (c->out_head == NULL)
            c->out_tail = NULL;
        free(o);
    }
    return 0;
}

static int conn_queue(struct conn *c, const struct iovec *iov, int iovcnt, size_t skip)
{
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    struct conn_out *o = malloc(sizeof(*o) + total - skip);
    if (o == NULL)
        return -1;
    o->next = NULL;
    o->len = total - skip;
    o->off = 0;
    size_t at = 0;
    for (int i = 0; i < iovcnt; i++) {
        size_t n = iov[i].iov_len, from = 0;
        if (skip >= n) {
            skip -= n;
            continue;
        }
        from = skip;
        skip = 0;
        memcpy(o->bytes + at, (const uint8_t *)iov[i].iov_base + from, n - from);
        at += n - from;
    }
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += o->len;
    return 0;
}

static ssize_t conn_recv(struct conn *c, size_t *room_out);
static void conn_dispatch(struct conn *c);

/* A write failed: the peer is gone, but what it wrote before leaving (a driver's last report)
 * is still in the socket. Hear it, then close. */
static void conn_fail_write(struct conn *c, int err)
{
    if (c->draining || c->closing)
        return;
    c->draining = true;
    size_t room;
    while (!c->closing && conn_recv(c, &room) > 0)
        conn_dispatch(c);
    conn_close(c, "write failed: %s", strerror(err));
}

int conn_send(struct conn *c, uint8_t *buf, size_t len, const void *data, size_t data_len)
{
    struct iovec iov[2] = {{buf, len}, {(void *)data, data_len}};
    size_t written = 0;
    int rc = 0;

    if (c->closing || c->draining) {
        free(buf);
        return -1;
    }
    if (c->out_head == NULL) {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = data_len ? 2 : 1};
        ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            int err = errno;
            free(buf);
            conn_fail_write(c, err);
            return -1;
        }
        written = n > 0 ? (size_t)n : 0;
    }
    if (written < len + data_len) {
        rc = conn_queue(c, iov, data_len ? 2 : 1, written);
        conn_update_poll(c);
    }
    free(buf);
    if (rc < 0)
        conn_close(c, "out of memory queueing output");
    else if (c->out_bytes > c->out_max)
        conn_close(c, "peer is not reading (%zu bytes queued)", c->out_bytes);
    return rc;
}

int conn_take_fd(struct conn *c)
{
    if (c->nfds == 0)
        return -1;
    int fd = c->fds[0];
    memmove(c->fds, c->fds + 1, (c->nfds - 1) * sizeof(int));
    c->nfds--;
    return fd;
}

static void conn_keep_fds(struct conn *c, struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm != NULL; cm = CMSG_NXTHDR(m, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (c->nfds < CONN_MAX_FDS)
                c->fds[c->nfds++] = fd;
            else
                close(fd); /* more unclaimed fds than any honest peer sends: drop them */
        }
    }
}

/* Receives once into the frame buffer: >0 bytes, 0 would block, -1 closed (reason set).
 * *room_out: how many bytes it asked for. */
static ssize_t conn_recv(struct conn *c, size_t *room_out)
{
    uint8_t *p;
    size_t room;
    union {
        char buf[CMSG_SPACE(sizeof(int) * CONN_MAX_FDS)];
        struct cmsghdr align;
    } ctl;
    if (frame_buf_space(&c->in, &c->limits, &p, &room) < 0) {
        conn_close(c, "out of memory receiving");
        return -1;
    }
    struct iovec iov = {p, room};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    *room_out = room;
    if (c->is_unix) {
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof(ctl.buf);
    }
    ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n == 0) {
        conn_close(c, "peer closed the connection");
        return -1;
    }
    if (n < 0) {
        conn_close(c, "read failed: %s", strerror(errno));
        return -1;
    }
    if (c->is_unix)
        conn_keep_fds(c, &m);
    frame_buf_commit(&c->in, (size_t)n);
    return n;
}

static void conn_dispatch(struct conn *c)
{
    struct frame f;
    int st;
    while (!c->closing && (st = frame_buf_next(&c->in, &c->limits, &f)) == FRAME_COMPLETE) {
        c->ops->on_frame(c, &f);
        frame_buf_consume(&c->in, &f);
    }
    if (!c->closing && st < 0)
        conn_close(c, "malformed frame: %s", frame_status_str(st));
}

static void conn_on_poll(uv_poll_t *h, int status, int events)
{
    struct conn *c = h->data;
    if (status < 0) {
        conn_close(c, "poll failed: %s", uv_strerror(status));
        return;
    }
    if ((events & UV_WRITABLE) && conn_flush(c) < 0) {
        conn_fail_write(c, errno);
        return;
    }
    size_t got = 0;
    bool more = (events & UV_READABLE) != 0;
    while (more && !c->closing && got < CONN_READ_BUDGET) {
        size_t room;
        ssize_t n = conn_recv(c, &room);
        if (n <= 0)
            break;
        got += (size_t)n;
        /* A read that left room drained the socket, most likely: the poll is level-triggered
         * and reports what came since, so no second recvmsg to hear EAGAIN (one system call
         * per message on the daemon's busiest path). */
        more = (size_t)n == room;
        conn_dispatch(c);
    }
    conn_update_poll(c);
}

static void conn_on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    while (c->out_head != NULL) {
        struct conn_out *o = c->out_head;
        c->out_head = o->next;
        free(o);
    }
    while (c->nfds > 0)
        close(c->fds[--c->nfds]);
    frame_buf_free(&c->in);
    close(c->fd);
    c->ops->on_close(c, c->close_reason);
}

void conn_close(struct conn *c, const char *fmt, ...)
{
    if (c->closing)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->close_reason, sizeof(c->close_reason), fmt, ap);
    va_end(ap);
    conn_flush(c); /* a final error frame usually fits in the socket buffer */
    c->closing = true;
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, conn_on_closed);
}
