/**
 * The message of the debug mode's entry guard (wasm/src/install-core.ts):
 * what a fault was, and the innermost frame of an HPy module in its stack.
 * The guard itself is tested end to end by test/test_wasm_debug.py. And the
 * creation stacks of debug handles: the frames of HPy modules in a stack.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFault, extensionFrames } from "../../wasm/src/install-core.ts";

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

test("creation stacks keep the frames of HPy modules, innermost first, up to the limit", () => {
  const stack = withStack(new Error("x"), [
    "capture (file:///install-core.ts:10:5)",
    "hpy_universal.wasm.capture_trace (wasm://wasm/hpy_universal.wasm-2:wasm-function[9]:0x90)",
    "m.hpy0.wasm.leak_impl (wasm://wasm/m.hpy0.wasm-1:wasm-function[6]:0x505)",
    "hpy_universal.wasm.guarded_call_real (wasm://wasm/hpy_universal.wasm-2:wasm-function[5]:0x30)",
    "m.hpy0.wasm.leak_trampoline (wasm://wasm/m.hpy0.wasm-1:wasm-function[7]:0x57d)",
    "n.hpy1.wasm.other (somewhere)",
  ]).stack ?? "";
  assert.deepEqual(extensionFrames(stack, 10), [
    "leak_impl (m.hpy0.wasm wasm-function[6]:0x505)",
    "leak_trampoline (m.hpy0.wasm wasm-function[7]:0x57d)",
    "other (n.hpy1.wasm)",
  ]);
  assert.deepEqual(extensionFrames(stack, 1), ["leak_impl (m.hpy0.wasm wasm-function[6]:0x505)"]);
  assert.deepEqual(extensionFrames("Error: x\n    at f (a.js:1:1)", 5), []);
});
