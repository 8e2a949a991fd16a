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
      const parts = v.composedOf?.map((n) => typeFlags.values.find((x) => x.name === n)?.value ?? NaN);
      if (parts !== undefined && parts.reduce((a, b) => a | b, 0) !== v.value) throw new Error(`${v.name}: ${v.value} is not the union of ${v.composedOf!.join(", ")}`);
      if (parts === undefined && !Number.isInteger(Math.log2(v.value))) throw new Error(`${v.name}: ${v.value} is not one bit; say what it is composed of`);
    }
    for (const v of typeFlags.values) {
      if (v.name.startsWith("_")) f.line(`#define ${v.name} (1UL << ${Math.log2(v.value)})`);
    }
    for (const v of typeFlags.values) {
      if (v.name.startsWith("_")) continue;
      const expr = v.composedOf !== undefined ? `(${v.composedOf.join(" | ")})` : `(1UL << ${Math.log2(v.value)})`;
      f.line(`#define ${v.name} ${expr}`);
    }
  });
  return f;
}
