/**
 * Instructions per operation of each microbenchmark in each mode, counted
 * by callgrind: the noise-free companion of the timed report. A ratio of
 * times moves by a few hundredths from run to run and by up to a tenth
 * with where the code lands in memory (bench/README.md, "Time that is not
 * instructions"); the count of instructions does not, so a change that
 * adds or removes work shows here even when the timing cannot tell.
 *
 *   npx tsx bench/report/instructions.ts [--filter REGEX] [--modes cpython,universal,debug]
 *       [--ops N] [--python PATH] [--out FILE.md] [--quiet]
 *
 * Each count is one `bench/run.py --loop BENCH MODE OPS` under
 * `valgrind --tool=callgrind`, collecting only inside sys.call_tracing
 * (the loop, nothing else), divided by OPS. The Python loop's own
 * instructions are included, as in the timed report.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** What `bench/run.py --list` declares (bench/harness/benches.py and modes.py). */
export interface Catalogue {
  readonly benchmarks: readonly string[];
  /** mode name -> label */
  readonly labels: ReadonlyMap<string, string>;
  /** the mode the others are compared with (the C API) */
  readonly reference: string;
}

export interface Options {
  readonly filter: RegExp | null;
  readonly modes: readonly string[];
  readonly ops: number;
  readonly python: string;
  readonly out: string;
  readonly quiet: boolean;
}

/** Instructions per operation: bench -> mode -> count (null: the mode could not run it). */
export type Counts = ReadonlyMap<string, ReadonlyMap<string, number | null>>;

export function parseArgs(argv: readonly string[]): Options {
  let filter: RegExp | null = null;
  let modes: string[] = ["cpython", "universal", "debug"];
  let ops = 20000;
  let python = join(REPO, ".venv", "bin", "python");
  let out = join(REPO, "bench", "results", "instructions.md");
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--filter") filter = new RegExp(value());
    else if (a === "--modes") modes = value().split(",").filter((m) => m !== "");
    else if (a === "--ops") ops = Number(value());
    else if (a === "--python") python = value();
    else if (a === "--out") out = resolve(value());
    else if (a === "--quiet") quiet = true;
    else throw new Error(`unknown option ${a} (--filter REGEX, --modes LIST, --ops N, --python PATH, --out FILE, --quiet)`);
  }
  if (!Number.isInteger(ops) || ops < 1) throw new Error(`--ops must be a positive integer`);
  return { filter, modes, ops, python, out, quiet };
}

/** The instructions callgrind counted, from its output file's `summary:` line. */
export function parseCallgrindSummary(text: string): number {
  const m = /^summary:\s+(\d+)\s*$/m.exec(text);
  if (m === null) throw new Error("no summary line in the callgrind output");
  return Number(m[1]);
}

/** The catalogue from run.py's `--list` output. */
export function parseCatalogue(json: string): Catalogue {
  const doc = JSON.parse(json) as { benchmarks?: unknown; modes?: unknown; reference?: unknown };
  if (!Array.isArray(doc.benchmarks) || !Array.isArray(doc.modes))
    throw new Error("bench/run.py --list: no benchmarks or modes");
  const labels = new Map<string, string>();
  for (const m of doc.modes as { name?: unknown; label?: unknown }[])
    if (typeof m.name === "string" && typeof m.label === "string") labels.set(m.name, m.label);
  if (typeof doc.reference !== "string" || !labels.has(doc.reference))
    throw new Error("bench/run.py --list: no reference mode");
  return {
    benchmarks: doc.benchmarks.filter((b): b is string => typeof b === "string"),
    labels,
    reference: doc.reference,
  };
}

/** The modes to compare with the reference: `modes` without it, if run.py knows each of them. */
export function checkModes(modes: readonly string[], catalogue: Catalogue): readonly string[] {
  for (const m of modes) if (!catalogue.labels.has(m)) throw new Error(`unknown mode ${m}`);
  return modes.filter((m) => m !== catalogue.reference);
}

