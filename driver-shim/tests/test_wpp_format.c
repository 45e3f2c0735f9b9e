/* test_wpp_format.c: the WPP format engine (runtime/wpp_format.c), conversion by conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dmaemu_shim.h"
#include "wpp_format.h"

static char out[256];
static int out_len;

/* Formats with a 256-byte buffer, as the runtime would, in function "MyEvtIoRead". */
static const char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    memset(out, 'Z', sizeof(out));
    out_len = dmaemu_shim_wpp_vformat(out, sizeof(out), "MyEvtIoRead", f, ap);
    va_end(ap);
    return out;
}

static const char *fmt_cap(unsigned cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    memset(out, 'Z', sizeof(out));
    out_len = dmaemu_shim_wpp_vformat(out, cap, "F", f, ap);
    va_end(ap);
    return out;
}

static const struct dmaemu_wpp_site test_site = {
    .file = "/src/drv/Sys\\Read.c",
    .line = 42,
    .level = 2,
    .flags = 0x80,
    .flag_name = "DBG_READ",
};

static const char *fmt_site(const struct dmaemu_wpp_site *site, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    out_len = dmaemu_shim_wpp_vformat_site(out, sizeof(out), "PLxEvtIoRead", site, f, ap);
    va_end(ap);
    return out;
}

/* What drivers declare for %wZ / %Z (the Windows layout, Length in bytes). */
struct unicode_string {
    uint16_t Length;
    uint16_t MaximumLength;
    const uint16_t *Buffer;
};

struct ansi_string {
    uint16_t Length;
    uint16_t MaximumLength;
    const char *Buffer;
};

static void test_plain_text_and_percent(void **state)
{
    (void)state;
    assert_string_equal(fmt("hello"), "hello");
    assert_int_equal(out_len, 5);
    assert_string_equal(fmt("100%% done"), "100% done");
    assert_string_equal(fmt(""), "");
    assert_int_equal(out_len, 0);
    assert_string_equal(fmt("trailing %"), "trailing %");
    assert_string_equal(fmt("odd %y here"), "odd %y here");
}

