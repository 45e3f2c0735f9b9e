/*
 * test_http.c: dmaemud's HTTP JSON API and live event stream, through a small HTTP/1.1 client
 * on a plain socket (Connection: close; chunked bodies decoded).
 *
 * Covered: /api/devices and /api/sessions (live state, an owner); requests made by an
 * application through a fake driver appearing in /api/requests, with filters and cursor
 * pagination; /api/transactions and /api/transactions/ID (known, unknown, malformed); /api/stats;
 * bad parameters (400 naming the parameter); POST (405); unknown paths (404); /api/events
 * streaming an I/O's events; the streams and idle connections ending at SIGTERM; a non-loopback
 * address refused without a token file, and requiring the token with one.
 *
 * Every wait is bounded: poll() with deadlines, or bounded retries of a query while the
 * history writer commits (it batches every 200 ms).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_driver.h"
#include "http_client.h"
#include "itest.h"

extern char **environ;

static struct fixture fx_http = {.tcp = false};

/* Application I/O through a fake driver -------------------------------------------------------- */

static struct fake_driver *http_driver; /* stopped by teardown */

static int http_setup(void **state)
{
    http_driver = NULL;
    return fx_setup(state);
}

static int http_teardown(void **state)
{
    fake_driver_stop(http_driver);
    http_driver = NULL;
    return fx_teardown(state);
}

#define HTTP_TEST(f)                                                                               \
    cmocka_unit_test_prestate_setup_teardown(f, http_setup, http_teardown, &fx_http)

static void start_fake_driver(struct fixture *fx, const char *device)
{
    struct fake_driver_options o = {
        .uri = harness_uri(&fx->d, false),
        .device = device,
        .name = "http-fake-driver",
        .mode = FAKE_SYNC,
    };
    int rc = fake_driver_start(&o, &http_driver);
    if (rc != 0)
        fail_msg("fake driver on %s: %d (%s): %s", device, rc, dmaemu_strerror(rc),
                 dmaemu_last_error());
}

/* An application sends `writes` writes, then `reads` reads, of `size` bytes each to device. */
static void do_io(struct fixture *fx, const char *device, unsigned writes, unsigned reads,
                  size_t size)
{
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "http-app");
    dmaemu_file_t *f = NULL;
    int rc = dmaemu_open(app, device, &f);
    if (rc != 0)
        fail_msg("open %s: %d (%s): %s", device, rc, dmaemu_strerror(rc), dmaemu_last_error());
    uint8_t buf[4096];
    assert_true(size <= sizeof(buf));
    pattern_fill(buf, size, 7);
    for (unsigned i = 0; i < writes + reads; i++) {
        struct dmaemu_io_result res;
        rc = i < writes ? dmaemu_write(f, i * size, buf, size, &res)
                        : dmaemu_read(f, (i - writes) * size, buf, size, &res);
        if (rc != 0 || res.status != STATUS_SUCCESS)
            fail_msg("I/O %u on %s: rc %d status 0x%08x", i, device, rc, (unsigned)res.status);
    }
    dmaemu_file_close(f);
    fx_close(fx, app);
}

/* GETs path until its "requests" (or key) array has at least n entries: the history writer
 * commits in batches. Returns the response, which the caller frees. */
