/*
 * wdfcommonbuffer.h: KMDF common buffers for driver-shim: memory shared with the device, with
 * a virtual address for the driver and a logical (bus) address for the device.
 */
#ifndef _WDFCOMMONBUFFER_H_
#define _WDFCOMMONBUFFER_H_

#include "wdfdmaenabler.h"

WDF_EXTERN_C_START

typedef struct _WDF_COMMON_BUFFER_CONFIG {
    ULONG Size;
    ULONG AlignmentRequirement; /* a FILE_*_ALIGNMENT value */
} WDF_COMMON_BUFFER_CONFIG, *PWDF_COMMON_BUFFER_CONFIG;

FORCEINLINE VOID WDF_COMMON_BUFFER_CONFIG_INIT(_Out_ PWDF_COMMON_BUFFER_CONFIG Config,
                                               _In_ ULONG AlignmentRequirement)
{
    RtlZeroMemory(Config, sizeof(WDF_COMMON_BUFFER_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_COMMON_BUFFER_CONFIG);
    Config->AlignmentRequirement = AlignmentRequirement;
}

_Must_inspect_result_ NTSTATUS WdfCommonBufferCreate(_In_ WDFDMAENABLER DmaEnabler,
                                                     _In_ size_t Length,
                                                     _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                                     _Out_ WDFCOMMONBUFFER *CommonBuffer);
_Must_inspect_result_ NTSTATUS WdfCommonBufferCreateWithConfig(
    _In_ WDFDMAENABLER DmaEnabler, _In_ size_t Length, _In_ PWDF_COMMON_BUFFER_CONFIG Config,
    _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes, _Out_ WDFCOMMONBUFFER *CommonBuffer);
PVOID WdfCommonBufferGetAlignedVirtualAddress(_In_ WDFCOMMONBUFFER CommonBuffer);
PHYSICAL_ADDRESS WdfCommonBufferGetAlignedLogicalAddress(_In_ WDFCOMMONBUFFER CommonBuffer);
size_t WdfCommonBufferGetLength(_In_ WDFCOMMONBUFFER CommonBuffer);

WDF_EXTERN_C_END

#endif /* _WDFCOMMONBUFFER_H_ */
