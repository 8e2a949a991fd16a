/**
 * The report of the microbenchmarks (bench/run.py): reads the results JSON
 * and writes, next to it, a Markdown table (<stem>.md, also printed) and a
 * grouped bar chart of the ratio to the C API per benchmark and mode
 * (<stem>.svg, hand-written SVG, no dependencies).
 *
 *   npx tsx bench/report/bench-report.ts bench/results/latest.json [--out-dir DIR] [--quiet]
 *
 * The one report writer: bench/run.py writes the JSON only and calls this.
 * parseReport() is the one declaration of the JSON's format (the fields the
 * report reads; bench/harness/results.py writes them).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------- the JSON

export interface ModeInfo {
  readonly name: string;
  readonly label: string;
  readonly available: boolean;
  readonly note: string;
}

export interface BenchInfo {
  readonly name: string;
  readonly description: string;
  /** Context calls per operation (trace mode's counts), or null when not counted. */
  readonly ctxCalls: number | null;
  /** The same by context member, in the order of the JSON. */
  readonly ctxCallsByMember: ReadonlyMap<string, number>;
}

/** One benchmark in one mode; ratios are to the C API (null for want of a C API result). */
export interface Cell {
  readonly minNs: number;
  readonly medianNs: number;
  readonly ratioMin: number | null;
  readonly ratioMedian: number | null;
}

/** Geometric means of the ratios of one mode. */
export interface Geomean {
  readonly ratioMin: number;
  readonly ratioMedian: number;
}

export interface Target {
  readonly name: string;
  readonly limit: number;
  /** on the min ratios, like the status */
  readonly value: number | null;
  readonly valueMedian: number | null;
  readonly status: string;
  readonly detail: string;
}

export interface Skip {
  readonly benchmark: string;
  readonly mode: string;
  readonly reason: string;
}

export interface BenchReport {
  readonly date: string;
  readonly python: { readonly implementation: string; readonly version: string };
  readonly machine: { readonly cpu: string; readonly cpus: number };
  readonly reps: number;
  readonly loopOverheadNs: number;
  readonly reference: string;
  readonly modes: readonly ModeInfo[];
  readonly benchmarks: readonly BenchInfo[];
  /** results[benchmark][mode] */
  readonly results: ReadonlyMap<string, ReadonlyMap<string, Cell>>;
  readonly geomean: ReadonlyMap<string, Geomean>;
  readonly targets: readonly Target[];
  readonly skipped: readonly Skip[];
}

type Obj = Readonly<Record<string, unknown>>;

function asObj(v: unknown, where: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${where}: expected an object`);
  return v as Obj;
}

function asArr(v: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected an array`);
  return v;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Error(`${where}.${key}: expected a string`);
  return v;
}

