/*
 * fake_driver.c: a RAM device's driver on libdmaemu, in this process or in a child (see
 * fake_driver.h). Nothing here sleeps to synchronise: waits are condition variables with
 * deadlines, and the child is watched through pipes and a pidfd.
 */
#include "fake_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One request kept for later: the worker's queue, or the held list. */
struct fake_req {
    struct fake_req *next;
    uint32_t token;
    uint64_t number;
    enum dmaemu_io_type type;
    uint32_t length, ioctl_code;
    uint64_t offset;
    size_t data_len;
    uint8_t data[]; /* a copy of the write data or the IOCTL input */
};

struct fake_driver {
    dmaemu_t *c;
    int report_fd; /* -1, or the child's event pipe */

    pthread_mutex_t mu;     /* everything below but the memory */
    pthread_cond_t changed; /* held requests or cancels changed (CLOCK_MONOTONIC) */
    pthread_cond_t work;    /* the worker's queue grew, or stopping */
    enum fake_mode mode;
    bool stopping;
    bool worker_started;
    pthread_t worker;
    struct fake_req *queue, **queue_tail;
    struct fake_req *held, **held_tail;
    unsigned nheld;
    uint64_t served;
    unsigned ncancels;
    uint64_t cancels[FAKE_DRIVER_MAX_CANCELS];

    pthread_mutex_t mem_mu; /* the RAM, and the completion that reads from it */
    uint8_t *mem;
    size_t size;
};

/* Time ----------------------------------------------------------------------------------------- */

static int64_t fake_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec fake_deadline(int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    return dl;
}

/* Serving -------------------------------------------------------------------------------------- */

static void fake_report(struct fake_driver *fd, char kind, uint64_t number)
{
    if (fd->report_fd < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof(line), "%c %" PRIu64 "\n", kind, number);
    ssize_t w;
    while ((w = write(fd->report_fd, line, (size_t)n)) < 0 && errno == EINTR)
        ;
}

/* Computes the completion of req and sends it (any thread). */
static void fake_serve(struct fake_driver *fd, const struct dmaemu_io_request *req)
{
    int32_t status = STATUS_SUCCESS;
    uint64_t info = 0;
    const void *out = NULL;
    size_t out_len = 0;
    uint8_t *tmp = NULL;

    pthread_mutex_lock(&fd->mem_mu);
    switch (req->type) {
    case DMAEMU_IO_WRITE:
        if (req->offset > fd->size || req->data_len > fd->size - req->offset) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            memcpy(fd->mem + req->offset, req->data, req->data_len);
            info = req->data_len;
        }
        break;
    case DMAEMU_IO_READ:
        if (req->offset > fd->size) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            size_t left = fd->size - req->offset;
            out = fd->mem + req->offset;
            out_len = req->length < left ? req->length : left;
            info = out_len;
        }
        break;
    case DMAEMU_IO_IOCTL:
        if (req->ioctl_code == FAKE_IOCTL_REVERSE || req->ioctl_code == FAKE_IOCTL_OVERRUN) {
            size_t n = req->data_len;
            if (req->ioctl_code == FAKE_IOCTL_REVERSE && req->length < n)
                n = req->length;
            tmp = malloc(n ? n : 1);
            if (tmp == NULL) {
                status = (int32_t)0xC000009A; /* STATUS_INSUFFICIENT_RESOURCES */
                break;
            }
            const uint8_t *in = req->data;
            for (size_t i = 0; i < n; i++)
                tmp[i] = in[req->data_len - 1 - i];
            out = tmp;
            out_len = n;
            info = req->ioctl_code == FAKE_IOCTL_REVERSE ? n : req->data_len;
        } else {
            status = STATUS_INVALID_DEVICE_REQUEST;
        }
        break;
    default: status = STATUS_INVALID_DEVICE_REQUEST; break;
    }
    /* Counted before the completion leaves, so that an application that has its answer sees
     * it counted. */
    pthread_mutex_lock(&fd->mu);
    fd->served++;
    pthread_mutex_unlock(&fd->mu);
    int rc = dmaemu_io_complete(fd->c, req->token, status, info, out, out_len);
    pthread_mutex_unlock(&fd->mem_mu);
    free(tmp);
    if (rc != 0) {
        pthread_mutex_lock(&fd->mu);
        fd->served--;
        pthread_mutex_unlock(&fd->mu);
    }
}

