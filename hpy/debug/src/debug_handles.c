/* Debug handles: records allocated from never-freed chunks, looking a
 * handle up, opening (with creation stack traces) and the slow path of
 * closing, recycling, the open handles of a generation, and describing a
 * handle for a report. The state of the debug mode is defined here too.
 *
 * The other concepts of handles have files of their own: the queue of
 * closed handles (debug_closed_queue.c), the names of the types of closed
 * handles (debug_type_names.c), the protected copies of raw data
 * (debug_raw_data.c) and the SIGSEGV handler that reports accesses to them
 * (debug_segv.c). The hot paths (opening and closing a handle, looking one
 * up) are inline in debug_internal.h; this file has their slow and cold
 * parts. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#    define _GNU_SOURCE 1
#endif
#include "debug_internal.h"
#include "utf8_cut.h"

#include <string.h>

#if defined(__GLIBC__) || defined(__APPLE__)
#    include <dlfcn.h>
#    include <execinfo.h>
#    define HAVE_BACKTRACE 1
#endif
#ifdef HPY_WASM_HOST
#    include "wasm_guard.h"
/* The text of a creation stack in WebAssembly, per frame. */
#    define WASM_TRACE_LINE 160
#endif

DebugFrame debug_no_frame;

#ifdef DEBUG_THREAD_LOCAL
DebugState debug_state;
DEBUG_THREAD_LOCAL DebugFrame *debug_tls_frame;
#else
DebugState debug_state = { .frame_key = Py_tss_NEEDS_INIT };
#endif

/* ---- chunks ---- */

#define CHUNK_RECORDS DEBUG_CHUNK_RECORDS
#define CHUNK_BYTES (CHUNK_RECORDS * sizeof(DebugHandle))

DebugHandle **debug_chunks; /* sorted by address */
HPy_ssize_t debug_nchunks;
static HPy_ssize_t chunks_capacity;

static int add_chunk(void)
{
    /* aligned on a cache line (never freed, so the start is not kept) */
    char *mem = (char *)calloc(1, CHUNK_BYTES + 64);
    if (mem == NULL)
        return -1;
    DebugHandle *chunk = (DebugHandle *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    if (debug_nchunks == chunks_capacity) {
        HPy_ssize_t cap = chunks_capacity ? 2 * chunks_capacity : 16;
        DebugHandle **n =
            (DebugHandle **)realloc(debug_chunks, (size_t)cap * sizeof(DebugHandle *));
        if (n == NULL) {
            free(mem);
            return -1;
        }
        debug_chunks = n;
        chunks_capacity = cap;
    }
    HPy_ssize_t pos = debug_nchunks;
    while (pos > 0 && debug_chunks[pos - 1] > chunk) {
        debug_chunks[pos] = debug_chunks[pos - 1];
        pos--;
    }
    debug_chunks[pos] = chunk;
    debug_nchunks++;
    for (int i = CHUNK_RECORDS - 1; i >= 0; i--) {
        chunk[i].state = DH_FREE;
        chunk[i].next = debug_state.free_list;
        debug_state.free_list = &chunk[i];
    }
    if (debug_state.last_chunk == NULL)
        debug_state.last_chunk = (char *)chunk;
    return 0;
}

/* Binary search of the chunks; remembers the chunk found for the inline
 * fast path (debug_handle_lookup). */
DebugHandle *debug_handle_lookup_slow(uintptr_t p)
{
    HPy_ssize_t lo = 0, hi = debug_nchunks - 1;
    if (p == 0)
        return NULL;
    while (lo <= hi) {
        HPy_ssize_t mid = (lo + hi) / 2;
        uintptr_t base = (uintptr_t)debug_chunks[mid];
        if (p < base)
            hi = mid - 1;
        else if (p >= base + CHUNK_BYTES)
            lo = mid + 1;
        else if ((p - base) % sizeof(DebugHandle) != 0)
            return NULL;
        else {
            debug_state.last_chunk = (char *)base;
            return (DebugHandle *)p;
        }
    }
    return NULL;
}

void debug_state_init(void)
{
    static int done = 0;
    const char *env;
    if (done)
        return;
    done = 1;
#ifndef DEBUG_THREAD_LOCAL
    if (PyThread_tss_create(&debug_state.frame_key) != 0)
        Py_FatalError("HPy debug mode: cannot create thread-specific data");
#endif
    /* The inline lookup needs a chunk to compare with from the start. */
    if (add_chunk() < 0)
        Py_FatalError("HPy debug mode: out of memory (allocating handles)");
    debug_raw_data_init();
    debug_set_closed_max(1024);
    debug_state.raw_max = 1024 * 1024 * 10;
    debug_state.raw_batch = DEBUG_RAW_BATCH_DEFAULT;
    env = getenv("HPY_DEBUG_RAW_DATA_BATCH");
    if (env != NULL && *env != '\0') {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end == '\0' && n >= 1)
            debug_state.raw_batch = n;
    }
    env = getenv("HPY_DEBUG_RAISE");
    if (env != NULL && *env != '\0' && strcmp(env, "0") != 0 && PyOS_stricmp(env, "false") != 0 &&
        PyOS_stricmp(env, "no") != 0 && PyOS_stricmp(env, "off") != 0)
        debug_state.raise_on_violation = 1;
}

