/* The part of CPython's stable ABI that the HPy WebAssembly host uses, for
 * wasm32 (Pyodide). Declared by hand: Pyodide ships no headers, and the host
 * must not depend on one Pyodide release, so only limited-API functions and
 * the struct layouts the stable ABI fixes (PyObject, PyVarObject and the
 * *Def / PyType_Spec structs) appear here. Every function declared here is
 * resolved against Pyodide's exports when the host loads; the TypeScript side
 * checks them all first and names any that is missing. */
#ifndef HPY_WASM_PYTHON_H
#define HPY_WASM_PYTHON_H

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PY_VERSION_HEX 0x030D0000 /* the oldest CPython the host supports (Pyodide 0.29) */
#define PY_BIG_ENDIAN 0           /* wasm32 is little-endian */
#define Py_LIMITED_API PY_VERSION_HEX

typedef long Py_ssize_t;
typedef Py_ssize_t Py_hash_t;
#define PY_SSIZE_T_MAX LONG_MAX
#define PY_SSIZE_T_MIN LONG_MIN

typedef struct _typeobject PyTypeObject;
typedef struct _object {
    Py_ssize_t ob_refcnt;
    PyTypeObject *ob_type;
} PyObject;
typedef struct {
    PyObject ob_base;
    Py_ssize_t ob_size;
} PyVarObject;

/* PyTypeObject is opaque to the limited API; its first four fields have kept
 * their place in every CPython 3, and the host only reads them (a type's
 * name for messages, its instance sizes for the builtin shapes). */
struct _typeobject {
    PyVarObject ob_base;
    const char *tp_name;
    Py_ssize_t tp_basicsize;
    Py_ssize_t tp_itemsize;
    /* the rest is not the host's business */
};
typedef struct _ts PyThreadState;

#define PyObject_HEAD PyObject ob_base;
#define Py_TYPE(o) (((PyObject *)(o))->ob_type)
#define Py_REFCNT(o) (((PyObject *)(o))->ob_refcnt)
#define Py_SIZE(o) (((PyVarObject *)(o))->ob_size)

void Py_IncRef(PyObject *o);
void Py_DecRef(PyObject *o);
#ifdef HPY_WASM_HOST
/* Inside the host, the hot paths skip calls into CPython where a layout
 * allows (the host is one module with CPython, as the CPython host is).
 * _HPyWasm_fast says which of them are on: the host turns them on at
 * start-up (ctx_type_wasm_data.c) once it has checked what they assume
 * against CPython's own functions; until then, or if a check fails,
 * every path calls CPython. */
#    define _HPyWasm_FAST_REFCNT 0x01u    /* reference counts changed in place */
#    define _HPyWasm_FAST_TYPE 0x02u      /* type fields read in place (see below) */
#    define _HPyWasm_FAST_LONG 0x04u      /* the value of a one-digit int */
#    define _HPyWasm_FAST_TUPLE 0x08u     /* a tuple's items (_HPyWasm_tuple_items) */
#    define _HPyWasm_FAST_LIST 0x10u      /* a list's item array */
#    define _HPyWasm_FAST_STR 0x20u       /* the characters of a compact ASCII str */
#    define _HPyWasm_FAST_SMALL_INT 0x40u /* the small ints, without a call */
extern unsigned int _HPyWasm_fast;
/* A count from which CPython leaves an object alone: immortal objects
 * have exactly this count in CPython 3.13's 32-bit builds and at least
 * 0x40000000 in 3.14's; no mortal object gets near it. */
#    define _HPyWasm_IMMORTAL_MIN ((Py_ssize_t)0x3fffffff)
/* A mortal object's count moves by one in place and an immortal one's
 * stays (as CPython does); the last reference and NULL go to CPython. */
static inline void _HPyWasm_IncRef(PyObject *o)
{
    if (o != NULL && (_HPyWasm_fast & _HPyWasm_FAST_REFCNT)) {
        if (o->ob_refcnt < _HPyWasm_IMMORTAL_MIN)
            o->ob_refcnt++;
        return;
    }
    Py_IncRef(o);
}
static inline void _HPyWasm_DecRef(PyObject *o)
{
    if (o != NULL && (_HPyWasm_fast & _HPyWasm_FAST_REFCNT) && o->ob_refcnt > 1) {
        if (o->ob_refcnt < _HPyWasm_IMMORTAL_MIN)
            o->ob_refcnt--;
        return;
    }
    Py_DecRef(o);
}
#    define _HPY_WASM_INCREF(o) _HPyWasm_IncRef((PyObject *)(o))
#    define _HPY_WASM_DECREF(o) _HPyWasm_DecRef((PyObject *)(o))
#else
#    define _HPY_WASM_INCREF(o) Py_IncRef((PyObject *)(o))
#    define _HPY_WASM_DECREF(o) Py_DecRef((PyObject *)(o))
#endif
#define Py_INCREF(o) _HPY_WASM_INCREF(o)
#define Py_DECREF(o) _HPY_WASM_DECREF(o)
#define Py_XINCREF(o) _HPY_WASM_INCREF(o)
#define Py_XDECREF(o) _HPY_WASM_DECREF(o)
#define Py_CLEAR(o)                       \
    do {                                  \
        PyObject *_tmp = (PyObject *)(o); \
        (o) = NULL;                       \
        _HPY_WASM_DECREF(_tmp);           \
    } while (0)
static inline PyObject *Py_NewRef(PyObject *o)
{
    _HPY_WASM_INCREF(o);
    return o;
}
static inline PyObject *Py_XNewRef(PyObject *o)
{
    _HPY_WASM_INCREF(o);
    return o;
}

