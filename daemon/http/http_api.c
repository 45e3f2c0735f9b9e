/*
 * http_api.c: the JSON endpoints.
 *
 * Live state (devices, sessions) is read on the loop, where it lives. History questions become
 * jobs on libuv's thread pool, each with a read-only SQLite connection of its own (as
 * history_request.c does for the protocol), so the loop never waits on the database. A job
 * outlives its request if the client goes away: a reference in the request's memory pool tells
 * the job when libh2o has disposed of the request.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "handlers.h"
#include "history.h"
#include "http_internal.h"
#include "server.h"
#include "session.h"

#define HTTP_MAX_JOBS 32 /* history queries in flight at once */

static unsigned jobs_in_flight;

static const char api_index[] =
    "/api/daemon, /api/devices, /api/devices/NAME/registers, /api/sessions, "
    "/api/recorded-sessions, "
    "/api/requests, /api/transactions, /api/transactions/ID, /api/stats, /api/series, "
    "/api/faults, /api/findings, /api/traces, /api/events";

/* Live state ----------------------------------------------------------------------------------- */

static json_t *device_json(const struct dev_host *d)
{
    json_t *bars = json_array();
    for (unsigned i = 0; i < d->id.bar_count; i++)
        json_array_append_new(bars, json_pack("{s:I, s:s, s:I}", "index", (json_int_t)i, "kind",
                                              d->id.bars[i].kind == DEV_BAR_IO ? "io" : "memory",
                                              "size", (json_int_t)d->id.bars[i].size));
    json_t *owner = json_null();
    if (d->owner != NULL) {
        owner = json_object();
        json_object_set_new(owner, "session", json_integer((json_int_t)d->owner->id));
        json_object_set_new(owner, "role", json_string(session_role_name(d->owner->role)));
        json_object_set_new(owner, "name", http_json_text(d->owner->name));
        json_object_set_new(owner, "peer", http_json_text(d->owner->peer));
    }
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:{s:s, s:I}, s:I}", "name", d->name,
                  "model", d->model->name, "state", d->owner ? "owned" : "free", "vendor_id",
                  (json_int_t)d->id.vendor_id, "device_id", (json_int_t)d->id.device_id, "revision",
                  (json_int_t)d->id.revision, "bars", bars, "interrupts", "kind", "line", "count",
                  (json_int_t)d->id.irq_lines, "resets", (json_int_t)d->resets);
    if (o == NULL) {
        json_decref(owner);
        return NULL;
    }
    json_object_set_new(o, "owner", owner);
    const struct dev_counters *c = &d->counters;
    json_object_set_new(o, "counters",
                        json_pack("{s:I, s:I, s:I, s:I, s:I}", "dma_ops", (json_int_t)c->dma_ops,
                                  "dma_faults", (json_int_t)c->dma_faults, "bytes_to_host",
                                  (json_int_t)c->bytes_to_host, "bytes_from_host",
                                  (json_int_t)c->bytes_from_host, "irq_asserts",
                                  (json_int_t)c->irq_asserts));
    json_object_set_new(o, "irq_asserted", json_boolean(d->irq_levels != 0));
    return o;
}

static void api_devices(h2o_req_t *req)
{
    json_t *list = json_array();
    for (size_t i = 0; i < device_count(); i++)
        json_array_append_new(list, device_json(device_at(i)));
    http_send_json(req, 200, json_pack("{s:o}", "devices", list));
}

static void api_sessions(h2o_req_t *req)
{
    json_t *list = json_array();
    const struct server *srv = http_daemon_server();
    /* The server keeps the newest first; the answer goes by id. */
    for (const struct session *s = srv->sessions; s != NULL; s = s->next) {
        if (!s->greeted || s->conn.closing)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer((json_int_t)s->id));
        json_object_set_new(o, "role", json_string(session_role_name(s->role)));
        json_object_set_new(o, "name", http_json_text(s->name));
        json_object_set_new(o, "peer", http_json_text(s->peer));
        json_object_set_new(o, "transport", json_string(s->tcp ? "tcp" : "unix"));
        json_object_set_new(o, "device", s->device ? json_string(s->device->name) : json_null());
        json_array_insert_new(list, 0, o);
    }
    http_send_json(req, 200, json_pack("{s:o}", "sessions", list));
}

