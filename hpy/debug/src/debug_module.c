/* The module hpy.universal._debug: the Python interface of the debug mode
 * (generations of handles, open and closed handles as DebugHandle objects,
 * the settings, the callbacks and the raise mode). */
#include "debug_internal.h"
#include "utf8_cut.h"

/* ---- DebugHandle objects ---- */

typedef struct {
    PyObject_HEAD
    DebugHandle *handle;
    uint64_t serial;
} DebugHandleObject;

#ifdef HPY_WASM_HOST
/* The WebAssembly host has only the stable ABI: a heap type from a spec. */
static PyTypeObject *DebugHandle_TypePtr;
#    define DEBUG_HANDLE_TYPE DebugHandle_TypePtr
#else
static PyTypeObject DebugHandle_Type;
#    define DEBUG_HANDLE_TYPE (&DebugHandle_Type)
#endif

/* The record is still the handle this object was made for (it is reused
 * once it leaves the closed queue). */
static int same_life(DebugHandleObject *self)
{
    return self->handle->serial == self->serial && self->handle->state != DH_FREE;
}

static int is_open(DebugHandleObject *self)
{
    return same_life(self) && (self->handle->state == DH_OPEN || self->handle->state == DH_CONST);
}

static PyObject *DebugHandle_wrap(DebugHandle *dh)
{
    DebugHandleObject *self = PyObject_New(DebugHandleObject, DEBUG_HANDLE_TYPE);
    if (self == NULL)
        return NULL;
    self->handle = dh;
    self->serial = dh->serial;
    return (PyObject *)self;
}

static PyObject *DebugHandle_get_obj(DebugHandleObject *self, void *closure)
{
    (void)closure;
    if (!is_open(self))
        Py_RETURN_NONE;
    Py_INCREF(self->handle->obj);
    return self->handle->obj;
}

static PyObject *DebugHandle_get_id(DebugHandleObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromVoidPtr(self->handle);
}

static PyObject *DebugHandle_get_is_closed(DebugHandleObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(!is_open(self));
}

static PyObject *DebugHandle_get_raw_data_size(DebugHandleObject *self, void *closure)
{
    (void)closure;
    if (!same_life(self) || self->handle->raw_state == RAW_NONE)
        return PyLong_FromLong(-1);
    return PyLong_FromSize_t(self->handle->raw_size);
}

static PyObject *DebugHandle_get_generation(DebugHandleObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLong(same_life(self) ? self->handle->generation : -1);
}

static PyObject *DebugHandle_get_description(DebugHandleObject *self, void *closure)
{
    DebugStr s = { NULL, 0, 0 };
    PyObject *res;
    (void)closure;
    if (!same_life(self))
        return PyUnicode_FromFormat("handle %p (closed long ago and recycled)",
                                    (void *)self->handle);
    debug_describe_handle(&s, self->handle);
    res = PyUnicode_FromString(s.buf != NULL ? s.buf : "");
    free(s.buf);
    return res;
}

static PyObject *DebugHandle_force_close(DebugHandleObject *self, PyObject *unused)
{
    (void)unused;
    if (same_life(self) && self->handle->state == DH_OPEN) {
        if (self->handle->frame != NULL)
            self->handle->frame = &debug_no_frame; /* still an argument */
        debug_handle_close(self->handle, "DebugHandle._force_close()", 0);
    }
    Py_RETURN_NONE;
}

static PyObject *DebugHandle_repr(DebugHandleObject *self)
{
    if (!is_open(self))
        return PyUnicode_FromFormat("<DebugHandle %p CLOSED>", (void *)self->handle);
    return PyUnicode_FromFormat("<DebugHandle %p for %R>", (void *)self->handle, self->handle->obj);
}

static PyObject *DebugHandle_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(a, DEBUG_HANDLE_TYPE) ||
        !PyObject_TypeCheck(b, DEBUG_HANDLE_TYPE))
        Py_RETURN_NOTIMPLEMENTED;
    DebugHandleObject *x = (DebugHandleObject *)a, *y = (DebugHandleObject *)b;
    int eq = x->handle == y->handle && x->serial == y->serial;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t DebugHandle_hash(DebugHandleObject *self)
{
    Py_hash_t h = (Py_hash_t)(((uintptr_t)self->handle >> 4) ^ (uintptr_t)self->serial);
    return h == -1 ? -2 : h;
}

