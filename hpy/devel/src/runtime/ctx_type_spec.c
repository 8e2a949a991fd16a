/* HPyType_FromSpec, the part every host does alike: see ctx_type_spec.h.
 * Only the stable ABI is used (the WebAssembly host compiles this file
 * against its stable-ABI Python.h), except where a macro below says. */
#include "ctx_type_spec.h"
#include "autogen_tables.h"
#include "utf8_cut.h"

#include <stddef.h>
#include <string.h>

#define ERR_PREFIX _HPY_SPEC_ERR_PREFIX

#if PY_VERSION_HEX < 0x03090000
#    define _HPy_TPFLAGS_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#else
#    define _HPy_TPFLAGS_VECTORCALL Py_TPFLAGS_HAVE_VECTORCALL
#endif

/* The tp_new of a type. PyType_GetSlot reads static types from 3.10 on
 * only; the limited API has nothing else. */
#ifdef Py_LIMITED_API
#    define TP_NEW(t) PyType_GetSlot((t), Py_tp_new)
#else
#    define TP_NEW(t) ((void *)(t)->tp_new)
#endif

static Py_ssize_t round_up(Py_ssize_t n, Py_ssize_t align)
{
    return (n + align - 1) & ~(align - 1);
}

static int is_vectorcalloffset(const char *name)
{
    return name[0] == '_' && strcmp(name, "__vectorcalloffset__") == 0;
}

static int valid_member_type(int t)
{
    return (t >= HPyMember_SHORT && t <= HPyMember_NONE && t != 15);
}

/* The checks of the params that come before anything else, in the order
 * other HPy implementations make them (their texts first, detail after). */
static int check_params(const char *name, HPyType_SpecParam *params)
{
    HPyType_SpecParam *p;
    int n_base = 0, n_tuple = 0;
    if (params == NULL)
        return 0;
    for (p = params; p->kind != 0; p++) {
        switch (p->kind) {
        case HPyType_SpecParam_Base: n_base++; break;
        case HPyType_SpecParam_BasesTuple: n_tuple++; break;
        case HPyType_SpecParam_Metaclass: break;
        default:
            PyErr_Format(PyExc_TypeError,
                         "unknown HPyType_SpecParam specification for '%s' "
                         "(kind %d)",
                         name, (int)p->kind);
            return -1;
        }
    }
    if (n_tuple > 1) {
        PyErr_Format(PyExc_TypeError,
                     "multiple specifications of HPyType_SpecParam_BasesTuple "
                     "(type '%s')",
                     name);
        return -1;
    }
    if (n_base > 0 && n_tuple > 0) {
        PyErr_Format(PyExc_TypeError,
                     "cannot specify both HPyType_SpecParam_Base and "
                     "HPytype_SpecParam_BasesTuple (type '%s')",
                     name);
        return -1;
    }
    return 0;
}

/* Reads the params (checked by check_params): the bases as a new tuple
 * (NULL if none were given) and the metaclass (borrowed, NULL if none). */
static int read_params(const char *name, HPyType_SpecParam *params, PyObject **out_bases,
                       PyTypeObject **out_meta)
{
    PyObject *list = NULL, *tuple = NULL;
    HPyType_SpecParam *p;
    *out_bases = NULL;
    *out_meta = NULL;
    if (params == NULL)
        return 0;
    for (p = params; p->kind != 0; p++) {
        PyObject *o = _h2py(p->object);
        switch (p->kind) {
        case HPyType_SpecParam_Base:
            if (o == NULL || !PyType_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s': HPyType_SpecParam_Base must be "
                                        "a type",
                             name);
                goto error;
            }
            if (list == NULL && (list = PyList_New(0)) == NULL)
                goto error;
            if (PyList_Append(list, o) < 0)
                goto error;
            break;
        case HPyType_SpecParam_BasesTuple: {
            Py_ssize_t i;
            if (o == NULL || !PyTuple_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s': HPyType_SpecParam_BasesTuple "
                                        "must be a tuple",
                             name);
                goto error;
            }
            for (i = 0; i < PyTuple_GET_SIZE(o); i++) {
                if (!PyType_Check(PyTuple_GET_ITEM(o, i))) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX "'%s': the bases tuple must "
                                            "contain only types",
                                 name);
                    goto error;
                }
            }
            tuple = o;
            break;
        }
        default: /* HPyType_SpecParam_Metaclass */
            if (*out_meta != NULL) {
                PyErr_Format(PyExc_ValueError,
                             "metaclass was specified multiple times "
                             "(type '%s')",
                             name);
                goto error;
            }
            if (o == NULL || !PyType_Check(o) ||
                !PyType_IsSubtype((PyTypeObject *)o, &PyType_Type)) {
                PyErr_Format(PyExc_TypeError, "Metaclass '%R' is not a subclass of 'type'.",
                             o != NULL ? o : Py_None);
                goto error;
            }
            /* CPython's own PyType_FromMetaclass refuses them too: their
             * tp_new would not run for the new type. */
            if (TP_NEW((PyTypeObject *)o) != TP_NEW(&PyType_Type)) {
                PyErr_Format(PyExc_TypeError,
                             "Metaclasses with custom tp_new are not "
                             "supported. (metaclass of '%s')",
                             name);
                goto error;
            }
            *out_meta = (PyTypeObject *)o;
            break;
        }
    }
    if (list != NULL) {
        *out_bases = PyList_AsTuple(list);
        Py_DECREF(list);
        return *out_bases == NULL ? -1 : 0;
    }
    if (tuple != NULL && PyTuple_GET_SIZE(tuple) > 0) {
        Py_INCREF(tuple);
        *out_bases = tuple;
    }
    return 0;
