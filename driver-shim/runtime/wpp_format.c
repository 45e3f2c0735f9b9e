/*
 * wpp_format.c: renders a WPP trace format string and its arguments as text, as tracefmt or
 * TraceView would show the message on Windows.
 *
 * The format is the one the driver wrote for KMDF on Windows, so the conventions are
 * Microsoft's, not glibc's: long is 32 bits (%lu takes a ULONG), %ls/%ws/%S take UTF-16
 * strings, %wZ a UNICODE_STRING, %I64x a 64-bit value, %Ix a pointer-sized one, %p prints
 * the pointer as bare uppercase hex (drivers write "0x%p"). WPP adds %!NAME! types
 * (%!STATUS!, %!FUNC!, ...); see wpp_types[] below.
 *
 * The output is always bounded by cap and NUL-terminated; arguments are read only as the
 * format asks for them, so a well-formed format never reads past the caller's arguments.
 */
#include "wpp_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dmaemu_shim.h"

/* ---- bounded output --------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t cap; /* bytes of buf, including the NUL */
    size_t len; /* bytes written, always < cap when cap > 0 */
    bool truncated;
};

static size_t out_room(const struct out *o)
{
    return o->cap == 0 ? 0 : o->cap - 1 - o->len;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
    size_t room = out_room(o);
    if (n > room) {
        n = room;
        o->truncated = true;
    }
    if (n > 0) {
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    }
}

static void out_str(struct out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_fill(struct out *o, char c, size_t n)
{
    size_t room = out_room(o);
    if (n > room) {
        n = room;
        o->truncated = true;
    }
    if (n > 0) {
        memset(o->buf + o->len, c, n);
        o->len += n;
    }
}

/* snprintf straight into the remaining space, so any width is safe and cheap. */
__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
    size_t room = out_room(o);
    char scratch[1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->cap == 0 ? scratch : o->buf + o->len, o->cap == 0 ? 1 : room + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > room) {
        n = (int)room;
        o->truncated = true;
    }
    o->len += (size_t)n;
}

