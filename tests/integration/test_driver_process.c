/*
 * test_driver_process.c: how a KMDF driver process (driver-shim's main()) fails, with the real
 * sample driver pci9656 and two tiny test drivers (tests/drivers/bad_driver.c):
 *   no daemon at the --daemon URI        -> exit 1, the message names the socket;
 *   an unknown device name               -> exit 1, the message names the device;
 *   the device owned by another driver   -> exit 1, the message names the owner's session (and
 *                                           the driver starts once the owner has gone);
 *   no --device                          -> exit 2 (usage);
 *   DriverEntry fails                    -> exit 4, STATUS_INSUFFICIENT_RESOURCES named;
 *   EvtDevicePrepareHardware fails       -> exit 4, STATUS_DEVICE_CONFIGURATION_ERROR named;
 * and in the last two cases the device is free again afterwards.
 */
#include "drvproc.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2
#define EXIT_DRIVER  4

static struct fixture fx_unix = {.tcp = false, .config = NULL};

static int dp_setup(void **state)
{
    memset(drv_table, 0, sizeof(drv_table));
    return fx_setup(state);
}

static int dp_teardown(void **state)
{
    drv_cleanup();
    return fx_teardown(state);
}

#define DP_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, dp_setup, dp_teardown, &fx_unix)

/* The driver's stderr must contain needle. */
static void expect_log(struct fixture *fx, struct drv *d, const char *needle)
{
    char *log = drv_slurp(d->log);
    bool found = log != NULL && strstr(log, needle) != NULL;
    free(log);
    if (!found)
        dfail("the driver's stderr does not mention \"%s\"", needle);
}

/* The driver's stderr must contain "session <id>" (not a longer number). */
static void expect_session(struct fixture *fx, struct drv *d, uint64_t id)
{
    char want[48];
    snprintf(want, sizeof(want), "session %llu", (unsigned long long)id);
    char *log = drv_slurp(d->log);
    bool found = false;
    for (const char *p = log; p != NULL && (p = strstr(p, want)) != NULL; p += strlen(want))
        if (p[strlen(want)] < '0' || p[strlen(want)] > '9')
            found = true;
    free(log);
    if (!found)
        dfail("the driver's message does not name the owner, \"%s\"", want);
}

/* Polls the device list (bounded) until device is owned (by a session named owner_name) or,
 * with owner_name NULL, free. */
static void wait_owner(struct fixture *fx, dmaemu_t *c, const char *device, const char *owner_name)
{
    int64_t deadline = itest_now_ms() + DRV_START_TIMEOUT_MS;
    for (;;) {
        struct dmaemu_device_info *list = NULL;
        int n = dmaemu_devices(c, &list);
        if (n < 0)
            dfail("devices: %d (%s): %s", n, dmaemu_strerror(n), dmaemu_last_error());
        bool done = false, seen = false;
        char owner[DMAEMU_NAME_MAX] = "";
        for (int i = 0; i < n; i++) {
            if (strcmp(list[i].name, device) != 0)
                continue;
            seen = true;
            if (list[i].owned)
                snprintf(owner, sizeof(owner), "%s", list[i].owner_name);
            done = owner_name ? list[i].owned && strcmp(list[i].owner_name, owner_name) == 0
                              : !list[i].owned;
        }
        free(list);
        if (!seen)
            dfail("the daemon lists no device %s", device);
        if (done)
            return;
        if (itest_now_ms() > deadline)
            dfail("%s: owner \"%s\" after %d ms, expected %s", device, owner, DRV_START_TIMEOUT_MS,
                  owner_name ? owner_name : "none");
        itest_backoff();
    }
}

/* Tests ---------------------------------------------------------------------------------------- */

static void test_no_daemon(void **state)
{
    struct fixture *fx = *state;
    char uri[400], path[380];
    snprintf(path, sizeof(path), "%s/absent/dmaemud.sock", fx->d.dir);
    snprintf(uri, sizeof(uri), "unix:%s", path);
    const char *args[] = {"--device", "plx0", "--daemon", uri, NULL};
    struct drv *d = drv_spawn(fx, PCI9656_DRIVER_PATH, args);
    drv_expect_exit(fx, d, EXIT_RUNTIME, DRV_EXIT_TIMEOUT_MS);
    expect_log(fx, d, path);
}

static void test_unknown_device(void **state)
{
    struct fixture *fx = *state;
    struct drv *d = drv_start(fx, PCI9656_DRIVER_PATH, "nosuch9656", NULL);
    drv_expect_exit(fx, d, EXIT_RUNTIME, DRV_EXIT_TIMEOUT_MS);
    expect_log(fx, d, "nosuch9656");
}

static void test_device_owned(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *owner = fx_driver(fx, "dp-owner", "plx0");
    uint64_t session = dmaemu_session_id(owner);
    assert_true(session != 0);
    struct drv *d = drv_start(fx, PCI9656_DRIVER_PATH, "plx0", NULL);
    drv_expect_exit(fx, d, EXIT_RUNTIME, DRV_EXIT_TIMEOUT_MS);
    expect_session(fx, d, session);
    expect_log(fx, d, "plx0");

    /* The owner goes away: the same driver now starts and serves until SIGTERM. */
    fx_close(fx, owner);
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "dp-monitor");
    wait_owner(fx, mon, "plx0", NULL);
    d = drv_start(fx, PCI9656_DRIVER_PATH, "plx0", NULL);
    const char *base = strrchr(PCI9656_DRIVER_PATH, '/') + 1;
    wait_owner(fx, mon, "plx0", base);
    drv_stop(fx, d, 0);
}

static void test_missing_device_option(void **state)
{
    struct fixture *fx = *state;
    const char *args[] = {"--daemon", harness_uri(&fx->d, false), NULL};
    struct drv *d = drv_spawn(fx, PCI9656_DRIVER_PATH, args);
    drv_expect_exit(fx, d, EXIT_USAGE, DRV_EXIT_TIMEOUT_MS);
    expect_log(fx, d, "--device");
}

static void test_driverentry_fails(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "dp-monitor");
    struct drv *d = drv_start(fx, BAD_DRIVERENTRY_FAILS_PATH, "plx0", NULL);
    drv_expect_exit(fx, d, EXIT_DRIVER, DRV_EXIT_TIMEOUT_MS);
    expect_log(fx, d, "STATUS_INSUFFICIENT_RESOURCES");
    expect_log(fx, d, "DriverEntry");
    wait_owner(fx, mon, "plx0", NULL); /* the device is free for the next driver */
}

static void test_prepare_hardware_fails(void **state)
{
    struct fixture *fx = *state;
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "dp-monitor");
    struct drv *d = drv_start(fx, BAD_PREPARE_FAILS_PATH, "plx0", NULL);
    drv_expect_exit(fx, d, EXIT_DRIVER, DRV_EXIT_TIMEOUT_MS);
    expect_log(fx, d, "STATUS_DEVICE_CONFIGURATION_ERROR");
    wait_owner(fx, mon, "plx0", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DP_TEST(test_no_daemon),         DP_TEST(test_unknown_device),
        DP_TEST(test_device_owned),      DP_TEST(test_missing_device_option),
        DP_TEST(test_driverentry_fails), DP_TEST(test_prepare_hardware_fails),
    };
    return cmocka_run_group_tests_name("driver_process", tests, NULL, NULL);
}
