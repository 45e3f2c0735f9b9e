/*
 * wdfdmaenabler.h: KMDF DMA enablers for driver-shim.
 *
 * The profile fixes the address width (32-bit profiles get bus addresses below 4 GiB) and
 * whether transfers are scatter/gather or single-element packets. MaximumLength bounds one
 * transfer; WdfDmaEnablerSetMaximumScatterGatherElements bounds its SG list.
 */
#ifndef _WDFDMAENABLER_H_
#define _WDFDMAENABLER_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef enum _WDF_DMA_PROFILE {
    WdfDmaProfileInvalid = 0,
    WdfDmaProfilePacket,
    WdfDmaProfileScatterGather,
    WdfDmaProfilePacket64,
    WdfDmaProfileScatterGather64,
    WdfDmaProfileScatterGatherDuplex,
    WdfDmaProfileScatterGather64Duplex,
    WdfDmaProfileSystem,
    WdfDmaProfileSystemDuplex,
} WDF_DMA_PROFILE;

typedef enum _WDF_DMA_DIRECTION {
    WdfDmaDirectionReadFromDevice = FALSE,
    WdfDmaDirectionWriteToDevice = TRUE,
} WDF_DMA_DIRECTION;

typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_FILL(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_FILL *PFN_WDF_DMA_ENABLER_FILL;
typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_FLUSH(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_FLUSH *PFN_WDF_DMA_ENABLER_FLUSH;
typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_ENABLE(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_ENABLE *PFN_WDF_DMA_ENABLER_ENABLE;
typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_DISABLE(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_DISABLE *PFN_WDF_DMA_ENABLER_DISABLE;
typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_START(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_START *PFN_WDF_DMA_ENABLER_SELFMANAGED_IO_START;
typedef NTSTATUS NTAPI EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP(_In_ WDFDMAENABLER DmaEnabler);
typedef EVT_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP *PFN_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP;

#define WDF_DMA_ENABLER_UNLIMITED_FRAGMENTS ((ULONG)-1)

typedef enum _WDF_DMA_ENABLER_CONFIG_FLAGS {
    WDF_DMA_ENABLER_CONFIG_NO_SGLIST_PREALLOCATION = 0x00000001,
    WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER = 0x00000002,
} WDF_DMA_ENABLER_CONFIG_FLAGS;

typedef struct _WDF_DMA_ENABLER_CONFIG {
    ULONG Size;
    WDF_DMA_PROFILE Profile;
    size_t MaximumLength; /* bytes per transfer */
    PFN_WDF_DMA_ENABLER_FILL EvtDmaEnablerFill;
    PFN_WDF_DMA_ENABLER_FLUSH EvtDmaEnablerFlush;
    PFN_WDF_DMA_ENABLER_DISABLE EvtDmaEnablerDisable;
    PFN_WDF_DMA_ENABLER_ENABLE EvtDmaEnablerEnable;
    PFN_WDF_DMA_ENABLER_SELFMANAGED_IO_START EvtDmaEnablerSelfManagedIoStart;
    PFN_WDF_DMA_ENABLER_SELFMANAGED_IO_STOP EvtDmaEnablerSelfManagedIoStop;
    ULONG AddressWidthOverride;
    ULONG WdmDmaVersionOverride; /* 0: default */
    ULONG Flags;                 /* WDF_DMA_ENABLER_CONFIG_FLAGS */
} WDF_DMA_ENABLER_CONFIG, *PWDF_DMA_ENABLER_CONFIG;

FORCEINLINE VOID WDF_DMA_ENABLER_CONFIG_INIT(_Out_ PWDF_DMA_ENABLER_CONFIG Config,
                                             _In_ WDF_DMA_PROFILE Profile,
                                             _In_ size_t MaximumLength)
{
    RtlZeroMemory(Config, sizeof(WDF_DMA_ENABLER_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_DMA_ENABLER_CONFIG);
    Config->Profile = Profile;
    Config->MaximumLength = MaximumLength;
}

typedef struct _WDF_DMA_SYSTEM_PROFILE_CONFIG {
    ULONG Size;
    BOOLEAN DemandMode;
    BOOLEAN LoopedTransfer;
    DMA_WIDTH DmaWidth;
    PHYSICAL_ADDRESS DeviceAddress;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR DmaDescriptor;
} WDF_DMA_SYSTEM_PROFILE_CONFIG, *PWDF_DMA_SYSTEM_PROFILE_CONFIG;

FORCEINLINE VOID WDF_DMA_SYSTEM_PROFILE_CONFIG_INIT(
    _Out_ PWDF_DMA_SYSTEM_PROFILE_CONFIG DmaConfig, _In_ PHYSICAL_ADDRESS Address,
    _In_ DMA_WIDTH DmaWidth, _In_ PCM_PARTIAL_RESOURCE_DESCRIPTOR DmaDescriptor)
{
    RtlZeroMemory(DmaConfig, sizeof(WDF_DMA_SYSTEM_PROFILE_CONFIG));
    DmaConfig->Size = WDF_STRUCTURE_SIZE(WDF_DMA_SYSTEM_PROFILE_CONFIG);
    DmaConfig->DeviceAddress = Address;
    DmaConfig->DmaWidth = DmaWidth;
    DmaConfig->DmaDescriptor = DmaDescriptor;
}

_Must_inspect_result_ NTSTATUS WdfDmaEnablerCreate(_In_ WDFDEVICE Device,
                                                   _In_ PWDF_DMA_ENABLER_CONFIG Config,
                                                   _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                                   _Out_ WDFDMAENABLER *DmaEnablerHandle);
_Must_inspect_result_ NTSTATUS WdfDmaEnablerConfigureSystemProfile(
    _In_ WDFDMAENABLER DmaEnabler, _In_ PWDF_DMA_SYSTEM_PROFILE_CONFIG ProfileConfig,
    _In_ WDF_DMA_DIRECTION ConfigDirection);
size_t WdfDmaEnablerGetMaximumLength(_In_ WDFDMAENABLER DmaEnabler);
size_t WdfDmaEnablerGetMaximumScatterGatherElements(_In_ WDFDMAENABLER DmaEnabler);
VOID WdfDmaEnablerSetMaximumScatterGatherElements(_In_ WDFDMAENABLER DmaEnabler,
                                                  _In_ size_t MaximumFragments);
size_t WdfDmaEnablerGetFragmentLength(_In_ WDFDMAENABLER DmaEnabler,
                                      _In_ WDF_DMA_DIRECTION DmaDirection);
PDMA_ADAPTER WdfDmaEnablerWdmGetDmaAdapter(_In_ WDFDMAENABLER DmaEnabler,
                                           _In_ WDF_DMA_DIRECTION DmaDirection);

WDF_EXTERN_C_END

#endif /* _WDFDMAENABLER_H_ */
