/*
 * bench_device.c: a raw driver (libdmaemu, no shim) on the benchmark device, locally or over
 * TCP: MMIO read round trips, posted MMIO writes, interrupt latency to the client callback,
 * and block-mode DMA throughput in both directions.
 *
 * Interrupt latency is measured from the daemon's stamp of the model raising the line
 * (Interrupt.raised_ns, CLOCK_REALTIME, the instant the history records) to
 * clock_gettime(CLOCK_REALTIME) at the top of the callback. Both ends read the same kernel
 * clock on the same machine, so the difference is a true latency (only an NTP step during
 * the run could distort it; slewing changes a microsecond by parts per million).
 *
 * A DMA transfer is timed as a driver sees it: programming the channel (posted writes),
 * the transfer, and the done interrupt reaching the callback, which wakes the thread that
 * waits for it. DMASIZ holds 23 bits, so 16 MiB moves as four 4 MiB block transfers.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "dmaemu.h"

/* PLX 9656 registers (BAR0) and bits used here; shared/spec/plx9656.md. */
#define PLX_INTCSR   0x068
#define PLX_PCIHIDR  0x070
#define PLX_DMAMODE0 0x080
#define PLX_DMAPADR0 0x084
#define PLX_DMALADR0 0x088
#define PLX_DMASIZ0  0x08C
#define PLX_DMADPR0  0x090
#define PLX_DMACSR0  0x0A8
#define PLX_DMAARB   0x0AC
#define PLX_DMADAC0  0x0B4

#define INTCSR_PCI_INT_ENABLE  (1u << 8)
#define INTCSR_DMA0_INT_ENABLE (1u << 18)
#define MODE_DONE_INT          (1u << 10)
#define MODE_ROUTE_PCI         (1u << 17)
#define DPR_TO_HOST            (1u << 3)
#define CSR_ENABLE             0x01
#define CSR_START              0x02
#define CSR_CLEAR_INT          0x08

#define DMA_REGION    (16u << 20)
#define DMA_MAX_BLOCK (4u << 20)
#define BUS_BASE      0x10000000ull

struct dev {
    dmaemu_t *c;
    dmaemu_region_t *region;
    bool remote;
    const char *where; /* "local" or "remote" */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t asserts; /* interrupts seen (rising edges) */
    double *lat_us;   /* callback latency samples, when collecting */
    size_t nlat, maxlat;
    bool stamp_missing; /* the daemon sent no raise stamp */
};

