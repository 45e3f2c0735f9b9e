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
#include <unistd.h>

#include "fake_driver.h"
#include "itest.h"

extern char **environ;

static struct fixture fx_http = {.tcp = false};

#define HTTP_TIMEOUT_MS   10000
#define HTTP_MAX_RESPONSE (4u << 20)

/* A small HTTP/1.1 client -------------------------------------------------------------------- */

struct http_response {
    int status;
    char head[4096]; /* status line and headers */
    char *body;      /* NUL-terminated, decoded */
    size_t body_len;
    json_t *json; /* the body parsed, or NULL */
};

static void http_response_free(struct http_response *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* Connects to "http://127.0.0.1:PORT" (or any IPv4 address): a connected socket or -1. */
static int http_connect(const char *uri)
{
    const char *hostport = strncmp(uri, "http://", 7) == 0 ? uri + 7 : uri;
    char host[64];
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
        return -1;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
    if (strcmp(host, "0.0.0.0") == 0) /* a wildcard bind is reached on loopback */
        snprintf(host, sizeof(host), "127.0.0.1");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static int send_request(const char *uri, const char *method, const char *path,
                        const char *extra_headers)
{
    int fd = http_connect(uri);
    if (fd < 0)
        fail_msg("cannot connect to %s: %s", uri, strerror(errno));
    bool post = strcmp(method, "POST") == 0;
    char req[2048];
    int n =
        snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s",
                 method, path, extra_headers ? extra_headers : "",
                 post ? "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" : "\r\n");
    if (n <= 0 || (size_t)n >= sizeof(req) || !send_all(fd, req, (size_t)n)) {
        close(fd);
        fail_msg("cannot send %s %s", method, path);
    }
    return fd;
}

/* Reads into *buf (grown) until EOF or until stop(buf) says enough; false on timeout. */
static bool read_until(int fd, char **buf, size_t *len, size_t *cap, int64_t deadline,
                       bool (*stop)(const char *buf, size_t len, void *arg), void *arg)
{
    for (;;) {
        if (stop != NULL && stop(*buf, *len, arg))
            return true;
        if (*len + 4096 + 1 > *cap) {
            if (*cap >= HTTP_MAX_RESPONSE)
                return false;
            *cap = *cap ? *cap * 2 : 16384;
            *buf = realloc(*buf, *cap);
            assert_non_null(*buf);
        }
        int64_t left = deadline - itest_now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            return stop == NULL;
        *len += (size_t)n;
        (*buf)[*len] = '\0';
    }
}

/* Case-insensitive search for "\r\nNAME: VALUE" in the head; the value or NULL. */
static const char *header_value(const char *head, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

/* Decodes a chunked body in place; false when it is malformed or incomplete. */
static bool dechunk(char *body, size_t len, size_t *out_len, size_t *consumed, bool *complete)
{
    size_t in = 0, out = 0;
    *complete = false;
    for (;;) {
        char *eol = memmem(body + in, len - in, "\r\n", 2);
        if (eol == NULL)
            break;
        char *end;
        unsigned long size = strtoul(body + in, &end, 16);
        if (end == body + in)
            return false;
        size_t data = (size_t)(eol - body) + 2;
        if (size == 0) {
            *complete = true;
            in = data;
            break;
        }
        if (data + size + 2 > len)
            break;
        memmove(body + out, body + data, size);
        out += size;
        in = data + size + 2;
    }
    *out_len = out;
    *consumed = in;
    return true;
}

static void http_request(const char *uri, const char *method, const char *path,
                         const char *extra_headers, struct http_response *r)
{
    memset(r, 0, sizeof(*r));
    int fd = send_request(uri, method, path, extra_headers);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = read_until(fd, &buf, &len, &cap, itest_now_ms() + HTTP_TIMEOUT_MS, NULL, NULL);
    close(fd);
    if (!ok || buf == NULL)
        fail_msg("%s %s: no complete response within %d ms", method, path, HTTP_TIMEOUT_MS);
    char *sep = strstr(buf, "\r\n\r\n");
    if (sep == NULL || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
        fail_msg("%s %s: not an HTTP response: %.200s", method, path, buf);
    size_t head_len = (size_t)(sep - buf) + 2;
    snprintf(r->head, sizeof(r->head), "%.*s", (int)head_len, buf);
    char *body = sep + 4;
    size_t body_len = len - (size_t)(body - buf);
    char te[64];
    if (header_value(r->head, "transfer-encoding", te, sizeof(te)) != NULL &&
        strcasecmp(te, "chunked") == 0) {
        size_t consumed;
        bool complete;
        if (!dechunk(body, body_len, &body_len, &consumed, &complete) || !complete)
            fail_msg("%s %s: malformed chunked body", method, path);
    }
    r->body = malloc(body_len + 1);
    assert_non_null(r->body);
    memcpy(r->body, body, body_len);
    r->body[body_len] = '\0';
    r->body_len = body_len;
    free(buf);
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
}

/* GET that must answer status with a JSON body. */
static void get_json(const char *uri, const char *path, int status, struct http_response *r)
{
    http_request(uri, "GET", path, NULL, r);
    char ct[128];
    if (r->status != status || r->json == NULL ||
        header_value(r->head, "content-type", ct, sizeof(ct)) == NULL ||
        strncmp(ct, "application/json", 16) != 0)
        fail_msg("GET %s: status %d (expected %d), body %.300s", path, r->status, status, r->body);
}

/* An error answer: status, {"error": "..."} and, when parameter is not NULL, "parameter". */
static void expect_error(const char *uri, const char *method, const char *path, int status,
                         const char *parameter)
{
    struct http_response r;
    http_request(uri, method, path, NULL, &r);
    const char *error = json_string_value(json_object_get(r.json, "error"));
    const char *param = json_string_value(json_object_get(r.json, "parameter"));
    if (r.status != status || error == NULL || error[0] == '\0' ||
        (parameter != NULL && (param == NULL || strcmp(param, parameter) != 0)))
        fail_msg("%s %s: status %d (expected %d, parameter %s): %s", method, path, r.status, status,
                 parameter ? parameter : "-", r.body);
    http_response_free(&r);
}

/* Server-sent events ------------------------------------------------------------------------- */

struct sse {
    int fd;
    char *raw; /* as received, after the head */
    size_t raw_len, raw_cap;
    char data[65536]; /* decoded stream */
    size_t data_len;
    bool chunked, ended, eof;
};

static bool head_complete(const char *buf, size_t len, void *arg)
{
    return len > 0 && strstr(buf, "\r\n\r\n") != NULL;
}

static void sse_open(struct sse *s, const char *uri)
{
    memset(s, 0, sizeof(*s));
    s->fd = send_request(uri, "GET", "/api/events", NULL);
    if (!read_until(s->fd, &s->raw, &s->raw_len, &s->raw_cap, itest_now_ms() + HTTP_TIMEOUT_MS,
                    head_complete, NULL))
        fail_msg("/api/events: no response head within %d ms", HTTP_TIMEOUT_MS);
    char *sep = strstr(s->raw, "\r\n\r\n");
    char head[4096], v[128];
    snprintf(head, sizeof(head), "%.*s", (int)(sep - s->raw) + 2, s->raw);
    int status = 0;
    sscanf(head, "HTTP/1.%*d %d", &status);
    if (status != 200 || header_value(head, "content-type", v, sizeof(v)) == NULL ||
        strcmp(v, "text/event-stream") != 0)
        fail_msg("/api/events: status %d, head %s", status, head);
    s->chunked = header_value(head, "transfer-encoding", v, sizeof(v)) != NULL &&
                 strcasecmp(v, "chunked") == 0;
    size_t rest = s->raw_len - (size_t)(sep + 4 - s->raw);
    memmove(s->raw, sep + 4, rest);
    s->raw_len = rest;
    s->raw[rest] = '\0';
}

/* Moves what can be decoded from raw into data. */
static void sse_decode(struct sse *s)
{
    size_t out = s->raw_len, consumed = s->raw_len;
    bool complete = false;
    if (s->chunked) {
        char *copy = malloc(s->raw_len + 1);
        assert_non_null(copy);
        memcpy(copy, s->raw, s->raw_len);
        if (!dechunk(copy, s->raw_len, &out, &consumed, &complete))
            fail_msg("/api/events: malformed chunked stream");
        if (s->data_len + out >= sizeof(s->data))
            fail_msg("/api/events: more than %zu bytes of events", sizeof(s->data));
        memcpy(s->data + s->data_len, copy, out);
        free(copy);
    } else {
        if (s->data_len + out >= sizeof(s->data))
            fail_msg("/api/events: more than %zu bytes of events", sizeof(s->data));
        memcpy(s->data + s->data_len, s->raw, out);
    }
    s->data_len += out;
    s->data[s->data_len] = '\0';
    memmove(s->raw, s->raw + consumed, s->raw_len - consumed);
    s->raw_len -= consumed;
    s->ended |= complete;
}

/* Waits until the decoded stream holds needle (past *from); a pointer to it, or NULL when the
 * stream ends or timeout_ms pass first. */
static const char *sse_wait(struct sse *s, size_t from, const char *needle, int timeout_ms)
{
    int64_t deadline = itest_now_ms() + timeout_ms;
    for (;;) {
        sse_decode(s);
        const char *hit = strstr(s->data + from, needle);
        if (hit != NULL)
            return hit;
        if (s->ended || s->eof)
            return NULL;
        if (s->raw_len + 4096 + 1 > s->raw_cap) {
            s->raw_cap = s->raw_cap ? s->raw_cap * 2 : 16384;
            s->raw = realloc(s->raw, s->raw_cap);
            assert_non_null(s->raw);
        }
        int64_t left = deadline - itest_now_ms();
        if (left <= 0)
            return NULL;
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        ssize_t n = read(s->fd, s->raw + s->raw_len, s->raw_cap - s->raw_len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            s->eof = true;
        else
            s->raw_len += (size_t)n;
        s->raw[s->raw_len] = '\0';
    }
}

static void sse_close(struct sse *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->raw);
    s->fd = -1;
    s->raw = NULL;
}

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
        get_json(uri, path, 200, r);
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
    get_json(uri, "/api/devices", 200, &r);
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
    get_json(uri, "/api/devices", 200, &r);
    json_t *plx1 = json_array_get(json_object_get(r.json, "devices"), 1);
    assert_string_equal(row_str(plx1, "state"), "owned");
    json_t *owner = json_object_get(plx1, "owner");
    assert_string_equal(row_str(owner, "name"), "http-driver");
    assert_string_equal(row_str(owner, "role"), "driver");
    json_int_t owner_session = json_integer_value(json_object_get(owner, "session"));
    assert_true(owner_session > 0);
    assert_true(strlen(row_str(owner, "peer")) > 0);
    http_response_free(&r);

    get_json(uri, "/api/sessions", 200, &r);
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
    get_json(uri, "/api/requests?device=plx0&type=write", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 5);
    json_array_foreach(json_object_get(r.json, "requests"), i, row)
        assert_string_equal(row_str(row, "type"), "write");
    http_response_free(&r);
    get_json(uri, "/api/requests?type=write&min_size=100", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 4);
    http_response_free(&r);
    get_json(uri, "/api/requests?status=ok&type=read", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 3);
    http_response_free(&r);
    get_json(uri, "/api/requests?device=plx1", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 0);
    http_response_free(&r);
    get_json(uri, "/api/requests?since=1h&until=2099-01-01T00:00:00Z", 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "requests")), 8);
    http_response_free(&r);
    get_json(uri, "/api/requests?until=2000-01-01%2000:00", 200, &r); /* %20: a space */
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
        get_json(uri, path, 200, &r);
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
    get_json(uri, path, 200, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "id")), first_id);
    assert_string_equal(row_str(r.json, "device"), "plx0");
    assert_true(json_is_array(json_object_get(r.json, "transactions")));
    assert_true(json_is_array(json_object_get(r.json, "interrupts")));
    http_response_free(&r);
    expect_error(uri, "GET", "/api/transactions/999999", 404, NULL);
    expect_error(uri, "GET", "/api/transactions/abc", 400, "id");
    expect_error(uri, "GET", "/api/transactions/0", 400, "id");

    /* The fake driver makes no DMA transactions: the list is empty but well formed. */
    get_json(uri, "/api/transactions?device=plx0", 200, &r);
    assert_true(json_is_array(json_object_get(r.json, "transactions")));
    assert_int_equal(json_array_size(json_object_get(r.json, "transactions")), 0);
    assert_true(json_is_null(json_object_get(r.json, "next")));
    http_response_free(&r);

    get_json(uri, "/api/stats?device=plx0", 200, &r);
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
    expect_error(uri, "GET", "/api/requests?limit=0", 400, "limit");
    expect_error(uri, "GET", "/api/requests?limit=lots", 400, "limit");
    expect_error(uri, "GET", "/api/requests?since=yesterday", 400, "since");
    expect_error(uri, "GET", "/api/requests?type=erase", 400, "type");
    expect_error(uri, "GET", "/api/requests?status=maybe", 400, "status");
    expect_error(uri, "GET", "/api/requests?cursor=-1", 400, "cursor");
    expect_error(uri, "GET", "/api/requests?colour=blue", 400, "colour");
    expect_error(uri, "GET", "/api/requests?device=plx0&device=plx1", 400, "device");
    expect_error(uri, "GET", "/api/stats?until=soon", 400, "until");
    expect_error(uri, "GET", "/api/transactions?min_size=big", 400, "min_size");
    expect_error(uri, "POST", "/api/devices", 405, NULL);
    expect_error(uri, "POST", "/api/requests", 405, NULL);
    expect_error(uri, "DELETE", "/api/transactions/1", 405, NULL);
    expect_error(uri, "GET", "/api/nothing", 404, NULL);
    expect_error(uri, "GET", "/", 404, NULL);
    expect_error(uri, "GET", "/api/devices/plx0/extra", 404, NULL);

    struct http_response r;
    http_request(uri, "POST", "/api/devices", NULL, &r);
    char allow[32];
    assert_non_null(header_value(r.head, "allow", allow, sizeof(allow)));
    assert_string_equal(allow, "GET");
    http_response_free(&r);
    /* The daemon answers normally after all that. */
    get_json(uri, "/api/devices", 200, &r);
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
    assert_true(send_all(idle, req, sizeof(req) - 1));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    assert_true(
        read_until(idle, &buf, &len, &cap, itest_now_ms() + HTTP_TIMEOUT_MS, head_complete, NULL));
    free(buf);

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

