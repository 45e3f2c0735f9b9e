/*
 * bench_main.c: dmaemu-bench, how close dmaemu runs to the machine's limits.
 *
 * Every row is printed as a ratio to a baseline measured in the same run (memcpy, raw socket
 * ping-pong and streaming): on a shared, noisy machine absolute times mean little, ratios
 * hold. Goals are marked met or MISSED; they never change the exit status, which says only
 * whether the benchmark itself worked (scripts/bench.sh starts the daemons it needs).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"

static const char usage[] =
    "usage: dmaemu-bench --daemon unix:PATH --daemon-off unix:PATH [--remote tcp://HOST:PORT\n"
    "                    --token-file FILE] [--device NAME] [--io-device NAME]\n"
    "                    [--isr-device NAME] [--only PARTS] [--quick] [--json FILE]\n"
    "  --daemon      the daemon measured (recording its history)\n"
    "  --daemon-off  a daemon with --db off, for I/O without recording\n"
    "  --remote      the same daemon over TCP, for the remote rows\n"
    "  --device      raw device for MMIO, interrupts and DMA, with a large SRAM (plx1)\n"
    "  --io-device   device served by the pci9656 sample driver on both daemons (plx0)\n"
    "  --isr-device  device served by dmaemu-bench-isr on --daemon (none: row skipped)\n"
    "  --only PARTS  comma-separated: local, remote, isr, io (baselines always run)\n"
    "  --quick       a few seconds in all, to check that the benchmark works\n"
    "  --json FILE   also write the rows as JSON\n"
    "scripts/bench.sh starts everything this needs and runs it.\n";

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *bench_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 4096, bytes ? bytes : 1) != 0)
        return NULL;
    memset(p, 0x5a, bytes); /* faulted in now, not inside a timed copy */
    return p;
}

int bench_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dmaemu-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static struct bench_budget budget(bool quick)
{
    if (quick)
        return (struct bench_budget){.quick = true,
                                     .latency_samples = 200,
                                     .batches = 2,
                                     .batch_ns = 5000000,
                                     .stream_bytes = 8u << 20,
                                     .io_ns = 150000000,
                                     .io_runs = 1};
    return (struct bench_budget){.latency_samples = 20000,
                                 .batches = 5,
                                 .batch_ns = 100000000,
                                 .stream_bytes = 256u << 20,
                                 .io_ns = 2000000000,
                                 .io_runs = 3};
}

static int parse_args(int argc, char **argv, struct bench_target *t, bool *quick, const char **json)
{
    static const struct option opts[] = {{"daemon", required_argument, NULL, 'd'},
                                         {"daemon-off", required_argument, NULL, 'o'},
                                         {"remote", required_argument, NULL, 'r'},
                                         {"token-file", required_argument, NULL, 't'},
                                         {"device", required_argument, NULL, 'D'},
                                         {"io-device", required_argument, NULL, 'I'},
                                         {"isr-device", required_argument, NULL, 'S'},
                                         {"quick", no_argument, NULL, 'q'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"only", required_argument, NULL, 'O'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    *t = (struct bench_target){.device = "plx1", .io_device = "plx0"};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': t->daemon = optarg; break;
        case 'o': t->daemon_off = optarg; break;
        case 'r': t->remote = optarg; break;
        case 't': t->token_file = optarg; break;
        case 'D': t->device = optarg; break;
        case 'I': t->io_device = optarg; break;
        case 'S': t->isr_device = optarg; break;
        case 'q': *quick = true; break;
        case 'j': *json = optarg; break;
        case 'O': t->only = optarg; break;
        case 'h': fputs(usage, stdout); exit(0);
        default: fputs(usage, stderr); return -1;
        }
    }
    if (t->daemon == NULL || t->daemon_off == NULL || optind != argc) {
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

/* Baselines first: they fork, which is simplest before libdmaemu has started threads. */
/* Whether --only (a comma-separated list) names part; everything runs without it. */
static bool wanted(const struct bench_target *t, const char *part)
{
    if (t->only == NULL)
        return true;
    size_t n = strlen(part);
    for (const char *p = t->only; (p = strstr(p, part)) != NULL; p += n)
        if ((p == t->only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

static int run_all(struct bench_report *r, const struct bench_budget *b,
                   const struct bench_target *t)
{
    if (baseline_memcpy(r, b) < 0 || baseline_sockets(r, b) < 0)
        return -1;
    if (wanted(t, "local") && device_bench(r, b, t, false) < 0)
        return -1;
    if (wanted(t, "remote") && t->remote != NULL && device_bench(r, b, t, true) < 0)
        return -1;
    if (wanted(t, "isr") && t->isr_device != NULL && isr_bench(r, b, t) < 0)
        return -1;
    return wanted(t, "io") ? io_bench(r, b, t) : 0;
}

static void command_line(int argc, char **argv, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

int main(int argc, char **argv)
{
    struct bench_target t;
    bool quick = false;
    const char *json = NULL;
    if (parse_args(argc, argv, &t, &quick, &json) < 0)
        return 2;
    struct bench_budget b = budget(quick);
    struct bench_report r = {.quick = quick};
    int rc = run_all(&r, &b, &t);
    bench_print_table(&r, stdout);
    size_t with_goal, missed = bench_goals_missed(&r, &with_goal);
    printf("goals: %zu of %zu met%s\n", with_goal - missed, with_goal,
           quick ? " (--quick: too short to mean anything)" : "");
    char cmd[1024];
    command_line(argc, argv, cmd, sizeof(cmd));
    if (rc == 0 && json != NULL && bench_write_json(&r, json, cmd) < 0)
        rc = -1;
    bench_report_free(&r);
    return rc < 0 ? 1 : 0;
}
