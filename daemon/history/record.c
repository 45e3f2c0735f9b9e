/*
 * record.c: recorder events copied for the writer queue, and inserted as rows.
 *
 * Rows link to what they belong to: a DMA operation to the transfer whose SG list covers it,
 * a transfer to its transaction, a transaction to its request (by the daemon's number), each
 * to its session. Links are found with indexed lookups inside the batch's transaction, so a
 * rolled-back batch leaves nothing stale behind but the in-memory list of active transfers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmaemu.pb-c.h"
#include "history.h"
#include "history_record.h"

/* Copying (event loop) ------------------------------------------------------------------------ */

/* Called for every recorded event on the event loop, so a plain bounded copy rather than a
 * trip through the printf machinery; truncation matches snprintf's. */
static void put(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* put() of "a<sep>b": a driver event's callback and direction share one field. */
static void put_joined(char *dst, size_t cap, const char *a, char sep, const char *b)
{
    put(dst, cap, a);
    size_t n = strlen(dst);
    if (n + 1 < cap) {
        dst[n] = sep;
        put(dst + n + 1, cap - n - 1, b);
    }
}

static void hrec_copy_driver(struct hrec *r, const Dmaemu__DriverEvent *d)
{
    put(r->s1, sizeof(r->s1), d->kind);
    put(r->s2, sizeof(r->s2), d->phase);
    put_joined(r->s3, sizeof(r->s3), d->callback, '\t', d->direction);
    r->u[0] = d->request;
    r->u[1] = d->transaction;
    r->u[2] = d->transfer;
    r->u[3] = d->length;
    r->u[4] = d->bytes;
    r->u[5] = d->code;
    r->i[0] = d->status;
    if (d->text != NULL && d->text[0] != '\0')
        r->text = strdup(d->text);
    if (d->n_sg > 0 && (r->sg = malloc(d->n_sg * 2 * sizeof(uint64_t))) != NULL) {
        for (size_t i = 0; i < d->n_sg; i++) {
            r->sg[2 * i] = d->sg[i]->address;
            r->sg[2 * i + 1] = d->sg[i]->length;
        }
        r->sg_count = (unsigned)d->n_sg;
    }
}

static void hrec_copy_fields(struct hrec *r, const struct rec_event *e)
{
    switch (e->kind) {
    case REC_SESSION_OPEN:
        put(r->s1, sizeof(r->s1), e->session_open.role);
        put(r->s2, sizeof(r->s2), e->session_open.name);
        put(r->s3, sizeof(r->s3), e->session_open.peer);
        break;
    case REC_SESSION_CLOSE:
    case REC_DEVICE_RESET: put(r->s3, sizeof(r->s3), e->reset.reason); break;
    case REC_AUTH_REFUSED:
        snprintf(r->s3, sizeof(r->s3), "authentication refused from %s: %s", e->auth.peer,
                 e->auth.reason);
        break;
    case REC_DMA:
        r->u[0] = e->dma.channel, r->u[1] = e->dma.to_host, r->u[2] = e->dma.bus_addr;
        /* Models time operations on the monotonic clock; the history is in wall time, and
         * the event is emitted as the operation ends. */
        r->u[3] = e->dma.local_addr, r->u[4] = e->dma.len;
        r->u[5] = e->time_ns - (e->dma.end_ns - e->dma.start_ns);
        r->u[6] = e->time_ns, r->i[0] = e->dma.result;
        put(r->s1, sizeof(r->s1), e->dma.purpose);
        break;
    case REC_IRQ: r->u[0] = e->irq.line, r->u[1] = e->irq.asserted; break;
    case REC_FAULT:
        put(r->s3, sizeof(r->s3), e->fault.what);
        r->u[0] = e->fault.addr, r->i[0] = e->fault.channel;
        break;
    case REC_REQUEST:
        r->u[0] = e->request.number, r->u[1] = e->request.completed;
        r->u[2] = e->request.app_session, r->u[3] = e->request.driver_session;
        r->u[4] = e->request.length, r->u[5] = e->request.offset;
        r->u[6] = e->request.ioctl_code, r->u[7] = e->request.information;
        r->i[0] = e->request.status;
        put(r->s1, sizeof(r->s1), e->request.type);
        break;
    case REC_DRIVER_EVENT: hrec_copy_driver(r, e->driver); break;
    default: break;
    }
}

/* A driver's report of completing a request: the daemon records the completion itself (with
 * what the application got back), and insert_driver_event() ignores the report. */
static bool hrec_redundant(const struct rec_event *e)
{
    const Dmaemu__DriverEvent *d = e->driver;
    return e->kind == REC_DRIVER_EVENT && d->kind != NULL && d->phase != NULL &&
           strcmp(d->kind, "request") == 0 && strcmp(d->phase, "completed") == 0;
}

struct hrec *hrec_copy(const struct rec_event *e)
{
    if (e->kind == REC_REGION_MAP || e->kind == REC_REGION_UNMAP)
        return NULL; /* mappings are not history users ask about */
    if (hrec_redundant(e))
        return NULL; /* not even copied: the event loop pays for every copy */
    struct hrec *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->kind = e->kind;
    r->time_ns = e->time_ns;
    r->session = e->session;
    put(r->device, sizeof(r->device), e->device);
    hrec_copy_fields(r, e);
    return r;
}

void hrec_free(struct hrec *r)
{
    if (r == NULL)
        return;
    free(r->text);
    free(r->sg);
    free(r);
}

void hrec_free_list(struct hrec *r)
{
    while (r != NULL) {
        struct hrec *next = r->next;
        hrec_free(r);
        r = next;
    }
}

/* Statements ---------------------------------------------------------------------------------- */

enum {
    S_SESSION_OPEN,
    S_SESSION_CLOSE,
    S_DEVICE_EVENT,
    S_DMA,
    S_IRQ,
    S_FAULT,
    S_REQ_SUBMIT,
    S_REQ_COMPLETE,
    S_REQ_DISPATCH,
    S_TXN_START,
    S_TXN_END,
    S_XFER_START,
    S_XFER_END,
    S_TXN_COUNT,
    S_FINDING,
    S_TRACE,
    S_SESSION_ROW,
    S_TXN_ROW,
    S_COUNT
};

/* ?1 is always the run. ROW(n): parameter n is a session's or a transaction's row id, found
 * by session_row() or txn_row() (NULL when there is none). */
#define ROW(n) "?" #n

static const char *const statements[S_COUNT] = {
    [S_SESSION_OPEN] = "INSERT INTO sessions(run_id,session_no,role,name,peer,started_ns) "
                       "VALUES(?1,?2,?3,?4,?5,?6)",
    [S_SESSION_CLOSE] = "UPDATE sessions SET ended_ns=?3,end_reason=?4 WHERE run_id=?1 AND "
                        "session_no=?2",
    [S_DEVICE_EVENT] = "INSERT INTO device_events(run_id,device,kind,session_id,reason,time_ns) "
                       "VALUES(?1,?2,?3," ROW(4) ",?5,?6)",
    [S_DMA] = "INSERT INTO dma_ops(run_id,device,session_id,transfer_id,channel,to_host,bus_addr,"
              "local_addr,length,purpose,result,start_ns,end_ns) VALUES(?1,?2," ROW(
                  3) ",?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
    [S_IRQ] = "INSERT INTO interrupts(run_id,device,session_id,kind,line,time_ns,isr_kind,isr_ns,"
              "dpc_ns,deassert_ns) VALUES(?1,?2," ROW(3) ",?4,?5,?6,?7,?8,?9,?10)",
    [S_FAULT] = "INSERT INTO faults(run_id,device,session_id,what,addr,channel,time_ns) "
                "VALUES(?1,?2," ROW(3) ",?4,?5,?6,?7)",
    [S_REQ_SUBMIT] = "INSERT INTO requests(run_id,number,device,app_session_id,"
                     "driver_session_id,type,length,offset,ioctl_code,submitted_ns,dispatched_ns,"
                     "status,information,completed_ns) VALUES(?1,?2,?3," ROW(4) "," ROW(
                         5) ",?6,?7,?8,?9,?10,?11,?12,?13,?14)",
    [S_REQ_COMPLETE] = "UPDATE requests SET status=?3,information=?4,completed_ns=?5 WHERE "
                       "run_id=?1 AND number=?2",
    [S_REQ_DISPATCH] = "UPDATE requests SET dispatched_ns=?3 WHERE run_id=?1 AND number=?2",
    [S_TXN_START] = "INSERT INTO transactions(run_id,session_id,txn_no,device,request_id,"
                    "direction,length,started_ns,profile,bytes,status,ended_ns,transfers) "
                    "VALUES(?1," ROW(2) ",?3,?4,(SELECT id FROM requests WHERE run_id=?1 AND "
                                        "number=?5),?6,?7,?8,?9,?10,?11,?12,?13)",
    [S_TXN_END] = "UPDATE transactions SET bytes=?4,status=?5,ended_ns=?6 WHERE id=" ROW(2),
    [S_XFER_START] = "INSERT INTO transfers(transaction_id,seq,length,sg,programmed_ns,"
                     "completed_ns,how) VALUES(" ROW(2) ",?4,?5,?6,?7,?8,?9)",
    [S_XFER_END] = "UPDATE transfers SET completed_ns=?5,how='completed' WHERE transaction_id=" ROW(
        2) " AND seq=?4",
    [S_TXN_COUNT] = "UPDATE transactions SET transfers=transfers+1 WHERE id=" ROW(2),
    [S_FINDING] = "INSERT INTO findings(run_id,device,session_id,code,callback,text,time_ns) "
                  "VALUES(?1,?2," ROW(3) ",?4,?5,?6,?7)",
    [S_TRACE] = "INSERT INTO traces(run_id,device,session_id,level,function,text,time_ns) "
                "VALUES(?1,?2," ROW(3) ",?4,?5,?6,?7)",
    [S_SESSION_ROW] = "SELECT id FROM sessions WHERE run_id=?1 AND session_no=?2",
    [S_TXN_ROW] = "SELECT id FROM transactions WHERE run_id=?1 AND session_id=?2 AND txn_no=?3 "
                  "ORDER BY id DESC LIMIT 1",
};

static int64_t now_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int hwriter_init(struct hwriter *w, sqlite3 *db, char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->db = db;
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &w->stmt[i],
                               NULL) != SQLITE_OK) {
            snprintf(err, errlen, "history: preparing statement %d: %s", i, sqlite3_errmsg(db));
            hwriter_close(w);
            return -1;
        }
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO runs(started_ns,version) VALUES(?1,?2)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, now_wall_ns());
    sqlite3_bind_text(st, 2, DMAEMU_VERSION, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "history: cannot start a run: %s", sqlite3_errmsg(db));
        hwriter_close(w);
        return -1;
    }
    w->run_id = sqlite3_last_insert_rowid(db);
    return 0;
}

