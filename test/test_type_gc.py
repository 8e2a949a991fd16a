"""HPyField and the garbage collector, HPy_tp_traverse, HPy_tp_destroy,
HPy_tp_finalize, and freedom from leaks (ctx_type_gc.c)."""
import gc
import sys
import weakref


NODE = """
    typedef struct { long magic; HPyField a; HPyField b; long id; } NodeObject;
    HPyType_HELPERS(NodeObject)

    static long n_destroyed, n_bad_destroy, n_finalized;

    HPyDef_SLOT(Node_new, HPy_tp_new)
    static HPy Node_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        NodeObject *n;
        HPy h = HPy_New(ctx, cls, &n);
        if (HPy_IsNull(h))
            return HPy_NULL;
        n->magic = 0x1234;
        if (nargs > 0)
            HPyField_Store(ctx, h, &n->a, args[0]);
        if (nargs > 1)
            HPyField_Store(ctx, h, &n->b, args[1]);
        return h;
    }
    HPyDef_SLOT(Node_traverse, HPy_tp_traverse)
    static int Node_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        NodeObject *n = (NodeObject *)self;
        HPy_VISIT(&n->a);
        HPy_VISIT(&n->b);
        return 0;
    }
    HPyDef_SLOT(Node_destroy, HPy_tp_destroy)
    static void Node_destroy_impl(void *self)
    {
        NodeObject *n = (NodeObject *)self;
        if (n->magic == 0x1234)
            n_destroyed++;
        else
            n_bad_destroy++;
        n->magic = 0;
    }
    HPyDef_GETSET(Node_a, "a")
    static HPy Node_a_get(HPyContext *ctx, HPy self, void *closure)
    {
        NodeObject *n = NodeObject_AsStruct(ctx, self);
        HPy h = HPyField_Load(ctx, self, n->a);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }
    static int Node_a_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        NodeObject *n = NodeObject_AsStruct(ctx, self);
        HPyField_Store(ctx, self, &n->a, HPy_Is(ctx, value, ctx->h_None) ? HPy_NULL : value);
        return 0;
    }
    HPyDef_GETSET(Node_b, "b")
    static HPy Node_b_get(HPyContext *ctx, HPy self, void *closure)
    {
        NodeObject *n = NodeObject_AsStruct(ctx, self);
        HPy h = HPyField_Load(ctx, self, n->b);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }
    static int Node_b_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        NodeObject *n = NodeObject_AsStruct(ctx, self);
        HPyField_Store(ctx, self, &n->b, HPy_Is(ctx, value, ctx->h_None) ? HPy_NULL : value);
        return 0;
    }
    HPyDef_METH(counts, "counts", HPyFunc_NOARGS)
    static HPy counts_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, "(lll)", n_destroyed, n_bad_destroy, n_finalized);
    }
"""


def node_module(hpy, extra="", defines="", flags="HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC",
                exports=()):
    exp = "\n".join("        @EXPORT(%s)" % e for e in exports)
    return hpy.make_module(NODE + extra + """
        static HPyDef *Node_defines[] = { &Node_new, &Node_traverse, &Node_destroy, &Node_a,
                                          &Node_b %(defines)s, NULL };
        static HPyType_Spec Node_spec = {
            .name = "mytest.Node", .basicsize = sizeof(NodeObject), .flags = %(flags)s,
            .defines = Node_defines };
        @EXPORT(counts)
%(exp)s
        @EXPORT_TYPE("Node", Node_spec)
        @INIT
    """ % {"defines": defines, "flags": flags, "exp": exp})


def test_fields_refcounts_and_destroy(hpy):
    mod = node_module(hpy)
    o1, o2 = object(), object()
    rc1, rc2 = sys.getrefcount(o1), sys.getrefcount(o2)
    n = mod.Node(o1, o2)
    assert n.a is o1 and n.b is o2
    assert sys.getrefcount(o1) == rc1 + 1
    assert gc.is_tracked(n)
    refs = gc.get_referents(n)
    assert o1 in refs and o2 in refs
    assert refs.count(mod.Node) == 1  # instances own their (heap) type
    del refs
    n.a = o2
    assert sys.getrefcount(o1) == rc1 and sys.getrefcount(o2) == rc2 + 2
    del n
    assert sys.getrefcount(o2) == rc2
    assert mod.counts() == (1, 0, 0)
    # many at once
    nodes = [mod.Node(o1, o1) for _ in range(100)]
    assert sys.getrefcount(o1) == rc1 + 200
    del nodes
    assert sys.getrefcount(o1) == rc1
    assert mod.counts() == (101, 0, 0)


