/*
 * dma_transaction.c: DMA transactions as KMDF runs them.
 *
 *   Created -> Initialized -> Transfer -> (TransferCompleted | TransferFailed) -> Released
 *
 * Initialize only from Created or Released, Execute only from Initialized, DmaCompleted* only
 * in Transfer; anything else is WDF_VIOLATION 0x8. A transaction is split into transfers of
 * at most min(enabler MaximumLength, SetMaximumLength) bytes and the enabler's maximum SG
 * elements (packet profiles: one element). Execute calls EvtProgramDma for the first transfer
 * before it returns; DmaCompleted(WithLength) programs the next one before it returns FALSE.
 *
 * Choices where KMDF's documentation is silent:
 * - EvtProgramDma returning FALSE ends the transaction as TransferFailed; Execute then returns
 *   STATUS_UNSUCCESSFUL, DmaCompleted returns TRUE with that status.
 * - A single-transfer transaction that needs more than one transfer fails Initialize with
 *   STATUS_WDF_TOO_FRAGMENTED.
 */
#include <stdlib.h>
#include <string.h>

#include "dma_internal.h"

#define SHIM_PAGE 4096u

enum txn_state {
    TXN_CREATED,
    TXN_INITIALIZED,
    TXN_TRANSFER,
    TXN_COMPLETED,
    TXN_FAILED,
    TXN_RELEASED
};

static const char *const txn_state_names[] = {"Created",           "Initialized",    "Transfer",
                                              "TransferCompleted", "TransferFailed", "Released"};

struct shim_transaction {
    struct shim_object obj;
    struct shim_transaction *next_active; /* transactions in Transfer */
    struct shim_dma_enabler *enabler;
    enum txn_state state;
    uint64_t id;
    size_t max_length; /* SetMaximumLength, 0: none */
    bool single_transfer;
    PFN_WDF_PROGRAM_DMA program;
    WDF_DMA_DIRECTION direction;
    struct shim_request *request;
    uint64_t request_number;
    struct shim_dma_buffer *buf;
    size_t start;  /* of the transaction in buf */
    size_t length; /* the whole transaction */
    size_t offset; /* bytes done: where the current transfer starts */
    size_t cur_len;
    uint32_t transfer;
    PVOID context;
    SCATTER_GATHER_LIST *sg;
    size_t sg_cap;
};

static pthread_mutex_t txn_lock = PTHREAD_MUTEX_INITIALIZER; /* the active list */
static struct shim_transaction *txn_active;
static atomic_uint_fast64_t txn_next_id;

#define TXN(h, api) SHIM_CHECK(h, SHIM_TRANSACTION, struct shim_transaction, api)

static void txn_violation(struct shim_transaction *t, const char *api)
{
    shim_verifier(BUGCHECK_WDF_VIOLATION, WDF_VIOLATION_DMA_STATE, (uintptr_t)t, t->state,
                  "%s on transaction %llu in state %s", api, (unsigned long long)t->id,
                  txn_state_names[t->state]);
}

static void txn_set_active(struct shim_transaction *t, bool active)
{
    pthread_mutex_lock(&txn_lock);
    struct shim_transaction **pp = &txn_active;
    while (*pp != NULL && *pp != t)
        pp = &(*pp)->next_active;
    if (active && *pp == NULL) {
        t->next_active = txn_active;
        txn_active = t;
    } else if (!active && *pp != NULL) {
        *pp = t->next_active;
    }
    pthread_mutex_unlock(&txn_lock);
}

static void txn_teardown(struct shim_object *o)
{
    struct shim_transaction *t = (struct shim_transaction *)o;
    txn_set_active(t, false);
    free(t->sg);
    free(t);
}

NTSTATUS WdfDmaTransactionCreate(WDFDMAENABLER DmaEnabler, PWDF_OBJECT_ATTRIBUTES Attributes,
                                 WDFDMATRANSACTION *DmaTransaction)
{
    struct shim_dma_enabler *e = SHIM_CHECK(DmaEnabler, SHIM_DMA_ENABLER, struct shim_dma_enabler,
                                            "WdfDmaTransactionCreate");
    if (e == NULL)
        return STATUS_INVALID_PARAMETER;
    struct shim_transaction *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    t->enabler = e;
    e->moves_data = true;
    t->id = ++txn_next_id;
    NTSTATUS st = shim_object_init(&t->obj, SHIM_TRANSACTION, Attributes, &e->obj, txn_teardown);
    if (!NT_SUCCESS(st)) {
        free(t);
        return st;
    }
    *DmaTransaction = (WDFDMATRANSACTION)t;
    return STATUS_SUCCESS;
}

