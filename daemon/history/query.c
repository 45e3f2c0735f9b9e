/*
 * query.c: the questions users ask of the history, answered as JSON.
 *
 *   requests: filtered, paginated by id (a cursor stays valid while rows are added);
 *   transactions: the same, for the requests that had DMA transactions (with their count and
 *             bytes), so that each id leads to 'show';
 *   show:     one request as a timeline (transactions, transfers with SG lists, DMA operations,
 *             interrupts);
 *   stats:    per device counts, bytes, throughput and latency percentiles.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "units.h"

#define QUERY_DEFAULT_LIMIT 100
#define QUERY_MAX_LIMIT     10000

/* Times ---------------------------------------------------------------------------------------- */

static int parse_relative(const char *s, int64_t now_ns, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    int64_t unit = 0;
    if (end == s || v < 0)
        return -1;
    if (strcmp(end, "s") == 0)
        unit = 1;
    else if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "d") == 0)
        unit = 86400;
    else
        return -1;
    *out = now_ns - (int64_t)v * unit * 1000000000;
    return 0;
}

int history_parse_time(const char *s, int64_t now_ns, int64_t *out)
{
    if (parse_relative(s, now_ns, out) == 0)
        return 0;
    struct tm tm = {0};
    const char *formats[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                             "%Y-%m-%d %H:%M", "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        memset(&tm, 0, sizeof(tm));
        const char *rest = strptime(s, formats[i], &tm);
        if (rest == NULL)
            continue;
        bool utc = *rest == 'Z';
        if (*rest != '\0' && !(utc && rest[1] == '\0'))
            continue;
        tm.tm_isdst = -1;
        time_t t = utc ? timegm(&tm) : mktime(&tm);
        *out = (int64_t)t * 1000000000;
        return 0;
    }
    return -1;
}

/* Filters -------------------------------------------------------------------------------------- */

static int filter_fail(char *err, size_t errlen, const char *param, const char *what)
{
    snprintf(err, errlen, "parameter '%s': %s", param, what);
    return -1;
}

static int filter_time(json_t *v, const char *name, int64_t now_ns, int64_t *out, char *err,
                       size_t errlen)
{
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || history_parse_time(json_string_value(v), now_ns, out) < 0)
        return filter_fail(err, errlen, name,
                           "expected an ISO 8601 time (2026-11-21T10:00:00Z) or a relative "
                           "one (30s, 10m, 2h, 1d)");
    return 0;
}

static int filter_number(json_t *v, const char *name, int64_t *out, char *err, size_t errlen)
{
    uint64_t u;
    if (v == NULL)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && parse_size(json_string_value(v), &u) == 0 && u <= INT64_MAX) {
        *out = (int64_t)u;
        return 0;
    }
    return filter_fail(err, errlen, name, "expected a non-negative number");
}