static void wait_rows(const char *uri, const char *path, const char *key, size_t n,
                      struct http_response *r)
{
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    for (;;) {
        http_get_json(uri, path, 200, r);
        json_t *rows = json_object_get(r->json, key);
        if (!json_is_array(rows))
            fail_msg("GET %s: no \"%s\" array: %s", path, key, r->body);
        if (json_array_size(rows) >= n)
            return;
        if (itest_now_ms() > deadline)
            fail_msg("GET %s: %zu rows after %d ms, expected %zu: %s", path, json_array_size(rows),
                     ITEST_TIMEOUT_MS, n, r->body);
        http_response_free(r);
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* An application's I/O through the fake driver on plx0 (started on first use), returned once
 * the history holds at least `total` requests. */
static void record_io(struct fixture *fx, unsigned writes, unsigned reads, size_t size,
                      size_t total)
{
    if (http_driver == NULL)
        start_fake_driver(fx, "plx0");
    do_io(fx, "plx0", writes, reads, size);
    struct http_response r;
    wait_rows(fx->d.http_uri, "/api/requests", "requests", total, &r);
    http_response_free(&r);
}

static const char *row_str(json_t *row, const char *key)
{
    const char *v = json_string_value(json_object_get(row, key));
    return v ? v : "";
}

/* Tests: live state ---------------------------------------------------------------------------- */

static void test_devices_and_sessions(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    assert_true(strncmp(uri, "http://127.0.0.1:", 17) == 0);

    struct http_response r;
    http_get_json(uri, "/api/devices", 200, &r);
    json_t *devs = json_object_get(r.json, "devices");
    assert_int_equal(json_array_size(devs), 2);
    assert_string_equal(row_str(json_array_get(devs, 0), "name"), "plx0");
    assert_string_equal(row_str(json_array_get(devs, 1), "name"), "plx1");
    for (size_t i = 0; i < 2; i++) {
        json_t *d = json_array_get(devs, i);
        assert_string_equal(row_str(d, "model"), "plx9656");
        assert_string_equal(row_str(d, "state"), "free");
        assert_int_equal(json_integer_value(json_object_get(d, "vendor_id")), PLX_VENDOR);
        assert_true(json_is_null(json_object_get(d, "owner")));
        assert_true(json_array_size(json_object_get(d, "bars")) > 0);
    }
    http_response_free(&r);

    /* A driver owns plx1: the device says who, the sessions list it. */
    dmaemu_t *drv = fx_driver(fx, "http-driver", "plx1");
    http_get_json(uri, "/api/devices", 200, &r);
    json_t *plx1 = json_array_get(json_object_get(r.json, "devices"), 1);
    assert_string_equal(row_str(plx1, "state"), "owned");
    json_t *owner = json_object_get(plx1, "owner");
    assert_string_equal(row_str(owner, "name"), "http-driver");
    assert_string_equal(row_str(owner, "role"), "driver");
    json_int_t owner_session = json_integer_value(json_object_get(owner, "session"));
    assert_true(owner_session > 0);
    assert_true(strlen(row_str(owner, "peer")) > 0);
    http_response_free(&r);

    http_get_json(uri, "/api/sessions", 200, &r);
    json_t *sessions = json_object_get(r.json, "sessions");
    bool found = false;
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s)
    {
        if (json_integer_value(json_object_get(s, "id")) == owner_session) {
            found = true;
            assert_string_equal(row_str(s, "role"), "driver");
            assert_string_equal(row_str(s, "name"), "http-driver");
            assert_string_equal(row_str(s, "transport"), "unix");
            assert_string_equal(row_str(s, "device"), "plx1");
        }
    }
    if (!found)
        fail_msg("/api/sessions lacks the driver's session %lld: %s", (long long)owner_session,
                 r.body);
    http_response_free(&r);
    fx_close(fx, drv);
}

/* Tests: history ------------------------------------------------------------------------------- */

static void test_requests_filters_and_cursor(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    start_fake_driver(fx, "plx0");
    do_io(fx, "plx0", 4, 3, 512); /* 7 requests */
    do_io(fx, "plx0", 1, 0, 64);  /* 1 small write */

    struct http_response r;
    wait_rows(uri, "/api/requests?device=plx0", "requests", 8, &r);
    json_t *rows = json_object_get(r.json, "requests");
    assert_int_equal(json_array_size(rows), 8);
    assert_true(json_is_null(json_object_get(r.json, "next")));
    size_t i;
    json_t *row;
    json_int_t first_id = 0;
    json_array_foreach(rows, i, row)
    {
        assert_string_equal(row_str(row, "device"), "plx0");
        if (i == 0)
            first_id = json_integer_value(json_object_get(row, "id"));
    }
    http_response_free(&r);

    /* Filters: type, size, status, device, time. */
    http_get_json(uri, "/api/requests?device=plx0&type=write", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 5);
    json_array_foreach(json_object_get(r.json, "requests"), i, row)
        assert_string_equal(row_str(row, "type"), "write");
    http_response_free(&r);
    http_get_json(uri, "/api/requests?type=write&min_size=100", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 4);
    http_response_free(&r);
    http_get_json(uri, "/api/requests?status=ok&type=read", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 3);
    http_response_free(&r);
    http_get_json(uri, "/api/requests?device=plx1", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 0);
    http_response_free(&r);
    http_get_json(uri, "/api/requests?since=1h&until=2099-01-01T00:00:00Z", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 8);
    http_response_free(&r);
    http_get_json(uri, "/api/requests?until=2000-01-01%2000:00", 200, &r); /* %20: a space */
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 0);
    http_response_free(&r);