/* Scatter/gather lists ---------------------------------------------------------------------- */

static size_t txn_fragment_length(const struct shim_transaction *t)
{
    size_t max = t->enabler->config.MaximumLength;
    return t->max_length && t->max_length < max ? t->max_length : max;
}

/*
 * The elements for up to limit bytes from position pos of the buffer, merging bus-adjacent
 * pages, stopping at max elements. Returns the bytes covered; *count the elements used.
 */
static size_t txn_sg_build(const struct shim_transaction *t, size_t pos, size_t limit,
                           SCATTER_GATHER_ELEMENT *el, size_t max, size_t *count)
{
    size_t n = 0, done = 0;
    while (done < limit) {
        size_t at = pos + done;
        uint64_t addr = shim_dma_bus(t->buf, at);
        size_t chunk = SHIM_PAGE - at % SHIM_PAGE;
        if (chunk > limit - done)
            chunk = limit - done;
        if (n > 0 && (uint64_t)el[n - 1].Address.QuadPart + el[n - 1].Length == addr) {
            el[n - 1].Length += (ULONG)chunk;
        } else {
            if (n == max)
                break;
            el[n].Address.QuadPart = (LONGLONG)addr;
            el[n].Length = (ULONG)chunk;
            el[n].Reserved = 0;
            n++;
        }
        done += chunk;
    }
    *count = n;
    return done;
}

/* Builds the current transfer's list; false when memory for it cannot be had. */
static bool txn_stage(struct shim_transaction *t)
{
    size_t limit = t->length - t->offset;
    if (limit > txn_fragment_length(t))
        limit = txn_fragment_length(t);
    size_t pages = limit / SHIM_PAGE + 2;
    size_t max = t->enabler->max_sg < pages ? t->enabler->max_sg : pages;
    if (t->sg_cap < max) {
        SCATTER_GATHER_LIST *sg =
            realloc(t->sg, sizeof(SCATTER_GATHER_LIST) + max * sizeof(SCATTER_GATHER_ELEMENT));
        if (sg == NULL)
            return false;
        t->sg = sg;
        t->sg_cap = max;
    }
    size_t count;
    t->cur_len = txn_sg_build(t, t->start + t->offset, limit, t->sg->Elements, max, &count);
    t->sg->NumberOfElements = (ULONG)count;
    t->sg->Reserved = 0;
    return true;
}

/* How many transfers the whole transaction takes (for the single-transfer rule). */
static size_t txn_count_transfers(struct shim_transaction *t)
{
    size_t saved = t->offset, n = 0;
    for (t->offset = 0; t->offset < t->length && txn_stage(t); t->offset += t->cur_len)
        n++;
    t->offset = saved;
    return n;
}

/* Reports ------------------------------------------------------------------------------------ */

static void txn_report(const struct shim_transaction *t, const char *kind, const char *phase,
                       NTSTATUS status, bool with_sg)
{
    uint64_t addr[64];
    uint32_t len[64];
    unsigned n = 0;
    for (; with_sg && t->sg != NULL && n < t->sg->NumberOfElements && n < 64; n++) {
        addr[n] = (uint64_t)t->sg->Elements[n].Address.QuadPart;
        len[n] = t->sg->Elements[n].Length;
    }
    static const char *const profiles[] = {
        [WdfDmaProfilePacket] = "Packet",
        [WdfDmaProfileScatterGather] = "ScatterGather",
        [WdfDmaProfilePacket64] = "Packet64",
        [WdfDmaProfileScatterGather64] = "ScatterGather64",
        [WdfDmaProfileScatterGatherDuplex] = "ScatterGatherDuplex",
        [WdfDmaProfileScatterGather64Duplex] = "ScatterGather64Duplex",
    };
    WDF_DMA_PROFILE p = t->enabler->config.Profile;
    bool initialized = strcmp(phase, "initialized") == 0;
    struct dmaemu_driver_event e = {
        .kind = kind,
        .phase = phase,
        .callback = shim_callback,
        .text = initialized && p <= WdfDmaProfileScatterGather64Duplex ? profiles[p] : NULL,
        .direction = t->direction == WdfDmaDirectionWriteToDevice ? "write" : "read",
        .request = t->request_number,
        .transaction = t->id,
        .transfer = t->transfer,
        .status = status,
        .length = strcmp(kind, "transaction") == 0 ? t->length : t->cur_len,
        .bytes = t->offset,
        .sg_count = n,
        .sg_addr = addr,
        .sg_len = len};
    shim_report(&e);
}

