/**
 * ABI probe: compiles C programs built from the shared spec (test/ts/abi-probe.ts,
 * never from api/) against the real headers in universal mode, with gcc (C99),
 * g++ (C++11) and clang when it is on PATH, and runs them. The layout probe
 * checks sizeof/offsetof of the context and of every struct of structs.md and
 * every enum/constant value; the type probe only has to compile, which proves
 * every context member, struct field and function-pointer typedef has the
 * spec's C type.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, test } from "node:test";
import { probeIncludeFlags, probeSource, probeTypesSource } from "./abi-probe.ts";
import { REPO_ROOT, SIMPLE_ENUM_KEYS, loadContext, loadEnums, loadStructs, simpleEnum } from "./spec.ts";
import { describeWithSpec } from "./spec-gate.ts";

const HPY_H = join(REPO_ROOT, "hpy", "devel", "include", "hpy.h");
const WARNINGS = ["-Wall", "-Wextra", "-Werror"];
const TIMEOUT = 120_000;

interface Compiler {
  readonly label: string;
  readonly command: string;
  readonly flags: readonly string[];
  /** Why the case is skipped, or null. gcc and g++ are required; clang is optional. */
  readonly skip: string | null;
}

function onPath(name: string): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

const hasClang = onPath("clang");
const compilers: readonly Compiler[] = [
  { label: "gcc -std=c99", command: "gcc", flags: ["-std=c99", ...WARNINGS], skip: null },
  { label: "g++ -x c++ -std=c++11", command: "g++", flags: ["-x", "c++", "-std=c++11", ...WARNINGS], skip: null },
  { label: "clang -std=c99", command: "clang", flags: ["-std=c99", ...WARNINGS], skip: hasClang ? null : "clang is not on PATH" },
  {
    label: "clang -x c++ -std=c++11",
    command: "clang",
    flags: ["-x", "c++", "-std=c++11", ...WARNINGS],
    skip: hasClang ? null : "clang is not on PATH",
  },
];

/** The spec's layouts are LP64 (x86_64/AArch64 Linux and macOS). */
const lp64 = process.platform !== "win32" && ["x64", "arm64", "ppc64", "s390x", "riscv64", "loong64"].includes(process.arch);

/** At most `max` lines of compiler output, so a broken header does not flood the report. */
function head(text: string, max = 60): string {
  const lines = text.split("\n");
  return lines.length <= max ? text : [...lines.slice(0, max), `... (${lines.length - max} more lines)`].join("\n");
}

describeWithSpec("ABI probe: hpy.h against the shared spec", (specDir) => {
  let work = "";
  let failed = false;
  const layoutSource = probeSource(specDir);
  const typesSource = probeTypesSource(specDir);

  before(() => {
    work = mkdtempSync(join(tmpdir(), "hpy-abi-probe-"));
    writeFileSync(join(work, "abi_probe.c"), layoutSource);
    writeFileSync(join(work, "abi_probe_types.c"), typesSource);
  });

  after(() => {
    if (work === "") return;
    if (failed) console.log(`# ABI probe sources kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });

  test("the layout probe has one check per context member, enum value and struct field of the spec", () => {
    const lines = new Set(layoutSource.split("\n").map((l) => l.trim().replace(/\s*\/\*.*\*\/$/, "")));
    const missing: string[] = [];
    const want = (line: string): void => {
      if (!lines.has(line)) missing.push(line);
    };
    const context = loadContext(specDir);
    want(`CHECK_MIN(sizeof(struct _HPyContext_s), ${24 + 8 * context.length});`);
    want("CHECK(offsetof(struct _HPyContext_s, name), 0);");
    want("CHECK(offsetof(struct _HPyContext_s, _private), 8);");
    want("CHECK(offsetof(struct _HPyContext_s, abi_version), 16);");
    for (const m of context) want(`CHECK(offsetof(struct _HPyContext_s, ${m.name.ctx}), ${24 + 8 * m.id});`);
    const enums = loadEnums(specDir);
    for (const e of [enums.HPyFunc_Signature, enums.HPySlot_Slot, ...SIMPLE_ENUM_KEYS.map((k) => simpleEnum(enums, k))]) {
      for (const v of e.values) want(`CHECK(${v.name}, ${v.value});`);
    }
    want("CHECK(HPY_ABI_VERSION, 0);");
    want("CHECK(HPY_ABI_VERSION_MINOR, 0);");
    want('CHECK_STR(HPY_ABI_TAG, "hpy0");');
    for (const s of loadStructs(specDir)) {
      want(`CHECK(sizeof(${s.name}), ${s.size});`);
      want(`CHECK(ALIGNOF(${s.name}), ${s.align});`);
      for (const f of s.fields) {
        want(`CHECK(offsetof(${s.name}, ${f.name}), ${f.offset});`);
        want(`CHECK(FIELD_SIZE(${s.name}, ${f.name}), ${f.size});`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("the type probe covers every context member", () => {
    for (const m of loadContext(specDir)) {
      assert.ok(typesSource.includes(`= &ctx->${m.name.ctx}; (void)p; } /* ${m.id} ${m.name.api} */`), m.name.ctx);
    }
  });

  const skipAll = !lp64 ? `the spec's layouts are LP64; this is ${process.platform}/${process.arch}` : null;

  test("hpy/devel/include/hpy.h exists", { skip: skipAll ?? false }, () => {
    assert.ok(existsSync(HPY_H), `${HPY_H} does not exist yet`);
  });

  for (const cc of compilers) {
    const skip = skipAll ?? cc.skip ?? false;

    test(`${cc.label}: layout and value probe compiles, runs and finds no mismatch`, { skip, timeout: TIMEOUT }, () => {
      const exe = join(work, `abi_probe_${cc.label.replace(/\W+/g, "_")}`);
      const build = spawnSync(cc.command, [...cc.flags, ...probeIncludeFlags(REPO_ROOT), join(work, "abi_probe.c"), "-o", exe], { encoding: "utf8" });
      if (build.status !== 0) failed = true;
      assert.equal(build.status, 0, `${cc.label} could not compile the probe (${work}/abi_probe.c):\n${head(build.stderr + build.stdout)}`);
      const run = spawnSync(exe, [], { encoding: "utf8" });
      if (run.status !== 0) failed = true;
      assert.equal(run.status, 0, `the probe built by ${cc.label} reports mismatches:\n${head(run.stdout + run.stderr, 200)}`);
      assert.match(run.stdout, /abi probe: \d+ checks, 0 mismatches/);
    });

    test(`${cc.label}: type probe compiles`, { skip, timeout: TIMEOUT }, () => {
      const obj = join(work, `abi_probe_types_${cc.label.replace(/\W+/g, "_")}.o`);
      const build = spawnSync(cc.command, [...cc.flags, ...probeIncludeFlags(REPO_ROOT), "-c", join(work, "abi_probe_types.c"), "-o", obj], {
        encoding: "utf8",
      });
      if (build.status !== 0) failed = true;
      assert.equal(build.status, 0, `${cc.label}: a C type in the headers differs from the spec (${work}/abi_probe_types.c):\n${head(build.stderr + build.stdout)}`);
    });
  }
});
