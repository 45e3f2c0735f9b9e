/*++

Module Name:

    bad_driver.c

Abstract:

    A small KMDF driver for the PLX PCI 9656 that writes a request's data
    into SRAM with scatter/gather DMA on channel 0, and that misbehaves in
    exactly one way, chosen at compile time. The integration tests
    (tests/integration/test_verifier.c, test_driver_process.c) build it once
    per misbehaviour and check that the framework's verifier, or the driver
    process, reports it.

    Without any BAD_* define it is a correct driver:
      EvtIoWrite        initializes the device's one DMA transaction from the
                        request and executes it;
      EvtProgramDma     builds a descriptor chain in a common buffer (one
                        descriptor per SG element) and starts channel 0 with
                        the done interrupt routed to INTA#;
      EvtInterruptIsr   acknowledges the channel and queues the DPC;
      EvtInterruptDpc   calls WdfDmaTransactionDmaCompleted, and once the
                        transaction is finished releases it and completes
                        the request with the bytes moved.
    IOCTL_BAD_DRIVER_GET_STATE (bad_driver_ioctl.h) reports counters, so a
    test knows when the driver serves requests and how far it got.

    The misbehaviours (one per build):
      BAD_DMA_COMPLETED_TWICE   the DPC calls WdfDmaTransactionDmaCompleted
                                again for the finished transfer;
      BAD_EXECUTE_TWICE         EvtIoWrite calls WdfDmaTransactionExecute
                                twice;
      BAD_COMPLETE_IN_TRANSFER  the DPC completes the request before
                                WdfDmaTransactionDmaCompleted, while the
                                transaction still holds it in Transfer;
      BAD_DMA_OUTSIDE_SG        the transaction's transfers are one page
                                (WdfDmaTransactionSetMaximumLength); the
                                first transfer's descriptor points at the
                                request buffer's next page, mapped for the
                                request but outside the transfer's SG list;
      BAD_LEAK_AT_D0EXIT        the DPC never finishes the transaction: it is
                                still in Transfer when the device powers down;
      BAD_IRQL_IN_DPC           the DPC calls WdfDmaEnablerCreate, a
                                PASSIVE_LEVEL-only call, at DISPATCH_LEVEL;
      BAD_DRIVERENTRY_FAILS     DriverEntry returns
                                STATUS_INSUFFICIENT_RESOURCES;
      BAD_PREPARE_FAILS         EvtDevicePrepareHardware returns
                                STATUS_DEVICE_CONFIGURATION_ERROR;
      BAD_ISR_UNCLAIMED         the ISR never looks at the device and never
                                claims the interrupt: a storm.

    And two correct drivers that make the framework work harder:
      LATE_ACK                  the ISR claims each interrupt the first time
                                without acknowledging it, and acknowledges it
                                the next time (the line stays asserted
                                between the two calls);
      LOCKED_START              EvtProgramDma keeps the interrupt lock until
                                the channel's interrupt is active, so the
                                interrupt arrives while the lock is held.

Environment:

    Kernel mode

--*/

#include <ntddk.h>
#include <wdf.h>

#include "bad_driver_ioctl.h"

//
// PLX PCI 9656 registers (BAR 0) and bits this driver uses.
//
#define PLX_REGISTER_BAR_LENGTH     0x200
#define PLX_INTCSR                  0x068
#define PLX_DMAMODE0                0x080
#define PLX_DMADPR0                 0x090
#define PLX_DMACSR0                 0x0A8

#define INTCSR_PCI_INT_ENABLE       0x00000100
#define INTCSR_PCI_ABORT_INT_ENABLE 0x00000400
#define INTCSR_PCI_ABORT_ACTIVE     0x00004000
#define INTCSR_DMA0_INT_ENABLE      0x00040000
#define INTCSR_DMA0_INT_ACTIVE      0x00200000

#define DMAMODE_LOCAL_BUS           0x000001C3
#define DMAMODE_SCATTER_GATHER      0x00000200
#define DMAMODE_DONE_INT_ENABLE     0x00000400
#define DMAMODE_INT_TO_PCI          0x00020000

#define DMADPR_DESCRIPTOR_IN_PCI    0x00000001
#define DMADPR_END_OF_CHAIN         0x00000002

