/**
 * Emits the generated parts of the debug context (hpy/debug/src):
 *
 *  - autogen_debug_wrappers.h: one wrapper per context function. The debug
 *    context wraps the universal one and every handle an extension sees is a
 *    debug handle. A generated wrapper checks that the context it was called
 *    with is still valid, checks each borrowed handle argument (open, and a
 *    debug handle at all) and unwraps it, calls the universal context, and
 *    wraps a handle result in a new debug handle. When a check fails and the
 *    violation is recovered from (raise mode, or an on-invalid-handle
 *    callback), the universal function is not called and the wrapper returns
 *    the member's error value. Members whose arguments are not plain handles
 *    or C values (builders, fields, arrays, out-parameters...) or that have
 *    checks of their own are written by hand in debug_ctx.c; only their
 *    prototypes are emitted.
 *
 *  - autogen_debug_call_real.h: the marshalling of debug
 *    ctx_CallRealFunctionFromTrampoline for every signature whose trampoline
 *    arguments map one-to-one onto the implementation's parameters: each
 *    incoming PyObject* becomes a fresh argument handle of the call frame, the
 *    implementation runs with the frame's own context, and the result is
 *    converted back (a returned handle becomes the new reference handed to
 *    CPython). The other signatures are written by hand in debug_ctx.c.
 */
import { contextMembers, ctxName, functionMembers, signatures } from "../../api/index.ts";
import type { FunctionMember } from "../../api/index.ts";
import { cDecl, cFunctionHead, cParams } from "../c.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { DEBUG_SRC } from "../paths.ts";
import { hasGeneratedCall, implArgExprs, implArgSources, shortName, type GeneratedCall } from "../signature-shapes.ts";

/**
 * Types a generated wrapper cannot check: handle-like structs, arrays and
 * out-parameters of handles, specs and legacy objects. A member using one
 * must say `debugWrapper: "hand-written"` in api/context.ts.
 */
const HANDLE_LIKE = /HPy(Field|Global|ListBuilder|TupleBuilder|Tracker|ThreadState)|HPy \*|const HPy \*|HPyType_Spec|HPyCallFunction|HPyCapsule_Destructor|cpy_PyObject/;

export function isDebugHandWritten(m: FunctionMember): boolean {
  return m.debugWrapper === "hand-written";
}

/** Why the generator cannot write the debug wrapper of `m`, or null if it can. */
export function cannotGenerateDebugWrapper(m: FunctionMember): string | null {
  if (HANDLE_LIKE.test(m.returns)) return `it returns ${m.returns}`;
  for (const p of m.params) {
    if (HANDLE_LIKE.test(p.type)) return `parameter ${p.name} is ${p.type}`;
    if (p.type === "HPy" && p.ownership !== "borrowed") return `handle argument ${p.name} is not borrowed`;
  }
  if (m.returns !== "void" && m.errorValue === null) return `it returns ${m.returns} and has no error value`;
  return null;
}

/** What a wrapper returns when a violation stops it from calling the universal context. */
export function debugErrorValue(m: FunctionMember): string | null {
  return m.errorValue;
}

function debugParams(m: FunctionMember): string {
  return cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *dctx");
}

/**
 * A wrapper with handle arguments is emitted twice: the checks above in full
 * (`_slow`, cold), and a fast path that makes no call before the universal
 * one (a valid context, every handle HPy_NULL or open in the chunk of the
 * last lookup) and otherwise hands over to the full version, which checks
 * everything again: the fast path then needs no saved registers, and the
 * call into the universal context is a tail call unless a handle is wrapped.
 */
function wrapper(m: FunctionMember): string[] {
  const handles = m.params.filter((p) => p.type === "HPy");
  if (handles.length === 0) return fullWrapper(m, `debug_${ctxName(m)}`, false);
  const name = `debug_${ctxName(m)}`;
  const slow = `${name}_slow`;
  const args = ["d_uctx", ...m.params.map((p) => (p.type === "HPy" ? `u_${p.name}` : p.name))];
  const call = `d_uctx->${ctxName(m)}(${args.join(", ")})`;
  const slowArgs = ["dctx", ...m.params.map((p) => p.name)].join(", ");
  const lines = [...fullWrapper(m, slow, true), ""];
  lines.push(`static ${cFunctionHead(m.returns, name, debugParams(m))}`, "{");
  lines.push(`    HPy ${handles.map((p) => `u_${p.name}`).join(", ")};`);
  const checks = ["debug_ctx_is_valid(dctx)", ...handles.map((p) => `debug_unwrap_fast(${p.name}, &u_${p.name})`)];
  lines.push(`    if (DEBUG_LIKELY(${checks.join(" &&\n                     ")})) {`);
  lines.push("        HPyContext *d_uctx = debug_state.uctx;");
  if (m.returns === "void") lines.push(`        ${call};`, "        return;");
  else if (m.returns === "HPy") lines.push(`        return debug_open(dctx, ${call}, "${m.name}");`);
  else lines.push(`        return ${call};`);
  lines.push("    }");
  if (m.returns === "void") lines.push(`    ${slow}(${slowArgs});`);
  else lines.push(`    return ${slow}(${slowArgs});`);
  lines.push("}");
  return lines;
}

