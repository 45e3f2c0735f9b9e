/*
 * config.h: dmaemud's configuration, from an INI file, the command line and built-in defaults.
 *
 *   [daemon]                        [device plx0]
 *   socket = /run/dmaemu/d.sock     model = plx9656
 *   listen = tcp://0.0.0.0:7681     sram_size = 1M
 *   token_file = /etc/dmaemu/token  ...model-specific keys, validated by the model
 *   http = 127.0.0.1:7680           (or off; other than loopback needs token_file)
 *   web = /usr/share/dmaemu/web     (the dashboard's files, or off)
 *   log_level = info
 *
 * Without any [device] section the daemon emulates two plx9656 devices, plx0 and plx1.
 */
#ifndef DMAEMU_CONFIG_H
#define DMAEMU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct config_kv {
    char *key;
    char *value;
    int line;
    bool used;
};

struct device_config {
    char *name;
    char *model;
    int line;
    struct config_kv *kv;
    size_t nkv;
};

struct config {
    char *source; /* the file, or "built-in defaults" */
    char *socket_path;
    char *listen; /* tcp://HOST:PORT, or NULL for no TCP listener */
    char *token_file;
    char *http; /* HOST:PORT of the HTTP API, "off", or NULL for the default (http.h) */
    char *web;  /* the dashboard's files, "off", or NULL for the built one (http_web_root) */
    char *db;   /* history database, "off" for none, NULL for the default path */
    uint64_t retention_age_ns; /* 0: keep everything */
    uint64_t retention_bytes;  /* 0: unbounded */
    enum log_level log_level;
    struct device_config *devices;
    size_t ndevices;
};

void config_init(struct config *c);
void config_free(struct config *c);

/* Reads an INI file. On error returns -1 with "FILE:LINE: key 'K': what is wrong" in err. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);

/* Adds the built-in devices when the configuration names none. */
void config_add_default_devices(struct config *c);

/* Replaces *slot with a copy of value. */
void config_set(char **slot, const char *value);

/* Splits "tcp://HOST:PORT" (HOST may be [v6]); -1 with a reason in err when malformed. */
int config_parse_tcp_uri(const char *uri, char *host, size_t hostcap, int *port, char *err,
                         size_t errlen);

#endif
