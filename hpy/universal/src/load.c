/* Loading a universal or hybrid binary (the loading protocol, §3): open the
 * library, check the HPy version it asks for and the tag in its file name,
 * hand it its context, get its HPyModuleDef and create the module. */
#include "hpy.h"
#include "hpy/runtime/ctx_module.h"
#include "hpy_host.h"
#ifdef HPY_WASM_HOST
#    include "wasm_guard.h"
#endif

#include <ctype.h>
#include <string.h>

#ifdef _WIN32
#    include <windows.h>
#    define hpy_dlopen(path) ((void *)LoadLibraryA(path))
#    define hpy_dlsym(lib, sym) ((void *)GetProcAddress((HMODULE)(lib), (sym)))
static const char *hpy_dlerror(void)
{
    return "LoadLibrary/GetProcAddress failed";
}
#else
#    include <dlfcn.h>
#    define hpy_dlopen(path) dlopen((path), RTLD_NOW)
#    define hpy_dlsym(lib, sym) dlsym((lib), (sym))
static const char *hpy_dlerror(void)
{
    const char *err = dlerror();
    return err != NULL ? err : "(no message)";
}
#endif

/* Symbol names are built from prefixes and the short name truncated to 200
 * characters, as the protocol specifies (hence buffers of 258 bytes). */
#define SYMBOL_BUFFER 258

typedef uint32_t (*version_getter)(void);
typedef void (*init_global_context)(HPyContext *);
typedef HPyModuleDef *(*hpy_init)(void);
typedef uint64_t (*init_direct_trampolines)(uint64_t wanted, HPy_ssize_t tuple_size_at,
                                            HPy_ssize_t tuple_items_at);
typedef int (*init_direct_inline)(HPy_ssize_t ob_type_at, HPy_ssize_t tp_mro_at,
                                  HPy_ssize_t tp_alloc_at, _HPyDirectMarker alloc_marker,
                                  HPy_ssize_t struct_at);
typedef int (*init_direct_refcount)(HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at,
                                    uint32_t flags, uint32_t incref_stop, uint32_t decref_stop,
                                    void (*refcnt_zero)(void *));
typedef int (*init_direct_calls)(const _HPyDirectCalls *offer, size_t offer_size);
typedef int (*init_direct_typeflags)(HPy_ssize_t tp_flags_at, const void *const *types,
                                     const uint32_t *flags, size_t n);
typedef int (*init_direct_alloc)(const void *type_type, void *(*alloc_new)(void *, HPy_ssize_t),
                                 void *(*tuple_new)(HPy_ssize_t));

/* The symbol suffix of a module: the text after the last dot, with every
 * '-' replaced by '_'. Returns a new bytes object (ASCII). */
static PyObject *short_name(PyObject *name)
{
    Py_ssize_t len = PyUnicode_GetLength(name);
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, len, -1);
    if (dot == -2)
        return NULL;
    PyObject *tail = PyUnicode_Substring(name, dot + 1, len);
    if (tail == NULL)
        return NULL;
    PyObject *ascii = PyUnicode_AsASCIIString(tail);
    Py_DECREF(tail);
    if (ascii == NULL)
        return NULL;
    char *s = PyBytes_AS_STRING(ascii);
    for (; *s; s++)
        if (*s == '-')
            *s = '_';
    return ascii;
}

/* The messages of the loader start with the texts other HPy hosts use (the
 * tests of existing extensions match them); some add detail after them. */

static void build_symbol(char *buf, const char *prefix, const char *shortname)
{
    snprintf(buf, SYMBOL_BUFFER, "%s_%.200s", prefix, shortname);
}

/* The symbol `prefix`_`shortname` of the library, or NULL if it has none
 * (no exception: for the optional parts of the handshake). */
static void *find_optional_symbol(void *lib, const char *prefix, const char *shortname)
{
    char symbol[SYMBOL_BUFFER];
    build_symbol(symbol, prefix, shortname);
    return hpy_dlsym(lib, symbol);
}

static void *find_symbol(void *lib, const char *prefix, const char *shortname, const char *path)
{
    char symbol[SYMBOL_BUFFER];
    build_symbol(symbol, prefix, shortname);
    void *sym = hpy_dlsym(lib, symbol);
    if (sym == NULL)
        PyErr_Format(PyExc_RuntimeError,
                     "Error during loading of the HPy extension module at path '%s' while "
                     "trying to find symbol '%s'. Did you usethe HPy_MODINIT macro to register "
                     "your module? Error message from dlsym/WinAPI: %s",
                     path, symbol, hpy_dlerror());
    return sym;
}

