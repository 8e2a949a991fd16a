/**
 * Emits hpy/autogen_hpyslot.h: the HPySlot_Slot enum and, for each slot, the
 * `_HPySlot_SIG__<slot>` macro naming its HPyFunc signature, which HPyDef_SLOT
 * uses to declare the implementation with the right C type.
 */
import { slots } from "../../api/index.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE } from "../paths.ts";

export function emitSlots(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/autogen_hpyslot.h`, "c", "HPySlot_Slot and the signature of every slot.");
  includeGuard(f, () => {
    f.line("typedef enum {");
    for (const s of slots) f.line(`    ${s.name} = ${s.value}, /* ${s.doc} */`);
    f.line("} HPySlot_Slot;");
    f.blank();
    for (const s of slots) f.line(`#define _HPySlot_SIG__${s.name} ${s.signature}`);
  });
  return f;
}
