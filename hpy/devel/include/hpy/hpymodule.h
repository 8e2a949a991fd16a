/* HPyModuleDef: what HPyInit_<name> returns to describe a module. */
#ifndef HPY_HPYMODULE_H
#define HPY_HPYMODULE_H

typedef struct {
    const char *doc;
    HPy_ssize_t size;                  /* must be 0: no per-module state yet */
    cpy_PyMethodDef *legacy_methods;   /* hybrid and cpython ABIs only */
    HPyDef **defines;                  /* NULL-terminated; methods and module slots */
    HPyGlobal **globals;               /* NULL-terminated */
} HPyModuleDef;

#endif /* HPY_HPYMODULE_H */
