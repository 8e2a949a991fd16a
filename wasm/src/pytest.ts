/**
 * Runs the project's pytest suite inside Pyodide in Node, against the
 * WebAssembly host: `hpy-wasm pytest [PYTEST ARGS]`.
 *
 * Pyodide's npm package has neither pytest nor a package installer that
 * works offline, so the wheels of pytest and its pure-Python dependencies
 * (fetched once by `make test-wasm` with pip download, pinned in
 * test/wasm/requirements.txt) are unpacked into Pyodide's site-packages.
 * The repository is mounted at its own path, so the test files, the headers
 * and pytest's temporary folders have one name on both sides: test/support.py
 * writes a snippet there, asks Node (the JS module registered below) to build
 * it with clang, and loads the binary with hpy.universal.load.
 */
import type { PyodideInterface } from "pyodide";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildExtension, compileRuntimeHelpers } from "./ext-build.ts";
import { installHPy, type HPyMode } from "./install.ts";
import { paths, repoRoot } from "./paths.ts";
import { mountDir, startPyodide } from "./run.ts";
import { ToolchainError } from "./toolchain.ts";

/** The JS module test/support.py imports in Pyodide. */
export const BUILD_MODULE = "_hpy_wasm_build";

export const defaultWheelDir = path.join(paths.buildDir, "wheels");

export class MissingWheelsError extends Error {}

export interface PytestOptions {
  /** Arguments of pytest (paths, -k, -q, ...), relative to the repository root. */
  args: readonly string[];
  /** Folder of the pytest wheels; default build/wasm/wheels. */
  wheelDir?: string;
  mode?: HPyMode;
  /** Starts the Pyodide to run in (default: startPyodide, the `pyodide` package's); another release's loadPyodide runs the suite there. */
  load?: () => Promise<PyodideInterface>;
}

/** What support.py sends for one module (JSON). */
interface BuildRequest {
  name: string;
  sources: string[];
  outDir: string;
  /** Flags of the module's own sources. */
  flags: string[];
  /** Flags of the runtime helpers (compiled once per distinct value); null: no helpers. */
  helperFlags: string[] | null;
}

/** The wheels to install, or a MissingWheelsError saying how to fetch them. */
export function findWheels(dir: string): string[] {
  const wheels = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".whl")) : [];
  if (!wheels.some((w) => w.startsWith("pytest-"))) {
    throw new MissingWheelsError(
      `no pytest wheel in ${dir}: fetch them with 'make wasm-wheels' ` +
        "(pip download of test/wasm/requirements.txt)",
    );
  }
  return wheels.sort().map((w) => path.join(dir, w));
}

/** Unpacks pure-Python wheels into Pyodide's site-packages (what an installer would do). */
export function installWheels(pyodide: PyodideInterface, wheels: readonly string[]): void {
  pyodide.FS.mkdirTree("/tmp/wheels");
  const inPyodide = wheels.map((w) => {
    const target = `/tmp/wheels/${path.basename(w)}`;
    pyodide.FS.writeFile(target, new Uint8Array(fs.readFileSync(w)));
    return target;
  });
  pyodide.globals.set("_hpy_wheels", pyodide.toPy(inPyodide));
  pyodide.runPython(`
import sysconfig, zipfile
for _w in _hpy_wheels:
    with zipfile.ZipFile(_w) as _z:
        _z.extractall(sysconfig.get_paths()["purelib"])
del _hpy_wheels, _w, _z
import importlib
importlib.invalidate_caches()
`);
}

/** The build function support.py calls: a JSON request in, {"path"} or {"error"} out. */
export function makeBuilder(objRoot: string): (request: string) => string {
  const helpers = new Map<string, string[]>();
  return (request: string): string => {
    try {
      const r = JSON.parse(request) as BuildRequest;
      const key = JSON.stringify(r.helperFlags);
      let helperObjects = r.helperFlags === null ? [] : helpers.get(key);
      if (helperObjects === undefined) {
        const dir = path.join(objRoot, `runtime-${helpers.size}`);
        helperObjects = compileRuntimeHelpers(dir, { extraFlags: r.helperFlags ?? [] });
        helpers.set(key, helperObjects);
      }
      const out = buildExtension({
        sources: r.sources,
        outDir: r.outDir,
        name: r.name,
        extraFlags: r.flags,
        helperObjects,
      });
      return JSON.stringify({ path: out });
    } catch (e) {
      if (e instanceof ToolchainError) return JSON.stringify({ error: e.message });
      throw e;
    }
  };
}

const RUN_PYTEST = `
def _hpy_run_pytest(root, args):
    import os, sys
    os.chdir(root)
    import pytest
    try:
        return int(pytest.main(list(args)))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
_hpy_run_pytest
`;

/** Runs pytest in a fresh Pyodide; resolves to pytest's exit status. */
export async function runPytest(options: PytestOptions): Promise<number> {
  const wheels = findWheels(options.wheelDir ?? defaultWheelDir);
  const pyodide = await (options.load ?? startPyodide)();
  // pytest writes its progress a character at a time: pass writes through
  // unbuffered rather than as lines.
  const passThrough = (stream: NodeJS.WriteStream) => ({
    write: (buffer: Uint8Array) => {
      stream.write(buffer);
      return buffer.length;
    },
  });
  pyodide.setStdout(passThrough(process.stdout));
  pyodide.setStderr(passThrough(process.stderr));
  await installHPy(pyodide, options.mode ? { mode: options.mode } : {});
  installWheels(pyodide, wheels);
  mountDir(pyodide, repoRoot);
  // The upstream facts some tests compare with (test_public_names.py).
  const specDir = path.resolve(process.env.HPY_SPEC_DIR ?? path.join(repoRoot, "../shared/spec"));
  if (fs.existsSync(specDir)) {
    mountDir(pyodide, specDir);
    pyodide.globals.set("_hpy_spec_dir", specDir);
    pyodide.runPython("import os; os.environ['HPY_SPEC_DIR'] = _hpy_spec_dir; del _hpy_spec_dir");
  }
  const objRoot = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-pytest-"));
  try {
    pyodide.registerJsModule(BUILD_MODULE, { build: makeBuilder(objRoot) });
    const run = pyodide.runPython(RUN_PYTEST) as ((root: string, args: string[]) => number) & {
      destroy(): void;
    };
    // pytest's temporary folders must be on the mounted tree: clang (in
    // Node) reads the snippets and writes the binaries there.
    const basetemp = path.join(paths.buildDir, "pytest-tmp");
    const args = [`--basetemp=${basetemp}`, "-p", "no:cacheprovider", ...options.args];
    try {
      return run(repoRoot, args);
    } finally {
      run.destroy();
    }
  } finally {
    fs.rmSync(objRoot, { recursive: true, force: true });
  }
}