void hwriter_close(struct hwriter *w)
{
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(w->stmt[i]);
    memset(w->stmt, 0, sizeof(w->stmt));
    hwriter_forget_uncommitted(w);
    hrowids_free(&w->rowids);
}

void hwriter_finish_run(struct hwriter *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->db, "UPDATE runs SET ended_ns=?1 WHERE id=?2", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now_wall_ns());
        sqlite3_bind_int64(st, 2, w->run_id);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

/* Active transfers: which transfer a DMA operation belongs to ---------------------------------- */

struct hactive {
    struct hactive *next;
    char device[64];
    uint64_t session, txn;
    uint32_t seq;
    int64_t transfer_id;
    uint64_t *sg; /* addr/len pairs */
    unsigned sg_count;
};

static void hactive_remove(struct hwriter *w, const char *device, uint64_t session, uint64_t txn)
{
    for (struct hactive **pp = &w->active; *pp != NULL;) {
        struct hactive *a = *pp;
        if (a->session == session && a->txn == txn && strcmp(a->device, device) == 0) {
            *pp = a->next;
            free(a->sg);
            free(a);
        } else {
            pp = &a->next;
        }
    }
}

void hwriter_forget_uncommitted(struct hwriter *w)
{
    hrowids_clear(&w->rowids);
    while (w->active != NULL) {
        struct hactive *a = w->active;
        w->active = a->next;
        free(a->sg);
        free(a);
    }
}

