/**
 * Emits the universal-ABI context: hpy/universal/autogen_ctx.h (the layout of
 * struct _HPyContext_s, member `id` at offset 24 + 8*id on LP64) and
 * hpy/universal/autogen_wrappers.h (the public API as inline functions that
 * call through the context).
 */
import { contextMembers, ctxName, functionMembers } from "../../api/index.ts";
import type { FunctionMember } from "../../api/index.ts";
import { cArgs, cDecl, cFunctionHead, cParams, docComment, wrapperReturnType } from "../c.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE } from "../paths.ts";

export function emitUniversalContext(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/universal/autogen_ctx.h`, "c", "Layout of the universal-ABI context.");
  includeGuard(f, () => {
    f.line("struct _HPyContext_s {");
    f.line("    const char *name; /* describes the implementation behind this context */");
    f.line("    void *_private; /* owned by the implementation */");
    f.line("    int abi_version; /* HPY_ABI_VERSION of the implementation */");
    for (const m of contextMembers) {
      if (m.kind === "handle") {
        f.lines_(docComment(`${m.id}: ${m.doc}`, "    "));
        f.line(`    HPy ${m.name};`);
      } else {
        const params = cParams(m.params);
        f.line(`    ${cDecl(m.returns, `(*${ctxName(m)})`)}(${params}); /* ${m.id} */`);
      }
    }
    f.line("};");
  });
  return f;
}

/** The body of the universal inline wrapper of one function member. */
function wrapperBody(m: FunctionMember): string[] {
  const call = `ctx->${ctxName(m)}(${cArgs(m.params)})`;
  if (m.wrapperReturns === "HPy") return [`    ${call};`, "    return HPy_NULL;"];
  if (m.returns === "void") return [`    ${call};`];
  return [`    return ${call};`];
}

export function emitUniversalWrappers(): GeneratedFile {
  const f = new GeneratedFile(
    `${INCLUDE}/hpy/universal/autogen_wrappers.h`,
    "c",
    "The public API of the universal ABI: inline calls through the context.",
  );
  includeGuard(f, () => {
    for (const m of functionMembers) {
      if (m.manualWrapper || m.universalInline) continue;
      if (m.legacy) f.line("#ifdef HPY_ABI_HYBRID");
      f.lines_(docComment(m.doc));
      f.line(`HPyAPI_FUNC ${cFunctionHead(wrapperReturnType(m), m.name, cParams(m.params))}`);
      f.line("{");
      f.lines_(wrapperBody(m));
      f.line("}");
      if (m.legacy) {
        f.line("#else");
        f.line(`#define ${m.name}(...) ${m.name}_is_only_available_in_the_hybrid_and_cpython_ABIs`);
        f.line("#endif");
      }
      f.blank();
    }
  });
  return f;
}
