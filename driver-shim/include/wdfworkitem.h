/*
 * wdfworkitem.h: KMDF work items for driver-shim (callbacks at PASSIVE_LEVEL).
 */
#ifndef _WDFWORKITEM_H_
#define _WDFWORKITEM_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef VOID NTAPI EVT_WDF_WORKITEM(_In_ WDFWORKITEM WorkItem);
typedef EVT_WDF_WORKITEM *PFN_WDF_WORKITEM;

typedef struct _WDF_WORKITEM_CONFIG {
    ULONG Size;
    PFN_WDF_WORKITEM EvtWorkItemFunc;
    BOOLEAN AutomaticSerialization;
} WDF_WORKITEM_CONFIG, *PWDF_WORKITEM_CONFIG;

FORCEINLINE VOID WDF_WORKITEM_CONFIG_INIT(_Out_ PWDF_WORKITEM_CONFIG Config,
                                          _In_ PFN_WDF_WORKITEM EvtWorkItemFunc)
{
    RtlZeroMemory(Config, sizeof(WDF_WORKITEM_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_WORKITEM_CONFIG);
    Config->EvtWorkItemFunc = EvtWorkItemFunc;
    Config->AutomaticSerialization = TRUE;
}

_Must_inspect_result_ NTSTATUS WdfWorkItemCreate(_In_ PWDF_WORKITEM_CONFIG Config,
                                                 _In_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                                 _Out_ WDFWORKITEM *WorkItem);
VOID WdfWorkItemEnqueue(_In_ WDFWORKITEM WorkItem);
WDFOBJECT WdfWorkItemGetParentObject(_In_ WDFWORKITEM WorkItem);
VOID WdfWorkItemFlush(_In_ WDFWORKITEM WorkItem);

WDF_EXTERN_C_END

#endif /* _WDFWORKITEM_H_ */
