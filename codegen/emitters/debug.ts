/**
 * Emits the debug context's wrappers (hpy/debug/src/autogen_debug_wrappers.c
 * and autogen_debug_ctx_init.h). The debug context wraps the universal one:
 * every handle an extension sees is a debug handle. A generated wrapper
 * checks each handle argument (still open?), unwraps it, calls the universal
 * context and wraps a handle result in a new debug handle. Members whose
 * arguments are not plain handles or C values (builders, fields, arrays,
 * out-parameters...) are written by hand in hpy/debug/src/debug_ctx.c; only
 * their prototypes are emitted.
 */
import { contextMembers, ctxName, functionMembers } from "../../api/index.ts";
import type { FunctionMember } from "../../api/index.ts";
import { cFunctionHead, cParams } from "../c.ts";
import { GeneratedFile } from "../generated-file.ts";
import { DEBUG_SRC } from "../paths.ts";

/** Types that make a member need a hand-written debug wrapper. */
const HANDLE_LIKE = /HPy(Field|Global|ListBuilder|TupleBuilder|Tracker|ThreadState)|HPy \*|const HPy \*|HPyType_Spec|HPyCallFunction|HPyCapsule_Destructor|cpy_PyObject/;

/** Members with handle semantics beyond "borrow the arguments, own the result". */
const HAND_WRITTEN = new Set([
  "HPy_Dup",
  "HPy_Close",
  "_HPy_CallRealFunctionFromTrampoline",
  "HPyUnicode_AsUTF8AndSize",
  "HPyBytes_AsString",
  "HPyBytes_AS_STRING",
  "HPy_TypeCheck",
  "HPyType_IsSubtype",
  "HPyType_GetName",
  "_HPy_AsStruct_Object",
  "_HPy_AsStruct_Legacy",
  "_HPy_AsStruct_Type",
  "_HPy_AsStruct_Long",
  "_HPy_AsStruct_Float",
  "_HPy_AsStruct_Unicode",
  "_HPy_AsStruct_Tuple",
  "_HPy_AsStruct_List",
  "_HPy_AsStruct_Dict",
  "_HPy_New",
  "_HPy_Dump",
]);

export function isDebugHandWritten(m: FunctionMember): boolean {
  if (HAND_WRITTEN.has(m.name)) return true;
  if (HANDLE_LIKE.test(m.returns)) return true;
  return m.params.some((p) => HANDLE_LIKE.test(p.type));
}

function wrapper(m: FunctionMember): string[] {
  const name = `debug_${ctxName(m)}`;
  const params = cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *dctx");
  const args = ["uctx", ...m.params.map((p) => (p.type === "HPy" ? `debug_unwrap(dctx, ${p.name}, "${m.name}")` : p.name))];
  const call = `uctx->${ctxName(m)}(${args.join(", ")})`;
  const lines = [`static ${cFunctionHead(m.returns, name, params)}`, "{", "    HPyContext *uctx = debug_enter(dctx);"];
  if (m.returns === "void") lines.push(`    ${call};`);
  else if (m.returns === "HPy") lines.push(`    return debug_open(dctx, ${call});`);
  else lines.push(`    return ${call};`);
  lines.push("}");
  return lines;
}

export function emitDebugWrappers(): GeneratedFile {
  const f = new GeneratedFile(`${DEBUG_SRC}/autogen_debug_wrappers.h`, "c", "Debug-mode wrappers of the context functions.");
  for (const m of functionMembers) {
    if (isDebugHandWritten(m)) {
      f.line(`${cFunctionHead(m.returns, `debug_${ctxName(m)}`, cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *dctx"))};`);
    }
  }
  f.blank();
  for (const m of functionMembers) {
    if (isDebugHandWritten(m)) continue;
    f.lines_(wrapper(m));
    f.blank();
  }
  f.line("/* Fills a debug context: constants are debug handles opened by the caller. */");
  f.line("static void debug_ctx_fill_functions(HPyContext *dctx)");
  f.line("{");
  for (const m of contextMembers) {
    if (m.kind === "function") f.line(`    dctx->${ctxName(m)} = &debug_${ctxName(m)};`);
  }
  f.line("}");
  return f;
}