/* Event thread: count the assertion, take its latency, wake the waiting thread. */
static void dev_on_irq(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted)
{
    uint64_t now = bench_wall_ns(), raised = dmaemu_interrupt_raised_ns();
    struct dev *d = arg;
    if (!asserted)
        return;
    pthread_mutex_lock(&d->lock);
    if (raised == 0)
        d->stamp_missing = true;
    else if (d->lat_us != NULL && d->nlat < d->maxlat)
        d->lat_us[d->nlat++] = (double)(int64_t)(now - raised) / 1e3;
    d->asserts++;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

static int dev_write(struct dev *d, uint64_t off, unsigned width, uint64_t v)
{
    int rc = dmaemu_mmio_write(d->c, 0, off, width, v);
    return rc < 0 ? bench_error("MMIO write: %s", dmaemu_last_error()) : 0;
}

static int dev_open(struct dev *d, const struct bench_target *t, bool remote)
{
    struct dmaemu_connect_options o = {
        .role = DMAEMU_ROLE_DRIVER, .name = "dmaemu-bench", .token_file = t->token_file};
    *d = (struct dev){.remote = remote, .where = remote ? "remote" : "local"};
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    const char *uri = remote ? t->remote : t->daemon;
    if (dmaemu_connect(uri, &o, &d->c) < 0)
        return bench_error("cannot connect to %s: %s", uri, dmaemu_last_error());
    dmaemu_set_interrupt_handler(d->c, dev_on_irq, d);
    if (dmaemu_attach(d->c, t->device, NULL) < 0)
        return bench_error("cannot attach %s: %s", t->device, dmaemu_last_error());
    if (dmaemu_region_create(d->c, BUS_BASE, DMA_REGION, 0, &d->region) < 0)
        return bench_error("cannot map %u MiB of DMA memory: %s", DMA_REGION >> 20,
                           dmaemu_last_error());
    /* Channel 0: block mode, done interrupt routed to INTA. */
    if (dev_write(d, PLX_INTCSR, 4, INTCSR_PCI_INT_ENABLE | INTCSR_DMA0_INT_ENABLE) < 0 ||
        dev_write(d, PLX_DMAMODE0, 4, MODE_DONE_INT | MODE_ROUTE_PCI) < 0 ||
        dev_write(d, PLX_DMADAC0, 4, 0) < 0)
        return -1;
    return 0;
}

static void dev_close(struct dev *d)
{
    if (d->c != NULL) {
        dmaemu_region_destroy(d->c, d->region);
        dmaemu_close(d->c);
    }
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

/* Waits until `count` assertions have been seen; -1 after 10 s (the daemon stopped
 * answering). */
static int dev_wait_irq(struct dev *d, uint64_t count)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    int rc = 0;
    pthread_mutex_lock(&d->lock);
    while (d->asserts < count && rc == 0)
        rc = pthread_cond_timedwait(&d->cond, &d->lock, &until);
    pthread_mutex_unlock(&d->lock);
    return rc == 0 ? 0 : bench_error("no DMA done interrupt within 10 s (%s)", d->where);
}

/* Programs channel 0 as a driver running on the shim does: the writes batched, sent together
 * when the callback that wrote them returns (here: once the start bit is written). */
static int dev_program(struct dev *d, uint32_t len, bool to_host)
{
    const struct {
        uint64_t off;
        unsigned width;
        uint64_t v;
    } w[] = {
        {PLX_DMAPADR0, 4, (uint32_t)BUS_BASE},
        {PLX_DMALADR0, 4, 0},
        {PLX_DMASIZ0, 4, len},
        {PLX_DMADPR0, 4, to_host ? DPR_TO_HOST : 0},
        {PLX_DMACSR0, 1, CSR_ENABLE | CSR_START},
    };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        if (dmaemu_mmio_write_batched(d->c, 0, w[i].off, w[i].width, w[i].v) < 0)
            return bench_error("MMIO write: %s", dmaemu_last_error());
    return dmaemu_flush(d->c) < 0 ? bench_error("flush: %s", dmaemu_last_error()) : 0;
}

/* One block transfer on channel 0, to its done interrupt, which is then cleared. */
static int dev_transfer(struct dev *d, uint32_t len, bool to_host)
{
    pthread_mutex_lock(&d->lock);
    uint64_t next = d->asserts + 1;
    pthread_mutex_unlock(&d->lock);
    if (dev_program(d, len, to_host) < 0 || dev_wait_irq(d, next) < 0)
        return -1;
    return dev_write(d, PLX_DMACSR0, 1, CSR_ENABLE | CSR_CLEAR_INT);
}

/* MMIO ------------------------------------------------------------------------------------ */

static int mmio_reads(struct bench_report *r, const struct bench_budget *b, struct dev *d)
{
    size_t n = b->latency_samples, warm = n / 10 + 10;
    double *us = malloc(n * sizeof(*us));
    if (us == NULL)
        return bench_error("out of memory");
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t v, t0 = bench_now_ns();
        if (dmaemu_mmio_read(d->c, 0, PLX_PCIHIDR, 4, &v) < 0) {
            free(us);
            return bench_error("MMIO read: %s", dmaemu_last_error());
        }
        if (i >= warm)
            us[i - warm] = (double)(bench_now_ns() - t0) / 1e3;
    }
    struct bench_summary s;
    bench_summarize(us, n, &s);
    free(us);
    const char *raw = d->remote ? "TCP" : "UNIX";
    char name[BENCH_NAME_MAX], base[BENCH_NAME_MAX], label[BENCH_NAME_MAX];
    static const char *const pct[] = {"p50", "p99"};
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof(name), "MMIO read %s, %s", pct[i], d->where);
        snprintf(base, sizeof(base), "raw %s RTT %s", raw, pct[i]);
        snprintf(label, sizeof(label), "raw %s RTT %s", raw, pct[i]);
        struct bench_row *row = bench_add(r, "mmio", name, i == 0 ? s.p50 : s.p99, "us");
        bench_compare(r, row, base, 1.0, label, BENCH_GOAL_AT_MOST, 1.3);
    }
    return 0;
}

