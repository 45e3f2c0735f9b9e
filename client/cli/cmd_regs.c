/* cmd_regs.c: dmaemu regs DEV [--json] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "dmaemu regs DEV [--json]";

static json_t *regs_json(const struct dmaemu_regs *r)
{
    json_t *regs = json_array();
    for (unsigned i = 0; i < r->count; i++) {
        const struct dmaemu_register *reg = &r->registers[i];
        json_t *fields = json_object();
        for (unsigned j = 0; j < reg->field_count; j++) {
            const struct dmaemu_reg_field *f = &reg->fields[j];
            json_object_set_new(
                fields, f->name,
                f->meaning[0]
                    ? json_pack("{s:I, s:s}", "value", (json_int_t)f->value, "meaning", f->meaning)
                    : json_integer((json_int_t)f->value));
        }
        json_array_append_new(regs,
                              json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "name", reg->name, "bar",
                                        (json_int_t)reg->bar, "offset", (json_int_t)reg->offset,
                                        "width", (json_int_t)reg->width, "value",
                                        (json_int_t)reg->value, "fields", fields));
    }
    return json_pack("{s:s, s:s, s:o}", "device", r->device, "model", r->model, "registers", regs);
}

static void print_regs(const struct dmaemu_regs *r)
{
    printf("%s (%s)\n", r->device, r->model);
    for (unsigned i = 0; i < r->count; i++) {
        const struct dmaemu_register *reg = &r->registers[i];
        printf("  %-9s BAR%u+0x%03llx  0x%0*llx", reg->name, reg->bar,
               (unsigned long long)reg->offset, (int)reg->width * 2,
               (unsigned long long)reg->value);
        for (unsigned j = 0; j < reg->field_count; j++) {
            const struct dmaemu_reg_field *f = &reg->fields[j];
            printf("%s%s=%llu%s%s%s", j ? " " : "  ", f->name, (unsigned long long)f->value,
                   f->meaning[0] ? " (" : "", f->meaning, f->meaning[0] ? ")" : "");
        }
        printf("\n");
    }
}

int cmd_regs(const struct cli *cli, int argc, char **argv)
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
    if (argc - optind != 1)
        return cli_usage(usage, "name one device");
    dmaemu_t *c;
    if (cli_connect(cli, DMAEMU_ROLE_MONITOR, &c) != CLI_OK)
        return CLI_FAILED;
    struct dmaemu_regs *r;
    int rc = dmaemu_regs(c, argv[optind], &r);
    if (rc < 0) {
        rc = cli_fail("%s", dmaemu_last_error());
    } else {
        rc = json ? cli_print_json(regs_json(r)) : (print_regs(r), CLI_OK);
        dmaemu_regs_free(r);
    }
    dmaemu_close(c);
    return rc;
}
