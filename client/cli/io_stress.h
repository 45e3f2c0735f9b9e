/* io_stress.h: dmaemu io stress: concurrent verified writes and reads through a driver. */
#ifndef DMAEMU_IO_STRESS_H
#define DMAEMU_IO_STRESS_H

#include <stdint.h>

#include "cli.h"

/*
 * threads workers share one connection; each owns span/threads bytes of the device and loops,
 * until duration_ns passes, over: write a fresh random pattern to a random piece of its slice
 * (size bytes, or a random size when 0), read it back, verify. Prints a summary; returns
 * CLI_OK only if every request succeeded and every byte verified.
 */
int io_stress(const struct cli *cli, const char *device, uint64_t threads, uint64_t duration_ns,
              uint64_t size, uint64_t span);

#endif
