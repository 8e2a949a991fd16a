/**
 * Emits hpy/universal/src/autogen_entry_points.h: the host's own entry points
 * (loading.md §8 lets a host install them instead of the extension's
 * trampolines). For each covered signature, a pool of ENTRY_POINT_POOL_SIZE
 * functions with the CPython-side C signature of that HPyFunc signature;
 * stub i calls the implementation stored in slot i of the pool's table with
 * the universal-mode context (handles are the PyObject pointers, so the
 * conversions are free). One indirect call, as with the C API, instead of
 * trampoline → ctx_CallRealFunctionFromTrampoline → switch → implementation.
 *
 * Also emitted: the table of pools and the HPySlot_Slot → HPyFunc_Signature
 * mapping. The allocation of slots (and the fallback to the extension's
 * trampoline when a pool is full) is hand-written in entry_points.c, which
 * includes this file after defining _HPY_EP_CTX.
 */
import { signatures, slots } from "../../api/index.ts";
import { cDecl } from "../c.ts";
import { GeneratedFile } from "../generated-file.ts";
import { UNIVERSAL_SRC } from "../paths.ts";
import { cpyParamType, hasGeneratedCall, implArgExprs, shortName, type GeneratedCall } from "../signature-shapes.ts";

/** Stubs per signature: distinct implementations of one signature beyond
 * this many get the extension's trampolines. A generation-time choice. */
export const ENTRY_POINT_POOL_SIZE = 256;

/**
 * The signatures that get a pool of host entry points: those whose
 * marshalling is generated and that take a context. The others keep the
 * extension's trampolines: the host already calls destroy and traverse
 * implementations itself, buffers, capsules and module creation are
 * marshalled by hand (and are not hot paths).
 */
export function entryPointSignatures(): GeneratedCall[] {
  return signatures.filter((sig): sig is GeneratedCall => hasGeneratedCall(sig) && sig.takesContext);
}

/** The stub-defining macro of one signature: `_HPY_EP_DEF_<SIG>(i)`. */
function stubMacro(sig: GeneratedCall): string[] {
  const { args, result, ignoredParams } = sig.trampoline;
  const short = shortName(sig);
  const params = [...args, ...(ignoredParams ?? [])].map((a) => cDecl(cpyParamType(a), a.name));
  const implArgs = implArgExprs(sig, (a) => a).join(", ");
  const impl = `_hpy_ep_impls_${short}[i]`;
  const call = `((${sig.implTypedef})(void (*)(void))${impl})(_HPY_EP_CTX, ${implArgs})`;
  const define = (stmt: string): string[] => {
    const lines = [
      `#define _HPY_EP_DEF_${short}(i)`,
      `    static ${cDecl(result ?? "void", `_hpy_ep_${short}_##i`)}(${params.join(", ")})`,
      "    {",
      ...(ignoredParams ?? []).map((p) => `        (void)${p.name};`),
      `        ${stmt}`,
      "    }",
    ];
    return lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l));
  };
  if (result === null) return define(`${call};`);
  if (sig.implReturns !== "HPy") return define(`return ${call};`);
  // Where an HPy is returned exactly like a pointer, the implementation is
  // called as returning the PyObject* itself, so that the stub is a tail call.
  const rawType = `cpy_PyObject *(*)(${["HPyContext *", ...sig.implParams.map((p) => p.type)].join(", ")})`;
  const rawCall = `((${rawType})(void (*)(void))${impl})(_HPY_EP_CTX, ${implArgs})`;
  return [
    "#ifdef _HPY_EP_HPY_RETURNED_AS_POINTER",
    ...define(`return ${rawCall};`),
    "#else",
    ...define(`return _h2py(${call});`),
    "#endif",
  ];
}

/** `items` joined `perLine` to a line, each line indented. */
function chunked(items: readonly string[], perLine: number, sep: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += perLine) out.push(`    ${items.slice(i, i + perLine).join(sep)}`);
  return out;
}

export function emitHostEntryPoints(): GeneratedFile {
  const f = new GeneratedFile(
    `${UNIVERSAL_SRC}/autogen_entry_points.h`,
    "c",
    "The host's own entry points, per signature (included once, by entry_points.c).",
  );
  const sigs = entryPointSignatures();
  const n = ENTRY_POINT_POOL_SIZE;
  const indices = Array.from({ length: n }, (_, i) => i);
  f.line(`#define _HPY_EP_POOL_SIZE ${n}`);
  f.line(`#define _HPY_EP_N_POOLS ${sigs.length}`);
  f.blank();
  f.line("/* A pool: the implementations installed so far and their stubs; `index`");
  f.line(" * maps an implementation to its slot (open addressing, slot + 1, 0 = free). */");
  f.line("typedef struct {");
  f.line("    HPyFunc_Signature sig;");
  f.line("    const char *name;");
  f.line("    HPyCFunction *impls;");
  f.line("    const HPyCFunction *stubs;");
  f.line("    int used;");
  f.line("    uint16_t index[2 * _HPY_EP_POOL_SIZE];");
  f.line("} _HPyEntryPool;");
  f.blank();
  for (const sig of sigs) {
    const short = shortName(sig);
    f.line(`/* ${sig.name} */`);
    f.line(`static HPyCFunction _hpy_ep_impls_${short}[_HPY_EP_POOL_SIZE];`);
    f.lines_(stubMacro(sig));
    f.lines_(chunked(indices.map((i) => `_HPY_EP_DEF_${short}(${i})`), 8, " ").map((l) => l.trimStart()));
    f.line(`static const HPyCFunction _hpy_ep_stubs_${short}[_HPY_EP_POOL_SIZE] = {`);
    f.lines_(chunked(indices.map((i) => `_HPy_AS_CFUNCTION(_hpy_ep_${short}_${i})`), 4, ", ").map((l) => `${l},`));
    f.line("};");
    f.blank();
  }
  f.line("static _HPyEntryPool _hpy_ep_pools[_HPY_EP_N_POOLS] = {");
  for (const sig of sigs) {
    const short = shortName(sig);
    f.line(`    { ${sig.name}, "${short}", _hpy_ep_impls_${short}, _hpy_ep_stubs_${short}, 0, {0} },`);
  }
  f.line("};");
  f.blank();
  f.line("/* The pool of a signature, or NULL if it has none. */");
  f.line("static _HPyEntryPool *");
  f.line("_hpy_ep_pool_for(HPyFunc_Signature sig)");
  f.line("{");
  f.line("    switch (sig) {");
  sigs.forEach((sig, i) => f.line(`    case ${sig.name}: return &_hpy_ep_pools[${i}];`));
  f.line("    default: return NULL;");
  f.line("    }");
  f.line("}");
  f.blank();
  f.line("/* The signature of an HPy slot, or -1 for an unknown slot. */");
  f.line("static int");
  f.line("_hpy_ep_slot_signature(HPySlot_Slot slot)");
  f.line("{");
  f.line("    switch ((int)slot) {");
  for (const s of slots) f.line(`    case ${s.name}: return ${s.signature};`);
  f.line("    default: return -1;");
  f.line("    }");
  f.line("}");
  return f;
}
