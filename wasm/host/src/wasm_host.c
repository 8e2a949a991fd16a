/* What the WebAssembly host adds to the CPython host's sources, which it
 * compiles as they are (hpy/universal/src, hpy/devel/src/runtime,
 * hpy/debug/src, hpy/trace/src) against the stable ABI: the parts of the
 * CPython host that need more than the stable ABI are replaced here and in
 * the other files of this folder (HPy types: ctx_type_wasm*.c; the debug
 * mode's raw data and entry guard: debug_*_wasm.c). */
