/*
 * test_io_cli.c: `dmaemu io write|read|ioctl|stress` against a daemon whose plx0 is driven by
 * fake_driver (a RAM device) in a child process, over UNIX and TCP; plx1 has no driver.
 */
#include <stdlib.h>
#include <unistd.h>

#include "fake_driver.h"
#include "itest.h"

static struct fixture fx_unix = {.tcp = false};
static struct fixture fx_tcp = {.tcp = true};

static char out[65536];
static struct fake_child drv_child = {.events = -1, .control = -1};

/* Setup: the daemon, then the driver in a child (forked before this process has threads). */
static int cli_setup(void **state)
{
    struct fixture *fx = *state;
    int rc = fx_setup(state);
    if (rc != 0)
        return rc;
    struct fake_driver_options o = {
        .uri = harness_uri(&fx->d, fx->tcp),
        .token_file = fx->tcp ? fx->d.token_file : NULL,
        .device = "plx0",
        .name = "cli-fake-driver",
        .mode = FAKE_WORKER,
    };
    if (fake_child_spawn(&o, &drv_child) != 0) {
        fprintf(stderr, "test_io_cli: the fake driver failed: %s\n", drv_child.buf);
        fx_teardown(state);
        return -1;
    }
    fx->child = drv_child.pid;
    return 0;
}

/* Teardown: the driver must have survived and stop cleanly; then the fixture's checks. */
static int cli_teardown(void **state)
{
    struct fixture *fx = *state;
    bool alive = drv_child.pid > 0 && kill(drv_child.pid, 0) == 0;
    int code = fake_child_stop(&drv_child, ITEST_TIMEOUT_MS);
    fx->child = 0;
    if (!alive)
        fprintf(stderr, "test_io_cli: the fake driver died during the test\n");
    else if (code == FAKE_CHILD_DISCONNECTED)
        fprintf(stderr, "test_io_cli: the daemon closed the fake driver's connection\n");
    else if (code != 0)
        fprintf(stderr, "test_io_cli: the fake driver did not stop cleanly (exit %d)\n", code);
    int rc = fx_teardown(state);
    return alive && code == 0 ? rc : -1;
}

#define CLI_TEST(f, fx) cmocka_unit_test_prestate_setup_teardown(f, cli_setup, cli_teardown, &(fx))

static int cli(struct fixture *fx, const char *const argv[])
{
    return harness_cli(&fx->d, fx->tcp, argv, out, sizeof(out));
}

/* Runs the CLI and checks its exit code, showing the output when it differs. */
static void cli_expect(struct fixture *fx, int code, const char *const argv[])
{
    int rc = cli(fx, argv);
    if (rc != code) {
        char cmd[256] = "";
        for (size_t i = 0; argv[i] != NULL; i++)
            snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", argv[i]);
        fail_msg("dmaemu%s: exit %d, expected %d; output:\n%s", cmd, rc, code, out);
    }
}

static void expect_in_output(const char *needle)
{
    if (strstr(out, needle) == NULL)
        fail_msg("\"%s\" not in the CLI output:\n%s", needle, out);
}

static void expect_not_in_output(const char *needle)
{
    if (strstr(out, needle) != NULL)
        fail_msg("\"%s\" unexpectedly in the CLI output:\n%s", needle, out);
}

/* True if the output has a line that is exactly `line`. */
static bool has_line(const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++)
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void expect_line(const char *line)
{
    if (!has_line(line))
        fail_msg("no line \"%s\" in the CLI output:\n%s", line, out);
}

/* write, then read --verify ------------------------------------------------------------------- */

static void test_cli_write_verify(void **state)
{
    struct fixture *fx = *state;
    static const char *const wr[] = {"io",        "write",    "plx0",     "--size", "64K",
                                     "--pattern", "random:7", "--offset", "4096",   NULL};
    cli_expect(fx, 0, wr);
    expect_in_output("STATUS_SUCCESS, information 65536");

    static const char *const rd[] = {"io",       "read",     "plx0",     "--size", "64K",
                                     "--verify", "random:7", "--offset", "4096",   NULL};
    cli_expect(fx, 0, rd);
    expect_line("verified 65536 bytes");
    expect_in_output("STATUS_SUCCESS, information 65536");

    /* Another seed, or the same one at another offset, is not what was written. */
    static const char *const bad_seed[] = {"io",       "read",     "plx0",     "--size", "64K",
                                           "--verify", "random:8", "--offset", "4096",   NULL};
    cli_expect(fx, 1, bad_seed);
    expect_not_in_output("verified");
    expect_in_output("verify");
    static const char *const bad_off[] = {"io",       "read",     "plx0",     "--size", "64K",
                                          "--verify", "random:7", "--offset", "4104",   NULL};
    cli_expect(fx, 1, bad_off);
    expect_not_in_output("verified");

    /* A slice of what was written verifies at its own offset. */
    static const char *const slice[] = {"io",       "read",     "plx0",     "--size", "100",
                                        "--verify", "random:7", "--offset", "10000",  NULL};
    cli_expect(fx, 0, slice);
    expect_line("verified 100 bytes");
}

