/**
 * The WebAssembly section of `make bench`: one Pyodide process (Node.js)
 * timing bench/hpy_bench.c built for wasm32 (HPy, universal mode) against
 * bench/cpyext_bench.c built as a C-API side module (the stable-ABI
 * declarations of wasm/host/include plus bench/wasm/Python.h) and against
 * the same module in Python, with bench/harness's benchmarks and timing
 * loops (bench/wasm/driver.py). Writes bench/results/wasm.{json,md,svg}
 * with the one report writer, bench/report/bench-report.ts.
 *
 *   npx tsx bench/wasm/run.ts [--quick] [--reps N] [--filter REGEX] [--output DIR]
 *                             [--no-direct-trampolines] [--no-direct-inline]
 *                             [--no-direct-refcount] [--no-direct-calls] [--no-direct-alloc]
 *                             [--no-direct-typeflags]
 *
 * --filter times only the benchmarks whose name matches (while iterating).
 * --no-direct-trampolines loads the HPy module without the direct
 * trampolines (docs/internals.md), i.e. with the host's entry points: the
 * "before" of that change, in the same build. --no-direct-inline keeps the
 * direct trampolines but not the inline HPy_TypeCheck and
 * _HPy_AsStruct_Object (hpy_universal.h): every call enters the host.
 * --no-direct-refcount keeps those but not the host's reference-count
 * model: HPy_Dup, HPy_Close and HPy_Type enter the host.
 * --no-direct-calls keeps the others but not the inline calls on built-in
 * objects (hpy/universal/direct_calls.h).
 * --no-direct-alloc keeps the others but not the inline HPy_New and
 * HPyTuple_FromArray (direct_alloc.h).
 * --no-direct-typeflags keeps the others but HPy_TypeCheck walks the MRO
 * instead of reading the fast-subclass flags.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";
import { writeReport } from "../report/bench-report.ts";
import { buildExtension } from "../../wasm/src/ext-build.ts";
import { installHPy } from "../../wasm/src/install.ts";
import { mountDir } from "../../wasm/src/run.ts";
import { compile, compileFlags, findClang, link } from "../../wasm/src/toolchain.ts";
import { paths } from "../../wasm/src/paths.ts";

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = path.join(paths.buildDir, "bench");

interface Options {
  quick: boolean;
  reps: number;
  targetMs: number;
  filter: string;
  output: string;
  directTrampolines: boolean;
  directInline: boolean;
  directRefcount: boolean;
  directCalls: boolean;
  directAlloc: boolean;
  directTypeflags: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { quick: false, reps: 20, targetMs: 5, filter: "", output: path.join(benchDir, "results"), directTrampolines: true, directInline: true, directRefcount: true, directCalls: true, directAlloc: true, directTypeflags: true };
  let repsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") o.quick = true;
    else if (a === "--reps") {
      o.reps = Number(argv[++i]);
      repsGiven = true;
    } else if (a === "--filter") o.filter = argv[++i] ?? "";
    else if (a === "--output") o.output = path.resolve(argv[++i] ?? ".");
    else if (a === "--no-direct-trampolines") o.directTrampolines = false;
    else if (a === "--no-direct-inline") o.directInline = false;
    else if (a === "--no-direct-refcount") o.directRefcount = false;
    else if (a === "--no-direct-calls") o.directCalls = false;
    else if (a === "--no-direct-alloc") o.directAlloc = false;
    else if (a === "--no-direct-typeflags") o.directTypeflags = false;
    else throw new Error(`unknown option ${a} (--quick, --reps N, --filter REGEX, --output DIR, --no-direct-trampolines, --no-direct-inline, --no-direct-refcount, --no-direct-calls, --no-direct-alloc, --no-direct-typeflags)`);
  }
  if (o.quick && !repsGiven) o.reps = 1;
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error("--reps needs a positive integer");
  return o;
}

/** The C-API extension as a side module named for this Pyodide's importer. */
function buildCapi(extSuffix: string): string {
  const obj = path.join(buildDir, "cpyext_bench.o");
  compile({
    source: path.join(benchDir, "cpyext_bench.c"),
    object: obj,
    flags: ["-I", path.join(benchDir, "wasm"), "-I", paths.hostInclude],
  });
  const out = path.join(buildDir, `cpyext_bench${extSuffix}`);
  link([obj], out, ["-Wl,--export=PyInit_cpyext_bench"]);
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseArgs(argv);
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.mkdirSync(buildDir, { recursive: true });
  buildExtension({ sources: [path.join(benchDir, "hpy_bench.c")], outDir: buildDir, name: "hpy_bench" });

  const log = (line: string): boolean => process.stderr.write(line + "\n");
  const pyodide = await loadPyodide({ stdout: log, stderr: log });
  await installHPy(pyodide, { mode: "universal" });
  const extSuffix = pyodide.runPython("import importlib.machinery as m; m.EXTENSION_SUFFIXES[0]") as string;
  buildCapi(extSuffix);
  for (const d of [benchDir, buildDir]) mountDir(pyodide, d);
  const outJson = path.join(buildDir, "wasm.json");
  const clang = findClang();
  const ccVersion = execFileSync(clang, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? clang;
  pyodide.runPython(
    `import sys\nfor d in (${JSON.stringify(path.join(benchDir, "wasm"))}, ${JSON.stringify(benchDir)}, ` +
      `${JSON.stringify(buildDir)}):\n    sys.path.insert(0, d)\n`,
  );
  if (!opts.directTrampolines) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_trampolines_enabled(False)\n");
  if (!opts.directInline) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_inline_enabled(False)\n");
  if (!opts.directRefcount) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_refcount_enabled(False)\n");
  if (!opts.directCalls) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_calls_enabled(False)\n");
  if (!opts.directAlloc) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_alloc_enabled(False)\n");
  if (!opts.directTypeflags) pyodide.runPython("import hpy.universal\nhpy.universal._set_direct_typeflags_enabled(False)\n");
  const driver = pyodide.pyimport("driver") as unknown as {
    main(
      out: string,
      reps: number,
      quick: boolean,
      targetMs: number,
      cc: string,
      cflags: string[],
      filter: string,
    ): number;
  };
  const status = driver.main(outJson, opts.reps, opts.quick, opts.targetMs, ccVersion, [...compileFlags], opts.filter);

  // Pyodide sees no /proc: the machine is described from Node.
  const doc = JSON.parse(fs.readFileSync(outJson, "utf8")) as { machine: Record<string, unknown> };
  const cpus = os.cpus();
  doc.machine.platform = `Node.js ${process.version}, Pyodide ${pyodide.version}`;
  doc.machine.cpu = cpus[0]?.model ?? "unknown";
  doc.machine.cpus = cpus.length;
  fs.mkdirSync(opts.output, { recursive: true });
  const final = path.join(opts.output, "wasm.json");
  fs.writeFileSync(final, JSON.stringify(doc, null, 2) + "\n");
  const out = writeReport(final);
  process.stdout.write(out.markdown);
  return status;
}

process.exitCode = await main(process.argv.slice(2));
