/*
 * call.c: the call channel of a local driver connection (see CallChannel in dmaemu.proto).
 *
 * With one stream, a thread waiting for a reply sleeps until the event thread has read the
 * reply and woken it: the daemon wakes the event thread, the event thread wakes the caller.
 * The call channel carries the frames of the driver's own threads and the daemon's answers,
 * and a waiting thread reads it itself (one reader at a time, under call_lock; a reader
 * completes every reply it reads, so a thread that finds its reply done returns at once).
 * The event thread keeps the main stream and everything the daemon starts: interrupts, DMA,
 * I/O requests, and the replies to asynchronous requests, which it must run.
 *
 * A Fence from the daemon says how many main frames it had sent before what follows: a reply
 * must not be acted on before the event thread has handled them, so that it never overtakes
 * an interrupt sent before it. The reader only notes the Fence in the replies it completes, and
 * each woken thread waits for its own; a reader never waits for the event thread, which may be
 * waiting for its turn to read (a callback's call, see dmaemu_callbacks_may_call()). The event
 * thread's own calls cannot wait (the frames fenced are the ones it handles next): it notes how
 * far ahead its callback has seen, and another thread acting on what the callback learnt
 * catches up first (dmaemu_catch_up()).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

void call_channel_open(dmaemu_t *c)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return; /* one stream works, only slower */
    Dmaemu__CallChannel m = DMAEMU__CALL_CHANNEL__INIT;
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_CALL_CHANNEL, &m.base, DMAEMU__MSG_TYPE__MSG_OK);
    call.pass_fd = sv[1];
    int rc = conn_call(c, &call, NULL, NULL);
    close(sv[1]);
    if (rc < 0) { /* a daemon without call channels */
        close(sv[0]);
        return;
    }
    /* The event thread reads call_fd when it sends (under write_lock) and when the link
     * fails (under lock); other threads use the connection only once dmaemu_connect returns. */
    pthread_mutex_lock(&c->lock);
    pthread_mutex_lock(&c->write_lock);
    c->call_fd = sv[0];
    pthread_mutex_unlock(&c->write_lock);
    pthread_mutex_unlock(&c->lock);
}

void call_channel_close(dmaemu_t *c)
{
    if (c->call_fd >= 0)
        close(c->call_fd);
    c->call_fd = -1;
    frame_buf_free(&c->call_in);
}

/*
 * On the event thread after every main frame, so no lock unless a thread waits on a Fence. The
 * waiter announces itself under the lock before it reads main_seen, and this side counts before
 * it reads fence_waiters (both sequentially consistent): either this side sees the waiter and
 * wakes it under the lock, or the waiter sees the new count. No wake-up is lost.
 */
void call_channel_main_seen(dmaemu_t *c)
{
    atomic_fetch_add(&c->main_seen, 1);
    if (atomic_load(&c->fence_waiters) > 0) {
        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->seen_cond);
        pthread_mutex_unlock(&c->lock);
    }
}

void call_channel_fence(dmaemu_t *c, uint64_t main_frames)
{
    if (atomic_load(&c->main_seen) >= main_frames)
        return;
    if (conn_on_event_thread(c)) {
        if (main_frames > atomic_load(&c->ahead))
            atomic_store(&c->ahead, main_frames);
        return;
    }
    pthread_mutex_lock(&c->lock);
    atomic_fetch_add(&c->fence_waiters, 1);
    while (atomic_load(&c->main_seen) < main_frames && c->connected)
        pthread_cond_wait(&c->seen_cond, &c->lock);
    atomic_fetch_sub(&c->fence_waiters, 1);
    pthread_mutex_unlock(&c->lock);
}

/* Nothing but replies, posted Errors and Fences comes here: what the daemon starts goes to
 * the event thread on the main stream. */
static void call_handle_frame(dmaemu_t *c, const struct frame *f)
{
    ProtobufCMessage *msg = conn_frame_common(c, f, c->call_fence);
    if (msg != NULL && f->h.type == DMAEMU__MSG_TYPE__MSG_FENCE)
        c->call_fence = ((Dmaemu__Fence *)msg)->main_frames;
    msg_free(msg);
}

/* Reads once and handles the frames completed; false when the channel failed. */
static bool call_read(dmaemu_t *c)
{
    uint8_t *p;
    size_t room;
    if (frame_buf_space(&c->call_in, &c->limits, &p, &room) < 0)
        return false;
    ssize_t n;
    do
        n = recv(c->call_fd, p, room, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    frame_buf_commit(&c->call_in, (size_t)n);
    struct frame f;
    int st;
    while ((st = frame_buf_next(&c->call_in, &c->limits, &f)) == FRAME_COMPLETE) {
        call_handle_frame(c, &f);
        frame_buf_consume(&c->call_in, &f);
    }
    return st >= 0;
}

static bool call_done(dmaemu_t *c, const struct waiter *w)
{
    pthread_mutex_lock(&c->lock);
    bool done = w->done;
    pthread_mutex_unlock(&c->lock);
    return done;
}

void call_channel_wait(dmaemu_t *c, struct waiter *w)
{
    bool ok = true;
    pthread_mutex_lock(&c->call_lock);
    while (ok && !call_done(c, w))
        ok = call_read(c);
    pthread_mutex_unlock(&c->call_lock);
    if (ok)
        return;
    /* The daemon closes both streams together; whatever broke this one, end the connection
     * the one way there is, through the event thread, which completes w; unless this is the
     * event thread, which completes it here. */
    shutdown(c->fd, SHUT_RDWR);
    if (conn_on_event_thread(c))
        conn_fail_waiter(c, w, "the call channel closed");
}

void dmaemu_catch_up(dmaemu_t *c)
{
    if (!conn_on_event_thread(c))
        call_channel_fence(c, atomic_load(&c->ahead));
}