static int64_t hactive_find(const struct hwriter *w, const char *device, uint64_t bus)
{
    for (const struct hactive *a = w->active; a != NULL; a = a->next) {
        if (strcmp(a->device, device) != 0)
            continue;
        for (unsigned i = 0; i < a->sg_count; i++)
            if (bus >= a->sg[2 * i] && bus < a->sg[2 * i] + a->sg[2 * i + 1])
                return a->transfer_id;
    }
    return 0;
}

static void hactive_add(struct hwriter *w, const struct hrec *r, int64_t transfer_id)
{
    struct hactive *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return;
    put(a->device, sizeof(a->device), r->device);
    a->session = r->session;
    a->txn = r->u[1];
    a->seq = (uint32_t)r->u[2];
    a->transfer_id = transfer_id;
    a->sg = malloc(r->sg_count * 2 * sizeof(uint64_t) + 1);
    if (a->sg != NULL) {
        memcpy(a->sg, r->sg, r->sg_count * 2 * sizeof(uint64_t));
        a->sg_count = r->sg_count;
    }
    hactive_remove(w, r->device, r->session, r->u[1]); /* one transfer in progress at a time */
    a->next = w->active;
    w->active = a;
}

/* Inserting ------------------------------------------------------------------------------------ */

/* A statement, clean (run() and lookup() leave it so), with the run bound. */
static sqlite3_stmt *stmt(struct hwriter *w, int which)
{
    sqlite3_stmt *st = w->stmt[which];
    sqlite3_bind_int64(st, 1, w->run_id);
    return st;
}

