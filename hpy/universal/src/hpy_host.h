/* Internal interface of the CPython host (hpy.universal). */
#ifndef HPY_HOST_H
#define HPY_HOST_H

/* The process-wide universal context (filled on first use). */
HPyContext *hpy_host_universal_ctx(void);

/* The context of modules loaded in universal mode: the members of the
 * universal context at another address (see ctx_universal.c). */
HPyContext *hpy_host_universal_mode_ctx(void);
_HPy_HIDDEN extern struct _HPyContext_s _hpy_universal_mode_ctx;

/* The debug and trace contexts, wrapping the universal one; NULL with an
 * exception set if unavailable. */
HPyContext *hpy_host_debug_ctx(void);
HPyContext *hpy_host_trace_ctx(void);

/* Adds the submodules _debug and _trace to hpy.universal. */
int hpy_host_add_submodules(PyObject *module);

/* Loads a universal/hybrid binary in the given context (loading protocol
 * §3); returns the module or NULL with an exception set. */
PyObject *hpy_host_load(PyObject *name, PyObject *path, PyObject *spec, HPyContext *ctx);

/* Private introspection of the host entry points (entry_points.c): a dict
 * {signature name: number of pool slots in use}. */
PyObject *hpy_host_entry_points_in_use(void);
/* Switches the host entry points on or off for modules and types created
 * afterwards; returns the previous setting. */
int hpy_host_set_entry_points_enabled(int enabled);

/* The C struct of an instance of an HPy type (runtime/ctx_type.c). */
_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj);

#endif /* HPY_HOST_H */