/* Posted writes, each batch closed by a read (which the daemon orders after them), so the
 * rate counts writes the device has taken, not writes sitting in a socket buffer. */
static int mmio_writes(struct bench_report *r, const struct bench_budget *b, struct dev *d)
{
    double rate[16];
    unsigned batches = b->batches < 16 ? b->batches : 16;
    for (unsigned i = 0; i < batches; i++) {
        uint64_t writes = 0, t0 = bench_now_ns(), v, t;
        do {
            for (int k = 0; k < 256; k++)
                if (dev_write(d, PLX_DMAARB, 4, writes + (uint64_t)k) < 0)
                    return -1;
            writes += 256;
            if (dmaemu_mmio_read(d->c, 0, PLX_DMAARB, 4, &v) < 0)
                return bench_error("MMIO read: %s", dmaemu_last_error());
        } while ((t = bench_now_ns()) - t0 < b->batch_ns);
        rate[i] = (double)writes / ((double)(t - t0) / 1e9);
    }
    char name[BENCH_NAME_MAX], base[BENCH_NAME_MAX], label[BENCH_NAME_MAX];
    const char *raw = d->remote ? "TCP" : "UNIX";
    snprintf(name, sizeof(name), "posted MMIO writes, %s", d->where);
    snprintf(base, sizeof(base), "raw %s RTT p50", raw);
    snprintf(label, sizeof(label), "raw %s round trips/s", raw);
    struct bench_row *row = bench_add(r, "mmio", name, bench_best(rate, batches), "writes/s");
    bench_compare_inverse(r, row, base, label, BENCH_GOAL_NONE, 0);
    return 0;
}

/* Interrupts --------------------------------------------------------------------------------- */

/* A zero-length block transfer ends at once and raises the done interrupt: the cheapest way
 * to make the model raise its line on demand. */
static int irq_latency(struct bench_report *r, const struct bench_budget *b, struct dev *d)
{
    size_t n = b->latency_samples, warm = n / 10 + 10;
    double *us = malloc((n + warm) * sizeof(*us));
    if (us == NULL)
        return bench_error("out of memory");
    pthread_mutex_lock(&d->lock);
    d->lat_us = us, d->nlat = 0, d->maxlat = n + warm;
    pthread_mutex_unlock(&d->lock);
    int rc = 0;
    for (size_t i = 0; i < n + warm && rc == 0; i++)
        rc = dev_transfer(d, 0, false);
    pthread_mutex_lock(&d->lock);
    size_t got = d->nlat;
    bool missing = d->stamp_missing;
    d->lat_us = NULL;
    pthread_mutex_unlock(&d->lock);
    if (rc == 0 && (missing || got <= warm))
        rc = bench_error("the daemon sends no interrupt stamps (an older dmaemud?)");
    if (rc == 0) {
        struct bench_summary s;
        bench_summarize(us + warm, got - warm, &s);
        const char *raw = d->remote ? "TCP" : "UNIX";
        char name[BENCH_NAME_MAX], base[BENCH_NAME_MAX], label[BENCH_NAME_MAX];
        static const char *const pct[] = {"p50", "p99"};
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof(name), "IRQ to callback %s, %s", pct[i], d->where);
            snprintf(base, sizeof(base), "raw %s RTT %s", raw, pct[i]);
            snprintf(label, sizeof(label), "half raw %s RTT %s", raw, pct[i]);
            struct bench_row *row = bench_add(r, "interrupt", name, i ? s.p99 : s.p50, "us");
            bench_compare(r, row, base, 0.5, label, BENCH_GOAL_AT_MOST, 1.3);
        }
    }
    free(us);
    return rc;
}

