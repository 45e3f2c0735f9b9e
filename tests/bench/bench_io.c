/*
 * bench_io.c: application I/O end to end (application -> daemon -> sample driver -> device
 * DMA -> interrupt -> completion), with 1 and 4 application threads, on a daemon recording
 * its history and on one with --db off. Each thread writes its own slice of the device and
 * reads it back, synchronously, as `dmaemu io stress` does.
 *
 * The runs with recording off and on alternate (off, on, off, on, ...) and each keeps its
 * best run: on a shared machine a run can only be slowed down by others, and alternating
 * spreads slow phases over both.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "dmaemu.h"

#define IO_MAX_THREADS 4

struct io_worker {
    pthread_t thread;
    dmaemu_file_t *file;
    uint64_t offset, size, deadline_ns;
    uint64_t requests, bytes;
    int failed; /* a request failed: its message is printed */
};

static void *io_thread(void *arg)
{
    struct io_worker *w = arg;
    uint8_t *buf = bench_alloc(w->size);
    if (buf == NULL) {
        w->failed = bench_error("out of memory");
        return NULL;
    }
    while (bench_now_ns() < w->deadline_ns) {
        struct dmaemu_io_result res;
        int rc = dmaemu_write(w->file, w->offset, buf, w->size, &res);
        if (rc == 0 && res.status == 0)
            rc = dmaemu_read(w->file, w->offset, buf, w->size, &res);
        if (rc < 0 || res.status != 0 || res.data_len != w->size) {
            w->failed = bench_error("I/O through the sample driver failed: %s",
                                    rc < 0 ? dmaemu_last_error() : "bad status or short read");
            break;
        }
        w->requests += 2;
        w->bytes += 2 * w->size;
    }
    free(buf);
    return NULL;
}

/* One run: threads x size-byte write+read rounds for io_ns. *rate: requests/s or MB/s. */
static int io_run(const char *uri, const char *device, unsigned threads, uint64_t size,
                  uint64_t io_ns, double *rate)
{
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_APP, .name = "dmaemu-bench"};
    struct io_worker w[IO_MAX_THREADS] = {0};
    dmaemu_t *c;
    if (dmaemu_connect(uri, &o, &c) < 0)
        return bench_error("cannot connect to %s: %s", uri, dmaemu_last_error());
    int rc = 0;
    unsigned started = 0;
    uint64_t t0 = bench_now_ns();
    for (; started < threads && rc == 0; started++) {
        w[started] =
            (struct io_worker){.offset = started * size, .size = size, .deadline_ns = t0 + io_ns};
        if (dmaemu_open(c, device, &w[started].file) < 0)
            rc = bench_error("cannot open %s on %s: %s", device, uri, dmaemu_last_error());
        else if (pthread_create(&w[started].thread, NULL, io_thread, &w[started]) != 0)
            rc = bench_error("cannot start a thread");
        if (rc < 0 && w[started].file != NULL)
            dmaemu_file_close(w[started].file);
        if (rc < 0)
            break;
    }
    uint64_t requests = 0, bytes = 0;
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        dmaemu_file_close(w[i].file);
        requests += w[i].requests;
        bytes += w[i].bytes;
        rc = rc < 0 ? rc : w[i].failed;
    }
    double s = (double)(bench_now_ns() - t0) / 1e9;
    *rate = size < (1u << 20) ? (double)requests / s : (double)bytes / s / 1e6;
    dmaemu_close(c);
    return rc;
}

struct io_case {
    unsigned threads;
    uint64_t size;
};

static void io_rows(struct bench_report *r, const struct io_case *k, double off, double on)
{
    char name_off[BENCH_NAME_MAX], name_on[BENCH_NAME_MAX];
    bool small = k->size < (1u << 20);
    const char *what = small ? "4 KiB" : "1 MiB";
    const char *unit = small ? "req/s" : "MB/s";
    snprintf(name_off, sizeof(name_off), "I/O %s x%u thr, recording off", what, k->threads);
    snprintf(name_on, sizeof(name_on), "I/O %s x%u thr, recording on", what, k->threads);
    struct bench_row *row = bench_add(r, "io", name_off, off, unit);
    if (small)
        bench_compare_inverse(r, row, "raw UNIX RTT p50", "raw UNIX round trips/s", BENCH_GOAL_NONE,
                              0);
    else
        bench_compare(r, row, "memcpy 1 MiB", 1.0, "memcpy 1 MiB", BENCH_GOAL_NONE, 0);
    row = bench_add(r, "io", name_on, on, unit);
    bench_compare(r, row, name_off, 1.0, "recording off", BENCH_GOAL_AT_LEAST, 0.9);
}

int io_bench(struct bench_report *r, const struct bench_budget *b, const struct bench_target *t)
{
    static const struct io_case cases[] = {
        {1, 4u << 10}, {4, 4u << 10}, {1, 1u << 20}, {4, 1u << 20}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double off[16], on[16];
        unsigned runs = b->io_runs < 16 ? b->io_runs : 16;
        for (unsigned k = 0; k < runs; k++) {
            if (io_run(t->daemon_off, t->io_device, cases[i].threads, cases[i].size, b->io_ns,
                       &off[k]) < 0 ||
                io_run(t->daemon, t->io_device, cases[i].threads, cases[i].size, b->io_ns, &on[k]) <
                    0)
                return -1;
        }
        io_rows(r, &cases[i], bench_best(off, runs), bench_best(on, runs));
    }
    return 0;
}
