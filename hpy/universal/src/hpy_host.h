/* Internal interface of the CPython host (hpy.universal). */
#ifndef HPY_HOST_H
#define HPY_HOST_H

/* On these ABIs a struct of one intptr_t (HPy) is returned in the same
 * register as a pointer. The host's functions that return a new handle can
 * then be declared to return the PyObject* itself and be stored into the
 * context with a cast: gcc compiles `return _py2h(PyLong_FromLong(v));` in
 * a function returning the struct HPy as a call followed by a return, but
 * `return PyLong_FromLong(v);` as a tail call (a jump). The entry points
 * (entry_points.c) use the same property the other way round. */
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64)
#    define _HPY_HOST_HPY_RETURNED_AS_POINTER 1
#    define _HPY_HOST_NEW_HANDLE_T cpy_PyObject *
#    define _HPY_HOST_NEW_HANDLE(o) (o)
#else
#    define _HPY_HOST_NEW_HANDLE_T HPy
#    define _HPY_HOST_NEW_HANDLE(o) _py2h(o)
#endif

/* The process-wide universal context (filled on first use). */
HPyContext *hpy_host_universal_ctx(void);

/* The context of modules loaded in universal mode: the members of the
 * universal context at another address (see ctx_universal.c). */
HPyContext *hpy_host_universal_mode_ctx(void);
_HPy_HIDDEN extern struct _HPyContext_s _hpy_universal_mode_ctx;

/* The context of the binaries loaded in universal mode with direct
 * trampolines (load.c): the same members at a third address. */
HPyContext *hpy_host_universal_direct_ctx(void);
_HPy_HIDDEN extern struct _HPyContext_s _hpy_universal_direct_ctx;

/* The debug and trace contexts, wrapping the universal one; NULL with an
 * exception set if unavailable. */
HPyContext *hpy_host_debug_ctx(void);
HPyContext *hpy_host_trace_ctx(void);

/* Adds the submodules _debug and _trace to hpy.universal. */
int hpy_host_add_submodules(PyObject *module);

/* Loads a universal/hybrid binary in the given context (loading protocol
 * §3), whose mode is called mode_name in messages; returns the module or
 * NULL with an exception set. */
PyObject *hpy_host_load(PyObject *name, PyObject *path, PyObject *spec, HPyContext *ctx,
                        const char *mode_name);

/* Private introspection of the host entry points (entry_points.c): a dict
 * {signature name: number of pool slots in use}. */
PyObject *hpy_host_entry_points_in_use(void);
/* Sets one of the host's private switches (for tests and A/B runs) and
 * returns its previous setting: the body of every hpy_host_set_*_enabled. */
static inline int hpy_host_swap_switch(int *flag, int enabled)
{
    int old = *flag;
    *flag = enabled;
    return old;
}

/* Switches the host entry points on or off for modules and types created
 * afterwards; returns the previous setting. */
int hpy_host_set_entry_points_enabled(int enabled);
/* The signatures whose direct trampolines the host wants (entry_points.c),
 * and where a tuple keeps its size and its items, for
 * _HPyInitDirectTrampolines_<name> (load.c). */
uint64_t hpy_host_direct_signatures(HPy_ssize_t *tuple_size_at, HPy_ssize_t *tuple_items_at);
#ifdef HPY_WASM_HOST
/* The tp_alloc of the types whose instances have their struct right after
 * `object`'s header, at _HPyWasm_ALLOC_FIXED_OFFSET (ctx_type_wasm.c):
 * PyType_GenericAlloc at an address of the host's own, the mark of that
 * layout which a binary can check (hpy_host_direct_inline). */
