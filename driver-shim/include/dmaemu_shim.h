/*
 * dmaemu_shim.h: what the Windows-compatible headers of driver-shim expand to.
 *
 * Drivers never include this file or call these functions by name; the KMDF/WDM headers
 * (ntddk.h, wdf.h, ...) and the generated WPP .tmh files use them to reach the shim runtime.
 * Everything here has C linkage and the dmaemu_shim_ prefix, so nothing collides with driver
 * code written for Windows.
 */
#ifndef DMAEMU_SHIM_H
#define DMAEMU_SHIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Register access. reg is a pointer MmMapIoSpace returned (plus an offset): the runtime maps
 * it back to the device BAR and offset and performs an MMIO read or a posted write of width
 * bytes (1, 2, 4 or 8) on the emulated device. Port I/O uses the same calls with the port
 * "address" from the resource list.
 */
uint64_t dmaemu_shim_reg_read(const volatile void *reg, unsigned width);
void dmaemu_shim_reg_write(volatile void *reg, unsigned width, uint64_t value);

/*
 * WPP tracing, reached from the code generated into each .tmh. level is a TRACE_LEVEL_*,
 * flags the WPP_DEFINE_BIT mask, flag_name the bit's name ("DBG_INIT"). fmt is the WPP
 * format string as written in the driver (with %!STATUS!, %!FUNC!, %I64x, ...); the runtime
 * formats it and sends the line to its log and to the daemon's history.
 */
void dmaemu_shim_trace(unsigned level, uint32_t flags, const char *flag_name, const char *file,
                       int line, const char *func, const char *fmt, ...);
/* WPP_INIT_TRACING / WPP_CLEANUP: the driver's control GUID name and its bit names. */
void dmaemu_shim_wpp_init(const char *control_name, const char *const *bit_names,
                          unsigned bit_count);
void dmaemu_shim_wpp_cleanup(void);

/* Formats a WPP format string into out (always NUL-terminated); returns the length written. */
int dmaemu_shim_wpp_vformat(char *out, unsigned cap, const char *func, const char *fmt,
                            va_list ap);

/*
 * Instrumentation, the one exception to "drivers never call these by name": inside
 * EvtInterruptIsr, the daemon's CLOCK_REALTIME stamp (ns) of the assertion being served (0
 * when unknown). A measuring driver on the daemon's machine (tests/bench) subtracts it from
 * its own clock_gettime(CLOCK_REALTIME) to get the interrupt latency up to its ISR.
 */
uint64_t dmaemu_shim_interrupt_raised_ns(void);

/* ASSERT() in a driver: a verifier finding with the expression and place. */
void dmaemu_shim_assert_failed(const char *expr, const char *file, int line);

/*
 * Strings (wdm.h, ntstrsafe.h).
 *
 * dmaemu_shim_utf16_from_wchar: a UTF-16, NUL-terminated copy of s, for driver code built
 * without -fshort-wchar (where L"..." is 32-bit wchar_t). The copy is interned: equal strings
 * give the same pointer, and it stays valid for the life of the process (callers keep it in a
 * UNICODE_STRING and never free it). Returns NULL for NULL.
 *
 * dmaemu_shim_vsnprintf_a/_w: format with the Windows kernel printf dialect (as DbgPrint:
 * %s/%hs narrow string, %ws/%ls/%S wide (UTF-16) string in the narrow form, %s/%ls wide and
 * %S/%hs narrow in the wide form, %Z PANSI_STRING, %wZ PUNICODE_STRING, %I64d/%I64x/%I32x/%Ix,
 * %p, %c/%wc/%C, the usual flags, width and precision). out receives at most cch elements
 * including the terminating NUL and is always NUL-terminated when cch > 0. Returns the number
 * of elements the complete output needs (excluding the NUL), like vsnprintf, or a negative
 * value for an invalid format.
 */
const uint16_t *dmaemu_shim_utf16_from_wchar(const wchar_t *s);
int dmaemu_shim_vsnprintf_a(char *out, size_t cch, const char *fmt, va_list ap);
int dmaemu_shim_vsnprintf_w(uint16_t *out, size_t cch, const uint16_t *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif
