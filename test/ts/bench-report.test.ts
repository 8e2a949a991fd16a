/**
 * bench/report/bench-report.ts: the Markdown table and the SVG chart made from a
 * small fixed results file (in the format bench/run.py writes), the checks
 * on malformed input, and the command line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CLIP_RATIO, CTX_CALLS_TEXT, axisMax, escapeXml, parseReport, renderMarkdown, renderSvg, tickStep } from "../../bench/report/bench-report.ts";
import { REPO_ROOT } from "./spec.ts";

/** Two benchmarks; three measured modes (one missing a result), one unavailable. */
const FIXTURE = {
  schema: 1,
  date: "2026-01-02T03:04:05+00:00",
  python: { version: "3.11.7", implementation: "CPython" },
  machine: { cpu: "Test CPU", cpus: 2 },
  settings: { reps: 3, loop_overhead_ns: 9.04 },
  reference: "capi",
  modes: [
    { name: "capi", label: "C API", available: true, note: "" },
    { name: "cpython", label: "HPy cpython ABI", available: true, note: "" },
    { name: "universal", label: "HPy <universal> & co", available: true, note: "" },
    { name: "debug", label: "HPy debug", available: false, note: "not available: NotImplementedError" },
  ],
  benchmarks: [
    { name: "call_noargs", description: "f()", ctx_calls: 1.5, ctx_calls_by_member: { ctx_Dup: 1, ctx_Close: 0.5 } },
    { name: "slot_len", description: "len(o)", ctx_calls: null, ctx_calls_by_member: {} },
  ],
  results: {
    call_noargs: {
      capi: { min_ns: 30.0, median_ns: 31.0, ratio_min: 1.0, ratio_median: 1.0 },
      cpython: { min_ns: 29.5, median_ns: 30.69, ratio_min: 0.9833, ratio_median: 0.99 },
      universal: { min_ns: 33.9, median_ns: 35.03, ratio_min: 1.13, ratio_median: 1.13 },
    },
    slot_len: {
      capi: { min_ns: 1200.0, median_ns: 1234.4, ratio_min: 1.0, ratio_median: 1.0 },
      cpython: { min_ns: 1190.0, median_ns: 1221.0, ratio_min: 0.9917, ratio_median: 0.9891 },
    },
  },
  geomean: {
    capi: { ratio_min: 1.0, ratio_median: 1.0, count: 2 },
    cpython: { ratio_min: 0.9875, ratio_median: 0.9895, count: 2 },
    universal: { ratio_min: 1.13, ratio_median: 1.13, count: 1 },
  },
  skipped: [{ benchmark: "slot_len", mode: "universal", reason: "loading the type fails: boom\nsecond line" }],
  targets: [
    { name: "geomean, cpython ABI", mode: "cpython", limit: 1.0, value: 0.9875, value_median: 0.9895, status: "pass", detail: "" },
    { name: "every benchmark, universal", mode: "universal", limit: 1.1, value: 1.13, value_median: 1.13, status: "fail", detail: "worst: call_noargs" },
    { name: "geomean, debug", mode: "debug", limit: 2.0, value: null, value_median: null, status: "n/a", detail: "" },
  ],
};

