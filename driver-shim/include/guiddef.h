/*
 * guiddef.h: GUID and DEFINE_GUID for driver-shim.
 *
 * DEFINE_GUID(name, l, w1, w2, b1..b8) declares `extern const GUID name;` unless INITGUID is
 * defined (by including <initguid.h>), in which case it defines the GUID. The definition is a
 * weak symbol, so a header of DEFINE_GUIDs may be expanded with INITGUID in any number of
 * translation units and the program still links with exactly one instance (Windows uses
 * __declspec(selectany) for the same effect).
 *
 * Like the Windows header, the DEFINE_GUID part is outside the include guard: <initguid.h>
 * defines INITGUID and includes this file again to switch DEFINE_GUID to definitions.
 */
#ifndef GUID_DEFINED
#define GUID_DEFINED
#include <stdint.h>
#include <string.h>

typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;
#endif

#ifndef DMAEMU_SHIM_GUIDDEF_TYPES
#define DMAEMU_SHIM_GUIDDEF_TYPES

typedef GUID *LPGUID;
typedef const GUID *LPCGUID;
typedef GUID IID;
typedef IID *LPIID;
typedef GUID CLSID;
typedef CLSID *LPCLSID;
typedef GUID FMTID;
typedef FMTID *LPFMTID;
#define REFGUID  const GUID *
#define REFIID   const IID *
#define REFCLSID const CLSID *
#define REFFMTID const FMTID *

#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif

#define IsEqualGUID(rguid1, rguid2)       (!memcmp((rguid1), (rguid2), sizeof(GUID)))
#define InlineIsEqualGUID(rguid1, rguid2) IsEqualGUID(rguid1, rguid2)
#define IsEqualIID(riid1, riid2)          IsEqualGUID(riid1, riid2)
#define IsEqualCLSID(rclsid1, rclsid2)    IsEqualGUID(rclsid1, rclsid2)

#endif /* DMAEMU_SHIM_GUIDDEF_TYPES */

/* Not include-guarded on purpose: re-evaluated by <initguid.h>. */
#undef DEFINE_GUID
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                               \
    const GUID name __attribute__((weak)) = {                                                      \
        (l), (w1), (w2), {(b1), (b2), (b3), (b4), (b5), (b6), (b7), (b8)}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern const GUID name
#endif

#ifndef DEFINE_OLEGUID
#define DEFINE_OLEGUID(name, l, w1, w2) DEFINE_GUID(name, l, w1, w2, 0xC0, 0, 0, 0, 0, 0, 0, 0x46)
#endif
