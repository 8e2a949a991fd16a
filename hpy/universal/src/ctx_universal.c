/* The universal context of the CPython host: one process-wide table of the
 * HPy API implemented on top of the C API, and the dispatcher that
 * extension-side trampolines call to reach an implementation
 * (ctx_CallRealFunctionFromTrampoline, loading protocol §8). */
#include "hpy.h"
#include "hpy/runtime/buffer.h"
#include "hpy_host.h"
#include "autogen_ctx_impl.h"
#include "autogen_ctx_init.h"
#include "autogen_layout_checks.h"

static struct _HPyContext_s universal_ctx;

/* The context handed to modules loaded in universal mode: the same members
 * as universal_ctx, at another address. universal_ctx is also what the
 * debug and trace contexts wrap (they call its members with it), so the
 * address tells the shared runtime (ctx_module.c, ctx_type.c) that its
 * caller is a universal-mode extension, whose trampolines would only reach
 * the implementation with this context: the host may then install its own
 * entry points (entry_points.c), which call the implementation with it. */
_HPy_HIDDEN struct _HPyContext_s _hpy_universal_mode_ctx;

/* The context of the binaries loaded in universal mode whose trampolines
 * call their implementations directly (load.c): the same members again, at
 * a third address, which tells the runtime to keep those trampolines
 * rather than install the host's entry points (entry_points.c). */
_HPy_HIDDEN struct _HPyContext_s _hpy_universal_direct_ctx;

static void fill(HPyContext *ctx)
{
    hpy_universal_ctx_fill(ctx);
    ctx->_private = NULL;
    ctx->abi_version = HPY_ABI_VERSION;
    ctx->name = "HPy Universal ABI (CPython backend)";
}

HPyContext *hpy_host_universal_ctx(void)
{
    HPyContext *ctx = &universal_ctx;
    if (ctx->name == NULL)
        fill(ctx);
    return ctx;
}

HPyContext *hpy_host_universal_mode_ctx(void)
{
    HPyContext *ctx = &_hpy_universal_mode_ctx;
    if (ctx->name == NULL)
        fill(ctx);
    return ctx;
}

HPyContext *hpy_host_universal_direct_ctx(void)
{
    HPyContext *ctx = &_hpy_universal_direct_ctx;
    if (ctx->name == NULL)
        fill(ctx);
    return ctx;
}

/* Adapts CPython's visitproc to the HPyFunc_visitproc a traverse
 * implementation calls for each HPyField. */
typedef struct {
    visitproc visit;
    void *arg;
} field_visit_closure;

static int visit_field(HPyField *field, void *closure)
{
    field_visit_closure *c = (field_visit_closure *)closure;
    PyObject *obj = _hf2py(*field);
    return obj == NULL ? 0 : c->visit(obj, c->arg);
}

void ctx_CallRealFunctionFromTrampoline(HPyContext *ctx, HPyFunc_Signature sig, HPyCFunction func,
                                        void *args)
{
    switch (sig) {
        /* The signatures whose marshalling is generated (api/signatures.ts). */
#include "autogen_call_real.h"

    /* The others, marshalled by hand. */
    case HPyFunc_GETBUFFERPROC: {
        _HPyFunc_args_GETBUFFERPROC *a = (_HPyFunc_args_GETBUFFERPROC *)args;
        HPyFunc_getbufferproc f = (HPyFunc_getbufferproc)(void (*)(void))func;
        HPy_buffer hbuf;
        a->result = f(ctx, _py2h(a->self), &hbuf, a->flags);
        if (a->result < 0) {
            a->view->obj = NULL;
            return;
        }
        /* hbuf.obj is a handle, i.e. one reference: it moves to the view. */
        _HPy_buffer_to_Py_buffer(&hbuf, a->view);
        return;
    }
    case HPyFunc_RELEASEBUFFERPROC: {
        _HPyFunc_args_RELEASEBUFFERPROC *a = (_HPyFunc_args_RELEASEBUFFERPROC *)args;
        HPyFunc_releasebufferproc f = (HPyFunc_releasebufferproc)(void (*)(void))func;
        HPy_buffer hbuf;
        _HPy_buffer_from_Py_buffer(&hbuf, a->view);
        f(ctx, _py2h(a->self), &hbuf);
        return;
    }
    case HPyFunc_TRAVERSEPROC: {
        _HPyFunc_args_TRAVERSEPROC *a = (_HPyFunc_args_TRAVERSEPROC *)args;
        HPyFunc_traverseproc f = (HPyFunc_traverseproc)(void (*)(void))func;
        field_visit_closure c = { (visitproc)a->visit, a->arg };
        a->result = f(_HPy_StructOfObject(a->self), visit_field, &c);
        return;
    }
    case HPyFunc_CAPSULE_DESTRUCTOR: {
        PyObject *capsule = (PyObject *)args;
        HPyFunc_Capsule_Destructor f = (HPyFunc_Capsule_Destructor)(void (*)(void))func;
        const char *name = PyCapsule_GetName(capsule);
        void *pointer = PyCapsule_GetPointer(capsule, name);
        void *context = PyCapsule_GetContext(capsule);
        f(name, pointer, context);
        return;
    }
    case HPyFunc_MOD_CREATE: {
        _HPyFunc_args_UNARYFUNC *a = (_HPyFunc_args_UNARYFUNC *)args;
        HPyFunc_mod_create f = (HPyFunc_mod_create)(void (*)(void))func;
        PyObject *res = _h2py(f(ctx, _py2h(a->arg0)));
        if (res != NULL && PyModule_Check(res)) {
            Py_DECREF(res);
            PyErr_SetString(PyExc_SystemError,
                            "HPy_mod_create slot returned a builtin module object. This is "
                            "currently not supported.");
            res = NULL;
        }
        a->result = res;
        return;
    }
    case HPyFunc_DESTROYFUNC:
        Py_FatalError("HPy: a destroy function must not be called through "
                      "ctx_CallRealFunctionFromTrampoline (the host calls it itself)");
    default: break;
    }
    {
        char msg[128];
        snprintf(msg, sizeof(msg),
                 "HPy: ctx_CallRealFunctionFromTrampoline: unsupported HPyFunc_Signature %d",
                 (int)sig);
        Py_FatalError(msg);
    }
}