function catalogue(python: string): Catalogue {
  const r = spawnSync(python, [join(REPO, "bench", "run.py"), "--list"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/run.py --list failed: ${r.stderr}`);
  return parseCatalogue(r.stdout);
}

/** Instructions per operation of one benchmark in one mode, or null if it cannot run there. */
function count(opts: Options, bench: string, mode: string, dir: string): Promise<number | null> {
  const file = join(dir, `${bench}.${mode}.out`);
  const args = [
    "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=sys_call_tracing",
    `--callgrind-out-file=${file}`,
    opts.python, join(REPO, "bench", "run.py"), "--loop", bench, mode, String(opts.ops),
  ];
  return new Promise((resolvePromise, reject) => {
    execFile("valgrind", args, { encoding: "utf8" }, (error) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error("valgrind not found (install valgrind)"));
        return;
      }
      // run.py --loop exits 1 when the mode cannot run the benchmark
      resolvePromise(error !== null ? null : parseCallgrindSummary(readFileSync(file, "utf8")) / opts.ops);
    });
  });
}

/** Runs `jobs` with at most `width` at a time; the results in the jobs' order. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (job !== undefined) results[i] = await job();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
  return results;
}

export function renderMarkdown(
  counts: Counts, modes: readonly string[], catalogue: Catalogue, ops: number,
): string {
  const head = [catalogue.reference, ...modes].map((m) => catalogue.labels.get(m) ?? m);
  const lines = [
    "# Instructions per operation against the C API",
    "",
    `callgrind, ${ops} operations of each benchmark (\`npx tsx bench/report/instructions.ts\`), the ` +
      "Python loop included; × = ratio to the C API. Deterministic, unlike the timed report: " +
      "what it shows is the work, not where the code lands.",
    "",
    `| benchmark | ${head.map((h, i) => (i === 0 ? h : `${h} | ×`)).join(" | ")} |`,
    `|---|${head.map((_, i) => (i === 0 ? "---:" : "---:|---:")).join("|")}|`,
  ];
  for (const [bench, byMode] of counts) {
    const ref = byMode.get(catalogue.reference) ?? null;
    const cells = [ref === null ? "—" : ref.toFixed(0)];
    for (const m of modes) {
      const v = byMode.get(m) ?? null;
      cells.push(v === null ? "—" : v.toFixed(0));
      cells.push(v === null || ref === null || ref === 0 ? "—" : (v / ref).toFixed(3));
    }
    lines.push(`| \`${bench}\` | ${cells.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const cat = catalogue(opts.python);
  const modes = checkModes(opts.modes, cat);
  const all = [cat.reference, ...modes];
  const benches = cat.benchmarks.filter((b) => opts.filter === null || opts.filter.test(b));
  if (benches.length === 0) throw new Error("no benchmark matches the filter");
  const dir = mkdtempSync(join(tmpdir(), "hpy-instructions-"));
  try {
    // build each mode's binary once, before the parallel runs would race to
    for (const m of all) {
      const r = spawnSync(opts.python, [join(REPO, "bench", "run.py"), "--loop", benches[0] ?? "", m, "1"],
        { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`bench/run.py --loop ${benches[0]} ${m} failed: ${r.stderr}`);
    }
    const pairs = benches.flatMap((b) => all.map((m) => [b, m] as const));
    const values = await pool(
      pairs.map(([b, m]) => async () => {
        const v = await count(opts, b, m, dir);
        if (!opts.quiet) process.stderr.write(`${b} [${m}]: ${v?.toFixed(0) ?? "—"}\n`);
        return v;
      }),
      availableParallelism(),
    );
    const counts = new Map<string, Map<string, number | null>>();
    pairs.forEach(([b, m], i) => {
      const byMode = counts.get(b) ?? new Map<string, number | null>();
      byMode.set(m, values[i] ?? null);
      counts.set(b, byMode);
    });
    const md = renderMarkdown(counts, modes, cat, opts.ops);
    writeFileSync(opts.out, md);
    if (!opts.quiet) process.stdout.write(md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`instructions: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
