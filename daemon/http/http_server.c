/*
 * http_server.c: the HTTP listener on the daemon's loop, authorisation, and JSON responses.
 *
 * libh2o (its libuv build) parses HTTP/1.x and HTTP/2 on sockets this file accepts. Every
 * accepted connection is tracked so that shutdown can end them: the daemon stops when its loop
 * has nothing left, and libh2o's own handles (a uv_async and idle timers) are unreferenced so
 * that they never keep it alive on their own.
 */
#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "http_internal.h"
#include "log.h"
#include "server.h"

#define HTTP_BACKLOG         128
#define HTTP_MAX_CONNECTIONS 256
#define HTTP_MAX_BODY        (64 * 1024) /* GET only: anything bigger is refused unread */
#define HTTP_FORCE_CLOSE_MS  1000        /* at shutdown, then connections are cut */

struct http_conn {
    uv_tcp_t tcp; /* first: libh2o's close callback hands it back */
    struct http_conn *prev, *next;
};

static struct {
    uv_loop_t *loop;
    struct server *server;
    bool need_token;
    bool started, stopping, listening, force_timer_on;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t listener;
    uv_timer_t force_timer;
    struct http_conn *conns;
    unsigned nconns;
    char uri[96];
    int64_t started_ns;
    h2o_hostconf_t *host;
} http;

int64_t http_started_ns(void)
{
    return http.started_ns;
}

struct server *http_daemon_server(void)
{
    return http.server;
}

bool http_stopping(void)
{
    return http.stopping;
}

const char *http_uri(void)
{
    return http.started ? http.uri : NULL;
}

/* Addresses ------------------------------------------------------------------------------------ */

static bool address_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

static void format_uri(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(out, cap, "http://[%s]:%d", host, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, cap, "http://%s:%d", host, ntohs(in->sin_port));
    }
}

int http_resolve(const char *spec, bool recording, bool have_token, struct http_listen *out,
                 char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (spec == NULL) {
        if (!recording)
            return 0; /* nothing to serve by default without a history */
        spec = HTTP_DEFAULT_ADDRESS;
    } else {
        out->configured = true;
    }
    if (strcmp(spec, "off") == 0)
        return 0;
    snprintf(out->spec, sizeof(out->spec), "%s", spec);
    const char *hostport = strncmp(spec, "http://", 7) == 0 ? spec + 7 : spec;
    char uri[200], host[128], why[256];
    int port = 0;
    snprintf(uri, sizeof(uri), "tcp://%s", hostport);
    if (strlen(hostport) >= 150 ||
        config_parse_tcp_uri(uri, host, sizeof(host), &port, why, sizeof(why)) < 0) {
        snprintf(err, errlen,
                 "HTTP address '%s': expected HOST:PORT (e.g. 127.0.0.1:7680), [IPV6]:PORT, or "
                 "off",
                 spec);
        return -1;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "HTTP address '%s': cannot resolve %s: %s", spec, host,
                 gai_strerror(rc));
        return -1;
    }
    memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
    out->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    out->loopback = address_is_loopback(&out->addr);
    if (!out->loopback && !have_token) {
        snprintf(err, errlen,
                 "HTTP address '%s' is not a loopback address: it needs --token-file, whose token "
                 "every client must then send as \"Authorization: Bearer TOKEN\" (or serve on "
                 "127.0.0.1)",
                 spec);
        return -1;
    }
    out->enabled = true;
    return 0;
}

/* Responses ------------------------------------------------------------------------------------ */

static const char *status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

void http_send_body(h2o_req_t *req, int status, const char *text, size_t len)
{
    req->res.status = status;
    req->res.reason = status_reason(status);
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_send_inline(req, text, len);
}

void http_send_json(h2o_req_t *req, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        h2o_send_error_generic(req, 500, "Internal Server Error", "out of memory", 0);
        return;
    }
    http_send_body(req, status, text, strlen(text));
    free(text);
}

void http_send_error(h2o_req_t *req, int status, const char *parameter, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *body = json_pack("{s:s}", "error", msg);
    if (body == NULL) /* the message quoted text that is not UTF-8 */
        body = json_pack("{s:s}", "error", "the request holds text that is not valid UTF-8");
    if (body != NULL && parameter != NULL)
        json_object_set_new(body, "parameter", http_json_text(parameter));
    http_send_json(req, status, body);
}