/* The file name part of a path: what follows the last separator. */
static const char *base_name(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++) {
        if (*p == '/')
            base = p + 1;
#ifdef _WIN32
        if (*p == '\\' || *p == ':')
            base = p + 1;
#endif
    }
    return base;
}

/* Parses a file name of the form <name>.hpy<major>.<ext> (universal) or
 * <name>.hpy<major>-<tag>.<ext> (hybrid), where <name>, <tag> and <ext> are
 * non-empty and contain no dot, and <major> is decimal without leading
 * zeros. On success stores where the digits of <major> start and how many
 * there are, and returns 0; returns -1 if the name is not of that form.
 * Only the file name is looked at: directories may contain ".hpy". */
static int parse_abi_tag(const char *filename, const char **digits, size_t *ndigits)
{
    const char *name_end = strchr(filename, '.');
    if (name_end == NULL || name_end == filename || strncmp(name_end, ".hpy", 4) != 0)
        return -1;
    const char *d = name_end + 4;
    size_t n = 0;
    while (isdigit((unsigned char)d[n]))
        n++;
    if (n == 0 || (n > 1 && d[0] == '0'))
        return -1;
    const char *rest = d + n;
    if (*rest == '-') {
        const char *tag_end = strchr(rest + 1, '.');
        if (tag_end == NULL || tag_end == rest + 1)
            return -1;
        rest = tag_end;
    }
    /* rest is now ".<ext>" */
    if (rest[0] != '.' || rest[1] == '\0' || strchr(rest + 1, '.') != NULL)
        return -1;
    *digits = d;
    *ndigits = n;
    return 0;
}

/* The major version in the file name must be the one the binary asks for. */
static int check_filename_tag(const char *shortname, const char *path, uint32_t major,
                              uint32_t minor)
{
    const char *digits;
    size_t ndigits;
    if (parse_abi_tag(base_name(path), &digits, &ndigits) < 0) {
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' at path '%s': could not find HPy ABI tag "
                     "encoded in the filename. The extension claims to be compiled with HPy "
                     "ABI version: %u.%u. (expected a file name of the form 'name.hpy%u.so', "
                     "or 'name.hpy%u-<tag>.so' for a hybrid binary)",
                     shortname, path, (unsigned)major, (unsigned)minor, (unsigned)major,
                     (unsigned)major);
        return -1;
    }
    /* Compared as text: no leading zeros, and no overflow however long. */
    char expected[16];
    snprintf(expected, sizeof(expected), "%u", (unsigned)major);
    if (strlen(expected) != ndigits || strncmp(expected, digits, ndigits) != 0) {
        PyObject *parsed = PyUnicode_DecodeASCII(digits, (Py_ssize_t)ndigits, NULL);
        if (parsed == NULL)
            return -1;
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' at path '%s': mismatch between the HPy ABI "
                     "tag encoded in the filename and the major version requested by the HPy "
                     "extension itself. Major version tag parsed from filename: %U. "
                     "Requested version: %u.%u.",
                     shortname, path, parsed, (unsigned)major, (unsigned)minor);
        Py_DECREF(parsed);
        return -1;
    }
    return 0;
}

/* Direct trampolines (our private addition to the loading protocol, see
 * docs/internals.md): a binary built with these headers exports
 * _HPyInitDirectTrampolines_<name>; called with the signatures the host
 * wants (and where a tuple keeps its size and items, for tp_new and
 * tp_init), it lets the binary's trampolines of those signatures call the
 * implementation themselves, which is what ctx_CallRealFunctionFromTrampoline
 * would do in universal mode (handles are the PyObject pointers), without
 * the call into the host. Such a binary gets the universal-direct context,
 * whose address tells the runtime to install its trampolines rather than
 * the host's entry points (entry_points.c). Binaries without the function
 * (built with HPy's own headers), the debug and trace modes, and a binary
 * that cannot do all the signatures the host asks for get the context of
 * their mode, and the trampolines go through the host as before. */
static int direct_trampolines_enabled = 1;

