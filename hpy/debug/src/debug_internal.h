/* Internals of the HPy debug mode (the debug context of hpy.universal).
 *
 * An extension loaded in debug mode gets a debug context whose functions
 * wrap the universal context. Every handle it sees is a *debug handle*: the
 * address of a DebugHandle record, which holds the universal handle (in this
 * host the PyObject*: one owned reference while the handle is open, none for
 * the argument handles of a call, which borrow the caller's), whether it is
 * open or closed, its generation, and optionally the protected copy of raw
 * data obtained through it and the C stack where it was created.
 *
 * Records come from chunks that are never freed, so looking at a stale or
 * bogus handle never touches unmapped memory: a handle is valid only if its
 * address is a record inside a chunk. Closed records wait in a bounded queue
 * (a ring; so that use after close is reported with the details of the
 * handle) before going back to the free list.
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
 * handles / builders, and then the program goes on as upstream's does: a
 * closed handle used as an argument, returned or stored stands for its
 * object (handles closed while the callback is installed keep their
 * object alive while they are remembered); operations that cannot go on
 * (a double close, an invalid builder) are skipped.
 *
 * Speed: what every call and every handle goes through is inline below
 * (the checks of a wrapper, opening, looking up and closing a handle,
 * argument handles); everything that builds a message (describing a
 * handle, the function of a frame) runs only when a violation is reported.
 *
 * Everything here runs with the GIL held. */
#ifndef HPY_DEBUG_INTERNAL_H
#define HPY_DEBUG_INTERNAL_H

#include "hpy.h"

#include <stdarg.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__ELF__) && defined(__GLIBC__)
/* initial-exec: one instruction (%fs-relative on x86-64) instead of a call
 * to __tls_get_addr for every frame. hpy.universal is dlopen()ed: the 8
 * bytes come from the static TLS surplus glibc reserves for such
 * libraries (other C libraries get the default model). */
#    define DEBUG_THREAD_LOCAL __thread __attribute__((tls_model("initial-exec")))
#elif defined(__GNUC__) || defined(__clang__)
#    define DEBUG_THREAD_LOCAL __thread
#elif defined(_MSC_VER)
#    define DEBUG_THREAD_LOCAL __declspec(thread)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#    define DEBUG_THREAD_LOCAL _Thread_local
#endif

typedef struct DebugFrame DebugFrame;
typedef struct DebugHandle DebugHandle;

#if defined(__GNUC__) || defined(__clang__)
#    define DEBUG_LIKELY(x) __builtin_expect(!!(x), 1)
#    define DEBUG_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* the violation paths: out of line (the fast paths then need no stack
 * frame of their own), laid out apart */
#    define DEBUG_COLD __attribute__((noinline, cold))
#    define DEBUG_ALWAYS_INLINE inline __attribute__((always_inline))
#    define DEBUG_ASSUME(x)              \
        do {                             \
            if (!(x))                    \
                __builtin_unreachable(); \
        } while (0)
#else
#    define DEBUG_LIKELY(x) (x)
#    define DEBUG_UNLIKELY(x) (x)
#    define DEBUG_COLD
#    define DEBUG_ALWAYS_INLINE inline
#    define DEBUG_ASSUME(x) ((void)0)
#endif

/* ---- debug handles ---- */

enum {
    DH_FREE = 0,   /* in the free list */
    DH_OPEN = 1,   /* open (in no list) */
    DH_CLOSED = 2, /* in the closed queue */
    DH_CONST = 3,  /* a context constant: never closes, in no list */
};
/* DH_OPEN and DH_CONST (the states a handle may be used in) have bit 0 set. */
#define DH_USABLE(state) ((state)&1)

/* Protection state of the raw data of a handle. */
enum {
    RAW_NONE = 0,     /* no raw data */
    RAW_READONLY = 1, /* handle open: the copy is mapped read-only */
    RAW_NOACCESS = 2, /* handle closed: the copy is mapped without access */
    RAW_PENDING = 3,  /* handle closed: the copy is poisoned, still mapped
                        * read-only until its batch is protected
                        * (debug_raw_data.c) */
};

/* What the bytes of raw data read as between the close of its handle and
 * the protection of its page (when that is deferred, see debug_raw_data.c). */
#define DEBUG_RAW_POISON 0xDB

/* The default number of pages of closed raw data protected at once. */
#define DEBUG_RAW_BATCH_DEFAULT 128

