/*
 * query_events.c: the history's other lists: faults, verifier findings, driver trace lines and
 * sessions, each filtered by device, session, time and text, paginated like requests.
 */
#include <stdio.h>
#include <string.h>

#include "query_internal.h"

#define SESSION_OF(col)                                                                            \
    "(SELECT session_no FROM sessions WHERE id = " col ") AS session, "                            \
    "(SELECT name FROM sessions WHERE id = " col ") AS session_name"

/* The latest run's sessions with number ?20: session numbers restart with every run. */
#define LATEST_RUN "(SELECT MAX(id) FROM runs)"

struct event_list {
    const char *kind;
    const char *table;
    const char *columns;    /* of alias e */
    const char *time_col;   /* what since/until filter */
    const char *text_match; /* true when ?25 occurs in the row's text, any case */
    const char *session_match;
};

static const struct event_list event_lists[] = {
    {"faults", "faults",
     "e.id, e.device, " SESSION_OF("e.session_id") ", e.what, e.addr, e.channel, e.time_ns",
     "time_ns", "instr(lower(e.what), lower(?25)) > 0",
     "e.session_id IN (SELECT id FROM sessions WHERE session_no = ?20 AND run_id = " LATEST_RUN
     ")"},
    {"findings", "findings",
     "e.id, e.device, " SESSION_OF("e.session_id") ", e.code, e.callback, e.text, e.time_ns",
     "time_ns", "instr(lower(e.text), lower(?25)) > 0 OR instr(lower(e.callback), lower(?25)) > 0",
     "e.session_id IN (SELECT id FROM sessions WHERE session_no = ?20 AND run_id = " LATEST_RUN
     ")"},
    {"traces", "traces",
     "e.id, e.device, " SESSION_OF("e.session_id") ", e.level, e.function, e.text, e.time_ns",
     "time_ns", "instr(lower(e.text), lower(?25)) > 0 OR instr(lower(e.function), lower(?25)) > 0",
     "e.session_id IN (SELECT id FROM sessions WHERE session_no = ?20 AND run_id = " LATEST_RUN
     ")"},
    {"sessions", "sessions",
     "e.id, e.run_id, e.session_no AS session, e.role, e.name, e.peer, e.started_ns, e.ended_ns, "
     "e.end_reason",
     "started_ns",
     "instr(lower(e.name), lower(?25)) > 0 OR instr(lower(e.peer), lower(?25)) > 0 OR "
     "instr(lower(e.role), lower(?25)) > 0",
     "e.session_no = ?20 AND e.run_id = " LATEST_RUN},
};

static const struct event_list *event_list_find(const char *kind)
{
    for (size_t i = 0; i < sizeof(event_lists) / sizeof(event_lists[0]); i++)
        if (strcmp(event_lists[i].kind, kind) == 0)
            return &event_lists[i];
    return NULL;
}

json_t *history_query_events(sqlite3 *db, const char *kind, const struct history_filter *f,
                             char *err, size_t errlen)
{
    const struct event_list *l = event_list_find(kind);
    if (l == NULL) {
        snprintf(err, errlen, "unknown query '%s'", kind);
        return NULL;
    }
    struct query_where w = {{0}};
    char part[512], order[64], sql[2048];
    query_where_common(&w, f, "e", l->time_col, true);
    if (f->session)
        query_where_add(&w, l->session_match);
    if (f->text) {
        snprintf(part, sizeof(part), "(%s)", l->text_match);
        query_where_add(&w, part);
    }
    query_order_limit(order, sizeof(order), f, "e");
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s e%s%s", l->columns, l->table, w.sql, order);
    json_t *rows = query_run(db, sql, f, 0, err, errlen);
    return rows ? query_page(kind, rows, f->limit) : NULL;
}
