/* The queue of closed handles: a ring of the last closed_max closed
 * records, so that a use after close is reported with what the handle was
 * (the oldest goes back to the free list when another is closed). The
 * common case of closing is inline (debug_handle_mark_closed_fast in
 * debug_internal.h); this file has the rest: queueing while the ring is
 * not full, resizing it, and keeping the raw data of its records within
 * the limit (set_protected_raw_data_max_size). */
#include "debug_internal.h"

#include <string.h>

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
        debug_state.closed_oldest =
            ++slot == debug_state.closed_end ? debug_state.closed_ring : slot;
        debug_recycle(old);
        return;
    }
    HPy_ssize_t k =
        (debug_state.closed_oldest - debug_state.closed_ring) + debug_state.closed_count;
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
            DebugHandle **ring =
                (DebugHandle **)realloc(debug_state.closed_ring, (size_t)n * sizeof(DebugHandle *));
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

/* Frees the raw data of the oldest closed handles until the total kept is
 * within the limit (both hosts: debug_release_raw_data is theirs). */
void debug_trim_raw_data(void)
{
    for (HPy_ssize_t i = 0; i < debug_state.closed_count; i++) {
        if (debug_state.raw_closed_total <= debug_state.raw_max)
            break;
        debug_release_raw_data(debug_closed_at(i));
    }
}

void debug_set_raw_max(size_t n)
{
    debug_state.raw_max = n;
    debug_trim_raw_data();
}
