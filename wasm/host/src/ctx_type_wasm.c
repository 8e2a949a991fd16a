/* HPyType_FromSpec in the WebAssembly host: the CPython host's checks,
 * layout decisions and messages (runtime/ctx_type.c), with the type made by
 * PyType_FromMetaclass from the stable ABI and its data kept in a block of
 * its own (ctx_type_wasm.h). What the stable ABI does not allow: a type made
 * from a spec with several bases keeps the __dict__ and weak-reference
 * offsets CPython copies from a secondary base (the CPython host resets
 * them). */
#include "ctx_type_wasm.h"

#define ERR_PREFIX "HPyType_FromSpec: "

/* Function pointers change type through void (*)(void). */
#define FPTR(T, f) ((T)(void (*)(void))(f))

static Py_ssize_t round_up(Py_ssize_t n, Py_ssize_t align)
{
    return (n + align - 1) & ~(align - 1);
}

/* Everything gathered from the spec before the CPython type is made. */
typedef struct {
    HPyContext *ctx; /* the caller's context */
    HPyType_Spec *hspec;
    wt_data d; /* the data the new type will get */
    Py_ssize_t basicsize;
    Py_ssize_t base_struct_size; /* struct size of a pure HPy base, else 0 */
    PyTypeObject *primary;       /* the base whose layout we extend (borrowed) */
    wt_data *bd;                 /* wt_find_data(primary) */
    int bd_own;                  /* bd is primary's own (primary is an HPy type) */
    int has_pure_base;
    /* from the defines and the legacy slots */
    Py_ssize_t n_meth, n_memb, n_getset, n_var_memb, n_slot;
    HPyDef *call_def, *traverse_def, *destroy_def, *getbuffer_def, *releasebuffer_def;
    Py_ssize_t explicit_vc_offset; /* struct offset of __vectorcalloffset__, or -1 */
    PyMethodDef *legacy_methods;
    PyMemberDef *legacy_members;
    PyGetSetDef *legacy_getsets;
    void *legacy_dealloc, *legacy_traverse, *legacy_clear;
    const char *legacy_doc;
    Py_ssize_t n_legacy_slots;
} Builder;

/* The built-in type a shape extends (NULL for Object and Legacy). */
static PyTypeObject *shape_builtin(int shape)
{
    switch (shape) {
    case HPyType_BuiltinShape_Type: return &PyType_Type;
    case HPyType_BuiltinShape_Long: return &PyLong_Type;
    case HPyType_BuiltinShape_Float: return &PyFloat_Type;
    case HPyType_BuiltinShape_Unicode: return &PyUnicode_Type;
    case HPyType_BuiltinShape_Tuple: return &PyTuple_Type;
    case HPyType_BuiltinShape_List: return &PyList_Type;
    case HPyType_BuiltinShape_Dict: return &PyDict_Type;
    default: return NULL;
    }
}

/* The CPython slot an HPy slot fills, 0 for the slots handled specially,
 * -1 for values that are not type slots. */
