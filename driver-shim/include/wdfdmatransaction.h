/*
 * wdfdmatransaction.h: KMDF DMA transactions for driver-shim.
 *
 * States: Created -> Initialized -> Transfer -> (completed) -> Released. WdfDmaTransactionExecute
 * calls EvtProgramDma for the first transfer before it returns; WdfDmaTransactionDmaCompleted*
 * programs the next transfer (returning FALSE with STATUS_MORE_PROCESSING_REQUIRED) or returns
 * TRUE when the transaction is finished. During EvtProgramDma, GetBytesTransferred is the offset
 * of the current transfer.
 */
#ifndef _WDFDMATRANSACTION_H_
#define _WDFDMATRANSACTION_H_

#include "wdfdmaenabler.h"

WDF_EXTERN_C_START

/* Runs at DISPATCH_LEVEL; return TRUE once the device is programmed. SgList describes the
 * current transfer in bus addresses. */
typedef BOOLEAN NTAPI EVT_WDF_PROGRAM_DMA(_In_ WDFDMATRANSACTION Transaction, _In_ WDFDEVICE Device,
                                          _In_ WDFCONTEXT Context, _In_ WDF_DMA_DIRECTION Direction,
                                          _In_ PSCATTER_GATHER_LIST SgList);
typedef EVT_WDF_PROGRAM_DMA *PFN_WDF_PROGRAM_DMA;

typedef BOOLEAN NTAPI EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL(
    _In_ WDFDMATRANSACTION DmaTransaction, _In_ WDFDEVICE Device, _In_ PVOID Context,
    _In_opt_ PMDL Mdl, _In_ size_t Offset, _In_ size_t Length);
typedef EVT_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL
    *PFN_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL;

typedef VOID NTAPI EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE(_In_ WDFDMATRANSACTION Transaction,
                                                                 _In_ WDFDEVICE Device,
                                                                 _In_ WDFCONTEXT Context,
                                                                 _In_ WDF_DMA_DIRECTION Direction,
                                                                 _In_ DMA_COMPLETION_STATUS Status);
typedef EVT_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE
    *PFN_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE;

typedef VOID NTAPI EVT_WDF_RESERVE_DMA(_In_ WDFDMATRANSACTION DmaTransaction, _In_ PVOID Context);
typedef EVT_WDF_RESERVE_DMA *PFN_WDF_RESERVE_DMA;

_Must_inspect_result_ NTSTATUS WdfDmaTransactionCreate(_In_ WDFDMAENABLER DmaEnabler,
                                                       _In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                                       _Out_ WDFDMATRANSACTION *DmaTransaction);
_Must_inspect_result_ NTSTATUS WdfDmaTransactionInitialize(
    _In_ WDFDMATRANSACTION DmaTransaction, _In_ PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction,
    _In_ WDF_DMA_DIRECTION DmaDirection, _In_ PMDL Mdl, _In_ PVOID VirtualAddress,
    _In_ size_t Length);
_Must_inspect_result_ NTSTATUS WdfDmaTransactionInitializeUsingOffset(
    _In_ WDFDMATRANSACTION DmaTransaction, _In_ PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction,
    _In_ WDF_DMA_DIRECTION DmaDirection, _In_ PMDL Mdl, _In_ size_t Offset, _In_ size_t Length);
_Must_inspect_result_ NTSTATUS WdfDmaTransactionInitializeUsingRequest(
    _In_ WDFDMATRANSACTION DmaTransaction, _In_ WDFREQUEST Request,
    _In_ PFN_WDF_PROGRAM_DMA EvtProgramDmaFunction, _In_ WDF_DMA_DIRECTION DmaDirection);
_Must_inspect_result_ NTSTATUS WdfDmaTransactionExecute(_In_ WDFDMATRANSACTION DmaTransaction,
                                                        _In_opt_ WDFCONTEXT Context);
