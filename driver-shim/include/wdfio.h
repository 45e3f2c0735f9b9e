/*
 * wdfio.h: KMDF I/O queues for driver-shim.
 *
 * Sequential queues present one request at a time; parallel queues present requests as they
 * arrive (up to Settings.Parallel.NumberOfPresentedRequests); manual queues are drained with
 * WdfIoQueueRetrieveNextRequest. Zero-length reads and writes are completed by the framework
 * unless AllowZeroLengthRequests is set.
 */
#ifndef _WDFIO_H_
#define _WDFIO_H_

#include "wdfobject.h"
#include "wdfrequest.h"

WDF_EXTERN_C_START

typedef enum _WDF_IO_QUEUE_DISPATCH_TYPE {
    WdfIoQueueDispatchInvalid = 0,
    WdfIoQueueDispatchSequential,
    WdfIoQueueDispatchParallel,
    WdfIoQueueDispatchManual,
    WdfIoQueueDispatchMax,
} WDF_IO_QUEUE_DISPATCH_TYPE;

typedef enum _WDF_IO_QUEUE_STATE {
    WdfIoQueueAcceptRequests = 0x01,
    WdfIoQueueDispatchRequests = 0x02,
    WdfIoQueueNoRequests = 0x04,
    WdfIoQueueDriverNoRequests = 0x08,
    WdfIoQueuePnpHeld = 0x10,
} WDF_IO_QUEUE_STATE;

FORCEINLINE BOOLEAN WDF_IO_QUEUE_IDLE(_In_ WDF_IO_QUEUE_STATE State)
{
    return ((State & WdfIoQueueNoRequests) && (State & WdfIoQueueDriverNoRequests)) ? TRUE : FALSE;
}

FORCEINLINE BOOLEAN WDF_IO_QUEUE_READY(_In_ WDF_IO_QUEUE_STATE State)
{
    return ((State & WdfIoQueueDispatchRequests) && (State & WdfIoQueueAcceptRequests) &&
            ((State & WdfIoQueuePnpHeld) == 0))
               ? TRUE
               : FALSE;
}

FORCEINLINE BOOLEAN WDF_IO_QUEUE_STOPPED(_In_ WDF_IO_QUEUE_STATE State)
{
    return (((State & WdfIoQueueDispatchRequests) == 0) && (State & WdfIoQueueAcceptRequests) &&
            (State & WdfIoQueueDriverNoRequests))
               ? TRUE
               : FALSE;
}

FORCEINLINE BOOLEAN WDF_IO_QUEUE_DRAINED(_In_ WDF_IO_QUEUE_STATE State)
{
    return (((State & WdfIoQueueAcceptRequests) == 0) && (State & WdfIoQueueDispatchRequests) &&
            (State & WdfIoQueueNoRequests) && (State & WdfIoQueueDriverNoRequests))
               ? TRUE
               : FALSE;
}

