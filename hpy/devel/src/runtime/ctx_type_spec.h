/* HPyType_FromSpec, the part every host does alike (ctx_type_spec.c): the
 * checks of the spec and their messages, where the struct of an instance
 * goes, where the call function lives, the method/member/get-set tables and
 * the CPython slots. Private to the runtime; written against the stable ABI
 * only, so that the CPython host (runtime/ctx_type.c, also in every
 * cpython-ABI extension) and the WebAssembly host (wasm/host/src, built with
 * HPY_WASM_HOST against the stable-ABI Python.h) both compile it.
 *
 * What differs between the hosts stays with them: where a type's data
 * lives, how the type is made and what is checked on it afterwards. A host
 * calls, in this order:
 *   _HPyTypeSpec_Check     checks the spec (before anything is made)
 *   _HPyTypeSpec_Layout    reads the params, decides the layout
 *   (its own additions to the layout, if any)
 *   _HPyTypeSpec_Prepare   metatype, traverse/destroy, GC slots
 *   _HPyTypeSpec_TablesSize / _HPyTypeSpec_FillTables  into its own memory
 *   _HPyTypeSpec_MakeSlots the PyType_Spec for CPython
 * and _HPyTypeSpec_Release at the end (also after an error), and provides
 * the two _HPyTypeHost_* functions below. */
#ifndef HPY_RUNTIME_CTX_TYPE_SPEC_H
#define HPY_RUNTIME_CTX_TYPE_SPEC_H

#include "hpy.h"
#include "structmember.h"
#ifdef HPY_HOST
#    include "entry_points.h" /* hpy/universal/src: the hosts only */
#endif

#define _HPY_SPEC_ERR_PREFIX "HPyType_FromSpec: "

/* Function pointers change type through void (*)(void). */
#define _HPY_FPTR(T, f) ((T)(void (*)(void))(f))

/* What CPython gets for an implementation: the extension's trampoline, or
 * in a host its own entry point when `ctx` (the caller's context) allows it
 * (hpy/universal/src/entry_points.h). */
#ifdef HPY_HOST
#    define _HPY_SPEC_ENTRY _HPy_HOST_ENTRY
#    define _HPY_SPEC_SLOT_ENTRY _HPy_HOST_SLOT_ENTRY
#else
#    define _HPY_SPEC_ENTRY(ctx, sig, impl, trampoline) ((void)(ctx), (void *)(trampoline))
#    define _HPY_SPEC_SLOT_ENTRY(ctx, def) ((void)(ctx), (void *)(def)->slot.cpy_trampoline)
#endif

/* _HPyTypeLayout.placement: the numbers of _HPY_PLACE_* (hpy/runtime/ctx_type.h). */
#define _HPY_LAYOUT_FIXED 0
#define _HPY_LAYOUT_VAR_TUPLE 1
#define _HPY_LAYOUT_VAR_LONG 2

/* _HPyTypeLayout.flags */
#define _HPY_LAYOUT_F_LEGACY 0x01u  /* builtin shape Legacy */
#define _HPY_LAYOUT_F_DEFINED 0x02u /* made by HPyType_FromSpec (not a Python subclass) */

/* Alignment of the struct of a non-legacy instance (_HPy_STRUCT_ALIGN). */
#define _HPY_LAYOUT_ALIGN ((Py_ssize_t)(sizeof(void *) > 8 ? sizeof(void *) : 16))

/* The layout of the instances of an HPy type, and the implementations its
 * instances inherit: what HPyType_FromSpec reads from the base and decides
 * for the new type. Each host keeps it in its own per-type data. */
typedef struct {
    uint32_t flags;                /* _HPY_LAYOUT_F_* */
    int32_t shape;                 /* HPyType_BuiltinShape */
    int32_t placement;             /* _HPY_LAYOUT_* */
    Py_ssize_t struct_offset;      /* FIXED: offset of the struct; VAR: basicsize of the builtin */
    Py_ssize_t struct_size;        /* size of the struct (0 if none) */
    Py_ssize_t var_itemsize;       /* VAR: itemsize of the builtin */
    Py_ssize_t vectorcall_offset;  /* where an instance keeps its call function, or 0 */
    vectorcallfunc default_call;   /* what a new instance gets there (HPy_tp_call) */
    HPyFunc_destroyfunc destroy;   /* the type's own HPy_tp_destroy, or NULL */
    HPyFunc_traverseproc traverse; /* HPy_tp_traverse, own or inherited, or NULL */
} _HPyTypeLayout;

