/* The trace context: every context function counts its calls and adds up
 * its duration around the call into the universal context, and calls the
 * Python functions installed by set_trace_functions on entry and exit.
 * Handles pass through unchanged (they are universal handles). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#  define _POSIX_C_SOURCE 200809L
#endif
#include "trace_internal.h"
#include "hpy_host.h"

#include <string.h>
#include <time.h>

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

uint64_t trace_clock_frequency(void)
{
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
    start->ns = now_ns();
    return uctx_cached;
}

static inline void trace_exit(HPyContext *tctx, int id, HPyTraceTimestamp *start)
{
    (void)tctx;
    durations[id] += now_ns() - start->ns;
    if (trace_state.on_exit != NULL)
        call_trace_function(trace_state.on_exit, id);
}

#include "autogen_trace_wrappers.h"

void trace_ctx_CallRealFunctionFromTrampoline(HPyContext *tctx, HPyFunc_Signature sig,
                                              HPyCFunction func, void *args)
{
    HPyTraceTimestamp start;
    HPyContext *uctx = trace_enter(tctx, TRACE_ID_ctx_CallRealFunctionFromTrampoline, &start);
    /* The universal dispatcher hands the context it is given to `func`:
     * give it the trace context. */
    uctx->ctx_CallRealFunctionFromTrampoline(tctx, sig, func, args);
    trace_exit(tctx, TRACE_ID_ctx_CallRealFunctionFromTrampoline, &start);
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
    trace_ctx.name = "HPy Trace Mode ABI (counting and timing calls, wrapping the Universal ABI)";
    return &trace_ctx;
}

_HPy_HIDDEN int trace_state_init(void);
int trace_state_init(void)
{
    return init_state();
}