/* Truncation may have cut a UTF-8 sequence in half: drop the incomplete tail. */
static void out_trim_partial_utf8(struct out *o)
{
    size_t i = o->len;
    size_t back = 0;
    while (i > 0 && back < 4 && ((unsigned char)o->buf[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0 || ((unsigned char)o->buf[i - 1] & 0x80) == 0)
        return;
    unsigned char lead = (unsigned char)o->buf[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (back + 1 < need)
        o->len = i - 1;
}

static void out_finish(struct out *o)
{
    if (o->cap == 0)
        return;
    if (o->truncated)
        out_trim_partial_utf8(o);
    o->buf[o->len] = '\0';
}

/* ---- conversion specifications -------------------------------------------------------- */

enum len_mod {
    LEN_NONE,
    LEN_HH,
    LEN_H,
    LEN_LONG,  /* l: Windows long, 32 bits; with s/c: wide */
    LEN_LLONG, /* ll, L, j */
    LEN_PTR,   /* I, z, t: pointer-sized */
    LEN_I64,
    LEN_I32,
    LEN_WIDE, /* w: %ws, %wc, %wZ */
};

struct spec {
    char flags[8]; /* printf flags seen ("-0#"), NUL-terminated */
    int width;     /* -1: none */
    int precision; /* -1: none */
    enum len_mod len;
    bool long_double;
};

struct fmt_ctx {
    const char *func;
    const struct dmaemu_wpp_site *site;
    va_list *ap;
};

static bool spec_has_flag(const struct spec *sp, char flag)
{
    return strchr(sp->flags, flag) != NULL;
}

static void spec_add_flag(struct spec *sp, char flag)
{
    size_t n = strlen(sp->flags);
    if (!spec_has_flag(sp, flag) && n + 1 < sizeof(sp->flags)) {
        sp->flags[n] = flag;
        sp->flags[n + 1] = '\0';
    }
}

/* Reads digits or '*' (an int argument) into *value; false if neither is there. */
static bool parse_number(const char **pp, va_list *ap, int *value)
{
    const char *p = *pp;
    if (*p == '*') {
        *pp = p + 1;
        *value = va_arg(*ap, int);
        return true;
    }
    if (*p < '0' || *p > '9')
        return false;
    long v = 0;
    while (*p >= '0' && *p <= '9') {
        if (v < 100000) /* wider fields than this are nonsense; stay in int range */
            v = v * 10 + (*p - '0');
        p++;
    }
    *pp = p;
    *value = (int)v;
    return true;
}

static const char *parse_length(const char *p, struct spec *sp)
{
    if (p[0] == 'h') {
        sp->len = p[1] == 'h' ? LEN_HH : LEN_H;
        return p + (p[1] == 'h' ? 2 : 1);
    }
    if (p[0] == 'l') {
        sp->len = p[1] == 'l' ? LEN_LLONG : LEN_LONG;
        return p + (p[1] == 'l' ? 2 : 1);
    }
    if (p[0] == 'I') {
        if (p[1] == '6' && p[2] == '4') {
            sp->len = LEN_I64;
            return p + 3;
        }
        if (p[1] == '3' && p[2] == '2') {
            sp->len = LEN_I32;
            return p + 3;
        }
        sp->len = LEN_PTR;
        return p + 1;
    }
    switch (*p) {
    case 'z':
    case 't': sp->len = LEN_PTR; return p + 1;
    case 'j': sp->len = LEN_LLONG; return p + 1;
    case 'w': sp->len = LEN_WIDE; return p + 1;
    case 'L':
        sp->len = LEN_LLONG;
        sp->long_double = true;
        return p + 1;
    default: return p;
    }
}

/* p is just past the '%'; returns the conversion character's position. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
    int v;
    memset(sp, 0, sizeof(*sp));
    while (*p && strchr("-+ #0", *p))
        spec_add_flag(sp, *p++);
    sp->width = -1;
    if (parse_number(&p, ap, &v)) {
        if (v < 0) /* a negative '*' width means left-justify, as in printf */
            spec_add_flag(sp, '-');
        sp->width = v < 0 ? (v < -100000 ? 100000 : -v) : v;
    }
    sp->precision = -1;
    if (*p == '.') {
        p++;
        /* "%.d" is precision 0; a negative '*' precision is as if none was given. */
        sp->precision = parse_number(&p, ap, &v) ? (v < 0 ? -1 : v) : 0;
    }
    return parse_length(p, sp);
}

/* ---- padding and strings -------------------------------------------------------------- */

/* strnlen() without needing POSIX: reads at most max bytes of s. */
static size_t bounded_len(const char *s, size_t max)
{
    const char *nul = memchr(s, '\0', max);
    return nul != NULL ? (size_t)(nul - s) : max;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

static void out_pad_before(struct out *o, const struct spec *sp, size_t chars)
{
    if (!spec_has_flag(sp, '-') && sp->width > 0 && (size_t)sp->width > chars)
        out_fill(o, ' ', (size_t)sp->width - chars);
}

static void out_pad_after(struct out *o, const struct spec *sp, size_t chars)
{
    if (spec_has_flag(sp, '-') && sp->width > 0 && (size_t)sp->width > chars)
        out_fill(o, ' ', (size_t)sp->width - chars);
}

/* A finished piece of text, right- or left-justified in the field width (counted in chars). */
static void out_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
    size_t chars = utf8_chars(s, n);
    out_pad_before(o, sp, chars);
    out_mem(o, s, n);
    out_pad_after(o, sp, chars);
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes one code point from UTF-16 at ws[*i] (i < n); lone surrogates become U+FFFD. */
static uint32_t utf16_next(const uint16_t *ws, size_t n, size_t *i)
{
    uint32_t u = ws[(*i)++];
    if (u >= 0xD800 && u <= 0xDBFF && *i < n && ws[*i] >= 0xDC00 && ws[*i] <= 0xDFFF)
        return 0x10000 + ((u - 0xD800) << 10) + (ws[(*i)++] - 0xDC00);
    if (u >= 0xD800 && u <= 0xDFFF)
        return 0xFFFD;
    return u;
}

/* Number of UTF-16 units to print: up to max, stopping at a NUL. */
static size_t utf16_units(const uint16_t *ws, size_t max)
{
    size_t n = 0;
    while (n < max && ws[n] != 0)
        n++;
    return n;
}

static void out_utf16(struct out *o, const struct spec *sp, const uint16_t *ws, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++)
        (void)utf16_next(ws, n, &i);
    out_pad_before(o, sp, chars);
    for (size_t i = 0; i < n;) {
        char u8[4];
        out_mem(o, u8, utf8_encode(utf16_next(ws, n, &i), u8));
    }
    out_pad_after(o, sp, chars);
}

static size_t precision_limit(const struct spec *sp)
{
    return sp->precision >= 0 ? (size_t)sp->precision : SIZE_MAX;
}

static void fmt_narrow_string(struct out *o, const struct spec *sp, const char *s)
{
    if (s == NULL) {
        out_padded(o, sp, "NULL", 4);
        return;
    }
    size_t n = sp->precision >= 0 ? bounded_len(s, (size_t)sp->precision) : strlen(s);
    out_padded(o, sp, s, n);
}

static void fmt_wide_string(struct out *o, const struct spec *sp, const uint16_t *ws)
{
    if (ws == NULL) {
        out_padded(o, sp, "NULL", 4);
        return;
    }
    out_utf16(o, sp, ws, utf16_units(ws, precision_limit(sp)));
}

/* UNICODE_STRING and ANSI_STRING as laid out by the Windows headers (Length in bytes). */
struct counted_wide {
    uint16_t Length;
    uint16_t MaximumLength;
    const uint16_t *Buffer;
};

struct counted_narrow {
    uint16_t Length;
    uint16_t MaximumLength;
    const char *Buffer;
};

static void fmt_counted_wide(struct out *o, const struct spec *sp, const struct counted_wide *us)
{
    size_t units = us == NULL ? 0 : us->Length / 2u;
    if (us == NULL || (us->Buffer == NULL && units > 0)) {
        out_padded(o, sp, "NULL", 4);
        return;
    }
    if (units > precision_limit(sp))
        units = precision_limit(sp);
    out_utf16(o, sp, us->Buffer, units == 0 ? 0 : utf16_units(us->Buffer, units));
}

static void fmt_counted_narrow(struct out *o, const struct spec *sp,
                               const struct counted_narrow *as)
{
    size_t n = as == NULL ? 0 : as->Length;
    if (as == NULL || (as->Buffer == NULL && n > 0)) {
        out_padded(o, sp, "NULL", 4);
        return;
    }
    if (n > precision_limit(sp))
        n = precision_limit(sp);
    out_padded(o, sp, as->Buffer, n == 0 ? 0 : bounded_len(as->Buffer, n));
}

static void fmt_char(struct out *o, const struct spec *sp, bool wide, int c)
{
    char u8[4];
    size_t n = 1;
    if (wide) {
        uint16_t unit = (uint16_t)c;
        size_t i = 0;
        n = utf8_encode(utf16_next(&unit, 1, &i), u8);
    } else {
        u8[0] = (char)c;
    }
    out_padded(o, sp, u8, n);
}

/* ---- numbers -------------------------------------------------------------------------- */

static long long read_signed(va_list *ap, enum len_mod len)
{
    switch (len) {
    case LEN_HH: return (signed char)va_arg(*ap, int);
    case LEN_H: return (short)va_arg(*ap, int);
    case LEN_LLONG:
    case LEN_I64: return va_arg(*ap, long long);
    case LEN_PTR: return (long long)va_arg(*ap, intptr_t);
    default: return va_arg(*ap, int); /* none, l (LONG is 32-bit), I32 */
    }
}

static unsigned long long read_unsigned(va_list *ap, enum len_mod len)
{
    switch (len) {
    case LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_H: return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LLONG:
    case LEN_I64: return va_arg(*ap, unsigned long long);
    case LEN_PTR: return (unsigned long long)va_arg(*ap, uintptr_t);
    default: return va_arg(*ap, unsigned); /* none, l (ULONG is 32-bit), I32 */
    }
}

/* Rebuilds "%<flags><width>.<precision><length><conv>" for the C library's snprintf. */
static void build_c_spec(char *buf, size_t n, const struct spec *sp, const char *length, char conv)
{
    char width[16] = "", precision[16] = "";
    if (sp->width > 0)
        snprintf(width, sizeof(width), "%d", sp->width);
    if (sp->precision >= 0)
        snprintf(precision, sizeof(precision), ".%d", sp->precision);
    snprintf(buf, n, "%%%s%s%s%s%c", sp->flags, width, precision, length, conv);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void fmt_integer(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
    char cspec[64];
    build_c_spec(cspec, sizeof(cspec), sp, "ll", conv);
    if (conv == 'd' || conv == 'i')
        out_printf(o, cspec, read_signed(ap, sp->len));
    else
        out_printf(o, cspec, read_unsigned(ap, sp->len));
}

static void fmt_float(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
    char cspec[64];
    build_c_spec(cspec, sizeof(cspec), sp, sp->long_double ? "L" : "", conv);
    if (sp->long_double)
        out_printf(o, cspec, va_arg(*ap, long double));
    else
        out_printf(o, cspec, va_arg(*ap, double));
}
#pragma GCC diagnostic pop

/* Microsoft's %p: the pointer as zero-padded uppercase hex, no "0x" (drivers write "0x%p"). */
static void fmt_pointer(struct out *o, const struct spec *sp, const void *p)
{
    char hex[2 * sizeof(void *) + 1];
    int n = snprintf(hex, sizeof(hex), "%0*llX", (int)(2 * sizeof(void *)),
                     (unsigned long long)(uintptr_t)p);
    out_padded(o, sp, hex, (size_t)n);
}

/* ---- one printf-style conversion ------------------------------------------------------- */

static bool is_wide(const struct spec *sp, char conv)
{
    if (conv == 'S' || conv == 'C')
        return sp->len != LEN_H; /* %hS is narrow in Microsoft's printf */
    return sp->len == LEN_WIDE || sp->len == LEN_LONG;
}

/* Returns false for a character that is not a conversion: the caller prints it as text. */
static bool fmt_conversion(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': fmt_integer(o, sp, conv, ap); return true;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'a':
    case 'A': fmt_float(o, sp, conv, ap); return true;
    case 'c':
    case 'C': fmt_char(o, sp, is_wide(sp, conv), va_arg(*ap, int)); return true;
    case 's':
    case 'S':
        if (is_wide(sp, conv))
            fmt_wide_string(o, sp, va_arg(*ap, const uint16_t *));
        else
            fmt_narrow_string(o, sp, va_arg(*ap, const char *));
        return true;
    case 'Z':
        if (sp->len == LEN_WIDE || sp->len == LEN_LONG)
            fmt_counted_wide(o, sp, va_arg(*ap, const struct counted_wide *));
        else
            fmt_counted_narrow(o, sp, va_arg(*ap, const struct counted_narrow *));
        return true;
    case 'p': fmt_pointer(o, sp, va_arg(*ap, const void *)); return true;
    case 'n': (void)va_arg(*ap, void *); return true; /* never written through: no %n */
    case '%': out_mem(o, "%", 1); return true;
    default: return false;
    }
}

/* ---- WPP %!NAME! types ----------------------------------------------------------------- */

struct name_value {
    uint32_t value;
    const char *name;
};

static const struct name_value status_names[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {0x00000080, "STATUS_ABANDONED"},
    {0x000000C0, "STATUS_USER_APC"},
    {0x00000101, "STATUS_ALERTED"},
    {0x00000102, "STATUS_TIMEOUT"},
    {0x00000103, "STATUS_PENDING"},
    {0x00000104, "STATUS_REPARSE"},
    {0x00000105, "STATUS_MORE_ENTRIES"},
    {0x40200000, "STATUS_WDF_QUEUED"},
    {0x40200002, "STATUS_WDF_POSTED"},
    {0x80000002, "STATUS_DATATYPE_MISALIGNMENT"},
    {0x80000005, "STATUS_BUFFER_OVERFLOW"},
    {0x80000011, "STATUS_DEVICE_BUSY"},
    {0x8000001A, "STATUS_NO_MORE_ENTRIES"},
    {0xC0000001, "STATUS_UNSUCCESSFUL"},
    {0xC0000002, "STATUS_NOT_IMPLEMENTED"},
    {0xC0000003, "STATUS_INVALID_INFO_CLASS"},
    {0xC0000004, "STATUS_INFO_LENGTH_MISMATCH"},
    {0xC0000005, "STATUS_ACCESS_VIOLATION"},
    {0xC0000008, "STATUS_INVALID_HANDLE"},
    {0xC000000D, "STATUS_INVALID_PARAMETER"},
    {0xC000000E, "STATUS_NO_SUCH_DEVICE"},
    {0xC000000F, "STATUS_NO_SUCH_FILE"},
    {0xC0000010, "STATUS_INVALID_DEVICE_REQUEST"},
    {0xC0000011, "STATUS_END_OF_FILE"},
    {0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
    {0xC0000017, "STATUS_NO_MEMORY"},
    {0xC0000022, "STATUS_ACCESS_DENIED"},
    {0xC0000023, "STATUS_BUFFER_TOO_SMALL"},
    {0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
    {0xC0000035, "STATUS_OBJECT_NAME_COLLISION"},
    {0xC0000038, "STATUS_DEVICE_ALREADY_ATTACHED"},
    {0xC000003E, "STATUS_DATA_ERROR"},
    {0xC0000056, "STATUS_DELETE_PENDING"},
    {0xC0000061, "STATUS_PRIVILEGE_NOT_HELD"},
    {0xC0000095, "STATUS_INTEGER_OVERFLOW"},
    {0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
    {0xC000009C, "STATUS_DEVICE_DATA_ERROR"},
    {0xC000009D, "STATUS_DEVICE_NOT_CONNECTED"},
    {0xC000009E, "STATUS_DEVICE_POWER_FAILURE"},
    {0xC00000A3, "STATUS_DEVICE_NOT_READY"},
    {0xC00000B5, "STATUS_IO_TIMEOUT"},
    {0xC00000BB, "STATUS_NOT_SUPPORTED"},
    {0xC00000C0, "STATUS_DEVICE_DOES_NOT_EXIST"},
    {0xC00000C2, "STATUS_ADAPTER_HARDWARE_ERROR"},
    {0xC00000E5, "STATUS_INTERNAL_ERROR"},
    {0xC00000E8, "STATUS_INVALID_USER_BUFFER"},
    {0xC00000E9, "STATUS_UNEXPECTED_IO_ERROR"},
    {0xC00000EF, "STATUS_INVALID_PARAMETER_1"},
    {0xC00000F0, "STATUS_INVALID_PARAMETER_2"},
    {0xC00000F1, "STATUS_INVALID_PARAMETER_3"},
    {0xC0000120, "STATUS_CANCELLED"},
    {0xC0000141, "STATUS_INVALID_ADDRESS"},
    {0xC0000182, "STATUS_DEVICE_CONFIGURATION_ERROR"},
    {0xC0000184, "STATUS_INVALID_DEVICE_STATE"},
    {0xC0000185, "STATUS_IO_DEVICE_ERROR"},
    {0xC0000186, "STATUS_DEVICE_PROTOCOL_ERROR"},
    {0xC0000206, "STATUS_INVALID_BUFFER_SIZE"},
    {0xC0000225, "STATUS_NOT_FOUND"},
    {0xC0000240, "STATUS_REQUEST_ABORTED"},
    {0xC00002B6, "STATUS_DEVICE_REMOVED"},
    {0xC00002D3, "STATUS_POWER_STATE_INVALID"},
    {0xC0000483, "STATUS_DEVICE_HARDWARE_ERROR"},
    {0xC0200200, "STATUS_WDF_NO_PACKAGE"},
    {0xC0200201, "STATUS_WDF_INTERNAL_ERROR"},
    {0xC0200203, "STATUS_WDF_PAUSED"},
    {0xC0200204, "STATUS_WDF_BUSY"},
    {0xC0200205, "STATUS_WDF_IO_TIMEOUT_NOT_SENT"},
    {0xC0200207, "STATUS_WDF_REQUEST_ALREADY_PENDING"},
    {0xC0200209, "STATUS_WDF_REQUEST_INVALID_STATE"},
    {0xC020020A, "STATUS_WDF_TOO_FRAGMENTED"},
    {0xC020020B, "STATUS_WDF_NO_CALLBACK"},
    {0xC020020C, "STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL"},
    {0xC020020D, "STATUS_WDF_PARENT_ALREADY_ASSIGNED"},
    {0xC020020E, "STATUS_WDF_PARENT_IS_SELF"},
    {0xC020020F, "STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED"},
    {0xC0200210, "STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID"},
    {0xC0200211, "STATUS_WDF_EXECUTION_LEVEL_INVALID"},
};

static const struct name_value hresult_names[] = {
    {0x00000000, "S_OK"},          {0x00000001, "S_FALSE"},       {0x80004001, "E_NOTIMPL"},
    {0x80004002, "E_NOINTERFACE"}, {0x80004003, "E_POINTER"},     {0x80004004, "E_ABORT"},
    {0x80004005, "E_FAIL"},        {0x8000FFFF, "E_UNEXPECTED"},  {0x80070005, "E_ACCESSDENIED"},
    {0x80070006, "E_HANDLE"},      {0x8007000E, "E_OUTOFMEMORY"}, {0x80070057, "E_INVALIDARG"},
};

static const char *const level_names[] = {
    "TRACE_LEVEL_NONE",    "TRACE_LEVEL_CRITICAL",    "TRACE_LEVEL_ERROR",
    "TRACE_LEVEL_WARNING", "TRACE_LEVEL_INFORMATION", "TRACE_LEVEL_VERBOSE",
};

static const char *lookup(const struct name_value *table, size_t n, uint32_t value)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].value == value)
            return table[i].name;
    }
    return NULL;
}

