/*
 * lifecycle.c: the PnP/power sequence around a driver's life, in KMDF's order.
 *
 *   DriverEntry -> EvtDriverDeviceAdd -> EvtDevicePrepareHardware -> EvtDeviceD0Entry ->
 *   interrupts connected + EvtInterruptEnable -> DMA enablers Fill/Enable/SelfManagedIoStart ->
 *   queues dispatch ... serve until stopped ... queues stop -> DMA enablers
 *   SelfManagedIoStop/Disable/Flush -> EvtInterruptDisable -> EvtDeviceD0Exit(D3Final) ->
 *   EvtDeviceReleaseHardware -> cleanup callbacks, children before parents -> EvtDriverUnload.
 */
#include <stdio.h>
#include <string.h>

#include "shim.h"

/* The driver's entry point, from the driver's sources. */
DRIVER_INITIALIZE DriverEntry;

#define SHIM_EXIT_DRIVER_FAILED 4

static int lifecycle_fail(const char *step, NTSTATUS st)
{
    char buf[16];
    shim_log("%s failed with %s (0x%08X); the driver cannot run", step,
             shim_status_name(st, buf, sizeof(buf)), (unsigned)st);
    struct dmaemu_driver_event e = {
        .kind = "lifecycle", .phase = step, .status = st, .text = "failed"};
    shim_report_now(&e); /* the process ends next */
    return SHIM_EXIT_DRIVER_FAILED;
}

static NTSTATUS lifecycle_driver(void)
{
    static DRIVER_OBJECT driver_object;
    static WCHAR path_buf[] = {'\\', 'R', 'E', 'G', 'I', 'S', 'T', 'R', 'Y', 0};
    UNICODE_STRING registry_path;
    RtlInitUnicodeString(&registry_path, path_buf);
    NTSTATUS st;
    SHIM_CALL_RET(st, "DriverEntry", DriverEntry(&driver_object, &registry_path));
    if (NT_SUCCESS(st) && shim.driver == NULL) {
        shim_log("DriverEntry returned success without calling WdfDriverCreate");
        st = STATUS_INVALID_DEVICE_STATE;
    }
    return st;
}

static NTSTATUS lifecycle_device_add(void)
{
    struct shim_device_init init = {.io_type = WdfDeviceIoBuffered};
    PWDFDEVICE_INIT p = (PWDFDEVICE_INIT)&init;
    NTSTATUS st;
    SHIM_CALL_RET(st, "EvtDriverDeviceAdd",
                  shim.driver->config.EvtDriverDeviceAdd((WDFDRIVER)shim.driver, p));
    if (NT_SUCCESS(st) && shim.device == NULL) {
        shim_log("EvtDriverDeviceAdd returned success without calling WdfDeviceCreate");
        st = STATUS_INVALID_DEVICE_STATE;
    }
    return st;
}

static NTSTATUS lifecycle_prepare(struct shim_device *d)
{
    d->raw_resources = shim_resource_list_create(d);
    d->translated_resources = shim_resource_list_create(d);
    if (d->raw_resources == NULL || d->translated_resources == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS st = STATUS_SUCCESS;
    if (d->pnp.EvtDevicePrepareHardware != NULL)
        SHIM_CALL_RET(st, "EvtDevicePrepareHardware",
                      d->pnp.EvtDevicePrepareHardware((WDFDEVICE)d, (WDFCMRESLIST)d->raw_resources,
                                                      (WDFCMRESLIST)d->translated_resources));
    return st;
}

static NTSTATUS lifecycle_d0_entry(struct shim_device *d)
{
    NTSTATUS st = STATUS_SUCCESS;
    if (d->pnp.EvtDeviceD0Entry != NULL)
        SHIM_CALL_RET(st, "EvtDeviceD0Entry",
                      d->pnp.EvtDeviceD0Entry((WDFDEVICE)d, WdfPowerDeviceD3Final));
    if (NT_SUCCESS(st))
        st = shim_interrupts_connect(d);
    if (NT_SUCCESS(st))
        st = shim_enablers_power_up(d);
    return st;
}

static void lifecycle_release(struct shim_device *d)
{
    if (d->pnp.EvtDeviceReleaseHardware != NULL)
        SHIM_CALL(
            "EvtDeviceReleaseHardware",
            d->pnp.EvtDeviceReleaseHardware((WDFDEVICE)d, (WDFCMRESLIST)d->translated_resources));
}

static void lifecycle_power_down(struct shim_device *d)
{
    shim_queues_stop(d);
    shim_enablers_power_down(d);
    shim_interrupts_disconnect(d);
    shim_transactions_check_at_d0exit(d);
    if (d->pnp.EvtDeviceD0Exit != NULL)
        SHIM_CALL("EvtDeviceD0Exit", d->pnp.EvtDeviceD0Exit((WDFDEVICE)d, WdfPowerDeviceD3Final));
}

static void lifecycle_unload(void)
{
    if (shim.driver == NULL)
        return;
    PFN_WDF_DRIVER_UNLOAD unload = shim.driver->config.EvtDriverUnload;
    WDFDRIVER handle = (WDFDRIVER)shim.driver;
    if (unload != NULL)
        SHIM_CALL("EvtDriverUnload", unload(handle));
    shim_object_delete(&shim.driver->obj); /* the device and everything below it first */
}

int shim_lifecycle_run(void)
{
    NTSTATUS st = lifecycle_driver();
    if (!NT_SUCCESS(st))
        return lifecycle_fail("DriverEntry", st);
    st = lifecycle_device_add();
    if (!NT_SUCCESS(st)) {
        lifecycle_unload();
        return lifecycle_fail("EvtDriverDeviceAdd", st);
    }
    struct shim_device *d = shim.device;
    st = lifecycle_prepare(d);
    if (NT_SUCCESS(st))
        st = lifecycle_d0_entry(d);
    if (!NT_SUCCESS(st)) {
        shim_interrupts_disconnect(d);
        lifecycle_release(d);
        lifecycle_unload();
        return lifecycle_fail("device power-up (PrepareHardware, D0Entry, interrupts, DMA)", st);
    }
    shim_log("%s is running; send it I/O with 'dmaemu io ... %s'", shim.opt.device,
             shim.opt.device);
    shim_queues_start(d);
    shim_run_passive(); /* until SIGTERM/SIGINT or the daemon goes away */
    shim_log("powering down");
    lifecycle_power_down(d);
    lifecycle_release(d);
    lifecycle_unload();
    shim_dma_shutdown();
    return shim.exit_status;
}
