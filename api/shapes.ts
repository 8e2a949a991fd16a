/**
 * HPyType_BuiltinShape: the C layouts an HPy type can share with a built-in
 * type it extends. For each: its enumerator and value (the ABI facts, also
 * listed with the enums), the built-in type whose instance layout comes
 * first in the object (none for Object and Legacy) and the context function
 * that returns the extension's struct inside such an object.
 */
import type { Since } from "./schema.ts";

export interface BuiltinShape {
  /** The short name used in messages and in `HPyType_BuiltinShape_<name>`. */
  readonly name: string;
  readonly value: number;
  readonly since: Since;
  /** The CPython type object (`PyLong_Type`) whose layout the instances extend; null when none. */
  readonly cpythonType: string | null;
  /** The context function returning the extension's struct of an instance. */
  readonly asStruct: string;
}

function shape(name: string, value: number, cpythonType: string | null, since: Since = "0.9.0"): BuiltinShape {
  return { name, value, since, cpythonType, asStruct: `_HPy_AsStruct_${name}` };
}

export const builtinShapes: readonly BuiltinShape[] = [
  shape("Legacy", -1, null),
  shape("Object", 0, null),
  shape("Type", 1, "PyType_Type"),
  shape("Long", 2, "PyLong_Type"),
  shape("Float", 3, "PyFloat_Type"),
  shape("Unicode", 4, "PyUnicode_Type"),
  shape("Tuple", 5, "PyTuple_Type"),
  shape("List", 6, "PyList_Type"),
  shape("Dict", 7, "PyDict_Type", "master"),
];

/** `Long` -> `HPyType_BuiltinShape_Long`. */
export function shapeEnumerator(s: BuiltinShape): string {
  return `HPyType_BuiltinShape_${s.name}`;
}
