/* HPy_BuildValue: builds a Python value from a format string and C values.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 *
 * Units (the C argument each one takes):
 *   i b h B H  int (the smaller types are promoted to int)   -> int
 *   I          unsigned int                                   -> int
 *   l          long              k  unsigned long             -> int
 *   L          long long         K  unsigned long long        -> int
 *   n          HPy_ssize_t                                    -> int
 *   f d        double (a float argument is promoted)          -> float
 *   s z        const char * UTF-8, NUL-terminated; NULL gives None -> str
 *   y          const char *, NUL-terminated; NULL gives None  -> bytes
 *   O S        HPy: the object itself; the caller keeps its handle
 *   N          HPy: the object itself; the handle is consumed (closed),
 *              even when HPy_BuildValue fails
 *   (...)      a tuple of the units inside
 *   [...]      a list of the units inside
 *   {k:v,...}  a dict of key/value pairs
 * Spaces, tabs, newlines, ',' and ':' between units are ignored. An empty
 * format gives None, a single unit its value, several units a tuple.
 * A bad format (unknown unit, unbalanced brackets, a dict with an odd number
 * of units) raises SystemError; the arguments of the units before the error
 * are still read, so that their N handles are closed (the ones after it
 * cannot be: their types are unknown). An O/S/N argument that is HPy_NULL
 * propagates the pending exception (SystemError if there is none). On every
 * other error, each handle already created is closed and every N argument
 * is still consumed.
 */
#include "hpy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BV_UNITS "ibhBHIlkLKnfdszyOSN"
#define BV_MAX_DEPTH 200

static int bv_is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':';
}

static void bv_system_error(HPyContext *ctx, const char *fmt, const char *what, char c)
{
    char buf[300];
    if (c != '\0') {
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            snprintf(buf, sizeof(buf), "HPy_BuildValue: %s '%c' in the format string \"%.100s\"",
                     what, c, fmt);
        else
            snprintf(buf, sizeof(buf), "HPy_BuildValue: %s '\\x%02x' in the format string "
                     "\"%.100s\"", what, (unsigned int)(unsigned char)c, fmt);
    } else {
        snprintf(buf, sizeof(buf), "HPy_BuildValue: %s in the format string \"%.100s\"",
                 what, fmt);
    }
    HPyErr_SetString(ctx, ctx->h_SystemError, buf);
}