struct DebugHandle {
    /* The first cache line: what opening, closing and recycling touch. */
    PyObject *obj;     /* owned while open or const; stale once closed */
    DebugHandle *next; /* the free list */
    /* An argument handle: the frame it is an argument of (kept once closed,
     * or debug_no_frame after DebugHandle._force_close()); else NULL. */
    DebugFrame *frame;
    const char *created_by; /* the API function that opened it (not set for
                             * arguments) */
    uint64_t serial;        /* unique for each life of the record */
    const char *closed_by;  /* the API function that closed it */
    /* Type of the object, kept when closing: the tp_name of a static type
     * (which lives as long as the process), else the name kept for a heap
     * type (DebugTypeName, valid while the record is in the closed queue)
     * or a copy in type_name_buf. */
    const char *type_name;
    int32_t generation;
    unsigned char state;
    unsigned char raw_state;
    unsigned char cold; /* raw data or a stack trace may have to be
                             * released when the record is recycled */
    /* Cold. */
    unsigned char raw_pooled; /* raw_data is a page of the raw-data pool (of
                               * this pool epoch, see debug_raw_data.c), or 0 */
    /* Closed while set_on_invalid_handle had a callback: the record owns a
     * reference to `obj` until it is recycled, so that a use after close
     * can go on with the object once the callback is called. */
    unsigned char kept;
    /* raw_data is a slot of a shared page of the pool (debug_raw_data.c):
     * raw_writer is then its DebugRawPage */
    unsigned char raw_packed;
    int trace_len;
    void **trace;           /* creation stack (set_handle_stack_trace_limit) */
    const char *const_name; /* context constants: e.g. "h_None" */
    /* raw data (HPyBytes_AsString & co) */
    char *raw_data;      /* the protected copy */
    char *raw_writer;    /* pooled: the writable view of the same page */
    size_t raw_size;     /* bytes copied, NUL terminator included */
    size_t raw_map_size; /* size of the mapping (or pool page) */
    const char *raw_by;  /* the API function that returned it */
    /* (192 bytes in all on 64-bit platforms, the name in the third cache
     * line. Not 256: with a power-of-two stride, the lines that closing
     * touches (the first and the name's) all fall into a quarter of the
     * cache sets, and the name copy of a heap type missed the cache:
     * meth_o took 48 ns instead of 40, alloc_instance 98 instead of 56.) */
    char type_name_buf[64];
};

/* ---- call frames and contexts ---- */

#define DEBUG_FRAME_SMALL_ARGS 8

/* A call from CPython into the extension (debug_ctx.c). The argument
 * handles of single arguments and of arrays of up to DEBUG_FRAME_SMALL_ARGS
 * (in small_args/small_array) are closed by the marshalling after the call;
 * the others (larger arrays, buffers, module creation) are kept in `args`
 * and closed by debug_frame_leave. Only the fields before `sig` are initialised when
 * a frame starts; the others are set as they are used. */
struct DebugFrame {
    DebugFrame *prev; /* the enclosing frame in this thread, or NULL */
    HPyContext *ctx;  /* the context handed to the implementation */
    /* args_capacity is 0 until the first handle goes to `args`, which is
     * then small_args or malloc()ed */
    int nargs, args_capacity;
    /* raise mode: the violations that happened while this frame ran
     * (nviolations is valid once violation is not NULL) */
    char *violation;
    /* the serial of the last handle opened before the frame started: the
     * handles opened during the call have larger ones */
    uint64_t first_serial;
    HPyFunc_Signature sig; /* (for messages) */
    HPyCFunction func;
    /* set when used */
    int nviolations;
    DebugHandle **args;
    HPy *array; /* debug_frame_arg_array: small_array or malloc()ed */
    DebugHandle *small_args[DEBUG_FRAME_SMALL_ARGS];
    HPy small_array[DEBUG_FRAME_SMALL_ARGS];
};

/* _private of every debug context. */
typedef struct {
    uint32_t state;    /* DEBUG_CTX_VALID, DEBUG_CTX_INVALID or DEBUG_CTX_LEFT */
    int is_global;     /* the context handed to extensions at load time */
    DebugFrame *frame; /* per-call contexts: the frame running with it, or NULL */
} DebugCtxInfo;

/* A debug context that may be used, or one that may not (a per-call
 * context whose call has returned): anything else is not a debug context. */
#define DEBUG_CTX_VALID 0xDEB0C7C7u
#define DEBUG_CTX_INVALID 0xDEB0DEADu
/* A per-call context between HPy_LeavePythonExecution and
 * HPy_ReenterPythonExecution: only the latter may be called with it. */
#define DEBUG_CTX_LEFT 0xDEB0A1E7u

/* ---- violations ---- */

typedef enum {
    V_HANDLE,  /* an invalid handle: set_on_invalid_handle applies */
    V_BUILDER, /* an invalid builder: set_on_invalid_builder_handle applies */
    V_OTHER,   /* any other misuse */
    V_FATAL,   /* cannot be recovered from: always aborts */
} DebugViolationKind;

