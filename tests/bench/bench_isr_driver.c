/*
 * bench_isr_driver.c: dmaemu-bench-isr, a KMDF driver for the plx9656 that measures how long
 * an interrupt takes from the model raising INTA to the top of EvtInterruptIsr.
 *
 * Each IOCTL_MEASURE starts a zero-length block transfer on channel 0 (it completes at once
 * and raises the done interrupt). The ISR first reads CLOCK_REALTIME, then asks the shim for
 * the daemon's stamp of the assertion it serves (dmaemu_shim_interrupt_raised_ns, an
 * instrumentation hook no ordinary driver calls), acknowledges the channel and queues its
 * DPC, which completes the request with both stamps. Not Windows source: a measuring tool,
 * written in this repository's style.
 */
#include <ntddk.h>
#include <wdf.h>

#include <time.h>

#include "bench_isr.h"
#include "dmaemu_shim.h"

#define PLX_BAR0_LENGTH        0x200
#define PLX_INTCSR             0x068
#define PLX_DMAMODE0           0x080
#define PLX_DMASIZ0            0x08C
#define PLX_DMADPR0            0x090
#define PLX_DMACSR0            0x0A8
#define INTCSR_PCI_INT_ENABLE  0x00000100
#define INTCSR_DMA0_INT_ENABLE 0x00040000
#define INTCSR_DMA0_ACTIVE     0x00200000
#define DMAMODE_DONE_INT       0x00000400
#define DMAMODE_INT_TO_PCI     0x00020000
#define DMACSR_ENABLE          0x01
#define DMACSR_START           0x02
#define DMACSR_CLEAR_INT       0x08

typedef struct _BENCH_CONTEXT {
    PUCHAR Regs;
    WDFINTERRUPT Interrupt;
    WDFREQUEST Pending; /* the IOCTL waiting for its interrupt */
    struct bench_isr_sample Sample;
} BENCH_CONTEXT, *PBENCH_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(BENCH_CONTEXT, BenchGetContext)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD BenchEvtDeviceAdd;
EVT_WDF_DEVICE_PREPARE_HARDWARE BenchEvtPrepareHardware;
EVT_WDF_DEVICE_D0_ENTRY BenchEvtD0Entry;
EVT_WDF_DEVICE_D0_EXIT BenchEvtD0Exit;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL BenchEvtIoDeviceControl;
EVT_WDF_INTERRUPT_ISR BenchEvtIsr;
EVT_WDF_INTERRUPT_DPC BenchEvtDpc;

static ULONG64 BenchWallNs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ULONG64)ts.tv_sec * 1000000000ull + (ULONG64)ts.tv_nsec;
}

static VOID BenchWrite(PBENCH_CONTEXT ctx, ULONG offset, ULONG value)
{
    WRITE_REGISTER_ULONG((PULONG)(ctx->Regs + offset), value);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, BenchEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config,
                           WDF_NO_HANDLE);
}

NTSTATUS BenchEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDF_INTERRUPT_CONFIG interruptConfig;
    WDFDEVICE device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDevicePrepareHardware = BenchEvtPrepareHardware;
    pnp.EvtDeviceD0Entry = BenchEvtD0Entry;
    pnp.EvtDeviceD0Exit = BenchEvtD0Exit;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);

    /* The queue and the DPC are serialized: Pending needs no lock of its own. */
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, BENCH_CONTEXT);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status))
        return status;

    /* Sequential: one measurement in flight, so an interrupt always belongs to Pending. */
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoDeviceControl = BenchEvtIoDeviceControl;
    status = WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status))
        return status;

    WDF_INTERRUPT_CONFIG_INIT(&interruptConfig, BenchEvtIsr, BenchEvtDpc);
    interruptConfig.AutomaticSerialization = TRUE;
    return WdfInterruptCreate(device, &interruptConfig, WDF_NO_OBJECT_ATTRIBUTES,
                              &BenchGetContext(device)->Interrupt);
}