static void test_signed_and_unsigned(void **state)
{
    (void)state;
    assert_string_equal(fmt("%d %i %u", -5, 7, 4000000000u), "-5 7 4000000000");
    assert_string_equal(fmt("%x %X %o", 0xbeefu, 0xbeefu, 8u), "beef BEEF 10");
    assert_string_equal(fmt("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42),
                        "[   42] [42   ] [00042] [+42] [ 42]");
    assert_string_equal(fmt("%#x %#X %#o", 255u, 255u, 8u), "0xff 0XFF 010");
    assert_string_equal(fmt("%.3d|%8.3x", 5, 0xau), "005|     00a");
    assert_string_equal(fmt("%*d|%-*d|%.*d", 4, 1, 3, 2, 2, 3), "   1|2  |03");
    assert_string_equal(fmt("%*d|", -4, 1), "1   |");
}

static void test_length_modifiers(void **state)
{
    (void)state;
    /* Windows long is 32 bits: %lu/%lx take a ULONG, not a 64-bit long. */
    assert_string_equal(fmt("%lu %lx %ld", (uint32_t)4000000000u, (uint32_t)0xdeadbeef, -3),
                        "4000000000 deadbeef -3");
    assert_string_equal(fmt("%llx %lld", 0x123456789abcdefull, -1234567890123ll),
                        "123456789abcdef -1234567890123");
    assert_string_equal(fmt("%hd %hu %hhx %hhd", 70000, 70000, 0x1ff, 200), "4464 4464 ff -56");
    assert_string_equal(fmt("%zu %zx", (size_t)123, (size_t)0xabc), "123 abc");
    assert_string_equal(fmt("%jd", (long long)-9), "-9");
}

static void test_microsoft_i64_and_pointer_size(void **state)
{
    (void)state;
    assert_string_equal(fmt("%I64d %I64u", -5ll, 18446744073709551615ull),
                        "-5 18446744073709551615");
    assert_string_equal(fmt("%I64x %I64X", 0xfedcba9876543210ull, 0xfedcba9876543210ull),
                        "fedcba9876543210 FEDCBA9876543210");
    assert_string_equal(fmt("0x%016I64x", 0x1000ull), "0x0000000000001000");
    assert_string_equal(fmt("%Id %Iu %Ix %IX", (intptr_t)-2, (size_t)3, (size_t)0xabcdef12345,
                            (size_t)0xabcdef12345),
                        "-2 3 abcdef12345 ABCDEF12345");
    assert_string_equal(fmt("%I32d %I32x", -7, 0x7fu), "-7 7f");
    /* Arguments after a 64-bit one stay in step. */
    assert_string_equal(fmt("%I64x %d %s", 0x100000000ull, 9, "ok"), "100000000 9 ok");
}

static void test_chars_and_strings(void **state)
{
    (void)state;
    assert_string_equal(fmt("%c%c%c", 'a', 'b', 'c'), "abc");
    assert_string_equal(fmt("[%s] [%6s] [%-6s] [%.2s]", "abc", "abc", "abc", "abc"),
                        "[abc] [   abc] [abc   ] [ab]");
    assert_string_equal(fmt("%hs", "narrow"), "narrow");
    /* The precision bounds the read: this buffer has no NUL. */
    char unterminated[3] = {'x', 'y', 'z'};
    assert_string_equal(fmt("%.3s", unterminated), "xyz");
}

static void test_null_strings(void **state)
{
    (void)state;
    assert_string_equal(
        fmt("%s|%ws|%S|%ls", (char *)NULL, (uint16_t *)NULL, (uint16_t *)NULL, (uint16_t *)NULL),
        "NULL|NULL|NULL|NULL");
    assert_string_equal(fmt("%wZ|%Z", (struct unicode_string *)NULL, (struct ansi_string *)NULL),
                        "NULL|NULL");
    struct unicode_string no_buffer = {4, 4, NULL};
    struct unicode_string empty = {0, 0, NULL};
    assert_string_equal(fmt("[%wZ] [%wZ]", &no_buffer, &empty), "[NULL] []");
    assert_string_equal(fmt("[%6s]", (char *)NULL), "[  NULL]");
}

static void test_wide_strings(void **state)
{
    (void)state;
    static const uint16_t plx[] = {'P', 'L', 'X', 0};
    /* "é€" then U+1F600 as a surrogate pair. */
    static const uint16_t intl[] = {0x00E9, 0x20AC, 0xD83D, 0xDE00, 0};
    static const uint16_t lone[] = {'a', 0xD800, 'b', 0};
    assert_string_equal(fmt("%ws %S %ls", plx, plx, plx), "PLX PLX PLX");
    assert_string_equal(fmt("%ws", intl), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_string_equal(fmt("%ws", lone), "a\357\277\275b"); /* U+FFFD in octal */
    assert_string_equal(fmt("[%5ws] [%-5ws] [%.2ws]", plx, plx, plx), "[  PLX] [PLX  ] [PL]");
    /* Width counts characters (code points), not UTF-8 bytes. */
    assert_string_equal(fmt("[%5ws]", intl), "[  \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80]");
    assert_string_equal(fmt("%wc%C%lc", 'W', 0x00E9, 'x'), "W\xC3\xA9x");
}

static void test_unicode_and_ansi_string(void **state)
{
    (void)state;
    /* Length is in bytes and the buffer is not NUL-terminated. */
    static const uint16_t reg[] = {'\\', 'R', 'e', 'g', 'X', 'X'};
    struct unicode_string us = {8, sizeof(reg), reg};
    assert_string_equal(fmt("path=%wZ.", &us), "path=\\Reg.");
    struct unicode_string odd = {5, 8, reg}; /* odd byte count: the half unit is dropped */
    assert_string_equal(fmt("%wZ", &odd), "\\R");
    assert_string_equal(fmt("[%6wZ]", &us), "[  \\Reg]");
    struct ansi_string as = {3, 8, "abcdef"};
    assert_string_equal(fmt("%Z", &as), "abc");
}

static void test_pointer(void **state)
{
    (void)state;
    void *p = (void *)(uintptr_t)0xffffa80012345678ull;
    if (sizeof(void *) == 8) {
        assert_string_equal(fmt("0x%p", p), "0xFFFFA80012345678");
        assert_string_equal(fmt("%p", NULL), "0000000000000000");
    } else {
        assert_string_equal(fmt("0x%p", (void *)(uintptr_t)0x1234u), "0x00001234");
    }
}

static void test_floats(void **state)
{
    (void)state;
    assert_string_equal(fmt("%.2f %e %g", 3.14159, 1.5, 0.25), "3.14 1.500000e+00 0.25");
}

static void test_status(void **state)
{
    (void)state;
    assert_string_equal(fmt("status %!STATUS!", 0), "status STATUS_SUCCESS");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC000009A), "STATUS_INSUFFICIENT_RESOURCES");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC000000D), "STATUS_INVALID_PARAMETER");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC0000010), "STATUS_INVALID_DEVICE_REQUEST");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC0000016), "STATUS_MORE_PROCESSING_REQUIRED");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC020020A), "STATUS_WDF_TOO_FRAGMENTED");
    assert_string_equal(fmt("%!STATUS!", (int32_t)0xC0200204), "STATUS_WDF_BUSY");
    assert_string_equal(fmt("%!STATUS!", 0x103), "STATUS_PENDING");
    assert_string_equal(fmt("%!STATUS! %d", (int32_t)0xC0001234, 5), "0xC0001234 5");
    assert_string_equal(fmt("[%-30!STATUS!]", 0), "[STATUS_SUCCESS                ]");
    assert_string_equal(dmaemu_shim_status_name((int32_t)0xC0000001), "STATUS_UNSUCCESSFUL");
    assert_null(dmaemu_shim_status_name(0x12345));
}

