/*
 * test_io.c: application I/O routed through dmaemud to a driver session and back, over UNIX and
 * TCP (the application and the driver both use the fixture's transport). The driver is
 * fake_driver, a RAM device on libdmaemu, in this process or in a child that a test SIGKILLs.
 *
 * Covered: unknown devices and roles; the daemon's own completions (no driver:
 * STATUS_DEVICE_NOT_CONNECTED; the driver dies or detaches holding requests:
 * STATUS_DEVICE_REMOVED); data round trips at awkward sizes and offsets; IOCTL output
 * truncation; many asynchronous requests in flight completed out of order; concurrent threads
 * on one connection; cancels when an application dies; the driver's data limit.
 *
 * Every wait is bounded: condition variables with deadlines, or the child's pipe with a
 * deadline.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fake_driver.h"
#include "itest.h"

static struct fixture fx_unix = {.tcp = false};
static struct fixture fx_tcp = {.tcp = true};

#define MiB (1u << 20)

/* Fixture additions: fake drivers and a child that teardown cleans up after a failure --------- */

#define IO_MAX_DRIVERS 4
#define IO_MAX_ALLOCS  16

static struct fake_driver *io_drivers[IO_MAX_DRIVERS];
static struct fake_child io_child = {.events = -1, .control = -1};
static void *io_allocs[IO_MAX_ALLOCS]; /* buffers, freed by teardown if need be */

static int io_setup(void **state)
{
    memset(io_drivers, 0, sizeof(io_drivers));
    memset(io_allocs, 0, sizeof(io_allocs));
    io_child = (struct fake_child){.events = -1, .control = -1};
    return fx_setup(state);
}

/* Teardown: every fake driver of the test must still be connected (the daemon never drops a
 * well-behaved driver); then the fixture's checks. */
static int io_teardown(void **state)
{
    struct fixture *fx = *state;
    bool connected = true;
    for (int i = 0; i < IO_MAX_DRIVERS; i++) {
        if (io_drivers[i] != NULL && !dmaemu_is_connected(fake_driver_conn(io_drivers[i]))) {
            fprintf(stderr, "test_io: the daemon closed fake driver %d's connection\n", i);
            connected = false;
        }
        fake_driver_stop(io_drivers[i]);
        io_drivers[i] = NULL;
    }
    itest_close_leftovers(); /* before the child dies, as the test would have closed them */
    if (io_child.pid > 0 && fx->child == io_child.pid)
        fx->child = 0; /* reaped here */
    if (io_child.pid > 0 || io_child.events >= 0 || io_child.control >= 0)
        fake_child_kill(&io_child);
    int rc = fx_teardown(state);
    /* Only now: the connections are closed, nothing can still write into the buffers. */
    for (int i = 0; i < IO_MAX_ALLOCS; i++) {
        free(io_allocs[i]);
        io_allocs[i] = NULL;
    }
    return connected ? rc : -1;
}

#define IO_TEST(f, fx) cmocka_unit_test_prestate_setup_teardown(f, io_setup, io_teardown, &(fx))

static struct fake_driver_options driver_opts(struct fixture *fx, const char *device,
                                              enum fake_mode mode)
{
    return (struct fake_driver_options){
        .uri = harness_uri(&fx->d, fx->tcp),
        .token_file = fx->tcp ? fx->d.token_file : NULL,
        .device = device,
        .name = "fake-driver",
        .mode = mode,
    };
}

