/*
 * cmd_history.c: dmaemu history | show | stats: what happened, from the daemon's database over
 * its connection, or offline from a database file (--db PATH).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "history.h"

static const char history_usage[] =
    "dmaemu history [--device D] [--session S] [--type read|write|ioctl] [--status ok|error]\n"
    "               [--since T] [--until T] [--min-size N] [--limit N] [--cursor ID] [--json]\n"
    "               [--db PATH]\n"
    "  Times: ISO 8601 (2026-11-21T10:00:00Z, 2026-11-21 10:00) or relative (30s, 10m, 2h, 1d).\n"
    "  --db reads a history database file directly, without a daemon.";
static const char show_usage[] = "dmaemu show ID [--json] [--db PATH]\n"
                                 "  One request (ID from 'dmaemu history') as a timeline.";
static const char stats_usage[] = "dmaemu stats [--device D] [--since T] [--until T] [--json] "
                                  "[--db PATH]";

struct history_args {
    const char *db;
    bool json;
    json_t *params;
};

/* Options common to the three commands; filters go into a JSON object as the query takes it. */
static int history_parse(int argc, char **argv, const char *usage, struct history_args *a)
{
    static const struct option opts[] = {
        {"device", required_argument, NULL, 'd'},   {"session", required_argument, NULL, 'S'},
        {"type", required_argument, NULL, 't'},     {"status", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'a'},    {"until", required_argument, NULL, 'b'},
        {"min-size", required_argument, NULL, 'm'}, {"limit", required_argument, NULL, 'l'},
        {"cursor", required_argument, NULL, 'c'},   {"json", no_argument, NULL, 'j'},
        {"db", required_argument, NULL, 'D'},       {NULL, 0, NULL, 0},
    };
    static const char *const keys[128] = {
        ['d'] = "device", ['S'] = "session",  ['t'] = "type",  ['s'] = "status", ['a'] = "since",
        ['b'] = "until",  ['m'] = "min_size", ['l'] = "limit", ['c'] = "cursor"};
    int opt;
    a->params = json_object();
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'j')
            a->json = true;
        else if (opt == 'D')
            a->db = optarg;
        else if (opt > 0 && opt < 128 && keys[opt] != NULL)
            json_object_set_new(a->params, keys[opt], json_string(optarg));
        else
            return cli_usage(usage, "unknown option");
    }
    return CLI_OK;
}

/* Runs the query offline or through the daemon; CLI_USAGE when a parameter was wrong. */
static int history_run(const struct cli *cli, const struct history_args *a, const char *kind,
                       json_t **answer)
{
    char err[512] = "";
    char *params = json_dumps(a->params, JSON_COMPACT);
    int rc = CLI_OK;
    if (a->db != NULL) {
        sqlite3 *db;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (history_db_open(a->db, true, &db, err, sizeof(err)) < 0) {
            free(params);
            return cli_fail("%s", err);
        }
        *answer = history_query(db, kind, a->params, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
                                NULL, err, sizeof(err));
        sqlite3_close(db);
    } else {
        dmaemu_t *c;
        char *text = NULL;
        if (cli_connect(cli, DMAEMU_ROLE_MONITOR, &c) != CLI_OK) {
            free(params);
            return CLI_FAILED;
        }
        if (dmaemu_history_query(c, kind, params, &text) < 0)
            snprintf(err, sizeof(err), "%s", dmaemu_last_error());
        *answer = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        dmaemu_close(c);
    }
    free(params);
    if (*answer == NULL) {
        fprintf(stderr, "dmaemu: %s\n", err);
        rc = strncmp(err, "parameter '", 11) == 0 ? CLI_USAGE : CLI_FAILED;
    }
    return rc;
}

/* Output ---------------------------------------------------------------------------------- */

static void print_time(int64_t ns)
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    char buf[32];
    localtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    printf("%s.%06lld", buf, (long long)(ns % 1000000000) / 1000);
}

static const char *status_of(json_t *row, char *buf, size_t cap)
{
    json_t *st = json_object_get(row, "status");
    if (json_is_null(st) || st == NULL)
        return "pending";
    return cli_status_text((int32_t)json_integer_value(st), buf, cap);
}

static void print_requests(json_t *answer)
{
    json_t *rows = json_object_get(answer, "requests");
    size_t i;
    json_t *r;
    printf("%-7s %-8s %-6s %-10s %-30s %-10s %-10s %s\n", "ID", "DEVICE", "TYPE", "LENGTH",
           "STATUS", "INFO", "LATENCY", "SUBMITTED");
    json_array_foreach(rows, i, r)
    {
        char st[48], lat[24] = "-";
        json_t *l = json_object_get(r, "latency_ns");
        if (json_is_integer(l))
            snprintf(lat, sizeof(lat), "%.3f ms", (double)json_integer_value(l) / 1e6);
        printf("%-7lld %-8s %-6s %-10lld %-30s %-10lld %-10s ",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "device")),
               json_string_value(json_object_get(r, "type")),
               (long long)json_integer_value(json_object_get(r, "length")),
               status_of(r, st, sizeof(st)),
               (long long)json_integer_value(json_object_get(r, "information")), lat);
        print_time(json_integer_value(json_object_get(r, "submitted_ns")));
        printf("\n");
    }
    json_t *next = json_object_get(answer, "next");
    if (json_is_integer(next))
        printf("(more: --cursor %lld)\n", (long long)json_integer_value(next));
}

static double rel_ms(json_t *row, const char *key, int64_t t0)
{
    return (double)(json_integer_value(json_object_get(row, key)) - t0) / 1e6;
}