#define SLOT_SPECIAL 255
static const unsigned char cpython_slots[] = {
    [HPy_mp_ass_subscript] = Py_mp_ass_subscript,
    [HPy_mp_length] = Py_mp_length,
    [HPy_mp_subscript] = Py_mp_subscript,
    [HPy_nb_absolute] = Py_nb_absolute,
    [HPy_nb_add] = Py_nb_add,
    [HPy_nb_and] = Py_nb_and,
    [HPy_nb_bool] = Py_nb_bool,
    [HPy_nb_divmod] = Py_nb_divmod,
    [HPy_nb_float] = Py_nb_float,
    [HPy_nb_floor_divide] = Py_nb_floor_divide,
    [HPy_nb_index] = Py_nb_index,
    [HPy_nb_inplace_add] = Py_nb_inplace_add,
    [HPy_nb_inplace_and] = Py_nb_inplace_and,
    [HPy_nb_inplace_floor_divide] = Py_nb_inplace_floor_divide,
    [HPy_nb_inplace_lshift] = Py_nb_inplace_lshift,
    [HPy_nb_inplace_multiply] = Py_nb_inplace_multiply,
    [HPy_nb_inplace_or] = Py_nb_inplace_or,
    [HPy_nb_inplace_power] = Py_nb_inplace_power,
    [HPy_nb_inplace_remainder] = Py_nb_inplace_remainder,
    [HPy_nb_inplace_rshift] = Py_nb_inplace_rshift,
    [HPy_nb_inplace_subtract] = Py_nb_inplace_subtract,
    [HPy_nb_inplace_true_divide] = Py_nb_inplace_true_divide,
    [HPy_nb_inplace_xor] = Py_nb_inplace_xor,
    [HPy_nb_int] = Py_nb_int,
    [HPy_nb_invert] = Py_nb_invert,
    [HPy_nb_lshift] = Py_nb_lshift,
    [HPy_nb_multiply] = Py_nb_multiply,
    [HPy_nb_negative] = Py_nb_negative,
    [HPy_nb_or] = Py_nb_or,
    [HPy_nb_positive] = Py_nb_positive,
    [HPy_nb_power] = Py_nb_power,
    [HPy_nb_remainder] = Py_nb_remainder,
    [HPy_nb_rshift] = Py_nb_rshift,
    [HPy_nb_subtract] = Py_nb_subtract,
    [HPy_nb_true_divide] = Py_nb_true_divide,
    [HPy_nb_xor] = Py_nb_xor,
    [HPy_nb_matrix_multiply] = Py_nb_matrix_multiply,
    [HPy_nb_inplace_matrix_multiply] = Py_nb_inplace_matrix_multiply,
    [HPy_sq_ass_item] = Py_sq_ass_item,
    [HPy_sq_concat] = Py_sq_concat,
    [HPy_sq_contains] = Py_sq_contains,
    [HPy_sq_inplace_concat] = Py_sq_inplace_concat,
    [HPy_sq_inplace_repeat] = Py_sq_inplace_repeat,
    [HPy_sq_item] = Py_sq_item,
    [HPy_sq_length] = Py_sq_length,
    [HPy_sq_repeat] = Py_sq_repeat,
    [HPy_tp_descr_get] = Py_tp_descr_get,
    [HPy_tp_hash] = Py_tp_hash,
    [HPy_tp_init] = Py_tp_init,
    [HPy_tp_new] = Py_tp_new,
    [HPy_tp_repr] = Py_tp_repr,
    [HPy_tp_richcompare] = Py_tp_richcompare,
    [HPy_tp_str] = Py_tp_str,
    [HPy_tp_finalize] = Py_tp_finalize,
    [HPy_bf_getbuffer] = SLOT_SPECIAL,
    [HPy_bf_releasebuffer] = SLOT_SPECIAL,
    [HPy_tp_call] = SLOT_SPECIAL,
    [HPy_tp_traverse] = SLOT_SPECIAL,
};

static int cpython_slot(HPySlot_Slot s)
{
    if ((unsigned)s < sizeof(cpython_slots)) {
        int cs = cpython_slots[s];
        return cs == SLOT_SPECIAL ? 0 : cs == 0 ? -1 : cs;
    }
    return s == HPy_tp_destroy ? 0 : -1;
}

