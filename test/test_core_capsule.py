"""Capsules (ctx_capsule.c) and the inline accessors of inline_helpers.h."""
import gc
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


CAPSULE = src("""
    static int payload = 42;
    static int other_payload = 7;
    static int the_context = 1;
    static const char *NAME = "mytest.cap";
    static const char *OTHER_NAME = "mytest.other";

    /* what the destructor saw last, and how many times it ran */
    static int dtor_calls = 0;
    static const char *dtor_name = NULL;
    static void *dtor_pointer = NULL;
    static void *dtor_context = NULL;

    HPyCapsule_DESTRUCTOR(dtor)
    static void dtor_impl(const char *name, void *pointer, void *context)
    {
        dtor_calls++;
        dtor_name = name;
        dtor_pointer = pointer;
        dtor_context = context;
    }

    static HPyCapsule_Destructor broken_dtor = { NULL, NULL };

    /* new_capsule(kind): 0 plain, 1 with destructor, 2 unnamed, 3 NULL pointer,
     * 4 broken destructor struct */
    HPyDef_METH(new_capsule, "new_capsule", HPyFunc_O)
    static HPy new_capsule_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        switch (HPyLong_AsLong(ctx, arg)) {
        case 0: return HPyCapsule_New(ctx, &payload, NAME, NULL);
        case 1: return HPyCapsule_New(ctx, &payload, NAME, &dtor);
        case 2: return HPyCapsule_New(ctx, &payload, NULL, NULL);
        case 3: return HPyCapsule_New(ctx, NULL, NAME, NULL);
        default: return HPyCapsule_New(ctx, &payload, NAME, &broken_dtor);
        }
    }

    HPyDef_METH(dtor_state, "dtor_state", HPyFunc_NOARGS)
    static HPy dtor_state_impl(HPyContext *ctx, HPy self)
    {
        HPy items[4], res;
        int i;
        items[0] = HPyLong_FromLong(ctx, dtor_calls);
        items[1] = dtor_name ? HPyUnicode_FromString(ctx, dtor_name) : HPy_Dup(ctx, ctx->h_None);
        items[2] = HPyLong_FromLong(ctx, dtor_pointer == &payload ? 1 :
                                         dtor_pointer == &other_payload ? 2 : 0);
        items[3] = HPyBool_FromBool(ctx, dtor_context == &the_context);
        res = HPyTuple_FromArray(ctx, items, 4);
        for (i = 0; i < 4; i++)
            HPy_Close(ctx, items[i]);
        dtor_calls = 0;
        dtor_name = NULL;
        dtor_pointer = dtor_context = NULL;
        return res;
    }

    /* get_pointer(capsule, name or None): which payload it is */
    HPyDef_METH(get_pointer, "get_pointer", HPyFunc_VARARGS)
    static HPy get_pointer_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = NULL;
        void *p;
        if (!HPy_Is(ctx, args[1], ctx->h_None))
            name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        p = HPyCapsule_GetPointer(ctx, args[0], name);
        if (p == NULL)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, p == &payload ? 1 : p == &other_payload ? 2 : 0);
    }

    HPyDef_METH(get_name, "get_name", HPyFunc_O)
    static HPy get_name_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *name = HPyCapsule_GetName(ctx, arg);
        if (name == NULL) {
            if (HPyErr_Occurred(ctx))
                return HPy_NULL;
            return HPy_Dup(ctx, ctx->h_None);
        }
        return HPyUnicode_FromString(ctx, name);
    }

    HPyDef_METH(get_context, "get_context", HPyFunc_O)
    static HPy get_context_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        void *c = HPyCapsule_GetContext(ctx, arg);
        if (c == NULL && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, c == NULL ? 0 : c == &the_context ? 1 : -1);
    }

    /* set(capsule, what): 0 pointer, 1 name, 2 context, 3 destructor,
     * 4 destructor NULL, 5 NULL pointer, 6 broken destructor */
    HPyDef_METH(set, "set", HPyFunc_VARARGS)
    static HPy set_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int r;
        switch (HPyLong_AsLong(ctx, args[1])) {
        case 0: r = HPyCapsule_SetPointer(ctx, args[0], &other_payload); break;
        case 1: r = HPyCapsule_SetName(ctx, args[0], OTHER_NAME); break;
        case 2: r = HPyCapsule_SetContext(ctx, args[0], &the_context); break;
        case 3: r = HPyCapsule_SetDestructor(ctx, args[0], &dtor); break;
        case 4: r = HPyCapsule_SetDestructor(ctx, args[0], NULL); break;
        case 5: r = HPyCapsule_SetPointer(ctx, args[0], NULL); break;
        default: r = HPyCapsule_SetDestructor(ctx, args[0], &broken_dtor); break;
        }
        if (r < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(is_valid, "is_valid", HPyFunc_VARARGS)
    static HPy is_valid_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = NULL;
        if (!HPy_Is(ctx, args[1], ctx->h_None))
            name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        return HPyLong_FromLong(ctx, HPyCapsule_IsValid(ctx, args[0], name));
    }

    /* bad_keys(capsule, which): raw HPyCapsule_Get/Set with bad keys */
    HPyDef_METH(bad_keys, "bad_keys", HPyFunc_VARARGS)
    static HPy bad_keys_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        void *p;
        switch (HPyLong_AsLong(ctx, args[1])) {
        case 0:
            p = HPyCapsule_Get(ctx, args[0], HPyCapsule_key_Destructor, NULL);
            break;
        case 1:
            p = HPyCapsule_Get(ctx, args[0], (_HPyCapsule_key)99, NULL);
            break;
        default:
            if (HPyCapsule_Set(ctx, args[0], (_HPyCapsule_key)-5, NULL) < 0)
                return HPy_NULL;
            return HPy_Dup(ctx, ctx->h_None);
        }
        if (p == NULL && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }
    @EXPORT(new_capsule)
    @EXPORT(dtor_state)
    @EXPORT(get_pointer)
    @EXPORT(get_name)
    @EXPORT(get_context)
    @EXPORT(set)
    @EXPORT(is_valid)
    @EXPORT(bad_keys)
    @INIT
""")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(CAPSULE)


