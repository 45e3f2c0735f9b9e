/* cmd_devices.c: dmaemu devices [--json] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "dmaemu devices [--json]";

static json_t *device_json(const struct dmaemu_device_info *d)
{
    json_t *bars = json_array();
    for (unsigned i = 0; i < d->bar_count; i++)
        json_array_append_new(bars,
                              json_pack("{s:I, s:s, s:I}", "index", (json_int_t)d->bars[i].index,
                                        "kind", d->bars[i].kind == DMAEMU_BAR_IO ? "io" : "memory",
                                        "size", (json_int_t)d->bars[i].size));
    json_t *owner = d->owned ? json_pack("{s:I, s:s, s:s}", "session", (json_int_t)d->owner_session,
                                         "name", d->owner_name, "peer", d->owner_peer)
                             : json_null();
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:o, s:{s:s, s:I}}", "name", d->name,
                     "model", d->model, "state", d->owned ? "owned" : "free", "owner", owner,
                     "vendor_id", (json_int_t)d->vendor_id, "device_id", (json_int_t)d->device_id,
                     "revision", (json_int_t)d->revision, "bars", bars, "interrupts", "kind",
                     d->irq_kind == DMAEMU_IRQ_MSI ? "msi" : "line", "count",
                     (json_int_t)d->irq_count);
}

static void print_table(const struct dmaemu_device_info *list, int n)
{
    printf("%-12s %-10s %-6s %s\n", "NAME", "MODEL", "STATE", "OWNER");
    for (int i = 0; i < n; i++) {
        const struct dmaemu_device_info *d = &list[i];
        if (d->owned)
            printf("%-12s %-10s %-6s session %llu '%s' (%s)\n", d->name, d->model, "owned",
                   (unsigned long long)d->owner_session, d->owner_name, d->owner_peer);
        else
            printf("%-12s %-10s %-6s -\n", d->name, d->model, "free");
    }
}

int cmd_devices(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    int json = 0, opt;
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 'j')
            return cli_usage(usage, "unknown option");
        json = 1;
    }
    if (optind < argc)
        return cli_usage(usage, "unexpected argument '%s'", argv[optind]);
    dmaemu_t *c;
    if (cli_connect(cli, DMAEMU_ROLE_MONITOR, &c) != CLI_OK)
        return CLI_FAILED;
    struct dmaemu_device_info *list;
    int n = dmaemu_devices(c, &list);
    int rc = CLI_OK;
    if (n < 0) {
        rc = cli_fail("%s", dmaemu_last_error());
    } else if (json) {
        json_t *arr = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(arr, device_json(&list[i]));
        rc = cli_print_json(arr);
        free(list);
    } else {
        print_table(list, n);
        free(list);
    }
    dmaemu_close(c);
    return rc;
}
