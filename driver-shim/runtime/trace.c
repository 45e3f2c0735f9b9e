/*
 * trace.c: the runtime end of WPP tracing: format, print, and send to the daemon's history.
 *
 * As on Windows, a message is only traced when the session asked for its level: everything up
 * to --trace-level (TRACE_LEVEL_INFORMATION by default). What is dropped costs no formatting,
 * no log line and no history row, which matters for drivers that trace every transfer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "shim.h"
#include "wpp_format.h"

void dmaemu_shim_trace(unsigned level, uint32_t flags, const char *flag_name, const char *file,
                       int line, const char *func, const char *fmt, ...)
{
    if (shim.opt.trace_level == 0 || level > shim.opt.trace_level)
        return;
    char text[1024];
    struct dmaemu_wpp_site site = {file, line, level, flags, flag_name};
    va_list ap;
    va_start(ap, fmt);
    dmaemu_shim_wpp_vformat_site(text, sizeof(text), func, &site, fmt, ap);
    va_end(ap);
    shim_log("[%s] %s", flag_name && flag_name[0] ? flag_name : "trace", text);
    struct dmaemu_driver_event e = {.kind = "trace", .text = text, .callback = func, .code = level};
    shim_report(&e);
}

void dmaemu_shim_wpp_init(const char *control_name, const char *const *bit_names,
                          unsigned bit_count)
{
    shim_log("WPP tracing on (%s, %u flags)", control_name, bit_count);
}

void dmaemu_shim_wpp_cleanup(void)
{
}
