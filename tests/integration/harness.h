/*
 * harness.h: starts a real dmaemud for an integration test and connects clients to it.
 *
 * Each daemon gets a private temporary directory (socket, token file, config, log). It listens on
 * a UNIX socket, on TCP 127.0.0.1 and for HTTP on 127.0.0.1, with ephemeral ports, and reports
 * them through --ready-fd, so tests never guess ports or sleep waiting for start-up.
 */
#ifndef DMAEMU_HARNESS_H
#define DMAEMU_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "dmaemu.h"

struct harness_daemon {
    pid_t pid;
    char dir[256];        /* private temp dir, removed by harness_stop */
    char unix_uri[320];   /* "unix:<dir>/dmaemud.sock" */
    char tcp_uri[64];     /* "tcp://127.0.0.1:<port>" */
    char http_uri[64];    /* "http://127.0.0.1:<port>" (the HTTP API) */
    char token[65];       /* the TCP token (hex) */
    char token_file[320]; /* file holding it */
    char log_path[320];   /* the daemon's stderr */
};

/*
 * Starts dmaemud with config_ini as its config file (NULL: the built-in default devices plx0 and
 * plx1), listening on UNIX and TCP. Returns 0 once the daemon reported ready, -1 (and prints the
 * daemon's log) otherwise.
 */
int harness_start(struct harness_daemon *d, const char *config_ini);

/* SIGTERM, wait; returns the daemon's exit status (0 expected), removes the directory. */
int harness_stop(struct harness_daemon *d);

/* True while the daemon process is alive. */
bool harness_alive(struct harness_daemon *d);

/* Connects with the given role over TCP (with the token) or UNIX; fails the test on error. */
dmaemu_t *harness_connect(struct harness_daemon *d, bool tcp, enum dmaemu_role role,
                          const char *name);

/* The URI for the transport. */
const char *harness_uri(struct harness_daemon *d, bool tcp);

/* Runs the dmaemu CLI with argv (NULL-terminated, without the program name) against the daemon
 * over the transport; captures stdout+stderr into out (NUL-terminated, truncated to cap) and
 * returns its exit status (or -1). */
int harness_cli(struct harness_daemon *d, bool tcp, const char *const argv[], char *out,
                size_t cap);

#endif
