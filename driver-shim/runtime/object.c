/*
 * object.c: the framework object tree: contexts, parents, and KMDF's deletion order
 * (cleanup callbacks children first, then destroy callbacks, then memory).
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define SHIM_OBJECT_MAGIC 0x57444630u /* "WDF0" */

static const char *const type_names[] = {
    [SHIM_DRIVER] = "WDFDRIVER",
    [SHIM_DEVICE] = "WDFDEVICE",
    [SHIM_QUEUE] = "WDFQUEUE",
    [SHIM_REQUEST] = "WDFREQUEST",
    [SHIM_DMA_ENABLER] = "WDFDMAENABLER",
    [SHIM_COMMON_BUFFER] = "WDFCOMMONBUFFER",
    [SHIM_TRANSACTION] = "WDFDMATRANSACTION",
    [SHIM_INTERRUPT] = "WDFINTERRUPT",
    [SHIM_SPINLOCK] = "WDFSPINLOCK",
    [SHIM_WAITLOCK] = "WDFWAITLOCK",
    [SHIM_RESOURCE_LIST] = "WDFCMRESLIST",
};

static void shim_object_link(struct shim_object *o, struct shim_object *parent)
{
    o->parent = parent;
    if (parent != NULL) {
        o->sibling = parent->children;
        parent->children = o;
    }
}

static void shim_object_unlink(struct shim_object *o)
{
    if (o->parent == NULL)
        return;
    for (struct shim_object **pp = &o->parent->children; *pp != NULL; pp = &(*pp)->sibling) {
        if (*pp == o) {
            *pp = o->sibling;
            break;
        }
    }
    o->parent = NULL;
}

NTSTATUS shim_object_init(struct shim_object *o, enum shim_type type,
                          const WDF_OBJECT_ATTRIBUTES *attributes, struct shim_object *parent,
                          void (*teardown)(struct shim_object *))
{
    o->magic = SHIM_OBJECT_MAGIC;
    o->type = type;
    o->teardown = teardown;
    o->sync_scope = WdfSynchronizationScopeInheritFromParent;
    if (attributes != WDF_NO_OBJECT_ATTRIBUTES) {
        o->cleanup = attributes->EvtCleanupCallback;
        o->destroy = attributes->EvtDestroyCallback;
        o->sync_scope = attributes->SynchronizationScope;
        if (attributes->ParentObject != NULL)
            parent = (struct shim_object *)attributes->ParentObject;
        o->context_type = attributes->ContextTypeInfo;
        if (o->context_type != NULL) {
            size_t size = attributes->ContextSizeOverride ? attributes->ContextSizeOverride
                                                          : o->context_type->ContextSize;
            o->context = calloc(1, size ? size : 1);
            if (o->context == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    shim_object_link(o, parent);
    return STATUS_SUCCESS;
}

static void shim_object_cleanup(struct shim_object *o)
{
    for (struct shim_object *c = o->children; c != NULL; c = c->sibling)
        shim_object_cleanup(c);
    if (o->cleanup != NULL)
        SHIM_CALL("EvtCleanupCallback", o->cleanup((WDFOBJECT)o));
}

static void shim_object_free(struct shim_object *o)
{
    while (o->children != NULL) {
        struct shim_object *c = o->children;
        o->children = c->sibling;
        c->parent = NULL;
        shim_object_free(c);
    }
    if (o->destroy != NULL)
        SHIM_CALL("EvtDestroyCallback", o->destroy((WDFOBJECT)o));
    free(o->context);
    o->magic = 0;
    if (o->teardown != NULL)
        o->teardown(o); /* frees the typed object */
    else
        free(o);
}

void shim_object_delete(struct shim_object *o)
{
    if (o == NULL || o->deleting)
        return;
    o->deleting = true;
    shim_object_cleanup(o);
    shim_object_unlink(o);
    shim_object_free(o);
}

struct shim_object *shim_object_check(const void *handle, enum shim_type type, const char *api)
{
    struct shim_object *o = (struct shim_object *)handle;
    if (o == NULL || o->magic != SHIM_OBJECT_MAGIC || (type != 0 && o->type != type)) {
        shim_verifier(BUGCHECK_WDF_VIOLATION, WDF_VIOLATION_BAD_HANDLE, (uint64_t)(uintptr_t)handle,
                      0, "%s: handle %p is not a valid %s", api, handle,
                      type ? type_names[type] : "framework object");
        return NULL;
    }
    return o;
}

/* The KMDF API ------------------------------------------------------------------------------ */

void WdfObjectDelete(WDFOBJECT Object)
{
    struct shim_object *o = shim_object_check(Object, 0, "WdfObjectDelete");
    if (o != NULL)
        shim_object_delete(o);
}

PVOID WdfObjectGetTypedContextWorker(WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo)
{
    struct shim_object *o = shim_object_check(Handle, 0, "WdfObjectGetTypedContext");
    if (o == NULL || o->context_type == NULL || TypeInfo == NULL)
        return NULL;
    /* Types compare by their unique instance, so a context declared in every translation
     * unit (a weak symbol) still matches. */
    if (o->context_type->UniqueType != TypeInfo->UniqueType && o->context_type != TypeInfo)
        return NULL;
    return o->context;
}

/* Objects live until WdfObjectDelete (or their parent's deletion): references only check the
 * handle, as KMDF's verifier would. */
VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCCH File)
{
    shim_object_check(Handle, 0, "WdfObjectReference");
}

VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, PCCH File)
{
    shim_object_check(Handle, 0, "WdfObjectDereference");
}
