/**
 * The C body that implements a directly mapped member with the C API. Used
 * both for the cpython ABI's inline functions and for the universal host's
 * context functions: in both, a handle is the PyObject* itself, so the
 * conversions `_h2py` / `_py2h` are free.
 */
import type { FunctionMember, Param } from "../api/index.ts";

function toPy(p: Param): string {
  switch (p.type) {
    case "HPy":
      return `_h2py(${p.name})`;
    case "HPyThreadState":
      return `_h2threads(${p.name})`;
    case "HPy_ssize_t *":
      return `(Py_ssize_t *)${p.name}`;
    default:
      return p.name;
  }
}

/**
 * Body lines. `returnsHPyNull`: the function being defined returns HPy
 * although the member returns void (the public error setters). `newHandle`:
 * the macro or function that turns the PyObject* result into the returned
 * value, for members returning HPy.
 */
export function directCallBody(m: FunctionMember, returnsHPyNull: boolean, newHandle = "_py2h"): string[] {
  if (m.cpython.kind !== "direct") throw new Error(`${m.name} is not directly mapped`);
  const call = `${m.cpython.function}(${m.params.map(toPy).join(", ")})`;
  const lines = ["    (void)ctx;"];
  if (m.returns === "void") {
    lines.push(`    ${call};`);
    if (returnsHPyNull) lines.push("    return HPy_NULL;");
  } else if (m.returns === "HPy") {
    lines.push(`    return ${newHandle}(${call});`);
  } else if (m.returns === "HPyThreadState") {
    lines.push(`    return _threads2h(${call});`);
  } else {
    lines.push(`    return ${call};`);
  }
  return lines;
}