function num(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}.${key}: expected a number`);
  return v;
}

function optNum(o: Obj, key: string, where: string): number | null {
  return o[key] === undefined || o[key] === null ? null : num(o, key, where);
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new Error(`${where}.${key}: expected a boolean`);
  return v;
}

function parseMode(v: unknown, i: number): ModeInfo {
  const w = `modes[${String(i)}]`;
  const o = asObj(v, w);
  return { name: str(o, "name", w), label: str(o, "label", w), available: bool(o, "available", w), note: str(o, "note", w) };
}

function parseBench(v: unknown, i: number): BenchInfo {
  const w = `benchmarks[${String(i)}]`;
  const o = asObj(v, w);
  const byMember = new Map<string, number>();
  const members = o["ctx_calls_by_member"] === undefined ? {} : asObj(o["ctx_calls_by_member"], `${w}.ctx_calls_by_member`);
  for (const key of Object.keys(members)) byMember.set(key, num(members, key, `${w}.ctx_calls_by_member`));
  return { name: str(o, "name", w), description: str(o, "description", w), ctxCalls: optNum(o, "ctx_calls", w), ctxCallsByMember: byMember };
}

function parseCell(v: unknown, where: string): Cell {
  const o = asObj(v, where);
  return {
    minNs: num(o, "min_ns", where),
    medianNs: num(o, "median_ns", where),
    ratioMin: optNum(o, "ratio_min", where),
    ratioMedian: optNum(o, "ratio_median", where),
  };
}

function parseResults(v: unknown): Map<string, Map<string, Cell>> {
  const out = new Map<string, Map<string, Cell>>();
  for (const [bench, row] of Object.entries(asObj(v, "results"))) {
    const cells = new Map<string, Cell>();
    for (const [mode, cell] of Object.entries(asObj(row, `results.${bench}`))) {
      cells.set(mode, parseCell(cell, `results.${bench}.${mode}`));
    }
    out.set(bench, cells);
  }
  return out;
}

function parseGeomean(v: unknown): Map<string, Geomean> {
  const out = new Map<string, Geomean>();
  for (const [mode, g] of Object.entries(asObj(v, "geomean"))) {
    const w = `geomean.${mode}`;
    const o = asObj(g, w);
    out.set(mode, { ratioMin: num(o, "ratio_min", w), ratioMedian: num(o, "ratio_median", w) });
  }
  return out;
}

function parseTarget(v: unknown, i: number): Target {
  const w = `targets[${String(i)}]`;
  const o = asObj(v, w);
  return {
    name: str(o, "name", w),
    limit: num(o, "limit", w),
    value: optNum(o, "value", w),
    valueMedian: optNum(o, "value_median", w),
    status: str(o, "status", w),
    detail: str(o, "detail", w),
  };
}

function parseSkip(v: unknown, i: number): Skip {
  const w = `skipped[${String(i)}]`;
  const o = asObj(v, w);
  return { benchmark: str(o, "benchmark", w), mode: str(o, "mode", w), reason: str(o, "reason", w) };
}

/** Checks and converts the JSON written by bench/run.py. */
export function parseReport(json: unknown): BenchReport {
  const o = asObj(json, "report");
  const py = asObj(o["python"], "python");
  const machine = asObj(o["machine"], "machine");
  const settings = asObj(o["settings"], "settings");
  return {
    date: str(o, "date", "report"),
    python: { implementation: str(py, "implementation", "python"), version: str(py, "version", "python") },
    machine: { cpu: str(machine, "cpu", "machine"), cpus: num(machine, "cpus", "machine") },
    reps: num(settings, "reps", "settings"),
    loopOverheadNs: num(settings, "loop_overhead_ns", "settings"),
    reference: str(o, "reference", "report"),
    modes: asArr(o["modes"], "modes").map(parseMode),
    benchmarks: asArr(o["benchmarks"], "benchmarks").map(parseBench),
    results: parseResults(o["results"]),
    geomean: parseGeomean(o["geomean"]),
    targets: asArr(o["targets"], "targets").map(parseTarget),
    skipped: asArr(o["skipped"], "skipped").map(parseSkip),
  };
}

// ---------------------------------------------------------------- helpers

/** The available modes, the reference first. */
function measuredModes(r: BenchReport): ModeInfo[] {
  const avail = r.modes.filter((m) => m.available);
  return [...avail.filter((m) => m.name === r.reference), ...avail.filter((m) => m.name !== r.reference)];
}

/** The available modes compared with the reference. */
function comparedModes(r: BenchReport): ModeInfo[] {
  return measuredModes(r).filter((m) => m.name !== r.reference);
}

function cellOf(r: BenchReport, bench: string, mode: string): Cell | undefined {
  return r.results.get(bench)?.get(mode);
}

function formatNs(x: number): string {
  return x < 1000 ? x.toFixed(1) : Math.round(x).toLocaleString("en-US");
}

function formatRatio(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : x.toFixed(2);
}

/** "min (median)" of a cell's ratios. */
function formatRatios(c: Cell | undefined): string {
  return c?.ratioMin === null || c?.ratioMin === undefined || c.ratioMedian === null
    ? "—"
    : `${c.ratioMin.toFixed(2)} (${c.ratioMedian.toFixed(2)})`;
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? "";
}

// ---------------------------------------------------------------- Markdown

function markdownHeader(r: BenchReport): string[] {
  return [
    "# HPy microbenchmarks against the C API",
    "",
    `${r.python.implementation} ${r.python.version} · ${r.machine.cpu} · ${String(r.machine.cpus)} CPUs · ` +
      `${r.date} · ${String(r.reps)} repetitions`,
    "",
    "ns per operation: min (median) over the repetitions, including the Python loop " +
      `(an empty iteration costs ${r.loopOverheadNs.toFixed(1)} ns; not subtracted, so ` +
      "ratios lean towards 1.0). × = ratio to the C API: min / C API min (median / C API median). " +
      "Targets and chart use the min ratios.",
    "",
  ];
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function benchRow(r: BenchReport, bench: string): string {
  const cells = [`\`${bench}\``];
  measuredModes(r).forEach((m, i) => {
    const c = cellOf(r, bench, m.name);
    cells.push(c === undefined ? "—" : `${formatNs(c.minNs)} (${formatNs(c.medianNs)})`);
    if (i > 0) cells.push(formatRatios(c));
  });
  return tableRow(cells);
}