    /* Pagination: 3 at a time, following "next", sees all 8 once, in id order. */
    char path[128];
    json_int_t cursor = 0, last = 0;
    unsigned seen = 0, pages = 0;
    for (;;) {
        if (cursor)
            snprintf(path, sizeof(path), "/api/requests?device=plx0&limit=3&cursor=%lld",
                     (long long)cursor);
        else
            snprintf(path, sizeof(path), "/api/requests?device=plx0&limit=3");
        http_get_json(uri, path, 200, &r);
        rows = json_object_get(r.json, "requests");
        assert_true(json_array_size(rows) <= 3);
        json_array_foreach(rows, i, row)
        {
            json_int_t id = json_integer_value(json_object_get(row, "id"));
            assert_true(id > last);
            last = id;
            seen++;
        }
        pages++;
        json_t *next = json_object_get(r.json, "next");
        if (json_is_null(next)) {
            http_response_free(&r);
            break;
        }
        assert_true(json_is_integer(next));
        cursor = json_integer_value(next);
        assert_int_equal(cursor, last);
        http_response_free(&r);
        assert_true(pages < 10);
    }
    assert_int_equal(seen, 8);
    assert_int_equal(pages, 3); /* 3 + 3 + 2 */

    /* One request's timeline; ids that are not there. */
    snprintf(path, sizeof(path), "/api/transactions/%lld", (long long)first_id);
    http_get_json(uri, path, 200, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "id")), first_id);
    assert_string_equal(row_str(r.json, "device"), "plx0");
    assert_true(json_is_array(json_object_get(r.json, "transactions")));
    assert_true(json_is_array(json_object_get(r.json, "interrupts")));
    http_response_free(&r);
    http_expect_error(uri, "GET", "/api/transactions/999999", 404, NULL);
    http_expect_error(uri, "GET", "/api/transactions/abc", 400, "id");
    http_expect_error(uri, "GET", "/api/transactions/0", 400, "id");

    /* The fake driver makes no DMA transactions: the list is empty but well formed. */
    http_get_json(uri, "/api/transactions?device=plx0", 200, &r);
    assert_true(json_is_array(json_object_get(r.json, "transactions")));
    assert_int_equal(json_array_size(json_object_get(r.json, "transactions")), 0);
    assert_true(json_is_null(json_object_get(r.json, "next")));
    http_response_free(&r);

    http_get_json(uri, "/api/stats?device=plx0", 200, &r);
    json_t *stats = json_array_get(json_object_get(r.json, "devices"), 0);
    assert_string_equal(row_str(stats, "device"), "plx0");
    assert_int_equal(json_integer_value(json_object_get(stats, "requests")), 8);
    assert_int_equal(json_integer_value(json_object_get(stats, "writes")), 5);
    http_response_free(&r);
}

static void test_errors(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    http_expect_error(uri, "GET", "/api/requests?limit=0", 400, "limit");
    http_expect_error(uri, "GET", "/api/requests?limit=lots", 400, "limit");
    http_expect_error(uri, "GET", "/api/requests?since=yesterday", 400, "since");
    http_expect_error(uri, "GET", "/api/requests?type=erase", 400, "type");
    http_expect_error(uri, "GET", "/api/requests?status=maybe", 400, "status");
    http_expect_error(uri, "GET", "/api/requests?cursor=-1", 400, "cursor");
    http_expect_error(uri, "GET", "/api/requests?colour=blue", 400, "colour");
    http_expect_error(uri, "GET", "/api/requests?device=plx0&device=plx1", 400, "device");
    http_expect_error(uri, "GET", "/api/stats?until=soon", 400, "until");
    http_expect_error(uri, "GET", "/api/transactions?min_size=big", 400, "min_size");
    http_expect_error(uri, "POST", "/api/devices", 405, NULL);
    http_expect_error(uri, "POST", "/api/requests", 405, NULL);
    http_expect_error(uri, "DELETE", "/api/transactions/1", 405, NULL);
    http_expect_error(uri, "GET", "/api/nothing", 404, NULL);
    http_expect_error(uri, "GET", "/api", 404, NULL);
    http_expect_error(uri, "GET", "/api/devices/plx0/extra", 404, NULL);

    struct http_response r;
    http_request(uri, "POST", "/api/devices", NULL, &r);
    char allow[32];
    assert_non_null(http_header_value(r.head, "allow", allow, sizeof(allow)));
    assert_string_equal(allow, "GET");
    http_response_free(&r);
    /* The daemon answers normally after all that. */
    http_get_json(uri, "/api/devices", 200, &r);
    http_response_free(&r);
}