static PyGetSetDef DebugHandle_getset[] = {
    { "obj", (getter)DebugHandle_get_obj, NULL,
      "The object the handle refers to (None once the handle is closed).", NULL },
    { "id", (getter)DebugHandle_get_id, NULL, "The handle's value, as an int.", NULL },
    { "is_closed", (getter)DebugHandle_get_is_closed, NULL, "Whether the handle is closed.", NULL },
    { "raw_data_size", (getter)DebugHandle_get_raw_data_size, NULL,
      "Bytes of protected raw data (HPyBytes_AsString & co, NUL included) held by the handle, "
      "or -1 if none.",
      NULL },
    { "generation", (getter)DebugHandle_get_generation, NULL,
      "The generation the handle was created in.", NULL },
    { "description", (getter)DebugHandle_get_description, NULL,
      "What the debug mode knows about the handle (creator, state, creation stack).", NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef DebugHandle_methods[] = {
    { "_force_close", (PyCFunction)DebugHandle_force_close, METH_NOARGS,
      "Close the handle if it is open (for tests that clean up leaks)." },
    { NULL, NULL, 0, NULL },
};

#define DEBUG_HANDLE_DOC "A handle of the HPy debug mode, as seen from Python."
#ifdef HPY_WASM_HOST
static PyType_Slot DebugHandle_slots[] = {
    { Py_tp_doc, (void *)DEBUG_HANDLE_DOC },
    { Py_tp_repr, (void *)DebugHandle_repr },
    { Py_tp_hash, (void *)DebugHandle_hash },
    { Py_tp_richcompare, (void *)DebugHandle_richcompare },
    { Py_tp_getset, (void *)DebugHandle_getset },
    { Py_tp_methods, (void *)DebugHandle_methods },
    { 0, NULL },
};

static PyType_Spec DebugHandle_spec = {
    "hpy.universal._debug.DebugHandle",
    sizeof(DebugHandleObject),
    0,
    Py_TPFLAGS_DEFAULT,
    DebugHandle_slots,
};

static int ready_debug_handle_type(void)
{
    if (DebugHandle_TypePtr == NULL)
        DebugHandle_TypePtr = (PyTypeObject *)PyType_FromSpec(&DebugHandle_spec);
    return DebugHandle_TypePtr == NULL ? -1 : 0;
}
#else
static PyTypeObject DebugHandle_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "hpy.universal._debug.DebugHandle",
    .tp_basicsize = sizeof(DebugHandleObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = DEBUG_HANDLE_DOC,
    .tp_repr = (reprfunc)DebugHandle_repr,
    .tp_hash = (hashfunc)DebugHandle_hash,
    .tp_richcompare = DebugHandle_richcompare,
    .tp_getset = DebugHandle_getset,
    .tp_methods = DebugHandle_methods,
};

static int ready_debug_handle_type(void)
{
    return PyType_Ready(&DebugHandle_Type);
}
#endif

/* ---- module functions ---- */

static PyObject *new_generation(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(++debug_state.generation);
}

static PyObject *get_open_handles(PyObject *self, PyObject *arg)
{
    long gen = PyLong_AsLong(arg);
    HPy_ssize_t n = 0;
    (void)self;
    if (gen == -1 && PyErr_Occurred())
        return NULL;
    DebugHandle **handles = debug_open_handles(gen, &n);
    if (handles == NULL)
        return PyErr_NoMemory();
    PyObject *list = PyList_New(n);
    for (HPy_ssize_t i = 0; list != NULL && i < n; i++) {
        PyObject *item = DebugHandle_wrap(handles[i]);
        if (item == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, item);
    }
    free(handles);
    return list;
}

/* [(kind, address, size), ...] of the builders of generation >= gen that
 * were neither built nor cancelled (hpy.debug.LeakDetector reports them). */
static PyObject *get_open_builders(PyObject *self, PyObject *arg)
{
    long gen = PyLong_AsLong(arg);
    HPy_ssize_t n = 0;
    (void)self;
    if (gen == -1 && PyErr_Occurred())
        return NULL;
    DebugOpenBuilder *builders = debug_open_builders(gen, &n);
    if (builders == NULL)
        return PyErr_NoMemory();
    PyObject *list = PyList_New(n);
    for (HPy_ssize_t i = 0; list != NULL && i < n; i++) {
        PyObject *item = Py_BuildValue("(sNn)", builders[i].what,
                                       PyLong_FromVoidPtr((void *)builders[i].address),
                                       (Py_ssize_t)builders[i].size);
        if (item == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, item);
    }
    free(builders);
    return list;
}

static PyObject *get_closed_handles(PyObject *self, PyObject *args)
{
    long gen = 0;
    (void)self;
    if (PyTuple_GET_SIZE(args) > 1) {
        PyErr_Format(PyExc_TypeError,
                     "get_closed_handles expects no arguments or exactly one argument (got %zd)",
                     PyTuple_GET_SIZE(args));
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "|l:get_closed_handles", &gen))
        return NULL;
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (HPy_ssize_t i = 0; i < debug_state.closed_count; i++) {
        DebugHandle *dh = debug_closed_at(i);
        if (dh->generation < gen)
            continue;
        PyObject *item = DebugHandle_wrap(dh);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyObject *get_closed_handles_queue_max_size(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromSsize_t(debug_state.closed_max);
}

/* A size given from Python: a non-negative int, or -1 with an exception. */
static Py_ssize_t nonnegative_size(PyObject *arg, const char *what)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return -1;
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be >= 0", what);
        return -1;
    }
    return n;
}

static PyObject *set_closed_handles_queue_max_size(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = nonnegative_size(arg, "the queue size");
    (void)self;
    if (n < 0)
        return NULL;
    debug_set_closed_max(n);
    Py_RETURN_NONE;
}

static PyObject *get_protected_raw_data_max_size(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromSize_t(debug_state.raw_max);
}

static PyObject *set_protected_raw_data_max_size(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = nonnegative_size(arg, "the size");
    (void)self;
    if (n < 0)
        return NULL;
    debug_set_raw_max((size_t)n);
    Py_RETURN_NONE;
}

static PyObject *get_protected_raw_data_batch(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromSsize_t(debug_state.raw_batch);
}

static PyObject *set_protected_raw_data_batch(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = nonnegative_size(arg, "the batch size");
    (void)self;
    if (n < 0)
        return NULL;
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "the batch size must be at least 1 (1: every page at once)");
        return NULL;
    }
    debug_set_raw_batch(n);
    Py_RETURN_NONE;
}