/* The phrases upstream's debug mode reports these violations with: tools
 * look for them, so our messages start with them (our details follow). */
#define DEBUG_CLOSED_HANDLE "Invalid usage of already closed handle: "
#define DEBUG_CLOSED_BUILDER "Invalid usage of already closed builder: "
#define DEBUG_WRONG_CONTEXT "Error: Wrong HPy Context! "

/* Reports a violation (printf-style message; the caller names the API
 * function, `dh` if not NULL is described after it). Returns only if the
 * violation was recovered from: 0 in raise mode (the caller must then skip
 * the operation), 1 if a callback of set_on_invalid_handle /
 * set_on_invalid_builder_handle was called (the caller goes on if it can,
 * else skips the operation without an exception where it has no result). */
_HPy_HIDDEN int debug_violation(DebugViolationKind kind, DebugHandle *dh, const char *fmt, ...);

/* After a violation about the closed handle `dh` was reported to a
 * callback: whether the operation can go on with its object (kept alive
 * since the handle was closed, see DebugHandle.kept). The callback may
 * have run code that recycled the record. */
static inline int debug_can_go_on(DebugHandle *dh)
{
    return dh != NULL && dh->state == DH_CLOSED && dh->kept;
}

/* The message of the last violation recovered from (for the exception the
 * skipped operation sets); never NULL. */
_HPy_HIDDEN const char *debug_last_violation(void);

/* Sets HPyDebugError for an API function that was not executed because of
 * a recovered violation, unless an exception is already set. */
DEBUG_COLD _HPy_HIDDEN void debug_not_executed(const char *fn);

/* Raises HPyDebugError for the violations recorded in a frame that is
 * returning. A pending exception of the function becomes its __context__
 * (unless it is itself an HPyDebugError, set by a skipped operation). */
_HPy_HIDDEN void debug_frame_raise(DebugFrame *f);

/* ---- state shared with the _debug module ---- */

/* Records of handles come in chunks of this many. */
#define DEBUG_CHUNK_RECORDS 4096

typedef struct {
    HPyContext *uctx;       /* the universal context */
    DebugHandle *free_list; /* singly linked through `next` */
    char *last_chunk;       /* the chunk of the last handle looked up */
    /* debug_handle_open takes the slow path if (uintptr_t)free_list <=
     * open_slow_below: 0 normally (an empty free list), UINTPTR_MAX while
     * stack traces are recorded (one branch for both) */
    uintptr_t open_slow_below;
    uint64_t next_serial;
    int32_t generation;
    int stack_trace_limit; /* 0: off (set with debug_set_stack_trace_limit) */
    /* The queue of closed handles: a ring of closed_max entries (in an
     * array of closed_cap >= closed_max), the oldest at *closed_oldest. In
     * the steady state it is full (closed_full: closed_count == closed_max
     * > 0): the handle being closed takes the place of the oldest, which
     * goes back to the free list. */
    DebugHandle **closed_oldest, **closed_end; /* closed_end: closed_ring + closed_max */
    int closed_full;
    DebugHandle **closed_ring;
    HPy_ssize_t closed_count, closed_max, closed_cap;
    size_t raw_closed_total; /* bytes of raw data kept for closed handles */
    size_t raw_max;
    HPy_ssize_t raw_batch; /* pages protected at once (debug_raw_data.c) */
    int raw_pack_live;     /* open slots of the current shared page of raw
                                 * data (debug_raw_data.c) */
    int raise_on_violation;
    PyObject *on_invalid_handle;
    PyObject *on_invalid_builder;
    PyObject *debug_error; /* hpy.debug.HPyDebugError, once imported */
    /* References of kept objects (DebugHandle.kept) whose records were
     * recycled: released by debug_release_kept at a point where running
     * arbitrary code is safe (recycling happens while the closed queue is
     * being changed). */
    PyObject **released;
    HPy_ssize_t nreleased, released_cap;
#ifndef DEBUG_THREAD_LOCAL
    Py_tss_t frame_key; /* per thread: the innermost running frame */
#endif
} DebugState;

_HPy_HIDDEN extern DebugState debug_state;

/* Releases the references of debug_state.released. */
_HPy_HIDDEN void debug_release_kept(void);

/* Sets closed_full (the inline fast path of closing), after the closed
 * queue or the handle callback changed. */
_HPy_HIDDEN void debug_update_closed_full(void);

/* Initialises the state (idempotent): reads HPY_DEBUG_RAISE. */
_HPy_HIDDEN void debug_state_init(void);

/* The innermost frame running in this thread (calls can interleave across
 * threads whenever the GIL is released), or NULL. A thread-local variable
 * where the compiler has them (a few instructions), else Python's TSS. */