/* Tests: live events --------------------------------------------------------------------------- */

static void test_events(void **state)
{
    struct fixture *fx = *state;
    struct sse s;
    sse_open(&s, fx->d.http_uri);
    /* The first comment: subscribed before the I/O below happens. */
    if (sse_wait(&s, 0, ": dmaemud live events\n\n", HTTP_TIMEOUT_MS) == NULL)
        fail_msg("/api/events: no opening comment: %s", s.data);
    size_t from = s.data_len;

    start_fake_driver(fx, "plx0");
    do_io(fx, "plx0", 1, 0, 256);
    static const char prefix[] = "event: request\ndata: ";
    const char *ev = sse_wait(&s, from, prefix, 5000);
    if (ev == NULL)
        fail_msg("/api/events: no request event within 5 s of an I/O: %s", s.data);
    size_t at = (size_t)(ev - s.data) + strlen(prefix); /* s.data stays put: an array */
    if (sse_wait(&s, at, "\n\n", 5000) == NULL)
        fail_msg("/api/events: an unterminated event: %s", s.data);
    const char *data = s.data + at, *end = strstr(data, "\n\n");
    json_t *e = json_loadb(data, (size_t)(end - data), 0, NULL);
    if (e == NULL)
        fail_msg("/api/events: data is not JSON: %.*s", (int)(end - data), data);
    assert_string_equal(row_str(e, "kind"), "request");
    assert_string_equal(row_str(e, "device"), "plx0");
    json_t *req = json_object_get(e, "request");
    assert_string_equal(row_str(req, "type"), "write");
    assert_int_equal(json_integer_value(json_object_get(req, "length")), 256);
    json_decref(e);
    /* Every event has the framing "event: KIND\ndata: JSON\n\n": the attach came before. */
    assert_non_null(strstr(s.data + from, "event: attach\ndata: {"));
    assert_non_null(strstr(s.data + from, "event: session-open\ndata: {"));
    sse_close(&s);
}

/* SIGTERM ends the event streams (with a last comment) and idle keep-alive connections. */
static void test_shutdown_with_open_connections(void **state)
{
    struct harness_daemon d;
    assert_int_equal(harness_start(&d, NULL), 0);
    struct sse s;
    sse_open(&s, d.http_uri);
    assert_non_null(sse_wait(&s, 0, ": dmaemud live events\n\n", HTTP_TIMEOUT_MS));
    /* A keep-alive connection left idle after one answer. */
    int idle = http_connect(d.http_uri);
    assert_true(idle >= 0);
    static const char req[] = "GET /api/sessions HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_true(http_send_all(idle, req, sizeof(req) - 1));
    assert_true(http_read_head(idle));

    int64_t t0 = itest_now_ms();
    int rc = harness_stop(&d); /* fails after 10 s if the connections kept the daemon alive */
    int64_t took = itest_now_ms() - t0;
    assert_int_equal(rc, 0);
    if (took > 3000)
        fail_msg("dmaemud took %lld ms to stop with HTTP connections open", (long long)took);
    if (sse_wait(&s, 0, ": dmaemud is shutting down\n\n", HTTP_TIMEOUT_MS) == NULL)
        fail_msg("/api/events: no last comment at shutdown: %s", s.data);
    sse_close(&s);
    close(idle);
}

/* Tests: what the dashboard reads -------------------------------------------------------------- */

