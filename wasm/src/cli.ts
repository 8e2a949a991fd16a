/**
 * hpy-wasm: build HPy extensions for WebAssembly and run scripts that use
 * them in Pyodide.
 *
 *   hpy-wasm build -o OUTDIR [-I DIR] [-D NAME[=V]] [--name MODNAME] SRC.c...
 *   hpy-wasm run [--mode universal|debug|trace] [--path DIR]... [--wheel FILE]... SCRIPT.py [ARGS...]
 *   hpy-wasm host        build the host binary (build/wasm/) and print its path
 *   hpy-wasm demo [--port N]   build the demo page and serve it on 127.0.0.1
 *   hpy-wasm toolchain   print the clang in use; exit status 1 and the reason without one
 *   hpy-wasm pytest [PYTEST ARGS...]   the project's pytest suite in Pyodide
 */
import { buildExtension } from "./ext-build.ts";
import { buildHost } from "./host-build.ts";
import type { HPyMode } from "./install.ts";
import { MissingWheelsError, runPytest } from "./pytest.ts";
import { runScript } from "./run.ts";
import { findClang, ToolchainError } from "./toolchain.ts";

class UsageError extends Error {}

const USAGE = `usage:
  hpy-wasm build -o OUTDIR [-I DIR] [-D NAME[=VALUE]] [--name MODNAME] SRC.c...
  hpy-wasm run [--mode universal|debug|trace] [--path DIR]... [--wheel FILE]... SCRIPT.py [ARGS...]
  hpy-wasm host
  hpy-wasm demo [--port N]
  hpy-wasm toolchain
  hpy-wasm pytest [PYTEST ARGS...]`;

function takeValue(args: string[], i: number, flag: string): string {
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  return v;
}

function cmdBuild(args: string[]): number {
  let outDir: string | undefined;
  let name: string | undefined;
  const includeDirs: string[] = [];
  const defines: string[] = [];
  const sources: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-o") outDir = takeValue(args, i++, a);
    else if (a === "--name") name = takeValue(args, i++, a);
    else if (a === "-I") includeDirs.push(takeValue(args, i++, a));
    else if (a.startsWith("-I")) includeDirs.push(a.slice(2));
    else if (a === "-D") defines.push(takeValue(args, i++, a));
    else if (a.startsWith("-D")) defines.push(a.slice(2));
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else sources.push(a);
  }
  if (outDir === undefined) throw new UsageError("build: -o OUTDIR is required");
  if (sources.length === 0) throw new UsageError("build: no source file given");
  const out = buildExtension({ sources, outDir, includeDirs, defines, ...(name ? { name } : {}) });
  process.stdout.write(`${out}\n`);
  return 0;
}

async function cmdRun(args: string[]): Promise<number> {
  let mode: HPyMode | undefined;
  const pathDirs: string[] = [];
  const wheels: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--mode") {
      const m = takeValue(args, i++, a);
      if (m !== "universal" && m !== "debug" && m !== "trace") {
        throw new UsageError(`run: unknown mode '${m}' (universal, debug or trace)`);
      }
      mode = m;
    } else if (a === "--path") pathDirs.push(takeValue(args, i++, a));
    else if (a === "--wheel") wheels.push(takeValue(args, i++, a));
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else break;
  }
  const script = args[i];
  if (script === undefined) throw new UsageError("run: no script given");
  return runScript({ script, args: args.slice(i + 1), pathDirs, wheels, ...(mode ? { mode } : {}) });
}

/** Builds the demo page, serves it until the process is interrupted. */
async function cmdDemo(args: string[]): Promise<number> {
  let port = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--port") {
      const v = takeValue(args, i++, a);
      port = Number(v);
      if (!/^\d+$/.test(v) || port > 65535) throw new UsageError(`demo: invalid port '${v}'`);
    } else throw new UsageError(`unknown option ${a}`);
  }
  const { buildDemo, serveDemo } = await import("./demo.ts");
  const dir = await buildDemo();
  let server: Awaited<ReturnType<typeof serveDemo>>;
  try {
    server = await serveDemo(port);
  } catch (e) {
    if ((e as { code?: string }).code !== "EADDRINUSE") throw e;
    process.stderr.write(`hpy-wasm: demo: port ${port} is in use\n`);
    return 1;
  }
  process.stdout.write(`built ${dir}\nHPy demo page: ${server.url}\n(Ctrl-C stops the server)\n`);
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  await server.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "build":
        return cmdBuild(rest);
      case "run":
        return await cmdRun(rest);
      case "pytest":
        return await runPytest({ args: rest });
      case "host":
        process.stdout.write(`${buildHost()}\n`);
        return 0;
      case "demo":
        return await cmdDemo(rest);
      case "toolchain":
        process.stdout.write(`${findClang()}\n`);
        return 0;
      case "-h":
      case "--help":
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(cmd === undefined ? "no command given" : `unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hpy-wasm: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ToolchainError || e instanceof MissingWheelsError) {
      process.stderr.write(`hpy-wasm: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
