/*
 * query_internal.h: what the history's query files share: the WHERE clause builder, rows as
 * JSON, and pages with a cursor.
 *
 *   query_filter.c  times and the filter parameters, checked per kind of query
 *   query_rows.c    SQL to JSON, WHERE clauses, pages
 *   query.c         requests, transactions, show, stats, and the dispatch by kind
 *   query_events.c  faults, findings, traces and recorded sessions
 *   query_series.c  throughput and latency per time bucket, for charts
 */
#ifndef DMAEMU_HISTORY_QUERY_INTERNAL_H
#define DMAEMU_HISTORY_QUERY_INTERNAL_H

#include "history.h"

#define QUERY_DEFAULT_LIMIT 100
#define QUERY_MAX_LIMIT     10000

/* "parameter 'NAME': WHAT" in err; returns -1. */
int query_fail(char *err, size_t errlen, const char *param, const char *what);

/*
 * A WHERE clause built from parts. Each part names its bindings with fixed numbers (?10 the
 * device, ?20 the session, ?21/?22 the time range, ?24 the cursor, ?25 text), so the order in
 * which parts are added never matters and query_where_bind binds them all.
 */
struct query_where {
    char sql[1024];
};

void query_where_add(struct query_where *w, const char *clause);
/* The parts every list shares: device, session, time range on time_col, cursor in order. */
void query_where_common(struct query_where *w, const struct history_filter *f, const char *alias,
                        const char *time_col, bool with_cursor);
/* Everything a request filter asks (alias r): the common parts, type, status, sizes, direction. */
void query_where_requests(struct query_where *w, const struct history_filter *f, bool with_cursor);
void query_where_bind(sqlite3_stmt *st, const struct history_filter *f);
/* "ORDER BY alias.id [DESC] LIMIT n" for f. */
void query_order_limit(char *out, size_t outlen, const struct history_filter *f, const char *alias);

/* The session number (as logs show it) of a sessions.id column. */
#define QUERY_SESSION_NO(col) "(SELECT session_no FROM sessions WHERE id = " col ")"

sqlite3_stmt *query_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* Every row of st as an object keyed by column name; NULL with err when a step fails. */
json_t *query_rows_json(sqlite3_stmt *st, char *err, size_t errlen);
/* The rows of sql with f's bindings and ?1 = param1 (where the statement has it). */
json_t *query_run(sqlite3 *db, const char *sql, const struct history_filter *f, int64_t param1,
                  char *err, size_t errlen);
/* {key: rows, "next": the last row's id when the page is full, else null} (rows: taken). */
json_t *query_page(const char *key, json_t *rows, unsigned limit);

#endif
