/**
 * Emits the trampoline macros that HPyDef_* expand to, for both ABIs:
 *  - hpy/universal/autogen_trampolines.h: the `_HPyFunc_args_<SIG>` structs
 *    and, per signature, a CPython-signature function that packs its
 *    arguments and calls ctx_CallRealFunctionFromTrampoline (loading.md §8),
 *    or, for the signatures of hasDirectCall() and once the host has said
 *    so (_HPyInitDirectTrampolines_<name>), calls the implementation itself;
 *  - hpy/cpython/autogen_trampolines.h: per signature whose marshalling is
 *    generated, a CPython-signature function that calls the implementation
 *    directly (handles are PyObject*). The hand-marshalled ones are in
 *    hpy/cpython/hpyfunc_trampolines.h.
 */
import { signatures } from "../../api/index.ts";
import type { FuncSignature, TrampolineArg } from "../../api/index.ts";
import { cDecl } from "../c.ts";
import { cpyParamType, hasDirectCall, hasGeneratedCall, implArgExprs, implArgSources, shortName, UNIVERSAL_SPELLING } from "../signature-shapes.ts";
import type { GeneratedCall } from "../signature-shapes.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE, UNIVERSAL_SRC } from "../paths.ts";

/** Macro text: lines joined with backslash continuations. */
function macro(head: string, body: readonly string[]): string[] {
  const lines = [head, ...body];
  return lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l));
}

/** `(void)p;` for each parameter CPython passes and HPy does not use. */
function ignored(params: readonly TrampolineArg[] | undefined): string[] {
  return (params ?? []).map((p) => `(void)${p.name};`);
}

/**
 * The direct path of a universal trampoline: when the host has set this
 * signature's bit, the implementation is called as the host's
 * ctx_CallRealFunctionFromTrampoline would call it (same arguments, same
 * context), without packing the arguments; the compiler may then inline
 * the implementation into the trampoline.
 */
function directCall(sig: FuncSignature): string[] {
  if (!hasDirectCall(sig)) return [];
  const call = `IMPL(${["_ctx_for_trampolines", ...implArgExprs(sig, (a) => a, UNIVERSAL_SPELLING)].join(", ")})`;
  let stmt: string;
  if (sig.trampoline.result === null) stmt = `{ ${call}; return; }`;
  else if (returnsObjectAsHandle(sig)) stmt = `return _HPy_TRAMPOLINE_OBJ_OF_H(${call});`;
  else if (sig.implReturns === "HPy") stmt = `return _HPy_DIRECT_PY(${call});`;
  else stmt = `return ${call};`;
  return [`if (_HPy_DIRECT_TRAMPOLINE(${sig.name}))`, `    ${stmt}`];
}

/**
 * Whether the trampoline, which returns a `PyObject *` made from the HPy
 * its implementation returns, is declared to return `_HPy_TRAMPOLINE_OBJ`
 * (hpy_universal.h): HPy itself where the ABI returns it in the pointer's
 * register, so that the direct path's `return IMPL(...)` is a tail call.
 */
function returnsObjectAsHandle(sig: FuncSignature): boolean {
  return hasDirectCall(sig) && sig.implReturns === "HPy" && sig.trampoline.kind === "standard" && sig.trampoline.result === "cpy_PyObject *";
}

function readsTuple(sig: GeneratedCall): boolean {
  return implArgSources(sig).some((src) => src.kind === "tuple-items" || src.kind === "tuple-size");
}

/** The bits of the signatures `which`, as the lines of a macro's body. */
function directMask(which: (sig: GeneratedCall) => boolean = () => true): string[] {
  const bits = signatures.filter(hasDirectCall).filter(which).map((s) => {
    if (s.value < 0 || s.value > 63) throw new Error(`${s.name}: value ${s.value} does not fit in the 64-bit mask`);
    return `((uint64_t)1 << ${s.name})`;
  });
  return bits.map((b, i) => `    ${i === 0 ? "(" : " "}${b}${i < bits.length - 1 ? " |" : ")"}`);
}

