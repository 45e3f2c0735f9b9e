/*
 * session.h: one client connection after accept: hello, authentication, and request dispatch.
 */
#ifndef DMAEMU_SESSION_H
#define DMAEMU_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "conn.h"
#include "message.h"

struct server;
struct dev_host;
struct dma_pending;
struct io_handle;
struct session_calls;

/* The stream a request came on, and so the one its reply goes back on (see session_calls.c). */
enum session_stream { SESSION_STREAM_MAIN, SESSION_STREAM_CALLS };

struct session {
    struct conn conn; /* first: the conn callbacks find the session from it */
    struct server *server;
    uint64_t id;
    int role; /* Dmaemu__Role */
    bool greeted;
    bool tcp;
    char name[64];
    char peer[96];
    struct bus bus;
    struct dev_host *device;  /* attached device, or NULL */
    bool dma_notify;          /* the driver wants a DmaNotify per device DMA operation */
    uint32_t next_request_id; /* for requests the daemon sends (DMA) */
    struct dma_pending *dma_pending;
    struct io_handle *io_handles; /* an application's open devices */
    uint64_t io_next_handle;
    unsigned io_inflight;
    struct session_calls *calls; /* a local driver's call channel, or NULL */
    enum session_stream stream;  /* of the frame being handled */
    uint64_t main_sent;          /* frames sent on the main stream, for Fence */
    uint64_t main_fenced;        /* main_sent as of the last Fence */
    bool main_closed;            /* freed when the call channel has closed too */
    struct session *prev, *next; /* the server's list */
};

/* Takes a freshly accepted non-blocking socket. */
int session_start(struct server *srv, int fd, bool tcp, const char *peer);

/* Frames to the client. Failures close the session; callers need not check. */
void session_send(struct session *s, uint16_t type, uint16_t flags, uint32_t id,
                  const ProtobufCMessage *body, const void *data, size_t data_len);
void session_error(struct session *s, uint32_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void session_ok(struct session *s, uint32_t id);
/* raised_ns: the wall-clock stamp of the line change (0: unknown); assertion: the delivery's
 * number (0 for a deassertion). */
void session_send_interrupt(struct session *s, unsigned line, bool asserted, uint64_t raised_ns,
                            uint64_t assertion);
uint32_t session_new_request_id(struct session *s);
/* A reply sent after its request's handler returned goes on the stream the request came on:
 * the handler keeps s->stream, the later code restores it around its send. */
void session_resume_stream(struct session *s, enum session_stream stream);
/* Takes a descriptor that arrived with the frame being handled (-1: none). */
int session_take_fd(struct session *s);
/* Handles one frame from either stream (session.c). */
void session_handle_frame(struct session *s, struct frame *f);
/* Frees a session whose streams have all closed. */
void session_free(struct session *s);

/* session_calls.c */
/* The call channel's conn when a frame of these flags goes there now (sending a Fence first
 * if the main stream has had traffic since the last one); NULL: the main stream. */
struct conn *session_calls_route(struct session *s, uint16_t flags);
int session_calls_open(struct session *s, uint32_t id, int fd);
/* The main stream has closed: closes the call channel; false when the session must wait for
 * it to close before it is freed. */
bool session_calls_closed_main(struct session *s);
struct conn *session_calls_conn(struct session *s);

void session_close(struct session *s, const char *reason);
const char *session_role_name(int role);

#endif