/* Initialize ----------------------------------------------------------------------------------- */

static NTSTATUS txn_initialize(struct shim_transaction *t, PFN_WDF_PROGRAM_DMA program,
                               WDF_DMA_DIRECTION direction, struct shim_dma_buffer *buf,
                               size_t start, size_t length, const char *api)
{
    if (t->state != TXN_CREATED && t->state != TXN_RELEASED) {
        txn_violation(t, api);
        return STATUS_INVALID_DEVICE_STATE;
    }
    if (program == NULL || buf == NULL || length == 0)
        return STATUS_INVALID_PARAMETER;
    t->program = program;
    t->direction = direction;
    t->buf = buf;
    t->start = start;
    t->length = length;
    t->offset = t->cur_len = 0;
    t->transfer = 0;
    bool single = t->single_transfer ||
                  (t->enabler->config.Flags & WDF_DMA_ENABLER_CONFIG_REQUIRE_SINGLE_TRANSFER);
    if (single && txn_count_transfers(t) > 1) {
        shim_log("%s: transaction %llu needs more than one transfer but has the single-transfer "
                 "requirement",
                 api, (unsigned long long)t->id);
        return STATUS_WDF_TOO_FRAGMENTED;
    }
    t->state = TXN_INITIALIZED;
    txn_report(t, "transaction", "initialized", STATUS_SUCCESS, false);
    return STATUS_SUCCESS;
}

static NTSTATUS txn_initialize_request(WDFDMATRANSACTION DmaTransaction, WDFREQUEST Request,
                                       PFN_WDF_PROGRAM_DMA program, WDF_DMA_DIRECTION direction,
                                       size_t skip, const char *api)
{
    struct shim_transaction *t = TXN(DmaTransaction, api);
    struct shim_request *r = SHIM_CHECK(Request, SHIM_REQUEST, struct shim_request, api);
    if (t == NULL || r == NULL)
        return STATUS_INVALID_PARAMETER;
    size_t off, len;
    bool to_device;
    struct shim_dma_buffer *buf = shim_request_buffer(r, &off, &len, &to_device);
    if (buf == NULL || skip >= len)
        return STATUS_INVALID_PARAMETER;
    /* Known before the "initialized" report, which the history links to the request by it. */
    t->request_number = shim_request_number(r);
    NTSTATUS st = txn_initialize(t, program, direction, buf, off + skip, len - skip, api);
    if (NT_SUCCESS(st)) {
        t->request = r;
        shim_request_set_transaction(r, &t->obj);
    } else {
        t->request_number = 0;
    }
    return st;
}

NTSTATUS WdfDmaTransactionInitializeUsingRequest(WDFDMATRANSACTION DmaTransaction,
                                                 WDFREQUEST Request,
                                                 PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction,
                                                 WDF_DMA_DIRECTION DmaDirection)
{
    return txn_initialize_request(DmaTransaction, Request, EvtProgramDmaFunction, DmaDirection, 0,
                                  "WdfDmaTransactionInitializeUsingRequest");
}

