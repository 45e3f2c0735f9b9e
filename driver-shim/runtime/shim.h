/*
 * shim.h: the driver-shim runtime's internals: the framework object model, the IRQL threads,
 * the device connection, and what the runtime's files share.
 *
 * A KMDF handle is a pointer to a struct shim_object at the start of the typed object. The
 * process runs three driver-visible threads, each standing for an IRQL:
 *   passive (the main thread): DriverEntry, PnP/power callbacks, queue callbacks;
 *   DPC: EvtInterruptDpc at DISPATCH_LEVEL;
 *   ISR: EvtInterruptIsr at DIRQL under the interrupt lock.
 * libdmaemu's event thread never runs driver code: it only hands work to these threads.
 */
#ifndef DMAEMU_SHIM_RUNTIME_H
#define DMAEMU_SHIM_RUNTIME_H

#include <ntddk.h>
#include <wdf.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dmaemu.h"

#define SHIM_DIRQL ((KIRQL)12) /* what KeGetCurrentIrql() reports inside an ISR */

/* Objects ------------------------------------------------------------------------------------ */

enum shim_type {
    SHIM_DRIVER = 1,
    SHIM_DEVICE,
    SHIM_QUEUE,
    SHIM_REQUEST,
    SHIM_DMA_ENABLER,
    SHIM_COMMON_BUFFER,
    SHIM_TRANSACTION,
    SHIM_INTERRUPT,
    SHIM_SPINLOCK,
    SHIM_WAITLOCK,
    SHIM_RESOURCE_LIST,
};

struct shim_object {
    uint32_t magic;
    enum shim_type type;
    struct shim_object *parent;
    struct shim_object *children, *sibling;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup;
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy;
    WDF_SYNCHRONIZATION_SCOPE sync_scope;
    const WDF_OBJECT_CONTEXT_TYPE_INFO *context_type;
    void *context;
    void (*teardown)(struct shim_object *o); /* type-specific release, after the callbacks */
    bool deleting;
};

/* Sets up o (zeroed by the caller) as a child of parent, with the attributes' context and
 * callbacks. STATUS_SUCCESS or STATUS_INSUFFICIENT_RESOURCES. */
NTSTATUS shim_object_init(struct shim_object *o, enum shim_type type,
                          const WDF_OBJECT_ATTRIBUTES *attributes, struct shim_object *parent,
                          void (*teardown)(struct shim_object *));
/* Deletes o and its children: cleanup callbacks (children first), destroy callbacks, memory. */
void shim_object_delete(struct shim_object *o);
/* The object behind a handle, checked for type; a wrong handle is a verifier finding. */
struct shim_object *shim_object_check(const void *handle, enum shim_type type, const char *api);

#define SHIM_CHECK(handle, type, ctype, api) ((ctype *)shim_object_check((handle), (type), (api)))

/* Threads and IRQL --------------------------------------------------------------------------- */

extern _Thread_local KIRQL shim_irql;
extern _Thread_local const char *shim_callback; /* the driver callback running on this thread */

/* Runs fn(arg) on the passive thread (queued; returns at once). */
void shim_post_passive(void (*fn)(void *), void *arg);
/* Runs the passive thread's queue until shim_stop_passive(); the main thread calls it. */
void shim_run_passive(void);
void shim_stop_passive(void);

/* Calls a driver callback with the thread's callback name set, for diagnostics. */
#define SHIM_CALL(name, call)                                                                      \
    do {                                                                                           \
        const char *shim_saved_cb_ = shim_callback;                                                \
        shim_callback = (name);                                                                    \
        call;                                                                                      \
        shim_callback = shim_saved_cb_;                                                            \
    } while (0)
#define SHIM_CALL_RET(ret, name, call)                                                             \
    do {                                                                                           \
        const char *shim_saved_cb_ = shim_callback;                                                \
        shim_callback = (name);                                                                    \
        (ret) = (call);                                                                            \
        shim_callback = shim_saved_cb_;                                                            \
    } while (0)

/* Verifier ----------------------------------------------------------------------------------- */

#define BUGCHECK_WDF_VIOLATION   0x10Du
#define BUGCHECK_DMA_VIOLATION   0xE6u /* DRIVER_VERIFIER_DMA_VIOLATION */
#define WDF_VIOLATION_BAD_HANDLE 0x5u
#define WDF_VIOLATION_DMA_STATE  0x8u
#define SHIM_NO_BUGCHECK         0u /* a finding KMDF reports without bugchecking */

/*
 * Reports a verifier finding: prints the bugcheck code and parameters in KMDF terms with the
 * callback it happened in, records it in the daemon's history, and ends the process unless
 * --verifier=log.
 */
