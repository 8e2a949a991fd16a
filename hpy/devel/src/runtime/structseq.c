/* Struct sequences: HPyStructSequence_NewType and HPyStructSequence_New.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 *
 * A struct sequence type is a subclass of tuple whose items can also be
 * read as attributes, like os.stat_result. The same implementation serves
 * every ABI: the type is made by a small Python function, compiled with
 * HPy_Compile_s and run with HPy_EvalCode, so it behaves alike everywhere:
 *   - isinstance(x, tuple), len(x), x[i], slicing, iteration, ==, hash;
 *   - one read-only attribute per named field (with the field's doc);
 *     unnamed fields (HPyStructSequence_UnnamedField) are reachable by index
 *     only and left out of the repr;
 *   - repr "mod.Name(a=1, b=2)"; __module__ "mod" and __name__ /
 *     __qualname__ "Name" from desc->name ("builtins" when it has no dot);
 *     __doc__ from desc->doc;
 *   - n_sequence_fields, n_fields (both the number of fields: every field is
 *     in the sequence), n_unnamed_fields, __match_args__, pickling;
 *   - Name(sequence) builds an instance from a sequence of exactly
 *     n_fields items (TypeError otherwise); no __dict__ on instances.
 */
#include "hpy.h"

#include <string.h>

HPyAPI_HELPER const char *const HPyStructSequence_UnnamedField = "unnamed field";

static const char structseq_source[] =
    "def make(name, doc, fields, field_docs):\n"
    "    from operator import itemgetter\n"
    "    module, dot, short = name.rpartition('.')\n"
    "    if not dot:\n"
    "        module = 'builtins'\n"
    "    n = len(fields)\n"
    "    named = tuple(f for f in fields if f is not None)\n"
    "    _tuple = tuple\n"
    "    _dict = dict\n"
    "\n"
    "    def __new__(cls, sequence, dict=None):\n"
    "        try:\n"
    "            seq = _tuple(sequence)\n"
    "        except TypeError:\n"
    "            raise TypeError('constructor requires a sequence') from None\n"
    "        if len(seq) != n:\n"
    "            raise TypeError('%s() takes a %d-sequence (%d-sequence given)'\n"
    "                            % (name, n, len(seq)))\n"
    "        if dict is not None and not isinstance(dict, _dict):\n"
    "            raise TypeError('%s() takes a dict as second arg, if any' % name)\n"
    "        return _tuple.__new__(cls, seq)\n"
    "\n"
    "    def __repr__(self):\n"
    "        items = ', '.join('%s=%r' % (f, v) for f, v in zip(fields, self)\n"
    "                          if f is not None)\n"
    "        return '%s(%s)' % (name, items)\n"
    "\n"
    "    def __reduce__(self):\n"
    "        return (type(self), (_tuple(self), {}))\n"
    "\n"
    "    ns = {\n"
    "        '__slots__': (),\n"
    "        '__new__': __new__,\n"
    "        '__repr__': __repr__,\n"
    "        '__reduce__': __reduce__,\n"
    "        '__module__': module,\n"
    "        '__qualname__': short,\n"
    "        '__doc__': doc,\n"
    "        '__match_args__': named,\n"
    "        'n_sequence_fields': n,\n"
    "        'n_fields': n,\n"
    "        'n_unnamed_fields': n - len(named),\n"
    "    }\n"
    "    for i, (f, d) in enumerate(zip(fields, field_docs)):\n"
    "        if f is None:\n"
    "            continue\n"
    "        if f in ns:\n"
    "            raise ValueError('duplicate or reserved field name %r in struct sequence %s'\n"
    "                             % (f, name))\n"
    "        ns[f] = property(itemgetter(i), doc=d)\n"
    "    for attr in ('__new__', '__repr__', '__reduce__'):\n"
    "        ns[attr].__qualname__ = short + '.' + attr\n"
    "    return type(short, (_tuple,), ns)\n";

static int is_unnamed(const char *name)
{
    return name == HPyStructSequence_UnnamedField ||
           strcmp(name, HPyStructSequence_UnnamedField) == 0;
}

/* A str from UTF-8, or None for NULL. */
static HPy str_or_none(HPyContext *ctx, const char *s)
{
    if (s == NULL)
        return HPy_Dup(ctx, ctx->h_None);
    return HPyUnicode_FromString(ctx, s);
}

