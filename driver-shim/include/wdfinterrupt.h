/*
 * wdfinterrupt.h: KMDF interrupt objects for driver-shim.
 *
 * The ISR runs under the interrupt lock at "DIRQL" and returns TRUE to claim the interrupt;
 * WdfInterruptQueueDpcForIsr returns FALSE when the DPC is already queued; the DPC runs at
 * DISPATCH_LEVEL, under the device's callback lock when AutomaticSerialization is set.
 * EvtInterruptEnable/Disable run under the interrupt lock after D0Entry / before D0Exit.
 */
#ifndef _WDFINTERRUPT_H_
#define _WDFINTERRUPT_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef enum _WDF_INTERRUPT_POLARITY {
    WdfInterruptPolarityUnknown = 0,
    WdfInterruptActiveHigh,
    WdfInterruptActiveLow,
} WDF_INTERRUPT_POLARITY, *PWDF_INTERRUPT_POLARITY;

typedef enum _WDF_INTERRUPT_POLICY {
    WdfIrqPolicyMachineDefault = 0,
    WdfIrqPolicyAllCloseProcessors,
    WdfIrqPolicyOneCloseProcessor,
    WdfIrqPolicyAllProcessorsInMachine,
    WdfIrqPolicySpecifiedProcessors,
    WdfIrqPolicySpreadMessagesAcrossAllProcessors,
} WDF_INTERRUPT_POLICY, *PWDF_INTERRUPT_POLICY;

typedef enum _WDF_INTERRUPT_PRIORITY {
    WdfIrqPriorityUndefined = 0,
    WdfIrqPriorityLow,
    WdfIrqPriorityNormal,
    WdfIrqPriorityHigh,
} WDF_INTERRUPT_PRIORITY, *PWDF_INTERRUPT_PRIORITY;

/* MessageID: the MSI message number, 0 for a line interrupt. */
typedef BOOLEAN NTAPI EVT_WDF_INTERRUPT_ISR(_In_ WDFINTERRUPT Interrupt, _In_ ULONG MessageID);
typedef EVT_WDF_INTERRUPT_ISR *PFN_WDF_INTERRUPT_ISR;

typedef BOOLEAN NTAPI EVT_WDF_INTERRUPT_SYNCHRONIZE(_In_ WDFINTERRUPT Interrupt,
                                                    _In_ WDFCONTEXT Context);
typedef EVT_WDF_INTERRUPT_SYNCHRONIZE *PFN_WDF_INTERRUPT_SYNCHRONIZE;

typedef VOID NTAPI EVT_WDF_INTERRUPT_DPC(_In_ WDFINTERRUPT Interrupt,
                                         _In_ WDFOBJECT AssociatedObject);
typedef EVT_WDF_INTERRUPT_DPC *PFN_WDF_INTERRUPT_DPC;

typedef VOID NTAPI EVT_WDF_INTERRUPT_WORKITEM(_In_ WDFINTERRUPT Interrupt,
                                              _In_ WDFOBJECT AssociatedObject);
typedef EVT_WDF_INTERRUPT_WORKITEM *PFN_WDF_INTERRUPT_WORKITEM;

typedef NTSTATUS NTAPI EVT_WDF_INTERRUPT_ENABLE(_In_ WDFINTERRUPT Interrupt,
                                                _In_ WDFDEVICE AssociatedDevice);
typedef EVT_WDF_INTERRUPT_ENABLE *PFN_WDF_INTERRUPT_ENABLE;

typedef NTSTATUS NTAPI EVT_WDF_INTERRUPT_DISABLE(_In_ WDFINTERRUPT Interrupt,
                                                 _In_ WDFDEVICE AssociatedDevice);
typedef EVT_WDF_INTERRUPT_DISABLE *PFN_WDF_INTERRUPT_DISABLE;

typedef struct _WDF_INTERRUPT_CONFIG {
    ULONG Size;
    WDFSPINLOCK SpinLock;
    WDF_TRI_STATE ShareVector;
    BOOLEAN FloatingSave;
    BOOLEAN AutomaticSerialization;
    PFN_WDF_INTERRUPT_ISR EvtInterruptIsr;
    PFN_WDF_INTERRUPT_DPC EvtInterruptDpc;
    PFN_WDF_INTERRUPT_ENABLE EvtInterruptEnable;
    PFN_WDF_INTERRUPT_DISABLE EvtInterruptDisable;
    PFN_WDF_INTERRUPT_WORKITEM EvtInterruptWorkItem;
    /* Only when the interrupt is created in EvtDevicePrepareHardware. */
    PCM_PARTIAL_RESOURCE_DESCRIPTOR InterruptRaw;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR InterruptTranslated;
    WDFWAITLOCK WaitLock;
    BOOLEAN PassiveHandling;
    WDF_TRI_STATE ReportInactiveOnPowerDown;
    BOOLEAN CanWakeDevice;
} WDF_INTERRUPT_CONFIG, *PWDF_INTERRUPT_CONFIG;

