/*++

Module Name:

    Private.h

Abstract:

    Declarations shared by the source files of the PCI 9656 driver: the
    device context, the per-channel DMA state, limits and the callbacks.

    The driver builds in one of two DMA modes:
      - default: scatter/gather DMA. One DMA enabler with the
        ScatterGather64Duplex profile; each transfer is a chain of
        descriptors in host memory (a common buffer per channel), one per
        scatter/gather element. Writes use channel 0, reads channel 1 in
        clear-count mode. Reads and writes have a queue each and run at the
        same time.
      - PCI9656_PACKET_MODE defined: block DMA. One DMA enabler with the
        Packet64 profile; each transfer is one fragment, programmed straight
        into DMAPADR/DMALADR/DMASIZ/DMADAC. A packet enabler runs one
        transaction at a time, so reads and writes share one sequential
        queue.

Environment:

    Kernel mode

--*/

#pragma once

#include <ntddk.h>
#pragma warning(disable:4201)   // nameless struct/union
#include <wdf.h>
#pragma warning(default:4201)

#include "Reg9656.h"
#include "Public.h"
#include "Trace.h"

#define PCI9656_POOL_TAG                '6569'

//
// Resources
//
#define PCI9656_REGISTER_BAR_LENGTH     sizeof(PCI9656_REGS)    // BAR 0

//
// DMA limits. A transfer moves at most PCI9656_MAXIMUM_TRANSFER_LENGTH bytes
// in at most PCI9656_MAXIMUM_SG_ELEMENTS fragments (descriptors); bigger or
// more fragmented requests take several transfers.
//
#define PCI9656_MAXIMUM_TRANSFER_LENGTH (128 * 1024)
#define PCI9656_MAXIMUM_SG_ELEMENTS     16
#define PCI9656_WRITE_CHANNEL           0   // host to SRAM
#define PCI9656_READ_CHANNEL            1   // SRAM to host
#define PCI9656_CHANNELS                2

C_ASSERT(PCI9656_MAXIMUM_TRANSFER_LENGTH <= DMASIZ_MAXIMUM);

#ifdef PCI9656_PACKET_MODE
#define PCI9656_DMA_PROFILE             WdfDmaProfilePacket64
#define PCI9656_DMA_MODE                PCI9656_DMA_MODE_BLOCK
#else
#define PCI9656_DMA_PROFILE             WdfDmaProfileScatterGather64Duplex
#define PCI9656_DMA_MODE                PCI9656_DMA_MODE_SCATTER_GATHER
#endif

//
// What the ISR hands to the DPC, per channel (InterruptPending).
//
#define PCI9656_PENDING_DONE(Ch)        (0x01UL << ((Ch) * 2))
#define PCI9656_PENDING_ABORT(Ch)       (0x02UL << ((Ch) * 2))

//
// One DMA channel and the request it is working on.
//
typedef struct _PCI9656_CHANNEL {
    ULONG                   Index;              // 0 or 1
    WDF_DMA_DIRECTION       Direction;
    WDFDMATRANSACTION       Transaction;        // created once, reused per request

    //
    // Scatter/gather mode: the descriptor chain, in a common buffer.
    //
    WDFCOMMONBUFFER         DescriptorBuffer;
    PPCI9656_DMA_DESCRIPTOR Descriptors;
    PHYSICAL_ADDRESS        DescriptorsLogical;
    ULONG                   DescriptorCount;    // in the transfer in progress
    ULONG                   DescriptorLength[PCI9656_MAXIMUM_SG_ELEMENTS];

    //
    // The request in progress (NULL when idle).
    //
    WDFREQUEST              Request;
    ULONG64                 SramOffset;         // where the transaction starts in SRAM
    size_t                  Length;             // bytes the transaction moves
    BOOLEAN                 StopRequested;      // EvtIoStop: end at the next transfer
} PCI9656_CHANNEL, *PPCI9656_CHANNEL;

//
// The device context.
//
typedef struct _DEVICE_CONTEXT {
    WDFDEVICE               Device;

    //
    // Hardware
    //
    PPCI9656_REGS           Regs;               // BAR 0, mapped
    PHYSICAL_ADDRESS        RegsPhysical;
    ULONG                   RegsLength;
    PHYSICAL_ADDRESS        SramPhysical;       // BAR 2, not mapped: reached by DMA
    ULONG                   SramSize;
    USHORT                  VendorId;
    USHORT                  DeviceId;
    UCHAR                   Revision;

    //
    // Queues, interrupt, DMA
    //
    WDFQUEUE                IoctlQueue;
    WDFQUEUE                ReadQueue;
    WDFQUEUE                WriteQueue;         // the read queue, in packet mode
    WDFINTERRUPT            Interrupt;
    WDFDMAENABLER           DmaEnabler;
    WDFDMAENABLER           DescriptorEnabler;  // 32-bit: descriptor chains only
    PCI9656_CHANNEL         Channel[PCI9656_CHANNELS];

    //
    // Set by the ISR under the interrupt lock, taken by the DPC.
    //
    ULONG                   InterruptPending;

    //
    // Statistics, updated by the DPC (serialized with the queues).
    //
    ULONG64                 DmaTransfersCompleted;
    ULONG64                 BytesWritten;
    ULONG64                 BytesRead;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, Pci9656GetDeviceContext)

//
// Driver.c
//
DRIVER_INITIALIZE DriverEntry;
EVT_WDF_OBJECT_CONTEXT_CLEANUP Pci9656EvtDriverContextCleanup;

//
// Device.c
//
EVT_WDF_DRIVER_DEVICE_ADD Pci9656EvtDeviceAdd;
EVT_WDF_DEVICE_PREPARE_HARDWARE Pci9656EvtDevicePrepareHardware;
EVT_WDF_DEVICE_RELEASE_HARDWARE Pci9656EvtDeviceReleaseHardware;
EVT_WDF_DEVICE_D0_ENTRY Pci9656EvtDeviceD0Entry;
EVT_WDF_DEVICE_D0_EXIT Pci9656EvtDeviceD0Exit;

//
// Isr.c
//
EVT_WDF_INTERRUPT_ISR Pci9656EvtInterruptIsr;
EVT_WDF_INTERRUPT_DPC Pci9656EvtInterruptDpc;
EVT_WDF_INTERRUPT_ENABLE Pci9656EvtInterruptEnable;
EVT_WDF_INTERRUPT_DISABLE Pci9656EvtInterruptDisable;

//
// Io.c
//
EVT_WDF_IO_QUEUE_IO_READ Pci9656EvtIoRead;
EVT_WDF_IO_QUEUE_IO_WRITE Pci9656EvtIoWrite;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL Pci9656EvtIoDeviceControl;
EVT_WDF_IO_QUEUE_IO_STOP Pci9656EvtIoStop;
EVT_WDF_PROGRAM_DMA Pci9656EvtProgramDma;

VOID
Pci9656DmaChannelDone(
    _In_ PDEVICE_CONTEXT DevExt,
    _In_ PPCI9656_CHANNEL Channel,
    _In_ BOOLEAN Aborted
    );
