/* HPyTracker: a growable array of handles, closed all at once by
 * HPyTracker_Close (typically on the error path of a function that opens
 * many handles). The tracker word is the address of a `tracker` allocated
 * with PyMem_Malloc, so the GIL must be held, as for any other HPy call.
 *
 * HPyTracker_Add never closes the handle it is given: when it fails
 * (MemoryError, the tracker cannot grow) the handle is not tracked and the
 * caller still owns it.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

/* Room for this many handles when New is given 0. */
#define DEFAULT_CAPACITY 8

typedef struct {
    HPy_ssize_t length;
    HPy_ssize_t capacity;
    HPy *handles;
} tracker;

static tracker *as_tracker(HPyTracker ht)
{
    return (tracker *)ht._i;
}

HPyTracker ctx_Tracker_New(HPyContext *ctx, HPy_ssize_t size)
{
    HPyTracker ht = { 0 };
    tracker *t;
    (void)ctx;
    if (size < 0) {
        PyErr_Format(PyExc_SystemError, "HPyTracker_New: negative size (%zd)", (Py_ssize_t)size);
        return ht;
    }
    if (size == 0)
        size = DEFAULT_CAPACITY;
    if ((size_t)size > (size_t)PY_SSIZE_T_MAX / sizeof(HPy)) {
        PyErr_NoMemory();
        return ht;
    }
    t = (tracker *)PyMem_Malloc(sizeof(tracker));
    if (t == NULL) {
        PyErr_NoMemory();
        return ht;
    }
    t->handles = (HPy *)PyMem_Malloc((size_t)size * sizeof(HPy));
    if (t->handles == NULL) {
        PyMem_Free(t);
        PyErr_NoMemory();
        return ht;
    }
    t->length = 0;
    t->capacity = size;
    ht._i = (intptr_t)t;
    return ht;
}

int ctx_Tracker_Add(HPyContext *ctx, HPyTracker ht, HPy h)
{
    tracker *t = as_tracker(ht);
    (void)ctx;
    if (t == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPyTracker_Add: invalid (null) tracker");
        return -1;
    }
    if (t->length == t->capacity) {
        HPy_ssize_t new_capacity;
        HPy *new_handles;
        if ((size_t)t->capacity > (size_t)PY_SSIZE_T_MAX / (2 * sizeof(HPy))) {
            PyErr_NoMemory();
            return -1;
        }
        new_capacity = t->capacity * 2;
        new_handles = (HPy *)PyMem_Realloc(t->handles, (size_t)new_capacity * sizeof(HPy));
        if (new_handles == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->handles = new_handles;
        t->capacity = new_capacity;
    }
    t->handles[t->length++] = h;
    return 0;
}

void ctx_Tracker_ForgetAll(HPyContext *ctx, HPyTracker ht)
{
    tracker *t = as_tracker(ht);
    (void)ctx;
    if (t != NULL)
        t->length = 0;
}

void ctx_Tracker_Close(HPyContext *ctx, HPyTracker ht)
{
    tracker *t = as_tracker(ht);
    HPy_ssize_t i;
    (void)ctx;
    if (t == NULL)
        return;
    for (i = 0; i < t->length; i++)
        Py_XDECREF(_h2py(t->handles[i]));
    PyMem_Free(t->handles);
    PyMem_Free(t);
}