json_t *http_json_text(const char *s)
{
    if (s == NULL)
        return json_null();
    json_t *v = json_string(s);
    if (v != NULL)
        return v;
    /* Not UTF-8 (names come from clients): show what is ASCII, '?' for the rest. */
    char *copy = strdup(s);
    if (copy == NULL)
        return json_null();
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_string(copy);
    free(copy);
    return v != NULL ? v : json_null();
}

/* Requests ------------------------------------------------------------------------------------- */

/* "Authorization: Bearer TOKEN" with the daemon's token, compared in constant time. */
static bool request_authorized(h2o_req_t *req)
{
    const struct server *srv = http.server;
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0 || srv->token == NULL)
        return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    static const char scheme[] = "bearer ";
    size_t n = sizeof(scheme) - 1;
    if (v.len <= n || !h2o_lcstris(v.base, n, scheme, n))
        return false;
    const char *token = v.base + n;
    size_t len = v.len - n;
    while (len > 0 && *token == ' ') {
        token++;
        len--;
    }
    while (len > 0 && token[len - 1] == ' ')
        len--;
    return auth_token_equal((const uint8_t *)token, len, srv->token, srv->token_len);
}

/*
 * On loopback, the request must be addressed to loopback too. Otherwise any web page the user
 * visits could rebind its own host name to 127.0.0.1 and read the API from the browser (DNS
 * rebinding): the browser would send that host name, which this refuses. A request without a
 * Host header (HTTP/1.0 tools) comes from no browser.
 */
static bool host_is_loopback(h2o_iovec_t authority)
{
    char host[64];
    const char *s = authority.base, *end = s + authority.len;
    if (authority.len > 0 && s[0] == '[') { /* "[::1]:7680" */
        const char *close = memchr(s, ']', authority.len);
        if (close == NULL)
            return false;
        s++;
        end = close;
    } else {
        const char *colon = memchr(s, ':', authority.len);
        if (colon != NULL)
            end = colon;
    }
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof(host))
        return false;
    memcpy(host, s, n);
    host[n] = '\0';
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return strcasecmp(host, "localhost") == 0;
}

static int http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    if (http.stopping) {
        http_send_error(req, 503, NULL, "dmaemud is shutting down");
        return 0;
    }
    /* Without a Host header libh2o fills in the host configuration's own name. */
    bool has_host = req->input.authority.base != http.host->authority.hostport.base;
    if (!http.need_token && has_host && !host_is_loopback(req->input.authority)) {
        http_send_error(req, 403, NULL,
                        "the Host '%.*s' is not a loopback address: on loopback dmaemud answers "
                        "only requests addressed to localhost or 127.0.0.1 (against DNS "
                        "rebinding). To serve other names, bind --http to that address with "
                        "--token-file",
                        (int)(req->input.authority.len < 64 ? req->input.authority.len : 64),
                        req->input.authority.base);
        return 0;
    }
    if (http.need_token && !request_authorized(req)) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"dmaemud\""));
        http_send_error(req, 401, NULL,
                        "this address needs the daemon's token: send \"Authorization: Bearer "
                        "TOKEN\" with the token of dmaemud's --token-file");
        return 0;
    }
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET"));
        http_send_error(req, 405, NULL, "the API is read-only: use GET");
        return 0;
    }
    http_api_handle(req);
    return 0;
}

/* Connections ---------------------------------------------------------------------------------- */

static void conn_closed(uv_handle_t *h)
{
    struct http_conn *c = (struct http_conn *)h;
    if (c->prev)
        c->prev->next = c->next;
    else
        http.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    http.nconns--;
    free(c);
    if (http.stopping && http.conns == NULL && http.force_timer_on) {
        http.force_timer_on = false;
        uv_timer_stop(&http.force_timer);
        uv_close((uv_handle_t *)&http.force_timer, NULL);
    }
}

static void conn_refused(uv_handle_t *h)
{
    free(h);
}

static void http_on_accept(uv_stream_t *listener, int status)
{
    if (status != 0) {
        log_warn("HTTP: accept failed: %s", uv_strerror(status));
        return;
    }
    struct http_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    uv_tcp_init(http.loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, conn_refused);
        return;
    }
    if (http.stopping || http.nconns >= HTTP_MAX_CONNECTIONS) {
        log_warn("HTTP: refusing a connection (%u open, at most %d)", http.nconns,
                 HTTP_MAX_CONNECTIONS);
        uv_close((uv_handle_t *)&c->tcp, conn_refused);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1); /* live events are small writes */
    c->next = http.conns;
    if (http.conns)
        http.conns->prev = c;
    http.conns = c;
    http.nconns++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, conn_closed);
    h2o_accept(&http.accept, sock);
}