static json_t *register_json(const struct dev_reg *r)
{
    json_t *fields = json_array();
    for (unsigned i = 0; i < r->field_count; i++) {
        const struct dev_reg_field *f = &r->fields[i];
        json_array_append_new(fields, json_pack("{s:s, s:I, s:o}", "name", f->name, "value",
                                                (json_int_t)f->value, "meaning",
                                                http_json_text(f->meaning)));
    }
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "name", r->name, "bar", (json_int_t)r->bar,
                     "offset", (json_int_t)r->offset, "width", (json_int_t)r->width, "value",
                     (json_int_t)r->value, "fields", fields);
}

/* "/api/devices/NAME/registers": the model's decoded snapshot, read without side effects. */
static void api_registers(h2o_req_t *req, const char *name, size_t len)
{
    char dev_name[sizeof(((struct dev_host *)0)->name)];
    struct dev_host *d = NULL;
    if (len < sizeof(dev_name)) {
        memcpy(dev_name, name, len);
        dev_name[len] = '\0';
        d = device_find(dev_name);
    }
    if (d == NULL) {
        http_send_error(req, 404, NULL, "no device named '%.*s' (GET /api/devices lists them)",
                        (int)(len < 64 ? len : 64), name);
        return;
    }
    struct dev_regs snap = {0};
    if (d->model->snapshot == NULL || d->model->snapshot(d->state, &snap) < 0) {
        free(snap.regs);
        http_send_error(req, 500, NULL, "%s: the register snapshot failed (out of memory)",
                        d->name);
        return;
    }
    json_t *regs = json_array();
    for (unsigned i = 0; i < snap.count; i++)
        json_array_append_new(regs, register_json(&snap.regs[i]));
    free(snap.regs);
    http_send_json(req, 200,
                   json_pack("{s:s, s:s, s:o}", "device", d->name, "model", d->model->name,
                             "registers", regs));
}

/* Who is answering: the dashboard notices a restart by a new started_ns. */
static void api_daemon(h2o_req_t *req)
{
    const char *db = history_path();
    http_send_json(req, 200,
                   json_pack("{s:s, s:I, s:I, s:b, s:o}", "version", DMAEMU_VERSION, "pid",
                             (json_int_t)getpid(), "started_ns", (json_int_t)http_started_ns(),
                             "recording", db != NULL, "db", http_json_text(db)));
}

/* Query strings -------------------------------------------------------------------------------- */

/*
 * One percent-encoded query component, decoded by libh2o's path decoder: it is handed over as
 * the path "/COMPONENT" with the characters a path treats specially ('?' and '.', which would
 * end the path or form dot segments) escaped, and '+' (a space in HTML forms) as %20.
 */
static h2o_iovec_t query_decode(h2o_mem_pool_t *pool, const char *s, size_t len)
{
    char *path = h2o_mem_alloc_pool(pool, 1 + 3 * len);
    size_t n = 0;
    path[n++] = '/';
    for (size_t i = 0; i < len; i++) {
        const char *esc = s[i] == '+' ? "%20" : s[i] == '?' ? "%3F" : s[i] == '.' ? "%2E" : NULL;
        if (esc != NULL) {
            memcpy(path + n, esc, 3);
            n += 3;
        } else {
            path[n++] = s[i];
        }
    }
    size_t query_at;
    size_t *norm_indexes = NULL;
    h2o_iovec_t d = h2o_url_normalize_path(pool, path, n, &query_at, &norm_indexes);
    return h2o_iovec_init(d.base + 1, d.len - 1);
}

