/*
 * verifier.c: verifier findings, the driver's log, and reports to the daemon's history.
 *
 * A finding is printed the way a kernel debugger shows a bugcheck (code, four parameters, the
 * callback it happened in), recorded by the daemon, and ends the process: a driver that hits a
 * KMDF bugcheck must not go on as if nothing happened. --verifier=log records and continues.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"
#include "status_names.h"

/* Exit status of a driver process stopped by the verifier. */
#define SHIM_EXIT_VERIFIER 3

_Thread_local KIRQL shim_irql = PASSIVE_LEVEL;
_Thread_local const char *shim_callback;

static pthread_mutex_t shim_log_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    pthread_mutex_lock(&shim_log_lock);
    fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000L, shim.opt.device ? shim.opt.device : "driver", line);
    pthread_mutex_unlock(&shim_log_lock);
}

const char *shim_status_name(NTSTATUS status, char *buf, size_t cap)
{
    const char *name = ntstatus_name(status);
    if (name != NULL)
        return name;
    snprintf(buf, cap, "0x%08X", (unsigned)status);
    return buf;
}

void shim_report(const struct dmaemu_driver_event *e)
{
    if (shim.conn != NULL)
        dmaemu_report_event_batched(shim.conn, e);
}

void shim_flush(void)
{
    if (shim.conn != NULL)
        dmaemu_flush(shim.conn);
}

void shim_report_now(const struct dmaemu_driver_event *e)
{
    if (shim.conn != NULL)
        dmaemu_report_event(shim.conn, e);
}

/* The report is posted: a round trip makes sure the daemon has it before the process ends. */
static void *shim_verifier_exit(void *arg)
{
    if (shim.conn != NULL)
        dmaemu_ping(shim.conn);
    _exit(SHIM_EXIT_VERIFIER);
}

static void shim_verifier_stop(void)
{
    atomic_store(&shim.bugchecked, true);
    shim_log("stopping the driver (run with --verifier=log to record findings and go on)");
    if (shim.conn == NULL || dmaemu_ping(shim.conn) != DMAEMU_E_CONTEXT)
        _exit(SHIM_EXIT_VERIFIER);
    /* On libdmaemu's event thread (a DMA notification) the round trip cannot be awaited
     * here: that thread must go on reading to receive the answer. */
    pthread_t t;
    if (pthread_create(&t, NULL, shim_verifier_exit, NULL) != 0)
        _exit(SHIM_EXIT_VERIFIER);
}

void shim_verifier(unsigned code, uint64_t p1, uint64_t p2, uint64_t p3, const char *fmt, ...)
{
    char what[512], text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    const char *where = shim_callback ? shim_callback : "the framework";
    if (code != SHIM_NO_BUGCHECK)
        snprintf(
            text, sizeof(text), "bugcheck 0x%X (%s) {0x%llX, 0x%llX, 0x%llX, 0} in %s: %s", code,
            code == BUGCHECK_WDF_VIOLATION   ? "WDF_VIOLATION"
            : code == BUGCHECK_DMA_VIOLATION ? "DRIVER_VERIFIER_DMA_VIOLATION"
                                             : "verifier",
            (unsigned long long)p1, (unsigned long long)p2, (unsigned long long)p3, where, what);
    else
        snprintf(text, sizeof(text), "in %s: %s", where, what);
    shim_log("*** KMDF verifier: %s", text);
    uint64_t params[3] = {p1, p2, p3};
    struct dmaemu_driver_event e = {.kind = "finding",
                                    .text = text,
                                    .callback = where,
                                    .code = code,
                                    .params = params,
                                    .param_count = 3};
    shim_report_now(&e);
    if (!shim.opt.verifier_log_only)
        shim_verifier_stop();
}

bool shim_irql_at_most(KIRQL max_irql, const char *api)
{
    if (shim_irql <= max_irql)
        return true;
    shim_verifier(SHIM_NO_BUGCHECK, shim_irql, max_irql, 0,
                  "%s called at IRQL %u; it may only be called at IRQL <= %u", api,
                  (unsigned)shim_irql, (unsigned)max_irql);
    return false;
}

KIRQL KeGetCurrentIrql(void)
{
    return shim_irql;
}

void dmaemu_shim_assert_failed(const char *expr, const char *file, int line)
{
    shim_verifier(SHIM_NO_BUGCHECK, 0, 0, 0, "ASSERT(%s) failed at %s:%d", expr, file, line);
}
