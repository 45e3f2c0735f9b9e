/*
 * initguid.h: after this header, DEFINE_GUID defines (weak) GUID objects instead of declaring
 * them. See guiddef.h.
 */
#ifndef INITGUID
#define INITGUID
#endif
#include "guiddef.h"