static char bv_closer(char open)
{
    return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* Validates the units from *p up to `end` ('\0' for the top level) and
 * moves *p past it. Returns the number of units at this level, or -1 with
 * a SystemError set (only when ctx is not NULL; without ctx the format is
 * known to be valid). */
static HPy_ssize_t bv_scan(HPyContext *ctx, const char *fmt, const char **p, char end, int depth,
                           const char **errpos)
{
    HPy_ssize_t n = 0;
    for (;;) {
        char c = **p;
        if (c == '\0') {
            if (end != '\0') {
                *errpos = *p;
                if (ctx != NULL) {
                    char what[60];
                    snprintf(what, sizeof(what), "unbalanced brackets (missing '%c')", end);
                    bv_system_error(ctx, fmt, what, '\0');
                }
                return -1;
            }
            return n;
        }
        (*p)++;
        if (c == end)
            return n;
        if (bv_is_separator(c))
            continue;
        if (c == '(' || c == '[' || c == '{') {
            HPy_ssize_t inner;
            if (depth >= BV_MAX_DEPTH) {
                *errpos = *p - 1;
                if (ctx != NULL)
                    bv_system_error(ctx, fmt, "too deeply nested brackets", '\0');
                return -1;
            }
            inner = bv_scan(ctx, fmt, p, bv_closer(c), depth + 1, errpos);
            if (inner < 0)
                return -1;
            if (c == '{' && inner % 2 != 0) {
                *errpos = *p - 1;
                if (ctx != NULL)
                    bv_system_error(ctx, fmt, "a dict needs an even number of units "
                                    "(key:value pairs)", '\0');
                return -1;
            }
        } else if (c == ')' || c == ']' || c == '}') {
            *errpos = *p - 1;
            if (ctx != NULL)
                bv_system_error(ctx, fmt, "unbalanced brackets: unexpected", c);
            return -1;
        } else if (strchr(BV_UNITS, c) == NULL) {
            *errpos = *p - 1;
            if (ctx != NULL)
                bv_system_error(ctx, fmt, "bad format char", c);
            return -1;
        }
        n++;
    }
}

typedef struct {
    HPyContext *ctx;
    const char *fmt;
    va_list *va;
    int failed;        /* an error is set: only consume the remaining arguments */
} bvstate;

static HPy bv_item(bvstate *st, const char **p);

/* Reads the arguments of the units in [fmt, end) and closes the N ones
 * (after a format error, whose units from `end` on are not known). */
static void bv_consume(HPyContext *ctx, const char *fmt, const char *end, va_list *va)
{
    const char *p;
    for (p = fmt; p < end && *p != '\0'; p++) {
        switch (*p) {
        case 'i': case 'b': case 'h': case 'B': case 'H': (void)va_arg(*va, int); break;
        case 'I': (void)va_arg(*va, unsigned int); break;
        case 'l': (void)va_arg(*va, long); break;
        case 'k': (void)va_arg(*va, unsigned long); break;
        case 'L': (void)va_arg(*va, long long); break;
        case 'K': (void)va_arg(*va, unsigned long long); break;
        case 'n': (void)va_arg(*va, HPy_ssize_t); break;
        case 'f': case 'd': (void)va_arg(*va, double); break;
        case 's': case 'z': case 'y': (void)va_arg(*va, const char *); break;
        case 'O': case 'S': (void)va_arg(*va, HPy); break;
        case 'N': {
            HPy h = va_arg(*va, HPy);
            if (!HPy_IsNull(h))
                HPy_Close(ctx, h);
            break;
        }
        default: break;
        }
    }
}

/* A handle argument (O, S, N): HPy_NULL propagates the error. */
static HPy bv_handle_arg(bvstate *st, char unit)
{
    HPyContext *ctx = st->ctx;
    HPy h = va_arg(*st->va, HPy);
    if (st->failed) {
        if (unit == 'N' && !HPy_IsNull(h))
            HPy_Close(ctx, h);
        return HPy_NULL;
    }
    if (HPy_IsNull(h)) {
        if (!HPyErr_Occurred(ctx))
            HPyErr_SetString(ctx, ctx->h_SystemError, "NULL object passed to HPy_BuildValue");
        st->failed = 1;
        return HPy_NULL;
    }
    if (unit == 'N')
        return h;
    return HPy_Dup(ctx, h);
}

static HPy bv_check(bvstate *st, HPy h)
{
    if (HPy_IsNull(h))
        st->failed = 1;
    return h;
}

/* Builds the container opened just before *p (`open` is '(', '[' or '{'). */
static HPy bv_container(bvstate *st, const char **p, char open)
{
    HPyContext *ctx = st->ctx;
    const char *q = *p, *errpos = NULL;
    HPy_ssize_t n = bv_scan(NULL, st->fmt, &q, bv_closer(open), 0, &errpos), i, filled = 0;
    HPy stack_items[8];
    HPy *items = stack_items;
    HPy result = HPy_NULL;

    if (n > 8) {
        items = (HPy *)malloc(sizeof(HPy) * (size_t)n);
        if (items == NULL && !st->failed) {
            HPyErr_NoMemory(ctx);
            st->failed = 1;
        }
    }
    /* build (or, after an error, only consume) the n items */
    for (i = 0; i < n; i++) {
        HPy item = bv_item(st, p);
        if (!st->failed && items != NULL)
            items[filled++] = item;
        else if (!HPy_IsNull(item))
            HPy_Close(ctx, item);
    }
    /* skip to after the closing bracket */
    while (**p != bv_closer(open))
        (*p)++;
    (*p)++;

    if (!st->failed) {
        if (open == '(') {
            result = HPyTuple_FromArray(ctx, items, n);
        } else if (open == '[') {
            result = HPyList_New(ctx, 0);
            for (i = 0; i < n && !HPy_IsNull(result); i++) {
                if (HPyList_Append(ctx, result, items[i]) < 0) {
                    HPy_Close(ctx, result);
                    result = HPy_NULL;
                }
            }
        } else {
            result = HPyDict_New(ctx);
            for (i = 0; i + 1 < n && !HPy_IsNull(result); i += 2) {
                if (HPy_SetItem(ctx, result, items[i], items[i + 1]) < 0) {
                    HPy_Close(ctx, result);
                    result = HPy_NULL;
                }
            }
        }
        if (HPy_IsNull(result))
            st->failed = 1;
    }
    for (i = 0; i < filled; i++)
        HPy_Close(ctx, items[i]);
    if (items != stack_items)
        free(items);
    return result;
}

/* Builds the next item at *p (separators skipped) and moves *p past it.
 * Returns a new handle, or HPy_NULL once st->failed is set. */
static HPy bv_item(bvstate *st, const char **p)
{
    HPyContext *ctx = st->ctx;
    char c;
    while (bv_is_separator(**p))
        (*p)++;
    c = *(*p)++;
    switch (c) {
    case '(':
    case '[':
    case '{':
        return bv_container(st, p, c);
    case 'i':
    case 'b':
    case 'h':
    case 'B':
    case 'H': {
        int v = va_arg(*st->va, int);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromLong(ctx, (long)v));
    }
    case 'I': {
        unsigned int v = va_arg(*st->va, unsigned int);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLong(ctx, (unsigned long)v));
    }
    case 'l': {
        long v = va_arg(*st->va, long);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromLong(ctx, v));
    }
    case 'k': {
        unsigned long v = va_arg(*st->va, unsigned long);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLong(ctx, v));
    }
    case 'L': {
        long long v = va_arg(*st->va, long long);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromLongLong(ctx, v));
    }
    case 'K': {
        unsigned long long v = va_arg(*st->va, unsigned long long);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLongLong(ctx, v));
    }
    case 'n': {
        HPy_ssize_t v = va_arg(*st->va, HPy_ssize_t);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyLong_FromSsize_t(ctx, v));
    }
    case 'f':
    case 'd': {
        double v = va_arg(*st->va, double);
        if (st->failed) return HPy_NULL;
        return bv_check(st, HPyFloat_FromDouble(ctx, v));
    }
    case 's':
    case 'z':
    case 'y': {
        const char *v = va_arg(*st->va, const char *);
        if (st->failed) return HPy_NULL;
        if (v == NULL) return HPy_Dup(ctx, ctx->h_None);
        if (c == 'y')
            return bv_check(st, HPyBytes_FromString(ctx, v));
        return bv_check(st, HPyUnicode_FromString(ctx, v));
    }
    case 'O':
    case 'S':
    case 'N':
        return bv_handle_arg(st, c);
    default:
        /* cannot happen: the format was validated */
        if (!st->failed) {
            bv_system_error(ctx, st->fmt, "bad format char", c);
            st->failed = 1;
        }
        return HPy_NULL;
    }
}

