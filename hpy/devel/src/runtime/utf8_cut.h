/* Cutting names of arbitrary length for error messages.
 *
 * Messages show a name (a type name, a keyword, a function name) with a
 * bound on its length, like "%.200s". Such a precision counts bytes: it can
 * end inside a UTF-8 sequence, and the message is then not valid UTF-8
 * (PyUnicode_FromString and HPyErr_SetString raise UnicodeDecodeError
 * instead of the intended error, PyErr_Format shows U+FFFD). The helper
 * below cuts at a character boundary instead; the result is formatted with
 * a plain "%s".
 *
 * Shared by the runtime (every ABI) and the host; not part of the public
 * API. Plain C: usable where only the HPy API is allowed. */
#ifndef HPY_RUNTIME_UTF8_CUT_H
#define HPY_RUNTIME_UTF8_CUT_H

#include <stddef.h>
#include <string.h>

/* The size of a buffer for _HPy_Utf8Cut(buf, s, max). */
#define _HPy_UTF8_CUT_SIZE(max) ((max) + 1)

/* Copies the longest prefix of `s` (NUL-terminated) that has at most `max`
 * bytes and does not end inside a UTF-8 sequence to `buf`, which has room
 * for max + 1 bytes; returns buf. A NULL `s` gives "(null)". */
static inline const char *_HPy_Utf8Cut(char *buf, const char *s, size_t max)
{
    size_t n = 0;
    if (s == NULL)
        s = "(null)";
    while (n < max && s[n] != '\0')
        n++;
    if (n == max && s[n] != '\0') {
        /* s[n] is the first byte left out: while it continues a sequence,
         * that sequence started inside the prefix and is dropped (at most
         * the 3 bytes before a 4-byte sequence's last byte) */
        size_t k = 0;
        while (n > 0 && k < 3 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
            k++;
        }
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

#endif /* HPY_RUNTIME_UTF8_CUT_H */
