/*++

Module Name:

    Device.c

Abstract:

    Device creation, hardware resources and power transitions of the
    PLX PCI 9656 DMA driver: queues, interrupt, DMA enabler, descriptor
    common buffers and the per-channel DMA transactions.

Environment:

    Kernel mode

--*/

#include <initguid.h>   // GUID_DEVINTERFACE_PCI9656 is defined in this file
#include "Private.h"
#include "Device.tmh"

static
NTSTATUS
Pci9656CreateQueues(
    _In_ PDEVICE_CONTEXT DevExt
    );

static
NTSTATUS
Pci9656CreateDma(
    _In_ PDEVICE_CONTEXT DevExt
    );

static
VOID
Pci9656ResetChip(
    _In_ PDEVICE_CONTEXT DevExt
    );

#ifdef ALLOC_PRAGMA
#pragma alloc_text (PAGE, Pci9656EvtDeviceAdd)
#pragma alloc_text (PAGE, Pci9656CreateQueues)
#pragma alloc_text (PAGE, Pci9656CreateDma)
#pragma alloc_text (PAGE, Pci9656EvtDevicePrepareHardware)
#pragma alloc_text (PAGE, Pci9656EvtDeviceReleaseHardware)
#pragma alloc_text (PAGE, Pci9656EvtDeviceD0Exit)
#endif

_Use_decl_annotations_
NTSTATUS
Pci9656EvtDeviceAdd(
    WDFDRIVER       Driver,
    PWDFDEVICE_INIT DeviceInit
    )
/*++

Routine Description:

    Creates the device object and everything that lives as long as it: the
    I/O queues, the interrupt object, the DMA enablers, the descriptor
    common buffers and one DMA transaction per channel.

--*/
{
    NTSTATUS status;
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPowerCallbacks;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_INTERRUPT_CONFIG interruptConfig;
    WDFDEVICE device;
    PDEVICE_CONTEXT devExt;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "%!FUNC! entry");

    //
    // Reads and writes are DMA straight from and to the caller's pages.
    //
    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoDirect);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPowerCallbacks);
    pnpPowerCallbacks.EvtDevicePrepareHardware = Pci9656EvtDevicePrepareHardware;
    pnpPowerCallbacks.EvtDeviceReleaseHardware = Pci9656EvtDeviceReleaseHardware;
    pnpPowerCallbacks.EvtDeviceD0Entry = Pci9656EvtDeviceD0Entry;
    pnpPowerCallbacks.EvtDeviceD0Exit = Pci9656EvtDeviceD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPowerCallbacks);

    //
    // Device-level synchronization: the queue callbacks and the DPC
    // (AutomaticSerialization) never run at the same time, so the channel
    // state and the statistics need no lock of their own.
    //
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DEVICE_CONTEXT);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;

    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDeviceCreate failed %!STATUS!", status);
        return status;
    }

    devExt = Pci9656GetDeviceContext(device);
    devExt->Device = device;

    status = WdfDeviceCreateDeviceInterface(device,
                                            &GUID_DEVINTERFACE_PCI9656,
                                            NULL);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDeviceCreateDeviceInterface failed %!STATUS!", status);
        return status;
    }

    status = Pci9656CreateQueues(devExt);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    //
    // INTA#: the ISR claims and acknowledges, the DPC completes transfers.
    //
    WDF_INTERRUPT_CONFIG_INIT(&interruptConfig,
                              Pci9656EvtInterruptIsr,
                              Pci9656EvtInterruptDpc);
    interruptConfig.EvtInterruptEnable = Pci9656EvtInterruptEnable;
    interruptConfig.EvtInterruptDisable = Pci9656EvtInterruptDisable;
    interruptConfig.AutomaticSerialization = TRUE;

    status = WdfInterruptCreate(device,
                                &interruptConfig,
                                WDF_NO_OBJECT_ATTRIBUTES,
                                &devExt->Interrupt);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfInterruptCreate failed %!STATUS!", status);
        return status;
    }

    status = Pci9656CreateDma(devExt);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "%!FUNC! exit %!STATUS!", status);
    return status;
}

static
NTSTATUS
Pci9656CreateQueues(
    _In_ PDEVICE_CONTEXT DevExt
    )
