/* internal.h: libdmaemu's private structures, shared by its source files. */
#ifndef DMAEMU_INTERNAL_H
#define DMAEMU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dmaemu.h"
#include "message.h"

/*
 * One request awaiting its reply. Synchronous callers sleep on cond; an asynchronous request
 * has on_reply, which the event thread runs (and which frees the waiter).
 */
struct waiter {
    struct waiter *next;
    uint32_t id;
    pthread_cond_t cond;
    bool done;
    uint16_t type; /* of the reply */
    ProtobufCMessage *msg;
    uint8_t *rx_buf; /* reply data is copied here, at most rx_cap bytes */
    size_t rx_cap;
    size_t rx_len;
    uint64_t fence; /* main frames to handle before the reply is acted on (call channel) */
    int error;      /* DMAEMU_E_* when the reply is an Error or the link died */
    char error_msg[512];
    void (*on_reply)(struct waiter *w);
};

struct dmaemu_region {
    struct dmaemu_region *next;
    uint64_t bus_addr;
    size_t length;
    unsigned flags;
    uint8_t *mem;
    uint32_t *page_map; /* optional: bus page j is memory page page_map[j] */
};

struct dmaemu {
    int fd;
    bool remote;
    pthread_t thread;
    pthread_mutex_t lock; /* waiters, regions, state */
    pthread_mutex_t write_lock;
    /* Batched frames (driver reports, MMIO writes), encoded, waiting for the next frame or a
     * flush (write_lock). */
    uint8_t *batch;
    size_t batch_len, batch_cap;
    struct waiter *waiters;
    uint32_t next_id;
    /* The call channel (call.c): a local driver's threads send there and read its replies
     * themselves, one at a time under call_lock. */
    int call_fd; /* -1: none, everything on fd */
    pthread_mutex_t call_lock;
    struct frame_buf call_in;
    uint64_t call_fence; /* the last Fence read there (call_lock) */
    /* Frames the event thread handled, the HelloReply counted. Counted without the lock on
     * every frame; fence_waiters (changed under lock) says whether anyone must be woken. */
    atomic_uint_fast64_t main_seen;
    atomic_uint fence_waiters; /* threads waiting on seen_cond */
    /* The highest Fence of a reply that a callback acted on before the event thread had handled
     * the frames fenced (it cannot wait for itself); written by the event thread only. */
    atomic_uint_fast64_t ahead;
    pthread_cond_t seen_cond;
    atomic_bool connected; /* read without the lock by the fast paths */
    bool closing;
    int posted_error; /* from a refused posted write, reported by the next call */
    char posted_msg[512];
    struct frame_limits limits;
    uint64_t session_id;
    struct dmaemu_region *regions;
    dmaemu_interrupt_fn irq_fn;
    void *irq_arg;
    dmaemu_disconnect_fn disconnect_fn;
    void *disconnect_arg;
    struct dmaemu_io_handlers io; /* driver role */
    dmaemu_dma_notify_fn dma_notify_fn;
    void *dma_notify_arg;
};

/* error.c */
int dmaemu_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dmaemu_code_from_wire(int wire_code);

/* socket.c: connects to a URI; returns the fd or a negative code (message set). */
int socket_connect(const char *uri, bool *remote);
/* Sends a whole frame: header+body, data, and an optional fd (SCM_RIGHTS). */
int socket_send_frame(int fd, const uint8_t *hdr, size_t hdr_len, const void *data, size_t data_len,
                      int pass_fd);
/* The same, preceded in one system call by prefix (whole frames queued earlier). */
int socket_send_frames(int fd, const uint8_t *prefix, size_t prefix_len, const uint8_t *hdr,
                       size_t hdr_len, const void *data, size_t data_len, int pass_fd);

/* call.c */
/* Opens the call channel of a local driver connection; a daemon without one is no error. */
void call_channel_open(dmaemu_t *c);
/* Reads the call channel until w is done or the channel fails (then the connection goes
 * down and w is completed with an error). */
void call_channel_wait(dmaemu_t *c, struct waiter *w);
/* Waits until the event thread has handled the first `main_frames` main frames; on the event
 * thread, notes them in c->ahead instead (see dmaemu_catch_up()). */
void call_channel_fence(dmaemu_t *c, uint64_t main_frames);
/* The event thread handled one more frame of the main stream. */
void call_channel_main_seen(dmaemu_t *c);
void call_channel_close(dmaemu_t *c);

/* connection.c */
/* What a request sends, and where its reply's data goes. */
struct call {
    uint16_t type;
    const ProtobufCMessage *body;
    const void *data;
    size_t data_len;
    int pass_fd;         /* -1: none */
    uint16_t reply_type; /* expected reply message */
    void *rx_buf;        /* reply data lands here, truncated to rx_cap */
    size_t rx_cap;
};

#define CALL(t, b, rt)                                                                             \
    {                                                                                              \
        .type = (t), .body = (b), .pass_fd = -1, .reply_type = (rt)                                \
    }

/* Sends a request and waits. 0: *reply (may be NULL) holds the decoded reply (msg_free it)
 * and *rx_len the bytes copied into rx_buf (may be NULL). */
int conn_call(dmaemu_t *c, const struct call *call, ProtobufCMessage **reply, size_t *rx_len);
/* Sends a request whose reply w->on_reply handles on the event thread; w is heap-allocated,
 * zeroed but for on_reply/rx_buf/rx_cap. On failure w is not used (caller frees it). */
int conn_call_async(dmaemu_t *c, const struct call *call, struct waiter *w);
int conn_post(dmaemu_t *c, uint16_t type, const ProtobufCMessage *body);
/* Queues a posted frame to go out with the next frame sent, or at a flush (or at once when
 * the queue is large). */
int conn_post_batched(dmaemu_t *c, uint16_t type, const ProtobufCMessage *body);
int conn_flush_batch(dmaemu_t *c);
/* What every stream's reader does first: a reply completes its waiter (which must then pass
 * `fence`, see call.c), a posted Error is kept for the next call. Returns any other frame's
 * message (msg_free it), or NULL. */
ProtobufCMessage *conn_frame_common(dmaemu_t *c, const struct frame *f, uint64_t fence);
/* Completes w, if it is still waiting, with DMAEMU_E_DISCONNECTED and why. */
void conn_fail_waiter(dmaemu_t *c, struct waiter *w, const char *why);
/* True on c's event thread. */
bool conn_on_event_thread(const dmaemu_t *c);
/* Sends a reply frame from the event thread. */
void conn_reply(dmaemu_t *c, uint16_t type, uint32_t id, const ProtobufCMessage *body,
                const void *data, size_t data_len);
void conn_reply_error(dmaemu_t *c, uint32_t id, int wire_code, const char *msg);

/* io.c: the driver side of application I/O (event thread). */
void io_serve_request(dmaemu_t *c, const struct frame *f, const Dmaemu__IoRequest *m);
void io_serve_cancel(dmaemu_t *c, const Dmaemu__IoCancel *m);
void io_serve_dma_notify(dmaemu_t *c, const Dmaemu__DmaNotify *m);

/* regions.c: serves the daemon's DMA requests from the event thread. */
void regions_serve_read(dmaemu_t *c, const struct frame *f, const Dmaemu__DmaRead *m);
void regions_serve_write(dmaemu_t *c, const struct frame *f, const Dmaemu__DmaWrite *m);
void regions_free_all(dmaemu_t *c);

#endif
