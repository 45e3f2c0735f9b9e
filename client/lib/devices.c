/* devices.c: device list, attach/detach, MMIO and register snapshots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void device_info_from_wire(struct dmaemu_device_info *out, const Dmaemu__DeviceInfo *in)
{
    memset(out, 0, sizeof(*out));
    copy_str(out->name, sizeof(out->name), in->name);
    copy_str(out->model, sizeof(out->model), in->model);
    out->vendor_id = (uint16_t)in->vendor_id;
    out->device_id = (uint16_t)in->device_id;
    out->revision = (uint8_t)in->revision;
    out->bar_count = in->n_bars < DMAEMU_MAX_BARS ? (unsigned)in->n_bars : DMAEMU_MAX_BARS;
    for (unsigned i = 0; i < out->bar_count; i++) {
        out->bars[i].index = in->bars[i]->index;
        out->bars[i].kind = (enum dmaemu_bar_kind)in->bars[i]->kind;
        out->bars[i].size = in->bars[i]->size;
    }
    if (in->n_interrupts > 0) {
        out->irq_kind = (enum dmaemu_irq_kind)in->interrupts[0]->kind;
        out->irq_count = in->interrupts[0]->count;
    }
    out->owned = in->state == DMAEMU__DEVICE_STATE__DEVICE_OWNED;
    out->owner_session = in->owner_session;
    copy_str(out->owner_name, sizeof(out->owner_name), in->owner_name);
    copy_str(out->owner_peer, sizeof(out->owner_peer), in->owner_peer);
}

int dmaemu_devices(dmaemu_t *c, struct dmaemu_device_info **list)
{
    Dmaemu__DeviceListRequest req = DMAEMU__DEVICE_LIST_REQUEST__INIT;
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_DEVICE_LIST, &req.base, DMAEMU__MSG_TYPE__MSG_DEVICE_LIST_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    const Dmaemu__DeviceListReply *r = (const Dmaemu__DeviceListReply *)reply;
    *list = calloc(r->n_devices ? r->n_devices : 1, sizeof(**list));
    if (*list == NULL) {
        msg_free(reply);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < r->n_devices; i++)
        device_info_from_wire(&(*list)[i], r->devices[i]);
    rc = (int)r->n_devices;
    msg_free(reply);
    return rc;
}

int dmaemu_attach(dmaemu_t *c, const char *device, struct dmaemu_device_info *info)
{
    Dmaemu__Attach req = DMAEMU__ATTACH__INIT;
    req.device = (char *)device;
    req.dma_notify = c->dma_notify_fn != NULL;
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_ATTACH, &req.base, DMAEMU__MSG_TYPE__MSG_ATTACH_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    const Dmaemu__AttachReply *r = (const Dmaemu__AttachReply *)reply;
    if (info != NULL && r->device != NULL)
        device_info_from_wire(info, r->device);
    msg_free(reply);
    return 0;
}

int dmaemu_detach(dmaemu_t *c)
{
    Dmaemu__Detach req = DMAEMU__DETACH__INIT;
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_DETACH, &req.base, DMAEMU__MSG_TYPE__MSG_OK);
    return conn_call(c, &call, NULL, NULL);
}

static int check_width(unsigned width)
{
    if (width == 1 || width == 2 || width == 4 || width == 8)
        return 0;
    return dmaemu_fail(DMAEMU_E_RANGE, "MMIO width %u: use 1, 2, 4 or 8 bytes", width);
}

int dmaemu_mmio_read_device(dmaemu_t *c, const char *device, bool force, unsigned bar,
                            uint64_t offset, unsigned width, uint64_t *value)
{
    if (check_width(width) < 0)
        return DMAEMU_E_RANGE;
    Dmaemu__MmioRead req = DMAEMU__MMIO_READ__INIT;
    req.bar = bar;
    req.offset = offset;
    req.width = width;
    req.device = (char *)(device ? device : "");
    req.force = force;
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_MMIO_READ, &req.base, DMAEMU__MSG_TYPE__MSG_MMIO_READ_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    *value = ((Dmaemu__MmioReadReply *)reply)->value;
    msg_free(reply);
    return 0;
}

int dmaemu_mmio_read(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width, uint64_t *value)
{
    return dmaemu_mmio_read_device(c, NULL, false, bar, offset, width, value);
}

/* A write to the attached device (device NULL), or to a named one as a tool does. */
static void mmio_write_init(Dmaemu__MmioWrite *req, const char *device, bool force, unsigned bar,
                            uint64_t offset, unsigned width, uint64_t value)
{
    dmaemu__mmio_write__init(req);
    req->bar = bar;
    req->offset = offset;
    req->width = width;
    req->value = value;
    req->device = (char *)(device ? device : "");
    req->force = force;
}

