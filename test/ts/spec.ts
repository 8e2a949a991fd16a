/**
 * Readers for the shared HPy ABI fact sheet (../shared/spec relative to the
 * repository root, or $HPY_SPEC_DIR): typed views of context.json,
 * context_layout.json and enums.json, and a parser for the tables of
 * structs.md. Used by the tests in test/ts/ and by abi-probe.ts next to
 * them; this module never reads api/, so whatever is built from it is an
 * independent check of our own data and headers.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in <root>/test/ts/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where the spec should be: $HPY_SPEC_DIR, else <repo>/../shared/spec. */
export function specDirCandidate(): string {
  const fromEnv = process.env["HPY_SPEC_DIR"];
  return fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : resolve(REPO_ROOT, "..", "shared", "spec");
}

/** The spec directory if it holds the files we need, else null. */
export function findSpecDir(): string | null {
  const dir = specDirCandidate();
  const needed = ["context.json", "context_layout.json", "enums.json", "structs.md"];
  return needed.every((f) => existsSync(join(dir, f))) ? dir : null;
}

// ---------------------------------------------------------------- context.json

export interface SpecParam {
  readonly name: string;
  readonly type: string;
  readonly declared_as?: string;
}

export interface SpecMember {
  readonly id: number;
  readonly name: { readonly ctx: string; readonly api: string };
  readonly kind: "handle" | "function";
  /** Handles only: the C type of the field (HPy). */
  readonly type?: string;
  readonly return_type: string | null;
  readonly parameters: readonly SpecParam[] | null;
  readonly since: string;
  readonly cpython: string | null;
  readonly cpython_source?: string;
  readonly cpython_object?: string;
  readonly offset_lp64: number;
  readonly api_return_type?: string;
  readonly api_wrapper_returns?: string;
  readonly notes?: readonly string[];
}

export function loadContext(specDir: string): readonly SpecMember[] {
  return JSON.parse(readFileSync(join(specDir, "context.json"), "utf8")) as SpecMember[];
}

// --------------------------------------------------------- context_layout.json

type PerVersion<T> = Readonly<Record<"0.9.0" | "master", T>>;

export interface SpecContextLayout {
  readonly leading_fields: readonly { readonly index: number; readonly name: string; readonly type: string; readonly offset_lp64: number }[];
  readonly member_count: PerVersion<number>;
  readonly id_range: PerVersion<readonly [number, number]>;
  readonly sizeof_lp64: PerVersion<number>;
  readonly handles_count: PerVersion<number>;
  readonly functions_count: PerVersion<number>;
  readonly members_added_after_0_9_0: readonly { readonly id: number; readonly ctx: string; readonly api: string }[];
  readonly signature_changes_after_0_9_0: readonly { readonly id: number; readonly api: string; readonly "0.9.0": string; readonly master: string }[];
}

export function loadContextLayout(specDir: string): SpecContextLayout {
  const raw = JSON.parse(readFileSync(join(specDir, "context_layout.json"), "utf8")) as Record<string, unknown>;
  // Keys with dots are awkward as property names; expose them with underscores.
  return {
    ...raw,
    members_added_after_0_9_0: raw["members_added_after_0.9.0"],
    signature_changes_after_0_9_0: raw["signature_changes_after_0.9.0"],
  } as unknown as SpecContextLayout;
}

// ------------------------------------------------------------------ enums.json

export interface SpecEnumValue {
  readonly name: string;
  readonly value: number;
  readonly since: string;
}

export interface SpecEnum<V extends SpecEnumValue = SpecEnumValue> {
  readonly kind: string;
  readonly c_type?: string;
  readonly values: readonly V[];
}

export interface SpecSignatureValue extends SpecEnumValue {
  readonly impl_typedef: string | null;
  readonly trampoline_args_struct?: string;
  readonly trampoline_args?: string;
}

export interface SpecSlotValue extends SpecEnumValue {
  readonly signature: string;
  readonly signature_value: number;
  readonly cpython_typeslot: string | null;
  readonly cpython_module_slot?: string;
}