function universalTrampoline(sig: FuncSignature): string[] {
  const name = sig.name;
  const head = `#define _HPyFunc_TRAMPOLINE_${name}(SYM, IMPL)`;
  const call = (args: string): string => `_HPy_CallRealFunctionFromTrampoline(_ctx_for_trampolines, ${name}, _HPy_AS_CFUNCTION(IMPL), ${args});`;
  const tr = sig.trampoline;
  if (tr.kind === "none") return [];
  if (tr.kind === "special") {
    if (tr.entry.kind === "aborts") return macro(head, ["    static void SYM(void) { abort(); }"]);
    return macro(head, [`    static void SYM(${cDecl(tr.entry.param.type, tr.entry.param.name)})`, "    {", `        ${call(tr.entry.param.name)}`, "    }"]);
  }
  const { args, result } = tr;
  const shared = tr.sharesArgsOf === undefined ? undefined : signatures.find((s) => s.name === tr.sharesArgsOf);
  if (tr.sharesArgsOf !== undefined && shared?.trampoline.kind !== "standard") throw new Error(`${name}: shares the args of ${tr.sharesArgsOf}, which has no args struct`);
  const fields = shared?.trampoline.kind === "standard" ? shared.trampoline.args : args;
  if (fields.length !== args.length) throw new Error(`${name}: ${args.length} args for the ${fields.length} fields of ${tr.sharesArgsOf ?? name}`);
  const structName = `_HPyFunc_args_${shortName(shared ?? sig)}`;
  const params = [...args, ...(tr.ignoredParams ?? [])].map((a) => cDecl(cpyParamType(a), a.name));
  // Field by field: an aggregate initializer leaving `result` out would
  // trip -Wmissing-field-initializers.
  const assign = args.map((a, i) => `a.${fields[i]!.name} = ${a.type === "HPy_RichCmpOp" ? `(HPy_RichCmpOp)${a.name}` : a.name};`);
  const asHandle = returnsObjectAsHandle(sig);
  const returns = asHandle ? "_HPy_TRAMPOLINE_OBJ" : result ?? "void";
  const generic = (fname: string, storage: string): string[] => [
    `    ${storage} ${cDecl(returns, fname)}(${params.join(", ")})`,
    "    {",
    ...ignored(tr.ignoredParams).map((l) => `        ${l}`),
    `        ${structName} a;`,
    ...assign.map((l) => `        ${l}`),
    `        ${call("&a")}`,
    ...(result !== null ? [`        return ${asHandle ? "_HPy_TRAMPOLINE_OBJ_OF_PY(a.result)" : "a.result"};`] : []),
    "    }",
  ];
  const direct = directCall(sig);
  if (direct.length === 0) return macro(head, generic("SYM", "static"));
  // The path through the host in a function of its own, so that the
  // direct path needs no stack frame and ends in a tail call.
  const argNames = [...args, ...(tr.ignoredParams ?? [])].map((a) => a.name).join(", ");
  const viaCtx = `${result !== null ? "return " : ""}SYM##_via_ctx(${argNames});`;
  return macro(head, [
    ...generic("SYM##_via_ctx", "static _HPy_NOINLINE"),
    `    static ${cDecl(returns, "SYM")}(${params.join(", ")})`,
    "    {",
    ...direct.map((l) => `        ${l}`),
    `        ${viaCtx}`,
    "    }",
  ]);
}

