/*
 * http.h: the HTTP JSON API and the live event stream, served by libh2o on the daemon's loop.
 *
 *   GET /api/daemon                  version, pid, start time, whether it records history
 *   GET /api/devices                 devices: ids, owners, counters (live state)
 *   GET /api/devices/NAME/registers  the model's decoded register snapshot
 *   GET /api/sessions                live sessions
 *   GET /api/recorded-sessions?F     sessions of every run, ended ones too (paginated)
 *   GET /api/requests?FILTERS        recorded requests: {"requests": [...], "next": cursor|null}
 *   GET /api/transactions?FILTERS    requests that had DMA transactions, same shape and cursor
 *   GET /api/transactions/ID         one request (ID from the lists) as a timeline
 *   GET /api/stats?FILTERS           per-device counts, bytes, throughput, latency
 *   GET /api/series?FILTERS&step=5s  requests, bytes and latency per time bucket (charts)
 *   GET /api/faults|findings|traces  faults, verifier findings, driver trace lines (paginated)
 *   GET /api/events?kind=K,K         server-sent events: recorder events (of those kinds), live
 *   GET /, /assets/...               the web dashboard (web/), when it was built
 *
 * FILTERS are history_filter's: device, session, type, status, direction, since, until,
 * min_size, max_size, text, limit, cursor, order; each list takes those that apply to it.
 * History queries run on libuv's thread pool with a read-only SQLite connection of their own;
 * the loop never waits on the database. Errors are JSON too: 400 {"error",
 * "parameter"}, 401, 404, 405, 503.
 *
 * The address is loopback unless configured otherwise; on any other address every request
 * must carry the daemon's token (--token-file) as "Authorization: Bearer TOKEN".
 */
#ifndef DMAEMU_HTTP_H
#define DMAEMU_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#define HTTP_DEFAULT_ADDRESS "127.0.0.1:7680"

struct server;

/* Where to serve, resolved from --http / "http =" before anything starts. */
struct http_listen {
    bool enabled;
    bool configured; /* given by the user: failing to bind it is fatal; the default only warns */
    bool loopback;
    char spec[160]; /* as given (or the default), for messages */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *web_root; /* the dashboard's files (http_web_root), NULL for none */
};

/*
 * Resolves spec ("HOST:PORT", "[V6]:PORT", "off", or NULL for the default: HTTP_DEFAULT_ADDRESS
 * when recording history, nothing otherwise). A non-loopback address without a token is refused.
 * -1 with a message for the user in err.
 */
int http_resolve(const char *spec, bool recording, bool have_token, struct http_listen *out,
                 char *err, size_t errlen);

/*
 * Where the dashboard's files are: configured ("off" for none), else the build tree's web/dist,
 * else the installed share/dmaemu/web; NULL when there is none.
 */
const char *http_web_root(const char *configured);

/* Listens on l (server supplies the sessions and the token); -1 with a message in err. */
int http_start(uv_loop_t *loop, struct server *srv, const struct http_listen *l, char *err,
               size_t errlen);

/* "http://HOST:PORT" as bound, or NULL when not serving. */
const char *http_uri(void);

/* Stops listening, ends the event streams and closes every connection; the loop runs on until
 * queries in flight have answered and the connections are gone. */
void http_stop(void);

/* Releases libh2o's context once the loop has returned. */
void http_dispose(void);

#endif
