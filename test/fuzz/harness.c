/* libFuzzer targets for the format-string helpers, as an HPy module.
 *
 * This is a universal-ABI extension loaded by the real host (hpy.universal,
 * in debug mode by default) inside the CPython that driver.c embeds, so a
 * fuzz input runs through the same context, handles and runtime helpers as
 * an extension would. Each target takes the input as bytes:
 *
 *   byte 0       flags (tracker or not, counts; see each target)
 *   format       the bytes up to the first '\n' (or the end), capped
 *   the rest     a stream the target draws its C values and objects from
 *
 * Inputs are mostly text, so a seed corpus stays readable. A target raises
 * whatever exception the helper raised (the driver ignores exceptions);
 * what it treats as a finding, it aborts on: a helper that fails without
 * setting an exception or succeeds with one set, or an output that is not
 * a valid handle / readable string. Leaked handles are found by the
 * driver's LeakDetector (debug mode), memory errors by the sanitizers.
 *
 * HPy_BuildValue and HPyUnicode_FromFormat take C varargs whose types the
 * format decides, so they are called through libffi with the types the
 * documented units name (see buildvalue.c and format.c); values beyond what
 * the helper reads are harmless, so the scan errs on the side of more.
 */
#include "hpy.h"

#include <ffi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define POOL_MAX 64
#define ARGS_MAX 8
#define PARSE_FMT_MAX 63   /* units <= slots: every unit takes one pointer */
#define VA_FMT_MAX 255
#define VA_MAX 256
#define STR_MAX 24
#define WSTR_MAX 16
#define PAD_MAX 4096       /* widths and precisions: keep the results small */

static HPyGlobal pool[POOL_MAX];
static int pool_len;

/* ---- input ------------------------------------------------------------ */

typedef struct {
    const unsigned char *p;
    size_t n;
} reader;

static unsigned int rd_byte(reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t rd_u64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)rd_byte(r) << (8 * i);
    return v;
}

/* Splits "flags, format line, stream"; returns 0 if the format is too long. */
static int split_input(const char *data, HPy_ssize_t size, size_t fmt_max,
                       unsigned int *flags, char *fmt, reader *rest)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t n = (size_t)size, i = 0;
    *flags = n > 0 ? p[0] : 0;
    if (n > 0) {
        p++;
        n--;
    }
    while (i < n && p[i] != '\n') {
        if (i == fmt_max)
            return 0;
        fmt[i] = (char)p[i];
        i++;
    }
    fmt[i] = '\0';
    if (i < n)
        i++;            /* the '\n' */
    rest->p = p + i;
    rest->n = n - i;
    return 1;
}

/* A C string of up to STR_MAX bytes from the stream, or NULL (kind 0). */
static const char *rd_cstr(reader *r, char *buf)
{
    unsigned int kind = rd_byte(r);
    size_t len, i;
    if (kind % 8 == 0)
        return NULL;
    len = rd_byte(r) % (STR_MAX + 1);
    for (i = 0; i < len; i++) {
        buf[i] = (char)rd_byte(r);
        if (buf[i] == '\0')
            break;
    }
    buf[i] = '\0';
    return buf;
}

/* ---- objects ---------------------------------------------------------- */

static HPy make_value(HPyContext *ctx, reader *r);

static HPy make_wide_str(HPyContext *ctx, reader *r)
{
    wchar_t w[8];
    size_t n = rd_byte(r) % 8;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)rd_byte(r) | (uint32_t)rd_byte(r) << 8 | (uint32_t)rd_byte(r) << 16;
        w[i] = (wchar_t)(v % 0x110000);
    }
    return HPyUnicode_FromWideChar(ctx, w, (HPy_ssize_t)n);
}

static HPy make_container(HPyContext *ctx, reader *r, unsigned int kind)
{
    HPy c = kind == 11 ? HPyList_New(ctx, 0) : HPyDict_New(ctx);
    HPy key, item;
    int rc;
    if (HPy_IsNull(c))
        return c;
    key = make_value(ctx, r);
    item = make_value(ctx, r);
    if (HPy_IsNull(key) || HPy_IsNull(item))
        rc = -1;
    else if (kind == 11)
        rc = HPyList_Append(ctx, c, item);
    else
        rc = HPy_SetItem(ctx, c, key, item);
    HPy_Close(ctx, key);
    HPy_Close(ctx, item);
    if (rc < 0) {
        HPy_Close(ctx, c);
        return HPy_NULL;
    }
    return c;
}

