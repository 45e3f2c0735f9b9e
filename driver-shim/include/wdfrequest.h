/*
 * wdfrequest.h: KMDF I/O requests for driver-shim.
 *
 * Buffers are reached without WDFMEMORY: WdfRequestRetrieveInputBuffer/OutputBuffer return a
 * pointer and length, WdfRequestRetrieveInputWdmMdl/OutputWdmMdl an MDL (direct I/O: the MDL
 * describes a DMA-able buffer and keeps the caller's page offset).
 */
#ifndef _WDFREQUEST_H_
#define _WDFREQUEST_H_

#include "wdfobject.h"

WDF_EXTERN_C_START

typedef enum _WDF_REQUEST_TYPE {
    WdfRequestTypeCreate = 0x0,
    WdfRequestTypeCreateNamedPipe = 0x1,
    WdfRequestTypeClose = 0x2,
    WdfRequestTypeRead = 0x3,
    WdfRequestTypeWrite = 0x4,
    WdfRequestTypeQueryInformation = 0x5,
    WdfRequestTypeSetInformation = 0x6,
    WdfRequestTypeQueryEA = 0x7,
    WdfRequestTypeSetEA = 0x8,
    WdfRequestTypeFlushBuffers = 0x9,
    WdfRequestTypeQueryVolumeInformation = 0xa,
    WdfRequestTypeSetVolumeInformation = 0xb,
    WdfRequestTypeDirectoryControl = 0xc,
    WdfRequestTypeFileSystemControl = 0xd,
    WdfRequestTypeDeviceControl = 0xe,
    WdfRequestTypeDeviceControlInternal = 0xf,
    WdfRequestTypeShutdown = 0x10,
    WdfRequestTypeLockControl = 0x11,
    WdfRequestTypeCleanup = 0x12,
    WdfRequestTypeCreateMailSlot = 0x13,
    WdfRequestTypeQuerySecurity = 0x14,
    WdfRequestTypeSetSecurity = 0x15,
    WdfRequestTypePower = 0x16,
    WdfRequestTypeSystemControl = 0x17,
    WdfRequestTypeDeviceChange = 0x18,
    WdfRequestTypeQueryQuota = 0x19,
    WdfRequestTypeSetQuota = 0x1A,
    WdfRequestTypePnp = 0x1B,
    WdfRequestTypeOther = 0x1C,
    WdfRequestTypeUsb = 0x40,
    WdfRequestTypeNoFormat = 0xFF,
    WdfRequestTypeMax,
} WDF_REQUEST_TYPE;

typedef enum _WDF_REQUEST_REUSE_FLAGS {
    WDF_REQUEST_REUSE_NO_FLAGS = 0x00000000,
    WDF_REQUEST_REUSE_SET_NEW_IRP = 0x00000001,
} WDF_REQUEST_REUSE_FLAGS;

/* ActionFlags of EvtIoStop. */
typedef enum _WDF_REQUEST_STOP_ACTION_FLAGS {
    WdfRequestStopActionInvalid = 0,
    WdfRequestStopActionSuspend = 0x01,
    WdfRequestStopActionPurge = 0x2,
    WdfRequestStopRequestCancelable = 0x10000000,
} WDF_REQUEST_STOP_ACTION_FLAGS;

typedef enum _WDF_REQUEST_SEND_OPTIONS_FLAGS {
    WDF_REQUEST_SEND_OPTION_TIMEOUT = 0x00000001,
    WDF_REQUEST_SEND_OPTION_SYNCHRONOUS = 0x00000002,
    WDF_REQUEST_SEND_OPTION_IGNORE_TARGET_STATE = 0x00000004,
    WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET = 0x00000008,
    WDF_REQUEST_SEND_OPTION_IMPERSONATE_CLIENT = 0x00010000,
    WDF_REQUEST_SEND_OPTION_IMPERSONATION_IGNORE_FAILURE = 0x00020000,
} WDF_REQUEST_SEND_OPTIONS_FLAGS;

typedef VOID NTAPI EVT_WDF_REQUEST_CANCEL(_In_ WDFREQUEST Request);
typedef EVT_WDF_REQUEST_CANCEL *PFN_WDF_REQUEST_CANCEL;

