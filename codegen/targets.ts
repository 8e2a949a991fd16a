/**
 * The list of emitters: one per generated file. Adding an output means adding
 * its emitter here.
 */
import type { GeneratedFile } from "./generated-file.ts";
import { emitEnums } from "./emitters/enums.ts";
import { emitSlots } from "./emitters/slots.ts";
import { emitHPyFunc } from "./emitters/hpyfunc.ts";
import { emitUniversalContext, emitUniversalWrappers } from "./emitters/universal-ctx.ts";
import { emitCPythonTrampolines, emitHostCallRealFunction, emitUniversalTrampolines } from "./emitters/trampolines.ts";
import { emitCPythonApi, emitCPythonContext } from "./emitters/cpython-api.ts";
import { emitCtxDecl, emitHostCtxImpl, emitHostCtxInit } from "./emitters/host.ts";
import { emitDebugCallReal, emitDebugDecl, emitDebugWrappers } from "./emitters/debug.ts";
import { emitTraceWrappers } from "./emitters/trace.ts";
import { emitApiReference } from "./emitters/docs.ts";
import { emitHostEntryPoints } from "./emitters/host-stubs.ts";
import { emitPublicShapes, emitRuntimeTypeTables } from "./emitters/type-tables.ts";
import { emitModes, emitPythonAbi } from "./emitters/abi.ts";
import { emitLayoutChecks } from "./emitters/layouts.ts";

export const allEmitters: readonly (() => GeneratedFile)[] = [
  emitEnums,
  emitSlots,
  emitHPyFunc,
  emitPublicShapes,
  emitRuntimeTypeTables,
  emitUniversalContext,
  emitUniversalWrappers,
  emitUniversalTrampolines,
  emitCPythonTrampolines,
  emitCPythonContext,
  emitCPythonApi,
  emitCtxDecl,
  emitHostCtxImpl,
  emitHostCtxInit,
  emitHostCallRealFunction,
  emitHostEntryPoints,
  emitDebugDecl,
  emitDebugWrappers,
  emitDebugCallReal,
  emitTraceWrappers,
  emitApiReference,
  emitModes,
  emitPythonAbi,
  emitLayoutChecks,
];
