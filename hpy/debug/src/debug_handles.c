/* Debug handles: allocation from never-freed chunks, the open list, the
 * bounded queue of closed handles, creation stack traces, and the
 * protection of raw data (the char* of HPyBytes_AsString & co), which is
 * copied to pages of its own: read-only while the handle is open, without
 * any access once it is closed. An access that faults on such a page is
 * reported by a SIGSEGV handler before the process aborts. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE 1
#endif
#include "debug_internal.h"

#include <string.h>

#if !defined(_WIN32)
#  include <signal.h>
#  include <sys/mman.h>
#  include <unistd.h>
#  define HAVE_MPROTECT 1
#endif
#if defined(__GLIBC__) || defined(__APPLE__)
#  include <dlfcn.h>
#  include <execinfo.h>
#  define HAVE_BACKTRACE 1
#endif

DebugState debug_state = { .frame_key = Py_tss_NEEDS_INIT };

/* ---- chunks ---- */

#define CHUNK_RECORDS 1024

static DebugHandle **chunks;  /* sorted by address */
static HPy_ssize_t nchunks, chunks_capacity;
static DebugHandle *free_list; /* singly linked through `next` */

static int add_chunk(void)
{
    DebugHandle *chunk = (DebugHandle *)calloc(CHUNK_RECORDS, sizeof(DebugHandle));
    if (chunk == NULL)
        return -1;
    if (nchunks == chunks_capacity) {
        HPy_ssize_t cap = chunks_capacity ? 2 * chunks_capacity : 16;
        DebugHandle **n = (DebugHandle **)realloc(chunks, (size_t)cap * sizeof(DebugHandle *));
        if (n == NULL) {
            free(chunk);
            return -1;
        }
        chunks = n;
        chunks_capacity = cap;
    }
    HPy_ssize_t pos = nchunks;
    while (pos > 0 && chunks[pos - 1] > chunk) {
        chunks[pos] = chunks[pos - 1];
        pos--;
    }
    chunks[pos] = chunk;
    nchunks++;
    for (int i = CHUNK_RECORDS - 1; i >= 0; i--) {
        chunk[i].state = DH_FREE;
        chunk[i].next = free_list;
        free_list = &chunk[i];
    }
    return 0;
}

DebugHandle *debug_handle_lookup(HPy h)
{
    uintptr_t p = (uintptr_t)h._i;
    HPy_ssize_t lo = 0, hi = nchunks - 1;
    if (p == 0)
        return NULL;
    while (lo <= hi) {
        HPy_ssize_t mid = (lo + hi) / 2;
        uintptr_t base = (uintptr_t)chunks[mid];
        if (p < base)
            hi = mid - 1;
        else if (p >= base + CHUNK_RECORDS * sizeof(DebugHandle))
            lo = mid + 1;
        else if ((p - base) % sizeof(DebugHandle) != 0)
            return NULL;
        else
            return (DebugHandle *)p;
    }
    return NULL;
}

/* ---- lists ---- */

static void list_init(DebugHandle *sentinel)
{
    sentinel->prev = sentinel->next = sentinel;
}

static void list_append(DebugHandle *sentinel, DebugHandle *dh)
{
    dh->prev = sentinel->prev;
    dh->next = sentinel;
    sentinel->prev->next = dh;
    sentinel->prev = dh;
}

static void list_remove(DebugHandle *dh)
{
    dh->prev->next = dh->next;
    dh->next->prev = dh->prev;
    dh->prev = dh->next = NULL;
}

void debug_state_init(void)
{
    static int done = 0;
    const char *env;
    if (done)
        return;
    done = 1;
    list_init(&debug_state.open_list);
    list_init(&debug_state.closed_queue);
    if (PyThread_tss_create(&debug_state.frame_key) != 0)
        Py_FatalError("HPy debug mode: cannot create thread-specific data");
    debug_state.closed_max = 1024;
    debug_state.raw_max = 1024 * 1024 * 10;
    env = getenv("HPY_DEBUG_RAISE");
    if (env != NULL && *env != '\0' && strcmp(env, "0") != 0 && PyOS_stricmp(env, "false") != 0 &&
        PyOS_stricmp(env, "no") != 0 && PyOS_stricmp(env, "off") != 0)
        debug_state.raise_on_violation = 1;
}

/* ---- raw data ---- */

#ifdef HAVE_MPROTECT
static size_t page_size(void)
{
    static size_t size = 0;
    if (size == 0) {
        long s = sysconf(_SC_PAGESIZE);
        size = s > 0 ? (size_t)s : 4096;
    }
    return size;
}

static void install_segv_handler(void);
#endif

