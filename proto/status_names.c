/* status_names.c: the NTSTATUS codes drivers and dmaemu commonly complete requests with. */
#include "status_names.h"

#include <stddef.h>

static const struct {
    uint32_t code;
    const char *name;
} ntstatus_table[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {0x00000102, "STATUS_TIMEOUT"},
    {0x00000103, "STATUS_PENDING"},
    {0x80000005, "STATUS_BUFFER_OVERFLOW"},
    {0x80000011, "STATUS_DEVICE_BUSY"},
    {0xC0000001, "STATUS_UNSUCCESSFUL"},
    {0xC0000002, "STATUS_NOT_IMPLEMENTED"},
    {0xC0000004, "STATUS_INFO_LENGTH_MISMATCH"},
    {0xC0000005, "STATUS_ACCESS_VIOLATION"},
    {0xC000000D, "STATUS_INVALID_PARAMETER"},
    {0xC000000E, "STATUS_NO_SUCH_DEVICE"},
    {0xC0000010, "STATUS_INVALID_DEVICE_REQUEST"},
    {0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
    {0xC0000017, "STATUS_NO_MEMORY"},
    {0xC0000022, "STATUS_ACCESS_DENIED"},
    {0xC0000023, "STATUS_BUFFER_TOO_SMALL"},
    {0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
    {0xC000009D, "STATUS_DEVICE_NOT_CONNECTED"},
    {0xC00000A3, "STATUS_DEVICE_NOT_READY"},
    {0xC00000B5, "STATUS_IO_TIMEOUT"},
    {0xC00000BB, "STATUS_NOT_SUPPORTED"},
    {0xC0000120, "STATUS_CANCELLED"},
    {0xC0000182, "STATUS_DEVICE_CONFIGURATION_ERROR"},
    {0xC0000184, "STATUS_INVALID_DEVICE_STATE"},
    {0xC0000185, "STATUS_IO_DEVICE_ERROR"},
    {0xC0000206, "STATUS_INVALID_BUFFER_SIZE"},
    {0xC00002B6, "STATUS_DEVICE_REMOVED"},
    {0xC0000056, "STATUS_DELETE_PENDING"},
    {0xC0200204, "STATUS_WDF_BUSY"},
    {0xC020020A, "STATUS_WDF_TOO_FRAGMENTED"},
};

const char *ntstatus_name(int32_t status)
{
    for (size_t i = 0; i < sizeof(ntstatus_table) / sizeof(ntstatus_table[0]); i++)
        if (ntstatus_table[i].code == (uint32_t)status)
            return ntstatus_table[i].name;
    return NULL;
}