#ifdef DEBUG_THREAD_LOCAL
_HPy_HIDDEN extern DEBUG_THREAD_LOCAL DebugFrame *debug_tls_frame;

static inline DebugFrame *debug_current_frame(void)
{
    return debug_tls_frame;
}

static inline void debug_set_current_frame(DebugFrame *f)
{
    debug_tls_frame = f;
}
#else
static inline DebugFrame *debug_current_frame(void)
{
    return (DebugFrame *)PyThread_tss_get(&debug_state.frame_key);
}

static inline void debug_set_current_frame(DebugFrame *f)
{
    if (PyThread_tss_set(&debug_state.frame_key, f) != 0)
        Py_FatalError("HPy debug mode: cannot set thread-specific data");
}
#endif

/* ---- handles (debug_handles.c; the hot paths inline) ---- */

/* The record of a handle value, or NULL if it is not one (HPy_NULL too).
 * Memory-safe for any value: it is a record only if it lies in a chunk. */
_HPy_HIDDEN DebugHandle *debug_handle_lookup_slow(uintptr_t p);

static DEBUG_ALWAYS_INLINE DebugHandle *debug_handle_lookup(HPy h)
{
    uintptr_t p = (uintptr_t)h._i;
    uintptr_t off = p - (uintptr_t)debug_state.last_chunk;
    if (DEBUG_LIKELY(off < DEBUG_CHUNK_RECORDS * sizeof(DebugHandle)))
        return off % sizeof(DebugHandle) == 0 ? (DebugHandle *)p : NULL;
    return debug_handle_lookup_slow(p);
}

/* debug_handle_lookup without the slow path: the record of `h` if it is
 * one of the chunk of the last lookup, else NULL (maybe a handle of another
 * chunk: the caller's slow path looks again). Only once a chunk exists
 * (there is one as soon as a debug context exists: its constants): a record
 * is then never at address 0, which the callers need not test. */
static DEBUG_ALWAYS_INLINE DebugHandle *debug_handle_lookup_fast(HPy h)
{
    uintptr_t p = (uintptr_t)h._i;
    uintptr_t off = p - (uintptr_t)debug_state.last_chunk;
    if (DEBUG_LIKELY(off < DEBUG_CHUNK_RECORDS * sizeof(DebugHandle) &&
                     off % sizeof(DebugHandle) == 0)) {
        DEBUG_ASSUME(p != 0);
        return (DebugHandle *)p;
    }
    return NULL;
}

static inline HPy debug_as_hpy(DebugHandle *dh)
{
    HPy h;
    h._i = (intptr_t)dh;
    return h;
}

/* What DebugHandle._force_close() leaves in `frame` of an argument handle:
 * no frame closes it any more, and it still owns no reference. */
_HPy_HIDDEN extern DebugFrame debug_no_frame;

/* The slow path of debug_handle_open: a new chunk, or a stack trace. */
_HPy_HIDDEN DebugHandle *debug_handle_open_slow(PyObject *obj, const char *created_by,
                                                DebugFrame *frame);

/* A new open handle owning the reference `obj` (stolen), or an argument
 * handle of `frame` if not NULL (borrowing `obj`); NULL with MemoryError set
 * (and `obj` released) if no record can be allocated. Open handles are in
 * no list: get_open_handles() scans the chunks. */
static DEBUG_ALWAYS_INLINE DebugHandle *debug_handle_open(PyObject *obj, const char *created_by,
                                                          DebugFrame *frame)
{
    DebugHandle *dh = debug_state.free_list;
    if (DEBUG_UNLIKELY((uintptr_t)dh <= debug_state.open_slow_below))
        return debug_handle_open_slow(obj, created_by, frame);
    debug_state.free_list = dh->next;
    dh->obj = obj;
    dh->frame = frame;
    if (frame == NULL) /* (known when inlined) */
        dh->created_by = created_by;
    dh->serial = ++debug_state.next_serial;
    dh->generation = debug_state.generation;
    dh->state = DH_OPEN;
    return dh;
}

/* debug_handle_open of a new handle without the slow path: NULL (and
 * nothing done) when debug_handle_open would take it. */
static DEBUG_ALWAYS_INLINE DebugHandle *debug_handle_open_fast(PyObject *obj,
                                                               const char *created_by)
{
    DebugHandle *dh = debug_state.free_list;
    if (DEBUG_UNLIKELY((uintptr_t)dh <= debug_state.open_slow_below))
        return NULL;
    debug_state.free_list = dh->next;
    dh->obj = obj;
    dh->frame = NULL;
    dh->created_by = created_by;
    dh->serial = ++debug_state.next_serial;
    dh->generation = debug_state.generation;
    dh->state = DH_OPEN;
    return dh;
}

