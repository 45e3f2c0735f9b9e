/* test_wpp_tmh.c: the .tmh generator's parser and emitter (tools/wpp_tmh_parse.c, _emit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wpp_tmh.h"

static struct wpp_config cfg;
static char err[512];

static int parse(const char *text)
{
    err[0] = '\0';
    return wpp_parse_header(text, strlen(text), &cfg, err, sizeof(err));
}

/* A PLX9x5x-style header: CRLF, comments between bits, a backslash inside a block comment. */
static const char plx_header[] =
    "#include <evntrace.h> // For TRACE_LEVEL definitions\r\n"
    "\r\n"
    "#define WPP_CHECK_FOR_NULL_STRING  //to prevent exceptions due to NULL strings\r\n"
    "\r\n"
    "#define WPP_CONTROL_GUIDS \\\r\n"
    "    WPP_DEFINE_CONTROL_GUID(PlxTraceGuid, (ca630800, D4D4, 4457,8983, DFBBFCAC5542),\\\r\n"
    "        WPP_DEFINE_BIT(DBG_INIT)             /* bit  0 = 0x00000001 */ \\\r\n"
    "        WPP_DEFINE_BIT(DBG_PNP)              /* bit  1 = 0x00000002 */ \\\r\n"
    "        WPP_DEFINE_BIT(DBG_POWER)            /* bit  2 = 0x00000004 */ \\  \r\n"
    "        /* up to 32 defines. If you want more than that,\\\r\n"
    "            provide another trace control GUID */\\\r\n"
    "        WPP_DEFINE_BIT(DBG_DPC)\\\r\n"
    "        )\r\n"
    "\r\n"
    "#define WPP_LEVEL_FLAGS_LOGGER(lvl,flags) WPP_LEVEL_LOGGER(flags)\r\n"
    "#define WPP_LEVEL_FLAGS_ENABLED(lvl, flags) (WPP_LEVEL_ENABLED(flags) && "
    "WPP_CONTROL(WPP_BIT_ ## flags).Level  >= lvl)\r\n";

static void test_plx_style_header(void **state)
{
    (void)state;
    assert_int_equal(parse(plx_header), 0);
    assert_int_equal(cfg.control_count, 1);
    assert_string_equal(cfg.controls[0].name, "PlxTraceGuid");
    assert_string_equal(cfg.controls[0].guid, "ca630800-d4d4-4457-8983-dfbbfcac5542");
    assert_int_equal(cfg.controls[0].bit_count, 4);
    assert_string_equal(cfg.controls[0].bits[0], "DBG_INIT");
    assert_string_equal(cfg.controls[0].bits[2], "DBG_POWER");
    assert_string_equal(cfg.controls[0].bits[3], "DBG_DPC");
    assert_int_equal(cfg.func_count, 0); /* no begin_wpp block: the caller picks the default */
}

static const char multi_header[] =
    "// #define WPP_CONTROL_GUIDS not this one, it is a comment\n"
    "#define WPP_CONTROL_GUIDS(x) nor this one, it is function-like\n"
    "#  define   WPP_CONTROL_GUIDS \\\n"
    "    WPP_DEFINE_CONTROL_GUID( \\\n"
    "        MyDriverTraceGuid, (84bdb2e9,829e,41b3,b891,02f454bc2bd7), \\\n"
    "        WPP_DEFINE_BIT(MYDRIVER_ALL_INFO) \\\n"
    "        WPP_DEFINE_BIT(TRACE_DRIVER) \\\n"
    "        ) \\\n"
    "    WPP_DEFINE_CONTROL_GUID(Other, (11111111,2222,3333,4444,555555555555), \\\n"
    "        WPP_DEFINE_BIT(OTHER_A) )\n"
    "//\n"
    "// begin_wpp config\n"
    "// FUNC Trace{FLAG=MYDRIVER_ALL_INFO}(LEVEL, MSG, ...);\n"
    "// FUNC TraceEvents(LEVEL, FLAGS, MSG, ...);\n"
    "// USEPREFIX(TraceEvents, \"%!STDPREFIX!\");\n"
    "// end_wpp\n"
    "// FUNC Outside(LEVEL, MSG, ...);\n"
    "/*\n"
    " * begin_wpp config\n"
    " * FUNC TraceError{LEVEL=TRACE_LEVEL_ERROR, FLAGS=OTHER_A}(MSG, ...);\n"
    " * FUNC TraceIfFailed(LEVEL, FLAGS, HR, MSG, ...)\n"
    " * end_wpp\n"
    " */";

