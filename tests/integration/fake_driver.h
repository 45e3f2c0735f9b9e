/*
 * fake_driver.h: a RAM device's driver for the application I/O tests, built directly on
 * libdmaemu (no KMDF).
 *
 * It connects with the driver role, attaches a device and serves every request it is sent:
 *   - a write stores its data at `offset` of an in-memory buffer (FAKE_DRIVER_DEFAULT_SIZE
 *     unless told otherwise); information = the bytes written;
 *   - a read returns `length` bytes from `offset`, fewer if the buffer ends first (like
 *     ReadFile at the end of a file); information = the bytes returned;
 *   - a write that does not fit, or a read starting beyond the end of the buffer:
 *     STATUS_INVALID_PARAMETER;
 *   - IOCTL FAKE_IOCTL_REVERSE returns its input reversed, truncated to the output length
 *     (information = the bytes returned);
 *   - IOCTL FAKE_IOCTL_OVERRUN, a misbehaving driver's IOCTL: returns its whole input reversed
 *     whatever the output length (information = the input length), so a test can check that
 *     the daemon and the library truncate;
 *   - anything else: STATUS_INVALID_DEVICE_REQUEST.
 * It completes synchronously inside the request callback (FAKE_SYNC), from a worker thread of
 * its own (FAKE_WORKER), or never (FAKE_HOLD: requests are kept, with a copy of their data,
 * until fake_driver_release), and records every cancel it is sent.
 *
 * fake_child_spawn runs one in a child process, so that a test can SIGKILL it; the child
 * reports readiness, held requests and cancels through a pipe.
 */
#ifndef DMAEMU_FAKE_DRIVER_H
#define DMAEMU_FAKE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dmaemu.h"

#define FAKE_IOCTL_REVERSE 0x222004u
#define FAKE_IOCTL_OVERRUN 0x222008u

#define STATUS_SUCCESS                ((int32_t)0x00000000)
#define STATUS_INVALID_PARAMETER      ((int32_t)0xC000000D)
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_DEVICE_NOT_CONNECTED   ((int32_t)0xC000009D)
#define STATUS_DEVICE_REMOVED         ((int32_t)0xC00002B6)

#define FAKE_DRIVER_DEFAULT_SIZE (1u << 20)
#define FAKE_DRIVER_MAX_CANCELS  4096
#define FAKE_CHILD_DISCONNECTED  3 /* the child's exit code when it had lost the daemon */

enum fake_mode {
    FAKE_SYNC,   /* complete inside the request callback, on the event thread */
    FAKE_WORKER, /* complete from the driver's worker thread */
    FAKE_HOLD,   /* keep requests until fake_driver_release */
};

struct fake_driver_options {
    const char *uri;        /* the daemon */
    const char *token_file; /* for TCP; NULL over UNIX */
    const char *device;     /* to attach */
    const char *name;       /* the session's name; default "fake-driver" */
    enum fake_mode mode;
    size_t size;       /* of the RAM buffer; 0: FAKE_DRIVER_DEFAULT_SIZE */
    uint32_t max_data; /* connect option; 0: the library default */
};

struct fake_driver;

/*
 * Connects, installs the handlers and attaches opts->device. Returns 0 and *out, or the
 * negative libdmaemu code of the step that failed (dmaemu_last_error() says why).
 */
int fake_driver_start(const struct fake_driver_options *opts, struct fake_driver **out);
/* Stops the worker, closes the connection (the daemon fails what is still held) and frees. */
void fake_driver_stop(struct fake_driver *fd);
dmaemu_t *fake_driver_conn(struct fake_driver *fd);

/* Switches the mode for requests that arrive from now on (held ones stay held). */
void fake_driver_set_mode(struct fake_driver *fd, enum fake_mode mode);

/* Requests served and completed since start (held ones count once released). */
uint64_t fake_driver_served(struct fake_driver *fd);
/* Requests currently held. */
unsigned fake_driver_held(struct fake_driver *fd);
/* Waits until at least n requests are held; false on timeout. */
bool fake_driver_wait_held(struct fake_driver *fd, unsigned n, int timeout_ms);
/* Copies the numbers of the held requests, in arrival order; returns how many are held. */
unsigned fake_driver_held_numbers(struct fake_driver *fd, uint64_t *numbers, unsigned cap);
/* Serves and completes every held request, in arrival order or reversed, from the calling
 * thread; returns how many. */
unsigned fake_driver_release(struct fake_driver *fd, bool reverse);
/* Forgets the held requests without completing them; returns how many. */
unsigned fake_driver_drop_held(struct fake_driver *fd);

/* Cancels received since start. */
unsigned fake_driver_cancels(struct fake_driver *fd);
/* Waits until at least n cancels arrived; false on timeout. */
bool fake_driver_wait_cancels(struct fake_driver *fd, unsigned n, int timeout_ms);
/* Copies the cancelled request numbers, in arrival order; returns how many arrived. */
unsigned fake_driver_cancel_numbers(struct fake_driver *fd, uint64_t *numbers, unsigned cap);

/* The RAM buffer (for checks; the driver may be writing it from its own threads). */
uint8_t *fake_driver_memory(struct fake_driver *fd, size_t *size);

/* A fake driver in a child process ------------------------------------------------------------ */

struct fake_child {
    pid_t pid;   /* 0 once reaped */
    int events;  /* read end of the report pipe */
    int control; /* write end of the control pipe: closing it stops the child */
    char buf[512];
    size_t len;
};

enum fake_event {
    FAKE_EVENT_NONE = 0,   /* timeout, or the child went away */
    FAKE_EVENT_HELD = 'H', /* a request is held (FAKE_HOLD) */
    FAKE_EVENT_CANCEL = 'C',
};

/*
 * Forks a child that runs fake_driver_start(opts) and reports "ready" through a pipe. Call it
 * before this process starts threads of its own (before connecting), as fork copies only the
 * calling thread. Returns 0 once the child is attached and serving; -1 (with the child's
 * message in ch->buf, and the child reaped) otherwise. The child dies with its parent.
 */
int fake_child_spawn(const struct fake_driver_options *opts, struct fake_child *ch);
/* The next event the child reported (and *number), or FAKE_EVENT_NONE after timeout_ms. */
enum fake_event fake_child_next(struct fake_child *ch, uint64_t *number, int timeout_ms);
/* SIGKILL and reap; returns the wait status. */
int fake_child_kill(struct fake_child *ch);
/* Asks the child to stop its driver and exit; waits up to timeout_ms; returns its exit code
 * (0, or FAKE_CHILD_DISCONNECTED when the daemon had closed the driver's connection), or -1
 * (after killing it) when it does not exit in time. */
int fake_child_stop(struct fake_child *ch, int timeout_ms);

#endif
