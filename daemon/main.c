/* main.c: dmaemud's command line, start-up and orderly shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "device.h"
#include "dma.h"
#include "history.h"
#include "http/http.h"
#include "log.h"
#include "server.h"

#define EXIT_USAGE 2

struct daemon {
    uv_loop_t loop;
    struct config cfg;
    struct server server;
    struct http_listen http;
    uv_signal_t sigterm, sigint;
    int ready_fd;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: dmaemud [options]\n"
            "Emulates bus-master DMA PCI devices for driver processes (see README.md).\n"
            "\n"
            "  --config FILE        INI configuration ([daemon], [device NAME] sections);\n"
            "                       without one: two plx9656 devices, plx0 and plx1\n"
            "  --socket PATH        local socket (default %s)\n"
            "  --listen tcp://HOST:PORT\n"
            "                       also accept TCP clients (needs --token-file)\n"
            "  --token-file PATH    shared secret TCP clients must present\n"
            "  --http HOST:PORT|off HTTP JSON API and live events (default %s while\n"
            "                       recording history); any address but loopback needs\n"
            "                       --token-file, sent as 'Authorization: Bearer TOKEN'\n"
            "  --web DIR|off        the web dashboard's files, served at / on the HTTP\n"
            "                       address (default: the built web/dist)\n"
            "  --db PATH|off        history database (default\n"
            "                       $XDG_STATE_HOME/dmaemu/history.db); off: record nothing\n"
            "  --log-level LEVEL    debug, info, warn or error (default info)\n"
            "  --ready-fd N         once listening, write the addresses and 'ready' to fd N\n"
            "  --help, --version\n",
            "$XDG_RUNTIME_DIR/dmaemu/dmaemud.sock", HTTP_DEFAULT_ADDRESS);
}

static const char *default_socket_path(void)
{
    static char path[256];
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt != NULL && rt[0] == '/')
        snprintf(path, sizeof(path), "%s/dmaemu/dmaemud.sock", rt);
    else
        snprintf(path, sizeof(path), "/run/dmaemu/dmaemud.sock");
    return path;
}

enum {
    OPT_CONFIG = 256,
    OPT_SOCKET,
    OPT_LISTEN,
    OPT_TOKEN,
    OPT_HTTP,
    OPT_WEB,
    OPT_DB,
    OPT_LOG,
    OPT_READY,
    OPT_HELP,
    OPT_VERSION
};

/* Command-line values override the config file's: the file is read first. */
static int parse_args(struct daemon *d, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"token-file", required_argument, NULL, OPT_TOKEN},
        {"http", required_argument, NULL, OPT_HTTP},
        {"web", required_argument, NULL, OPT_WEB},
        {"db", required_argument, NULL, OPT_DB},
        {"log-level", required_argument, NULL, OPT_LOG},
        {"ready-fd", required_argument, NULL, OPT_READY},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    char err[600];
    int opt;
    const char *config_path = NULL;
    struct config cli;
    config_init(&cli);
    int log_set = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CONFIG: config_path = optarg; break;
        case OPT_SOCKET: config_set(&cli.socket_path, optarg); break;
        case OPT_LISTEN: config_set(&cli.listen, optarg); break;
        case OPT_TOKEN: config_set(&cli.token_file, optarg); break;
        case OPT_HTTP: config_set(&cli.http, optarg); break;
        case OPT_WEB: config_set(&cli.web, optarg); break;
        case OPT_DB: config_set(&cli.db, optarg); break;
        case OPT_LOG:
            if (log_parse_level(optarg, &cli.log_level) < 0) {
                fprintf(stderr, "dmaemud: --log-level %s: use debug, info, warn or error\n",
                        optarg);
                return -1;
            }
            log_set = 1;
            break;
        case OPT_READY: d->ready_fd = atoi(optarg); break;
        case OPT_HELP: usage(stdout); exit(0);
        case OPT_VERSION: printf("dmaemud %s (protocol %d)\n", DMAEMU_VERSION, 1); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dmaemud: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (config_path != NULL && config_load_file(&d->cfg, config_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "dmaemud: %s\n", err);
        config_free(&cli);
        return -1;
    }
    if (d->cfg.source == NULL)
        config_set(&d->cfg.source, "built-in defaults");
#define OVERRIDE(field)                                                                            \
    if (cli.field != NULL)                                                                         \
    config_set(&d->cfg.field, cli.field)
    OVERRIDE(socket_path);
    OVERRIDE(listen);
    OVERRIDE(token_file);
    OVERRIDE(http);
    OVERRIDE(web);
    OVERRIDE(db);
#undef OVERRIDE
    if (log_set)
        d->cfg.log_level = cli.log_level;
    if (d->cfg.socket_path == NULL)
        config_set(&d->cfg.socket_path, default_socket_path());
    config_free(&cli);
    config_add_default_devices(&d->cfg);
    return 0;
}

