/**
 * Emits the trace context's wrappers (hpy/trace/src/autogen_trace_wrappers.h).
 * The trace context wraps the universal one and passes handles through
 * unchanged; each wrapper counts the call and measures its duration around
 * the call into the universal context (trace_enter / trace_exit, in
 * trace_ctx.c). Members with `traceWrapper: "hand-written"` in api/ (the
 * call of an implementation, which must get the *trace* context) are
 * written in trace_ctx.c; only their prototypes are emitted.
 */
import { contextMembers, ctxName, functionMembers } from "../../api/index.ts";
import type { FunctionMember } from "../../api/index.ts";
import { cDecl, cFunctionHead, cParams } from "../c.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { TRACE_SRC } from "../paths.ts";

function traceParams(m: FunctionMember): string {
  return cParams(m.params).replace(/^HPyContext \*ctx/, "HPyContext *tctx");
}

function wrapper(m: FunctionMember): string[] {
  const call = `t_uctx->${ctxName(m)}(${["t_uctx", ...m.params.map((p) => p.name)].join(", ")})`;
  const lines = [
    `static ${cFunctionHead(m.returns, `trace_${ctxName(m)}`, traceParams(m))}`,
    "{",
    "    HPyTraceTimestamp t_start;",
    `    HPyContext *t_uctx = trace_enter(tctx, ${m.id}, &t_start);`,
  ];
  if (m.returns === "void") {
    lines.push(`    ${call};`, `    trace_exit(tctx, ${m.id}, &t_start);`);
  } else {
    lines.push(`    ${cDecl(m.returns, "t_res")} = ${call};`);
    lines.push(`    trace_exit(tctx, ${m.id}, &t_start);`, "    return t_res;");
  }
  lines.push("}");
  return lines;
}

export function emitTraceWrappers(): GeneratedFile {
  const f = new GeneratedFile(`${TRACE_SRC}/autogen_trace_wrappers.h`, "c", "Trace-mode wrappers of the context functions.");
  includeGuard(f, () => {
    f.line("/* Number of context members (handles and functions). */");
    f.line(`#define TRACE_NMEMBERS ${contextMembers.length}`);
    f.blank();
    f.line("/* Names of the context functions, indexed by member id (NULL for handles). */");
    f.line("static const char *const trace_names[TRACE_NMEMBERS] = {");
    for (const m of contextMembers) f.line(m.kind === "function" ? `    "${ctxName(m)}",` : "    NULL,");
    f.line("};");
    f.blank();
    f.line("/* Written by hand in trace_ctx.c. */");
    for (const m of functionMembers) {
      if (m.traceWrapper !== "hand-written") continue;
      f.line(`#define TRACE_ID_${ctxName(m)} ${m.id}`);
      f.line(`_HPy_HIDDEN ${cFunctionHead(m.returns, `trace_${ctxName(m)}`, traceParams(m))};`);
    }
    f.blank();
    for (const m of functionMembers) {
      if (m.traceWrapper === "hand-written") continue;
      f.lines_(wrapper(m));
      f.blank();
    }
    f.line("/* Fills every function of a trace context (the constants are set by the caller). */");
    f.line("static void trace_ctx_fill_functions(HPyContext *tctx)");
    f.line("{");
    for (const m of functionMembers) f.line(`    tctx->${ctxName(m)} = &trace_${ctxName(m)};`);
    f.line("}");
  });
  return f;
}
