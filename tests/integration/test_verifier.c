/*
 * test_verifier.c: the driver-shim's KMDF verifier, end to end. Small misbehaving KMDF drivers
 * (tests/drivers/bad_driver.c, one build per misbehaviour) run as driver processes against a
 * private dmaemud's plx9656; an application sends each its first write, which triggers exactly
 * one finding:
 *   DmaCompleted twice for a finished transfer  -> 0x10D (WDF_VIOLATION), parameter 1 = 0x8,
 *                                                  in EvtInterruptDpc;
 *   Execute twice                               -> 0x10D/0x8 in EvtIoWrite;
 *   WdfRequestComplete while the request's transaction is in Transfer
 *                                               -> 0x10D/0x8 in EvtInterruptDpc;
 *   a descriptor pointing at the request buffer just past the transfer's SG list
 *                                               -> 0xE6 (DRIVER_VERIFIER_DMA_VIOLATION), from
 *                                                  the daemon's DMA reports;
 *   a transaction still in Transfer when the device powers down (SIGTERM)
 *                                               -> 0x10D/0x8 at D0Exit;
 *   WdfDmaEnablerCreate from the DPC            -> an IRQL finding in EvtInterruptDpc.
 * Each runs twice. By default the finding stops the driver: exit status 3, the diagnostic on
 * stderr, the finding in the daemon's log ("verifier:", warn level), and the application's
 * request ends with STATUS_DEVICE_REMOVED (or, leaked until power-down, STATUS_CANCELLED)
 * instead of hanging. With --verifier=log the driver
 * records the finding the same way, keeps serving (the write completes) and exits 0 on SIGTERM.
 * "Exactly one" is checked by counting the findings in both logs. Two cases also run with the
 * driver connected over TCP (remote memory, DMA reports over the wire). The same driver built
 * without a misbehaviour serves the same write with no finding at all.
 */
#include <jansson.h>

#include "drvproc.h"

#include "winioctl_compat.h"

#include "../drivers/bad_driver_ioctl.h"

_Static_assert(sizeof(BAD_DRIVER_STATE) == 24, "BAD_DRIVER_STATE layout");

#define EXIT_VERIFIER 3
#define WRITE_LEN     8192u

static struct fixture fx_unix = {.tcp = false, .config = NULL};
static struct fixture fx_tcp = {.tcp = true, .config = NULL}; /* the driver connects over TCP */

static int vt_setup(void **state)
{
    memset(drv_table, 0, sizeof(drv_table));
    return fx_setup(state);
}

static int vt_teardown(void **state)
{
    drv_cleanup();
    return fx_teardown(state);
}

#define VT_TEST(f)     cmocka_unit_test_prestate_setup_teardown(f, vt_setup, vt_teardown, &fx_unix)
#define VT_TEST_TCP(f) cmocka_unit_test_prestate_setup_teardown(f, vt_setup, vt_teardown, &fx_tcp)

/* The driver's state through IOCTL_BAD_DRIVER_GET_STATE ---------------------------------------- */

/* Asynchronous requests whose buffers outlive a failed test (static). */
static struct app_io state_io, write_io;
static BAD_DRIVER_STATE state_out;
static uint8_t write_buf[WRITE_LEN] __attribute__((aligned(4096)));

/* One GET_STATE: true with *st once the driver answered it; false if the daemon answered that
 * no driver is attached (yet). */