static int method_flags(HPyFunc_Signature sig)
{
    switch (sig) {
    case HPyFunc_VARARGS: return METH_FASTCALL;
    case HPyFunc_KEYWORDS: return METH_FASTCALL | METH_KEYWORDS;
    case HPyFunc_NOARGS: return METH_NOARGS;
    case HPyFunc_O: return METH_O;
    default: return -1;
    }
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
            if (PyType_GetSlot((PyTypeObject *)o, Py_tp_new) !=
                PyType_GetSlot(&PyType_Type, Py_tp_new)) {
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
static int check_call_and_members(Builder *b, Py_ssize_t n_all_members, int has_legacy_vc_offset)
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
static int scan_spec(Builder *b)
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
                int cs = cpython_slot(def->slot.slot);
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
                if (method_flags(def->meth.signature) < 0) {
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
static int compute_layout(Builder *b)
{
    HPyType_Spec *hs = b->hspec;
    const char *name = hs->name;
    PyTypeObject *primary = b->primary;
    wt_data *bd = b->bd;
    int shape = (int)hs->builtin_shape;
    wt_data *d = &b->d;

    d->shape = shape;
    b->has_pure_base = bd != NULL && !(bd->flags & WT_F_LEGACY);
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
        d->placement = WT_PLACE_FIXED;
        d->struct_offset = 0;
        d->struct_size = b->basicsize;
        d->flags |= WT_F_LEGACY;
        return 0;
    }

    if (b->has_pure_base) {
        Py_ssize_t base_end;
        if (bd->shape != shape) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s but its base "
                                    "'%s' has builtin shape %s",
                         name, wt_shape_name(shape), primary->tp_name, wt_shape_name(bd->shape));
            return -1;
        }
        d->placement = bd->placement;
        d->struct_offset = bd->struct_offset;
        d->var_itemsize = bd->var_itemsize;
        b->base_struct_size = bd->struct_size;
        d->struct_size = hs->basicsize > bd->struct_size ? hs->basicsize : bd->struct_size;
        if (d->placement == WT_PLACE_FIXED) {
            base_end = d->struct_offset + bd->struct_size;
            /* A Python subclass of an HPy type put its own data right after
             * the struct: the struct cannot grow in place. */
            if (!b->bd_own && d->struct_size > bd->struct_size) {
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
            d->struct_size = round_up(d->struct_size, WT_STRUCT_ALIGN);
            if (!b->bd_own && d->struct_size > bd->struct_size) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s' cannot extend the struct of "
                                        "'%s', a Python subclass",
                             name, primary->tp_name);
                return -1;
            }
            b->basicsize = d->struct_offset + d->struct_size + WT_STRUCT_ALIGN;
            if (b->basicsize < primary->tp_basicsize)
                b->basicsize = primary->tp_basicsize;
        }
        return 0;
    }

    /* A new struct on top of a type that has none (or a legacy one). */
    if (shape_builtin(shape) != NULL) {
        if (!PyType_IsSubtype(primary, shape_builtin(shape))) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s, so its base "
                                    "must be '%s' or a subclass of it (got '%s')",
                         name, wt_shape_name(shape), shape_builtin(shape)->tp_name,
                         primary->tp_name);
            return -1;
        }
    }
    if (shape == HPyType_BuiltinShape_Long || shape == HPyType_BuiltinShape_Tuple) {
        /* The items are inline: the struct goes after them. */
        PyTypeObject *builtin = shape_builtin(shape);
        if (primary->tp_basicsize != builtin->tp_basicsize ||
            primary->tp_itemsize != builtin->tp_itemsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': a %s-shaped HPy type must extend "
                                    "'%s' or a subclass of it that adds no data ('%s' does)",
                         name, wt_shape_name(shape), builtin->tp_name, primary->tp_name);
            return -1;
        }
        d->placement = shape == HPyType_BuiltinShape_Long ? WT_PLACE_VAR_LONG : WT_PLACE_VAR_TUPLE;
        d->struct_offset = primary->tp_basicsize;
        d->var_itemsize = primary->tp_itemsize;
        d->struct_size = round_up(hs->basicsize, WT_STRUCT_ALIGN);
        b->basicsize = d->struct_offset + d->struct_size + WT_STRUCT_ALIGN;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type && hs->basicsize == 0) {
        /* no struct: nothing to place after the variable-size part */
        d->placement = WT_PLACE_FIXED;
        d->struct_offset = primary->tp_basicsize;
        d->struct_size = 0;
        b->basicsize = primary->tp_basicsize;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': the base '%s' has variable-size "
                                "instances, which builtin shape %s cannot extend",
                     name, primary->tp_name, wt_shape_name(shape));
        return -1;
    }
    d->placement = WT_PLACE_FIXED;
    d->struct_offset = round_up(primary->tp_basicsize, WT_STRUCT_ALIGN);
    d->struct_size = hs->basicsize;
    b->basicsize = d->struct_offset + d->struct_size;
    return 0;
}

/* Where instances keep their call function (fills d->vectorcall_offset,
 * d->default_call; may grow b->basicsize). */
