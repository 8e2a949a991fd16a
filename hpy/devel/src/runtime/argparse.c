/* Argument parsing helpers: HPyArg_Parse, HPyArg_ParseKeywords and
 * HPyArg_ParseKeywordsDict.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 *
 * Format units (one C pointer argument each, in order):
 *   b  unsigned char       HPyLong_AsLong, then OverflowError outside 0..UCHAR_MAX
 *   B  unsigned char       HPyLong_AsUnsignedLongMask, truncated
 *   h  short               HPyLong_AsLong, then OverflowError outside short
 *   H  unsigned short      HPyLong_AsUnsignedLongMask, truncated
 *   i  int                 HPyLong_AsLong, then OverflowError outside int
 *   I  unsigned int        HPyLong_AsUnsignedLongMask, truncated
 *   l  long                HPyLong_AsLong
 *   k  unsigned long       HPyLong_AsUnsignedLongMask
 *   L  long long           HPyLong_AsLongLong
 *   K  unsigned long long  HPyLong_AsUnsignedLongLongMask
 *   n  HPy_ssize_t         HPyLong_AsSsize_t
 *   f  float, d  double    HPyFloat_AsDouble
 *   s  const char *        UTF-8 of a str without embedded NUL; the pointer
 *                          is valid as long as the argument is alive
 *   O  HPy                 the argument (HPyArg_Parse, HPyArg_ParseKeywords:
 *                          the caller's handle; HPyArg_ParseKeywordsDict: a
 *                          new handle owned by the tracker)
 *   p  int                 truth value (HPy_IsTrue), 0 or 1
 * and the markers
 *   |        the following units are optional (their C variables are left
 *            untouched when the argument is missing)
 *   $        the following units are keyword-only, and optional
 *            (ParseKeywords* only)
 *   :name    ends the units; messages start with "name() "
 *   ;text    ends the units; every message of the parser is replaced by text
 * Without ':' or ';' messages start with "function ". The exception class is
 * kept in every case. Errors of the conversion functions themselves (e.g.
 * "'str' object cannot be interpreted as an integer") pass through as they
 * are.
 *
 * The units are processed left to right, like upstream HPy: a conversion
 * error of an earlier unit wins over a count error found later, and an
 * unknown unit is only reported when the parser reaches it.
 *
 * Keyword lists: one name per unit; leading empty names are positional-only
 * parameters. A list with fewer names than units, or more, raises TypeError
 * ("mismatched args (too few/many keywords for fmt)") when the call is
 * parsed, as upstream does.
 *
 * Checks upstream does not make (so that a wrong call does not pass
 * silently): in the keyword variants, more positional arguments than units,
 * a keyword that names no parameter, and a parameter given both by position
 * and by keyword raise TypeError.
 *
 * Trackers: if `ht` is not NULL, a tracker is created and stored in *ht on
 * success; the caller must close it with HPyTracker_Close once it no longer
 * needs the parsed values. On failure nothing is left to close (*ht is set
 * to a null tracker). HPyArg_ParseKeywordsDict hands out every 'O' value as
 * a new handle kept in the tracker (positional ones are duplicated), so 'O'
 * needs a tracker there. An 's' unit of that function points into the
 * value's UTF-8 buffer: with a tracker, the keyword value's handle is kept
 * in it; without one (allowed, as upstream) the handle is closed and the
 * pointer lives as long as the dict holds the value (not in debug mode,
 * which invalidates the buffers of closed handles).
 */
#include "hpy.h"
#include "utf8_cut.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARG_MSG_SIZE 512
#define ARG_STACK_KW 8
#define ARG_NAME_SHOWN 200 /* bytes of a function or keyword name in a message */

typedef struct {
    const char *tail; /* ":name", ";text" or NULL */
    const char **keywords;
    HPy_ssize_t nkeywords;
    int dict;           /* HPyArg_ParseKeywordsDict */
    HPyTracker tracker; /* _i == 0: none */
} argstate;

typedef struct {
    HPy name;         /* owned name handle, or HPy_NULL */
    const char *utf8; /* the name as UTF-8 */
    HPy_ssize_t size; /* its length in bytes: it may hold a NUL */
    HPy value;
    int value_owned; /* the value is a new handle (dict variant) */
    int used;
} kwarg;

