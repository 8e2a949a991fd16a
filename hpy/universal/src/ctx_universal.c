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
