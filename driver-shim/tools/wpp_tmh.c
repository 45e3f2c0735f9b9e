/*
 * wpp_tmh: generates a WPP .tmh file for the driver shim, in place of Windows' tracewpp.
 *
 *   wpp_tmh --header trace.h --source Driver.c --output Driver.tmh
 *           [--func 'TraceEvents(LEVEL,FLAGS,MSG,...)']...
 *
 * The trace functions are the FUNC lines of the header's begin_wpp config block plus every
 * --func (a --func replaces a FUNC of the same name); with neither, TraceEvents(LEVEL, FLAGS,
 * MSG, ...), the KMDF templates' default. The output is written to a temporary file and
 * renamed, so a failed run never leaves a half-written .tmh behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wpp_tmh.h"

#define DEFAULT_FUNC "TraceEvents(LEVEL, FLAGS, MSG, ...)"

struct options {
    const char *header;
    const char *source;
    const char *output;
    const char *funcs[WPP_MAX_FUNCS];
    unsigned func_count;
};

static void usage(FILE *to)
{
    fprintf(to, "usage: wpp_tmh --header TRACE_H --source SOURCE --output TMH\n"
                "               [--func 'Name(LEVEL,FLAGS,MSG,...)']...\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i += 2) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (val == NULL)
            return -1;
        if (strcmp(arg, "--header") == 0)
            o->header = val;
        else if (strcmp(arg, "--source") == 0)
            o->source = val;
        else if (strcmp(arg, "--output") == 0)
            o->output = val;
        else if (strcmp(arg, "--func") == 0 && o->func_count < WPP_MAX_FUNCS)
            o->funcs[o->func_count++] = val;
        else
            return -1;
    }
    return o->header && o->source && o->output ? 0 : -1;
}

/* Reads a whole file; caller frees. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || ferror(f))
            break;
        char *bigger = realloc(buf, cap *= 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
    }
    bool failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int add_funcs(struct wpp_config *cfg, const struct options *o, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->func_count; i++) {
        struct wpp_func f;
        if (wpp_parse_func(o->funcs[i], &f, err, errlen) != 0 ||
            wpp_config_put_func(cfg, &f, err, errlen) != 0)
            return -1;
    }
    if (cfg->func_count > 0)
        return 0;
    struct wpp_func f;
    if (wpp_parse_func(DEFAULT_FUNC, &f, err, errlen) != 0)
        return -1;
    return wpp_config_put_func(cfg, &f, err, errlen);
}

static int write_output(const struct options *o, const struct wpp_config *cfg)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", o->output, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "wpp_tmh: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int rc = wpp_emit_tmh(f, cfg, o->source, o->header);
    if (fclose(f) != 0 || rc != 0 || rename(tmp, o->output) != 0) {
        fprintf(stderr, "wpp_tmh: cannot write %s: %s\n", o->output, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    size_t len = 0;
    char *text = read_file(o.header, &len);
    if (text == NULL) {
        fprintf(stderr, "wpp_tmh: cannot read %s: %s\n", o.header, strerror(errno));
        return 1;
    }
    static struct wpp_config cfg; /* large: not on the stack */
    char err[512];
    int rc = wpp_parse_header(text, len, &cfg, err, sizeof(err));
    free(text);
    if (rc == 0)
        rc = add_funcs(&cfg, &o, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "wpp_tmh: %s: %s\n", o.header, err);
        return 1;
    }
    return write_output(&o, &cfg) == 0 ? 0 : 1;
}
