/* session_device.c: the requests about devices: list, attach, detach, MMIO, register snapshots. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "handlers.h"
#include "io.h"

/* The protobuf view of one device; points into storage, which must outlive the send. */
struct device_info_storage {
    Dmaemu__DeviceInfo info;
    Dmaemu__Bar bars[DEV_MAX_BARS];
    Dmaemu__Bar *bar_ptrs[DEV_MAX_BARS];
    Dmaemu__InterruptResource irq;
    Dmaemu__InterruptResource *irq_ptr;
};

static void device_info_fill(struct device_info_storage *st, struct dev_host *d)
{
    Dmaemu__DeviceInfo *info = &st->info;
    dmaemu__device_info__init(info);
    info->name = d->name;
    info->model = (char *)d->model->name;
    info->vendor_id = d->id.vendor_id;
    info->device_id = d->id.device_id;
    info->revision = d->id.revision;
    for (unsigned i = 0; i < d->id.bar_count; i++) {
        dmaemu__bar__init(&st->bars[i]);
        st->bars[i].index = i;
        st->bars[i].kind = d->id.bars[i].kind == DEV_BAR_IO ? DMAEMU__BAR_KIND__BAR_IO
                                                            : DMAEMU__BAR_KIND__BAR_MEMORY;
        st->bars[i].size = d->id.bars[i].size;
        st->bar_ptrs[i] = &st->bars[i];
    }
    info->bars = st->bar_ptrs;
    info->n_bars = d->id.bar_count;
    dmaemu__interrupt_resource__init(&st->irq);
    st->irq.kind = DMAEMU__IRQ_KIND__IRQ_LINE;
    st->irq.count = d->id.irq_lines;
    st->irq_ptr = &st->irq;
    info->interrupts = &st->irq_ptr;
    info->n_interrupts = d->id.irq_lines ? 1 : 0;
    if (d->owner != NULL) {
        info->state = DMAEMU__DEVICE_STATE__DEVICE_OWNED;
        info->owner_session = d->owner->id;
        info->owner_name = d->owner->name;
        info->owner_peer = d->owner->peer;
    }
}

void session_device_list(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    size_t n = device_count();
    struct device_info_storage *st = calloc(n ? n : 1, sizeof(*st));
    Dmaemu__DeviceInfo **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
    if (st == NULL || ptrs == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "out of memory listing devices");
    } else {
        for (size_t i = 0; i < n; i++) {
            device_info_fill(&st[i], device_at(i));
            ptrs[i] = &st[i].info;
        }
        Dmaemu__DeviceListReply r = DMAEMU__DEVICE_LIST_REPLY__INIT;
        r.devices = ptrs;
        r.n_devices = n;
        session_send(s, DMAEMU__MSG_TYPE__MSG_DEVICE_LIST_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
    }
    free(st);
    free(ptrs);
}

static struct dev_host *session_find_device(struct session *s, uint32_t id, const char *name)
{
    struct dev_host *d = device_find(name);
    if (d == NULL)
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_DEVICE,
                      "no device named '%.64s' ('dmaemu devices' lists them)", name);
    return d;
}

static void session_error_busy(struct session *s, uint32_t id, struct dev_host *d, const char *hint)
{
    session_error(s, id, DMAEMU__ERROR_CODE__E_BUSY,
                  "%s is owned by session %" PRIu64 " (%s '%s', %s)%s", d->name, d->owner->id,
                  session_role_name(d->owner->role), d->owner->name, d->owner->peer, hint);
}

void session_attach(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__Attach *a = (const Dmaemu__Attach *)msg;
    struct dev_host *d = session_find_device(s, id, a->device);
    if (d == NULL)
        return;
    if (s->device != NULL && s->device != d) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                      "this session already drives %s; detach first or use another connection",
                      s->device->name);
        return;
    }
    if (device_attach(d, s) < 0) {
        session_error_busy(s, id, d, "; stop that driver first");
        return;
    }
    s->device = d;
    s->dma_notify = a->dma_notify;
    struct device_info_storage st;
    device_info_fill(&st, d);
    Dmaemu__AttachReply r = DMAEMU__ATTACH_REPLY__INIT;
    r.device = &st.info;
    session_send(s, DMAEMU__MSG_TYPE__MSG_ATTACH_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
}