/* Initialize's MDL and offset form (KMDF 1.15): the MDL must be one the framework made. */
static NTSTATUS txn_initialize_mdl(WDFDMATRANSACTION DmaTransaction, PFN_WDF_PROGRAM_DMA program,
                                   WDF_DMA_DIRECTION direction, PMDL Mdl, size_t offset,
                                   size_t length, const char *api)
{
    struct shim_transaction *t = TXN(DmaTransaction, api);
    size_t mdl_off;
    uint64_t number = 0;
    struct shim_dma_buffer *buf = shim_mdl_buffer(Mdl, &mdl_off, &number);
    if (t == NULL || buf == NULL) {
        shim_log("%s: the MDL does not describe DMA-able memory the framework gave this driver "
                 "(use the MDLs of requests)",
                 api);
        return STATUS_INVALID_PARAMETER;
    }
    if (mdl_off + offset + length > buf->length)
        return STATUS_INVALID_PARAMETER;
    /* KMDF ties no request to an MDL transaction (GetRequest is NULL); the history still
     * links it to the request whose buffer it moves. */
    t->request_number = number;
    return txn_initialize(t, program, direction, buf, mdl_off + offset, length, api);
}

NTSTATUS WdfDmaTransactionInitializeUsingOffset(WDFDMATRANSACTION DmaTransaction,
                                                PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction,
                                                WDF_DMA_DIRECTION DmaDirection, PMDL Mdl,
                                                size_t Offset, size_t Length)
{
    return txn_initialize_mdl(DmaTransaction, EvtProgramDmaFunction, DmaDirection, Mdl, Offset,
                              Length, "WdfDmaTransactionInitializeUsingOffset");
}

NTSTATUS WdfDmaTransactionInitialize(WDFDMATRANSACTION DmaTransaction,
                                     PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction,
                                     WDF_DMA_DIRECTION DmaDirection, PMDL Mdl, PVOID VirtualAddress,
                                     size_t Length)
{
    uint8_t *start = Mdl ? (uint8_t *)MmGetMdlVirtualAddress(Mdl) : NULL;
    return txn_initialize_mdl(DmaTransaction, EvtProgramDmaFunction, DmaDirection, Mdl,
                              (size_t)((uint8_t *)VirtualAddress - start), Length,
                              "WdfDmaTransactionInitialize");
}

/* Execute and completion ---------------------------------------------------------------------- */

/* Stages and programs the current transfer at DISPATCH_LEVEL; false if the driver refused. */
static bool txn_program(struct shim_transaction *t)
{
    if (!txn_stage(t))
        return false;
    t->transfer++;
    txn_report(t, "transfer", "programmed", STATUS_SUCCESS, true);
    KIRQL saved = shim_irql;
    BOOLEAN ok;
    shim_irql = DISPATCH_LEVEL;
    SHIM_CALL_RET(ok, "EvtProgramDma",
                  t->program((WDFDMATRANSACTION)t, (WDFDEVICE)t->enabler->device, t->context,
                             t->direction, t->sg));
    shim_irql = saved;
    return ok != FALSE;
}

static void txn_end(struct shim_transaction *t, enum txn_state state, NTSTATUS status)
{
    t->state = state;
    txn_set_active(t, false);
    if (t->enabler->packet_active == t)
        t->enabler->packet_active = NULL;
    txn_report(t, "transaction", state == TXN_COMPLETED ? "completed" : "failed", status, false);
}

NTSTATUS WdfDmaTransactionExecute(WDFDMATRANSACTION DmaTransaction, PVOID Context)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionExecute");
    if (t == NULL)
        return STATUS_INVALID_PARAMETER;
    if (t->state != TXN_INITIALIZED) {
        txn_violation(t, "WdfDmaTransactionExecute");
        return STATUS_INVALID_DEVICE_STATE;
    }
    struct shim_dma_enabler *e = t->enabler;
    if (e->packet && e->packet_active != NULL && e->packet_active != t)
        return STATUS_WDF_BUSY;
    if (e->packet)
        e->packet_active = t;
    t->context = Context;
    t->state = TXN_TRANSFER;
    txn_set_active(t, true);
    if (!txn_program(t)) {
        txn_end(t, TXN_FAILED, STATUS_UNSUCCESSFUL);
        return STATUS_UNSUCCESSFUL;
    }
    return STATUS_SUCCESS;
}