static struct fake_driver *start_driver_opts(const struct fake_driver_options *o)
{
    int slot = 0;
    while (slot < IO_MAX_DRIVERS && io_drivers[slot] != NULL)
        slot++;
    if (slot == IO_MAX_DRIVERS)
        fail_msg("too many fake drivers");
    struct fake_driver *d = NULL;
    int rc = fake_driver_start(o, &d);
    if (rc != 0)
        fail_msg("fake driver on %s: %d (%s): %s", o->device, rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
    io_drivers[slot] = d;
    return d;
}

static struct fake_driver *start_driver(struct fixture *fx, const char *device, enum fake_mode mode)
{
    struct fake_driver_options o = driver_opts(fx, device, mode);
    return start_driver_opts(&o);
}

/* Applications -------------------------------------------------------------------------------- */

/* Zeroed test memory (main thread only) that teardown frees if the test fails first. */
static void *io_alloc(size_t len)
{
    int slot = 0;
    while (slot < IO_MAX_ALLOCS && io_allocs[slot] != NULL)
        slot++;
    if (slot == IO_MAX_ALLOCS)
        fail_msg("too many test buffers");
    io_allocs[slot] = calloc(1, len ? len : 1);
    if (io_allocs[slot] == NULL)
        fail_msg("cannot allocate %zu bytes", len);
    return io_allocs[slot];
}

static void io_free(void *p)
{
    for (int i = 0; i < IO_MAX_ALLOCS; i++)
        if (io_allocs[i] == p)
            io_allocs[i] = NULL;
    free(p);
}

/* Request numbers are strictly increasing along one thread's synchronous requests. */
static void expect_after(const char *what, const struct dmaemu_io_result *r, uint64_t *last)
{
    if (r->number <= *last)
        fail_msg("%s: request number %llu does not follow %llu", what,
                 (unsigned long long)r->number, (unsigned long long)*last);
    *last = r->number;
}

/* A call that must succeed; says why when it does not. */
#define expect_ok(call)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != 0)                                                                              \
            fail_msg("%s: %d (%s): %s", #call, rc_, dmaemu_strerror(rc_), dmaemu_last_error());    \
    } while (0)

static void io_write_ok(dmaemu_file_t *f, uint64_t off, const void *buf, size_t len, uint64_t *last)
{
    struct dmaemu_io_result r;
    memset(&r, 0xEE, sizeof(r));
    char what[96];
    snprintf(what, sizeof(what), "write %zu bytes at %llu", len, (unsigned long long)off);
    itest_expect_result(what, dmaemu_write(f, off, buf, len, &r), &r, STATUS_SUCCESS, len, 0);
    if (last != NULL)
        expect_after(what, &r, last);
}

/* Reads len bytes at off and checks them against the pattern, and that nothing past len moved. */
static void io_read_expect(dmaemu_file_t *f, uint64_t off, size_t len, unsigned seed,
                           uint64_t *last)
{
    uint8_t *buf = io_alloc(len + 64);
    memset(buf, 0xEE, len + 64);
    struct dmaemu_io_result r;
    memset(&r, 0xEE, sizeof(r));
    char what[96];
    snprintf(what, sizeof(what), "read %zu bytes at %llu", len, (unsigned long long)off);
    int rc = dmaemu_read(f, off, buf, len, &r);
    itest_expect_result(what, rc, &r, STATUS_SUCCESS, len, len);
    if (last != NULL)
        expect_after(what, &r, last);
    long bad = pattern_mismatch(buf, len, seed);
    long over = bytes_mismatch(buf + len, 64, 0xEE);
    io_free(buf);
    if (bad >= 0)
        fail_msg("%s: byte %ld differs from what was written", what, bad);
    if (over >= 0)
        fail_msg("%s: byte %zu past the buffer was written", what, len + (size_t)over);
}

/* Asynchronous completions, waited for with a condition variable ---------------------------- */

#define ASYNC_MAX 64

struct async_set;

struct async_slot {
    struct async_set *set;
    bool done;
    int rc;
    struct dmaemu_io_result res;
};

struct async_set {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned done;
    struct async_slot slot[ASYNC_MAX];
};

static void async_init(struct async_set *s)
{
    itest_cond_init(&s->mu, &s->cv);
    s->done = 0;
    for (unsigned i = 0; i < ASYNC_MAX; i++)
        s->slot[i] = (struct async_slot){.set = s, .rc = 1};
}

static void async_destroy(struct async_set *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

/* The done callback (event thread): records and signals, nothing more. */
static void async_done(void *arg, int rc, const struct dmaemu_io_result *res)
{
    struct async_slot *slot = arg;
    struct async_set *s = slot->set;
    pthread_mutex_lock(&s->mu);
    if (slot->done)
        slot->rc = 12345; /* completed twice: noticed by the checks */
    else
        slot->rc = rc;
    slot->res = *res;
    slot->done = true;
    s->done++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static unsigned async_count(struct async_set *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->done;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Waits until n requests completed; fails the test after ITEST_TIMEOUT_MS. */
static void async_wait(struct async_set *s, unsigned n)
{
    struct timespec dl = itest_deadline(ITEST_TIMEOUT_MS);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    while (s->done < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->cv, &s->mu, &dl);
    unsigned done = s->done;
    pthread_mutex_unlock(&s->mu);
    if (done < n)
        fail_msg("only %u of %u requests completed within %d ms", done, n, ITEST_TIMEOUT_MS);
}

static void expect_async(struct async_set *s, unsigned i, int32_t status, uint64_t information,
                         size_t data_len)
{
    char what[64];
    snprintf(what, sizeof(what), "asynchronous request %u", i);
    pthread_mutex_lock(&s->mu);
    struct async_slot slot = s->slot[i];
    pthread_mutex_unlock(&s->mu);
    if (!slot.done)
        fail_msg("%s never completed", what);
    itest_expect_result(what, slot.rc, &slot.res, status, information, data_len);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The n numbers in a and b are the same set, without repeats. */
static void expect_same_numbers(const char *what, uint64_t *a, uint64_t *b, unsigned n)
{
    qsort(a, n, sizeof(*a), cmp_u64);
    qsort(b, n, sizeof(*b), cmp_u64);
    for (unsigned i = 0; i < n; i++) {
        if (i > 0 && a[i] == a[i - 1])
            fail_msg("%s: request number %llu twice", what, (unsigned long long)a[i]);
        if (a[i] != b[i])
            fail_msg("%s: request numbers differ: %llu vs %llu (at %u of %u)", what,
                     (unsigned long long)a[i], (unsigned long long)b[i], i, n);
    }
}

/* A mix of reads, writes and IOCTLs, all sent asynchronously; buffers in `bufs` (n x 4096). */
static void send_mix(dmaemu_file_t *f, struct async_set *s, unsigned n, uint8_t *bufs)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t *b = bufs + (size_t)i * 4096;
        struct async_slot *slot = &s->slot[i];
        int rc;
        switch (i % 3) {
        case 0:
            pattern_fill(b, 1000 + i, i);
            rc = dmaemu_write_async(f, (uint64_t)i * 4096, b, 1000 + i, async_done, slot);
            break;
        case 1: rc = dmaemu_read_async(f, (uint64_t)i * 4096, b, 2000, async_done, slot); break;
        default:
            pattern_fill(b, 16, i);
            rc = dmaemu_ioctl_async(f, FAKE_IOCTL_REVERSE, b, 16, b + 2048, 16, async_done, slot);
            break;
        }
        if (rc != 0)
            fail_msg("sending request %u: %d (%s): %s", i, rc, dmaemu_strerror(rc),
                     dmaemu_last_error());
    }
}

/* Checks that n requests of send_mix all completed with the daemon's `status`, their numbers
 * being exactly `held` (n of them). */
static void expect_mix_ended(struct async_set *s, unsigned n, int32_t status, uint64_t *held)
{
    uint64_t got[ASYNC_MAX];
    for (unsigned i = 0; i < n; i++) {
        expect_async(s, i, status, 0, 0);
        got[i] = s->slot[i].res.number;
    }
    expect_same_numbers("completions vs the requests the driver held", got, held, n);
}

/* (1) Opening ---------------------------------------------------------------------------------- */

static void test_open(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "open-app");
    dmaemu_file_t *f = NULL;
    assert_int_equal(dmaemu_open(app, "plx7", &f), DMAEMU_E_NO_DEVICE);
    if (strstr(dmaemu_last_error(), "plx7") == NULL)
        fail_msg("NO_DEVICE message does not name the device: \"%s\"", dmaemu_last_error());
    assert_int_equal(dmaemu_open(app, "", &f), DMAEMU_E_NO_DEVICE);
    expect_ok(dmaemu_ping(app));

    /* Application I/O is for applications. */
    dmaemu_t *drv = fx_connect(fx, DMAEMU_ROLE_DRIVER, "open-driver");
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "open-monitor");
    assert_int_equal(dmaemu_open(drv, "plx0", &f), DMAEMU_E_PERMISSION);
    assert_int_equal(dmaemu_open(mon, "plx0", &f), DMAEMU_E_PERMISSION);
    expect_ok(dmaemu_ping(drv));

    /* A known device opens, twice, and each handle closes once. */
    dmaemu_file_t *a = itest_open(app, "plx0");
    dmaemu_file_t *b = itest_open(app, "plx1");
    itest_close(a);
    itest_close(b);
    expect_ok(dmaemu_ping(app));
}

/* (2) No driver -------------------------------------------------------------------------------- */

static void expect_not_connected(dmaemu_file_t *f, uint64_t *last)
{
    uint8_t buf[64], in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct dmaemu_io_result r;
    memset(buf, 0xEE, sizeof(buf));
    int rc = dmaemu_read(f, 0, buf, sizeof(buf), &r);
    itest_expect_result("read without a driver", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("read without a driver", &r, last);
    assert_int_equal(bytes_mismatch(buf, sizeof(buf), 0xEE), -1);
    rc = dmaemu_write(f, 0, in, sizeof(in), &r);
    itest_expect_result("write without a driver", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("write without a driver", &r, last);
    rc = dmaemu_ioctl(f, FAKE_IOCTL_REVERSE, in, sizeof(in), buf, sizeof(buf), &r);
    itest_expect_result("ioctl without a driver", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("ioctl without a driver", &r, last);
    assert_int_equal(bytes_mismatch(buf, sizeof(buf), 0xEE), -1);
}

static void test_no_driver(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "lonely-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    uint64_t last = 0;
    expect_not_connected(f, &last);

    /* The asynchronous form gets the same answer. */
    static struct async_set s;
    async_init(&s);
    static uint8_t buf[16];
    assert_int_equal(dmaemu_read_async(f, 0, buf, sizeof(buf), async_done, &s.slot[0]), 0);
    async_wait(&s, 1);
    expect_async(&s, 0, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("asynchronous read without a driver", &s.slot[0].res, &last);
    async_destroy(&s);

    /* A driver on the other device changes nothing for this one. */
    start_driver(fx, "plx1", FAKE_SYNC);
    expect_not_connected(f, &last);

    /* Once plx0's driver detached, plx0 is without a driver again. */
    struct fake_driver *d = start_driver(fx, "plx0", FAKE_SYNC);
    uint8_t one = 0x42;
    io_write_ok(f, 0, &one, 1, &last);
    expect_ok(dmaemu_detach(fake_driver_conn(d)));
    expect_not_connected(f, &last);
    itest_close(f);
}

/* (3) Data round trips ------------------------------------------------------------------------- */

#define RT_MEM (2 * MiB + 8192)

static void test_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct fake_driver_options o = driver_opts(fx, "plx0", FAKE_SYNC);
    o.size = RT_MEM;
    struct fake_driver *d = start_driver_opts(&o);
    size_t mem_size;
    const uint8_t *mem = fake_driver_memory(d, &mem_size);
    assert_int_equal(mem_size, RT_MEM);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "round-trip-app");
    dmaemu_file_t *f = itest_open(app, "plx0");

    static const size_t sizes[] = {1, 4095, 4096, 65537, MiB};
    static const uint64_t offsets[] = {0, 1, 4097, 0x12345, MiB + 3};
    uint8_t *buf = io_alloc(MiB);
    uint64_t last = 0;
    unsigned seed = 1;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t j = 0; j < sizeof(offsets) / sizeof(offsets[0]); j++, seed++) {
            size_t len = sizes[i];
            uint64_t off = offsets[j];
            pattern_fill(buf, len, seed);
            io_write_ok(f, off, buf, len, &last);
            /* The driver stored it at the offset asked for (the daemon passed it on). */
            if (pattern_mismatch(mem + off, len, seed) >= 0)
                fail_msg("the driver's memory at %llu does not hold the %zu bytes written",
                         (unsigned long long)off, len);
            io_read_expect(f, off, len, seed, &last);
        }
    }
    io_free(buf);

    /* The end of the device: a write must fit; a read stops there. */
    struct dmaemu_io_result r;
    uint8_t tail[100];
    pattern_fill(tail, sizeof(tail), 99);
    io_write_ok(f, RT_MEM - 10, tail, 10, &last);
    int rc = dmaemu_write(f, RT_MEM - 10, tail, 11, &r);
    itest_expect_result("write past the end", rc, &r, STATUS_INVALID_PARAMETER, 0, 0);
    expect_after("write past the end", &r, &last);
    rc = dmaemu_write(f, RT_MEM + 1, tail, 1, &r);
    itest_expect_result("write beyond the end", rc, &r, STATUS_INVALID_PARAMETER, 0, 0);
    memset(tail, 0xEE, sizeof(tail));
    rc = dmaemu_read(f, RT_MEM - 10, tail, sizeof(tail), &r);
    itest_expect_result("read across the end", rc, &r, STATUS_SUCCESS, 10, 10);
    expect_after("read across the end", &r, &last);
    assert_int_equal(pattern_mismatch(tail, 10, 99), -1);
    assert_int_equal(bytes_mismatch(tail + 10, sizeof(tail) - 10, 0xEE), -1);
    rc = dmaemu_read(f, RT_MEM, tail, sizeof(tail), &r);
    itest_expect_result("read at the end", rc, &r, STATUS_SUCCESS, 0, 0);
    rc = dmaemu_read(f, RT_MEM + 1, tail, sizeof(tail), &r);
    itest_expect_result("read beyond the end", rc, &r, STATUS_INVALID_PARAMETER, 0, 0);
    rc = dmaemu_read(f, UINT64_MAX, tail, sizeof(tail), &r);
    itest_expect_result("read at offset 2^64-1", rc, &r, STATUS_INVALID_PARAMETER, 0, 0);
    expect_after("read at offset 2^64-1", &r, &last);

    /* Empty requests reach the driver too. */
    rc = dmaemu_write(f, 5, tail, 0, &r);
    itest_expect_result("empty write", rc, &r, STATUS_SUCCESS, 0, 0);
    rc = dmaemu_read(f, 5, tail, 0, &r);
    itest_expect_result("empty read", rc, &r, STATUS_SUCCESS, 0, 0);
    expect_after("empty read", &r, &last);

    /* A NULL result is allowed; the data still arrives. */
    assert_int_equal(dmaemu_read(f, RT_MEM - 10, tail, 10, NULL), 0);
    assert_int_equal(pattern_mismatch(tail, 10, 99), -1);
    itest_close(f);
}

/* (4) IOCTL ------------------------------------------------------------------------------------ */

static void expect_reversed(const uint8_t *in, size_t in_len, const uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] != in[in_len - 1 - i])
            fail_msg("IOCTL output byte %zu is 0x%02x, expected 0x%02x", i, out[i],
                     in[in_len - 1 - i]);
}

