/**
 * Small constructors that keep the data files in api/ short and readable.
 * They only fill in defaults that follow from the C types; anything that is
 * not derivable is stated explicitly in the data.
 */
import type {
  CPythonMapping,
  FunctionMember,
  HandleArgOwnership,
  HandleMember,
  Param,
  ResultOwnership,
  Since,
  WrapperSource,
} from "./schema.ts";
import { enums } from "./enums.ts";
import { structs } from "./structs.ts";

/** A borrowed `HPy` parameter (or one the callee closes, for HPy_Close). */
export function h(name: string, ownership: HandleArgOwnership = "borrowed"): Param {
  return { name, type: "HPy", ownership };
}

/** A non-handle parameter. */
export function p(type: string, name: string, extra: { declaredAs?: string } = {}): Param {
  const param: Param = { name, type, ...extra };
  return type === "HPy" ? { ...param, ownership: "borrowed" } : param;
}

export function handle(id: number, name: string, cpythonObject: string, doc: string, since: Since = "0.9.0"): HandleMember {
  return { kind: "handle", id, name, cpythonObject, since, doc };
}

export interface FnOptions {
  readonly cpython?: string;
  /** The cpython ABI implements it inline by hand (hot paths). */
  readonly cpythonInline?: boolean;
  readonly since?: Since;
  readonly result?: ResultOwnership;
  readonly wrapperReturns?: "HPy";
  readonly manualWrapper?: boolean;
  /** The universal ABI's wrapper is hand-written in hpy/universal/direct_calls.h. */
  readonly universalInline?: boolean;
  readonly legacy?: boolean;
  /**
   * The value returned on error. Required for `int` and enum results, where
   * -1 (an error) and 0 (a "no" of a predicate that cannot fail) are both
   * common; other types have the default of their kind (see errorValue).
   */
  readonly error?: number;
  /** The debug-mode wrapper is written by hand (hpy/debug/src); default: generated. */
  readonly debugWrapper?: WrapperSource;
  /** The trace-mode wrapper is written by hand (hpy/trace/src); default: generated. */
  readonly traceWrapper?: WrapperSource;
  readonly doc: string;
}

/** Integer typedefs whose error value is -1 cast to the type, as in the C API. */
const INTEGER_TYPES: ReadonlySet<string> = new Set([
  "HPy_ssize_t", "HPy_hash_t", "HPy_UCS4", "size_t", "long", "unsigned long", "long long", "unsigned long long",
  "int32_t", "uint32_t", "int64_t", "uint64_t",
]);

/**
 * The C error value of a function returning `returns`: HPy_NULL, NULL,
 * -1.0, or -1 cast to an integer type; `int` and enums must say theirs;
 * one-word opaque structs (builders, trackers, thread states) have none.
 * Throws for a type it knows nothing about, so that a new type is decided
 * in the data rather than guessed.
 */
function errorValue(name: string, returns: string, error: number | undefined): string | null {
  const explicit = returns === "int" || enums.some((e) => e.name === returns);
  if (error !== undefined) {
    if (!explicit && !INTEGER_TYPES.has(returns)) throw new Error(`${name}: an explicit error value for a ${returns} result`);
    return returns === "int" || error === 0 ? String(error) : `(${returns})${error}`;
  }
  if (explicit) throw new Error(`${name}: returns ${returns}; say its error value (\`error: -1\` or \`error: 0\`)`);
  if (returns === "void") return null;
  if (returns === "HPy") return "HPy_NULL";
  if (returns.endsWith("*")) return "NULL";
  if (returns === "double") return "-1.0";
  if (INTEGER_TYPES.has(returns)) return `(${returns})-1`;
  if (structs.some((s) => s.name === returns && s.size === 8 && s.fields.length === 1)) return null;
  throw new Error(`${name}: no error value is known for a ${returns} result; add the type to api/builders.ts`);
}

function defaultResult(returns: string): ResultOwnership {
  if (returns === "HPy") return "new";
  if (returns === "void") return "void";
  return "not-a-handle";
}

export function fn(id: number, returns: string, name: string, params: readonly Param[], opts: FnOptions): FunctionMember {
  const cpython: CPythonMapping =
    opts.cpython !== undefined
      ? { kind: "direct", function: opts.cpython }
      : opts.cpythonInline === true
        ? { kind: "inline" }
        : { kind: "manual" };
  const member: FunctionMember = {
    kind: "function",
    id,
    name,
    returns,
    params,
    since: opts.since ?? "0.9.0",
    cpython,
    result: opts.result ?? defaultResult(returns),
    doc: opts.doc,
    errorValue: errorValue(name, returns, opts.error),
    debugWrapper: opts.debugWrapper ?? "generated",
    traceWrapper: opts.traceWrapper ?? "generated",
    ...(opts.wrapperReturns !== undefined ? { wrapperReturns: opts.wrapperReturns } : {}),
    ...(opts.manualWrapper === true ? { manualWrapper: true } : {}),
    ...(opts.universalInline === true ? { universalInline: true } : {}),
    ...(opts.legacy === true ? { legacy: true } : {}),
  };
  return member;
}

/**
 * The context field name of a member: the public name with its leading
 * `HPy`/`_HPy` prefix (and one following underscore) replaced by `ctx_`.
 * Handles keep their `h_` names.
 */
export function ctxName(member: { readonly kind: string; readonly name: string }): string {
  if (member.kind === "handle") return member.name;
  return member.name.replace(/^_?HPy_?/, "ctx_");
}