static int filter_choice(json_t *v, const char *name, const char *const *choices, int *out,
                         char *err, size_t errlen)
{
    if (v == NULL)
        return 0;
    for (int i = 0; json_is_string(v) && choices[i] != NULL; i++) {
        if (strcmp(json_string_value(v), choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    char what[128];
    snprintf(what, sizeof(what), "expected one of %s%s%s%s%s", choices[0], choices[1] ? ", " : "",
             choices[1] ? choices[1] : "", choices[2] ? ", " : "", choices[2] ? choices[2] : "");
    return filter_fail(err, errlen, name, what);
}

int history_filter_from_json(json_t *params, int64_t now_ns, struct history_filter *f, char *err,
                             size_t errlen)
{
    static const char *const types[] = {"read", "write", "ioctl", NULL};
    static const char *const statuses[] = {"ok", "error", NULL};
    memset(f, 0, sizeof(*f));
    f->limit = QUERY_DEFAULT_LIMIT;
    if (params == NULL)
        return 0;
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v)
    {
        static const char *const known[] = {"device", "session",  "type",  "status", "since",
                                            "until",  "min_size", "limit", "cursor"};
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok)
            return filter_fail(err, errlen, key, "unknown parameter");
    }
    json_t *dev = json_object_get(params, "device");
    if (dev != NULL && !json_is_string(dev))
        return filter_fail(err, errlen, "device", "expected a device name");
    f->device = dev ? json_string_value(dev) : NULL;
    int type = -1, status = -1;
    int64_t limit = QUERY_DEFAULT_LIMIT, min_size = 0;
    if (filter_number(json_object_get(params, "session"), "session", &f->session, err, errlen) ||
        filter_choice(json_object_get(params, "type"), "type", types, &type, err, errlen) ||
        filter_choice(json_object_get(params, "status"), "status", statuses, &status, err,
                      errlen) ||
        filter_time(json_object_get(params, "since"), "since", now_ns, &f->since_ns, err, errlen) ||
        filter_time(json_object_get(params, "until"), "until", now_ns, &f->until_ns, err, errlen) ||
        filter_number(json_object_get(params, "min_size"), "min_size", &min_size, err, errlen) ||
        filter_number(json_object_get(params, "limit"), "limit", &limit, err, errlen) ||
        filter_number(json_object_get(params, "cursor"), "cursor", &f->after_id, err, errlen))
        return -1;
    if (limit < 1 || limit > QUERY_MAX_LIMIT)
        return filter_fail(err, errlen, "limit", "expected 1 to 10000");
    f->type = type >= 0 ? types[type] : NULL;
    f->status = status < 0    ? HISTORY_STATUS_ANY
                : status == 0 ? HISTORY_STATUS_OK
                              : HISTORY_STATUS_ERROR;
    f->min_size = (uint64_t)min_size;
    f->limit = (unsigned)limit;
    return 0;
}

/* The WHERE clause for a filter, with its bindings in order (?2...; ?1 is reserved). */
struct where {
    char sql[768];
};

static void where_add(struct where *w, const char *clause)
{
    size_t n = strlen(w->sql);
    snprintf(w->sql + n, sizeof(w->sql) - n, "%s%s", n ? " AND " : " WHERE ", clause);
}

static void where_build(struct where *w, const struct history_filter *f, bool with_cursor)
{
    memset(w, 0, sizeof(*w));
    /* Each clause names its bindings with distinct numbers so the order never matters. */
    if (f->device)
        where_add(w, "r.device = ?10");
    if (f->type)
        where_add(w, "r.type = ?11");
    if (f->session)
        where_add(w, "(r.app_session_id IN (SELECT id FROM sessions WHERE session_no = ?20 AND "
                     "run_id = (SELECT MAX(id) FROM runs)) OR r.driver_session_id IN (SELECT id "
                     "FROM sessions WHERE session_no = ?20 AND run_id = (SELECT MAX(id) FROM "
                     "runs)))");
    if (f->status == HISTORY_STATUS_OK)
        where_add(w, "r.status >= 0 AND r.completed_ns IS NOT NULL");
    if (f->status == HISTORY_STATUS_ERROR)
        where_add(w, "r.status < 0");
    if (f->since_ns)
        where_add(w, "r.submitted_ns >= ?21");
    if (f->until_ns)
        where_add(w, "r.submitted_ns < ?22");
    if (f->min_size)
        where_add(w, "r.length >= ?23");
    if (with_cursor && f->after_id)
        where_add(w, "r.id > ?24");
}

static void where_bind(sqlite3_stmt *st, const struct history_filter *f)
{
    if (f->device)
        sqlite3_bind_text(st, 10, f->device, -1, SQLITE_TRANSIENT);
    if (f->type)
        sqlite3_bind_text(st, 11, f->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 20, f->session);
    sqlite3_bind_int64(st, 21, f->since_ns);
    sqlite3_bind_int64(st, 22, f->until_ns);
    sqlite3_bind_int64(st, 23, (int64_t)f->min_size);
    sqlite3_bind_int64(st, 24, f->after_id);
}

/* Rows to JSON ----------------------------------------------------------------------------------
 */

static json_t *column_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: return json_string((const char *)sqlite3_column_text(st, i));
    default: return json_null();
    }
}

/* Every row of st as an object keyed by column name. */
static json_t *rows_json(sqlite3_stmt *st, char *err, size_t errlen)
{
    json_t *rows = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++)
            json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
        json_array_append_new(rows, row);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        json_decref(rows);
        return NULL;
    }
    return rows;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

#define REQUEST_COLUMNS                                                                            \
    "r.id, r.number, r.device, r.type, r.length, r.offset, r.ioctl_code, r.status, "               \
    "r.information, r.submitted_ns, r.dispatched_ns, r.completed_ns, "                             \
    "(r.completed_ns - r.submitted_ns) AS latency_ns, "                                            \
    "(SELECT session_no FROM sessions WHERE id = r.app_session_id) AS app_session, "               \
    "(SELECT session_no FROM sessions WHERE id = r.driver_session_id) AS driver_session"

#define TRANSACTION_SUMMARY_COLUMNS                                                                \
    ", (SELECT COUNT(*) FROM transactions t WHERE t.request_id = r.id) AS transaction_count, "     \
    "(SELECT COALESCE(SUM(t.bytes), 0) FROM transactions t WHERE t.request_id = r.id) AS "         \
    "transaction_bytes"

/* Requests matching f, ids ascending from the cursor; with_transactions: only those that had
 * DMA transactions, with how many and how many bytes they moved. */
