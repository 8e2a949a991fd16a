"""Source compatibility: every public name of upstream HPy's hpy.h exists in
ours, in each ABI, and can be used the way upstream's users use it; the names
added for that behave as upstream documents.

The names come from the spec directory (public-names/<abi>.txt; kinds and
values from enums.json, context.json, structs.md and inline-helpers.md):
`$HPY_SPEC_DIR`, else ../shared/spec next to the repository. Without it the
tests are skipped, except on CI (env CI set), where that is a failure.

One translation unit per ABI uses every listed name: a macro expanded (with
valid arguments), a function's address taken as a pointer of the signature
the spec gives, a type in sizeof, an enumerator or numeric constant compared
with its value at compile time. It is compiled as C99 and as C++, warnings as
errors, so it fails when a name disappears or changes its signature; a name
the test does not know how to use fails the test with that name.
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from support import REPO, build_abi, ext_suffix, include_flags

ABIS = ("cpython", "universal", "hybrid")


def _spec_dir() -> Path:
    env = os.environ.get("HPY_SPEC_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "spec"
    if not (path / "public-names").is_dir():
        msg = f"no HPy spec directory at {path} (set HPY_SPEC_DIR)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


# ---- what the spec says each name is ------------------------------------


class Facts:
    """Kinds of names, read from the spec files."""

    def __init__(self, spec: Path):
        self.spec = spec
        self.values: Dict[str, int] = {}  # enumerators and numeric #defines
        self.shapes: Set[str] = set()
        self.types: Set[str] = set()
        self.functions: Dict[str, Tuple[str, List[str]]] = {}  # name -> (return, param types)
        enums = json.loads((spec / "enums.json").read_text())
        for group in enums.values():
            if group.get("kind") == "enum":
                self.types.add(group["c_type"])
                if group["c_type"] == "HPyType_BuiltinShape":
                    self.shapes = {v["name"] for v in group["values"]}
                for v in group["values"]:
                    self.values[v["name"]] = v["value"]
                    if "impl_typedef" in v:
                        self.types.add(v["impl_typedef"])
            elif group.get("kind") == "define":
                for v in group["values"]:
                    if isinstance(v.get("value"), int) and not v["name"].startswith("HPY_SSIZE"):
                        self.values[v["name"]] = v["value"]
        structs = (spec / "structs.md").read_text()
        self.types.update(re.findall(r"^###\s+`(\w+)`", structs, re.M))
        self.types.update(re.findall(r"^\|\s*`(\w+)`\s*\|\s*`[^`]*`.*\|\s*(?:same|different|`)", structs, re.M))
        self.types.update(re.findall(r"^\|\s*`HPyFunc_\w+`\s*\|\s*\d+\s*\|\s*`(\w+)`", structs, re.M))
        for member in json.loads((spec / "context.json").read_text()):
            name = member["name"]["api"]
            if member["kind"] != "function" or name.startswith("_"):
                continue
            ret = member.get("api_return_type") or member["return_type"]
            self.functions[name] = (ret, ["HPyContext *"] + [p["type"] for p in member["parameters"]])
        helpers = (spec / "inline-helpers.md").read_text()
        for ret, name, params in re.findall(r"^\|\s*`([^`]+)`\s*\|\s*`(\w+)`\s*\|\s*`([^`]+)`\s*\|", helpers, re.M):
            self.functions[name] = (ret, [_param_type(p) for p in params.split(",")])

    def names(self, abi: str) -> List[str]:
        return (self.spec / "public-names" / f"{abi}.txt").read_text().split()


def _param_type(param: str) -> str:
    """The type of a C parameter declaration ('HPy h' -> 'HPy')."""
    param = re.sub(r"_HPy_UNUSED_ARG\((\w+)\)", r"\1", param.strip())
    if param == "...":
        return param
    return re.sub(r"\s*\b\w+$", "", param).strip()


# ---- how to use each name ------------------------------------------------

# Definition macros and storage classes, used at file scope (after hpy.h).
AT_FILE_SCOPE: Dict[str, str] = {
    "HPY_MOD_EMBEDDABLE": "HPY_MOD_EMBEDDABLE(names_tu)",
    "HPyAPI_FUNC": "HPyAPI_FUNC int f_api_func(void) { return 1; }",
    "HPyAPI_INLINE_HELPER": "HPyAPI_INLINE_HELPER int f_inline_helper(void) { return 1; }",
    "HPyAPI_UNUSED": "HPyAPI_UNUSED int f_unused(void) { return 1; }",
    "HPyAPI_HELPER": "HPyAPI_HELPER int f_helper(void); HPyAPI_HELPER int f_helper(void) { return 1; }",
    "HPyAPI_IMPL": "HPyAPI_IMPL int f_impl(void); HPyAPI_IMPL int f_impl(void) { return 1; }",
    "HPy_EXPORTED_SYMBOL": "HPy_EXPORTED_SYMBOL int names_exported_symbol;",
    "HPy_EXPORTED_FUNC": "HPy_EXPORTED_FUNC int f_exported(void); HPy_EXPORTED_FUNC int f_exported(void) { return 1; }",
    "HPyType_HELPERS": "typedef struct { long a; } AObject;\nHPyType_HELPERS(AObject)\n"
                       "typedef struct { long b; } BObject;\nHPyType_HELPERS(BObject, HPyType_BuiltinShape_Tuple)",
    "HPyType_LEGACY_HELPERS": "typedef struct { long c; } CObject;\nHPyType_LEGACY_HELPERS(CObject)",
    "HPyFunc_DECLARE": "HPyFunc_DECLARE(fd_impl, HPyFunc_NOARGS);\n"
                       "static HPy fd_impl(HPyContext *ctx, HPy self) { (void)self; return HPy_Dup(ctx, ctx->h_None); }",
    "HPyFunc_TRAMPOLINE": "HPyFunc_TRAMPOLINE(fd_trampoline, fd_impl, HPyFunc_NOARGS);\n"
                          "cpy_PyCFunction keep_fd = (cpy_PyCFunction)(void (*)(void))fd_trampoline;",
    "HPyCapsule_DESTRUCTOR_TRAMPOLINE": "static void cd_impl(const char *n, void *p, void *c) { (void)n; (void)p; (void)c; }\n"
                                        "HPyCapsule_DESTRUCTOR_TRAMPOLINE(cd_trampoline, cd_impl);\n"
                                        "HPyCapsule_Destructor keep_cd = { cd_trampoline, cd_impl };",
    "HPyCapsule_DESTRUCTOR": "HPyCapsule_DESTRUCTOR(cdm)\nstatic void cdm_impl(const char *n, void *p, void *c) { (void)n; (void)p; (void)c; }",
    "HPyDef_METH": "HPyDef_METH(m1, \"m1\", HPyFunc_NOARGS)\nstatic HPy m1_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, self); }",
    "HPyDef_METH_IMPL": "HPyDef_METH_IMPL(m2, \"m2\", m1_impl, HPyFunc_NOARGS, .doc = \"m2()\")",
    "HPyDef_SLOT": "HPyDef_SLOT(s1, HPy_nb_add)\nstatic HPy s1_impl(HPyContext *ctx, HPy a, HPy b) { (void)b; return HPy_Dup(ctx, a); }",
    "HPyDef_SLOT_IMPL": "HPyDef_SLOT_IMPL(s2, s1_impl, HPy_nb_subtract)",
    "HPyDef_MEMBER": "HPyDef_MEMBER(mem, \"mem\", HPyMember_LONG, offsetof(AObject, a), .readonly = 1)",
    "HPyDef_GET": "HPyDef_GET(g1, \"g1\")\nstatic HPy g1_get(HPyContext *ctx, HPy self, void *c) { (void)c; return HPy_Dup(ctx, self); }",
    "HPyDef_GET_IMPL": "HPyDef_GET_IMPL(g2, \"g2\", g1_get, .doc = \"g2\")",
    "HPyDef_SET": "HPyDef_SET(st1, \"st1\")\nstatic int st1_set(HPyContext *ctx, HPy self, HPy v, void *c) "
                  "{ (void)ctx; (void)self; (void)v; (void)c; return 0; }",
    "HPyDef_SET_IMPL": "HPyDef_SET_IMPL(st2, \"st2\", st1_set)",
    "HPyDef_GETSET": "HPyDef_GETSET(gs1, \"gs1\", .closure = (void *)1)\n"
                     "static HPy gs1_get(HPyContext *ctx, HPy self, void *c) { (void)c; return HPy_Dup(ctx, self); }\n"
                     "static int gs1_set(HPyContext *ctx, HPy self, HPy v, void *c) "
                     "{ (void)ctx; (void)self; (void)v; (void)c; return 0; }",
    "HPyDef_GETSET_IMPL": "HPyDef_GETSET_IMPL(gs2, \"gs2\", g1_get, st1_set)",
    "HPyDef_CALL_FUNCTION": "HPyDef_CALL_FUNCTION(cf)\nstatic HPy cf_impl(HPyContext *ctx, HPy self, const HPy *args, "
                            "size_t nargs, HPy kwnames) { (void)args; (void)nargs; (void)kwnames; return HPy_Dup(ctx, self); }",
    "HPy_VISIT": "typedef struct { HPyField f; } VObject;\n"
                 "static int v_traverse(void *self, HPyFunc_visitproc visit, void *arg)\n"
                 "{ HPy_VISIT(&((VObject *)self)->f); return 0; }\n"
                 "HPyFunc_traverseproc keep_v = v_traverse;",
    "HPy_RETURN_RICHCOMPARE": "HPy f_richcmp(HPyContext *ctx, long a, long b, HPy_RichCmpOp op);\n"
                              "HPy f_richcmp(HPyContext *ctx, long a, long b, HPy_RichCmpOp op)\n"
                              "{ HPy_RETURN_RICHCOMPARE(ctx, a, b, op); }",
    "HPy_MODINIT": "static HPyDef *tu_defines[] = { &m1, &m2, NULL };\n"
                   "static HPyModuleDef tu_def = { \"doc\", 0, NULL, tu_defines, NULL };\n"
                   "HPy_MODINIT(names_tu, tu_def)",
}

# Expressions and statements, inside `void use_all(HPyContext *ctx, HPy h)`.
IN_BODY: Dict[str, str] = {
    "HPY_ABI": "{ static const char abi[] = HPY_ABI; (void)abi; }",
    "HPY_ABI_TAG": "{ static const char tag[] = HPY_ABI_TAG; (void)tag; }",
    "HPY_SSIZE_T_MAX": "CHECK(HPY_SSIZE_T_MAX == INTPTR_MAX && sizeof(HPY_SSIZE_T_MAX) == sizeof(HPy_ssize_t));",
    "HPY_SSIZE_T_MIN": "CHECK(HPY_SSIZE_T_MIN == INTPTR_MIN);",
    "HPy_NULL": "{ HPy n = HPy_NULL; (void)n; }",
    "HPyField_NULL": "{ HPyField f = HPyField_NULL; (void)f; }",
    "HPy_IsNull": "(void)HPy_IsNull(h);",
    "HPyField_IsNull": "{ HPyField f = HPyField_NULL; (void)HPyField_IsNull(f); }",
    "HPy_New": "{ AObject *a; HPy o = HPy_New(ctx, h, &a); HPy_Close(ctx, o); }",
    "HPyLong_FromPid": "HPy_Close(ctx, HPyLong_FromPid(ctx, 1));",
    "HPyLong_AsPid": "(void)HPyLong_AsPid(ctx, h);",
    "HPySlot_SIG": "CHECK(HPySlot_SIG(HPy_nb_add) == HPyFunc_BINARYFUNC && HPySlot_SIG(HPy_tp_new) == HPyFunc_NEWFUNC);",
    "HPy_BEGIN_LEAVE_PYTHON": "HPy_BEGIN_LEAVE_PYTHON(ctx)\n    (void)0;\n    HPy_END_LEAVE_PYTHON(ctx)",
    "HPy_END_LEAVE_PYTHON": "",  # with HPy_BEGIN_LEAVE_PYTHON
    "HPyModule_Create": "{ HPy (*f)(HPyContext *, HPyModuleDef *) = &HPyModule_Create; (void)f; }",
    # Helpers of hpy/runtime (helpers.h): no signature in the spec.
    "HPyArg_Parse": "(void)&HPyArg_Parse;",
    "HPyArg_ParseKeywords": "(void)&HPyArg_ParseKeywords;",
    "HPyArg_ParseKeywordsDict": "(void)&HPyArg_ParseKeywordsDict;",
    "HPy_BuildValue": "(void)&HPy_BuildValue;",
    "HPyErr_Format": "(void)&HPyErr_Format;",
    "HPyUnicode_FromFormat": "(void)&HPyUnicode_FromFormat;",
    "HPyUnicode_FromFormatV": "(void)&HPyUnicode_FromFormatV;",
    "HPyHelpers_AddType": "(void)&HPyHelpers_AddType;",
    "HPyHelpers_PackArgsAndKeywords": "(void)&HPyHelpers_PackArgsAndKeywords;",
    "HPyStructSequence_New": "(void)&HPyStructSequence_New;",
    "HPyStructSequence_NewType": "(void)&HPyStructSequence_NewType;",
    "HPyCapsule_GetPointer": "(void)&HPyCapsule_GetPointer;",
    "HPyCapsule_GetName": "(void)&HPyCapsule_GetName;",
    "HPyCapsule_GetContext": "(void)&HPyCapsule_GetContext;",
    "HPyCapsule_SetPointer": "(void)&HPyCapsule_SetPointer;",
    "HPyCapsule_SetName": "(void)&HPyCapsule_SetName;",
    "HPyCapsule_SetContext": "(void)&HPyCapsule_SetContext;",
    "HPyCapsule_SetDestructor": "(void)&HPyCapsule_SetDestructor;",
    "HPyErr_SetFromErrnoWithFilename": "(void)&HPyErr_SetFromErrnoWithFilename;",
    "HPy_AsVoidP": "{ void *(*f)(HPy) = &HPy_AsVoidP; (void)f; }",
    "HPy_FromVoidP": "{ HPy (*f)(void *) = &HPy_FromVoidP; (void)f; }",
    "HPyFunc_visitproc": "(void)sizeof(HPyFunc_visitproc);",
    "HPyFunc_Capsule_Destructor": "(void)sizeof(HPyFunc_Capsule_Destructor);",
}

# Defined by the build, not by the headers: checked with #ifdef.
ABI_MACROS = {"HPY_ABI_CPYTHON", "HPY_ABI_UNIVERSAL", "HPY_ABI_HYBRID"}


# The legacy bridge is a compile-time error in a universal build (a macro
# whose expansion names the problem), by design: there the name only exists.
LEGACY_ONLY = {"HPy_AsPyObject", "HPy_FromPyObject"}


def usage(name: str, facts: Facts, abi: str = "") -> Tuple[str, str]:
    """(where, C code) using `name`: where is 'file', 'body' or 'pp'."""
    if name in LEGACY_ONLY and abi == "universal":
        return "pp", f"#ifndef {name}\n#error {name} is not defined\n#endif"
    if name in AT_FILE_SCOPE:
        return "file", AT_FILE_SCOPE[name]
    if name in IN_BODY:
        return "body", IN_BODY[name]
    if name in ABI_MACROS:
        return "pp", f"#ifndef {name}\n#error {name} is not defined\n#endif"
    if name in facts.values:
        return "body", f"CHECK({name} == {facts.values[name]});"
    if name in facts.types:
        return "body", f"(void)sizeof({name});"
    if name.endswith("_AsStruct") and name[:-len("_AsStruct")] in facts.shapes:
        # what HPyType_HELPERS(TYPE, SHAPE) pastes together: the AsStruct of SHAPE
        return "body", f"{{ void *(*f)(HPyContext *, HPy) = &{name}; (void)f; }}"
    if name in facts.functions:
        ret, params = facts.functions[name]
        return "body", f"{{ {ret} (*f)({', '.join(params)}) = &{name}; (void)f; }}"
    raise LookupError(name)


def translation_unit(abi: str, facts: Facts) -> str:
    names = facts.names(abi)
    unknown = []
    parts: Dict[str, List[str]] = {"pp": [], "file": [], "body": []}
    for name in names:
        try:
            where, code = usage(name, facts, abi)
        except LookupError:
            unknown.append(name)
            continue
        parts[where].append(f"/* {name} */\n{code}")
    assert not unknown, f"the spec lists names this test does not know how to use: {unknown}"
    # the file-scope table is in dependency order
    order = list(AT_FILE_SCOPE)
    parts["file"].sort(key=lambda block: order.index(block.split(" */")[0][3:]))
    body = "\n".join("    " + line for block in parts["body"] for line in block.splitlines())
    return "\n".join([
        '#include "hpy.h"',
        *parts["pp"],
        "/* A compile-time assertion usable in C99 and C++. */",
        "#define CHECK(cond) do { typedef char check_[(cond) ? 1 : -1]; (void)sizeof(check_); } while (0)",
        *parts["file"],
        "void use_all(HPyContext *ctx, HPy h);",
        "void use_all(HPyContext *ctx, HPy h)",
        "{",
        body,
        "}",
        "",
    ])


COMPILERS = [("gcc", ["-x", "c", "-std=c99"]), ("g++", ["-x", "c++", "-std=c++11"])]


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize("compiler,lang", COMPILERS, ids=["c99", "c++11"])
@pytest.mark.parametrize("variant", ["-O0", "-O2", "embedded"])
def test_every_public_name_compiles(abi, compiler, lang, variant, tmp_path: Path):
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} not found")
    facts = Facts(_spec_dir())
    src = tmp_path / "names_tu.c"
    src.write_text(translation_unit(abi, facts))
    opt = ["-O0", "-DHPY_EMBEDDED_MODULES"] if variant == "embedded" else [variant]
    cmd = [compiler, *lang, "-Wall", "-Wextra", "-Werror", *opt, *include_flags(abi),
           "-c", str(src), "-o", str(tmp_path / "names_tu.o")]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout


def test_unknown_name_is_reported():
    facts = Facts(_spec_dir())
    with pytest.raises(LookupError):
        usage("HPy_SomethingNew", facts)


def test_legacy_bridge_is_a_compile_error_in_universal(tmp_path: Path):
    src = tmp_path / "legacy.c"
    src.write_text('#include "hpy.h"\n'
                   "cpy_PyObject *f(HPyContext *ctx, HPy h);\n"
                   "cpy_PyObject *f(HPyContext *ctx, HPy h) { return HPy_AsPyObject(ctx, h); }\n")
    proc = subprocess.run(["gcc", "-x", "c", "-std=c99", *include_flags("universal"), "-c", str(src),
                           "-o", str(tmp_path / "x.o")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode != 0
    assert "HPy_AsPyObject_is_only_available_in_the_hybrid_and_cpython_ABIs" in proc.stdout


def test_missing_name_fails_to_compile(tmp_path: Path):
    """The translation unit really depends on the names: one misspelt fails."""
    facts = Facts(_spec_dir())
    tu = translation_unit("universal", facts).replace("= &HPy_Dup;", "= &HPy_Dupp;")
    src = tmp_path / "names_tu.c"
    src.write_text(tu)
    proc = subprocess.run(["gcc", "-x", "c", "-std=c99", "-Wall", "-Werror", *include_flags("universal"),
                           "-c", str(src), "-o", str(tmp_path / "x.o")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode != 0 and "HPy_Dupp" in proc.stdout


# ---- the new names at run time, in every ABI -----------------------------

RUNTIME = r"""
HPY_MOD_EMBEDDABLE(mytest)

