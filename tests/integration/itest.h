/*
 * itest.h: helpers shared by the foundation integration tests (session, dma, crash, cli).
 *
 * A test runs against a fixture: one private daemon (started in setup, stopped in teardown, which
 * fails the test unless the daemon is still alive and exits 0 on SIGTERM), the transport every
 * client of the test uses, and the clients, application handles and child process that teardown
 * cleans up after a failure.
 * Header-only (static inline) so that each test file takes what it needs.
 */
#ifndef DMAEMU_ITEST_H
#define DMAEMU_ITEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"

/*
 * Starts path with argv as a child whose stdout and stderr go to log (truncated) and whose
 * stdin is /dev/null, with the signals a test sends (TERM, INT) and PIPE at their defaults
 * and none blocked, whatever the test process itself has. 0, or an errno value.
 */
static inline int itest_spawn_logged(const char *path, char *const argv[], const char *log,
                                     pid_t *pid)
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGTERM);
    sigaddset(&deflt, SIGINT);
    sigaddset(&deflt, SIGPIPE);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &deflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(pid, path, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
}

/* plx9656 registers (BAR0) and bits used by these tests ---------------------------------------- */

#define BAR_REGS 0
#define BAR_SRAM 2

#define PLX_INTCSR   0x068
#define PLX_CNTRL    0x06C
#define PLX_PCIHIDR  0x070
#define PLX_PCIHREV  0x074
#define PLX_DMAMODE0 0x080
#define PLX_DMAPADR0 0x084
#define PLX_DMALADR0 0x088
#define PLX_DMASIZ0  0x08C
#define PLX_DMADPR0  0x090
#define PLX_DMAMODE1 0x094
#define PLX_DMACSR0  0x0A8
#define PLX_DMACSR1  0x0A9
#define PLX_DMADAC0  0x0B4

#define INTCSR_PCI_INT_EN    (1u << 8)
#define INTCSR_ABORT_INT_EN  (1u << 10)
#define INTCSR_ABORT_ACTIVE  (1u << 14)
#define INTCSR_DMA0_INT_EN   (1u << 18)
#define INTCSR_DMA0_ACTIVE   (1u << 21)
#define INTCSR_DMA1_ACTIVE   (1u << 22)
#define INTCSR_DMA0_ABORT_BM (1u << 25)

/* 32-bit local bus, ready input, BTERM, local burst: what real drivers write, stored only. */
#define DMAMODE_BASIC       0x1C3u
#define DMAMODE_DONE_INT_EN (1u << 10)
#define DMAMODE_INT_TO_PCI  (1u << 17)

#define DMADPR_TO_HOST (1u << 3)

#define DMACSR_ENABLE    0x01u
#define DMACSR_START     0x02u
#define DMACSR_CLEAR_INT 0x08u
#define DMACSR_DONE      0x10u

#define PLX_SRAM_DEFAULT 0x20000u
#define PLX_VENDOR       0x10B5u
#define PLX_DEVICE       0x9601u

#define ITEST_TIMEOUT_MS 10000

/* Time ----------------------------------------------------------------------------------------- */

