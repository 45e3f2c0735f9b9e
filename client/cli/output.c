/* output.c: connecting, errors and JSON output for the CLI commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "status_names.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("dmaemu: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAILED;
}

int cli_usage(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fputs("dmaemu: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n", usage);
    return CLI_USAGE;
}

int cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n", usage);
            return 1;
        }
    }
    return 0;
}

int cli_connect(const struct cli *cli, enum dmaemu_role role, dmaemu_t **out)
{
    struct dmaemu_connect_options o = {
        .role = role, .name = "dmaemu", .token_file = cli->token_file};
    int rc = dmaemu_connect(cli->daemon, &o, out);
    if (rc == 0)
        return CLI_OK;
    if (rc == DMAEMU_E_AUTH)
        return cli_fail("%s", dmaemu_last_error());
    return cli_fail("%s", dmaemu_last_error());
}

int cli_print_json(json_t *v)
{
    if (v == NULL)
        return cli_fail("out of memory building JSON");
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(v);
    return CLI_OK;
}

const char *cli_status_text(int32_t status, char *buf, size_t cap)
{
    const char *name = ntstatus_name(status);
    if (name != NULL)
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "0x%08X", (unsigned)status);
    return buf;
}
