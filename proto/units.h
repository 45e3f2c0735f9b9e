/* units.h: parsing numbers with unit suffixes, shared by the daemon, the CLI and the shim. */
#ifndef DMAEMU_UNITS_H
#define DMAEMU_UNITS_H

#include <stdint.h>

/* A whole number, decimal or 0x hex. 0, or -1 when s is not one (or overflows). */
int parse_u64(const char *s, uint64_t *out);
/* Bytes: a number with an optional K, M, G (or KiB, MiB, GiB) suffix, powers of 1024. */
int parse_size(const char *s, uint64_t *out);
/* Nanoseconds: a number with ns, us, ms, s, m, h or d ("0" needs no unit). */
int parse_duration_ns(const char *s, uint64_t *out);

#endif
