/* ctype.h for HPy wasm32 side modules (the C locale). */
#ifndef HPY_WASM_LIBC_CTYPE_H
#define HPY_WASM_LIBC_CTYPE_H
#ifdef __cplusplus
extern "C" {
#endif
int isalnum(int c);
int isalpha(int c);
int isdigit(int c);
int isspace(int c);
int isupper(int c);
int islower(int c);
int isxdigit(int c);
int isprint(int c);
int toupper(int c);
int tolower(int c);
#ifdef __cplusplus
}
#endif
#endif
