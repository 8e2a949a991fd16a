/**
 * ABI probe: C programs, built from the shared spec alone (never from api/),
 * that check the real headers (`#include "hpy.h"` in universal mode).
 *
 *   probeSource(specDir)       a program that checks, one line per fact,
 *                              sizeof/offsetof of the context and of every
 *                              struct field in structs.md, every enum and
 *                              constant value of enums.json and the scalar
 *                              typedef sizes; prints each mismatch and exits 1
 *                              if there is any.
 *   probeTypesSource(specDir)  a translation unit that only has to compile:
 *                              the C type of every context member, struct
 *                              field and function-pointer typedef, checked by
 *                              taking its address into a pointer of the
 *                              spec's type (a mismatch is a warning in C,
 *                              hence an error with -Werror, and an error in C++).
 *
 * Both are C99 and C++11. Compile with
 *   -DHPY_ABI_UNIVERSAL -I<repo>/hpy/devel/include/hpy/forbid_python_h -I<repo>/hpy/devel/include
 *
 * As a script: `tsx test/ts/abi-probe.ts [--types] [SPEC_DIR]` prints the source.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  SIMPLE_ENUM_KEYS,
  findSpecDir,
  loadContext,
  loadContextLayout,
  loadEnums,
  loadStructs,
  parseScalarTypedefs,
  rawIntegerConstants,
  simpleEnum,
  specDirCandidate,
  type SpecStruct,
} from "./spec.ts";

const CTX = "struct _HPyContext_s";

/** Compiler flags the probes are meant for (relative to the repository root). */
export function probeIncludeFlags(repoRoot: string): string[] {
  return [
    "-DHPY_ABI_UNIVERSAL",
    `-I${join(repoRoot, "hpy", "devel", "include", "hpy", "forbid_python_h")}`,
    `-I${join(repoRoot, "hpy", "devel", "include")}`,
  ];
}

