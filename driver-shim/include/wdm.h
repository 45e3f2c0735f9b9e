/*
 * wdm.h: the WDM kernel vocabulary a KMDF driver uses, for driver-shim.
 *
 * What is here:
 *  - constants and structures with their Windows values and layouts (IRQLs, pool types and
 *    flags, page macros, MDL, SCATTER_GATHER_LIST, CM_PARTIAL_RESOURCE_DESCRIPTOR, CTL_CODE and
 *    the FILE_ / METHOD_ constants, power states, ...);
 *  - inline implementations of what needs no runtime: lists, Rtl memory and string helpers,
 *    interlocked operations, ASSERT;
 *  - register and port accessors (READ_/WRITE_REGISTER_*, READ_/WRITE_PORT_*) that become
 *    dmaemu_shim_reg_read/write calls: a register pointer obtained from MmMapIoSpace is never
 *    dereferenced by driver code, every access goes to the emulated device;
 *  - declarations of the kernel routines the shim runtime implements (Ex*, Mm*, Ke*, Dbg*).
 *
 * DRIVER_OBJECT has the Windows layout. DEVICE_OBJECT and the other kernel objects are only as
 * complete as drivers need: IRP, FILE_OBJECT, KDPC, KINTERRUPT, ... are opaque.
 */
#ifndef _WDMDDK_
#define _WDMDDK_

#include "ntdef.h"
#include "ntstatus.h"
#include "dmaemu_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel objects the shim keeps opaque (or defines further down). */
typedef struct _IRP IRP, *PIRP;
typedef struct _IO_STACK_LOCATION IO_STACK_LOCATION, *PIO_STACK_LOCATION;
typedef struct _FILE_OBJECT FILE_OBJECT, *PFILE_OBJECT;
typedef struct _KDPC KDPC, *PKDPC, *PRKDPC;
typedef struct _KINTERRUPT KINTERRUPT, *PKINTERRUPT;
typedef struct _KTIMER KTIMER, *PKTIMER;
typedef struct _IO_TIMER IO_TIMER, *PIO_TIMER;
typedef struct _IO_WORKITEM IO_WORKITEM, *PIO_WORKITEM;
typedef struct _EPROCESS *PEPROCESS;
typedef struct _ETHREAD *PETHREAD;
typedef struct _KTHREAD *PKTHREAD, *PRKTHREAD;
typedef struct _KPROCESS *PKPROCESS;
typedef struct _VPB *PVPB;
typedef struct _FAST_IO_DISPATCH *PFAST_IO_DISPATCH;
typedef struct _IO_SECURITY_CONTEXT *PIO_SECURITY_CONTEXT;
typedef struct _DEVOBJ_EXTENSION *PDEVOBJ_EXTENSION;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
DECLARE_HANDLE(POHANDLE);
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;

typedef struct _DEVICE_DESCRIPTION DEVICE_DESCRIPTION, *PDEVICE_DESCRIPTION;

/* ========================================================================================== */
/* Debug output and assertions                                                                */

ULONG __cdecl DbgPrint(_In_z_ _Printf_format_string_ PCSTR Format, ...);
ULONG __cdecl DbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ PCSTR Format, ...);
ULONG vDbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ PCCH Format, va_list arglist);
VOID DbgBreakPoint(VOID);
DECLSPEC_NORETURN VOID KeBugCheckEx(_In_ ULONG BugCheckCode, _In_ ULONG_PTR BugCheckParameter1,
                                    _In_ ULONG_PTR BugCheckParameter2,
                                    _In_ ULONG_PTR BugCheckParameter3,
                                    _In_ ULONG_PTR BugCheckParameter4);
DECLSPEC_NORETURN VOID KeBugCheck(_In_ ULONG BugCheckCode);
DECLSPEC_NORETURN VOID ExRaiseStatus(_In_ NTSTATUS Status);

#define DPFLTR_ERROR_LEVEL   0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL   2
#define DPFLTR_INFO_LEVEL    3
#define DPFLTR_MASK          0x80000000
#define DPFLTR_IHVVIDEO_ID     74
#define DPFLTR_IHVAUDIO_ID     75
#define DPFLTR_IHVNETWORK_ID   76
#define DPFLTR_IHVDRIVER_ID    77
#define DPFLTR_IHVBUS_ID       78
#define DPFLTR_IHVSTREAMING_ID 79
#define DPFLTR_DEFAULT_ID      101

#define __debugbreak()   DbgBreakPoint()
#define __fastfail(Code) KeBugCheckEx(0x139, (ULONG_PTR)(Code), 0, 0, 0)
#define RtlFailFast(Code) __fastfail(Code)
#define DbgRaiseAssertionFailure() DbgBreakPoint()

/* dmaemu_shim_assert_failed reports a verifier finding (expression, file, line). */
DMAEMU_SHIM_INLINE BOOLEAN dmaemu_shim_inline_verify(int ok, const char *expr, const char *file,
                                                     int line)
{
    if (!ok) {
        dmaemu_shim_assert_failed(expr, file, line);
    }
    return ok ? TRUE : FALSE;
}

#define DMAEMU_SHIM_ASSERT_(msg, exp)                                                              \
    ((exp) ? (void)0 : dmaemu_shim_assert_failed((msg), __FILE__, __LINE__))

#if DBG
#define ASSERT(exp)                 DMAEMU_SHIM_ASSERT_(#exp, exp)
#define ASSERTMSG(msg, exp)         DMAEMU_SHIM_ASSERT_(msg, exp)
#define NT_ASSERT(exp)              DMAEMU_SHIM_ASSERT_(#exp, exp)
#define NT_ASSERT_ASSUME(exp)       DMAEMU_SHIM_ASSERT_(#exp, exp)
#define NT_ASSERT_NOASSUME(exp)     DMAEMU_SHIM_ASSERT_(#exp, exp)
#define NT_ASSERTMSG(msg, exp)      DMAEMU_SHIM_ASSERT_(msg, exp)
#define NT_ASSERTMSG_ASSUME(msg, exp)   DMAEMU_SHIM_ASSERT_(msg, exp)
#define NT_ASSERTMSG_NOASSUME(msg, exp) DMAEMU_SHIM_ASSERT_(msg, exp)
#define NT_ASSERTMSGW(msg, exp)     DMAEMU_SHIM_ASSERT_(#exp, exp)
#define NT_VERIFY(exp)              dmaemu_shim_inline_verify(!!(exp), #exp, __FILE__, __LINE__)
#define NT_VERIFYMSG(msg, exp)      dmaemu_shim_inline_verify(!!(exp), msg, __FILE__, __LINE__)
#define NT_VERIFYMSGW(msg, exp)     dmaemu_shim_inline_verify(!!(exp), #exp, __FILE__, __LINE__)
#define RTL_VERIFY(exp)             NT_VERIFY(exp)
#define RTL_VERIFYMSG(msg, exp)     NT_VERIFYMSG(msg, exp)
#define RTL_SOFT_ASSERT(exp)        NT_ASSERT(exp)
#define RTL_SOFT_ASSERTMSG(msg, exp) NT_ASSERTMSG(msg, exp)
#define RTL_SOFT_VERIFY(exp)        NT_VERIFY(exp)
#define RTL_SOFT_VERIFYMSG(msg, exp) NT_VERIFYMSG(msg, exp)
#define KdPrint(_x_)                DbgPrint _x_
#define KdPrintEx(_x_)              DbgPrintEx _x_
#define vKdPrintEx(_x_)             vDbgPrintEx _x_
#define KdBreakPoint()              DbgBreakPoint()
#define KdBreakPointWithStatus(s)   DbgBreakPoint()
#else
#define ASSERT(exp)                 ((void)0)
#define ASSERTMSG(msg, exp)         ((void)0)
#define NT_ASSERT(exp)              ((void)0)
#define NT_ASSERT_ASSUME(exp)       ((void)0)
#define NT_ASSERT_NOASSUME(exp)     ((void)0)
#define NT_ASSERTMSG(msg, exp)      ((void)0)
#define NT_ASSERTMSG_ASSUME(msg, exp)   ((void)0)
#define NT_ASSERTMSG_NOASSUME(msg, exp) ((void)0)
#define NT_ASSERTMSGW(msg, exp)     ((void)0)
#define NT_VERIFY(exp)              ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSG(msg, exp)      ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSGW(msg, exp)     ((exp) ? TRUE : FALSE)
#define RTL_VERIFY(exp)             ((exp) ? TRUE : FALSE)
#define RTL_VERIFYMSG(msg, exp)     ((exp) ? TRUE : FALSE)
#define RTL_SOFT_ASSERT(exp)        ((void)0)
#define RTL_SOFT_ASSERTMSG(msg, exp) ((void)0)
#define RTL_SOFT_VERIFY(exp)        ((exp) ? TRUE : FALSE)
#define RTL_SOFT_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#define KdPrint(_x_)
#define KdPrintEx(_x_)
#define vKdPrintEx(_x_)
#define KdBreakPoint()
#define KdBreakPointWithStatus(s)
#endif
/* Always-on assertion (free builds too). */
#define NT_FRE_ASSERT(exp)           DMAEMU_SHIM_ASSERT_(#exp, exp)
#define NT_FRE_ASSERTMSG(msg, exp)   DMAEMU_SHIM_ASSERT_(msg, exp)

/* Pageable-code markers: nothing is paged here. */
#define PAGED_CODE()         ((void)0)
#define PAGED_CODE_LOCKED()  ((void)0)
#define INIT_CODE()          ((void)0)
#define NON_PAGED_CODE()     ((void)0)

/* Structured exception handling, reduced to the non-exceptional path: the __try body runs,
 * __except blocks never run, __finally blocks run after the body (unless it returned), and
 * __leave leaves the __try body. Probing user buffers cannot fault in the shim. */
#ifndef __cplusplus
#define DMAEMU_SHIM_CAT2_(a, b) a##b
#define DMAEMU_SHIM_CAT_(a, b)  DMAEMU_SHIM_CAT2_(a, b)
#define __try                                                                                      \
    for (int DMAEMU_SHIM_CAT_(dmaemu_shim_try_, __LINE__) = 1;                                     \
         DMAEMU_SHIM_CAT_(dmaemu_shim_try_, __LINE__); DMAEMU_SHIM_CAT_(dmaemu_shim_try_, __LINE__) = 0)
#define __except(filter) if (0)
#define __finally        if (1)
#define __leave          break
#endif
#define EXCEPTION_EXECUTE_HANDLER    1
#define EXCEPTION_CONTINUE_SEARCH    0
#define EXCEPTION_CONTINUE_EXECUTION (-1)
#define GetExceptionCode()           ((NTSTATUS)STATUS_UNSUCCESSFUL)
#define GetExceptionInformation()    ((PVOID)NULL)

DMAEMU_SHIM_INLINE VOID ProbeForRead(_In_ const volatile VOID *Address, _In_ SIZE_T Length,
                                     _In_ ULONG Alignment)
{
    (void)Address;
    (void)Length;
    (void)Alignment;
}
DMAEMU_SHIM_INLINE VOID ProbeForWrite(_In_ volatile VOID *Address, _In_ SIZE_T Length,
                                      _In_ ULONG Alignment)
{
    (void)Address;
    (void)Length;
    (void)Alignment;
}