int hpy_host_set_direct_trampolines_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_trampolines_enabled, enabled);
}

/* Lets module `shortname` of the library, whose trampolines are direct,
 * answer the common cases of HPy_TypeCheck and _HPy_AsStruct_Object itself
 * (hpy_universal.h): what those context functions do there, without the
 * call into the host. Binaries built before this part of the handshake do
 * not export the function and keep calling the host. */
static int direct_inline_enabled = 1;

int hpy_host_set_direct_inline_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_inline_enabled, enabled);
}

/* Lets module `shortname`, which has the inline fast paths, increment and
 * decrement reference counts itself (HPy_Dup, HPy_Close, HPy_Type in
 * hpy_universal.h) by the host's model, where the host has one. */
static int direct_refcount_enabled = 1;

int hpy_host_set_direct_refcount_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_refcount_enabled, enabled);
}

static void enable_direct_refcount(void *lib, const char *shortname)
{
    HPy_ssize_t refcnt_at, refcnt_low_at;
    uint32_t flags, incref_stop, decref_stop;
    void (*refcnt_zero)(void *);
    if (!direct_refcount_enabled)
        return;
    init_direct_refcount init =
        (init_direct_refcount)find_optional_symbol(lib, "_HPyInitDirectRefcount", shortname);
    if (init == NULL)
        return;
    if (!hpy_host_direct_refcount(&refcnt_at, &refcnt_low_at, &flags, &incref_stop, &decref_stop,
                                  &refcnt_zero))
        return;
    /* a binary of older headers takes any flags and ignores those beyond
     * the first three: with those, only one that checked them counts */
    if (init(refcnt_at, refcnt_low_at, flags, incref_stop, decref_stop, refcnt_zero) !=
            _HPY_RC_TAKEN_CHECKED &&
        (flags & ~_HPY_RC_FLAGS_FIRST))
        init(0, 0, 0, 0, 0, NULL);
}

/* Lets module `shortname`, which has the inline fast paths, answer the
 * common cases of a few hot calls on built-in objects itself
 * (direct_calls.h), where the host checked what they read. */
static int direct_calls_enabled = 1;

int hpy_host_set_direct_calls_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_calls_enabled, enabled);
}

static void enable_direct_calls(void *lib, const char *shortname)
{
    _HPyDirectCalls offer;
    if (!direct_calls_enabled)
        return;
    init_direct_calls init =
        (init_direct_calls)find_optional_symbol(lib, "_HPyInitDirectCalls", shortname);
    if (init == NULL)
        return;
    hpy_host_direct_calls(&offer);
    /* a binary of the first version's headers takes only that much */
    if (!init(&offer, sizeof(offer)))
        init(&offer, _HPY_DIRECT_CALLS_SIZE_1);
}

/* Lets module `shortname`, which has the inline fast paths, allocate
 * itself (HPy_New of the host's marked types, HPyTuple_FromArray in
 * direct_alloc.h), what those context functions do there. Last, after the
 * reference-count model, which the tuple needs. */
static int direct_alloc_enabled = 1;

int hpy_host_set_direct_alloc_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_alloc_enabled, enabled);
}

static void enable_direct_alloc(void *lib, const char *shortname)
{
    const void *type_type;
    void *(*alloc_new)(void *, HPy_ssize_t);
    void *(*tuple_new)(HPy_ssize_t);
    if (!direct_alloc_enabled)
        return;
    init_direct_alloc init =
        (init_direct_alloc)find_optional_symbol(lib, "_HPyInitDirectAlloc", shortname);
    if (init == NULL)
        return;
    hpy_host_direct_alloc(&type_type, &alloc_new, &tuple_new);
    init(type_type, alloc_new, tuple_new);
}

/* Lets module `shortname`, which has the inline fast paths, answer
 * HPy_TypeCheck's no for the types with a fast-subclass flag by the flags
 * (hpy_universal.h), where the host's probe found them as it says. Binaries
 * built before this step do not export the function and walk the MRO. */
static int direct_typeflags_enabled = 1;

int hpy_host_set_direct_typeflags_enabled(int enabled)
{
    return hpy_host_swap_switch(&direct_typeflags_enabled, enabled);
}

