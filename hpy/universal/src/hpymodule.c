/* The module hpy.universal: loads universal and hybrid HPy binaries into
 * CPython (load, _load_bootstrap), selecting the context for each from its
 * arguments or the HPY environment variable. */
#include "hpy.h"
#include "hpy_host.h"
#include "utf8_cut.h"

#include <string.h>

#include "autogen_modes.h"

static HPyContext *context_for_mode(int mode)
{
    switch (mode) {
    case MODE_UNIVERSAL: return hpy_host_universal_mode_ctx();
    case MODE_DEBUG: return hpy_host_debug_ctx();
    case MODE_TRACE: return hpy_host_trace_ctx();
    default: PyErr_Format(PyExc_ValueError, "invalid HPy mode: %d", mode); return NULL;
    }
}

/* The spec must be what PyModule_FromDefAndSpec reads: an object with a
 * str attribute `name`. Checked first, so that a wrong argument is named. */
static int check_spec(const char *func, PyObject *spec)
{
    PyObject *spec_name = PyObject_GetAttrString(spec, "name");
    if (spec_name == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
    }
    else if (PyUnicode_Check(spec_name)) {
        Py_DECREF(spec_name);
        return 0;
    }
    PyErr_Format(PyExc_TypeError,
                 "%s() argument 'spec' must be a module spec (an object with a str "
                 "attribute 'name'), not %s",
                 func, Py_TYPE(spec)->tp_name);
    Py_XDECREF(spec_name);
    return -1;
}

static PyObject *load(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", "path", "spec", "debug", "mode", NULL };
    PyObject *name, *path, *spec;
    int debug = 0, mode = -1;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "UOO|pi:load", kwlist, &name, &path, &spec,
                                     &debug, &mode))
        return NULL;
    /* -1, the default, means "as `debug` says"; a positive mode wins over
     * `debug` (as upstream), but debug=True with mode=MODE_UNIVERSAL asks
     * for two different things. */
    if (mode < -1 || mode >= N_MODES) {
        PyErr_Format(PyExc_ValueError,
                     "invalid HPy mode: %d (load() argument 'mode' must be " MODES_BY_CONSTANT
                     ", or -1 to follow 'debug')",
                     mode);
        return NULL;
    }
    if (debug && mode == MODE_UNIVERSAL) {
        PyErr_SetString(PyExc_ValueError,
                        "load() arguments 'debug' and 'mode' conflict: debug=True asks for "
                        "the debug mode, mode=MODE_UNIVERSAL for the universal mode");
        return NULL;
    }
    if (mode < 0)
        mode = debug ? MODE_DEBUG : MODE_UNIVERSAL;
    if (check_spec("load", spec) < 0)
        return NULL;
    HPyContext *ctx = context_for_mode(mode);
    if (ctx == NULL)
        return NULL;
    return hpy_host_load(name, path, spec, ctx, mode_names[mode]);
}

/* The mode a module is loaded in, from the value of HPY: unset or empty ->
 * universal; "universal", "debug" or "trace" for every module (any case);
 * or "name:mode,name:mode" per module, where an unlisted module is an
 * error. */
static int mode_from_env(const char *modname, PyObject *env)
{
    PyObject *value = PyMapping_GetItemString(env, "HPY");
    if (value == NULL) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            return MODE_UNIVERSAL;
        }
        return MODE_INVALID;
    }
    const char *text = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;
    if (text == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "HPY environment variable must be a str");
        Py_DECREF(value);
        return MODE_INVALID;
    }
    int mode = MODE_INVALID;
    size_t namelen = strlen(modname);
    if (*text == '\0')
        mode = MODE_UNIVERSAL;
    else if (strchr(text, ':') == NULL) {
        for (int m = 0; m < N_MODES; m++)
            if (PyOS_stricmp(text, mode_names[m]) == 0)
                mode = m;
    }
    else {
        /* name:mode{,name:mode} */
        const char *entry = text;
        while (entry != NULL && *entry) {
            const char *colon = strchr(entry, ':');
            const char *comma = strchr(entry, ',');
            size_t entry_len = comma ? (size_t)(comma - entry) : strlen(entry);
            if (colon != NULL && colon < entry + entry_len && (size_t)(colon - entry) == namelen &&
                strncmp(entry, modname, namelen) == 0) {
                size_t word_len = entry_len - namelen - 1;
                for (int m = 0; m < N_MODES; m++)
                    if (strlen(mode_names[m]) == word_len &&
                        PyOS_strnicmp(colon + 1, mode_names[m], (Py_ssize_t)word_len) == 0)
                        mode = m;
                break;
            }
            entry = comma ? comma + 1 : NULL;
        }
    }
    if (mode == MODE_INVALID) {
        char shown[_HPy_UTF8_CUT_SIZE(50)];
        PyErr_Format(PyExc_ValueError,
                     "invalid HPy mode: %s (module '%s'; expected " MODES_BY_NAME
                     ", or name:mode,name:mode listing the module)",
                     _HPy_Utf8Cut(shown, text, 50), modname);
    }
    Py_DECREF(value);
    return mode;
}

