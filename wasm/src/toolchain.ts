/**
 * The C toolchain of the WebAssembly host: Debian's clang building wasm32
 * side modules that share Pyodide's memory, function table, stack and libc.
 * No Emscripten SDK is involved; the flags below are what Pyodide's dynamic
 * loader accepts (see docs/wasm.md).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { paths } from "./paths.ts";

/** The clang binaries tried in order; HPY_WASM_CC overrides them. */
const CLANG_CANDIDATES = ["clang-19", "clang-20", "clang-18", "clang"];

export class ToolchainError extends Error {}

let cachedClang: string | undefined;

function supportsWasm32(clang: string): boolean {
  const r = spawnSync(clang, ["--target=wasm32-unknown-emscripten", "-print-targets"], {
    encoding: "utf8",
  });
  return r.status === 0 && /wasm32/.test(r.stdout);
}

/** The clang to use, or a ToolchainError saying how to get one. */
export function findClang(): string {
  if (cachedClang !== undefined) return cachedClang;
  const fromEnv = process.env.HPY_WASM_CC;
  const candidates = fromEnv ? [fromEnv] : CLANG_CANDIDATES;
  for (const c of candidates) {
    if (supportsWasm32(c)) {
      cachedClang = c;
      return c;
    }
  }
  throw new ToolchainError(
    `no clang with the wasm32 target found (tried ${candidates.join(", ")}); ` +
      "install Debian's clang-19 and lld-19 (apt-get install clang-19 lld-19) or set HPY_WASM_CC",
  );
}

/** Flags for every translation unit of a side module. */
export const compileFlags: readonly string[] = [
  "--target=wasm32-unknown-emscripten",
  "-O2",
  "-fPIC",
  // Without it clang would take the build machine's glibc headers.
  "-ffreestanding",
  "-nostdlib",
  // Only the loading protocol's symbols are exported (HPy_MODINIT marks
  // them): a module's other functions never clash with Pyodide's.
  "-fvisibility=hidden",
  "-Wall",
  "-I",
  paths.libcInclude,
];

/** The host's own sources are held to the project's standard. */
export const hostWarningFlags: readonly string[] = ["-Wextra", "-Werror"];

/** Flags of the link step that makes a side module. */
export const linkFlags: readonly string[] = [
  "--target=wasm32-unknown-emscripten",
  "-fPIC",
  "-nostdlib",
  "-shared",
  "-Wl,--experimental-pic",
  "-Wl,--no-entry",
  // Calls to the C API and libc resolve against Pyodide's exports at load time.
  "-Wl,--unresolved-symbols=import-dynamic",
];

export interface CompileUnit {
  source: string;
  object: string;
  flags: readonly string[];
}

/** Compiles one unit; a compiler error becomes a ToolchainError with its output. */
export function compile(unit: CompileUnit): void {
  const clang = findClang();
  const args = [...compileFlags, ...unit.flags, "-c", unit.source, "-o", unit.object];
  const r = spawnSync(clang, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new ToolchainError(`${clang} failed on ${unit.source}:\n${r.stderr}${r.stdout}`);
  }
}

/** Links objects into a side module; extra: more linker flags. */
export function link(objects: readonly string[], output: string, extra: readonly string[] = []): void {
  const clang = findClang();
  try {
    execFileSync(clang, [...linkFlags, ...extra, ...objects, "-o", output], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new ToolchainError(`linking ${output} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
}
