/*
 * test_session.c: sessions over UNIX and TCP: hello, ping, device list, attach/detach ownership,
 * MMIO access checks, TCP authentication, malformed frames from raw sockets, and a local
 * driver's call channel.
 */
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"
#include "message.h"

static struct fixture fx_unix = {.tcp = false};
static struct fixture fx_tcp = {.tcp = true};

/* Hello and ping ------------------------------------------------------------------------------- */

static void test_hello_ping(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *a = fx_connect(fx, DMAEMU_ROLE_DRIVER, "hello-driver");
    dmaemu_t *b = fx_connect(fx, DMAEMU_ROLE_MONITOR, "hello-monitor");
    dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_APP, "hello-app");

    assert_true(dmaemu_is_connected(a));
    assert_int_equal(dmaemu_is_remote(a), fx->tcp);
    assert_int_equal(dmaemu_is_remote(b), fx->tcp);
    assert_int_not_equal(dmaemu_session_id(a), 0);
    assert_int_not_equal(dmaemu_session_id(a), dmaemu_session_id(b));
    assert_int_not_equal(dmaemu_session_id(b), dmaemu_session_id(c));
    assert_int_not_equal(dmaemu_session_id(a), dmaemu_session_id(c));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dmaemu_ping(a), 0);
        assert_int_equal(dmaemu_ping(b), 0);
        assert_int_equal(dmaemu_ping(c), 0);
    }
    fx_close(fx, b);
    assert_int_equal(dmaemu_ping(a), 0);
    assert_true(dmaemu_is_connected(a));
}

/* Device list ---------------------------------------------------------------------------------- */

static const struct dmaemu_device_info *find_dev(const struct dmaemu_device_info *l, int n,
                                                 const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(l[i].name, name) == 0)
            return &l[i];
    fail_msg("device %s not in the list of %d", name, n);
    return NULL;
}

static void check_plx_identity(const struct dmaemu_device_info *di, const char *name)
{
    static const struct dmaemu_bar bars[4] = {{0, DMAEMU_BAR_MEMORY, 0x200},
                                              {1, DMAEMU_BAR_IO, 0x100},
                                              {2, DMAEMU_BAR_MEMORY, 0x20000},
                                              {3, DMAEMU_BAR_MEMORY, 0x20000}};
    assert_string_equal(di->name, name);
    assert_string_equal(di->model, "plx9656");
    assert_int_equal(di->vendor_id, PLX_VENDOR);
    assert_int_equal(di->device_id, PLX_DEVICE);
    assert_int_equal(di->bar_count, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(di->bars[i].index, bars[i].index);
        assert_int_equal(di->bars[i].kind, bars[i].kind);
        assert_int_equal(di->bars[i].size, bars[i].size);
    }
    assert_int_equal(di->irq_kind, DMAEMU_IRQ_LINE);
    assert_int_equal(di->irq_count, 1);
}

static void test_device_list(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *m = fx_connect(fx, DMAEMU_ROLE_MONITOR, "list-monitor");
    struct dmaemu_device_info *list = NULL;
    int n = dmaemu_devices(m, &list);
    assert_int_equal(n, 2);
    check_plx_identity(find_dev(list, n, "plx0"), "plx0");
    check_plx_identity(find_dev(list, n, "plx1"), "plx1");
    assert_false(find_dev(list, n, "plx0")->owned);
    assert_false(find_dev(list, n, "plx1")->owned);
    uint8_t rev = find_dev(list, n, "plx0")->revision;
    free(list);

    /* What attach reports is the same identity, and the registers agree with it. */
    dmaemu_t *drv = fx_connect(fx, DMAEMU_ROLE_DRIVER, "list-driver");
    struct dmaemu_device_info info;
    memset(&info, 0xEE, sizeof(info));
    assert_int_equal(dmaemu_attach(drv, "plx0", &info), 0);
    check_plx_identity(&info, "plx0");
    assert_int_equal(info.revision, rev);
    assert_int_equal(mmio_rd(drv, BAR_REGS, PLX_PCIHIDR, 4), (PLX_DEVICE << 16) | PLX_VENDOR);
    assert_int_equal(mmio_rd(drv, BAR_REGS, PLX_PCIHREV, 4) & 0xFF, rev);
}

/* Attach, busy, detach ------------------------------------------------------------------------- */

/* As dmaemu.h documents it: "local pid 123 uid 0" or "tcp://10.0.0.2:40000". */
static void check_peer(struct fixture *fx, const char *peer)
{
    char want[64];
    if (fx->tcp)
        snprintf(want, sizeof(want), "tcp://127.0.0.1:");
    else
        snprintf(want, sizeof(want), "local pid %d", (int)getpid());
    size_t n = strlen(want);
    bool ok = strncmp(peer, want, n) == 0;
    if (fx->tcp)
        ok = ok && strspn(peer + n, "0123456789") == strlen(peer + n) && peer[n] != '\0';
    else
        ok = ok && (peer[n] == '\0' || peer[n] == ' ');
    if (!ok)
        fail_msg("owner_peer \"%s\" is not of the form \"%s...\"", peer, want);
}

