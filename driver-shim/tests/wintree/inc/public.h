/*++

Module Name:

    Public.h

Abstract:

    What applications share with the WinTree driver: its I/O control codes.

--*/

#pragma once

#define WINTREE_DEVICE_TYPE 0x8A5E

#define IOCTL_WINTREE_RESET \
    CTL_CODE(WINTREE_DEVICE_TYPE, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

#define IOCTL_WINTREE_GET_VERSION \
    CTL_CODE(WINTREE_DEVICE_TYPE, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS)

#define WINTREE_VERSION 0x00010002
