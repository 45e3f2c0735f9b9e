/*
 * dmaemu.h: libdmaemu, the client library for dmaemud.
 *
 * One connection (dmaemu_t) to a daemon, local (unix:PATH) or remote (tcp://HOST:PORT). The same
 * calls work on both: locally, DMA-able memory is a sealed memfd that the daemon maps, so device
 * DMA is a memcpy; remotely it is ordinary memory that this library serves to the daemon on
 * request.
 *
 * Threading model
 *   Each connection runs one event thread of its own. It receives every frame, wakes the caller
 *   waiting for a reply, serves the daemon's DMA reads and writes of mapped regions, and runs the
 *   interrupt and disconnect callbacks. Consequently:
 *   - every function may be called from any thread, concurrently; synchronous calls block only
 *     the calling thread;
 *   - callbacks run on the event thread, one at a time, and must not make synchronous calls on the
 *     same connection (those return DMAEMU_E_CONTEXT rather than deadlock); hand the work to a
 *     thread of your own instead. The exception is a local driver connection with a call channel
 *     (dmaemu_callbacks_may_call()): its replies come on a stream of their own, so a callback may
 *     wait for one. Such a reply may reflect what the device did after frames the event thread
 *     has yet to deliver (it delivers them when the callback returns);
 *   - device DMA into a region may happen at any moment while it is mapped, from the daemon
 *     (locally) or from the event thread (remotely), exactly as a real device writes memory.
 *
 * Errors
 *   Functions return 0 (or a positive count) on success and a negative DMAEMU_E_* code on failure.
 *   dmaemu_last_error() returns a message for the calling thread's last failure, written for the
 *   person who will read it.
 */
#ifndef DMAEMU_H
#define DMAEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: the negated protocol codes, plus library-local ones from 100 up. */
enum dmaemu_error {
    DMAEMU_OK = 0,
    DMAEMU_E_PROTOCOL = -1,     /* the peer sent something malformed */
    DMAEMU_E_VERSION = -2,      /* no protocol version in common */
    DMAEMU_E_AUTH = -3,         /* token missing or wrong */
    DMAEMU_E_NO_DEVICE = -4,    /* no device of that name */
    DMAEMU_E_BUSY = -5,         /* device owned by another session */
    DMAEMU_E_NOT_ATTACHED = -6, /* call needs an attached device */
    DMAEMU_E_INVALID = -7,      /* an argument is invalid */
    DMAEMU_E_RANGE = -8,        /* register offset/width out of range */
    DMAEMU_E_OVERLAP = -9,      /* bus range overlaps a mapped region */
    DMAEMU_E_NO_MEMORY = -10,
    DMAEMU_E_FAULT = -11,      /* DMA fault */
    DMAEMU_E_PERMISSION = -12, /* this role may not do that */
    DMAEMU_E_UNSUPPORTED = -13,
    DMAEMU_E_LIMIT = -14,        /* a negotiated limit would be exceeded */
    DMAEMU_E_DISCONNECTED = -15, /* the connection is gone */
    DMAEMU_E_INTERNAL = -16,
    DMAEMU_E_CONNECT = -100, /* could not reach the daemon */
    DMAEMU_E_CONTEXT = -101, /* synchronous call from a callback on the event thread */
    DMAEMU_E_SYSTEM = -102,  /* an OS call failed; see the message */
};

typedef struct dmaemu dmaemu_t;
typedef struct dmaemu_region dmaemu_region_t;

enum dmaemu_role {
    DMAEMU_ROLE_DRIVER = 1,
    DMAEMU_ROLE_APP = 2,
    DMAEMU_ROLE_MONITOR = 3,
};

struct dmaemu_connect_options {
    enum dmaemu_role role;  /* default (0): monitor */
    const char *name;       /* shown in device lists and history; default: program name */
    const char *token;      /* TCP shared secret; NULL: read token_file, if any */
    const char *token_file; /* file holding the token (first line) */
    uint32_t max_data;      /* largest data payload per frame; 0: library default (4 MiB) */
};

/*
 * Connects and says hello. uri: "unix:PATH", "tcp://HOST:PORT" or NULL for the default local
 * socket (DMAEMU_DAEMON if set). Returns 0 and *out, or a negative code.
 */
int dmaemu_connect(const char *uri, const struct dmaemu_connect_options *opts, dmaemu_t **out);

/* Closes the connection; the daemon unmaps its regions and detaches its device. */
void dmaemu_close(dmaemu_t *c);

/* The default local socket path: $XDG_RUNTIME_DIR/dmaemu/dmaemud.sock, else /run/dmaemu/... */
const char *dmaemu_default_socket(void);

const char *dmaemu_last_error(void);
const char *dmaemu_strerror(int code);

