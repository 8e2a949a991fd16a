/* HPyDef_MEMBER of types: CPython PyMemberDefs at object offsets. Shared
 * by the hosts (the WebAssembly host too: stable ABI only).
 *
 * HPyMember offsets count from the start of the struct (the object itself
 * for legacy types), so they are moved by the struct's offset. The field
 * types have CPython's T_* numbers. An HPyMember_OBJECT(_EX) is an HPyField
 * in the universal ABI; here a field holds the PyObject* itself, so the
 * T_OBJECT(_EX) semantics apply to it unchanged.
 *
 * When the struct has no fixed offset (Long and Tuple shapes, where it
 * follows the items), a member becomes a get-set descriptor that finds the
 * struct of each instance and then reads or writes the field like a member
 * descriptor would. */
#include "hpy.h"
#include "structmember.h"
#include "utf8_cut.h"
#include "ctx_type_spec.h"

static Py_ssize_t member_size(int type)
{
    switch (type) {
    case T_SHORT: return (Py_ssize_t)sizeof(short);
    case T_INT: return (Py_ssize_t)sizeof(int);
    case T_LONG: return (Py_ssize_t)sizeof(long);
    case T_FLOAT: return (Py_ssize_t)sizeof(float);
    case T_DOUBLE: return (Py_ssize_t)sizeof(double);
    case T_STRING: return (Py_ssize_t)sizeof(char *);
    case T_OBJECT: return (Py_ssize_t)sizeof(PyObject *);
    case T_CHAR: return 1;
    case T_BYTE: return 1;
    case T_UBYTE: return 1;
    case T_USHORT: return (Py_ssize_t)sizeof(unsigned short);
    case T_UINT: return (Py_ssize_t)sizeof(unsigned int);
    case T_ULONG: return (Py_ssize_t)sizeof(unsigned long);
    case T_STRING_INPLACE: return 1;
    case T_BOOL: return 1;
    case T_OBJECT_EX: return (Py_ssize_t)sizeof(PyObject *);
    case T_LONGLONG: return (Py_ssize_t)sizeof(long long);
    case T_ULONGLONG: return (Py_ssize_t)sizeof(unsigned long long);
    case T_PYSSIZET: return (Py_ssize_t)sizeof(Py_ssize_t);
    case T_NONE: return 0;
    default: return -1;
    }
}

static PyObject *var_member_get(PyObject *self, void *closure)
{
    PyMemberDef m;
    void *st = _HPy_StructOfObject(self);
    if (st == NULL) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_SystemError, "'%s' object has no HPy struct",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return NULL;
    }
    /* CPython reads the object at the address it is given (for messages):
     * give it the object and an offset from there */
    m = *(PyMemberDef *)closure;
    m.offset += (char *)st - (char *)self;
    return PyMember_GetOne((const char *)self, &m);
}

static int var_member_set(PyObject *self, PyObject *value, void *closure)
{
    PyMemberDef m;
    void *st = _HPy_StructOfObject(self);
    if (st == NULL) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_SystemError, "'%s' object has no HPy struct",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return -1;
    }
    m = *(PyMemberDef *)closure;
    m.offset += (char *)st - (char *)self;
    return PyMember_SetOne((char *)self, &m, value);
}

_HPy_HIDDEN int _HPyType_MemberToPy(const char *type_name, const HPyMember *m,
                                    const _HPyTypeLayout *d, PyMemberDef *out_member,
                                    PyGetSetDef *out_getset, PyMemberDef *closure_mem)
{
    int type = (int)m->type;
    Py_ssize_t size = member_size(type);
    if (size < 0) {
        PyErr_Format(PyExc_SystemError,
                     "HPyType_FromSpec: '%s': member '%s' has invalid "
                     "type %d",
                     type_name, m->name, type);
        return -1;
    }
    if (m->offset < 0 || m->offset + size > d->struct_size) {
        PyErr_Format(PyExc_SystemError,
                     "HPyType_FromSpec: '%s': member '%s' (offset %zd) "
                     "lies outside the struct (%zd bytes)",
                     type_name, m->name, (Py_ssize_t)m->offset, d->struct_size);
        return -1;
    }
    if (out_member != NULL) {
        out_member->name = m->name;
        out_member->type = type;
        out_member->offset = d->struct_offset + m->offset;
        out_member->flags = m->readonly ? READONLY : 0;
        out_member->doc = m->doc;
        return 0;
    }
    closure_mem->name = m->name;
    closure_mem->type = type;
    closure_mem->offset = m->offset;
    closure_mem->flags = m->readonly ? READONLY : 0;
    closure_mem->doc = m->doc;
    out_getset->name = m->name;
    out_getset->get = var_member_get;
    out_getset->set = m->readonly ? NULL : var_member_set;
    out_getset->doc = m->doc;
    out_getset->closure = closure_mem;
    return 0;
}
