/**
 * Emits the trampoline macros that HPyDef_* expand to, for both ABIs:
 *  - hpy/universal/autogen_trampolines.h: the `_HPyFunc_args_<SIG>` structs
 *    and, per signature, a CPython-signature function that packs its
 *    arguments and calls ctx_CallRealFunctionFromTrampoline (loading.md §8);
 *  - hpy/cpython/autogen_trampolines.h: per signature, a CPython-signature
 *    function that calls the implementation directly (handles are PyObject*).
 * Signatures whose CPython side differs in shape from the implementation
 * (keywords, init/new, buffers, traverse, destroy, capsules, module create)
 * get hand-written cpython-ABI trampolines in hpy/cpython/hpyfunc_trampolines.h.
 */
import { signatures } from "../../api/index.ts";
import type { FuncSignature, TrampolineArg } from "../../api/index.ts";
import { cDecl } from "../c.ts";
import { IRREGULAR_SIGNATURES, cpyParamType, shortName, toImplArg } from "../signature-shapes.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE, UNIVERSAL_SRC } from "../paths.ts";



/** Macro text: lines joined with backslash continuations. */
function macro(head: string, body: readonly string[]): string[] {
  const lines = [head, ...body];
  return lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l));
}

function universalTrampoline(sig: FuncSignature): string[] {
  const name = sig.name;
  const head = `#define _HPyFunc_TRAMPOLINE_${name}(SYM, IMPL)`;
  if (sig.trampoline.kind === "none") return [];
  if (name === "HPyFunc_DESTROYFUNC") {
    // The host calls destroy functions itself; this entry point must never run.
    return macro(head, ["    static void SYM(void) { abort(); }"]);
  }
  if (name === "HPyFunc_CAPSULE_DESTRUCTOR") {
    return macro(head, [
      "    static void SYM(cpy_PyObject *capsule)",
      "    {",
      `        _HPy_CallRealFunctionFromTrampoline(_ctx_for_trampolines, ${name}, _HPy_AS_CFUNCTION(IMPL), capsule);`,
      "    }",
    ]);
  }
  if (sig.trampoline.kind !== "standard") throw new Error(`no trampoline rule for ${name}`);
  const { args, result } = sig.trampoline;
  const structName = name === "HPyFunc_MOD_CREATE" ? "_HPyFunc_args_UNARYFUNC" : `_HPyFunc_args_${shortName(sig)}`;
  const params = args.map((a) => cDecl(cpyParamType(a), a.name));
  if (name === "HPyFunc_MOD_CREATE") params.push("cpy_PyModuleDef *def");
  // Field by field: an aggregate initializer leaving `result` out would
  // trip -Wmissing-field-initializers.
  // Module-create trampolines fill the UNARYFUNC struct, whose field is arg0.
  const field = (a: TrampolineArg): string => (name === "HPyFunc_MOD_CREATE" ? "arg0" : a.name);
  const assign = args.map((a) => `a.${field(a)} = ${a.type === "HPy_RichCmpOp" ? `(HPy_RichCmpOp)${a.name}` : a.name};`);
  const body = [
    `    static ${cDecl(result ?? "void", "SYM")}(${params.join(", ")})`,
    "    {",
    ...(name === "HPyFunc_MOD_CREATE" ? ["        (void)def;"] : []),
    `        ${structName} a;`,
    ...assign.map((l) => `        ${l}`),
    `        _HPy_CallRealFunctionFromTrampoline(_ctx_for_trampolines, ${name}, _HPy_AS_CFUNCTION(IMPL), &a);`,
    ...(result !== null ? ["        return a.result;"] : []),
    "    }",
  ];
  return macro(head, body);
}

export function emitUniversalTrampolines(): GeneratedFile {
  const f = new GeneratedFile(
    `${INCLUDE}/hpy/universal/autogen_trampolines.h`,
    "c",
    "Argument structs and CPython-side trampolines of the universal ABI.",
  );
  includeGuard(f, () => {
    for (const sig of signatures) {
      if (sig.trampoline.kind !== "standard" || sig.name === "HPyFunc_MOD_CREATE") continue;
      f.line("typedef struct {");
      for (const a of sig.trampoline.args) f.line(`    ${cDecl(a.type, a.name)};`);
      if (sig.trampoline.result !== null) f.line(`    ${cDecl(sig.trampoline.result, "result")};`);
      f.line(`} _HPyFunc_args_${shortName(sig)};`);
      f.blank();
    }
    f.line("/* Same layout as _HPyFunc_args_UNARYFUNC, which module-create trampolines fill. */");
    f.line("typedef struct {").line("    cpy_PyObject *spec;").line("    cpy_PyObject *result;").line("} _HPyFunc_args_MOD_CREATE;");
    f.blank();
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
  if (sig.trampoline.kind !== "standard") throw new Error(`no cpython trampoline rule for ${sig.name}`);
  const { args, result } = sig.trampoline;
  if (args.length !== sig.implParams.length) throw new Error(`${sig.name}: arity differs; write it by hand`);
  const params = args.map((a) => cDecl(cpyParamType(a), a.name)).join(", ");
  const call = `IMPL(${["_HPyGetContext()", ...args.map((a, i) => toImplArg(a.name, sig.implParams[i]!.type))].join(", ")})`;
  let stmt: string;
  if (result === null) stmt = `${call};`;
  else if (sig.implReturns === "HPy") stmt = `return _h2py(${call});`;
  else stmt = `return ${call};`;
  return macro(`#define _HPyFunc_TRAMPOLINE_${sig.name}(SYM, IMPL)`, [
    `    static ${cDecl(result ?? "void", "SYM")}(${params})`,
    "    {",
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
      if (IRREGULAR_SIGNATURES.has(sig.name)) continue;
      f.lines_(cpythonTrampoline(sig));
      f.blank();
    }
  });
  return f;
}

/**
 * The host side of the same protocol: for every signature whose trampoline
 * arguments map one-to-one onto the implementation's parameters, a `case`
 * that unpacks the args struct, calls the implementation with the context it
 * was given and stores the result (hpy/universal/src/autogen_call_real.h).
 * The file holds case labels only: the host includes it inside the one
 * switch of ctx_CallRealFunctionFromTrampoline, next to the hand-written
 * cases of the other signatures.
 */
export function emitHostCallRealFunction(): GeneratedFile {
  const f = new GeneratedFile(
    `${UNIVERSAL_SRC}/autogen_call_real.h`,
    "c",
    "Cases of ctx_CallRealFunctionFromTrampoline for the regular signatures (included inside its switch).",
  );
  for (const sig of signatures) {
    if (IRREGULAR_SIGNATURES.has(sig.name) || sig.trampoline.kind !== "standard" || sig.implTypedef === null) continue;
    const { args, result } = sig.trampoline;
    if (args.length !== sig.implParams.length) continue;
    const call = `((${sig.implTypedef})(void (*)(void))func)(${[
      ...(sig.takesContext ? ["ctx"] : []),
      ...args.map((a, i) => toImplArg(`a->${a.name}`, sig.implParams[i]!.type)),
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
