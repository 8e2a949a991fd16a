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
} from "./schema.ts";

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
  readonly legacy?: boolean;
  readonly doc: string;
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
    ...(opts.wrapperReturns !== undefined ? { wrapperReturns: opts.wrapperReturns } : {}),
    ...(opts.manualWrapper === true ? { manualWrapper: true } : {}),
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