static void enable_direct_typeflags(void *lib, const char *shortname)
{
    HPy_ssize_t tp_flags_at;
    const void *const *types;
    const uint32_t *flags;
    size_t n;
    if (!direct_typeflags_enabled)
        return;
    init_direct_typeflags init =
        (init_direct_typeflags)find_optional_symbol(lib, "_HPyInitDirectTypeFlags", shortname);
    if (init == NULL || !hpy_host_direct_typeflags(&tp_flags_at, &types, &flags, &n))
        return;
    init(tp_flags_at, types, flags, n);
}

static void enable_direct_inline(void *lib, const char *shortname)
{
    HPy_ssize_t ob_type_at, tp_mro_at, tp_alloc_at, struct_at;
    _HPyDirectMarker marker;
    if (!direct_inline_enabled)
        return;
    init_direct_inline init =
        (init_direct_inline)find_optional_symbol(lib, "_HPyInitDirectInline", shortname);
    if (init == NULL)
        return;
    hpy_host_direct_inline(&ob_type_at, &tp_mro_at, &tp_alloc_at, &marker, &struct_at);
    init(ob_type_at, tp_mro_at, tp_alloc_at, marker, struct_at);
    enable_direct_typeflags(lib, shortname);
    enable_direct_refcount(lib, shortname);
    enable_direct_calls(lib, shortname);
    enable_direct_alloc(lib, shortname);
}

/* Asks module `shortname` of the library for direct trampolines; returns 1
 * if it enabled every signature the host wants (all or nothing: the runtime
 * decides by the context alone), else 0 and leaves them disabled. */
static int enable_direct_trampolines(void *lib, const char *shortname)
{
    init_direct_trampolines init_direct =
        (init_direct_trampolines)find_optional_symbol(lib, "_HPyInitDirectTrampolines", shortname);
    if (init_direct == NULL)
        return 0;
    HPy_ssize_t size_at, items_at;
    const uint64_t wanted = hpy_host_direct_signatures(&size_at, &items_at);
    if (init_direct(wanted, size_at, items_at) != wanted) {
        init_direct(0, 0, 0);
        return 0;
    }
    enable_direct_inline(lib, shortname);
    return 1;
}

/* A module's trampolines read the context that HPyInitGlobalContext_<name>
 * stored in a global of its binary. Giving it another context would
 * silently move what was already loaded from the binary to that context (a
 * debug-mode module would lose its checks), and, unless the binary was
 * built with HPY_EMBEDDED_MODULES, its modules share that global. So each
 * library (dlopen returns the same handle for the same file) is given one
 * context, and later loads from it must ask for the same one (`requested`:
 * what was given may be the universal-direct context instead). Entries are
 * never removed: libraries are never closed. */
struct given_context {
    void *lib;
    HPyContext *requested;
    HPyContext *ctx;
    const char *mode_name;
    struct given_context *next;
};

static struct given_context *given_contexts = NULL;

/* Gives the library its context (init) and returns it, or returns NULL
 * with an exception set if the library was given the context of another
 * mode. */
static HPyContext *give_context(void *lib, init_global_context init, HPyContext *ctx,
                                const char *mode_name, const char *modname, const char *shortname,
                                const char *path)
{
    struct given_context *g;
    for (g = given_contexts; g != NULL; g = g->next)
        if (g->lib == lib)
            break;
    if (g != NULL && g->requested != ctx) {
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' at path '%s' is already loaded in %s mode and "
                     "cannot also be loaded in %s mode: a binary is given one context, which "
                     "all its modules use (load a copy of the file, at another path, to use "
                     "both modes in one process)",
                     modname, path, g->mode_name, mode_name);
        return NULL;
    }
    if (g == NULL) {
        g = (struct given_context *)PyMem_RawMalloc(sizeof(*g));
        if (g == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        g->lib = lib;
        g->requested = ctx;
        g->ctx = ctx;
        if (ctx == &_hpy_universal_mode_ctx && direct_trampolines_enabled &&
            enable_direct_trampolines(lib, shortname))
            g->ctx = hpy_host_universal_direct_ctx();
        g->mode_name = mode_name;
        g->next = given_contexts;
        given_contexts = g;
    }
    else if (g->ctx == &_hpy_universal_direct_ctx) {
        /* Each module of a binary built with HPY_EMBEDDED_MODULES has its
         * own trampolines' state; one that cannot go direct still works,
         * through the host. */
        enable_direct_trampolines(lib, shortname);
    }
    init(g->ctx);
    return g->ctx;
}

