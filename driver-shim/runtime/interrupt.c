/*
 * interrupt.c: line interrupts as KMDF delivers them.
 *
 * The daemon delivers INTA's assertions, numbered. For each, one ISR pass runs every connected
 * EvtInterruptIsr at DIRQL under its interrupt lock, then tells the daemon the pass is done
 * (InterruptDone, after the ISR's register writes): a line still asserted then is delivered
 * again, which is level semantics without waiting for a round trip after every pass.
 *
 * A pass runs where the assertion arrives, on libdmaemu's event thread, when it can without
 * waiting: no pass is running, every interrupt lock is free (a driver thread holding one for
 * WdfInterruptSynchronize may be waiting for that event thread), and register reads can be
 * answered there (a local driver's call channel). Otherwise the ISR thread runs it. Like a CPU
 * taking an interrupt, the event thread delivers nothing else until the ISR returns.
 *
 * A line delivered and claimed by nobody 100 times in a row is an interrupt storm: a finding,
 * and the line is ignored from then on. DPCs run on their own thread at DISPATCH_LEVEL, under
 * the device's callback lock with AutomaticSerialization.
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define SHIM_STORM_LIMIT 100

struct shim_interrupt {
    struct shim_object obj;
    struct shim_interrupt *next; /* the device's interrupts */
    struct shim_device *device;
    WDF_INTERRUPT_CONFIG config;
    pthread_mutex_t lock; /* the interrupt lock */
    KIRQL saved_irql;
    atomic_bool dpc_queued;
    bool connected;
};

static struct {
    pthread_mutex_t lock;
    /* One condition per thread: a line change must not wake the DPC thread, nor a queued DPC
     * the ISR thread (a wasted context switch on the interrupt path). */
    pthread_cond_t isr_cond, dpc_cond;
    bool asserted;      /* INTA as the daemon last reported it */
    uint64_t raised_ns; /* the daemon's stamp of its last assertion */
    uint64_t assertion; /* the number of the latest delivery */
    uint64_t served;    /* the latest delivery a pass has started for */
    bool running;       /* a pass is running, on the event thread or the ISR thread */
    unsigned unclaimed; /* passes in a row that no ISR claimed */
    bool armed;         /* interrupts connected and not silenced by a storm */
    bool dpc_pending;
    bool stop;
    pthread_t isr_thread, dpc_thread;
    bool threads_started;
} line = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .isr_cond = PTHREAD_COND_INITIALIZER,
          .dpc_cond = PTHREAD_COND_INITIALIZER};

#define INTR(h, api) SHIM_CHECK(h, SHIM_INTERRUPT, struct shim_interrupt, api)

static void interrupt_teardown(struct shim_object *o)
{
    struct shim_interrupt *i = (struct shim_interrupt *)o;
    for (struct shim_interrupt **pp = &i->device->interrupts; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == i) {
            *pp = i->next;
            break;
        }
    }
    pthread_mutex_destroy(&i->lock);
    free(i);
}