static void check_owner(struct fixture *fx, dmaemu_t *m, const char *dev, dmaemu_t *owner,
                        const char *owner_name)
{
    struct dmaemu_device_info *list = NULL, di;
    int n = dmaemu_devices(m, &list);
    assert_int_equal(n, 2);
    di = *find_dev(list, n, dev);
    free(list);
    assert_int_equal(di.owned, owner != NULL);
    if (owner != NULL) {
        assert_int_equal(di.owner_session, dmaemu_session_id(owner));
        assert_string_equal(di.owner_name, owner_name);
        check_peer(fx, di.owner_peer);
    }
}

static void test_attach_busy_detach(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *m = fx_connect(fx, DMAEMU_ROLE_MONITOR, "busy-monitor");
    dmaemu_t *a = fx_connect(fx, DMAEMU_ROLE_DRIVER, "first-driver");
    dmaemu_t *b = fx_connect(fx, DMAEMU_ROLE_DRIVER, "second-driver");

    assert_int_equal(dmaemu_attach(a, "plx0", NULL), 0);
    check_owner(fx, m, "plx0", a, "first-driver");
    check_owner(fx, m, "plx1", NULL, NULL);

    assert_int_equal(dmaemu_attach(b, "plx0", NULL), DMAEMU_E_BUSY);
    const char *msg = dmaemu_last_error();
    assert_non_null(msg);
    if (strstr(msg, "first-driver") == NULL)
        fail_msg("BUSY message does not name the owner: \"%s\"", msg);
    check_owner(fx, m, "plx0", a, "first-driver");

    /* The refused session still works and may take the other device. */
    assert_int_equal(dmaemu_ping(b), 0);
    assert_int_equal(dmaemu_attach(b, "plx1", NULL), 0);
    check_owner(fx, m, "plx1", b, "second-driver");
    assert_int_equal(dmaemu_detach(b), 0);

    assert_int_equal(dmaemu_detach(a), 0);
    check_owner(fx, m, "plx0", NULL, NULL);
    assert_int_equal(dmaemu_attach(b, "plx0", NULL), 0);
    check_owner(fx, m, "plx0", b, "second-driver");
    assert_int_equal(dmaemu_attach(a, "plx0", NULL), DMAEMU_E_BUSY);
}

static void test_attach_refusals(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *drv = fx_connect(fx, DMAEMU_ROLE_DRIVER, "refused-driver");
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "refused-monitor");
    assert_int_equal(dmaemu_attach(drv, "plx7", NULL), DMAEMU_E_NO_DEVICE);
    assert_int_equal(dmaemu_attach(mon, "plx0", NULL), DMAEMU_E_PERMISSION);
    check_owner(fx, mon, "plx0", NULL, NULL);
    assert_int_equal(dmaemu_attach(drv, "plx0", NULL), 0);
}

/* Closing the owner frees the device (the daemon notices asynchronously: bounded retry). */
static void test_close_frees_device(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *a = fx_connect(fx, DMAEMU_ROLE_DRIVER, "closing-driver");
    dmaemu_t *b = fx_connect(fx, DMAEMU_ROLE_DRIVER, "waiting-driver");
    assert_int_equal(dmaemu_attach(a, "plx1", NULL), 0);
    fx_close(fx, a);
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    int rc;
    while ((rc = dmaemu_attach(b, "plx1", NULL)) == DMAEMU_E_BUSY && itest_now_ms() < deadline)
        itest_backoff();
    assert_int_equal(rc, 0);
}

/* MMIO ----------------------------------------------------------------------------------------- */

/*
 * A refused MMIO write is reported by the write itself or, since writes are posted, by the next
 * synchronous call; either way exactly once, and the session works afterwards.
 */
static void expect_write_refused(dmaemu_t *c, unsigned bar, uint64_t off, unsigned width, int code)
{
    int rc = dmaemu_mmio_write(c, bar, off, width, 0x1122334455667788ull);
    if (rc == 0)
        rc = dmaemu_ping(c);
    assert_int_equal(rc, code);
    assert_int_equal(dmaemu_ping(c), 0);
}

static void expect_read_refused(dmaemu_t *c, unsigned bar, uint64_t off, unsigned width, int code)
{
    uint64_t v = 0;
    assert_int_equal(dmaemu_mmio_read(c, bar, off, width, &v), code);
    assert_int_equal(dmaemu_ping(c), 0);
}

