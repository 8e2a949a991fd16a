/* Shared by the cpython ABI and the universal host: building a CPython
 * module definition from an HPyModuleDef (runtime/ctx_module.c). */
#ifndef HPY_RUNTIME_CTX_MODULE_H
#define HPY_RUNTIME_CTX_MODULE_H

/* A PyModuleDef for multi-phase initialisation, allocated for the lifetime
 * of the process; NULL with an exception set if `hpydef` is invalid. `name`
 * is only used in error messages and as m_name. `ctx` is the context the
 * module's functions will get: in the universal host, the universal-mode
 * context lets it install its own entry points (hpy/universal/src/entry_points.h). */
_HPy_HIDDEN PyModuleDef *_HPyModuleDef_AsPyModuleDef(HPyContext *ctx, HPyModuleDef *hpydef,
                                                     const char *name);

#endif /* HPY_RUNTIME_CTX_MODULE_H */
