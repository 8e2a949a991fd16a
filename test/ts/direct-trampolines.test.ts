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

  test("exactly the host entry points' signatures", () => {
    const pools = entryPointSignatures().map((s) => short(s.name));
    assert.deepEqual([...direct].sort(), pools.sort());
    for (const n of ["NOARGS", "O", "VARARGS", "KEYWORDS", "LENFUNC", "SSIZEARGFUNC", "BINARYFUNC", "GETTER", "SETTER", "RICHCMPFUNC"])
      assert.ok(direct.has(n), `${n} should be direct`);
  });

  const maskOf = (macro: string): string[] => {
    const m = new RegExp(`#define ${macro} \\\\\n([^#]*?)\n\n`).exec(text);
    assert.ok(m, `no ${macro}`);
    return [...m[1]!.matchAll(/<< HPyFunc_(\w+)\)/g)].map((x) => x[1]!).sort();
  };

  test("the mask has exactly the direct signatures' bits", () => {
    assert.deepEqual(maskOf("_HPY_DIRECT_TRAMPOLINE_SIGNATURES"), [...direct].sort());
  });

  test("tp_new and tp_init are the ones that read a tuple", () => {
    assert.deepEqual(maskOf("_HPY_DIRECT_TUPLE_SIGNATURES"), ["INITPROC", "NEWFUNC"]);
    for (const n of ["INITPROC", "NEWFUNC"]) {
      const start = text.indexOf(`#define _HPyFunc_TRAMPOLINE_HPyFunc_${n}(SYM, IMPL)`);
      const macro = text.slice(start, text.indexOf("\n\n", start));
      assert.ok(macro.includes("_HPy_DIRECT_TUPLE_ITEMS(args), _HPy_DIRECT_TUPLE_SIZE(args)"), n);
    }
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
