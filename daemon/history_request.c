/*
 * history_request.c: HistoryQuery requests, answered on libuv's thread pool with a read-only
 * connection of their own, so a query over a million rows never holds up the event loop.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "device.h"
#include "handlers.h"
#include "history.h"
#include "server.h"

struct history_job {
    uv_work_t work;
    struct server *server;
    uint64_t session_id; /* the session may close while the query runs */
    uint32_t request_id;
    enum session_stream stream; /* the reply goes back on it */
    char *kind, *params, *path;
    char *answer; /* JSON */
    char err[512];
};

/* The registry is fixed once the daemon runs: workers may read the names. */
bool history_is_device(const char *name)
{
    return device_find(name) != NULL;
}

static void history_job_run(uv_work_t *w)
{
    struct history_job *j = w->data;
    sqlite3 *db;
    if (history_db_open(j->path, true, &db, j->err, sizeof(j->err)) < 0)
        return;
    json_error_t jerr;
    json_t *params = json_loads(j->params[0] ? j->params : "{}", 0, &jerr);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    json_t *answer =
        params ? history_query(db, j->kind, params, now, history_is_device, j->err, sizeof(j->err))
               : NULL;
    if (params == NULL)
        snprintf(j->err, sizeof(j->err), "parameters are not a JSON object: %s", jerr.text);
    if (answer != NULL)
        j->answer = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    json_decref(params);
    sqlite3_close(db);
}

static struct session *history_job_session(struct history_job *j)
{
    for (struct session *s = j->server->sessions; s != NULL; s = s->next)
        if (s->id == j->session_id && !s->conn.closing)
            return s;
    return NULL;
}

static void history_job_done(uv_work_t *w, int status)
{
    struct history_job *j = w->data;
    struct session *s = history_job_session(j);
    if (s != NULL)
        session_resume_stream(s, j->stream);
    if (s != NULL && j->answer != NULL) {
        Dmaemu__HistoryReply r = DMAEMU__HISTORY_REPLY__INIT;
        r.json = j->answer;
        session_send(s, DMAEMU__MSG_TYPE__MSG_HISTORY_REPLY, FRAME_REPLY, j->request_id, &r.base,
                     NULL, 0);
    } else if (s != NULL) {
        session_error(s, j->request_id, DMAEMU__ERROR_CODE__E_INVALID, "%s", j->err);
    }
    if (s != NULL)
        session_resume_stream(s, SESSION_STREAM_MAIN);
    free(j->answer);
    free(j->kind);
    free(j->params);
    free(j->path);
    free(j);
}

HANDLER(session_history_query)
{
    const Dmaemu__HistoryQuery *m = (const Dmaemu__HistoryQuery *)msg;
    const char *path = history_path();
    if (path == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_UNSUPPORTED,
                      "this dmaemud records no history (started with --db off)");
        return;
    }
    struct history_job *j = calloc(1, sizeof(*j));
    if (j == NULL || (j->kind = strdup(m->kind)) == NULL ||
        (j->params = strdup(m->params)) == NULL || (j->path = strdup(path)) == NULL) {
        if (j != NULL) {
            free(j->kind);
            free(j->params);
        }
        free(j);
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "out of memory");
        return;
    }
    j->server = s->server;
    j->session_id = s->id;
    j->request_id = id;
    j->stream = s->stream;
    j->work.data = j;
    uv_queue_work(s->server->loop, &j->work, history_job_run, history_job_done);
}