static bool get_state(struct fixture *fx, dmaemu_file_t *f, BAD_DRIVER_STATE *st)
{
    app_io_init(&state_io);
    memset(&state_out, 0, sizeof(state_out));
    int rc = dmaemu_ioctl_async(f, IOCTL_BAD_DRIVER_GET_STATE, NULL, 0, &state_out,
                                sizeof(state_out), app_io_done, &state_io);
    if (rc != 0)
        dfail("GET_STATE: %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
    if (!app_io_wait(&state_io, DRV_IO_TIMEOUT_MS))
        dfail("GET_STATE did not complete within %d ms", DRV_IO_TIMEOUT_MS);
    if (state_io.rc != 0)
        dfail("GET_STATE: rc %d (%s)", state_io.rc, dmaemu_strerror(state_io.rc));
    if (state_io.res.status == STATUS_DEVICE_NOT_CONNECTED)
        return false;
    if (state_io.res.status != STATUS_SUCCESS || state_io.res.data_len != sizeof(*st) ||
        state_out.Size != sizeof(*st))
        dfail("GET_STATE: status 0x%08X, %zu bytes, Size %u", (unsigned)state_io.res.status,
              state_io.res.data_len, state_out.Size);
    *st = state_out;
    return true;
}

/* Waits (bounded) until the driver serves requests. */
static void wait_ready(struct fixture *fx, struct drv *d, dmaemu_file_t *f)
{
    int64_t deadline = itest_now_ms() + DRV_START_TIMEOUT_MS;
    BAD_DRIVER_STATE st;
    while (!get_state(fx, f, &st)) {
        if (!drv_alive(d))
            dfail("the driver exited with status %d while starting", drv_exit_code(d->status));
        if (itest_now_ms() > deadline)
            dfail("the driver did not attach within %d ms", DRV_START_TIMEOUT_MS);
        itest_backoff();
    }
    if (st.WritesSeen != 0)
        dfail("a fresh driver reports %u writes", st.WritesSeen);
}

/* Waits (bounded) until the driver's DPC has seen the end of the write's DMA. */
static void wait_dpc(struct fixture *fx, dmaemu_file_t *f)
{
    int64_t deadline = itest_now_ms() + DRV_IO_TIMEOUT_MS;
    BAD_DRIVER_STATE st = {0};
    while (!get_state(fx, f, &st) || st.DpcsRun == 0) {
        if (itest_now_ms() > deadline)
            dfail("the write's DMA did not reach the DPC within %d ms (writes %u, transfers %u)",
                  DRV_IO_TIMEOUT_MS, st.WritesSeen, st.TransfersProgrammed);
        itest_backoff();
    }
}

static void send_write(struct fixture *fx, dmaemu_file_t *f)
{
    pattern_fill(write_buf, sizeof(write_buf), 7);
    app_io_init(&write_io);
    int rc = dmaemu_write_async(f, 0, write_buf, sizeof(write_buf), app_io_done, &write_io);
    if (rc != 0)
        dfail("write: %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
}

static void expect_write(struct fixture *fx, int32_t status, uint64_t information)
{
    if (!app_io_wait(&write_io, DRV_IO_TIMEOUT_MS))
        dfail("the write did not complete within %d ms", DRV_IO_TIMEOUT_MS);
    if (write_io.rc != 0)
        dfail("write: rc %d (%s)", write_io.rc, dmaemu_strerror(write_io.rc));
    if (write_io.res.status != status || write_io.res.information != information)
        dfail("write: status 0x%08X information %llu, expected 0x%08X %llu",
              (unsigned)write_io.res.status, (unsigned long long)write_io.res.information,
              (unsigned)status, (unsigned long long)information);
}

/* Findings ------------------------------------------------------------------------------------ */

struct vcase {
    const char *path;
    bool at_power_down; /* the finding comes when the device powers down (SIGTERM) */
    unsigned code;      /* bugcheck code; 0: a finding without one (IRQL) */
    bool check_p1;
    uint64_t p1;            /* bugcheck parameter 1 */
    const char *where;      /* "in <callback>:" as the diagnostic names it, or NULL */
    const char *needles[3]; /* more words the diagnostic must contain */
    unsigned transfers;     /* EvtProgramDma calls for the write (--verifier=log) */
};

static const struct vcase isr_storm = {
    .path = BAD_ISR_UNCLAIMED_PATH,
    .where = "in the framework:",
    .needles = {"interrupt storm", "100 ISR calls"},
};

static const struct vcase completed_twice = {
    .path = BAD_COMPLETED_TWICE_PATH,
    .code = 0x10D,
    .check_p1 = true,
    .p1 = 0x8,
    .where = "in EvtInterruptDpc:",
    .needles = {"WDF_VIOLATION", "WdfDmaTransactionDmaCompleted"},
    .transfers = 1,
};

static const struct vcase execute_twice = {
    .path = BAD_EXECUTE_TWICE_PATH,
    .code = 0x10D,
    .check_p1 = true,
    .p1 = 0x8,
    .where = "in EvtIoWrite:",
    .needles = {"WDF_VIOLATION", "WdfDmaTransactionExecute"},
    .transfers = 1,
};

static const struct vcase complete_in_transfer = {
    .path = BAD_COMPLETE_IN_TRANSFER_PATH,
    .code = 0x10D,
    .check_p1 = true,
    .p1 = 0x8,
    .where = "in EvtInterruptDpc:",
    .needles = {"WDF_VIOLATION", "Transfer"},
    .transfers = 1,
};

static const struct vcase dma_outside_sg = {
    .path = BAD_DMA_OUTSIDE_SG_PATH,
    .code = 0xE6,
    .needles = {"DRIVER_VERIFIER_DMA_VIOLATION", "outside"},
    .transfers = 2, /* SetMaximumLength(PAGE_SIZE) on an 8 KiB write */
};

static const struct vcase leak_at_d0exit = {
    .path = BAD_LEAK_AT_D0EXIT_PATH,
    .at_power_down = true,
    .code = 0x10D,
    .check_p1 = true,
    .p1 = 0x8,
    .needles = {"WDF_VIOLATION", "D0Exit"},
    .transfers = 1,
};

static const struct vcase irql_in_dpc = {
    .path = BAD_IRQL_IN_DPC_PATH,
    .where = "in EvtInterruptDpc:",
    .needles = {"WdfDmaEnablerCreate", "IRQL"},
    .transfers = 1,
};

/* Checks one finding's diagnostic line (the driver's or the daemon's copy). */
static void check_finding_line(struct fixture *fx, const char *who, const char *line,
                               const struct vcase *c)
{
    if (c->code != 0) {
        const char *bc = strstr(line, "bugcheck 0x");
        char *end = NULL;
        unsigned long long code = bc ? strtoull(bc + strlen("bugcheck "), &end, 16) : 0;
        if (bc == NULL || code != c->code)
            dfail("%s: the finding does not name bugcheck 0x%X: %s", who, c->code, line);
        char want[32];
        snprintf(want, sizeof(want), "0x%X", c->code);
        if (strstr(line, want) == NULL)
            dfail("%s: the finding does not show the code as %s: %s", who, want, line);
        const char *params = strchr(end, '{');
        unsigned long long p1 = params ? strtoull(params + 1, NULL, 16) : ~0ull;
        if (c->check_p1 && (params == NULL || p1 != c->p1 || strncmp(params + 1, "0x", 2) != 0))
            dfail("%s: bugcheck parameter 1 is not 0x%llX: %s", who, (unsigned long long)c->p1,
                  line);
    }
    if (c->where != NULL && strstr(line, c->where) == NULL)
        dfail("%s: the finding does not name the callback (\"%s\"): %s", who, c->where, line);
    for (int i = 0; i < 3 && c->needles[i] != NULL; i++)
        if (strstr(line, c->needles[i]) == NULL)
            dfail("%s: the finding lacks \"%s\": %s", who, c->needles[i], line);
}

/* The driver's stderr: exactly one finding, as c describes it. */
static void check_driver_log(struct fixture *fx, struct drv *d, const struct vcase *c, bool fatal)
{
    char *log = drv_slurp(d->log);
    char line[1024];
    unsigned n = drv_count(log, "KMDF verifier");
    bool found = drv_find_line(log, "KMDF verifier", line, sizeof(line));
    bool stopped = strstr(log, "stopping the driver") != NULL;
    free(log);
    if (n != 1 || !found)
        dfail("the driver's stderr shows %u verifier findings, expected exactly 1", n);
    check_finding_line(fx, "driver stderr", line, c);
    if (stopped != fatal)
        dfail("the driver %s that it stops, with%s --verifier=log", stopped ? "says" : "never says",
              fatal ? "out" : "");
}

/* The daemon's log: the finding recorded (warn, "verifier:"), once, by the driver's session. */
static void check_daemon_log(struct fixture *fx, const struct vcase *c)
{
    char *log = drv_wait_text(fx->d.log_path, "verifier: ", DRV_LOG_TIMEOUT_MS);
    if (log == NULL)
        dfail("the daemon did not log the finding within %d ms", DRV_LOG_TIMEOUT_MS);
    char line[1024];
    drv_find_line(log, "verifier: ", line, sizeof(line));
    free(log);
    check_finding_line(fx, "daemon log", line, c);
    if (strstr(line, "warn") == NULL)
        dfail("the daemon logged the finding below warn level: %s", line);
    const char *s = strstr(line, "driver session ");
    unsigned long long session = s ? strtoull(s + strlen("driver session "), NULL, 10) : 0;
    if (session == 0)
        dfail("the daemon's finding line names no driver session: %s", line);
    /* Once the driver's session is closed, nothing more can come from it: count. */
    char closed[64];
    snprintf(closed, sizeof(closed), "session %llu closed", session);
    log = drv_wait_text(fx->d.log_path, closed, DRV_LOG_TIMEOUT_MS);
    if (log == NULL)
        dfail("the daemon did not log \"%s\" within %d ms", closed, DRV_LOG_TIMEOUT_MS);
    unsigned n = drv_count(log, "verifier: ");
    free(log);
    if (n != 1)
        dfail("the daemon recorded %u verifier findings, expected exactly 1", n);
}

/* Default (--verifier=fatal): the finding stops the driver with exit status 3. */
static void run_fatal(struct fixture *fx, const struct vcase *c)
{
    struct drv *d = drv_start(fx, c->path, "plx0", NULL);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "verifier-app");
    dmaemu_file_t *f = app_open(fx, app, "plx0");
    wait_ready(fx, d, f);
    send_write(fx, f);
    if (c->at_power_down) {
        wait_dpc(fx, f);
        if (app_io_finished(&write_io))
            dfail("the driver completed the write it was to leak (status 0x%08X)",
                  (unsigned)write_io.res.status);
        if (!drv_alive(d))
            dfail("the driver ended (status %d) before powering down", drv_exit_code(d->status));
        assert_int_equal(kill(d->pid, SIGTERM), 0);
    }
    drv_expect_exit(fx, d, EXIT_VERIFIER, DRV_EXIT_TIMEOUT_MS);
    /* The driver died holding the write: the daemon ends it. A write leaked until power-down
     * is cancelled by the framework first, as KMDF does at removal. */
    expect_write(fx, c->at_power_down ? STATUS_CANCELLED : STATUS_DEVICE_REMOVED, 0);
    check_driver_log(fx, d, c, true);
    check_daemon_log(fx, c);
    dmaemu_file_close(f);
}

/* The history holds the finding too (where /api/findings and the dashboard read it): one row,
 * with the bugcheck code, on the driver's device. The writer commits in batches: poll. */
static void check_history_finding(struct fixture *fx, dmaemu_t *app, const struct vcase *c)
{
    int64_t deadline = itest_now_ms() + DRV_LOG_TIMEOUT_MS;
    for (;;) {
        char *text = NULL;
        int rc = dmaemu_history_query(app, "findings", "{\"device\": \"plx0\"}", &text);
        if (rc != 0)
            dfail("history findings: %d (%s): %s", rc, dmaemu_strerror(rc), dmaemu_last_error());
        json_t *answer = json_loads(text, 0, NULL);
        json_t *rows = json_object_get(answer, "findings");
        json_t *row = json_array_get(rows, 0);
        size_t n = json_array_size(rows);
        json_int_t code = json_integer_value(json_object_get(row, "code"));
        bool text_ok = json_string_length(json_object_get(row, "text")) > 0;
        json_decref(answer);
        if (n == 1 && (c->code == 0 || code == (json_int_t)c->code) && text_ok) {
            free(text);
            return;
        }
        if (n > 1 || itest_now_ms() > deadline)
            dfail("history findings: expected one with code 0x%x, got: %s", c->code, text);
        free(text);
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* --verifier=log: the finding is recorded, the driver goes on and stops normally. */
static void run_log_only(struct fixture *fx, const struct vcase *c)
{
    struct drv *d = drv_start(fx, c->path, "plx0", "--verifier=log");
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "verifier-app");
    dmaemu_file_t *f = app_open(fx, app, "plx0");
    wait_ready(fx, d, f);
    send_write(fx, f);
    if (c->at_power_down) {
        wait_dpc(fx, f);
        if (app_io_finished(&write_io))
            dfail("the driver completed the write it was to leak");
        drv_stop(fx, d, 0);
        expect_write(fx, STATUS_CANCELLED, 0); /* cancelled by the framework at power-down */
    } else {
        expect_write(fx, STATUS_SUCCESS, WRITE_LEN);
        if (!drv_alive(d))
            dfail("the driver exited (status %d) despite --verifier=log", drv_exit_code(d->status));
        BAD_DRIVER_STATE st;
        if (!get_state(fx, f, &st))
            dfail("the driver no longer answers after its finding");
        if (st.WritesSeen != 1 || st.WritesCompleted != 1 || st.TransfersProgrammed != c->transfers)
            dfail("driver state: %u writes, %u completed, %u transfers; expected 1, 1, %u",
                  st.WritesSeen, st.WritesCompleted, st.TransfersProgrammed, c->transfers);
        drv_stop(fx, d, 0);
    }
    check_driver_log(fx, d, c, false);
    check_daemon_log(fx, c);
    check_history_finding(fx, app, c);
    dmaemu_file_close(f);
}

/* The session that owns device (the driver's), from the daemon's device list. */
static uint64_t owner_session(struct fixture *fx, dmaemu_t *c, const char *device)
{
    struct dmaemu_device_info *list = NULL;
    int n = dmaemu_devices(c, &list);
    uint64_t session = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, device) == 0 && list[i].owned)
            session = list[i].owner_session;
    free(list);
    if (session == 0)
        dfail("%s has no owner (devices: %d)", device, n);
    return session;
}