static struct fake_req *fake_copy(const struct dmaemu_io_request *req)
{
    struct fake_req *r = malloc(sizeof(*r) + req->data_len);
    if (r == NULL)
        return NULL;
    r->next = NULL;
    r->token = req->token;
    r->number = req->number;
    r->type = req->type;
    r->length = req->length;
    r->ioctl_code = req->ioctl_code;
    r->offset = req->offset;
    r->data_len = req->data_len;
    if (req->data_len > 0)
        memcpy(r->data, req->data, req->data_len);
    return r;
}

static void fake_serve_copy(struct fake_driver *fd, const struct fake_req *r)
{
    struct dmaemu_io_request req = {
        .token = r->token,
        .number = r->number,
        .type = r->type,
        .length = r->length,
        .ioctl_code = r->ioctl_code,
        .offset = r->offset,
        .data = r->data,
        .data_len = r->data_len,
    };
    fake_serve(fd, &req);
}

/* The request callback (event thread). */
static void fake_on_request(void *arg, const struct dmaemu_io_request *req)
{
    struct fake_driver *fd = arg;
    pthread_mutex_lock(&fd->mu);
    enum fake_mode mode = fd->mode;
    bool stopping = fd->stopping;
    pthread_mutex_unlock(&fd->mu);
    if (stopping)
        return; /* closing: the daemon fails what we leave */
    if (mode == FAKE_SYNC) {
        fake_serve(fd, req);
        return;
    }
    struct fake_req *r = fake_copy(req);
    if (r == NULL) {
        dmaemu_io_complete(fd->c, req->token, (int32_t)0xC000009A, 0, NULL, 0);
        return;
    }
    pthread_mutex_lock(&fd->mu);
    if (mode == FAKE_WORKER) {
        *fd->queue_tail = r;
        fd->queue_tail = &r->next;
        pthread_cond_signal(&fd->work);
    } else {
        *fd->held_tail = r;
        fd->held_tail = &r->next;
        fd->nheld++;
        pthread_cond_broadcast(&fd->changed);
    }
    pthread_mutex_unlock(&fd->mu);
    if (mode == FAKE_HOLD)
        fake_report(fd, 'H', req->number);
}

static void fake_on_cancel(void *arg, uint64_t number)
{
    struct fake_driver *fd = arg;
    pthread_mutex_lock(&fd->mu);
    if (fd->ncancels < FAKE_DRIVER_MAX_CANCELS)
        fd->cancels[fd->ncancels] = number;
    fd->ncancels++;
    pthread_cond_broadcast(&fd->changed);
    pthread_mutex_unlock(&fd->mu);
    fake_report(fd, 'C', number);
}

static void *fake_worker(void *arg)
{
    struct fake_driver *fd = arg;
    pthread_mutex_lock(&fd->mu);
    for (;;) {
        while (fd->queue == NULL && !fd->stopping)
            pthread_cond_wait(&fd->work, &fd->mu);
        if (fd->stopping)
            break;
        struct fake_req *r = fd->queue;
        fd->queue = r->next;
        if (fd->queue == NULL)
            fd->queue_tail = &fd->queue;
        pthread_mutex_unlock(&fd->mu);
        fake_serve_copy(fd, r);
        free(r);
        pthread_mutex_lock(&fd->mu);
    }
    pthread_mutex_unlock(&fd->mu);
    return NULL;
}

/* Life cycle ----------------------------------------------------------------------------------- */

static void free_list(struct fake_req *r)
{
    while (r != NULL) {
        struct fake_req *next = r->next;
        free(r);
        r = next;
    }
}