static void test_mmio_not_attached(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_DRIVER, "unattached-driver");
    expect_read_refused(c, BAR_SRAM, 0, 4, DMAEMU_E_NOT_ATTACHED);
    expect_read_refused(c, BAR_REGS, PLX_PCIHIDR, 4, DMAEMU_E_NOT_ATTACHED);
    expect_write_refused(c, BAR_SRAM, 0, 4, DMAEMU_E_NOT_ATTACHED);

    assert_int_equal(dmaemu_attach(c, "plx0", NULL), 0);
    mmio_wr(c, BAR_SRAM, 0x40, 4, 0xA1B2C3D4);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x40, 4), 0xA1B2C3D4);
    assert_int_equal(dmaemu_detach(c), 0);
    expect_read_refused(c, BAR_SRAM, 0x40, 4, DMAEMU_E_NOT_ATTACHED);
    expect_write_refused(c, BAR_SRAM, 0x40, 4, DMAEMU_E_NOT_ATTACHED);
}

static void test_mmio_widths(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "width-driver", "plx0");

    mmio_wr(c, BAR_SRAM, 0x100, 8, 0x0123456789ABCDEFull);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x100, 8), 0x0123456789ABCDEFull);
    static const uint8_t le[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(mmio_rd(c, BAR_SRAM, 0x100 + i, 1), le[i]);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x102, 2), 0x89AB);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x104, 4), 0x01234567);

    mmio_wr(c, BAR_SRAM, 0x200, 1, 0x5A);
    mmio_wr(c, BAR_SRAM, 0x201, 1, 0xA5);
    mmio_wr(c, BAR_SRAM, 0x202, 2, 0xBEEF);
    mmio_wr(c, BAR_SRAM, 0x204, 4, 0xCAFEF00D);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x200, 8), 0xCAFEF00DBEEFA55Aull);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x202, 2), 0xBEEF);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x204, 4), 0xCAFEF00D);

    /* The last bytes of the BAR. */
    mmio_wr(c, BAR_SRAM, 0x1FFF8, 8, 0xFEDCBA9876543210ull);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x1FFF8, 8), 0xFEDCBA9876543210ull);
    mmio_wr(c, BAR_SRAM, 0x1FFFF, 1, 0x77);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x1FFFF, 1), 0x77);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x1FFF8, 8), 0x77DCBA9876543210ull);

    /* Both devices have SRAM of their own. */
    dmaemu_t *c1 = fx_driver(fx, "width-driver-1", "plx1");
    mmio_wr(c1, BAR_SRAM, 0x100, 8, 0x1111111111111111ull);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x100, 8), 0x0123456789ABCDEFull);
    assert_int_equal(mmio_rd(c1, BAR_SRAM, 0x100, 8), 0x1111111111111111ull);
}

static void test_mmio_range(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "range-driver", "plx0");
    mmio_wr(c, BAR_SRAM, 0x1FFF8, 8, 0x0102030405060708ull);

    expect_read_refused(c, BAR_SRAM, 0x20000, 1, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, 0x1FFFC, 8, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, 0x1FFFF, 2, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, UINT64_MAX - 3, 8, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, 0, 3, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, 0, 0, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_SRAM, 0, 16, DMAEMU_E_RANGE);
    expect_read_refused(c, BAR_REGS, 0x200, 4, DMAEMU_E_RANGE);
    expect_read_refused(c, 4, 0, 4, DMAEMU_E_RANGE);
    expect_read_refused(c, 9, 0, 4, DMAEMU_E_RANGE);

    expect_write_refused(c, BAR_SRAM, 0x1FFFC, 8, DMAEMU_E_RANGE);
    expect_write_refused(c, BAR_SRAM, 0x20000, 4, DMAEMU_E_RANGE);
    expect_write_refused(c, BAR_SRAM, 0x1FFF8, 3, DMAEMU_E_RANGE);
    expect_write_refused(c, BAR_REGS, 0x1FE, 4, DMAEMU_E_RANGE);
    expect_write_refused(c, 5, 0, 4, DMAEMU_E_RANGE);

    /* Nothing of a refused access landed, and the session still works. */
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x1FFF8, 8), 0x0102030405060708ull);
    mmio_wr(c, BAR_SRAM, 0x10, 4, 0x600DF00D);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x10, 4), 0x600DF00D);
    assert_true(dmaemu_is_connected(c));
}

/* Concurrency: one connection used from several threads at once -------------------------------- */

#define WORKERS    4
#define WORKER_OPS 500

struct worker {
    dmaemu_t *c;
    unsigned id;
    int failures;
    char why[160];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t base = 0x1000 + (uint64_t)w->id * 0x1000;
    for (unsigned i = 0; i < WORKER_OPS && w->failures == 0; i++) {
        uint64_t v = ((uint64_t)w->id << 56) | ((uint64_t)i << 8) | 0xA5, got = 0;
        int rc = dmaemu_mmio_write(w->c, BAR_SRAM, base + (i % 64) * 8, 8, v);
        if (rc == 0)
            rc = dmaemu_mmio_read(w->c, BAR_SRAM, base + (i % 64) * 8, 8, &got);
        if (rc == 0 && i % 50 == 0)
            rc = dmaemu_ping(w->c);
        if (rc != 0 || got != v) {
            w->failures++;
            snprintf(w->why, sizeof(w->why), "op %u: rc %d, read 0x%llx, wrote 0x%llx", i, rc,
                     (unsigned long long)got, (unsigned long long)v);
        }
    }
    return NULL;
}

