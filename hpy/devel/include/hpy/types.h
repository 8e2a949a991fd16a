/* The basic types of HPy: handles and the other one-word structs, the
 * integer typedefs, and the opaque stand-ins for CPython types. */
#ifndef HPY_TYPES_H
#define HPY_TYPES_H

#ifdef _HPY_CONTEXT_ABI
typedef intptr_t HPy_ssize_t;
typedef intptr_t HPy_hash_t;
typedef uint32_t HPy_UCS4;
#    define HPY_SSIZE_T_MAX INTPTR_MAX
#else
typedef Py_ssize_t HPy_ssize_t;
typedef Py_hash_t HPy_hash_t;
typedef Py_UCS4 HPy_UCS4;
#    define HPY_SSIZE_T_MAX PY_SSIZE_T_MAX
#endif
#define HPY_SSIZE_T_MIN (-HPY_SSIZE_T_MAX - 1)

/* A handle: an opaque reference to a Python object, owned by whoever got
 * it, valid until closed with HPy_Close. Its value means nothing outside
 * the implementation that produced it, except that 0 is HPy_NULL. */
typedef struct _HPy_s {
    intptr_t _i;
} HPy;

/* A reference stored inside the memory of an object (see HPyField_Store). */
typedef struct {
    intptr_t _i;
} HPyField;
/* A reference stored in a static variable of the extension (HPyGlobal_Store). */
typedef struct {
    intptr_t _i;
} HPyGlobal;
typedef struct {
    intptr_t _lst;
} HPyListBuilder;
typedef struct {
    intptr_t _tup;
} HPyTupleBuilder;
typedef struct {
    intptr_t _i;
} HPyTracker;
/* What HPy_LeavePythonExecution returns and HPy_ReenterPythonExecution takes. */
typedef struct {
    intptr_t _i;
} HPyThreadState;

typedef struct _HPyContext_s HPyContext;

#define HPy_NULL _HPy_STRUCT_VALUE(HPy, 0)
#define HPy_IsNull(h) ((h)._i == 0)
#define HPyField_NULL _HPy_STRUCT_VALUE(HPyField, 0)
#define HPyField_IsNull(f) ((f)._i == 0)

/* A handle stored in a void * (e.g. the context pointer of a C callback)
 * and back; the handle stays owned by whoever owned it. */
HPyAPI_FUNC void *HPy_AsVoidP(HPy h)
{
    return (void *)h._i;
}
HPyAPI_FUNC HPy HPy_FromVoidP(void *p)
{
    return _HPy_STRUCT_VALUE(HPy, (intptr_t)p);
}

/* The generic function-pointer type stored in definitions. */
typedef void *(*HPyCFunction)(void);

/* CPython types appear in HPy's binary structures only behind pointers.
 * Outside the C API's reach (the universal ABI) they are incomplete types, so
 * that nothing can look inside them. */
#ifdef _HPY_HAS_PYTHON_H
typedef PyObject cpy_PyObject;
typedef PyMethodDef cpy_PyMethodDef;
typedef PyModuleDef cpy_PyModuleDef;
typedef Py_buffer cpy_Py_buffer;
#else
typedef struct FORBIDDEN_cpy_PyObject cpy_PyObject;
typedef struct FORBIDDEN_PyMethodDef cpy_PyMethodDef;
typedef struct FORBIDDEN_PyModuleDef cpy_PyModuleDef;
typedef struct FORBIDDEN_bufferinfo cpy_Py_buffer;
#endif

typedef cpy_PyObject *(*cpy_PyCFunction)(cpy_PyObject *, cpy_PyObject *const *, HPy_ssize_t);
typedef int (*cpy_visitproc)(cpy_PyObject *, void *);
typedef cpy_PyObject *(*cpy_getter)(cpy_PyObject *, void *);
typedef int (*cpy_setter)(cpy_PyObject *, cpy_PyObject *, void *);
typedef void (*cpy_PyCapsule_Destructor)(cpy_PyObject *);
typedef cpy_PyObject *(*cpy_vectorcallfunc)(cpy_PyObject *callable, cpy_PyObject *const *args,
                                            size_t nargsf, cpy_PyObject *kwnames);

#endif /* HPY_TYPES_H */
