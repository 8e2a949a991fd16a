"""HPyList_New(n) followed by HPy_SetItem_i fills a list, as PyList_New +
PyList_SetItem do in the C API (the new list's items start empty)."""
import sys


def test_list_new_then_set_items(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(squares, "squares", HPyFunc_O)
        static HPy squares_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            HPy_ssize_t n = HPyLong_AsSsize_t(ctx, arg);
            if (n < 0 && HPyErr_Occurred(ctx))
                return HPy_NULL;
            HPy lst = HPyList_New(ctx, n);
            if (HPy_IsNull(lst))
                return HPy_NULL;
            for (HPy_ssize_t i = 0; i < n; i++) {
                HPy v = HPyLong_FromSsize_t(ctx, i * i);
                int res = HPy_SetItem_i(ctx, lst, i, v);
                HPy_Close(ctx, v);
                if (res < 0) {
                    HPy_Close(ctx, lst);
                    return HPy_NULL;
                }
            }
            /* replacing an item releases the old one */
            if (n > 0) {
                HPy v = HPyLong_FromLong(ctx, -1);
                HPy_SetItem_i(ctx, lst, 0, v);
                HPy_Close(ctx, v);
            }
            return lst;
        }
        HPyDef_METH(fill, "fill", HPyFunc_VARARGS)
        static HPy fill_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[0]);
            HPy lst = HPyList_New(ctx, n);
            for (HPy_ssize_t i = 0; i < n && !HPy_IsNull(lst); i++)
                HPy_SetItem_i(ctx, lst, i, args[1]);
            return lst;
        }
        @EXPORT(squares)
        @EXPORT(fill)
        @INIT
    """)
    assert mod.squares(0) == []
    assert mod.squares(5) == [-1, 1, 4, 9, 16]
    obj = object()
    before = sys.getrefcount(obj)
    lst = mod.fill(4, obj)
    assert lst == [obj] * 4
    assert sys.getrefcount(obj) == before + 4
    del lst
    assert sys.getrefcount(obj) == before
