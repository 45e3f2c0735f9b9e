/*
 * http_client.c: a small HTTP/1.1 client on a plain socket for the HTTP tests (Connection:
 * close; chunked bodies decoded), a reader of server-sent events, and dmaemud started with
 * arguments of the test's choosing. Every wait is bounded.
 */
#include "http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

extern char **environ;

/* A small HTTP/1.1 client -------------------------------------------------------------------- */

void http_response_free(struct http_response *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

int http_connect(const char *uri)
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

bool http_send_all(int fd, const char *buf, size_t len)
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
    /* extra_headers may name the Host itself. */
    bool own_host = extra_headers != NULL && strncasecmp(extra_headers, "Host:", 5) == 0;
    int n =
        snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\n%sConnection: close\r\n%s%s", method, path,
                 own_host ? "" : "Host: localhost\r\n", extra_headers ? extra_headers : "",
                 post ? "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" : "\r\n");
    if (n <= 0 || (size_t)n >= sizeof(req) || !http_send_all(fd, req, (size_t)n)) {
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
const char *http_header_value(const char *head, const char *name, char *out, size_t cap)
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

void http_request(const char *uri, const char *method, const char *path, const char *extra_headers,
                  struct http_response *r)
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
    if (http_header_value(r->head, "transfer-encoding", te, sizeof(te)) != NULL &&
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

void http_get_json(const char *uri, const char *path, int status, struct http_response *r)
{
    http_request(uri, "GET", path, NULL, r);
    char ct[128];
    if (r->status != status || r->json == NULL ||
        http_header_value(r->head, "content-type", ct, sizeof(ct)) == NULL ||
        strncmp(ct, "application/json", 16) != 0)
        fail_msg("GET %s: status %d (expected %d), body %.300s", path, r->status, status, r->body);
}

void http_expect_error(const char *uri, const char *method, const char *path, int status,
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

static bool head_complete(const char *buf, size_t len, void *arg)
{
    return len > 0 && strstr(buf, "\r\n\r\n") != NULL;
}

bool http_read_head(int fd)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok =
        read_until(fd, &buf, &len, &cap, itest_now_ms() + HTTP_TIMEOUT_MS, head_complete, NULL);
    free(buf);
    return ok;
}

void sse_open(struct sse *s, const char *uri)
{
    sse_open_path(s, uri, "/api/events");
}

void sse_open_path(struct sse *s, const char *uri, const char *path)
{
    memset(s, 0, sizeof(*s));
    s->fd = send_request(uri, "GET", path, NULL);
    if (!read_until(s->fd, &s->raw, &s->raw_len, &s->raw_cap, itest_now_ms() + HTTP_TIMEOUT_MS,
                    head_complete, NULL))
        fail_msg("/api/events: no response head within %d ms", HTTP_TIMEOUT_MS);
    char *sep = strstr(s->raw, "\r\n\r\n");
    char head[4096], v[128];
    snprintf(head, sizeof(head), "%.*s", (int)(sep - s->raw) + 2, s->raw);
    int status = 0;
    sscanf(head, "HTTP/1.%*d %d", &status);
    if (status != 200 || http_header_value(head, "content-type", v, sizeof(v)) == NULL ||
        strcmp(v, "text/event-stream") != 0)
        fail_msg("/api/events: status %d, head %s", status, head);
    s->chunked = http_header_value(head, "transfer-encoding", v, sizeof(v)) != NULL &&
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
const char *sse_wait(struct sse *s, size_t from, const char *needle, int timeout_ms)
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

void sse_close(struct sse *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->raw);
    s->fd = -1;
    s->raw = NULL;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int spawned_start(struct spawned *sp, const char *const extra[], bool ready_wanted)
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

int spawned_wait(struct spawned *sp, int timeout_ms)
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

char *spawned_log(struct spawned *sp)
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

void spawned_cleanup(struct spawned *sp)
{
    nftw(sp->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