/* ========================================================================================== */
/* IRQLs, processor modes, priorities                                                         */

#define PASSIVE_LEVEL  0
#define LOW_LEVEL      0
#define APC_LEVEL      1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL     5
#define CLOCK_LEVEL    13
#define IPI_LEVEL      14
#define DRS_LEVEL      14
#define POWER_LEVEL    14
#define PROFILE_LEVEL  15
#define HIGH_LEVEL     15
#define SYNCH_LEVEL    (IPI_LEVEL - 2)

typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;

typedef enum _KWAIT_REASON {
    Executive,
    FreePage,
    PageIn,
    PoolAllocation,
    DelayExecution,
    Suspended,
    UserRequest,
    WrExecutive,
    WrFreePage,
    WrPageIn,
    WrPoolAllocation,
    WrDelayExecution,
    WrSuspended,
    WrUserRequest,
    MaximumWaitReason = 39
} KWAIT_REASON;

#define IO_NO_INCREMENT         0
#define IO_CD_ROM_INCREMENT     1
#define IO_DISK_INCREMENT       1
#define IO_KEYBOARD_INCREMENT   6
#define IO_MAILSLOT_INCREMENT   2
#define IO_MOUSE_INCREMENT      6
#define IO_NAMED_PIPE_INCREMENT 2
#define IO_NETWORK_INCREMENT    2
#define IO_PARALLEL_INCREMENT   1
#define IO_SERIAL_INCREMENT     2
#define IO_SOUND_INCREMENT      8
#define IO_VIDEO_INCREMENT      1
#define EVENT_INCREMENT         1
#define SEMAPHORE_INCREMENT     1

#define LOW_PRIORITY      0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY     31
#define MAXIMUM_PRIORITY  32

/* ========================================================================================== */
/* Access rights                                                                              */

#define DELETE                   (0x00010000L)
#define READ_CONTROL             (0x00020000L)
#define WRITE_DAC                (0x00040000L)
#define WRITE_OWNER              (0x00080000L)
#define SYNCHRONIZE              (0x00100000L)
#define STANDARD_RIGHTS_REQUIRED (0x000F0000L)
#define STANDARD_RIGHTS_READ     (READ_CONTROL)
#define STANDARD_RIGHTS_WRITE    (READ_CONTROL)
#define STANDARD_RIGHTS_EXECUTE  (READ_CONTROL)
#define STANDARD_RIGHTS_ALL      (0x001F0000L)
#define SPECIFIC_RIGHTS_ALL      (0x0000FFFFL)
#define ACCESS_SYSTEM_SECURITY   (0x01000000L)
#define MAXIMUM_ALLOWED          (0x02000000L)
#define GENERIC_READ             (0x80000000L)
#define GENERIC_WRITE            (0x40000000L)
#define GENERIC_EXECUTE          (0x20000000L)
#define GENERIC_ALL              (0x10000000L)

#define KEY_QUERY_VALUE        (0x0001)
#define KEY_SET_VALUE          (0x0002)
#define KEY_CREATE_SUB_KEY     (0x0004)
#define KEY_ENUMERATE_SUB_KEYS (0x0008)
#define KEY_NOTIFY             (0x0010)
#define KEY_CREATE_LINK        (0x0020)
#define KEY_WOW64_32KEY        (0x0200)
#define KEY_WOW64_64KEY        (0x0100)
#define KEY_READ                                                                                   \
    ((STANDARD_RIGHTS_READ | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY) & (~SYNCHRONIZE))
#define KEY_WRITE ((STANDARD_RIGHTS_WRITE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY) & (~SYNCHRONIZE))
#define KEY_EXECUTE ((KEY_READ) & (~SYNCHRONIZE))
#define KEY_ALL_ACCESS                                                                             \
    ((STANDARD_RIGHTS_ALL | KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY |                 \
      KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY | KEY_CREATE_LINK) &                                     \
     (~SYNCHRONIZE))

#define REG_NONE          (0)
#define REG_SZ            (1)
#define REG_EXPAND_SZ     (2)
#define REG_BINARY        (3)
#define REG_DWORD         (4)
#define REG_DWORD_BIG_ENDIAN (5)
#define REG_LINK          (6)
#define REG_MULTI_SZ      (7)
#define REG_QWORD         (11)

#define PLUGPLAY_REGKEY_DEVICE             1
#define PLUGPLAY_REGKEY_DRIVER             2
#define PLUGPLAY_REGKEY_CURRENT_HWPROFILE  4

/* ========================================================================================== */
/* Pool                                                                                       */

typedef enum _POOL_TYPE {
    NonPagedPool,
    NonPagedPoolExecute = NonPagedPool,
    PagedPool,
    NonPagedPoolMustSucceed = NonPagedPool + 2,
    DontUseThisType,
    NonPagedPoolCacheAligned = NonPagedPool + 4,
    PagedPoolCacheAligned,
    NonPagedPoolCacheAlignedMustS = NonPagedPool + 6,
    MaxPoolType,
    NonPagedPoolBase = 0,
    NonPagedPoolBaseMustSucceed = NonPagedPoolBase + 2,
    NonPagedPoolBaseCacheAligned = NonPagedPoolBase + 4,
    NonPagedPoolBaseCacheAlignedMustS = NonPagedPoolBase + 6,
    NonPagedPoolSession = 32,
    PagedPoolSession = NonPagedPoolSession + 1,
    NonPagedPoolMustSucceedSession = PagedPoolSession + 1,
    DontUseThisTypeSession = NonPagedPoolMustSucceedSession + 1,
    NonPagedPoolCacheAlignedSession = DontUseThisTypeSession + 1,
    PagedPoolCacheAlignedSession = NonPagedPoolCacheAlignedSession + 1,
    NonPagedPoolCacheAlignedMustSSession = PagedPoolCacheAlignedSession + 1,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = NonPagedPoolNx + 4,
    NonPagedPoolSessionNx = NonPagedPoolNx + 32,
} POOL_TYPE;

#define POOL_COLD_ALLOCATION             256
#define POOL_NX_ALLOCATION               512
#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 8
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16

#define POOL_FLAG_REQUIRED_START    0x0000000000000001ULL
#define POOL_FLAG_USE_QUOTA         0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED     0x0000000000000002ULL
#define POOL_FLAG_SESSION           0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED     0x0000000000000008ULL
#define POOL_FLAG_RESERVED1         0x0000000000000010ULL
#define POOL_FLAG_RAISE_ON_FAILURE  0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED         0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ULL
#define POOL_FLAG_PAGED             0x0000000000000100ULL
#define POOL_FLAG_RESERVED2         0x0000000000000200ULL
#define POOL_FLAG_RESERVED3         0x0000000000000400ULL
#define POOL_FLAG_REQUIRED_END      0x0000000080000000ULL
#define POOL_FLAG_OPTIONAL_START    0x0000000100000000ULL
#define POOL_FLAG_SPECIAL_POOL      0x0000000100000000ULL
#define POOL_FLAG_OPTIONAL_END      0x8000000000000000ULL

/* ExAllocatePool2 zeroes the allocation unless POOL_FLAG_UNINITIALIZED is given. */
_Must_inspect_result_ PVOID ExAllocatePool2(_In_ POOL_FLAGS Flags, _In_ SIZE_T NumberOfBytes,
                                            _In_ ULONG Tag);
_Must_inspect_result_ PVOID ExAllocatePoolWithTag(_In_ POOL_TYPE PoolType,
                                                  _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);
VOID ExFreePool(_In_ PVOID P);
VOID ExFreePoolWithTag(_In_ PVOID P, _In_ ULONG Tag);

FORCEINLINE PVOID ExAllocatePoolZero(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes,
                                     _In_ ULONG Tag)
{
    PVOID p = ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
    if (p != NULL) {
        memset(p, 0, NumberOfBytes);
    }
    return p;
}
FORCEINLINE PVOID ExAllocatePoolUninitialized(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes,
                                              _In_ ULONG Tag)
{
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}
/* 'enoN' (the tag Windows uses for untagged allocations), written as a number to avoid
 * -Wmultichar in this header. */
#define ExAllocatePool(PoolType, NumberOfBytes)                                                    \
    ExAllocatePoolWithTag((PoolType), (NumberOfBytes), 0x656E6F4EU)

/* ========================================================================================== */
/* Pages, caching, MDLs                                                                       */

#undef PAGE_SIZE
#undef PAGE_SHIFT
#define PAGE_SIZE  0x1000
#define PAGE_SHIFT 12L

#define BYTE_OFFSET(Va) ((ULONG)((LONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(Va)  ((PVOID)((ULONG_PTR)(Va) & ~((ULONG_PTR)PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(Size)                                                                        \
    (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#define BYTES_TO_PAGES(Size)                                                                        \
    (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)                                                    \
    ((ULONG)((((ULONG_PTR)(Va) & (PAGE_SIZE - 1)) + (Size) + (PAGE_SIZE - 1)) >> PAGE_SHIFT))
#define COMPUTE_PAGES_SPANNED(Va, Size) ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)

#define PAGE_NOACCESS          0x01
#define PAGE_READONLY          0x02
#define PAGE_READWRITE         0x04
#define PAGE_WRITECOPY         0x08
#define PAGE_EXECUTE           0x10
#define PAGE_EXECUTE_READ      0x20
#define PAGE_EXECUTE_READWRITE 0x40
#define PAGE_EXECUTE_WRITECOPY 0x80
#define PAGE_GUARD             0x100
#define PAGE_NOCACHE           0x200
#define PAGE_WRITECOMBINE      0x400

typedef enum _MEMORY_CACHING_TYPE_ORIG { MmFrameBufferCached = 2 } MEMORY_CACHING_TYPE_ORIG;
typedef enum _MEMORY_CACHING_TYPE {
    MmNonCached = FALSE,
    MmCached = TRUE,
    MmWriteCombined = MmFrameBufferCached,
    MmHardwareCoherentCached,
    MmNonCachedUnordered,
    MmUSWCCached,
    MmMaximumCacheType,
    MmNotMapped = -1
} MEMORY_CACHING_TYPE;

typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority,
    NormalPagePriority = 16,
    HighPagePriority = 32
} MM_PAGE_PRIORITY;
#define MdlMappingNoWrite   0x80000000
#define MdlMappingNoExecute 0x40000000

typedef enum _LOCK_OPERATION { IoReadAccess, IoWriteAccess, IoModifyAccess } LOCK_OPERATION;

/*
 * MDL: Windows layout. An MDL the runtime hands to a driver (WdfRequestRetrieveInputWdmMdl, ...)
 * describes one virtually contiguous buffer: StartVa = PAGE_ALIGN(va), ByteOffset =
 * BYTE_OFFSET(va), ByteCount = length, MappedSystemVa = va and MdlFlags containing
 * MDL_MAPPED_TO_SYSTEM_VA; it may be followed by its PFN array (MmGetMdlPfnArray).
 */
typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size;
    CSHORT MdlFlags;
    struct _EPROCESS *Process;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
} MDL, *PMDL, *PMDLX;

