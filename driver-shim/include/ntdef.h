/*
 * ntdef.h: basic NT types, calling-convention and declspec macros, and the small helper macros
 * every driver uses, for driver-shim (Windows driver source compiled with gcc/clang on Linux).
 *
 * Type widths follow Windows (LLP64) where it matters for layout: LONG/ULONG are 32-bit,
 * LONGLONG/ULONGLONG 64-bit, BOOLEAN 8-bit, WCHAR 16-bit (uint16_t, not wchar_t). The
 * pointer-sized integers (ULONG_PTR, SIZE_T, ...) are uintptr_t/intptr_t so that SIZE_T and
 * size_t are the same type, as they are on Windows.
 *
 * Wide string literals: Windows L"..." literals are 16-bit. Build driver sources with
 * -fshort-wchar so that L"..." (and L'x') match WCHAR; the CMake helper does that. Without it,
 * RtlInitUnicodeString(&s, L"...") still works (converted at run time), but
 * DECLARE_CONST_UNICODE_STRING / RTL_CONSTANT_STRING on L"" literals do not.
 *
 * MSVC pragmas (#pragma warning, alloc_text, code_seg, prefast, ...) are ignored by gcc/clang;
 * this header turns the -Wunknown-pragmas warning off for the rest of the translation unit
 * (define DMAEMU_SHIM_KEEP_UNKNOWN_PRAGMA_WARNINGS to keep it). ALLOC_PRAGMA is not defined,
 * so `#ifdef ALLOC_PRAGMA` blocks are skipped as on a non-paging build.
 */
#ifndef _NTDEF_
#define _NTDEF_

#include "sal.h" /* also pulls in stdarg/stddef/stdint/stdio/stdlib/string first */
#include <limits.h>

#include "sdkddkver.h"
#include "guiddef.h"

#if !defined(DMAEMU_SHIM_KEEP_UNKNOWN_PRAGMA_WARNINGS)
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#endif

/* ------------------------------------------------------------------------------------------ */
/* Target environment: what a Windows kernel-mode build defines.                              */

#ifndef _WIN32
#define _WIN32 1
#endif
#if defined(__LP64__) || defined(_LP64)
#ifndef _WIN64
#define _WIN64 1
#endif
#endif
#if defined(__x86_64__) && !defined(_AMD64_)
#define _AMD64_ 1
#endif
#if defined(__aarch64__) && !defined(_ARM64_)
#define _ARM64_ 1
#endif
#if defined(__i386__) && !defined(_X86_)
#define _X86_ 1
#endif
#ifndef _KERNEL_MODE
#define _KERNEL_MODE 1
#endif
/* Checked ("debug") build by default: ASSERT and KdPrint are live. Build with -DDBG=0 for a
 * free build. */
#ifndef DBG
#define DBG 1
#endif

/* ------------------------------------------------------------------------------------------ */
/* Calling conventions, storage classes and declspecs.                                        */

#define __cdecl
#define __stdcall
#define __fastcall
#define __thiscall
#define __vectorcall
#define __clrcall
#define _cdecl
#define _stdcall
#define _fastcall
#define NTAPI
#define NTAPI_INLINE
#define WINAPI
#define CALLBACK
#define APIENTRY
#define FASTCALL
#define STDMETHODCALLTYPE
#define NTSYSAPI
#define NTSYSCALLAPI
#define NTKERNELAPI
#define NTHALAPI
#define DECLSPEC_IMPORT
#define DECLSPEC_EXPORT
#define DECLSPEC_DEPRECATED
#define DECLSPEC_DEPRECATED_DDK
#define DECLSPEC_DEPRECATED_DDK_WIN2K
#define DECLSPEC_DEPRECATED_DDK_WINXP
#define DECLSPEC_NOTHROW
#define DECLSPEC_NOVTABLE
#define DECLSPEC_RESTRICT
#define DECLSPEC_NOALIAS
#define DECLSPEC_ADDRSAFE
#define DECLSPEC_SAFEBUFFERS
#define DECLSPEC_GUARDNOCF
#define DECLSPEC_GUARD_SUPPRESS
#define DECLSPEC_CHPE_GUEST
#define DECLSPEC_CHPE_PATCHABLE
#define DECLSPEC_HOTPATCH
#define DECLSPEC_UUID(x)
#define DECLSPEC_NOINLINE   __attribute__((__noinline__))
#define DECLSPEC_NORETURN   __attribute__((__noreturn__))
#define DECLSPEC_SELECTANY  __attribute__((__weak__))
#define DECLSPEC_ALIGN(x)   __attribute__((__aligned__(x)))
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(SYSTEM_CACHE_ALIGNMENT_SIZE)
#define DECLSPEC_NOSANITIZE_ADDRESS __attribute__((__no_sanitize_address__))
#define SYSTEM_CACHE_ALIGNMENT_SIZE 64
#define MEMORY_ALLOCATION_ALIGNMENT 16
#ifdef _WIN64
#define POINTER_ALIGNMENT DECLSPEC_ALIGN(8)
#else
#define POINTER_ALIGNMENT
#endif

