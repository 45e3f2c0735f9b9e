/*++

Module Name:

    Isr.c

Abstract:

    Interrupt handling of the PLX PCI 9656 DMA driver: the ISR acknowledges
    the chip and hands what it found to the DPC, which finishes DMA
    transfers and completes requests.

Environment:

    Kernel mode

--*/

#include "Private.h"
#include "Isr.tmh"

_Use_decl_annotations_
BOOLEAN
Pci9656EvtInterruptIsr(
    WDFINTERRUPT Interrupt,
    ULONG        MessageID
    )
/*++

Routine Description:

    INTA# may be shared: claim it only when one of our sources is active.
    A channel's interrupt is acknowledged through its DMACSR (clear
    interrupt); a PCI abort by writing 1 to INTCSR bit 14, which also clears
    the bits naming the channel that was bus master.

Return Value:

    TRUE if the interrupt was ours.

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG intcsr;
    ULONG pending = 0;
    ULONG ch;

    UNREFERENCED_PARAMETER(MessageID);

    devExt = Pci9656GetDeviceContext(WdfInterruptGetDevice(Interrupt));

    intcsr = READ_REGISTER_ULONG(&devExt->Regs->Intcsr);

    if ((intcsr & INTCSR_PCI_INT_ENABLE) == 0) {
        return FALSE;
    }

    for (ch = 0; ch < PCI9656_CHANNELS; ch++) {
        if ((intcsr & INTCSR_DMA_INT_ENABLE(ch)) &&
            (intcsr & INTCSR_DMA_INT_ACTIVE(ch))) {
            WRITE_REGISTER_UCHAR(&devExt->Regs->DmaCsr[ch],
                                 DMACSR_ENABLE | DMACSR_CLEAR_INTERRUPT);
            pending |= PCI9656_PENDING_DONE(ch);
        }
    }

    if ((intcsr & INTCSR_PCI_ABORT_INT_ENABLE) &&
        (intcsr & INTCSR_PCI_ABORT_ACTIVE)) {
        for (ch = 0; ch < PCI9656_CHANNELS; ch++) {
            if (intcsr & INTCSR_DMA_ABORT_MASTER(ch)) {
                pending |= PCI9656_PENDING_ABORT(ch);
            }
        }
        //
        // Write the value back: bit 14 set clears the abort, the enables
        // stay as they are.
        //
        WRITE_REGISTER_ULONG(&devExt->Regs->Intcsr, intcsr);

        TraceEvents(TRACE_LEVEL_ERROR, DBG_INTERRUPT,
                    "PCI abort, INTCSR 0x%08x", intcsr);

        if (pending == 0) {
            //
            // An abort with no channel named as bus master: nothing to finish.
            //
            return TRUE;
        }
    }

    if (pending == 0) {
        return FALSE;
    }

    devExt->InterruptPending |= pending;

    WdfInterruptQueueDpcForIsr(Interrupt);

    return TRUE;
}

_Use_decl_annotations_
VOID
Pci9656EvtInterruptDpc(
    WDFINTERRUPT Interrupt,
    WDFOBJECT    Device
    )
/*++

Routine Description:

    Takes what the ISRs recorded since the last DPC and finishes the
    transfer of each channel that stopped. Runs serialized with the queue
    callbacks (AutomaticSerialization, device synchronization scope).

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG pending;
    ULONG ch;

    UNREFERENCED_PARAMETER(Device);

    devExt = Pci9656GetDeviceContext(WdfInterruptGetDevice(Interrupt));

    WdfInterruptAcquireLock(Interrupt);
    pending = devExt->InterruptPending;
    devExt->InterruptPending = 0;
    WdfInterruptReleaseLock(Interrupt);

    TraceEvents(TRACE_LEVEL_VERBOSE, DBG_DPC, "%!FUNC! pending 0x%x", pending);

    for (ch = 0; ch < PCI9656_CHANNELS; ch++) {
        if (pending & (PCI9656_PENDING_DONE(ch) | PCI9656_PENDING_ABORT(ch))) {
            Pci9656DmaChannelDone(devExt,
                                  &devExt->Channel[ch],
                                  (pending & PCI9656_PENDING_ABORT(ch)) != 0);
        }
    }
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtInterruptEnable(
    WDFINTERRUPT Interrupt,
    WDFDEVICE    AssociatedDevice
    )
/*++

Routine Description:

    Called under the interrupt lock once the interrupt is connected: lets
    the chip drive INTA#.

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG intcsr;

    UNREFERENCED_PARAMETER(Interrupt);

    devExt = Pci9656GetDeviceContext(AssociatedDevice);

    intcsr = READ_REGISTER_ULONG(&devExt->Regs->Intcsr);
    intcsr |= INTCSR_PCI_INT_ENABLE;
    WRITE_REGISTER_ULONG(&devExt->Regs->Intcsr, intcsr);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INTERRUPT,
                "%!FUNC! INTCSR 0x%08x", intcsr);

    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS
Pci9656EvtInterruptDisable(
    WDFINTERRUPT Interrupt,
    WDFDEVICE    AssociatedDevice
    )
/*++

Routine Description:

    Called under the interrupt lock before the interrupt is disconnected:
    the chip stops driving INTA#.

--*/
{
    PDEVICE_CONTEXT devExt;
    ULONG intcsr;

    UNREFERENCED_PARAMETER(Interrupt);

    devExt = Pci9656GetDeviceContext(AssociatedDevice);

    intcsr = READ_REGISTER_ULONG(&devExt->Regs->Intcsr);
    intcsr &= ~INTCSR_PCI_INT_ENABLE;
    WRITE_REGISTER_ULONG(&devExt->Regs->Intcsr, intcsr);

    TraceEvents(TRACE_LEVEL_INFORMATION, DBG_INTERRUPT,
                "%!FUNC! INTCSR 0x%08x", intcsr);

    return STATUS_SUCCESS;
}
