/* config.c: INI parsing (inih) and validation of the [daemon] section and device sections. */
#include "config.h"

#include "units.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEVICE_SECTION_PREFIX "device "

struct config_parse {
    struct config *c;
    FILE *file;
    int line; /* inih reads one line per reader call; counting calls gives each key its line */
    int section_line; /* where the current [section] header stands */
    char err[512];
};

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->log_level = LOG_INFO;
}

static void device_config_free(struct device_config *d)
{
    for (size_t i = 0; i < d->nkv; i++) {
        free(d->kv[i].key);
        free(d->kv[i].value);
    }
    free(d->kv);
    free(d->name);
    free(d->model);
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < c->ndevices; i++)
        device_config_free(&c->devices[i]);
    free(c->devices);
    free(c->source);
    free(c->socket_path);
    free(c->listen);
    free(c->token_file);
    free(c->http);
    free(c->web);
    free(c->db);
    config_init(c);
}

void config_set(char **slot, const char *value)
{
    char *copy = value != NULL ? strdup(value) : NULL;
    if (value != NULL && copy == NULL) {
        fprintf(stderr, "dmaemud: out of memory\n");
        exit(1);
    }
    free(*slot);
    *slot = copy;
}

static char *config_line_reader(char *buf, int size, void *arg)
{
    struct config_parse *p = arg;
    char *line = fgets(buf, size, p->file);
    if (line != NULL) {
        p->line++;
        if (line[strspn(line, " \t")] == '[')
            p->section_line = p->line;
    }
    return line;
}

static int config_fail(struct config_parse *p, const char *key, const char *msg)
{
    snprintf(p->err, sizeof(p->err), "%s:%d: key '%s': %s", p->c->source, p->line, key, msg);
    return 0;
}

static int config_daemon_key(struct config_parse *p, const char *key, const char *value)
{
    struct config *c = p->c;
    if (strcmp(key, "socket") == 0)
        config_set(&c->socket_path, value);
    else if (strcmp(key, "listen") == 0)
        config_set(&c->listen, value);
    else if (strcmp(key, "token_file") == 0)
        config_set(&c->token_file, value);
    else if (strcmp(key, "http") == 0)
        config_set(&c->http, value);
    else if (strcmp(key, "web") == 0)
        config_set(&c->web, value);
    else if (strcmp(key, "db") == 0)
        config_set(&c->db, value);
    else if (strcmp(key, "retention_age") == 0) {
        if (parse_duration_ns(value, &c->retention_age_ns) < 0)
            return config_fail(p, key, "expected a duration such as 7d, 12h or 0 (keep all)");
    } else if (strcmp(key, "retention_size") == 0) {
        if (parse_size(value, &c->retention_bytes) < 0)
            return config_fail(p, key, "expected a size such as 2G or 0 (unbounded)");
    } else if (strcmp(key, "log_level") == 0) {
        if (log_parse_level(value, &c->log_level) < 0)
            return config_fail(p, key, "expected debug, info, warn or error");
    } else
        return config_fail(p, key,
                           "unknown key in [daemon] (known: socket, listen, token_file, "
                           "http, web, db, retention_age, retention_size, log_level)");
    return 1;
}

static bool device_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= 64)
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static struct device_config *config_device(struct config_parse *p, const char *name)
{
    struct config *c = p->c;
    for (size_t i = 0; i < c->ndevices; i++)
        if (strcmp(c->devices[i].name, name) == 0)
            return &c->devices[i];
    struct device_config *d = realloc(c->devices, (c->ndevices + 1) * sizeof(*d));
    if (d == NULL)
        return NULL;
    c->devices = d;
    d = &c->devices[c->ndevices++];
    memset(d, 0, sizeof(*d));
    config_set(&d->name, name);
    d->line = p->section_line;
    return d;
}

