/*
 * pci9656_app.h: the sample KMDF driver (driver-shim/samples/pci9656) as integration tests'
 * applications see it, with its driver process run through drvproc.h.
 *
 * Header-only (static inline), like itest.h and drvproc.h. Failures go through itest_fail, so a
 * test that sets itest_fail_hook to print its logs gets them here too.
 */
#ifndef DMAEMU_PCI9656_APP_H
#define DMAEMU_PCI9656_APP_H

#include "drvproc.h"

#include "winioctl_compat.h"

#include "../../driver-shim/samples/pci9656/Public.h"

_Static_assert(sizeof(PCI9656_INFO) == 48, "PCI9656_INFO has its Windows x64 layout");

/* Waits until the driver d serves the device f is open on: IOCTL_PCI9656_GET_INFO completes with
 * STATUS_SUCCESS, which it returns (checked). Before, the daemon answers
 * STATUS_DEVICE_NOT_CONNECTED (no driver attached yet); once attached, the framework holds
 * requests until the queues dispatch, as KMDF does while a device starts. */
static inline PCI9656_INFO pci9656_wait_serving(struct drv *d, dmaemu_file_t *f)
{
    int64_t deadline = itest_now_ms() + DRV_START_TIMEOUT_MS;
    for (;;) {
        PCI9656_INFO info;
        struct dmaemu_io_result r;
        int rc = dmaemu_ioctl(f, IOCTL_PCI9656_GET_INFO, NULL, 0, &info, sizeof(info), &r);
        if (rc != 0)
            itest_fail("GET_INFO while waiting for the driver: %d (%s): %s", rc,
                       dmaemu_strerror(rc), dmaemu_last_error());
        if (r.status == STATUS_SUCCESS) {
            if (r.information != sizeof(info) || r.data_len != sizeof(info) ||
                info.Size != sizeof(info))
                itest_fail("GET_INFO: information %llu, data %zu, Size %u; expected %zu",
                           (unsigned long long)r.information, r.data_len, info.Size, sizeof(info));
            return info;
        }
        if (r.status != STATUS_DEVICE_NOT_CONNECTED)
            itest_fail("GET_INFO while waiting for the driver: status 0x%08X", (unsigned)r.status);
        if (!drv_alive(d))
            itest_fail("the driver exited with status %d before serving", drv_exit_code(d->status));
        if (itest_now_ms() > deadline)
            itest_fail("the driver does not serve after %d ms", DRV_START_TIMEOUT_MS);
        itest_backoff();
    }
}

#endif