def test_cycles_are_collected(hpy):
    mod = node_module(hpy)
    gc.collect()
    # self cycle
    n = mod.Node()
    n.a = n
    del n
    gc.collect()
    assert mod.counts()[:2] == (1, 0)
    # a cycle of HPy objects and Python objects
    a, b = mod.Node(), mod.Node()
    lst = [a]
    a.a = b
    b.a = lst
    b.b = {"x": a}
    sentinel = object()
    rc = sys.getrefcount(sentinel)
    a.b = sentinel
    del a, b, lst
    gc.collect()
    assert mod.counts()[:2] == (3, 0)
    assert sys.getrefcount(sentinel) == rc

    # a cycle through a Python subclass with a __dict__
    class Sub(mod.Node):
        pass
    s = Sub()
    s.me = s
    s.a = s
    wr = weakref.ref(s)
    del s
    gc.collect()
    assert wr() is None
    assert mod.counts()[:2] == (4, 0)


def test_no_leaks_in_loop(hpy):
    mod = node_module(hpy)
    sentinel = object()

    class Sub(mod.Node):
        __slots__ = ("x",)

    def churn(n):
        for _ in range(n):
            a = mod.Node(sentinel)
            b = mod.Node(a, sentinel)
            a.b = b
            s = Sub(b, sentinel)
            s.x = s
            c = mod.Node(mod.Node(mod.Node(sentinel)))
            del a, b, s, c
        gc.collect()

    churn(10)
    gc.collect()
    rc = sys.getrefcount(sentinel)
    Node = mod.Node
    rc_type = sys.getrefcount(Node)
    n_objects = len(gc.get_objects())
    before = mod.counts()[0]
    churn(300)
    assert mod.counts()[0] - before == 300 * 6
    assert mod.counts()[1] == 0
    assert sys.getrefcount(sentinel) == rc
    assert sys.getrefcount(Node) == rc_type
    assert len(gc.get_objects()) <= n_objects + 10


def test_destroy_without_gc(hpy):
    mod = node_module(hpy, flags="HPy_TPFLAGS_DEFAULT")
    o = object()
    rc = sys.getrefcount(o)
    n = mod.Node(o)
    assert not gc.is_tracked(n)
    del n
    assert mod.counts()[:2] == (1, 0)
    # without GC support the fields are still released
    assert sys.getrefcount(o) == rc


