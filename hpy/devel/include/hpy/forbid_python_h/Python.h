/* Placed first on the include path of universal-ABI builds by hpy.devel.
 * A universal binary must not depend on one CPython's ABI, so it cannot use
 * the C API: include "hpy.h" only, or build in the hybrid ABI
 * (--hpy-abi=hybrid) to mix HPy with legacy PyObject* code. */
#error \
    "Python.h is forbidden in the HPy universal ABI: include only hpy.h, or build with --hpy-abi=hybrid (or cpython) to use the C API"
