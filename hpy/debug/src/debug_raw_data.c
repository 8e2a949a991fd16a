/* Raw data (the char* of HPyBytes_AsString & co): a copy on pages of its
 * own, read-only while the handle it came from is open, without any access
 * once it is closed (an access that faults there is reported by the
 * SIGSEGV handler of debug_segv.c).
 *
 * Each copy sits on pages of its own. Data up to one page (NUL included),
 * nearly all of it, goes to a page of a pool rather than to a mapping of
 * its own, so that the steady state makes no mmap/munmap, takes no page
 * fault, and makes no system call per handle:
 *
 *  - where memfd_create exists, the pool's memory is mapped twice: the view
 *    handed to the extension (the "reader" view) and a read-write view
 *    through which the copy is written. A page ready for use is already
 *    read-only in the reader view, so handing out data makes no system
 *    call. (Elsewhere the page is made writable for the copy and read-only
 *    again: two mprotect.)
 *  - closing the handle makes its page inaccessible. For the raw data of a
 *    handle that was opened during the call into the extension that is
 *    running (the common case: a keyword name looked at and closed, an
 *    argument's data) that is deferred, so that the steady state makes no
 *    system call per close:
 *     - data of up to PACK_MAX bytes (NUL included) gets a 16-byte aligned
 *       slot of a shared page (DebugRawPage). Closing its handle overwrites
 *       it at once with DEBUG_RAW_POISON bytes through the read-write view
 *       (the NUL stays). The page is made inaccessible (one mprotect for
 *       all its slots) once it hands out no more slots and all of its
 *       slots are closed. It hands out no more slots when it is full, or
 *       when a call into the extension returns while slots of it are open
 *       (their handles may be kept beyond the call: the page is then
 *       protected as soon as they are closed), or on
 *       protect_closed_raw_data / a batch of 1.
 *     - longer data has a page of its own; closing it poisons it at once
 *       too, and the page joins the pending batch, made inaccessible when
 *       it holds raw_batch pages (sorted by address: one mprotect per
 *       contiguous run; pages are handed out in increasing order, so a
 *       batch is nearly always one run).
 *    Until then (the window) the stale data reads as poison bytes instead
 *    of faulting; writing to it faults as before (the page stays
 *    read-only). Any other handle (opened before the running call, e.g.
 *    HPy_Dup'ed into a static in an earlier call, or closed outside any
 *    call) makes its page inaccessible at once: one mprotect.
 *    set_protected_raw_data_batch(1) makes every close do that.
 *  - the page leaves its handle when the record is recycled (the closed
 *    queue) or when the closed raw data exceeds raw_max, as before; it is
 *    then "expired" and stays inaccessible until the pool runs out of ready
 *    pages, when at least POOL_BATCH expired pages are made read-only again
 *    at once (sorted by address: one mprotect per contiguous run).
 *    A stale pointer thus keeps faulting at least as long as before.
 *  - after fork() the child copies the pages it owns to private memory and
 *    starts a pool of its own, so that parent and child never share a page.
 *
 * Larger data gets a mapping of its own, unmapped when it is released. */

#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#    define _GNU_SOURCE 1
#endif
#include "debug_internal.h"

#include <string.h>

#if !defined(_WIN32)
#    include <sys/mman.h>
#    include <unistd.h>
#    include <pthread.h>
#    define HAVE_MPROTECT 1
#endif
#if defined(__linux__) && defined(MFD_CLOEXEC)
#    define HAVE_MEMFD 1
#endif

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

/* Slabs are mapped POOL_SLAB_PAGES at a time; expired pages come back
 * POOL_BATCH at a time. */
#    define POOL_SLAB_PAGES 256
#    define POOL_BATCH 512
#    define POOL_KEEP 2048 /* pages not in use whose memory is kept */

typedef struct {
    char *reader, *writer; /* writer == reader without a second view */
} PoolPage;

typedef struct {
    char *reader, *writer;
    unsigned char epoch;
} PoolSlab;