/*++

Routine Description:

    The default queue (parallel) takes device control requests. Writes and
    reads get sequential queues of their own, one request per DMA channel
    at a time; in packet mode they share one, as the packet enabler runs
    one transaction at a time.

--*/
{
    NTSTATUS status;
    WDF_IO_QUEUE_CONFIG queueConfig;

    PAGED_CODE();

    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoDeviceControl = Pci9656EvtIoDeviceControl;

    status = WdfIoQueueCreate(DevExt->Device,
                              &queueConfig,
                              WDF_NO_OBJECT_ATTRIBUTES,
                              &DevExt->IoctlQueue);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfIoQueueCreate (default) failed %!STATUS!", status);
        return status;
    }

    WDF_IO_QUEUE_CONFIG_INIT(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoRead = Pci9656EvtIoRead;
    queueConfig.EvtIoStop = Pci9656EvtIoStop;
#ifdef PCI9656_PACKET_MODE
    queueConfig.EvtIoWrite = Pci9656EvtIoWrite;
#endif

    status = WdfIoQueueCreate(DevExt->Device,
                              &queueConfig,
                              WDF_NO_OBJECT_ATTRIBUTES,
                              &DevExt->ReadQueue);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfIoQueueCreate (read) failed %!STATUS!", status);
        return status;
    }

    status = WdfDeviceConfigureRequestDispatching(DevExt->Device,
                                                  DevExt->ReadQueue,
                                                  WdfRequestTypeRead);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDeviceConfigureRequestDispatching (read) failed %!STATUS!",
                    status);
        return status;
    }

#ifdef PCI9656_PACKET_MODE
    DevExt->WriteQueue = DevExt->ReadQueue;
#else
    WDF_IO_QUEUE_CONFIG_INIT(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoWrite = Pci9656EvtIoWrite;
    queueConfig.EvtIoStop = Pci9656EvtIoStop;

    status = WdfIoQueueCreate(DevExt->Device,
                              &queueConfig,
                              WDF_NO_OBJECT_ATTRIBUTES,
                              &DevExt->WriteQueue);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfIoQueueCreate (write) failed %!STATUS!", status);
        return status;
    }
#endif

    status = WdfDeviceConfigureRequestDispatching(DevExt->Device,
                                                  DevExt->WriteQueue,
                                                  WdfRequestTypeWrite);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDeviceConfigureRequestDispatching (write) failed %!STATUS!",
                    status);
        return status;
    }

    return STATUS_SUCCESS;
}

static
NTSTATUS
Pci9656CreateDma(
    _In_ PDEVICE_CONTEXT DevExt
    )
/*++

Routine Description:

    Creates the DMA enabler for data transfers and one transaction per
    channel. In scatter/gather mode, also the two descriptor chains.

    The chip's descriptor pointers (DMADPR, the next-descriptor field) hold
    32 bits of address, while a 64-bit profile may place common buffers
    above 4 GB. The descriptor chains therefore come from a second enabler
    with a 32-bit profile, used for nothing else.

--*/
{
    NTSTATUS status;
    WDF_DMA_ENABLER_CONFIG dmaConfig;
    ULONG ch;
#ifndef PCI9656_PACKET_MODE
    WDF_COMMON_BUFFER_CONFIG commonBufferConfig;
    size_t chainLength;
#endif

    PAGED_CODE();

    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig,
                                PCI9656_DMA_PROFILE,
                                PCI9656_MAXIMUM_TRANSFER_LENGTH);

    status = WdfDmaEnablerCreate(DevExt->Device,
                                 &dmaConfig,
                                 WDF_NO_OBJECT_ATTRIBUTES,
                                 &DevExt->DmaEnabler);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDmaEnablerCreate failed %!STATUS!", status);
        return status;
    }

#ifndef PCI9656_PACKET_MODE
    //
    // One descriptor per fragment: a transfer has at most as many fragments
    // as a chain has descriptors.
    //
    WdfDmaEnablerSetMaximumScatterGatherElements(DevExt->DmaEnabler,
                                                 PCI9656_MAXIMUM_SG_ELEMENTS);

    WDF_DMA_ENABLER_CONFIG_INIT(&dmaConfig,
                                WdfDmaProfileScatterGather,
                                PAGE_SIZE);

    status = WdfDmaEnablerCreate(DevExt->Device,
                                 &dmaConfig,
                                 WDF_NO_OBJECT_ATTRIBUTES,
                                 &DevExt->DescriptorEnabler);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "WdfDmaEnablerCreate (descriptors) failed %!STATUS!", status);
        return status;
    }

    chainLength = PCI9656_MAXIMUM_SG_ELEMENTS * sizeof(PCI9656_DMA_DESCRIPTOR);
