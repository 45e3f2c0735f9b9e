/*
 * test_history.c: the daemon's transaction history (SQLite, one batched writer thread) as users
 * rely on it, over UNIX: dmaemud records, `dmaemu history|show|stats` answer (online through the
 * daemon, and offline with --db PATH), and the database file itself is checked with sqlite3.
 *
 * Covered:
 *   1. a stress run (four application threads, a fake RAM driver, a device without driver): after
 *      SIGTERM the database holds exactly the requests the applications saw, nothing lost,
 *      nothing doubled, every field as the application got it, every session ended; the same
 *      with pci9656, whose transactions, transfers and DMA operations must add up to what the
 *      applications moved and to the driver's own counters;
 *   2. the sample KMDF driver pci9656 (plain and --fragment): `show` has the transaction, its
 *      transfers with SG lists adding up to the request, the DMA operations of each transfer
 *      inside its SG elements, and the interrupts;
 *   3. every filter of `dmaemu history`, online and offline, text and JSON, giving exactly the
 *      expected ids;
 *   4. cursor pagination while another thread keeps adding requests: no duplicate, no gap;
 *   5. bad parameters (exit 2, the parameter named), unknown ids (exit 1), a newer schema
 *      (refused by dmaemud and by the CLI), an older one (upgraded);
 *   6. SIGKILL: the database opens intact and holds every request completed more than a batch
 *      window (plus a second of margin) before the kill; a new daemon continues it;
 *   7. retention by age (also with pci9656, whose session outlives the age limit) and by size:
 *      old rows go, recent ones stay, recording continues;
 *   8. `dmaemu stats`: counts and bytes per device as sent;
 *   9. a full disk (a 2 MiB tmpfs, when this runs as root and may mount): recording pauses
 *      loudly, emulation goes on, recording resumes and loses nothing.
 *
 * Nothing sleeps to synchronise: the database is polled (bounded) until the rows are committed,
 * processes are waited for through pidfds, logs are polled with deadlines. The only waits on the
 * clock are the ones a time filter needs (rows separated by whole seconds), also bounded.
 */
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fake_driver.h"
#include "history.h"
#include "pci9656_app.h"

#define MiB               (1u << 20)
#define BATCH_WINDOW_MS   200   /* the writer's batch window */
#define COMMIT_TIMEOUT_MS 15000 /* rows reach the database */
#define RETENTION_WAIT_MS 25000 /* retention runs every 10 s */
#define PROC_TIMEOUT_MS   30000 /* a CLI run, or a refusing daemon */

/* Fixture: one daemon per test, started by the test (configurations vary) ------------------ */

static struct fixture fx = {.tcp = false};
static char db_path[400];   /* the running (or last) daemon's database */
static char extra_dir[256]; /* a directory of the test's own, removed by teardown */
static char old_dir[256];   /* a stopped daemon's directory, removed by teardown */
static char mount_dir[300]; /* a tmpfs mounted by the test, unmounted by teardown */
static struct fake_driver *fakes[4];

/* Open handles, closed before their connection (by h_close_conn, or teardown). */
#define MAX_FILES 64

static struct open_file {
    dmaemu_t *c;
    dmaemu_file_t *f;
} files[MAX_FILES];

static void h_close_files(dmaemu_t *c);

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tree(char *dir)
{
    if (dir[0] == '\0')
        return;
    if (getenv("DMAEMU_TEST_KEEP") != NULL)
        fprintf(stderr, "test_history: keeping %s\n", dir);
    else
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    dir[0] = '\0';
}

/* The daemon's and the drivers' logs: itest.h's failure hook, for hfail and the shared helpers
 * (pci9656_wait_serving). */
static void h_dump_logs(void)
{
    drv_dump_logs(fx.d.log_path[0] ? fx.d.log_path : NULL);
}

static int h_setup(void **state)
{
    itest_fail_hook = h_dump_logs;
    memset(&fx.d, 0, sizeof(fx.d));
    fx.d.pid = -1;
    memset(fx.clients, 0, sizeof(fx.clients));
    fx.child = 0;
    irq_watch_init(&fx.irq);
    memset(fakes, 0, sizeof(fakes));
    memset(files, 0, sizeof(files));
    db_path[0] = extra_dir[0] = old_dir[0] = mount_dir[0] = '\0';
    return 0;
}

/* Teardown: drivers and clients go first; a daemon still running must be alive and exit 0. */
static int h_teardown(void **state)
{
    int rc = 0;
    drv_cleanup();
    h_close_files(NULL);
    for (int i = 0; i < 4; i++) {
        fake_driver_stop(fakes[i]);
        fakes[i] = NULL;
    }
    for (int i = 0; i < FX_MAX_CLIENTS; i++) {
        if (fx.clients[i] != NULL)
            dmaemu_close(fx.clients[i]);
        fx.clients[i] = NULL;
    }
    if (fx.d.pid > 0) {
        if (!harness_alive(&fx.d)) {
            fprintf(stderr, "test_history: dmaemud died during the test\n");
            rc = -1;
        }
        if (harness_stop(&fx.d) != 0)
            rc = -1;
    } else {
        remove_tree(fx.d.dir);
    }
    remove_tree(old_dir);
    if (mount_dir[0] != '\0') {
        umount2(mount_dir, MNT_DETACH);
        mount_dir[0] = '\0';
    }
    remove_tree(extra_dir);
    return rc;
}

#define H_TEST(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)

/* fail_msg with the daemon's and the drivers' logs first (h_dump_logs, the failure hook). */
#define hfail(...) itest_fail(__VA_ARGS__)

/* Starts the test's daemon; db: the database the config names, NULL for the default one. */
static void h_start(const char *config, const char *db)
{
    if (harness_start(&fx.d, config) < 0)
        fail_msg("dmaemud did not start");
    if (db != NULL)
        snprintf(db_path, sizeof(db_path), "%s", db);
    else /* the harness points XDG_STATE_HOME at the daemon's directory */
        snprintf(db_path, sizeof(db_path), "%s/dmaemu/history.db", fx.d.dir);
}

