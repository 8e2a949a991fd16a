/* The C API of bench/cpyext_bench.c built for wasm32 (a Pyodide side module,
 * the C-API line of the WebAssembly benchmarks): the stable-ABI declarations
 * of the HPy host (wasm/host/include/Python.h, next on the include path)
 * plus the few macros and functions the benchmark uses beyond them. */
#ifndef HPY_BENCH_WASM_PYTHON_H
#define HPY_BENCH_WASM_PYTHON_H
#include_next <Python.h>

PyObject *PyType_FromSpec(PyType_Spec *spec);
#define Py_RETURN_NOTIMPLEMENTED return Py_NewRef(Py_NotImplemented)
#define Py_VISIT(op)                                  \
    do {                                              \
        if (op) {                                     \
            int vret_ = visit((PyObject *)(op), arg); \
            if (vret_)                                \
                return vret_;                         \
        }                                             \
    } while (0)
#endif