static void test_concurrent_calls(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "threaded-driver", "plx0");
    pthread_t t[WORKERS];
    struct worker w[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++) {
        w[i] = (struct worker){.c = c, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (unsigned i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (unsigned i = 0; i < WORKERS; i++)
        if (w[i].failures != 0)
            fail_msg("worker %u: %s", i, w[i].why);
}

/* Daemon shutdown with clients connected ------------------------------------------------------- */

struct disc_watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;
    int code;
};

static struct disc_watch disc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void disc_cb(void *arg, int code, const char *message)
{
    struct disc_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    w->calls++;
    w->code = code;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static int disc_wait(struct disc_watch *w, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000 + 1;
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (w->calls == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &dl);
    int calls = w->calls;
    pthread_mutex_unlock(&w->mu);
    return calls;
}

/* SIGTERM with an attached driver: exit status 0, the client learns of it and fails cleanly. */
static void test_daemon_shutdown(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "survivor", "plx0");
    disc.calls = 0;
    dmaemu_set_disconnect_handler(c, disc_cb, &disc);
    mmio_wr(c, BAR_SRAM, 0, 4, 1);
    assert_int_equal(harness_stop(&fx->d), 0);
    assert_int_equal(disc_wait(&disc, ITEST_TIMEOUT_MS), 1);
    assert_false(dmaemu_is_connected(c));
    assert_int_equal(dmaemu_ping(c), DMAEMU_E_DISCONNECTED);
    uint64_t v;
    assert_int_equal(dmaemu_mmio_read(c, BAR_SRAM, 0, 4, &v), DMAEMU_E_DISCONNECTED);
    assert_int_equal(dmaemu_mmio_write(c, BAR_SRAM, 0, 4, 2), DMAEMU_E_DISCONNECTED);
    fx_close(fx, c);
    assert_int_equal(disc.calls, 1);
    /* A fresh daemon for teardown. */
    assert_int_equal(harness_start(&fx->d, fx->config), 0);
}

/* TCP authentication --------------------------------------------------------------------------- */

static int connect_with(struct fixture *fx, const char *token, const char *token_file)
{
    struct dmaemu_connect_options o = {
        .role = DMAEMU_ROLE_MONITOR, .name = "auth", .token = token, .token_file = token_file};
    dmaemu_t *c = NULL;
    int rc = dmaemu_connect(fx->d.tcp_uri, &o, &c);
    if (rc == 0) {
        rc = dmaemu_ping(c);
        dmaemu_close(c);
    }
    return rc;
}

static void test_tcp_auth(void **state)
{
    struct fixture *fx = *state;
    char wrong[65], wrong_file[400], line[80];
    snprintf(wrong, sizeof(wrong), "%s", fx->d.token);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    snprintf(wrong_file, sizeof(wrong_file), "%s/wrong-token", fx->d.dir);
    FILE *f = fopen(wrong_file, "we");
    assert_non_null(f);
    snprintf(line, sizeof(line), "%s\n", wrong);
    fputs(line, f);
    fclose(f);

    assert_int_equal(connect_with(fx, NULL, wrong_file), DMAEMU_E_AUTH);
    assert_int_equal(connect_with(fx, NULL, NULL), DMAEMU_E_AUTH);
    assert_int_equal(connect_with(fx, wrong, NULL), DMAEMU_E_AUTH);
    assert_int_equal(connect_with(fx, "", NULL), DMAEMU_E_AUTH);
    char prefix[65];
    snprintf(prefix, sizeof(prefix), "%.63s", fx->d.token);
    assert_int_equal(connect_with(fx, prefix, NULL), DMAEMU_E_AUTH);
    char longer[80];
    snprintf(longer, sizeof(longer), "%s0", fx->d.token);
    assert_int_equal(connect_with(fx, longer, NULL), DMAEMU_E_AUTH);

    assert_int_equal(connect_with(fx, fx->d.token, NULL), 0);
    assert_int_equal(connect_with(fx, NULL, fx->d.token_file), 0);
    assert_true(harness_alive(&fx->d));
}

/* Raw sockets and malformed frames ------------------------------------------------------------- */

static const struct frame_limits raw_limits = {.max_body = 1u << 20, .max_data = 1u << 24};

static int raw_open(struct fixture *fx)
{
    int fd;
    if (fx->tcp) {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons((uint16_t)atoi(strrchr(fx->d.tcp_uri, ':') + 1));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    } else {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->d.unix_uri + 5);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    return fd;
}

/* Sends everything; a peer that already hung up is fine (that is a clean disconnect too). */
static void raw_send(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            return;
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
}

static void raw_send_msg(int fd, uint16_t type, uint32_t id, const ProtobufCMessage *m)
{
    size_t len;
    uint8_t *buf = msg_encode(type, 0, id, m, 0, &len);
    assert_non_null(buf);
    raw_send(fd, buf, len);
    free(buf);
}

static void raw_send_header(int fd, uint16_t type, uint16_t flags, uint32_t id, uint32_t body,
                            uint32_t data)
{
    struct frame_header h = {type, flags, id, body, data};
    uint8_t hdr[FRAME_HEADER_SIZE];
    frame_header_encode(&h, hdr);
    raw_send(fd, hdr, sizeof(hdr));
}

enum raw_outcome { RAW_FRAME, RAW_CLOSED, RAW_TIMEOUT, RAW_BAD_FRAME };

/* Waits for one frame (copied to *f, body/data into *fb) or the end of the connection. */
static enum raw_outcome raw_recv(int fd, struct frame_buf *fb, struct frame *f)
{
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    for (;;) {
        int st = frame_buf_next(fb, &raw_limits, f);
        if (st == FRAME_COMPLETE)
            return RAW_FRAME;
        if (st < 0)
            return RAW_BAD_FRAME;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - itest_now_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return RAW_TIMEOUT;
        uint8_t *space;
        size_t room;
        assert_int_equal(frame_buf_space(fb, &raw_limits, &space, &room), 0);
        ssize_t n = recv(fd, space, room, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return RAW_CLOSED;
        assert_true(n > 0);
        frame_buf_commit(fb, (size_t)n);
    }
}

/* The daemon's answer to a malformed frame: an Error (with one of the allowed codes) or EOF. */
static void raw_expect_refusal(int fd, const char *what, unsigned allowed_codes, uint32_t id)
{
    struct frame_buf fb;
    struct frame f;
    frame_buf_init(&fb);
    enum raw_outcome o = raw_recv(fd, &fb, &f);
    if (o == RAW_FRAME) {
        if (f.h.type != DMAEMU__MSG_TYPE__MSG_ERROR)
            fail_msg("%s: the daemon answered with %s, not an Error", what,
                     msg_type_name(f.h.type));
        /* An answer to a request: REPLY flag and the request's id. */
        if (id != 0 && (f.h.flags != FRAME_REPLY || f.h.request_id != id))
            fail_msg("%s: Error frame with flags 0x%x id %u, expected REPLY and id %u", what,
                     f.h.flags, f.h.request_id, id);
        Dmaemu__Error *e = (Dmaemu__Error *)msg_decode(&f);
        assert_non_null(e);
        if ((allowed_codes & (1u << e->code)) == 0)
            fail_msg("%s: Error code %s (\"%s\")", what, msg_error_code_name(e->code), e->message);
        msg_free(&e->base);
    } else if (o != RAW_CLOSED) {
        fail_msg("%s: %s", what, o == RAW_TIMEOUT ? "no answer and no disconnect" : "bad frame");
    }
    frame_buf_free(&fb);
}

/* Says Hello on a raw socket (with the token over TCP) and checks the HelloReply. */
static void raw_hello_as(struct fixture *fx, int fd, Dmaemu__Role role)
{
    Dmaemu__Hello h = DMAEMU__HELLO__INIT;
    Dmaemu__Limits lim = DMAEMU__LIMITS__INIT;
    lim.max_body = raw_limits.max_body;
    lim.max_data = raw_limits.max_data;
    lim.max_regions = 16;
    h.version_min = h.version_max = DMAEMU_PROTOCOL_VERSION;
    h.role = role;
    h.client_name = (char *)"raw-socket";
    h.limits = &lim;
    h.pid = (uint32_t)getpid();
    if (fx->tcp) {
        h.token.data = (uint8_t *)fx->d.token;
        h.token.len = strlen(fx->d.token);
    }
    raw_send_msg(fd, DMAEMU__MSG_TYPE__MSG_HELLO, 1, &h.base);
    struct frame_buf fb;
    struct frame f;
    frame_buf_init(&fb);
    assert_int_equal(raw_recv(fd, &fb, &f), RAW_FRAME);
    assert_int_equal(f.h.type, DMAEMU__MSG_TYPE__MSG_HELLO_REPLY);
    assert_int_equal(f.h.flags, FRAME_REPLY);
    assert_int_equal(f.h.request_id, 1);
    frame_buf_free(&fb);
}

static void raw_hello(struct fixture *fx, int fd)
{
    raw_hello_as(fx, fd, DMAEMU__ROLE__ROLE_MONITOR);
}

#define CODE(c)      (1u << DMAEMU__ERROR_CODE__##c)
#define ALLOW_PROTO  CODE(E_PROTOCOL)
#define ALLOW_LIMIT  (CODE(E_PROTOCOL) | CODE(E_LIMIT))
#define ALLOW_BEFORE (CODE(E_PROTOCOL) | CODE(E_AUTH) | CODE(E_PERMISSION))

static void bad_garbage(int fd)
{
    static const char junk[] = "GET / HTTP/1.1\r\nHost: dmaemu\r\n\r\n\xff\xfe\x00\x01garbage";
    raw_send(fd, junk, sizeof(junk));
}

static void bad_oversize_body(int fd)
{
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_PING, 0, 5, 0x7FFFFFF0u, 0);
}

static void bad_oversize_data(int fd)
{
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_PING, 0, 5, 2, 0xFFFFFFF0u);
    raw_send(fd, "\x08\x01", 2);
}

