/*
 * cmd_io.c: dmaemu io write|read|ioctl|stress: application I/O through the device's driver.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io_stress.h"
#include "pattern.h"

static const char usage[] =
    "dmaemu io write DEV --size N [--pattern P] [--offset O]\n"
    "       dmaemu io read DEV --size N [--verify P] [--offset O] [--hex]\n"
    "       dmaemu io ioctl DEV CODE [--in HEX] [--out N]\n"
    "       dmaemu io stress DEV --threads T --duration D [--size N] [--span N]\n"
    "  Sends requests to DEV's driver. N and O take K/M/G; D takes ms/s (e.g. 10s).\n"
    "  Patterns: counter (default), zero, 0xNN, random, random:SEED; each byte depends on\n"
    "  its device offset, so a read verifies what a write at the same offset stored.\n"
    "  stress: T threads each write and read back their own slice of the first --span bytes\n"
    "  (default 128K), verifying every read, and print rates and latencies.";

struct io_opts {
    uint64_t size, offset, out_len, threads, duration_ns, span;
    struct pattern pattern;
    bool verify, hex;
    const char *in_hex;
};

static int io_parse_opts(int argc, char **argv, struct io_opts *o)
{
    static const struct option opts[] = {
        {"size", required_argument, NULL, 's'},
        {"pattern", required_argument, NULL, 'p'},
        {"verify", required_argument, NULL, 'v'},
        {"offset", required_argument, NULL, 'o'},
        {"hex", no_argument, NULL, 'x'},
        {"in", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'O'},
        {"threads", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'},
        {"span", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    int opt, bad = 0;
    *o = (struct io_opts){.threads = 1, .span = 128u << 10};
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': bad |= parse_size(optarg, &o->size); break;
        case 'o': bad |= parse_size(optarg, &o->offset); break;
        case 'O': bad |= parse_size(optarg, &o->out_len); break;
        case 'S': bad |= parse_size(optarg, &o->span); break;
        case 't': bad |= parse_u64(optarg, &o->threads); break;
        case 'd': bad |= parse_duration_ns(optarg, &o->duration_ns); break;
        case 'v': o->verify = true; /* fall through */
        case 'p': bad |= pattern_parse(optarg, &o->pattern); break;
        case 'x': o->hex = true; break;
        case 'i': o->in_hex = optarg; break;
        default: return cli_usage(usage, "unknown option");
        }
        if (bad)
            return cli_usage(usage, "bad value '%s'", optarg);
    }
    return CLI_OK;
}

static void print_result(const char *what, const struct dmaemu_io_result *r)
{
    char st[48];
    printf("%s: request %llu, %s, information %llu\n", what, (unsigned long long)r->number,
           cli_status_text(r->status, st, sizeof(st)), (unsigned long long)r->information);
}

static void hexdump(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x%s", p[i], (i % 16 == 15 || i + 1 == n) ? "\n" : " ");
}

/* NTSTATUS success and warning codes (severity 0..2) are not failures of the request. */
static int io_exit_code(const struct dmaemu_io_result *r)
{
    return (uint32_t)r->status >> 30 == 3 ? CLI_FAILED : CLI_OK;
}

static int io_write(dmaemu_file_t *f, const struct io_opts *o)
{
    uint8_t *buf = malloc(o->size ? o->size : 1);
    if (buf == NULL)
        return cli_fail("cannot allocate %llu bytes", (unsigned long long)o->size);
    pattern_fill(&o->pattern, buf, o->size, o->offset);
    struct dmaemu_io_result r;
    int rc = dmaemu_write(f, o->offset, buf, o->size, &r);
    free(buf);
    if (rc < 0)
        return cli_fail("write: %s", dmaemu_last_error());
    print_result("write", &r);
    return io_exit_code(&r);
}

