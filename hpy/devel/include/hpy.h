/* HPy: the handle-based API for writing Python extensions in C.
 *
 * An extension includes only this header and is built in one of three ABIs,
 * selected by defining exactly one macro (hpy.devel does it):
 *   HPY_ABI_CPYTHON    compiles straight to the CPython C API (PyInit_*);
 *   HPY_ABI_UNIVERSAL  one binary (.hpy0.so) for every interpreter, calling
 *                      through the HPyContext;
 *   HPY_ABI_HYBRID     universal plus legacy PyObject* interop; the binary is
 *                      tied to one CPython ABI.
 * The CPython host hpy.universal includes this header with HPY_ABI_UNIVERSAL
 * and HPY_HOST (and Python.h), to implement the context. */
#ifndef HPY_H
#define HPY_H

#if (defined(HPY_ABI_CPYTHON) + defined(HPY_ABI_UNIVERSAL) + defined(HPY_ABI_HYBRID)) != 1
#    error \
        "HPy: define exactly one of HPY_ABI_CPYTHON, HPY_ABI_UNIVERSAL or HPY_ABI_HYBRID (hpy.devel does this for you)"
#endif

#if defined(HPY_ABI_CPYTHON)
#    define HPY_ABI "cpython"
#elif defined(HPY_ABI_HYBRID)
#    define HPY_ABI "hybrid"
#else
#    define HPY_ABI "universal"
#endif

/* The universal and hybrid ABIs share the context-based calling convention. */
#if defined(HPY_ABI_UNIVERSAL) || defined(HPY_ABI_HYBRID)
#    define _HPY_CONTEXT_ABI 1
#endif

/* The C API is visible in the cpython and hybrid ABIs and inside the host. */
#if defined(HPY_ABI_CPYTHON) || defined(HPY_ABI_HYBRID) || defined(HPY_HOST)
#    define _HPY_HAS_PYTHON_H 1
#    ifndef PY_SSIZE_T_CLEAN
#        define PY_SSIZE_T_CLEAN
#    endif
#    include <Python.h>
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "hpy/macros.h"
#include "hpy/types.h"
#include "hpy/autogen_enums.h"
#include "hpy/autogen_hpyslot.h"
#include "hpy/hpyfunc.h"
#include "hpy/hpydef.h"
#include "hpy/hpytype.h"
#include "hpy/hpymodule.h"

#ifdef _HPY_CONTEXT_ABI
#    include "hpy/universal/hpy_universal.h"
#else
#    include "hpy/cpython/hpy_cpython.h"
#endif

#include "hpy/inline_helpers.h"
#include "hpy/runtime/helpers.h"

#ifdef __cplusplus
}
#endif

#endif /* HPY_H */
