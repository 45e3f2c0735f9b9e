/*++

Module Name:

    Driver.h

Abstract:

    Shared declarations of the WinTree test driver: a Windows-style tree kept
    exactly as it would be on Windows (CRLF, include names in another case).

Environment:

    Kernel mode

--*/

#pragma once

#include <ntddk.h>
#pragma warning(disable:4201) // nameless struct/union
#include <wdf.h>
#pragma warning(default:4201)

#include "TRACE.h"
#include "inc\Public.h"

#define WINTREE_POOL_TAG 'eerT'

//
// A register block laid over the device's BAR 0.
//
typedef struct _WINTREE_REGS {
    ULONG Control;
    union {
        struct {
            ULONG Busy : 1;
            ULONG Error : 1;
            ULONG Reserved : 30;
        };
        ULONG AsUlong;
    } Status;
    ULONG DmaAddressLow;
    ULONG DmaAddressHigh;
} WINTREE_REGS, *PWINTREE_REGS;

//
// A continued macro: each line ends with backslash, CR, LF.
//
#define WINTREE_SPLIT_ADDRESS(Regs, Address)                     \
    do {                                                         \
        (Regs)->DmaAddressLow = (ULONG)((Address).QuadPart);     \
        (Regs)->DmaAddressHigh = (ULONG)((Address).QuadPart >> 32); \
    } while (0)

typedef struct _WINTREE_CONTEXT {
    WINTREE_REGS Shadow;
    ULONG64 TransferCount;
    PUCHAR Buffer;
} WINTREE_CONTEXT, *PWINTREE_CONTEXT;

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD WinTreeEvtDeviceAdd;
EVT_WDF_OBJECT_CONTEXT_CLEANUP WinTreeEvtDriverContextCleanup;

NTSTATUS
WinTreeProgramDma(
    _Inout_ PWINTREE_CONTEXT Context,
    _In_ PHYSICAL_ADDRESS Address,
    _In_ ULONG Length
    );