extern PyObject _Py_NoneStruct, _Py_NotImplementedStruct, _Py_EllipsisObject;
extern PyObject _Py_TrueStruct, _Py_FalseStruct;
#define Py_None (&_Py_NoneStruct)
#define Py_NotImplemented (&_Py_NotImplementedStruct)
#define Py_Ellipsis (&_Py_EllipsisObject)
#define Py_True (&_Py_TrueStruct)
#define Py_False (&_Py_FalseStruct)
#define Py_RETURN_NONE return Py_NewRef(Py_None)
#define Py_RETURN_NOTIMPLEMENTED return Py_NewRef(Py_NotImplemented)

/* Types */
typedef PyObject *(*unaryfunc)(PyObject *);
typedef PyObject *(*binaryfunc)(PyObject *, PyObject *);
typedef PyObject *(*ternaryfunc)(PyObject *, PyObject *, PyObject *);
typedef int (*visitproc)(PyObject *, void *);
typedef int (*traverseproc)(PyObject *, visitproc, void *);
typedef int (*inquiry)(PyObject *);
typedef void (*destructor)(PyObject *);
typedef void (*freefunc)(void *);
typedef PyObject *(*newfunc)(PyTypeObject *, PyObject *, PyObject *);
typedef PyObject *(*allocfunc)(PyTypeObject *, Py_ssize_t);
typedef PyObject *(*getter)(PyObject *, void *);
typedef int (*setter)(PyObject *, PyObject *, void *);
typedef PyObject *(*PyCFunction)(PyObject *, PyObject *);
typedef PyObject *(*vectorcallfunc)(PyObject *, PyObject *const *, size_t, PyObject *);

typedef struct {
    int slot;
    void *pfunc;
} PyType_Slot;
typedef struct {
    const char *name;
    int basicsize;
    int itemsize;
    unsigned int flags;
    PyType_Slot *slots;
} PyType_Spec;

typedef struct PyMethodDef {
    const char *ml_name;
    PyCFunction ml_meth;
    int ml_flags;
    const char *ml_doc;
} PyMethodDef;
typedef struct PyMemberDef {
    const char *name;
    int type;
    Py_ssize_t offset;
    int flags;
    const char *doc;
} PyMemberDef;
typedef struct PyGetSetDef {
    const char *name;
    getter get;
    setter set;
    const char *doc;
    void *closure;
} PyGetSetDef;

typedef struct PyModuleDef_Base {
    PyObject ob_base;
    PyObject *(*m_init)(void);
    Py_ssize_t m_index;
    PyObject *m_copy;
} PyModuleDef_Base;
typedef struct PyModuleDef_Slot {
    int slot;
    void *value;
} PyModuleDef_Slot;
typedef struct PyModuleDef {
    PyModuleDef_Base m_base;
    const char *m_name;
    const char *m_doc;
    Py_ssize_t m_size;
    PyMethodDef *m_methods;
    PyModuleDef_Slot *m_slots;
    traverseproc m_traverse;
    inquiry m_clear;
    freefunc m_free;
} PyModuleDef;

typedef struct {
    void *buf;
    PyObject *obj;
    Py_ssize_t len;
    Py_ssize_t itemsize;
    int readonly;
    int ndim;
    char *format;
    Py_ssize_t *shape;
    Py_ssize_t *strides;
    Py_ssize_t *suboffsets;
    void *internal;
} Py_buffer;

#define METH_VARARGS 0x0001
#define METH_KEYWORDS 0x0002
#define METH_NOARGS 0x0004
#define METH_O 0x0008
#define METH_CLASS 0x0010
#define METH_STATIC 0x0020
#define METH_FASTCALL 0x0080

#define Py_TPFLAGS_HEAPTYPE (1UL << 9)
#define Py_TPFLAGS_BASETYPE (1UL << 10)
#define Py_TPFLAGS_HAVE_VECTORCALL (1UL << 11)
#define Py_TPFLAGS_HAVE_GC (1UL << 14)
#define Py_TPFLAGS_LONG_SUBCLASS (1UL << 24)
#define Py_TPFLAGS_LIST_SUBCLASS (1UL << 25)
#define Py_TPFLAGS_TUPLE_SUBCLASS (1UL << 26)
#define Py_TPFLAGS_BYTES_SUBCLASS (1UL << 27)
#define Py_TPFLAGS_UNICODE_SUBCLASS (1UL << 28)
#define Py_TPFLAGS_DICT_SUBCLASS (1UL << 29)
#define Py_TPFLAGS_BASE_EXC_SUBCLASS (1UL << 30)
#define Py_TPFLAGS_TYPE_SUBCLASS (1UL << 31)
#define Py_TPFLAGS_DEFAULT 0

#define Py_LT 0
#define Py_LE 1
#define Py_EQ 2
#define Py_NE 3
#define Py_GT 4
#define Py_GE 5

#define Py_single_input 256
#define Py_file_input 257
#define Py_eval_input 258

