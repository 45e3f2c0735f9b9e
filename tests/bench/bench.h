/*
 * bench.h: what the parts of dmaemu-bench share: how long each measurement runs, the clock,
 * and the measurement modules.
 */
#ifndef DMAEMU_BENCH_H
#define DMAEMU_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_report.h"

/* How much each measurement does: --quick shrinks everything so the run takes seconds. */
struct bench_budget {
    bool quick;
    size_t latency_samples; /* round trips and interrupts timed per latency row */
    unsigned batches;       /* throughput rows: the best of this many batches */
    uint64_t batch_ns;      /* each batch lasts at least this long */
    uint64_t stream_bytes;  /* raw TCP streaming: bytes per batch */
    uint64_t io_ns;         /* end-to-end I/O: duration of one run */
    unsigned io_runs;       /* and the best of this many, recording off and on alternating */
};

/* Where to measure, from the command line. */
struct bench_target {
    const char *daemon;     /* the main daemon (recording on), unix:PATH */
    const char *remote;     /* the same daemon over TCP, or NULL */
    const char *token_file; /* for remote */
    const char *device;     /* raw device for MMIO, interrupts and DMA (large SRAM) */
    const char *io_device;  /* served by the sample driver on both daemons */
    const char *daemon_off; /* a second daemon with --db off, for I/O without recording */
    const char *isr_device; /* served by dmaemu-bench-isr on the main daemon, or NULL */
    const char *only;       /* --only: the parts to run, or NULL for all */
};

uint64_t bench_now_ns(void);     /* CLOCK_MONOTONIC */
uint64_t bench_wall_ns(void);    /* CLOCK_REALTIME: the clock the daemon stamps interrupts with */
void *bench_alloc(size_t bytes); /* page-aligned, pre-faulted; abort-free: NULL on failure */
/* Prints "dmaemu-bench: <what>" to stderr; returns -1 for `return bench_error(...)`. */
int bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* bench_baseline.c: memcpy, raw socket ping-pong and streaming between two processes. */
int baseline_memcpy(struct bench_report *r, const struct bench_budget *b);
int baseline_sockets(struct bench_report *r, const struct bench_budget *b);

/* bench_device.c: MMIO, interrupts to the client callback, device DMA (libdmaemu, raw). */
int device_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t,
                 bool remote);
/* bench_isr.c: interrupt latency to EvtInterruptIsr, through dmaemu-bench-isr. */
int isr_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t);
/* bench_io.c: application I/O through the sample driver, recording on and off. */
int io_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t);

#endif