/* ---- handles ---- */

#ifdef HAVE_BACKTRACE
/* Whether `addr` is code of this module (hpy.universal), whose frames
 * (the debug wrappers) are left out of creation stacks. */
static int in_this_module(void *addr)
{
#    if !defined(_WIN32)
    static void *base = NULL;
    Dl_info info;
    if (base == NULL && dladdr((void *)&in_this_module, &info) != 0)
        base = info.dli_fbase;
    return base != NULL && dladdr(addr, &info) != 0 && info.dli_fbase == base;
#    else
    (void)addr;
    return 0;
#    endif
}
#endif

#define TRACE_MAX_SKIP 8

static void capture_trace(DebugHandle *dh)
{
#ifdef HAVE_BACKTRACE
    int limit = debug_state.stack_trace_limit, skip = 0;
    void **frames = (void **)malloc((size_t)(limit + TRACE_MAX_SKIP) * sizeof(void *));
    if (frames == NULL)
        return;
    int n = backtrace(frames, limit + TRACE_MAX_SKIP);
    while (skip < n && skip < TRACE_MAX_SKIP && in_this_module(frames[skip]))
        skip++;
    if (n - skip > limit)
        n = skip + limit;
    if (n <= skip) {
        free(frames);
        return;
    }
    memmove(frames, frames + skip, (size_t)(n - skip) * sizeof(void *));
    dh->trace = frames;
    dh->trace_len = n - skip;
    dh->cold = 1;
#elif defined(HPY_WASM_HOST)
    /* No backtrace() in WebAssembly: the JavaScript capturer gives the
     * extension's frames as text. One block holds trace[0] and that text,
     * so freeing dh->trace frees both. */
    size_t size = (size_t)debug_state.stack_trace_limit * WASM_TRACE_LINE + 1;
    void **block = (void **)malloc(sizeof(void *) + size);
    if (block == NULL)
        return;
    int n = hpy_wasm_capture_stack((char *)(block + 1), (int)size, debug_state.stack_trace_limit);
    if (n <= 0) {
        free(block);
        return;
    }
    size_t used = strlen((char *)(block + 1)) + 1;
    void **shrunk = (void **)realloc(block, sizeof(void *) + used);
    if (shrunk != NULL)
        block = shrunk;
    block[0] = block + 1;
    dh->trace = block;
    dh->trace_len = n;
    dh->cold = 1;
#else
    (void)dh;
#endif
}

/* A record from the free list, its fields of a previous life reset by
 * debug_recycle(). */
static DebugHandle *alloc_record(void)
{
    DebugHandle *dh;
    if (debug_state.free_list == NULL && add_chunk() < 0)
        return NULL;
    dh = debug_state.free_list;
    debug_state.free_list = dh->next;
    dh->serial = ++debug_state.next_serial;
    dh->generation = debug_state.generation;
    return dh;
}

/* The reference of a kept object goes to debug_state.released (if that
 * cannot grow, the object stays alive). */
static void give_back_kept(PyObject *obj)
{
    if (debug_state.nreleased == debug_state.released_cap) {
        HPy_ssize_t cap = debug_state.released_cap ? 2 * debug_state.released_cap : 64;
        PyObject **a = (PyObject **)realloc(debug_state.released, (size_t)cap * sizeof(PyObject *));
        if (a == NULL)
            return;
        debug_state.released = a;
        debug_state.released_cap = cap;
    }
    debug_state.released[debug_state.nreleased++] = obj;
}

