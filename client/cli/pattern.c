/* pattern.c: position-dependent test data. */
#include "pattern.h"

#include <string.h>

#include "units.h"

int pattern_parse(const char *text, struct pattern *out)
{
    uint64_t v;
    if (strcmp(text, "counter") == 0) {
        *out = (struct pattern){PATTERN_COUNTER, 0};
        return 0;
    }
    if (strcmp(text, "zero") == 0) {
        *out = (struct pattern){PATTERN_BYTE, 0};
        return 0;
    }
    if (strcmp(text, "random") == 0) {
        *out = (struct pattern){PATTERN_RANDOM, 1};
        return 0;
    }
    if (strncmp(text, "random:", 7) == 0 && parse_u64(text + 7, &v) == 0) {
        *out = (struct pattern){PATTERN_RANDOM, v};
        return 0;
    }
    if (parse_u64(text, &v) == 0 && v <= 0xFF) {
        *out = (struct pattern){PATTERN_BYTE, v};
        return 0;
    }
    return -1;
}

/* splitmix64: a cheap, well-mixed function of (seed, word index). */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint8_t pattern_byte(const struct pattern *p, uint64_t at)
{
    switch (p->kind) {
    case PATTERN_COUNTER: return (uint8_t)at;
    case PATTERN_BYTE: return (uint8_t)p->seed;
    case PATTERN_RANDOM: return (uint8_t)(mix(p->seed ^ mix(at >> 3)) >> (8 * (at & 7)));
    }
    return 0;
}

void pattern_fill(const struct pattern *p, uint8_t *buf, size_t len, uint64_t offset)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_byte(p, offset + i);
}

size_t pattern_check(const struct pattern *p, const uint8_t *buf, size_t len, uint64_t offset)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(p, offset + i))
            return i;
    return len;
}
