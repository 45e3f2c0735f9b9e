/*++

Module Name:

    bad_driver_ioctl.h

Abstract:

    The one device control request of the misbehaving test drivers
    (bad_driver.c), shared with the integration tests that drive them. An
    application includes it after defining CTL_CODE, METHOD_BUFFERED,
    FILE_ANY_ACCESS and ULONG, as a Windows application gets them from
    <winioctl.h>.

--*/

#pragma once

//
// Returns BAD_DRIVER_STATE: what the driver has done so far. Served by a
// parallel queue of its own, so it answers while a write is held.
//
#define IOCTL_BAD_DRIVER_GET_STATE \
    CTL_CODE(0x8000, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _BAD_DRIVER_STATE {
    ULONG Size;                 // sizeof(BAD_DRIVER_STATE)
    ULONG WritesSeen;           // EvtIoWrite calls
    ULONG TransfersProgrammed;  // EvtProgramDma calls
    ULONG DpcsRun;              // EvtInterruptDpc calls that found DMA done
    ULONG WritesCompleted;      // write requests the driver completed
    ULONG AbortsSeen;           // PCI aborts the ISR acknowledged
} BAD_DRIVER_STATE, *PBAD_DRIVER_STATE;
