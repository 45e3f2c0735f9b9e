/* device.c: device registry, attach/detach, and the interrupt/timer/record services of model.h. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "params.h"
#include "session.h"

static struct dev_host **devices;
static size_t ndevices;

static int device_create(uv_loop_t *loop, const char *source, struct device_config *dc, char *err,
                         size_t errlen)
{
    const struct dev_model *model = model_find(dc->model);
    if (model == NULL) {
        snprintf(err, errlen, "%s: key 'model' in [device %s]: unknown model '%s' (known: %s)",
                 source ? source : "config", dc->name, dc->model, model_names());
        return -1;
    }
    struct dev_host *d = calloc(1, sizeof(*d));
    struct dev_host **grown = realloc(devices, (ndevices + 1) * sizeof(*grown));
    if (d == NULL || grown == NULL) {
        free(d);
        snprintf(err, errlen, "out of memory creating device %s", dc->name);
        return -1;
    }
    devices = grown;
    snprintf(d->name, sizeof(d->name), "%s", dc->name);
    d->model = model;
    d->loop = loop;

    struct dev_params params;
    dev_params_init(&params, source, dc);
    int rc = model->create(d, &params, &d->state);
    if (rc == 0 && dev_params_finish(&params) < 0) {
        model->destroy(d->state);
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s", params.failed ? params.err : "device creation failed");
        free(d);
        return -1;
    }
    model->identify(d->state, &d->id);
    devices[ndevices++] = d;
    return 0;
}

int devices_create(uv_loop_t *loop, struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->ndevices; i++) {
        if (device_create(loop, cfg->source, &cfg->devices[i], err, errlen) < 0) {
            devices_destroy();
            return -1;
        }
    }
    return 0;
}

void devices_destroy(void)
{
    for (size_t i = 0; i < ndevices; i++) {
        dev_dma_cancel_all(devices[i]);
        devices[i]->model->destroy(devices[i]->state);
        free(devices[i]);
    }
    free(devices);
    devices = NULL;
    ndevices = 0;
}

size_t device_count(void)
{
    return ndevices;
}

struct dev_host *device_at(size_t i)
{
    return i < ndevices ? devices[i] : NULL;
}

struct dev_host *device_find(const char *name)
{
    for (size_t i = 0; i < ndevices; i++)
        if (strcmp(devices[i]->name, name) == 0)
            return devices[i];
    return NULL;
}

/* Sends line's assertion to the owner under a new delivery number. */
static void dev_irq_deliver(struct dev_host *d, unsigned line)
{
    d->irq_delivered[line] = ++d->irq_deliveries;
    session_send_interrupt(d->owner, line, true, d->irq_raised_ns[line], d->irq_delivered[line]);
}

int device_attach(struct dev_host *d, struct session *s)
{
    if (d->owner != NULL && d->owner != s)
        return -1;
    d->owner = s;
    struct rec_event e = {.kind = REC_ATTACH};
    dev_record(d, &e);
    /* A line left asserted (e.g. by a monitor's forced MMIO) must reach the new driver. */
    for (unsigned line = 0; line < DEV_IRQ_LINES_MAX; line++)
        if (d->irq_levels & (1u << line))
            dev_irq_deliver(d, line);
    return 0;
}

void device_detach(struct dev_host *d, const char *reason)
{
    if (d->owner == NULL)
        return;
    struct rec_event e = {.kind = REC_DETACH};
    dev_record(d, &e);
    dev_dma_cancel_all(d);
    d->owner = NULL;
    d->model->reset(d->state);
    d->resets++;
    struct rec_event r = {.kind = REC_DEVICE_RESET, .reset.reason = reason};
    dev_record(d, &r);
}

void device_interrupt_done(struct dev_host *d, unsigned line, uint64_t assertion)
{
    if (line < DEV_IRQ_LINES_MAX && (d->irq_levels & (1u << line)) && d->owner != NULL &&
        assertion == d->irq_delivered[line])
        dev_irq_deliver(d, line);
}

void dev_irq_set(struct dev_host *d, unsigned line, bool asserted)
{
    line &= DEV_IRQ_LINES_MAX - 1;
    uint32_t bit = 1u << line;
    if (((d->irq_levels & bit) != 0) == asserted)
        return;
    d->irq_levels ^= bit;
    d->counters.irq_asserts += asserted;
    /* Stamped once, delivered first, recorded after: the driver hears the instant the history
     * keeps, without waiting for the history's copy of the event. */
    struct rec_event e = {
        .kind = REC_IRQ, .time_ns = recorder_now_ns(), .irq = {.line = line, .asserted = asserted}};
    if (asserted)
        d->irq_raised_ns[line] = e.time_ns;
    if (d->owner != NULL && asserted)
        dev_irq_deliver(d, line);
    else if (d->owner != NULL)
        session_send_interrupt(d->owner, line, false, e.time_ns, 0);
    dev_record(d, &e);
}

void dev_record(struct dev_host *d, struct rec_event *e)
{
    e->device = d->name;
    e->session = d->owner != NULL ? d->owner->id : 0;
    recorder_emit(e);
}

uint64_t dev_now_ns(const struct dev_host *d)
{
    return uv_hrtime();
}

const char *dev_name(const struct dev_host *d)
{
    return d->name;
}

/* Timers ------------------------------------------------------------------------------------- */

struct dev_timer {
    uv_timer_t timer;
    dev_timer_fn fn;
    void *arg;
};

static void dev_timer_fire(uv_timer_t *t)
{
    struct dev_timer *dt = t->data;
    dt->fn(dt->arg);
}

struct dev_timer *dev_timer_create(struct dev_host *d, dev_timer_fn fn, void *arg)
{
    struct dev_timer *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    uv_timer_init(d->loop, &t->timer);
    t->timer.data = t;
    t->fn = fn;
    t->arg = arg;
    return t;
}

void dev_timer_start(struct dev_timer *t, uint64_t delay_ns)
{
    /* libuv timers count milliseconds: round up so a delay is never shortened. */
    uint64_t ms = (delay_ns + 999999u) / 1000000u;
    uv_timer_start(&t->timer, dev_timer_fire, ms, 0);
}

void dev_timer_stop(struct dev_timer *t)
{
    uv_timer_stop(&t->timer);
}

static void dev_timer_free(uv_handle_t *h)
{
    free(h->data);
}

void dev_timer_destroy(struct dev_timer *t)
{
    if (t != NULL)
        uv_close((uv_handle_t *)&t->timer, dev_timer_free);
}

/* Register snapshots ------------------------------------------------------------------------- */

struct dev_reg *dev_regs_add(struct dev_regs *r, const char *name, unsigned bar, uint64_t offset,
                             unsigned width, uint64_t value)
{
    if (r->count == r->cap) {
        unsigned cap = r->cap ? r->cap * 2 : 32;
        struct dev_reg *regs = realloc(r->regs, cap * sizeof(*regs));
        if (regs == NULL)
            return NULL;
        r->regs = regs;
        r->cap = cap;
    }
    struct dev_reg *reg = &r->regs[r->count++];
    memset(reg, 0, sizeof(*reg));
    reg->name = name;
    reg->bar = bar;
    reg->offset = offset;
    reg->width = width;
    reg->value = value;
    return reg;
}

void dev_reg_field(struct dev_reg *reg, const char *name, uint64_t value, const char *meaning)
{
    if (reg == NULL || reg->field_count == DEV_REG_MAX_FIELDS)
        return;
    reg->fields[reg->field_count++] = (struct dev_reg_field){name, value, meaning};
}