static void make_extra_dir(void)
{
    snprintf(extra_dir, sizeof(extra_dir), "/tmp/dmaemu-hist-XXXXXX");
    if (mkdtemp(extra_dir) == NULL)
        fail_msg("mkdtemp: %s", strerror(errno));
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* Waits up to timeout_ms for pid; true with *status. */
static bool pid_wait(pid_t pid, int timeout_ms, int *status)
{
    struct drv d = {.pid = pid};
    bool ok = drv_wait_exit(&d, timeout_ms);
    *status = d.status;
    return ok;
}

/* SIGTERM: returns the daemon's exit code (-1: it did not exit); its directory stays. */
static int h_term(void)
{
    int status;
    pid_t pid = fx.d.pid;
    kill(pid, SIGTERM);
    if (!pid_wait(pid, 15000, &status)) {
        kill(pid, SIGKILL);
        pid_wait(pid, 15000, &status);
        fx.d.pid = -1;
        return -1;
    }
    fx.d.pid = -1;
    return exit_code(status);
}

static void h_kill(void)
{
    int status;
    assert_int_equal(kill(fx.d.pid, SIGKILL), 0);
    if (!pid_wait(fx.d.pid, 15000, &status))
        fail_msg("dmaemud survived SIGKILL");
    fx.d.pid = -1;
}

static struct fake_driver *h_fake(const char *device, enum fake_mode mode)
{
    int slot = 0;
    while (slot < 4 && fakes[slot] != NULL)
        slot++;
    if (slot == 4)
        fail_msg("too many fake drivers");
    struct fake_driver_options o = {
        .uri = harness_uri(&fx.d, false), .device = device, .name = "fake-driver", .mode = mode};
    int rc = fake_driver_start(&o, &fakes[slot]);
    if (rc != 0)
        hfail("fake driver on %s: %d (%s): %s", device, rc, dmaemu_strerror(rc),
              dmaemu_last_error());
    return fakes[slot];
}

static dmaemu_file_t *h_open(dmaemu_t *c, const char *device)
{
    int slot = 0;
    while (slot < MAX_FILES && files[slot].f != NULL)
        slot++;
    if (slot == MAX_FILES)
        hfail("too many open handles");
    dmaemu_file_t *f = NULL;
    int rc = dmaemu_open(c, device, &f);
    if (rc != 0 || f == NULL)
        hfail("open %s: %d (%s): %s", device, rc, dmaemu_strerror(rc), dmaemu_last_error());
    files[slot] = (struct open_file){.c = c, .f = f};
    return f;
}

/* Closes c's handles (c == NULL: every handle). */
static void h_close_files(dmaemu_t *c)
{
    for (int i = 0; i < MAX_FILES; i++) {
        if (files[i].f != NULL && (c == NULL || files[i].c == c)) {
            dmaemu_file_close(files[i].f);
            files[i] = (struct open_file){0};
        }
    }
}

/* Closes an application connection of the fixture, and its handles first. */
static void h_close_conn(dmaemu_t *c)
{
    h_close_files(c);
    fx_close(&fx, c);
}

/* Running programs (the CLI, dmaemud) with their output captured ----------------------------- */

extern char **environ;

struct outbuf {
    char *p;
    size_t len, cap;
};

static void outbuf_add(struct outbuf *b, const char *src, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = '\0';
}

struct proc {
    int code; /* exit code; -1: it did not finish in time (killed) */
    char *out, *err;
};

static void proc_free(struct proc *p)
{
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

/* Runs argv[0] with stdout and stderr captured; bounded by PROC_TIMEOUT_MS. */
static struct proc run_prog(char *const argv[])
{
    struct proc r = {.code = -1};
    struct outbuf out = {0}, err = {0};
    outbuf_add(&out, "", 0);
    outbuf_add(&err, "", 0);
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
        fail_msg("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        fail_msg("cannot run %s: %s", argv[0], strerror(rc));
    }
    int64_t deadline = itest_now_ms() + PROC_TIMEOUT_MS;
    struct pollfd p[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    bool timed_out = false;
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        int64_t left = deadline - itest_now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            timed_out = true;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            char buf[16384];
            ssize_t got = read(p[i].fd, buf, sizeof(buf));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
            } else {
                outbuf_add(i == 0 ? &out : &err, buf, (size_t)got);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    int status;
    int64_t left = deadline - itest_now_ms();
    if (timed_out || !pid_wait(pid, left > 1000 ? (int)left : 1000, &status)) {
        fprintf(stderr, "test_history: %s did not finish within %d ms; killing it\n", argv[0],
                PROC_TIMEOUT_MS);
        kill(pid, SIGKILL);
        pid_wait(pid, 10000, &status);
    } else {
        r.code = exit_code(status);
    }
    r.out = out.p;
    r.err = err.p;
    return r;
}

/* The CLI: online (db NULL: through the fixture's daemon) or offline (--db db). */
static struct proc cli(const char *db, const char *const args[])
{
    char *argv[48];
    int n = 0;
    argv[n++] = (char *)DMAEMU_CLI_PATH;
    if (db == NULL) {
        argv[n++] = (char *)"--daemon";
        argv[n++] = (char *)harness_uri(&fx.d, false);
    }
    for (int i = 0; args[i] != NULL && n < 44; i++)
        argv[n++] = (char *)args[i];
    if (db != NULL) {
        argv[n++] = (char *)"--db";
        argv[n++] = (char *)db;
    }
    argv[n] = NULL;
    return run_prog(argv);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void describe_args(const char *const args[], char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; args[i] != NULL && n + 1 < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", args[i]);
}

/* `dmaemu ARGS --json` must succeed; its answer. */
static json_t *cli_json(const char *db, const char *const args[])
{
    const char *full[40];
    int n = 0;
    for (int i = 0; args[i] != NULL && n < 38; i++)
        full[n++] = args[i];
    full[n++] = "--json";
    full[n] = NULL;
    struct proc p = cli(db, full);
    char what[512];
    describe_args(full, what, sizeof(what));
    if (p.code != 0) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", p.err);
        proc_free(&p);
        hfail("dmaemu %s%s: exit %d: %s", what, db ? " (offline)" : "", p.code, msg);
    }
    json_error_t e;
    json_t *j = json_loads(p.out, 0, &e);
    if (j == NULL) {
        fprintf(stderr, "output: %.2000s\n", p.out);
        proc_free(&p);
        hfail("dmaemu %s: the output is not JSON: %s", what, e.text);
    }
    proc_free(&p);
    return j;
}

/* Ids --------------------------------------------------------------------------------------- */

#define MAX_IDS 20000

struct ids {
    size_t n;
    int64_t v[MAX_IDS];
};

static void ids_from_json(json_t *answer, struct ids *out)
{
    json_t *rows = json_object_get(answer, "requests");
    if (!json_is_array(rows))
        hfail("the answer has no \"requests\" array");
    out->n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (out->n == MAX_IDS)
            hfail("more than %d rows", MAX_IDS);
        out->v[out->n++] = json_integer_value(json_object_get(r, "id"));
    }
}

/* The ids in the text form: the first column of the lines after the header. */
static void ids_from_text(const char *text, struct ids *out)
{
    out->n = 0;
    const char *line = strchr(text, '\n');
    if (strncmp(text, "ID ", 3) != 0 || line == NULL)
        hfail("the text output lacks its header: \"%.200s\"", text);
    for (line++; *line != '\0';) {
        if (*line >= '0' && *line <= '9' && out->n < MAX_IDS)
            out->v[out->n++] = strtoll(line, NULL, 10);
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

static void ids_print(const char *label, const int64_t *v, size_t n)
{
    fprintf(stderr, "  %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 60; i++)
        fprintf(stderr, " %lld", (long long)v[i]);
    fprintf(stderr, n > 60 ? " ...\n" : "\n");
}

static void expect_ids(const char *what, const struct ids *got, const int64_t *want, size_t nwant)
{
    bool same = got->n == nwant;
    for (size_t i = 0; same && i < nwant; i++)
        same = got->v[i] == want[i];
    if (!same) {
        ids_print("got", got->v, got->n);
        ids_print("expected", want, nwant);
        hfail("%s: not the expected rows", what);
    }
}

/* The database, read directly --------------------------------------------------------------- */

static sqlite3 *db_open(const char *path, bool rw)
{
    sqlite3 *db = NULL;
    int flags = rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        hfail("sqlite3 cannot open %s: %s", path, msg);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        hfail("sqlite3: %s: %s", sql, sqlite3_errmsg(db));
    return st;
}

/* The one integer a query returns (printf-style SQL). */
static int64_t db_int(sqlite3 *db, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        hfail("sqlite3: %s: no row (%d, %s)", sql, rc, msg);
    }
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void db_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

#define CUR_RUN "(SELECT MAX(id) FROM runs)"

/* Polls (bounded) until the current run has at least n completed requests. */
static void db_wait_completed(const char *path, int64_t n)
{
    sqlite3 *db = db_open(path, false);
    int64_t deadline = itest_now_ms() + COMMIT_TIMEOUT_MS, got = 0;
    while ((got = db_int(db, "SELECT COUNT(*) FROM requests WHERE run_id = " CUR_RUN
                             " AND completed_ns IS NOT NULL")) < n) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("only %lld of %lld completed requests reached the database within %d ms",
                  (long long)got, (long long)n, COMMIT_TIMEOUT_MS);
        }
        itest_backoff();
    }
    sqlite3_close(db);
}

/* Makes a database file holding nothing but PRAGMA user_version = version. */
static void make_versioned_db(const char *path, int version)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        fail_msg("sqlite3 cannot create %s", path);
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Application requests ---------------------------------------------------------------------- */

enum { T_READ, T_WRITE, T_IOCTL };
static const char *const type_names[] = {"read", "write", "ioctl"};

/* A request as the application sent it and saw it completed. */
struct rq {
    uint64_t number;
    const char *device;
    int type;
    uint64_t offset;
    uint32_t length;
    uint32_t code;
    int32_t status;
    uint64_t information;
    uint64_t session;     /* the application's session */
    int64_t submit_ns;    /* wall clock, just before sending */
    int64_t done_mono_ms; /* monotonic, when the completion arrived */
    int64_t id;           /* its history id, once looked up */
    int phase, app;       /* for the filter tests */
};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One synchronous request; 0, or -1 with err set (usable from any thread). */
static int send_req(dmaemu_t *c, dmaemu_file_t *f, const char *device, int type, uint64_t off,
                    uint32_t len, struct rq *out, char *err, size_t errlen)
{
    /* The data starts 3 bytes into a page, as an application's buffer may. */
    static _Thread_local uint8_t mem[2][262144 + 8192] __attribute__((aligned(4096)));
    uint8_t *buf[2] = {mem[0] + 3, mem[1] + 3};
    if (len > 262144) {
        snprintf(err, errlen, "request too long for the test's buffers");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->device = device;
    out->type = type;
    out->offset = off;
    out->length = len;
    out->session = dmaemu_session_id(c);
    out->submit_ns = wall_ns();
    struct dmaemu_io_result r;
    int rc;
    switch (type) {
    case T_READ: rc = dmaemu_read(f, off, buf[0], len, &r); break;
    case T_WRITE:
        pattern_fill(buf[0], len, (unsigned)off);
        rc = dmaemu_write(f, off, buf[0], len, &r);
        break;
    default: /* an IOCTL has no offset */
        out->code = FAKE_IOCTL_REVERSE;
        out->offset = 0;
        pattern_fill(buf[0], len, 7);
        rc = dmaemu_ioctl(f, FAKE_IOCTL_REVERSE, buf[0], len, buf[1], len, &r);
        break;
    }
    out->done_mono_ms = itest_now_ms();
    if (rc != 0) {
        snprintf(err, errlen, "%s of %u bytes at %llu on %s: %d (%s): %s", type_names[type], len,
                 (unsigned long long)off, device, rc, dmaemu_strerror(rc), dmaemu_last_error());
        return -1;
    }
    out->number = r.number;
    out->status = r.status;
    out->information = r.information;
    return 0;
}

/* The same, failing the test on error (main thread). */
static struct rq req(dmaemu_t *c, dmaemu_file_t *f, const char *device, int type, uint64_t off,
                     uint32_t len)
{
    struct rq r;
    char err[512];
    if (send_req(c, f, device, type, off, len, &r, err, sizeof(err)) < 0)
        hfail("%s", err);
    return r;
}

/* What the fake RAM driver (1 MiB) answers, or the daemon when no driver is attached. */
static void fake_expect(const struct rq *q, bool driver, int32_t *status, uint64_t *info)
{
    *info = 0;
    if (!driver) {
        *status = STATUS_DEVICE_NOT_CONNECTED;
        return;
    }
    *status = STATUS_SUCCESS;
    if (q->type == T_WRITE && q->offset + q->length > FAKE_DRIVER_DEFAULT_SIZE)
        *status = STATUS_INVALID_PARAMETER;
    else if (q->type == T_READ && q->offset >= FAKE_DRIVER_DEFAULT_SIZE)
        *status = STATUS_INVALID_PARAMETER;
    else if (q->type == T_READ && q->offset + q->length > FAKE_DRIVER_DEFAULT_SIZE)
        *info = FAKE_DRIVER_DEFAULT_SIZE - q->offset;
    else
        *info = q->length;
}

/* (1) Stress consistency ------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_EACH    1000
#define BURST          8

struct burst {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned done;
    struct burst_slot {
        struct burst *b;
        int rc;
        struct dmaemu_io_result res;
        int64_t done_ms;
        uint8_t buf[4096];
    } slot[BURST];
};

static void burst_done(void *arg, int rc, const struct dmaemu_io_result *res)
{
    struct burst_slot *s = arg;
    pthread_mutex_lock(&s->b->mu);
    s->rc = rc;
    s->res = *res;
    s->done_ms = itest_now_ms();
    s->b->done++;
    pthread_cond_broadcast(&s->b->cv);
    pthread_mutex_unlock(&s->b->mu);
}

struct stress_arg {
    dmaemu_t *c;
    dmaemu_file_t *f0, *f1; /* plx0 (the fake driver), plx1 (no driver) */
    uint64_t session;       /* c's, kept for after c is closed */
    unsigned index;
    struct rq *out; /* STRESS_EACH */
    size_t n;
    char error[512];
};

/* Asynchronous writes and reads, BURST at a time, waited for with a deadline. */
static int stress_burst(struct stress_arg *a, uint64_t *x)
{
    /* On the heap: if the completions time out, callbacks may still come, so it is leaked. */
    struct burst *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        snprintf(a->error, sizeof(a->error), "out of memory");
        return -1;
    }
    itest_cond_init(&b->mu, &b->cv);
    unsigned sent = 0;
    for (unsigned k = 0; k < BURST && a->n + k < STRESS_EACH; k++) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        struct rq *q = &a->out[a->n + k];
        memset(q, 0, sizeof(*q));
        q->device = "plx0";
        q->type = k % 2 ? T_READ : T_WRITE;
        q->length = 1 + (uint32_t)(*x % 4096);
        q->offset = (*x >> 20) % (FAKE_DRIVER_DEFAULT_SIZE - 4096);
        q->session = dmaemu_session_id(a->c);
        q->submit_ns = wall_ns();
        struct burst_slot *slot = &b->slot[k];
        slot->b = b;
        int rc = q->type == T_WRITE
                     ? dmaemu_write_async(a->f0, q->offset, slot->buf, q->length, burst_done, slot)
                     : dmaemu_read_async(a->f0, q->offset, slot->buf, q->length, burst_done, slot);
        if (rc != 0) {
            snprintf(a->error, sizeof(a->error), "thread %u: async request: %d (%s)", a->index, rc,
                     dmaemu_last_error());
            break;
        }
        sent++;
    }
    struct timespec dl = itest_deadline(ITEST_TIMEOUT_MS);
    pthread_mutex_lock(&b->mu);
    int rc = 0;
    while (b->done < sent && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &dl);
    unsigned done = b->done;
    pthread_mutex_unlock(&b->mu);
    if (done < sent) {
        snprintf(a->error, sizeof(a->error), "thread %u: %u of %u async requests completed",
                 a->index, done, sent);
        return -1;
    }
    for (unsigned k = 0; k < sent && a->error[0] == '\0'; k++) {
        struct rq *q = &a->out[a->n + k];
        q->number = b->slot[k].res.number;
        q->status = b->slot[k].res.status;
        q->information = b->slot[k].res.information;
        q->done_mono_ms = b->slot[k].done_ms;
        if (b->slot[k].rc != 0 || q->status != STATUS_SUCCESS || q->information != q->length)
            snprintf(a->error, sizeof(a->error),
                     "thread %u: async %s of %u: rc %d status 0x%08X information %llu", a->index,
                     type_names[q->type], q->length, b->slot[k].rc, (unsigned)q->status,
                     (unsigned long long)q->information);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
    a->n += sent;
    return a->error[0] ? -1 : 0;
}

static void *stress_main(void *arg)
{
    struct stress_arg *a = arg;
    uint64_t x = 0x9E3779B97F4A7C15ull * (a->index + 1);
    while (a->n < STRESS_EACH) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned kind = (unsigned)(x % 20);
        if (kind == 0 && stress_burst(a, &x) < 0)
            return NULL;
        if (kind == 0)
            continue;
        bool none = kind == 1; /* plx1: no driver */
        int type = kind < 8 ? T_WRITE : kind < 15 ? T_READ : T_IOCTL;
        uint32_t len =
            type == T_IOCTL ? 1 + (uint32_t)((x >> 8) % 256) : 1 + (uint32_t)((x >> 8) % 8192);
        uint64_t off = (x >> 24) % (FAKE_DRIVER_DEFAULT_SIZE - 8192);
        if (kind == 2) /* a write running past the end of the RAM */
            off = FAKE_DRIVER_DEFAULT_SIZE - len / 2;
        if (kind == 3) /* a read starting beyond it */
            type = T_READ, off = FAKE_DRIVER_DEFAULT_SIZE + 10;
        if (kind == 4) /* a read running past it: short */
            type = T_READ, off = FAKE_DRIVER_DEFAULT_SIZE - len / 2;
        struct rq *q = &a->out[a->n];
        if (send_req(a->c, none ? a->f1 : a->f0, none ? "plx1" : "plx0", type, off, len, q,
                     a->error, sizeof(a->error)) < 0)
            return NULL;
        int32_t status;
        uint64_t info;
        fake_expect(q, !none, &status, &info);
        if (q->status != status || q->information != info) {
            snprintf(a->error, sizeof(a->error),
                     "thread %u: %s of %u at %llu on %s: status 0x%08X info %llu, expected "
                     "0x%08X %llu",
                     a->index, type_names[type], len, (unsigned long long)off, q->device,
                     (unsigned)q->status, (unsigned long long)q->information, (unsigned)status,
                     (unsigned long long)info);
            return NULL;
        }
        a->n++;
    }
    return NULL;
}

static int cmp_rq_number(const void *a, const void *b)
{
    uint64_t x = ((const struct rq *)a)->number, y = ((const struct rq *)b)->number;
    return x < y ? -1 : x > y;
}

/* The database holds exactly the n requests (numbers from `from` on, this run) as the
 * applications saw them: nothing lost, nothing doubled, every field equal; requests to plx0
 * went to the driver session drv_session, the others to none. */
static void expect_db_requests(sqlite3 *db, struct rq *all, size_t n, uint64_t from,
                               uint64_t drv_session)
{
    unsigned per_type[3] = {0};
    for (size_t k = 0; k < n; k++)
        per_type[all[k].type]++;
    qsort(all, n, sizeof(all[0]), cmp_rq_number);
    for (size_t k = 1; k < n; k++)
        if (all[k].number == all[k - 1].number)
            hfail("the applications got request number %llu twice",
                  (unsigned long long)all[k].number);
    int64_t rows =
        db_int(db, "SELECT COUNT(*) FROM requests WHERE run_id = " CUR_RUN " AND number >= %llu",
               (unsigned long long)from);
    if (rows != (int64_t)n)
        hfail("the database holds %lld requests; the applications sent %zu", (long long)rows, n);
    for (int t = 0; t < 3; t++) {
        int64_t c = db_int(db,
                           "SELECT COUNT(*) FROM requests WHERE type = '%s' AND run_id = " CUR_RUN
                           " AND number >= %llu",
                           type_names[t], (unsigned long long)from);
        if (c != per_type[t])
            hfail("%lld %s requests in the database; the applications sent %u", (long long)c,
                  type_names[t], per_type[t]);
    }
    sqlite3_stmt *st = db_prepare(
        db, "SELECT r.number, r.device, r.type, r.length, r.offset, r.ioctl_code, r.status, "
            "r.information, r.submitted_ns, r.completed_ns, a.session_no, d.session_no "
            "FROM requests r LEFT JOIN sessions a ON a.id = r.app_session_id "
            "LEFT JOIN sessions d ON d.id = r.driver_session_id WHERE r.run_id = " CUR_RUN
            " AND r.number >= ?1 ORDER BY r.number");
    sqlite3_bind_int64(st, 1, (int64_t)from);
    size_t i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const struct rq *q = &all[i < n ? i : n - 1];
        uint64_t number = (uint64_t)sqlite3_column_int64(st, 0);
        const char *dev = (const char *)sqlite3_column_text(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        bool routed = strcmp(q->device, "plx0") == 0;
        char what[128];
        snprintf(what, sizeof(what), "request %llu (%s of %u on %s)", (unsigned long long)q->number,
                 type_names[q->type], q->length, q->device);
        if (i >= n || number != q->number) {
            sqlite3_finalize(st);
            hfail("row %zu of the database is request %llu; the applications' is %s", i,
                  (unsigned long long)number, i < n ? what : "(none)");
        }
        if (dev == NULL || strcmp(dev, q->device) != 0 || type == NULL ||
            strcmp(type, type_names[q->type]) != 0 ||
            sqlite3_column_int64(st, 3) != (int64_t)q->length ||
            sqlite3_column_int64(st, 4) != (int64_t)q->offset ||
            sqlite3_column_int64(st, 5) != (int64_t)q->code ||
            sqlite3_column_type(st, 6) != SQLITE_INTEGER ||
            sqlite3_column_int64(st, 6) != q->status ||
            sqlite3_column_int64(st, 7) != (int64_t)q->information ||
            sqlite3_column_type(st, 9) != SQLITE_INTEGER ||
            sqlite3_column_int64(st, 9) < sqlite3_column_int64(st, 8) ||
            sqlite3_column_int64(st, 10) != (int64_t)q->session ||
            (routed ? sqlite3_column_int64(st, 11) != (int64_t)drv_session
                    : sqlite3_column_type(st, 11) != SQLITE_NULL)) {
            fprintf(stderr,
                    "  database: %s %s len %lld off %lld code %lld status %lld info %lld "
                    "submitted %lld completed %lld app session %lld driver session %lld\n",
                    dev ? dev : "NULL", type ? type : "NULL",
                    (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
                    (long long)sqlite3_column_int64(st, 5), (long long)sqlite3_column_int64(st, 6),
                    (long long)sqlite3_column_int64(st, 7), (long long)sqlite3_column_int64(st, 8),
                    (long long)sqlite3_column_int64(st, 9), (long long)sqlite3_column_int64(st, 10),
                    (long long)sqlite3_column_int64(st, 11));
            fprintf(stderr,
                    "  application: len %u off %llu code %u status %lld info %llu app session "
                    "%llu driver session %llu\n",
                    q->length, (unsigned long long)q->offset, q->code, (long long)q->status,
                    (unsigned long long)q->information, (unsigned long long)q->session,
                    routed ? (unsigned long long)drv_session : 0ull);
            sqlite3_finalize(st);
            hfail("%s: the database does not hold what the application saw", what);
        }
        i++;
    }
    sqlite3_finalize(st);
    assert_int_equal(i, n);
}

static void test_stress_consistency(void **state)
{
    h_start(NULL, NULL);
    struct fake_driver *drv = h_fake("plx0", FAKE_WORKER);
    uint64_t drv_session = dmaemu_session_id(fake_driver_conn(drv));
    static struct stress_arg args[STRESS_THREADS];
    static struct rq sent[STRESS_THREADS][STRESS_EACH];
    pthread_t th[STRESS_THREADS];
    for (unsigned i = 0; i < STRESS_THREADS; i++) {
        dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "stress-app");
        args[i] = (struct stress_arg){.c = c,
                                      .f0 = h_open(c, "plx0"),
                                      .f1 = h_open(c, "plx1"),
                                      .session = dmaemu_session_id(c),
                                      .index = i,
                                      .out = sent[i]};
    }
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, stress_main, &args[i]), 0);
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        pthread_join(th[i], NULL);
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        if (args[i].error[0] != '\0')
            hfail("%s", args[i].error);

    /* Two applications leave before the daemon stops, two (and the driver) are still connected
     * at SIGTERM: every session must end either way, and everything must be committed. */
    h_close_conn(args[0].c);
    h_close_conn(args[1].c);
    int code = h_term();
    if (code != 0)
        hfail("dmaemud exited with %d after SIGTERM, expected 0", code);

    static struct rq all[STRESS_THREADS * STRESS_EACH];
    size_t n = 0;
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        for (size_t k = 0; k < args[i].n; k++)
            all[n++] = sent[i][k];
    assert_int_equal(n, STRESS_THREADS * STRESS_EACH);

    sqlite3 *db = db_open(db_path, false);
    char text[256];
    db_text(db, "PRAGMA integrity_check", text, sizeof(text));
    if (strcmp(text, "ok") != 0)
        hfail("integrity_check: %s", text);
    assert_int_equal(db_int(db, "SELECT COUNT(*) FROM runs"), 1);
    assert_int_equal(db_int(db, "SELECT COUNT(*) FROM runs WHERE ended_ns IS NULL"), 0);
    expect_db_requests(db, all, n, 0, drv_session);

    /* Every session row ended: the applications that left, and those SIGTERM ended. */
    int64_t open_sessions = db_int(db, "SELECT COUNT(*) FROM sessions WHERE ended_ns IS NULL");
    if (open_sessions != 0)
        hfail("%lld session rows never ended", (long long)open_sessions);
    for (unsigned t = 0; t < STRESS_THREADS; t++)
        if (db_int(db, "SELECT COUNT(*) FROM sessions WHERE session_no = %llu AND role = 'app'",
                   (unsigned long long)args[t].session) != 1)
            hfail("no session row for application %u (session %llu)", t,
                  (unsigned long long)args[t].session);
    if (db_int(db, "SELECT COUNT(*) FROM sessions WHERE session_no = %llu AND role = 'driver'",
               (unsigned long long)drv_session) != 1)
        hfail("no session row for the driver (session %llu)", (unsigned long long)drv_session);
    sqlite3_close(db);
}

