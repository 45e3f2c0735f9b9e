/*
 * ntstrsafe.h: bounded string copy/concatenate/length/format routines (RtlStringCch*, RtlStringCb*)
 * for driver-shim, with the Windows return conventions:
 *   STATUS_SUCCESS; STATUS_BUFFER_OVERFLOW when the result was truncated (the destination is
 *   still NUL-terminated); STATUS_INVALID_PARAMETER for a zero or oversized destination size or
 *   an invalid format.
 * Cch sizes count characters, Cb sizes count bytes. The Printf forms use the Windows kernel printf
 * dialect (%ws, %wZ, %I64x, ...) through dmaemu_shim_vsnprintf_a/_w.
 */
#ifndef _NTSTRSAFE_H_INCLUDED_
#define _NTSTRSAFE_H_INCLUDED_

#include "wdm.h"

#define NTSTRSAFE_MAX_CCH                2147483647
#define NTSTRSAFE_MAX_LENGTH             (NTSTRSAFE_MAX_CCH - 1)
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH (0xffff / sizeof(WCHAR))
#define STRSAFE_MAX_CCH                  NTSTRSAFE_MAX_CCH

#define STRSAFE_IGNORE_NULLS     0x00000100
#define STRSAFE_FILL_BEHIND_NULL 0x00000200
#define STRSAFE_FILL_ON_FAILURE  0x00000400
#define STRSAFE_NULL_ON_FAILURE  0x00000800
#define STRSAFE_NO_TRUNCATION    0x00001000

typedef char *NTSTRSAFE_PSTR;
typedef const char *NTSTRSAFE_PCSTR;
typedef WCHAR *NTSTRSAFE_PWSTR;
typedef const WCHAR *NTSTRSAFE_PCWSTR;
typedef const WCHAR *NTSTRSAFE_PCUWSTR;