/* Type slot ids (typeslots.h, stable). */
#define Py_bf_getbuffer 1
#define Py_bf_releasebuffer 2
#define Py_mp_ass_subscript 3
#define Py_mp_length 4
#define Py_mp_subscript 5
#define Py_nb_absolute 6
#define Py_nb_add 7
#define Py_nb_and 8
#define Py_nb_bool 9
#define Py_nb_divmod 10
#define Py_nb_float 11
#define Py_nb_floor_divide 12
#define Py_nb_index 13
#define Py_nb_inplace_add 14
#define Py_nb_inplace_and 15
#define Py_nb_inplace_floor_divide 16
#define Py_nb_inplace_lshift 17
#define Py_nb_inplace_multiply 18
#define Py_nb_inplace_or 19
#define Py_nb_inplace_power 20
#define Py_nb_inplace_remainder 21
#define Py_nb_inplace_rshift 22
#define Py_nb_inplace_subtract 23
#define Py_nb_inplace_true_divide 24
#define Py_nb_inplace_xor 25
#define Py_nb_int 26
#define Py_nb_invert 27
#define Py_nb_lshift 28
#define Py_nb_multiply 29
#define Py_nb_negative 30
#define Py_nb_or 31
#define Py_nb_positive 32
#define Py_nb_power 33
#define Py_nb_remainder 34
#define Py_nb_rshift 35
#define Py_nb_subtract 36
#define Py_nb_true_divide 37
#define Py_nb_xor 38
#define Py_sq_ass_item 39
#define Py_sq_concat 40
#define Py_sq_contains 41
#define Py_sq_inplace_concat 42
#define Py_sq_inplace_repeat 43
#define Py_sq_item 44
#define Py_sq_length 45
#define Py_sq_repeat 46
#define Py_tp_alloc 47
#define Py_tp_base 48
#define Py_tp_bases 49
#define Py_tp_call 50
#define Py_tp_clear 51
#define Py_tp_dealloc 52
#define Py_tp_del 53
#define Py_tp_descr_get 54
#define Py_tp_descr_set 55
#define Py_tp_doc 56
#define Py_tp_getattr 57
#define Py_tp_getattro 58
#define Py_tp_hash 59
#define Py_tp_init 60
#define Py_tp_is_gc 61
#define Py_tp_iter 62
#define Py_tp_iternext 63
#define Py_tp_methods 64
#define Py_tp_new 65
#define Py_tp_repr 66
#define Py_tp_richcompare 67
#define Py_tp_setattr 68
#define Py_tp_setattro 69
#define Py_tp_str 70
#define Py_tp_traverse 71
#define Py_tp_members 72
#define Py_tp_getset 73
#define Py_tp_free 74
#define Py_nb_matrix_multiply 75
#define Py_nb_inplace_matrix_multiply 76
#define Py_am_await 77
#define Py_am_aiter 78
#define Py_am_anext 79
#define Py_tp_finalize 80
#define Py_am_send 81

#define Py_mod_create 1
#define Py_mod_exec 2

unsigned long PyType_GetFlags(PyTypeObject *type);
void *PyType_GetSlot(PyTypeObject *type, int slot);
PyObject *PyType_FromSpec(PyType_Spec *spec);
PyObject *PyType_FromSpecWithBases(PyType_Spec *spec, PyObject *bases);
PyObject *PyType_GenericAlloc(PyTypeObject *type, Py_ssize_t nitems);
PyObject *PyType_GenericNew(PyTypeObject *type, PyObject *args, PyObject *kwds);
int PyType_IsSubtype(PyTypeObject *a, PyTypeObject *b);
int PyType_Ready(PyTypeObject *type);
PyObject *PyType_GetName(PyTypeObject *type);
PyObject *PyType_GetQualName(PyTypeObject *type);
PyObject *PyType_FromMetaclass(PyTypeObject *meta, PyObject *module, PyType_Spec *spec,
                               PyObject *bases);
void PyObject_ClearWeakRefs(PyObject *o);
PyObject *PyMember_GetOne(const char *obj, PyMemberDef *m);
int PyMember_SetOne(char *obj, PyMemberDef *m, PyObject *v);
PyObject *PyLong_FromVoidPtr(void *p);
PyObject *PyList_AsTuple(PyObject *l);
void PyObject_GC_Del(void *op);
void PyObject_GC_UnTrack(void *op);
void PyObject_GC_Track(void *op);
int PyObject_GC_IsFinalized(PyObject *op);
void PyObject_Free(void *p);
int PyObject_IsInstance(PyObject *o, PyObject *cls);
#ifdef HPY_WASM_HOST
/* The fields of PyTypeObject up to tp_finalize, as CPython 3.13 and 3.14
 * lay them out in 32-bit builds (the limited API does not fix them).
 * Read in place only once the start-up check (ctx_type_wasm_data.c)
 * found PyType_GetSlot and PyType_GetFlags agreeing with them. */
typedef struct {
    PyVarObject ob_base;
    const char *tp_name;
    Py_ssize_t tp_basicsize, tp_itemsize;
    void *tp_dealloc;
    Py_ssize_t tp_vectorcall_offset;
    void *tp_getattr, *tp_setattr, *tp_as_async, *tp_repr, *tp_as_number, *tp_as_sequence,
        *tp_as_mapping, *tp_hash, *tp_call, *tp_str, *tp_getattro, *tp_setattro, *tp_as_buffer;
    unsigned long tp_flags;
    const char *tp_doc;
    void *tp_traverse, *tp_clear, *tp_richcompare;
    Py_ssize_t tp_weaklistoffset;
    void *tp_iter, *tp_iternext, *tp_methods, *tp_members, *tp_getset;
    PyTypeObject *tp_base;
    PyObject *tp_dict;
    void *tp_descr_get, *tp_descr_set;
    Py_ssize_t tp_dictoffset;
    void *tp_init, *tp_alloc, *tp_new, *tp_free, *tp_is_gc;
    PyObject *tp_bases, *tp_mro, *tp_cache;
    void *tp_subclasses;
    PyObject *tp_weaklist;
    void *tp_del;
    unsigned int tp_version_tag;
    void *tp_finalize;
} _HPyWasm_TypeLayout;

#    define _HPyWasm_TYPE(t) ((const _HPyWasm_TypeLayout *)(const void *)(t))

static inline unsigned long _HPyWasm_GetFlags(PyTypeObject *t)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_TYPE)
        return _HPyWasm_TYPE(t)->tp_flags;
    return PyType_GetFlags(t);
}

/* The field of `t` for `slot`, read in place: the slots the host's hot
 * paths ask for (all checked at start-up); *known = 0 for the others. */