static void bad_truncated(int fd)
{
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_PING, 0, 5, 16, 0);
    raw_send(fd, "\x08\x01\x08", 3);
    shutdown(fd, SHUT_WR);
}

static void bad_unknown_type(int fd)
{
    raw_send_header(fd, 999, 0, 5, 0, 0);
}

static void bad_invalid_type(int fd)
{
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_INVALID, 0, 5, 0, 0);
}

static void bad_flags(int fd)
{
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_PING, 0x80, 5, 0, 0);
}

static void bad_protobuf(int fd)
{
    static const uint8_t body[] = {0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0A, 0x7F, 0x01};
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_HELLO, 0, 5, sizeof(body), 0);
    raw_send(fd, body, sizeof(body));
}

static void bad_protobuf_ping(int fd)
{
    static const uint8_t body[] = {0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    raw_send_header(fd, DMAEMU__MSG_TYPE__MSG_PING, 0, 5, sizeof(body), 0);
    raw_send(fd, body, sizeof(body));
}

static void bad_mmio_read(int fd)
{
    Dmaemu__MmioRead r = DMAEMU__MMIO_READ__INIT;
    r.bar = BAR_SRAM;
    r.width = 4;
    r.device = (char *)"plx0";
    r.force = true;
    raw_send_msg(fd, DMAEMU__MSG_TYPE__MSG_MMIO_READ, 5, &r.base);
}

static void bad_reply_from_client(int fd)
{
    Dmaemu__HelloReply r = DMAEMU__HELLO_REPLY__INIT;
    raw_send_msg(fd, DMAEMU__MSG_TYPE__MSG_HELLO_REPLY, 9, &r.base);
}

struct bad_case {
    const char *name;
    void (*send)(int fd);
    unsigned allowed;
    bool after_hello;
    uint32_t id; /* the request id sent, 0 if none */
};

static const struct bad_case bad_cases[] = {
    {"garbage before hello", bad_garbage, ALLOW_PROTO, false, 0},
    {"garbage after hello", bad_garbage, ALLOW_PROTO, true, 0},
    {"oversize body", bad_oversize_body, ALLOW_LIMIT, false, 5},
    {"oversize body after hello", bad_oversize_body, ALLOW_LIMIT, true, 5},
    {"oversize data after hello", bad_oversize_data, ALLOW_LIMIT, true, 5},
    {"truncated frame then close", bad_truncated, ALLOW_PROTO, false, 5},
    {"truncated frame then close after hello", bad_truncated, ALLOW_PROTO, true, 5},
    {"unknown type", bad_unknown_type, ALLOW_PROTO, false, 5},
    {"unknown type after hello", bad_unknown_type, ALLOW_PROTO, true, 5},
    {"type 0 after hello", bad_invalid_type, ALLOW_PROTO, true, 5},
    {"unknown flags after hello", bad_flags, ALLOW_PROTO, true, 5},
    {"Hello with a bad protobuf body", bad_protobuf, ALLOW_PROTO, false, 5},
    {"Ping with a bad protobuf body", bad_protobuf_ping, ALLOW_PROTO, true, 5},
    {"MmioRead before Hello", bad_mmio_read, ALLOW_BEFORE, false, 5},
    {"HelloReply sent by a client", bad_reply_from_client, ALLOW_PROTO, true, 9},
};

static void check_bystander(struct fixture *fx, dmaemu_t *c, uint32_t v)
{
    assert_int_equal(dmaemu_ping(c), 0);
    mmio_wr(c, BAR_SRAM, 0x80, 4, v);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x80, 4), v);
    assert_true(dmaemu_is_connected(c));
    assert_true(harness_alive(&fx->d));
}

