/* HPyUnicode_FromFormat, HPyUnicode_FromFormatV and HPyErr_Format: a str
 * from a printf-like format, like PyUnicode_FromFormat.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 *
 * A conversion is  %[flags][width][.precision][length]type  where
 *   flags      '-' (left-justify within the width), '0' (pad numbers with
 *              zeros)
 *   width      digits or '*' (an int argument; negative means '-')
 *   precision  digits or '*' (an int argument; negative means none)
 *   length     l, ll, z, t, j for the integer types (long, long long,
 *              size_t/HPy_ssize_t, ptrdiff_t, intmax_t)
 *   type
 *     %        a literal '%' (no flags, width, ...)
 *     c        an int code point (0..0x10FFFF); no width, precision or '0'
 *              (SystemError)
 *     d i      a signed integer;  u x X o  an unsigned one; the precision
 *              is the minimal number of digits (zeros are added in front;
 *              "%.0d" of 0 is "0" as in CPython)
 *     s        a NUL-terminated UTF-8 C string (invalid UTF-8 is replaced
 *              by U+FFFD; NULL raises SystemError); the precision limits
 *              the number of bytes read
 *     ls       a NUL-terminated wchar_t string; the precision limits the
 *              number of wchar_t read
 *     p        a pointer, as 0x followed by hex digits; no width, precision
 *              or '0'
 *     U        an HPy str (HPy_NULL raises SystemError)
 *     V        an HPy str, or HPy_NULL followed by a UTF-8 C string used
 *              in its place (two arguments: HPy, const char *)
 *     S R A    str(), repr() or ascii() of an HPy (HPy_NULL raises
 *              SystemError)
 *   The '0' flag is for the integer types only (SystemError otherwise).
 *   The width counts code points; for s, U, V, S, R, A the precision
 *   counts code points too, except for s (bytes).
 * The format string must be ASCII (ValueError at the first other byte, as
 * upstream HPy). An unknown conversion raises SystemError "invalid format
 * string", a width or precision above INT_MAX ValueError.
 *
 * The text is accumulated as UTF-8 in a growing buffer; the str objects of
 * the HPy conversions are concatenated as objects (so that any str, even
 * one with lone surrogates, is kept as it is).
 */
#include "hpy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <stddef.h>

typedef struct {
    HPyContext *ctx;
    char *buf; /* pending text: valid UTF-8, no NUL */
    size_t len, cap;
    HPy result; /* the str built so far, or HPy_NULL */
    int failed; /* an exception is set */
    char stack[256];
} fmtbuf;

static void fb_init(fmtbuf *fb, HPyContext *ctx)
{
    fb->ctx = ctx;
    fb->buf = fb->stack;
    fb->len = 0;
    fb->cap = sizeof(fb->stack);
    fb->result = HPy_NULL;
    fb->failed = 0;
}

static void fb_free(fmtbuf *fb)
{
    if (fb->buf != fb->stack)
        free(fb->buf);
    fb->buf = fb->stack;
    fb->cap = sizeof(fb->stack);
    fb->len = 0;
    if (!HPy_IsNull(fb->result)) {
        HPy_Close(fb->ctx, fb->result);
        fb->result = HPy_NULL;
    }
}

/* Makes room for `extra` more bytes plus a NUL; 0 with MemoryError. */
static int fb_reserve(fmtbuf *fb, size_t extra)
{
    size_t need, cap;
    char *nbuf;
    if (fb->failed)
        return 0;
    if (extra > (size_t)HPY_SSIZE_T_MAX - fb->len - 1)
        goto nomem;
    need = fb->len + extra + 1;
    if (need <= fb->cap)
        return 1;
    cap = fb->cap;
    while (cap < need)
        cap = cap > (size_t)HPY_SSIZE_T_MAX / 2 ? need : cap * 2;
    if (fb->buf == fb->stack) {
        nbuf = (char *)malloc(cap);
        if (nbuf != NULL)
            memcpy(nbuf, fb->buf, fb->len);
    }
    else {
        nbuf = (char *)realloc(fb->buf, cap);
    }
    if (nbuf == NULL)
        goto nomem;
    fb->buf = nbuf;
    fb->cap = cap;
    return 1;
nomem:
    HPyErr_SetString(fb->ctx, fb->ctx->h_MemoryError, "cannot allocate memory for string format");
    fb->failed = 1;
    return 0;
}

