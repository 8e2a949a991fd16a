/* The debug context: creation, the pool of per-call contexts, the call
 * frames of ctx_CallRealFunctionFromTrampoline, and the checks every
 * wrapper starts with (debug_enter, debug_unwrap, debug_open). */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#    define _GNU_SOURCE 1
#endif
#include "debug_internal.h"
#include "hpy_host.h"
#include "hpy/runtime/buffer.h"

#include <limits.h>
#include <string.h>
#if !defined(_WIN32) && !defined(HPY_WASM_HOST)
#    define HAVE_DLADDR 1
#    include <dlfcn.h>
#endif
#ifdef HPY_WASM_HOST
#    include "wasm_guard.h"
#endif

#include "autogen_debug_wrappers.h"

typedef struct DebugCtxBlock DebugCtxBlock;
struct DebugCtxBlock {
    struct _HPyContext_s ctx;
    DebugCtxInfo info;
    DebugCtxBlock *next; /* per-call contexts: the next one in the ring */
};

static DebugCtxBlock *global_block; /* handed to extensions at load time */
static struct _HPyContext_s template_ctx;

/* The per-call contexts: a ring (linked through `next`), used in turn. A
 * context released by its frame is used again only once the ring has come
 * round (at least MIN_RING_CONTEXTS - 1 calls later), so that a stored one
 * stays invalid for a while. A context still in use when its turn comes
 * (nested calls, or calls in other threads) stays where it is and a new one
 * is inserted before it: the ring grows to the deepest nesting seen.
 * ctx_ring_last is the context taken last: ctx_ring_last->next is the one
 * whose turn is next. */
#define MIN_RING_CONTEXTS 16
static DebugCtxBlock *ctx_ring_last;
static void fill_ctx_ring(void);

/* autogen_debug_call_real.h (included below the frame functions it uses) */
static const char *debug_signature_name(HPyFunc_Signature sig);

static DebugCtxInfo *ctx_info(HPyContext *dctx)
{
    return (DebugCtxInfo *)dctx->_private;
}

static HPy open_const(HPy uh, const char *name)
{
    DebugHandle *dh = debug_handle_new_const(_h2py(uh), name);
    if (dh == NULL)
        Py_FatalError("HPy debug mode: out of memory while creating the debug context");
    return debug_as_hpy(dh);
}

static DebugCtxBlock *new_block(void)
{
    DebugCtxBlock *b = (DebugCtxBlock *)calloc(1, sizeof(DebugCtxBlock));
    if (b == NULL)
        return NULL;
    memcpy(&b->ctx, &template_ctx, sizeof(template_ctx));
    b->ctx._private = &b->info;
    b->info.state = DEBUG_CTX_INVALID;
    return b;
}

#ifdef HPY_WASM_HOST
static void guarded_call_real(HPyContext *dctx, HPyFunc_Signature sig, HPyCFunction func,
                              void *args);
#endif