/* Tests: addresses other than loopback --------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

struct spawned {
    pid_t pid;
    char dir[64];
    char log[128];
    char http_uri[64];
};

/* Runs dmaemud with extra arguments (a private socket, --db off, --ready-fd); when ready_wanted,
 * waits for its ready report and fills http_uri. Returns 0, or -1 if it exited or went silent. */
static int spawn_daemon(struct spawned *sp, const char *const extra[], bool ready_wanted)
{
    memset(sp, 0, sizeof(*sp));
    snprintf(sp->dir, sizeof(sp->dir), "/tmp/dmaemu-http-XXXXXX");
    assert_non_null(mkdtemp(sp->dir));
    snprintf(sp->log, sizeof(sp->log), "%s/log", sp->dir);
    char sock[128];
    snprintf(sock, sizeof(sock), "%s/d.sock", sp->dir);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char fdnum[16];
    snprintf(fdnum, sizeof(fdnum), "%d", p[1]);
    const char *argv[24] = {DMAEMUD_PATH, "--socket", sock, "--db", "off", "--ready-fd", fdnum};
    size_t n = 7;
    for (size_t i = 0; extra[i] != NULL && n < 23; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, sp->log, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], p[1]); /* clears FD_CLOEXEC in the child */
    int rc = posix_spawn(&sp->pid, DMAEMUD_PATH, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        fail_msg("cannot run %s: %s", DMAEMUD_PATH, strerror(rc));
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = read_until(p[0], &buf, &len, &cap, itest_now_ms() + HTTP_TIMEOUT_MS, NULL, NULL);
    close(p[0]);
    const char *http = buf ? strstr(buf, "http://") : NULL;
    if (ok && http != NULL)
        snprintf(sp->http_uri, sizeof(sp->http_uri), "%.*s", (int)strcspn(http, "\n"), http);
    bool ready = ok && buf != NULL && strstr(buf, "ready\n") != NULL;
    free(buf);
    return ready == ready_wanted ? 0 : -1;
}

