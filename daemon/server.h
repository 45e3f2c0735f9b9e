/*
 * server.h: the listeners (UNIX socket, TCP) and the set of live sessions.
 */
#ifndef DMAEMU_SERVER_H
#define DMAEMU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>
#include <uv.h>

#include "config.h"

struct session;

struct listener {
    uv_poll_t poll;
    int fd;
    bool tcp;
    bool active;
    struct server *server;
};

struct server {
    uv_loop_t *loop;
    const struct config *cfg;
    char *token; /* required of TCP clients */
    size_t token_len;
    struct listener unix_listener, tcp_listener;
    char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char tcp_uri[96]; /* tcp://HOST:PORT actually bound */
    struct session *sessions;
    uint64_t next_session_id;
    bool stopping;
};

/* Opens the listeners of cfg. -1 with a message in err (for the user) on failure. */
int server_start(struct server *srv, uv_loop_t *loop, const struct config *cfg, char *err,
                 size_t errlen);
/* Closes every session (devices reset) and the listeners, removes the socket file. */
void server_stop(struct server *srv);

void server_add_session(struct server *srv, struct session *s);
void server_remove_session(struct server *srv, struct session *s);

#endif