static void ioctl_case(dmaemu_file_t *f, uint32_t code, size_t in_len, size_t out_len,
                       int32_t status, uint64_t information, size_t data_len, uint64_t *last)
{
    uint8_t *in = io_alloc(in_len), *out = io_alloc(out_len + 64);
    pattern_fill(in, in_len, (unsigned)(in_len + out_len));
    memset(out, 0xEE, out_len + 64);
    struct dmaemu_io_result r;
    memset(&r, 0xEE, sizeof(r));
    char what[96];
    snprintf(what, sizeof(what), "ioctl 0x%X in %zu out %zu", code, in_len, out_len);
    int rc = dmaemu_ioctl(f, code, in, in_len, out, out_len, &r);
    itest_expect_result(what, rc, &r, status, information, data_len);
    expect_after(what, &r, last);
    expect_reversed(in, in_len, out, data_len);
    long over = bytes_mismatch(out + data_len, out_len + 64 - data_len, 0xEE);
    io_free(in);
    io_free(out);
    if (over >= 0)
        fail_msg("%s: output byte %zu, past what was returned, was written", what,
                 data_len + (size_t)over);
}

static void test_ioctl(void **state)
{
    struct fixture *fx = *state;
    start_driver(fx, "plx0", FAKE_SYNC);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "ioctl-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    uint64_t last = 0;

    /* The exact bytes for a small case, then sizes around the output length. */
    uint8_t in[3] = {1, 2, 3}, out[8];
    struct dmaemu_io_result r;
    memset(out, 0xEE, sizeof(out));
    int rc = dmaemu_ioctl(f, FAKE_IOCTL_REVERSE, in, 3, out, 3, &r);
    itest_expect_result("ioctl 010203", rc, &r, STATUS_SUCCESS, 3, 3);
    assert_memory_equal(out, "\x03\x02\x01\xEE", 4);

    ioctl_case(f, FAKE_IOCTL_REVERSE, 37, 64, STATUS_SUCCESS, 37, 37, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 37, 37, STATUS_SUCCESS, 37, 37, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 37, 5, STATUS_SUCCESS, 5, 5, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 37, 0, STATUS_SUCCESS, 0, 0, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 0, 16, STATUS_SUCCESS, 0, 0, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 65536, 65536, STATUS_SUCCESS, 65536, 65536, &last);
    ioctl_case(f, FAKE_IOCTL_REVERSE, 65536, 4097, STATUS_SUCCESS, 4097, 4097, &last);

    /* A driver returning more than the output buffer holds: the application gets out_len. */
    ioctl_case(f, FAKE_IOCTL_OVERRUN, 37, 5, STATUS_SUCCESS, 37, 5, &last);
    ioctl_case(f, FAKE_IOCTL_OVERRUN, 4096, 1, STATUS_SUCCESS, 4096, 1, &last);
    ioctl_case(f, FAKE_IOCTL_OVERRUN, 100, 0, STATUS_SUCCESS, 100, 0, &last);

    /* Codes the driver does not know. */
    ioctl_case(f, 0x222000, 8, 8, STATUS_INVALID_DEVICE_REQUEST, 0, 0, &last);
    ioctl_case(f, 0, 0, 0, STATUS_INVALID_DEVICE_REQUEST, 0, 0, &last);
    ioctl_case(f, 0xFFFFFFFFu, 8, 8, STATUS_INVALID_DEVICE_REQUEST, 0, 0, &last);
    itest_close(f);
}