static void test_hresult(void **state)
{
    (void)state;
    assert_string_equal(fmt("%!HRESULT! %!HRESULT!", 0, (int32_t)0x80004005), "S_OK E_FAIL");
    assert_string_equal(fmt("%!HRESULT!", (int32_t)0x80070057), "E_INVALIDARG");
    assert_string_equal(fmt("%!HRESULT!", (int32_t)0x8007FFFF), "0x8007FFFF");
}

static void test_func_consumes_no_argument(void **state)
{
    (void)state;
    assert_string_equal(fmt("%!FUNC!: %d", 17), "MyEvtIoRead: 17");
    assert_string_equal(fmt("--> %!FUNC! <-- %!FUNC!"), "--> MyEvtIoRead <-- MyEvtIoRead");
}

static void test_bool(void **state)
{
    (void)state;
    assert_string_equal(fmt("%!bool! %!bool! %!BOOLEAN! %!BOOLEAN!", 1, 0, (unsigned char)1, 0),
                        "TRUE FALSE TRUE FALSE");
}

static void test_site_types(void **state)
{
    (void)state;
    assert_string_equal(fmt_site(&test_site, "%!FILE!:%!LINE! %!LEVEL! %!FLAGS! %!FUNC! %d", 3),
                        "Read.c:42 TRACE_LEVEL_ERROR DBG_READ PLxEvtIoRead 3");
    struct dmaemu_wpp_site anon = {.file = "x.c", .line = 1, .level = 9, .flags = 0x40};
    assert_string_equal(fmt_site(&anon, "%!LEVEL! %!FLAGS!"), "9 0x00000040");
    /* Without a site (dmaemu_shim_wpp_vformat) they are unknown, but still consume nothing. */
    assert_string_equal(fmt("%!FILE! %!LINE! %!LEVEL! %!FLAGS! %d", 8), "? ? ? ? 8");
    assert_string_equal(dmaemu_shim_trace_level_name(5), "TRACE_LEVEL_VERBOSE");
    assert_null(dmaemu_shim_trace_level_name(6));
}

static void test_guid(void **state)
{
    (void)state;
    /* {CA630800-D4D4-4457-8983-DFBBFCAC5542} laid out as a Windows GUID. */
    struct {
        uint32_t d1;
        uint16_t d2, d3;
        uint8_t d4[8];
    } guid = {0xca630800, 0xd4d4, 0x4457, {0x89, 0x83, 0xdf, 0xbb, 0xfc, 0xac, 0x55, 0x42}};
    assert_string_equal(fmt("%!GUID! %d", &guid, 1), "ca630800-d4d4-4457-8983-dfbbfcac5542 1");
    assert_string_equal(fmt("%!GUID!", NULL), "NULL");
}

