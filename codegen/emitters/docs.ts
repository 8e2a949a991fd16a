/**
 * Emits the API reference (docs/api-reference.md): every context member with
 * its C signature, ownership of handles, CPython equivalent and description,
 * then the slots, signatures and enums.
 */
import { contextMembers, ctxName, enums, signatures, slots } from "../../api/index.ts";
import type { FunctionMember, Param } from "../../api/index.ts";
import { cDecl, wrapperReturnType } from "../c.ts";
import { GeneratedFile } from "../generated-file.ts";
import { DOCS } from "../paths.ts";

function signature(m: FunctionMember): string {
  const params = ["HPyContext *ctx", ...m.params.map((p: Param) => cDecl(p.declaredAs ? p.declaredAs.replace(/ \w+\[\]$/, " *") : p.type, p.name))];
  return `${cDecl(wrapperReturnType(m), m.name)}(${params.join(", ")})`;
}

const RESULT_TEXT: Record<FunctionMember["result"], string> = {
  new: "new handle (close it); `HPy_NULL` on error",
  "new-or-null": "new handle, or `HPy_NULL` (see description)",
  "not-a-handle": "plain C value",
  void: "nothing",
};

function ownership(m: FunctionMember): string {
  const handles = m.params.filter((p) => p.type === "HPy");
  const args = handles.map((p) => `\`${p.name}\` ${p.ownership === "closed" ? "is closed" : "borrowed"}`);
  return [...args, `returns ${RESULT_TEXT[m.result]}`].join("; ");
}

function cpythonText(m: FunctionMember): string {
  if (m.cpython.kind === "direct") return `\`${m.cpython.function}\``;
  return "hand-written";
}

export function emitApiReference(): GeneratedFile {
  const f = new GeneratedFile(`${DOCS}/api-reference.md`, "markdown", "Regenerate with `npm run gen`.");
  f.line("# API reference");
  f.blank();
  f.line("Every member of `HPyContext`, in the order of the binary layout (member `id` sits at offset");
  f.line("`24 + 8*id` of the universal context on 64-bit platforms). Handles passed to a function are");
  f.line("borrowed unless stated otherwise. \"CPython\" names the C-API function the cpython ABI compiles to.");
  f.blank();
  const nHandles = contextMembers.filter((m) => m.kind === "handle").length;
  f.line(`The context has ${contextMembers.length} members: ${nHandles} handle constants and ${contextMembers.length - nHandles} functions`);
  f.line(`(a universal context is ${24 + 8 * contextMembers.length} bytes on 64-bit platforms).`);
  f.blank();
  f.line("## Constants");
  f.blank();
  f.line("| id | name | CPython object | description |");
  f.line("|---|---|---|---|");
  for (const m of contextMembers) {
    if (m.kind !== "handle") continue;
    f.line(`| ${m.id} | \`ctx->${m.name}\` | \`${m.cpythonObject}\` | ${m.doc}${m.since === "master" ? " *(after 0.9)*" : ""} |`);
  }
  f.blank();
  f.line("## Functions");
  for (const m of contextMembers) {
    if (m.kind !== "function") continue;
    f.blank();
    f.line(`### \`${m.name}\``);
    f.blank();
    f.line("```c");
    f.line(signature(m) + ";");
    f.line("```");
    f.blank();
    f.line(m.doc);
    f.blank();
    const extra = [
      `id ${m.id}, \`ctx->${ctxName(m)}\``,
      `CPython: ${cpythonText(m)}`,
      `since ${m.since === "master" ? "after 0.9.0" : "0.9.0"}`,
      ...(m.errorValue !== null ? [`returns \`${m.errorValue}\` when it cannot run (error, or a check of debug mode)`] : []),
      ...(m.legacy ? ["hybrid and cpython ABIs only"] : []),
    ];
    f.line(`- ${extra.join(" · ")}`);
    f.line(`- Ownership: ${ownership(m)}`);
  }
  f.blank();
  f.line("## Slots (`HPySlot_Slot`)");
  f.blank();
  f.line("| slot | value | signature | CPython slot | description |");
  f.line("|---|---|---|---|---|");
  for (const s of slots) f.line(`| \`${s.name}\` | ${s.value} | \`${s.signature}\` | ${s.cpythonSlot ? `\`${s.cpythonSlot}\`` : "—"} | ${s.doc} |`);
  f.blank();
  f.line("## Function signatures (`HPyFunc_Signature`)");
  f.blank();
  f.line("| signature | value | implementation type | description |");
  f.line("|---|---|---|---|");
  for (const s of signatures) f.line(`| \`${s.name}\` | ${s.value} | ${s.implTypedef ? `\`${s.implTypedef}\`` : "—"} | ${s.doc} |`);
  f.blank();
  f.line("## Enums");
  for (const e of enums) {
    f.blank();
    f.line(`### \`${e.name}\``);
    f.blank();
    f.line(e.doc);
    f.blank();
    f.line("| name | value |");
    f.line("|---|---|");
    for (const v of e.values) f.line(`| \`${v.name}\` | ${v.value} |`);
  }
  return f;
}