export interface SpecEnums {
  readonly HPyFunc_Signature: SpecEnum<SpecSignatureValue>;
  readonly HPySlot_Slot: SpecEnum<SpecSlotValue>;
  readonly abi_version: { readonly values: readonly { readonly name: string; readonly value: number | string; readonly since: string }[] };
  readonly abi_mode_macros: { readonly values: readonly { readonly name: string; readonly HPY_ABI: string }[] };
  readonly universal_modes: { readonly values: readonly { readonly name: string; readonly value: number }[] };
  readonly handle_constants: { readonly values: readonly { readonly name: string; readonly value: number }[] };
  readonly [name: string]: unknown;
}

/** The plain constant sets of enums.json: C enums and groups of #defines with name/value/since. */
export const SIMPLE_ENUM_KEYS = [
  "HPyDef_Kind",
  "HPyMember_FieldType",
  "HPyType_SpecParam_Kind",
  "HPyType_BuiltinShape",
  "HPy_RichCmpOp",
  "HPy_SourceKind",
  "_HPyCapsule_key",
  "HPy_TPFLAGS",
] as const;

export function loadEnums(specDir: string): SpecEnums {
  return JSON.parse(readFileSync(join(specDir, "enums.json"), "utf8")) as SpecEnums;
}

export function simpleEnum(e: SpecEnums, key: (typeof SIMPLE_ENUM_KEYS)[number]): SpecEnum {
  return e[key] as SpecEnum;
}

/**
 * Integer constants of enums.json exactly as written in the file (JSON.parse
 * rounds 64-bit values such as HPY_SSIZE_T_MAX), keyed by constant name.
 */
export function rawIntegerConstants(specDir: string): ReadonlyMap<string, bigint> {
  const text = readFileSync(join(specDir, "enums.json"), "utf8");
  const out = new Map<string, bigint>();
  for (const m of text.matchAll(/"name":\s*"([A-Za-z_]\w*)",\s*"value":\s*(-?\d+)\b/g)) {
    out.set(m[1]!, BigInt(m[2]!));
  }
  return out;
}

// ------------------------------------------------------------------ structs.md

