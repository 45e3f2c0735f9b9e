/* cli.h: shared pieces of the dmaemu command-line tool. */
#ifndef DMAEMU_CLI_H
#define DMAEMU_CLI_H

#include <jansson.h>

#include "dmaemu.h"
#include "units.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

struct cli {
    const char *daemon;     /* --daemon or DMAEMU_DAEMON; NULL: the local socket */
    const char *token_file; /* --token-file or DMAEMU_TOKEN_FILE */
};

/* Connects with the given role; on failure prints why and returns CLI_FAILED. */
int cli_connect(const struct cli *cli, enum dmaemu_role role, dmaemu_t **out);

int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv holds -h/--help; prints usage to stdout. */
int cli_wants_help(int argc, char **argv, const char *usage);
/* "STATUS_SUCCESS", or the code in hex when it has no name here. */
const char *cli_status_text(int32_t status, char *buf, size_t cap);
/* Prints a JSON value to stdout (and frees it). */
int cli_print_json(json_t *v);

int cmd_devices(const struct cli *cli, int argc, char **argv);
int cmd_regs(const struct cli *cli, int argc, char **argv);
int cmd_mmio(const struct cli *cli, int argc, char **argv);
int cmd_io(const struct cli *cli, int argc, char **argv);
int cmd_history(const struct cli *cli, int argc, char **argv);
int cmd_show(const struct cli *cli, int argc, char **argv);
int cmd_stats(const struct cli *cli, int argc, char **argv);

#endif
