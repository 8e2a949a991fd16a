/* Helpers compiled into every extension (the sources in
 * hpy/devel/src/runtime/ that do not start with ctx_): they are not context
 * members; they call the context like any extension code. */
#ifndef HPY_RUNTIME_HELPERS_H
#define HPY_RUNTIME_HELPERS_H

#define HPyAPI_HELPER _HPy_HIDDEN

/* argparse.c */
HPyAPI_HELPER int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args, size_t nargs,
                               const char *fmt, ...);
HPyAPI_HELPER int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                       size_t nargs, HPy kwnames, const char *fmt,
                                       const char *keywords[], ...);
HPyAPI_HELPER int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                           HPy_ssize_t nargs, HPy kw, const char *fmt,
                                           const char *keywords[], ...);

/* buildvalue.c */
HPyAPI_HELPER HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...);

/* format.c */
HPyAPI_HELPER HPy HPyUnicode_FromFormat(HPyContext *ctx, const char *fmt, ...);
HPyAPI_HELPER HPy HPyUnicode_FromFormatV(HPyContext *ctx, const char *fmt, va_list va);
HPyAPI_HELPER HPy HPyErr_Format(HPyContext *ctx, HPy h_type, const char *fmt, ...);

/* helpers.c */
HPyAPI_HELPER int HPyHelpers_AddType(HPyContext *ctx, HPy obj, const char *name,
                                     HPyType_Spec *hpyspec, HPyType_SpecParam *params);
HPyAPI_HELPER int HPyHelpers_PackArgsAndKeywords(HPyContext *ctx, const HPy *args, size_t nargs,
                                                 HPy kwnames, HPy *out_pos_args, HPy *out_kwd);
HPyAPI_HELPER HPy HPyTuple_Pack(HPyContext *ctx, HPy_ssize_t n, ...);

/* structseq.c */
typedef struct {
    const char *name;
    const char *doc;
} HPyStructSequence_Field;

typedef struct {
    const char *name;
    const char *doc;
    HPyStructSequence_Field *fields;
} HPyStructSequence_Desc;

extern HPyAPI_HELPER const char *const HPyStructSequence_UnnamedField;

HPyAPI_HELPER HPy HPyStructSequence_NewType(HPyContext *ctx, HPyStructSequence_Desc *desc);
HPyAPI_HELPER HPy HPyStructSequence_New(HPyContext *ctx, HPy type, HPy_ssize_t nargs, HPy *args);

#endif /* HPY_RUNTIME_HELPERS_H */
