/* Internals of the HPy debug mode (the debug context of hpy.universal).
 *
 * An extension loaded in debug mode gets a debug context whose functions
 * wrap the universal context. Every handle it sees is a *debug handle*: the
 * address of a DebugHandle record, which holds the universal handle (in this
 * host the PyObject*, one owned reference while the handle is open), whether
 * it is open or closed, its generation, and optionally the protected copy of
 * raw data obtained through it and the C stack where it was created.
 *
 * Records come from chunks that are never freed, so looking at a stale or
 * bogus handle never touches unmapped memory: a handle is valid only if its
 * address is a record inside a chunk. Closed records wait in a bounded queue
 * (so that use after close is reported with the details of the handle)
 * before going back to the free list.
 *
 * Every call from CPython into the extension (a trampoline calling
 * ctx_CallRealFunctionFromTrampoline) runs in a DebugFrame with a context of
 * its own, taken from a pool: its argument handles are opened in the frame
 * and closed when it returns, and the context is marked invalid afterwards,
 * so that a context stored and used after its call is reported.
 *
 * Violations are reported by debug_violation(): by default a clear message
 * on stderr followed by abort(). In raise mode (set_raise_on_violation, or
 * HPY_DEBUG_RAISE=1) a recoverable violation is recorded in the innermost
 * frame, the offending operation is skipped, and when the frame returns to
 * CPython its result is discarded and hpy.debug.HPyDebugError is raised.
 * Python callbacks installed with set_on_invalid_handle /
 * set_on_invalid_builder_handle are called instead for violations about
 * handles / builders (the operation is skipped as in raise mode).
 *
 * Everything here runs with the GIL held. */
#ifndef HPY_DEBUG_INTERNAL_H
#define HPY_DEBUG_INTERNAL_H

#include "hpy.h"

typedef struct DebugFrame DebugFrame;
typedef struct DebugHandle DebugHandle;

/* ---- debug handles ---- */

enum {
    DH_FREE = 0,   /* in the free list */
    DH_OPEN = 1,   /* in the open list */
    DH_CLOSED = 2, /* in the closed queue */
    DH_CONST = 3,  /* a context constant: never closes, in no list */
};

/* Protection state of the raw data of a handle. */
enum {
    RAW_NONE = 0,      /* no raw data */
    RAW_READONLY = 1,  /* handle open: the copy is mapped read-only */
    RAW_NOACCESS = 2,  /* handle closed: the copy is mapped without access */
};

struct DebugHandle {
    PyObject *obj;          /* owned while open or const; stale once closed */
    DebugHandle *prev, *next;
    uint64_t serial;        /* unique for each life of the record */
    long generation;
    unsigned char state;
    unsigned char was_arg;  /* opened as an argument of a call frame */
    unsigned char raw_state;
    const char *created_by; /* the API function (or frame) that opened it */
    const char *closed_by;  /* the API function that closed it */
    const char *const_name; /* context constants: e.g. "h_None" */
    DebugFrame *frame;      /* argument of this frame, while it runs */
    char type_name[48];     /* type of the object, kept when closing */
    /* raw data (HPyBytes_AsString & co) */
    char *raw_data;         /* the protected copy (mmap) */
    size_t raw_size;        /* bytes copied, NUL terminator included */
    size_t raw_map_size;    /* size of the mapping */
    const char *raw_by;     /* the API function that returned it */
    /* creation stack (set_handle_stack_trace_limit) */
    void **trace;
    int trace_len;
};

/* ---- call frames and contexts ---- */

#define DEBUG_FRAME_SMALL_ARGS 8

struct DebugFrame {
    DebugFrame *prev;       /* the enclosing frame, or NULL */
    HPyContext *ctx;        /* the context handed to the implementation */
    HPyFunc_Signature sig;
    HPyCFunction func;
    const char *what;       /* e.g. "the HPyFunc_O function" */
    /* argument handles */
    DebugHandle *small_args[DEBUG_FRAME_SMALL_ARGS];
    DebugHandle **args;
    HPy_ssize_t nargs, args_capacity;
    HPy small_array[DEBUG_FRAME_SMALL_ARGS];  /* for debug_frame_arg_array */
    HPy *array;
    /* raise mode: the violations that happened while this frame ran */
    char *violation;
    int nviolations;
};

/* _private of every debug context. */
typedef struct {
    uint32_t magic;
    int valid;             /* may be used for API calls */
    int is_global;         /* the context handed to extensions at load time */
    DebugFrame *frame;     /* per-call contexts: the frame running with it */
    uint64_t uses;         /* how many frames have used it (for messages) */
    HPyContext *next_free; /* pool of per-call contexts */
} DebugCtxInfo;

#define DEBUG_CTX_MAGIC 0xDEB0C7C7u

/* ---- violations ---- */

typedef enum {
    V_HANDLE,   /* an invalid handle: set_on_invalid_handle applies */
    V_BUILDER,  /* an invalid builder: set_on_invalid_builder_handle applies */
    V_OTHER,    /* any other misuse */
    V_FATAL,    /* cannot be recovered from: always aborts */
} DebugViolationKind;

/* Reports a violation (printf-style message; the caller names the API
 * function, `dh` if not NULL is described after it). Returns only if the
 * violation was recovered from (raise mode or a callback): the caller must
 * then skip the operation. */
_HPy_HIDDEN void debug_violation(DebugViolationKind kind, DebugHandle *dh, const char *fmt, ...);

/* The message of the last violation recovered from (for the exception the
 * skipped operation sets); never NULL. */
_HPy_HIDDEN const char *debug_last_violation(void);

/* Sets HPyDebugError for an API function that was not executed because of
 * a recovered violation, unless an exception is already set. */
