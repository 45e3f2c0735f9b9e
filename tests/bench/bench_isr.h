/*
 * bench_isr.h: the interface between dmaemu-bench and dmaemu-bench-isr, the KMDF driver that
 * times interrupts up to its EvtInterruptIsr.
 */
#ifndef DMAEMU_BENCH_ISR_H
#define DMAEMU_BENCH_ISR_H

#include <stdint.h>

/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS), spelled out so the
 * application side needs no Windows headers. Output: struct bench_isr_sample. */
#define BENCH_ISR_IOCTL_MEASURE ((0x22u << 16) | (0x900u << 2))

/* One interrupt: the daemon's stamp of raising the line and the ISR's first look at the
 * clock, both CLOCK_REALTIME nanoseconds. */
struct bench_isr_sample {
    uint64_t raised_ns;
    uint64_t isr_ns;
};

#endif