/** The layout and value probe: a program that exits 0 iff the headers match the spec. */
export function probeSource(specDir: string): string {
  const context = loadContext(specDir);
  const layout = loadContextLayout(specDir);
  const enums = loadEnums(specDir);
  const structsMd = readFileSync(join(specDir, "structs.md"), "utf8");
  const structs = loadStructs(specDir);
  const raw = rawIntegerConstants(specDir);

  const body: string[] = [];
  let checks = 0;
  /** One line = one check; `expr` appears verbatim in the failure message. */
  const check = (expr: string, want: number | bigint, note?: string): void => {
    checks++;
    const tail = note !== undefined ? ` /* ${note} */` : "";
    body.push(`    CHECK(${expr}, ${cInteger(want)});${tail}`);
  };
  const checkStr = (expr: string, want: string): void => {
    checks++;
    body.push(`    CHECK_STR(${expr}, ${JSON.stringify(want)});`);
  };
  const section = (title: string): void => {
    body.push("", `    /* ${title} */`);
  };

  section(`${CTX}: context.json and context_layout.json`);
  // At least: a member api/ appends after the spec's last one (see
  // docs/adding-an-api-function.md) grows the context; the offsets of the
  // spec's members below are exact, and the host's generated layout checks
  // (api/ against the headers) give the exact size.
  const checkMin = (expr: string, want: number): void => {
    checks++;
    body.push(`    CHECK_MIN(${expr}, ${cInteger(want)});`);
  };
  checkMin(`sizeof(${CTX})`, layout.sizeof_lp64.master);
  checkMin("sizeof(HPyContext)", layout.sizeof_lp64.master);
  for (const f of layout.leading_fields) check(`offsetof(${CTX}, ${f.name})`, f.offset_lp64);
  for (const m of context) {
    check(`offsetof(${CTX}, ${m.name.ctx})`, m.offset_lp64, `${m.id} ${m.name.api}`);
    check(`FIELD_SIZE(${CTX}, ${m.name.ctx})`, 8);
  }

  section("enums.json: HPyFunc_Signature");
  enumChecks(enums.HPyFunc_Signature.c_type, enums.HPyFunc_Signature.values);
  section("enums.json: HPySlot_Slot");
  enumChecks(enums.HPySlot_Slot.c_type, enums.HPySlot_Slot.values);
  for (const key of SIMPLE_ENUM_KEYS) {
    const e = simpleEnum(enums, key);
    section(`enums.json: ${key}`);
    enumChecks(e.kind === "enum" ? e.c_type : undefined, e.values);
  }

  section("enums.json: ABI version and tag, ABI mode");
  for (const v of enums.abi_version.values) {
    if (typeof v.value === "string") checkStr(v.name, v.value);
    else check(v.name, v.value);
  }
  const universal = enums.abi_mode_macros.values.find((v) => v.name === "HPY_ABI_UNIVERSAL");
  if (universal !== undefined) checkStr("HPY_ABI", universal.HPY_ABI);

  section("enums.json: handle constants");
  for (const v of enums.handle_constants.values) {
    const value = raw.get(v.name) ?? BigInt(v.value);
    if (v.name === "HPy_NULL" || v.name === "HPyField_NULL") check(`NULL_BITS(${v.name})`, value);
    else check(v.name, value);
  }

  section("structs.md: scalar typedefs");
  for (const t of parseScalarTypedefs(structsMd)) {
    if (t.size !== null) check(`sizeof(${t.name})`, t.size);
    if (t.pointerSize !== null) check(`sizeof(${t.name} *)`, t.pointerSize);
  }

  for (const s of structs) {
    section(`structs.md: ${s.name}`);
    check(`sizeof(${s.name})`, s.size);
    check(`ALIGNOF(${s.name})`, s.align);
    for (const f of s.fields) {
      check(`offsetof(${s.name}, ${f.name})`, f.offset);
      check(`FIELD_SIZE(${s.name}, ${f.name})`, f.size);
    }
  }

  return [
    `/* ABI probe generated by test/ts/abi-probe.ts from the shared HPy spec`,
    ` * (context.json, context_layout.json, enums.json, structs.md): LP64 layouts and values.`,
    ` * Build: cc -DHPY_ABI_UNIVERSAL -I<repo>/hpy/devel/include/hpy/forbid_python_h -I<repo>/hpy/devel/include`,
    ` * Run: exits 0 when hpy.h matches the spec, else prints every mismatch and exits 1. */`,
    "#include <stddef.h>",
    "#include <stdio.h>",
    "#include <string.h>",
    '#include "hpy.h"',
    "",
    `#define PROBE_EXPECTED_CHECKS ${checks}`,
    "",
    "static int n_checks = 0;",
    "static int n_failed = 0;",
    "",
    "static void check(const char *what, long long got, long long want)",
    "{",
    "    n_checks++;",
    "    if (got != want) {",
    "        n_failed++;",
    '        printf("MISMATCH %s: header has %lld, spec says %lld\\n", what, got, want);',
    "    }",
    "}",
    "",
    "static void check_min(const char *what, long long got, long long want)",
    "{",
    "    n_checks++;",
    "    if (got < want) {",
    "        n_failed++;",
    '        printf("MISMATCH %s: header has %lld, spec says at least %lld\\n", what, got, want);',
    "    }",
    "}",
    "",
    "static void check_str(const char *what, const char *got, const char *want)",
    "{",
    "    n_checks++;",
    "    if (strcmp(got, want) != 0) {",
    "        n_failed++;",
    '        printf("MISMATCH %s: header has \\"%s\\", spec says \\"%s\\"\\n", what, got, want);',
    "    }",
    "}",
    "",
    "#define CHECK(expr, want) check(#expr, (long long)(expr), (want))",
    "#define CHECK_STR(expr, want) check_str(#expr, (expr), (want))",
    "#define CHECK_MIN(expr, want) check_min(#expr, (long long)(expr), (want))",
    "#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)",
    "#define ALIGNOF(type) offsetof(struct probe_align_##type, x)",
    "",
    "/* alignof without C11: the offset of a member placed after one char */",
    ...structs.map((s) => `struct probe_align_${s.name} { char c; ${s.name} x; };`),
    "",
    "static HPy probe_null_handle(void) { HPy h = HPy_NULL; return h; }",
    "static HPyField probe_null_field(void) { HPyField f = HPyField_NULL; return f; }",
    "#define NULL_BITS(name) probe_null_bits_##name()",
    "static long long probe_null_bits_HPy_NULL(void) { return (long long)probe_null_handle()._i; }",
    "static long long probe_null_bits_HPyField_NULL(void) { return (long long)probe_null_field()._i; }",
    "",
    "int main(void)",
    "{",
    ...body.slice(1), // drop the blank line before the first section
    "",
    "    if (n_checks != PROBE_EXPECTED_CHECKS) {",
    '        printf("probe error: ran %d checks, expected %d\\n", n_checks, PROBE_EXPECTED_CHECKS);',
    "        return 2;",
    "    }",
    '    printf("abi probe: %d checks, %d mismatches\\n", n_checks, n_failed);',
    "    return n_failed == 0 ? 0 : 1;",
    "}",
    "",
  ].join("\n");

  function enumChecks(cType: string | undefined, values: readonly { name: string; value: number }[]): void {
    if (cType !== undefined) check(`sizeof(${cType})`, 4, "a plain C enum");
    for (const v of values) check(v.name, raw.get(v.name) ?? BigInt(v.value));
  }
}

