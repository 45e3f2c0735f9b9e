/*
 * ntintsafe.h: overflow-checked integer arithmetic and conversions (Rtl*Add, Rtl*Mult, Rtl*To*)
 * for driver-shim. Each returns STATUS_SUCCESS, or STATUS_INTEGER_OVERFLOW with *pResult set to
 * the type's _ERROR value, as on Windows.
 */
#ifndef _NTINTSAFE_H_INCLUDED_
#define _NTINTSAFE_H_INCLUDED_

#include "wdm.h"

#define UCHAR_ERROR     0xffU
#define BYTE_ERROR      0xffU
#define USHORT_ERROR    0xffffU
#define WORD_ERROR      0xffffU
#define UINT_ERROR      0xffffffffU
#define ULONG_ERROR     0xffffffffUL
#define DWORD_ERROR     0xffffffffUL
#define ULONGLONG_ERROR 0xffffffffffffffffULL
#define ULONG_PTR_ERROR MAXULONG_PTR
#define SIZET_ERROR     MAXSIZE_T
#define INT_ERROR       (-1)
#define LONG_ERROR      (-1L)
#define LONGLONG_ERROR  (-1LL)
#define SHORT_ERROR     (-1)

#define DMAEMU_INTSAFE_BINOP_(Name, T, builtin, Err)                                               \
    FORCEINLINE NTSTATUS Name(_In_ T a, _In_ T b, _Out_ T *pResult)                                \
    {                                                                                              \
        if (builtin(a, b, pResult)) {                                                              \
            *pResult = (T)(Err);                                                                   \
            return STATUS_INTEGER_OVERFLOW;                                                        \
        }                                                                                          \
        return STATUS_SUCCESS;                                                                     \
    }
#define DMAEMU_INTSAFE_ARITH_(Prefix, T, Err)                                                      \
    DMAEMU_INTSAFE_BINOP_(Rtl##Prefix##Add, T, __builtin_add_overflow, Err)                        \
    DMAEMU_INTSAFE_BINOP_(Rtl##Prefix##Sub, T, __builtin_sub_overflow, Err)                        \
    DMAEMU_INTSAFE_BINOP_(Rtl##Prefix##Mult, T, __builtin_mul_overflow, Err)

DMAEMU_INTSAFE_ARITH_(UInt8, UINT8, UCHAR_ERROR)
DMAEMU_INTSAFE_ARITH_(UShort, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_ARITH_(Word, WORD, WORD_ERROR)
DMAEMU_INTSAFE_ARITH_(UInt, UINT, UINT_ERROR)
DMAEMU_INTSAFE_ARITH_(ULong, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_ARITH_(DWord, DWORD, DWORD_ERROR)
DMAEMU_INTSAFE_ARITH_(ULongLong, ULONGLONG, ULONGLONG_ERROR)
DMAEMU_INTSAFE_ARITH_(ULongPtr, ULONG_PTR, ULONG_PTR_ERROR)
DMAEMU_INTSAFE_ARITH_(SizeT, SIZE_T, SIZET_ERROR)
DMAEMU_INTSAFE_ARITH_(Int, INT, INT_ERROR)
DMAEMU_INTSAFE_ARITH_(Long, LONG, LONG_ERROR)
DMAEMU_INTSAFE_ARITH_(LongLong, LONGLONG, LONGLONG_ERROR)
#define RtlDWordPtrAdd  RtlULongPtrAdd
#define RtlDWordPtrSub  RtlULongPtrSub
#define RtlDWordPtrMult RtlULongPtrMult

/* Conversions: fail when the value does not fit (magnitude or sign). */
#define DMAEMU_INTSAFE_CONV_(Name, Src, Dst, Err)                                                  \
    FORCEINLINE NTSTATUS Name(_In_ Src Operand, _Out_ Dst *pResult)                                \
    {                                                                                              \
        Dst t = (Dst)Operand;                                                                      \
        if ((Src)t != Operand || ((Operand > 0) != (t > 0))) {                                     \
            *pResult = (Dst)(Err);                                                                 \
            return STATUS_INTEGER_OVERFLOW;                                                        \
        }                                                                                          \
        *pResult = t;                                                                              \
        return STATUS_SUCCESS;                                                                     \
    }

DMAEMU_INTSAFE_CONV_(RtlUShortToUChar, USHORT, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlUIntToUChar, UINT, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlUIntToUShort, UINT, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlUIntToInt, UINT, INT, INT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlUIntToLong, UINT, LONG, LONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongToUChar, ULONG, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongToUShort, ULONG, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongToInt, ULONG, INT, INT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongToLong, ULONG, LONG, LONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongToUChar, LONG, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongToUShort, LONG, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongToUInt, LONG, UINT, UINT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongToULong, LONG, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongToSizeT, LONG, SIZE_T, SIZET_ERROR)
DMAEMU_INTSAFE_CONV_(RtlIntToULong, INT, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlIntToUInt, INT, UINT, UINT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlIntToSizeT, INT, SIZE_T, SIZET_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToUChar, ULONGLONG, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToUShort, ULONGLONG, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToUInt, ULONGLONG, UINT, UINT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToULong, ULONGLONG, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToLong, ULONGLONG, LONG, LONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToSizeT, ULONGLONG, SIZE_T, SIZET_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongLongToLongLong, ULONGLONG, LONGLONG, LONGLONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongLongToULong, LONGLONG, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongLongToLong, LONGLONG, LONG, LONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlLongLongToULongLong, LONGLONG, ULONGLONG, ULONGLONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlSizeTToUChar, SIZE_T, UCHAR, UCHAR_ERROR)
DMAEMU_INTSAFE_CONV_(RtlSizeTToUShort, SIZE_T, USHORT, USHORT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlSizeTToUInt, SIZE_T, UINT, UINT_ERROR)
DMAEMU_INTSAFE_CONV_(RtlSizeTToULong, SIZE_T, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlSizeTToLong, SIZE_T, LONG, LONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongPtrToULong, ULONG_PTR, ULONG, ULONG_ERROR)
DMAEMU_INTSAFE_CONV_(RtlULongPtrToUShort, ULONG_PTR, USHORT, USHORT_ERROR)
#define RtlSizeTToDWord    RtlSizeTToULong
#define RtlDWordPtrToDWord RtlULongPtrToULong

#endif /* _NTINTSAFE_H_INCLUDED_ */
