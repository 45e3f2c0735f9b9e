/*
 * request.c: framework request objects for the application requests the daemon delivers.
 *
 * Every request's data lives in DMA-able memory, so direct I/O works whatever the driver asks
 * for: a read or write buffer is described by an MDL whose page offset is the application
 * buffer's (as on Windows). IOCTLs follow their transfer method: METHOD_BUFFERED shares one
 * system buffer for input and output; the direct methods give the output buffer an MDL.
 */
#include <stdlib.h>
#include <string.h>

#include "queue_internal.h"

#define SHIM_MDL_MAGIC 0x4D444C30u /* "MDL0" */

static void request_release_buffers(struct shim_request *r)
{
    if (r->buf != NULL)
        shim_dma_put(r->buf);
    if (r->out_buf != NULL)
        shim_dma_put(r->out_buf);
    r->buf = r->out_buf = NULL;
}

static void request_teardown(struct shim_object *o)
{
    struct shim_request *r = (struct shim_request *)o;
    request_release_buffers(r);
    free(r);
}

static void mdl_init(struct shim_mdl *m, struct shim_dma_buffer *b, size_t page_offset,
                     size_t length)
{
    memset(&m->mdl, 0, sizeof(m->mdl));
    m->mdl.Size = (CSHORT)sizeof(MDL);
    m->mdl.StartVa = b->va;
    m->mdl.ByteOffset = (ULONG)page_offset;
    m->mdl.ByteCount = (ULONG)length;
    m->mdl.MappedSystemVa = b->va + page_offset;
    m->mdl.MdlFlags = MDL_MAPPED_TO_SYSTEM_VA; /* always mapped: the buffer is ours */
    m->magic = SHIM_MDL_MAGIC;
    m->buf = b;
}

struct shim_dma_buffer *shim_mdl_buffer(PMDL mdl, size_t *offset, uint64_t *request_number)
{
    struct shim_mdl *m = (struct shim_mdl *)mdl;
    if (m == NULL || m->magic != SHIM_MDL_MAGIC)
        return NULL;
    *offset = m->mdl.ByteOffset;
    *request_number = m->request_number;
    return m->buf;
}

/* Lays out the request's buffers: data (write data, IOCTL input, read space) at page_offset of
 * one DMA buffer; a direct IOCTL's output buffer in a second one. */
static int request_buffers(struct shim_request *r, const struct dmaemu_io_request *req)
{
    size_t data_len = req->type == DMAEMU_IO_WRITE ? req->data_len : req->length;
    if (req->type == DMAEMU_IO_IOCTL) {
        r->method = req->ioctl_code & 3;
        data_len = r->method == METHOD_BUFFERED || r->method == METHOD_NEITHER
                       ? (req->data_len > req->length ? req->data_len : req->length)
                       : req->data_len;
        if ((r->method == METHOD_IN_DIRECT || r->method == METHOD_OUT_DIRECT) &&
            shim_dma_get(req->page_offset + req->length, &r->out_buf) < 0)
            return -1;
    }
    if (shim_dma_get(req->page_offset + data_len, &r->buf) < 0)
        return -1;
    r->page_offset = req->page_offset;
    if (req->data_len > 0)
        memcpy(r->buf->va + r->page_offset, req->data, req->data_len);
    mdl_init(&r->mdl, r->buf, r->page_offset,
             req->type == DMAEMU_IO_IOCTL ? req->data_len : data_len);
    if (r->out_buf != NULL)
        mdl_init(&r->out_mdl, r->out_buf, r->page_offset, req->length);
    return 0;
}

struct shim_request *shim_request_create(struct shim_queue *q, const struct dmaemu_io_request *req)
{
    struct shim_request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->token = req->token;
    r->number = req->number;
    r->type = req->type;
    r->length = req->length;
    r->in_length = req->type == DMAEMU_IO_IOCTL ? req->data_len : 0;
    r->ioctl_code = req->ioctl_code;
    r->offset = req->offset;
    /* Not a child in the object tree: requests come and go on several threads, and each is
     * freed when completed (or when the last EvtIoStop call on it returns). */
    atomic_init(&r->refs, 1);
    if (shim_object_init(&r->obj, SHIM_REQUEST, WDF_NO_OBJECT_ATTRIBUTES, NULL, request_teardown) !=
            STATUS_SUCCESS ||
        request_buffers(r, req) < 0) {
        request_teardown(&r->obj);
        return NULL;
    }
    r->queue = q;
    return r;
}

uint64_t shim_request_number(const struct shim_request *r)
{
    return r->number;
}

