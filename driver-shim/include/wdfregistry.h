/*
 * wdfregistry.h: KMDF registry keys for driver-shim (driver Parameters key, device keys).
 */
#ifndef _WDFREGISTRY_H_
#define _WDFREGISTRY_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

VOID WdfRegistryClose(_In_ WDFKEY Key);
/* STATUS_OBJECT_NAME_NOT_FOUND when the value does not exist. */
_Must_inspect_result_ NTSTATUS WdfRegistryQueryULong(_In_ WDFKEY Key,
                                                     _In_ PCUNICODE_STRING ValueName,
                                                     _Out_ PULONG Value);
_Must_inspect_result_ NTSTATUS WdfRegistryAssignULong(_In_ WDFKEY Key,
                                                      _In_ PCUNICODE_STRING ValueName,
                                                      _In_ ULONG Value);
_Must_inspect_result_ NTSTATUS
WdfRegistryQueryValue(_In_ WDFKEY Key, _In_ PCUNICODE_STRING ValueName, _In_ ULONG ValueLength,
                      _Out_writes_bytes_opt_(ValueLength) PVOID Value,
                      _Out_opt_ PULONG ValueLengthQueried, _Out_opt_ PULONG ValueType);

WDF_EXTERN_C_END

#endif /* _WDFREGISTRY_H_ */
