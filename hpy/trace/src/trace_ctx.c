/* The trace context: every context function counts its calls and adds up
 * its duration around the call into the universal context, and calls the
 * Python functions installed by set_trace_functions on entry and exit.
 * Handles pass through unchanged (they are universal handles). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#    define _POSIX_C_SOURCE 200809L
#endif
#include "trace_internal.h"
#include "hpy_host.h"
#ifdef HPY_WASM_HOST
#    include "wasm_guard.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#    define DEBUG_TRACE_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#    define DEBUG_TRACE_LIKELY(x) (x)
#endif

TraceState trace_state;

/* Per member id (allocated by init_state). */
static uint64_t *counts, *durations;
static HPyContext *uctx_cached;
static struct _HPyContext_s trace_ctx;

static inline uint64_t now_ns(void)
{
#ifdef _WIN32
    return (uint64_t)_PyTime_GetPerfCounter();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* The clock of the durations. Two readings per traced call dominate the
 * cost of the trace mode, so where the kernel itself keeps time with the
 * time-stamp counter (Linux on x86-64 with the "tsc" clocksource: the
 * counter is invariant and synchronised across CPUs), the durations are
 * added up in TSC ticks, read with RDTSC (a few ns, against ~15-40 ns for
 * clock_gettime), and converted to nanoseconds when asked for, at the
 * rate measured against CLOCK_MONOTONIC between the start of the trace
 * mode and the first time durations are asked for.
 * Elsewhere, or with HPY_TRACE_CLOCK=monotonic, clock_gettime
 * (CLOCK_MONOTONIC) in nanoseconds. */
#if defined(__linux__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#    include <x86intrin.h>
#    define TRACE_HAVE_TSC 1
static int use_tsc;
static uint64_t tsc0, ns0; /* the start of the rate measurement */
static double ns_per_tick; /* once measured (0: not yet) */

static int kernel_uses_tsc(void)
{
    char buf[16] = { 0 };
    const char *env = getenv("HPY_TRACE_CLOCK");
    FILE *f;
    if (env != NULL && strcmp(env, "monotonic") == 0)
        return 0;
    f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    fclose(f);
    return strcmp(buf, "tsc\n") == 0 || strcmp(buf, "tsc") == 0;
}

/* One (TSC, CLOCK_MONOTONIC) pair read at the same moment: the clock is
 * read between two TSC readings, and of a few tries the tightest bracket
 * wins, so that a preemption between the readings (milliseconds on a busy
 * machine) does not skew the rate measured from two such pairs. */
static void read_clock_pair(uint64_t *tsc, uint64_t *ns)
{
    uint64_t best_width = UINT64_MAX;
    int i;
    *tsc = *ns = 0;
    for (i = 0; i < 8; i++) {
        uint64_t a = __rdtsc();
        uint64_t n = now_ns();
        uint64_t b = __rdtsc();
        if (b - a < best_width) {
            best_width = b - a;
            *tsc = a + (b - a) / 2;
            *ns = n;
        }
    }
}

static void init_clock(void)
{
    use_tsc = kernel_uses_tsc();
    if (use_tsc)
        read_clock_pair(&tsc0, &ns0);
}

/* Measures ns_per_tick once, when first needed, over the time elapsed
 * since init_clock (at least 10 ms: waits if it comes sooner; usually much
 * more, hence precise). It is not refined later, so that durations keep
 * adding up consistently (a function not called between two reports keeps
 * the same duration). */
static void measure_rate(void)
{
    uint64_t t, n;
    if (ns_per_tick != 0)
        return;
    for (;;) {
        read_clock_pair(&t, &n);
        if (n - ns0 >= 10000000u)
            break;
    }
    ns_per_tick = (double)(n - ns0) / (double)(t - tsc0);
}

static inline uint64_t trace_now(void)
{
    return DEBUG_TRACE_LIKELY(use_tsc) ? __rdtsc() : now_ns();
}
#else
static void init_clock(void)
{
}

static inline uint64_t trace_now(void)
{
    return now_ns();
}
#endif

uint64_t trace_ticks_to_ns(uint64_t ticks)
{
#ifdef TRACE_HAVE_TSC
    if (use_tsc) {
        measure_rate();
        return (uint64_t)((double)ticks * ns_per_tick + 0.5);
    }
#endif
    return ticks;
}

uint64_t trace_clock_frequency(void)
{
#ifdef TRACE_HAVE_TSC
    if (use_tsc) {
        measure_rate();
        return (uint64_t)(1e9 / ns_per_tick + 0.5);
    }
#endif
#ifdef _WIN32
    return 1000000000u;
#else
    struct timespec res;
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || res.tv_sec != 0 || res.tv_nsec <= 0)
        return 1000000000u;
    return 1000000000u / (uint64_t)res.tv_nsec;
#endif
}