/* DMA throughput ---------------------------------------------------------------------------- */

static int dma_batch(struct dev *d, uint32_t size, bool to_host, uint64_t batch_ns, double *mbs)
{
    uint64_t bytes = 0, t0 = bench_now_ns(), t;
    do {
        for (uint32_t done = 0; done < size; done += DMA_MAX_BLOCK) {
            uint32_t n = size - done < DMA_MAX_BLOCK ? size - done : DMA_MAX_BLOCK;
            if (dev_transfer(d, n, to_host) < 0)
                return -1;
        }
        bytes += size;
    } while ((t = bench_now_ns()) - t0 < batch_ns);
    *mbs = (double)bytes / ((double)(t - t0) / 1e9) / 1e6;
    return 0;
}

static void dma_row(struct bench_report *r, const struct dev *d, uint32_t size, bool to_host,
                    double mbs)
{
    char name[BENCH_NAME_MAX], base[BENCH_NAME_MAX];
    const char *sz = size >= (1u << 20) ? "MiB" : "KiB";
    unsigned amount = size >= (1u << 20) ? size >> 20 : size >> 10;
    snprintf(name, sizeof(name), "DMA %u %s %s, %s", amount, sz, to_host ? "to host" : "to device",
             d->where);
    struct bench_row *row = bench_add(r, "dma", name, mbs, "MB/s");
    if (d->remote) {
        /* The remote goal is about a stream: the 1 MiB and 16 MiB rows. */
        bool goal = size >= (1u << 20);
        bench_compare(r, row, "raw TCP streaming", 1.0, "raw TCP streaming",
                      goal ? BENCH_GOAL_AT_LEAST : BENCH_GOAL_NONE, 0.5);
        return;
    }
    /* memcpy was measured at 64 KiB, 1 MiB and 16 MiB; 4 KiB compares with 64 KiB. */
    snprintf(base, sizeof(base), "memcpy %s",
             size <= (64u << 10)  ? "64 KiB"
             : size == (1u << 20) ? "1 MiB"
                                  : "16 MiB");
    bench_compare(r, row, base, 1.0, base,
                  size == (1u << 20) ? BENCH_GOAL_AT_LEAST : BENCH_GOAL_NONE, 0.8);
}

static int dma_throughput(struct bench_report *r, const struct bench_budget *b, struct dev *d)
{
    static const uint32_t sizes[] = {4u << 10, 64u << 10, 1u << 20, 16u << 20};
    for (int dir = 0; dir < 2; dir++) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            double rate[16];
            unsigned batches = b->batches < 16 ? b->batches : 16;
            for (unsigned k = 0; k < batches; k++)
                if (dma_batch(d, sizes[i], dir == 1, b->batch_ns, &rate[k]) < 0)
                    return -1;
            dma_row(r, d, sizes[i], dir == 1, bench_best(rate, batches));
        }
    }
    return 0;
}

int device_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t,
                 bool remote)
{
    struct dev d;
    int rc = dev_open(&d, t, remote);
    if (rc == 0)
        rc = mmio_reads(r, b, &d);
    if (rc == 0)
        rc = mmio_writes(r, b, &d);
    if (rc == 0)
        rc = irq_latency(r, b, &d);
    if (rc == 0)
        rc = dma_throughput(r, b, &d);
    dev_close(&d);
    return rc;
}