static int io_read(dmaemu_file_t *f, const struct io_opts *o)
{
    uint8_t *buf = malloc(o->size ? o->size : 1);
    if (buf == NULL)
        return cli_fail("cannot allocate %llu bytes", (unsigned long long)o->size);
    struct dmaemu_io_result r;
    int rc = dmaemu_read(f, o->offset, buf, o->size, &r);
    if (rc < 0) {
        free(buf);
        return cli_fail("read: %s", dmaemu_last_error());
    }
    print_result("read", &r);
    rc = io_exit_code(&r);
    if (o->hex)
        hexdump(buf, r.data_len);
    if (rc == CLI_OK && o->verify) {
        size_t bad = pattern_check(&o->pattern, buf, r.data_len, o->offset);
        if (r.data_len != o->size)
            rc = cli_fail("verify: got %zu of %llu bytes", r.data_len, (unsigned long long)o->size);
        else if (bad < r.data_len)
            rc = cli_fail("verify: byte %llu is 0x%02x, the pattern says otherwise",
                          (unsigned long long)(o->offset + bad), buf[bad]);
        else
            printf("verified %zu bytes\n", r.data_len);
    }
    free(buf);
    return rc;
}

/* "0a1B..." (spaces allowed) into bytes; -1 on an odd digit count or a non-hex character. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == ':')
            continue;
        int v = (*s >= '0' && *s <= '9')   ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                           : -1;
        if (v < 0 || (half < 0 && n == cap))
            return -1;
        if (half < 0) {
            half = v;
        } else {
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    return half < 0 ? (long)n : -1;
}

static int io_ioctl(dmaemu_file_t *f, const char *code_text, const struct io_opts *o)
{
    uint64_t code;
    uint8_t in[4096];
    long in_len = 0;
    if (parse_u64(code_text, &code) < 0 || code > UINT32_MAX)
        return cli_usage(usage, "CODE is a 32-bit number, e.g. 0x222004");
    if (o->in_hex != NULL && (in_len = parse_hex(o->in_hex, in, sizeof(in))) < 0)
        return cli_usage(usage, "--in takes up to 4096 bytes as hex digits");
    uint8_t *out = malloc(o->out_len ? o->out_len : 1);
    if (out == NULL)
        return cli_fail("cannot allocate %llu bytes", (unsigned long long)o->out_len);
    struct dmaemu_io_result r;
    int rc = dmaemu_ioctl(f, (uint32_t)code, in, (size_t)in_len, out, o->out_len, &r);
    if (rc < 0) {
        free(out);
        return cli_fail("ioctl: %s", dmaemu_last_error());
    }
    print_result("ioctl", &r);
    hexdump(out, r.data_len);
    free(out);
    return io_exit_code(&r);
}

static int io_run(const struct cli *cli, const char *verb, int npos, char **pos,
                  const struct io_opts *o)
{
    if (strcmp(verb, "stress") == 0)
        return io_stress(cli, pos[0], o->threads, o->duration_ns, o->size, o->span);
    dmaemu_t *c;
    dmaemu_file_t *f;
    if (cli_connect(cli, DMAEMU_ROLE_APP, &c) != CLI_OK)
        return CLI_FAILED;
    int rc;
    if (dmaemu_open(c, pos[0], &f) < 0) {
        rc = cli_fail("%s", dmaemu_last_error());
    } else {
        if (strcmp(verb, "write") == 0)
            rc = io_write(f, o);
        else if (strcmp(verb, "read") == 0)
            rc = io_read(f, o);
        else
            rc = io_ioctl(f, pos[1], o);
        dmaemu_file_close(f);
    }
    dmaemu_close(c);
    return rc;
}

int cmd_io(const struct cli *cli, int argc, char **argv)
{
    struct io_opts o;
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    int rc = io_parse_opts(argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    int npos = argc - optind;
    char **pos = argv + optind;
    if (npos < 2)
        return cli_usage(usage, "say write, read, ioctl or stress, and the device");
    const char *verb = pos[0];
    bool ioctl = strcmp(verb, "ioctl") == 0;
    if (strcmp(verb, "write") && strcmp(verb, "read") && strcmp(verb, "stress") && !ioctl)
        return cli_usage(usage, "unknown io command '%s'", verb);
    if (npos != (ioctl ? 3 : 2))
        return cli_usage(usage, ioctl ? "ioctl takes DEV CODE" : "%s takes one DEV", verb);
    if (!ioctl && strcmp(verb, "stress") != 0 && o.size == 0 && strcmp(verb, "write") != 0)
        return cli_usage(usage, "read needs --size N");
    if (strcmp(verb, "stress") == 0 && (o.duration_ns == 0 || o.threads == 0 || o.threads > 256))
        return cli_usage(usage, "stress needs --duration D and 1..256 --threads");
    return io_run(cli, verb, npos - 1, pos + 1, &o);
}