/* Copy, concatenate and length, generated for char (A) and WCHAR (W). */
#define DMAEMU_STRSAFE_FUNCS_(SFX, CH)                                                             \
    FORCEINLINE NTSTATUS RtlStringCchCopyN##SFX(_Out_writes_(cchDest) CH *pszDest,                 \
                                                _In_ size_t cchDest, _In_ const CH *pszSrc,        \
                                                _In_ size_t cchToCopy)                             \
    {                                                                                              \
        size_t i = 0;                                                                              \
        if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) {                                         \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        while (i < cchToCopy && pszSrc[i] != 0) {                                                  \
            if (i == cchDest - 1) {                                                                \
                pszDest[i] = 0;                                                                    \
                return STATUS_BUFFER_OVERFLOW;                                                     \
            }                                                                                      \
            pszDest[i] = pszSrc[i];                                                                \
            i++;                                                                                   \
        }                                                                                          \
        pszDest[i] = 0;                                                                            \
        return STATUS_SUCCESS;                                                                     \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCchCopy##SFX(_Out_writes_(cchDest) CH *pszDest,                  \
                                               _In_ size_t cchDest, _In_ const CH *pszSrc)         \
    {                                                                                              \
        return RtlStringCchCopyN##SFX(pszDest, cchDest, pszSrc, (size_t)NTSTRSAFE_MAX_CCH);        \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbCopy##SFX(_Out_writes_bytes_(cbDest) CH *pszDest,              \
                                              _In_ size_t cbDest, _In_ const CH *pszSrc)           \
    {                                                                                              \
        return RtlStringCchCopy##SFX(pszDest, cbDest / sizeof(CH), pszSrc);                        \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbCopyN##SFX(_Out_writes_bytes_(cbDest) CH *pszDest,             \
                                               _In_ size_t cbDest, _In_ const CH *pszSrc,          \
                                               _In_ size_t cbToCopy)                               \
    {                                                                                              \
        return RtlStringCchCopyN##SFX(pszDest, cbDest / sizeof(CH), pszSrc,                        \
                                      cbToCopy / sizeof(CH));                                      \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCchLength##SFX(_In_reads_or_z_(cchMax) const CH *psz,            \
                                                 _In_ size_t cchMax, _Out_opt_ size_t *pcchLength) \
    {                                                                                              \
        size_t n = 0;                                                                              \
        if (psz == NULL || cchMax > NTSTRSAFE_MAX_CCH) {                                           \
            if (pcchLength != NULL) {                                                              \
                *pcchLength = 0;                                                                   \
            }                                                                                      \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        while (n < cchMax && psz[n] != 0) {                                                        \
            n++;                                                                                   \
        }                                                                                          \
        if (n == cchMax) {                                                                         \
            if (pcchLength != NULL) {                                                              \
                *pcchLength = 0;                                                                   \
            }                                                                                      \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        if (pcchLength != NULL) {                                                                  \
            *pcchLength = n;                                                                       \
        }                                                                                          \
        return STATUS_SUCCESS;                                                                     \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbLength##SFX(_In_reads_or_z_(cbMax / sizeof(CH)) const CH *psz, \
                                                _In_ size_t cbMax, _Out_opt_ size_t *pcbLength)    \
    {                                                                                              \
        size_t n = 0;                                                                              \
        NTSTATUS s = RtlStringCchLength##SFX(psz, cbMax / sizeof(CH), &n);                         \
        if (pcbLength != NULL) {                                                                   \
            *pcbLength = n * sizeof(CH);                                                           \
        }                                                                                          \
        return s;                                                                                  \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCchCatN##SFX(_Inout_updates_(cchDest) CH *pszDest,               \
                                               _In_ size_t cchDest, _In_ const CH *pszSrc,         \
                                               _In_ size_t cchToAppend)                            \
    {                                                                                              \
        size_t len = 0;                                                                            \
        if (!NT_SUCCESS(RtlStringCchLength##SFX(pszDest, cchDest, &len))) {                        \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        return RtlStringCchCopyN##SFX(pszDest + len, cchDest - len, pszSrc, cchToAppend);          \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCchCat##SFX(_Inout_updates_(cchDest) CH *pszDest,                \
                                              _In_ size_t cchDest, _In_ const CH *pszSrc)          \
    {                                                                                              \
        return RtlStringCchCatN##SFX(pszDest, cchDest, pszSrc, (size_t)NTSTRSAFE_MAX_CCH);         \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbCat##SFX(_Inout_updates_bytes_(cbDest) CH *pszDest,            \
                                             _In_ size_t cbDest, _In_ const CH *pszSrc)            \
    {                                                                                              \
        return RtlStringCchCat##SFX(pszDest, cbDest / sizeof(CH), pszSrc);                         \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbCatN##SFX(_Inout_updates_bytes_(cbDest) CH *pszDest,           \
                                              _In_ size_t cbDest, _In_ const CH *pszSrc,           \
                                              _In_ size_t cbToAppend)                              \
    {                                                                                              \
        return RtlStringCchCatN##SFX(pszDest, cbDest / sizeof(CH), pszSrc,                         \
                                     cbToAppend / sizeof(CH));                                     \
    }

DMAEMU_STRSAFE_FUNCS_(A, char)
DMAEMU_STRSAFE_FUNCS_(W, WCHAR)

/* Formatting. */
#define DMAEMU_STRSAFE_PRINTF_(SFX, CH, HOOK, HCH)                                                 \
    FORCEINLINE NTSTATUS RtlStringCchVPrintf##SFX(                                                 \
        _Out_writes_(cchDest) CH *pszDest, _In_ size_t cchDest,                                    \
        _In_ _Printf_format_string_ const CH *pszFormat, _In_ va_list argList)                     \
    {                                                                                              \
        int n;                                                                                     \
        if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) {                                         \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        n = HOOK((HCH *)pszDest, cchDest, (const HCH *)pszFormat, argList);                        \
        if (n < 0) {                                                                               \
            pszDest[0] = 0;                                                                        \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        return ((size_t)n >= cchDest) ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;                   \
    }                                                                                              \
    FORCEINLINE NTSTATUS RtlStringCbVPrintf##SFX(                                                  \
        _Out_writes_bytes_(cbDest) CH *pszDest, _In_ size_t cbDest,                                \
        _In_ _Printf_format_string_ const CH *pszFormat, _In_ va_list argList)                     \
    {                                                                                              \
        return RtlStringCchVPrintf##SFX(pszDest, cbDest / sizeof(CH), pszFormat, argList);         \
    }                                                                                              \
    DMAEMU_SHIM_INLINE NTSTATUS RtlStringCchPrintf##SFX(                                           \
        _Out_writes_(cchDest) CH *pszDest, _In_ size_t cchDest,                                    \
        _In_ _Printf_format_string_ const CH *pszFormat, ...)                                      \
    {                                                                                              \
        NTSTATUS s;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, pszFormat);                                                                   \
        s = RtlStringCchVPrintf##SFX(pszDest, cchDest, pszFormat, ap);                             \
        va_end(ap);                                                                                \
        return s;                                                                                  \
    }                                                                                              \
    DMAEMU_SHIM_INLINE NTSTATUS RtlStringCbPrintf##SFX(                                            \
        _Out_writes_bytes_(cbDest) CH *pszDest, _In_ size_t cbDest,                                \
        _In_ _Printf_format_string_ const CH *pszFormat, ...)                                      \
    {                                                                                              \
        NTSTATUS s;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, pszFormat);                                                                   \
        s = RtlStringCchVPrintf##SFX(pszDest, cbDest / sizeof(CH), pszFormat, ap);                 \
        va_end(ap);                                                                                \
        return s;                                                                                  \
    }