function fullWrapper(m: FunctionMember, name: string, cold: boolean): string[] {
  const handles = m.params.filter((p) => p.type === "HPy");
  const why = cannotGenerateDebugWrapper(m);
  if (why !== null) throw new Error(`${m.name}: no debug wrapper can be generated (${why}); write it by hand and say debugWrapper: "hand-written" in api/`);
  const args = ["d_uctx", ...m.params.map((p) => (p.type === "HPy" ? `u_${p.name}` : p.name))];
  const call = `d_uctx->${ctxName(m)}(${args.join(", ")})`;
  const lines = [`static ${cold ? "DEBUG_COLD " : ""}${cFunctionHead(m.returns, name, debugParams(m))}`, "{", `    static const char d_fn[] = "${m.name}";`];
  lines.push("    HPyContext *d_uctx = debug_enter(dctx, d_fn);");
  if (handles.length > 0) lines.push(`    HPy ${handles.map((p) => `u_${p.name}`).join(", ")};`);
  const checks = ["d_uctx == NULL", ...handles.map((p) => `debug_unwrap(dctx, ${p.name}, d_fn, "${p.name}", &u_${p.name}) < 0`)];
  lines.push(`    if (${checks.join(" ||\n        ")}) {`);
  const err = debugErrorValue(m);
  if (err === null) {
    lines.push("        return;");
  } else {
    lines.push("        debug_not_executed(d_fn);", `        return ${err};`);
  }
  lines.push("    }");
  if (m.returns === "void") lines.push(`    ${call};`);
  else if (m.returns === "HPy") lines.push(`    return debug_open(dctx, ${call}, d_fn);`);
  else lines.push(`    return ${call};`);
  lines.push("}");
  return lines;
}

/** Prototypes of the hand-written wrappers (debug_wrappers.c), shared by their users. */
export function emitDebugDecl(): GeneratedFile {
  const f = new GeneratedFile(`${DEBUG_SRC}/autogen_debug_decl.h`, "c", "Prototypes of the hand-written debug-mode wrappers.");
  includeGuard(f, () => {
    for (const m of functionMembers) {
      if (isDebugHandWritten(m)) f.line(`_HPy_HIDDEN ${cFunctionHead(m.returns, `debug_${ctxName(m)}`, debugParams(m))};`);
    }
  });
  return f;
}

export function emitDebugWrappers(): GeneratedFile {
  const f = new GeneratedFile(`${DEBUG_SRC}/autogen_debug_wrappers.h`, "c", "Debug-mode wrappers of the context functions.");
  includeGuard(f, () => {
    f.line('#include "autogen_debug_decl.h"');
    f.blank();
    for (const m of functionMembers) {
      if (isDebugHandWritten(m)) continue;
      f.lines_(wrapper(m));
      f.blank();
    }
    f.line("/* Fills every function of a debug context (the constants are set by the caller). */");
    f.line("static void debug_ctx_fill_functions(HPyContext *dctx)");
    f.line("{");
    for (const m of functionMembers) f.line(`    dctx->${ctxName(m)} = &debug_${ctxName(m)};`);
    f.line("}");
    f.blank();
    f.line("/* Stores the debug handle of every context constant into dctx: `open_const`");
    f.line(" * makes the never-closing debug handle for a universal constant. */");
    f.line("static void debug_ctx_fill_constants(HPyContext *dctx, HPyContext *uctx,");
    f.line("                                     HPy (*open_const)(HPy uh, const char *name))");
    f.line("{");
    for (const m of contextMembers) {
      if (m.kind === "handle") f.line(`    dctx->${m.name} = open_const(uctx->${m.name}, "${m.name}");`);
    }
    f.line("}");
  });
  return f;
}



/**
 * The case of one signature whose marshalling is generated: handles of
 * single arguments are opened as argument handles of the frame and closed
 * after the call; handle arrays likewise up to DEBUG_FRAME_SMALL_ARGS items
 * (the frame's small arrays), else kept in the frame and closed by
 * debug_frame_leave.
 */
