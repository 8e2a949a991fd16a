/* cpython-ABI trampolines of the signatures marshalled by hand (the
 * `marshalling` of api/signatures.ts); the others are generated in
 * autogen_trampolines.h. */
#ifndef HPY_CPYTHON_HPYFUNC_TRAMPOLINES_H
#define HPY_CPYTHON_HPYFUNC_TRAMPOLINES_H

#include "hpy/runtime/buffer.h"

/* The C struct of an instance of an HPy type, and calling a traverse
 * implementation the way CPython's tp_traverse would (runtime/ctx_type.c). */
_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj);
_HPy_HIDDEN int _HPy_CallTraverse(HPyFunc_traverseproc impl, PyObject *self, visitproc visit,
                                  void *arg);

#define _HPyFunc_TRAMPOLINE_HPyFunc_GETBUFFERPROC(SYM, IMPL)         \
    static int SYM(PyObject *self, Py_buffer *view, int flags)       \
    {                                                                \
        HPy_buffer hbuf;                                             \
        int res = IMPL(_HPyGetContext(), _py2h(self), &hbuf, flags); \
        if (res < 0) {                                               \
            view->obj = NULL;                                        \
            return res;                                              \
        }                                                            \
        _HPy_buffer_to_Py_buffer(&hbuf, view);                       \
        return res;                                                  \
    }

#define _HPyFunc_TRAMPOLINE_HPyFunc_RELEASEBUFFERPROC(SYM, IMPL) \
    static void SYM(PyObject *self, Py_buffer *view)             \
    {                                                            \
        HPy_buffer hbuf;                                         \
        _HPy_buffer_from_Py_buffer(&hbuf, view);                 \
        IMPL(_HPyGetContext(), _py2h(self), &hbuf);              \
    }

/* Types call traverse and destroy implementations directly (they take the
 * object's struct and no context). The traverse trampoline also serves the
 * tp_dealloc of GC types (runtime/ctx_type_gc.c): asked with
 * _HPy_CLEAR_FIELDS, it clears the fields of the struct `arg` through the
 * implementation with the clearing visitor known here, so that the compiler
 * can inline both. Asked with _HPy_CLEAR_FIELDS and no object, it hands
 * out in `*arg` a whole tp_dealloc with the implementation inlined, which
 * HPyType_FromSpec installs in the GC types on top of `object` that need
 * nothing else (the struct at _HPY_ALLOC_FIXED_OFFSET, no destroy, no weak
 * references, no dict): the dealloc of C API code, field clearing
 * included. An instance of a subclass, or of a type given a finalizer
 * later, goes to the general dealloc. */
#define _HPyFunc_TRAMPOLINE_HPyFunc_TRAVERSEPROC(SYM, IMPL)                             \
    static void SYM##_dealloc(PyObject *self)                                           \
    {                                                                                   \
        PyTypeObject *tp = Py_TYPE(self);                                               \
        if (tp->tp_dealloc != SYM##_dealloc || tp->tp_finalize != NULL) {               \
            _HPyType_Dealloc(self);                                                     \
            return;                                                                     \
        }                                                                               \
        PyObject_GC_UnTrack(self);                                                      \
        (void)IMPL((char *)self + _HPY_ALLOC_FIXED_OFFSET, _HPy_ClearFieldVisit, NULL); \
        tp->tp_free(self);                                                              \
        Py_DECREF(tp);                                                                  \
    }                                                                                   \
    static int SYM(PyObject *self, visitproc visit, void *arg)                          \
    {                                                                                   \
        if (visit == _HPy_CLEAR_FIELDS) {                                               \
            if (self == NULL) {                                                         \
                *(destructor *)arg = SYM##_dealloc;                                     \
                return 0;                                                               \
            }                                                                           \
            return IMPL(arg, _HPy_ClearFieldVisit, NULL);                               \
        }                                                                               \
        return _HPy_CallTraverse(IMPL, self, visit, arg);                               \
    }

#define _HPyFunc_TRAMPOLINE_HPyFunc_DESTROYFUNC(SYM, IMPL) \
    static void SYM(void)                                  \
    {                                                      \
        abort();                                           \
    }

#define _HPyFunc_TRAMPOLINE_HPyFunc_CAPSULE_DESTRUCTOR(SYM, IMPL)                       \
    static void SYM(PyObject *capsule)                                                  \
    {                                                                                   \
        const char *name = PyCapsule_GetName(capsule);                                  \
        IMPL(name, PyCapsule_GetPointer(capsule, name), PyCapsule_GetContext(capsule)); \
    }

/* A module-create slot must not return a real module object: HPy cannot
 * yet attach its definitions to one. */
#define _HPyFunc_TRAMPOLINE_HPyFunc_MOD_CREATE(SYM, IMPL)                            \
    static PyObject *SYM(PyObject *spec, PyModuleDef *def)                           \
    {                                                                                \
        PyObject *res;                                                               \
        (void)def;                                                                   \
        res = _h2py(IMPL(_HPyGetContext(), _py2h(spec)));                            \
        if (res != NULL && PyModule_Check(res)) {                                    \
            Py_DECREF(res);                                                          \
            PyErr_SetString(PyExc_SystemError,                                       \
                            "HPy_mod_create slot returned a builtin module object. " \
                            "This is currently not supported.");                     \
            return NULL;                                                             \
        }                                                                            \
        return res;                                                                  \
    }

#endif /* HPY_CPYTHON_HPYFUNC_TRAMPOLINES_H */
