/*
 * wdfresource.h: hardware resource lists for driver-shim. The translated list passed to
 * EvtDevicePrepareHardware holds the device's BARs in BAR order (CmResourceTypeMemory /
 * CmResourceTypePort) and its interrupt (CmResourceTypeInterrupt).
 */
#ifndef _WDFRESOURCE_H_
#define _WDFRESOURCE_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

ULONG WdfCmResourceListGetCount(_In_ WDFCMRESLIST List);
/* NULL when Index is out of range. */
PCM_PARTIAL_RESOURCE_DESCRIPTOR WdfCmResourceListGetDescriptor(_In_ WDFCMRESLIST List,
                                                               _In_ ULONG Index);

WDF_EXTERN_C_END

#endif /* _WDFRESOURCE_H_ */
