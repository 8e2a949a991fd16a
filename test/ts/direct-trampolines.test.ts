/**
 * The direct paths of the universal trampolines (codegen/emitters/trampolines.ts,
 * hasDirectCall in codegen/signature-shapes.ts): which signatures have one,
 * and that the mask the host offers and the trampolines test agree.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { signatures } from "../../api/index.ts";
import { emitUniversalTrampolines } from "../../codegen/emitters/trampolines.ts";
import { entryPointSignatures } from "../../codegen/emitters/host-stubs.ts";
import { hasDirectCall } from "../../codegen/signature-shapes.ts";

const short = (name: string): string => name.replace(/^HPyFunc_/, "");

describe("direct trampolines", () => {
  const direct = new Set(signatures.filter(hasDirectCall).map((s) => short(s.name)));
  const text = emitUniversalTrampolines().content();

  test("the host entry points' signatures, except those whose arguments come in a tuple", () => {
    const pools = entryPointSignatures().map((s) => short(s.name));
    assert.deepEqual(pools.filter((n) => !direct.has(n)).sort(), ["INITPROC", "NEWFUNC"]);
    assert.ok([...direct].every((n) => pools.includes(n)));
    for (const n of ["NOARGS", "O", "VARARGS", "KEYWORDS", "LENFUNC", "SSIZEARGFUNC", "BINARYFUNC", "GETTER", "SETTER", "RICHCMPFUNC"])
      assert.ok(direct.has(n), `${n} should be direct`);
  });

  test("the mask has exactly the direct signatures' bits", () => {
    const mask = /#define _HPY_DIRECT_TRAMPOLINE_SIGNATURES \\\n([^#]*?)\n\n/.exec(text);
    assert.ok(mask, "no mask macro");
    const inMask = [...mask[1]!.matchAll(/<< HPyFunc_(\w+)\)/g)].map((m) => m[1]!);
    assert.deepEqual(inMask.sort(), [...direct].sort());
  });

  test("a direct signature's trampoline tests its bit and keeps the path through the context", () => {
    for (const sig of signatures) {
      const start = text.indexOf(`#define _HPyFunc_TRAMPOLINE_${sig.name}(SYM, IMPL)`);
      if (start < 0) continue;
      const end = text.indexOf("\n\n", start);
      const macro = text.slice(start, end < 0 ? undefined : end);
      const n = short(sig.name);
      assert.equal(macro.includes(`_HPy_DIRECT_TRAMPOLINE(${sig.name})`), direct.has(n), `${n}: direct test`);
      if (direct.has(n)) {
        assert.ok(macro.includes("IMPL(_ctx_for_trampolines, "), `${n}: no direct call`);
        assert.ok(macro.includes("static _HPy_NOINLINE"), `${n}: path through the context not out of line`);
      }
      if (macro.includes("_HPyFunc_args_")) assert.ok(macro.includes("_HPy_CallRealFunctionFromTrampoline("), `${n}: no generic path`);
    }
  });
});
