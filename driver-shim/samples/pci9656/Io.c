/*++

Module Name:

    Io.c

Abstract:

    Read, write and device control requests of the PLX PCI 9656 DMA driver,
    and the DMA programming behind reads and writes.

    A write copies the caller's buffer into SRAM at the request's offset with
    DMA channel 0; a read copies SRAM into the caller's buffer with channel 1.
    Each request is one DMA transaction; the framework splits it into
    transfers of at most PCI9656_MAXIMUM_TRANSFER_LENGTH bytes (and, in
    scatter/gather mode, PCI9656_MAXIMUM_SG_ELEMENTS fragments). The DPC
    finishes each transfer; the framework programs the next one from there
    until the transaction is done.

Environment:

    Kernel mode

--*/

#include "Private.h"
#include "Io.tmh"

static
VOID
Pci9656StartTransaction(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ WDFREQUEST Request,
    _In_ size_t Length,
    _In_ LONGLONG DeviceOffset
    );

#ifndef PCI9656_PACKET_MODE
static
size_t
Pci9656ClearedByteCount(
    _In_ PPCI9656_CHANNEL Channel
    );
#endif

#ifdef ALLOC_PRAGMA
#pragma alloc_text (PAGE, Pci9656EvtIoDeviceControl)
#endif

_Use_decl_annotations_
VOID
Pci9656EvtIoWrite(
    WDFQUEUE   Queue,
    WDFREQUEST Request,
    size_t     Length
    )
/*++

Routine Description:

    Copies the request's data into SRAM at the request's device offset.

    A write starting at or past the end of SRAM fails with
    STATUS_INVALID_PARAMETER. A write running past the end is short: the
    bytes that fit are stored and reported.

--*/
{
    PDEVICE_CONTEXT devExt;
    WDF_REQUEST_PARAMETERS params;

    devExt = Pci9656GetDeviceContext(WdfIoQueueGetDevice(Queue));

    WDF_REQUEST_PARAMETERS_INIT(&params);
    WdfRequestGetParameters(Request, &params);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_WRITE,
                "%!FUNC! request 0x%p, %Iu bytes at SRAM offset 0x%I64x",
                Request, Length, params.Parameters.Write.DeviceOffset);

    if (params.Parameters.Write.DeviceOffset < 0 ||
        (ULONGLONG)params.Parameters.Write.DeviceOffset >= devExt->SramSize) {
        TraceEvents(TRACE_LEVEL_WARNING, DBG_WRITE,
                    "write at 0x%I64x: outside the %u bytes of SRAM",
                    params.Parameters.Write.DeviceOffset, devExt->SramSize);
        WdfRequestCompleteWithInformation(Request, STATUS_INVALID_PARAMETER, 0);
        return;
    }

    Pci9656StartTransaction(devExt,
                            &devExt->Channel[PCI9656_WRITE_CHANNEL],
                            Request,
                            Length,
                            params.Parameters.Write.DeviceOffset);
}

_Use_decl_annotations_
VOID
Pci9656EvtIoRead(
    WDFQUEUE   Queue,
    WDFREQUEST Request,
    size_t     Length
    )
