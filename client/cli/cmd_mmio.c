/* cmd_mmio.c: dmaemu mmio DEV read|write BAR OFFSET [VALUE] [--width 1|2|4|8] [--force] */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "dmaemu mmio DEV read|write BAR OFFSET [VALUE] [--width 1|2|4|8] [--force]\n"
    "  Reads or writes one register or memory location of a device's BAR (width default 4).\n"
    "  Refused while a driver owns the device unless --force.";

struct mmio_args {
    const char *device;
    bool write;
    uint64_t bar, offset, value, width;
    bool force;
};

static int parse_mmio(int argc, char **argv, struct mmio_args *a)
{
    static const struct option opts[] = {{"width", required_argument, NULL, 'w'},
                                         {"force", no_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int opt;
    a->width = 4;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'f')
            a->force = true;
        else if (opt != 'w' || parse_u64(optarg, &a->width) < 0)
            return cli_usage(usage, "bad option");
    }
    int n = argc - optind;
    char **pos = argv + optind;
    if (n < 4)
        return cli_usage(usage, "missing arguments");
    a->device = pos[0];
    if (strcmp(pos[1], "read") != 0 && strcmp(pos[1], "write") != 0)
        return cli_usage(usage, "'%s': say read or write", pos[1]);
    a->write = strcmp(pos[1], "write") == 0;
    if (n != (a->write ? 5 : 4))
        return cli_usage(usage,
                         a->write ? "write needs BAR OFFSET VALUE" : "read takes BAR OFFSET");
    if (parse_u64(pos[2], &a->bar) < 0 || parse_u64(pos[3], &a->offset) < 0 ||
        (a->write && parse_u64(pos[4], &a->value) < 0))
        return cli_usage(usage, "BAR, OFFSET and VALUE are numbers (decimal or 0x hex)");
    if (a->width != 1 && a->width != 2 && a->width != 4 && a->width != 8)
        return cli_usage(usage, "--width is 1, 2, 4 or 8");
    return CLI_OK;
}

int cmd_mmio(const struct cli *cli, int argc, char **argv)
{
    struct mmio_args a = {0};
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    int rc = parse_mmio(argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    dmaemu_t *c;
    if (cli_connect(cli, DMAEMU_ROLE_MONITOR, &c) != CLI_OK)
        return CLI_FAILED;
    uint64_t value = a.value;
    if (a.write)
        rc = dmaemu_mmio_write_device(c, a.device, a.force, (unsigned)a.bar, a.offset,
                                      (unsigned)a.width, a.value);
    else
        rc = dmaemu_mmio_read_device(c, a.device, a.force, (unsigned)a.bar, a.offset,
                                     (unsigned)a.width, &value);
    if (rc == DMAEMU_E_BUSY)
        rc = cli_fail("%s (dmaemu mmio --force)", dmaemu_last_error());
    else if (rc < 0)
        rc = cli_fail("%s", dmaemu_last_error());
    else if (!a.write)
        printf("0x%0*llx\n", (int)a.width * 2, (unsigned long long)value);
    dmaemu_close(c);
    return rc;
}
