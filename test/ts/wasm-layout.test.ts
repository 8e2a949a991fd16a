/**
 * The wasm32 layouts that wasm/src/layout.ts computes from api/ (context
 * members, universal-ABI structs) are the ones clang gives HPy's headers for
 * the WebAssembly target: checked with _Static_assert in one translation
 * unit compiled for wasm32.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { contextMembers, ctxName, structs } from "../../api/index.ts";
import { contextOffset, contextSize, wasm32Layout } from "../../wasm/src/layout.ts";
import { paths } from "../../wasm/src/paths.ts";
import { compileFlags, findClang, ToolchainError } from "../../wasm/src/toolchain.ts";

function clangOrSkip(): string | undefined {
  try {
    return findClang();
  } catch (e) {
    if (e instanceof ToolchainError && !process.env.CI) return undefined;
    throw e;
  }
}


function assertions(): string[] {
  const lines: string[] = [];
  for (const m of contextMembers) {
    const field = ctxName(m);
    lines.push(`_Static_assert(offsetof(struct _HPyContext_s, ${field}) == ${contextOffset(m.name)}, "${field}");`);
  }
  lines.push(`_Static_assert(sizeof(struct _HPyContext_s) == ${contextSize()}, "sizeof(HPyContext)");`);
  for (const s of structs) {
    const l = wasm32Layout(s.name);
    lines.push(`_Static_assert(sizeof(${s.name}) == ${l.size}, "sizeof(${s.name})");`);
    for (const f of l.fields) {
      lines.push(`_Static_assert(offsetof(${s.name}, ${f.name}) == ${f.offset}, "${s.name}.${f.name}");`);
    }
  }
  return lines;
}

describe("wasm32 layouts", () => {
  const clang = clangOrSkip();
  test("context members and structs are where api/ says, for clang's wasm32", { skip: clang === undefined && "no clang with the wasm32 target" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "hpy-wasm-layout-"));
    try {
      const src = join(dir, "layout.c");
      writeFileSync(src, ['#include "hpy.h"', "#include <stddef.h>", ...assertions(), ""].join("\n"));
      const r = spawnSync(
        clang!,
        [...compileFlags, "-DHPY", "-DHPY_ABI_UNIVERSAL", "-I", paths.hpyInclude, "-fsyntax-only", src],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the layout follows the C rules (HPyDef's union members share one offset)", () => {
    const def = wasm32Layout("HPyDef");
    assert.ok(def.union);
    const offsets = new Set(def.fields.filter((f) => f.name !== "kind").map((f) => f.offset));
    assert.deepEqual([...offsets], [4]);
    assert.equal(contextOffset("h_None"), 12);
  });
});