static inline int64_t itest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Back-off between attempts of a bounded polling loop (never used to wait for an event). */
static inline void itest_backoff(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* A mutex and a condition variable whose timed waits run on CLOCK_MONOTONIC (deadlines from
 * itest_deadline), so that a step of the wall clock neither stretches nor cuts a wait. */
static inline void itest_cond_init(pthread_mutex_t *mu, pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_mutex_init(mu, NULL);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

/* The CLOCK_MONOTONIC time timeout_ms from now, for pthread_cond_timedwait on such a variable. */
static inline struct timespec itest_deadline(int timeout_ms)
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

/* Interrupt observation ------------------------------------------------------------------------ */

struct irq_watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned asserts, deasserts;
    bool level;
    unsigned last_index;
    enum dmaemu_irq_kind last_kind;
};

static inline void irq_watch_init(struct irq_watch *w)
{
    itest_cond_init(&w->mu, &w->cv);
    w->asserts = w->deasserts = 0;
    w->level = false;
}

/* The interrupt callback: runs on the library's event thread, only records and signals. */
static inline void irq_watch_cb(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted)
{
    struct irq_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    if (asserted)
        w->asserts++;
    else
        w->deasserts++;
    w->level = asserted;
    w->last_index = index;
    w->last_kind = kind;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until the line has been asserted `asserts` times and deasserted `deasserts` times. */
static inline bool irq_watch_wait(struct irq_watch *w, unsigned asserts, unsigned deasserts,
                                  int timeout_ms)
{
    struct timespec dl = itest_deadline(timeout_ms);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while ((w->asserts < asserts || w->deasserts < deasserts) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &dl);
    bool ok = w->asserts >= asserts && w->deasserts >= deasserts;
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static inline void irq_watch_get(struct irq_watch *w, unsigned *asserts, unsigned *deasserts,
                                 bool *level)
{
    pthread_mutex_lock(&w->mu);
    *asserts = w->asserts;
    *deasserts = w->deasserts;
    *level = w->level;
    pthread_mutex_unlock(&w->mu);
}

/* Failing from shared helpers ------------------------------------------------------------------ */

/*
 * Called by itest_fail before it fails the test. A test binary that has more to show than the
 * message (the logs of its driver processes) points it at a function that prints that, so that
 * the helpers below fail the way the test's own code does. NULL: nothing more.
 */
static void (*itest_fail_hook)(void);

#define itest_fail(...)                                                                            \
    do {                                                                                           \
        if (itest_fail_hook != NULL)                                                               \
            itest_fail_hook();                                                                     \
        fail_msg(__VA_ARGS__);                                                                     \
    } while (0)

/* Application handles -------------------------------------------------------------------------- */

#define ITEST_MAX_FILES 16

/* The handles itest_open opened and itest_close has not closed: a test that fails holding some
 * leaves them to fx_teardown. */
static dmaemu_file_t *itest_files[ITEST_MAX_FILES];

/* Opens device as an application; the handle must be closed with itest_close. */
static inline dmaemu_file_t *itest_open(dmaemu_t *app, const char *device)
{
    int slot = 0;
    while (slot < ITEST_MAX_FILES && itest_files[slot] != NULL)
        slot++;
    if (slot == ITEST_MAX_FILES)
        itest_fail("too many open handles");
    dmaemu_file_t *f = NULL;
    int rc = dmaemu_open(app, device, &f);
    if (rc != 0 || f == NULL)
        itest_fail("open %s: %d (%s): %s", device, rc, dmaemu_strerror(rc), dmaemu_last_error());
    itest_files[slot] = f;
    return f;
}

static inline void itest_close(dmaemu_file_t *f)
{
    for (int i = 0; i < ITEST_MAX_FILES; i++)
        if (itest_files[i] == f)
            itest_files[i] = NULL;
    int rc = dmaemu_file_close(f);
    if (rc != 0)
        itest_fail("close: %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
}

/* Teardown: closes what a failed test left open (before its connections close). */
static inline void itest_close_leftovers(void)
{
    for (int i = 0; i < ITEST_MAX_FILES; i++) {
        if (itest_files[i] != NULL)
            dmaemu_file_close(itest_files[i]);
        itest_files[i] = NULL;
    }
}

/* Checks a completed request: the call's rc, then every field of the result (the daemon numbers
 * every request, its own completions too, so number 0 is an error). */
static inline void itest_expect_result(const char *what, int rc, const struct dmaemu_io_result *r,
                                       int32_t status, uint64_t information, size_t data_len)
{
    if (rc != 0)
        itest_fail("%s: rc %d (%s): %s", what, rc, dmaemu_strerror(rc), dmaemu_last_error());
    if (r->status != status || r->information != information || r->data_len != data_len)
        itest_fail("%s: status 0x%08X information %llu data_len %zu; expected 0x%08X %llu %zu",
                   what, (unsigned)r->status, (unsigned long long)r->information, r->data_len,
                   (unsigned)status, (unsigned long long)information, data_len);
    if (r->number == 0)
        itest_fail("%s: request number 0", what);
}

/* Child processes ------------------------------------------------------------------------------ */

/*
 * Reads one line (up to and with its '\n', NUL-terminated; or as much as fits in cap) that a
 * forked child reports on the pipe fd, within ITEST_TIMEOUT_MS. One byte at a time, so that a
 * later line stays in the pipe for the next call. Fails the test if the child says nothing in
 * time or closes the pipe first.
 */
static inline void itest_read_line(int fd, char *line, size_t cap)
{
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    size_t len = 0;
    line[0] = '\0';
    while (strchr(line, '\n') == NULL && len + 1 < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - itest_now_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            itest_fail("the child did not report within %d ms (\"%s\")", ITEST_TIMEOUT_MS, line);
        ssize_t n = read(fd, line + len, 1);
        if (n <= 0)
            itest_fail("the child exited without a report (\"%s\")", line);
        len += (size_t)n;
        line[len] = '\0';
    }
}

/* Fixture -------------------------------------------------------------------------------------- */

#define FX_MAX_CLIENTS 16

struct fixture {
    bool tcp;
    const char *config; /* NULL: the daemon's built-in devices */
    struct harness_daemon d;
    dmaemu_t *clients[FX_MAX_CLIENTS];
    pid_t child;
    struct irq_watch irq;
};

static inline int fx_setup(void **state)
{
    struct fixture *fx = *state;
    memset(fx->clients, 0, sizeof(fx->clients));
    fx->child = 0;
    irq_watch_init(&fx->irq);
    return harness_start(&fx->d, fx->config);
}

static inline int fx_teardown(void **state)
{
    struct fixture *fx = *state;
    int status;
    if (fx->child > 0) {
        kill(fx->child, SIGKILL);
        waitpid(fx->child, &status, 0);
        fx->child = 0;
    }
    itest_close_leftovers();
    for (int i = 0; i < FX_MAX_CLIENTS; i++) {
        if (fx->clients[i] != NULL)
            dmaemu_close(fx->clients[i]);
        fx->clients[i] = NULL;
    }
    bool alive = harness_alive(&fx->d);
    if (!alive)
        fprintf(stderr, "itest: dmaemud died during the test\n");
    int rc = harness_stop(&fx->d);
    return alive && rc == 0 ? 0 : -1;
}

/* Connects a client that teardown closes if the test does not. */
static inline dmaemu_t *fx_connect(struct fixture *fx, enum dmaemu_role role, const char *name)
{
    dmaemu_t *c = harness_connect(&fx->d, fx->tcp, role, name);
    for (int i = 0; i < FX_MAX_CLIENTS; i++) {
        if (fx->clients[i] == NULL) {
            fx->clients[i] = c;
            return c;
        }
    }
    dmaemu_close(c);
    fail_msg("itest: too many clients");
    return NULL;
}

static inline void fx_close(struct fixture *fx, dmaemu_t *c)
{
    for (int i = 0; i < FX_MAX_CLIENTS; i++)
        if (fx->clients[i] == c)
            fx->clients[i] = NULL;
    dmaemu_close(c);
}

/* A driver attached to `device`, with its interrupts recorded in fx->irq. */
static inline dmaemu_t *fx_driver(struct fixture *fx, const char *name, const char *device)
{
    dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_DRIVER, name);
    dmaemu_set_interrupt_handler(c, irq_watch_cb, &fx->irq);
    int rc = dmaemu_attach(c, device, NULL);
    if (rc != 0)
        fail_msg("attach %s: %d (%s): %s", device, rc, dmaemu_strerror(rc), dmaemu_last_error());
    return c;
}

#define FX_TEST(f, fx) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(fx))

/* MMIO ----------------------------------------------------------------------------------------- */

static inline uint64_t mmio_rd(dmaemu_t *c, unsigned bar, uint64_t off, unsigned width)
{
    uint64_t v = 0;
    int rc = dmaemu_mmio_read(c, bar, off, width, &v);
    if (rc != 0)
        fail_msg("mmio read bar %u +0x%llx /%u: %d (%s): %s", bar, (unsigned long long)off, width,
                 rc, dmaemu_strerror(rc), dmaemu_last_error());
    return v;
}

static inline void mmio_wr(dmaemu_t *c, unsigned bar, uint64_t off, unsigned width, uint64_t v)
{
    int rc = dmaemu_mmio_write(c, bar, off, width, v);
    if (rc != 0)
        fail_msg("mmio write bar %u +0x%llx /%u = 0x%llx: %d (%s): %s", bar,
                 (unsigned long long)off, width, (unsigned long long)v, rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
}

/* Test data: a pattern that does not repeat every 256 bytes, so misplaced bytes show. */
static inline uint8_t pattern_byte(uint64_t i, unsigned seed)
{
    return (uint8_t)((i * 131u) ^ (i >> 8) ^ (seed * 0x9Du) ^ 0x5Au);
}

static inline void pattern_fill(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = pattern_byte(i, seed);
}

/* Index of the first byte differing from the pattern, or -1. */
static inline long pattern_mismatch(const uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern_byte(i, seed))
            return (long)i;
    return -1;
}

static inline uint64_t pattern_u64(uint64_t i, unsigned seed)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < 8; b++)
        v |= (uint64_t)pattern_byte(i + b, seed) << (8 * b);
    return v;
}

/* Fills SRAM [off, off + len) with the pattern (len a multiple of 8), 8-byte writes. */
static inline void sram_fill(dmaemu_t *c, uint64_t off, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i += 8)
        mmio_wr(c, BAR_SRAM, off + i, 8, pattern_u64(i, seed));
}

