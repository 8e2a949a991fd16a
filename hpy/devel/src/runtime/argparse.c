/* Argument parsing helpers: HPyArg_Parse, HPyArg_ParseKeywords and
 * HPyArg_ParseKeywordsDict.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 *
 * Format units (one C pointer argument each, in order):
 *   b  unsigned char       0..UCHAR_MAX, OverflowError outside
 *   B  unsigned char       no overflow check (the value is masked)
 *   h  short               SHRT_MIN..SHRT_MAX
 *   H  unsigned short      masked
 *   i  int                 INT_MIN..INT_MAX
 *   I  unsigned int        masked
 *   l  long                range of long
 *   k  unsigned long       masked; the argument must be an int
 *   L  long long           range of long long
 *   K  unsigned long long  masked; the argument must be an int
 *   n  HPy_ssize_t         range of HPy_ssize_t
 *   f  float, d  double    anything HPyFloat_AsDouble accepts
 *   s  const char *        UTF-8 of a str without embedded NUL; the pointer
 *                          is valid as long as the argument is alive
 *   O  HPy                 the argument itself (not a new handle)
 *   p  int                 truth value (HPy_IsTrue), 0 or 1
 * and the markers
 *   |        the following units are optional (their C variables are left
 *            untouched when the argument is missing)
 *   $        the following units are keyword-only (ParseKeywords* only)
 *   :name    the rest of the string is the function name, for messages
 *   ;text    the rest of the string replaces the message of every TypeError
 *            the parser raises about the call (argument counts, missing,
 *            duplicate or unknown keywords, wrong argument types); errors
 *            raised by the conversions themselves (overflow, ...) are kept.
 * An invalid format string or keyword list raises SystemError.
 *
 * Trackers: if `ht` is not NULL, a tracker is created and stored in *ht on
 * success; the caller must close it with HPyTracker_Close once it no longer
 * needs the parsed values. On failure nothing is left to close (*ht is set
 * to a null tracker). HPyArg_Parse and HPyArg_ParseKeywords never create
 * handles ('O' stores the caller's borrowed handle), so there `ht` may be
 * NULL. HPyArg_ParseKeywordsDict gets keyword values from the dict as new
 * handles: the ones an 'O' or 's' unit hands out (the handle itself, or the
 * UTF-8 buffer that lives as long as it) are kept in the tracker, so a format
 * with 'O' or 's' requires a tracker there.
 */
#include "hpy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#  define _ARG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define _ARG_PRINTF(f, a)
#endif

#define ARG_UNITS "bBhHiIlkLKnfdsOp"
#define ARG_MSG_SIZE 512
#define ARG_STACK_KW 8

typedef struct {
    const char *api;      /* public function name, for SystemError messages */
    const char *units;    /* the format string */
    const char *fname;    /* text after ':' or NULL */
    const char *message;  /* text after ';' or NULL */
    int nunits;
    int min;              /* number of required units (those before '|') */
    int max_pos;          /* number of units that may be positional (before '$') */
    int needs_tracker;    /* has an 'O' or 's' unit (dict variant) */
    /* keyword lists */
    const char **keywords;
    int npos_only;        /* leading empty names: positional-only */
    char fn[220];         /* "name()" or "function" */
} argfmt;

typedef struct {
    HPy name;             /* owned name handle, or HPy_NULL */
    const char *utf8;     /* the name as UTF-8 */
    HPy value;
    int value_owned;      /* the value is a new handle (dict variant) */
    int keep;             /* handed out by an 'O' or 's' unit */
    int used;
} kwarg;

/* ---- errors ---- */

static void arg_system_error(HPyContext *ctx, const argfmt *f, const char *what)
{
    char buf[ARG_MSG_SIZE];
    snprintf(buf, sizeof(buf), "%s: %s", f->api, what);
    HPyErr_SetString(ctx, ctx->h_SystemError, buf);
}

/* A TypeError about the call, or the custom ';' message. */
_ARG_PRINTF(3, 4)
static void arg_type_error(HPyContext *ctx, const argfmt *f, const char *fmt, ...)
{
    char buf[ARG_MSG_SIZE];
    va_list va;
    if (f->message != NULL) {
        HPyErr_SetString(ctx, ctx->h_TypeError, f->message);
        return;
    }
    va_start(va, fmt);
    vsnprintf(buf, sizeof(buf), fmt, va);
    va_end(va);
    HPyErr_SetString(ctx, ctx->h_TypeError, buf);
}