static void fake_free(struct fake_driver *fd)
{
    free_list(fd->queue);
    free_list(fd->held);
    free(fd->mem);
    pthread_mutex_destroy(&fd->mu);
    pthread_mutex_destroy(&fd->mem_mu);
    pthread_cond_destroy(&fd->changed);
    pthread_cond_destroy(&fd->work);
    free(fd);
}

static struct fake_driver *fake_alloc(const struct fake_driver_options *o, int report_fd)
{
    struct fake_driver *fd = calloc(1, sizeof(*fd));
    if (fd == NULL)
        return NULL;
    fd->size = o->size ? o->size : FAKE_DRIVER_DEFAULT_SIZE;
    fd->mem = calloc(1, fd->size);
    if (fd->mem == NULL) {
        free(fd);
        return NULL;
    }
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_mutex_init(&fd->mu, NULL);
    pthread_mutex_init(&fd->mem_mu, NULL);
    pthread_cond_init(&fd->changed, &a);
    pthread_cond_init(&fd->work, NULL);
    pthread_condattr_destroy(&a);
    fd->report_fd = report_fd;
    fd->mode = o->mode;
    fd->queue_tail = &fd->queue;
    fd->held_tail = &fd->held;
    return fd;
}

static void fake_stop_worker(struct fake_driver *fd)
{
    pthread_mutex_lock(&fd->mu);
    fd->stopping = true;
    pthread_cond_broadcast(&fd->work);
    pthread_mutex_unlock(&fd->mu);
    if (fd->worker_started)
        pthread_join(fd->worker, NULL);
    fd->worker_started = false;
}

static int fake_start(const struct fake_driver_options *o, int report_fd, struct fake_driver **out)
{
    struct fake_driver *fd = fake_alloc(o, report_fd);
    if (fd == NULL)
        return DMAEMU_E_NO_MEMORY;
    struct dmaemu_connect_options co = {
        .role = DMAEMU_ROLE_DRIVER,
        .name = o->name ? o->name : "fake-driver",
        .token_file = o->token_file,
        .max_data = o->max_data,
    };
    int rc = dmaemu_connect(o->uri, &co, &fd->c);
    if (rc != 0) {
        fake_free(fd);
        return rc;
    }
    struct dmaemu_io_handlers h = {fake_on_request, fake_on_cancel, fd};
    dmaemu_set_io_handlers(fd->c, &h);
    if (pthread_create(&fd->worker, NULL, fake_worker, fd) != 0) {
        dmaemu_close(fd->c);
        fake_free(fd);
        return DMAEMU_E_SYSTEM;
    }
    fd->worker_started = true;
    rc = dmaemu_attach(fd->c, o->device, NULL);
    if (rc != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", dmaemu_last_error());
        fake_stop_worker(fd);
        dmaemu_close(fd->c);
        fake_free(fd);
        fprintf(stderr, "fake_driver: attach %s: %d (%s): %s\n", o->device, rc, dmaemu_strerror(rc),
                msg);
        return rc;
    }
    *out = fd;
    return 0;
}

int fake_driver_start(const struct fake_driver_options *opts, struct fake_driver **out)
{
    return fake_start(opts, -1, out);
}

void fake_driver_stop(struct fake_driver *fd)
{
    if (fd == NULL)
        return;
    fake_stop_worker(fd);
    dmaemu_close(fd->c); /* joins the event thread: no callback runs after this */
    fake_free(fd);
}

dmaemu_t *fake_driver_conn(struct fake_driver *fd)
{
    return fd->c;
}

void fake_driver_set_mode(struct fake_driver *fd, enum fake_mode mode)
{
    pthread_mutex_lock(&fd->mu);
    fd->mode = mode;
    pthread_mutex_unlock(&fd->mu);
}

uint64_t fake_driver_served(struct fake_driver *fd)
{
    pthread_mutex_lock(&fd->mu);
    uint64_t n = fd->served;
    pthread_mutex_unlock(&fd->mu);
    return n;
}

/* Held requests and cancels -------------------------------------------------------------------- */

unsigned fake_driver_held(struct fake_driver *fd)
{
    pthread_mutex_lock(&fd->mu);
    unsigned n = fd->nheld;
    pthread_mutex_unlock(&fd->mu);
    return n;
}

