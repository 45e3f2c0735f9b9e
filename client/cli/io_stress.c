/* io_stress.c: the stress loop, its per-thread statistics, and the summary. */
#include "io_stress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pattern.h"

#define STRESS_MAX_SAMPLES (1u << 20) /* latencies kept per thread for the percentiles */

struct stress_worker {
    pthread_t thread;
    dmaemu_file_t *file;
    unsigned index;
    uint64_t base, slice, size, deadline_ns;
    uint64_t reads, writes, bytes, failures;
    uint64_t *lat_ns;
    size_t nlat;
    char first_error[256];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void stress_fail(struct stress_worker *w, const char *fmt, const char *detail)
{
    if (w->failures++ == 0)
        snprintf(w->first_error, sizeof(w->first_error), fmt, detail);
}

static void stress_sample(struct stress_worker *w, uint64_t start)
{
    if (w->nlat < STRESS_MAX_SAMPLES)
        w->lat_ns[w->nlat++] = now_ns() - start;
}

/* Records a failed request: a transport error (rc < 0), a failing NTSTATUS, or (for reads,
 * want_len != 0) fewer bytes than asked. */
static bool stress_check(struct stress_worker *w, const char *what, int rc,
                         const struct dmaemu_io_result *r, uint64_t want_len)
{
    char st[48];
    if (rc < 0)
        stress_fail(w, what, dmaemu_last_error());
    else if (r->status != 0)
        stress_fail(w, what, cli_status_text(r->status, st, sizeof(st)));
    else if (want_len != 0 && r->data_len != want_len)
        stress_fail(w, what, "short read");
    else
        return true;
    return false;
}

/* One write-then-verified-read round on [off, off+len). */
static void stress_round(struct stress_worker *w, uint8_t *buf, uint64_t off, uint64_t len,
                         const struct pattern *p)
{
    struct dmaemu_io_result r;
    pattern_fill(p, buf, len, off);
    uint64_t t0 = now_ns();
    int rc = dmaemu_write(w->file, off, buf, len, &r);
    if (!stress_check(w, "write: %s", rc, &r, 0))
        return;
    stress_sample(w, t0);
    w->writes++;
    memset(buf, 0, len);
    t0 = now_ns();
    rc = dmaemu_read(w->file, off, buf, len, &r);
    if (!stress_check(w, "read: %s", rc, &r, len))
        return;
    stress_sample(w, t0);
    w->reads++;
    w->bytes += 2 * len;
    if (pattern_check(p, buf, len, off) != len)
        stress_fail(w, "%s", "read back different data than was written");
}

static void *stress_thread(void *arg)
{
    struct stress_worker *w = arg;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (w->index + 1);
    uint8_t *buf = malloc(w->slice);
    if (buf == NULL) {
        stress_fail(w, "%s", "out of memory");
        return NULL;
    }
    for (uint64_t round = 0; now_ns() < w->deadline_ns; round++) {
        uint64_t len = w->size ? w->size : 1 + next_random(&rng) % w->slice;
        uint64_t off = w->base + next_random(&rng) % (w->slice - len + 1);
        struct pattern p = {PATTERN_RANDOM, (uint64_t)w->index << 32 | round};
        stress_round(w, buf, off, len, &p);
    }
    free(buf);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int stress_report(struct stress_worker *w, unsigned n, uint64_t elapsed_ns)
{
    uint64_t reads = 0, writes = 0, bytes = 0, failures = 0;
    size_t nlat = 0;
    for (unsigned i = 0; i < n; i++) {
        reads += w[i].reads, writes += w[i].writes, bytes += w[i].bytes;
        failures += w[i].failures, nlat += w[i].nlat;
    }
    uint64_t *all = malloc((nlat ? nlat : 1) * sizeof(*all));
    size_t k = 0;
    for (unsigned i = 0; all != NULL && i < n; i++)
        for (size_t j = 0; j < w[i].nlat; j++)
            all[k++] = w[i].lat_ns[j];
    if (all != NULL)
        qsort(all, k, sizeof(*all), cmp_u64);
    double secs = (double)elapsed_ns / 1e9;
    printf("stress: %u threads, %.1f s: %llu writes, %llu reads, %.1f MB/s, %.0f requests/s\n", n,
           secs, (unsigned long long)writes, (unsigned long long)reads, (double)bytes / secs / 1e6,
           (double)(reads + writes) / secs);
    if (all != NULL && k > 0)
        printf("latency: p50 %.1f us, p99 %.1f us, max %.1f us\n", (double)all[k / 2] / 1e3,
               (double)all[k * 99 / 100] / 1e3, (double)all[k - 1] / 1e3);
    free(all);
    for (unsigned i = 0; i < n; i++)
        if (w[i].failures)
            fprintf(stderr, "dmaemu: thread %u: %llu failures, first: %s\n", i,
                    (unsigned long long)w[i].failures, w[i].first_error);
    printf("%s: %llu failures\n", failures ? "FAILED" : "ok", (unsigned long long)failures);
    return failures || reads + writes == 0 ? CLI_FAILED : CLI_OK;
}

int io_stress(const struct cli *cli, const char *device, uint64_t threads, uint64_t duration_ns,
              uint64_t size, uint64_t span)
{
    uint64_t slice = span / threads;
    if (slice == 0 || size > slice)
        return cli_fail("--span %llu gives each of %llu threads %llu bytes: too small for --size",
                        (unsigned long long)span, (unsigned long long)threads,
                        (unsigned long long)slice);
    dmaemu_t *c;
    dmaemu_file_t *f;
    if (cli_connect(cli, DMAEMU_ROLE_APP, &c) != CLI_OK)
        return CLI_FAILED;
    if (dmaemu_open(c, device, &f) < 0) {
        int rc = cli_fail("%s", dmaemu_last_error());
        dmaemu_close(c);
        return rc;
    }
    struct stress_worker *w = calloc(threads, sizeof(*w));
    uint64_t start = now_ns();
    unsigned started = 0;
    for (unsigned i = 0; w != NULL && i < threads; i++, started++) {
        w[i] = (struct stress_worker){.file = f,
                                      .index = i,
                                      .base = i * slice,
                                      .slice = slice,
                                      .size = size,
                                      .deadline_ns = start + duration_ns};
        w[i].lat_ns = malloc(STRESS_MAX_SAMPLES * sizeof(uint64_t));
        if (w[i].lat_ns == NULL || pthread_create(&w[i].thread, NULL, stress_thread, &w[i]) != 0)
            break;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    int rc = started == threads
                 ? stress_report(w, started, now_ns() - start)
                 : cli_fail("cannot start %llu threads", (unsigned long long)threads);
    for (unsigned i = 0; w != NULL && i < threads; i++)
        free(w[i].lat_ns);
    free(w);
    dmaemu_file_close(f);
    dmaemu_close(c);
    return rc;
}
