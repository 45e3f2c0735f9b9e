/*++

Module Name:

    Public.h

Abstract:

    What applications share with the PCI 9656 driver: its device interface,
    its I/O control codes and the structures they carry.

    Include it after <windows.h> and <winioctl.h> (user mode) or <ntddk.h>
    (kernel mode): it uses their types and CTL_CODE.

    Reads and writes: the file offset (DeviceOffset) is a byte offset in the
    board's local SRAM.
      - A write copies the caller's buffer into SRAM. A write starting at or
        past the end of SRAM fails with STATUS_INVALID_PARAMETER; one that
        runs past the end is short: it stores what fits and reports that
        many bytes.
      - A read copies SRAM into the caller's buffer. A read starting at or
        past the end of SRAM completes with STATUS_END_OF_FILE and 0 bytes
        (ReadFile: ERROR_HANDLE_EOF); one that runs past the end is short:
        it reports the bytes the device actually moved.

--*/

#pragma once

//
// Device interface: {6b1e9f0c-3a57-4d2e-8c41-9f2d7a5b0e63}
//
DEFINE_GUID(GUID_DEVINTERFACE_PCI9656,
    0x6b1e9f0c, 0x3a57, 0x4d2e, 0x8c, 0x41, 0x9f, 0x2d, 0x7a, 0x5b, 0x0e, 0x63);

#define FILE_DEVICE_PCI9656             0x8A56

//
// IOCTL_PCI9656_GET_INFO
//   Input:  none
//   Output: PCI9656_INFO
//
#define IOCTL_PCI9656_GET_INFO \
    CTL_CODE(FILE_DEVICE_PCI9656, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS)

//
// PCI9656_INFO.DmaMode
//
#define PCI9656_DMA_MODE_SCATTER_GATHER 1   // descriptor chains in host memory
#define PCI9656_DMA_MODE_BLOCK          2   // one block transfer per fragment

typedef struct _PCI9656_INFO {
    ULONG   Size;                           // sizeof(PCI9656_INFO)
    ULONG   SramSize;                       // bytes of local SRAM (BAR 2)
    USHORT  VendorId;
    USHORT  DeviceId;
    UCHAR   Revision;                       // PCIHREV
    UCHAR   DmaMode;                        // PCI9656_DMA_MODE_*
    USHORT  Reserved;
    ULONG   MaximumTransferLength;          // bytes per DMA transfer at most
    ULONG   MaximumScatterGatherElements;   // fragments per DMA transfer at most
    ULONG64 DmaTransfersCompleted;          // DMA transfers finished since start
    ULONG64 BytesWritten;                   // to SRAM, by completed writes
    ULONG64 BytesRead;                      // from SRAM, by completed reads
} PCI9656_INFO, *PPCI9656_INFO;
