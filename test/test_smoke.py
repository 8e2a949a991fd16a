"""The smallest end-to-end check: one function, every ABI."""


def test_forty_two(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(f, "f", HPyFunc_NOARGS)
        static HPy f_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, 42);
        }
        @EXPORT(f)
        @INIT
    """)
    assert mod.f() == 42
    assert mod.__doc__ == "a test module"
