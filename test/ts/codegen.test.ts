/**
 * The code generator: `gen --check` passes on the repository, every output
 * starts with the "generated ... do not edit" line, output does not depend
 * on the process that renders it, public headers carry the docs of api/,
 * the layout checks and the Python ABI module follow api/, and the check
 * notices stale, missing and orphaned generated files.
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
import { abi, abiModes, contextMembers, ctxName, functionMembers, structs, type FunctionMember } from "../../api/index.ts";

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

  test("output does not depend on the process: another directory, locale and time zone give the same bytes", () => {
    // A child process renders every emitter from another working directory,
    // with a Turkish locale (where "I".toLowerCase() differs under
    // locale-aware casing) and a far time zone; a generator that reads the
    // clock, the environment, the locale or relative paths differs here.
    const script = [
      `import { allEmitters } from ${JSON.stringify(join(REPO_ROOT, "codegen", "targets.ts"))};`,
      "process.stdout.write(JSON.stringify(allEmitters.map((e) => { const f = e(); return [f.path, f.content()]; })));",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], {
      cwd: tmpdir(),
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, LANG: "tr_TR.UTF-8", LC_ALL: "tr_TR.UTF-8", TZ: "Pacific/Kiritimati", NODE_OPTIONS: "" },
    });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout) as [string, string][];
    const ours = allEmitters.map((e): [string, string] => {
      const f = e();
      return [f.path, f.content()];
    });
    assert.deepEqual(theirs.map(([p]) => p), ours.map(([p]) => p));
    const differ = ours.filter(([p, text], i) => theirs[i]![0] !== p || theirs[i]![1] !== text).map(([p]) => p);
    assert.deepEqual(differ, []);
  });

  test("public headers carry the doc of every member they declare, right above it", () => {
    const byPath = new Map(allEmitters.map((e) => e()).map((f) => [f.path, f.content()]));
    const problems: string[] = [];
    for (const [path, skip] of [
      ["hpy/devel/include/hpy/universal/autogen_wrappers.h", (m: FunctionMember) => m.manualWrapper === true || m.universalInline === true],
      ["hpy/devel/include/hpy/cpython/autogen_api.h", (m: FunctionMember) => m.manualWrapper === true || m.cpython.kind === "inline"],
    ] as const) {
      const text = byPath.get(path);
      assert.ok(text !== undefined, path);
      for (const m of functionMembers) {
        if (skip(m)) continue;
        const at = text.search(new RegExp(`^HPyAPI_FUNC .*\\b${m.name}\\(`, "m"));
        if (at < 0) {
          problems.push(`${path}: no ${m.name}`);
          continue;
        }
        const before = text.slice(0, at).trimEnd();
        const comment = before.slice(before.lastIndexOf("/*"));
        if (!comment.endsWith("*/") || comment.replace(/^\/\*|\*\/$|^\s*\* /gm, " ").replace(/\s+/g, " ").trim() !== m.doc) {
          problems.push(`${path}: ${m.name} is not preceded by its doc`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the host's layout checks cover every field of api/structs.ts and every context member", () => {
    const text = allEmitters.map((e) => e()).find((f) => f.path.endsWith("autogen_layout_checks.h"))!.content();
    const problems: string[] = [];
    for (const s of structs) {
      if (!text.includes(`(sizeof(${s.name}) == ${s.size})`)) problems.push(`${s.name}: size`);
      for (const f of s.fields) {
        if (!text.includes(`(offsetof(${s.name}, ${f.name}) == ${f.offset} && _HPY_FIELD_SIZE(${s.name}, ${f.name}) == ${f.size})`)) problems.push(`${s.name}.${f.name}`);
      }
    }
    for (const m of contextMembers) if (!text.includes(`, ${ctxName(m)}) == ${24 + 8 * m.id})`)) problems.push(`context member ${m.name}`);
    assert.deepEqual(problems, []);
  });

  test("the Python ABI module says what api/enums.ts says", () => {
    const text = allEmitters.map((e) => e()).find((f) => f.path === "hpy/devel/autogen_abi.py")!.content();
    assert.match(text, new RegExp(`^HPY_ABI_VERSION = ${abi.version}$`, "m"));
    assert.match(text, new RegExp(`^HPY_ABI_VERSION_MINOR = ${abi.versionMinor}$`, "m"));
    assert.match(text, new RegExp(`^HPY_ABI_TAG = "${abi.tag}"$`, "m"));
    assert.match(text, new RegExp(`^HPY_ABIS = \\(${abiModes.map((m) => `"${m.name}"`).join(", ")}\\)$`, "m"));
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
