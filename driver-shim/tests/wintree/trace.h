/*++

Module Name:

    Trace.h

Abstract:

    WPP tracing for the WinTree test driver. The flag names exist only once
    the .tmh of each source is generated from this file.

--*/

#pragma once

#include <evntrace.h> // TRACE_LEVEL_*

//
// Control GUID {5f1b7c7e-2d4a-4c1e-9a63-0b7de8a1c4f2}
//
#define WPP_CONTROL_GUIDS                                                   \
    WPP_DEFINE_CONTROL_GUID(                                                \
        WinTreeTraceGuid, (5f1b7c7e, 2D4A, 4c1e, 9A63, 0b7de8a1c4f2),      \
        WPP_DEFINE_BIT(WT_INIT)     /* 0x00000001: DriverEntry, unload */   \
        WPP_DEFINE_BIT(WT_PNP)      /* 0x00000002: device add, hardware */  \
        /* DMA and interrupts get a flag each */                            \
        WPP_DEFINE_BIT(WT_DMA)      /* 0x00000004 */                        \
        WPP_DEFINE_BIT(WT_ISR)      /* 0x00000008 */                        \
        )

#define WPP_LEVEL_FLAGS_LOGGER(lvl, flags) \
    WPP_LEVEL_LOGGER(flags)

#define WPP_LEVEL_FLAGS_ENABLED(lvl, flags) \
    (WPP_LEVEL_ENABLED(flags) && WPP_CONTROL(WPP_BIT_ ## flags).Level >= lvl)

#define WPP_CHECK_FOR_NULL_STRING

//
// The trace preprocessor reads the trace function from this block.
//
// begin_wpp config
// FUNC TraceEvents(LEVEL, FLAGS, MSG, ...);
// end_wpp
//
