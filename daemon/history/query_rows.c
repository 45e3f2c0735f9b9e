/*
 * query_rows.c: SQL to JSON for every history query: WHERE clauses built from a filter, rows
 * as objects keyed by column name, pages that end in a cursor.
 */
#include <stdio.h>
#include <string.h>

#include "query_internal.h"

/* WHERE ---------------------------------------------------------------------------------------- */

void query_where_add(struct query_where *w, const char *clause)
{
    size_t n = strlen(w->sql);
    snprintf(w->sql + n, sizeof(w->sql) - n, "%s%s", n ? " AND " : " WHERE ", clause);
}

void query_where_common(struct query_where *w, const struct history_filter *f, const char *alias,
                        const char *time_col, bool with_cursor)
{
    char part[160];
    if (f->device) {
        snprintf(part, sizeof(part), "%s.device = ?10", alias);
        query_where_add(w, part);
    }
    if (f->since_ns) {
        snprintf(part, sizeof(part), "%s.%s >= ?21", alias, time_col);
        query_where_add(w, part);
    }
    if (f->until_ns) {
        snprintf(part, sizeof(part), "%s.%s < ?22", alias, time_col);
        query_where_add(w, part);
    }
    if (with_cursor && f->cursor) {
        snprintf(part, sizeof(part), "%s.id %s ?24", alias, f->descending ? "<" : ">");
        query_where_add(w, part);
    }
}

void query_where_bind(sqlite3_stmt *st, const struct history_filter *f)
{
    /* Binding a number the statement does not use is a harmless SQLITE_RANGE. */
    if (f->device)
        sqlite3_bind_text(st, 10, f->device, -1, SQLITE_TRANSIENT);
    if (f->type)
        sqlite3_bind_text(st, 11, f->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 20, f->session);
    sqlite3_bind_int64(st, 21, f->since_ns);
    sqlite3_bind_int64(st, 22, f->until_ns);
    sqlite3_bind_int64(st, 23, (int64_t)f->min_size);
    sqlite3_bind_int64(st, 24, f->cursor);
    if (f->text)
        sqlite3_bind_text(st, 25, f->text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 26, (int64_t)f->max_size);
}

void query_order_limit(char *out, size_t outlen, const struct history_filter *f, const char *alias)
{
    snprintf(out, outlen, " ORDER BY %s.id%s LIMIT %u", alias, f->descending ? " DESC" : "",
             f->limit);
}

/* Rows ----------------------------------------------------------------------------------------- */

static json_t *column_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
        /* Recorded text comes from drivers; what is not UTF-8 must not lose the whole row. */
        const char *text = (const char *)sqlite3_column_text(st, i);
        json_t *v = json_string(text);
        return v != NULL ? v : json_string("(text that is not UTF-8)");
    }
    default: return json_null();
    }
}

json_t *query_rows_json(sqlite3_stmt *st, char *err, size_t errlen)
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

sqlite3_stmt *query_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

json_t *query_run(sqlite3 *db, const char *sql, const struct history_filter *f, int64_t param1,
                  char *err, size_t errlen)
{
    sqlite3_stmt *st = query_prepare(db, sql, err, errlen);
    if (st == NULL)
        return NULL;
    query_where_bind(st, f);
    sqlite3_bind_int64(st, 1, param1);
    json_t *rows = query_rows_json(st, err, errlen);
    sqlite3_finalize(st);
    return rows;
}

json_t *query_page(const char *key, json_t *rows, unsigned limit)
{
    json_t *next = json_null();
    if (json_array_size(rows) == limit)
        next = json_copy(json_object_get(json_array_get(rows, limit - 1), "id"));
    return json_pack("{s:o, s:o}", key, rows, "next", next);
}