#define MDL_MAPPED_TO_SYSTEM_VA     0x0001
#define MDL_PAGES_LOCKED            0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE    0x0008
#define MDL_PARTIAL                 0x0010
#define MDL_PARTIAL_HAS_BEEN_MAPPED 0x0020
#define MDL_IO_PAGE_READ            0x0040
#define MDL_WRITE_OPERATION         0x0080
#define MDL_LOCKED_PAGE_TABLES      0x0100
#define MDL_PARENT_MAPPED_SYSTEM_VA MDL_LOCKED_PAGE_TABLES
#define MDL_FREE_EXTRA_PTES         0x0200
#define MDL_DESCRIBES_AWE           0x0400
#define MDL_IO_SPACE                0x0800
#define MDL_NETWORK_HEADER          0x1000
#define MDL_MAPPING_CAN_FAIL        0x2000
#define MDL_PAGE_CONTENTS_INVARIANT 0x4000
#define MDL_ALLOCATED_MUST_SUCCEED  MDL_PAGE_CONTENTS_INVARIANT
#define MDL_INTERNAL                0x8000

#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl)      ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl)     ((Mdl)->ByteOffset)
#define MmGetMdlBaseVa(Mdl)         ((Mdl)->StartVa)
#define MmGetMdlPfnArray(Mdl)       ((PPFN_NUMBER)((Mdl) + 1))
#define MmInitializeMdl(MemoryDescriptorList, BaseVa, Length)                                      \
    do {                                                                                           \
        (MemoryDescriptorList)->Next = (PMDL)NULL;                                                 \
        (MemoryDescriptorList)->Size =                                                             \
            (CSHORT)(sizeof(MDL) +                                                                 \
                     (sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES((BaseVa), (Length))));   \
        (MemoryDescriptorList)->MdlFlags = 0;                                                      \
        (MemoryDescriptorList)->StartVa = (PVOID)PAGE_ALIGN((BaseVa));                             \
        (MemoryDescriptorList)->ByteOffset = BYTE_OFFSET((BaseVa));                                \
        (MemoryDescriptorList)->ByteCount = (ULONG)(Length);                                       \
    } while (0)
#define MmGetSystemAddressForMdlSafe(MDL, PRIORITY)                                                 \
    (((MDL)->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))                   \
         ? ((MDL)->MappedSystemVa)                                                                 \
         : (MmMapLockedPagesSpecifyCache((MDL), KernelMode, MmCached, NULL, FALSE, (PRIORITY))))
#define MmGetSystemAddressForMdl(MDL) MmGetSystemAddressForMdlSafe((MDL), HighPagePriority)
#define MmPrepareMdlForReuse(MDL) ((void)0)

DMAEMU_SHIM_INLINE SIZE_T MmSizeOfMdl(_In_opt_ PVOID Base, _In_ SIZE_T Length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

/* Maps a device BAR (PhysicalAddress from the translated resources). The returned pointer is a
 * handle for READ_/WRITE_REGISTER_*: it must not be dereferenced. */
PVOID MmMapIoSpace(_In_ PHYSICAL_ADDRESS PhysicalAddress, _In_ SIZE_T NumberOfBytes,
                   _In_ MEMORY_CACHING_TYPE CacheType);
/* Protect: PAGE_READWRITE | PAGE_NOCACHE (or PAGE_WRITECOMBINE). */
PVOID MmMapIoSpaceEx(_In_ PHYSICAL_ADDRESS PhysicalAddress, _In_ SIZE_T NumberOfBytes,
                     _In_ ULONG Protect);
VOID MmUnmapIoSpace(_In_ PVOID BaseAddress, _In_ SIZE_T NumberOfBytes);
/* Returns the address of a kernel routine by name (at least "MmMapIoSpaceEx"), or NULL. */
PVOID MmGetSystemRoutineAddress(_In_ PUNICODE_STRING SystemRoutineName);
PHYSICAL_ADDRESS MmGetPhysicalAddress(_In_ PVOID BaseAddress);
PVOID MmMapLockedPagesSpecifyCache(_Inout_ PMDL MemoryDescriptorList,
                                   _In_ KPROCESSOR_MODE AccessMode,
                                   _In_ MEMORY_CACHING_TYPE CacheType,
                                   _In_opt_ PVOID RequestedAddress, _In_ ULONG BugCheckOnFailure,
                                   _In_ ULONG Priority);
VOID MmUnmapLockedPages(_In_ PVOID BaseAddress, _Inout_ PMDL MemoryDescriptorList);
VOID MmBuildMdlForNonPagedPool(_Inout_ PMDL MemoryDescriptorList);
VOID MmProbeAndLockPages(_Inout_ PMDL MemoryDescriptorList, _In_ KPROCESSOR_MODE AccessMode,
                         _In_ LOCK_OPERATION Operation);
VOID MmUnlockPages(_Inout_ PMDL MemoryDescriptorList);
PMDL IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length,
                   _In_ BOOLEAN SecondaryBuffer, _In_ BOOLEAN ChargeQuota,
                   _Inout_opt_ PIRP Irp);
VOID IoFreeMdl(PMDL Mdl);
PVOID MmAllocateContiguousMemory(_In_ SIZE_T NumberOfBytes,
                                 _In_ PHYSICAL_ADDRESS HighestAcceptableAddress);
PVOID MmAllocateContiguousMemorySpecifyCache(_In_ SIZE_T NumberOfBytes,
                                             _In_ PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             _In_ PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             _In_opt_ PHYSICAL_ADDRESS BoundaryAddressMultiple,
                                             _In_ MEMORY_CACHING_TYPE CacheType);
VOID MmFreeContiguousMemory(_In_ PVOID BaseAddress);
BOOLEAN MmIsAddressValid(_In_ PVOID VirtualAddress);

/* No cache maintenance is needed for DMA on the hosts the shim runs on. */
#define KeFlushIoBuffers(Mdl, ReadOperation, DmaOperation) ((void)0)
#define KeFlushWriteBuffer()                             ((void)0)

/* ========================================================================================== */
/* DMA structures                                                                             */

typedef struct _SCATTER_GATHER_ELEMENT {
    PHYSICAL_ADDRESS Address; /* bus (logical) address */
    ULONG Length;
    ULONG_PTR Reserved;
} SCATTER_GATHER_ELEMENT, *PSCATTER_GATHER_ELEMENT;

typedef struct _SCATTER_GATHER_LIST {
    ULONG NumberOfElements;
    ULONG_PTR Reserved;
    SCATTER_GATHER_ELEMENT Elements[];
} SCATTER_GATHER_LIST, *PSCATTER_GATHER_LIST;

typedef enum _DMA_WIDTH {
    Width8Bits,
    Width16Bits,
    Width32Bits,
    Width64Bits,
    WidthNoWrap,
    MaximumDmaWidth
} DMA_WIDTH, *PDMA_WIDTH;

typedef enum _DMA_SPEED {
    Compatible,
    TypeA,
    TypeB,
    TypeC,
    TypeF,
    MaximumDmaSpeed
} DMA_SPEED, *PDMA_SPEED;

typedef enum _DMA_COMPLETION_STATUS {
    DmaComplete,
    DmaAborted,
    DmaError,
    DmaCancelled
} DMA_COMPLETION_STATUS, *PDMA_COMPLETION_STATUS;

typedef struct _DMA_ADAPTER DMA_ADAPTER, *PDMA_ADAPTER;

/* ========================================================================================== */
/* Hardware resources                                                                         */

typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal,
    Isa,
    Eisa,
    MicroChannel,
    TurboChannel,
    PCIBus,
    VMEBus,
    NuBus,
    PCMCIABus,
    CBus,
    MPIBus,
    MPSABus,
    ProcessorInternal,
    InternalPowerBus,
    PNPISABus,
    PNPBus,
    Vmcs,
    ACPIBus,
    MaximumInterfaceType
} INTERFACE_TYPE, *PINTERFACE_TYPE;

typedef enum _KINTERRUPT_MODE { LevelSensitive, Latched } KINTERRUPT_MODE;

typedef enum _KINTERRUPT_POLARITY {
    InterruptPolarityUnknown,
    InterruptActiveHigh,
    InterruptRisingEdge = InterruptActiveHigh,
    InterruptActiveLow,
    InterruptFallingEdge = InterruptActiveLow,
    InterruptActiveBoth,
    InterruptActiveBothTriggerLow = InterruptActiveBoth,
    InterruptActiveBothTriggerHigh
} KINTERRUPT_POLARITY, *PKINTERRUPT_POLARITY;

typedef struct _GROUP_AFFINITY {
    KAFFINITY Mask;
    USHORT Group;
    USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

#define CmResourceTypeNull            0
#define CmResourceTypePort            1
#define CmResourceTypeInterrupt       2
#define CmResourceTypeMemory          3
#define CmResourceTypeDma             4
#define CmResourceTypeDeviceSpecific  5
#define CmResourceTypeBusNumber       6
#define CmResourceTypeMemoryLarge     7
#define CmResourceTypeNonArbitrated   128
#define CmResourceTypeConfigData      128
#define CmResourceTypeDevicePrivate   129
#define CmResourceTypePcCardConfig    130
#define CmResourceTypeMfCardConfig    131
#define CmResourceTypeConnection      132

typedef enum _CM_SHARE_DISPOSITION {
    CmResourceShareUndetermined = 0,
    CmResourceShareDeviceExclusive,
    CmResourceShareDriverExclusive,
    CmResourceShareShared
} CM_SHARE_DISPOSITION;

#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE       0
#define CM_RESOURCE_INTERRUPT_LATCHED               1
#define CM_RESOURCE_INTERRUPT_MESSAGE               2
#define CM_RESOURCE_INTERRUPT_POLICY_INCLUDED       4
#define CM_RESOURCE_INTERRUPT_SECONDARY_INTERRUPT   0x10
#define CM_RESOURCE_INTERRUPT_WAKE_HINT             0x20
#define CM_RESOURCE_INTERRUPT_LEVEL_LATCHED_BITS    0x0001
#define CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN         ((ULONG)-2)

#define CM_RESOURCE_MEMORY_READ_WRITE          0x0000
#define CM_RESOURCE_MEMORY_READ_ONLY           0x0001
#define CM_RESOURCE_MEMORY_WRITE_ONLY          0x0002
#define CM_RESOURCE_MEMORY_WRITEABILITY_MASK   0x0003
#define CM_RESOURCE_MEMORY_PREFETCHABLE        0x0004
#define CM_RESOURCE_MEMORY_COMBINEDWRITE       0x0008
#define CM_RESOURCE_MEMORY_24                  0x0010
#define CM_RESOURCE_MEMORY_CACHEABLE           0x0020
#define CM_RESOURCE_MEMORY_WINDOW_DECODE       0x0040
#define CM_RESOURCE_MEMORY_BAR                 0x0080
#define CM_RESOURCE_MEMORY_COMPAT_FOR_INACCESSIBLE_RANGE 0x0100
#define CM_RESOURCE_MEMORY_LARGE               0x0E00
#define CM_RESOURCE_MEMORY_LARGE_40            0x0200
#define CM_RESOURCE_MEMORY_LARGE_48            0x0400
#define CM_RESOURCE_MEMORY_LARGE_64            0x0800

#define CM_RESOURCE_PORT_MEMORY                0x0000
#define CM_RESOURCE_PORT_IO                    0x0001
#define CM_RESOURCE_PORT_10_BIT_DECODE         0x0004
#define CM_RESOURCE_PORT_12_BIT_DECODE         0x0008
#define CM_RESOURCE_PORT_16_BIT_DECODE         0x0010
#define CM_RESOURCE_PORT_POSITIVE_DECODE       0x0020
#define CM_RESOURCE_PORT_PASSIVE_DECODE        0x0040
#define CM_RESOURCE_PORT_WINDOW_DECODE         0x0080
#define CM_RESOURCE_PORT_BAR                   0x0100

#define CM_RESOURCE_DMA_8                      0x0000
#define CM_RESOURCE_DMA_16                     0x0001
#define CM_RESOURCE_DMA_32                     0x0002
#define CM_RESOURCE_DMA_8_AND_16               0x0004
#define CM_RESOURCE_DMA_BUS_MASTER             0x0008
#define CM_RESOURCE_DMA_TYPE_A                 0x0010
#define CM_RESOURCE_DMA_TYPE_B                 0x0020
#define CM_RESOURCE_DMA_TYPE_F                 0x0040

/* Windows packs the resource descriptors to 4 bytes (20 bytes on 64-bit, 16 on 32-bit). */
#pragma pack(push, 4)
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
    UCHAR Type;             /* CmResourceType* */
    UCHAR ShareDisposition; /* CM_SHARE_DISPOSITION */
    USHORT Flags;           /* CM_RESOURCE_* */
    union {
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Generic;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Port;
        struct {
            USHORT Level;
            USHORT Group;
            ULONG Vector;
            KAFFINITY Affinity;
        } Interrupt;
        struct {
            union {
                struct {
                    USHORT Group;
                    USHORT MessageCount;
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Raw;
                struct {
                    USHORT Level;
                    USHORT Group;
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Translated;
            };
        } MessageInterrupt;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Memory;
        struct {
            ULONG Channel;
            ULONG Port;
            ULONG Reserved1;
        } Dma;
        struct {
            ULONG Channel;
            ULONG RequestLine;
            UCHAR TransferWidth;
            UCHAR Reserved1;
            UCHAR Reserved2;
            UCHAR Reserved3;
        } DmaV3;
        struct {
            ULONG Data[3];
        } DevicePrivate;
        struct {
            ULONG Start;
            ULONG Length;
            ULONG Reserved;
        } BusNumber;
        struct {
            ULONG DataSize;
            ULONG Reserved1;
            ULONG Reserved2;
        } DeviceSpecificData;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length40;
        } Memory40;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length48;
        } Memory48;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length64;
        } Memory64;
        struct {
            UCHAR Class;
            UCHAR Type;
            UCHAR Reserved1;
            UCHAR Reserved2;
            ULONG IdLowPart;
            ULONG IdHighPart;
        } Connection;
    } u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;