/* Text is bound without a copy: it lives in the record, or is a literal, until run() has
 * stepped the statement and dropped its bindings. (A copy per text was a malloc and a free
 * per column, an eighth of the writer's instructions.) */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s != NULL && s[0] != '\0')
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Steps st once and leaves it clean for the next stmt(). */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* The id a one-column lookup (bound by the caller) finds; 0 for none. */
static int64_t lookup(sqlite3_stmt *st)
{
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return id;
}

/* The row of session number n in this run; 0 (bound as NULL) for none. */
static int64_t session_row(struct hwriter *w, uint64_t n)
{
    int64_t id = hrowids_get(&w->rowids, n, 0);
    if (id != 0 || n == 0)
        return id;
    sqlite3_stmt *st = stmt(w, S_SESSION_ROW);
    sqlite3_bind_int64(st, 2, (int64_t)n);
    if ((id = lookup(st)) != 0)
        hrowids_put(&w->rowids, n, 0, id);
    return id;
}

/* The latest row of transaction number t of session number n (the shim reuses numbers). */
static int64_t txn_row(struct hwriter *w, uint64_t n, uint64_t t)
{
    int64_t id = hrowids_get(&w->rowids, n, t + 1), session = 0;
    if (id != 0 || (session = session_row(w, n)) == 0)
        return id;
    sqlite3_stmt *st = stmt(w, S_TXN_ROW);
    sqlite3_bind_int64(st, 2, session);
    sqlite3_bind_int64(st, 3, (int64_t)t);
    if ((id = lookup(st)) != 0)
        hrowids_put(&w->rowids, n, t + 1, id);
    return id;
}

/* Binds a row id found by session_row() or txn_row(); 0 stays NULL. */
static void bind_row(sqlite3_stmt *st, int i, int64_t id)
{
    if (id != 0)
        sqlite3_bind_int64(st, i, id);
}