/* (5) Many asynchronous requests in flight ---------------------------------------------------- */

#define ASYNC_N    64
#define ASYNC_STEP 8192u

static void test_async_inflight(void **state)
{
    struct fixture *fx = *state;
    struct fake_driver *d = start_driver(fx, "plx0", FAKE_HOLD);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "async-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    uint8_t *wbuf = io_alloc((size_t)ASYNC_N * ASYNC_STEP);
    uint8_t *rbuf = io_alloc((size_t)ASYNC_N * ASYNC_STEP);
    memset(rbuf, 0xEE, (size_t)ASYNC_N * ASYNC_STEP);

    /* 64 writes, all held by the driver at once, then completed in reverse order. */
    static struct async_set ws;
    async_init(&ws);
    for (unsigned i = 0; i < ASYNC_N; i++) {
        size_t len = 4096 + i;
        pattern_fill(wbuf + (size_t)i * ASYNC_STEP, len, 500 + i);
        int rc = dmaemu_write_async(f, (uint64_t)i * ASYNC_STEP + 1, wbuf + (size_t)i * ASYNC_STEP,
                                    len, async_done, &ws.slot[i]);
        assert_int_equal(rc, 0);
    }
    if (!fake_driver_wait_held(d, ASYNC_N, ITEST_TIMEOUT_MS))
        fail_msg("the driver holds %u of %u requests", fake_driver_held(d), ASYNC_N);
    uint64_t held[ASYNC_N];
    assert_int_equal(fake_driver_held_numbers(d, held, ASYNC_N), ASYNC_N);
    assert_int_equal(async_count(&ws), 0); /* nobody completed them but the driver */
    assert_int_equal(fake_driver_release(d, true), ASYNC_N);
    async_wait(&ws, ASYNC_N);
    uint64_t max = 0;
    for (unsigned i = 0; i < ASYNC_N; i++) {
        expect_async(&ws, i, STATUS_SUCCESS, 4096 + i, 0);
        /* One connection, one sender: the daemon numbers them in the order sent. */
        if (ws.slot[i].res.number != held[i])
            fail_msg("write %u completed as request %llu, the driver saw %llu", i,
                     (unsigned long long)ws.slot[i].res.number, (unsigned long long)held[i]);
        if (i > 0 && held[i] <= held[i - 1])
            fail_msg("request numbers not increasing: %llu after %llu", (unsigned long long)held[i],
                     (unsigned long long)held[i - 1]);
        max = held[i];
    }
    async_destroy(&ws);

    /* 64 reads completed by the driver's worker thread, each into its own buffer. */
    fake_driver_set_mode(d, FAKE_WORKER);
    static struct async_set rs;
    async_init(&rs);
    for (unsigned i = 0; i < ASYNC_N; i++) {
        int rc = dmaemu_read_async(f, (uint64_t)i * ASYNC_STEP + 1, rbuf + (size_t)i * ASYNC_STEP,
                                   4096 + i, async_done, &rs.slot[i]);
        assert_int_equal(rc, 0);
    }
    async_wait(&rs, ASYNC_N);
    uint64_t nums[ASYNC_N];
    for (unsigned i = 0; i < ASYNC_N; i++) {
        expect_async(&rs, i, STATUS_SUCCESS, 4096 + i, 4096 + i);
        const uint8_t *p = rbuf + (size_t)i * ASYNC_STEP;
        long bad = pattern_mismatch(p, 4096 + i, 500 + i);
        if (bad >= 0)
            fail_msg("read %u: byte %ld differs from what was written", i, bad);
        if (bytes_mismatch(p + 4096 + i, ASYNC_STEP - 4096 - i, 0xEE) >= 0)
            fail_msg("read %u wrote past its buffer", i);
        nums[i] = rs.slot[i].res.number;
        if (nums[i] <= max)
            fail_msg("read %u is request %llu, not after the writes (%llu)", i,
                     (unsigned long long)nums[i], (unsigned long long)max);
    }
    qsort(nums, ASYNC_N, sizeof(nums[0]), cmp_u64);
    for (unsigned i = 1; i < ASYNC_N; i++)
        if (nums[i] == nums[i - 1])
            fail_msg("two reads completed as request %llu", (unsigned long long)nums[i]);
    async_destroy(&rs);
    assert_int_equal(fake_driver_held(d), 0);
    assert_int_equal(fake_driver_cancels(d), 0);
    io_free(wbuf);
    io_free(rbuf);
    itest_close(f);
}

