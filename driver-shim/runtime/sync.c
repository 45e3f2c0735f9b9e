/*
 * sync.c: framework locks (spin locks raise to DISPATCH_LEVEL, wait locks are passive only),
 * kernel time and delays, pool memory, and the small RTL helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim.h"

/* Spin locks ---------------------------------------------------------------------------------- */

struct shim_spinlock {
    struct shim_object obj;
    pthread_mutex_t mutex;
    KIRQL saved_irql;
};

static void spinlock_teardown(struct shim_object *o)
{
    struct shim_spinlock *l = (struct shim_spinlock *)o;
    pthread_mutex_destroy(&l->mutex);
    free(l);
}

NTSTATUS WdfSpinLockCreate(PWDF_OBJECT_ATTRIBUTES SpinLockAttributes, WDFSPINLOCK *SpinLock)
{
    struct shim_spinlock *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    pthread_mutex_init(&l->mutex, NULL);
    NTSTATUS st = shim_object_init(&l->obj, SHIM_SPINLOCK, SpinLockAttributes,
                                   shim.device ? &shim.device->obj : NULL, spinlock_teardown);
    if (!NT_SUCCESS(st)) {
        spinlock_teardown(&l->obj);
        return st;
    }
    *SpinLock = (WDFSPINLOCK)l;
    return STATUS_SUCCESS;
}

void WdfSpinLockAcquire(WDFSPINLOCK SpinLock)
{
    struct shim_spinlock *l =
        SHIM_CHECK(SpinLock, SHIM_SPINLOCK, struct shim_spinlock, "WdfSpinLockAcquire");
    if (l == NULL || !shim_irql_at_most(DISPATCH_LEVEL, "WdfSpinLockAcquire"))
        return;
    pthread_mutex_lock(&l->mutex);
    l->saved_irql = shim_irql;
    shim_irql = DISPATCH_LEVEL;
}

void WdfSpinLockRelease(WDFSPINLOCK SpinLock)
{
    struct shim_spinlock *l =
        SHIM_CHECK(SpinLock, SHIM_SPINLOCK, struct shim_spinlock, "WdfSpinLockRelease");
    if (l == NULL)
        return;
    shim_irql = l->saved_irql;
    pthread_mutex_unlock(&l->mutex);
}

/* Wait locks ---------------------------------------------------------------------------------- */

struct shim_waitlock {
    struct shim_object obj;
    pthread_mutex_t mutex;
};

static void waitlock_teardown(struct shim_object *o)
{
    struct shim_waitlock *l = (struct shim_waitlock *)o;
    pthread_mutex_destroy(&l->mutex);
    free(l);
}

NTSTATUS WdfWaitLockCreate(PWDF_OBJECT_ATTRIBUTES LockAttributes, WDFWAITLOCK *Lock)
{
    struct shim_waitlock *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    pthread_mutex_init(&l->mutex, NULL);
    NTSTATUS st = shim_object_init(&l->obj, SHIM_WAITLOCK, LockAttributes,
                                   shim.device ? &shim.device->obj : NULL, waitlock_teardown);
    if (!NT_SUCCESS(st)) {
        waitlock_teardown(&l->obj);
        return st;
    }
    *Lock = (WDFWAITLOCK)l;
    return STATUS_SUCCESS;
}

/* Kernel timeouts: negative is relative, positive absolute, in 100 ns units. */
static struct timespec shim_deadline(LONGLONG timeout)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    LONGLONG rel = timeout < 0 ? -timeout : 0;
    ts.tv_sec += rel / 10000000;
    ts.tv_nsec += (long)(rel % 10000000) * 100;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

