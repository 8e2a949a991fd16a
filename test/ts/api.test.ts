/**
 * Checks the API description (api/) against the shared ABI fact sheet
 * (../shared/spec): every context member, every enum, slot and signature,
 * every struct layout and trampoline argument struct. Also sanity checks of
 * our own data that the spec does not cover (docs, handle ownership).
 *
 * Each test collects every mismatch it finds and compares the list with [],
 * so one failure shows all the differences at once.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  abi,
  abiModes,
  contextMembers,
  ctxName,
  enums,
  functionMembers,
  signatures,
  slots,
  structs,
  typeFlags,
  universalModes,
  type ContextMember,
  type EnumDef,
  type FunctionMember,
  type Param,
} from "../../api/index.ts";
import {
  SIMPLE_ENUM_KEYS,
  loadContext,
  loadContextLayout,
  loadEnums,
  loadStructs,
  parseImplTypedefs,
  simpleEnum,
  type SpecMember,
  type SpecStruct,
} from "./spec.ts";
import { fn, h } from "../../api/builders.ts";
import { describeWithSpec } from "./spec-gate.ts";

const ARGS_PREFIX = "_HPyFunc_args_";

/**
 * Members whose CPython mapping differs from upstream's on purpose (the spec
 * records upstream's). The behaviour is the same; only how it is reached
 * differs.
 */
const OUR_MAPPING_CHOICES: Readonly<Record<string, string>> = {
  HPy_Length: "inline: exact tuples and lists read their size in place",
  HPyUnicode_AsUTF8AndSize: "inline: a compact ASCII str is its own UTF-8, read in place",
  HPyLong_FromInt32_t: "direct: one C API call either way; the host then compiles it as a tail call",
  HPyLong_FromUInt32_t: "direct: one C API call either way; the host then compiles it as a tail call",
  HPyLong_FromInt64_t: "direct: one C API call either way; the host then compiles it as a tail call",
  HPyLong_FromUInt64_t: "direct: one C API call either way; the host then compiles it as a tail call",
  HPyUnicode_Substring: "manual: a TypeError for a non-str (PyUnicode_Substring does not check its argument)",
};