export interface SpecStructField {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

export interface SpecStruct {
  readonly name: string;
  readonly fields: readonly SpecStructField[];
  readonly size: number;
  readonly align: number;
}

/**
 * The struct tables of structs.md: every `### \`Name\`` (or `####`) section
 * holding rows `| # | \`field\` | \`type\` | offset | size |` and a line
 * `sizeof = N, alignof = M`.
 */
export function parseStructsMd(text: string): readonly SpecStruct[] {
  const out: SpecStruct[] = [];
  let current: { name: string; fields: SpecStructField[]; size?: number; align?: number } | null = null;
  const flush = (): void => {
    if (current === null) return;
    if (current.size === undefined || current.align === undefined) {
      throw new Error(`structs.md: section \`${current.name}\` has no "sizeof = N, alignof = M" line`);
    }
    if (current.fields.length === 0) throw new Error(`structs.md: section \`${current.name}\` has no field rows`);
    out.push({ name: current.name, fields: current.fields, size: current.size, align: current.align });
    current = null;
  };
  for (const line of text.split("\n")) {
    if (/^#+\s/.test(line)) {
      flush();
      const m = /^#{3,4}\s+`([^`]+)`/.exec(line);
      if (m !== null) current = { name: m[1]!, fields: [] };
      continue;
    }
    if (current === null) continue;
    const row = /^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*$/.exec(line);
    if (row !== null) {
      current.fields.push({ index: Number(row[1]), name: row[2]!, type: row[3]!, offset: Number(row[4]), size: Number(row[5]) });
      continue;
    }
    const size = /^sizeof\s*=\s*(\d+),\s*alignof\s*=\s*(\d+)/.exec(line);
    if (size !== null) {
      current.size = Number(size[1]);
      current.align = Number(size[2]);
    }
  }
  flush();
  return out;
}

export function loadStructs(specDir: string): readonly SpecStruct[] {
  return parseStructsMd(readFileSync(join(specDir, "structs.md"), "utf8"));
}

/** A row of the "Scalar typedefs" table: `size` is null when not a plain number. */
export interface SpecScalarTypedef {
  readonly name: string;
  /** sizeof(name) on LP64, or null. */
  readonly size: number | null;
  /** sizeof(name *) for incomplete types documented as "pointer: N", or null. */
  readonly pointerSize: number | null;
}

export function parseScalarTypedefs(text: string): readonly SpecScalarTypedef[] {
  const section = sectionBody(text, "## Scalar typedefs");
  const out: SpecScalarTypedef[] = [];
  for (const line of section.split("\n")) {
    const cells = tableCells(line);
    if (cells === null || cells.length !== 4) continue;
    const name = /^`([A-Za-z_]\w*)`$/.exec(cells[0]!);
    if (name === null) continue;
    const plain = /^(\d+)$/.exec(cells[3]!);
    const pointer = /^pointer:\s*(\d+)$/.exec(cells[3]!);
    out.push({
      name: name[1]!,
      size: plain !== null ? Number(plain[1]) : null,
      pointerSize: pointer !== null ? Number(pointer[1]) : null,
    });
  }
  return out;
}

/** A row of the "Function-pointer typedefs per HPyFunc_Signature" table. */
export interface SpecImplTypedef {
  readonly signature: string;
  readonly value: number;
  /** null for `(none)`. */
  readonly typedef: string | null;
  /** null when there is no typedef. */
  readonly cType: ParsedFunctionType | null;
}

export interface ParsedFunctionType {
  readonly returns: string;
  /** Parameter types and names (null where the spec leaves a parameter unnamed). */
  readonly params: readonly { readonly type: string; readonly name: string | null }[];
}

export function parseImplTypedefs(text: string): readonly SpecImplTypedef[] {
  const section = sectionBody(text, "## Function-pointer typedefs per `HPyFunc_Signature`");
  const out: SpecImplTypedef[] = [];
  for (const line of section.split("\n")) {
    const cells = tableCells(line);
    if (cells === null || cells.length !== 4) continue;
    const sig = /^`(HPyFunc_[A-Z_]+)`$/.exec(cells[0]!);
    const typedef = /^`([^`]+)`$/.exec(cells[2]!);
    const ctype = /^`([^`]+)`$/.exec(cells[3]!);
    if (sig === null || typedef === null || ctype === null || !/^\d+$/.test(cells[1]!)) continue;
    const none = typedef[1] === "(none)";
    out.push({
      signature: sig[1]!,
      value: Number(cells[1]),
      typedef: none ? null : typedef[1]!,
      cType: none ? null : parseFunctionType(ctype[1]!),
    });
  }
  return out;
}

/** Parses `RET (*)(T1 name1, T2, ...)` (no nested function-pointer parameters). */
export function parseFunctionType(text: string): ParsedFunctionType {
  const m = /^(.+?)\s*\(\*\)\((.*)\)$/.exec(text.trim());
  if (m === null) throw new Error(`not a function pointer type: ${text}`);
  const params = m[2]!.trim() === "" || m[2]!.trim() === "void" ? [] : m[2]!.split(",").map((p) => splitDeclaration(p.trim()));
  return { returns: normaliseType(m[1]!), params };
}

const TYPE_WORDS = new Set(["const", "volatile", "unsigned", "signed", "struct", "enum", "union"]);

/** Splits `const HPy *args` into type `const HPy *` and name `args`; `HPy` alone is unnamed. */
function splitDeclaration(decl: string): { type: string; name: string | null } {
  const m = /^(.*?[\s*])([A-Za-z_]\w*)$/.exec(decl);
  if (m !== null) {
    const prefix = m[1]!.trim();
    const words = prefix.replace(/\*/g, " ").trim().split(/\s+/).filter((w) => w !== "");
    if (words.some((w) => !TYPE_WORDS.has(w))) return { type: normaliseType(prefix), name: m[2]! };
  }
  return { type: normaliseType(decl), name: null };
}

/** Collapses whitespace and puts one space before a pointer star: `T*` becomes `T *`. */
export function normaliseType(t: string): string {
  return t.replace(/\s+/g, " ").replace(/([^\s*])\*/g, "$1 *").trim();
}

function sectionBody(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`structs.md: no section "${heading}"`);
  const rest = text.slice(start + heading.length + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

function tableCells(line: string): string[] | null {
  if (!line.startsWith("|") || /^\|[-\s|]+\|$/.test(line)) return null;
  return line.slice(1, line.endsWith("|") ? -1 : undefined).split("|").map((c) => c.trim());
}