bool dmaemu_is_remote(const dmaemu_t *c);
uint64_t dmaemu_session_id(const dmaemu_t *c);
/* False once the daemon has gone away; every call then fails with DMAEMU_E_DISCONNECTED. */
bool dmaemu_is_connected(const dmaemu_t *c);

int dmaemu_ping(dmaemu_t *c);

/* Devices ------------------------------------------------------------------------------------ */

enum dmaemu_bar_kind { DMAEMU_BAR_MEMORY = 0, DMAEMU_BAR_IO = 1 };
enum dmaemu_irq_kind { DMAEMU_IRQ_LINE = 0, DMAEMU_IRQ_MSI = 1 };

#define DMAEMU_MAX_BARS 6
#define DMAEMU_NAME_MAX 64

struct dmaemu_bar {
    unsigned index;
    enum dmaemu_bar_kind kind;
    uint64_t size;
};

struct dmaemu_device_info {
    char name[DMAEMU_NAME_MAX];
    char model[DMAEMU_NAME_MAX];
    uint16_t vendor_id, device_id;
    uint8_t revision;
    unsigned bar_count;
    struct dmaemu_bar bars[DMAEMU_MAX_BARS];
    enum dmaemu_irq_kind irq_kind;
    unsigned irq_count;
    bool owned;
    uint64_t owner_session;
    char owner_name[DMAEMU_NAME_MAX];
    char owner_peer[DMAEMU_NAME_MAX]; /* "local pid 123 uid 1000" or "tcp://10.0.0.2:40000" */
};

/* Fills *list (free with free()) and returns the number of devices, or a negative code. */
int dmaemu_devices(dmaemu_t *c, struct dmaemu_device_info **list);

/* Driver role: take ownership of a device. One driver per device; a second attach fails with
 * DMAEMU_E_BUSY and a message naming the owner. info may be NULL. */
int dmaemu_attach(dmaemu_t *c, const char *device, struct dmaemu_device_info *info);
int dmaemu_detach(dmaemu_t *c);

/* Register access --------------------------------------------------------------------------- */

/*
 * MMIO on the attached device. width is 1, 2, 4 or 8. Writes are posted: they return once sent,
 * and a later read on this connection observes them. A posted write the daemon refuses is
 * reported by the next synchronous call on this connection (DMAEMU_E_RANGE etc.).
 */
int dmaemu_mmio_read(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width, uint64_t *value);
int dmaemu_mmio_write(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width, uint64_t value);
/*
 * The same write, batched like dmaemu_report_event_batched(): it waits in the connection until
 * the next frame the connection sends (from any thread: an MMIO read, a completion, a ping...),
 * which carries it in the same system call and in order, or until dmaemu_flush(). Writes that
 * program a transfer then cost the daemon one wake-up together. Only for code that flushes
 * before it waits for the device: until then the device has not seen the write. The shim
 * flushes when a callback returns and before a stall, a delay or a sleep.
 */
int dmaemu_mmio_write_batched(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width,
                              uint64_t value);

/* MMIO on a named device, as a tool does. Refused while another session owns the device unless
 * force; the write waits for the daemon's answer. */
int dmaemu_mmio_read_device(dmaemu_t *c, const char *device, bool force, unsigned bar,
                            uint64_t offset, unsigned width, uint64_t *value);
int dmaemu_mmio_write_device(dmaemu_t *c, const char *device, bool force, unsigned bar,
                             uint64_t offset, unsigned width, uint64_t value);

/* A side-effect-free, decoded register snapshot of a device. */
struct dmaemu_reg_field {
    char name[32];
    uint64_t value;
    char meaning[48];
};

struct dmaemu_register {
    char name[32];
    unsigned bar;
    uint64_t offset;
    unsigned width;
    uint64_t value;
    unsigned field_count;
    struct dmaemu_reg_field *fields;
};

struct dmaemu_regs {
    char device[DMAEMU_NAME_MAX];
    char model[DMAEMU_NAME_MAX];
    unsigned count;
    struct dmaemu_register *registers;
};

int dmaemu_regs(dmaemu_t *c, const char *device, struct dmaemu_regs **out);
void dmaemu_regs_free(struct dmaemu_regs *r);

/* DMA-able memory --------------------------------------------------------------------------- */

enum dmaemu_region_flags {
    DMAEMU_REGION_READ_ONLY = 1u << 0, /* the device may read it but never write it */
};

/*
 * Allocates length bytes of zeroed DMA-able memory and maps it at bus_addr..bus_addr+length-1 of
 * this session's bus address space (driver role, attached or not). Regions must not overlap.
 */
int dmaemu_region_create(dmaemu_t *c, uint64_t bus_addr, size_t length, unsigned flags,
                         dmaemu_region_t **out);