static inline DebugHandle *debug_handle_new(PyObject *obj, const char *created_by)
{
    return debug_handle_open(obj, created_by, NULL);
}

/* A never-closing handle for a context constant (borrowed object). */
_HPy_HIDDEN DebugHandle *debug_handle_new_const(PyObject *obj, const char *name);

/* The chunks of records (debug_handles.c), sorted by address: what scans
 * every record (the open handles, the raw-data pool after fork, the
 * SIGSEGV handler) goes through them. */
_HPy_HIDDEN extern DebugHandle **debug_chunks;
_HPy_HIDDEN extern HPy_ssize_t debug_nchunks;

/* The cold parts of closing: protecting raw data (debug_raw_data.c),
 * queueing when the queue is not full or has no room at all, trimming
 * the raw data kept (debug_closed_queue.c), releasing what a record
 * leaving the closed queue still holds (debug_handles.c). */
_HPy_HIDDEN void debug_raw_data_close(DebugHandle *dh);
_HPy_HIDDEN void debug_closed_push_slow(DebugHandle *dh);
_HPy_HIDDEN void debug_trim_raw_data(void);
_HPy_HIDDEN void debug_recycle_cold(DebugHandle *dh);

/* Raw data (debug_raw_data.c): frees the copy of `dh`, if any (a pooled
 * page stays inaccessible until it is used again); registers what fork()
 * needs (called once, from debug_state_init). */
_HPy_HIDDEN void debug_release_raw_data(DebugHandle *dh);
_HPy_HIDDEN void debug_raw_data_init(void);

/* The pages of closed raw data whose protection is deferred are protected
 * in batches of n (1: at once); debug_protect_closed_raw_data protects the
 * pending ones now. */
_HPy_HIDDEN void debug_set_raw_batch(HPy_ssize_t n);
_HPy_HIDDEN void debug_protect_closed_raw_data(void);
#ifdef HPY_WASM_HOST
/* WebAssembly: checks that the copies of closed raw data still hold their
 * poison; -1 with HPyDebugError set if one was written to
 * (wasm/host/src/debug_raw_data_wasm.c). */
_HPy_HIDDEN int debug_check_closed_raw_data(void);
#endif

/* A call into the extension returns while the current shared page of raw
 * data has open slots (raw_pack_live): they may be kept beyond the call,
 * so the page hands out no more (debug_raw_data.c). */
_HPy_HIDDEN void debug_raw_pack_call_returns(void);

/* Installs the SIGSEGV handler that reports faulting accesses to raw data
 * (debug_segv.c; once, when raw data is first protected). */
_HPy_HIDDEN void debug_install_segv_handler(void);

/* The name of a heap type, copied once for all the handles closed with an
 * object of that type (debug_type_names.c): found by the address of the type
 * in a table, and valid for as long as the type lives without a new name
 * (tp_name is a new string when __name__ is set). It is dropped by a weak
 * reference callback when the type dies (or when it has a new name), after
 * the closed handles that point to its name have been given a copy of
 * their own: a closed handle never points to freed memory. */
typedef struct DebugTypeName DebugTypeName;
struct DebugTypeName {
    PyTypeObject *tp;
    const char *tp_name; /* tp->tp_name when `name` was copied */
    const char *name;    /* the copy (malloc()ed) */
    PyObject *ht_name;   /* a reference to the type's __name__ of then
                             * (see debug_type_names.c) */
    PyObject *weakref;   /* to tp, with the callback */
    DebugTypeName *next; /* in the bucket */
};
#define DEBUG_TYPE_NAME_BUCKETS 64
_HPy_HIDDEN extern DebugTypeName *debug_type_names[DEBUG_TYPE_NAME_BUCKETS];

static inline size_t debug_type_name_bucket(PyTypeObject *tp)
{
    uintptr_t p = (uintptr_t)tp;
    return (size_t)((p >> 4) ^ (p >> 10)) & (DEBUG_TYPE_NAME_BUCKETS - 1);
}

/* The slow path of keeping the type name of a heap type: another entry of
 * the bucket, a new entry, or a copy in the record. */
_HPy_HIDDEN void debug_keep_type_name(DebugHandle *dh, PyTypeObject *tp);

/* The i-th oldest handle of the closed queue (0 <= i < closed_count). */
static inline DebugHandle *debug_closed_at(HPy_ssize_t i)
{
    HPy_ssize_t k = (debug_state.closed_oldest - debug_state.closed_ring) + i;
    if (k >= debug_state.closed_max)
        k -= debug_state.closed_max;
    return debug_state.closed_ring[k];
}