/* Cuts a connection at the socket: libh2o sees the end of the stream (or a failed write) and
 * closes it the ordinary way. */
static void conn_shutdown(struct http_conn *c, int how)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        shutdown(fd, how);
}

static void force_close(uv_timer_t *t)
{
    for (struct http_conn *c = http.conns; c != NULL; c = c->next)
        conn_shutdown(c, SHUT_RDWR);
    http.force_timer_on = false;
    uv_close((uv_handle_t *)t, NULL);
}

/* libh2o's handles ----------------------------------------------------------------------------- */

struct handle_set {
    uv_handle_t **v;
    size_t n, cap;
    bool failed;
};

static void handle_collect(uv_handle_t *h, void *arg)
{
    struct handle_set *s = arg;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        uv_handle_t **v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = h;
}

static void handle_unref_new(uv_handle_t *h, void *arg)
{
    struct handle_set *s = arg;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == h)
            return;
    uv_unref(h);
}

/* Start and stop ------------------------------------------------------------------------------- */

static int http_listen_on(const struct http_listen *l, char *err, size_t errlen)
{
    uv_tcp_init(http.loop, &http.listener);
    int rc = uv_tcp_bind(&http.listener, (const struct sockaddr *)&l->addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&http.listener, HTTP_BACKLOG, http_on_accept);
    if (rc != 0) {
        snprintf(err, errlen, "cannot serve HTTP on %s: %s", l->spec, uv_strerror(rc));
        uv_close((uv_handle_t *)&http.listener, NULL);
        return -1;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&http.listener, (struct sockaddr *)&ss, &len) != 0)
        memcpy(&ss, &l->addr, sizeof(ss));
    format_uri(&ss, http.uri, sizeof(http.uri));
    http.listening = true;
    return 0;
}

int http_start(uv_loop_t *loop, struct server *srv, const struct http_listen *l, char *err,
               size_t errlen)
{
    if (!l->enabled)
        return 0;
    http.loop = loop;
    http.server = srv;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    http.started_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    http.need_token = !l->loopback;
    if (http.need_token && srv->token == NULL) { /* http_resolve checked the file was named */
        snprintf(err, errlen, "HTTP address '%s' needs --token-file", l->spec);
        return -1;
    }
    if (http_listen_on(l, err, errlen) < 0)
        return -1;

    h2o_config_init(&http.config);
    http.config.server_name = h2o_iovec_init(H2O_STRLIT("dmaemud"));
    http.config.max_request_entity_size = HTTP_MAX_BODY;
    h2o_hostconf_t *host =
        h2o_config_register_host(&http.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    http.host = host;
    h2o_pathconf_t *path = h2o_config_register_path(host, "/api", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = http_on_req;
    if (http_web_register(host, l->web_root, err, errlen) < 0) {
        h2o_config_dispose(&http.config);
        uv_close((uv_handle_t *)&http.listener, NULL);
        http.listening = false;
        return -1;
    }

    struct handle_set before = {0};
    uv_walk(loop, handle_collect, &before);
    h2o_context_init(&http.ctx, loop, &http.config);
    if (!before.failed)
        uv_walk(loop, handle_unref_new, &before);
    free(before.v);
    http.accept.ctx = &http.ctx;
    http.accept.hosts = http.config.hosts;
    http.started = true;
    if (http_events_init(loop) < 0)
        log_warn("HTTP: no recorder slot left: /api/events will stay silent");
    return 0;
}

void http_stop(void)
{
    if (!http.started || http.stopping)
        return;
    http.stopping = true;
    if (http.listening) {
        http.listening = false;
        uv_close((uv_handle_t *)&http.listener, NULL);
    }
    http_events_stop();
    /* Idle connections read the end of the stream now; those still answering finish first. */
    for (struct http_conn *c = http.conns; c != NULL; c = c->next)
        conn_shutdown(c, SHUT_RD);
    if (http.conns != NULL) {
        uv_timer_init(http.loop, &http.force_timer);
        uv_timer_start(&http.force_timer, force_close, HTTP_FORCE_CLOSE_MS, 0);
        http.force_timer_on = true;
    }
}

void http_dispose(void)
{
    if (!http.started)
        return;
    http.started = false;
    h2o_context_dispose(&http.ctx);
    h2o_config_dispose(&http.config);
}