/* (2) pci9656: show ------------------------------------------------------------------------- */

static const char pci_config[] = "[device plx0]\n"
                                 "model = plx9656\n"
                                 "sram_size = 1M\n";

/* The history id of request `number` (online listing, polled until it is committed). */
static int64_t id_of_number(uint64_t number)
{
    int64_t deadline = itest_now_ms() + COMMIT_TIMEOUT_MS;
    for (;;) {
        json_t *j = cli_json(NULL, ARGS("history", "--limit", "10000"));
        int64_t id = -1;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(j, "requests"), i, r)
        {
            if ((uint64_t)json_integer_value(json_object_get(r, "number")) == number)
                id = json_integer_value(json_object_get(r, "id"));
        }
        json_decref(j);
        if (id >= 0)
            return id;
        if (itest_now_ms() > deadline)
            hfail("request number %llu is not in the history after %d ms",
                  (unsigned long long)number, COMMIT_TIMEOUT_MS);
        itest_backoff();
    }
}

static int64_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        char *s = json_dumps(o, JSON_COMPACT);
        fprintf(stderr, "  object: %.1500s\n", s ? s : "?");
        free(s);
        hfail("\"%s\" is not an integer", key);
    }
    return json_integer_value(v);
}

/* Everything the driver reports about the request has reached the database. */
static bool show_settled(json_t *r)
{
    json_t *txns = json_object_get(r, "transactions");
    if (!json_is_integer(json_object_get(r, "completed_ns")) || json_array_size(txns) == 0)
        return false;
    size_t i, k;
    json_t *t, *x;
    json_array_foreach(txns, i, t)
    {
        if (!json_is_integer(json_object_get(t, "ended_ns")) ||
            json_array_size(json_object_get(t, "transfers")) == 0)
            return false;
        json_array_foreach(json_object_get(t, "transfers"), k, x)
        {
            if (!json_is_integer(json_object_get(x, "completed_ns")))
                return false;
        }
    }
    return true;
}

static json_t *show_settled_json(int64_t id)
{
    char ids[32];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    int64_t deadline = itest_now_ms() + COMMIT_TIMEOUT_MS;
    for (;;) {
        json_t *r = cli_json(NULL, ARGS("show", ids));
        if (show_settled(r))
            return r;
        if (itest_now_ms() > deadline) {
            char *s = json_dumps(r, JSON_INDENT(1));
            fprintf(stderr, "%.4000s\n", s ? s : "?");
            free(s);
            json_decref(r);
            hfail("request %lld: its transactions and transfers never all completed in the "
                  "history",
                  (long long)id);
        }
        json_decref(r);
        itest_backoff();
    }
}

/* Checks one request's timeline: transaction(s), transfers with SG lists totalling the request,
 * the DMA operations of each transfer inside its SG elements and covering it, interrupts. */
static void check_show(json_t *r, const struct rq *q, bool fragment)
{
    if (strcmp(json_string_value(json_object_get(r, "type")), type_names[q->type]) != 0 ||
        jint(r, "length") != q->length || jint(r, "offset") != (int64_t)q->offset ||
        jint(r, "status") != STATUS_SUCCESS || jint(r, "information") != q->length ||
        (uint64_t)jint(r, "number") != q->number)
        hfail("show of request %llu: its fields differ from the %s of %u bytes at %llu",
              (unsigned long long)q->number, type_names[q->type], q->length,
              (unsigned long long)q->offset);
    int64_t total = 0, ops_total = 0;
    bool scattered = false;
    size_t i, k, e, o;
    json_t *t, *x, *el, *op;
    json_array_foreach(json_object_get(r, "transactions"), i, t)
    {
        json_t *xfers = json_object_get(t, "transfers");
        const char *dir = json_string_value(json_object_get(t, "direction"));
        if (dir == NULL || strcmp(dir, type_names[q->type]) != 0)
            hfail("transaction %zu: direction \"%s\" for a %s", i, dir ? dir : "(null)",
                  type_names[q->type]);
        if (jint(t, "status") != STATUS_SUCCESS)
            hfail("transaction %zu: status 0x%08X", i, (unsigned)jint(t, "status"));
        if (jint(t, "transfer_count") != (int64_t)json_array_size(xfers))
            hfail("transaction %zu: transfer_count %lld but %zu transfers listed", i,
                  (long long)jint(t, "transfer_count"), json_array_size(xfers));
        int64_t txn_total = 0;
        json_array_foreach(xfers, k, x)
        {
            int64_t xlen = jint(x, "length"), sg_total = 0, op_sum = 0;
            json_t *sg = json_object_get(x, "sg");
            if (!json_is_array(sg) || json_array_size(sg) == 0)
                hfail("transaction %zu transfer %zu has no SG list", i, k);
            int64_t prev_end = -1;
            json_array_foreach(sg, e, el)
            {
                int64_t addr = json_integer_value(json_array_get(el, 0));
                int64_t len = json_integer_value(json_array_get(el, 1));
                if (len <= 0)
                    hfail("transfer %zu: SG element %zu of %lld bytes", k, e, (long long)len);
                if (prev_end >= 0 && addr != prev_end)
                    scattered = true;
                prev_end = addr + len;
                sg_total += len;
            }
            if (sg_total != xlen)
                hfail("transfer %zu: its SG list covers %lld bytes, its length is %lld", k,
                      (long long)sg_total, (long long)xlen);
            json_array_foreach(json_object_get(x, "dma_ops"), o, op)
            {
                int64_t bus = jint(op, "bus_addr"), len = jint(op, "length");
                bool inside = false;
                json_array_foreach(sg, e, el)
                {
                    int64_t addr = json_integer_value(json_array_get(el, 0));
                    int64_t elen = json_integer_value(json_array_get(el, 1));
                    inside |= bus >= addr && bus + len <= addr + elen;
                }
                if (!inside)
                    hfail("transfer %zu: DMA operation at bus 0x%llx (%lld bytes) lies outside "
                          "its SG elements",
                          k, (unsigned long long)bus, (long long)len);
                if (jint(op, "to_host") != (q->type == T_READ))
                    hfail("transfer %zu: a DMA operation %s host memory for a %s", k,
                          jint(op, "to_host") ? "writes" : "reads", type_names[q->type]);
                if (jint(op, "result") != 0)
                    hfail("transfer %zu: a DMA operation failed (%lld)", k,
                          (long long)jint(op, "result"));
                op_sum += len;
            }
            if (op_sum != xlen)
                hfail("transfer %zu: its DMA operations move %lld bytes, the transfer %lld", k,
                      (long long)op_sum, (long long)xlen);
            ops_total += op_sum;
            txn_total += xlen;
        }
        if (jint(t, "length") != txn_total || jint(t, "bytes") != txn_total)
            hfail("transaction %zu: length %lld bytes %lld, its transfers %lld", i,
                  (long long)jint(t, "length"), (long long)jint(t, "bytes"), (long long)txn_total);
        total += txn_total;
    }
    if (total != q->length || ops_total != q->length)
        hfail("request %llu of %u bytes: transfers total %lld, DMA operations %lld",
              (unsigned long long)q->number, q->length, (long long)total, (long long)ops_total);
    if (fragment && !scattered)
        hfail("--fragment, yet every SG list of request %llu is contiguous",
              (unsigned long long)q->number);
    /* Each transfer ends with the done interrupt: the line rises, then the ISR's write drops it
     * and its report comes in (events an assertion's row holds come out as events of their
     * own, in time order). */
    bool up = false, down = false, claimed = false;
    int64_t prev = 0;
    json_array_foreach(json_object_get(r, "interrupts"), i, t)
    {
        const char *kind = json_string_value(json_object_get(t, "kind"));
        int64_t time = jint(t, "time_ns");
        if (time < prev)
            hfail("request %llu: interrupt events out of time order",
                  (unsigned long long)q->number);
        prev = time;
        kind = kind ? kind : "";
        up |= strcmp(kind, "assert") == 0;
        down |= up && strcmp(kind, "deassert") == 0;
        claimed |= up && strcmp(kind, "isr-claimed") == 0;
    }
    if (!up || !down || !claimed)
        hfail("request %llu: its timeline lacks an assertion followed by its deassertion and a "
              "claiming ISR (assert %d, deassert %d, isr-claimed %d)",
              (unsigned long long)q->number, up, down, claimed);
}

static void pci_show(bool fragment)
{
    h_start(pci_config, NULL);
    struct drv *d = drv_start(&fx, PCI9656_DRIVER_PATH, "plx0", fragment ? "--fragment" : NULL);
    dmaemu_t *app = fx_connect(&fx, DMAEMU_ROLE_APP, "history-pci");
    dmaemu_file_t *f = h_open(app, "plx0");
    pci9656_wait_serving(d, f);

    /* A write and a read of odd sizes at odd offsets, several pages each. */
    const uint32_t wlen = 65536 + 13, rlen = 40000;
    struct rq w = req(app, f, "plx0", T_WRITE, 4097, wlen);
    struct rq r = req(app, f, "plx0", T_READ, 4097 + 100, rlen);
    if (w.status != STATUS_SUCCESS || w.information != wlen || r.status != STATUS_SUCCESS ||
        r.information != rlen)
        hfail("pci9656: write 0x%08X/%llu, read 0x%08X/%llu", (unsigned)w.status,
              (unsigned long long)w.information, (unsigned)r.status,
              (unsigned long long)r.information);

    struct rq *qs[2] = {&w, &r};
    for (int i = 0; i < 2; i++) {
        int64_t id = id_of_number(qs[i]->number);
        json_t *online = show_settled_json(id);
        check_show(online, qs[i], fragment);
        /* The offline form and the text form tell the same. */
        char ids[32];
        snprintf(ids, sizeof(ids), "%lld", (long long)id);
        json_t *offline = cli_json(db_path, ARGS("show", ids));
        if (!json_equal(online, offline))
            hfail("show %s: the offline answer differs from the online one", ids);
        json_decref(offline);
        json_decref(online);
        struct proc p = cli(NULL, ARGS("show", ids));
        bool ok = p.code == 0 && strstr(p.out, "transaction") != NULL &&
                  strstr(p.out, "transfer 1") != NULL && strstr(p.out, "dma ch") != NULL &&
                  strstr(p.out, "interrupt assert") != NULL;
        if (!ok)
            fprintf(stderr, "%s%s", p.out, p.err);
        proc_free(&p);
        if (!ok)
            hfail("show %s (text): exit %d, or a part of the timeline is missing", ids, p.code);
    }
    drv_stop(&fx, d, 0);
}

static void test_show_pci9656(void **state)
{
    pci_show(false);
}

static void test_show_pci9656_fragment(void **state)
{
    pci_show(true);
}

/* (1b) Stress with the real driver: what the driver saw, too ------------------------------- */

#define PSTRESS_THREADS 4
#define PSTRESS_ROUNDS  40
#define PSTRESS_RANGE   (MiB / PSTRESS_THREADS) /* each thread's own part of the SRAM */