/*++

Routine Description:

    Copies SRAM at the request's device offset into the request's buffer.

    A read starting at or past the end of SRAM completes with
    STATUS_END_OF_FILE and no data. A read running past the end is short:
    it asks the device for the bytes up to the end of SRAM (the chip aborts
    a descriptor whose local addresses leave SRAM), and reports the bytes
    the device actually moved, as clear-count mode shows them.

--*/
{
    PDEVICE_CONTEXT devExt;
    WDF_REQUEST_PARAMETERS params;

    devExt = Pci9656GetDeviceContext(WdfIoQueueGetDevice(Queue));

    WDF_REQUEST_PARAMETERS_INIT(&params);
    WdfRequestGetParameters(Request, &params);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_READ,
                "%!FUNC! request 0x%p, %Iu bytes at SRAM offset 0x%I64x",
                Request, Length, params.Parameters.Read.DeviceOffset);

    if (params.Parameters.Read.DeviceOffset < 0) {
        WdfRequestCompleteWithInformation(Request, STATUS_INVALID_PARAMETER, 0);
        return;
    }

    if ((ULONGLONG)params.Parameters.Read.DeviceOffset >= devExt->SramSize) {
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_READ,
                    "read at 0x%I64x: at or past the end of SRAM",
                    params.Parameters.Read.DeviceOffset);
        WdfRequestCompleteWithInformation(Request, STATUS_END_OF_FILE, 0);
        return;
    }

    Pci9656StartTransaction(devExt,
                            &devExt->Channel[PCI9656_READ_CHANNEL],
                            Request,
                            Length,
                            params.Parameters.Read.DeviceOffset);
}

static
VOID
Pci9656StartTransaction(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ WDFREQUEST Request,
    _In_ size_t Length,
    _In_ LONGLONG DeviceOffset
    )
/*++

Routine Description:

    Starts the DMA transaction of a read or write on its channel. A request
    that fits in SRAM is described by the request itself; one running past
    the end of SRAM by its MDL, cut at the end of SRAM.

    On failure the request is completed here; on success the DPC completes
    it once the last transfer is done.

--*/
{
    NTSTATUS status;
    PMDL mdl;
    size_t length = Length;
    ULONGLONG sramLeft = DevExt->SramSize - (ULONGLONG)DeviceOffset;

    ASSERT(Channel->Request == NULL);

    if (length > sramLeft) {
        length = (size_t)sramLeft;
    }

    Channel->Request = Request;
    Channel->SramOffset = (ULONG64)DeviceOffset;
    Channel->Length = length;
    Channel->StopRequested = FALSE;

    if (length == Length) {
        status = WdfDmaTransactionInitializeUsingRequest(Channel->Transaction,
                                                         Request,
                                                         Pci9656EvtProgramDma,
                                                         Channel->Direction);
    } else {
        if (Channel->Direction == WdfDmaDirectionWriteToDevice) {
            status = WdfRequestRetrieveInputWdmMdl(Request, &mdl);
        } else {
            status = WdfRequestRetrieveOutputWdmMdl(Request, &mdl);
        }

        if (NT_SUCCESS(status)) {
            TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DMA,
                        "channel %u: %Iu of %Iu bytes fit before the end of SRAM",
                        Channel->Index, length, Length);

            status = WdfDmaTransactionInitialize(Channel->Transaction,
                                                 Pci9656EvtProgramDma,
                                                 Channel->Direction,
                                                 mdl,
                                                 MmGetMdlVirtualAddress(mdl),
                                                 length);
        }
    }

    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA,
                    "channel %u: transaction initialization failed %!STATUS!",
                    Channel->Index, status);
        Channel->Request = NULL;
        WdfDmaTransactionRelease(Channel->Transaction);
        WdfRequestCompleteWithInformation(Request, status, 0);
        return;
    }

    //
    // Execute programs the first transfer (Pci9656EvtProgramDma) before it
    // returns. The DPC cannot complete the request meanwhile: it is
    // serialized with this callback.
    //
    status = WdfDmaTransactionExecute(Channel->Transaction, Channel);
    if (!NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA,
                    "channel %u: WdfDmaTransactionExecute failed %!STATUS!",
                    Channel->Index, status);
        Channel->Request = NULL;
        WdfDmaTransactionRelease(Channel->Transaction);
        WdfRequestCompleteWithInformation(Request, status, 0);
        return;
    }
}

#ifndef PCI9656_PACKET_MODE

static
BOOLEAN
Pci9656ProgramChain(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ ULONG64 LocalAddress,
    _In_ PSCATTER_GATHER_LIST SgList
    )