#define DMACSR_ENABLE               0x01
#define DMACSR_START                0x02
#define DMACSR_CLEAR_INTERRUPT      0x08

typedef struct _PLX_DESCRIPTOR {
    ULONG PciAddressLow;
    ULONG LocalAddress;
    ULONG TransferSize;
    ULONG NextDescriptor;
    ULONG Reserved[4];
} PLX_DESCRIPTOR, *PPLX_DESCRIPTOR;

C_ASSERT(sizeof(PLX_DESCRIPTOR) == 32);

#define BAD_MAXIMUM_TRANSFER_LENGTH (64 * 1024)
#define BAD_MAXIMUM_SG_ELEMENTS     16

typedef struct _DEVICE_CONTEXT {
    WDFDEVICE           Device;
    PUCHAR              Regs;
    ULONG               RegsLength;
    WDFINTERRUPT        Interrupt;
    WDFDMAENABLER       DmaEnabler;
    WDFDMATRANSACTION   Transaction;
    WDFCOMMONBUFFER     DescriptorBuffer;
    PPLX_DESCRIPTOR     Descriptors;
    PHYSICAL_ADDRESS    DescriptorsLogical;
    WDFREQUEST          Request;            // the write in progress
    LONGLONG            SramOffset;
    ULONG               InterruptPending;   // ISR -> DPC, under the interrupt lock
    BOOLEAN             LateAckDue;         // LATE_ACK: the next ISR call acknowledges
    BAD_DRIVER_STATE    State;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, BadGetDeviceContext)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD BadEvtDeviceAdd;
EVT_WDF_DEVICE_PREPARE_HARDWARE BadEvtDevicePrepareHardware;
EVT_WDF_DEVICE_RELEASE_HARDWARE BadEvtDeviceReleaseHardware;
EVT_WDF_DEVICE_D0_ENTRY BadEvtDeviceD0Entry;
EVT_WDF_DEVICE_D0_EXIT BadEvtDeviceD0Exit;
EVT_WDF_IO_QUEUE_IO_WRITE BadEvtIoWrite;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL BadEvtIoDeviceControl;
EVT_WDF_PROGRAM_DMA BadEvtProgramDma;
EVT_WDF_INTERRUPT_ISR BadEvtInterruptIsr;
EVT_WDF_INTERRUPT_DPC BadEvtInterruptDpc;

static
ULONG
BadReadRegister(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ ULONG Offset
    )
{
    return READ_REGISTER_ULONG((PULONG)(DevExt->Regs + Offset));
}

static
VOID
BadWriteRegister(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ ULONG Offset,
    _In_ ULONG Value
    )
{
    WRITE_REGISTER_ULONG((PULONG)(DevExt->Regs + Offset), Value);
}

NTSTATUS
DriverEntry(
    _In_ PDRIVER_OBJECT  DriverObject,
    _In_ PUNICODE_STRING RegistryPath
    )
{
    NTSTATUS status;
    WDF_DRIVER_CONFIG config;

#ifdef BAD_DRIVERENTRY_FAILS
    //
    // Misbehaviour: DriverEntry fails, as when an allocation it needs fails.
    //
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    UNREFERENCED_PARAMETER(config);
    KdPrint(("bad_driver: DriverEntry fails on purpose\n"));
    status = STATUS_INSUFFICIENT_RESOURCES;
    return status;
#else
    WDF_DRIVER_CONFIG_INIT(&config, BadEvtDeviceAdd);

    status = WdfDriverCreate(DriverObject,
                             RegistryPath,
                             WDF_NO_OBJECT_ATTRIBUTES,
                             &config,
                             WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        KdPrint(("bad_driver: WdfDriverCreate failed 0x%x\n", status));
    }
    return status;
#endif
}