static void test_malformed_frames(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *bystander = fx_driver(fx, "bystander", "plx0");
    check_bystander(fx, bystander, 0x12345678);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *bc = &bad_cases[i];
        int fd = raw_open(fx);
        if (bc->after_hello)
            raw_hello(fx, fd);
        bc->send(fd);
        raw_expect_refusal(fd, bc->name, bc->allowed, bc->id);
        close(fd);
        check_bystander(fx, bystander, 0xC0DE0000u + (uint32_t)i);
    }
    /* A well-behaved raw client is still served. */
    int fd = raw_open(fx);
    raw_hello(fx, fd);
    close(fd);
    check_bystander(fx, bystander, 0xFFFF0000u);
}

/* Batched writes ------------------------------------------------------------------------------ */

static uint64_t observed(dmaemu_t *monitor, uint64_t off)
{
    uint64_t v = 0;
    assert_int_equal(dmaemu_mmio_read_device(monitor, "plx0", true, BAR_SRAM, off, 4, &v), 0);
    return v;
}

/* A batched write reaches the device with the connection's next frame or at dmaemu_flush(),
 * in order, and not before; its errors come as a posted write's do. */
static void test_batched_writes(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *c = fx_driver(fx, "batcher", "plx0");
    dmaemu_t *m = fx_connect(fx, DMAEMU_ROLE_MONITOR, "observer");
    mmio_wr(c, BAR_SRAM, 0x100, 4, 1);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x100, 4), 1);

    assert_int_equal(dmaemu_mmio_write_batched(c, BAR_SRAM, 0x100, 4, 2), 0);
    assert_int_equal(dmaemu_mmio_write_batched(c, BAR_SRAM, 0x104, 4, 7), 0);
    assert_int_equal(observed(m, 0x100), 1); /* still in the connection */
    assert_int_equal(dmaemu_flush(c), 0);
    assert_int_equal(dmaemu_ping(c), 0); /* answered after the flushed writes were applied */
    assert_int_equal(observed(m, 0x100), 2);
    assert_int_equal(observed(m, 0x104), 7);

    assert_int_equal(dmaemu_mmio_write_batched(c, BAR_SRAM, 0x100, 4, 3), 0);
    assert_int_equal(mmio_rd(c, BAR_SRAM, 0x100, 4), 3); /* carried by the read, before it */

    assert_int_equal(dmaemu_mmio_write_batched(c, BAR_SRAM, 0, 3, 0), DMAEMU_E_RANGE);
    assert_int_equal(dmaemu_mmio_write_batched(c, BAR_SRAM, UINT64_C(1) << 40, 4, 0), 0);
    assert_int_equal(dmaemu_ping(c), DMAEMU_E_RANGE); /* the refusal, reported once */
    assert_int_equal(dmaemu_ping(c), 0);
}

