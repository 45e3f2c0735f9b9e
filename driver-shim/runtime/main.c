/*
 * main.c: the driver process's main(): options, the daemon connection, signals, and the
 * driver's life (lifecycle.c).
 *
 *   DRIVER --device NAME [--daemon URI] [--token-file PATH] [--verifier=fatal|log]
 *          [--fragment] [--high-dma] [--trace-level LEVEL]
 *
 * Exit status: 0 stopped normally, 1 runtime failure (daemon lost, device unavailable),
 * 2 usage, 3 stopped by the verifier, 4 DriverEntry or power-up failed.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

struct shim shim;

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s --device NAME [--daemon URI] [--token-file PATH] [--verifier=fatal|log]\n"
            "          [--fragment] [--high-dma] [--trace-level LEVEL]\n"
            "Runs this KMDF driver against device NAME emulated by dmaemud.\n"
            "  --daemon URI       unix:PATH or tcp://HOST:PORT (env DMAEMU_DAEMON)\n"
            "  --token-file PATH  token for a TCP daemon (env DMAEMU_TOKEN_FILE)\n"
            "  --verifier=log     record verifier findings and go on (default: stop)\n"
            "  --fragment         give DMA buffers scattered bus pages\n"
            "  --high-dma         place 64-bit profiles' buffers above 4 GiB\n"
            "  --trace-level L    WPP messages traced: off, critical, error, warning,\n"
            "                     information (default) or verbose (env DMAEMU_TRACE_LEVEL)\n",
            prog);
}

/* "verbose", "information", ... or the TRACE_LEVEL_* number; -1 for anything else. */
static int trace_level_parse(const char *s)
{
    static const char *const names[] = {"off",     "critical",    "error",
                                        "warning", "information", "verbose"};
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (strcmp(s, names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0'))
            return i;
    return -1;
}

static int trace_level_set(const char *prog, const char *value, const char *where)
{
    int level = trace_level_parse(value);
    if (level < 0) {
        fprintf(stderr, "%s: %s '%s': use off, critical, error, warning, information or verbose\n",
                prog, where, value);
        return -1;
    }
    shim.opt.trace_level = (unsigned)level;
    return 0;
}

static int parse_options(int argc, char **argv)
{
    static const struct option opts[] = {
        {"device", required_argument, NULL, 'd'},
        {"daemon", required_argument, NULL, 'D'},
        {"token-file", required_argument, NULL, 't'},
        {"verifier", required_argument, NULL, 'v'},
        {"fragment", no_argument, NULL, 'f'},
        {"high-dma", no_argument, NULL, 'H'},
        {"trace-level", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    shim.opt.daemon = getenv("DMAEMU_DAEMON");
    shim.opt.token_file = getenv("DMAEMU_TOKEN_FILE");
    shim.opt.trace_level = SHIM_TRACE_LEVEL_DEFAULT;
    const char *env_level = getenv("DMAEMU_TRACE_LEVEL");
    if (env_level != NULL && trace_level_set(argv[0], env_level, "DMAEMU_TRACE_LEVEL") < 0)
        return 2;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': shim.opt.device = optarg; break;
        case 'D': shim.opt.daemon = optarg; break;
        case 't': shim.opt.token_file = optarg; break;
        case 'f': shim.opt.fragment = true; break;
        case 'H': shim.opt.high_dma = true; break;
        case 'T':
            if (trace_level_set(argv[0], optarg, "--trace-level") < 0)
                return 2;
            break;
        case 'v':
            if (strcmp(optarg, "log") != 0 && strcmp(optarg, "fatal") != 0) {
                fprintf(stderr, "%s: --verifier takes fatal or log\n", argv[0]);
                return 2;
            }
            shim.opt.verifier_log_only = strcmp(optarg, "log") == 0;
            break;
        case 'h': usage(stdout, argv[0]); exit(0);
        default: usage(stderr, argv[0]); return 2;
        }
    }
    if (shim.opt.device == NULL || optind != argc) {
        fprintf(stderr, "%s: %s\n", argv[0],
                optind != argc ? "unexpected argument" : "--device NAME is required");
        usage(stderr, argv[0]);
        return 2;
    }
    return 0;
}

static void on_disconnect(void *arg, int code, const char *message)
{
    shim_log("lost the daemon: %s", message);
    shim.exit_status = 1;
    atomic_store(&shim.stopping, true);
    shim_stop_passive();
}

/* SIGTERM and SIGINT end the serving loop from a thread of their own, never inside a signal
 * handler, so the power-down runs as ordinary code. */
static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    int sig;
    if (sigwait(set, &sig) == 0) {
        shim_log("%s: stopping", strsignal(sig));
        atomic_store(&shim.stopping, true);
        shim_stop_passive();
    }
    return NULL;
}

static int shim_connect(const char *prog)
{
    struct dmaemu_connect_options o = {
        .role = DMAEMU_ROLE_DRIVER, .name = prog, .token_file = shim.opt.token_file};
    if (dmaemu_connect(shim.opt.daemon, &o, &shim.conn) < 0) {
        fprintf(stderr, "%s: %s\n", prog, dmaemu_last_error());
        return 1;
    }
    struct dmaemu_io_handlers io = {shim_io_request, shim_io_cancel, NULL};
    dmaemu_set_io_handlers(shim.conn, &io);
    dmaemu_set_interrupt_handler(shim.conn, shim_interrupt_line, NULL);
    dmaemu_set_dma_notify_handler(shim.conn, shim_dma_notified, NULL);
    dmaemu_set_disconnect_handler(shim.conn, on_disconnect, NULL);
    if (dmaemu_attach(shim.conn, shim.opt.device, &shim.info) < 0) {
        fprintf(stderr, "%s: cannot attach %s: %s\n", prog, shim.opt.device, dmaemu_last_error());
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int rc = parse_options(argc, argv);
    if (rc != 0)
        return rc;
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread inherits the mask */
    pthread_t sig_thread;
    pthread_create(&sig_thread, NULL, signal_thread, &set);
    pthread_detach(sig_thread);
    if (shim_connect(prog) != 0)
        return 1;
    shim_registers_init();
    shim_log("attached to %s (%s) on %s", shim.opt.device, shim.info.model,
             dmaemu_is_remote(shim.conn) ? "a remote daemon" : "the local daemon");
    rc = shim_lifecycle_run();
    dmaemu_close(shim.conn);
    return rc;
}
