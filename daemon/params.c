/* params.c: typed, validated reading of a device's config keys. */
#include "params.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"

void dev_params_init(struct dev_params *p, const char *source, struct device_config *dc)
{
    memset(p, 0, sizeof(*p));
    p->source = source != NULL ? source : "built-in defaults";
    p->dc = dc;
}

static struct config_kv *dev_params_find(struct dev_params *p, const char *key)
{
    for (size_t i = 0; i < p->dc->nkv; i++) {
        if (strcmp(p->dc->kv[i].key, key) == 0) {
            p->dc->kv[i].used = true;
            return &p->dc->kv[i];
        }
    }
    return NULL;
}

void dev_params_error(struct dev_params *p, const char *key, const char *fmt, ...)
{
    if (p->failed)
        return;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct config_kv *kv = dev_params_find(p, key);
    int line = kv != NULL ? kv->line : p->dc->line;
    snprintf(p->err, sizeof(p->err), "%s:%d: key '%s' in [device %s]: %s", p->source, line, key,
             p->dc->name, msg);
    p->failed = true;
}

int dev_params_finish(struct dev_params *p)
{
    for (size_t i = 0; i < p->dc->nkv && !p->failed; i++)
        if (!p->dc->kv[i].used)
            dev_params_error(p, p->dc->kv[i].key, "unknown key for model %s", p->dc->model);
    return p->failed ? -1 : 0;
}

/* Parses a whole unsigned number (decimal or 0x hex), leaving *end at the suffix. */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
    char *e;
    if (*s == '-' || *s == '\0')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 0);
    if (errno != 0 || e == s)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

static int scale(uint64_t v, uint64_t unit, uint64_t *out)
{
    if (unit != 0 && v > UINT64_MAX / unit)
        return -1;
    *out = v * unit;
    return 0;
}

int parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t unit;
    } units[] = {{"", 1},           {"K", 1u << 10}, {"KiB", 1u << 10}, {"M", 1u << 20},
                 {"MiB", 1u << 20}, {"G", 1u << 30}, {"GiB", 1u << 30}};
    uint64_t v;
    const char *end;
    if (parse_number(s, &v, &end) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(end, units[i].suffix) == 0)
            return scale(v, units[i].unit, out);
    return -1;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t unit;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    uint64_t v;
    const char *end;
    if (parse_number(s, &v, &end) < 0)
        return -1;
    if (*end == '\0' && v == 0) {
        *out = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].suffix) == 0)
            return scale(v, units[i].unit, out);
    return -1;
}

static int dev_params_range(struct dev_params *p, const char *key, uint64_t v, uint64_t min,
                            uint64_t max, const char *unit)
{
    if (v >= min && v <= max)
        return 0;
    dev_params_error(p, key, "%" PRIu64 "%s is out of range (%" PRIu64 "..%" PRIu64 "%s)", v, unit,
                     min, max, unit);
    return -1;
}

int dev_params_u64(struct dev_params *p, const char *key, uint64_t def, uint64_t min, uint64_t max,
                   uint64_t *out)
{
    struct config_kv *kv = dev_params_find(p, key);
    const char *end;
    *out = def;
    if (kv == NULL)
        return 0;
    if (parse_number(kv->value, out, &end) < 0 || *end != '\0') {
        dev_params_error(p, key, "'%s' is not a number (decimal or 0x hex)", kv->value);
        return -1;
    }
    return dev_params_range(p, key, *out, min, max, "");
}

int dev_params_size(struct dev_params *p, const char *key, uint64_t def, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    struct config_kv *kv = dev_params_find(p, key);
    *out = def;
    if (kv == NULL)
        return 0;
    if (parse_size(kv->value, out) < 0) {
        dev_params_error(p, key, "'%s' is not a size (a number with an optional K, M or G)",
                         kv->value);
        return -1;
    }
    return dev_params_range(p, key, *out, min, max, " bytes");
}

int dev_params_duration(struct dev_params *p, const char *key, uint64_t def, uint64_t max,
                        uint64_t *out)
{
    struct config_kv *kv = dev_params_find(p, key);
    *out = def;
    if (kv == NULL)
        return 0;
    if (parse_duration_ns(kv->value, out) < 0) {
        dev_params_error(p, key, "'%s' is not a duration (e.g. 0, 500ns, 10us, 2ms, 1s)",
                         kv->value);
        return -1;
    }
    return dev_params_range(p, key, *out, 0, max, " ns");
}