void shim_request_set_transaction(struct shim_request *r, struct shim_object *transaction)
{
    r->transaction = transaction;
}

struct shim_dma_buffer *shim_request_buffer(struct shim_request *r, size_t *offset, size_t *len,
                                            bool *to_device)
{
    *offset = r->page_offset;
    *to_device = r->type != DMAEMU_IO_READ;
    if (r->out_buf != NULL) { /* a direct IOCTL transfers its output buffer */
        *len = r->length;
        return r->out_buf;
    }
    *len = r->type == DMAEMU_IO_WRITE ? r->mdl.mdl.ByteCount : r->length;
    return r->buf;
}

/* Completion ---------------------------------------------------------------------------------- */

/* The data that goes back to the application: a read's or an IOCTL's output. */
static const void *request_output(const struct shim_request *r, size_t *len)
{
    size_t n = r->information < r->length ? (size_t)r->information : r->length;
    *len = 0;
    if (r->type == DMAEMU_IO_WRITE)
        return NULL;
    *len = n;
    return (r->out_buf ? r->out_buf->va : r->buf->va) + r->page_offset;
}

static void request_report(const struct shim_request *r, const char *phase, NTSTATUS status)
{
    static const char *const types[] = {"read", "write", "ioctl"};
    struct dmaemu_driver_event e = {.kind = "request",
                                    .phase = phase,
                                    .request = r->number,
                                    .status = status,
                                    .length = r->length,
                                    .bytes = r->information,
                                    .code = r->ioctl_code,
                                    .direction = types[r->type],
                                    .callback = shim_callback};
    shim_report(&e);
}

void shim_request_unref(struct shim_request *r)
{
    if (atomic_fetch_sub(&r->refs, 1) == 1)
        shim_object_delete(&r->obj);
}

static void request_leave_queue(struct shim_request *r)
{
    struct shim_queue *q = r->queue;
    pthread_mutex_lock(&q->lock);
    for (struct shim_request **pp = &q->inflight; *pp != NULL; pp = &(*pp)->inflight_next) {
        if (*pp == r) {
            *pp = r->inflight_next;
            break;
        }
    }
    pthread_mutex_unlock(&q->lock);
}

void shim_request_finish(struct shim_request *r, NTSTATUS status)
{
    if (atomic_exchange(&r->completed, true)) {
        shim_verifier(BUGCHECK_WDF_VIOLATION, 0x6, (uintptr_t)r, 0, "request %llu completed twice",
                      (unsigned long long)r->number);
        return;
    }
    size_t out_len;
    const void *out = request_output(r, &out_len);
    if (!NT_SUCCESS(status))
        out_len = 0;
    /* After a fatal finding the machine has "bugchecked": no request completes any more. */
    if (!atomic_load(&shim.bugchecked))
        dmaemu_io_complete(shim.conn, r->token, status, r->information, out, out_len);
    request_report(r, "completed", status);
    struct shim_queue *q = r->queue;
    bool dispatched = r->dispatched;
    if (dispatched)
        request_leave_queue(r);
    shim_request_unref(r);
    if (dispatched)
        shim_queue_request_done(q);
}

VOID WdfRequestCompleteWithInformation(WDFREQUEST Request, NTSTATUS Status, ULONG_PTR Information)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestComplete");
    if (r == NULL)
        return;
    if (shim_transaction_in_transfer(r->transaction)) {
        shim_verifier(BUGCHECK_WDF_VIOLATION, WDF_VIOLATION_DMA_STATE, (uintptr_t)r->transaction,
                      (uintptr_t)r,
                      "request %llu completed while DMA transaction %llu still holds it in "
                      "Transfer (complete the transaction with DmaCompleted* first)",
                      (unsigned long long)r->number,
                      (unsigned long long)shim_transaction_id(r->transaction));
        return;
    }
    r->information = Information;
    shim_request_finish(r, Status);
}

VOID WdfRequestComplete(WDFREQUEST Request, NTSTATUS Status)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestComplete");
    if (r != NULL)
        WdfRequestCompleteWithInformation(Request, Status, (ULONG_PTR)r->information);
}

VOID WdfRequestSetInformation(WDFREQUEST Request, ULONG_PTR Information)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestSetInformation");
    if (r != NULL)
        r->information = Information;
}

ULONG_PTR WdfRequestGetInformation(WDFREQUEST Request)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestGetInformation");
    return r ? (ULONG_PTR)r->information : 0;
}

/* Parameters and buffers --------------------------------------------------------------------- */