/* A new handle to an object chosen by the stream (HPy_NULL with an
 * exception set if building it failed). Containers nest a little. */
static HPy make_value(HPyContext *ctx, reader *r)
{
    char buf[16];
    unsigned int kind = rd_byte(r) % 20;
    switch (kind) {
    case 0:
        return HPy_Dup(ctx, ctx->h_None);
    case 1:
        return HPy_Dup(ctx, ctx->h_True);
    case 2:
        return HPy_Dup(ctx, ctx->h_False);
    case 3:
        return HPyLong_FromLong(ctx, (long)(signed char)rd_byte(r));
    case 4:
        return HPyLong_FromInt64_t(ctx, (int64_t)rd_u64(r));
    case 5: {
        HPy a = HPyLong_FromUInt64_t(ctx, rd_u64(r));
        HPy b, prod;
        if (HPy_IsNull(a))
            return a;
        b = HPyLong_FromLong(ctx, (rd_byte(r) & 1) ? -(1L << 40) : (1L << 40));
        prod = HPy_IsNull(b) ? HPy_NULL : HPy_Multiply(ctx, a, b);
        HPy_Close(ctx, a);
        HPy_Close(ctx, b);
        return prod;
    }
    case 6: {
        uint64_t bits = rd_u64(r);
        double d;
        memcpy(&d, &bits, sizeof d);
        return HPyFloat_FromDouble(ctx, d);
    }
    case 7: {
        size_t n = rd_byte(r) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)rd_byte(r);
        return HPyUnicode_DecodeLatin1(ctx, buf, (HPy_ssize_t)n, NULL);
    }
    case 8:
        return make_wide_str(ctx, r);
    case 9: {
        size_t n = rd_byte(r) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)rd_byte(r);
        return HPyBytes_FromStringAndSize(ctx, buf, (HPy_ssize_t)n);
    }
    case 10:
        return HPyTuple_FromArray(ctx, NULL, 0);
    case 11:
    case 12:
        if (r->n < 64)     /* bounded nesting: each level eats input */
            return HPyList_New(ctx, 0);
        return make_container(ctx, r, kind);
    default:
        if (pool_len == 0)
            return HPy_Dup(ctx, ctx->h_None);
        return HPyGlobal_Load(ctx, pool[rd_byte(r) % (unsigned int)pool_len]);
    }
}

/* A str for a keyword name: a few fixed names, or bytes of the stream
 * (which may hold a NUL or non-ASCII characters). */
static const char *const NAMES[] = {"", "a", "b", "c", "d", "ab", "\xc3\xa9"};
#define NNAMES (sizeof(NAMES) / sizeof(NAMES[0]))

static HPy make_name(HPyContext *ctx, reader *r)
{
    unsigned int k = rd_byte(r);
    char buf[8];
    size_t n;
    if (k % 4 != 0)
        return HPyUnicode_FromString(ctx, NAMES[k % NNAMES]);
    n = rd_byte(r) % sizeof buf;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)rd_byte(r);
    return HPyUnicode_DecodeLatin1(ctx, buf, (HPy_ssize_t)n, NULL);
}

static void close_all(HPyContext *ctx, HPy *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        HPy_Close(ctx, h[i]);
}

/* Builds n objects into h; on failure closes what was built, returns -1. */
static int make_values(HPyContext *ctx, reader *r, HPy *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h[i] = make_value(ctx, r);
        if (HPy_IsNull(h[i])) {
            close_all(ctx, h, i);
            return -1;
        }
    }
    return 0;
}

static void finding(const char *what, const char *fmt)
{
    fprintf(stderr, "hpy fuzz finding: %s (format \"%s\")\n", what, fmt);
    abort();
}

/* The helper's result must agree with the error indicator. */
static void check_status(HPyContext *ctx, int ok, const char *fmt)
{
    int err = HPyErr_Occurred(ctx);
    if (ok && err)
        finding("success with an exception set", fmt);
    if (!ok && !err)
        finding("failure without an exception", fmt);
}

/* ---- HPyArg_Parse* ---------------------------------------------------- */

typedef union {
    char b;
    short h;
    int i;
    long l;
    long long ll;
    float f;
    double d;
    const char *s;
    HPy o;
    HPy_ssize_t n;
} out_slot;

