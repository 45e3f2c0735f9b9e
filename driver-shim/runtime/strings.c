/*
 * strings.c: the string hooks the headers use: UTF-16 copies of wide literals from drivers
 * built with a 4-byte wchar_t, and the Windows kernel printf dialect for ntstrsafe's
 * RtlStringCch/CbPrintf (%ws, %wZ, %I64x, ... as DbgPrint understands them).
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define SHIM_FORMAT_MAX 65536

/* Interned: a literal's copy must live as long as the pointer the driver keeps. */
struct interned {
    struct interned *next;
    const void *key;
    uint16_t text[];
};

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interned *interned;

/* The runtime is built with a 2-byte wchar_t; the caller's literal has 4-byte units. */
const uint16_t *dmaemu_shim_utf16_from_wchar(const wchar_t *s)
{
    const uint32_t *w = (const uint32_t *)(const void *)s;
    if (w == NULL)
        return NULL;
    pthread_mutex_lock(&intern_lock);
    struct interned *it = interned;
    while (it != NULL && it->key != w)
        it = it->next;
    if (it == NULL) {
        size_t n = 0;
        while (w[n] != 0)
            n++;
        it = malloc(sizeof(*it) + (2 * n + 1) * sizeof(uint16_t));
        if (it != NULL) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                uint32_t c = w[i];
                if (c >= 0x10000) { /* a surrogate pair */
                    c -= 0x10000;
                    it->text[k++] = (uint16_t)(0xD800 | (c >> 10));
                    it->text[k++] = (uint16_t)(0xDC00 | (c & 0x3FF));
                } else {
                    it->text[k++] = (uint16_t)c;
                }
            }
            it->text[k] = 0;
            it->key = w;
            it->next = interned;
            interned = it;
        }
    }
    pthread_mutex_unlock(&intern_lock);
    return it ? it->text : NULL;
}

/* Returns the full length, as vsnprintf does, so callers can detect truncation. */
int dmaemu_shim_vsnprintf_a(char *out, size_t cch, const char *fmt, va_list ap)
{
    char *big = malloc(SHIM_FORMAT_MAX);
    if (big == NULL)
        return -1;
    int n = dmaemu_shim_wpp_vformat(big, SHIM_FORMAT_MAX, NULL, fmt, ap);
    if (cch > 0) {
        size_t k = (size_t)n < cch - 1 ? (size_t)n : cch - 1;
        memcpy(out, big, k);
        out[k] = '\0';
    }
    free(big);
    return n;
}

/* A wide format means the W dialect: %s and %c take wide arguments, %S and %C narrow ones.
 * Rewritten into the narrow engine's terms (%ws, %s) before formatting. */
static char *format_from_wide(const uint16_t *fmt)
{
    size_t n = 0;
    while (fmt[n] != 0)
        n++;
    char *out = malloc(2 * n + 1);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    bool in_spec = false;
    for (size_t i = 0; i < n; i++) {
        char c = fmt[i] < 0x80 ? (char)fmt[i] : '?';
        if (in_spec && (c == 's' || c == 'c')) {
            out[k++] = 'w';
            out[k++] = c;
            in_spec = false;
            continue;
        }
        if (in_spec && (c == 'S' || c == 'C'))
            c = (char)(c - 'A' + 'a');
        if (in_spec && strchr("diouxXpn%Z", c))
            in_spec = false;
        else if (c == '%')
            in_spec = true;
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

int dmaemu_shim_vsnprintf_w(uint16_t *out, size_t cch, const uint16_t *fmt, va_list ap)
{
    char *nfmt = format_from_wide(fmt);
    char *big = malloc(SHIM_FORMAT_MAX);
    int n = -1;
    if (nfmt != NULL && big != NULL) {
        n = dmaemu_shim_wpp_vformat(big, SHIM_FORMAT_MAX, NULL, nfmt, ap);
        size_t k = 0; /* UTF-8 to UTF-16, byte by byte for ASCII, '?' beyond */
        for (int i = 0; i < n && cch > 0 && k < cch - 1; i++)
            if (((unsigned char)big[i] & 0xC0) != 0x80)
                out[k++] = (unsigned char)big[i] < 0x80 ? (uint16_t)big[i] : '?';
        if (cch > 0)
            out[k] = 0;
    }
    free(nfmt);
    free(big);
    return n;
}