/* Tests ---------------------------------------------------------------------------------------- */

/* A correct driver serves the write with no finding. */
static void run_good(struct fixture *fx, const char *path)
{
    struct drv *d = drv_start(fx, path, "plx0", NULL);
    dmaemu_t *app = fx_connect(fx, DMAEMU_ROLE_APP, "verifier-app");
    dmaemu_file_t *f = app_open(fx, app, "plx0");
    wait_ready(fx, d, f);
    send_write(fx, f);
    expect_write(fx, STATUS_SUCCESS, WRITE_LEN);
    /* The data reached SRAM (the driver really programs the chip). */
    uint64_t got = 0;
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "verifier-monitor");
    int rc = dmaemu_mmio_read_device(mon, "plx0", true, BAR_SRAM, WRITE_LEN - 8, 8, &got);
    if (rc != 0 || got != pattern_u64(WRITE_LEN - 8, 7))
        dfail("SRAM +0x%x: rc %d value 0x%016llx, expected 0x%016llx", WRITE_LEN - 8, rc,
              (unsigned long long)got, (unsigned long long)pattern_u64(WRITE_LEN - 8, 7));
    BAD_DRIVER_STATE st = {0};
    if (!get_state(fx, f, &st) || st.WritesCompleted != 1 || st.TransfersProgrammed != 1)
        dfail("driver state: %u completed, %u transfers", st.WritesCompleted,
              st.TransfersProgrammed);
    uint64_t session = owner_session(fx, app, "plx0");
    drv_stop(fx, d, 0);
    char *log = drv_slurp(d->log);
    unsigned n = drv_count(log, "KMDF verifier");
    free(log);
    if (n != 0)
        dfail("the correct driver got %u verifier findings", n);
    char closed[64];
    snprintf(closed, sizeof(closed), "session %llu closed", (unsigned long long)session);
    char *dlog = drv_wait_text(fx->d.log_path, closed, DRV_LOG_TIMEOUT_MS);
    if (dlog == NULL)
        dfail("the daemon did not log \"%s\" within %d ms", closed, DRV_LOG_TIMEOUT_MS);
    n = drv_count(dlog, "verifier: ");
    free(dlog);
    if (n != 0)
        dfail("the daemon recorded %u verifier findings for the correct driver", n);
    dmaemu_file_close(f);
}