static void test_daemon_counters_registers(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    struct http_response r;
    http_get_json(uri, "/api/daemon", 200, &r);
    assert_string_equal(row_str(r.json, "version"), DMAEMU_VERSION);
    assert_true(json_integer_value(json_object_get(r.json, "pid")) > 0);
    assert_true(json_integer_value(json_object_get(r.json, "started_ns")) > 1600000000000000000);
    assert_true(json_is_true(json_object_get(r.json, "recording")));
    http_response_free(&r);

    http_get_json(uri, "/api/devices", 200, &r);
    json_t *counters =
        json_object_get(json_array_get(json_object_get(r.json, "devices"), 0), "counters");
    static const char *const keys[] = {"dma_ops", "dma_faults", "bytes_to_host", "bytes_from_host",
                                       "irq_asserts"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!json_is_integer(json_object_get(counters, keys[i])))
            fail_msg("/api/devices: no counter %s: %s", keys[i], r.body);
    http_response_free(&r);

    /* The model's decoded snapshot; reading it changes nothing (INTCSR's value holds). */
    http_get_json(uri, "/api/devices/plx0/registers", 200, &r);
    assert_string_equal(row_str(r.json, "model"), "plx9656");
    json_t *regs = json_object_get(r.json, "registers"), *intcsr = NULL, *reg;
    size_t i;
    json_array_foreach(regs, i, reg) if (strcmp(row_str(reg, "name"), "INTCSR") == 0) intcsr = reg;
    if (intcsr == NULL || json_array_size(json_object_get(intcsr, "fields")) == 0)
        fail_msg("/api/devices/plx0/registers: no decoded INTCSR: %s", r.body);
    json_int_t before = json_integer_value(json_object_get(intcsr, "value"));
    http_response_free(&r);
    dmaemu_t *tool = fx_connect(fx, DMAEMU_ROLE_MONITOR, "http-regs");
    uint64_t v = 0;
    assert_int_equal(dmaemu_mmio_read_device(tool, "plx0", false, 0, 0x68, 4, &v), 0);
    assert_int_equal((json_int_t)v, before);
    fx_close(fx, tool);

    http_expect_error(uri, "GET", "/api/devices/plx7/registers", 404, NULL);
    http_expect_error(uri, "GET", "/api/devices//registers", 404, NULL);
}

/* Newest first, with the cursor counting down; sizes bounded on both sides. */
static void test_history_order_and_sizes(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    record_io(fx, 3, 0, 512, 3);
    record_io(fx, 2, 0, 2048, 5);
    struct http_response r;

    json_int_t last = INT64_MAX;
    char path[128] = "/api/requests?order=desc&limit=2";
    unsigned seen = 0;
    for (int page = 0; page < 5; page++) {
        http_get_json(uri, path, 200, &r);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(r.json, "requests"), i, row)
        {
            json_int_t id = json_integer_value(json_object_get(row, "id"));
            assert_true(id < last);
            last = id;
            seen++;
        }
        json_t *next = json_object_get(r.json, "next");
        bool more = json_is_integer(next);
        if (more)
            snprintf(path, sizeof(path), "/api/requests?order=desc&limit=2&cursor=%lld",
                     (long long)json_integer_value(next));
        http_response_free(&r);
        if (!more)
            break;
    }
    assert_int_equal(seen, 5);

    http_get_json(uri, "/api/requests?min_size=1K&max_size=2K", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 2);
    http_response_free(&r);
    http_get_json(uri, "/api/requests?max_size=1000", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 3);
    http_response_free(&r);
    /* The fake driver makes no DMA transactions, so no request had a direction. */
    http_get_json(uri, "/api/requests?direction=to_device", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 0);
    http_response_free(&r);

    http_expect_error(uri, "GET", "/api/requests?order=sideways", 400, "order");
    http_expect_error(uri, "GET", "/api/requests?direction=up", 400, "direction");
    http_expect_error(uri, "GET", "/api/requests?min_size=4K&max_size=1K", 400, "max_size");
    http_expect_error(uri, "GET", "/api/requests?since=1m&until=2m", 400, "until");
}