static void print_transfer(json_t *x, int64_t t0)
{
    printf("    transfer %lld: %lld bytes at +%.3f ms, SG",
           (long long)json_integer_value(json_object_get(x, "seq")),
           (long long)json_integer_value(json_object_get(x, "length")),
           rel_ms(x, "programmed_ns", t0));
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(x, "sg"), k, e)
        printf(" 0x%llx+%lld", (unsigned long long)json_integer_value(json_array_get(e, 0)),
               (long long)json_integer_value(json_array_get(e, 1)));
    printf("\n");
    json_array_foreach(json_object_get(x, "dma_ops"), k, e) printf(
        "      dma ch%lld %s bus 0x%llx local 0x%llx %lld bytes +%.3f ms %s\n",
        (long long)json_integer_value(json_object_get(e, "channel")),
        json_integer_value(json_object_get(e, "to_host")) ? "to-host" : "from-host",
        (unsigned long long)json_integer_value(json_object_get(e, "bus_addr")),
        (unsigned long long)json_integer_value(json_object_get(e, "local_addr")),
        (long long)json_integer_value(json_object_get(e, "length")), rel_ms(e, "start_ns", t0),
        json_integer_value(json_object_get(e, "result")) ? "FAULT" : "ok");
}

static void print_show(json_t *r)
{
    char st[48];
    int64_t t0 = json_integer_value(json_object_get(r, "submitted_ns"));
    printf("request %lld (number %lld) on %s: %s of %lld bytes at offset %lld\n",
           (long long)json_integer_value(json_object_get(r, "id")),
           (long long)json_integer_value(json_object_get(r, "number")),
           json_string_value(json_object_get(r, "device")),
           json_string_value(json_object_get(r, "type")),
           (long long)json_integer_value(json_object_get(r, "length")),
           (long long)json_integer_value(json_object_get(r, "offset")));
    printf("  submitted ");
    print_time(t0);
    printf(", completed +%.3f ms: %s, information %lld\n", rel_ms(r, "completed_ns", t0),
           status_of(r, st, sizeof(st)),
           (long long)json_integer_value(json_object_get(r, "information")));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(r, "transactions"), i, t)
    {
        const char *profile = json_string_value(json_object_get(t, "profile"));
        printf("  transaction %lld (%s, %s, %lld bytes, %lld transfers): %s\n",
               (long long)json_integer_value(json_object_get(t, "txn_no")),
               profile ? profile : "profile unknown",
               json_string_value(json_object_get(t, "direction")),
               (long long)json_integer_value(json_object_get(t, "length")),
               (long long)json_integer_value(json_object_get(t, "transfer_count")),
               status_of(t, st, sizeof(st)));
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(t, "transfers"), k, x) print_transfer(x, t0);
    }
    json_array_foreach(json_object_get(r, "interrupts"), i, t)
        printf("  interrupt %s at +%.3f ms\n", json_string_value(json_object_get(t, "kind")),
               rel_ms(t, "time_ns", t0));
}

static void print_stats(json_t *answer)
{
    size_t i;
    json_t *d;
    printf("%-8s %-9s %-7s %-7s %-7s %-7s %-12s %-10s %-10s %s\n", "DEVICE", "REQUESTS", "READS",
           "WRITES", "IOCTLS", "ERRORS", "MB", "MB/s", "p50 ms", "p99 ms");
    json_array_foreach(json_object_get(answer, "devices"), i, d)
    {
        json_t *lat = json_object_get(d, "latency");
        printf("%-8s %-9lld %-7lld %-7lld %-7lld %-7lld %-12.3f %-10.3f %-10.3f %.3f\n",
               json_string_value(json_object_get(d, "device")),
               (long long)json_integer_value(json_object_get(d, "requests")),
               (long long)json_integer_value(json_object_get(d, "reads")),
               (long long)json_integer_value(json_object_get(d, "writes")),
               (long long)json_integer_value(json_object_get(d, "ioctls")),
               (long long)json_integer_value(json_object_get(d, "errors")),
               (double)json_integer_value(json_object_get(d, "bytes")) / 1e6,
               json_real_value(json_object_get(d, "throughput_bytes_per_s")) / 1e6,
               (double)json_integer_value(json_object_get(lat, "p50_ns")) / 1e6,
               (double)json_integer_value(json_object_get(lat, "p99_ns")) / 1e6);
    }
}

/* Commands ---------------------------------------------------------------------------------- */

static int history_command(const struct cli *cli, int argc, char **argv, const char *usage,
                           const char *kind, void (*print)(json_t *))
{
    struct history_args a = {0};
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    int rc = history_parse(argc, argv, usage, &a);
    if (rc == CLI_OK && strcmp(kind, "show") == 0) {
        uint64_t id;
        if (argc - optind != 1 || parse_u64(argv[optind], &id) < 0)
            rc = cli_usage(usage, "name one request ID (a number from 'dmaemu history')");
        else
            json_object_set_new(a.params, "id", json_integer((json_int_t)id));
    } else if (rc == CLI_OK && optind != argc) {
        rc = cli_usage(usage, "unexpected argument '%s'", argv[optind]);
    }
    json_t *answer = NULL;
    if (rc == CLI_OK)
        rc = history_run(cli, &a, kind, &answer);
    if (rc == CLI_OK && a.json)
        rc = cli_print_json(json_incref(answer));
    else if (rc == CLI_OK)
        print(answer);
    json_decref(answer);
    json_decref(a.params);
    return rc;
}

int cmd_history(const struct cli *cli, int argc, char **argv)
{
    return history_command(cli, argc, argv, history_usage, "requests", print_requests);
}

int cmd_show(const struct cli *cli, int argc, char **argv)
{
    return history_command(cli, argc, argv, show_usage, "show", print_show);
}

int cmd_stats(const struct cli *cli, int argc, char **argv)
{
    return history_command(cli, argc, argv, stats_usage, "stats", print_stats);
}
