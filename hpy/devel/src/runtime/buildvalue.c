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
 *   (...)      a tuple of the units inside
 *   [...]      a list of the units inside
 *   {k:v,...}  a dict: key ':' value pairs separated by ',' (a trailing
 *              ',' is allowed)
 * As upstream HPy, 'N' is refused (handles are never stolen). Spaces,
 * tabs and newlines between units are ignored, and so are ',' and ':'
 * outside dicts. An empty format gives None, a single unit its value,
 * several units a tuple. A bad format raises SystemError with upstream's
 * texts ("unmatched '(' in the format string passed to HPy_BuildValue",
 * ...), before any argument is read. An O/S argument that is HPy_NULL
 * propagates the pending exception (SystemError if there is none). On every
 * error, each handle already created is closed.
 */
#include "hpy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BV_UNITS "ibhBHIlkLKnfdszyOS"
#define BV_MAX_DEPTH 200

static int bv_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Separators between the units of a tuple, a list or the top level. */
static int bv_is_separator(char c)
{
    return bv_is_space(c) || c == ',' || c == ':';
}

static void bv_error(HPyContext *ctx, const char *msg)
{
    HPyErr_SetString(ctx, ctx->h_SystemError, msg);
}

/* "<what> '<c>' in the format string passed to HPy_BuildValue" */
static void bv_char_error(HPyContext *ctx, const char *what, char c)
{
    char buf[120];
    if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
        snprintf(buf, sizeof(buf), "%s '%c' in the format string passed to HPy_BuildValue", what,
                 c);
    else
        snprintf(buf, sizeof(buf), "%s '\\x%02x' in the format string passed to HPy_BuildValue",
                 what, (unsigned int)(unsigned char)c);
    bv_error(ctx, buf);
}

static const char BV_NO_N[] =
    "HPy_BuildValue does not support the 'N' formatting unit. Instead, use the 'O' "
    "formatting unit and manually close the handle in the caller if necessary. HPy API "
    "functions never 'steal' handles and always make a duplicate handle if needed, the "
    "'ownership' of the original handle is never 'transferred'. ";