typedef struct _CM_PARTIAL_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1];
} CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;

typedef struct _CM_FULL_RESOURCE_DESCRIPTOR {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    CM_PARTIAL_RESOURCE_LIST PartialResourceList;
} CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;

typedef struct _CM_RESOURCE_LIST {
    ULONG Count;
    CM_FULL_RESOURCE_DESCRIPTOR List[1];
} CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;
#pragma pack(pop)

/* ========================================================================================== */
/* Device I/O: IOCTL codes, device types and characteristics                                  */

/* Unsigned: vendor device types (0x8000 and up) shifted as int would overflow. */
#define CTL_CODE(DeviceType, Function, Method, Access)                                              \
    (((ULONG)(DeviceType) << 16) | ((ULONG)(Access) << 14) | ((ULONG)(Function) << 2) |           \
     (ULONG)(Method))
#define DEVICE_TYPE_FROM_CTL_CODE(ctrlCode) (((ULONG)(ctrlCode & 0xffff0000)) >> 16)
#define METHOD_FROM_CTL_CODE(ctrlCode)      ((ULONG)(ctrlCode & 3))

#define METHOD_BUFFERED   0
#define METHOD_IN_DIRECT  1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER    3
#define METHOD_DIRECT_TO_HARDWARE   METHOD_IN_DIRECT
#define METHOD_DIRECT_FROM_HARDWARE METHOD_OUT_DIRECT

#define FILE_ANY_ACCESS     0
#define FILE_SPECIAL_ACCESS (FILE_ANY_ACCESS)
#define FILE_READ_ACCESS    (0x0001)
#define FILE_WRITE_ACCESS   (0x0002)

