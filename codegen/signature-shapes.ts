/**
 * Facts about HPyFunc signatures that several emitters need, all read from
 * the signature's `marshalling` in api/signatures.ts: which signatures are
 * marshalled by generated code, and the C expressions that turn a
 * trampoline's arguments into the implementation's.
 */
import type { FuncSignature, ImplArgSource, TrampolineArg } from "../api/index.ts";

/** A signature whose implementation call is generated: its trampoline is standard and has a typedef. */
export type GeneratedCall = FuncSignature & {
  readonly implTypedef: string;
  readonly trampoline: Extract<FuncSignature["trampoline"], { kind: "standard" }>;
};

/** Whether the implementation's arguments are made from the trampoline's by generated code. */
export function hasGeneratedCall(sig: FuncSignature): sig is GeneratedCall {
  if (sig.marshalling.kind === "hand-written") return false;
  if (sig.trampoline.kind !== "standard" || sig.implTypedef === null) {
    throw new Error(`${sig.name}: marshalling ${sig.marshalling.kind} needs a standard trampoline and an implementation typedef`);
  }
  const n = sig.marshalling.kind === "one-to-one" ? sig.trampoline.args.length : sig.marshalling.implArgs.length;
  if (n !== sig.implParams.length) throw new Error(`${sig.name}: ${n} implementation arguments for ${sig.implParams.length} parameters`);
  return true;
}

/** Where each implementation argument comes from (one-to-one spelled out). */
export function implArgSources(sig: GeneratedCall): readonly ImplArgSource[] {
  if (sig.marshalling.kind === "unpacked") return sig.marshalling.implArgs;
  return sig.trampoline.args.map((a) => ({ kind: "arg", arg: a.name }));
}

/**
 * How the conversions from CPython's arguments are spelled in C: with the
 * C API's macros where the code sees Python.h (the cpython ABI, the host),
 * or with the universal headers' own macros in a universal binary, which
 * sees neither Python.h nor the layout of CPython's objects. A spelling
 * without `tupleItems`/`tupleSize` cannot read a tuple (canSpell).
 */
export interface ConversionSpelling {
  /** A handle from a `PyObject *` expression. */
  readonly handle: (expr: string) => string;
  /** The positional count of a vectorcall `nargsf`. */
  readonly vectorNargs: (expr: string) => string;
  readonly tupleItems?: (expr: string) => string;
  readonly tupleSize?: (expr: string) => string;
}

export const C_API_SPELLING: ConversionSpelling = {
  handle: (x) => `_py2h(${x})`,
  vectorNargs: (x) => `(size_t)PyVectorcall_NARGS(${x})`,
  tupleItems: (x) => `_HPy_TUPLE_ITEMS(${x})`,
  tupleSize: (x) => `PyTuple_GET_SIZE(${x})`,
};

/** hpy/universal/hpy_universal.h defines these for the direct trampolines
 * (a tuple is read at the offsets the host hands over). */
export const UNIVERSAL_SPELLING: ConversionSpelling = {
  handle: (x) => `_HPy_DIRECT_H(${x})`,
  vectorNargs: (x) => `_HPy_DIRECT_VECTORCALL_NARGS(${x})`,
  tupleItems: (x) => `_HPy_DIRECT_TUPLE_ITEMS(${x})`,
  tupleSize: (x) => `_HPy_DIRECT_TUPLE_SIZE(${x})`,
};

/** Whether every implementation argument of `sig` can be made with `spelling`. */
export function canSpell(sig: GeneratedCall, spelling: ConversionSpelling): boolean {
  return implArgSources(sig).every(
    (src) => (src.kind !== "tuple-items" || spelling.tupleItems !== undefined) && (src.kind !== "tuple-size" || spelling.tupleSize !== undefined),
  );
}

/**
 * The C expressions of the implementation's arguments (without the
 * context), `access(name)` being the expression of a trampoline argument.
 */
export function implArgExprs(sig: GeneratedCall, access: (arg: string) => string, spelling: ConversionSpelling = C_API_SPELLING): string[] {
  const need = <T>(f: T | undefined, what: string): T => {
    if (f === undefined) throw new Error(`${sig.name}: ${what} cannot be spelled here`);
    return f;
  };
  return implArgSources(sig).map((src, i) => {
    const x = access(src.arg);
    switch (src.kind) {
      case "arg":
        return toImplArg(x, sig.implParams[i]!.type, spelling);
      case "vector":
        return `(const HPy *)${x}`;
      case "vector-nargs":
        return spelling.vectorNargs(x);
      case "tuple-items":
        return need(spelling.tupleItems, "a tuple's items")(x);
      case "tuple-size":
        return need(spelling.tupleSize, "a tuple's size")(x);
    }
  });
}

/**
 * Whether a universal binary's trampoline for `sig` may call the
 * implementation itself when its host allows it (the direct trampolines,
 * hpy/universal/hpy_universal.h): the marshalling is generated, so the
 * host's ctx_CallRealFunctionFromTrampoline would do nothing but call the
 * implementation with the context and the PyObject pointers as handles,
 * and every argument converts with what the binary knows (the tuple's
 * layout comes from the host). The host gives its own entry points
 * (emitters/host-stubs.ts) to the same signatures; a test compares them.
 */
export function hasDirectCall(sig: FuncSignature): sig is GeneratedCall {
  return hasGeneratedCall(sig) && sig.takesContext && canSpell(sig, UNIVERSAL_SPELLING);
}

/** `HPyFunc_BINARYFUNC` -> `BINARYFUNC` (as in `_HPyFunc_args_BINARYFUNC`). */
export function shortName(sig: FuncSignature): string {
  return sig.name.replace(/^HPyFunc_/, "");
}

/** The CPython-side parameter type for a field of an args struct. */
export function cpyParamType(arg: TrampolineArg): string {
  return arg.type === "HPy_RichCmpOp" ? "int" : arg.type;
}

/** Converts the C expression `expr` of a CPython-side argument to the implementation's parameter type. */
export function toImplArg(expr: string, implType: string, spelling: ConversionSpelling = C_API_SPELLING): string {
  if (implType === "HPy") return spelling.handle(expr);
  if (implType === "const HPy *") return `(const HPy *)${expr}`;
  if (implType === "HPy_RichCmpOp") return `(HPy_RichCmpOp)${expr}`;
  return expr;
}
