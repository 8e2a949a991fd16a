/* HPyModuleDef: what HPyInit_<name> returns to describe a module. */
#ifndef HPY_HPYMODULE_H
#define HPY_HPYMODULE_H

typedef struct {
    const char *doc;
    HPy_ssize_t size;                /* must be 0: no per-module state yet */
    cpy_PyMethodDef *legacy_methods; /* hybrid and cpython ABIs only */
    HPyDef **defines;                /* NULL-terminated; methods and module slots */
    HPyGlobal **globals;             /* NULL-terminated */
} HPyModuleDef;

/* HPY_MOD_EMBEDDABLE(name), at file scope before the first HPyDef_*, marks
 * the translation unit of module `name` as one that may be linked into a
 * binary together with other HPy modules. Such a binary is compiled with
 * HPY_EMBEDDED_MODULES defined, which already makes the context the
 * trampolines use private to each translation unit (see
 * universal/hpy_universal.h), so the macro needs to add nothing; it exists
 * so that such code compiles unchanged. */
#define HPY_MOD_EMBEDDABLE(name)

#endif /* HPY_HPYMODULE_H */