static int insert_device_event(struct hwriter *w, const struct hrec *r, const char *kind,
                               const char *reason)
{
    sqlite3_stmt *st = stmt(w, S_DEVICE_EVENT);
    bind_text(st, 2, r->device);
    bind_text(st, 3, kind);
    bind_row(st, 4, session_row(w, r->session));
    bind_text(st, 5, reason);
    sqlite3_bind_int64(st, 6, (int64_t)r->time_ns);
    return run(st);
}

static const char *isr_kind(const struct hrec *r)
{
    return strcmp(r->s2, "claimed") == 0 ? "isr-claimed" : "isr-unclaimed";
}

/* Binds the time of an event folded into the row being written (coalesce.c); without one the
 * column stays NULL, as run() left every parameter. */
static void bind_time(sqlite3_stmt *st, int i, const struct hrec *e)
{
    if (e != NULL)
        sqlite3_bind_int64(st, i, (int64_t)e->time_ns);
}

/* One interrupt event, or an assertion with what followed it in the batch (coalesce.c). */
static int insert_interrupt(struct hwriter *w, const struct hrec *r, const char *kind, int64_t line)
{
    if (r->absorbed)
        return SQLITE_OK;
    sqlite3_stmt *st = stmt(w, S_IRQ);
    bind_text(st, 2, r->device);
    bind_row(st, 3, session_row(w, r->session));
    bind_text(st, 4, kind);
    sqlite3_bind_int64(st, 5, line);
    sqlite3_bind_int64(st, 6, (int64_t)r->time_ns);
    const struct hrec *isr = r->irq[HREC_IRQ_ISR];
    if (isr != NULL)
        bind_text(st, 7, isr_kind(isr));
    bind_time(st, 8, isr);
    bind_time(st, 9, r->irq[HREC_IRQ_DPC]);
    bind_time(st, 10, r->irq[HREC_IRQ_DEASSERT]);
    return run(st);
}

static int insert_request(struct hwriter *w, const struct hrec *r)
{
    sqlite3_stmt *st;
    if (r->absorbed)
        return SQLITE_OK; /* the submission's row holds it */
    if (r->u[1]) {        /* completed */
        st = stmt(w, S_REQ_COMPLETE);
        sqlite3_bind_int64(st, 2, (int64_t)r->u[0]);
        sqlite3_bind_int64(st, 3, r->i[0]);
        sqlite3_bind_int64(st, 4, (int64_t)r->u[7]);
        sqlite3_bind_int64(st, 5, (int64_t)r->time_ns);
        return run(st);
    }
    st = stmt(w, S_REQ_SUBMIT);
    sqlite3_bind_int64(st, 2, (int64_t)r->u[0]);
    bind_text(st, 3, r->device);
    bind_row(st, 4, session_row(w, r->u[2]));
    bind_row(st, 5, session_row(w, r->u[3]));
    bind_text(st, 6, r->s1);
    sqlite3_bind_int64(st, 7, (int64_t)r->u[4]);
    sqlite3_bind_int64(st, 8, (int64_t)r->u[5]);
    sqlite3_bind_int64(st, 9, (int64_t)r->u[6]);
    sqlite3_bind_int64(st, 10, (int64_t)r->time_ns);
    const struct hrec *c = r->end;
    bind_time(st, 11, r->dispatch);
    if (c != NULL) {
        sqlite3_bind_int64(st, 12, c->i[0]);
        sqlite3_bind_int64(st, 13, (int64_t)c->u[7]);
    }
    bind_time(st, 14, c);
    return run(st);
}

static int insert_dma(struct hwriter *w, const struct hrec *r)
{
    sqlite3_stmt *st = stmt(w, S_DMA);
    bind_text(st, 2, r->device);
    bind_row(st, 3, session_row(w, r->session));
    int64_t transfer = hactive_find(w, r->device, r->u[2]);
    if (transfer != 0)
        sqlite3_bind_int64(st, 4, transfer);
    for (int k = 0; k < 5; k++)
        sqlite3_bind_int64(st, 5 + k, (int64_t)r->u[k]); /* channel .. length */
    bind_text(st, 10, r->s1);
    sqlite3_bind_int64(st, 11, r->i[0]);
    sqlite3_bind_int64(st, 12, (int64_t)r->u[5]);
    sqlite3_bind_int64(st, 13, (int64_t)r->u[6]);
    return run(st);
}