/* Everything gathered from the spec before the CPython type is made. */
typedef struct {
    HPyContext *ctx; /* the caller's context */
    HPyType_Spec *hspec;
    _HPyTypeLayout d;            /* the layout the new type will get */
    _HPyTypeLayout bd;           /* the layout of `primary`, if has_hpy_base */
    int has_hpy_base;            /* primary is an HPy type or a Python subclass of one */
    int has_pure_base;           /* ... of a shape other than Legacy */
    Py_ssize_t basicsize;        /* of the new type's instances */
    Py_ssize_t base_struct_size; /* struct size of a pure HPy base, else 0 */
    PyObject *bases;             /* the bases (a tuple, owned) */
    PyTypeObject *explicit_meta; /* the metaclass param (borrowed), or NULL */
    PyTypeObject *meta;          /* the metatype of the new type (owned) */
    PyTypeObject *primary;       /* the base whose layout we extend (borrowed) */
    int gc_slots;                /* tp_traverse/tp_clear are the host's */
    /* from the defines and the legacy slots */
    Py_ssize_t n_meth, n_memb, n_getset, n_slot;
    HPyDef *call_def, *traverse_def, *destroy_def, *getbuffer_def, *releasebuffer_def;
    Py_ssize_t explicit_vc_offset; /* struct offset of __vectorcalloffset__, or -1 */
    PyMethodDef *legacy_methods;
    PyMemberDef *legacy_members;
    PyGetSetDef *legacy_getsets;
    void *legacy_dealloc, *legacy_traverse, *legacy_clear;
    const char *legacy_doc;
    Py_ssize_t n_legacy_slots;
    void *host;  /* for the host's _HPyTypeHost_SlotFunc */
    void *alloc; /* a tp_alloc of the host's for the type, or NULL (_HPyTypeSpec_MakeSlots) */
    /* the PyType_Spec for CPython (_HPyTypeSpec_MakeSlots) */
    PyType_Spec spec;
    PyType_Slot *slots;
    PyType_Slot slots_buf[64]; /* last: _HPyTypeSpec_Check zeroes what comes before */
} _HPyTypeBuilder;

/* The tables CPython keeps pointers to, in memory the host provides. */
typedef struct {
    PyMethodDef *methods;
    PyMemberDef *members;
    PyGetSetDef *getsets;
    PyMemberDef *var_members; /* closures of the members of VAR placements */
    Py_ssize_t n_members;     /* filled entries of `members` */
} _HPyTypeTables;

/* What the host puts in the slots CPython calls for every HPy type. */
typedef struct {
    void *dealloc, *traverse, *clear, *call;
} _HPyTypeHostSlots;

/* Checks the spec and its params as far as possible before anything is
 * made; initialises `b`. Returns 0, or -1 with an exception. */
_HPy_HIDDEN int _HPyTypeSpec_Check(_HPyTypeBuilder *b, HPyContext *ctx, HPyType_Spec *hspec,
                                   HPyType_SpecParam *params);
/* Reads the params (bases, metaclass), picks the primary base and decides
 * the layout (b->d, b->basicsize). */
_HPy_HIDDEN int _HPyTypeSpec_Layout(_HPyTypeBuilder *b, HPyType_SpecParam *params);
/* Checks the size, chooses the metatype, the traverse and destroy
 * implementations and whether the type gets the host's GC slots. */
_HPy_HIDDEN int _HPyTypeSpec_Prepare(_HPyTypeBuilder *b);
/* The bytes the tables need, with room for `extra_members` members that
 * the host adds after _HPyTypeSpec_FillTables. */
_HPy_HIDDEN size_t _HPyTypeSpec_TablesSize(const _HPyTypeBuilder *b, Py_ssize_t extra_members);
/* Lays the tables out in `mem` (zeroed, _HPyTypeSpec_TablesSize bytes,
 * aligned for pointers) and fills them. */
_HPy_HIDDEN int _HPyTypeSpec_FillTables(_HPyTypeBuilder *b, char *mem, Py_ssize_t extra_members,
                                        _HPyTypeTables *t);
/* Appends the member `name` (__dictoffset__, ...) with the value `offset`
 * to the members of `t`: how a type made from a spec says where instances
 * keep something. */
_HPy_HIDDEN void _HPyTypeSpec_AddOffsetMember(_HPyTypeTables *t, const char *name,
                                              Py_ssize_t offset);
/* Fills b->spec (and b->slots) for the tables `t` and the host's `funcs`. */
_HPy_HIDDEN int _HPyTypeSpec_MakeSlots(_HPyTypeBuilder *b, const _HPyTypeTables *t,
                                       const _HPyTypeHostSlots *funcs);
/* Frees the slots (they are not needed once the type is made). */
_HPy_HIDDEN void _HPyTypeSpec_FreeSlots(_HPyTypeBuilder *b);
/* Checks that CPython extended `primary` with the new type (whose tp_base
 * is `base`). */
_HPy_HIDDEN int _HPyTypeSpec_CheckBase(_HPyTypeBuilder *b, PyTypeObject *base);
/* Whether the legacy members of the spec give the offset `name`. */
_HPy_HIDDEN int _HPyTypeSpec_SetsOffset(const _HPyTypeBuilder *b, const char *name);
/* Releases what `b` holds. */
_HPy_HIDDEN void _HPyTypeSpec_Release(_HPyTypeBuilder *b);

/* What _HPyType_VisitField hands each field to. */
typedef struct {
    visitproc visit;
    void *arg;
} _HPyVisitArgs;

