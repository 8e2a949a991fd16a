/**
 * Emits the tables of type creation that follow from api/shapes.ts and
 * api/slots.ts:
 *  - hpy/hpytype_shapes.h (public): `HPyType_BuiltinShape_<name>_AsStruct`,
 *    the AsStruct function of each shape, which HPyType_HELPERS pastes;
 *  - src/runtime/autogen_tables.h (runtime and hosts, not extensions): the name and the
 *    built-in base type of each shape, an X-macro over the shapes, the
 *    CPython type slot of each HPy slot (HPyType_FromSpec) and the
 *    PyMethodDef flags of each method signature (types and modules).
 */
import { builtinShapes, shapeEnumerator, signatures, slots } from "../../api/index.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE, RUNTIME_SRC } from "../paths.ts";

export function emitPublicShapes(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/autogen_hpytype.h`, "c", "The AsStruct function of each HPyType_BuiltinShape (see hpytype.h).");
  includeGuard(f, () => {
    for (const s of builtinShapes) f.line(`#define ${shapeEnumerator(s)}_AsStruct ${s.asStruct}`);
  });
  return f;
}

export function emitRuntimeTypeTables(): GeneratedFile {
  const f = new GeneratedFile(
    `${RUNTIME_SRC}/autogen_tables.h`,
    "c",
    "Builtin shapes, the CPython slot of every HPy slot and the flags of method signatures (needs Python.h).",
  );
  includeGuard(f, () => {
    f.line("/* X(Name) for every HPyType_BuiltinShape_<Name>. */");
    f.line("#define _HPY_FOR_EACH_BUILTIN_SHAPE(X) \\");
    builtinShapes.forEach((s, i) => f.line(`    X(${s.name})${i < builtinShapes.length - 1 ? " \\" : ""}`));
    f.blank();
    f.line("/* The name of a shape (\"Object\", ...), NULL for a value that is none. */");
    f.line("static inline const char *");
    f.line("_HPy_BuiltinShapeName(int shape)");
    f.line("{");
    f.line("    switch (shape) {");
    for (const s of builtinShapes) f.line(`    case ${shapeEnumerator(s)}: return "${s.name}";`);
    f.line("    default: return NULL;");
    f.line("    }");
    f.line("}");
    f.blank();
    f.line("/* The built-in type whose layout instances of a shape extend (NULL for none). */");
    f.line("static inline PyTypeObject *");
    f.line("_HPy_BuiltinShapeBase(int shape)");
    f.line("{");
    f.line("    switch (shape) {");
    for (const s of builtinShapes) if (s.cpythonType !== null) f.line(`    case ${shapeEnumerator(s)}: return &${s.cpythonType};`);
    f.line("    default: return NULL;");
    f.line("    }");
    f.line("}");
    f.blank();
    f.line("/* The CPython type slot (Py_*) an HPy slot's trampoline is installed in; 0");
    f.line(" * for the slots HPyType_FromSpec handles itself, -1 for values that are not");
    f.line(" * type slots. */");
    f.line("static inline int");
    f.line("_HPy_CPythonTypeSlot(HPySlot_Slot slot)");
    f.line("{");
    f.line("    switch ((int)slot) {");
    for (const s of slots) {
      if (s.filledBy === "cpython-slot") {
        if (s.cpythonSlot === null) throw new Error(`${s.name}: filled as a CPython slot but maps to none`);
        f.line(`    case ${s.name}: return ${s.cpythonSlot};`);
      } else if (s.filledBy === "hpy") {
        f.line(`    case ${s.name}: return 0;`);
      }
    }
    f.line("    default: return -1;");
    f.line("    }");
    f.line("}");
    f.blank();
    f.line("/* The PyMethodDef flags of a method signature, -1 for the others. */");
    f.line("static inline int");
    f.line("_HPy_MethodFlags(HPyFunc_Signature sig)");
    f.line("{");
    f.line("    switch (sig) {");
    for (const s of signatures) if (s.methodFlags !== undefined) f.line(`    case ${s.name}: return ${s.methodFlags};`);
    f.line("    default: return -1;");
    f.line("    }");
    f.line("}");
  });
  return f;
}