_Success_(TRUE) NTSTATUS WdfDmaTransactionRelease(_In_ WDFDMATRANSACTION DmaTransaction);
BOOLEAN WdfDmaTransactionDmaCompleted(_In_ WDFDMATRANSACTION DmaTransaction,
                                      _Out_ NTSTATUS *Status);
BOOLEAN WdfDmaTransactionDmaCompletedWithLength(_In_ WDFDMATRANSACTION DmaTransaction,
                                                _In_ size_t TransferredLength,
                                                _Out_ NTSTATUS *Status);
BOOLEAN WdfDmaTransactionDmaCompletedFinal(_In_ WDFDMATRANSACTION DmaTransaction,
                                           _In_ size_t FinalTransferredLength,
                                           _Out_ NTSTATUS *Status);
size_t WdfDmaTransactionGetBytesTransferred(_In_ WDFDMATRANSACTION DmaTransaction);
VOID WdfDmaTransactionSetMaximumLength(_In_ WDFDMATRANSACTION DmaTransaction,
                                       _In_ size_t MaximumLength);
VOID WdfDmaTransactionSetSingleTransferRequirement(_In_ WDFDMATRANSACTION DmaTransaction,
                                                   _In_ BOOLEAN RequireSingleTransfer);
WDFREQUEST WdfDmaTransactionGetRequest(_In_ WDFDMATRANSACTION DmaTransaction);
size_t WdfDmaTransactionGetCurrentDmaTransferLength(_In_ WDFDMATRANSACTION DmaTransaction);
WDFDEVICE WdfDmaTransactionGetDevice(_In_ WDFDMATRANSACTION DmaTransaction);
VOID WdfDmaTransactionGetTransferInfo(_In_ WDFDMATRANSACTION DmaTransaction,
                                      _Out_opt_ ULONG *MapRegisterCount,
                                      _Out_opt_ ULONG *ScatterGatherElementCount);
VOID WdfDmaTransactionSetChannelConfigurationCallback(
    _In_ WDFDMATRANSACTION DmaTransaction,
    _In_opt_ PFN_WDF_DMA_TRANSACTION_CONFIGURE_DMA_CHANNEL ConfigureRoutine,
    _In_opt_ PVOID ConfigureContext);
VOID WdfDmaTransactionSetTransferCompleteCallback(
    _In_ WDFDMATRANSACTION DmaTransaction,
    _In_opt_ PFN_WDF_DMA_TRANSACTION_DMA_TRANSFER_COMPLETE DmaCompletionRoutine,
    _In_opt_ PVOID DmaCompletionContext);
VOID WdfDmaTransactionSetImmediateExecution(_In_ WDFDMATRANSACTION DmaTransaction,
                                            _In_ BOOLEAN UseImmediateExecution);
_Must_inspect_result_ NTSTATUS WdfDmaTransactionAllocateResources(
    _In_ WDFDMATRANSACTION DmaTransaction, _In_ WDF_DMA_DIRECTION DmaDirection,
    _In_ ULONG RequiredMapRegisters, _In_ PFN_WDF_RESERVE_DMA EvtReserveDmaFunction,
    _In_ PVOID EvtReserveDmaContext);
VOID WdfDmaTransactionSetDeviceAddressOffset(_In_ WDFDMATRANSACTION DmaTransaction,
                                             _In_ ULONG Offset);
VOID WdfDmaTransactionFreeResources(_In_ WDFDMATRANSACTION DmaTransaction);
BOOLEAN WdfDmaTransactionCancel(_In_ WDFDMATRANSACTION DmaTransaction);
PVOID WdfDmaTransactionWdmGetTransferContext(_In_ WDFDMATRANSACTION DmaTransaction);
VOID WdfDmaTransactionStopSystemTransfer(_In_ WDFDMATRANSACTION DmaTransaction);

WDF_EXTERN_C_END

#endif /* _WDFDMATRANSACTION_H_ */
