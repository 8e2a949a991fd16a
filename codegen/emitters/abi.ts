/**
 * Emits what the hosts and the Python package know about ABIs and modes:
 *  - hpy/universal/src/autogen_modes.h: the modes of hpy.universal.load
 *    (api/enums.ts universalModes), their names for HPY=..., the text that
 *    lists them in messages, and the module constants MODE_*;
 *  - hpy/devel/autogen_abi.py: the ABI version, tag and ABI names for
 *    hpy.devel.abitag (api/enums.ts abi, abiModes).
 */
import { abi, abiModes, universalModes } from "../../api/index.ts";
import { GeneratedFile, includeGuard } from "../generated-file.ts";
import { UNIVERSAL_SRC } from "../paths.ts";

/** `MODE_DEBUG` -> `debug`. */
function modeWord(name: string): string {
  return name.replace(/^MODE_/, "").toLowerCase();
}

/** `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]!}`;
}

export function emitModes(): GeneratedFile {
  const f = new GeneratedFile(`${UNIVERSAL_SRC}/autogen_modes.h`, "c", "The modes of hpy.universal.load (included by hpymodule.c).");
  universalModes.forEach((m, i) => {
    if (m.value !== i) throw new Error(`${m.name}: mode values must be 0, 1, ... in order (mode_names is indexed by them)`);
  });
  includeGuard(f, () => {
    f.line("enum {");
    f.line("    MODE_INVALID = -1,");
    for (const m of universalModes) f.line(`    ${m.name} = ${m.value},`);
    f.line("};");
    f.blank();
    f.line(`#define N_MODES ${universalModes.length}`);
    f.blank();
    f.line("/* The name of each mode, as HPY=<mode> and hpy_host_load spell it. */");
    f.line(`static const char *const mode_names[N_MODES] = { ${universalModes.map((m) => `"${modeWord(m.name)}"`).join(", ")} };`);
    f.blank();
    f.line("/* The modes by constant and by name, for messages. */");
    f.line(`#define MODES_BY_CONSTANT "${universalModes.map((m) => `${m.name} (${m.value})`).join(", ")}"`);
    f.line(`#define MODES_BY_NAME "${orList(universalModes.map((m) => modeWord(m.name)))}"`);
    f.blank();
    f.line("/* Adds the MODE_* constants to the module hpy.universal. */");
    f.line("static int");
    f.line("add_mode_constants(PyObject *m)");
    f.line("{");
    const adds = universalModes.map((m) => `PyModule_AddIntConstant(m, "${m.name}", ${m.name}) < 0`);
    f.line(`    if (${adds.join(" ||\n        ")})`);
    f.line("        return -1;");
    f.line("    return 0;");
    f.line("}");
  });
  return f;
}

export function emitPythonAbi(): GeneratedFile {
  const f = new GeneratedFile("hpy/devel/autogen_abi.py", "python", "ABI version, tag and names, re-exported by hpy.devel.abitag.");
  f.line('"""The ABI facts of api/enums.ts that the Python side needs."""');
  f.blank();
  f.line(`HPY_ABI_VERSION = ${abi.version}`);
  f.line(`HPY_ABI_VERSION_MINOR = ${abi.versionMinor}`);
  f.line(`HPY_ABI_TAG = "${abi.tag}"`);
  f.blank();
  f.line("# The ABIs an extension can be built for (HPY_ABI_<NAME> in C).");
  f.line(`HPY_ABIS = (${abiModes.map((m) => `"${m.name}"`).join(", ")})`);
  return f;
}
