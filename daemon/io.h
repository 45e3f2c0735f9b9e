/*
 * io.h: application I/O, routed from application sessions to the device's driver session and
 * back. The daemon numbers every request (the number the history and the driver see) and ends
 * every one with a status, whoever goes away first:
 *   - no driver attached: STATUS_DEVICE_NOT_CONNECTED at once;
 *   - the driver detaches or dies: STATUS_DEVICE_REMOVED for what it still held;
 *   - the application goes away: the driver is told (IoCancel) and the result is dropped.
 */
#ifndef DMAEMU_IO_H
#define DMAEMU_IO_H

#include <stdbool.h>

#include "handlers.h"

/* Requests a single application may have in flight at once. */
#define IO_MAX_INFLIGHT_PER_APP 1024

/* A reply from a driver session: true when it was the completion of an I/O request. */
bool io_on_reply(struct session *s, const struct frame *f);
/* s no longer drives its device (detach or disconnect): fail what it held. */
void io_driver_gone(struct session *s);
/* s is closing: as an application, its requests are cancelled; its handles freed. */
void io_session_closed(struct session *s);

#endif