const EXPECTED_MARKDOWN = `# HPy microbenchmarks against the C API

CPython 3.11.7 · Test CPU · 2 CPUs · 2026-01-02T03:04:05+00:00 · 3 repetitions

ns per operation: min (median) over the repetitions, including the Python loop (an empty iteration costs 9.0 ns; not subtracted, so ratios lean towards 1.0). × = ratio to the C API: min / C API min (median / C API median). Targets and chart use the min ratios.

| benchmark | C API ns | HPy cpython ABI ns | HPy cpython ABI × | HPy <universal> & co ns | HPy <universal> & co × |
|---|---:|---:|---:|---:|---:|
| \`call_noargs\` | 30.0 (31.0) | 29.5 (30.7) | 0.98 (0.99) | 33.9 (35.0) | 1.13 (1.13) |
| \`slot_len\` | 1,200 (1,234) | 1,190 (1,221) | 0.99 (0.99) | — | — |
| **geomean** |  |  | **0.99** (0.99) |  | **1.13** (1.13) |

## Targets

| target | limit | min ratio | median ratio | status |
|---|---:|---:|---:|---|
| geomean, cpython ABI | ≤ 1.00 | 0.99 | 0.99 | pass |
| every benchmark, universal (worst: call_noargs) | ≤ 1.10 | 1.13 | 1.13 | fail |
| geomean, debug | ≤ 2.00 | — | — | n/a |

## Context calls per operation

${CTX_CALLS_TEXT}

| benchmark | calls | members | universal − C API ns | ns per call |
|---|---:|---|---:|---:|
| \`call_noargs\` | 1.5 | Dup ×1, Close ×0.5 | 3.9 | 2.60 |

## Not measured

- mode \`debug\`: not available: NotImplementedError
- \`slot_len\` in \`universal\`: loading the type fails: boom
`;

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === "string" ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

/** The attribute `name` of every element matching `re` (whose first group is the element). */
function attrs(svg: string, re: RegExp, name: string): string[] {
  return [...svg.matchAll(re)].map((m) => new RegExp(`${name}="([^"]*)"`).exec(m[0])?.[1] ?? "");
}

