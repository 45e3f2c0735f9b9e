/* error.c: error codes and the calling thread's last error message. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char last_error[600];

int dmaemu_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    return code;
}

const char *dmaemu_last_error(void)
{
    return last_error[0] ? last_error : "no error";
}

int dmaemu_code_from_wire(int wire_code)
{
    return wire_code > 0 && wire_code <= 16 ? -wire_code : DMAEMU_E_PROTOCOL;
}

const char *dmaemu_strerror(int code)
{
    switch (code) {
    case DMAEMU_OK: return "success";
    case DMAEMU_E_PROTOCOL: return "protocol error";
    case DMAEMU_E_VERSION: return "no common protocol version";
    case DMAEMU_E_AUTH: return "authentication failed";
    case DMAEMU_E_NO_DEVICE: return "no such device";
    case DMAEMU_E_BUSY: return "device owned by another session";
    case DMAEMU_E_NOT_ATTACHED: return "no device attached";
    case DMAEMU_E_INVALID: return "invalid argument";
    case DMAEMU_E_RANGE: return "register access out of range";
    case DMAEMU_E_OVERLAP: return "bus range overlaps a mapped region";
    case DMAEMU_E_NO_MEMORY: return "out of memory";
    case DMAEMU_E_FAULT: return "DMA fault";
    case DMAEMU_E_PERMISSION: return "not permitted for this role";
    case DMAEMU_E_UNSUPPORTED: return "not supported";
    case DMAEMU_E_LIMIT: return "limit exceeded";
    case DMAEMU_E_DISCONNECTED: return "disconnected from the daemon";
    case DMAEMU_E_INTERNAL: return "internal error";
    case DMAEMU_E_CONNECT: return "cannot connect to the daemon";
    case DMAEMU_E_CONTEXT: return "synchronous call from a callback";
    case DMAEMU_E_SYSTEM: return "system call failed";
    }
    return "unknown error";
}
