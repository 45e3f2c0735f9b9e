/*
 * wdfobject.h: KMDF object attributes, typed object contexts and object lifetime for
 * driver-shim.
 *
 * WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(type, getter) defines the type's
 * WDF_OBJECT_CONTEXT_TYPE_INFO (`_WDF_<type>_TYPE_INFO`) as a weak symbol, so the macro may be
 * expanded in every translation unit (typically from a shared header) and the program has one
 * instance: the type-info address identifies the context type at run time. The getter is a
 * static inline function calling WdfObjectGetTypedContextWorker.
 */
#ifndef _WDFOBJECT_H_
#define _WDFOBJECT_H_

#include "wdftypes.h"

WDF_EXTERN_C_START

typedef enum _WDF_EXECUTION_LEVEL {
    WdfExecutionLevelInvalid = 0x00,
    WdfExecutionLevelInheritFromParent,
    WdfExecutionLevelPassive,
    WdfExecutionLevelDispatch,
} WDF_EXECUTION_LEVEL;

typedef enum _WDF_SYNCHRONIZATION_SCOPE {
    WdfSynchronizationScopeInvalid = 0x00,
    WdfSynchronizationScopeInheritFromParent,
    WdfSynchronizationScopeDevice,
    WdfSynchronizationScopeQueue,
    WdfSynchronizationScopeNone,
} WDF_SYNCHRONIZATION_SCOPE;