/* __declspec(anything) is dropped. Drivers normally use the DECLSPEC_* macros above, which keep
 * the attributes that matter for layout and linkage. */
#define __declspec(...)
#ifndef __pragma /* a builtin of clang -fms-extensions */
#define __pragma(...)
#endif

/* Inline functions. FORCEINLINE and __forceinline give a static inline function (one private
 * copy per translation unit), which links in every case. Write `FORCEINLINE VOID Foo(...)`;
 * KMDF-style `VOID FORCEINLINE Foo(...)` also compiles (gcc -Wextra notes that `static` is not
 * first: -Wno-old-style-declaration). `__inline` is left to the compiler (C99 inline). */
#define __forceinline static __inline__ __attribute__((__unused__))
#ifndef FORCEINLINE
#define FORCEINLINE __forceinline
#endif
#define NTSTRSAFEDDI FORCEINLINE NTSTATUS
#define NTSTRSAFEWORKERDDI FORCEINLINE NTSTATUS
/* For the shim's own headers. */
#define DMAEMU_SHIM_INLINE static __inline__ __attribute__((__unused__))

#define __int8  char
#define __int16 short
#define __int32 int
#define __int64 long long
#define __ptr32
#define __ptr64
#define __unaligned
#define UNALIGNED
#define UNALIGNED64
#define POINTER_32
#define POINTER_64
#define FIRMWARE_PTR
#define POINTER_SIGNED
#define POINTER_UNSIGNED
#define RESTRICTED_POINTER
#define SPOINTER_32
#define UPOINTER_32

#define IN
#define OUT
#define OPTIONAL
#define CONST const
#ifndef VOID
#define VOID void
#endif

#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif
#ifdef __cplusplus
#define EXTERN_C_START extern "C" {
#define EXTERN_C_END   }
#else
#define EXTERN_C_START
#define EXTERN_C_END
#endif

#define DEFINE_ENUM_FLAG_OPERATORS(ENUMTYPE)

/* ------------------------------------------------------------------------------------------ */
/* Basic types.                                                                               */

typedef void *PVOID;
typedef void *PVOID64;
typedef const void *PCVOID;
typedef char CHAR;
typedef short SHORT;
typedef int32_t LONG;
typedef int INT;
typedef uint8_t UCHAR;
typedef uint16_t USHORT;
typedef uint32_t ULONG;
typedef unsigned int UINT;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef uint16_t WCHAR;
typedef UCHAR BOOLEAN;
typedef int BOOL;
typedef UCHAR BYTE;
typedef USHORT WORD;
typedef ULONG DWORD;
typedef float FLOAT;
typedef double DOUBLE;

typedef int8_t INT8;
typedef int16_t INT16;
typedef int32_t INT32;
typedef long long INT64;
typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef unsigned long long UINT64;
typedef int32_t LONG32;
typedef uint32_t ULONG32;
typedef uint32_t DWORD32;
typedef long long LONG64;
typedef unsigned long long ULONG64;
typedef unsigned long long DWORD64;
typedef unsigned long long DWORDLONG;
typedef unsigned long long QWORD;

typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef uintptr_t DWORD_PTR;
typedef ULONG_PTR SIZE_T;
typedef LONG_PTR SSIZE_T;

typedef void *HANDLE;
typedef LONG NTSTATUS;
typedef char CCHAR;
typedef short CSHORT;
typedef ULONG CLONG;
typedef UCHAR KIRQL;
typedef CCHAR KPROCESSOR_MODE;
typedef ULONG_PTR KAFFINITY;
typedef ULONG LOGICAL;
typedef ULONG ACCESS_MASK;
typedef ULONG DEVICE_TYPE;
typedef ULONG LCID;
typedef USHORT LANGID;
typedef ULONG_PTR KSPIN_LOCK;
typedef LONG KPRIORITY;
typedef PVOID PSECURITY_DESCRIPTOR;
typedef ULONG_PTR PFN_NUMBER;
typedef ULONG64 POOL_FLAGS;

typedef CHAR *PCHAR, *PCH, *LPCH, *PSTR, *LPSTR, *NPSTR, *PSZ;
typedef const CHAR *PCCH, *LPCCH, *PCSTR, *LPCSTR, *PCSZ;
typedef SHORT *PSHORT;
typedef LONG *PLONG;
typedef INT *PINT;
typedef UCHAR *PUCHAR;
typedef const UCHAR *PCUCHAR;
typedef USHORT *PUSHORT;
typedef const USHORT *PCUSHORT;
typedef ULONG *PULONG;
typedef const ULONG *PCULONG;
typedef UINT *PUINT;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef WCHAR *PWCHAR, *PWCH, *LPWCH, *PWSTR, *LPWSTR, *NWPSTR;
typedef const WCHAR *PCWCH, *LPCWCH, *PCWSTR, *LPCWSTR;
typedef PWSTR *PZPWSTR;
typedef const PWSTR *PCZPWSTR;
typedef PCWSTR *PZPCWSTR;
typedef BOOLEAN *PBOOLEAN;
typedef BOOL *PBOOL;
typedef BYTE *PBYTE;
typedef WORD *PWORD;
typedef DWORD *PDWORD;
typedef FLOAT *PFLOAT;
typedef INT8 *PINT8;
typedef INT16 *PINT16;
typedef INT32 *PINT32;
typedef INT64 *PINT64;
typedef UINT8 *PUINT8;
typedef UINT16 *PUINT16;
typedef UINT32 *PUINT32;
typedef UINT64 *PUINT64;
typedef LONG32 *PLONG32;
typedef ULONG32 *PULONG32;
typedef LONG64 *PLONG64;
typedef ULONG64 *PULONG64;
typedef DWORD64 *PDWORD64;
typedef LONG_PTR *PLONG_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef INT_PTR *PINT_PTR;
typedef UINT_PTR *PUINT_PTR;
typedef DWORD_PTR *PDWORD_PTR;
typedef SIZE_T *PSIZE_T;
typedef SSIZE_T *PSSIZE_T;
typedef HANDLE *PHANDLE;
typedef NTSTATUS *PNTSTATUS;
typedef CCHAR *PCCHAR;
typedef CSHORT *PCSHORT;
typedef CLONG *PCLONG;
typedef KIRQL *PKIRQL;
typedef KAFFINITY *PKAFFINITY;
typedef LOGICAL *PLOGICAL;
typedef ACCESS_MASK *PACCESS_MASK;
typedef KSPIN_LOCK *PKSPIN_LOCK;
typedef PFN_NUMBER *PPFN_NUMBER;
typedef PVOID *PPVOID;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#define UNICODE_NULL ((WCHAR)0)
#define UNICODE_STRING_MAX_BYTES ((USHORT)65534)
#define UNICODE_STRING_MAX_CHARS (32767)
#define ANSI_NULL ((CHAR)0)