error:
    Py_XDECREF(list);
    *out_meta = NULL;
    return -1;
}

/* The metatype of the new type: the most derived of the explicit metaclass
 * and the metaclasses of the bases (a new reference). */
static PyTypeObject *choose_metatype(PyTypeObject *explicit_meta, PyObject *bases)
{
    PyTypeObject *winner = explicit_meta != NULL ? explicit_meta : &PyType_Type;
    Py_ssize_t i;
    for (i = 0; i < PyTuple_GET_SIZE(bases); i++) {
        PyTypeObject *t = Py_TYPE(PyTuple_GET_ITEM(bases, i));
        if (PyType_IsSubtype(winner, t))
            continue;
        if (PyType_IsSubtype(t, winner)) {
            winner = t;
            continue;
        }
        /* CPython's text (PyType_FromMetaclass and class statements) */
        PyErr_SetString(PyExc_TypeError,
                        "metaclass conflict: the metaclass of a derived class "
                        "must be a (non-strict) subclass of the metaclasses of all its bases");
        return NULL;
    }
    Py_INCREF(winner);
    return winner;
}

/* The base whose layout the new type extends: the one with the largest
 * instances (CPython picks the same one or one with the same layout; this
 * is checked after the type is made). */
static PyTypeObject *pick_primary(PyObject *bases)
{
    PyTypeObject *best = NULL;
    Py_ssize_t i;
    for (i = 0; i < PyTuple_GET_SIZE(bases); i++) {
        PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(bases, i);
        if (best == NULL || b->tp_basicsize > best->tp_basicsize)
            best = b;
    }
    return best;
}

static int defines_slot(HPyType_Spec *hs, HPySlot_Slot slot)
{
    HPyDef **dp;
    if (hs->defines != NULL)
        for (dp = hs->defines; *dp != NULL; dp++)
            if ((*dp)->kind == HPyDef_Kind_Slot && (*dp)->slot.slot == slot)
                return 1;
    return 0;
}

/* Legacy slots need the Legacy shape (the struct starts with PyObject_HEAD),
 * and a legacy tp_dealloc would skip what HPy_tp_traverse and HPy_tp_destroy
 * need done when an instance dies. */
static int check_legacy_slots(HPyType_Spec *hs)
{
    PyType_Slot *ls;
    if (hs->legacy_slots == NULL)
        return 0;
    if (hs->builtin_shape != HPyType_BuiltinShape_Legacy) {
        PyErr_Format(PyExc_TypeError,
                     "cannot specify .legacy_slots without setting "
                     ".builtin_shape=HPyType_BuiltinShape_Legacy (type '%s')",
                     hs->name);
        return -1;
    }
    if (!defines_slot(hs, HPy_tp_traverse) && !defines_slot(hs, HPy_tp_destroy))
        return 0;
    for (ls = (PyType_Slot *)hs->legacy_slots; ls->slot != 0; ls++) {
        if (ls->slot == Py_tp_dealloc) {
            PyErr_Format(PyExc_TypeError,
                         "legacy tp_dealloc is incompatible with "
                         "HPy_tp_traverse or HPy_tp_destroy. (type '%s')",
                         hs->name);
            return -1;
        }
    }
    return 0;
}

/* HPy_tp_call and the members: what other HPy implementations reject, with
 * their texts and in their order. The call function lives in a hidden field
 * after the struct, which var objects (their items come after the struct)
 * and legacy types that inherit their struct (its size is unknown) do not
 * have room for. */
static int check_call_and_members(_HPyTypeBuilder *b, Py_ssize_t n_all_members,
                                  int has_legacy_vc_offset)
{
    HPyType_Spec *hs = b->hspec;
    if (b->call_def != NULL && hs->itemsize != 0) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with var objects "
                     "(type '%s' has itemsize %d)",
                     hs->name, hs->itemsize);
        return -1;
    }
    if (b->call_def != NULL && hs->builtin_shape == HPyType_BuiltinShape_Legacy &&
        hs->basicsize == 0) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with legacy types that "
                     "inherit the struct. Either set the basicsize to anon-zero value or use "
                     "legacy slot 'Py_tp_call'. (type '%s')",
                     hs->name);
        return -1;
    }
    /* With HPy_tp_call the hidden field makes the instances bigger than the
     * base's: the type has a layout of its own. */
    if (hs->basicsize == 0 && b->call_def == NULL && n_all_members > 0) {
        PyErr_Format(PyExc_TypeError,
                     "Type claims to have basicsize==0 but defines members "
                     "(type '%s')",
                     hs->name);
        return -1;
    }
    if (b->call_def != NULL && (b->explicit_vc_offset >= 0 || has_legacy_vc_offset)) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot have HPy_tp_call and explicit "
                     "member'__vectorcalloffset__'. Specify just one of them. (type '%s')",
                     hs->name);
        return -1;
    }
    return 0;
}

