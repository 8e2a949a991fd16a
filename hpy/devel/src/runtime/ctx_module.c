/* Turning an HPyModuleDef into a CPython PyModuleDef for multi-phase
 * initialisation. Shared by the cpython ABI (PyInit_<name>, through
 * HPy_MODINIT) and the universal host (hpy.universal.load). */
#include "hpy.h"
#include "hpy/runtime/ctx_module.h"
#ifdef HPY_HOST
#    include "entry_points.h" /* hpy/universal/src: the host only */
#endif
#include "autogen_tables.h"

static Py_ssize_t count_defines(HPyDef **defines, HPyDef_Kind kind)
{
    Py_ssize_t n = 0;
    if (defines != NULL) {
        for (HPyDef **d = defines; *d != NULL; d++)
            if ((*d)->kind == kind)
                n++;
    }
    return n;
}

static Py_ssize_t count_legacy_methods(cpy_PyMethodDef *legacy)
{
    Py_ssize_t n = 0;
    if (legacy != NULL)
        while (legacy[n].ml_name != NULL)
            n++;
    return n;
}

/* Checks the parts of an HPyModuleDef that CPython cannot express, in the
 * order and with the texts of other HPy implementations (each text may be
 * followed by detail naming the module). Members and get-set descriptors
 * mean nothing in a module: like elsewhere, they are ignored. */
static int validate(HPyModuleDef *hpydef, const char *name)
{
    int has_create = 0, has_other = 0;
    if (hpydef->size < 0) {
        PyErr_Format(PyExc_SystemError, "HPy does not permit HPyModuleDef.size < 0 (module '%s')",
                     name);
        return -1;
    }
    if (hpydef->size > 0) {
        PyErr_Format(PyExc_SystemError,
                     "Module state is not supported yet in HPy, set HPyModuleDef.size = 0 if "
                     "module state is not needed (module '%s')",
                     name);
        return -1;
    }
    if (hpydef->defines == NULL)
        return 0;
    for (HPyDef **d = hpydef->defines; *d != NULL; d++) {
        if ((*d)->kind == HPyDef_Kind_Meth && _HPy_MethodFlags((*d)->meth.signature) < 0) {
            PyErr_Format(PyExc_ValueError,
                         "Unsupported HPyMeth signature (module '%s', method '%s': "
                         "signature %d)",
                         name, (*d)->meth.name != NULL ? (*d)->meth.name : "(null)",
                         (int)(*d)->meth.signature);
            return -1;
        }
    }
    for (HPyDef **d = hpydef->defines; *d != NULL; d++) {
        switch ((*d)->kind) {
        case HPyDef_Kind_Meth:
        case HPyDef_Kind_Member:
        case HPyDef_Kind_GetSet: has_other = 1; break;
        case HPyDef_Kind_Slot:
            if ((*d)->slot.slot == HPy_mod_create) {
                if (has_create) {
                    PyErr_Format(PyExc_SystemError,
                                 "Multiple definitions of the HPy_mod_create slot in "
                                 "HPyModuleDef.defines. (module '%s')",
                                 name);
                    return -1;
                }
                has_create = 1;
            }
            else if ((*d)->slot.slot == HPy_mod_exec) {
                has_other = 1;
            }
            else {
                PyErr_Format(PyExc_SystemError,
                             "Unsupported slot in HPyModuleDef.defines (value: %d). "
                             "(module '%s': only HPy_mod_create and HPy_mod_exec are "
                             "module slots)",
                             (int)(*d)->slot.slot, name);
                return -1;
            }
            break;
        default:
            PyErr_Format(PyExc_SystemError,
                         "HPy module '%s': invalid HPyDef kind %d in HPyModuleDef.defines", name,
                         (int)(*d)->kind);
            return -1;
        }
    }
    if (has_create && has_other) {
        PyErr_Format(PyExc_SystemError,
                     "HPyModuleDef defines a HPy_mod_create slot and some other slots or "
                     "methods. (module '%s': the object HPy_mod_create returns is not a "
                     "module, so there is nothing to add definitions to or to execute)",
                     name);
        return -1;
    }
    if (has_create &&
        (hpydef->legacy_methods != NULL || hpydef->doc != NULL || hpydef->globals != NULL)) {
        PyErr_Format(PyExc_SystemError,
                     "HPyModuleDef defines a HPy_mod_create slot and some of the other "
                     "fields are not set to their default value. (module '%s': doc, "
                     "legacy_methods and globals must be unset)",
                     name);
        return -1;
    }
    return 0;
}