function geomeanRow(r: BenchReport): string {
  const cells = ["**geomean**", ""];
  for (const m of comparedModes(r)) {
    const g = r.geomean.get(m.name);
    cells.push("", g === undefined ? "—" : `**${g.ratioMin.toFixed(2)}** (${g.ratioMedian.toFixed(2)})`);
  }
  return tableRow(cells);
}

function resultsTable(r: BenchReport): string[] {
  const head = ["benchmark", "C API ns", ...comparedModes(r).flatMap((m) => [`${m.label} ns`, `${m.label} ×`])];
  const align = `|${["---", ...head.slice(1).map(() => "---:")].join("|")}|`;
  return [tableRow(head), align, ...r.benchmarks.map((b) => benchRow(r, b.name)), geomeanRow(r)];
}

function targetsTable(r: BenchReport): string[] {
  const rows = r.targets.map((t) => {
    const detail = t.detail === "" ? "" : ` (${t.detail})`;
    return tableRow([`${t.name}${detail}`, `≤ ${t.limit.toFixed(2)}`, formatRatio(t.value), formatRatio(t.valueMedian), t.status]);
  });
  return ["## Targets", "", "| target | limit | min ratio | median ratio | status |", "|---|---:|---:|---:|---|", ...rows];
}

export const CTX_CALLS_TEXT =
  "Context calls the HPy extension makes per operation (trace mode's counts; the trampoline's " +
  "ctx_CallRealFunctionFromTrampoline, which the universal ABI skips, is left out). Without the " +
  "host's inline fast paths (upstream's host, debug and trace mode) each is an indirect call into " +
  "hpy.universal, where the C API often has a macro or a direct call; with them (universal mode " +
  "here) the common cases of many (HPy_Dup, HPy_Close, HPy_Type, HPy_TypeCheck, AsStruct, HPy_New, " +
  "small ints, exact tuples, ...) are answered in the extension and make no call " +
  '(docs/internals.md, "Direct trampolines"). "ns per call" divides the whole difference between ' +
  "universal and the C API by these calls.";

/** 1 -> "1", 0.5 -> "0.5", 0.333 -> "0.33" */
function formatCount(x: number): string {
  return x.toFixed(2).replace(/\.?0+$/, "");
}

function memberLabel(name: string): string {
  return name.startsWith("ctx_") ? name.slice("ctx_".length) : name;
}

function ctxCallsRow(r: BenchReport, b: BenchInfo, calls: number): string {
  const members = [...b.ctxCallsByMember].map(([k, v]) => `${memberLabel(k)} ×${formatCount(v)}`).join(", ");
  const uni = cellOf(r, b.name, "universal");
  const ref = cellOf(r, b.name, r.reference);
  const delta = uni === undefined || ref === undefined ? null : uni.minNs - ref.minNs;
  const perCall = delta === null || delta <= 0 || calls === 0 ? null : delta / calls;
  return tableRow([
    `\`${b.name}\``,
    formatCount(calls),
    members === "" ? "—" : members,
    delta === null ? "—" : delta.toFixed(1),
    perCall === null ? "—" : perCall.toFixed(2),
  ]);
}

/** How many context calls each benchmark makes, and what the universal ABI pays for them. */
function ctxCallsTable(r: BenchReport): string[] {
  const rows = r.benchmarks.flatMap((b) => (b.ctxCalls === null ? [] : [ctxCallsRow(r, b, b.ctxCalls)]));
  if (rows.length === 0) return [];
  return [
    "",
    "## Context calls per operation",
    "",
    CTX_CALLS_TEXT,
    "",
    "| benchmark | calls | members | universal − C API ns | ns per call |",
    "|---|---:|---|---:|---:|",
    ...rows,
  ];
}