#define FILE_READ_DATA            (0x0001)
#define FILE_LIST_DIRECTORY       (0x0001)
#define FILE_WRITE_DATA           (0x0002)
#define FILE_ADD_FILE             (0x0002)
#define FILE_APPEND_DATA          (0x0004)
#define FILE_ADD_SUBDIRECTORY     (0x0004)
#define FILE_READ_EA              (0x0008)
#define FILE_WRITE_EA             (0x0010)
#define FILE_EXECUTE              (0x0020)
#define FILE_TRAVERSE             (0x0020)
#define FILE_DELETE_CHILD         (0x0040)
#define FILE_READ_ATTRIBUTES      (0x0080)
#define FILE_WRITE_ATTRIBUTES     (0x0100)
#define FILE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ                                                                          \
    (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE                                                                         \
    (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA |             \
     FILE_APPEND_DATA | SYNCHRONIZE)

#define FILE_SHARE_READ   0x00000001
#define FILE_SHARE_WRITE  0x00000002
#define FILE_SHARE_DELETE 0x00000004

#define FILE_DEVICE_BEEP                0x00000001
#define FILE_DEVICE_CD_ROM              0x00000002
#define FILE_DEVICE_CD_ROM_FILE_SYSTEM  0x00000003
#define FILE_DEVICE_CONTROLLER          0x00000004
#define FILE_DEVICE_DATALINK            0x00000005
#define FILE_DEVICE_DFS                 0x00000006
#define FILE_DEVICE_DISK                0x00000007
#define FILE_DEVICE_DISK_FILE_SYSTEM    0x00000008
#define FILE_DEVICE_FILE_SYSTEM         0x00000009
#define FILE_DEVICE_INPORT_PORT         0x0000000a
#define FILE_DEVICE_KEYBOARD            0x0000000b
#define FILE_DEVICE_MAILSLOT            0x0000000c
#define FILE_DEVICE_MIDI_IN             0x0000000d
#define FILE_DEVICE_MIDI_OUT            0x0000000e
#define FILE_DEVICE_MOUSE               0x0000000f
#define FILE_DEVICE_MULTI_UNC_PROVIDER  0x00000010
#define FILE_DEVICE_NAMED_PIPE          0x00000011
#define FILE_DEVICE_NETWORK             0x00000012
#define FILE_DEVICE_NETWORK_BROWSER     0x00000013
#define FILE_DEVICE_NETWORK_FILE_SYSTEM 0x00000014
#define FILE_DEVICE_NULL                0x00000015
#define FILE_DEVICE_PARALLEL_PORT       0x00000016
#define FILE_DEVICE_PHYSICAL_NETCARD    0x00000017
#define FILE_DEVICE_PRINTER             0x00000018
#define FILE_DEVICE_SCANNER             0x00000019
#define FILE_DEVICE_SERIAL_MOUSE_PORT   0x0000001a
#define FILE_DEVICE_SERIAL_PORT         0x0000001b
#define FILE_DEVICE_SCREEN              0x0000001c
#define FILE_DEVICE_SOUND               0x0000001d
#define FILE_DEVICE_STREAMS             0x0000001e
#define FILE_DEVICE_TAPE                0x0000001f
#define FILE_DEVICE_TAPE_FILE_SYSTEM    0x00000020
#define FILE_DEVICE_TRANSPORT           0x00000021
#define FILE_DEVICE_UNKNOWN             0x00000022
#define FILE_DEVICE_VIDEO               0x00000023
#define FILE_DEVICE_VIRTUAL_DISK        0x00000024
#define FILE_DEVICE_WAVE_IN             0x00000025
#define FILE_DEVICE_WAVE_OUT            0x00000026
#define FILE_DEVICE_8042_PORT           0x00000027
#define FILE_DEVICE_NETWORK_REDIRECTOR  0x00000028
#define FILE_DEVICE_BATTERY             0x00000029
#define FILE_DEVICE_BUS_EXTENDER        0x0000002a
#define FILE_DEVICE_MODEM               0x0000002b
#define FILE_DEVICE_VDM                 0x0000002c
#define FILE_DEVICE_MASS_STORAGE        0x0000002d
#define FILE_DEVICE_SMB                 0x0000002e
#define FILE_DEVICE_KS                  0x0000002f
#define FILE_DEVICE_CHANGER             0x00000030
#define FILE_DEVICE_SMARTCARD           0x00000031
#define FILE_DEVICE_ACPI                0x00000032
#define FILE_DEVICE_DVD                 0x00000033
#define FILE_DEVICE_FULLSCREEN_VIDEO    0x00000034
#define FILE_DEVICE_DFS_FILE_SYSTEM     0x00000035
#define FILE_DEVICE_DFS_VOLUME          0x00000036
#define FILE_DEVICE_SERENUM             0x00000037
#define FILE_DEVICE_TERMSRV             0x00000038
#define FILE_DEVICE_KSEC                0x00000039
#define FILE_DEVICE_FIPS                0x0000003A
#define FILE_DEVICE_INFINIBAND          0x0000003B

#define FILE_REMOVABLE_MEDIA            0x00000001
#define FILE_READ_ONLY_DEVICE           0x00000002
#define FILE_FLOPPY_DISKETTE            0x00000004
#define FILE_WRITE_ONCE_MEDIA           0x00000008
#define FILE_REMOTE_DEVICE              0x00000010
#define FILE_DEVICE_IS_MOUNTED          0x00000020
#define FILE_VIRTUAL_VOLUME             0x00000040
#define FILE_AUTOGENERATED_DEVICE_NAME  0x00000080
#define FILE_DEVICE_SECURE_OPEN         0x00000100
#define FILE_CHARACTERISTIC_PNP_DEVICE  0x00000800
#define FILE_CHARACTERISTIC_TS_DEVICE   0x00001000
#define FILE_CHARACTERISTIC_WEBDAV_DEVICE 0x00002000
#define FILE_DEVICE_ALLOW_APPCONTAINER_TRAVERSAL 0x00020000

/* Buffer alignment requirements (WdfDeviceSetAlignmentRequirement, AlignmentRequirement). */
#define FILE_BYTE_ALIGNMENT     0x00000000
#define FILE_WORD_ALIGNMENT     0x00000001
#define FILE_LONG_ALIGNMENT     0x00000003
#define FILE_QUAD_ALIGNMENT     0x00000007
#define FILE_OCTA_ALIGNMENT     0x0000000f
#define FILE_32_BYTE_ALIGNMENT  0x0000001f
#define FILE_64_BYTE_ALIGNMENT  0x0000003f
#define FILE_128_BYTE_ALIGNMENT 0x0000007f
#define FILE_256_BYTE_ALIGNMENT 0x000000ff
#define FILE_512_BYTE_ALIGNMENT 0x000001ff

#define IRP_MJ_CREATE                   0x00
#define IRP_MJ_CREATE_NAMED_PIPE        0x01
#define IRP_MJ_CLOSE                    0x02
#define IRP_MJ_READ                     0x03
#define IRP_MJ_WRITE                    0x04
#define IRP_MJ_QUERY_INFORMATION        0x05
#define IRP_MJ_SET_INFORMATION          0x06
#define IRP_MJ_QUERY_EA                 0x07
#define IRP_MJ_SET_EA                   0x08
#define IRP_MJ_FLUSH_BUFFERS            0x09
#define IRP_MJ_QUERY_VOLUME_INFORMATION 0x0a
#define IRP_MJ_SET_VOLUME_INFORMATION   0x0b
#define IRP_MJ_DIRECTORY_CONTROL        0x0c
#define IRP_MJ_FILE_SYSTEM_CONTROL      0x0d
#define IRP_MJ_DEVICE_CONTROL           0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL  0x0f
#define IRP_MJ_SHUTDOWN                 0x10
#define IRP_MJ_LOCK_CONTROL             0x11
#define IRP_MJ_CLEANUP                  0x12
#define IRP_MJ_CREATE_MAILSLOT          0x13
#define IRP_MJ_QUERY_SECURITY           0x14
#define IRP_MJ_SET_SECURITY             0x15
#define IRP_MJ_POWER                    0x16
#define IRP_MJ_SYSTEM_CONTROL           0x17
#define IRP_MJ_DEVICE_CHANGE            0x18
#define IRP_MJ_QUERY_QUOTA              0x19
#define IRP_MJ_SET_QUOTA                0x1a
#define IRP_MJ_PNP                      0x1b
#define IRP_MJ_PNP_POWER                IRP_MJ_PNP
#define IRP_MJ_MAXIMUM_FUNCTION         0x1b
#define IRP_MJ_SCSI                     IRP_MJ_INTERNAL_DEVICE_CONTROL

#define DO_VERIFY_VOLUME          0x00000002
#define DO_BUFFERED_IO            0x00000004
#define DO_EXCLUSIVE              0x00000008
#define DO_DIRECT_IO              0x00000010
#define DO_MAP_IO_BUFFER          0x00000020
#define DO_DEVICE_INITIALIZING    0x00000080
#define DO_SHUTDOWN_REGISTERED    0x00000800
#define DO_BUS_ENUMERATED_DEVICE  0x00001000
#define DO_POWER_PAGABLE          0x00002000
#define DO_POWER_INRUSH           0x00004000

/* ========================================================================================== */
/* Power                                                                                      */

typedef enum _SYSTEM_POWER_STATE {
    PowerSystemUnspecified = 0,
    PowerSystemWorking = 1,
    PowerSystemSleeping1 = 2,
    PowerSystemSleeping2 = 3,
    PowerSystemSleeping3 = 4,
    PowerSystemHibernate = 5,
    PowerSystemShutdown = 6,
    PowerSystemMaximum = 7
} SYSTEM_POWER_STATE, *PSYSTEM_POWER_STATE;

typedef enum _DEVICE_POWER_STATE {
    PowerDeviceUnspecified = 0,
    PowerDeviceD0,
    PowerDeviceD1,
    PowerDeviceD2,
    PowerDeviceD3,
    PowerDeviceMaximum
} DEVICE_POWER_STATE, *PDEVICE_POWER_STATE;

typedef union _POWER_STATE {
    SYSTEM_POWER_STATE SystemState;
    DEVICE_POWER_STATE DeviceState;
} POWER_STATE, *PPOWER_STATE;

typedef enum _POWER_STATE_TYPE {
    SystemPowerState = 0,
    DevicePowerState
} POWER_STATE_TYPE, *PPOWER_STATE_TYPE;

typedef enum _DEVICE_RELATION_TYPE {
    BusRelations,
    EjectionRelations,
    PowerRelations,
    RemovalRelations,
    TargetDeviceRelation,
    SingleBusRelations,
    TransportRelations
} DEVICE_RELATION_TYPE, *PDEVICE_RELATION_TYPE;

typedef enum _DEVICE_REGISTRY_PROPERTY {
    DevicePropertyDeviceDescription = 0x0,
    DevicePropertyHardwareID = 0x1,
    DevicePropertyCompatibleIDs = 0x2,
    DevicePropertyBootConfiguration = 0x3,
    DevicePropertyBootConfigurationTranslated = 0x4,
    DevicePropertyClassName = 0x5,
    DevicePropertyClassGuid = 0x6,
    DevicePropertyDriverKeyName = 0x7,
    DevicePropertyManufacturer = 0x8,
    DevicePropertyFriendlyName = 0x9,
    DevicePropertyLocationInformation = 0xa,
    DevicePropertyPhysicalDeviceObjectName = 0xb,
    DevicePropertyBusTypeGuid = 0xc,
    DevicePropertyLegacyBusType = 0xd,
    DevicePropertyBusNumber = 0xe,
    DevicePropertyEnumeratorName = 0xf,
    DevicePropertyAddress = 0x10,
    DevicePropertyUINumber = 0x11,
    DevicePropertyInstallState = 0x12,
    DevicePropertyRemovalPolicy = 0x13,
    DevicePropertyResourceRequirements = 0x14,
    DevicePropertyAllocatedResources = 0x15,
    DevicePropertyContainerID = 0x16
} DEVICE_REGISTRY_PROPERTY;

/* ========================================================================================== */
/* Kernel objects                                                                             */

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* Driver role types: `DRIVER_INITIALIZE DriverEntry;` declares the function. */
typedef NTSTATUS DRIVER_INITIALIZE(_In_ struct _DRIVER_OBJECT *DriverObject,
                                   _In_ PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;
typedef VOID DRIVER_UNLOAD(_In_ struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;
typedef NTSTATUS DRIVER_ADD_DEVICE(_In_ struct _DRIVER_OBJECT *DriverObject,
                                   _In_ struct _DEVICE_OBJECT *PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;
typedef NTSTATUS DRIVER_DISPATCH(_In_ struct _DEVICE_OBJECT *DeviceObject,
                                 _Inout_ struct _IRP *Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_RAISED;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_PAGED;
typedef VOID DRIVER_STARTIO(_Inout_ struct _DEVICE_OBJECT *DeviceObject,
                            _Inout_ struct _IRP *Irp);
typedef DRIVER_STARTIO *PDRIVER_STARTIO;
typedef VOID DRIVER_CANCEL(_Inout_ struct _DEVICE_OBJECT *DeviceObject,
                           _Inout_ struct _IRP *Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;
typedef VOID DRIVER_REINITIALIZE(_In_ struct _DRIVER_OBJECT *DriverObject, _In_opt_ PVOID Context,
                                 _In_ ULONG Count);
typedef DRIVER_REINITIALIZE *PDRIVER_REINITIALIZE;
typedef NTSTATUS IO_COMPLETION_ROUTINE(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp,
                                       _In_reads_opt_(_Inexpressible_("varies")) PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;
typedef BOOLEAN KSERVICE_ROUTINE(_In_ struct _KINTERRUPT *Interrupt, _In_opt_ PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef BOOLEAN KMESSAGE_SERVICE_ROUTINE(_In_ struct _KINTERRUPT *Interrupt,
                                         _In_ PVOID ServiceContext, _In_ ULONG MessageID);
typedef KMESSAGE_SERVICE_ROUTINE *PKMESSAGE_SERVICE_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(_In_opt_ PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;
typedef VOID KDEFERRED_ROUTINE(_In_ struct _KDPC *Dpc, _In_opt_ PVOID DeferredContext,
                               _In_opt_ PVOID SystemArgument1, _In_opt_ PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;
typedef VOID IO_DPC_ROUTINE(_In_ PKDPC Dpc, _In_ struct _DEVICE_OBJECT *DeviceObject,
                            _Inout_ struct _IRP *Irp, _In_opt_ PVOID Context);
typedef IO_DPC_ROUTINE *PIO_DPC_ROUTINE;
typedef VOID IO_TIMER_ROUTINE(_In_ struct _DEVICE_OBJECT *DeviceObject, _In_opt_ PVOID Context);
typedef IO_TIMER_ROUTINE *PIO_TIMER_ROUTINE;
typedef VOID IO_WORKITEM_ROUTINE(_In_ PDEVICE_OBJECT DeviceObject, _In_opt_ PVOID Context);
typedef IO_WORKITEM_ROUTINE *PIO_WORKITEM_ROUTINE;
typedef VOID IO_WORKITEM_ROUTINE_EX(_In_ PVOID IoObject, _In_opt_ PVOID Context,
                                    _In_ PIO_WORKITEM IoWorkItem);
typedef IO_WORKITEM_ROUTINE_EX *PIO_WORKITEM_ROUTINE_EX;
typedef VOID KSTART_ROUTINE(_In_ PVOID StartContext);
typedef KSTART_ROUTINE *PKSTART_ROUTINE;
typedef VOID WORKER_THREAD_ROUTINE(_In_ PVOID Parameter);
typedef WORKER_THREAD_ROUTINE *PWORKER_THREAD_ROUTINE;
typedef NTSTATUS DRIVER_NOTIFICATION_CALLBACK_ROUTINE(_In_ PVOID NotificationStructure,
                                                      _Inout_opt_ PVOID Context);
typedef DRIVER_NOTIFICATION_CALLBACK_ROUTINE *PDRIVER_NOTIFICATION_CALLBACK_ROUTINE;

typedef struct _DRIVER_EXTENSION {
    struct _DRIVER_OBJECT *DriverObject;
    PDRIVER_ADD_DEVICE AddDevice;
    ULONG Count;
    UNICODE_STRING ServiceKeyName;
} DRIVER_EXTENSION, *PDRIVER_EXTENSION;

/* Windows layout. The runtime creates it and passes it to DriverEntry. */
struct _DRIVER_OBJECT {
    CSHORT Type;
    CSHORT Size;
    PDEVICE_OBJECT DeviceObject;
    ULONG Flags;
    PVOID DriverStart;
    ULONG DriverSize;
    PVOID DriverSection;
    PDRIVER_EXTENSION DriverExtension;
    UNICODE_STRING DriverName;
    PUNICODE_STRING HardwareDatabase;
    PFAST_IO_DISPATCH FastIoDispatch;
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_STARTIO DriverStartIo;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
};

/* The fields drivers read; not the full Windows layout (KDEVICE_QUEUE, KDPC, ... omitted). */
struct _DEVICE_OBJECT {
    CSHORT Type;
    USHORT Size;
    LONG ReferenceCount;
    struct _DRIVER_OBJECT *DriverObject;
    struct _DEVICE_OBJECT *NextDevice;
    struct _DEVICE_OBJECT *AttachedDevice;
    struct _IRP *CurrentIrp;
    PIO_TIMER Timer;
    ULONG Flags;           /* DO_* */
    ULONG Characteristics; /* FILE_DEVICE_SECURE_OPEN, ... */
    PVPB Vpb;
    PVOID DeviceExtension;
    DEVICE_TYPE DeviceType;
    CCHAR StackSize;
    ULONG AlignmentRequirement;
    USHORT SectorSize;
    USHORT Spare1;
    PDEVOBJ_EXTENSION DeviceObjectExtension;
    PVOID Reserved;
};

/* Bus interfaces (WdfFdoQueryForInterface). */
typedef VOID (*PINTERFACE_REFERENCE)(PVOID Context);
typedef VOID (*PINTERFACE_DEREFERENCE)(PVOID Context);
typedef struct _INTERFACE {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
} INTERFACE, *PINTERFACE;

typedef BOOLEAN (*PTRANSLATE_BUS_ADDRESS)(_Inout_opt_ PVOID Context,
                                          _In_ PHYSICAL_ADDRESS BusAddress, _In_ ULONG Length,
                                          _Out_ PULONG AddressSpace,
                                          _Out_ PPHYSICAL_ADDRESS TranslatedAddress);
typedef struct _DMA_ADAPTER *(*PGET_DMA_ADAPTER)(_Inout_opt_ PVOID Context,
                                                 _In_ PDEVICE_DESCRIPTION DeviceDescriptor,
                                                 _Out_ PULONG NumberOfMapRegisters);
typedef ULONG (*PGET_SET_DEVICE_DATA)(_Inout_opt_ PVOID Context, _In_ ULONG DataType,
                                      _Inout_updates_bytes_(Length) PVOID Buffer,
                                      _In_ ULONG Offset, _In_ ULONG Length);
typedef struct _BUS_INTERFACE_STANDARD {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
    PTRANSLATE_BUS_ADDRESS TranslateBusAddress;
    PGET_DMA_ADAPTER GetDmaAdapter;
    PGET_SET_DEVICE_DATA SetBusData;
    PGET_SET_DEVICE_DATA GetBusData;
} BUS_INTERFACE_STANDARD, *PBUS_INTERFACE_STANDARD;
#define PCI_WHICHSPACE_CONFIG 0x0
#define PCI_WHICHSPACE_ROM    0x52696350

/* Dispatcher objects a driver may embed; the runtime implements the Ke* routines on them. */
typedef struct _DISPATCHER_HEADER {
    LONG Lock;
    LONG SignalState;
    LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER, *PDISPATCHER_HEADER;
typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

/* ========================================================================================== */
/* Register and port access: every access is a register access on the emulated device.        */

#define DMAEMU_SHIM_REG_READ_(type, width, Register) ((type)dmaemu_shim_reg_read((Register), (width)))
#define DMAEMU_SHIM_REG_WRITE_(width, Register, Value)                                             \
    dmaemu_shim_reg_write((Register), (width), (uint64_t)(Value))

DMAEMU_SHIM_INLINE UCHAR READ_REGISTER_UCHAR(_In_ volatile UCHAR *Register)
{
    return DMAEMU_SHIM_REG_READ_(UCHAR, 1, Register);
}
DMAEMU_SHIM_INLINE USHORT READ_REGISTER_USHORT(_In_ volatile USHORT *Register)
{
    return DMAEMU_SHIM_REG_READ_(USHORT, 2, Register);
}
DMAEMU_SHIM_INLINE ULONG READ_REGISTER_ULONG(_In_ volatile ULONG *Register)
{
    return DMAEMU_SHIM_REG_READ_(ULONG, 4, Register);
}
DMAEMU_SHIM_INLINE ULONG64 READ_REGISTER_ULONG64(_In_ volatile ULONG64 *Register)
{
    return DMAEMU_SHIM_REG_READ_(ULONG64, 8, Register);
}
DMAEMU_SHIM_INLINE VOID WRITE_REGISTER_UCHAR(_In_ volatile UCHAR *Register, _In_ UCHAR Value)
{
    DMAEMU_SHIM_REG_WRITE_(1, Register, Value);
}
DMAEMU_SHIM_INLINE VOID WRITE_REGISTER_USHORT(_In_ volatile USHORT *Register, _In_ USHORT Value)
{
    DMAEMU_SHIM_REG_WRITE_(2, Register, Value);
}
DMAEMU_SHIM_INLINE VOID WRITE_REGISTER_ULONG(_In_ volatile ULONG *Register, _In_ ULONG Value)
{
    DMAEMU_SHIM_REG_WRITE_(4, Register, Value);
}
DMAEMU_SHIM_INLINE VOID WRITE_REGISTER_ULONG64(_In_ volatile ULONG64 *Register, _In_ ULONG64 Value)
{
    DMAEMU_SHIM_REG_WRITE_(8, Register, Value);
}

/* The _BUFFER_ register forms move Count values between Buffer and consecutive registers
 * starting at Register (as the Windows x64 implementation, a string move, does). */
#define DMAEMU_SHIM_REG_BUFFER_(type, width)                                                       \
    DMAEMU_SHIM_INLINE VOID READ_REGISTER_BUFFER_##type(_In_ volatile type *Register,              \
                                                        _Out_writes_all_(Count) P##type Buffer,    \
                                                        _In_ ULONG Count)                          \
    {                                                                                              \
        ULONG i;                                                                                   \
        for (i = 0; i < Count; i++) {                                                              \
            Buffer[i] = DMAEMU_SHIM_REG_READ_(type, width, Register + i);                          \
        }                                                                                          \
    }                                                                                              \
    DMAEMU_SHIM_INLINE VOID WRITE_REGISTER_BUFFER_##type(_In_ volatile type *Register,             \
                                                         _In_reads_(Count) P##type Buffer,         \
                                                         _In_ ULONG Count)                         \
    {                                                                                              \
        ULONG i;                                                                                   \
        for (i = 0; i < Count; i++) {                                                              \
            DMAEMU_SHIM_REG_WRITE_(width, Register + i, Buffer[i]);                                \
        }                                                                                          \
    }
DMAEMU_SHIM_REG_BUFFER_(UCHAR, 1)
DMAEMU_SHIM_REG_BUFFER_(USHORT, 2)
DMAEMU_SHIM_REG_BUFFER_(ULONG, 4)
DMAEMU_SHIM_REG_BUFFER_(ULONG64, 8)

/* Newer WDKs' explicitly unfenced variants: accesses are ordered anyway. */
#define READ_REGISTER_NOFENCE_UCHAR(r)           READ_REGISTER_UCHAR(r)
#define READ_REGISTER_NOFENCE_USHORT(r)          READ_REGISTER_USHORT(r)
#define READ_REGISTER_NOFENCE_ULONG(r)           READ_REGISTER_ULONG(r)
#define READ_REGISTER_NOFENCE_ULONG64(r)         READ_REGISTER_ULONG64(r)
#define WRITE_REGISTER_NOFENCE_UCHAR(r, v)       WRITE_REGISTER_UCHAR(r, v)
#define WRITE_REGISTER_NOFENCE_USHORT(r, v)      WRITE_REGISTER_USHORT(r, v)
#define WRITE_REGISTER_NOFENCE_ULONG(r, v)       WRITE_REGISTER_ULONG(r, v)
#define WRITE_REGISTER_NOFENCE_ULONG64(r, v)     WRITE_REGISTER_ULONG64(r, v)
#define READ_REGISTER_NOFENCE_BUFFER_UCHAR(r, b, c)   READ_REGISTER_BUFFER_UCHAR(r, b, c)
#define READ_REGISTER_NOFENCE_BUFFER_USHORT(r, b, c)  READ_REGISTER_BUFFER_USHORT(r, b, c)
#define READ_REGISTER_NOFENCE_BUFFER_ULONG(r, b, c)   READ_REGISTER_BUFFER_ULONG(r, b, c)
#define WRITE_REGISTER_NOFENCE_BUFFER_UCHAR(r, b, c)  WRITE_REGISTER_BUFFER_UCHAR(r, b, c)
#define WRITE_REGISTER_NOFENCE_BUFFER_USHORT(r, b, c) WRITE_REGISTER_BUFFER_USHORT(r, b, c)
#define WRITE_REGISTER_NOFENCE_BUFFER_ULONG(r, b, c)  WRITE_REGISTER_BUFFER_ULONG(r, b, c)
#define KeMemoryBarrierWithoutFence() __asm__ __volatile__("" ::: "memory")

/* Ports: Port is the port "address" from the resource list (u.Port.Start). The _BUFFER_ forms
 * transfer Count values through the same port (a string in/out). */
DMAEMU_SHIM_INLINE UCHAR READ_PORT_UCHAR(_In_ PUCHAR Port)
{
    return DMAEMU_SHIM_REG_READ_(UCHAR, 1, Port);
}
DMAEMU_SHIM_INLINE USHORT READ_PORT_USHORT(_In_ PUSHORT Port)
{
    return DMAEMU_SHIM_REG_READ_(USHORT, 2, Port);
}
DMAEMU_SHIM_INLINE ULONG READ_PORT_ULONG(_In_ PULONG Port)
{
    return DMAEMU_SHIM_REG_READ_(ULONG, 4, Port);
}
DMAEMU_SHIM_INLINE VOID WRITE_PORT_UCHAR(_In_ PUCHAR Port, _In_ UCHAR Value)
{
    DMAEMU_SHIM_REG_WRITE_(1, Port, Value);
}
DMAEMU_SHIM_INLINE VOID WRITE_PORT_USHORT(_In_ PUSHORT Port, _In_ USHORT Value)
{
    DMAEMU_SHIM_REG_WRITE_(2, Port, Value);
}
DMAEMU_SHIM_INLINE VOID WRITE_PORT_ULONG(_In_ PULONG Port, _In_ ULONG Value)
{
    DMAEMU_SHIM_REG_WRITE_(4, Port, Value);
}
#define DMAEMU_SHIM_PORT_BUFFER_(type, width)                                                      \
    DMAEMU_SHIM_INLINE VOID READ_PORT_BUFFER_##type(_In_ P##type Port,                             \
                                                    _Out_writes_all_(Count) P##type Buffer,        \
                                                    _In_ ULONG Count)                              \
    {                                                                                              \
        ULONG i;                                                                                   \
        for (i = 0; i < Count; i++) {                                                              \
            Buffer[i] = DMAEMU_SHIM_REG_READ_(type, width, Port);                                  \
        }                                                                                          \
    }                                                                                              \
    DMAEMU_SHIM_INLINE VOID WRITE_PORT_BUFFER_##type(_In_ P##type Port,                            \
                                                     _In_reads_(Count) P##type Buffer,             \
                                                     _In_ ULONG Count)                             \
    {                                                                                              \
        ULONG i;                                                                                   \
        for (i = 0; i < Count; i++) {                                                              \
            DMAEMU_SHIM_REG_WRITE_(width, Port, Buffer[i]);                                        \
        }                                                                                          \
    }
DMAEMU_SHIM_PORT_BUFFER_(UCHAR, 1)
DMAEMU_SHIM_PORT_BUFFER_(USHORT, 2)
DMAEMU_SHIM_PORT_BUFFER_(ULONG, 4)

/* ========================================================================================== */
/* Doubly and singly linked lists                                                             */

DMAEMU_SHIM_INLINE VOID dmaemu_shim_list_check(_In_ PLIST_ENTRY Entry)
{
#ifndef NO_KERNEL_LIST_ENTRY_CHECKS
    if (Entry->Flink->Blink != Entry || Entry->Blink->Flink != Entry) {
        dmaemu_shim_assert_failed("LIST_ENTRY corrupted (Flink->Blink/Blink->Flink mismatch)",
                                  __FILE__, __LINE__);
    }
#else
    (void)Entry;
#endif
}

FORCEINLINE VOID InitializeListHead(_Out_ PLIST_ENTRY ListHead)
{
    ListHead->Flink = ListHead->Blink = ListHead;
}

FORCEINLINE BOOLEAN IsListEmpty(_In_ const LIST_ENTRY *ListHead)
{
    return (BOOLEAN)(ListHead->Flink == ListHead);
}

FORCEINLINE BOOLEAN RemoveEntryList(_In_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = Entry->Flink;
    PLIST_ENTRY Blink = Entry->Blink;
    dmaemu_shim_list_check(Entry);
    Blink->Flink = Flink;
    Flink->Blink = Blink;
    return (BOOLEAN)(Flink == Blink);
}

FORCEINLINE PLIST_ENTRY RemoveHeadList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Flink;
    PLIST_ENTRY Flink = Entry->Flink;
    dmaemu_shim_list_check(Entry);
    ListHead->Flink = Flink;
    Flink->Blink = ListHead;
    return Entry;
}

FORCEINLINE PLIST_ENTRY RemoveTailList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Blink;
    PLIST_ENTRY Blink = Entry->Blink;
    dmaemu_shim_list_check(Entry);
    ListHead->Blink = Blink;
    Blink->Flink = ListHead;
    return Entry;
}

FORCEINLINE VOID InsertTailList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Blink = ListHead->Blink;
    dmaemu_shim_list_check(ListHead);
    Entry->Flink = ListHead;
    Entry->Blink = Blink;
    Blink->Flink = Entry;
    ListHead->Blink = Entry;
}

FORCEINLINE VOID InsertHeadList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = ListHead->Flink;
    dmaemu_shim_list_check(ListHead);
    Entry->Flink = Flink;
    Entry->Blink = ListHead;
    Flink->Blink = Entry;
    ListHead->Flink = Entry;
}

FORCEINLINE VOID AppendTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListToAppend)
{
    PLIST_ENTRY ListEnd = ListHead->Blink;
    ListHead->Blink->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = ListEnd;
}

FORCEINLINE PSINGLE_LIST_ENTRY PopEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead)
{
    PSINGLE_LIST_ENTRY FirstEntry = ListHead->Next;
    if (FirstEntry != NULL) {
        ListHead->Next = FirstEntry->Next;
    }
    return FirstEntry;
}

FORCEINLINE VOID PushEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead,
                               _Inout_ PSINGLE_LIST_ENTRY Entry)
{
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* ========================================================================================== */
/* Rtl memory helpers                                                                         */

#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlMoveMemory(Destination, Source, Length)  memmove((Destination), (Source), (Length))
#define RtlCopyMemory(Destination, Source, Length)  memcpy((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill)    memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length)          memset((Destination), 0, (Length))
#define RtlCopyBytes  RtlCopyMemory
#define RtlZeroBytes  RtlZeroMemory
#define RtlFillBytes  RtlFillMemory
#define RtlCopyMemoryNonTemporal RtlCopyMemory

FORCEINLINE SIZE_T RtlCompareMemory(_In_ const VOID *Source1, _In_ const VOID *Source2,
                                    _In_ SIZE_T Length)
{
    const UCHAR *a = (const UCHAR *)Source1;
    const UCHAR *b = (const UCHAR *)Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i]) {
        i++;
    }
    return i;
}