describe("bench-report", () => {
  const report = parseReport(FIXTURE);

  test("Markdown: the table of ns/op and ratios, the geomeans, the targets, what was not measured", () => {
    assert.equal(renderMarkdown(report), EXPECTED_MARKDOWN);
  });

  test("SVG: one bar per available ratio, n/a for the missing one, legend without the unavailable mode", () => {
    const svg = renderSvg(report);
    assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert.ok(svg.endsWith("</svg>\n"));
    // bars: call_noargs x2, slot_len x1 (cpython), geomean x2
    assert.equal(count(svg, 'class="bar"'), 5);
    assert.equal(count(svg, 'class="missing"'), 1);
    assert.deepEqual(attrs(svg, /<rect class="bar"[^>]*>/g, "data-mode"), ["cpython", "universal", "cpython", "cpython", "universal"]);
    assert.deepEqual(attrs(svg, /<rect class="bar"[^>]*>/g, "data-bench"), ["call_noargs", "call_noargs", "slot_len", "geomean", "geomean"]);
    assert.equal(count(svg, 'class="legend"'), 2);
    assert.ok(svg.includes(">HPy cpython ABI</text>"));
    assert.ok(svg.includes(">HPy &lt;universal&gt; &amp; co</text>"), "labels are escaped");
    assert.ok(!svg.includes("HPy debug"), "the unavailable mode is not in the legend");
    assert.ok(!svg.includes("C API ns"), "the reference mode has no bars");
    assert.ok(svg.includes(">time / C API time (min over repetitions)</text>"), "y axis label");
    assert.ok(svg.includes(">benchmark</text>"), "x axis label");
    assert.ok(!/NaN|undefined|Infinity/.test(svg));
    assert.equal(count(svg, "<text"), count(svg, "</text>"));
    assert.equal(count(svg, /<rect\b[^>]*[^/]>/g), count(svg, "</rect>"), "every open <rect> is closed");
  });

  test("SVG: bar heights are proportional to the ratio and the 1.0 line sits at ratio 1", () => {
    const svg = renderSvg(report);
    const bars = /<rect class="bar"[^>]*>/g;
    const ys = attrs(svg, bars, "y").map(Number);
    const hs = attrs(svg, bars, "height").map(Number);
    const bottom = ys[0]! + hs[0]!;
    ys.forEach((y, i) => assert.ok(Math.abs(y + hs[i]! - bottom) < 0.11, "bars stand on the same axis"));
    // call_noargs: 0.9833 (cpython) and 1.13 (universal), the min ratios
    assert.ok(Math.abs(hs[1]! / hs[0]! - 1.13 / 0.9833) < 0.01);
    const ref = /<line class="reference"[^>]*y1="([\d.]+)"/.exec(svg);
    assert.ok(ref !== null);
    const perUnit = hs[1]! / 1.13;
    assert.ok(Math.abs(bottom - Number(ref[1]) - perUnit) < 0.2, "the reference line is at 1.0");
  });

  test("SVG: a bar beyond the axis is cut at the top and carries its value", () => {
    const big = structuredClone(FIXTURE);
    big.results.call_noargs.universal.ratio_min = 25.4;
    const svg = renderSvg(parseReport(big));
    const clipped = /<rect class="bar" data-bench="call_noargs" data-mode="universal" data-clipped="true" x="[\d.]+" y="([\d.]+)"/.exec(svg);
    assert.ok(clipped !== null, "the long bar is marked as clipped");
    const top = Number(/<line class="axis" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)"/.exec(svg)?.[1]);
    assert.equal(Number(clipped[1]), top, "it reaches the top of the axis, no further");
    assert.ok(svg.includes(">25×</text>"), "its value is written on it");
    assert.equal(count(svg, "data-clipped"), 1);
    assert.equal(count(svg, 'class="note"'), 1, "the chart says that bars are cut");
    assert.equal(count(renderSvg(report), 'class="note"'), 0, "and only when some are");
    const ticks = [...svg.matchAll(/class="ytick"[^>]*>([\d.]+)</g)].map((m) => Number(m[1]));
    assert.ok(Math.max(...ticks) <= CLIP_RATIO + 1, `the axis stops near ${String(CLIP_RATIO)}: ${ticks.join(",")}`);
  });

  test("axis scale: round ticks, top above every bar and above 1.0", () => {
    assert.equal(tickStep(1.2), 0.25);
    assert.equal(tickStep(2.1), 0.5);
    assert.equal(axisMax([0.9, 1.13]), 1.25);
    assert.equal(axisMax([]), 1.25);
    assert.equal(axisMax([1.9]), 2);
    assert.ok(axisMax([7.3]) >= 7.3 * 1.05);
    assert.equal(escapeXml(`a<b & "c">`), "a&lt;b &amp; &quot;c&quot;&gt;");
  });

  test("malformed input is rejected with the path of the bad field", () => {
    assert.throws(() => parseReport({ ...FIXTURE, modes: "x" }), /modes: expected an array/);
    const badCell = { ...FIXTURE, results: { call_noargs: { capi: { min_ns: "1", median_ns: 2 } } } };
    assert.throws(() => parseReport(badCell), /results\.call_noargs\.capi\.min_ns: expected a number/);
    assert.throws(() => parseReport(null), /report: expected an object/);
  });

  describe("command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test("writes <stem>.md and <stem>.svg next to the JSON and prints the Markdown", () => {
      const json = join(dir, "latest.json");
      writeFileSync(json, JSON.stringify(FIXTURE));
      const r = spawnSync(process.execPath, ["--import", "tsx", "bench/report/bench-report.ts", json], { cwd: REPO_ROOT, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, EXPECTED_MARKDOWN);
      assert.equal(readFileSync(join(dir, "latest.md"), "utf8"), EXPECTED_MARKDOWN);
      assert.equal(readFileSync(join(dir, "latest.svg"), "utf8"), renderSvg(report));
    });

    test("fails with a message on a bad file", () => {
      const json = join(dir, "bad.json");
      writeFileSync(json, JSON.stringify({ ...FIXTURE, settings: {} }));
      const r = spawnSync(process.execPath, ["--import", "tsx", "bench/report/bench-report.ts", json], { cwd: REPO_ROOT, encoding: "utf8" });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /bench-report: settings\.reps: expected a number/);
    });
  });
});
