/* The entry guard of the WebAssembly host's debug mode (wasm_host.c): a
 * call made through a JavaScript function that catches what WebAssembly
 * cannot (a trap, a stack overflow, a JavaScript exception) and turns it
 * into a return value instead of an unwinding through CPython's frames,
 * which would leave Pyodide unusable. */
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

#endif /* HPY_WASM_GUARD_H */
