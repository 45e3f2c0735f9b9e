/*
 * dma_enabler.c: DMA enablers (profile, limits, power callbacks) and common buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "dma_internal.h"

static void enabler_teardown(struct shim_object *o)
{
    struct shim_dma_enabler *e = (struct shim_dma_enabler *)o;
    struct shim_device *d = e->device;
    for (struct shim_dma_enabler **pp = &d->enablers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    }
    free(e);
}

static bool profile_valid(WDF_DMA_PROFILE p)
{
    return p >= WdfDmaProfilePacket && p <= WdfDmaProfileScatterGather64Duplex;
}

NTSTATUS WdfDmaEnablerCreate(WDFDEVICE Device, PWDF_DMA_ENABLER_CONFIG Config,
                             PWDF_OBJECT_ATTRIBUTES Attributes, WDFDMAENABLER *DmaEnablerHandle)
{
    struct shim_device *d =
        SHIM_CHECK(Device, SHIM_DEVICE, struct shim_device, "WdfDmaEnablerCreate");
    if (d == NULL || !shim_irql_at_most(PASSIVE_LEVEL, "WdfDmaEnablerCreate"))
        return STATUS_INVALID_DEVICE_REQUEST;
    if (Config == NULL || !profile_valid(Config->Profile) || Config->MaximumLength == 0) {
        shim_log("WdfDmaEnablerCreate: invalid config (profile %d, maximum length %zu)",
                 Config ? (int)Config->Profile : -1, Config ? (size_t)Config->MaximumLength : 0);
        return STATUS_INVALID_PARAMETER;
    }
    struct shim_dma_enabler *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    e->config = *Config;
    e->device = d;
    WDF_DMA_PROFILE p = Config->Profile;
    e->packet = p == WdfDmaProfilePacket || p == WdfDmaProfilePacket64;
    e->is64 = p == WdfDmaProfilePacket64 || p == WdfDmaProfileScatterGather64 ||
              p == WdfDmaProfileScatterGather64Duplex;
    e->duplex = p == WdfDmaProfileScatterGatherDuplex || p == WdfDmaProfileScatterGather64Duplex;
    e->max_sg = e->packet ? 1 : WDF_DMA_ENABLER_UNLIMITED_FRAGMENTS;
    NTSTATUS st = shim_object_init(&e->obj, SHIM_DMA_ENABLER, Attributes, &d->obj, NULL);
    if (!NT_SUCCESS(st)) {
        free(e);
        return st;
    }
    e->obj.teardown = enabler_teardown;
    e->next = d->enablers;
    d->enablers = e;
    *DmaEnablerHandle = (WDFDMAENABLER)e;
    return STATUS_SUCCESS;
}

#define ENABLER(h, api) SHIM_CHECK(h, SHIM_DMA_ENABLER, struct shim_dma_enabler, api)

VOID WdfDmaEnablerSetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler, size_t MaximumFragments)
{
    struct shim_dma_enabler *e =
        ENABLER(DmaEnabler, "WdfDmaEnablerSetMaximumScatterGatherElements");
    if (e != NULL && !e->packet && MaximumFragments > 0)
        e->max_sg = MaximumFragments;
}

size_t WdfDmaEnablerGetMaximumLength(WDFDMAENABLER DmaEnabler)
{
    struct shim_dma_enabler *e = ENABLER(DmaEnabler, "WdfDmaEnablerGetMaximumLength");
    return e ? e->config.MaximumLength : 0;
}

size_t WdfDmaEnablerGetMaximumScatterGatherElements(WDFDMAENABLER DmaEnabler)
{
    struct shim_dma_enabler *e =
        ENABLER(DmaEnabler, "WdfDmaEnablerGetMaximumScatterGatherElements");
    return e ? e->max_sg : 0;
}

size_t WdfDmaEnablerGetFragmentLength(WDFDMAENABLER DmaEnabler, WDF_DMA_DIRECTION DmaDirection)
{
    return WdfDmaEnablerGetMaximumLength(DmaEnabler);
}

/* Request buffers may go above 4 GiB when every enabler that moves data (creates
 * transactions) is 64-bit: a driver's 32-bit enabler for descriptor memory does not count. */
bool shim_enablers_all_64bit(void)
{
    bool any = false;
    for (struct shim_dma_enabler *e = shim.device ? shim.device->enablers : NULL; e; e = e->next) {
        if (!e->moves_data)
            continue;
        if (!e->is64)
            return false;
        any = true;
    }
    return any;
}

/* Power: Fill, Enable, SelfManagedIoStart on the way up; the reverse on the way down. */
static NTSTATUS enabler_call(struct shim_dma_enabler *e, PFN_WDF_DMA_ENABLER_FILL fn,
                             const char *name)
{
    NTSTATUS st = STATUS_SUCCESS;
    if (fn != NULL)
        SHIM_CALL_RET(st, name, fn((WDFDMAENABLER)e));
    return st;
}