static void arg_overflow(HPyContext *ctx, const char *msg)
{
    HPyErr_SetString(ctx, ctx->h_OverflowError, msg);
}

/* "f() argument 2 must be str, not int" (or "argument 'x'"). The type is
 * named by its __name__. */
static void arg_wrong_type(HPyContext *ctx, const argfmt *f, int pos, const char *kwname,
                           const char *expected, HPy arg)
{
    char where[300];
    const char *tname = NULL;
    HPy name = HPy_NULL, tp = HPy_Type(ctx, arg);
    if (!HPy_IsNull(tp)) {
        name = HPy_GetAttr_s(ctx, tp, "__name__");
        HPy_Close(ctx, tp);
    }
    if (!HPy_IsNull(name) && HPyUnicode_Check(ctx, name))
        tname = HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
    if (tname == NULL) {
        HPyErr_Clear(ctx);
        tname = "?";
    }
    if (kwname != NULL)
        snprintf(where, sizeof(where), "argument '%.200s'", kwname);
    else
        snprintf(where, sizeof(where), "argument %d", pos);
    arg_type_error(ctx, f, "%s%s%s must be %s, not %.50s",
                   f->fname != NULL ? f->fn : "", f->fname != NULL ? " " : "",
                   where, expected, tname);
    if (!HPy_IsNull(name))
        HPy_Close(ctx, name);
}

/* ---- the format string ---- */

static int scan_format(HPyContext *ctx, argfmt *f, const char *api, const char *fmt,
                       const char **keywords, int with_keywords)
{
    const char *p;
    int seen_bar = 0, seen_dollar = 0;

    f->api = api;
    f->units = fmt;
    f->fname = NULL;
    f->message = NULL;
    f->nunits = 0;
    f->min = 0;
    f->max_pos = 0;
    f->needs_tracker = 0;
    f->keywords = keywords;
    f->npos_only = 0;
    if (fmt == NULL) {
        arg_system_error(ctx, f, "the format string is NULL");
        return 0;
    }
    for (p = fmt; *p != '\0'; p++) {
        char c = *p;
        if (c == ':') {
            f->fname = p + 1;
            break;
        }
        if (c == ';') {
            f->message = p + 1;
            break;
        }
        if (c == '|') {
            if (seen_bar) {
                arg_system_error(ctx, f, "invalid format string ('|' specified twice)");
                return 0;
            }
            if (seen_dollar) {
                arg_system_error(ctx, f, "invalid format string ('$' before '|')");
                return 0;
            }
            seen_bar = 1;
            f->min = f->nunits;
            continue;
        }
        if (c == '$') {
            if (!with_keywords) {
                arg_system_error(ctx, f, "invalid format string ('$' is only allowed when "
                                         "parsing keyword arguments)");
                return 0;
            }
            if (seen_dollar) {
                arg_system_error(ctx, f, "invalid format string ('$' specified twice)");
                return 0;
            }
            seen_dollar = 1;
            f->max_pos = f->nunits;
            continue;
        }
        if (strchr(ARG_UNITS, c) == NULL) {
            char buf[100];
            if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                snprintf(buf, sizeof(buf), "invalid format string (unknown format unit '%c')", c);
            else
                snprintf(buf, sizeof(buf), "invalid format string (unknown format unit '\\x%02x')",
                         (unsigned int)(unsigned char)c);
            arg_system_error(ctx, f, buf);
            return 0;
        }
        if (c == 'O' || c == 's')
            f->needs_tracker = 1;
        if (f->nunits == INT_MAX - 1) {
            arg_system_error(ctx, f, "invalid format string (too many format units)");
            return 0;
        }
        f->nunits++;
    }
    if (!seen_bar)
        f->min = f->nunits;
    if (!seen_dollar)
        f->max_pos = f->nunits;
    if (f->fname != NULL)
        snprintf(f->fn, sizeof(f->fn), "%.200s()", f->fname);
    else
        snprintf(f->fn, sizeof(f->fn), "function");

    if (with_keywords) {
        int n = 0;
        char buf[200];
        if (keywords == NULL) {
            arg_system_error(ctx, f, "the keywords list is NULL");
            return 0;
        }
        while (n < f->nunits && keywords[n] != NULL && keywords[n][0] == '\0')
            n++;
        f->npos_only = n;
        for (; n < f->nunits && keywords[n] != NULL; n++) {
            if (keywords[n][0] == '\0') {
                arg_system_error(ctx, f, "invalid keywords list (an empty name, i.e. a "
                                         "positional-only parameter, follows a named one)");
                return 0;
            }
        }
        if (n < f->nunits) {
            snprintf(buf, sizeof(buf), "invalid keywords list (%d names for %d format units)",
                     n, f->nunits);
            arg_system_error(ctx, f, buf);
            return 0;
        }
        if (keywords[n] != NULL) {
            while (keywords[n] != NULL && n < INT_MAX - 1)
                n++;
            snprintf(buf, sizeof(buf), "invalid keywords list (%d names for %d format units)",
                     n, f->nunits);
            arg_system_error(ctx, f, buf);
            return 0;
        }
        if (f->npos_only > f->max_pos) {
            arg_system_error(ctx, f, "invalid keywords list (a positional-only parameter "
                                     "after '$')");
            return 0;
        }
    }
    return 1;
}