static inline void sram_expect(dmaemu_t *c, uint64_t off, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = mmio_rd(c, BAR_SRAM, off + i, 8);
        if (v != pattern_u64(i, seed))
            fail_msg("SRAM +0x%llx: 0x%016llx, expected 0x%016llx", (unsigned long long)(off + i),
                     (unsigned long long)v, (unsigned long long)pattern_u64(i, seed));
    }
}

static inline long bytes_mismatch(const uint8_t *p, size_t len, uint8_t value)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != value)
            return (long)i;
    return -1;
}

/* plx9656 block-mode DMA on channel 0 ---------------------------------------------------------- */

static inline void plx_block_start(dmaemu_t *c, uint64_t bus, uint32_t local, uint32_t len,
                                   bool to_host, bool irq)
{
    uint32_t intcsr = irq ? INTCSR_PCI_INT_EN | INTCSR_DMA0_INT_EN : 0;
    uint32_t mode = DMAMODE_BASIC | (irq ? DMAMODE_DONE_INT_EN | DMAMODE_INT_TO_PCI : 0);
    mmio_wr(c, BAR_REGS, PLX_INTCSR, 4, intcsr);
    mmio_wr(c, BAR_REGS, PLX_DMAMODE0, 4, mode);
    mmio_wr(c, BAR_REGS, PLX_DMAPADR0, 4, (uint32_t)bus);
    mmio_wr(c, BAR_REGS, PLX_DMADAC0, 4, (uint32_t)(bus >> 32));
    mmio_wr(c, BAR_REGS, PLX_DMALADR0, 4, local);
    mmio_wr(c, BAR_REGS, PLX_DMASIZ0, 4, len);
    mmio_wr(c, BAR_REGS, PLX_DMADPR0, 4, to_host ? DMADPR_TO_HOST : 0);
    mmio_wr(c, BAR_REGS, PLX_DMACSR0, 1, DMACSR_ENABLE | DMACSR_START);
}

/* Polls DMACSR0 until Done (bounded); returns the last value read. */
static inline uint64_t plx_wait_done(dmaemu_t *c, int timeout_ms)
{
    int64_t deadline = itest_now_ms() + timeout_ms;
    uint64_t v;
    while (((v = mmio_rd(c, BAR_REGS, PLX_DMACSR0, 1)) & DMACSR_DONE) == 0)
        if (itest_now_ms() > deadline)
            fail_msg("DMA channel 0 not done after %d ms (DMACSR0 0x%02llx)", timeout_ms,
                     (unsigned long long)v);
    return v;
}

#endif
