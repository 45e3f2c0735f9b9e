/*
 * ntddk.h: the kernel-mode driver header for driver-shim. Everything a KMDF driver reaches
 * through <ntddk.h> is declared in wdm.h (and ntdef.h / ntstatus.h, which it includes).
 *
 * `#define WIN9X_COMPAT_SPINLOCK` before this header is accepted and changes nothing.
 */
#ifndef _NTDDK_
#define _NTDDK_

#include "wdm.h"

#endif /* _NTDDK_ */
