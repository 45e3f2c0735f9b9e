/*
 * wdf.h: the Kernel-Mode Driver Framework API for driver-shim (the KMDF 1.33 subset a PCI
 * bus-master DMA driver uses).
 *
 * KMDF's own headers call every function through a version-specific function table with a
 * hidden WdfDriverGlobals argument. Here each API is a plain C function with the documented
 * signature (without DriverGlobals), implemented by the shim runtime. Structures, enums,
 * callback role types (EVT_WDF_*) and *_INIT functions follow KMDF 1.33.
 */
#ifndef _WDF_H_
#define _WDF_H_

#include "wdm.h"

#ifndef KMDF_VERSION_MAJOR
#define KMDF_VERSION_MAJOR 1
#endif
#ifndef KMDF_VERSION_MINOR
#define KMDF_VERSION_MINOR 33
#endif

#include "wdftypes.h"
#include "wdfstatus.h"
#include "wdfcore.h"
#include "wdfobject.h"
#include "wdfsync.h"
#include "wdfdriver.h"
#include "wdffileobject.h"
#include "wdfrequest.h"
#include "wdfdevice.h"
#include "wdffdo.h"
#include "wdfdpc.h"
#include "wdftimer.h"
#include "wdfworkitem.h"
#include "wdfinterrupt.h"
#include "wdfresource.h"
#include "wdfio.h"
#include "wdfregistry.h"
#include "wdfdmaenabler.h"
#include "wdfdmatransaction.h"
#include "wdfcommonbuffer.h"
#include "wdfbugcodes.h"

#endif /* _WDF_H_ */
