/**
 * The code generator: `gen --check` passes on the repository, every output
 * starts with the "generated ... do not edit" line, output is deterministic,
 * and the check notices stale, missing and orphaned generated files.
 */
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { GENERATED_MARKER, type GeneratedFile } from "../../codegen/generated-file.ts";
import { checkGenerated } from "../../codegen/main.ts";
import { allEmitters } from "../../codegen/targets.ts";
import { REPO_ROOT } from "./spec.ts";

/** The comment that opens a generated file, per syntax. */
const OPENERS: Readonly<Record<GeneratedFile["syntax"], string>> = { c: "/* ", markdown: "<!-- ", python: "# " };

function firstLine(text: string): string {
  return text.slice(0, text.indexOf("\n") < 0 ? undefined : text.indexOf("\n"));
}

describe("codegen", () => {
  test("`tsx codegen/main.ts --check` exits 0 on the repository", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "codegen/main.ts", "--check"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, `gen:check failed (status ${String(r.status)}):\n${r.stdout}${r.stderr}`);
  });

  test("every emitter output starts with the generated marker line", () => {
    const problems: string[] = [];
    for (const emit of allEmitters) {
      const f = emit();
      const line = firstLine(f.content());
      if (!line.startsWith(OPENERS[f.syntax]) || !line.includes(GENERATED_MARKER)) problems.push(`${f.path}: first line is ${JSON.stringify(line)}`);
    }
    assert.deepEqual(problems, []);
  });

  test("every generated file in the tree starts with the generated marker line", () => {
    const problems: string[] = [];
    for (const emit of allEmitters) {
      const f = emit();
      const path = join(REPO_ROOT, f.path);
      if (!existsSync(path)) continue; // reported by the gen:check test
      const line = firstLine(readFileSync(path, "utf8"));
      if (!line.includes(GENERATED_MARKER)) problems.push(`${f.path}: first line is ${JSON.stringify(line)}`);
    }
    assert.deepEqual(problems, []);
  });

  test("output is deterministic: every emitter twice gives identical paths and content", () => {
    const first = allEmitters.map((emit) => emit());
    const second = allEmitters.map((emit) => emit());
    assert.equal(first.length, second.length);
    first.forEach((f, i) => {
      const g = second[i]!;
      assert.equal(g.path, f.path);
      assert.equal(g.syntax, f.syntax);
      assert.ok(g.content() === f.content(), `${f.path}: two runs differ`);
      assert.ok(f.content() === f.content(), `${f.path}: content() differs between calls`);
    });
  });

  test("emitters produce distinct paths, text with one final newline and no trailing blanks", () => {
    const files = allEmitters.map((emit) => emit());
    assert.equal(new Set(files.map((f) => f.path)).size, files.length);
    for (const f of files) {
      const text = f.content();
      assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"), `${f.path}: must end with exactly one newline`);
      assert.ok(!/[ \t]$/m.test(text), `${f.path}: trailing whitespace`);
    }
  });

  describe("checkGenerated notices staleness (temporary tree)", () => {
    let root = "";
    const files = allEmitters.map((emit) => emit());

    before(() => {
      root = mkdtempSync(join(tmpdir(), "hpy-gencheck-"));
      execFileSync("git", ["init", "-q"], { cwd: root });
      for (const f of files) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content());
      }
    });

    after(() => {
      if (root !== "") rmSync(root, { recursive: true, force: true });
    });

    test("a fresh tree is up to date", () => {
      assert.deepEqual(checkGenerated(root), []);
    });

    test("an edited generated file is stale", () => {
      const f = files[0]!;
      const path = join(root, f.path);
      writeFileSync(path, f.content() + "/* hand edit */\n");
      try {
        assert.deepEqual(checkGenerated(root), [`${f.path}: stale`]);
      } finally {
        writeFileSync(path, f.content());
      }
    });

    test("a deleted generated file is missing", () => {
      const f = files[files.length - 1]!;
      const path = join(root, f.path);
      unlinkSync(path);
      try {
        assert.deepEqual(checkGenerated(root), [`${f.path}: missing`]);
      } finally {
        writeFileSync(path, f.content());
      }
    });

    test("a file with the marker that no emitter produces is reported; codegen/ itself is exempt", () => {
      const orphan = "hpy/devel/include/hpy/autogen_orphan.h";
      writeFileSync(join(root, orphan), `/* ${GENERATED_MARKER}. */\n`);
      mkdirSync(join(root, "codegen"), { recursive: true });
      writeFileSync(join(root, "codegen", "mentions-marker.ts"), `// ${GENERATED_MARKER}\n`);
      try {
        assert.deepEqual(checkGenerated(root), [`${orphan}: carries the generated marker but no emitter produces it`]);
      } finally {
        unlinkSync(join(root, orphan));
      }
      assert.deepEqual(checkGenerated(root), []);
    });
  });
});