static void fb_put(fmtbuf *fb, const char *s, size_t n)
{
    if (!fb_reserve(fb, n))
        return;
    memcpy(fb->buf + fb->len, s, n);
    fb->len += n;
}

static void fb_put_spaces(fmtbuf *fb, size_t n)
{
    if (!fb_reserve(fb, n))
        return;
    memset(fb->buf + fb->len, ' ', n);
    fb->len += n;
}

/* Appends the str `piece` (consumed) after the pending text. */
static void fb_concat(fmtbuf *fb, HPy piece)
{
    HPyContext *ctx = fb->ctx;
    HPy joined;
    if (HPy_IsNull(piece)) {
        fb->failed = 1;
        return;
    }
    if (HPy_IsNull(fb->result)) {
        fb->result = piece;
        return;
    }
    joined = HPy_Add(ctx, fb->result, piece);
    HPy_Close(ctx, piece);
    HPy_Close(ctx, fb->result);
    fb->result = joined;
    if (HPy_IsNull(joined))
        fb->failed = 1;
}

/* Turns the pending text into a str appended to the result. */
static void fb_flush(fmtbuf *fb)
{
    if (fb->failed || fb->len == 0)
        return;
    fb->buf[fb->len] = '\0';
    fb->len = 0;
    fb_concat(fb, HPyUnicode_FromString(fb->ctx, fb->buf));
}

/* Appends the str `s` (not consumed). */
static void fb_put_str(fmtbuf *fb, HPy s)
{
    fb_flush(fb);
    if (fb->failed)
        return;
    fb_concat(fb, HPy_Dup(fb->ctx, s));
}

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 if invalid;
 * *bad receives the length of the maximal invalid subpart to replace. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned char c = s[0];
    size_t need, i;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4) {
        *bad = 1;
        return 0;
    }
    if (c < 0xE0) {
        need = 2;
    }
    else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    }
    else {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    }
    for (i = 1; i < need; i++) {
        unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
        if (i >= n || s[i] < lo_i || s[i] > hi_i) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

/* Appends n bytes of UTF-8 (invalid sequences replaced by U+FFFD, as the
 * "replace" error handler does); returns the number of code points added. */
static size_t fb_put_utf8(fmtbuf *fb, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, start = 0, count = 0;
    while (i < n) {
        size_t bad = 0, k = utf8_seq(u + i, n - i, &bad);
        if (k > 0) {
            i += k;
            count++;
            continue;
        }
        fb_put(fb, s + start, i - start);
        fb_put(fb, "\xEF\xBF\xBD", 3);
        count++;
        i += bad;
        start = i;
    }
    fb_put(fb, s + start, i - start);
    return count;
}

/* Appends one code point. NUL and surrogates cannot go through the UTF-8
 * buffer (HPyUnicode_FromString), so they become a str of their own. */
static void fb_put_codepoint(fmtbuf *fb, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    }
    else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        HPyContext *ctx = fb->ctx;
        HPy bytes, s;
        fb_flush(fb);
        if (fb->failed)
            return;
        bytes = HPyBytes_FromStringAndSize(ctx, b, (HPy_ssize_t)n);
        if (HPy_IsNull(bytes)) {
            fb->failed = 1;
            return;
        }
        s = HPyUnicode_FromEncodedObject(ctx, bytes, "utf-8", "surrogatepass");
        HPy_Close(ctx, bytes);
        fb_concat(fb, s);
        return;
    }
    fb_put(fb, b, n);
}