static PyObject *protect_closed_raw_data(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    debug_protect_closed_raw_data();
#ifdef HPY_WASM_HOST
    if (debug_check_closed_raw_data() < 0)
        return NULL;
#endif
    Py_RETURN_NONE;
}

#ifdef HPY_WASM_HOST
static PyObject *check_raw_data(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (debug_check_closed_raw_data() < 0)
        return NULL;
    Py_RETURN_NONE;
}
#endif

static int set_callback(PyObject **slot, PyObject *arg, const char *what)
{
    if (arg != Py_None && !PyCallable_Check(arg)) {
        char tn[_HPy_UTF8_CUT_SIZE(100)];
        PyErr_Format(PyExc_TypeError,
                     "Expected a callable object (%s: got '%s'; None removes "
                     "the callback)",
                     what, _HPy_Utf8Cut(tn, Py_TYPE(arg)->tp_name, 100));
        return -1;
    }
    if (arg == Py_None)
        arg = NULL;
    Py_XINCREF(arg);
    Py_XSETREF(*slot, arg);
    return 0;
}

static PyObject *set_on_invalid_handle(PyObject *self, PyObject *arg)
{
    (void)self;
    if (set_callback(&debug_state.on_invalid_handle, arg, "set_on_invalid_handle") < 0)
        return NULL;
    /* handles closed from now on keep their objects (see DebugHandle.kept) */
    debug_update_closed_full();
    debug_release_kept();
    Py_RETURN_NONE;
}

