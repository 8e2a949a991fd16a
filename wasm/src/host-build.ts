/**
 * Builds the host's side module: the CPython host's sources (loading
 * protocol, universal context, argument parsing and the other runtime
 * helpers) compiled for wasm32 against the stable-ABI Python.h of
 * wasm/host/include, plus what wasm/host/src replaces. The module is
 * installed into Pyodide as the extension module hpy.universal.
 *
 * The product is cached in build/wasm/ and rebuilt when any input is newer.
 */
import fs from "node:fs";
import path from "node:path";
import { paths } from "./paths.ts";
import { compile, hostWarningFlags, libcInclude, link } from "./toolchain.ts";

/** CPython-host sources that need more than the stable ABI and are replaced in wasm/host/src. */
const NOT_IN_WASM_HOST = new Set([
  "ctx_type.c",
  "ctx_type_gc.c",
  // memory protection (mmap, mprotect, SIGSEGV): debug_raw_data_wasm.c instead
  "debug_raw_data.c",
  "debug_segv.c",
]);

function cFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c") && !NOT_IN_WASM_HOST.has(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** What the host exports: its init function, and what the entry guard of the debug and trace modes calls (install-core.ts). */
export const HOST_EXPORTS = [
  "PyInit_universal",
  "hpy_wasm_set_guard",
  "hpy_wasm_guard_message_buffer",
  "hpy_wasm_guard_message_size",
  "hpy_wasm_guard_unwind",
] as const;

export function hostSources(): string[] {
  return [
    ...cFiles(paths.universalSources),
    ...cFiles(paths.runtimeSources),
    ...cFiles(paths.debugSources),
    ...cFiles(paths.traceSources),
    ...cFiles(paths.hostSources),
  ];
}

function headerDirs(): string[] {
  return [
    paths.hostInclude,
    paths.hpyInclude,
    paths.universalSources,
    paths.runtimeSources,
    paths.debugSources,
    paths.traceSources,
    paths.hostSources, // ctx_type_wasm.h, for the debug mode's wrappers
    libcInclude,
  ];
}

function newestInput(): number {
  let newest = 0;
  const visit = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    } else if (/\.[ch]$/.test(p)) {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const d of [...headerDirs(), paths.runtimeSources, paths.hostSources]) visit(d);
  return newest;
}

/* The host is one program: optimized as a whole (LTO), so that its many
 * small functions (handle conversions, type-data lookups) are inlined
 * across files. */
const hostOptimizationFlags: readonly string[] = ["-O3", "-flto"];

export const hostBinaryPath = path.join(paths.buildDir, "hpy_universal.wasm");

/** Builds the host binary if it is missing or older than its sources; returns its path. */
export function buildHost(options: { force?: boolean } = {}): string {
  if (
    !options.force &&
    fs.existsSync(hostBinaryPath) &&
    fs.statSync(hostBinaryPath).mtimeMs >= newestInput()
  ) {
    return hostBinaryPath;
  }
  // One object folder and one temporary binary per build: test files that
  // run in parallel processes may both find the binary stale. (A failed
  // build leaves its folder for a look at the objects.)
  fs.mkdirSync(paths.buildDir, { recursive: true });
  const objDir = fs.mkdtempSync(path.join(paths.buildDir, "host-obj-"));
  const flags = [
    ...hostOptimizationFlags,
    ...hostWarningFlags,
    "-DHPY",
    "-DHPY_ABI_UNIVERSAL",
    "-DHPY_HOST",
    "-DHPY_WASM_HOST",
    ...headerDirs().flatMap((d) => ["-I", d]),
  ];
  const objects = hostSources().map((source) => {
    const object = path.join(objDir, path.basename(source, ".c") + ".o");
    compile({ source, object, flags });
    return object;
  });
  // Linked under its final name (wasm stack traces show it), then moved
  // into place in one step.
  const tmp = path.join(objDir, path.basename(hostBinaryPath));
  link(objects, tmp, [...hostOptimizationFlags, ...HOST_EXPORTS.map((e) => `-Wl,--export=${e}`)]);
  fs.renameSync(tmp, hostBinaryPath);
  fs.rmSync(objDir, { recursive: true, force: true });
  return hostBinaryPath;
}
