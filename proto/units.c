/* units.c: numbers with unit suffixes, as users write them in configs and on command lines. */
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    } units[] = {{"ns", 1},
                 {"us", 1000},
                 {"ms", 1000000},
                 {"s", 1000000000},
                 {"m", 60000000000ull},
                 {"h", 3600000000000ull},
                 {"d", 86400000000000ull}};
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

int parse_u64(const char *s, uint64_t *out)
{
    const char *end;
    return parse_number(s, out, &end) == 0 && *end == '\0' ? 0 : -1;
}