/* First pass over the spec: checks it and counts what the tables need. */
static int scan_spec(_HPyTypeBuilder *b)
{
    HPyType_Spec *hs = b->hspec;
    const char *name = hs->name;
    HPyDef **dp;
    PyType_Slot *ls;
    uint64_t seen[2] = { 0, 0 }; /* the slots below 128 given so far */
#define SEEN(s) ((s) >= 0 && (s) < 128 && (seen[(s) >> 6] >> ((s)&63)) & 1u)
#define SET_SEEN(s) (seen[(s) >> 6] |= (uint64_t)1 << ((s)&63))

    Py_ssize_t n_all_members = 0; /* HPy and legacy, __vectorcalloffset__ too */
    int has_legacy_vc_offset = 0;

    b->explicit_vc_offset = -1;
    if (hs->defines != NULL) {
        for (dp = hs->defines; *dp != NULL; dp++) {
            HPyDef *def = *dp;
            switch (def->kind) {
            case HPyDef_Kind_Slot: {
                int s = (int)def->slot.slot;
                int cs = _HPy_CPythonTypeSlot(def->slot.slot);
                if (cs < 0) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d is not a type "
                                            "slot",
                                 name, s);
                    return -1;
                }
                if (SEEN(s)) {
                    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': slot %d is defined twice",
                                 name, s);
                    return -1;
                }
                if (s < 128)
                    SET_SEEN(s);
                if (def->slot.impl == NULL) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d has no "
                                            "implementation",
                                 name, s);
                    return -1;
                }
                b->n_slot++;
                switch (def->slot.slot) {
                case HPy_tp_call: b->call_def = def; break;
                case HPy_tp_traverse: b->traverse_def = def; break;
                case HPy_tp_destroy:
                    if (b->destroy_def != NULL) {
                        PyErr_Format(PyExc_SystemError,
                                     ERR_PREFIX "'%s': HPy_tp_destroy is "
                                                "defined twice",
                                     name);
                        return -1;
                    }
                    b->destroy_def = def;
                    break;
                case HPy_bf_getbuffer: b->getbuffer_def = def; break;
                case HPy_bf_releasebuffer: b->releasebuffer_def = def; break;
                default: break;
                }
                break;
            }
            case HPyDef_Kind_Meth:
                if (def->meth.name == NULL) {
                    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': a method has no name", name);
                    return -1;
                }
                if (_HPy_MethodFlags(def->meth.signature) < 0) {
                    PyErr_Format(PyExc_ValueError,
                                 "Unsupported HPyMeth signature (type '%s', "
                                 "method '%s': signature %d)",
                                 name, def->meth.name, (int)def->meth.signature);
                    return -1;
                }
                b->n_meth++;
                break;
            case HPyDef_Kind_Member:
                if (def->member.name == NULL || !valid_member_type((int)def->member.type)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': member '%s' has invalid "
                                            "type %d",
                                 name, def->member.name ? def->member.name : "(null)",
                                 (int)def->member.type);
                    return -1;
                }
                if (def->member.offset < 0) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': member '%s' has a negative "
                                            "offset",
                                 name, def->member.name);
                    return -1;
                }
                n_all_members++;
                if (is_vectorcalloffset(def->member.name)) {
                    if (def->member.type != HPyMember_HPYSSIZET) {
                        PyErr_Format(PyExc_SystemError,
                                     ERR_PREFIX
                                     "'%s': member "
                                     "__vectorcalloffset__ must have type HPyMember_HPYSSIZET",
                                     name);
                        return -1;
                    }
                    b->explicit_vc_offset = def->member.offset;
                    break;
                }
                b->n_memb++;
                break;
            case HPyDef_Kind_GetSet:
                if (def->getset.name == NULL || (def->getset.getter_cpy_trampoline == NULL &&
                                                 def->getset.setter_cpy_trampoline == NULL)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': get-set descriptor '%s' "
                                            "has neither getter nor setter",
                                 name, def->getset.name ? def->getset.name : "(null)");
                    return -1;
                }
                b->n_getset++;
                break;
            default:
                PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': invalid HPyDef kind %d", name,
                             (int)def->kind);
                return -1;
            }
        }
    }

    if (hs->legacy_slots != NULL) {
        for (ls = (PyType_Slot *)hs->legacy_slots; ls->slot != 0; ls++) {
            switch (ls->slot) {
            case Py_tp_methods: {
                PyMethodDef *m;
                if (b->legacy_methods != NULL)
                    goto twice;
                b->legacy_methods = (PyMethodDef *)ls->pfunc;
                for (m = b->legacy_methods; m != NULL && m->ml_name != NULL; m++)
                    b->n_meth++;
                break;
            }
            case Py_tp_members: {
                PyMemberDef *m;
                if (b->legacy_members != NULL)
                    goto twice;
                b->legacy_members = (PyMemberDef *)ls->pfunc;
                for (m = b->legacy_members; m != NULL && m->name != NULL; m++) {
                    b->n_memb++;
                    n_all_members++;
                    if (is_vectorcalloffset(m->name))
                        has_legacy_vc_offset = 1;
                }
                break;
            }
            case Py_tp_getset: {
                PyGetSetDef *g;
                if (b->legacy_getsets != NULL)
                    goto twice;
                b->legacy_getsets = (PyGetSetDef *)ls->pfunc;
                for (g = b->legacy_getsets; g != NULL && g->name != NULL; g++)
                    b->n_getset++;
                break;
            }
            case Py_tp_dealloc: /* without HPy_tp_destroy/traverse: check_legacy_slots */
                b->legacy_dealloc = ls->pfunc;
                break;
            case Py_tp_traverse:
                if (b->traverse_def != NULL) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX "'%s': cannot have both "
                                            "HPy_tp_traverse and a legacy Py_tp_traverse",
                                 name);
                    return -1;
                }
                b->legacy_traverse = ls->pfunc;
                break;
            case Py_tp_clear: b->legacy_clear = ls->pfunc; break;
            case Py_tp_doc: b->legacy_doc = (const char *)ls->pfunc; break;
            case Py_tp_base:
            case Py_tp_bases:
                PyErr_Format(PyExc_SystemError,
                             ERR_PREFIX "'%s': give bases with "
                                        "HPyType_SpecParam_Base(sTuple), not in legacy_slots",
                             name);
                return -1;
            default:
                if (SEEN(ls->slot)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d is defined both "
                                            "as an HPy slot and as a legacy slot",
                                 name, ls->slot);
                    return -1;
                }
                b->n_legacy_slots++;
                break;
            }
        }
    }
    return check_call_and_members(b, n_all_members, has_legacy_vc_offset);