/* ---- conversions ---- */

/* The integer value of `arg`: `arg` itself if it is an int (borrowed), else
 * the result of its __index__, a new handle that is also stored in *owned
 * for the caller to release with release_index(). HPy_NULL with an
 * exception set on error. An int needs no handle of its own: one context
 * call (the type check) instead of three. */
static HPy index_of(HPyContext *ctx, HPy arg, HPy *owned)
{
    *owned = HPy_NULL;
    if (HPy_TypeCheck(ctx, arg, ctx->h_LongType))
        return arg;
    *owned = HPy_Index(ctx, arg);
    return *owned;
}

static void release_index(HPyContext *ctx, HPy owned)
{
    if (!HPy_IsNull(owned))
        HPy_Close(ctx, owned);
}

static int get_long_long(HPyContext *ctx, HPy arg, long long *out)
{
    HPy owned, i = index_of(ctx, arg, &owned);
    long long v;
    if (HPy_IsNull(i))
        return 0;
    v = HPyLong_AsLongLong(ctx, i);
    release_index(ctx, owned);
    if (v == -1 && HPyErr_Occurred(ctx))
        return 0;
    *out = v;
    return 1;
}

static int get_mask(HPyContext *ctx, HPy arg, unsigned long long *out)
{
    HPy owned, i = index_of(ctx, arg, &owned);
    unsigned long long v;
    if (HPy_IsNull(i))
        return 0;
    v = HPyLong_AsUnsignedLongLongMask(ctx, i);
    release_index(ctx, owned);
    if (v == (unsigned long long)-1 && HPyErr_Occurred(ctx))
        return 0;
    *out = v;
    return 1;
}

/* Converts `arg` (HPy_NULL: an optional argument that was not given, whose
 * C variable is left alone) according to `unit`, always consuming the
 * unit's pointer from `va`. `pos` is 1-based; `kwname` is set when the
 * argument came by keyword. Returns 1, or 0 with an exception set. */