/* A statement about r's transaction row (ROW(2)), with that row bound. */
static sqlite3_stmt *txn_stmt(struct hwriter *w, int which, const struct hrec *r)
{
    int64_t txn = txn_row(w, r->session, r->u[1]);
    sqlite3_stmt *st = stmt(w, which);
    bind_row(st, 2, txn);
    return st;
}

static int insert_transaction(struct hwriter *w, const struct hrec *r)
{
    const char *direction = strchr(r->s3, '\t') ? strchr(r->s3, '\t') + 1 : "";
    if (strcmp(r->s2, "initialized") == 0) {
        int64_t session = session_row(w, r->session);
        sqlite3_stmt *st = stmt(w, S_TXN_START);
        bind_row(st, 2, session);
        sqlite3_bind_int64(st, 3, (int64_t)r->u[1]);
        bind_text(st, 4, r->device);
        sqlite3_bind_int64(st, 5, (int64_t)r->u[0]);
        bind_text(st, 6, direction);
        sqlite3_bind_int64(st, 7, (int64_t)r->u[3]);
        sqlite3_bind_int64(st, 8, (int64_t)r->time_ns);
        bind_text(st, 9, r->text); /* the shim names the profile */
        const struct hrec *e = r->end;
        if (e != NULL) {
            sqlite3_bind_int64(st, 10, (int64_t)e->u[4]);
            sqlite3_bind_int64(st, 11, e->i[0]);
        }
        bind_time(st, 12, e);
        sqlite3_bind_int64(st, 13, r->transfers);
        int rc = run(st);
        if (rc == SQLITE_OK) /* the latest row of this transaction number from now on */
            hrowids_put(&w->rowids, r->session, r->u[1] + 1, sqlite3_last_insert_rowid(w->db));
        return rc;
    }
    hactive_remove(w, r->device, r->session, r->u[1]);
    if (r->absorbed)
        return SQLITE_OK;
    sqlite3_stmt *st = txn_stmt(w, S_TXN_END, r);
    sqlite3_bind_int64(st, 4, (int64_t)r->u[4]);
    sqlite3_bind_int64(st, 5, r->i[0]);
    sqlite3_bind_int64(st, 6, (int64_t)r->time_ns);
    return run(st);
}

/* Writes v in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    int n = 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* A transfer's SG list as the column keeps it, "[[addr,len],...]" (malloc'd). Built here on
 * the writer thread, not when the event is copied: a 1 MiB transfer has 256 elements, and the
 * event loop would format them all. */
static char *sg_json(const uint64_t *sg, unsigned count)
{
    char *s = malloc(3 + (size_t)count * 44), *p = s; /* "[", count * "[20,20]," and "]" */
    if (s == NULL)
        return NULL;
    *p++ = '[';
    for (unsigned i = 0; i < count; i++) {
        if (i > 0)
            *p++ = ',';
        *p++ = '[';
        p = put_u64(p, sg[2 * i]);
        *p++ = ',';
        p = put_u64(p, sg[2 * i + 1]);
        *p++ = ']';
    }
    *p++ = ']';
    *p = '\0';
    return s;
}

static int insert_transfer(struct hwriter *w, const struct hrec *r)
{
    if (strcmp(r->s2, "programmed") != 0) {
        if (r->absorbed)
            return SQLITE_OK;
        sqlite3_stmt *st = txn_stmt(w, S_XFER_END, r);
        sqlite3_bind_int64(st, 4, (int64_t)r->u[2]);
        sqlite3_bind_int64(st, 5, (int64_t)r->time_ns);
        return run(st);
    }
    sqlite3_stmt *st = txn_stmt(w, S_XFER_START, r);
    sqlite3_bind_int64(st, 4, (int64_t)r->u[2]);
    sqlite3_bind_int64(st, 5, (int64_t)r->u[3]);
    char *sg = r->sg_count > 0 ? sg_json(r->sg, r->sg_count) : NULL;
    bind_text(st, 6, sg);
    sqlite3_bind_int64(st, 7, (int64_t)r->time_ns);
    bind_time(st, 8, r->end);
    if (r->end != NULL)
        bind_text(st, 9, "completed");
    int rc = run(st);
    free(sg);
    if (rc == SQLITE_OK)
        hactive_add(w, r, sqlite3_last_insert_rowid(w->db));
    if (rc != SQLITE_OK || r->counted)
        return rc; /* counted: its transaction's row, in this batch, has the count */
    return run(txn_stmt(w, S_TXN_COUNT, r));
}