FORCEINLINE BOOLEAN WDF_IO_QUEUE_PURGED(_In_ WDF_IO_QUEUE_STATE State)
{
    return (((State & WdfIoQueueAcceptRequests) == 0) && (State & WdfIoQueueNoRequests) &&
            (State & WdfIoQueueDriverNoRequests))
               ? TRUE
               : FALSE;
}

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_DEFAULT(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_DEFAULT *PFN_WDF_IO_QUEUE_IO_DEFAULT;

/* ActionFlags: WDF_REQUEST_STOP_ACTION_FLAGS. */
typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_STOP(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request,
                                            _In_ ULONG ActionFlags);
typedef EVT_WDF_IO_QUEUE_IO_STOP *PFN_WDF_IO_QUEUE_IO_STOP;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_RESUME(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_RESUME *PFN_WDF_IO_QUEUE_IO_RESUME;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_READ(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request,
                                            _In_ size_t Length);
typedef EVT_WDF_IO_QUEUE_IO_READ *PFN_WDF_IO_QUEUE_IO_READ;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_WRITE(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request,
                                             _In_ size_t Length);
typedef EVT_WDF_IO_QUEUE_IO_WRITE *PFN_WDF_IO_QUEUE_IO_WRITE;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL(_In_ WDFQUEUE Queue, _In_ WDFREQUEST Request,
                                                      _In_ size_t OutputBufferLength,
                                                      _In_ size_t InputBufferLength,
                                                      _In_ ULONG IoControlCode);
typedef EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL *PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL(_In_ WDFQUEUE Queue,
                                                               _In_ WDFREQUEST Request,
                                                               _In_ size_t OutputBufferLength,
                                                               _In_ size_t InputBufferLength,
                                                               _In_ ULONG IoControlCode);
typedef EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL *PFN_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE(_In_ WDFQUEUE Queue,
                                                         _In_ WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE *PFN_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE;

typedef VOID NTAPI EVT_WDF_IO_QUEUE_STATE(_In_ WDFQUEUE Queue, _In_ WDFCONTEXT Context);
typedef EVT_WDF_IO_QUEUE_STATE *PFN_WDF_IO_QUEUE_STATE;

typedef struct _WDF_IO_QUEUE_CONFIG {
    ULONG Size;
    WDF_IO_QUEUE_DISPATCH_TYPE DispatchType;
    WDF_TRI_STATE PowerManaged;
    BOOLEAN AllowZeroLengthRequests;
    BOOLEAN DefaultQueue;
    PFN_WDF_IO_QUEUE_IO_DEFAULT EvtIoDefault;
    PFN_WDF_IO_QUEUE_IO_READ EvtIoRead;
    PFN_WDF_IO_QUEUE_IO_WRITE EvtIoWrite;
    PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL EvtIoDeviceControl;
    PFN_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL EvtIoInternalDeviceControl;
    PFN_WDF_IO_QUEUE_IO_STOP EvtIoStop;
    PFN_WDF_IO_QUEUE_IO_RESUME EvtIoResume;
    PFN_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE EvtIoCanceledOnQueue;
    union {
        struct {
            ULONG NumberOfPresentedRequests; /* (ULONG)-1: unlimited */
        } Parallel;
    } Settings;
    WDFDRIVER Driver;
} WDF_IO_QUEUE_CONFIG, *PWDF_IO_QUEUE_CONFIG;

FORCEINLINE VOID WDF_IO_QUEUE_CONFIG_INIT(_Out_ PWDF_IO_QUEUE_CONFIG Config,
                                          _In_ WDF_IO_QUEUE_DISPATCH_TYPE DispatchType)
{
    RtlZeroMemory(Config, sizeof(WDF_IO_QUEUE_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_IO_QUEUE_CONFIG);
    Config->PowerManaged = WdfUseDefault;
    Config->DispatchType = DispatchType;
    if (Config->DispatchType == WdfIoQueueDispatchParallel) {
        Config->Settings.Parallel.NumberOfPresentedRequests = (ULONG)-1;
    }
}

FORCEINLINE VOID WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(
    _Out_ PWDF_IO_QUEUE_CONFIG Config, _In_ WDF_IO_QUEUE_DISPATCH_TYPE DispatchType)
{
    RtlZeroMemory(Config, sizeof(WDF_IO_QUEUE_CONFIG));
    Config->Size = WDF_STRUCTURE_SIZE(WDF_IO_QUEUE_CONFIG);
    Config->PowerManaged = WdfUseDefault;
    Config->DefaultQueue = TRUE;
    Config->DispatchType = DispatchType;
    if (Config->DispatchType == WdfIoQueueDispatchParallel) {
        Config->Settings.Parallel.NumberOfPresentedRequests = (ULONG)-1;
    }
}

_Must_inspect_result_ NTSTATUS WdfIoQueueCreate(_In_ WDFDEVICE Device,
                                                _In_ PWDF_IO_QUEUE_CONFIG Config,
                                                _In_opt_ PWDF_OBJECT_ATTRIBUTES QueueAttributes,
                                                _Out_opt_ WDFQUEUE *Queue);
WDF_IO_QUEUE_STATE WdfIoQueueGetState(_In_ WDFQUEUE Queue, _Out_opt_ PULONG QueueRequests,
                                      _Out_opt_ PULONG DriverRequests);
VOID WdfIoQueueStart(_In_ WDFQUEUE Queue);
VOID WdfIoQueueStop(_In_ WDFQUEUE Queue, _In_opt_ PFN_WDF_IO_QUEUE_STATE StopComplete,
                    _In_opt_ WDFCONTEXT Context);
VOID WdfIoQueueStopSynchronously(_In_ WDFQUEUE Queue);
WDFDEVICE WdfIoQueueGetDevice(_In_ WDFQUEUE Queue);
_Must_inspect_result_ NTSTATUS WdfIoQueueRetrieveNextRequest(_In_ WDFQUEUE Queue,
                                                             _Out_ WDFREQUEST *OutRequest);
VOID WdfIoQueuePurge(_In_ WDFQUEUE Queue, _In_opt_ PFN_WDF_IO_QUEUE_STATE PurgeComplete,
                     _In_opt_ WDFCONTEXT Context);
VOID WdfIoQueuePurgeSynchronously(_In_ WDFQUEUE Queue);
VOID WdfIoQueueDrain(_In_ WDFQUEUE Queue, _In_opt_ PFN_WDF_IO_QUEUE_STATE DrainComplete,
                     _In_opt_ WDFCONTEXT Context);
VOID WdfIoQueueDrainSynchronously(_In_ WDFQUEUE Queue);
VOID WdfIoQueueStopAndPurge(_In_ WDFQUEUE Queue,
                            _In_opt_ PFN_WDF_IO_QUEUE_STATE StopAndPurgeComplete,
                            _In_opt_ WDFCONTEXT Context);
VOID WdfIoQueueStopAndPurgeSynchronously(_In_ WDFQUEUE Queue);
_Must_inspect_result_ NTSTATUS WdfIoQueueReadyNotify(_In_ WDFQUEUE Queue,
                                                     _In_opt_ PFN_WDF_IO_QUEUE_STATE QueueReady,
                                                     _In_opt_ WDFCONTEXT Context);

WDF_EXTERN_C_END

#endif /* _WDFIO_H_ */
