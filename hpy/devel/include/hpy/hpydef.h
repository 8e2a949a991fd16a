/* HPyDef: the definition of one method, slot, member or get-set descriptor
 * of a module or type, and the HPyDef_* macros that declare one together
 * with its implementation and CPython-side trampoline.
 *
 *   HPyDef_METH(add, "add", HPyFunc_VARARGS, .doc = "a + b")
 *   static HPy add_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
 *   { ... }
 */
#ifndef HPY_HPYDEF_H
#define HPY_HPYDEF_H

typedef struct {
    HPySlot_Slot slot;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
} HPySlot;

typedef struct {
    const char *name;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
    HPyFunc_Signature signature;
    const char *doc;
} HPyMeth;

typedef struct {
    const char *name;
    HPyMember_FieldType type;
    HPy_ssize_t offset;
    int readonly;
    const char *doc;
} HPyMember;

typedef struct {
    const char *name;
    HPyCFunction getter_impl;
    HPyCFunction setter_impl;
    cpy_getter getter_cpy_trampoline;
    cpy_setter setter_cpy_trampoline;
    const char *doc;
    void *closure;
} HPyGetSet;

typedef struct {
    HPyDef_Kind kind;
    union {
        HPySlot slot;
        HPyMeth meth;
        HPyMember member;
        HPyGetSet getset;
    };
} HPyDef;

/* What HPy_SetCallFunction installs and HPyDef_CALL_FUNCTION defines. */
typedef struct {
    cpy_vectorcallfunc cpy_trampoline;
    HPyFunc_keywords impl;
} HPyCallFunction;

/* Declared for binary compatibility; not used by any context function. */
typedef struct {
    cpy_vectorcallfunc cpy_trampoline;
    HPyCallFunction impl;
} HPyType_Vectorcall;

/* The destructor of a capsule (see HPyCapsule_DESTRUCTOR). */
typedef struct {
    cpy_PyCapsule_Destructor cpy_trampoline;
    HPyFunc_Capsule_Destructor impl;
} HPyCapsule_Destructor;

/* The declarator and the trampoline of an implementation with signature
 * SIG (two levels, so that SIG is macro-expanded before pasting). */
#define _HPyFunc_DECLARE(SIG, SYM) _HPyFunc_DECLARE_X(SIG, SYM)
#define _HPyFunc_DECLARE_X(SIG, SYM) _HPyFunc_DECLARE_##SIG(SYM)
#define _HPyFunc_TRAMPOLINE(SIG, SYM, IMPL) _HPyFunc_TRAMPOLINE_X(SIG, SYM, IMPL)
#define _HPyFunc_TRAMPOLINE_X(SIG, SYM, IMPL) _HPyFunc_TRAMPOLINE_##SIG(SYM, IMPL)

/* The public spellings, for extensions that build an HPyDef by hand:
 * HPyFunc_DECLARE(NAME, SIG) is the declarator of a static function NAME
 * with the C signature of SIG (an HPyFunc_Signature enumerator), to be
 * followed by `;` or a body; HPyFunc_TRAMPOLINE(NAME, IMPL, SIG) defines
 * NAME, the CPython-side entry point that calls IMPL. */
#define HPyFunc_DECLARE(NAME, SIG) _HPyFunc_DECLARE(SIG, NAME)
#define HPyFunc_TRAMPOLINE(NAME, IMPL, SIG) _HPyFunc_TRAMPOLINE(SIG, NAME, IMPL)

/* The HPyFunc_Signature enumerator of slot SLOT (an HPySlot_Slot name). */
#define HPySlot_SIG(SLOT) _HPySlot_SIG(SLOT)

/* Defines NAME, the CPython-side destructor of a capsule (a
 * cpy_PyCapsule_Destructor) that calls IMPL(name, pointer, context). */
#define HPyCapsule_DESTRUCTOR_TRAMPOLINE(NAME, IMPL) \
    _HPyFunc_TRAMPOLINE(HPyFunc_CAPSULE_DESTRUCTOR, NAME, IMPL)