/* HPy_BEGIN/END_LEAVE_PYTHON around a computation; in the ABIs that see
   Python.h, also whether the thread really let go of the GIL meanwhile. */
HPyDef_METH(leave, "leave", HPyFunc_O)
static HPy leave_impl(HPyContext *ctx, HPy self, HPy arg)
{
    long n = HPyLong_AsLong(ctx, arg), i, sum = 0;
    int released = -1;
    if (n == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    HPy_BEGIN_LEAVE_PYTHON(ctx)
    for (i = 1; i <= n; i++)
        sum += i;
#if defined(HPY_ABI_CPYTHON) || defined(HPY_ABI_HYBRID)
    released = !PyGILState_Check();
#endif
    HPy_END_LEAVE_PYTHON(ctx)
    return HPy_BuildValue(ctx, "li", sum, released);
}

HPyDef_METH(richcmp, "richcmp", HPyFunc_VARARGS)
static HPy richcmp_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long a = HPyLong_AsLong(ctx, args[0]), b = HPyLong_AsLong(ctx, args[1]);
    int op = (int)HPyLong_AsLong(ctx, args[2]);
    HPy_RETURN_RICHCOMPARE(ctx, a, b, op);
}

HPyDef_METH(pid, "pid", HPyFunc_O)
static HPy pid_impl(HPyContext *ctx, HPy self, HPy arg)
{
    long pid = HPyLong_AsPid(ctx, arg);
    if (pid == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromPid(ctx, pid);
}

/* (is the round trip the same object, is NULL <-> HPy_NULL, the object) */
HPyDef_METH(voidp, "voidp", HPyFunc_O)
static HPy voidp_impl(HPyContext *ctx, HPy self, HPy arg)
{
    void *p = HPy_AsVoidP(arg);
    HPy back = HPy_FromVoidP(p);
    int nulls = HPy_AsVoidP(HPy_NULL) == NULL && HPy_IsNull(HPy_FromVoidP(NULL));
    return HPy_BuildValue(ctx, "iiO", p != NULL && HPy_Is(ctx, back, arg), nulls, back);
}

static HPy none_to_null(HPyContext *ctx, HPy h) { return HPy_Is(ctx, h, ctx->h_None) ? HPy_NULL : h; }

HPyDef_METH(cmtd, "cmtd", HPyFunc_VARARGS)
static HPy cmtd_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    return HPy_CallMethodTupleDict(ctx, args[0], args[1], none_to_null(ctx, args[2]),
                                   none_to_null(ctx, args[3]));
}