function callRealCase(sig: GeneratedCall): string[] {
  if (!sig.takesContext) throw new Error(`${sig.name}: a generated debug call frame needs a context`);
  const s = shortName(sig);
  const lines = [`    case ${sig.name}: {`, `        _HPyFunc_args_${s} *a = (_HPyFunc_args_${s} *)args;`];
  const callArgs = ["f->ctx"];
  const singles: string[] = [];
  const arrays: string[] = [];
  const exprs = implArgExprs(sig, (a) => `a->${a}`);
  const sources = implArgSources(sig);
  const openArray = (name: string, items: string, count: string): void => {
    if (arrays.length > 0) throw new Error(`${sig.name}: more than one handle array`);
    lines.push(`        HPy_ssize_t d_n_${name} = ${count};`);
    lines.push(`        const HPy *d_${name} = debug_frame_open_array(f, ${items}, d_n_${name});`);
    callArgs.push(`d_${name}`);
    arrays.push(`d_n_${name}`);
  };
  sources.forEach((src, i) => {
    const p = sig.implParams[i]!;
    if (src.kind === "vector") {
      const kw = `a->${src.kwnames}`;
      openArray(src.arg, `a->${src.arg}`, `(HPy_ssize_t)PyVectorcall_NARGS(a->${src.nargsf}) + (${kw} != NULL ? PyTuple_GET_SIZE(${kw}) : 0)`);
    } else if (src.kind === "tuple-items") {
      openArray(src.arg, `(PyObject *const *)(const void *)_HPy_TUPLE_ITEMS(a->${src.arg})`, `PyTuple_GET_SIZE(a->${src.arg})`);
    } else if (src.kind === "arg" && p.type === "HPy") {
      lines.push(`        DebugHandle *d_${src.arg} = debug_frame_open_arg(f, a->${src.arg});`);
      callArgs.push(`debug_as_hpy(d_${src.arg})`);
      singles.push(`d_${src.arg}`);
    } else if (src.kind === "arg" && p.type === "const HPy *") {
      // a one-to-one array: its count is the next argument
      const count = sources[i + 1];
      if (count?.kind !== "arg") throw new Error(`${sig.name}: handle array ${src.arg} without a count`);
      openArray(src.arg, `a->${src.arg}`, `(HPy_ssize_t)a->${count.arg}`);
    } else {
      callArgs.push(exprs[i]!);
    }
  });
  const call = `((${sig.implTypedef})(void (*)(void))func)(${callArgs.join(", ")})`;
  const closes = [
    ...singles.map((d) => `        debug_frame_close_arg(f, ${d});`),
    ...arrays.map((n) => `        debug_frame_close_array(f, ${n});`),
  ];
  if (sig.trampoline.result === null) {
    lines.push(`        ${call};`, ...closes, "        debug_frame_leave_void(f);");
  } else if (sig.implReturns === "HPy") {
    lines.push(`        HPy r = ${call};`, "        PyObject *res = debug_frame_result(f, r);", ...closes, "        a->result = debug_frame_leave_obj(f, res);");
  } else {
    if (sig.errorValue === null) throw new Error(`${sig.name}: returns ${sig.implReturns} without an error value`);
    lines.push(`        ${cDecl(sig.implReturns, "r")} = ${call};`, ...closes, `        a->result = debug_frame_leave(f) ? (${sig.implReturns})${sig.errorValue} : r;`);
  }
  lines.push("        return 1;", "    }");
  return lines;
}

export function emitDebugCallReal(): GeneratedFile {
  const f = new GeneratedFile(
    `${DEBUG_SRC}/autogen_debug_call_real.h`,
    "c",
    "Debug-mode marshalling of ctx_CallRealFunctionFromTrampoline for the signatures marshalled by generated code.",
  );
  includeGuard(f, () => {
    f.line("/* The name of a signature, for messages. */");
    f.line("static const char *debug_signature_name(HPyFunc_Signature sig)");
    f.line("{");
    f.line("    switch (sig) {");
    for (const sig of signatures) f.line(`    case ${sig.name}: return "${sig.name}";`);
    f.line('    default: return "HPyFunc_<unknown>";');
    f.line("    }");
    f.line("}");
    f.blank();
    f.line("/* Runs `func` in the call frame `f` (already entered) if the marshalling of");
    f.line(" * `sig` is generated (api/signatures.ts):");
    f.line(" * the handles of single arguments and of small arrays are opened and closed");
    f.line(" * around the call, those of larger arrays are closed by debug_frame_leave,");
    f.line(" * which also converts the result. Returns 1 if `sig` was handled here, 0 if");
    f.line(" * the caller must handle it. */");
    f.line("static DEBUG_ALWAYS_INLINE int");
    f.line("debug_call_real_regular(DebugFrame *f, HPyFunc_Signature sig, HPyCFunction func, void *args)");
    f.line("{");
    f.line("    switch (sig) {");
    for (const sig of signatures) {
      if (hasGeneratedCall(sig)) f.lines_(callRealCase(sig));
    }
    f.line("    default:");
    f.line("        return 0;");
    f.line("    }");
    f.line("}");
  });
  return f;
}