static void release_raw_data(DebugHandle *dh)
{
    if (dh->raw_state == RAW_NONE)
        return;
    if (dh->raw_state == RAW_NOACCESS)
        debug_state.raw_closed_total -= dh->raw_map_size;
#ifdef HAVE_MPROTECT
    munmap(dh->raw_data, dh->raw_map_size);
#endif
    dh->raw_state = RAW_NONE;
    dh->raw_data = NULL;
    dh->raw_size = dh->raw_map_size = 0;
}

/* Frees the raw data of the oldest closed handles until the total kept is
 * within the limit. */
static void trim_raw_data(void)
{
    DebugHandle *dh = debug_state.closed_queue.next;
    while (debug_state.raw_closed_total > debug_state.raw_max && dh != &debug_state.closed_queue) {
        release_raw_data(dh);
        dh = dh->next;
    }
}

const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size, const char *fn)
{
#ifdef HAVE_MPROTECT
    if (dh->state != DH_OPEN)
        return data;
    if (dh->raw_state == RAW_READONLY && dh->raw_size == size &&
        memcmp(dh->raw_data, data, size) == 0)
        return dh->raw_data;  /* asked again through the same handle */
    release_raw_data(dh);
    size_t map_size = (size + page_size() - 1) / page_size() * page_size();
    if (map_size == 0)
        map_size = page_size();
    void *mem = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return data;
    memcpy(mem, data, size);
    if (mprotect(mem, map_size, PROT_READ) != 0) {
        munmap(mem, map_size);
        return data;
    }
    install_segv_handler();
    dh->raw_data = (char *)mem;
    dh->raw_size = size;
    dh->raw_map_size = map_size;
    dh->raw_by = fn;
    dh->raw_state = RAW_READONLY;
    return dh->raw_data;
#else
    (void)dh;
    (void)size;
    (void)fn;
    return data;
#endif
}

void debug_set_raw_max(size_t n)
{
    debug_state.raw_max = n;
    trim_raw_data();
}

#ifdef HAVE_MPROTECT
/* The SIGSEGV handler: only async-signal-safe calls (write, abort, sigaction). */
static struct sigaction previous_segv;
static int segv_installed;

static void write_str(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static void write_hex(uintptr_t v)
{
    char buf[2 + 2 * sizeof(uintptr_t) + 1];
    int i = (int)sizeof(buf) - 1;
    buf[i] = '\0';
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0 && i > 2);
    buf[--i] = 'x';
    buf[--i] = '0';
    write_str(buf + i);
}

static DebugHandle *find_raw_owner(uintptr_t addr)
{
    for (HPy_ssize_t c = 0; c < nchunks; c++) {
        for (int i = 0; i < CHUNK_RECORDS; i++) {
            DebugHandle *dh = &chunks[c][i];
            if (dh->raw_state != RAW_NONE && addr >= (uintptr_t)dh->raw_data &&
                addr < (uintptr_t)dh->raw_data + dh->raw_map_size)
                return dh;
        }
    }
    return NULL;
}

static void segv_handler(int sig, siginfo_t *info, void *ucontext)
{
    DebugHandle *dh = find_raw_owner((uintptr_t)info->si_addr);
    (void)ucontext;
    if (dh == NULL) {
        /* Not ours: let the previous handler (or the default action) see
         * the fault again when the instruction restarts. */
        sigaction(sig, &previous_segv, NULL);
        return;
    }
    write_str("HPy debug mode: fatal error: invalid access to the raw data at ");
    write_hex((uintptr_t)info->si_addr);
    write_str(" returned by ");
    write_str(dh->raw_by ? dh->raw_by : "?");
    write_str(" for handle ");
    write_hex((uintptr_t)dh);
    if (dh->raw_state == RAW_NOACCESS) {
        write_str(": the handle is closed (closed by ");
        write_str(dh->closed_by ? dh->closed_by : "?");
        write_str("); the data must not be used after the handle it came from is closed\n");
    }
    else {
        write_str(": the data is read-only and must not be written to\n");
    }
    signal(SIGABRT, SIG_DFL);
    abort();
}

static void install_segv_handler(void)
{
    struct sigaction sa;
    if (segv_installed)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous_segv) == 0)
        segv_installed = 1;
}
#endif

/* ---- handles ---- */

/* Whether `addr` is code of this module (hpy.universal), whose frames
 * (the debug wrappers) are left out of creation stacks. */
static int in_this_module(void *addr)
{
#if defined(HAVE_BACKTRACE) && !defined(_WIN32)
    static void *base = NULL;
    Dl_info info;
    if (base == NULL && dladdr((void *)&in_this_module, &info) != 0)
        base = info.dli_fbase;
    return base != NULL && dladdr(addr, &info) != 0 && info.dli_fbase == base;
#else
    (void)addr;
    return 0;
#endif
}

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
#else
    (void)dh;
#endif
}

