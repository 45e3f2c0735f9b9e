/*
 * pattern.h: data patterns for I/O tests. Each byte depends on its absolute device offset, so
 * any slice written at one offset can be verified when read back at that offset.
 */
#ifndef DMAEMU_PATTERN_H
#define DMAEMU_PATTERN_H

#include <stddef.h>
#include <stdint.h>

enum pattern_kind { PATTERN_COUNTER, PATTERN_BYTE, PATTERN_RANDOM };

struct pattern {
    enum pattern_kind kind;
    uint64_t seed; /* the byte for PATTERN_BYTE */
};

/* "counter" (offset & 0xff), "zero", "0xNN" (one byte value), "random" or "random:SEED". */
int pattern_parse(const char *text, struct pattern *out);
void pattern_fill(const struct pattern *p, uint8_t *buf, size_t len, uint64_t offset);
/* Index of the first byte that differs from the pattern, or len when all match. */
size_t pattern_check(const struct pattern *p, const uint8_t *buf, size_t len, uint64_t offset);

#endif
