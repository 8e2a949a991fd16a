/**
 * Emits hpy/universal/src/autogen_layout_checks.h: compile-time checks, on
 * LP64 platforms, that the headers give every struct of api/structs.ts its
 * size, alignment and field offsets and sizes, and every context member
 * its offset 24 + 8*id. The host includes it once, so that a header edit
 * that moves anything of the binary interface fails the build. (Other data
 * models, e.g. wasm32, compute their layouts from the same table.)
 */
import { contextMembers, ctxName, structs } from "../../api/index.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { UNIVERSAL_SRC } from "../paths.ts";

/** A file-scope typedef whose array size is negative when `cond` is false (C99 has no static_assert). */
function check(name: string, cond: string): string {
  return `typedef char _hpy_layout_${name}[(${cond}) ? 1 : -1];`;
}

export function emitLayoutChecks(): GeneratedFile {
  const f = new GeneratedFile(`${UNIVERSAL_SRC}/autogen_layout_checks.h`, "c", "LP64 layout checks of the ABI structs and the context (included once by the host).");
  includeGuard(f, () => {
    f.line("#include <stddef.h>");
    f.blank();
    f.line("#if defined(__LP64__) || defined(_LP64)");
    f.blank();
    f.line("#define _HPY_ALIGNOF(T) offsetof(struct { char c; T x; }, x)");
    f.line("#define _HPY_FIELD_SIZE(T, F) sizeof(((T *)0)->F)");
    f.blank();
    for (const s of structs) {
      f.line(`/* ${s.name} */`);
      f.line(check(`${s.name}_size`, `sizeof(${s.name}) == ${s.size}`));
      f.line(check(`${s.name}_align`, `_HPY_ALIGNOF(${s.name}) == ${s.align}`));
      for (const fd of s.fields) {
        f.line(check(`${s.name}_${fd.name}`, `offsetof(${s.name}, ${fd.name}) == ${fd.offset} && _HPY_FIELD_SIZE(${s.name}, ${fd.name}) == ${fd.size}`));
      }
    }
    f.blank();
    f.line("/* The context: three leading fields, then member `id` at 24 + 8*id. */");
    f.line(check("ctx_size", `sizeof(struct _HPyContext_s) == ${24 + 8 * contextMembers.length}`));
    for (const m of contextMembers) f.line(check(`ctx_${m.id}`, `offsetof(struct _HPyContext_s, ${ctxName(m)}) == ${24 + 8 * m.id}`));
    f.blank();
    f.line("#undef _HPY_ALIGNOF");
    f.line("#undef _HPY_FIELD_SIZE");
    f.line("#endif");
  });
  return f;
}