HPyContext *hpy_host_debug_ctx(void)
{
    if (global_block != NULL)
        return &global_block->ctx;
    debug_state_init();
    if (debug_state.debug_error == NULL) {
        PyObject *mod = PyImport_ImportModule("hpy.debug.leakdetector");
        if (mod == NULL)
            return NULL;
        debug_state.debug_error = PyObject_GetAttrString(mod, "HPyDebugError");
        Py_DECREF(mod);
        if (debug_state.debug_error == NULL)
            return NULL;
    }
    debug_state.uctx = hpy_host_universal_ctx();
    template_ctx.name = "HPy Debug Mode ABI";
    template_ctx.abi_version = HPY_ABI_VERSION;
    debug_ctx_fill_functions(&template_ctx);
#ifdef HPY_WASM_HOST
    /* every call from CPython into the extension goes through the guard */
    template_ctx.ctx_CallRealFunctionFromTrampoline = guarded_call_real;
#endif
    debug_ctx_fill_constants(&template_ctx, debug_state.uctx, open_const);
    global_block = new_block();
    if (global_block == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    global_block->info.state = DEBUG_CTX_VALID;
    global_block->info.is_global = 1;
    fill_ctx_ring();
    return &global_block->ctx;
}

/* A new context inserted into the ring after ctx_ring_last (the slow path
 * of acquire_ctx: the context whose turn it is is in use), or as the ring
 * when there is none. */
static DebugCtxBlock *insert_ctx(void)
{
    DebugCtxBlock *b = new_block();
    if (b == NULL)
        Py_FatalError("HPy debug mode: out of memory (allocating a context)");
    if (ctx_ring_last == NULL) {
        b->next = b;
        ctx_ring_last = b;
    }
    else {
        b->next = ctx_ring_last->next;
        ctx_ring_last->next = b;
    }
    return b;
}

static void fill_ctx_ring(void)
{
    if (ctx_ring_last != NULL)
        return;
    for (int i = 0; i < MIN_RING_CONTEXTS; i++) {
        /* each new one becomes the last taken: the first one created is
         * the first to be used */
        ctx_ring_last = insert_ctx();
    }
}

static DEBUG_ALWAYS_INLINE HPyContext *acquire_ctx(DebugFrame *f)
{
    DebugCtxBlock *b = ctx_ring_last->next;
    if (DEBUG_UNLIKELY(b->info.frame != NULL))
        b = insert_ctx();
    ctx_ring_last = b;
    b->info.state = DEBUG_CTX_VALID;
    b->info.frame = f;
    return &b->ctx;
}

static DEBUG_ALWAYS_INLINE void release_ctx(HPyContext *c)
{
    DebugCtxInfo *info = ctx_info(c);
    info->state = DEBUG_CTX_INVALID;
    info->frame = NULL;
}

/* ---- the checks of every wrapper (fast paths inline in debug_internal.h) ---- */

HPyContext *debug_enter_slow(HPyContext *dctx, const char *fn)
{
    DebugCtxInfo *info = dctx != NULL ? ctx_info(dctx) : NULL;
    if (info != NULL && info->state == DEBUG_CTX_LEFT)
        /* the GIL is not held: nothing but a message and abort() */
        debug_violation(V_FATAL, NULL,
                        "%s: called while Python execution is left (between "
                        "HPy_LeavePythonExecution and HPy_ReenterPythonExecution, e.g. inside "
                        "HPy_BEGIN_LEAVE_PYTHON ... HPy_END_LEAVE_PYTHON): no HPy function but "
                        "HPy_ReenterPythonExecution may be called there",
                        fn);
    if (info == NULL || (info->state != DEBUG_CTX_VALID && info->state != DEBUG_CTX_INVALID))
        debug_violation(V_FATAL, NULL,
                        DEBUG_WRONG_CONTEXT "%s: called with a context (%p) that is not the "
                                            "HPy debug context it was given",
                        fn, (void *)dctx);
    /* cppcheck-suppress nullPointer ; a V_FATAL violation aborts, so info is not NULL */
    if (info->state != DEBUG_CTX_VALID) {
        debug_violation(V_OTHER, NULL,
                        DEBUG_WRONG_CONTEXT
                        "%s: called with an HPyContext (%p) that is no "
                        "longer valid: it was "
                        "handed to an HPy function whose call has returned. A context is valid "
                        "only during the call that received it: do not store it, use the "
                        "context of the current call",
                        fn, (void *)dctx);
        return NULL;
    }
    return debug_state.uctx;
}

int debug_unwrap_slow(HPy h, DebugHandle *dh, const char *fn, const char *param, HPy *out)
{
    *out = HPy_NULL;
    if (dh == NULL) {
        debug_violation(V_HANDLE, NULL,
                        "%s: argument '%s' is not a valid HPy handle (%p): it is not a handle of "
                        "the debug context (uninitialised memory, or a handle obtained from "
                        "another context?)",
                        fn, param, (void *)h._i);
        return -1;
    }
    if (debug_violation(V_HANDLE, dh,
                        DEBUG_CLOSED_HANDLE "%s: argument '%s' is a closed handle (use after "
                                            "close)",
                        fn, param) &&
        debug_can_go_on(dh)) {
        *out = _py2h(dh->obj);
        return 0;
    }
    return -1;
}

/* ---- frames ---- */

static DEBUG_ALWAYS_INLINE void frame_enter(DebugFrame *f, HPyFunc_Signature sig, HPyCFunction func)
{
    /* no memset: the other fields are set as they are used */
    f->nargs = 0;
    f->args_capacity = 0;
    f->violation = NULL;
    f->first_serial = debug_state.next_serial;
    f->sig = sig;
    f->func = func;
    f->prev = debug_current_frame();
    debug_set_current_frame(f);
    f->ctx = acquire_ctx(f);
}

/* "the HPyFunc_O function f_impl at mytest.hpy0.so+0x1234", as well as we
 * can: only built for a message (dladdr and formatting are slow). The
 * caller frees the result; "the HPy function" if out of memory. */
static char *describe_frame(DebugFrame *f)
{
    DebugStr s = { NULL, 0, 0 };
    debug_str_printf(&s, "the %s function", debug_signature_name(f->sig));
#ifdef HAVE_DLADDR
    Dl_info info;
    if (dladdr((void *)f->func, &info) != 0) {
        const char *file = info.dli_fname ? strrchr(info.dli_fname, '/') : NULL;
        file = file ? file + 1 : info.dli_fname;
        if (info.dli_sname != NULL && info.dli_saddr == (void *)f->func)
            debug_str_printf(&s, " %s", info.dli_sname);
        if (file != NULL)
            debug_str_printf(&s, " at %s+0x%lx", file,
                             (unsigned long)((char *)(void *)f->func - (char *)info.dli_fbase));
        else
            debug_str_printf(&s, " at %p", (void *)f->func);
        return s.buf;
    }
#endif
    debug_str_printf(&s, " at %p", (void *)f->func);
    return s.buf;
}

void debug_out_of_memory_args(void)
{
    Py_FatalError("HPy debug mode: out of memory (allocating argument handles)");
}

void debug_frame_grow_args(DebugFrame *f)
{
    if (f->args_capacity == 0) {
        /* the first one */
        f->args = f->small_args;
        f->array = f->small_array;
        f->args_capacity = DEBUG_FRAME_SMALL_ARGS;
        return;
    }
    if (f->args_capacity > INT_MAX / 2)
        debug_out_of_memory_args();
    int cap = 2 * f->args_capacity;
    DebugHandle **n = (DebugHandle **)malloc((size_t)cap * sizeof(DebugHandle *));
    if (n == NULL)
        debug_out_of_memory_args();
    memcpy(n, f->args, (size_t)f->nargs * sizeof(DebugHandle *));
    if (f->args != f->small_args)
        free(f->args);
    f->args = n;
    f->args_capacity = cap;
}

const HPy *debug_frame_arg_array(DebugFrame *f, PyObject *const *objs, HPy_ssize_t n)
{
    HPy *array = f->small_array;
    if (n <= 0)
        return array;
    if (f->args_capacity == 0)
        debug_frame_grow_args(f); /* sets up args and array */
    while ((HPy_ssize_t)f->args_capacity - f->nargs < n)
        debug_frame_grow_args(f);
    if (n > DEBUG_FRAME_SMALL_ARGS) {
        array = (HPy *)malloc((size_t)n * sizeof(HPy));
        if (array == NULL)
            debug_out_of_memory_args();
        f->array = array; /* freed by debug_frame_leave */
    }
    /* locals: the stores to the records cannot change them */
    DebugHandle **args = f->args;
    int k = f->nargs;
    for (HPy_ssize_t i = 0; i < n; i++) {
        DebugHandle *dh = debug_frame_open_arg(f, objs[i]);
        array[i] = debug_as_hpy(dh);
        if (dh != NULL)
            args[k++] = dh;
    }
    f->nargs = k;
    return array;
}

/* The part of debug_frame_leave for frames with handles in `args`. */
static void frame_close_args(DebugFrame *f)
{
    /* Close the arguments first: the extension may still be reached by the
     * code releasing them, with this frame as the current one. */
    DebugHandle **args = f->args;
    int n = f->nargs;
    for (int i = 0; i < n; i++)
        debug_frame_close_arg(f, args[i]);
    if (args != f->small_args)
        free(args);
    if (f->array != f->small_array)
        free(f->array);
}

/* The implementation returned between HPy_LeavePythonExecution and
 * HPy_ReenterPythonExecution: the GIL is not held, nothing can be raised. */
static DEBUG_COLD _HPy_NO_RETURN void returned_while_left(DebugFrame *f)
{
    char *fdesc = describe_frame(f);
    debug_violation(V_FATAL, NULL,
                    "%s returned while Python execution is left: HPy_LeavePythonExecution "
                    "without HPy_ReenterPythonExecution (or HPy_BEGIN_LEAVE_PYTHON without "
                    "HPy_END_LEAVE_PYTHON)",
                    fdesc != NULL ? fdesc : "the HPy function");
    abort(); /* (V_FATAL does not return) */
}

/* Closes the argument handles in `args` and leaves the frame (the
 * generated marshalling has closed the others). Returns 1 if a violation is
 * pending (raise mode): HPyDebugError is then set and the caller returns
 * its error value. */
static DEBUG_ALWAYS_INLINE int debug_frame_leave(DebugFrame *f)
{
    if (f->args_capacity != 0)
        frame_close_args(f);
    if (DEBUG_UNLIKELY(ctx_info(f->ctx)->state == DEBUG_CTX_LEFT))
        returned_while_left(f);
    if (DEBUG_UNLIKELY(debug_state.raw_pack_live != 0))
        debug_raw_pack_call_returns();
    debug_set_current_frame(f->prev);
    release_ctx(f->ctx);
    if (DEBUG_UNLIKELY(debug_state.nreleased != 0))
        debug_release_kept();
    if (DEBUG_UNLIKELY(f->violation != NULL)) {
        debug_frame_raise(f);
        return 1;
    }
    return 0;
}

/* The same for an implementation that returned `res` (debug_frame_result):
 * returns the new reference for CPython, or NULL. */
static DEBUG_ALWAYS_INLINE PyObject *debug_frame_leave_obj(DebugFrame *f, PyObject *res)
{
    if (DEBUG_UNLIKELY(debug_frame_leave(f))) {
        Py_XDECREF(res);
        return NULL;
    }
    return res;
}

/* The same for implementations that return nothing: a pending violation
 * is reported as unraisable. */
static DEBUG_ALWAYS_INLINE void debug_frame_leave_void(DebugFrame *f)
{
    if (DEBUG_UNLIKELY(debug_frame_leave(f)))
        PyErr_WriteUnraisable(NULL);
}

/* The violations of take_result (with the description of the frame). */
static _HPy_NOINLINE PyObject *bad_result(DebugFrame *f, HPy r, DebugHandle *dh, const char *what)
{
    char *fdesc_buf = describe_frame(f);
    const char *fdesc = fdesc_buf != NULL ? fdesc_buf : "the HPy function";
    PyObject *res = NULL;
    if (dh == NULL) {
        debug_violation(V_HANDLE, NULL, "%s of %s is not a valid HPy handle (%p)", what, fdesc,
                        (void *)r._i);
        debug_not_executed(NULL);
    }
    else if (dh->state == DH_CONST) {
        debug_violation(V_HANDLE, NULL,
                        "%s of %s is the context constant ctx->%s without HPy_Dup: a function "
                        "must return a new handle, e.g. HPy_Dup(ctx, ctx->%s)",
                        what, fdesc, dh->const_name, dh->const_name);
        res = dh->obj;
        Py_INCREF(res);
    }
    else if (dh->state == DH_OPEN) { /* an argument */
        debug_violation(V_HANDLE, dh,
                        "%s of %s is one of its argument handles, without HPy_Dup: arguments are "
                        "closed when the call returns, so return HPy_Dup(ctx, arg) instead",
                        what, fdesc);
        res = dh->obj;
        Py_INCREF(res);
    }
    else {
        if (debug_violation(V_HANDLE, dh, DEBUG_CLOSED_HANDLE "%s of %s is a closed handle", what,
                            fdesc) &&
            debug_can_go_on(dh)) {
            res = dh->obj;
            Py_INCREF(res);
        }
        else {
            debug_not_executed(NULL);
        }
    }
    free(fdesc_buf);
    return res;
}

/* Turns the handle returned by the implementation into the new reference
 * CPython gets (NULL if HPy_NULL or invalid). */
static DEBUG_ALWAYS_INLINE PyObject *take_result(DebugFrame *f, HPy r, const char *what)
{
    DebugHandle *dh;
    if (HPy_IsNull(r))
        return NULL;
    dh = debug_handle_lookup(r);
    if (DEBUG_LIKELY(dh != NULL && dh->state == DH_OPEN && dh->frame == NULL)) {
        PyObject *res = dh->obj;
        debug_handle_close(dh, "the return of its handle to CPython", 1);
        return res;
    }
    return bad_result(f, r, dh, what);
}

static DEBUG_ALWAYS_INLINE PyObject *debug_frame_result(DebugFrame *f, HPy r)
{
    return take_result(f, r, "the return value");
}

#include "autogen_debug_call_real.h"

void debug_ctx_CallRealFunctionFromTrampoline(HPyContext *dctx, HPyFunc_Signature sig,
                                              HPyCFunction func, void *args)
{
    DebugFrame frame, *f = &frame;
    (void)dctx;
    switch (sig) {
    case HPyFunc_DESTROYFUNC:
    case HPyFunc_TRAVERSEPROC:
    case HPyFunc_CAPSULE_DESTRUCTOR:
        /* no context and no handles: nothing to check */
        debug_state.uctx->ctx_CallRealFunctionFromTrampoline(debug_state.uctx, sig, func, args);
        return;
    default: break;
    }

    frame_enter(f, sig, func);
    if (debug_call_real_regular(f, sig, func, args))
        return;

    switch (sig) {
    case HPyFunc_GETBUFFERPROC: {
        _HPyFunc_args_GETBUFFERPROC *a = (_HPyFunc_args_GETBUFFERPROC *)args;
        HPy_buffer hbuf;
        memset(&hbuf, 0, sizeof(hbuf));
        HPy self = debug_frame_arg(f, a->self);
        int r = ((HPyFunc_getbufferproc)(void (*)(void))func)(f->ctx, self, &hbuf, a->flags);
        if (r < 0) {
            a->view->obj = NULL;
            a->result = debug_frame_leave(f) ? -1 : r;
            return;
        }
        /* hbuf.obj is a handle owned by the buffer: it moves to the view. */
        PyObject *obj = take_result(f, hbuf.obj, "HPy_buffer.obj filled in");
        hbuf.obj = _py2h(obj);
        _HPy_buffer_to_Py_buffer(&hbuf, a->view);
        if (debug_frame_leave(f)) {
            Py_CLEAR(a->view->obj);
            a->result = -1;
            return;
        }
        a->result = r;
        return;
    }
    case HPyFunc_RELEASEBUFFERPROC: {
        _HPyFunc_args_RELEASEBUFFERPROC *a = (_HPyFunc_args_RELEASEBUFFERPROC *)args;
        HPy_buffer hbuf;
        _HPy_buffer_from_Py_buffer(&hbuf, a->view);
        HPy self = debug_frame_arg(f, a->self);
        hbuf.obj = debug_frame_arg(f, a->view->obj);
        ((HPyFunc_releasebufferproc)(void (*)(void))func)(f->ctx, self, &hbuf);
        debug_frame_leave_void(f);
        return;
    }
    case HPyFunc_MOD_CREATE: {
        _HPyFunc_args_UNARYFUNC *a = (_HPyFunc_args_UNARYFUNC *)args;
        HPy spec = debug_frame_arg(f, a->arg0);
        HPy r = ((HPyFunc_mod_create)(void (*)(void))func)(f->ctx, spec);
        PyObject *res = debug_frame_leave_obj(f, debug_frame_result(f, r));
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
    default: break;
    }
    {
        char msg[128];
        snprintf(msg, sizeof(msg),
                 "HPy debug mode: ctx_CallRealFunctionFromTrampoline: unsupported "
                 "HPyFunc_Signature %d",
                 (int)sig);
        Py_FatalError(msg);
    }
}

#ifdef HPY_WASM_HOST
/* ---- the entry guard of the WebAssembly host (wasm/host/src/wasm_guard.h) ---- */

/* After a fault, before the stack pointer is restored: the frames between
 * the current one and `saved` were abandoned (their memory, below the
 * stack pointer of the fault, is still intact). Their argument handles
 * are closed and their contexts released, as if they had returned. */
__attribute__((visibility("default"), used)) void hpy_wasm_guard_unwind(void *saved)
{
    DebugFrame *f = debug_current_frame();
    while (f != NULL && f != (DebugFrame *)saved) {
        for (HPy_ssize_t c = 0; c < debug_nchunks; c++)
            for (int i = 0; i < DEBUG_CHUNK_RECORDS; i++)
                debug_frame_close_arg(f, &debug_chunks[c][i]);
        if (f->args_capacity != 0) {
            if (f->args != f->small_args)
                free(f->args);
            if (f->array != f->small_array)
                free(f->array);
        }
        free(f->violation); /* (the fault is what gets reported) */
        release_ctx(f->ctx);
        f = f->prev;
    }
    debug_set_current_frame((DebugFrame *)saved);
}

/* The error value of the call of signature `sig` (its Python exception is
 * set, or reported as unraisable where CPython expects none). */
static void set_error_result(HPyFunc_Signature sig, void *args)
{
#    define RESULT(SIG, VALUE) \
    case HPyFunc_##SIG: ((_HPyFunc_args_##SIG *)args)->result = VALUE; return;
    switch (sig) {
        RESULT(VARARGS, NULL)
        RESULT(KEYWORDS, NULL)
        RESULT(NOARGS, NULL)
        RESULT(O, NULL)
        RESULT(UNARYFUNC, NULL)
        RESULT(BINARYFUNC, NULL)
        RESULT(TERNARYFUNC, NULL)
        RESULT(SSIZEARGFUNC, NULL)
        RESULT(SSIZESSIZEARGFUNC, NULL)
        RESULT(GETATTRFUNC, NULL)
        RESULT(GETATTROFUNC, NULL)
        RESULT(REPRFUNC, NULL)
        RESULT(RICHCMPFUNC, NULL)
        RESULT(GETITERFUNC, NULL)
        RESULT(ITERNEXTFUNC, NULL)
        RESULT(DESCRGETFUNC, NULL)
        RESULT(NEWFUNC, NULL)
        RESULT(GETTER, NULL)
        RESULT(MOD_CREATE, NULL)
        RESULT(INQUIRY, -1)
        RESULT(LENFUNC, -1)
        RESULT(SSIZEOBJARGPROC, -1)
        RESULT(SSIZESSIZEOBJARGPROC, -1)
        RESULT(OBJOBJARGPROC, -1)
        RESULT(SETATTRFUNC, -1)
        RESULT(SETATTROFUNC, -1)
        RESULT(HASHFUNC, -1)
        RESULT(DESCRSETFUNC, -1)
        RESULT(INITPROC, -1)
        RESULT(SETTER, -1)
        RESULT(OBJOBJPROC, -1)
    case HPyFunc_GETBUFFERPROC: {
        _HPyFunc_args_GETBUFFERPROC *a = (_HPyFunc_args_GETBUFFERPROC *)args;
        a->view->obj = NULL;
        a->result = -1;
        return;
    }
    case HPyFunc_TRAVERSEPROC: /* (during a collection: no exception may be set) */
        PyErr_WriteUnraisable(NULL);
        ((_HPyFunc_args_TRAVERSEPROC *)args)->result = 0;
        return;
    default: /* the signatures without a result */ PyErr_WriteUnraisable(NULL); return;
    }
#    undef RESULT
}

/* A guarded call that ended in a fault: RuntimeError (RecursionError for
 * an exhausted stack) naming the function, and the signature's error value.
 * (In debug mode the argument handles of the abandoned frames are closed;
 * in the other modes they are the caller's.) */
static DEBUG_COLD void guard_failed(const char *mode, int how, HPyFunc_Signature sig,
                                    HPyCFunction func, void *args)
{
    DebugFrame f;
    f.sig = sig;
    f.func = func;
    char *fdesc = describe_frame(&f);
    PyErr_Clear();
    PyErr_Format(how == HPY_WASM_GUARD_STACK_OVERFLOW ? PyExc_RecursionError : PyExc_RuntimeError,
                 "HPy %s mode: %s was stopped by a fault in WebAssembly: %s; the call was "
                 "abandoned (%swhat it allocated is lost)",
                 mode, fdesc != NULL ? fdesc : "the HPy function", hpy_wasm_guard_message(),
                 strcmp(mode, "debug") == 0 ? "its argument handles are closed, " : "");
    free(fdesc);
    set_error_result(sig, args);
}

void hpy_wasm_guarded_call_real(const char *mode, HPyWasmGuarded target, HPyContext *ctx,
                                HPyFunc_Signature sig, HPyCFunction func, void *args)
{
    /* The debug frames opened since are abandoned too (a debug-mode call
     * nested in a call of another mode has its own guard, which caught any
     * fault inside it: usually there are none). */
    int how = hpy_wasm_guard_call(target, ctx, sig, func, args, debug_current_frame());
    if (DEBUG_UNLIKELY(how != HPY_WASM_GUARD_OK))
        guard_failed(mode, how, sig, func, args);
}

static void guarded_call_real(HPyContext *dctx, HPyFunc_Signature sig, HPyCFunction func,
                              void *args)
{
    hpy_wasm_guarded_call_real("debug", debug_ctx_CallRealFunctionFromTrampoline, dctx, sig, func,
                               args);
}

/* The guard's target for a module's init function, which has no HPyFunc
 * signature: `func` is the init function, `result` where its result goes. */
static void call_init(HPyContext *ctx, HPyFunc_Signature sig, HPyCFunction func, void *result)
{
    (void)ctx;
    (void)sig;
    *(HPyModuleDef **)result = ((HPyModuleDef * (*)(void)) func)();
}

int hpy_wasm_guarded_init(const char *mode, HPyModuleDef *(*init)(void), const char *init_symbol,
                          HPyModuleDef **result)
{
    *result = NULL;
    /* (the init function gets no context: no debug frame can be abandoned) */
    int how = hpy_wasm_guard_call(call_init, NULL, (HPyFunc_Signature)0, (HPyCFunction)init, result,
                                  debug_current_frame());
    if (DEBUG_LIKELY(how == HPY_WASM_GUARD_OK))
        return 0;
    PyErr_Format(how == HPY_WASM_GUARD_STACK_OVERFLOW ? PyExc_RecursionError : PyExc_RuntimeError,
                 "HPy %s mode: the module's init function %s was stopped by a fault in "
                 "WebAssembly: %s; the module is not loaded",
                 mode, init_symbol, hpy_wasm_guard_message());
    return -1;
}
#endif