function notMeasured(r: BenchReport): string[] {
  const notes = [
    ...r.modes.filter((m) => !m.available).map((m) => `- mode \`${m.name}\`: ${m.note}`),
    ...r.skipped.map((s) => `- \`${s.benchmark}\` in \`${s.mode}\`: ${firstLine(s.reason)}`),
  ];
  return notes.length === 0 ? [] : ["", "## Not measured", "", ...notes];
}

/** The Markdown report: a table of ns/op and ratios, the targets, the context calls, what was skipped. */
export function renderMarkdown(r: BenchReport): string {
  return [...markdownHeader(r), ...resultsTable(r), "", ...targetsTable(r), ...ctxCallsTable(r), ...notMeasured(r)].join("\n") + "\n";
}

// ---------------------------------------------------------------- SVG

const PALETTE: Readonly<Record<string, string>> = {
  cpython: "#4c78a8",
  universal: "#f58518",
  debug: "#54a24b",
  trace: "#b279a2",
};
const EXTRA_COLORS = ["#e45756", "#72b7b2", "#eeca3b", "#9d755d"];

/** The y axis stops at this ratio; longer bars are cut and carry their value. */
export const CLIP_RATIO = 3;

/** Layout constants of the chart, in px. */
const L = {
  barWidth: 14,
  groupGap: 18,
  left: 72,
  right: 96,
  top: 78,
  plotHeight: 300,
  bottom: 140,
  font: 12,
} as const;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function modeColor(mode: string, index: number): string {
  return PALETTE[mode] ?? EXTRA_COLORS[index % EXTRA_COLORS.length] ?? "#888888";
}

/** One group of bars: a benchmark, or the geomean. */
interface Group {
  readonly label: string;
  readonly bars: readonly (Bar | null)[];
}

interface Bar {
  readonly mode: ModeInfo;
  readonly ratio: number;
  readonly tooltip: string;
}

function benchGroup(r: BenchReport, bench: string, modes: readonly ModeInfo[]): Group {
  const bars = modes.map((m) => {
    const c = cellOf(r, bench, m.name);
    if (c?.ratioMin === null || c?.ratioMin === undefined) return null;
    const tooltip = `${bench} · ${m.label}: ${c.ratioMin.toFixed(2)}× (min ${formatNs(c.minNs)} ns/op; median ratio ${formatRatio(c.ratioMedian)})`;
    return { mode: m, ratio: c.ratioMin, tooltip };
  });
  return { label: bench, bars };
}

function geomeanGroup(r: BenchReport, modes: readonly ModeInfo[]): Group {
  const bars = modes.map((m) => {
    const g = r.geomean.get(m.name);
    return g === undefined ? null : { mode: m, ratio: g.ratioMin, tooltip: `geomean · ${m.label}: ${g.ratioMin.toFixed(2)}× (median ratios: ${g.ratioMedian.toFixed(2)}×)` };
  });
  return { label: "geomean", bars };
}

/** A round step giving about five ticks up to `max`. */
export function tickStep(max: number): number {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * pow).find((s) => s >= raw);
  return step ?? 10 * pow;
}

/** The top of the y axis: a multiple of the tick step above every bar and 1.0. */
export function axisMax(ratios: readonly number[]): number {
  const top = Math.max(1.2, ...ratios.map((x) => x * 1.05));
  const step = tickStep(top);
  return Math.ceil(top / step - 1e-9) * step;
}

interface Scale {
  readonly max: number;
  y(ratio: number): number;
}

function makeScale(max: number): Scale {
  return { max, y: (ratio: number) => L.top + L.plotHeight * (1 - Math.min(ratio, max) / max) };
}

function groupWidth(nBars: number): number {
  return nBars * L.barWidth + L.groupGap;
}

