/* log.h: leveled logging to stderr, with timestamps. */
#ifndef DMAEMU_LOG_H
#define DMAEMU_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

extern enum log_level log_threshold;

void log_set_level(enum log_level level);
/* 0 and *out on success, -1 for a name that is not debug/info/warn/error. */
int log_parse_level(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The arguments are not evaluated below the threshold: hot paths may log at debug freely. */
#define log_at(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) >= log_threshold)                                                              \
            log_msg((level), __VA_ARGS__);                                                         \
    } while (0)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

/* Copies untrusted text (peer names) into out, replacing control characters. */
const char *log_sanitize(const char *in, char *out, unsigned cap);

#endif