/* (6) Threads sharing one connection ----------------------------------------------------------- */

#define MT_THREADS 8
#define MT_ROUNDS  150
#define MT_SLICE   (64u << 10)

struct mt_worker {
    pthread_t thread;
    dmaemu_file_t *file;
    unsigned index;
    unsigned rounds;
    char why[256];
    struct mt_sync *sync;
};

struct mt_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned finished;
};

static bool mt_check(struct mt_worker *w, const char *what, unsigned round, int rc,
                     const struct dmaemu_io_result *r, uint64_t info, size_t data_len,
                     uint64_t *last)
{
    if (rc == 0 && r->status == STATUS_SUCCESS && r->information == info &&
        r->data_len == data_len && r->number > *last) {
        *last = r->number;
        return true;
    }
    snprintf(w->why, sizeof(w->why),
             "round %u %s: rc %d status 0x%08X information %llu data_len %zu number %llu "
             "(last %llu)",
             round, what, rc, (unsigned)r->status, (unsigned long long)r->information, r->data_len,
             (unsigned long long)r->number, (unsigned long long)*last);
    return false;
}

static bool mt_round(struct mt_worker *w, unsigned round, uint8_t *buf, uint64_t *rng,
                     uint64_t *last)
{
    struct dmaemu_io_result r = {0};
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    size_t len = 1 + (size_t)(*rng >> 33) % 8192;
    uint64_t off = (uint64_t)w->index * MT_SLICE + (*rng >> 20) % (MT_SLICE - len + 1);
    unsigned seed = w->index * 1000 + round;
    pattern_fill(buf, len, seed);
    int rc = dmaemu_write(w->file, off, buf, len, &r);
    if (!mt_check(w, "write", round, rc, &r, len, 0, last))
        return false;
    memset(buf, 0, len + 16);
    rc = dmaemu_read(w->file, off, buf, len, &r);
    if (!mt_check(w, "read", round, rc, &r, len, len, last))
        return false;
    if (pattern_mismatch(buf, len, seed) >= 0 || bytes_mismatch(buf + len, 16, 0) >= 0) {
        snprintf(w->why, sizeof(w->why), "round %u: read back other data (%zu bytes at %llu)",
                 round, len, (unsigned long long)off);
        return false;
    }
    if (round % 10 == 0) {
        uint8_t in[24], out[24];
        pattern_fill(in, sizeof(in), seed);
        rc = dmaemu_ioctl(w->file, FAKE_IOCTL_REVERSE, in, sizeof(in), out, sizeof(out), &r);
        if (!mt_check(w, "ioctl", round, rc, &r, sizeof(in), sizeof(out), last))
            return false;
        for (size_t i = 0; i < sizeof(in); i++) {
            if (out[i] != in[sizeof(in) - 1 - i]) {
                snprintf(w->why, sizeof(w->why), "round %u: ioctl output is not reversed", round);
                return false;
            }
        }
    }
    return true;
}