void shim_verifier(unsigned code, uint64_t p1, uint64_t p2, uint64_t p3, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The IRQL rule of an API: a finding when called above max_irql. */
bool shim_irql_at_most(KIRQL max_irql, const char *api);

/* The device connection -------------------------------------------------------------------- */

struct shim_options {
    const char *device;
    const char *daemon;
    const char *token_file;
    bool verifier_log_only;
    bool fragment;        /* scatter bus pages */
    bool high_dma;        /* 64-bit profiles' buffers above 4 GiB */
    unsigned trace_level; /* WPP messages above this TRACE_LEVEL_* are dropped; 0: off */
};

/* The default --trace-level: what a WPP session is usually started with (tracelog -level 4). */
#define SHIM_TRACE_LEVEL_DEFAULT 4 /* TRACE_LEVEL_INFORMATION */

struct shim {
    struct shim_options opt;
    dmaemu_t *conn;
    struct dmaemu_device_info info;
    struct shim_driver *driver;
    struct shim_device *device; /* the one device a driver process drives */
    atomic_bool stopping;
    atomic_bool bugchecked; /* a fatal finding: the process is ending, nothing more happens */
    int exit_status;
};

extern struct shim shim;

/* Reports to the daemon's history, batched like register writes (registers.c): they go with
 * the driver's next frame to the daemon, or at shim_flush(). */
void shim_report(const struct dmaemu_driver_event *e);
/*
 * Sends batched reports and register writes. Called wherever a driver thread may next wait for
 * the device: when a callback (or a pass of them) returns, before a stall, a delay or a sleep,
 * before blocking on a wait lock, and before the passive thread idles. A driver that spins on
 * host memory with none of these in the loop would wait forever for a write still batched.
 */
void shim_flush(void);
/* Unbatched, for what must arrive even if the process ends next (findings, failures). */
void shim_report_now(const struct dmaemu_driver_event *e);
void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *shim_status_name(NTSTATUS status, char *buf, size_t cap);

/* DMA-able memory (dma_memory.c) -------------------------------------------------------------- */

/* A run of driver memory the device can reach, with its bus address per page. */
struct shim_dma_buffer {
    uint8_t *va;
    size_t length;      /* whole pages */
    uint64_t *bus_page; /* bus address of each memory page */
    dmaemu_region_t *region;
    struct shim_dma_buffer *next_free; /* in its size class's free list */
};

/* contiguous: bus pages in memory order even with --fragment (common buffers). */
int shim_dma_alloc(size_t length, bool high, bool contiguous, struct shim_dma_buffer **out);
void shim_dma_free(struct shim_dma_buffer *b);
/* The bus address of the byte at offset. */
uint64_t shim_dma_bus(const struct shim_dma_buffer *b, size_t offset);
/* Request buffers: taken from a cache of buffers so a request costs no region round trip. */
int shim_dma_get(size_t length, struct shim_dma_buffer **out);
void shim_dma_put(struct shim_dma_buffer *b);
void shim_dma_shutdown(void);
/* Whether [bus, bus+len) lies inside memory the driver gave the device: common buffers. */
bool shim_dma_in_common_buffer(uint64_t bus, uint64_t len);

/* Typed objects shared across files ----------------------------------------------------------- */

struct shim_driver {
    struct shim_object obj;
    DRIVER_OBJECT wdm;
    WDF_DRIVER_CONFIG config;
};

struct shim_queue;
struct shim_interrupt;
struct shim_dma_enabler;

struct shim_device {
    struct shim_object obj;
    DEVICE_OBJECT wdm;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_DEVICE_IO_TYPE io_type;
    pthread_mutex_t callback_lock; /* SynchronizationScope=Device and AutomaticSerialization */
    struct shim_queue *queues;
    struct shim_queue *read_queue, *write_queue, *ioctl_queue, *default_queue;
    struct shim_interrupt *interrupts;
    struct shim_dma_enabler *enablers;
    struct shim_object *raw_resources, *translated_resources;
    ULONG alignment;
    bool started; /* queues dispatch only between power-up and power-down */
};

struct shim_device_init {
    WDF_DEVICE_IO_TYPE io_type;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    bool pnp_set;
};

/* driver_device.c: the resource list PrepareHardware receives (raw and translated alike). */
struct shim_object *shim_resource_list_create(struct shim_device *d);

/* lifecycle.c */
int shim_lifecycle_run(void);

/* registers.c */
void shim_registers_init(void);
/* The physical address the resource list reports for a BAR (memory BARs) or its port base. */
uint64_t shim_bar_phys(unsigned bar);

/* queue.c / request.c: application requests enter here from the event thread. */
void shim_io_request(void *arg, const struct dmaemu_io_request *req);
void shim_io_cancel(void *arg, uint64_t number);
void shim_queues_start(struct shim_device *d);
void shim_queues_stop(struct shim_device *d);
/* A request's queue moves on once the request is completed. */
void shim_queue_request_done(struct shim_queue *q);

struct shim_request;
/* A request's DMA-able buffer (MDL) and the transaction holding it, for dma_transaction.c. */
struct shim_dma_buffer *shim_request_buffer(struct shim_request *r, size_t *offset, size_t *len,
                                            bool *to_device);
void shim_request_set_transaction(struct shim_request *r, struct shim_object *transaction);
uint64_t shim_request_number(const struct shim_request *r);
/* The DMA buffer behind an MDL the framework made, the MDL's start in it and the request it
 * belongs to; NULL if not ours. */
struct shim_dma_buffer *shim_mdl_buffer(PMDL mdl, size_t *offset, uint64_t *request_number);

/* dma_transaction.c */
void shim_transactions_check_at_d0exit(struct shim_device *d);
void shim_dma_notified(void *arg, uint64_t bus, uint64_t len, bool to_host, bool faulted,
                       uint64_t fault_addr);
bool shim_transaction_in_transfer(struct shim_object *transaction);
uint64_t shim_transaction_id(struct shim_object *transaction);

/* interrupt.c */
void shim_interrupt_line(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted);
NTSTATUS shim_interrupts_connect(struct shim_device *d);
void shim_interrupts_disconnect(struct shim_device *d);

/* dma_enabler.c */
/* True when every DMA enabler that moves data uses a 64-bit profile (request buffers may then
 * live above 4 GiB with --high-dma). */
bool shim_enablers_all_64bit(void);
NTSTATUS shim_enablers_power_up(struct shim_device *d);
void shim_enablers_power_down(struct shim_device *d);

#endif