NTSTATUS WdfInterruptCreate(WDFDEVICE Device, PWDF_INTERRUPT_CONFIG Configuration,
                            PWDF_OBJECT_ATTRIBUTES Attributes, WDFINTERRUPT *Interrupt)
{
    struct shim_device *d =
        SHIM_CHECK(Device, SHIM_DEVICE, struct shim_device, "WdfInterruptCreate");
    if (d == NULL || Configuration == NULL || Configuration->EvtInterruptIsr == NULL)
        return STATUS_INVALID_PARAMETER;
    if (!shim_irql_at_most(PASSIVE_LEVEL, "WdfInterruptCreate"))
        return STATUS_INVALID_DEVICE_STATE;
    struct shim_interrupt *i = calloc(1, sizeof(*i));
    if (i == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    i->config = *Configuration;
    i->device = d;
    pthread_mutex_init(&i->lock, NULL);
    NTSTATUS st =
        shim_object_init(&i->obj, SHIM_INTERRUPT, Attributes, &d->obj, interrupt_teardown);
    if (!NT_SUCCESS(st)) {
        pthread_mutex_destroy(&i->lock);
        free(i);
        return st;
    }
    i->next = d->interrupts;
    d->interrupts = i;
    *Interrupt = (WDFINTERRUPT)i;
    return STATUS_SUCCESS;
}

/* The interrupt lock ------------------------------------------------------------------------- */

/* The interrupt lock guards what the ISR shares; an ISR on the event thread may have learnt
 * things about the device that frames still to be delivered come before, so whoever takes it
 * after catches up with them first. */
/* Holding i's lock: the caller now runs at its DIRQL. */
static void intr_enter(struct shim_interrupt *i)
{
    i->saved_irql = shim_irql;
    shim_irql = SHIM_DIRQL;
}

static void intr_lock(struct shim_interrupt *i)
{
    pthread_mutex_lock(&i->lock);
    dmaemu_catch_up(shim.conn);
    intr_enter(i);
}

static void intr_unlock(struct shim_interrupt *i)
{
    shim_irql = i->saved_irql;
    pthread_mutex_unlock(&i->lock);
}

VOID WdfInterruptAcquireLock(WDFINTERRUPT Interrupt)
{
    struct shim_interrupt *i = INTR(Interrupt, "WdfInterruptAcquireLock");
    if (i != NULL)
        intr_lock(i);
}

VOID WdfInterruptReleaseLock(WDFINTERRUPT Interrupt)
{
    struct shim_interrupt *i = INTR(Interrupt, "WdfInterruptReleaseLock");
    if (i != NULL)
        intr_unlock(i);
}

BOOLEAN WdfInterruptSynchronize(WDFINTERRUPT Interrupt, PFN_WDF_INTERRUPT_SYNCHRONIZE Callback,
                                WDFCONTEXT Context)
{
    struct shim_interrupt *i = INTR(Interrupt, "WdfInterruptSynchronize");
    if (i == NULL || Callback == NULL)
        return FALSE;
    BOOLEAN r;
    intr_lock(i);
    SHIM_CALL_RET(r, "EvtInterruptSynchronize", Callback(Interrupt, Context));
    intr_unlock(i);
    return r;
}

WDFDEVICE WdfInterruptGetDevice(WDFINTERRUPT Interrupt)
{
    struct shim_interrupt *i = INTR(Interrupt, "WdfInterruptGetDevice");
    return i ? (WDFDEVICE)i->device : NULL;
}

BOOLEAN WdfInterruptQueueDpcForIsr(WDFINTERRUPT Interrupt)
{
    struct shim_interrupt *i = INTR(Interrupt, "WdfInterruptQueueDpcForIsr");
    if (i == NULL || atomic_exchange(&i->dpc_queued, true))
        return FALSE;
    pthread_mutex_lock(&line.lock);
    line.dpc_pending = true;
    pthread_cond_broadcast(&line.dpc_cond);
    pthread_mutex_unlock(&line.lock);
    return TRUE;
}

/* ISR passes ----------------------------------------------------------------------------- */

/* The assertion the running pass serves, for dmaemu_shim_interrupt_raised_ns(). */
static _Thread_local uint64_t isr_raised_ns;

uint64_t dmaemu_shim_interrupt_raised_ns(void)
{
    return isr_raised_ns;
}

/* Runs every connected ISR; `held` says their locks are taken already (each is released after
 * its ISR). */
static bool isr_pass(struct shim_device *d, bool held)
{
    bool claimed = false;
    for (struct shim_interrupt *i = d->interrupts; i != NULL; i = i->next) {
        if (!i->connected)
            continue;
        BOOLEAN r;
        if (held)
            intr_enter(i);
        else
            intr_lock(i);
        SHIM_CALL_RET(r, "EvtInterruptIsr", i->config.EvtInterruptIsr((WDFINTERRUPT)i, 0));
        intr_unlock(i);
        claimed |= r != FALSE;
    }
    struct dmaemu_driver_event e = {.kind = "isr", .phase = claimed ? "claimed" : "unclaimed"};
    shim_report(&e);
    return claimed;
}

/* Takes every connected interrupt's lock, or none. */
static bool isr_trylock_all(struct shim_device *d)
{
    for (struct shim_interrupt *i = d->interrupts; i != NULL; i = i->next) {
        if (!i->connected || pthread_mutex_trylock(&i->lock) == 0)
            continue;
        for (struct shim_interrupt *j = d->interrupts; j != i; j = j->next)
            if (j->connected)
                pthread_mutex_unlock(&j->lock);
        return false;
    }
    return true;
}

/* Is there a pass to run (line.lock held): the latest delivery, if no pass serves it yet? */
static bool isr_pass_due(void)
{
    return line.armed && line.asserted && !line.running && line.assertion != line.served;
}

/* Claims the pass due (line.lock held). */
static bool isr_claim_pass(uint64_t *assertion)
{
    if (!isr_pass_due())
        return false;
    line.running = true;
    line.served = *assertion = line.assertion;
    isr_raised_ns = line.raised_ns;
    return true;
}

/* Ends a pass (line.lock held, dropped and retaken): counts a storm, then tells the daemon,
 * after the ISR's register writes, which delivery the ISRs ran for. */
static void isr_end_pass(uint64_t assertion, bool claimed)
{
    line.running = false;
    line.unclaimed = claimed ? 0 : line.unclaimed + 1;
    bool storm = line.unclaimed == SHIM_STORM_LIMIT;
    if (storm)
        line.armed = false;
    bool armed = line.armed;
    /* Only a disconnect waits for a pass to end. (The ISR thread looks for the next pass
     * itself after its own; during a pass on the event thread no assertion can arrive.) */
    if (line.stop)
        pthread_cond_broadcast(&line.isr_cond);
    pthread_mutex_unlock(&line.lock);
    if (storm)
        shim_verifier(SHIM_NO_BUGCHECK, SHIM_STORM_LIMIT, 0, 0,
                      "interrupt storm: INTA stayed asserted through %d ISR calls that did not "
                      "claim it; the line is now ignored",
                      SHIM_STORM_LIMIT);
    if (armed)
        dmaemu_interrupt_done(shim.conn, DMAEMU_IRQ_LINE, 0, assertion);
    shim_flush();
    pthread_mutex_lock(&line.lock);
}

/* On the event thread: runs the pass due here, unless that would mean waiting for a lock;
 * false leaves it to the ISR thread. (Trying interrupt locks under line.lock cannot deadlock:
 * a try never waits.) */
static bool isr_run_here(void)
{
    uint64_t assertion = 0;
    pthread_mutex_lock(&line.lock);
    if (!isr_pass_due()) {
        pthread_mutex_unlock(&line.lock);
        return true;
    }
    if (!isr_trylock_all(shim.device)) {
        pthread_mutex_unlock(&line.lock);
        return false;
    }
    isr_claim_pass(&assertion);
    pthread_mutex_unlock(&line.lock);
    bool claimed = isr_pass(shim.device, true);
    pthread_mutex_lock(&line.lock);
    isr_end_pass(assertion, claimed);
    pthread_mutex_unlock(&line.lock);
    isr_raised_ns = 0;
    return true;
}

void shim_interrupt_line(void *arg, enum dmaemu_irq_kind kind, unsigned index, bool asserted)
{
    pthread_mutex_lock(&line.lock);
    line.asserted = asserted;
    if (asserted) {
        line.raised_ns = dmaemu_interrupt_raised_ns();
        line.assertion = dmaemu_interrupt_assertion();
    }
    pthread_mutex_unlock(&line.lock);
    if (!asserted || (dmaemu_callbacks_may_call(shim.conn) && isr_run_here()))
        return;
    pthread_mutex_lock(&line.lock);
    pthread_cond_broadcast(&line.isr_cond);
    pthread_mutex_unlock(&line.lock);
}

static void *isr_thread(void *arg)
{
    uint64_t assertion;
    pthread_mutex_lock(&line.lock);
    while (!line.stop) {
        if (!isr_claim_pass(&assertion)) {
            pthread_cond_wait(&line.isr_cond, &line.lock);
            continue;
        }
        pthread_mutex_unlock(&line.lock);
        bool claimed = isr_pass(shim.device, false);
        pthread_mutex_lock(&line.lock);
        isr_end_pass(assertion, claimed);
    }
    pthread_mutex_unlock(&line.lock);
    return NULL;
}

/* The DPC thread ---------------------------------------------------------------------------- */

static void run_dpcs(struct shim_device *d)
{
    dmaemu_catch_up(shim.conn); /* what the ISR that queued them saw ahead of the stream */
    for (struct shim_interrupt *i = d->interrupts; i != NULL; i = i->next) {
        if (!atomic_exchange(&i->dpc_queued, false) || i->config.EvtInterruptDpc == NULL)
            continue;
        pthread_mutex_t *lock = i->config.AutomaticSerialization ? &d->callback_lock : NULL;
        if (lock)
            pthread_mutex_lock(lock);
        shim_irql = DISPATCH_LEVEL;
        SHIM_CALL("EvtInterruptDpc", i->config.EvtInterruptDpc((WDFINTERRUPT)i, (WDFOBJECT)d));
        shim_irql = PASSIVE_LEVEL;
        if (lock)
            pthread_mutex_unlock(lock);
        struct dmaemu_driver_event e = {.kind = "dpc", .phase = "ran"};
        shim_report(&e);
    }
}

static void *dpc_thread(void *arg)
{
    pthread_mutex_lock(&line.lock);
    while (!line.stop) {
        if (!line.dpc_pending) {
            pthread_cond_wait(&line.dpc_cond, &line.lock);
            continue;
        }
        line.dpc_pending = false;
        pthread_mutex_unlock(&line.lock);
        run_dpcs(shim.device);
        shim_flush();
        pthread_mutex_lock(&line.lock);
    }
    pthread_mutex_unlock(&line.lock);
    return NULL;
}

/* Connect and disconnect (power-up and power-down) ------------------------------------------- */

static NTSTATUS intr_enable_call(struct shim_interrupt *i, bool enable)
{
    PFN_WDF_INTERRUPT_ENABLE fn =
        enable ? i->config.EvtInterruptEnable : i->config.EvtInterruptDisable;
    NTSTATUS st = STATUS_SUCCESS;
    if (fn == NULL)
        return st;
    intr_lock(i);
    SHIM_CALL_RET(st, enable ? "EvtInterruptEnable" : "EvtInterruptDisable",
                  fn((WDFINTERRUPT)i, (WDFDEVICE)i->device));
    intr_unlock(i);
    return st;
}

NTSTATUS shim_interrupts_connect(struct shim_device *d)
{
    if (!line.threads_started) {
        line.stop = false; /* after a disconnect, a power-up starts them again */
        if (pthread_create(&line.isr_thread, NULL, isr_thread, NULL) != 0 ||
            pthread_create(&line.dpc_thread, NULL, dpc_thread, NULL) != 0)
            return STATUS_INSUFFICIENT_RESOURCES;
        line.threads_started = true;
    }
    for (struct shim_interrupt *i = d->interrupts; i != NULL; i = i->next) {
        NTSTATUS st = intr_enable_call(i, true);
        if (!NT_SUCCESS(st))
            return st;
        i->connected = true;
    }
    pthread_mutex_lock(&line.lock);
    line.armed = d->interrupts != NULL;
    line.unclaimed = 0;
    pthread_cond_broadcast(&line.isr_cond);
    pthread_mutex_unlock(&line.lock);
    return STATUS_SUCCESS;
}

void shim_interrupts_disconnect(struct shim_device *d)
{
    /* No pass may start, and none may be running, once an interrupt is disconnected. */
    pthread_mutex_lock(&line.lock);
    line.armed = false;
    line.stop = true;
    pthread_cond_broadcast(&line.isr_cond);
    pthread_cond_broadcast(&line.dpc_cond);
    while (line.running)
        pthread_cond_wait(&line.isr_cond, &line.lock);
    pthread_mutex_unlock(&line.lock);
    for (struct shim_interrupt *i = d->interrupts; i != NULL; i = i->next) {
        if (!i->connected)
            continue;
        intr_enable_call(i, false);
        i->connected = false;
    }
    if (line.threads_started) {
        pthread_join(line.isr_thread, NULL);
        pthread_join(line.dpc_thread, NULL);
        line.threads_started = false;
    }
}