/* Requests per time bucket: every request lands in exactly one bucket. */
static void test_series(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    record_io(fx, 4, 2, 1024, 6);
    struct http_response r;

    http_get_json(uri, "/api/series?since=5m&step=10s", 200, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "step_ns")), 10000000000ll);
    json_int_t since = json_integer_value(json_object_get(r.json, "since_ns"));
    json_int_t requests = 0, bytes = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r.json, "points"), i, p)
    {
        assert_string_equal(row_str(p, "device"), "plx0");
        json_int_t t = json_integer_value(json_object_get(p, "t_ns"));
        assert_true(t >= since && (t - since) % 10000000000ll == 0);
        assert_true(json_integer_value(json_object_get(p, "latency_max_ns")) >=
                    json_integer_value(json_object_get(p, "latency_avg_ns")));
        requests += json_integer_value(json_object_get(p, "requests"));
        bytes += json_integer_value(json_object_get(p, "bytes"));
    }
    assert_int_equal(requests, 6);
    assert_int_equal(bytes, 6 * 1024);
    http_response_free(&r);

    /* A default step gives about 120 buckets of whole seconds. */
    http_get_json(uri, "/api/series?since=1h&type=read", 200, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "step_ns")), 31000000000ll);
    http_response_free(&r);
    http_expect_error(uri, "GET", "/api/series?step=10ms", 400, "step");
    http_expect_error(uri, "GET", "/api/series?since=1d&step=1s", 400, "step");
    http_expect_error(uri, "GET", "/api/series?cursor=3", 400, "cursor");
}

/* Sessions of the history, and the lists that take only some parameters. */
static void test_recorded_sessions_and_lists(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    record_io(fx, 1, 0, 256, 1);
    struct http_response r;
    wait_rows(uri, "/api/recorded-sessions?text=FAKE", "sessions", 1, &r);
    json_t *s = json_array_get(json_object_get(r.json, "sessions"), 0);
    assert_string_equal(row_str(s, "name"), "http-fake-driver");
    assert_string_equal(row_str(s, "role"), "driver");
    assert_true(json_is_null(json_object_get(s, "ended_ns")));
    assert_int_equal(json_array_size(json_object_get(r.json, "sessions")), 1);
    http_response_free(&r);
    /* The application's session has ended by now, with its reason. */
    wait_rows(uri, "/api/recorded-sessions?text=http-app", "sessions", 1, &r);
    http_response_free(&r);

    /* The fake driver reports no faults, findings or traces: empty, well-formed lists. */
    static const char *const lists[] = {"faults", "findings", "traces"};
    for (size_t i = 0; i < 3; i++) {
        char path[96];
        snprintf(path, sizeof(path), "/api/%s?device=plx0&order=desc&text=x&since=1h", lists[i]);
        http_get_json(uri, path, 200, &r);
        assert_true(json_is_array(json_object_get(r.json, lists[i])));
        assert_true(json_is_null(json_object_get(r.json, "next")));
        http_response_free(&r);
    }
    http_expect_error(uri, "GET", "/api/faults?type=read", 400, "type");
    http_expect_error(uri, "GET", "/api/traces?min_size=1", 400, "min_size");
    http_expect_error(uri, "GET", "/api/recorded-sessions?device=plx0", 400, "device");
    http_expect_error(uri, "GET", "/api/findings?device=plx9", 400, "device");
    http_expect_error(uri, "GET", "/api/requests?text=a", 400, "text");
}

/* ?kind= narrows a stream to the kinds asked for. */
static void test_events_by_kind(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    http_expect_error(uri, "GET", "/api/events?kind=dma,telepathy", 400, "kind");
    http_expect_error(uri, "GET", "/api/events?kind=", 400, "kind");
    http_expect_error(uri, "GET", "/api/events?colour=red", 400, "colour");
    struct sse s;
    sse_open_path(&s, uri, "/api/events?kind=request");
    assert_non_null(sse_wait(&s, 0, ": dmaemud live events\n\n", HTTP_TIMEOUT_MS));
    start_fake_driver(fx, "plx0");
    do_io(fx, "plx0", 1, 0, 128);
    if (sse_wait(&s, 0, "event: request\n", 5000) == NULL)
        fail_msg("/api/events?kind=request: no request event: %s", s.data);
    if (strstr(s.data, "event: attach") != NULL || strstr(s.data, "event: session-open") != NULL)
        fail_msg("/api/events?kind=request: other kinds came too: %s", s.data);
    sse_close(&s);
}

/* On loopback, only requests addressed to loopback are answered: a page that rebinds its own
 * name to 127.0.0.1 cannot read the API through the user's browser. */