#define MINCHAR     0x80
#define MAXCHAR     0x7f
#define MINSHORT    0x8000
#define MAXSHORT    0x7fff
#define MINLONG     0x80000000
#define MAXLONG     0x7fffffff
#define MAXUCHAR    0xff
#define MAXUSHORT   0xffff
#define MAXULONG    0xffffffff
#define MAXLONGLONG (0x7fffffffffffffffLL)
#define MAXULONGLONG (0xffffffffffffffffULL)
#define MAXBYTE     0xff
#define MAXWORD     0xffff
#define MAXDWORD    0xffffffff
#define MAXUINT8    ((UINT8)~((UINT8)0))
#define MAXINT8     ((INT8)(MAXUINT8 >> 1))
#define MININT8     ((INT8)~MAXINT8)
#define MAXUINT16   ((UINT16)~((UINT16)0))
#define MAXINT16    ((INT16)(MAXUINT16 >> 1))
#define MININT16    ((INT16)~MAXINT16)
#define MAXUINT32   ((UINT32)~((UINT32)0))
#define MAXINT32    ((INT32)(MAXUINT32 >> 1))
#define MININT32    ((INT32)~MAXINT32)
#define MAXUINT64   ((UINT64)~((UINT64)0))
#define MAXINT64    ((INT64)(MAXUINT64 >> 1))
#define MININT64    ((INT64)~MAXINT64)
#define MAXULONG32  ((ULONG32)~((ULONG32)0))
#define MAXLONG32   ((LONG32)(MAXULONG32 >> 1))
#define MINLONG32   ((LONG32)~MAXLONG32)
#define MAXULONG64  ((ULONG64)~((ULONG64)0))
#define MAXLONG64   ((LONG64)(MAXULONG64 >> 1))
#define MINLONG64   ((LONG64)~MAXLONG64)
#define MAXUINT     ((UINT)~((UINT)0))
#define MAXINT      ((INT)(MAXUINT >> 1))
#define MININT      ((INT)~MAXINT)
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define MAXLONG_PTR  ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MINLONG_PTR  (~MAXLONG_PTR)
#define MAXUINT_PTR  (~((UINT_PTR)0))
#define MAXINT_PTR   ((INT_PTR)(MAXUINT_PTR >> 1))
#define MININT_PTR   (~MAXINT_PTR)
#define MAXSIZE_T    ((SIZE_T)~((SIZE_T)0))
#define MAXSSIZE_T   ((SSIZE_T)(MAXSIZE_T >> 1))
#define MINSSIZE_T   ((SSIZE_T)~MAXSSIZE_T)

/* Opaque handle types: DECLARE_HANDLE(WDFDEVICE) makes a distinct pointer type. */
#define DECLARE_HANDLE(name)                                                                       \
    struct name##__ {                                                                              \
        int unused;                                                                                \
    };                                                                                             \
    typedef struct name##__ *name

/* ------------------------------------------------------------------------------------------ */
/* Structures.                                                                                */

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY, *PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCSTRING;
typedef const ANSI_STRING *PCANSI_STRING;
typedef const OEM_STRING *PCOEM_STRING;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* in bytes, without a terminating NUL */
    USHORT MaximumLength; /* in bytes */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;

#define OBJ_INHERIT          0x00000002L
#define OBJ_PERMANENT        0x00000010L
#define OBJ_EXCLUSIVE        0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF           0x00000080L
#define OBJ_OPENLINK         0x00000100L
#define OBJ_KERNEL_HANDLE    0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L

#define InitializeObjectAttributes(p, n, a, r, s)                                                  \
    do {                                                                                           \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                   \
        (p)->RootDirectory = (r);                                                                  \
        (p)->Attributes = (a);                                                                     \
        (p)->ObjectName = (n);                                                                     \
        (p)->SecurityDescriptor = (s);                                                             \
        (p)->SecurityQualityOfService = NULL;                                                      \
    } while (0)

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue, WaitDpc } WAIT_TYPE;
typedef enum _NT_PRODUCT_TYPE { NtProductWinNt = 1, NtProductLanManNt, NtProductServer } NT_PRODUCT_TYPE;