/* ---- errors (the text is only built here, on the error path) ---- */

/* Raises `exc` with `msg` framed by the format's tail: "function msg",
 * "name() msg", or the ';' text alone. */
static void set_error(HPyContext *ctx, HPy exc, const char *tail, const char *msg)
{
    char buf[ARG_MSG_SIZE];
    char name[_HPy_UTF8_CUT_SIZE(ARG_NAME_SHOWN)], text[_HPy_UTF8_CUT_SIZE(256)];
    if (tail == NULL)
        snprintf(buf, sizeof(buf), "function %s", _HPy_Utf8Cut(text, msg, 256));
    else if (*tail == ':')
        snprintf(buf, sizeof(buf), "%s() %s", _HPy_Utf8Cut(name, tail + 1, ARG_NAME_SHOWN),
                 _HPy_Utf8Cut(text, msg, 256));
    else
        _HPy_Utf8Cut(buf, tail + 1, sizeof(buf) - 1);
    HPyErr_SetString(ctx, exc, buf);
}

/* The ':' or ';' that ends the units, or NULL. */
static const char *find_tail(const char *fmt)
{
    for (; *fmt != '\0'; fmt++) {
        if (*fmt == ':' || *fmt == ';')
            return fmt;
    }
    return NULL;
}

/* ---- conversions ---- */

static int get_long(HPyContext *ctx, HPy arg, long *out)
{
    long v = HPyLong_AsLong(ctx, arg);
    if (v == -1 && HPyErr_Occurred(ctx))
        return 0;
    *out = v;
    return 1;
}

static int get_mask(HPyContext *ctx, HPy arg, unsigned long *out)
{
    unsigned long v = HPyLong_AsUnsignedLongMask(ctx, arg);
    if (v == (unsigned long)-1 && HPyErr_Occurred(ctx))
        return 0;
    *out = v;
    return 1;
}

/* A range error of 'b', 'h' or 'i'. */
static int range_error(HPyContext *ctx, const argstate *st, const char *msg)
{
    set_error(ctx, ctx->h_OverflowError, st->tail, msg);
    return 0;
}

/* Keeps an 'O' value of the dict variant in the tracker as a new handle:
 * the keyword value (already new, moved from `from_kw`), or a duplicate of
 * a positional one or of a keyword value the tracker already holds (a
 * keyword list can name two parameters alike: each gets its own handle, so
 * the tracker never closes one twice). */
static int track_O(HPyContext *ctx, argstate *st, HPy arg, kwarg *from_kw, HPy *out)
{
    HPy h;
    if (from_kw != NULL && from_kw->value_owned) {
        h = arg;
        from_kw->value_owned = 0;
    }
    else {
        h = HPy_Dup(ctx, arg);
    }
    if (HPyTracker_Add(ctx, st->tracker, h) < 0) {
        HPy_Close(ctx, h);
        return 0;
    }
    *out = h;
    return 1;
}

/* Converts `arg` (HPy_NULL: an optional argument that was not given, whose
 * C variable is left alone) according to the unit at *p, always consuming
 * the unit's pointer from `va` and moving *p past the unit. `from_kw` is the
 * keyword entry the value came from, if any. Returns 1, or 0 with an
 * exception set. */