/*++

Routine Description:

    Scatter/gather mode: builds the channel's descriptor chain in host
    memory, one descriptor per fragment, 32 bytes apart, and starts the
    channel on it. The last descriptor ends the chain and interrupts after
    its terminal count; the channel's done interrupt is enabled as well, and
    both are routed to INTA#. The read channel runs in clear-count mode: the
    chip zeroes each descriptor's size once its bytes have moved, which
    tells the DPC how much of the transfer really happened.

--*/
{
    PPCI9656_REGS regs = DevExt->Regs;
    PPCI9656_DMA_DESCRIPTOR desc;
    ULONG direction;
    ULONG mode;
    ULONG i;
    ULONG n = SgList->NumberOfElements;

    if (n == 0 || n > PCI9656_MAXIMUM_SG_ELEMENTS) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA,
                    "channel %u: %u fragments, the chain holds %u",
                    Channel->Index, n, PCI9656_MAXIMUM_SG_ELEMENTS);
        return FALSE;
    }

    direction = (Channel->Direction == WdfDmaDirectionReadFromDevice) ?
                DMADPR_LOCAL_TO_PCI : 0;

    for (i = 0; i < n; i++) {
        desc = &Channel->Descriptors[i];

        desc->PciAddressLow = SgList->Elements[i].Address.LowPart;
        desc->PciAddressHigh = (ULONG)SgList->Elements[i].Address.HighPart;
        desc->LocalAddress = (ULONG)LocalAddress;
        desc->TransferSize = SgList->Elements[i].Length;

        if (i + 1 < n) {
            desc->NextDescriptor =
                (ULONG)(Channel->DescriptorsLogical.LowPart +
                        (i + 1) * sizeof(PCI9656_DMA_DESCRIPTOR)) |
                DMADPR_DESCRIPTOR_IN_PCI | direction;
        } else {
            desc->NextDescriptor = DMADPR_DESCRIPTOR_IN_PCI |
                                   DMADPR_END_OF_CHAIN |
                                   DMADPR_INT_AFTER_TERMINAL_COUNT |
                                   direction;
        }

        Channel->DescriptorLength[i] = SgList->Elements[i].Length;
        LocalAddress += SgList->Elements[i].Length;

        TraceEvents(TRACE_LEVEL_VERBOSE, DBG_DMA,
                    "channel %u descriptor %u: PCI 0x%I64x, local 0x%x, %u bytes, next 0x%08x",
                    Channel->Index, i, SgList->Elements[i].Address.QuadPart,
                    desc->LocalAddress, desc->TransferSize, desc->NextDescriptor);
    }
    Channel->DescriptorCount = n;

    mode = DMAMODE_LOCAL_BUS |
           DMAMODE_SCATTER_GATHER |
           DMAMODE_DONE_INT_ENABLE |
           DMAMODE_INT_TO_PCI |
           DMAMODE_DAC_CHAIN_LOAD;
    if (Channel->Direction == WdfDmaDirectionReadFromDevice) {
        mode |= DMAMODE_CLEAR_COUNT;
    }

    //
    // The ISR writes DMACSR and INTCSR: program the channel under the
    // interrupt lock.
    //
    WdfInterruptAcquireLock(DevExt->Interrupt);

    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].Mode, mode);
    WRITE_REGISTER_ULONG(&regs->DmaDac[Channel->Index], 0);
    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].DescriptorPointer,
                         (Channel->DescriptorsLogical.LowPart & DMADPR_ADDRESS_MASK) |
                         DMADPR_DESCRIPTOR_IN_PCI);
    WRITE_REGISTER_UCHAR(&regs->DmaCsr[Channel->Index], DMACSR_ENABLE);
    WRITE_REGISTER_UCHAR(&regs->DmaCsr[Channel->Index], DMACSR_ENABLE | DMACSR_START);

    WdfInterruptReleaseLock(DevExt->Interrupt);

    return TRUE;
}

#else // PCI9656_PACKET_MODE

static
BOOLEAN
Pci9656ProgramBlock(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ ULONG64 LocalAddress,
    _In_ PSCATTER_GATHER_LIST SgList
    )