FORCEINLINE PVOID RtlSecureZeroMemory(_Out_writes_bytes_all_(cnt) PVOID ptr, _In_ SIZE_T cnt)
{
    volatile char *vptr = (volatile char *)ptr;
    while (cnt) {
        *vptr = 0;
        vptr++;
        cnt--;
    }
    return ptr;
}

#define RtlUshortByteSwap(Source)    __builtin_bswap16((USHORT)(Source))
#define RtlUlongByteSwap(Source)     __builtin_bswap32((ULONG)(Source))
#define RtlUlonglongByteSwap(Source) __builtin_bswap64((ULONGLONG)(Source))
#define _byteswap_ushort(x)          __builtin_bswap16(x)
#define _byteswap_ulong(x)           __builtin_bswap32(x)
#define _byteswap_uint64(x)          __builtin_bswap64(x)

FORCEINLINE BOOLEAN _BitScanForward(_Out_ ULONG *Index, _In_ ULONG Mask)
{
    if (Mask == 0) {
        return FALSE;
    }
    *Index = (ULONG)__builtin_ctz(Mask);
    return TRUE;
}
FORCEINLINE BOOLEAN _BitScanReverse(_Out_ ULONG *Index, _In_ ULONG Mask)
{
    if (Mask == 0) {
        return FALSE;
    }
    *Index = 31U - (ULONG)__builtin_clz(Mask);
    return TRUE;
}
FORCEINLINE BOOLEAN _BitScanForward64(_Out_ ULONG *Index, _In_ ULONG64 Mask)
{
    if (Mask == 0) {
        return FALSE;
    }
    *Index = (ULONG)__builtin_ctzll(Mask);
    return TRUE;
}
FORCEINLINE BOOLEAN _BitScanReverse64(_Out_ ULONG *Index, _In_ ULONG64 Mask)
{
    if (Mask == 0) {
        return FALSE;
    }
    *Index = 63U - (ULONG)__builtin_clzll(Mask);
    return TRUE;
}
#define BitScanForward   _BitScanForward
#define BitScanReverse   _BitScanReverse
#define BitScanForward64 _BitScanForward64
#define BitScanReverse64 _BitScanReverse64