static void *mt_main(void *arg)
{
    struct mt_worker *w = arg;
    uint8_t *buf = malloc(8192 + 16);
    uint64_t rng = 0x9E3779B97F4A7C15ull * (w->index + 1), last = 0;
    if (buf == NULL)
        snprintf(w->why, sizeof(w->why), "out of memory");
    for (unsigned i = 0; buf != NULL && i < MT_ROUNDS && mt_round(w, i, buf, &rng, &last); i++)
        w->rounds++;
    free(buf);
    pthread_mutex_lock(&w->sync->mu);
    w->sync->finished++;
    pthread_cond_broadcast(&w->sync->cv);
    pthread_mutex_unlock(&w->sync->mu);
    return NULL;
}

static void test_threads(void **state)
{
    struct fixture *fx = *state;
    struct fake_driver_options o = driver_opts(fx, "plx0", FAKE_WORKER);
    o.size = MT_THREADS * MT_SLICE;
    start_driver_opts(&o);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "threads-app");
    /* Half the threads share one handle, the others open their own on the same connection. */
    dmaemu_file_t *shared = itest_open(app, "plx0");
    static struct mt_worker w[MT_THREADS];
    static struct mt_sync sync;
    sync.finished = 0;
    itest_cond_init(&sync.mu, &sync.cv);
    for (unsigned i = 0; i < MT_THREADS; i++) {
        w[i] = (struct mt_worker){.index = i, .sync = &sync};
        w[i].file = i % 2 ? itest_open(app, "plx0") : shared;
    }
    for (unsigned i = 0; i < MT_THREADS; i++)
        assert_int_equal(pthread_create(&w[i].thread, NULL, mt_main, &w[i]), 0);

    struct timespec dl = itest_deadline(60000);
    int rc = 0;
    pthread_mutex_lock(&sync.mu);
    while (sync.finished < MT_THREADS && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&sync.cv, &sync.mu, &dl);
    unsigned finished = sync.finished;
    pthread_mutex_unlock(&sync.mu);
    if (finished < MT_THREADS)
        fail_msg("only %u of %d threads finished within 60 s", finished, MT_THREADS);
    for (unsigned i = 0; i < MT_THREADS; i++)
        pthread_join(w[i].thread, NULL);
    for (unsigned i = 0; i < MT_THREADS; i++)
        if (w[i].rounds != MT_ROUNDS)
            fail_msg("thread %u failed after %u rounds: %s", i, w[i].rounds, w[i].why);
    for (unsigned i = 0; i < MT_THREADS; i++)
        if (i % 2)
            itest_close(w[i].file);
    itest_close(shared);
    pthread_mutex_destroy(&sync.mu);
    pthread_cond_destroy(&sync.cv);
}

/* (7) The driver dies holding requests --------------------------------------------------------- */

#define HOLD_N 15

/* One synchronous request blocked in a thread of its own, next to the asynchronous ones. */
struct sync_req {
    dmaemu_file_t *file;
    struct async_slot *slot;
    uint8_t buf[512];
};

static void *sync_req_main(void *arg)
{
    struct sync_req *s = arg;
    struct dmaemu_io_result r = {0};
    int rc = dmaemu_read(s->file, 3, s->buf, sizeof(s->buf), &r);
    async_done(s->slot, rc, &r);
    return NULL;
}

