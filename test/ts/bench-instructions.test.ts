/**
 * bench/report/instructions.ts: its options, the count it reads from a
 * callgrind output file and the table it writes (running valgrind itself
 * is left to `make bench-instructions`: minutes, not a test).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkModes, parseArgs, parseCallgrindSummary, parseCatalogue, renderMarkdown,
} from "../../bench/report/instructions.ts";

/** What bench/run.py --list prints, cut down. */
const CATALOGUE = parseCatalogue(JSON.stringify({
  benchmarks: ["slot_len", "alloc_tuple"],
  modes: [
    { name: "capi", label: "C API" }, { name: "cpython", label: "HPy cpython ABI" },
    { name: "universal", label: "HPy universal" }, { name: "debug", label: "HPy debug" },
  ],
  reference: "capi",
}));

describe("bench/report/instructions.ts", () => {
  test("options: defaults, modes without the reference, bad values refused", () => {
    const d = parseArgs([]);
    assert.deepEqual(d.modes, ["cpython", "universal", "debug"]);
    assert.equal(d.ops, 20000);
    assert.equal(d.filter, null);
    const o = parseArgs(["--modes", "capi,debug", "--ops", "500", "--filter", "^slot_", "--quiet"]);
    assert.deepEqual(checkModes(o.modes, CATALOGUE), ["debug"]);
    assert.equal(o.ops, 500);
    assert.ok(o.filter?.test("slot_len"));
    assert.equal(o.quiet, true);
    assert.throws(() => checkModes(parseArgs(["--modes", "pypy"]).modes, CATALOGUE), /unknown mode pypy/);
    assert.throws(() => parseArgs(["--ops", "0"]), /positive integer/);
    assert.throws(() => parseArgs(["--ops"]), /--ops needs a value/);
    assert.throws(() => parseArgs(["--bogus"]), /unknown option --bogus/);
  });

  test("the catalogue: run.py's benchmarks and modes, malformed output refused", () => {
    assert.deepEqual(CATALOGUE.benchmarks, ["slot_len", "alloc_tuple"]);
    assert.equal(CATALOGUE.labels.get("universal"), "HPy universal");
    assert.equal(CATALOGUE.reference, "capi");
    assert.throws(() => parseCatalogue("{}"), /no benchmarks or modes/);
    assert.throws(() => parseCatalogue(JSON.stringify({ benchmarks: [], modes: [] })), /no reference mode/);
  });

  test("the count is callgrind's summary line", () => {
    const out = "version: 1\ncreator: callgrind\nevents: Ir\nsummary: 5063534\ntotals: 5063534\n";
    assert.equal(parseCallgrindSummary(out), 5063534);
    assert.throws(() => parseCallgrindSummary("events: Ir\n"), /no summary line/);
  });

  test("the table: counts, ratios to the C API, a dash where a mode could not run", () => {
    const counts = new Map([
      ["slot_len", new Map<string, number | null>([["capi", 238.2], ["cpython", 243], ["universal", 253.4]])],
      ["alloc_tuple", new Map<string, number | null>([["capi", 440], ["cpython", null], ["universal", 463]])],
    ]);
    const md = renderMarkdown(counts, ["cpython", "universal"], CATALOGUE, 20000);
    const lines = md.split("\n");
    assert.ok(lines[0]?.startsWith("# Instructions per operation"));
    assert.ok(md.includes("20000 operations"));
    assert.ok(md.includes("| benchmark | C API | HPy cpython ABI | × | HPy universal | × |"));
    assert.ok(md.includes("|---|---:|---:|---:|---:|---:|"));
    assert.ok(md.includes("| `slot_len` | 238 | 243 | 1.020 | 253 | 1.064 |"), md);
    assert.ok(md.includes("| `alloc_tuple` | 440 | — | — | 463 | 1.052 |"), md);
  });
});