#define SLOT4(k) &out[k].b, &out[k + 1].b, &out[k + 2].b, &out[k + 3].b
#define SLOT16(k) SLOT4(k), SLOT4(k + 4), SLOT4(k + 8), SLOT4(k + 12)
#define SLOTS SLOT16(0), SLOT16(16), SLOT16(32), SLOT16(48)

enum { PARSE, PARSE_KW, PARSE_KWDICT };

/* After a successful parse, every 's' and 'O' output must be usable.
 * HPyArg_ParseKeywordsDict without a tracker documents its 's' pointers as
 * valid only while the dict holds the value, and debug mode invalidates
 * them at once: those are not read (check_strings 0). */
static void check_outputs(HPyContext *ctx, const char *fmt, out_slot *out, int check_strings)
{
    int k = 0;
    for (const char *f = fmt; *f != '\0' && *f != ':' && *f != ';'; f++) {
        if (strchr("bBhHiIlkLKnfdsOp", *f) == NULL)
            continue;
        if (*f == 's' && check_strings && out[k].s != NULL)
            (void)strlen(out[k].s);
        if (*f == 'O' && !HPy_IsNull(out[k].o)) {
            HPy t = HPy_Type(ctx, out[k].o);
            if (HPy_IsNull(t))
                finding("an 'O' output is not an object", fmt);
            HPy_Close(ctx, t);
        }
        k++;
    }
}

static HPy run_parse(HPyContext *ctx, HPy arg, int which)
{
    char fmt[PARSE_FMT_MAX + 1];
    const char *keywords[ARGS_MAX + 1];
    HPy args[2 * ARGS_MAX], names[ARGS_MAX];
    HPy kw = HPy_NULL;
    out_slot out[64];
    HPyTracker ht;
    unsigned int flags;
    size_t nargs, nkw, nkeywords, i;
    reader r;
    int ok;

    if (!split_input(HPyBytes_AsString(ctx, arg), HPyBytes_Size(ctx, arg), PARSE_FMT_MAX,
                     &flags, fmt, &r))
        return HPy_Dup(ctx, ctx->h_None);
    nargs = (flags >> 1) % (ARGS_MAX + 1);
    nkw = which == PARSE ? 0 : (flags >> 5) % 5;
    nkeywords = rd_byte(&r) % (ARGS_MAX + 1);
    for (i = 0; i < nkeywords; i++)
        keywords[i] = NAMES[rd_byte(&r) % NNAMES];
    keywords[nkeywords] = NULL;
    if (make_values(ctx, &r, args, nargs + nkw) < 0)
        return HPy_NULL;
    for (i = 0; i < nkw; i++) {
        names[i] = make_name(ctx, &r);
        if (HPy_IsNull(names[i])) {
            close_all(ctx, names, i);
            close_all(ctx, args, nargs + nkw);
            return HPy_NULL;
        }
    }
    if (which == PARSE_KW && nkw > 0)
        kw = HPyTuple_FromArray(ctx, names, (HPy_ssize_t)nkw);
    else if (which == PARSE_KWDICT && (nkw > 0 || (flags & 0x80))) {
        kw = HPyDict_New(ctx);
        for (i = 0; i < nkw && !HPy_IsNull(kw); i++) {
            if (HPy_SetItem(ctx, kw, names[i], args[nargs + i]) < 0) {
                HPy_Close(ctx, kw);
                kw = HPy_NULL;
            }
        }
    }
    close_all(ctx, names, nkw);
    if (nkw > 0 && HPy_IsNull(kw)) {
        close_all(ctx, args, nargs + nkw);
        return HPy_NULL;
    }

    memset(out, 0, sizeof out);
    if (which == PARSE)
        ok = HPyArg_Parse(ctx, (flags & 1) ? &ht : NULL, args, nargs, fmt, SLOTS);
    else if (which == PARSE_KW)
        ok = HPyArg_ParseKeywords(ctx, (flags & 1) ? &ht : NULL, args, nargs, kw, fmt, keywords,
                                  SLOTS);
    else
        ok = HPyArg_ParseKeywordsDict(ctx, (flags & 1) ? &ht : NULL, args,
                                      (HPy_ssize_t)nargs, kw, fmt, keywords, SLOTS);
    check_status(ctx, ok, fmt);
    if (ok) {
        check_outputs(ctx, fmt, out, which != PARSE_KWDICT || (flags & 1));
        if (flags & 1)
            HPyTracker_Close(ctx, ht);
    }
    if (!HPy_IsNull(kw))
        HPy_Close(ctx, kw);
    close_all(ctx, args, nargs + nkw);
    return ok ? HPy_Dup(ctx, ctx->h_None) : HPy_NULL;
}