/* A record leaving the closed queue goes back to the free list. */
static DEBUG_ALWAYS_INLINE void debug_recycle(DebugHandle *dh)
{
    if (DEBUG_UNLIKELY(dh->cold))
        debug_recycle_cold(dh);
    dh->state = DH_FREE; /* (its stale `obj` is never read) */
    dh->next = debug_state.free_list;
    debug_state.free_list = dh;
}

/* Marks `dh` closed and queues it (without releasing its object): the
 * whole of it, out of line (debug_handles.c). */
_HPy_HIDDEN void debug_handle_mark_closed_slow(DebugHandle *dh, PyObject *obj,
                                               const char *closed_by);

#ifdef HPY_WASM_HOST
/* The stable ABI has no tp_flags field (tp_name is among the first fields,
 * whose place is stable). */
#    define DEBUG_TYPE_FLAGS(tp) PyType_GetFlags(tp)
#else
#    define DEBUG_TYPE_FLAGS(tp) ((tp)->tp_flags)
#endif

/* The common case of debug_handle_mark_closed, which makes no call: the
 * type name is known without copying, no raw data, a full closed queue
 * whose oldest record has nothing cold to release. Returns 0 (and does
 * nothing) otherwise. */
static DEBUG_ALWAYS_INLINE int debug_handle_mark_closed_fast(DebugHandle *dh, PyObject *obj,
                                                             const char *closed_by)
{
    PyTypeObject *tp = Py_TYPE(obj);
    const char *name;
    DebugHandle **slot, *old;
    /* a static type (and its name) lives as long as the process */
    if (DEBUG_LIKELY(!(DEBUG_TYPE_FLAGS(tp) & Py_TPFLAGS_HEAPTYPE))) {
        name = tp->tp_name;
    }
    else {
        /* (the type is alive: `obj` is) */
        DebugTypeName *e = debug_type_names[debug_type_name_bucket(tp)];
        if (DEBUG_UNLIKELY(e == NULL || e->tp != tp || e->tp_name != tp->tp_name))
            return 0;
        name = e->name;
    }
    if (DEBUG_UNLIKELY(dh->raw_state != RAW_NONE || !debug_state.closed_full))
        return 0;
    /* The queue is full in the steady state: `dh` takes the place of the
     * oldest, which goes back to the free list. */
    slot = debug_state.closed_oldest;
    old = *slot;
    if (DEBUG_UNLIKELY(old->cold))
        return 0;
    dh->state = DH_CLOSED;
    dh->closed_by = closed_by;
    dh->type_name = name;
    *slot = dh;
    debug_state.closed_oldest = ++slot == debug_state.closed_end ? debug_state.closed_ring : slot;
    old->state = DH_FREE; /* (its stale `obj` is never read) */
    old->next = debug_state.free_list;
    debug_state.free_list = old;
    return 1;
}

/* Marks `dh` closed and queues it (without releasing its object). */
static DEBUG_ALWAYS_INLINE void debug_handle_mark_closed(DebugHandle *dh, PyObject *obj,
                                                         const char *closed_by)
{
    if (DEBUG_LIKELY(debug_handle_mark_closed_fast(dh, obj, closed_by)))
        return;
    debug_handle_mark_closed_slow(dh, obj, closed_by);
}

/* Closes an open handle: releases its reference (unless `steal`, when the
 * caller takes it over), protects its raw data, queues it as closed. */
static DEBUG_ALWAYS_INLINE void debug_handle_close(DebugHandle *dh, const char *closed_by,
                                                   int steal)
{
    PyObject *obj = dh->obj;
    int owned = !steal && dh->frame == NULL;
    debug_handle_mark_closed(dh, obj, closed_by);
    /* Last: releasing the object may run arbitrary code. Argument handles
     * own no reference: the caller keeps its arguments alive during the
     * call, and they are closed when it returns. */
    if (owned)
        Py_DECREF(obj);
}

/* Appends a description of `dh` (what it refers to, who created/closed it,
 * the creation stack if recorded) to `out`. */
typedef struct {
    char *buf;
    size_t len, cap;
} DebugStr;
_HPy_HIDDEN void debug_str_printf(DebugStr *s, const char *fmt, ...);
_HPy_HIDDEN void debug_str_vprintf(DebugStr *s, const char *fmt, va_list ap);
_HPy_HIDDEN void debug_describe_handle(DebugStr *s, DebugHandle *dh);

/* The open handles of generation >= gen, oldest first (a malloc()ed
 * array of *n items, or NULL if out of memory). */
_HPy_HIDDEN DebugHandle **debug_open_handles(long gen, HPy_ssize_t *n);

/* The builders (HPyListBuilder/HPyTupleBuilder) of generation >= gen that
 * were neither built nor cancelled, oldest first (debug_wrappers.c): a
 * malloc()ed array of *n items, or NULL if out of memory. */