static void test_host_must_be_loopback(void **state)
{
    struct fixture *fx = *state;
    const char *uri = fx->d.http_uri;
    const char *port = strrchr(uri, ':');
    char host[96];
    static const char *const good[] = {"localhost", "127.0.0.1", "127.1.2.3", "[::1]", "LOCALHOST"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct http_response r;
        snprintf(host, sizeof(host), "Host: %s%s\r\n", good[i], port);
        http_request(uri, "GET", "/api/daemon", host, &r);
        if (r.status != 200)
            fail_msg("%s: status %d: %s", host, r.status, r.body);
        http_response_free(&r);
    }
    static const char *const bad[] = {"attacker.example", "127.0.0.1.attacker.example", "[::2]",
                                      "10.0.0.1", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http_response r;
        snprintf(host, sizeof(host), "Host: %s%s\r\n", bad[i], port);
        http_request(uri, "GET", "/api/devices", host, &r);
        const char *error = json_string_value(json_object_get(r.json, "error"));
        if (r.status != 403 || error == NULL || strstr(error, "DNS rebinding") == NULL)
            fail_msg("%s: status %d (expected 403): %s", host, r.status, r.body);
        http_response_free(&r);
    }
}

/* Tests: the dashboard's files ----------------------------------------------------------------- */

static int web_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_web_files(void **state)
{
    char dir[] = "/tmp/dmaemu-web-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/index.html", dir);
    write_file(path, "<!doctype html><p>dashboard</p>\n");
    snprintf(path, sizeof(path), "%s/assets", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/assets/app.js", dir);
    write_file(path, "console.log('dmaemu');\n");

    struct spawned sp;
    const char *const args[] = {"--http", "127.0.0.1:0", "--web", dir, NULL};
    if (spawned_start(&sp, args, true) < 0) {
        spawned_wait(&sp, 0);
        fail_msg("dmaemud --web %s did not start: %s", dir, spawned_log(&sp));
    }
    struct http_response r;
    char ct[128] = "";
    http_request(sp.http_uri, "GET", "/", NULL, &r);
    http_header_value(r.head, "content-type", ct, sizeof(ct));
    int index_status = r.status;
    bool index_body = strstr(r.body, "<p>dashboard</p>") != NULL;
    bool index_html = strncmp(ct, "text/html", 9) == 0;
    http_response_free(&r);
    http_request(sp.http_uri, "GET", "/assets/app.js", NULL, &r);
    http_header_value(r.head, "content-type", ct, sizeof(ct));
    int js_status = r.status;
    bool js_type = strstr(ct, "javascript") != NULL;
    http_response_free(&r);
    http_request(sp.http_uri, "GET", "/assets/missing.js", NULL, &r);
    int missing_status = r.status;
    http_response_free(&r);
    http_request(sp.http_uri, "GET", "/../../etc/passwd", NULL, &r);
    bool escaped = strstr(r.body, "root:") != NULL;
    http_response_free(&r);
    http_get_json(sp.http_uri, "/api/devices", 200, &r); /* the API is still there */
    http_response_free(&r);

    kill(sp.pid, SIGTERM);
    int status = spawned_wait(&sp, HTTP_TIMEOUT_MS);
    spawned_cleanup(&sp);
    nftw(dir, web_rm, 8, FTW_DEPTH | FTW_PHYS);
    if (index_status != 200 || !index_body || !index_html || js_status != 200 || !js_type ||
        missing_status != 404 || escaped || status != 0)
        fail_msg("--web: / %d (html %d, body %d), app.js %d (type %s), missing %d, escaped %d, "
                 "exit %d",
                 index_status, index_html, index_body, js_status, ct, missing_status, escaped,
                 status);
}

/* Without a dashboard, "/" says how to get one; a --web that holds none is refused at start. */
static void test_web_off_and_missing(void **state)
{
    struct spawned sp;
    const char *const off[] = {"--http", "127.0.0.1:0", "--web", "off", NULL};
    assert_int_equal(spawned_start(&sp, off, true), 0);
    struct http_response r;
    http_request(sp.http_uri, "GET", "/", NULL, &r);
    int status = r.status;
    bool says = strstr(r.body, "not built") != NULL && strstr(r.body, "--web") != NULL;
    http_response_free(&r);
    kill(sp.pid, SIGTERM);
    spawned_wait(&sp, HTTP_TIMEOUT_MS);
    spawned_cleanup(&sp);
    if (status != 404 || !says)
        fail_msg("--web off: GET / answered %d without saying how to build the dashboard", status);

    const char *const missing[] = {"--http", "127.0.0.1:0", "--web", "/nonexistent/web", NULL};
    int rc = spawned_start(&sp, missing, false);
    int exit_status = spawned_wait(&sp, HTTP_TIMEOUT_MS);
    char *log = spawned_log(&sp);
    spawned_cleanup(&sp);
    if (rc != 0 || exit_status != 2 || strstr(log, "--web /nonexistent/web") == NULL)
        fail_msg("--web /nonexistent/web: exit %d (expected 2): %s", exit_status, log);
    free(log);
}