static int config_device_key(struct config_parse *p, const char *name, const char *key,
                             const char *value)
{
    if (!device_name_valid(name))
        return config_fail(p, key,
                           "device names are 1-63 letters, digits, '_' or '-' "
                           "(section [device NAME])");
    struct device_config *d = config_device(p, name);
    if (d == NULL)
        return config_fail(p, key, "out of memory");
    if (strcmp(key, "model") == 0) {
        config_set(&d->model, value);
        return 1;
    }
    for (size_t i = 0; i < d->nkv; i++)
        if (strcmp(d->kv[i].key, key) == 0)
            return config_fail(p, key, "given twice in this section");
    struct config_kv *kv = realloc(d->kv, (d->nkv + 1) * sizeof(*kv));
    if (kv == NULL)
        return config_fail(p, key, "out of memory");
    d->kv = kv;
    kv = &d->kv[d->nkv++];
    memset(kv, 0, sizeof(*kv));
    config_set(&kv->key, key);
    config_set(&kv->value, value);
    kv->line = p->line;
    return 1;
}

static int config_handler(void *arg, const char *section, const char *key, const char *value)
{
    struct config_parse *p = arg;
    if (key == NULL) /* a section header on its own: inih reports it with
                        INI_CALL_HANDLER_ON_NEW_SECTION */
        return 1;
    if (strcmp(section, "daemon") == 0)
        return config_daemon_key(p, key, value);
    if (strncmp(section, DEVICE_SECTION_PREFIX, strlen(DEVICE_SECTION_PREFIX)) == 0)
        return config_device_key(p, section + strlen(DEVICE_SECTION_PREFIX), key, value);
    if (section[0] == '\0')
        return config_fail(p, key, "key outside any section; put it under [daemon]");
    return config_fail(p, key, "unknown section (use [daemon] or [device NAME])");
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    struct config_parse p = {.c = c};
    config_set(&c->source, path);
    p.file = fopen(path, "r");
    if (p.file == NULL) {
        snprintf(err, errlen, "%s: cannot open config file: %s", path, strerror(errno));
        return -1;
    }
    int rc = ini_parse_stream(config_line_reader, &p, config_handler, &p);
    fclose(p.file);
    if (rc == 0) {
        for (size_t i = 0; i < c->ndevices; i++) {
            if (c->devices[i].model == NULL) {
                snprintf(err, errlen,
                         "%s:%d: key 'model': missing in [device %s] (e.g. model = plx9656)", path,
                         c->devices[i].line, c->devices[i].name);
                return -1;
            }
        }
        return 0;
    }
    if (p.err[0] != '\0')
        snprintf(err, errlen, "%s", p.err);
    else if (rc > 0)
        snprintf(err, errlen, "%s:%d: syntax error (expected [section], key = value or ; comment)",
                 path, rc);
    else
        snprintf(err, errlen, "%s: cannot read config file", path);
    return -1;
}

void config_add_default_devices(struct config *c)
{
    static const char *const names[] = {"plx0", "plx1"};
    if (c->ndevices > 0)
        return;
    c->devices = calloc(2, sizeof(*c->devices));
    if (c->devices == NULL) {
        fprintf(stderr, "dmaemud: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < 2; i++) {
        config_set(&c->devices[i].name, names[i]);
        config_set(&c->devices[i].model, "plx9656");
    }
    c->ndevices = 2;
}

int config_parse_tcp_uri(const char *uri, char *host, size_t hostcap, int *port, char *err,
                         size_t errlen)
{
    const char *prefix = "tcp://";
    if (strncmp(uri, prefix, strlen(prefix)) != 0) {
        snprintf(err, errlen, "'%s': expected tcp://HOST:PORT", uri);
        return -1;
    }
    const char *h = uri + strlen(prefix);
    const char *colon;
    size_t hlen;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (close == NULL || close[1] != ':') {
            snprintf(err, errlen, "'%s': expected tcp://[IPV6]:PORT", uri);
            return -1;
        }
        h++;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (colon == NULL) {
            snprintf(err, errlen, "'%s': missing :PORT", uri);
            return -1;
        }
        hlen = (size_t)(colon - h);
    }
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (hlen == 0 || hlen >= hostcap || *end != '\0' || colon[1] == '\0' || errno != 0 || p < 0 ||
        p > 65535) {
        snprintf(err, errlen, "'%s': expected tcp://HOST:PORT with a port from 0 to 65535", uri);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}