static json_t *request_list(sqlite3 *db, const struct history_filter *f, bool with_transactions,
                            char *err, size_t errlen)
{
    struct where w;
    char sql[2048];
    where_build(&w, f, true);
    if (with_transactions)
        where_add(&w, "EXISTS (SELECT 1 FROM transactions t WHERE t.request_id = r.id)");
    snprintf(sql, sizeof(sql),
             "SELECT " REQUEST_COLUMNS "%s FROM requests r%s ORDER BY r.id LIMIT %u",
             with_transactions ? TRANSACTION_SUMMARY_COLUMNS : "", w.sql, f->limit);
    sqlite3_stmt *st = prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    where_bind(st, f);
    json_t *rows = rows_json(st, err, errlen);
    sqlite3_finalize(st);
    if (rows == NULL)
        return NULL;
    json_t *next = json_null();
    if (json_array_size(rows) == f->limit)
        next = json_copy(json_object_get(json_array_get(rows, f->limit - 1), "id"));
    return json_pack("{s:o, s:o}", with_transactions ? "transactions" : "requests", rows, "next",
                     next);
}

json_t *history_query_requests(sqlite3 *db, const struct history_filter *f, char *err,
                               size_t errlen)
{
    return request_list(db, f, false, err, errlen);
}

json_t *history_query_transactions(sqlite3 *db, const struct history_filter *f, char *err,
                                   size_t errlen)
{
    return request_list(db, f, true, err, errlen);
}

/* Show: one request's timeline ---------------------------------------------------------------- */

static json_t *query_rows(sqlite3 *db, const char *sql, int64_t id, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *rows = rows_json(st, err, errlen);
    sqlite3_finalize(st);
    return rows;
}

static int show_transfers(sqlite3 *db, json_t *txn, char *err, size_t errlen)
{
    int64_t id = json_integer_value(json_object_get(txn, "id"));
    json_t *xfers = query_rows(db,
                               "SELECT id, seq, length, sg, programmed_ns, completed_ns, how "
                               "FROM transfers WHERE transaction_id = ?1 ORDER BY seq",
                               id, err, errlen);
    if (xfers == NULL)
        return -1;
    size_t i;
    json_t *x;
    json_array_foreach(xfers, i, x)
    {
        json_t *sg = json_loads(json_string_value(json_object_get(x, "sg")), 0, NULL);
        json_object_set_new(x, "sg", sg ? sg : json_array());
        json_t *ops = query_rows(db,
                                 "SELECT id, channel, to_host, bus_addr, local_addr, length, "
                                 "purpose, result, start_ns, end_ns FROM dma_ops WHERE "
                                 "transfer_id = ?1 ORDER BY id",
                                 json_integer_value(json_object_get(x, "id")), err, errlen);
        if (ops == NULL) {
            json_decref(xfers);
            return -1;
        }
        json_object_set_new(x, "dma_ops", ops);
    }
    json_object_set_new(txn, "transfers", xfers);
    return 0;
}

json_t *history_query_show(sqlite3 *db, int64_t request_id, char *err, size_t errlen)
{
    json_t *rows = query_rows(db, "SELECT " REQUEST_COLUMNS " FROM requests r WHERE r.id = ?1",
                              request_id, err, errlen);
    if (rows == NULL)
        return NULL;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        snprintf(err, errlen, "no request %" PRId64 " ('dmaemu history' lists their ids)",
                 request_id);
        return NULL;
    }
    json_t *req = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    json_t *txns = query_rows(db,
                              "SELECT id, txn_no, profile, direction, length, bytes, transfers AS "
                              "transfer_count, status, "
                              "started_ns, ended_ns FROM transactions WHERE request_id = ?1 "
                              "ORDER BY id",
                              request_id, err, errlen);
    size_t i;
    json_t *t;
    json_array_foreach(txns, i, t)
    {
        if (show_transfers(db, t, err, errlen) < 0) {
            json_decref(txns);
            txns = NULL;
            break;
        }
    }
    /* Interrupts on the device while the request was in flight. */
    json_t *irqs = txns ? query_rows(db,
                                     "SELECT i.kind, i.line, i.time_ns FROM interrupts i, "
                                     "requests r WHERE r.id = ?1 AND i.device = r.device AND "
                                     "i.time_ns BETWEEN r.submitted_ns AND "
                                     "COALESCE(r.completed_ns, r.submitted_ns) ORDER BY i.id",
                                     request_id, err, errlen)
                        : NULL;
    if (txns == NULL || irqs == NULL) {
        json_decref(req);
        json_decref(txns);
        return NULL;
    }
    json_object_set_new(req, "transactions", txns);
    json_object_set_new(req, "interrupts", irqs);
    return req;
}