/* Calls a trace function with the member name, keeping any exception the
 * extension has set. Context functions may run without the GIL
 * (HPy_ReenterPythonExecution): then no Python function is called. */
static void call_trace_function(PyObject *func, int id)
{
    PyObject *type, *value, *tb, *res;
    if (!PyGILState_Check())
        return;
    PyErr_Fetch(&type, &value, &tb);
    res = PyObject_CallFunctionObjArgs(func, trace_state.names[id], NULL);
    if (res == NULL)
        PyErr_WriteUnraisable(func);
    Py_XDECREF(res);
    PyErr_Restore(type, value, tb);
}

static inline HPyContext *trace_enter(HPyContext *tctx, int id, HPyTraceTimestamp *start)
{
    (void)tctx;
    counts[id]++;
    if (trace_state.on_enter != NULL)
        call_trace_function(trace_state.on_enter, id);
    start->t = trace_now();
    return uctx_cached;
}

static inline void trace_exit(HPyContext *tctx, int id, HPyTraceTimestamp *start)
{
    (void)tctx;
    durations[id] += trace_now() - start->t;
    if (trace_state.on_exit != NULL)
        call_trace_function(trace_state.on_exit, id);
}

#include "autogen_trace_wrappers.h"

/* Not traced itself (as upstream: the counts and durations are those of the
 * API the extension calls, not of the calls into the extension). */
void trace_ctx_CallRealFunctionFromTrampoline(HPyContext *tctx, HPyFunc_Signature sig,
                                              HPyCFunction func, void *args)
{
    /* The universal dispatcher hands the context it is given to `func`:
     * give it the trace context. */
#ifdef HPY_WASM_HOST
    /* through the entry guard: a trap would otherwise end Pyodide */
    hpy_wasm_guarded_call_real("trace", uctx_cached->ctx_CallRealFunctionFromTrampoline, tctx, sig,
                               func, args);
#else
    uctx_cached->ctx_CallRealFunctionFromTrampoline(tctx, sig, func, args);
#endif
}

int trace_member_count(void)
{
    return TRACE_NMEMBERS;
}

const char *trace_member_name(int id)
{
    return id >= 0 && id < TRACE_NMEMBERS ? trace_names[id] : NULL;
}

/* Interned names, so that the callbacks get str objects without allocating. */
static int init_state(void)
{
    static PyObject *names[TRACE_NMEMBERS];
    if (trace_state.names != NULL)
        return 0;
    for (int i = 0; i < TRACE_NMEMBERS; i++) {
        if (trace_names[i] == NULL)
            continue;
        names[i] = PyUnicode_InternFromString(trace_names[i]);
        if (names[i] == NULL)
            return -1;
    }
    counts = (uint64_t *)calloc(TRACE_NMEMBERS, sizeof(uint64_t));
    durations = (uint64_t *)calloc(TRACE_NMEMBERS, sizeof(uint64_t));
    if (counts == NULL || durations == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    init_clock();
    trace_state.names = names;
    trace_state.counts = counts;
    trace_state.durations = durations;
    return 0;
}

HPyContext *hpy_host_trace_ctx(void)
{
    if (trace_ctx.name != NULL)
        return &trace_ctx;
    if (init_state() < 0)
        return NULL;
    uctx_cached = hpy_host_universal_ctx();
    /* The constants are the universal ones: handles pass through. */
    memcpy(&trace_ctx, uctx_cached, sizeof(trace_ctx));
    trace_ctx_fill_functions(&trace_ctx);
    trace_ctx._private = NULL;
    trace_ctx.abi_version = HPY_ABI_VERSION;
    trace_ctx.name = "HPy Trace Mode ABI";
    return &trace_ctx;
}

_HPy_HIDDEN int trace_state_init(void);
int trace_state_init(void)
{
    return init_state();
}