/* IOCTL_PCI9656_GET_INFO, which must succeed; the request as the application saw it. */
static struct rq pci_get_info(dmaemu_t *c, dmaemu_file_t *f, PCI9656_INFO *info)
{
    struct dmaemu_io_result r;
    struct rq q = {.device = "plx0",
                   .type = T_IOCTL,
                   .length = sizeof(*info),
                   .code = IOCTL_PCI9656_GET_INFO,
                   .session = dmaemu_session_id(c)};
    int rc = dmaemu_ioctl(f, IOCTL_PCI9656_GET_INFO, NULL, 0, info, sizeof(*info), &r);
    if (rc != 0 || r.status != STATUS_SUCCESS || r.information != sizeof(*info))
        hfail("GET_INFO: rc %d status 0x%08X information %llu", rc, (unsigned)r.status,
              (unsigned long long)r.information);
    q.number = r.number;
    q.status = r.status;
    q.information = r.information;
    return q;
}

struct pstress_arg {
    dmaemu_t *c;
    dmaemu_file_t *f;
    unsigned index;
    struct rq out[2 * PSTRESS_ROUNDS];
    size_t n;
    char error[512];
};

static void *pstress_main(void *arg)
{
    struct pstress_arg *a = arg;
    uint64_t x = 0x2545F4914F6CDD1Dull * (a->index + 7);
    uint64_t base = (uint64_t)a->index * PSTRESS_RANGE;
    for (unsigned round = 0; round < PSTRESS_ROUNDS; round++) {
        for (int t = T_READ; t <= T_WRITE; t++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* Now and then more than a transfer's 128 KiB: several transfers. */
            uint32_t len = 1 + (uint32_t)(x % (round % 4 == 0 ? 200000 : 65536));
            uint64_t off = base + (x >> 20) % (PSTRESS_RANGE - len + 1);
            struct rq *q = &a->out[a->n];
            if (send_req(a->c, a->f, "plx0", 1 - t, off, len, q, a->error, sizeof(a->error)) < 0)
                return NULL;
            if (q->status != STATUS_SUCCESS || q->information != len) {
                snprintf(a->error, sizeof(a->error), "thread %u: %s of %u at %llu: 0x%08X %llu",
                         a->index, type_names[q->type], len, (unsigned long long)off,
                         (unsigned)q->status, (unsigned long long)q->information);
                return NULL;
            }
            a->n++;
        }
    }
    return NULL;
}

/* WPP messages reach the history up to the driver's --trace-level: information by default
 * (the sample traces each transfer at verbose), verbose on request, none when off; a level
 * the shim does not know stops the driver with a message. */
static void test_trace_levels(void **state)
{
    static const struct {
        const char *option;
        int64_t max_level; /* of the run's trace rows; 0: none */
    } runs[] = {{NULL, 4}, {"--trace-level=verbose", 5}, {"--trace-level=off", 0}};
    h_start(pci_config, NULL);
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        struct drv *d = drv_start(&fx, PCI9656_DRIVER_PATH, "plx0", runs[i].option);
        dmaemu_t *app = fx_connect(&fx, DMAEMU_ROLE_APP, "trace-app");
        dmaemu_file_t *f = h_open(app, "plx0");
        pci9656_wait_serving(d, f);
        req(app, f, "plx0", T_WRITE, 0, 4096);
        req(app, f, "plx0", T_READ, 0, 4096);
        drv_stop(&fx, d, 0);
        h_close_conn(app);
    }
    struct drv *bad = drv_start(&fx, PCI9656_DRIVER_PATH, "plx0", "--trace-level=loud");
    drv_expect_exit(&fx, bad, 2, DRV_EXIT_TIMEOUT_MS);
    char *log = drv_slurp(bad->log);
    bool says = strstr(log, "--trace-level 'loud'") != NULL && strstr(log, "verbose") != NULL;
    free(log);
    if (!says)
        hfail("--trace-level=loud: the driver's message does not name the option and the levels");
    int code = h_term();
    if (code != 0)
        hfail("dmaemud exited with %d after SIGTERM, expected 0", code);

    sqlite3 *db = db_open(db_path, false);
    sqlite3_stmt *st =
        db_prepare(db, "SELECT COUNT(t.id), COALESCE(MAX(t.level), 0) FROM sessions s "
                       "LEFT JOIN traces t ON t.session_id = s.id WHERE s.role = "
                       "'driver' GROUP BY s.id ORDER BY s.id");
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        if (sqlite3_step(st) != SQLITE_ROW)
            hfail("no driver session for run %zu", i);
        int64_t count = sqlite3_column_int64(st, 0), max = sqlite3_column_int64(st, 1);
        if (max != runs[i].max_level || (runs[i].max_level > 0) != (count > 0))
            hfail("%s: %lld trace rows up to level %lld, expected up to %lld",
                  runs[i].option ? runs[i].option : "the default level", (long long)count,
                  (long long)max, (long long)runs[i].max_level);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_stress_pci9656(void **state)
{
    h_start(pci_config, NULL);
    struct drv *d = drv_start(&fx, PCI9656_DRIVER_PATH, "plx0", "--fragment");
    dmaemu_t *app = fx_connect(&fx, DMAEMU_ROLE_APP, "pstress-info");
    dmaemu_file_t *f = h_open(app, "plx0");
    pci9656_wait_serving(d, f);
    static struct rq all[PSTRESS_THREADS * 2 * PSTRESS_ROUNDS + 2];
    size_t n = 0;
    PCI9656_INFO before, after;
    all[n++] = pci_get_info(app, f, &before);
    uint64_t from = all[0].number;

    static struct pstress_arg args[PSTRESS_THREADS];
    pthread_t th[PSTRESS_THREADS];
    for (unsigned i = 0; i < PSTRESS_THREADS; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].c = fx_connect(&fx, DMAEMU_ROLE_APP, "pstress-app");
        args[i].f = h_open(args[i].c, "plx0");
        args[i].index = i;
    }
    for (unsigned i = 0; i < PSTRESS_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pstress_main, &args[i]), 0);
    for (unsigned i = 0; i < PSTRESS_THREADS; i++)
        pthread_join(th[i], NULL);
    for (unsigned i = 0; i < PSTRESS_THREADS; i++)
        if (args[i].error[0] != '\0')
            hfail("%s", args[i].error);
    all[n++] = pci_get_info(app, f, &after);
    uint64_t written = 0, read = 0;
    for (unsigned i = 0; i < PSTRESS_THREADS; i++)
        for (size_t k = 0; k < args[i].n; k++) {
            all[n++] = args[i].out[k];
            *(args[i].out[k].type == T_WRITE ? &written : &read) += args[i].out[k].information;
        }
    if (after.BytesWritten - before.BytesWritten != written ||
        after.BytesRead - before.BytesRead != read)
        hfail("the driver counted %llu bytes written, %llu read; the applications %llu, %llu",
              (unsigned long long)(after.BytesWritten - before.BytesWritten),
              (unsigned long long)(after.BytesRead - before.BytesRead), (unsigned long long)written,
              (unsigned long long)read);
    drv_stop(&fx, d, 0);
    int code = h_term();
    if (code != 0)
        hfail("dmaemud exited with %d after SIGTERM, expected 0", code);

    sqlite3 *db = db_open(db_path, false);
    int64_t drv_session = db_int(db, "SELECT session_no FROM sessions WHERE role = 'driver'");
    expect_db_requests(db, all, n, from, (uint64_t)drv_session);

    /* Each read and write has its transaction(s), moving what the request returned; the
     * IOCTLs have none. */
    sqlite3_stmt *st = db_prepare(
        db, "SELECT COUNT(t.id), COALESCE(SUM(t.bytes), 0), COUNT(t.ended_ns), "
            "COALESCE(MAX(t.status != 0), 0), COALESCE(SUM(t.direction != r.type), 0) FROM "
            "requests r LEFT JOIN transactions t ON t.request_id = r.id WHERE r.number = ?1");
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (int64_t)all[i].number);
        if (sqlite3_step(st) != SQLITE_ROW)
            hfail("request %llu: no row", (unsigned long long)all[i].number);
        int64_t count = sqlite3_column_int64(st, 0), bytes = sqlite3_column_int64(st, 1);
        bool ok = all[i].type == T_IOCTL
                      ? count == 0
                      : count >= 1 && bytes == (int64_t)all[i].information &&
                            sqlite3_column_int64(st, 2) == count &&
                            sqlite3_column_int64(st, 3) == 0 && sqlite3_column_int64(st, 4) == 0;
        if (!ok) {
            sqlite3_finalize(st);
            hfail("request %llu (%s of %u): %lld transactions moving %lld bytes, not what the "
                  "application saw (%llu bytes)",
                  (unsigned long long)all[i].number, type_names[all[i].type], all[i].length,
                  (long long)count, (long long)bytes, (unsigned long long)all[i].information);
        }
    }
    sqlite3_finalize(st);
    /* The transfers are the driver's DMA transfers, their lengths its byte counters, every one
     * completed with an SG list; the data DMA operations are all linked to them. */
    int64_t transfers = db_int(db, "SELECT COUNT(*) FROM transfers");
    if ((uint64_t)transfers != after.DmaTransfersCompleted - before.DmaTransfersCompleted)
        hfail("%lld transfers recorded; the driver completed %llu", (long long)transfers,
              (unsigned long long)(after.DmaTransfersCompleted - before.DmaTransfersCompleted));
    int64_t w = db_int(db, "SELECT COALESCE(SUM(x.length), 0) FROM transfers x JOIN transactions "
                           "t ON t.id = x.transaction_id WHERE t.direction = 'write'");
    int64_t r = db_int(db, "SELECT COALESCE(SUM(x.length), 0) FROM transfers x JOIN transactions "
                           "t ON t.id = x.transaction_id WHERE t.direction = 'read'");
    if ((uint64_t)w != written || (uint64_t)r != read)
        hfail("transfers: %lld bytes written, %lld read; the driver %llu, %llu", (long long)w,
              (long long)r, (unsigned long long)written, (unsigned long long)read);
    assert_int_equal(db_int(db, "SELECT COUNT(*) FROM transfers WHERE completed_ns IS NULL OR sg "
                                "IS NULL OR sg = '[]'"),
                     0);
    int64_t linked = db_int(db, "SELECT COALESCE(SUM(length), 0) FROM dma_ops WHERE purpose = "
                                "'data' AND transfer_id IS NOT NULL");
    int64_t unlinked = db_int(db, "SELECT COUNT(*) FROM dma_ops WHERE purpose = 'data' AND "
                                  "transfer_id IS NULL");
    if ((uint64_t)linked != written + read || unlinked != 0)
        hfail("data DMA operations: %lld bytes linked to transfers (expected %llu), %lld not "
              "linked",
              (long long)linked, (unsigned long long)(written + read), (long long)unlinked);
    assert_int_equal(db_int(db, "SELECT COUNT(*) FROM sessions WHERE ended_ns IS NULL"), 0);
    assert_true(db_int(db, "SELECT COUNT(*) FROM interrupts WHERE kind = 'assert'") > 0);
    /* Schema 3: the assertions' rows hold what followed them in their batch. */
    assert_true(db_int(db, "SELECT COUNT(*) FROM interrupts WHERE kind = 'assert' AND isr_ns IS "
                           "NOT NULL AND deassert_ns IS NOT NULL") > 0);
    sqlite3_close(db);
}

/* A data set for the filters and stats: two applications, a fake driver on plx0, no driver on
 * plx1, two phases apart in time ---------------------------------------------------------- */

#define DS_MAX 16

struct dataset {
    struct rq q[DS_MAX];
    size_t n;
    uint64_t session[2], driver_session;
    time_t boundary; /* phase 1 before, phase 2 at or after (whole seconds, wall clock) */
};

struct ds_step {
    int app, phase;
    const char *device;
    int type;
    uint64_t off;
    uint32_t len;
};

static const struct ds_step ds_steps[] = {
    {0, 1, "plx0", T_WRITE, 0, 100},
    {0, 1, "plx0", T_READ, 0, 4096},
    {0, 1, "plx0", T_IOCTL, 0, 16},
    {0, 1, "plx0", T_WRITE, 8192, 10000},
    {0, 1, "plx1", T_READ, 0, 50}, /* STATUS_DEVICE_NOT_CONNECTED */
    {1, 1, "plx0", T_WRITE, 20000, 3000},
    {1, 1, "plx1", T_WRITE, 0, 7},                               /* STATUS_DEVICE_NOT_CONNECTED */
    {1, 1, "plx0", T_WRITE, FAKE_DRIVER_DEFAULT_SIZE - 10, 100}, /* STATUS_INVALID_PARAMETER */
    {1, 2, "plx0", T_READ, 0, 20000},
    {1, 2, "plx0", T_IOCTL, 0, 64},
    {0, 2, "plx0", T_WRITE, 0, 5000},
};

#define DS_GAP_S 4 /* seconds between the phases, for the relative time filters */

static void ds_run(struct dataset *ds, bool gap)
{
    memset(ds, 0, sizeof(*ds));
    struct fake_driver *drv = h_fake("plx0", FAKE_SYNC);
    ds->driver_session = dmaemu_session_id(fake_driver_conn(drv));
    dmaemu_t *c[2];
    dmaemu_file_t *f[2][2];
    for (int a = 0; a < 2; a++) {
        c[a] = fx_connect(&fx, DMAEMU_ROLE_APP, a ? "app-b" : "app-a");
        ds->session[a] = dmaemu_session_id(c[a]);
        f[a][0] = h_open(c[a], "plx0");
        f[a][1] = h_open(c[a], "plx1");
    }
    for (size_t i = 0; i < sizeof(ds_steps) / sizeof(ds_steps[0]); i++) {
        const struct ds_step *s = &ds_steps[i];
        if (s->phase == 2 && ds->q[ds->n - 1].phase == 1 && gap) {
            /* Phase 2 starts on a whole second, and DS_GAP_S seconds after phase 1. */
            int64_t last = wall_ns();
            ds->boundary = (time_t)(last / 1000000000) + 1;
            int64_t until = (int64_t)ds->boundary * 1000000000;
            if (until < last + DS_GAP_S * 1000000000ll)
                until = last + DS_GAP_S * 1000000000ll;
            ds->boundary = (time_t)((until + 999999999) / 1000000000);
            int64_t deadline = itest_now_ms() + (DS_GAP_S + 3) * 1000;
            while (wall_ns() < (int64_t)ds->boundary * 1000000000 + 1000000) {
                if (itest_now_ms() > deadline)
                    hfail("the wall clock did not advance as expected");
                struct timespec ts = {0, 10000000};
                nanosleep(&ts, NULL);
            }
        }
        bool plx1 = strcmp(s->device, "plx1") == 0;
        struct rq q = req(c[s->app], f[s->app][plx1], s->device, s->type, s->off, s->len);
        q.app = s->app;
        q.phase = s->phase;
        int32_t status;
        uint64_t info;
        fake_expect(&q, !plx1, &status, &info);
        if (q.status != status || q.information != info)
            hfail("data set step %zu: status 0x%08X info %llu, expected 0x%08X %llu", i,
                  (unsigned)q.status, (unsigned long long)q.information, (unsigned)status,
                  (unsigned long long)info);
        ds->q[ds->n++] = q;
    }
    db_wait_completed(db_path, (int64_t)ds->n);
    /* The history ids of the requests, from the full listing: exactly the data set. */
    json_t *j = cli_json(NULL, ARGS("history", "--limit", "10000"));
    json_t *rows = json_object_get(j, "requests");
    if (json_array_size(rows) != ds->n)
        hfail("the history lists %zu requests, the data set has %zu", json_array_size(rows), ds->n);
    for (size_t i = 0; i < ds->n; i++) {
        ds->q[i].id = -1;
        size_t k;
        json_t *r;
        json_array_foreach(rows, k, r)
        {
            if ((uint64_t)json_integer_value(json_object_get(r, "number")) == ds->q[i].number)
                ds->q[i].id = json_integer_value(json_object_get(r, "id"));
        }
        if (ds->q[i].id < 0)
            hfail("request number %llu is not in the history", (unsigned long long)ds->q[i].number);
    }
    json_decref(j);
}

