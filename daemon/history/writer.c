/*
 * writer.c: the daemon's history writer.
 *
 * The recorder sink runs on the event loop: it copies the event into a queue and returns. One
 * writer thread owns the database and commits what has queued every batch window (or sooner
 * when a lot has), so a SIGKILLed daemon loses at most one window, and SIGTERM commits all.
 * A full disk pauses recording (loudly) and keeps the queue, up to a bound; the daemon keeps
 * emulating either way. Retention runs on the same thread, a bounded slice at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmaemu.pb-c.h"
#include "history.h"
#include "history_record.h"
#include "log.h"
#include "recorder.h"

#define WRITER_BATCH_EVENTS  4096    /* commit early past this many queued events */
#define WRITER_QUEUE_MAX     2000000 /* beyond this (a full disk), the oldest are dropped */
#define WRITER_RETENTION_NS  10000000000ull
#define WRITER_WARN_EVERY_NS 60000000000ull

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct hrec *head, *tail;
    size_t queued;
    uint64_t dropped;
    bool stop, running;
    pthread_t thread;
    struct history_options opt;
    char *path;
    sqlite3 *db;
    struct hwriter w; /* the writer thread's statements and id maps */
} hist = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The sink (event loop) ------------------------------------------------------------------------ */

static void history_sink(void *arg, const struct rec_event *e)
{
    struct hrec *r = hrec_copy(e);
    if (r == NULL)
        return;
    pthread_mutex_lock(&hist.lock);
    if (hist.queued >= WRITER_QUEUE_MAX) { /* only when the disk has been full for long */
        struct hrec *old = hist.head;
        hist.head = old->next;
        hist.queued--;
        hist.dropped++;
        hrec_free(old);
    }
    if (hist.tail)
        hist.tail->next = r;
    else
        hist.head = r;
    hist.tail = r;
    if (++hist.queued >= WRITER_BATCH_EVENTS)
        pthread_cond_signal(&hist.cond);
    pthread_mutex_unlock(&hist.lock);
}

/* The writer thread ---------------------------------------------------------------------------- */

/* Commits a batch; false (nothing committed) when the disk is full or the database fails. */
static bool writer_commit(struct hrec *batch, const char **why)
{
    sqlite3 *db = hist.db;
    hrec_coalesce(batch);
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (struct hrec *r = batch; rc == SQLITE_OK && r != NULL; r = r->next) {
        rc = hwriter_insert(&hist.w, r);
        if (rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH || rc == SQLITE_RANGE) {
            /* One row that cannot be stored (its session aged out, say) must not hold up
             * every event behind it: skip it, keep the batch. */
            log_debug("history: %s event not recorded: %s", rec_kind_name(r->kind),
                      sqlite3_errmsg(db));
            rc = SQLITE_OK;
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return true;
    *why = rc == SQLITE_FULL ? "the disk is full" : sqlite3_errmsg(db);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    hwriter_forget_uncommitted(&hist.w);
    return false;
}

/* Waits out the batch window (or a full batch, or stop) and takes the queue; *stopping says
 * whether stop was asked for, read under the lock. */
static struct hrec *writer_take(uint64_t window_ns, bool *stopping)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(window_ns % 1000000000u);
    until.tv_sec += (time_t)(window_ns / 1000000000u) + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&hist.lock);
    while (!hist.stop && hist.queued < WRITER_BATCH_EVENTS &&
           pthread_cond_timedwait(&hist.cond, &hist.lock, &until) != ETIMEDOUT)
        ;
    struct hrec *batch = hist.head;
    hist.head = hist.tail = NULL;
    hist.queued = 0;
    *stopping = hist.stop;
    pthread_mutex_unlock(&hist.lock);
    return batch;
}

/* A batch that could not be committed goes back in front, to be tried again. */
static void writer_requeue(struct hrec *batch)
{
    struct hrec *last = batch;
    size_t n = 1;
    while (last->next != NULL) {
        last = last->next;
        n++;
    }
    pthread_mutex_lock(&hist.lock);
    last->next = hist.head;
    hist.head = batch;
    if (hist.tail == NULL)
        hist.tail = last;
    hist.queued += n;
    pthread_mutex_unlock(&hist.lock);
}

static void *writer_thread(void *arg)
{
    uint64_t last_warn = 0, last_retention = mono_ns();
    bool paused = false;
    for (;;) {
        bool stopping;
        struct hrec *batch = writer_take(hist.opt.batch_ms * 1000000u, &stopping);
        const char *why = NULL;
        if (batch != NULL && !writer_commit(batch, &why)) {
            writer_requeue(batch);
            if (!paused || mono_ns() - last_warn > WRITER_WARN_EVERY_NS) {
                log_error("history recording PAUSED: %s (%s); events are kept in memory and "
                          "written when it can resume; free space or choose another --db",
                          why, hist.path);
                last_warn = mono_ns();
            }
            paused = true;
            if (stopping)
                break; /* cannot flush: keep the database consistent, lose the queue */
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL);
            continue;
        }
        if (paused && batch != NULL) {
            log_warn("history recording resumed (%s)", hist.path);
            paused = false;
        }
        hrec_free_list(batch);
        if (mono_ns() - last_retention > WRITER_RETENTION_NS) {
            hwriter_retention(&hist.w, hist.opt.max_age_s, hist.opt.max_bytes);
            last_retention = mono_ns();
        }
        if (stopping)
            break; /* the queue was taken under the lock after stop: nothing is left */
    }
    return NULL;
}

/* Start and stop ------------------------------------------------------------------------------ */

int history_start(const struct history_options *o, char *err, size_t errlen)
{
    hist.opt = *o;
    /* SQLite's allocation statistics take a global mutex on every allocation, and the writer
     * allocates for every row; nothing reads them. Only possible before SQLite initialises
     * (the first start; later calls fail harmlessly). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (hist.opt.batch_ms == 0)
        hist.opt.batch_ms = 200;
    if (history_db_open(o->path, false, &hist.db, err, errlen) < 0)
        return -1;
    if (hwriter_init(&hist.w, hist.db, err, errlen) < 0) {
        sqlite3_close(hist.db);
        hist.db = NULL;
        return -1;
    }
    hist.path = strdup(o->path);
    if (pthread_create(&hist.thread, NULL, writer_thread, NULL) != 0) {
        snprintf(err, errlen, "cannot start the history writer thread");
        hwriter_close(&hist.w);
        sqlite3_close(hist.db);
        return -1;
    }
    pthread_setname_np(hist.thread, "history-writer"); /* for top -H, perf and placement */
    hist.running = true;
    recorder_add_sink(history_sink, NULL);
    return 0;
}

void history_stop(void)
{
    if (!hist.running)
        return;
    pthread_mutex_lock(&hist.lock);
    hist.stop = true;
    pthread_cond_signal(&hist.cond);
    pthread_mutex_unlock(&hist.lock);
    pthread_join(hist.thread, NULL);
    hwriter_finish_run(&hist.w);
    hwriter_close(&hist.w);
    sqlite3_close(hist.db);
    if (hist.queued > 0) /* the disk stayed full to the end */
        log_error("history: %zu events could not be written before shutdown (the disk is "
                  "full); they are lost",
                  hist.queued);
    hrec_free_list(hist.head);
    hist.head = hist.tail = NULL;
    hist.queued = 0;
    if (hist.dropped > 0)
        log_error("history: %" PRIu64 " events were dropped while the disk was full", hist.dropped);
    hist.running = false;
}

const char *history_path(void)
{
    return hist.running ? hist.path : NULL;
}
