/*
 * bench_isr.c: interrupt latency up to EvtInterruptIsr. dmaemu-bench-isr (bench_isr_driver.c)
 * runs on its own device; each IOCTL makes the model raise INTA once and returns the daemon's
 * stamp and the ISR's, both CLOCK_REALTIME on this machine.
 */
#include <stdlib.h>

#include "bench.h"
#include "bench_isr.h"
#include "dmaemu.h"

static int isr_measure(dmaemu_file_t *f, double *us)
{
    struct bench_isr_sample s;
    struct dmaemu_io_result res;
    if (dmaemu_ioctl(f, BENCH_ISR_IOCTL_MEASURE, NULL, 0, &s, sizeof(s), &res) < 0)
        return bench_error("IOCTL to dmaemu-bench-isr: %s", dmaemu_last_error());
    if (res.status != 0 || res.data_len != sizeof(s))
        return bench_error("dmaemu-bench-isr answered status 0x%08x with %zu bytes",
                           (unsigned)res.status, res.data_len);
    if (s.raised_ns == 0)
        return bench_error("the shim has no interrupt stamp (an older dmaemud?)");
    *us = (double)(int64_t)(s.isr_ns - s.raised_ns) / 1e3;
    return 0;
}

int isr_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t)
{
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_APP, .name = "dmaemu-bench"};
    dmaemu_t *c;
    dmaemu_file_t *f;
    if (dmaemu_connect(t->daemon, &o, &c) < 0)
        return bench_error("cannot connect to %s: %s", t->daemon, dmaemu_last_error());
    if (dmaemu_open(c, t->isr_device, &f) < 0) {
        bench_error("cannot open %s: %s", t->isr_device, dmaemu_last_error());
        dmaemu_close(c);
        return -1;
    }
    size_t n = b->latency_samples, warm = n / 10 + 10;
    double *us = malloc(n * sizeof(*us));
    int rc = us != NULL ? 0 : bench_error("out of memory");
    for (size_t i = 0; i < warm + n && rc == 0; i++)
        rc = isr_measure(f, &us[i < warm ? 0 : i - warm]);
    if (rc == 0) {
        struct bench_summary s;
        bench_summarize(us, n, &s);
        struct bench_row *row =
            bench_add(r, "interrupt", "IRQ to EvtInterruptIsr p50, local", s.p50, "us");
        bench_compare(r, row, "raw UNIX RTT p50", 0.5, "half raw UNIX RTT p50", BENCH_GOAL_AT_MOST,
                      1.3);
        row = bench_add(r, "interrupt", "IRQ to EvtInterruptIsr p99, local", s.p99, "us");
        bench_compare(r, row, "raw UNIX RTT p99", 0.5, "half raw UNIX RTT p99", BENCH_GOAL_AT_MOST,
                      1.3);
    }
    free(us);
    dmaemu_file_close(f);
    dmaemu_close(c);
    return rc;
}
