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
