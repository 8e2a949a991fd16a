/**
 * The host entry points emitter (codegen/emitters/host-stubs.ts): which
 * signatures get a pool, and the shape of the generated stubs.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { signatures } from "../../api/index.ts";
import { ENTRY_POINT_POOL_SIZE, emitHostEntryPoints, entryPointSignatures } from "../../codegen/emitters/host-stubs.ts";

describe("host entry points", () => {
  const names = new Set(entryPointSignatures().map((s) => s.name.replace(/^HPyFunc_/, "")));

  test("methods, get-sets and the common slot signatures have a pool", () => {
    for (const n of ["NOARGS", "O", "VARARGS", "KEYWORDS", "GETTER", "SETTER", "UNARYFUNC", "BINARYFUNC",
      "TERNARYFUNC", "LENFUNC", "SSIZEARGFUNC", "OBJOBJPROC", "OBJOBJARGPROC", "INQUIRY", "HASHFUNC",
      "REPRFUNC", "RICHCMPFUNC", "GETITERFUNC", "ITERNEXTFUNC", "INITPROC", "NEWFUNC", "DESTRUCTOR"])
      assert.ok(names.has(n), `${n} has no pool`);
  });

  test("exactly the signatures marshalled by generated code (api/signatures.ts) have a pool", () => {
    const want = signatures.filter((s) => s.marshalling.kind !== "hand-written").map((s) => s.name.replace(/^HPyFunc_/, ""));
    assert.deepEqual([...names].sort(), want.sort());
    for (const n of ["DESTROYFUNC", "TRAVERSEPROC", "GETBUFFERPROC", "RELEASEBUFFERPROC", "CAPSULE_DESTRUCTOR", "MOD_CREATE"])
      assert.ok(!names.has(n), `${n} should not have a pool`);
  });

  test("every pool has one stub per slot and an entry in the pool table", () => {
    const text = emitHostEntryPoints().content();
    assert.ok(text.includes(`#define _HPY_EP_POOL_SIZE ${ENTRY_POINT_POOL_SIZE}`));
    for (const n of names) {
      assert.ok(text.includes(`_HPY_EP_DEF_${n}(${ENTRY_POINT_POOL_SIZE - 1})`), `${n}: last stub missing`);
      assert.ok(!text.includes(`_HPY_EP_DEF_${n}(${ENTRY_POINT_POOL_SIZE})`), `${n}: one stub too many`);
      assert.ok(text.includes(`case HPyFunc_${n}: return &_hpy_ep_pools[`), `${n}: not in _hpy_ep_pool_for`);
    }
  });
});