/*++

Routine Description:

    Block mode: the packet profile gives one fragment per transfer; its
    address, length and SRAM address go straight into the channel's
    registers, and the done interrupt reports the end.

--*/
{
    PPCI9656_REGS regs = DevExt->Regs;
    PSCATTER_GATHER_ELEMENT element;
    ULONG mode;

    if (SgList->NumberOfElements != 1) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA,
                    "channel %u: %u fragments in a packet transfer",
                    Channel->Index, SgList->NumberOfElements);
        return FALSE;
    }

    element = &SgList->Elements[0];
    Channel->DescriptorCount = 0;

    mode = DMAMODE_LOCAL_BUS | DMAMODE_DONE_INT_ENABLE | DMAMODE_INT_TO_PCI;

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_DMA,
                "channel %u block: PCI 0x%I64x, local 0x%I64x, %u bytes",
                Channel->Index, element->Address.QuadPart, LocalAddress,
                element->Length);

    WdfInterruptAcquireLock(DevExt->Interrupt);

    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].Mode, mode);
    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].PciAddress, element->Address.LowPart);
    WRITE_REGISTER_ULONG(&regs->DmaDac[Channel->Index], (ULONG)element->Address.HighPart);
    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].LocalAddress, (ULONG)LocalAddress);
    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].TransferSize, element->Length);
    WRITE_REGISTER_ULONG(&regs->Dma[Channel->Index].DescriptorPointer,
                         (Channel->Direction == WdfDmaDirectionReadFromDevice) ?
                         DMADPR_LOCAL_TO_PCI : 0);
    WRITE_REGISTER_UCHAR(&regs->DmaCsr[Channel->Index], DMACSR_ENABLE);
    WRITE_REGISTER_UCHAR(&regs->DmaCsr[Channel->Index], DMACSR_ENABLE | DMACSR_START);

    WdfInterruptReleaseLock(DevExt->Interrupt);

    return TRUE;
}

#endif // PCI9656_PACKET_MODE

_Use_decl_annotations_
BOOLEAN
Pci9656EvtProgramDma(
    WDFDMATRANSACTION    Transaction,
    WDFDEVICE            Device,
    WDFCONTEXT           Context,
    WDF_DMA_DIRECTION    Direction,
    PSCATTER_GATHER_LIST SgList
    )
/*++

Routine Description:

    Programs one transfer of a transaction: from WdfDmaTransactionExecute
    for the first, from WdfDmaTransactionDmaCompleted* in the DPC for the
    next ones. The transfer starts in SRAM where the previous ones stopped.

Return Value:

    TRUE once the channel runs; FALSE if the transfer cannot be programmed
    (the framework then ends the transaction).

--*/
{
    PDEVICE_CONTEXT devExt = Pci9656GetDeviceContext(Device);
    PPCI9656_CHANNEL channel = (PPCI9656_CHANNEL)Context;
    ULONG64 localAddress;

    ASSERT(channel->Direction == Direction);
    UNREFERENCED_PARAMETER(Direction);

    localAddress = channel->SramOffset + WdfDmaTransactionGetBytesTransferred(Transaction);

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_DMA,
                "channel %u: transfer of %Iu bytes in %u fragments at SRAM 0x%I64x",
                channel->Index,
                WdfDmaTransactionGetCurrentDmaTransferLength(Transaction),
                SgList->NumberOfElements, localAddress);

    if (localAddress + WdfDmaTransactionGetCurrentDmaTransferLength(Transaction) >
        devExt->SramSize) {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DMA,
                    "channel %u: transfer would leave SRAM", channel->Index);
        return FALSE;
    }

#ifdef PCI9656_PACKET_MODE
    return Pci9656ProgramBlock(devExt, channel, localAddress, SgList);
#else
    return Pci9656ProgramChain(devExt, channel, localAddress, SgList);
#endif
}

#ifndef PCI9656_PACKET_MODE

