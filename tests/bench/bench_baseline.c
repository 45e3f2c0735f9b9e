/*
 * bench_baseline.c: what the machine does without dmaemu, measured in the same run so that
 * every dmaemu row can be read as a ratio (absolute times on a shared machine mean little).
 *
 * - memcpy bandwidth: what a local device DMA (a memcpy into shared memory) could reach.
 * - Raw ping-pong: a small message to another process and back, over a UNIX socket and over
 *   TCP loopback, with blocking reads: the least any request/reply protocol can cost.
 *   The message is 32 bytes, about an MMIO read's frame (20-byte header and a small body).
 * - Raw TCP streaming: one process writing 1 MiB blocks to another as fast as it reads them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define PING_BYTES   32
#define STREAM_CHUNK (1u << 20)

/* memcpy ------------------------------------------------------------------------------------- */

/* The best of b->batches batches, each copying size bytes until batch_ns has passed. */
static double memcpy_rate(uint8_t *dst, const uint8_t *src, size_t size,
                          const struct bench_budget *b)
{
    double best[16];
    unsigned batches = b->batches < 16 ? b->batches : 16;
    for (unsigned i = 0; i < batches; i++) {
        uint64_t bytes = 0, t0 = bench_now_ns(), t;
        do {
            memcpy(dst, src, size);
            /* Keeps the compiler from proving the copy useless. */
            __asm__ volatile("" : : "r"(dst) : "memory");
            bytes += size;
        } while ((t = bench_now_ns()) - t0 < b->batch_ns);
        best[i] = (double)bytes / ((double)(t - t0) / 1e9) / 1e6;
    }
    return bench_best(best, batches);
}

int baseline_memcpy(struct bench_report *r, const struct bench_budget *b)
{
    static const struct {
        size_t size;
        const char *name;
    } sizes[] = {
        {64u << 10, "memcpy 64 KiB"}, {1u << 20, "memcpy 1 MiB"}, {16u << 20, "memcpy 16 MiB"}};
    uint8_t *src = bench_alloc(16u << 20), *dst = bench_alloc(16u << 20);
    if (src == NULL || dst == NULL) {
        free(src);
        free(dst);
        return bench_error("out of memory for the memcpy baseline");
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        bench_add(r, "baseline", sizes[i].name, memcpy_rate(dst, src, sizes[i].size, b), "MB/s");
    free(src);
    free(dst);
    return 0;
}

/* Socket helpers ---------------------------------------------------------------------------- */

static int io_full(int fd, void *buf, size_t len, bool writing)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void set_nodelay(int fd)
{
    int one = 1; /* as libdmaemu does: a ping-pong must not wait for Nagle */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* A connected TCP loopback pair: *a in this process, *b for the child. */
static int tcp_pair(int *a, int *b)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&addr, &len) < 0) {
        if (l >= 0)
            close(l);
        return bench_error("TCP loopback listener: %s", strerror(errno));
    }
    *b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*b < 0 || connect(*b, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        (*a = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        int err = errno;
        if (*b >= 0)
            close(*b);
        close(l);
        return bench_error("TCP loopback connection: %s", strerror(err));
    }
    close(l);
    set_nodelay(*a);
    set_nodelay(*b);
    return 0;
}

/* The other process: echoes PING_BYTES messages, or streams the byte count it is sent (a
 * 9-byte request: 's' and the count), until end-of-file. */
static void peer_serve(int fd)
{
    uint8_t msg[PING_BYTES];
    uint8_t *chunk = malloc(STREAM_CHUNK);
    while (chunk != NULL && io_full(fd, msg, PING_BYTES, false) == 0) {
        if (msg[0] != 's') {
            if (io_full(fd, msg, PING_BYTES, true) < 0)
                break;
            continue;
        }
        uint64_t left;
        memcpy(&left, msg + 1, sizeof(left));
        while (left > 0) {
            size_t n = left < STREAM_CHUNK ? (size_t)left : STREAM_CHUNK;
            if (io_full(fd, chunk, n, true) < 0)
                _exit(1);
            left -= n;
        }
    }
    _exit(0);
}

static pid_t peer_start(int mine, int theirs)
{
    pid_t pid = fork();
    if (pid == 0) {
        close(mine);
        peer_serve(theirs);
    }
    close(theirs);
    if (pid < 0)
        bench_error("fork: %s", strerror(errno));
    return pid;
}

static void peer_stop(int fd, pid_t pid)
{
    close(fd); /* end-of-file: the peer exits */
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

/* Ping-pong ----------------------------------------------------------------------------------- */

static int pingpong(struct bench_report *r, const struct bench_budget *b, int fd, const char *what)
{
    size_t n = b->latency_samples, warm = n / 10 + 10;
    double *us = malloc(n * sizeof(*us));
    uint8_t msg[PING_BYTES] = {'p'};
    if (us == NULL)
        return bench_error("out of memory");
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t t0 = bench_now_ns();
        if (io_full(fd, msg, sizeof(msg), true) < 0 || io_full(fd, msg, sizeof(msg), false) < 0) {
            free(us);
            return bench_error("%s ping-pong: the peer went away", what);
        }
        if (i >= warm)
            us[i - warm] = (double)(bench_now_ns() - t0) / 1e3;
    }
    struct bench_summary s;
    bench_summarize(us, n, &s);
    char name[BENCH_NAME_MAX];
    snprintf(name, sizeof(name), "raw %s RTT p50", what);
    bench_add(r, "baseline", name, s.p50, "us");
    snprintf(name, sizeof(name), "raw %s RTT p99", what);
    bench_add(r, "baseline", name, s.p99, "us");
    free(us);
    return 0;
}

static int tcp_stream(struct bench_report *r, const struct bench_budget *b, int fd)
{
    uint8_t *buf = malloc(STREAM_CHUNK);
    double rate[16];
    unsigned batches = b->batches < 16 ? b->batches : 16;
    if (buf == NULL)
        return bench_error("out of memory");
    for (unsigned i = 0; i < batches; i++) {
        uint8_t req[PING_BYTES] = {'s'};
        uint64_t left = b->stream_bytes, t0 = bench_now_ns();
        memcpy(req + 1, &left, sizeof(left));
        if (io_full(fd, req, sizeof(req), true) < 0)
            break;
        while (left > 0) {
            ssize_t n = recv(fd, buf, left < STREAM_CHUNK ? left : STREAM_CHUNK, 0);
            if (n == 0 || (n < 0 && errno != EINTR)) {
                free(buf);
                return bench_error("TCP streaming: the peer went away");
            }
            left -= n > 0 ? (uint64_t)n : 0;
        }
        rate[i] = (double)b->stream_bytes / ((double)(bench_now_ns() - t0) / 1e9) / 1e6;
    }
    free(buf);
    bench_add(r, "baseline", "raw TCP streaming", bench_best(rate, batches), "MB/s");
    return 0;
}

int baseline_sockets(struct bench_report *r, const struct bench_budget *b)
{
    int sv[2], a = -1, c = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return bench_error("socketpair: %s", strerror(errno));
    pid_t pid = peer_start(sv[0], sv[1]);
    if (pid < 0)
        return -1;
    int rc = pingpong(r, b, sv[0], "UNIX");
    peer_stop(sv[0], pid);
    if (rc < 0 || tcp_pair(&a, &c) < 0 || (pid = peer_start(a, c)) < 0)
        return -1;
    rc = pingpong(r, b, a, "TCP");
    if (rc == 0)
        rc = tcp_stream(r, b, a);
    peer_stop(a, pid);
    return rc;
}