static DebugHandle *alloc_record(void)
{
    DebugHandle *dh;
    if (free_list == NULL && add_chunk() < 0)
        return NULL;
    dh = free_list;
    free_list = dh->next;
    memset(dh, 0, sizeof(*dh));
    dh->serial = ++debug_state.next_serial;
    dh->generation = debug_state.generation;
    return dh;
}

static void recycle(DebugHandle *dh)
{
    release_raw_data(dh);
    free(dh->trace);
    dh->trace = NULL;
    dh->trace_len = 0;
    dh->state = DH_FREE;
    dh->obj = NULL;
    dh->next = free_list;
    free_list = dh;
}

DebugHandle *debug_handle_new(PyObject *obj, const char *created_by)
{
    DebugHandle *dh = alloc_record();
    if (dh == NULL) {
        Py_DECREF(obj);
        PyErr_NoMemory();
        return NULL;
    }
    dh->obj = obj;
    dh->state = DH_OPEN;
    dh->created_by = created_by;
    list_append(&debug_state.open_list, dh);
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
    dh->state = DH_CONST;
    dh->const_name = name;
    dh->created_by = "the context";
    return dh;
}

/* Sends the oldest closed handles back to the free list. */
static void trim_closed_queue(void)
{
    while (debug_state.closed_count > debug_state.closed_max) {
        DebugHandle *oldest = debug_state.closed_queue.next;
        list_remove(oldest);
        debug_state.closed_count--;
        recycle(oldest);
    }
}

void debug_set_closed_max(HPy_ssize_t n)
{
    debug_state.closed_max = n < 0 ? 0 : n;
    trim_closed_queue();
}

static void keep_type_name(DebugHandle *dh)
{
    const char *name = dh->obj ? Py_TYPE(dh->obj)->tp_name : "NULL";
    strncpy(dh->type_name, name, sizeof(dh->type_name) - 1);
    dh->type_name[sizeof(dh->type_name) - 1] = '\0';
}

void debug_handle_close(DebugHandle *dh, const char *closed_by, int steal)
{
    PyObject *obj = dh->obj;
    keep_type_name(dh);
    list_remove(dh);
    dh->state = DH_CLOSED;
    dh->closed_by = closed_by;
    dh->frame = NULL;
#ifdef HAVE_MPROTECT
    if (dh->raw_state == RAW_READONLY) {
        if (mprotect(dh->raw_data, dh->raw_map_size, PROT_NONE) == 0) {
            dh->raw_state = RAW_NOACCESS;
            debug_state.raw_closed_total += dh->raw_map_size;
        }
        else {
            release_raw_data(dh);
        }
    }
#endif
    list_append(&debug_state.closed_queue, dh);
    debug_state.closed_count++;
    trim_closed_queue();
    trim_raw_data();
    /* Last: releasing the object may run arbitrary code. */
    if (!steal)
        Py_DECREF(obj);
}

/* ---- descriptions ---- */

void debug_describe_handle(DebugStr *s, DebugHandle *dh)
{
    if (dh->state == DH_CONST) {
        debug_str_printf(s, "the context constant ctx->%s (handle %p)", dh->const_name, (void *)dh);
        return;
    }
    debug_str_printf(s, "handle %p", (void *)dh);
    if (dh->state == DH_OPEN)
        debug_str_printf(s, " (open, an object of type '%.100s'", Py_TYPE(dh->obj)->tp_name);
    else if (dh->state == DH_CLOSED)
        debug_str_printf(s, " (closed, was an object of type '%.100s'", dh->type_name);
    else
        debug_str_printf(s, " (closed long ago and recycled");
    if (dh->state == DH_FREE) {
        debug_str_printf(s, ")");
        return;
    }
    if (dh->was_arg)
        debug_str_printf(s, ", an argument handed to an HPy function");
    else if (dh->created_by != NULL)
        debug_str_printf(s, ", created by %s", dh->created_by);
    if (dh->state == DH_CLOSED && dh->closed_by != NULL)
        debug_str_printf(s, ", closed by %s", dh->closed_by);
    debug_str_printf(s, ")");
    if (dh->state == DH_CLOSED && dh->was_arg)
        debug_str_printf(s, "; argument handles are closed when their call returns: to keep the "
                            "object longer, HPy_Dup the handle (or store it in an HPyField/HPyGlobal)");
#ifdef HAVE_BACKTRACE
    if (dh->trace != NULL) {
        char **symbols = backtrace_symbols(dh->trace, dh->trace_len);
        debug_str_printf(s, "\n  the handle was created at:");
        for (int i = 0; i < dh->trace_len; i++) {
            if (symbols != NULL)
                debug_str_printf(s, "\n    %s", symbols[i]);
            else
                debug_str_printf(s, "\n    %p", dh->trace[i]);
        }
        free(symbols);
    }
#endif
}