static int insert_text(struct hwriter *w, const struct hrec *r, int which)
{
    sqlite3_stmt *st = stmt(w, which);
    char callback[sizeof(r->s3)];
    put(callback, sizeof(callback), r->s3);
    char *tab = strchr(callback, '\t');
    if (tab != NULL)
        *tab = '\0';
    bind_text(st, 2, r->device);
    bind_row(st, 3, session_row(w, r->session));
    sqlite3_bind_int64(st, 4, (int64_t)r->u[5]);
    bind_text(st, 5, callback);
    bind_text(st, 6, r->text);
    sqlite3_bind_int64(st, 7, (int64_t)r->time_ns);
    return run(st);
}

static int insert_driver_event(struct hwriter *w, const struct hrec *r)
{
    const char *kind = r->s1;
    if (strcmp(kind, "request") == 0 && strcmp(r->s2, "dispatched") == 0) {
        if (r->absorbed)
            return SQLITE_OK;
        sqlite3_stmt *st = stmt(w, S_REQ_DISPATCH);
        sqlite3_bind_int64(st, 2, (int64_t)r->u[0]);
        sqlite3_bind_int64(st, 3, (int64_t)r->time_ns);
        return run(st);
    }
    if (strcmp(kind, "transaction") == 0)
        return insert_transaction(w, r);
    if (strcmp(kind, "transfer") == 0)
        return insert_transfer(w, r);
    if (strcmp(kind, "isr") == 0)
        return insert_interrupt(w, r, isr_kind(r), 0);
    if (strcmp(kind, "dpc") == 0)
        return insert_interrupt(w, r, "dpc", 0);
    if (strcmp(kind, "finding") == 0)
        return insert_text(w, r, S_FINDING);
    if (strcmp(kind, "trace") == 0)
        return insert_text(w, r, S_TRACE);
    if (strcmp(kind, "lifecycle") == 0)
        return insert_device_event(w, r, "driver-failed", r->s2);
    return SQLITE_OK; /* request completions: the daemon's own record is authoritative */
}

int hwriter_insert(struct hwriter *w, const struct hrec *r)
{
    sqlite3_stmt *st;
    int rc;
    switch (r->kind) {
    case REC_SESSION_OPEN:
        st = stmt(w, S_SESSION_OPEN);
        sqlite3_bind_int64(st, 2, (int64_t)r->session);
        bind_text(st, 3, r->s1);
        bind_text(st, 4, r->s2);
        bind_text(st, 5, r->s3);
        sqlite3_bind_int64(st, 6, (int64_t)r->time_ns);
        if ((rc = run(st)) == SQLITE_OK)
            hrowids_put(&w->rowids, r->session, 0, sqlite3_last_insert_rowid(w->db));
        return rc;
    case REC_SESSION_CLOSE:
        st = stmt(w, S_SESSION_CLOSE);
        sqlite3_bind_int64(st, 2, (int64_t)r->session);
        sqlite3_bind_int64(st, 3, (int64_t)r->time_ns);
        bind_text(st, 4, r->s3);
        return run(st);
    case REC_ATTACH: return insert_device_event(w, r, "attach", NULL);
    case REC_DETACH: return insert_device_event(w, r, "detach", NULL);
    case REC_DEVICE_RESET: return insert_device_event(w, r, "reset", r->s3);
    case REC_DMA: return insert_dma(w, r);
    case REC_IRQ: return insert_interrupt(w, r, r->u[1] ? "assert" : "deassert", (int64_t)r->u[0]);
    case REC_AUTH_REFUSED:
    case REC_FAULT:
        st = stmt(w, S_FAULT);
        bind_text(st, 2, r->device);
        bind_row(st, 3, session_row(w, r->session));
        bind_text(st, 4, r->s3);
        sqlite3_bind_int64(st, 5, (int64_t)r->u[0]);
        sqlite3_bind_int64(st, 6, r->kind == REC_FAULT ? r->i[0] : -1);
        sqlite3_bind_int64(st, 7, (int64_t)r->time_ns);
        return run(st);
    case REC_REQUEST: return insert_request(w, r);
    case REC_DRIVER_EVENT: return insert_driver_event(w, r);
    default: return SQLITE_OK;
    }
}

