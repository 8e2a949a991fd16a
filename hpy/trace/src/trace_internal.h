/* Internals of the HPy trace mode: a context wrapping the universal one
 * that counts the calls of every context function and adds up their
 * durations, and optionally calls Python functions on entry and exit. */
#ifndef HPY_TRACE_INTERNAL_H
#define HPY_TRACE_INTERNAL_H

#include "hpy.h"

typedef struct {
    uint64_t t; /* the clock of the durations (see trace_ctx.c) */
} HPyTraceTimestamp;

typedef struct {
    uint64_t *counts;    /* per member id */
    uint64_t *durations; /* per member id, in ticks of the clock: trace_ticks_to_ns */
    PyObject *on_enter;  /* callables or NULL */
    PyObject *on_exit;
    PyObject **names; /* str objects of the function names, per member id */
} TraceState;

_HPy_HIDDEN extern TraceState trace_state;

/* Number of members and their names (NULL for handles). */
_HPy_HIDDEN int trace_member_count(void);
_HPy_HIDDEN const char *trace_member_name(int id);

/* The frequency of the clock used, in Hz. */
_HPy_HIDDEN uint64_t trace_clock_frequency(void);

/* Converts a duration in ticks of the clock to nanoseconds. */
_HPy_HIDDEN uint64_t trace_ticks_to_ns(uint64_t ticks);

_HPy_HIDDEN PyObject *hpy_trace_module_create(void);

#endif /* HPY_TRACE_INTERNAL_H */