const char *dmaemu_shim_status_name(int32_t status)
{
    return lookup(status_names, sizeof(status_names) / sizeof(status_names[0]), (uint32_t)status);
}

const char *dmaemu_shim_hresult_name(int32_t hr)
{
    return lookup(hresult_names, sizeof(hresult_names) / sizeof(hresult_names[0]), (uint32_t)hr);
}

const char *dmaemu_shim_trace_level_name(unsigned level)
{
    return level < sizeof(level_names) / sizeof(level_names[0]) ? level_names[level] : NULL;
}

/*
 * A WPP type renders into tmp (or returns a string it already has). ap is the argument list,
 * read only by the types that take an argument.
 */
typedef const char *wpp_type_fn(char *tmp, size_t n, const struct fmt_ctx *ctx);

static const char *name_or_hex(char *tmp, size_t n, const char *name, uint32_t value)
{
    if (name != NULL)
        return name;
    snprintf(tmp, n, "0x%08X", (unsigned)value);
    return tmp;
}

static const char *wpp_status(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    int32_t status = va_arg(*ctx->ap, int32_t);
    return name_or_hex(tmp, n, dmaemu_shim_status_name(status), (uint32_t)status);
}

static const char *wpp_hresult(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    int32_t hr = va_arg(*ctx->ap, int32_t);
    return name_or_hex(tmp, n, dmaemu_shim_hresult_name(hr), (uint32_t)hr);
}