void debug_release_kept(void)
{
    /* one at a time: releasing one may run code that closes handles */
    while (debug_state.nreleased > 0) {
        PyObject *obj = debug_state.released[--debug_state.nreleased];
        Py_DECREF(obj);
    }
}

/* What a record leaving the closed queue still holds (the rest of
 * recycling is inline: debug_recycle). */
void debug_recycle_cold(DebugHandle *dh)
{
    if (dh->kept) {
        give_back_kept(dh->obj);
        dh->kept = 0;
    }
    debug_release_raw_data(dh);
    if (dh->trace != NULL) {
        free(dh->trace);
        dh->trace = NULL;
        dh->trace_len = 0;
    }
    dh->cold = 0;
}

DebugHandle *debug_handle_open_slow(PyObject *obj, const char *created_by, DebugFrame *frame)
{
    DebugHandle *dh = alloc_record();
    if (dh == NULL) {
        if (frame == NULL)
            Py_DECREF(obj);
        PyErr_NoMemory();
        return NULL;
    }
    dh->obj = obj;
    dh->frame = frame;
    dh->state = DH_OPEN;
    dh->created_by = created_by;
    if (debug_state.stack_trace_limit > 0)
        capture_trace(dh);
    return dh;
}

DebugHandle *debug_handle_new_const(PyObject *obj, const char *name)
{
    DebugHandle *dh = alloc_record();
    if (dh == NULL)
        return NULL;
    dh->obj = obj;
    dh->frame = NULL;
    dh->state = DH_CONST;
    dh->const_name = name;
    dh->created_by = "the context";
    return dh;
}

/* The open handles (DH_OPEN) of generation >= gen, in the order they were
 * opened: a scan of every chunk (open handles are in no list, so that
 * opening and closing one costs less). Returns a malloc()ed array (*n
 * items), or NULL if out of memory. */
static int compare_serials(const void *a, const void *b)
{
    uint64_t x = (*(DebugHandle *const *)a)->serial, y = (*(DebugHandle *const *)b)->serial;
    return x < y ? -1 : x > y;
}

DebugHandle **debug_open_handles(long gen, HPy_ssize_t *n)
{
    HPy_ssize_t count = 0, cap = 64;
    DebugHandle **out = (DebugHandle **)malloc((size_t)cap * sizeof(DebugHandle *));
    if (out == NULL)
        return NULL;
    for (HPy_ssize_t c = 0; c < debug_nchunks; c++) {
        for (int i = 0; i < CHUNK_RECORDS; i++) {
            DebugHandle *dh = &debug_chunks[c][i];
            if (dh->state != DH_OPEN || dh->generation < gen)
                continue;
            if (count == cap) {
                DebugHandle **bigger =
                    (DebugHandle **)realloc(out, (size_t)(2 * cap) * sizeof(DebugHandle *));
                if (bigger == NULL) {
                    free(out);
                    return NULL;
                }
                out = bigger;
                cap *= 2;
            }
            out[count++] = dh;
        }
    }
    qsort(out, (size_t)count, sizeof(DebugHandle *), compare_serials);
    *n = count;
    return out;
}

void debug_set_stack_trace_limit(int n)
{
    debug_state.stack_trace_limit = n;
    debug_state.open_slow_below = n > 0 ? UINTPTR_MAX : 0;
}

/* ---- descriptions ---- */