def test_destroy_chain(hpy):
    mod = hpy.make_module("""
        static char dlog[64];
        static int nlog;
        typedef struct { long x; } BaseObject;
        typedef struct { BaseObject base; long y; } SubObject;

        HPyDef_SLOT(Base_destroy, HPy_tp_destroy)
        static void Base_destroy_impl(void *self)
        {
            if (((BaseObject *)self)->x == 11 && nlog < 63) dlog[nlog++] = 'B';
        }
        HPyDef_SLOT(Sub_destroy, HPy_tp_destroy)
        static void Sub_destroy_impl(void *self)
        {
            if (((SubObject *)self)->y == 22 && nlog < 63) dlog[nlog++] = 'S';
        }
        HPyDef_SLOT(Base_new, HPy_tp_new)
        static HPy Base_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            SubObject *s;  /* big enough for both */
            HPy h = HPy_New(ctx, cls, &s);
            if (HPy_IsNull(h))
                return HPy_NULL;
            s->base.x = 11;
            if (HPyType_IsSubtype(ctx, cls, args[0]))  /* args[0]: the Sub type */
                s->y = 22;
            return h;
        }
        HPyDef_METH(get_log, "get_log", HPyFunc_NOARGS)
        static HPy get_log_impl(HPyContext *ctx, HPy self)
        {
            dlog[nlog] = 0;
            HPy r = HPyUnicode_FromString(ctx, dlog);
            nlog = 0;
            return r;
        }
        static HPyDef *Base_defines[] = { &Base_new, &Base_destroy, NULL };
        static HPyType_Spec Base_spec = {
            .name = "mytest.Base", .basicsize = sizeof(BaseObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Base_defines };
        static HPyDef *Sub_defines[] = { &Sub_destroy, NULL };
        static HPyType_Spec Sub_spec = {
            .name = "mytest.Sub", .basicsize = sizeof(SubObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Sub_defines };
        static HPyDef *Plain_defines[] = { NULL };
        static HPyType_Spec Plain_spec = {
            .name = "mytest.Plain", .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .defines = Plain_defines };
        HPyDef_METH(make, "make", HPyFunc_VARARGS)
        static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, args[1] },
                                           { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, HPyLong_AsLong(ctx, args[0]) ? &Sub_spec : &Plain_spec,
                                    params);
        }
        @EXPORT(make)
        @EXPORT(get_log)
        @EXPORT_TYPE("Base", Base_spec)
        @INIT
    """)
    Base = mod.Base
    Sub = mod.make(1, Base)
    Plain = mod.make(0, Sub)  # no destroy of its own
    Base(Sub)
    assert mod.get_log() == "B"
    Sub(Sub)
    assert mod.get_log() == "SB"
    Plain(Sub)
    assert mod.get_log() == "SB"

    class Py(Plain):
        pass
    Py(Sub)
    assert mod.get_log() == "SB"


def test_finalize(hpy):
    mod = node_module(hpy, extra="""
        HPyDef_SLOT(Node_finalize, HPy_tp_finalize)
        static void Node_finalize_impl(HPyContext *ctx, HPy self)
        {
            /* the API may be used here */
            NodeObject *n = NodeObject_AsStruct(ctx, self);
            HPy a = HPyField_Load(ctx, self, n->a);
            if (!HPy_IsNull(a)) {
                HPy s = HPy_GetAttr_s(ctx, a, "append");
                if (!HPy_IsNull(s)) {
                    HPy res = HPy_Call(ctx, s, &self, 1, HPy_NULL);
                    HPy_Close(ctx, res);
                    HPy_Close(ctx, s);
                }
                HPy_Close(ctx, a);
            }
            HPyErr_Clear(ctx);
            n_finalized++;
        }
    """, defines=", &Node_finalize")
    out = []
    n = mod.Node(out)
    del n
    assert len(out) == 1 and type(out[0]) is mod.Node
    # the finalizer resurrected it through `out`: destroy has not run yet
    assert mod.counts() == (0, 0, 1)
    out.clear()
    assert mod.counts() == (1, 0, 1)  # finalized once only
    # in a cycle
    n = mod.Node(out)
    n.b = n
    del n
    gc.collect()
    assert len(out) == 1
    out[0].b = None
    out.clear()
    gc.collect()
    assert mod.counts() == (2, 0, 2)

    class Sub(mod.Node):
        def __del__(self):
            out.append("py")
    s = Sub()
    del s
    assert out == ["py"]
    assert mod.counts() == (3, 0, 2)


def test_weakrefs_of_python_subclass(hpy):
    mod = node_module(hpy)

    class Sub(mod.Node):
        pass
    s = Sub()
    calls = []
    wr = weakref.ref(s, lambda r: calls.append(r))
    del s
    assert wr() is None and len(calls) == 1
    assert mod.counts()[:2] == (1, 0)