NTSTATUS BenchEvtPrepareHardware(WDFDEVICE Device, WDFCMRESLIST Raw, WDFCMRESLIST Translated)
{
    PBENCH_CONTEXT ctx = BenchGetContext(Device);
    UNREFERENCED_PARAMETER(Raw);
    for (ULONG i = 0; i < WdfCmResourceListGetCount(Translated); i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = WdfCmResourceListGetDescriptor(Translated, i);
        if (d != NULL && d->Type == CmResourceTypeMemory && d->u.Memory.Length == PLX_BAR0_LENGTH)
            ctx->Regs = (PUCHAR)MmMapIoSpace(d->u.Memory.Start, PLX_BAR0_LENGTH, MmNonCached);
    }
    return ctx->Regs != NULL ? STATUS_SUCCESS : STATUS_DEVICE_CONFIGURATION_ERROR;
}

NTSTATUS BenchEvtD0Entry(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState)
{
    PBENCH_CONTEXT ctx = BenchGetContext(Device);
    UNREFERENCED_PARAMETER(PreviousState);
    BenchWrite(ctx, PLX_DMAMODE0, DMAMODE_DONE_INT | DMAMODE_INT_TO_PCI);
    BenchWrite(ctx, PLX_INTCSR, INTCSR_PCI_INT_ENABLE | INTCSR_DMA0_INT_ENABLE);
    return STATUS_SUCCESS;
}

NTSTATUS BenchEvtD0Exit(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState)
{
    UNREFERENCED_PARAMETER(TargetState);
    BenchWrite(BenchGetContext(Device), PLX_INTCSR, 0);
    return STATUS_SUCCESS;
}

VOID BenchEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                             size_t InputBufferLength, ULONG IoControlCode)
{
    PBENCH_CONTEXT ctx = BenchGetContext(WdfIoQueueGetDevice(Queue));
    UNREFERENCED_PARAMETER(InputBufferLength);
    if (IoControlCode != BENCH_ISR_IOCTL_MEASURE ||
        OutputBufferLength < sizeof(struct bench_isr_sample)) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    ctx->Pending = Request;
    BenchWrite(ctx, PLX_DMASIZ0, 0);
    BenchWrite(ctx, PLX_DMADPR0, 0);
    WRITE_REGISTER_UCHAR(ctx->Regs + PLX_DMACSR0, DMACSR_ENABLE | DMACSR_START);
}

BOOLEAN BenchEvtIsr(WDFINTERRUPT Interrupt, ULONG MessageID)
{
    ULONG64 now = BenchWallNs(); /* first: everything after it is the ISR's own time */
    PBENCH_CONTEXT ctx = BenchGetContext(WdfInterruptGetDevice(Interrupt));
    UNREFERENCED_PARAMETER(MessageID);
    if (!(READ_REGISTER_ULONG((PULONG)(ctx->Regs + PLX_INTCSR)) & INTCSR_DMA0_ACTIVE))
        return FALSE;
    WRITE_REGISTER_UCHAR(ctx->Regs + PLX_DMACSR0, DMACSR_ENABLE | DMACSR_CLEAR_INT);
    ctx->Sample.raised_ns = dmaemu_shim_interrupt_raised_ns();
    ctx->Sample.isr_ns = now;
    WdfInterruptQueueDpcForIsr(Interrupt);
    return TRUE;
}

VOID BenchEvtDpc(WDFINTERRUPT Interrupt, WDFOBJECT Device)
{
    PBENCH_CONTEXT ctx = BenchGetContext((WDFDEVICE)Device);
    struct bench_isr_sample *out;
    WDFREQUEST request = ctx->Pending;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(Interrupt);
    if (request == NULL)
        return;
    ctx->Pending = NULL;
    status = WdfRequestRetrieveOutputBuffer(request, sizeof(*out), (PVOID *)&out, NULL);
    if (NT_SUCCESS(status))
        *out = ctx->Sample;
    WdfRequestCompleteWithInformation(request, status, NT_SUCCESS(status) ? sizeof(*out) : 0);
}
