/* auth.c: token loading and constant-time comparison. */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

#define AUTH_TOKEN_MAX 1024

int auth_load_token(const char *path, char **token, size_t *len, char *err, size_t errlen)
{
    char buf[AUTH_TOKEN_MAX + 2];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077) != 0)
        log_warn("token file %s is readable by other users; chmod 600 it", path);
    char *line = fgets(buf, sizeof(buf), f);
    fclose(f);
    size_t start = 0, end = line ? strlen(line) : 0;
    while (start < end && strchr(" \t\r\n", buf[start]))
        start++;
    while (end > start && strchr(" \t\r\n", buf[end - 1]))
        end--;
    if (end - start < 16 || end - start > AUTH_TOKEN_MAX) {
        snprintf(err, errlen,
                 "token file %s: the first line must hold a token of 16 to %d characters "
                 "(e.g. head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > %s)",
                 path, AUTH_TOKEN_MAX, path);
        return -1;
    }
    *token = strndup(buf + start, end - start);
    *len = end - start;
    return *token ? 0 : -1;
}

bool auth_token_equal(const uint8_t *given, size_t given_len, const char *expected,
                      size_t expected_len)
{
    unsigned diff = given_len != expected_len;
    for (size_t i = 0; i < expected_len; i++) {
        uint8_t g = given_len ? given[i % given_len] : 0;
        diff |= g ^ (uint8_t)expected[i];
    }
    return diff == 0 && given_len > 0;
}