HPyDef_METH(parse, "parse", HPyFunc_O)
static HPy parse_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return run_parse(ctx, arg, PARSE);
}

HPyDef_METH(parse_keywords, "parse_keywords", HPyFunc_O)
static HPy parse_keywords_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return run_parse(ctx, arg, PARSE_KW);
}

HPyDef_METH(parse_keywords_dict, "parse_keywords_dict", HPyFunc_O)
static HPy parse_keywords_dict_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return run_parse(ctx, arg, PARSE_KWDICT);
}

/* ---- varargs helpers through libffi ------------------------------------ */

static ffi_type *hpy_fields[] = {&ffi_type_sint64, NULL};
static ffi_type ffi_type_hpy = {0, 0, FFI_TYPE_STRUCT, hpy_fields};

typedef union {
    int i;
    unsigned int u;
    long l;
    unsigned long ul;
    long long ll;
    unsigned long long ull;
    ptrdiff_t t;
    size_t z;
    intmax_t j;
    uintmax_t uj;
    double d;
    const void *p;
    HPy h;
} va_value;

typedef struct {
    HPyContext *ctx;
    reader *r;
    size_t n;
    ffi_type *types[VA_MAX + 2];
    void *values[VA_MAX + 2];
    va_value v[VA_MAX];
    HPy handles[VA_MAX];  /* to close after the call */
    size_t nhandles;
    char strs[VA_MAX][STR_MAX + 1];
    wchar_t wstrs[VA_MAX][WSTR_MAX + 1];
} va_args;

static va_value *va_push(va_args *a, ffi_type *t)
{
    va_value *v;
    if (a->n == VA_MAX)
        return NULL;
    v = &a->v[a->n];
    a->types[a->n + 2] = t;
    a->values[a->n + 2] = v;
    a->n++;
    return v;
}

static void va_push_int(va_args *a, ffi_type *t, int64_t lo, int64_t hi)
{
    va_value *v = va_push(a, t);
    uint64_t raw = rd_u64(a->r);
    if (v == NULL)
        return;
    if (lo < hi)
        raw = (uint64_t)(lo + (int64_t)(raw % (uint64_t)(hi - lo + 1)));
    if (t == &ffi_type_sint)
        v->i = (int)(int64_t)raw;
    else if (t == &ffi_type_uint)
        v->u = (unsigned int)raw;
    else if (t == &ffi_type_slong)
        v->l = (long)raw;
    else if (t == &ffi_type_ulong)
        v->ul = (unsigned long)raw;
    else if (t == &ffi_type_sint64)
        v->ll = (long long)raw;
    else
        v->ull = (unsigned long long)raw;
}

static void va_push_double(va_args *a)
{
    va_value *v = va_push(a, &ffi_type_double);
    uint64_t bits = rd_u64(a->r);
    if (v != NULL)
        memcpy(&v->d, &bits, sizeof v->d);
}

static void va_push_cstr(va_args *a)
{
    size_t k = a->n;
    va_value *v = va_push(a, &ffi_type_pointer);
    if (v != NULL)
        v->p = rd_cstr(a->r, a->strs[k]);
}

static void va_push_wstr(va_args *a)
{
    size_t k = a->n, len, i;
    va_value *v = va_push(a, &ffi_type_pointer);
    if (v == NULL)
        return;
    if (rd_byte(a->r) % 8 == 0) {
        v->p = NULL;
        return;
    }
    len = rd_byte(a->r) % (WSTR_MAX + 1);
    for (i = 0; i < len; i++) {
        uint32_t c = (uint32_t)(rd_u64(a->r) & 0xffffffffu);
        if (c == 0)
            break;
        a->wstrs[k][i] = (wchar_t)c;
    }
    a->wstrs[k][i] = 0;
    v->p = a->wstrs[k];
}

/* An HPy argument: HPy_NULL (kind 0 of 8), or an object of the stream. */
static int va_push_handle(va_args *a)
{
    va_value *v = va_push(a, &ffi_type_hpy);
    if (v == NULL)
        return 0;
    if (rd_byte(a->r) % 8 == 0) {
        v->h = HPy_NULL;
        return 0;
    }
    v->h = make_value(a->ctx, a->r);
    if (HPy_IsNull(v->h))
        return -1;
    a->handles[a->nhandles++] = v->h;
    return 0;
}

