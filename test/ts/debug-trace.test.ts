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
import { cannotGenerateDebugWrapper, debugErrorValue, emitDebugCallReal, emitDebugDecl, emitDebugWrappers, isDebugHandWritten } from "../../codegen/emitters/debug.ts";
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

  test("generated debug wrappers return the member's error value from api/", () => {
    const problems: string[] = [];
    for (const m of functionMembers) {
      if (isDebugHandWritten(m)) continue;
      const v = debugErrorValue(m);
      if (m.returns === "void" ? v !== null : v === null) problems.push(`${m.name}: error value ${String(v)}`);
      const body = wrappers.slice(wrappers.indexOf(`debug_${ctxName(m)}_slow(`) >= 0 ? wrappers.indexOf(`debug_${ctxName(m)}_slow(`) : wrappers.indexOf(`debug_${ctxName(m)}(`));
      const ret = body.slice(0, body.indexOf("\n}")).match(/debug_not_executed\(d_fn\);\n\s+return ([^;]*);/);
      if (v !== null && ret?.[1] !== v) problems.push(`${m.name}: returns ${String(ret?.[1])}, api/ says ${v}`);
    }
    assert.deepEqual(problems, []);
  });

  test("predicates that cannot fail answer 0 in debug mode, an int status -1", () => {
    const byName = new Map(functionMembers.map((m) => [m.name, m]));
    assert.equal(byName.get("HPy_Is")?.errorValue, "0");
    assert.equal(byName.get("HPyIter_Check")?.errorValue, "0");
    assert.equal(byName.get("HPy_SetItem")?.errorValue, "-1");
    assert.match(wrappers, /debug_ctx_Is_slow\([^]*?return 0;/);
  });

  test("the generator refuses a member it cannot wrap and names the fix", () => {
    const close = functionMembers.find((m) => m.name === "HPy_Close")!;
    assert.match(String(cannotGenerateDebugWrapper(close)), /not borrowed/);
    const load = functionMembers.find((m) => m.name === "HPyField_Load")!;
    assert.match(String(cannotGenerateDebugWrapper(load)), /HPyField/);
    const add = functionMembers.find((m) => m.name === "HPy_Add")!;
    assert.equal(cannotGenerateDebugWrapper(add), null);
    for (const m of functionMembers) {
      if (!isDebugHandWritten(m)) assert.equal(cannotGenerateDebugWrapper(m), null, m.name);
    }
  });

  test("every signature marshalled by generated code has its debug case, the others none", () => {
    const generated = signatures.filter((s) => s.marshalling.kind !== "hand-written").map((s) => s.name);
    assert.ok(generated.includes("HPyFunc_KEYWORDS") && generated.includes("HPyFunc_NEWFUNC") && generated.length > 20);
    const cased = signatures.filter((s) => callReal.includes(`case ${s.name}: {`)).map((s) => s.name);
    assert.deepEqual(cased, generated);
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