export function emitUniversalTrampolines(): GeneratedFile {
  const f = new GeneratedFile(
    `${INCLUDE}/hpy/universal/autogen_trampolines.h`,
    "c",
    "Argument structs and CPython-side trampolines of the universal ABI.",
  );
  includeGuard(f, () => {
    f.line("/* The signatures whose trampolines below can call the implementation");
    f.line(" * directly, one bit per HPyFunc_Signature value. */");
    f.lines_(macro("#define _HPY_DIRECT_TRAMPOLINE_SIGNATURES", directMask()));
    f.blank();
    f.line("/* Those of them whose direct path reads a tuple (at the offsets the host gives). */");
    f.lines_(macro("#define _HPY_DIRECT_TUPLE_SIGNATURES", directMask(readsTuple)));
    f.blank();
    for (const sig of signatures) {
      if (sig.trampoline.kind !== "standard" || sig.trampoline.sharesArgsOf !== undefined) continue;
      f.line("typedef struct {");
      for (const a of sig.trampoline.args) f.line(`    ${cDecl(a.type, a.name)};`);
      if (sig.trampoline.result !== null) f.line(`    ${cDecl(sig.trampoline.result, "result")};`);
      f.line(`} _HPyFunc_args_${shortName(sig)};`);
      f.blank();
    }
    for (const sig of signatures) {
      if (sig.trampoline.kind !== "standard" || sig.trampoline.sharesArgsOf === undefined) continue;
      f.line(`/* Same layout as _HPyFunc_args_${sig.trampoline.sharesArgsOf.replace(/^HPyFunc_/, "")}, which its trampolines fill. */`);
      f.line("typedef struct {");
      for (const a of sig.trampoline.args) f.line(`    ${cDecl(a.type, a.name)};`);
      if (sig.trampoline.result !== null) f.line(`    ${cDecl(sig.trampoline.result, "result")};`);
      f.line(`} _HPyFunc_args_${shortName(sig)};`);
      f.blank();
    }
    for (const sig of signatures) {
      const lines = universalTrampoline(sig);
      if (lines.length === 0) continue;
      f.lines_(lines);
      f.blank();
    }
  });
  return f;
}



function cpythonTrampoline(sig: FuncSignature): string[] {
  if (!hasGeneratedCall(sig)) throw new Error(`${sig.name}: marshalled by hand`);
  const { args, result, ignoredParams } = sig.trampoline;
  const params = [...args, ...(ignoredParams ?? [])].map((a) => cDecl(cpyParamType(a), a.name)).join(", ");
  const call = `IMPL(${["_HPyGetContext()", ...implArgExprs(sig, (a) => a)].join(", ")})`;
  let stmt: string;
  if (result === null) stmt = `${call};`;
  else if (sig.implReturns === "HPy") stmt = `return _h2py(${call});`;
  else stmt = `return ${call};`;
  return macro(`#define _HPyFunc_TRAMPOLINE_${sig.name}(SYM, IMPL)`, [
    `    static ${cDecl(result ?? "void", "SYM")}(${params})`,
    "    {",
    ...ignored(ignoredParams).map((l) => `        ${l}`),
    `        ${stmt}`,
    "    }",
  ]);
}

export function emitCPythonTrampolines(): GeneratedFile {
  const f = new GeneratedFile(
    `${INCLUDE}/hpy/cpython/autogen_trampolines.h`,
    "c",
    "CPython-side trampolines of the cpython ABI (direct calls).",
  );
  includeGuard(f, () => {
    for (const sig of signatures) {
      if (!hasGeneratedCall(sig)) continue;
      f.lines_(cpythonTrampoline(sig));
      f.blank();
    }
  });
  return f;
}

/**
 * The host side of the same protocol: for every signature whose marshalling
 * is generated, a `case` that unpacks the args struct, calls the
 * implementation with the context it was given and stores the result
 * (hpy/universal/src/autogen_call_real.h). The file holds case labels only:
 * the host includes it inside the one switch of
 * ctx_CallRealFunctionFromTrampoline, next to the hand-written cases of the
 * other signatures.
 */
export function emitHostCallRealFunction(): GeneratedFile {
  const f = new GeneratedFile(
    `${UNIVERSAL_SRC}/autogen_call_real.h`,
    "c",
    "Cases of ctx_CallRealFunctionFromTrampoline for the signatures marshalled by generated code (included inside its switch).",
  );
  for (const sig of signatures) {
    if (!hasGeneratedCall(sig)) continue;
    const result = sig.trampoline.result;
    const call = `((${sig.implTypedef})(void (*)(void))func)(${[
      ...(sig.takesContext ? ["ctx"] : []),
      ...implArgExprs(sig, (a) => `a->${a}`),
    ].join(", ")})`;
    f.line(`case ${sig.name}: {`);
    f.line(`    _HPyFunc_args_${shortName(sig)} *a = (_HPyFunc_args_${shortName(sig)} *)args;`);
    if (result === null) f.line(`    ${call};`);
    else if (sig.implReturns === "HPy") f.line(`    a->result = _h2py(${call});`);
    else f.line(`    a->result = ${call};`);
    f.line("    return;");
    f.line("}");
  }
  return f;
}
