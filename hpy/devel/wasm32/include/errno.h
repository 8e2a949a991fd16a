/* errno.h for HPy wasm32 side modules: Emscripten's musl keeps errno
 * per thread behind __errno_location(); the values are musl's. */
#ifndef HPY_WASM_LIBC_ERRNO_H
#define HPY_WASM_LIBC_ERRNO_H
#ifdef __cplusplus
extern "C" {
#endif
int *__errno_location(void);
#define errno (*__errno_location())
#define EPERM 63
#define ENOENT 44
#define EINTR 27
#define EIO 29
#define EBADF 8
#define EAGAIN 6
#define ENOMEM 48
#define EACCES 2
#define EEXIST 20
#define EINVAL 28
#define ERANGE 68
#define EDOM 18
#define ENOSYS 52
#define EOVERFLOW 61
#ifdef __cplusplus
}
#endif
#endif