def test_new_and_get(mod):
    cap = mod.new_capsule(0)
    assert type(cap).__name__ == "PyCapsule"
    assert "mytest.cap" in repr(cap)
    assert mod.get_pointer(cap, "mytest.cap") == 1
    assert mod.get_name(cap) == "mytest.cap"
    assert mod.get_context(cap) == 0
    assert mod.is_valid(cap, "mytest.cap") == 1
    assert mod.is_valid(cap, "wrong") == 0
    assert mod.is_valid(cap, None) == 0
    assert mod.is_valid(42, "mytest.cap") == 0
    with pytest.raises(ValueError, match="incorrect name"):
        mod.get_pointer(cap, "wrong")
    unnamed = mod.new_capsule(2)
    assert mod.get_name(unnamed) is None
    assert mod.get_pointer(unnamed, None) == 1
    assert mod.is_valid(unnamed, None) == 1


def test_new_errors(mod):
    with pytest.raises(ValueError):
        mod.new_capsule(3)
    with pytest.raises(ValueError, match="HPyCapsule_New: invalid HPyCapsule_Destructor"):
        mod.new_capsule(4)


def test_not_a_capsule(mod):
    for f in (lambda o: mod.get_pointer(o, None), mod.get_name, mod.get_context,
              lambda o: mod.set(o, 0), lambda o: mod.set(o, 1), lambda o: mod.set(o, 2),
              lambda o: mod.set(o, 3)):
        with pytest.raises(ValueError):
            f(object())


def test_set(mod):
    cap = mod.new_capsule(0)
    mod.set(cap, 0)
    assert mod.get_pointer(cap, "mytest.cap") == 2
    mod.set(cap, 1)
    assert mod.get_name(cap) == "mytest.other"
    assert mod.get_pointer(cap, "mytest.other") == 2
    mod.set(cap, 2)
    assert mod.get_context(cap) == 1
    with pytest.raises(ValueError):
        mod.set(cap, 5)          # NULL pointer is refused
    assert mod.get_pointer(cap, "mytest.other") == 2
    with pytest.raises(ValueError, match="HPyCapsule_Set: invalid HPyCapsule_Destructor"):
        mod.set(cap, 6)


def test_destructor(mod):
    mod.dtor_state()
    cap = mod.new_capsule(1)
    assert mod.dtor_state() == (0, None, 0, False)
    mod.set(cap, 2)
    del cap
    gc.collect()
    assert mod.dtor_state() == (1, "mytest.cap", 1, True)


def test_set_destructor(mod):
    mod.dtor_state()
    cap = mod.new_capsule(0)
    mod.set(cap, 3)
    mod.set(cap, 0)
    mod.set(cap, 1)
    del cap
    gc.collect()
    assert mod.dtor_state() == (1, "mytest.other", 2, False)
    cap = mod.new_capsule(1)
    mod.set(cap, 4)              # destructor removed
    del cap
    gc.collect()
    assert mod.dtor_state() == (0, None, 0, False)


def test_bad_keys(mod):
    cap = mod.new_capsule(0)
    with pytest.raises(ValueError, match="HPyCapsule_Get: the destructor of a capsule cannot be read"):
        mod.bad_keys(cap, 0)
    with pytest.raises(SystemError, match="HPyCapsule_Get: invalid key 99"):
        mod.bad_keys(cap, 1)
    with pytest.raises(SystemError, match="HPyCapsule_Set: invalid key -5"):
        mod.bad_keys(cap, 2)
