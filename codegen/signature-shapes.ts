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
 * The C expressions of the implementation's arguments (without the
 * context), `access(name)` being the expression of a trampoline argument.
 */
export function implArgExprs(sig: GeneratedCall, access: (arg: string) => string): string[] {
  return implArgSources(sig).map((src, i) => {
    const x = access(src.arg);
    switch (src.kind) {
      case "arg":
        return toImplArg(x, sig.implParams[i]!.type);
      case "vector":
        return `(const HPy *)${x}`;
      case "vector-nargs":
        return `(size_t)PyVectorcall_NARGS(${x})`;
      case "tuple-items":
        return `_HPy_TUPLE_ITEMS(${x})`;
      case "tuple-size":
        return `PyTuple_GET_SIZE(${x})`;
    }
  });
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
export function toImplArg(expr: string, implType: string): string {
  if (implType === "HPy") return `_py2h(${expr})`;
  if (implType === "const HPy *") return `(const HPy *)${expr}`;
  if (implType === "HPy_RichCmpOp") return `(HPy_RichCmpOp)${expr}`;
  return expr;
}
