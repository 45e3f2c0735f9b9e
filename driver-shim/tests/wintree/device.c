/*++

Module Name:

    Device.c

Abstract:

    Device creation and the DMA programming helper of the WinTree test driver.

Environment:

    Kernel mode

--*/

#include "DRIVER.H"
#include "Device.tmh"

#ifdef ALLOC_PRAGMA
#pragma alloc_text (PAGE, WinTreeEvtDeviceAdd)
#endif

NTSTATUS
WinTreeEvtDeviceAdd(
    _In_    WDFDRIVER       Driver,
    _Inout_ PWDFDEVICE_INIT DeviceInit
    )
{
    NTSTATUS status;
    WDFDEVICE device;
    UNICODE_STRING name;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    RtlInitUnicodeString(&name, L"\\Device\\WinTree");
    TraceEvents(TRACE_LEVEL_INFORMATION, WT_PNP, "%!FUNC! %wZ, version 0x%08x, ioctl 0x%x",
                &name, WINTREE_VERSION, (ULONG)IOCTL_WINTREE_RESET);

    status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, WT_PNP, "WdfDeviceCreate failed %!STATUS!", status);
        return status;
    }

    return STATUS_SUCCESS;
}

NTSTATUS
WinTreeProgramDma(
    _Inout_ PWINTREE_CONTEXT Context,
    _In_ PHYSICAL_ADDRESS Address,
    _In_ ULONG Length
    )
{
    if (Length == 0) {
        TraceEvents(TRACE_LEVEL_WARNING, WT_DMA, "%!FUNC!: zero length, %s", "nothing to do");
        return STATUS_INVALID_PARAMETER;
    }

    WINTREE_SPLIT_ADDRESS(&Context->Shadow, Address);
    Context->Shadow.Status.AsUlong = 0;
    Context->Shadow.Status.Busy = 1;
    Context->TransferCount += Length;

    TraceEvents(TRACE_LEVEL_VERBOSE, WT_DMA,
                "%!FUNC!: %d bytes at 0x%I64x, %I64d so far, busy %d",
                (int)Length, Address.QuadPart, Context->TransferCount,
                (int)Context->Shadow.Status.Busy);
    TraceEvents(TRACE_LEVEL_VERBOSE, WT_ISR, "pool tag 0x%08x", (ULONG)WINTREE_POOL_TAG);
    return STATUS_SUCCESS;
}