/* The call channel --------------------------------------------------------------------------- */

/* Sends a CallChannel request with fd attached (-1: none). */
static void raw_call_channel(int fd, uint32_t id, int pass_fd)
{
    Dmaemu__CallChannel m = DMAEMU__CALL_CHANNEL__INIT;
    size_t len;
    uint8_t *buf = msg_encode(DMAEMU__MSG_TYPE__MSG_CALL_CHANNEL, 0, id, &m.base, 0, &len);
    assert_non_null(buf);
    struct iovec iov = {buf, len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    }
    assert_int_equal(sendmsg(fd, &mh, MSG_NOSIGNAL), (ssize_t)len);
    free(buf);
}

/* Receives the next frame of a stream, checks its type (and, for id != 0, that it answers
 * request id), and returns its decoded body. */
static ProtobufCMessage *raw_expect(int fd, struct frame_buf *fb, const char *what, uint16_t type,
                                    uint32_t id)
{
    struct frame f;
    enum raw_outcome o = raw_recv(fd, fb, &f);
    if (o != RAW_FRAME)
        fail_msg("%s: no frame (%s)", what, o == RAW_CLOSED ? "closed" : "timeout or bad frame");
    if (f.h.type != type)
        fail_msg("%s: got %s, expected %s", what, msg_type_name(f.h.type), msg_type_name(type));
    if (id != 0 && (f.h.flags != FRAME_REPLY || f.h.request_id != id))
        fail_msg("%s: flags 0x%x id %u, expected a reply to request %u", what, f.h.flags,
                 f.h.request_id, id);
    ProtobufCMessage *m = msg_decode(&f);
    assert_non_null(m);
    frame_buf_consume(fb, &f);
    return m;
}

static void raw_expect_error(int fd, struct frame_buf *fb, const char *what, uint32_t id, int code)
{
    Dmaemu__Error *e = (Dmaemu__Error *)raw_expect(fd, fb, what, DMAEMU__MSG_TYPE__MSG_ERROR, id);
    if ((int)e->code != code)
        fail_msg("%s: %s (\"%s\"), expected %s", what, msg_error_code_name(e->code), e->message,
                 msg_error_code_name(code));
    msg_free(&e->base);
}

static void raw_ping(int fd, uint32_t id)
{
    Dmaemu__Ping p = DMAEMU__PING__INIT;
    p.nonce = id;
    raw_send_msg(fd, DMAEMU__MSG_TYPE__MSG_PING, id, &p.base);
}

static void raw_expect_fence(int fd, struct frame_buf *fb, const char *what, uint64_t main_frames)
{
    Dmaemu__Fence *m = (Dmaemu__Fence *)raw_expect(fd, fb, what, DMAEMU__MSG_TYPE__MSG_FENCE, 0);
    if (m->main_frames != main_frames)
        fail_msg("%s: Fence after %llu main frames, expected %llu", what,
                 (unsigned long long)m->main_frames, (unsigned long long)main_frames);
    msg_free(&m->base);
}

static void raw_expect_pong(int fd, struct frame_buf *fb, const char *what, uint32_t id)
{
    msg_free(raw_expect(fd, fb, what, DMAEMU__MSG_TYPE__MSG_PONG, id));
}

