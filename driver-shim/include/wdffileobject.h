/*
 * wdffileobject.h: KMDF file objects for driver-shim.
 */
#ifndef _WDFFILEOBJECT_H_
#define _WDFFILEOBJECT_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

PUNICODE_STRING WdfFileObjectGetFileName(_In_ WDFFILEOBJECT FileObject);
ULONG WdfFileObjectGetFlags(_In_ WDFFILEOBJECT FileObject);
WDFDEVICE WdfFileObjectGetDevice(_In_ WDFFILEOBJECT FileObject);
PFILE_OBJECT WdfFileObjectWdmGetFileObject(_In_ WDFFILEOBJECT FileObject);

WDF_EXTERN_C_END

#endif /* _WDFFILEOBJECT_H_ */