NTSTATUS
BadEvtDeviceAdd(
    _In_ WDFDRIVER       Driver,
    _Inout_ PWDFDEVICE_INIT DeviceInit
    )
{
    NTSTATUS status;
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPowerCallbacks;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDF_INTERRUPT_CONFIG interruptConfig;
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    WDFQUEUE queue;
    WDFDEVICE device;
    PDEVICE_CONTEXT devExt;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoDirect);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPowerCallbacks);
    pnpPowerCallbacks.EvtDevicePrepareHardware = BadEvtDevicePrepareHardware;
    pnpPowerCallbacks.EvtDeviceReleaseHardware = BadEvtDeviceReleaseHardware;
    pnpPowerCallbacks.EvtDeviceD0Entry = BadEvtDeviceD0Entry;
    pnpPowerCallbacks.EvtDeviceD0Exit = BadEvtDeviceD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPowerCallbacks);

    //
    // Queue callbacks and the DPC are serialized: the device context needs
    // no lock of its own.
    //
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DEVICE_CONTEXT);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;

    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    devExt = BadGetDeviceContext(device);
    devExt->Device = device;
    devExt->State.Size = sizeof(BAD_DRIVER_STATE);

    //
    // Device control: a parallel default queue, answering while a write is
    // held. Writes: a sequential queue, one DMA transaction at a time.
    //
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoDeviceControl = BadEvtIoDeviceControl;
    status = WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    WDF_IO_QUEUE_CONFIG_INIT(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoWrite = BadEvtIoWrite;
    status = WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WdfDeviceConfigureRequestDispatching(device, queue, WdfRequestTypeWrite);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    WDF_INTERRUPT_CONFIG_INIT(&interruptConfig, BadEvtInterruptIsr, BadEvtInterruptDpc);
    interruptConfig.AutomaticSerialization = TRUE;
    status = WdfInterruptCreate(device,
                                &interruptConfig,
                                WDF_NO_OBJECT_ATTRIBUTES,
                                &devExt->Interrupt);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    //
    // A 32-bit scatter/gather profile: the chip's descriptor pointers hold
    // 32 bits of address, and the descriptor chain comes from this enabler.
    //
    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig,
                                WdfDmaProfileScatterGather,
                                BAD_MAXIMUM_TRANSFER_LENGTH);
    status = WdfDmaEnablerCreate(device,
                                 &dmaConfig,
                                 WDF_NO_OBJECT_ATTRIBUTES,
                                 &devExt->DmaEnabler);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    WdfDmaEnablerSetMaximumScatterGatherElements(devExt->DmaEnabler,
                                                 BAD_MAXIMUM_SG_ELEMENTS);

    status = WdfCommonBufferCreate(devExt->DmaEnabler,
                                   BAD_MAXIMUM_SG_ELEMENTS * sizeof(PLX_DESCRIPTOR),
                                   WDF_NO_OBJECT_ATTRIBUTES,
                                   &devExt->DescriptorBuffer);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    devExt->Descriptors = (PPLX_DESCRIPTOR)
        WdfCommonBufferGetAlignedVirtualAddress(devExt->DescriptorBuffer);
    devExt->DescriptorsLogical =
        WdfCommonBufferGetAlignedLogicalAddress(devExt->DescriptorBuffer);
    RtlZeroMemory(devExt->Descriptors,
                  BAD_MAXIMUM_SG_ELEMENTS * sizeof(PLX_DESCRIPTOR));

    status = WdfDmaTransactionCreate(devExt->DmaEnabler,
                                     WDF_NO_OBJECT_ATTRIBUTES,
                                     &devExt->Transaction);
    return status;
}