/* What CPython calls for a method: the extension's trampoline, or in the
 * universal host the host's own entry point when `ctx` allows it. */
static PyCFunction method_entry(HPyContext *ctx, HPyMeth *m)
{
#ifdef HPY_HOST
    HPyCFunction ep = _HPy_HostEntryPoint(ctx, m->signature, m->impl);
    if (ep != NULL)
        return (PyCFunction)(void (*)(void))ep;
#else
    (void)ctx;
#endif
    return (PyCFunction)(void (*)(void))m->cpy_trampoline;
}

_HPy_HIDDEN PyModuleDef *_HPyModuleDef_AsPyModuleDef(HPyContext *ctx, HPyModuleDef *hpydef,
                                                     const char *name)
{
    if (validate(hpydef, name) < 0)
        return NULL;

    Py_ssize_t n_meth = count_defines(hpydef->defines, HPyDef_Kind_Meth);
    Py_ssize_t n_legacy = count_legacy_methods(hpydef->legacy_methods);
    Py_ssize_t n_slots = count_defines(hpydef->defines, HPyDef_Kind_Slot);

    /* One allocation holds the def, its method table and its slots. They
     * must live as long as any module made from them: never freed. */
    size_t size = sizeof(PyModuleDef) + (size_t)(n_meth + n_legacy + 1) * sizeof(PyMethodDef) +
                  (size_t)(n_slots + 1) * sizeof(PyModuleDef_Slot);
    char *mem = (char *)PyMem_RawCalloc(1, size);
    if (mem == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    PyModuleDef *def = (PyModuleDef *)mem;
    PyMethodDef *methods = (PyMethodDef *)(mem + sizeof(PyModuleDef));
    PyModuleDef_Slot *slots = (PyModuleDef_Slot *)(methods + n_meth + n_legacy + 1);

    Py_ssize_t im = 0, is = 0;
    if (hpydef->defines != NULL) {
        for (HPyDef **d = hpydef->defines; *d != NULL; d++) {
            if ((*d)->kind == HPyDef_Kind_Meth) {
                methods[im].ml_name = (*d)->meth.name;
                methods[im].ml_meth = method_entry(ctx, &(*d)->meth);
                methods[im].ml_flags = _HPy_MethodFlags((*d)->meth.signature);
                methods[im].ml_doc = (*d)->meth.doc;
                im++;
            }
            else if ((*d)->kind == HPyDef_Kind_Slot) {
                slots[is].slot = (*d)->slot.slot == HPy_mod_create ? Py_mod_create : Py_mod_exec;
                slots[is].value = (void *)(*d)->slot.cpy_trampoline;
                is++;
            }
        }
    }
    for (Py_ssize_t i = 0; i < n_legacy; i++)
        methods[im++] = hpydef->legacy_methods[i];

    PyModuleDef template_def = {
        .m_base = PyModuleDef_HEAD_INIT,
        .m_name = name,
        .m_doc = hpydef->doc,
        .m_size = 0,
        .m_methods = methods,
        .m_slots = slots,
    };
    *def = template_def;
    return def;
}

#ifdef HPY_ABI_CPYTHON
_HPy_HIDDEN PyObject *_HPyModuleDef_CPythonInit(HPyModuleDef *hpydef)
{
    _HPy_InitCPythonContextHandles(&_hpy_cpython_ctx);
    /* Multi-phase initialisation: the import system takes the real name from
     * the module spec. */
    PyModuleDef *def = _HPyModuleDef_AsPyModuleDef(&_hpy_cpython_ctx, hpydef, "<HPy module>");
    if (def == NULL)
        return NULL;
    return PyModuleDef_Init(def);
}
#endif