typedef struct _WDF_REQUEST_PARAMETERS {
    USHORT Size;
    UCHAR MinorFunction;
    WDF_REQUEST_TYPE Type;
    union {
        struct {
            PIO_SECURITY_CONTEXT SecurityContext;
            ULONG Options;
            USHORT POINTER_ALIGNMENT FileAttributes;
            USHORT ShareAccess;
            ULONG POINTER_ALIGNMENT EaLength;
        } Create;
        struct {
            size_t Length;
            ULONG POINTER_ALIGNMENT Key;
            LONGLONG DeviceOffset;
        } Read;
        struct {
            size_t Length;
            ULONG POINTER_ALIGNMENT Key;
            LONGLONG DeviceOffset;
        } Write;
        struct {
            size_t OutputBufferLength;
            size_t POINTER_ALIGNMENT InputBufferLength;
            ULONG POINTER_ALIGNMENT IoControlCode;
            PVOID Type3InputBuffer;
        } DeviceIoControl;
        struct {
            PVOID Arg1;
            PVOID Arg2;
            ULONG POINTER_ALIGNMENT IoControlCode;
            PVOID Arg4;
        } Others;
    } Parameters;
} WDF_REQUEST_PARAMETERS, *PWDF_REQUEST_PARAMETERS;

FORCEINLINE VOID WDF_REQUEST_PARAMETERS_INIT(_Out_ PWDF_REQUEST_PARAMETERS Parameters)
{
    RtlZeroMemory(Parameters, sizeof(WDF_REQUEST_PARAMETERS));
    Parameters->Size = (USHORT)WDF_STRUCTURE_SIZE(WDF_REQUEST_PARAMETERS);
}

typedef struct _WDF_USB_REQUEST_COMPLETION_PARAMS *PWDF_USB_REQUEST_COMPLETION_PARAMS;

typedef struct _WDF_REQUEST_COMPLETION_PARAMS {
    ULONG Size;
    WDF_REQUEST_TYPE Type;
    IO_STATUS_BLOCK IoStatus;
    union {
        struct {
            WDFMEMORY Buffer;
            size_t Length;
            size_t Offset;
        } Write;
        struct {
            WDFMEMORY Buffer;
            size_t Length;
            size_t Offset;
        } Read;
        struct {
            ULONG IoControlCode;
            struct {
                WDFMEMORY Buffer;
                size_t Offset;
            } Input;
            struct {
                WDFMEMORY Buffer;
                size_t Offset;
                size_t Length;
            } Output;
        } Ioctl;
        struct {
            union {
                PVOID Ptr;
                ULONG_PTR Value;
            } Argument1;
            union {
                PVOID Ptr;
                ULONG_PTR Value;
            } Argument2;
            union {
                PVOID Ptr;
                ULONG_PTR Value;
            } Argument3;
            union {
                PVOID Ptr;
                ULONG_PTR Value;
            } Argument4;
        } Others;
        struct {
            PWDF_USB_REQUEST_COMPLETION_PARAMS Completion;
        } Usb;
    } Parameters;
} WDF_REQUEST_COMPLETION_PARAMS, *PWDF_REQUEST_COMPLETION_PARAMS;

FORCEINLINE VOID WDF_REQUEST_COMPLETION_PARAMS_INIT(_Out_ PWDF_REQUEST_COMPLETION_PARAMS Params)
{
    RtlZeroMemory(Params, sizeof(WDF_REQUEST_COMPLETION_PARAMS));
    Params->Size = WDF_STRUCTURE_SIZE(WDF_REQUEST_COMPLETION_PARAMS);
    Params->Type = WdfRequestTypeNoFormat;
}

typedef VOID NTAPI EVT_WDF_REQUEST_COMPLETION_ROUTINE(_In_ WDFREQUEST Request,
                                                      _In_ WDFIOTARGET Target,
                                                      _In_ PWDF_REQUEST_COMPLETION_PARAMS Params,
                                                      _In_ WDFCONTEXT Context);
typedef EVT_WDF_REQUEST_COMPLETION_ROUTINE *PFN_WDF_REQUEST_COMPLETION_ROUTINE;

typedef struct _WDF_REQUEST_REUSE_PARAMS {
    ULONG Size;
    ULONG Flags;
    NTSTATUS Status;
    PIRP NewIrp;
} WDF_REQUEST_REUSE_PARAMS, *PWDF_REQUEST_REUSE_PARAMS;

FORCEINLINE VOID WDF_REQUEST_REUSE_PARAMS_INIT(_Out_ PWDF_REQUEST_REUSE_PARAMS Params,
                                               _In_ ULONG Flags, _In_ NTSTATUS Status)
{
    RtlZeroMemory(Params, sizeof(WDF_REQUEST_REUSE_PARAMS));
    Params->Size = WDF_STRUCTURE_SIZE(WDF_REQUEST_REUSE_PARAMS);
    Params->Flags = Flags;
    Params->Status = Status;
}

