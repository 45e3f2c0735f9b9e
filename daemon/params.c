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
#include "units.h"

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
    *out = def;
    if (kv == NULL)
        return 0;
    if (parse_u64(kv->value, out) < 0) {
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