static int convert_unit(HPyContext *ctx, const argfmt *f, char unit, HPy arg, int pos,
                        const char *kwname, kwarg *from_kw, va_list *va)
{
    switch (unit) {
    case 'b': {
        unsigned char *out = va_arg(*va, unsigned char *);
        long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_long_long(ctx, arg, &v)) return 0;
        if (v < 0) {
            arg_overflow(ctx, "unsigned byte integer is less than minimum");
            return 0;
        }
        if (v > UCHAR_MAX) {
            arg_overflow(ctx, "unsigned byte integer is greater than maximum");
            return 0;
        }
        *out = (unsigned char)v;
        return 1;
    }
    case 'B': {
        unsigned char *out = va_arg(*va, unsigned char *);
        unsigned long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_mask(ctx, arg, &v)) return 0;
        *out = (unsigned char)v;
        return 1;
    }
    case 'h': {
        short *out = va_arg(*va, short *);
        long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_long_long(ctx, arg, &v)) return 0;
        if (v < SHRT_MIN) {
            arg_overflow(ctx, "signed short integer is less than minimum");
            return 0;
        }
        if (v > SHRT_MAX) {
            arg_overflow(ctx, "signed short integer is greater than maximum");
            return 0;
        }
        *out = (short)v;
        return 1;
    }
    case 'H': {
        unsigned short *out = va_arg(*va, unsigned short *);
        unsigned long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_mask(ctx, arg, &v)) return 0;
        *out = (unsigned short)v;
        return 1;
    }
    case 'i': {
        int *out = va_arg(*va, int *);
        long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_long_long(ctx, arg, &v)) return 0;
        if (v < INT_MIN) {
            arg_overflow(ctx, "signed integer is less than minimum");
            return 0;
        }
        if (v > INT_MAX) {
            arg_overflow(ctx, "signed integer is greater than maximum");
            return 0;
        }
        *out = (int)v;
        return 1;
    }
    case 'I': {
        unsigned int *out = va_arg(*va, unsigned int *);
        unsigned long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_mask(ctx, arg, &v)) return 0;
        *out = (unsigned int)v;
        return 1;
    }
    case 'l': {
        long *out = va_arg(*va, long *);
        HPy i, owned;
        long v;
        if (HPy_IsNull(arg)) return 1;
        i = index_of(ctx, arg, &owned);
        if (HPy_IsNull(i)) return 0;
        v = HPyLong_AsLong(ctx, i);
        release_index(ctx, owned);
        if (v == -1 && HPyErr_Occurred(ctx)) return 0;
        *out = v;
        return 1;
    }
    case 'k': {
        unsigned long *out = va_arg(*va, unsigned long *);
        unsigned long v;
        if (HPy_IsNull(arg)) return 1;
        if (!HPy_TypeCheck(ctx, arg, ctx->h_LongType)) {
            arg_wrong_type(ctx, f, pos, kwname, "int", arg);
            return 0;
        }
        v = HPyLong_AsUnsignedLongMask(ctx, arg);
        if (v == (unsigned long)-1 && HPyErr_Occurred(ctx)) return 0;
        *out = v;
        return 1;
    }
    case 'L': {
        long long *out = va_arg(*va, long long *);
        long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!get_long_long(ctx, arg, &v)) return 0;
        *out = v;
        return 1;
    }
    case 'K': {
        unsigned long long *out = va_arg(*va, unsigned long long *);
        unsigned long long v;
        if (HPy_IsNull(arg)) return 1;
        if (!HPy_TypeCheck(ctx, arg, ctx->h_LongType)) {
            arg_wrong_type(ctx, f, pos, kwname, "int", arg);
            return 0;
        }
        v = HPyLong_AsUnsignedLongLongMask(ctx, arg);
        if (v == (unsigned long long)-1 && HPyErr_Occurred(ctx)) return 0;
        *out = v;
        return 1;
    }
    case 'n': {
        HPy_ssize_t *out = va_arg(*va, HPy_ssize_t *);
        HPy i, owned;
        HPy_ssize_t v;
        if (HPy_IsNull(arg)) return 1;
        i = index_of(ctx, arg, &owned);
        if (HPy_IsNull(i)) return 0;
        v = HPyLong_AsSsize_t(ctx, i);
        release_index(ctx, owned);
        if (v == -1 && HPyErr_Occurred(ctx)) return 0;
        *out = v;
        return 1;
    }
    case 'f': {
        float *out = va_arg(*va, float *);
        double v;
        if (HPy_IsNull(arg)) return 1;
        v = HPyFloat_AsDouble(ctx, arg);
        if (v == -1.0 && HPyErr_Occurred(ctx)) return 0;
        *out = (float)v;
        return 1;
    }
    case 'd': {
        double *out = va_arg(*va, double *);
        double v;
        if (HPy_IsNull(arg)) return 1;
        v = HPyFloat_AsDouble(ctx, arg);
        if (v == -1.0 && HPyErr_Occurred(ctx)) return 0;
        *out = v;
        return 1;
    }
    case 's': {
        const char **out = va_arg(*va, const char **);
        const char *s;
        HPy_ssize_t size = 0;
        if (HPy_IsNull(arg)) return 1;
        if (!HPyUnicode_Check(ctx, arg)) {
            arg_wrong_type(ctx, f, pos, kwname, "str", arg);
            return 0;
        }
        s = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (s == NULL) return 0;
        if ((size_t)size != strlen(s)) {
            HPyErr_SetString(ctx, ctx->h_ValueError, "embedded null character");
            return 0;
        }
        if (from_kw != NULL) from_kw->keep = 1;
        *out = s;
        return 1;
    }
    case 'O': {
        HPy *out = va_arg(*va, HPy *);
        if (HPy_IsNull(arg)) return 1;
        if (from_kw != NULL) from_kw->keep = 1;
        *out = arg;
        return 1;
    }
    case 'p': {
        int *out = va_arg(*va, int *);
        int v;
        if (HPy_IsNull(arg)) return 1;
        v = HPy_IsTrue(ctx, arg);
        if (v < 0) return 0;
        *out = v;
        return 1;
    }
    default:
        /* cannot happen: scan_format accepted only known units */
        arg_system_error(ctx, f, "invalid format string");
        return 0;
    }
}

