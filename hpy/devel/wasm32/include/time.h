/* time.h for HPy wasm32 side modules: resolved against Pyodide's libc.
 * Emscripten's musl has a 64-bit time_t on wasm32. */
#ifndef HPY_WASM_LIBC_TIME_H
#define HPY_WASM_LIBC_TIME_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef long long time_t;
typedef long clock_t;
#define CLOCKS_PER_SEC 1000000L
/* musl's layout on wasm32: tv_nsec, then 4 bytes of padding */
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
typedef int clockid_t;
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
int clock_gettime(clockid_t clock, struct timespec *ts);
int clock_getres(clockid_t clock, struct timespec *res);
time_t time(time_t *t);
double difftime(time_t end, time_t start);
clock_t clock(void);
#ifdef __cplusplus
}
#endif
#endif
