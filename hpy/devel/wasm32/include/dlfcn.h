/* dlfcn.h for HPy wasm32 code: Emscripten's dynamic loader, as Pyodide
 * exports it (the same one CPython uses to import extension modules). */
#ifndef HPY_WASM_LIBC_DLFCN_H
#define HPY_WASM_LIBC_DLFCN_H
#ifdef __cplusplus
extern "C" {
#endif
#define RTLD_LAZY 1
#define RTLD_NOW 2
#define RTLD_NOLOAD 4
#define RTLD_NODELETE 4096
#define RTLD_GLOBAL 256
#define RTLD_LOCAL 0
/* every loaded module, the main one first */
#define RTLD_DEFAULT ((void *)0)
void *dlopen(const char *path, int flags);
void *dlsym(void *handle, const char *name);
int dlclose(void *handle);
char *dlerror(void);
#ifdef __cplusplus
}
#endif
#endif
