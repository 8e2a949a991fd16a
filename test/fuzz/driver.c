/* libFuzzer entry points: an embedded CPython runs every input through one
 * target of harness.c, loaded by the real host (see fuzz_setup.py).
 *
 * Built by `make fuzz-build` with clang's libFuzzer and ASan/UBSan; the
 * host and the harness module are built with the same sanitizers, CPython
 * itself is not instrumented. The target is chosen at run time with
 * HPY_FUZZ_TARGET, the mode with HPY_FUZZ_MODE (debug by default).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HPY_FUZZ_SRC
#error "HPY_FUZZ_SRC (the directory of fuzz_setup.py) must be defined"
#endif
#ifndef HPY_FUZZ_BUILD
#error "HPY_FUZZ_BUILD (the directory of the sanitizer builds) must be defined"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static PyObject *one;

static void fail(const char *what)
{
    fprintf(stderr, "hpy fuzz driver: %s\n", what);
    if (PyErr_Occurred())
        PyErr_Print();
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    PyObject *sys_path, *dir, *setup;
    (void)argc;
    (void)argv;
    /* the environment wins, so that a copy of the build can be moved */
    setenv("HPY_FUZZ_BUILD", HPY_FUZZ_BUILD, 0);
    Py_InitializeEx(0);
    sys_path = PySys_GetObject("path");
    dir = PyUnicode_FromString(HPY_FUZZ_SRC);
    if (sys_path == NULL || dir == NULL || PyList_Insert(sys_path, 0, dir) < 0)
        fail("cannot extend sys.path");
    Py_DECREF(dir);
    setup = PyImport_ImportModule("fuzz_setup");
    if (setup == NULL)
        fail("importing fuzz_setup failed");
    one = PyObject_GetAttrString(setup, "one");
    Py_DECREF(setup);
    if (one == NULL)
        fail("fuzz_setup has no one()");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size);
    PyObject *res;
    if (bytes == NULL)
        fail("cannot make the input bytes");
    res = PyObject_CallOneArg(one, bytes);
    Py_DECREF(bytes);
    if (res == NULL)
        fail("the target reported a finding");
    Py_DECREF(res);
    return 0;
}