HPyDef_METH(cmtd_s, "cmtd_s", HPyFunc_VARARGS)
static HPy cmtd_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
    if (name == NULL)
        return HPy_NULL;
    return HPy_CallMethodTupleDict_s(ctx, name, args[1], none_to_null(ctx, args[2]),
                                     none_to_null(ctx, args[3]));
}

/* A method defined by hand with HPyFunc_DECLARE / HPyFunc_TRAMPOLINE, and a
   slot signature named by HPySlot_SIG. */
HPyFunc_DECLARE(manual_impl, HPySlot_SIG(HPy_nb_add));
HPyFunc_TRAMPOLINE(manual_trampoline, manual_impl, HPyFunc_BINARYFUNC);
static HPy manual_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPy_Add(ctx, arg, arg);
}
HPyDef manual = {
    HPyDef_Kind_Meth,
    { .meth = { .name = "manual", .impl = (HPyCFunction)(void (*)(void))manual_impl,
                .cpy_trampoline = (cpy_PyCFunction)(void (*)(void))manual_trampoline,
                .signature = HPyFunc_O } }
};

/* A capsule destructor defined by hand with HPyCapsule_DESTRUCTOR_TRAMPOLINE. */
static long destroyed;
static void dtor_impl(const char *name, void *pointer, void *context)
{
    if (strcmp(name, "mytest.cap") == 0 && pointer == &destroyed && context == NULL)
        destroyed++;
}
HPyCapsule_DESTRUCTOR_TRAMPOLINE(dtor_trampoline, dtor_impl)
static HPyCapsule_Destructor dtor = { dtor_trampoline, dtor_impl };