/* ------------------------------------------------------------------------------------------ */
/* Status classification.                                                                     */

#define NT_SUCCESS(Status)     (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status)     ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status)       ((((ULONG)(Status)) >> 30) == 3)
#define NT_CUSTOMER(Status)    ((((ULONG)(Status)) >> 29) & 1)
#define NT_FACILITY(Status)    ((((ULONG)(Status)) >> 16) & 0xfff)
#define APPLICATION_ERROR_MASK       0x20000000
#define ERROR_SEVERITY_SUCCESS       0x00000000
#define ERROR_SEVERITY_INFORMATIONAL 0x40000000
#define ERROR_SEVERITY_WARNING       0x80000000
#define ERROR_SEVERITY_ERROR         0xC0000000

/* ------------------------------------------------------------------------------------------ */
/* Helper macros.                                                                             */

#define FIELD_OFFSET(type, field)  ((LONG)offsetof(type, field))
#define UFIELD_OFFSET(type, field) ((ULONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_FIELD_TYPE(type, field) (((type *)0)->field)
#define RTL_SIZEOF_THROUGH_FIELD(type, field)                                                       \
    (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field)                                                     \
    ((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF_V1(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF_V2(A) RTL_NUMBER_OF_V1(A)
#define RTL_NUMBER_OF(A)    RTL_NUMBER_OF_V1(A)
#define ARRAYSIZE(A)        RTL_NUMBER_OF_V2(A)
#define _ARRAYSIZE(A)       RTL_NUMBER_OF_V1(A)
#ifndef _countof
#define _countof(A) RTL_NUMBER_OF_V1(A)
#endif
#define RTL_NUMBER_OF_FIELD(type, field) (RTL_NUMBER_OF(RTL_FIELD_TYPE(type, field)))
#define RTL_BITS_OF(sizeOfArg)       (sizeof(sizeOfArg) * 8)
#define RTL_BITS_OF_FIELD(type, field) (RTL_BITS_OF(RTL_FIELD_TYPE(type, field)))
#define TYPE_ALIGNMENT(t) _Alignof(t)
#define RTL_PADDING_BETWEEN_FIELDS(T, F1, F2)                                                       \
    ((FIELD_OFFSET(T, F2) > FIELD_OFFSET(T, F1))                                                   \
         ? (FIELD_OFFSET(T, F2) - FIELD_OFFSET(T, F1) - RTL_FIELD_SIZE(T, F1))                      \
         : (FIELD_OFFSET(T, F1) - FIELD_OFFSET(T, F2) - RTL_FIELD_SIZE(T, F2)))

#define CONTAINING_RECORD(address, type, field)                                                     \
    ((type *)((PCHAR)(address) - (ULONG_PTR)offsetof(type, field)))

#define C_ASSERT(e) _Static_assert((e), "C_ASSERT(" #e ")")

#define UNREFERENCED_PARAMETER(P)          ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P)      ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define UNREFERENCED_LOCAL_VARIABLE(V)     ((void)(V))

#ifndef NOMINMAX
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment) - 1))
#define ALIGN_UP_BY(length, alignment)                                                              \
    (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment) - 1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)ALIGN_DOWN_BY(address, alignment))
#define ALIGN_UP_POINTER_BY(address, alignment)   ((PVOID)ALIGN_UP_BY(address, alignment))
#define ALIGN_DOWN(length, type)          ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type)            ALIGN_UP_BY(length, sizeof(type))
#define ALIGN_DOWN_POINTER(address, type) ALIGN_DOWN_POINTER_BY(address, sizeof(type))
#define ALIGN_UP_POINTER(address, type)   ALIGN_UP_POINTER_BY(address, sizeof(type))
#define POINTER_IS_ALIGNED(Pointer, Alignment)                                                      \
    ((((ULONG_PTR)(Pointer)) & (((Alignment)) - 1)) == 0)
