/* The error members implemented by hand: whether an exception is pending,
 * and the fatal error that ends the process.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

int ctx_Err_Occurred(HPyContext *ctx)
{
    (void)ctx;
    return PyErr_Occurred() != NULL;
}

/* Does not return: Py_FatalError prints the message (and the Python stack)
 * and aborts the process. */
void ctx_FatalError(HPyContext *ctx, const char *message)
{
    (void)ctx;
    Py_FatalError(message != NULL ? message : "HPy_FatalError called with a NULL message");
}
