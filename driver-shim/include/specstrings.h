/* specstrings.h: on Windows, part of the SAL annotation set; driver-shim keeps them all in sal.h.
 */
#ifndef DMAEMU_SHIM_SPECSTRINGS_H
#define DMAEMU_SHIM_SPECSTRINGS_H
#include "sal.h"
#endif
