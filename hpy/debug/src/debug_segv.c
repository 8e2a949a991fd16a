/* The SIGSEGV handler of the debug mode: an access to protected raw data
 * (debug_raw_data.c) that faults, a write to a copy that is read-only or any
 * access once its handle is closed, is reported with the handle it came
 * from before the process aborts. Faults elsewhere go to the handler that
 * was installed before. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#    define _GNU_SOURCE 1
#endif
#include "debug_internal.h"

#include <string.h>

#if !defined(_WIN32)
#    include <signal.h>
#    include <unistd.h>
#    define HAVE_MPROTECT 1
#endif

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
    for (HPy_ssize_t c = 0; c < debug_nchunks; c++) {
        for (int i = 0; i < DEBUG_CHUNK_RECORDS; i++) {
            DebugHandle *dh = &debug_chunks[c][i];
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
    if (dh->raw_state == RAW_NOACCESS || dh->raw_state == RAW_PENDING) {
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

void debug_install_segv_handler(void)
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
#else
void debug_install_segv_handler(void)
{
}
#endif