void debug_describe_handle(DebugStr *s, DebugHandle *dh)
{
    char tn[_HPy_UTF8_CUT_SIZE(100)];
    if (dh->state == DH_CONST) {
        debug_str_printf(s, "the context constant ctx->%s (handle %p)", dh->const_name, (void *)dh);
        return;
    }
    debug_str_printf(s, "handle %p", (void *)dh);
    if (dh->state == DH_OPEN)
        debug_str_printf(s, " (open, an object of type '%s'",
                         _HPy_Utf8Cut(tn, Py_TYPE(dh->obj)->tp_name, 100));
    else if (dh->state == DH_CLOSED)
        debug_str_printf(s, " (closed, was an object of type '%s'",
                         _HPy_Utf8Cut(tn, dh->type_name != NULL ? dh->type_name : "?", 100));
    else
        debug_str_printf(s, " (closed long ago and recycled");
    if (dh->state == DH_FREE) {
        debug_str_printf(s, ")");
        return;
    }
    if (dh->frame != NULL)
        debug_str_printf(s, ", an argument handed to an HPy function");
    else if (dh->created_by != NULL)
        debug_str_printf(s, ", created by %s", dh->created_by);
    if (dh->state == DH_CLOSED && dh->closed_by != NULL)
        debug_str_printf(s, ", closed by %s", dh->closed_by);
    debug_str_printf(s, ")");
    if (dh->state == DH_CLOSED && dh->frame != NULL)
        debug_str_printf(
            s, "; argument handles are closed when their call returns: to keep the "
               "object longer, HPy_Dup the handle (or store it in an HPyField/HPyGlobal)");
#ifdef HAVE_BACKTRACE
    if (dh->trace != NULL) {
        char **symbols = backtrace_symbols(dh->trace, dh->trace_len);
        debug_str_printf(s, "\n  Allocation stacktrace:");
        for (int i = 0; i < dh->trace_len; i++) {
            if (symbols != NULL)
                debug_str_printf(s, "\n    %s", symbols[i]);
            else
                debug_str_printf(s, "\n    %p", dh->trace[i]);
        }
        free(symbols);
    }
#elif defined(HPY_WASM_HOST)
    if (dh->trace != NULL) {
        debug_str_printf(s, "\n  Allocation stacktrace:");
        for (const char *line = (const char *)dh->trace[0]; *line != '\0';) {
            size_t len = strcspn(line, "\n");
            debug_str_printf(s, "\n    %.*s", (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
#endif
}

/* Marks `dh` closed and queues it (without releasing its object): every case
 * (debug_handle_mark_closed_fast does the common one inline). */
void debug_handle_mark_closed_slow(DebugHandle *dh, PyObject *obj, const char *closed_by)
{
    PyTypeObject *tp = Py_TYPE(obj);
    /* first: the slow path of a heap type's name may run arbitrary code
     * (a garbage collection), for which `dh` is already closed */
    dh->state = DH_CLOSED;
    dh->closed_by = closed_by;
    if (debug_state.on_invalid_handle != NULL) {
        /* (closed_full is 0 then: every close comes here) */
        Py_INCREF(obj);
        dh->kept = 1;
        dh->cold = 1;
    }
    /* a static type (and its name) lives as long as the process */
    if (DEBUG_LIKELY(!(DEBUG_TYPE_FLAGS(tp) & Py_TPFLAGS_HEAPTYPE))) {
        dh->type_name = tp->tp_name;
    }
    else {
        /* (the type is alive: `obj` is) */
        DebugTypeName *e = debug_type_names[debug_type_name_bucket(tp)];
        if (DEBUG_LIKELY(e != NULL && e->tp == tp && e->tp_name == tp->tp_name))
            dh->type_name = e->name;
        else
            debug_keep_type_name(dh, tp);
    }
    if (DEBUG_UNLIKELY(dh->raw_state != RAW_NONE)) {
        /* protect the raw data, queue, then trim what is kept */
        debug_raw_data_close(dh);
        debug_closed_push_slow(dh);
        if (debug_state.raw_closed_total > debug_state.raw_max)
            debug_trim_raw_data();
        return;
    }
    /* The queue is full in the steady state: `dh` takes the place of the
     * oldest, which goes back to the free list. */
    if (DEBUG_LIKELY(debug_state.closed_full)) {
        DebugHandle **slot = debug_state.closed_oldest;
        DebugHandle *old = *slot;
        *slot = dh;
        debug_state.closed_oldest =
            ++slot == debug_state.closed_end ? debug_state.closed_ring : slot;
        debug_recycle(old);
        return;
    }
    debug_closed_push_slow(dh);
}

/* The slow path of debug_open (debug_internal.h): a new chunk, or a stack
 * trace. */
HPy debug_open_slow(HPy uh, const char *fn)
{
    DebugHandle *dh = debug_handle_open_slow(_h2py(uh), fn, NULL);
    return dh != NULL ? debug_as_hpy(dh) : HPy_NULL;
}