PyObject *hpy_host_load(PyObject *name, PyObject *path, PyObject *spec, HPyContext *ctx,
                        const char *mode_name)
{
    PyObject *shortname_b = NULL, *path_b = NULL, *module = NULL;
    const char *modname = PyUnicode_AsUTF8(name);
    if (modname == NULL)
        return NULL;
    shortname_b = short_name(name);
    if (shortname_b == NULL)
        goto done;
    if (!PyUnicode_FSConverter(path, &path_b))
        goto done;
    const char *shortname = PyBytes_AS_STRING(shortname_b);
    const char *cpath = PyBytes_AS_STRING(path_b);

    void *lib = hpy_dlopen(cpath);
    if (lib == NULL) {
        PyErr_Format(PyExc_RuntimeError,
                     "Error during loading of the HPy extension module at path '%s'. Error "
                     "message from dlopen/WinAPI: %s",
                     cpath, hpy_dlerror());
        goto done;
    }

    char minor_symbol[SYMBOL_BUFFER], major_symbol[SYMBOL_BUFFER];
    build_symbol(minor_symbol, "get_required_hpy_minor_version", shortname);
    build_symbol(major_symbol, "get_required_hpy_major_version", shortname);
    version_getter get_minor = (version_getter)hpy_dlsym(lib, minor_symbol);
    version_getter get_major = (version_getter)hpy_dlsym(lib, major_symbol);
    if (get_minor == NULL || get_major == NULL) {
        PyErr_Format(PyExc_RuntimeError,
                     "Error during loading of the HPy extension module at path '%s'. Cannot "
                     "locate the required minimal HPy versions as symbols '%s' and `%s`. Error "
                     "message from dlopen/WinAPI: %s",
                     cpath, minor_symbol, major_symbol, hpy_dlerror());
        goto done;
    }
    uint32_t minor = get_minor();
    uint32_t major = get_major();
    if (major != HPY_ABI_VERSION || minor > HPY_ABI_VERSION_MINOR) {
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' requires unsupported version of the HPy "
                     "runtime. Requested version: %u.%u. Current HPy version: %u.%u.",
                     shortname, (unsigned)major, (unsigned)minor, (unsigned)HPY_ABI_VERSION,
                     (unsigned)HPY_ABI_VERSION_MINOR);
        goto done;
    }
    if (check_filename_tag(shortname, cpath, major, minor) < 0)
        goto done;

    init_global_context init_ctx =
        (init_global_context)find_symbol(lib, "HPyInitGlobalContext", shortname, cpath);
    if (init_ctx == NULL)
        goto done;
    ctx = give_context(lib, init_ctx, ctx, mode_name, modname, shortname, cpath);
    if (ctx == NULL)
        goto done;

    char init_symbol[SYMBOL_BUFFER];
    build_symbol(init_symbol, "HPyInit", shortname);
    hpy_init init = (hpy_init)find_symbol(lib, "HPyInit", shortname, cpath);
    if (init == NULL)
        goto done;
    HPyModuleDef *hpydef;
#ifdef HPY_WASM_HOST
    /* In debug and trace modes every call into the extension is guarded,
     * its init function too; a trap would otherwise end Pyodide. */
    if (strcmp(mode_name, "universal") != 0) {
        if (hpy_wasm_guarded_init(mode_name, init, init_symbol, &hpydef) < 0)
            goto done;
    }
    else
#endif
        hpydef = init();
    if (hpydef == NULL) {
        PyErr_Format(PyExc_RuntimeError,
                     "Error during loading of the HPy extension module at path '%s'. Function "
                     "'%s' returned NULL.",
                     cpath, init_symbol);
        goto done;
    }

    /* Never freed: the module may outlive any reference we could track. */
    PyModuleDef *pydef = _HPyModuleDef_AsPyModuleDef(ctx, hpydef, modname);
    if (pydef == NULL)
        goto done;
    module = PyModule_FromDefAndSpec(pydef, spec);
    if (module == NULL)
        goto done;
    if (PyModule_Check(module) && PyModule_ExecDef(module, pydef) < 0)
        Py_CLEAR(module);

done:
    Py_XDECREF(shortname_b);
    Py_XDECREF(path_b);
    return module;
}