void session_detach(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    if (s->device == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NOT_ATTACHED, "no device attached");
        return;
    }
    char why[96];
    snprintf(why, sizeof(why), "driver session %" PRIu64 " detached", s->id);
    io_driver_gone(s);
    device_detach(s->device, why);
    s->device = NULL;
    session_ok(s, id);
}

/* Posted: the driver's ISRs ran for one delivery of a line (see InterruptDone). */
void session_interrupt_done(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__InterruptDone *m = (const Dmaemu__InterruptDone *)msg;
    struct dev_host *d = s->device;
    if (d == NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NOT_ATTACHED,
                      "InterruptDone needs an attached device: attach first");
        return;
    }
    if (m->kind != DMAEMU__IRQ_KIND__IRQ_LINE || m->index >= d->id.irq_lines) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_RANGE,
                      "%s has no interrupt line %u (it has %u INTx line%s)", d->name, m->index,
                      d->id.irq_lines, d->id.irq_lines == 1 ? "" : "s");
        return;
    }
    device_interrupt_done(d, m->index, m->assertion);
    if (id != 0)
        session_ok(s, id);
}

/* The device an MMIO request targets: the named one (tools), or the attached one (drivers). */
static struct dev_host *session_mmio_device(struct session *s, uint32_t id, const char *name,
                                            bool force)
{
    if (name != NULL && name[0] != '\0') {
        struct dev_host *d = session_find_device(s, id, name);
        if (d != NULL && d->owner != NULL && d->owner != s && !force) {
            session_error_busy(s, id, d, "; force the access to go ahead anyway");
            return NULL;
        }
        return d;
    }
    if (s->device == NULL)
        session_error(s, id, DMAEMU__ERROR_CODE__E_NOT_ATTACHED,
                      "MMIO needs an attached device: attach first, or name the device");
    return s->device;
}

static bool session_mmio_check(struct session *s, uint32_t id, struct dev_host *d, unsigned bar,
                               uint64_t off, unsigned width)
{
    if (width != 1 && width != 2 && width != 4 && width != 8) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_RANGE, "MMIO width %u: use 1, 2, 4 or 8 bytes",
                      width);
        return false;
    }
    if (bar >= d->id.bar_count) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_RANGE, "%s has no BAR%u (BARs 0..%u)", d->name,
                      bar, d->id.bar_count - 1);
        return false;
    }
    uint64_t size = d->id.bars[bar].size;
    if (off >= size || width > size - off) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_RANGE,
                      "%s BAR%u offset 0x%" PRIx64 " width %u is outside the BAR (size 0x%" PRIx64
                      ")",
                      d->name, bar, off, width, size);
        return false;
    }
    return true;
}

static void session_mmio_status(struct session *s, uint32_t id, struct dev_host *d, int st,
                                unsigned bar, uint64_t off, unsigned width)
{
    if (st == DEV_E_REFUSED)
        session_error(s, id, DMAEMU__ERROR_CODE__E_UNSUPPORTED,
                      "%s refuses access to BAR%u (e.g. I/O port space); use the memory BAR",
                      d->name, bar);
    else
        session_error(s, id, DMAEMU__ERROR_CODE__E_RANGE,
                      "%s BAR%u offset 0x%" PRIx64 ": %u-byte access not supported there", d->name,
                      bar, off, width);
}