/* (3) Filters ------------------------------------------------------------------------------ */

/* What a filter selects, in terms of the data set. */
struct fspec {
    const char *device;
    uint64_t session; /* 0: any */
    const char *type; /* NULL: any */
    int status;       /* 0 any, 1 ok, 2 error */
    int phase;        /* 0 any, 1 or 2, 3 none */
    uint32_t min_size;
};

static size_t fspec_expect(const struct dataset *ds, const struct fspec *s, int64_t *want)
{
    size_t n = 0;
    for (size_t i = 0; i < ds->n; i++) {
        const struct rq *q = &ds->q[i];
        bool routed = strcmp(q->device, "plx0") == 0;
        if ((s->device && strcmp(s->device, q->device) != 0) ||
            (s->session && s->session != q->session &&
             !(routed && s->session == ds->driver_session)) ||
            (s->type && strcmp(s->type, type_names[q->type]) != 0) ||
            (s->status == 1 && q->status < 0) || (s->status == 2 && q->status >= 0) ||
            (s->phase == 3) || (s->phase && s->phase != q->phase) || q->length < s->min_size)
            continue;
        want[n++] = q->id;
    }
    return n;
}

/* Runs `dmaemu history ARGS` online and offline, JSON and text: all give exactly want. */
static void expect_filter(const char *const args[], const int64_t *want, size_t nwant, bool quick)
{
    const char *full[32];
    int n = 0;
    full[n++] = "history";
    for (int i = 0; args[i] != NULL; i++)
        full[n++] = args[i];
    full[n] = NULL;
    char what[400], label[480];
    describe_args(full, what, sizeof(what));
    static struct ids got;

    json_t *online = cli_json(NULL, full);
    ids_from_json(online, &got);
    snprintf(label, sizeof(label), "dmaemu %s --json", what);
    expect_ids(label, &got, want, nwant);

    json_t *offline = cli_json(db_path, full);
    ids_from_json(offline, &got);
    snprintf(label, sizeof(label), "dmaemu %s --json --db", what);
    expect_ids(label, &got, want, nwant);
    if (!json_equal(json_object_get(online, "requests"), json_object_get(offline, "requests")) ||
        !json_equal(json_object_get(online, "next"), json_object_get(offline, "next")))
        hfail("dmaemu %s: the offline answer differs from the online one", what);
    json_decref(online);
    json_decref(offline);
    if (quick)
        return;

    for (int off = 0; off < 2; off++) {
        struct proc p = cli(off ? db_path : NULL, full);
        snprintf(label, sizeof(label), "dmaemu %s%s (text)", what, off ? " --db" : "");
        if (p.code != 0) {
            fprintf(stderr, "%s", p.err);
            proc_free(&p);
            hfail("%s: exit %d", label, p.code);
        }
        ids_from_text(p.out, &got);
        proc_free(&p);
        expect_ids(label, &got, want, nwant);
    }
}

static void expect_spec(const struct dataset *ds, const char *const args[],
                        const struct fspec *spec, bool quick)
{
    int64_t want[DS_MAX];
    size_t n = fspec_expect(ds, spec, want);
    expect_filter(args, want, n, quick);
}

#define SPEC(...) (&(const struct fspec){__VA_ARGS__})

static void iso_utc(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void test_filters(void **state)
{
    h_start(NULL, NULL);
    static struct dataset ds;
    ds_run(&ds, true);

    /* Relative times first, while phase 2 is less than 3 s old and phase 1 more than 4 s. */
    int64_t rel_deadline = (int64_t)ds.boundary * 1000 + 2500;
    expect_spec(&ds, ARGS("--since", "3s"), SPEC(.phase = 2), true);
    expect_spec(&ds, ARGS("--until", "3s"), SPEC(.phase = 1), true);
    if (wall_ns() / 1000000 > rel_deadline)
        fprintf(stderr, "test_history: the relative time checks ran late; results may vary\n");
    expect_spec(&ds, ARGS("--since", "10m"), SPEC(0), false);
    expect_spec(&ds, ARGS("--since", "2h"), SPEC(0), true);
    expect_spec(&ds, ARGS("--since", "1d"), SPEC(0), true);
    expect_spec(&ds, ARGS("--since", "3600s"), SPEC(0), true);
    expect_spec(&ds, ARGS("--until", "1m"), SPEC(.phase = 3), true);
    expect_spec(&ds, ARGS("--until", "1d"), SPEC(.phase = 3), true);

    /* ISO 8601: UTC with Z, local time with a space, a date; since and until together. */
    char iso[64], iso_before[64], local[64], day[32], next_day[32];
    iso_utc(ds.boundary, iso, sizeof(iso));
    iso_utc(ds.boundary - 3600, iso_before, sizeof(iso_before));
    struct tm tm;
    time_t b = ds.boundary;
    localtime_r(&b, &tm);
    strftime(local, sizeof(local), "%Y-%m-%d %H:%M:%S", &tm);
    time_t yesterday = b - 86400, tomorrow = b + 86400;
    localtime_r(&yesterday, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    localtime_r(&tomorrow, &tm);
    strftime(next_day, sizeof(next_day), "%Y-%m-%d", &tm);
    expect_spec(&ds, ARGS("--since", iso), SPEC(.phase = 2), false);
    expect_spec(&ds, ARGS("--until", iso), SPEC(.phase = 1), false);
    expect_spec(&ds, ARGS("--since", local), SPEC(.phase = 2), true);
    expect_spec(&ds, ARGS("--until", local), SPEC(.phase = 1), true);
    expect_spec(&ds, ARGS("--since", iso_before, "--until", iso), SPEC(.phase = 1), true);
    expect_spec(&ds, ARGS("--since", day), SPEC(0), true);
    expect_spec(&ds, ARGS("--until", next_day), SPEC(0), true);
    expect_spec(&ds, ARGS("--since", next_day), SPEC(.phase = 3), true);

    /* Device, session (the application's, or the driver's: every request it served), type,
     * status, size. */
    char sa[24], sb[24], sd[24];
    snprintf(sa, sizeof(sa), "%llu", (unsigned long long)ds.session[0]);
    snprintf(sb, sizeof(sb), "%llu", (unsigned long long)ds.session[1]);
    snprintf(sd, sizeof(sd), "%llu", (unsigned long long)ds.driver_session);
    expect_spec(&ds, ARGS("--device", "plx0"), SPEC(.device = "plx0"), false);
    expect_spec(&ds, ARGS("--device", "plx1"), SPEC(.device = "plx1"), false);
    expect_spec(&ds, ARGS("--session", sa), SPEC(.session = ds.session[0]), false);
    expect_spec(&ds, ARGS("--session", sb), SPEC(.session = ds.session[1]), false);
    expect_spec(&ds, ARGS("--session", sd), SPEC(.session = ds.driver_session), false);
    expect_spec(&ds, ARGS("--session", "9999"), SPEC(.phase = 3), true);
    expect_spec(&ds, ARGS("--type", "read"), SPEC(.type = "read"), false);
    expect_spec(&ds, ARGS("--type", "write"), SPEC(.type = "write"), false);
    expect_spec(&ds, ARGS("--type", "ioctl"), SPEC(.type = "ioctl"), false);
    expect_spec(&ds, ARGS("--status", "ok"), SPEC(.status = 1), false);
    expect_spec(&ds, ARGS("--status", "error"), SPEC(.status = 2), false);
    expect_spec(&ds, ARGS("--min-size", "4096"), SPEC(.min_size = 4096), false);
    expect_spec(&ds, ARGS("--min-size", "4K"), SPEC(.min_size = 4096), true);
    expect_spec(&ds, ARGS("--min-size", "1"), SPEC(.min_size = 1), true);
    expect_spec(&ds, ARGS("--min-size", "100000"), SPEC(.phase = 3), true);
    expect_spec(&ds,
                ARGS("--device", "plx0", "--type", "write", "--min-size", "1000", "--status", "ok"),
                SPEC(.device = "plx0", .type = "write", .min_size = 1000, .status = 1), false);
    expect_spec(&ds, ARGS("--session", sb, "--status", "error", "--device", "plx0"),
                SPEC(.session = ds.session[1], .status = 2, .device = "plx0"), false);
    expect_spec(&ds, ARGS("--session", sa, "--since", iso),
                SPEC(.session = ds.session[0], .phase = 2), true);

    /* Limit and cursor: the first rows in id order, then the next ones after the cursor. */
    int64_t all[DS_MAX];
    size_t n = fspec_expect(&ds, SPEC(0), all);
    expect_filter(ARGS("--limit", "3"), all, 3, false);
    char cur[24];
    snprintf(cur, sizeof(cur), "%lld", (long long)all[2]);
    expect_filter(ARGS("--limit", "3", "--cursor", cur), all + 3, 3, false);
    expect_filter(ARGS("--cursor", cur), all + 3, n - 3, true);
    expect_filter(ARGS("--limit", "10000"), all, n, true);
    expect_filter(ARGS("--limit", "1"), all, 1, true);
    json_t *j = cli_json(NULL, ARGS("history", "--limit", "3"));
    if (json_integer_value(json_object_get(j, "next")) != all[2])
        hfail("--limit 3: \"next\" is not the third row's id");
    json_decref(j);
    j = cli_json(NULL, ARGS("history", "--limit", "10000"));
    if (!json_is_null(json_object_get(j, "next")))
        hfail("the whole history in one page, yet \"next\" is not null");
    json_decref(j);
    /* The default limit (100) covers the data set. */
    expect_filter(ARGS("--status", "ok", "--type", "ioctl"), (int64_t[]){ds.q[2].id, ds.q[9].id}, 2,
                  true);
}

/* A thread's error message, read under its lock while the thread may still run. */
static bool has_error(pthread_mutex_t *mu, const char *error)
{
    pthread_mutex_lock(mu);
    bool set = error[0] != '\0';
    pthread_mutex_unlock(mu);
    return set;
}

/* (4) Pagination while rows are added ------------------------------------------------------- */

struct adder {
    dmaemu_t *c;
    dmaemu_file_t *f0, *f1;
    pthread_mutex_t mu;
    bool stop;
    unsigned sent;
    char error[512];
};

static void *adder_main(void *arg)
{
    struct adder *a = arg;
    for (unsigned i = 0;; i++) {
        pthread_mutex_lock(&a->mu);
        bool stop = a->stop || a->sent >= 6000;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        struct rq q;
        char err[512];
        bool none = i % 7 == 3;
        if (send_req(a->c, none ? a->f1 : a->f0, none ? "plx1" : "plx0", i % 3, (i * 512) % 65536,
                     1 + i % 1000, &q, err, sizeof(err)) < 0) {
            pthread_mutex_lock(&a->mu);
            snprintf(a->error, sizeof(a->error), "%s", err);
            pthread_mutex_unlock(&a->mu);
            break;
        }
        pthread_mutex_lock(&a->mu);
        a->sent++;
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

static void test_pagination(void **state)
{
    h_start(NULL, NULL);
    h_fake("plx0", FAKE_SYNC);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "pager-seed");
    dmaemu_file_t *f = h_open(c, "plx0");
    for (unsigned i = 0; i < 200; i++)
        req(c, f, "plx0", T_WRITE, i * 100, 100);
    db_wait_completed(db_path, 200);

    static struct adder a;
    memset(&a, 0, sizeof(a));
    pthread_mutex_init(&a.mu, NULL);
    a.c = fx_connect(&fx, DMAEMU_ROLE_APP, "pager-adder");
    a.f0 = h_open(a.c, "plx0");
    a.f1 = h_open(a.c, "plx1");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, adder_main, &a), 0);

    static struct ids pages, page;
    pages.n = 0;
    int64_t cursor = 0;
    unsigned npages = 0;
    /* Pages while the adder runs (at least 2 s, and until pages have brought some of its rows),
     * then, once it stopped and everything is committed, until a short page. */
    bool adding = true;
    size_t grew = 0; /* rows added after paging began, seen in pages fetched while adding */
    int64_t started = itest_now_ms(), deadline = started + 120000;
    for (;;) {
        bool fetched_while_adding = adding;
        char cur[24], lim[8];
        snprintf(cur, sizeof(cur), "%lld", (long long)cursor);
        snprintf(lim, sizeof(lim), "%u", 37 + npages % 5);
        /* Alternately through the daemon and offline. */
        json_t *j = cursor ? cli_json(npages % 2 ? db_path : NULL,
                                      ARGS("history", "--limit", lim, "--cursor", cur))
                           : cli_json(NULL, ARGS("history", "--limit", lim));
        ids_from_json(j, &page);
        json_t *next = json_object_get(j, "next");
        if (page.n == (size_t)atoi(lim) ? json_integer_value(next) != page.v[page.n - 1]
                                        : !json_is_null(next))
            hfail("page %u (%zu rows of %s): \"next\" is wrong", npages, page.n, lim);
        json_decref(j);
        for (size_t i = 0; i < page.n; i++) {
            if (page.v[i] <= (i ? page.v[i - 1] : cursor))
                hfail("page %u: id %lld does not follow %lld", npages, (long long)page.v[i],
                      (long long)(i ? page.v[i - 1] : cursor));
            if (pages.n == MAX_IDS)
                hfail("too many rows");
            pages.v[pages.n++] = page.v[i];
            if (fetched_while_adding && page.v[i] > 200)
                grew++;
        }
        if (page.n > 0)
            cursor = page.v[page.n - 1];
        npages++;
        if (!fetched_while_adding && page.n < (size_t)atoi(lim))
            break;
        if (page.n == 0)
            itest_backoff(); /* bounded polling: nothing new committed yet */
        if (adding && ((itest_now_ms() - started >= 2000 && grew >= 100) ||
                       has_error(&a.mu, a.error) || itest_now_ms() - started > 30000)) {
            pthread_mutex_lock(&a.mu);
            a.stop = true;
            pthread_mutex_unlock(&a.mu);
            pthread_join(th, NULL);
            adding = false;
            if (a.error[0] != '\0')
                hfail("adder: %s", a.error);
            db_wait_completed(db_path, 200 + a.sent);
        }
        if (itest_now_ms() > deadline)
            hfail("paging did not finish in time (%u pages)", npages);
    }
    if (grew < 100)
        hfail("only %zu rows added while paging were paged while adding; the test proves little",
              grew);

    /* The final set, straight from the database: the pages are exactly it, in order. */
    sqlite3 *db = db_open(db_path, false);
    sqlite3_stmt *st = db_prepare(db, "SELECT id FROM requests ORDER BY id");
    static struct ids final;
    final.n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && final.n < MAX_IDS)
        final.v[final.n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (final.n != 200 + a.sent)
        hfail("the database holds %zu requests, %u were sent", final.n, 200 + a.sent);
    expect_ids("the concatenated pages vs the final set", &pages, final.v, final.n);
    pthread_mutex_destroy(&a.mu);
}

/* (5) Bad input ----------------------------------------------------------------------------- */

/* `dmaemu ARGS` (online, and offline when db) exits `code` and says `needle` on stderr. */
static void expect_refused(const char *db, const char *const args[], int code, const char *needle,
                           const char *needle2)
{
    char what[400];
    describe_args(args, what, sizeof(what));
    struct proc p = cli(db, args);
    bool said = strstr(p.err, needle) != NULL || (needle2 && strstr(p.err, needle2) != NULL);
    if (p.code != code || !said) {
        fprintf(stderr, "  stdout: %.500s\n  stderr: %.500s\n", p.out, p.err);
        proc_free(&p);
        hfail("dmaemu %s%s: exit %d, expected %d with a message naming \"%s\"", what,
              db ? " --db" : "", p.code, code, needle);
    }
    proc_free(&p);
}

static void test_bad_parameters(void **state)
{
    h_start(NULL, NULL);
    /* One request, so the database has a row (and is not empty for show). */
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "bad-input");
    req(c, h_open(c, "plx0"), "plx0", T_WRITE, 0, 10);
    db_wait_completed(db_path, 1);

    static const struct {
        const char *opt, *value, *name, *alt;
    } bad[] = {
        {"--since", "yesterday", "'since'", NULL},
        {"--since", "10x", "'since'", NULL},
        {"--since", "-5m", "'since'", NULL},
        {"--until", "2026-13-45T99:00:00Z", "'until'", NULL},
        {"--type", "erase", "'type'", NULL},
        {"--type", "READ", "'type'", NULL},
        {"--status", "maybe", "'status'", NULL},
        {"--limit", "-5", "'limit'", NULL},
        {"--limit", "0", "'limit'", NULL},
        {"--limit", "10001", "'limit'", NULL},
        {"--limit", "many", "'limit'", NULL},
        {"--min-size", "-1", "min-size", "min_size"},
        {"--min-size", "big", "min-size", "min_size"},
        {"--session", "first", "'session'", NULL},
        {"--cursor", "-3", "'cursor'", NULL},
        {"--device", "plx9", "'device'", NULL}, /* a name nothing was ever recorded for */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int off = 0; off < 2; off++) {
            const char *db = off ? db_path : NULL;
            expect_refused(db, ARGS("history", bad[i].opt, bad[i].value), 2, bad[i].name,
                           bad[i].alt);
            expect_refused(db, ARGS("history", "--json", bad[i].opt, bad[i].value), 2, bad[i].name,
                           bad[i].alt);
        }
    }
    for (int off = 0; off < 2; off++) {
        const char *db = off ? db_path : NULL;
        expect_refused(db, ARGS("stats", "--since", "whenever"), 2, "'since'", NULL);
        expect_refused(db, ARGS("stats", "--device", "plx0", "--until", "soon"), 2, "'until'",
                       NULL);
        /* show: a number that is no request is a failure (1), not a usage error. */
        expect_refused(db, ARGS("show", "999999"), 1, "no request 999999", NULL);
        expect_refused(db, ARGS("show", "999999", "--json"), 1, "no request 999999", NULL);
        expect_refused(db, ARGS("show", "0"), 1, "no request 0", NULL);
        expect_refused(db, ARGS("show", "abc"), 2, "ID", NULL);
        expect_refused(db, ARGS("show"), 2, "ID", NULL);
    }
    expect_refused(NULL, ARGS("history", "--db"), 2, "db", NULL);
    expect_refused(NULL, ARGS("history", "extra"), 2, "extra", NULL);
    /* A database that does not exist is not created by a reader. */
    char missing[512];
    snprintf(missing, sizeof(missing), "%s/no-such.db", fx.d.dir);
    expect_refused(missing, ARGS("history"), 1, "no-such.db", NULL);
    if (access(missing, F_OK) == 0)
        hfail("dmaemu history --db created %s", missing);
}

