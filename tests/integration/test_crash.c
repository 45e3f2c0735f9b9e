/*
 * test_crash.c: a driver process dies (SIGKILL) in the middle of a long DMA. The daemon must
 * notice, reset the device and free it; a new driver then finds a reset device that works, the
 * other device's driver never noticed anything, and the daemon is still alive. Over UNIX and TCP,
 * with the doomed DMA in both directions (over TCP the daemon has DMA requests in flight to the
 * dead process).
 */
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "itest.h"

/*
 * DMASIZ holds 23 bits, so one block DMA moves at most 8 MiB - 1: at 8 MiB/s the doomed transfer
 * takes about a second, plenty of time to kill its driver in the middle of it.
 */
static const char crash_config[] = "[device plx0]\n"
                                   "model = plx9656\n"
                                   "sram_size = 64M\n"
                                   "bandwidth = 8M\n"
                                   "\n"
                                   "[device plx1]\n"
                                   "model = plx9656\n";

static struct fixture fx_unix = {.tcp = false, .config = crash_config};
static struct fixture fx_tcp = {.tcp = true, .config = crash_config};

#define BUS_BASE  0x10000000ull
#define CRASH_LEN 0x7FFFF8u
#define GOOD_LEN  0x10000u

/* The doomed driver (child process) ------------------------------------------------------------ */

static int child_start_dma(dmaemu_t *c, bool to_host)
{
    static const struct {
        uint64_t off;
        unsigned width;
        uint32_t value;
    } regs[] = {
        {PLX_INTCSR, 4, 0},
        {PLX_DMAMODE0, 4, DMAMODE_BASIC},
        {PLX_DMAPADR0, 4, (uint32_t)BUS_BASE},
        {PLX_DMADAC0, 4, 0},
        {PLX_DMALADR0, 4, 0},
        {PLX_DMASIZ0, 4, CRASH_LEN},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]) && rc == 0; i++)
        rc = dmaemu_mmio_write(c, BAR_REGS, regs[i].off, regs[i].width, regs[i].value);
    if (rc == 0)
        rc = dmaemu_mmio_write(c, BAR_REGS, PLX_DMADPR0, 4, to_host ? DMADPR_TO_HOST : 0);
    if (rc == 0)
        rc = dmaemu_mmio_write(c, BAR_REGS, PLX_DMACSR0, 1, DMACSR_ENABLE | DMACSR_START);
    uint64_t csr = DMACSR_DONE;
    if (rc == 0)
        rc = dmaemu_mmio_read(c, BAR_REGS, PLX_DMACSR0, 1, &csr);
    if (rc == 0 && (csr & DMACSR_DONE) != 0)
        return 1; /* finished already: the kill would not be mid-DMA */
    return rc;
}

static void child_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void child_report(int fd, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(fd, line, (size_t)n) != n)
        _exit(3);
}

/* Connects (after the fork: nothing is inherited), attaches plx0, starts the DMA, reports. */
static void __attribute__((noreturn)) crash_child(struct fixture *fx, bool to_host, int fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_DRIVER,
                                       .name = "doomed-driver",
                                       .token_file = fx->tcp ? fx->d.token_file : NULL};
    dmaemu_t *c = NULL;
    dmaemu_region_t *r = NULL;
    int rc = dmaemu_connect(harness_uri(&fx->d, fx->tcp), &o, &c);
    if (rc == 0)
        rc = dmaemu_attach(c, "plx0", NULL);
    if (rc == 0)
        rc = dmaemu_region_create(c, BUS_BASE, CRASH_LEN, 0, &r);
    if (rc == 0)
        rc = child_start_dma(c, to_host);
    if (rc == 1)
        child_report(fd, "E the DMA was done before it could be interrupted");
    if (rc < 0)
        child_report(fd, "E %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
    if (rc != 0)
        _exit(1);
    child_report(fd, "S started");
    for (;;)
        pause(); /* until SIGKILL */
}

/* The parent ----------------------------------------------------------------------------------- */

static pid_t spawn_doomed(struct fixture *fx, bool to_host, int *fd)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_child(fx, to_host, p[1]);
    }
    fx->child = pid;
    close(p[1]);
    *fd = p[0];
    return pid;
}

static void check_bystander(struct fixture *fx, dmaemu_t *c, uint64_t v)
{
    assert_int_equal(dmaemu_ping(c), 0);
    mmio_wr(c, BAR_SRAM, 0x40, 8, v);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x40, 8), v);
    assert_true(dmaemu_is_connected(c));
    assert_true(harness_alive(&fx->d));
}

