/*++

Module Name:

    Driver.c

Abstract:

    DriverEntry and driver-wide cleanup of the PLX PCI 9656 DMA driver.

Environment:

    Kernel mode

--*/

#include "Private.h"
#include "Driver.tmh"

#ifdef ALLOC_PRAGMA
#pragma alloc_text (INIT, DriverEntry)
#pragma alloc_text (PAGE, Pci9656EvtDriverContextCleanup)
#endif

NTSTATUS
DriverEntry(
    _In_ PDRIVER_OBJECT  DriverObject,
    _In_ PUNICODE_STRING RegistryPath
    )
/*++

Routine Description:

    Starts WPP tracing and creates the framework driver object, whose
    EvtDriverDeviceAdd creates the device when the PnP manager reports a
    PCI 9656.

Return Value:

    STATUS_SUCCESS, or the status of WdfDriverCreate.

--*/
{
    NTSTATUS status;
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;

    WPP_INIT_TRACING(DriverObject, RegistryPath);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT,
                "PCI 9656 driver (%s DMA), built %s %s",
                PCI9656_DMA_MODE == PCI9656_DMA_MODE_BLOCK ? "block" : "scatter/gather",
                __DATE__, __TIME__);

    //
    // Tracing stops when the driver object goes away.
    //
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = Pci9656EvtDriverContextCleanup;

    WDF_DRIVER_CONFIG_INIT(&config, Pci9656EvtDeviceAdd);

    status = WdfDriverCreate(DriverObject,
                             RegistryPath,
                             &attributes,
                             &config,
                             WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_INIT,
                    "WdfDriverCreate failed %!STATUS!", status);
        WPP_CLEANUP(DriverObject);
        return status;
    }

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_INIT, "%!FUNC! exit %!STATUS!", status);
    return status;
}

_Use_decl_annotations_
VOID
Pci9656EvtDriverContextCleanup(
    WDFOBJECT Driver
    )
/*++

Routine Description:

    The driver object is going away: stop tracing.

--*/
{
    PAGED_CODE();

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INIT, "%!FUNC!");

    WPP_CLEANUP(WdfDriverWdmGetDriverObject((WDFDRIVER)Driver));
}
