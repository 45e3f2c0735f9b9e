/*
 * history.h: the history database: schema, queries, and (in the daemon) the writer.
 *
 * The daemon records every event through one writer thread in batched transactions; readers
 * (the CLI offline with --db, the daemon answering queries, the HTTP API) open the same file
 * in WAL mode and never block it. Queries return JSON, the one shape every reader shares.
 */
#ifndef DMAEMU_HISTORY_H
#define DMAEMU_HISTORY_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HISTORY_SCHEMA_VERSION 3
/* How long after an interrupt assertion an event may be to share its row (schema 3): queries
 * for a time window look this far back for rows holding events inside it, so the longer it is
 * the more rows a busy device's `show` reads (a second was 38 ms against 4 at 10,000 interrupts
 * a second). An ISR's report comes within microseconds; a later one keeps a row of its own. */
#define HISTORY_IRQ_FOLD_NS 100000000ll

/* Opens (and for writing, creates and migrates) a history database. */
int history_db_open(const char *path, bool read_only, sqlite3 **out, char *err, size_t errlen);
int history_schema_migrate(sqlite3 *db, char *err, size_t errlen);

/* Filters of 'dmaemu history', the protocol's query and the HTTP API. Zero means "any". */
enum history_status { HISTORY_STATUS_ANY = 0, HISTORY_STATUS_OK = 1, HISTORY_STATUS_ERROR = 2 };
enum history_direction {
    HISTORY_DIRECTION_ANY = 0,
    HISTORY_DIRECTION_TO_DEVICE = 1, /* had a DMA transaction that read host memory */
    HISTORY_DIRECTION_TO_HOST = 2,   /* had one that wrote host memory */
};

struct history_filter {
    const char *device;
    int64_t session;  /* the session number as devices and logs show it (latest run) */
    const char *type; /* "read", "write" or "ioctl" */
    enum history_status status;
    enum history_direction direction;
    int64_t since_ns, until_ns; /* wall clock */
    uint64_t min_size, max_size;
    const char *text; /* events and sessions: a substring of their text, any case */
    uint64_t step_ns; /* series: the bucket width, 0 for about 120 buckets */
    unsigned limit;   /* default 100, at most 10000 */
    int64_t cursor;   /* the "next" of the previous page */
    bool descending;  /* order=desc: newest first, the cursor counts down */
};

/*
 * Parses the filter fields from a JSON object ({"device": "plx0", "since": "10m", ...}), the
 * form both the protocol and the HTTP API carry, for one kind of query; err names the bad
 * parameter, or the one that kind does not take.
 */
int history_filter_from_json(const char *kind, json_t *params, int64_t now_ns,
                             struct history_filter *f, char *err, size_t errlen);

/* "2026-11-21T10:00:00Z", "2026-11-21 10:00", or relative "10m", "2h", "30s", "1d" (ago). */
int history_parse_time(const char *s, int64_t now_ns, int64_t *out);

/* {"requests": [...], "next": cursor or null}, newest-first is not used: ids ascend. */
json_t *history_query_requests(sqlite3 *db, const struct history_filter *f, char *err,
                               size_t errlen);
/* {"transactions": [...], "next": ...}: the requests (same filters, same cursor) that had DMA
 * transactions, each with transaction_count and transaction_bytes; 'show' tells the rest. */
json_t *history_query_transactions(sqlite3 *db, const struct history_filter *f, char *err,
                                   size_t errlen);
/* One request with its transactions, transfers (SG lists), DMA operations and interrupts as
 * one timeline; NULL with "no request ID" in err when there is none. */
json_t *history_query_show(sqlite3 *db, int64_t request_id, char *err, size_t errlen);
/* Counts, bytes, throughput and latency percentiles per device. */
json_t *history_query_stats(sqlite3 *db, const struct history_filter *f, char *err, size_t errlen);
/* {"KIND": [...], "next": ...} for "faults", "findings", "traces" or "sessions" (recorded
 * sessions of every run, ended ones included). */
json_t *history_query_events(sqlite3 *db, const char *kind, const struct history_filter *f,
                             char *err, size_t errlen);
/* {"since_ns", "until_ns", "step_ns", "points": [{"device", "t_ns", "requests", "bytes",
 * "errors", "latency_avg_ns", "latency_max_ns"}]}: requests bucketed by submission time. */
json_t *history_query_series(sqlite3 *db, const struct history_filter *f, int64_t now_ns, char *err,
                             size_t errlen);

/*
 * Runs one query (requests, transactions, show, stats, series, faults, findings, traces or
 * sessions) with JSON parameters: a JSON document, or NULL with err (starting "parameter
 * '...'" when a parameter is at fault, including one the kind does not take). A device filter
 * naming a device that neither is_device (the daemon's live devices; NULL offline) nor the
 * history knows is an error, not an empty answer.
 */
json_t *history_query(sqlite3 *db, const char *kind, json_t *params, int64_t now_ns,
                      bool (*is_device)(const char *name), char *err, size_t errlen);

/* The daemon side ------------------------------------------------------------------------------ */

struct history_options {
    const char *path;
    uint64_t batch_ms;  /* how long events wait before they are committed */
    uint64_t max_age_s; /* retention by age, 0: keep */
    uint64_t max_bytes; /* retention by size, 0: unbounded */
};

/* Opens the database, starts the writer thread and adds the recorder sink. */
int history_start(const struct history_options *o, char *err, size_t errlen);
/* Commits everything queued and stops the writer (SIGTERM). */
void history_stop(void);
/* The writer's database path, or NULL when recording is off. */
const char *history_path(void);

#endif