static void test_driver_killed(void **state)
{
    struct fixture *fx = *state;
    /* Fork the driver before this process has threads of its own. */
    struct fake_driver_options o = driver_opts(fx, "plx0", FAKE_HOLD);
    o.name = "doomed-driver";
    if (fake_child_spawn(&o, &io_child) != 0)
        fail_msg("the fake driver child failed: %s", io_child.buf);
    fx->child = io_child.pid;

    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "orphaned-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    static struct async_set s;
    async_init(&s);
    uint8_t *bufs = io_alloc(HOLD_N * 4096);
    send_mix(f, &s, HOLD_N, bufs);
    static struct sync_req sr;
    sr = (struct sync_req){.file = f, .slot = &s.slot[HOLD_N]};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sync_req_main, &sr), 0);

    /* Every request reached the driver. */
    uint64_t held[HOLD_N + 1];
    for (unsigned i = 0; i < HOLD_N + 1; i++) {
        enum fake_event e = fake_child_next(&io_child, &held[i], ITEST_TIMEOUT_MS);
        if (e != FAKE_EVENT_HELD)
            fail_msg("the driver reported %u of %u held requests (then %d)", i, HOLD_N + 1, e);
    }
    assert_int_equal(async_count(&s), 0);

    int status = fake_child_kill(&io_child);
    fx->child = 0;
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    async_wait(&s, HOLD_N + 1);
    pthread_join(t, NULL);
    expect_mix_ended(&s, HOLD_N + 1, STATUS_DEVICE_REMOVED, held);
    assert_int_equal(bytes_mismatch(sr.buf, sizeof(sr.buf), 0), -1);
    async_destroy(&s);
    io_free(bufs);

    /* The device has no driver now, then a new one serves the same handle. */
    uint64_t last = held[HOLD_N];
    uint8_t buf[32];
    struct dmaemu_io_result r;
    int rc = dmaemu_read(f, 0, buf, sizeof(buf), &r);
    itest_expect_result("read after the driver died", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("read after the driver died", &r, &last);
    start_driver(fx, "plx0", FAKE_SYNC);
    pattern_fill(buf, sizeof(buf), 77);
    io_write_ok(f, 100, buf, sizeof(buf), &last);
    io_read_expect(f, 100, sizeof(buf), 77, &last);
    assert_true(harness_alive(&fx->d));
    itest_close(f);
}

/* (8) The application dies with requests in flight -------------------------------------------- */

/* The doomed application: opens plx0, waits for the go byte, sends n requests, reports. */
static void __attribute__((noreturn)) app_child(struct fixture *fx, int report, int go)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_APP,
                                       .name = "doomed-app",
                                       .token_file = fx->tcp ? fx->d.token_file : NULL};
    dmaemu_t *c = NULL;
    dmaemu_file_t *f = NULL;
    int rc = dmaemu_connect(harness_uri(&fx->d, fx->tcp), &o, &c);
    if (rc == 0)
        rc = dmaemu_open(c, "plx0", &f);
    if (rc != 0) {
        dprintf(report, "E %d %s\n", rc, dmaemu_last_error());
        _exit(1);
    }
    dprintf(report, "ready\n");
    char b;
    if (read(go, &b, 1) != 1)
        _exit(1);
    static struct async_set s;
    static uint8_t bufs[HOLD_N * 4096];
    async_init(&s);
    for (unsigned i = 0; i < HOLD_N; i++) {
        uint8_t *p = bufs + (size_t)i * 4096;
        rc = i % 3 == 0   ? dmaemu_write_async(f, i * 4096u, p, 100, async_done, &s.slot[i])
             : i % 3 == 1 ? dmaemu_read_async(f, i * 4096u, p, 100, async_done, &s.slot[i])
                          : dmaemu_ioctl_async(f, FAKE_IOCTL_REVERSE, p, 8, p + 8, 8, async_done,
                                               &s.slot[i]);
        if (rc != 0) {
            dprintf(report, "E %d %s\n", rc, dmaemu_last_error());
            _exit(1);
        }
    }
    dprintf(report, "sent\n");
    for (;;)
        pause(); /* until SIGKILL */
}

static void test_app_killed(void **state)
{
    struct fixture *fx = *state;
    int rep[2], go[2];
    assert_int_equal(pipe2(rep, O_CLOEXEC), 0);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(rep[0]);
        close(go[1]);
        app_child(fx, rep[1], go[0]);
    }
    fx->child = pid;
    close(rep[1]);
    close(go[0]);
    char line[256];
    itest_read_line(rep[0], line, sizeof(line));
    if (strcmp(line, "ready\n") != 0)
        fail_msg("the application child failed: %s", line);

    struct fake_driver *d = start_driver(fx, "plx0", FAKE_HOLD);
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    itest_read_line(rep[0], line, sizeof(line));
    close(rep[0]);
    if (strcmp(line, "sent\n") != 0)
        fail_msg("the application child failed: %s", line);
    if (!fake_driver_wait_held(d, HOLD_N, ITEST_TIMEOUT_MS))
        fail_msg("the driver holds %u of %u requests", fake_driver_held(d), HOLD_N);
    uint64_t held[HOLD_N], cancelled[HOLD_N];
    assert_int_equal(fake_driver_held_numbers(d, held, HOLD_N), HOLD_N);
    assert_int_equal(fake_driver_cancels(d), 0);

    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fx->child = 0;
    assert_true(WIFSIGNALED(status));

    /* One cancel per request, naming it. */
    if (!fake_driver_wait_cancels(d, HOLD_N, ITEST_TIMEOUT_MS))
        fail_msg("the driver got %u of %u cancels", fake_driver_cancels(d), HOLD_N);
    assert_int_equal(fake_driver_cancel_numbers(d, cancelled, HOLD_N), HOLD_N);
    expect_same_numbers("cancels vs held requests", cancelled, held, HOLD_N);

    /* The driver completes them anyway, as told; the daemon drops the results quietly. */
    assert_int_equal(fake_driver_release(d, false), HOLD_N);
    dmaemu_t *drv = fake_driver_conn(d);
    expect_ok(dmaemu_ping(drv));
    assert_true(dmaemu_is_connected(drv));
    assert_true(harness_alive(&fx->d));

    /* Another application is served by the same driver. */
    fake_driver_set_mode(d, FAKE_SYNC);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "next-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    uint8_t buf[4000];
    uint64_t last = held[HOLD_N - 1];
    pattern_fill(buf, sizeof(buf), 8);
    io_write_ok(f, 12345, buf, sizeof(buf), &last);
    io_read_expect(f, 12345, sizeof(buf), 8, &last);
    assert_int_equal(fake_driver_cancels(d), HOLD_N); /* and no cancel more */
    expect_ok(dmaemu_ping(drv));
    itest_close(f);
}

