/* Capsules: HPyCapsule_New and the keyed accessors HPyCapsule_Get /
 * HPyCapsule_Set behind HPyCapsule_{Get,Set}{Pointer,Name,Context} and
 * HPyCapsule_SetDestructor.
 *
 * An HPy capsule is an ordinary CPython capsule. Its CPython destructor is
 * the `cpy_trampoline` of the HPyCapsule_Destructor: in the cpython ABI it
 * calls the implementation directly; in the universal ABI it goes through
 * ctx_CallRealFunctionFromTrampoline (HPyFunc_CAPSULE_DESTRUCTOR), which
 * reads name, pointer and context back from the capsule.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

/* The CPython destructor for an HPyCapsule_Destructor* (NULL for none);
 * returns -1 with ValueError if the struct is incomplete. */
static int cpy_destructor(HPyCapsule_Destructor *d, PyCapsule_Destructor *out, const char *func)
{
    if (d == NULL) {
        *out = NULL;
        return 0;
    }
    if (d->cpy_trampoline == NULL || d->impl == NULL) {
        PyErr_Format(PyExc_ValueError,
                     "%s: invalid HPyCapsule_Destructor (define it with HPyCapsule_DESTRUCTOR)",
                     func);
        return -1;
    }
    *out = (PyCapsule_Destructor)d->cpy_trampoline;
    return 0;
}

HPy ctx_Capsule_New(HPyContext *ctx, void *pointer, const char *utf8_name,
                    HPyCapsule_Destructor *destructor)
{
    PyCapsule_Destructor d;
    (void)ctx;
    if (cpy_destructor(destructor, &d, "HPyCapsule_New") < 0)
        return HPy_NULL;
    /* PyCapsule_New raises ValueError for a NULL pointer. */
    return _py2h(PyCapsule_New(pointer, utf8_name, d));
}

void *ctx_Capsule_Get(HPyContext *ctx, HPy capsule, _HPyCapsule_key key, const char *utf8_name)
{
    PyObject *c = _h2py(capsule);
    (void)ctx;
    switch (key) {
    case HPyCapsule_key_Pointer: return PyCapsule_GetPointer(c, utf8_name);
    case HPyCapsule_key_Name: return (void *)PyCapsule_GetName(c);
    case HPyCapsule_key_Context: return PyCapsule_GetContext(c);
    case HPyCapsule_key_Destructor:
        PyErr_SetString(PyExc_ValueError,
                        "HPyCapsule_Get: the destructor of a capsule cannot be read");
        return NULL;
    }
    PyErr_Format(PyExc_SystemError, "HPyCapsule_Get: invalid key %d", (int)key);
    return NULL;
}

int ctx_Capsule_Set(HPyContext *ctx, HPy capsule, _HPyCapsule_key key, void *value)
{
    PyObject *c = _h2py(capsule);
    PyCapsule_Destructor d;
    (void)ctx;
    switch (key) {
    case HPyCapsule_key_Pointer: return PyCapsule_SetPointer(c, value);
    case HPyCapsule_key_Name: return PyCapsule_SetName(c, (const char *)value);
    case HPyCapsule_key_Context: return PyCapsule_SetContext(c, value);
    case HPyCapsule_key_Destructor:
        if (cpy_destructor((HPyCapsule_Destructor *)value, &d, "HPyCapsule_Set") < 0)
            return -1;
        return PyCapsule_SetDestructor(c, d);
    }
    PyErr_Format(PyExc_SystemError, "HPyCapsule_Set: invalid key %d", (int)key);
    return -1;
}
