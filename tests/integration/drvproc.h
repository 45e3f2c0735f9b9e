/*
 * drvproc.h: KMDF driver processes (driver-shim) in integration tests: starting one against the
 * fixture's daemon with its stderr in a log file, waiting for its exit with a deadline, reading
 * its log and the daemon's, and application requests with deadlines (asynchronous I/O, so a
 * driver that never answers fails the test instead of hanging it).
 *
 * Header-only (static inline), like itest.h. Nothing sleeps to synchronise: exits are waited
 * for through pidfds, completions through condition variables, log lines by bounded polling.
 */
#ifndef DMAEMU_DRVPROC_H
#define DMAEMU_DRVPROC_H

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "itest.h"

#define DRV_START_TIMEOUT_MS 20000 /* a driver process comes up and serves */
#define DRV_EXIT_TIMEOUT_MS  20000 /* a driver process ends (power-down waits up to 3 s) */
#define DRV_IO_TIMEOUT_MS    10000 /* an application request completes */
#define DRV_LOG_TIMEOUT_MS   10000 /* a line appears in a log */
#define DRV_MAX              4

#define STATUS_SUCCESS              ((int32_t)0x00000000)
#define STATUS_DEVICE_NOT_CONNECTED ((int32_t)0xC000009D)
#define STATUS_DEVICE_REMOVED       ((int32_t)0xC00002B6)
#define STATUS_CANCELLED            ((int32_t)0xC0000120)

extern char **environ;

struct drv {
    pid_t pid;  /* 0 once reaped */
    int status; /* wait status, once reaped */
    bool used;
    char log[384];
};

static struct drv drv_table[DRV_MAX];
static unsigned drv_serial;

