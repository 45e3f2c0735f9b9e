/*
 * recorder.h: where everything worth asking about later goes.
 *
 * Producers (sessions, the device layer, models) describe what happened as a rec_event; sinks
 * consume them. The daemon always has the log sink; the history database adds its own. Emitting
 * is cheap and never blocks: a sink that does I/O must queue.
 */
#ifndef DMAEMU_RECORDER_H
#define DMAEMU_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

enum rec_kind {
    REC_SESSION_OPEN,
    REC_SESSION_CLOSE,
    REC_AUTH_REFUSED,
    REC_ATTACH,
    REC_DETACH,
    REC_DEVICE_RESET,
    REC_REGION_MAP,
    REC_REGION_UNMAP,
    REC_DMA,
    REC_IRQ,
    REC_FAULT,
    REC_DRIVER_EVENT, /* what a driver process reported: requests, transactions, findings */
    REC_REQUEST,      /* an application request submitted, or its completion */
};

struct Dmaemu__DriverEvent;

struct rec_event {
    enum rec_kind kind;
    uint64_t time_ns; /* wall clock, filled by recorder_emit when 0 */
    const char *device;
    uint64_t session;
    union {
        struct {
            const char *role, *name, *peer;
        } session_open;
        struct {
            const char *reason;
        } session_close, reset;
        struct {
            const char *peer, *reason;
        } auth;
        struct {
            unsigned channel;
            bool to_host; /* device wrote host memory */
            uint64_t bus_addr, local_addr, len;
            const char *purpose; /* "data", "descriptor", "clear-count" */
            int result;          /* 0 ok, else a dev_dma_result */
            uint64_t start_ns, end_ns;
        } dma;
        struct {
            unsigned line;
            bool asserted;
        } irq;
        struct {
            const char *what;
            uint64_t addr;
            int channel; /* -1 when not a channel's */
        } fault;
        struct {
            uint64_t bus_addr, length;
            bool read_only, local;
        } region;
        const struct Dmaemu__DriverEvent *driver; /* valid during recorder_emit() */
        struct {
            uint64_t number;
            bool completed;   /* false: submitted */
            const char *type; /* "read", "write", "ioctl" */
            uint64_t app_session, driver_session;
            uint64_t length, offset;
            uint32_t ioctl_code;
            int32_t status;
            uint64_t information;
        } request;
    };
};

typedef void (*recorder_sink_fn)(void *arg, const struct rec_event *e);

int recorder_add_sink(recorder_sink_fn fn, void *arg);
void recorder_clear_sinks(void);
void recorder_emit(struct rec_event *e);
/* The clock events are stamped with (CLOCK_REALTIME, ns). */
uint64_t recorder_now_ns(void);
const char *rec_kind_name(enum rec_kind k);

/* The sink that writes events to the daemon's log. */
void recorder_log_sink(void *arg, const struct rec_event *e);

#endif