twice:
    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': a legacy slot is given twice", name);
    return -1;
}
#undef SEEN
#undef SET_SEEN

/* Decides where the struct goes; fills b->d, b->basicsize. */
static int compute_layout(_HPyTypeBuilder *b)
{
    HPyType_Spec *hs = b->hspec;
    const char *name = hs->name;
    PyTypeObject *primary = b->primary;
    const _HPyTypeLayout *bd = b->has_hpy_base ? &b->bd : NULL;
    int shape = (int)hs->builtin_shape;
    _HPyTypeLayout *d = &b->d;

    d->shape = shape;
    b->has_pure_base = bd != NULL && !(bd->flags & _HPY_LAYOUT_F_LEGACY);
    if (shape == HPyType_BuiltinShape_Legacy) {
        if (b->has_pure_base) {
            PyErr_Format(PyExc_TypeError,
                         "A legacy type should not inherit its memory layout "
                         "from a pure type ('%s' inherits from '%s')",
                         name, primary->tp_name);
            return -1;
        }
        b->basicsize = hs->basicsize > 0 ? hs->basicsize : primary->tp_basicsize;
        if (b->basicsize < primary->tp_basicsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': basicsize %d is smaller than the "
                                    "instances of the base '%s' (%zd)",
                         name, hs->basicsize, primary->tp_name, primary->tp_basicsize);
            return -1;
        }
        d->placement = _HPY_LAYOUT_FIXED;
        d->struct_offset = 0;
        d->struct_size = b->basicsize;
        d->flags |= _HPY_LAYOUT_F_LEGACY;
        return 0;
    }

    if (b->has_pure_base) {
        Py_ssize_t base_end;
        if (bd->shape != shape) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s but its base "
                                    "'%s' has builtin shape %s",
                         name, _HPy_BuiltinShapeName(shape), primary->tp_name,
                         _HPy_BuiltinShapeName(bd->shape));
            return -1;
        }
        d->placement = bd->placement;
        d->struct_offset = bd->struct_offset;
        d->var_itemsize = bd->var_itemsize;
        b->base_struct_size = bd->struct_size;
        d->struct_size = hs->basicsize > bd->struct_size ? hs->basicsize : bd->struct_size;
        if (d->placement == _HPY_LAYOUT_FIXED) {
            base_end = d->struct_offset + bd->struct_size;
            /* A Python subclass of an HPy type put its own data right after
             * the struct: the struct cannot grow in place. */
            if (!(bd->flags & _HPY_LAYOUT_F_DEFINED) && d->struct_size > bd->struct_size) {
                Py_ssize_t hidden_end = bd->vectorcall_offset >= base_end
                                            ? bd->vectorcall_offset + (Py_ssize_t)sizeof(void *)
                                            : base_end;
                if (primary->tp_basicsize > hidden_end) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX
                                 "'%s' cannot extend the struct of "
                                 "'%s': that class adds its own data after it (e.g. __dict__ "
                                 "or __slots__)",
                                 name, primary->tp_name);
                    return -1;
                }
            }
            b->basicsize = d->struct_offset + d->struct_size;
            if (b->basicsize < primary->tp_basicsize && d->struct_size == bd->struct_size)
                b->basicsize = primary->tp_basicsize;
        }
        else {
            d->struct_size = round_up(d->struct_size, _HPY_LAYOUT_ALIGN);
            if (!(bd->flags & _HPY_LAYOUT_F_DEFINED) && d->struct_size > bd->struct_size) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s' cannot extend the struct of "
                                        "'%s', a Python subclass",
                             name, primary->tp_name);
                return -1;
            }
            b->basicsize = d->struct_offset + d->struct_size + _HPY_LAYOUT_ALIGN;
            if (b->basicsize < primary->tp_basicsize)
                b->basicsize = primary->tp_basicsize;
        }
        return 0;
    }

    /* A new struct on top of a type that has none (or a legacy one). */
    if (_HPy_BuiltinShapeBase(shape) != NULL) {
        if (!PyType_IsSubtype(primary, _HPy_BuiltinShapeBase(shape))) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s, so its base "
                                    "must be '%s' or a subclass of it (got '%s')",
                         name, _HPy_BuiltinShapeName(shape), _HPy_BuiltinShapeBase(shape)->tp_name,
                         primary->tp_name);
            return -1;
        }
    }
    if (shape == HPyType_BuiltinShape_Long || shape == HPyType_BuiltinShape_Tuple) {
        /* The items are inline: the struct goes after them. */
        PyTypeObject *builtin = _HPy_BuiltinShapeBase(shape);
        if (primary->tp_basicsize != builtin->tp_basicsize ||
            primary->tp_itemsize != builtin->tp_itemsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': a %s-shaped HPy type must extend "
                                    "'%s' or a subclass of it that adds no data ('%s' does)",
                         name, _HPy_BuiltinShapeName(shape), builtin->tp_name, primary->tp_name);
            return -1;
        }
        d->placement =
            shape == HPyType_BuiltinShape_Long ? _HPY_LAYOUT_VAR_LONG : _HPY_LAYOUT_VAR_TUPLE;
        d->struct_offset = primary->tp_basicsize;
        d->var_itemsize = primary->tp_itemsize;
        d->struct_size = round_up(hs->basicsize, _HPY_LAYOUT_ALIGN);
        b->basicsize = d->struct_offset + d->struct_size + _HPY_LAYOUT_ALIGN;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type && hs->basicsize == 0) {
        /* no struct: nothing to place after the variable-size part */
        d->placement = _HPY_LAYOUT_FIXED;
        d->struct_offset = primary->tp_basicsize;
        d->struct_size = 0;
        b->basicsize = primary->tp_basicsize;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': the base '%s' has variable-size "
                                "instances, which builtin shape %s cannot extend",
                     name, primary->tp_name, _HPy_BuiltinShapeName(shape));
        return -1;
    }
    d->placement = _HPY_LAYOUT_FIXED;
    d->struct_offset = round_up(primary->tp_basicsize, _HPY_LAYOUT_ALIGN);
    d->struct_size = hs->basicsize;
    b->basicsize = d->struct_offset + d->struct_size;
    return 0;
}