NTSTATUS WdfWaitLockAcquire(WDFWAITLOCK Lock, PLONGLONG Timeout)
{
    struct shim_waitlock *l =
        SHIM_CHECK(Lock, SHIM_WAITLOCK, struct shim_waitlock, "WdfWaitLockAcquire");
    if (l == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Timeout == NULL) {
        if (!shim_irql_at_most(PASSIVE_LEVEL, "WdfWaitLockAcquire without a timeout"))
            return STATUS_INVALID_DEVICE_STATE;
        if (pthread_mutex_trylock(&l->mutex) == 0)
            return STATUS_SUCCESS;
        shim_flush(); /* the holder may be waiting for the device */
        pthread_mutex_lock(&l->mutex);
        return STATUS_SUCCESS;
    }
    if (*Timeout == 0)
        return pthread_mutex_trylock(&l->mutex) == 0 ? STATUS_SUCCESS : STATUS_TIMEOUT;
    shim_flush();
    struct timespec until = shim_deadline(*Timeout);
    return pthread_mutex_timedlock(&l->mutex, &until) == 0 ? STATUS_SUCCESS : STATUS_TIMEOUT;
}

void WdfWaitLockRelease(WDFWAITLOCK Lock)
{
    struct shim_waitlock *l =
        SHIM_CHECK(Lock, SHIM_WAITLOCK, struct shim_waitlock, "WdfWaitLockRelease");
    if (l != NULL)
        pthread_mutex_unlock(&l->mutex);
}

/* Time ------------------------------------------------------------------------------------------
 */

/* Seconds from 1601-01-01 (the Windows epoch) to 1970-01-01. */
#define WINDOWS_EPOCH_OFFSET 11644473600LL

static void shim_system_time(PLARGE_INTEGER now)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now->QuadPart = ((LONGLONG)ts.tv_sec + WINDOWS_EPOCH_OFFSET) * 10000000LL + ts.tv_nsec / 100;
}

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    shim_system_time(CurrentTime);
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    shim_system_time(CurrentTime);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval)
{
    if (!shim_irql_at_most(APC_LEVEL, "KeDelayExecutionThread"))
        return STATUS_INVALID_PARAMETER;
    struct timespec until = shim_deadline(Interval->QuadPart < 0 ? Interval->QuadPart : 0);
    if (Interval->QuadPart > 0) { /* absolute system time */
        LARGE_INTEGER now;
        shim_system_time(&now);
        until = shim_deadline(now.QuadPart - Interval->QuadPart);
    }
    shim_flush(); /* a driver delays to let the device work */
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
    return STATUS_SUCCESS;
}

VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    struct timespec ts = {MicroSeconds / 1000000, (long)(MicroSeconds % 1000000) * 1000};
    shim_flush(); /* a driver stalls to let the device work */
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* Pool ------------------------------------------------------------------------------------------
 */

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    void *p = (Flags & POOL_FLAG_UNINITIALIZED) ? malloc(NumberOfBytes ? NumberOfBytes : 1)
                                                : calloc(1, NumberOfBytes ? NumberOfBytes : 1);
    if (p == NULL && (Flags & POOL_FLAG_RAISE_ON_FAILURE))
        shim_verifier(
            SHIM_NO_BUGCHECK, NumberOfBytes, Tag, 0,
            "ExAllocatePool2 with POOL_FLAG_RAISE_ON_FAILURE could not allocate %zu bytes",
            (size_t)NumberOfBytes);
    return p;
}

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return malloc(NumberOfBytes ? NumberOfBytes : 1);
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    free(P);
}

VOID ExFreePool(PVOID P)
{
    free(P);
}

/* RTL and debug output ------------------------------------------------------------------------- */

ULONG DbgPrint(PCSTR Format, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, Format);
    vsnprintf(line, sizeof(line), Format, ap);
    va_end(ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    shim_log("%s", line);
    return 0;
}

ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist)
{
    char line[1024];
    vsnprintf(line, sizeof(line), Format, arglist);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    shim_log("%s", line);
    return 0;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    vDbgPrintEx(ComponentId, Level, Format, ap);
    va_end(ap);
    return 0;
}