VOID WdfRequestGetParameters(WDFREQUEST Request, PWDF_REQUEST_PARAMETERS Parameters)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestGetParameters");
    if (r == NULL || Parameters == NULL)
        return;
    memset(&Parameters->Parameters, 0, sizeof(Parameters->Parameters));
    switch (r->type) {
    case DMAEMU_IO_READ:
        Parameters->Type = WdfRequestTypeRead;
        Parameters->Parameters.Read.Length = r->length;
        Parameters->Parameters.Read.DeviceOffset = (LONGLONG)r->offset;
        break;
    case DMAEMU_IO_WRITE:
        Parameters->Type = WdfRequestTypeWrite;
        Parameters->Parameters.Write.Length = r->mdl.mdl.ByteCount;
        Parameters->Parameters.Write.DeviceOffset = (LONGLONG)r->offset;
        break;
    case DMAEMU_IO_IOCTL:
        Parameters->Type = WdfRequestTypeDeviceControl;
        Parameters->Parameters.DeviceIoControl.IoControlCode = r->ioctl_code;
        Parameters->Parameters.DeviceIoControl.InputBufferLength = r->in_length;
        Parameters->Parameters.DeviceIoControl.OutputBufferLength = r->length;
        break;
    }
}

static NTSTATUS request_buffer_out(void *va, size_t len, size_t min, PVOID *Buffer, size_t *Length)
{
    if (len < min || len == 0)
        return STATUS_BUFFER_TOO_SMALL;
    *Buffer = va;
    if (Length != NULL)
        *Length = len;
    return STATUS_SUCCESS;
}

/* Parenthesised names: the headers wrap these in same-named macros (MSVC-style PVOID *). */
NTSTATUS(WdfRequestRetrieveInputBuffer)
(WDFREQUEST Request, size_t MinimumRequiredSize, PVOID *Buffer, size_t *Length)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestRetrieveInputBuffer");
    if (r == NULL || r->type == DMAEMU_IO_READ)
        return STATUS_INVALID_DEVICE_REQUEST;
    size_t len = r->type == DMAEMU_IO_WRITE ? r->mdl.mdl.ByteCount : r->in_length;
    return request_buffer_out(r->buf->va + r->page_offset, len, MinimumRequiredSize, Buffer,
                              Length);
}

NTSTATUS(WdfRequestRetrieveOutputBuffer)
(WDFREQUEST Request, size_t MinimumRequiredSize, PVOID *Buffer, size_t *Length)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestRetrieveOutputBuffer");
    if (r == NULL || r->type == DMAEMU_IO_WRITE)
        return STATUS_INVALID_DEVICE_REQUEST;
    uint8_t *va = (r->out_buf ? r->out_buf->va : r->buf->va) + r->page_offset;
    return request_buffer_out(va, r->length, MinimumRequiredSize, Buffer, Length);
}

NTSTATUS WdfRequestRetrieveInputWdmMdl(WDFREQUEST Request, PMDL *Mdl)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestRetrieveInputWdmMdl");
    if (r == NULL || r->type == DMAEMU_IO_READ || r->mdl.mdl.ByteCount == 0)
        return STATUS_INVALID_DEVICE_REQUEST;
    *Mdl = &r->mdl.mdl;
    return STATUS_SUCCESS;
}

NTSTATUS WdfRequestRetrieveOutputWdmMdl(WDFREQUEST Request, PMDL *Mdl)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestRetrieveOutputWdmMdl");
    if (r == NULL || r->type == DMAEMU_IO_WRITE || r->length == 0)
        return STATUS_INVALID_DEVICE_REQUEST;
    *Mdl = r->out_buf ? &r->out_mdl.mdl : &r->mdl.mdl;
    if (r->type == DMAEMU_IO_READ)
        r->mdl.mdl.ByteCount = (ULONG)r->length;
    return STATUS_SUCCESS;
}

WDFQUEUE WdfRequestGetIoQueue(WDFREQUEST Request)
{
    struct shim_request *r =
        SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestGetIoQueue");
    return r ? (WDFQUEUE)r->queue : NULL;
}

/* Every MDL the framework makes is mapped already; a driver's own MDL has StartVa. */
PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority)
{
    PMDL m = MemoryDescriptorList;
    if (m == NULL)
        return NULL;
    return m->MappedSystemVa ? m->MappedSystemVa : (uint8_t *)m->StartVa + m->ByteOffset;
}

/* EvtIoStop's acknowledgement: the request stays with the driver until it completes it, which
 * power-down waits for; requeueing is not offered (the queues are stopping). */
VOID WdfRequestStopAcknowledge(WDFREQUEST Request, BOOLEAN Requeue)
{
    SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, "WdfRequestStopAcknowledge");
}