#endif

    for (ch = 0; ch < PCI9656_CHANNELS; ch++) {
        PPCI9656_CHANNEL channel = &DevExt->Channel[ch];

        channel->Index = ch;
        channel->Direction = (ch == PCI9656_WRITE_CHANNEL) ?
                             WdfDmaDirectionWriteToDevice :
                             WdfDmaDirectionReadFromDevice;

#ifndef PCI9656_PACKET_MODE
        WDF_COMMON_BUFFER_CONFIG_INIT(&commonBufferConfig, PCI9656_DESCRIPTOR_ALIGNMENT);

        status = WdfCommonBufferCreateWithConfig(DevExt->DescriptorEnabler,
                                                 chainLength,
                                                 &commonBufferConfig,
                                                 WDF_NO_OBJECT_ATTRIBUTES,
                                                 &channel->DescriptorBuffer);
        if (!NT_SUCCESS(status)) {
            TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                        "WdfCommonBufferCreateWithConfig (channel %u) failed %!STATUS!",
                        ch, status);
            return status;
        }

        channel->Descriptors = (PPCI9656_DMA_DESCRIPTOR)
            WdfCommonBufferGetAlignedVirtualAddress(channel->DescriptorBuffer);
        channel->DescriptorsLogical =
            WdfCommonBufferGetAlignedLogicalAddress(channel->DescriptorBuffer);

        if (channel->DescriptorsLogical.HighPart != 0 ||
            (channel->DescriptorsLogical.LowPart & ~DMADPR_ADDRESS_MASK) != 0) {
            TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                        "channel %u: descriptors at 0x%I64x, out of the chip's reach",
                        ch, channel->DescriptorsLogical.QuadPart);
            return STATUS_INSUFFICIENT_RESOURCES;
        }

        RtlZeroMemory(channel->Descriptors, chainLength);

        TraceEvents(TRACE_LEVEL_VERBOSE, DBG_PNP,
                    "channel %u: %u descriptors at VA 0x%p, logical 0x%I64x",
                    ch, PCI9656_MAXIMUM_SG_ELEMENTS, channel->Descriptors,
                    channel->DescriptorsLogical.QuadPart);
#endif

        //
        // Created once, initialized and released for each request.
        //
        status = WdfDmaTransactionCreate(DevExt->DmaEnabler,
                                         WDF_NO_OBJECT_ATTRIBUTES,
                                         &channel->Transaction);
        if (!NT_SUCCESS(status)) {
            TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                        "WdfDmaTransactionCreate (channel %u) failed %!STATUS!",
                        ch, status);
            return status;
        }
    }

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP,
                "DMA: %s, %Iu bytes and %Iu fragments per transfer",
                PCI9656_DMA_MODE == PCI9656_DMA_MODE_BLOCK ? "Packet64, block mode" :
                                                             "ScatterGather64Duplex",
                WdfDmaEnablerGetMaximumLength(DevExt->DmaEnabler),
                WdfDmaEnablerGetMaximumScatterGatherElements(DevExt->DmaEnabler));

    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtDevicePrepareHardware(
    WDFDEVICE    Device,
    WDFCMRESLIST ResourcesRaw,
    WDFCMRESLIST ResourcesTranslated
    )
/*++

Routine Description:

    Finds and maps the register BAR and notes the SRAM BAR.

    The PCI 9656 reports, in this order: BAR 0 memory (registers, 0x200
    bytes), BAR 1 I/O (the same registers), BAR 2 memory (local space 0:
    the SRAM), BAR 3 memory (local space 1) and INTA#. The registers are
    the memory range of exactly 0x200 bytes; the SRAM is the memory range
    that follows them.

--*/
{
    PDEVICE_CONTEXT devExt;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR desc;
    ULONG i;
    ULONG count;
    BOOLEAN foundRegs = FALSE;
    BOOLEAN foundSram = FALSE;
    ULONG hidr;

    UNREFERENCED_PARAMETER(ResourcesRaw);
    PAGED_CODE();

    devExt = Pci9656GetDeviceContext(Device);
    count = WdfCmResourceListGetCount(ResourcesTranslated);

    for (i = 0; i < count; i++) {

        desc = WdfCmResourceListGetDescriptor(ResourcesTranslated, i);
        if (desc == NULL) {
            TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP, "resource %u: no descriptor", i);
            return STATUS_DEVICE_CONFIGURATION_ERROR;
        }

        switch (desc->Type) {

        case CmResourceTypeMemory:
            TraceEvents(TRACE_LEVEL_VERBOSE, DBG_PNP,
                        "resource %u: memory 0x%I64x, 0x%x bytes",
                        i, desc->u.Memory.Start.QuadPart, desc->u.Memory.Length);

            if (!foundRegs && desc->u.Memory.Length == PCI9656_REGISTER_BAR_LENGTH) {
                devExt->RegsPhysical = desc->u.Memory.Start;
                devExt->RegsLength = desc->u.Memory.Length;
                devExt->Regs = (PPCI9656_REGS)MmMapIoSpace(desc->u.Memory.Start,
                                                           desc->u.Memory.Length,
                                                           MmNonCached);
                if (devExt->Regs == NULL) {
                    TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                                "MmMapIoSpace of the registers failed");
                    return STATUS_INSUFFICIENT_RESOURCES;
                }
                foundRegs = TRUE;
            } else if (foundRegs && !foundSram) {
                devExt->SramPhysical = desc->u.Memory.Start;
                devExt->SramSize = desc->u.Memory.Length;
                foundSram = TRUE;
            }
            break;

        case CmResourceTypePort:
            TraceEvents(TRACE_LEVEL_VERBOSE, DBG_PNP,
                        "resource %u: I/O ports 0x%I64x, 0x%x bytes (not used)",
                        i, desc->u.Port.Start.QuadPart, desc->u.Port.Length);
            break;

        case CmResourceTypeInterrupt:
            TraceEvents(TRACE_LEVEL_VERBOSE, DBG_PNP,
                        "resource %u: interrupt level %u, vector 0x%x",
                        i, desc->u.Interrupt.Level, desc->u.Interrupt.Vector);
            break;

        default:
            break;
        }
    }

    if (!foundRegs || !foundSram || devExt->SramSize == 0) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_PNP,
                    "missing resources: registers %u, SRAM %u", foundRegs, foundSram);
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    }

    hidr = READ_REGISTER_ULONG(&devExt->Regs->PciHidr);
    devExt->VendorId = (USHORT)(hidr & 0xFFFF);
    devExt->DeviceId = (USHORT)(hidr >> 16);
    devExt->Revision = (UCHAR)READ_REGISTER_ULONG(&devExt->Regs->PciHrev);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP,
                "PCI %04x:%04x rev 0x%02x, registers at 0x%I64x, %u bytes of SRAM at 0x%I64x",
                devExt->VendorId, devExt->DeviceId, devExt->Revision,
                devExt->RegsPhysical.QuadPart, devExt->SramSize,
                devExt->SramPhysical.QuadPart);

    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtDeviceReleaseHardware(
    WDFDEVICE    Device,
    WDFCMRESLIST ResourcesTranslated
    )
{
    PDEVICE_CONTEXT devExt;

    UNREFERENCED_PARAMETER(ResourcesTranslated);
    PAGED_CODE();

    devExt = Pci9656GetDeviceContext(Device);

    if (devExt->Regs != NULL) {
        MmUnmapIoSpace(devExt->Regs, devExt->RegsLength);
        devExt->Regs = NULL;
    }

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_PNP, "%!FUNC! registers unmapped");
    return STATUS_SUCCESS;
}