function num1(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** A grey "n/a" standing on the x axis where a bar is missing. */
function svgMissing(x: number): string {
  const y = L.top + L.plotHeight - 4;
  const cx = num1(x + L.barWidth / 2 + 3);
  return `<text class="missing" x="${cx}" y="${String(y)}" transform="rotate(-90 ${cx} ${String(y)})" fill="#999" font-size="9">n/a</text>`;
}

/** The marks of a bar cut at the top of the axis: a white break and its value. */
function svgClipMarks(x: number, ratio: number): string[] {
  const w = L.barWidth - 2;
  const y = L.top + 10;
  const cx = num1(x + w / 2 + 3);
  const ly = String(L.top + 18);
  const label = `${ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0)}×`;
  return [
    `<path class="break" d="M${num1(x)} ${String(y)} l${String(w)} -4 M${num1(x)} ${String(y + 4)} l${String(w)} -4" stroke="#ffffff" stroke-width="2"/>`,
    `<text class="clipped-label" x="${cx}" y="${ly}" transform="rotate(90 ${cx} ${ly})" fill="#ffffff" font-size="9">${label}</text>`,
  ];
}

function svgBar(g: Group, b: Bar, bi: number, x: number, scale: Scale): string[] {
  const clipped = b.ratio > scale.max;
  const y = scale.y(b.ratio);
  const attrs = `class="bar" data-bench="${escapeXml(g.label)}" data-mode="${escapeXml(b.mode.name)}"` + (clipped ? ` data-clipped="true"` : "");
  const rect =
    `<rect ${attrs} x="${num1(x)}" y="${num1(y)}" width="${String(L.barWidth - 2)}" ` +
    `height="${num1(L.top + L.plotHeight - y)}" fill="${modeColor(b.mode.name, bi)}">` +
    `<title>${escapeXml(b.tooltip)}</title></rect>`;
  return clipped ? [rect, ...svgClipMarks(x, b.ratio)] : [rect];
}

function svgBars(groups: readonly Group[], scale: Scale, nBars: number): string[] {
  const out: string[] = [];
  groups.forEach((g, gi) => {
    const x0 = L.left + L.groupGap / 2 + gi * groupWidth(nBars);
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * L.barWidth;
      out.push(...(b === null ? [svgMissing(x)] : svgBar(g, b, bi, x, scale)));
    });
  });
  return out;
}

function svgXLabels(groups: readonly Group[], nBars: number): string[] {
  const base = L.top + L.plotHeight + 10;
  return groups.map((g, gi) => {
    const x = L.left + L.groupGap / 2 + gi * groupWidth(nBars) + (nBars * L.barWidth) / 2;
    const weight = g.label === "geomean" ? ` font-weight="bold"` : "";
    return `<text class="xlabel" x="${num1(x)}" y="${String(base)}" transform="rotate(-45 ${num1(x)} ${String(base)})" text-anchor="end"${weight}>${escapeXml(g.label)}</text>`;
  });
}

function svgYAxis(scale: Scale, plotWidth: number): string[] {
  const step = tickStep(scale.max);
  const out: string[] = [];
  for (let i = 0; i * step <= scale.max + 1e-9; i++) {
    const v = i * step;
    const y = num1(scale.y(v));
    out.push(`<line class="grid" x1="${String(L.left)}" x2="${num1(L.left + plotWidth)}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text class="ytick" x="${String(L.left - 6)}" y="${y}" dy="4" text-anchor="end">${v.toFixed(step < 0.1 ? 2 : 1)}</text>`);
  }
  const mid = L.top + L.plotHeight / 2;
  out.push(
    `<text class="ylabel" x="18" y="${String(mid)}" transform="rotate(-90 18 ${String(mid)})" text-anchor="middle">time / C API time (min over repetitions)</text>`,
    `<line class="axis" x1="${String(L.left)}" x2="${String(L.left)}" y1="${String(L.top)}" y2="${String(L.top + L.plotHeight)}" stroke="#333"/>`,
    `<line class="axis" x1="${String(L.left)}" x2="${num1(L.left + plotWidth)}" y1="${String(L.top + L.plotHeight)}" y2="${String(L.top + L.plotHeight)}" stroke="#333"/>`,
  );
  return out;
}

function svgReferenceLine(scale: Scale, plotWidth: number): string[] {
  const y = num1(scale.y(1));
  return [
    `<line class="reference" x1="${String(L.left)}" x2="${num1(L.left + plotWidth)}" y1="${y}" y2="${y}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text class="reference-label" x="${num1(L.left + plotWidth + 6)}" y="${y}" dy="4" fill="#d62728">C API = 1.0</text>`,
  ];
}

