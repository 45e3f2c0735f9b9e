/*
 * driver_device.c: the driver and device objects, device init, and the resource lists
 * (the device's BARs and interrupt, in BAR order, as PrepareHardware sees them).
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* Driver ------------------------------------------------------------------------------------- */

static void driver_teardown(struct shim_object *o)
{
    if (shim.driver == (struct shim_driver *)o)
        shim.driver = NULL;
    free(o);
}

NTSTATUS WdfDriverCreate(PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath,
                         PWDF_OBJECT_ATTRIBUTES DriverAttributes, PWDF_DRIVER_CONFIG DriverConfig,
                         WDFDRIVER *Driver)
{
    if (DriverConfig == NULL || DriverConfig->EvtDriverDeviceAdd == NULL)
        return STATUS_INVALID_PARAMETER;
    if (shim.driver != NULL)
        return STATUS_INVALID_DEVICE_STATE;
    struct shim_driver *drv = calloc(1, sizeof(*drv));
    if (drv == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    drv->config = *DriverConfig;
    if (DriverObject != NULL)
        drv->wdm = *DriverObject;
    NTSTATUS st = shim_object_init(&drv->obj, SHIM_DRIVER, DriverAttributes, NULL, driver_teardown);
    if (!NT_SUCCESS(st)) {
        free(drv);
        return st;
    }
    shim.driver = drv;
    if (Driver != NULL)
        *Driver = (WDFDRIVER)drv;
    return STATUS_SUCCESS;
}

PDRIVER_OBJECT WdfDriverWdmGetDriverObject(WDFDRIVER Driver)
{
    struct shim_driver *d =
        SHIM_CHECK(Driver, SHIM_DRIVER, struct shim_driver, "WdfDriverWdmGetDriverObject");
    return d ? &d->wdm : NULL;
}

WDFDRIVER WdfGetDriver(void)
{
    return (WDFDRIVER)shim.driver;
}

/* Device init -------------------------------------------------------------------------------- */

VOID WdfDeviceInitSetIoType(PWDFDEVICE_INIT DeviceInit, WDF_DEVICE_IO_TYPE IoType)
{
    ((struct shim_device_init *)DeviceInit)->io_type = IoType;
}

VOID WdfDeviceInitSetPnpPowerEventCallbacks(PWDFDEVICE_INIT DeviceInit,
                                            PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks)
{
    struct shim_device_init *init = (struct shim_device_init *)DeviceInit;
    init->pnp = *PnpPowerEventCallbacks;
    init->pnp_set = true;
}

/* Device ------------------------------------------------------------------------------------- */

static void device_teardown(struct shim_object *o)
{
    struct shim_device *d = (struct shim_device *)o;
    if (shim.device == d)
        shim.device = NULL;
    pthread_mutex_destroy(&d->callback_lock);
    free(d);
}

NTSTATUS WdfDeviceCreate(PWDFDEVICE_INIT *DeviceInit, PWDF_OBJECT_ATTRIBUTES DeviceAttributes,
                         WDFDEVICE *Device)
{
    if (DeviceInit == NULL || *DeviceInit == NULL || shim.driver == NULL)
        return STATUS_INVALID_PARAMETER;
    if (shim.device != NULL)
        return STATUS_INVALID_DEVICE_STATE; /* one device per driver process */
    struct shim_device_init *init = (struct shim_device_init *)*DeviceInit;
    struct shim_device *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    pthread_mutex_init(&d->callback_lock, NULL);
    d->io_type = init->io_type;
    d->alignment = FILE_BYTE_ALIGNMENT;
    if (init->pnp_set)
        d->pnp = init->pnp;
    NTSTATUS st = shim_object_init(&d->obj, SHIM_DEVICE, DeviceAttributes, &shim.driver->obj,
                                   device_teardown);
    if (!NT_SUCCESS(st)) {
        device_teardown(&d->obj);
        return st;
    }
    shim.device = d;
    *DeviceInit = NULL; /* the framework owns it now, as in KMDF */
    *Device = (WDFDEVICE)d;
    return STATUS_SUCCESS;
}

#define DEVICE(h, api) SHIM_CHECK(h, SHIM_DEVICE, struct shim_device, api)

NTSTATUS WdfDeviceCreateDeviceInterface(WDFDEVICE Device, CONST GUID *InterfaceClassGUID,
                                        PCUNICODE_STRING ReferenceString)
{
    /* Applications reach devices by name through the daemon; the interface is noted only. */
    return DEVICE(Device, "WdfDeviceCreateDeviceInterface") ? STATUS_SUCCESS
                                                            : STATUS_INVALID_PARAMETER;
}

VOID WdfDeviceSetAlignmentRequirement(WDFDEVICE Device, ULONG AlignmentRequirement)
{
    struct shim_device *d = DEVICE(Device, "WdfDeviceSetAlignmentRequirement");
    if (d != NULL)
        d->alignment = AlignmentRequirement;
}

ULONG WdfDeviceGetAlignmentRequirement(WDFDEVICE Device)
{
    struct shim_device *d = DEVICE(Device, "WdfDeviceGetAlignmentRequirement");
    return d ? d->alignment : 0;
}

/* An emulated device has no idle or wake power states: the settings are accepted and kept
 * as no-ops, so drivers that assign them run unchanged. */
NTSTATUS WdfDeviceAssignS0IdleSettings(WDFDEVICE Device,
                                       PWDF_DEVICE_POWER_POLICY_IDLE_SETTINGS Settings)
{
    return DEVICE(Device, "WdfDeviceAssignS0IdleSettings") ? STATUS_SUCCESS
                                                           : STATUS_INVALID_PARAMETER;
}

NTSTATUS WdfDeviceAssignSxWakeSettings(WDFDEVICE Device,
                                       PWDF_DEVICE_POWER_POLICY_WAKE_SETTINGS Settings)
{
    return DEVICE(Device, "WdfDeviceAssignSxWakeSettings") ? STATUS_SUCCESS
                                                           : STATUS_INVALID_PARAMETER;
}

PDEVICE_OBJECT WdfDeviceWdmGetDeviceObject(WDFDEVICE Device)
{
    struct shim_device *d = DEVICE(Device, "WdfDeviceWdmGetDeviceObject");
    return d ? &d->wdm : NULL;
}

PDEVICE_OBJECT WdfDeviceWdmGetPhysicalDevice(WDFDEVICE Device)
{
    return WdfDeviceWdmGetDeviceObject(Device);
}

WDFDRIVER WdfDeviceGetDriver(WDFDEVICE Device)
{
    return DEVICE(Device, "WdfDeviceGetDriver") ? (WDFDRIVER)shim.driver : NULL;
}

/* Resource lists ----------------------------------------------------------------------------- */

struct shim_resource_list {
    struct shim_object obj;
    ULONG count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR desc[DMAEMU_MAX_BARS + 1];
};

static void resources_fill(struct shim_resource_list *l)
{
    const struct dmaemu_device_info *info = &shim.info;
    for (unsigned i = 0; i < info->bar_count; i++) {
        CM_PARTIAL_RESOURCE_DESCRIPTOR *d = &l->desc[l->count++];
        memset(d, 0, sizeof(*d));
        d->ShareDisposition = CmResourceShareDeviceExclusive;
        if (info->bars[i].kind == DMAEMU_BAR_IO) {
            d->Type = CmResourceTypePort;
            d->Flags = CM_RESOURCE_PORT_IO;
            d->u.Port.Start.QuadPart = (LONGLONG)shim_bar_phys(i);
            d->u.Port.Length = (ULONG)info->bars[i].size;
        } else {
            d->Type = CmResourceTypeMemory;
            d->Flags = CM_RESOURCE_MEMORY_READ_WRITE;
            d->u.Memory.Start.QuadPart = (LONGLONG)shim_bar_phys(i);
            d->u.Memory.Length = (ULONG)info->bars[i].size;
        }
    }
    if (info->irq_count > 0) {
        CM_PARTIAL_RESOURCE_DESCRIPTOR *d = &l->desc[l->count++];
        memset(d, 0, sizeof(*d));
        d->Type = CmResourceTypeInterrupt;
        d->ShareDisposition = CmResourceShareShared;
        d->Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
        d->u.Interrupt.Level = 11; /* an arbitrary, plausible INTA routing */
        d->u.Interrupt.Vector = 0x5B;
        d->u.Interrupt.Affinity = 1;
    }
}

struct shim_object *shim_resource_list_create(struct shim_device *d)
{
    struct shim_resource_list *l = calloc(1, sizeof(*l));
    if (l == NULL || shim_object_init(&l->obj, SHIM_RESOURCE_LIST, WDF_NO_OBJECT_ATTRIBUTES,
                                      &d->obj, NULL) != STATUS_SUCCESS) {
        free(l);
        return NULL;
    }
    resources_fill(l);
    return &l->obj;
}

ULONG WdfCmResourceListGetCount(WDFCMRESLIST List)
{
    struct shim_resource_list *l = SHIM_CHECK(List, SHIM_RESOURCE_LIST, struct shim_resource_list,
                                              "WdfCmResourceListGetCount");
    return l ? l->count : 0;
}

PCM_PARTIAL_RESOURCE_DESCRIPTOR WdfCmResourceListGetDescriptor(WDFCMRESLIST List, ULONG Index)
{
    struct shim_resource_list *l = SHIM_CHECK(List, SHIM_RESOURCE_LIST, struct shim_resource_list,
                                              "WdfCmResourceListGetDescriptor");
    return l && Index < l->count ? &l->desc[Index] : NULL;
}

/* The shim implements KMDF 1.33. */
BOOLEAN WdfDriverIsVersionAvailable(WDFDRIVER Driver,
                                    PWDF_DRIVER_VERSION_AVAILABLE_PARAMS VersionAvailableParams)
{
    PWDF_DRIVER_VERSION_AVAILABLE_PARAMS p = VersionAvailableParams;
    return p != NULL && p->MajorVersion == 1 && p->MinorVersion <= 33;
}

/* An emulated device never idles out of D0: stopping and resuming idle are always granted. */
NTSTATUS WdfDeviceStopIdleActual(WDFDEVICE Device, BOOLEAN WaitForD0, PVOID Tag, LONG Line,
                                 PCHAR File)
{
    return DEVICE(Device, "WdfDeviceStopIdle") ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

VOID WdfDeviceResumeIdleActual(WDFDEVICE Device, PVOID Tag, LONG Line, PCHAR File)
{
    DEVICE(Device, "WdfDeviceResumeIdle");
}
