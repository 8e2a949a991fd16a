/**
 * The wasm32 layouts of the structs that cross the universal ABI and of the
 * context, computed from api/ by the C rules of the WebAssembly C ABI
 * (ILP32: pointers, long, size_t and HPy_ssize_t are 4 bytes; int64_t and
 * double 8). api/structs.ts records the LP64 layouts; the field order and
 * types are the same on every target, so they are enough to compute these.
 * A test checks every offset against clang's own with _Static_assert.
 */
import { contextMembers, structs, type StructLayout } from "../../api/index.ts";

export interface Wasm32Field {
  name: string;
  type: string;
  offset: number;
  size: number;
}

export interface Wasm32Layout {
  name: string;
  size: number;
  align: number;
  /** true when the fields overlap (HPyDef's anonymous union members). */
  union: boolean;
  fields: Wasm32Field[];
}

const EIGHT_BYTE_SCALARS = new Set(["int64_t", "uint64_t", "double", "long long", "unsigned long long"]);

const byName = new Map<string, StructLayout>(structs.map((s) => [s.name, s]));

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Size and alignment of a C type of api/ on wasm32. */
export function scalarOrStruct(type: string): { size: number; align: number } {
  const base = type.replace(/\(anonymous union member\)/, "").trim();
  if (base.endsWith("*")) return { size: 4, align: 4 };
  if (EIGHT_BYTE_SCALARS.has(base)) return { size: 8, align: 8 };
  const nested = byName.get(base);
  if (nested !== undefined) {
    const l = wasm32Layout(nested.name);
    return { size: l.size, align: l.align };
  }
  // int, long, size_t, intptr_t, HPy_ssize_t, enums and function pointer typedefs.
  return { size: 4, align: 4 };
}

const cache = new Map<string, Wasm32Layout>();

/** The wasm32 layout of one struct of api/structs.ts. */
export function wasm32Layout(name: string): Wasm32Layout {
  const hit = cache.get(name);
  if (hit) return hit;
  const s = byName.get(name);
  if (s === undefined) throw new Error(`no struct ${name} in api/structs.ts`);
  const fields: Wasm32Field[] = [];
  let offset = 0;
  let align = 1;
  let union = false;
  // Consecutive fields at the same LP64 offset share storage (a union).
  let unionStart = -1;
  let unionLp64 = -1;
  let unionSize = 0;
  for (const f of s.fields) {
    const t = scalarOrStruct(f.type);
    align = Math.max(align, t.align);
    if (f.offset === unionLp64) {
      union = true;
      fields.push({ name: f.name, type: f.type, offset: unionStart, size: t.size });
      unionSize = Math.max(unionSize, t.size);
      offset = unionStart + unionSize;
      continue;
    }
    offset = alignUp(offset, t.align);
    unionStart = offset;
    unionLp64 = f.offset;
    unionSize = t.size;
    fields.push({ name: f.name, type: f.type, offset, size: t.size });
    offset += t.size;
  }
  const layout: Wasm32Layout = { name, size: alignUp(offset, align), align, union, fields };
  cache.set(name, layout);
  return layout;
}

/** Offset of the context's first member (after name, _private and abi_version). */
export const CONTEXT_HEADER_SIZE = 12;

/** The offset of a context member in the wasm32 HPyContext. */
export function contextOffset(memberName: string): number {
  const m = contextMembers.find((c) => c.name === memberName || `ctx_${c.name}` === memberName);
  if (m === undefined) throw new Error(`no context member ${memberName}`);
  return CONTEXT_HEADER_SIZE + 4 * m.id;
}

/** Size of the wasm32 HPyContext. */
export function contextSize(): number {
  return CONTEXT_HEADER_SIZE + 4 * contextMembers.length;
}