/* ========================================================================================== */
/* Rtl string helpers (counted strings; no locale: case folding is ASCII)                     */

FORCEINLINE VOID RtlInitUnicodeString(_Out_ PUNICODE_STRING DestinationString,
                                      _In_opt_z_ PCWSTR SourceString)
{
    SIZE_T n = 0;
    if (SourceString != NULL) {
        while (SourceString[n] != 0) {
            n++;
        }
        n *= sizeof(WCHAR);
        if (n > UNICODE_STRING_MAX_BYTES - sizeof(WCHAR)) {
            n = UNICODE_STRING_MAX_BYTES - sizeof(WCHAR);
        }
        DestinationString->Length = (USHORT)n;
        DestinationString->MaximumLength = (USHORT)(n + sizeof(WCHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PWCH)SourceString;
}

FORCEINLINE VOID RtlInitString(_Out_ PSTRING DestinationString, _In_opt_z_ PCSZ SourceString)
{
    SIZE_T n = 0;
    if (SourceString != NULL) {
        n = strlen(SourceString);
        if (n > MAXUSHORT - 1) {
            n = MAXUSHORT - 1;
        }
        DestinationString->Length = (USHORT)n;
        DestinationString->MaximumLength = (USHORT)(n + 1);
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PCHAR)SourceString;
}
#define RtlInitAnsiString(d, s) RtlInitString((d), (s))

#define RtlInitEmptyUnicodeString(_ucStr, _buf, _bufSize)                                          \
    ((_ucStr)->Buffer = (_buf), (_ucStr)->Length = 0, (_ucStr)->MaximumLength = (USHORT)(_bufSize))
#define RtlInitEmptyAnsiString(_ucStr, _buf, _bufSize)                                             \
    ((_ucStr)->Buffer = (_buf), (_ucStr)->Length = 0, (_ucStr)->MaximumLength = (USHORT)(_bufSize))

FORCEINLINE VOID RtlCopyUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                      _In_opt_ PCUNICODE_STRING SourceString)
{
    USHORT n;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    n = SourceString->Length;
    if (n > DestinationString->MaximumLength) {
        n = DestinationString->MaximumLength;
    }
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n + sizeof(WCHAR) <= DestinationString->MaximumLength) {
        DestinationString->Buffer[n / sizeof(WCHAR)] = UNICODE_NULL;
    }
}

FORCEINLINE WCHAR RtlUpcaseUnicodeChar(_In_ WCHAR SourceCharacter)
{
    return (SourceCharacter >= 'a' && SourceCharacter <= 'z')
               ? (WCHAR)(SourceCharacter - ('a' - 'A'))
               : SourceCharacter;
}

FORCEINLINE LONG RtlCompareUnicodeString(_In_ PCUNICODE_STRING String1,
                                         _In_ PCUNICODE_STRING String2,
                                         _In_ BOOLEAN CaseInSensitive)
{
    SIZE_T n1 = String1->Length / sizeof(WCHAR);
    SIZE_T n2 = String2->Length / sizeof(WCHAR);
    SIZE_T i;
    for (i = 0; i < n1 && i < n2; i++) {
        WCHAR c1 = String1->Buffer[i];
        WCHAR c2 = String2->Buffer[i];
        if (CaseInSensitive) {
            c1 = RtlUpcaseUnicodeChar(c1);
            c2 = RtlUpcaseUnicodeChar(c2);
        }
        if (c1 != c2) {
            return (LONG)c1 - (LONG)c2;
        }
    }
    return (LONG)n1 - (LONG)n2;
}

FORCEINLINE BOOLEAN RtlEqualUnicodeString(_In_ PCUNICODE_STRING String1,
                                          _In_ PCUNICODE_STRING String2,
                                          _In_ BOOLEAN CaseInSensitive)
{
    return (BOOLEAN)(String1->Length == String2->Length &&
                     RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0);
}

FORCEINLINE NTSTATUS RtlAppendUnicodeStringToString(_Inout_ PUNICODE_STRING Destination,
                                                    _In_ PCUNICODE_STRING Source)
{
    if ((ULONG)Destination->Length + Source->Length > Destination->MaximumLength) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    memmove((PUCHAR)Destination->Buffer + Destination->Length, Source->Buffer, Source->Length);
    Destination->Length = (USHORT)(Destination->Length + Source->Length);
    if ((ULONG)Destination->Length + sizeof(WCHAR) <= Destination->MaximumLength) {
        Destination->Buffer[Destination->Length / sizeof(WCHAR)] = UNICODE_NULL;
    }
    return STATUS_SUCCESS;
}

FORCEINLINE NTSTATUS RtlAppendUnicodeToString(_Inout_ PUNICODE_STRING Destination,
                                              _In_opt_z_ PCWSTR Source)
{
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, Source);
    return RtlAppendUnicodeStringToString(Destination, &s);
}

