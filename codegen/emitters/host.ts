/**
 * Emits the pieces of the CPython universal host (hpy.universal) that follow
 * from the API description:
 *  - hpy/devel/include/hpy/runtime/autogen_ctx_decl.h: prototypes of every
 *    hand-written `ctx_*` implementation (shared by the host and the cpython
 *    ABI's runtime sources);
 *  - hpy/universal/src/autogen_ctx_impl.h: the directly mapped members
 *    (those returning a handle are declared with _HPY_HOST_NEW_HANDLE_T,
 *    see hpy_host.h, and stored into the context with a cast);
 *  - hpy/universal/src/autogen_ctx_init.h: the function that fills a context
 *    with the handle constants and every implementation.
 */
import { contextMembers, ctxName, functionMembers } from "../../api/index.ts";
import { cFunctionHead, cParams } from "../c.ts";
import { directCallBody } from "../cpython-call.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE, UNIVERSAL_SRC } from "../paths.ts";
import { asObject } from "./cpython-api.ts";

export function emitCtxDecl(): GeneratedFile {
  const f = new GeneratedFile(
    `${INCLUDE}/hpy/runtime/autogen_ctx_decl.h`,
    "c",
    "Prototypes of the hand-written context implementations.",
  );
  includeGuard(f, () => {
    for (const m of functionMembers) {
      if (m.cpython.kind === "direct") continue;
      f.line(`_HPy_HIDDEN ${cFunctionHead(m.returns, ctxName(m), cParams(m.params))};`);
    }
  });
  return f;
}

export function emitHostCtxImpl(): GeneratedFile {
  const f = new GeneratedFile(`${UNIVERSAL_SRC}/autogen_ctx_impl.h`, "c", "Host implementations of the directly mapped members.");
  includeGuard(f, () => {
    for (const m of functionMembers) {
      if (m.cpython.kind !== "direct") continue;
      const returns = m.returns === "HPy" ? "_HPY_HOST_NEW_HANDLE_T" : m.returns;
      f.line(`static ${cFunctionHead(returns, ctxName(m), cParams(m.params))}`);
      f.line("{");
      f.lines_(directCallBody(m, false, "_HPY_HOST_NEW_HANDLE"));
      f.line("}");
      f.blank();
    }
  });
  return f;
}

export function emitHostCtxInit(): GeneratedFile {
  const f = new GeneratedFile(`${UNIVERSAL_SRC}/autogen_ctx_init.h`, "c", "Fills the universal context.");
  includeGuard(f, () => {
    f.line("/* Stores every handle constant and implementation into ctx. */");
    f.line("static void hpy_universal_ctx_fill(HPyContext *ctx)");
    f.line("{");
    for (const m of contextMembers) {
      if (m.kind === "handle") f.line(`    ctx->${m.name} = _py2h(${asObject(m.cpythonObject)});`);
      else if (m.cpython.kind === "direct" && m.returns === "HPy")
        f.line(`    ctx->${ctxName(m)} = (${cFunctionHead("HPy", "(*)", cParams(m.params))})(void (*)(void))&${ctxName(m)};`);
      else f.line(`    ctx->${ctxName(m)} = &${ctxName(m)};`);
    }
    f.line("}");
  });
  return f;
}