/* SystemError "invalid format string", with what is wrong appended: the
 * first 40 bytes of the conversion, a byte outside printable ASCII shown as
 * \xNN (it may be part of a UTF-8 sequence that the conversion splits). */
static void fb_system_error(fmtbuf *fb, const char *what, const char *spec, size_t spec_len)
{
    char buf[256], shown[4 * 40 + 1];
    size_t i, n = 0;
    if (fb->failed)
        return;
    for (i = 0; i < spec_len && i < 40; i++) {
        unsigned char c = (unsigned char)spec[i];
        if (c < 0x20 || c >= 0x7f)
            n += (size_t)snprintf(shown + n, sizeof(shown) - n, "\\x%02x", (unsigned int)c);
        else
            shown[n++] = (char)c;
    }
    shown[n] = '\0';
    snprintf(buf, sizeof(buf), "invalid format string (%s '%s')", what, shown);
    HPyErr_SetString(fb->ctx, fb->ctx->h_SystemError, buf);
    fb->failed = 1;
}

/* Raises `exc` with a fixed message (the first error wins). */
static void fb_error(fmtbuf *fb, HPy exc, const char *msg)
{
    if (fb->failed)
        return;
    HPyErr_SetString(fb->ctx, exc, msg);
    fb->failed = 1;
}

/* The text of a unit-specific SystemError: `fmt` has one %c. */
static void fb_unit_error(fmtbuf *fb, const char *fmt, char unit)
{
    char buf[120];
    snprintf(buf, sizeof(buf), fmt, unit);
    fb_error(fb, fb->ctx->h_SystemError, buf);
}

/* Appends the str `s` (consumed) with precision and width in code points. */
static void fb_put_obj_padded(fmtbuf *fb, HPy s, long width, long prec, int left)
{
    HPyContext *ctx = fb->ctx;
    HPy_ssize_t len;
    if (HPy_IsNull(s)) {
        fb->failed = 1;
        return;
    }
    len = HPy_Length(ctx, s);
    if (len < 0) {
        HPy_Close(ctx, s);
        fb->failed = 1;
        return;
    }
    if (prec >= 0 && len > (HPy_ssize_t)prec) {
        HPy sub = HPyUnicode_Substring(ctx, s, 0, (HPy_ssize_t)prec);
        HPy_Close(ctx, s);
        if (HPy_IsNull(sub)) {
            fb->failed = 1;
            return;
        }
        s = sub;
        len = (HPy_ssize_t)prec;
    }
    if (!left && width > 0 && len < (HPy_ssize_t)width)
        fb_put_spaces(fb, (size_t)((HPy_ssize_t)width - len));
    fb_put_str(fb, s);
    HPy_Close(ctx, s);
    if (left && width > 0 && len < (HPy_ssize_t)width)
        fb_put_spaces(fb, (size_t)((HPy_ssize_t)width - len));
}

/* Appends UTF-8 text with width in code points (precision already applied). */
static void fb_put_text_padded(fmtbuf *fb, const char *s, size_t n, long width, int left)
{
    size_t start = fb->len, count;
    count = fb_put_utf8(fb, s, n);
    if (fb->failed || width <= 0 || count >= (size_t)width)
        return;
    if (left) {
        fb_put_spaces(fb, (size_t)width - count);
    }
    else {
        size_t pad = (size_t)width - count, added = fb->len - start;
        if (!fb_reserve(fb, pad))
            return;
        memmove(fb->buf + start + pad, fb->buf + start, added);
        memset(fb->buf + start, ' ', pad);
        fb->len += pad;
    }
}

/* Appends an integer: `digits` (no sign) with '-' if `negative`, at least
 * `prec` digits (zeros added in front; never fewer digits, so "%.0d" of 0
 * is "0" as in CPython), padded to `width` with spaces, or zeros after the
 * sign with the '0' flag (ignored with '-' or a precision, as in printf). */