static void test_several_controls_and_config_blocks(void **state)
{
    (void)state;
    assert_int_equal(parse(multi_header), 0);
    assert_int_equal(cfg.control_count, 2);
    assert_string_equal(cfg.controls[0].name, "MyDriverTraceGuid");
    assert_int_equal(cfg.controls[0].bit_count, 2);
    assert_string_equal(cfg.controls[1].name, "Other");
    assert_string_equal(cfg.controls[1].bits[0], "OTHER_A");

    assert_int_equal(cfg.func_count, 4);
    const struct wpp_func *trace = &cfg.funcs[0];
    assert_string_equal(trace->name, "Trace");
    assert_int_equal(trace->param_count, 2);
    assert_string_equal(trace->params[0].name, "FLAG");
    assert_true(trace->params[0].fixed);
    assert_string_equal(trace->params[0].value, "MYDRIVER_ALL_INFO");
    assert_string_equal(trace->params[1].name, "LEVEL");
    assert_false(trace->params[1].fixed);
    assert_string_equal(cfg.funcs[1].name, "TraceEvents");
    const struct wpp_func *error = &cfg.funcs[2];
    assert_string_equal(error->name, "TraceError");
    assert_int_equal(error->param_count, 2);
    assert_string_equal(error->params[1].value, "OTHER_A");
    assert_string_equal(cfg.funcs[3].name, "TraceIfFailed");
    assert_int_equal(cfg.funcs[3].param_count, 3);
    assert_string_equal(cfg.funcs[3].params[2].name, "HR");
}

static void test_line_comment_hides_the_rest_of_the_macro(void **state)
{
    (void)state;
    /* As in C: the backslash splices the next line into the // comment. */
    assert_int_equal(
        parse("#define WPP_CONTROL_GUIDS \\\n"
              "  WPP_DEFINE_CONTROL_GUID(G, (84bdb2e9,829e,41b3,b891,02f454bc2bd7), \\\n"
              "    WPP_DEFINE_BIT(A) // first \\\n"
              "    WPP_DEFINE_BIT(B) \\\n"
              "  )\n"),
        -1);
    assert_non_null(strstr(err, "ends before"));
}

static void test_header_errors(void **state)
{
    (void)state;
    assert_int_equal(parse("#define WPP_CONTROL_GUIDS_X 1\n"), -1);
    assert_non_null(strstr(err, "no #define WPP_CONTROL_GUIDS"));

    assert_int_equal(parse("#define WPP_CONTROL_GUIDS WPP_DEFINE_CONTROL_GUID(G, (84bdb2e9,829e,"
                           "41b3,b891,02f454bc2bd), WPP_DEFINE_BIT(A))\n"),
                     -1);
    assert_non_null(strstr(err, "part 5 should be 12 hex digits"));

    assert_int_equal(parse("#define WPP_CONTROL_GUIDS WPP_DEFINE_CONTROL_GUID(G, (84bdb2e9,829e,"
                           "41b3,b891,02f454bc2bd7), WPP_DEFINE_BIT(A) WPP_DEFINE_BIT(A))\n"),
                     -1);
    assert_non_null(strstr(err, "appears twice"));

    assert_int_equal(parse("#define WPP_CONTROL_GUIDS\n"), -1);
    assert_non_null(strstr(err, "no control GUID"));

    assert_int_equal(parse("#define WPP_CONTROL_GUIDS WPP_DEFINE_CONTROL_GUID(G, (84bdb2e9,829e,"
                           "41b3,b891,02f454bc2bd7), WPP_DEFINE_BIT(A))\n"
                           "// begin_wpp config\n// FUNC Bad(LEVEL);\n// end_wpp\n"),
                     -1);
    assert_non_null(strstr(err, "must end with MSG"));
}