/* Posted: the hot path of a driver programming its device waits for nothing. */
int dmaemu_mmio_write(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width, uint64_t value)
{
    if (check_width(width) < 0)
        return DMAEMU_E_RANGE;
    Dmaemu__MmioWrite req;
    mmio_write_init(&req, NULL, false, bar, offset, width, value);
    return conn_post(c, DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, &req.base);
}

int dmaemu_mmio_write_batched(dmaemu_t *c, unsigned bar, uint64_t offset, unsigned width,
                              uint64_t value)
{
    if (check_width(width) < 0)
        return DMAEMU_E_RANGE;
    Dmaemu__MmioWrite req;
    mmio_write_init(&req, NULL, false, bar, offset, width, value);
    return conn_post_batched(c, DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, &req.base);
}

/* A tool's write waits for the daemon's answer, so its errors are reported to it. */
int dmaemu_mmio_write_device(dmaemu_t *c, const char *device, bool force, unsigned bar,
                             uint64_t offset, unsigned width, uint64_t value)
{
    if (check_width(width) < 0)
        return DMAEMU_E_RANGE;
    Dmaemu__MmioWrite req;
    mmio_write_init(&req, device, force, bar, offset, width, value);
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_MMIO_WRITE, &req.base, DMAEMU__MSG_TYPE__MSG_OK);
    return conn_call(c, &call, NULL, NULL);
}

/* Register snapshots ------------------------------------------------------------------------ */

static int regs_from_wire(struct dmaemu_regs *out, const Dmaemu__RegsReply *r)
{
    copy_str(out->device, sizeof(out->device), r->device);
    copy_str(out->model, sizeof(out->model), r->model);
    out->registers = calloc(r->n_registers ? r->n_registers : 1, sizeof(*out->registers));
    if (out->registers == NULL)
        return -1;
    out->count = (unsigned)r->n_registers;
    for (unsigned i = 0; i < out->count; i++) {
        const Dmaemu__Register *in = r->registers[i];
        struct dmaemu_register *reg = &out->registers[i];
        copy_str(reg->name, sizeof(reg->name), in->name);
        reg->bar = in->bar;
        reg->offset = in->offset;
        reg->width = in->width;
        reg->value = in->value;
        reg->fields = calloc(in->n_fields ? in->n_fields : 1, sizeof(*reg->fields));
        if (reg->fields == NULL)
            return -1;
        reg->field_count = (unsigned)in->n_fields;
        for (unsigned j = 0; j < reg->field_count; j++) {
            copy_str(reg->fields[j].name, sizeof(reg->fields[j].name), in->fields[j]->name);
            copy_str(reg->fields[j].meaning, sizeof(reg->fields[j].meaning),
                     in->fields[j]->meaning);
            reg->fields[j].value = in->fields[j]->value;
        }
    }
    return 0;
}

int dmaemu_regs(dmaemu_t *c, const char *device, struct dmaemu_regs **out)
{
    Dmaemu__RegsRequest req = DMAEMU__REGS_REQUEST__INIT;
    req.device = (char *)device;
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_REGS, &req.base, DMAEMU__MSG_TYPE__MSG_REGS_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    *out = calloc(1, sizeof(**out));
    if (*out == NULL || regs_from_wire(*out, (const Dmaemu__RegsReply *)reply) < 0) {
        dmaemu_regs_free(*out);
        rc = dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    msg_free(reply);
    return rc;
}

void dmaemu_regs_free(struct dmaemu_regs *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < r->count; i++)
        free(r->registers[i].fields);
    free(r->registers);
    free(r);
}

int dmaemu_history_query(dmaemu_t *c, const char *kind, const char *params, char **json)
{
    Dmaemu__HistoryQuery q = DMAEMU__HISTORY_QUERY__INIT;
    q.kind = (char *)kind;
    q.params = (char *)(params ? params : "{}");
    ProtobufCMessage *reply;
    struct call call =
        CALL(DMAEMU__MSG_TYPE__MSG_HISTORY_QUERY, &q.base, DMAEMU__MSG_TYPE__MSG_HISTORY_REPLY);
    int rc = conn_call(c, &call, &reply, NULL);
    if (rc < 0)
        return rc;
    *json = strdup(((Dmaemu__HistoryReply *)reply)->json);
    msg_free(reply);
    return *json ? 0 : dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
}