/* Where instances keep their call function (fills d->vectorcall_offset,
 * d->default_call; may grow b->basicsize). */
static int compute_vectorcall(_HPyTypeBuilder *b)
{
    _HPyTypeLayout *d = &b->d;
    const _HPyTypeLayout *bd = b->has_hpy_base ? &b->bd : NULL;
    Py_ssize_t inherited = bd != NULL ? bd->vectorcall_offset : 0;
    Py_ssize_t ptr = (Py_ssize_t)sizeof(void *);
    Py_ssize_t end;

    if (b->call_def != NULL)
        d->default_call = _HPY_FPTR(vectorcallfunc, _HPY_SPEC_SLOT_ENTRY(b->ctx, b->call_def));
    else if (bd != NULL)
        d->default_call = bd->default_call;
    if (b->explicit_vc_offset < 0 && b->call_def == NULL && inherited <= 0)
        return 0;
    if (d->placement != _HPY_LAYOUT_FIXED) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with var objects (type "
                     "'%s': the instances of builtin shape %s have their items inline)",
                     b->hspec->name, _HPy_BuiltinShapeName(d->shape));
        return -1;
    }
    if (b->explicit_vc_offset >= 0) {
        d->vectorcall_offset = d->struct_offset + b->explicit_vc_offset;
        return 0;
    }
    end = d->struct_offset + d->struct_size;
    if (inherited > 0) {
        /* before our struct, inside the base's struct, or a hidden slot
         * after the base's struct that our struct does not grow over */
        if (inherited + ptr <= d->struct_offset ||
            inherited + ptr <= d->struct_offset + b->base_struct_size ||
            d->struct_size == b->base_struct_size) {
            d->vectorcall_offset = inherited;
            return 0;
        }
    }
    /* a hidden slot right after the struct */
    d->vectorcall_offset = round_up(end, ptr);
    if (b->basicsize < d->vectorcall_offset + ptr)
        b->basicsize = d->vectorcall_offset + ptr;
    return 0;
}

_HPy_HIDDEN size_t _HPyTypeSpec_TablesSize(const _HPyTypeBuilder *b, Py_ssize_t extra_members)
{
    Py_ssize_t n_var = b->d.placement != _HPY_LAYOUT_FIXED ? b->n_memb : 0;
    /* each table ends with an empty entry; __vectorcalloffset__ is a member */
    return (size_t)(b->n_meth + 1) * sizeof(PyMethodDef) +
           (size_t)(b->n_memb + 2 + extra_members) * sizeof(PyMemberDef) +
           (size_t)(b->n_getset + n_var + 1) * sizeof(PyGetSetDef) +
           (size_t)(n_var + 1) * sizeof(PyMemberDef);
}