FORCEINLINE VOID WDF_INTERRUPT_CONFIG_INIT(_Out_ PWDF_INTERRUPT_CONFIG Configuration,
                                           _In_ PFN_WDF_INTERRUPT_ISR EvtInterruptIsr,
                                           _In_opt_ PFN_WDF_INTERRUPT_DPC EvtInterruptDpc)
{
    RtlZeroMemory(Configuration, sizeof(WDF_INTERRUPT_CONFIG));
    Configuration->Size = WDF_STRUCTURE_SIZE(WDF_INTERRUPT_CONFIG);
    Configuration->ShareVector = WdfUseDefault;
    Configuration->EvtInterruptIsr = EvtInterruptIsr;
    Configuration->EvtInterruptDpc = EvtInterruptDpc;
    Configuration->ReportInactiveOnPowerDown = WdfUseDefault;
}

typedef struct _WDF_INTERRUPT_INFO {
    ULONG Size;
    ULONG64 Reserved1;
    KAFFINITY TargetProcessorSet;
    ULONG Reserved2;
    ULONG MessageNumber;
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;
    WDF_INTERRUPT_POLARITY Polarity;
    BOOLEAN MessageSignaled;
    UCHAR ShareDisposition; /* CM_SHARE_DISPOSITION */
    DECLSPEC_ALIGN(8) USHORT Group;
} WDF_INTERRUPT_INFO, *PWDF_INTERRUPT_INFO;

FORCEINLINE VOID WDF_INTERRUPT_INFO_INIT(_Out_ PWDF_INTERRUPT_INFO Info)
{
    RtlZeroMemory(Info, sizeof(WDF_INTERRUPT_INFO));
    Info->Size = WDF_STRUCTURE_SIZE(WDF_INTERRUPT_INFO);
}

typedef struct _WDF_INTERRUPT_EXTENDED_POLICY {
    ULONG Size;
    WDF_INTERRUPT_POLICY Policy;
    WDF_INTERRUPT_PRIORITY Priority;
    GROUP_AFFINITY TargetProcessorSetAndGroup;
} WDF_INTERRUPT_EXTENDED_POLICY, *PWDF_INTERRUPT_EXTENDED_POLICY;

FORCEINLINE VOID WDF_INTERRUPT_EXTENDED_POLICY_INIT(
    _Out_ PWDF_INTERRUPT_EXTENDED_POLICY ExtendedPolicy)
{
    RtlZeroMemory(ExtendedPolicy, sizeof(WDF_INTERRUPT_EXTENDED_POLICY));
    ExtendedPolicy->Size = WDF_STRUCTURE_SIZE(WDF_INTERRUPT_EXTENDED_POLICY);
    ExtendedPolicy->Policy = WdfIrqPolicyMachineDefault;
    ExtendedPolicy->Priority = WdfIrqPriorityUndefined;
}

_Must_inspect_result_ NTSTATUS WdfInterruptCreate(_In_ WDFDEVICE Device,
                                                  _In_ PWDF_INTERRUPT_CONFIG Configuration,
                                                  _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                                  _Out_ WDFINTERRUPT *Interrupt);
BOOLEAN WdfInterruptQueueDpcForIsr(_In_ WDFINTERRUPT Interrupt);
BOOLEAN WdfInterruptQueueWorkItemForIsr(_In_ WDFINTERRUPT Interrupt);
/* Runs Callback under the interrupt lock at the interrupt's IRQL; returns its result. */
BOOLEAN WdfInterruptSynchronize(_In_ WDFINTERRUPT Interrupt,
                                _In_ PFN_WDF_INTERRUPT_SYNCHRONIZE Callback,
                                _In_ WDFCONTEXT Context);
VOID WdfInterruptAcquireLock(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptReleaseLock(_In_ WDFINTERRUPT Interrupt);
_Must_inspect_result_ BOOLEAN WdfInterruptTryToAcquireLock(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptEnable(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptDisable(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptGetInfo(_In_ WDFINTERRUPT Interrupt, _Inout_ PWDF_INTERRUPT_INFO Info);
VOID WdfInterruptSetPolicy(_In_ WDFINTERRUPT Interrupt, _In_ WDF_INTERRUPT_POLICY Policy,
                           _In_ WDF_INTERRUPT_PRIORITY Priority,
                           _In_ KAFFINITY TargetProcessorSet);
VOID WdfInterruptSetExtendedPolicy(_In_ WDFINTERRUPT Interrupt,
                                   _In_ PWDF_INTERRUPT_EXTENDED_POLICY PolicyAndGroup);
WDFDEVICE WdfInterruptGetDevice(_In_ WDFINTERRUPT Interrupt);
_Must_inspect_result_ PKINTERRUPT WdfInterruptWdmGetInterrupt(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptReportActive(_In_ WDFINTERRUPT Interrupt);
VOID WdfInterruptReportInactive(_In_ WDFINTERRUPT Interrupt);

WDF_EXTERN_C_END

#endif /* _WDFINTERRUPT_H_ */