describeWithSpec("api/ against the shared spec", (specDir) => {
  const spec = loadContext(specDir);
  const layout = loadContextLayout(specDir);
  const specEnums = loadEnums(specDir);
  const structsMd = readFileSync(join(specDir, "structs.md"), "utf8");
  const specStructs = loadStructs(specDir);

  describe("context.json", () => {
    test("ids dense and in order (spec and ours); ours are the spec's, then only appended ones", () => {
      assert.deepEqual(spec.map((m) => m.id), [...Array(spec.length).keys()]);
      assert.deepEqual(contextMembers.map((m) => m.id), [...Array(contextMembers.length).keys()]);
      assert.ok(contextMembers.length >= spec.length, `api/ has ${contextMembers.length} members, the spec ${spec.length}`);
      // A member the spec does not know yet (a new function, docs/adding-an-api-function.md)
      // can only come after the spec's last one, and is newer than 0.9.0.
      const newer = contextMembers.slice(spec.length).filter((m) => m.since !== "master").map((m) => m.name);
      assert.deepEqual(newer, []);
    });

    test("kind, public name, ctx name and since of every member", () => {
      const problems: string[] = [];
      forEachPair(spec, (s, ours) => {
        const where = `#${s.id} ${s.name.api}`;
        if (ours.kind !== s.kind) problems.push(`${where}: kind ${ours.kind}, spec ${s.kind}`);
        if (ours.name !== s.name.api) problems.push(`${where}: public name ${ours.name}, spec ${s.name.api}`);
        if (ctxName(ours) !== s.name.ctx) problems.push(`${where}: ctx name ${ctxName(ours)}, spec ${s.name.ctx}`);
        if (ours.since !== s.since) problems.push(`${where}: since ${ours.since}, spec ${s.since}`);
      });
      assert.deepEqual(problems, []);
    });

    test("handles: type HPy, CPython object, no signature", () => {
      const problems: string[] = [];
      forEachPair(spec, (s, ours) => {
        if (s.kind !== "handle" || ours.kind !== "handle") return;
        const where = `#${s.id} ${s.name.api}`;
        if (s.type !== "HPy") problems.push(`${where}: spec type ${String(s.type)}`);
        if (s.return_type !== null || s.parameters !== null) problems.push(`${where}: spec gives a handle a signature`);
        if (ours.cpythonObject !== s.cpython_object) problems.push(`${where}: cpython object ${ours.cpythonObject}, spec ${String(s.cpython_object)}`);
        if (s.cpython !== null) problems.push(`${where}: spec maps a handle to function ${s.cpython}`);
      });
      assert.deepEqual(problems, []);
    });

    test("functions: return type and every parameter's name, type and declared spelling", () => {
      const problems: string[] = [];
      forEachPair(spec, (s, ours) => {
        if (s.kind !== "function" || ours.kind !== "function") return;
        const where = `#${s.id} ${s.name.api}`;
        if (ours.returns !== s.return_type) problems.push(`${where}: returns ${ours.returns}, spec ${String(s.return_type)}`);
        const sp = s.parameters ?? [];
        if (ours.params.length !== sp.length) {
          problems.push(`${where}: ${ours.params.length} params, spec ${sp.length} (${sp.map((p) => `${p.type} ${p.name}`).join(", ")})`);
          return;
        }
        sp.forEach((p, i) => {
          const o = ours.params[i]!;
          if (o.name !== p.name) problems.push(`${where}: param ${i} named ${o.name}, spec ${p.name}`);
          if (o.type !== p.type) problems.push(`${where}: param ${p.name} type ${o.type}, spec ${p.type}`);
          if (o.declaredAs !== p.declared_as) {
            problems.push(`${where}: param ${p.name} declaredAs ${String(o.declaredAs)}, spec declared_as ${String(p.declared_as)}`);
          }
        });
      });
      assert.deepEqual(problems, []);
    });

    test("functions: CPython mapping (spec null <=> ours not direct, except our listed choices)", () => {
      const problems: string[] = [];
      const unused = new Set(Object.keys(OUR_MAPPING_CHOICES));
      forEachPair(spec, (s, ours) => {
        if (s.kind !== "function" || ours.kind !== "function") return;
        const where = `#${s.id} ${s.name.api}`;
        const direct = ours.cpython.kind === "direct" ? ours.cpython.function : null;
        if (direct !== s.cpython) {
          if (unused.delete(s.name.api)) return;
          problems.push(`${where}: cpython ${direct ?? `(${ours.cpython.kind})`}, spec ${s.cpython ?? "null (hand-written)"}`);
        }
        if (s.cpython_object !== undefined) problems.push(`${where}: spec gives a function a cpython_object`);
      });
      for (const name of unused) problems.push(`${name}: listed in OUR_MAPPING_CHOICES but maps like the spec`);
      assert.deepEqual(problems, []);
    });

    test("functions: api_return_type <=> wrapperReturns", () => {
      const problems: string[] = [];
      forEachPair(spec, (s, ours) => {
        if (s.kind !== "function" || ours.kind !== "function") return;
        if (ours.wrapperReturns !== s.api_return_type) {
          problems.push(`#${s.id} ${s.name.api}: wrapperReturns ${String(ours.wrapperReturns)}, spec api_return_type ${String(s.api_return_type)}`);
        }
      });
      assert.deepEqual(problems, []);
    });

    test("offset_lp64 == 24 + 8*id", () => {
      const bad = spec.filter((m) => m.offset_lp64 !== 24 + 8 * m.id).map((m) => `#${m.id} ${m.name.api}: ${m.offset_lp64}`);
      assert.deepEqual(bad, []);
    });

    test("public and ctx names are unique", () => {
      assert.equal(new Set(contextMembers.map((m) => m.name)).size, contextMembers.length);
      assert.equal(new Set(contextMembers.map((m) => ctxName(m))).size, contextMembers.length);
    });
  });

  describe("context_layout.json", () => {
    test("member counts per version: the layout's, the spec's and ours agree", () => {
      const known = contextMembers.slice(0, spec.length);
      const old = known.filter((m) => m.since === "0.9.0");
      const count = (ms: readonly ContextMember[], kind: string): number => ms.filter((m) => m.kind === kind).length;
      assert.deepEqual(layout.member_count, { "0.9.0": old.length, master: spec.length });
      assert.deepEqual(layout.id_range, { "0.9.0": [0, old.length - 1], master: [0, spec.length - 1] });
      assert.deepEqual(layout.handles_count, { "0.9.0": count(old, "handle"), master: count(known, "handle") });
      assert.deepEqual(layout.functions_count, { "0.9.0": count(old, "function"), master: count(known, "function") });
      // Members are only ever appended: every 0.9.0 member precedes every new one.
      assert.deepEqual(old.map((m) => m.id), [...Array(layout.member_count["0.9.0"]).keys()]);
      assert.deepEqual(contextMembers.filter((m) => m.since === "0.9.0"), old);
    });

    test("members added after 0.9.0 are exactly our `since: master` members", () => {
      const ours = contextMembers.slice(0, spec.length).filter((m) => m.since === "master").map((m) => ({ id: m.id, ctx: ctxName(m), api: m.name }));
      assert.deepEqual(ours, layout.members_added_after_0_9_0.map((m) => ({ id: m.id, ctx: m.ctx, api: m.api })));
    });

    test("signature changes after 0.9.0 are reflected in the declared spelling", () => {
      for (const change of layout.signature_changes_after_0_9_0) {
        const ours = contextMembers[change.id];
        assert.ok(ours !== undefined && ours.kind === "function" && ours.name === change.api, `#${change.id} ${change.api}`);
        const declared = ours.params.map((p) => p.declaredAs ?? `${p.type} ${p.name}`.replace("* ", "*"));
        const sig = `${ours.returns} ${ours.name}(HPyContext *ctx, ${declared.join(", ")})`;
        assert.equal(sig, change.master);
      }
    });

    test("sizeof(struct _HPyContext_s) == 24 + 8 * members, leading fields", () => {
      assert.equal(layout.sizeof_lp64.master, 24 + 8 * spec.length);
      assert.equal(layout.sizeof_lp64["0.9.0"], 24 + 8 * contextMembers.filter((m) => m.since === "0.9.0").length);
      assert.deepEqual(
        layout.leading_fields.map((f) => [f.name, f.type, f.offset_lp64]),
        [["name", "const char *", 0], ["_private", "void *", 8], ["abi_version", "int", 16]],
      );
    });
  });

  describe("enums.json", () => {
    const ourEnums: readonly EnumDef[] = [...enums, typeFlags];

    for (const key of SIMPLE_ENUM_KEYS) {
      test(`${key}: names, values and since`, () => {
        const ours = ourEnums.find((e) => e.name === key);
        assert.ok(ours !== undefined, `api/enums.ts has no enum ${key}`);
        const want = simpleEnum(specEnums, key).values.map((v) => ({ name: v.name, value: v.value, since: v.since }));
        assert.deepEqual(ours.values.map((v) => ({ name: v.name, value: v.value, since: v.since })), want);
      });
    }

    test("api/enums.ts has no enum the spec lacks", () => {
      const known = new Set<string>(SIMPLE_ENUM_KEYS);
      assert.deepEqual(ourEnums.map((e) => e.name).filter((n) => !known.has(n)), []);
    });

    test("HPySlot_Slot: name, value, signature, since, CPython slot", () => {
      const want = specEnums.HPySlot_Slot.values.map((v) => ({
        name: v.name,
        value: v.value,
        signature: v.signature,
        since: v.since,
        cpythonSlot: v.cpython_typeslot ?? moduleSlotName(v.cpython_module_slot),
      }));
      const got = slots.map((s) => ({ name: s.name, value: s.value, signature: s.signature, since: s.since, cpythonSlot: s.cpythonSlot }));
      assert.deepEqual(got, want);
    });

    test("HPySlot_Slot: module slots are exactly those the spec maps to a module slot", () => {
      const want = specEnums.HPySlot_Slot.values.filter((v) => v.cpython_module_slot !== undefined).map((v) => v.name);
      assert.deepEqual(slots.filter((s) => s.filledBy === "module").map((s) => s.name), want);
    });

    test("HPySlot_Slot: signature_value is the value of the named HPyFunc_Signature", () => {
      const problems: string[] = [];
      for (const v of specEnums.HPySlot_Slot.values) {
        const sig = signatures.find((s) => s.name === v.signature);
        if (sig?.value !== v.signature_value) problems.push(`${v.name}: ${v.signature} = ${String(sig?.value)}, spec ${v.signature_value}`);
      }
      assert.deepEqual(problems, []);
    });

    test("HPyFunc_Signature: name, value, impl typedef, trampoline kind", () => {
      const want = specEnums.HPyFunc_Signature.values.map((v) => ({
        name: v.name,
        value: v.value,
        implTypedef: v.impl_typedef,
        trampoline: v.trampoline_args_struct !== undefined ? "standard" : v.trampoline_args !== undefined ? "special" : "none",
      }));
      const got = signatures.map((s) => ({ name: s.name, value: s.value, implTypedef: s.implTypedef, trampoline: s.trampoline.kind }));
      assert.deepEqual(got, want);
      assert.ok(specEnums.HPyFunc_Signature.values.every((v) => v.since === "0.9.0"), "a signature is newer than 0.9.0: api/ has no field for it");
    });

    test("ABI version, minor version and tag", () => {
      const values = new Map(specEnums.abi_version.values.map((v) => [v.name, v.value]));
      assert.deepEqual(
        { version: abi.version, versionMinor: abi.versionMinor, tag: abi.tag },
        { version: values.get("HPY_ABI_VERSION"), versionMinor: values.get("HPY_ABI_VERSION_MINOR"), tag: values.get("HPY_ABI_TAG") },
      );
    });

    test("ABI mode macros", () => {
      assert.deepEqual(
        abiModes.map((m) => ({ macro: m.macro, name: m.name })),
        specEnums.abi_mode_macros.values.map((v) => ({ macro: v.name, name: v.HPY_ABI })),
      );
    });

    test("hpy.universal modes", () => {
      assert.deepEqual(
        universalModes.map((m) => ({ name: m.name, value: m.value })),
        specEnums.universal_modes.values.map((v) => ({ name: v.name, value: v.value })),
      );
    });
  });

  describe("structs.md", () => {
    const layoutStructs = specStructs.filter((s) => !s.name.startsWith(ARGS_PREFIX));
    const argsStructs = specStructs.filter((s) => s.name.startsWith(ARGS_PREFIX));

    test("the tables parse (21 structs, 36 trampoline argument structs)", () => {
      assert.equal(layoutStructs.length, 21);
      assert.equal(argsStructs.length, 36);
      for (const s of specStructs) {
        assert.deepEqual(s.fields.map((f) => f.index), [...s.fields.keys()], `${s.name}: row numbers`);
      }
    });

    test("api/structs.ts describes exactly the structs of structs.md", () => {
      assert.deepEqual(structs.map((s) => s.name), layoutStructs.map((s) => s.name));
    });

    for (const s of layoutStructs) {
      test(`struct ${s.name}: fields, sizeof, alignof`, () => {
        const ours = structs.find((o) => o.name === s.name);
        assert.ok(ours !== undefined, `api/structs.ts has no struct ${s.name}`);
        assert.deepEqual(
          ours.fields.map((f) => ({ name: f.name, type: f.type, offset: f.offset, size: f.size })),
          s.fields.map((f) => ({ name: f.name, type: f.type, offset: f.offset, size: f.size })),
        );
        assert.deepEqual({ size: ours.size, align: ours.align }, { size: s.size, align: s.align });
      });
    }

    test("every standard trampoline has an _HPyFunc_args_* struct in structs.md and vice versa", () => {
      const standard = signatures.filter((s) => s.trampoline.kind === "standard").map((s) => ARGS_PREFIX + s.name.replace(/^HPyFunc_/, ""));
      assert.deepEqual([...standard].sort(), argsStructs.map((s) => s.name).sort());
    });

    for (const s of argsStructs) {
      test(`${s.name}: trampoline args and result of api/signatures.ts`, () => {
        const sigName = "HPyFunc_" + s.name.slice(ARGS_PREFIX.length);
        const sig = signatures.find((x) => x.name === sigName);
        assert.ok(sig !== undefined, `no signature ${sigName}`);
        assert.equal(sig.trampoline.kind, "standard", `${sigName} has an args struct in the spec`);
        if (sig.trampoline.kind !== "standard") return;
        const { args, result } = splitResult(s);
        assert.deepEqual(sig.trampoline.args.map((a) => ({ name: a.name, type: a.type })), args);
        assert.equal(sig.trampoline.result, result);
      });
    }

    test("HPyFunc_MOD_CREATE's args struct has one arg, `spec`", () => {
      const sig = signatures.find((x) => x.name === "HPyFunc_MOD_CREATE");
      assert.ok(sig?.trampoline.kind === "standard");
      assert.deepEqual(sig.trampoline.args.map((a) => a.name), ["spec"]);
    });

    test("impl typedefs: return type, context, parameter types and names", () => {
      const table = parseImplTypedefs(structsMd);
      assert.equal(table.length, signatures.length);
      const problems: string[] = [];
      for (const row of table) {
        const sig = signatures.find((x) => x.name === row.signature);
        if (sig === undefined) {
          problems.push(`${row.signature}: missing in api/signatures.ts`);
          continue;
        }
        const where = row.signature;
        if (sig.value !== row.value) problems.push(`${where}: value ${sig.value}, spec ${row.value}`);
        if (sig.implTypedef !== row.typedef) problems.push(`${where}: typedef ${String(sig.implTypedef)}, spec ${String(row.typedef)}`);
        if (row.cType === null) continue;
        const params = [...row.cType.params];
        const takesContext = params[0]?.type === "HPyContext *";
        if (takesContext) params.shift();
        if (sig.takesContext !== takesContext) problems.push(`${where}: takesContext ${String(sig.takesContext)}, spec ${String(takesContext)}`);
        if (sig.implReturns !== row.cType.returns) problems.push(`${where}: returns ${sig.implReturns}, spec ${row.cType.returns}`);
        if (sig.implParams.length !== params.length) {
          problems.push(`${where}: ${sig.implParams.length} params, spec ${params.length}`);
          continue;
        }
        params.forEach((p, i) => {
          const o = sig.implParams[i]!;
          if (o.type !== p.type) problems.push(`${where}: param ${i} type ${o.type}, spec ${p.type}`);
          if (p.name !== null && o.name !== p.name) problems.push(`${where}: param ${i} named ${o.name}, spec ${p.name}`);
        });
      }
      assert.deepEqual(problems, []);
    });
  });
});