/** The x axis title, and a dotted line setting the geomean group apart. */
function svgXAxis(nGroups: number, nBars: number, plotWidth: number): string[] {
  const sepX = num1(L.left + (nGroups - 1) * groupWidth(nBars) + L.groupGap / 4);
  return [
    `<line class="separator" x1="${sepX}" x2="${sepX}" y1="${String(L.top)}" y2="${String(L.top + L.plotHeight)}" stroke="#999" stroke-dasharray="2 3"/>`,
    `<text class="xlabel-title" x="${num1(L.left + plotWidth / 2)}" y="${String(L.top + L.plotHeight + L.bottom - 8)}" text-anchor="middle">benchmark</text>`,
  ];
}

function svgLegend(modes: readonly ModeInfo[]): string[] {
  return modes.flatMap((m, i) => {
    const x = L.left + i * 150;
    return [
      `<rect class="legend-swatch" x="${String(x)}" y="46" width="12" height="12" fill="${modeColor(m.name, i)}"/>`,
      `<text class="legend" x="${String(x + 18)}" y="56">${escapeXml(m.label)}</text>`,
    ];
  });
}

function svgClipNote(nModes: number): string {
  return `<text class="note" x="${String(L.left + nModes * 150)}" y="56" fill="#555">bars that leave the axis are cut; their ratio is written on them</text>`;
}

function svgTitle(r: BenchReport): string[] {
  return [
    `<text class="title" x="${String(L.left)}" y="22" font-size="16" font-weight="bold">HPy vs the C API: time per operation relative to the C API (lower is better)</text>`,
    `<text class="subtitle" x="${String(L.left)}" y="38" fill="#555">${escapeXml(`${r.python.implementation} ${r.python.version} · ${r.machine.cpu} · ${r.date}`)}</text>`,
  ];
}

/** The grouped bar chart: one group per benchmark (plus the geomean), one bar per HPy mode. */
export function renderSvg(r: BenchReport): string {
  const modes = comparedModes(r);
  const groups = [...r.benchmarks.map((b) => benchGroup(r, b.name, modes)), geomeanGroup(r, modes)];
  const nBars = Math.max(1, modes.length);
  const ratios = groups.flatMap((g) => g.bars.flatMap((b) => (b === null ? [] : [b.ratio])));
  const scale = makeScale(axisMax(ratios.map((x) => Math.min(x, CLIP_RATIO))));
  const plotWidth = groups.length * groupWidth(nBars);
  const width = Math.max(L.left + plotWidth + L.right, L.left + modes.length * 150 + L.right, 640);
  const height = L.top + L.plotHeight + L.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num1(width)}" height="${String(height)}" viewBox="0 0 ${num1(width)} ${String(height)}" font-family="sans-serif" font-size="${String(L.font)}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...svgTitle(r),
    ...svgLegend(modes),
    ...(ratios.some((x) => x > scale.max) ? [svgClipNote(modes.length)] : []),
    ...svgYAxis(scale, plotWidth),
    ...svgBars(groups, scale, nBars),
    ...svgReferenceLine(scale, plotWidth),
    ...svgXAxis(groups.length, nBars, plotWidth),
    ...svgXLabels(groups, nBars),
    "</svg>",
  ].join("\n") + "\n";
}

// ---------------------------------------------------------------- CLI

interface Options {
  readonly json: string;
  readonly outDir: string | null;
  readonly quiet: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let json: string | null = null;
  let outDir: string | null = null;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out-dir") outDir = argv[++i] ?? null;
    else if (a === "--quiet") quiet = true;
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else json = a;
  }
  if (json === null) throw new Error("usage: bench-report.ts RESULTS.json [--out-dir DIR] [--quiet]");
  return { json, outDir, quiet };
}

/** Writes <stem>.md and <stem>.svg for the results file; returns their paths. */
export function writeReport(jsonPath: string, outDir: string | null = null): { md: string; svg: string; markdown: string } {
  const report = parseReport(JSON.parse(readFileSync(jsonPath, "utf8")) as unknown);
  const dir = outDir ?? dirname(resolve(jsonPath));
  const stem = basename(jsonPath, extname(jsonPath));
  const markdown = renderMarkdown(report);
  const md = join(dir, `${stem}.md`);
  const svg = join(dir, `${stem}.svg`);
  writeFileSync(md, markdown);
  writeFileSync(svg, renderSvg(report));
  return { md, svg, markdown };
}

function main(argv: readonly string[]): void {
  const opts = parseArgs(argv);
  const out = writeReport(opts.json, opts.outDir);
  if (!opts.quiet) process.stdout.write(out.markdown);
}

// Run only as a script.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`bench-report: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