static bool fake_wait(struct fake_driver *fd, const unsigned *counter, unsigned n, int timeout_ms)
{
    struct timespec dl = fake_deadline(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&fd->mu);
    while (*counter < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&fd->changed, &fd->mu, &dl);
    bool ok = *counter >= n;
    pthread_mutex_unlock(&fd->mu);
    return ok;
}

bool fake_driver_wait_held(struct fake_driver *fd, unsigned n, int timeout_ms)
{
    return fake_wait(fd, &fd->nheld, n, timeout_ms);
}

unsigned fake_driver_held_numbers(struct fake_driver *fd, uint64_t *numbers, unsigned cap)
{
    pthread_mutex_lock(&fd->mu);
    unsigned i = 0;
    for (struct fake_req *r = fd->held; r != NULL; r = r->next, i++)
        if (i < cap)
            numbers[i] = r->number;
    pthread_mutex_unlock(&fd->mu);
    return i;
}

static struct fake_req *fake_take_held(struct fake_driver *fd, unsigned *count)
{
    pthread_mutex_lock(&fd->mu);
    struct fake_req *list = fd->held;
    *count = fd->nheld;
    fd->held = NULL;
    fd->held_tail = &fd->held;
    fd->nheld = 0;
    pthread_cond_broadcast(&fd->changed);
    pthread_mutex_unlock(&fd->mu);
    return list;
}

unsigned fake_driver_release(struct fake_driver *fd, bool reverse)
{
    unsigned n;
    struct fake_req *list = fake_take_held(fd, &n);
    if (reverse) {
        struct fake_req *rev = NULL;
        while (list != NULL) {
            struct fake_req *next = list->next;
            list->next = rev;
            rev = list;
            list = next;
        }
        list = rev;
    }
    while (list != NULL) {
        struct fake_req *next = list->next;
        fake_serve_copy(fd, list);
        free(list);
        list = next;
    }
    return n;
}

unsigned fake_driver_drop_held(struct fake_driver *fd)
{
    unsigned n;
    free_list(fake_take_held(fd, &n));
    return n;
}

unsigned fake_driver_cancels(struct fake_driver *fd)
{
    pthread_mutex_lock(&fd->mu);
    unsigned n = fd->ncancels;
    pthread_mutex_unlock(&fd->mu);
    return n;
}

bool fake_driver_wait_cancels(struct fake_driver *fd, unsigned n, int timeout_ms)
{
    return fake_wait(fd, &fd->ncancels, n, timeout_ms);
}

unsigned fake_driver_cancel_numbers(struct fake_driver *fd, uint64_t *numbers, unsigned cap)
{
    pthread_mutex_lock(&fd->mu);
    unsigned n = fd->ncancels;
    for (unsigned i = 0; i < n && i < cap && i < FAKE_DRIVER_MAX_CANCELS; i++)
        numbers[i] = fd->cancels[i];
    pthread_mutex_unlock(&fd->mu);
    return n;
}

uint8_t *fake_driver_memory(struct fake_driver *fd, size_t *size)
{
    if (size != NULL)
        *size = fd->size;
    return fd->mem;
}

/* In a child process --------------------------------------------------------------------------- */

static void __attribute__((noreturn))
fake_child_main(const struct fake_driver_options *o, int events, int control)
{
    signal(SIGPIPE, SIG_IGN);
    struct fake_driver *fd = NULL;
    int rc = fake_start(o, events, &fd);
    if (rc != 0) {
        dprintf(events, "E %d (%s): %s\n", rc, dmaemu_strerror(rc), dmaemu_last_error());
        _exit(1);
    }
    dprintf(events, "ready\n");
    char b;
    ssize_t n;
    while ((n = read(control, &b, 1)) > 0 || (n < 0 && errno == EINTR))
        ;
    bool connected = dmaemu_is_connected(fd->c);
    fake_driver_stop(fd);
    _exit(connected ? 0 : FAKE_CHILD_DISCONNECTED);
}