/* ---- the inline calls of a binary (direct_calls.h) ---- */

#if defined(HPY_WASM_HOST) || PY_VERSION_HEX >= 0x030B0000
/* Whether CPython returns one and the same object for the int `v` from
 * both PyLong_FromLongLong and PyLong_FromSsize_t (the two context
 * functions the binary answers for), and it is at `at`. Both results are
 * alive at once, so equal pointers mean a cached object, not a reused
 * block. */
static int small_int_at(long long v, const char *at)
{
    PyObject *a = PyLong_FromLongLong(v);
    PyObject *b = PyLong_FromSsize_t((Py_ssize_t)v);
    int ok = a != NULL && a == b && (const char *)a == at;
    Py_XDECREF(a);
    Py_XDECREF(b);
    return ok;
}

/* The farthest probed for: CPython caches -5..256 (-5..1024 from 3.14). */
#    define SMALL_INT_PROBE 4096

/* Finds the cached small ints: a run of objects at one stride around 0.
 * Only from 3.11 (the WebAssembly host runs 3.13 on), where they are one
 * array of the runtime, shared by every interpreter and alive as long as
 * the process (before, each interpreter had its own). */
static void probe_small_ints(_HPyDirectCalls *c)
{
    PyObject *zero = PyLong_FromLongLong(0), *one = PyLong_FromLongLong(1);
    HPy_ssize_t stride = one == NULL || zero == NULL ? 0 : (const char *)one - (const char *)zero;
    long long lo = 0, hi = 1;
    int ok =
        stride > 0 && small_int_at(0, (const char *)zero) && small_int_at(1, (const char *)one);
    if (ok) {
        while (hi < SMALL_INT_PROBE && small_int_at(hi + 1, (const char *)zero + (hi + 1) * stride))
            hi++;
        while (lo > -SMALL_INT_PROBE &&
               small_int_at(lo - 1, (const char *)zero + (lo - 1) * stride))
            lo--;
        ok = hi < SMALL_INT_PROBE && lo > -SMALL_INT_PROBE;
    }
    if (ok) {
        c->small_ints = (intptr_t)((const char *)zero + lo * stride);
        c->small_int_stride = stride;
        c->small_int_min = lo;
        c->small_int_count = (uint64_t)(hi - lo + 1);
    }
    Py_XDECREF(zero);
    Py_XDECREF(one);
    PyErr_Clear();
}
#else
static void probe_small_ints(_HPyDirectCalls *c)
{
    (void)c;
}
#endif

/* Whether a str's UTF-8 is what the binary would read for it: its own data
 * exactly when the state bits say compact ASCII. */
static int str_as_read(const _HPyDirectCalls *c, const char *text, int compact_ascii)
{
    PyObject *s = PyUnicode_FromString(text);
    Py_ssize_t size = -1;
    const char *utf8 = s == NULL ? NULL : PyUnicode_AsUTF8AndSize(s, &size);
    int ok = 0;
    if (utf8 != NULL) {
        uint32_t state;
        memcpy(&state, (const char *)s + c->str_state_at, sizeof(state));
        ok = ((state & c->str_ascii_mask) == c->str_ascii_bits) == compact_ascii &&
             (!compact_ascii ||
              (utf8 == (const char *)s + c->str_data_at &&
               *(const Py_ssize_t *)(const void *)((const char *)s + c->str_length_at) == size));
    }
    PyErr_Clear();
    Py_XDECREF(s);
    return ok;
}