/* HPyFunc_visitproc of the hosts' tp_traverse: `arg` is an _HPyVisitArgs,
 * whose visitproc gets each non-NULL field as its PyObject*. */
_HPy_HIDDEN int _HPyType_VisitField(HPyField *f, void *arg);
/* HPyFunc_visitproc that clears the field it is given (`arg` unused). */
_HPy_HIDDEN int _HPyType_ClearField(HPyField *f, void *arg);

/* Runs the HPy_tp_traverse `impl` on the struct `st` of an instance for a
 * tp_traverse: `visit` gets each non-NULL field. */
static inline int _HPyType_TraverseStruct(HPyFunc_traverseproc impl, void *st, visitproc visit,
                                          void *arg)
{
    _HPyVisitArgs c;
    c.visit = visit;
    c.arg = arg;
    return impl(st, _HPyType_VisitField, &c);
}

/* Clears the HPyFields of `self` for its tp_clear or tp_dealloc: runs
 * every distinct HPy_tp_traverse of the HPy types in the chain of bases of
 * its type once, with _HPyType_ClearField (a traverse inherited by several
 * levels clears the same fields; past 8 distinct ones a traverse may run
 * twice, which is harmless). The hosts find a type's data in their own
 * ways: own_traverse(self, t, &f, &st) sets `f` to the HPy_tp_traverse of
 * the HPy type `t` and `st` to the struct of `self` it is for (it returns
 * 0 if `t` is not an HPy type or has none), base(t) gives the next type of
 * the chain. Inline, so that the hosts' functions passed here are called
 * directly, or inlined. */
typedef int (*_HPyType_OwnTraverse)(PyObject *self, PyTypeObject *t, HPyFunc_traverseproc *f,
                                    void **st);
typedef PyTypeObject *(*_HPyType_BaseOf)(PyTypeObject *t);
static inline void _HPyType_ClearEachTraverse(PyObject *self, _HPyType_OwnTraverse own_traverse,
                                              _HPyType_BaseOf base)
{
    HPyFunc_traverseproc done[8];
    int ndone = 0, i;
    PyTypeObject *t;
    for (t = Py_TYPE(self); t != NULL; t = base(t)) {
        HPyFunc_traverseproc f;
        void *st;
        if (!own_traverse(self, t, &f, &st))
            continue;
        for (i = 0; i < ndone && done[i] != f; i++)
            ;
        if (i < ndone)
            continue;
        if (ndone < 8)
            done[ndone++] = f;
        f(st, _HPyType_ClearField, NULL);
    }
}

/* The tp_dealloc, tp_traverse and tp_clear CPython gives classes defined
 * in Python (its subtype_* functions), which the hosts' GC slots recognise
 * in a chain of bases. Returns 0, or -1 (no exception set) if they cannot
 * be found out. */
_HPy_HIDDEN int _HPyType_PythonClassSlots(destructor *dealloc, traverseproc *traverse,
                                          inquiry *clear);

/* ctx_type_members.c: the PyMemberDef for an HPyMember of a struct at
 * `struct_offset` (or, when the struct has no fixed offset, a PyGetSetDef
 * computing the address per instance, whose closure lives in
 * `closure_mem`). Returns 0, or -1 with an exception. */
_HPy_HIDDEN int _HPyType_MemberToPy(const char *type_name, const HPyMember *m,
                                    const _HPyTypeLayout *d, PyMemberDef *out_member,
                                    PyGetSetDef *out_getset, PyMemberDef *closure_mem);

/* --- provided by each host --------------------------------------------- */

/* If `tp` is an HPy type or a Python subclass of one: fills `out` with its
 * layout and returns 1; else returns 0. Sets no exception. */
_HPy_HIDDEN int _HPyTypeHost_BaseLayout(PyTypeObject *tp, _HPyTypeLayout *out);
/* What the type gets in the CPython slot `cslot` for the HPy slot `def`
 * (buffer slots included, with CPython's numbers); NULL leaves the slot
 * out. */
_HPy_HIDDEN void *_HPyTypeHost_SlotFunc(_HPyTypeBuilder *b, HPyDef *def, int cslot);
/* The struct of an instance of an HPy type (or of a Python subclass of
 * one); NULL if `obj` is not such an instance. */
_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj);

/* The TypeErrors of the instance functions (HPy_New, HPyType_GenericNew,
 * HPy_SetCallFunction), raised by both hosts from their slow paths (out of
 * line: the fast paths need no frame for the name buffer). */
/* "FN arg 1 must be a type (got an instance of '...')"; returns HPy_NULL. */
_HPy_HIDDEN HPy _HPyType_ErrNotAType(const char *fn, PyObject *o);
/* "HPy_New: '...' is not a type created by HPyType_FromSpec ..."; returns HPy_NULL. */
_HPy_HIDDEN HPy _HPyType_ErrNotHPyType(PyTypeObject *tp);
/* The type of `obj` has no call-function slot; returns -1. */
_HPy_HIDDEN int _HPyType_ErrNoCallProtocol(PyObject *obj);

#endif /* HPY_RUNTIME_CTX_TYPE_SPEC_H */
