/* assert.h for HPy wasm32 side modules. A failed assertion calls
 * Emscripten's libc __assert_fail, which aborts with the message. */
#undef assert
#ifdef NDEBUG
#    define assert(e) ((void)0)
#else
#    ifdef __cplusplus
extern "C"
#    endif
    void
    __assert_fail(const char *expr, const char *file, int line, const char *func)
        __attribute__((noreturn));
#    define assert(e) ((e) ? (void)0 : __assert_fail(#    e, __FILE__, __LINE__, __func__))
#endif
