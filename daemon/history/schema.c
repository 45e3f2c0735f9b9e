/*
 * schema.c: the history database's schema and its migrations.
 *
 * The schema version lives in PRAGMA user_version. Opening a database runs every migration
 * from its version up to HISTORY_SCHEMA_VERSION in one transaction each; a database newer
 * than this build is refused, never guessed at.
 */
#include "history.h"

#include <stdio.h>
#include <string.h>

/* Version 1: the first schema. Every row carries the daemon run it belongs to, because
 * session ids and request numbers start again with each run. */
static const char schema_v1[] =
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, started_ns INTEGER NOT NULL, ended_ns INTEGER,"
    "  version TEXT NOT NULL);"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, session_no INTEGER"
    "  NOT NULL, role TEXT, name TEXT, peer TEXT, started_ns INTEGER NOT NULL, ended_ns INTEGER,"
    "  end_reason TEXT, UNIQUE(run_id, session_no));"
    "CREATE TABLE device_events(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT"
    "  NOT NULL, kind TEXT NOT NULL, session_id INTEGER, reason TEXT, time_ns INTEGER NOT NULL);"
    "CREATE TABLE requests(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, number INTEGER NOT"
    "  NULL, device TEXT NOT NULL, app_session_id INTEGER, driver_session_id INTEGER, type TEXT"
    "  NOT NULL, length INTEGER NOT NULL, offset INTEGER, ioctl_code INTEGER, status INTEGER,"
    "  information INTEGER, submitted_ns INTEGER NOT NULL, dispatched_ns INTEGER, completed_ns"
    "  INTEGER, UNIQUE(run_id, number));"
    "CREATE INDEX requests_device_time ON requests(device, submitted_ns);"
    "CREATE INDEX requests_time ON requests(submitted_ns);"
    "CREATE TABLE transactions(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, session_id"
    "  INTEGER NOT NULL, txn_no INTEGER NOT NULL, device TEXT, request_id INTEGER, direction"
    "  TEXT, length INTEGER, bytes INTEGER, transfers INTEGER NOT NULL DEFAULT 0, status"
    "  INTEGER, started_ns INTEGER NOT NULL, ended_ns INTEGER);"
    "CREATE INDEX transactions_request ON transactions(request_id);"
    "CREATE INDEX transactions_lookup ON transactions(session_id, txn_no);"
    "CREATE TABLE transfers(id INTEGER PRIMARY KEY, transaction_id INTEGER NOT NULL, seq INTEGER"
    "  NOT NULL, length INTEGER, sg TEXT, programmed_ns INTEGER NOT NULL, completed_ns INTEGER,"
    "  how TEXT);"
    "CREATE INDEX transfers_transaction ON transfers(transaction_id);"
    "CREATE TABLE dma_ops(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT NOT NULL,"
    "  session_id INTEGER, transfer_id INTEGER, channel INTEGER, to_host INTEGER, bus_addr"
    "  INTEGER, local_addr INTEGER, length INTEGER, purpose TEXT, result INTEGER, start_ns"
    "  INTEGER NOT NULL, end_ns INTEGER);"
    "CREATE INDEX dma_ops_transfer ON dma_ops(transfer_id);"
    "CREATE INDEX dma_ops_device_time ON dma_ops(device, start_ns);"
    "CREATE TABLE interrupts(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT,"
    "  session_id INTEGER, kind TEXT NOT NULL, line INTEGER, time_ns INTEGER NOT NULL);"
    "CREATE INDEX interrupts_device_time ON interrupts(device, time_ns);"
    "CREATE TABLE faults(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT,"
    "  session_id INTEGER, what TEXT, addr INTEGER, channel INTEGER, time_ns INTEGER NOT NULL);"
    "CREATE TABLE findings(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT,"
    "  session_id INTEGER, code INTEGER, callback TEXT, text TEXT, time_ns INTEGER NOT NULL);"
    "CREATE TABLE traces(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, device TEXT,"
    "  session_id INTEGER, level INTEGER, function TEXT, text TEXT, time_ns INTEGER NOT NULL);"
    "CREATE INDEX traces_time ON traces(time_ns);";

/* Version 2: transactions record their DMA profile. */
static const char schema_v2[] = "ALTER TABLE transactions ADD COLUMN profile TEXT;";

/* Version 3: an assertion's row can hold the ISR pass, DPC and deassertion that followed it
 * (see coalesce.c): a quarter of the rows per request were interrupt events. */
static const char schema_v3[] = "ALTER TABLE interrupts ADD COLUMN isr_kind TEXT;"
                                "ALTER TABLE interrupts ADD COLUMN isr_ns INTEGER;"
                                "ALTER TABLE interrupts ADD COLUMN dpc_ns INTEGER;"
                                "ALTER TABLE interrupts ADD COLUMN deassert_ns INTEGER;";

/* migrations[v] takes a database from version v to v + 1. */
static const char *const migrations[] = {schema_v1, schema_v2, schema_v3};

static int schema_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

int history_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (version > HISTORY_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the database has schema version %d, newer than this dmaemu understands (%d); "
                 "use a newer dmaemu or another --db",
                 version, HISTORY_SCHEMA_VERSION);
        return -1;
    }
    for (int v = version; v < HISTORY_SCHEMA_VERSION; v++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        char *msg = NULL;
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migrating the schema from version %d failed: %s", v,
                     msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

int history_db_open(const char *path, bool read_only, sqlite3 **out, char *err, size_t errlen)
{
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3 *db = NULL;
    /* Every connection belongs to one thread at a time (the writer's, a query job's), so
     * SQLite's per-call connection mutex is pure cost: the writer makes a dozen calls per
     * recorded event. */
    if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open history database %s: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    /* A database this dmaemu cannot read is refused before anything touches it. */
    int version = schema_version(db);
    if (version > HISTORY_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "%s has schema version %d, newer than this dmaemu understands (%d); use a "
                 "newer dmaemu or another --db",
                 path, version, HISTORY_SCHEMA_VERSION);
        sqlite3_close(db);
        return -1;
    }
    /* Incremental auto-vacuum lets retention give space back; it must precede the first
     * table, so only a new database gets it. */
    if (!read_only && version == 0)
        sqlite3_exec(db, "PRAGMA auto_vacuum=INCREMENTAL", NULL, NULL, NULL);
    /* WAL: readers (CLI, HTTP) never block the writer; NORMAL sync: a crash of the daemon
     * loses nothing committed, and the database is never corrupted. */
    if (!read_only && (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL,
                                    NULL, NULL) != SQLITE_OK ||
                       history_schema_migrate(db, err, errlen) < 0)) {
        if (err[0] == '\0')
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    if (read_only && version != HISTORY_SCHEMA_VERSION) { /* older: readers do not migrate */
        snprintf(err, errlen,
                 "%s has schema version %d, older than this dmaemu reads (%d); open it once with "
                 "a dmaemud of this version to upgrade it",
                 path, version, HISTORY_SCHEMA_VERSION);
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}