/* The query string as a JSON object of strings; NULL after answering 400. */
static json_t *query_params(h2o_req_t *req)
{
    json_t *params = json_object();
    if (req->query_at == SIZE_MAX)
        return params;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (amp == NULL)
            amp = end;
        const char *eq = memchr(p, '=', (size_t)(amp - p));
        const char *name_end = eq != NULL ? eq : amp;
        h2o_iovec_t name = query_decode(&req->pool, p, (size_t)(name_end - p));
        h2o_iovec_t value = eq != NULL ? query_decode(&req->pool, eq + 1, (size_t)(amp - eq - 1))
                                       : h2o_iovec_init("", 0);
        p = amp + 1;
        if (name.len == 0)
            continue;
        char *key = h2o_mem_alloc_pool(&req->pool, name.len + 1);
        memcpy(key, name.base, name.len);
        key[name.len] = '\0';
        json_t *v =
            memchr(value.base, '\0', value.len) ? NULL : json_stringn(value.base, value.len);
        const char *why = strlen(key) != name.len                ? "the name holds a NUL byte"
                          : v == NULL                            ? "expected UTF-8 text"
                          : json_object_get(params, key) != NULL ? "given more than once"
                                                                 : NULL;
        if (why == NULL && json_object_set_new(params, key, v) == 0)
            continue;
        if (why == NULL)
            why = "the name is not UTF-8 text";
        else
            json_decref(v);
        http_send_error(req, 400, key, "parameter '%s': %s", key, why);
        json_decref(params);
        return NULL;
    }
    return params;
}

/* History jobs --------------------------------------------------------------------------------- */

struct http_job {
    uv_work_t work;
    h2o_req_t *req;        /* NULL once libh2o disposed of it */
    struct http_job **ref; /* in the request's pool */
    char kind[16];
    json_t *params;
    char *db_path;
    char *answer; /* JSON text, or NULL with err */
    char err[512];
};

static void job_request_gone(void *p)
{
    struct http_job **ref = p;
    if (*ref != NULL)
        (*ref)->req = NULL;
}