#define Add2Ptr(P, I)     ((PVOID)((PUCHAR)(P) + (I)))
#define PtrOffset(B, O)   ((ULONG)((ULONG_PTR)(O) - (ULONG_PTR)(B)))
#define FlagOn(_F, _SF)        ((_F) & (_SF))
#define BooleanFlagOn(F, SF)   ((BOOLEAN)(((F) & (SF)) != 0))
#define SetFlag(_F, _SF)       ((_F) |= (_SF))
#define ClearFlag(_F, _SF)     ((_F) &= ~(_SF))

#define HandleToULong(h)  ((ULONG)(ULONG_PTR)(h))
#define HandleToLong(h)   ((LONG)(LONG_PTR)(h))
#define ULongToHandle(ul) ((HANDLE)(ULONG_PTR)(ul))
#define LongToHandle(h)   ((HANDLE)(LONG_PTR)(h))
#define PtrToUlong(p)     ((ULONG)(ULONG_PTR)(p))
#define PtrToLong(p)      ((LONG)(LONG_PTR)(p))
#define PtrToUint(p)      ((UINT)(UINT_PTR)(p))
#define PtrToInt(p)       ((INT)(INT_PTR)(p))
#define PtrToUshort(p)    ((unsigned short)(ULONG_PTR)(p))
#define PtrToShort(p)     ((short)(LONG_PTR)(p))
#define UlongToPtr(ul)    ((PVOID)(ULONG_PTR)(ul))
#define LongToPtr(l)      ((PVOID)(LONG_PTR)(l))
#define UintToPtr(ui)     ((PVOID)(UINT_PTR)(ui))
#define IntToPtr(i)       ((PVOID)(INT_PTR)(i))
#define ULongToPtr(ul)    UlongToPtr(ul)

#ifndef LOBYTE
#define LOBYTE(w)        ((BYTE)(((DWORD_PTR)(w)) & 0xff))
#define HIBYTE(w)        ((BYTE)((((DWORD_PTR)(w)) >> 8) & 0xff))
#define LOWORD(l)        ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#define HIWORD(l)        ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))
#define MAKEWORD(a, b)   ((WORD)(((BYTE)(((DWORD_PTR)(a)) & 0xff)) | ((WORD)((BYTE)(((DWORD_PTR)(b)) & 0xff))) << 8))
#define MAKELONG(a, b)   ((LONG)(((WORD)(((DWORD_PTR)(a)) & 0xffff)) | ((DWORD)((WORD)(((DWORD_PTR)(b)) & 0xffff))) << 16))
#endif

/* Counted strings built from literals. L"" literals need -fshort-wchar (see above). */
#define RTL_CONSTANT_STRING(s) {sizeof(s) - sizeof((s)[0]), sizeof(s), s}
#define DMAEMU_SHIM_ASSERT_WIDE_LITERAL(s)                                                          \
    _Static_assert(sizeof((s)[0]) == sizeof(WCHAR),                                                \
                   "driver-shim: L\"\" literals must be 16-bit; compile with -fshort-wchar")
#define DECLARE_CONST_UNICODE_STRING(_var, _string)                                                 \
    DMAEMU_SHIM_ASSERT_WIDE_LITERAL(_string);                                                      \
    const WCHAR _var##_buffer[] = _string;                                                         \
    const UNICODE_STRING _var = {sizeof(_string) - sizeof(WCHAR), sizeof(_string),                 \
                                 (PWCH)_var##_buffer}
#define DECLARE_GLOBAL_CONST_UNICODE_STRING(_var, _str)                                             \
    DMAEMU_SHIM_ASSERT_WIDE_LITERAL(_str);                                                         \
    const UNICODE_STRING _var = {sizeof(_str) - sizeof(WCHAR), sizeof(_str), (PWCH)(_str)}
#define DECLARE_UNICODE_STRING_SIZE(_var, _size)                                                    \
    WCHAR _var##_buffer[_size];                                                                    \
    UNICODE_STRING _var = {0, (_size) * sizeof(WCHAR), _var##_buffer}

#endif /* _NTDEF_ */