_HPy_HIDDEN int _HPyTypeSpec_FillTables(_HPyTypeBuilder *b, char *mem, Py_ssize_t extra_members,
                                        _HPyTypeTables *t)
{
    HPyType_Spec *hs = b->hspec;
    const _HPyTypeLayout *d = &b->d;
    Py_ssize_t im = 0, ib = 0, ig = 0, iv = 0;
    int var = d->placement != _HPY_LAYOUT_FIXED;
    Py_ssize_t n_var = var ? b->n_memb : 0;
    HPyDef **dp;
    t->methods = (PyMethodDef *)(void *)mem;
    t->members = (PyMemberDef *)(t->methods + b->n_meth + 1);
    t->getsets = (PyGetSetDef *)(t->members + b->n_memb + 2 + extra_members);
    t->var_members = (PyMemberDef *)(t->getsets + b->n_getset + n_var + 1);

    if (hs->defines != NULL) {
        for (dp = hs->defines; *dp != NULL; dp++) {
            HPyDef *def = *dp;
            if (def->kind == HPyDef_Kind_Meth) {
                PyMethodDef *m = &t->methods[im++];
                m->ml_name = def->meth.name;
                m->ml_meth = _HPY_FPTR(PyCFunction,
                                       _HPY_SPEC_ENTRY(b->ctx, def->meth.signature, def->meth.impl,
                                                       def->meth.cpy_trampoline));
                m->ml_flags = _HPy_MethodFlags(def->meth.signature);
                m->ml_doc = def->meth.doc;
            }
            else if (def->kind == HPyDef_Kind_Member && !is_vectorcalloffset(def->member.name)) {
                if (var) {
                    if (_HPyType_MemberToPy(hs->name, &def->member, d, NULL, &t->getsets[ig++],
                                            &t->var_members[iv++]) < 0)
                        return -1;
                }
                else if (_HPyType_MemberToPy(hs->name, &def->member, d, &t->members[ib++], NULL,
                                             NULL) < 0) {
                    return -1;
                }
            }
            else if (def->kind == HPyDef_Kind_GetSet) {
                PyGetSetDef *g = &t->getsets[ig++];
                g->name = def->getset.name;
                if (def->getset.getter_cpy_trampoline != NULL)
                    g->get = _HPY_FPTR(getter, _HPY_SPEC_ENTRY(b->ctx, HPyFunc_GETTER,
                                                               def->getset.getter_impl,
                                                               def->getset.getter_cpy_trampoline));
                if (def->getset.setter_cpy_trampoline != NULL)
                    g->set = _HPY_FPTR(setter, _HPY_SPEC_ENTRY(b->ctx, HPyFunc_SETTER,
                                                               def->getset.setter_impl,
                                                               def->getset.setter_cpy_trampoline));
                g->doc = def->getset.doc;
                g->closure = def->getset.closure;
            }
        }
    }
    if (b->legacy_methods != NULL) {
        PyMethodDef *m;
        for (m = b->legacy_methods; m->ml_name != NULL; m++)
            t->methods[im++] = *m;
    }
    if (b->legacy_members != NULL) {
        PyMemberDef *m;
        for (m = b->legacy_members; m->name != NULL; m++)
            t->members[ib++] = *m;
    }
    if (b->legacy_getsets != NULL) {
        PyGetSetDef *g;
        for (g = b->legacy_getsets; g->name != NULL; g++)
            t->getsets[ig++] = *g;
    }
    t->n_members = ib;
#if PY_VERSION_HEX >= 0x03090000
    /* the way a type made from a spec gets vectorcall (3.8 knows no such
     * member: the CPython host sets tp_vectorcall_offset itself) */
    if (d->vectorcall_offset > 0)
        _HPyTypeSpec_AddOffsetMember(t, "__vectorcalloffset__", d->vectorcall_offset);
#endif
    return 0;
}

_HPy_HIDDEN void _HPyTypeSpec_AddOffsetMember(_HPyTypeTables *t, const char *name,
                                              Py_ssize_t offset)
{
    PyMemberDef *m = &t->members[t->n_members++];
    m->name = name;
    m->type = T_PYSSIZET;
    m->offset = offset;
    m->flags = READONLY;
}

/* ------------------------------------------------------------------------
 * The steps the hosts call (ctx_type_spec.h)
 * ------------------------------------------------------------------------ */

_HPy_HIDDEN int _HPyTypeSpec_Check(_HPyTypeBuilder *b, HPyContext *ctx, HPyType_Spec *hspec,
                                   HPyType_SpecParam *params)
{
    const char *name;
    unsigned long allowed;
    memset(b, 0, offsetof(_HPyTypeBuilder, slots_buf));
    b->ctx = ctx;
    if (hspec == NULL || hspec->name == NULL) {
        PyErr_SetString(PyExc_SystemError, ERR_PREFIX "the spec has no name");
        return -1;
    }
    name = hspec->name;
    b->hspec = hspec;
    if (check_params(name, params) < 0 || check_legacy_slots(hspec) < 0)
        return -1;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) && !defines_slot(hspec, HPy_tp_traverse)) {
        PyErr_Format(PyExc_ValueError,
                     "You must provide an HPy_tp_traverse slot if you specify "
                     "HPy_TPFLAGS_HAVE_GC (type '%s')",
                     name);
        return -1;
    }
    if (_HPy_BuiltinShapeName((int)hspec->builtin_shape) == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid shape: %d (type '%s')", (int)hspec->builtin_shape,
                     name);
        return -1;
    }
    if (hspec->basicsize < 0 || hspec->itemsize < 0) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': negative basicsize or itemsize", name);
        return -1;
    }
    allowed = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC |
              HPy_TPFLAGS_HAVE_VECTORCALL;
    if (hspec->flags & ~allowed) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': unsupported flags 0x%lx", name,
                     hspec->flags & ~allowed);
        return -1;
    }
    return scan_spec(b);
}

