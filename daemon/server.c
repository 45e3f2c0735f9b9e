/* server.c: UNIX and TCP listeners, accept, and the session list. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"
#include "session.h"

#define SERVER_BACKLOG 128

static void server_on_accept(uv_poll_t *h, int status, int events);

static int listener_watch(struct server *srv, struct listener *l, int fd, bool tcp)
{
    l->fd = fd;
    l->tcp = tcp;
    l->server = srv;
    l->poll.data = l;
    if (uv_poll_init(srv->loop, &l->poll, fd) != 0 ||
        uv_poll_start(&l->poll, UV_READABLE, server_on_accept) != 0)
        return -1;
    l->active = true;
    return 0;
}

/* A socket file left by a daemon that died is removed; a live daemon's is not. */
static int unix_path_claim(const struct sockaddr_un *addr, char *err, size_t errlen)
{
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return 0;
    int rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
    int connect_errno = errno;
    close(probe);
    if (rc == 0) {
        snprintf(err, errlen, "another dmaemud is already listening on %s; stop it or use --socket",
                 addr->sun_path);
        return -1;
    }
    if (connect_errno == ECONNREFUSED)
        unlink(addr->sun_path);
    return 0;
}

static void make_parent_dir(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0750); /* one level: the runtime dir itself must exist */
    }
}

static int server_listen_unix(struct server *srv, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        snprintf(err, errlen, "socket path too long (max %zu): %s", sizeof(addr.sun_path) - 1,
                 path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    make_parent_dir(path);
    if (unix_path_claim(&addr, err, errlen) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0660) < 0 ||
        listen(fd, SERVER_BACKLOG) < 0) {
        snprintf(err, errlen,
                 "cannot listen on %s: %s (is the directory writable? use --socket PATH)", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    snprintf(srv->unix_path, sizeof(srv->unix_path), "%s", path);
    return listener_watch(srv, &srv->unix_listener, fd, false);
}

static void format_tcp_uri(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(out, cap, "tcp://%s:%d", host, port);
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(out, cap, "tcp://[%s]:%d", host, port);
    }
}

static int tcp_bind(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SERVER_BACKLOG) < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int server_listen_tcp(struct server *srv, const char *uri, char *err, size_t errlen)
{
    char host[256];
    int port;
    if (config_parse_tcp_uri(uri, host, sizeof(host), &port, err, errlen) < 0)
        return -1;
    if (srv->token == NULL) {
        snprintf(err, errlen,
                 "--listen %s needs --token-file: TCP clients must present a shared token", uri);
        return -1;
    }
    int fd = tcp_bind(host, port, err, errlen);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    format_tcp_uri(&ss, srv->tcp_uri, sizeof(srv->tcp_uri));
    return listener_watch(srv, &srv->tcp_listener, fd, true);
}

int server_start(struct server *srv, uv_loop_t *loop, const struct config *cfg, char *err,
                 size_t errlen)
{
    memset(srv, 0, sizeof(*srv));
    srv->loop = loop;
    srv->cfg = cfg;
    if (cfg->token_file != NULL &&
        auth_load_token(cfg->token_file, &srv->token, &srv->token_len, err, errlen) < 0)
        return -1;
    if (server_listen_unix(srv, cfg->socket_path, err, errlen) < 0)
        return -1;
    if (cfg->listen != NULL && server_listen_tcp(srv, cfg->listen, err, errlen) < 0) {
        server_stop(srv);
        return -1;
    }
    return 0;
}

static void peer_name(int fd, bool tcp, char *out, size_t cap)
{
    if (!tcp) {
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
            snprintf(out, cap, "local pid %d uid %u", (int)cred.pid, (unsigned)cred.uid);
        else
            snprintf(out, cap, "local");
        return;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
        format_tcp_uri(&ss, out, cap);
    else
        snprintf(out, cap, "tcp");
}

static void server_on_accept(uv_poll_t *h, int status, int events)
{
    struct listener *l = h->data;
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                log_warn("accept failed: %s", strerror(errno));
            return;
        }
        if (l->tcp) {
            int one = 1; /* MMIO is request/response: never wait to coalesce */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        }
        char peer[96];
        peer_name(fd, l->tcp, peer, sizeof(peer));
        if (session_start(l->server, fd, l->tcp, peer) < 0) {
            log_warn("cannot start a session for %s: out of memory", peer);
            close(fd);
        }
    }
}

void server_add_session(struct server *srv, struct session *s)
{
    s->prev = NULL;
    s->next = srv->sessions;
    if (srv->sessions)
        srv->sessions->prev = s;
    srv->sessions = s;
}

void server_remove_session(struct server *srv, struct session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

static void listener_close(struct listener *l)
{
    if (!l->active)
        return;
    l->active = false;
    uv_poll_stop(&l->poll);
    uv_close((uv_handle_t *)&l->poll, NULL);
    close(l->fd);
}

void server_stop(struct server *srv)
{
    srv->stopping = true;
    listener_close(&srv->unix_listener);
    listener_close(&srv->tcp_listener);
    if (srv->unix_path[0] != '\0')
        unlink(srv->unix_path);
    for (struct session *s = srv->sessions; s != NULL; s = s->next)
        session_close(s, "daemon shutting down");
    free(srv->token);
    srv->token = NULL;
}