HPyDef_METH(capsule, "capsule", HPyFunc_NOARGS)
static HPy capsule_impl(HPyContext *ctx, HPy self)
{
    return HPyCapsule_New(ctx, &destroyed, "mytest.cap", &dtor);
}

HPyDef_METH(destroyed_count, "destroyed_count", HPyFunc_NOARGS)
static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, destroyed);
}

/* A type using the *_IMPL definition macros and HPy_RETURN_RICHCOMPARE in
   its tp_richcompare. */
typedef struct { long value; long extra; } NumObject;
HPyType_HELPERS(NumObject)

HPyDef_SLOT_IMPL(Num_new, num_new, HPy_tp_new)
static HPy num_new(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    NumObject *n;
    HPy h = HPy_New(ctx, cls, &n);
    if (!HPy_IsNull(h) && nargs > 0)
        n->value = HPyLong_AsLong(ctx, args[0]);
    return h;
}

HPyDef_SLOT_IMPL(Num_richcompare, num_richcompare, HPy_tp_richcompare)
static HPy num_richcompare(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op)
{
    HPy t = HPy_Type(ctx, self);
    int same = HPy_TypeCheck(ctx, other, t);
    HPy_Close(ctx, t);
    if (!same)
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    HPy_RETURN_RICHCOMPARE(ctx, NumObject_AsStruct(ctx, self)->value,
                           NumObject_AsStruct(ctx, other)->value, op);
}