static void kill_mid_dma(struct fixture *fx, pid_t pid, dmaemu_t *mon)
{
    uint64_t csr = 0;
    int rc = dmaemu_mmio_read_device(mon, "plx0", true, BAR_REGS, PLX_DMACSR0, 1, &csr);
    if (rc != 0)
        fail_msg("forced read of plx0 DMACSR0: %d (%s): %s", rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
    assert_int_equal(csr & DMACSR_DONE, 0); /* still running */
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fx->child = 0;
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* Attaches plx0 as soon as the daemon has noticed the death (bounded polling). */
static dmaemu_t *attach_heir(struct fixture *fx)
{
    dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_DRIVER, "heir-driver");
    dmaemu_set_interrupt_handler(c, irq_watch_cb, &fx->irq);
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    int rc;
    while ((rc = dmaemu_attach(c, "plx0", NULL)) == DMAEMU_E_BUSY && itest_now_ms() < deadline)
        itest_backoff();
    if (rc != 0)
        fail_msg("attach plx0 after the crash: %d (%s): %s", rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
    return c;
}

static void check_reset(dmaemu_t *c)
{
    static const uint64_t zero_regs[] = {PLX_DMAMODE0, PLX_DMAPADR0, PLX_DMALADR0,
                                         PLX_DMASIZ0,  PLX_DMADPR0,  PLX_DMADAC0};
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_DMACSR0, 1), DMACSR_DONE);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_DMACSR1, 1), DMACSR_DONE);
    for (size_t i = 0; i < sizeof(zero_regs) / sizeof(zero_regs[0]); i++)
        if (mmio_rd(c, BAR_REGS, zero_regs[i], 4) != 0)
            fail_msg("register 0x%03llx is 0x%llx after the reset",
                     (unsigned long long)zero_regs[i],
                     (unsigned long long)mmio_rd(c, BAR_REGS, zero_regs[i], 4));
    uint64_t intcsr = mmio_rd(c, BAR_REGS, PLX_INTCSR, 4);
    assert_int_equal(intcsr & (INTCSR_ABORT_ACTIVE | INTCSR_DMA0_ACTIVE | INTCSR_DMA1_ACTIVE), 0);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_CNTRL, 4) & (1u << 30), 0);
}

/* A complete transfer each way on the reset device. */
static void good_dma(dmaemu_t *c)
{
    dmaemu_region_t *r = NULL;
    assert_int_equal(dmaemu_region_create(c, BUS_BASE, GOOD_LEN, 0, &r), 0);
    sram_fill(c, 0, GOOD_LEN, 40);
    plx_block_start(c, BUS_BASE, 0, GOOD_LEN, true, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    assert_int_equal(pattern_mismatch(dmaemu_region_ptr(r), GOOD_LEN, 40), -1);

    pattern_fill(dmaemu_region_ptr(r), GOOD_LEN, 41);
    plx_block_start(c, BUS_BASE, 0x100000, GOOD_LEN, false, false);
    assert_int_equal(plx_wait_done(c, ITEST_TIMEOUT_MS) & ~DMACSR_ENABLE, DMACSR_DONE);
    sram_expect(c, 0x100000, GOOD_LEN, 41);
    assert_int_equal(mmio_rd(c, BAR_REGS, PLX_INTCSR, 4) & INTCSR_ABORT_ACTIVE, 0);
    assert_int_equal(dmaemu_region_destroy(c, r), 0);
}

static void crash_and_recover(struct fixture *fx, bool to_host)
{
    int fd;
    pid_t pid = spawn_doomed(fx, to_host, &fd);
    dmaemu_t *bystander = fx_driver(fx, "bystander", "plx1");
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "crash-monitor");
    check_bystander(fx, bystander, 0x1111222233334444ull);

    char line[512];
    itest_read_line(fd, line, sizeof(line));
    close(fd);
    if (line[0] != 'S')
        fail_msg("the doomed driver failed: %s", line);
    kill_mid_dma(fx, pid, mon);
    check_bystander(fx, bystander, 0x5555666677778888ull);

    dmaemu_t *heir = attach_heir(fx);
    check_reset(heir);
    good_dma(heir);
    check_bystander(fx, bystander, 0x99990000AAAABBBBull);
    unsigned as, de;
    bool level;
    irq_watch_get(&fx->irq, &as, &de, &level);
    assert_int_equal(as, 0);
}

static void test_crash_during_dma_to_host(void **state)
{
    crash_and_recover(*state, true);
}

static void test_crash_during_dma_from_host(void **state)
{
    crash_and_recover(*state, false);
}

#define CRASH_TESTS(fx)                                                                            \
    FX_TEST(test_crash_during_dma_to_host, fx), FX_TEST(test_crash_during_dma_from_host, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {CRASH_TESTS(fx_unix)};
    const struct CMUnitTest tcp_tests[] = {CRASH_TESTS(fx_tcp)};
    int failed = cmocka_run_group_tests_name("crash/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("crash/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
