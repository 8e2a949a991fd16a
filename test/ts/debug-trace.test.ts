/**
 * The generated parts of the debug and trace contexts cover the whole API:
 * every context function gets a debug wrapper (generated, or declared for
 * the hand-written ones) and a trace wrapper; members whose handles are not
 * simply borrowed are hand-written in debug mode; every regular
 * HPyFunc_Signature has its debug marshalling generated.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ctxName, functionMembers, signatures } from "../../api/index.ts";
import { debugErrorValue, emitDebugCallReal, emitDebugDecl, emitDebugWrappers, isDebugHandWritten } from "../../codegen/emitters/debug.ts";
import { emitTraceWrappers } from "../../codegen/emitters/trace.ts";

describe("debug and trace emitters", () => {
  const wrappers = emitDebugWrappers().content();
  const decl = emitDebugDecl().content();
  const callReal = emitDebugCallReal().content();
  const trace = emitTraceWrappers().content();

  test("every context function has exactly one debug wrapper", () => {
    const problems: string[] = [];
    for (const m of functionMembers) {
      const name = `debug_${ctxName(m)}(`;
      const generated = wrappers.includes(` ${name}`) || wrappers.includes(`*${name}`);
      const declared = decl.includes(` ${name}`) || decl.includes(`*${name}`);
      if (generated === declared) problems.push(`${m.name}: generated=${generated} declared=${declared}`);
      if (declared !== isDebugHandWritten(m)) problems.push(`${m.name}: declared but not hand-written`);
      if (!wrappers.includes(`dctx->${ctxName(m)} = &${name.slice(0, -1)};`)) problems.push(`${m.name}: not filled in`);
    }
    assert.deepEqual(problems, []);
  });

  test("members that close handles or take arrays/out-parameters of handles are hand-written", () => {
    const problems = functionMembers
      .filter((m) => m.params.some((p) => p.ownership === "closed" || /HPy \*/.test(p.type)))
      .filter((m) => !isDebugHandWritten(m))
      .map((m) => m.name);
    assert.deepEqual(problems, []);
  });

  test("generated debug wrappers return an error value of the right kind", () => {
    const problems: string[] = [];
    for (const m of functionMembers) {
      const v = debugErrorValue(m);
      if (m.returns === "void" ? v !== null : v === null) problems.push(m.name);
    }
    assert.deepEqual(problems, []);
  });

  test("every regular signature has its debug marshalling", () => {
    const expected = signatures.filter(
      (s) =>
        s.trampoline.kind === "standard" &&
        s.takesContext &&
        s.trampoline.args.length === s.implParams.length &&
        !["HPyFunc_KEYWORDS", "HPyFunc_GETBUFFERPROC", "HPyFunc_RELEASEBUFFERPROC", "HPyFunc_INITPROC", "HPyFunc_NEWFUNC", "HPyFunc_MOD_CREATE"].includes(s.name),
    );
    assert.ok(expected.length > 20);
    const missing = expected.filter((s) => !callReal.includes(`case ${s.name}: {`)).map((s) => s.name);
    assert.deepEqual(missing, []);
  });

  test("every context function has a trace wrapper and a name", () => {
    const problems: string[] = [];
    for (const m of functionMembers) {
      if (!trace.includes(`tctx->${ctxName(m)} = &trace_${ctxName(m)};`)) problems.push(`${m.name}: not filled in`);
      if (!trace.includes(`    "${ctxName(m)}",`)) problems.push(`${m.name}: no name`);
    }
    assert.deepEqual(problems, []);
  });
});
