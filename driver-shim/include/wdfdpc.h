/*
 * wdfdpc.h: KMDF DPC objects for driver-shim (callbacks at DISPATCH_LEVEL).
 */
#ifndef _WDFDPC_H_
#define _WDFDPC_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef VOID NTAPI EVT_WDF_DPC(_In_ WDFDPC Dpc);
typedef EVT_WDF_DPC *PFN_WDF_DPC;

typedef struct _WDF_DPC_CONFIG {
    ULONG Size;
    PFN_WDF_DPC EvtDpcFunc;
    BOOLEAN AutomaticSerialization;
} WDF_DPC_CONFIG, *PWDF_DPC_CONFIG;

FORCEINLINE VOID WDF_DPC_CONFIG_INIT(_Out_ PWDF_DPC_CONFIG Config, _In_ PFN_WDF_DPC EvtDpcFunc)
{
    RtlZeroMemory(Config, sizeof(WDF_DPC_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_DPC_CONFIG);
    Config->EvtDpcFunc = EvtDpcFunc;
    Config->AutomaticSerialization = TRUE;
}

_Must_inspect_result_ NTSTATUS WdfDpcCreate(_In_ PWDF_DPC_CONFIG Config,
                                            _In_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                            _Out_ WDFDPC *Dpc);
BOOLEAN WdfDpcEnqueue(_In_ WDFDPC Dpc);
BOOLEAN WdfDpcCancel(_In_ WDFDPC Dpc, _In_ BOOLEAN Wait);
WDFOBJECT WdfDpcGetParentObject(_In_ WDFDPC Dpc);

WDF_EXTERN_C_END

#endif /* _WDFDPC_H_ */
