/* recorder.c: fans events out to the registered sinks. */
#include "recorder.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "dmaemu.pb-c.h"
#include "log.h"

#define RECORDER_MAX_SINKS 4

static struct {
    recorder_sink_fn fn;
    void *arg;
} sinks[RECORDER_MAX_SINKS];
static unsigned sink_count;

int recorder_add_sink(recorder_sink_fn fn, void *arg)
{
    if (sink_count == RECORDER_MAX_SINKS)
        return -1;
    sinks[sink_count].fn = fn;
    sinks[sink_count].arg = arg;
    sink_count++;
    return 0;
}

void recorder_clear_sinks(void)
{
    sink_count = 0;
}

uint64_t recorder_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void recorder_emit(struct rec_event *e)
{
    if (e->time_ns == 0)
        e->time_ns = recorder_now_ns();
    for (unsigned i = 0; i < sink_count; i++)
        sinks[i].fn(sinks[i].arg, e);
}

const char *rec_kind_name(enum rec_kind k)
{
    static const char *const names[] = {
        [REC_SESSION_OPEN] = "session-open",
        [REC_SESSION_CLOSE] = "session-close",
        [REC_AUTH_REFUSED] = "auth-refused",
        [REC_ATTACH] = "attach",
        [REC_DETACH] = "detach",
        [REC_DEVICE_RESET] = "device-reset",
        [REC_REGION_MAP] = "region-map",
        [REC_REGION_UNMAP] = "region-unmap",
        [REC_DMA] = "dma",
        [REC_IRQ] = "irq",
        [REC_FAULT] = "fault",
        [REC_DRIVER_EVENT] = "driver-event",
        [REC_REQUEST] = "request",
    };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static const char *or_dash(const char *s)
{
    return s != NULL ? s : "-";
}

/* Verifier findings are warnings; trace lines and the rest of a driver's story are debug. */
static void recorder_log_driver_event(const char *dev, uint64_t session,
                                      const Dmaemu__DriverEvent *d)
{
    if (strcmp(d->kind, "finding") == 0)
        log_warn("%s: driver session %" PRIu64 ": verifier: %s", dev, session, d->text);
    else if (strcmp(d->kind, "trace") == 0)
        log_debug("%s: trace: %s", dev, d->text);
    else
        log_debug("%s: %s %s request %" PRIu64 " transaction %" PRIu64 " status 0x%08x", dev,
                  d->kind, d->phase, d->request, d->transaction, (unsigned)d->status);
}

/* Lifecycle events at info, the high-rate ones (DMA, interrupts) at debug. */
void recorder_log_sink(void *arg, const struct rec_event *e)
{
    const char *dev = or_dash(e->device);
    switch (e->kind) {
    case REC_SESSION_OPEN:
        log_info("session %" PRIu64 " open: %s '%s' from %s", e->session, e->session_open.role,
                 e->session_open.name, e->session_open.peer);
        break;
    case REC_SESSION_CLOSE:
        log_info("session %" PRIu64 " closed: %s", e->session, e->session_close.reason);
        break;
    case REC_AUTH_REFUSED: log_warn("refused %s: %s", e->auth.peer, e->auth.reason); break;
    case REC_ATTACH:
    case REC_DETACH:
        log_info("%s: %s session %" PRIu64, dev, rec_kind_name(e->kind), e->session);
        break;
    case REC_DEVICE_RESET: log_info("%s: reset (%s)", dev, e->reset.reason); break;
    case REC_REGION_MAP:
    case REC_REGION_UNMAP:
        log_debug("session %" PRIu64 ": %s bus 0x%" PRIx64 "+0x%" PRIx64 "%s", e->session,
                  rec_kind_name(e->kind), e->region.bus_addr, e->region.length,
                  e->region.read_only ? " read-only" : "");
        break;
    case REC_DMA:
        log_debug("%s: dma ch%u %s bus 0x%" PRIx64 " local 0x%" PRIx64 " len %" PRIu64 " %s", dev,
                  e->dma.channel, e->dma.to_host ? "to-host" : "from-host", e->dma.bus_addr,
                  e->dma.local_addr, e->dma.len, e->dma.result == 0 ? "ok" : "fault");
        break;
    case REC_IRQ:
        log_debug("%s: INT%c %s", dev, 'A' + e->irq.line,
                  e->irq.asserted ? "asserted" : "deasserted");
        break;
    case REC_FAULT:
        log_warn("%s: fault: %s at 0x%" PRIx64, dev, e->fault.what, e->fault.addr);
        break;
    case REC_DRIVER_EVENT: recorder_log_driver_event(dev, e->session, e->driver); break;
    case REC_REQUEST:
        log_debug("%s: request %" PRIu64 " %s %s", dev, e->request.number, e->request.type,
                  e->request.completed ? "completed" : "submitted");
        break;
    }
}