/** The type probe: compiles iff every member, field and typedef has the spec's C type. */
export function probeTypesSource(specDir: string): string {
  const context = loadContext(specDir);
  const layout = loadContextLayout(specDir);
  const structsMd = readFileSync(join(specDir, "structs.md"), "utf8");
  const structs = loadStructs(specDir);

  const ctxLines: string[] = [];
  for (const f of layout.leading_fields) ctxLines.push(`    { ${declarePointer(f.type, "p")} = &ctx->${f.name}; (void)p; }`);
  for (const m of context) {
    let type: string;
    if (m.kind === "handle") {
      type = m.type ?? "HPy";
    } else {
      const params = ["HPyContext *", ...(m.parameters ?? []).map((p) => p.type)];
      type = `${m.return_type ?? "void"} (*)(${params.join(", ")})`;
    }
    ctxLines.push(`    { ${declarePointer(type, "p")} = &ctx->${m.name.ctx}; (void)p; } /* ${m.id} ${m.name.api} */`);
  }

  const structFns: string[] = [];
  for (const s of structs) structFns.push(...structTypeChecks(s));

  const typedefLines: string[] = [];
  for (const t of functionTypedefs(structsMd)) {
    typedefLines.push(`    { ${declarePointer(t.cType, "p")} = (${t.name} *)0; (void)p; }${t.note !== undefined ? ` /* ${t.note} */` : ""}`);
  }

  return [
    `/* ABI type probe generated by test/ts/abi-probe.ts from the shared HPy spec:`,
    ` * compiles (with -Werror) only if every context member, struct field and`,
    ` * function-pointer typedef of hpy.h has exactly the C type the spec gives. */`,
    '#include "hpy.h"',
    "",
    "/* struct _HPyContext_s: context.json, context_layout.json */",
    "void probe_context_types(HPyContext *ctx);",
    "void probe_context_types(HPyContext *ctx)",
    "{",
    ...ctxLines,
    "}",
    "",
    ...structFns,
    "/* structs.md: function-pointer typedefs */",
    "void probe_typedefs(void);",
    "void probe_typedefs(void)",
    "{",
    ...typedefLines,
    "}",
    "",
  ].join("\n");
}

function structTypeChecks(s: SpecStruct): string[] {
  const fn = `probe_struct_${s.name}`;
  const lines = [`/* structs.md: ${s.name} */`, `void ${fn}(${s.name} *s);`, `void ${fn}(${s.name} *s)`, "{"];
  for (const f of s.fields) {
    const type = f.type.replace(/\s*\(anonymous union member\)$/, "");
    lines.push(`    { ${declarePointer(type, "p")} = &s->${f.name}; (void)p; }`);
  }
  lines.push("}", "");
  return lines;
}

/** The typedefs of structs.md that are function pointers: per-signature impls and the related ones. */
function functionTypedefs(structsMd: string): { name: string; cType: string; note?: string }[] {
  const out: { name: string; cType: string; note?: string }[] = [];
  for (const line of structsMd.split("\n")) {
    // | `HPyFunc_VARARGS` | 1 | `HPyFunc_varargs` | `HPy (*)(...)` |
    const impl = /^\|\s*`(HPyFunc_[A-Z_]+)`\s*\|\s*\d+\s*\|\s*`([A-Za-z_]\w*)`\s*\|\s*`([^`]*\(\*\)[^`]*)`\s*\|$/.exec(line);
    if (impl !== null) {
      out.push({ name: impl[2]!, cType: impl[3]!, note: impl[1]! });
      continue;
    }
    // | `HPyFunc_visitproc` | `int (*)(HPyField *, void *)` |
    const related = /^\|\s*`([A-Za-z_]\w*)`\s*\|\s*`([^`]*\(\*\)[^`]*)`\s*\|$/.exec(line);
    if (related !== null) out.push({ name: related[1]!, cType: related[2]! });
  }
  return out;
}

/**
 * A declaration of `name` as a pointer to an object of C type `type`:
 * `int` -> `int *p`, `HPy (*)(HPyContext *)` -> `HPy (**p)(HPyContext *)`.
 */
export function declarePointer(type: string, name: string): string {
  if (type.includes("(*)")) return type.replace("(*)", `(**${name})`);
  return `${type}${type.endsWith("*") ? "" : " "}*${name}`;
}

/** A C integer constant for `v` (long long), valid for the full 64-bit range. */
function cInteger(v: number | bigint): string {
  const n = BigInt(v);
  const min = -(2n ** 63n);
  if (n === min) return "(-9223372036854775807LL - 1)";
  if (n > 2147483647n || n < -2147483648n) return `${n}LL`;
  return `${n}`;
}

// Run only as a script.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const types = args.includes("--types");
  const dir = args.find((a) => !a.startsWith("--")) ?? findSpecDir();
  if (dir === null) {
    console.error(`abi-probe: no spec directory (looked in ${specDirCandidate()}; pass one or set HPY_SPEC_DIR)`);
    process.exitCode = 1;
  } else {
    process.stdout.write(types ? probeTypesSource(dir) : probeSource(dir));
  }
}
