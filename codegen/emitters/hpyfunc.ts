/**
 * Emits hpy/autogen_hpyfunc.h: the typedef of every HPyFunc implementation
 * and the `_HPyFunc_DECLARE_<SIG>(SYM)` macros that HPyDef_* use to declare an
 * implementation function with the right prototype.
 */
import { signatures } from "../../api/index.ts";
import type { FuncSignature } from "../../api/index.ts";
import { cDecl } from "../c.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE } from "../paths.ts";

function implParams(sig: FuncSignature): string {
  const ps = sig.implParams.map((p) => cDecl(p.type, p.name));
  return (sig.takesContext ? ["HPyContext *ctx", ...ps] : ps).join(", ");
}

export function emitHPyFunc(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/autogen_hpyfunc.h`, "c", "Implementation typedefs and declarators per HPyFunc_Signature.");
  includeGuard(f, () => {
    for (const sig of signatures) {
      if (sig.implTypedef === null) continue;
      f.line(`/* ${sig.name}: ${sig.doc} */`);
      f.line(`typedef ${sig.implReturns} (*${sig.implTypedef})(${implParams(sig)});`);
    }
    f.blank();
    for (const sig of signatures) {
      if (sig.implTypedef === null) continue;
      f.line(`#define _HPyFunc_DECLARE_${sig.name}(SYM) _HPyFunc_IMPL_STATIC ${cDecl(sig.implReturns, "SYM")}(${implParams(sig)})`);
    }
  });
  return f;
}