/* Tests: addresses other than loopback --------------------------------------------------------- */

static void test_non_loopback_needs_token(void **state)
{
    struct spawned sp;
    const char *const args[] = {"--http", "0.0.0.0:0", NULL};
    int rc = spawned_start(&sp, args, false); /* its report ends without "ready" */
    int status = spawned_wait(&sp, HTTP_TIMEOUT_MS);
    char *log = spawned_log(&sp);
    spawned_cleanup(&sp);
    if (rc != 0 || status != 2 || strstr(log, "--token-file") == NULL ||
        strstr(log, "0.0.0.0:0") == NULL)
        fail_msg("--http 0.0.0.0:0 without a token file: exit %d (expected 2), output: %s", status,
                 log);
    free(log);
}

static void test_non_loopback_with_token(void **state)
{
    struct spawned sp;
    char token_file[128];
    static const char token[] = "0123456789abcdef0123456789abcdef";
    snprintf(token_file, sizeof(token_file), "/tmp/dmaemu-http-token-%d", (int)getpid());
    FILE *f = fopen(token_file, "we");
    assert_non_null(f);
    fprintf(f, "%s\n", token);
    fclose(f);
    chmod(token_file, 0600);
    const char *const args[] = {"--http", "0.0.0.0:0", "--token-file", token_file, NULL};
    if (spawned_start(&sp, args, true) < 0 || sp.http_uri[0] == '\0') {
        spawned_wait(&sp, 0);
        char *log = spawned_log(&sp);
        spawned_cleanup(&sp);
        unlink(token_file);
        fail_msg("dmaemud with --http 0.0.0.0:0 and a token did not start: %s", log);
    }
    struct http_response r;
    http_request(sp.http_uri, "GET", "/api/devices", NULL, &r);
    int no_token = r.status;
    char www[128] = "";
    http_header_value(r.head, "www-authenticate", www, sizeof(www));
    http_response_free(&r);
    http_request(sp.http_uri, "GET", "/api/devices",
                 "Authorization: Bearer 0123456789abcdef0123456789abcdeX\r\n", &r);
    int wrong_token = r.status;
    http_response_free(&r);
    char auth[128];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
    http_request(sp.http_uri, "GET", "/api/devices", auth, &r);
    int good_token = r.status;
    size_t devices = json_array_size(json_object_get(r.json, "devices"));
    http_response_free(&r);
    /* --db off: live state is served, the history is not. */
    http_request(sp.http_uri, "GET", "/api/requests", auth, &r);
    int no_history = r.status;
    http_response_free(&r);

    kill(sp.pid, SIGTERM);
    int status = spawned_wait(&sp, HTTP_TIMEOUT_MS);
    char *log = spawned_log(&sp);
    spawned_cleanup(&sp);
    unlink(token_file);
    if (no_token != 401 || strncmp(www, "Bearer", 6) != 0 || wrong_token != 401 ||
        good_token != 200 || devices != 2 || no_history != 503 || status != 0)
        fail_msg("token: none %d (%s), wrong %d, right %d (%zu devices), history %d (--db "
                 "off); exit %d; log: %s",
                 no_token, www, wrong_token, good_token, devices, no_history, status, log);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HTTP_TEST(test_devices_and_sessions),
        HTTP_TEST(test_requests_filters_and_cursor),
        HTTP_TEST(test_errors),
        HTTP_TEST(test_events),
        HTTP_TEST(test_daemon_counters_registers),
        HTTP_TEST(test_history_order_and_sizes),
        HTTP_TEST(test_series),
        HTTP_TEST(test_recorded_sessions_and_lists),
        HTTP_TEST(test_events_by_kind),
        HTTP_TEST(test_host_must_be_loopback),
        cmocka_unit_test(test_web_files),
        cmocka_unit_test(test_web_off_and_missing),
        cmocka_unit_test(test_shutdown_with_open_connections),
        cmocka_unit_test(test_non_loopback_needs_token),
        cmocka_unit_test(test_non_loopback_with_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