typedef struct {
    const char *what;    /* "HPyListBuilder" or "HPyTupleBuilder" */
    const void *address; /* the builder word */
    HPy_ssize_t size;    /* the size given to New */
} DebugOpenBuilder;
_HPy_HIDDEN DebugOpenBuilder *debug_open_builders(long gen, HPy_ssize_t *n);

/* Settings. */
_HPy_HIDDEN void debug_set_closed_max(HPy_ssize_t n);
_HPy_HIDDEN void debug_set_stack_trace_limit(int n);
_HPy_HIDDEN void debug_set_raw_max(size_t n);

/* Raw data: returns a read-only copy of `data` (`size` bytes, NUL
 * included) owned by `dh`, or `data` itself if no copy can be made. */
_HPy_HIDDEN const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size,
                                               const char *fn);
/* How both hosts' debug_protect_raw_data start: the pointer to hand out
 * without a new copy (`data` itself for a handle that is not open, the
 * same copy when asked again through the same handle), or NULL once the
 * handle's old copy, if any, is released (`data` is not NULL). */
static inline const char *debug_raw_data_kept(DebugHandle *dh, const char *data, size_t size)
{
    if (dh->state != DH_OPEN)
        return data;
    if (dh->raw_state == RAW_READONLY && dh->raw_size == size &&
        memcmp(dh->raw_data, data, size) == 0)
        return dh->raw_data;
    debug_release_raw_data(dh);
    return NULL;
}

/* ---- contexts and frames (debug_ctx.c) ---- */

static inline HPyContext *debug_uctx(void)
{
    return debug_state.uctx;
}

/* The violation paths of the checks below. */
DEBUG_COLD _HPy_HIDDEN HPyContext *debug_enter_slow(HPyContext *dctx, const char *fn);
DEBUG_COLD _HPy_HIDDEN int debug_unwrap_slow(HPy h, DebugHandle *dh, const char *fn,
                                             const char *param, HPy *out);

/* Whether `dctx` is a debug context that may be used (the fast path of
 * debug_enter). */
static DEBUG_ALWAYS_INLINE int debug_ctx_is_valid(HPyContext *dctx)
{
    DebugCtxInfo *info;
    if (DEBUG_UNLIKELY(dctx == NULL))
        return 0;
    info = (DebugCtxInfo *)dctx->_private;
    return DEBUG_LIKELY(info != NULL && info->state == DEBUG_CTX_VALID);
}

/* Checks that `dctx` may be used; returns the universal context, or NULL
 * after a recovered violation. */
static DEBUG_ALWAYS_INLINE HPyContext *debug_enter(HPyContext *dctx, const char *fn)
{
    if (DEBUG_LIKELY(debug_ctx_is_valid(dctx))) {
        HPyContext *uctx = debug_state.uctx;
        /* set before any debug context is handed out: the callers' test
         * of the result for NULL is then only on the slow path */
        DEBUG_ASSUME(uctx != NULL);
        return uctx;
    }
    /* (only returns NULL here: it returns the universal context for a
     * valid context alone; known to the callers, whose fast and slow paths
     * then do not join) */
    debug_enter_slow(dctx, fn);
    return NULL;
}

/* Checks that `h` is an open debug handle (or HPy_NULL) and stores its
 * universal handle in *out. Returns 0 (also when a callback was told about
 * a closed handle whose object can still be used: debug_can_go_on), or -1
 * after a recovered violation. */
static DEBUG_ALWAYS_INLINE int debug_unwrap(HPyContext *dctx, HPy h, const char *fn,
                                            const char *param, HPy *out)
{
    DebugHandle *dh;
    (void)dctx;
    if (HPy_IsNull(h)) {
        *out = HPy_NULL;
        return 0;
    }
    dh = debug_handle_lookup(h);
    if (DEBUG_LIKELY(dh != NULL && DH_USABLE(dh->state))) {
        *out = _py2h(dh->obj);
        return 0;
    }
    return debug_unwrap_slow(h, dh, fn, param, out);
}

/* debug_unwrap without its slow path: 1 if `h` is HPy_NULL or an open
 * handle of the chunk of the last lookup (its universal handle in *out),
 * else 0: the caller then goes to debug_unwrap (a violation, or a handle of
 * another chunk). */
static DEBUG_ALWAYS_INLINE int debug_unwrap_fast(HPy h, HPy *out)
{
    DebugHandle *dh;
    if (HPy_IsNull(h)) {
        *out = HPy_NULL;
        return 1;
    }
    dh = debug_handle_lookup_fast(h);
    if (DEBUG_LIKELY(dh != NULL && DH_USABLE(dh->state))) {
        *out = _py2h(dh->obj);
        return 1;
    }
    return 0;
}