/* Who may open one, and with what: refused with an error, and the session goes on. */
static void test_call_channel_refusals(void **state)
{
    struct fixture *fx = *state;
    struct frame_buf fb;
    frame_buf_init(&fb);
    int fd = raw_open(fx);
    raw_hello_as(fx, fd, DMAEMU__ROLE__ROLE_MONITOR);
    raw_call_channel(fd, 2, -1);
    raw_expect_error(fd, &fb, "CallChannel from a monitor", 2, DMAEMU__ERROR_CODE__E_PERMISSION);
    close(fd);

    fd = raw_open(fx);
    raw_hello_as(fx, fd, DMAEMU__ROLE__ROLE_DRIVER);
    raw_call_channel(fd, 2, -1); /* over TCP there is no way to pass one */
    raw_expect_error(fd, &fb, "CallChannel without a socket", 2, DMAEMU__ERROR_CODE__E_INVALID);
    if (!fx->tcp) {
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        raw_call_channel(fd, 3, pipefd[0]);
        raw_expect_error(fd, &fb, "CallChannel with a pipe", 3, DMAEMU__ERROR_CODE__E_INVALID);
        close(pipefd[0]);
        close(pipefd[1]);
    }
    raw_ping(fd, 4);
    raw_expect_pong(fd, &fb, "Ping after the refusals", 4);
    close(fd);
    frame_buf_free(&fb);
}

/*
 * Requests are answered on the stream they came on; a Fence on the call channel counts the
 * main stream's frames (HelloReply included) whenever that count changed; closing the call
 * channel ends the session.
 */
static void test_call_channel_streams(void **state)
{
    struct fixture *fx = *state;
    struct frame_buf main_fb, calls_fb;
    frame_buf_init(&main_fb);
    frame_buf_init(&calls_fb);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    int fd = raw_open(fx);
    raw_hello_as(fx, fd, DMAEMU__ROLE__ROLE_DRIVER); /* main frame 1 */
    raw_call_channel(fd, 2, sv[1]);
    close(sv[1]);
    msg_free(raw_expect(fd, &main_fb, "CallChannel", DMAEMU__MSG_TYPE__MSG_OK, 2)); /* 2 */
    int extra[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, extra), 0);
    raw_call_channel(fd, 3, extra[1]);
    raw_expect_error(fd, &main_fb, "a second CallChannel", 3,
                     DMAEMU__ERROR_CODE__E_INVALID); /* 3 */
    close(extra[0]);
    close(extra[1]);

    raw_ping(sv[0], 10);
    raw_expect_fence(sv[0], &calls_fb, "first frame on the call channel", 3);
    raw_expect_pong(sv[0], &calls_fb, "Ping on the call channel", 10);
    raw_ping(sv[0], 11);
    raw_expect_pong(sv[0], &calls_fb, "Ping with no main traffic since", 11); /* no Fence */
    raw_ping(fd, 12);
    raw_expect_pong(fd, &main_fb, "Ping on the main stream", 12); /* 4 */
    raw_ping(sv[0], 13);
    raw_expect_fence(sv[0], &calls_fb, "after a main-stream reply", 4);
    raw_expect_pong(sv[0], &calls_fb, "Ping on the call channel again", 13);
    raw_call_channel(sv[0], 14, -1);
    raw_expect_error(sv[0], &calls_fb, "CallChannel on the call channel", 14,
                     DMAEMU__ERROR_CODE__E_INVALID);

    close(sv[0]);
    struct frame f;
    if (raw_recv(fd, &main_fb, &f) != RAW_CLOSED)
        fail_msg("the session's main stream stayed open after its call channel closed");
    close(fd);
    frame_buf_free(&main_fb);
    frame_buf_free(&calls_fb);
    assert_true(harness_alive(&fx->d));
}

/* ---------------------------------------------------------------------------------------------- */

#define SESSION_TESTS(fx)                                                                          \
    FX_TEST(test_hello_ping, fx), FX_TEST(test_device_list, fx),                                   \
        FX_TEST(test_attach_busy_detach, fx), FX_TEST(test_attach_refusals, fx),                   \
        FX_TEST(test_close_frees_device, fx), FX_TEST(test_mmio_not_attached, fx),                 \
        FX_TEST(test_mmio_widths, fx), FX_TEST(test_mmio_range, fx),                               \
        FX_TEST(test_malformed_frames, fx), FX_TEST(test_concurrent_calls, fx),                    \
        FX_TEST(test_daemon_shutdown, fx), FX_TEST(test_call_channel_refusals, fx),                \
        FX_TEST(test_batched_writes, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {SESSION_TESTS(fx_unix),
                                            FX_TEST(test_call_channel_streams, fx_unix)};
    const struct CMUnitTest tcp_tests[] = {SESSION_TESTS(fx_tcp), FX_TEST(test_tcp_auth, fx_tcp)};
    int failed = cmocka_run_group_tests_name("session/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("session/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