/* The control: the same driver without a misbehaviour. */
static void test_good_driver_no_finding(void **state)
{
    run_good(*state, GOOD_DRIVER_PATH);
}

/* Level semantics: an interrupt claimed but left asserted is delivered again, and the second
 * ISR call acknowledges it. Without redelivery the write would never complete. */
static void test_late_ack_redelivered(void **state)
{
    run_good(*state, GOOD_LATE_ACK_PATH);
}

/* The interrupt arrives while a driver thread holds the interrupt lock: the ISR runs once the
 * lock is free (on the ISR thread: the event thread must not wait for the lock). */
static void test_interrupt_under_lock(void **state)
{
    run_good(*state, GOOD_LOCKED_START_PATH);
}

static void test_dma_completed_twice(void **state)
{
    run_fatal(*state, &completed_twice);
}

static void test_dma_completed_twice_log(void **state)
{
    run_log_only(*state, &completed_twice);
}

static void test_execute_twice(void **state)
{
    run_fatal(*state, &execute_twice);
}

static void test_execute_twice_log(void **state)
{
    run_log_only(*state, &execute_twice);
}

static void test_complete_in_transfer(void **state)
{
    run_fatal(*state, &complete_in_transfer);
}

static void test_complete_in_transfer_log(void **state)
{
    run_log_only(*state, &complete_in_transfer);
}

