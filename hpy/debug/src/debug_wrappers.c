/* The debug wrappers written by hand: the members whose handle semantics
 * go beyond "borrow the arguments, own the result" (Dup, Close, arrays of
 * handles, out-parameters, builders, trackers, fields, globals) and those
 * with checks of their own (raw data, type arguments, struct shapes). */
#include "debug_internal.h"
#include "autogen_debug_decl.h"
#ifdef HPY_WASM_HOST
/* the WebAssembly host's type data (wasm/host/src/ctx_type_wasm.h) */
#    include "ctx_type_wasm.h"
#    define _HPyType_GetData wt_find_data
#else
#    include "hpy/runtime/ctx_type.h"
#endif
#include "autogen_tables.h"
#include "utf8_cut.h"

#include <string.h>

#define ENTER_OR(fn, failure)                 \
    HPyContext *uctx = debug_enter(dctx, fn); \
    if (uctx == NULL) {                       \
        failure;                              \
    }

/* Unwraps `h` or returns `failure` (after debug_not_executed). */
#define UNWRAP_OR(h, param, out, fn, failure)            \
    if (debug_unwrap(dctx, (h), fn, param, (out)) < 0) { \
        debug_not_executed(fn);                          \
        return failure;                                  \
    }

#define TYPE_NAME_SHOWN 100

/* The type name of `obj` for a report, cut at a character boundary (the
 * report becomes a Python str in raise mode): `buf` holds
 * TYPE_NAME_SHOWN + 1 bytes. */
static const char *type_name_of(char *buf, PyObject *obj)
{
    return _HPy_Utf8Cut(buf, obj != NULL ? Py_TYPE(obj)->tp_name : "NULL", TYPE_NAME_SHOWN);
}

/* ---- handles ---- */

/* Dup and Close: the fast path (a valid context, an open handle in the
 * chunk of the last lookup, a record on the free list) makes no call, so
 * it needs no stack frame; anything else goes to the slow path, out of
 * line, which does all the checks again. */

static const char dup_fn[] = "HPy_Dup";
static const char close_fn[] = "HPy_Close";

static _HPy_NOINLINE HPy dup_slow(HPyContext *dctx, HPy h)
{
    const char *fn = dup_fn;
    HPy uh;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    (void)uctx;
    UNWRAP_OR(h, "h", &uh, fn, HPy_NULL)
    if (HPy_IsNull(uh))
        return HPy_NULL;
    /* uctx->ctx_Dup, without the indirect call: in this host a universal
     * handle is the PyObject* (see debug_unwrap) */
    Py_INCREF(_h2py(uh));
    return debug_open(dctx, uh, fn);
}

HPy debug_ctx_Dup(HPyContext *dctx, HPy h)
{
    DebugHandle *dh, *ndh;
    PyObject *obj;
    if (DEBUG_LIKELY(debug_ctx_is_valid(dctx) && (dh = debug_handle_lookup_fast(h)) != NULL &&
                     DH_USABLE(dh->state) && (obj = dh->obj) != NULL &&
                     (ndh = debug_handle_open_fast(obj, dup_fn)) != NULL)) {
        Py_INCREF(obj);
        return debug_as_hpy(ndh);
    }
    return dup_slow(dctx, h);
}

static _HPy_NOINLINE void close_slow(HPyContext *dctx, HPy h)
{
    const char *fn = close_fn;
    DebugHandle *dh;
    ENTER_OR(fn, return )
    (void)uctx;
    if (HPy_IsNull(h))
        return;
    dh = debug_handle_lookup(h);
    if (dh == NULL) {
        debug_violation(V_HANDLE, NULL,
                        "HPy_Close: %p is not a valid HPy handle (uninitialised memory, or a "
                        "handle from another context?)",
                        (void *)h._i);
        return;
    }
    switch (dh->state) {
    case DH_CONST:
        debug_violation(V_HANDLE, NULL,
                        "HPy_Close: closing a context constant: ctx->%s belongs to the context "
                        "and must never be closed (HPy_Dup it to get a handle of your own)",
                        dh->const_name);
        return;
    case DH_OPEN:
        if (dh->frame != NULL) {
            debug_violation(V_HANDLE, dh,
                            "HPy_Close: closing an argument handle: the arguments of an HPy "
                            "function belong to its caller, which closes them when the call "
                            "returns");
            return;
        }
        debug_handle_close(dh, fn, 0);
        return;
    default:
        debug_violation(V_HANDLE, dh,
                        DEBUG_CLOSED_HANDLE "HPy_Close: the handle is already closed (double "
                                            "close)");
        return;
    }
}

void debug_ctx_Close(HPyContext *dctx, HPy h)
{
    DebugHandle *dh;
    PyObject *obj;
    if (DEBUG_LIKELY(debug_ctx_is_valid(dctx) && (dh = debug_handle_lookup_fast(h)) != NULL &&
                     dh->state == DH_OPEN && dh->frame == NULL &&
                     debug_handle_mark_closed_fast(dh, obj = dh->obj, close_fn))) {
        /* as debug_handle_close: last, it may run arbitrary code */
        Py_DECREF(obj);
        return;
    }
    close_slow(dctx, h);
}

/* Copies n handles into universal handles; returns 0, or -1 after a
 * recovered violation. `buf` has room for SMALL items, else one is
 * allocated (freed with release_array). */