/* A header whose one control has n bits B0..B(n-1). */
static char *header_with_bits(unsigned n)
{
    size_t cap = 200 + n * 32;
    char *h = malloc(cap);
    size_t k = (size_t)snprintf(h, cap,
                                "#define WPP_CONTROL_GUIDS WPP_DEFINE_CONTROL_GUID(G, "
                                "(84bdb2e9,829e,41b3,b891,02f454bc2bd7), \\\n");
    for (unsigned i = 0; i < n; i++)
        k += (size_t)snprintf(h + k, cap - k, "  WPP_DEFINE_BIT(B%u) \\\n", i);
    snprintf(h + k, cap - k, ")\n");
    return h;
}

static void test_thirty_two_bits_per_control(void **state)
{
    (void)state;
    char *h = header_with_bits(32);
    assert_int_equal(parse(h), 0);
    assert_int_equal(cfg.controls[0].bit_count, 32);
    free(h);
    h = header_with_bits(33);
    assert_int_equal(parse(h), -1);
    assert_non_null(strstr(err, "more than 32"));
    free(h);
}

static void test_func_specs(void **state)
{
    (void)state;
    struct wpp_func f;
    assert_int_equal(wpp_parse_func("TraceEvents(LEVEL,FLAGS,MSG,...)", &f, err, sizeof(err)), 0);
    assert_string_equal(f.name, "TraceEvents");
    assert_int_equal(f.param_count, 2);
    assert_int_equal(
        wpp_parse_func(" DoTraceMessage ( LEVEL , MSG , ... ) ; ", &f, err, sizeof(err)), 0);
    assert_int_equal(f.param_count, 1);
    assert_int_equal(wpp_parse_func("Log(MSG)", &f, err, sizeof(err)), 0);
    assert_int_equal(f.param_count, 0);
    assert_int_equal(wpp_parse_func("T{LEVEL=(1 + 2), FLAGS=X}(MSG, ...)", &f, err, sizeof(err)),
                     0);
    assert_string_equal(f.params[0].value, "(1 + 2)");

    assert_int_equal(wpp_parse_func("T(LEVEL, FLAGS)", &f, err, sizeof(err)), -1);
    assert_int_equal(wpp_parse_func("T(MSG, LEVEL)", &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "only '...' may follow MSG"));
    assert_int_equal(wpp_parse_func("T(LEVEL, LEVEL, MSG, ...)", &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "appears twice"));
    assert_int_equal(wpp_parse_func("T LEVEL, MSG, ...)", &f, err, sizeof(err)), -1);
    assert_int_equal(wpp_parse_func("9T(MSG, ...)", &f, err, sizeof(err)), -1);
}

