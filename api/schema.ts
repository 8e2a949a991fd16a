/**
 * The typed schema of the HPy API description.
 *
 * Everything under api/ is plain data typed by these interfaces; the code
 * generator (codegen/) reads only this data. Ids, names, C types and values
 * are ABI facts and are checked against the shared spec by test/ts/api.test.ts.
 */

/** The version of HPy that introduced a member or constant. */
export type Since = "0.9.0" | "master";

/**
 * How a handle passed as an argument is treated by the callee. Debug mode
 * uses this to validate arguments.
 *  - borrowed: the caller keeps ownership; the callee must not close it.
 *  - closed:   the callee closes the handle (only HPy_Close).
 */
export type HandleArgOwnership = "borrowed" | "closed";

/**
 * What a function returns in terms of handle ownership.
 *  - new:            a new handle the caller must close; HPy_NULL means an
 *                    exception was set.
 *  - new-or-null:    a new handle, or HPy_NULL *without* an exception in some
 *                    documented non-error case (e.g. HPyIter_Next at the end).
 *  - not-a-handle:   the result is a plain C value (int, pointer, struct).
 *  - void:           nothing is returned.
 */
export type ResultOwnership = "new" | "new-or-null" | "not-a-handle" | "void";

/** A C parameter of a context function (the leading HPyContext* is implicit). */
export interface Param {
  readonly name: string;
  /** Normalised C type, `T *` spacing, arrays decayed to pointers. */
  readonly type: string;
  /** The original spelling where it differs from `type`, e.g. `const HPy items[]`. */
  readonly declaredAs?: string;
  /** Only for parameters of type HPy. */
  readonly ownership?: HandleArgOwnership;
}

/** How the CPython ABI implements a function. */
export type CPythonMapping =
  /** Straight call to this C-API function, handles converted as identity casts. */
  | { readonly kind: "direct"; readonly function: string }
  /** Forwards to the hand-written `ctx_*` function of the runtime sources. */
  | { readonly kind: "manual" }
  /** Hand-written as an inline function in hpy/cpython/api_inline.h (hot paths). */
  | { readonly kind: "inline" };

export interface HandleMember {
  readonly kind: "handle";
  readonly id: number;
  /** Name of the context field and of the public macro-free access, e.g. `h_None`. */
  readonly name: string;
  /** The CPython object (expression) the constant refers to, e.g. `PyExc_TypeError`. */
  readonly cpythonObject: string;
  readonly since: Since;
  readonly doc: string;
}

export interface FunctionMember {
  readonly kind: "function";
  readonly id: number;
  /** Public API name, e.g. `HPy_Add`. */
  readonly name: string;
  /** Return type of the context function pointer. */
  readonly returns: string;
  readonly params: readonly Param[];
  readonly since: Since;
  readonly cpython: CPythonMapping;
  readonly result: ResultOwnership;
  readonly doc: string;
  /**
   * Return type of the public inline wrapper where it differs from `returns`
   * (the error setters return HPy_NULL for convenience).
   */
  readonly wrapperReturns?: "HPy";
  /**
   * The public wrapper is hand-written in the headers (e.g. HPy_FatalError
   * must not return, _HPy_New casts its out-parameter); the generator then
   * emits no inline wrapper for it.
   */
  readonly manualWrapper?: boolean;
  /** Only available in the hybrid and cpython ABIs (legacy PyObject* interop). */
  readonly legacy?: boolean;
}

export type ContextMember = HandleMember | FunctionMember;

/** One constant of an enum or a group of #defines. */
export interface EnumValue {
  readonly name: string;
  readonly value: number;
  readonly since: Since;
  readonly doc?: string;
}

export interface EnumDef {
  /** The C typedef name, e.g. `HPyDef_Kind`. */
  readonly name: string;
  readonly doc: string;
  readonly values: readonly EnumValue[];
}

/** An `HPyFunc_Signature` value together with the C shapes it implies. */
export interface FuncSignature {
  /** Enumerator, e.g. `HPyFunc_BINARYFUNC`. */
  readonly name: string;
  readonly value: number;
  /** Typedef of the implementation, e.g. `HPyFunc_binaryfunc`; null when none exists. */
  readonly implTypedef: string | null;
  /** Implementation return type. */
  readonly implReturns: string;
  /**
   * Implementation parameters after the leading `HPyContext *ctx` (for
   * signatures that take no context, `takesContext` is false).
   */
  readonly implParams: readonly Param[];
  readonly takesContext: boolean;
  /**
   * How the generated CPython-side trampoline looks. `standard`: one argument
   * per impl parameter, PyObject* for HPy, with an `_HPyFunc_args_<NAME>`
   * struct. Other kinds are handled by hand in the headers.
   */
  readonly trampoline:
    | { readonly kind: "standard"; readonly args: readonly TrampolineArg[]; readonly result: string | null }
    | { readonly kind: "special"; readonly why: string }
    | { readonly kind: "none" };
  readonly doc: string;
}

/** A field of an `_HPyFunc_args_*` trampoline struct (before `result`). */
export interface TrampolineArg {
  readonly name: string;
  /** Type in the args struct: `cpy_PyObject *` for handles, else the C type. */
  readonly type: string;
}

export interface SlotDef {
  /** Enumerator, e.g. `HPy_nb_add`. */
  readonly name: string;
  readonly value: number;
  /** The `HPyFunc_Signature` enumerator name. */
  readonly signature: string;
  readonly since: Since;
  /** The CPython type slot (`Py_nb_add`) or module slot it maps to; null when none. */
  readonly cpythonSlot: string | null;
  readonly doc: string;
}

export interface StructField {
  readonly name: string;
  readonly type: string;
  /** LP64 offset in bytes. */
  readonly offset: number;
  readonly size: number;
}

export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly fields: readonly StructField[];
  readonly doc: string;
}
