/* auth.h: the TCP shared-secret token. */
#ifndef DMAEMU_AUTH_H
#define DMAEMU_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the token (first line, surrounding whitespace trimmed). -1 with a reason on error. */
int auth_load_token(const char *path, char **token, size_t *len, char *err, size_t errlen);

/* Compares in time that depends only on the expected token's length. */
bool auth_token_equal(const uint8_t *given, size_t given_len, const char *expected,
                      size_t expected_len);

#endif
