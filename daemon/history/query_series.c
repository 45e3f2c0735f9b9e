/*
 * query_series.c: requests per time bucket (count, bytes, errors, mean and worst latency), the
 * data behind the dashboard's throughput and latency charts. SQLite does the bucketing, so a
 * chart over a million requests moves a few hundred rows, not a million.
 */
#include <stdio.h>
#include <string.h>

#include "query_internal.h"

#define SERIES_DEFAULT_SPAN_NS (600ll * 1000000000) /* the last ten minutes */
#define SERIES_DEFAULT_BUCKETS 120
#define SERIES_MAX_BUCKETS     2000

/* The bucket width: as asked, or whole seconds giving about SERIES_DEFAULT_BUCKETS. */
static int series_step(const struct history_filter *f, int64_t span, int64_t *step, char *err,
                       size_t errlen)
{
    *step = (int64_t)f->step_ns;
    if (*step == 0) {
        int64_t s = span / SERIES_DEFAULT_BUCKETS;
        *step = (s / 1000000000 + 1) * 1000000000;
    }
    if (span / *step >= SERIES_MAX_BUCKETS) {
        char what[96];
        snprintf(what, sizeof(what), "gives more than %d buckets for this time range",
                 SERIES_MAX_BUCKETS);
        return query_fail(err, errlen, "step", what);
    }
    return 0;
}

json_t *history_query_series(sqlite3 *db, const struct history_filter *f, int64_t now_ns, char *err,
                             size_t errlen)
{
    struct history_filter g = *f;
    if (g.until_ns == 0)
        g.until_ns = now_ns;
    if (g.since_ns == 0)
        g.since_ns = g.until_ns - SERIES_DEFAULT_SPAN_NS;
    int64_t step;
    if (series_step(&g, g.until_ns - g.since_ns, &step, err, errlen) < 0)
        return NULL;
    struct query_where w;
    query_where_requests(&w, &g, false);
    char sql[1536];
    snprintf(sql, sizeof(sql),
             "SELECT r.device AS device, ?21 + ((r.submitted_ns - ?21) / ?1) * ?1 AS t_ns, "
             "COUNT(*) AS requests, SUM(CASE WHEN r.status >= 0 THEN r.information ELSE 0 END) "
             "AS bytes, SUM(r.status < 0) AS errors, "
             "CAST(AVG(r.completed_ns - r.submitted_ns) AS INTEGER) AS latency_avg_ns, "
             "MAX(r.completed_ns - r.submitted_ns) AS latency_max_ns "
             "FROM requests r%s GROUP BY r.device, t_ns ORDER BY r.device, t_ns",
             w.sql);
    json_t *points = query_run(db, sql, &g, step, err, errlen);
    if (points == NULL)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:o}", "since_ns", (json_int_t)g.since_ns, "until_ns",
                     (json_int_t)g.until_ns, "step_ns", (json_int_t)step, "points", points);
}