static inline void *_HPyWasm_ReadSlot(PyTypeObject *t, int slot, int *known)
{
    const _HPyWasm_TypeLayout *l = _HPyWasm_TYPE(t);
    *known = 1;
    switch (slot) {
    case Py_tp_dealloc: return l->tp_dealloc;
    case Py_tp_traverse: return l->tp_traverse;
    case Py_tp_clear: return l->tp_clear;
    case Py_tp_methods: return l->tp_methods;
    case Py_tp_base: return l->tp_base;
    case Py_tp_alloc: return l->tp_alloc;
    case Py_tp_new: return l->tp_new;
    case Py_tp_free: return l->tp_free;
    case Py_tp_finalize: return l->tp_finalize;
    default: *known = 0; return NULL;
    }
}

static inline void *_HPyWasm_GetSlot(PyTypeObject *t, int slot)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_TYPE) {
        int known;
        void *v = _HPyWasm_ReadSlot(t, slot, &known);
        if (known)
            return v;
    }
    return PyType_GetSlot(t, slot);
}
/* (PyType_GetSlot)(...) and (PyType_GetFlags)(...) still call CPython. */
#    define PyType_GetSlot(t, s) _HPyWasm_GetSlot((t), (s))
#    define PyType_GetFlags(t) _HPyWasm_GetFlags(t)
#endif
#define PyType_HasFeature(t, f) ((PyType_GetFlags(t) & (f)) != 0)
#define PyType_FastSubclass(t, f) PyType_HasFeature(t, f)
extern PyTypeObject PyType_Type, PyBaseObject_Type, PyLong_Type, PyFloat_Type, PyUnicode_Type,
    PyTuple_Type, PyList_Type, PyDict_Type, PyBytes_Type, PyModule_Type, PyCapsule_Type,
    PyBool_Type, PyComplex_Type, PyMemoryView_Type, PySlice_Type, PyByteArray_Type, PySet_Type,
    PyFrozenSet_Type, PyCapsule_Type, PyRange_Type, PyProperty_Type, PyClassMethod_Type,
    PyStaticMethod_Type;
#define PyType_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_TYPE_SUBCLASS)
#define PyLong_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_LONG_SUBCLASS)
#define PyLong_CheckExact(o) (Py_TYPE(o) == &PyLong_Type)
#define PyBytes_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_BYTES_SUBCLASS)
#define PyUnicode_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_UNICODE_SUBCLASS)
#define PyUnicode_CheckExact(o) (Py_TYPE(o) == &PyUnicode_Type)
#define PyList_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_LIST_SUBCLASS)
#define PyList_CheckExact(o) (Py_TYPE(o) == &PyList_Type)
#define PyDict_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_DICT_SUBCLASS)
#define PyTuple_Check(o) PyType_FastSubclass(Py_TYPE(o), Py_TPFLAGS_TUPLE_SUBCLASS)
#define PyTuple_CheckExact(o) (Py_TYPE(o) == &PyTuple_Type)
#define PyFloat_Check(o) PyObject_TypeCheck(o, &PyFloat_Type)
#define PyModule_Check(o) PyObject_TypeCheck(o, &PyModule_Type)
#define PyObject_TypeCheck(o, t) (Py_TYPE(o) == (t) || PyType_IsSubtype(Py_TYPE(o), (t)))

/* Errors */
extern PyObject *PyExc_BaseException, *PyExc_Exception, *PyExc_StopAsyncIteration,
    *PyExc_StopIteration, *PyExc_GeneratorExit, *PyExc_ArithmeticError, *PyExc_LookupError,
    *PyExc_AssertionError, *PyExc_AttributeError, *PyExc_BufferError, *PyExc_EOFError,
    *PyExc_FloatingPointError, *PyExc_OSError, *PyExc_ImportError, *PyExc_ModuleNotFoundError,
    *PyExc_IndexError, *PyExc_KeyError, *PyExc_KeyboardInterrupt, *PyExc_MemoryError,
    *PyExc_NameError, *PyExc_OverflowError, *PyExc_RuntimeError, *PyExc_RecursionError,
    *PyExc_NotImplementedError, *PyExc_SyntaxError, *PyExc_IndentationError, *PyExc_TabError,
    *PyExc_ReferenceError, *PyExc_SystemError, *PyExc_SystemExit, *PyExc_TypeError,
    *PyExc_UnboundLocalError, *PyExc_UnicodeError, *PyExc_UnicodeEncodeError,
    *PyExc_UnicodeDecodeError, *PyExc_UnicodeTranslateError, *PyExc_ValueError,
    *PyExc_ZeroDivisionError, *PyExc_BlockingIOError, *PyExc_BrokenPipeError,
    *PyExc_ChildProcessError, *PyExc_ConnectionError, *PyExc_ConnectionAbortedError,
    *PyExc_ConnectionRefusedError, *PyExc_ConnectionResetError, *PyExc_FileExistsError,
    *PyExc_FileNotFoundError, *PyExc_InterruptedError, *PyExc_IsADirectoryError,
    *PyExc_NotADirectoryError, *PyExc_PermissionError, *PyExc_ProcessLookupError,
    *PyExc_TimeoutError, *PyExc_Warning, *PyExc_UserWarning, *PyExc_DeprecationWarning,
    *PyExc_PendingDeprecationWarning, *PyExc_SyntaxWarning, *PyExc_RuntimeWarning,
    *PyExc_FutureWarning, *PyExc_ImportWarning, *PyExc_UnicodeWarning, *PyExc_BytesWarning,
    *PyExc_ResourceWarning;
PyObject *PyErr_Occurred(void);
void PyErr_SetString(PyObject *type, const char *msg);
void PyErr_SetObject(PyObject *type, PyObject *value);
PyObject *PyErr_Format(PyObject *type, const char *fmt, ...);
void PyErr_Clear(void);
int PyErr_ExceptionMatches(PyObject *exc);
PyObject *PyErr_NoMemory(void);
PyObject *PyErr_NewException(const char *name, PyObject *base, PyObject *dict);
PyObject *PyErr_NewExceptionWithDoc(const char *name, const char *doc, PyObject *base,
                                    PyObject *dict);
