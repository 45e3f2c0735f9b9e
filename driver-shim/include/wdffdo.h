/*
 * wdffdo.h: function-driver (FDO) specifics for driver-shim.
 */
#ifndef _WDFFDO_H_
#define _WDFFDO_H_

#include "wdfdevice.h"

WDF_EXTERN_C_START

typedef NTSTATUS NTAPI EVT_WDF_DEVICE_FILTER_RESOURCE_REQUIREMENTS(
    _In_ WDFDEVICE Device, _In_ WDFIORESREQLIST IoResourceRequirementsList);
typedef EVT_WDF_DEVICE_FILTER_RESOURCE_REQUIREMENTS *PFN_WDF_DEVICE_FILTER_RESOURCE_REQUIREMENTS;
typedef NTSTATUS NTAPI EVT_WDF_DEVICE_REMOVE_ADDED_RESOURCES(_In_ WDFDEVICE Device,
                                                             _In_ WDFCMRESLIST ResourcesRaw,
                                                             _In_ WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_REMOVE_ADDED_RESOURCES *PFN_WDF_DEVICE_REMOVE_ADDED_RESOURCES;

typedef struct _WDF_FDO_EVENT_CALLBACKS {
    ULONG Size;
    PFN_WDF_DEVICE_FILTER_RESOURCE_REQUIREMENTS EvtDeviceFilterAddResourceRequirements;
    PFN_WDF_DEVICE_FILTER_RESOURCE_REQUIREMENTS EvtDeviceFilterRemoveResourceRequirements;
    PFN_WDF_DEVICE_REMOVE_ADDED_RESOURCES EvtDeviceRemoveAddedResources;
} WDF_FDO_EVENT_CALLBACKS, *PWDF_FDO_EVENT_CALLBACKS;

FORCEINLINE VOID WDF_FDO_EVENT_CALLBACKS_INIT(_Out_ PWDF_FDO_EVENT_CALLBACKS Callbacks)
{
    RtlZeroMemory(Callbacks, sizeof(WDF_FDO_EVENT_CALLBACKS));
    Callbacks->Size = WDF_STRUCTURE_SIZE(WDF_FDO_EVENT_CALLBACKS);
}

VOID WdfFdoInitSetEventCallbacks(_In_ PWDFDEVICE_INIT DeviceInit,
                                 _In_ PWDF_FDO_EVENT_CALLBACKS FdoEventCallbacks);
VOID WdfFdoInitSetFilter(_In_ PWDFDEVICE_INIT DeviceInit);
PDEVICE_OBJECT WdfFdoInitWdmGetPhysicalDevice(_In_ PWDFDEVICE_INIT DeviceInit);
/* Queries the bus driver for an interface (e.g. GUID_BUS_INTERFACE_STANDARD). */
_Must_inspect_result_ NTSTATUS WdfFdoQueryForInterface(_In_ WDFDEVICE Fdo,
                                                       _In_ LPCGUID InterfaceType,
                                                       _Out_ PINTERFACE Interface, _In_ USHORT Size,
                                                       _In_ USHORT Version,
                                                       _In_opt_ PVOID InterfaceSpecificData);

WDF_EXTERN_C_END

#endif /* _WDFFDO_H_ */
