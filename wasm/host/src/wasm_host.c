/* What the WebAssembly host adds to the CPython host's sources, which it
 * compiles as they are (hpy/universal/src, hpy/devel/src/runtime,
 * hpy/debug/src, hpy/trace/src) against the stable ABI: the parts of the
 * CPython host that need more than the stable ABI are replaced in the other
 * files of this folder (HPy types: ctx_type_wasm*.c; the debug mode's raw
 * data: debug_raw_data_wasm.c). Here: the entry guard of the debug and trace modes.
 *
 * The guard itself is JavaScript (wasm/src/install-core.ts): WebAssembly
 * cannot catch a trap. installHPy() puts it in the function table and
 * passes its index to hpy_wasm_set_guard(); it finds the message buffer
 * with hpy_wasm_guard_message_buffer() and _size(). The creation stacks of
 * debug handles are captured by JavaScript too (hpy_wasm_set_stack_capturer). */
#include "hpy.h"
#include "wasm_guard.h"

#define EXPORTED __attribute__((visibility("default"), used))

typedef int (*guard_fn)(HPyWasmGuarded target, HPyContext *ctx, HPyFunc_Signature sig,
                        HPyCFunction func, void *args, void *unwind_arg);

static guard_fn the_guard;

#define MESSAGE_SIZE 512
static char message[MESSAGE_SIZE];

EXPORTED void hpy_wasm_set_guard(guard_fn guard)
{
    the_guard = guard;
}

EXPORTED char *hpy_wasm_guard_message_buffer(void)
{
    return message;
}

EXPORTED int hpy_wasm_guard_message_size(void)
{
    return MESSAGE_SIZE;
}

const char *hpy_wasm_guard_message(void)
{
    message[MESSAGE_SIZE - 1] = '\0';
    return message;
}

int hpy_wasm_guard_call(HPyWasmGuarded target, HPyContext *ctx, HPyFunc_Signature sig,
                        HPyCFunction func, void *args, void *unwind_arg)
{
    if (the_guard == NULL) {
        target(ctx, sig, func, args);
        return HPY_WASM_GUARD_OK;
    }
    return the_guard(target, ctx, sig, func, args, unwind_arg);
}

typedef int (*capture_fn)(char *buf, int size, int limit);

static capture_fn the_capturer;

EXPORTED void hpy_wasm_set_stack_capturer(capture_fn capture)
{
    the_capturer = capture;
}

int hpy_wasm_capture_stack(char *buf, int size, int limit)
{
    if (the_capturer == NULL || size < 1)
        return 0;
    return the_capturer(buf, size, limit);
}