static HPy va_call(va_args *a, void (*fn)(void), const char *fmt)
{
    ffi_cif cif;
    HPy result;
    const char *fmtp = fmt;
    a->types[0] = &ffi_type_pointer;
    a->types[1] = &ffi_type_pointer;
    a->values[0] = &a->ctx;
    a->values[1] = &fmtp;
    if (ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 2, (unsigned int)a->n + 2, &ffi_type_hpy,
                         a->types) != FFI_OK)
        finding("ffi_prep_cif_var failed", fmt);
    ffi_call(&cif, fn, &result, a->values);
    return result;
}

static HPy va_finish(va_args *a, HPy result, const char *fmt)
{
    HPyContext *ctx = a->ctx;
    check_status(ctx, !HPy_IsNull(result), fmt);
    close_all(ctx, a->handles, a->nhandles);
    if (HPy_IsNull(result))
        return HPy_NULL;
    /* the result must be a usable object */
    {
        HPy rep = HPy_Repr(ctx, result);
        HPy_Close(ctx, result);
        if (HPy_IsNull(rep))
            return HPy_NULL;
        HPy_Close(ctx, rep);
    }
    return HPy_Dup(ctx, ctx->h_None);
}

/* ---- HPy_BuildValue ---------------------------------------------------- */

HPyDef_METH(build_value, "build_value", HPyFunc_O)
static HPy build_value_impl(HPyContext *ctx, HPy self, HPy arg)
{
    static va_args a;
    char fmt[VA_FMT_MAX + 1];
    unsigned int flags;
    reader r;

    if (!split_input(HPyBytes_AsString(ctx, arg), HPyBytes_Size(ctx, arg), VA_FMT_MAX, &flags,
                     fmt, &r))
        return HPy_Dup(ctx, ctx->h_None);
    a.ctx = ctx;
    a.r = &r;
    a.n = 0;
    a.nhandles = 0;
    /* every unit letter takes one argument; a bad format reads none */
    for (const char *f = fmt; *f != '\0'; f++) {
        int rc = 0;
        switch (*f) {
        case 'i': case 'b': case 'h': case 'B': case 'H':
            va_push_int(&a, &ffi_type_sint, 0, 0);
            break;
        case 'I':
            va_push_int(&a, &ffi_type_uint, 0, 0);
            break;
        case 'l': case 'n':
            va_push_int(&a, &ffi_type_slong, 0, 0);
            break;
        case 'k':
            va_push_int(&a, &ffi_type_ulong, 0, 0);
            break;
        case 'L':
            va_push_int(&a, &ffi_type_sint64, 0, 0);
            break;
        case 'K':
            va_push_int(&a, &ffi_type_uint64, 0, 0);
            break;
        case 'f': case 'd':
            va_push_double(&a);
            break;
        case 's': case 'z': case 'y':
            va_push_cstr(&a);
            break;
        case 'O': case 'S':
            rc = va_push_handle(&a);
            break;
        default:
            break;
        }
        if (rc < 0) {
            close_all(ctx, a.handles, a.nhandles);
            return HPy_NULL;
        }
    }
    return va_finish(&a, va_call(&a, (void (*)(void))HPy_BuildValue, fmt), fmt);
}

/* ---- HPyUnicode_FromFormat --------------------------------------------- */

/* Digits of a width or precision as format.c reads them. Returns 0 if the
 * number is too large to build a small string (the input is skipped) but
 * not large enough for format.c's "too big" error. */
static int scan_number(const char **pf, va_args *a)
{
    const char *f = *pf;
    long v = 0;
    if (*f == '*') {
        va_push_int(a, &ffi_type_sint, -PAD_MAX, PAD_MAX);
        *pf = f + 1;
        return 1;
    }
    while (*f >= '0' && *f <= '9') {
        if (v > (INT32_MAX - 9) / 10) {
            *pf = f;
            return 1;   /* "too big": format.c stops reading arguments */
        }
        v = v * 10 + (*f - '0');
        f++;
    }
    *pf = f;
    return v <= PAD_MAX;
}

static ffi_type *int_type(char length, int is_signed)
{
    switch (length) {
    case 'l': return is_signed ? &ffi_type_slong : &ffi_type_ulong;
    case 'q': case 'j': return is_signed ? &ffi_type_sint64 : &ffi_type_uint64;
    case 'z': case 't': return is_signed ? &ffi_type_slong : &ffi_type_ulong;
    default: return is_signed ? &ffi_type_sint : &ffi_type_uint;
    }
}

