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
  /**
   * The universal ABI's wrapper is hand-written with an inline fast path
   * (hpy/universal/direct_calls.h, enabled by the host); the generator then
   * emits no universal wrapper for it (the cpython ABI's stays generated).
   */
  readonly universalInline?: boolean;
  /** Only available in the hybrid and cpython ABIs (legacy PyObject* interop). */
  readonly legacy?: boolean;
  /**
   * The C value the function returns on error, which is also what its
   * debug-mode wrapper returns when a check stops the call; null when it
   * returns nothing or has no error value (opaque one-word structs).
   */
  readonly errorValue: string | null;
  /** Whether the debug-mode wrapper (hpy/debug/src) is generated or written by hand. */
  readonly debugWrapper: WrapperSource;
  /** Whether the trace-mode wrapper (hpy/trace/src) is generated or written by hand. */
  readonly traceWrapper: WrapperSource;
}

/**
 * Who writes a wrapper of a context function. `generated`: the generator,
 * which refuses members it cannot wrap safely (handles that are not simply
 * borrowed, handle-like structs, arrays or out-parameters of handles).
 * `hand-written`: the mode's sources; only the prototype is generated.
 */
export type WrapperSource = "generated" | "hand-written";

export type ContextMember = HandleMember | FunctionMember;

/** One constant of an enum or a group of #defines. */
export interface EnumValue {
  readonly name: string;
  readonly value: number;
  readonly since: Since;
  readonly doc?: string;
  /** For flags: the other flags of the group this one is the union of (its C definition). */
  readonly composedOf?: readonly string[];
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
   * The CPython-side entry point of the signature. `standard`: a function
   * taking `args` (plus `ignoredParams`, which CPython passes and HPy does not
   * use) that fills the `_HPyFunc_args_<NAME>` struct (or, with
   * `sharesArgsOf`, the struct of that signature, field by field in order)
   * for ctx_CallRealFunctionFromTrampoline. `special`: the universal ABI's
   * entry point either aborts (the host calls the implementation itself) or
   * passes its one object parameter as the `args` pointer. `none`: no entry
   * point.
   */
  readonly trampoline:
    | {
        readonly kind: "standard";
        readonly args: readonly TrampolineArg[];
        readonly result: string | null;
        readonly ignoredParams?: readonly TrampolineArg[];
        readonly sharesArgsOf?: string;
      }
    | { readonly kind: "special"; readonly why: string; readonly entry: SpecialEntry }
    | { readonly kind: "none" };
  /**
   * How the implementation's arguments are made from the trampoline's: the
   * same rule generates the cpython ABI's trampolines, the host's
   * ctx_CallRealFunctionFromTrampoline cases and entry points, and the debug
   * context's call frames.
   */
  readonly marshalling: Marshalling;
  /** What the implementation returns on error (the debug context's frame returns it too); null for void. */
  readonly errorValue: string | null;
  /** For the signatures of methods (HPyDef_METH): the PyMethodDef flags (`METH_O`, ...). */
  readonly methodFlags?: string;
  readonly doc: string;
}

/** The universal ABI's entry point of a `special` signature. */
export type SpecialEntry =
  | { readonly kind: "aborts" }
  | { readonly kind: "passes-object"; readonly param: TrampolineArg };

/**
 * How an implementation is called from a trampoline's arguments.
 *  - one-to-one: argument i becomes parameter i (PyObject* -> HPy by
 *    identity, int -> HPy_RichCmpOp by a cast);
 *  - unpacked: each parameter comes from the trampoline arguments as
 *    `implArgs` says (vectorcall vectors, tuples);
 *  - hand-written: the conversion needs more than expressions (buffers,
 *    capsules, traverse, module checks) and is written by hand in each place.
 */
export type Marshalling =
  | { readonly kind: "one-to-one" }
  | { readonly kind: "unpacked"; readonly implArgs: readonly ImplArgSource[] }
  | { readonly kind: "hand-written"; readonly why: string };

/** Where one implementation argument comes from (names are trampoline arguments). */
export type ImplArgSource =
  /** The argument as is, converted to the parameter's type. */
  | { readonly kind: "arg"; readonly arg: string }
  /** A vectorcall vector: the positional arguments, then the values of the keywords named by `kwnames`. */
  | { readonly kind: "vector"; readonly arg: string; readonly nargsf: string; readonly kwnames: string }
  /** The positional count of a vectorcall `nargsf` (without PY_VECTORCALL_ARGUMENTS_OFFSET). */
  | { readonly kind: "vector-nargs"; readonly arg: string }
  /** The items of a tuple, read in place. */
  | { readonly kind: "tuple-items"; readonly arg: string }
  /** The size of a tuple. */
  | { readonly kind: "tuple-size"; readonly arg: string };

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
  /**
   * How a definition of the slot is installed:
   *  - cpython-slot: HPyType_FromSpec puts its trampoline into `cpythonSlot`;
   *  - hpy: HPyType_FromSpec handles it itself (buffers, call, traverse, destroy);
   *  - module: a module slot (HPyModule_Create), invalid in a type.
   */
  readonly filledBy: "cpython-slot" | "hpy" | "module";
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