static
VOID
Pci9656ResetChip(
    _In_ PDEVICE_CONTEXT DevExt
    )
/*++

Routine Description:

    Pulses the software reset (CNTRL bit 30): both DMA channels stop and the
    DMA and interrupt registers go back to their defaults. SRAM is kept.

--*/
{
    ULONG cntrl;

    cntrl = READ_REGISTER_ULONG(&DevExt->Regs->Cntrl);
    WRITE_REGISTER_ULONG(&DevExt->Regs->Cntrl, cntrl | CNTRL_SOFTWARE_RESET);
    KeStallExecutionProcessor(10);
    WRITE_REGISTER_ULONG(&DevExt->Regs->Cntrl, cntrl & ~CNTRL_SOFTWARE_RESET);
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtDeviceD0Entry(
    WDFDEVICE              Device,
    WDF_POWER_DEVICE_STATE PreviousState
    )
/*++

Routine Description:

    Resets the chip and enables its interrupt sources: the PCI interrupt,
    the PCI abort interrupt and both DMA channels' interrupts.

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG intcsr;

    devExt = Pci9656GetDeviceContext(Device);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_POWER,
                "%!FUNC! from power state %d", PreviousState);

    Pci9656ResetChip(devExt);

    WRITE_REGISTER_ULONG(&devExt->Regs->DmaArbitration, 0);
    WRITE_REGISTER_ULONG(&devExt->Regs->DmaThreshold, 0);

    intcsr = READ_REGISTER_ULONG(&devExt->Regs->Intcsr);
    intcsr |= INTCSR_PCI_INT_ENABLE |
              INTCSR_PCI_ABORT_INT_ENABLE |
              INTCSR_DMA_INT_ENABLE(PCI9656_WRITE_CHANNEL) |
              INTCSR_DMA_INT_ENABLE(PCI9656_READ_CHANNEL);
    WRITE_REGISTER_ULONG(&devExt->Regs->Intcsr, intcsr);

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_POWER, "INTCSR 0x%08x",
                READ_REGISTER_ULONG(&devExt->Regs->Intcsr));

    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtDeviceD0Exit(
    WDFDEVICE              Device,
    WDF_POWER_DEVICE_STATE TargetState
    )
/*++

Routine Description:

    Leaves the chip quiet: interrupt sources off, channels reset.

--*/
{
    PDEVICE_CONTEXT devExt;

    PAGED_CODE();

    devExt = Pci9656GetDeviceContext(Device);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_POWER,
                "%!FUNC! to power state %d", TargetState);

    WRITE_REGISTER_ULONG(&devExt->Regs->Intcsr, 0);
    Pci9656ResetChip(devExt);

    return STATUS_SUCCESS;
}