/* The arguments of one conversion (at the '%'); 0 to skip the input. */
static int scan_conversion(const char **pf, va_args *a, int *rc)
{
    const char *f = *pf + 1;
    char length = 0, type;
    if (*f == '%') {
        *pf = f + 1;
        return 1;
    }
    while (*f == '-' || *f == '0')
        f++;
    if (!scan_number(&f, a))
        return 0;
    if (*f == '.') {
        f++;
        if (!scan_number(&f, a))
            return 0;
    }
    if (*f == 'l') {
        f++;
        length = 'l';
        if (*f == 'l') {
            f++;
            length = 'q';
        }
    } else if (*f == 'z' || *f == 't' || *f == 'j') {
        length = *f++;
    }
    type = *f;
    *pf = type == '\0' ? f : f + 1;
    if (length == 'l' && type == 's') {
        va_push_wstr(a);
        return 1;
    }
    switch (type) {
    case 'd': case 'i':
        va_push_int(a, int_type(length, 1), 0, 0);
        break;
    case 'u': case 'x': case 'X': case 'o':
        va_push_int(a, int_type(length, 0), 0, 0);
        break;
    case 'c':
        va_push_int(a, &ffi_type_sint, 0, 0);
        break;
    case 'p':
        va_push_int(a, &ffi_type_pointer, 0, 0);
        break;
    case 's':
        va_push_cstr(a);
        break;
    case 'U': case 'V': case 'S': case 'R': case 'A':
        *rc = va_push_handle(a);
        if (type == 'V')
            va_push_cstr(a);
        break;
    default:
        break;
    }
    return 1;
}

HPyDef_METH(from_format, "from_format", HPyFunc_O)
static HPy from_format_impl(HPyContext *ctx, HPy self, HPy arg)
{
    static va_args a;
    char fmt[VA_FMT_MAX + 1];
    unsigned int flags;
    reader r;
    int rc = 0;

    if (!split_input(HPyBytes_AsString(ctx, arg), HPyBytes_Size(ctx, arg), VA_FMT_MAX, &flags,
                     fmt, &r))
        return HPy_Dup(ctx, ctx->h_None);
    a.ctx = ctx;
    a.r = &r;
    a.n = 0;
    a.nhandles = 0;
    for (const char *f = fmt; *f != '\0' && rc == 0;) {
        if (*f != '%') {
            f++;
            continue;
        }
        if (!scan_conversion(&f, &a, &rc)) {
            close_all(ctx, a.handles, a.nhandles);
            return HPy_Dup(ctx, ctx->h_None);
        }
    }
    if (rc < 0) {
        close_all(ctx, a.handles, a.nhandles);
        return HPy_NULL;
    }
    return va_finish(&a, va_call(&a, (void (*)(void))HPyUnicode_FromFormat, fmt), fmt);
}

/* ---- setup ------------------------------------------------------------- */

HPyDef_METH(set_pool, "set_pool", HPyFunc_O)
static HPy set_pool_impl(HPyContext *ctx, HPy self, HPy seq)
{
    HPy_ssize_t n = HPy_Length(ctx, seq);
    if (n < 0)
        return HPy_NULL;
    if (n > POOL_MAX) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "set_pool: too many objects");
        return HPy_NULL;
    }
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, seq, i);
        if (HPy_IsNull(item))
            return HPy_NULL;
        HPyGlobal_Store(ctx, &pool[i], item);
        HPy_Close(ctx, item);
    }
    pool_len = (int)n;
    return HPy_Dup(ctx, ctx->h_None);
}

static HPyDef *module_defines[] = {
    &parse, &parse_keywords, &parse_keywords_dict, &build_value, &from_format, &set_pool, NULL
};

#define G4(k) &pool[k], &pool[k + 1], &pool[k + 2], &pool[k + 3]
#define G16(k) G4(k), G4(k + 4), G4(k + 8), G4(k + 12)
static HPyGlobal *module_globals[POOL_MAX + 1] = {G16(0), G16(16), G16(32), G16(48), NULL};

static HPyModuleDef moduledef = {
    .doc = "libFuzzer targets for HPy's format-string helpers",
    .defines = module_defines,
    .globals = module_globals,
};

HPy_MODINIT(hpyfuzz, moduledef)