static void fb_put_int(fmtbuf *fb, const char *digits, int negative, long width, long prec,
                       int left, int zero)
{
    size_t ndigits = strlen(digits), nzeros = 0, total, pad = 0;
    if (prec >= 0 && (size_t)prec > ndigits)
        nzeros = (size_t)prec - ndigits;
    total = (negative ? 1 : 0) + nzeros + ndigits;
    if (width > 0 && (size_t)width > total)
        pad = (size_t)width - total;
    if (zero && !left && prec < 0) {
        nzeros += pad;
        pad = 0;
    }
    if (!left)
        fb_put_spaces(fb, pad);
    if (negative)
        fb_put(fb, "-", 1);
    if (nzeros > 0 && fb_reserve(fb, nzeros)) {
        memset(fb->buf + fb->len, '0', nzeros);
        fb->len += nzeros;
    }
    fb_put(fb, digits, ndigits);
    if (left)
        fb_put_spaces(fb, pad);
}

/* Reads digits (or '*' from va) into *out; -1 if absent. 0 on overflow. */
static int read_number(const char **f, va_list *va, long *out, int *from_star)
{
    long v = 0;
    *from_star = 0;
    if (**f == '*') {
        (*f)++;
        *out = va_arg(*va, int);
        *from_star = 1;
        return 1;
    }
    if (**f < '0' || **f > '9') {
        *out = -1;
        return 1;
    }
    while (**f >= '0' && **f <= '9') {
        if (v > (INT_MAX - 9) / 10)
            return 0;
        v = v * 10 + (**f - '0');
        (*f)++;
    }
    *out = v;
    return 1;
}

