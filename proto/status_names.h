/* status_names.h: names of NTSTATUS codes, for messages, the CLI and driver traces. */
#ifndef DMAEMU_STATUS_NAMES_H
#define DMAEMU_STATUS_NAMES_H

#include <stdint.h>

/* "STATUS_SUCCESS", ...; NULL for a code not in the table. */
const char *ntstatus_name(int32_t status);

#endif