static void test_ipaddr_port_timestamp(void **state)
{
    (void)state;
    unsigned char ip[4] = {192, 168, 1, 20};
    uint32_t addr;
    memcpy(&addr, ip, 4);
    unsigned char pb[2] = {0x1f, 0x90}; /* 8080 in network order */
    uint16_t port;
    memcpy(&port, pb, 2);
    assert_string_equal(fmt("%!IPADDR!:%!PORT!", addr, port), "192.168.1.20:8080");
    /* 2024-02-29 12:34:56.789 UTC as 100 ns units since 1601. */
    unsigned long long ft = (1709210096ull + 11644473600ull) * 10000000ull + 7890000ull;
    assert_string_equal(fmt("%!TIMESTAMP!", ft), "2024/02/29-12:34:56.789");
    assert_string_equal(fmt("%!TIMESTAMP!", 0ull), "1601/01/01-00:00:00.000");
}

static void test_unknown_wpp_type_consumes_an_int(void **state)
{
    (void)state;
    assert_string_equal(fmt("a %!WINERROR! b %d", 5, 6), "a %!WINERROR! b 6");
    /* Not a type at all: text, nothing consumed. */
    assert_string_equal(fmt("wow%! %d", 4), "wow%! 4");
    assert_string_equal(fmt("%!open %d", 4), "%!open 4");
    /* Type names are matched without regard to case. */
    assert_string_equal(fmt("%!status!", 0), "STATUS_SUCCESS");
}

static void test_mixed_realistic(void **state)
{
    (void)state;
    assert_string_equal(fmt("%!FUNC!: read %u bytes at 0x%I64x, status %!STATUS!", 512u,
                            0x1fff0000ull, (int32_t)0xC0000120),
                        "MyEvtIoRead: read 512 bytes at 0x1fff0000, status STATUS_CANCELLED");
}

static void test_truncation(void **state)
{
    (void)state;
    assert_string_equal(fmt_cap(6, "hello world"), "hello");
    assert_int_equal(out_len, 5);
    assert_int_equal(out[6], 'Z'); /* nothing written past cap */
    assert_string_equal(fmt_cap(4, "%d", 123456), "123");
    assert_int_equal(out[4], 'Z');
    assert_string_equal(fmt_cap(5, "%!STATUS!", 0), "STAT");
    assert_string_equal(fmt_cap(8, "%20s|", "x"), "       ");
    assert_string_equal(fmt_cap(1, "anything %d", 1), "");
    assert_int_equal(out_len, 0);
    assert_int_equal(out[1], 'Z');
    /* A UTF-8 sequence is never cut in half. */
    static const uint16_t euro[] = {'a', 0x20AC, 0};
    assert_string_equal(fmt_cap(4, "%ws", euro), "a");
    assert_int_equal(out_len, 1);
}

static void test_zero_capacity(void **state)
{
    (void)state;
    memset(out, 'Z', sizeof(out));
    assert_int_equal(fmt_cap(0, "text %d", 1)[0], 'Z');
    assert_int_equal(out_len, 0);
}

/* vformat takes a va_list the caller keeps using: check it is left alone. */
static int vformat_twice(char *a, char *b, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = dmaemu_shim_wpp_vformat(a, 64, "f", f, ap);
    n += dmaemu_shim_wpp_vformat(b, 64, "f", f, ap);
    va_end(ap);
    return n;
}

static void test_va_list_not_consumed(void **state)
{
    (void)state;
    char a[64], b[64];
    assert_int_equal(vformat_twice(a, b, "%d %s", 12, "x"), 8);
    assert_string_equal(a, "12 x");
    assert_string_equal(b, "12 x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_and_percent),
        cmocka_unit_test(test_signed_and_unsigned),
        cmocka_unit_test(test_length_modifiers),
        cmocka_unit_test(test_microsoft_i64_and_pointer_size),
        cmocka_unit_test(test_chars_and_strings),
        cmocka_unit_test(test_null_strings),
        cmocka_unit_test(test_wide_strings),
        cmocka_unit_test(test_unicode_and_ansi_string),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_hresult),
        cmocka_unit_test(test_func_consumes_no_argument),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_site_types),
        cmocka_unit_test(test_guid),
        cmocka_unit_test(test_ipaddr_port_timestamp),
        cmocka_unit_test(test_unknown_wpp_type_consumes_an_int),
        cmocka_unit_test(test_mixed_realistic),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_zero_capacity),
        cmocka_unit_test(test_va_list_not_consumed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
