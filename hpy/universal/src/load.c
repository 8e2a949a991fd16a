/* Loading a universal or hybrid binary (the loading protocol, §3): open the
 * library, check the HPy version it asks for and the tag in its file name,
 * hand it its context, get its HPyModuleDef and create the module. */
#include "hpy.h"
#include "hpy/runtime/ctx_module.h"
#include "hpy_host.h"

#include <ctype.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#  define hpy_dlopen(path) ((void *)LoadLibraryA(path))
#  define hpy_dlsym(lib, sym) ((void *)GetProcAddress((HMODULE)(lib), (sym)))
static const char *hpy_dlerror(void) { return "LoadLibrary/GetProcAddress failed"; }
#else
#  include <dlfcn.h>
#  define hpy_dlopen(path) dlopen((path), RTLD_NOW)
#  define hpy_dlsym(lib, sym) dlsym((lib), (sym))
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

/* The symbol suffix of a module: the text after the last dot, with every
 * '-' replaced by '_'. Returns a new bytes object (ASCII). */
static PyObject *
short_name(PyObject *name)
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

static void
build_symbol(char *buf, const char *prefix, const char *shortname)
{
    snprintf(buf, SYMBOL_BUFFER, "%s_%.200s", prefix, shortname);
}

static void *
find_symbol(void *lib, const char *prefix, const char *shortname, const char *path)
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

/* The major version in the file name: the digits after the first ".hpy". */
static int
check_filename_tag(const char *shortname, const char *path, uint32_t major, uint32_t minor)
{
    const char *tag = strstr(path, ".hpy");
    if (tag == NULL || !isdigit((unsigned char)tag[4])) {
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' at path '%s': could not find HPy ABI tag "
                     "encoded in the filename. The extension claims to be compiled with HPy "
                     "ABI version: %u.%u. (expected '.hpy%u' in the file name, as in "
                     "'name.hpy%u.so')",
                     shortname, path, (unsigned)major, (unsigned)minor, (unsigned)major,
                     (unsigned)major);
        return -1;
    }
    long file_major = strtol(tag + 4, NULL, 10);
    if (file_major != (long)major) {
        PyErr_Format(PyExc_RuntimeError,
                     "HPy extension module '%s' at path '%s': mismatch between the HPy ABI "
                     "tag encoded in the filename and the major version requested by the HPy "
                     "extension itself. Major version tag parsed from filename: %ld. Requested "
                     "version: %u.%u.",
                     shortname, path, file_major, (unsigned)major, (unsigned)minor);
        return -1;
    }
    return 0;
}

PyObject *
hpy_host_load(PyObject *name, PyObject *path, PyObject *spec, HPyContext *ctx)
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
    init_ctx(ctx);

    char init_symbol[SYMBOL_BUFFER];
    build_symbol(init_symbol, "HPyInit", shortname);
    hpy_init init = (hpy_init)find_symbol(lib, "HPyInit", shortname, cpath);
    if (init == NULL)
        goto done;
    HPyModuleDef *hpydef = init();
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