_HPy_HIDDEN int _HPyTypeSpec_Layout(_HPyTypeBuilder *b, HPyType_SpecParam *params)
{
    HPyType_Spec *hspec = b->hspec;
    if (read_params(hspec->name, params, &b->bases, &b->explicit_meta) < 0)
        return -1;
    if (b->bases == NULL) {
        /* The default base: a static built-in type, whose metatype is
         * `type`. */
        PyTypeObject *def_base = _HPy_BuiltinShapeBase((int)hspec->builtin_shape);
        if (def_base == NULL)
            def_base = &PyBaseObject_Type;
        if ((b->bases = PyTuple_Pack(1, (PyObject *)def_base)) == NULL)
            return -1;
        b->primary = def_base;
    }
    else {
        b->primary = pick_primary(b->bases);
    }
    b->has_hpy_base = _HPyTypeHost_BaseLayout(b->primary, &b->bd);
    if (compute_layout(b) < 0 || compute_vectorcall(b) < 0)
        return -1;
    return 0;
}

_HPy_HIDDEN int _HPyTypeSpec_Prepare(_HPyTypeBuilder *b)
{
    HPyType_Spec *hspec = b->hspec;
    if (b->basicsize > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, ERR_PREFIX "'%s': basicsize too large", hspec->name);
        return -1;
    }
    if ((b->meta = choose_metatype(b->explicit_meta, b->bases)) == NULL)
        return -1;

    /* the traverse and destroy implementations */
    if (b->traverse_def != NULL)
        b->d.traverse = _HPY_FPTR(HPyFunc_traverseproc, b->traverse_def->slot.impl);
    else if (b->has_hpy_base)
        b->d.traverse = b->bd.traverse;
    if (b->destroy_def != NULL)
        b->d.destroy = _HPY_FPTR(HPyFunc_destroyfunc, b->destroy_def->slot.impl);
    /* A traverse implementation without HPy_TPFLAGS_HAVE_GC only serves to
     * release the fields when the object dies (unless the base is a GC type
     * anyway). */
    b->gc_slots = b->legacy_traverse == NULL &&
                  ((hspec->flags & HPy_TPFLAGS_HAVE_GC) ||
                   (b->d.traverse != NULL && (PyType_GetFlags(b->primary) & Py_TPFLAGS_HAVE_GC)));
    return 0;
}

_HPy_HIDDEN int _HPyTypeSpec_MakeSlots(_HPyTypeBuilder *b, const _HPyTypeTables *t,
                                       const _HPyTypeHostSlots *funcs)
{
    HPyType_Spec *hspec = b->hspec;
    PyType_Slot *slots, *ls;
    Py_ssize_t ns = 0, nslots = 16 + b->n_legacy_slots + b->n_slot;
    unsigned long flags;
    HPyDef **dp;

    if (nslots <= (Py_ssize_t)(sizeof(b->slots_buf) / sizeof(b->slots_buf[0]))) {
        slots = b->slots_buf;
    }
    else if ((slots = (PyType_Slot *)PyMem_Calloc((size_t)nslots, sizeof(PyType_Slot))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->slots = slots;
    if (hspec->defines != NULL) {
        for (dp = hspec->defines; *dp != NULL; dp++) {
            HPySlot_Slot s;
            int cs;
            void *f;
            if ((*dp)->kind != HPyDef_Kind_Slot)
                continue;
            s = (*dp)->slot.slot;
            cs = _HPy_CPythonTypeSlot(s);
            /* the buffer slots have CPython's numbers */
            if (cs <= 0 && s != HPy_bf_getbuffer && s != HPy_bf_releasebuffer)
                continue;
            if ((f = _HPyTypeHost_SlotFunc(b, *dp, cs > 0 ? cs : (int)s)) == NULL)
                continue;
            slots[ns].slot = cs > 0 ? cs : (int)s;
            slots[ns++].pfunc = f;
        }
    }
    if (hspec->legacy_slots != NULL) {
        for (ls = (PyType_Slot *)hspec->legacy_slots; ls->slot != 0; ls++) {
            switch (ls->slot) {
            case Py_tp_methods:
            case Py_tp_members:
            case Py_tp_getset:
            case Py_tp_dealloc:
            case Py_tp_traverse:
            case Py_tp_clear:
            case Py_tp_doc: break;
            default: slots[ns++] = *ls;
            }
        }
    }
    slots[ns].slot = Py_tp_methods;
    slots[ns++].pfunc = t->methods;
    slots[ns].slot = Py_tp_members;
    slots[ns++].pfunc = t->members;
    slots[ns].slot = Py_tp_getset;
    slots[ns++].pfunc = t->getsets;
    if (hspec->doc != NULL || b->legacy_doc != NULL) {
        slots[ns].slot = Py_tp_doc;
        slots[ns++].pfunc = (void *)(hspec->doc != NULL ? hspec->doc : b->legacy_doc);
    }
    slots[ns].slot = Py_tp_dealloc;
    slots[ns++].pfunc = b->legacy_dealloc != NULL ? b->legacy_dealloc : funcs->dealloc;
    if (b->legacy_traverse != NULL) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = b->legacy_traverse;
    }
    else if (b->gc_slots) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = funcs->traverse;
    }
    if (b->legacy_clear != NULL) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = b->legacy_clear;
    }
    else if (b->gc_slots || (b->legacy_traverse != NULL && b->d.traverse != NULL)) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = funcs->clear;
    }
    if (b->d.vectorcall_offset > 0) {
        slots[ns].slot = Py_tp_call;
        slots[ns++].pfunc = funcs->call;
    }
    if (b->alloc != NULL) {
        slots[ns].slot = Py_tp_alloc;
        slots[ns++].pfunc = b->alloc;
    }
    slots[ns].slot = 0;
    slots[ns].pfunc = NULL;

    flags = Py_TPFLAGS_DEFAULT;
    if (hspec->flags & HPy_TPFLAGS_BASETYPE)
        flags |= Py_TPFLAGS_BASETYPE;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) || b->gc_slots || b->legacy_traverse != NULL)
        flags |= Py_TPFLAGS_HAVE_GC;
    if (b->d.vectorcall_offset > 0)
        flags |= _HPy_TPFLAGS_VECTORCALL;
    b->spec.name = hspec->name;
    b->spec.basicsize = (int)b->basicsize;
    b->spec.itemsize = hspec->itemsize;
    b->spec.flags = (unsigned int)flags;
    b->spec.slots = slots;
    return 0;
}