/* Waits up to timeout_ms for the daemon to exit; its exit status, or -1 (after SIGKILL). */
static int spawned_wait(struct spawned *sp, int timeout_ms)
{
    int64_t deadline = itest_now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(sp->pid, &status, WNOHANG);
        if (r == sp->pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (itest_now_ms() > deadline) {
            kill(sp->pid, SIGKILL);
            waitpid(sp->pid, &status, 0);
            return -1;
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static char *spawned_log(struct spawned *sp)
{
    FILE *f = fopen(sp->log, "re");
    char *text = calloc(1, 65536);
    assert_non_null(text);
    if (f != NULL) {
        size_t n = fread(text, 1, 65535, f);
        text[n] = '\0';
        fclose(f);
    }
    return text;
}

static void spawned_cleanup(struct spawned *sp)
{
    nftw(sp->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_non_loopback_needs_token(void **state)
{
    struct spawned sp;
    const char *const args[] = {"--http", "0.0.0.0:0", NULL};
    int rc = spawn_daemon(&sp, args, false); /* its report ends without "ready" */
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
    if (spawn_daemon(&sp, args, true) < 0 || sp.http_uri[0] == '\0') {
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
    header_value(r.head, "www-authenticate", www, sizeof(www));
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
        cmocka_unit_test(test_shutdown_with_open_connections),
        cmocka_unit_test(test_non_loopback_needs_token),
        cmocka_unit_test(test_non_loopback_with_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