static void test_dma_outside_sg(void **state)
{
    run_fatal(*state, &dma_outside_sg);
}

static void test_dma_outside_sg_log(void **state)
{
    run_log_only(*state, &dma_outside_sg);
}

static void test_leak_at_d0exit(void **state)
{
    run_fatal(*state, &leak_at_d0exit);
}

static void test_leak_at_d0exit_log(void **state)
{
    run_log_only(*state, &leak_at_d0exit);
}

static void test_irql_in_dpc(void **state)
{
    run_fatal(*state, &irql_in_dpc);
}

static void test_irql_in_dpc_log(void **state)
{
    run_log_only(*state, &irql_in_dpc);
}

/* An ISR that never claims the asserted line: 100 deliveries, then a storm finding. */
static void test_isr_storm(void **state)
{
    run_fatal(*state, &isr_storm);
}

/* Over TCP the driver's memory is served by libdmaemu, and the DMA reports come the same way. */
static void test_dma_completed_twice_tcp(void **state)
{
    run_fatal(*state, &completed_twice);
}

static void test_dma_outside_sg_log_tcp(void **state)
{
    run_log_only(*state, &dma_outside_sg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(test_good_driver_no_finding),
        VT_TEST(test_late_ack_redelivered),
        VT_TEST(test_interrupt_under_lock),
        VT_TEST(test_isr_storm),
        VT_TEST(test_dma_completed_twice),
        VT_TEST(test_dma_completed_twice_log),
        VT_TEST(test_execute_twice),
        VT_TEST(test_execute_twice_log),
        VT_TEST(test_complete_in_transfer),
        VT_TEST(test_complete_in_transfer_log),
        VT_TEST(test_dma_outside_sg),
        VT_TEST(test_dma_outside_sg_log),
        VT_TEST(test_leak_at_d0exit),
        VT_TEST(test_leak_at_d0exit_log),
        VT_TEST(test_irql_in_dpc),
        VT_TEST(test_irql_in_dpc_log),
        VT_TEST_TCP(test_dma_completed_twice_tcp),
        VT_TEST_TCP(test_dma_outside_sg_log_tcp),
    };
    return cmocka_run_group_tests_name("verifier", tests, NULL, NULL);
}