/*
 * The same, with the region's bus pages in another order than its memory pages: bus page j
 * (bus_addr + j * 4096) is memory page page_map[j]. Used to give consecutive memory scattered
 * bus addresses, so scatter/gather code is really exercised. bus_addr and length must be
 * multiples of 4096; page_map has length / 4096 entries, each below that count.
 */
int dmaemu_region_create_mapped(dmaemu_t *c, uint64_t bus_addr, size_t length, unsigned flags,
                                const uint32_t *page_map, dmaemu_region_t **out);
/* Unmaps and frees; the daemon stops all DMA to it first. */
int dmaemu_region_destroy(dmaemu_t *c, dmaemu_region_t *r);
void *dmaemu_region_ptr(const dmaemu_region_t *r);
uint64_t dmaemu_region_bus_addr(const dmaemu_region_t *r);
size_t dmaemu_region_length(const dmaemu_region_t *r);

/* Interrupts -------------------------------------------------------------------------------- */

/* Called on the event thread: a line changed level (asserted true/false), or an MSI fired. */
typedef void (*dmaemu_interrupt_fn)(void *arg, enum dmaemu_irq_kind kind, unsigned index,
                                    bool asserted);
/* Called on the event thread once, when the connection is lost. */
typedef void (*dmaemu_disconnect_fn)(void *arg, int code, const char *message);

/* Called on the event thread after each device DMA operation on this driver's memory, when
 * set before dmaemu_attach(): what the device really touched, for a verifier. */
typedef void (*dmaemu_dma_notify_fn)(void *arg, uint64_t bus_addr, uint64_t length, bool to_host,
                                     bool faulted, uint64_t fault_addr);

void dmaemu_set_interrupt_handler(dmaemu_t *c, dmaemu_interrupt_fn fn, void *arg);
/*
 * Inside an interrupt callback: the daemon's CLOCK_REALTIME stamp, in nanoseconds, of the
 * device changing the line (the instant the history records for it); 0 elsewhere, or when the
 * daemon did not say. On the daemon's machine, clock_gettime(CLOCK_REALTIME) minus this is
 * the delivery latency.
 */
uint64_t dmaemu_interrupt_raised_ns(void);
/*
 * Inside an interrupt callback for an assertion: the daemon's number for this delivery of it;
 * 0 elsewhere. Level semantics without a round trip: when the handlers have run for an
 * assertion, dmaemu_interrupt_done() with its number tells the daemon, which delivers the line
 * again, under a new number, if it is still asserted then. Without it, each rise is delivered
 * once.
 */
uint64_t dmaemu_interrupt_assertion(void);
/* Batched like dmaemu_mmio_write_batched(), so it reaches the daemon after the handlers'
 * batched writes: call dmaemu_flush() after it. */
int dmaemu_interrupt_done(dmaemu_t *c, enum dmaemu_irq_kind kind, unsigned index,
                          uint64_t assertion);
/* True when callbacks on this connection may make synchronous calls (see Threading model). */
bool dmaemu_callbacks_may_call(const dmaemu_t *c);
/*
 * A reply a callback waited for may reflect what the device did after frames the event thread
 * has yet to deliver (a DMA notification, an interrupt). A thread about to act on what such a
 * callback learnt (a DPC an ISR queued) calls this first: it returns once the event thread has
 * delivered those frames. At once when there are none, and on the event thread.
 */
void dmaemu_catch_up(dmaemu_t *c);
void dmaemu_set_dma_notify_handler(dmaemu_t *c, dmaemu_dma_notify_fn fn, void *arg);
void dmaemu_set_disconnect_handler(dmaemu_t *c, dmaemu_disconnect_fn fn, void *arg);

/* Application I/O ---------------------------------------------------------------------------- */

/*
 * An application opens a device by name and sends it reads, writes and device-control requests;
 * the daemon routes each to the device's driver and returns its completion. A call returns 0
 * once the request completed, whatever its NTSTATUS (in the result), and a negative code only
 * when the request could not be delivered or answered (DMAEMU_E_DISCONNECTED, ...). Requests
 * the daemon completes itself: STATUS_DEVICE_NOT_CONNECTED when no driver is attached,
 * STATUS_DEVICE_REMOVED when the driver went away holding the request.
 */
typedef struct dmaemu_file dmaemu_file_t;

struct dmaemu_io_result {
    int32_t status;       /* NTSTATUS */
    uint64_t information; /* as the driver set it (bytes transferred, usually) */
    uint64_t number;      /* the daemon's number for the request, as the history shows it */
    size_t data_len;      /* bytes copied into the read or output buffer */
};

/* Application role. */
int dmaemu_open(dmaemu_t *c, const char *device, dmaemu_file_t **out);
int dmaemu_file_close(dmaemu_file_t *f);

/* offset: the device offset (ReadFile/WriteFile with an offset); drivers may ignore it. */
int dmaemu_read(dmaemu_file_t *f, uint64_t offset, void *buf, size_t len,
                struct dmaemu_io_result *res);
