/* log.c: leveled logging to stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum log_level log_threshold = LOG_INFO;

static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

int log_parse_level(const char *name, enum log_level *out)
{
    for (unsigned i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
        if (strcmp(name, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char stamp[32];
    char line[1024];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines from the writer thread and the loop never interleave. */
    fprintf(stderr, "%s.%03ld %-5s %s\n", stamp, ts.tv_nsec / 1000000L, log_names[level], line);
}

const char *log_sanitize(const char *in, char *out, unsigned cap)
{
    unsigned n = 0;
    for (; in != NULL && *in != '\0' && n + 1 < cap; in++)
        out[n++] = (unsigned char)*in < 0x20 || *in == 0x7f ? '?' : *in;
    out[n] = '\0';
    return out;
}
