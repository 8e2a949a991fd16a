/* Raw data of the debug mode (the char* of HPyBytes_AsString & co) in the
 * WebAssembly host, instead of hpy/debug/src/debug_raw_data.c and
 * debug_segv.c: WebAssembly has no memory protection (no mmap, mprotect or
 * SIGSEGV), so what those files make fault is checked afterwards here.
 *
 *  - the extension gets a copy (malloc'ed), as natively; a checksum of the
 *    bytes is kept (in raw_map_size, which has no other use here);
 *  - closing the handle checks the checksum (a write to the data while the
 *    handle was open is reported: the data is read-only) and fills the
 *    copy with DEBUG_RAW_POISON bytes (the NUL stays), so that a read
 *    through a stale pointer sees the poison; the copy is quarantined: it
 *    stays allocated while the handle's record is in the closed queue and
 *    the closed raw data is within raw_max bytes, as natively the page
 *    stays inaccessible;
 *  - the poison is checked when the copy leaves the quarantine, and by
 *    hpy.universal._debug.check_raw_data() (protect_closed_raw_data() and
 *    LeakDetector.stop() call it): a write through a stale pointer is then
 *    reported like any other violation (HPyDebugError in raise mode).
 *
 * Not detected: a read through a stale pointer (it reads the poison, or
 * once the copy has left the quarantine, whatever memory is there), a
 * write that leaves the bytes as they were, and a write after the copy has
 * left the quarantine. */
#include "debug_internal.h"

#include <string.h>

static size_t checksum(const char *data, size_t size)
{
    /* FNV-1a, 32 bits (size_t is 32 bits on wasm32) */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++) {
        h ^= (unsigned char)data[i];
        h *= 16777619u;
    }
    return (size_t)h;
}

/* The first byte of the closed copy of `dh` that is not poison, or -1. */
static HPy_ssize_t first_unpoisoned(const DebugHandle *dh)
{
    for (size_t i = 0; i + 1 < dh->raw_size; i++)
        if ((unsigned char)dh->raw_data[i] != DEBUG_RAW_POISON)
            return (HPy_ssize_t)i;
    if (dh->raw_size > 0 && dh->raw_data[dh->raw_size - 1] != '\0')
        return (HPy_ssize_t)dh->raw_size - 1;
    return -1;
}

#define WRITE_AFTER_CLOSE                                                                     \
    "HPy debug mode: invalid write to the raw data returned by %s (byte %ld of %ld changed "  \
    "after its handle was closed by %s; found when %s): the data must not be used after the " \
    "handle it came from is closed"

/* A closed copy that was written to: the violation's message, or NULL. */
static char *describe_stale_write(DebugHandle *dh, const char *when)
{
    HPy_ssize_t at = first_unpoisoned(dh);
    DebugStr s = { NULL, 0, 0 };
    if (at < 0)
        return NULL;
    debug_str_printf(&s, WRITE_AFTER_CLOSE, dh->raw_by ? dh->raw_by : "?", (long)at,
                     (long)dh->raw_size, dh->closed_by ? dh->closed_by : "?", when);
    debug_str_printf(&s, ": ");
    debug_describe_handle(&s, dh);
    return s.buf != NULL ? s.buf : strdup("HPy debug mode: invalid write to closed raw data");
}

static void free_copy(DebugHandle *dh)
{
    free(dh->raw_data);
    dh->raw_state = RAW_NONE;
    dh->raw_pooled = 0;
    dh->raw_packed = 0;
    dh->raw_data = dh->raw_writer = NULL;
    dh->raw_size = dh->raw_map_size = 0;
}

void debug_release_raw_data(DebugHandle *dh)
{
    if (dh->raw_state == RAW_NONE)
        return;
    if (dh->raw_state == RAW_PENDING) {
        debug_state.raw_closed_total -= dh->raw_size;
        if (first_unpoisoned(dh) >= 0)
            debug_violation(V_OTHER, dh, WRITE_AFTER_CLOSE, dh->raw_by ? dh->raw_by : "?",
                            (long)first_unpoisoned(dh), (long)dh->raw_size,
                            dh->closed_by ? dh->closed_by : "?", "its copy left the quarantine");
    }
    free_copy(dh);
}

const char *debug_protect_raw_data(DebugHandle *dh, const char *data, size_t size, const char *fn)
{
    const char *kept = debug_raw_data_kept(dh, data, size);
    if (kept != NULL)
        return kept;
    char *copy = (char *)malloc(size > 0 ? size : 1);
    if (copy == NULL)
        return data;
    memcpy(copy, data, size);
    dh->raw_data = copy;
    dh->raw_writer = NULL;
    dh->raw_size = size;
    dh->raw_map_size = checksum(copy, size);
    dh->raw_by = fn;
    dh->raw_state = RAW_READONLY;
    dh->cold = 1;
    return copy;
}

void debug_raw_data_close(DebugHandle *dh)
{
    if (dh->raw_state != RAW_READONLY)
        return;
    if (checksum(dh->raw_data, dh->raw_size) != dh->raw_map_size)
        debug_violation(V_OTHER, dh,
                        "HPy debug mode: invalid write to the raw data returned by %s (found when "
                        "its handle was closed by %s): the data is read-only and must not be "
                        "written to",
                        dh->raw_by ? dh->raw_by : "?", dh->closed_by ? dh->closed_by : "?");
    if (dh->raw_size > 1)
        memset(dh->raw_data, DEBUG_RAW_POISON, dh->raw_size - 1);
    if (dh->raw_size > 0)
        dh->raw_data[dh->raw_size - 1] = '\0';
    dh->raw_state = RAW_PENDING;
    debug_state.raw_closed_total += dh->raw_size;
}

int debug_check_closed_raw_data(void)
{
    for (HPy_ssize_t c = 0; c < debug_nchunks; c++) {
        for (int i = 0; i < DEBUG_CHUNK_RECORDS; i++) {
            DebugHandle *dh = &debug_chunks[c][i];
            if (dh->raw_state != RAW_PENDING)
                continue;
            char *msg = describe_stale_write(dh, "the closed raw data was checked");
            if (msg != NULL) {
                /* reported once: the copy is poisoned again */
                memset(dh->raw_data, DEBUG_RAW_POISON, dh->raw_size > 0 ? dh->raw_size - 1 : 0);
                if (dh->raw_size > 0)
                    dh->raw_data[dh->raw_size - 1] = '\0';
                PyErr_SetString(debug_state.debug_error, msg);
                free(msg);
                return -1;
            }
        }
    }
    return 0;
}

void debug_raw_pack_call_returns(void)
{
}

void debug_protect_closed_raw_data(void)
{
}

void debug_set_raw_batch(HPy_ssize_t n)
{
    debug_state.raw_batch = n < 1 ? 1 : n;
}

void debug_raw_data_init(void)
{
}

void debug_install_segv_handler(void)
{
}
