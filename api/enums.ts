/**
 * Enumerations and #define constants of the HPy API, with their ABI values.
 * HPySlot_Slot lives in slots.ts and HPyFunc_Signature in signatures.ts,
 * because both carry more than a value.
 */
import type { EnumDef, EnumValue, Since } from "./schema.ts";
import { builtinShapes, shapeEnumerator } from "./shapes.ts";

function v(name: string, value: number, since: Since = "0.9.0"): EnumValue {
  return { name, value, since };
}

export const hpyDefKind: EnumDef = {
  name: "HPyDef_Kind",
  doc: "What an HPyDef defines: the active member of its union.",
  values: [
    v("HPyDef_Kind_Slot", 1),
    v("HPyDef_Kind_Meth", 2),
    v("HPyDef_Kind_Member", 3),
    v("HPyDef_Kind_GetSet", 4),
  ],
};

export const hpyMemberFieldType: EnumDef = {
  name: "HPyMember_FieldType",
  doc: "C type of a struct member exposed with HPyDef_MEMBER; same numbers as CPython's T_* codes.",
  values: [
    v("HPyMember_SHORT", 0),
    v("HPyMember_INT", 1),
    v("HPyMember_LONG", 2),
    v("HPyMember_FLOAT", 3),
    v("HPyMember_DOUBLE", 4),
    v("HPyMember_STRING", 5),
    v("HPyMember_OBJECT", 6),
    v("HPyMember_CHAR", 7),
    v("HPyMember_BYTE", 8),
    v("HPyMember_UBYTE", 9),
    v("HPyMember_USHORT", 10),
    v("HPyMember_UINT", 11),
    v("HPyMember_ULONG", 12),
    v("HPyMember_STRING_INPLACE", 13),
    v("HPyMember_BOOL", 14),
    v("HPyMember_OBJECT_EX", 16),
    v("HPyMember_LONGLONG", 17),
    v("HPyMember_ULONGLONG", 18),
    v("HPyMember_HPYSSIZET", 19),
    v("HPyMember_NONE", 20),
  ],
};

export const hpyTypeSpecParamKind: EnumDef = {
  name: "HPyType_SpecParam_Kind",
  doc: "Kind of an extra parameter passed to HPyType_FromSpec.",
  values: [
    v("HPyType_SpecParam_Base", 1),
    v("HPyType_SpecParam_BasesTuple", 2),
    v("HPyType_SpecParam_Metaclass", 3),
  ],
};

export const hpyTypeBuiltinShape: EnumDef = {
  name: "HPyType_BuiltinShape",
  doc: "The C layout an HPy type shares with a built-in type it extends.",
  values: builtinShapes.map((s) => v(shapeEnumerator(s), s.value, s.since)),
};

export const hpyRichCmpOp: EnumDef = {
  name: "HPy_RichCmpOp",
  doc: "Rich comparison operators; same numbers as CPython's Py_LT..Py_GE.",
  values: [
    v("HPy_LT", 0),
    v("HPy_LE", 1),
    v("HPy_EQ", 2),
    v("HPy_NE", 3),
    v("HPy_GT", 4),
    v("HPy_GE", 5),
  ],
};

export const hpySourceKind: EnumDef = {
  name: "HPy_SourceKind",
  doc: "What HPy_Compile_s compiles: an expression, a file or a single statement.",
  values: [
    v("HPy_SourceKind_Expr", 0),
    v("HPy_SourceKind_File", 1),
    v("HPy_SourceKind_Single", 2),
  ],
};

export const hpyCapsuleKey: EnumDef = {
  name: "_HPyCapsule_key",
  doc: "Which capsule property ctx_Capsule_Get/ctx_Capsule_Set read or write.",
  values: [
    v("HPyCapsule_key_Pointer", 0),
    v("HPyCapsule_key_Name", 1),
    v("HPyCapsule_key_Context", 2),
    v("HPyCapsule_key_Destructor", 3),
  ],
};

/** Type flags accepted in HPyType_Spec.flags (bit positions equal CPython's). */
export const typeFlags: EnumDef = {
  name: "HPy_TPFLAGS",
  doc: "Type flags accepted in HPyType_Spec.flags; bit positions equal CPython's Py_TPFLAGS_*.",
  values: [
    { ...v("HPy_TPFLAGS_DEFAULT", 262656), composedOf: ["_Py_TPFLAGS_HEAPTYPE", "_Py_TPFLAGS_HAVE_VERSION_TAG"] },
    v("HPy_TPFLAGS_BASETYPE", 1024),
    v("HPy_TPFLAGS_HAVE_VECTORCALL", 2048),
    v("HPy_TPFLAGS_HAVE_GC", 16384),
    v("_Py_TPFLAGS_HEAPTYPE", 512),
    v("_Py_TPFLAGS_HAVE_VERSION_TAG", 262144),
  ],
};

export const enums: readonly EnumDef[] = [
  hpyDefKind,
  hpyMemberFieldType,
  hpyTypeSpecParamKind,
  hpyTypeBuiltinShape,
  hpyRichCmpOp,
  hpySourceKind,
  hpyCapsuleKey,
];

/** Version of the binary interface; a loaded module must ask for this major and at most this minor. */
export const abi = {
  version: 0,
  versionMinor: 0,
  /** The tag in universal file names: `.hpy0.so`. */
  tag: "hpy0",
} as const;

/** The three ABI modes, the macro selecting each and the value of HPY_ABI. */
export const abiModes = [
  { macro: "HPY_ABI_CPYTHON", name: "cpython" },
  { macro: "HPY_ABI_UNIVERSAL", name: "universal" },
  { macro: "HPY_ABI_HYBRID", name: "hybrid" },
] as const;

/** Modes of hpy.universal.load. */
export const universalModes: readonly EnumValue[] = [
  v("MODE_UNIVERSAL", 0),
  v("MODE_DEBUG", 1),
  v("MODE_TRACE", 2),
];
