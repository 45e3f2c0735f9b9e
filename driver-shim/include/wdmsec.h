/*
 * wdmsec.h: default security descriptors (SDDL) for device objects, for driver-shim.
 *
 * The SDDL_DEVOBJ_* strings are weak definitions (Windows links them from wdmsec.lib), built
 * from UTF-16 literals so they do not depend on -fshort-wchar. The shim does not enforce them.
 */
#ifndef _WDMSEC_H_
#define _WDMSEC_H_

#include "wdm.h"

#define DMAEMU_SHIM_SDDL_(name, text)                                                              \
    const UNICODE_STRING name                                                                      \
        __attribute__((weak)) = {sizeof(u##text) - sizeof(WCHAR), sizeof(u##text), (PWCH)u##text}

DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_KERNEL_ONLY, "D:P");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL, "D:P(A;;GA;;;SY)");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL_ADM_ALL, "D:P(A;;GA;;;SY)(A;;GA;;;BA)");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL_ADM_RX, "D:P(A;;GA;;;SY)(A;;GRGX;;;BA)");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R,
                  "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R,
                  "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)");
DMAEMU_SHIM_SDDL_(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX,
                  "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)");

NTSTATUS IoCreateDeviceSecure(_In_ PDRIVER_OBJECT DriverObject, _In_ ULONG DeviceExtensionSize,
                              _In_opt_ PUNICODE_STRING DeviceName, _In_ DEVICE_TYPE DeviceType,
                              _In_ ULONG DeviceCharacteristics, _In_ BOOLEAN Exclusive,
                              _In_ PCUNICODE_STRING DefaultSDDLString,
                              _In_opt_ LPCGUID DeviceClassGuid, _Out_ PDEVICE_OBJECT *DeviceObject);

#endif /* _WDMSEC_H_ */
