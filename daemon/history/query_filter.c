/*
 * query_filter.c: the parameters of history queries, as users type them ("10m", "64K", "desc"),
 * checked against what each kind of query takes so that a misplaced parameter is an error
 * that names it rather than a silently ignored one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query_internal.h"
#include "units.h"

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

int query_fail(char *err, size_t errlen, const char *param, const char *what)
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
        return query_fail(err, errlen, name,
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
    return query_fail(err, errlen, name, "expected a non-negative number");
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
    return query_fail(err, errlen, name, what);
}

/* Which parameters each kind of query takes ------------------------------------------------- */

#define LIST_PARAMS     " limit cursor order "
#define REQUEST_FILTERS " device session type status direction since until min_size max_size "
#define EVENT_FILTERS   " device session since until text "

static const struct {
    const char *kind;
    const char *params; /* space-separated, with a space at each end */
} query_kinds[] = {
    {"requests", REQUEST_FILTERS LIST_PARAMS},
    {"transactions", REQUEST_FILTERS LIST_PARAMS},
    {"stats", REQUEST_FILTERS},
    {"series", REQUEST_FILTERS " step "},
    {"faults", EVENT_FILTERS LIST_PARAMS},
    {"findings", EVENT_FILTERS LIST_PARAMS},
    {"traces", EVENT_FILTERS LIST_PARAMS},
    {"sessions", " session since until text " LIST_PARAMS},
};

static const char *kind_params(const char *kind)
{
    for (size_t i = 0; i < sizeof(query_kinds) / sizeof(query_kinds[0]); i++)
        if (strcmp(query_kinds[i].kind, kind) == 0)
            return query_kinds[i].params;
    return NULL;
}

static bool param_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || strchr(name, ' ') != NULL)
        return false;
    for (const char *p = strstr(list, name); p != NULL; p = strstr(p + 1, name))
        if (p[-1] == ' ' && p[n] == ' ')
            return true;
    return false;
}

/* Every key of params must be one this kind takes. */
static int params_check(const char *kind, json_t *params, char *err, size_t errlen)
{
    static const char every[] = REQUEST_FILTERS EVENT_FILTERS LIST_PARAMS " step ";
    const char *takes = kind_params(kind);
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v)
    {
        if (!param_listed(every, key))
            return query_fail(err, errlen, key, "unknown parameter");
        if (!param_listed(takes, key)) {
            char what[320];
            snprintf(what, sizeof(what), "%s queries do not take it (they take:%.*s)", kind,
                     (int)strlen(takes) - 1, takes);
            return query_fail(err, errlen, key, what);
        }
    }
    return 0;
}

/* Parsing -------------------------------------------------------------------------------------- */

static int filter_text(json_t *params, const char *name, const char **out, const char *what,
                       char *err, size_t errlen)
{
    json_t *v = json_object_get(params, name);
    if (v != NULL && !json_is_string(v))
        return query_fail(err, errlen, name, what);
    *out = v ? json_string_value(v) : NULL;
    return 0;
}

static int filter_step(json_t *v, uint64_t *out, char *err, size_t errlen)
{
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || parse_duration_ns(json_string_value(v), out) < 0 ||
        *out < 1000000000ull || *out > 86400000000000ull)
        return query_fail(err, errlen, "step", "expected a duration from 1s to 1d (5s, 1m, 1h)");
    return 0;
}

static int filter_choices(json_t *p, struct history_filter *f, char *err, size_t errlen)
{
    static const char *const types[] = {"read", "write", "ioctl", NULL};
    static const char *const statuses[] = {"ok", "error", NULL};
    static const char *const directions[] = {"to_device", "to_host", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    int type = -1, status = -1, direction = -1, order = -1;
    if (filter_choice(json_object_get(p, "type"), "type", types, &type, err, errlen) ||
        filter_choice(json_object_get(p, "status"), "status", statuses, &status, err, errlen) ||
        filter_choice(json_object_get(p, "direction"), "direction", directions, &direction, err,
                      errlen) ||
        filter_choice(json_object_get(p, "order"), "order", orders, &order, err, errlen))
        return -1;
    f->type = type >= 0 ? types[type] : NULL;
    f->status = (enum history_status)(status + 1);
    f->direction = (enum history_direction)(direction + 1);
    f->descending = order == 1;
    return 0;
}

static int filter_numbers(json_t *p, int64_t now_ns, struct history_filter *f, char *err,
                          size_t errlen)
{
    int64_t limit = QUERY_DEFAULT_LIMIT, min_size = 0, max_size = 0;
    if (filter_number(json_object_get(p, "session"), "session", &f->session, err, errlen) ||
        filter_time(json_object_get(p, "since"), "since", now_ns, &f->since_ns, err, errlen) ||
        filter_time(json_object_get(p, "until"), "until", now_ns, &f->until_ns, err, errlen) ||
        filter_number(json_object_get(p, "min_size"), "min_size", &min_size, err, errlen) ||
        filter_number(json_object_get(p, "max_size"), "max_size", &max_size, err, errlen) ||
        filter_number(json_object_get(p, "limit"), "limit", &limit, err, errlen) ||
        filter_number(json_object_get(p, "cursor"), "cursor", &f->cursor, err, errlen) ||
        filter_step(json_object_get(p, "step"), &f->step_ns, err, errlen))
        return -1;
    if (limit < 1 || limit > QUERY_MAX_LIMIT)
        return query_fail(err, errlen, "limit", "expected 1 to 10000");
    if (max_size != 0 && max_size < min_size)
        return query_fail(err, errlen, "max_size", "is below min_size: nothing could match");
    if (f->until_ns != 0 && f->until_ns <= f->since_ns)
        return query_fail(err, errlen, "until", "is not after since: nothing could match");
    f->min_size = (uint64_t)min_size;
    f->max_size = (uint64_t)max_size;
    f->limit = (unsigned)limit;
    return 0;
}

int history_filter_from_json(const char *kind, json_t *params, int64_t now_ns,
                             struct history_filter *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->limit = QUERY_DEFAULT_LIMIT;
    if (kind_params(kind) == NULL) {
        snprintf(err, errlen,
                 "unknown query '%s' (requests, transactions, show, stats, series, faults, "
                 "findings, traces or sessions)",
                 kind);
        return -1;
    }
    if (params == NULL)
        return 0;
    if (!json_is_object(params)) {
        snprintf(err, errlen, "the parameters must be a JSON object");
        return -1;
    }
    if (params_check(kind, params, err, errlen) < 0 ||
        filter_text(params, "device", &f->device, "expected a device name", err, errlen) < 0 ||
        filter_text(params, "text", &f->text, "expected text to look for", err, errlen) < 0 ||
        filter_choices(params, f, err, errlen) < 0 ||
        filter_numbers(params, now_ns, f, err, errlen) < 0)
        return -1;
    return 0;
}
