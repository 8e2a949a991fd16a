/* wchar.h for HPy wasm32 side modules (wchar_t is 32 bits). */
#ifndef HPY_WASM_LIBC_WCHAR_H
#define HPY_WASM_LIBC_WCHAR_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
size_t wcslen(const wchar_t *s);
#ifdef __cplusplus
}
#endif
#endif