describe("api/ sanity (independent of the spec)", () => {
  test("every member, enum, slot, signature and struct has a non-empty doc without TODO", () => {
    const docs: [string, string | undefined][] = [
      ...contextMembers.map((m): [string, string] => [m.name, m.doc]),
      ...[...enums, typeFlags].map((e): [string, string] => [e.name, e.doc]),
      ...[...enums, typeFlags].flatMap((e) => e.values.filter((v) => v.doc !== undefined).map((v): [string, string | undefined] => [v.name, v.doc])),
      ...slots.map((s): [string, string] => [s.name, s.doc]),
      ...signatures.map((s): [string, string] => [s.name, s.doc]),
      ...structs.map((s): [string, string] => [s.name, s.doc]),
    ];
    const problems = docs.flatMap(([name, doc]) => {
      if (doc === undefined || doc.trim() === "") return [`${name}: empty doc`];
      if (/TODO/i.test(doc)) return [`${name}: doc contains TODO`];
      return [];
    });
    assert.deepEqual(problems, []);
  });

  test("every HPy parameter has an ownership, and only HPy parameters have one", () => {
    const problems: string[] = [];
    const checkParams = (where: string, params: readonly Param[]): void => {
      for (const p of params) {
        if (p.type === "HPy" && p.ownership === undefined) problems.push(`${where}: HPy param ${p.name} has no ownership`);
        if (p.type !== "HPy" && p.ownership !== undefined) problems.push(`${where}: ${p.type} param ${p.name} has ownership ${p.ownership}`);
      }
    };
    for (const m of functionMembers) checkParams(m.name, m.params);
    for (const s of signatures) checkParams(s.name, s.implParams);
    assert.deepEqual(problems, []);
  });

  test("every int or enum result states its error value; the builder refuses to guess one", () => {
    const explicit = functionMembers.filter((m) => m.returns === "int" || enums.some((e) => e.name === m.returns));
    assert.ok(explicit.length > 30);
    assert.deepEqual(explicit.filter((m) => m.errorValue === null).map((m) => m.name), []);
    assert.throws(() => fn(999, "int", "HPyNew_Check", [h("obj")], { doc: "A new predicate." }), /HPyNew_Check: returns int; say its error value/);
    assert.throws(() => fn(999, "HPy_RichCmpOp", "HPyNew_Op", [], { doc: "An enum result." }), /say its error value/);
    assert.throws(() => fn(999, "struct Unknown", "HPyNew_Odd", [], { doc: "An unknown type." }), /no error value is known/);
    assert.equal(fn(999, "int", "HPyNew_Check", [h("obj")], { error: 0, doc: "A new predicate." }).errorValue, "0");
    assert.equal(fn(999, "HPy_ssize_t", "HPyNew_Size", [h("obj")], { doc: "A size." }).errorValue, "(HPy_ssize_t)-1");
    assert.equal(fn(999, "HPyTracker", "HPyNew_Tracker", [], { doc: "A tracker." }).errorValue, null);
  });

  test("HPy_Close closes its argument", () => {
    const close = functionMembers.find((m) => m.name === "HPy_Close");
    assert.deepEqual(close?.params.map((p) => p.ownership), ["closed"]);
  });

  test("result ownership follows the return type (HPy: new/new-or-null, void: void, else not-a-handle)", () => {
    const expected = (m: FunctionMember): readonly string[] =>
      m.returns === "HPy" ? ["new", "new-or-null"] : m.returns === "void" ? ["void"] : ["not-a-handle"];
    const problems = functionMembers
      .filter((m) => !expected(m).includes(m.result))
      .map((m) => `${m.name}: returns ${m.returns} with result ${m.result}`);
    assert.deepEqual(problems, []);
  });

  test("wrapperReturns only on void members; manualWrapper, universalInline and legacy are flags", () => {
    const problems = functionMembers.flatMap((m) => {
      const out: string[] = [];
      if (m.wrapperReturns !== undefined && m.returns !== "void") out.push(`${m.name}: wrapperReturns on a ${m.returns} member`);
      if (m.manualWrapper !== undefined && m.manualWrapper !== true) out.push(`${m.name}: manualWrapper present but not true`);
      if (m.universalInline !== undefined && m.universalInline !== true) out.push(`${m.name}: universalInline present but not true`);
      if (m.universalInline === true && m.manualWrapper === true) out.push(`${m.name}: universalInline and manualWrapper`);
      if (m.legacy !== undefined && m.legacy !== true) out.push(`${m.name}: legacy present but not true`);
      return out;
    });
    assert.deepEqual(problems, []);
  });

  test("enum values, slot values and signature values are unique", () => {
    for (const e of [...enums, typeFlags]) {
      assert.equal(new Set(e.values.map((v) => v.name)).size, e.values.length, `${e.name}: duplicate name`);
      if (e.name !== "HPy_TPFLAGS") assert.equal(new Set(e.values.map((v) => v.value)).size, e.values.length, `${e.name}: duplicate value`);
    }
    assert.equal(new Set(slots.map((s) => s.value)).size, slots.length);
    assert.equal(new Set(signatures.map((s) => s.value)).size, signatures.length);
  });

  test("struct fields are in offset order and fit in the struct", () => {
    const problems: string[] = [];
    for (const s of structs) {
      let last = -1;
      for (const f of s.fields) {
        if (f.offset < last) problems.push(`${s.name}.${f.name}: offset ${f.offset} before ${last}`);
        if (f.offset + f.size > s.size) problems.push(`${s.name}.${f.name}: ends at ${f.offset + f.size} > sizeof ${s.size}`);
        last = f.offset;
      }
      if (s.size % s.align !== 0) problems.push(`${s.name}: sizeof ${s.size} not a multiple of alignof ${s.align}`);
    }
    assert.deepEqual(problems, []);
  });
});

function forEachPair(spec: readonly SpecMember[], fn: (s: SpecMember, ours: ContextMember) => void): void {
  for (const s of spec) {
    const ours = contextMembers[s.id];
    assert.ok(ours !== undefined, `api/context.ts has no member with id ${s.id} (${s.name.api})`);
    fn(s, ours);
  }
}

/** `Py_mod_create (=1)` -> `Py_mod_create`; undefined -> null. */
function moduleSlotName(text: string | undefined): string | null {
  if (text === undefined) return null;
  return /^([A-Za-z_]\w*)/.exec(text)?.[1] ?? text;
}

/** The fields of an args struct before `result`, and the type of `result` (null when absent). */
function splitResult(s: SpecStruct): { args: { name: string; type: string }[]; result: string | null } {
  const fields = s.fields.map((f) => ({ name: f.name, type: f.type }));
  const last = fields[fields.length - 1];
  if (last?.name === "result") return { args: fields.slice(0, -1), result: last.type };
  return { args: fields, result: null };
}
