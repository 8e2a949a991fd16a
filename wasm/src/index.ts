/** The library interface of the HPy WebAssembly host. */
export { installHPy, installWheel, readPythonFiles, MissingSymbolsError, missingSymbols, importedSymbols } from "./install.ts";
export type { HPyMode, HostFiles, InstallOptions, PyodideLike } from "./install.ts";
export { buildExtension, extensionFileName } from "./ext-build.ts";
export type { ExtensionBuild } from "./ext-build.ts";
export { buildHost, hostBinaryPath } from "./host-build.ts";
export { runScript, startPyodide, mountDir } from "./run.ts";