/* Where a str keeps its state and which bits mean compact ASCII: from the
 * headers of the running interpreter natively; in WebAssembly the layout
 * the start-up check found (hpy_wasm_fast_paths.h). */
static int str_layout(_HPyDirectCalls *c)
{
#ifdef HPY_WASM_HOST
    if (!(_HPyWasm_fast & _HPyWasm_FAST_STR))
        return 0;
    c->str_state_at = (HPy_ssize_t)offsetof(_HPyWasm_ASCII, state);
    c->str_ascii_mask = _HPyWasm_STATE_COMPACT_ASCII;
    c->str_ascii_bits = _HPyWasm_STATE_IS_COMPACT_ASCII;
    c->str_length_at = (HPy_ssize_t)offsetof(_HPyWasm_ASCII, length);
    c->str_data_at = (HPy_ssize_t)sizeof(_HPyWasm_ASCII);
    return 1;
#else
    PyASCIIObject probe;
    uint32_t mask;
    if (sizeof(probe.state) != sizeof(uint32_t))
        return 0;
    memset(&probe, 0, sizeof(probe));
    probe.state.compact = 1;
    probe.state.ascii = 1;
    memcpy(&mask, &probe.state, sizeof(mask));
    c->str_state_at = (HPy_ssize_t)offsetof(PyASCIIObject, state);
    c->str_ascii_mask = mask;
    c->str_ascii_bits = mask;
    c->str_length_at = (HPy_ssize_t)offsetof(PyASCIIObject, length);
    c->str_data_at = (HPy_ssize_t)sizeof(PyASCIIObject);
    return mask != 0;
#endif
}

/* The str part of the offer, checked on two strings. */
static void probe_str(_HPyDirectCalls *c)
{
    if (str_layout(c) && str_as_read(c, "spam", 1) && str_as_read(c, "sp\xc3\xa4m", 0))
        c->str_type = (intptr_t)&PyUnicode_Type;
}

/* Whether the binary's reading of an int (_HPy_DirectCompactLongBy, the
 * same code) of the layout `kind` gives CPython's value for `v` exactly
 * when `compact` says it may answer. */
static int long_as_read(uint32_t kind, long long v, int compact)
{
    PyObject *o = PyLong_FromLongLong(v);
    int64_t got = 0;
    int ok = o != NULL && Py_TYPE(o) == &PyLong_Type &&
             _HPy_DirectCompactLongBy((intptr_t)o, kind, &got) == compact &&
             (!compact || got == (int64_t)v);
    Py_XDECREF(o);
    PyErr_Clear();
    return ok;
}

/* The int part of the offer: the first layout of the two that reads every
 * int of one 30-bit digit, and no other, as CPython does (15-bit digits,
 * another header or a later layout: no offer). */
static void probe_long(_HPyDirectCalls *c)
{
    static const long long compact[] = {
        0, 1, -1, 2, -5, 255, 256, -1000, 123456789, (1LL << 30) - 1, -((1LL << 30) - 1)
    };
    static const long long wide[] = { 1LL << 30, -(1LL << 30), 1LL << 45, -(1LL << 62) };
    static const uint32_t kinds[] = { _HPY_LONG_KIND_SIZE, _HPY_LONG_KIND_TAG };
    size_t k, i;
    if (sizeof(void *) != sizeof(Py_ssize_t))
        return;
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        int ok = 1;
        for (i = 0; ok && i < sizeof(compact) / sizeof(compact[0]); i++)
            ok = long_as_read(kinds[k], compact[i], 1);
        for (i = 0; ok && i < sizeof(wide) / sizeof(wide[0]); i++)
            ok = long_as_read(kinds[k], wide[i], 0);
        if (ok) {
            c->long_type = (intptr_t)&PyLong_Type;
            c->long_kind = kinds[k];
            return;
        }
    }
}

void hpy_host_direct_calls(_HPyDirectCalls *calls)
{
    static _HPyDirectCalls offer;
    static int probed;
    if (!probed) {
        probed = 1;
#ifdef HPY_WASM_HOST
        /* the items where the start-up check found them (and offered them
         * to the trampolines, hpy_host_direct_signatures) */
        if (_HPyWasm_fast & _HPyWasm_FAST_TUPLE)
            offer.tuple_type = (intptr_t)&PyTuple_Type;
#else
        offer.tuple_type = (intptr_t)&PyTuple_Type;
#endif
        probe_str(&offer);
        probe_small_ints(&offer);
        probe_long(&offer);
    }
    *calls = offer;
}