NTSTATUS
BadEvtDevicePrepareHardware(
    _In_ WDFDEVICE    Device,
    _In_ WDFCMRESLIST ResourcesRaw,
    _In_ WDFCMRESLIST ResourcesTranslated
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(Device);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR desc;
    ULONG i;

    UNREFERENCED_PARAMETER(ResourcesRaw);
    PAGED_CODE();

#ifdef BAD_PREPARE_FAILS
    //
    // Misbehaviour: the driver does not like its resources.
    //
    UNREFERENCED_PARAMETER(devExt);
    UNREFERENCED_PARAMETER(desc);
    UNREFERENCED_PARAMETER(i);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    KdPrint(("bad_driver: PrepareHardware fails on purpose\n"));
    return STATUS_DEVICE_CONFIGURATION_ERROR;
#else
    for (i = 0; i < WdfCmResourceListGetCount(ResourcesTranslated); i++) {
        desc = WdfCmResourceListGetDescriptor(ResourcesTranslated, i);
        if (desc != NULL &&
            desc->Type == CmResourceTypeMemory &&
            desc->u.Memory.Length == PLX_REGISTER_BAR_LENGTH &&
            devExt->Regs == NULL) {
            devExt->Regs = (PUCHAR)MmMapIoSpace(desc->u.Memory.Start,
                                                desc->u.Memory.Length,
                                                MmNonCached);
            if (devExt->Regs == NULL) {
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            devExt->RegsLength = desc->u.Memory.Length;
        }
    }
    return devExt->Regs != NULL ? STATUS_SUCCESS : STATUS_DEVICE_CONFIGURATION_ERROR;
#endif
}

NTSTATUS
BadEvtDeviceReleaseHardware(
    _In_ WDFDEVICE    Device,
    _In_ WDFCMRESLIST ResourcesTranslated
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(Device);

    UNREFERENCED_PARAMETER(ResourcesTranslated);
    PAGED_CODE();

    if (devExt->Regs != NULL) {
        MmUnmapIoSpace(devExt->Regs, devExt->RegsLength);
        devExt->Regs = NULL;
    }
    return STATUS_SUCCESS;
}

NTSTATUS
BadEvtDeviceD0Entry(
    _In_ WDFDEVICE              Device,
    _In_ WDF_POWER_DEVICE_STATE PreviousState
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(Device);

    UNREFERENCED_PARAMETER(PreviousState);

    BadWriteRegister(devExt, PLX_INTCSR,
                     INTCSR_PCI_INT_ENABLE |
                     INTCSR_PCI_ABORT_INT_ENABLE |
                     INTCSR_DMA0_INT_ENABLE);
    return STATUS_SUCCESS;
}

NTSTATUS
BadEvtDeviceD0Exit(
    _In_ WDFDEVICE              Device,
    _In_ WDF_POWER_DEVICE_STATE TargetState
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(Device);

    UNREFERENCED_PARAMETER(TargetState);
    PAGED_CODE();

    BadWriteRegister(devExt, PLX_INTCSR, 0);
    return STATUS_SUCCESS;
}

VOID
BadEvtIoDeviceControl(
    _In_ WDFQUEUE   Queue,
    _In_ WDFREQUEST Request,
    _In_ size_t     OutputBufferLength,
    _In_ size_t     InputBufferLength,
    _In_ ULONG      IoControlCode
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(WdfIoQueueGetDevice(Queue));
    PBAD_DRIVER_STATE state;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    if (IoControlCode != (ULONG)IOCTL_BAD_DRIVER_GET_STATE) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(BAD_DRIVER_STATE), &state, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    *state = devExt->State;
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(BAD_DRIVER_STATE));
}

VOID
BadEvtIoWrite(
    _In_ WDFQUEUE   Queue,
    _In_ WDFREQUEST Request,
    _In_ size_t     Length
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(WdfIoQueueGetDevice(Queue));
    WDF_REQUEST_PARAMETERS params;
    NTSTATUS status;

    devExt->State.WritesSeen++;

    WDF_REQUEST_PARAMETERS_INIT(&params);
    WdfRequestGetParameters(Request, &params);

    if (params.Parameters.Write.DeviceOffset < 0 ||
        params.Parameters.Write.DeviceOffset + (LONGLONG)Length > 0x20000) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }

    devExt->Request = Request;
    devExt->SramOffset = params.Parameters.Write.DeviceOffset;

    status = WdfDmaTransactionInitializeUsingRequest(devExt->Transaction,
                                                     Request,
                                                     BadEvtProgramDma,
                                                     WdfDmaDirectionWriteToDevice);
    if (!NT_SUCCESS(status)) {
        devExt->Request = NULL;
        WdfDmaTransactionRelease(devExt->Transaction);
        WdfRequestComplete(Request, status);
        return;
    }

#ifdef BAD_DMA_OUTSIDE_SG
    //
    // One page per transfer: the rest of the request's buffer stays mapped
    // for the device but is outside the first transfer's SG list.
    //
    WdfDmaTransactionSetMaximumLength(devExt->Transaction, PAGE_SIZE);