/* A dmaemud that must refuse to start: its exit code and stderr. */
static struct proc daemon_refusal(const char *db)
{
    char sock[320];
    snprintf(sock, sizeof(sock), "%s/refused.sock", extra_dir);
    char *argv[] = {(char *)DMAEMUD_PATH, (char *)"--socket", sock,
                    (char *)"--db",       (char *)db,         NULL};
    return run_prog(argv);
}

static void test_schema_newer(void **state)
{
    make_extra_dir();
    char db[400];
    snprintf(db, sizeof(db), "%s/future.db", extra_dir);
    make_versioned_db(db, 99);

    struct proc p = daemon_refusal(db);
    if (p.code != 1 || strstr(p.err, "newer") == NULL) {
        fprintf(stderr, "  stderr: %.800s\n", p.err);
        proc_free(&p);
        fail_msg("dmaemud with a schema-99 database: exit %d, expected 1 saying it is newer",
                 p.code);
    }
    proc_free(&p);
    /* Also through a configuration file. */
    char ini[600], cfg[400];
    snprintf(cfg, sizeof(cfg), "%s/future.ini", extra_dir);
    snprintf(ini, sizeof(ini), "[daemon]\ndb = %s\n", db);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fputs(ini, f);
    fclose(f);
    char sock[320];
    snprintf(sock, sizeof(sock), "%s/refused2.sock", extra_dir);
    char *argv[] = {(char *)DMAEMUD_PATH, (char *)"--config", cfg, (char *)"--socket", sock, NULL};
    p = run_prog(argv);
    if (p.code != 1 || strstr(p.err, "newer") == NULL) {
        fprintf(stderr, "  stderr: %.800s\n", p.err);
        proc_free(&p);
        fail_msg("dmaemud (config db = schema-99): exit %d, expected 1 saying it is newer", p.code);
    }
    proc_free(&p);
    sqlite3 *h = db_open(db, false);
    assert_int_equal(db_int(h, "PRAGMA user_version"), 99);
    assert_int_equal(db_int(h, "SELECT COUNT(*) FROM sqlite_master"), 0);
    sqlite3_close(h);

    /* The CLI refuses to read it too, and says why: it is newer than this dmaemu. */
    const char *const *cmds[] = {ARGS("history"), ARGS("show", "1"), ARGS("stats")};
    for (size_t i = 0; i < 3; i++) {
        struct proc q = cli(db, cmds[i]);
        bool ok = q.code == 1 && strstr(q.err, "99") != NULL;
        bool newer = strstr(q.err, "newer") != NULL;
        char err[600];
        snprintf(err, sizeof(err), "%s", q.err);
        proc_free(&q);
        if (!ok)
            fail_msg("dmaemu %s --db (schema 99): exit %d, expected 1: %s", cmds[i][0], q.code,
                     err);
        if (!newer)
            fail_msg("dmaemu %s --db (schema 99) refuses, but does not say the database is "
                     "newer than this dmaemu: \"%s\"",
                     cmds[i][0], err);
    }
}

/* A whole file's bytes (free() them). */
static uint8_t *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    size_t cap = 65536, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* A database dmaemud refuses because it is newer is left exactly as it was: not switched to
 * WAL, not given a new auto_vacuum mode, nothing. */
static void test_schema_newer_untouched(void **state)
{
    make_extra_dir();
    char db[400];
    snprintf(db, sizeof(db), "%s/future.db", extra_dir);
    make_versioned_db(db, 99);
    size_t before_len, after_len;
    uint8_t *before = read_bytes(db, &before_len);
    struct proc p = daemon_refusal(db);
    int code = p.code;
    proc_free(&p);
    struct proc q = cli(db, ARGS("history"));
    int cli_code = q.code;
    proc_free(&q);
    uint8_t *after = read_bytes(db, &after_len);
    bool same = before != NULL && after != NULL && before_len == after_len &&
                memcmp(before, after, before_len) == 0;
    int jb = before && before_len > 19 ? before[18] : -1,
        ja = after && after_len > 19 ? after[18] : -1;
    free(before);
    free(after);
    assert_int_equal(code, 1);
    assert_int_equal(cli_code, 1);
    if (!same)
        fail_msg("dmaemud refused the schema-99 database but modified it (%zu -> %zu bytes; "
                 "file format byte 18: %d -> %d, 2 meaning WAL)",
                 before_len, after_len, jb, ja);
}