_HPy_HIDDEN void debug_not_executed(const char *fn);

/* Raises HPyDebugError for the violations recorded in a frame that is
 * returning. A pending exception of the function becomes its __context__
 * (unless it is itself an HPyDebugError, set by a skipped operation). */
_HPy_HIDDEN void debug_frame_raise(DebugFrame *f);

/* ---- state shared with the _debug module ---- */

typedef struct {
    long generation;
    uint64_t next_serial;
    DebugHandle open_list;      /* sentinel of the doubly linked open list */
    DebugHandle closed_queue;   /* sentinel; oldest first */
    HPy_ssize_t closed_count;
    HPy_ssize_t closed_max;
    size_t raw_closed_total;    /* bytes of raw data kept for closed handles */
    size_t raw_max;
    int stack_trace_limit;      /* 0: off */
    int raise_on_violation;
    PyObject *on_invalid_handle;
    PyObject *on_invalid_builder;
    PyObject *debug_error;      /* hpy.debug.HPyDebugError, once imported */
    Py_tss_t frame_key;         /* per thread: the innermost running frame */
} DebugState;

_HPy_HIDDEN extern DebugState debug_state;

/* Initialises the state (idempotent): reads HPY_DEBUG_RAISE. */
_HPy_HIDDEN void debug_state_init(void);

/* The innermost frame running in this thread (calls can interleave across
 * threads whenever the GIL is released), or NULL. */
static inline DebugFrame *debug_current_frame(void)
{
    return (DebugFrame *)PyThread_tss_get(&debug_state.frame_key);
}

static inline void debug_set_current_frame(DebugFrame *f)
{
    if (PyThread_tss_set(&debug_state.frame_key, f) != 0)
        Py_FatalError("HPy debug mode: cannot set thread-specific data");
}

/* ---- handles (debug_handles.c) ---- */

/* The record of a handle value, or NULL if it is not one (HPy_NULL too). */
_HPy_HIDDEN DebugHandle *debug_handle_lookup(HPy h);

static inline HPy debug_as_hpy(DebugHandle *dh)
{
    HPy h;
    h._i = (intptr_t)dh;
    return h;
}

/* A new open handle owning the reference `obj` (stolen); NULL with
 * MemoryError set (and `obj` released) if no record can be allocated. */
_HPy_HIDDEN DebugHandle *debug_handle_new(PyObject *obj, const char *created_by);

/* A never-closing handle for a context constant (borrowed object). */
_HPy_HIDDEN DebugHandle *debug_handle_new_const(PyObject *obj, const char *name);

/* Closes an open handle: releases its reference (unless `steal`, when the
 * caller takes it over), protects its raw data, queues it as closed. */
_HPy_HIDDEN void debug_handle_close(DebugHandle *dh, const char *closed_by, int steal);

/* Appends a description of `dh` (what it refers to, who created/closed it,
 * the creation stack if recorded) to `out`. */
typedef struct {
    char *buf;
    size_t len, cap;
} DebugStr;
_HPy_HIDDEN void debug_str_printf(DebugStr *s, const char *fmt, ...);
_HPy_HIDDEN void debug_str_vprintf(DebugStr *s, const char *fmt, va_list ap);
_HPy_HIDDEN void debug_describe_handle(DebugStr *s, DebugHandle *dh);

/* Settings. */
_HPy_HIDDEN void debug_set_closed_max(HPy_ssize_t n);
_HPy_HIDDEN void debug_set_raw_max(size_t n);

/* Raw data: returns a read-only copy of `data` (`size` bytes, NUL
 * included) owned by `dh`, or `data` itself if no copy can be made. */
_HPy_HIDDEN const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size,
                                               const char *fn);

/* ---- contexts and frames (debug_ctx.c) ---- */

_HPy_HIDDEN HPyContext *debug_uctx(void);

/* Checks that `dctx` may be used; returns the universal context, or NULL
 * after a recovered violation. */
_HPy_HIDDEN HPyContext *debug_enter(HPyContext *dctx, const char *fn);

/* Checks that `h` is an open debug handle (or HPy_NULL) and stores its
 * universal handle in *out. Returns 0, or -1 after a recovered violation. */
_HPy_HIDDEN int debug_unwrap(HPyContext *dctx, HPy h, const char *fn, const char *param, HPy *out);

/* Wraps a new universal handle in a new debug handle (HPy_NULL stays). */
_HPy_HIDDEN HPy debug_open(HPyContext *dctx, HPy uh, const char *fn);

/* Frames: the generated marshalling (autogen_debug_call_real.h) uses these. */
_HPy_HIDDEN HPy debug_frame_arg(DebugFrame *f, PyObject *obj);
_HPy_HIDDEN const HPy *debug_frame_arg_array(DebugFrame *f, PyObject *const *objs, HPy_ssize_t n);
/* Closes the argument handles and leaves the frame. Returns 1 if a
 * violation is pending (raise mode): HPyDebugError is then set and the
 * caller returns its error value. */
_HPy_HIDDEN int debug_frame_leave(DebugFrame *f);
/* The same for an implementation that returned the handle `r`: returns
 * the new reference for CPython, or NULL. */
_HPy_HIDDEN PyObject *debug_frame_leave_obj(DebugFrame *f, HPy r);
/* The same for implementations that return nothing: a pending violation
 * is reported as unraisable. */
_HPy_HIDDEN void debug_frame_leave_void(DebugFrame *f);

/* The _debug module (debug_module.c). */
_HPy_HIDDEN PyObject *hpy_debug_module_create(void);

#endif /* HPY_DEBUG_INTERNAL_H */
