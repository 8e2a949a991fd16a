/* HPy_Compile_s: compiling UTF-8 source text into a code object, as an
 * expression, a module (file) or a single interactive statement.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

HPy ctx_Compile_s(HPyContext *ctx, const char *utf8_source, const char *utf8_filename,
                  HPy_SourceKind kind)
{
    int start;
    (void)ctx;
    switch (kind) {
    case HPy_SourceKind_Expr: start = Py_eval_input; break;
    case HPy_SourceKind_File: start = Py_file_input; break;
    case HPy_SourceKind_Single: start = Py_single_input; break;
    default:
        PyErr_Format(PyExc_SystemError, "HPy_Compile_s: invalid source kind %d", (int)kind);
        return HPy_NULL;
    }
    if (utf8_source == NULL || utf8_filename == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_Compile_s: source and filename must not be NULL");
        return HPy_NULL;
    }
    return _py2h(Py_CompileString(utf8_source, utf8_filename, start));
}
