/*
 * wdfsync.h: KMDF locks for driver-shim: the object presentation lock, wait locks (passive,
 * may block) and spin locks (raise to DISPATCH_LEVEL).
 */
#ifndef _WDFSYNC_H_
#define _WDFSYNC_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

/* Acquires the lock KMDF uses to serialize the object's callbacks (synchronization scope). */
VOID WdfObjectAcquireLock(_In_ WDFOBJECT Object);
VOID WdfObjectReleaseLock(_In_ WDFOBJECT Object);

_Must_inspect_result_ NTSTATUS WdfWaitLockCreate(_In_opt_ PWDF_OBJECT_ATTRIBUTES LockAttributes,
                                                 _Out_ WDFWAITLOCK *Lock);
/* Timeout: NULL waits forever; 0 tries once (STATUS_TIMEOUT if held); otherwise 100 ns units,
 * negative = relative. */
NTSTATUS WdfWaitLockAcquire(_In_ WDFWAITLOCK Lock, _In_opt_ PLONGLONG Timeout);
VOID WdfWaitLockRelease(_In_ WDFWAITLOCK Lock);

_Must_inspect_result_ NTSTATUS WdfSpinLockCreate(_In_opt_ PWDF_OBJECT_ATTRIBUTES SpinLockAttributes,
                                                 _Out_ WDFSPINLOCK *SpinLock);
VOID WdfSpinLockAcquire(_In_ WDFSPINLOCK SpinLock);
VOID WdfSpinLockRelease(_In_ WDFSPINLOCK SpinLock);

WDF_EXTERN_C_END

#endif /* _WDFSYNC_H_ */
