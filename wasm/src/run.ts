/**
 * Runs a Python script in Pyodide (Node.js) with HPy installed: the script's
 * folder and each extra folder are mounted at their own paths and put on
 * sys.path, the script runs as __main__, its output goes to this process's
 * stdout/stderr, and its exit status is returned.
 */
import { loadPyodide, type PyodideInterface } from "pyodide";
import fs from "node:fs";
import path from "node:path";
import { installHPy, installWheel, type HPyMode } from "./install.ts";

export interface RunOptions {
  script: string;
  args?: readonly string[];
  /** Folders added to sys.path (before the script's own folder). */
  pathDirs?: readonly string[];
  /** Wheels installed into site-packages first. */
  wheels?: readonly string[];
  mode?: HPyMode;
}

const mounted = new WeakMap<PyodideInterface, Set<string>>();

/** Whether `dir` is `parent` or lies below it. */
function isWithin(dir: string, parent: string): boolean {
  return dir === parent || dir.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/**
 * Makes a folder of this machine visible in Pyodide at the same path. A
 * folder inside one mounted before is visible already; a folder that holds
 * folders mounted before replaces their mounts (its own mount shows them),
 * since a mount point must be an empty folder and theirs sit inside it.
 */
export function mountDir(pyodide: PyodideInterface, dir: string): void {
  const abs = path.resolve(dir);
  const seen = mounted.get(pyodide) ?? new Set<string>();
  mounted.set(pyodide, seen);
  for (const m of seen) if (isWithin(abs, m)) return;
  if (!fs.statSync(abs).isDirectory()) throw new Error(`not a folder: ${dir}`);
  const inner = [...seen].filter((m) => isWithin(m, abs));
  for (const m of inner) {
    pyodide.FS.unmount(m);
    seen.delete(m);
  }
  // the folders made for their mount points, deepest first, up to `abs`
  const made = new Set<string>();
  for (const m of inner) for (let d = m; d !== abs; d = path.dirname(d)) made.add(d);
  for (const d of [...made].sort((a, b) => b.length - a.length)) pyodide.FS.rmdir(d);
  pyodide.FS.mkdirTree(abs);
  pyodide.mountNodeFS(abs, abs);
  seen.add(abs);
}

/** A Pyodide whose output goes to this process's stdout and stderr. */
export async function startPyodide(): Promise<PyodideInterface> {
  return loadPyodide({
    stdout: (line: string) => process.stdout.write(line + "\n"),
    stderr: (line: string) => process.stderr.write(line + "\n"),
  });
}

const RUN_MAIN = `
def _hpy_wasm_run(script, args, dirs):
    import runpy, sys, traceback
    for d in reversed(dirs):
        sys.path.insert(0, d)
    sys.argv = [script, *args]
    try:
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            if e.code is None:
                return 0
            if isinstance(e.code, int):
                return e.code
            print(e.code, file=sys.stderr)
            return 1
        except BaseException:
            traceback.print_exc()
            return 1
        return 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
_hpy_wasm_run
`;

/** The exit status after Pyodide died of a fatal error (as for SIGABRT). */
export const FATAL_ERROR_STATUS = 134;

interface PyodideFatalError {
  pyodide_fatal_error: true;
  message: string;
  stack?: string;
}

function isFatal(e: unknown): e is PyodideFatalError {
  return typeof e === "object" && e !== null && (e as { pyodide_fatal_error?: unknown }).pyodide_fatal_error === true;
}

/** The frames of a wasm stack trace that belong to HPy modules (NAME.hpy0.wasm). */
function extensionFrames(stack: string | undefined): string[] {
  return (stack ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^at \S+\.hpy\d+\.wasm\./.test(l));
}

/** Runs the script; resolves to its exit status. */
export async function runScript(options: RunOptions): Promise<number> {
  const script = path.resolve(options.script);
  const pyodide = await startPyodide();
  await installHPy(pyodide, options.mode ? { mode: options.mode } : {});
  for (const w of options.wheels ?? []) installWheel(pyodide, new Uint8Array(fs.readFileSync(w)));
  const dirs = [...(options.pathDirs ?? []).map((d) => path.resolve(d)), path.dirname(script)];
  for (const d of dirs) mountDir(pyodide, d);
  const run = pyodide.runPython(RUN_MAIN) as (s: string, a: string[], d: string[]) => number;
  try {
    return run(script, [...(options.args ?? [])], dirs);
  } catch (e) {
    // In universal mode nothing stands between CPython and the extension:
    // a trap there ends this Pyodide, as a segmentation fault ends CPython.
    if (!isFatal(e)) throw e;
    const frames = extensionFrames(e.stack);
    process.stderr.write(
      `hpy-wasm: the WebAssembly code died (${e.message})` +
        (frames.length > 0 ? ` in an HPy extension:\n  ${frames.join("\n  ")}` : "") +
        "\nIn universal mode a trap in an extension ends the interpreter, as a segmentation " +
        "fault ends CPython (docs/wasm.md, Faults).\n",
    );
    return FATAL_ERROR_STATUS;
  }
}
