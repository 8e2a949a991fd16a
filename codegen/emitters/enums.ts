/**
 * Emits hpy/autogen_enums.h: every enum and #define constant of the API,
 * including HPyFunc_Signature, the type flags and the ABI version.
 */
import { abi, enums, signatures, typeFlags } from "../../api/index.ts";
import { docComment } from "../c.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { INCLUDE } from "../paths.ts";

export function emitEnums(): GeneratedFile {
  const f = new GeneratedFile(`${INCLUDE}/hpy/autogen_enums.h`, "c", "Enums and constants of the HPy API.");
  includeGuard(f, () => {
    f.line(`#define HPY_ABI_VERSION ${abi.version}`);
    f.line(`#define HPY_ABI_VERSION_MINOR ${abi.versionMinor}`);
    f.line(`#define HPY_ABI_TAG "${abi.tag}"`);
    f.blank();
    for (const e of [...enums, { name: "HPyFunc_Signature", doc: "The C shape of a function handed to HPy.", values: signatures }]) {
      f.lines_(docComment(e.doc));
      f.line("typedef enum {");
      for (const v of e.values) {
        if (v.doc !== undefined) f.lines_(docComment(v.doc, "    "));
        f.line(`    ${v.name} = ${v.value},`);
      }
      f.line(`} ${e.name};`);
      f.blank();
    }
    f.line(`/* ${typeFlags.doc} */`);
    for (const v of typeFlags.values) {
      if (v.name.startsWith("_")) f.line(`#define ${v.name} (1UL << ${Math.log2(v.value)})`);
    }
    for (const v of typeFlags.values) {
      if (v.name.startsWith("_")) continue;
      const expr = v.name === "HPy_TPFLAGS_DEFAULT" ? "(_Py_TPFLAGS_HEAPTYPE | _Py_TPFLAGS_HAVE_VERSION_TAG)" : `(1UL << ${Math.log2(v.value)})`;
      f.line(`#define ${v.name} ${expr}`);
    }
  });
  return f;
}
