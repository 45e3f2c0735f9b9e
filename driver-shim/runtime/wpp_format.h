/*
 * wpp_format.h: the WPP format engine of the shim runtime (wpp_format.c).
 *
 * dmaemu_shim_wpp_vformat() (declared in dmaemu_shim.h) knows only the function name of the
 * trace call. The runtime's dmaemu_shim_trace() also knows the file, line, level and flag
 * of the call site; it passes them here so %!FILE!, %!LINE!, %!LEVEL! and %!FLAGS! print them.
 */
#ifndef DMAEMU_WPP_FORMAT_H
#define DMAEMU_WPP_FORMAT_H

#include <stdarg.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a trace message was written. Unknown parts print as "?". */
struct dmaemu_wpp_site {
    const char *file;      /* __FILE__; %!FILE! prints its last path component */
    int line;              /* __LINE__; 0 when unknown */
    unsigned level;        /* TRACE_LEVEL_*; %!LEVEL! prints its name */
    uint32_t flags;        /* the WPP_DEFINE_BIT mask */
    const char *flag_name; /* "DBG_INIT"; %!FLAGS! prints it, or the mask if NULL/"" */
};

/*
 * dmaemu_shim_wpp_vformat() with the call site: site may be NULL. Same contract: out always
 * NUL-terminated (unless cap is 0), returns the number of bytes written before the NUL.
 */
int dmaemu_shim_wpp_vformat_site(char *out, unsigned cap, const char *func,
                                 const struct dmaemu_wpp_site *site, const char *fmt, va_list ap);

/* Names for known codes ("STATUS_SUCCESS", "E_FAIL", "TRACE_LEVEL_ERROR"), else NULL. */
const char *dmaemu_shim_status_name(int32_t status);
const char *dmaemu_shim_hresult_name(int32_t hr);
const char *dmaemu_shim_trace_level_name(unsigned level);

#ifdef __cplusplus
}
#endif

#endif