static void test_schema_older_upgraded(void **state)
{
    make_extra_dir();
    char db[400], ini[600];
    snprintf(db, sizeof(db), "%s/old.db", extra_dir);
    make_versioned_db(db, 0);
    snprintf(ini, sizeof(ini), "[daemon]\ndb = %s\n", db);
    h_start(ini, db);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "upgrade");
    struct rq q = req(c, h_open(c, "plx0"), "plx0", T_WRITE, 0, 33);
    assert_int_equal(q.status, STATUS_DEVICE_NOT_CONNECTED);
    db_wait_completed(db, 1);
    sqlite3 *h = db_open(db, false);
    assert_int_equal(db_int(h, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
    assert_int_equal(db_int(h, "SELECT COUNT(*) FROM requests WHERE number = %llu AND length = 33",
                            (unsigned long long)q.number),
                     1);
    sqlite3_close(h);
    json_t *on = cli_json(NULL, ARGS("history"));
    json_t *off = cli_json(db, ARGS("history"));
    if (json_array_size(json_object_get(on, "requests")) != 1 || !json_equal(on, off))
        hfail("the upgraded database: history online/offline differ or not one row");
    json_decref(on);
    json_decref(off);
    assert_int_equal(h_term(), 0);
    /* A second start keeps it (no migration runs twice). */
    h = db_open(db, false);
    assert_int_equal(db_int(h, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
    sqlite3_close(h);
    snprintf(old_dir, sizeof(old_dir), "%s", fx.d.dir);
    h_start(ini, db);
    json_t *again = cli_json(NULL, ARGS("history"));
    assert_int_equal(json_array_size(json_object_get(again, "requests")), 1);
    json_decref(again);
}

/* The previous schema, with rows in it, is migrated by dmaemud and keeps every row. Version 3
 * added the interrupt columns an assertion's row holds: a current database without them and
 * with user_version 2 is exactly what the previous dmaemu wrote. */
static void test_schema_previous_migrated(void **state)
{
#if HISTORY_SCHEMA_VERSION == 3
    make_extra_dir();
    char db[400], ini[600];
    snprintf(db, sizeof(db), "%s/previous.db", extra_dir);
    snprintf(ini, sizeof(ini), "[daemon]\ndb = %s\n", db);
    h_start(ini, db);
    h_fake("plx0", FAKE_SYNC);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "previous");
    dmaemu_file_t *f = h_open(c, "plx0");
    for (unsigned i = 0; i < 5; i++)
        req(c, f, "plx0", (int)(i % 3), i * 100, 10 + i);
    db_wait_completed(db, 5);
    json_t *before = cli_json(NULL, ARGS("history"));
    assert_int_equal(h_term(), 0);
    snprintf(old_dir, sizeof(old_dir), "%s", fx.d.dir);
    fx.d.dir[0] = '\0';

    sqlite3 *h = db_open(db, true);
    char *msg = NULL;
    if (sqlite3_exec(h,
                     "ALTER TABLE interrupts DROP COLUMN isr_kind; ALTER TABLE interrupts DROP "
                     "COLUMN isr_ns; ALTER TABLE interrupts DROP COLUMN dpc_ns; ALTER TABLE "
                     "interrupts DROP COLUMN deassert_ns; PRAGMA user_version = 2",
                     NULL, NULL, &msg) != SQLITE_OK) {
        char text[256];
        snprintf(text, sizeof(text), "%s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        json_decref(before);
        fail_msg("making a version-2 database: %s", text);
    }
    sqlite3_close(h);
    /* A reader does not migrate; it says what to do. */
    expect_refused(db, ARGS("history"), 1, "older", NULL);

    h_start(ini, db);
    h = db_open(db, false);
    assert_int_equal(db_int(h, "PRAGMA user_version"), 3);
    assert_int_equal(db_int(h, "SELECT COUNT(*) FROM pragma_table_info('interrupts') WHERE name "
                               "IN ('isr_kind', 'isr_ns', 'dpc_ns', 'deassert_ns')"),
                     4);
    sqlite3_close(h);
    json_t *after = cli_json(db, ARGS("history"));
    bool same = json_equal(json_object_get(before, "requests"), json_object_get(after, "requests"));
    json_decref(before);
    json_decref(after);
    if (!same)
        hfail("the migrated database does not list the same requests as before");
    /* Recording continues in the migrated database. */
    dmaemu_t *c2 = fx_connect(&fx, DMAEMU_ROLE_APP, "migrated");
    struct rq q = req(c2, h_open(c2, "plx0"), "plx0", T_WRITE, 0, 5);
    db_wait_completed(db, 1);
    h = db_open(db, false);
    assert_int_equal(db_int(h, "SELECT COUNT(*) FROM requests"), 6);
    assert_int_equal(db_int(h,
                            "SELECT COUNT(*) FROM requests WHERE run_id = " CUR_RUN
                            " AND number = %llu AND status = %d",
                            (unsigned long long)q.number, (int)STATUS_DEVICE_NOT_CONNECTED),
                     1);
    sqlite3_close(h);
#else
    fprintf(stderr, "test_history: previous-schema migration: written for version 3, this is %d\n",
            HISTORY_SCHEMA_VERSION);
    skip();
#endif
}

/* (6) SIGKILL durability -------------------------------------------------------------------- */

#define KILL_MAX 400000

struct killgen {
    dmaemu_t *c;
    dmaemu_file_t *f;
    struct rq *q;
    size_t n; /* completed (written by the thread; read after join, or under mu) */
    pthread_mutex_t mu;
    char error[512];
};

static void *killgen_main(void *arg)
{
    struct killgen *g = arg;
    for (unsigned i = 0; i < KILL_MAX; i++) {
        struct rq q;
        char err[512];
        if (send_req(g->c, g->f, "plx0", i % 3, (i * 4096ull) % (512 * 1024), 1 + (i * 37) % 4000,
                     &q, err, sizeof(err)) < 0) {
            pthread_mutex_lock(&g->mu);
            if (dmaemu_is_connected(g->c))
                snprintf(g->error, sizeof(g->error), "%s", err);
            pthread_mutex_unlock(&g->mu);
            break;
        }
        pthread_mutex_lock(&g->mu);
        g->q[g->n++] = q;
        pthread_mutex_unlock(&g->mu);
    }
    return NULL;
}

static void test_sigkill_durability(void **state)
{
    h_start(NULL, NULL);
    h_fake("plx0", FAKE_SYNC);
    static struct killgen g;
    memset(&g, 0, sizeof(g));
    pthread_mutex_init(&g.mu, NULL);
    g.q = calloc(KILL_MAX, sizeof(*g.q));
    assert_non_null(g.q);
    g.c = fx_connect(&fx, DMAEMU_ROLE_APP, "sigkill-app");
    g.f = h_open(g.c, "plx0");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, killgen_main, &g), 0);

    /* Requests flow for 2 s (bounded polling of the count), then the daemon is killed. */
    int64_t start = itest_now_ms(), deadline = start + 20000;
    for (;;) {
        pthread_mutex_lock(&g.mu);
        size_t n = g.n;
        pthread_mutex_unlock(&g.mu);
        if (itest_now_ms() - start >= 2000 && n >= 100)
            break;
        if (itest_now_ms() > deadline || has_error(&g.mu, g.error)) {
            h_kill();
            pthread_join(th, NULL);
            free(g.q);
            hfail("the generator did not get going: %zu requests (%s)", n, g.error);
        }
        itest_backoff();
    }
    int64_t kill_ms = itest_now_ms();
    h_kill();
    pthread_join(th, NULL);
    if (g.error[0] != '\0') {
        free(g.q);
        hfail("generator: %s", g.error);
    }

    sqlite3 *db = db_open(db_path, true); /* as the next daemon would: recovers the WAL */
    char text[256];
    db_text(db, "PRAGMA integrity_check", text, sizeof(text));
    if (strcmp(text, "ok") != 0) {
        free(g.q);
        hfail("integrity_check after SIGKILL: %s", text);
    }
    /* Every request completed more than a batch window and a second before the kill is there,
     * as the application saw it; nothing is there that the application did not send. */
    size_t due = 0, missing = 0;
    uint64_t first_missing = 0;
    sqlite3_stmt *st = db_prepare(db, "SELECT status, information, completed_ns IS NOT NULL FROM "
                                      "requests WHERE number = ?1");
    for (size_t i = 0; i < g.n; i++) {
        if (g.q[i].done_mono_ms > kill_ms - BATCH_WINDOW_MS - 1000)
            continue;
        due++;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (int64_t)g.q[i].number);
        bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 2) == 1 &&
                  sqlite3_column_int64(st, 0) == g.q[i].status &&
                  sqlite3_column_int64(st, 1) == (int64_t)g.q[i].information;
        if (!ok && missing++ == 0)
            first_missing = g.q[i].number;
    }
    sqlite3_finalize(st);
    int64_t rows = db_int(db, "SELECT COUNT(*) FROM requests");
    int64_t max_number = db_int(db, "SELECT COALESCE(MAX(number), 0) FROM requests");
    sqlite3_close(db);
    size_t total = g.n;
    uint64_t last = g.n ? g.q[g.n - 1].number : 0;
    free(g.q);
    if (due < 50)
        hfail("only %zu requests completed early enough to be checked", due);
    if (missing != 0)
        hfail("%zu of the %zu requests completed >= %d ms before SIGKILL are missing or "
              "incomplete in the database (first: number %llu)",
              missing, due, BATCH_WINDOW_MS + 1000, (unsigned long long)first_missing);
    if (rows > (int64_t)total + 1 || (uint64_t)max_number > last + 1)
        hfail("the database holds %lld requests (up to number %lld); the application sent %zu "
              "(up to %llu)",
              (long long)rows, (long long)max_number, total, (unsigned long long)last);

    /* The CLI reads it offline, and a new daemon continues it. */
    json_t *j = cli_json(db_path, ARGS("history", "--limit", "1"));
    json_decref(j);
    char ini[600], dbfile[400];
    snprintf(dbfile, sizeof(dbfile), "%s", db_path);
    snprintf(old_dir, sizeof(old_dir), "%s", fx.d.dir);
    fx.d.dir[0] = '\0';
    snprintf(ini, sizeof(ini), "[daemon]\ndb = %s\n", dbfile);
    h_start(ini, dbfile);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "after-kill");
    struct rq q = req(c, h_open(c, "plx0"), "plx0", T_READ, 0, 1);
    db_wait_completed(dbfile, 1);
    sqlite3 *h = db_open(db_path, false);
    assert_int_equal(db_int(h, "SELECT COUNT(*) FROM runs"), 2);
    if (db_int(h, "SELECT COUNT(*) FROM requests") != rows + 1 ||
        db_int(h, "SELECT COUNT(*) FROM requests WHERE run_id = " CUR_RUN " AND number = %llu",
               (unsigned long long)q.number) != 1)
        hfail("the restarted daemon did not continue the database");
    sqlite3_close(h);
}

/* (7) Retention ----------------------------------------------------------------------------- */

struct pacer {
    dmaemu_t *c;
    dmaemu_file_t *f;
    pthread_mutex_t mu;
    bool stop;
    struct rq q[4000];
    size_t n;
    char error[512];
};

/* Keeps recording going: a request every 20 ms (pacing a load, not a synchronisation). */
static void *pacer_main(void *arg)
{
    struct pacer *p = arg;
    for (unsigned i = 0;; i++) {
        pthread_mutex_lock(&p->mu);
        bool stop = p->stop || p->n == sizeof(p->q) / sizeof(p->q[0]);
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        struct rq q;
        char err[512];
        if (send_req(p->c, p->f, "plx0", T_WRITE, (i % 100) * 1000, 200, &q, err, sizeof(err)) <
            0) {
            pthread_mutex_lock(&p->mu);
            snprintf(p->error, sizeof(p->error), "%s", err);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_lock(&p->mu);
        p->q[p->n++] = q;
        pthread_mutex_unlock(&p->mu);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void pacer_stop(struct pacer *p, pthread_t th)
{
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_mutex_unlock(&p->mu);
    pthread_join(th, NULL);
}

static const char retention_age_config[] = "[daemon]\n"
                                           "retention_age = 2s\n"
                                           "[device plx0]\n"
                                           "model = plx9656\n";

static void test_retention_age(void **state)
{
    h_start(retention_age_config, NULL);
    h_fake("plx0", FAKE_SYNC);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "old-rows");
    dmaemu_file_t *f = h_open(c, "plx0");
    uint64_t old_max = 0;
    for (unsigned i = 0; i < 50; i++)
        old_max = req(c, f, "plx0", T_WRITE, i * 10, 10).number;
    db_wait_completed(db_path, 50);
    h_close_conn(c);

    /* A long-lived application keeps recording going meanwhile. */
    static struct pacer p;
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.mu, NULL);
    p.c = fx_connect(&fx, DMAEMU_ROLE_APP, "long-lived");
    p.f = h_open(p.c, "plx0");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pacer_main, &p), 0);

    sqlite3 *db = db_open(db_path, false);
    int64_t deadline = itest_now_ms() + RETENTION_WAIT_MS;
    while (db_int(db, "SELECT COUNT(*) FROM requests WHERE number <= %llu",
                  (unsigned long long)old_max) > 0) {
        if (itest_now_ms() > deadline || has_error(&p.mu, p.error)) {
            sqlite3_close(db);
            pacer_stop(&p, th);
            hfail("rows older than retention_age = 2s are still there after %d ms (%s)",
                  RETENTION_WAIT_MS, p.error);
        }
        itest_backoff();
    }
    int64_t gone_ns = wall_ns();
    /* Recording goes on: a second more of requests after the rows went. */
    int64_t until = itest_now_ms() + 1000;
    while (itest_now_ms() < until && !has_error(&p.mu, p.error))
        itest_backoff();
    pacer_stop(&p, th);
    if (p.error[0] != '\0') {
        sqlite3_close(db);
        hfail("the long-lived application: %s", p.error);
    }
    db_wait_completed(db_path, 1);
    /* Wait for the pacer's last request to be committed. */
    deadline = itest_now_ms() + COMMIT_TIMEOUT_MS;
    while (db_int(db,
                  "SELECT COUNT(*) FROM requests WHERE number = %llu AND completed_ns IS NOT "
                  "NULL",
                  (unsigned long long)p.q[p.n - 1].number) == 0) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("the last request never reached the database");
        }
        itest_backoff();
    }
    /* Recent rows stayed: every request submitted within the second before the old rows went,
     * and every one after, is there, with its session. */
    size_t checked = 0;
    for (size_t i = 0; i < p.n; i++) {
        if (p.q[i].submit_ns < gone_ns - 1000000000ll)
            continue;
        checked++;
        if (db_int(db, "SELECT COUNT(*) FROM requests WHERE number = %llu",
                   (unsigned long long)p.q[i].number) != 1) {
            sqlite3_close(db);
            hfail("request %llu, submitted %.3f s before the check, was deleted by retention "
                  "(max age 2 s)",
                  (unsigned long long)p.q[i].number, (double)(wall_ns() - p.q[i].submit_ns) / 1e9);
        }
    }
    if (checked < 10) {
        sqlite3_close(db);
        hfail("only %zu recent requests to check", checked);
    }
    sqlite3_close(db);
    /* The long-lived application's newest request still names its session, in the history. */
    char sess[24];
    snprintf(sess, sizeof(sess), "%llu", (unsigned long long)dmaemu_session_id(p.c));
    json_t *j = cli_json(NULL, ARGS("history", "--session", sess, "--limit", "10000"));
    bool found = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "requests"), i, r)
    {
        found |= (uint64_t)json_integer_value(json_object_get(r, "number")) == p.q[p.n - 1].number;
    }
    json_decref(j);
    if (!found)
        hfail("after retention ran, the newest request of the long-lived session %s is not found "
              "by --session %s (its session row was deleted while the session was open?)",
              sess, sess);
    pthread_mutex_destroy(&p.mu);
}

/* Retention with the real driver: its session outlives the age limit, and recording of its
 * transactions must go on. */
static void test_retention_age_pci9656(void **state)
{
    h_start("[daemon]\nretention_age = 2s\n[device plx0]\nmodel = plx9656\nsram_size = 1M\n", NULL);
    struct drv *d = drv_start(&fx, PCI9656_DRIVER_PATH, "plx0", NULL);
    dmaemu_t *app = fx_connect(&fx, DMAEMU_ROLE_APP, "retention-pci");
    dmaemu_file_t *f = h_open(app, "plx0");
    pci9656_wait_serving(d, f);
    struct rq w1 = req(app, f, "plx0", T_WRITE, 0, 5000);
    id_of_number(w1.number);
    sqlite3 *db = db_open(db_path, false);
    int64_t deadline = itest_now_ms() + RETENTION_WAIT_MS;
    while (db_int(db, "SELECT COUNT(*) FROM requests WHERE number = %llu",
                  (unsigned long long)w1.number) != 0) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("request %llu outlived retention_age = 2s by %d ms",
                  (unsigned long long)w1.number, RETENTION_WAIT_MS);
        }
        itest_backoff();
    }
    sqlite3_close(db);
    /* The driver, the application and their sessions are older than 2 s now. */
    struct rq w2 = req(app, f, "plx0", T_WRITE, 4096, 6000);
    if (w2.status != STATUS_SUCCESS)
        hfail("the write after retention: 0x%08X", (unsigned)w2.status);
    int64_t id = id_of_number(w2.number);
    json_t *r = show_settled_json(id);
    check_show(r, &w2, false);
    json_decref(r);
    drv_stop(&fx, d, 0);
}