static const char *wpp_bool(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    (void)tmp;
    (void)n;
    return va_arg(*ctx->ap, int) ? "TRUE" : "FALSE";
}

static const char *wpp_func(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    (void)tmp;
    (void)n;
    return ctx->func != NULL ? ctx->func : "?";
}

static const char *wpp_file(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    (void)tmp;
    (void)n;
    if (ctx->site == NULL || ctx->site->file == NULL)
        return "?";
    const char *base = ctx->site->file;
    for (const char *p = base; *p; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    return base;
}

static const char *wpp_line(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    if (ctx->site == NULL || ctx->site->line <= 0)
        return "?";
    snprintf(tmp, n, "%d", ctx->site->line);
    return tmp;
}

static const char *wpp_level(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    if (ctx->site == NULL)
        return "?";
    const char *name = dmaemu_shim_trace_level_name(ctx->site->level);
    if (name != NULL)
        return name;
    snprintf(tmp, n, "%u", ctx->site->level);
    return tmp;
}

static const char *wpp_flags(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    if (ctx->site == NULL)
        return "?";
    const char *name = ctx->site->flag_name;
    return name_or_hex(tmp, n, name != NULL && *name ? name : NULL, ctx->site->flags);
}

/* %!GUID!: a pointer to a GUID, printed like the registry form without braces. */
static const char *wpp_guid(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    const unsigned char *g = va_arg(*ctx->ap, const unsigned char *);
    if (g == NULL)
        return "NULL";
    uint32_t d1;
    uint16_t d2, d3;
    memcpy(&d1, g, 4);
    memcpy(&d2, g + 4, 2);
    memcpy(&d3, g + 6, 2);
    snprintf(tmp, n, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)d1, (unsigned)d2,
             (unsigned)d3, g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    return tmp;
}

/* %!IPADDR!: an IPv4 address in a ULONG, network byte order (first octet in the first byte). */
static const char *wpp_ipaddr(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    uint32_t v = va_arg(*ctx->ap, uint32_t);
    unsigned char b[4];
    memcpy(b, &v, 4);
    snprintf(tmp, n, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return tmp;
}

/* %!PORT!: a USHORT port number in network byte order. */
static const char *wpp_port(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    uint16_t v = (uint16_t)va_arg(*ctx->ap, unsigned);
    unsigned char b[2];
    memcpy(b, &v, 2);
    snprintf(tmp, n, "%u", (unsigned)(b[0] << 8 | b[1]));
    return tmp;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), valid for any 64-bit day. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* %!TIMESTAMP!: a FILETIME-style 64-bit count of 100 ns since 1601, printed in UTC. */
static const char *wpp_timestamp(char *tmp, size_t n, const struct fmt_ctx *ctx)
{
    unsigned long long t = va_arg(*ctx->ap, unsigned long long);
    unsigned long long secs = t / 10000000ull;
    unsigned ms = (unsigned)(t / 10000ull % 1000ull);
    long long days = (long long)(secs / 86400ull) - 134774; /* 1601-01-01 .. 1970-01-01 */
    unsigned sod = (unsigned)(secs % 86400ull);
    long long y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(tmp, n, "%04lld/%02u/%02u-%02u:%02u:%02u.%03u", y, m, d, sod / 3600, sod / 60 % 60,
             sod % 60, ms);
    return tmp;
}

static const struct wpp_type {
    const char *name;
    wpp_type_fn *fn;
} wpp_types[] = {
    {"STATUS", wpp_status}, {"NTSTATUS", wpp_status},     {"HRESULT", wpp_hresult},
    {"bool", wpp_bool},     {"BOOLEAN", wpp_bool},        {"FUNC", wpp_func},
    {"FILE", wpp_file},     {"LINE", wpp_line},           {"LEVEL", wpp_level},
    {"FLAGS", wpp_flags},   {"GUID", wpp_guid},           {"IPADDR", wpp_ipaddr},
    {"PORT", wpp_port},     {"TIMESTAMP", wpp_timestamp},
};

/* WPP type names are matched without regard to ASCII case (%!bool!, %!BOOLEAN!, %!status!). */
static bool same_name(const char *known, const char *name, size_t n)
{
    if (strlen(known) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((known[i] | 0x20) != (name[i] | 0x20))
            return false;
    }
    return true;
}

static wpp_type_fn *find_wpp_type(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(wpp_types) / sizeof(wpp_types[0]); i++) {
        if (same_name(wpp_types[i].name, name, n))
            return wpp_types[i].fn;
    }
    return NULL;
}

/* Length of the NAME in "!NAME!" at bang, or 0 if it is not one. */
static size_t wpp_type_name_len(const char *bang)
{
    size_t n = 0;
    while (n < 64 && (bang[1 + n] == '_' || (bang[1 + n] >= '0' && bang[1 + n] <= '9') ||
                      ((bang[1 + n] | 0x20) >= 'a' && (bang[1 + n] | 0x20) <= 'z')))
        n++;
    return bang[1 + n] == '!' ? n : 0;
}

/*
 * pct is the '%', bang the '!' after any flags/width. Returns where the text resumes.
 * An unknown type prints as written and consumes one int, as most WPP types are int-sized.
 */
static const char *fmt_wpp_type(struct out *o, const struct spec *sp, const struct fmt_ctx *ctx,
                                const char *pct, const char *bang)
{
    size_t n = wpp_type_name_len(bang);
    if (n == 0) {
        out_mem(o, pct, (size_t)(bang - pct)); /* not a type: "%!" stays text */
        return bang;
    }
    wpp_type_fn *fn = find_wpp_type(bang + 1, n);
    if (fn == NULL) {
        (void)va_arg(*ctx->ap, int);
        out_mem(o, pct, (size_t)(bang + n + 2 - pct));
        return bang + n + 2;
    }
    char tmp[96];
    const char *s = fn(tmp, sizeof(tmp), ctx);
    out_padded(o, sp, s, strlen(s));
    return bang + n + 2;
}

/* pct points at a '%'; formats one conversion and returns where the text resumes. */
static const char *fmt_one(struct out *o, const struct fmt_ctx *ctx, const char *pct)
{
    struct spec sp;
    const char *p = parse_spec(pct + 1, &sp, ctx->ap);
    if (*p == '!')
        return fmt_wpp_type(o, &sp, ctx, pct, p);
    if (*p == '\0') {
        out_mem(o, pct, (size_t)(p - pct));
        return p;
    }
    if (!fmt_conversion(o, &sp, *p, ctx->ap))
        out_mem(o, pct, (size_t)(p + 1 - pct));
    return p + 1;
}

int dmaemu_shim_wpp_vformat_site(char *out, unsigned cap, const char *func,
                                 const struct dmaemu_wpp_site *site, const char *fmt, va_list ap)
{
    struct out o = {.buf = out, .cap = out == NULL ? 0 : cap};
    va_list args;
    va_copy(args, ap);
    struct fmt_ctx ctx = {.func = func, .site = site, .ap = &args};
    const char *p = fmt != NULL ? fmt : "NULL";
    while (*p) {
        const char *pct = strchr(p, '%');
        if (pct == NULL) {
            out_str(&o, p);
            break;
        }
        out_mem(&o, p, (size_t)(pct - p));
        p = fmt_one(&o, &ctx, pct);
    }
    va_end(args);
    out_finish(&o);
    return (int)o.len;
}

int dmaemu_shim_wpp_vformat(char *out, unsigned cap, const char *func, const char *fmt, va_list ap)
{
    return dmaemu_shim_wpp_vformat_site(out, cap, func, NULL, fmt, ap);
}
