/*
 * conn.h: one framed stream connection on the daemon's loop (UNIX or TCP).
 *
 * Built on uv_poll and recvmsg/writev rather than uv_stream because a local driver passes memfds
 * with SCM_RIGHTS, and libuv's IPC pipes only accept descriptors that are stream handles.
 * Frames are dispatched in arrival order; writes are queued, bounded, and never block the loop.
 */
#ifndef DMAEMU_CONN_H
#define DMAEMU_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "frame.h"

#define CONN_MAX_FDS 16

struct conn;

struct conn_ops {
    /* One complete frame; its pointers are valid until the callback returns. */
    void (*on_frame)(struct conn *c, struct frame *f);
    /* The connection is closed and its resources released; called once, last. */
    void (*on_close)(struct conn *c, const char *reason);
};

struct conn_out; /* queued output */

struct conn {
    uv_poll_t poll;
    int poll_events; /* what poll watches now: restarting it costs an epoll_ctl */
    int fd;
    bool is_unix;
    bool closing;
    bool draining; /* a write failed: reading what the peer sent before it left */
    struct frame_buf in;
    struct frame_limits limits; /* what this side accepts */
    int fds[CONN_MAX_FDS];      /* received, not yet claimed by a frame */
    unsigned nfds;
    struct conn_out *out_head, *out_tail;
    size_t out_bytes;
    size_t out_max; /* a peer that lets more than this pile up is dropped */
    const struct conn_ops *ops;
    char close_reason[160];
};

/* Takes ownership of a connected, non-blocking fd. */
int conn_open(uv_loop_t *loop, struct conn *c, int fd, bool is_unix, const struct conn_ops *ops);

/*
 * Queues header+body (buf, malloc'd, ownership taken) followed by data_len bytes of data (copied
 * if they cannot be written at once). Returns -1 once the connection is closing.
 */
int conn_send(struct conn *c, uint8_t *buf, size_t len, const void *data, size_t data_len);

/* Takes the oldest descriptor received with the frames, or -1. */
int conn_take_fd(struct conn *c);

/* Closes after a last attempt to write what is queued; on_close follows asynchronously. */
void conn_close(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