static BOOLEAN txn_completed(WDFDMATRANSACTION DmaTransaction, size_t transferred, bool final,
                             NTSTATUS *Status, const char *api)
{
    struct shim_transaction *t = TXN(DmaTransaction, api);
    if (t == NULL || t->state != TXN_TRANSFER) {
        if (t != NULL)
            txn_violation(t, api);
        if (Status != NULL)
            *Status = STATUS_INVALID_DEVICE_STATE;
        return TRUE;
    }
    if (transferred > t->cur_len)
        transferred = t->cur_len;
    txn_report(t, "transfer", "completed", STATUS_SUCCESS, false);
    t->offset += transferred;
    if (final || t->offset >= t->length) {
        txn_end(t, TXN_COMPLETED, STATUS_SUCCESS);
        *Status = STATUS_SUCCESS;
        return TRUE;
    }
    if (!txn_program(t)) {
        txn_end(t, TXN_FAILED, STATUS_UNSUCCESSFUL);
        *Status = STATUS_UNSUCCESSFUL;
        return TRUE;
    }
    *Status = STATUS_MORE_PROCESSING_REQUIRED;
    return FALSE;
}

BOOLEAN WdfDmaTransactionDmaCompleted(WDFDMATRANSACTION DmaTransaction, NTSTATUS *Status)
{
    struct shim_transaction *t = (struct shim_transaction *)DmaTransaction;
    size_t whole = t != NULL ? t->cur_len : 0;
    return txn_completed(DmaTransaction, whole, false, Status, "WdfDmaTransactionDmaCompleted");
}

BOOLEAN WdfDmaTransactionDmaCompletedWithLength(WDFDMATRANSACTION DmaTransaction,
                                                size_t TransferredLength, NTSTATUS *Status)
{
    return txn_completed(DmaTransaction, TransferredLength, false, Status,
                         "WdfDmaTransactionDmaCompletedWithLength");
}

BOOLEAN WdfDmaTransactionDmaCompletedFinal(WDFDMATRANSACTION DmaTransaction,
                                           size_t FinalTransferredLength, NTSTATUS *Status)
{
    return txn_completed(DmaTransaction, FinalTransferredLength, true, Status,
                         "WdfDmaTransactionDmaCompletedFinal");
}

NTSTATUS WdfDmaTransactionRelease(WDFDMATRANSACTION DmaTransaction)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionRelease");
    if (t == NULL)
        return STATUS_INVALID_PARAMETER;
    if (t->state == TXN_TRANSFER) {
        txn_violation(t, "WdfDmaTransactionRelease");
        txn_end(t, TXN_FAILED, STATUS_CANCELLED);
    }
    if (t->state == TXN_CREATED || t->state == TXN_RELEASED)
        return STATUS_SUCCESS; /* harmless, as in KMDF */
    if (t->request != NULL)
        shim_request_set_transaction(t->request, NULL);
    t->request = NULL;
    t->request_number = 0;
    t->offset = t->cur_len = t->length = 0;
    t->transfer = 0;
    t->max_length = 0; /* transaction-level settings reset on release, as in KMDF */
    t->single_transfer = false;
    t->state = TXN_RELEASED;
    return STATUS_SUCCESS;
}

/* Queries ------------------------------------------------------------------------------------- */

size_t WdfDmaTransactionGetBytesTransferred(WDFDMATRANSACTION DmaTransaction)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionGetBytesTransferred");
    return t ? t->offset : 0;
}

VOID WdfDmaTransactionSetMaximumLength(WDFDMATRANSACTION DmaTransaction, size_t MaximumLength)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionSetMaximumLength");
    if (t != NULL)
        t->max_length = MaximumLength;
}

size_t WdfDmaTransactionGetCurrentDmaTransferLength(WDFDMATRANSACTION DmaTransaction)
{
    struct shim_transaction *t =
        TXN(DmaTransaction, "WdfDmaTransactionGetCurrentDmaTransferLength");
    return t ? t->cur_len : 0;
}

WDFREQUEST WdfDmaTransactionGetRequest(WDFDMATRANSACTION DmaTransaction)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionGetRequest");
    return t ? (WDFREQUEST)t->request : NULL;
}

WDFDEVICE WdfDmaTransactionGetDevice(WDFDMATRANSACTION DmaTransaction)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionGetDevice");
    return t ? (WDFDEVICE)t->enabler->device : NULL;
}

VOID WdfDmaTransactionSetSingleTransferRequirement(WDFDMATRANSACTION DmaTransaction,
                                                   BOOLEAN RequireSingleTransfer)
{
    struct shim_transaction *t =
        TXN(DmaTransaction, "WdfDmaTransactionSetSingleTransferRequirement");
    if (t != NULL)
        t->single_transfer = RequireSingleTransfer != FALSE;
}

