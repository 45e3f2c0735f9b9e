/* test_config.c: INI parsing, defaults, device parameters and their error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "model.h"
#include "params.h"
#include "units.h"

static char ini_path[64];

/* Writes text to a fresh temporary file and loads it; returns config_load_file's result. */
static int load(struct config *c, const char *text, char *err, size_t errlen)
{
    snprintf(ini_path, sizeof(ini_path), "/tmp/dmaemu-test-XXXXXX");
    int fd = mkstemp(ini_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config_init(c);
    int rc = config_load_file(c, ini_path, err, errlen);
    unlink(ini_path);
    return rc;
}

static void test_daemon_section(void **state)
{
    struct config c;
    char err[512] = "";
    assert_int_equal(load(&c,
                          "; comment\n[daemon]\nsocket = /tmp/x.sock\nlisten = tcp://0.0.0.0:7681\n"
                          "token_file = /etc/t\nlog_level = debug\n",
                          err, sizeof(err)),
                     0);
    assert_string_equal(c.socket_path, "/tmp/x.sock");
    assert_string_equal(c.listen, "tcp://0.0.0.0:7681");
    assert_string_equal(c.token_file, "/etc/t");
    assert_int_equal(c.log_level, LOG_DEBUG);
    assert_int_equal(c.ndevices, 0);
    config_free(&c);
}

static void test_devices_and_defaults(void **state)
{
    struct config c;
    char err[512] = "";
    assert_int_equal(
        load(&c, "[device a]\nmodel = plx9656\nsram_size = 1M\n[device b]\nmodel = plx9656\n", err,
             sizeof(err)),
        0);
    assert_int_equal(c.ndevices, 2);
    assert_string_equal(c.devices[0].name, "a");
    assert_int_equal(c.devices[0].nkv, 1);
    assert_string_equal(c.devices[0].kv[0].key, "sram_size");
    assert_int_equal(c.devices[0].kv[0].line, 3);
    config_add_default_devices(&c); /* configured devices replace the defaults */
    assert_int_equal(c.ndevices, 2);
    config_free(&c);

    config_init(&c);
    config_add_default_devices(&c);
    assert_int_equal(c.ndevices, 2);
    assert_string_equal(c.devices[0].name, "plx0");
    assert_string_equal(c.devices[1].name, "plx1");
    assert_string_equal(c.devices[1].model, "plx9656");
    config_free(&c);
}

static void expect_error(const char *text, const char *fragment, int line)
{
    struct config c;
    char err[512] = "", where[32];
    assert_int_equal(load(&c, text, err, sizeof(err)), -1);
    snprintf(where, sizeof(where), ":%d:", line);
    if (strstr(err, fragment) == NULL || strstr(err, where) == NULL ||
        strstr(err, ini_path) == NULL)
        fail_msg("error '%s' lacks '%s', line %d or the file name", err, fragment, line);
    config_free(&c);
}

static void test_errors_name_file_line_key(void **state)
{
    expect_error("[daemon]\nsocket = /x\nbogus = 1\n", "key 'bogus'", 3);
    expect_error("[daemon]\nlog_level = loud\n", "key 'log_level'", 2);
    expect_error("[elsewhere]\nx = 1\n", "unknown section", 2);
    expect_error("x = 1\n", "outside any section", 1);
    expect_error("[device a]\nmodel = plx9656\nk = 1\nk = 2\n", "given twice", 4);
    expect_error("[device bad name!]\nmodel = plx9656\n", "device names", 2);
    expect_error("[device a]\nsram_size = 1M\n", "key 'model'", 1);
    expect_error("[daemon]\nthis line is not ini\n", "syntax error", 2);
}

static void test_missing_file(void **state)
{
    struct config c;
    char err[512];
    config_init(&c);
    assert_int_equal(config_load_file(&c, "/nonexistent/dmaemu.ini", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/dmaemu.ini"));
    assert_non_null(strstr(err, "No such file"));
    config_free(&c);
}

static void test_tcp_uri(void **state)
{
    char host[64], err[128];
    int port;
    assert_int_equal(
        config_parse_tcp_uri("tcp://127.0.0.1:7681", host, sizeof(host), &port, err, sizeof(err)),
        0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 7681);
    assert_int_equal(
        config_parse_tcp_uri("tcp://[::1]:0", host, sizeof(host), &port, err, sizeof(err)), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    const char *bad[] = {"127.0.0.1:1", "tcp://host",   "tcp://:1", "tcp://h:70000",
                         "tcp://h:1x",  "tcp://[::1]1", "tcp://h:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(config_parse_tcp_uri(bad[i], host, sizeof(host), &port, err, sizeof(err)),
                         -1);
}

static void test_size_and_duration_parsers(void **state)
{
    uint64_t v;
    assert_int_equal(parse_size("128K", &v), 0);
    assert_int_equal(v, 128u << 10);
    assert_int_equal(parse_size("64MiB", &v), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(parse_size("0x1000", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(parse_size("1g", &v), 0);
    assert_int_equal(v, 1u << 30);
    assert_int_equal(parse_size("fast", &v), -1);
    assert_int_equal(parse_size("-1", &v), -1);
    assert_int_equal(parse_size("99999999999999999999", &v), -1);
    assert_int_equal(parse_size("17179869184G", &v), -1); /* overflows 64 bits */
    assert_int_equal(parse_duration_ns("10us", &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(parse_duration_ns("2ms", &v), 0);
    assert_int_equal(v, 2000000);
    assert_int_equal(parse_duration_ns("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_duration_ns("5", &v), -1); /* a non-zero duration needs a unit */
    assert_int_equal(parse_duration_ns("5 min", &v), -1);
}

static struct device_config one_device(struct config_kv *kv, size_t n)
{
    struct device_config dc = {.name = "d0", .model = "m", .line = 7, .kv = kv, .nkv = n};
    return dc;
}

static void test_params_typed_and_unknown(void **state)
{
    struct config_kv kv[] = {{"size", "2M", 8, false},
                             {"lat", "3us", 9, false},
                             {"id", "0x9656", 10, false},
                             {"typo", "1", 11, false}};
    struct device_config dc = one_device(kv, 4);
    struct dev_params p;
    uint64_t size, lat, id, missing;
    dev_params_init(&p, "f.ini", &dc);
    assert_int_equal(dev_params_size(&p, "size", 0, 0, UINT64_MAX, &size), 0);
    assert_int_equal(size, 2u << 20);
    assert_int_equal(dev_params_duration(&p, "lat", 0, UINT64_MAX, &lat), 0);
    assert_int_equal(lat, 3000);
    assert_int_equal(dev_params_u64(&p, "id", 0, 0, 0xFFFF, &id), 0);
    assert_int_equal(id, 0x9656);
    assert_int_equal(dev_params_u64(&p, "missing", 42, 0, 100, &missing), 0);
    assert_int_equal(missing, 42);
    assert_int_equal(dev_params_finish(&p), -1);
    assert_non_null(strstr(p.err, "f.ini:11: key 'typo' in [device d0]: unknown key"));
}

static void test_params_range_and_format(void **state)
{
    struct config_kv kv[] = {{"id", "0x10000", 8, false}, {"size", "lots", 9, false}};
    struct device_config dc = one_device(kv, 2);
    struct dev_params p;
    uint64_t v;
    dev_params_init(&p, "f.ini", &dc);
    assert_int_equal(dev_params_u64(&p, "id", 0, 0, 0xFFFF, &v), -1);
    assert_non_null(strstr(p.err, "f.ini:8: key 'id'"));
    assert_non_null(strstr(p.err, "out of range"));

    dev_params_init(&p, "f.ini", &dc);
    assert_int_equal(dev_params_size(&p, "size", 0, 0, UINT64_MAX, &v), -1);
    assert_non_null(strstr(p.err, "f.ini:9: key 'size'"));
    assert_non_null(strstr(p.err, "not a size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daemon_section),
        cmocka_unit_test(test_devices_and_defaults),
        cmocka_unit_test(test_errors_name_file_line_key),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_tcp_uri),
        cmocka_unit_test(test_size_and_duration_parsers),
        cmocka_unit_test(test_params_typed_and_unknown),
        cmocka_unit_test(test_params_range_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
