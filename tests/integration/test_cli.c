/*
 * test_cli.c: the dmaemu command-line tool against a real daemon: device lists (text and JSON,
 * with the owner after a driver attaches), help, usage errors and authentication failures.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <strings.h>

#include "itest.h"

static struct fixture fx_unix = {.tcp = false};
static struct fixture fx_tcp = {.tcp = true};

#define OUT_CAP 65536

static char out[OUT_CAP];

static int cli(struct fixture *fx, const char *const argv[])
{
    return harness_cli(&fx->d, fx->tcp, argv, out, sizeof(out));
}

static void expect_in_output(const char *needle)
{
    if (strstr(out, needle) == NULL)
        fail_msg("\"%s\" not in the CLI output:\n%s", needle, out);
}

/* True if some line of the output holds both words. */
static bool line_with(const char *a, const char *b)
{
    for (const char *line = out; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < 511 ? len : 511), line);
        if (strstr(buf, a) != NULL && strstr(buf, b) != NULL)
            return true;
        line = end ? end + 1 : NULL;
    }
    return false;
}

static void test_cli_devices(void **state)
{
    struct fixture *fx = *state;
    static const char *const argv[] = {"devices", NULL};
    int rc = cli(fx, argv);
    if (rc != 0)
        fail_msg("dmaemu devices: exit %d:\n%s", rc, out);
    assert_true(line_with("plx0", "plx9656"));
    assert_true(line_with("plx1", "plx9656"));

    dmaemu_t *drv = fx_driver(fx, "text-list-driver", "plx1");
    assert_int_equal(cli(fx, argv), 0);
    assert_true(line_with("plx1", "text-list-driver"));
    assert_false(line_with("plx0", "text-list-driver"));
    fx_close(fx, drv);
}

/* JSON ----------------------------------------------------------------------------------------- */

static json_t *parse_devices(void)
{
    json_error_t err;
    json_t *root = json_loads(out, 0, &err);
    if (root == NULL)
        fail_msg("devices --json is not JSON (%s, line %d):\n%s", err.text, err.line, out);
    json_t *arr = json_is_array(root) ? root : json_object_get(root, "devices");
    if (!json_is_array(arr))
        fail_msg("devices --json: no device array:\n%s", out);
    json_incref(arr);
    json_decref(root);
    return arr;
}

static json_t *json_device(json_t *arr, const char *name)
{
    size_t i;
    json_t *dev;
    json_array_foreach(arr, i, dev)
    {
        const char *n = json_string_value(json_object_get(dev, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return dev;
    }
    fail_msg("device %s not in the JSON list:\n%s", name, out);
    return NULL;
}

static const char *json_str(json_t *dev, const char *key)
{
    const char *s = json_string_value(json_object_get(dev, key));
    if (s == NULL)
        fail_msg("device field \"%s\" missing or not a string:\n%s", key, out);
    return s;
}

/* The owner: null (or "") when free; a string or an object naming the driver when owned. */
static void check_json_owner(json_t *dev, const char *owner)
{
    json_t *o = json_object_get(dev, "owner");
    if (o == NULL)
        fail_msg("device field \"owner\" missing:\n%s", out);
    if (owner == NULL) {
        assert_true(json_is_null(o) || (json_is_string(o) && json_string_length(o) == 0));
        assert_string_equal(json_str(dev, "state"), "free");
        return;
    }
    assert_string_equal(json_str(dev, "state"), "owned");
    const char *s =
        json_is_object(o) ? json_string_value(json_object_get(o, "name")) : json_string_value(o);
    if (s == NULL || strstr(s, owner) == NULL)
        fail_msg("owner does not name %s:\n%s", owner, out);
}

static void check_json_list(const char *owner0)
{
    json_t *arr = parse_devices();
    assert_int_equal(json_array_size(arr), 2);
    json_t *d0 = json_device(arr, "plx0"), *d1 = json_device(arr, "plx1");
    assert_string_equal(json_str(d0, "model"), "plx9656");
    assert_string_equal(json_str(d1, "model"), "plx9656");
    check_json_owner(d0, owner0);
    check_json_owner(d1, NULL);
    json_decref(arr);
}

static void test_cli_devices_json(void **state)
{
    struct fixture *fx = *state;
    static const char *const argv[] = {"devices", "--json", NULL};
    int rc = cli(fx, argv);
    if (rc != 0)
        fail_msg("dmaemu devices --json: exit %d:\n%s", rc, out);
    check_json_list(NULL);

    dmaemu_t *drv = fx_driver(fx, "json-driver", "plx0");
    assert_int_equal(cli(fx, argv), 0);
    check_json_list("json-driver");

    assert_int_equal(dmaemu_detach(drv), 0);
    assert_int_equal(cli(fx, argv), 0);
    check_json_list(NULL);
}

/* Help, usage, failures ------------------------------------------------------------------------ */

static void test_cli_help(void **state)
{
    static const char *const argv[] = {"--help", NULL};
    assert_int_equal(cli(*state, argv), 0);
    expect_in_output("devices");
}

static void test_cli_usage_errors(void **state)
{
    static const char *const unknown_cmd[] = {"frobnicate", NULL};
    static const char *const unknown_opt[] = {"--no-such-option", "devices", NULL};
    static const char *const unknown_sub[] = {"devices", "--no-such-option", NULL};
    assert_int_equal(cli(*state, unknown_cmd), 2);
    assert_int_equal(cli(*state, unknown_opt), 2);
    assert_int_equal(cli(*state, unknown_sub), 2);
}

static bool mentions_token(void)
{
    for (const char *p = out; *p != '\0'; p++)
        if (strncasecmp(p, "token", 5) == 0)
            return true;
    return false;
}

static void test_cli_wrong_token(void **state)
{
    struct fixture *fx = *state;
    struct harness_daemon wrong = fx->d;
    snprintf(wrong.token_file, sizeof(wrong.token_file), "%s/wrong-token", fx->d.dir);
    FILE *f = fopen(wrong.token_file, "we");
    assert_non_null(f);
    fprintf(f, "%s\n", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    fclose(f);
    static const char *const argv[] = {"devices", NULL};
    assert_int_equal(harness_cli(&wrong, true, argv, out, sizeof(out)), 1);
    if (!mentions_token())
        fail_msg("the refusal does not mention the token:\n%s", out);
    assert_true(harness_alive(&fx->d));
}

static void test_cli_no_daemon(void **state)
{
    struct fixture *fx = *state;
    struct harness_daemon gone = fx->d;
    snprintf(gone.unix_uri, sizeof(gone.unix_uri), "unix:%s/no-such.sock", fx->d.dir);
    static const char *const argv[] = {"devices", NULL};
    assert_int_equal(harness_cli(&gone, false, argv, out, sizeof(out)), 1);
    assert_true(out[0] != '\0'); /* says why */
}

#define CLI_TESTS(fx)                                                                              \
    FX_TEST(test_cli_devices, fx), FX_TEST(test_cli_devices_json, fx), FX_TEST(test_cli_help, fx), \
        FX_TEST(test_cli_usage_errors, fx)

int main(void)
{
    const struct CMUnitTest unix_tests[] = {CLI_TESTS(fx_unix),
                                            FX_TEST(test_cli_no_daemon, fx_unix)};
    const struct CMUnitTest tcp_tests[] = {CLI_TESTS(fx_tcp),
                                           FX_TEST(test_cli_wrong_token, fx_tcp)};
    int failed = cmocka_run_group_tests_name("cli/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("cli/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