static void test_retention_size(void **state)
{
    const uint64_t limit = 256 * 1024;
    h_start("[daemon]\nretention_size = 256K\n[device plx0]\nmodel = plx9656\n", NULL);
    h_fake("plx0", FAKE_SYNC);
    dmaemu_t *c = fx_connect(&fx, DMAEMU_ROLE_APP, "size");
    dmaemu_file_t *f = h_open(c, "plx0");
    sqlite3 *db = db_open(db_path, false);
    /* Fill the database to twice the limit. */
    uint64_t first = 0, last = 0;
    size_t sent = 0;
    int64_t deadline = itest_now_ms() + 60000;
    for (;;) {
        for (unsigned i = 0; i < 250; i++, sent++) {
            last = req(c, f, "plx0", i % 3, (i * 777) % 500000, 1 + i % 3000).number;
            if (first == 0)
                first = last;
        }
        db_wait_completed(db_path, (int64_t)sent);
        int64_t bytes = db_int(db, "SELECT page_count * page_size FROM pragma_page_count, "
                                   "pragma_page_size");
        if ((uint64_t)bytes > 2 * limit)
            break;
        if (itest_now_ms() > deadline || sent > 200000) {
            sqlite3_close(db);
            hfail("the database did not grow past %llu bytes", (unsigned long long)(2 * limit));
        }
    }
    /* Retention (every 10 s) deletes the oldest rows... */
    deadline = itest_now_ms() + RETENTION_WAIT_MS;
    while (db_int(db, "SELECT COUNT(*) FROM requests WHERE number = %llu",
                  (unsigned long long)first) != 0) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("retention_size = 256K: the oldest request is still there after %d ms "
                  "(database %lld bytes)",
                  RETENTION_WAIT_MS,
                  (long long)db_int(db, "SELECT page_count * page_size FROM "
                                        "pragma_page_count, pragma_page_size"));
        }
        itest_backoff();
    }
    /* ...and keeps the newest: 100 small requests are far below 256 KiB. */
    int64_t kept = db_int(db, "SELECT COUNT(*) FROM requests WHERE number > %llu",
                          (unsigned long long)(last - 100));
    int64_t total = db_int(db, "SELECT COUNT(*) FROM requests");
    if (kept != 100) {
        sqlite3_close(db);
        hfail("retention_size = 256K deleted recent requests: %lld of the newest 100 kept, %lld "
              "of %zu rows left in all",
              (long long)kept, (long long)total, sent);
    }
    /* The database comes back under the limit (bounded), and recording continues. */
    deadline = itest_now_ms() + RETENTION_WAIT_MS;
    int64_t bytes;
    while ((bytes = db_int(db, "SELECT page_count * page_size FROM pragma_page_count, "
                               "pragma_page_size")) > (int64_t)limit) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("retention_size = 256K: the database still has %lld bytes", (long long)bytes);
        }
        itest_backoff();
    }
    struct rq q = req(c, f, "plx0", T_WRITE, 0, 99);
    deadline = itest_now_ms() + COMMIT_TIMEOUT_MS;
    while (db_int(db,
                  "SELECT COUNT(*) FROM requests WHERE number = %llu AND completed_ns IS NOT "
                  "NULL AND app_session_id IS NOT NULL",
                  (unsigned long long)q.number) != 1) {
        if (itest_now_ms() > deadline) {
            sqlite3_close(db);
            hfail("a request after retention was not recorded (with its session)");
        }
        itest_backoff();
    }
    sqlite3_close(db);
}

/* (8) Stats --------------------------------------------------------------------------------- */

static void expect_stats(json_t *answer, const struct dataset *ds, const char *only,
                         const char *what)
{
    static const char *const devs[] = {"plx0", "plx1"};
    json_t *rows = json_object_get(answer, "devices");
    size_t want_rows = 0;
    for (int d = 0; d < 2; d++) {
        if (only && strcmp(only, devs[d]) != 0)
            continue;
        want_rows++;
        int64_t count = 0, type[3] = {0}, errors = 0, bytes = 0;
        for (size_t i = 0; i < ds->n; i++) {
            const struct rq *q = &ds->q[i];
            if (strcmp(q->device, devs[d]) != 0)
                continue;
            count++;
            type[q->type]++;
            if (q->status < 0)
                errors++;
            else
                bytes += (int64_t)q->information;
        }
        json_t *row = NULL, *r;
        size_t i;
        json_array_foreach(rows, i, r)
        {
            if (strcmp(json_string_value(json_object_get(r, "device")), devs[d]) == 0)
                row = r;
        }
        if (row == NULL)
            hfail("%s: no row for %s", what, devs[d]);
        if (jint(row, "requests") != count || jint(row, "reads") != type[T_READ] ||
            jint(row, "writes") != type[T_WRITE] || jint(row, "ioctls") != type[T_IOCTL] ||
            jint(row, "errors") != errors || jint(row, "bytes") != bytes) {
            char *s = json_dumps(row, JSON_COMPACT);
            fprintf(stderr, "  %s\n", s ? s : "?");
            free(s);
            hfail("%s: %s: expected %lld requests (%lld reads, %lld writes, %lld ioctls), %lld "
                  "errors, %lld bytes",
                  what, devs[d], (long long)count, (long long)type[T_READ],
                  (long long)type[T_WRITE], (long long)type[T_IOCTL], (long long)errors,
                  (long long)bytes);
        }
        json_t *lat = json_object_get(row, "latency");
        if (!(jint(lat, "p50_ns") <= jint(lat, "p90_ns") &&
              jint(lat, "p90_ns") <= jint(lat, "p99_ns") &&
              jint(lat, "p99_ns") <= jint(lat, "max_ns") && jint(lat, "p50_ns") >= 0))
            hfail("%s: %s: latency percentiles out of order", what, devs[d]);
        if (bytes > 0 && !(json_real_value(json_object_get(row, "throughput_bytes_per_s")) > 0))
            hfail("%s: %s: no throughput for %lld bytes", what, devs[d], (long long)bytes);
    }
    if (json_array_size(rows) != want_rows)
        hfail("%s: %zu device rows, expected %zu", what, json_array_size(rows), want_rows);
}

static void test_stats(void **state)
{
    h_start(NULL, NULL);
    static struct dataset ds;
    ds_run(&ds, false);
    const char *const *forms[] = {ARGS("stats"), ARGS("stats", "--since", "1h"),
                                  ARGS("stats", "--until", "1h")};
    for (int k = 0; k < 3; k++) {
        json_t *on = cli_json(NULL, forms[k]);
        json_t *off = cli_json(db_path, forms[k]);
        if (k < 2) {
            expect_stats(on, &ds, NULL, k ? "stats --since 1h" : "stats");
        } else if (json_array_size(json_object_get(on, "devices")) != 0) {
            hfail("stats --until 1h: rows for requests made seconds ago");
        }
        if (!json_equal(on, off))
            hfail("stats: the offline answer differs from the online one");
        json_decref(on);
        json_decref(off);
    }
    json_t *j = cli_json(NULL, ARGS("stats", "--device", "plx1"));
    expect_stats(j, &ds, "plx1", "stats --device plx1");
    json_decref(j);
    j = cli_json(NULL, ARGS("stats", "--device", "plx0"));
    expect_stats(j, &ds, "plx0", "stats --device plx0");
    json_decref(j);
    struct proc p = cli(NULL, ARGS("stats"));
    bool ok = p.code == 0 && strstr(p.out, "plx0") != NULL && strstr(p.out, "plx1") != NULL;
    proc_free(&p);
    if (!ok)
        hfail("dmaemu stats (text): exit %d or a device missing", p.code);
}

/* (9) A full disk --------------------------------------------------------------------------- */

/* A daemon whose database is on a 2 MiB tmpfs, a fake driver on plx0, and a full disk:
 * requests in *sent (*n of them) until the daemon says recording paused. False (the test
 * skipped) where no tmpfs can be mounted. */
struct full_disk {
    char db[400], filler[400];
    dmaemu_t *c;
    dmaemu_file_t *f;
    struct rq *sent;
    size_t n, cap;
};

static bool disk_full_start(struct full_disk *d)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_history: disk full: skipped (needs root to mount a tmpfs)\n");
        return false;
    }
    make_extra_dir();
    char mnt[300];
    snprintf(mnt, sizeof(mnt), "%s/mnt", extra_dir);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=2M") != 0) {
        fprintf(stderr, "test_history: disk full: skipped (cannot mount a tmpfs: %s)\n",
                strerror(errno));
        return false;
    }
    snprintf(mount_dir, sizeof(mount_dir), "%s", mnt);
    char ini[700];
    snprintf(d->db, sizeof(d->db), "%s/history.db", mnt);
    snprintf(d->filler, sizeof(d->filler), "%s/filler", mnt);
    snprintf(ini, sizeof(ini),
             "[daemon]\ndb = %s\n[device plx0]\nmodel = plx9656\n[device plx1]\nmodel = "
             "plx9656\n",
             d->db);
    h_start(ini, d->db);
    h_fake("plx0", FAKE_SYNC);
    d->c = fx_connect(&fx, DMAEMU_ROLE_APP, "disk-full");
    d->f = h_open(d->c, "plx0");
    d->n = 0;
    d->sent[d->n++] = req(d->c, d->f, "plx0", T_WRITE, 0, 64);
    db_wait_completed(d->db, 1);

    /* Fill the file system. */
    int fd = open(d->filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    static char chunk[4096];
    while (write(fd, chunk, sizeof(chunk)) > 0)
        ;
    close(fd);

    /* Requests until the daemon says recording paused. */
    char *log = NULL;
    int64_t deadline = itest_now_ms() + 30000;
    while ((log = drv_slurp(fx.d.log_path)) != NULL &&
           strstr(log, "history recording PAUSED") == NULL) {
        free(log);
        log = NULL;
        if (itest_now_ms() > deadline || d->n + 100 > d->cap)
            hfail("no \"history recording PAUSED\" in the log after %zu requests on a full disk",
                  d->n);
        for (int i = 0; i < 100; i++, d->n++)
            d->sent[d->n] = req(d->c, d->f, "plx0", i % 3, (d->n * 64) % 500000, 64);
    }
    free(log);
    return true;
}

static void test_disk_full(void **state)
{
    static struct rq sent_store[60000];
    struct full_disk fd = {.sent = sent_store, .cap = 60000};
    if (!disk_full_start(&fd))
        skip();
    dmaemu_t *c = fd.c;
    dmaemu_file_t *f = fd.f;
    struct rq *sent = fd.sent;
    size_t n = fd.n;
    const char *db = fd.db, *filler = fd.filler;

    /* Emulation goes on: I/O through the driver, and MMIO on the other device. */
    for (int i = 0; i < 200; i++) {
        sent[n] = req(c, f, "plx0", i % 2 ? T_READ : T_WRITE, 4096, 512);
        if (sent[n].status != STATUS_SUCCESS || sent[n].information != 512)
            hfail("I/O while recording is paused: status 0x%08X", (unsigned)sent[n].status);
        n++;
    }
    dmaemu_t *drv = fx_driver(&fx, "mmio-driver", "plx1");
    uint64_t id = mmio_rd(drv, BAR_REGS, PLX_PCIHIDR, 4);
    if ((id & 0xFFFF) != PLX_VENDOR)
        hfail("MMIO while recording is paused: PCIHIDR 0x%08llx", (unsigned long long)id);
    mmio_wr(drv, BAR_SRAM, 0x100, 8, 0x1122334455667788ull);
    assert_int_equal(mmio_rd(drv, BAR_SRAM, 0x100, 8), 0x1122334455667788ull);

    /* Space again: recording resumes, and what queued meanwhile is all written. */
    assert_int_equal(unlink(filler), 0);
    char *text = drv_wait_text(fx.d.log_path, "history recording resumed", 20000);
    if (text == NULL)
        hfail("no \"history recording resumed\" within 20 s of freeing space");
    free(text);
    db_wait_completed(db, (int64_t)n);
    sqlite3 *h = db_open(db, false);
    char integrity[64];
    db_text(h, "PRAGMA integrity_check", integrity, sizeof(integrity));
    if (strcmp(integrity, "ok") != 0)
        hfail("integrity_check after the full disk: %s", integrity);
    int64_t rows = db_int(h, "SELECT COUNT(*) FROM requests");
    sqlite3_stmt *st =
        db_prepare(h, "SELECT COUNT(*) FROM requests WHERE number = ?1 AND status = ?2");
    size_t lost = 0;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (int64_t)sent[i].number);
        sqlite3_bind_int64(st, 2, sent[i].status);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) != 1)
            lost++;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (lost != 0 || rows != (int64_t)n)
        hfail("after the disk was full: %zu of %zu requests lost, %lld rows", lost, n,
              (long long)rows);
    fx_close(&fx, drv);
    assert_int_equal(h_term(), 0);
}

/* SIGTERM while recording is paused: the daemon still stops (exit 0, bounded), says that
 * what it could not write is lost, and leaves a database that opens intact. */
static void test_disk_full_sigterm(void **state)
{
    static struct rq sent_store[60000];
    struct full_disk d = {.sent = sent_store, .cap = 60000};
    if (!disk_full_start(&d))
        skip();
    /* A few more requests queue while paused. */
    for (int i = 0; i < 50; i++)
        req(d.c, d.f, "plx0", T_WRITE, 0, 32);
    char log_path[320];
    snprintf(log_path, sizeof(log_path), "%s", fx.d.log_path);
    int64_t t0 = itest_now_ms();
    int code = h_term();
    if (code != 0)
        hfail("dmaemud exited with %d after SIGTERM on a full disk, expected 0", code);
    if (itest_now_ms() - t0 > 10000)
        hfail("dmaemud took %lld ms to stop on a full disk", (long long)(itest_now_ms() - t0));
    char *log = drv_slurp(log_path);
    const char *after = log ? strstr(log, "shutting down") : NULL;
    bool told = after != NULL &&
                (strstr(after, "lost") != NULL || strstr(after, "dropped") != NULL ||
                 strstr(after, "not written") != NULL || strstr(after, "not recorded") != NULL);
    if (!told && log != NULL) {
        size_t len = strlen(log);
        fprintf(stderr, "---- dmaemud log (tail) ----\n%s\n----\n",
                len > 3000 ? log + len - 3000 : log);
    }
    free(log);
    assert_int_equal(unlink(d.filler), 0);
    sqlite3 *h = db_open(d.db, true);
    char integrity[64];
    db_text(h, "PRAGMA integrity_check", integrity, sizeof(integrity));
    int64_t first = db_int(h, "SELECT COUNT(*) FROM requests WHERE number = %llu",
                           (unsigned long long)d.sent[0].number);
    sqlite3_close(h);
    if (strcmp(integrity, "ok") != 0)
        fail_msg("integrity_check after SIGTERM on a full disk: %s", integrity);
    if (first != 1)
        fail_msg("the request committed before the disk filled is gone");
    if (!told)
        fail_msg("SIGTERM on a full disk: events still queued were discarded, and the log does "
                 "not say so (nothing after \"shutting down\" mentions lost events)");
}

int main(void)
{
    /* HISTORY_TEST_FILTER=test_filters (a cmocka pattern) runs a subset. */
    if (getenv("HISTORY_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("HISTORY_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        H_TEST(test_stress_consistency),
        H_TEST(test_stress_pci9656),
        H_TEST(test_trace_levels),
        H_TEST(test_show_pci9656),
        H_TEST(test_show_pci9656_fragment),
        H_TEST(test_filters),
        H_TEST(test_pagination),
        H_TEST(test_bad_parameters),
        H_TEST(test_schema_newer),
        H_TEST(test_schema_newer_untouched),
        H_TEST(test_schema_older_upgraded),
        H_TEST(test_schema_previous_migrated),
        H_TEST(test_sigkill_durability),
        H_TEST(test_retention_age),
        H_TEST(test_retention_age_pci9656),
        H_TEST(test_retention_size),
        H_TEST(test_stats),
        H_TEST(test_disk_full),
        H_TEST(test_disk_full_sigterm),
    };
    return cmocka_run_group_tests_name("history/unix", tests, NULL, NULL) != 0;
}
