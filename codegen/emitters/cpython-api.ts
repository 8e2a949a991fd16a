/**
 * Emits the cpython ABI's API: hpy/cpython/autogen_ctx.h (the context struct
 * built into each extension, holding the handle constants) and
 * hpy/cpython/autogen_api.h (every function as an inline C-API call, or a
 * forward to the runtime's `ctx_*` implementation; members marked `inline`
 * are written by hand in hpy/cpython/api_inline.h).
 */
import { ctxName, functionMembers, handleMembers } from "../../api/index.ts";
import { cArgs, cFunctionHead, cParams, docComment, wrapperReturnType } from "../c.ts";
import { directCallBody } from "../cpython-call.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE } from "../paths.ts";

export function emitCPythonContext(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/cpython/autogen_ctx.h`, "c", "The cpython-ABI context: the handle constants.");
  includeGuard(f, () => {
    f.line("struct _HPyContext_s {");
    f.line("    const char *name;");
    f.line("    int abi_version;");
    for (const h of handleMembers) {
      f.lines_(docComment(h.doc, "    "));
      f.line(`    HPy ${h.name};`);
    }
    f.line("};");
    f.blank();
    f.line("/* Fills the handle constants; called once when the extension is initialised. */");
    f.line("static inline void _HPy_InitCPythonContextHandles(struct _HPyContext_s *ctx)");
    f.line("{");
    for (const h of handleMembers) f.line(`    ctx->${h.name} = _py2h(${asObject(h.cpythonObject)});`);
    f.line("}");
  });
  return f;
}

/** C expression of type PyObject* for a handle constant's CPython object. */
export function asObject(cpythonObject: string): string {
  // Py_None & co. and PyExc_* already are PyObject*; PyEval_GetBuiltins() is a call.
  if (/^(Py_|PyExc_)/.test(cpythonObject) || cpythonObject.endsWith("()")) return cpythonObject;
  return `(PyObject *)&${cpythonObject}`;
}

export function emitCPythonApi(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/cpython/autogen_api.h`, "c", "The public API of the cpython ABI.");
  includeGuard(f, () => {
    for (const m of functionMembers) {
      if (m.manualWrapper || m.cpython.kind === "inline") continue;
      f.lines_(docComment(m.doc));
      f.line(`HPyAPI_FUNC ${cFunctionHead(wrapperReturnType(m), m.name, cParams(m.params))}`);
      f.line("{");
      if (m.cpython.kind === "direct") {
        f.lines_(directCallBody(m, m.wrapperReturns === "HPy"));
      } else {
        const call = `${ctxName(m)}(${cArgs(m.params)})`;
        if (m.wrapperReturns === "HPy") f.line(`    ${call};`).line("    return HPy_NULL;");
        else if (m.returns === "void") f.line(`    ${call};`);
        else f.line(`    return ${call};`);
      }
      f.line("}");
      f.blank();
    }
  });
  return f;
}