/* The unit of index `i`, skipping the '|' and '$' markers. */
static const char *next_unit(const char *p)
{
    while (*p == '|' || *p == '$')
        p++;
    return p;
}

/* ---- the parser ---- */

static int find_kw(kwarg *kw, HPy_ssize_t nkw, const char *name)
{
    HPy_ssize_t j;
    for (j = 0; j < nkw; j++) {
        if (kw[j].utf8 != NULL && strcmp(kw[j].utf8, name) == 0)
            return (int)j;
    }
    return -1;
}

/* Checks the shape of the call (counts, missing, duplicate and unknown
 * keywords) before anything is converted, then converts every unit. */
static int parse_core(HPyContext *ctx, argfmt *f, int with_keywords, const HPy *args,
                      size_t nargs, kwarg *kw, HPy_ssize_t nkw, va_list *va)
{
    const char *p;
    int i;
    HPy_ssize_t j;

    /* counts */
    if (!with_keywords) {
        if (nargs < (size_t)f->min || nargs > (size_t)f->nunits) {
            int n = nargs < (size_t)f->min ? f->min : f->nunits;
            arg_type_error(ctx, f, "%s takes %s %d argument%s (%zu given)", f->fn,
                           f->min == f->nunits ? "exactly"
                           : nargs < (size_t)f->min ? "at least" : "at most",
                           n, n == 1 ? "" : "s", nargs);
            return 0;
        }
    } else {
        size_t total = nargs + (size_t)nkw;
        if (total > (size_t)f->nunits) {
            arg_type_error(ctx, f, "%s takes at most %d %sargument%s (%zu given)", f->fn,
                           f->nunits, nargs == 0 ? "keyword " : "",
                           f->nunits == 1 ? "" : "s", total);
            return 0;
        }
        if (nargs > (size_t)f->max_pos) {
            arg_type_error(ctx, f, "%s takes %s %d positional argument%s (%zu given)", f->fn,
                           (f->min < f->npos_only ? f->min : f->npos_only) < f->max_pos
                               ? "at most" : "exactly", f->max_pos,
                           f->max_pos == 1 ? "" : "s", nargs);
            return 0;
        }
        for (i = 0; i < f->nunits; i++) {
            const char *name = f->keywords[i];
            int k = -1;
            if (nkw > 0 && i >= f->npos_only)
                k = find_kw(kw, nkw, name);
            if ((size_t)i < nargs) {
                if (k >= 0) {
                    arg_type_error(ctx, f, "argument for %s given by name ('%.200s') "
                                   "and position (%d)", f->fn, name, i + 1);
                    return 0;
                }
                continue;
            }
            if (k >= 0) {
                kw[k].used = 1;
                continue;
            }
            if (i < f->min) {
                if (i < f->npos_only) {
                    int n = f->min < f->npos_only ? f->min : f->npos_only;
                    arg_type_error(ctx, f, "%s takes %s %d positional argument%s (%zu given)",
                                   f->fn, n < f->max_pos ? "at least" : "exactly", n,
                                   n == 1 ? "" : "s", nargs);
                } else {
                    arg_type_error(ctx, f, "%s missing required argument '%.200s' (pos %d)",
                                   f->fn, name, i + 1);
                }
                return 0;
            }
        }
        for (j = 0; j < nkw; j++) {
            if (!kw[j].used) {
                if (f->message != NULL)
                    arg_type_error(ctx, f, "%s", "");
                else {
                    char buf[ARG_MSG_SIZE];
                    snprintf(buf, sizeof(buf), "'%.200s' is an invalid keyword argument for %s",
                             kw[j].utf8, f->fname != NULL ? f->fn : "this function");
                    HPyErr_SetString(ctx, ctx->h_TypeError, buf);
                }
                return 0;
            }
        }
    }

    /* conversions */
    p = f->units;
    for (i = 0; i < f->nunits; i++) {
        HPy arg = HPy_NULL;
        const char *kwname = NULL;
        kwarg *from_kw = NULL;
        p = next_unit(p);
        if ((size_t)i < nargs) {
            arg = args[i];
        } else if (with_keywords && nkw > 0 && i >= f->npos_only) {
            int k = find_kw(kw, nkw, f->keywords[i]);
            if (k >= 0) {
                arg = kw[k].value;
                kwname = f->keywords[i];
                from_kw = &kw[k];
            }
        }
        if (!convert_unit(ctx, f, *p, arg, i + 1, kwname, from_kw, va))
            return 0;
        p++;
    }
    return 1;
}

