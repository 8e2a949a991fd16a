/* Portability macros shared by every HPy header. */
#ifndef HPY_MACROS_H
#define HPY_MACROS_H

/* Symbols a universal module exports to the host, and symbols private to
 * one extension binary. */
#if defined(_WIN32) || defined(__CYGWIN__)
#    define _HPy_EXPORT __declspec(dllexport)
#    define _HPy_HIDDEN
#elif defined(__GNUC__) || defined(__clang__)
#    define _HPy_EXPORT __attribute__((visibility("default")))
#    define _HPy_HIDDEN __attribute__((visibility("hidden")))
#else
#    define _HPy_EXPORT
#    define _HPy_HIDDEN
#endif

/* _HPy_NOINLINE keeps a slow path out of the function holding the fast
 * path, whose prologue then stays small (no saved registers, a jump to the
 * slow path). */
#if defined(__GNUC__) || defined(__clang__)
#    define _HPy_UNUSED __attribute__((unused))
#    define _HPy_NO_RETURN __attribute__((noreturn))
#    define _HPy_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#    define _HPy_UNUSED
#    define _HPy_NO_RETURN __declspec(noreturn)
#    define _HPy_NOINLINE __declspec(noinline)
#else
#    define _HPy_UNUSED
#    define _HPy_NO_RETURN
#    define _HPy_NOINLINE
#endif

/* Every public API function is an inline function in the headers. */
#define HPyAPI_FUNC _HPy_UNUSED static inline
/* The same storage for header-only helpers (inline_helpers.h) and for any
 * static inline function an extension wants without unused warnings. */
#define HPyAPI_UNUSED _HPy_UNUSED static inline
#define HPyAPI_INLINE_HELPER HPyAPI_FUNC
/* The storage of the functions that implement the API for the cpython ABI
 * and the host (ctx_* in hpy/devel/src/runtime): shared between the
 * translation units of one binary, invisible outside it. */
#define HPyAPI_IMPL _HPy_HIDDEN

/* HPy_EXPORTED_SYMBOL makes a symbol visible outside the shared library;
 * HPy_EXPORTED_FUNC also gives it C linkage when compiled as C++, which is
 * what an entry point looked up by name (dlsym) needs. */
#define HPy_EXPORTED_SYMBOL _HPy_EXPORT
#define HPy_EXPORTED_FUNC _HPy_EXTERN_C _HPy_EXPORT

/* How HPyDef_* declare an implementation (SYM##_impl, SYM##_get, ...). The
 * trampoline that CPython calls is the implementation's only direct caller
 * (in the universal ABI, on the direct path a host may enable), so `inline`
 * invites the compiler to merge the two and save a call per Python-level
 * call (the implementation still exists on its own, for the HPyDef). */
#define _HPyFunc_IMPL_STATIC static inline

/* extern "C" for the exported entry points when compiled as C++. */
#ifdef __cplusplus
#    define _HPy_EXTERN_C extern "C"
#else
#    define _HPy_EXTERN_C
#endif

/* Builds a compound value of a struct type in C and C++. */
#ifdef __cplusplus
#    define _HPy_STRUCT_VALUE(T, ...) (T{ __VA_ARGS__ })
#else
#    define _HPy_STRUCT_VALUE(T, ...) ((T){ __VA_ARGS__ })
#endif

/* HPyDef_* take optional designated initializers (.doc = ...). C++ compilers
 * warn about the fields those leave out, which C does not; silence that for
 * the definition only. */
#if defined(__cplusplus) && (defined(__GNUC__) || defined(__clang__))
#    define _HPy_DEF_BEGIN             \
        _Pragma("GCC diagnostic push") \
            _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")
#    define _HPy_DEF_END _Pragma("GCC diagnostic pop")
#else
#    define _HPy_DEF_BEGIN
#    define _HPy_DEF_END
#endif

/* Function pointers of different types are converted through void (*)(void),
 * the one type compilers accept as matching every function. */
#define _HPy_AS_CFUNCTION(f) ((HPyCFunction)(void (*)(void))(f))
#define _HPy_AS_CPY_CFUNCTION(f) ((cpy_PyCFunction)(void (*)(void))(f))

/* In a function returning HPy, returns a new reference to True or False:
 * the comparison `op` (an HPy_RichCmpOp) of the C values val1 and val2. Any
 * other op is a bug in the caller and aborts. Meant for tp_richcompare
 * implementations comparing C fields. */
#define HPy_RETURN_RICHCOMPARE(ctx, val1, val2, op)                        \
    do {                                                                   \
        int _hpy_cmp;                                                      \
        switch (op) {                                                      \
        case HPy_LT: _hpy_cmp = (val1) < (val2); break;                    \
        case HPy_LE: _hpy_cmp = (val1) <= (val2); break;                   \
        case HPy_EQ: _hpy_cmp = (val1) == (val2); break;                   \
        case HPy_NE: _hpy_cmp = (val1) != (val2); break;                   \
        case HPy_GT: _hpy_cmp = (val1) > (val2); break;                    \
        case HPy_GE: _hpy_cmp = (val1) >= (val2); break;                   \
        default: HPy_FatalError((ctx), "Invalid value for HPy_RichCmpOp"); \
        }                                                                  \
        return HPy_Dup((ctx), _hpy_cmp ? (ctx)->h_True : (ctx)->h_False);  \
    } while (0)

/* Bracket a stretch of C code that neither touches Python objects nor
 * calls the HPy API, so that other threads may run Python meanwhile (the
 * GIL is released on CPython). Used as a pair in the same block:
 *
 *     HPy_BEGIN_LEAVE_PYTHON(ctx)
 *     result = long_computation(data);
 *     HPy_END_LEAVE_PYTHON(ctx)
 */
#define HPy_BEGIN_LEAVE_PYTHON(ctx) \
    {                               \
        HPyThreadState _hpy_thread_state = HPy_LeavePythonExecution(ctx);
#define HPy_END_LEAVE_PYTHON(ctx)                         \
    HPy_ReenterPythonExecution((ctx), _hpy_thread_state); \
    }

#endif /* HPY_MACROS_H */