NTSTATUS shim_enablers_power_up(struct shim_device *d)
{
    for (struct shim_dma_enabler *e = d->enablers; e != NULL; e = e->next) {
        NTSTATUS st = enabler_call(e, e->config.EvtDmaEnablerFill, "EvtDmaEnablerFill");
        if (NT_SUCCESS(st))
            st = enabler_call(e, e->config.EvtDmaEnablerEnable, "EvtDmaEnablerEnable");
        if (NT_SUCCESS(st))
            st = enabler_call(e, e->config.EvtDmaEnablerSelfManagedIoStart,
                              "EvtDmaEnablerSelfManagedIoStart");
        if (!NT_SUCCESS(st))
            return st;
    }
    return STATUS_SUCCESS;
}

void shim_enablers_power_down(struct shim_device *d)
{
    for (struct shim_dma_enabler *e = d->enablers; e != NULL; e = e->next) {
        enabler_call(e, e->config.EvtDmaEnablerSelfManagedIoStop, "EvtDmaEnablerSelfManagedIoStop");
        enabler_call(e, e->config.EvtDmaEnablerDisable, "EvtDmaEnablerDisable");
        enabler_call(e, e->config.EvtDmaEnablerFlush, "EvtDmaEnablerFlush");
    }
}

/* Common buffers ---------------------------------------------------------------------------------
 */

static pthread_mutex_t common_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_common_buffer *commons;

static void common_teardown(struct shim_object *o)
{
    struct shim_common_buffer *c = (struct shim_common_buffer *)o;
    pthread_mutex_lock(&common_lock);
    for (struct shim_common_buffer **pp = &commons; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&common_lock);
    shim_dma_free(c->buf);
    free(c);
}

NTSTATUS WdfCommonBufferCreateWithConfig(WDFDMAENABLER DmaEnabler, size_t Length,
                                         PWDF_COMMON_BUFFER_CONFIG Config,
                                         PWDF_OBJECT_ATTRIBUTES Attributes,
                                         WDFCOMMONBUFFER *CommonBuffer)
{
    struct shim_dma_enabler *e = ENABLER(DmaEnabler, "WdfCommonBufferCreate");
    if (e == NULL || !shim_irql_at_most(PASSIVE_LEVEL, "WdfCommonBufferCreate"))
        return STATUS_INVALID_DEVICE_REQUEST;
    ULONG align = Config ? Config->AlignmentRequirement : e->device->alignment;
    if (Length == 0)
        return STATUS_INVALID_PARAMETER;
    struct shim_common_buffer *c = calloc(1, sizeof(*c));
    /* Buffers start on a page: any alignment up to a page holds; larger ones get padding. */
    size_t pad = align >= 4096 ? align + 1 : 0;
    if (c == NULL ||
        shim_dma_alloc(Length + pad, e->is64 && shim.opt.high_dma, true, &c->buf) < 0) {
        free(c);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    uint64_t bus = shim_dma_bus(c->buf, 0);
    c->offset = pad ? (size_t)(((bus + align) & ~(uint64_t)align) - bus) : 0;
    c->length = Length;
    NTSTATUS st =
        shim_object_init(&c->obj, SHIM_COMMON_BUFFER, Attributes, &e->obj, common_teardown);
    if (!NT_SUCCESS(st)) {
        common_teardown(&c->obj);
        return st;
    }
    pthread_mutex_lock(&common_lock);
    c->next = commons;
    commons = c;
    pthread_mutex_unlock(&common_lock);
    *CommonBuffer = (WDFCOMMONBUFFER)c;
    return STATUS_SUCCESS;
}

NTSTATUS WdfCommonBufferCreate(WDFDMAENABLER DmaEnabler, size_t Length,
                               PWDF_OBJECT_ATTRIBUTES Attributes, WDFCOMMONBUFFER *CommonBuffer)
{
    return WdfCommonBufferCreateWithConfig(DmaEnabler, Length, NULL, Attributes, CommonBuffer);
}

#define COMMON(h, api) SHIM_CHECK(h, SHIM_COMMON_BUFFER, struct shim_common_buffer, api)

PVOID WdfCommonBufferGetAlignedVirtualAddress(WDFCOMMONBUFFER CommonBuffer)
{
    struct shim_common_buffer *c = COMMON(CommonBuffer, "WdfCommonBufferGetAlignedVirtualAddress");
    return c ? c->buf->va + c->offset : NULL;
}

PHYSICAL_ADDRESS WdfCommonBufferGetAlignedLogicalAddress(WDFCOMMONBUFFER CommonBuffer)
{
    struct shim_common_buffer *c = COMMON(CommonBuffer, "WdfCommonBufferGetAlignedLogicalAddress");
    PHYSICAL_ADDRESS a;
    a.QuadPart = c ? (LONGLONG)shim_dma_bus(c->buf, c->offset) : 0;
    return a;
}

size_t WdfCommonBufferGetLength(WDFCOMMONBUFFER CommonBuffer)
{
    struct shim_common_buffer *c = COMMON(CommonBuffer, "WdfCommonBufferGetLength");
    return c ? c->length : 0;
}

bool shim_dma_in_common_buffer(uint64_t bus, uint64_t len)
{
    bool inside = false;
    pthread_mutex_lock(&common_lock);
    for (struct shim_common_buffer *c = commons; c != NULL && !inside; c = c->next) {
        uint64_t start = shim_dma_bus(c->buf, 0);
        inside = bus >= start && bus - start + len <= c->buf->length;
    }
    pthread_mutex_unlock(&common_lock);
    return inside;
}