static
size_t
Pci9656ClearedByteCount(
    _In_ PPCI9656_CHANNEL Channel
    )
/*++

Routine Description:

    Clear-count mode: the bytes of the transfer that moved are those of the
    descriptors whose size the chip has cleared.

--*/
{
    size_t bytes = 0;
    ULONG i;

    for (i = 0; i < Channel->DescriptorCount; i++) {
        volatile ULONG *size = &Channel->Descriptors[i].TransferSize;

        if (*size == 0) {
            bytes += Channel->DescriptorLength[i];
        }
    }
    return bytes;
}

#endif // !PCI9656_PACKET_MODE

VOID
Pci9656DmaChannelDone(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ BOOLEAN Aborted
    )
/*++

Routine Description:

    Called from the DPC when a channel stopped: finishes the transfer in
    progress. If the transaction has more to move, the framework programs
    the next transfer from inside WdfDmaTransactionDmaCompleted* and we are
    done until the next interrupt; otherwise the transaction is released
    and the request completed with the bytes moved.

--*/
{
    NTSTATUS status;
    WDFREQUEST request;
    WDFDMATRANSACTION transaction = Channel->Transaction;
    size_t transferLength;
    size_t moved;
    size_t total;
    BOOLEAN stop;

    if (Channel->Request == NULL) {
        TraceEvents(TRACE_LEVEL_WARNING, DBG_DPC,
                    "channel %u: interrupt with no request in progress", Channel->Index);
        return;
    }

    transferLength = WdfDmaTransactionGetCurrentDmaTransferLength(transaction);

#ifdef PCI9656_PACKET_MODE
    moved = Aborted ? 0 : transferLength;
#else
    if (Channel->Direction == WdfDmaDirectionReadFromDevice) {
        moved = Pci9656ClearedByteCount(Channel);
    } else {
        moved = Aborted ? 0 : transferLength;
    }
#endif

    if (!Aborted) {
        DevExt->DmaTransfersCompleted++;
    }

    WdfInterruptAcquireLock(DevExt->Interrupt);
    stop = Channel->StopRequested;
    WdfInterruptReleaseLock(DevExt->Interrupt);

    total = WdfDmaTransactionGetBytesTransferred(transaction) + moved;

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_DPC,
                "channel %u: transfer done, %Iu of %Iu bytes%s, %Iu of %Iu in all",
                Channel->Index, moved, transferLength, Aborted ? " (aborted)" : "",
                total, Channel->Length);

    if (!Aborted && moved == transferLength && !(stop && total < Channel->Length)) {

        if (Channel->Direction == WdfDmaDirectionReadFromDevice) {
            if (!WdfDmaTransactionDmaCompletedWithLength(transaction, moved, &status)) {
                //
                // More to read: the next transfer is running.
                //
                return;
            }
        } else {
            if (!WdfDmaTransactionDmaCompleted(transaction, &status)) {
                //
                // More to write: the next transfer is running.
                //
                return;
            }
        }

    } else {
        //
        // The device stopped early, or the request is being purged: end the
        // transaction with what has moved.
        //
        (VOID)WdfDmaTransactionDmaCompletedFinal(transaction, moved, &status);

        if (Aborted) {
            status = STATUS_IO_DEVICE_ERROR;
        } else if (moved < transferLength) {
            status = STATUS_SUCCESS;    // a short transfer: report what moved
        } else {
            status = STATUS_CANCELLED;
        }
    }

    total = WdfDmaTransactionGetBytesTransferred(transaction);
    request = Channel->Request;
    Channel->Request = NULL;

    WdfDmaTransactionRelease(transaction);

    if (NT_SUCCESS(status)) {
        if (Channel->Direction == WdfDmaDirectionWriteToDevice) {
            DevExt->BytesWritten += total;
        } else {
            DevExt->BytesRead += total;
        }
    }

    if (NT_SUCCESS(status)) {
        TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DPC,
                    "%s request 0x%p completed %!STATUS!, %Iu bytes",
                    Channel->Direction == WdfDmaDirectionWriteToDevice ? "write" : "read",
                    request, status, total);
    } else {
        TraceEvents(TRACE_LEVEL_ERROR, DBG_DPC,
                    "%s request 0x%p failed %!STATUS!, %Iu bytes",
                    Channel->Direction == WdfDmaDirectionWriteToDevice ? "write" : "read",
                    request, status, total);
    }

    WdfRequestCompleteWithInformation(request, status, total);
}