/* The Python function `make` of structseq_source, as a new handle. */
static HPy get_maker(HPyContext *ctx)
{
    HPy code, globals, key = HPy_NULL, res, maker = HPy_NULL;
    code = HPy_Compile_s(ctx, structseq_source, "<hpy structseq>", HPy_SourceKind_File);
    if (HPy_IsNull(code))
        return HPy_NULL;
    globals = HPyDict_New(ctx);
    if (HPy_IsNull(globals))
        goto done;
    key = HPyUnicode_FromString(ctx, "__builtins__");
    if (HPy_IsNull(key) || HPy_SetItem(ctx, globals, key, ctx->h_Builtins) < 0)
        goto done;
    res = HPy_EvalCode(ctx, code, globals, globals);
    if (HPy_IsNull(res))
        goto done;
    HPy_Close(ctx, res);
    HPy_Close(ctx, key);
    key = HPyUnicode_FromString(ctx, "make");
    if (HPy_IsNull(key))
        goto done;
    maker = HPy_GetItem(ctx, globals, key);
done:
    if (!HPy_IsNull(key))
        HPy_Close(ctx, key);
    if (!HPy_IsNull(globals))
        HPy_Close(ctx, globals);
    HPy_Close(ctx, code);
    return maker;
}

HPyAPI_HELPER HPy HPyStructSequence_NewType(HPyContext *ctx, HPyStructSequence_Desc *desc)
{
    HPy args[4] = { HPy_NULL, HPy_NULL, HPy_NULL, HPy_NULL };
    HPy maker = HPy_NULL, result = HPy_NULL;
    HPy_ssize_t i;
    int k;

    if (desc == NULL || desc->name == NULL || desc->fields == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError,
                         "HPyStructSequence_NewType: the descriptor, its name and its fields "
                         "must not be NULL");
        return HPy_NULL;
    }
    args[0] = HPyUnicode_FromString(ctx, desc->name);
    if (HPy_IsNull(args[0]))
        goto done;
    args[1] = str_or_none(ctx, desc->doc);
    if (HPy_IsNull(args[1]))
        goto done;
    args[2] = HPyList_New(ctx, 0);
    if (HPy_IsNull(args[2]))
        goto done;
    args[3] = HPyList_New(ctx, 0);
    if (HPy_IsNull(args[3]))
        goto done;
    for (i = 0; desc->fields[i].name != NULL; i++) {
        const char *fname = desc->fields[i].name;
        HPy f, d;
        int r;
        f = is_unnamed(fname) ? HPy_Dup(ctx, ctx->h_None) : HPyUnicode_FromString(ctx, fname);
        if (HPy_IsNull(f))
            goto done;
        r = HPyList_Append(ctx, args[2], f);
        HPy_Close(ctx, f);
        if (r < 0)
            goto done;
        d = str_or_none(ctx, desc->fields[i].doc);
        if (HPy_IsNull(d))
            goto done;
        r = HPyList_Append(ctx, args[3], d);
        HPy_Close(ctx, d);
        if (r < 0)
            goto done;
    }
    maker = get_maker(ctx);
    if (HPy_IsNull(maker))
        goto done;
    result = HPy_Call(ctx, maker, args, 4, HPy_NULL);
done:
    if (!HPy_IsNull(maker))
        HPy_Close(ctx, maker);
    for (k = 0; k < 4; k++) {
        if (!HPy_IsNull(args[k]))
            HPy_Close(ctx, args[k]);
    }
    return result;
}

HPyAPI_HELPER HPy HPyStructSequence_New(HPyContext *ctx, HPy type, HPy_ssize_t nargs, HPy *args)
{
    HPy seq, result;
    int ok;

    if (HPy_IsNull(type) || nargs < 0 || (nargs > 0 && args == NULL)) {
        HPyErr_SetString(ctx, ctx->h_SystemError,
                         "HPyStructSequence_New: bad arguments (HPy_NULL type, negative count "
                         "or NULL items)");
        return HPy_NULL;
    }
    ok = HPyType_IsSubtype(ctx, type, ctx->h_TupleType) &&
         HPy_HasAttr_s(ctx, type, "n_sequence_fields");
    if (!ok) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "HPyStructSequence_New: the type is not a struct sequence type");
        return HPy_NULL;
    }
    seq = HPyTuple_FromArray(ctx, args, nargs);
    if (HPy_IsNull(seq))
        return HPy_NULL;
    result = HPy_Call(ctx, type, &seq, 1, HPy_NULL);
    HPy_Close(ctx, seq);
    return result;
}