/* Sets up the tracker, runs the parser and finishes the tracker. The
 * keyword values that are new handles are closed, or moved to the tracker
 * when a unit handed them out. */
static int parse_and_track(HPyContext *ctx, argfmt *f, int with_keywords, HPyTracker *ht,
                           const HPy *args, size_t nargs, kwarg *kw, HPy_ssize_t nkw,
                           va_list *va)
{
    HPyTracker t = { 0 };
    HPy_ssize_t j;
    int ok = 1;

    if (ht != NULL) {
        ht->_i = 0;
        t = HPyTracker_New(ctx, nkw);
        if (t._i == 0)
            ok = 0;
    }
    if (ok)
        ok = parse_core(ctx, f, with_keywords, args, nargs, kw, nkw, va);
    for (j = 0; j < nkw; j++) {
        if (!kw[j].value_owned)
            continue;
        if (ok && kw[j].keep) {
            /* ht cannot be NULL here: the dict variant requires it for
             * 'O' and 's' */
            if (t._i != 0) {
                if (HPyTracker_Add(ctx, t, kw[j].value) < 0) {
                    HPy_Close(ctx, kw[j].value);
                    ok = 0;
                }
                kw[j].value_owned = 0;
                continue;
            }
        }
        HPy_Close(ctx, kw[j].value);
        kw[j].value_owned = 0;
    }
    if (ht != NULL && t._i != 0) {
        if (ok)
            *ht = t;
        else
            HPyTracker_Close(ctx, t);
    }
    return ok;
}

static void close_kwargs(HPyContext *ctx, kwarg *kw, HPy_ssize_t nkw)
{
    HPy_ssize_t j;
    for (j = 0; j < nkw; j++) {
        if (!HPy_IsNull(kw[j].name))
            HPy_Close(ctx, kw[j].name);
        if (kw[j].value_owned)
            HPy_Close(ctx, kw[j].value);
    }
}

static kwarg *alloc_kwargs(HPyContext *ctx, kwarg *stack, HPy_ssize_t nkw)
{
    kwarg *kw = stack;
    HPy_ssize_t j;
    if (nkw > ARG_STACK_KW) {
        kw = (kwarg *)malloc(sizeof(kwarg) * (size_t)nkw);
        if (kw == NULL) {
            HPyErr_NoMemory(ctx);
            return NULL;
        }
    }
    for (j = 0; j < nkw; j++) {
        kw[j].name = HPy_NULL;
        kw[j].utf8 = NULL;
        kw[j].value = HPy_NULL;
        kw[j].value_owned = 0;
        kw[j].keep = 0;
        kw[j].used = 0;
    }
    return kw;
}

/* Reads the UTF-8 of a keyword name; TypeError if it is not a str. */
static int kw_name_utf8(HPyContext *ctx, kwarg *k)
{
    if (!HPyUnicode_Check(ctx, k->name)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "keywords must be strings");
        return 0;
    }
    k->utf8 = HPyUnicode_AsUTF8AndSize(ctx, k->name, NULL);
    return k->utf8 != NULL;
}

/* ---- public functions ---- */

