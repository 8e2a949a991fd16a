/* Debug handles: allocation from never-freed chunks, the
 * bounded queue of closed handles, creation stack traces, and the
 * protection of raw data (the char* of HPyBytes_AsString & co), which is
 * copied to pages of its own: read-only while the handle is open, without
 * any access once it is closed. An access that faults on such a page is
 * reported by a SIGSEGV handler before the process aborts.
 *
 * The hot paths (opening and closing a handle, looking one up) are inline
 * in debug_internal.h; this file has their slow and cold parts. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE 1
#endif
#include "debug_internal.h"
#include "utf8_cut.h"

#include <string.h>

#if !defined(_WIN32)
#  include <signal.h>
#  include <sys/mman.h>
#  include <unistd.h>
#  include <pthread.h>
#  define HAVE_MPROTECT 1
#endif
#if defined(__GLIBC__) || defined(__APPLE__)
#  include <dlfcn.h>
#  include <execinfo.h>
#  define HAVE_BACKTRACE 1
#endif
#if defined(__linux__) && defined(MFD_CLOEXEC)
#  define HAVE_MEMFD 1
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

static DebugHandle **chunks;  /* sorted by address */
static HPy_ssize_t nchunks, chunks_capacity;

static int add_chunk(void)
{
    /* aligned on a cache line (never freed, so the start is not kept) */
    char *mem = (char *)calloc(1, CHUNK_BYTES + 64);
    if (mem == NULL)
        return -1;
    DebugHandle *chunk = (DebugHandle *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    if (nchunks == chunks_capacity) {
        HPy_ssize_t cap = chunks_capacity ? 2 * chunks_capacity : 16;
        DebugHandle **n = (DebugHandle **)realloc(chunks, (size_t)cap * sizeof(DebugHandle *));
        if (n == NULL) {
            free(mem);
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
    HPy_ssize_t lo = 0, hi = nchunks - 1;
    if (p == 0)
        return NULL;
    while (lo <= hi) {
        HPy_ssize_t mid = (lo + hi) / 2;
        uintptr_t base = (uintptr_t)chunks[mid];
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

#ifdef HAVE_MPROTECT
static void pool_atfork_child(void);
#endif

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
#ifdef HAVE_MPROTECT
    pthread_atfork(NULL, NULL, pool_atfork_child);
#endif
    debug_set_closed_max(1024);
    debug_state.raw_max = 1024 * 1024 * 10;
    env = getenv("HPY_DEBUG_RAISE");
    if (env != NULL && *env != '\0' && strcmp(env, "0") != 0 && PyOS_stricmp(env, "false") != 0 &&
        PyOS_stricmp(env, "no") != 0 && PyOS_stricmp(env, "off") != 0)
        debug_state.raise_on_violation = 1;
}

/* ---- raw data ----
 *
 * Each copy sits on pages of its own. Data up to one page (NUL included),
 * nearly all of it, goes to a page of a pool rather than to a mapping of
 * its own, so that the steady state makes no mmap/munmap and takes no page
 * fault, and costs one system call per handle:
 *
 *  - where memfd_create exists, the pool's memory is mapped twice: the view
 *    handed to the extension (the "reader" view) and a read-write view
 *    through which the copy is written. A page ready for use is already
 *    read-only in the reader view, so handing out data makes no system
 *    call. (Elsewhere the page is made writable for the copy and read-only
 *    again: two mprotect.)
 *  - closing the handle makes its page inaccessible: one mprotect.
 *  - the page leaves its handle when the record is recycled (the closed
 *    queue) or when the closed raw data exceeds raw_max, as before; it is
 *    then "expired" and stays inaccessible until the pool runs out of ready
 *    pages, when at least POOL_BATCH expired pages are made read-only again
 *    at once (sorted by address: one mprotect per contiguous run, and pages
 *    come back in the order they were handed out, so runs are long).
 *    A stale pointer thus keeps faulting at least as long as before.
 *  - after fork() the child copies the pages it owns to private memory and
 *    starts a pool of its own, so that parent and child never share a page.
 *
 * Larger data gets a mapping of its own, unmapped when it is released. */

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

#define POOL_SLAB_PAGES 64
#define POOL_BATCH 32
#define POOL_KEEP 2048  /* pages not in use whose memory is kept */

typedef struct {
    char *reader, *writer;  /* writer == reader without a second view */
} PoolPage;

typedef struct {
    char *reader, *writer;
    unsigned char epoch;
    unsigned char reversed; /* reader page i is writer page POOL_SLAB_PAGES-1-i */
} PoolSlab;

static PoolPage *pool_ready, *pool_expired;
static HPy_ssize_t pool_nready, pool_nexpired, pool_cap;
static PoolSlab *pool_slabs;
static HPy_ssize_t pool_nslabs, pool_slabs_cap;
static int pool_fd = -1;        /* the memfd of the two views, or -1 */
static size_t pool_fd_size;
static int pool_no_memfd;       /* memfd_create failed once: do not retry */
static unsigned char pool_epoch = 1; /* changes in a forked child */

static int pool_reserve(void)
{
    HPy_ssize_t need = pool_nready + pool_nexpired + POOL_SLAB_PAGES + 1;
    if (need <= pool_cap)
        return 0;
    HPy_ssize_t cap = pool_cap ? 2 * pool_cap : 256;
    while (cap < need)
        cap *= 2;
    PoolPage *r = (PoolPage *)realloc(pool_ready, (size_t)cap * sizeof(PoolPage));
    if (r == NULL)
        return -1;
    pool_ready = r;
    PoolPage *e = (PoolPage *)realloc(pool_expired, (size_t)cap * sizeof(PoolPage));
    if (e == NULL)
        return -1;
    pool_expired = e;
    pool_cap = cap;
    return 0;
}

/* Maps POOL_SLAB_PAGES new pages, read-only in the reader view. */
static int pool_add_slab(void)
{
    size_t bytes = POOL_SLAB_PAGES * page_size();
    char *reader = NULL, *writer = NULL;
    int reversed = 0;
    if (pool_reserve() < 0)
        return -1;
    if (pool_nslabs == pool_slabs_cap) {
        HPy_ssize_t cap = pool_slabs_cap ? 2 * pool_slabs_cap : 16;
        PoolSlab *n = (PoolSlab *)realloc(pool_slabs, (size_t)cap * sizeof(PoolSlab));
        if (n == NULL)
            return -1;
        pool_slabs = n;
        pool_slabs_cap = cap;
    }
#ifdef HAVE_MEMFD
    if (pool_fd < 0 && !pool_no_memfd) {
        pool_fd = memfd_create("hpy-debug-raw-data", MFD_CLOEXEC);
        if (pool_fd < 0)
            pool_no_memfd = 1;
    }
    if (pool_fd >= 0 && ftruncate(pool_fd, (off_t)(pool_fd_size + bytes)) == 0) {
        /* The reader view maps the pages of the file in reverse order, one
         * mapping (VMA) each: neighbouring pages are never contiguous in
         * the file, so the kernel cannot merge their mappings. Closing a
         * handle then changes the protection of a whole VMA instead of
         * splitting or resizing one (measured on Linux 6.18 in a VM:
         * mprotect of the page of a handle ~790 ns instead of ~1040 ns;
         * with the batched refill, ~900 ns per handle instead of ~1060). */
        reader = (char *)mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        writer = (char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, pool_fd,
                              (off_t)pool_fd_size);
        reversed = reader != MAP_FAILED && writer != MAP_FAILED;
        for (int i = 0; reversed && i < POOL_SLAB_PAGES; i++) {
            off_t off = (off_t)pool_fd_size + (off_t)(POOL_SLAB_PAGES - 1 - i) * (off_t)page_size();
            if (mmap(reader + (size_t)i * page_size(), page_size(), PROT_READ,
                     MAP_SHARED | MAP_FIXED, pool_fd, off) == MAP_FAILED)
                reversed = 0;
        }
        if (!reversed) {
            if (reader != MAP_FAILED)
                munmap(reader, bytes);
            if (writer != MAP_FAILED)
                munmap(writer, bytes);
            reader = writer = NULL;
        }
        else {
            pool_fd_size += bytes;
        }
    }
#endif
    if (reader == NULL) {
        reader = (char *)mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (reader == MAP_FAILED)
            return -1;
        writer = reader;
    }
    pool_slabs[pool_nslabs].reader = reader;
    pool_slabs[pool_nslabs].writer = writer;
    pool_slabs[pool_nslabs].epoch = pool_epoch;
    pool_slabs[pool_nslabs].reversed = (unsigned char)reversed;
    pool_nslabs++;
    /* highest address first: pages are popped in increasing order */
    for (int i = POOL_SLAB_PAGES - 1; i >= 0; i--) {
        int w = reversed ? POOL_SLAB_PAGES - 1 - i : i;
        pool_ready[pool_nready].reader = reader + (size_t)i * page_size();
        pool_ready[pool_nready].writer = writer + (size_t)w * page_size();
        pool_nready++;
    }
    return 0;
}

static int compare_pages(const void *a, const void *b)
{
    const char *x = ((const PoolPage *)a)->reader, *y = ((const PoolPage *)b)->reader;
    return x < y ? -1 : x > y;
}

/* Sorts pages by address. They expire nearly in the order they were handed
 * out: an insertion sort is then linear (qsort for many pages). */
static void sort_pages(PoolPage *pages, HPy_ssize_t n)
{
    if (n > 256) {
        qsort(pages, (size_t)n, sizeof(PoolPage), compare_pages);
        return;
    }
    for (HPy_ssize_t i = 1; i < n; i++) {
        PoolPage p = pages[i];
        HPy_ssize_t j = i;
        while (j > 0 && pages[j - 1].reader > p.reader) {
            pages[j] = pages[j - 1];
            j--;
        }
        pages[j] = p;
    }
}

/* Makes the expired pages read-only again and ready (called when no page
 * is ready). */
static void pool_refill(void)
{
    size_t ps = page_size();
    HPy_ssize_t i = 0, n = pool_nexpired, kept = 0;
    sort_pages(pool_expired, n);
    while (i < n) {
        HPy_ssize_t j = i + 1;
        while (j < n && pool_expired[j].reader == pool_expired[j - 1].reader + ps)
            j++;
        if (mprotect(pool_expired[i].reader, (size_t)(j - i) * ps, PROT_READ) == 0) {
            memmove(&pool_expired[kept], &pool_expired[i], (size_t)(j - i) * sizeof(PoolPage));
            kept += j - i;
        }
        /* else the run is lost: it stays inaccessible */
        i = j;
    }
    pool_nexpired = 0;
    /* highest address first: pages are popped in increasing order */
    while (kept > 0)
        pool_ready[pool_nready++] = pool_expired[--kept];
}

/* A page, read-only in the reader view, or -1. */
static int pool_take(PoolPage *out)
{
    if (pool_nready == 0) {
        if (pool_nexpired >= POOL_BATCH || (pool_add_slab() < 0 && pool_nexpired > 0))
            pool_refill();
        if (pool_nready == 0)
            return -1;
    }
    *out = pool_ready[--pool_nready];
    return 0;
}

/* Takes back the page of `dh` (inaccessible). */
static void pool_give_back(DebugHandle *dh)
{
    if (dh->raw_pooled != pool_epoch)
        return;  /* a page of the parent process: never reused */
    if (pool_nexpired >= pool_cap && pool_reserve() < 0)
        return;  /* out of memory: the page is lost, it stays inaccessible */
    /* After a burst (many raw data open at once), give the memory of the
     * pages beyond POOL_KEEP back to the system; they stay in the pool. */
    if (pool_nready + pool_nexpired >= POOL_KEEP) {
        if (dh->raw_writer != dh->raw_data) {
#ifdef MADV_REMOVE
            madvise(dh->raw_writer, page_size(), MADV_REMOVE);
#endif
        }
        else {
#ifdef MADV_DONTNEED
            madvise(dh->raw_data, page_size(), MADV_DONTNEED);
#endif
        }
    }
    pool_expired[pool_nexpired].reader = dh->raw_data;
    pool_expired[pool_nexpired].writer = dh->raw_writer;
    pool_nexpired++;
}

/* In the child of fork(): the pool's memory is shared with the parent.
 * Copy the pages still owned by handles to private memory (keeping their
 * protection), drop the other pages and the second views, and start a new
 * pool. Only system calls and plain memory accesses. */
static void pool_atfork_child(void)
{
    size_t ps = page_size(), bytes = POOL_SLAB_PAGES * page_size();
    int shared = 0;
    for (HPy_ssize_t s = 0; s < pool_nslabs; s++)
        if (pool_slabs[s].writer != pool_slabs[s].reader && pool_slabs[s].epoch == pool_epoch)
            shared = 1;
    if (shared) {
        char *tmp = (char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                 -1, 0);
        for (HPy_ssize_t s = 0; s < pool_nslabs; s++) {
            PoolSlab *sl = &pool_slabs[s];
            if (sl->writer == sl->reader || sl->epoch != pool_epoch)
                continue;
            if (tmp != MAP_FAILED) {
                if (sl->reversed)
                    for (int i = 0; i < POOL_SLAB_PAGES; i++)
                        memcpy(tmp + (size_t)i * ps,
                               sl->writer + (size_t)(POOL_SLAB_PAGES - 1 - i) * ps, ps);
                else
                    memcpy(tmp, sl->writer, bytes);
            }
            munmap(sl->writer, bytes);
            sl->writer = sl->reader;
            sl->reversed = 0;
            if (mmap(sl->reader, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
                continue;
            if (tmp != MAP_FAILED)
                memcpy(sl->reader, tmp, bytes);
            mprotect(sl->reader, bytes, PROT_NONE);
        }
        if (tmp != MAP_FAILED)
            munmap(tmp, bytes);
        /* the pages owned by open handles are readable again */
        for (HPy_ssize_t c = 0; c < nchunks; c++)
            for (int i = 0; i < CHUNK_RECORDS; i++) {
                DebugHandle *dh = &chunks[c][i];
                if (dh->raw_pooled == pool_epoch && dh->raw_state == RAW_READONLY)
                    mprotect(dh->raw_data, ps, PROT_READ);
            }
    }
    if (pool_fd >= 0)
        close(pool_fd);
    pool_fd = -1;
    pool_fd_size = 0;
    pool_nready = pool_nexpired = 0;
    pool_epoch = pool_epoch == 255 ? 1 : pool_epoch + 1;
}
#endif /* HAVE_MPROTECT */

static void release_raw_data(DebugHandle *dh)
{
    if (dh->raw_state == RAW_NONE)
        return;
    if (dh->raw_state == RAW_NOACCESS)
        debug_state.raw_closed_total -= dh->raw_size;
#ifdef HAVE_MPROTECT
    if (dh->raw_pooled) {
        /* a stale pointer to it must fault, as if it was unmapped */
        if (dh->raw_state == RAW_NOACCESS ||
            mprotect(dh->raw_data, dh->raw_map_size, PROT_NONE) == 0)
            pool_give_back(dh);
    }
    else {
        munmap(dh->raw_data, dh->raw_map_size);
    }
#endif
    dh->raw_state = RAW_NONE;
    dh->raw_pooled = 0;
    dh->raw_data = dh->raw_writer = NULL;
    dh->raw_size = dh->raw_map_size = 0;
}

/* Frees the raw data of the oldest closed handles until the total kept is
 * within the limit. */
void debug_trim_raw_data(void)
{
    for (HPy_ssize_t i = 0; i < debug_state.closed_count; i++) {
        if (debug_state.raw_closed_total <= debug_state.raw_max)
            break;
        release_raw_data(debug_closed_at(i));
    }
}

const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size, const char *fn)
{
#ifdef HAVE_MPROTECT
    size_t ps = page_size();
    if (dh->state != DH_OPEN)
        return data;
    if (dh->raw_state == RAW_READONLY && dh->raw_size == size &&
        memcmp(dh->raw_data, data, size) == 0)
        return dh->raw_data;  /* asked again through the same handle */
    release_raw_data(dh);
    install_segv_handler();
    if (size <= ps) {
        PoolPage page;
        if (pool_take(&page) == 0) {
            if (page.writer != page.reader) {
                memcpy(page.writer, data, size);
            }
            else if (mprotect(page.reader, ps, PROT_READ | PROT_WRITE) == 0) {
                memcpy(page.reader, data, size);
                if (mprotect(page.reader, ps, PROT_READ) != 0) {
                    /* the page is lost, but must not stay writable */
                    mprotect(page.reader, ps, PROT_NONE);
                    return data;
                }
            }
            else {
                return data;  /* the page is lost */
            }
            dh->raw_data = page.reader;
            dh->raw_writer = page.writer;
            dh->raw_pooled = pool_epoch;
            dh->raw_size = size;
            dh->raw_map_size = ps;
            dh->raw_by = fn;
            dh->raw_state = RAW_READONLY;
            dh->cold = 1;
            return dh->raw_data;
        }
    }
    size_t map_size = (size + ps - 1) / ps * ps;
    if (map_size == 0)
        map_size = ps;
    void *mem = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return data;
    memcpy(mem, data, size);
    if (mprotect(mem, map_size, PROT_READ) != 0) {
        munmap(mem, map_size);
        return data;
    }
    dh->raw_data = (char *)mem;
    dh->raw_writer = NULL;
    dh->raw_pooled = 0;
    dh->raw_size = size;
    dh->raw_map_size = map_size;
    dh->raw_by = fn;
    dh->raw_state = RAW_READONLY;
    dh->cold = 1;
    return dh->raw_data;
#else
    (void)dh;
    (void)size;
    (void)fn;
    return data;
#endif
}

/* Closing a handle with raw data: the copy becomes inaccessible. */
void debug_raw_data_close(DebugHandle *dh)
{
#ifdef HAVE_MPROTECT
    if (dh->raw_state == RAW_READONLY) {
        if (mprotect(dh->raw_data, dh->raw_map_size, PROT_NONE) == 0) {
            dh->raw_state = RAW_NOACCESS;
            /* the data's bytes, as upstream counts them (not its pages) */
            debug_state.raw_closed_total += dh->raw_size;
        }
        else {
            release_raw_data(dh);
        }
    }
#else
    (void)dh;
#endif
}

void debug_set_raw_max(size_t n)
{
    debug_state.raw_max = n;
    debug_trim_raw_data();
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
    release_raw_data(dh);
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
    for (HPy_ssize_t c = 0; c < nchunks; c++) {
        for (int i = 0; i < CHUNK_RECORDS; i++) {
            DebugHandle *dh = &chunks[c][i];
            if (dh->state != DH_OPEN || dh->generation < gen)
                continue;
            if (count == cap) {
                DebugHandle **bigger = (DebugHandle **)realloc(out, (size_t)(2 * cap) *
                                                                         sizeof(DebugHandle *));
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

/* ---- the closed queue ---- */

/* Queues a closed handle when the fast path of debug_handle_mark_closed
 * does not apply: the queue is not full yet, or its size is 0 (the handle
 * is then recycled at once). */
void debug_closed_push_slow(DebugHandle *dh)
{
    HPy_ssize_t max = debug_state.closed_max;
    if (max == 0) {
        debug_recycle(dh);
        return;
    }
    if (debug_state.closed_count == max) {
        /* full: the oldest leaves */
        DebugHandle **slot = debug_state.closed_oldest;
        DebugHandle *old = *slot;
        *slot = dh;
        debug_state.closed_oldest = ++slot == debug_state.closed_end ? debug_state.closed_ring : slot;
        debug_recycle(old);
        return;
    }
    HPy_ssize_t k = (debug_state.closed_oldest - debug_state.closed_ring) + debug_state.closed_count;
    if (k >= max)
        k -= max;
    debug_state.closed_ring[k] = dh;
    debug_state.closed_count++;
    debug_update_closed_full();
}

/* The fast path of closing recycles the oldest of a full queue without a
 * call: not while closed handles must keep their objects. */
void debug_update_closed_full(void)
{
    debug_state.closed_full = debug_state.closed_max > 0 &&
                              debug_state.closed_count == debug_state.closed_max &&
                              debug_state.on_invalid_handle == NULL;
}

static void reverse_ring(HPy_ssize_t lo, HPy_ssize_t hi) /* [lo, hi) */
{
    DebugHandle **r = debug_state.closed_ring;
    while (lo + 1 < hi) {
        DebugHandle *t = r[lo];
        r[lo++] = r[--hi];
        r[hi] = t;
    }
}

void debug_set_closed_max(HPy_ssize_t n)
{
    if (n < 0)
        n = 0;
    if (debug_state.closed_ring == NULL) {
        HPy_ssize_t cap = n > 16 ? n : 16;
        debug_state.closed_ring = (DebugHandle **)malloc((size_t)cap * sizeof(DebugHandle *));
        if (debug_state.closed_ring == NULL)
            Py_FatalError("HPy debug mode: out of memory (closed handles queue)");
        debug_state.closed_cap = cap;
        debug_state.closed_count = 0;
    }
    else {
        /* Rotate the ring so that the oldest is first (three reversals of
         * its closed_max slots), then drop the oldest beyond n. */
        HPy_ssize_t max = debug_state.closed_max;
        HPy_ssize_t head = debug_state.closed_oldest - debug_state.closed_ring;
        if (head != 0) {
            reverse_ring(0, head);
            reverse_ring(head, max);
            reverse_ring(0, max);
        }
        HPy_ssize_t drop = debug_state.closed_count - n;
        if (drop > 0) {
            for (HPy_ssize_t i = 0; i < drop; i++)
                debug_recycle(debug_state.closed_ring[i]);
            memmove(debug_state.closed_ring, debug_state.closed_ring + drop,
                    (size_t)n * sizeof(DebugHandle *));
            debug_state.closed_count = n;
        }
        if (n > debug_state.closed_cap) {
            DebugHandle **ring = (DebugHandle **)realloc(debug_state.closed_ring,
                                                         (size_t)n * sizeof(DebugHandle *));
            if (ring == NULL) {
                /* keep the ring we have: fewer closed handles are remembered */
                n = debug_state.closed_cap;
            }
            else {
                debug_state.closed_ring = ring;
                debug_state.closed_cap = n;
            }
        }
    }
    debug_state.closed_max = n;
    debug_state.closed_oldest = debug_state.closed_ring;
    debug_state.closed_end = debug_state.closed_ring + n;
    debug_update_closed_full();
}

/* ---- type names ----
 *
 * The name of a heap type may go away with the type, or when the type gets
 * a new name: a closed handle keeps a copy. Copying it for every handle
 * (strlen, memcpy, a third cache line of the record) was most of the cost
 * of closing one, so the copy is made once per type (DebugTypeName) and the
 * records point to it. An entry is valid while
 *  - its type lives: a weak reference to the type, whose callback runs
 *    before the type is freed, removes the entry (so another type at the
 *    same address cannot match it);
 *  - tp_name is still the string that was copied: compared by address
 *    when a handle is closed. The address alone could come back after two
 *    new names (the first freed, the second allocated at its place), so the
 *    entry holds a reference to the type's __name__ of the time (ht_name,
 *    the owner of tp_name's memory for the types of `class` statements;
 *    otherwise tp_name is static, or memory of the type that lives as long
 *    as the type): the string that was copied cannot be freed, no other
 *    name can have its address.
 * When an entry goes away, the closed handles that point to its name (a
 * scan of the closed queue, only then) get a copy in their own buffer. */

DebugTypeName *debug_type_names[DEBUG_TYPE_NAME_BUCKETS];

static void copy_type_name(DebugHandle *dh, const char *name)
{
    _HPy_Utf8Cut(dh->type_name_buf, name, sizeof(dh->type_name_buf) - 1);
    dh->type_name = dh->type_name_buf;
}

/* Removes `e` from its bucket and frees it, after giving the closed
 * handles that point to its name a copy of their own. */
static void drop_type_name(DebugTypeName *e)
{
    DebugTypeName **pp = &debug_type_names[debug_type_name_bucket(e->tp)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    for (HPy_ssize_t i = 0; i < debug_state.closed_count; i++) {
        DebugHandle *dh = debug_closed_at(i);
        if (dh->type_name == e->name)
            copy_type_name(dh, e->name);
    }
    free((void *)e->name);
    Py_XDECREF(e->ht_name);
    Py_XDECREF(e->weakref);
    free(e);
}

/* The weak reference callback: the type of an entry is about to be freed. */
static PyObject *type_name_died(PyObject *self, PyObject *weakref)
{
    (void)self;
    for (int b = 0; b < DEBUG_TYPE_NAME_BUCKETS; b++) {
        for (DebugTypeName *e = debug_type_names[b]; e != NULL; e = e->next) {
            if (e->weakref == weakref) {
                drop_type_name(e);
                Py_RETURN_NONE;
            }
        }
    }
    Py_RETURN_NONE;
}

static PyMethodDef type_name_died_def = {
    "_hpy_debug_type_died", (PyCFunction)type_name_died, METH_O, NULL
};

/* A new entry for `tp` (at the front of its bucket), or NULL. */
static DebugTypeName *new_type_name(PyTypeObject *tp)
{
    static PyObject *callback = NULL;
    PyObject *exc_type, *exc_value, *exc_tb;
    DebugTypeName *e = NULL;
    size_t n = strlen(tp->tp_name);
    char *name = (char *)malloc(n + 1);
    if (name == NULL)
        return NULL;
    memcpy(name, tp->tp_name, n + 1);
    /* whatever happens here, the exception state of the caller stays */
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (callback == NULL)
        callback = PyCFunction_New(&type_name_died_def, NULL);
    PyObject *weakref = callback != NULL ? PyWeakref_NewRef((PyObject *)tp, callback) : NULL;
    if (weakref != NULL)
        e = (DebugTypeName *)malloc(sizeof(DebugTypeName));
    if (e == NULL) {
        Py_XDECREF(weakref);
        free(name);
        PyErr_Clear();
        PyErr_Restore(exc_type, exc_value, exc_tb);
        return NULL;
    }
    PyErr_Restore(exc_type, exc_value, exc_tb);
    e->tp = tp;
    e->tp_name = tp->tp_name;
    e->name = name;
    e->ht_name = ((PyHeapTypeObject *)tp)->ht_name;
    Py_XINCREF(e->ht_name);
    e->weakref = weakref;
    size_t b = debug_type_name_bucket(tp);
    e->next = debug_type_names[b];
    debug_type_names[b] = e;
    return e;
}

/* The slow path of debug_handle_mark_closed for a heap type: its entry is
 * not the first of the bucket, or does not exist, or has an old name.
 * Creating an entry allocates Python objects, so a garbage collection may
 * run arbitrary code here: `dh` is already marked closed (a use or a close
 * of it from that code is reported as such), not yet queued, and has no
 * type name until the end. */
void debug_keep_type_name(DebugHandle *dh, PyTypeObject *tp)
{
    dh->type_name = NULL;
    size_t b = debug_type_name_bucket(tp);
    DebugTypeName **pp = &debug_type_names[b], *e;
    while ((e = *pp) != NULL && e->tp != tp)
        pp = &e->next;
    if (e != NULL) {
        if (e->tp_name != tp->tp_name) {
            /* a new name: the entry of the old one goes */
            drop_type_name(e);
            e = NULL;
        }
        else {
            /* to the front of the bucket (the inline fast path) */
            *pp = e->next;
            e->next = debug_type_names[b];
            debug_type_names[b] = e;
        }
    }
    if (e == NULL)
        e = new_type_name(tp);
    if (e != NULL)
        dh->type_name = e->name;
    else
        copy_type_name(dh, tp->tp_name); /* out of memory, or no weak reference */
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
        debug_str_printf(s, "; argument handles are closed when their call returns: to keep the "
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
    if (DEBUG_LIKELY(!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))) {
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
        debug_state.closed_oldest = ++slot == debug_state.closed_end ? debug_state.closed_ring : slot;
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