typedef VOID NTAPI EVT_WDF_OBJECT_CONTEXT_CLEANUP(_In_ WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP *PFN_WDF_OBJECT_CONTEXT_CLEANUP;

typedef VOID NTAPI EVT_WDF_OBJECT_CONTEXT_DESTROY(_In_ WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_DESTROY *PFN_WDF_OBJECT_CONTEXT_DESTROY;

typedef const struct _WDF_OBJECT_CONTEXT_TYPE_INFO *PCWDF_OBJECT_CONTEXT_TYPE_INFO;

typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    /* Overrides ContextTypeInfo->ContextSize when not 0. */
    size_t ContextSizeOverride;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

FORCEINLINE VOID WDF_OBJECT_ATTRIBUTES_INIT(_Out_ PWDF_OBJECT_ATTRIBUTES Attributes)
{
    RtlZeroMemory(Attributes, sizeof(WDF_OBJECT_ATTRIBUTES));
    Attributes->Size = WDF_STRUCTURE_SIZE(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

typedef PCWDF_OBJECT_CONTEXT_TYPE_INFO(__cdecl *PFN_GET_UNIQUE_CONTEXT_TYPE)(VOID);

typedef struct _WDF_OBJECT_CONTEXT_TYPE_INFO {
    ULONG Size;
    /* The type's name, e.g. "DEVICE_CONTEXT". */
    LPCSTR ContextName;
    size_t ContextSize;
    /* The unique type identifier: this structure itself for a driver-declared type. */
    PCWDF_OBJECT_CONTEXT_TYPE_INFO UniqueType;
    PFN_GET_UNIQUE_CONTEXT_TYPE EvtDriverGetUniqueContextType;
} WDF_OBJECT_CONTEXT_TYPE_INFO, *PWDF_OBJECT_CONTEXT_TYPE_INFO;

#define WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype)              _WDF_##_contexttype##_TYPE_INFO
#define WDF_TYPE_NAME_TO_EXTERNAL_INIT(_contexttype)          _WDF_##_contexttype##_EXTERNAL_INIT
#define WDF_TYPE_NAME_TO_EXTERNAL_INIT_FUNCTION(_contexttype) _contexttype##_EXTERNAL_INIT_FUNCTION
#define WDF_GET_CONTEXT_TYPE_INFO(_contexttype)               (&WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype))
#define WDF_TYPE_NAME_POINTER_TYPE(_contexttype)              WDF_POINTER_TYPE_##_contexttype

#define WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype)                          \
    (_attributes)->ContextTypeInfo = WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType

/* Two statements, as in KMDF: the caller writes the final ';'. */
#define WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(_attributes, _contexttype)                         \
    WDF_OBJECT_ATTRIBUTES_INIT(_attributes);                                                       \
    WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype)

_IRQL_requires_max_(DISPATCH_LEVEL + 1) PVOID
    WdfObjectGetTypedContextWorker(_In_ WDFOBJECT Handle,
                                   _In_ PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo);

#define WDF_DECLARE_TYPE_AND_GLOBALS(_contexttype, _UniqueType, _GetUniqueType, _section)          \
    typedef _contexttype *WDF_TYPE_NAME_POINTER_TYPE(_contexttype);                                \
    const WDF_OBJECT_CONTEXT_TYPE_INFO WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype)                    \
        __attribute__((weak)) = {                                                                  \
            sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO),                                                  \
            #_contexttype,                                                                         \
            sizeof(_contexttype),                                                                  \
            _UniqueType,                                                                           \
            _GetUniqueType,                                                                        \
    };

#define WDF_DECLARE_CASTING_FUNCTION(_contexttype, _castingfunction)                               \
    DMAEMU_SHIM_INLINE WDF_TYPE_NAME_POINTER_TYPE(_contexttype)                                    \
        _castingfunction(_In_ WDFOBJECT Handle)                                                    \
    {                                                                                              \
        return (WDF_TYPE_NAME_POINTER_TYPE(_contexttype))WdfObjectGetTypedContextWorker(           \
            Handle, WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType);                          \
    }

#define WDF_TYPE_DEFAULT_SECTION_NAME ".data"
#define WDF_TYPE_INIT_SECTION_NAME    ".kmdftypeinit$b"

#define WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, _castingfunction)                         \
    WDF_DECLARE_TYPE_AND_GLOBALS(_contexttype, WDF_GET_CONTEXT_TYPE_INFO(_contexttype), NULL,      \
                                 WDF_TYPE_DEFAULT_SECTION_NAME)                                    \
    WDF_DECLARE_CASTING_FUNCTION(_contexttype, _castingfunction)

#define WDF_DECLARE_CONTEXT_TYPE(_contexttype)                                                     \
    WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, WdfObjectGet_##_contexttype)

/* A context type whose unique identity comes from another component (a class extension). */
#define WDF_DECLARE_SHARED_CONTEXT_TYPE_WITH_NAME(_contexttype, _castingfunction)                  \
    WDF_DECLARE_TYPE_AND_GLOBALS(_contexttype, NULL,                                               \
                                 WDF_TYPE_NAME_TO_EXTERNAL_INIT_FUNCTION(_contexttype),            \
                                 WDF_TYPE_INIT_SECTION_NAME)                                       \
    WDF_DECLARE_CASTING_FUNCTION(_contexttype, _castingfunction)

/* pContext = WdfObjectGetTypedContext(device, DEVICE_CONTEXT); */
#define WdfObjectGetTypedContext(handle, type)                                                     \
    ((type *)WdfObjectGetTypedContextWorker((WDFOBJECT)(handle),                                   \
                                            WDF_GET_CONTEXT_TYPE_INFO(type)->UniqueType))

_Must_inspect_result_ _IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS
WdfObjectAllocateContext(_In_ WDFOBJECT Handle, _In_ PWDF_OBJECT_ATTRIBUTES ContextAttributes,
                         _Outptr_opt_ PVOID *Context);

#define WdfObjectAllocateContext(Handle, ContextAttributes, Context)                               \
    WdfObjectAllocateContext((Handle), (ContextAttributes), (PVOID *)(Context))

_IRQL_requires_max_(DISPATCH_LEVEL + 1) WDFOBJECT
    WdfObjectContextGetObject(_In_ PVOID ContextPointer);

VOID WdfObjectReferenceActual(_In_ WDFOBJECT Handle, _In_opt_ PVOID Tag, _In_ LONG Line,
                              _In_z_ PCCH File);
VOID WdfObjectDereferenceActual(_In_ WDFOBJECT Handle, _In_opt_ PVOID Tag, _In_ LONG Line,
                                _In_z_ PCCH File);

_Must_inspect_result_ NTSTATUS WdfObjectCreate(_In_opt_ PWDF_OBJECT_ATTRIBUTES Attributes,
                                               _Out_ WDFOBJECT *Object);

VOID WdfObjectDelete(_In_ WDFOBJECT Object);

_Must_inspect_result_ NTSTATUS WdfObjectQuery(_In_ WDFOBJECT Object, _In_ CONST GUID *Guid,
                                              _In_ ULONG QueryBufferLength,
                                              _Out_writes_bytes_(QueryBufferLength)
                                                  PVOID QueryBuffer);

#define WdfObjectReference(Handle) WdfObjectReferenceWithTag(Handle, NULL)
#define WdfObjectReferenceWithTag(Handle, Tag)                                                     \
    WdfObjectReferenceActual(Handle, Tag, __LINE__, __FILE__)
#define WdfObjectDereference(Handle) WdfObjectDereferenceWithTag(Handle, NULL)
#define WdfObjectDereferenceWithTag(Handle, Tag)                                                   \
    WdfObjectDereferenceActual(Handle, Tag, __LINE__, __FILE__)

/* Custom types: a context holding one ULONG_PTR, attached with WdfObjectAddCustomType. */
typedef struct _WDF_CUSTOM_TYPE_CONTEXT {
    ULONG Size;
    ULONG_PTR Data;
} WDF_CUSTOM_TYPE_CONTEXT, *PWDF_CUSTOM_TYPE_CONTEXT;

#define WDF_CUSTOM_TYPE_CONTEXT_NAME(_type)      WdfCustomType_##_type
#define WDF_GET_CUSTOM_TYPE_FUNCTION_NAME(_type) WdfObjectGetCustomType_##_type
#define WDF_ADD_CUSTOM_TYPE_FUNCTION_NAME(_type) WdfObjectAddCustomType_##_type

#define WDF_DECLARE_CUSTOM_TYPE(_type)                                                             \
    typedef WDF_CUSTOM_TYPE_CONTEXT WDF_CUSTOM_TYPE_CONTEXT_NAME(_type);                           \
    WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(WDF_CUSTOM_TYPE_CONTEXT_NAME(_type),                        \
                                       WDF_GET_CUSTOM_TYPE_FUNCTION_NAME(_type))                   \
    DMAEMU_SHIM_INLINE NTSTATUS WDF_ADD_CUSTOM_TYPE_FUNCTION_NAME(_type)(                          \
        _In_ WDFOBJECT Handle, _In_opt_ ULONG_PTR Data,                                            \
        _In_opt_ PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback,                                \
        _In_opt_ PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback)                                \
    {                                                                                              \
        NTSTATUS status;                                                                           \
        WDF_OBJECT_ATTRIBUTES attributes;                                                          \
        WDF_CUSTOM_TYPE_CONTEXT_NAME(_type) * typeInfo;                                            \
        WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, WDF_CUSTOM_TYPE_CONTEXT_NAME(_type)); \
        attributes.EvtCleanupCallback = EvtCleanupCallback;                                        \
        attributes.EvtDestroyCallback = EvtDestroyCallback;                                        \
        status = WdfObjectAllocateContext(Handle, &attributes, (PVOID *)&typeInfo);                \
        if (NT_SUCCESS(status)) {                                                                  \
            typeInfo->Size = sizeof(WDF_CUSTOM_TYPE_CONTEXT_NAME(_type));                          \
            typeInfo->Data = Data;                                                                 \
        }                                                                                          \
        return status;                                                                             \
    }

#define WdfObjectIsCustomType(_handle, _type)                                                      \
    (WdfObjectGetTypedContext(_handle, WDF_CUSTOM_TYPE_CONTEXT_NAME(_type)) == NULL ? FALSE : TRUE)
#define WdfObjectAddCustomTypeWithData(_handle, _type, _data, _cleanup, _destroy)                  \
    WDF_ADD_CUSTOM_TYPE_FUNCTION_NAME(_type)(_handle, _data, _cleanup, _destroy)
#define WdfObjectAddCustomType(_handle, _type)                                                     \
    WdfObjectAddCustomTypeWithData(_handle, _type, 0, NULL, NULL)
#define WdfObjectGetCustomTypeData(_handle, _type)                                                 \
    (WDF_GET_CUSTOM_TYPE_FUNCTION_NAME(_type)(_handle)->Data)

WDF_EXTERN_C_END

#endif /* _WDFOBJECT_H_ */