static void format_one(fmtbuf *fb, const char **pf, va_list *va)
{
    HPyContext *ctx = fb->ctx;
    const char *spec = *pf; /* at the '%' */
    const char *f = spec + 1;
    int left = 0, zero = 0, star;
    long width = -1, prec = -1;
    char length = 0; /* 0, 'l', 'q' (ll), 'z', 't', 'j' */
    char type;

    if (*f == '%') {
        fb_put(fb, "%", 1);
        *pf = f + 1;
        return;
    }
    for (;; f++) {
        if (*f == '-')
            left = 1;
        else if (*f == '0')
            zero = 1;
        else
            break;
    }
    if (!read_number(&f, va, &width, &star)) {
        fb_error(fb, ctx->h_ValueError, "width too big");
        goto skip_rest;
    }
    if (star && width < 0) {
        left = 1;
        width = width == LONG_MIN ? -1 : -width;
    }
    if (*f == '.') {
        f++;
        if (!read_number(&f, va, &prec, &star)) {
            fb_error(fb, ctx->h_ValueError, "precision too big");
            goto skip_rest;
        }
        if (!star && prec < 0)
            prec = 0; /* "%.d": precision zero, as in printf */
    }
    if (width > INT_MAX)
        width = INT_MAX;
    if (*f == 'l') {
        f++;
        length = 'l';
        if (*f == 'l') {
            f++;
            length = 'q';
        }
    }
    else if (*f == 'z' || *f == 't' || *f == 'j') {
        length = *f++;
    }
    type = *f;
    if (type == '\0') {
        fb_system_error(fb, "incomplete conversion", spec, (size_t)(f - spec));
        *pf = f;
        return;
    }
    f++;
    *pf = f;
    if (length == 'l' && type == 's') {
        /* %ls: a NUL-terminated wchar_t string, precision in wchar_t units */
        const wchar_t *w = va_arg(*va, const wchar_t *);
        size_t n = 0;
        if (w == NULL) {
            fb_put_text_padded(fb, "(null)", prec >= 0 && prec < 6 ? (size_t)prec : 6, width, left);
            return;
        }
        while (w[n] != 0 && (prec < 0 || n < (size_t)prec))
            n++;
        if (!fb->failed)
            fb_put_obj_padded(fb, HPyUnicode_FromWideChar(ctx, w, (HPy_ssize_t)n), width, -1, left);
        return;
    }
    if (length != 0 && strchr("diuxXo", type) == NULL) {
        fb_system_error(fb, "invalid length modifier in conversion", spec, (size_t)(f - spec));
        return;
    }
    if (zero && strchr("cpsUVSRA", type) != NULL) {
        fb_unit_error(fb, "formatting unit '%%%c' does not support 0-padding", type);
        return;
    }
    if ((width >= 0 || prec >= 0) && (type == 'c' || type == 'p')) {
        fb_unit_error(fb, "formatting unit '%%%c' does not support width nor precision", type);
        return;
    }

    switch (type) {
    case '%':
        /* "%5%": CPython prints a plain '%' */
        fb_put(fb, "%", 1);
        return;
    case 'd':
    case 'i': {
        intmax_t v;
        uintmax_t mag;
        char digits[3 * sizeof(uintmax_t) + 2];
        switch (length) {
        case 'l': v = va_arg(*va, long); break;
        case 'q': v = va_arg(*va, long long); break;
        case 'z': v = va_arg(*va, HPy_ssize_t); break;
        case 't': v = va_arg(*va, ptrdiff_t); break;
        case 'j': v = va_arg(*va, intmax_t); break;
        default: v = va_arg(*va, int); break;
        }
        mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        snprintf(digits, sizeof(digits), "%ju", mag);
        fb_put_int(fb, digits, v < 0, width, prec, left, zero);
        return;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
        uintmax_t v;
        char digits[3 * sizeof(uintmax_t) + 2];
        switch (length) {
        case 'l': v = va_arg(*va, unsigned long); break;
        case 'q': v = va_arg(*va, unsigned long long); break;
        case 'z': v = va_arg(*va, size_t); break;
        case 't': v = (uintmax_t)(size_t)va_arg(*va, ptrdiff_t); break;
        case 'j': v = va_arg(*va, uintmax_t); break;
        default: v = va_arg(*va, unsigned int); break;
        }
        snprintf(digits, sizeof(digits),
                 type == 'u'   ? "%ju"
                 : type == 'x' ? "%jx"
                 : type == 'X' ? "%jX"
                               : "%jo",
                 v);
        fb_put_int(fb, digits, 0, width, prec, left, zero);
        return;
    }
    case 'c': {
        int cp = va_arg(*va, int);
        if (cp < 0 || cp > 0x10FFFF) {
            if (!fb->failed) {
                HPyErr_SetString(ctx, ctx->h_OverflowError,
                                 "character argument not in range(0x110000)");
                fb->failed = 1;
            }
            return;
        }
        fb_put_codepoint(fb, (unsigned long)cp);
        return;
    }
    case 'p': {
        char tmp[2 + sizeof(uintptr_t) * 2 + 1];
        void *ptr = va_arg(*va, void *);
        int n = snprintf(tmp, sizeof(tmp), "0x%" PRIxPTR, (uintptr_t)ptr);
        fb_put_text_padded(fb, tmp, (size_t)n, width, left);
        return;
    }
    case 's': {
        const char *s = va_arg(*va, const char *);
        size_t n = 0;
        if (s == NULL) {
            fb_error(fb, ctx->h_SystemError,
                     "null c string passed as value for formatting unit '%s'");
            return;
        }
        if (prec >= 0) {
            while (n < (size_t)prec && s[n] != '\0')
                n++;
        }
        else {
            n = strlen(s);
        }
        fb_put_text_padded(fb, s, n, width, left);
        return;
    }
    case 'U':
    case 'V': {
        HPy obj = va_arg(*va, HPy);
        const char *alt = type == 'V' ? va_arg(*va, const char *) : NULL;
        if (fb->failed)
            return;
        if (HPy_IsNull(obj) && type == 'V') {
            size_t n = 0;
            if (alt == NULL)
                alt = "(null)";
            if (prec >= 0) {
                while (n < (size_t)prec && alt[n] != '\0')
                    n++;
            }
            else {
                n = strlen(alt);
            }
            fb_put_text_padded(fb, alt, n, width, left);
            return;
        }
        if (HPy_IsNull(obj)) {
            fb_error(fb, ctx->h_SystemError, "HPy_NULL passed as value for formatting unit '%U'");
            return;
        }
        if (!HPyUnicode_Check(ctx, obj)) {
            fb_unit_error(fb, "the value for formatting unit '%%%c' is not a str", type);
            return;
        }
        fb_put_obj_padded(fb, HPy_Dup(ctx, obj), width, prec, left);
        return;
    }
    case 'S':
    case 'R':
    case 'A': {
        HPy obj = va_arg(*va, HPy);
        HPy s;
        if (fb->failed)
            return;
        if (HPy_IsNull(obj)) {
            fb_error(fb, ctx->h_SystemError,
                     "HPy_NULL passed as value for formatting unit '%S' or '%R' or '%A'");
            return;
        }
        if (type == 'S')
            s = HPy_Str(ctx, obj);
        else if (type == 'R')
            s = HPy_Repr(ctx, obj);
        else
            s = HPy_ASCII(ctx, obj);
        fb_put_obj_padded(fb, s, width, prec, left);
        return;
    }
    default: fb_system_error(fb, "invalid conversion", spec, (size_t)(f - spec)); return;
    }

skip_rest:
    /* skip the rest of the format: the arguments can no longer be read */
    while (*f != '\0')
        f++;
    *pf = f;
}