/* Wraps a new universal handle in a new debug handle (HPy_NULL stays). */
_HPy_NOINLINE _HPy_HIDDEN HPy debug_open_slow(HPy uh, const char *fn);

static DEBUG_ALWAYS_INLINE HPy debug_open(HPyContext *dctx, HPy uh, const char *fn)
{
    DebugHandle *dh;
    (void)dctx;
    if (HPy_IsNull(uh))
        return HPy_NULL;
    dh = debug_handle_open_fast(_h2py(uh), fn);
    if (DEBUG_LIKELY(dh != NULL))
        return debug_as_hpy(dh);
    /* a tail call: the wrappers need no registers kept for it */
    return debug_open_slow(uh, fn);
}

/* Frames: the generated marshalling (autogen_debug_call_real.h) and
 * debug_ctx.c use these. */
_HPy_HIDDEN void debug_frame_grow_args(DebugFrame *f);
_HPy_NO_RETURN _HPy_HIDDEN void debug_out_of_memory_args(void);

/* An argument handle of `f` for `obj` (borrowed: see debug_handle_close),
 * which the caller closes with debug_frame_close_arg; NULL for NULL. */
static DEBUG_ALWAYS_INLINE DebugHandle *debug_frame_open_arg(DebugFrame *f, PyObject *obj)
{
    DebugHandle *dh;
    if (obj == NULL)
        return NULL;
    dh = debug_handle_open(obj, NULL, f);
    if (DEBUG_UNLIKELY(dh == NULL))
        debug_out_of_memory_args();
    return dh;
}

/* Closes an argument handle of debug_frame_open_arg when the call returns
 * (unless something, e.g. DebugHandle._force_close(), closed it first). */
static DEBUG_ALWAYS_INLINE void debug_frame_close_arg(DebugFrame *f, DebugHandle *dh)
{
    if (dh != NULL && dh->state == DH_OPEN && dh->frame == f)
        debug_handle_mark_closed(dh, dh->obj, "the return of the call it was an argument of");
}

/* An argument handle that debug_frame_leave closes. */
static DEBUG_ALWAYS_INLINE HPy debug_frame_arg(DebugFrame *f, PyObject *obj)
{
    DebugHandle *dh = debug_frame_open_arg(f, obj);
    if (dh == NULL)
        return HPy_NULL;
    if (DEBUG_UNLIKELY(f->nargs == f->args_capacity)) /* also the first time */
        debug_frame_grow_args(f);
    f->args[f->nargs++] = dh;
    return debug_as_hpy(dh);
}

_HPy_HIDDEN const HPy *debug_frame_arg_array(DebugFrame *f, PyObject *const *objs, HPy_ssize_t n);

/* The argument handles of an array of n <= DEBUG_FRAME_SMALL_ARGS objects
 * (the common case), in the frame's small arrays and not in `args`: the
 * caller closes them with debug_frame_close_small_array when the call
 * returns. A frame has at most one array of arguments: then `args` never
 * uses the small arrays (debug_frame_arg is not used with this). */
static DEBUG_ALWAYS_INLINE const HPy *
debug_frame_open_small_array(DebugFrame *f, PyObject *const *objs, HPy_ssize_t n)
{
    for (HPy_ssize_t i = 0; i < n; i++) {
        DebugHandle *dh = debug_frame_open_arg(f, objs[i]);
        f->small_args[i] = dh;
        f->small_array[i] = debug_as_hpy(dh);
    }
    return f->small_array;
}

static DEBUG_ALWAYS_INLINE void debug_frame_close_small_array(DebugFrame *f, HPy_ssize_t n)
{
    for (HPy_ssize_t i = 0; i < n; i++)
        debug_frame_close_arg(f, f->small_args[i]);
}

/* Either of the two above, by the size of the array. */
static DEBUG_ALWAYS_INLINE const HPy *debug_frame_open_array(DebugFrame *f, PyObject *const *objs,
                                                             HPy_ssize_t n)
{
    if (DEBUG_LIKELY(n <= DEBUG_FRAME_SMALL_ARGS))
        return debug_frame_open_small_array(f, objs, n);
    return debug_frame_arg_array(f, objs, n); /* closed by debug_frame_leave */
}

static DEBUG_ALWAYS_INLINE void debug_frame_close_array(DebugFrame *f, HPy_ssize_t n)
{
    if (DEBUG_LIKELY(n <= DEBUG_FRAME_SMALL_ARGS))
        debug_frame_close_small_array(f, n);
}

/* The _debug module (debug_module.c). */
_HPy_HIDDEN PyObject *hpy_debug_module_create(void);

#endif /* HPY_DEBUG_INTERNAL_H */