/* The default database lives with the user's state, like run.sh's token. */
static const char *default_db_path(void)
{
    static char path[512];
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[448];
    if (state != NULL && state[0] == '/')
        snprintf(dir, sizeof(dir), "%s/dmaemu", state);
    else
        snprintf(dir, sizeof(dir), "%s/.local/state/dmaemu", home ? home : "/tmp");
    char parent[448];
    snprintf(parent, sizeof(parent), "%s", dir);
    for (char *p = parent + 1; *p; p++) { /* mkdir -p */
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0700);
            *p = '/';
        }
    }
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/history.db", dir);
    return path;
}

static int start_history(struct daemon *d, char *err, size_t errlen)
{
    if (d->cfg.db != NULL && strcmp(d->cfg.db, "off") == 0)
        return 0;
    struct history_options o = {
        .path = d->cfg.db ? d->cfg.db : default_db_path(),
        .max_age_s = d->cfg.retention_age_ns / 1000000000u,
        .max_bytes = d->cfg.retention_bytes,
    };
    if (history_start(&o, err, errlen) == 0)
        return 0;
    size_t n = strlen(err);
    snprintf(err + n, errlen - n, " (choose another with --db PATH, or --db off)");
    return -1;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;
    log_info("%s: shutting down", strsignal(signum));
    http_stop();
    server_stop(&d->server);
    uv_signal_stop(&d->sigterm);
    uv_signal_stop(&d->sigint);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    dma_shutdown();
}

static void report_ready(struct daemon *d)
{
    log_info("dmaemud %s: %zu device(s) from %s", DMAEMU_VERSION, device_count(), d->cfg.source);
    for (size_t i = 0; i < device_count(); i++)
        log_info("  %s: %s", device_at(i)->name, device_at(i)->model->name);
    log_info("listening on unix:%s", d->server.unix_path);
    if (d->server.tcp_uri[0])
        log_info("listening on %s (token required)", d->server.tcp_uri);
    if (history_path() != NULL)
        log_info("recording history in %s", history_path());
    if (http_uri() != NULL)
        log_info("serving the HTTP API on %s%s", http_uri(),
                 d->http.loopback ? "" : " (token required)");
    if (d->ready_fd <= 0)
        return;
    FILE *f = fdopen(d->ready_fd, "w");
    if (f == NULL)
        return;
    fprintf(f, "unix:%s\n", d->server.unix_path);
    if (d->server.tcp_uri[0])
        fprintf(f, "%s\n", d->server.tcp_uri);
    if (http_uri() != NULL)
        fprintf(f, "%s\n", http_uri());
    fprintf(f, "ready\n");
    fclose(f);
}

/* An address the user gave must be served; the default is a convenience that may be taken. */
static int start_http(struct daemon *d, char *err, size_t errlen)
{
    if (http_start(&d->loop, &d->server, &d->http, err, errlen) == 0)
        return 0;
    if (d->http.configured)
        return -1;
    log_warn("%s; the HTTP API is not served (choose an address with --http HOST:PORT)", err);
    return 0;
}

static void close_any_handle(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int main(int argc, char **argv)
{
    static struct daemon d;
    char err[600];

    signal(SIGPIPE, SIG_IGN);
    config_init(&d.cfg);
    if (parse_args(&d, argc, argv) < 0)
        return EXIT_USAGE;
    log_set_level(d.cfg.log_level);
    bool recording = d.cfg.db == NULL || strcmp(d.cfg.db, "off") != 0;
    if (http_resolve(d.cfg.http, recording, d.cfg.token_file != NULL, &d.http, err, sizeof(err)) <
        0) {
        fprintf(stderr, "dmaemud: %s\n", err);
        return EXIT_USAGE;
    }
    d.http.web_root = http_web_root(d.cfg.web);
    if (d.cfg.web != NULL && d.http.web_root != NULL && access(d.http.web_root, R_OK) < 0) {
        fprintf(stderr, "dmaemud: --web %s: %s (a built dashboard is build/web/dist)\n", d.cfg.web,
                strerror(errno));
        return EXIT_USAGE;
    }
    recorder_add_sink(recorder_log_sink, NULL);
    uv_loop_init(&d.loop);
    dma_init(&d.loop);
    if (devices_create(&d.loop, &d.cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "dmaemud: %s\n", err);
        return EXIT_USAGE;
    }
    if (start_history(&d, err, sizeof(err)) < 0) {
        fprintf(stderr, "dmaemud: %s\n", err);
        return 1;
    }
    if (server_start(&d.server, &d.loop, &d.cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "dmaemud: %s\n", err);
        return 1;
    }
    if (start_http(&d, err, sizeof(err)) < 0) {
        fprintf(stderr, "dmaemud: %s (choose another with --http HOST:PORT, or --http off)\n", err);
        server_stop(&d.server);
        history_stop();
        return 1;
    }
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    report_ready(&d);

    uv_run(&d.loop, UV_RUN_DEFAULT);

    http_dispose(); /* before the walk below: libh2o closes its own handles */
    devices_destroy();
    history_stop(); /* everything recorded so far is committed */
    uv_walk(&d.loop, close_any_handle, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    uv_loop_close(&d.loop);
    config_free(&d.cfg);
    log_info("stopped");
    return 0;
}