FORCEINLINE NTSTATUS RtlUnicodeStringToAnsiString(_Inout_ PANSI_STRING DestinationString,
                                                  _In_ PCUNICODE_STRING SourceString,
                                                  _In_ BOOLEAN AllocateDestinationString)
{
    USHORT n = (USHORT)(SourceString->Length / sizeof(WCHAR));
    USHORT i;
    if (AllocateDestinationString) {
        DestinationString->Buffer =
            (PCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, (SIZE_T)n + 1, 0x53746C52U /* 'RltS' */);
        if (DestinationString->Buffer == NULL) {
            return STATUS_NO_MEMORY;
        }
        DestinationString->MaximumLength = (USHORT)(n + 1);
    } else if (n > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (i = 0; i < n; i++) {
        WCHAR c = SourceString->Buffer[i];
        DestinationString->Buffer[i] = (CHAR)(c < 0x80 ? c : '?');
    }
    DestinationString->Length = n;
    if (n < DestinationString->MaximumLength) {
        DestinationString->Buffer[n] = ANSI_NULL;
    }
    return STATUS_SUCCESS;
}

FORCEINLINE NTSTATUS RtlAnsiStringToUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                                  _In_ PCANSI_STRING SourceString,
                                                  _In_ BOOLEAN AllocateDestinationString)
{
    ULONG bytes = (ULONG)SourceString->Length * sizeof(WCHAR);
    USHORT i;
    if (bytes > UNICODE_STRING_MAX_BYTES - sizeof(WCHAR)) {
        return STATUS_INVALID_PARAMETER_2;
    }
    if (AllocateDestinationString) {
        DestinationString->Buffer = (PWCH)ExAllocatePoolWithTag(
            NonPagedPoolNx, (SIZE_T)bytes + sizeof(WCHAR), 0x53746C52U /* 'RltS' */);
        if (DestinationString->Buffer == NULL) {
            return STATUS_NO_MEMORY;
        }
        DestinationString->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    } else if (bytes > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (i = 0; i < SourceString->Length; i++) {
        DestinationString->Buffer[i] = (WCHAR)(UCHAR)SourceString->Buffer[i];
    }
    DestinationString->Length = (USHORT)bytes;
    if (bytes + sizeof(WCHAR) <= DestinationString->MaximumLength) {
        DestinationString->Buffer[bytes / sizeof(WCHAR)] = UNICODE_NULL;
    }
    return STATUS_SUCCESS;
}

FORCEINLINE VOID RtlFreeUnicodeString(_Inout_ PUNICODE_STRING UnicodeString)
{
    if (UnicodeString->Buffer != NULL) {
        ExFreePool(UnicodeString->Buffer);
    }
    UnicodeString->Buffer = NULL;
    UnicodeString->Length = UnicodeString->MaximumLength = 0;
}

FORCEINLINE VOID RtlFreeAnsiString(_Inout_ PANSI_STRING AnsiString)
{
    if (AnsiString->Buffer != NULL) {
        ExFreePool(AnsiString->Buffer);
    }
    AnsiString->Buffer = NULL;
    AnsiString->Length = AnsiString->MaximumLength = 0;
}

/*
 * Without -fshort-wchar an L"..." literal is an array of 32-bit wchar_t. For the routines that
 * take a PCWSTR to a literal most often, such an argument is converted to an interned UTF-16
 * copy (dmaemu_shim_utf16_from_wchar), so RtlInitUnicodeString(&s, L"MmMapIoSpaceEx") works
 * either way.
 */
#if defined(__SIZEOF_WCHAR_T__) && (__SIZEOF_WCHAR_T__ != 2) && !defined(__cplusplus)
#define DMAEMU_SHIM_WSTR_(s)                                                                       \
    _Generic((s), wchar_t *: dmaemu_shim_utf16_from_wchar((const wchar_t *)(const void *)(s)),     \
             const wchar_t *: dmaemu_shim_utf16_from_wchar((const wchar_t *)(const void *)(s)),    \
             default: (s))
#define RtlInitUnicodeString(DestinationString, SourceString)                                      \
    RtlInitUnicodeString((DestinationString), DMAEMU_SHIM_WSTR_(SourceString))
#define RtlAppendUnicodeToString(Destination, Source)                                              \
    RtlAppendUnicodeToString((Destination), DMAEMU_SHIM_WSTR_(Source))
#endif

/* ========================================================================================== */
/* Interlocked operations and barriers (sequentially consistent)                              */

FORCEINLINE LONG InterlockedIncrement(_Inout_ LONG volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedDecrement(_Inout_ LONG volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedExchange(_Inout_ LONG volatile *Target, _In_ LONG Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedExchangeAdd(_Inout_ LONG volatile *Addend, _In_ LONG Value)
{
    return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedAdd(_Inout_ LONG volatile *Addend, _In_ LONG Value)
{
    return __atomic_add_fetch(Addend, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedCompareExchange(_Inout_ LONG volatile *Destination,
                                            _In_ LONG ExChange, _In_ LONG Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE LONG InterlockedOr(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_or(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedAnd(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_and(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG InterlockedXor(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_xor(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE SHORT InterlockedIncrement16(_Inout_ SHORT volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE SHORT InterlockedDecrement16(_Inout_ SHORT volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE SHORT InterlockedCompareExchange16(_Inout_ SHORT volatile *Destination,
                                               _In_ SHORT ExChange, _In_ SHORT Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE LONG64 InterlockedIncrement64(_Inout_ LONG64 volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedDecrement64(_Inout_ LONG64 volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedExchange64(_Inout_ LONG64 volatile *Target, _In_ LONG64 Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedExchangeAdd64(_Inout_ LONG64 volatile *Addend, _In_ LONG64 Value)
{
    return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedAdd64(_Inout_ LONG64 volatile *Addend, _In_ LONG64 Value)
{
    return __atomic_add_fetch(Addend, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedCompareExchange64(_Inout_ LONG64 volatile *Destination,
                                                _In_ LONG64 ExChange, _In_ LONG64 Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE LONG64 InterlockedOr64(_Inout_ LONG64 volatile *Destination, _In_ LONG64 Value)
{
    return __atomic_fetch_or(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE LONG64 InterlockedAnd64(_Inout_ LONG64 volatile *Destination, _In_ LONG64 Value)
{
    return __atomic_fetch_and(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE PVOID InterlockedExchangePointer(_Inout_ PVOID volatile *Target, _In_opt_ PVOID Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE PVOID InterlockedCompareExchangePointer(_Inout_ PVOID volatile *Destination,
                                                    _In_opt_ PVOID Exchange,
                                                    _In_opt_ PVOID Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE BOOLEAN InterlockedBitTestAndSet(_Inout_ LONG volatile *Base, _In_ LONG Bit)
{
    LONG mask = (LONG)(1U << (Bit & 31));
    return (BOOLEAN)((__atomic_fetch_or(&Base[Bit >> 5], mask, __ATOMIC_SEQ_CST) & mask) != 0);
}
FORCEINLINE BOOLEAN InterlockedBitTestAndReset(_Inout_ LONG volatile *Base, _In_ LONG Bit)
{
    LONG mask = (LONG)(1U << (Bit & 31));
    return (BOOLEAN)((__atomic_fetch_and(&Base[Bit >> 5], ~mask, __ATOMIC_SEQ_CST) & mask) != 0);
}
#define _InterlockedIncrement               InterlockedIncrement
#define _InterlockedDecrement               InterlockedDecrement
#define _InterlockedExchange                InterlockedExchange
#define _InterlockedExchangeAdd             InterlockedExchangeAdd
#define _InterlockedCompareExchange         InterlockedCompareExchange
#define _InterlockedOr                      InterlockedOr
#define _InterlockedAnd                     InterlockedAnd
#define _InterlockedXor                     InterlockedXor
#define _InterlockedIncrement64             InterlockedIncrement64
#define _InterlockedDecrement64             InterlockedDecrement64
#define _InterlockedExchange64              InterlockedExchange64
#define _InterlockedExchangeAdd64           InterlockedExchangeAdd64
#define _InterlockedCompareExchange64       InterlockedCompareExchange64
#define _InterlockedExchangePointer         InterlockedExchangePointer
#define _InterlockedCompareExchangePointer  InterlockedCompareExchangePointer
#define InterlockedIncrementAcquire         InterlockedIncrement
#define InterlockedIncrementRelease         InterlockedIncrement
#define InterlockedDecrementAcquire         InterlockedDecrement
#define InterlockedDecrementRelease         InterlockedDecrement
#define InterlockedCompareExchangeAcquire   InterlockedCompareExchange
#define InterlockedCompareExchangeRelease   InterlockedCompareExchange
#define InterlockedExchangeAddSizeT(a, b)                                                          \
    ((SIZE_T)InterlockedExchangeAdd64((LONG64 volatile *)(a), (LONG64)(b)))
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement64((LONG64 volatile *)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement64((LONG64 volatile *)(a)))

#define KeMemoryBarrier()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define MemoryBarrier()    __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __asm__ __volatile__("" ::: "memory")
#define _ReadBarrier()      _ReadWriteBarrier()
#define _WriteBarrier()     _ReadWriteBarrier()
#if defined(__x86_64__) || defined(__i386__)
#define YieldProcessor() __builtin_ia32_pause()
#else
#define YieldProcessor() __asm__ __volatile__("" ::: "memory")
#endif

/* ========================================================================================== */
/* Kernel routines implemented by the shim runtime                                            */

/* Interval: negative = relative, in 100 ns units (see WDF_REL_TIMEOUT_IN_MS). */
NTSTATUS KeDelayExecutionThread(_In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable,
                                _In_ PLARGE_INTEGER Interval);
VOID KeStallExecutionProcessor(_In_ ULONG MicroSeconds);
/* System time: 100 ns units since 1601-01-01 UTC. */
VOID KeQuerySystemTime(_Out_ PLARGE_INTEGER CurrentTime);
VOID KeQuerySystemTimePrecise(_Out_ PLARGE_INTEGER CurrentTime);
LARGE_INTEGER KeQueryPerformanceCounter(_Out_opt_ PLARGE_INTEGER PerformanceFrequency);
ULONGLONG KeQueryInterruptTime(VOID);
VOID KeQueryTickCount(_Out_ PLARGE_INTEGER CurrentCount);
ULONG KeQueryTimeIncrement(VOID);

KIRQL KeGetCurrentIrql(VOID);
KIRQL KfRaiseIrql(_In_ KIRQL NewIrql);
VOID KeLowerIrql(_In_ KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);
#define KeRaiseIrql(a, b) (*(b) = KfRaiseIrql(a))
ULONG KeGetCurrentProcessorNumberEx(_Out_opt_ PPROCESSOR_NUMBER ProcNumber);
#define KeGetCurrentProcessorNumber() KeGetCurrentProcessorNumberEx(NULL)
HANDLE PsGetCurrentProcessId(VOID);
HANDLE PsGetCurrentThreadId(VOID);

FORCEINLINE VOID KeInitializeSpinLock(_Out_ PKSPIN_LOCK SpinLock)
{
    *SpinLock = 0;
}
KIRQL KeAcquireSpinLockRaiseToDpc(_Inout_ PKSPIN_LOCK SpinLock);
#define KeAcquireSpinLock(SpinLock, OldIrql) (*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock))
VOID KeReleaseSpinLock(_Inout_ PKSPIN_LOCK SpinLock, _In_ KIRQL NewIrql);
VOID KeAcquireSpinLockAtDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);
BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);

VOID KeInitializeEvent(_Out_ PRKEVENT Event, _In_ EVENT_TYPE Type, _In_ BOOLEAN State);
LONG KeSetEvent(_Inout_ PRKEVENT Event, _In_ KPRIORITY Increment, _In_ BOOLEAN Wait);
VOID KeClearEvent(_Inout_ PRKEVENT Event);
LONG KeResetEvent(_Inout_ PRKEVENT Event);
LONG KeReadStateEvent(_In_ PRKEVENT Event);
NTSTATUS KeWaitForSingleObject(_In_ PVOID Object, _In_ KWAIT_REASON WaitReason,
                               _In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable,
                               _In_opt_ PLARGE_INTEGER Timeout);

#ifdef __cplusplus
}
#endif

#endif /* _WDMDDK_ */
