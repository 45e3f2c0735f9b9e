/*
 * wdfdriver.h: the KMDF driver object for driver-shim.
 */
#ifndef _WDFDRIVER_H_
#define _WDFDRIVER_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef enum _WDF_DRIVER_INIT_FLAGS {
    WdfDriverInitNonPnpDriver = 0x00000001,
    WdfDriverInitNoDispatchOverride = 0x00000002,
    WdfVerifyOn = 0x00000004,
    WdfVerifierOn = 0x00000008,
    WdfDriverInitCompanion = 0x00000010,
} WDF_DRIVER_INIT_FLAGS;

#define WDF_TRACE_ID 0x54524143 /* 'TRAC' */

typedef NTSTATUS NTAPI EVT_WDF_DRIVER_DEVICE_ADD(_In_ WDFDRIVER Driver,
                                                 _Inout_ PWDFDEVICE_INIT DeviceInit);
typedef EVT_WDF_DRIVER_DEVICE_ADD *PFN_WDF_DRIVER_DEVICE_ADD;

typedef VOID NTAPI EVT_WDF_DRIVER_UNLOAD(_In_ WDFDRIVER Driver);
typedef EVT_WDF_DRIVER_UNLOAD *PFN_WDF_DRIVER_UNLOAD;

typedef NTSTATUS NTAPI EVT_WDF_TRACE_CALLBACK(_In_ UCHAR minorFunction, _In_opt_ PVOID dataPath,
                                              _In_ ULONG bufferLength,
                                              _Inout_updates_bytes_(bufferLength) PVOID buffer,
                                              _In_ PVOID context, _Out_ PULONG size);
typedef EVT_WDF_TRACE_CALLBACK *PFN_WDF_TRACE_CALLBACK;

typedef struct _WDF_DRIVER_CONFIG {
    ULONG Size;
    PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd;
    PFN_WDF_DRIVER_UNLOAD EvtDriverUnload;
    ULONG DriverInitFlags; /* WDF_DRIVER_INIT_FLAGS */
    ULONG DriverPoolTag;
} WDF_DRIVER_CONFIG, *PWDF_DRIVER_CONFIG;

FORCEINLINE VOID WDF_DRIVER_CONFIG_INIT(_Out_ PWDF_DRIVER_CONFIG Config,
                                        _In_opt_ PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd)
{
    RtlZeroMemory(Config, sizeof(WDF_DRIVER_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_DRIVER_CONFIG);
    Config->EvtDriverDeviceAdd = EvtDriverDeviceAdd;
}

typedef struct _WDF_DRIVER_VERSION_AVAILABLE_PARAMS {
    ULONG Size;
    ULONG MajorVersion;
    ULONG MinorVersion;
} WDF_DRIVER_VERSION_AVAILABLE_PARAMS, *PWDF_DRIVER_VERSION_AVAILABLE_PARAMS;

FORCEINLINE VOID
WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(_Out_ PWDF_DRIVER_VERSION_AVAILABLE_PARAMS Params,
                                         _In_ ULONG MajorVersion, _In_ ULONG MinorVersion)
{
    RtlZeroMemory(Params, sizeof(WDF_DRIVER_VERSION_AVAILABLE_PARAMS));
    Params->Size = WDF_STRUCTURE_SIZE(WDF_DRIVER_VERSION_AVAILABLE_PARAMS);
    Params->MajorVersion = MajorVersion;
    Params->MinorVersion = MinorVersion;
}

_Must_inspect_result_ NTSTATUS WdfDriverCreate(_In_ PDRIVER_OBJECT DriverObject,
                                               _In_ PCUNICODE_STRING RegistryPath,
                                               _In_opt_ PWDF_OBJECT_ATTRIBUTES DriverAttributes,
                                               _In_ PWDF_DRIVER_CONFIG DriverConfig,
                                               _Out_opt_ WDFDRIVER *Driver);
/* The WDFDRIVER created by WdfDriverCreate (NULL before). */
WDFDRIVER WdfGetDriver(VOID);
PWSTR WdfDriverGetRegistryPath(_In_ WDFDRIVER Driver);
PDRIVER_OBJECT WdfDriverWdmGetDriverObject(_In_ WDFDRIVER Driver);
WDFDRIVER WdfWdmDriverGetWdfDriverHandle(_In_ PDRIVER_OBJECT DriverObject);
_Must_inspect_result_ BOOLEAN WdfDriverIsVersionAvailable(
    _In_ WDFDRIVER Driver, _In_ PWDF_DRIVER_VERSION_AVAILABLE_PARAMS VersionAvailableParams);
_Must_inspect_result_ NTSTATUS WdfDriverOpenParametersRegistryKey(
    _In_ WDFDRIVER Driver, _In_ ACCESS_MASK DesiredAccess,
    _In_opt_ PWDF_OBJECT_ATTRIBUTES KeyAttributes, _Out_ WDFKEY *Key);

WDF_EXTERN_C_END

#endif /* _WDFDRIVER_H_ */
