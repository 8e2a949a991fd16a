/**
 * Emits the trace context's wrappers (hpy/trace/src/autogen_trace_wrappers.h).
 * The trace context wraps the universal one and passes handles through
 * unchanged; each wrapper counts the call and measures its duration around
 * the call into the universal context. ctx_CallRealFunctionFromTrampoline is
 * hand-written: it must hand the *trace* context to the implementation.
 */
import { contextMembers, ctxName, functionMembers } from "../../api/index.ts";
import type { FunctionMember } from "../../api/index.ts";
import { cDecl, cFunctionHead, cParams } from "../c.ts";
import { GeneratedFile } from "../generated-file.ts";
import { TRACE_SRC } from "../paths.ts";

const HAND_WRITTEN = new Set(["_HPy_CallRealFunctionFromTrampoline"]);

function wrapper(m: FunctionMember): string[] {
  const params = cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *tctx");
  const call = `uctx->${ctxName(m)}(${["uctx", ...m.params.map((p) => p.name)].join(", ")})`;
  const lines = [
    `static ${cFunctionHead(m.returns, `trace_${ctxName(m)}`, params)}`,
    "{",
    "    HPyTraceTimestamp start;",
    `    HPyContext *uctx = trace_enter(tctx, ${m.id}, &start);`,
  ];
  if (m.returns === "void") {
    lines.push(`    ${call};`, `    trace_exit(tctx, ${m.id}, &start);`);
  } else {
    lines.push(`    ${cDecl(m.returns, "res")} = ${call};`);
    lines.push(`    trace_exit(tctx, ${m.id}, &start);`, "    return res;");
  }
  lines.push("}");
  return lines;
}

export function emitTraceWrappers(): GeneratedFile {
  const f = new GeneratedFile(`${TRACE_SRC}/autogen_trace_wrappers.h`, "c", "Trace-mode wrappers of the context functions.");
  f.line("/* Names of the context functions, indexed by member id (NULL for handles). */");
  f.line(`static const char *const trace_names[${contextMembers.length}] = {`);
  for (const m of contextMembers) f.line(m.kind === "function" ? `    "${ctxName(m)}",` : "    NULL,");
  f.line("};");
  f.blank();
  for (const m of functionMembers) {
    if (HAND_WRITTEN.has(m.name)) {
      f.line(`${cFunctionHead(m.returns, `trace_${ctxName(m)}`, cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *tctx"))};`);
      f.blank();
      continue;
    }
    f.lines_(wrapper(m));
    f.blank();
  }
  f.line("static void trace_ctx_fill_functions(HPyContext *tctx)");
  f.line("{");
  for (const m of functionMembers) f.line(`    tctx->${ctxName(m)} = &trace_${ctxName(m)};`);
  f.line("}");
  return f;
}