#endif

    status = WdfDmaTransactionExecute(devExt->Transaction, devExt);

#ifdef BAD_EXECUTE_TWICE
    //
    // Misbehaviour: a second Execute of the transaction now in Transfer.
    //
    if (NT_SUCCESS(status)) {
        NTSTATUS again = WdfDmaTransactionExecute(devExt->Transaction, devExt);
        KdPrint(("bad_driver: second WdfDmaTransactionExecute returned 0x%x\n", again));
    }
#endif

    if (!NT_SUCCESS(status)) {
        devExt->Request = NULL;
        WdfDmaTransactionRelease(devExt->Transaction);
        WdfRequestComplete(Request, status);
    }
}

BOOLEAN
BadEvtProgramDma(
    _In_ WDFDMATRANSACTION    Transaction,
    _In_ WDFDEVICE            Device,
    _In_ WDFCONTEXT           Context,
    _In_ WDF_DMA_DIRECTION    Direction,
    _In_ PSCATTER_GATHER_LIST SgList
    )
{
    PDEVICE_CONTEXT devExt = (PDEVICE_CONTEXT)Context;
    size_t done = WdfDmaTransactionGetBytesTransferred(Transaction);
    ULONG local = (ULONG)(devExt->SramOffset + (LONGLONG)done);
    ULONG n = SgList->NumberOfElements;
    ULONG i;

    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(Direction);

    if (n == 0 || n > BAD_MAXIMUM_SG_ELEMENTS) {
        return FALSE;
    }

    for (i = 0; i < n; i++) {
        PPLX_DESCRIPTOR desc = &devExt->Descriptors[i];

        desc->PciAddressLow = SgList->Elements[i].Address.LowPart;
        desc->LocalAddress = local;
        desc->TransferSize = SgList->Elements[i].Length;
        desc->NextDescriptor = DMADPR_DESCRIPTOR_IN_PCI;
        if (i + 1 < n) {
            desc->NextDescriptor |= devExt->DescriptorsLogical.LowPart +
                                    (i + 1) * sizeof(PLX_DESCRIPTOR);
        } else {
            desc->NextDescriptor |= DMADPR_END_OF_CHAIN;
        }
        local += SgList->Elements[i].Length;
    }

#ifdef BAD_DMA_OUTSIDE_SG
    //
    // Misbehaviour: the first transfer's first descriptor reads the bytes
    // that follow the transfer's last element - the next part of the
    // request, which the framework has not handed to this transfer.
    //
    if (done == 0) {
        devExt->Descriptors[0].PciAddressLow =
            SgList->Elements[n - 1].Address.LowPart + SgList->Elements[n - 1].Length;
    }
#endif

    devExt->State.TransfersProgrammed++;

    WdfInterruptAcquireLock(devExt->Interrupt);
    BadWriteRegister(devExt, PLX_DMAMODE0,
                     DMAMODE_LOCAL_BUS |
                     DMAMODE_SCATTER_GATHER |
                     DMAMODE_DONE_INT_ENABLE |
                     DMAMODE_INT_TO_PCI);
    BadWriteRegister(devExt, PLX_DMADPR0,
                     devExt->DescriptorsLogical.LowPart | DMADPR_DESCRIPTOR_IN_PCI);
    WRITE_REGISTER_UCHAR(devExt->Regs + PLX_DMACSR0, DMACSR_ENABLE);
    WRITE_REGISTER_UCHAR(devExt->Regs + PLX_DMACSR0, DMACSR_ENABLE | DMACSR_START);
#ifdef LOCKED_START
    for (ULONG spin = 0; spin < 100000; spin++) {
        if (BadReadRegister(devExt, PLX_INTCSR) & INTCSR_DMA0_INT_ACTIVE) {
            break;
        }
        KeStallExecutionProcessor(10);
    }
#endif
    WdfInterruptReleaseLock(devExt->Interrupt);

    return TRUE;
}

