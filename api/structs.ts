/**
 * C layouts (LP64) of the structs that cross the universal ABI: handle-like
 * one-word structs, HPy_buffer, module and type specs, HPyDef and its union
 * members. The trampoline argument structs are described with their
 * signatures in signatures.ts. Uses: test/ts/api.test.ts checks the table
 * against the shared spec; the generator turns it into compile-time checks
 * of the real headers that the host includes
 * (hpy/universal/src/autogen_layout_checks.h), so a header edit that moves
 * a field fails the build; a host for another data model (wasm32) derives
 * its layouts from the same fields.
 */
import type { StructField, StructLayout } from "./schema.ts";

function f(name: string, type: string, offset: number, size: number): StructField {
  return { name, type, offset, size };
}

export const structs: readonly StructLayout[] = [
  {
    name: "HPy",
    size: 8,
    align: 8,
    doc: "An opaque reference to a Python object, valid until closed.",
    fields: [
      f("_i", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyField",
    size: 8,
    align: 8,
    doc: "A reference to an object kept inside another object's C struct, accessed with `HPyField_Load`/`Store`.",
    fields: [
      f("_i", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyGlobal",
    size: 8,
    align: 8,
    doc: "A reference to an object kept in a C static variable, accessed with `HPyGlobal_Load`/`Store`.",
    fields: [
      f("_i", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyThreadState",
    size: 8,
    align: 8,
    doc: "The opaque state returned by `HPy_LeavePythonExecution`, passed back to re-enter Python.",
    fields: [
      f("_i", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyListBuilder",
    size: 8,
    align: 8,
    doc: "An opaque builder that fills a list item by item before handing it out.",
    fields: [
      f("_lst", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyTupleBuilder",
    size: 8,
    align: 8,
    doc: "An opaque builder that fills a tuple item by item before handing it out.",
    fields: [
      f("_tup", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPyTracker",
    size: 8,
    align: 8,
    doc: "A growable collection of handles that can all be closed with one call.",
    fields: [
      f("_i", "intptr_t", 0, 8),
    ],
  },
  {
    name: "HPy_buffer",
    size: 80,
    align: 8,
    doc: "Describes exported memory for the buffer protocol, like `Py_buffer` but holding `obj` as a handle.",
    fields: [
      f("buf", "void *", 0, 8),
      f("obj", "HPy", 8, 8),
      f("len", "HPy_ssize_t", 16, 8),
      f("itemsize", "HPy_ssize_t", 24, 8),
      f("readonly", "int", 32, 4),
      f("ndim", "int", 36, 4),
      f("format", "char *", 40, 8),
      f("shape", "HPy_ssize_t *", 48, 8),
      f("strides", "HPy_ssize_t *", 56, 8),
      f("suboffsets", "HPy_ssize_t *", 64, 8),
      f("internal", "void *", 72, 8),
    ],
  },
  {
    name: "HPyModuleDef",
    size: 40,
    align: 8,
    doc: "Describes an HPy module: docstring, state size, legacy methods, defines and globals.",
    fields: [
      f("doc", "const char *", 0, 8),
      f("size", "HPy_ssize_t", 8, 8),
      f("legacy_methods", "cpy_PyMethodDef *", 16, 8),
      f("defines", "HPyDef **", 24, 8),
      f("globals", "HPyGlobal **", 32, 8),
    ],
  },
  {
    name: "HPyType_Spec",
    size: 56,
    align: 8,
    doc: "Describes a type for `HPyType_FromSpec`: name, sizes, flags, builtin shape, legacy slots and defines.",
    fields: [
      f("name", "const char *", 0, 8),
      f("basicsize", "int", 8, 4),
      f("itemsize", "int", 12, 4),
      f("flags", "unsigned long", 16, 8),
      f("builtin_shape", "HPyType_BuiltinShape", 24, 4),
      f("legacy_slots", "void *", 32, 8),
      f("defines", "HPyDef **", 40, 8),
      f("doc", "const char *", 48, 8),
    ],
  },
  {
    name: "HPyType_SpecParam",
    size: 16,
    align: 8,
    doc: "An extra argument to `HPyType_FromSpec`, such as a base class or a metaclass.",
    fields: [
      f("kind", "HPyType_SpecParam_Kind", 0, 4),
      f("object", "HPy", 8, 8),
    ],
  },
  {
    name: "HPyDef",
    size: 64,
    align: 8,
    doc: "One definition of a module or type: a slot, method, member or getset, tagged by `kind`.",
    fields: [
      f("kind", "HPyDef_Kind", 0, 4),
      f("slot", "HPySlot (anonymous union member)", 8, 24),
      f("meth", "HPyMeth (anonymous union member)", 8, 40),
      f("member", "HPyMember (anonymous union member)", 8, 40),
      f("getset", "HPyGetSet (anonymous union member)", 8, 56),
    ],
  },
  {
    name: "HPySlot",
    size: 24,
    align: 8,
    doc: "A slot definition: which slot, its implementation and its CPython trampoline.",
    fields: [
      f("slot", "HPySlot_Slot", 0, 4),
      f("impl", "HPyCFunction", 8, 8),
      f("cpy_trampoline", "cpy_PyCFunction", 16, 8),
    ],
  },
  {
    name: "HPyMeth",
    size: 40,
    align: 8,
    doc: "A method definition: name, implementation, CPython trampoline, signature and docstring.",
    fields: [
      f("name", "const char *", 0, 8),
      f("impl", "HPyCFunction", 8, 8),
      f("cpy_trampoline", "cpy_PyCFunction", 16, 8),
      f("signature", "HPyFunc_Signature", 24, 4),
      f("doc", "const char *", 32, 8),
    ],
  },
  {
    name: "HPyMember",
    size: 40,
    align: 8,
    doc: "A member definition exposing the C field at `offset` of the struct as a Python attribute.",
    fields: [
      f("name", "const char *", 0, 8),
      f("type", "HPyMember_FieldType", 8, 4),
      f("offset", "HPy_ssize_t", 16, 8),
      f("readonly", "int", 24, 4),
      f("doc", "const char *", 32, 8),
    ],
  },
  {
    name: "HPyGetSet",
    size: 56,
    align: 8,
    doc: "A computed attribute: getter and setter implementations, their trampolines, docstring and closure.",
    fields: [
      f("name", "const char *", 0, 8),
      f("getter_impl", "HPyCFunction", 8, 8),
      f("setter_impl", "HPyCFunction", 16, 8),
      f("getter_cpy_trampoline", "cpy_getter", 24, 8),
      f("setter_cpy_trampoline", "cpy_setter", 32, 8),
      f("doc", "const char *", 40, 8),
      f("closure", "void *", 48, 8),
    ],
  },
  {
    name: "HPyCallFunction",
    size: 16,
    align: 8,
    doc: "A call implementation for an instance (see `HPy_SetCallFunction`) with its vectorcall trampoline.",
    fields: [
      f("cpy_trampoline", "cpy_vectorcallfunc", 0, 8),
      f("impl", "HPyFunc_keywords", 8, 8),
    ],
  },
  {
    name: "HPyCapsule_Destructor",
    size: 16,
    align: 8,
    doc: "A capsule destructor implementation paired with its CPython trampoline.",
    fields: [
      f("cpy_trampoline", "cpy_PyCapsule_Destructor", 0, 8),
      f("impl", "HPyFunc_Capsule_Destructor", 8, 8),
    ],
  },
  {
    name: "HPyType_Vectorcall",
    size: 24,
    align: 8,
    doc: "A vectorcall entry point for a type: an `HPyCallFunction` plus the CPython trampoline reaching it.",
    fields: [
      f("cpy_trampoline", "cpy_vectorcallfunc", 0, 8),
      f("impl", "HPyCallFunction", 8, 16),
    ],
  },
  {
    name: "HPyStructSequence_Field",
    size: 16,
    align: 8,
    doc: "The name and docstring of one field of a struct sequence type.",
    fields: [
      f("name", "const char *", 0, 8),
      f("doc", "const char *", 8, 8),
    ],
  },
  {
    name: "HPyStructSequence_Desc",
    size: 24,
    align: 8,
    doc: "Describes a named-tuple-like struct sequence type: name, docstring and NULL-terminated fields.",
    fields: [
      f("name", "const char *", 0, 8),
      f("doc", "const char *", 8, 8),
      f("fields", "HPyStructSequence_Field *", 16, 8),
    ],
  },
];