static inline int drv_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* A whole file as a NUL-terminated string (free() it); "" if it cannot be read. */
static inline char *drv_slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    if (f == NULL)
        return buf;
    size_t n;
    while ((n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* Occurrences of needle in text. */
static inline unsigned drv_count(const char *text, const char *needle)
{
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The last max bytes of text (all of it if shorter). */
static inline const char *drv_tail(const char *text, size_t max)
{
    size_t len = text ? strlen(text) : 0;
    return text == NULL ? "" : len > max ? text + len - max : text;
}

/* The driver logs and the daemon's, printed when a test fails: the ends of them, where the
 * failure is (a driver that moved a lot of data can have written a long log). */
static inline void drv_dump_logs(const char *daemon_log)
{
    for (int i = 0; i < DRV_MAX; i++) {
        if (!drv_table[i].used)
            continue;
        char *text = drv_slurp(drv_table[i].log);
        fprintf(stderr, "---- driver log %s (tail) ----\n%s---- end of driver log ----\n",
                drv_table[i].log, drv_tail(text, 32768));
        free(text);
    }
    if (daemon_log != NULL) {
        char *text = drv_slurp(daemon_log);
        fprintf(stderr, "---- dmaemud log (tail) ----\n%s---- end of dmaemud log ----\n",
                drv_tail(text, 16384));
        free(text);
    }
}

/* fail_msg with every log of the test first; needs a `struct fixture *fx` in scope. */
#define dfail(...)                                                                                 \
    do {                                                                                           \
        drv_dump_logs(fx->d.log_path);                                                             \
        fail_msg(__VA_ARGS__);                                                                     \
    } while (0)

/* Waits up to timeout_ms for the driver to exit; true with d->status set. */
static inline bool drv_wait_exit(struct drv *d, int timeout_ms)
{
    if (d->pid <= 0)
        return true;
    int64_t deadline = itest_now_ms() + timeout_ms;
    int pfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        do {
            int64_t left = deadline - itest_now_ms();
            r = poll(&p, 1, left > 0 ? (int)left : 0);
        } while (r < 0 && errno == EINTR);
        close(pfd);
        if (r <= 0 || waitpid(d->pid, &d->status, 0) != d->pid)
            return false;
        d->pid = 0;
        return true;
    }
    for (;;) { /* no pidfds: bounded polling */
        pid_t r = waitpid(d->pid, &d->status, WNOHANG);
        if (r == d->pid) {
            d->pid = 0;
            return true;
        }
        if (r < 0 || itest_now_ms() >= deadline)
            return false;
        itest_backoff();
    }
}

/* True while the driver process runs (reaps it otherwise). */
static inline bool drv_alive(struct drv *d)
{
    if (d->pid <= 0)
        return false;
    if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
        d->pid = 0;
        return false;
    }
    return true;
}

/*
 * Starts the driver executable at path with argv[1..] = args (NULL-terminated), stdout and
 * stderr to a log file in the daemon's directory, signals at their defaults. Returns NULL (and
 * sets errno) if it cannot be started.
 */
static inline struct drv *drv_spawn(struct fixture *fx, const char *path, const char *const args[])
{
    struct drv *d = NULL;
    for (int i = 0; i < DRV_MAX && d == NULL; i++)
        if (!drv_table[i].used)
            d = &drv_table[i];
    if (d == NULL)
        dfail("too many driver processes");
    memset(d, 0, sizeof(*d));
    d->used = true;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(d->log, sizeof(d->log), "%s/%s-%u.log", fx->d.dir, base, drv_serial++);

    char *argv[16];
    int n = 0;
    argv[n++] = (char *)path;
    for (int i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;

    pid_t pid;
    int rc = itest_spawn_logged(path, argv, d->log, &pid);
    if (rc != 0)
        dfail("cannot start %s: %s", path, strerror(rc));
    d->pid = pid;
    return d;
}

/* Starts a driver for device on the fixture's daemon, over the fixture's transport (with the
 * token file over TCP); the options in extra (NULL-terminated, or NULL) follow. */
static inline struct drv *drv_start_argv(struct fixture *fx, const char *path, const char *device,
                                         const char *const extra[])
{
    const char *args[14];
    int n = 0;
    args[n++] = "--device";
    args[n++] = device;
    args[n++] = "--daemon";
    args[n++] = harness_uri(&fx->d, fx->tcp);
    if (fx->tcp) {
        args[n++] = "--token-file";
        args[n++] = fx->d.token_file;
    }
    for (int i = 0; extra != NULL && extra[i] != NULL; i++) {
        if (n == 13)
            dfail("too many driver options");
        args[n++] = extra[i];
    }
    args[n] = NULL;
    return drv_spawn(fx, path, args);
}

/* drv_start_argv with one extra option (or NULL). */
static inline struct drv *drv_start(struct fixture *fx, const char *path, const char *device,
                                    const char *extra)
{
    const char *const args[] = {extra, NULL};
    return drv_start_argv(fx, path, device, args);
}

/* The driver must exit by itself within timeout_ms with exit status `expected`. */
static inline void drv_expect_exit(struct fixture *fx, struct drv *d, int expected, int timeout_ms)
{
    if (!drv_wait_exit(d, timeout_ms))
        dfail("the driver (pid %d) did not exit within %d ms", (int)d->pid, timeout_ms);
    if (drv_exit_code(d->status) != expected)
        dfail("the driver exited with status %d, expected %d", drv_exit_code(d->status), expected);
}

/* SIGTERM: the driver powers down and exits with `expected` within timeout_ms. */
static inline void drv_stop_within(struct fixture *fx, struct drv *d, int expected, int timeout_ms)
{
    if (!drv_alive(d))
        dfail("the driver already ended (status %d) before SIGTERM", drv_exit_code(d->status));
    int64_t t0 = itest_now_ms();
    assert_int_equal(kill(d->pid, SIGTERM), 0);
    if (!drv_wait_exit(d, timeout_ms))
        dfail("the driver (pid %d) did not exit within %d ms of SIGTERM", (int)d->pid, timeout_ms);
    if (drv_exit_code(d->status) != expected)
        dfail("the driver exited with status %d after SIGTERM (expected %d, after %lld ms)",
              drv_exit_code(d->status), expected, (long long)(itest_now_ms() - t0));
}

/* SIGTERM: the driver powers down and exits with `expected` in bounded time. */
static inline void drv_stop(struct fixture *fx, struct drv *d, int expected)
{
    drv_stop_within(fx, d, expected, DRV_EXIT_TIMEOUT_MS);
}

/* SIGKILL: the driver dies of it within timeout_ms (a test of what others see when a driver
 * disappears without powering down). */
static inline void drv_kill(struct fixture *fx, struct drv *d, int timeout_ms)
{
    if (!drv_alive(d))
        dfail("the driver already ended (status %d) before SIGKILL", drv_exit_code(d->status));
    assert_int_equal(kill(d->pid, SIGKILL), 0);
    if (!drv_wait_exit(d, timeout_ms))
        dfail("the driver survived SIGKILL for %d ms", timeout_ms);
    if (!WIFSIGNALED(d->status) || WTERMSIG(d->status) != SIGKILL)
        dfail("the driver ended with status %d, not of SIGKILL", drv_exit_code(d->status));
}

/* Teardown: SIGKILL what still runs, forget the logs. */
static inline void drv_cleanup(void)
{
    for (int i = 0; i < DRV_MAX; i++) {
        if (drv_table[i].pid > 0) {
            kill(drv_table[i].pid, SIGKILL);
            drv_wait_exit(&drv_table[i], DRV_EXIT_TIMEOUT_MS);
        }
        drv_table[i].used = false;
    }
}

/* Polls the file at path (bounded) until it contains needle; returns its text (free() it), or
 * NULL if the deadline passes first. */
static inline char *drv_wait_text(const char *path, const char *needle, int timeout_ms)
{
    int64_t deadline = itest_now_ms() + timeout_ms;
    for (;;) {
        char *text = drv_slurp(path);
        if (text != NULL && strstr(text, needle) != NULL)
            return text;
        free(text);
        if (itest_now_ms() >= deadline)
            return NULL;
        itest_backoff();
    }
}

/* The first line of text containing needle, copied into line (cap bytes); false if none. */
static inline bool drv_find_line(const char *text, const char *needle, char *line, size_t cap)
{
    const char *hit = strstr(text, needle);
    if (hit == NULL)
        return false;
    const char *start = hit;
    while (start > text && start[-1] != '\n')
        start--;
    const char *end = strchr(hit, '\n');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len >= cap)
        len = cap - 1;
    memcpy(line, start, len);
    line[len] = '\0';
    return true;
}

/* Asynchronous application requests with deadlines -------------------------------------------- */

struct app_io {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
    struct dmaemu_io_result res;
};

static inline void app_io_init(struct app_io *w)
{
    itest_cond_init(&w->mu, &w->cv);
    w->done = false;
    w->rc = 0;
    memset(&w->res, 0, sizeof(w->res));
}

/* The completion callback (event thread): records and signals. */
static inline void app_io_done(void *arg, int rc, const struct dmaemu_io_result *res)
{
    struct app_io *w = arg;
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    if (res != NULL)
        w->res = *res;
    w->done = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits up to timeout_ms for the request to complete; true if it did. */
static inline bool app_io_wait(struct app_io *w, int timeout_ms)
{
    struct timespec dl = itest_deadline(timeout_ms);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &dl);
    bool done = w->done;
    pthread_mutex_unlock(&w->mu);
    return done;
}

static inline bool app_io_finished(struct app_io *w)
{
    pthread_mutex_lock(&w->mu);
    bool done = w->done;
    pthread_mutex_unlock(&w->mu);
    return done;
}

/* Opens device as an application (the file works before its driver attaches). */
static inline dmaemu_file_t *app_open(struct fixture *fx, dmaemu_t *app, const char *device)
{
    dmaemu_file_t *f = NULL;
    int rc = dmaemu_open(app, device, &f);
    if (rc != 0 || f == NULL)
        dfail("open %s: %d (%s): %s", device, rc, dmaemu_strerror(rc), dmaemu_last_error());
    return f;
}

#endif