static void job_run(uv_work_t *w)
{
    struct http_job *j = w->data;
    sqlite3 *db;
    if (history_db_open(j->db_path, true, &db, j->err, sizeof(j->err)) < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    json_t *answer =
        history_query(db, j->kind, j->params, now, history_is_device, j->err, sizeof(j->err));
    if (answer != NULL) {
        j->answer = json_dumps(answer, JSON_COMPACT);
        if (j->answer == NULL)
            snprintf(j->err, sizeof(j->err), "out of memory");
    }
    json_decref(answer);
    sqlite3_close(db);
}

/* The history's message, as an HTTP status: its parameter errors name the parameter. */
static void job_send_error(struct http_job *j)
{
    static const char prefix[] = "parameter '";
    if (strncmp(j->err, prefix, sizeof(prefix) - 1) == 0) {
        char name[64];
        const char *s = j->err + sizeof(prefix) - 1, *e = strchr(s, '\'');
        snprintf(name, sizeof(name), "%.*s", e ? (int)(e - s) : 0, s);
        http_send_error(j->req, 400, name, "%s", j->err);
    } else if (strcmp(j->kind, "show") == 0 && strncmp(j->err, "no request ", 11) == 0) {
        http_send_error(j->req, 404, NULL, "no request %" PRId64 " in the history",
                        (int64_t)json_integer_value(json_object_get(j->params, "id")));
    } else {
        http_send_error(j->req, 500, NULL, "%s", j->err);
    }
}

static void job_done(uv_work_t *w, int status)
{
    struct http_job *j = w->data;
    jobs_in_flight--;
    if (j->req != NULL) {
        *j->ref = NULL;
        if (j->answer != NULL)
            http_send_body(j->req, 200, j->answer, strlen(j->answer));
        else
            job_send_error(j);
    }
    json_decref(j->params);
    free(j->answer);
    free(j->db_path);
    free(j);
}

/* Queues a history query (params: reference taken). */
static void api_history(h2o_req_t *req, const char *kind, json_t *params)
{
    const char *path = history_path();
    if (path == NULL) {
        json_decref(params);
        http_send_error(req, 503, NULL, "this dmaemud records no history (started with --db off)");
        return;
    }
    if (jobs_in_flight >= HTTP_MAX_JOBS) {
        json_decref(params);
        http_send_error(req, 503, NULL, "%d history queries are running; try again shortly",
                        HTTP_MAX_JOBS);
        return;
    }
    struct http_job *j = calloc(1, sizeof(*j));
    if (j == NULL || (j->db_path = strdup(path)) == NULL) {
        free(j);
        json_decref(params);
        http_send_error(req, 500, NULL, "out of memory");
        return;
    }
    snprintf(j->kind, sizeof(j->kind), "%s", kind);
    j->params = params;
    j->req = req;
    j->ref = h2o_mem_alloc_shared(&req->pool, sizeof(*j->ref), job_request_gone);
    *j->ref = j;
    j->work.data = j;
    jobs_in_flight++;
    uv_queue_work(req->conn->ctx->loop, &j->work, job_run, job_done);
}

/* "/api/transactions/ID": ID a request id from the lists. */
static void api_transaction(h2o_req_t *req, const char *id, size_t len)
{
    int64_t v = 0;
    bool ok = len > 0 && len <= 18;
    for (size_t i = 0; ok && i < len; i++) {
        ok = id[i] >= '0' && id[i] <= '9';
        v = v * 10 + (id[i] - '0');
    }
    if (!ok || v <= 0) {
        http_send_error(req, 400, "id",
                        "parameter 'id': expected a request id (a positive number from "
                        "/api/transactions or /api/requests)");
        return;
    }
    api_history(req, "show", json_pack("{s:I}", "id", (json_int_t)v));
}

/* Routing -------------------------------------------------------------------------------------- */

static bool path_is(h2o_iovec_t path, const char *want)
{
    return h2o_memis(path.base, path.len, want, strlen(want));
}

/* "/api/devices/NAME/registers" */
static bool route_registers(h2o_req_t *req, h2o_iovec_t path)
{
    static const char prefix[] = "/api/devices/", suffix[] = "/registers";
    size_t np = sizeof(prefix) - 1, ns = sizeof(suffix) - 1;
    if (path.len <= np + ns || memcmp(path.base, prefix, np) != 0 ||
        memcmp(path.base + path.len - ns, suffix, ns) != 0)
        return false;
    api_registers(req, path.base + np, path.len - np - ns);
    return true;
}

void http_api_handle(h2o_req_t *req)
{
    static const char *const queries[][2] = {
        {"/api/requests", "requests"}, {"/api/transactions", "transactions"},
        {"/api/stats", "stats"},       {"/api/series", "series"},
        {"/api/faults", "faults"},     {"/api/findings", "findings"},
        {"/api/traces", "traces"},     {"/api/recorded-sessions", "sessions"},
    };
    static const char txn_prefix[] = "/api/transactions/";
    h2o_iovec_t path = req->path_normalized;
    if (path_is(path, "/api/devices")) {
        api_devices(req);
        return;
    }
    if (path_is(path, "/api/daemon")) {
        api_daemon(req);
        return;
    }
    if (path_is(path, "/api/sessions")) {
        api_sessions(req);
        return;
    }
    if (path_is(path, "/api/events")) {
        json_t *params = query_params(req);
        if (params != NULL)
            http_events_open(req, params);
        json_decref(params);
        return;
    }
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        if (path_is(path, queries[i][0])) {
            json_t *params = query_params(req);
            if (params != NULL)
                api_history(req, queries[i][1], params);
            return;
        }
    }
    size_t n = sizeof(txn_prefix) - 1;
    if (path.len > n && memcmp(path.base, txn_prefix, n) == 0) {
        api_transaction(req, path.base + n, path.len - n);
        return;
    }
    if (route_registers(req, path))
        return;
    http_send_error(req, 404, NULL, "no such resource (the API: %s)", api_index);
}