/* (9) The driver detaches holding requests ----------------------------------------------------- */

static void test_driver_detach(void **state)
{
    struct fixture *fx = *state;
    struct fake_driver *d = start_driver(fx, "plx0", FAKE_HOLD);
    dmaemu_t *drv = fake_driver_conn(d);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "detach-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    static struct async_set s;
    async_init(&s);
    uint8_t *bufs = io_alloc(HOLD_N * 4096);
    send_mix(f, &s, HOLD_N, bufs);
    if (!fake_driver_wait_held(d, HOLD_N, ITEST_TIMEOUT_MS))
        fail_msg("the driver holds %u of %u requests", fake_driver_held(d), HOLD_N);
    uint64_t held[HOLD_N];
    assert_int_equal(fake_driver_held_numbers(d, held, HOLD_N), HOLD_N);
    assert_int_equal(async_count(&s), 0);

    expect_ok(dmaemu_detach(drv));
    async_wait(&s, HOLD_N);
    expect_mix_ended(&s, HOLD_N, STATUS_DEVICE_REMOVED, held);
    async_destroy(&s);
    io_free(bufs);
    /* The application did not go away: no cancels. */
    assert_int_equal(fake_driver_cancels(d), 0);
    assert_int_equal(fake_driver_drop_held(d), HOLD_N);

    uint64_t last = held[HOLD_N - 1];
    uint8_t buf[64];
    struct dmaemu_io_result r;
    int rc = dmaemu_write(f, 0, buf, sizeof(buf), &r);
    itest_expect_result("write after the detach", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    expect_after("write after the detach", &r, &last);

    /* The same driver session attaches again and serves. */
    fake_driver_set_mode(d, FAKE_SYNC);
    expect_ok(dmaemu_attach(drv, "plx0", NULL));
    pattern_fill(buf, sizeof(buf), 9);
    io_write_ok(f, 7, buf, sizeof(buf), &last);
    io_read_expect(f, 7, sizeof(buf), 9, &last);
    expect_ok(dmaemu_ping(drv));
    itest_close(f);
}

/* (10) The driver's data limit ----------------------------------------------------------------- */

static void expect_limit(const char *what, int rc)
{
    if (rc != DMAEMU_E_LIMIT)
        fail_msg("%s: rc %d (%s), expected DMAEMU_E_LIMIT", what, rc, dmaemu_strerror(rc));
    const char *msg = dmaemu_last_error();
    if (msg == NULL || strstr(msg, "65536") == NULL)
        fail_msg("%s: the LIMIT message does not give the driver's limit: \"%s\"", what,
                 msg ? msg : "(null)");
}

static void test_driver_limit(void **state)
{
    struct fixture *fx = *state;
    struct fake_driver_options o = driver_opts(fx, "plx0", FAKE_SYNC);
    o.max_data = 65536;
    struct fake_driver *d = start_driver_opts(&o);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "greedy-app");
    dmaemu_file_t *f = itest_open(app, "plx0");
    uint8_t *buf = io_alloc(MiB);
    pattern_fill(buf, MiB, 10);
    struct dmaemu_io_result r;

    expect_limit("1 MiB write", dmaemu_write(f, 0, buf, MiB, &r));
    expect_limit("1 MiB read", dmaemu_read(f, 0, buf, MiB, &r));
    expect_limit("1 MiB IOCTL input", dmaemu_ioctl(f, FAKE_IOCTL_REVERSE, buf, MiB, NULL, 0, &r));
    expect_limit("1 MiB IOCTL output", dmaemu_ioctl(f, FAKE_IOCTL_REVERSE, buf, 4, buf, MiB, &r));
    expect_limit("65537-byte write", dmaemu_write(f, 0, buf, 65537, &r));

    /* Asynchronously: the refusal arrives through done(). */
    static struct async_set s;
    async_init(&s);
    int rc = dmaemu_write_async(f, 0, buf, MiB, async_done, &s.slot[0]);
    if (rc == 0) {
        async_wait(&s, 1);
        assert_int_equal(s.slot[0].rc, DMAEMU_E_LIMIT);
    } else {
        expect_limit("1 MiB asynchronous write", rc);
    }
    async_destroy(&s);
    assert_int_equal(fake_driver_served(d), 0);

    /* The connection, and the driver, still work, up to the limit. */
    expect_ok(dmaemu_ping(app));
    uint64_t last = 0;
    io_write_ok(f, 1, buf, 65536, &last);
    io_read_expect(f, 1, 65536, 10, &last);
    assert_int_equal(fake_driver_served(d), 2);
    assert_true(dmaemu_is_connected(fake_driver_conn(d)));
    expect_ok(dmaemu_ping(fake_driver_conn(d)));
    io_free(buf);
    itest_close(f);
}

/* ---------------------------------------------------------------------------------------------- */

#define IO_TESTS(fx)                                                                               \
    IO_TEST(test_open, fx), IO_TEST(test_no_driver, fx), IO_TEST(test_round_trip, fx),             \
        IO_TEST(test_ioctl, fx), IO_TEST(test_async_inflight, fx), IO_TEST(test_threads, fx),      \
        IO_TEST(test_driver_killed, fx), IO_TEST(test_app_killed, fx),                             \
        IO_TEST(test_driver_detach, fx), IO_TEST(test_driver_limit, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {IO_TESTS(fx_unix)};
    const struct CMUnitTest tcp_tests[] = {IO_TESTS(fx_tcp)};
    int failed = cmocka_run_group_tests_name("io/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("io/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
