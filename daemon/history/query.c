/*
 * query.c: the questions users ask about requests, answered as JSON, and the dispatch of every
 * kind of history query.
 *
 *   requests: filtered, paginated by id (a cursor stays valid while rows are added), oldest
 *             or newest first;
 *   transactions: the same, for the requests that had DMA transactions (with their count and
 *             bytes), so that each id leads to 'show';
 *   show:     one request as a timeline (transactions, transfers with SG lists, DMA operations,
 *             interrupts);
 *   stats:    per device counts, bytes, throughput and latency percentiles.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

void query_where_requests(struct query_where *w, const struct history_filter *f, bool with_cursor)
{
    static const char *const directions[] = {
        [HISTORY_DIRECTION_TO_DEVICE] = "write",
        [HISTORY_DIRECTION_TO_HOST] = "read",
    };
    memset(w, 0, sizeof(*w));
    query_where_common(w, f, "r", "submitted_ns", with_cursor);
    if (f->type)
        query_where_add(w, "r.type = ?11");
    if (f->session)
        query_where_add(w, "(r.app_session_id IN (SELECT id FROM sessions WHERE session_no = ?20 "
                           "AND run_id = (SELECT MAX(id) FROM runs)) OR r.driver_session_id IN "
                           "(SELECT id FROM sessions WHERE session_no = ?20 AND run_id = (SELECT "
                           "MAX(id) FROM runs)))");
    if (f->status == HISTORY_STATUS_OK)
        query_where_add(w, "r.status >= 0 AND r.completed_ns IS NOT NULL");
    if (f->status == HISTORY_STATUS_ERROR)
        query_where_add(w, "r.status < 0");
    if (f->min_size)
        query_where_add(w, "r.length >= ?23");
    if (f->max_size)
        query_where_add(w, "r.length <= ?26");
    if (f->direction != HISTORY_DIRECTION_ANY) {
        char part[128];
        snprintf(part, sizeof(part),
                 "EXISTS (SELECT 1 FROM transactions t WHERE t.request_id = r.id AND "
                 "t.direction = '%s')",
                 directions[f->direction]);
        query_where_add(w, part);
    }
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
    "transaction_bytes, (SELECT group_concat(DISTINCT CASE t.direction WHEN 'write' THEN "         \
    "'to_device' WHEN 'read' THEN 'to_host' END) FROM transactions t WHERE t.request_id = r.id) "  \
    "AS direction"

/* Requests matching f, ids ascending from the cursor; with_transactions: only those that had
 * DMA transactions, with how many and how many bytes they moved. */
static json_t *request_list(sqlite3 *db, const struct history_filter *f, bool with_transactions,
                            char *err, size_t errlen)
{
    struct query_where w;
    char sql[2560], order[64];
    query_where_requests(&w, f, true);
    if (with_transactions)
        query_where_add(&w, "EXISTS (SELECT 1 FROM transactions t WHERE t.request_id = r.id)");
    query_order_limit(order, sizeof(order), f, "r");
    snprintf(sql, sizeof(sql), "SELECT " REQUEST_COLUMNS "%s FROM requests r%s%s",
             with_transactions ? TRANSACTION_SUMMARY_COLUMNS : "", w.sql, order);
    json_t *rows = query_run(db, sql, f, 0, err, errlen);
    if (rows == NULL)
        return NULL;
    return query_page(with_transactions ? "transactions" : "requests", rows, f->limit);
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

/* Interrupt events on the device while the request was in flight. An assertion's row may hold
 * the ISR pass, DPC and deassertion that followed it (schema 3, coalesce.c), each within
 * HISTORY_IRQ_FOLD_NS of it: rows are looked for that much earlier, then split into events. */
#define SHOW_INTERRUPTS                                                                            \
    "WITH w AS (SELECT device, submitted_ns AS lo, COALESCE(completed_ns, submitted_ns) AS hi "    \
    "FROM requests WHERE id = ?1), i AS (SELECT i.* FROM interrupts i, w WHERE i.device = "        \
    "w.device AND i.time_ns BETWEEN w.lo - 100000000 AND w.hi), e AS ("                            \
    "SELECT id, 0 AS part, kind, line, time_ns FROM i UNION ALL "                                  \
    "SELECT id, 1, isr_kind, 0, isr_ns FROM i WHERE isr_ns IS NOT NULL UNION ALL "                 \
    "SELECT id, 2, 'deassert', line, deassert_ns FROM i WHERE deassert_ns IS NOT NULL UNION ALL "  \
    "SELECT id, 3, 'dpc', 0, dpc_ns FROM i WHERE dpc_ns IS NOT NULL) "                             \
    "SELECT e.kind, e.line, e.time_ns FROM e, w WHERE e.time_ns BETWEEN w.lo AND w.hi "            \
    "ORDER BY e.time_ns, e.id, e.part"
_Static_assert(HISTORY_IRQ_FOLD_NS == 100000000ll,
               "SHOW_INTERRUPTS looks back HISTORY_IRQ_FOLD_NS");

/* The rows of sql about one thing, its id bound to ?1. */
static json_t *query_rows(sqlite3 *db, const char *sql, int64_t id, char *err, size_t errlen)
{
    static const struct history_filter no_filter;
    return query_run(db, sql, &no_filter, id, err, errlen);
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
    json_t *irqs = txns ? query_rows(db, SHOW_INTERRUPTS, request_id, err, errlen) : NULL;
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
    struct query_where w;
    struct history_filter g = *f;
    g.device = device;
    char sql[2560];
    query_where_requests(&w, &g, false);
    snprintf(sql, sizeof(sql),
             "SELECT r.completed_ns - r.submitted_ns FROM requests r%s%s r.completed_ns IS NOT "
             "NULL ORDER BY 1",
             w.sql, w.sql[0] ? " AND" : " WHERE");
    sqlite3_stmt *st = query_prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    query_where_bind(st, &g);
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
    struct query_where w;
    char sql[2560];
    query_where_requests(&w, f, false);
    snprintf(sql, sizeof(sql),
             "SELECT r.device AS device, COUNT(*) AS requests, "
             "SUM(r.type = 'read') AS reads, SUM(r.type = 'write') AS writes, "
             "SUM(r.type = 'ioctl') AS ioctls, SUM(r.status < 0) AS errors, "
             "SUM(CASE WHEN r.status >= 0 THEN r.information ELSE 0 END) AS bytes, "
             "MIN(r.submitted_ns) AS first_ns, MAX(r.completed_ns) AS last_ns "
             "FROM requests r%s GROUP BY r.device ORDER BY r.device",
             w.sql);
    json_t *rows = query_run(db, sql, f, 0, err, errlen);
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
    if (history_filter_from_json(kind, params, now_ns, &f, err, errlen) < 0)
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
    if (strcmp(kind, "series") == 0)
        return history_query_series(db, &f, now_ns, err, errlen);
    if (strcmp(kind, "transactions") == 0)
        return history_query_transactions(db, &f, err, errlen);
    if (strcmp(kind, "requests") == 0)
        return history_query_requests(db, &f, err, errlen);
    return history_query_events(db, kind, &f, err, errlen);
}
