/** Where generated files live, relative to the repository root. */
export const INCLUDE = "hpy/devel/include";
export const RUNTIME_SRC = "hpy/devel/src/runtime";
export const UNIVERSAL_SRC = "hpy/universal/src";
export const DEBUG_SRC = "hpy/debug/src";
export const TRACE_SRC = "hpy/trace/src";
export const DOCS = "docs";