static void test_put_func_replaces_by_name(void **state)
{
    (void)state;
    assert_int_equal(parse(plx_header), 0);
    struct wpp_func f;
    assert_int_equal(wpp_parse_func("TraceEvents(LEVEL, FLAGS, MSG, ...)", &f, err, sizeof(err)),
                     0);
    assert_int_equal(wpp_config_put_func(&cfg, &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_parse_func("TraceEvents(FLAGS, MSG, ...)", &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_config_put_func(&cfg, &f, err, sizeof(err)), 0);
    assert_int_equal(cfg.func_count, 1);
    assert_int_equal(cfg.funcs[0].param_count, 1);
}

static char *emit(const char *source)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(wpp_emit_tmh(f, &cfg, source, "/abs/path/trace.h"), 0);
    fclose(f);
    return buf;
}

static void test_emit_plx(void **state)
{
    (void)state;
    assert_int_equal(parse(plx_header), 0);
    struct wpp_func f;
    assert_int_equal(wpp_parse_func("TraceEvents(LEVEL,FLAGS,MSG,...)", &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_config_put_func(&cfg, &f, err, sizeof(err)), 0);
    char *a = emit("/some/dir/Pci9656.c");
    char *b = emit("/some/dir/Pci9656.c");
    assert_string_equal(a, b);           /* deterministic */
    assert_null(strstr(a, "/some/dir")); /* no paths in the output */
    assert_null(strstr(a, "/abs/path"));
    assert_non_null(strstr(a, "#ifndef DMAEMU_WPP_TMH_Pci9656_c\n"));
    assert_non_null(strstr(a, "#include <dmaemu_shim.h>\n"));
    assert_non_null(strstr(a, "    WPP_BIT_DBG_PNP = 0x00000002,\n"));
    assert_non_null(strstr(a, "#define DBG_PNP DBG_PNP\n"));
    assert_non_null(strstr(a, "    DBG_DPC = 0x00000008,\n"));
    assert_non_null(strstr(a, "#define TraceEvents(LEVEL, FLAGS, ...)"));
    assert_non_null(strstr(a, "#ifdef WPP_LEVEL_FLAGS_ENABLED\n#define WPP_SHIM_ENABLED_TraceEvents"
                              "(LEVEL, FLAGS) WPP_LEVEL_FLAGS_ENABLED(LEVEL, FLAGS)\n"));
    assert_non_null(strstr(a, "dmaemu_shim_trace((unsigned)(LEVEL), WPP_MASK(WPP_BIT_##FLAGS), "
                              "#FLAGS,"));
    assert_non_null(strstr(a, "__FILE__, __LINE__, __func__, __VA_ARGS__)"));
    assert_non_null(strstr(a, "dmaemu_shim_wpp_init(\"PlxTraceGuid\", dmaemu_wpp_bits_0, 4u);"));
    assert_non_null(strstr(a, "#define WPP_CLEANUP(DriverObject)"));
    free(a);
    free(b);
}

static void test_emit_fixed_params_and_bit_31(void **state)
{
    (void)state;
    char *h = header_with_bits(32);
    assert_int_equal(parse(h), 0);
    free(h);
    struct wpp_func f;
    assert_int_equal(wpp_parse_func("Trace{FLAG=B31}(LEVEL, MSG, ...)", &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_config_put_func(&cfg, &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_parse_func("Log(MSG, ...)", &f, err, sizeof(err)), 0);
    assert_int_equal(wpp_config_put_func(&cfg, &f, err, sizeof(err)), 0);
    char *a = emit("x.c");
    assert_non_null(strstr(a, "    B31 = (int)0x80000000u,\n"));
    assert_non_null(strstr(a, "    WPP_BIT_B31 = 0x00000020,\n"));
    assert_non_null(strstr(a, "#define WPP_SHIM_ENABLED_Trace(FLAG, LEVEL) "
                              "WPP_FLAG_LEVEL_ENABLED(FLAG, LEVEL)\n"));
    assert_non_null(strstr(a, "if (WPP_SHIM_ENABLED_Trace(B31, LEVEL))"));
    assert_non_null(strstr(a, "WPP_MASK(WPP_BIT_B31), \"B31\","));
    assert_non_null(strstr(a, "#define Log(...)"));
    assert_non_null(strstr(a, "dmaemu_shim_trace(0u, 0u, \"\","));
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plx_style_header),
        cmocka_unit_test(test_several_controls_and_config_blocks),
        cmocka_unit_test(test_line_comment_hides_the_rest_of_the_macro),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_thirty_two_bits_per_control),
        cmocka_unit_test(test_func_specs),
        cmocka_unit_test(test_put_func_replaces_by_name),
        cmocka_unit_test(test_emit_plx),
        cmocka_unit_test(test_emit_fixed_params_and_bit_31),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