HPyAPI_HELPER int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                               size_t nargs, const char *fmt, ...)
{
    argfmt f;
    va_list va;
    int ok;
    if (ht != NULL)
        ht->_i = 0;
    if (!scan_format(ctx, &f, "HPyArg_Parse", fmt, NULL, 0))
        return 0;
    va_start(va, fmt);
    ok = parse_and_track(ctx, &f, 0, ht, args, nargs, NULL, 0, &va);
    va_end(va);
    return ok;
}

HPyAPI_HELPER int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                       size_t nargs, HPy kwnames, const char *fmt,
                                       const char *keywords[], ...)
{
    argfmt f;
    va_list va;
    kwarg stack[ARG_STACK_KW];
    kwarg *kw = stack;
    HPy_ssize_t nkw = 0, j;
    int ok;

    if (ht != NULL)
        ht->_i = 0;
    if (!scan_format(ctx, &f, "HPyArg_ParseKeywords", fmt, keywords, 1))
        return 0;
    if (!HPy_IsNull(kwnames)) {
        nkw = HPy_Length(ctx, kwnames);
        if (nkw < 0)
            return 0;
    }
    kw = alloc_kwargs(ctx, stack, nkw);
    if (kw == NULL)
        return 0;
    ok = 1;
    for (j = 0; j < nkw && ok; j++) {
        kw[j].name = HPy_GetItem_i(ctx, kwnames, j);
        kw[j].value = args[nargs + (size_t)j];
        if (HPy_IsNull(kw[j].name) || !kw_name_utf8(ctx, &kw[j]))
            ok = 0;
    }
    if (ok) {
        va_start(va, keywords);
        ok = parse_and_track(ctx, &f, 1, ht, args, nargs, kw, nkw, &va);
        va_end(va);
    }
    close_kwargs(ctx, kw, nkw);
    if (kw != stack)
        free(kw);
    return ok;
}

HPyAPI_HELPER int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                           HPy_ssize_t nargs, HPy kwds, const char *fmt,
                                           const char *keywords[], ...)
{
    argfmt f;
    va_list va;
    kwarg stack[ARG_STACK_KW];
    kwarg *kw = stack;
    HPy keys = HPy_NULL;
    HPy_ssize_t nkw = 0, j;
    int ok;

    if (ht != NULL)
        ht->_i = 0;
    if (!scan_format(ctx, &f, "HPyArg_ParseKeywordsDict", fmt, keywords, 1))
        return 0;
    if (nargs < 0) {
        arg_system_error(ctx, &f, "negative number of arguments");
        return 0;
    }
    if (f.needs_tracker && ht == NULL) {
        arg_system_error(ctx, &f, "the 'O' and 's' units need a tracker (ht must not be NULL): "
                                  "what they hand out lives in handles the tracker keeps");
        return 0;
    }
    if (!HPy_IsNull(kwds)) {
        if (!HPyDict_Check(ctx, kwds)) {
            arg_system_error(ctx, &f, "the keywords argument is not a dict");
            return 0;
        }
        keys = HPyDict_Keys(ctx, kwds);
        if (HPy_IsNull(keys))
            return 0;
        nkw = HPy_Length(ctx, keys);
        if (nkw < 0) {
            HPy_Close(ctx, keys);
            return 0;
        }
    }
    kw = alloc_kwargs(ctx, stack, nkw);
    if (kw == NULL) {
        HPy_Close(ctx, keys);
        return 0;
    }
    ok = 1;
    for (j = 0; j < nkw && ok; j++) {
        kw[j].name = HPy_GetItem_i(ctx, keys, j);
        if (HPy_IsNull(kw[j].name) || !kw_name_utf8(ctx, &kw[j])) {
            ok = 0;
            break;
        }
        kw[j].value = HPy_GetItem(ctx, kwds, kw[j].name);
        if (HPy_IsNull(kw[j].value)) {
            ok = 0;
            break;
        }
        kw[j].value_owned = 1;
    }
    if (ok) {
        va_start(va, keywords);
        ok = parse_and_track(ctx, &f, 1, ht, args, (size_t)nargs, kw, nkw, &va);
        va_end(va);
    }
    close_kwargs(ctx, kw, nkw);
    if (kw != stack)
        free(kw);
    HPy_Close(ctx, keys);
    return ok;
}