#define SMALL 16
static HPy *unwrap_array(HPyContext *dctx, const HPy *items, HPy_ssize_t n, HPy *buf,
                         const char *fn, const char *param)
{
    HPy *out = buf;
    (void)dctx;
    if (n > SMALL) {
        out = (HPy *)PyMem_Malloc((size_t)n * sizeof(HPy));
        if (out == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    for (HPy_ssize_t i = 0; i < n; i++) {
        DebugHandle *dh;
        if (HPy_IsNull(items[i])) {
            out[i] = HPy_NULL;
            continue;
        }
        dh = debug_handle_lookup(items[i]);
        if (DEBUG_LIKELY(dh != NULL && DH_USABLE(dh->state))) {
            out[i] = _py2h(dh->obj);
            continue;
        }
        /* the name of the argument only for the message */
        char name[64];
        snprintf(name, sizeof(name), "%s[%zd]", param, (Py_ssize_t)i);
        if (debug_unwrap_slow(items[i], dh, fn, name, &out[i]) == 0)
            continue;
        if (out != buf)
            PyMem_Free(out);
        debug_not_executed(fn);
        return NULL;
    }
    return out;
}

static void release_array(HPy *array, HPy *buf)
{
    if (array != buf)
        PyMem_Free(array);
}

HPy debug_ctx_Tuple_FromArray(HPyContext *dctx, const HPy *items, HPy_ssize_t n)
{
    static const char fn[] = "HPyTuple_FromArray";
    HPy buf[SMALL], *uitems;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    if (n < 0 || (n > 0 && items == NULL))
        return debug_open(dctx, uctx->ctx_Tuple_FromArray(uctx, items, n), fn);
    uitems = unwrap_array(dctx, items, n, buf, fn, "items");
    if (uitems == NULL)
        return HPy_NULL;
    HPy r = uctx->ctx_Tuple_FromArray(uctx, uitems, n);
    release_array(uitems, buf);
    return debug_open(dctx, r, fn);
}

HPy debug_ctx_Type_GenericNew(HPyContext *dctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                              HPy kw)
{
    static const char fn[] = "HPyType_GenericNew";
    HPy utype, ukw, buf[SMALL], *uargs = buf;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    UNWRAP_OR(type, "type", &utype, fn, HPy_NULL)
    UNWRAP_OR(kw, "kw", &ukw, fn, HPy_NULL)
    if (nargs > 0 && args != NULL) {
        uargs = unwrap_array(dctx, args, nargs, buf, fn, "args");
        if (uargs == NULL)
            return HPy_NULL;
    }
    HPy r = uctx->ctx_Type_GenericNew(uctx, utype, args != NULL ? uargs : NULL, nargs, ukw);
    release_array(uargs, buf);
    return debug_open(dctx, r, fn);
}

/* The number of items in args[] of a vectorcall: nargs + len(kwnames), or
 * -1 if nargs is invalid (the universal context reports it). */
static HPy_ssize_t vectorcall_count(HPy ukwnames, size_t nargs)
{
    PyObject *kw = _h2py(ukwnames);
    HPy_ssize_t n;
    if (nargs > (size_t)PY_SSIZE_T_MAX / 2)
        return -1;
    n = (HPy_ssize_t)nargs;
    if (kw != NULL && PyTuple_Check(kw))
        n += PyTuple_GET_SIZE(kw);
    return n;
}

static HPy call_common(HPyContext *dctx, int method, HPy callable, const HPy *args, size_t nargs,
                       HPy kwnames)
{
    const char *fn = method ? "HPy_CallMethod" : "HPy_Call";
    HPy ucallable, ukwnames, buf[SMALL], *uargs = buf;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    UNWRAP_OR(callable, method ? "name" : "callable", &ucallable, fn, HPy_NULL)
    UNWRAP_OR(kwnames, "kwnames", &ukwnames, fn, HPy_NULL)
    if (!HPy_IsNull(ukwnames) && !PyTuple_Check(_h2py(ukwnames))) {
        char tn[TYPE_NAME_SHOWN + 1];
        debug_violation(V_OTHER, debug_handle_lookup(kwnames),
                        "%s arg 'kwnames' must be a tuple object or HPy_NULL: it is an instance "
                        "of '%s'",
                        fn, type_name_of(tn, _h2py(ukwnames)));
        debug_not_executed(fn);
        return HPy_NULL;
    }
    HPy_ssize_t n = vectorcall_count(ukwnames, nargs);
    if (args != NULL && n > 0) {
        uargs = unwrap_array(dctx, args, n, buf, fn, "args");
        if (uargs == NULL)
            return HPy_NULL;
    }
    HPy r = method ? uctx->ctx_CallMethod(uctx, ucallable, args ? uargs : NULL, nargs, ukwnames)
                   : uctx->ctx_Call(uctx, ucallable, args ? uargs : NULL, nargs, ukwnames);
    release_array(uargs, buf);
    return debug_open(dctx, r, fn);
}

HPy debug_ctx_Call(HPyContext *dctx, HPy callable, const HPy *args, size_t nargs, HPy kwnames)
{
    return call_common(dctx, 0, callable, args, nargs, kwnames);
}

HPy debug_ctx_CallMethod(HPyContext *dctx, HPy name, const HPy *args, size_t nargs, HPy kwnames)
{
    return call_common(dctx, 1, name, args, nargs, kwnames);
}

HPy debug_ctx_Unicode_Substring(HPyContext *dctx, HPy str, HPy_ssize_t start, HPy_ssize_t end)
{
    static const char fn[] = "HPyUnicode_Substring";
    HPy ustr;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    UNWRAP_OR(str, "str", &ustr, fn, HPy_NULL)
    if (HPy_IsNull(ustr) || !PyUnicode_Check(_h2py(ustr))) {
        char tn[TYPE_NAME_SHOWN + 1];
        debug_violation(V_OTHER, debug_handle_lookup(str),
                        "HPyUnicode_Substring arg 1 must be a Unicode object: it is %s%s%s",
                        HPy_IsNull(ustr) ? "" : "an instance of '",
                        HPy_IsNull(ustr) ? "HPy_NULL" : type_name_of(tn, _h2py(ustr)),
                        HPy_IsNull(ustr) ? "" : "'");
        debug_not_executed(fn);
        return HPy_NULL;
    }
    return debug_open(dctx, uctx->ctx_Unicode_Substring(uctx, ustr, start, end), fn);
}

HPy debug_ctx_Type_FromSpec(HPyContext *dctx, HPyType_Spec *spec, HPyType_SpecParam *params)
{
    static const char fn[] = "HPyType_FromSpec";
    HPyType_SpecParam small[8], *uparams = NULL;
    HPy_ssize_t n = 0;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    if (params != NULL) {
        while (params[n].kind != 0)
            n++;
        uparams =
            n < 8 ? small : (HPyType_SpecParam *)PyMem_Malloc((size_t)(n + 1) * sizeof(*uparams));
        if (uparams == NULL) {
            PyErr_NoMemory();
            return HPy_NULL;
        }
        for (HPy_ssize_t i = 0; i <= n; i++) {
            uparams[i] = params[i];
            if (i < n && debug_unwrap(dctx, params[i].object, fn, "params[].object",
                                      &uparams[i].object) < 0) {
                if (uparams != small)
                    PyMem_Free(uparams);
                debug_not_executed(fn);
                return HPy_NULL;
            }
        }
    }
    HPy r = uctx->ctx_Type_FromSpec(uctx, spec, uparams);
    if (uparams != NULL && uparams != small)
        PyMem_Free(uparams);
    return debug_open(dctx, r, fn);
}

HPy debug_ctx_New(HPyContext *dctx, HPy h_type, void **data)
{
    static const char fn[] = "HPy_New";
    HPy utype;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    UNWRAP_OR(h_type, "h_type", &utype, fn, HPy_NULL)
    return debug_open(dctx, uctx->ctx_New(uctx, utype, data), fn);
}

void debug_ctx_Dump(HPyContext *dctx, HPy h)
{
    static const char fn[] = "_HPy_Dump";
    HPy uh;
    ENTER_OR(fn, return )
    DebugHandle *dh = debug_handle_lookup(h);
    if (dh != NULL) {
        DebugStr s = { NULL, 0, 0 };
        debug_describe_handle(&s, dh);
        fprintf(stderr, "HPy debug mode: %s\n", s.buf != NULL ? s.buf : "?");
        free(s.buf);
    }
    if (debug_unwrap(dctx, h, fn, "h", &uh) < 0)
        return;
    uctx->ctx_Dump(uctx, uh);
}

/* ---- legacy (hybrid ABI) ---- */

HPy debug_ctx_FromPyObject(HPyContext *dctx, cpy_PyObject *obj)
{
    static const char fn[] = "HPy_FromPyObject";
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    return debug_open(dctx, uctx->ctx_FromPyObject(uctx, obj), fn);
}

cpy_PyObject *debug_ctx_AsPyObject(HPyContext *dctx, HPy h)
{
    static const char fn[] = "HPy_AsPyObject";
    HPy uh;
    ENTER_OR(fn, debug_not_executed(fn); return NULL)
    UNWRAP_OR(h, "h", &uh, fn, NULL)
    return uctx->ctx_AsPyObject(uctx, uh);
}

/* ---- raw data ---- */

static const char *protect(HPy h, const char *data, size_t size, const char *fn)
{
    DebugHandle *dh = debug_handle_lookup(h);
    if (data == NULL || dh == NULL)
        return data;
    return debug_protect_raw_data(dh, data, size, fn);
}

static const char *bytes_data(HPyContext *dctx, HPy h, int checked)
{
    const char *fn = checked ? "HPyBytes_AsString" : "HPyBytes_AS_STRING";
    HPy uh;
    ENTER_OR(fn, debug_not_executed(fn); return NULL)
    UNWRAP_OR(h, "h", &uh, fn, NULL)
    const char *data =
        checked ? uctx->ctx_Bytes_AsString(uctx, uh) : uctx->ctx_Bytes_AS_STRING(uctx, uh);
    PyObject *obj = _h2py(uh);
    if (data == NULL || obj == NULL || !PyBytes_Check(obj))
        return data;
    return protect(h, data, (size_t)PyBytes_GET_SIZE(obj) + 1, fn);
}

const char *debug_ctx_Bytes_AsString(HPyContext *dctx, HPy h)
{
    return bytes_data(dctx, h, 1);
}

const char *debug_ctx_Bytes_AS_STRING(HPyContext *dctx, HPy h)
{
    return bytes_data(dctx, h, 0);
}

const char *debug_ctx_Unicode_AsUTF8AndSize(HPyContext *dctx, HPy h, HPy_ssize_t *size)
{
    static const char fn[] = "HPyUnicode_AsUTF8AndSize";
    HPy uh;
    HPy_ssize_t n = 0;
    ENTER_OR(fn, debug_not_executed(fn); return NULL)
    UNWRAP_OR(h, "h", &uh, fn, NULL)
    const char *data = uctx->ctx_Unicode_AsUTF8AndSize(uctx, uh, &n);
    if (size != NULL)
        *size = n;
    if (data == NULL)
        return NULL;
    return protect(h, data, (size_t)n + 1, fn);
}

/* ---- type arguments ---- */

/* Checks that `uh` (argument `param` of `fn`) is a type; 0 or -1 after a
 * recovered violation. `rule` is upstream's message for it, which the
 * report starts with. */
static int check_type_arg(HPy h, HPy uh, const char *fn, const char *param, const char *rule)
{
    PyObject *obj = _h2py(uh);
    char tn[TYPE_NAME_SHOWN + 1];
    if (obj != NULL && PyType_Check(obj))
        return 0;
    if (obj == NULL)
        debug_violation(V_OTHER, NULL, "%s: %s: argument '%s' must be a type, not HPy_NULL", rule,
                        fn, param);
    else
        debug_violation(V_OTHER, debug_handle_lookup(h),
                        "%s: %s: argument '%s' must be a type, not an instance of '%s'", rule, fn,
                        param, type_name_of(tn, obj));
    return -1;
}

static DEBUG_COLD int type_check_slow(HPyContext *dctx, HPy obj, HPy type)
{
    static const char fn[] = "HPy_TypeCheck";
    HPy uobj, utype;
    ENTER_OR(fn, return 0)
    if (debug_unwrap(dctx, obj, fn, "obj", &uobj) < 0 ||
        debug_unwrap(dctx, type, fn, "type", &utype) < 0)
        return 0;
    if (HPy_IsNull(uobj)) {
        debug_violation(V_OTHER, NULL, "HPy_TypeCheck: argument 'obj' must not be HPy_NULL");
        return 0;
    }
    if (check_type_arg(type, utype, fn, "type", "HPy_TypeCheck arg 2 must be a type") < 0)
        return 0;
    return uctx->ctx_TypeCheck(uctx, uobj, utype);
}

/* The fast path makes no call before the universal one (a tail call):
 * anything unusual goes to type_check_slow, which checks everything again. */
int debug_ctx_TypeCheck(HPyContext *dctx, HPy obj, HPy type)
{
    HPy uobj, utype;
    if (DEBUG_LIKELY(debug_ctx_is_valid(dctx) && debug_unwrap_fast(obj, &uobj) &&
                     debug_unwrap_fast(type, &utype) && !HPy_IsNull(uobj) && !HPy_IsNull(utype) &&
                     PyType_Check(_h2py(utype)))) {
        HPyContext *uctx = debug_state.uctx;
        return uctx->ctx_TypeCheck(uctx, uobj, utype);
    }
    return type_check_slow(dctx, obj, type);
}

int debug_ctx_Type_IsSubtype(HPyContext *dctx, HPy sub, HPy type)
{
    static const char fn[] = "HPyType_IsSubtype";
    HPy usub, utype;
    ENTER_OR(fn, return 0)
    if (debug_unwrap(dctx, sub, fn, "sub", &usub) < 0 ||
        debug_unwrap(dctx, type, fn, "type", &utype) < 0)
        return 0;
    if (check_type_arg(sub, usub, fn, "sub", "HPyType_IsSubtype arg 1 must be a type") < 0 ||
        check_type_arg(type, utype, fn, "type", "HPyType_IsSubtype arg 2 must be a type") < 0)
        return 0;
    return uctx->ctx_Type_IsSubtype(uctx, usub, utype);
}

const char *debug_ctx_Type_GetName(HPyContext *dctx, HPy type)
{
    static const char fn[] = "HPyType_GetName";
    HPy utype;
    ENTER_OR(fn, debug_not_executed(fn); return NULL)
    UNWRAP_OR(type, "type", &utype, fn, NULL)
    if (check_type_arg(type, utype, fn, "type", "HPyType_GetName arg must be a type") < 0) {
        debug_not_executed(fn);
        return NULL;
    }
    return uctx->ctx_Type_GetName(uctx, utype);
}

/* ---- struct shapes ---- */

static const char *shape_name(HPyType_BuiltinShape shape)
{
    const char *name = _HPy_BuiltinShapeName((int)shape);
    return name != NULL ? name : "?";
}

static void *as_struct(HPyContext *dctx, HPy h, HPyType_BuiltinShape expected, const char *fn,
                       void *(*impl)(HPyContext *, HPy))
{
    HPy uh;
    char tn[TYPE_NAME_SHOWN + 1];
    ENTER_OR(fn, debug_not_executed(fn); return NULL)
    UNWRAP_OR(h, "h", &uh, fn, NULL)
    PyObject *obj = _h2py(uh);
    if (obj == NULL) {
        debug_violation(V_OTHER, NULL, "%s: argument 'h' must not be HPy_NULL", fn);
        debug_not_executed(fn);
        return NULL;
    }
    /* The shape of the object's type, as the universal context knows it.
     * Asking cannot fail (the type of an object is a type): save a pending
     * exception of the extension only if there is one. */
    HPyType_BuiltinShape shape;
    int unknown;
    if (DEBUG_LIKELY(PyErr_Occurred() == NULL)) {
        shape = uctx->ctx_Type_GetBuiltinShape(uctx, _py2h((PyObject *)Py_TYPE(obj)));
        unknown = (int)shape < (int)HPyType_BuiltinShape_Legacy;
        if (DEBUG_UNLIKELY(unknown))
            PyErr_Clear();
    }
    else {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        shape = uctx->ctx_Type_GetBuiltinShape(uctx, _py2h((PyObject *)Py_TYPE(obj)));
        unknown = PyErr_Occurred() != NULL || (int)shape < (int)HPyType_BuiltinShape_Legacy;
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
    if (unknown) {
        debug_violation(V_OTHER, debug_handle_lookup(h),
                        "%s: the object is an instance of '%s', which is not an HPy type: "
                        "only instances of HPy types (HPyType_FromSpec) have a C struct",
                        fn, type_name_of(tn, obj));
        debug_not_executed(fn);
        return NULL;
    }
    if (shape != expected) {
        debug_violation(V_OTHER, debug_handle_lookup(h),
                        "%s: the object is an instance of '%s', whose builtin shape is %s, "
                        "not %s: use the AsStruct function of its type (declared with "
                        "HPyType_HELPERS(..., HPyType_BuiltinShape_%s))",
                        fn, type_name_of(tn, obj), shape_name(shape), shape_name(expected),
                        shape_name(shape));
        debug_not_executed(fn);
        return NULL;
    }
    /* Every type that is not an HPy type has the shape Legacy: only an
     * instance of an HPy type of that shape (or of a subclass of one) is the
     * struct of HPyType_HELPERS(..., HPyType_BuiltinShape_Legacy). */
    if (DEBUG_UNLIKELY(expected == HPyType_BuiltinShape_Legacy) &&
        _HPyType_GetData(Py_TYPE(obj)) == NULL) {
        debug_violation(V_OTHER, debug_handle_lookup(h),
                        "%s: the object is an instance of '%s', which is not an HPy type: only "
                        "instances of HPy types of builtin shape Legacy (HPyType_FromSpec) "
                        "have that struct",
                        fn, type_name_of(tn, obj));
        debug_not_executed(fn);
        return NULL;
    }
    return impl(uctx, uh);
}

#define AS_STRUCT(SHAPE)                                                                 \
    void *debug_ctx_AsStruct_##SHAPE(HPyContext *dctx, HPy h)                            \
    {                                                                                    \
        return as_struct(dctx, h, HPyType_BuiltinShape_##SHAPE, "_HPy_AsStruct_" #SHAPE, \
                         debug_uctx()->ctx_AsStruct_##SHAPE);                            \
    }

_HPY_FOR_EACH_BUILTIN_SHAPE(AS_STRUCT)

/* ---- builders and trackers ----
 * Each is a DebugAux record. Finished ones wait in a bounded queue (so that
 * using them again is reported) before being reused; records are never
 * freed, so a stale pointer never reaches unmapped memory.
 *
 * Records are carved out of arenas (each twice as large as the previous
 * one, so there are few of them): a builder or tracker word is only read
 * once it is known to point at the start of a record handed out from an
 * arena. Any other word (garbage, uninitialised memory, a pointer into a
 * record) is reported without being dereferenced. */

#define AUX_MAGIC 0xDEB0A0C5u
#define AUX_QUEUE_MAX 256

enum { AUX_LIST = 1, AUX_TUPLE = 2, AUX_TRACKER = 3 };
enum { AUX_OPEN = 1, AUX_BUILT = 2, AUX_CANCELLED = 3, AUX_CLOSED = 4, AUX_FREE = 5 };

typedef struct DebugAux {
    uint32_t magic;
    int kind;
    int state;
    int32_t generation; /* debug_state.generation when it was created */
    uint64_t serial;    /* order of creation (debug_state.next_serial) */
    struct DebugAux *next;
    intptr_t ubuilder; /* builders: the universal builder */
    HPy_ssize_t size;  /* builders: the size given to New */
    HPy *handles;      /* trackers: the debug handles added */
    HPy_ssize_t length, capacity;
} DebugAux;

#define AUX_ARENAS_MAX 40
#define AUX_ARENA_FIRST 32

static DebugAux *aux_free;
static DebugAux *aux_queue_head, *aux_queue_tail;
static int aux_queued;

static DebugAux *aux_arenas[AUX_ARENAS_MAX];
static size_t aux_arena_size[AUX_ARENAS_MAX]; /* in records */
static int aux_narenas;
static size_t aux_last_used; /* records handed out of the last arena */

static DebugAux *aux_carve(void)
{
    if (aux_narenas == 0 || aux_last_used == aux_arena_size[aux_narenas - 1]) {
        size_t n = aux_narenas == 0 ? AUX_ARENA_FIRST : 2 * aux_arena_size[aux_narenas - 1];
        DebugAux *arena;
        if (aux_narenas == AUX_ARENAS_MAX || n > (size_t)PY_SSIZE_T_MAX / sizeof(DebugAux))
            return NULL;
        arena = (DebugAux *)malloc(n * sizeof(DebugAux));
        if (arena == NULL)
            return NULL;
        aux_arenas[aux_narenas] = arena;
        aux_arena_size[aux_narenas] = n;
        aux_narenas++;
        aux_last_used = 0;
    }
    return &aux_arenas[aux_narenas - 1][aux_last_used++];
}

/* Whether `word` is a record handed out by aux_carve; only addresses are
 * compared, the memory behind `word` is not read. */
static int aux_is_record(intptr_t word)
{
    uintptr_t w = (uintptr_t)word;
    for (int i = 0; i < aux_narenas; i++) {
        uintptr_t base = (uintptr_t)aux_arenas[i];
        size_t used = i == aux_narenas - 1 ? aux_last_used : aux_arena_size[i];
        if (w >= base && w - base < used * sizeof(DebugAux))
            return (w - base) % sizeof(DebugAux) == 0;
    }
    return 0;
}

static const char *aux_what(int kind)
{
    return kind == AUX_LIST    ? "HPyListBuilder"
           : kind == AUX_TUPLE ? "HPyTupleBuilder"
                               : "HPyTracker";
}

static DebugAux *aux_new(int kind)
{
    DebugAux *a = aux_free;
    if (a != NULL)
        aux_free = a->next;
    else if ((a = aux_carve()) == NULL)
        return NULL;
    memset(a, 0, sizeof(*a));
    a->magic = AUX_MAGIC;
    a->kind = kind;
    a->state = AUX_OPEN;
    a->generation = debug_state.generation;
    a->serial = ++debug_state.next_serial;
    return a;
}

static int compare_aux_serials(const void *x, const void *y)
{
    uint64_t a = (*(DebugAux *const *)x)->serial, b = (*(DebugAux *const *)y)->serial;
    return a < b ? -1 : a > b;
}

DebugOpenBuilder *debug_open_builders(long gen, HPy_ssize_t *n)
{
    HPy_ssize_t count = 0, cap = 0;
    DebugAux **found = NULL;
    DebugOpenBuilder *out;
    for (int i = 0; i < aux_narenas; i++) {
        size_t used = i == aux_narenas - 1 ? aux_last_used : aux_arena_size[i];
        for (size_t k = 0; k < used; k++) {
            DebugAux *a = &aux_arenas[i][k];
            if (a->state != AUX_OPEN || a->kind == AUX_TRACKER || a->generation < gen)
                continue;
            if (count == cap) {
                HPy_ssize_t ncap = cap ? 2 * cap : 16;
                DebugAux **bigger = (DebugAux **)realloc(found, (size_t)ncap * sizeof(DebugAux *));
                if (bigger == NULL) {
                    free(found);
                    return NULL;
                }
                found = bigger;
                cap = ncap;
            }
            found[count++] = a;
        }
    }
    if (count > 0)
        qsort(found, (size_t)count, sizeof(DebugAux *), compare_aux_serials);
    out = (DebugOpenBuilder *)malloc((size_t)(count > 0 ? count : 1) * sizeof(DebugOpenBuilder));
    if (out != NULL) {
        for (HPy_ssize_t i = 0; i < count; i++) {
            out[i].what = aux_what(found[i]->kind);
            out[i].address = found[i];
            out[i].size = found[i]->size;
        }
        *n = count;
    }
    free(found);
    return out;
}

static void aux_retire(DebugAux *a, int state)
{
    a->state = state;
    a->next = NULL;
    if (aux_queue_tail != NULL)
        aux_queue_tail->next = a;
    else
        aux_queue_head = a;
    aux_queue_tail = a;
    if (++aux_queued > AUX_QUEUE_MAX) {
        DebugAux *old = aux_queue_head;
        aux_queue_head = old->next;
        if (aux_queue_head == NULL)
            aux_queue_tail = NULL;
        aux_queued--;
        old->state = AUX_FREE;
        old->next = aux_free;
        aux_free = old;
    }
}

static const char *aux_state(int state)
{
    switch (state) {
    case AUX_BUILT: return "already built";
    case AUX_CANCELLED: return "already cancelled";
    case AUX_CLOSED: return "already closed";
    default: return "already used up (and recycled)";
    }
}

/* The open record behind a builder/tracker word; NULL (after a recovered
 * violation, unless `word` is 0: a failed New) otherwise. */
static DebugAux *aux_get(intptr_t word, int kind, const char *fn)
{
    DebugAux *a = (DebugAux *)word;
    DebugViolationKind vk = kind == AUX_TRACKER ? V_OTHER : V_BUILDER;
    if (word == 0)
        return NULL;
    if (!aux_is_record(word) || a->magic != AUX_MAGIC || a->kind != kind) {
        /* garbage is an invalid handle: set_on_invalid_handle applies to a
         * tracker, set_on_invalid_builder_handle to a builder */
        debug_violation(kind == AUX_TRACKER ? V_HANDLE : V_BUILDER, NULL,
                        "%s: argument '%s' is not a valid %s (%p): it was not returned by "
                        "%s_New (uninitialised memory, or a pointer to something else?)",
                        fn, kind == AUX_TRACKER ? "ht" : "builder", aux_what(kind), (void *)word,
                        aux_what(kind));
        return NULL;
    }
    if (a->state != AUX_OPEN) {
        if (kind == AUX_TRACKER)
            debug_violation(vk, NULL, "%s: the %s %p is %s", fn, aux_what(kind), (void *)word,
                            aux_state(a->state));
        else
            debug_violation(vk, NULL,
                            DEBUG_CLOSED_BUILDER "%s: the %s %p is %s: a builder must be "
                                                 "finished exactly once, with "
                                                 "either Build or Cancel, and not used afterwards",
                            fn, aux_what(kind), (void *)word, aux_state(a->state));
        return NULL;
    }
    return a;
}

static intptr_t builder_new(HPyContext *dctx, int kind, HPy_ssize_t size)
{
    const char *fn = kind == AUX_LIST ? "HPyListBuilder_New" : "HPyTupleBuilder_New";
    ENTER_OR(fn, return 0)
    intptr_t ub = kind == AUX_LIST ? uctx->ctx_ListBuilder_New(uctx, size)._lst
                                   : uctx->ctx_TupleBuilder_New(uctx, size)._tup;
    if (ub == 0)
        return 0; /* Build reports the MemoryError */
    DebugAux *a = aux_new(kind);
    if (a == NULL) {
        if (kind == AUX_LIST) {
            HPyListBuilder b = { ub };
            uctx->ctx_ListBuilder_Cancel(uctx, b);
        }
        else {
            HPyTupleBuilder b = { ub };
            uctx->ctx_TupleBuilder_Cancel(uctx, b);
        }
        return 0;
    }
    a->ubuilder = ub;
    a->size = size;
    return (intptr_t)a;
}

static void builder_set(HPyContext *dctx, int kind, intptr_t word, HPy_ssize_t index, HPy h_item)
{
    const char *fn = kind == AUX_LIST ? "HPyListBuilder_Set" : "HPyTupleBuilder_Set";
    HPy uitem;
    ENTER_OR(fn, return )
    DebugAux *a = aux_get(word, kind, fn);
    if (a == NULL)
        return;
    if (debug_unwrap(dctx, h_item, fn, "h_item", &uitem) < 0)
        return;
    if (kind == AUX_LIST) {
        HPyListBuilder b = { a->ubuilder };
        uctx->ctx_ListBuilder_Set(uctx, b, index, uitem);
    }
    else {
        HPyTupleBuilder b = { a->ubuilder };
        uctx->ctx_TupleBuilder_Set(uctx, b, index, uitem);
    }
}

static HPy builder_build(HPyContext *dctx, int kind, intptr_t word)
{
    const char *fn = kind == AUX_LIST ? "HPyListBuilder_Build" : "HPyTupleBuilder_Build";
    HPy r;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    if (word == 0) {
        /* New failed: the universal context reports it */
        if (kind == AUX_LIST) {
            HPyListBuilder b = { 0 };
            r = uctx->ctx_ListBuilder_Build(uctx, b);
        }
        else {
            HPyTupleBuilder b = { 0 };
            r = uctx->ctx_TupleBuilder_Build(uctx, b);
        }
        return debug_open(dctx, r, fn);
    }
    DebugAux *a = aux_get(word, kind, fn);
    if (a == NULL) {
        debug_not_executed(fn);
        return HPy_NULL;
    }
    if (kind == AUX_LIST) {
        HPyListBuilder b = { a->ubuilder };
        r = uctx->ctx_ListBuilder_Build(uctx, b);
    }
    else {
        HPyTupleBuilder b = { a->ubuilder };
        r = uctx->ctx_TupleBuilder_Build(uctx, b);
    }
    aux_retire(a, AUX_BUILT);
    return debug_open(dctx, r, fn);
}

static void builder_cancel(HPyContext *dctx, int kind, intptr_t word)
{
    const char *fn = kind == AUX_LIST ? "HPyListBuilder_Cancel" : "HPyTupleBuilder_Cancel";
    ENTER_OR(fn, return )
    DebugAux *a = aux_get(word, kind, fn);
    if (a == NULL)
        return;
    if (kind == AUX_LIST) {
        HPyListBuilder b = { a->ubuilder };
        uctx->ctx_ListBuilder_Cancel(uctx, b);
    }
    else {
        HPyTupleBuilder b = { a->ubuilder };
        uctx->ctx_TupleBuilder_Cancel(uctx, b);
    }
    aux_retire(a, AUX_CANCELLED);
}

HPyListBuilder debug_ctx_ListBuilder_New(HPyContext *dctx, HPy_ssize_t size)
{
    HPyListBuilder b = { builder_new(dctx, AUX_LIST, size) };
    return b;
}

void debug_ctx_ListBuilder_Set(HPyContext *dctx, HPyListBuilder builder, HPy_ssize_t index,
                               HPy h_item)
{
    builder_set(dctx, AUX_LIST, builder._lst, index, h_item);
}

HPy debug_ctx_ListBuilder_Build(HPyContext *dctx, HPyListBuilder builder)
{
    return builder_build(dctx, AUX_LIST, builder._lst);
}

void debug_ctx_ListBuilder_Cancel(HPyContext *dctx, HPyListBuilder builder)
{
    builder_cancel(dctx, AUX_LIST, builder._lst);
}

HPyTupleBuilder debug_ctx_TupleBuilder_New(HPyContext *dctx, HPy_ssize_t size)
{
    HPyTupleBuilder b = { builder_new(dctx, AUX_TUPLE, size) };
    return b;
}

void debug_ctx_TupleBuilder_Set(HPyContext *dctx, HPyTupleBuilder builder, HPy_ssize_t index,
                                HPy h_item)
{
    builder_set(dctx, AUX_TUPLE, builder._tup, index, h_item);
}

HPy debug_ctx_TupleBuilder_Build(HPyContext *dctx, HPyTupleBuilder builder)
{
    return builder_build(dctx, AUX_TUPLE, builder._tup);
}

void debug_ctx_TupleBuilder_Cancel(HPyContext *dctx, HPyTupleBuilder builder)
{
    builder_cancel(dctx, AUX_TUPLE, builder._tup);
}

/* Trackers hold debug handles and close them through the debug checks. */

HPyTracker debug_ctx_Tracker_New(HPyContext *dctx, HPy_ssize_t size)
{
    static const char fn[] = "HPyTracker_New";
    HPyTracker ht = { 0 };
    ENTER_OR(fn, debug_not_executed(fn); return ht)
    (void)uctx;
    if (size < 0) {
        PyErr_Format(PyExc_SystemError, "HPyTracker_New: negative size (%zd)", (Py_ssize_t)size);
        return ht;
    }
    if (size == 0)
        size = 8;
    if ((size_t)size > (size_t)PY_SSIZE_T_MAX / sizeof(HPy)) {
        PyErr_NoMemory();
        return ht;
    }
    DebugAux *a = aux_new(AUX_TRACKER);
    if (a == NULL) {
        PyErr_NoMemory();
        return ht;
    }
    a->handles = (HPy *)PyMem_Malloc((size_t)size * sizeof(HPy));
    if (a->handles == NULL) {
        aux_retire(a, AUX_CLOSED);
        PyErr_NoMemory();
        return ht;
    }
    a->capacity = size;
    ht._i = (intptr_t)a;
    return ht;
}

int debug_ctx_Tracker_Add(HPyContext *dctx, HPyTracker ht, HPy h)
{
    static const char fn[] = "HPyTracker_Add";
    HPy uh;
    ENTER_OR(fn, debug_not_executed(fn); return -1)
    (void)uctx;
    if (ht._i == 0) {
        PyErr_SetString(PyExc_SystemError, "HPyTracker_Add: invalid (null) tracker");
        return -1;
    }
    DebugAux *a = aux_get(ht._i, AUX_TRACKER, fn);
    if (a == NULL) {
        debug_not_executed(fn);
        return -1;
    }
    UNWRAP_OR(h, "h", &uh, fn, -1)
    if (a->length == a->capacity) {
        HPy_ssize_t cap = 2 * a->capacity;
        HPy *n = (HPy *)PyMem_Realloc(a->handles, (size_t)cap * sizeof(HPy));
        if (n == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        a->handles = n;
        a->capacity = cap;
    }
    a->handles[a->length++] = h;
    return 0;
}

void debug_ctx_Tracker_ForgetAll(HPyContext *dctx, HPyTracker ht)
{
    static const char fn[] = "HPyTracker_ForgetAll";
    ENTER_OR(fn, return )
    (void)uctx;
    DebugAux *a = aux_get(ht._i, AUX_TRACKER, fn);
    if (a != NULL)
        a->length = 0;
}

void debug_ctx_Tracker_Close(HPyContext *dctx, HPyTracker ht)
{
    static const char fn[] = "HPyTracker_Close";
    ENTER_OR(fn, return )
    (void)uctx;
    DebugAux *a = aux_get(ht._i, AUX_TRACKER, fn);
    if (a == NULL)
        return;
    HPy *handles = a->handles;
    HPy_ssize_t n = a->length;
    a->handles = NULL;
    a->length = a->capacity = 0;
    aux_retire(a, AUX_CLOSED);
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy h = handles[i];
        DebugHandle *dh;
        if (HPy_IsNull(h))
            continue;
        dh = debug_handle_lookup(h);
        if (dh == NULL)
            continue; /* reported by HPyTracker_Add */
        if (dh->state == DH_CONST)
            debug_violation(V_HANDLE, dh,
                            "HPyTracker_Close: the tracker holds the context constant ctx->%s, "
                            "which must never be closed",
                            dh->const_name);
        else if (dh->state != DH_OPEN)
            debug_violation(V_HANDLE, dh,
                            DEBUG_CLOSED_HANDLE
                            "HPyTracker_Close: handle %zd of the tracker is "
                            "already closed "
                            "(closed twice: once by hand, once by the tracker?)",
                            (Py_ssize_t)i);
        else if (dh->frame != NULL)
            debug_violation(V_HANDLE, dh,
                            "HPyTracker_Close: handle %zd of the tracker is an argument handle, "
                            "which belongs to the caller",
                            (Py_ssize_t)i);
        else
            debug_handle_close(dh, fn, 0);
    }
    PyMem_Free(handles);
}

/* ---- fields and globals ---- */

/* Like debug_unwrap for the value stored into a field or global, with a
 * message that says so. */
static int unwrap_stored(HPyContext *dctx, HPy h, const char *fn, const char *where, HPy *out)
{
    DebugHandle *dh = debug_handle_lookup(h);
    if (dh != NULL && (dh->state == DH_CLOSED || dh->state == DH_FREE)) {
        if (debug_violation(V_HANDLE, dh,
                            DEBUG_CLOSED_HANDLE "%s: storing a closed handle into an %s", fn,
                            where) &&
            debug_can_go_on(dh)) {
            *out = _py2h(dh->obj);
            return 0;
        }
        *out = HPy_NULL;
        return -1;
    }
    return debug_unwrap(dctx, h, fn, "h", out);
}

/* The value of a field or global (what Load reads, what Store replaces)
 * must be one that Store wrote: in this host an object reference or 0.
 * What can be told apart from one without reading memory: a debug handle
 * (the address of a record, never an object: a handle copied into the
 * field, e.g. `f._i = h._i`) and a misaligned word (garbage). 0, or a
 * report (then -1: the operation is skipped). */
static int check_stored_value(intptr_t value, const char *fn, const char *what)
{
    HPy as_handle;
    DebugHandle *dh;
    if (DEBUG_LIKELY(value == 0))
        return 0;
    as_handle._i = value;
    dh = debug_handle_lookup(as_handle);
    if (DEBUG_UNLIKELY(dh != NULL)) {
        debug_violation(V_OTHER, dh,
                        "%s: the %s holds %p, which is an HPy handle: it was written without "
                        "%s_Store (a handle is no reference the %s can keep: store it with "
                        "%s_Store)",
                        fn, what, (void *)value, what, what, what);
        return -1;
    }
    if (DEBUG_UNLIKELY((value & (intptr_t)(sizeof(void *) - 1)) != 0)) {
        debug_violation(V_OTHER, NULL,
                        "%s: the %s holds %p, which is no value %s_Store writes: it was written "
                        "without %s_Store (uninitialised memory?)",
                        fn, what, (void *)value, what, what);
        return -1;
    }
    return 0;
}

void debug_ctx_Field_Store(HPyContext *dctx, HPy target_object, HPyField *target_field, HPy h)
{
    static const char fn[] = "HPyField_Store";
    HPy uobj, uh;
    ENTER_OR(fn, return )
    if (debug_unwrap(dctx, target_object, fn, "target_object", &uobj) < 0 ||
        unwrap_stored(dctx, h, fn, "HPyField", &uh) < 0)
        return;
    /* the value replaced is released: it must be a reference */
    if (target_field != NULL && check_stored_value(target_field->_i, fn, "HPyField") < 0)
        return;
    uctx->ctx_Field_Store(uctx, uobj, target_field, uh);
}

HPy debug_ctx_Field_Load(HPyContext *dctx, HPy source_object, HPyField source_field)
{
    static const char fn[] = "HPyField_Load";
    HPy uobj;
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    UNWRAP_OR(source_object, "source_object", &uobj, fn, HPy_NULL)
    if (check_stored_value(source_field._i, fn, "HPyField") < 0) {
        debug_not_executed(fn);
        return HPy_NULL;
    }
    return debug_open(dctx, uctx->ctx_Field_Load(uctx, uobj, source_field), fn);
}

void debug_ctx_Global_Store(HPyContext *dctx, HPyGlobal *global, HPy h)
{
    static const char fn[] = "HPyGlobal_Store";
    HPy uh;
    ENTER_OR(fn, return )
    if (unwrap_stored(dctx, h, fn, "HPyGlobal", &uh) < 0)
        return;
    if (global != NULL && check_stored_value(global->_i, fn, "HPyGlobal") < 0)
        return;
    uctx->ctx_Global_Store(uctx, global, uh);
}

HPy debug_ctx_Global_Load(HPyContext *dctx, HPyGlobal global)
{
    static const char fn[] = "HPyGlobal_Load";
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    if (check_stored_value(global._i, fn, "HPyGlobal") < 0) {
        debug_not_executed(fn);
        return HPy_NULL;
    }
    return debug_open(dctx, uctx->ctx_Global_Load(uctx, global), fn);
}

/* ---- the rest ---- */

/* While Python execution is left, the per-call context that left it is
 * DEBUG_CTX_LEFT: every other function called with it is reported by
 * debug_enter_slow (fatal: without the GIL nothing else can be done). The
 * context handed out at load time is shared by all threads, so it is not
 * marked: calls made with it in that window are not detected. */
void debug_ctx_ReenterPythonExecution(HPyContext *dctx, HPyThreadState state)
{
    /* No other check of the context: the GIL is not held yet. */
    debug_uctx()->ctx_ReenterPythonExecution(debug_uctx(), state);
    if (dctx != NULL && dctx->_private != NULL) {
        DebugCtxInfo *info = (DebugCtxInfo *)dctx->_private;
        if (info->state == DEBUG_CTX_LEFT)
            info->state = DEBUG_CTX_VALID;
    }
}

HPyThreadState debug_ctx_LeavePythonExecution(HPyContext *dctx)
{
    static const char fn[] = "HPy_LeavePythonExecution";
    HPyThreadState none = { 0 };
    ENTER_OR(fn, return none)
    DebugCtxInfo *info = (DebugCtxInfo *)dctx->_private;
    if (!info->is_global)
        info->state = DEBUG_CTX_LEFT;
    return uctx->ctx_LeavePythonExecution(uctx);
}

HPy debug_ctx_Capsule_New(HPyContext *dctx, void *pointer, const char *utf8_name,
                          HPyCapsule_Destructor *destructor)
{
    static const char fn[] = "HPyCapsule_New";
    ENTER_OR(fn, debug_not_executed(fn); return HPy_NULL)
    return debug_open(dctx, uctx->ctx_Capsule_New(uctx, pointer, utf8_name, destructor), fn);
}

int32_t debug_ctx_ContextVar_Get(HPyContext *dctx, HPy context_var, HPy default_value, HPy *result)
{
    static const char fn[] = "HPyContextVar_Get";
    HPy uvar, udefault, ures = HPy_NULL;
    ENTER_OR(fn, debug_not_executed(fn); return -1)
    UNWRAP_OR(context_var, "context_var", &uvar, fn, -1)
    UNWRAP_OR(default_value, "default_value", &udefault, fn, -1)
    int32_t r = uctx->ctx_ContextVar_Get(uctx, uvar, udefault, result != NULL ? &ures : NULL);
    if (result == NULL)
        return r;
    *result = HPy_NULL;
    if (r < 0 || HPy_IsNull(ures))
        return r;
    *result = debug_open(dctx, ures, fn);
    return HPy_IsNull(*result) ? -1 : r;
}

int debug_ctx_SetCallFunction(HPyContext *dctx, HPy h, HPyCallFunction *func)
{
    static const char fn[] = "HPy_SetCallFunction";
    HPy uh;
    ENTER_OR(fn, debug_not_executed(fn); return -1)
    UNWRAP_OR(h, "h", &uh, fn, -1)
    return uctx->ctx_SetCallFunction(uctx, uh, func);
}