int PyErr_WarnEx(PyObject *category, const char *msg, Py_ssize_t stacklevel);
void PyErr_WriteUnraisable(PyObject *obj);
PyObject *PyErr_SetFromErrnoWithFilename(PyObject *type, const char *filename);
PyObject *PyErr_SetFromErrnoWithFilenameObjects(PyObject *type, PyObject *f1, PyObject *f2);
PyObject *PyErr_GetRaisedException(void);
void PyErr_SetRaisedException(PyObject *exc);
void PyErr_Fetch(PyObject **type, PyObject **value, PyObject **tb);
void PyErr_Restore(PyObject *type, PyObject *value, PyObject *tb);
void PyErr_NormalizeException(PyObject **type, PyObject **value, PyObject **tb);
int PyErr_GivenExceptionMatches(PyObject *given, PyObject *exc);
int PyException_SetTraceback(PyObject *exc, PyObject *tb);
void PyException_SetContext(PyObject *exc, PyObject *ctx);
void Py_FatalError(const char *msg) __attribute__((noreturn));

/* Numbers */
PyObject *PyLong_FromLong(long v);
PyObject *PyLong_FromUnsignedLong(unsigned long v);
PyObject *PyLong_FromLongLong(long long v);
PyObject *PyLong_FromUnsignedLongLong(unsigned long long v);
PyObject *PyLong_FromSize_t(size_t v);
PyObject *PyLong_FromSsize_t(Py_ssize_t v);
#ifdef HPY_WASM_HOST
/* CPython's small ints (-5 to 256) are immortal objects made once: the
 * host asks CPython for each at start-up and then answers itself. */
#    define _HPyWasm_SMALL_INT_MIN (-5)
#    define _HPyWasm_SMALL_INT_MAX 256
extern PyObject *_HPyWasm_small_ints[_HPyWasm_SMALL_INT_MAX - _HPyWasm_SMALL_INT_MIN + 1];
static inline PyObject *_HPyWasm_LongFromLongLong(long long v)
{
    if (v >= _HPyWasm_SMALL_INT_MIN && v <= _HPyWasm_SMALL_INT_MAX &&
        (_HPyWasm_fast & _HPyWasm_FAST_SMALL_INT))
        return _HPyWasm_small_ints[v - _HPyWasm_SMALL_INT_MIN];
    return PyLong_FromLongLong(v);
}
static inline PyObject *_HPyWasm_LongFromUnsigned(unsigned long long v)
{
    if (v <= _HPyWasm_SMALL_INT_MAX && (_HPyWasm_fast & _HPyWasm_FAST_SMALL_INT))
        return _HPyWasm_small_ints[(int)v - _HPyWasm_SMALL_INT_MIN];
    return PyLong_FromUnsignedLongLong(v);
}
/* (PyLong_FromLong)(...) and the others still call CPython. */
#    define PyLong_FromLong(v) _HPyWasm_LongFromLongLong((long long)(long)(v))
#    define PyLong_FromLongLong(v) _HPyWasm_LongFromLongLong((long long)(v))
#    define PyLong_FromSsize_t(v) _HPyWasm_LongFromLongLong((long long)(Py_ssize_t)(v))
#    define PyLong_FromUnsignedLong(v) \
        _HPyWasm_LongFromUnsigned((unsigned long long)(unsigned long)(v))