/* A slot whose implementation is IMPL. The trampoline is generated here. */
#define HPyDef_SLOT_IMPL(SYM, IMPL, SLOT)                                                 \
    _HPyFunc_DECLARE(_HPySlot_SIG(SLOT), IMPL);                                           \
    _HPyFunc_TRAMPOLINE(_HPySlot_SIG(SLOT), SYM##_trampoline, IMPL)                       \
    _HPy_DEF_BEGIN                                                                        \
    _HPy_HIDDEN HPyDef SYM = { HPyDef_Kind_Slot,                                          \
                               { .slot = { SLOT, _HPy_AS_CFUNCTION(IMPL),                 \
                                           _HPy_AS_CPY_CFUNCTION(SYM##_trampoline) } } }; \
    _HPy_DEF_END
#define _HPySlot_SIG(SLOT) _HPySlot_SIG__##SLOT

/* A slot implemented by SYM##_impl. */
#define HPyDef_SLOT(SYM, SLOT) HPyDef_SLOT_IMPL(SYM, SYM##_impl, SLOT)

/* A method NAME implemented by IMPL; extra HPyMeth fields (.doc) may follow. */
#define HPyDef_METH_IMPL(SYM, NAME, IMPL, SIG, ...)                                     \
    _HPyFunc_DECLARE(SIG, IMPL);                                                        \
    _HPyFunc_TRAMPOLINE(SIG, SYM##_trampoline, IMPL)                                    \
    _HPy_DEF_BEGIN                                                                      \
    _HPy_HIDDEN HPyDef SYM = { HPyDef_Kind_Meth,                                        \
                               { .meth = { .name = NAME,                                \
                                           .impl = _HPy_AS_CFUNCTION(IMPL),             \
                                           .cpy_trampoline =                            \
                                               _HPy_AS_CPY_CFUNCTION(SYM##_trampoline), \
                                           .signature = SIG,                            \
                                           __VA_ARGS__ } } };                           \
    _HPy_DEF_END

/* A method NAME implemented by SYM##_impl. */
#define HPyDef_METH(SYM, NAME, SIG, ...) HPyDef_METH_IMPL(SYM, NAME, SYM##_impl, SIG, __VA_ARGS__)

/* A member: a C field at OFFSET of the object's struct, of type TYPE. */
#define HPyDef_MEMBER(SYM, NAME, TYPE, OFFSET, ...)                                 \
    _HPy_DEF_BEGIN                                                                  \
    _HPy_HIDDEN HPyDef SYM = {                                                      \
        HPyDef_Kind_Member,                                                         \
        { .member = { .name = NAME, .type = TYPE, .offset = OFFSET, __VA_ARGS__ } } \
    };                                                                              \
    _HPy_DEF_END

/* A read-only property NAME implemented by GETIMPL; extra HPyGetSet fields
 * (.doc, .closure) may follow. */
#define HPyDef_GET_IMPL(SYM, NAME, GETIMPL, ...)                                                   \
    _HPyFunc_DECLARE(HPyFunc_GETTER, GETIMPL);                                                     \
    _HPyFunc_TRAMPOLINE(HPyFunc_GETTER, SYM##_get_trampoline, GETIMPL)                             \
    _HPy_DEF_BEGIN                                                                                 \
    _HPy_HIDDEN HPyDef SYM = { HPyDef_Kind_GetSet,                                                 \
                               { .getset = { .name = NAME,                                         \
                                             .getter_impl = _HPy_AS_CFUNCTION(GETIMPL),            \
                                             .getter_cpy_trampoline =                              \
                                                 (cpy_getter)(void (*)(void))SYM##_get_trampoline, \
                                             __VA_ARGS__ } } };                                    \
    _HPy_DEF_END

/* A write-only property NAME implemented by SETIMPL. */
#define HPyDef_SET_IMPL(SYM, NAME, SETIMPL, ...)                                        \
    _HPyFunc_DECLARE(HPyFunc_SETTER, SETIMPL);                                          \
    _HPyFunc_TRAMPOLINE(HPyFunc_SETTER, SYM##_set_trampoline, SETIMPL)                  \
    _HPy_DEF_BEGIN                                                                      \
    _HPy_HIDDEN HPyDef SYM = { HPyDef_Kind_GetSet,                                      \
                               { .getset = { .name = NAME,                              \
                                             .setter_impl = _HPy_AS_CFUNCTION(SETIMPL), \
                                             .setter_cpy_trampoline =                   \
                                                 (cpy_setter)SYM##_set_trampoline,      \
                                             __VA_ARGS__ } } };                         \
    _HPy_DEF_END

/* A property NAME implemented by GETIMPL and SETIMPL. */
#define HPyDef_GETSET_IMPL(SYM, NAME, GETIMPL, SETIMPL, ...)                                     \
    _HPyFunc_DECLARE(HPyFunc_GETTER, GETIMPL);                                                   \
    _HPyFunc_DECLARE(HPyFunc_SETTER, SETIMPL);                                                   \
    _HPyFunc_TRAMPOLINE(HPyFunc_GETTER, SYM##_get_trampoline, GETIMPL)                           \
    _HPyFunc_TRAMPOLINE(HPyFunc_SETTER, SYM##_set_trampoline, SETIMPL)                           \
    _HPy_DEF_BEGIN                                                                               \
    _HPy_HIDDEN HPyDef SYM = {                                                                   \
        HPyDef_Kind_GetSet,                                                                      \
        { .getset = { .name = NAME,                                                              \
                      .getter_impl = _HPy_AS_CFUNCTION(GETIMPL),                                 \
                      .setter_impl = _HPy_AS_CFUNCTION(SETIMPL),                                 \
                      .getter_cpy_trampoline = (cpy_getter)(void (*)(void))SYM##_get_trampoline, \
                      .setter_cpy_trampoline = (cpy_setter)SYM##_set_trampoline,                 \
                      __VA_ARGS__ } }                                                            \
    };                                                                                           \
    _HPy_DEF_END

/* The same, implemented by SYM##_get and/or SYM##_set. */
#define HPyDef_GET(SYM, NAME, ...) HPyDef_GET_IMPL(SYM, NAME, SYM##_get, __VA_ARGS__)
#define HPyDef_SET(SYM, NAME, ...) HPyDef_SET_IMPL(SYM, NAME, SYM##_set, __VA_ARGS__)
#define HPyDef_GETSET(SYM, NAME, ...) \
    HPyDef_GETSET_IMPL(SYM, NAME, SYM##_get, SYM##_set, __VA_ARGS__)

/* The call function of an object (HPy_SetCallFunction), implemented by
 * SYM##_impl with the HPyFunc_KEYWORDS signature. */
#define HPyDef_CALL_FUNCTION(SYM)                                                             \
    _HPyFunc_DECLARE(HPyFunc_KEYWORDS, SYM##_impl);                                           \
    _HPyFunc_TRAMPOLINE(HPyFunc_KEYWORDS, SYM##_trampoline, SYM##_impl)                       \
    _HPy_HIDDEN HPyCallFunction SYM = { (cpy_vectorcallfunc)(void (*)(void))SYM##_trampoline, \
                                        SYM##_impl };

/* The destructor of a capsule, implemented by SYM##_impl. */
#define HPyCapsule_DESTRUCTOR(SYM)                                 \
    _HPyFunc_DECLARE(HPyFunc_CAPSULE_DESTRUCTOR, SYM##_impl);      \
    HPyCapsule_DESTRUCTOR_TRAMPOLINE(SYM##_trampoline, SYM##_impl) \
    _HPy_HIDDEN HPyCapsule_Destructor SYM = { SYM##_trampoline, SYM##_impl };

#endif /* HPY_HPYDEF_H */
