/*++

Module Name:

    Trace.h

Abstract:

    WPP tracing for the PCI 9656 driver. The flag names below exist only
    once the trace preprocessor has generated each source's .tmh file.

Environment:

    Kernel mode

--*/

#pragma once

#include <evntrace.h> // TRACE_LEVEL_*

//
// Control GUID {2d9c4b7a-81e3-4f60-b5a9-c03e6d1f7a42}
//
#define WPP_CONTROL_GUIDS                                                   \
    WPP_DEFINE_CONTROL_GUID(                                                \
        Pci9656TraceGuid, (2d9c4b7a, 81e3, 4f60, b5a9, c03e6d1f7a42),       \
        WPP_DEFINE_BIT(DBG_INIT)        /* DriverEntry, unload */           \
        WPP_DEFINE_BIT(DBG_PNP)         /* device add, hardware */          \
        WPP_DEFINE_BIT(DBG_POWER)       /* D0 entry and exit */             \
        WPP_DEFINE_BIT(DBG_IOCTLS)      /* device control requests */       \
        WPP_DEFINE_BIT(DBG_WRITE)       /* write requests */                \
        WPP_DEFINE_BIT(DBG_READ)        /* read requests */                 \
        WPP_DEFINE_BIT(DBG_DMA)         /* DMA programming */               \
        WPP_DEFINE_BIT(DBG_INTERRUPT)   /* ISR, interrupt enable/disable */ \
        WPP_DEFINE_BIT(DBG_DPC)         /* DPC, request completion */       \
        )

#define WPP_LEVEL_FLAGS_LOGGER(lvl, flags) \
    WPP_LEVEL_LOGGER(flags)

#define WPP_LEVEL_FLAGS_ENABLED(lvl, flags) \
    (WPP_LEVEL_ENABLED(flags) && WPP_CONTROL(WPP_BIT_ ## flags).Level >= lvl)

//
// The trace preprocessor reads the trace function from this block.
//
// begin_wpp config
// FUNC TraceEvents(LEVEL, FLAGS, MSG, ...);
// end_wpp
//