FORCEINLINE VOID WDF_REQUEST_REUSE_PARAMS_SET_NEW_IRP(_Inout_ PWDF_REQUEST_REUSE_PARAMS Params,
                                                      _In_ PIRP NewIrp)
{
    Params->Flags |= WDF_REQUEST_REUSE_SET_NEW_IRP;
    Params->NewIrp = NewIrp;
}

typedef struct _WDF_REQUEST_SEND_OPTIONS {
    ULONG Size;
    ULONG Flags;
    LONGLONG Timeout;
} WDF_REQUEST_SEND_OPTIONS, *PWDF_REQUEST_SEND_OPTIONS;

FORCEINLINE VOID WDF_REQUEST_SEND_OPTIONS_INIT(_Out_ PWDF_REQUEST_SEND_OPTIONS Options,
                                               _In_ ULONG Flags)
{
    RtlZeroMemory(Options, sizeof(WDF_REQUEST_SEND_OPTIONS));
    Options->Size = WDF_STRUCTURE_SIZE(WDF_REQUEST_SEND_OPTIONS);
    Options->Flags = Flags;
}

FORCEINLINE VOID WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(_Inout_ PWDF_REQUEST_SEND_OPTIONS Options,
                                                      _In_ LONGLONG Timeout)
{
    Options->Flags |= WDF_REQUEST_SEND_OPTION_TIMEOUT;
    Options->Timeout = Timeout;
}

typedef enum _WDF_REQUEST_FORWARD_OPTIONS_FLAGS {
    WDF_REQUEST_FORWARD_OPTION_SEND_AND_FORGET = 0x00000001
} WDF_REQUEST_FORWARD_OPTIONS_FLAGS;

typedef struct _WDF_REQUEST_FORWARD_OPTIONS {
    ULONG Size;
    ULONG Flags;
} WDF_REQUEST_FORWARD_OPTIONS, *PWDF_REQUEST_FORWARD_OPTIONS;

FORCEINLINE VOID WDF_REQUEST_FORWARD_OPTIONS_INIT(_Out_ PWDF_REQUEST_FORWARD_OPTIONS ForwardOptions)
{
    RtlZeroMemory(ForwardOptions, sizeof(WDF_REQUEST_FORWARD_OPTIONS));
    ForwardOptions->Size = WDF_STRUCTURE_SIZE(WDF_REQUEST_FORWARD_OPTIONS);
    ForwardOptions->Flags |= WDF_REQUEST_FORWARD_OPTION_SEND_AND_FORGET;
}

/* Completion. Information is the byte count reported to the caller. */
VOID WdfRequestComplete(_In_ WDFREQUEST Request, _In_ NTSTATUS Status);
VOID WdfRequestCompleteWithInformation(_In_ WDFREQUEST Request, _In_ NTSTATUS Status,
                                       _In_ ULONG_PTR Information);
VOID WdfRequestCompleteWithPriorityBoost(_In_ WDFREQUEST Request, _In_ NTSTATUS Status,
                                         _In_ CCHAR PriorityBoost);
VOID WdfRequestSetInformation(_In_ WDFREQUEST Request, _In_ ULONG_PTR Information);
ULONG_PTR WdfRequestGetInformation(_In_ WDFREQUEST Request);
NTSTATUS WdfRequestGetStatus(_In_ WDFREQUEST Request);

/* Parameters must have been set up with WDF_REQUEST_PARAMETERS_INIT. */
VOID WdfRequestGetParameters(_In_ WDFREQUEST Request, _Out_ PWDF_REQUEST_PARAMETERS Parameters);

/* Fails with STATUS_BUFFER_TOO_SMALL when the buffer is shorter than MinimumRequiredSize. */
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveInputBuffer(_In_ WDFREQUEST Request,
                                                             _In_ size_t MinimumRequiredLength,
                                                             _Outptr_result_bytebuffer_(*Length)
                                                                 PVOID *Buffer,
                                                             _Out_opt_ size_t *Length);
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveOutputBuffer(_In_ WDFREQUEST Request,
                                                              _In_ size_t MinimumRequiredSize,
                                                              _Outptr_result_bytebuffer_(*Length)
                                                                  PVOID *Buffer,
                                                              _Out_opt_ size_t *Length);
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveInputWdmMdl(_In_ WDFREQUEST Request,
                                                             _Outptr_ PMDL *Mdl);
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveOutputWdmMdl(_In_ WDFREQUEST Request,
                                                              _Outptr_ PMDL *Mdl);
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveUnsafeUserInputBuffer(
    _In_ WDFREQUEST Request, _In_ size_t MinimumRequiredLength,
    _Outptr_result_bytebuffer_maybenull_(*Length) PVOID *InputBuffer, _Out_opt_ size_t *Length);