VOID WdfDmaTransactionGetTransferInfo(WDFDMATRANSACTION DmaTransaction, ULONG *MapRegisterCount,
                                      ULONG *ScatterGatherElementCount)
{
    struct shim_transaction *t = TXN(DmaTransaction, "WdfDmaTransactionGetTransferInfo");
    if (t == NULL || t->buf == NULL)
        return;
    size_t pos = t->start, end = t->start + t->length, elements = 0;
    uint64_t prev_end = 0;
    for (; pos < end; pos = (pos / SHIM_PAGE + 1) * SHIM_PAGE) {
        if (shim_dma_bus(t->buf, pos) != prev_end || elements == 0)
            elements++;
        size_t page_end = (pos / SHIM_PAGE + 1) * SHIM_PAGE;
        prev_end = shim_dma_bus(t->buf, pos) + ((page_end < end ? page_end : end) - pos);
    }
    if (MapRegisterCount != NULL)
        *MapRegisterCount = (ULONG)((t->start % SHIM_PAGE + t->length + SHIM_PAGE - 1) / SHIM_PAGE);
    if (ScatterGatherElementCount != NULL)
        *ScatterGatherElementCount = (ULONG)elements;
}

/* Verifier hooks ------------------------------------------------------------------------------ */

bool shim_transaction_in_transfer(struct shim_object *transaction)
{
    return transaction != NULL && ((struct shim_transaction *)transaction)->state == TXN_TRANSFER;
}

uint64_t shim_transaction_id(struct shim_object *transaction)
{
    return transaction ? ((struct shim_transaction *)transaction)->id : 0;
}

void shim_transactions_check_at_d0exit(struct shim_device *d)
{
    pthread_mutex_lock(&txn_lock);
    struct shim_transaction *leaked = txn_active;
    pthread_mutex_unlock(&txn_lock);
    if (leaked != NULL)
        shim_verifier(BUGCHECK_WDF_VIOLATION, WDF_VIOLATION_DMA_STATE, (uintptr_t)leaked,
                      leaked->state,
                      "transaction %llu is still in Transfer at D0Exit: the driver leaked it "
                      "(complete or release every transaction before powering down)",
                      (unsigned long long)leaked->id);
}

/* Is [bus, bus+len) covered by the current SG lists of transactions in Transfer? */
static bool txn_covers(uint64_t bus, uint64_t len)
{
    uint64_t pos = bus, end = bus + len;
    bool progress = true;
    pthread_mutex_lock(&txn_lock);
    while (pos < end && progress) {
        progress = false;
        for (struct shim_transaction *t = txn_active; t != NULL && !progress; t = t->next_active) {
            for (ULONG i = 0; t->sg != NULL && i < t->sg->NumberOfElements; i++) {
                uint64_t a = (uint64_t)t->sg->Elements[i].Address.QuadPart;
                if (pos >= a && pos < a + t->sg->Elements[i].Length) {
                    pos = a + t->sg->Elements[i].Length;
                    progress = true;
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&txn_lock);
    return pos >= end;
}

void shim_dma_notified(void *arg, uint64_t bus, uint64_t len, bool to_host, bool faulted,
                       uint64_t fault_addr)
{
    if (faulted) {
        shim_verifier(BUGCHECK_DMA_VIOLATION, bus, len, fault_addr,
                      "the device master-aborted %s bus 0x%llx+0x%llx at 0x%llx: the driver "
                      "programmed an address it never mapped",
                      to_host ? "writing" : "reading", (unsigned long long)bus,
                      (unsigned long long)len, (unsigned long long)fault_addr);
        return;
    }
    if (len == 0 || shim_dma_in_common_buffer(bus, len) || txn_covers(bus, len))
        return;
    shim_verifier(BUGCHECK_DMA_VIOLATION, bus, len, to_host,
                  "the device %s bus 0x%llx+0x%llx, outside every common buffer and the SG list "
                  "of every transfer in progress",
                  to_host ? "wrote" : "read", (unsigned long long)bus, (unsigned long long)len);
}
