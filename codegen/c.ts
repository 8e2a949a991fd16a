/**
 * Small printers for C declarations built from the API description.
 */
import type { FunctionMember, Param } from "../api/index.ts";

/** `type name`, with pointer stars attached to the name: `const char *s`. */
export function cDecl(type: string, name: string): string {
  return type.endsWith("*") ? `${type}${name}` : `${type} ${name}`;
}

/** Parameter list including the leading context parameter. */
export function cParams(params: readonly Param[], ctxType = "HPyContext *"): string {
  return [cDecl(ctxType, "ctx"), ...params.map((p) => cDecl(p.type, p.name))].join(", ");
}

/** Argument list forwarding the parameters (with `ctx` first). */
export function cArgs(params: readonly Param[]): string {
  return ["ctx", ...params.map((p) => p.name)].join(", ");
}

/** Return type of the public wrapper of a function member. */
export function wrapperReturnType(m: FunctionMember): string {
  return m.wrapperReturns ?? m.returns;
}

/** `T name(params)` as a prototype fragment; stars attach to the name. */
export function cFunctionHead(returns: string, name: string, params: string): string {
  return `${cDecl(returns, name)}(${params})`;
}

/**
 * A C comment holding `doc` (one-line docs of api/), wrapped to `width`
 * columns, placed above a declaration so that editors show it.
 */
export function docComment(doc: string, indent = "", width = 100): string[] {
  if (doc.includes("*/")) throw new Error(`a doc cannot hold "*/": ${doc}`);
  const words = doc.trim().split(/\s+/);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur !== "" && indent.length + 3 + cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else {
      cur = cur === "" ? w : `${cur} ${w}`;
    }
  }
  lines.push(cur);
  if (lines.length === 1) return [`${indent}/* ${lines[0]!} */`];
  return lines.map((l, i) => `${indent}${i === 0 ? "/* " : " * "}${l}${i === lines.length - 1 ? " */" : ""}`);
}