static HPy num_get(HPyContext *ctx, HPy self, void *closure)
{
    return HPyLong_FromLong(ctx, NumObject_AsStruct(ctx, self)->value + (long)(intptr_t)closure);
}
static int num_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    long v = HPyLong_AsLong(ctx, value);
    if (v == -1 && HPyErr_Occurred(ctx))
        return -1;
    NumObject_AsStruct(ctx, self)->value = v - (long)(intptr_t)closure;
    return 0;
}
static int extra_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    NumObject_AsStruct(ctx, self)->extra = HPyLong_AsLong(ctx, value);
    return HPyErr_Occurred(ctx) ? -1 : 0;
}
HPyDef_GET_IMPL(Num_value, "value", num_get)
HPyDef_GET_IMPL(Num_plus10, "plus10", num_get, .doc = "value + 10", .closure = (void *)10)
HPyDef_SET_IMPL(Num_extra, "extra", extra_set, .doc = "write-only")
HPyDef_GETSET_IMPL(Num_rw, "rw", num_get, num_set, .closure = (void *)100)
HPyDef_METH_IMPL(Num_get_extra, "get_extra", num_get_extra, HPyFunc_NOARGS, .doc = "extra")
static HPy num_get_extra(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, NumObject_AsStruct(ctx, self)->extra);
}
static HPyDef *Num_defines[] = { &Num_new, &Num_richcompare, &Num_value, &Num_plus10, &Num_extra,
                                 &Num_rw, &Num_get_extra, NULL };
