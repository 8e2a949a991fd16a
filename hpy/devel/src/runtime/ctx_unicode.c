/* str -> UTF-8. The UTF-8 form of a compact ASCII string is its own data,
 * which CPython keeps right after the object header: it is read in place,
 * as PyUnicode_AsUTF8AndSize would return it, without the call. Everything
 * else (non-ASCII text, whose UTF-8 copy CPython makes and caches, str
 * subclasses, errors) goes through PyUnicode_AsUTF8AndSize.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"
#include "utf8_cut.h"

const char *ctx_Unicode_AsUTF8AndSize(HPyContext *ctx, HPy h, HPy_ssize_t *size)
{
    const char *data;
    (void)ctx;
    if (_HPy_FastUTF8(_h2py(h), &data, size))
        return data;
    return PyUnicode_AsUTF8AndSize(_h2py(h), (Py_ssize_t *)size);
}

/* PyUnicode_Substring reads its argument as a str without checking it. */
HPy ctx_Unicode_Substring(HPyContext *ctx, HPy str, HPy_ssize_t start, HPy_ssize_t end)
{
    PyObject *obj = _h2py(str);
    (void)ctx;
    if (obj == NULL || !PyUnicode_Check(obj)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "HPyUnicode_Substring: expected a str, got '%s'",
                     _HPy_Utf8Cut(tn, obj == NULL ? "NULL" : Py_TYPE(obj)->tp_name, 200));
        return HPy_NULL;
    }
    return _py2h(PyUnicode_Substring(obj, start, end));
}