static PoolPage *pool_ready, *pool_expired;
static HPy_ssize_t pool_nready, pool_nexpired, pool_cap;
static PoolSlab *pool_slabs;
static HPy_ssize_t pool_nslabs, pool_slabs_cap;
static int pool_fd = -1; /* the memfd of the two views, or -1 */
static size_t pool_fd_size;
static int pool_no_memfd;            /* memfd_create failed once: do not retry */
static unsigned char pool_epoch = 1; /* changes in a forked child */

/* The handles closed with their page still read-only (RAW_PENDING), in the
 * order they were closed. */
static DebugHandle **pending;
static HPy_ssize_t npending, pending_cap;

/* A page of the pool shared by the slots of short data (see the top of
 * this file); a record whose raw_packed is set points to its page with
 * raw_writer. */
typedef struct {
    char *reader, *writer;
    size_t used;           /* bytes of slots handed out */
    int nlive;             /* slots whose handle is open */
    int nheld;             /* slots still owned by a record */
    unsigned char full;    /* no more slots are handed out */
    unsigned char protect; /* made inaccessible */
    unsigned char epoch;
} DebugRawPage;

#    define PACK_MAX 256 /* the largest data (NUL included) in a slot */
#    define PACK_ALIGN 16

static DebugRawPage *pack_current; /* the page slots are handed out from */

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
#    ifdef HAVE_MEMFD
    if (pool_fd < 0 && !pool_no_memfd) {
        pool_fd = memfd_create("hpy-debug-raw-data", MFD_CLOEXEC);
        if (pool_fd < 0)
            pool_no_memfd = 1;
    }
    if (pool_fd >= 0 && ftruncate(pool_fd, (off_t)(pool_fd_size + bytes)) == 0) {
        /* Both views of the slab are contiguous: the pages of a batch make
         * one run, changed with one mprotect. */
        reader = (char *)mmap(NULL, bytes, PROT_READ, MAP_SHARED, pool_fd, (off_t)pool_fd_size);
        writer = (char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, pool_fd,
                              (off_t)pool_fd_size);
        if (reader == MAP_FAILED || writer == MAP_FAILED) {
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
#    endif
    if (reader == NULL) {
        reader = (char *)mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (reader == MAP_FAILED)
            return -1;
        writer = reader;
    }
    pool_slabs[pool_nslabs].reader = reader;
    pool_slabs[pool_nslabs].writer = writer;
    pool_slabs[pool_nslabs].epoch = pool_epoch;
    pool_nslabs++;
    /* highest address first: pages are popped in increasing order */
    for (int i = POOL_SLAB_PAGES - 1; i >= 0; i--) {
        pool_ready[pool_nready].reader = reader + (size_t)i * page_size();
        pool_ready[pool_nready].writer = writer + (size_t)i * page_size();
        pool_nready++;
    }
    return 0;
}

static int compare_pages(const void *a, const void *b)
{
    const char *x = ((const PoolPage *)a)->reader, *y = ((const PoolPage *)b)->reader;
    return x < y ? -1 : x > y;
}

/* Pages expire and close nearly in the order they were handed out, which
 * is increasing within a slab: when the addresses in turn make few
 * contiguous runs already (one mprotect each), they are used as they are,
 * without a sort. */
static int few_runs(HPy_ssize_t runs, HPy_ssize_t n)
{
    return runs <= 1 + n / 32;
}

/* Sorts pages by address, unless they make few runs already. */
static void sort_pages(PoolPage *pages, HPy_ssize_t n)
{
    size_t ps = page_size();
    HPy_ssize_t runs = 1;
    for (HPy_ssize_t i = 1; i < n; i++)
        runs += pages[i].reader != pages[i - 1].reader + ps;
    if (few_runs(runs, n))
        return;
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
static void pool_give_back_page(char *reader, char *writer, unsigned char epoch)
{
    if (epoch != pool_epoch)
        return; /* a page of the parent process: never reused */
    if (pool_nexpired >= pool_cap && pool_reserve() < 0)
        return; /* out of memory: the page is lost, it stays inaccessible */
    /* After a burst (many raw data open at once), give the memory of the
     * pages beyond POOL_KEEP back to the system; they stay in the pool. */
    if (pool_nready + pool_nexpired >= POOL_KEEP) {
        if (writer != reader) {
#    ifdef MADV_REMOVE
            madvise(writer, page_size(), MADV_REMOVE);
#    endif
        }
        else {
#    ifdef MADV_DONTNEED
            madvise(reader, page_size(), MADV_DONTNEED);
#    endif
        }
    }
    pool_expired[pool_nexpired].reader = reader;
    pool_expired[pool_nexpired].writer = writer;
    pool_nexpired++;
}

static void pool_give_back(DebugHandle *dh)
{
    pool_give_back_page(dh->raw_data, dh->raw_writer, dh->raw_pooled);
}

/* ---- shared pages ---- */

/* A shared page that hands out no more slots and whose slots are all
 * closed is made inaccessible; it goes back to the pool once no record
 * owns a slot of it any more. */
static void pack_settle(DebugRawPage *pp)
{
    if (!pp->full || pp->nlive > 0)
        return;
    if (!pp->protect && mprotect(pp->reader, page_size(), PROT_NONE) == 0)
        pp->protect = 1;
    /* (if that failed, the closed slots stay readable, poisoned) */
    if (pp->nheld == 0) {
        pool_give_back_page(pp->reader, pp->writer, pp->epoch);
        free(pp);
    }
}

/* Hands out no more slots of the current shared page. */
static void pack_retire_current(void)
{
    DebugRawPage *pp = pack_current;
    if (pp == NULL)
        return;
    pack_current = NULL;
    debug_state.raw_pack_live = 0;
    pp->full = 1;
    pack_settle(pp);
}

/* A slot of `size` bytes of a shared page (its page in *page), or NULL. */
static char *pack_take(size_t size, DebugRawPage **page)
{
    static int unavailable; /* no second view: a slot could not be written */
    size_t slot = (size + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
    DebugRawPage *pp = pack_current;
    if (unavailable)
        return NULL;
    if (pp != NULL && pp->used + slot > page_size()) {
        pack_retire_current();
        pp = NULL;
    }
    if (pp == NULL) {
        PoolPage p;
        pp = (DebugRawPage *)malloc(sizeof(DebugRawPage));
        if (pp == NULL)
            return NULL;
        if (pool_take(&p) < 0) {
            free(pp);
            return NULL;
        }
        if (p.writer == p.reader) {
            pool_ready[pool_nready++] = p; /* (read-only: ready as it is) */
            free(pp);
            unavailable = 1;
            return NULL;
        }
        memset(pp, 0, sizeof(*pp));
        pp->reader = p.reader;
        pp->writer = p.writer;
        pp->epoch = pool_epoch;
        pack_current = pp;
    }
    char *at = pp->reader + pp->used;
    pp->used += slot;
    pp->nlive++;
    debug_state.raw_pack_live = pp->nlive;
    pp->nheld++;
    *page = pp;
    return at;
}

/* Closing a handle whose data is a slot of a shared page. */
static void pack_close(DebugHandle *dh)
{
    DebugRawPage *pp = (DebugRawPage *)(void *)dh->raw_writer;
    if (pp->epoch == pool_epoch && dh->raw_size > 1)
        memset(pp->writer + (dh->raw_data - pp->reader), DEBUG_RAW_POISON, dh->raw_size - 1);
    dh->raw_state = RAW_PENDING;
    debug_state.raw_closed_total += dh->raw_size;
    pp->nlive--;
    if (pp == pack_current)
        debug_state.raw_pack_live = pp->nlive;
    pack_settle(pp);
}

/* The record no longer owns its slot. */
static void pack_release(DebugHandle *dh)
{
    DebugRawPage *pp = (DebugRawPage *)(void *)dh->raw_writer;
    if (dh->raw_state == RAW_READONLY) {
        pp->nlive--; /* (the handle asked for other data) */
        if (pp == pack_current)
            debug_state.raw_pack_live = pp->nlive;
    }
    else
        debug_state.raw_closed_total -= dh->raw_size;
    pp->nheld--;
    dh->raw_packed = 0;
    pack_settle(pp);
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
        char *tmp =
            (char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (HPy_ssize_t s = 0; s < pool_nslabs; s++) {
            PoolSlab *sl = &pool_slabs[s];
            if (sl->writer == sl->reader || sl->epoch != pool_epoch)
                continue;
            if (tmp != MAP_FAILED)
                memcpy(tmp, sl->writer, bytes);
            munmap(sl->writer, bytes);
            sl->writer = sl->reader;
            if (mmap(sl->reader, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
                continue;
            if (tmp != MAP_FAILED)
                memcpy(sl->reader, tmp, bytes);
            mprotect(sl->reader, bytes, PROT_NONE);
        }
        if (tmp != MAP_FAILED)
            munmap(tmp, bytes);
        /* the pages owned by open handles are readable again (a shared
         * page: the page of the slot) */
        for (HPy_ssize_t c = 0; c < debug_nchunks; c++)
            for (int i = 0; i < DEBUG_CHUNK_RECORDS; i++) {
                DebugHandle *dh = &debug_chunks[c][i];
                if (dh->raw_pooled == pool_epoch && dh->raw_state == RAW_READONLY)
                    mprotect((char *)((uintptr_t)dh->raw_data & ~(uintptr_t)(ps - 1)), ps,
                             PROT_READ);
            }
    }
    if (pool_fd >= 0)
        close(pool_fd);
    pool_fd = -1;
    pool_fd_size = 0;
    pool_nready = pool_nexpired = 0;
    /* its second view is gone: no more slots (it is given back to no pool) */
    if (pack_current != NULL)
        pack_current->full = 1;
    pack_current = NULL;
    debug_state.raw_pack_live = 0;
    pool_epoch = pool_epoch == 255 ? 1 : pool_epoch + 1;
}
#endif /* HAVE_MPROTECT */

#ifdef HAVE_MPROTECT
static int compare_pending(const void *a, const void *b)
{
    const char *x = (*(DebugHandle *const *)a)->raw_data;
    const char *y = (*(DebugHandle *const *)b)->raw_data;
    return x < y ? -1 : x > y;
}

/* Makes the pages of the pending batch inaccessible: sorted by address,
 * one mprotect per contiguous run. */
static void protect_pending(void)
{
    size_t ps = page_size();
    HPy_ssize_t i = 0, n = npending;
    HPy_ssize_t runs = 1;
    for (HPy_ssize_t k = 1; k < n; k++)
        runs += pending[k]->raw_data != pending[k - 1]->raw_data + ps;
    /* else nearly sorted: an insertion sort is then linear */
    if (few_runs(runs, n)) {
        /* as they are */
    }
    else if (n > 256) {
        qsort(pending, (size_t)n, sizeof(DebugHandle *), compare_pending);
    }
    else {
        for (HPy_ssize_t k = 1; k < n; k++) {
            DebugHandle *dh = pending[k];
            HPy_ssize_t j = k;
            while (j > 0 && pending[j - 1]->raw_data > dh->raw_data) {
                pending[j] = pending[j - 1];
                j--;
            }
            pending[j] = dh;
        }
    }
    npending = 0;
    while (i < n) {
        HPy_ssize_t j = i + 1;
        while (j < n && pending[j]->raw_data == pending[j - 1]->raw_data + ps)
            j++;
        int ok = mprotect(pending[i]->raw_data, (size_t)(j - i) * ps, PROT_NONE) == 0;
        for (HPy_ssize_t k = i; k < j; k++) {
            DebugHandle *dh = pending[k];
            dh->raw_state = RAW_NOACCESS;
            if (!ok) {
                /* the page cannot be protected: it is lost (it stays
                 * read-only, with poison in it) */
                debug_state.raw_closed_total -= dh->raw_size;
                dh->raw_state = RAW_NONE;
                dh->raw_pooled = 0;
                dh->raw_data = dh->raw_writer = NULL;
                dh->raw_size = dh->raw_map_size = 0;
            }
        }
        i = j;
    }
}

/* Whether `dh` was opened during the innermost call into the extension
 * that is running. */
static int opened_in_this_call(DebugHandle *dh)
{
    DebugFrame *f = debug_current_frame();
    return f != NULL && f != &debug_no_frame && dh->serial > f->first_serial;
}

/* Closing a handle whose page is pooled, opened during the innermost call
 * into the extension that is running: the page joins the pending batch
 * (see the top of this file). 0 if it cannot (the caller protects the page
 * at once). */
static int defer_close(DebugHandle *dh)
{
    if (debug_state.raw_batch <= 1 || dh->raw_pooled != pool_epoch || !opened_in_this_call(dh))
        return 0;
    if (npending == pending_cap) {
        HPy_ssize_t cap = pending_cap ? 2 * pending_cap : 64;
        DebugHandle **a = (DebugHandle **)realloc(pending, (size_t)cap * sizeof(DebugHandle *));
        if (a == NULL)
            return 0;
        pending = a;
        pending_cap = cap;
    }
    if (dh->raw_writer != dh->raw_data && dh->raw_size > 1)
        memset(dh->raw_writer, DEBUG_RAW_POISON, dh->raw_size - 1);
    dh->raw_state = RAW_PENDING;
    pending[npending++] = dh;
    if (npending >= debug_state.raw_batch)
        protect_pending();
    return 1;
}
#endif

void debug_raw_pack_call_returns(void)
{
#ifdef HAVE_MPROTECT
    pack_retire_current();
#endif
}

void debug_protect_closed_raw_data(void)
{
#ifdef HAVE_MPROTECT
    if (npending > 0)
        protect_pending();
    pack_retire_current();
#endif
}

void debug_set_raw_batch(HPy_ssize_t n)
{
    debug_state.raw_batch = n < 1 ? 1 : n;
#ifdef HAVE_MPROTECT
    if (npending >= debug_state.raw_batch)
        protect_pending();
    if (debug_state.raw_batch == 1)
        pack_retire_current();
#endif
}

void debug_release_raw_data(DebugHandle *dh)
{
    if (dh->raw_state == RAW_NONE)
        return;
#ifdef HAVE_MPROTECT
    if (dh->raw_packed) {
        pack_release(dh);
        dh->raw_state = RAW_NONE;
        dh->raw_pooled = 0;
        dh->raw_data = dh->raw_writer = NULL;
        dh->raw_size = dh->raw_map_size = 0;
        return;
    }
    if (dh->raw_state == RAW_PENDING)
        protect_pending(); /* (rare: the batch is smaller than the closed queue) */
    if (dh->raw_state == RAW_NONE)
        return;
#endif
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

const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size, const char *fn)
{
#ifdef HAVE_MPROTECT
    size_t ps = page_size();
    const char *kept = debug_raw_data_kept(dh, data, size);
    if (kept != NULL)
        return kept;
    debug_install_segv_handler();
    if (size <= PACK_MAX && debug_state.raw_batch > 1 && opened_in_this_call(dh)) {
        DebugRawPage *pp;
        char *slot = pack_take(size, &pp);
        if (slot != NULL) {
            memcpy(pp->writer + (slot - pp->reader), data, size);
            dh->raw_data = slot;
            dh->raw_writer = (char *)(void *)pp;
            dh->raw_packed = 1;
            dh->raw_pooled = pool_epoch;
            dh->raw_size = size;
            dh->raw_map_size = (size + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
            dh->raw_by = fn;
            dh->raw_state = RAW_READONLY;
            dh->cold = 1;
            return slot;
        }
    }
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
                return data; /* the page is lost */
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

/* Closing a handle with raw data: the copy becomes inaccessible, at once
 * or with the pending batch. */
void debug_raw_data_close(DebugHandle *dh)
{
#ifdef HAVE_MPROTECT
    if (dh->raw_state == RAW_READONLY) {
        if (dh->raw_packed) {
            pack_close(dh);
            return;
        }
        /* the data's bytes, as upstream counts them (not its pages) */
        if (defer_close(dh))
            debug_state.raw_closed_total += dh->raw_size;
        else if (mprotect(dh->raw_data, dh->raw_map_size, PROT_NONE) == 0) {
            dh->raw_state = RAW_NOACCESS;
            /* the data's bytes, as upstream counts them (not its pages) */
            debug_state.raw_closed_total += dh->raw_size;
        }
        else {
            debug_release_raw_data(dh);
        }
    }
#else
    (void)dh;
#endif
}

void debug_raw_data_init(void)
{
#ifdef HAVE_MPROTECT
    pthread_atfork(NULL, NULL, pool_atfork_child);
#endif
}
