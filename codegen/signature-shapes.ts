/**
 * Facts about HPyFunc signatures that several emitters need: how a CPython
 * trampoline's arguments turn into the implementation's parameters, and
 * which signatures do not map one-to-one and are handled by hand.
 */
import type { FuncSignature, TrampolineArg } from "../api/index.ts";

/**
 * Signatures whose CPython side differs in shape from the implementation
 * (keywords, init/new, buffers, traverse, destroy, capsules, module create):
 * their trampolines and dispatch cases are written by hand.
 */
export const IRREGULAR_SIGNATURES: ReadonlySet<string> = new Set([
  "HPyFunc_KEYWORDS",
  "HPyFunc_DESTROYFUNC",
  "HPyFunc_GETBUFFERPROC",
  "HPyFunc_RELEASEBUFFERPROC",
  "HPyFunc_INITPROC",
  "HPyFunc_NEWFUNC",
  "HPyFunc_TRAVERSEPROC",
  "HPyFunc_CAPSULE_DESTRUCTOR",
  "HPyFunc_VECTORCALLFUNC",
  "HPyFunc_MOD_CREATE",
]);

/** `HPyFunc_BINARYFUNC` -> `BINARYFUNC` (as in `_HPyFunc_args_BINARYFUNC`). */
export function shortName(sig: FuncSignature): string {
  return sig.name.replace(/^HPyFunc_/, "");
}

/** The CPython-side parameter type for a field of an args struct. */
export function cpyParamType(arg: TrampolineArg): string {
  return arg.type === "HPy_RichCmpOp" ? "int" : arg.type;
}

/** Converts the C expression `expr` of a CPython-side argument to the implementation's parameter type. */
export function toImplArg(expr: string, implType: string): string {
  if (implType === "HPy") return `_py2h(${expr})`;
  if (implType === "const HPy *") return `(const HPy *)${expr}`;
  if (implType === "HPy_RichCmpOp") return `(HPy_RichCmpOp)${expr}`;
  return expr;
}