void session_mmio_read(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__MmioRead *m = (const Dmaemu__MmioRead *)msg;
    struct dev_host *d = session_mmio_device(s, id, m->device, m->force);
    if (d == NULL || !session_mmio_check(s, id, d, m->bar, m->offset, m->width))
        return;
    uint64_t value = 0;
    int st = d->model->mmio_read(d->state, m->bar, m->offset, m->width, &value);
    if (st != DEV_OK) {
        session_mmio_status(s, id, d, st, m->bar, m->offset, m->width);
        return;
    }
    Dmaemu__MmioReadReply r = DMAEMU__MMIO_READ_REPLY__INIT;
    r.value = value;
    session_send(s, DMAEMU__MSG_TYPE__MSG_MMIO_READ_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
}

/* Posted (id 0) unless the client asked for an answer; errors are reported either way. */
void session_mmio_write(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__MmioWrite *m = (const Dmaemu__MmioWrite *)msg;
    struct dev_host *d = session_mmio_device(s, id, m->device, m->force);
    if (d == NULL || !session_mmio_check(s, id, d, m->bar, m->offset, m->width))
        return;
    uint64_t mask = m->width == 8 ? UINT64_MAX : (1ull << (m->width * 8)) - 1;
    int st = d->model->mmio_write(d->state, m->bar, m->offset, m->width, m->value & mask);
    if (st != DEV_OK)
        session_mmio_status(s, id, d, st, m->bar, m->offset, m->width);
    else if (id != 0) {
        session_ok(s, id);
    }
}

/* Regs --------------------------------------------------------------------------------------- */

struct regs_storage {
    Dmaemu__Register *regs;
    Dmaemu__Register **reg_ptrs;
    Dmaemu__RegField *fields;
    Dmaemu__RegField **field_ptrs;
};

static int regs_build(struct regs_storage *st, const struct dev_regs *snap)
{
    size_t nfields = 0;
    for (unsigned i = 0; i < snap->count; i++)
        nfields += snap->regs[i].field_count;
    st->regs = calloc(snap->count + 1, sizeof(*st->regs));
    st->reg_ptrs = calloc(snap->count + 1, sizeof(*st->reg_ptrs));
    st->fields = calloc(nfields + 1, sizeof(*st->fields));
    st->field_ptrs = calloc(nfields + 1, sizeof(*st->field_ptrs));
    if (!st->regs || !st->reg_ptrs || !st->fields || !st->field_ptrs)
        return -1;
    size_t fi = 0;
    for (unsigned i = 0; i < snap->count; i++) {
        const struct dev_reg *in = &snap->regs[i];
        Dmaemu__Register *r = &st->regs[i];
        dmaemu__register__init(r);
        r->name = (char *)in->name;
        r->bar = in->bar;
        r->offset = in->offset;
        r->width = in->width;
        r->value = in->value;
        r->fields = &st->field_ptrs[fi];
        r->n_fields = in->field_count;
        for (unsigned j = 0; j < in->field_count; j++, fi++) {
            dmaemu__reg_field__init(&st->fields[fi]);
            st->fields[fi].name = (char *)in->fields[j].name;
            st->fields[fi].value = in->fields[j].value;
            st->fields[fi].meaning = (char *)(in->fields[j].meaning ? in->fields[j].meaning : "");
            st->field_ptrs[fi] = &st->fields[fi];
        }
        st->reg_ptrs[i] = r;
    }
    return 0;
}

static void regs_storage_free(struct regs_storage *st)
{
    free(st->regs);
    free(st->reg_ptrs);
    free(st->fields);
    free(st->field_ptrs);
}

void session_regs(struct session *s, uint32_t id, ProtobufCMessage *msg, struct frame *f)
{
    const Dmaemu__RegsRequest *m = (const Dmaemu__RegsRequest *)msg;
    struct dev_host *d = session_find_device(s, id, m->device);
    if (d == NULL)
        return;
    struct dev_regs snap = {0};
    struct regs_storage st = {0};
    if (d->model->snapshot(d->state, &snap) < 0 || regs_build(&st, &snap) < 0) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "out of memory");
    } else {
        Dmaemu__RegsReply r = DMAEMU__REGS_REPLY__INIT;
        r.device = d->name;
        r.model = (char *)d->model->name;
        r.registers = st.reg_ptrs;
        r.n_registers = snap.count;
        session_send(s, DMAEMU__MSG_TYPE__MSG_REGS_REPLY, FRAME_REPLY, id, &r.base, NULL, 0);
    }
    regs_storage_free(&st);
    free(snap.regs);
}

/* Posted by driver processes (the shim): recorded against the driver's device. */
HANDLER(session_driver_event)
{
    struct rec_event e = {.kind = REC_DRIVER_EVENT, .session = s->id};
    e.device = s->device != NULL ? s->device->name : NULL;
    e.driver = (const Dmaemu__DriverEvent *)msg;
    recorder_emit(&e);
}
