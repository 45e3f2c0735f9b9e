/* main.c: the dmaemu command-line tool: global options and command dispatch. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*fn)(const struct cli *, int, char **);
    const char *summary;
} commands[] = {
    {"devices", cmd_devices, "list the emulated devices (name, model, state, owner)"},
    {"regs", cmd_regs, "decoded register snapshot of a device (no side effects)"},
    {"mmio", cmd_mmio, "raw register or memory access to a device"},
    {"io", cmd_io, "reads, writes and IOCTLs through the device's driver; stress tests"},
    {"history", cmd_history, "recorded requests, filtered (--db PATH reads a file offline)"},
    {"show", cmd_show, "one request as a timeline: transactions, transfers, DMA, interrupts"},
    {"stats", cmd_stats, "counts, bytes, throughput and latency percentiles per device"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: dmaemu [--daemon URI] [--token-file PATH] COMMAND [ARGS]\n\n"
                 "  --daemon URI       unix:PATH or tcp://HOST:PORT (env DMAEMU_DAEMON;\n"
                 "                     default: the local socket)\n"
                 "  --token-file PATH  token for TCP daemons (env DMAEMU_TOKEN_FILE)\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'dmaemu COMMAND --help' describes a command. Exit codes: 0 ok, 1 failure, "
                 "2 usage.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"daemon", required_argument, NULL, 'd'},
        {"token-file", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct cli cli = {getenv("DMAEMU_DAEMON"), getenv("DMAEMU_TOKEN_FILE")};
    int opt;
    /* '+': stop at the command, whose own options come after it. */
    while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': cli.daemon = optarg; break;
        case 't': cli.token_file = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        case 'V': printf("dmaemu %s\n", DMAEMU_VERSION); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* 0, not 1: GNU getopt then forgets the "+" mode used above */
            return commands[i].fn(&cli, sub_argc, sub_argv);
        }
    }
    fprintf(stderr, "dmaemu: unknown command '%s'\n", name);
    usage(stderr);
    return CLI_USAGE;
}
