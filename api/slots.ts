/**
 * HPySlot_Slot: the slots an HPyDef_SLOT can fill. Values below 1000 are the
 * CPython typeslots.h numbers of the Py_* slot of the same suffix; 1000 and
 * above are HPy's own (destroy, module create/exec). Each slot says how a
 * definition of it is installed (`filledBy`), which the host's slot table
 * is generated from.
 */
import type { SlotDef, Since } from "./schema.ts";

function slot(
  name: string,
  value: number,
  signature: string,
  cpythonSlot: string | null,
  doc: string,
  since: Since = "0.9.0",
  filledBy: SlotDef["filledBy"] = "cpython-slot",
): SlotDef {
  return { name, value, signature, since, cpythonSlot, filledBy, doc };
}

/** A type slot that HPyType_FromSpec installs itself rather than as a CPython slot. */
function hpySlot(name: string, value: number, signature: string, cpythonSlot: string | null, doc: string): SlotDef {
  return slot(name, value, signature, cpythonSlot, doc, "0.9.0", "hpy");
}

function moduleSlot(name: string, value: number, signature: string, cpythonSlot: string, doc: string): SlotDef {
  return slot(name, value, signature, cpythonSlot, doc, "0.9.0", "module");
}

export const slots: readonly SlotDef[] = [
  hpySlot("HPy_bf_getbuffer", 1, "HPyFunc_GETBUFFERPROC", "Py_bf_getbuffer", "Buffer protocol export: fills an `HPy_buffer` describing the object's memory (e.g. for `memoryview(obj)`)."),
  hpySlot("HPy_bf_releasebuffer", 2, "HPyFunc_RELEASEBUFFERPROC", "Py_bf_releasebuffer", "Buffer protocol release: frees what `HPy_bf_getbuffer` acquired for a view."),
  slot("HPy_mp_ass_subscript", 3, "HPyFunc_OBJOBJARGPROC", "Py_mp_ass_subscript", "`__setitem__`/`__delitem__`: `obj[key] = value`, or `del obj[key]` when the value is HPy_NULL."),
  slot("HPy_mp_length", 4, "HPyFunc_LENFUNC", "Py_mp_length", "`__len__` (mapping protocol): `len(obj)`."),
  slot("HPy_mp_subscript", 5, "HPyFunc_BINARYFUNC", "Py_mp_subscript", "`__getitem__` (mapping protocol): `obj[key]`."),
  slot("HPy_nb_absolute", 6, "HPyFunc_UNARYFUNC", "Py_nb_absolute", "`__abs__`: `abs(obj)`."),
  slot("HPy_nb_add", 7, "HPyFunc_BINARYFUNC", "Py_nb_add", "`__add__`/`__radd__`: binary `+`."),
  slot("HPy_nb_and", 8, "HPyFunc_BINARYFUNC", "Py_nb_and", "`__and__`/`__rand__`: binary `&`."),
  slot("HPy_nb_bool", 9, "HPyFunc_INQUIRY", "Py_nb_bool", "`__bool__`: truth value, returning 1, 0, or -1 on error."),
  slot("HPy_nb_divmod", 10, "HPyFunc_BINARYFUNC", "Py_nb_divmod", "`__divmod__`/`__rdivmod__`: `divmod(a, b)`."),
  slot("HPy_nb_float", 11, "HPyFunc_UNARYFUNC", "Py_nb_float", "`__float__`: `float(obj)`."),
  slot("HPy_nb_floor_divide", 12, "HPyFunc_BINARYFUNC", "Py_nb_floor_divide", "`__floordiv__`/`__rfloordiv__`: binary `//`."),
  slot("HPy_nb_index", 13, "HPyFunc_UNARYFUNC", "Py_nb_index", "`__index__`: lossless conversion to `int`, used for indexing and slicing."),
  slot("HPy_nb_inplace_add", 14, "HPyFunc_BINARYFUNC", "Py_nb_inplace_add", "`__iadd__`: in-place `+=`."),
  slot("HPy_nb_inplace_and", 15, "HPyFunc_BINARYFUNC", "Py_nb_inplace_and", "`__iand__`: in-place `&=`."),
  slot("HPy_nb_inplace_floor_divide", 16, "HPyFunc_BINARYFUNC", "Py_nb_inplace_floor_divide", "`__ifloordiv__`: in-place `//=`."),
  slot("HPy_nb_inplace_lshift", 17, "HPyFunc_BINARYFUNC", "Py_nb_inplace_lshift", "`__ilshift__`: in-place `<<=`."),
  slot("HPy_nb_inplace_multiply", 18, "HPyFunc_BINARYFUNC", "Py_nb_inplace_multiply", "`__imul__`: in-place `*=`."),
  slot("HPy_nb_inplace_or", 19, "HPyFunc_BINARYFUNC", "Py_nb_inplace_or", "`__ior__`: in-place `|=`."),
  slot("HPy_nb_inplace_power", 20, "HPyFunc_TERNARYFUNC", "Py_nb_inplace_power", "`__ipow__`: in-place `**=`."),
  slot("HPy_nb_inplace_remainder", 21, "HPyFunc_BINARYFUNC", "Py_nb_inplace_remainder", "`__imod__`: in-place `%=`."),
  slot("HPy_nb_inplace_rshift", 22, "HPyFunc_BINARYFUNC", "Py_nb_inplace_rshift", "`__irshift__`: in-place `>>=`."),
  slot("HPy_nb_inplace_subtract", 23, "HPyFunc_BINARYFUNC", "Py_nb_inplace_subtract", "`__isub__`: in-place `-=`."),
  slot("HPy_nb_inplace_true_divide", 24, "HPyFunc_BINARYFUNC", "Py_nb_inplace_true_divide", "`__itruediv__`: in-place `/=`."),
  slot("HPy_nb_inplace_xor", 25, "HPyFunc_BINARYFUNC", "Py_nb_inplace_xor", "`__ixor__`: in-place `^=`."),
  slot("HPy_nb_int", 26, "HPyFunc_UNARYFUNC", "Py_nb_int", "`__int__`: `int(obj)`."),
  slot("HPy_nb_invert", 27, "HPyFunc_UNARYFUNC", "Py_nb_invert", "`__invert__`: unary `~`."),
  slot("HPy_nb_lshift", 28, "HPyFunc_BINARYFUNC", "Py_nb_lshift", "`__lshift__`/`__rlshift__`: binary `<<`."),
  slot("HPy_nb_multiply", 29, "HPyFunc_BINARYFUNC", "Py_nb_multiply", "`__mul__`/`__rmul__`: binary `*`."),
  slot("HPy_nb_negative", 30, "HPyFunc_UNARYFUNC", "Py_nb_negative", "`__neg__`: unary `-`."),
  slot("HPy_nb_or", 31, "HPyFunc_BINARYFUNC", "Py_nb_or", "`__or__`/`__ror__`: binary `|`."),
  slot("HPy_nb_positive", 32, "HPyFunc_UNARYFUNC", "Py_nb_positive", "`__pos__`: unary `+`."),
  slot("HPy_nb_power", 33, "HPyFunc_TERNARYFUNC", "Py_nb_power", "`__pow__`/`__rpow__`: binary `**` and three-argument `pow()`."),
  slot("HPy_nb_remainder", 34, "HPyFunc_BINARYFUNC", "Py_nb_remainder", "`__mod__`/`__rmod__`: binary `%`."),
  slot("HPy_nb_rshift", 35, "HPyFunc_BINARYFUNC", "Py_nb_rshift", "`__rshift__`/`__rrshift__`: binary `>>`."),
  slot("HPy_nb_subtract", 36, "HPyFunc_BINARYFUNC", "Py_nb_subtract", "`__sub__`/`__rsub__`: binary `-`."),
  slot("HPy_nb_true_divide", 37, "HPyFunc_BINARYFUNC", "Py_nb_true_divide", "`__truediv__`/`__rtruediv__`: binary `/`."),
  slot("HPy_nb_xor", 38, "HPyFunc_BINARYFUNC", "Py_nb_xor", "`__xor__`/`__rxor__`: binary `^`."),
  slot("HPy_sq_ass_item", 39, "HPyFunc_SSIZEOBJARGPROC", "Py_sq_ass_item", "`__setitem__`/`__delitem__` with a C integer index (sequence protocol); HPy_NULL value means delete."),
  slot("HPy_sq_concat", 40, "HPyFunc_BINARYFUNC", "Py_sq_concat", "Sequence concatenation: `a + b`, tried after the numeric `__add__`."),
  slot("HPy_sq_contains", 41, "HPyFunc_OBJOBJPROC", "Py_sq_contains", "`__contains__`: the `in` operator, returning 1, 0, or -1 on error."),
  slot("HPy_sq_inplace_concat", 42, "HPyFunc_BINARYFUNC", "Py_sq_inplace_concat", "Sequence in-place concatenation: `a += b`."),
  slot("HPy_sq_inplace_repeat", 43, "HPyFunc_SSIZEARGFUNC", "Py_sq_inplace_repeat", "Sequence in-place repetition: `a *= n` with a C integer count."),
  slot("HPy_sq_item", 44, "HPyFunc_SSIZEARGFUNC", "Py_sq_item", "`__getitem__` with a C integer index (sequence protocol): `obj[i]`."),
  slot("HPy_sq_length", 45, "HPyFunc_LENFUNC", "Py_sq_length", "`__len__` (sequence protocol): `len(obj)`."),
  slot("HPy_sq_repeat", 46, "HPyFunc_SSIZEARGFUNC", "Py_sq_repeat", "Sequence repetition: `a * n` with a C integer count."),
  hpySlot("HPy_tp_call", 50, "HPyFunc_KEYWORDS", "Py_tp_call", "`__call__`: calling an instance, with vectorcall-style arguments."),
  slot("HPy_tp_descr_get", 54, "HPyFunc_TERNARYFUNC", "Py_tp_descr_get", "`__get__`: descriptor read access, called with the instance and its type.", "master"),
  slot("HPy_tp_hash", 59, "HPyFunc_HASHFUNC", "Py_tp_hash", "`__hash__`: `hash(obj)`, returning -1 on error."),
  slot("HPy_tp_init", 60, "HPyFunc_INITPROC", "Py_tp_init", "`__init__`: initialises a freshly created instance, returning 0, or -1 on error."),
  slot("HPy_tp_new", 65, "HPyFunc_NEWFUNC", "Py_tp_new", "`__new__`: creates and returns a new instance of the type."),
  slot("HPy_tp_repr", 66, "HPyFunc_REPRFUNC", "Py_tp_repr", "`__repr__`: `repr(obj)`."),
  slot("HPy_tp_richcompare", 67, "HPyFunc_RICHCMPFUNC", "Py_tp_richcompare", "`__eq__`, `__lt__` and the other rich comparisons, selected by an `HPy_RichCmpOp`."),
  slot("HPy_tp_str", 70, "HPyFunc_REPRFUNC", "Py_tp_str", "`__str__`: `str(obj)`."),
  hpySlot("HPy_tp_traverse", 71, "HPyFunc_TRAVERSEPROC", "Py_tp_traverse", "GC support: visits every HPyField of the object's struct so the collector can follow them."),
  slot("HPy_nb_matrix_multiply", 75, "HPyFunc_BINARYFUNC", "Py_nb_matrix_multiply", "`__matmul__`/`__rmatmul__`: binary `@`."),
  slot("HPy_nb_inplace_matrix_multiply", 76, "HPyFunc_BINARYFUNC", "Py_nb_inplace_matrix_multiply", "`__imatmul__`: in-place `@=`."),
  slot("HPy_tp_finalize", 80, "HPyFunc_DESTRUCTOR", "Py_tp_finalize", "Finalizer (PEP 442, like `__del__`): runs once before the object is collected and may call the API."),
  hpySlot("HPy_tp_destroy", 1000, "HPyFunc_DESTROYFUNC", null, "Frees the C-level resources of an object's struct when it dies; gets no context."),
  moduleSlot("HPy_mod_create", 2000, "HPyFunc_MOD_CREATE", "Py_mod_create", "Creates and returns the module object from its spec, replacing default module creation."),
  moduleSlot("HPy_mod_exec", 2001, "HPyFunc_INQUIRY", "Py_mod_exec", "Runs once when a module is created, to fill it in; several are run in order."),
];
