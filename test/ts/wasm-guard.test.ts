/**
 * The message of the debug mode's entry guard (wasm/src/install-core.ts):
 * what a fault was, and the innermost frame of an HPy module in its stack.
 * The guard itself is tested end to end by test/test_wasm_debug.py.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFault } from "../../wasm/src/install-core.ts";

function withStack<E extends Error>(e: E, frames: string[]): E {
  e.stack = `${e.name}: ${e.message}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
  return e;
}

test("a trap names the innermost frame of an HPy module", () => {
  const e = withStack(new WebAssembly.RuntimeError("unreachable"), [
    "mod.hpy0.wasm.inner (wasm://wasm/mod.hpy0.wasm-1:wasm-function[3]:0x10)",
    "mod.hpy0.wasm.outer (wasm://wasm/mod.hpy0.wasm-1:wasm-function[4]:0x20)",
    "hpy_universal.wasm.guarded_call_real (wasm://wasm/hpy_universal.wasm-2:wasm-function[5]:0x30)",
  ]);
  assert.equal(describeFault(e), "unreachable (mod.hpy0.wasm.inner)");
});

test("a stack overflow, and a fault outside any HPy module", () => {
  const e = withStack(new RangeError("Maximum call stack size exceeded"), ["foo (bar.js:1:1)"]);
  assert.equal(describeFault(e), "Maximum call stack size exceeded");
});

test("a JavaScript exception says so", () => {
  const e = withStack(new TypeError("boom"), ["m.hpy0.wasm.f (wasm://wasm/m.hpy0.wasm-1:wasm-function[1]:0x1)"]);
  assert.equal(describeFault(e), "a JavaScript exception, TypeError: boom (m.hpy0.wasm.f)");
  assert.equal(describeFault(42), "a JavaScript exception: 42");
});
