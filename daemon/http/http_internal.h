/*
 * http_internal.h: what the HTTP server's parts share (listener and routing in http_server.c,
 * endpoints in http_api.c, server-sent events in http_events.c). All of it runs on the loop.
 */
#ifndef DMAEMU_HTTP_INTERNAL_H
#define DMAEMU_HTTP_INTERNAL_H

#ifndef H2O_USE_LIBUV
#define H2O_USE_LIBUV 1 /* Debian's libh2o is the libuv build */
#endif
#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>

struct server;

/* The daemon's sessions (for /api/sessions). */
struct server *http_daemon_server(void);
/* When http_start ran (wall clock): tells one daemon run from the next. */
int64_t http_started_ns(void);
/* True once http_stop has begun: new work is refused. */
bool http_stopping(void);

/* Responses (http_server.c) -------------------------------------------------------------------- */

/* Sends text, a JSON document, as application/json with the given status. */
void http_send_body(h2o_req_t *req, int status, const char *text, size_t len);
/* Sends body (reference taken) as application/json with the given status. */
void http_send_json(h2o_req_t *req, int status, json_t *body);
/* Sends {"error": MESSAGE} (and "parameter": parameter when not NULL) with the given status. */
void http_send_error(h2o_req_t *req, int status, const char *parameter, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* s as a JSON string (bytes that are not UTF-8 shown as '?'); null for NULL. */
json_t *http_json_text(const char *s);

/* Endpoints (http_api.c) ----------------------------------------------------------------------- */

/* Answers one authorised GET request. */
void http_api_handle(h2o_req_t *req);

/* The dashboard's files (http_web.c) ---------------------------------------------------------- */

/* Serves root's files at "/" (root NULL: a page saying how to build the dashboard); -1 with a
 * message in err when root holds no dashboard. */
int http_web_register(h2o_hostconf_t *host, const char *root, char *err, size_t errlen);

/* Server-sent events (http_events.c) ----------------------------------------------------------- */

/* Starts the heartbeat and subscribes to the recorder; -1 when no recorder slot is left. */
int http_events_init(uv_loop_t *loop);
/* Turns req into a live event stream of the kinds params asks for ({"kind": "dma,irq"}). */
void http_events_open(h2o_req_t *req, json_t *params);
/* Ends every stream with a last comment line and stops the heartbeat. */
void http_events_stop(void);

#endif