/* The documented counter pattern (offset & 0xff), seen through --hex. */
static void test_cli_counter_hex(void **state)
{
    struct fixture *fx = *state;
    static const char *const wr[] = {"io",        "write",   "plx0",     "--size", "300",
                                     "--pattern", "counter", "--offset", "70000",  NULL};
    cli_expect(fx, 0, wr);
    static const char *const rd[] = {"io",       "read",  "plx0",  "--size", "20",
                                     "--offset", "70010", "--hex", NULL};
    cli_expect(fx, 0, rd);
    /* 70010 = 0x1117A: bytes 7a 7b ... */
    expect_line("7a 7b 7c 7d 7e 7f 80 81 82 83 84 85 86 87 88 89");
    expect_line("8a 8b 8c 8d");
    static const char *const zero[] = {"io",       "read", "plx0",     "--size", "8",
                                       "--verify", "zero", "--offset", "69992",  NULL};
    cli_expect(fx, 0, zero); /* just before what was written: still zero */
    expect_line("verified 8 bytes");
}

/* ioctl ---------------------------------------------------------------------------------------- */

static void test_cli_ioctl(void **state)
{
    struct fixture *fx = *state;
    static const char *const full[] = {"io",     "ioctl", "plx0", "0x222004", "--in",
                                       "010203", "--out", "3",    NULL};
    cli_expect(fx, 0, full);
    expect_line("03 02 01");
    expect_in_output("STATUS_SUCCESS, information 3");

    static const char *const cut[] = {"io",     "ioctl", "plx0", "0x222004", "--in",
                                      "010203", "--out", "2",    NULL};
    cli_expect(fx, 0, cut);
    expect_line("03 02");
    expect_in_output("information 2");

    static const char *const unknown[] = {"io", "ioctl", "plx0", "0x222000", "--in", "01", NULL};
    cli_expect(fx, 1, unknown);
    expect_in_output("STATUS_INVALID_DEVICE_REQUEST");
}

/* stress --------------------------------------------------------------------------------------- */

static void test_cli_stress(void **state)
{
    struct fixture *fx = *state;
    static const char *const argv[] = {"io",         "stress", "plx0",   "--threads", "4",
                                       "--duration", "2s",     "--span", "1M",        NULL};
    cli_expect(fx, 0, argv);
    expect_line("ok: 0 failures");
    expect_in_output("stress: 4 threads");
    expect_not_in_output("FAILED");
}

/* Failures ------------------------------------------------------------------------------------- */

static void test_cli_no_driver(void **state)
{
    struct fixture *fx = *state;
    static const char *const rd[] = {"io", "read", "plx1", "--size", "16", NULL};
    cli_expect(fx, 1, rd);
    expect_in_output("STATUS_DEVICE_NOT_CONNECTED");
    static const char *const wr[] = {"io", "write", "plx1", "--size", "16", NULL};
    cli_expect(fx, 1, wr);
    expect_in_output("STATUS_DEVICE_NOT_CONNECTED");

    /* Beyond the driver's memory: its own failure status. */
    static const char *const far[] = {"io", "read", "plx0", "--size", "16", "--offset", "2M", NULL};
    cli_expect(fx, 1, far);
    expect_in_output("STATUS_INVALID_PARAMETER");

    static const char *const nodev[] = {"io", "read", "plx9", "--size", "16", NULL};
    cli_expect(fx, 1, nodev);
    expect_in_output("plx9");
}

static void test_cli_usage(void **state)
{
    struct fixture *fx = *state;
    static const char *const cases[][12] = {
        {"io", NULL},
        {"io", "read", NULL},
        {"io", "read", "plx0", NULL},
        {"io", "frobnicate", "plx0", NULL},
        {"io", "read", "plx0", "plx1", "--size", "4", NULL},
        {"io", "read", "plx0", "--size", "12Q", NULL},
        {"io", "write", "plx0", "--size", "4", "--pattern", "plaid", NULL},
        {"io", "read", "plx0", "--size", "4", "--bogus", NULL},
        {"io", "ioctl", "plx0", NULL},
        {"io", "ioctl", "plx0", "0x222004", "--in", "0102x", NULL},
        {"io", "ioctl", "plx0", "0x1222004000", NULL},
        {"io", "stress", "plx0", "--threads", "4", NULL},
        {"io", "stress", "plx0", "--threads", "0", "--duration", "1s", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cli_expect(fx, 2, cases[i]);
        expect_in_output("usage:");
    }
    /* Nothing of that reached the device: the help still works, and the driver is fine. */
    static const char *const help[] = {"io", "--help", NULL};
    cli_expect(fx, 0, help);
    expect_in_output("dmaemu io write DEV");
    static const char *const ok[] = {"io", "ioctl", "plx0", "0x222004", "--in",
                                     "aa", "--out", "1",    NULL};
    cli_expect(fx, 0, ok);
    expect_line("aa");
}

#define IO_CLI_TESTS(fx)                                                                           \
    CLI_TEST(test_cli_write_verify, fx), CLI_TEST(test_cli_counter_hex, fx),                       \
        CLI_TEST(test_cli_ioctl, fx), CLI_TEST(test_cli_stress, fx),                               \
        CLI_TEST(test_cli_no_driver, fx), CLI_TEST(test_cli_usage, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {IO_CLI_TESTS(fx_unix)};
    const struct CMUnitTest tcp_tests[] = {IO_CLI_TESTS(fx_tcp)};
    int failed = cmocka_run_group_tests_name("io_cli/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("io_cli/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