static HPy format_impl(HPyContext *ctx, const char *fmt, va_list *va)
{
    fmtbuf fb;
    const char *f = fmt;
    HPy result;

    if (fmt == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "invalid format string (NULL)");
        return HPy_NULL;
    }
    fb_init(&fb, ctx);
    while (*f != '\0' && !fb.failed) {
        const char *run = f;
        while (*f != '\0' && *f != '%') {
            if ((unsigned char)*f >= 0x80) {
                char buf[100];
                snprintf(buf, sizeof(buf),
                         "expected an ASCII-encoded format string, "
                         "got a non-ASCII byte: 0x%02x",
                         (unsigned int)(unsigned char)*f);
                fb_error(&fb, ctx->h_ValueError, buf);
                break;
            }
            f++;
        }
        if (fb.failed)
            break;
        if (f > run)
            fb_put_utf8(&fb, run, (size_t)(f - run));
        if (*f == '%')
            format_one(&fb, &f, va);
    }
    if (!fb.failed) {
        if (HPy_IsNull(fb.result) || fb.len > 0)
            fb_flush(&fb);
        if (!fb.failed && HPy_IsNull(fb.result))
            fb.result = HPyUnicode_FromString(ctx, "");
    }
    if (fb.failed || HPy_IsNull(fb.result)) {
        fb_free(&fb);
        return HPy_NULL;
    }
    result = fb.result;
    fb.result = HPy_NULL;
    fb_free(&fb);
    return result;
}

HPyAPI_HELPER HPy HPyUnicode_FromFormatV(HPyContext *ctx, const char *fmt, va_list va)
{
    va_list copy;
    HPy result;
    va_copy(copy, va);
    result = format_impl(ctx, fmt, &copy);
    va_end(copy);
    return result;
}

HPyAPI_HELPER HPy HPyUnicode_FromFormat(HPyContext *ctx, const char *fmt, ...)
{
    va_list va;
    HPy result;
    va_start(va, fmt);
    result = format_impl(ctx, fmt, &va);
    va_end(va);
    return result;
}

HPyAPI_HELPER HPy HPyErr_Format(HPyContext *ctx, HPy h_type, const char *fmt, ...)
{
    va_list va;
    HPy msg;
    va_start(va, fmt);
    msg = format_impl(ctx, fmt, &va);
    va_end(va);
    if (HPy_IsNull(msg))
        return HPy_NULL;
    HPyErr_SetObject(ctx, h_type, msg);
    HPy_Close(ctx, msg);
    return HPy_NULL;
}