static PyObject *set_on_invalid_builder_handle(PyObject *self, PyObject *arg)
{
    (void)self;
    if (set_callback(&debug_state.on_invalid_builder, arg, "set_on_invalid_builder_handle") < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *set_handle_stack_trace_limit(PyObject *self, PyObject *arg)
{
    (void)self;
    if (arg == Py_None) {
        debug_set_stack_trace_limit(0);
        Py_RETURN_NONE;
    }
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0 || n > 1000) {
        PyErr_SetString(PyExc_ValueError,
                        "the stack trace limit must be between 0 and 1000, or None");
        return NULL;
    }
    debug_set_stack_trace_limit((int)n);
    Py_RETURN_NONE;
}

static PyObject *get_handle_stack_trace_limit(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (debug_state.stack_trace_limit == 0)
        Py_RETURN_NONE;
    return PyLong_FromLong(debug_state.stack_trace_limit);
}

static PyObject *set_raise_on_violation(PyObject *self, PyObject *arg)
{
    int flag = PyObject_IsTrue(arg);
    (void)self;
    if (flag < 0)
        return NULL;
    debug_state.raise_on_violation = flag;
    Py_RETURN_NONE;
}

static PyObject *get_raise_on_violation(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyBool_FromLong(debug_state.raise_on_violation);
}

static PyMethodDef methods[] = {
    { "new_generation", new_generation, METH_NOARGS,
      "Start a new generation of handles and return its number." },
    { "get_open_handles", get_open_handles, METH_O,
      "get_open_handles(gen): the open debug handles created in generation gen or later." },
    { "get_open_builders", get_open_builders, METH_O,
      "get_open_builders(gen): (kind, address, size) of each HPyListBuilder/HPyTupleBuilder "
      "created in generation gen or later and neither built nor cancelled." },
    { "get_closed_handles", get_closed_handles, METH_VARARGS,
      "get_closed_handles(gen=0): the closed handles still remembered (the closed-handles "
      "queue), created in generation gen or later." },
    { "get_closed_handles_queue_max_size", get_closed_handles_queue_max_size, METH_NOARGS,
      "How many closed handles are remembered to report their use after close." },
    { "set_closed_handles_queue_max_size", set_closed_handles_queue_max_size, METH_O,
      "Set how many closed handles are remembered." },
    { "get_protected_raw_data_max_size", get_protected_raw_data_max_size, METH_NOARGS,
      "How many bytes of raw data (HPyBytes_AsString & co) of closed handles are kept "
      "inaccessible to catch their use after close." },
    { "set_protected_raw_data_max_size", set_protected_raw_data_max_size, METH_O,
      "Set how many bytes of raw data of closed handles are kept inaccessible." },
    { "get_protected_raw_data_batch", get_protected_raw_data_batch, METH_NOARGS,
      "How many pages of raw data (of more than 256 bytes) of handles closed in the call "
      "that opened them are made inaccessible at once (until then they read as 0xDB bytes)." },
    { "set_protected_raw_data_batch", set_protected_raw_data_batch, METH_O,
      "Set how many pages of closed raw data are made inaccessible at once (1: nothing is "
      "deferred, each page as its handle is closed, one system call per close)." },
#ifdef HPY_WASM_HOST
    { "check_raw_data", check_raw_data, METH_NOARGS,
      "Raise HPyDebugError if the raw data of a closed handle was written to (WebAssembly: "
      "the copies of closed raw data are poisoned, not protected)." },
#endif
    { "protect_closed_raw_data", protect_closed_raw_data, METH_NOARGS,
      "Make the raw data of the closed handles whose protection is deferred inaccessible now "
      "(as far as no open data shares their page)." },
    { "set_on_invalid_handle", set_on_invalid_handle, METH_O,
      "set_on_invalid_handle(callback|None): call callback() instead of aborting when an "
      "invalid handle is used, then go on: a closed handle stands for its object (if it was "
      "closed while the callback was installed), a double close is ignored." },
    { "set_on_invalid_builder_handle", set_on_invalid_builder_handle, METH_O,
      "set_on_invalid_builder_handle(callback|None): call callback() instead of aborting "
      "when a list/tuple builder is used after Build or Cancel; the operation is ignored." },
    { "set_handle_stack_trace_limit", set_handle_stack_trace_limit, METH_O,
      "set_handle_stack_trace_limit(n|None): record up to n C stack frames where each handle "
      "is created (None: off)." },
    { "get_handle_stack_trace_limit", get_handle_stack_trace_limit, METH_NOARGS,
      "The current stack trace limit, or None." },
    { "set_raise_on_violation", set_raise_on_violation, METH_O,
      "set_raise_on_violation(flag): if true, a recoverable violation raises "
      "hpy.debug.HPyDebugError when the HPy function returns, instead of aborting the process "
      "(also enabled by HPY_DEBUG_RAISE=1)." },
    { "get_raise_on_violation", get_raise_on_violation, METH_NOARGS,
      "Whether violations raise HPyDebugError instead of aborting." },
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hpy.universal._debug",
    .m_doc = "Inspection and settings of the HPy debug mode (see hpy.debug).",
    .m_size = -1,
    .m_methods = methods,
};

PyObject *hpy_debug_module_create(void)
{
    debug_state_init();
    if (ready_debug_handle_type() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    Py_INCREF(DEBUG_HANDLE_TYPE);
    if (PyModule_AddObject(m, "DebugHandle", (PyObject *)DEBUG_HANDLE_TYPE) < 0) {
        Py_DECREF(DEBUG_HANDLE_TYPE);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
