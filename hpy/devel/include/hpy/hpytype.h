/* HPyType_Spec: how an extension describes a new type to HPyType_FromSpec,
 * and the helper macros that give typed access to an instance's C struct.
 *
 *   typedef struct { long x, y; } PointObject;
 *   HPyType_HELPERS(PointObject)        // PointObject_AsStruct(ctx, h)
 *   static HPyType_Spec Point_spec = {
 *       .name = "mymod.Point", .basicsize = sizeof(PointObject),
 *       .builtin_shape = SHAPE(PointObject), .defines = Point_defines };
 */
#ifndef HPY_HPYTYPE_H
#define HPY_HPYTYPE_H

typedef struct {
    const char *name; /* "module.Name" sets __module__ too */
    int basicsize;    /* size of the extension's own struct */
    int itemsize;
    unsigned long flags; /* HPy_TPFLAGS_* */
    HPyType_BuiltinShape builtin_shape;
    void *legacy_slots; /* PyType_Slot[] (legacy shape only) */
    HPyDef **defines;   /* NULL-terminated */
    const char *doc;
} HPyType_Spec;

typedef struct {
    HPyType_SpecParam_Kind kind;
    HPy object;
} HPyType_SpecParam;

/* Allocates an instance of `cls`; `*data` receives its zeroed C struct. */
#define HPy_New(ctx, cls, data) (_HPy_New((ctx), (cls), ((void **)(data))))

/* HPyType_HELPERS(TYPE [, SHAPE]) defines TYPE##_AsStruct(ctx, h) and the
 * constant SHAPE(TYPE); SHAPE defaults to HPyType_BuiltinShape_Object. */
#define HPyType_HELPERS(...)                                                   \
    _HPyType_HELPERS_PICK(__VA_ARGS__, _HPyType_HELPERS_2, _HPyType_HELPERS_1, \
                          _HPy_unused)(__VA_ARGS__)
#define _HPyType_HELPERS_PICK(_1, _2, NAME, ...) NAME
#define _HPyType_HELPERS_1(TYPE) _HPyType_HELPERS_2(TYPE, HPyType_BuiltinShape_Object)
#define _HPyType_HELPERS_2(TYPE, SHAPE_VALUE)                               \
    enum { TYPE##_SHAPE = (int)SHAPE_VALUE };                               \
    _HPy_UNUSED static inline TYPE *TYPE##_AsStruct(HPyContext *ctx, HPy h) \
    {                                                                       \
        return (TYPE *)_HPyType_AsStructFor(SHAPE_VALUE)(ctx, h);           \
    }

/* For types whose struct starts with PyObject_HEAD (hybrid/cpython ABIs). */
#define HPyType_LEGACY_HELPERS(TYPE) _HPyType_HELPERS_2(TYPE, HPyType_BuiltinShape_Legacy)

#define SHAPE(TYPE) ((HPyType_BuiltinShape)TYPE##_SHAPE)

/* HPyType_HELPERS picks the AsStruct function of a shape by pasting
 * `_AsStruct` to the shape's enumerator name (after expanding it, so that
 * SHAPE may also be a macro naming one). */
#define _HPyType_AsStructFor(SHAPE_VALUE) _HPyType_AsStructFor_X(SHAPE_VALUE)
#define _HPyType_AsStructFor_X(SHAPE_VALUE) SHAPE_VALUE##_AsStruct
#include "hpy/autogen_hpytype.h"

#endif /* HPY_HPYTYPE_H */