static int compute_vectorcall(Builder *b)
{
    wt_data *d = &b->d;
    wt_data *bd = b->bd;
    Py_ssize_t inherited = bd != NULL ? bd->vectorcall_offset : 0;
    Py_ssize_t ptr = (Py_ssize_t)sizeof(void *);
    Py_ssize_t end;

    if (b->call_def != NULL)
        d->default_call = FPTR(vectorcallfunc, _HPy_HOST_SLOT_ENTRY(b->ctx, b->call_def));
    else if (bd != NULL)
        d->default_call = bd->default_call;
    if (b->explicit_vc_offset < 0 && b->call_def == NULL && inherited <= 0)
        return 0;
    if (d->placement != WT_PLACE_FIXED) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with var objects (type "
                     "'%s': the instances of builtin shape %s have their items inline)",
                     b->hspec->name, wt_shape_name(d->shape));
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

/* The tables CPython keeps pointers to, after the data in the type's block
 * (see ctx_type_wasm.h). */
typedef struct {
    wt_data *block;
    PyMethodDef *methods;
    PyMemberDef *members;
    PyGetSetDef *getsets;
    PyMemberDef *var_members; /* closures of the members of VAR placements */
} Tables;

static int build_tables(Builder *b, Tables *t)
{
    HPyType_Spec *hs = b->hspec;
    wt_data *d = &b->d;
    Py_ssize_t im = 0, ib = 0, ig = 0, iv = 0;
    int var = d->placement != WT_PLACE_FIXED;
    Py_ssize_t n_var = var ? b->n_memb : 0;
    Py_ssize_t n_getset_total = b->n_getset + n_var;
    size_t size = (size_t)(b->n_meth + 1) * sizeof(PyMethodDef) +
                  (size_t)(b->n_memb + 4) * sizeof(PyMemberDef) +
                  (size_t)(n_getset_total + 1) * sizeof(PyGetSetDef) +
                  (size_t)(n_var + 1) * sizeof(PyMemberDef);
    HPyDef **dp;
    char *mem;
    t->block = wt_alloc_data(size);
    if (t->block == NULL)
        return -1;
    mem = (char *)t->block + WT_TABLES;
    t->methods = (PyMethodDef *)(void *)mem;
    t->members = (PyMemberDef *)(t->methods + b->n_meth + 1);
    t->getsets = (PyGetSetDef *)(t->members + b->n_memb + 4);
    t->var_members = (PyMemberDef *)(t->getsets + n_getset_total + 1);

    if (hs->defines != NULL) {
        for (dp = hs->defines; *dp != NULL; dp++) {
            HPyDef *def = *dp;
            if (def->kind == HPyDef_Kind_Meth) {
                PyMethodDef *m = &t->methods[im++];
                m->ml_name = def->meth.name;
                m->ml_meth =
                    FPTR(PyCFunction, _HPy_HOST_ENTRY(b->ctx, def->meth.signature, def->meth.impl,
                                                      def->meth.cpy_trampoline));
                m->ml_flags = method_flags(def->meth.signature);
                m->ml_doc = def->meth.doc;
            }
            else if (def->kind == HPyDef_Kind_Member && !is_vectorcalloffset(def->member.name)) {
                if (var) {
                    if (wt_member_to_py(hs->name, &def->member, d, NULL, &t->getsets[ig++],
                                        &t->var_members[iv++]) < 0)
                        return -1;
                }
                else if (wt_member_to_py(hs->name, &def->member, d, &t->members[ib++], NULL, NULL) <
                         0) {
                    return -1;
                }
            }
            else if (def->kind == HPyDef_Kind_GetSet) {
                PyGetSetDef *g = &t->getsets[ig++];
                g->name = def->getset.name;
                if (def->getset.getter_cpy_trampoline != NULL)
                    g->get = FPTR(getter,
                                  _HPy_HOST_ENTRY(b->ctx, HPyFunc_GETTER, def->getset.getter_impl,
                                                  def->getset.getter_cpy_trampoline));
                if (def->getset.setter_cpy_trampoline != NULL)
                    g->set = FPTR(setter,
                                  _HPy_HOST_ENTRY(b->ctx, HPyFunc_SETTER, def->getset.setter_impl,
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
    /* the limited API's way to give a type vectorcall */
    if (d->vectorcall_offset > 0) {
        PyMemberDef *m = &t->members[ib++];
        m->name = "__vectorcalloffset__";
        m->type = T_PYSSIZET;
        m->offset = d->vectorcall_offset;
        m->flags = READONLY;
    }
    if (d->dict_offset > 0) {
        PyMemberDef *m = &t->members[ib++];
        m->name = "__dictoffset__";
        m->type = T_PYSSIZET;
        m->offset = d->dict_offset;
        m->flags = READONLY;
    }
    if (d->weaklist_offset > 0) {
        PyMemberDef *m = &t->members[ib++];
        m->name = "__weaklistoffset__";
        m->type = T_PYSSIZET;
        m->offset = d->weaklist_offset;
        m->flags = READONLY;
    }
    return 0;
}

/* Whether the legacy members of the spec give the offset `name`. */
static int spec_sets_offset(Builder *b, const char *name)
{
    PyMemberDef *m;
    if (b->legacy_members == NULL)
        return 0;
    for (m = b->legacy_members; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return 1;
    return 0;
}

#define MANAGED_DICT (1UL << 4)
#define MANAGED_WEAKREF (1UL << 3)

/* A type attribute that is a Py_ssize_t (__dictoffset__...), 0 if absent. */
static Py_ssize_t type_ssize(PyTypeObject *tp, const char *name)
{
    PyObject *o = PyObject_GetAttrString((PyObject *)tp, name);
    Py_ssize_t v;
    if (o == NULL) {
        PyErr_Clear();
        return 0;
    }
    v = PyLong_AsSsize_t(o);
    Py_DECREF(o);
    if (v == -1 && PyErr_Occurred())
        PyErr_Clear();
    return v;
}

static int has_dict(PyTypeObject *tp)
{
    return (PyType_GetFlags(tp) & MANAGED_DICT) || type_ssize(tp, "__dictoffset__") != 0;
}

static int has_weakrefs(PyTypeObject *tp)
{
    return (PyType_GetFlags(tp) & MANAGED_WEAKREF) || type_ssize(tp, "__weakrefoffset__") != 0;
}

/* CPython gives a type made from a spec the __dict__ and weak-reference
 * offsets of a secondary base when its primary base has none, although
 * they mean nothing in the primary base's layout (they would point into our
 * struct, or before the object's end for the "managed" offset -1). The
 * CPython host resets them; the stable ABI cannot, so the new type gets
 * slots of its own for them, after everything else (fills
 * b->d.dict_offset and b->d.weaklist_offset, grows b->basicsize). */
static int reserve_secondary_slots(Builder *b, PyObject *bases)
{
    int dict = 0, weak = 0;
    Py_ssize_t i, ptr = (Py_ssize_t)sizeof(void *);
    for (i = 0; i < PyTuple_Size(bases); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GetItem(bases, i);
        if (t == b->primary)
            continue;
        dict |= has_dict(t);
        weak |= has_weakrefs(t);
    }
    dict = dict && !has_dict(b->primary) && !spec_sets_offset(b, "__dictoffset__");
    weak = weak && !has_weakrefs(b->primary) && !spec_sets_offset(b, "__weaklistoffset__");
    if (!dict && !weak)
        return 0;
    if (b->d.placement != WT_PLACE_FIXED || b->hspec->itemsize != 0) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': a secondary base with a __dict__ or "
                                "weak references needs a fixed-size layout",
                     b->hspec->name);
        return -1;
    }
    b->basicsize = round_up(b->basicsize, ptr);
    if (dict) {
        b->d.dict_offset = b->basicsize;
        b->basicsize += ptr;
    }
    if (weak) {
        b->d.weaklist_offset = b->basicsize;
        b->basicsize += ptr;
    }
    return 0;
}

/* Whether instances of `tp` can be weakly referenced (__weakrefoffset__,
 * negative for the weak references CPython manages itself). */
static int has_weaklist(PyTypeObject *tp)
{
    PyObject *o = PyObject_GetAttrString((PyObject *)tp, "__weakrefoffset__");
    Py_ssize_t off;
    if (o == NULL) {
        PyErr_Clear();
        return 0;
    }
    off = PyLong_AsSsize_t(o);
    Py_DECREF(o);
    if (off == -1 && PyErr_Occurred())
        PyErr_Clear();
    return off != 0;
}

HPy ctx_Type_FromSpec(HPyContext *ctx, HPyType_Spec *hspec, HPyType_SpecParam *params)
{
    Builder b;
    Tables t;
    PyTypeObject *explicit_meta, *meta = NULL;
    PyObject *bases = NULL, *res = NULL;
    PyType_Slot *slots = NULL, slots_buf[64];
    PyType_Spec spec;
    const char *name;
    unsigned long allowed, flags;
    Py_ssize_t ns = 0, nslots;
    PyType_Slot *ls;
    HPyDef **dp;
    wt_data *bd;
    int gc_slots;
    memset(&b, 0, sizeof(b));
    memset(&t, 0, sizeof(t));
    b.ctx = ctx;
    if (hspec == NULL || hspec->name == NULL) {
        PyErr_SetString(PyExc_SystemError, ERR_PREFIX "the spec has no name");
        return HPy_NULL;
    }
    name = hspec->name;
    b.hspec = hspec;
    if (check_params(name, params) < 0 || check_legacy_slots(hspec) < 0)
        return HPy_NULL;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) && !defines_slot(hspec, HPy_tp_traverse)) {
        PyErr_Format(PyExc_ValueError,
                     "You must provide an HPy_tp_traverse slot if you specify "
                     "HPy_TPFLAGS_HAVE_GC (type '%s')",
                     name);
        return HPy_NULL;
    }
    if (wt_shape_name((int)hspec->builtin_shape) == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid shape: %d (type '%s')", (int)hspec->builtin_shape,
                     name);
        return HPy_NULL;
    }
    if (hspec->basicsize < 0 || hspec->itemsize < 0) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': negative basicsize or itemsize", name);
        return HPy_NULL;
    }
    allowed = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC |
              HPy_TPFLAGS_HAVE_VECTORCALL;
    if (hspec->flags & ~allowed) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': unsupported flags 0x%lx", name,
                     hspec->flags & ~allowed);
        return HPy_NULL;
    }
    if (scan_spec(&b) < 0)
        return HPy_NULL;

    wt_gc_init();
    if (read_params(name, params, &bases, &explicit_meta) < 0)
        goto error;
    if (bases == NULL) {
        /* The default base: a static built-in type, whose metatype is
         * `type`. */
        PyTypeObject *def_base = shape_builtin((int)hspec->builtin_shape);
        if (def_base == NULL)
            def_base = &PyBaseObject_Type;
        if ((bases = PyTuple_Pack(1, (PyObject *)def_base)) == NULL)
            goto error;
        b.primary = def_base;
    }
    else {
        b.primary = pick_primary(bases);
    }
    b.bd = wt_find_data(b.primary);
    b.bd_own = b.bd != NULL && b.bd == wt_own_data(b.primary);
    if (compute_layout(&b) < 0 || compute_vectorcall(&b) < 0 ||
        reserve_secondary_slots(&b, bases) < 0)
        goto error;
    if (b.basicsize > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, ERR_PREFIX "'%s': basicsize too large", name);
        goto error;
    }
    if ((meta = choose_metatype(explicit_meta, bases)) == NULL)
        goto error;

    /* the traverse and destroy implementations */
    bd = b.bd;
    if (b.traverse_def != NULL)
        b.d.traverse = FPTR(HPyFunc_traverseproc, b.traverse_def->slot.impl);
    else if (bd != NULL)
        b.d.traverse = bd->traverse;
    if (b.destroy_def != NULL)
        b.d.destroy = FPTR(HPyFunc_destroyfunc, b.destroy_def->slot.impl);
    if (bd != NULL)
        b.d.finalize = bd->finalize; /* replaced below by an own HPy_tp_finalize */
    /* A traverse implementation without HPy_TPFLAGS_HAVE_GC only serves to
     * release the fields when the object dies (unless the base is a GC type
     * anyway). */
    gc_slots = b.legacy_traverse == NULL &&
               ((hspec->flags & HPy_TPFLAGS_HAVE_GC) ||
                (b.d.traverse != NULL && (PyType_GetFlags(b.primary) & Py_TPFLAGS_HAVE_GC)));

    if (build_tables(&b, &t) < 0)
        goto error;

    /* the CPython slots */
    nslots = 16 + b.n_legacy_slots + b.n_slot;
    if (nslots <= (Py_ssize_t)(sizeof(slots_buf) / sizeof(slots_buf[0]))) {
        slots = slots_buf;
    }
    else if ((slots = (PyType_Slot *)PyMem_Calloc((size_t)nslots, sizeof(PyType_Slot))) == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (hspec->defines != NULL) {
        for (dp = hspec->defines; *dp != NULL; dp++) {
            int cs;
            if ((*dp)->kind != HPyDef_Kind_Slot)
                continue;
            cs = cpython_slot((*dp)->slot.slot);
            if (cs > 0 || (*dp)->slot.slot == HPy_bf_getbuffer ||
                (*dp)->slot.slot == HPy_bf_releasebuffer) {
                /* the buffer slots have CPython's numbers too */
                slots[ns].slot = cs > 0 ? cs : (int)(*dp)->slot.slot;
                slots[ns].pfunc = _HPy_HOST_SLOT_ENTRY(ctx, *dp);
                if (cs == Py_tp_finalize) {
                    /* called once per object: see wt_finalize */
                    b.d.finalize = FPTR(destructor, (*dp)->slot.cpy_trampoline);
                    slots[ns].pfunc = (void *)wt_finalize;
                }
                ns++;
            }
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
    slots[ns++].pfunc = t.methods;
    slots[ns].slot = Py_tp_members;
    slots[ns++].pfunc = t.members;
    slots[ns].slot = Py_tp_getset;
    slots[ns++].pfunc = t.getsets;
    if (hspec->doc != NULL || b.legacy_doc != NULL) {
        slots[ns].slot = Py_tp_doc;
        slots[ns++].pfunc = (void *)(hspec->doc != NULL ? hspec->doc : b.legacy_doc);
    }
    slots[ns].slot = Py_tp_dealloc;
    if (b.legacy_dealloc != NULL) {
        slots[ns++].pfunc = b.legacy_dealloc;
    }
    else {
        slots[ns++].pfunc = (void *)wt_dealloc;
        b.d.flags |= WT_F_OWN_DEALLOC;
    }
    if (b.legacy_traverse != NULL) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = b.legacy_traverse;
    }
    else if (gc_slots) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = (void *)wt_traverse;
        b.d.flags |= WT_F_GC_SLOTS;
    }
    if (b.legacy_clear != NULL) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = b.legacy_clear;
    }
    else if (gc_slots || (b.legacy_traverse != NULL && b.d.traverse != NULL)) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = (void *)wt_clear;
    }
    if (b.d.vectorcall_offset > 0) {
        slots[ns].slot = Py_tp_call;
        slots[ns++].pfunc = (void *)wt_call;
    }
    slots[ns].slot = 0;
    slots[ns].pfunc = NULL;

    flags = Py_TPFLAGS_DEFAULT;
    if (hspec->flags & HPy_TPFLAGS_BASETYPE)
        flags |= Py_TPFLAGS_BASETYPE;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) || gc_slots || b.legacy_traverse != NULL)
        flags |= Py_TPFLAGS_HAVE_GC;
    if (b.d.vectorcall_offset > 0)
        flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    spec.name = name;
    spec.basicsize = (int)b.basicsize;
    spec.itemsize = hspec->itemsize;
    spec.flags = (unsigned int)flags;
    spec.slots = slots;

    /* The block must be recognisable before any instance exists, and
     * PyType_FromMetaclass creates none. */
    *t.block = b.d;
    res = PyType_FromMetaclass(meta, NULL, &spec, bases);
    if (slots != slots_buf)
        PyMem_Free(slots);
    slots = NULL;
    if (res == NULL)
        goto error;
    {
        PyTypeObject *tp = (PyTypeObject *)res;
        PyTypeObject *base = wt_base(tp);
        /* The tables are the type's from now on, also if a check below
         * fails: its descriptors point into them. */
        if (wt_attach_data(t.block, tp) < 0) {
            t.block = NULL; /* leaked: the type's descriptors point into it */
            goto error;
        }
        t.block = NULL;
        if (base == NULL || base->tp_basicsize != b.primary->tp_basicsize ||
            base->tp_itemsize != b.primary->tp_itemsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': CPython chose '%s' as the layout "
                                    "base instead of '%s'; reorder the bases",
                         name, base ? base->tp_name : "?", b.primary->tp_name);
            goto error;
        }
        if (has_weaklist(tp))
            wt_own_data(tp)->flags |= WT_F_WEAKLIST;
    }
    Py_DECREF(bases);
    Py_DECREF(meta);
    return _py2h(res);

error:
    if (res != NULL) {
        Py_DECREF(res);
    }
    if (slots != NULL && slots != slots_buf)
        PyMem_Free(slots);
    if (t.block != NULL)
        wt_free_data(t.block);
    Py_XDECREF(bases);
    Py_XDECREF(meta);
    return HPy_NULL;
}