PyObject *_HPyWasm_AllocFixed(PyTypeObject *tp, Py_ssize_t nitems);
/* Whether the start-up check found tp_mro in place (ctx_type_wasm_data.c). */
extern int _HPyWasm_mro_in_place;
#    define _HPyWasm_ALLOC_FIXED_OFFSET (((Py_ssize_t)sizeof(PyObject) + 15) & ~(Py_ssize_t)15)
#endif
/* What the host offers a binary with direct trampolines through
 * _HPyInitDirectInline_<name> (load.c): where an object keeps its type and
 * a type its MRO (0 where unknown) and its tp_alloc, the tp_alloc that
 * marks the types whose instances have their struct at `*struct_at`
 * (entry_points.c; NULL where the host has no such marker). */
void hpy_host_direct_inline(HPy_ssize_t *ob_type_at, HPy_ssize_t *tp_mro_at,
                            HPy_ssize_t *tp_alloc_at, _HPyDirectMarker *alloc_marker,
                            HPy_ssize_t *struct_at);
/* The reference-count model offered through _HPyInitDirectRefcount_<name>
 * (load.c; the fields of _HPyDirectTrampolines, hpy_universal.h): returns
 * 1 and fills them in where the host is sure of it (entry_points.c: rules
 * of the interpreter's build, checked once by a probe), else 0. */
int hpy_host_direct_refcount(HPy_ssize_t *refcnt_at, HPy_ssize_t *refcnt_low_at, uint32_t *flags,
                             uint32_t *incref_stop, uint32_t *decref_stop,
                             void (**refcnt_zero)(void *));
/* What the host offers through _HPyInitDirectCalls_<name> (load.c; the
 * fields of _HPyDirectCalls, direct_calls.h): each part the host checked
 * against the running interpreter (ctx_universal.c), the others 0. */
void hpy_host_direct_calls(_HPyDirectCalls *calls);
/* Switches the inline calls (hpy_host_direct_calls) on or off for binaries
 * loaded for the first time afterwards (load.c); returns the previous
 * setting. */
int hpy_host_set_direct_calls_enabled(int enabled);
/* What the host offers through _HPyInitDirectAlloc_<name> (load.c): the
 * type of plain types, the allocator that the marker of
 * hpy_host_direct_inline stands for, and PyTuple_New (entry_points.c; NULL
 * where the host has no marker or does not know where a tuple's items are). */
void hpy_host_direct_alloc(const void **type_type, void *(**alloc_new)(void *, HPy_ssize_t),
                           void *(**tuple_new)(HPy_ssize_t));
/* What the host offers through _HPyInitDirectTypeFlags_<name> (load.c):
 * where a type keeps the 32 bits of tp_flags with the fast-subclass flags,
 * and the `n` types that own such a flag with each one's flag; returns 1
 * where a start-up probe found them so (entry_points.c), else 0. */
int hpy_host_direct_typeflags(HPy_ssize_t *tp_flags_at, const void *const **types,
                              const uint32_t **flags, size_t *n);
/* Switches the fast-subclass flags (hpy_host_direct_typeflags) on or off
 * for binaries loaded for the first time afterwards (load.c); returns the
 * previous setting. */
int hpy_host_set_direct_typeflags_enabled(int enabled);
/* Switches the inline allocation (hpy_host_direct_alloc) on or off for
 * binaries loaded for the first time afterwards (load.c); returns the
 * previous setting. */
int hpy_host_set_direct_alloc_enabled(int enabled);
/* Switches the inline reference counts (hpy_host_direct_refcount) on or off
 * for binaries loaded for the first time afterwards (load.c); returns the
 * previous setting. */
int hpy_host_set_direct_refcount_enabled(int enabled);
/* Switches the inline fast paths (hpy_host_direct_inline) on or off for
 * binaries loaded for the first time afterwards (load.c); returns the
 * previous setting. */
int hpy_host_set_direct_inline_enabled(int enabled);
/* Switches the direct trampolines on or off for binaries loaded for the
 * first time afterwards (load.c); returns the previous setting. */
int hpy_host_set_direct_trampolines_enabled(int enabled);

/* The C struct of an instance of an HPy type (runtime/ctx_type.c). */
_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj);

#endif /* HPY_HOST_H */
