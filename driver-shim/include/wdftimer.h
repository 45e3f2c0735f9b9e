/*
 * wdftimer.h: KMDF timers for driver-shim. Due times are in 100 ns units, negative = relative
 * (WDF_REL_TIMEOUT_IN_MS and friends); Period is in milliseconds.
 */
#ifndef _WDFTIMER_H_
#define _WDFTIMER_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

#define TolerableDelayUnlimited ((ULONG)-1)

typedef VOID NTAPI EVT_WDF_TIMER(_In_ WDFTIMER Timer);
typedef EVT_WDF_TIMER *PFN_WDF_TIMER;

typedef struct _WDF_TIMER_CONFIG {
    ULONG Size;
    PFN_WDF_TIMER EvtTimerFunc;
    ULONG Period;
    BOOLEAN AutomaticSerialization;
    ULONG TolerableDelay;
    DECLSPEC_ALIGN(8) BOOLEAN UseHighResolutionTimer;
} WDF_TIMER_CONFIG, *PWDF_TIMER_CONFIG;

FORCEINLINE VOID WDF_TIMER_CONFIG_INIT(_Out_ PWDF_TIMER_CONFIG Config,
                                       _In_ PFN_WDF_TIMER EvtTimerFunc)
{
    RtlZeroMemory(Config, sizeof(WDF_TIMER_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_TIMER_CONFIG);
    Config->EvtTimerFunc = EvtTimerFunc;
    Config->Period = 0;
    Config->AutomaticSerialization = TRUE;
    Config->TolerableDelay = 0;
}

FORCEINLINE VOID WDF_TIMER_CONFIG_INIT_PERIODIC(_Out_ PWDF_TIMER_CONFIG Config,
                                                _In_ PFN_WDF_TIMER EvtTimerFunc, _In_ LONG Period)
{
    RtlZeroMemory(Config, sizeof(WDF_TIMER_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_TIMER_CONFIG);
    Config->EvtTimerFunc = EvtTimerFunc;
    Config->Period = (ULONG)Period;
    Config->AutomaticSerialization = TRUE;
    Config->TolerableDelay = 0;
}

/* Attributes->ParentObject is required (a device, queue, ...). */
_Must_inspect_result_ NTSTATUS WdfTimerCreate(_In_ PWDF_TIMER_CONFIG Config,
                                              _In_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                              _Out_ WDFTIMER *Timer);
/* Returns TRUE if the timer was already queued. */
BOOLEAN WdfTimerStart(_In_ WDFTIMER Timer, _In_ LONGLONG DueTime);
BOOLEAN WdfTimerStop(_In_ WDFTIMER Timer, _In_ BOOLEAN Wait);
WDFOBJECT WdfTimerGetParentObject(_In_ WDFTIMER Timer);

WDF_EXTERN_C_END

#endif /* _WDFTIMER_H_ */
