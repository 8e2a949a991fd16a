/* The microbenchmark extension written with the CPython C API.
 *
 * bench/hpy_bench.c is the same extension written with HPy; every function,
 * method, slot and attribute here has a twin there that computes the same
 * result with the same checks, so bench/run.py can time both and compare.
 * Where HPy maps a signature to a given CPython calling convention
 * (HPyFunc_VARARGS -> METH_FASTCALL, HPyFunc_KEYWORDS -> METH_FASTCALL |
 * METH_KEYWORDS) this file uses that convention too. The one deliberate
 * exception is parse_kw: each side uses its own idiomatic argument parser,
 * and the C API's only public one (PyArg_ParseTupleAndKeywords) needs
 * METH_VARARGS | METH_KEYWORDS.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

/* The limited API (the WebAssembly build, bench/wasm/) reaches a type's
 * allocator through PyType_GetSlot. */
#ifdef Py_LIMITED_API
#    define TP_ALLOC(t) ((allocfunc)PyType_GetSlot((t), Py_tp_alloc))
#    define TP_FREE(t) ((freefunc)PyType_GetSlot((t), Py_tp_free))
#else
#    define TP_ALLOC(t) ((t)->tp_alloc)
#    define TP_FREE(t) ((t)->tp_free)
#endif

/* ------------------------------------------------------------------ */
/* module-level functions                                              */
/* ------------------------------------------------------------------ */

/* noargs() -> None */
static PyObject *noargs(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    Py_RETURN_NONE;
}

/* onearg(x) -> x */
static PyObject *onearg(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_INCREF(arg);
    return arg;
}

/* varargs(*args) -> the last argument, or None */
static PyObject *varargs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs == 0)
        Py_RETURN_NONE;
    Py_INCREF(args[nargs - 1]);
    return args[nargs - 1];
}

/* keywords(a, b=None) -> b; the keywords are matched by hand */
static PyObject *keywords(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *b = nargs > 1 ? args[1] : NULL;
    Py_ssize_t i;
    (void)self;
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "keywords() takes 1 or 2 positional arguments");
        return NULL;
    }
    for (i = 0; i < nkw; i++) {
        const char *name = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(kwnames, i), NULL);
        if (name == NULL)
            return NULL;
        if (strcmp(name, "b") != 0 || b != NULL) {
            PyErr_SetString(PyExc_TypeError, "keywords(): bad keyword argument");
            return NULL;
        }
        b = args[nargs + i];
    }
    if (b == NULL)
        Py_RETURN_NONE;
    Py_INCREF(b);
    return b;
}

/* parse_kw(a, b=0, c=0) -> a + b + c, three C longs */
static PyObject *parse_kw(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "a", "b", "c", NULL };
    long a, b = 0, c = 0;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "l|ll:parse_kw", kwlist, &a, &b, &c))
        return NULL;
    return PyLong_FromLong(a + b + c);
}

/* int_tuple(n) -> (n + 1000, n + 2000, n + 3000): three new ints and a tuple */
static PyObject *int_tuple(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    PyObject *t;
    int i;
    (void)self;
    if (n == -1 && PyErr_Occurred())
        return NULL;
    t = PyTuple_New(3);
    if (t == NULL)
        return NULL;
    for (i = 0; i < 3; i++) {
        PyObject *item = PyLong_FromLong(n + 1000 * (i + 1));
        if (item == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, item);
    }
    return t;
}

/* pair(a, b) -> (a, b): a small tuple of existing objects */
static PyObject *pair(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *t;
    Py_ssize_t i;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "pair() takes 2 arguments");
        return NULL;
    }
    t = PyTuple_New(2);
    if (t == NULL)
        return NULL;
    for (i = 0; i < 2; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(t, i, args[i]);
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* the type bench.Obj                                                  */
/* ------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    long x;       /* a member */
    long y;       /* behind a getset */
    Py_ssize_t n; /* its length */
} ObjObject;

static PyObject *Obj_new(PyTypeObject *cls, PyObject *args, PyObject *kw)
{
    ObjObject *self;
    (void)args;
    (void)kw;
    self = (ObjObject *)TP_ALLOC(cls)(cls, 0);
    if (self == NULL)
        return NULL;
    self->x = 7;
    self->y = 0;
    self->n = 10;
    return (PyObject *)self;
}

/* o.get_x() -> o.x */
static PyObject *Obj_get_x(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLong(((ObjObject *)self)->x);
}

/* o.echo(v) -> v */
static PyObject *Obj_echo(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_INCREF(arg);
    return arg;
}

static Py_ssize_t Obj_length(PyObject *self)
{
    return ((ObjObject *)self)->n;
}

/* o[i] -> i + o.x for 0 <= i < len(o) */
static PyObject *Obj_item(PyObject *self, Py_ssize_t i)
{
    ObjObject *o = (ObjObject *)self;
    if (i < 0 || i >= o->n) {
        PyErr_SetString(PyExc_IndexError, "Obj index out of range");
        return NULL;
    }
    return PyLong_FromSsize_t(i + o->x);
}

/* o + int -> o.x + int; o + o -> a new Obj whose x, y and len are the sums.
 * CPython calls this slot only when one operand is an Obj; if `b` is an int
 * or an Obj then `a` is the Obj. */
static PyObject *Obj_add_obj(PyObject *a, PyObject *b)
{
    PyTypeObject *cls = Py_TYPE(a);
    const ObjObject *x = (ObjObject *)a, *y = (ObjObject *)b;
    ObjObject *r;
    if (!PyObject_TypeCheck(b, cls))
        Py_RETURN_NOTIMPLEMENTED;
    r = (ObjObject *)TP_ALLOC(cls)(cls, 0);
    if (r == NULL)
        return NULL;
    r->x = x->x + y->x;
    r->y = x->y + y->y;
    r->n = x->n + y->n;
    return (PyObject *)r;
}

