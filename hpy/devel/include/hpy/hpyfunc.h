/* Function types of the implementations an extension hands to HPy, and the
 * buffer struct used by HPy_bf_getbuffer / HPy_bf_releasebuffer. */
#ifndef HPY_HPYFUNC_H
#define HPY_HPYFUNC_H

/* Called by a traverse implementation (through HPy_VISIT) for each field. */
typedef int (*HPyFunc_visitproc)(HPyField *, void *);

/* The HPy view of a Py_buffer. `obj` is a handle owned by the buffer. */
typedef struct {
    void *buf;
    HPy obj;
    HPy_ssize_t len;
    HPy_ssize_t itemsize;
    int readonly;
    int ndim;
    char *format;
    HPy_ssize_t *shape;
    HPy_ssize_t *strides;
    HPy_ssize_t *suboffsets;
    void *internal;
} HPy_buffer;

#include "hpy/autogen_hpyfunc.h"

/* In a traverse implementation (HPy_tp_traverse), reports one HPyField.
 * Returns from the implementation when the visitor asks to stop. The same in
 * every ABI: the visitor gets the field's address, so the runtime can also
 * find fields that live outside the object's struct. */
#define HPy_VISIT(field)                         \
    do {                                         \
        if (!HPyField_IsNull(*(field))) {        \
            int _hpy_vret = visit((field), arg); \
            if (_hpy_vret)                       \
                return _hpy_vret;                \
        }                                        \
    } while (0)

#endif /* HPY_HPYFUNC_H */
