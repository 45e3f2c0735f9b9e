/*
 * handlers.h: request handlers, one per request type, dispatched by session.c.
 * Each answers the request (reply or error) itself; id 0 marks a posted message.
 */
#ifndef DMAEMU_HANDLERS_H
#define DMAEMU_HANDLERS_H

#include "session.h"

#define HANDLER(name)                                                                              \
    void name(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)

/* session_device.c */
HANDLER(session_device_list);
HANDLER(session_attach);
HANDLER(session_detach);
HANDLER(session_mmio_read);
HANDLER(session_mmio_write);
HANDLER(session_regs);
HANDLER(session_interrupt_done);
/* io.c */
HANDLER(io_open_request);
HANDLER(io_close_request);
HANDLER(io_submit_request);
/* session_device.c: a driver's report for the history */
HANDLER(session_driver_event);
/* history_request.c */
HANDLER(session_history_query);
/* For history queries run off the loop: is name one of the daemon's devices? */
bool history_is_device(const char *name);
/* region.c */
HANDLER(region_map_request);
HANDLER(region_unmap_request);

#endif