static PyObject *Obj_add(PyObject *a, PyObject *b)
{
    long v;
    if (!PyLong_Check(b))
        return Obj_add_obj(a, b);
    v = PyLong_AsLong(b);
    if (v == -1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromLong(((ObjObject *)a)->x + v);
}

static PyObject *Obj_y_get(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLong(((ObjObject *)self)->y);
}

static int Obj_y_set(PyObject *self, PyObject *value, void *closure)
{
    long v;
    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete y");
        return -1;
    }
    v = PyLong_AsLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    ((ObjObject *)self)->y = v;
    return 0;
}

static PyMethodDef Obj_methods[] = {
    { "get_x", Obj_get_x, METH_NOARGS, NULL },
    { "echo", Obj_echo, METH_O, NULL },
    { NULL, NULL, 0, NULL },
};

static PyMemberDef Obj_members[] = {
    { "x", T_LONG, offsetof(ObjObject, x), 0, NULL },
    { NULL, 0, 0, 0, NULL },
};

static PyGetSetDef Obj_getsets[] = {
    { "y", Obj_y_get, Obj_y_set, NULL, NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

static PyType_Slot Obj_slots[] = {
    { Py_tp_new, (void *)Obj_new },       { Py_tp_methods, Obj_methods },
    { Py_tp_members, Obj_members },       { Py_tp_getset, Obj_getsets },
    { Py_sq_length, (void *)Obj_length }, { Py_sq_item, (void *)Obj_item },
    { Py_nb_add, (void *)Obj_add },       { 0, NULL },
};

static PyType_Spec Obj_spec = {
    .name = "bench.Obj",
    .basicsize = sizeof(ObjObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Obj_slots,
};

/* The same type under another name, created anew by make_type(). */
static PyType_Spec Dyn_spec = {
    .name = "bench.Dyn",
    .basicsize = sizeof(ObjObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Obj_slots,
};

/* make_type() -> a new type made from a spec (and dropped by the caller) */
static PyObject *make_type(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyType_FromSpec(&Dyn_spec);
}

/* ------------------------------------------------------------------ */
/* the GC type bench.GcObj                                             */
/* ------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *ref; /* None after tp_new */
    long n;
} GcObjObject;

static PyObject *GcObj_new(PyTypeObject *cls, PyObject *args, PyObject *kw)
{
    GcObjObject *self;
    (void)args;
    (void)kw;
    self = (GcObjObject *)TP_ALLOC(cls)(cls, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(Py_None);
    self->ref = Py_None;
    self->n = 3;
    return (PyObject *)self;
}

static int GcObj_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(((GcObjObject *)self)->ref);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static int GcObj_clear(PyObject *self)
{
    Py_CLEAR(((GcObjObject *)self)->ref);
    return 0;
}

static void GcObj_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    GcObj_clear(self);
    TP_FREE(tp)(self);
    Py_DECREF(tp);
}

static PyMemberDef GcObj_members[] = {
    { "n", T_LONG, offsetof(GcObjObject, n), 0, NULL },
    { NULL, 0, 0, 0, NULL },
};

static PyType_Slot GcObj_slots[] = {
    { Py_tp_new, (void *)GcObj_new },     { Py_tp_traverse, (void *)GcObj_traverse },
    { Py_tp_clear, (void *)GcObj_clear }, { Py_tp_dealloc, (void *)GcObj_dealloc },
    { Py_tp_members, GcObj_members },     { 0, NULL },
};

static PyType_Spec GcObj_spec = {
    .name = "bench.GcObj",
    .basicsize = sizeof(GcObjObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = GcObj_slots,
};

/* ------------------------------------------------------------------ */
/* the module                                                          */
/* ------------------------------------------------------------------ */

static PyMethodDef module_methods[] = {
    { "noargs", noargs, METH_NOARGS, NULL },
    { "onearg", onearg, METH_O, NULL },
    { "varargs", (PyCFunction)(void (*)(void))varargs, METH_FASTCALL, NULL },
    { "keywords", (PyCFunction)(void (*)(void))keywords, METH_FASTCALL | METH_KEYWORDS, NULL },
    { "parse_kw", (PyCFunction)(void (*)(void))parse_kw, METH_VARARGS | METH_KEYWORDS, NULL },
    { "int_tuple", int_tuple, METH_O, NULL },
    { "pair", (PyCFunction)(void (*)(void))pair, METH_FASTCALL, NULL },
    { "make_type", make_type, METH_NOARGS, NULL },
    { NULL, NULL, 0, NULL },
};

static int add_type(PyObject *m, const char *name, PyType_Spec *spec)
{
    PyObject *t = PyType_FromSpec(spec);
    if (t == NULL)
        return -1;
    if (PyModule_AddObject(m, name, t) < 0) {
        Py_DECREF(t);
        return -1;
    }
    return 0;
}

static int module_exec(PyObject *m)
{
    if (add_type(m, "Obj", &Obj_spec) < 0)
        return -1;
    return add_type(m, "GcObj", &GcObj_spec);
}

static PyModuleDef_Slot module_slots[] = {
    { Py_mod_exec, (void *)module_exec },
    { 0, NULL },
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, .m_name = "cpyext_bench",    .m_doc = "microbenchmarks, C API version",
    .m_size = 0,           .m_methods = module_methods, .m_slots = module_slots,
};

PyMODINIT_FUNC PyInit_cpyext_bench(void)
{
    return PyModuleDef_Init(&moduledef);
}