/* Waits up to timeout_ms for pid to exit; 0 with *status, or -1 on timeout. */
static int fake_wait_exit(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = fake_now_ms() + timeout_ms;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        do {
            int64_t left = deadline - fake_now_ms();
            r = poll(&p, 1, left < 0 ? 0 : (int)left);
        } while (r < 0 && errno == EINTR);
        close(pfd);
        if (r <= 0)
            return -1;
        return waitpid(pid, status, 0) == pid ? 0 : -1;
    }
    for (;;) { /* no pidfds: bounded polling */
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 || fake_now_ms() >= deadline)
            return -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static void fake_child_close(struct fake_child *ch)
{
    if (ch->events >= 0)
        close(ch->events);
    if (ch->control >= 0)
        close(ch->control);
    ch->events = ch->control = -1;
}

/* Reads one line (without its newline) into line; false on timeout or end of file. */
static bool fake_child_line(struct fake_child *ch, char *line, size_t cap, int timeout_ms)
{
    int64_t deadline = fake_now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(ch->buf, '\n', ch->len);
        if (nl != NULL) {
            size_t n = (size_t)(nl - ch->buf);
            snprintf(line, cap, "%.*s", (int)n, ch->buf);
            memmove(ch->buf, nl + 1, ch->len - n - 1);
            ch->len -= n + 1;
            return true;
        }
        if (ch->len == sizeof(ch->buf) - 1 || ch->events < 0)
            return false;
        int64_t left = deadline - fake_now_ms();
        struct pollfd p = {.fd = ch->events, .events = POLLIN};
        int r = poll(&p, 1, left < 0 ? 0 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        ssize_t got = read(ch->events, ch->buf + ch->len, sizeof(ch->buf) - 1 - ch->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        ch->len += (size_t)got;
    }
}

int fake_child_spawn(const struct fake_driver_options *opts, struct fake_child *ch)
{
    int ev[2], ctl[2];
    memset(ch, 0, sizeof(*ch));
    ch->events = ch->control = -1;
    if (pipe2(ev, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(ctl, O_CLOEXEC) < 0) {
        close(ev[0]);
        close(ev[1]);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(ev[0]);
        close(ctl[1]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(2);
        fake_child_main(opts, ev[1], ctl[0]);
    }
    close(ev[1]);
    close(ctl[0]);
    if (pid < 0) {
        close(ev[0]);
        close(ctl[1]);
        return -1;
    }
    ch->pid = pid;
    ch->events = ev[0];
    ch->control = ctl[1];
    char line[sizeof(ch->buf)] = "";
    if (fake_child_line(ch, line, sizeof(line), 10000) && strcmp(line, "ready") == 0)
        return 0;
    fake_child_kill(ch);
    snprintf(ch->buf, sizeof(ch->buf), "%s", line[0] ? line : "no report from the child");
    return -1;
}

enum fake_event fake_child_next(struct fake_child *ch, uint64_t *number, int timeout_ms)
{
    char line[sizeof(ch->buf)];
    char kind;
    unsigned long long n;
    line[0] = '\0';
    if (!fake_child_line(ch, line, sizeof(line), timeout_ms))
        return FAKE_EVENT_NONE;
    if (sscanf(line, "%c %llu", &kind, &n) != 2 || (kind != 'H' && kind != 'C')) {
        fprintf(stderr, "fake_driver: unexpected report from the child: \"%s\"\n", line);
        return FAKE_EVENT_NONE;
    }
    *number = n;
    return (enum fake_event)kind;
}

int fake_child_kill(struct fake_child *ch)
{
    int status = 0;
    if (ch->pid > 0) {
        kill(ch->pid, SIGKILL);
        while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
            ;
        ch->pid = 0;
    }
    fake_child_close(ch);
    return status;
}

int fake_child_stop(struct fake_child *ch, int timeout_ms)
{
    int status = 0;
    if (ch->pid <= 0)
        return -1;
    close(ch->control);
    ch->control = -1;
    if (fake_wait_exit(ch->pid, timeout_ms, &status) < 0) {
        fake_child_kill(ch);
        return -1;
    }
    ch->pid = 0;
    fake_child_close(ch);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