FIELD_ARRAY = """
    typedef struct { HPy_ssize_t n; HPyField *items; } ArrObject;
    HPyType_HELPERS(ArrObject)
    static long n_freed;

    HPyDef_SLOT(Arr_new, HPy_tp_new)
    static HPy Arr_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        ArrObject *a;
        HPy h = HPy_New(ctx, cls, &a);
        if (HPy_IsNull(h))
            return HPy_NULL;
        a->items = (HPyField *)calloc((size_t)nargs + 1, sizeof(HPyField));
        a->n = nargs;
        for (HPy_ssize_t i = 0; i < nargs; i++)
            HPyField_Store(ctx, h, &a->items[i], args[i]);
        return h;
    }
    HPyDef_SLOT(Arr_traverse, HPy_tp_traverse)
    static int Arr_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        ArrObject *a = (ArrObject *)self;
        for (HPy_ssize_t i = 0; i < a->n; i++)
            HPy_VISIT(&a->items[i]);
        return 0;
    }
    HPyDef_SLOT(Arr_destroy, HPy_tp_destroy)
    static void Arr_destroy_impl(void *self)
    {
        ArrObject *a = (ArrObject *)self;
        free(a->items);
        a->items = NULL;
        a->n = 0;
        n_freed++;
    }
    HPyDef_METH(Arr_set, "set", HPyFunc_VARARGS)
    static HPy Arr_set_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        ArrObject *a = ArrObject_AsStruct(ctx, self);
        HPyField_Store(ctx, self, &a->items[HPyLong_AsLong(ctx, args[0])], args[1]);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(freed, "freed", HPyFunc_NOARGS)
    static HPy freed_impl(HPyContext *ctx, HPy self) { return HPyLong_FromLong(ctx, n_freed); }

    /* Does HPy_VISIT hand the visitor the field's address? (it must, for the
     * runtime to clear fields that are not inside the struct) */
    static int probe_visit(HPyField *p, void *arg) { *(void **)arg = (void *)p; return 0; }
    static int probe_traverse(void *object, HPyFunc_visitproc visit, void *arg)
    {
        HPyField *f = (HPyField *)object;
        HPy_VISIT(f);
        return 0;
    }
    HPyDef_METH(visit_gets_address, "visit_gets_address", HPyFunc_NOARGS)
    static HPy visit_gets_address_impl(HPyContext *ctx, HPy self)
    {
        HPyField f;
        void *seen = NULL;
        f = HPyField_NULL;
        HPyField_Store(ctx, self, &f, self);
        probe_traverse(&f, probe_visit, &seen);
        HPyField_Store(ctx, self, &f, HPy_NULL);
        return HPyBool_FromLong(ctx, seen == (void *)&f);
    }
    static HPyDef *Arr_defines[] = { &Arr_new, &Arr_traverse, &Arr_destroy, &Arr_set, NULL };
    static HPyType_Spec Arr_spec = {
        .name = "mytest.Arr", .basicsize = sizeof(ArrObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC, .defines = Arr_defines };
    @EXPORT(freed)
    @EXPORT(visit_gets_address)
    @EXPORT_TYPE("Arr", Arr_spec)
    @INIT
"""


def test_fields_outside_the_struct(hpy):
    mod = hpy.make_module(FIELD_ARRAY)
    assert mod.visit_gets_address()
    o = object()
    rc = sys.getrefcount(o)
    a = mod.Arr(o, o, o)
    assert sys.getrefcount(o) == rc + 3
    del a
    assert sys.getrefcount(o) == rc
    assert mod.freed() == 1
    a = mod.Arr(1, 2)
    a.set(0, a)
    del a
    gc.collect()
    assert mod.freed() == 2


def test_traverse_visits_type_once(hpy):
    mod = node_module(hpy)
    o = object()

    class Sub(mod.Node):
        pass

    class SubSub(Sub):
        __slots__ = ("z",)
    for cls in (mod.Node, Sub, SubSub):
        n = cls(o)
        refs = gc.get_referents(n)
        assert refs.count(cls) == 1, cls
        assert o in refs
        if cls is SubSub:
            n.z = o
            assert gc.get_referents(n).count(o) == 2
        del n, refs
    gc.collect()