/* Retention ------------------------------------------------------------------------------------ */

/* Sessions are kept while open and go once ended long enough ago (ended_ns): the rows of a
 * driver that runs for days keep their session. */
static const struct {
    const char *table, *time;
} retained[] = {
    {"dma_ops", "start_ns"},      {"interrupts", "time_ns"},      {"traces", "time_ns"},
    {"faults", "time_ns"},        {"findings", "time_ns"},        {"device_events", "time_ns"},
    {"requests", "submitted_ns"}, {"transactions", "started_ns"}, {"sessions", "ended_ns"},
};

/* A slice per call, so recording never waits long behind it. */
#define RETENTION_SLICE 20000

/* Deletes the oldest slice of a table: rows older than cutoff, or (cutoff < 0) any rows. */
static void retention_delete(sqlite3 *db, const char *table, const char *time_col, int64_t cutoff)
{
    char sql[256];
    if (cutoff >= 0)
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE %s < ?1 ORDER BY id "
                 "LIMIT %d)",
                 table, table, time_col, RETENTION_SLICE);
    else
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE id IN (SELECT id FROM %s ORDER BY id LIMIT %d)", table,
                 table, RETENTION_SLICE);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (cutoff >= 0)
            sqlite3_bind_int64(st, 1, cutoff);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

static int64_t db_bytes(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t bytes = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT page_count * page_size FROM pragma_page_count, "
                           "pragma_page_size",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        bytes = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return bytes;
}

/* By size: the oldest tenth of every table per pass, passes until under the limit (at most a
 * few per call, so recording never waits long). */
static void retention_by_size(sqlite3 *db, uint64_t max_bytes)
{
    for (int pass = 0; pass < 5 && (uint64_t)db_bytes(db) > max_bytes; pass++) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (size_t i = 0; i < sizeof(retained) / sizeof(retained[0]); i++) {
            char sql[320];
            snprintf(sql, sizeof(sql),
                     "DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE %s IS NOT NULL ORDER "
                     "BY id LIMIT MAX(1, (SELECT COUNT(*) FROM %s) / 10))",
                     retained[i].table, retained[i].table, retained[i].time, retained[i].table);
            sqlite3_exec(db, sql, NULL, NULL, NULL);
        }
        sqlite3_exec(db,
                     "DELETE FROM transfers WHERE transaction_id NOT IN (SELECT id FROM "
                     "transactions)",
                     NULL, NULL, NULL);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
    }
}

void hwriter_retention(struct hwriter *w, uint64_t max_age_s, uint64_t max_bytes)
{
    sqlite3 *db = w->db;
    if (max_age_s != 0) {
        int64_t cutoff = now_wall_ns() - (int64_t)max_age_s * 1000000000;
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (size_t i = 0; i < sizeof(retained) / sizeof(retained[0]); i++)
            retention_delete(db, retained[i].table, retained[i].time, cutoff);
        sqlite3_exec(db,
                     "DELETE FROM transfers WHERE transaction_id NOT IN (SELECT id FROM "
                     "transactions)",
                     NULL, NULL, NULL);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    if (max_bytes != 0)
        retention_by_size(db, max_bytes);
    hrowids_clear(&w->rowids); /* some of those rows may be gone */
}
