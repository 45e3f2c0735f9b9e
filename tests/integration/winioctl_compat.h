/*
 * winioctl_compat.h: what a Windows application has from windows.h and winioctl.h before it
 * includes a driver's public header (IOCTL codes, shared structures), so the tests use the
 * drivers' own Public.h files unchanged.
 */
#ifndef DMAEMU_WINIOCTL_COMPAT_H
#define DMAEMU_WINIOCTL_COMPAT_H

#include <stdint.h>

typedef uint8_t UCHAR;
typedef uint16_t USHORT;
typedef uint32_t ULONG;
typedef uint64_t ULONG64;
/* Unsigned: vendor device types (0x8000 and up) do not fit a signed int once shifted. */
#define CTL_CODE(DeviceType, Function, Method, Access)                                             \
    (((uint32_t)(DeviceType) << 16) | ((uint32_t)(Access) << 14) | ((uint32_t)(Function) << 2) |   \
     (uint32_t)(Method))
#define METHOD_BUFFERED                                              0
#define FILE_ANY_ACCESS                                              0
#define FILE_READ_ACCESS                                             1
#define FILE_WRITE_ACCESS                                            2
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern const uint8_t name[16]

#endif