static int log_enabled(PyObject *env)
{
    PyObject *key = PyUnicode_FromString("HPY_LOG");
    if (key == NULL)
        return -1;
    int has = PyMapping_HasKey(env, key);
    Py_DECREF(key);
    return has;
}

/* Sets an import attribute of what was loaded. An HPy_mod_create slot may
 * return any object, and, as importlib does for the objects extension
 * modules create, an object that takes no such attribute is left as it
 * is; a module must take them all. */
static int set_import_attr(PyObject *module, int is_module, const char *attr, PyObject *value)
{
    if (PyObject_SetAttrString(module, attr, value) == 0)
        return 0;
    if (is_module || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return -1;
    PyErr_Clear();
    return 0;
}

static PyObject *load_bootstrap(PyObject *self, PyObject *args)
{
    PyObject *name, *ext_name, *package, *file, *loader, *spec, *env;
    (void)self;
    if (!PyArg_ParseTuple(args, "UOOOOOO:_load_bootstrap", &name, &ext_name, &package, &file,
                          &loader, &spec, &env))
        return NULL;
    const char *modname = PyUnicode_AsUTF8(name);
    if (modname == NULL)
        return NULL;
    int mode = mode_from_env(modname, env);
    if (mode == MODE_INVALID)
        return NULL;
    int log = log_enabled(env);
    if (log < 0)
        return NULL;
    if (log) {
        const char *suffix = mode == MODE_DEBUG   ? " with a debug context"
                             : mode == MODE_TRACE ? " with a trace context"
                                                  : "";
        PySys_WriteStdout("Loading '%s' in HPy universal mode%s\n", modname, suffix);
    }
    if (check_spec("_load_bootstrap", spec) < 0)
        return NULL;
    HPyContext *ctx = context_for_mode(mode);
    if (ctx == NULL)
        return NULL;
    PyObject *module = hpy_host_load(name, file, spec, ctx, mode_names[mode]);
    if (module == NULL)
        return NULL;
    int is_module = PyModule_Check(module);
    if (set_import_attr(module, is_module, "__file__", file) < 0 ||
        set_import_attr(module, is_module, "__loader__", loader) < 0 ||
        set_import_attr(module, is_module, "__name__", ext_name) < 0 ||
        set_import_attr(module, is_module, "__package__", package) < 0 ||
        PyObject_SetAttrString(spec, "origin", file) < 0 ||
        set_import_attr(module, is_module, "__spec__", spec) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

static PyObject *get_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *mod = PyImport_ImportModule("hpy._version");
    if (mod == NULL)
        return NULL;
    PyObject *version = PyObject_GetAttrString(mod, "__version__");
    PyObject *revision = version ? PyObject_GetAttrString(mod, "__git_revision__") : NULL;
    if (version != NULL && revision == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        revision = PyUnicode_FromString("");
    }
    Py_DECREF(mod);
    PyObject *result = (version && revision) ? PyTuple_Pack(2, version, revision) : NULL;
    Py_XDECREF(version);
    Py_XDECREF(revision);
    return result;
}

static PyObject *entry_points_in_use(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return hpy_host_entry_points_in_use();
}

/* The private switches of the host's fast paths, for tests and A/B runs:
 * each takes a truth value and returns the previous setting. */
static PyObject *set_switch(PyObject *arg, int (*set)(int))
{
    int enabled = PyObject_IsTrue(arg);
    if (enabled < 0)
        return NULL;
    return PyBool_FromLong(set(enabled));
}

static PyObject *set_entry_points_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_entry_points_enabled);
}