#    define PyLong_FromUnsignedLongLong(v) _HPyWasm_LongFromUnsigned((unsigned long long)(v))
#    define PyLong_FromSize_t(v) _HPyWasm_LongFromUnsigned((unsigned long long)(size_t)(v))
#endif
long PyLong_AsLong(PyObject *o);
long long PyLong_AsLongLong(PyObject *o);
unsigned long PyLong_AsUnsignedLong(PyObject *o);
unsigned long long PyLong_AsUnsignedLongLong(PyObject *o);
unsigned long PyLong_AsUnsignedLongMask(PyObject *o);
unsigned long long PyLong_AsUnsignedLongLongMask(PyObject *o);
size_t PyLong_AsSize_t(PyObject *o);
Py_ssize_t PyLong_AsSsize_t(PyObject *o);
void *PyLong_AsVoidPtr(PyObject *o);
double PyLong_AsDouble(PyObject *o);
PyObject *PyFloat_FromDouble(double v);
double PyFloat_AsDouble(PyObject *o);
PyObject *PyBool_FromLong(long v);
int PyNumber_Check(PyObject *o);
PyObject *PyNumber_Add(PyObject *a, PyObject *b);
PyObject *PyNumber_Subtract(PyObject *a, PyObject *b);
PyObject *PyNumber_Multiply(PyObject *a, PyObject *b);
PyObject *PyNumber_MatrixMultiply(PyObject *a, PyObject *b);
PyObject *PyNumber_FloorDivide(PyObject *a, PyObject *b);
PyObject *PyNumber_TrueDivide(PyObject *a, PyObject *b);
PyObject *PyNumber_Remainder(PyObject *a, PyObject *b);
PyObject *PyNumber_Divmod(PyObject *a, PyObject *b);
PyObject *PyNumber_Power(PyObject *a, PyObject *b, PyObject *c);
PyObject *PyNumber_Negative(PyObject *a);
PyObject *PyNumber_Positive(PyObject *a);
PyObject *PyNumber_Absolute(PyObject *a);
PyObject *PyNumber_Invert(PyObject *a);
PyObject *PyNumber_Lshift(PyObject *a, PyObject *b);
PyObject *PyNumber_Rshift(PyObject *a, PyObject *b);
PyObject *PyNumber_And(PyObject *a, PyObject *b);
PyObject *PyNumber_Xor(PyObject *a, PyObject *b);
PyObject *PyNumber_Or(PyObject *a, PyObject *b);
PyObject *PyNumber_Index(PyObject *a);
PyObject *PyNumber_Long(PyObject *a);
PyObject *PyNumber_Float(PyObject *a);
PyObject *PyNumber_InPlaceAdd(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceSubtract(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceMultiply(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceMatrixMultiply(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceFloorDivide(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceTrueDivide(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceRemainder(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlacePower(PyObject *a, PyObject *b, PyObject *c);
PyObject *PyNumber_InPlaceLshift(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceRshift(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceAnd(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceXor(PyObject *a, PyObject *b);
PyObject *PyNumber_InPlaceOr(PyObject *a, PyObject *b);

/* Objects */
int PyCallable_Check(PyObject *o);
int PyObject_IsTrue(PyObject *o);
PyObject *PyObject_GetAttr(PyObject *o, PyObject *name);
PyObject *PyObject_GetAttrString(PyObject *o, const char *name);
int PyObject_HasAttr(PyObject *o, PyObject *name);
int PyObject_HasAttrString(PyObject *o, const char *name);
int PyObject_SetAttr(PyObject *o, PyObject *name, PyObject *v);
int PyObject_SetAttrString(PyObject *o, const char *name, PyObject *v);
PyObject *PyObject_GetItem(PyObject *o, PyObject *key);
int PyObject_SetItem(PyObject *o, PyObject *key, PyObject *v);
int PyObject_DelItem(PyObject *o, PyObject *key);
Py_ssize_t PyObject_Length(PyObject *o);
PyObject *PyObject_Repr(PyObject *o);
PyObject *PyObject_Str(PyObject *o);
PyObject *PyObject_ASCII(PyObject *o);
PyObject *PyObject_Bytes(PyObject *o);
PyObject *PyObject_RichCompare(PyObject *a, PyObject *b, int op);
int PyObject_RichCompareBool(PyObject *a, PyObject *b, int op);
Py_hash_t PyObject_Hash(PyObject *o);
PyObject *PyObject_GetIter(PyObject *o);
PyObject *PyIter_Next(PyObject *o);
int PyIter_Check(PyObject *o);
PyObject *PyObject_Call(PyObject *f, PyObject *args, PyObject *kw);
PyObject *PyObject_CallNoArgs(PyObject *f);
PyObject *PyObject_CallObject(PyObject *f, PyObject *args);
PyObject *PyObject_CallFunctionObjArgs(PyObject *f, ...);
PyObject *PyObject_Vectorcall(PyObject *f, PyObject *const *args, size_t nargsf, PyObject *kwnames);
PyObject *PyObject_VectorcallMethod(PyObject *name, PyObject *const *args, size_t nargsf,
                                    PyObject *kwnames);
#define PY_VECTORCALL_ARGUMENTS_OFFSET ((size_t)1 << (8 * sizeof(size_t) - 1))
#define PyVectorcall_NARGS(n) ((Py_ssize_t)((n) & ~PY_VECTORCALL_ARGUMENTS_OFFSET))
int PySequence_Contains(PyObject *o, PyObject *v);
PyObject *PySequence_GetSlice(PyObject *o, Py_ssize_t i, Py_ssize_t j);
int PySequence_SetSlice(PyObject *o, Py_ssize_t i, Py_ssize_t j, PyObject *v);
int PySequence_DelSlice(PyObject *o, Py_ssize_t i, Py_ssize_t j);
PyObject *PySequence_GetItem(PyObject *o, Py_ssize_t i);
int PySequence_SetItem(PyObject *o, Py_ssize_t i, PyObject *v);
int PySequence_DelItem(PyObject *o, Py_ssize_t i);
void *PyMem_Malloc(size_t n);
void *PyMem_Calloc(size_t n, size_t size);
void *PyMem_Realloc(void *p, size_t n);
void PyMem_Free(void *p);

/* Bytes and str */
Py_ssize_t PyBytes_Size(PyObject *o);
char *PyBytes_AsString(PyObject *o);
PyObject *PyBytes_FromString(const char *s);
PyObject *PyBytes_FromStringAndSize(const char *s, Py_ssize_t n);
#define PyBytes_GET_SIZE(o) PyBytes_Size(o)
#define PyBytes_AS_STRING(o) PyBytes_AsString(o)
PyObject *PyUnicode_FromString(const char *s);
PyObject *PyUnicode_FromStringAndSize(const char *s, Py_ssize_t n);
PyObject *PyUnicode_AsASCIIString(PyObject *o);
PyObject *PyUnicode_AsLatin1String(PyObject *o);
PyObject *PyUnicode_AsUTF8String(PyObject *o);
const char *PyUnicode_AsUTF8AndSize(PyObject *o, Py_ssize_t *size);
PyObject *PyUnicode_FromWideChar(const wchar_t *w, Py_ssize_t n);
PyObject *PyUnicode_DecodeFSDefault(const char *s);
PyObject *PyUnicode_DecodeFSDefaultAndSize(const char *s, Py_ssize_t n);
PyObject *PyUnicode_EncodeFSDefault(PyObject *o);
unsigned int PyUnicode_ReadChar(PyObject *o, Py_ssize_t i);
PyObject *PyUnicode_DecodeASCII(const char *s, Py_ssize_t n, const char *errors);
PyObject *PyUnicode_DecodeLatin1(const char *s, Py_ssize_t n, const char *errors);
PyObject *PyUnicode_FromEncodedObject(PyObject *o, const char *encoding, const char *errors);
PyObject *PyUnicode_Substring(PyObject *o, Py_ssize_t start, Py_ssize_t end);
PyObject *PyUnicode_FromFormat(const char *fmt, ...);
PyObject *PyUnicode_FromFormatV(const char *fmt, va_list ap);
PyObject *PyUnicode_InternFromString(const char *s);
Py_ssize_t PyUnicode_GetLength(PyObject *o);

/* Containers */
PyObject *PyList_New(Py_ssize_t n);
int PyList_Append(PyObject *l, PyObject *v);
int PyList_Insert(PyObject *l, Py_ssize_t i, PyObject *v);
int PyList_SetItem(PyObject *l, Py_ssize_t i, PyObject *v);
PyObject *PyList_GetItem(PyObject *l, Py_ssize_t i);
Py_ssize_t PyList_Size(PyObject *l);
PyObject *PyDict_New(void);
PyObject *PyDict_Keys(PyObject *d);
PyObject *PyDict_Copy(PyObject *d);
PyObject *PyDict_GetItemString(PyObject *d, const char *key);
int PyDict_SetItemString(PyObject *d, const char *key, PyObject *v);
int PyDict_SetItem(PyObject *d, PyObject *k, PyObject *v);
int PyDict_DelItem(PyObject *d, PyObject *k);
PyObject *PyDict_GetItemWithError(PyObject *d, PyObject *k);
PyObject *PyTuple_New(Py_ssize_t n);
int PyTuple_SetItem(PyObject *t, Py_ssize_t i, PyObject *v);
PyObject *PyTuple_GetItem(PyObject *t, Py_ssize_t i);
Py_ssize_t PyTuple_Size(PyObject *t);
PyObject *PySet_New(PyObject *iterable);
int PySet_Add(PyObject *set, PyObject *key);
int PySet_Contains(PyObject *set, PyObject *key);
int PySet_Discard(PyObject *set, PyObject *key);
Py_ssize_t PySet_Size(PyObject *set);
PyObject *PySlice_New(PyObject *start, PyObject *stop, PyObject *step);
int PySlice_Unpack(PyObject *s, Py_ssize_t *start, Py_ssize_t *stop, Py_ssize_t *step);

/* The macro forms of the full API (the shared runtime sources use them on
 * objects they have just checked). The SET_ITEM macros store without
 * releasing the item they replace (the caller owns it); the functions
 * release it: a reference taken first keeps the macros' contract. */
#ifndef HPY_WASM_HOST
#    define PyTuple_GET_SIZE(o) PyTuple_Size(o)
#    define PyTuple_GET_ITEM(o, i) PyTuple_GetItem((o), (i))
#    define PyList_GET_SIZE(o) PyList_Size(o)
#    define PyList_GET_ITEM(o, i) PyList_GetItem((o), (i))
static inline void hpy_wasm_tuple_set_item(PyObject *t, Py_ssize_t i, PyObject *v)
{
    Py_IncRef(PyTuple_GetItem(t, i));
    (void)PyTuple_SetItem(t, i, v);
}
static inline void hpy_wasm_list_set_item(PyObject *l, Py_ssize_t i, PyObject *v)
{
    Py_IncRef(PyList_GetItem(l, i));
    (void)PyList_SetItem(l, i, v);
}
#else
/* In the host, the sizes are ob_size, which the stable ABI fixes; the items
 * are read and stored in place when the start-up check found where they
 * are, else through the stable functions. */
#    define PyTuple_GET_SIZE(o) Py_SIZE(o)
#    define PyList_GET_SIZE(o) Py_SIZE(o)
/* Where a tuple's items start: 3.14 put the cached hash in front of them. */
extern Py_ssize_t _HPyWasm_tuple_items;
/* PyListObject (any CPython 3) */
typedef struct {
    PyVarObject ob_base;
    PyObject **ob_item;
    Py_ssize_t allocated;
} _HPyWasm_List;
static inline PyObject **_HPyWasm_TupleArray(PyObject *t)
{
    return (PyObject **)(void *)((char *)t + _HPyWasm_tuple_items);
}
static inline PyObject *hpy_wasm_tuple_get_item(PyObject *t, Py_ssize_t i)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_TUPLE)
        return _HPyWasm_TupleArray(t)[i];
    return PyTuple_GetItem(t, i);
}
static inline PyObject *hpy_wasm_list_get_item(PyObject *l, Py_ssize_t i)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_LIST)
        return ((_HPyWasm_List *)(void *)l)->ob_item[i];
    return PyList_GetItem(l, i);
}
static inline void hpy_wasm_tuple_set_item(PyObject *t, Py_ssize_t i, PyObject *v)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_TUPLE) {
        _HPyWasm_TupleArray(t)[i] = v;
        return;
    }
    Py_IncRef(PyTuple_GetItem(t, i));
    (void)PyTuple_SetItem(t, i, v);
}
static inline void hpy_wasm_list_set_item(PyObject *l, Py_ssize_t i, PyObject *v)
{
    if (_HPyWasm_fast & _HPyWasm_FAST_LIST) {
        ((_HPyWasm_List *)(void *)l)->ob_item[i] = v;
        return;
    }
    Py_IncRef(PyList_GetItem(l, i));
    (void)PyList_SetItem(l, i, v);
}
/* The size of an exact tuple without a call (tp_new and tp_init entry
 * points ask for it); (PyTuple_Size)(...) still calls CPython. */
static inline Py_ssize_t _HPyWasm_TupleSize(PyObject *t)
{
    if (t != NULL && Py_TYPE(t) == &PyTuple_Type)
        return Py_SIZE(t);
    return PyTuple_Size(t);
}
#    define PyTuple_Size(t) _HPyWasm_TupleSize(t)
#    define PyTuple_GET_ITEM(o, i) hpy_wasm_tuple_get_item((o), (i))
#    define PyList_GET_ITEM(o, i) hpy_wasm_list_get_item((o), (i))
#endif
#define PyTuple_SET_ITEM(o, i, v) hpy_wasm_tuple_set_item((o), (i), (v))
#define PyList_SET_ITEM(o, i, v) hpy_wasm_list_set_item((o), (i), (v))

/* Modules, import, eval, capsules, context variables, threads */
PyObject *PyImport_ImportModule(const char *name);
PyObject *PyImport_GetModuleDict(void);
PyObject *PyEval_EvalCode(PyObject *code, PyObject *globals, PyObject *locals);
PyObject *Py_CompileString(const char *src, const char *filename, int start);
PyObject *PyEval_GetBuiltins(void);
PyThreadState *PyEval_SaveThread(void);
void PyEval_RestoreThread(PyThreadState *t);
PyObject *PyModule_FromDefAndSpec2(PyModuleDef *def, PyObject *spec, int api_version);
int PyModule_ExecDef(PyObject *module, PyModuleDef *def);
PyObject *PyModule_Create2(PyModuleDef *def, int api_version);
int PyModule_AddObjectRef(PyObject *m, const char *name, PyObject *v);
PyObject *PyModule_GetDict(PyObject *m);
PyObject *PyModuleDef_Init(PyModuleDef *def);
typedef void (*PyCapsule_Destructor)(PyObject *);
PyObject *PyCapsule_New(void *pointer, const char *name, PyCapsule_Destructor d);
void *PyCapsule_GetPointer(PyObject *c, const char *name);
const char *PyCapsule_GetName(PyObject *c);
void *PyCapsule_GetContext(PyObject *c);
PyCapsule_Destructor PyCapsule_GetDestructor(PyObject *c);
int PyCapsule_SetPointer(PyObject *c, void *p);
int PyCapsule_SetName(PyObject *c, const char *name);
int PyCapsule_SetContext(PyObject *c, void *context);
int PyCapsule_SetDestructor(PyObject *c, PyCapsule_Destructor d);
int PyCapsule_IsValid(PyObject *c, const char *name);
PyObject *PyContextVar_New(const char *name, PyObject *def);
int PyContextVar_Get(PyObject *var, PyObject *def, PyObject **value);
PyObject *PyContextVar_Set(PyObject *var, PyObject *value);
PyObject *PyMapping_GetItemString(PyObject *o, const char *key);
int PyMapping_HasKey(PyObject *o, PyObject *key);
int PyOS_mystricmp(const char *a, const char *b);
int PyOS_mystrnicmp(const char *a, const char *b, Py_ssize_t n);
#define PyOS_stricmp PyOS_mystricmp
#define PyOS_strnicmp PyOS_mystrnicmp
int PyArg_ParseTuple(PyObject *args, const char *fmt, ...);
int PyArg_ParseTupleAndKeywords(PyObject *args, PyObject *kw, const char *fmt, char **kwlist, ...);
void PySys_WriteStdout(const char *fmt, ...);
void PySys_WriteStderr(const char *fmt, ...);
PyObject *PyTuple_Pack(Py_ssize_t n, ...);
int PyModule_AddIntConstant(PyObject *m, const char *name, long value);
int PyModule_AddObject(PyObject *m, const char *name, PyObject *v);
const char *PyUnicode_AsUTF8(PyObject *o);
int PyUnicode_FSConverter(PyObject *o, void *result);
Py_ssize_t PyUnicode_FindChar(PyObject *s, unsigned int ch, Py_ssize_t start, Py_ssize_t end,
                              int direction);
void *PyMem_RawMalloc(size_t n);
void *PyMem_RawCalloc(size_t n, size_t size);
void PyMem_RawFree(void *p);
PyObject *PyObject_CallFunction(PyObject *f, const char *fmt, ...);
int PyDict_Next(PyObject *d, Py_ssize_t *pos, PyObject **key, PyObject **value);
Py_ssize_t PyDict_Size(PyObject *d);
#define PYTHON_API_VERSION 1013
#define PyModule_FromDefAndSpec(def, spec) \
    PyModule_FromDefAndSpec2((def), (spec), PYTHON_API_VERSION)
#define PyModule_Create(def) PyModule_Create2((def), PYTHON_API_VERSION)
#define PyModuleDef_HEAD_INIT      \
    {                              \
        { 1, NULL }, NULL, 0, NULL \
    }
#define PyMODINIT_FUNC __attribute__((visibility("default"))) PyObject *
PyObject *PyWeakref_NewRef(PyObject *o, PyObject *callback);
int PyWeakref_GetRef(PyObject *ref, PyObject **pobj);
PyObject *PyCFunction_New(PyMethodDef *ml, PyObject *self);
PyObject *PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module);

/* PyObject_Print is not in the stable ABI: the repr, written as UTF-8. */
static inline int PyObject_Print(PyObject *o, FILE *f, int flags)
{
    PyObject *r = (flags & 1) ? PyObject_Str(o) : PyObject_Repr(o);
    const char *s;
    if (r == NULL)
        return -1;
    s = PyUnicode_AsUTF8AndSize(r, NULL);
    if (s != NULL)
        fputs(s, f);
    Py_DecRef(r);
    return s == NULL ? -1 : 0;
}

/* Used by the debug and trace modes (hpy/debug/src, hpy/trace/src) */
PyObject *_PyObject_New(PyTypeObject *type);
#define PyObject_New(type, typeobj) ((type *)_PyObject_New(typeobj))
PyObject *Py_BuildValue(const char *fmt, ...);
int PyGILState_Check(void);
#define Py_XSETREF(dst, src)                        \
    do {                                            \
        PyObject **_py_xsetref_p = &(dst);          \
        PyObject *_py_xsetref_old = *_py_xsetref_p; \
        *_py_xsetref_p = (src);                     \
        Py_XDECREF(_py_xsetref_old);                \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* HPY_WASM_PYTHON_H */
