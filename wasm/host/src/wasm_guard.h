/* The entry guard of the WebAssembly host's debug and trace modes
 * (wasm_host.c): a call made through a JavaScript function that catches
 * what WebAssembly cannot (a trap, a stack overflow, a JavaScript
 * exception) and turns it into a return value instead of an unwinding
 * through CPython's frames, which would leave Pyodide unusable. */
#ifndef HPY_WASM_GUARD_H
#define HPY_WASM_GUARD_H

#include "hpy.h"

/* What the guard calls: ctx_CallRealFunctionFromTrampoline's signature. */
typedef void (*HPyWasmGuarded)(HPyContext *ctx, HPyFunc_Signature sig, HPyCFunction func,
                               void *args);

/* What a guarded call ended with. */
enum {
    HPY_WASM_GUARD_OK = 0,
    HPY_WASM_GUARD_FAULT = 1,          /* a trap or a JavaScript exception */
    HPY_WASM_GUARD_STACK_OVERFLOW = 2, /* a RangeError: the stack is exhausted */
};

/* Calls target(ctx, sig, func, args) through the guard; HPY_WASM_GUARD_OK
 * if it returned. Otherwise the guard has called hpy_wasm_guard_unwind(
 * unwind_arg) while the dead frames were still intact, restored the stack
 * pointer, and left a description of what happened in
 * hpy_wasm_guard_message(). Without a guard (installHPy() installs it)
 * the call is direct. */
int hpy_wasm_guard_call(HPyWasmGuarded target, HPyContext *ctx, HPyFunc_Signature sig,
                        HPyCFunction func, void *args, void *unwind_arg);

/* The guard's description of the last fault (UTF-8, NUL-terminated). */
const char *hpy_wasm_guard_message(void);

/* Called by the guard after a fault, before the stack pointer is restored
 * (hpy/debug/src/debug_ctx.c: closes the frames the fault abandoned). */
void hpy_wasm_guard_unwind(void *unwind_arg);

/* Calls target(ctx, sig, func, args), the ctx_CallRealFunctionFromTrampoline
 * of the context of `mode` ("debug", "trace": the mode named in messages),
 * through the guard (hpy/debug/src/debug_ctx.c). After a fault the call has
 * RuntimeError (RecursionError for an exhausted stack) set, naming the
 * function and the fault, and the error value of its signature in `args`. */
void hpy_wasm_guarded_call_real(const char *mode, HPyWasmGuarded target, HPyContext *ctx,
                                HPyFunc_Signature sig, HPyCFunction func, void *args);

/* Calls a module's init function (HPyInit_<name>, called `init_symbol` in
 * messages) through the guard (hpy/debug/src/debug_ctx.c), for a module
 * loaded in `mode`: 0 with its result in *result, or -1 with RuntimeError
 * (RecursionError for an exhausted stack) set if a fault stopped it. */
int hpy_wasm_guarded_init(const char *mode, HPyModuleDef *(*init)(void), const char *init_symbol,
                          HPyModuleDef **result);

/* The creation stack of a debug handle (set_handle_stack_trace_limit):
 * up to `limit` frames of the extensions, innermost first, one a line,
 * written NUL-terminated into buf (of `size` bytes) by the JavaScript
 * capturer that installHPy() installs; returns the number of frames (0
 * without a capturer). */
int hpy_wasm_capture_stack(char *buf, int size, int limit);

#endif /* HPY_WASM_GUARD_H */