BOOLEAN
BadEvtInterruptIsr(
    _In_ WDFINTERRUPT Interrupt,
    _In_ ULONG        MessageID
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(WdfInterruptGetDevice(Interrupt));
    ULONG intcsr;
    BOOLEAN ours = FALSE;

    UNREFERENCED_PARAMETER(MessageID);

#ifdef BAD_ISR_UNCLAIMED
    return FALSE;
#endif
    intcsr = BadReadRegister(devExt, PLX_INTCSR);
    if ((intcsr & INTCSR_PCI_INT_ENABLE) == 0) {
        return FALSE;
    }
    if ((intcsr & INTCSR_PCI_ABORT_INT_ENABLE) && (intcsr & INTCSR_PCI_ABORT_ACTIVE)) {
        BadWriteRegister(devExt, PLX_INTCSR, intcsr);   // bit 14 written as 1 clears it
        devExt->State.AbortsSeen++;
        ours = TRUE;
    }
    if ((intcsr & INTCSR_DMA0_INT_ENABLE) && (intcsr & INTCSR_DMA0_INT_ACTIVE)) {
#ifdef LATE_ACK
        devExt->LateAckDue = !devExt->LateAckDue;
        if (devExt->LateAckDue) {
            return TRUE;    // claimed, acknowledged the next time
        }
#endif
        WRITE_REGISTER_UCHAR(devExt->Regs + PLX_DMACSR0,
                             DMACSR_ENABLE | DMACSR_CLEAR_INTERRUPT);
        devExt->InterruptPending = TRUE;
        WdfInterruptQueueDpcForIsr(Interrupt);
        ours = TRUE;
    }
    return ours;
}

VOID
BadEvtInterruptDpc(
    _In_ WDFINTERRUPT Interrupt,
    _In_ WDFOBJECT    Device
    )
{
    PDEVICE_CONTEXT devExt = BadGetDeviceContext(WdfInterruptGetDevice(Interrupt));
    WDFREQUEST request;
    NTSTATUS status;
    ULONG pending;
    size_t bytes;

    UNREFERENCED_PARAMETER(Device);

    WdfInterruptAcquireLock(Interrupt);
    pending = devExt->InterruptPending;
    devExt->InterruptPending = FALSE;
    WdfInterruptReleaseLock(Interrupt);

    if (!pending || devExt->Request == NULL) {
        return;
    }
    devExt->State.DpcsRun++;

#ifdef BAD_IRQL_IN_DPC
    {
        //
        // Misbehaviour: WdfDmaEnablerCreate is PASSIVE_LEVEL only; a DPC runs
        // at DISPATCH_LEVEL.
        //
        WDF_DMA_ENABLER_CONFIG dmaConfig;
        WDFDMAENABLER extra;

        WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig, WdfDmaProfileScatterGather, PAGE_SIZE);
        status = WdfDmaEnablerCreate(devExt->Device, &dmaConfig, WDF_NO_OBJECT_ATTRIBUTES,
                                     &extra);
        KdPrint(("bad_driver: WdfDmaEnablerCreate in the DPC returned 0x%x\n", status));
    }
#endif

#ifdef BAD_LEAK_AT_D0EXIT
    //
    // Misbehaviour: the transfer is done but the driver never tells the
    // framework; the transaction stays in Transfer and the request is held.
    //
    return;
#endif

#ifdef BAD_COMPLETE_IN_TRANSFER
    //
    // Misbehaviour: the request is completed while its transaction is still
    // in Transfer.
    //
    WdfRequestComplete(devExt->Request, STATUS_SUCCESS);
#endif

    if (!WdfDmaTransactionDmaCompleted(devExt->Transaction, &status)) {
        return;     // the next transfer is running
    }

#ifdef BAD_DMA_COMPLETED_TWICE
    {
        //
        // Misbehaviour: the finished transfer is reported again.
        //
        NTSTATUS again;
        (VOID)WdfDmaTransactionDmaCompleted(devExt->Transaction, &again);
        KdPrint(("bad_driver: second WdfDmaTransactionDmaCompleted: 0x%x\n", again));
    }
#endif

    bytes = WdfDmaTransactionGetBytesTransferred(devExt->Transaction);
    request = devExt->Request;
    devExt->Request = NULL;
    WdfDmaTransactionRelease(devExt->Transaction);
    devExt->State.WritesCompleted++;
    WdfRequestCompleteWithInformation(request, status, bytes);
}