static HPyType_Spec Num_spec = { .name = "mytest.Num", .basicsize = sizeof(NumObject),
                                 .flags = HPy_TPFLAGS_DEFAULT, .defines = Num_defines };

/* One type per builtin shape, each with a C struct reached through the
   AsStruct function that HPyType_HELPERS picks for the shape. */
#define SHAPED(NAME, KIND)                                                      \
    typedef struct { long tag; } NAME##Object;                                   \
    HPyType_HELPERS(NAME##Object, HPyType_BuiltinShape_##KIND)                  \
    HPyDef_METH(NAME##_tag, "tag", HPyFunc_O)                                    \
    static HPy NAME##_tag_impl(HPyContext *ctx, HPy self, HPy arg)               \
    {                                                                            \
        NAME##Object *o = NAME##Object_AsStruct(ctx, self);                      \
        long old = o->tag;                                                       \
        if (HPyType_BuiltinShape_##KIND##_AsStruct(ctx, self) != (void *)o)     \
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "AsStruct");     \
        o->tag = HPyLong_AsLong(ctx, arg);                                       \
        return HPyLong_FromLong(ctx, old);                                       \
    }                                                                            \
    static HPyDef *NAME##_defines[] = { &NAME##_tag, NULL };                     \
    static HPyType_Spec NAME##_spec = { .name = "mytest." #NAME,                 \
        .basicsize = sizeof(NAME##Object), .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, \
        .builtin_shape = SHAPE(NAME##Object), .defines = NAME##_defines };

SHAPED(O, Object)
SHAPED(Ty, Type)
SHAPED(L, Long)
SHAPED(F, Float)
SHAPED(U, Unicode)
SHAPED(T, Tuple)
SHAPED(Li, List)
SHAPED(D, Dict)

#if defined(HPY_ABI_CPYTHON) || defined(HPY_ABI_HYBRID)
typedef struct { PyObject_HEAD long tag; } LegObject;
HPyType_LEGACY_HELPERS(LegObject)
HPyDef_METH(Leg_tag, "tag", HPyFunc_O)
static HPy Leg_tag_impl(HPyContext *ctx, HPy self, HPy arg)
{
    LegObject *o = LegObject_AsStruct(ctx, self);
    long old = o->tag;
    if (HPyType_BuiltinShape_Legacy_AsStruct(ctx, self) != (void *)o)
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "AsStruct");
    o->tag = HPyLong_AsLong(ctx, arg);
    return HPyLong_FromLong(ctx, old);
}
static HPyDef *Leg_defines[] = { &Leg_tag, NULL };
static HPyType_Spec Leg_spec = { .name = "mytest.Leg", .basicsize = sizeof(LegObject),
    .flags = HPy_TPFLAGS_DEFAULT, .builtin_shape = SHAPE(LegObject), .defines = Leg_defines };
#endif

HPyDef_METH(shaped_types, "shaped_types", HPyFunc_NOARGS)
static HPy shaped_types_impl(HPyContext *ctx, HPy self)
{
    HPyType_Spec *specs[] = { &O_spec, &Ty_spec, &L_spec, &F_spec, &U_spec, &T_spec, &Li_spec, &D_spec,
#if defined(HPY_ABI_CPYTHON) || defined(HPY_ABI_HYBRID)
                              &Leg_spec,
#endif
                              NULL };
    HPy result = HPyList_New(ctx, 0);
    size_t i;
    if (HPy_IsNull(result))
        return HPy_NULL;
    for (i = 0; specs[i] != NULL; i++) {
        HPy t = HPyType_FromSpec(ctx, specs[i], NULL);
        if (HPy_IsNull(t) || HPyList_Append(ctx, result, t) < 0) {
            HPy_Close(ctx, t);
            HPy_Close(ctx, result);
            return HPy_NULL;
        }
        HPy_Close(ctx, t);
    }
    return result;
}

/* Exported and hidden symbols of the binary. */
HPy_EXPORTED_FUNC int hpy_names_exported_func(void) { return 42; }
HPy_EXPORTED_SYMBOL int hpy_names_exported_symbol = 43;
HPyAPI_IMPL int hpy_names_impl(void);
HPyAPI_IMPL int hpy_names_impl(void) { return 44; }
HPyAPI_HELPER int hpy_names_helper(void);
HPyAPI_HELPER int hpy_names_helper(void) { return hpy_names_impl(); }
HPyAPI_UNUSED int unused_inline(void) { return 45; }
HPyAPI_INLINE_HELPER int unused_inline_helper(void) { return 46; }

#ifdef HPY_ABI_CPYTHON
HPyDef_METH(sub_hello, "hello", HPyFunc_NOARGS)
static HPy sub_hello_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromString(ctx, "hello");
}
HPyDef_SLOT(sub_exec, HPy_mod_exec)
static int sub_exec_impl(HPyContext *ctx, HPy m)
{
    return HPy_SetAttr_s(ctx, m, "executed", ctx->h_True);
}
static HPyDef *sub_defines[] = { &sub_hello, &sub_exec, NULL };
static HPyModuleDef sub_def = { .doc = "a sub-module", .defines = sub_defines };
HPyDef_SLOT(sub_create, HPy_mod_create)
static HPy sub_create_impl(HPyContext *ctx, HPy spec)
{
    return HPy_Dup(ctx, spec);
}
static HPyDef *sub_create_defines[] = { &sub_create, NULL };
static HPyModuleDef sub_create_def = { .defines = sub_create_defines };
#endif

HPyDef_METH(module_create, "module_create", HPyFunc_O)
static HPy module_create_impl(HPyContext *ctx, HPy self, HPy with_create)
{
#ifdef HPY_ABI_CPYTHON
    return HPyModule_Create(ctx, HPy_IsTrue(ctx, with_create) ? &sub_create_def : &sub_def);
#else
    return HPy_Dup(ctx, ctx->h_None);
#endif
}

@EXPORT(leave)
@EXPORT(richcmp)
@EXPORT(pid)
@EXPORT(voidp)
@EXPORT(cmtd)
@EXPORT(cmtd_s)
@EXPORT(manual)
@EXPORT(capsule)
@EXPORT(destroyed_count)
@EXPORT(shaped_types)
@EXPORT(module_create)
@EXPORT_TYPE("Num", Num_spec)
@INIT
"""

OPS = [(0, "<"), (1, "<="), (2, "=="), (3, "!="), (4, ">"), (5, ">=")]


@pytest.fixture
def mod(hpy):
    m = hpy.make_module(RUNTIME)
    m.abi = hpy.abi
    m.path = hpy.workdir / f"mytest{ext_suffix(hpy.abi)}"
    return m


def test_leave_python(mod):
    total, released = mod.leave(1000)
    assert total == 500500
    assert released == (1 if build_abi(mod.abi) in ("cpython", "hybrid") else -1)
    # Python runs normally afterwards
    assert mod.leave(0) == (0, released)


def test_return_richcompare(mod):
    import operator

    funcs = [operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge]
    for (op, _), func in zip(OPS, funcs, strict=True):
        for a, b in [(1, 2), (2, 2), (3, 2), (-5, 7)]:
            assert mod.richcmp(a, b, op) is func(a, b)
    n1, n2, n1b = mod.Num(1), mod.Num(2), mod.Num(1)
    assert n1 < n2 and n1 <= n2 and n1 <= n1b and n1 == n1b and n1 != n2 and n2 > n1 and n2 >= n1
    assert not (n1 == n2) and not (n1 > n2)
    assert (n1 == "x") is False  # NotImplemented from the slot


def test_return_richcompare_bad_op_aborts(hpy, tmp_path: Path):
    """An op outside HPy_RichCmpOp is a fatal error with upstream's message."""
    path = hpy.compile("mytest", _expand(RUNTIME))
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from support import Builder\n"
        f"m = Builder({hpy.abi!r}, Path({str(tmp_path)!r}), {{}}).load('mytest', Path({str(path)!r}))\n"
        "m.richcmp(1, 2, 6)\n"
        "print('survived')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "survived" not in proc.stdout
    assert "Invalid value for HPy_RichCmpOp" in proc.stderr


def _expand(body: str) -> str:
    from support import expand_markers

    return expand_markers(body, "mytest")


def test_pid_round_trip(mod):
    pid = os.getpid()
    assert mod.pid(pid) == pid
    assert mod.pid(0) == 0 and mod.pid(-1) == -1
    with pytest.raises(OverflowError):
        mod.pid(2 ** 70)


def test_voidp_round_trip(mod):
    o = object()
    same, nulls, back = mod.voidp(o)
    assert same == 1 and nulls == 1 and back is o


def test_call_method_tuple_dict_order(mod):
    """(name, receiver): the method `name` of `receiver` is called."""
    class Recv:
        def meth(self, *args, **kw):
            return self, args, kw

    r = Recv()
    assert mod.cmtd("meth", r, (1,), {"a": 2}) == (r, (1,), {"a": 2})
    assert mod.cmtd("meth", r, None, None) == (r, (), {})
    assert mod.cmtd_s("meth", r, (1, 2), None) == (r, (1, 2), {})
    assert mod.cmtd_s("split", "a-b", ("-",), None) == ["a", "b"]
    assert mod.cmtd("upper", "abc", None, None) == "ABC"
    with pytest.raises(AttributeError, match="meth"):
        mod.cmtd("meth", "not a Recv", None, None)
    with pytest.raises(AttributeError, match="missing"):
        mod.cmtd_s("missing", r, None, None)


def test_impl_definition_macros(mod):
    n = mod.Num(5)
    assert n.value == 5 and n.plus10 == 15 and n.rw == 105
    n.rw = 107
    assert n.value == 7
    n.extra = 3
    assert n.get_extra() == 3
    assert type(n).plus10.__doc__ == "value + 10" and type(n).extra.__doc__ == "write-only"
    assert type(n).get_extra.__doc__ == "extra"
    with pytest.raises(AttributeError):
        n.value = 1
    with pytest.raises(AttributeError):
        n.extra  # noqa: B018  (write-only)


def test_manual_definitions(mod):
    assert mod.manual(21) == 42 and mod.manual("ab") == "abab"
    import gc

    before = mod.destroyed_count()
    c = mod.capsule()
    del c
    gc.collect()
    assert mod.destroyed_count() == before + 1


def test_type_helpers_as_struct(mod):
    types = {t.__name__: t for t in mod.shaped_types()}
    meta = types["Ty"]
    instances = {
        "O": types["O"](),
        "Ty": meta("X", (), {}),
        "L": types["L"](5),
        "F": types["F"](1.5),
        "U": types["U"]("ab"),
        "T": types["T"]((1, 2)),
        "Li": types["Li"]([1]),
        "D": types["D"](a=1),
    }
    if "Leg" in types:
        instances["Leg"] = types["Leg"]()
    assert ("Leg" in types) == (build_abi(mod.abi) in ("cpython", "hybrid"))
    for i, (name, obj) in enumerate(instances.items()):
        assert obj.tag(i + 100) == 0, name
        assert obj.tag(-1) == i + 100, name
    assert instances["L"] == 5 and instances["U"] == "ab" and instances["D"] == {"a": 1}


def test_exported_and_hidden_symbols(mod):
    lib = ctypes.CDLL(str(mod.path))
    assert lib.hpy_names_exported_func() == 42
    assert ctypes.c_int.in_dll(lib, "hpy_names_exported_symbol").value == 43
    assert not hasattr(lib, "hpy_names_impl")
    assert not hasattr(lib, "hpy_names_helper")


def test_module_create(mod):
    if build_abi(mod.abi) != "cpython":
        assert mod.module_create(False) is None  # only the cpython ABI has it
        return
    m = mod.module_create(False)
    assert type(m) is type(sys) and m.__name__ == "<HPy module>"
    assert m.hello() == "hello" and m.executed is True and m.__doc__ == "a sub-module"
    with pytest.raises(SystemError, match="HPy_mod_create"):
        mod.module_create(True)