_Must_inspect_result_ NTSTATUS WdfRequestRetrieveUnsafeUserOutputBuffer(
    _In_ WDFREQUEST Request, _In_ size_t MinimumRequiredLength,
    _Outptr_result_bytebuffer_maybenull_(*Length) PVOID *OutputBuffer, _Out_opt_ size_t *Length);

/* MSVC accepts `&p` for a PVOID* parameter whatever p's pointer type (drivers pass PUCHAR *);
 * C compilers warn. These wrappers keep that call style warning-free. */
#define WdfRequestRetrieveInputBuffer(Request, MinimumRequiredLength, Buffer, Length)              \
    WdfRequestRetrieveInputBuffer((Request), (MinimumRequiredLength), (PVOID *)(Buffer), (Length))
#define WdfRequestRetrieveOutputBuffer(Request, MinimumRequiredSize, Buffer, Length)               \
    WdfRequestRetrieveOutputBuffer((Request), (MinimumRequiredSize), (PVOID *)(Buffer), (Length))
#define WdfRequestRetrieveUnsafeUserInputBuffer(Request, MinimumRequiredLength, Buffer, Length)    \
    WdfRequestRetrieveUnsafeUserInputBuffer((Request), (MinimumRequiredLength), (PVOID *)(Buffer), \
                                            (Length))
#define WdfRequestRetrieveUnsafeUserOutputBuffer(Request, MinimumRequiredLength, Buffer, Length)   \
    WdfRequestRetrieveUnsafeUserOutputBuffer((Request), (MinimumRequiredLength),                   \
                                             (PVOID *)(Buffer), (Length))

WDFQUEUE WdfRequestGetIoQueue(_In_ WDFREQUEST Request);
WDFFILEOBJECT WdfRequestGetFileObject(_In_ WDFREQUEST Request);
KPROCESSOR_MODE WdfRequestGetRequestorMode(_In_ WDFREQUEST Request);
BOOLEAN WdfRequestIsFrom32BitProcess(_In_ WDFREQUEST Request);
ULONG WdfRequestGetRequestorProcessId(_In_ WDFREQUEST Request);
PIRP WdfRequestWdmGetIrp(_In_ WDFREQUEST Request);

/* Cancellation. */
VOID WdfRequestMarkCancelable(_In_ WDFREQUEST Request,
                              _In_ PFN_WDF_REQUEST_CANCEL EvtRequestCancel);
_Must_inspect_result_ NTSTATUS
WdfRequestMarkCancelableEx(_In_ WDFREQUEST Request, _In_ PFN_WDF_REQUEST_CANCEL EvtRequestCancel);
_Must_inspect_result_ NTSTATUS WdfRequestUnmarkCancelable(_In_ WDFREQUEST Request);
_Must_inspect_result_ BOOLEAN WdfRequestIsCanceled(_In_ WDFREQUEST Request);
BOOLEAN WdfRequestCancelSentRequest(_In_ WDFREQUEST Request);

/* Queue interaction. */
_Must_inspect_result_ NTSTATUS WdfRequestForwardToIoQueue(_In_ WDFREQUEST Request,
                                                          _In_ WDFQUEUE DestinationQueue);
_Must_inspect_result_ NTSTATUS WdfRequestRequeue(_In_ WDFREQUEST Request);
VOID WdfRequestStopAcknowledge(_In_ WDFREQUEST Request, _In_ BOOLEAN Requeue);

/* Driver-created requests. */
_Must_inspect_result_ NTSTATUS WdfRequestCreate(_In_opt_ PWDF_OBJECT_ATTRIBUTES RequestAttributes,
                                                _In_opt_ WDFIOTARGET IoTarget,
                                                _Out_ WDFREQUEST *Request);
NTSTATUS WdfRequestReuse(_In_ WDFREQUEST Request, _In_ PWDF_REQUEST_REUSE_PARAMS ReuseParams);

WDF_EXTERN_C_END

#endif /* _WDFREQUEST_H_ */