/* Stats --------------------------------------------------------------------------------------- */

static json_t *stats_latency(sqlite3 *db, const char *device, const struct history_filter *f,
                             char *err, size_t errlen)
{
    struct where w;
    struct history_filter g = *f;
    g.device = device;
    char sql[1536];
    where_build(&w, &g, false);
    snprintf(sql, sizeof(sql),
             "SELECT r.completed_ns - r.submitted_ns FROM requests r%s%s r.completed_ns IS NOT "
             "NULL ORDER BY 1",
             w.sql, w.sql[0] ? " AND" : " WHERE");
    sqlite3_stmt *st = prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    where_bind(st, &g);
    size_t n = 0, cap = 1024;
    int64_t *v = malloc(cap * sizeof(*v));
    while (v != NULL && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap && (v = realloc(v, (cap *= 2) * sizeof(*v))) == NULL)
            break;
        v[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    json_t *p = json_object();
    if (v != NULL && n > 0) {
        json_object_set_new(p, "p50_ns", json_integer(v[n / 2]));
        json_object_set_new(p, "p90_ns", json_integer(v[n * 9 / 10]));
        json_object_set_new(p, "p99_ns", json_integer(v[n * 99 / 100]));
        json_object_set_new(p, "max_ns", json_integer(v[n - 1]));
    }
    free(v);
    return p;
}

json_t *history_query_stats(sqlite3 *db, const struct history_filter *f, char *err, size_t errlen)
{
    struct where w;
    char sql[2048];
    where_build(&w, f, false);
    snprintf(sql, sizeof(sql),
             "SELECT r.device AS device, COUNT(*) AS requests, "
             "SUM(r.type = 'read') AS reads, SUM(r.type = 'write') AS writes, "
             "SUM(r.type = 'ioctl') AS ioctls, SUM(r.status < 0) AS errors, "
             "SUM(CASE WHEN r.status >= 0 THEN r.information ELSE 0 END) AS bytes, "
             "MIN(r.submitted_ns) AS first_ns, MAX(r.completed_ns) AS last_ns "
             "FROM requests r%s GROUP BY r.device ORDER BY r.device",
             w.sql);
    sqlite3_stmt *st = prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    where_bind(st, f);
    json_t *rows = rows_json(st, err, errlen);
    sqlite3_finalize(st);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        double span = (double)(json_integer_value(json_object_get(row, "last_ns")) -
                               json_integer_value(json_object_get(row, "first_ns"))) /
                      1e9;
        double bytes = (double)json_integer_value(json_object_get(row, "bytes"));
        json_object_set_new(row, "throughput_bytes_per_s", json_real(span > 0 ? bytes / span : 0));
        json_t *lat =
            stats_latency(db, json_string_value(json_object_get(row, "device")), f, err, errlen);
        json_object_set_new(row, "latency", lat ? lat : json_object());
    }
    return rows ? json_pack("{s:o}", "devices", rows) : NULL;
}

/* A device the history has never heard of is a mistyped name, not an empty answer. */
static bool device_known(sqlite3 *db, const char *device)
{
    sqlite3_stmt *st;
    bool known = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM requests WHERE device = ?1 UNION ALL SELECT 1 FROM "
                           "device_events WHERE device = ?1 LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
        known = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return known;
}

json_t *history_query(sqlite3 *db, const char *kind, json_t *params, int64_t now_ns,
                      bool (*is_device)(const char *name), char *err, size_t errlen)
{
    if (strcmp(kind, "show") == 0) {
        json_t *id = json_object_get(params, "id");
        if (!json_is_integer(id)) {
            snprintf(err, errlen, "parameter 'id': expected a request id");
            return NULL;
        }
        return history_query_show(db, json_integer_value(id), err, errlen);
    }
    struct history_filter f;
    if (strcmp(kind, "requests") != 0 && strcmp(kind, "transactions") != 0 &&
        strcmp(kind, "stats") != 0) {
        snprintf(err, errlen, "unknown query '%s' (requests, transactions, show or stats)", kind);
        return NULL;
    }
    if (history_filter_from_json(params, now_ns, &f, err, errlen) < 0)
        return NULL;
    if (f.device != NULL && !(is_device && is_device(f.device)) && !device_known(db, f.device)) {
        snprintf(err, errlen,
                 "parameter 'device': nothing is recorded for a device named '%.64s' (is the "
                 "name right? 'dmaemu devices' lists them)",
                 f.device);
        return NULL;
    }
    if (strcmp(kind, "stats") == 0)
        return history_query_stats(db, &f, err, errlen);
    if (strcmp(kind, "transactions") == 0)
        return history_query_transactions(db, &f, err, errlen);
    return history_query_requests(db, &f, err, errlen);
}