int dmaemu_write(dmaemu_file_t *f, uint64_t offset, const void *buf, size_t len,
                 struct dmaemu_io_result *res);
/* code: a CTL_CODE; in is the input buffer, out receives at most out_len bytes of output. */
int dmaemu_ioctl(dmaemu_file_t *f, uint32_t code, const void *in, size_t in_len, void *out,
                 size_t out_len, struct dmaemu_io_result *res);

/*
 * Asynchronous forms: return once the request is sent; done() runs later on the event thread
 * with rc (0 or a negative code) and the result. The buffers must stay valid until then. If
 * the call itself fails, done() never runs.
 */
typedef void (*dmaemu_io_done_fn)(void *arg, int rc, const struct dmaemu_io_result *res);
int dmaemu_read_async(dmaemu_file_t *f, uint64_t offset, void *buf, size_t len,
                      dmaemu_io_done_fn done, void *arg);
int dmaemu_write_async(dmaemu_file_t *f, uint64_t offset, const void *buf, size_t len,
                       dmaemu_io_done_fn done, void *arg);
int dmaemu_ioctl_async(dmaemu_file_t *f, uint32_t code, const void *in, size_t in_len, void *out,
                       size_t out_len, dmaemu_io_done_fn done, void *arg);

/* Driver role: the requests applications send to the attached device. */
enum dmaemu_io_type { DMAEMU_IO_READ = 0, DMAEMU_IO_WRITE = 1, DMAEMU_IO_IOCTL = 2 };

struct dmaemu_io_request {
    uint32_t token;  /* pass to dmaemu_io_complete() */
    uint64_t number; /* the daemon's request number */
    enum dmaemu_io_type type;
    uint32_t length; /* read length, write length, or IOCTL output buffer length */
    uint32_t ioctl_code;
    uint64_t offset;
    uint32_t page_offset; /* the application buffer's offset within its page */
    const void *data;     /* write data or IOCTL input: valid only during the callback */
    size_t data_len;
};

struct dmaemu_io_handlers {
    /* A new request (event thread). Complete it, now or later, with dmaemu_io_complete(). */
    void (*request)(void *arg, const struct dmaemu_io_request *req);
    /* The application behind request number went away: complete it soon; the result is
     * dropped. */
    void (*cancel)(void *arg, uint64_t number);
    void *arg;
};

void dmaemu_set_io_handlers(dmaemu_t *c, const struct dmaemu_io_handlers *h);
/* Completes a request: data is the read's bytes or the IOCTL's output. Any thread, callbacks
 * included. */
int dmaemu_io_complete(dmaemu_t *c, uint32_t token, int32_t status, uint64_t information,
                       const void *data, size_t data_len);

/* History ---------------------------------------------------------------------------------- */

/*
 * Asks the daemon's history: kind "requests", "show" or "stats"; params a JSON object of
 * filters ({"device": "plx0", "since": "10m", "status": "error", ...}) or {"id": N} for show.
 * On success *json is the answer (free with free()). A bad parameter fails with
 * DMAEMU_E_INVALID and a message naming it.
 */
int dmaemu_history_query(dmaemu_t *c, const char *kind, const char *params, char **json);

/* Driver reports for the history -------------------------------------------------------------- */

/* What a driver did, as the shim reports it (all fields optional; strings may be NULL). */
struct dmaemu_driver_event {
    const char *kind;  /* "request", "transaction", "transfer", "isr", "dpc", "finding", "trace" */
    const char *phase; /* "dispatched", "completed", "initialized", "executed", ... */
    const char *text;  /* trace line or finding diagnostic */
    const char *callback;
    const char *direction;
    uint64_t request, transaction, length, bytes;
    uint32_t transfer, code;
    int32_t status;
    unsigned sg_count;
    const uint64_t *sg_addr;
    const uint32_t *sg_len;
    unsigned param_count;
    const uint64_t *params;
};

/* Posted: returns once sent. */
int dmaemu_report_event(dmaemu_t *c, const struct dmaemu_driver_event *e);

/*
 * Posted and batched: the report waits in the connection until the next frame it sends (MMIO,
 * a completion, a ping, an unbatched report...), which carries it in the same system call, in
 * order; or until dmaemu_flush(), dmaemu_close(), or 32 KiB of batched frames have queued.
 * A driver reporting a dozen things per request then costs the daemon one wake-up, not a
 * dozen. Call dmaemu_flush() when a burst ends (the shim does after each callback).
 */
int dmaemu_report_event_batched(dmaemu_t *c, const struct dmaemu_driver_event *e);
/* Sends what is batched (reports, batched MMIO writes) now. */
int dmaemu_flush(dmaemu_t *c);

#ifdef __cplusplus
}
#endif

#endif