PAIR = """
    typedef struct { HPyField a; HPyField b; } PairObject;
    HPyType_HELPERS(PairObject)

    HPyDef_SLOT(Pair_new, HPy_tp_new)
    static HPy Pair_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        PairObject *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        if (nargs > 0)
            HPyField_Store(ctx, h, &p->a, args[0]);
        if (nargs > 1)
            HPyField_Store(ctx, h, &p->b, args[1]);
        return h;
    }
    HPyDef_SLOT(Pair_traverse, HPy_tp_traverse)
    static int Pair_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((PairObject *)self)->a);
        HPy_VISIT(&((PairObject *)self)->b);
        return 0;
    }
    HPyDef_METH(Pair_set_b, "set_b", HPyFunc_O)
    static HPy Pair_set_b_impl(HPyContext *ctx, HPy self, HPy value)
    {
        HPyField_Store(ctx, self, &PairObject_AsStruct(ctx, self)->b, value);
        return HPy_Dup(ctx, ctx->h_None);
    }
    static HPyDef *Pair_defines[] = { &Pair_new, &Pair_traverse, &Pair_set_b, NULL };
    static HPyType_Spec Pair_spec = {
        .name = "mytest.Pair", .basicsize = sizeof(PairObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
        .defines = Pair_defines };
    @EXPORT_TYPE("Pair", Pair_spec)
    @INIT
"""


def test_gc_type_without_destroy(hpy):
    """A GC type with fields and no destroy on top of object (the dealloc of
    such types takes a shorter path): its fields are released, also for a
    Python subclass, in cycles, and once the class gains a __del__."""
    mod = hpy.make_module(PAIR)
    o = object()
    mod.Pair(o)  # the first instance may create what later ones reuse
    rc, rc_type = sys.getrefcount(o), sys.getrefcount(mod.Pair)
    for _ in range(100):
        p = mod.Pair(o, o)
    del p
    rc_after, rc_type_after = sys.getrefcount(o), sys.getrefcount(mod.Pair)
    assert (rc_after, rc_type_after) == (rc, rc_type)

    class Sub(mod.Pair):
        pass
    s = Sub(o)
    s.x = o
    del s
    assert sys.getrefcount(o) == rc
    p = mod.Pair(o)
    p.set_b(p)
    del p
    gc.collect()
    assert sys.getrefcount(o) == rc
    out = []
    mod.Pair.__del__ = lambda self: out.append(self)
    p = mod.Pair(o)
    del p
    assert len(out) == 1 and type(out[0]) is mod.Pair
    out.clear()
    assert sys.getrefcount(o) == rc


def test_gc_types_sharing_a_traverse(hpy):
    """Two GC types made from one traverse (in the cpython ABI each gets the
    dealloc made with that traverse), and a subtype of one made from a spec
    (whose dealloc is the general one), all release their fields."""
    mod = hpy.make_module(PAIR.replace("@EXPORT_TYPE", """
        static HPyType_Spec Pair2_spec = {
            .name = "mytest.Pair2", .basicsize = sizeof(PairObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
            .defines = Pair_defines };
        typedef struct { PairObject base; long n; } BigPairObject;
        static HPyDef *BigPair_defines[] = { &Pair_traverse, NULL };
        static HPyType_Spec BigPair_spec = {
            .name = "mytest.BigPair", .basicsize = sizeof(BigPairObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC, .defines = BigPair_defines };
        HPyDef_METH(make_big, "make_big", HPyFunc_O)
        static HPy make_big_impl(HPyContext *ctx, HPy self, HPy base)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base },
                                           { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &BigPair_spec, params);
        }
        @EXPORT(make_big)
        @EXPORT_TYPE("Pair2", Pair2_spec)
        @EXPORT_TYPE"""))
    o = object()
    types = [mod.Pair, mod.Pair2, mod.make_big(mod.Pair), mod.make_big(mod.Pair2)]
    for T in types:
        T(o)
    rc = sys.getrefcount(o)
    rc_types = [sys.getrefcount(T) for T in types]
    for T in types:
        for _ in range(50):
            p = T(o, o)
            p.set_b(p)
            q = T(o)
        del p, q
    gc.collect()
    assert sys.getrefcount(o) == rc
    assert [sys.getrefcount(T) for T in types] == rc_types
    seen = []
    mod.Pair2.__del__ = lambda self: seen.append(type(self))
    p = mod.Pair2(o)
    del p
    assert seen == [mod.Pair2] and sys.getrefcount(o) == rc