DMAEMU_STRSAFE_PRINTF_(A, char, dmaemu_shim_vsnprintf_a, char)
DMAEMU_STRSAFE_PRINTF_(W, WCHAR, dmaemu_shim_vsnprintf_w, uint16_t)

/* UNICODE_STRING destinations (lengths in bytes, no terminating NUL required). */
FORCEINLINE NTSTATUS RtlUnicodeStringCopy(_Inout_ PUNICODE_STRING DestinationString,
                                          _In_ PCUNICODE_STRING SourceString)
{
    USHORT n = SourceString->Length;
    NTSTATUS s = STATUS_SUCCESS;
    if (n > DestinationString->MaximumLength) {
        n = (USHORT)(DestinationString->MaximumLength & ~1U);
        s = STATUS_BUFFER_OVERFLOW;
    }
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    return s;
}

FORCEINLINE NTSTATUS RtlUnicodeStringCat(_Inout_ PUNICODE_STRING DestinationString,
                                         _In_ PCUNICODE_STRING SourceString)
{
    ULONG room = (ULONG)DestinationString->MaximumLength - DestinationString->Length;
    ULONG n = SourceString->Length;
    NTSTATUS s = STATUS_SUCCESS;
    if (DestinationString->Length > DestinationString->MaximumLength) {
        return STATUS_INVALID_PARAMETER;
    }
    if (n > room) {
        n = room & ~1U;
        s = STATUS_BUFFER_OVERFLOW;
    }
    memmove((PUCHAR)DestinationString->Buffer + DestinationString->Length, SourceString->Buffer, n);
    DestinationString->Length = (USHORT)(DestinationString->Length + n);
    return s;
}

FORCEINLINE NTSTATUS RtlUnicodeStringCopyString(_Inout_ PUNICODE_STRING DestinationString,
                                                _In_ NTSTRSAFE_PCWSTR pszSrc)
{
    UNICODE_STRING src;
    RtlInitUnicodeString(&src, pszSrc);
    return RtlUnicodeStringCopy(DestinationString, &src);
}

FORCEINLINE NTSTATUS RtlUnicodeStringCatString(_Inout_ PUNICODE_STRING DestinationString,
                                               _In_ NTSTRSAFE_PCWSTR pszSrc)
{
    UNICODE_STRING src;
    RtlInitUnicodeString(&src, pszSrc);
    return RtlUnicodeStringCat(DestinationString, &src);
}

#endif /* _NTSTRSAFE_H_INCLUDED_ */