HPyAPI_HELPER HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...)
{
    const char *p, *errpos = NULL;
    HPy_ssize_t n;
    va_list va;
    bvstate st;
    HPy result = HPy_NULL;

    if (fmt == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "HPy_BuildValue: the format string is NULL");
        return HPy_NULL;
    }
    p = fmt;
    n = bv_scan(ctx, fmt, &p, '\0', 0, &errpos);
    va_start(va, fmt);
    if (n < 0) {
        /* the arguments of the units before the error are known: consume
         * them, so that their N handles are closed */
        bv_consume(ctx, fmt, errpos, &va);
        va_end(va);
        return HPy_NULL;
    }

    st.ctx = ctx;
    st.fmt = fmt;
    st.va = &va;
    st.failed = 0;
    p = fmt;
    if (n == 0) {
        result = HPy_Dup(ctx, ctx->h_None);
    } else if (n == 1) {
        result = bv_item(&st, &p);
    } else {
        /* several units: the same as one tuple around them */
        HPy stack_items[8];
        HPy *items = stack_items;
        HPy_ssize_t i, filled = 0;
        if (n > 8) {
            items = (HPy *)malloc(sizeof(HPy) * (size_t)n);
            if (items == NULL) {
                HPyErr_NoMemory(ctx);
                st.failed = 1;
            }
        }
        for (i = 0; i < n; i++) {
            HPy item = bv_item(&st, &p);
            if (!st.failed && items != NULL)
                items[filled++] = item;
            else if (!HPy_IsNull(item))
                HPy_Close(ctx, item);
        }
        if (!st.failed)
            result = HPyTuple_FromArray(ctx, items, n);
        for (i = 0; i < filled; i++)
            HPy_Close(ctx, items[i]);
        if (items != stack_items)
            free(items);
    }
    va_end(va);
    if (st.failed && !HPy_IsNull(result)) {
        HPy_Close(ctx, result);
        result = HPy_NULL;
    }
    return result;
}