static PyObject *set_direct_trampolines_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_trampolines_enabled);
}

static PyObject *set_direct_inline_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_inline_enabled);
}

static PyObject *set_direct_refcount_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_refcount_enabled);
}

static PyObject *set_direct_calls_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_calls_enabled);
}

static PyObject *set_direct_alloc_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_alloc_enabled);
}

static PyObject *set_direct_typeflags_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    return set_switch(arg, hpy_host_set_direct_typeflags_enabled);
}

static PyMethodDef methods[] = {
    { "load", (PyCFunction)(void (*)(void))load, METH_VARARGS | METH_KEYWORDS,
      "load(name, path, spec, debug=False, mode=-1): load an HPy universal or hybrid binary "
      "and return the module (not inserted into sys.modules)." },
    { "_load_bootstrap", load_bootstrap, METH_VARARGS,
      "What the .py stubs next to universal binaries call: load honouring the HPY and "
      "HPY_LOG variables of `env`, and fill in the module's import attributes." },
    { "get_version", get_version, METH_NOARGS, "Return (version, git_revision)." },
    { "_entry_points_in_use", entry_points_in_use, METH_NOARGS,
      "Private: {signature name: slots in use} of the host's own entry points, which "
      "modules and types loaded in universal mode get instead of their trampolines." },
    { "_set_entry_points_enabled", set_entry_points_enabled, METH_O,
      "Private: switch the host's own entry points on or off for what is created "
      "afterwards (for tests and benchmarks); returns the previous setting." },
    { "_set_direct_trampolines_enabled", set_direct_trampolines_enabled, METH_O,
      "Private: let binaries loaded for the first time afterwards in universal mode call "
      "their implementations from their own trampolines, or not (for tests and "
      "benchmarks); returns the previous setting." },
    { "_set_direct_inline_enabled", set_direct_inline_enabled, METH_O,
      "Private: let binaries with direct trampolines loaded for the first time afterwards "
      "answer HPy_TypeCheck and _HPy_AsStruct_Object themselves where they can, or not "
      "(for tests and benchmarks); returns the previous setting." },
    { "_set_direct_refcount_enabled", set_direct_refcount_enabled, METH_O,
      "Private: let binaries with the inline fast paths loaded for the first time afterwards "
      "answer HPy_Dup, HPy_Close and HPy_Type themselves by the host's reference-count "
      "model, or not (for tests and benchmarks); returns the previous setting." },
    { "_set_direct_calls_enabled", set_direct_calls_enabled, METH_O,
      "Private: let binaries with the inline fast paths loaded for the first time afterwards "
      "answer HPy_Length, HPy_GetItem_i, HPyUnicode_AsUTF8AndSize and HPyLong_FromInt64_t/"
      "FromSsize_t themselves for built-in objects, or not (for tests and benchmarks); "
      "returns the previous setting." },
    { "_set_direct_alloc_enabled", set_direct_alloc_enabled, METH_O,
      "Private: let binaries with the inline fast paths loaded for the first time afterwards "
      "answer HPy_New (of the host's marked types) and HPyTuple_FromArray themselves, or not "
      "(for tests and benchmarks); returns the previous setting." },
    { "_set_direct_typeflags_enabled", set_direct_typeflags_enabled, METH_O,
      "Private: let binaries with the inline fast paths loaded for the first time afterwards "
      "answer HPy_TypeCheck's no for int, list, tuple, bytes, str, dict, BaseException and "
      "type by CPython's fast-subclass flags, or not (for tests and benchmarks); returns the "
      "previous setting." },
    { NULL, NULL, 0, NULL },
};

static int exec_module(PyObject *m)
{
    if (add_mode_constants(m) < 0)
        return -1;
    return hpy_host_add_submodules(m);
}

static PyModuleDef_Slot slots[] = {
    { Py_mod_exec, (void *)exec_module },
    { 0, NULL },
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hpy.universal",
    .m_doc = "The CPython host of HPy's universal ABI.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC PyInit_universal(void);

PyMODINIT_FUNC PyInit_universal(void)
{
    return PyModuleDef_Init(&moduledef);
}