static char bv_closer(char open)
{
    return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* Positions in a dict: what may come next. */
enum { BV_KEY, BV_COLON, BV_VALUE, BV_COMMA };

/* Validates the units from *p up to the closer of `open` ('\0' for the top
 * level) and moves *p past it. Returns the number of units at this level,
 * or -1 with a SystemError set (only when ctx is not NULL; without ctx the
 * format is known to be valid). `outer` is the outermost bracket still
 * open, which an unterminated format names. */
static HPy_ssize_t bv_scan(HPyContext *ctx, const char **p, char open, char outer, int depth)
{
    char end = open == '\0' ? '\0' : bv_closer(open);
    int dict = open == '{', where = BV_KEY;
    HPy_ssize_t n = 0;
    for (;;) {
        char c = **p;
        if (c == '\0' && end != '\0') {
            if (ctx != NULL)
                bv_char_error(ctx, "unmatched", outer);
            return -1;
        }
        if (c == '\0')
            return n;
        (*p)++;
        if (c == end) {
            if (dict && (where == BV_COLON || where == BV_VALUE)) {
                if (ctx != NULL)
                    bv_error(ctx, "missing ':' in the format string passed to HPy_BuildValue");
                return -1;
            }
            return n;
        }
        if (dict && bv_is_space(c))
            continue;
        if (dict && c == ',') {
            if (where != BV_COMMA) {
                if (ctx != NULL)
                    bv_error(ctx, "unexpected ',' in the format string passed to HPy_BuildValue");
                return -1;
            }
            where = BV_KEY;
            continue;
        }
        if (dict && c == ':') {
            if (where != BV_COLON) {
                if (ctx != NULL)
                    bv_error(ctx, "unexpected ':' in the format string passed to HPy_BuildValue");
                return -1;
            }
            where = BV_VALUE;
            continue;
        }
        if (!dict && bv_is_separator(c))
            continue;
        if (dict && where == BV_COLON) {
            if (ctx != NULL)
                bv_error(ctx, "missing ':' in the format string passed to HPy_BuildValue");
            return -1;
        }
        if (dict && where == BV_COMMA) {
            if (ctx != NULL)
                bv_error(ctx, "missing ',' in the format string passed to HPy_BuildValue");
            return -1;
        }
        if (c == '(' || c == '[' || c == '{') {
            if (depth >= BV_MAX_DEPTH) {
                if (ctx != NULL)
                    bv_error(ctx, "too deeply nested brackets in the format string passed to "
                                  "HPy_BuildValue");
                return -1;
            }
            if (bv_scan(ctx, p, c, outer != '\0' ? outer : c, depth + 1) < 0)
                return -1;
        }
        else if (c == ')' || c == ']' || c == '}') {
            if (ctx != NULL)
                bv_char_error(ctx, "unmatched", open != '\0' ? open : c);
            return -1;
        }
        else if (c == 'N') {
            if (ctx != NULL)
                bv_error(ctx, BV_NO_N);
            return -1;
        }
        else if (strchr(BV_UNITS, c) == NULL) {
            if (ctx != NULL)
                bv_char_error(ctx, "bad format char", c);
            return -1;
        }
        if (dict)
            where = where == BV_KEY ? BV_COLON : BV_COMMA;
        n++;
    }
}

typedef struct {
    HPyContext *ctx;
    const char *fmt;
    va_list *va;
    int failed; /* an error is set: only consume the remaining arguments */
} bvstate;

static HPy bv_item(bvstate *st, const char **p);

/* A handle argument (O, S): HPy_NULL propagates the error. */
static HPy bv_handle_arg(bvstate *st)
{
    HPyContext *ctx = st->ctx;
    HPy h = va_arg(*st->va, HPy);
    if (st->failed)
        return HPy_NULL;
    if (HPy_IsNull(h)) {
        if (!HPyErr_Occurred(ctx))
            HPyErr_SetString(ctx, ctx->h_SystemError, "HPy_NULL object passed to HPy_BuildValue");
        st->failed = 1;
        return HPy_NULL;
    }
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
    const char *q = *p;
    HPy_ssize_t n = bv_scan(NULL, &q, open, open, 0), i, filled = 0;
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
        }
        else if (open == '[') {
            result = HPyList_New(ctx, 0);
            for (i = 0; i < n && !HPy_IsNull(result); i++) {
                if (HPyList_Append(ctx, result, items[i]) < 0) {
                    HPy_Close(ctx, result);
                    result = HPy_NULL;
                }
            }
        }
        else {
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
    case '{': return bv_container(st, p, c);
    case 'i':
    case 'b':
    case 'h':
    case 'B':
    case 'H': {
        int v = va_arg(*st->va, int);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromLong(ctx, (long)v));
    }
    case 'I': {
        unsigned int v = va_arg(*st->va, unsigned int);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLong(ctx, (unsigned long)v));
    }
    case 'l': {
        long v = va_arg(*st->va, long);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromLong(ctx, v));
    }
    case 'k': {
        unsigned long v = va_arg(*st->va, unsigned long);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLong(ctx, v));
    }
    case 'L': {
        long long v = va_arg(*st->va, long long);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromLongLong(ctx, v));
    }
    case 'K': {
        unsigned long long v = va_arg(*st->va, unsigned long long);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromUnsignedLongLong(ctx, v));
    }
    case 'n': {
        HPy_ssize_t v = va_arg(*st->va, HPy_ssize_t);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyLong_FromSsize_t(ctx, v));
    }
    case 'f':
    case 'd': {
        double v = va_arg(*st->va, double);
        if (st->failed)
            return HPy_NULL;
        return bv_check(st, HPyFloat_FromDouble(ctx, v));
    }
    case 's':
    case 'z':
    case 'y': {
        const char *v = va_arg(*st->va, const char *);
        if (st->failed)
            return HPy_NULL;
        if (v == NULL)
            return HPy_Dup(ctx, ctx->h_None);
        if (c == 'y')
            return bv_check(st, HPyBytes_FromString(ctx, v));
        return bv_check(st, HPyUnicode_FromString(ctx, v));
    }
    case 'O':
    case 'S': return bv_handle_arg(st);
    default:
        /* cannot happen: the format was validated */
        if (!st->failed) {
            bv_error(ctx, "internal error in HPy_BuildValue");
            st->failed = 1;
        }
        return HPy_NULL;
    }
}

HPyAPI_HELPER HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...)
{
    const char *p;
    HPy_ssize_t n;
    va_list va;
    bvstate st;
    HPy result = HPy_NULL;

    if (fmt == NULL) {
        bv_error(ctx, "NULL format string passed to HPy_BuildValue");
        return HPy_NULL;
    }
    p = fmt;
    n = bv_scan(ctx, &p, '\0', '\0', 0);
    if (n < 0)
        return HPy_NULL;
    va_start(va, fmt);

    st.ctx = ctx;
    st.fmt = fmt;
    st.va = &va;
    st.failed = 0;
    p = fmt;
    if (n == 0) {
        result = HPy_Dup(ctx, ctx->h_None);
    }
    else if (n == 1) {
        result = bv_item(&st, &p);
    }
    else {
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
