/*
 * http_client.h: what the HTTP tests share: a small HTTP/1.1 client, a server-sent events
 * reader, and dmaemud spawned with chosen arguments (for addresses, tokens, --web).
 */
#ifndef DMAEMU_TEST_HTTP_CLIENT_H
#define DMAEMU_TEST_HTTP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_TIMEOUT_MS   10000
#define HTTP_MAX_RESPONSE (4u << 20)

struct http_response {
    int status;
    char head[4096]; /* status line and headers */
    char *body;      /* NUL-terminated, decoded */
    size_t body_len;
    json_t *json; /* the body parsed, or NULL */
};

struct sse {
    int fd;
    char *raw; /* as received, after the head */
    size_t raw_len, raw_cap;
    char data[65536]; /* decoded stream */
    size_t data_len;
    bool chunked, ended, eof;
};

struct spawned {
    pid_t pid;
    char dir[64];
    char log[128];
    char http_uri[64];
};

void http_response_free(struct http_response *r);
/* Connects to "http://127.0.0.1:PORT" (or any IPv4 address): a connected socket or -1. */
int http_connect(const char *uri);
bool http_send_all(int fd, const char *buf, size_t len);
/* One request (Connection: close) and its whole response; fails the test on no answer. */
void http_request(const char *uri, const char *method, const char *path, const char *extra_headers,
                  struct http_response *r);
/* Reads from fd until a response head is complete (the rest is dropped); false on timeout. */
bool http_read_head(int fd);
/* A header's value (name in lower case), or NULL. */
const char *http_header_value(const char *head, const char *name, char *out, size_t cap);
/* GET that must answer status with a JSON body. */
void http_get_json(const char *uri, const char *path, int status, struct http_response *r);
/* An error answer: status, {"error": "..."} and, when parameter is not NULL, "parameter". */
void http_expect_error(const char *uri, const char *method, const char *path, int status,
                       const char *parameter);

/* /api/events (path: with its query) as a decoded stream. */
void sse_open(struct sse *s, const char *uri);
void sse_open_path(struct sse *s, const char *uri, const char *path);
/* Where needle appears in the stream at or after from, waiting up to timeout_ms; or NULL. */
const char *sse_wait(struct sse *s, size_t from, const char *needle, int timeout_ms);
void sse_close(struct sse *s);

/* Runs dmaemud with extra arguments (a private socket, --db off unless extra names one,
 * --ready-fd); when ready_wanted, waits for its ready report and fills http_uri. Returns 0, or
 * -1 if it exited or went silent. */
int spawned_start(struct spawned *sp, const char *const extra[], bool ready_wanted);
/* Waits up to timeout_ms for the daemon to exit; its exit status, or -1 (after SIGKILL). */
int spawned_wait(struct spawned *sp, int timeout_ms);
/* Its output so far (free it). */
char *spawned_log(struct spawned *sp);
/* Removes its directory. */
void spawned_cleanup(struct spawned *sp);

#endif