static int convert_unit(HPyContext *ctx, argstate *st, const char **p, HPy arg, kwarg *from_kw,
                        va_list *va)
{
    long lv;
    unsigned long uv;
    switch (*(*p)++) {
    case 'b': {
        unsigned char *out = va_arg(*va, unsigned char *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_long(ctx, arg, &lv))
            return 0;
        if (lv < 0)
            return range_error(ctx, st, "unsigned byte integer is less than minimum");
        if (lv > UCHAR_MAX)
            return range_error(ctx, st, "unsigned byte integer is greater than maximum");
        *out = (unsigned char)lv;
        return 1;
    }
    case 'B': {
        unsigned char *out = va_arg(*va, unsigned char *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_mask(ctx, arg, &uv))
            return 0;
        *out = (unsigned char)uv;
        return 1;
    }
    case 'h': {
        short *out = va_arg(*va, short *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_long(ctx, arg, &lv))
            return 0;
        if (lv < SHRT_MIN)
            return range_error(ctx, st, "signed short integer is less than minimum");
        if (lv > SHRT_MAX)
            return range_error(ctx, st, "signed short integer is greater than maximum");
        *out = (short)lv;
        return 1;
    }
    case 'H': {
        unsigned short *out = va_arg(*va, unsigned short *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_mask(ctx, arg, &uv))
            return 0;
        *out = (unsigned short)uv;
        return 1;
    }
    case 'i': {
        int *out = va_arg(*va, int *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_long(ctx, arg, &lv))
            return 0;
        if (lv > INT_MAX)
            return range_error(ctx, st, "signed integer is greater than maximum");
        if (lv < INT_MIN)
            return range_error(ctx, st, "signed integer is less than minimum");
        *out = (int)lv;
        return 1;
    }
    case 'I': {
        unsigned int *out = va_arg(*va, unsigned int *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_mask(ctx, arg, &uv))
            return 0;
        *out = (unsigned int)uv;
        return 1;
    }
    case 'l': {
        long *out = va_arg(*va, long *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_long(ctx, arg, &lv))
            return 0;
        *out = lv;
        return 1;
    }
    case 'k': {
        unsigned long *out = va_arg(*va, unsigned long *);
        if (HPy_IsNull(arg))
            return 1;
        if (!get_mask(ctx, arg, &uv))
            return 0;
        *out = uv;
        return 1;
    }
    case 'L': {
        long long *out = va_arg(*va, long long *);
        long long v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPyLong_AsLongLong(ctx, arg);
        if (v == -1 && HPyErr_Occurred(ctx))
            return 0;
        *out = v;
        return 1;
    }
    case 'K': {
        unsigned long long *out = va_arg(*va, unsigned long long *);
        unsigned long long v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPyLong_AsUnsignedLongLongMask(ctx, arg);
        if (v == (unsigned long long)-1 && HPyErr_Occurred(ctx))
            return 0;
        *out = v;
        return 1;
    }
    case 'n': {
        HPy_ssize_t *out = va_arg(*va, HPy_ssize_t *);
        HPy_ssize_t v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPyLong_AsSsize_t(ctx, arg);
        if (v == -1 && HPyErr_Occurred(ctx))
            return 0;
        *out = v;
        return 1;
    }
    case 'f': {
        float *out = va_arg(*va, float *);
        double v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPyFloat_AsDouble(ctx, arg);
        if (v == -1.0 && HPyErr_Occurred(ctx))
            return 0;
        *out = (float)v;
        return 1;
    }
    case 'd': {
        double *out = va_arg(*va, double *);
        double v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPyFloat_AsDouble(ctx, arg);
        if (v == -1.0 && HPyErr_Occurred(ctx))
            return 0;
        *out = v;
        return 1;
    }
    case 's': {
        const char **out = va_arg(*va, const char **);
        const char *s;
        HPy_ssize_t size = 0;
        if (HPy_IsNull(arg))
            return 1;
        if (!HPyUnicode_Check(ctx, arg)) {
            set_error(ctx, ctx->h_TypeError, st->tail, "a str is required");
            return 0;
        }
        s = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (s == NULL) {
            /* lone surrogates: upstream replaces the UnicodeEncodeError */
            HPyErr_Clear(ctx);
            set_error(ctx, ctx->h_SystemError, st->tail, "unicode conversion error");
            return 0;
        }
        if ((size_t)size != strlen(s)) {
            set_error(ctx, ctx->h_ValueError, st->tail, "embedded null character");
            return 0;
        }
        if (from_kw != NULL && from_kw->value_owned && st->tracker._i != 0) {
            /* the buffer lives as long as the value's handle */
            if (HPyTracker_Add(ctx, st->tracker, from_kw->value) < 0)
                return 0;
            from_kw->value_owned = 0;
        }
        *out = s;
        return 1;
    }
    case 'O': {
        HPy *out = va_arg(*va, HPy *);
        if (HPy_IsNull(arg))
            return 1;
        if (st->dict)
            return track_O(ctx, st, arg, from_kw, out);
        *out = arg;
        return 1;
    }
    case 'p': {
        int *out = va_arg(*va, int *);
        int v;
        if (HPy_IsNull(arg))
            return 1;
        v = HPy_IsTrue(ctx, arg);
        if (v < 0)
            return 0;
        *out = v;
        return 1;
    }
    default: set_error(ctx, ctx->h_SystemError, st->tail, "unknown arg format code"); return 0;
    }
}