_HPy_HIDDEN void _HPyTypeSpec_FreeSlots(_HPyTypeBuilder *b)
{
    if (b->slots != NULL && b->slots != b->slots_buf)
        PyMem_Free(b->slots);
    b->slots = NULL;
    b->spec.slots = NULL;
}

_HPy_HIDDEN int _HPyTypeSpec_CheckBase(_HPyTypeBuilder *b, PyTypeObject *base)
{
    if (base == NULL || base->tp_basicsize != b->primary->tp_basicsize ||
        base->tp_itemsize != b->primary->tp_itemsize) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': CPython chose '%s' as the layout "
                                "base instead of '%s'; reorder the bases",
                     b->hspec->name, base ? base->tp_name : "?", b->primary->tp_name);
        return -1;
    }
    return 0;
}

_HPy_HIDDEN int _HPyTypeSpec_SetsOffset(const _HPyTypeBuilder *b, const char *name)
{
    PyMemberDef *m;
    if (b->legacy_members == NULL)
        return 0;
    for (m = b->legacy_members; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return 1;
    return 0;
}

_HPy_HIDDEN int _HPyType_VisitField(HPyField *f, void *arg)
{
    _HPyVisitArgs *c = (_HPyVisitArgs *)arg;
    PyObject *o = _hf2py(*f);
    return o == NULL ? 0 : c->visit(o, c->arg);
}

_HPy_HIDDEN int _HPyType_ClearField(HPyField *f, void *arg)
{
    PyObject *o = _hf2py(*f);
    (void)arg;
    *f = HPyField_NULL;
    Py_XDECREF(o);
    return 0;
}

_HPy_HIDDEN int _HPyType_PythonClassSlots(destructor *dealloc, traverseproc *traverse,
                                          inquiry *clear)
{
    /* a heap type: PyType_GetSlot reads it in every version */
    PyObject *cls = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "_hpy_probe",
                                          (PyObject *)&PyBaseObject_Type);
    if (cls == NULL) {
        PyErr_Clear();
        return -1;
    }
    *dealloc = _HPY_FPTR(destructor, PyType_GetSlot((PyTypeObject *)cls, Py_tp_dealloc));
    *traverse = _HPY_FPTR(traverseproc, PyType_GetSlot((PyTypeObject *)cls, Py_tp_traverse));
    *clear = _HPY_FPTR(inquiry, PyType_GetSlot((PyTypeObject *)cls, Py_tp_clear));
    Py_DECREF(cls);
    return 0;
}

_HPy_HIDDEN void _HPyTypeSpec_Release(_HPyTypeBuilder *b)
{
    _HPyTypeSpec_FreeSlots(b);
    Py_XDECREF(b->bases);
    Py_XDECREF(b->meta);
    b->bases = NULL;
    b->meta = NULL;
}

/* ------------------------------------------------------------------------
 * The errors of the instance functions
 * ------------------------------------------------------------------------ */

_HPy_HIDDEN _HPy_NOINLINE HPy _HPyType_ErrNotAType(const char *fn, PyObject *o)
{
    char tn[_HPy_UTF8_CUT_SIZE(200)];
    PyErr_Format(PyExc_TypeError, "%s arg 1 must be a type (got an instance of '%s')", fn,
                 _HPy_Utf8Cut(tn, Py_TYPE(o)->tp_name, 200));
    return HPy_NULL;
}

_HPy_HIDDEN _HPy_NOINLINE HPy _HPyType_ErrNotHPyType(PyTypeObject *tp)
{
    char tn[_HPy_UTF8_CUT_SIZE(200)];
    PyErr_Format(PyExc_TypeError,
                 "HPy_New: '%s' is not a type created by HPyType_FromSpec "
                 "(nor a subclass of one)",
                 _HPy_Utf8Cut(tn, tp->tp_name, 200));
    return HPy_NULL;
}

_HPy_HIDDEN _HPy_NOINLINE int _HPyType_ErrNoCallProtocol(PyObject *obj)
{
    char tn[_HPy_UTF8_CUT_SIZE(50)];
    PyErr_Format(PyExc_TypeError,
                 "type '%s does not implement the HPy call protocol (HPy_SetCallFunction "
                 "needs a type with HPy_tp_call or a member __vectorcalloffset__)",
                 _HPy_Utf8Cut(tn, Py_TYPE(obj)->tp_name, 50));
    return -1;
}