_Use_decl_annotations_
VOID
Pci9656EvtIoStop(
    WDFQUEUE   Queue,
    WDFREQUEST Request,
    ULONG      ActionFlags
    )
/*++

Routine Description:

    The framework wants a read or write we hold back (the device is going
    away). The transfer in progress runs to its end; the DPC then completes
    the request with STATUS_CANCELLED instead of programming the next
    transfer. A request whose last transfer is running simply completes.

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG ch;

    devExt = Pci9656GetDeviceContext(WdfIoQueueGetDevice(Queue));

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_DPC,
                "%!FUNC! request 0x%p, action 0x%x", Request, ActionFlags);

    if ((ActionFlags & WdfRequestStopActionPurge) == 0) {
        return;
    }

    WdfInterruptAcquireLock(devExt->Interrupt);
    for (ch = 0; ch < PCI9656_CHANNELS; ch++) {
        if (devExt->Channel[ch].Request == Request) {
            devExt->Channel[ch].StopRequested = TRUE;
        }
    }
    WdfInterruptReleaseLock(devExt->Interrupt);
}

_Use_decl_annotations_
VOID
Pci9656EvtIoDeviceControl(
    WDFQUEUE   Queue,
    WDFREQUEST Request,
    size_t     OutputBufferLength,
    size_t     InputBufferLength,
    ULONG      IoControlCode
    )
{
    NTSTATUS status;
    PDEVICE_CONTEXT devExt;
    PPCI9656_INFO info;
    ULONG_PTR information = 0;

    UNREFERENCED_PARAMETER(InputBufferLength);
    PAGED_CODE();

    devExt = Pci9656GetDeviceContext(WdfIoQueueGetDevice(Queue));

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_IOCTLS,
                "%!FUNC! code 0x%08x, output %Iu bytes", IoControlCode, OutputBufferLength);

    switch (IoControlCode) {

    case IOCTL_PCI9656_GET_INFO:
        status = WdfRequestRetrieveOutputBuffer(Request,
                                                sizeof(PCI9656_INFO),
                                                (PVOID *)&info,
                                                NULL);
        if (!NT_SUCCESS(status)) {
            TraceEvents(TRACE_LEVEL_WARNING, DBG_IOCTLS,
                        "GET_INFO: output buffer %Iu bytes, %!STATUS!",
                        OutputBufferLength, status);
            break;
        }

        RtlZeroMemory(info, sizeof(PCI9656_INFO));
        info->Size = sizeof(PCI9656_INFO);
        info->SramSize = devExt->SramSize;
        info->VendorId = devExt->VendorId;
        info->DeviceId = devExt->DeviceId;
        info->Revision = devExt->Revision;
        info->DmaMode = PCI9656_DMA_MODE;
        info->MaximumTransferLength =
            (ULONG)WdfDmaEnablerGetMaximumLength(devExt->DmaEnabler);
        info->MaximumScatterGatherElements =
            (ULONG)WdfDmaEnablerGetMaximumScatterGatherElements(devExt->DmaEnabler);
        info->DmaTransfersCompleted = devExt->DmaTransfersCompleted;
        info->BytesWritten = devExt->BytesWritten;
        info->BytesRead = devExt->BytesRead;

        information = sizeof(PCI9656_INFO);
        status = STATUS_SUCCESS;
        break;

    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }

    WdfRequestCompleteWithInformation(Request, status, information);
}