/* ---- the parsers ---- */

/* Whether the keyword's name is `name`: all of its bytes, so that a name
 * with an embedded NUL matches no parameter. */
static int kw_is(const kwarg *k, const char *name)
{
    return k->utf8 != NULL && (size_t)k->size == strlen(name) &&
           memcmp(k->utf8, name, (size_t)k->size) == 0;
}

static int find_kw(kwarg *kw, HPy_ssize_t nkw, const char *name)
{
    HPy_ssize_t j;
    for (j = 0; j < nkw; j++) {
        if (kw_is(&kw[j], name))
            return (int)j;
    }
    return -1;
}

/* A keyword's name for a message, in `out` (ARG_NAME_SHOWN + 1 bytes): at
 * most ARG_NAME_SHOWN bytes, cut at a character boundary, an embedded NUL
 * shown as \x00 (a C string cannot hold it). */
static const char *kw_shown(char *out, const kwarg *k)
{
    HPy_ssize_t m = 0, i;
    size_t shown = 0, n = 0;
    while (m < k->size) {
        size_t need = k->utf8[m] == '\0' ? 4 : 1;
        if (shown + need > ARG_NAME_SHOWN)
            break;
        shown += need;
        m++;
    }
    while (m > 0 && m < k->size && ((unsigned char)k->utf8[m] & 0xC0) == 0x80)
        m--;
    for (i = 0; i < m; i++) {
        if (k->utf8[i] == '\0') {
            memcpy(out + n, "\\x00", 4);
            n += 4;
        }
        else {
            out[n++] = k->utf8[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* HPyArg_Parse: unit i takes args[i]; a missing required argument or an
 * argument left over is a TypeError. */
static int parse_positional(HPyContext *ctx, argstate *st, const char *fmt, const HPy *args,
                            size_t nargs, va_list *va)
{
    const char *p = fmt;
    int optional = 0;
    size_t i = 0;
    while (*p != '\0' && *p != ':' && *p != ';') {
        HPy arg = HPy_NULL;
        if (*p == '|') {
            optional = 1;
            p++;
            continue;
        }
        if (i < nargs) {
            arg = args[i];
        }
        else if (!optional) {
            set_error(ctx, ctx->h_TypeError, st->tail, "required positional argument missing");
            return 0;
        }
        if (!convert_unit(ctx, st, &p, arg, NULL, va))
            return 0;
        i++;
    }
    if (i < nargs) {
        set_error(ctx, ctx->h_TypeError, st->tail, "mismatched args (too many arguments for fmt)");
        return 0;
    }
    return 1;
}

/* The checks upstream leaves out (see the file comment), after every unit
 * was parsed: `nunits` units, `nargs` positional arguments. */
static int check_leftovers(HPyContext *ctx, argstate *st, size_t nunits, size_t nargs, kwarg *kw,
                           HPy_ssize_t nkw)
{
    HPy_ssize_t j, k;
    char buf[300], name[ARG_NAME_SHOWN + 1];
    if (nargs > nunits) {
        set_error(ctx, ctx->h_TypeError, st->tail, "mismatched args (too many arguments for fmt)");
        return 0;
    }
    for (j = 0; j < nkw; j++) {
        if (kw[j].used)
            continue;
        for (k = 0; k < st->nkeywords; k++) {
            if (kw_is(&kw[j], st->keywords[k]))
                break;
        }
        if (k < st->nkeywords && st->keywords[k][0] != '\0')
            snprintf(buf, sizeof(buf), "got multiple values for argument '%s'",
                     kw_shown(name, &kw[j]));
        else
            snprintf(buf, sizeof(buf), "got an unexpected keyword argument '%s'",
                     kw_shown(name, &kw[j]));
        set_error(ctx, ctx->h_TypeError, st->tail, buf);
        return 0;
    }
    return 1;
}

/* The keyword variants: unit i takes args[i], or the keyword value named
 * keywords[i] (not for positional-only names); `kw` holds the call's
 * keywords. */
static int parse_keywords(HPyContext *ctx, argstate *st, const char *fmt, const HPy *args,
                          size_t nargs, kwarg *kw, HPy_ssize_t nkw, va_list *va)
{
    const char *p = fmt;
    int optional = 0, keyword_only = 0;
    size_t i = 0;
    while (*p != '\0' && *p != ':' && *p != ';') {
        HPy arg = HPy_NULL;
        kwarg *from_kw = NULL;
        if (*p == '|') {
            optional = 1;
            p++;
            continue;
        }
        if (*p == '$') {
            optional = 1;
            keyword_only = 1;
            p++;
            continue;
        }
        if (st->dict && st->tracker._i == 0 && *p == 'O') {
            set_error(ctx, ctx->h_SystemError, st->tail,
                      "HPyArg_ParseKeywords cannot use the format character 'O' unless an "
                      "HPyTracker is provided. Please supply an HPyTracker.");
            return 0;
        }
        if ((HPy_ssize_t)i >= st->nkeywords) {
            set_error(ctx, ctx->h_TypeError, st->tail,
                      "mismatched args (too few keywords for fmt)");
            return 0;
        }
        if (i < nargs) {
            if (keyword_only) {
                set_error(ctx, ctx->h_TypeError, st->tail,
                          "keyword only argument passed as positional argument");
                return 0;
            }
            arg = args[i];
        }
        else if (nkw > 0 && st->keywords[i][0] != '\0') {
            int k = find_kw(kw, nkw, st->keywords[i]);
            if (k >= 0) {
                from_kw = &kw[k];
                from_kw->used = 1;
                arg = from_kw->value;
            }
        }
        if (HPy_IsNull(arg) && !optional) {
            set_error(ctx, ctx->h_TypeError, st->tail, "no value for required argument");
            return 0;
        }
        if (!convert_unit(ctx, st, &p, arg, from_kw, va))
            return 0;
        i++;
    }
    if ((HPy_ssize_t)i != st->nkeywords) {
        set_error(ctx, ctx->h_TypeError, st->tail, "mismatched args (too many keywords for fmt)");
        return 0;
    }
    return check_leftovers(ctx, st, i, nargs, kw, nkw);
}

/* Counts the keyword list; SystemError for an empty name after a named one. */
static int scan_keywords(HPyContext *ctx, argstate *st, const char **keywords)
{
    HPy_ssize_t n = 0;
    st->keywords = keywords;
    st->nkeywords = 0;
    if (keywords == NULL) {
        set_error(ctx, ctx->h_SystemError, st->tail, "keywords list is NULL");
        return 0;
    }
    while (keywords[n] != NULL && keywords[n][0] == '\0')
        n++;
    for (; keywords[n] != NULL; n++) {
        if (keywords[n][0] == '\0') {
            set_error(ctx, ctx->h_SystemError, st->tail, "empty keyword parameter name");
            return 0;
        }
    }
    st->nkeywords = n;
    return 1;
}

/* Reads where the format's units end; SystemError for a NULL format. */
static int start(HPyContext *ctx, argstate *st, HPyTracker *ht, const char *fmt)
{
    st->tail = NULL;
    st->keywords = NULL;
    st->nkeywords = 0;
    st->dict = 0;
    st->tracker._i = 0;
    if (ht != NULL)
        ht->_i = 0;
    if (fmt == NULL) {
        set_error(ctx, ctx->h_SystemError, NULL, "format string is NULL");
        return 0;
    }
    st->tail = find_tail(fmt);
    return 1;
}

/* Creates the tracker when the caller wants one. */
static int open_tracker(HPyContext *ctx, argstate *st, HPyTracker *ht)
{
    if (ht == NULL)
        return 1;
    st->tracker = HPyTracker_New(ctx, 0);
    return st->tracker._i != 0;
}

/* Hands the tracker to the caller, or closes it after a failure. */
static int finish(HPyContext *ctx, argstate *st, HPyTracker *ht, int ok)
{
    if (ht != NULL && st->tracker._i != 0) {
        if (ok)
            *ht = st->tracker;
        else
            HPyTracker_Close(ctx, st->tracker);
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
        kw[j].size = 0;
        kw[j].value = HPy_NULL;
        kw[j].value_owned = 0;
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
    k->utf8 = HPyUnicode_AsUTF8AndSize(ctx, k->name, &k->size);
    return k->utf8 != NULL;
}

/* ---- public functions ---- */

HPyAPI_HELPER int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args, size_t nargs,
                               const char *fmt, ...)
{
    argstate st;
    va_list va;
    int ok;
    if (!start(ctx, &st, ht, fmt) || !open_tracker(ctx, &st, ht))
        return 0;
    va_start(va, fmt);
    ok = parse_positional(ctx, &st, fmt, args, nargs, &va);
    va_end(va);
    return finish(ctx, &st, ht, ok);
}

HPyAPI_HELPER int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                       size_t nargs, HPy kwnames, const char *fmt,
                                       const char *keywords[], ...)
{
    argstate st;
    va_list va;
    kwarg stack[ARG_STACK_KW];
    kwarg *kw = stack;
    HPy_ssize_t nkw = 0, j;
    int ok;

    if (!start(ctx, &st, ht, fmt) || !scan_keywords(ctx, &st, keywords))
        return 0;
    if (!HPy_IsNull(kwnames)) {
        nkw = HPy_Length(ctx, kwnames);
        if (nkw < 0) {
            HPyErr_Clear(ctx);
            set_error(ctx, ctx->h_SystemError, st.tail,
                      "could not retrieve length of keyword names tuple");
            return 0;
        }
    }
    if (!open_tracker(ctx, &st, ht))
        return 0;
    kw = alloc_kwargs(ctx, stack, nkw);
    if (kw == NULL)
        return finish(ctx, &st, ht, 0);
    ok = 1;
    for (j = 0; j < nkw && ok; j++) {
        kw[j].name = HPy_GetItem_i(ctx, kwnames, j);
        kw[j].value = args[nargs + (size_t)j];
        if (HPy_IsNull(kw[j].name) || !kw_name_utf8(ctx, &kw[j]))
            ok = 0;
    }
    if (ok) {
        va_start(va, keywords);
        ok = parse_keywords(ctx, &st, fmt, args, nargs, kw, nkw, &va);
        va_end(va);
    }
    close_kwargs(ctx, kw, nkw);
    if (kw != stack)
        free(kw);
    return finish(ctx, &st, ht, ok);
}

HPyAPI_HELPER int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                           HPy_ssize_t nargs, HPy kwds, const char *fmt,
                                           const char *keywords[], ...)
{
    argstate st;
    va_list va;
    kwarg stack[ARG_STACK_KW];
    kwarg *kw = stack;
    HPy keys = HPy_NULL;
    HPy_ssize_t nkw = 0, j;
    int ok;

    if (!start(ctx, &st, ht, fmt) || !scan_keywords(ctx, &st, keywords))
        return 0;
    if (nargs < 0) {
        set_error(ctx, ctx->h_SystemError, st.tail, "negative number of arguments");
        return 0;
    }
    if (!HPy_IsNull(kwds) && !HPyDict_Check(ctx, kwds)) {
        set_error(ctx, ctx->h_SystemError, st.tail, "keywords argument is not a dict");
        return 0;
    }
    if (!open_tracker(ctx, &st, ht))
        return 0;
    st.dict = 1;
    if (!HPy_IsNull(kwds)) {
        keys = HPyDict_Keys(ctx, kwds);
        if (HPy_IsNull(keys))
            return finish(ctx, &st, ht, 0);
        nkw = HPy_Length(ctx, keys);
        if (nkw < 0) {
            HPy_Close(ctx, keys);
            return finish(ctx, &st, ht, 0);
        }
    }
    kw = alloc_kwargs(ctx, stack, nkw);
    if (kw == NULL) {
        if (!HPy_IsNull(keys))
            HPy_Close(ctx, keys);
        return finish(ctx, &st, ht, 0);
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
        ok = parse_keywords(ctx, &st, fmt, args, (size_t)nargs, kw, nkw, &va);
        va_end(va);
    }
    close_kwargs(ctx, kw, nkw);
    if (kw != stack)
        free(kw);
    if (!HPy_IsNull(keys))
        HPy_Close(ctx, keys);
    return finish(ctx, &st, ht, ok);
}
